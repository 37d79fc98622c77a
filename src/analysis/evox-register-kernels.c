/* evox-register-kernels.c: the kernels of registration: upsampled phase correlation on kissfft,
 * cubic resampling with scale and shift, NCC and mutual information. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-register.h"
#include "evox-register-private.h"

#include <math.h>
#include <string.h>
#include <kiss_fft.h>
#include <kiss_fftr.h>

#include "evox-types.h"

/* Loops over fewer elements run on one thread: a parallel region costs a barrier, and on a busy
 * machine a barrier can wait a scheduler tick for a descheduled thread, which the many small
 * regions of a stack of small images turned into seconds. */
#define PARALLEL_MIN 65536

/* ------------------------------------------------------------------------------------------ */
/* Plans: kissfft configurations and edge windows for one image size, made once and kept for the
 * life of the process (a stack registers many images of one size, so this is a handful). */

#define N_CACHED_PLANS 8

struct _EvoxRegisterPlan
{
  gsize          dims[3];
  gsize          nh;          /* nx / 2 + 1: the half spectrum along x */
  int            ndim;        /* 2 when nz == 1 */
  gboolean       even;        /* even nx: real transforms along x, made per parallel region */
  kiss_fft_cfg   xfwd;        /* odd nx: complex transforms along x */
  kiss_fft_cfg   xinv;
  kiss_fft_cfg   yfwd;
  kiss_fft_cfg   yinv;
  kiss_fft_cfg   zfwd;
  kiss_fft_cfg   zinv;
  float         *window[3];
  gboolean       cached;
};

static GMutex            plan_lock;
static EvoxRegisterPlan *plan_cache[N_CACHED_PLANS];

/* A Tukey window at position x (not only whole pixels): flat in the middle, a raised cosine over
 * the outer eighth at each end, so the wrap-around jump at the borders does not dominate the
 * spectrum. */
static float
tukey_value (double x,
             gsize  n)
{
  double taper = MAX (n / 8, 1);
  double d = MIN (x, (double) (n - 1) - x);

  if (n < 4 || d >= taper)
    return 1.0f;
  if (d <= -0.5)
    return 0.0f;
  return (float) (0.5 * (1.0 - cos (G_PI * (d + 0.5) / taper)));
}

static float *
tukey_window (gsize  n,
              double offset)
{
  float *w = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    w[i] = tukey_value ((double) i + offset, n);
  return w;
}

/* kiss_fftr keeps a scratch buffer in its configuration, so each thread of a parallel region
 * makes its own (cheap next to the transforms: the twiddles of one row); a per-thread table in the
 * plan would be shared wrongly when the caller runs images in parallel and regions nest. */
static kiss_fftr_cfg
real_config (EvoxRegisterPlan *plan,
             gboolean          inverse)
{
  return plan->even ? kiss_fftr_alloc ((int) plan->dims[0], inverse, NULL, NULL) : NULL;
}

static void
plan_free (EvoxRegisterPlan *plan)
{
  kiss_fft_free (plan->xfwd);
  kiss_fft_free (plan->xinv);
  kiss_fft_free (plan->yfwd);
  kiss_fft_free (plan->yinv);
  kiss_fft_free (plan->zfwd);
  kiss_fft_free (plan->zinv);
  for (int a = 0; a < 3; a++)
    g_free (plan->window[a]);
  g_free (plan);
}

static EvoxRegisterPlan *
plan_new (const gsize dims[3])
{
  EvoxRegisterPlan *plan = g_new0 (EvoxRegisterPlan, 1);

  memcpy (plan->dims, dims, sizeof plan->dims);
  plan->nh = dims[0] / 2 + 1;
  plan->ndim = dims[2] > 1 ? 3 : 2;
  if (dims[0] % 2 == 0)
    {
      plan->even = TRUE;
    }
  else
    {
      plan->xfwd = kiss_fft_alloc ((int) dims[0], 0, NULL, NULL);
      plan->xinv = kiss_fft_alloc ((int) dims[0], 1, NULL, NULL);
    }
  plan->yfwd = kiss_fft_alloc ((int) dims[1], 0, NULL, NULL);
  plan->yinv = kiss_fft_alloc ((int) dims[1], 1, NULL, NULL);
  if (plan->ndim == 3)
    {
      plan->zfwd = kiss_fft_alloc ((int) dims[2], 0, NULL, NULL);
      plan->zinv = kiss_fft_alloc ((int) dims[2], 1, NULL, NULL);
    }
  for (int a = 0; a < 3; a++)
    plan->window[a] = tukey_window (dims[a], 0);
  return plan;
}

EvoxRegisterPlan *
_evox_register_plan_get (const gsize dims[3])
{
  EvoxRegisterPlan *plan;

  g_mutex_lock (&plan_lock);
  for (int i = 0; i < N_CACHED_PLANS; i++)
    if (plan_cache[i] != NULL
        && memcmp (plan_cache[i]->dims, dims, sizeof plan_cache[i]->dims) == 0)
      {
        plan = plan_cache[i];
        g_mutex_unlock (&plan_lock);
        return plan;
      }
  plan = plan_new (dims);
  for (int i = 0; i < N_CACHED_PLANS; i++)
    if (plan_cache[i] == NULL)
      {
        plan->cached = TRUE;
        plan_cache[i] = plan;
        break;
      }
  g_mutex_unlock (&plan_lock);
  return plan;
}

void
_evox_register_plan_release (EvoxRegisterPlan *plan)
{
  /* Cached plans are never freed (nothing can hold one while it goes); extra sizes beyond the
   * cache are made and dropped per call. */
  if (plan != NULL && !plan->cached)
    plan_free (plan);
}

gsize
_evox_register_spectrum_size (EvoxRegisterPlan *plan)
{
  return plan->nh * plan->dims[1] * plan->dims[2];
}

EvoxRegisterScratch *
_evox_register_scratch_new (EvoxRegisterPlan *plan)
{
  EvoxRegisterScratch *scratch = g_new0 (EvoxRegisterScratch, 1);
  gsize n = plan->dims[0] * plan->dims[1] * plan->dims[2];

  scratch->n = n;
  scratch->product = g_new (kiss_fft_cpx, _evox_register_spectrum_size (plan));
  scratch->cc = g_new (float, n);
  scratch->along = g_new (float, plan->ndim == 3 ? 2 * n : n);
  return scratch;
}

void
_evox_register_scratch_free (EvoxRegisterScratch *scratch)
{
  if (scratch == NULL)
    return;
  g_free (scratch->product);
  g_free (scratch->cc);
  g_free (scratch->along);
  g_free (scratch);
}

/* Transforms the columns of spec (nh wide rows of ny, in nz planes) along y or z; blocks of
 * neighbouring columns are gathered together so each pass reads whole cache lines. */
/* 8 complex floats, a cache line; and the gathered block of a 1024-point column set stays under
 * malloc's mmap threshold (128 KiB), so it is not mapped and cleared afresh on every call. */
#define COLUMN_BLOCK 8

static void
fft_columns (EvoxRegisterPlan *plan,
             kiss_fft_cpx     *spec,
             int               axis,
             gboolean          inverse)
{
  gsize nh = plan->nh, ny = plan->dims[1], nz = plan->dims[2];
  gsize len = axis == 1 ? ny : nz;
  gsize stride = axis == 1 ? nh : nh * ny;
  gsize n_lines = axis == 1 ? nz : ny;          /* independent sets of columns */
  gsize line_stride = axis == 1 ? nh * ny : nh;
  gsize n_blocks = (nh + COLUMN_BLOCK - 1) / COLUMN_BLOCK;
  kiss_fft_cfg cfg = axis == 1 ? (inverse ? plan->yinv : plan->yfwd)
                               : (inverse ? plan->zinv : plan->zfwd);
  gint64 n_jobs = (gint64) (n_lines * n_blocks);

#pragma omp parallel if (len * nh * n_lines >= PARALLEL_MIN)
  {
    kiss_fft_cpx *in = g_new (kiss_fft_cpx, len * COLUMN_BLOCK);
    kiss_fft_cpx *out = g_new (kiss_fft_cpx, len);

#pragma omp for schedule(static)
    for (gint64 job = 0; job < n_jobs; job++)
      {
        gsize line = (gsize) job / n_blocks;
        gsize k0 = ((gsize) job % n_blocks) * COLUMN_BLOCK;
        gsize kn = MIN (COLUMN_BLOCK, nh - k0);
        kiss_fft_cpx *base = spec + line * line_stride + k0;

        for (gsize j = 0; j < len; j++)
          for (gsize k = 0; k < kn; k++)
            in[k * len + j] = base[j * stride + k];
        for (gsize k = 0; k < kn; k++)
          {
            kiss_fft (cfg, in + k * len, out);
            for (gsize j = 0; j < len; j++)
              base[j * stride + k] = out[j];
          }
      }
    g_free (in);
    g_free (out);
  }
}

/* Finite pixels sampled for the clipping bounds: enough for the 0.1 % tails. */
#define CLIP_SAMPLES 65536
/* The clipping bounds' percentiles: a hot or dead pixel is clipped to the tail of the rest. */
#define CLIP_LOW 0.001
#define CLIP_HIGH 0.999

/* Reorders v[0..m) so that v[k] is the k-th smallest, everything before it no larger and
 * everything after it no smaller (Hoare's selection: a sort of the sample cost 5 ms an image). */
static void
select_kth (float *v,
            gsize  m,
            gsize  k)
{
  gsize lo = 0, hi = m - 1;

  while (lo < hi)
    {
      float pivot = v[lo + (hi - lo) / 2];
      gsize i = lo, j = hi;

      while (i <= j)
        {
          while (v[i] < pivot)
            i++;
          while (v[j] > pivot)
            j--;
          if (i <= j)
            {
              float t = v[i];

              v[i] = v[j];
              v[j] = t;
              i++;
              if (j == 0)
                break;
              j--;
            }
        }
      if (k <= j)
        hi = j;
      else if (k >= i)
        lo = i;
      else
        break;
    }
}

/* The CLIP_LOW and CLIP_HIGH quantiles of the finite pixels (of a regular sample of at most
 * CLIP_SAMPLES of them); FALSE when there is none. */
static gboolean
clip_bounds (const float *image,
             gsize        n,
             float       *lo,
             float       *hi)
{
  gsize stride = MAX ((gsize) 1, n / CLIP_SAMPLES), m = 0;
  g_autofree float *sample = g_new (float, n / stride + 1);

  for (gsize i = 0; i < n; i += stride)
    if (isfinite (image[i]))
      sample[m++] = image[i];
  if (m == 0)
    return FALSE;
  {
    gsize klo = (gsize) floor (CLIP_LOW * (m - 1)), khi = (gsize) ceil (CLIP_HIGH * (m - 1));

    select_kth (sample, m, klo);
    *lo = sample[klo];
    /* Everything above klo is no smaller: select the high one among them. */
    select_kth (sample + klo, m - klo, khi - klo);
    *hi = sample[khi];
  }
  return TRUE;
}

/* What a non-finite pixel at x of row r counts as: the mean of the finite pixels around it in
 * its plane (3 x 3, clipped), else the image's mean. A NaN inside a bright particle set to the
 * image's mean would be a dark spot only this image has. */
static float
fill_value (const float *image,
            const gsize  dims[3],
            gsize        r,
            gsize        x,
            float        lo,
            float        hi,
            float        mean)
{
  gsize y = r % dims[1], z = r / dims[1];
  double s = 0;
  guint n = 0;

  for (gsize yy = y > 0 ? y - 1 : 0; yy <= MIN (y + 1, dims[1] - 1); yy++)
    for (gsize xx = x > 0 ? x - 1 : 0; xx <= MIN (x + 1, dims[0] - 1); xx++)
      {
        float v = image[(z * dims[1] + yy) * dims[0] + xx];

        if (isfinite (v))
          {
            s += CLAMP (v, lo, hi);
            n++;
          }
      }
  return n > 0 ? (float) (s / n) : mean;
}

/* The half spectrum (nh x ny x nz) of the image with its mean subtracted and the edge window
 * applied (unless window is FALSE). With robust, every pixel is clipped to the 0.1 and 99.9 %
 * quantiles (one hot pixel would otherwise be the image) and a non-finite one is set to its
 * neighbours' mean (fill_value); without, a non-finite pixel counts as the mean (as the public
 * kernel, checked against skimage, does). */
static void
forward (EvoxRegisterPlan *plan,
         const float      *image,
         kiss_fft_cpx     *spec,
         gboolean          window,
         float  *const     windows[3],
         gboolean          robust)
{
  gsize nx = plan->dims[0], ny = plan->dims[1], nz = plan->dims[2], nh = plan->nh;
  gint64 n_rows = (gint64) (ny * nz);
  double sum = 0;
  guint64 n_finite = 0;
  float lo = -G_MAXFLOAT, hi = G_MAXFLOAT;

  if (robust && !clip_bounds (image, nx * ny * nz, &lo, &hi))
    lo = hi = 0;
#pragma omp parallel for reduction(+:sum,n_finite) schedule(static) \
  if (nx * ny * nz >= PARALLEL_MIN)
  for (gint64 r = 0; r < n_rows; r++)
    {
      const float *row = image + r * nx;
      double s = 0;
      guint64 n = 0;

      for (gsize x = 0; x < nx; x++)
        if (isfinite (row[x]))
          {
            s += CLAMP (row[x], lo, hi);
            n++;
          }
      sum += s;
      n_finite += n;
    }
  {
    float mean = n_finite > 0 ? (float) (sum / n_finite) : 0.0f;

#pragma omp parallel if (nx * ny * nz >= PARALLEL_MIN)
    {
      float *buf = g_new (float, nx);
      kiss_fft_cpx *cin = plan->xfwd != NULL ? g_new (kiss_fft_cpx, nx) : NULL;
      kiss_fft_cpx *cout = plan->xfwd != NULL ? g_new (kiss_fft_cpx, nx) : NULL;
      kiss_fftr_cfg rfwd = real_config (plan, FALSE);

#pragma omp for schedule(static)
      for (gint64 r = 0; r < n_rows; r++)
        {
          const float *row = image + r * nx;
          float wyz = window ? windows[1][r % ny] * windows[2][r / ny] : 1.0f;

          for (gsize x = 0; x < nx; x++)
            {
              float wx = window ? windows[0][x] : 1.0f;

              float v = isfinite (row[x]) ? CLAMP (row[x], lo, hi)
                        : robust ? fill_value (image, plan->dims, r, x, lo, hi, mean)
                        : mean;

              buf[x] = (v - mean) * wx * wyz;
            }
          if (rfwd != NULL)
            kiss_fftr (rfwd, buf, spec + r * nh);
          else
            {
              for (gsize x = 0; x < nx; x++)
                {
                  cin[x].r = buf[x];
                  cin[x].i = 0;
                }
              kiss_fft (plan->xfwd, cin, cout);
              memcpy (spec + r * nh, cout, nh * sizeof (kiss_fft_cpx));
            }
        }
      g_free (buf);
      g_free (cin);
      g_free (cout);
      kiss_fftr_free (rfwd);
    }
  }
  fft_columns (plan, spec, 1, FALSE);
  if (plan->ndim == 3)
    fft_columns (plan, spec, 2, FALSE);
}

void
_evox_register_forward (EvoxRegisterPlan *plan,
                        const float      *image,
                        kiss_fft_cpx     *spec,
                        gboolean          window)
{
  forward (plan, image, spec, window, plan->window, TRUE);
}

/* The half spectrum with the window moved by offset: pixel p weighted by w (p + offset), so an
 * image that shift aligns with the target has the same content cut by the window as the
 * target's. */
static void
forward_shifted_window (EvoxRegisterPlan *plan,
                        const float      *image,
                        kiss_fft_cpx     *spec,
                        const double      offset[3])
{
  float *windows[3];

  for (int a = 0; a < 3; a++)
    windows[a] = tukey_window (plan->dims[a], plan->dims[a] > 1 ? offset[a] : 0);
  forward (plan, image, spec, TRUE, windows, TRUE);
  for (int a = 0; a < 3; a++)
    g_free (windows[a]);
}

/* The real inverse of a Hermitian half spectrum, unnormalised; spec is overwritten. */
static void
inverse_real (EvoxRegisterPlan *plan,
              kiss_fft_cpx     *spec,
              float            *out)
{
  gsize nx = plan->dims[0], ny = plan->dims[1], nz = plan->dims[2], nh = plan->nh;
  gint64 n_rows = (gint64) (ny * nz);

  if (plan->ndim == 3)
    fft_columns (plan, spec, 2, TRUE);
  fft_columns (plan, spec, 1, TRUE);
#pragma omp parallel if (nx * ny * nz >= PARALLEL_MIN)
  {
    kiss_fft_cpx *cin = plan->xinv != NULL ? g_new (kiss_fft_cpx, nx) : NULL;
    kiss_fft_cpx *cout = plan->xinv != NULL ? g_new (kiss_fft_cpx, nx) : NULL;
    kiss_fftr_cfg rinv = real_config (plan, TRUE);

#pragma omp for schedule(static)
    for (gint64 r = 0; r < n_rows; r++)
      {
        if (rinv != NULL)
          kiss_fftri (rinv, spec + r * nh, out + r * nx);
        else
          {
            /* Odd nx: once y and z are inverted, each row is Hermitian along x (the
             * spectrum of a real image is), so the missing half is the mirror's conjugate. */
            for (gsize x = 0; x < nh; x++)
              cin[x] = spec[r * nh + x];
            for (gsize x = nh; x < nx; x++)
              {
                cin[x].r = spec[r * nh + nx - x].r;
                cin[x].i = -spec[r * nh + nx - x].i;
              }
            kiss_fft (plan->xinv, cin, cout);
            for (gsize x = 0; x < nx; x++)
              out[r * nx + x] = cout[x].r;
          }
      }
    g_free (cin);
    g_free (cout);
    kiss_fftr_free (rinv);
  }
}

/* Signed frequency of index k of an n-point transform, as numpy's fftfreq (times n). */
static inline double
signed_freq (gsize k,
             gsize n)
{
  return k < (n + 1) / 2 ? (double) k : (double) k - (double) n;
}

/* The cross-correlation sum_k P(k) exp(2 pi i k.t / n) at the points t = shift + (u - half) /
 * upsample, u = 0..region-1 per axis (the matrix-multiply DFT of Guizar-Sicairos et al.), from
 * the half spectrum: a real image's cross-correlation is real, so the half along x counted twice
 * (its own mirror at kx = 0 and the Nyquist column once) and the real part is the whole sum. */
static void
upsampled_correlation (EvoxRegisterPlan   *plan,
                       const kiss_fft_cpx *product,
                       const double        shift[3],
                       guint               upsample,
                       gsize               region,
                       double             *out)
{
  gsize nx = plan->dims[0], ny = plan->dims[1], nz = plan->dims[2], nh = plan->nh;
  gsize rz = plan->ndim == 3 ? region : 1;
  gsize half = region / 2;
  g_autofree float *ex_re = g_new (float, region * nh);
  g_autofree float *ex_im = g_new (float, region * nh);
  g_autofree double *ey = g_new (double, 2 * region * ny);
  g_autofree double *ez = g_new (double, 2 * rz * nz);
  g_autofree double *g = g_new (double, 2 * region * ny * nz);  /* [z][y][ux] */
  g_autofree double *h = g_new0 (double, 2 * region * region * nz);  /* [z][uy][ux] */
  gint64 n_rows = (gint64) (ny * nz);

  for (gsize u = 0; u < region; u++)
    {
      double t = shift[0] + ((double) u - (double) half) / upsample;

      for (gsize k = 0; k < nh; k++)
        {
          double weight = k == 0 || (nx % 2 == 0 && k == nh - 1) ? 1.0 : 2.0;
          double phase = 2 * G_PI * (double) k * t / (double) nx;

          ex_re[u * nh + k] = (float) (weight * cos (phase));
          ex_im[u * nh + k] = (float) (weight * sin (phase));
        }
      t = shift[1] + ((double) u - (double) half) / upsample;
      for (gsize k = 0; k < ny; k++)
        {
          double phase = 2 * G_PI * signed_freq (k, ny) * t / (double) ny;

          ey[2 * (u * ny + k)] = cos (phase);
          ey[2 * (u * ny + k) + 1] = sin (phase);
        }
    }
  for (gsize u = 0; u < rz; u++)
    {
      double t = plan->ndim == 3 ? shift[2] + ((double) u - (double) half) / upsample : 0;

      for (gsize k = 0; k < nz; k++)
        {
          double phase = 2 * G_PI * signed_freq (k, nz) * t / (double) nz;

          ez[2 * (u * nz + k)] = cos (phase);
          ez[2 * (u * nz + k) + 1] = sin (phase);
        }
    }

  /* Along x: the bulk of the work, one complex dot product of nh per row and point. */
#pragma omp parallel for schedule(static) if ((gsize) n_rows * nh >= PARALLEL_MIN)
  for (gint64 r = 0; r < n_rows; r++)
    {
      const kiss_fft_cpx *p = product + r * nh;

      for (gsize u = 0; u < region; u++)
        {
          const float *cr = ex_re + u * nh, *ci = ex_im + u * nh;
          float sr = 0, si = 0;

#pragma omp simd reduction(+:sr,si)
          for (gsize k = 0; k < nh; k++)
            {
              sr += p[k].r * cr[k] - p[k].i * ci[k];
              si += p[k].r * ci[k] + p[k].i * cr[k];
            }
          g[2 * (r * region + u)] = sr;
          g[2 * (r * region + u) + 1] = si;
        }
    }
  /* Along y, then z. */
#pragma omp parallel for schedule(static) if (nz * ny * region >= PARALLEL_MIN)
  for (gint64 z = 0; z < (gint64) nz; z++)
    for (gsize uy = 0; uy < region; uy++)
      {
        double *dst = h + 2 * ((z * region + uy) * region);

        for (gsize y = 0; y < ny; y++)
          {
            double er = ey[2 * (uy * ny + y)], ei = ey[2 * (uy * ny + y) + 1];
            const double *src = g + 2 * ((z * ny + y) * region);

            for (gsize ux = 0; ux < region; ux++)
              {
                dst[2 * ux] += src[2 * ux] * er - src[2 * ux + 1] * ei;
                dst[2 * ux + 1] += src[2 * ux] * ei + src[2 * ux + 1] * er;
              }
          }
      }
  for (gsize uz = 0; uz < rz; uz++)
    for (gsize i = 0; i < region * region; i++)
      {
        double s = 0;

        for (gsize z = 0; z < nz; z++)
          s += h[2 * (z * region * region + i)] * ez[2 * (uz * nz + z)]
               - h[2 * (z * region * region + i) + 1] * ez[2 * (uz * nz + z) + 1];
        out[uz * region * region + i] = s;
      }
}

/* Whitening divides by no less than this fraction of the largest cross-power magnitude. */
#define WHITEN_FLOOR 1e-3f

/* The cross-power spectrum of two half spectra: normalised to unit magnitude when whiten (as
 * skimage's normalization="phase"), else as it is (the plain cross-correlation). Whitening
 * divides by at least WHITEN_FLOOR of the largest magnitude: where one image has next to nothing
 * (the high frequencies of smooth content) the other's single bad pixel (a flat spectrum) would
 * otherwise get unit weight at every such frequency and make a peak of its own (a 0 in a smooth
 * 128^2 image moved its shift by 30 px). Without robust, as skimage (the public kernel). */
static void
cross_power (EvoxRegisterPlan   *plan,
             const kiss_fft_cpx *reference,
             const kiss_fft_cpx *moving,
             gboolean            whiten,
             gboolean            robust,
             kiss_fft_cpx       *product)
{
  gsize n_spec = _evox_register_spectrum_size (plan);
  float largest = 0;

#pragma omp parallel for schedule(static) reduction(max:largest) if (n_spec >= PARALLEL_MIN)
  for (gint64 i = 0; i < (gint64) n_spec; i++)
    {
      float re = reference[i].r * moving[i].r + reference[i].i * moving[i].i;
      float im = reference[i].i * moving[i].r - reference[i].r * moving[i].i;

      product[i].r = re;
      product[i].i = im;
      if (whiten)
        largest = MAX (largest, re * re + im * im);
    }
  if (!whiten)
    return;
  {
    float floor_mag = MAX (robust ? WHITEN_FLOOR * sqrtf (largest) : 0.0f, 1e-30f);

#pragma omp parallel for schedule(static) if (n_spec >= PARALLEL_MIN)
    for (gint64 i = 0; i < (gint64) n_spec; i++)
      {
        float mag = MAX (sqrtf (product[i].r * product[i].r + product[i].i * product[i].i),
                         floor_mag);

        product[i].r /= mag;
        product[i].i /= mag;
      }
  }
}

/* The whole-pixel peak of the correlation whose spectrum is product (overwritten): its place
 * as a signed shift, and its height |cc| / n. With subpixel, the place is moved to the vertex of a
 * parabola through the peak and its two neighbours on each axis: a rough fraction (a tenth of a
 * pixel or so), for what needs only to be near. */
static double
integer_peak (EvoxRegisterPlan *plan,
              kiss_fft_cpx     *product,
              gboolean          subpixel,
              float            *cc_buffer,
              double            shift[3])
{
  gsize nx = plan->dims[0], ny = plan->dims[1], nz = plan->dims[2];
  gsize n = nx * ny * nz;
  g_autofree float *own = cc_buffer == NULL ? g_new (float, n) : NULL;
  float *cc = cc_buffer != NULL ? cc_buffer : own;
  gsize best = 0, pos[3];
  float best_value = -1;

  inverse_real (plan, product, cc);
  for (gsize i = 0; i < n; i++)
    if (fabsf (cc[i]) > best_value)
      {
        best_value = fabsf (cc[i]);
        best = i;
      }
  pos[0] = best % nx;
  pos[1] = (best / nx) % ny;
  pos[2] = best / (nx * ny);
  for (int a = 0; a < 3; a++)
    {
      gsize na = plan->dims[a];

      shift[a] = pos[a] > na / 2 ? (double) pos[a] - (double) na : (double) pos[a];
    }
  if (plan->ndim == 2)
    shift[2] = 0;
  for (int a = 0; subpixel && a < plan->ndim; a++)
    {
      gsize na = plan->dims[a], stride = a == 0 ? 1 : a == 1 ? nx : nx * ny;
      gsize base = best - pos[a] * stride;
      double c0 = fabsf (cc[best]);
      double cm = fabsf (cc[base + ((pos[a] + na - 1) % na) * stride]);
      double cp = fabsf (cc[base + ((pos[a] + 1) % na) * stride]);
      double curvature = cm - 2 * c0 + cp;

      if (na >= 3 && curvature < 0)
        shift[a] += CLAMP (0.5 * (cm - cp) / curvature, -0.5, 0.5);
    }
  return best_value / (double) n;
}

/* Moves shift to the largest |correlation| among region^d points 1 / upsample apart centred on
 * it; returns that |correlation| / n. With vertex, the neighbourhood follows the peak while it
 * lies on its border (a few times: the plain correlation has one broad peak, but the rough
 * start may be most of a pixel off), then shift moves on to the vertex of the parabola through
 * the peak and its neighbours on each axis, so it varies smoothly rather than in steps of
 * 1 / upsample (the scale search compares scores of nearby scales). */
static double
upsampled_peak (EvoxRegisterPlan   *plan,
                const kiss_fft_cpx *product,
                guint               upsample,
                gsize               region,
                gboolean            vertex,
                double              shift[3])
{
  gsize rz = plan->ndim == 3 ? region : 1;
  gsize n = plan->dims[0] * plan->dims[1] * plan->dims[2];
  g_autofree double *up = g_new (double, region * region * rz);
  gsize best = 0, u[3] = { 0, 0, 0 };
  double best_value = -1;

  for (guint round = 0; round < (vertex ? 4 : 1); round++)
    {
      gboolean on_border = FALSE;

      upsampled_correlation (plan, product, shift, upsample, region, up);
      best_value = -1;
      for (gsize i = 0; i < region * region * rz; i++)
        if (fabs (up[i]) > best_value)
          {
            best_value = fabs (up[i]);
            best = i;
          }
      for (int a = 0; a < plan->ndim; a++)
        {
          gsize stride = a == 0 ? 1 : a == 1 ? region : region * region;

          u[a] = (best / stride) % region;
          shift[a] += ((double) u[a] - (double) (region / 2)) / upsample;
          on_border |= u[a] == 0 || u[a] + 1 == region;
        }
      if (!on_border)
        break;
    }
  for (int a = 0; vertex && a < plan->ndim; a++)
    {
      gsize stride = a == 0 ? 1 : a == 1 ? region : region * region;

      if (u[a] > 0 && u[a] + 1 < region)
        {
          double cm = fabs (up[best - stride]), cp = fabs (up[best + stride]);
          double curvature = cm - 2 * best_value + cp;

          if (curvature < 0)
            shift[a] += CLAMP (0.5 * (cm - cp) / curvature, -0.5, 0.5) / upsample;
        }
    }
  return best_value / (double) n;
}

/* skimage's neighbourhood of the whole-pixel peak: 1.5 pixels, ceil (1.5 upsample) points. */
static gsize
upsample_region (guint upsample)
{
  return (gsize) ceil (upsample * 1.5);
}

double
_evox_register_phase_correlation_spectra (EvoxRegisterPlan   *plan,
                                          const kiss_fft_cpx *reference,
                                          const kiss_fft_cpx *moving,
                                          gboolean            whiten,
                                          guint               upsample,
                                          double              shift[3])
{
  gsize n_spec = _evox_register_spectrum_size (plan);
  g_autofree kiss_fft_cpx *product = g_new (kiss_fft_cpx, n_spec);
  g_autofree kiss_fft_cpx *work = g_new (kiss_fft_cpx, n_spec);
  double peak, power = 1;

  cross_power (plan, reference, moving, whiten, FALSE, product);
  if (!whiten)
    {
      /* Unwhitened, the peak height is scaled by the mean cross-power magnitude instead. */
      power = 0;
      for (gsize i = 0; i < n_spec; i++)
        power += hypotf (product[i].r, product[i].i);
      power = power > 0 ? power / n_spec : 1;
    }
  memcpy (work, product, n_spec * sizeof (kiss_fft_cpx));
  peak = integer_peak (plan, work, FALSE, NULL, shift);
  if (upsample > 1)
    peak = upsampled_peak (plan, product, upsample, upsample_region (upsample), FALSE, shift);
  return MIN (peak / power, 1.0);
}

/* From a rough shift (within a pixel or so) to 1 / upsample pixel and on to a parabola's vertex:
 * the plain correlation of target (its windowed spectrum) with moving, whose spectrum spec is
 * remade with the window moved by the shift. The plain correlation weighs the low frequencies,
 * where the cubic resampling of a scaled image keeps the phase, while whitening gives the high
 * ones (attenuated and noisy) as much say, which cost 0.05 px RMS. The edge window weighs the
 * same place of both images, but they are shift apart, so it would cut different content from
 * each and pull the peak towards zero (0.1 px in a 32^3 volume with content near its faces):
 * moving's window moves by the shift, so both windows cut the same content. The price is a
 * forward transform and the upsampled neighbourhood (+-0.3 px) of the shift; no inverse
 * transform and no resampling. */
static void
refine_plain (EvoxRegisterPlan   *plan,
              const kiss_fft_cpx *target_spec,
              const float        *moving,
              guint               upsample,
              kiss_fft_cpx       *spec,
              kiss_fft_cpx       *product,
              double              shift[3])
{

  for (int pass = 0; pass < 2; pass++)
    {
      double rough[3];
      gboolean moved = FALSE;

      memcpy (rough, shift, sizeof rough);
      forward_shifted_window (plan, moving, spec, shift);
      cross_power (plan, target_spec, spec, FALSE, TRUE, product);
      upsampled_peak (plan, product, upsample, (gsize) ceil (0.6 * upsample) + 1, TRUE, shift);
      /* Where the whitened peak was fooled (content running off the image, cut alike by both
       * windows, correlates at zero shift) the window sat a good part of a pixel off: once more
       * from where the plain correlation went. */
      for (int a = 0; a < plan->ndim; a++)
        moved |= fabs (shift[a] - rough[a]) > 0.2;
      if (!moved)
        break;
    }
}

void
_evox_register_translate_scaled (EvoxRegisterPlan    *plan,
                                 const kiss_fft_cpx  *target_spec,
                                 const float         *scaled,
                                 const kiss_fft_cpx  *scaled_spec,
                                 guint                upsample,
                                 kiss_fft_cpx        *spec,
                                 EvoxRegisterScratch *scratch,
                                 double               shift[3])
{
  kiss_fft_cpx *product = scratch->product;

  /* The whitened correlation has the sharp peak that finds the right pixel even across an edge
   * of contrast; a parabola through it puts the shift within a fraction of a pixel. */
  cross_power (plan, target_spec, scaled_spec, TRUE, TRUE, product);
  integer_peak (plan, product, upsample > 1, scratch->cc, shift);
  if (upsample <= 1)
    {
      for (int a = 0; a < 3; a++)
        shift[a] = round (shift[a]);
      return;
    }
  refine_plain (plan, target_spec, scaled, upsample, spec, product, shift);
}

void
_evox_register_translate (EvoxRegisterPlan   *plan,
                          const kiss_fft_cpx *target_spec,
                          const float        *moving,
                          double              scale,
                          guint               upsample,
                          kiss_fft_cpx       *spec,
                          float              *work,
                          EvoxRegisterScratch *scratch,
                          double              shift[3])
{
  static const double zero[3] = { 0, 0, 0 };

  _evox_register_resample_with (moving, plan->dims, scale, zero, work, scratch);
  _evox_register_forward (plan, work, spec, TRUE);
  /* spec is read before refine_plain writes it. */
  _evox_register_translate_scaled (plan, target_spec, work, spec, upsample, spec, scratch,
                                   shift);
}

double
evox_register_phase_correlation (const float  *reference,
                                 const float  *moving,
                                 const gsize   dims[3],
                                 guint         upsample,
                                 double        shift[3],
                                 GError      **error)
{
  EvoxRegisterPlan *plan;
  g_autofree kiss_fft_cpx *fr = NULL;
  g_autofree kiss_fft_cpx *fm = NULL;
  double peak;

  g_return_val_if_fail (reference != NULL && moving != NULL, NAN);
  g_return_val_if_fail (dims != NULL && shift != NULL, NAN);
  g_return_val_if_fail (error == NULL || *error == NULL, NAN);

  shift[0] = shift[1] = shift[2] = 0;
  if (dims[0] < 2 || dims[1] < 2 || dims[2] < 1 || dims[0] > G_MAXINT || dims[1] > G_MAXINT
      || dims[2] > G_MAXINT)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Phase correlation needs images at least 2x2 (got %zux%zux%zu)",
                   dims[0], dims[1], dims[2]);
      return NAN;
    }
  if (upsample < 1)
    upsample = 1;
  plan = _evox_register_plan_get (dims);
  fr = g_new (kiss_fft_cpx, _evox_register_spectrum_size (plan));
  fm = g_new (kiss_fft_cpx, _evox_register_spectrum_size (plan));
  forward (plan, reference, fr, TRUE, plan->window, FALSE);
  forward (plan, moving, fm, TRUE, plan->window, FALSE);
  peak = _evox_register_phase_correlation_spectra (plan, fr, fm, TRUE, upsample, shift);
  _evox_register_plan_release (plan);
  return peak;
}

/* ------------------------------------------------------------------------------------------ */
/* The residual: how far a registered image still is from its target. */

/* The residual is measured over at most the middle this many pixels a side (512^2, 64^3): its
 * four transforms of the whole box were as slow as registering the image. */
#define RESIDUAL_SIDE_2D 512
#define RESIDUAL_SIDE_3D 64

/* The largest n' <= n whose only prime factors are 2, 3 and 5. */
static gsize
smooth_size (gsize n)
{
  for (gsize m = n; m > 1; m--)
    {
      gsize r = m;

      while (r % 2 == 0)
        r /= 2;
      while (r % 3 == 0)
        r /= 3;
      while (r % 5 == 0)
        r /= 5;
      if (r == 1)
        return m;
    }
  return 1;
}

gboolean
_evox_register_finite_box (const float *image,
                           const gsize  dims[3],
                           gsize        lo[3],
                           gsize        hi[3])
{
  gsize blo[3] = { G_MAXSIZE, G_MAXSIZE, G_MAXSIZE }, bhi[3] = { 0, 0, 0 };

  for (gsize z = 0; z < dims[2]; z++)
    for (gsize y = 0; y < dims[1]; y++)
      {
        const float *row = image + (z * dims[1] + y) * dims[0];
        gsize x0 = 0, x1 = dims[0];

        while (x0 < dims[0] && !isfinite (row[x0]))
          x0++;
        if (x0 == dims[0])
          continue;
        while (!isfinite (row[x1 - 1]))
          x1--;
        blo[0] = MIN (blo[0], x0);
        bhi[0] = MAX (bhi[0], x1 - 1);
        blo[1] = MIN (blo[1], y);
        bhi[1] = MAX (bhi[1], y);
        blo[2] = MIN (blo[2], z);
        bhi[2] = MAX (bhi[2], z);
      }
  for (int a = 0; a < 3; a++)
    {
      lo[a] = MAX (lo[a], blo[a]);
      hi[a] = MIN (hi[a], bhi[a]);
      if (blo[a] > bhi[a] || lo[a] > hi[a])
        return FALSE;
    }
  return TRUE;
}

double
_evox_register_residual_in_box (const float *target,
                                const float *moving,
                                const gsize  dims[3],
                                const gsize  lo[3],
                                const gsize  hi[3])
{
  gsize blo[3], bdims[3], bn;
  g_autofree float *t = NULL;
  g_autofree float *m = NULL;
  g_autofree kiss_fft_cpx *ts = NULL;
  g_autofree kiss_fft_cpx *ms = NULL;
  g_autofree kiss_fft_cpx *product = NULL;
  EvoxRegisterPlan *plan;
  double shift[3];

  /* Two pixels in from the box: the last pixels inside a resampled image's finite frame take
   * taps clamped at the raw image's border. The size is then cut to a product of 2, 3 and 5
   * (centred): kissfft's transforms of other sizes (983, a prime) are many times slower; and to
   * the middle RESIDUAL_SIDE pixels a side: a translation shows as well there. */
  for (int a = 0; a < 3; a++)
    {
      gsize margin = dims[a] > 1 ? 2 : 0, size;
      gsize cap = dims[2] > 1 ? RESIDUAL_SIDE_3D : RESIDUAL_SIDE_2D;

      if (hi[a] < lo[a] + 2 * margin + 7 * (dims[a] > 1))
        return NAN;
      size = hi[a] - lo[a] + 1 - 2 * margin;
      bdims[a] = smooth_size (MIN (size, cap));
      blo[a] = lo[a] + margin + (size - bdims[a]) / 2;
    }
  bn = bdims[0] * bdims[1] * bdims[2];
  t = g_new (float, bn);
  m = g_new (float, bn);
  for (gsize z = 0; z < bdims[2]; z++)
    for (gsize y = 0; y < bdims[1]; y++)
      {
        gsize from = ((z + blo[2]) * dims[1] + y + blo[1]) * dims[0] + blo[0];
        gsize to = (z * bdims[1] + y) * bdims[0];

        memcpy (t + to, target + from, bdims[0] * sizeof (float));
        memcpy (m + to, moving + from, bdims[0] * sizeof (float));
      }
  /* A constant image, or one without two finite pixels here, has no shift to measure. */
  if (!isfinite (evox_register_ncc (t, m, bn)))
    return NAN;
  plan = _evox_register_plan_get (bdims);
  ts = g_new (kiss_fft_cpx, _evox_register_spectrum_size (plan));
  ms = g_new (kiss_fft_cpx, _evox_register_spectrum_size (plan));
  product = g_new (kiss_fft_cpx, _evox_register_spectrum_size (plan));
  _evox_register_forward (plan, t, ts, TRUE);
  _evox_register_forward (plan, m, ms, TRUE);
  /* As registration measures (1/20 px and a parabola's vertex, not rounded to the grid), so a
   * residual under registration's grid shows as what it is. */
  cross_power (plan, ts, ms, TRUE, TRUE, product);
  integer_peak (plan, product, TRUE, NULL, shift);
  if (fabs (shift[0]) <= 1.5 && fabs (shift[1]) <= 1.5 && fabs (shift[2]) <= 1.5)
    refine_plain (plan, ts, m, 20, ms, product, shift);
  _evox_register_plan_release (plan);
  return sqrt (shift[0] * shift[0] + shift[1] * shift[1] + shift[2] * shift[2]);
}

double
evox_register_residual (const float *target,
                        const float *moving,
                        const gsize  dims[3])
{
  gsize lo[3] = { 0, 0, 0 }, hi[3];

  g_return_val_if_fail (target != NULL && moving != NULL && dims != NULL, NAN);

  for (int a = 0; a < 3; a++)
    hi[a] = dims[a] - 1;
  if (!_evox_register_finite_box (target, dims, lo, hi)
      || !_evox_register_finite_box (moving, dims, lo, hi))
    return NAN;
  return _evox_register_residual_in_box (target, moving, dims, lo, hi);
}

/* ------------------------------------------------------------------------------------------ */
/* Resampling: Keys' cubic convolution (a = -0.5, Catmull-Rom), separable because the transform
 * is a scale and a shift on each axis, so each axis's taps are computed once. */

typedef struct
{
  gsize    index[4];
  float    weight[4];
  gboolean inside;
} Taps;

static void
axis_taps (gsize   n,
           double  scale,
           double  shift,
           Taps   *taps)
{
  double c = (n - 1) / 2.0;

  for (gsize p = 0; p < n; p++)
    {
      double pos = c + ((double) p - c - shift) / scale;
      double f, t;
      gssize i0;

      /* Within a rounding error of the border counts as on it: an identity transform keeps
       * every pixel. */
      taps[p].inside = pos >= -1e-6 && pos <= (double) (n - 1) + 1e-6;
      pos = CLAMP (pos, 0.0, (double) (n - 1));
      f = floor (pos);
      t = pos - f;
      i0 = (gssize) f - 1;
      taps[p].weight[0] = (float) (((-0.5 * t + 1.0) * t - 0.5) * t);
      taps[p].weight[1] = (float) ((1.5 * t - 2.5) * t * t + 1.0);
      taps[p].weight[2] = (float) (((-1.5 * t + 2.0) * t + 0.5) * t);
      taps[p].weight[3] = (float) ((0.5 * t - 0.5) * t * t);
      for (int k = 0; k < 4; k++)
        taps[p].index[k] = (gsize) CLAMP (i0 + k, (gssize) 0, (gssize) n - 1);
    }
}

/* evox_register_resample with the passes' intermediate images in along (n floats, 2n for a
 * volume). */
static void
resample_into (const float  *src,
               const gsize   dims[3],
               double        scale,
               const double  shift[3],
               float        *dst,
               float        *along)
{
  gsize nx, ny, nz;
  g_autofree Taps *tx = NULL;
  g_autofree Taps *ty = NULL;
  g_autofree Taps *tz = NULL;
  float *along_x, *along_y;

  nx = dims[0];
  ny = dims[1];
  nz = dims[2];
  tx = g_new (Taps, nx);
  ty = g_new (Taps, ny);
  tz = g_new (Taps, nz);
  axis_taps (nx, scale, shift[0], tx);
  axis_taps (ny, scale, shift[1], ty);
  if (nz > 1)
    axis_taps (nz, scale, shift[2], tz);
  else
    {
      /* One layer: a 2D image, z untouched. */
      tz[0] = (Taps) { { 0, 0, 0, 0 }, { 0, 1, 0, 0 }, TRUE };
    }

  along_x = along;
  along_y = nz > 1 ? along + nx * ny * nz : NULL;

#pragma omp parallel for schedule(static) if (nx * ny * nz >= PARALLEL_MIN)
  for (gint64 r = 0; r < (gint64) (ny * nz); r++)
    {
      const float *row = src + r * nx;
      float *out = along_x + r * nx;

      for (gsize x = 0; x < nx; x++)
        {
          const Taps *t = tx + x;

          out[x] = t->weight[0] * row[t->index[0]] + t->weight[1] * row[t->index[1]]
                   + t->weight[2] * row[t->index[2]] + t->weight[3] * row[t->index[3]];
        }
    }
#pragma omp parallel for schedule(static) if (nx * ny * nz >= PARALLEL_MIN)
  for (gint64 r = 0; r < (gint64) (ny * nz); r++)
    {
      gsize y = r % ny, z = r / ny;
      const Taps *t = ty + y;
      const float *plane = along_x + z * nx * ny;
      const float *r0 = plane + t->index[0] * nx, *r1 = plane + t->index[1] * nx;
      const float *r2 = plane + t->index[2] * nx, *r3 = plane + t->index[3] * nx;
      float w0 = t->weight[0], w1 = t->weight[1], w2 = t->weight[2], w3 = t->weight[3];
      float *out = (nz > 1 ? along_y : dst) + r * nx;

#pragma omp simd
      for (gsize x = 0; x < nx; x++)
        out[x] = w0 * r0[x] + w1 * r1[x] + w2 * r2[x] + w3 * r3[x];
    }
  if (nz > 1)
    {
#pragma omp parallel for schedule(static) if (nx * ny * nz >= PARALLEL_MIN)
      for (gint64 r = 0; r < (gint64) (ny * nz); r++)
        {
          gsize y = r % ny, z = r / ny;
          const Taps *t = tz + z;
          gsize plane = nx * ny;
          const float *r0 = along_y + t->index[0] * plane + y * nx;
          const float *r1 = along_y + t->index[1] * plane + y * nx;
          const float *r2 = along_y + t->index[2] * plane + y * nx;
          const float *r3 = along_y + t->index[3] * plane + y * nx;
          float w0 = t->weight[0], w1 = t->weight[1], w2 = t->weight[2], w3 = t->weight[3];
          float *out = dst + r * nx;

#pragma omp simd
          for (gsize x = 0; x < nx; x++)
            out[x] = w0 * r0[x] + w1 * r1[x] + w2 * r2[x] + w3 * r3[x];
        }
    }

  /* NaN where any axis falls outside. */
#pragma omp parallel for schedule(static) if (nx * ny * nz >= PARALLEL_MIN)
  for (gint64 r = 0; r < (gint64) (ny * nz); r++)
    {
      gsize y = r % ny, z = r / ny;
      float *out = dst + r * nx;

      if (!ty[y].inside || !tz[z].inside)
        {
          for (gsize x = 0; x < nx; x++)
            out[x] = NAN;
          continue;
        }
      for (gsize x = 0; x < nx; x++)
        if (!tx[x].inside)
          out[x] = NAN;
    }
}

void
evox_register_resample (const float  *src,
                        const gsize   dims[3],
                        double        scale,
                        const double  shift[3],
                        float        *dst)
{
  g_autofree float *along = NULL;

  g_return_if_fail (src != NULL && dims != NULL && shift != NULL && dst != NULL);
  g_return_if_fail (scale > 0 && isfinite (scale));

  along = g_new (float, dims[0] * dims[1] * dims[2] * (dims[2] > 1 ? 2 : 1));
  resample_into (src, dims, scale, shift, dst, along);
}

void
_evox_register_resample_with (const float         *src,
                              const gsize          dims[3],
                              double               scale,
                              const double         shift[3],
                              float               *dst,
                              EvoxRegisterScratch *scratch)
{
  g_assert (scratch->n == dims[0] * dims[1] * dims[2]);
  resample_into (src, dims, scale, shift, dst, scratch->along);
}

/* ------------------------------------------------------------------------------------------ */
/* Similarity. */

/* Both measures of the report in two passes over the pixels: the first gathers NCC's sums and
 * the finite ranges the histogram needs, the second fills the histogram. ncc or mi may be NULL
 * (mi NULL skips the second pass). */
void
_evox_register_similarity (const float *a,
                           const float *b,
                           gsize        n,
                           guint        bins,
                           double      *ncc,
                           double      *mi)
{
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, va, vb, vab;
  float amin = INFINITY, amax = -INFINITY, bmin = INFINITY, bmax = -INFINITY;
  float ka = 0, kb = 0;
  guint64 count = 0;
  gsize first = 0;

  if (ncc != NULL)
    *ncc = NAN;
  if (mi != NULL)
    *mi = NAN;
  while (first < n && !(isfinite (a[first]) && isfinite (b[first])))
    first++;
  if (first == n)
    return;
  /* One pass with the sums shifted by a sample: about the mean, so an image with a large mean
   * keeps its digits as in the centred two-pass formula. */
  ka = a[first];
  kb = b[first];
  /* Masked rather than branched, and simd: the loop then runs in vector lanes (each its own
   * partial sums, added at the end, which changes only the rounding). */
#pragma omp parallel for simd schedule(static) if (n >= PARALLEL_MIN) \
  reduction(+:sa,sb,saa,sbb,sab,count) reduction(min:amin,bmin) reduction(max:amax,bmax)
  for (gint64 i = (gint64) first; i < (gint64) n; i++)
    {
      int both = isfinite (a[i]) & isfinite (b[i]);
      float xa = both ? a[i] : ka, xb = both ? b[i] : kb;
      double da = (double) xa - ka, db = (double) xb - kb;

      sa += da;
      sb += db;
      saa += da * da;
      sbb += db * db;
      sab += da * db;
      amin = xa < amin ? xa : amin;
      amax = xa > amax ? xa : amax;
      bmin = xb < bmin ? xb : bmin;
      bmax = xb > bmax ? xb : bmax;
      count += both;
    }
  if (ncc != NULL && count >= 2)
    {
      va = saa - sa * sa / count;
      vb = sbb - sb * sb / count;
      vab = sab - sa * sb / count;
      /* A constant image: its variance is exactly zero here too, as the shift is one of its
       * values. */
      if (va > 0 && vb > 0)
        *ncc = vab / sqrt (va * vb);
    }
  if (mi == NULL)
    return;
  {
    /* Four histograms filled in turn, summed at the end: a smooth image hits the same bin again
     * and again, and one array would wait on its own last store. Bins in float (the report
     * measures every energy twice over the whole image). */
    const gsize nb = (gsize) bins * bins;
    g_autofree guint64 *joint = g_new0 (guint64, nb * 4);
    g_autofree double *pa = g_new0 (double, bins);
    g_autofree double *pb = g_new0 (double, bins);
    /* x * fa - oa rather than (x - amin) * fa: the difference of two floats may overflow (a
     * range over FLT_MAX), their scaled values do not; and as rounding is monotonic, x >= amin
     * keeps x * fa - oa >= 0. */
    const float fa = amax > amin ? (float) (bins / ((double) amax - amin)) : 0;
    const float fb = bmax > bmin ? (float) (bins / ((double) bmax - bmin)) : 0;
    const float oa = amin * fa, ob = bmin * fb;
    const guint last = bins - 1;
    double sum = 0;
    gsize i = first;

#define MI_BIN(k) \
    G_STMT_START \
      { \
        float x = a[i + (k)], y = b[i + (k)]; \
        if (isfinite (x) && isfinite (y)) \
          { \
            guint ia = (guint) (x * fa - oa), ib = (guint) (y * fb - ob); \
            joint[(k) * nb + (gsize) MIN (ia, last) * bins + MIN (ib, last)]++; \
          } \
      } \
    G_STMT_END
    for (; i + 4 <= n; i += 4)
      {
        MI_BIN (0);
        MI_BIN (1);
        MI_BIN (2);
        MI_BIN (3);
      }
    for (; i < n; i++)
      MI_BIN (0);
#undef MI_BIN
    for (gsize j = 0; j < nb; j++)
      joint[j] += joint[nb + j] + joint[2 * nb + j] + joint[3 * nb + j];
    for (guint r = 0; r < bins; r++)
      for (guint c = 0; c < bins; c++)
        {
          pa[r] += (double) joint[(gsize) r * bins + c] / count;
          pb[c] += (double) joint[(gsize) r * bins + c] / count;
        }
    for (guint r = 0; r < bins; r++)
      for (guint c = 0; c < bins; c++)
        {
          double p = (double) joint[(gsize) r * bins + c] / count;

          if (p > 0)
            sum += p * log (p / (pa[r] * pb[c]));
        }
    *mi = MAX (sum, 0.0);
  }
}

double
evox_register_ncc (const float *a,
                   const float *b,
                   gsize        n)
{
  double ncc;

  g_return_val_if_fail (n == 0 || (a != NULL && b != NULL), NAN);
  _evox_register_similarity (a, b, n, 1, &ncc, NULL);
  return ncc;
}

double
evox_register_mutual_information (const float *a,
                                  const float *b,
                                  gsize        n,
                                  guint        bins)
{
  double mi;

  g_return_val_if_fail (n == 0 || (a != NULL && b != NULL), NAN);
  g_return_val_if_fail (bins >= 1, NAN);
  _evox_register_similarity (a, b, n, bins, NULL, &mi);
  return mi;
}
