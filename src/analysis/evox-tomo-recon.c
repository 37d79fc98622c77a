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

/* The filter of one reconstruction: kissfft's plans and buffers for rows padded to p, and the
 * filter's response. One per thread. */
typedef struct
{
  guint          nx, p;
  kiss_fftr_cfg  fwd, inv;
  float         *response;
  kiss_fft_scalar *buf;
  kiss_fft_cpx  *spec;
} RowFilter;

static void
row_filter_init (RowFilter       *rf,
                 guint            nx,
                 EvoxReconFilter  filter)
{
  rf->nx = nx;
  rf->p = padded_length (nx);
  rf->fwd = kiss_fftr_alloc ((int) rf->p, 0, NULL, NULL);
  rf->inv = kiss_fftr_alloc ((int) rf->p, 1, NULL, NULL);
  rf->response = g_new (float, rf->p / 2 + 1);
  rf->buf = g_new (kiss_fft_scalar, rf->p);
  rf->spec = g_new (kiss_fft_cpx, rf->p / 2 + 1);
  filter_response (filter, rf->p, rf->fwd, rf->response);
}

static void
row_filter_clear (RowFilter *rf)
{
  kiss_fftr_free (rf->fwd);
  kiss_fftr_free (rf->inv);
  g_free (rf->response);
  g_free (rf->buf);
  g_free (rf->spec);
}

/* The filtered row of nx samples: out[x * stride] for x < nx. */
static void
row_filter_apply (RowFilter   *rf,
                  const float *row,
                  float       *out,
                  gsize        stride)
{
  guint p = rf->p;

  memset (rf->buf, 0, p * sizeof (kiss_fft_scalar));
  memcpy (rf->buf, row, rf->nx * sizeof (float));
  kiss_fftr (rf->fwd, rf->buf, rf->spec);
  for (guint k = 0; k <= p / 2; k++)
    {
      rf->spec[k].r *= rf->response[k];
      rf->spec[k].i *= rf->response[k];
    }
  kiss_fftri (rf->inv, rf->spec, rf->buf);
  /* kissfft's inverse is unnormalised. */
  for (guint x = 0; x < rf->nx; x++)
    out[x * stride] = rf->buf[x] / p;
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

  RowFilter rf;
  double c = (nx - 1) / 2.0;

  if (isnan (center))
    center = c;
  /* Each filtered row carries one zero after its last sample so that t = nx - 1 (i = nx - 1,
   * f = 0) reads inside it. */
  g_autofree float *padded = g_new (float, (gsize) n_angles * (nx + 1));

  row_filter_init (&rf, nx, filter);
  for (guint a = 0; a < n_angles; a++)
    {
      row_filter_apply (&rf, sinogram + (gsize) a * nx, padded + (gsize) a * (nx + 1), 1);
      padded[(gsize) a * (nx + 1) + nx] = 0.0f;
    }
  row_filter_clear (&rf);

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
   * projection adds into it. The inner loop has no branch, so the compiler vectorises it. */
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

/* Filtered back-projection of FBP_LANES slices at once. The geometry of a pixel and an angle
 * (its detector position, floor index and weight) is the same in every slice, so the filtered
 * sinograms are interleaved as [angle][x][lane]: the two samples either side of a position are
 * two runs of FBP_LANES floats, and the inner loop is plain vector loads and multiply-adds, its
 * index work shared by the lanes. */
#define FBP_LANES 8
/* Angles added per load and store of the sums. */
#define FBP_GROUP 8

/* FBP_LANES floats as one vector (GCC's and Clang's vector extension; the default clone splits
 * it into SSE halves). GCC's vectoriser leaves the equivalent loop over lanes scalar. */
typedef float LaneVector __attribute__ ((vector_size (FBP_LANES * sizeof (float))));

/* Eight pixels' positions, their floor indices, and 0 .. 7. */
typedef float PixelVector __attribute__ ((vector_size (8 * sizeof (float))));
typedef int IndexVector __attribute__ ((vector_size (8 * sizeof (int))));
static const PixelVector pixel_steps = { 0, 1, 2, 3, 4, 5, 6, 7 };

/* acc[x][lane] += the lanes' rows interpolated at t0 + x ct, for x in [lo, hi). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__ ((target_clones ("avx2", "default"), optimize ("O3")))
#endif
static void
accumulate_lanes (float       *restrict acc,
                  const float *restrict rows,
                  float        t0,
                  float        ct,
                  int          lo,
                  int          hi)
{
  int x = lo;

  /* Eight pixels' positions at a time first, which the compiler vectorises, then their sums. */
  for (; x + 8 <= hi; x += 8)
    {
      /* As row_position, in the same float operations: x + k is exact in float. */
      PixelVector t = t0 + ((float) x + pixel_steps) * ct;
      IndexVector index = __builtin_convertvector (t, IndexVector);
      PixelVector frac = t - __builtin_convertvector (index, PixelVector);

      for (int k = 0; k < 8; k++)
        {
          const LaneVector *s = (const LaneVector *) (rows + (gsize) index[k] * FBP_LANES);
          LaneVector *o = (LaneVector *) (acc + (gsize) (x + k) * FBP_LANES);

          *o += s[0] + frac[k] * (s[1] - s[0]);
        }
    }
  for (; x < hi; x++)
    {
      float t = row_position (t0, ct, x);
      int i = (int) t;
      float f = t - (float) i;
      const LaneVector *s = (const LaneVector *) (rows + (gsize) i * FBP_LANES);
      LaneVector *o = (LaneVector *) (acc + (gsize) x * FBP_LANES);

      *o += s[0] + f * (s[1] - s[0]);
    }
}

/* accumulate_lanes for FBP_GROUP angles at once (rows of row_len floats one after the other)
 * over [lo, hi), where all are inside their rows: the sums are loaded and stored once per
 * group. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__ ((target_clones ("avx2", "default"), optimize ("O3")))
#endif
static void
accumulate_group (float       *restrict acc,
                  const float *restrict rows,
                  gsize        row_len,
                  const float *t0,
                  const float *ct,
                  int          lo,
                  int          hi)
{
  int x = lo;

  for (; x + 8 <= hi; x += 8)
    {
      PixelVector xs = (float) x + pixel_steps;
      IndexVector i[FBP_GROUP];
      PixelVector f[FBP_GROUP];

      for (int g = 0; g < FBP_GROUP; g++)
        {
          PixelVector t = t0[g] + xs * ct[g];

          i[g] = __builtin_convertvector (t, IndexVector);
          f[g] = t - __builtin_convertvector (i[g], PixelVector);
        }
      for (int k = 0; k < 8; k++)
        {
          LaneVector *o = (LaneVector *) (acc + (gsize) (x + k) * FBP_LANES);
          LaneVector sum = *o;

          for (int g = 0; g < FBP_GROUP; g++)
            {
              const LaneVector *s = (const LaneVector *) (rows + g * row_len
                                                          + (gsize) i[g][k] * FBP_LANES);
              sum += s[0] + f[g][k] * (s[1] - s[0]);
            }
          *o = sum;
        }
    }
  for (int g = 0; g < FBP_GROUP; g++)
    accumulate_lanes (acc, rows + g * row_len, t0[g], ct[g], x, hi);
}

/* Slices [y0, y0 + n) of the volume (n <= FBP_LANES) from the series' rows y0.. : filtered
 * into lanes (unused lanes zero), back-projected and multiplied by scale. lanes holds
 * n_angles * (nx + 1) * FBP_LANES floats, acc nx * FBP_LANES. */
static void
fbp_batch (const EvoxTiltSeries *series,
           guint                 y0,
           guint                 n,
           RowFilter            *rf,
           const float          *cts,
           const float          *sts,
           double                center,
           float                 scale,
           float                *lanes,
           float                *acc,
           float                *out)
{
  guint nx = series->nx, n_angles = series->n_angles;
  gsize row_len = (gsize) (nx + 1) * FBP_LANES;
  double c = (nx - 1) / 2.0;

  memset (lanes, 0, n_angles * row_len * sizeof (float));
  for (guint a = 0; a < n_angles; a++)
    for (guint l = 0; l < n; l++)
      row_filter_apply (rf, evox_tilt_series_row (series, a, y0 + l), lanes + a * row_len + l,
                        FBP_LANES);

  for (guint y = 0; y < nx; y++)
    {
      memset (acc, 0, (gsize) nx * FBP_LANES * sizeof (float));
      /* Angles in groups: the pixels inside every row of a group take them all at once, the
       * rest of each angle's run (and the angles of a short last group) one at a time. */
      for (guint a = 0; a < n_angles; a += FBP_GROUP)
        {
          guint m = MIN (FBP_GROUP, n_angles - a);
          float t0[FBP_GROUP], ct[FBP_GROUP];
          int lo[FBP_GROUP], hi[FBP_GROUP], both_lo = 0, both_hi = (int) nx;

          for (guint k = 0; k < m; k++)
            {
              ct[k] = cts[a + k];
              t0[k] = (float) ((y - c) * sts[a + k] - c * ct[k] + center);
              row_valid_range (t0[k], ct[k], nx, &lo[k], &hi[k]);
              both_lo = MAX (both_lo, lo[k]);
              both_hi = MIN (both_hi, hi[k]);
            }
          if (m < FBP_GROUP || both_hi <= both_lo)
            both_lo = both_hi = lo[0];
          for (guint k = 0; k < m; k++)
            {
              const float *rows = lanes + (a + k) * row_len;

              accumulate_lanes (acc, rows, t0[k], ct[k], lo[k], MIN (hi[k], both_lo));
              accumulate_lanes (acc, rows, t0[k], ct[k], MAX (lo[k], both_hi), hi[k]);
            }
          if (both_lo < both_hi)
            accumulate_group (acc, lanes + a * row_len, row_len, t0, ct, both_lo, both_hi);
        }
      for (guint l = 0; l < n; l++)
        {
          float *dst = out + ((gsize) (y0 + l) * nx + y) * nx;

          for (guint x = 0; x < nx; x++)
            dst[x] = acc[(gsize) x * FBP_LANES + l] * scale;
        }
    }
}

/* Joseph's method: a ray closer to the y axis (|cos theta| >= |sin theta|) is sampled once on
 * each pixel row it crosses, at the point where it meets the row's centre line, by linear
 * interpolation between the two pixels of that row either side; each sample weighs the ray's
 * length per row, 1 / |cos theta|. Rays closer to the x axis do the same per column. Pixels
 * outside the grid are zero. The projector and its adjoint walk the same samples with the same
 * weights, so back-projection is the exact transpose of projection.
 *
 * A ray as its samples: sample k (row or column k, 0 <= k < nx) interpolates at t = t0 + k dt
 * along the other axis between pixels base + k major + i minor and base + k major + (i + 1)
 * minor, i = floor (t). [k0, k1] are the samples that may touch the grid (bounds checked) and
 * within them [i0, i1] those whose two pixels are both inside (no checks; empty when i0 > i1),
 * each widened or narrowed by one sample beyond the exact bounds so rounding can neither drop a
 * sample nor read outside the grid. */
typedef struct
{
  double t0, dt, weight;
  gsize  major, minor;
  int    k0, k1, i0, i1;
} Ray;

/* Intersects [*lo, *hi] with the k where lo_t < t0 + k dt < hi_t. */
static void
clip_samples (double  t0,
              double  dt,
              double  lo_t,
              double  hi_t,
              double *lo,
              double *hi)
{
  if (fabs (dt) < 1e-12)
    {
      if (!(t0 > lo_t && t0 < hi_t))
        *hi = *lo - 1.0;
      return;
    }
  double k1 = (lo_t - t0) / dt, k2 = (hi_t - t0) / dt;

  *lo = MAX (*lo, MIN (k1, k2));
  *hi = MIN (*hi, MAX (k1, k2));
}

/* The ray of detector offset u = x - center at angle (ct, st): the set of points p with
 * (p_x - c) ct + (p_y - c) st = u. */
static void
ray_setup (guint   nx,
           double  c,
           double  ct,
           double  st,
           double  u,
           Ray    *ray)
{
  if (fabs (ct) >= fabs (st))
    {
      /* Row k: p_x = c + (u - (k - c) st) / ct. */
      ray->t0 = c + (u + c * st) / ct;
      ray->dt = -st / ct;
      ray->weight = 1.0 / fabs (ct);
      ray->major = nx;
      ray->minor = 1;
    }
  else
    {
      /* Column k: p_y = c + (u - (k - c) ct) / st. */
      ray->t0 = c + (u + c * ct) / st;
      ray->dt = -ct / st;
      ray->weight = 1.0 / fabs (st);
      ray->major = 1;
      ray->minor = nx;
    }

  double lo = 0.0, hi = nx - 1.0;
  clip_samples (ray->t0, ray->dt, -1.0, nx, &lo, &hi);
  if (lo > hi)
    {
      ray->k0 = 1;
      ray->k1 = 0;
    }
  else
    {
      ray->k0 = (int) MAX (floor (lo) - 1.0, 0.0);
      ray->k1 = (int) MIN (ceil (hi) + 1.0, nx - 1.0);
    }

  lo = 0.0;
  hi = nx - 1.0;
  clip_samples (ray->t0, ray->dt, 0.0, nx - 1.0, &lo, &hi);
  ray->i0 = (int) ceil (lo) + 1;
  ray->i1 = (int) floor (hi) - 1;
  if (ray->i0 > ray->i1 || ray->k0 > ray->k1)
    {
      ray->i0 = ray->k1 + 1;
      ray->i1 = ray->k1;
    }
  ray->i0 = MAX (ray->i0, ray->k0);
  ray->i1 = MIN (ray->i1, ray->k1);
}

static double
ray_sum (const float *slice,
         guint        nx,
         const Ray   *ray)
{
  double sum = 0.0;
  int k;

  for (k = ray->k0; k <= ray->k1; k++)
    {
      if (k == ray->i0)
        {
          /* Inside the grid: t is positive, so truncation is floor. */
          for (; k <= ray->i1; k++)
            {
              double t = ray->t0 + k * ray->dt;
              int i = (int) t;
              double f = t - i;
              const float *p = slice + k * ray->major + i * ray->minor;

              sum += (1.0 - f) * p[0] + f * p[ray->minor];
            }
          if (k > ray->k1)
            break;
        }
      double t = ray->t0 + k * ray->dt;
      if (t <= -1.0 || t >= nx)
        continue;
      double fl = floor (t), f = t - fl;
      int i = (int) fl;
      const float *row = slice + k * ray->major;

      if (i >= 0)
        sum += (1.0 - f) * row[i * ray->minor];
      if (i + 1 < (int) nx)
        sum += f * row[(i + 1) * ray->minor];
    }
  return sum * ray->weight;
}

static void
ray_spread (float     *slice,
            guint      nx,
            const Ray *ray,
            double     b)
{
  int k;

  b *= ray->weight;
  for (k = ray->k0; k <= ray->k1; k++)
    {
      if (k == ray->i0)
        {
          for (; k <= ray->i1; k++)
            {
              double t = ray->t0 + k * ray->dt;
              int i = (int) t;
              double f = t - i;
              float *p = slice + k * ray->major + i * ray->minor;

              p[0] += (float) ((1.0 - f) * b);
              p[ray->minor] += (float) (f * b);
            }
          if (k > ray->k1)
            break;
        }
      double t = ray->t0 + k * ray->dt;
      if (t <= -1.0 || t >= nx)
        continue;
      double fl = floor (t), f = t - fl;
      int i = (int) fl;
      float *row = slice + k * ray->major;

      if (i >= 0)
        row[i * ray->minor] += (float) ((1.0 - f) * b);
      if (i + 1 < (int) nx)
        row[(i + 1) * ray->minor] += (float) (f * b);
    }
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

          ray_setup (nx, c, ct, st, x - center, &ray);
          sinogram[(gsize) a * nx + x] = (float) ray_sum (slice, nx, &ray);
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
            double b = sinogram[(gsize) a * nx + x];
            Ray ray;

            if (b == 0.0)
              continue;
            ray_setup (nx, c, ct, st, x - center, &ray);
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
  /* Batches of slices in parallel: FBP_LANES slices at once for FBP (fbp_batch), one for SIRT.
   * The last batch may be short. */
  gboolean sirt = params->sirt_iterations > 0;
  guint batch = sirt ? 1 : FBP_LANES;
  guint n_batches = (ny + batch - 1) / batch;
  /* The filter is 2 |w|, so pi / (2 n_angles) makes the integral over the half turn. */
  float fbp_scale = (float) (G_PI / (2.0 * n_angles)) * scale;
  g_autofree float *cts = g_new (float, n_angles);
  g_autofree float *sts = g_new (float, n_angles);

  for (guint a = 0; a < n_angles; a++)
    {
      cts[a] = (float) cos (series->theta[a]);
      sts[a] = (float) sin (series->theta[a]);
    }
#pragma omp parallel if (n_batches > 1)
  {
    g_autofree float *sinogram = NULL;
    float *lanes = NULL, *acc = NULL;
    RowFilter rf;

    if (sirt)
      sinogram = g_new (float, (gsize) n_angles * nx);
    else
      {
        /* Aligned to a vector: every run of FBP_LANES floats then is. */
        lanes = g_aligned_alloc ((gsize) n_angles * (nx + 1) * FBP_LANES, sizeof (float),
                                 sizeof (LaneVector));
        acc = g_aligned_alloc ((gsize) nx * FBP_LANES, sizeof (float), sizeof (LaneVector));
        row_filter_init (&rf, nx, params->filter);
      }

#pragma omp for schedule(dynamic, 1)
    for (guint k = 0; k < n_batches; k++)
      {
        guint y0 = k * batch, n = MIN (batch, ny - y0);

        if (g_atomic_int_get (&stopped) || g_cancellable_is_cancelled (cancellable))
          {
            g_atomic_int_set (&stopped, 1);
            continue;
          }
        if (sirt)
          {
            float *slice = out + (gsize) y0 * nx * nx;

            for (guint a = 0; a < n_angles; a++)
              memcpy (sinogram + (gsize) a * nx, evox_tilt_series_row (series, a, y0),
                      nx * sizeof (float));
            sirt_slice (sinogram, nx, n_angles, series->theta, center, params->sirt_iterations,
                        slice);
            if (scale != 1.0f)
              for (gsize i = 0; i < (gsize) nx * nx; i++)
                slice[i] *= scale;
          }
        else
          fbp_batch (series, y0, n, &rf, cts, sts, center, fbp_scale, lanes, acc, out);
        evox_progress_update (progress, (double) (g_atomic_int_add (&done, n) + n) / ny);
      }
    if (!sirt)
      {
        row_filter_clear (&rf);
        g_aligned_free (lanes);
        g_aligned_free (acc);
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
  /* Named, so the viewer's colour bar, `evox info` and the files say what the numbers are. */
  if (series->od)
    evox_volume_set_values (volume, EVOX_SCALE_LINEAR, "linear attenuation",
                            per_nm ? "1/nm" : "1/pixel");
  return g_steal_pointer (&volume);
}
