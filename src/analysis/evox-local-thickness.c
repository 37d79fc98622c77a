/* evox-local-thickness.c: exact squared distance map, local thickness and size summaries. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evox-local-thickness.h"
#include "evox-types.h"

/* Local thickness as BoneJ's LocalThickness and PoreSpy's local_thickness define it: the
 * diameter of the largest ball inside the phase that contains the voxel, each voxel c carrying
 * the ball of radius D(c), its distance to the background. Three steps:
 *
 *   1. the squared distance map, exact, by three separable passes of lower envelopes of
 *      parabolas; the y and z passes gather TILE neighbouring x columns at a time so that they
 *      read whole cache lines instead of one float per line;
 *   2. the distance ridge: a ball whose voxels all lie in a larger neighbour's ball can never
 *      give a voxel its maximum (see Containment: decided on the lattice, it drops about 60 % of
 *      an electrode's voxels where the real-ball test D(c') >= D(c) + |c - c'| drops 10 %);
 *   3. the remaining balls are painted with max, one output z slice per OpenMP task, so threads
 *      never write the same voxel. The balls are bucketed by their centre's slice and sorted by
 *      radius, so a slice stops reading a bucket at the first ball too small to reach it; every
 *      ball row is a run in x whose half width comes from the squared radius left for it.
 *
 * Squared radii are kept to the end, and a voxel p is inside c's ball when |p - c|^2 < D(c)^2,
 * evaluated as ((dz sz)^2 then (dy sy)^2 taken off the squared radius) > (dx sx)^2: whole
 * numbers for unit spacing, so a brute-force search gives the same map bit for bit (see
 * TIE_MARGIN for other spacings). */

#define TILE 16

/* A voxel exactly as far from c as c's nearest background voxel is not in c's ball. Squared
 * distances are floats, a few ulps off for anisotropic spacing, so such ties are decided on a
 * squared radius shrunk by 2^-20: whole numbers below 2^20 (unit spacing, radii up to 1024
 * voxels) keep the exact strict comparison. */
#define TIE_MARGIN (1.0 - 1.0 / 1048576.0)

/* out[p] = min over q with finite f[q] of f[q] + w (p - q)^2; INFINITY when there is none. */
static void
envelope_1d (const float *f,
             gsize        n,
             double       w,
             float       *out,
             gsize       *v,
             double      *z)
{
  gssize k = -1;
  gsize j = 0;

  for (gsize q = 0; q < n; q++)
    {
      double fq, s = -INFINITY;

      if (!isfinite (f[q]))
        continue;
      fq = f[q] + w * (double) q * (double) q;
      while (k >= 0)
        {
          gsize p = v[k];

          s = (fq - (f[p] + w * (double) p * (double) p)) / (2.0 * w * (double) (q - p));
          if (s <= z[k])
            k--;
          else
            break;
        }
      if (k < 0)
        s = -INFINITY;
      k++;
      v[k] = q;
      z[k] = s;
    }
  if (k < 0)
    {
      for (gsize p = 0; p < n; p++)
        out[p] = INFINITY;
      return;
    }
  for (gsize p = 0; p < n; p++)
    {
      double d;

      while (j < (gsize) k && z[j + 1] < (double) p)
        j++;
      d = (double) p - (double) v[j];
      out[p] = (float) (f[v[j]] + w * d * d);
    }
}

/**
 * evox_squared_distance_transform:
 * @monitor: (nullable): begun by the caller over the lines of the three passes
 */
gboolean
evox_squared_distance_transform (const guint8     *mask,
                                 const gsize       dims[3],
                                 const double      spacing[3],
                                 float            *sq_dist,
                                 EvoxWorkMonitor  *monitor,
                                 GError          **error)
{
  const gsize nx = dims[0], ny = dims[1], nz = dims[2];
  const gsize n = nx * ny * nz;
  const gsize longest = MAX (nx, MAX (ny, nz));
  const gsize n_tiles = (nx + TILE - 1) / TILE;
  const double w[3] = {
    spacing[0] * spacing[0], spacing[1] * spacing[1], spacing[2] * spacing[2]
  };

  g_return_val_if_fail (dims != NULL && spacing != NULL, FALSE);
  g_return_val_if_fail (n == 0 || (mask != NULL && sq_dist != NULL), FALSE);

  if (n == 0)
    return TRUE;

#pragma omp parallel
  {
    g_autofree float *f = g_new (float, TILE * longest);
    g_autofree float *out = g_new (float, TILE * longest);
    g_autofree gsize *v = g_new (gsize, longest);
    g_autofree double *z = g_new (double, longest + 1);

    /* x: rows are contiguous. */
#pragma omp for schedule(dynamic, 16)
    for (gsize row = 0; row < ny * nz; row++)
      {
        const guint8 *m = mask + row * nx;

        if (monitor != NULL && _evox_work_monitor_stopped (monitor))
          continue;
        for (gsize x = 0; x < nx; x++)
          f[x] = m[x] != 0 ? INFINITY : 0.0f;
        envelope_1d (f, nx, w[0], sq_dist + row * nx, v, z);
        if (monitor != NULL)
          _evox_work_monitor_step (monitor, 1);
      }

    /* y: TILE columns of one z slice at a time. */
#pragma omp for schedule(dynamic, 4)
    for (gsize job = 0; job < nz * n_tiles; job++)
      {
        gsize zz = job / n_tiles, x0 = (job % n_tiles) * TILE;
        gsize width = MIN (TILE, nx - x0);
        float *slab = sq_dist + zz * nx * ny + x0;

        if (monitor != NULL && _evox_work_monitor_stopped (monitor))
          continue;
        for (gsize y = 0; y < ny; y++)
          for (gsize t = 0; t < width; t++)
            f[t * ny + y] = slab[y * nx + t];
        for (gsize t = 0; t < width; t++)
          envelope_1d (f + t * ny, ny, w[1], out + t * ny, v, z);
        for (gsize y = 0; y < ny; y++)
          for (gsize t = 0; t < width; t++)
            slab[y * nx + t] = out[t * ny + y];
        if (monitor != NULL)
          _evox_work_monitor_step (monitor, width);
      }

    /* z: TILE columns of one y row at a time. */
#pragma omp for schedule(dynamic, 4)
    for (gsize job = 0; job < ny * n_tiles; job++)
      {
        gsize yy = job / n_tiles, x0 = (job % n_tiles) * TILE;
        gsize width = MIN (TILE, nx - x0);
        float *col = sq_dist + yy * nx + x0;

        if (monitor != NULL && _evox_work_monitor_stopped (monitor))
          continue;
        for (gsize zz = 0; zz < nz; zz++)
          for (gsize t = 0; t < width; t++)
            f[t * nz + zz] = col[zz * nx * ny + t];
        for (gsize t = 0; t < width; t++)
          envelope_1d (f + t * nz, nz, w[2], out + t * nz, v, z);
        for (gsize zz = 0; zz < nz; zz++)
          for (gsize t = 0; t < width; t++)
            col[zz * nx * ny + t] = out[t * nz + zz];
        if (monitor != NULL)
          _evox_work_monitor_step (monitor, width);
      }
  }

  if (monitor != NULL && _evox_work_monitor_stopped (monitor))
    return !g_cancellable_set_error_if_cancelled (monitor->cancellable, error);
  return TRUE;
}

/* A ball of the ridge: its centre's x and y and its squared radius. */
typedef struct
{
  guint32 x;
  guint32 y;
  float   sq;
} Ball;

static int
ball_compare_desc (const void *a,
                   const void *b)
{
  float sa = ((const Ball *) a)->sq, sb = ((const Ball *) b)->sq;

  return sa < sb ? 1 : sa > sb ? -1 : 0;
}

/* The largest k >= 0 with (k s)^2 < r2 (r2 > 0). */
static inline gint64
half_width (double r2,
            double s)
{
  gint64 k = (gint64) ceil (sqrt (r2) / s) - 1;

  if (k < 0)
    k = 0;
  while ((k + 1) * s * (k + 1) * s < r2)
    k++;
  while (k > 0 && k * s * k * s >= r2)
    k--;
  return k;
}

/* Which balls hold others, on the lattice. Ball c paints P(c) = { p : |p - c|^2 < D(c)^2 m }
 * (m = TIE_MARGIN); it is redundant when P(c) lies inside P(c') for a neighbour c' = c + d with
 * D(c') > D(c), i.e. when max over P(c) of |p - c'|^2 < D(c')^2 m. The lattice ball is
 * symmetric in each axis, so for d >= 0 componentwise that maximum is reached in the octant
 * p - c <= 0, and over the offsets sorted by length it is a running maximum: far[t][k] is the
 * largest |p - d_t|^2 over the first k + 1 offsets, for the 7 neighbour types t (|dx|, |dy|,
 * |dz| in {0, 1}). The table stops at a budget of offsets; larger balls are always kept. The
 * real-ball test (D(c') >= D(c) + |d|) would keep most voxels: on the lattice a ball of radius
 * sqrt 5 holds the same voxels as many slightly larger ones. */
#define CONTAINMENT_BUDGET 500000

typedef struct
{
  gsize   n;
  double *norm;      /* squared lengths of the octant offsets, increasing */
  double *far[7];
  double  limit;     /* squared radii (times m) up to this are in the table */
} Containment;

typedef struct
{
  double norm;
  guint  o[3];
} Offset;

static int
offset_compare (const void *a,
                const void *b)
{
  double na = ((const Offset *) a)->norm, nb = ((const Offset *) b)->norm;

  return na < nb ? -1 : na > nb ? 1 : 0;
}

static void
containment_clear (Containment *c)
{
  g_clear_pointer (&c->norm, g_free);
  for (guint t = 0; t < 7; t++)
    g_clear_pointer (&c->far[t], g_free);
}

static void
containment_init (Containment  *c,
                  const double  spacing[3],
                  double        max_sq)
{
  const double voxel = spacing[0] * spacing[1] * spacing[2];
  /* An octant of radius r holds about (pi / 6) r^3 / voxel offsets. */
  double cap = cbrt (CONTAINMENT_BUDGET * 6.0 / G_PI * voxel);
  double limit = MIN (max_sq * TIE_MARGIN, cap * cap);
  gint64 k[3];
  g_autoptr (GArray) offsets = g_array_new (FALSE, FALSE, sizeof (Offset));

  memset (c, 0, sizeof *c);
  c->limit = limit;
  for (guint a = 0; a < 3; a++)
    k[a] = half_width (limit, spacing[a]);
  for (gint64 z = 0; z <= k[2]; z++)
    for (gint64 y = 0; y <= k[1]; y++)
      for (gint64 x = 0; x <= k[0]; x++)
        {
          double dz = z * spacing[2], dy = y * spacing[1], dx = x * spacing[0];
          Offset o = { dz * dz + dy * dy + dx * dx, { (guint) x, (guint) y, (guint) z } };

          if (o.norm < limit)
            g_array_append_val (offsets, o);
        }
  qsort (offsets->data, offsets->len, sizeof (Offset), offset_compare);
  c->n = offsets->len;
  c->norm = g_new (double, MAX (c->n, 1));
  for (guint t = 0; t < 7; t++)
    c->far[t] = g_new (double, MAX (c->n, 1));
  for (gsize i = 0; i < c->n; i++)
    {
      const Offset *o = &g_array_index (offsets, Offset, i);

      c->norm[i] = o->norm;
      for (guint t = 0; t < 7; t++)
        {
          double e[3];
          double f;

          for (guint a = 0; a < 3; a++)
            e[a] = (o->o[a] + (((t + 1) >> a) & 1)) * spacing[a];
          f = e[2] * e[2] + e[1] * e[1] + e[0] * e[0];
          c->far[t][i] = i == 0 ? f : MAX (c->far[t][i - 1], f);
        }
    }
}

/* The index of the last offset inside a ball of squared radius sq times m; -1 when the ball is
 * past the table. */
static gssize
containment_index (const Containment *c,
                   double             sq)
{
  double q = sq * TIE_MARGIN;
  gsize lo = 0, hi = c->n;

  if (q > c->limit)
    return -1;
  while (lo < hi)   /* the first offset with norm >= q */
    {
      gsize mid = lo + (hi - lo) / 2;

      if (c->norm[mid] < q)
        lo = mid + 1;
      else
        hi = mid;
    }
  return (gssize) lo - 1;
}

/* The balls of the distance ridge of slice z, sorted by decreasing radius. */
static Ball *
ridge_slice (const float       *sq,
             const gsize        dims[3],
             const Containment *table,
             gsize              z,
             guint             *n_balls)
{
  const gsize nx = dims[0], ny = dims[1], nz = dims[2];
  GArray *balls = g_array_new (FALSE, FALSE, sizeof (Ball));

  for (gsize y = 0; y < ny; y++)
    for (gsize x = 0; x < nx; x++)
      {
        gsize i = (z * ny + y) * nx + x;
        double s = sq[i];
        gboolean inside = FALSE;
        gssize k;

        if (!(s > 0.0))
          continue;
        k = containment_index (table, s);
        for (int dz = -1; dz <= 1 && !inside && k >= 0; dz++)
          {
            if ((dz < 0 && z == 0) || (dz > 0 && z + 1 == nz))
              continue;
            for (int dy = -1; dy <= 1 && !inside; dy++)
              {
                if ((dy < 0 && y == 0) || (dy > 0 && y + 1 == ny))
                  continue;
                for (int dx = -1; dx <= 1; dx++)
                  {
                    double s2;
                    guint t;

                    if ((dx < 0 && x == 0) || (dx > 0 && x + 1 == nx) || (dx | dy | dz) == 0)
                      continue;
                    s2 = sq[i + (gssize) dx + (gssize) dy * (gssize) nx +
                            (gssize) dz * (gssize) (nx * ny)];
                    if (!(s2 > s))
                      continue;
                    t = (guint) (ABS (dx) | (ABS (dy) << 1) | (ABS (dz) << 2)) - 1;
                    if (table->far[t][k] < s2 * TIE_MARGIN)
                      {
                        inside = TRUE;
                        break;
                      }
                  }
              }
          }
        if (!inside)
          {
            Ball b = { (guint32) x, (guint32) y, (float) s };

            g_array_append_val (balls, b);
          }
      }
  if (balls->len > 1)
    qsort (balls->data, balls->len, sizeof (Ball), ball_compare_desc);
  *n_balls = balls->len;
  return (Ball *) (void *) g_array_free (balls, FALSE);
}

/* best[i] = max squared radius of the balls that contain voxel i, over slice z. Balls of one
 * bucket come in decreasing size, many of the same size, so the half widths of a ball's rows
 * in this slice are computed once per size. */
static void
paint_slice (Ball * const   *buckets,
             const guint    *n_balls,
             const gsize     dims[3],
             const double    spacing[3],
             gint64          reach_z,
             gint64          reach_y,
             gsize           z,
             float          *best)
{
  const gint64 nx = (gint64) dims[0], ny = (gint64) dims[1], nz = (gint64) dims[2];
  float *slice = best + (gsize) z * dims[0] * dims[1];
  g_autofree gint64 *widths = g_new (gint64, 2 * reach_y + 1);

  for (gint64 cz = MAX (0, (gint64) z - reach_z); cz <= MIN (nz - 1, (gint64) z + reach_z); cz++)
    {
      double dz = ((gint64) z - cz) * spacing[2];
      double dz2 = dz * dz;
      float last_sq = -1.0f;
      gint64 ky = 0;

      for (guint b = 0; b < n_balls[cz]; b++)
        {
          const Ball *ball = &buckets[cz][b];
          gint64 y0, y1;

          if (ball->sq != last_sq)
            {
              double rem = (double) ball->sq * TIE_MARGIN - dz2;

              if (!(rem > 0.0))
                break;   /* sorted: no smaller ball reaches this slice either */
              ky = half_width (rem, spacing[1]);
              for (gint64 dy = 0; dy <= ky; dy++)
                {
                  double dyy = dy * spacing[1];
                  double rem2 = rem - dyy * dyy;

                  widths[dy] = rem2 > 0.0 ? half_width (rem2, spacing[0]) : -1;
                }
              last_sq = ball->sq;
            }
          y0 = MAX (-ky, -(gint64) ball->y);
          y1 = MIN (ky, ny - 1 - (gint64) ball->y);
          for (gint64 dy = y0; dy <= y1; dy++)
            {
              gint64 kx = widths[ABS (dy)];
              gint64 x0 = MAX (0, (gint64) ball->x - kx);
              gint64 x1 = MIN (nx - 1, (gint64) ball->x + kx);
              float *row = slice + ((gint64) ball->y + dy) * nx;
              const float v = ball->sq;

              for (gint64 x = x0; x <= x1; x++)
                row[x] = MAX (row[x], v);
            }
        }
    }
}

/**
 * evox_local_thickness:
 * @progress: (nullable): stages "Distance map", "Distance ridge", "Spheres"
 */
gboolean
evox_local_thickness (const guint8   *mask,
                      const gsize     dims[3],
                      const double    spacing[3],
                      float          *thickness,
                      EvoxProgress   *progress,
                      GCancellable   *cancellable,
                      GError        **error)
{
  const gsize n = dims[0] * dims[1] * dims[2];
  const gsize nz = dims[2];
  g_autofree Ball **buckets = NULL;
  g_autofree guint *n_balls = NULL;
  Containment table;
  EvoxWorkMonitor monitor;
  guint64 phase = 0;
  double max_sq = 0.0;
  gint64 reach_z, reach_y;
  gboolean ok = TRUE;

  g_return_val_if_fail (dims != NULL && spacing != NULL, FALSE);
  g_return_val_if_fail (n == 0 || (mask != NULL && thickness != NULL), FALSE);

  if (!(spacing[0] > 0.0 && spacing[1] > 0.0 && spacing[2] > 0.0))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Local thickness needs a positive voxel spacing");
      return FALSE;
    }
#pragma omp parallel for reduction(+:phase) schedule(static)
  for (gsize i = 0; i < n; i++)
    phase += mask[i] != 0;
  if (phase == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "The phase has no voxels: there is no thickness to measure");
      return FALSE;
    }
  if (phase == n)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "The phase fills the whole volume: it has no boundary to measure thickness "
                   "from");
      return FALSE;
    }

  /* The squared distances go into the output buffer, then the painted squared radii replace
   * them slice by slice in a buffer of their own. */
  evox_progress_set_stage (progress, "Distance map", 0.0, 0.45);
  _evox_work_monitor_begin (&monitor, progress, cancellable, 0.0, 1.0,
                            dims[1] * dims[2] + dims[0] * dims[2] + dims[0] * dims[1]);
  if (!evox_squared_distance_transform (mask, dims, spacing, thickness, &monitor, error))
    return FALSE;

#pragma omp parallel for reduction(max:max_sq) schedule(static)
  for (gsize i = 0; i < n; i++)
    max_sq = MAX (max_sq, (double) thickness[i]);
  containment_init (&table, spacing, max_sq);

  evox_progress_set_stage (progress, "Distance ridge", 0.45, 0.55);
  _evox_work_monitor_begin (&monitor, progress, cancellable, 0.0, 1.0, nz);
  buckets = g_new0 (Ball *, nz);
  n_balls = g_new0 (guint, nz);
#pragma omp parallel for schedule(dynamic, 1)
  for (gsize z = 0; z < nz; z++)
    {
      if (_evox_work_monitor_stopped (&monitor))
        continue;
      buckets[z] = ridge_slice (thickness, dims, &table, z, &n_balls[z]);
      _evox_work_monitor_step (&monitor, 1);
    }
  containment_clear (&table);
  reach_z = half_width (max_sq, spacing[2]);
  reach_y = half_width (max_sq, spacing[1]);

  if (!_evox_work_monitor_stopped (&monitor))
    {
      g_autofree float *best = NULL;

      evox_progress_set_stage (progress, "Spheres", 0.55, 1.0);
      _evox_work_monitor_begin (&monitor, progress, cancellable, 0.0, 1.0, nz);
      best = _evox_try_alloc_large (n * sizeof (float));
      if (best == NULL)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                       "Not enough memory for the local thickness of %" G_GSIZE_FORMAT
                       " voxels", n);
          ok = FALSE;
        }
      else
        {
          memset (best, 0, n * sizeof (float));
#pragma omp parallel for schedule(dynamic, 1)
          for (gsize z = 0; z < nz; z++)
            {
              if (_evox_work_monitor_stopped (&monitor))
                continue;
              paint_slice ((Ball * const *) buckets, n_balls, dims, spacing, reach_z, reach_y, z,
                           best);
              _evox_work_monitor_step (&monitor, 1);
            }
#pragma omp parallel for schedule(static)
          for (gsize i = 0; i < n; i++)
            thickness[i] = mask[i] != 0 ? 2.0f * sqrtf (best[i]) : NAN;
        }
    }
  for (gsize z = 0; z < nz; z++)
    g_free (buckets[z]);
  if (ok && _evox_work_monitor_stopped (&monitor))
    ok = !g_cancellable_set_error_if_cancelled (cancellable, error);
  return ok;
}

/* Summaries. */

static inline void
swap_f (float *a,
        float *b)
{
  float t = *a;

  *a = *b;
  *b = t;
}

/* Reorders v[lo..hi] so that v[k] is the value it would have sorted, nothing larger before it
 * and nothing smaller after it (Hoare's selection; the median of three keeps the scans inside). */
static void
select_kth (float  *v,
            gssize  lo,
            gssize  hi,
            gssize  k)
{
  while (hi > lo)
    {
      gssize mid = lo + (hi - lo) / 2, i = lo, j = hi;
      float pivot;

      if (v[mid] < v[lo])
        swap_f (&v[mid], &v[lo]);
      if (v[hi] < v[lo])
        swap_f (&v[hi], &v[lo]);
      if (v[hi] < v[mid])
        swap_f (&v[hi], &v[mid]);
      pivot = v[mid];
      while (i <= j)
        {
          while (v[i] < pivot)
            i++;
          while (v[j] > pivot)
            j--;
          if (i <= j)
            {
              swap_f (&v[i], &v[j]);
              i++;
              j--;
            }
        }
      /* v[lo..j] <= pivot <= v[i..hi], and whatever lies between equals the pivot. */
      if (k <= j)
        hi = j;
      else if (k >= i)
        lo = i;
      else
        return;
    }
}

/* The 0-based index of dq among n equal weights: the smallest k with (k + 1) >= q n / 100. */
static gsize
quantile_index (gsize n,
                guint percent)
{
  guint64 need = ((guint64) n * percent + 99) / 100;

  return need == 0 ? 0 : (gsize) (need - 1);
}

static void
summary_clear (EvoxSizeSummary *summary)
{
  memset (summary, 0, sizeof *summary);
  summary->mean = summary->median = summary->d10 = summary->d50 = summary->d90 = NAN;
  summary->min = summary->max = NAN;
}

gboolean
evox_size_summary_compute (const float     *values,
                           gsize            n,
                           EvoxSizeSummary *summary)
{
  g_autofree float *v = NULL;
  gsize m = 0;
  double sum = 0.0;
  gsize k10, k50, k90;

  g_return_val_if_fail (summary != NULL, FALSE);
  g_return_val_if_fail (n == 0 || values != NULL, FALSE);

  summary_clear (summary);
  v = g_try_new (float, MAX (n, 1));
  if (v == NULL)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (isfinite (values[i]))
      {
        v[m++] = values[i];
        sum += values[i];
      }
  if (m == 0)
    return FALSE;

  k10 = quantile_index (m, 10);
  k50 = quantile_index (m, 50);
  k90 = quantile_index (m, 90);
  select_kth (v, 0, (gssize) m - 1, (gssize) k10);
  select_kth (v, (gssize) k10, (gssize) m - 1, (gssize) k50);
  select_kth (v, (gssize) k50, (gssize) m - 1, (gssize) k90);
  summary->count = m;
  summary->total_weight = (double) m;
  summary->mean = sum / (double) m;
  summary->d10 = v[k10];
  summary->d50 = summary->median = v[k50];
  summary->d90 = v[k90];
  summary->min = summary->max = v[0];
  for (gsize i = 0; i < m; i++)
    {
      summary->min = MIN (summary->min, v[i]);
      summary->max = MAX (summary->max, v[i]);
    }
  return TRUE;
}

typedef struct
{
  double value;
  double weight;
} Weighted;

static int
weighted_compare (const void *a,
                  const void *b)
{
  double va = ((const Weighted *) a)->value, vb = ((const Weighted *) b)->value;

  return va < vb ? -1 : va > vb ? 1 : 0;
}

gboolean
evox_size_summary_compute_weighted (const double    *values,
                                    const double    *weights,
                                    gsize            n,
                                    EvoxSizeSummary *summary)
{
  g_autofree Weighted *w = NULL;
  gsize m = 0;
  double total = 0.0, sum = 0.0, cum = 0.0;
  const double q[3] = { 0.1, 0.5, 0.9 };
  double *out[3];
  guint next = 0;

  g_return_val_if_fail (summary != NULL, FALSE);
  g_return_val_if_fail (n == 0 || values != NULL, FALSE);

  summary_clear (summary);
  out[0] = &summary->d10;
  out[1] = &summary->d50;
  out[2] = &summary->d90;
  w = g_new (Weighted, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    {
      double wi = weights != NULL ? weights[i] : 1.0;

      if (!isfinite (values[i]) || !(wi > 0.0))
        continue;
      w[m].value = values[i];
      w[m].weight = wi;
      total += wi;
      sum += wi * values[i];
      m++;
    }
  if (m == 0)
    return FALSE;
  qsort (w, m, sizeof (Weighted), weighted_compare);
  /* A relative slack so that a cumulative weight equal to q W up to rounding counts as
   * reaching it. */
  for (gsize i = 0; i < m && next < 3; i++)
    {
      cum += w[i].weight;
      while (next < 3 && cum >= q[next] * total * (1.0 - 1e-12))
        *out[next++] = w[i].value;
    }
  summary->count = m;
  summary->total_weight = total;
  summary->mean = sum / total;
  summary->median = summary->d50;
  summary->min = w[0].value;
  summary->max = w[m - 1].value;
  return TRUE;
}

gboolean
evox_particle_size_summary (EvoxLabels      *labels,
                            gboolean         by_volume,
                            EvoxSizeSummary *summary)
{
  guint n;
  g_autofree double *values = NULL;
  g_autofree double *weights = NULL;

  g_return_val_if_fail (EVOX_IS_LABELS (labels), FALSE);
  g_return_val_if_fail (summary != NULL, FALSE);

  n = evox_labels_get_n_particles (labels);
  values = g_new (double, MAX (n, 1));
  weights = g_new (double, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      const EvoxParticle *p = evox_labels_get_particle (labels, i + 1);

      values[i] = p->diameter_nm;
      weights[i] = by_volume ? (double) p->voxels : 1.0;
    }
  return evox_size_summary_compute_weighted (values, weights, n, summary);
}

double
evox_size_histogram (const float *values,
                     gsize        n,
                     double       max,
                     guint        n_bins,
                     guint64     *counts)
{
  double width;
  gboolean any = FALSE;

  g_return_val_if_fail (n_bins > 0 && counts != NULL, 0.0);
  g_return_val_if_fail (n == 0 || values != NULL, 0.0);

  memset (counts, 0, n_bins * sizeof *counts);
  if (!(max > 0.0) || !isfinite (max))
    max = 1.0;
  width = max / n_bins;
  for (gsize i = 0; i < n; i++)
    {
      double b;

      if (!isfinite (values[i]))
        continue;
      any = TRUE;
      b = floor (values[i] / width);
      counts[(guint) CLAMP (b, 0.0, (double) (n_bins - 1))]++;
    }
  return any ? width : 0.0;
}

guint8 *
_evox_range_mask (EvoxVolume  *volume,
                  guint        channel,
                  double       lo,
                  double       hi,
                  GError     **error)
{
  gsize dims[3], n;
  EvoxSampleType type;
  gconstpointer data;
  guint8 *mask;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), NULL);

  if (isnan (lo) || isnan (hi) || lo > hi)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "The phase range %g to %g is empty or not a number", lo, hi);
      return NULL;
    }
  evox_volume_get_dims (volume, dims);
  n = dims[0] * dims[1] * dims[2];
  if (!evox_check_allocation (n, 1, "phase mask", error))
    return NULL;
  mask = _evox_alloc_large (MAX (n, 1));
  if (mask == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "Not enough memory for a mask of %" G_GSIZE_FORMAT " voxels", n);
      return NULL;
    }
  type = evox_volume_get_sample_type (volume);
  data = evox_volume_get_data (volume, channel);
#pragma omp parallel for schedule(static)
  for (gsize i = 0; i < n; i++)
    {
      double v = evox_sample_get (data, type, i);

      mask[i] = v >= lo && v <= hi;
    }
  return mask;
}

/**
 * evox_local_thickness_compute:
 * @summary: (out caller-allocates) (optional): the map's volume-weighted summary
 * @progress: (nullable): the stages of evox_local_thickness ()
 */
EvoxVolume *
evox_local_thickness_compute (EvoxVolume       *volume,
                              guint             channel,
                              double            lo,
                              double            hi,
                              EvoxSizeSummary  *summary,
                              EvoxProgress     *progress,
                              GCancellable     *cancellable,
                              GError          **error)
{
  g_auto (EvoxLargeBuffer) mask = NULL;
  g_autoptr (EvoxVolume) map = NULL;
  gsize dims[3];
  double spacing[3];
  float *out;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), NULL);

  mask = _evox_range_mask (volume, channel, lo, hi, error);
  if (mask == NULL)
    return NULL;
  evox_volume_get_dims (volume, dims);
  evox_volume_get_spacing (volume, spacing);
  map = evox_volume_new (dims[0], dims[1], dims[2], 1, EVOX_SAMPLE_F32, error);
  if (map == NULL)
    return NULL;
  evox_volume_copy_grid (map, volume);
  evox_volume_set_values (map, EVOX_SCALE_LINEAR, "Local thickness", "nm");
  out = evox_volume_get_data_mut (map, 0);
  if (!evox_local_thickness (mask, dims, spacing, out, progress, cancellable, error))
    return NULL;
  evox_volume_freeze (map);
  if (summary != NULL)
    evox_size_summary_compute (out, dims[0] * dims[1] * dims[2], summary);
  return g_steal_pointer (&map);
}

typedef struct
{
  EvoxVolume   *volume;
  guint         channel;
  double        lo;
  double        hi;
  EvoxProgress *progress;
} ThicknessData;

typedef struct
{
  EvoxVolume      *map;
  EvoxSizeSummary  summary;
} ThicknessResult;

static void
thickness_data_free (ThicknessData *data)
{
  g_clear_object (&data->volume);
  g_clear_pointer (&data->progress, evox_progress_unref);
  g_free (data);
}

static void
thickness_result_free (ThicknessResult *result)
{
  g_clear_object (&result->map);
  g_free (result);
}

static gpointer
thickness_work (gpointer       task_data,
                GCancellable  *cancellable,
                GError       **error)
{
  ThicknessData *data = task_data;
  ThicknessResult *result = g_new0 (ThicknessResult, 1);

  result->map = evox_local_thickness_compute (data->volume, data->channel, data->lo, data->hi,
                                              &result->summary, data->progress, cancellable,
                                              error);
  if (result->map == NULL)
    {
      thickness_result_free (result);
      return NULL;
    }
  return result;
}

/**
 * evox_local_thickness_compute_async:
 * @progress: (nullable): the stages of evox_local_thickness ()
 */
void
evox_local_thickness_compute_async (EvoxVolume          *volume,
                                    guint                channel,
                                    double               lo,
                                    double               hi,
                                    EvoxProgress        *progress,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  ThicknessData *data;

  g_return_if_fail (EVOX_IS_VOLUME (volume));

  data = g_new0 (ThicknessData, 1);
  data->volume = g_object_ref (volume);
  data->channel = channel;
  data->lo = lo;
  data->hi = hi;
  data->progress = progress != NULL ? evox_progress_ref (progress) : NULL;
  _evox_task_run (evox_local_thickness_compute_async, thickness_work, data,
                  (GDestroyNotify) thickness_data_free, (GDestroyNotify) thickness_result_free,
                  cancellable, callback, user_data);
}

EvoxVolume *
evox_local_thickness_compute_finish (GAsyncResult     *result,
                                     EvoxSizeSummary  *summary,
                                     GError          **error)
{
  ThicknessResult *r = _evox_task_finish (result, evox_local_thickness_compute_async, error);
  EvoxVolume *map;

  if (r == NULL)
    return NULL;
  if (summary != NULL)
    *summary = r->summary;
  map = g_steal_pointer (&r->map);
  thickness_result_free (r);
  return map;
}
