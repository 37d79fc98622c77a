/* evox-tomo-recon.c: filtered back-projection, the ray projector and its adjoint, SIRT, and the
 * slice-parallel reconstruction of a tilt series into a volume. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>
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

/* The detector position of pixel x on a slice row: t0 + x ct, in float as the inner loop
 * computes it, so the range below and the loop agree exactly. */
static inline float
row_position (float t0,
              float ct,
              int   x)
{
  return t0 + (float) x * ct;
}

static inline gboolean
row_position_valid (float t0,
                    float ct,
                    int   x,
                    float last)
{
  float t = row_position (t0, ct, x);

  return t >= 0.0f && t <= last;
}

/* The pixels [*lo, *hi) of a slice row of nx pixels whose detector position lies in
 * [0, nx - 1]. The position is monotonic in x, so the valid pixels are one run: estimate its
 * ends in double, widen them, then shrink them with the exact float test. Outside the run the
 * sample is zero, and inside it needs no bounds check. */
static void
row_valid_range (float  t0,
                 float  ct,
                 guint  nx,
                 int   *lo,
                 int   *hi)
{
  float last = (float) (nx - 1);
  int a = 0, b = (int) nx - 1;

  if (fabsf (ct) > 1e-12f)
    {
      double x0 = -(double) t0 / ct, x1 = ((double) last - t0) / ct;
      double xmin = MIN (x0, x1) - 2.0, xmax = MAX (x0, x1) + 2.0;

      if (xmin > a)
        a = xmin > b ? b + 1 : (int) xmin;
      if (xmax < b)
        b = xmax < a ? a - 1 : (int) xmax;
    }
  while (a <= b && !row_position_valid (t0, ct, a, last))
    a++;
  while (b >= a && !row_position_valid (t0, ct, b, last))
    b--;
  *lo = a;
  *hi = b + 1;
}

/* out[x] += the row linearly interpolated at t0 + x ct, for x in [lo, hi), all inside the row.
 * Cloned for AVX2 where the processor has it: its gather lets the loop vectorise. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__ ((target_clones ("avx2", "default"), optimize ("O3")))
#endif
static void
accumulate_row (float       *restrict out,
                const float *restrict row,
                float        t0,
                float        ct,
                int          lo,
                int          hi)
{
  for (int x = lo; x < hi; x++)
    {
      float t = row_position (t0, ct, x);
      int i = (int) t;
      float f = t - (float) i;

      out[x] += row[i] + f * (row[i + 1] - row[i]);
    }
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
  float scale = (float) (G_PI / (2.0 * n_angles));
  g_autofree float *cts = g_new (float, n_angles);
  g_autofree float *sts = g_new (float, n_angles);

  for (guint a = 0; a < n_angles; a++)
    {
      cts[a] = (float) cos (theta[a]);
      sts[a] = (float) sin (theta[a]);
    }
  /* Row by row, all angles at once: the output row stays in L1 while every filtered
   * projection adds into it. Each filtered row carries one zero after its last sample so that
   * t = nx - 1 (i = nx - 1, f = 0) reads inside it. The inner loop has no branch, so the
   * compiler vectorises it. */
  g_autofree float *padded = g_new (float, (gsize) n_angles * (nx + 1));

  for (guint a = 0; a < n_angles; a++)
    {
      memcpy (padded + (gsize) a * (nx + 1), filtered + (gsize) a * nx, nx * sizeof (float));
      padded[(gsize) a * (nx + 1) + nx] = 0.0f;
    }
  for (guint y = 0; y < nx; y++)
    {
      float *out = slice + (gsize) y * nx;

      memset (out, 0, nx * sizeof (float));
      for (guint a = 0; a < n_angles; a++)
        {
          const float *row = padded + (gsize) a * (nx + 1);
          float ct = cts[a];
          float t0 = (float) ((y - c) * sts[a] - c * ct + center);
          int lo, hi;

          row_valid_range (t0, ct, nx, &lo, &hi);
          accumulate_row (out, row, t0, ct, lo, hi);
        }
      for (guint x = 0; x < nx; x++)
        out[x] *= scale;
    }
}

/* One ray's samples: the point at step s of the ray of detector pixel x at angle (ct, st) is
 * (c + u ct - v st, c + u st + v ct), u = x - center, v = s - half. The projector and its
 * adjoint walk the same samples, so back-projection is the exact transpose of projection. */
static inline guint
ray_n_steps (guint nx)
{
  /* Enough to cross the grid's diagonal from any detector offset. */
  return (guint) ceil (nx * G_SQRT2 / RAY_STEP) + 2;
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
  for (guint a = 0; a < n_angles; a++)
    {
      double ct = cos (theta[a]), st = sin (theta[a]);

      for (guint x = 0; x < nx; x++)
        {
          double u = x - center, sum = 0.0;

          for (guint s = 0; s < n_steps; s++)
            {
              double v = s * RAY_STEP - half;
              double px = c + u * ct - v * st, py = c + u * st + v * ct;

              if (px <= -1.0 || py <= -1.0 || px >= nx || py >= nx)
                continue;
              double fx = floor (px), fy = floor (py);
              int ix = (int) fx, iy = (int) fy;
              double wx = px - fx, wy = py - fy;

              /* Pixels outside the grid are zero. */
              if (iy >= 0 && ix >= 0)
                sum += (1 - wx) * (1 - wy) * slice[(gsize) iy * nx + ix];
              if (iy >= 0 && ix + 1 < (int) nx)
                sum += wx * (1 - wy) * slice[(gsize) iy * nx + ix + 1];
              if (iy + 1 < (int) nx && ix >= 0)
                sum += (1 - wx) * wy * slice[(gsize) (iy + 1) * nx + ix];
              if (iy + 1 < (int) nx && ix + 1 < (int) nx)
                sum += wx * wy * slice[(gsize) (iy + 1) * nx + ix + 1];
            }
          sinogram[(gsize) a * nx + x] = (float) (sum * RAY_STEP);
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

  if (isnan (center))
    center = c;
  for (guint a = 0; a < n_angles; a++)
    {
      double ct = cos (theta[a]), st = sin (theta[a]);

      for (guint x = 0; x < nx; x++)
        {
          double u = x - center;
          double b = sinogram[(gsize) a * nx + x] * RAY_STEP;

          if (b == 0.0)
            continue;
          for (guint s = 0; s < n_steps; s++)
            {
              double v = s * RAY_STEP - half;
              double px = c + u * ct - v * st, py = c + u * st + v * ct;

              if (px <= -1.0 || py <= -1.0 || px >= nx || py >= nx)
                continue;
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
