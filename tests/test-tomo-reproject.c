/* test-tomo-reproject.c: reprojection alignment and the centre search against a 3D
 * Shepp-Logan-like phantom of ellipsoids, projected analytically in this file. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-test-tomo.h"
#include "evox-test-util.h"
#include "evox-tomo.h"
#include "evox-tomo-private.h"
#include "evox-types.h"

#define NX 64
#define NY 40
#define N_ANGLES 90
#define MIDDLE ((NX - 1) / 2.0)
#ifndef NOISE
#define NOISE 0.05
#endif

/* Ellipsoids (a Shepp-Logan-like head, small enough to stay in the field of view with 5 px of
 * jitter and the axis 2 px off the middle): centre (u, w) in the slice plane relative to the
 * axis, y along the axis; semi-axes along u, w, y; a turn about the y axis (radians); the
 * density added. */
static const double ellipsoids[][8] = {
  { 0.0, 0.0, 20.0, 19.0, 15.0, 11.0, 0.0, 1.0 },
  { 0.0, -0.5, 20.0, 17.5, 13.5, 10.0, 0.0, -0.6 },
  { 5.5, 0.0, 20.0, 3.0, 7.0, 6.0, -0.3, -0.2 },
  { -5.5, 0.0, 20.0, 4.0, 8.0, 6.5, 0.3, -0.2 },
  { 0.0, 8.0, 18.0, 5.0, 3.5, 4.0, 0.0, 0.3 },
  { -3.0, -8.0, 23.0, 2.0, 1.5, 2.5, 0.0, 0.4 },
  { 3.0, -7.0, 16.0, 1.5, 2.0, 2.0, 0.0, 0.4 },
};

/* The line integral along the ray of detector position s at angle theta in row v: the ray is the
 * points (u, w) with u cos theta + w sin theta = s (evox-tomo.h's geometry, relative to the axis),
 * so it runs from (s cos, s sin) along (-sin, cos). An ellipsoid's density is d (1 - q), q the
 * squared normalised radius, rather than a constant: with sharp walls the linear interpolation of
 * any sub-pixel shift alone (the true shifts applied back) left FBP 18% from the unjittered one,
 * with this profile 2.9%, so the 5% criterion measures the alignment. Along the ray
 * 1 - q (t) = -(A t^2 + 2 B t + C), whose integral between its roots is 4/3 disc^1.5 / A^2. */
/* A dense pillar off the axis that runs past the bottom of the detector (a sample taller than
 * the field of view): with it the row sums and the centre of mass change with the jitter, which
 * the fast pass assumes they do not. */
static const double pillar[8] = { 12.0, -6.0, 55.0, 7.0, 5.0, 40.0, 0.4, 1.5 };
static gboolean with_pillar;

static double
ray_integral (double theta,
              double s,
              double v)
{
  double ct = cos (theta), st = sin (theta), sum = 0.0;

  for (guint e = 0; e <= G_N_ELEMENTS (ellipsoids); e++)
    {
      if (e == G_N_ELEMENTS (ellipsoids) && !with_pillar)
        break;
      const double *el = e < G_N_ELEMENTS (ellipsoids) ? ellipsoids[e] : pillar;
      double dy = (v - el[2]) / el[5];
      double rest = 1.0 - dy * dy;

      if (rest <= 0.0)
        continue;
      /* Into the ellipsoid's own frame, turned by el[6] about the axis. */
      double cp = cos (el[6]), sp = sin (el[6]);
      double pu = s * ct - el[0], pw = s * st - el[1];
      double du = -st, dw = ct;
      double qu = (pu * cp + pw * sp) / el[3], qw = (-pu * sp + pw * cp) / el[4];
      double eu = (du * cp + dw * sp) / el[3], ew = (-du * sp + dw * cp) / el[4];
      double A = eu * eu + ew * ew, B = eu * qu + ew * qw, C = qu * qu + qw * qw - rest;
      double disc = B * B - A * C;

      if (disc > 0.0)
        sum += el[7] * 4.0 / 3.0 * pow (disc, 1.5) / (A * A);
    }
  return sum;
}

static double
ray_at_axis (double   theta,
             double   u,
             double   v,
             gpointer user_data)
{
  return ray_integral (theta, u - *(const double *) user_data, v);
}

/* The phantom turning about an axis at detector pixel axis, projection a moved by (jx[a], jy[a]):
 * pixel (x, y) sees the phantom at (x - jx, y - jy). */
static EvoxTiltSeries *
phantom_series (double        axis,
                const double *jx,
                const double *jy)
{
  return evox_test_tilt_series_new (NX, NY, N_ANGLES, ray_at_axis, &axis, jx, jy);
}

/* Jitter uniform in +-5 px, without the parts no alignment can see: for x, a cos theta +
 * b sin theta + c (a move of the sample in the slice plane, and the centre), for y the mean (a
 * move along the axis). */
static void
make_jitter (double *jx,
             double *jy)
{
  evox_test_make_jitter (16, 5.0, 5.0, N_ANGLES, jx, jy);
}

/* RMS of (found + truth jitter) after taking out the mean: the shift back is minus the jitter,
 * up to a common offset the centre absorbs. */
static double
shift_error (const double *found,
             const double *jitter)
{
  double mean = 0.0, sum2 = 0.0;

  for (guint a = 0; a < N_ANGLES; a++)
    mean += (found[a] + jitter[a]) / N_ANGLES;
  for (guint a = 0; a < N_ANGLES; a++)
    {
      double d = found[a] + jitter[a] - mean;

      sum2 += d * d;
    }
  return sqrt (sum2 / N_ANGLES);
}

typedef struct
{
  guint         calls;
  guint         level[64];
  double        residual[64];
  double        update[64];
  GCancellable *cancel_at_first;
} Trace;

static void
trace_iteration (guint         level,
                 guint         iteration,
                 double        residual,
                 double        update_rms,
                 const double *dx,
                 const double *dy,
                 gpointer      user_data)
{
  Trace *trace = user_data;

  g_assert_nonnull (dx);
  g_assert_nonnull (dy);
  if (trace->calls < G_N_ELEMENTS (trace->residual))
    {
      trace->level[trace->calls] = level;
      trace->residual[trace->calls] = residual;
      trace->update[trace->calls] = update_rms;
    }
  trace->calls++;
  if (trace->cancel_at_first != NULL)
    g_cancellable_cancel (trace->cancel_at_first);
}

static EvoxVolume *
reconstruct (const EvoxTiltSeries *series,
             double                center)
{
  g_autoptr (GError) error = NULL;
  EvoxReconParams params = { EVOX_RECON_FILTER_SHEPP_LOGAN, center, 0 };
  EvoxVolume *volume = evox_tomo_reconstruct (series, &params, NULL, NULL, &error);

  g_assert_no_error (error);
  return volume;
}

/* The relative RMSE of FBP of the series moved by (dx, dy) against FBP of the series that never
 * jittered. */
static double
aligned_fbp_error (const double *jx,
                   const double *jy,
                   double        center,
                   const double *dx,
                   const double *dy)
{
  g_autoptr (EvoxTiltSeries) still = phantom_series (MIDDLE, NULL, NULL);
  g_autoptr (EvoxTiltSeries) series = phantom_series (MIDDLE, jx, jy);
  double num = 0.0, den = 0.0;

  evox_tomo_shift (series, dx, dy);
  g_autoptr (EvoxVolume) aligned = reconstruct (series, center);
  g_autoptr (EvoxVolume) truth = reconstruct (still, MIDDLE);
  const float *pa = evox_volume_get_data (aligned, 0), *pt = evox_volume_get_data (truth, 0);
  for (gsize i = 0; i < (gsize) NX * NX * NY; i++)
    {
      num += ((double) pa[i] - pt[i]) * ((double) pa[i] - pt[i]);
      den += (double) pt[i] * pt[i];
    }
  return sqrt (num / den);
}

static void
log_trace (const Trace *trace)
{
  for (guint i = 0; i < MIN (trace->calls, G_N_ELEMENTS (trace->residual)); i++)
    g_test_message ("level %u residual %.5f update %.4f", trace->level[i], trace->residual[i],
                    trace->update[i]);
}

/* The recipe: the fast pass, then reprojection from its shifts and centre. */
static void
test_fast_then_reproject (void)
{
  g_autoptr (GError) error = NULL;
  double jx[N_ANGLES], jy[N_ANGLES], dx[N_ANGLES], dy[N_ANGLES];
  double center = NAN, rms = NAN, err_x, err_y, fbp;
  EvoxTomoReprojectOptions options;
  Trace trace = { 0 };

  make_jitter (jx, jy);
  g_autoptr (EvoxTiltSeries) series = phantom_series (MIDDLE, jx, jy);

  g_assert_true (evox_tomo_align_fast (series, dx, dy, &center, &rms, &error));
  g_assert_no_error (error);
  g_test_message ("fast pass: centre %.3f (true %.3f), error x %.3f y %.3f px", center, MIDDLE,
                  shift_error (dx, jx), shift_error (dy, jy));

  evox_tomo_reproject_options_init (&options);
  options.levels = 2;   /* 64 x 40 would be one level; 2 runs the binned one too */
  g_assert_true (evox_tomo_align_reproject (series, &options, center, dx, dy, trace_iteration,
                                            &trace, NULL, NULL, &error));
  g_assert_no_error (error);
  log_trace (&trace);
  err_x = shift_error (dx, jx);
  err_y = shift_error (dy, jy);
  fbp = aligned_fbp_error (jx, jy, center, dx, dy);
  g_test_message ("reprojection: error x %.3f y %.3f px; FBP relative RMSE %.4f", err_x, err_y,
                  fbp);
  g_assert_cmpfloat (sqrt (err_x * err_x + err_y * err_y), <, 0.3);
  g_assert_cmpfloat (fbp, <, 0.05);
}

/* A sample taller than the field of view: the fast pass is off, reprojection corrects it. */
static void
test_tall_sample (void)
{
  g_autoptr (GError) error = NULL;
  double jx[N_ANGLES], jy[N_ANGLES], dx[N_ANGLES], dy[N_ANGLES];
  double center = NAN, rms = NAN, fast_x, fast_y, err_x, err_y, fbp_fast, fbp;
  EvoxTomoReprojectOptions options;

  with_pillar = TRUE;
  make_jitter (jx, jy);
  g_autoptr (EvoxTiltSeries) series = phantom_series (MIDDLE, jx, jy);

  g_assert_true (evox_tomo_align_fast (series, dx, dy, &center, &rms, &error));
  g_assert_no_error (error);
  fast_x = shift_error (dx, jx);
  fast_y = shift_error (dy, jy);
  fbp_fast = aligned_fbp_error (jx, jy, center, dx, dy);

  evox_tomo_reproject_options_init (&options);
  options.levels = 2;
  g_assert_true (evox_tomo_align_reproject (series, &options, center, dx, dy, NULL, NULL, NULL,
                                            NULL, &error));
  g_assert_no_error (error);
  err_x = shift_error (dx, jx);
  err_y = shift_error (dy, jy);
  fbp = aligned_fbp_error (jx, jy, center, dx, dy);
  with_pillar = FALSE;
  g_test_message ("tall sample: centre %.3f; fast pass error x %.3f y %.3f px, FBP %.4f; "
                  "then reprojection x %.3f y %.3f px, FBP %.4f", center, fast_x, fast_y,
                  fbp_fast, err_x, err_y, fbp);
  /* The fast pass alone misses (0.44 px, FBP 7.0% off when written), reprojection gets there
   * (0.04 px, 3.9%). */
  g_assert_cmpfloat (sqrt (fast_x * fast_x + fast_y * fast_y), >, 0.3);
  g_assert_cmpfloat (fbp_fast, >, 0.05);
  g_assert_cmpfloat (sqrt (err_x * err_x + err_y * err_y), <, 0.3);
  g_assert_cmpfloat (fbp, <, 0.05);
}

/* SIRT inside the loop instead of FBP: the same jitter found from no shifts. */
static void
test_reproject_sirt (void)
{
  g_autoptr (GError) error = NULL;
  double jx[N_ANGLES], jy[N_ANGLES], dx[N_ANGLES] = { 0 }, dy[N_ANGLES] = { 0 };
  double err_x, err_y;
  EvoxTomoReprojectOptions options;

  make_jitter (jx, jy);
  g_autoptr (EvoxTiltSeries) series = phantom_series (MIDDLE, jx, jy);

  evox_tomo_reproject_options_init (&options);
  options.levels = 2;
  options.sirt_iterations = 20;
  g_assert_true (evox_tomo_align_reproject (series, &options, MIDDLE, dx, dy, NULL, NULL, NULL,
                                            NULL, &error));
  g_assert_no_error (error);
  err_x = shift_error (dx, jx);
  err_y = shift_error (dy, jy);
  g_test_message ("SIRT: error x %.3f y %.3f px", err_x, err_y);
  g_assert_cmpfloat (sqrt (err_x * err_x + err_y * err_y), <, 0.3);
}

/* Reprojection on its own, from no shifts at all and the true centre: the jitter (up to 5 px)
 * found coarse to fine, the residual falling as it goes. */
static void
test_reproject_from_zero (void)
{
  g_autoptr (GError) error = NULL;
  double jx[N_ANGLES], jy[N_ANGLES], dx[N_ANGLES] = { 0 }, dy[N_ANGLES] = { 0 };
  double err_x, err_y, fbp;
  EvoxTomoReprojectOptions options;
  Trace trace = { 0 };

  make_jitter (jx, jy);
  g_autoptr (EvoxTiltSeries) series = phantom_series (MIDDLE, jx, jy);

  g_autoptr (EvoxProgress) progress = evox_progress_new ();

  evox_tomo_reproject_options_init (&options);
  options.levels = 2;
  options.iterations = 8;
  g_assert_true (evox_tomo_align_reproject (series, &options, MIDDLE, dx, dy, trace_iteration,
                                            &trace, progress, NULL, &error));
  g_assert_cmpfloat_with_epsilon (evox_progress_get_fraction (progress), 1.0, 1e-9);
  g_assert_no_error (error);
  log_trace (&trace);
  err_x = shift_error (dx, jx);
  err_y = shift_error (dy, jy);
  fbp = aligned_fbp_error (jx, jy, MIDDLE, dx, dy);
  g_test_message ("from zero: error x %.3f y %.3f px; FBP relative RMSE %.4f", err_x, err_y, fbp);
  g_assert_cmpfloat (sqrt (err_x * err_x + err_y * err_y), <, 0.3);
  g_assert_cmpfloat (fbp, <, 0.05);

  /* Both levels ran; the residual fell within each, and the update fell under the tolerance
   * at the end. */
  g_assert_cmpuint (trace.calls, >=, 4);
  g_assert_cmpuint (trace.calls, <=, 64);
  g_assert_cmpuint (trace.level[0], ==, 0);
  g_assert_cmpuint (trace.level[trace.calls - 1], ==, 1);
  for (guint i = 1; i < trace.calls; i++)
    if (trace.level[i] == trace.level[i - 1])
      g_assert_cmpfloat (trace.residual[i], <=, trace.residual[i - 1] * 1.02);
  g_assert_cmpfloat (trace.residual[1], <, 0.8 * trace.residual[0]);
  g_assert_cmpfloat (trace.update[trace.calls - 1], <, options.tolerance);
}

/* Axes between whole pixels of the scan (which starts at the middle, 31.5): the whole-pixel step
 * alone would be 0.3 and 0.4 px off, the quarter-pixel step brings both within 0.2. */
static void
test_center_search (void)
{
  const double offsets[] = { -2.3, 1.6 };

  for (guint k = 0; k < G_N_ELEMENTS (offsets); k++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GArray) scan_c = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr (GArray) scan_s = g_array_new (FALSE, FALSE, sizeof (double));
      const double axis = MIDDLE + offsets[k];
      double center = NAN;

      g_autoptr (EvoxTiltSeries) series = phantom_series (axis, NULL, NULL);

      g_assert_true (evox_tomo_center_search (series, MIDDLE, 4.0, 4, &center, scan_c, scan_s,
                                              NULL, &error));
      g_assert_no_error (error);
      g_test_message ("centre %.3f, true %.3f", center, axis);
      g_assert_cmpfloat (fabs (center - axis), <=, 0.2);
      /* 9 whole pixels, then 6 quarter pixels around the best. */
      g_assert_cmpuint (scan_c->len, ==, 15);
      g_assert_cmpuint (scan_s->len, ==, scan_c->len);
      for (guint i = 0; i < 9; i++)
        g_assert_cmpfloat (g_array_index (scan_c, double, i), ==, MIDDLE - 4.0 + i);
      /* The reported centre has the best score of all tried. */
      for (guint i = 0; i < scan_c->len; i++)
        if (g_array_index (scan_c, double, i) == center)
          for (guint j = 0; j < scan_s->len; j++)
            g_assert_cmpfloat (g_array_index (scan_s, double, j), <=,
                               g_array_index (scan_s, double, i));
    }
}

/* Noisy projections (uniform noise of +-NOISE of the largest value: Poisson-like counting noise
 * at a few thousand counts) with the axis on the slice's centre, (NX - 1) / 2, and the scan from
 * a guess 0.3 px off. There linear interpolation smooths the noise least at the true centre and
 * most half a pixel away, so with a filter that keeps the noise (Shepp-Logan) the total variation
 * ranks centres half a pixel off above the true one; the search's Hann window damps the noise
 * enough for the slices' edges to decide. */
static void
test_center_search_noisy (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (16);
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxTiltSeries) series = phantom_series (MIDDLE, NULL, NULL);
  float top = 0.0f;
  double center = NAN;
  gsize n = (gsize) NX * NY * N_ANGLES;
  float *v = evox_tilt_series_row (series, 0, 0);

  for (gsize i = 0; i < n; i++)
    top = MAX (top, v[i]);
  for (gsize i = 0; i < n; i++)
    v[i] += (float) (top * g_rand_double_range (rand, -NOISE, NOISE));
  g_assert_true (evox_tomo_center_search (series, MIDDLE + 0.3, 4.0, 4, &center, NULL, NULL,
                                          NULL, &error));
  g_assert_no_error (error);
  g_test_message ("noisy: centre %.3f, true %.3f", center, MIDDLE);
  g_assert_cmpfloat (fabs (center - MIDDLE), <=, 0.3);
}

static void
test_cancel (void)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  double jx[N_ANGLES], jy[N_ANGLES], dx[N_ANGLES], dy[N_ANGLES], dx0[N_ANGLES], dy0[N_ANGLES];
  EvoxTomoReprojectOptions options;
  Trace trace = { 0 };

  make_jitter (jx, jy);
  g_autoptr (EvoxTiltSeries) series = phantom_series (MIDDLE, jx, jy);
  for (guint a = 0; a < N_ANGLES; a++)
    {
      dx[a] = dx0[a] = -0.5 * jx[a];
      dy[a] = dy0[a] = -0.5 * jy[a];
    }
  evox_tomo_reproject_options_init (&options);
  options.levels = 2;

  /* Cancelled after the first iteration: the shifts it found are not handed out. */
  trace.cancel_at_first = cancellable;
  g_assert_false (evox_tomo_align_reproject (series, &options, MIDDLE, dx, dy, trace_iteration,
                                             &trace, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (trace.calls, ==, 1);
  g_assert_cmpmem (dx, sizeof dx, dx0, sizeof dx0);
  g_assert_cmpmem (dy, sizeof dy, dy0, sizeof dy0);
  g_clear_error (&error);

  /* Cancelled before it starts. */
  g_assert_false (evox_tomo_align_reproject (series, &options, MIDDLE, dx, dy, NULL, NULL, NULL,
                                             cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpmem (dx, sizeof dx, dx0, sizeof dx0);
  g_clear_error (&error);

  double center;
  g_assert_false (evox_tomo_center_search (series, MIDDLE, 2.0, 2, &center, NULL, NULL,
                                           cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_bad_input (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxTiltSeries) series = phantom_series (MIDDLE, NULL, NULL);
  double dx[N_ANGLES] = { 0 }, dy[N_ANGLES] = { 0 }, center;

  g_assert_false (evox_tomo_align_reproject (series, NULL, NX + 3.0, dx, dy, NULL, NULL, NULL,
                                             NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);

  g_assert_false (evox_tomo_center_search (series, 2.0, 4.0, 2, &center, NULL, NULL, NULL,
                                           &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);

  /* An axis at the detector's edge is allowed, though it falls off the binned detectors. */
  EvoxTomoReprojectOptions options;
  evox_tomo_reproject_options_init (&options);
  options.levels = 3;
  options.iterations = 1;
  g_assert_true (evox_tomo_align_reproject (series, &options, 0.2, dx, dy, NULL, NULL, NULL, NULL,
                                            &error));
  g_assert_no_error (error);
  g_assert_true (evox_tomo_align_reproject (series, &options, NX - 1.0, dx, dy, NULL, NULL, NULL,
                                            NULL, &error));
  g_assert_no_error (error);

  series->n_angles = 2;
  g_assert_false (evox_tomo_align_reproject (series, NULL, MIDDLE, dx, dy, NULL, NULL, NULL,
                                             NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (evox_tomo_center_search (series, MIDDLE, 2.0, 2, &center, NULL, NULL, NULL,
                                           &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  series->n_angles = N_ANGLES;
}

/* The block projector against evox_tomo_project_slice slice by slice: random slices (a row count
 * that leaves a partial block), angles over a whole turn and some off the even grid (both ray
 * directions, both signs), the centre off the middle. */
static void
test_project_volume (void)
{
  const guint nx = 37, ny = 21, na = 23;
  const double center = 16.3;
  g_autofree float *volume = g_new (float, (gsize) nx * nx * ny);
  g_autofree float *projections = g_new (float, (gsize) na * ny * nx);
  g_autofree float *sino = g_new (float, (gsize) na * nx);
  double theta[23];
  guint64 state = 7;
  double worst = 0.0, scale = 0.0;

  for (gsize i = 0; i < (gsize) nx * nx * ny; i++)
    volume[i] = (float) evox_test_uniform (&state);
  for (guint a = 0; a < na; a++)
    theta[a] = 2.0 * G_PI * a / na + 0.1 * evox_test_uniform (&state);
  g_assert_true (_evox_tomo_project_volume (volume, nx, ny, na, theta, center, projections,
                                            NULL));
  for (guint y = 0; y < ny; y++)
    {
      evox_tomo_project_slice (volume + (gsize) y * nx * nx, nx, na, theta, center, sino);
      for (guint a = 0; a < na; a++)
        for (guint x = 0; x < nx; x++)
          {
            double want = sino[(gsize) a * nx + x];
            double got = projections[((gsize) a * ny + y) * nx + x];

            worst = MAX (worst, fabs (got - want));
            scale = MAX (scale, fabs (want));
          }
    }
  g_test_message ("largest difference %g of values up to %g", worst, scale);
  g_assert_cmpfloat (scale, >, 1.0);
  g_assert_cmpfloat (worst, <=, 1e-5 * scale);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/TomoReproject/project-volume", test_project_volume);
  g_test_add_func ("/Evox/TomoReproject/fast-then-reproject", test_fast_then_reproject);
  g_test_add_func ("/Evox/TomoReproject/tall-sample", test_tall_sample);
  g_test_add_func ("/Evox/TomoReproject/from-zero", test_reproject_from_zero);
  g_test_add_func ("/Evox/TomoReproject/sirt", test_reproject_sirt);
  g_test_add_func ("/Evox/TomoReproject/center-search", test_center_search);
  g_test_add_func ("/Evox/TomoReproject/center-search-noisy", test_center_search_noisy);
  g_test_add_func ("/Evox/TomoReproject/cancel", test_cancel);
  g_test_add_func ("/Evox/TomoReproject/bad-input", test_bad_input);
  return g_test_run ();
}
