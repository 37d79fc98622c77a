/* evox-registration-csv.c: the registration quality report as CSV, a row per energy. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <string.h>

#include "evox-registration-csv.h"
#include "evox-csv.h"

#define HEADER "energy_ev,channel,reference,anchor,excluded,nominal_scale,scale,shift_x,shift_y," \
               "shift_z,ncc_before,ncc_after,mi_before,mi_after,residual_px,flagged,empty\n"

static void
append_flag (GString  *s,
             gboolean  flag)
{
  g_string_append (s, flag ? ",1" : ",0");
}

static void
append_number (GString *s,
               double   value)
{
  g_string_append_c (s, ',');
  evox_csv_append_double (s, value);
}

char *
evox_registration_csv_format (EvoxRegistration *registration)
{
  GString *s;
  guint n;

  g_return_val_if_fail (EVOX_IS_REGISTRATION (registration), NULL);

  s = g_string_new (HEADER);
  n = evox_registration_get_n_entries (registration);
  for (guint i = 0; i < n; i++)
    {
      const EvoxRegistrationEntry *e = evox_registration_get_entry (registration, i);

      evox_csv_append_double (s, e->energy_ev);
      /* An excluded energy has no channel in the registered volume: an empty field, which
       * numpy and pandas read as missing rather than as an index. */
      g_string_append_c (s, ',');
      if (!e->excluded && e->channel >= 0)
        g_string_append_printf (s, "%d", e->channel);
      append_flag (s, e->is_reference);
      append_flag (s, e->is_anchor);
      append_flag (s, e->excluded);
      append_number (s, e->nominal_scale);
      append_number (s, e->scale);
      for (guint a = 0; a < 3; a++)
        append_number (s, e->shift[a]);
      append_number (s, e->ncc_before);
      append_number (s, e->ncc_after);
      append_number (s, e->mi_before);
      append_number (s, e->mi_after);
      append_number (s, e->residual_px);
      append_flag (s, e->flagged);
      append_flag (s, e->empty);
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

gboolean
evox_registration_csv_write (EvoxRegistration  *registration,
                             const char        *path,
                             gboolean           force,
                             GError           **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (EVOX_IS_REGISTRATION (registration), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  text = evox_registration_csv_format (registration);
  return evox_csv_write_text (path, text, strlen (text), force, error);
}
