/* evox-metrics-record.h: the session's "metrics" record, as `evox metrics --session` and the
 * window's Metrics page write it and `evox apply` runs it. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <json-glib/json-glib.h>

#include "evox-metrics.h"

G_BEGIN_DECLS

/* The "version" member the record starts with (the subcommands' records' version). */
#define EVOX_METRICS_RECORD_VERSION 1

/* The record of request measured on channel: "phase", "surface" (when surface) and "second"
 * (when tortuosity and request->two_phase) are empty arrays, filled with
 * evox_metrics_record_add_phase by the caller, who knows the phases' own names; thickness is
 * "map", "sizes" or "none"; a connectivity of 0 is recorded as 26, what the metrics use. */
JsonObject *evox_metrics_record_new       (const EvoxMetricsRequest *request,
                                           guint                     channel,
                                           gboolean                  tortuosity,
                                           gboolean                  percolation,
                                           int                       connectivity,
                                           gboolean                  surface,
                                           const char               *thickness,
                                           gboolean                  fields);
/* Appends {name, range: [lo, hi]} to one of the record's phase arrays. */
void        evox_metrics_record_add_phase (JsonArray                *phases,
                                           const char               *name,
                                           double                    lo,
                                           double                    hi);

G_END_DECLS
