/* test-tomo-pipeline.c: evox_tomo_run on a jittered phantom of balls projected here: the aligned
 * reconstruction against the unjittered one and the analytic densities, the report it fills (the
 * centre, the odd/even FSC rebuilt here), the callbacks, refusals and cancellation. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-fsc.h"
#include "evox-test-tomo.h"
#include "evox-test-util.h"
#include "evox-tomo-pipeline.h"
#include "evox-types.h"

#define NX 64
#define NY 16
#define N_ANGLES 90
#define PIXEL_NM 10.0
/* The rotation axis off the middle ((NX - 1) / 2 = 31.5), so the fit has to find it. */
#define AXIS 30.7

/* Balls: (x, z) in the plane turning about the axis, y along it, radius, density. */
static const EvoxTestBall balls[] = {
  { 8.0, -5.0, 8.0, 5.0, 1.0 },
  { -10.0, 4.0, 7.0, 4.5, 0.7 },
  { 3.0, 12.0, 8.5, 3.5, 1.3 },
};

static double
projection (double   theta,
            double   u,
            double   v,
            gpointer user_data)
{
  return evox_test_balls_projection (balls, G_N_ELEMENTS (balls), AXIS, theta, u, v);
}

/* Projection a moved by (jx[a], jy[a]) pixels (NULL: none). */
static EvoxTiltSeries *
phantom_series (const double *jx,
                const double *jy)
{
  EvoxTiltSeries *series = evox_test_tilt_series_new (NX, NY, N_ANGLES, projection, NULL, jx, jy);

  series->pixel_size_nm = PIXEL_NM;
  return series;
}

/* Jitter of up to 3 pixels across and 1.5 along the axis, with no sinusoid in it (a cos + b sin
 * + c would be taken for the sample's own motion). */
static void
make_jitter (double *jx,
             double *jy)
{
  evox_test_make_jitter (16, 3.0, 1.5, N_ANGLES, jx, jy);
}

static double
relative_rmse (EvoxVolume *got,
               EvoxVolume *want)
{
  const float *g = evox_volume_get_data (got, 0);
  const float *w = evox_volume_get_data (want, 0);
  gsize n = evox_volume_get_n_voxels (got);
  double num = 0.0, den = 0.0;

  g_assert_cmpuint (n, ==, evox_volume_get_n_voxels (want));
  for (gsize i = 0; i < n; i++)
    {
      num += ((double) g[i] - w[i]) * ((double) g[i] - w[i]);
      den += (double) w[i] * w[i];
    }
  return sqrt (num / den);
}

typedef struct
{
  guint  calls;
  guint  last_iterations;
  double last_seconds;
} Calls;

static void
on_report (const EvoxTomoReport *report,
           gpointer              user_data)
{
  Calls *calls = user_data;

  calls->calls++;
  calls->last_iterations = report->iterations->len;
  calls->last_seconds = report->seconds;
}

/* The odd/even FSC, made here from the aligned series: halves of the projections by index
 * parity, each reconstructed by FBP about the report's centre. */
static void
check_fsc (const EvoxTiltSeries  *aligned,
           const EvoxTomoReport  *report)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *half[2] = { NULL, NULL };
  EvoxReconParams params = { EVOX_RECON_FILTER_RAMP, report->center, 0 };
  double frequency[NY / 2], fsc[NY / 2];
  guint n_voxels[NY / 2], total = 0, brute = 0;
  double crossing, resolution;

  g_assert_cmpuint (report->n_shells, ==, MIN (NX, NY) / 2);
  g_assert_true (report->fsc_per_nm);
  for (guint odd = 0; odd < 2; odd++)
    {
      g_autoptr(EvoxTiltSeries) h = evox_tilt_series_new (NX, NY, N_ANGLES / 2, &error);

      g_assert_no_error (error);
      for (guint i = 0; i < N_ANGLES / 2; i++)
        {
          h->theta[i] = aligned->theta[2 * i + odd];
          memcpy (h->data + (gsize) i * NX * NY, aligned->data + (gsize) (2 * i + odd) * NX * NY,
                  NX * NY * sizeof (float));
        }
      h->od = TRUE;
      h->pixel_size_nm = PIXEL_NM;
      half[odd] = evox_tomo_reconstruct (h, &params, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  g_assert_true (evox_fsc (half[0], half[1], 0, NY / 2, frequency, fsc, n_voxels, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < NY / 2; i++)
    {
      /* Shell i's middle: (i + 1/2) of Nyquist (0.5 / 10 nm) over 8 shells, cycles per nm. */
      g_assert_cmpfloat_with_epsilon (report->fsc_frequency[i], (i + 0.5) * 0.05 / (NY / 2),
                                      1e-12);
      g_assert_cmpfloat_with_epsilon (report->fsc[i], fsc[i], 1e-9);
      g_assert_cmpuint (report->fsc_n_voxels[i], ==, n_voxels[i]);
      total += n_voxels[i];
    }
  /* Every Fourier voxel of the 64 x 64 x 16 grid within Nyquist, counted by brute force. */
  for (int z = 0; z < NY; z++)
    for (int y = 0; y < NX; y++)
      for (int x = 0; x < NX; x++)
        {
          double fx = (x <= NX / 2 ? x : x - NX) / (double) NX;
          double fy = (y <= NX / 2 ? y : y - NX) / (double) NX;
          double fz = (z <= NY / 2 ? z : z - NY) / (double) NY;

          brute += sqrt (fx * fx + fy * fy + fz * fz) <= 0.5;
        }
  g_assert_cmpuint (total, ==, brute);
  /* Two noiseless halves agree at low frequency. */
  g_assert_cmpfloat (report->fsc[0], >, 0.9);
  if (evox_fsc_resolution (frequency, fsc, n_voxels, NY / 2, EVOX_FSC_THRESHOLD_HALF_BIT,
                           &crossing, &resolution))
    g_assert_cmpfloat_with_epsilon (report->resolution_half_bit, resolution, 1e-9);
  else
    g_assert_true (isnan (report->resolution_half_bit));
  if (evox_fsc_resolution (frequency, fsc, NULL, NY / 2, EVOX_FSC_THRESHOLD_FIXED,
                           &crossing, &resolution))
    g_assert_cmpfloat_with_epsilon (report->resolution_fixed, resolution, 1e-9);
  else
    g_assert_true (isnan (report->resolution_fixed));
  g_object_unref (half[0]);
  g_object_unref (half[1]);
}

/* Mean of the reconstruction over a ball's middle (within half its radius), which FBP of a
 * noiseless ball gets to a few percent of the density. */
static double
ball_mean (EvoxVolume *volume,
           guint       b)
{
  const float *v = evox_volume_get_data (volume, 0);
  double cx = (NX - 1) / 2.0 + balls[b][0], cy = (NX - 1) / 2.0 + balls[b][1];
  double sum = 0.0, r = balls[b][3] / 2.0;
  guint n = 0;

  for (guint z = 0; z < NY; z++)
    for (guint y = 0; y < NX; y++)
      for (guint x = 0; x < NX; x++)
        {
          double dx = x - cx, dy = y - cy, dz = z - balls[b][2];

          if (dx * dx + dy * dy + dz * dz <= r * r)
            {
              sum += v[((gsize) z * NX + y) * NX + x];
              n++;
            }
        }
  g_assert_cmpuint (n, >, 0);
  /* Values are per nm: line integrals per pixel over the pixel size. */
  return sum / n * PIXEL_NM;
}

static void
test_fast (void)
{
  double jx[N_ANGLES], jy[N_ANGLES];
  g_autoptr(EvoxTiltSeries) series = NULL;
  g_autoptr(EvoxTiltSeries) clean = NULL;  /* the jittered series, moved back exactly */
  g_autoptr(EvoxTomoReport) report = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxVolume) reference = NULL;
  g_autoptr(EvoxProgress) progress = evox_progress_new ();
  g_autoptr(GError) error = NULL;
  EvoxTomoOptions options;
  EvoxReconParams params = { EVOX_RECON_FILTER_RAMP, AXIS, 0 };
  Calls calls = { 0 };
  double rmse;

  make_jitter (jx, jy);
  series = phantom_series (jx, jy);
  clean = phantom_series (jx, jy);
  evox_tomo_options_init (&options);
  volume = evox_tomo_run (series, &options, &report, on_report, &calls, progress, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (volume);
  g_assert_nonnull (report);

  /* The centre: the fit's (within half a pixel of the true axis), or the search's near it. */
  g_assert_cmpfloat (fabs (report->center_fit - AXIS), <, 0.5);
  g_assert_cmpfloat (fabs (report->center - AXIS), <, 0.5);
  g_test_message ("centre %.4f (fit %.4f), %u centres scanned", report->center,
                  report->center_fit, report->center_scan->len / 2);
  if (report->center_scan->len == 0)
    g_assert_cmpfloat (report->center, ==, report->center_fit);
  else
    {
      /* The centre used is the search's: at (or, refined, within a quarter pixel of) the
       * centre it tried with the best score. */
      const double *scan = (const double *) report->center_scan->data;
      double best = -INFINITY, at = NAN;

      for (guint i = 0; i + 1 < report->center_scan->len; i += 2)
        if (scan[i + 1] > best)
          {
            best = scan[i + 1];
            at = scan[i];
          }
      g_assert_cmpfloat (fabs (report->center - at), <=, 0.25);
    }
  g_assert_true (isfinite (report->fast_rms));
  for (guint a = 0; a < N_ANGLES; a++)
    {
      g_assert_cmpfloat (report->dx[a], ==, report->fast_dx[a]);
      g_assert_cmpfloat (report->dy[a], ==, report->fast_dy[a]);
    }

  /* Against the jittered data moved back by the true jitter and reconstructed about the true
   * axis: the shifts the pipeline found are within a few hundredths of a pixel of the jitter,
   * so the volumes agree to a few percent (measured: 1.5 %). Against FBP of the unjittered data
   * the linear interpolation of the shift, which the ramp filter sharpens again at the balls'
   * edges, leaves 15 % whoever finds the shifts. */
  for (guint a = 0; a < N_ANGLES; a++)
    {
      jx[a] = -jx[a];
      jy[a] = -jy[a];
    }
  evox_tomo_shift (clean, jx, jy);
  reference = evox_tomo_reconstruct (clean, &params, NULL, NULL, &error);
  g_assert_no_error (error);
  rmse = relative_rmse (volume, reference);
  g_test_message ("relative RMSE against the truly unjittered FBP: %.4f", rmse);
  g_assert_cmpfloat (rmse, <, 0.05);
  for (guint b = 0; b < G_N_ELEMENTS (balls); b++)
    g_assert_cmpfloat_with_epsilon (ball_mean (volume, b), balls[b][4], 0.1 * balls[b][4]);

  check_fsc (series, report);

  g_assert_cmpuint (calls.calls, >=, 3);
  g_assert_true (isfinite (calls.last_seconds));
  g_assert_cmpfloat (report->seconds, >, 0.0);
  g_assert_cmpfloat_with_epsilon (evox_progress_get_fraction (progress), 1.0, 1e-6);
  g_assert_cmpstr (evox_volume_get_metadata (volume, "tomo_alignment"), ==, "fast");
  g_assert_cmpstr (evox_volume_get_metadata (volume, "tomo_algorithm"), ==, "fbp");
}

/* No alignment and a given centre: the run is the plain reconstruction, and the report says
 * nothing was shifted or searched. */
static void
test_none (void)
{
  g_autoptr(EvoxTiltSeries) series = phantom_series (NULL, NULL);
  g_autoptr(EvoxTomoReport) report = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxVolume) reference = NULL;
  g_autoptr(GError) error = NULL;
  EvoxTomoOptions options;
  EvoxReconParams params = { EVOX_RECON_FILTER_HANN, AXIS, 0 };

  evox_tomo_options_init (&options);
  g_assert_true (evox_tomo_align_parse ("none", &options, &error));
  g_assert_true (evox_tomo_filter_parse ("hann", &options.recon.filter, &error));
  options.center = AXIS;
  options.fsc = FALSE;
  volume = evox_tomo_run (series, &options, &report, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  reference = evox_tomo_reconstruct (series, &params, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (relative_rmse (volume, reference), ==, 0.0);
  g_assert_cmpfloat (report->center, ==, AXIS);
  g_assert_true (isnan (report->center_fit));
  g_assert_true (isnan (report->fast_rms));
  g_assert_cmpuint (report->n_shells, ==, 0);
  g_assert_cmpuint (report->center_scan->len, ==, 0);
  g_assert_cmpuint (report->iterations->len, ==, 0);
  for (guint a = 0; a < N_ANGLES; a++)
    {
      g_assert_cmpfloat (report->dx[a], ==, 0.0);
      g_assert_true (isnan (report->fast_dx[a]));
    }
  g_assert_cmpstr (evox_volume_get_metadata (volume, "tomo_filter"), ==, "hann");
}

/* Reprojection: each iteration in the report and announced by the callback, when the
 * reprojection alignment is there (a placeholder says UNSUPPORTED until it lands). */
static void
test_reproject (void)
{
  double jx[N_ANGLES], jy[N_ANGLES];
  g_autoptr(EvoxTiltSeries) series = NULL;
  g_autoptr(EvoxTomoReport) report = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  EvoxTomoOptions options;
  Calls calls = { 0 };

  make_jitter (jx, jy);
  series = phantom_series (jx, jy);
  evox_tomo_options_init (&options);
  g_assert_true (evox_tomo_align_parse ("reproject:2", &options, &error));
  g_assert_cmpuint (options.reproject.iterations, ==, 2);
  options.fsc = FALSE;
  volume = evox_tomo_run (series, &options, &report, on_report, &calls, NULL, NULL, &error);
  if (g_error_matches (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED))
    {
      g_test_skip ("reprojection alignment not implemented yet");
      return;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (report->iterations->len, >=, 1);
  /* One call per iteration, and at least the fast pass, the centre and the end besides. */
  g_assert_cmpuint (calls.calls, >=, report->iterations->len + 3);
  g_assert_cmpuint (calls.last_iterations, ==, report->iterations->len);
  for (guint i = 0; i < report->iterations->len; i++)
    {
      const EvoxTomoIteration *it = &g_array_index (report->iterations, EvoxTomoIteration, i);

      g_assert_true (isfinite (it->residual) && it->residual >= 0.0);
      g_assert_true (isfinite (it->update_rms) && it->update_rms >= 0.0);
    }
  g_assert_cmpstr (evox_volume_get_metadata (volume, "tomo_alignment"), ==, "reproject");
}

static void
cancel_on_report (const EvoxTomoReport *report,
                  gpointer              user_data)
{
  g_cancellable_cancel (user_data);
}

/* Cancelled from the first report (after the fast pass): the run stops before reconstructing,
 * though the fast pass itself is not cancellable. */
static void
test_cancel_between_steps (void)
{
  g_autoptr(EvoxTiltSeries) series = phantom_series (NULL, NULL);
  g_autoptr(EvoxTomoReport) report = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(EvoxProgress) progress = evox_progress_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *stage = NULL;
  EvoxTomoOptions options;
  EvoxVolume *volume;

  evox_tomo_options_init (&options);
  volume = evox_tomo_run (series, &options, &report, cancel_on_report, cancellable, progress,
                          cancellable, &error);
  g_assert_null (volume);
  g_assert_null (report);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* It stopped in the first stage: the fast pass weighs 0.02 of 2.12 (with the search 0.1,
   * FBP 1 and the FSC 1), under 1 %. */
  stage = evox_progress_dup_stage (progress);
  g_assert_cmpstr (stage, ==, "Aligning (first pass)");
  g_assert_cmpfloat (evox_progress_get_fraction (progress), <=, 0.011);
}

static void
test_refusals (void)
{
  g_autoptr(EvoxTiltSeries) series = phantom_series (NULL, NULL);
  g_autoptr(EvoxTomoReport) report = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  EvoxTomoOptions options;
  EvoxVolume *volume;

  evox_tomo_options_init (&options);
  options.center = NX - 0.5;
  volume = evox_tomo_run (series, &options, &report, NULL, NULL, NULL, NULL, &error);
  g_assert_null (volume);
  g_assert_null (report);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);

  evox_tomo_options_init (&options);
  g_cancellable_cancel (cancellable);
  volume = evox_tomo_run (series, &options, &report, NULL, NULL, NULL, cancellable, &error);
  g_assert_null (volume);
  g_assert_null (report);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  g_assert_false (evox_tomo_align_parse ("reproject:0", &options, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (evox_tomo_algorithm_parse ("art", &options, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (evox_tomo_algorithm_parse ("sirt", &options, &error));
  g_assert_cmpuint (options.recon.sirt_iterations, ==, 50);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/TomoPipeline/fast", test_fast);
  g_test_add_func ("/Evox/TomoPipeline/none", test_none);
  g_test_add_func ("/Evox/TomoPipeline/reproject", test_reproject);
  g_test_add_func ("/Evox/TomoPipeline/cancel-between-steps", test_cancel_between_steps);
  g_test_add_func ("/Evox/TomoPipeline/refusals", test_refusals);
  return g_test_run ();
}
