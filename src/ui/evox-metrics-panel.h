/* evox-metrics-panel.h: the Metrics page: electrode metrics of a phase (or union) as a table. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "evox-document.h"
#include "evox-labels.h"
#include "evox-metrics.h"

G_BEGIN_DECLS

#define EVOX_TYPE_METRICS_PANEL (evox_metrics_panel_get_type ())
G_DECLARE_FINAL_TYPE (EvoxMetricsPanel, evox_metrics_panel, EVOX, METRICS_PANEL, GtkWidget)

/* Properties: busy (boolean, read-only: a computation runs), show-percolation (boolean: the
 * table's percolation classes along the chosen axis are the document's clusters, so the views,
 * exports and figure legends draw them as the cluster overlay, with its opacity; turning it off
 * gives back the clusters it replaced; clusters made meanwhile turn it off; action
 * metrics.show-percolation, enabled once a table kept the classes).
 * Actions: metrics.compute (evox_metrics_compute of the checked phases' union on a worker
 * thread, the progress shown, the table filled when it ends), metrics.cancel, metrics.copy (the
 * table as text on the clipboard), metrics.export (asks where, then writes the CSV),
 * metrics.show-thickness (the kept thickness map shown as a map of the document). */
GtkWidget         *evox_metrics_panel_new             (void);
void               evox_metrics_panel_set_document    (EvoxMetricsPanel *self,
                                                       EvoxDocument     *document);
/* Checks phase index of the document's list (the measured phase is the union of those checked). */
void               evox_metrics_panel_set_phase_checked (EvoxMetricsPanel *self,
                                                         guint             index,
                                                         gboolean          checked);
/* The interface's other phase (index of the document's list). */
void               evox_metrics_panel_set_other       (EvoxMetricsPanel *self,
                                                       guint             index);
/* The second conducting phase of the tortuosity solves (index of the document's list) and its
 * relative diffusivity in [0, 1]; ticked with evox_metrics_panel_set_metric ("second"). */
void               evox_metrics_panel_set_second      (EvoxMetricsPanel *self,
                                                       guint             index,
                                                       double            diffusivity);
/* Ticks a metric: "tortuosity-x", "tortuosity-y", "tortuosity-z", "second", "percolation",
 * "surface", "thickness". */
void               evox_metrics_panel_set_metric      (EvoxMetricsPanel *self,
                                                       const char       *name,
                                                       gboolean          checked);
/* The percolation overlay (the show-percolation property) and its axis (0 x, 1 y, 2 z; z at
 * first). */
void               evox_metrics_panel_set_show_percolation (EvoxMetricsPanel *self,
                                                            gboolean          show);
gboolean           evox_metrics_panel_get_show_percolation (EvoxMetricsPanel *self);
void               evox_metrics_panel_set_percolation_axis (EvoxMetricsPanel *self,
                                                            guint             axis);
/* How the surface area is measured: EvoxAreaMethod bits (Crofton at first). */
void               evox_metrics_panel_set_surface_methods  (EvoxMetricsPanel *self,
                                                            guint             methods);
/* The connectivity of the percolation's components (6, 18 or 26; 26 at first), as
 * `evox metrics --connectivity` takes it. */
void               evox_metrics_panel_set_connectivity (EvoxMetricsPanel *self,
                                                        EvoxConnectivity  connectivity);
EvoxConnectivity   evox_metrics_panel_get_connectivity (EvoxMetricsPanel *self);
/* 1e-4 .. 1e-8 as the tolerance list offers them (others: the nearest). */
void               evox_metrics_panel_set_tolerance   (EvoxMetricsPanel *self,
                                                       double            tolerance);
/* The request the page's inputs make (free with evox_metrics_request_clear), or FALSE with an
 * error (no volume, no phase checked, the other phase not chosen). */
gboolean           evox_metrics_panel_get_request     (EvoxMetricsPanel   *self,
                                                       EvoxMetricsRequest *request,
                                                       GError            **error);
void               evox_metrics_request_clear         (EvoxMetricsRequest *request);
gboolean           evox_metrics_panel_get_busy        (EvoxMetricsPanel *self);
/* The table shown (NULL before the first result). */
EvoxMetrics       *evox_metrics_panel_get_metrics     (EvoxMetricsPanel *self);
/* The session's "metrics" record (evox-metrics-record.h) of the request the table shown
 * answers, as `evox metrics --session` writes it, so `evox apply` computes the same rows; NULL
 * before the first result or once the volume it measured is no longer the document's. */
JsonObject        *evox_metrics_panel_dup_record      (EvoxMetricsPanel *self);
/* Puts the page's settings as a "metrics" record gives them (its phases found in the document's
 * list by name and range) and computes the table as metrics.compute does; FALSE with an error,
 * the page untouched, for a record the page cannot compute (a phase not in the list, a union as
 * the second or other phase, a tolerance it does not offer, another channel, a percolation
 * connectivity other than 6, 18 or 26). */
gboolean           evox_metrics_panel_compute_record  (EvoxMetricsPanel  *self,
                                                       JsonObject        *record,
                                                       GError           **error);
/* Writes the table as the export action does once a path is chosen. */
gboolean           evox_metrics_panel_export_csv      (EvoxMetricsPanel *self,
                                                       const char       *path,
                                                       gboolean          overwrite,
                                                       GError          **error);
/* The text of a table cell (row 0 is the header; columns metric, phase, axis, value, unit, note)
 * and of the error line, for tests; NULL past the end or when no error is shown. */
const char        *_evox_metrics_panel_get_cell       (EvoxMetricsPanel *self,
                                                       guint             row,
                                                       guint             column);
const char        *_evox_metrics_panel_get_error      (EvoxMetricsPanel *self);

G_END_DECLS
