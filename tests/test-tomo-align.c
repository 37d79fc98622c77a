/* test-tomo-align.c: the fast jitter alignment and the projection shift against an analytic
 * phantom of balls and brute-force interpolation. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-test-tomo.h"
#include "evox-test-util.h"
#include "evox-tomo.h"
#include "evox-types.h"

#define NX 64
#define NY 48
#define N_ANGLES 90
/* The rotation axis off the detector's middle ((NX - 1) / 2 = 31.5), so the fit has to find it. */
#define AXIS 30.7

/* Balls off the rotation axis: (x, z) in the plane turning about the axis, y along it, radius,
 * density. Each stays inside the field of view at every angle with 5 px of jitter. */
static const EvoxTestBall balls[] = {
  { 8.0, -5.0, 20.0, 6.0, 1.0 },
  { -10.0, 4.0, 28.0, 5.0, 0.7 },
  { 3.0, 12.0, 14.0, 4.0, 1.3 },
  { -2.0, -9.0, 33.0, 3.5, 0.9 },
};

static double
phantom_projection (double   theta,
                    double   u,
                    double   v,
                    gpointer user_data)
{
  return evox_test_balls_projection (balls, G_N_ELEMENTS (balls), AXIS, theta, u, v);
}

/* Projections moved by (jx[a], jy[a]): pixel (x, y) sees the phantom at (x - jx, y - jy). */
static EvoxTiltSeries *
phantom_series (const double *jx,
                const double *jy)
{
  return evox_test_tilt_series_new (NX, NY, N_ANGLES, phantom_projection, NULL, jx, jy);
}

static double
mean_of (const double *v,
         guint         n)
{
  double s = 0.0;

  for (guint i = 0; i < n; i++)
    s += v[i];
  return s / n;
}

/* Takes out of v its part in the span of the first k of 1, cos theta, sin theta (modified
 * Gram-Schmidt, independent of the normal equations the library solves). */
static void
remove_span (double *v,
             guint   k)
{
  double basis[3][N_ANGLES];

  for (guint a = 0; a < N_ANGLES; a++)
    {
      basis[0][a] = 1.0;
      basis[1][a] = cos (G_PI * a / N_ANGLES);
      basis[2][a] = sin (G_PI * a / N_ANGLES);
    }
  for (guint b = 0; b < k; b++)
    {
      double norm = 0.0, dot = 0.0;

      for (guint i = 0; i < b; i++)
        {
          double d = 0.0;

          for (guint a = 0; a < N_ANGLES; a++)
            d += basis[i][a] * basis[b][a];
          for (guint a = 0; a < N_ANGLES; a++)
            basis[b][a] -= d * basis[i][a];
        }
      for (guint a = 0; a < N_ANGLES; a++)
        norm += basis[b][a] * basis[b][a];
      norm = sqrt (norm);
      for (guint a = 0; a < N_ANGLES; a++)
        {
          basis[b][a] /= norm;
          dot += basis[b][a] * v[a];
        }
      for (guint a = 0; a < N_ANGLES; a++)
        v[a] -= dot * basis[b][a];
    }
}

static void
raw_jitter (guint64 seed,
            double  amplitude,
            double *j)
{
  guint64 state = seed;

  for (guint a = 0; a < N_ANGLES; a++)
    j[a] = (evox_test_uniform (&state) * 2.0 - 1.0) * amplitude;
}

/* Sub-pixel jitter uniform in [-4, 4] px. A shift of every projection by
 * a cos theta + b sin theta + c is a rigid move of the sample and of the axis, which no alignment
 * can tell from the sample itself (the fit takes it as the sample's path), so for x that part is
 * taken out. For y only the mean is unobservable. Either way the jitter stays within 5 px. */
static void
make_jitter (guint64  seed,
             gboolean horizontal,
             double  *j)
{
  raw_jitter (seed, 4.0, j);
  remove_span (j, horizontal ? 3 : 1);
  for (guint a = 0; a < N_ANGLES; a++)
    g_assert_cmpfloat (fabs (j[a]), <=, 5.0);
}

/* RMS of (a + b) after removing its mean: recovered shifts undo the jitter, so dx = -jx. */
static double
rms_sum_centered (const double *a,
                  const double *b,
                  guint         n)
{
  double m = 0.0;
  double s = 0.0;

  for (guint i = 0; i < n; i++)
    m += a[i] + b[i];
  m /= n;
  for (guint i = 0; i < n; i++)
    s += (a[i] + b[i] - m) * (a[i] + b[i] - m);
  return sqrt (s / n);
}

static double
relative_rms (const EvoxTiltSeries *got,
              const EvoxTiltSeries *want)
{
  gsize n = (gsize) got->nx * got->ny * got->n_angles;
  double num = 0.0;
  double den = 0.0;

  for (gsize i = 0; i < n; i++)
    {
      num += (got->data[i] - want->data[i]) * (double) (got->data[i] - want->data[i]);
      den += want->data[i] * (double) want->data[i];
    }
  return sqrt (num / den);
}

static void
test_align_phantom (void)
{
  g_autoptr(GError) error = NULL;
  double jx[N_ANGLES], jy[N_ANGLES], dx[N_ANGLES], dy[N_ANGLES];
  double center = 0.0, rms = 0.0, jitter_rms = 0.0;
  double err_x, err_y, before, after;
  g_autoptr(EvoxTiltSeries) truth = phantom_series (NULL, NULL);
  g_autoptr(EvoxTiltSeries) series = NULL;

  make_jitter (16, TRUE, jx);
  make_jitter (61, FALSE, jy);
  series = phantom_series (jx, jy);

  g_assert_true (evox_tomo_align_fast (series, dx, dy, &center, &rms, &error));
  g_assert_no_error (error);

  err_x = rms_sum_centered (dx, jx, N_ANGLES);
  err_y = rms_sum_centered (dy, jy, N_ANGLES);
  g_test_message ("shift error rms x %.4f y %.4f px; centre %.4f (true %.1f)", err_x, err_y,
                  center, AXIS);
  g_assert_cmpfloat (err_x, <, 0.3);
  g_assert_cmpfloat (err_y, <, 0.3);
  /* Sub-pixel: whole-pixel lags alone leave about 0.28 px RMS in y on this phantom. */
  g_assert_cmpfloat (err_y, <, 0.1);
  g_assert_cmpfloat (fabs (center - AXIS), <, 0.5);
  /* The vertical shifts are centred: their mean is not observable. */
  g_assert_cmpfloat (fabs (mean_of (dy, N_ANGLES)), <, 1e-9);

  /* The x jitter has no part the fit could take for the sample's path, so the residuals are the
   * jitter itself. */
  for (guint a = 0; a < N_ANGLES; a++)
    jitter_rms += jx[a] * jx[a];
  jitter_rms = sqrt (jitter_rms / N_ANGLES);
  g_test_message ("reported rms %.4f, jitter rms %.4f", rms, jitter_rms);
  g_assert_cmpfloat (fabs (rms - jitter_rms), <, 0.05);

  /* Shifted back, the projections are the unjittered ones but for linear interpolation. */
  before = relative_rms (series, truth);
  evox_tomo_shift (series, dx, dy);
  after = relative_rms (series, truth);
  g_test_message ("relative rms to the unjittered projections: %.4f before, %.4f after",
                  before, after);
  g_assert_cmpfloat (before, >, 0.5);
  g_assert_cmpfloat (after, <, 0.1);
}

/* Jitter as drawn, up to 5 px, with its rigid part left in: the shifts undo it but for that part,
 * which the fit takes as the sample's path (dx + jx lies in the span of 1, cos, sin). */
static void
test_align_raw (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxTiltSeries) series = NULL;
  double jx[N_ANGLES], jy[N_ANGLES], dx[N_ANGLES], dy[N_ANGLES], sum[N_ANGLES];
  double center = 0.0, rms = 0.0, left = 0.0;

  raw_jitter (7, 5.0, jx);
  raw_jitter (8, 5.0, jy);
  series = phantom_series (jx, jy);
  g_assert_true (evox_tomo_align_fast (series, dx, dy, &center, &rms, &error));
  g_assert_no_error (error);
  for (guint a = 0; a < N_ANGLES; a++)
    sum[a] = dx[a] + jx[a];
  remove_span (sum, 3);
  for (guint a = 0; a < N_ANGLES; a++)
    left += sum[a] * sum[a];
  left = sqrt (left / N_ANGLES);
  g_test_message ("x error outside the rigid part %.4f px, y error %.4f px", left,
                  rms_sum_centered (dy, jy, N_ANGLES));
  g_assert_cmpfloat (left, <, 0.3);
  g_assert_cmpfloat (rms_sum_centered (dy, jy, N_ANGLES), <, 0.3);
}

/* Without jitter the shifts vanish and the centre is the axis. */
static void
test_align_still (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxTiltSeries) series = phantom_series (NULL, NULL);
  double dx[N_ANGLES], dy[N_ANGLES];
  double center = 0.0, rms = 1.0;

  g_assert_true (evox_tomo_align_fast (series, dx, dy, &center, &rms, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (fabs (center - AXIS), <, 0.05);
  g_assert_cmpfloat (rms, <, 0.05);
  for (guint a = 0; a < N_ANGLES; a++)
    {
      g_assert_cmpfloat (fabs (dx[a]), <, 0.1);
      g_assert_cmpfloat (fabs (dy[a]), <, 0.1);
    }
}

/* Brute force: bilinear interpolation of a 5 x 4 image written out by hand, edges repeated. */
static double
oracle_sample (const float *img,
               guint        nx,
               guint        ny,
               double       sx,
               double       sy)
{
  double cx = CLAMP (sx, 0.0, nx - 1.0);
  double cy = CLAMP (sy, 0.0, ny - 1.0);
  int x0 = (int) cx, y0 = (int) cy;
  int x1 = x0 + 1 < (int) nx ? x0 + 1 : x0;
  int y1 = y0 + 1 < (int) ny ? y0 + 1 : y0;
  double fx = cx - x0, fy = cy - y0;

  return (1 - fy) * ((1 - fx) * img[y0 * nx + x0] + fx * img[y0 * nx + x1])
         + fy * ((1 - fx) * img[y1 * nx + x0] + fx * img[y1 * nx + x1]);
}

static void
test_shift (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxTiltSeries) series = evox_tilt_series_new (5, 4, 3, &error);
  const double dx[3] = { 0.5, 0.0, 10.0 };
  const double dy[3] = { -0.25, 0.0, -2.0 };
  float orig[3][20];

  g_assert_no_error (error);
  /* Values that are not linear in x and y, so interpolation errors show. */
  for (guint a = 0; a < 3; a++)
    for (guint i = 0; i < 20; i++)
      series->data[a * 20 + i] = orig[a][i] = (float) ((i * 7 + a * 3) % 11) + 0.5f * a;

  evox_tomo_shift (series, dx, dy);
  for (guint a = 0; a < 3; a++)
    for (guint y = 0; y < 4; y++)
      for (guint x = 0; x < 5; x++)
        {
          double want = oracle_sample (orig[a], 5, 4, x - dx[a], y - dy[a]);

          g_assert_cmpfloat_with_epsilon (evox_tilt_series_row (series, a, y)[x], want, 1e-5);
        }
  /* Two hand-checked pixels: projection 0, (1, 0) is halfway between (0, 0.25) and (1, 0.25). */
  g_assert_cmpfloat_with_epsilon (evox_tilt_series_row (series, 0, 0)[1],
                                  0.5 * (0.75 * orig[0][0] + 0.25 * orig[0][5])
                                  + 0.5 * (0.75 * orig[0][1] + 0.25 * orig[0][6]), 1e-5);
  /* Projection 2 moved 10 px right: every pixel repeats column 0. */
  g_assert_cmpfloat_with_epsilon (evox_tilt_series_row (series, 2, 3)[4], orig[2][15], 1e-6);
}

static void
test_bad_input (void)
{
  double dx[N_ANGLES], dy[N_ANGLES], center, rms;

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxTiltSeries) two = evox_tilt_series_new (8, 8, 2, &error);

    g_assert_no_error (error);
    for (gsize i = 0; i < 128; i++)
      two->data[i] = 1.0f;
    two->theta[1] = 1.0;
    g_assert_false (evox_tomo_align_fast (two, dx, dy, &center, &rms, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "at least 3"));
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxTiltSeries) zero = evox_tilt_series_new (8, 8, 10, &error);

    g_assert_no_error (error);
    for (guint a = 0; a < 10; a++)
      zero->theta[a] = G_PI * a / 10;
    g_assert_false (evox_tomo_align_fast (zero, dx, dy, &center, &rms, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "no signal"));
  }
  {
    /* One empty projection among good ones is named. */
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxTiltSeries) series = phantom_series (NULL, NULL);

    for (guint y = 0; y < NY; y++)
      memset (evox_tilt_series_row (series, 7, y), 0, NX * sizeof (float));
    g_assert_false (evox_tomo_align_fast (series, dx, dy, &center, &rms, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "projection 7"));
  }
  {
    /* Three angles at the same place cannot separate cos, sin and the centre. */
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxTiltSeries) same = evox_tilt_series_new (8, 8, 3, &error);

    g_assert_no_error (error);
    for (gsize i = 0; i < 192; i++)
      same->data[i] = 1.0f;
    g_assert_false (evox_tomo_align_fast (same, dx, dy, &center, &rms, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  }
}

/* Shifts between two energies for n angles over a half turn: the sinusoid
 * 2.5 cos + (-1.2) sin + 3.7 and dy = -0.8, plus uniform noise in [-h, h] (seeded). Uniform noise
 * keeps every inlier within h, below 3 robust scales (1.4826 x MAD = 0.74 h), so an inlier is
 * never flagged by chance. */
#define SF_N 90
#define SF_A 2.5
#define SF_B (-1.2)
#define SF_C 3.7
#define SF_DY (-0.8)

static void
make_energy_shifts (double  h,
                    double *theta,
                    double *dx,
                    double *dy)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (16);

  for (guint a = 0; a < SF_N; a++)
    {
      theta[a] = G_PI * a / SF_N;
      dx[a] = SF_A * cos (theta[a]) + SF_B * sin (theta[a]) + SF_C
              + g_rand_double_range (rand, -h, h);
      dy[a] = SF_DY + g_rand_double_range (rand, -h, h);
    }
}

static void
test_shift_fit_exact (void)
{
  double theta[SF_N], dx[SF_N], dy[SF_N];
  gboolean outlier[SF_N];
  EvoxShiftFit fit;
  g_autoptr(GError) error = NULL;

  make_energy_shifts (0.0, theta, dx, dy);
  g_assert_true (evox_tomo_shift_fit (theta, dx, dy, SF_N, 3.0, &fit, outlier, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (fit.a, SF_A, 1e-9);
  g_assert_cmpfloat_with_epsilon (fit.b, SF_B, 1e-9);
  g_assert_cmpfloat_with_epsilon (fit.c, SF_C, 1e-9);
  g_assert_cmpfloat_with_epsilon (fit.dy, SF_DY, 1e-12);
  g_assert_cmpfloat (fit.rms, <, 1e-9);
  g_assert_cmpuint (fit.n_outliers, ==, 0);
  for (guint a = 0; a < SF_N; a++)
    g_assert_false (outlier[a]);
}

static void
test_shift_fit_noise (void)
{
  double theta[SF_N], dx[SF_N], dy[SF_N];
  gboolean outlier[SF_N];
  EvoxShiftFit fit;
  double h = 0.05;
  double sum_r2 = 0.0, dot_cos = 0.0, dot_sin = 0.0, dot_one = 0.0;
  g_autoptr(GError) error = NULL;

  make_energy_shifts (h, theta, dx, dy);
  g_assert_true (evox_tomo_shift_fit (theta, dx, dy, SF_N, 3.0, &fit, outlier, &error));
  g_assert_no_error (error);
  /* Within the noise. */
  g_assert_cmpfloat (fabs (fit.a - SF_A), <, h);
  g_assert_cmpfloat (fabs (fit.b - SF_B), <, h);
  g_assert_cmpfloat (fabs (fit.c - SF_C), <, h);
  g_assert_cmpfloat (fabs (fit.dy - SF_DY), <, h);
  g_assert_cmpuint (fit.n_outliers, ==, 0);
  for (guint a = 0; a < SF_N; a++)
    g_assert_false (outlier[a]);

  /* Least squares, checked by its defining property: the x residuals are orthogonal to cos, sin
   * and 1; the rms is sqrt (mean (rx^2 + ry^2)) recomputed here. Uniform noise has an RMS of
   * h / sqrt (3) per component, so about h sqrt (2/3) = 0.041 for the two together. */
  for (guint a = 0; a < SF_N; a++)
    {
      double rx = dx[a] - (fit.a * cos (theta[a]) + fit.b * sin (theta[a]) + fit.c);
      double ry = dy[a] - fit.dy;

      dot_cos += rx * cos (theta[a]);
      dot_sin += rx * sin (theta[a]);
      dot_one += rx;
      sum_r2 += rx * rx + ry * ry;
    }
  g_assert_cmpfloat (fabs (dot_cos), <, 1e-10);
  g_assert_cmpfloat (fabs (dot_sin), <, 1e-10);
  g_assert_cmpfloat (fabs (dot_one), <, 1e-10);
  g_assert_cmpfloat_with_epsilon (fit.rms, sqrt (sum_r2 / SF_N), 1e-12);
  g_assert_cmpfloat (fit.rms, >, 0.03);
  g_assert_cmpfloat (fit.rms, <, 0.05);
}

static void
test_shift_fit_outliers (void)
{
  double theta[SF_N], dx[SF_N], dy[SF_N];
  gboolean outlier[SF_N];
  EvoxShiftFit fit;
  double h = 0.05;
  g_autoptr(GError) error = NULL;

  make_energy_shifts (h, theta, dx, dy);
  /* Two angles misregistered in x (one each way), one in y, one in both. */
  dx[10] += 4.0;
  dx[47] -= 1.5;
  dy[70] += 3.0;
  dx[88] += 2.0;
  dy[88] -= 2.0;
  g_assert_true (evox_tomo_shift_fit (theta, dx, dy, SF_N, 3.0, &fit, outlier, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fit.n_outliers, ==, 4);
  for (guint a = 0; a < SF_N; a++)
    g_assert_cmpint (outlier[a], ==, a == 10 || a == 47 || a == 70 || a == 88);
  /* The fit without them is back within the noise, and so is its rms. */
  g_assert_cmpfloat (fabs (fit.a - SF_A), <, h);
  g_assert_cmpfloat (fabs (fit.b - SF_B), <, h);
  g_assert_cmpfloat (fabs (fit.c - SF_C), <, h);
  g_assert_cmpfloat (fabs (fit.dy - SF_DY), <, h);
  g_assert_cmpfloat (fit.rms, <, 0.05);
}

static void
test_shift_fit_bad_input (void)
{
  double theta[SF_N], dx[SF_N], dy[SF_N];
  EvoxShiftFit fit;

  make_energy_shifts (0.0, theta, dx, dy);
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (evox_tomo_shift_fit (theta, dx, dy, 3, 3.0, &fit, NULL, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "at least 4"));
  }
  {
    /* Four angles are enough (and need no outlier array): every 30th of the half turn. */
    double t4[4], x4[4], y4[4];
    g_autoptr(GError) error = NULL;

    for (guint i = 0; i < 4; i++)
      {
        t4[i] = theta[i * 29];
        x4[i] = dx[i * 29];
        y4[i] = dy[i * 29];
      }
    g_assert_true (evox_tomo_shift_fit (t4, x4, y4, 4, 0.0, &fit, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpfloat_with_epsilon (fit.c, SF_C, 1e-9);
  }
  {
    /* All at one angle: cos, sin and 1 cannot be told apart. */
    double same[4] = { 0.3, 0.3, 0.3, 0.3 };
    g_autoptr(GError) error = NULL;

    g_assert_false (evox_tomo_shift_fit (same, dx, dy, 4, 3.0, &fit, NULL, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "span"));
  }
  {
    g_autoptr(GError) error = NULL;

    dy[2] = NAN;
    g_assert_false (evox_tomo_shift_fit (theta, dx, dy, SF_N, 3.0, &fit, NULL, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "angle 2"));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/TomoAlign/phantom", test_align_phantom);
  g_test_add_func ("/Evox/TomoAlign/raw", test_align_raw);
  g_test_add_func ("/Evox/TomoAlign/still", test_align_still);
  g_test_add_func ("/Evox/TomoAlign/shift", test_shift);
  g_test_add_func ("/Evox/TomoAlign/bad-input", test_bad_input);
  g_test_add_func ("/Evox/TomoAlign/shift-fit-exact", test_shift_fit_exact);
  g_test_add_func ("/Evox/TomoAlign/shift-fit-noise", test_shift_fit_noise);
  g_test_add_func ("/Evox/TomoAlign/shift-fit-outliers", test_shift_fit_outliers);
  g_test_add_func ("/Evox/TomoAlign/shift-fit-bad-input", test_shift_fit_bad_input);
  return g_test_run ();
}
