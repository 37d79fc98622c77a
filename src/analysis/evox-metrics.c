/* evox-metrics.c: the electrode metrics table. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "evox-metrics.h"

#include "evox-types.h"

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
EvoxMetrics *
evox_metrics_compute (EvoxVolume                *volume,
                      const EvoxMetricsRequest  *request,
                      EvoxProgress              *progress,
                      GCancellable              *cancellable,
                      GError                   **error)
{
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED, "metrics: not yet");
  return NULL;
}

gboolean
evox_metrics_write_csv (EvoxMetrics  *self,
                        const char   *path,
                        gboolean      force,
                        GError      **error)
{
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED, "%s: metrics CSV: not yet", path);
  return FALSE;
}

char *
evox_metrics_to_text (EvoxMetrics *self)
{
  return g_strdup ("");
}
