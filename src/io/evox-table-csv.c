/* evox-table-csv.c: numeric tables (cluster centres, k sweeps, domain statistics) as CSV. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"
#include "evox-table-csv.h"

#include <math.h>
#include <string.h>

#include "evox-csv.h"

char *
evox_table_csv_format (const EvoxCsvColumn *columns,
                       guint                n_columns,
                       gsize                n_rows)
{
  GString *text = g_string_new (NULL);

  g_return_val_if_fail (columns != NULL || n_columns == 0, NULL);

  for (guint c = 0; c < n_columns; c++)
    {
      if (c > 0)
        g_string_append_c (text, ',');
      evox_csv_append_field (text, columns[c].name);
    }
  g_string_append_c (text, '\n');
  for (gsize r = 0; r < n_rows; r++)
    {
      for (guint c = 0; c < n_columns; c++)
        {
          double value = columns[c].values[r];

          if (c > 0)
            g_string_append_c (text, ',');
          /* Counts past 2^53 do not occur; a whole number prints as one, never as 1e+06. */
          if (columns[c].integer && isfinite (value) && fabs (value) < 9007199254740992.0)
            g_string_append_printf (text, "%" G_GINT64_FORMAT, (gint64) value);
          else
            evox_csv_append_double (text, value);
        }
      g_string_append_c (text, '\n');
    }
  return g_string_free (text, FALSE);
}

gboolean
evox_table_csv_write (const char          *path,
                      const EvoxCsvColumn *columns,
                      guint                n_columns,
                      gsize                n_rows,
                      gboolean             overwrite,
                      GError             **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  text = evox_table_csv_format (columns, n_columns, n_rows);
  return evox_csv_write_text (path, text, strlen (text), overwrite, error);
}
