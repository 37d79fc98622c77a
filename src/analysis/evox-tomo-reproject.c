/* evox-tomo-reproject.c: reprojection alignment and the sharpness search for the rotation
 * centre. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-tomo.h"

#include <math.h>
#include <string.h>

#include "evox-register.h"
#include "evox-register-private.h"
#include "evox-tomo-private.h"
#include "evox-types.h"

/* How this differs from tomopy's align_seq / align_joint (tomopy/prep/alignment.py): those run
 * all their iterations (10 by default, no tolerance) at full size; each reconstructs (SIRT by
 * default; align_joint one SIRT step per iteration, continued from the last reconstruction),
 * reprojects, fades the edges of both images with a radial ramp, registers each projection with
 * skimage's phase_cross_correlation (whitened, upsample_factor 10) and warps the projection by
 * that update (5th-order spline), so a projection is re-interpolated every iteration. Evox runs
 * the loop coarse to fine on 2^k x 2^k binned series (most of the jitter is found at 1/64 and
 * 1/8 of the cost), takes a fresh FBP each iteration (or SIRT from zero when asked), moves the
 * original projections by the accumulated shifts (one interpolation, whatever the iteration),
 * registers with the Tukey-windowed, upsampled (Guizar-Sicairos) plain correlation of
 * evox-register, keeps the shifts free of the parts the data cannot see (below), and stops a level
 * when the RMS update falls under the tolerance. */

void
evox_tomo_reproject_options_init (EvoxTomoReprojectOptions *options)
{
  memset (options, 0, sizeof *options);
  options->iterations = 5;
  options->tolerance = 0.05;
  options->levels = 0;
  options->upsample = 20;
  options->sirt_iterations = 0;
  options->filter = EVOX_RECON_FILTER_SHEPP_LOGAN;
}

/* Binned sides stay at least this many pixels: phase correlation of smaller images loses the
 * detail that pins a sub-pixel shift. */
#define MIN_BINNED_SIDE 64

static guint
choose_levels (guint nx,
               guint ny)
{
  guint side = MIN (nx, ny);
  guint levels = 1;

  while (side >> levels >= MIN_BINNED_SIDE)
    levels++;
  return levels;
}

/* A copy of the series binned f x f, pixel size cleared so that reconstructions stay in line
 * integrals per pixel and reproject to the projections' own units. */
static EvoxTiltSeries *
bin_series (const EvoxTiltSeries  *series,
            guint                  f,
            GError               **error)
{
  EvoxTiltSeries *out = evox_tilt_series_bin (series, f, error);

  if (out != NULL)
    out->pixel_size_nm = 0.0;
  return out;
}

/* Least squares of v = c0 cos theta + c1 sin theta + c2, subtracted from v. FALSE (v left
 * alone) when the angles do not separate the three terms. */
static gboolean
remove_sinusoid (const double *theta,
                 double       *v,
                 guint         n)
{
  double c[3];

  if (!_evox_tomo_fit_sinusoid (theta, v, NULL, n, c))
    return FALSE;
  for (guint a = 0; a < n; a++)
    v[a] -= c[0] * cos (theta[a]) + c[1] * sin (theta[a]) + c[2];
  return TRUE;
}

static void
remove_mean (double *v,
             guint   n)
{
  double mean = 0.0;

  for (guint a = 0; a < n; a++)
    mean += v[a];
  mean /= n;
  for (guint a = 0; a < n; a++)
    v[a] -= mean;
}

/* ------------------------------------------------------------------------------------------ */
/* The projector for whole volumes. Reprojection took two thirds of an iteration through
 * evox_tomo_project_slice (1.4 ns per sample on one core: one ray's samples are a chain of
 * dependent double additions). The rays and their samples are the same in every slice, so here
 * each sample is taken in BLOCK slices at once from a copy of the block whose pixels hold their
 * BLOCK values side by side: one ray set-up per BLOCK slices, and the inner loop is BLOCK
 * independent multiply-adds on contiguous floats, which the compiler vectorises. */

#define BLOCK 16

/* AVX2 does a block's 16 multiply-adds in two instructions, SSE2 in four. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__has_attribute)
#if __has_attribute (target_clones)
#define PROJECT_CLONES __attribute__ ((target_clones ("avx2", "default")))
#endif
#endif
#ifndef PROJECT_CLONES
#define PROJECT_CLONES
#endif

PROJECT_CLONES static void
project_block (const float  *block,
               guint         nx,
               guint         n_valid,
               guint         ny,
               guint         y0,
               guint         n_angles,
               const double *theta,
               double        center,
               float        *projections)
{
  double c = (nx - 1) / 2.0;

  for (guint a = 0; a < n_angles; a++)
    {
      double ct = cos (theta[a]), st = sin (theta[a]);
      gboolean rows = fabs (ct) >= fabs (st);
      /* Along rows (|cos| >= |sin|), sample k is in row k at x = t0 + k dt and its neighbour is
       * the next pixel of the row; along columns, sample k is in column k at y = t, and its
       * neighbour the next row. The same formulas as evox_tomo_project_slice's rays. */
      double dt = rows ? -st / ct : -ct / st;
      double weight = 1.0 / (rows ? fabs (ct) : fabs (st));
      gsize major = rows ? (gsize) nx * BLOCK : BLOCK;
      gsize minor = rows ? BLOCK : (gsize) nx * BLOCK;

      for (guint x = 0; x < nx; x++)
        {
          double u = x - center;
          double t0 = rows ? c + (u + c * st) / ct : c + (u + c * ct) / st;
          float acc[BLOCK] = { 0 };
          guint k0 = 0, k1 = nx;   /* samples k0 .. k1 - 1 may fall on the grid */

          if (fabs (dt) > 1e-12)
            {
              double ka = (-1.0 - t0) / dt, kb = (nx - t0) / dt;
              double lo = MAX (floor (MIN (ka, kb)), 0.0), hi = MIN (ceil (MAX (ka, kb)) + 1.0, nx);

              k0 = (guint) lo;
              k1 = hi > lo ? (guint) hi : k0;
            }
          for (guint k = k0; k < k1; k++)
            {
              double t = t0 + k * dt;

              if (t <= -1.0 || t >= nx)
                continue;
              double fl = floor (t);
              int i = (int) fl;
              float f = (float) (t - fl), g = 1.0f - f;
              gssize base = (gssize) (k * major) + (gssize) i * (gssize) minor;

              if (i >= 0)
                {
                  const float *p = block + base;

                  for (guint j = 0; j < BLOCK; j++)
                    acc[j] += g * p[j];
                }
              if (i + 1 < (int) nx)
                {
                  const float *q = block + (base + (gssize) minor);

                  for (guint j = 0; j < BLOCK; j++)
                    acc[j] += f * q[j];
                }
            }
          for (guint j = 0; j < n_valid; j++)
            projections[((gsize) a * ny + y0 + j) * nx + x] = (float) (acc[j] * weight);
        }
    }
}

gboolean
_evox_tomo_project_volume (const float   *volume,
                           guint          nx,
                           guint          ny,
                           guint          n_angles,
                           const double  *theta,
                           double         center,
                           float         *projections,
                           GCancellable  *cancellable)
{
  guint n_blocks = (ny + BLOCK - 1) / BLOCK;
  gsize n_pix = (gsize) nx * nx;
  gint stopped = 0;

  g_return_val_if_fail (volume != NULL && theta != NULL && projections != NULL, FALSE);

  if (isnan (center))
    center = (nx - 1) / 2.0;
#pragma omp parallel if (n_blocks > 1)
  {
    g_autofree float *block = g_new (float, n_pix * BLOCK);

#pragma omp for schedule(dynamic, 1)
    for (guint b = 0; b < n_blocks; b++)
      {
        guint y0 = b * BLOCK, n_valid = MIN (BLOCK, ny - y0);

        if (g_atomic_int_get (&stopped) || g_cancellable_is_cancelled (cancellable))
          {
            g_atomic_int_set (&stopped, 1);
            continue;
          }
        for (gsize i = 0; i < n_pix; i++)
          {
            float *dst = block + i * BLOCK;

            for (guint j = 0; j < n_valid; j++)
              dst[j] = volume[(gsize) (y0 + j) * n_pix + i];
            for (guint j = n_valid; j < BLOCK; j++)
              dst[j] = 0.0f;
          }
        project_block (block, nx, n_valid, ny, y0, n_angles, theta, center, projections);
      }
  }
  return !g_atomic_int_get (&stopped);
}

/* One iteration on a (binned) series: shifts a copy by dx, dy, reconstructs it, reprojects every
 * slice, registers each projection to its reprojection and writes the shift that would align it
 * into upd_x, upd_y. residual: the RMS difference between the shifted projections and their
 * reprojections. */
static gboolean
iterate (const EvoxTiltSeries            *binned,
         const EvoxTomoReprojectOptions  *options,
         double                           center,
         const double                    *dx,
         const double                    *dy,
         double                          *upd_x,
         double                          *upd_y,
         double                          *residual,
         EvoxProgress                    *progress,
         GCancellable                    *cancellable,
         GError                         **error)
{
  guint nx = binned->nx, ny = binned->ny, na = binned->n_angles;
  gsize n_proj = (gsize) nx * ny;
  EvoxReconParams params = { options->filter, center, options->sirt_iterations };
  g_autoptr (EvoxTiltSeries) shifted = NULL;
  g_autoptr (EvoxTiltSeries) reproj = NULL;
  g_autoptr (EvoxVolume) volume = NULL;
  const float *vol;
  double sum2 = 0.0;
  gint stopped = 0, done = 0;

  gint64 t0 = g_get_monotonic_time ();
  shifted = evox_tilt_series_new (nx, ny, na, error);
  reproj = shifted != NULL ? evox_tilt_series_new (nx, ny, na, error) : NULL;
  if (reproj == NULL)
    return FALSE;
  memcpy (shifted->data, binned->data, n_proj * na * sizeof (float));
  memcpy (shifted->theta, binned->theta, na * sizeof (double));
  evox_tomo_shift (shifted, dx, dy);

  evox_progress_push (progress, 0.0, 0.6);
  volume = evox_tomo_reconstruct (shifted, &params, progress, cancellable, error);
  evox_progress_pop (progress);
  if (volume == NULL)
    return FALSE;
  vol = evox_volume_get_data (volume, 0);

  gint64 t1 = g_get_monotonic_time ();
  evox_progress_set_stage (progress, "Reprojecting", 0.6, 0.8);
  _evox_tomo_project_volume (vol, nx, ny, na, binned->theta, center, reproj->data, cancellable);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  gint64 t2 = g_get_monotonic_time ();
  evox_progress_set_stage (progress, "Registering projections", 0.8, 1.0);
  done = 0;
  gsize dims[3] = { nx, ny, 1 };
  EvoxRegisterPlan *plan = _evox_register_plan_get (dims);
#pragma omp parallel reduction(+:sum2)
  {
    g_autofree kiss_fft_cpx *fr = g_new (kiss_fft_cpx, _evox_register_spectrum_size (plan));
    g_autofree kiss_fft_cpx *fm = g_new (kiss_fft_cpx, _evox_register_spectrum_size (plan));

#pragma omp for schedule(dynamic, 1)
    for (guint a = 0; a < na; a++)
      {
        const float *p = shifted->data + n_proj * a;
        const float *r = reproj->data + n_proj * a;
        double shift[3] = { 0, 0, 0 };

        upd_x[a] = upd_y[a] = 0.0;
        for (gsize i = 0; i < n_proj; i++)
          sum2 += ((double) p[i] - r[i]) * ((double) p[i] - r[i]);
        if (g_atomic_int_get (&stopped) || g_cancellable_is_cancelled (cancellable))
          {
            g_atomic_int_set (&stopped, 1);
            continue;
          }
        /* The reprojection is the reference: the shift returned moves the projection onto it,
         * the convention of evox_tomo_shift's dx, dy. The correlation is the plain one, its
         * peak found to a pixel and refined by Guizar-Sicairos upsampling, on the edge-windowed
         * spectra: whitened (phase correlation proper), every frequency has the same say, and
         * the reprojection of an FBP differs from the projection mostly at high frequencies
         * (the filter, the interpolation, streaks), so the peak wandered by about 0.1 pixel per
         * iteration and the shifts drifted away from the truth (0.2 pixel RMS after 8
         * iterations on the test's phantom, then of uniform ellipsoids, against 0.02 plain). */
        _evox_register_forward (plan, r, fr, TRUE);
        _evox_register_forward (plan, p, fm, TRUE);
        _evox_register_phase_correlation_spectra (plan, fr, fm, FALSE, options->upsample, shift);
        if (isfinite (shift[0]) && isfinite (shift[1]))
          {
            upd_x[a] = shift[0];
            upd_y[a] = shift[1];
          }
        evox_progress_update (progress, (g_atomic_int_add (&done, 1) + 1.0) / na);
      }
  }
  _evox_register_plan_release (plan);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  *residual = sqrt (sum2 / ((double) n_proj * na));
  g_debug ("reprojection alignment, %u x %u x %u: shift and reconstruction %.3f s, reprojection "
           "%.3f s, registration %.3f s", nx, ny, na, (t1 - t0) / 1e6, (t2 - t1) / 1e6,
           (g_get_monotonic_time () - t2) / 1e6);
  return TRUE;
}

gboolean
evox_tomo_align_reproject (const EvoxTiltSeries            *series,
                           const EvoxTomoReprojectOptions  *options,
                           double                           center,
                           double                          *dx,
                           double                          *dy,
                           EvoxTomoIterationFunc            func,
                           gpointer                         user_data,
                           EvoxProgress                    *progress,
                           GCancellable                    *cancellable,
                           GError                         **error)
{
  EvoxTomoReprojectOptions defaults;
  guint na, levels;
  g_autofree double *wx = NULL;
  g_autofree double *wy = NULL;
  g_autofree double *lx = NULL;
  g_autofree double *ly = NULL;
  g_autofree double *ux = NULL;
  g_autofree double *uy = NULL;
  g_autofree double *fx = NULL;
  g_autofree double *fy = NULL;
  double total_cost = 0.0, done_cost = 0.0;

  g_return_val_if_fail (series != NULL, FALSE);
  g_return_val_if_fail (dx != NULL && dy != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (options == NULL)
    {
      evox_tomo_reproject_options_init (&defaults);
      options = &defaults;
    }
  na = series->n_angles;
  if (na < 3)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "reprojection alignment needs at least 3 projections, the tilt series has %u",
                   na);
      return FALSE;
    }
  if (series->nx < 8 || series->ny < 8)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "reprojection alignment needs projections of at least 8 x 8 pixels, "
                   "they are %u x %u", series->nx, series->ny);
      return FALSE;
    }
  if (!isfinite (center) || center < 0.0 || center > series->nx - 1.0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "rotation centre %g is outside the detector (0 to %u pixels)", center,
                   series->nx - 1);
      return FALSE;
    }
  for (guint a = 0; a < na; a++)
    if (!isfinite (dx[a]) || !isfinite (dy[a]) || !isfinite (series->theta[a]))
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "projection %u has no finite angle or starting shift", a);
        return FALSE;
      }

  levels = options->levels > 0 ? options->levels : choose_levels (series->nx, series->ny);
  /* Never bin below 8 pixels a side, whatever was asked. */
  while (levels > 1 && MIN (series->nx, series->ny) >> (levels - 1) < 8)
    levels--;

  wx = g_memdup2 (dx, na * sizeof (double));
  wy = g_memdup2 (dy, na * sizeof (double));
  lx = g_new (double, na);
  ly = g_new (double, na);
  ux = g_new (double, na);
  uy = g_new (double, na);
  fx = g_new (double, na);
  fy = g_new (double, na);

  /* Progress: a level's iterations cost about its pixel count times its side (FBP and the
   * projector are n^3 per series); each level is given its full count of iterations. */
  for (guint l = 0; l < levels; l++)
    {
      double side = 1.0 / (1u << (levels - 1 - l));

      total_cost += options->iterations * side * side * side;
    }

  for (guint l = 0; l < levels && options->iterations > 0; l++)
    {
      guint f = 1u << (levels - 1 - l);
      double level_cost = 1.0 / ((double) f * f * f);
      g_autoptr (EvoxTiltSeries) binned = NULL;
      /* Binned pixel i covers fine pixels f i .. f i + f - 1, so its centre is at
       * f i + (f - 1) / 2: a fine position x is (x - (f - 1) / 2) / f binned pixels, and a
       * shift scales by 1 / f. */
      double lcenter = (center - (f - 1) / 2.0) / f;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      binned = f > 1 ? bin_series (series, f, error) : NULL;
      if (f > 1 && binned == NULL)
        return FALSE;
      /* An axis within half a block of the detector's edge (or in a remainder the binning
       * dropped) would fall off the binned detector, which the reconstruction refuses. */
      if (f > 1)
        lcenter = CLAMP (lcenter, 0.0, binned->nx - 1.0);
      if (f == 1)
        {
          binned = evox_tilt_series_new (series->nx, series->ny, na, error);
          if (binned == NULL)
            return FALSE;
          memcpy (binned->data, series->data,
                  (gsize) series->nx * series->ny * na * sizeof (float));
          memcpy (binned->theta, series->theta, na * sizeof (double));
          binned->od = series->od;
          binned->pixel_size_nm = 0.0;
        }
      for (guint a = 0; a < na; a++)
        {
          lx[a] = wx[a] / f;
          ly[a] = wy[a] / f;
        }

      for (guint it = 0; it < options->iterations; it++)
        {
          double residual = 0.0, sum2 = 0.0, update_rms;
          double w0 = done_cost / total_cost;
          double w1 = (done_cost + level_cost) / total_cost;

          evox_progress_set_stage (progress, "Reprojection alignment", w0, w1);
          evox_progress_push (progress, w0, w1);
          gboolean ok = iterate (binned, options, lcenter, lx, ly, ux, uy, &residual, progress,
                                 cancellable, error);
          evox_progress_pop (progress);
          if (!ok)
            return FALSE;
          done_cost += level_cost;

          /* What the data cannot tell is kept out of the update. A constant dx moves every
           * projection against the axis, a change of the centre the caller fixed; dx of the
           * form a cos theta + b sin theta moves the sample within the slice plane, which the
           * reconstruction follows, so reprojection sees nothing to correct; a constant dy
           * moves the sample along the axis. Left in, these parts wander from iteration to
           * iteration; taken out, the shifts stay in evox_tomo_align_fast's convention (its
           * dx are residuals of that same fit). */
          if (!remove_sinusoid (binned->theta, ux, na))
            remove_mean (ux, na);
          remove_mean (uy, na);
          for (guint a = 0; a < na; a++)
            {
              lx[a] += ux[a];
              ly[a] += uy[a];
              sum2 += ux[a] * ux[a] + uy[a] * uy[a];
              fx[a] = lx[a] * f;
              fy[a] = ly[a] * f;
            }
          update_rms = sqrt (sum2 / na) * f;
          g_debug ("reprojection alignment: level %u (bin %u) iteration %u: residual %g, "
                   "update %g px", l, f, it, residual, update_rms);
          if (func != NULL)
            func (l, it, residual, update_rms, fx, fy, user_data);
          /* A level binned f x f stops at f times the tolerance: what is finer than its pixels
           * is left to the finer levels, where it costs more but is measured better. */
          if (update_rms < options->tolerance * f)
            break;
        }
      /* The level's shifts in fine pixels, for the next level to start from. */
      for (guint a = 0; a < na; a++)
        {
          wx[a] = lx[a] * f;
          wy[a] = ly[a] * f;
        }
      /* Iterations skipped by the tolerance count as done. */
      done_cost = 0.0;
      for (guint k = 0; k <= l; k++)
        {
          double side = 1.0 / (1u << (levels - 1 - k));

          done_cost += options->iterations * side * side * side;
        }
    }

  /* The stage bounds are those of the last inner stage; the whole job is done. */
  evox_progress_set_stage (progress, "Reprojection alignment", 0.0, 1.0);
  evox_progress_update (progress, 1.0);
  memcpy (dx, wx, na * sizeof (double));
  memcpy (dy, wy, na * sizeof (double));
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* The centre search. */

/* The sharpness of a slice: minus its total variation (the sum of |horizontal difference| +
 * |vertical difference|) inside the inscribed circle. An FBP with the axis off by d draws every
 * point as an arc of half-width d from the half turn's ends, so each edge is doubled and smeared
 * and the total variation grows with |d|; at the right centre the arcs close and it is least.
 * Total variation is chosen over tomopy's entropy of the histogram (find_center, Donath et al.
 * 2006) because it changes smoothly with the centre, which the quarter-pixel step needs, and
 * has no binning to choose. */
static double
slice_sharpness (const float *slice,
                 guint        n)
{
  double c = (n - 1) / 2.0, r = n / 2.0 - 1.0, tv = 0.0;

  for (guint y = 0; y + 1 < n; y++)
    for (guint x = 0; x + 1 < n; x++)
      {
        double ddx = x - c, ddy = y - c;

        if (ddx * ddx + ddy * ddy > r * r)
          continue;
        const float *p = slice + (gsize) y * n + x;
        tv += fabs ((double) p[1] - p[0]) + fabs ((double) p[n] - p[0]);
      }
  return -tv;
}

/* Scores of the centres (n of them) over the chosen rows, each (centre, row) pair one FBP. */
static gboolean
score_centres (const EvoxTiltSeries  *series,
               const guint           *rows,
               guint                  n_rows,
               const double          *centres,
               guint                  n,
               double                *scores,
               GCancellable          *cancellable,
               GError               **error)
{
  guint nx = series->nx, na = series->n_angles;
  gint stopped = 0;

  memset (scores, 0, n * sizeof (double));
#pragma omp parallel if (n * n_rows > 1)
  {
    g_autofree float *sino = g_new (float, (gsize) na * nx);
    g_autofree float *slice = g_new (float, (gsize) nx * nx);

#pragma omp for schedule(dynamic, 1)
    for (guint k = 0; k < n * n_rows; k++)
      {
        guint i = k / n_rows, y = rows[k % n_rows];
        double s;

        if (g_atomic_int_get (&stopped) || g_cancellable_is_cancelled (cancellable))
          {
            g_atomic_int_set (&stopped, 1);
            continue;
          }
        for (guint a = 0; a < na; a++)
          memcpy (sino + (gsize) a * nx, evox_tilt_series_row (series, a, y),
                  nx * sizeof (float));
        /* Hann, not Shepp-Logan: noise adds to the total variation too, and linear
         * interpolation smooths it least where the centre falls on the slice's pixel grid and
         * most half a pixel away, so noise kept up to Nyquist ranked centres by that (0.4 and
         * 0.55 px off on noisy tilt series, 4.3 px in the test with 5 % noise); Hann's window
         * damps it and leaves the edges to decide. */
        evox_tomo_fbp_slice (sino, nx, na, series->theta, centres[i],
                             EVOX_RECON_FILTER_HANN, slice);
        s = slice_sharpness (slice, nx);
#pragma omp atomic
        scores[i] += s;
      }
  }
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

static void
record (GArray *scan_center,
        GArray *scan_score,
        double  c,
        double  s)
{
  if (scan_center != NULL)
    g_array_append_val (scan_center, c);
  if (scan_score != NULL)
    g_array_append_val (scan_score, s);
}

gboolean
evox_tomo_center_search (const EvoxTiltSeries  *series,
                         double                 guess,
                         double                 radius,
                         guint                  n_slices,
                         double                *center,
                         GArray                *scan_center,
                         GArray                *scan_score,
                         GCancellable          *cancellable,
                         GError               **error)
{
  g_autofree guint *rows = NULL;
  g_autofree double *centres = NULL;
  g_autofree double *scores = NULL;
  guint n_whole, n_fine = 0, best = 0;
  gint r;
  double best_centre, best_score;

  g_return_val_if_fail (series != NULL && center != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (series->n_angles < 3)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "the centre search needs at least 3 projections, the tilt series has %u",
                   series->n_angles);
      return FALSE;
    }
  if (!isfinite (guess) || !isfinite (radius) || radius < 0.0 || guess - radius < 0.0
      || guess + radius > series->nx - 1.0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "the centre search over %g +- %g pixels leaves the detector (0 to %u)",
                   guess, radius, series->nx - 1);
      return FALSE;
    }
  for (guint a = 0; a < series->n_angles; a++)
    if (!isfinite (series->theta[a]))
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "projection %u has no finite angle", a);
        return FALSE;
      }

  /* Rows spread evenly over the middle half, where a sample in the field of view has content. */
  n_slices = CLAMP (n_slices, 1, series->ny);
  rows = g_new (guint, n_slices);
  for (guint i = 0; i < n_slices; i++)
    {
      double pos = series->ny / 4.0 + (i + 0.5) * (series->ny / 2.0) / n_slices;

      rows[i] = MIN ((guint) pos, series->ny - 1);
    }

  /* Whole pixels from the guess, then quarter pixels around the best of them (not leaving the
   * detector, not repeating the whole-pixel centre). */
  r = (gint) floor (radius);
  n_whole = 2 * r + 1;
  centres = g_new (double, MAX (n_whole, 6));
  scores = g_new (double, MAX (n_whole, 6));
  for (gint k = -r; k <= r; k++)
    centres[k + r] = guess + k;
  if (!score_centres (series, rows, n_slices, centres, n_whole, scores, cancellable, error))
    return FALSE;
  for (guint i = 0; i < n_whole; i++)
    {
      record (scan_center, scan_score, centres[i], scores[i]);
      if (scores[i] > scores[best])
        best = i;
    }
  best_centre = centres[best];
  best_score = scores[best];

  for (gint q = -3; q <= 3; q++)
    {
      double c = best_centre + 0.25 * q;

      if (q == 0 || c < 0.0 || c > series->nx - 1.0)
        continue;
      centres[n_fine++] = c;
    }
  if (!score_centres (series, rows, n_slices, centres, n_fine, scores, cancellable, error))
    return FALSE;
  for (guint i = 0; i < n_fine; i++)
    {
      record (scan_center, scan_score, centres[i], scores[i]);
      if (scores[i] > best_score)
        {
          best_score = scores[i];
          best_centre = centres[i];
        }
    }
  *center = best_centre;
  return TRUE;
}
