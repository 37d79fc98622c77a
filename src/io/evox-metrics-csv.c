/* evox-metrics-csv.c: the metrics table as CSV. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "evox-metrics-csv.h"

#include "evox-types.h"

/* Placeholder until the metrics helper lands (issue 18). */
gboolean
evox_metrics_write_csv (EvoxMetrics  *self,
                        const char   *path,
                        gboolean      force,
                        GError      **error)
{
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED, "%s: metrics CSV: not yet", path);
  return FALSE;
}

