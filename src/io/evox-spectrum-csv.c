/* evox-spectrum-csv.c: spectra as CSV: energy_ev,mean,std,voxels, one block per spectrum. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <string.h>

#include "evox-spectrum-csv.h"
#include "evox-csv.h"

static void
append_point (GString                 *text,
              const EvoxSpectrumPoint *point)
{
  /* Every number reads back as the same double; a channel without an energy is "nan". */
  evox_csv_append_double (text, point->energy_ev);
  g_string_append_c (text, ',');
  evox_csv_append_double (text, point->mean);
  g_string_append_c (text, ',');
  evox_csv_append_double (text, point->std);
  g_string_append_printf (text, ",%" G_GUINT64_FORMAT "\n", point->voxels);
}

gboolean
evox_spectrum_csv_write (EvoxSpectrum * const *spectra,
                         guint                 n_spectra,
                         const char           *path,
                         gboolean              force,
                         GError              **error)
{
  g_autoptr(GString) text = NULL;

  g_return_val_if_fail (spectra != NULL, FALSE);
  g_return_val_if_fail (n_spectra > 0, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  text = g_string_new (n_spectra > 1 ? "spectrum," : NULL);
  g_string_append (text, "energy_ev,mean,std,voxels\n");
  for (guint s = 0; s < n_spectra; s++)
    {
      g_return_val_if_fail (spectra[s] != NULL, FALSE);
      for (guint p = 0; p < spectra[s]->n_points; p++)
        {
          if (n_spectra > 1)
            {
              evox_csv_append_field (text, spectra[s]->label != NULL ? spectra[s]->label : "");
              g_string_append_c (text, ',');
            }
          append_point (text, &spectra[s]->points[p]);
        }
    }
  return evox_csv_write_text (path, text->str, text->len, force, error);
}
