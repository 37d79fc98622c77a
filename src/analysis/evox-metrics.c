/* evox-metrics.c: the electrode metrics of a phase computed into one table. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "evox-metrics.h"

#include "evox-types.h"

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

