/* evox-tomo-recon.c: filtered back-projection, the ray projector and its adjoint, SIRT, and the
 * slice-parallel reconstruction of a tilt series into a volume. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <kiss_fft.h>
#include <kiss_fftr.h>

#include "evox-tomo.h"
#include "evox-types.h"

/* The projector samples each ray every half pixel. */
#define RAY_STEP 0.5

static guint
padded_length (guint nx)
{
  /* As skimage's iradon: a power of two, at least twice the row and at least 64, so the
   * circular convolution of the filter does not wrap a row onto itself. */
  guint p = 64;

  while (p < 2 * nx)
    p *= 2;
  return p;
}

/* The filter's response at the p / 2 + 1 non-negative frequencies. The ramp is the Fourier
 * transform of the band-limited ramp's sampled kernel (h[0] = 1/4, h[n odd] = -1 / (pi n)^2,
 * Kak and Slaney 3.3) rather than |w| sampled, because the sampled |w| has no DC term and
 * leaves a constant offset in the slice; it is |w| to within a fraction of a percent elsewhere. */
static void
filter_response (EvoxReconFilter filter,
                 guint           p,
                 kiss_fftr_cfg   fwd,
                 float          *response)
{
  g_autofree kiss_fft_scalar *kernel = g_new0 (kiss_fft_scalar, p);
  g_autofree kiss_fft_cpx *spec = g_new (kiss_fft_cpx, p / 2 + 1);

  kernel[0] = 0.25f;
  for (guint n = 1; n < p / 2; n += 2)
    {
      float v = (float) (-1.0 / (G_PI * n * G_PI * n));

      kernel[n] = v;
      kernel[p - n] = v;
    }
  kiss_fftr (fwd, kernel, spec);
  for (guint k = 0; k <= p / 2; k++)
    {
      /* Twice the kernel's transform: 1 at Nyquist (w = 1/2 cycle per pixel), so 2 |w|. */
      double r = 2.0 * spec[k].r;
      double w = (double) k / p;   /* cycles per pixel, Nyquist 1/2 */

      switch (filter)
        {
        case EVOX_RECON_FILTER_SHEPP_LOGAN:
          if (k > 0)
            r *= sin (G_PI * w) / (G_PI * w);
          break;
        case EVOX_RECON_FILTER_HANN:
          r *= (1.0 + cos (2.0 * G_PI * w)) / 2.0;
          break;
        case EVOX_RECON_FILTER_RAMP:
        default:
          break;
        }
      response[k] = (float) r;
    }
}

/* Linear interpolation of row (nx samples) at t, zero outside [0, nx - 1]. */
static inline float
row_sample (const float *row,
            guint        nx,
            double       t)
{
  if (!(t >= 0.0) || t > nx - 1)
    return 0.0f;
  guint i = (guint) t;
  if (i >= nx - 1)
    return row[nx - 1];
  double f = t - i;
  return (float) ((1.0 - f) * row[i] + f * row[i + 1]);
}

void
evox_tomo_fbp_slice (const float     *sinogram,
                     guint            nx,
                     guint            n_angles,
                     const double    *theta,
                     double           center,
                     EvoxReconFilter  filter,
                     float           *slice)
{
  g_return_if_fail (sinogram != NULL && theta != NULL && slice != NULL && nx > 0);

  guint p = padded_length (nx);
  kiss_fftr_cfg fwd = kiss_fftr_alloc ((int) p, 0, NULL, NULL);
  kiss_fftr_cfg inv = kiss_fftr_alloc ((int) p, 1, NULL, NULL);
  g_autofree float *response = g_new (float, p / 2 + 1);
  g_autofree kiss_fft_scalar *buf = g_new (kiss_fft_scalar, p);
  g_autofree kiss_fft_cpx *spec = g_new (kiss_fft_cpx, p / 2 + 1);
  g_autofree float *filtered = g_new (float, (gsize) n_angles * nx);
  double c = (nx - 1) / 2.0;

  if (isnan (center))
    center = c;
  filter_response (filter, p, fwd, response);
  for (guint a = 0; a < n_angles; a++)
    {
      memset (buf, 0, p * sizeof (kiss_fft_scalar));
      memcpy (buf, sinogram + (gsize) a * nx, nx * sizeof (float));
      kiss_fftr (fwd, buf, spec);
      for (guint k = 0; k <= p / 2; k++)
        {
          spec[k].r *= response[k];
          spec[k].i *= response[k];
        }
      kiss_fftri (inv, spec, buf);
      /* kissfft's inverse is unnormalised. */
      for (guint x = 0; x < nx; x++)
        filtered[(gsize) a * nx + x] = buf[x] / p;
    }
  kiss_fftr_free (fwd);
  kiss_fftr_free (inv);

  /* The filter is 2 |w|, so pi / (2 n_angles) makes the integral over the half turn. */
  double scale = G_PI / (2.0 * n_angles);
  memset (slice, 0, (gsize) nx * nx * sizeof (float));
  for (guint a = 0; a < n_angles; a++)
    {
      double ct = cos (theta[a]), st = sin (theta[a]);
      const float *row = filtered + (gsize) a * nx;

      for (guint y = 0; y < nx; y++)
        {
          double t0 = (y - c) * st - c * ct + center;
          float *out = slice + (gsize) y * nx;

          for (guint x = 0; x < nx; x++)
            out[x] += row_sample (row, nx, t0 + x * ct);
        }
    }
  for (gsize i = 0; i < (gsize) nx * nx; i++)
    slice[i] = (float) (slice[i] * scale);
}

/* One ray's samples: the point at step s of the ray of detector pixel x at angle (ct, st) is
 * (c + u ct - v st, c + u st + v ct), u = x - center, v = s RAY_STEP - half. The projector and
 * its adjoint walk the same samples, so back-projection is the exact transpose of projection.
 * Only samples that touch the grid count, so each ray is clipped to them first. */
static inline guint
ray_n_steps (guint nx)
{
  /* Enough to cross the grid's diagonal from any detector offset. */
  return (guint) ceil (nx * G_SQRT2 / RAY_STEP) + 2;
}

/* Intersects [*lo, *hi] (in steps s) with the steps where lo_px < p0 + s dp < hi_px. */
static void
clip_steps (double  p0,
            double  dp,
            double  lo_px,
            double  hi_px,
            double *lo,
            double *hi)
{
  if (fabs (dp) < 1e-12)
    {
      if (!(p0 > lo_px && p0 < hi_px))
        *hi = *lo - 1.0;
      return;
    }
  double s1 = (lo_px - p0) / dp, s2 = (hi_px - p0) / dp;

  *lo = MAX (*lo, MIN (s1, s2));
  *hi = MIN (*hi, MAX (s1, s2));
}

/* A ray clipped: its first sample point and step, the steps [s0, s1] that may touch the grid
 * (bounds checked per sample) and within them [i0, i1] whose four bilinear neighbours are all in
 * the grid (no checks; empty when i0 > i1). Both are widened or narrowed by a whole step beyond
 * the exact bounds so rounding cannot drop a sample or let one read outside. */
typedef struct
{
  double px, py, dx, dy;
  int    s0, s1, i0, i1;
} Ray;

static void
ray_clip (guint   nx,
          guint   n_steps,
          double  half,
          double  ct,
          double  st,
          double  u,
          double  c,
          Ray    *ray)
{
  ray->px = c + u * ct + half * st;
  ray->py = c + u * st - half * ct;
  ray->dx = -RAY_STEP * st;
  ray->dy = RAY_STEP * ct;

  double lo = 0.0, hi = n_steps - 1.0;
  clip_steps (ray->px, ray->dx, -1.0, nx, &lo, &hi);
  clip_steps (ray->py, ray->dy, -1.0, nx, &lo, &hi);
  if (lo > hi)
    {
      ray->s0 = 1;
      ray->s1 = 0;
    }
  else
    {
      ray->s0 = (int) MAX (floor (lo) - 1.0, 0.0);
      ray->s1 = (int) MIN (ceil (hi) + 1.0, n_steps - 1.0);
    }

  lo = 0.0;
  hi = n_steps - 1.0;
  clip_steps (ray->px, ray->dx, 0.0, nx - 1.0, &lo, &hi);
  clip_steps (ray->py, ray->dy, 0.0, nx - 1.0, &lo, &hi);
  ray->i0 = (int) ceil (lo) + 1;
  ray->i1 = (int) floor (hi) - 1;
  if (ray->i0 > ray->i1 || ray->s0 > ray->s1)
    {
      ray->i0 = ray->s1 + 1;
      ray->i1 = ray->s1;
    }
  ray->i0 = MAX (ray->i0, ray->s0);
  ray->i1 = MIN (ray->i1, ray->s1);
}

/* One sample near the grid's edge: pixels outside the grid are zero. */
static inline double
sample_checked (const float *slice,
                guint        nx,
                double       px,
                double       py)
{
  if (px <= -1.0 || py <= -1.0 || px >= nx || py >= nx)
    return 0.0;
  double fx = floor (px), fy = floor (py);
  int ix = (int) fx, iy = (int) fy;
  double wx = px - fx, wy = py - fy, sum = 0.0;

  if (iy >= 0 && ix >= 0)
    sum += (1 - wx) * (1 - wy) * slice[(gsize) iy * nx + ix];
  if (iy >= 0 && ix + 1 < (int) nx)
    sum += wx * (1 - wy) * slice[(gsize) iy * nx + ix + 1];
  if (iy + 1 < (int) nx && ix >= 0)
    sum += (1 - wx) * wy * slice[(gsize) (iy + 1) * nx + ix];
  if (iy + 1 < (int) nx && ix + 1 < (int) nx)
    sum += wx * wy * slice[(gsize) (iy + 1) * nx + ix + 1];
  return sum;
}

static inline void
spread_checked (float  *slice,
                guint   nx,
                double  px,
                double  py,
                double  b)
{
  if (px <= -1.0 || py <= -1.0 || px >= nx || py >= nx)
    return;
  double fx = floor (px), fy = floor (py);
  int ix = (int) fx, iy = (int) fy;
  double wx = px - fx, wy = py - fy;

  if (iy >= 0 && ix >= 0)
    slice[(gsize) iy * nx + ix] += (float) ((1 - wx) * (1 - wy) * b);
  if (iy >= 0 && ix + 1 < (int) nx)
    slice[(gsize) iy * nx + ix + 1] += (float) (wx * (1 - wy) * b);
  if (iy + 1 < (int) nx && ix >= 0)
    slice[(gsize) (iy + 1) * nx + ix] += (float) ((1 - wx) * wy * b);
  if (iy + 1 < (int) nx && ix + 1 < (int) nx)
    slice[(gsize) (iy + 1) * nx + ix + 1] += (float) (wx * wy * b);
}

static double
ray_sum (const float *slice,
         guint        nx,
         const Ray   *ray)
{
  double sum = 0.0;
  int s;

  for (s = ray->s0; s < ray->i0; s++)
    sum += sample_checked (slice, nx, ray->px + s * ray->dx, ray->py + s * ray->dy);
  for (; s <= ray->i1; s++)
    {
      /* Inside the grid: coordinates are positive, so truncation is floor. */
      double px = ray->px + s * ray->dx, py = ray->py + s * ray->dy;
      int ix = (int) px, iy = (int) py;
      double wx = px - ix, wy = py - iy;
      const float *p = slice + (gsize) iy * nx + ix;

      sum += (1 - wy) * ((1 - wx) * p[0] + wx * p[1]) + wy * ((1 - wx) * p[nx] + wx * p[nx + 1]);
    }
  for (; s <= ray->s1; s++)
    sum += sample_checked (slice, nx, ray->px + s * ray->dx, ray->py + s * ray->dy);
  return sum;
}

static void
ray_spread (float     *slice,
            guint      nx,
            const Ray *ray,
            double     b)
{
  int s;

  for (s = ray->s0; s < ray->i0; s++)
    spread_checked (slice, nx, ray->px + s * ray->dx, ray->py + s * ray->dy, b);
  for (; s <= ray->i1; s++)
    {
      double px = ray->px + s * ray->dx, py = ray->py + s * ray->dy;
      int ix = (int) px, iy = (int) py;
      double wx = px - ix, wy = py - iy;
      float *p = slice + (gsize) iy * nx + ix;

      p[0] += (float) ((1 - wx) * (1 - wy) * b);
      p[1] += (float) (wx * (1 - wy) * b);
      p[nx] += (float) ((1 - wx) * wy * b);
      p[nx + 1] += (float) (wx * wy * b);
    }
  for (; s <= ray->s1; s++)
    spread_checked (slice, nx, ray->px + s * ray->dx, ray->py + s * ray->dy, b);
}

void
evox_tomo_project_slice (const float  *slice,
                         guint         nx,
                         guint         n_angles,
                         const double *theta,
                         double        center,
                         float        *sinogram)
{
  g_return_if_fail (slice != NULL && theta != NULL && sinogram != NULL && nx > 0);

  double c = (nx - 1) / 2.0;
  guint n_steps = ray_n_steps (nx);
  double half = (n_steps - 1) * RAY_STEP / 2.0;

  if (isnan (center))
    center = c;
  /* Angles are independent; inside evox_tomo_reconstruct's slice loop this runs on one thread. */
#pragma omp parallel for schedule(static) if (n_angles > 1)
  for (guint a = 0; a < n_angles; a++)
    {
      double ct = cos (theta[a]), st = sin (theta[a]);

      for (guint x = 0; x < nx; x++)
        {
          Ray ray;

          ray_clip (nx, n_steps, half, ct, st, x - center, c, &ray);
          sinogram[(gsize) a * nx + x] = (float) (ray_sum (slice, nx, &ray) * RAY_STEP);
        }
    }
}

void
evox_tomo_backproject_slice (const float  *sinogram,
                             guint         nx,
                             guint         n_angles,
                             const double *theta,
                             double        center,
                             float        *slice)
{
  g_return_if_fail (slice != NULL && theta != NULL && sinogram != NULL && nx > 0);

  double c = (nx - 1) / 2.0;
  guint n_steps = ray_n_steps (nx);
  double half = (n_steps - 1) * RAY_STEP / 2.0;
  gsize n_pix = (gsize) nx * nx;

  if (isnan (center))
    center = c;
  /* Rays of different angles write the same pixels, so each thread accumulates into its own
   * slice and the slices are added at the end (one thread writes straight into the output). */
#pragma omp parallel if (n_angles > 1)
  {
    gboolean own = FALSE;
    float *acc = slice;

#ifdef _OPENMP
    if (omp_get_num_threads () > 1)
      {
        acc = g_new0 (float, n_pix);
        own = TRUE;
      }
#endif
#pragma omp for schedule(static)
    for (guint a = 0; a < n_angles; a++)
      {
        double ct = cos (theta[a]), st = sin (theta[a]);

        for (guint x = 0; x < nx; x++)
          {
            double b = sinogram[(gsize) a * nx + x] * RAY_STEP;
            Ray ray;

            if (b == 0.0)
              continue;
            ray_clip (nx, n_steps, half, ct, st, x - center, c, &ray);
            ray_spread (acc, nx, &ray, b);
          }
      }
    if (own)
      {
#pragma omp critical (evox_tomo_backproject)
        for (gsize i = 0; i < n_pix; i++)
          slice[i] += acc[i];
        g_free (acc);
      }
  }
}

/* SIRT from zero: x += C A^T R (b - A x), R and C the inverses of the row sums (A 1, each ray's
 * length in the grid) and column sums (A^T 1), zero where a sum is zero (rays that miss the
 * grid). Each step clips x at 0: attenuation is never negative, and the constraint is what
 * lets SIRT beat FBP on few angles. */
static void
sirt_slice (const float  *sinogram,
            guint         nx,
            guint         n_angles,
            const double *theta,
            double        center,
            guint         iterations,
            float        *slice)
{
  gsize n_pix = (gsize) nx * nx, n_rays = (gsize) n_angles * nx;
  g_autofree float *ones = g_new (float, MAX (n_pix, n_rays));
  g_autofree float *r = g_new (float, n_rays);
  g_autofree float *col = g_new0 (float, n_pix);
  g_autofree float *residual = g_new (float, n_rays);
  g_autofree float *update = g_new (float, n_pix);

  for (gsize i = 0; i < MAX (n_pix, n_rays); i++)
    ones[i] = 1.0f;
  evox_tomo_project_slice (ones, nx, n_angles, theta, center, r);
  for (gsize i = 0; i < n_rays; i++)
    r[i] = r[i] > 1e-6f ? 1.0f / r[i] : 0.0f;
  evox_tomo_backproject_slice (ones, nx, n_angles, theta, center, col);
  for (gsize i = 0; i < n_pix; i++)
    col[i] = col[i] > 1e-6f ? 1.0f / col[i] : 0.0f;

  memset (slice, 0, n_pix * sizeof (float));
  for (guint k = 0; k < iterations; k++)
    {
      evox_tomo_project_slice (slice, nx, n_angles, theta, center, residual);
      for (gsize i = 0; i < n_rays; i++)
        residual[i] = (sinogram[i] - residual[i]) * r[i];
      memset (update, 0, n_pix * sizeof (float));
      evox_tomo_backproject_slice (residual, nx, n_angles, theta, center, update);
      for (gsize i = 0; i < n_pix; i++)
        slice[i] = MAX (slice[i] + col[i] * update[i], 0.0f);
    }
}

EvoxVolume *
evox_tomo_reconstruct (const EvoxTiltSeries  *series,
                       const EvoxReconParams *params,
                       EvoxProgress          *progress,
                       GCancellable          *cancellable,
                       GError               **error)
{
  g_return_val_if_fail (series != NULL && params != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  guint nx = series->nx, ny = series->ny, n_angles = series->n_angles;
  double center = isnan (params->center) ? (nx - 1) / 2.0 : params->center;

  if (n_angles < 2)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Reconstruction needs at least 2 projection angles, the series has %u",
                   n_angles);
      return NULL;
    }
  if (!isfinite (center) || center < 0.0 || center > nx - 1.0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Rotation centre %g is outside the detector (0 to %u pixels)",
                   params->center, nx - 1);
      return NULL;
    }
  for (guint a = 0; a < n_angles; a++)
    if (!isfinite (series->theta[a]))
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "Projection %u has no finite angle", a);
        return NULL;
      }

  g_autoptr (EvoxVolume) volume = evox_volume_new (nx, nx, ny, 1, EVOX_SAMPLE_F32, error);
  if (volume == NULL)
    return NULL;

  float *out = evox_volume_get_data_mut (volume, 0);
  gboolean per_nm = series->od && series->pixel_size_nm > 0.0;
  float scale = per_nm ? (float) (1.0 / series->pixel_size_nm) : 1.0f;
  gint done = 0, stopped = 0;

  evox_progress_set_stage (progress,
                           params->sirt_iterations > 0 ? "SIRT" : "Filtered back-projection",
                           0.0, 1.0);
#pragma omp parallel if (ny > 1)
  {
    g_autofree float *sinogram = g_new (float, (gsize) n_angles * nx);

#pragma omp for schedule(dynamic, 1)
    for (guint y = 0; y < ny; y++)
      {
        if (g_atomic_int_get (&stopped) || g_cancellable_is_cancelled (cancellable))
          {
            g_atomic_int_set (&stopped, 1);
            continue;
          }
        for (guint a = 0; a < n_angles; a++)
          memcpy (sinogram + (gsize) a * nx, evox_tilt_series_row (series, a, y),
                  nx * sizeof (float));
        float *slice = out + (gsize) y * nx * nx;
        if (params->sirt_iterations > 0)
          sirt_slice (sinogram, nx, n_angles, series->theta, center, params->sirt_iterations,
                      slice);
        else
          evox_tomo_fbp_slice (sinogram, nx, n_angles, series->theta, center, params->filter,
                               slice);
        if (scale != 1.0f)
          for (gsize i = 0; i < (gsize) nx * nx; i++)
            slice[i] *= scale;
        evox_progress_update (progress, (g_atomic_int_add (&done, 1) + 1.0) / ny);
      }
  }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  if (series->pixel_size_nm > 0.0)
    {
      double spacing[3] = { series->pixel_size_nm, series->pixel_size_nm,
                            series->pixel_size_nm };

      evox_volume_set_spacing (volume, spacing);
      evox_volume_set_spacing_known (volume, TRUE);
    }
  return g_steal_pointer (&volume);
}
