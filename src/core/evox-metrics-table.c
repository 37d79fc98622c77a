/* evox-metrics-table.c: the electrode metrics table. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "evox-metrics-table.h"


struct _EvoxMetrics
{
  GArray     *rows;
  EvoxVolume *map;
};

static void
row_clear (gpointer data)
{
  EvoxMetricsRow *row = data;

  g_free (row->metric);
  g_free (row->phase);
  g_free (row->axis);
  g_free (row->unit);
  g_free (row->note);
}

EvoxMetrics *
evox_metrics_new (void)
{
  EvoxMetrics *self = g_new0 (EvoxMetrics, 1);

  self->rows = g_array_new (FALSE, TRUE, sizeof (EvoxMetricsRow));
  g_array_set_clear_func (self->rows, row_clear);
  return self;
}

void
evox_metrics_free (EvoxMetrics *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->rows);
  g_clear_object (&self->map);
  g_free (self);
}

void
evox_metrics_add (EvoxMetrics *self,
                  const char  *metric,
                  const char  *phase,
                  const char  *axis,
                  double       value,
                  const char  *unit,
                  const char  *note)
{
  EvoxMetricsRow row = {
    g_strdup (metric), g_strdup (phase ? phase : ""), g_strdup (axis ? axis : ""), value,
    g_strdup (unit ? unit : ""), g_strdup (note ? note : ""),
  };

  g_array_append_val (self->rows, row);
}

guint
evox_metrics_get_n_rows (EvoxMetrics *self)
{
  return self->rows->len;
}

const EvoxMetricsRow *
evox_metrics_get_row (EvoxMetrics *self,
                      guint        i)
{
  g_return_val_if_fail (i < self->rows->len, NULL);
  return &g_array_index (self->rows, EvoxMetricsRow, i);
}

EvoxVolume *
evox_metrics_get_map (EvoxMetrics *self)
{
  return self->map;
}

/* Placeholder until the metrics helper lands (issue 18). */
char *
evox_metrics_to_text (EvoxMetrics *self)
{
  return g_strdup ("");
}
