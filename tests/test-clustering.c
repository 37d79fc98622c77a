/* test-clustering.c: the clustering job (joint features, curves in original units, k from the
 * sweep, async runs, progress, cancellation, refusals) against brute force. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-clustering.h"
#include "evox-test-util.h"

/* An f32 volume of n_channels: channel c of voxel i is level(i) * (c + 1) plus noise, where
 * level is 0 for x < split and 10 from there on. */
static EvoxVolume *
make_volume (gsize  nx,
             gsize  ny,
             gsize  nz,
             guint  n_channels,
             gsize  split,
             guint64 seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (nx, ny, nz, n_channels, EVOX_SAMPLE_F32,
                                                  &error);
  guint64 state = seed;

  g_assert_no_error (error);
  for (guint c = 0; c < n_channels; c++)
    {
      float *data = evox_volume_get_data_mut (volume, c);

      for (gsize i = 0; i < nx * ny * nz; i++)
        data[i] = (float) ((i % nx < split ? 0.0 : 10.0) * (c + 1) + evox_test_uniform (&state));
    }
  evox_volume_freeze (volume);
  return g_steal_pointer (&volume);
}

/* The curves of each cluster are the mean and population std of its voxels' features in
 * their own units, computed here from the labels the job returned. */
static void
assert_curves (EvoxClusters *clusters,
               EvoxVolume   *volume)
{
  guint k = evox_clusters_get_k (clusters), d = evox_volume_get_n_channels (volume);
  const guint16 *labels = evox_clusters_get_data (clusters);
  gsize n = evox_volume_get_n_voxels (volume);

  g_assert_cmpuint (evox_clusters_get_n_features (clusters), ==, d);
  for (guint id = 1; id <= k; id++)
    for (guint c = 0; c < d; c++)
      {
        const float *data = evox_volume_get_data (volume, c);
        double sum = 0, sq = 0, count = 0, mean;

        for (gsize i = 0; i < n; i++)
          if (labels[i] == id)
            sum += data[i], count++;
        mean = sum / count;
        for (gsize i = 0; i < n; i++)
          if (labels[i] == id)
            sq += (data[i] - mean) * (data[i] - mean);
        g_assert_cmpuint (evox_clusters_get_voxels (clusters, id), ==, count);
        g_assert_cmpfloat_with_epsilon (evox_clusters_get_mean_curve (clusters, id)[c], mean,
                                        1e-5 * (fabs (mean) + 1));
        g_assert_cmpfloat_with_epsilon (evox_clusters_get_std_curve (clusters, id)[c],
                                        sqrt (sq / count), 1e-5);
      }
}

/* Two volumes of two channels, clustered jointly: the ids mean the same level in both, the
 * result's sizes add both volumes, the centres are the level means and the info says what
 * was done. */
static void
test_joint (void)
{
  g_autoptr(EvoxVolume) a = make_volume (10, 6, 3, 2, 7, 1);  /* 7 of 10 columns low */
  g_autoptr(EvoxVolume) b = make_volume (10, 6, 3, 2, 2, 2);  /* 2 of 10 columns low */
  EvoxVolume *volumes[] = { a, b };
  EvoxClusteringParams params;
  g_autoptr(EvoxClusteringResult) result = NULL;
  g_autoptr(GError) error = NULL;

  evox_clustering_params_init (&params);
  g_assert_cmpuint (params.k, ==, 0);
  g_assert_cmpuint (params.k_max, ==, 12);
  params.k = 2;
  result = evox_clustering_run (volumes, 2, &params, FALSE, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->n_volumes, ==, 2);
  g_assert_cmpuint (result->k, ==, 2);
  g_assert_null (result->sweep);
  g_assert_null (result->explained_variance_ratio);
  g_assert_cmpuint (result->n_features, ==, 2);
  g_assert_cmpuint (result->n_points, ==, 360);
  g_assert_cmpuint (result->n_dropped, ==, 0);
  /* Low: 7 * 18 + 2 * 18 = 162 voxels, high 198: high is cluster 1. */
  g_assert_cmpuint (result->sizes[0], ==, 198);
  g_assert_cmpuint (result->sizes[1], ==, 162);
  for (guint v = 0; v < 2; v++)
    {
      EvoxClusters *clusters = result->clusters[v];
      const guint16 *labels = evox_clusters_get_data (clusters);
      gsize split = v == 0 ? 7 : 2;

      for (gsize i = 0; i < 180; i++)
        g_assert_cmpuint (labels[i], ==, i % 10 < split ? 2 : 1);
      assert_curves (clusters, volumes[v]);
      g_assert_cmpstr (evox_clusters_get_info (clusters, "k"), ==, "2");
      g_assert_cmpstr (evox_clusters_get_info (clusters, "scale"), ==, "zscore");
      g_assert_cmpstr (evox_clusters_get_info (clusters, "pca"), ==, "none");
      g_assert_cmpstr (evox_clusters_get_info (clusters, "features"), ==,
                       evox_feature_kind_to_string (EVOX_FEATURES_CHANNELS));
      g_assert_cmpfloat_with_epsilon (g_ascii_strtod (evox_clusters_get_info (clusters,
                                                                              "inertia"), NULL),
                                      result->inertia, 1e-12 * result->inertia);
    }
  /* The centres are the clusters' means over both volumes, in the channels' units: about 10.5
   * and 20.5 for the high level, 0.5 for the low one. */
  g_assert_cmpfloat_with_epsilon (result->centers[0], 10.5, 0.1);
  g_assert_cmpfloat_with_epsilon (result->centers[1], 20.5, 0.1);
  g_assert_cmpfloat_with_epsilon (result->centers[2], 0.5, 0.1);
  g_assert_cmpfloat_with_epsilon (result->centers[3], 0.5, 0.1);
  {
    double mean = 0;
    for (guint v = 0; v < 2; v++)
      mean += evox_clusters_get_mean_curve (result->clusters[v], 1)[0] *
              evox_clusters_get_voxels (result->clusters[v], 1);
    g_assert_cmpfloat_with_epsilon (result->centers[0], mean / 198, 1e-5);
  }
}

/* A cluster that one volume does not have: no voxels there, and NaN curves, not zeros. */
static void
test_joint_absent (void)
{
  g_autoptr(EvoxVolume) a = make_volume (10, 6, 3, 2, 5, 1);
  g_autoptr(EvoxVolume) high = make_volume (10, 6, 3, 2, 0, 2);
  EvoxVolume *volumes[] = { a, high };
  EvoxClusteringParams params;
  g_autoptr(EvoxClusteringResult) result = NULL;
  g_autoptr(GError) error = NULL;

  evox_clustering_params_init (&params);
  params.k = 2;
  result = evox_clustering_run (volumes, 2, &params, FALSE, NULL, NULL, &error);
  g_assert_no_error (error);
  /* 90 + 180 high voxels are cluster 1, the 90 low ones of a cluster 2. */
  g_assert_cmpuint (result->sizes[0], ==, 270);
  g_assert_cmpuint (result->sizes[1], ==, 90);
  g_assert_cmpuint (evox_clusters_get_voxels (result->clusters[1], 1), ==, 180);
  g_assert_cmpuint (evox_clusters_get_voxels (result->clusters[1], 2), ==, 0);
  g_assert_true (isnan (evox_clusters_get_mean_curve (result->clusters[1], 2)[0]));
  g_assert_true (isnan (evox_clusters_get_std_curve (result->clusters[1], 2)[1]));
  assert_curves (result->clusters[0], a);
}

/* PCA to every component is a rotation: the same clusters, and the centres back in the
 * original units are the clusters' means. */
static void
test_pca (void)
{
  g_autoptr(EvoxVolume) volume = make_volume (10, 6, 3, 3, 4, 5);
  EvoxClusteringParams params;
  g_autoptr(EvoxClusteringResult) result = NULL;
  g_autoptr(GError) error = NULL;
  double total = 0;

  evox_clustering_params_init (&params);
  params.k = 2;
  params.pca = 3;
  result = evox_clustering_run (&volume, 1, &params, FALSE, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result->explained_variance_ratio);
  for (guint j = 0; j < 3; j++)
    total += result->explained_variance_ratio[j];
  g_assert_cmpfloat_with_epsilon (total, 1.0, 1e-9);
  g_assert_cmpfloat (result->explained_variance_ratio[0], >, 0.9);
  for (guint c = 0; c < 3; c++)
    g_assert_cmpfloat_with_epsilon (result->centers[c],
                                    evox_clusters_get_mean_curve (result->clusters[0], 1)[c],
                                    1e-4);
  g_assert_cmpstr (evox_clusters_get_info (result->clusters[0], "pca"), ==, "3");

  params.pca = 4;
  g_clear_pointer (&result, evox_clustering_result_free);
  result = evox_clustering_run (&volume, 1, &params, FALSE, NULL, NULL, &error);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_null (result);
}

/* The job keeps its features, scaling and PCA on the volume: a sweep then a run with the same
 * feature parameters prepare once, and the results equal those of a job that prepared afresh
 * (the oracle: the same job after _evox_clustering_forget). Any feature parameter changed
 * (features, window, mask, scale, pca) prepares anew, never reusing stale points; k, restarts
 * and the seed do not matter to what is kept. */
static void
assert_same_result (const EvoxClusteringResult *a,
                    const EvoxClusteringResult *b)
{
  gsize n = 10 * 6 * 3;

  g_assert_cmpuint (a->k, ==, b->k);
  g_assert_cmpuint (a->n_points, ==, b->n_points);
  g_assert_cmpfloat (a->inertia, ==, b->inertia);
  g_assert_cmpmem (evox_clusters_get_data (a->clusters[0]), n * sizeof (guint16),
                   evox_clusters_get_data (b->clusters[0]), n * sizeof (guint16));
  g_assert_cmpmem (a->centers, sizeof (double) * a->k * a->n_features, b->centers,
                   sizeof (double) * b->k * b->n_features);
}

static EvoxClusteringResult *
run_fresh (EvoxVolume                 *volume,
           const EvoxClusteringParams *params)
{
  g_autoptr(GError) error = NULL;
  EvoxClusteringResult *result;

  _evox_clustering_forget (volume);
  result = evox_clustering_run (&volume, 1, params, FALSE, NULL, NULL, &error);
  g_assert_no_error (error);
  return result;
}

static void
test_kept (void)
{
  g_autoptr(EvoxVolume) volume = make_volume (10, 6, 3, 2, 4, 11);
  g_autoptr(EvoxKmeansSweep) sweep = NULL;
  g_autoptr(EvoxKmeansSweep) fresh_sweep = NULL;
  g_autoptr(GError) error = NULL;
  EvoxClusteringParams params, other;
  static const char *const changes[] = { "local", "window 5", "mask", "minmax", "pca" };

  evox_clustering_params_init (&params);
  params.k = 2;
  params.k_max = 4;
  _evox_clustering_forget (volume);
  g_assert_false (_evox_clustering_is_kept (volume, &params));
  sweep = evox_clustering_sweep (&volume, 1, &params, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (_evox_clustering_is_kept (volume, &params));
  other = params;
  other.k = 3;
  other.kmeans.restarts = 1;
  other.kmeans.seed = 5;
  g_assert_true (_evox_clustering_is_kept (volume, &other));

  /* The sweep again and the run, from what the first sweep kept, equal fresh ones. */
  {
    g_autoptr(EvoxClusteringResult) kept = NULL;
    g_autoptr(EvoxClusteringResult) fresh = NULL;
    g_autoptr(EvoxKmeansSweep) again = evox_clustering_sweep (&volume, 1, &params, NULL, NULL,
                                                              &error);

    g_assert_no_error (error);
    kept = evox_clustering_run (&volume, 1, &params, FALSE, NULL, NULL, &error);
    g_assert_no_error (error);
    fresh = run_fresh (volume, &params);
    assert_same_result (kept, fresh);
    _evox_clustering_forget (volume);
    fresh_sweep = evox_clustering_sweep (&volume, 1, &params, NULL, NULL, &error);
    g_assert_no_error (error);
    for (guint r = 0; r < 4; r++)
      {
        g_assert_cmpfloat (sweep->rows[r].inertia, ==, fresh_sweep->rows[r].inertia);
        g_assert_cmpfloat (again->rows[r].inertia, ==, fresh_sweep->rows[r].inertia);
      }
  }

  /* Each feature parameter changed in turn, after a job on the old ones. */
  for (guint c = 0; c < G_N_ELEMENTS (changes); c++)
    {
      g_autoptr(EvoxClusteringResult) before = NULL;
      g_autoptr(EvoxClusteringResult) after = NULL;
      g_autoptr(EvoxClusteringResult) fresh = NULL;

      other = params;
      if (c == 0)
        other.features = EVOX_FEATURES_LOCAL;
      else if (c == 1)
        {
          other.features = EVOX_FEATURES_LOCAL;
          other.window = 5;
        }
      else if (c == 2)
        {
          other.mask.channel = 0;
          other.mask.lo = 5.0;
        }
      else if (c == 3)
        other.scale = EVOX_FEATURE_SCALE_MINMAX;
      else
        other.pca = 1;
      g_test_message ("changed: %s", changes[c]);
      before = evox_clustering_run (&volume, 1, &params, FALSE, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (_evox_clustering_is_kept (volume, &params));
      g_assert_false (_evox_clustering_is_kept (volume, &other));
      after = evox_clustering_run (&volume, 1, &other, FALSE, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (_evox_clustering_is_kept (volume, &other));
      fresh = run_fresh (volume, &other);
      assert_same_result (after, fresh);
    }

  /* A channel list: what is kept holds its own copy, so the caller's list changing afterwards
   * is a different list, and another list prepares anew. */
  {
    g_autoptr(EvoxClusteringResult) after = NULL;
    g_autoptr(EvoxClusteringResult) fresh = NULL;
    guint list[1] = { 1 };

    other = params;
    other.channels = list;
    other.n_channels = 1;
    after = evox_clustering_run (&volume, 1, &other, FALSE, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (_evox_clustering_is_kept (volume, &other));
    g_assert_false (_evox_clustering_is_kept (volume, &params));
    list[0] = 0;
    g_assert_false (_evox_clustering_is_kept (volume, &other));
    list[0] = 1;
    fresh = run_fresh (volume, &other);
    assert_same_result (after, fresh);
    g_assert_cmpuint (after->n_features, ==, 1);
  }

  /* The voxel size, which the user may set on the open volume after a job: the local features'
   * gradient divides by it (voxel steps while it is unknown), so the next job prepares anew. */
  {
    g_autoptr(EvoxClusteringResult) before = NULL;
    g_autoptr(EvoxClusteringResult) after = NULL;
    g_autoptr(EvoxClusteringResult) fresh = NULL;

    other = params;
    other.features = EVOX_FEATURES_LOCAL;
    other.scale = EVOX_FEATURE_SCALE_NONE;
    before = evox_clustering_run (&volume, 1, &other, FALSE, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (_evox_clustering_is_kept (volume, &other));
    evox_volume_set_spacing (volume, (double[3]) { 1.0, 1.0, 4.0 });
    g_assert_false (_evox_clustering_is_kept (volume, &other));
    after = evox_clustering_run (&volume, 1, &other, FALSE, NULL, NULL, &error);
    g_assert_no_error (error);
    fresh = run_fresh (volume, &other);
    assert_same_result (after, fresh);
  }

  _evox_clustering_forget (volume);
  g_assert_false (_evox_clustering_is_kept (volume, &params));
}

/* k = 0: the sweep runs and its knee is k; with NaN voxels dropped and counted. */
static void
test_sweep_knee (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (20, 10, 1, 5, EVOX_SAMPLE_F32, &error);
  EvoxClusteringParams params;
  g_autoptr(EvoxClusteringResult) result = NULL;
  guint64 state = 9;

  /* Five blobs at the corners of a simplex (one-hot 10s), 40 pixels each by rows of 2, and
   * every 13th pixel NaN in one channel. */
  g_assert_no_error (error);
  for (guint c = 0; c < 5; c++)
    {
      float *data = evox_volume_get_data_mut (volume, c);
      for (gsize i = 0; i < 200; i++)
        data[i] = (i / 40 == c ? 10.0f : 0.0f) + (float) evox_test_uniform (&state);
    }
  for (gsize i = 0; i < 200; i += 13)
    ((float *) evox_volume_get_data_mut (volume, 3))[i] = NAN;
  evox_volume_freeze (volume);

  evox_clustering_params_init (&params);
  result = evox_clustering_run (&volume, 1, &params, FALSE, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result->sweep);
  g_assert_cmpuint (result->sweep->n_rows, ==, 12);
  g_assert_cmpint (result->sweep->knee_k, ==, 5);
  g_assert_cmpuint (result->k, ==, 5);
  g_assert_cmpuint (result->n_dropped, ==, 16);
  g_assert_cmpuint (result->n_points, ==, 184);
  g_assert_cmpuint (evox_clusters_get_n_masked (result->clusters[0]), ==, 184);
  for (gsize i = 0; i < 200; i += 13)
    g_assert_cmpuint (evox_clusters_get_data (result->clusters[0])[i], ==, 0);
  g_assert_cmpstr (evox_clusters_get_info (result->clusters[0], "dropped"), ==, "16");
}

/* Lloyd written out on the rows x (m x d) from centres (k x d) until no label changes. */
static double
brute_lloyd (const double *x,
             gsize         m,
             guint         d,
             guint         k,
             double       *centres,
             guint        *labels)
{
  gboolean changed = TRUE;
  double inertia = 0.0;

  for (gsize i = 0; i < m; i++)
    labels[i] = k;
  while (changed)
    {
      g_autofree double *sums = g_new0 (double, (gsize) k * d);
      g_autofree gsize *counts = g_new0 (gsize, k);

      changed = FALSE;
      for (gsize i = 0; i < m; i++)
        {
          guint best = 0;
          double best_d = INFINITY;

          for (guint j = 0; j < k; j++)
            {
              double dist = 0.0;

              for (guint f = 0; f < d; f++)
                dist += (x[i * d + f] - centres[j * d + f]) * (x[i * d + f] - centres[j * d + f]);
              if (dist < best_d)
                best_d = dist, best = j;
            }
          changed = changed || labels[i] != best;
          labels[i] = best;
          counts[best]++;
          for (guint f = 0; f < d; f++)
            sums[best * d + f] += x[i * d + f];
        }
      for (guint j = 0; j < k; j++)
        for (guint f = 0; f < d; f++)
          centres[j * d + f] = sums[j * d + f] / counts[j];
    }
  for (gsize i = 0; i < m; i++)
    for (guint f = 0; f < d; f++)
      inertia += (x[i * d + f] - centres[labels[i] * d + f]) *
                 (x[i * d + f] - centres[labels[i] * d + f]);
  return inertia;
}

/* A maps-like volume: three f32 channels of three regions (x < 4, x < 8, the rest) at distinct
 * levels with noise, NaN in every channel outside an "edge-step mask" (every voxel with
 * (x + 2y + z) % 5 == 0), NaN in one channel or infinite in another at a few more. Those voxels
 * are left out as voxels outside a mask are: id 0 exactly there, in no count, fraction, curve,
 * centre or the inertia, which equal Lloyd run here on the finite voxels alone (z-scored here,
 * started from each region's mean). */
static void
test_non_finite (void)
{
  const gsize nx = 12, ny = 10, nz = 3, n = nx * ny * nz;
  const guint d = 3, k = 3;
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (nx, ny, nz, d, EVOX_SAMPLE_F32, &error);
  g_autoptr(EvoxClusteringResult) result = NULL;
  g_autofree gboolean *left_out = g_new0 (gboolean, n);
  g_autofree double *x = g_new (double, n * d);
  g_autofree guint *region = g_new (guint, n);
  g_autofree guint *brute_labels = g_new (guint, n);
  double centres[9] = { 0 }, counts[3] = { 0 }, mean[3] = { 0 }, sd[3] = { 0 }, inertia;
  const double level[3][3] = { { 1, 5, 9 }, { 6, 1, 2 }, { 3, 9, 5 } };
  EvoxClusteringParams params;
  const guint16 *ids;
  guint64 state = 21;
  gsize m = 0, n_left_out = 0;
  int match[3] = { -1, -1, -1 };

  g_assert_no_error (error);
  for (guint c = 0; c < d; c++)
    {
      float *data = evox_volume_get_data_mut (volume, c);

      for (gsize i = 0; i < n; i++)
        {
          gsize xi = i % nx, yi = i / nx % ny, zi = i / (nx * ny);
          guint r = xi < 4 ? 0 : xi < 8 ? 1 : 2;

          data[i] = (float) (level[r][c] + evox_test_uniform (&state));
          if ((xi + 2 * yi + zi) % 5 == 0)
            data[i] = NAN;
        }
    }
  ((float *) evox_volume_get_data_mut (volume, 1))[13] = NAN;
  ((float *) evox_volume_get_data_mut (volume, 2))[77] = INFINITY;
  ((float *) evox_volume_get_data_mut (volume, 0))[200] = -INFINITY;
  evox_volume_freeze (volume);

  /* the finite voxels, z-scored as StandardScaler does (population std) */
  for (gsize i = 0; i < n; i++)
    {
      for (guint c = 0; c < d; c++)
        left_out[i] = left_out[i] || !isfinite (((const float *) evox_volume_get_data (volume,
                                                                                      c))[i]);
      if (left_out[i])
        {
          n_left_out++;
          continue;
        }
      region[m] = i % nx < 4 ? 0 : i % nx < 8 ? 1 : 2;
      for (guint c = 0; c < d; c++)
        x[m * d + c] = ((const float *) evox_volume_get_data (volume, c))[i];
      m++;
    }
  g_assert_cmpuint (n_left_out, >, 70);
  for (guint c = 0; c < d; c++)
    {
      for (gsize i = 0; i < m; i++)
        mean[c] += x[i * d + c] / m;
      for (gsize i = 0; i < m; i++)
        sd[c] += (x[i * d + c] - mean[c]) * (x[i * d + c] - mean[c]) / m;
      sd[c] = sqrt (sd[c]);
      for (gsize i = 0; i < m; i++)
        x[i * d + c] = (x[i * d + c] - mean[c]) / sd[c];
    }
  for (gsize i = 0; i < m; i++)
    {
      counts[region[i]]++;
      for (guint c = 0; c < d; c++)
        centres[region[i] * d + c] += x[i * d + c];
    }
  for (guint r = 0; r < k; r++)
    for (guint c = 0; c < d; c++)
      centres[r * d + c] /= counts[r];
  inertia = brute_lloyd (x, m, d, k, centres, brute_labels);

  evox_clustering_params_init (&params);
  params.k = k;
  result = evox_clustering_run (&volume, 1, &params, TRUE, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result->n_points, ==, m);
  g_assert_cmpuint (result->n_dropped, ==, n_left_out);
  g_assert_cmpuint (result->sweep->n_sampled, ==, m);
  g_assert_cmpuint (result->sizes[0] + result->sizes[1] + result->sizes[2], ==, m);
  g_assert_cmpuint (evox_clusters_get_n_masked (result->clusters[0]), ==, m);
  g_assert_cmpfloat_with_epsilon (evox_clusters_get_fraction (result->clusters[0], 1) +
                                  evox_clusters_get_fraction (result->clusters[0], 2) +
                                  evox_clusters_get_fraction (result->clusters[0], 3), 1.0,
                                  1e-12);
  ids = evox_clusters_get_data (result->clusters[0]);
  for (gsize i = 0, j = 0; i < n; i++)
    {
      if (left_out[i])
        {
          g_assert_cmpuint (ids[i], ==, 0);
          continue;
        }
      g_assert_cmpuint (ids[i], >=, 1);
      g_assert_cmpuint (ids[i], <=, k);
      if (match[ids[i] - 1] < 0)
        match[ids[i] - 1] = brute_labels[j];
      g_assert_cmpint (match[ids[i] - 1], ==, brute_labels[j]);
      j++;
    }
  g_assert_cmpfloat_with_epsilon (result->inertia, inertia, 1e-5 * inertia);
  for (guint id = 0; id < k; id++)
    for (guint c = 0; c < d; c++)
      {
        double want = centres[match[id] * d + c] * sd[c] + mean[c];

        g_assert_cmpfloat_with_epsilon (result->centers[id * d + c], want, 1e-5);
        g_assert_cmpfloat_with_epsilon (evox_clusters_get_mean_curve (result->clusters[0],
                                                                      id + 1)[c], want, 1e-5);
      }
  assert_curves (result->clusters[0], volume);
}

/* A volume with no finite voxel is refused, by name, and so is the sweep of it. */
static void
test_all_non_finite (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (5, 4, 2, 3, EVOX_SAMPLE_F32, &error);
  g_autoptr(EvoxClusteringResult) result = NULL;
  g_autoptr(EvoxKmeansSweep) sweep = NULL;
  EvoxClusteringParams params;

  g_assert_no_error (error);
  for (guint c = 0; c < 3; c++)
    for (gsize i = 0; i < 40; i++)
      ((float *) evox_volume_get_data_mut (volume, c))[i] = c == 1 || i % 2 ? NAN : 1.0f;
  evox_volume_set_metadata (volume, "source_file", "maps.h5");
  evox_volume_freeze (volume);

  evox_clustering_params_init (&params);
  params.k = 2;
  result = evox_clustering_run (&volume, 1, &params, FALSE, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_assert_cmpstr (error->message, ==,
                   "maps.h5: None of the 40 voxels has finite features (each is NaN or "
                   "infinite in a feature clustered on)");
  g_clear_error (&error);
  sweep = evox_clustering_sweep (&volume, 1, &params, NULL, NULL, &error);
  g_assert_null (sweep);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_clear_error (&error);
  /* with a mask (the first channel's 1s, half the voxels) it is the mask's choice */
  params.mask = (EvoxFeatureMask) { 0, 0.5, 1.5 };
  result = evox_clustering_run (&volume, 1, &params, FALSE, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_cmpstr (error->message, ==,
                   "maps.h5: None of the 20 voxels in the mask has finite features");
}

/* Refusals: k past the points, an empty mask, volumes whose features differ, no knee. */
static void
test_refusals (void)
{
  g_autoptr(EvoxVolume) one = make_volume (4, 3, 2, 1, 2, 1);
  g_autoptr(EvoxVolume) two = make_volume (4, 3, 2, 2, 2, 1);
  EvoxVolume *mixed[] = { one, two };
  EvoxClusteringParams params;
  g_autoptr(GError) error = NULL;
  EvoxClusteringResult *result;

  evox_clustering_params_init (&params);
  params.k = 25;
  result = evox_clustering_run (&one, 1, &params, FALSE, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "24"));
  g_clear_error (&error);

  params.k = 2;
  params.mask = (EvoxFeatureMask) { 0, 100, 200 };
  result = evox_clustering_run (&one, 1, &params, FALSE, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);

  evox_clustering_params_init (&params);
  params.k = 2;
  result = evox_clustering_run (mixed, 2, &params, FALSE, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "volume 2 of 2"));
  g_clear_error (&error);

  /* A straight line of inertia has no knee: k = 1..2 of two points. */
  {
    g_autoptr(EvoxVolume) pair = make_volume (2, 1, 1, 1, 1, 3);

    evox_clustering_params_init (&params);
    params.k_max = 2;
    result = evox_clustering_run (&pair, 1, &params, FALSE, NULL, NULL, &error);
    g_assert_null (result);
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "--k N"));
  }
}

typedef struct
{
  GMainLoop    *loop;
  GAsyncResult *result;
} Wait;

static void
done (GObject      *source,
      GAsyncResult *result,
      gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

static GAsyncResult *
wait_for (Wait *wait)
{
  g_main_loop_run (wait->loop);
  return wait->result;
}

/* The async run and sweep deliver on the main context, move the progress to the end through
 * the stages, and a cancelled job ends with G_IO_ERROR_CANCELLED. */
static void
test_async (void)
{
  g_autoptr(EvoxVolume) volume = make_volume (10, 6, 3, 2, 4, 7);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(EvoxProgress) progress = evox_progress_new ();
  g_autoptr(GError) error = NULL;
  EvoxClusteringParams params;

  evox_clustering_params_init (&params);
  params.k = 2;
  {
    Wait wait = { loop, NULL };
    g_autoptr(EvoxClusteringResult) result = NULL;
    g_autoptr(GAsyncResult) async = NULL;

    evox_clustering_run_async (volume, &params, TRUE, progress, NULL, done, &wait);
    async = wait_for (&wait);
    result = evox_clustering_run_finish (async, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (result->k, ==, 2);
    g_assert_nonnull (result->sweep);
    g_assert_cmpfloat (evox_progress_get_fraction (progress), ==, 1.0);
    assert_curves (result->clusters[0], volume);
  }
  {
    Wait wait = { loop, NULL };
    g_autoptr(EvoxKmeansSweep) sweep = NULL;
    g_autoptr(GAsyncResult) async = NULL;

    params.k_max = 6;
    evox_clustering_sweep_async (volume, &params, NULL, NULL, done, &wait);
    async = wait_for (&wait);
    sweep = evox_clustering_sweep_finish (async, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (sweep->n_rows, ==, 6);
    for (guint r = 1; r < 6; r++)
      g_assert_cmpfloat (sweep->rows[r].inertia, <=, sweep->rows[r - 1].inertia * (1 + 1e-9));
  }
  {
    Wait wait = { loop, NULL };
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(GAsyncResult) async = NULL;
    EvoxClusteringResult *result;

    g_cancellable_cancel (cancellable);
    evox_clustering_run_async (volume, &params, FALSE, NULL, cancellable, done, &wait);
    async = wait_for (&wait);
    result = evox_clustering_run_finish (async, &error);
    g_assert_null (result);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
}

/* A channel list as typed: labels, indices, ranges, repeats once; wrong items refused; and the
 * list written back as ranges. */
static void
test_parse_channels (void)
{
  g_autoptr(EvoxVolume) volume = make_volume (4, 2, 1, 6, 2, 1);
  static const struct { const char *text; guint n; guint want[6]; } good[] = {
    { "", 0, { 0 } },
    { "  ", 0, { 0 } },
    { "0-2, 5", 4, { 0, 1, 2, 5 } },
    { "Ni K", 1, { 3 } },
    { "4,Ni K , 3-5", 3, { 4, 3, 5 } },
    { "2, 0-2", 3, { 2, 0, 1 } },
    { "1 - 1", 1, { 1 } },
  };
  static const char *bad[] = { "6", "2-1", "0,,1", "0,", "Co K", "-3", "0-6", "a-b" };

  evox_volume_set_channel_info (volume, 3, "Ni K", 8333);
  for (guint t = 0; t < G_N_ELEMENTS (good); t++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree guint *channels = NULL;
      guint n = 99;

      g_assert_true (evox_clustering_parse_channels (volume, good[t].text, &channels, &n,
                                                     &error));
      g_assert_no_error (error);
      g_assert_cmpuint (n, ==, good[t].n);
      for (guint i = 0; i < n; i++)
        g_assert_cmpuint (channels[i], ==, good[t].want[i]);
    }
  for (guint t = 0; t < G_N_ELEMENTS (bad); t++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree guint *channels = NULL;
      guint n = 99;

      g_assert_false (evox_clustering_parse_channels (volume, bad[t], &channels, &n, &error));
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
      g_assert_null (channels);
      g_assert_cmpuint (n, ==, 0);
    }
  {
    static const guint list[] = { 0, 1, 2, 5, 7, 8, 3 };
    g_autofree char *text = evox_clustering_format_channels (list, G_N_ELEMENTS (list));
    g_autofree char *none = evox_clustering_format_channels (NULL, 0);

    g_assert_cmpstr (text, ==, "0-2, 5, 7-8, 3");
    g_assert_cmpstr (none, ==, "");
  }
}

/* The "Clusters" channel that Make Phase adds is derived: a run with no channel list leaves it
 * out (it splits the voxels along y, the loaded channels along x, so its use would show in the
 * labels); a list picks exactly its channels, the derived one too when named. */
static void
test_channel_subset (void)
{
  g_autoptr(EvoxVolume) base = make_volume (10, 6, 3, 3, 7, 1);
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  gsize n = 180;
  float *derived = _evox_alloc_large (n * sizeof (float));
  static const guint only_2[] = { 2 }, only_derived[] = { 3 };

  for (gsize i = 0; i < n; i++)
    derived[i] = i / 10 % 6 < 3 ? 1000 : 0;
  volume = _evox_volume_new_with_channel (base, "Clusters", derived, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 4);
  for (guint c = 0; c < 4; c++)
    g_assert_cmpint (evox_volume_get_channel_derived (volume, c), ==, c == 3);
  g_assert_false (evox_volume_get_channel_derived (base, 0));

  for (guint t = 0; t < 3; t++)
    {
      g_autoptr(EvoxClusteringResult) result = NULL;
      g_autoptr(EvoxKmeansSweep) sweep = NULL;
      EvoxClusteringParams params;
      const guint16 *labels;

      evox_clustering_params_init (&params);
      params.k = 2;
      params.k_max = 3;
      if (t == 1)
        params.channels = only_2, params.n_channels = 1;
      else if (t == 2)
        params.channels = only_derived, params.n_channels = 1;
      result = evox_clustering_run (&volume, 1, &params, FALSE, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (result->n_features, ==, t == 0 ? 3 : 1);
      labels = evox_clusters_get_data (result->clusters[0]);
      for (gsize i = 0; i < n; i++)
        if (t == 2)
          g_assert_cmpint (labels[i] == labels[0], ==, i / 10 % 6 < 3);
        else
          g_assert_cmpuint (labels[i], ==, i % 10 < 7 ? 1 : 2);
      if (t == 1)
        {
          /* channel 2 is level * 3 + noise: 0.5 low, 30.5 high */
          g_assert_cmpstr (result->feature_names[0], ==, "channel 2");
          g_assert_cmpfloat_with_epsilon (result->centers[0], 0.5, 0.1);
          g_assert_cmpfloat_with_epsilon (result->centers[1], 30.5, 0.1);
          g_assert_cmpstr (evox_clusters_get_info (result->clusters[0], "features"), ==,
                           "channels 2");
        }
      if (t == 0)
        {
          for (guint j = 0; j < 3; j++)
            g_assert_cmpstr (result->feature_names[j], !=, "Clusters");
          sweep = evox_clustering_sweep (&volume, 1, &params, NULL, NULL, &error);
          g_assert_no_error (error);
          /* z-scored features: at k = 1 the inertia is the points times the features */
          g_assert_cmpfloat_with_epsilon (sweep->rows[0].inertia, 180.0 * 3, 1e-6 * 540);
        }
    }
  {
    static const guint missing[] = { 4 };
    EvoxClusteringParams params;
    g_autoptr(EvoxClusteringResult) result = NULL;

    evox_clustering_params_init (&params);
    params.k = 2;
    params.channels = missing, params.n_channels = 1;
    result = evox_clustering_run (&volume, 1, &params, FALSE, NULL, NULL, &error);
    g_assert_null (result);
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Clustering/joint", test_joint);
  g_test_add_func ("/Evox/Clustering/joint-absent", test_joint_absent);
  g_test_add_func ("/Evox/Clustering/pca", test_pca);
  g_test_add_func ("/Evox/Clustering/sweep-knee", test_sweep_knee);
  g_test_add_func ("/Evox/Clustering/refusals", test_refusals);
  g_test_add_func ("/Evox/Clustering/non-finite", test_non_finite);
  g_test_add_func ("/Evox/Clustering/all-non-finite", test_all_non_finite);
  g_test_add_func ("/Evox/Clustering/async", test_async);
  g_test_add_func ("/Evox/Clustering/parse-channels", test_parse_channels);
  g_test_add_func ("/Evox/Clustering/channel-subset", test_channel_subset);
  g_test_add_func ("/Evox/Clustering/kept", test_kept);
  return g_test_run ();
}
