/* test-histogram.c: fine histograms, derived counts and numpy-style binning against brute force. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "evox-histogram.h"
#include "evox-volume.h"
#include "evox-test-volume.h"

static EvoxVolume *
random_volume (EvoxSampleType type,
               gsize          nx,
               gsize          ny,
               gsize          nz,
               guint32        seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (nx, ny, nz, 1, type, &error);
  gpointer data;
  gsize n = nx * ny * nz;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize i = 0; i < n; i++)
    switch (type)
      {
      case EVOX_SAMPLE_U8:
        /* Clustered values, like labels, plus a spread. */
        ((guint8 *) data)[i] = g_rand_boolean (rand) ? 85 * g_rand_int_range (rand, 0, 3)
                                                     : g_rand_int_range (rand, 0, 256);
        break;
      case EVOX_SAMPLE_U16:
        ((guint16 *) data)[i] = g_rand_int_range (rand, 0, 4) == 0 ? 65535
                                : g_rand_int_range (rand, 100, 40000);
        break;
      case EVOX_SAMPLE_F32:
        {
          double r = g_rand_double (rand);
          float v = (float) (g_rand_double_range (rand, -6.0, 2.0));
          if (r < 0.01)
            v = NAN;
          else if (r < 0.015)
            v = r < 0.0125 ? INFINITY : -INFINITY;
          ((float *) data)[i] = v;
        }
        break;
      }
  evox_volume_freeze (volume);
  return volume;
}

static guint64
brute_range_count (EvoxVolume *volume,
                   gsize       first,
                   gsize       n,
                   double      lo,
                   double      hi)
{
  guint64 count = 0;

  for (gsize i = first; i < first + n; i++)
    {
      double v = evox_test_value_at (volume, i);
      count += isfinite (v) && v >= lo && v <= hi;
    }
  return count;
}

static void
check_exact_fine (EvoxSampleType type,
                  gsize          nx,
                  gsize          ny,
                  gsize          nz,
                  gboolean       expect_layers)
{
  g_autoptr(EvoxVolume) volume = random_volume (type, nx, ny, nz, 42);
  EvoxFineHistogram *fine = evox_volume_get_fine_histogram (volume, 0);
  guint n_bins = evox_fine_histogram_get_n_bins (fine);
  g_autofree guint64 *expected = g_new0 (guint64, n_bins);
  gsize layer = nx * ny;
  const double ranges[][2] = { { 0, 255 }, { 84.5, 85.5 }, { -10, 3.2 }, { 170, 170 },
                               { 1000, 100 }, { 99.9, 40000 }, { 65535, 1e9 }, { -5, -1 } };

  g_assert_true (evox_fine_histogram_is_exact (fine));
  for (gsize i = 0; i < nx * ny * nz; i++)
    expected[(guint) evox_test_value_at (volume, i)]++;
  for (guint b = 0; b < n_bins; b++)
    g_assert_cmpuint (evox_fine_histogram_get_counts (fine)[b], ==, expected[b]);
  g_assert_cmpuint (evox_fine_histogram_get_n_finite (fine), ==, nx * ny * nz);

  g_assert_cmpint (evox_fine_histogram_get_layer_counts (fine, 0) != NULL, ==, expect_layers);
  for (gsize z = 0; expect_layers && z < nz; z++)
    {
      const guint32 *lc = evox_fine_histogram_get_layer_counts (fine, z);
      memset (expected, 0, n_bins * sizeof (guint64));
      for (gsize i = z * layer; i < (z + 1) * layer; i++)
        expected[(guint) evox_test_value_at (volume, i)]++;
      for (guint b = 0; b < n_bins; b++)
        g_assert_cmpuint (lc[b], ==, expected[b]);
    }

  for (guint r = 0; r < G_N_ELEMENTS (ranges); r++)
    g_assert_cmpuint (evox_fine_histogram_range_count (fine, ranges[r][0], ranges[r][1]), ==,
                      brute_range_count (volume, 0, nx * ny * nz, ranges[r][0], ranges[r][1]));

  /* Display bins of width 4 starting at -3.5: edges are exact in binary. */
  {
    double counts[64], brute[64] = { 0 };
    double lo = -3.5, hi = -3.5 + 64 * 4.0;

    g_assert_true (evox_fine_histogram_display (fine, -1, 64, lo, hi, FALSE, counts));
    for (gsize i = 0; i < nx * ny * nz; i++)
      {
        double v = evox_test_value_at (volume, i);
        for (int b = 0; b < 64; b++)
          if (v >= lo + 4.0 * b && (v < lo + 4.0 * (b + 1) || (b == 63 && v <= hi)))
            brute[b]++;
      }
    for (int b = 0; b < 64; b++)
      g_assert_cmpfloat (counts[b], ==, brute[b]);
  }
}

static void
test_fine_u8 (void)
{
  check_exact_fine (EVOX_SAMPLE_U8, 37, 23, 11, TRUE);
  check_exact_fine (EVOX_SAMPLE_U8, 1001, 3, 1, TRUE);
}

static void
test_fine_u16 (void)
{
  check_exact_fine (EVOX_SAMPLE_U16, 200, 100, 3, TRUE);
  /* Layers much smaller than the 65,536 bins are not worth per-layer counts. */
  check_exact_fine (EVOX_SAMPLE_U16, 40, 31, 9, FALSE);
  /* 300 layers of 65,536 bins are over the budget: counted per thread, no layer counts. */
  check_exact_fine (EVOX_SAMPLE_U16, 9, 8, 300, FALSE);
}

static void
test_fine_f32 (void)
{
  g_autoptr(EvoxVolume) volume = random_volume (EVOX_SAMPLE_F32, 61, 47, 13, 7);
  const EvoxStats *stats = evox_volume_get_stats (volume, 0);
  EvoxFineHistogram *fine = evox_volume_get_fine_histogram (volume, 0);
  gsize n = 61 * 47 * 13;
  guint64 finite = 0, sum = 0;
  double width = evox_fine_histogram_get_bin_width (fine);
  const guint64 *counts = evox_fine_histogram_get_counts (fine);
  const double ranges[][2] = { { -6, 2 }, { -4.5, -4.4 }, { 0.3, 1.9 }, { -100, 100 },
                               { 1.5, 1.5 }, { -2.71828, 0.1 } };

  for (gsize i = 0; i < n; i++)
    finite += isfinite (evox_test_value_at (volume, i));
  for (guint b = 0; b < evox_fine_histogram_get_n_bins (fine); b++)
    sum += counts[b];
  g_assert_cmpuint (sum, ==, finite);
  g_assert_cmpuint (evox_fine_histogram_get_n_finite (fine), ==, finite);
  g_assert_cmpuint (evox_fine_histogram_get_n_nonfinite (fine), ==, n - finite);
  g_assert_cmpuint (stats->n_finite, ==, finite);

  /* Every finite value lies in the fine bin the histogram gives it (within rounding). */
  for (guint r = 0; r < G_N_ELEMENTS (ranges); r++)
    {
      double lo = ranges[r][0], hi = ranges[r][1];
      guint64 exact = brute_range_count (volume, 0, n, lo, hi);
      double approx = evox_fine_histogram_range_fraction (fine, lo, hi);
      /* At most the contents of the fine bin at each edge (and its neighbour, for rounding). */
      double slack = 0;
      for (int e = 0; e < 2; e++)
        {
          double t = ((e ? hi : lo) - stats->min) / width;
          for (int k = (int) floor (t) - 1; k <= (int) floor (t) + 1; k++)
            if (k >= 0 && k < 65536)
              slack += counts[k];
        }
      g_assert_cmpfloat (fabs (approx - (double) exact), <=, slack);
    }

  /* Display totals are preserved inside the range. */
  {
    double display[100], total = 0;
    g_assert_true (evox_fine_histogram_display (fine, -1, 100, stats->min, stats->max, FALSE,
                                                display));
    for (int b = 0; b < 100; b++)
      total += display[b];
    g_assert_cmpfloat (fabs (total - (double) finite), <, 1e-6 * finite);
  }
  {
    double display[10];
    gboolean has_layers = evox_fine_histogram_get_layer_counts (fine, 3) != NULL;
    /* 2,867 voxels a layer are too few for 65,536-bin layer counts: a layer display says so. */
    g_assert_false (has_layers);
    g_assert_false (evox_fine_histogram_display (fine, 3, 10, -6, 2, FALSE, display));
  }
}

static void
test_log_axis (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (4, 1, 1, 1, EVOX_SAMPLE_U16, &error);
  guint16 *v = evox_volume_get_data_mut (volume, 0);
  double counts[3];

  v[0] = 0, v[1] = 5, v[2] = 50, v[3] = 500;
  /* Decades [1,10), [10,100), [100,1000]: zero has no logarithm and is left out. */
  g_assert_true (evox_fine_histogram_display (evox_volume_get_fine_histogram (volume, 0), -1, 3,
                                              1, 1000, TRUE, counts));
  g_assert_cmpfloat (counts[0], ==, 1);
  g_assert_cmpfloat (counts[1], ==, 1);
  g_assert_cmpfloat (counts[2], ==, 1);
}

static void
test_stats (void)
{
  const EvoxSampleType types[] = { EVOX_SAMPLE_U8, EVOX_SAMPLE_U16, EVOX_SAMPLE_F32 };

  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    {
      g_autoptr(EvoxVolume) volume = random_volume (types[t], 50, 40, 30, 3 + t);
      const EvoxStats *s = evox_volume_get_stats (volume, 0);
      long double sum = 0, sq = 0, lo = INFINITY, hi = -INFINITY;
      gsize n = 50 * 40 * 30, good = 0;

      for (gsize i = 0; i < n; i++)
        {
          double v = evox_test_value_at (volume, i);
          if (!isfinite (v))
            continue;
          sum += v;
          lo = MIN (lo, v);
          hi = MAX (hi, v);
          good++;
        }
      for (gsize i = 0; i < n; i++)
        {
          double v = evox_test_value_at (volume, i);
          if (isfinite (v))
            sq += (v - sum / good) * (v - sum / good);
        }
      g_assert_cmpuint (s->n_finite, ==, good);
      g_assert_cmpfloat (s->min, ==, (double) lo);
      g_assert_cmpfloat (s->max, ==, (double) hi);
      g_assert_cmpfloat_with_epsilon (s->mean, (double) (sum / good), 1e-9 * fabs ((double) hi));
      g_assert_cmpfloat_with_epsilon (s->std, (double) sqrtl (sq / good), 1e-9 * fabs ((double) hi));
    }
}

/* Cases run through numpy 1.24.2: np.histogram(np.array(values, dtype), bins, range). */
static void
test_numpy_cases (void)
{
  const float f[] = { 0.1f, 0.2f, 0.3f, 0.30000001f, 0.7f, 1.0f, -0.5f, NAN, 0.6f };
  const guint16 u[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
  guint64 counts[4] = { 0 };
  g_autoptr(EvoxBinning) single = evox_binning_new (3, 0.1, 1.0, TRUE);
  g_autoptr(EvoxBinning) ints = evox_binning_new (4, 0, 10, FALSE);
  g_autoptr(EvoxBinning) tenths = evox_binning_new (3, 0.0, 0.3, TRUE);

  /* [4, 1, 2], edges float32 [0.1, 0.4, 0.7, 1.0]: 0.7f equals the float edge and goes up. */
  evox_binning_count (single, EVOX_SAMPLE_F32, f, G_N_ELEMENTS (f), counts);
  g_assert_cmpuint (counts[0], ==, 4);
  g_assert_cmpuint (counts[1], ==, 1);
  g_assert_cmpuint (counts[2], ==, 2);
  g_assert_cmpfloat (single->edges[2], ==, 0.699999988079071);

  /* [3, 2, 3, 3] over [0, 2.5, 5, 7.5, 10]. */
  memset (counts, 0, sizeof counts);
  evox_binning_count (ints, EVOX_SAMPLE_U16, u, G_N_ELEMENTS (u), counts);
  g_assert_cmpuint (counts[0], ==, 3);
  g_assert_cmpuint (counts[1], ==, 2);
  g_assert_cmpuint (counts[2], ==, 3);
  g_assert_cmpuint (counts[3], ==, 3);

  /* float32 0.1*3 and 0.3 both equal the float32 last edge: [0, 0, 3]. */
  {
    const float g[] = { 0.1f * 3, 0.3f, 0.2f };
    memset (counts, 0, sizeof counts);
    evox_binning_count (tenths, EVOX_SAMPLE_F32, g, 3, counts);
    g_assert_cmpuint (counts[0], ==, 0);
    g_assert_cmpuint (counts[1], ==, 0);
    g_assert_cmpuint (counts[2], ==, 3);
  }
}

/* The oracle: a linear search over numpy's linspace edges, no index arithmetic. */
static void
test_binning_brute (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (99);

  for (int trial = 0; trial < 40; trial++)
    {
      guint n_bins = g_rand_int_range (rand, 1, 300);
      double lo = g_rand_double_range (rand, -10, 5);
      double hi = lo + g_rand_double_range (rand, 1e-3, 20);
      gboolean single = trial % 2 == 0;
      g_autoptr(EvoxBinning) binning = evox_binning_new (n_bins, lo, hi, single);
      g_autofree double *edges = g_new (double, n_bins + 1);
      g_autofree float *values = g_new (float, 5000);
      g_autofree guint64 *counts = g_new0 (guint64, n_bins);
      g_autofree guint64 *brute = g_new0 (guint64, n_bins);

      for (guint i = 0; i < n_bins; i++)
        edges[i] = lo + i * ((hi - lo) / n_bins);
      edges[n_bins] = hi;
      for (guint i = 0; single && i <= n_bins; i++)
        edges[i] = (float) edges[i];
      for (int i = 0; i < 5000; i++)
        /* Half the values sit exactly on edges, where the rule matters. */
        values[i] = i % 2 ? (float) edges[g_rand_int_range (rand, 0, n_bins + 1)]
                          : (float) g_rand_double_range (rand, lo - 1, hi + 1);

      evox_binning_count (binning, EVOX_SAMPLE_F32, values, 5000, counts);
      for (int i = 0; i < 5000; i++)
        {
          double v = values[i];
          for (guint b = 0; b < n_bins; b++)
            if (v >= edges[b] && (v < edges[b + 1] || (b == n_bins - 1 && v <= edges[b + 1])))
              {
                brute[b]++;
                break;
              }
        }
      for (guint b = 0; b < n_bins; b++)
        g_assert_cmpuint (counts[b], ==, brute[b]);
    }
}

/* f32 statistics and fine bins against brute force. The values sit on a grid where the bins
 * are exact in single and double precision (width a power of two, every value lo + j * width / 2
 * with few significant bits), so a voxel's bin is floor((v - min) / width) without rounding
 * doubts, including values on an edge and max itself (the last bin is closed). NaN and both
 * infinities are counted apart and left out of everything else. */
/* BAD_IN_1000 voxels in a thousand are NaN or infinite; with none, two are placed where the
 * statistics pass looks at them apart (a chunk's last values, past its 16-value steps). */
static void
check_f32_brute (gsize   nx,
                 gsize   ny,
                 gsize   nz,
                 double  lo,
                 double  width,
                 guint   bad_in_1000,
                 guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (nx, ny, nz, 1, EVOX_SAMPLE_F32, &error);
  float *v = evox_volume_get_data_mut (volume, 0);
  gsize n = nx * ny * nz, layer = nx * ny;
  g_autofree guint64 *brute = g_new0 (guint64, 65536);
  long double sum = 0, sq = 0;
  guint64 finite = 0;
  double hi = lo + 65536 * width;
  const EvoxStats *s;
  EvoxFineHistogram *fine;

  g_assert_no_error (error);
  for (gsize i = 0; i < n; i++)
    {
      guint r = g_rand_int_range (rand, 0, 1000);

      if (r < bad_in_1000)
        v[i] = r % 3 == 0 ? NAN : r % 3 == 1 ? INFINITY : -INFINITY;
      else
        v[i] = (float) (lo + g_rand_int_range (rand, 1, 2 * 65536) * (width / 2));
    }
  /* The extent is known: both ends are there, once each. */
  if (bad_in_1000 == 0)
    {
      v[n - 2] = NAN;
      v[n / 4] = -INFINITY;
      v[n - 1] = (float) lo;
      v[n - 3] = (float) hi;
    }
  else
    {
      v[n / 3] = (float) lo;
      v[n / 2] = (float) hi;
    }
  evox_volume_freeze (volume);

  for (gsize i = 0; i < n; i++)
    if (isfinite (v[i]))
      {
        double t = ((double) v[i] - lo) / width;

        brute[MIN ((guint) floor (t), 65535u)]++;
        sum += v[i];
        finite++;
      }
  for (gsize i = 0; i < n; i++)
    if (isfinite (v[i]))
      sq += (v[i] - sum / finite) * (v[i] - sum / finite);

  s = evox_volume_get_stats (volume, 0);
  fine = evox_volume_get_fine_histogram (volume, 0);
  g_assert_cmpuint (s->n_finite, ==, finite);
  g_assert_cmpuint (s->n_nonfinite, ==, n - finite);
  g_assert_cmpfloat (s->min, ==, lo);
  g_assert_cmpfloat (s->max, ==, hi);
  g_assert_cmpfloat_with_epsilon (s->mean, (double) (sum / finite), 1e-12 * (hi - lo));
  g_assert_cmpfloat_with_epsilon (s->std, (double) sqrtl (sq / finite), 1e-12 * (hi - lo));
  g_assert_cmpfloat (evox_fine_histogram_get_bin_lo (fine, 0), ==, lo);
  g_assert_cmpfloat (evox_fine_histogram_get_bin_width (fine), ==, width);
  g_assert_cmpuint (evox_fine_histogram_get_n_finite (fine), ==, finite);
  g_assert_cmpuint (evox_fine_histogram_get_n_nonfinite (fine), ==, n - finite);
  g_assert_cmpmem (evox_fine_histogram_get_counts (fine), 65536 * sizeof (guint64), brute,
                   65536 * sizeof (guint64));

  /* Per-layer counts, where kept, hold each layer's own bins and its non-finite values last. */
  for (gsize z = 0; z < nz && evox_fine_histogram_get_layer_counts (fine, 0) != NULL; z++)
    {
      const guint32 *lc = evox_fine_histogram_get_layer_counts (fine, z);
      g_autofree guint32 *expected = g_new0 (guint32, 65537);

      for (gsize i = z * layer; i < (z + 1) * layer; i++)
        expected[isfinite (v[i]) ? MIN ((guint) floor (((double) v[i] - lo) / width), 65535u)
                                 : 65536]++;
      g_assert_cmpmem (lc, 65537 * sizeof (guint32), expected, 65537 * sizeof (guint32));
    }
}

static void
test_f32_brute (void)
{
  /* Layers of 16,384 voxels: counted layer by layer, with per-layer counts. */
  check_f32_brute (128, 128, 6, 0.0, 1.0, 30, 11);
  /* 300 small layers: counted in blocks per thread, no per-layer counts. */
  check_f32_brute (41, 29, 300, -3.0, 8.0 / 65536, 30, 12);
  /* Values far from zero, where sums about zero would lose the spread. */
  check_f32_brute (64, 50, 20, 1e4, 1.0 / 1024, 30, 13);
  /* Mostly finite chunks (their moments unmasked), a NaN, an infinity and both ends in the last
   * values of the last chunk; 37 x 23 x 40 = 34,040 voxels is no multiple of 16. */
  check_f32_brute (37, 23, 40, -2.5, 1.0 / 4096, 0, 14);
  check_f32_brute (37, 23, 40, 7.0, 1.0 / 256, 1, 15);
}

/* A constant volume has a usable histogram (every finite voxel in bin 0, width 1/65536) and
 * zero spread; one without finite values has NaN statistics and only non-finite counts. */
static void
test_f32_constant (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) constant = evox_volume_new (70, 60, 9, 1, EVOX_SAMPLE_F32, &error);
  g_autoptr(EvoxVolume) empty = evox_volume_new (33, 20, 5, 1, EVOX_SAMPLE_F32, &error);
  float *c = evox_volume_get_data_mut (constant, 0);
  float *e = evox_volume_get_data_mut (empty, 0);
  gsize nc = 70 * 60 * 9, ne = 33 * 20 * 5;
  const EvoxStats *s;
  EvoxFineHistogram *fine;

  g_assert_no_error (error);
  for (gsize i = 0; i < nc; i++)
    c[i] = i % 97 == 0 ? NAN : i % 89 == 0 ? -INFINITY : 2.5f;
  for (gsize i = 0; i < ne; i++)
    e[i] = i % 2 ? NAN : INFINITY;
  evox_volume_freeze (constant);
  evox_volume_freeze (empty);

  s = evox_volume_get_stats (constant, 0);
  fine = evox_volume_get_fine_histogram (constant, 0);
  {
    guint64 finite = 0;

    for (gsize i = 0; i < nc; i++)
      finite += isfinite (c[i]);
    g_assert_cmpuint (s->n_finite, ==, finite);
    g_assert_cmpuint (s->n_nonfinite, ==, nc - finite);
    g_assert_cmpfloat (s->min, ==, 2.5);
    g_assert_cmpfloat (s->max, ==, 2.5);
    g_assert_cmpfloat (s->mean, ==, 2.5);
    g_assert_cmpfloat (s->std, ==, 0.0);
    g_assert_cmpfloat (evox_fine_histogram_get_bin_lo (fine, 0), ==, 2.5);
    g_assert_cmpfloat (evox_fine_histogram_get_bin_width (fine), ==, 1.0 / 65536);
    g_assert_cmpuint (evox_fine_histogram_get_counts (fine)[0], ==, finite);
    g_assert_cmpuint (evox_fine_histogram_get_n_finite (fine), ==, finite);
    g_assert_cmpuint (evox_fine_histogram_range_count (fine, 2.5, 2.5), ==, finite);
  }

  s = evox_volume_get_stats (empty, 0);
  fine = evox_volume_get_fine_histogram (empty, 0);
  g_assert_cmpuint (s->n_finite, ==, 0);
  g_assert_cmpuint (s->n_nonfinite, ==, ne);
  g_assert_true (isnan (s->min) && isnan (s->max) && isnan (s->mean) && isnan (s->std));
  g_assert_cmpuint (evox_fine_histogram_get_n_finite (fine), ==, 0);
  g_assert_cmpuint (evox_fine_histogram_get_n_nonfinite (fine), ==, ne);
}

/* The bin of one f32 value as a plain scalar loop computes it, in float arithmetic as the kernel
 * defines it: (v - lo) * scale, clamped to [0, n_bins - 1], truncated; non-finite values go to
 * the extra bin n_bins. */
static guint
scalar_bin (float v,
            float lo,
            float scale)
{
  float t;

  if (!isfinite (v))
    return 65536;
  t = (v - lo) * scale;
  if (!(t > 0.0f))
    return 0;
  return t < 65535.0f ? (guint) t : 65535;
}

/* Values a vectorised kernel could get wrong: NaNs of both signs and several payloads,
 * infinities, denormals, signed zeros, both ends and their neighbours, values on bin edges (in
 * float and in double arithmetic) and beside them, then random values. */
static void
fill_awkward (float  *v,
              gsize   n,
              float   min,
              float   max,
              guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  const guint32 nan_bits[] = { 0x7fc00000, 0xffc00000, 0x7f800001, 0x7fbfffff, 0xffffffff };
  double width = ((double) max - min) / 65536;
  gsize i = 0;

  v[i++] = min;
  v[i++] = max;
  v[i++] = nextafterf (max, -INFINITY);
  v[i++] = nextafterf (min, INFINITY);
  v[i++] = INFINITY;
  v[i++] = -INFINITY;
  for (guint k = 0; k < G_N_ELEMENTS (nan_bits); k++)
    memcpy (&v[i++], &nan_bits[k], sizeof (float));
  for (float d = 1.4e-45f; d < 2e-38f; d *= 7.0f)
    {
      v[i++] = d;
      v[i++] = -d;
    }
  v[i++] = 0.0f;
  v[i++] = -0.0f;
  while (i + 4 <= n / 2)
    {
      guint k = g_rand_int_range (rand, 0, 65537);
      float edge = (float) (min + k * width);
      float edge32 = min + (float) k * (float) width;

      v[i++] = edge;
      v[i++] = nextafterf (edge, -INFINITY);
      v[i++] = nextafterf (edge, INFINITY);
      v[i++] = edge32;
    }
  for (; i < n; i++)
    {
      guint r = g_rand_int_range (rand, 0, 64);

      v[i] = r == 0 ? NAN : r == 1 ? -INFINITY : r == 2 ? INFINITY
             : (float) g_rand_double_range (rand, min, max);
    }
  /* Voxels far apart in the volume from the same list. */
  for (gsize k = n - 1; k > 0; k--)
    {
      gsize j = g_rand_int_range (rand, 0, (gint32) (k + 1));
      float t = v[k];

      v[k] = v[j];
      v[j] = t;
    }
}

static void
check_f32_scalar (gsize    layer_size,
                  gsize    n_layers,
                  float    min,
                  float    max,
                  gboolean keeps_layers,
                  guint32  seed)
{
  gsize n = layer_size * n_layers;
  g_autofree float *v = g_new (float, n);
  g_autofree guint64 *expected = g_new0 (guint64, 65537);
  g_autofree guint32 *expected_layer = g_new (guint32, 65537);
  g_autoptr(EvoxFineHistogram) fine = NULL;
  float lo, scale;

  fill_awkward (v, n, min, max, seed);
  fine = evox_fine_histogram_new (EVOX_SAMPLE_F32, v, layer_size, n_layers, min, max);
  lo = (float) evox_fine_histogram_get_bin_lo (fine, 0);
  scale = (float) (1.0 / evox_fine_histogram_get_bin_width (fine));
  g_assert_cmpfloat (lo, ==, min);

  for (gsize i = 0; i < n; i++)
    expected[scalar_bin (v[i], lo, scale)]++;
  g_assert_cmpmem (evox_fine_histogram_get_counts (fine), 65536 * sizeof (guint64), expected,
                   65536 * sizeof (guint64));
  g_assert_cmpuint (evox_fine_histogram_get_n_nonfinite (fine), ==, expected[65536]);
  g_assert_cmpuint (expected[65535], >, 0);
  g_assert_cmpuint (expected[0], >, 0);

  g_assert_true ((evox_fine_histogram_get_layer_counts (fine, 0) != NULL) == keeps_layers);
  for (gsize z = 0; keeps_layers && z < n_layers; z++)
    {
      memset (expected_layer, 0, 65537 * sizeof (guint32));
      for (gsize i = z * layer_size; i < (z + 1) * layer_size; i++)
        expected_layer[scalar_bin (v[i], lo, scale)]++;
      g_assert_cmpmem (evox_fine_histogram_get_layer_counts (fine, z), 65537 * sizeof (guint32),
                       expected_layer, 65537 * sizeof (guint32));
    }
}

/* The f32 kernel (vectorised, with an AVX2 build where the machine has it) bins every value as
 * the plain scalar loop does, in both ways of splitting the work and with lengths that leave
 * tails of every size. */
static void
test_f32_scalar (void)
{
  /* Blocks per thread: layers of 1,031 voxels, no per-layer counts. */
  check_f32_scalar (1031, 37, -3.0f, 5.0f, FALSE, 21);
  /* Layer by layer with per-layer counts: 16,411 voxels a layer. */
  check_f32_scalar (16411, 3, -0.001f, 1e-6f, TRUE, 22);
  /* The widest range a float has: v - lo overflows to infinity above zero. */
  check_f32_scalar (997, 29, -FLT_MAX, FLT_MAX, FALSE, 23);
  /* Denormal ends: the range itself is a few hundred denormals wide. */
  check_f32_scalar (16387, 2, -3e-43f, 2e-43f, TRUE, 24);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Histogram/fine-u8", test_fine_u8);
  g_test_add_func ("/Evox/Histogram/fine-u16", test_fine_u16);
  g_test_add_func ("/Evox/Histogram/fine-f32", test_fine_f32);
  g_test_add_func ("/Evox/Histogram/log-axis", test_log_axis);
  g_test_add_func ("/Evox/Histogram/stats", test_stats);
  g_test_add_func ("/Evox/Histogram/numpy-cases", test_numpy_cases);
  g_test_add_func ("/Evox/Histogram/binning-brute-force", test_binning_brute);
  g_test_add_func ("/Evox/Histogram/f32-brute-force", test_f32_brute);
  g_test_add_func ("/Evox/Histogram/f32-constant", test_f32_constant);
  g_test_add_func ("/Evox/Histogram/f32-scalar", test_f32_scalar);
  return g_test_run ();
}
