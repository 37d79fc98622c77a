/* test-clusters.c: EvoxClusters (sizes, curves, styles, merge) against brute force over the voxels. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-clusters.h"
#include "evox-test-util.h"

/* A 7 x 5 x 3 grid: labels 0..k drawn at random (0 = outside the mask), and a features volume
 * of two f32 channels whose values depend on the label so the clusters' curves differ. */
#define NX 7
#define NY 5
#define NZ 3
#define NV (NX * NY * NZ)

static EvoxVolume *
make_labels (guint   k,
             guint64 seed)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (NX, NY, NZ, 1, EVOX_SAMPLE_U8, &error);
  guint8 *data;
  guint64 state = seed;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize i = 0; i < NV; i++)
    data[i] = (guint8) (evox_test_random (&state) % (k + 1));
  /* Every id present, whatever the draw. */
  for (guint c = 0; c <= k; c++)
    data[c] = (guint8) c;
  evox_volume_freeze (volume);
  return volume;
}

static EvoxVolume *
make_features (EvoxVolume *labels)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (NX, NY, NZ, 2, EVOX_SAMPLE_F32, &error);
  const guint8 *l = evox_volume_get_data (labels, 0);
  guint64 state = 99;

  g_assert_no_error (error);
  for (guint f = 0; f < 2; f++)
    {
      float *data = evox_volume_get_data_mut (volume, f);

      for (gsize i = 0; i < NV; i++)
        data[i] = (float) (1000.0 * f + 10.0 * l[i] + evox_test_uniform (&state));
    }
  evox_volume_set_channel_info (volume, 0, "first", 7700);
  evox_volume_set_channel_info (volume, 1, "second", 7710);
  evox_volume_freeze (volume);
  return volume;
}

/* The oracle: mean and population std of channel f over the voxels labelled id, two passes. */
static void
brute_curve (EvoxVolume    *features,
             const guint16 *labels,
             guint          id,
             guint          f,
             double        *mean,
             double        *std)
{
  const float *v = evox_volume_get_data (features, f);
  double sum = 0, sq = 0;
  gsize n = 0;

  for (gsize i = 0; i < NV; i++)
    if (labels[i] == id)
      {
        sum += v[i];
        n++;
      }
  g_assert_cmpuint (n, >, 0);
  *mean = sum / n;
  for (gsize i = 0; i < NV; i++)
    if (labels[i] == id)
      sq += (v[i] - *mean) * (v[i] - *mean);
  *std = sqrt (sq / n);
}

static void
assert_curves_match (EvoxClusters *clusters,
                     EvoxVolume   *features)
{
  const guint16 *labels = evox_clusters_get_data (clusters);

  g_assert_cmpuint (evox_clusters_get_n_features (clusters), ==, 2);
  for (guint c = 1; c <= evox_clusters_get_k (clusters); c++)
    for (guint f = 0; f < 2; f++)
      {
        double mean, std;

        brute_curve (features, labels, c, f, &mean, &std);
        g_assert_cmpfloat_with_epsilon (evox_clusters_get_mean_curve (clusters, c)[f], mean,
                                        1e-9 * fabs (mean) + 1e-12);
        g_assert_cmpfloat_with_epsilon (evox_clusters_get_std_curve (clusters, c)[f], std,
                                        1e-9 * fabs (mean) + 1e-12);
      }
}

static void
test_from_volume (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) labels = make_labels (4, 1);
  g_autoptr(EvoxVolume) features = make_features (labels);
  g_autoptr(EvoxClusters) clusters = evox_clusters_new_from_volume (labels, features, &error);
  const guint8 *l = evox_volume_get_data (labels, 0);
  guint64 counts[5] = { 0 };
  gsize dims[3];

  g_assert_no_error (error);
  for (gsize i = 0; i < NV; i++)
    counts[l[i]]++;
  evox_clusters_get_dims (clusters, dims);
  g_assert_cmpuint (dims[0], ==, NX);
  g_assert_cmpuint (dims[2], ==, NZ);
  g_assert_cmpuint (evox_clusters_get_k (clusters), ==, 4);
  g_assert_cmpuint (evox_clusters_get_n_masked (clusters), ==, NV - counts[0]);
  for (guint c = 1; c <= 4; c++)
    {
      g_assert_cmpuint (evox_clusters_get_voxels (clusters, c), ==, counts[c]);
      g_assert_cmpfloat_with_epsilon (evox_clusters_get_fraction (clusters, c),
                                      (double) counts[c] / (NV - counts[0]), 1e-15);
    }
  for (gsize i = 0; i < NV; i++)
    g_assert_cmpuint (evox_clusters_get_data (clusters)[i], ==, l[i]);
  g_assert_cmpuint (evox_clusters_get_label (clusters, 3, 2, 1), ==, l[(1 * NY + 2) * NX + 3]);
  assert_curves_match (clusters, features);
  g_assert_cmpstr (evox_clusters_get_feature_name (clusters, 1), ==, "second");
  g_assert_cmpfloat (evox_clusters_get_axis (clusters)[1], ==, 7710);
  g_assert_cmpstr (evox_clusters_get_axis_title (clusters), ==, "Energy (eV)");
}

static void
test_from_volume_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) other = evox_volume_new (NX, NY, NZ + 1, 1, EVOX_SAMPLE_F32, &error);
  g_autoptr(EvoxVolume) labels = make_labels (3, 2);
  g_autoptr(EvoxVolume) zeros = evox_volume_new (NX, NY, NZ, 1, EVOX_SAMPLE_U16, &error);
  g_autoptr(EvoxVolume) fractional = evox_volume_new (2, 1, 1, 1, EVOX_SAMPLE_F32, &error);
  EvoxClusters *clusters;

  g_assert_no_error (error);
  clusters = evox_clusters_new_from_volume (labels, other, &error);
  g_assert_null (clusters);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "7 x 5 x 4"));
  g_clear_error (&error);

  clusters = evox_clusters_new_from_volume (zeros, NULL, &error);
  g_assert_null (clusters);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_clear_error (&error);

  ((float *) evox_volume_get_data_mut (fractional, 0))[0] = 1.0f;
  ((float *) evox_volume_get_data_mut (fractional, 0))[1] = 2.5f;
  clusters = evox_clusters_new_from_volume (fractional, NULL, &error);
  g_assert_null (clusters);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "2.5"));
  g_clear_error (&error);

  /* Whole floats are labels; no features, no curves. */
  ((float *) evox_volume_get_data_mut (fractional, 0))[1] = 2.0f;
  clusters = evox_clusters_new_from_volume (fractional, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_clusters_get_k (clusters), ==, 2);
  g_assert_cmpuint (evox_clusters_get_n_features (clusters), ==, 0);
  g_object_unref (clusters);
}

static void
test_take (void)
{
  g_autoptr(GError) error = NULL;
  const gsize dims[3] = { 4, 1, 1 };
  guint16 *labels = _evox_alloc_large (4 * sizeof (guint16));
  const double means[2] = { 1, 2 }, stds[2] = { 0.1, 0.2 };
  const char * const names[] = { "q", NULL };
  g_autoptr(EvoxClusters) clusters = NULL;

  labels[0] = 1;
  labels[1] = 1;
  labels[2] = 2;
  labels[3] = 0;
  clusters = evox_clusters_new_take (dims, labels, 2, 1, names, NULL, "Index", means, stds,
                                     &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_clusters_get_voxels (clusters, 1), ==, 2);
  g_assert_cmpuint (evox_clusters_get_voxels (clusters, 2), ==, 1);
  g_assert_cmpfloat (evox_clusters_get_fraction (clusters, 1), ==, 2.0 / 3.0);
  g_assert_cmpfloat (evox_clusters_get_mean_curve (clusters, 2)[0], ==, 2);
  g_assert_cmpfloat (evox_clusters_get_std_curve (clusters, 2)[0], ==, 0.2);
  g_assert_cmpfloat (evox_clusters_get_axis (clusters)[0], ==, 0);
  g_assert_cmpstr (evox_clusters_get_feature_name (clusters, 0), ==, "q");

  /* A label past k: refused, and the buffer is freed (ASan would see a leak otherwise). */
  labels = _evox_alloc_large (4 * sizeof (guint16));
  labels[2] = 3;
  g_assert_null (evox_clusters_new_take (dims, labels, 2, 0, NULL, NULL, NULL, NULL, NULL,
                                         &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
}

static void
on_changed (EvoxClusters *clusters,
            guint         id,
            GArray       *ids)
{
  g_array_append_val (ids, id);
}

static void
test_styles (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) labels = make_labels (12, 3);
  g_autoptr(EvoxClusters) clusters = evox_clusters_new_from_volume (labels, NULL, &error);
  g_autoptr(EvoxVolume) labels3 = make_labels (3, 4);
  g_autoptr(EvoxClusters) three = evox_clusters_new_from_volume (labels3, NULL, &error);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint));
  const guint shown[2] = { 2, 5 };
  float rgb[3];

  g_assert_no_error (error);
  /* matplotlib's tab10 in order, then tab20's light tones; cluster 1's colour does not depend
   * on k. */
  g_assert_cmpstr (evox_clusters_get_color (clusters, 1), ==, "#1f77b4");
  g_assert_cmpstr (evox_clusters_get_color (clusters, 4), ==, "#d62728");
  g_assert_cmpstr (evox_clusters_get_color (clusters, 10), ==, "#17becf");
  g_assert_cmpstr (evox_clusters_get_color (clusters, 11), ==, "#aec7e8");
  g_assert_cmpstr (evox_clusters_get_color (three, 1), ==, "#1f77b4");
  g_assert_cmpstr (_evox_clusters_palette_color (21), ==, "#1f77b4");
  g_assert_cmpstr (evox_clusters_get_name (clusters, 12), ==, "Cluster 12");
  for (guint c = 1; c <= 12; c++)
    g_assert_true (evox_clusters_get_visible (clusters, c));
  evox_clusters_get_rgb (clusters, 4, rgb);
  g_assert_cmpfloat (rgb[0], ==, 0xd6 / 255.0f);
  g_assert_cmpfloat (rgb[1], ==, 0x27 / 255.0f);
  g_assert_cmpfloat (rgb[2], ==, 0x28 / 255.0f);

  g_signal_connect (clusters, "changed", G_CALLBACK (on_changed), ids);
  evox_clusters_set_name (clusters, 3, "Binder");
  evox_clusters_set_name (clusters, 3, "Binder");
  evox_clusters_set_color (clusters, 2, "#000000");
  evox_clusters_set_color (clusters, 2, "#000000");
  evox_clusters_set_visible (clusters, 7, FALSE);
  evox_clusters_set_visible (clusters, 7, FALSE);
  g_assert_cmpuint (ids->len, ==, 3);
  g_assert_cmpuint (g_array_index (ids, guint, 0), ==, 3);
  g_assert_cmpuint (g_array_index (ids, guint, 1), ==, 2);
  g_assert_cmpuint (g_array_index (ids, guint, 2), ==, 7);
  g_assert_cmpstr (evox_clusters_get_name (clusters, 3), ==, "Binder");
  g_assert_cmpstr (evox_clusters_get_color (clusters, 2), ==, "#000000");

  evox_clusters_show_only (clusters, shown, 2);
  g_assert_cmpuint (ids->len, ==, 4);
  g_assert_cmpuint (g_array_index (ids, guint, 3), ==, 0);
  for (guint c = 1; c <= 12; c++)
    g_assert_cmpint (evox_clusters_get_visible (clusters, c), ==, c == 2 || c == 5);
  evox_clusters_show_only (clusters, shown, 2);
  g_assert_cmpuint (ids->len, ==, 4);

  evox_clusters_set_info (clusters, "seed", "42");
  g_assert_cmpstr (evox_clusters_get_info (clusters, "seed"), ==, "42");
  g_assert_null (evox_clusters_get_info (clusters, "pca"));
}

static void
test_merge (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) labels = make_labels (4, 5);
  g_autoptr(EvoxVolume) features = make_features (labels);
  g_autoptr(EvoxClusters) clusters = evox_clusters_new_from_volume (labels, features, &error);
  g_autoptr(EvoxClusters) merged = NULL;
  const guint16 *before, *after;
  guint64 sizes[4];
  guint a = 2, b = 4;
  guint new_id[5] = { 0 };

  g_assert_no_error (error);
  evox_clusters_set_name (clusters, a, "kept");
  evox_clusters_set_color (clusters, 3, "#123456");
  evox_clusters_set_visible (clusters, 1, FALSE);
  evox_clusters_set_info (clusters, "features", "channels");

  g_assert_null (evox_clusters_merge (clusters, a, a, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (evox_clusters_merge (clusters, 0, 5, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);

  merged = evox_clusters_merge (clusters, a, b, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_clusters_get_k (merged), ==, 3);

  /* Sizes after the merge, then the expected order: largest first, ties by old id. */
  for (guint c = 1; c <= 4; c++)
    sizes[c - 1] = evox_clusters_get_voxels (clusters, c);
  sizes[a - 1] += sizes[b - 1];
  sizes[b - 1] = 0;
  for (guint c = 1; c <= 4; c++)
    if (c != b)
      {
        guint rank = 1;

        for (guint o = 1; o <= 4; o++)
          if (o != b && o != c && (sizes[o - 1] > sizes[c - 1] ||
                                   (sizes[o - 1] == sizes[c - 1] && o < c)))
            rank++;
        new_id[c] = rank;
      }
  new_id[b] = new_id[a];

  before = evox_clusters_get_data (clusters);
  after = evox_clusters_get_data (merged);
  for (gsize i = 0; i < NV; i++)
    g_assert_cmpuint (after[i], ==, before[i] == 0 ? 0 : new_id[before[i]]);
  for (guint c = 1; c <= 3; c++)
    g_assert_cmpuint (evox_clusters_get_voxels (merged, c), >=,
                      c < 3 ? evox_clusters_get_voxels (merged, c + 1) : 0);
  g_assert_cmpuint (evox_clusters_get_voxels (merged, new_id[a]), ==, sizes[a - 1]);

  /* Pooled means and stds equal those of the merged voxels counted from scratch. */
  assert_curves_match (merged, features);

  g_assert_cmpstr (evox_clusters_get_name (merged, new_id[a]), ==, "kept");
  g_assert_cmpstr (evox_clusters_get_color (merged, new_id[3]), ==, "#123456");
  g_assert_cmpstr (evox_clusters_get_name (merged, new_id[1]), ==, "Cluster 1");
  g_assert_false (evox_clusters_get_visible (merged, new_id[1]));
  g_assert_true (evox_clusters_get_visible (merged, new_id[3]));
  g_assert_cmpstr (evox_clusters_get_info (merged, "features"), ==, "channels");
  g_assert_cmpstr (evox_clusters_get_feature_name (merged, 0), ==, "first");
}

/* Info that measures the partition is the run's, not the merged result's: a merge moves it to
 * "unmerged-KEY" (kept from the run through a second merge), sets "k" to the new k and counts
 * the merges; info about the run is copied as is. */
static void
test_merge_info (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) labels = make_labels (4, 5);
  g_autoptr(EvoxClusters) clusters = evox_clusters_new_from_volume (labels, NULL, &error);
  g_autoptr(EvoxClusters) once = NULL;
  g_autoptr(EvoxClusters) twice = NULL;

  g_assert_no_error (error);
  evox_clusters_set_info (clusters, "inertia", "123.5");
  evox_clusters_set_info (clusters, "silhouette", "0.25");
  evox_clusters_set_info (clusters, "k", "4");
  evox_clusters_set_info (clusters, "seed", "7");

  once = evox_clusters_merge (clusters, 1, 2, &error);
  g_assert_no_error (error);
  g_assert_null (evox_clusters_get_info (once, "inertia"));
  g_assert_null (evox_clusters_get_info (once, "silhouette"));
  g_assert_cmpstr (evox_clusters_get_info (once, "unmerged-inertia"), ==, "123.5");
  g_assert_cmpstr (evox_clusters_get_info (once, "unmerged-silhouette"), ==, "0.25");
  g_assert_cmpstr (evox_clusters_get_info (once, "k"), ==, "3");
  g_assert_cmpstr (evox_clusters_get_info (once, "unmerged-k"), ==, "4");
  g_assert_cmpstr (evox_clusters_get_info (once, "merges"), ==, "1");
  g_assert_cmpstr (evox_clusters_get_info (once, "seed"), ==, "7");
  /* The source keeps its own. */
  g_assert_cmpstr (evox_clusters_get_info (clusters, "inertia"), ==, "123.5");
  g_assert_null (evox_clusters_get_info (clusters, "merges"));

  twice = evox_clusters_merge (once, 1, 3, &error);
  g_assert_no_error (error);
  g_assert_null (evox_clusters_get_info (twice, "inertia"));
  g_assert_cmpstr (evox_clusters_get_info (twice, "unmerged-inertia"), ==, "123.5");
  g_assert_cmpstr (evox_clusters_get_info (twice, "k"), ==, "2");
  g_assert_cmpstr (evox_clusters_get_info (twice, "unmerged-k"), ==, "4");
  g_assert_cmpstr (evox_clusters_get_info (twice, "merges"), ==, "2");
  g_assert_cmpstr (evox_clusters_get_info (once, "merge-pairs"), ==, "1:2");
  g_assert_cmpstr (evox_clusters_get_info (twice, "merge-pairs"), ==, "1:2,1:3");
}

/* The merges a result records, replayed on the run's clusters, make the same clusters as the
 * merges made one by one (the oracle); malformed lists and ids out of range are errors. */
static void
test_replay_merges (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) labels = make_labels (5, 5);
  g_autoptr(EvoxVolume) features = make_features (labels);
  g_autoptr(EvoxClusters) clusters = evox_clusters_new_from_volume (labels, features, &error);
  g_autoptr(EvoxClusters) once = NULL;
  g_autoptr(EvoxClusters) twice = NULL;
  g_autoptr(EvoxClusters) replayed = NULL;
  g_autoptr(EvoxClusters) same = NULL;
  const char *bad[] = { "1", "1:", "a:b", "1:2:3", "0:1", "2:2", "1:9", "1:2,,2:3", "1;2" };
  gsize dims[3];

  g_assert_no_error (error);
  once = evox_clusters_merge (clusters, 4, 2, &error);
  g_assert_no_error (error);
  twice = evox_clusters_merge (once, 1, 3, &error);
  g_assert_no_error (error);
  replayed = evox_clusters_replay_merges (clusters,
                                          evox_clusters_get_info (twice, "merge-pairs"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_clusters_get_k (replayed), ==, 3);
  evox_clusters_get_dims (twice, dims);
  g_assert_cmpmem (evox_clusters_get_data (replayed), dims[0] * dims[1] * dims[2] * 2,
                   evox_clusters_get_data (twice), dims[0] * dims[1] * dims[2] * 2);
  for (guint id = 1; id <= 3; id++)
    {
      g_assert_cmpuint (evox_clusters_get_voxels (replayed, id), ==,
                        evox_clusters_get_voxels (twice, id));
      g_assert_cmpstr (evox_clusters_get_color (replayed, id), ==,
                       evox_clusters_get_color (twice, id));
    }
  g_assert_cmpstr (evox_clusters_get_info (replayed, "merge-pairs"), ==, "4:2,1:3");

  /* No merges: the clusters themselves. */
  same = evox_clusters_replay_merges (clusters, "", &error);
  g_assert_no_error (error);
  g_assert_true (same == clusters);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_null (evox_clusters_replay_merges (clusters, bad[i], &error));
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
      g_clear_error (&error);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Evox/Clusters/from-volume", test_from_volume);
  g_test_add_func ("/Evox/Clusters/from-volume-errors", test_from_volume_errors);
  g_test_add_func ("/Evox/Clusters/take", test_take);
  g_test_add_func ("/Evox/Clusters/styles", test_styles);
  g_test_add_func ("/Evox/Clusters/merge", test_merge);
  g_test_add_func ("/Evox/Clusters/merge-info", test_merge_info);
  g_test_add_func ("/Evox/Clusters/replay-merges", test_replay_merges);

  return g_test_run ();
}
