/* evox-cluster-csv.h: a clustering's numbers as CSV files: mean curves, centres, the k sweep and
 * the domain/boundary table. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-clusters.h"
#include "evox-features.h"
#include "evox-kmeans.h"

G_BEGIN_DECLS

/* Every format is CSV text with '\n' line ends, numbers in the C locale that read back
 * (g_ascii_strtod) as the same doubles, "nan" for NaN; the writers go through the safe-output
 * path (never half-written; EVOX_ERROR_EXISTS for an existing path unless overwrite).
 * Clusters are named by id (1..k, 1 the largest) in columns and rows. */

/* The mean feature curves with their population std, one row per feature:
 *   axis,feature,mean_1,std_1,mean_2,std_2,...,mean_k,std_k
 * axis is the clusters' abscissa (energy in eV, or the feature index), feature its name. */
char     *evox_cluster_csv_format_curves  (EvoxClusters            *clusters);
/* The cluster centres in the features' original units, one row per cluster:
 *   cluster,name,voxels,fraction,<feature 1>,...,<feature d>
 * the one centres format of the page and `evox cluster`. centers: k rows of d
 * (EvoxClusteringResult's); NULL takes the clusters' mean curves, which are the centres when no
 * PCA projected the points. sizes: k voxel counts over every volume clustered jointly (the
 * result's), fractions of n_points; NULL takes the clusters' own counts and fractions. Names
 * and feature names are the clusters'. */
char     *evox_cluster_csv_format_centers (EvoxClusters            *clusters,
                                           const double            *centers,
                                           const guint64           *sizes,
                                           guint64                  n_points);
/*   k,inertia,calinski_harabasz,silhouette,knee
 * knee is 1 on the row of the sweep's knee, else 0. */
char     *evox_cluster_csv_format_sweep   (const EvoxKmeansSweep   *sweep);
/* evox_domain_stats's rows:
 *   cluster,domain_voxels,domain_mean,domain_std,boundary_voxels,boundary_mean,boundary_std,
 *   difference
 * with a first column particle when any row belongs to a particle (particle != 0). */
char     *evox_cluster_csv_format_stats   (const EvoxDomainStats   *rows,
                                           guint                    n_rows);

gboolean  evox_cluster_csv_write_curves   (const char              *path,
                                           EvoxClusters            *clusters,
                                           gboolean                 overwrite,
                                           GError                 **error);
gboolean  evox_cluster_csv_write_centers  (const char              *path,
                                           EvoxClusters            *clusters,
                                           const double            *centers,
                                           const guint64           *sizes,
                                           guint64                  n_points,
                                           gboolean                 overwrite,
                                           GError                 **error);
gboolean  evox_cluster_csv_write_sweep    (const char              *path,
                                           const EvoxKmeansSweep   *sweep,
                                           gboolean                 overwrite,
                                           GError                 **error);
gboolean  evox_cluster_csv_write_stats    (const char              *path,
                                           const EvoxDomainStats   *rows,
                                           guint                    n_rows,
                                           gboolean                 overwrite,
                                           GError                 **error);

G_END_DECLS
