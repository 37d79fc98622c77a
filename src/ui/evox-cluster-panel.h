/* evox-cluster-panel.h: the Clusters page: k-means of the voxels' features, the k sweep, the
 * cluster list, the overlay's controls, mean curves and the domain/boundary table. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>
#include "evox-document.h"
#include "evox-features.h"
#include "evox-kmeans.h"

G_BEGIN_DECLS

#define EVOX_TYPE_CLUSTER_PANEL (evox_cluster_panel_get_type ())
G_DECLARE_FINAL_TYPE (EvoxClusterPanel, evox_cluster_panel, EVOX, CLUSTER_PANEL, GtkWidget)

/* Properties: document (EvoxDocument), features (int, EvoxFeatureKind: CHANNELS, or LOCAL of the
 * document's channel), window (uint, 3 or 5), mask-phase (int: -1 every voxel with finite
 * features, else an index of the document's phases: the voxels in the range that phase owns),
 * scale (int, EvoxFeatureScale, default ZSCORE), pca (uint, components, 0 off), k (uint,
 * default 4), seed (uint, default 0), restarts (uint, default 4), busy (boolean, read-only: a
 * run is going).
 * While the page is shown, a change of features, window, mask, scaling or PCA starts a k sweep
 * (1..12, on a sample) in the background after a short pause, cancelling the one before; until
 * the user sets k, k follows the sweep's knee. Clicking the sweep plot picks the nearest k.
 * Actions: clusters.run (evox_clustering_run_async; the result goes to the document with
 * evox_document_set_clusters), clusters.cancel, clusters.merge (the two selected rows),
 * clusters.make-phase (the selected row, evox_document_cluster_to_phase), clusters.export-curves
 * and clusters.export-stats (a file chooser, then the exports below). */
GtkWidget         *evox_cluster_panel_new            (void);
void               evox_cluster_panel_set_document   (EvoxClusterPanel *self,
                                                      EvoxDocument     *document);
EvoxDocument      *evox_cluster_panel_get_document   (EvoxClusterPanel *self);
gboolean           evox_cluster_panel_is_busy        (EvoxClusterPanel *self);

/* The mean curves (evox_cluster_csv_write_curves) of the document's clusters, and the last
 * domain/boundary table (evox_cluster_csv_write_stats). EVOX_ERROR_ARGUMENT when there is
 * nothing to write yet. */
gboolean           evox_cluster_panel_export_curves  (EvoxClusterPanel *self,
                                                      const char       *path,
                                                      gboolean          overwrite,
                                                      GError          **error);
gboolean           evox_cluster_panel_export_stats   (EvoxClusterPanel *self,
                                                      const char       *path,
                                                      gboolean          overwrite,
                                                      GError          **error);
/* The mean-curve plot alone (EvoxCurveFigure) as .png (1500 x 1000 px), .svg or .pdf (600 x
 * 400 pt). EVOX_ERROR_ARGUMENT without curves to draw. */
gboolean           evox_cluster_panel_export_plot    (EvoxClusterPanel *self,
                                                      const char       *path,
                                                      gboolean          overwrite,
                                                      GError          **error);

/* For tests: the last sweep (NULL before one finished), whether a sweep is running or due, the
 * last domain table (EvoxDomainStats rows, NULL before one finished), whether it is being
 * computed, the list of clusters (one GtkListBoxRow per cluster, in id order, each with the
 * cluster's id as object data "evox-cluster-id"), the plots, and the summary and error texts. */
const EvoxKmeansSweep *evox_cluster_panel_get_sweep    (EvoxClusterPanel *self);
gboolean           evox_cluster_panel_is_sweeping    (EvoxClusterPanel *self);
GArray            *evox_cluster_panel_get_domain_stats (EvoxClusterPanel *self);
gboolean           evox_cluster_panel_is_computing_domains (EvoxClusterPanel *self);
GtkListBox        *evox_cluster_panel_get_list       (EvoxClusterPanel *self);
GtkWidget         *evox_cluster_panel_get_sweep_plot (EvoxClusterPanel *self);
GtkWidget         *evox_cluster_panel_get_curve_plot (EvoxClusterPanel *self);
const char        *evox_cluster_panel_get_summary    (EvoxClusterPanel *self);
const char        *evox_cluster_panel_get_error      (EvoxClusterPanel *self);
/* What a click at widget point (x, y) of the sweep plot does. */
void               _evox_cluster_panel_click_sweep   (EvoxClusterPanel *self,
                                                      double            x,
                                                      double            y);

G_END_DECLS
