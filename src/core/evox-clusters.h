/* evox-clusters.h: a cluster labelling of a volume's voxels, its per-cluster curves and the
 * names, colours and visibility the user gives the clusters. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-volume.h"

G_BEGIN_DECLS

/* The labels (u16, the volume's dims, 0 outside the mask, clusters 1..k numbered by size: 1 the
 * largest) and the statistics are immutable. Names ("Cluster 1"...), colours ("#rrggbb", a fixed
 * palette in id order so colours stay put when k changes) and visibility are the user's: setting
 * one emits "changed" (guint id, 0 for several), and views redraw. */
#define EVOX_TYPE_CLUSTERS (evox_clusters_get_type ())
G_DECLARE_FINAL_TYPE (EvoxClusters, evox_clusters, EVOX, CLUSTERS, GObject)

/* Takes labels (an _evox_alloc_large () buffer of n_voxels u16, freed with the object or on
 * failure), the features' names (d of them; NULL: "feature N"), the curves' abscissae (NULL:
 * 0..d-1) and title, and per cluster the mean and population std of every feature in its
 * original units (k rows of d each, copied). Counts every voxel of labels for the sizes and
 * fails with EVOX_ERROR_INVALID_DATA when a label exceeds k. */
EvoxClusters   *evox_clusters_new_take        (const gsize          dims[3],
                                               guint16             *labels,
                                               guint                k,
                                               guint                d,
                                               const char * const  *feature_names,
                                               const double        *axis,
                                               const char          *axis_title,
                                               const double        *means,
                                               const double        *stds,
                                               GError             **error);
/* Labels read from a file (channel 0 of a u8 or u16 volume, or f32 holding whole numbers; 0
 * outside the mask; k is the largest label, ids kept as the file has them): sizes counted,
 * curves (mean and population std, non-finite values left out) of every channel of `features`
 * (NULL: none, d = 0; else its dims must be the labels'), over channel energies when every
 * channel has one, else channel indices. */
EvoxClusters   *evox_clusters_new_from_volume (EvoxVolume          *labels,
                                               EvoxVolume          *features,
                                               GError             **error);

void            evox_clusters_get_dims        (EvoxClusters        *self,
                                               gsize                dims[3]);
const guint16  *evox_clusters_get_data        (EvoxClusters        *self);
guint16         evox_clusters_get_label       (EvoxClusters        *self,
                                               gsize                x,
                                               gsize                y,
                                               gsize                z);
guint           evox_clusters_get_k           (EvoxClusters        *self);
/* id 1..k */
guint64         evox_clusters_get_voxels      (EvoxClusters        *self,
                                               guint                id);
/* Fraction of the masked voxels. */
double          evox_clusters_get_fraction    (EvoxClusters        *self,
                                               guint                id);
guint64         evox_clusters_get_n_masked    (EvoxClusters        *self);
guint           evox_clusters_get_n_features  (EvoxClusters        *self);
const char     *evox_clusters_get_feature_name (EvoxClusters       *self,
                                               guint                feature);
const double   *evox_clusters_get_axis        (EvoxClusters        *self);
const char     *evox_clusters_get_axis_title  (EvoxClusters        *self);
/* d values each. */
const double   *evox_clusters_get_mean_curve  (EvoxClusters        *self,
                                               guint                id);
const double   *evox_clusters_get_std_curve   (EvoxClusters        *self,
                                               guint                id);

const char     *evox_clusters_get_name        (EvoxClusters        *self,
                                               guint                id);
void            evox_clusters_set_name        (EvoxClusters        *self,
                                               guint                id,
                                               const char          *name);
const char     *evox_clusters_get_color       (EvoxClusters        *self,
                                               guint                id);
void            evox_clusters_set_color       (EvoxClusters        *self,
                                               guint                id,
                                               const char          *color);
gboolean        evox_clusters_get_visible     (EvoxClusters        *self,
                                               guint                id);
void            evox_clusters_set_visible     (EvoxClusters        *self,
                                               guint                id,
                                               gboolean             visible);
/* Shows the clusters in ids, hides the rest: one "changed" (0). */
void            evox_clusters_show_only       (EvoxClusters        *self,
                                               const guint         *ids,
                                               guint                n_ids);
/* The colour as straight RGB, 0..1. */
void            evox_clusters_get_rgb         (EvoxClusters        *self,
                                               guint                id,
                                               float                rgb[3]);
/* The fixed palette's colour for cluster id (1..): tab10, then tab20's lighter ten, repeated. */
const char     *_evox_clusters_palette_color  (guint                id);

/* A new labelling with cluster b merged into a (pooled means and stds), renumbered by size; the
 * names and colours of the clusters that stay follow them. Info about the run is copied; info
 * that measures the partition ("inertia", "silhouette", "calinski-harabasz", "davies-bouldin")
 * is not the merged result's, so it moves to "unmerged-KEY" (the run's value, kept through
 * further merges); "k" becomes the new k (the run's in "unmerged-k"), "merges" counts the
 * merges since the run and "merge-pairs" lists them ("A:B,...", see replay_merges). Fails
 * with EVOX_ERROR_ARGUMENT when a or b is not a cluster or a == b. */
EvoxClusters   *evox_clusters_merge           (EvoxClusters        *self,
                                               guint                a,
                                               guint                b,
                                               GError             **error);
/* The clusters that the merges `pairs` make of self, one after another: "A:B,C:D" (as a merged
 * result's info "merge-pairs" records them, B merged into A with the ids of that moment). A new
 * reference to self for "". Fails with EVOX_ERROR_ARGUMENT naming the merge that is not two ids
 * or not two clusters. */
EvoxClusters   *evox_clusters_replay_merges   (EvoxClusters        *self,
                                               const char          *pairs,
                                               GError             **error);

/* Free-form facts kept for tables and files: "features", "scale", "pca", "seed", "inertia"... */
const char     *evox_clusters_get_info        (EvoxClusters        *self,
                                               const char          *key);
void            evox_clusters_set_info        (EvoxClusters        *self,
                                               const char          *key,
                                               const char          *value);

G_END_DECLS
