/* test-cluster-csv.c: the cluster CSV writers (sweep, domain table, curves, centres) read back
 * field by field against the numbers they were given. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "evox-cluster-csv.h"
#include "evox-test-util.h"
#include "evox-types.h"

static void
test_sweep (void)
{
  /* Numbers with many digits and a NaN, as a sweep's k = 1 row has for CH and silhouette. */
  EvoxKmeansSweepRow rows[] = {
    { 1, 1234.5678901234567, NAN, NAN },
    { 2, 345.25, 1e10 / 3, 0.81234567890123 },
    { 3, 120.0, 2.5e3, -0.125 },
  };
  EvoxKmeansSweep sweep = { G_N_ELEMENTS (rows), rows, 2, 1000 };
  g_autofree char *text = evox_cluster_csv_format_sweep (&sweep);
  g_autoptr(GPtrArray) csv = evox_test_csv_parse (text);

  evox_test_csv_assert_header (csv, "k,inertia,calinski_harabasz,silhouette,knee");
  g_assert_cmpuint (csv->len, ==, 4);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_assert_cmpfloat (evox_test_csv_double (csv, i + 1, 0), ==, rows[i].k);
      g_assert_cmpfloat (evox_test_csv_double (csv, i + 1, 1), ==, rows[i].inertia);
      if (isnan (rows[i].calinski_harabasz))
        g_assert_true (isnan (evox_test_csv_double (csv, i + 1, 2)));
      else
        g_assert_cmpfloat (evox_test_csv_double (csv, i + 1, 2), ==, rows[i].calinski_harabasz);
      if (isnan (rows[i].silhouette))
        g_assert_true (isnan (evox_test_csv_double (csv, i + 1, 3)));
      else
        g_assert_cmpfloat (evox_test_csv_double (csv, i + 1, 3), ==, rows[i].silhouette);
      /* The knee is marked on its row only. */
      g_assert_cmpfloat (evox_test_csv_double (csv, i + 1, 4), ==, rows[i].k == 2 ? 1 : 0);
    }

  /* No knee: no row marked. */
  sweep.knee_k = 0;
  {
    g_autofree char *none = evox_cluster_csv_format_sweep (&sweep);
    g_autoptr(GPtrArray) rows_none = evox_test_csv_parse (none);

    for (guint i = 1; i < rows_none->len; i++)
      g_assert_cmpfloat (evox_test_csv_double (rows_none, i, 4), ==, 0);
  }
}

static void
assert_stats_row (GPtrArray             *csv,
                  guint                  row,
                  guint                  first,
                  const EvoxDomainStats *stats)
{
  const double expected[] = { stats->cluster, stats->domain_voxels, stats->domain_mean,
                              stats->domain_std, stats->boundary_voxels, stats->boundary_mean,
                              stats->boundary_std, stats->difference };

  for (guint c = 0; c < G_N_ELEMENTS (expected); c++)
    {
      double value = evox_test_csv_double (csv, row, first + c);

      if (isnan (expected[c]))
        g_assert_true (isnan (value));
      else
        g_assert_cmpfloat (value, ==, expected[c]);
    }
}

static void
test_stats (void)
{
  EvoxDomainStats rows[] = {
    { 0, 1, 448, 10.123456789, 0.5, 64, 31.0 / 3, 2.0 / 7, 31.0 / 3 - 10.123456789 },
    { 0, 2, 0, NAN, NAN, 12, 5, 0, NAN },
  };
  g_autofree char *text = evox_cluster_csv_format_stats (rows, G_N_ELEMENTS (rows));
  g_autoptr(GPtrArray) csv = evox_test_csv_parse (text);
  const char *header = "cluster,domain_voxels,domain_mean,domain_std,boundary_voxels,"
                       "boundary_mean,boundary_std,difference";

  /* Whole-volume rows: no particle column. */
  evox_test_csv_assert_header (csv, header);
  g_assert_cmpuint (csv->len, ==, 3);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    assert_stats_row (csv, i + 1, 0, &rows[i]);

  /* Per particle: a first column names the particle. */
  rows[0].particle = 3;
  rows[1].particle = 7;
  {
    g_autofree char *per = evox_cluster_csv_format_stats (rows, G_N_ELEMENTS (rows));
    g_autoptr(GPtrArray) csv_per = evox_test_csv_parse (per);
    g_autofree char *header_per = g_strconcat ("particle,", header, NULL);

    evox_test_csv_assert_header (csv_per, header_per);
    for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
      {
        g_assert_cmpfloat (evox_test_csv_double (csv_per, i + 1, 0), ==, rows[i].particle);
        assert_stats_row (csv_per, i + 1, 1, &rows[i]);
      }
  }
}

/* Three clusters of a 4 x 1 x 1 labelling with two features: curves and centres. */
static EvoxClusters *
small_clusters (void)
{
  static const gsize dims[3] = { 4, 1, 1 };
  static const char *names[] = { "Fe K-edge", "gradient", NULL };
  static const double axis[] = { 7112.5, 7120 };
  static const double means[] = { 1.5, -2.25, 0.1, 1e-7, 3, 4 };
  static const double stds[] = { 0.5, 0, 1.0 / 3, 2, 0.25, 0.125 };
  guint16 *labels = _evox_alloc_large (4 * sizeof (guint16));
  g_autoptr(GError) error = NULL;
  EvoxClusters *clusters;

  labels[0] = 1;
  labels[1] = 2;
  labels[2] = 1;
  labels[3] = 3;
  clusters = evox_clusters_new_take (dims, labels, 3, 2, names, axis, "Energy (eV)", means,
                                     stds, &error);
  g_assert_no_error (error);
  return clusters;
}

static void
test_curves (void)
{
  g_autoptr(EvoxClusters) clusters = small_clusters ();
  g_autofree char *text = evox_cluster_csv_format_curves (clusters);
  g_autoptr(GPtrArray) csv = evox_test_csv_parse (text);
  guint k = evox_clusters_get_k (clusters);

  evox_test_csv_assert_header (csv, "axis,feature,mean_1,std_1,mean_2,std_2,mean_3,std_3");
  g_assert_cmpuint (csv->len, ==, 3);
  for (guint f = 0; f < 2; f++)
    {
      g_assert_cmpfloat (evox_test_csv_double (csv, f + 1, 0), ==,
                         evox_clusters_get_axis (clusters)[f]);
      g_assert_cmpstr (((char **) g_ptr_array_index (csv, f + 1))[1], ==,
                       evox_clusters_get_feature_name (clusters, f));
      for (guint id = 1; id <= k; id++)
        {
          g_assert_cmpfloat (evox_test_csv_double (csv, f + 1, 2 * id),
                             ==, evox_clusters_get_mean_curve (clusters, id)[f]);
          g_assert_cmpfloat (evox_test_csv_double (csv, f + 1, 2 * id + 1),
                             ==, evox_clusters_get_std_curve (clusters, id)[f]);
        }
    }
}

static void
test_centers (void)
{
  g_autoptr(EvoxClusters) clusters = small_clusters ();
  static const double centers[] = { 9, 8, 7, 6, 5.5, 4.25 };
  static const guint64 totals[] = { 40, 25, 5 };
  g_autofree char *text = evox_cluster_csv_format_centers (clusters, centers, NULL, 0);
  g_autofree char *from_means = evox_cluster_csv_format_centers (clusters, NULL, NULL, 0);
  g_autofree char *joint = evox_cluster_csv_format_centers (clusters, centers, totals, 70);
  g_autoptr(GPtrArray) csv_joint = evox_test_csv_parse (joint);
  g_autoptr(GPtrArray) csv = evox_test_csv_parse (text);
  g_autoptr(GPtrArray) csv_means = evox_test_csv_parse (from_means);

  evox_test_csv_assert_header (csv, "cluster,name,voxels,fraction,Fe K-edge,gradient");
  g_assert_cmpuint (csv->len, ==, 4);
  for (guint id = 1; id <= 3; id++)
    {
      g_assert_cmpfloat (evox_test_csv_double (csv, id, 0), ==, id);
      g_assert_cmpstr (((char **) g_ptr_array_index (csv, id))[1], ==,
                       evox_clusters_get_name (clusters, id));
      g_assert_cmpfloat (evox_test_csv_double (csv, id, 2), ==,
                         evox_clusters_get_voxels (clusters, id));
      g_assert_cmpfloat (evox_test_csv_double (csv, id, 3), ==,
                         evox_clusters_get_fraction (clusters, id));
      for (guint f = 0; f < 2; f++)
        {
          g_assert_cmpfloat (evox_test_csv_double (csv, id, 4 + f), ==, centers[(id - 1) * 2 + f]);
          g_assert_cmpfloat (evox_test_csv_double (csv_means, id, 4 + f), ==,
                             evox_clusters_get_mean_curve (clusters, id)[f]);
          g_assert_cmpfloat (evox_test_csv_double (csv_joint, id, 4 + f), ==,
                             centers[(id - 1) * 2 + f]);
        }
      /* Joint clustering: the counts and fractions are the totals over every volume. */
      g_assert_cmpstr (((char **) g_ptr_array_index (csv_joint, id))[1], ==,
                       evox_clusters_get_name (clusters, id));
      g_assert_cmpfloat (evox_test_csv_double (csv_joint, id, 2), ==, totals[id - 1]);
      g_assert_cmpfloat (evox_test_csv_double (csv_joint, id, 3), ==, totals[id - 1] / 70.0);
    }
}

/* A file is written whole, an existing one is kept without overwrite. */
static void
test_write (void)
{
  EvoxKmeansSweepRow rows[] = { { 1, 10, NAN, NAN }, { 2, 4, 3, 0.5 } };
  EvoxKmeansSweep sweep = { 2, rows, 0, 50 };
  char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "sweep.csv", NULL);
  g_autofree char *expected = evox_cluster_csv_format_sweep (&sweep);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (evox_cluster_csv_write_sweep (path, &sweep, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, expected);

  g_assert_false (evox_cluster_csv_write_stats (path, NULL, 0, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, expected);
  /* Nothing but the file: no temporary left behind. */
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
  evox_test_tmpdir_free (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Evox/ClusterCsv/sweep", test_sweep);
  g_test_add_func ("/Evox/ClusterCsv/stats", test_stats);
  g_test_add_func ("/Evox/ClusterCsv/curves", test_curves);
  g_test_add_func ("/Evox/ClusterCsv/centers", test_centers);
  g_test_add_func ("/Evox/ClusterCsv/write", test_write);

  return g_test_run ();
}
