/* test-features.c: feature sets from channels and local texture, and domain/boundary
 * statistics, against brute force written here and numbers from numpy. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "evox-features.h"
#include "evox-test-util.h"
#include "evox-types.h"
#include "evox-volume.h"

static double
value_of (EvoxVolume *volume,
          guint       c,
          gsize       i)
{
  gconstpointer data = evox_volume_get_data (volume, c);

  switch (evox_volume_get_sample_type (volume))
    {
    case EVOX_SAMPLE_U8: return ((const guint8 *) data)[i];
    case EVOX_SAMPLE_U16: return ((const guint16 *) data)[i];
    default: return ((const float *) data)[i];
    }
}

/* An f32 volume of random values in [0, 10), with a share `holes` of NaN in every channel. */
static EvoxVolume *
random_volume (gsize    nx,
               gsize    ny,
               gsize    nz,
               guint    channels,
               double   holes,
               guint64  seed)
{
  g_autoptr (GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (nx, ny, nz, channels, EVOX_SAMPLE_F32, &error);
  gsize n = nx * ny * nz;

  g_assert_no_error (error);
  for (guint c = 0; c < channels; c++)
    {
      float *data = evox_volume_get_data_mut (volume, c);

      for (gsize i = 0; i < n; i++)
        data[i] = evox_test_uniform (&seed) < holes ? NAN
                                                    : (float) (10.0 * evox_test_uniform (&seed));
    }
  evox_volume_freeze (volume);
  return volume;
}

/* The brute-force gather: every voxel in raster order, in the mask, all features finite. */
static void
check_channels (EvoxVolume            *volume,
                const guint           *channels,
                guint                  n_channels,
                const EvoxFeatureMask *mask)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxFeatureSet) set = NULL;
  gsize dims[3], n_voxels;
  guint d = n_channels > 0 ? n_channels : evox_volume_get_n_channels (volume);
  guint64 expected = 0, in_mask = 0;

  set = evox_features_from_channels (volume, channels, n_channels, mask, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (set);
  evox_volume_get_dims (volume, dims);
  n_voxels = dims[0] * dims[1] * dims[2];
  g_assert_cmpuint (set->d, ==, d);
  g_assert_cmpmem (set->dims, sizeof set->dims, dims, sizeof dims);
  for (gsize i = 0; i < n_voxels; i++)
    {
      gboolean finite = TRUE;

      if (mask != NULL && mask->channel >= 0)
        {
          double m = value_of (volume, mask->channel, i);

          if (!(m >= mask->lo && m <= mask->hi))
            continue;
        }
      in_mask++;
      for (guint c = 0; c < d; c++)
        finite = finite && isfinite (value_of (volume, n_channels > 0 ? channels[c] : c, i));
      if (!finite)
        continue;
      g_assert_cmpuint (expected, <, set->n);
      g_assert_cmpuint (set->voxels[expected], ==, i);
      for (guint c = 0; c < d; c++)
        g_assert_cmpfloat (set->points[expected * d + c], ==,
                           value_of (volume, n_channels > 0 ? channels[c] : c, i));
      expected++;
    }
  g_assert_cmpuint (set->n, ==, expected);
  g_assert_cmpuint (set->n_in_mask, ==, in_mask);
  g_assert_cmpuint (g_strv_length (set->names), ==, d);
}

static void
test_channels_gather (void)
{
  g_autoptr (EvoxVolume) volume = random_volume (7, 5, 3, 6, 0.05, 1);
  EvoxFeatureMask mask = { 2, 2.5, 7.5 };
  const guint some[] = { 4, 1, 1 };

  check_channels (volume, NULL, 0, NULL);
  check_channels (volume, NULL, 0, &mask);
  check_channels (volume, some, G_N_ELEMENTS (some), &mask);
  mask.channel = -1;
  check_channels (volume, some, G_N_ELEMENTS (some), &mask);
}

/* Hundreds of channels: rows longer than one tile of voxels (tiles are 32768 / d wide). */
static void
test_channels_many (void)
{
  g_autoptr (EvoxVolume) volume = random_volume (150, 3, 2, 300, 0.001, 2);
  EvoxFeatureMask mask = { 7, 1.0, 9.0 };

  check_channels (volume, NULL, 0, NULL);
  check_channels (volume, NULL, 0, &mask);
}

static void
test_channels_integer (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = evox_volume_new (9, 4, 2, 3, EVOX_SAMPLE_U16, &error);
  EvoxFeatureMask mask = { 0, 100, 300 };
  guint64 seed = 3;

  g_assert_no_error (error);
  for (guint c = 0; c < 3; c++)
    {
      guint16 *data = evox_volume_get_data_mut (volume, c);

      for (gsize i = 0; i < 72; i++)
        data[i] = evox_test_random (&seed) % 500;
    }
  evox_volume_freeze (volume);
  check_channels (volume, NULL, 0, &mask);
}

static void
test_channels_names_axis (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = random_volume (3, 2, 1, 3, 0.0, 4);
  g_autoptr (EvoxFeatureSet) set = NULL;

  evox_volume_set_channel_info (volume, 0, "6534 eV", 6534);
  evox_volume_set_channel_info (volume, 1, NULL, 6558);
  evox_volume_set_channel_info (volume, 2, "edge", 7704);
  set = evox_features_from_channels (volume, NULL, 0, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (set->names[0], ==, "6534 eV");
  g_assert_cmpstr (set->names[1], ==, "channel 1");
  g_assert_cmpstr (set->names[2], ==, "edge");
  g_assert_null (set->names[3]);
  g_assert_cmpfloat (set->axis[0], ==, 6534);
  g_assert_cmpfloat (set->axis[2], ==, 7704);
  g_assert_cmpstr (set->axis_title, ==, "Energy (eV)");
  g_clear_pointer (&set, evox_feature_set_free);

  /* one channel without an energy: the axis is the feature index */
  evox_volume_set_channel_info (volume, 1, "b", NAN);
  set = evox_features_from_channels (volume, NULL, 0, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint c = 0; c < 3; c++)
    g_assert_cmpfloat (set->axis[c], ==, c + 1);
  g_assert_cmpstr (set->axis_title, ==, "Feature");
}

static void
test_channels_errors (void)
{
  g_autoptr (EvoxVolume) volume = random_volume (4, 4, 2, 2, 0.0, 5);
  g_autoptr (EvoxVolume) holes = random_volume (4, 4, 2, 2, 1.0, 5);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  EvoxFeatureMask mask = { 0, 20, 30 };
  EvoxFeatureMask bad_mask = { 3, 0, 1 };
  const guint missing[] = { 0, 2 };
  GError *error = NULL;

  g_assert_null (evox_features_from_channels (volume, missing, 2, NULL, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "Channel 2"));
  g_clear_error (&error);
  g_assert_null (evox_features_from_channels (volume, NULL, 0, &mask, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "selects no voxel"));
  g_clear_error (&error);
  g_assert_null (evox_features_from_channels (volume, NULL, 0, &bad_mask, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  /* no voxel with a value and no mask: the data's fault (exit 1), not the options' */
  g_assert_null (evox_features_from_channels (holes, NULL, 0, NULL, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "finite"));
  g_clear_error (&error);
  g_assert_null (evox_features_local (holes, 0, 3, NULL, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_null (evox_features_local (volume, 0, 4, NULL, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (evox_features_local (volume, 2, 3, NULL, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);

  g_cancellable_cancel (cancellable);
  g_assert_null (evox_features_from_channels (volume, NULL, 0, NULL, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_null (evox_features_local (volume, 0, 5, NULL, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* a memory cap below the points is refused before allocating */
  g_setenv ("EVOX_MEMORY_LIMIT", "100", TRUE);
  g_assert_null (evox_features_from_channels (volume, NULL, 0, NULL, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_unsetenv ("EVOX_MEMORY_LIMIT");
}

/* Local features by brute force: the window's finite values in two passes, numpy.gradient's
 * differences written out. */
static void
check_local (EvoxVolume            *volume,
             guint                  window,
             const EvoxFeatureMask *mask)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxFeatureSet) set = NULL;
  gsize dims[3];
  double step[3] = { 1, 1, 1 };
  int r = window / 2;
  guint64 expected = 0, in_mask = 0;

  set = evox_features_local (volume, 0, window, mask, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  if (evox_volume_get_spacing_known (volume))
    evox_volume_get_spacing (volume, step);
  g_assert_cmpuint (set->d, ==, 4);
  for (gsize z = 0; z < dims[2]; z++)
    for (gsize y = 0; y < dims[1]; y++)
      for (gsize x = 0; x < dims[0]; x++)
        {
          gsize i = (z * dims[1] + y) * dims[0] + x;
          gsize at[3] = { x, y, z }, stride[3] = { 1, dims[0], dims[0] * dims[1] };
          double v = value_of (volume, 0, i), sum = 0, sq = 0, mean, grad2 = 0;
          double values[125];   /* the finite values of a window of up to 5 x 5 x 5 */
          guint n = 0;
          const float *row;

          if (mask != NULL && mask->channel >= 0 &&
              !(value_of (volume, mask->channel, i) >= mask->lo &&
                value_of (volume, mask->channel, i) <= mask->hi))
            continue;
          in_mask++;
          for (int dz = -r; dz <= r; dz++)
            for (int dy = -r; dy <= r; dy++)
              for (int dx = -r; dx <= r; dx++)
                {
                  gssize xx = (gssize) x + dx, yy = (gssize) y + dy, zz = (gssize) z + dz;
                  double w;

                  if (xx < 0 || yy < 0 || zz < 0 || xx >= (gssize) dims[0] ||
                      yy >= (gssize) dims[1] || zz >= (gssize) dims[2])
                    continue;
                  w = value_of (volume, 0, (zz * dims[1] + yy) * dims[0] + xx);
                  if (isfinite (w))
                    {
                      g_assert_cmpuint (n, <, G_N_ELEMENTS (values));
                      values[n++] = w;
                      sum += w;
                    }
                }
          mean = sum / n;
          for (guint j = 0; j < n; j++)
            sq += (values[j] - mean) * (values[j] - mean);
          for (int a = 0; a < 3; a++)
            {
              double g;

              if (dims[a] < 2)
                continue;
              if (at[a] == 0)
                g = (value_of (volume, 0, i + stride[a]) - v) / step[a];
              else if (at[a] == dims[a] - 1)
                g = (v - value_of (volume, 0, i - stride[a])) / step[a];
              else
                g = (value_of (volume, 0, i + stride[a]) -
                     value_of (volume, 0, i - stride[a])) / (2 * step[a]);
              grad2 += g * g;
            }
          if (!isfinite (v) || !isfinite (grad2))
            continue;
          g_assert_cmpuint (expected, <, set->n);
          g_assert_cmpuint (set->voxels[expected], ==, i);
          row = set->points + expected * 4;
          g_assert_cmpfloat (row[0], ==, v);
          g_assert_cmpfloat_with_epsilon (row[1], mean, 1e-5 * MAX (1, fabs (mean)));
          g_assert_cmpfloat_with_epsilon (row[2], sqrt (sq / n), 2e-5);
          g_assert_cmpfloat_with_epsilon (row[3], sqrt (grad2), 1e-5 * MAX (1, sqrt (grad2)));
          expected++;
        }
  g_assert_cmpuint (set->n, ==, expected);
  g_assert_cmpuint (set->n_in_mask, ==, in_mask);
}

static void
test_local_brute (void)
{
  g_autoptr (EvoxVolume) volume = random_volume (9, 8, 11, 2, 0.03, 6);
  g_autoptr (EvoxVolume) flat = random_volume (13, 10, 1, 1, 0.02, 7);
  g_autoptr (EvoxVolume) line = random_volume (1, 12, 3, 1, 0.0, 8);
  EvoxFeatureMask mask = { 1, 2.0, 8.0 };
  const double spacing[3] = { 2.0, 3.0, 7.5 };

  check_local (volume, 3, NULL);
  check_local (volume, 5, NULL);
  check_local (volume, 5, &mask);
  evox_volume_set_spacing (volume, spacing);
  evox_volume_set_spacing_known (volume, TRUE);
  check_local (volume, 3, &mask);
  check_local (volume, 5, NULL);
  /* a 2D map (one plane) and a volume one voxel wide: those axes add no gradient */
  check_local (flat, 3, NULL);
  check_local (flat, 5, NULL);
  check_local (line, 5, NULL);
}

/* A 2D map's rows are shared among the threads (its one plane would give a single thread all
 * the work): the features are the same bits on one thread as on several, more threads than
 * rows included. */
static void
test_local_map_threads (void)
{
#ifdef _OPENMP
  g_autoptr (EvoxVolume) map = random_volume (41, 29, 1, 2, 0.03, 21);
  EvoxFeatureMask mask = { 1, 1.0, 9.0 };
  int saved = omp_get_max_threads ();

  for (guint w = 3; w <= 5; w += 2)
    for (guint m = 0; m < 2; m++)
      {
        g_autoptr (GError) error = NULL;
        g_autoptr (EvoxFeatureSet) one = NULL;

        omp_set_num_threads (1);
        one = evox_features_local (map, 0, w, m ? &mask : NULL, NULL, NULL, &error);
        g_assert_no_error (error);
        for (int nt = 2; nt <= 64; nt *= 4)
          {
            g_autoptr (EvoxFeatureSet) many = NULL;

            omp_set_num_threads (nt);
            many = evox_features_local (map, 0, w, m ? &mask : NULL, NULL, NULL, &error);
            g_assert_no_error (error);
            g_assert_cmpuint (many->n, ==, one->n);
            g_assert_cmpuint (many->n_in_mask, ==, one->n_in_mask);
            g_assert_cmpmem (many->points, many->n * 4 * sizeof (float), one->points,
                             one->n * 4 * sizeof (float));
            g_assert_cmpmem (many->voxels, many->n * sizeof (guint64), one->voxels,
                             one->n * sizeof (guint64));
          }
      }
  omp_set_num_threads (saved);
#else
  g_test_skip ("built without OpenMP");
#endif
}

/* Numbers from numpy 1.24 (window mean and std over the clipped window as numpy slices, and
 * numpy.gradient with spacing (5, 3, 2) nm along (z, y, x) and without):
 *
 *   v = (((x * 7 + y * 3 + z * 11) % 13) * 0.5 + x * 0.1).astype(np.float32)  # 5 x 4 x 3
 *   win = v[max(z-r,0):z+r+1, max(y-r,0):y+r+1, max(x-r,0):x+r+1].astype(np.float64)
 *   win.mean(), win.std(), |np.gradient(v, 5.0, 3.0, 2.0)|, |np.gradient(v)|
 */
static const struct
{
  guint  window;
  gsize  x, y, z;
  double value, mean, std, gradient_nm, gradient_voxels;
} numpy_local[] = {
  { 3, 0, 0, 0, 0.0, 2.862499952316284, 1.928041404074265, 2.167948299277136, 6.742403081495091 },
  { 3, 2, 0, 1, 6.199999809265137, 3.3388888711730638, 1.7016785373787944, 1.7351952342452197, 5.494087479297378 },
  { 3, 2, 1, 1, 1.2000000476837158, 3.366666667715267, 1.8416980930039355, 0.6410169718819514, 2.045727187971751 },
  { 3, 4, 3, 2, 3.9000000953674316, 3.4750000908970833, 1.9201237603041028, 1.8788294627782764, 4.026164502453275 },
  { 5, 0, 0, 0, 0.0, 2.8962962668803005, 1.9236310723257906, 2.167948299277136, 6.742403081495091 },
  { 5, 2, 0, 1, 6.199999809265137, 3.077777787546317, 1.8901956340071973, 1.7351952342452197, 5.494087479297378 },
  { 5, 2, 1, 1, 1.2000000476837158, 3.1416666710128385, 1.8696962044596197, 0.6410169718819514, 2.045727187971751 },
  { 5, 4, 3, 2, 3.9000000953674316, 3.1703704137493065, 1.7625349972375164, 1.8788294627782764, 4.026164502453275 },
};

static void
test_local_numpy (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = evox_volume_new (5, 4, 3, 1, EVOX_SAMPLE_F32, &error);
  const double spacing[3] = { 2.0, 3.0, 5.0 };
  float *data;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 0; z < 3; z++)
    for (gsize y = 0; y < 4; y++)
      for (gsize x = 0; x < 5; x++)
        data[(z * 4 + y) * 5 + x] = (float) (((x * 7 + y * 3 + z * 11) % 13) * 0.5 + x * 0.1);
  evox_volume_freeze (volume);

  for (int known = 0; known <= 1; known++)
    {
      evox_volume_set_spacing (volume, spacing);
      evox_volume_set_spacing_known (volume, known);
      for (guint w = 3; w <= 5; w += 2)
        {
          g_autoptr (EvoxFeatureSet) set = evox_features_local (volume, 0, w, NULL, NULL, NULL,
                                                                &error);

          g_assert_no_error (error);
          g_assert_cmpuint (set->n, ==, 60);
          g_assert_cmpstr (set->names[1], ==, "local mean");
          g_assert_cmpstr (set->names[3], ==, "gradient magnitude");
          g_assert_cmpstr (set->axis_title, ==, "Feature");
          for (guint k = 0; k < G_N_ELEMENTS (numpy_local); k++)
            {
              gsize i = (numpy_local[k].z * 4 + numpy_local[k].y) * 5 + numpy_local[k].x;
              const float *row = set->points + i * 4;

              if (numpy_local[k].window != w)
                continue;
              g_assert_cmpuint (set->voxels[i], ==, i);
              g_assert_cmpfloat (row[0], ==, numpy_local[k].value);
              g_assert_cmpfloat_with_epsilon (row[1], numpy_local[k].mean, 1e-6);
              g_assert_cmpfloat_with_epsilon (row[2], numpy_local[k].std, 1e-6);
              g_assert_cmpfloat_with_epsilon (row[3], known ? numpy_local[k].gradient_nm
                                                            : numpy_local[k].gradient_voxels,
                                              1e-6);
            }
        }
    }
}

/* Domain statistics by brute force: each labelled voxel's six faces looked at one by one, the
 * values of each part collected and their mean and std taken in two passes. */
static void
check_domain_stats (EvoxVolume    *volume,
                    const guint16 *labels,
                    guint          k,
                    const guint32 *particles)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) rows = NULL;
  gsize dims[3], n;
  guint32 max_particle = 0;
  guint row = 0;

  rows = evox_domain_stats (labels, k, volume, 0, particles, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  n = dims[0] * dims[1] * dims[2];
  for (gsize i = 0; particles != NULL && i < n; i++)
    max_particle = MAX (max_particle, particles[i]);
  for (guint32 p = particles != NULL ? 1 : 0; p <= max_particle; p++)
    for (guint c = 1; c <= k; c++)
      {
        g_autoptr (GArray) domain = g_array_new (FALSE, FALSE, sizeof (double));
        g_autoptr (GArray) boundary_values = g_array_new (FALSE, FALSE, sizeof (double));
        GArray *values[2] = { domain, boundary_values };
        guint64 voxels[2] = { 0, 0 };
        double mean[2], std[2];
        const EvoxDomainStats *got;

        for (gsize i = 0; i < n; i++)
          {
            gsize x = i % dims[0], y = i / dims[0] % dims[1], z = i / (dims[0] * dims[1]);
            const gssize d[6][3] = { { -1, 0, 0 }, { 1, 0, 0 }, { 0, -1, 0 },
                                     { 0, 1, 0 }, { 0, 0, -1 }, { 0, 0, 1 } };
            gboolean boundary = FALSE;
            double v;

            if (labels[i] != c || (particles != NULL && particles[i] != p))
              continue;
            for (int f = 0; f < 6; f++)
              {
                gssize xx = x + d[f][0], yy = y + d[f][1], zz = z + d[f][2];
                guint16 other;

                if (xx < 0 || yy < 0 || zz < 0 || xx >= (gssize) dims[0] ||
                    yy >= (gssize) dims[1] || zz >= (gssize) dims[2])
                  continue;
                other = labels[(zz * dims[1] + yy) * dims[0] + xx];
                boundary = boundary || (other != 0 && other != c);
              }
            voxels[boundary]++;
            v = value_of (volume, 0, i);
            if (isfinite (v))
              g_array_append_val (values[boundary], v);
          }
        if (particles != NULL && voxels[0] + voxels[1] == 0)
          continue;
        for (int b = 0; b < 2; b++)
          {
            double s = 0, sq = 0;

            for (guint j = 0; j < values[b]->len; j++)
              s += g_array_index (values[b], double, j);
            mean[b] = values[b]->len > 0 ? s / values[b]->len : NAN;
            for (guint j = 0; j < values[b]->len; j++)
              sq += pow (g_array_index (values[b], double, j) - mean[b], 2);
            std[b] = values[b]->len > 0 ? sqrt (sq / values[b]->len) : NAN;
          }
        g_assert_cmpuint (row, <, rows->len);
        got = &g_array_index (rows, EvoxDomainStats, row);
        g_assert_cmpuint (got->particle, ==, p);
        g_assert_cmpuint (got->cluster, ==, c);
        g_assert_cmpuint (got->domain_voxels, ==, voxels[0]);
        g_assert_cmpuint (got->boundary_voxels, ==, voxels[1]);
        if (isnan (mean[0]))
          g_assert_true (isnan (got->domain_mean) && isnan (got->domain_std));
        else
          {
            g_assert_cmpfloat_with_epsilon (got->domain_mean, mean[0], 1e-9);
            g_assert_cmpfloat_with_epsilon (got->domain_std, std[0], 1e-9);
          }
        if (isnan (mean[1]))
          g_assert_true (isnan (got->boundary_mean) && isnan (got->difference));
        else
          {
            g_assert_cmpfloat_with_epsilon (got->boundary_mean, mean[1], 1e-9);
            g_assert_cmpfloat_with_epsilon (got->boundary_std, std[1], 1e-9);
          }
        if (!isnan (mean[0]) && !isnan (mean[1]))
          g_assert_cmpfloat_with_epsilon (got->difference, mean[1] - mean[0], 1e-9);
        row++;
      }
  g_assert_cmpuint (rows->len, ==, row);
}

static void
test_domain_stats (void)
{
  g_autoptr (EvoxVolume) volume = random_volume (10, 9, 7, 1, 0.05, 9);
  gsize n = 10 * 9 * 7;
  g_autofree guint16 *labels = g_new (guint16, n);
  g_autofree guint32 *particles = g_new (guint32, n);
  guint64 seed = 10;

  /* blocky clusters (so domains have an inside), a few voxels outside the mask, cluster 4
   * empty; particles are slabs along x with a gap of 0 */
  for (gsize i = 0; i < n; i++)
    {
      gsize x = i % 10, y = i / 10 % 9, z = i / 90;

      labels[i] = evox_test_uniform (&seed) < 0.1 ? 0 : 1 + (x / 4 + y / 3 + z / 4) % 3;
      particles[i] = x == 5 ? 0 : 1 + x / 3;
    }
  check_domain_stats (volume, labels, 4, NULL);
  check_domain_stats (volume, labels, 4, particles);
}

static void
test_domain_stats_errors (void)
{
  g_autoptr (EvoxVolume) volume = random_volume (3, 3, 3, 1, 0.0, 11);
  guint16 labels[27] = { 0 };
  GError *error = NULL;

  labels[13] = 3;
  g_assert_null (evox_domain_stats (labels, 2, volume, 0, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (evox_domain_stats (labels, 0, volume, 0, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (evox_domain_stats (labels, 3, volume, 1, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
}

/* The stage and the fraction a panel's progress bar shows. */
static void
test_progress (void)
{
  g_autoptr (EvoxVolume) volume = random_volume (40, 30, 20, 3, 0.0, 12);
  g_autoptr (EvoxProgress) progress = evox_progress_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxFeatureSet) a = NULL;
  g_autoptr (EvoxFeatureSet) b = NULL;
  g_autofree char *stage = NULL;

  a = evox_features_from_channels (volume, NULL, 0, NULL, progress, NULL, &error);
  g_assert_no_error (error);
  stage = evox_progress_dup_stage (progress);
  g_assert_cmpstr (stage, ==, "Gathering features");
  g_assert_cmpfloat_with_epsilon (evox_progress_get_fraction (progress), 1.0, 1e-9);
  g_clear_pointer (&stage, g_free);
  b = evox_features_local (volume, 0, 5, NULL, progress, NULL, &error);
  g_assert_no_error (error);
  stage = evox_progress_dup_stage (progress);
  g_assert_cmpstr (stage, ==, "Local features");
  g_assert_cmpfloat_with_epsilon (evox_progress_get_fraction (progress), 1.0, 1e-9);
}

/* A cluster whose values are all equal has exactly that mean and a std of 0 (a one-pass sum of
 * squares shifted by the channel's mean gave 1.1e-4 for the 85s of the tomogram), in an 8-bit
 * channel and in a float one whose value (0.1f) no sum of copies keeps exactly. */
static void
test_domain_stats_constant (void)
{
  const gsize nx = 40, ny = 24, nz = 24, n = nx * ny * nz;
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) u8 = evox_volume_new (nx, ny, nz, 1, EVOX_SAMPLE_U8, &error);
  g_autoptr (EvoxVolume) f32 = evox_volume_new (nx, ny, nz, 1, EVOX_SAMPLE_F32, &error);
  g_autofree guint16 *labels = g_new (guint16, n);
  guint8 *b = evox_volume_get_data_mut (u8, 0);
  float *f = evox_volume_get_data_mut (f32, 0);
  static const guint8 value[3] = { 0, 85, 170 };
  static const float fvalue[3] = { 7.25f, 0.1f, 1e6f };

  g_assert_no_error (error);
  for (gsize i = 0; i < n; i++)
    {
      gsize x = i % nx;
      guint c = x < 5 ? 0 : x < 29 ? 1 : 2;

      labels[i] = c + 1;
      b[i] = value[c];
      f[i] = fvalue[c];
    }
  evox_volume_freeze (u8);
  evox_volume_freeze (f32);
  for (guint t = 0; t < 2; t++)
    {
      g_autoptr (GArray) rows = evox_domain_stats (labels, 3, t == 0 ? u8 : f32, 0, NULL, NULL,
                                                   &error);

      g_assert_no_error (error);
      g_assert_cmpuint (rows->len, ==, 3);
      for (guint c = 0; c < 3; c++)
        {
          const EvoxDomainStats *row = &g_array_index (rows, EvoxDomainStats, c);
          double want = t == 0 ? value[c] : fvalue[c];

          g_assert_cmpfloat (row->domain_mean, ==, want);
          g_assert_cmpfloat (row->domain_std, ==, 0.0);
          g_assert_cmpfloat (row->boundary_mean, ==, want);
          g_assert_cmpfloat (row->boundary_std, ==, 0.0);
          g_assert_cmpfloat (row->difference, ==, 0.0);
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Features/channels", test_channels_gather);
  g_test_add_func ("/Evox/Features/channels-many", test_channels_many);
  g_test_add_func ("/Evox/Features/channels-integer", test_channels_integer);
  g_test_add_func ("/Evox/Features/names-axis", test_channels_names_axis);
  g_test_add_func ("/Evox/Features/errors", test_channels_errors);
  g_test_add_func ("/Evox/Features/local-brute", test_local_brute);
  g_test_add_func ("/Evox/Features/local-map-threads", test_local_map_threads);
  g_test_add_func ("/Evox/Features/local-numpy", test_local_numpy);
  g_test_add_func ("/Evox/Features/progress", test_progress);
  g_test_add_func ("/Evox/Features/domain-stats", test_domain_stats);
  g_test_add_func ("/Evox/Features/domain-stats-errors", test_domain_stats_errors);
  g_test_add_func ("/Evox/Features/domain-stats-constant", test_domain_stats_constant);
  return g_test_run ();
}
