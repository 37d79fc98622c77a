/* evox-clustering.h: the whole clustering job (features, mask, scaling, PCA, k-means, sweep)
 * that the Clusters page and `evox cluster` run. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-clusters.h"
#include "evox-features.h"
#include "evox-kmeans.h"

G_BEGIN_DECLS

typedef struct
{
  EvoxFeatureKind   features;
  const guint      *channels;       /* EVOX_FEATURES_CHANNELS: the channels (not owned; the
                                     * _async functions copy them), NULL with n_channels 0 for
                                     * every channel but the derived ones */
  guint             n_channels;
  guint             channel;        /* EVOX_FEATURES_LOCAL: the channel */
  guint             window;         /* EVOX_FEATURES_LOCAL: 3 or 5 */
  EvoxFeatureMask   mask;
  EvoxFeatureScale  scale;          /* default ZSCORE */
  guint             pca;            /* components, 0 for none */
  guint             k;              /* 0 (the default): choose k at the knee of the sweep */
  guint             k_max;          /* sweep k = 1..k_max; default 12 */
  gsize             sweep_sample;   /* points the sweep clusters; default 100,000 */
  EvoxKmeansParams  kmeans;
} EvoxClusteringParams;

void evox_clustering_params_init (EvoxClusteringParams *params);

/* A channel list as a user types it: comma-separated channel labels, 0-based indices and
 * ranges "A-B" (a label wins over a range that reads the same), for example "0-99, 120, Ni K".
 * Repeats count once, in the order first given. Empty text gives no channel (n 0: the default).
 * Fails with EVOX_ERROR_ARGUMENT naming the item that is neither. */
gboolean evox_clustering_parse_channels  (EvoxVolume   *volume,
                                          const char   *text,
                                          guint       **channels,
                                          guint        *n_channels,
                                          GError      **error);
/* A key's text in run info (the clusters' info as a session stores it), NULL when absent. */
typedef const char *(*EvoxClusteringInfoFunc) (gpointer    data,
                                               const char *key);
/* The parameters of the run that made a clustering, from the run.* keys it wrote into its info
 * (what a session records), so the window and `evox apply` make the same clusters again;
 * *channels (free it) holds the channel list params points to. Fails with
 * EVOX_ERROR_UNSUPPORTED for clusters merged by hand (one run cannot make them) or info without
 * the run's numbers (an older Evox), EVOX_ERROR_INVALID_DATA for an unknown scaling, and as
 * evox_clustering_parse_channels for the channel list. */
gboolean evox_clustering_params_from_info (EvoxVolume            *volume,
                                           EvoxClusteringInfoFunc info,
                                           gpointer               data,
                                           EvoxClusteringParams  *params,
                                           guint                **channels,
                                           GError               **error);
/* The list back as short text ("0-99, 120"), indices only. */
char    *evox_clustering_format_channels (const guint  *channels,
                                          guint         n_channels);
/* The channels a run uses: params' own, or with none every channel that is not derived (the
 * "Clusters" channel of Make Phase). Fails when a channel does not exist or none is left. */
guint   *evox_clustering_resolve_channels (EvoxVolume                 *volume,
                                           const EvoxClusteringParams *params,
                                           guint                      *n_channels,
                                           GError                    **error);

typedef struct
{
  guint             n_volumes;
  EvoxClusters    **clusters;       /* one per volume, the same cluster ids across them */
  EvoxKmeansSweep  *sweep;          /* NULL unless k was 0 or a sweep was asked for */
  guint             k;
  double            inertia;        /* in the scaled (and projected) feature space */
  guint             n_features;     /* before PCA */
  guint64           n_points;       /* voxels clustered, all volumes together */
  guint64           n_dropped;      /* voxels in the masks left out for a non-finite feature */
  guint64          *sizes;          /* k: voxels per cluster, all volumes together */
  double           *explained_variance_ratio;  /* pca entries, NULL without PCA */
  double           *centers;        /* k rows of n_features in the original units */
  char            **feature_names;
} EvoxClusteringResult;

/* Clusters the voxels of one or more volumes (the same features, one feature space: joint
 * clustering) and returns a labelling per volume. Fails with EVOX_ERROR_ARGUMENT (k larger than
 * the points, an empty mask, volumes whose features differ) and G_IO_ERROR_CANCELLED. */
EvoxClusteringResult *evox_clustering_run        (EvoxVolume                 **volumes,
                                                  guint                        n_volumes,
                                                  const EvoxClusteringParams  *params,
                                                  gboolean                     sweep,
                                                  EvoxProgress                *progress,
                                                  GCancellable                *cancellable,
                                                  GError                     **error);
void                  evox_clustering_run_async  (EvoxVolume                  *volume,
                                                  const EvoxClusteringParams  *params,
                                                  gboolean                     sweep,
                                                  EvoxProgress                *progress,
                                                  GCancellable                *cancellable,
                                                  GAsyncReadyCallback          callback,
                                                  gpointer                     user_data);
EvoxClusteringResult *evox_clustering_run_finish (GAsyncResult                *result,
                                                  GError                     **error);
/* The sweep alone (k = 1..params->k_max) on the features, scaling and PCA the run would use,
 * for the panel's plot while the user chooses k. */
EvoxKmeansSweep      *evox_clustering_sweep        (EvoxVolume               **volumes,
                                                    guint                      n_volumes,
                                                    const EvoxClusteringParams *params,
                                                    EvoxProgress              *progress,
                                                    GCancellable              *cancellable,
                                                    GError                   **error);
void                  evox_clustering_sweep_async  (EvoxVolume                *volume,
                                                    const EvoxClusteringParams *params,
                                                    EvoxProgress              *progress,
                                                    GCancellable              *cancellable,
                                                    GAsyncReadyCallback        callback,
                                                    gpointer                   user_data);
EvoxKmeansSweep      *evox_clustering_sweep_finish (GAsyncResult              *result,
                                                    GError                   **error);
void                  evox_clustering_result_free (EvoxClusteringResult       *self);

/* A single-volume job keeps its features, scaling and PCA on the volume (object data, freed
 * with it) and the next job with the same feature parameters (features, channels, channel,
 * window, mask, scale, pca) reuses them: the window's sweep and the run after it prepare once. This drops
 * them (tests; memory). */
void                  _evox_clustering_forget     (EvoxVolume                 *volume);
/* Whether a job with params would reuse what is kept on volume. */
gboolean              _evox_clustering_is_kept    (EvoxVolume                 *volume,
                                                   const EvoxClusteringParams *params);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxClusteringResult, evox_clustering_result_free)

G_END_DECLS
