/* evox-kmeans.c: scaling, PCA, k-means++, Lloyd with Hamerly's bounds, CH, silhouette, Kneedle, the sweep. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "evox-kmeans.h"
#include "evox-types.h"

/* What scikit-learn 1.2 defines, Evox computes the same way (StandardScaler, MinMaxScaler, PCA,
 * KMeans(algorithm="lloyd"), calinski_harabasz_score, silhouette_score, kneed's KneeLocator);
 * README.md ("k-means (what Evox computes)") lists where and why the numbers can differ.
 *
 * Every reduction over points runs over a fixed partition of the points into chunks (it depends
 * on n only) and adds the chunk results in chunk order, so a result is bit-identical for any
 * number of OpenMP threads. */

/* The loops over points also get an AVX2+FMA build picked at load time where the compiler and
 * the machine can; the distance kernels are inlined into them (a cloned function is called
 * through an indirection and never inlined, which costs more than 16 features take). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__ELF__)
#define EVOX_KMEANS_CLONES __attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#else
#define EVOX_KMEANS_CLONES
#endif
#define EVOX_KMEANS_INLINE static inline __attribute__ ((always_inline))

/* Points per chunk: at least this many, and at most MAX_CHUNKS chunks, so per-chunk cluster
 * sums stay small however many points there are. */
#define MIN_CHUNK  4096
#define MAX_CHUNKS 256
/* Points whose distances to every centre are computed together, so that one centre row is
 * reused from L1 for all of them. */
#define BLOCK      16
/* The silhouette is exact and quadratic: the sweep computes it on at most this many points. */
#define SILHOUETTE_MAX 10000

/* Random streams, so that restarts, the sweep's sample and the silhouette's subset never share
 * draws; restart r uses stream r. */
#define STREAM_SWEEP      (G_GUINT64_CONSTANT (1) << 40)
#define STREAM_SILHOUETTE ((G_GUINT64_CONSTANT (1) << 40) + 1)

/* ---- random numbers: xoshiro256** seeded through splitmix64 ---- */

typedef struct
{
  guint64 s[4];
} Rng;

static guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static void
rng_init (Rng     *rng,
          guint64  seed,
          guint64  stream)
{
  guint64 mix = stream;
  guint64 state = seed ^ splitmix64 (&mix);

  for (guint i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&state);
}

static inline guint64
rotl64 (guint64 x,
        int     k)
{
  return (x << k) | (x >> (64 - k));
}

static guint64
rng_next (Rng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl64 (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl64 (s[3], 45);
  return result;
}

/* Uniform in [0, 1), 53 random bits. */
static double
rng_uniform (Rng *rng)
{
  return (double) (rng_next (rng) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n) without modulo bias (Lemire's multiply and reject). */
static guint64
rng_below (Rng     *rng,
           guint64  n)
{
  unsigned __int128 m = (unsigned __int128) rng_next (rng) * n;
  guint64 low = (guint64) m;

  if (low < n)
    {
      guint64 threshold = -n % n;

      while (low < threshold)
        {
          m = (unsigned __int128) rng_next (rng) * n;
          low = (guint64) m;
        }
    }
  return (guint64) (m >> 64);
}

/* m of the indices 0..n-1 without replacement, in increasing order (Knuth's selection
 * sampling: one pass, no memory beyond the answer, and rows are then gathered in file order). */
static gsize *
sample_indices (gsize  n,
                gsize  m,
                Rng   *rng)
{
  gsize *idx = g_new (gsize, MAX (m, 1));
  gsize got = 0;

  for (gsize i = 0; i < n && got < m; i++)
    if ((double) (n - i) * rng_uniform (rng) < (double) (m - got))
      idx[got++] = i;
  g_assert (got == m);
  return idx;
}

static float *
gather_rows (const float *points,
             guint        d,
             const gsize *idx,
             gsize        m)
{
  float *out = g_new (float, MAX (m * d, 1));

  for (gsize i = 0; i < m; i++)
    memcpy (out + i * d, points + idx[i] * d, d * sizeof (float));
  return out;
}

/* ---- points with a non-finite feature ---- */

/* A point with a NaN or infinite feature (a voxel outside a map's mask) is left out of every fit
 * here, as a voxel outside the clustering mask is: it would otherwise turn sums into NaN, or
 * become a cluster of its own. Finite input, the usual case, costs one vectorised read: x * 0 is
 * 0 for every finite x and NaN otherwise. */
static gboolean
all_finite (const float *points,
            gsize        count)
{
  float acc = 0.0f;

#pragma omp parallel for simd schedule(static) reduction(+:acc)
  for (gsize i = 0; i < count; i++)
    acc += points[i] * 0.0f;
  return acc == 0.0f;
}

static inline gboolean
row_finite (const float *x,
            guint        d)
{
  for (guint f = 0; f < d; f++)
    if (!isfinite (x[f]))
      return FALSE;
  return TRUE;
}

/* The rows to fit on: all of them, or a copy of those that are finite (and, with labels, not
 * EVOX_KMEANS_LEFT_OUT) with their indices in the input. */
typedef struct
{
  const float   *points;
  gsize          n;
  const guint32 *labels;
  float         *copy;
  guint32       *copy_labels;
  gsize         *index;    /* n, or NULL when nothing was left out */
} FiniteRows;

static void
finite_rows_init (FiniteRows    *rows,
                  const float   *points,
                  gsize          n,
                  guint          d,
                  const guint32 *labels)
{
  gsize m = 0;
  gboolean any_left_out = FALSE;

  memset (rows, 0, sizeof *rows);
  rows->points = points;
  rows->n = n;
  rows->labels = labels;
  for (gsize i = 0; labels != NULL && i < n && !any_left_out; i++)
    any_left_out = labels[i] == EVOX_KMEANS_LEFT_OUT;
  if (!any_left_out && all_finite (points, n * d))
    return;

  rows->copy = g_new (float, MAX (n * d, 1));
  rows->index = g_new (gsize, MAX (n, 1));
  if (labels != NULL)
    rows->copy_labels = g_new (guint32, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    {
      if ((labels != NULL && labels[i] == EVOX_KMEANS_LEFT_OUT) || !row_finite (points + i * d, d))
        continue;
      memcpy (rows->copy + m * d, points + i * d, d * sizeof (float));
      if (labels != NULL)
        rows->copy_labels[m] = labels[i];
      rows->index[m++] = i;
    }
  rows->points = rows->copy;
  rows->labels = rows->copy_labels;
  rows->n = m;
}

static void
finite_rows_clear (FiniteRows *rows)
{
  g_clear_pointer (&rows->copy, g_free);
  g_clear_pointer (&rows->copy_labels, g_free);
  g_clear_pointer (&rows->index, g_free);
}

/* ---- chunks ---- */

typedef struct
{
  gsize size;
  gsize count;
} Chunks;

static Chunks
chunks_for (gsize n)
{
  Chunks c;

  c.size = MAX ((gsize) MIN_CHUNK, (n + MAX_CHUNKS - 1) / MAX_CHUNKS);
  c.count = n == 0 ? 0 : (n + c.size - 1) / c.size;
  return c;
}

/* ---- distance kernels ---- */

EVOX_KMEANS_INLINE double
dist2_fd (const float  *x,
          const double *c,
          guint         d)
{
  double s = 0.0;

#pragma omp simd reduction(+:s)
  for (guint f = 0; f < d; f++)
    {
      double t = (double) x[f] - c[f];
      s += t * t;
    }
  return s;
}

EVOX_KMEANS_INLINE double
dist2_ff (const float *x,
          const float *y,
          guint        d)
{
  double s = 0.0;

#pragma omp simd reduction(+:s)
  for (guint f = 0; f < d; f++)
    {
      double t = (double) x[f] - (double) y[f];
      s += t * t;
    }
  return s;
}

/* Up to this many features, distances to all centres are summed feature by feature across the
 * centres (vectors over centres, no horizontal sums); above it, centre by centre. */
#define SMALL_D 32

typedef double V4D __attribute__ ((vector_size (32)));

/* Squared distances of nb points (rows idx[] of x) to k centres, out[p * stride + j]. With
 * few features, ct holds the centres transposed (d rows of stride, padded with copies of the
 * last centre) and each point's distances to all centres grow together; otherwise the loop is
 * centre-major so each centre row is read once for the whole block. */
EVOX_KMEANS_INLINE void
block_distances (const float  *x,
                 guint         d,
                 const gsize  *idx,
                 guint         nb,
                 const double *centers,
                 const double *ct,
                 guint         k,
                 guint         stride,
                 double       *out)
{
  if (d <= SMALL_D)
    {
      for (guint p = 0; p < nb; p++)
        {
          const float *xp = x + idx[p] * d;

          /* four centres per register, summed over the features without a trip to memory */
          for (guint j = 0; j < stride; j += 4)
            {
              V4D acc = { 0.0, 0.0, 0.0, 0.0 };

              for (guint f = 0; f < d; f++)
                {
                  V4D c, t;

                  memcpy (&c, ct + (gsize) f * stride + j, sizeof c);
                  t = (double) xp[f] - c;
                  acc += t * t;
                }
              memcpy (out + (gsize) p * stride + j, &acc, sizeof acc);
            }
        }
      return;
    }

  for (guint j = 0; j < k; j++)
    {
      const double *c = centers + (gsize) j * d;

      for (guint p = 0; p < nb; p++)
        {
          const float *xp = x + idx[p] * d;
          double s = 0.0;

#pragma omp simd reduction(+:s)
          for (guint f = 0; f < d; f++)
            {
              double t = (double) xp[f] - c[f];
              s += t * t;
            }
          out[p * stride + j] = s;
        }
    }
}

/* ---- scaling ---- */

const char *
evox_feature_scale_to_string (EvoxFeatureScale scale)
{
  switch (scale)
    {
    case EVOX_FEATURE_SCALE_ZSCORE:
      return "zscore";
    case EVOX_FEATURE_SCALE_MINMAX:
      return "minmax";
    case EVOX_FEATURE_SCALE_NONE:
    default:
      return "none";
    }
}

gboolean
evox_feature_scale_from_string (const char       *text,
                                EvoxFeatureScale *scale)
{
  g_return_val_if_fail (scale != NULL, FALSE);

  if (g_strcmp0 (text, "zscore") == 0)
    *scale = EVOX_FEATURE_SCALE_ZSCORE;
  else if (g_strcmp0 (text, "minmax") == 0)
    *scale = EVOX_FEATURE_SCALE_MINMAX;
  else if (g_strcmp0 (text, "none") == 0)
    *scale = EVOX_FEATURE_SCALE_NONE;
  else
    return FALSE;
  return TRUE;
}

/* Per-feature means in doubles. */
static double *
feature_means (const float *points,
               gsize        n,
               guint        d)
{
  double *mean = g_new0 (double, d);

  for (gsize i = 0; i < n; i++)
    {
      const float *x = points + i * d;

      for (guint f = 0; f < d; f++)
        mean[f] += x[f];
    }
  for (guint f = 0; f < d; f++)
    mean[f] /= (double) MAX (n, 1);
  return mean;
}

/* Population variances about the given means (two passes, as numpy's var). */
static double *
feature_variances (const float  *points,
                   gsize         n,
                   guint         d,
                   const double *mean)
{
  double *var = g_new0 (double, d);

  for (gsize i = 0; i < n; i++)
    {
      const float *x = points + i * d;

      for (guint f = 0; f < d; f++)
        {
          double t = x[f] - mean[f];
          var[f] += t * t;
        }
    }
  for (guint f = 0; f < d; f++)
    var[f] /= (double) MAX (n, 1);
  return var;
}

/* The fit of finite rows. */
static EvoxScaler *
scaler_fit (const float      *points,
            gsize             n,
            guint             d,
            EvoxFeatureScale  scale)
{
  EvoxScaler *self;

  self = g_new0 (EvoxScaler, 1);
  self->d = d;
  self->offset = g_new0 (double, d);
  self->scale = g_new (double, d);
  for (guint f = 0; f < d; f++)
    self->scale[f] = 1.0;
  if (n == 0)
    return self;

  if (scale == EVOX_FEATURE_SCALE_ZSCORE)
    {
      g_autofree double *mean = feature_means (points, n, d);
      g_autofree double *var = feature_variances (points, n, d, mean);

      for (guint f = 0; f < d; f++)
        {
          /* StandardScaler's test for a constant feature: a variance no larger than its own
           * rounding error is zero. */
          double bound = (double) n * DBL_EPSILON * var[f] +
                         pow ((double) n * mean[f] * DBL_EPSILON, 2);

          self->offset[f] = mean[f];
          self->scale[f] = var[f] <= bound ? 1.0 : sqrt (var[f]);
        }
    }
  else if (scale == EVOX_FEATURE_SCALE_MINMAX)
    {
      for (guint f = 0; f < d; f++)
        {
          double lo = INFINITY, hi = -INFINITY;

          for (gsize i = 0; i < n; i++)
            {
              double v = points[i * d + f];

              lo = MIN (lo, v);
              hi = MAX (hi, v);
            }
          self->offset[f] = lo;
          /* MinMaxScaler's _handle_zeros_in_scale */
          self->scale[f] = hi - lo < 10.0 * DBL_EPSILON ? 1.0 : hi - lo;
        }
    }
  return self;
}

EvoxScaler *
evox_scaler_fit (const float      *points,
                 gsize             n,
                 guint             d,
                 EvoxFeatureScale  scale)
{
  EvoxScaler *self;
  FiniteRows rows;

  g_return_val_if_fail (points != NULL || n == 0, NULL);
  g_return_val_if_fail (d > 0, NULL);

  finite_rows_init (&rows, points, n, d, NULL);
  self = scaler_fit (rows.points, rows.n, d, scale);
  finite_rows_clear (&rows);
  return self;
}

void
evox_scaler_apply (const EvoxScaler *self,
                   float            *points,
                   gsize             n)
{
  guint d;

  g_return_if_fail (self != NULL);
  d = self->d;

#pragma omp parallel for schedule(static)
  for (gsize i = 0; i < n; i++)
    for (guint f = 0; f < d; f++)
      points[i * d + f] = (float) (((double) points[i * d + f] - self->offset[f]) / self->scale[f]);
}

void
evox_scaler_invert (const EvoxScaler *self,
                    double           *rows,
                    gsize             n_rows)
{
  g_return_if_fail (self != NULL);

  for (gsize i = 0; i < n_rows; i++)
    for (guint f = 0; f < self->d; f++)
      rows[i * self->d + f] = rows[i * self->d + f] * self->scale[f] + self->offset[f];
}

void
evox_scaler_free (EvoxScaler *self)
{
  if (self == NULL)
    return;
  g_free (self->offset);
  g_free (self->scale);
  g_free (self);
}

/* ---- PCA: symmetric eigen-decomposition of the covariance ---- */

/* Householder reduction of the symmetric n x n matrix a (destroyed) to a tridiagonal T with
 * diagonal diag and off-diagonal off (off[i] couples i and i + 1, off[n - 1] = 0), and qt = Q^T
 * where a = Q T Q^T. Serial: O(n^3) is a fraction of a second for n = 512, and threads joined
 * 3n times cost more than they save on a busy machine. */
static void
tridiagonalise (double *a,
                guint   n,
                double *diag,
                double *off,
                double *qt)
{
  g_autofree double *vs = g_new0 (double, (gsize) n * n);  /* row k: the reflector of step k */
  g_autofree double *p = g_new (double, n);
  g_autofree double *w = g_new (double, n);

  for (guint k = 0; k + 2 < n; k++)
    {
      double *v = vs + (gsize) k * n;
      double tail = 0.0, norm, x0, alpha, vnorm = 0.0, kk = 0.0;

      for (guint i = k + 2; i < n; i++)
        tail += a[(gsize) i * n + k] * a[(gsize) i * n + k];
      if (tail == 0.0)
        continue;  /* already tridiagonal in this column: no reflector (v stays 0) */
      x0 = a[(gsize) (k + 1) * n + k];
      norm = sqrt (tail + x0 * x0);
      /* the sign that avoids cancellation in x0 - alpha */
      alpha = x0 > 0 ? -norm : norm;
      v[k + 1] = x0 - alpha;
      for (guint i = k + 2; i < n; i++)
        v[i] = a[(gsize) i * n + k];
      for (guint i = k + 1; i < n; i++)
        vnorm += v[i] * v[i];
      vnorm = sqrt (vnorm);
      for (guint i = k + 1; i < n; i++)
        v[i] /= vnorm;

      /* H A H on the trailing block with H = I - 2 v v^T: A - v w^T - w v^T where
       * w = 2 (A v) - 2 (v^T A v) v. */
      for (guint i = k + 1; i < n; i++)
        {
          const double *row = a + (gsize) i * n;
          double s = 0.0;

          for (guint j = k + 1; j < n; j++)
            s += row[j] * v[j];
          p[i] = s;
        }
      for (guint i = k + 1; i < n; i++)
        kk += v[i] * p[i];
      for (guint i = k + 1; i < n; i++)
        w[i] = 2.0 * p[i] - 2.0 * kk * v[i];
      for (guint i = k + 1; i < n; i++)
        {
          double *row = a + (gsize) i * n;

          for (guint j = k + 1; j < n; j++)
            row[j] -= v[i] * w[j] + w[i] * v[j];
        }
      a[(gsize) (k + 1) * n + k] = a[(gsize) k * n + k + 1] = alpha;
      for (guint i = k + 2; i < n; i++)
        a[(gsize) i * n + k] = a[(gsize) k * n + i] = 0.0;
    }

  for (guint i = 0; i < n; i++)
    {
      diag[i] = a[(gsize) i * n + i];
      off[i] = i + 1 < n ? a[(gsize) i * n + i + 1] : 0.0;
    }

  /* Q^T = H_{n-3} ... H_1 H_0 */
  memset (qt, 0, sizeof (double) * n * n);
  for (guint i = 0; i < n; i++)
    qt[(gsize) i * n + i] = 1.0;
  for (guint k = 0; k + 2 < n; k++)
    {
      const double *v = vs + (gsize) k * n;

      if (v[k + 1] == 0.0)
        {
          gboolean zero = TRUE;

          for (guint i = k + 2; i < n && zero; i++)
            zero = v[i] == 0.0;
          if (zero)
            continue;
        }
      memset (w, 0, sizeof (double) * n);
      for (guint i = k + 1; i < n; i++)
        {
          const double *row = qt + (gsize) i * n;

          for (guint j = 0; j < n; j++)
            w[j] += v[i] * row[j];
        }
      for (guint i = k + 1; i < n; i++)
        {
          double *row = qt + (gsize) i * n;

          for (guint j = 0; j < n; j++)
            row[j] -= 2.0 * v[i] * w[j];
        }
    }
}

/* Eigenvalues (into diag) and eigenvectors of a symmetric tridiagonal matrix by the implicit QL
 * method with Wilkinson's shift; the rotations are applied to the rows of zt, which start as
 * Q^T, so row j ends as the eigenvector of diag[j] of the original matrix. */
static gboolean
tridiagonal_ql (double *diag,
                double *off,
                guint   n,
                double *zt)
{
  for (guint l = 0; l < n; l++)
    {
      guint iter = 0;

      for (;;)
        {
          guint m;
          double g, r, s, c, p;
          gboolean underflow = FALSE;

          for (m = l; m + 1 < n; m++)
            {
              double dd = fabs (diag[m]) + fabs (diag[m + 1]);

              if (fabs (off[m]) <= DBL_EPSILON * dd)
                break;
            }
          if (m == l)
            break;
          if (iter++ == 100)
            return FALSE;

          g = (diag[l + 1] - diag[l]) / (2.0 * off[l]);
          r = hypot (g, 1.0);
          g = diag[m] - diag[l] + off[l] / (g + copysign (r, g));
          s = c = 1.0;
          p = 0.0;
          for (guint i = m; i-- > l;)
            {
              double f = s * off[i], b = c * off[i];
              double *zi = zt + (gsize) i * n, *zj = zi + n;

              r = hypot (f, g);
              off[i + 1] = r;
              if (r == 0.0)
                {
                  diag[i + 1] -= p;
                  off[m] = 0.0;
                  underflow = TRUE;
                  break;
                }
              s = f / r;
              c = g / r;
              g = diag[i + 1] - p;
              r = (diag[i] - g) * s + 2.0 * c * b;
              p = s * r;
              diag[i + 1] = g + p;
              g = c * r - b;
              for (guint q = 0; q < n; q++)
                {
                  double t = zj[q];

                  zj[q] = s * zi[q] + c * t;
                  zi[q] = c * zi[q] - s * t;
                }
            }
          if (underflow)
            continue;
          diag[l] -= p;
          off[l] = g;
          off[m] = 0.0;
        }
    }
  return TRUE;
}

/* Sums of products of the centred points, upper triangle of the d x d matrix. Each thread
 * centres a block of points into doubles itself (cheap beside the d^2 products), then adds
 * the block into the rows of the matrix it owns, so every entry sums the points in order
 * whatever the number of threads, and no thread waits for another. */
EVOX_KMEANS_CLONES static void
covariance_sums (const float  *points,
                 gsize         n,
                 guint         d,
                 const double *mean,
                 double       *cov)
{
  const gsize block = 64;

#pragma omp parallel
  {
    g_autofree double *centred = g_new (double, block * d);

    for (gsize b = 0; b < n; b += block)
      {
        gsize rows = MIN (n, b + block) - b;

        for (gsize i = 0; i < rows; i++)
          for (guint f = 0; f < d; f++)
            centred[i * d + f] = (double) points[(b + i) * d + f] - mean[f];

#pragma omp for schedule(static, 1) nowait
        for (guint f = 0; f < d; f++)
          {
            double *row = cov + (gsize) f * d;

            for (gsize i = 0; i < rows; i++)
              {
                const double *c = centred + i * d;
                double a = c[f];

#pragma omp simd
                for (guint g = f; g < d; g++)
                  row[g] += a * c[g];
              }
          }
      }
  }
}

/* The fit of finite rows. */
static EvoxPca *
pca_fit (const float  *points,
         gsize         n,
         guint         d,
         guint         d_out,
         GError      **error)
{
  g_autofree double *cov = NULL, *diag = NULL, *off = NULL, *zt = NULL;
  g_autofree guint *order = NULL;
  EvoxPca *self;
  double total = 0.0;

  g_return_val_if_fail (points != NULL || n == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (d_out == 0 || d_out > MIN (n, (gsize) d))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "PCA to %u components needs 1 to %" G_GSIZE_FORMAT
                   " (the smaller of %" G_GSIZE_FORMAT " finite points and %u features)",
                   d_out, MIN (n, (gsize) d), n, d);
      return NULL;
    }

  self = g_new0 (EvoxPca, 1);
  self->d_in = d;
  self->d_out = d_out;
  self->mean = feature_means (points, n, d);

  cov = g_new0 (double, (gsize) d * d);
  covariance_sums (points, n, d, self->mean, cov);
  for (guint f = 0; f < d; f++)
    for (guint g = f; g < d; g++)
      {
        double v = cov[(gsize) f * d + g] / (double) MAX (n - 1, 1);

        cov[(gsize) f * d + g] = cov[(gsize) g * d + f] = v;
      }

  diag = g_new (double, d);
  off = g_new (double, d);
  zt = g_new (double, (gsize) d * d);
  tridiagonalise (cov, d, diag, off, zt);
  if (!tridiagonal_ql (diag, off, d, zt))
    g_warning ("PCA: the QL iteration did not converge; components may be inaccurate");

  /* largest variance first; equal ones keep their order */
  order = g_new (guint, d);
  for (guint j = 0; j < d; j++)
    order[j] = j;
  for (guint j = 1; j < d; j++)
    {
      guint o = order[j], i = j;

      while (i > 0 && diag[order[i - 1]] < diag[o])
        {
          order[i] = order[i - 1];
          i--;
        }
      order[i] = o;
    }

  for (guint j = 0; j < d; j++)
    total += MAX (diag[j], 0.0);

  self->components = g_new (double, (gsize) d_out * d);
  self->explained_variance = g_new (double, d_out);
  self->explained_variance_ratio = g_new (double, d_out);
  for (guint c = 0; c < d_out; c++)
    {
      const double *v = zt + (gsize) order[c] * d;
      double *out = self->components + (gsize) c * d;
      guint big = 0;

      for (guint f = 1; f < d; f++)
        if (fabs (v[f]) > fabs (v[big]))
          big = f;
      for (guint f = 0; f < d; f++)
        out[f] = v[big] < 0 ? -v[f] : v[f];
      /* a covariance is positive semi-definite: negative eigenvalues are rounding */
      self->explained_variance[c] = MAX (diag[order[c]], 0.0);
      self->explained_variance_ratio[c] = total > 0 ? self->explained_variance[c] / total : 0.0;
    }
  return self;
}

EvoxPca *
evox_pca_fit (const float  *points,
              gsize         n,
              guint         d,
              guint         d_out,
              GError      **error)
{
  EvoxPca *self;
  FiniteRows rows;

  g_return_val_if_fail (points != NULL || n == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  finite_rows_init (&rows, points, n, d, NULL);
  self = pca_fit (rows.points, rows.n, d, d_out, error);
  finite_rows_clear (&rows);
  return self;
}

void
evox_pca_transform (const EvoxPca *self,
                    const float   *points,
                    gsize          n,
                    float         *out)
{
  guint d, d_out;

  g_return_if_fail (self != NULL);
  g_return_if_fail (out != points || n == 0);
  d = self->d_in;
  d_out = self->d_out;

#pragma omp parallel
  {
    g_autofree double *centred = g_new (double, d);

#pragma omp for schedule(static)
    for (gsize i = 0; i < n; i++)
      {
        for (guint f = 0; f < d; f++)
          centred[f] = (double) points[i * d + f] - self->mean[f];
        for (guint c = 0; c < d_out; c++)
          {
            const double *comp = self->components + (gsize) c * d;
            double s = 0.0;

            for (guint f = 0; f < d; f++)
              s += centred[f] * comp[f];
            out[i * d_out + c] = (float) s;
          }
      }
  }
}

double *
evox_pca_inverse (const EvoxPca *self,
                  const double  *rows,
                  gsize          n_rows)
{
  double *out;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_new (double, MAX (n_rows * self->d_in, 1));
  for (gsize i = 0; i < n_rows; i++)
    {
      double *o = out + i * self->d_in;

      memcpy (o, self->mean, sizeof (double) * self->d_in);
      for (guint c = 0; c < self->d_out; c++)
        {
          const double *comp = self->components + (gsize) c * self->d_in;
          double r = rows[i * self->d_out + c];

          for (guint f = 0; f < self->d_in; f++)
            o[f] += r * comp[f];
        }
    }
  return out;
}

void
evox_pca_free (EvoxPca *self)
{
  if (self == NULL)
    return;
  g_free (self->mean);
  g_free (self->components);
  g_free (self->explained_variance);
  g_free (self->explained_variance_ratio);
  g_free (self);
}

/* ---- k-means++ ---- */

void
evox_kmeans_params_init (EvoxKmeansParams *params)
{
  g_return_if_fail (params != NULL);

  params->k = 8;
  params->seed = 0;
  params->restarts = 4;
  params->max_iter = 300;
  params->tol = 1e-4;
  params->init_sample = 100000;
}

static gboolean
is_cancelled (GCancellable *cancellable,
              gint         *flag)
{
  if (g_atomic_int_get (flag))
    return TRUE;
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_atomic_int_set (flag, 1);
      return TRUE;
    }
  return FALSE;
}

/* For the points start..end-1: out[i] = min (closest[i], |x_i - centre|^2), or the distance
 * alone when closest is NULL (the first centre); returns their sum. */
EVOX_KMEANS_CLONES static double
trial_chunk (const float  *x,
             guint         d,
             gsize         start,
             gsize         end,
             const float  *centre,
             const double *closest,
             double       *out)
{
  double s = 0.0;

  for (gsize i = start; i < end; i++)
    {
      double dd = dist2_ff (x + i * d, centre, d);

      if (closest != NULL)
        dd = MIN (closest[i], dd);
      out[i] = dd;
      s += dd;
    }
  return s;
}

/* Greedy k-means++ as scikit-learn's _kmeans_plusplus: the first centre is a uniform draw; each
 * next one is the best of 2 + floor(ln k) candidates drawn with probability proportional to
 * the squared distance to the nearest centre so far (the first index whose cumulative sum
 * reaches u * potential), the best being the one that leaves the lowest potential. FALSE when
 * cancelled. */
static gboolean
kmeans_plusplus (const float  *x,
                 gsize         n,
                 guint         d,
                 guint         k,
                 Rng          *rng,
                 double       *centers,
                 GCancellable *cancellable)
{
  guint trials = 2 + (guint) floor (log ((double) k));
  Chunks ch = chunks_for (n);
  g_autofree double *closest = g_new (double, n);
  g_autofree double *cand = g_new (double, (gsize) trials * n);
  g_autofree double *cum = g_new (double, n);
  g_autofree double *partial = g_new0 (double, MAX (ch.count, 1) * trials);
  g_autofree gsize *ids = g_new (gsize, trials);
  const float *first;
  double pot = 0.0;
  gint cancelled = 0;

  first = x + rng_below (rng, n) * d;
  for (guint f = 0; f < d; f++)
    centers[f] = first[f];

#pragma omp parallel for schedule(dynamic, 1) if (ch.count > 1)
  for (gsize c = 0; c < ch.count; c++)
    {
      gsize end = MIN (n, (c + 1) * ch.size);

      partial[c] = trial_chunk (x, d, c * ch.size, end, first, NULL, closest);
    }
  for (gsize c = 0; c < ch.count; c++)
    pot += partial[c];

  for (guint c = 1; c < k; c++)
    {
      double acc = 0.0, best_pot = INFINITY;
      guint best = 0;

      if (is_cancelled (cancellable, &cancelled))
        return FALSE;

      for (gsize i = 0; i < n; i++)
        cum[i] = (acc += closest[i]);
      for (guint t = 0; t < trials; t++)
        {
          double r = rng_uniform (rng) * pot;
          gsize lo = 0, hi = n;

          /* the first index with cum >= r (numpy's searchsorted, side "left") */
          while (lo < hi)
            {
              gsize mid = lo + (hi - lo) / 2;

              if (cum[mid] < r)
                lo = mid + 1;
              else
                hi = mid;
            }
          ids[t] = MIN (lo, n - 1);
        }

#pragma omp parallel for schedule(dynamic, 1) if (ch.count > 1)
      for (gsize b = 0; b < ch.count; b++)
        {
          gsize end = MIN (n, (b + 1) * ch.size);

          for (guint t = 0; t < trials; t++)
            partial[b * trials + t] = trial_chunk (x, d, b * ch.size, end, x + ids[t] * d,
                                                   closest, cand + t * n);
        }

      for (guint t = 0; t < trials; t++)
        {
          double s = 0.0;

          for (gsize b = 0; b < ch.count; b++)
            s += partial[b * trials + t];
          if (s < best_pot)
            {
              best_pot = s;
              best = t;
            }
        }
      pot = best_pot;
      memcpy (closest, cand + best * n, sizeof (double) * n);
      for (guint f = 0; f < d; f++)
        centers[(gsize) c * d + f] = x[ids[best] * d + f];
    }
  return TRUE;
}

double *
evox_kmeans_plusplus (const float *points,
                      gsize        n,
                      guint        d,
                      guint        k,
                      guint64      seed)
{
  double *centers;
  FiniteRows rows;
  Rng rng;

  g_return_val_if_fail (points != NULL, NULL);
  g_return_val_if_fail (d > 0, NULL);

  finite_rows_init (&rows, points, n, d, NULL);
  if (k == 0 || k > rows.n)
    {
      g_critical ("%s: k = %u for %" G_GSIZE_FORMAT " finite points", G_STRFUNC, k, rows.n);
      finite_rows_clear (&rows);
      return NULL;
    }
  rng_init (&rng, seed, 0);
  centers = g_new (double, (gsize) k * d);
  kmeans_plusplus (rows.points, rows.n, d, k, &rng, centers, NULL);
  finite_rows_clear (&rows);
  return centers;
}

/* ---- Lloyd with Hamerly's bounds ---- */

typedef struct
{
  const float  *x;
  gsize         n;
  guint         d;
  guint         k;
  Chunks        ch;
  GCancellable *cancellable;
  gint          cancelled;

  double       *c;         /* k x d, the centres the labels are measured against */
  double       *c_new;     /* k x d */
  double       *shift;     /* k: how far each centre moved in the last update */
  double       *half;      /* k: half the distance to the nearest other centre */
  double        max_shift[2];
  guint         max_shift_at;

  guint32      *a;         /* n labels */
  /* The bounds are floats rounded outwards (u up, l down): still bounds, half the bytes of the
   * pass that streams them every iteration. A looser bound only sends a point to the exact
   * distances, so the labels are those of double bounds. */
  float        *u;         /* n upper bounds on the distance to the own centre */
  float        *l;         /* n lower bounds on the distance to any other centre */
  double       *sums;      /* chunks x k x d, kept equal to the sums of each chunk's members */
  gint64       *counts;    /* chunks x k */
  double       *counts_d;  /* k, the cluster sizes as doubles */
  double       *scratch;   /* chunks */
  double       *ct;        /* d x stride: the centres transposed, for few features */
  guint         stride;    /* k rounded up to a multiple of 4 */
} Lloyd;

static void
lloyd_clear (Lloyd *lloyd)
{
  g_free (lloyd->c);
  g_free (lloyd->c_new);
  g_free (lloyd->shift);
  g_free (lloyd->half);
  g_free (lloyd->a);
  g_free (lloyd->u);
  g_free (lloyd->l);
  g_free (lloyd->sums);
  g_free (lloyd->counts);
  g_free (lloyd->counts_d);
  g_free (lloyd->scratch);
  g_free (lloyd->ct);
}

static void
transpose_centres (Lloyd *lloyd)
{
  guint k = lloyd->k, d = lloyd->d;

  if (d > SMALL_D)
    return;
  for (guint f = 0; f < d; f++)
    for (guint j = 0; j < lloyd->stride; j++)
      lloyd->ct[(gsize) f * lloyd->stride + j] = lloyd->c[(gsize) MIN (j, k - 1) * d + f];
}

/* x as a float no smaller (bound_up) or no larger (bound_down) than x, in a few flops (a call
 * of nextafterf per point cost more than the bytes saved): widened by 2^-22 of itself, which
 * rounding to the nearest float (half an ulp, at most 2^-24 of it) cannot undo, and by the
 * smallest subnormal, which covers the subnormal range. */
static inline float
bound_up (double x)
{
  return (float) (x + fabs (x) * 0x1p-22 + 0x1p-149);
}

static inline float
bound_down (double x)
{
  double y = x - fabs (x) * 0x1p-22 - 0x1p-149;

  /* a finite bound above the floats becomes the largest float, not infinity */
  return y < FLT_MAX ? (float) y : isinf (x) ? INFINITY : FLT_MAX;
}

/* Bounds can only be trusted up to rounding: a point is skipped only when its upper bound is
 * below the lower one by more than this relative margin, so near-ties are always decided by
 * exact distances, as Lloyd decides them. */
#define BOUND_MARGIN (1.0 + 1e-10)

/* Finds the nearest and second-nearest centres of the points of a block; the nearest is the
 * lowest index among equals, as scikit-learn's argmin. */
EVOX_KMEANS_INLINE gsize
assign_block (Lloyd       *lloyd,
              gsize        chunk,
              const gsize *idx,
              guint        nb,
              double      *dist,
              gboolean     first)
{
  guint k = lloyd->k, d = lloyd->d;
  double *sums = lloyd->sums + chunk * k * d;
  gint64 *counts = lloyd->counts + chunk * k;
  gsize changes = 0;

  block_distances (lloyd->x, d, idx, nb, lloyd->c, lloyd->ct, k, lloyd->stride, dist);
  for (guint p = 0; p < nb; p++)
    {
      const double *dp = dist + (gsize) p * lloyd->stride;
      gsize i = idx[p];
      double b1 = dp[0], b2 = INFINITY;
      guint best = 0;

      for (guint j = 1; j < k; j++)
        {
          if (dp[j] < b1)
            {
              b2 = b1;
              b1 = dp[j];
              best = j;
            }
          else if (dp[j] < b2)
            b2 = dp[j];
        }
      lloyd->u[i] = bound_up (sqrt (b1));
      lloyd->l[i] = bound_down (sqrt (b2));
      if (first)
        lloyd->a[i] = best;
      else if (lloyd->a[i] != best)
        {
          const float *x = lloyd->x + i * d;
          double *from = sums + (gsize) lloyd->a[i] * d, *to = sums + (gsize) best * d;

          for (guint f = 0; f < d; f++)
            {
              from[f] -= x[f];
              to[f] += x[f];
            }
          counts[lloyd->a[i]]--;
          counts[best]++;
          lloyd->a[i] = best;
          changes++;
        }
    }
  return changes;
}

/* Labels the points of chunk c against lloyd->c; returns how many labels changed. The first pass
 * computes every distance and fills the chunk's sums; later ones first move the bounds by the
 * last centre shifts, then skip each point whose bounds prove its label. */
EVOX_KMEANS_CLONES static gsize
assign_chunk (Lloyd    *lloyd,
              gsize     c,
              gboolean  first,
              double   *dist)
{
  guint k = lloyd->k, d = lloyd->d;
  gsize start = c * lloyd->ch.size, end = MIN (lloyd->n, start + lloyd->ch.size), changes = 0;
  gsize idx[BLOCK];
  guint nb = 0;

  for (gsize i = start; i < end; i++)
    {
      if (!first)
        {
          guint j = lloyd->a[i];
          double m, u, l;

          u = (double) lloyd->u[i] + lloyd->shift[j];
          l = (double) lloyd->l[i] - lloyd->max_shift[j == lloyd->max_shift_at];
          lloyd->u[i] = bound_up (u);
          lloyd->l[i] = bound_down (l);
          m = MAX (lloyd->half[j], (double) lloyd->l[i]);
          if ((double) lloyd->u[i] * BOUND_MARGIN < m)
            continue;
          u = sqrt (dist2_fd (lloyd->x + i * d, lloyd->c + (gsize) j * d, d));
          lloyd->u[i] = bound_up (u);
          if (u * BOUND_MARGIN < m)
            continue;
        }
      idx[nb++] = i;
      if (nb == BLOCK)
        {
          changes += assign_block (lloyd, c, idx, nb, dist, first);
          nb = 0;
        }
    }
  if (nb > 0)
    changes += assign_block (lloyd, c, idx, nb, dist, first);

  if (first)
    {
      double *sums = lloyd->sums + c * k * d;
      gint64 *counts = lloyd->counts + c * k;

      memset (sums, 0, sizeof (double) * k * d);
      memset (counts, 0, sizeof (gint64) * k);
      for (gsize i = start; i < end; i++)
        {
          const float *x = lloyd->x + i * d;
          double *s = sums + (gsize) lloyd->a[i] * d;

          for (guint f = 0; f < d; f++)
            s[f] += x[f];
          counts[lloyd->a[i]]++;
        }
    }
  return changes;
}

/* Labels every point against lloyd->c; returns how many labels changed (every point on the first
 * pass). */
static gsize
lloyd_assign (Lloyd    *lloyd,
              gboolean  first)
{
  gsize changes = 0;

#pragma omp parallel reduction(+:changes) if (lloyd->ch.count > 1)
  {
    g_autofree double *dist = g_new (double, (gsize) BLOCK * lloyd->stride);

#pragma omp for schedule(dynamic, 1)
    for (gsize c = 0; c < lloyd->ch.count; c++)
      if (!is_cancelled (lloyd->cancellable, &lloyd->cancelled))
        changes += assign_chunk (lloyd, c, first, dist);
  }
  return first ? lloyd->n : changes;
}

/* scikit-learn's _relocate_empty_clusters_dense: each empty cluster takes one of the points
 * farthest from their centres (the farthest first; equal distances by the lower index), which
 * leaves its old cluster's sum. Labels are not changed: the next assignment settles them. */
static void
relocate_empty (Lloyd  *lloyd,
                double *sums,
                double *counts)
{
  guint k = lloyd->k, d = lloyd->d, n_empty = 0;
  g_autofree guint *empty = g_new (guint, k);
  g_autofree double *far = NULL;
  g_autofree gsize *taken = NULL;

  for (guint j = 0; j < k; j++)
    if (counts[j] == 0)
      empty[n_empty++] = j;
  if (n_empty == 0)
    return;

  far = g_new (double, lloyd->n);
#pragma omp parallel for schedule(static)
  for (gsize i = 0; i < lloyd->n; i++)
    far[i] = dist2_fd (lloyd->x + i * d, lloyd->c + (gsize) lloyd->a[i] * d, d);

  taken = g_new (gsize, n_empty);
  for (guint e = 0; e < n_empty && e < lloyd->n; e++)
    {
      gsize best = G_MAXSIZE;
      const float *x;
      guint from;

      for (gsize i = 0; i < lloyd->n; i++)
        if (far[i] >= 0 && (best == G_MAXSIZE || far[i] > far[best]))
          best = i;
      far[best] = -1.0;
      taken[e] = best;
      x = lloyd->x + best * d;
      from = lloyd->a[best];
      for (guint f = 0; f < d; f++)
        {
          sums[(gsize) from * d + f] -= x[f];
          sums[(gsize) empty[e] * d + f] = x[f];
        }
      counts[from] -= 1;
      counts[empty[e]] = 1;
    }
}

/* New centres from the chunk sums (in chunk order), with empty clusters relocated; sets the
 * shifts, the half distances between centres, and swaps c_new into c. Returns the total
 * squared shift. */
static double
lloyd_update (Lloyd *lloyd)
{
  guint k = lloyd->k, d = lloyd->d;
  gsize kd = (gsize) k * d;
  double total = 0.0;

  /* k x d x chunks additions: less than a fork and join of threads costs */
  for (gsize e = 0; e < kd; e++)
    {
      double s = 0.0;

      for (gsize c = 0; c < lloyd->ch.count; c++)
        s += lloyd->sums[c * kd + e];
      lloyd->c_new[e] = s;
    }
  for (guint j = 0; j < k; j++)
    {
      gint64 s = 0;

      for (gsize c = 0; c < lloyd->ch.count; c++)
        s += lloyd->counts[c * k + j];
      lloyd->counts_d[j] = (double) s;
    }
  relocate_empty (lloyd, lloyd->c_new, lloyd->counts_d);
  for (guint j = 0; j < k; j++)
    if (lloyd->counts_d[j] > 0)
      for (guint f = 0; f < d; f++)
        lloyd->c_new[(gsize) j * d + f] /= lloyd->counts_d[j];

  lloyd->max_shift[0] = lloyd->max_shift[1] = 0.0;
  lloyd->max_shift_at = 0;
  for (guint j = 0; j < k; j++)
    {
      double s2 = 0.0, s;

      for (guint f = 0; f < d; f++)
        {
          double t = lloyd->c_new[(gsize) j * d + f] - lloyd->c[(gsize) j * d + f];
          s2 += t * t;
        }
      total += s2;
      s = sqrt (s2);
      lloyd->shift[j] = s;
      /* the largest shift, and the largest of the others, for the lower bounds */
      if (s > lloyd->max_shift[0])
        {
          lloyd->max_shift[1] = lloyd->max_shift[0];
          lloyd->max_shift[0] = s;
          lloyd->max_shift_at = j;
        }
      else if (s > lloyd->max_shift[1])
        lloyd->max_shift[1] = s;
    }
  {
    double *t = lloyd->c;

    lloyd->c = lloyd->c_new;
    lloyd->c_new = t;
    transpose_centres (lloyd);
  }

  for (guint j = 0; j < k; j++)
    {
      double best = INFINITY;

      for (guint j2 = 0; j2 < k; j2++)
        if (j2 != j)
          {
            double s = 0.0;

            for (guint f = 0; f < d; f++)
              {
                double t = lloyd->c[(gsize) j * d + f] - lloyd->c[(gsize) j2 * d + f];
                s += t * t;
              }
            best = MIN (best, s);
          }
      lloyd->half[j] = 0.5 * sqrt (best);
    }
  return total;
}

EVOX_KMEANS_CLONES static double
inertia_chunk (const Lloyd *lloyd,
               gsize        c)
{
  gsize end = MIN (lloyd->n, (c + 1) * lloyd->ch.size);
  double s = 0.0;

  for (gsize i = c * lloyd->ch.size; i < end; i++)
    s += dist2_fd (lloyd->x + i * lloyd->d, lloyd->c + (gsize) lloyd->a[i] * lloyd->d, lloyd->d);
  return s;
}

static double
lloyd_inertia (Lloyd *lloyd)
{
  double total = 0.0;

#pragma omp parallel for schedule(dynamic, 1) if (lloyd->ch.count > 1)
  for (gsize c = 0; c < lloyd->ch.count; c++)
    lloyd->scratch[c] = inertia_chunk (lloyd, c);
  for (gsize c = 0; c < lloyd->ch.count; c++)
    total += lloyd->scratch[c];
  return total;
}

/* One run from the given centres, as scikit-learn's _kmeans_single_lloyd: each iteration
 * labels the points against the centres, then moves the centres to the means; it stops when
 * no label changed (strict convergence) or the total squared shift is at most tol_abs; unless
 * strict, the points are labelled once more against the final centres. */
static gboolean
lloyd_run (Lloyd         *lloyd,
           const double  *init,
           guint          max_iter,
           double         tol_abs,
           EvoxProgress  *progress,
           guint         *n_iter,
           gboolean      *converged)
{
  gboolean strict = FALSE;
  guint it;

  memcpy (lloyd->c, init, sizeof (double) * lloyd->k * lloyd->d);
  transpose_centres (lloyd);
  *converged = FALSE;
  for (it = 0; it < max_iter; it++)
    {
      gsize changes = lloyd_assign (lloyd, it == 0);
      double shift;

      if (lloyd->cancelled)
        return FALSE;
      shift = lloyd_update (lloyd);
      evox_progress_update (progress, (double) (it + 1) / max_iter);
      if (it > 0 && changes == 0)
        {
          strict = TRUE;
          *converged = TRUE;
          it++;
          break;
        }
      if (shift <= tol_abs)
        {
          *converged = TRUE;
          it++;
          break;
        }
    }
  *n_iter = MIN (it, max_iter);
  if (!strict)
    lloyd_assign (lloyd, FALSE);
  return !lloyd->cancelled;
}

/* Numbers the clusters by size, 0 the largest; equal sizes by the lower index of the cluster's
 * first point (empty clusters last, by their old number). */
static void
relabel_by_size (EvoxKmeansResult *r,
                 gsize             n)
{
  guint k = r->k, d = r->d;
  g_autofree gsize *first = g_new (gsize, k);
  g_autofree guint *order = g_new (guint, k);
  g_autofree guint *map = g_new (guint, k);
  g_autofree double *centers = g_new (double, (gsize) k * d);
  g_autofree guint64 *sizes = g_new (guint64, k);

  for (guint j = 0; j < k; j++)
    {
      first[j] = G_MAXSIZE;
      r->sizes[j] = 0;
      order[j] = j;
    }
  for (gsize i = 0; i < n; i++)
    {
      guint j = r->labels[i];

      if (first[j] == G_MAXSIZE)
        first[j] = i;
      r->sizes[j]++;
    }
  for (guint j = 1; j < k; j++)
    {
      guint o = order[j], i = j;

      while (i > 0)
        {
          guint p = order[i - 1];
          gboolean after = r->sizes[p] < r->sizes[o] ||
                           (r->sizes[p] == r->sizes[o] &&
                            (first[p] > first[o] || (first[p] == first[o] && p > o)));

          if (!after)
            break;
          order[i] = p;
          i--;
        }
      order[i] = o;
    }
  for (guint j = 0; j < k; j++)
    {
      map[order[j]] = j;
      memcpy (centers + (gsize) j * d, r->centers + (gsize) order[j] * d, sizeof (double) * d);
      sizes[j] = r->sizes[order[j]];
    }
  memcpy (r->centers, centers, sizeof (double) * k * d);
  memcpy (r->sizes, sizes, sizeof (guint64) * k);
#pragma omp parallel for schedule(static)
  for (gsize i = 0; i < n; i++)
    r->labels[i] = map[r->labels[i]];
}

/* scikit-learn's _tolerance: tol times the mean of the features' variances. */
static double
absolute_tolerance (const float *points,
                    gsize        n,
                    guint        d,
                    double       tol)
{
  g_autofree double *mean = feature_means (points, n, d);
  g_autofree double *var = feature_variances (points, n, d, mean);
  double sum = 0.0;

  for (guint f = 0; f < d; f++)
    sum += var[f];
  return tol * sum / d;
}

/* What a run needs beyond the points, with the parameters' defaults resolved. */
typedef struct
{
  guint    k;
  guint64  seed;
  guint    restarts;
  guint    max_iter;
  double   tol_abs;
  gsize    init_sample;
} RunSetup;

static void
run_setup_init (RunSetup               *setup,
                const EvoxKmeansParams *params,
                guint                   k,
                const float            *points,
                gsize                   n,
                guint                   d)
{
  setup->k = k;
  setup->seed = params->seed;
  setup->restarts = MAX (params->restarts, 1);
  setup->max_iter = params->max_iter == 0 ? 300 : params->max_iter;
  setup->tol_abs = absolute_tolerance (points, n, d,
                                       params->tol == 0 ? 1e-4 : MAX (params->tol, 0.0));
  setup->init_sample = params->init_sample == 0 ? n : MIN (params->init_sample, n);
  setup->init_sample = MAX (setup->init_sample, k);
}

/* The per-point arrays of one run (n labels, n upper and n lower bounds: 12 bytes a point),
 * handed from restart to restart: fresh ones for millions of points are fresh pages, and
 * faulting them in cost more than a Lloyd iteration. Their contents are never read before the
 * first assignment writes them, so reuse changes no result. */
typedef struct
{
  guint32 *a;
  float   *u;
  float   *l;
} LloydSpare;

static void
lloyd_spare_clear (LloydSpare *spare)
{
  g_clear_pointer (&spare->a, g_free);
  g_clear_pointer (&spare->u, g_free);
  g_clear_pointer (&spare->l, g_free);
}

/* Restart r: greedy k-means++ from (seed, r) unless init_centers are given, then Lloyd; the
 * clusters not yet numbered by size. NULL when cancelled. spare, when not NULL, lends the
 * per-point arrays and gets the bounds back (the labels leave with the result). */
static EvoxKmeansResult *
kmeans_once (const float    *points,
             gsize           n,
             guint           d,
             const RunSetup *setup,
             guint           r,
             const double   *init_centers,
             LloydSpare     *spare,
             EvoxProgress   *progress,
             GCancellable   *cancellable)
{
  g_autofree double *init = NULL;
  EvoxKmeansResult *run = NULL;
  guint k = setup->k, n_iter = 0;
  gboolean converged = FALSE;
  Lloyd lloyd = { 0 };

  init = g_new (double, (gsize) k * d);
  if (init_centers != NULL)
    memcpy (init, init_centers, sizeof (double) * k * d);
  else
    {
      Rng rng;
      gboolean ok;

      rng_init (&rng, setup->seed, r);
      if (setup->init_sample < n)
        {
          g_autofree gsize *idx = sample_indices (n, setup->init_sample, &rng);
          g_autofree float *sample = gather_rows (points, d, idx, setup->init_sample);

          ok = kmeans_plusplus (sample, setup->init_sample, d, k, &rng, init, cancellable);
        }
      else
        ok = kmeans_plusplus (points, n, d, k, &rng, init, cancellable);
      if (!ok)
        return NULL;
    }

  lloyd.x = points;
  lloyd.n = n;
  lloyd.d = d;
  lloyd.k = k;
  lloyd.ch = chunks_for (n);
  lloyd.cancellable = cancellable;
  lloyd.c = g_new (double, (gsize) k * d);
  lloyd.c_new = g_new (double, (gsize) k * d);
  lloyd.shift = g_new0 (double, k);
  lloyd.half = g_new0 (double, k);
  lloyd.a = spare != NULL && spare->a != NULL ? g_steal_pointer (&spare->a) : g_new (guint32, n);
  lloyd.u = spare != NULL && spare->u != NULL ? g_steal_pointer (&spare->u) : g_new (float, n);
  lloyd.l = spare != NULL && spare->l != NULL ? g_steal_pointer (&spare->l) : g_new (float, n);
  lloyd.sums = g_new0 (double, lloyd.ch.count * k * d);
  lloyd.counts = g_new0 (gint64, lloyd.ch.count * k);
  lloyd.counts_d = g_new0 (double, k);
  lloyd.scratch = g_new0 (double, lloyd.ch.count);
  lloyd.stride = (k + 3) / 4 * 4;
  lloyd.ct = g_new (double, (gsize) d * lloyd.stride);

  if (lloyd_run (&lloyd, init, setup->max_iter, setup->tol_abs, progress, &n_iter, &converged))
    {
      run = g_new0 (EvoxKmeansResult, 1);
      run->k = k;
      run->d = d;
      run->inertia = lloyd_inertia (&lloyd);
      run->centers = g_steal_pointer (&lloyd.c);
      run->labels = g_steal_pointer (&lloyd.a);
      run->sizes = g_new0 (guint64, k);
      run->n_iter = n_iter;
      run->restart = r;
      run->converged = converged;
    }
  if (spare != NULL)
    {
      spare->u = g_steal_pointer (&lloyd.u);
      spare->l = g_steal_pointer (&lloyd.l);
    }
  lloyd_clear (&lloyd);
  return run;
}

/* The run on finite points. */
static EvoxKmeansResult *
kmeans_run (const float             *points,
            gsize                    n,
            guint                    d,
            const EvoxKmeansParams  *params,
            const double            *init_centers,
            EvoxProgress            *progress,
            GCancellable            *cancellable,
            GError                 **error)
{
  g_autoptr (EvoxKmeansResult) best = NULL;
  LloydSpare spare = { 0 };
  RunSetup setup;
  guint k = params->k;

  run_setup_init (&setup, params, k, points, n, d);
  if (init_centers != NULL)
    setup.restarts = 1;

  for (guint r = 0; r < setup.restarts; r++)
    {
      g_autoptr (EvoxKmeansResult) run = NULL;

      evox_progress_set_stage (progress, "k-means", (double) r / setup.restarts,
                               (double) (r + 1) / setup.restarts);
      gint64 clock = g_get_monotonic_time ();

      run = kmeans_once (points, n, d, &setup, r, init_centers, &spare, progress, cancellable);
      if (run == NULL)
        break;
      g_debug ("k-means: restart %u of %" G_GSIZE_FORMAT " points, k = %u: %u iterations, "
               "%.3f s", r, n, k, run->n_iter, (g_get_monotonic_time () - clock) / 1e6);
      /* the first of equal inertias stays, as scikit-learn keeps it */
      if (best == NULL || run->inertia < best->inertia)
        {
          EvoxKmeansResult *t = best;

          best = g_steal_pointer (&run);
          run = t;
        }
      /* The loser's labels become the next restart's. */
      if (run != NULL)
        {
          g_free (spare.a);
          spare.a = g_steal_pointer (&run->labels);
        }
    }
  lloyd_spare_clear (&spare);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  g_assert (best != NULL);
  relabel_by_size (best, n);
  return g_steal_pointer (&best);
}

EvoxKmeansResult *
evox_kmeans_run (const float             *points,
                 gsize                    n,
                 guint                    d,
                 const EvoxKmeansParams  *params,
                 const double            *init_centers,
                 EvoxProgress            *progress,
                 GCancellable            *cancellable,
                 GError                 **error)
{
  EvoxKmeansResult *result;
  FiniteRows rows;
  guint k;

  g_return_val_if_fail (points != NULL || n == 0, NULL);
  g_return_val_if_fail (d > 0, NULL);
  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  k = params->k;
  finite_rows_init (&rows, points, n, d, NULL);
  if (rows.n == 0 && n > 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "k-means: none of the %" G_GSIZE_FORMAT " points has finite features", n);
      finite_rows_clear (&rows);
      return NULL;
    }
  if (k == 0 || k > rows.n)
    {
      if (rows.n < n)
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "k-means needs 1 to %" G_GSIZE_FORMAT " clusters for the %" G_GSIZE_FORMAT
                     " points with finite features (of %" G_GSIZE_FORMAT "); k = %u", rows.n,
                     rows.n, n, k);
      else
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "k-means needs 1 to %" G_GSIZE_FORMAT " clusters for %" G_GSIZE_FORMAT
                     " points; k = %u", n, n, k);
      finite_rows_clear (&rows);
      return NULL;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      finite_rows_clear (&rows);
      return NULL;
    }

  result = kmeans_run (rows.points, rows.n, d, params, init_centers, progress, cancellable,
                       error);
  if (result != NULL && rows.index != NULL)
    {
      /* back to the caller's rows: the points left out get no cluster */
      guint32 *labels = g_new (guint32, MAX (n, 1));

      for (gsize i = 0; i < n; i++)
        labels[i] = EVOX_KMEANS_LEFT_OUT;
      for (gsize j = 0; j < rows.n; j++)
        labels[rows.index[j]] = result->labels[j];
      g_free (result->labels);
      result->labels = labels;
    }
  if (result != NULL)
    result->n_left_out = n - rows.n;
  finite_rows_clear (&rows);
  return result;
}

void
evox_kmeans_result_free (EvoxKmeansResult *self)
{
  if (self == NULL)
    return;
  g_free (self->centers);
  g_free (self->labels);
  g_free (self->sizes);
  g_free (self);
}

/* ---- quality measures ---- */

/* On the kept rows only. */
static double
calinski_harabasz (const float   *points,
                   gsize          n,
                   guint          d,
                   const guint32 *labels,
                   guint          k)
{
  g_autofree double *mean = NULL;
  g_autofree double *sums = g_new0 (double, (gsize) k * d);
  g_autofree gsize *sizes = g_new0 (gsize, k);
  double extra = 0.0, intra = 0.0;
  guint present = 0;

  mean = feature_means (points, n, d);
  for (gsize i = 0; i < n; i++)
    {
      double *s;

      s = sums + (gsize) labels[i] * d;
      for (guint f = 0; f < d; f++)
        s[f] += points[i * d + f];
      sizes[labels[i]]++;
    }
  for (guint j = 0; j < k; j++)
    if (sizes[j] > 0)
      {
        double e = 0.0;

        present++;
        for (guint f = 0; f < d; f++)
          {
            double t;

            sums[(gsize) j * d + f] /= (double) sizes[j];
            t = sums[(gsize) j * d + f] - mean[f];
            e += t * t;
          }
        extra += (double) sizes[j] * e;
      }
  /* scikit-learn counts the labels that occur, and refuses fewer than 2 */
  if (present < 2 || present >= n)
    return NAN;
  for (gsize i = 0; i < n; i++)
    intra += dist2_fd (points + i * d, sums + (gsize) labels[i] * d, d);
  if (intra == 0.0)
    return 1.0;
  return extra * (double) (n - present) / (intra * (double) (present - 1));
}

double
evox_calinski_harabasz (const float   *points,
                        gsize          n,
                        guint          d,
                        const guint32 *labels,
                        guint          k)
{
  FiniteRows rows;
  double ch;

  g_return_val_if_fail (points != NULL && labels != NULL, NAN);
  for (gsize i = 0; i < n; i++)
    g_return_val_if_fail (labels[i] < k || labels[i] == EVOX_KMEANS_LEFT_OUT, NAN);

  finite_rows_init (&rows, points, n, d, labels);
  ch = calinski_harabasz (rows.points, rows.n, d, rows.labels, k);
  finite_rows_clear (&rows);
  return ch;
}

/* acc[offsets[L] + j]: the sum of the distances from point i to the points of cluster j of
 * labelling L. */
EVOX_KMEANS_CLONES static void
silhouette_sums (const float    *x,
                 gsize           n,
                 guint           d,
                 gsize           i,
                 const guint32 **labels,
                 const gsize    *offsets,
                 guint           n_labelings,
                 double         *acc)
{
  const float *xi = x + i * d;
  double dist[64];

  memset (acc, 0, sizeof (double) * offsets[n_labelings]);
  for (gsize j0 = 0; j0 < n; j0 += 64)
    {
      gsize j1 = MIN (n, j0 + 64);

      for (gsize j = j0; j < j1; j++)
        dist[j - j0] = sqrt (dist2_ff (xi, x + j * d, d));
      if (i >= j0 && i < j1)
        dist[i - j0] = 0.0;
      for (guint L = 0; L < n_labelings; L++)
        {
          double *a = acc + offsets[L];
          const guint32 *lab = labels[L];

          for (gsize j = j0; j < j1; j++)
            a[lab[j]] += dist[j - j0];
        }
    }
}

/* Silhouettes of several labellings of the same points at once: every pairwise distance is
 * computed once and added to each labelling's per-cluster sums. out[L] is the mean silhouette
 * of labelling L, or NaN when fewer than 2 of its labels occur. */
static void
silhouette_many (const float    *x,
                 gsize           n,
                 guint           d,
                 const guint32 **labels,
                 const guint    *ks,
                 guint           n_labelings,
                 double         *out)
{
  g_autofree gsize *offsets = g_new (gsize, n_labelings + 1);
  g_autofree gsize *sizes = NULL;
  g_autofree double *s = g_new (double, (gsize) n_labelings * MAX (n, 1));
  g_autofree guint *present = g_new0 (guint, n_labelings);
  gsize total_k;

  offsets[0] = 0;
  for (guint L = 0; L < n_labelings; L++)
    offsets[L + 1] = offsets[L] + ks[L];
  total_k = offsets[n_labelings];
  sizes = g_new0 (gsize, total_k);
  for (guint L = 0; L < n_labelings; L++)
    {
      for (gsize i = 0; i < n; i++)
        sizes[offsets[L] + labels[L][i]]++;
      for (guint j = 0; j < ks[L]; j++)
        present[L] += sizes[offsets[L] + j] > 0;
    }

#pragma omp parallel
  {
    g_autofree double *acc = g_new (double, MAX (total_k, 1));

#pragma omp for schedule(dynamic, 16)
    for (gsize i = 0; i < n; i++)
      {
        silhouette_sums (x, n, d, i, labels, offsets, n_labelings, acc);
        for (guint L = 0; L < n_labelings; L++)
          {
            const double *a = acc + offsets[L];
            const gsize *sz = sizes + offsets[L];
            guint own = labels[L][i];
            double intra, inter = INFINITY, v;

            if (sz[own] <= 1)
              {
                /* scikit-learn: a point alone in its cluster scores 0 */
                s[L * n + i] = 0.0;
                continue;
              }
            intra = a[own] / (double) (sz[own] - 1);
            for (guint j = 0; j < ks[L]; j++)
              if (j != own && sz[j] > 0)
                inter = MIN (inter, a[j] / (double) sz[j]);
            v = (inter - intra) / MAX (intra, inter);
            s[L * n + i] = isfinite (v) ? v : 0.0;
          }
      }
  }

  for (guint L = 0; L < n_labelings; L++)
    {
      double sum = 0.0;

      if (present[L] < 2 || present[L] >= n)
        {
          out[L] = NAN;
          continue;
        }
      for (gsize i = 0; i < n; i++)
        sum += s[L * n + i];
      out[L] = sum / (double) n;
    }
}

double
evox_silhouette (const float   *points,
                 gsize          n,
                 guint          d,
                 const guint32 *labels,
                 guint          k)
{
  FiniteRows rows;
  double out;

  g_return_val_if_fail (points != NULL && labels != NULL, NAN);
  for (gsize i = 0; i < n; i++)
    g_return_val_if_fail (labels[i] < k || labels[i] == EVOX_KMEANS_LEFT_OUT, NAN);

  if (k < 2)
    return 0.0;
  finite_rows_init (&rows, points, n, d, labels);
  silhouette_many (rows.points, rows.n, d, &rows.labels, &k, 1, &out);
  finite_rows_clear (&rows);
  return out;
}

/* ---- Kneedle ---- */

int
evox_kneedle (const double *x,
              const double *y,
              guint         n)
{
  g_autofree double *xd = NULL, *yd = NULL;
  g_autofree gboolean *is_max = NULL, *is_min = NULL;
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
  double step = 0.0, threshold = 0.0;
  int first_max = -1, threshold_index = -1;

  g_return_val_if_fail (n == 0 || (x != NULL && y != NULL), -1);
  if (n < 3)
    return -1;

  for (guint i = 0; i < n; i++)
    {
      xmin = MIN (xmin, x[i]);
      xmax = MAX (xmax, x[i]);
      ymin = MIN (ymin, y[i]);
      ymax = MAX (ymax, y[i]);
    }
  if (!(xmax > xmin) || !(ymax > ymin))
    return -1;

  /* kneed's transform for a convex decreasing curve: x' = reversed (1 - x_norm),
   * y' = 1 - y_norm, so the knee becomes the maximum of the difference curve y' - x'. */
  xd = g_new (double, n);
  yd = g_new (double, n);
  for (guint i = 0; i < n; i++)
    {
      double xn = 1.0 - (x[n - 1 - i] - xmin) / (xmax - xmin);
      double yn = 1.0 - (y[i] - ymin) / (ymax - ymin);

      xd[i] = xn;
      yd[i] = yn - xn;
    }
  for (guint i = 0; i + 1 < n; i++)
    step += xd[i + 1] - xd[i];
  step = fabs (step / (n - 1));

  /* local extrema as scipy's argrelextrema with >= / <= and the ends clipped */
  is_max = g_new (gboolean, n);
  is_min = g_new (gboolean, n);
  for (guint i = 0; i < n; i++)
    {
      double prev = yd[i == 0 ? 0 : i - 1], next = yd[i + 1 < n ? i + 1 : n - 1];

      is_max[i] = yd[i] >= prev && yd[i] >= next;
      is_min[i] = yd[i] <= prev && yd[i] <= next;
      if (is_max[i] && first_max < 0)
        first_max = i;
    }
  if (first_max < 0)
    return -1;

  /* walk the difference curve from its first maximum: the first point whose successor falls
   * below the threshold of the last maximum (S = 1 mean steps below it; 0 after a minimum) is
   * the knee */
  for (guint i = first_max; i + 1 < n; i++)
    {
      if (is_max[i])
        {
          threshold = yd[i] - step;
          threshold_index = i;
        }
      if (is_min[i])
        threshold = 0.0;
      if (yd[i + 1] < threshold)
        return threshold_index;
    }
  return -1;
}

/* ---- the sweep ---- */

EvoxKmeansSweep *
evox_kmeans_sweep (const float             *points,
                   gsize                    n,
                   guint                    d,
                   guint                    k_max,
                   gsize                    sample_size,
                   const EvoxKmeansParams  *params,
                   EvoxProgress            *progress,
                   GCancellable            *cancellable,
                   GError                 **error)
{
  g_autoptr (EvoxKmeansSweep) sweep = NULL;
  g_autofree float *sample = NULL, *sil_points = NULL;
  g_autofree gsize *sil_idx = NULL;
  g_autofree guint32 **sil_labels = NULL;
  g_autofree guint *sil_k = NULL;
  g_autofree double *sil = NULL, *xs = NULL, *ys = NULL;
  g_autofree EvoxKmeansResult **runs = NULL;
  g_autofree float *finite = NULL;
  const float *pts = points;
  gsize m, sil_n;
  int knee;

  g_return_val_if_fail (points != NULL || n == 0, NULL);
  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* the sweep is of the finite points alone, as the run it helps choose k for */
  {
    FiniteRows rows;
    gsize n_all = n;

    finite_rows_init (&rows, points, n, d, NULL);
    n = rows.n;
    if (rows.copy != NULL)
      points = pts = finite = g_steal_pointer (&rows.copy);
    finite_rows_clear (&rows);
    if (n == 0 && n_all > 0)
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "a k sweep: none of the %" G_GSIZE_FORMAT " points has finite features",
                     n_all);
        return NULL;
      }
  }
  m = n;
  if (sample_size > 0 && sample_size < n)
    m = sample_size;
  if (k_max == 0 || k_max > m)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "a k sweep needs 1 to %" G_GSIZE_FORMAT " clusters for %" G_GSIZE_FORMAT
                   " points; k up to %u", m, m, k_max);
      return NULL;
    }

  if (m < n)
    {
      g_autofree gsize *idx = NULL;
      Rng rng;

      rng_init (&rng, params->seed, STREAM_SWEEP);
      idx = sample_indices (n, m, &rng);
      sample = gather_rows (points, d, idx, m);
      pts = sample;
    }
  sil_n = MIN (m, (gsize) SILHOUETTE_MAX);
  if (sil_n < m)
    {
      Rng rng;

      rng_init (&rng, params->seed, STREAM_SILHOUETTE);
      sil_idx = sample_indices (m, sil_n, &rng);
      sil_points = gather_rows (pts, d, sil_idx, sil_n);
    }

  sweep = g_new0 (EvoxKmeansSweep, 1);
  sweep->n_rows = k_max;
  sweep->rows = g_new0 (EvoxKmeansSweepRow, k_max);
  sweep->n_sampled = m;
  sil_labels = g_new0 (guint32 *, k_max);
  sil_k = g_new0 (guint, k_max);

  /* The k_max x restarts runs are independent and most are short: they go to the threads
   * whole (largest k first), each run on one thread, instead of joining the threads at every
   * Lloyd iteration. A run's result does not depend on the thread it ran on, so the sweep is
   * what evox_kmeans_run gives for each k. */
  {
    RunSetup setup;
    guint total;
    gint done = 0, cancelled = 0;

    run_setup_init (&setup, params, 1, pts, m, d);
    total = k_max * setup.restarts;
    runs = g_new0 (EvoxKmeansResult *, total);
    evox_progress_set_stage (progress, "k-means", 0.0, 0.9);

#pragma omp parallel for schedule(dynamic, 1)
    for (guint t = 0; t < total; t++)
      {
        guint k = k_max - t / setup.restarts, r = t % setup.restarts;
        RunSetup mine = setup;

        if (is_cancelled (cancellable, &cancelled))
          continue;
        mine.k = k;
        mine.init_sample = MAX (setup.init_sample, k);
        runs[(k - 1) * setup.restarts + r] = kmeans_once (pts, m, d, &mine, r, NULL, NULL, NULL,
                                                          cancellable);
#pragma omp critical (evox_kmeans_sweep_progress)
        evox_progress_update (progress, (double) ++done / total);
      }

    for (guint k = 1; k <= k_max && !g_cancellable_is_cancelled (cancellable); k++)
      {
        EvoxKmeansResult **mine = runs + (gsize) (k - 1) * setup.restarts;
        EvoxKmeansSweepRow *row = &sweep->rows[k - 1];
        EvoxKmeansResult *best = NULL;

        for (guint r = 0; r < setup.restarts; r++)
          if (mine[r] != NULL && (best == NULL || mine[r]->inertia < best->inertia))
            best = mine[r];
        g_assert (best != NULL);
        relabel_by_size (best, m);
        row->k = k;
        row->inertia = best->inertia;
        row->calinski_harabasz = k > 1 ? calinski_harabasz (pts, m, d, best->labels, k)
                                       : NAN;
        row->silhouette = NAN;
        sil_k[k - 1] = k;
        sil_labels[k - 1] = g_new (guint32, MAX (sil_n, 1));
        for (gsize i = 0; i < sil_n; i++)
          sil_labels[k - 1][i] = best->labels[sil_idx != NULL ? sil_idx[i] : i];
      }
    for (guint t = 0; t < total; t++)
      evox_kmeans_result_free (runs[t]);
    if (g_cancellable_set_error_if_cancelled (cancellable, error))
      {
        for (guint j = 0; j < k_max; j++)
          g_free (sil_labels[j]);
        return NULL;
      }
  }

  evox_progress_set_stage (progress, "Silhouette", 0.9, 1.0);
  if (k_max > 1)
    {
      sil = g_new (double, k_max - 1);
      silhouette_many (sil_points != NULL ? sil_points : pts, sil_n, d,
                       (const guint32 **) sil_labels + 1, sil_k + 1, k_max - 1, sil);
      for (guint k = 2; k <= k_max; k++)
        sweep->rows[k - 1].silhouette = sil[k - 2];
    }
  for (guint j = 0; j < k_max; j++)
    g_free (sil_labels[j]);
  evox_progress_update (progress, 1.0);

  xs = g_new (double, k_max);
  ys = g_new (double, k_max);
  for (guint k = 1; k <= k_max; k++)
    {
      xs[k - 1] = k;
      ys[k - 1] = sweep->rows[k - 1].inertia;
    }
  knee = evox_kneedle (xs, ys, k_max);
  sweep->knee_k = knee >= 0 ? knee + 1 : 0;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  return g_steal_pointer (&sweep);
}

void
evox_kmeans_sweep_free (EvoxKmeansSweep *self)
{
  if (self == NULL)
    return;
  g_free (self->rows);
  g_free (self);
}
