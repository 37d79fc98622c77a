/* test-metrics-thickness.c: distance map, local thickness, size summaries, percolation and interface area against brute force and geometry. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-interface-area.h"
#include "evox-labels.h"
#include "evox-local-thickness.h"
#include "evox-percolation.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-types.h"
#include "evox-volume.h"

static inline gsize
idx (const gsize dims[3],
     gsize       x,
     gsize       y,
     gsize       z)
{
  return (z * dims[1] + y) * dims[0] + x;
}

static double
sq_between (const gsize  dims[3],
            const double spacing[3],
            gsize        i,
            gsize        j)
{
  double d[3];

  d[0] = spacing[0] * ((double) (i % dims[0]) - (double) (j % dims[0]));
  d[1] = spacing[1] * ((double) (i / dims[0] % dims[1]) - (double) (j / dims[0] % dims[1]));
  d[2] = spacing[2] * ((double) (i / (dims[0] * dims[1])) - (double) (j / (dims[0] * dims[1])));
  /* Summed in the order the kernel takes them off the squared radius: z, y, then x. */
  return d[2] * d[2] + d[1] * d[1] + d[0] * d[0];
}

/* The oracle distance map: the smallest squared distance to every background voxel. */
static void
brute_sq_distance (const guint8 *mask,
                   const gsize   dims[3],
                   const double  spacing[3],
                   double       *out)
{
  const gsize n = dims[0] * dims[1] * dims[2];

  for (gsize i = 0; i < n; i++)
    {
      double best = INFINITY;

      if (mask[i] != 0)
        for (gsize j = 0; j < n; j++)
          if (mask[j] == 0)
            best = MIN (best, sq_between (dims, spacing, i, j));
      out[i] = mask[i] != 0 ? best : 0.0;
    }
}

/* The oracle local thickness: for every phase voxel p, every phase voxel c whose ball holds p
 * (|p - c|^2 < D(c)^2), the largest; 2 sqrt of it. No ridge, no bucketing. */
static void
brute_thickness (const guint8 *mask,
                 const gsize   dims[3],
                 const double  spacing[3],
                 double       *out)
{
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autofree double *sq = g_new (double, n);

  brute_sq_distance (mask, dims, spacing, sq);
  for (gsize p = 0; p < n; p++)
    {
      double best = 0.0;

      if (mask[p] == 0)
        {
          out[p] = NAN;
          continue;
        }
      for (gsize c = 0; c < n; c++)
        if (mask[c] != 0 && sq[c] > best && sq_between (dims, spacing, p, c) < sq[c])
          best = sq[c];
      out[p] = 2.0 * sqrt (best);
    }
}

static guint8 *
random_mask (const gsize dims[3],
             double      fraction,
             guint64    *state)
{
  const gsize n = dims[0] * dims[1] * dims[2];
  guint8 *mask = g_new (guint8, n);

  for (gsize i = 0; i < n; i++)
    mask[i] = evox_test_uniform (state) < fraction;
  return mask;
}

/* Overlapping random balls: thicker structures than independent voxels, with real ridges. */
static guint8 *
random_balls (const gsize dims[3],
              guint       n_balls,
              double      max_radius,
              guint64    *state)
{
  const gsize n = dims[0] * dims[1] * dims[2];
  guint8 *mask = g_new0 (guint8, n);

  for (guint b = 0; b < n_balls; b++)
    {
      double c[3], r = 1.0 + (max_radius - 1.0) * evox_test_uniform (state);

      for (guint a = 0; a < 3; a++)
        c[a] = evox_test_uniform (state) * dims[a];
      for (gsize z = 0; z < dims[2]; z++)
        for (gsize y = 0; y < dims[1]; y++)
          for (gsize x = 0; x < dims[0]; x++)
            if ((x - c[0]) * (x - c[0]) + (y - c[1]) * (y - c[1]) + (z - c[2]) * (z - c[2]) <=
                r * r)
              mask[idx (dims, x, y, z)] = 1;
    }
  return mask;
}

static void
check_edt (const guint8 *mask,
           const gsize   dims[3],
           const double  spacing[3],
           gboolean      exact)
{
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autofree float *sq = g_new (float, n);
  g_autofree double *expected = g_new (double, n);
  g_autoptr(GError) error = NULL;

  g_assert_true (evox_squared_distance_transform (mask, dims, spacing, sq, NULL, &error));
  g_assert_no_error (error);
  brute_sq_distance (mask, dims, spacing, expected);
  for (gsize i = 0; i < n; i++)
    {
      if (exact || !isfinite (expected[i]))
        g_assert_cmpfloat (sq[i], ==, (float) expected[i]);
      else
        g_assert_cmpfloat (fabs (sq[i] - expected[i]), <=, 1e-6 * expected[i]);
    }
}

/* The squared distance map equals brute force: exactly for unit spacing (whole numbers), to
 * float rounding for anisotropic voxels; INFINITY everywhere without background. */
static void
test_edt (void)
{
  guint64 state = 18;
  const gsize dims[3] = { 13, 9, 7 };
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autofree guint8 *sparse = random_mask (dims, 0.95, &state);
  g_autofree guint8 *dense = random_mask (dims, 0.6, &state);
  g_autofree guint8 *full = g_new (guint8, n);
  const gsize thin[3] = { 17, 1, 3 };
  g_autofree guint8 *thin_mask = random_mask (thin, 0.8, &state);

  check_edt (sparse, dims, (const double[3]) { 1, 1, 1 }, TRUE);
  check_edt (dense, dims, (const double[3]) { 1, 1, 1 }, TRUE);
  check_edt (sparse, dims, (const double[3]) { 0.7, 1.5, 2.5 }, FALSE);
  check_edt (thin_mask, thin, (const double[3]) { 1, 1, 1 }, TRUE);
  memset (full, 1, n);
  check_edt (full, dims, (const double[3]) { 1, 1, 1 }, TRUE);
}

static void
check_thickness_brute (const guint8 *mask,
                       const gsize   dims[3],
                       const double  spacing[3],
                       gboolean      exact)
{
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autofree float *t = g_new (float, n);
  g_autofree double *expected = g_new (double, n);
  g_autoptr(GError) error = NULL;
  double largest = 0.0;

  g_assert_true (evox_local_thickness (mask, dims, spacing, t, NULL, NULL, &error));
  g_assert_no_error (error);
  brute_thickness (mask, dims, spacing, expected);
  for (gsize i = 0; i < n; i++)
    {
      if (mask[i] == 0)
        {
          g_assert_true (isnan (t[i]));
          continue;
        }
      largest = MAX (largest, expected[i]);
      if (exact)
        g_assert_cmpfloat (t[i], ==, (float) expected[i]);
      else
        g_assert_cmpfloat (fabs (t[i] - expected[i]), <=, 1e-5 * expected[i]);
    }
  g_test_message ("%" G_GSIZE_FORMAT "x%" G_GSIZE_FORMAT "x%" G_GSIZE_FORMAT
                  ": largest thickness %g", dims[0], dims[1], dims[2], largest);
}

/* Local thickness equals a brute-force largest-inscribed-ball search with the same definition
 * (every pair of phase voxels): bit for bit for unit spacing, to float rounding otherwise. */
static void
test_thickness_brute (void)
{
  guint64 state = 1997;
  const gsize small[3] = { 12, 10, 9 };
  const gsize balls[3] = { 20, 18, 16 };
  g_autofree guint8 *speckle = random_mask (small, 0.75, &state);
  g_autofree guint8 *blobs = random_balls (balls, 12, 6.0, &state);

  const gsize flat[3] = { 23, 17, 1 };
  g_autofree guint8 *layer = random_balls (flat, 6, 5.0, &state);

  check_thickness_brute (speckle, small, (const double[3]) { 1, 1, 1 }, TRUE);
  /* One layer (a 2D image): balls become discs. */
  check_thickness_brute (layer, flat, (const double[3]) { 1, 1, 1 }, TRUE);
  check_thickness_brute (blobs, balls, (const double[3]) { 1, 1, 1 }, TRUE);
  check_edt (blobs, balls, (const double[3]) { 1.0, 0.8, 1.7 }, FALSE);
  check_thickness_brute (blobs, balls, (const double[3]) { 1.0, 0.8, 1.7 }, FALSE);
}

/* Analytic shapes. A digital ball of radius R (|v| <= R voxels) spans d = 2R + 1 voxels; the
 * centre's distance to the background is the smallest lattice norm above R, so every voxel gets
 * 2 sqrt(that) (between 2R and 2R + 2), within one voxel of d. A slab t voxels thick (and a
 * cylinder of radius R) are infinite along the volume's faces, which are not background: a slab
 * of odd t = 2k + 1 gets t + 1 everywhere (the middle layer is k + 1 from the background, and its
 * balls reach every layer), one of even t gets t. Thickness scales with the spacing. */
static void
test_thickness_shapes (void)
{
  const double unit[3] = { 1, 1, 1 };

  for (guint radius = 3; radius <= 9; radius += 3)
    {
      gsize dims[3] = { 2 * radius + 5, 2 * radius + 5, 2 * radius + 5 };
      const gsize n = dims[0] * dims[1] * dims[2];
      g_autofree guint8 *mask = g_new0 (guint8, n);
      g_autofree float *t = g_new (float, n);
      double c = (dims[0] - 1) / 2.0, d = 2.0 * radius + 1.0;
      guint next_norm = radius * radius + 1;

      /* The smallest sum of three squares above R^2 (brute force over the lattice). */
      for (guint best = G_MAXUINT, a = 0; a <= radius + 1; a++)
        for (guint b = 0; b <= radius + 1; b++)
          for (guint e = 0; e <= radius + 1; e++)
            if (a * a + b * b + e * e > radius * radius && a * a + b * b + e * e < best)
              next_norm = best = a * a + b * b + e * e;
      for (gsize z = 0; z < dims[2]; z++)
        for (gsize y = 0; y < dims[1]; y++)
          for (gsize x = 0; x < dims[0]; x++)
            mask[idx (dims, x, y, z)] =
              (x - c) * (x - c) + (y - c) * (y - c) + (z - c) * (z - c) <= radius * radius;
      g_assert_true (evox_local_thickness (mask, dims, unit, t, NULL, NULL, NULL));
      for (gsize i = 0; i < n; i++)
        if (mask[i])
          {
            g_assert_cmpfloat (t[i], ==, (float) (2.0 * sqrt (next_norm)));
            g_assert_cmpfloat (fabs (t[i] - d), <=, 1.0);
          }
    }

  for (guint thick = 4; thick <= 7; thick++)
    for (guint s = 1; s <= 2; s++)
      {
        const double spacing[3] = { 1, 1, s };
        gsize dims[3] = { 6, 5, thick + 4 };
        const gsize n = dims[0] * dims[1] * dims[2];
        g_autofree guint8 *mask = g_new0 (guint8, n);
        g_autofree float *t = g_new (float, n);
        double expected = (thick % 2 == 1 ? thick + 1 : thick) * (double) s;

        for (gsize i = 0; i < n; i++)
          mask[i] = i / (dims[0] * dims[1]) >= 2 && i / (dims[0] * dims[1]) < 2 + thick;
        g_assert_true (evox_local_thickness (mask, dims, spacing, t, NULL, NULL, NULL));
        for (gsize i = 0; i < n; i++)
          if (mask[i])
            {
              g_assert_cmpfloat (t[i], ==, (float) expected);
              g_assert_cmpfloat (fabs (t[i] - thick * (double) s), <=, s);
            }
      }

  for (guint radius = 4; radius <= 8; radius += 4)
    {
      gsize dims[3] = { 2 * radius + 4, 2 * radius + 4, 5 };
      const gsize n = dims[0] * dims[1] * dims[2];
      g_autofree guint8 *mask = g_new0 (guint8, n);
      g_autofree float *t = g_new (float, n);
      double c = (dims[0] - 1) / 2.0;

      /* With an even side the axis falls between voxels: the 2 x 2 central voxels are
       * (sqrt 2 / 2) from it. Radius measured from the axis, so the cylinder spans 2R
       * voxels; its inscribed balls centred on voxels are within one voxel of that. */
      for (gsize z = 0; z < dims[2]; z++)
        for (gsize y = 0; y < dims[1]; y++)
          for (gsize x = 0; x < dims[0]; x++)
            mask[idx (dims, x, y, z)] = (x - c) * (x - c) + (y - c) * (y - c) <= radius * radius;
      g_assert_true (evox_local_thickness (mask, dims, unit, t, NULL, NULL, NULL));
      for (gsize i = 0; i < n; i++)
        if (mask[i])
          g_assert_cmpfloat (fabs (t[i] - 2.0 * radius), <=, 1.0);
    }
}

/* Bad input: an empty phase and a phase without background are refused with a reason. */
static void
test_thickness_refused (void)
{
  const gsize dims[3] = { 4, 4, 4 };
  guint8 mask[64];
  float t[64];
  g_autoptr(GError) error = NULL;

  memset (mask, 0, sizeof mask);
  g_assert_false (evox_local_thickness (mask, dims, (const double[3]) { 1, 1, 1 }, t, NULL, NULL,
                                        &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "no voxels"));
  g_clear_error (&error);
  memset (mask, 1, sizeof mask);
  g_assert_false (evox_local_thickness (mask, dims, (const double[3]) { 1, 1, 1 }, t, NULL, NULL,
                                        &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  mask[5] = 0;
  g_assert_false (evox_local_thickness (mask, dims, (const double[3]) { 1, 0, 1 }, t, NULL, NULL,
                                        &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
}

/* Cancelled before it starts: G_IO_ERROR_CANCELLED, no crash. */
static void
test_thickness_cancel (void)
{
  guint64 state = 5;
  const gsize dims[3] = { 16, 16, 16 };
  g_autofree guint8 *mask = random_mask (dims, 0.5, &state);
  g_autofree float *t = g_new (float, 16 * 16 * 16);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_false (evox_local_thickness (mask, dims, (const double[3]) { 1, 1, 1 }, t, NULL,
                                        cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* The volume-level call: a range of a u8 channel, NaN outside, the grid kept, the summary that
 * of the map's finite values. */
static void
test_thickness_volume (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (10, 8, 12, 1, EVOX_SAMPLE_U8, &error);
  g_autoptr(EvoxVolume) map = NULL;
  g_autoptr(EvoxProgress) progress = evox_progress_new ();
  const double spacing[3] = { 2, 2, 2 };
  EvoxSizeSummary summary, again;
  guint8 *data;
  const float *t;
  guint64 state = 3;
  gsize n = 10 * 8 * 12;

  g_assert_no_error (error);
  evox_volume_set_spacing (volume, spacing);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize i = 0; i < n; i++)
    data[i] = (guint8) (85 * (evox_test_random (&state) % 3));
  map = evox_local_thickness_compute (volume, 0, 80, 90, &summary, progress, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (evox_volume_get_sample_type (map), ==, EVOX_SAMPLE_F32);
  t = evox_volume_get_data (map, 0);
  for (gsize i = 0; i < n; i++)
    g_assert_true ((data[i] == 85) == !isnan (t[i]));
  g_assert_cmpfloat (fabs (evox_progress_get_fraction (progress) - 1.0), <, 1e-9);
  g_assert_true (evox_size_summary_compute (t, n, &again));
  g_assert_cmpuint (summary.count, ==, again.count);
  g_assert_cmpfloat (summary.d50, ==, again.d50);
  /* Every thickness is at least 2 voxels of 2 nm (D >= 1 voxel). */
  g_assert_cmpfloat (summary.min, >=, 4.0);

  g_assert_null (evox_local_thickness_compute (volume, 0, 90, 80, NULL, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (evox_local_thickness_compute (volume, 0, 200, 250, NULL, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
}

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* The _async pair gives the synchronous call's map and summary, off the main thread. */
static void
test_thickness_async (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (9, 10, 11, 1, EVOX_SAMPLE_U8, &error);
  g_autoptr(EvoxVolume) sync = NULL;
  g_autoptr(EvoxVolume) map = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  EvoxSizeSummary s1, s2;
  guint8 *data = evox_volume_get_data_mut (volume, 0);
  guint64 state = 8;

  for (gsize i = 0; i < 9 * 10 * 11; i++)
    data[i] = evox_test_uniform (&state) < 0.7;
  sync = evox_local_thickness_compute (volume, 0, 1, 1, &s1, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_local_thickness_compute_async (volume, 0, 1, 1, NULL, NULL, async_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  map = evox_local_thickness_compute_finish (result, &s2, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (evox_volume_get_data (map, 0), 9 * 10 * 11 * sizeof (float),
                   evox_volume_get_data (sync, 0), 9 * 10 * 11 * sizeof (float));
  g_assert_cmpfloat (s1.mean, ==, s2.mean);
  g_assert_cmpfloat (s1.d90, ==, s2.d90);
}

/* Summaries against sorting: dq is sorted[ceil (q m) - 1] of the m finite values; the weighted
 * one against the same values repeated weight times. */
static void
test_summary (void)
{
  guint64 state = 10;

  for (gsize n = 1; n <= 203; n += 17)
    {
      g_autofree float *v = g_new (float, n);
      g_autofree double *sorted = g_new (double, n);
      g_autofree double *dv = g_new (double, n);
      g_autofree double *w = g_new (double, n);
      g_autofree double *rep = g_new (double, n * 4);
      gsize m = 0, r = 0;
      double sum = 0.0, wsum = 0.0, wtotal = 0.0;
      EvoxSizeSummary s, ws;

      for (gsize i = 0; i < n; i++)
        {
          /* Few distinct values, so ties are common, and some NaN. */
          v[i] = evox_test_uniform (&state) < 0.1 ? NAN : (float) (evox_test_random (&state) % 9);
          if (!isnan (v[i]))
            {
              sorted[m++] = v[i];
              sum += v[i];
            }
        }
      qsort (sorted, m, sizeof (double), evox_test_compare_doubles);
      if (m == 0)
        {
          g_assert_false (evox_size_summary_compute (v, n, &s));
          continue;
        }
      g_assert_true (evox_size_summary_compute (v, n, &s));
      g_assert_cmpuint (s.count, ==, m);
      g_assert_cmpfloat (fabs (s.mean - sum / m), <=, 1e-12 * MAX (1.0, sum / m));
      g_assert_cmpfloat (s.d10, ==, sorted[(m * 10 + 99) / 100 - 1]);
      g_assert_cmpfloat (s.d50, ==, sorted[(m * 50 + 99) / 100 - 1]);
      g_assert_cmpfloat (s.median, ==, s.d50);
      g_assert_cmpfloat (s.d90, ==, sorted[(m * 90 + 99) / 100 - 1]);
      g_assert_cmpfloat (s.min, ==, sorted[0]);
      g_assert_cmpfloat (s.max, ==, sorted[m - 1]);

      for (gsize i = 0; i < m; i++)
        {
          dv[i] = sorted[(i * 7) % m];
          w[i] = (double) (1 + evox_test_random (&state) % 4);
          for (guint k = 0; k < (guint) w[i]; k++)
            rep[r++] = dv[i];
          wsum += w[i] * dv[i];
          wtotal += w[i];
        }
      qsort (rep, r, sizeof (double), evox_test_compare_doubles);
      g_assert_true (evox_size_summary_compute_weighted (dv, w, m, &ws));
      g_assert_cmpfloat (fabs (ws.mean - wsum / wtotal), <=, 1e-12 * MAX (1.0, ws.mean));
      g_assert_cmpfloat (ws.d10, ==, rep[(r * 10 + 99) / 100 - 1]);
      g_assert_cmpfloat (ws.d50, ==, rep[(r * 50 + 99) / 100 - 1]);
      g_assert_cmpfloat (ws.d90, ==, rep[(r * 90 + 99) / 100 - 1]);
    }
}

/* The particle size summary: two particles of 1 and 27 voxels (unit spacing): equivalent
 * diameters (6 V / pi)^(1/3); by number d50 is the smaller, by volume the larger. */
static void
test_particle_summary (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (8, 8, 8, 1, EVOX_SAMPLE_U8, &error);
  g_autoptr(EvoxLabels) labels = NULL;
  guint8 *data = evox_volume_get_data_mut (volume, 0);
  const gsize dims[3] = { 8, 8, 8 };
  EvoxSizeSummary s;
  double d1 = cbrt (6.0 / M_PI), d27 = cbrt (6.0 * 27 / M_PI);

  data[0] = 1;
  for (gsize z = 4; z < 7; z++)
    for (gsize y = 4; y < 7; y++)
      for (gsize x = 4; x < 7; x++)
        data[idx (dims, x, y, z)] = 1;
  labels = evox_labels_compute (volume, 0, NULL, 1, 1, EVOX_CONNECTIVITY_6, 0, NULL, NULL,
                                &error);
  g_assert_no_error (error);
  g_assert_true (evox_particle_size_summary (labels, FALSE, &s));
  g_assert_cmpuint (s.count, ==, 2);
  g_assert_cmpfloat (fabs (s.d50 - d1), <, 1e-9);
  g_assert_cmpfloat (fabs (s.d90 - d27), <, 1e-9);
  g_assert_cmpfloat (fabs (s.mean - (d1 + d27) / 2), <, 1e-9);
  g_assert_true (evox_particle_size_summary (labels, TRUE, &s));
  g_assert_cmpfloat (fabs (s.d10 - d27), <, 1e-9);   /* 1/28 < 10 % of the volume */
  g_assert_cmpfloat (fabs (s.d50 - d27), <, 1e-9);
  g_assert_cmpfloat (fabs (s.mean - (d1 + 27 * d27) / 28), <, 1e-9);
  g_assert_cmpfloat (s.total_weight, ==, 28.0);
}

/* Percolation. */

static void
flood (const guint8 *mask,
       const gsize   dims[3],
       int           connectivity,
       guint         axis,
       gsize         face,
       guint8       *reached)
{
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autofree gsize *stack = g_new (gsize, n);
  gsize top = 0;

  memset (reached, 0, n);
  for (gsize i = 0; i < n; i++)
    {
      gsize c[3] = { i % dims[0], i / dims[0] % dims[1], i / (dims[0] * dims[1]) };

      if (mask[i] && c[axis] == face)
        {
          reached[i] = 1;
          stack[top++] = i;
        }
    }
  while (top > 0)
    {
      gsize i = stack[--top];
      gssize c[3] = { i % dims[0], i / dims[0] % dims[1], i / (dims[0] * dims[1]) };

      for (int dz = -1; dz <= 1; dz++)
        for (int dy = -1; dy <= 1; dy++)
          for (int dx = -1; dx <= 1; dx++)
            {
              int order = ABS (dx) + ABS (dy) + ABS (dz);
              gssize q[3] = { c[0] + dx, c[1] + dy, c[2] + dz };
              gsize j;

              if (order == 0 || (connectivity == 6 && order > 1) ||
                  (connectivity == 18 && order > 2))
                continue;
              if (q[0] < 0 || q[1] < 0 || q[2] < 0 || q[0] >= (gssize) dims[0] ||
                  q[1] >= (gssize) dims[1] || q[2] >= (gssize) dims[2])
                continue;
              j = idx (dims, q[0], q[1], q[2]);
              if (mask[j] && !reached[j])
                {
                  reached[j] = 1;
                  stack[top++] = j;
                }
            }
    }
}

static void
check_percolation (const guint8 *mask,
                   const gsize   dims[3],
                   int           connectivity)
{
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autoptr(EvoxPercolation) perc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *lo = g_new (guint8, n);
  g_autofree guint8 *hi = g_new (guint8, n);
  g_autofree guint8 *classes = g_new (guint8, n);
  guint64 phase = 0;

  for (gsize i = 0; i < n; i++)
    phase += mask[i] != 0;
  perc = evox_percolation_compute (mask, dims, connectivity, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (perc->phase_voxels, ==, phase);
  for (guint axis = 0; axis < 3; axis++)
    {
      guint64 count[4] = { 0 };

      flood (mask, dims, connectivity, axis, 0, lo);
      flood (mask, dims, connectivity, axis, dims[axis] - 1, hi);
      evox_percolation_get_classes (perc, axis, classes);
      for (gsize i = 0; i < n; i++)
        {
          guint8 expected = !mask[i] ? 0 : lo[i] && hi[i] ? 1 : lo[i] || hi[i] ? 2 : 3;

          g_assert_cmpuint (classes[i], ==, expected);
          count[expected]++;
        }
      for (guint k = 1; k < 4; k++)
        {
          g_assert_cmpuint (perc->voxels[axis][k], ==, count[k]);
          g_assert_cmpfloat (evox_percolation_get_fraction (perc, axis, k), ==,
                             (double) count[k] / phase);
        }
    }
}

/* Classes and shares against a flood fill from each face written here, for 6, 18 and 26
 * neighbours, on random volumes near the percolation threshold (so all three classes occur)
 * and on one a single voxel thick in z (every voxel touches both z faces). */
static void
test_percolation (void)
{
  guint64 state = 1826;
  const gsize dims[3] = { 17, 13, 11 };
  const gsize thin[3] = { 9, 7, 1 };
  const int conn[3] = { 6, 18, 26 };
  const double fill[3] = { 0.35, 0.2, 0.12 };

  for (guint c = 0; c < 3; c++)
    for (guint r = 0; r < 3; r++)
      {
        g_autofree guint8 *mask = random_mask (dims, fill[c] + 0.05 * r, &state);
        g_autofree guint8 *flat = random_mask (thin, 0.5, &state);

        check_percolation (mask, dims, conn[c]);
        check_percolation (flat, thin, conn[c]);
      }
}

static void
test_percolation_refused (void)
{
  const gsize dims[3] = { 3, 3, 3 };
  guint8 mask[27] = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_null (evox_percolation_compute (mask, dims, EVOX_CONNECTIVITY_6, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  mask[4] = 1;
  g_assert_null (evox_percolation_compute (mask, dims, 7, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
}

/* Interface area. */

static guint8 *
ball_volume (double       radius_nm,
             const double spacing[3],
             gsize        dims[3])
{
  guint8 *data;
  double c[3];

  for (guint a = 0; a < 3; a++)
    {
      dims[a] = (gsize) ceil (2 * radius_nm / spacing[a]) + 5;
      c[a] = (dims[a] - 1) / 2.0;
    }
  data = g_new0 (guint8, dims[0] * dims[1] * dims[2]);
  for (gsize z = 0; z < dims[2]; z++)
    for (gsize y = 0; y < dims[1]; y++)
      for (gsize x = 0; x < dims[0]; x++)
        {
          double d = pow ((x - c[0]) * spacing[0], 2) + pow ((y - c[1]) * spacing[1], 2) +
                     pow ((z - c[2]) * spacing[2], 2);

          data[idx (dims, x, y, z)] = d <= radius_nm * radius_nm ? 1 : 0;
        }
  return data;
}

/* A ball (phase 1) in phase 0: the interface is 4 pi r^2 within the Crofton estimate's error
 * on a digital ball (measured -0.34% at r = 20 voxels, -0.42% with 1 x 1 x 2 nm voxels;
 * tolerance 1%), and equals the particle's area from evox_labels_compute to rounding (the same
 * estimator; the ball does not touch the faces). Specific areas divide by the sample's and the
 * phases' volumes. Cut by a plane into phases 0 and 2 outside, the two interfaces add up to the
 * ball's area exactly (every crossing leaves the ball into one of them). */
static void
test_interface_ball (void)
{
  const double spacings[2][3] = { { 1, 1, 1 }, { 1, 1, 2 } };

  for (guint s = 0; s < 2; s++)
    {
      const double *spacing = spacings[s];
      gsize dims[3];
      g_autofree guint8 *data = ball_volume (20.0, spacing, dims);
      const gsize n = dims[0] * dims[1] * dims[2];
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxVolume) volume = NULL;
      g_autoptr(EvoxLabels) labels = NULL;
      EvoxInterfaceArea ia, ib, ic;
      double area = 4.0 * M_PI * 400.0, voxel = spacing[0] * spacing[1] * spacing[2];
      guint64 inside = 0;

      g_assert_true (evox_interface_area (data, dims, spacing, 1, 0, &ia, NULL, NULL, &error));
      g_assert_no_error (error);
      g_test_message ("ball r = 20 nm, spacing %g %g %g: interface %+.3f%% of 4 pi r^2",
                      spacing[0], spacing[1], spacing[2], 100 * (ia.area_nm2 / area - 1));
      g_assert_cmpfloat (fabs (ia.area_nm2 / area - 1), <, 0.01);
      for (gsize i = 0; i < n; i++)
        inside += data[i];
      g_assert_cmpuint (ia.voxels_a, ==, inside);
      g_assert_cmpuint (ia.voxels_b, ==, n - inside);
      g_assert_cmpfloat (fabs (ia.per_volume - ia.area_nm2 / (n * voxel)), <=, 1e-12);
      g_assert_cmpfloat (fabs (ia.per_volume_a - ia.area_nm2 / (inside * voxel)), <=, 1e-12);
      g_assert_cmpfloat (fabs (ia.per_volume_b - ia.area_nm2 / ((n - inside) * voxel)), <=,
                         1e-12);

      volume = evox_volume_new (dims[0], dims[1], dims[2], 1, EVOX_SAMPLE_U8, &error);
      evox_volume_set_spacing (volume, spacing);
      memcpy (evox_volume_get_data_mut (volume, 0), data, n);
      labels = evox_labels_compute (volume, 0, NULL, 1, 1, EVOX_CONNECTIVITY_26, 0, NULL, NULL,
                                    &error);
      g_assert_no_error (error);
      g_assert_cmpfloat (fabs (evox_labels_get_particle (labels, 1)->area_nm2 - ia.area_nm2), <=,
                         1e-9 * ia.area_nm2);

      for (gsize i = 0; i < n; i++)
        if (data[i] == 0 && i % dims[0] >= dims[0] / 2)
          data[i] = 2;
      g_assert_true (evox_interface_area (data, dims, spacing, 0, 1, &ib, NULL, NULL, NULL));
      g_assert_true (evox_interface_area (data, dims, spacing, 2, 1, &ic, NULL, NULL, NULL));
      for (guint d = 0; d < 13; d++)
        g_assert_cmpuint (ib.crossings[d] + ic.crossings[d], ==, ia.crossings[d]);
      g_assert_cmpfloat (fabs (ib.area_nm2 + ic.area_nm2 - ia.area_nm2), <=,
                         1e-9 * ia.area_nm2);
      /* Half the ball each, by symmetry up to the digitisation. */
      g_assert_cmpfloat (fabs (ib.area_nm2 / ic.area_nm2 - 1), <, 0.05);
    }
}

/* The crossings against a count written here on a random three-phase volume; a == b refused. */
static void
test_interface_random (void)
{
  guint64 state = 77;
  const gsize dims[3] = { 9, 8, 7 };
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autofree guint8 *data = g_new (guint8, n);
  EvoxInterfaceArea ia;
  g_autoptr(GError) error = NULL;
  int dirs[13][3];
  double factors[13], area = 0.0;

  for (gsize i = 0; i < n; i++)
    data[i] = (guint8) (evox_test_random (&state) % 3);
  g_assert_true (evox_interface_area (data, dims, (const double[3]) { 1, 2, 3 }, 1, 2, &ia, NULL,
                                      NULL, &error));
  g_assert_no_error (error);
  _evox_crofton_factors ((const double[3]) { 1, 2, 3 }, dirs, factors);
  for (guint d = 0; d < 13; d++)
    {
      guint64 count = 0;

      for (gsize i = 0; i < n; i++)
        {
          gssize q[3] = { (gssize) (i % dims[0]) + dirs[d][0],
                          (gssize) (i / dims[0] % dims[1]) + dirs[d][1],
                          (gssize) (i / (dims[0] * dims[1])) + dirs[d][2] };
          guint8 p, o;

          if (q[0] < 0 || q[1] < 0 || q[2] < 0 || q[0] >= (gssize) dims[0] ||
              q[1] >= (gssize) dims[1] || q[2] >= (gssize) dims[2])
            continue;
          p = data[i];
          o = data[idx (dims, q[0], q[1], q[2])];
          count += (p == 1 && o == 2) || (p == 2 && o == 1);
        }
      g_assert_cmpuint (ia.crossings[d], ==, count);
      area += factors[d] * count;
    }
  g_assert_cmpfloat (fabs (ia.area_nm2 - area), <=, 1e-9 * area);
  g_assert_false (evox_interface_area (data, dims, (const double[3]) { 1, 1, 1 }, 1, 1, &ia, NULL,
                                       NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
}

/* The mesh method on a ball of radius 12 voxels in phase 0: the smoothed surface against
 * 4 pi r^2 and against the Crofton estimate (each within 2 %; the digital ball's own area differs
 * from 4 pi r^2 by a fraction of a percent), the same area whichever phase comes first, a == b
 * refused and a cancelled job stopped. The
 * surfaces of a and of b are one surface here, so S(a or b) (the whole volume) adds nothing. */
static void
test_interface_mesh_ball (void)
{
  const double spacing[3] = { 1, 1, 1 };
  const double area = 4.0 * M_PI * 144.0;
  gsize dims[3];
  g_autofree guint8 *data = ball_volume (12.0, spacing, dims);
  g_autoptr(GError) error = NULL;
  EvoxInterfaceArea mesh, swapped, crofton;

  g_assert_true (evox_interface_area_mesh (data, dims, spacing, 1, 0, &mesh, NULL, NULL,
                                           &error));
  g_assert_no_error (error);
  g_assert_true (evox_interface_area (data, dims, spacing, 1, 0, &crofton, NULL, NULL, NULL));
  g_test_message ("ball r = 12: mesh %+.3f%%, Crofton %+.3f%% of 4 pi r^2",
                  100 * (mesh.area_nm2 / area - 1), 100 * (crofton.area_nm2 / area - 1));
  g_assert_cmpfloat (fabs (mesh.area_nm2 / area - 1), <, 0.02);
  g_assert_cmpfloat (fabs (mesh.area_nm2 / crofton.area_nm2 - 1), <, 0.02);
  g_assert_cmpuint (mesh.voxels_a, ==, crofton.voxels_a);
  g_assert_cmpuint (mesh.voxels_b, ==, crofton.voxels_b);
  g_assert_cmpfloat (fabs (mesh.per_volume_a - crofton.per_volume_a * mesh.area_nm2 /
                           crofton.area_nm2), <=, 1e-12);
  for (guint d = 0; d < 13; d++)
    g_assert_cmpuint (mesh.crossings[d], ==, 0);
  g_assert_true (evox_interface_area_mesh (data, dims, spacing, 0, 1, &swapped, NULL, NULL,
                                           NULL));
  g_assert_cmpfloat (fabs (swapped.area_nm2 - mesh.area_nm2), <=, 0.002 * mesh.area_nm2);

  g_assert_false (evox_interface_area_mesh (data, dims, spacing, 1, 1, &mesh, NULL, NULL,
                                            &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  /* A cancelled job stops with G_IO_ERROR_CANCELLED. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();

    g_cancellable_cancel (cancellable);
    g_assert_false (evox_interface_area_mesh (data, dims, spacing, 1, 0, &mesh, NULL,
                                              cancellable, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
}

/* Slabs across z meeting the faces of the volume at right angles: phase 1 (z < 5) touches phase
 * 2 (5 <= z < 11) in one plane, nx sx by ny sy (exactly 12 x 1 by 10 x 2 nm = 240 nm^2), with
 * phase 0 above (z >= 11) and, in a second volume, without it (phase 2 to the top). The
 * mirrored smoothing keeps every surface flat up to the faces, so the mesh method gets the plane
 * exactly; the faces of the volume count for nothing. Crofton's estimate of a lattice plane is
 * printed beside it. */
static void
test_interface_mesh_slabs (void)
{
  const gsize dims[3] = { 12, 10, 16 };
  const gsize n = dims[0] * dims[1] * dims[2];
  const double spacing[3] = { 1, 2, 3 };
  const double exact = 12 * 1.0 * 10 * 2.0;
  g_autofree guint8 *data = g_new (guint8, n);

  for (guint top = 0; top < 2; top++)
    {
      g_autoptr(GError) error = NULL;
      EvoxInterfaceArea mesh, crofton, other;

      for (gsize i = 0; i < n; i++)
        {
          gsize z = i / (dims[0] * dims[1]);

          data[i] = z < 5 ? 1 : z < 11 || top == 0 ? 2 : 0;
        }
      g_assert_true (evox_interface_area_mesh (data, dims, spacing, 1, 2, &mesh, NULL, NULL,
                                               &error));
      g_assert_no_error (error);
      g_assert_true (evox_interface_area (data, dims, spacing, 1, 2, &crofton, NULL, NULL, NULL));
      g_test_message ("slabs%s: mesh %.9g, Crofton %.9g, exact %g nm^2",
                      top ? " under phase 0" : "", mesh.area_nm2, crofton.area_nm2, exact);
      g_assert_cmpfloat (fabs (mesh.area_nm2 - exact), <=, 1e-6 * exact);
      g_assert_cmpuint (mesh.voxels_a, ==, 12 * 10 * 5);
      g_assert_cmpuint (mesh.voxels_b, ==, 12 * 10 * (top ? 6 : 11));
      g_assert_cmpfloat (fabs (mesh.per_volume - exact / (n * 6.0)), <=, 1e-9 * mesh.per_volume);
      if (top)
        {
          /* Phase 1 and phase 0 do not touch; 2 and 0 meet in a plane as large. */
          g_assert_true (evox_interface_area_mesh (data, dims, spacing, 1, 0, &other, NULL, NULL,
                                                   NULL));
          g_assert_cmpfloat (fabs (other.area_nm2), <=, 1e-6 * exact);
          g_assert_true (evox_interface_area_mesh (data, dims, spacing, 0, 2, &other, NULL, NULL,
                                                   NULL));
          g_assert_cmpfloat (fabs (other.area_nm2 - exact), <=, 1e-6 * exact);
        }
    }
}

/* The real electrode, a 64 x 56 x 48 corner (x < 64, y < 56, z < 48) of electrode.tiff, against
 * numbers made with /usr/bin/python3 (numpy 1.24, scipy 1.10) on tifffile.imread(...)[:48, :56,
 * :64]: percolation from scipy.ndimage.label (6 neighbours) and the labels found on each face;
 * thickness from bench/thickness_ref.py's reference_thickness (phase, 'real'), i.e.
 * scipy.ndimage.distance_transform_edt, the real-ball ridge and numpy painting, its finite values
 * sorted, dq = sorted[ceil (q n / 100) - 1]. */
typedef struct
{
  const char *name;
  guint8      lo;
  guint8      hi;
  guint64     voxels;
  guint64     classes[3][3];   /* x, y, z: both faces, one face, isolated */
  double      mean;
  double      d10;
  double      d50;
  double      d90;
  double      max;
} ElectrodeCase;

static const ElectrodeCase electrode_cases[] = {
  { "pore", 0, 0, 86103, { { 86047, 30, 26 }, { 86047, 24, 32 }, { 86047, 5, 51 } },
    11.7516507, 2.82842708, 12.9614811, 19.5959187, 20.3960781 },
  { "solid", 85, 170, 85929, { { 85735, 20, 174 }, { 85735, 36, 158 }, { 85735, 21, 173 } },
    15.7762442, 2.82842708, 17.2046509, 27.2763634, 27.8567772 },
};

static void
test_electrode (void)
{
  g_autofree char *path = evox_test_data_path ("tomo/electrode.tiff");
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  const gsize crop[3] = { 64, 56, 48 };
  const gsize n = crop[0] * crop[1] * crop[2];
  gsize dims[3];
  const guint8 *data;

  if (path == NULL)
    return;
  volume = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  data = evox_volume_get_data (volume, 0);
  for (guint c = 0; c < G_N_ELEMENTS (electrode_cases); c++)
    {
      const ElectrodeCase *e = &electrode_cases[c];
      g_autofree guint8 *mask = g_new (guint8, n);
      g_autofree float *t = g_new (float, n);
      g_autoptr(EvoxPercolation) perc = NULL;
      EvoxSizeSummary s;

      for (gsize z = 0; z < crop[2]; z++)
        for (gsize y = 0; y < crop[1]; y++)
          for (gsize x = 0; x < crop[0]; x++)
            {
              guint8 v = data[idx (dims, x, y, z)];

              mask[idx (crop, x, y, z)] = v >= e->lo && v <= e->hi;
            }
      perc = evox_percolation_compute (mask, crop, EVOX_CONNECTIVITY_6, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (perc->phase_voxels, ==, e->voxels);
      for (guint axis = 0; axis < 3; axis++)
        for (guint k = 0; k < 3; k++)
          g_assert_cmpuint (perc->voxels[axis][k + 1], ==, e->classes[axis][k]);

      g_assert_true (evox_local_thickness (mask, crop, (const double[3]) { 1, 1, 1 }, t, NULL,
                                           NULL, &error));
      g_assert_no_error (error);
      g_assert_true (evox_size_summary_compute (t, n, &s));
      g_test_message ("%s: mean %.9g d10 %.9g d50 %.9g d90 %.9g max %.9g", e->name, s.mean,
                      s.d10, s.d50, s.d90, s.max);
      g_assert_cmpuint (s.count, ==, e->voxels);
      g_assert_cmpfloat (fabs (s.mean - e->mean), <, 1e-6);
      g_assert_cmpfloat (fabs (s.d10 - e->d10), <, 1e-6);
      g_assert_cmpfloat (fabs (s.d50 - e->d50), <, 1e-6);
      g_assert_cmpfloat (fabs (s.d90 - e->d90), <, 1e-6);
      g_assert_cmpfloat (fabs (s.max - e->max), <, 1e-6);
    }

  /* The mesh method on the same corner against a reference made with /usr/bin/python3 (scipy
   * 1.10, scikit-image 0.19; bench/interface_mesh_ref.py prints it): each mask x 255 smoothed in floats by
   * scipy.ndimage.gaussian_filter (sigma 1, mode 'reflect', truncate 3), contoured at the level
   * keeping its voxel count by skimage.measure.marching_cubes on the grid padded by one mirrored
   * voxel, the triangles clipped to the box [-0.5, n - 0.5] and summed; (S(a) + S(b) -
   * S(a or b)) / 2. Pores/solid 17486.94, pores/active material 4284.06 voxel faces. Evox
   * smooths in bytes (rounded after each axis), which moves the thin carbon-binder's surface
   * (S(pores or active material) here) most: measured -0.06 % and +0.94 %; within 2 %. */
  {
    static const struct { guint8 b_lo, b_hi; double area; } pairs[] = {
      { 85, 170, 17486.941170445596 }, { 85, 85, 4284.0613045946575 },
    };
    g_autofree guint8 *phases = g_new (guint8, n);

    for (guint p = 0; p < G_N_ELEMENTS (pairs); p++)
      {
        EvoxInterfaceArea area;

        for (gsize z = 0; z < crop[2]; z++)
          for (gsize y = 0; y < crop[1]; y++)
            for (gsize x = 0; x < crop[0]; x++)
              {
                guint8 v = data[idx (dims, x, y, z)];

                phases[idx (crop, x, y, z)] = v == 0 ? 1 : v >= pairs[p].b_lo &&
                                                           v <= pairs[p].b_hi ? 2 : 0;
              }
        g_assert_true (evox_interface_area_mesh (phases, crop, (const double[3]) { 1, 1, 1 }, 1,
                                                 2, &area, NULL, NULL, &error));
        g_assert_no_error (error);
        g_test_message ("mesh area pores/%s: %.6g, reference %.6g (%+.3f%%)",
                        p == 0 ? "solid" : "active material", area.area_nm2, pairs[p].area,
                        100 * (area.area_nm2 / pairs[p].area - 1));
        g_assert_cmpfloat (fabs (area.area_nm2 / pairs[p].area - 1), <, 0.02);
      }
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Evox/Metrics/edt", test_edt);
  g_test_add_func ("/Evox/Metrics/thickness-brute", test_thickness_brute);
  g_test_add_func ("/Evox/Metrics/thickness-shapes", test_thickness_shapes);
  g_test_add_func ("/Evox/Metrics/thickness-refused", test_thickness_refused);
  g_test_add_func ("/Evox/Metrics/thickness-cancel", test_thickness_cancel);
  g_test_add_func ("/Evox/Metrics/thickness-volume", test_thickness_volume);
  g_test_add_func ("/Evox/Metrics/thickness-async", test_thickness_async);
  g_test_add_func ("/Evox/Metrics/summary", test_summary);
  g_test_add_func ("/Evox/Metrics/particle-summary", test_particle_summary);
  g_test_add_func ("/Evox/Metrics/percolation", test_percolation);
  g_test_add_func ("/Evox/Metrics/percolation-refused", test_percolation_refused);
  g_test_add_func ("/Evox/Metrics/interface-ball", test_interface_ball);
  g_test_add_func ("/Evox/Metrics/interface-random", test_interface_random);
  g_test_add_func ("/Evox/Metrics/interface-mesh-ball", test_interface_mesh_ball);
  g_test_add_func ("/Evox/Metrics/interface-mesh-slabs", test_interface_mesh_slabs);
  g_test_add_func ("/Evox/Metrics/electrode", test_electrode);

  return g_test_run ();
}
