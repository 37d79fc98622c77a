/* evox-metrics-csv.c: the metrics table as CSV. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-metrics-csv.h"

#include "evox-csv.h"
#include "evox-types.h"

gboolean
evox_metrics_write_csv (EvoxMetrics  *self,
                        const char   *path,
                        gboolean      force,
                        GError      **error)
{
  g_autoptr (GString) text = g_string_new ("metric,phase,axis,value,unit\n");
  guint n;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  n = evox_metrics_get_n_rows (self);
  for (guint i = 0; i < n; i++)
    {
      const EvoxMetricsRow *row = evox_metrics_get_row (self, i);
      g_autofree char *value = evox_metrics_format_value (row->value);

      evox_csv_append_field (text, row->metric);
      g_string_append_c (text, ',');
      evox_csv_append_field (text, row->phase);
      g_string_append_c (text, ',');
      evox_csv_append_field (text, row->axis);
      g_string_append_printf (text, ",%s,", value);
      evox_csv_append_field (text, row->unit);
      g_string_append_c (text, '\n');
    }
  return evox_csv_write_text (path, text->str, text->len, force, error);
}
