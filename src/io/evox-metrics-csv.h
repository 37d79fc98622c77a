/* evox-metrics-csv.h: the metrics table as CSV (metric,phase,axis,value,unit). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>
#include "evox-metrics-table.h"

G_BEGIN_DECLS

/* The table as CSV with the columns metric,phase,axis,value,unit (value %.9g, inf for infinity),
 * written atomically; an existing path refused unless force. */
gboolean              evox_metrics_write_csv  (EvoxMetrics         *self,
                                               const char          *path,
                                               gboolean             force,
                                               GError             **error);
G_END_DECLS
