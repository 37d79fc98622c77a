/* evox-cluster-csv.c: a clustering's numbers as CSV files: mean curves, centres, the k sweep and
 * the domain/boundary table. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <string.h>

#include "evox-cluster-csv.h"
#include "evox-csv.h"

char *
evox_cluster_csv_format_curves (EvoxClusters *clusters)
{
  guint k, d;
  const double *axis;
  GString *text;

  g_return_val_if_fail (EVOX_IS_CLUSTERS (clusters), NULL);

  k = evox_clusters_get_k (clusters);
  d = evox_clusters_get_n_features (clusters);
  axis = evox_clusters_get_axis (clusters);
  text = g_string_new ("axis,feature");
  for (guint id = 1; id <= k; id++)
    g_string_append_printf (text, ",mean_%u,std_%u", id, id);
  g_string_append_c (text, '\n');

  for (guint f = 0; f < d; f++)
    {
      /* Without abscissae the curves are over the feature index, 1..d as they are drawn. */
      evox_csv_append_double (text, axis != NULL ? axis[f] : f + 1.0);
      g_string_append_c (text, ',');
      evox_csv_append_field (text, evox_clusters_get_feature_name (clusters, f));
      for (guint id = 1; id <= k; id++)
        {
          g_string_append_c (text, ',');
          evox_csv_append_double (text, evox_clusters_get_mean_curve (clusters, id)[f]);
          g_string_append_c (text, ',');
          evox_csv_append_double (text, evox_clusters_get_std_curve (clusters, id)[f]);
        }
      g_string_append_c (text, '\n');
    }
  return g_string_free (text, FALSE);
}

char *
evox_cluster_csv_format_centers (EvoxClusters  *clusters,
                                 const double  *centers,
                                 const guint64 *sizes,
                                 guint64        n_points)
{
  guint k, d;
  GString *text;

  g_return_val_if_fail (EVOX_IS_CLUSTERS (clusters), NULL);
  g_return_val_if_fail (sizes == NULL || n_points > 0, NULL);

  k = evox_clusters_get_k (clusters);
  d = evox_clusters_get_n_features (clusters);
  text = g_string_new ("cluster,name,voxels,fraction");
  for (guint f = 0; f < d; f++)
    {
      g_string_append_c (text, ',');
      evox_csv_append_field (text, evox_clusters_get_feature_name (clusters, f));
    }
  g_string_append_c (text, '\n');

  for (guint id = 1; id <= k; id++)
    {
      const double *row = centers != NULL ? centers + (gsize) (id - 1) * d
                                          : evox_clusters_get_mean_curve (clusters, id);
      guint64 voxels = sizes != NULL ? sizes[id - 1] : evox_clusters_get_voxels (clusters, id);
      double fraction = sizes != NULL ? (double) sizes[id - 1] / (double) n_points
                                      : evox_clusters_get_fraction (clusters, id);

      g_string_append_printf (text, "%u,", id);
      evox_csv_append_field (text, evox_clusters_get_name (clusters, id));
      g_string_append_printf (text, ",%" G_GUINT64_FORMAT ",", voxels);
      evox_csv_append_double (text, fraction);
      for (guint f = 0; f < d; f++)
        {
          g_string_append_c (text, ',');
          evox_csv_append_double (text, row[f]);
        }
      g_string_append_c (text, '\n');
    }
  return g_string_free (text, FALSE);
}

char *
evox_cluster_csv_format_sweep (const EvoxKmeansSweep *sweep)
{
  GString *text;

  g_return_val_if_fail (sweep != NULL, NULL);

  text = g_string_new ("k,inertia,calinski_harabasz,silhouette,knee\n");
  for (guint i = 0; i < sweep->n_rows; i++)
    {
      const EvoxKmeansSweepRow *row = &sweep->rows[i];

      g_string_append_printf (text, "%u,", row->k);
      evox_csv_append_double (text, row->inertia);
      g_string_append_c (text, ',');
      evox_csv_append_double (text, row->calinski_harabasz);
      g_string_append_c (text, ',');
      evox_csv_append_double (text, row->silhouette);
      g_string_append_printf (text, ",%d\n", sweep->knee_k > 0 && (guint) sweep->knee_k == row->k);
    }
  return g_string_free (text, FALSE);
}

char *
evox_cluster_csv_format_stats (const EvoxDomainStats *rows,
                               guint                  n_rows)
{
  gboolean per_particle = FALSE;
  GString *text;

  g_return_val_if_fail (rows != NULL || n_rows == 0, NULL);

  for (guint i = 0; i < n_rows; i++)
    per_particle |= rows[i].particle != 0;
  text = g_string_new (per_particle ? "particle," : "");
  g_string_append (text, "cluster,domain_voxels,domain_mean,domain_std,boundary_voxels,"
                         "boundary_mean,boundary_std,difference\n");
  for (guint i = 0; i < n_rows; i++)
    {
      const EvoxDomainStats *row = &rows[i];

      if (per_particle)
        g_string_append_printf (text, "%u,", row->particle);
      g_string_append_printf (text, "%u,%" G_GUINT64_FORMAT ",", row->cluster,
                              row->domain_voxels);
      evox_csv_append_double (text, row->domain_mean);
      g_string_append_c (text, ',');
      evox_csv_append_double (text, row->domain_std);
      g_string_append_printf (text, ",%" G_GUINT64_FORMAT ",", row->boundary_voxels);
      evox_csv_append_double (text, row->boundary_mean);
      g_string_append_c (text, ',');
      evox_csv_append_double (text, row->boundary_std);
      g_string_append_c (text, ',');
      evox_csv_append_double (text, row->difference);
      g_string_append_c (text, '\n');
    }
  return g_string_free (text, FALSE);
}

static gboolean
write_text (const char  *path,
            char        *text,
            gboolean     overwrite,
            GError     **error)
{
  g_autofree char *owned = text;

  return evox_csv_write_text (path, owned, strlen (owned), overwrite, error);
}

gboolean
evox_cluster_csv_write_curves (const char    *path,
                               EvoxClusters  *clusters,
                               gboolean       overwrite,
                               GError       **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (EVOX_IS_CLUSTERS (clusters), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return write_text (path, evox_cluster_csv_format_curves (clusters), overwrite, error);
}

gboolean
evox_cluster_csv_write_centers (const char     *path,
                                EvoxClusters   *clusters,
                                const double   *centers,
                                const guint64  *sizes,
                                guint64         n_points,
                                gboolean        overwrite,
                                GError        **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (EVOX_IS_CLUSTERS (clusters), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return write_text (path, evox_cluster_csv_format_centers (clusters, centers, sizes, n_points),
                     overwrite, error);
}

gboolean
evox_cluster_csv_write_sweep (const char             *path,
                              const EvoxKmeansSweep  *sweep,
                              gboolean                overwrite,
                              GError                **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (sweep != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return write_text (path, evox_cluster_csv_format_sweep (sweep), overwrite, error);
}

gboolean
evox_cluster_csv_write_stats (const char             *path,
                              const EvoxDomainStats  *rows,
                              guint                   n_rows,
                              gboolean                overwrite,
                              GError                **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (rows != NULL || n_rows == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return write_text (path, evox_cluster_csv_format_stats (rows, n_rows), overwrite, error);
}
