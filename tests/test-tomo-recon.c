/* test-tomo-recon.c: the projector, filtered back-projection and SIRT against analytic disc
 * sinograms, skimage's iradon and brute force; evox_tomo_reconstruct's volume and errors. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-tomo.h"
#include "evox-types.h"

static double *
half_turn (guint n_angles)
{
  double *theta = g_new (double, n_angles);

  for (guint a = 0; a < n_angles; a++)
    theta[a] = G_PI * a / n_angles;
  return theta;
}

/* The analytic sinogram of a disc of radius r and value mu centred (dx, dy) from the slice's
 * centre: the chord 2 mu sqrt (r^2 - s^2), s the ray's distance from the disc's centre. Added. */
static void
disc_sinogram (float        *sinogram,
               guint         nx,
               guint         n_angles,
               const double *theta,
               double        center,
               double        dx,
               double        dy,
               double        r,
               double        mu)
{
  for (guint a = 0; a < n_angles; a++)
    for (guint x = 0; x < nx; x++)
      {
        double s = (x - center) - (dx * cos (theta[a]) + dy * sin (theta[a]));

        sinogram[(gsize) a * nx + x] += (float) (2 * mu * sqrt (MAX (r * r - s * s, 0.0)));
      }
}

/* The disc as pixels: each pixel's value mu times the fraction of its 8 x 8 subsamples inside. */
static float *
disc_slice (guint  nx,
            double dx,
            double dy,
            double r,
            double mu)
{
  float *slice = g_new0 (float, (gsize) nx * nx);
  double c = (nx - 1) / 2.0;

  for (guint y = 0; y < nx; y++)
    for (guint x = 0; x < nx; x++)
      {
        guint inside = 0;

        for (guint j = 0; j < 8; j++)
          for (guint i = 0; i < 8; i++)
            {
              double px = x - 0.5 + (i + 0.5) / 8 - c - dx, py = y - 0.5 + (j + 0.5) / 8 - c - dy;

              inside += px * px + py * py <= r * r;
            }
        slice[(gsize) y * nx + x] = (float) (mu * inside / 64.0);
      }
  return slice;
}

/* The projector of a disc against the analytic chord: away from the edge (|s| < 0.8 r) the
 * pixelised disc's chord is within 1.5 %; the interpolation blurs the edge, so outside r + 2
 * it is zero. */
static void
test_project_disc (void)
{
  const guint nx = 64, n_angles = 3;
  const double theta[] = { 0.0, 0.7, 2.3 }, r = 20, mu = 0.5, c = (nx - 1) / 2.0;
  g_autofree float *slice = disc_slice (nx, 0, 0, r, mu);
  g_autofree float *sinogram = g_new (float, nx * n_angles);

  evox_tomo_project_slice (slice, nx, n_angles, theta, NAN, sinogram);
  for (guint a = 0; a < n_angles; a++)
    for (guint x = 0; x < nx; x++)
      {
        double s = x - c, v = sinogram[a * nx + x];

        if (fabs (s) < 0.8 * r)
          g_assert_cmpfloat_with_epsilon (v, 2 * mu * sqrt (r * r - s * s),
                                          0.015 * 2 * mu * sqrt (r * r - s * s));
        else if (fabs (s) > r + 2)
          g_assert_cmpfloat_with_epsilon (v, 0.0, 1e-6);
      }
}

/* Back-projection is the projector's transpose: <A x, y> = <x, A^T y> for arbitrary x, y. */
static void
test_backproject_adjoint (void)
{
  const guint nx = 20, n_angles = 7;
  g_autofree double *theta = half_turn (n_angles);
  g_autofree float *x = g_new (float, nx * nx);
  g_autofree float *y = g_new (float, nx * n_angles);
  g_autofree float *ax = g_new (float, nx * n_angles);
  g_autofree float *aty = g_new0 (float, nx * nx);
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  double lhs = 0, rhs = 0;

  for (guint i = 0; i < nx * nx; i++)
    x[i] = (float) g_rand_double (rand);
  for (guint i = 0; i < nx * n_angles; i++)
    y[i] = (float) g_rand_double_range (rand, -1, 1);
  evox_tomo_project_slice (x, nx, n_angles, theta, 8.3, ax);
  evox_tomo_backproject_slice (y, nx, n_angles, theta, 8.3, aty);
  for (guint i = 0; i < nx * n_angles; i++)
    lhs += (double) ax[i] * y[i];
  for (guint i = 0; i < nx * nx; i++)
    rhs += (double) x[i] * aty[i];
  g_assert_cmpfloat_with_epsilon (lhs, rhs, 1e-4 * fabs (lhs));
}

/* The projector and back-projector against Joseph's method done by brute force: a ray with
 * |cos theta| >= |sin theta| meets each row y's centre line at p_x = c + (u - (y - c) sin) / cos
 * and takes from every pixel of the row the tent max (0, 1 - |p_x - i|) (linear interpolation,
 * pixels outside the grid zero), times the length per row 1 / |cos|; other rays the same per
 * column. No clipping, no incremental coordinates. Angles include 0, pi / 2, pi / 4 and 3 pi / 4,
 * where rays run along rows, columns and diagonals, and off-centre axes make rays graze the
 * grid's corners or miss it. */
static void
brute_rays (guint         nx,
            guint         n_angles,
            const double *theta,
            double        center,
            const float  *slice,
            float        *sinogram,
            const float  *sino_in,
            double       *slice_out)
{
  double c = (nx - 1) / 2.0;

  for (guint a = 0; a < n_angles; a++)
    for (guint x = 0; x < nx; x++)
      {
        double ct = cos (theta[a]), st = sin (theta[a]), u = x - center, sum = 0.0;
        gboolean by_row = fabs (ct) >= fabs (st);
        double len = 1.0 / (by_row ? fabs (ct) : fabs (st));

        for (guint k = 0; k < nx; k++)
          {
            double t = by_row ? c + (u - (k - c) * st) / ct : c + (u - (k - c) * ct) / st;

            for (guint i = 0; i < nx; i++)
              {
                double w = MAX (0.0, 1.0 - fabs (t - i)) * len;
                gsize j = by_row ? (gsize) k * nx + i : (gsize) i * nx + k;

                if (w == 0.0)
                  continue;
                if (slice != NULL)
                  sum += w * slice[j];
                else
                  slice_out[j] += w * sino_in[(gsize) a * nx + x];
              }
          }
        if (slice != NULL)
          sinogram[(gsize) a * nx + x] = (float) sum;
      }
}

static void
test_project_brute (void)
{
  const guint nx = 37, n_angles = 9;
  const double theta[] = { 0.0, G_PI / 4, G_PI / 2, 0.3, 1.1, 2.0, 2.9, 3 * G_PI / 4, -0.4 };
  const double centers[] = { NAN, 15.3, 21.0, 2.5 };
  g_autofree float *x = g_new (float, nx * nx);
  g_autofree float *y = g_new (float, nx * n_angles);
  g_autofree float *got = g_new (float, nx * n_angles);
  g_autofree float *want = g_new (float, nx * n_angles);
  g_autofree float *got_t = g_new (float, nx * nx);
  g_autofree double *want_t = g_new (double, nx * nx);
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);

  for (guint i = 0; i < nx * nx; i++)
    x[i] = (float) g_rand_double (rand);
  for (guint i = 0; i < nx * n_angles; i++)
    y[i] = (float) g_rand_double_range (rand, -1, 1);
  for (guint k = 0; k < G_N_ELEMENTS (centers); k++)
    {
      double center = isnan (centers[k]) ? (nx - 1) / 2.0 : centers[k];

      evox_tomo_project_slice (x, nx, n_angles, theta, centers[k], got);
      brute_rays (nx, n_angles, theta, center, x, want, NULL, NULL);
      for (guint i = 0; i < nx * n_angles; i++)
        g_assert_cmpfloat_with_epsilon (got[i], want[i], 1e-4 * MAX (1.0, fabs (want[i])));

      memset (got_t, 0, nx * nx * sizeof (float));
      memset (want_t, 0, nx * nx * sizeof (double));
      evox_tomo_backproject_slice (y, nx, n_angles, theta, centers[k], got_t);
      brute_rays (nx, n_angles, theta, center, NULL, NULL, y, want_t);
      for (guint i = 0; i < nx * nx; i++)
        g_assert_cmpfloat_with_epsilon (got_t[i], want_t[i], 1e-4 * MAX (1.0, fabs (want_t[i])));
    }
}

/* FBP of the analytic sinogram of a disc (180 angles over a half turn) recovers mu within 2.5 %
 * more than 3 pixels inside the edge and is ~0 (within 0.03 mu) 3 pixels outside: the sampled
 * chord is not band-limited, so the ramp's ringing is confined to a few pixels around the
 * edge. Every filter keeps the level, as each is |w| near zero frequency. */
static void
test_fbp_disc (void)
{
  const guint nx = 64, n_angles = 180;
  const double r = 20, mu = 0.8, c = (nx - 1) / 2.0;
  g_autofree double *theta = half_turn (n_angles);
  g_autofree float *sinogram = g_new0 (float, nx * n_angles);
  g_autofree float *slice = g_new (float, nx * nx);
  const EvoxReconFilter filters[] = { EVOX_RECON_FILTER_RAMP, EVOX_RECON_FILTER_SHEPP_LOGAN,
                                      EVOX_RECON_FILTER_HANN };

  disc_sinogram (sinogram, nx, n_angles, theta, c, 0, 0, r, mu);
  for (guint f = 0; f < G_N_ELEMENTS (filters); f++)
    {
      evox_tomo_fbp_slice (sinogram, nx, n_angles, theta, NAN, filters[f], slice);
      for (guint y = 0; y < nx; y++)
        for (guint x = 0; x < nx; x++)
          {
            double d = hypot (x - c, y - c), v = slice[y * nx + x];

            if (d < r - 3)
              g_assert_cmpfloat_with_epsilon (v, mu, 0.025 * mu);
            else if (d > r + 3 && d < c)
              g_assert_cmpfloat_with_epsilon (v, 0.0, 0.03 * mu);
          }
    }
}

/* FBP against skimage.transform.iradon (0.19.3): tests/tomo-iradon.py builds the same two-disc
 * sinogram (33 px, 45 angles) and prints these values of iradon's reconstruction, filters ramp
 * and shepp-logan, and for Hann (evox-tomo.h's window, not skimage's) iradon of rows filtered by
 * skimage's ramp times that window. Float against double arithmetic: 2e-4. */
static void
test_fbp_iradon (void)
{
  const guint nx = 33, n_angles = 45;
  const double c = (nx - 1) / 2.0;
  const struct { guint x, y; double v; } ramp[] = {
    { 16, 16, 0.998938 }, { 19, 14, 1.002393 }, { 10, 21, 0.499558 }, { 24, 10, 1.002948 },
    { 2, 2, 0.057259 }, { 16, 26, -0.041523 }, { 12, 16, 1.006179 },
  }, shepp[] = {
    { 16, 16, 1.000837 }, { 19, 14, 0.999298 }, { 10, 21, 0.497769 }, { 24, 10, 0.998606 },
    { 2, 2, 0.058424 }, { 16, 26, -0.031774 }, { 12, 16, 1.014310 },
  }, hann[] = {
    { 16, 16, 1.000717 }, { 19, 14, 0.999966 }, { 10, 21, 0.483247 }, { 24, 10, 0.996144 },
    { 2, 2, 0.063078 }, { 16, 26, -0.001973 }, { 12, 16, 1.020608 },
  };
  g_autofree double *theta = half_turn (n_angles);
  g_autofree float *sinogram = g_new0 (float, nx * n_angles);
  g_autofree float *slice = g_new (float, nx * nx);

  disc_sinogram (sinogram, nx, n_angles, theta, c, 3, -2, 9, 1.0);
  disc_sinogram (sinogram, nx, n_angles, theta, c, -6, 5, 4, 0.5);
  evox_tomo_fbp_slice (sinogram, nx, n_angles, theta, NAN, EVOX_RECON_FILTER_RAMP, slice);
  for (guint i = 0; i < G_N_ELEMENTS (ramp); i++)
    g_assert_cmpfloat_with_epsilon (slice[ramp[i].y * nx + ramp[i].x], ramp[i].v, 2e-4);
  evox_tomo_fbp_slice (sinogram, nx, n_angles, theta, NAN, EVOX_RECON_FILTER_SHEPP_LOGAN,
                       slice);
  for (guint i = 0; i < G_N_ELEMENTS (shepp); i++)
    g_assert_cmpfloat_with_epsilon (slice[shepp[i].y * nx + shepp[i].x], shepp[i].v, 2e-4);
  evox_tomo_fbp_slice (sinogram, nx, n_angles, theta, NAN, EVOX_RECON_FILTER_HANN, slice);
  for (guint i = 0; i < G_N_ELEMENTS (hann); i++)
    g_assert_cmpfloat_with_epsilon (slice[hann[i].y * nx + hann[i].x], hann[i].v, 2e-4);
}

static double
rmse (const float *a,
      const float *b,
      gsize        n)
{
  double s = 0;

  for (gsize i = 0; i < n; i++)
    s += (a[i] - b[i]) * (double) (a[i] - b[i]);
  return sqrt (s / n);
}

/* An axis 5 pixels right of the detector's middle: the disc at (+4, -3) from the slice's centre
 * comes back there (its centroid within 0.1 px), and its RMSE against the pixelised disc is
 * under half that of assuming the axis in the middle. */
static void
test_fbp_center (void)
{
  const guint nx = 48, n_angles = 90;
  const double c = (nx - 1) / 2.0, center = c + 5, r = 8, mu = 1;
  g_autofree double *theta = half_turn (n_angles);
  g_autofree float *sinogram = g_new0 (float, nx * n_angles);
  g_autofree float *slice = g_new (float, nx * nx);
  g_autofree float *truth = disc_slice (nx, 4, -3, r, mu);
  double sum = 0, sx = 0, sy = 0;

  disc_sinogram (sinogram, nx, n_angles, theta, center, 4, -3, r, mu);
  evox_tomo_fbp_slice (sinogram, nx, n_angles, theta, center, EVOX_RECON_FILTER_RAMP, slice);
  for (guint y = 0; y < nx; y++)
    for (guint x = 0; x < nx; x++)
      if (hypot (x - c - 4, y - c + 3) < r + 4)
        {
          sum += slice[y * nx + x];
          sx += x * slice[y * nx + x];
          sy += y * slice[y * nx + x];
        }
  g_assert_cmpfloat_with_epsilon (sx / sum, c + 4, 0.1);
  g_assert_cmpfloat_with_epsilon (sy / sum, c - 3, 0.1);
  g_assert_cmpfloat_with_epsilon (slice[(guint) (c - 3) * nx + (guint) (c + 4)], mu, 0.03);
  double good = rmse (slice, truth, nx * nx);
  evox_tomo_fbp_slice (sinogram, nx, n_angles, theta, NAN, EVOX_RECON_FILTER_RAMP, slice);
  double bad = rmse (slice, truth, nx * nx);
  g_test_message ("RMSE against the disc: axis given %g, axis assumed in the middle %g", good, bad);
  g_assert_cmpfloat (good, <, 0.5 * bad);
}

static EvoxTiltSeries *
disc_series (guint  nx,
             guint  ny,
             guint  n_angles,
             double r,
             double mu_step)
{
  g_autoptr (GError) error = NULL;
  EvoxTiltSeries *series = evox_tilt_series_new (nx, ny, n_angles, &error);
  g_autofree float *sinogram = g_new (float, nx * n_angles);

  g_assert_no_error (error);
  for (guint a = 0; a < n_angles; a++)
    series->theta[a] = G_PI * a / n_angles;
  for (guint y = 0; y < ny; y++)
    {
      memset (sinogram, 0, nx * n_angles * sizeof (float));
      disc_sinogram (sinogram, nx, n_angles, series->theta, (nx - 1) / 2.0, 0, 0, r,
                     mu_step * (y + 1));
      for (guint a = 0; a < n_angles; a++)
        memcpy (evox_tilt_series_row (series, a, y), sinogram + a * nx, nx * sizeof (float));
    }
  return series;
}

/* SIRT on 12 angles of a disc: the residual |b - A x| falls with the iterations, and after 100
 * the RMSE against the pixelised disc is below FBP's (whose streaks fill the slice). */
static void
test_sirt (void)
{
  const guint nx = 32, n_angles = 12, iterations[] = { 2, 10, 100 };
  g_autoptr (EvoxTiltSeries) series = disc_series (nx, 1, n_angles, 9, 1.0);
  g_autofree float *truth = disc_slice (nx, 0, 0, 9, 1.0);
  g_autofree float *ax = g_new (float, nx * n_angles);
  double last = INFINITY, sirt_rmse = 0;

  for (guint k = 0; k < G_N_ELEMENTS (iterations); k++)
    {
      EvoxReconParams params = { EVOX_RECON_FILTER_RAMP, NAN, iterations[k] };
      g_autoptr (GError) error = NULL;
      g_autoptr (EvoxVolume) volume = evox_tomo_reconstruct (series, &params, NULL, NULL, &error);
      const float *x;

      g_assert_no_error (error);
      x = evox_volume_get_data (volume, 0);
      evox_tomo_project_slice (x, nx, n_angles, series->theta, NAN, ax);
      double res = rmse (ax, series->data, nx * n_angles);
      g_assert_cmpfloat (res, <, 0.8 * last);
      last = res;
      sirt_rmse = rmse (x, truth, nx * nx);
    }

  EvoxReconParams params = { EVOX_RECON_FILTER_RAMP, NAN, 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) fbp = evox_tomo_reconstruct (series, &params, NULL, NULL, &error);
  g_assert_no_error (error);
  double fbp_rmse = rmse (evox_volume_get_data (fbp, 0), truth, nx * nx);
  g_test_message ("12 angles: RMSE SIRT %g, FBP %g", sirt_rmse, fbp_rmse);
  g_assert_cmpfloat (sirt_rmse, <, 0.8 * fbp_rmse);
}

/* SIRT's update against the formula by brute force: A as a dense matrix (column j the projection
 * of pixel j alone), then from zero x = max (x + C A^T R (b - A x), 0) in double, R and C the
 * inverse row and column sums; two iterations of evox_tomo_reconstruct match within 1e-4. */
static void
test_sirt_formula (void)
{
  const guint nx = 12, n_angles = 6, n_pix = nx * nx, n_rays = nx * n_angles;
  g_autoptr (EvoxTiltSeries) series = disc_series (nx, 1, n_angles, 4, 1.0);
  g_autofree double *a = g_new0 (double, (gsize) n_rays * n_pix);
  g_autofree float *unit = g_new0 (float, n_pix);
  g_autofree float *column = g_new (float, n_rays);
  g_autofree double *x = g_new0 (double, n_pix);
  g_autofree double *rows = g_new0 (double, n_rays);
  g_autofree double *cols = g_new0 (double, n_pix);
  g_autofree double *res = g_new (double, n_rays);

  /* An off-centre axis and rays far below zero at the first angle, so the clipping (56 of the
   * 144 pixels end at 0) and the weights both act. */
  for (guint i = 0; i < nx / 2; i++)
    series->data[i] -= 30.0f;
  for (guint j = 0; j < n_pix; j++)
    {
      unit[j] = 1.0f;
      evox_tomo_project_slice (unit, nx, n_angles, series->theta, 5.2, column);
      unit[j] = 0.0f;
      for (guint i = 0; i < n_rays; i++)
        {
          a[(gsize) i * n_pix + j] = column[i];
          rows[i] += column[i];
          cols[j] += column[i];
        }
    }
  for (guint k = 0; k < 2; k++)
    {
      for (guint i = 0; i < n_rays; i++)
        {
          double ax = 0;

          for (guint j = 0; j < n_pix; j++)
            ax += a[(gsize) i * n_pix + j] * x[j];
          res[i] = rows[i] > 1e-6 ? (series->data[i] - ax) / rows[i] : 0.0;
        }
      for (guint j = 0; j < n_pix; j++)
        {
          double u = 0;

          for (guint i = 0; i < n_rays; i++)
            u += a[(gsize) i * n_pix + j] * res[i];
          x[j] = MAX (x[j] + (cols[j] > 1e-6 ? u / cols[j] : 0.0), 0.0);
        }
    }

  EvoxReconParams params = { EVOX_RECON_FILTER_RAMP, 5.2, 2 };
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = evox_tomo_reconstruct (series, &params, NULL, NULL, &error);
  g_assert_no_error (error);
  const float *got = evox_volume_get_data (volume, 0);
  for (guint j = 0; j < n_pix; j++)
    g_assert_cmpfloat_with_epsilon (got[j], x[j], 1e-4 * MAX (1.0, fabs (x[j])));
}

/* Three rows of optical density, pixel 10 nm: three slices, spacing 10 nm, and slice z's disc
 * (mu (z + 1) 0.4 per pixel) reads mu / 10 per nm at its centre;
 * not optical density, mu per pixel. */
static void
test_reconstruct_volume (void)
{
  g_autoptr (EvoxTiltSeries) series = disc_series (32, 3, 90, 10, 0.4);
  EvoxReconParams params = { EVOX_RECON_FILTER_SHEPP_LOGAN, NAN, 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxProgress) progress = evox_progress_new ();
  gsize dims[3];
  double spacing[3];

  series->od = TRUE;
  series->pixel_size_nm = 10;
  g_autoptr (EvoxVolume) volume = evox_tomo_reconstruct (series, &params, progress, NULL,
                                                         &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, 32);
  g_assert_cmpuint (dims[1], ==, 32);
  g_assert_cmpuint (dims[2], ==, 3);
  g_assert_cmpint (evox_volume_get_sample_type (volume), ==, EVOX_SAMPLE_F32);
  evox_volume_get_spacing (volume, spacing);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpfloat (spacing[i], ==, 10.0);
  g_assert_true (evox_volume_get_spacing_known (volume));
  for (guint z = 0; z < 3; z++)
    g_assert_cmpfloat_with_epsilon (evox_volume_get_value (volume, 0, 16, 15, z),
                                    0.4 * (z + 1) / 10, 0.03 * 0.4 * (z + 1) / 10);
  g_assert_cmpfloat_with_epsilon (evox_progress_get_fraction (progress), 1.0, 1e-9);
  g_assert_cmpstr (evox_volume_get_quantity (volume), ==, "linear attenuation");
  g_assert_cmpstr (evox_volume_get_unit (volume), ==, "1/nm");

  /* Raw counts (not optical density): per pixel, whatever the pixel size. */
  series->od = FALSE;
  g_autoptr (EvoxVolume) raw = evox_tomo_reconstruct (series, &params, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (evox_volume_get_value (raw, 0, 16, 15, 0), 0.4, 0.03 * 0.4);
}

/* evox_tomo_reconstruct back-projects slices in batches of eight; each slice must equal
 * evox_tomo_fbp_slice of its own sinogram (the single-slice path, computed apart) within 1e-5 of
 * the slice's largest value. 11 rows: one full batch and one of three, so the unused lanes of the
 * short batch must not leak into the slices. Each row is different noise, so a slice written to
 * the wrong place or a lane mixed into another shows; the axis is off the middle and the angles
 * are uneven (a geometry of the pixel, not of the slice) and odd in number (angles go in pairs);
 * optical density of 5 nm pixels checks the scale per nm. */
static void
test_reconstruct_batches (void)
{
  const guint nx = 33, ny = 11, n_angles = 41;
  const EvoxReconFilter filters[] = { EVOX_RECON_FILTER_RAMP, EVOX_RECON_FILTER_HANN };
  const double centers[] = { NAN, 14.6 };
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxTiltSeries) series = evox_tilt_series_new (nx, ny, n_angles, &error);
  g_autoptr (GRand) rand = g_rand_new_with_seed (16);
  g_autofree float *sinogram = g_new (float, nx * n_angles);
  g_autofree float *expected = g_new (float, nx * nx);

  g_assert_no_error (error);
  for (guint a = 0; a < n_angles; a++)
    series->theta[a] = G_PI * (a + 0.3 * sin (a)) / n_angles;
  for (gsize i = 0; i < (gsize) nx * ny * n_angles; i++)
    series->data[i] = (float) g_rand_double (rand);

  for (guint k = 0; k < G_N_ELEMENTS (filters); k++)
    {
      EvoxReconParams params = { filters[k], centers[k], 0 };
      double per = k == 1 ? 5.0 : 1.0;

      series->od = k == 1;
      series->pixel_size_nm = per;
      g_autoptr (EvoxVolume) volume = evox_tomo_reconstruct (series, &params, NULL, NULL, &error);
      g_assert_no_error (error);
      const float *got = evox_volume_get_data (volume, 0);

      for (guint y = 0; y < ny; y++)
        {
          double peak = 0.0, worst = 0.0;

          for (guint a = 0; a < n_angles; a++)
            memcpy (sinogram + a * nx, evox_tilt_series_row (series, a, y), nx * sizeof (float));
          evox_tomo_fbp_slice (sinogram, nx, n_angles, series->theta, centers[k], filters[k],
                               expected);
          for (gsize i = 0; i < (gsize) nx * nx; i++)
            {
              peak = MAX (peak, fabs (expected[i] / per));
              worst = MAX (worst, fabs (got[(gsize) y * nx * nx + i] - expected[i] / per));
            }
          g_assert_cmpfloat (peak, >, 0.0);
          g_assert_cmpfloat (worst, <=, 1e-5 * peak);
        }
    }
}

static void
test_reconstruct_errors (void)
{
  g_autoptr (EvoxTiltSeries) series = disc_series (16, 2, 8, 4, 1.0);
  EvoxReconParams params = { EVOX_RECON_FILTER_RAMP, -0.5, 0 };
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (GError) error = NULL;
      const double centers[] = { -0.5, 15.5, INFINITY };

      params.center = centers[i];
      g_assert_null (evox_tomo_reconstruct (series, &params, NULL, NULL, &error));
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
    }

  g_autoptr (EvoxTiltSeries) one = disc_series (16, 2, 1, 4, 1.0);
  g_autoptr (GError) error = NULL;
  params.center = NAN;
  g_assert_null (evox_tomo_reconstruct (one, &params, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);

  g_cancellable_cancel (cancellable);
  g_assert_null (evox_tomo_reconstruct (series, &params, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Tomo/project-disc", test_project_disc);
  g_test_add_func ("/Evox/Tomo/backproject-adjoint", test_backproject_adjoint);
  g_test_add_func ("/Evox/Tomo/project-brute", test_project_brute);
  g_test_add_func ("/Evox/Tomo/fbp-disc", test_fbp_disc);
  g_test_add_func ("/Evox/Tomo/fbp-iradon", test_fbp_iradon);
  g_test_add_func ("/Evox/Tomo/fbp-center", test_fbp_center);
  g_test_add_func ("/Evox/Tomo/sirt", test_sirt);
  g_test_add_func ("/Evox/Tomo/sirt-formula", test_sirt_formula);
  g_test_add_func ("/Evox/Tomo/reconstruct-volume", test_reconstruct_volume);
  g_test_add_func ("/Evox/Tomo/reconstruct-batches", test_reconstruct_batches);
  g_test_add_func ("/Evox/Tomo/reconstruct-errors", test_reconstruct_errors);
  return g_test_run ();
}
