/* evox-profile-csv.c: a line profile as a CSV file (distance, x, y, z, value). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-profile-csv.h"
#include "evox-csv.h"
#include "evox-measurement.h"
#include "evox-units.h"

/* "log10_ohm", "ohm", or NULL: the value column's unit, made safe for a column name. */
static char *
value_unit (EvoxVolume *volume,
            guint       channel)
{
  const char *unit = evox_volume_get_channel_unit (volume, channel);
  EvoxValueScale scale = evox_volume_get_channel_value_scale (volume, channel);
  g_autofree char *clean = NULL;

  if (unit == NULL || unit[0] == '\0')
    return scale == EVOX_SCALE_LOG10 ? g_strdup ("log10") : NULL;
  clean = g_strdup (unit);
  g_strdelimit (clean, " ,\"\r\n\t", '_');
  if (scale == EVOX_SCALE_LOG10)
    return g_strconcat ("log10_", clean, NULL);
  return g_steal_pointer (&clean);
}

char *
evox_profile_csv_format (const EvoxProfile *profile,
                         EvoxVolume        *volume)
{
  g_autofree char *unit = NULL;
  const char *length_unit = "nm";
  double spacing[3] = { 1.0, 1.0, 1.0 }, origin[3] = { 0.0, 0.0, 0.0 };
  double nm_per_step = 1.0;
  GString *text;

  g_return_val_if_fail (profile != NULL, NULL);
  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);

  g_return_val_if_fail (profile->channel < evox_volume_get_n_channels (volume), NULL);

  unit = value_unit (volume, profile->channel);
  if (!evox_volume_get_spacing_known (volume))
    {
      /* Voxel steps: positions as voxel indices (the hover's), distances along the line in
       * the steps evox_units_for_segment counts, as the Measure page plots them. */
      length_unit = "px";
      evox_volume_get_spacing (volume, spacing);
      evox_volume_get_origin (volume, origin);
      if (profile->n > 1)
        nm_per_step = evox_units_for_segment (volume, profile->position_nm,
                                              profile->position_nm + 3 * (gsize) (profile->n - 1)).nm;
      else
        nm_per_step = spacing[0];
    }
  text = g_string_new (NULL);
  g_string_append_printf (text, "distance_%s,x_%s,y_%s,z_%s,", length_unit, length_unit,
                          length_unit, length_unit);
  if (unit != NULL)
    {
      g_autofree char *name = g_strconcat ("value_", unit, NULL);

      evox_csv_append_field (text, name);
    }
  else
    g_string_append (text, "value");
  /* How the values were read, in every row as fractions carry their basis: a file that leaves
   * the window still says whether values between labels can appear. */
  g_string_append (text, ",sampling\n");

  for (guint i = 0; i < profile->n; i++)
    {
      const double *p = profile->position_nm + 3 * (gsize) i;

      evox_csv_append_double (text, profile->distance_nm[i] / nm_per_step);
      for (guint a = 0; a < 3; a++)
        {
          g_string_append_c (text, ',');
          evox_csv_append_double (text, (p[a] - origin[a]) / spacing[a]);
        }
      g_string_append_c (text, ',');
      evox_csv_append_double (text, profile->value[i]);
      g_string_append_printf (text, ",%s\n", evox_profile_sampling_to_string (profile->sampling));
    }
  return g_string_free (text, FALSE);
}

gboolean
evox_profile_csv_write (const char        *path,
                        const EvoxProfile *profile,
                        EvoxVolume        *volume,
                        gboolean           overwrite,
                        GError           **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (profile != NULL, FALSE);
  g_return_val_if_fail (EVOX_IS_VOLUME (volume), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  text = evox_profile_csv_format (profile, volume);
  return evox_csv_write_text (path, text, strlen (text), overwrite, error);
}
