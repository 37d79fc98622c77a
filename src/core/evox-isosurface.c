/* evox-isosurface.c: surfaces of a level, a phase or particles: masks, smoothing, flying edges. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "evox-isosurface.h"
#include "evox-types.h"

/* A level is contoured on the channel's values (closed at the border by the kernel). A phase or
 * a particle is contoured as a mask: a box of bytes, 255 inside and 0 outside, at 127.5, so
 * every vertex lies half way between an inside and an outside voxel centre and the surface
 * parts exactly the voxels the phase's fraction counts.
 *
 * A smoothed mask is contoured at the level that keeps its voxel count instead (per box: a
 * phase, or each particle): k + 0.5 with as many smoothed bytes at k + 1 or above as the mask
 * had voxels, from a histogram of the box (volume_preserving_level () says how ties and gaps are
 * split). At 127.5 the smoothed surface moves inwards wherever the mask curves: a particle of
 * radius R voxels loses about 3 / R^2 of its volume, a single voxel (16 at most once smoothed)
 * vanishes, and electrode.tiff's carbon-binder, whose strands are 1 to 2 voxels thick, lost 57%
 * of its volume (pores +0.39%, active material -1.86%). At the count-keeping level the single
 * voxel stays, a small surface around its centre, and the three phases enclose -0.47%, -0.29%
 * and -3.99% of their voxels' volume. Keeping the count is not quite keeping the volume where the
 * mask is about a voxel thick: the surface then cuts corners, as the unsmoothed one does.
 *
 * The box is the mask's bounding box plus a margin, and may reach past the volume, where the
 * mask is 0: the outermost layer is always outside, so the surface closes by itself at the
 * volume's border, half a voxel out (the kernel's own closing would put those vertices on the
 * border voxels' centres). Only one byte per voxel of the box is held besides the volume.
 *
 * Smoothing is a separable Gaussian of EVOX_SURFACE_SMOOTH_SIGMA voxels truncated at 3 sigma.
 * A mask is smoothed in its own bytes, line by line in floats and rounded back after each
 * axis: against smoothing in floats, the enclosed volumes of electrode.tiff's phases differ by
 * 0.003% (pores, active material) to 0.2% (the thin carbon-binder, where features near the
 * level tip over; measured at the half level), for a quarter of the memory. Its margin (3 sigma + 1 voxels) keeps the
 * outermost layer at 0, so the surface closes inside the box whatever the level (where the level
 * is low it may reach more than half a voxel past the volume's border). A level's values are
 * smoothed into a float copy by normalised convolution: non-finite values and points past the
 * border are left out and the weights of the rest renormalised, so a NaN neither spreads nor
 * darkens its neighbours and the border is not pulled towards 0; a point whose whole window is
 * non-finite stays NaN (outside).
 *
 * Particles are contoured one box each, in parallel over particles with the single-threaded
 * kernel; particles with a big box (a percolating phase) are contoured first, one at a time,
 * with every thread. */

#define MASK_INSIDE 255
#define MASK_LEVEL 127.5

/* Kernel taps on each side: 3 sigma (EVOX_SURFACE_SMOOTH_SIGMA is 1). */
#define SMOOTH_RADIUS 3
#define SMOOTH_TAPS (2 * SMOOTH_RADIUS + 1)

/* Boxes with fewer voxels are filled, smoothed and contoured on one thread. */
#define PARALLEL_MIN_VOXELS (((gsize) 1) << 18)
/* Particles whose box has at least this many voxels are contoured alone with every thread. */
#define BIG_BOX_VOXELS (((gsize) 1) << 21)

/* Contouring particles is this part of their job; merging them the rest. */
#define CONTOUR_END 0.95

/* Labels stored as f32 must be whole numbers below this. */
#define MAX_FLOAT_LABEL 16777216.0f

/* ---------------------------------------------------------------------------------------- */
/* Smoothing */

static void
gaussian_weights (float w[SMOOTH_TAPS])
{
  double sum = 0.0;
  double g[SMOOTH_TAPS];

  for (int t = 0; t < SMOOTH_TAPS; t++)
    {
      double d = (t - SMOOTH_RADIUS) / EVOX_SURFACE_SMOOTH_SIGMA;

      g[t] = exp (-0.5 * d * d);
      sum += g[t];
    }
  for (int t = 0; t < SMOOTH_TAPS; t++)
    w[t] = (float) (g[t] / sum);
}

/* n values of a grid from offset on, as floats. */
static void
gather (gconstpointer   data,
        EvoxSampleType  type,
        gsize           offset,
        gsize           n,
        float          *out)
{
  switch (type)
    {
    case EVOX_SAMPLE_U8:
      {
        const guint8 *v = (const guint8 *) data + offset;

#pragma omp simd
        for (gsize i = 0; i < n; i++)
          out[i] = v[i];
        break;
      }
    case EVOX_SAMPLE_U16:
      {
        const guint16 *v = (const guint16 *) data + offset;

#pragma omp simd
        for (gsize i = 0; i < n; i++)
          out[i] = v[i];
        break;
      }
    case EVOX_SAMPLE_F32:
    default:
      memcpy (out, (const float *) data + offset, n * sizeof (float));
      break;
    }
}

/* The inverse of gather for the grids smoothing writes: bytes are rounded and clamped. */
static void
scatter (const float    *in,
         gsize           n,
         gpointer        data,
         EvoxSampleType  type,
         gsize           offset)
{
  if (type == EVOX_SAMPLE_U8)
    {
      guint8 *v = (guint8 *) data + offset;

#pragma omp simd
      for (gsize i = 0; i < n; i++)
        v[i] = (guint8) CLAMP (in[i] + 0.5f, 0.0f, 255.0f);
    }
  else
    {
      g_assert (type == EVOX_SAMPLE_F32);
      memcpy ((float *) data + offset, in, n * sizeof (float));
    }
}

/* For masks (no NaN, nothing negative). */
static gboolean
all_zero (const float *v,
          gsize        n)
{
  float any = 0.0f;

#pragma omp simd reduction(max:any)
  for (gsize i = 0; i < n; i++)
    any = MAX (any, v[i]);
  return any == 0.0f;
}

/* Filters a block of m lines of n points (point i of line j at in[i * m + j]) along the lines:
 * taps past either end are left out. Without normalise the others add up with their weights
 * (points past the end count as 0); with it only finite taps count and the sum is divided by
 * their weight, NaN when none is left. */
/* Point i of a line of n, its taps past either end left out. */
static inline float
border_tap_sum (const float *in,
                gsize        n,
                gsize        i,
                const float  w[SMOOTH_TAPS])
{
  gsize t0 = i < SMOOTH_RADIUS ? SMOOTH_RADIUS - i : 0;
  gsize t1 = MIN ((gsize) SMOOTH_TAPS, n + SMOOTH_RADIUS - i);
  const float *src = in + i - SMOOTH_RADIUS;
  float sum = 0.0f;

  for (gsize t = t0; t < t1; t++)
    sum += w[t] * src[t];
  return sum;
}

/* The weight of the taps of point i of a line of n that lie on the line, summed in the order
 * the normalising loops below sum them. */
static inline float
tap_weight (gsize        n,
            gsize        i,
            const float  w[SMOOTH_TAPS])
{
  gsize t0 = i < SMOOTH_RADIUS ? SMOOTH_RADIUS - i : 0;
  gsize t1 = MIN ((gsize) SMOOTH_TAPS, n + SMOOTH_RADIUS - i);
  float weight = 0.0f;

  for (gsize t = t0; t < t1; t++)
    weight += w[t];
  return weight;
}

/* finite: the line holds no NaN or infinity (values of an integer type), so normalising only
 * divides by the weight of the taps on the line: the plain sums, which vectorise, then one
 * division a point, the same to the bit as the loop that checks every tap. */
static void
filter_line (const float *in,
             float       *out,
             gsize        n,
             const float  w[SMOOTH_TAPS],
             gboolean     normalise,
             gboolean     finite)
{
  if ((!normalise || finite) && n > 2 * SMOOTH_RADIUS)
    {
      /* Inner points tap by tap over the line, which vectorises; the sums add the same terms
       * in the same order as below, so the result is the same to the bit. */
      const gsize inner = n - 2 * SMOOTH_RADIUS;
      float *o = out + SMOOTH_RADIUS;

      memset (o, 0, inner * sizeof (float));
      for (gsize t = 0; t < SMOOTH_TAPS; t++)
        {
          const float wt = w[t];
          const float *src = in + t;

#pragma omp simd
          for (gsize i = 0; i < inner; i++)
            o[i] += wt * src[i];
        }
      for (gsize i = 0; i < SMOOTH_RADIUS; i++)
        {
          out[i] = border_tap_sum (in, n, i, w);
          out[n - 1 - i] = border_tap_sum (in, n, n - 1 - i, w);
        }
      if (normalise)
        {
          const float inner_weight = tap_weight (n, SMOOTH_RADIUS, w);

          for (gsize i = 0; i < SMOOTH_RADIUS; i++)
            {
              out[i] /= tap_weight (n, i, w);
              out[n - 1 - i] /= tap_weight (n, n - 1 - i, w);
            }
#pragma omp simd
          for (gsize i = SMOOTH_RADIUS; i < n - SMOOTH_RADIUS; i++)
            out[i] /= inner_weight;
        }
      return;
    }
  for (gsize i = 0; i < n; i++)
    {
      gsize t0 = i < SMOOTH_RADIUS ? SMOOTH_RADIUS - i : 0;
      gsize t1 = MIN ((gsize) SMOOTH_TAPS, n + SMOOTH_RADIUS - i);
      const float *src = in + i - SMOOTH_RADIUS;
      float sum = 0.0f, weight = 0.0f;

      if (!normalise)
        {
          for (gsize t = t0; t < t1; t++)
            sum += w[t] * src[t];
          out[i] = sum;
          continue;
        }
      for (gsize t = t0; t < t1; t++)
        {
          gboolean finite = isfinite (src[t]);

          sum += finite ? w[t] * src[t] : 0.0f;
          weight += finite ? w[t] : 0.0f;
        }
      out[i] = weight > 0.0f ? sum / weight : NAN;
    }
}

static void
filter_block (const float *in,
              float       *out,
              float       *weight,
              gsize        n,
              gsize        m,
              const float  w[SMOOTH_TAPS],
              gboolean     normalise,
              gboolean     finite)
{
  if (m == 1)
    {
      filter_line (in, out, n, w, normalise, finite);
      return;
    }
  for (gsize i = 0; i < n; i++)
    {
      float *o = out + i * m;
      gsize t0 = i < SMOOTH_RADIUS ? SMOOTH_RADIUS - i : 0;
      gsize t1 = MIN ((gsize) SMOOTH_TAPS, n + SMOOTH_RADIUS - i);

      memset (o, 0, m * sizeof (float));
      if (!normalise || finite)
        {
          for (gsize t = t0; t < t1; t++)
            {
              const float *src = in + (i + t - SMOOTH_RADIUS) * m;
              const float wt = w[t];

#pragma omp simd
              for (gsize j = 0; j < m; j++)
                o[j] += wt * src[j];
            }
          if (normalise)
            {
              const float wsum = tap_weight (n, i, w);

#pragma omp simd
              for (gsize j = 0; j < m; j++)
                o[j] /= wsum;
            }
          continue;
        }

      memset (weight, 0, m * sizeof (float));
      for (gsize t = t0; t < t1; t++)
        {
          const float *src = in + (i + t - SMOOTH_RADIUS) * m;
          const float wt = w[t];

#pragma omp simd
          for (gsize j = 0; j < m; j++)
            {
              gboolean finite = isfinite (src[j]);

              o[j] += finite ? wt * src[j] : 0.0f;
              weight[j] += finite ? wt : 0.0f;
            }
        }
#pragma omp simd
      for (gsize j = 0; j < m; j++)
        o[j] = weight[j] > 0.0f ? o[j] / weight[j] : NAN;
    }
}

/* One pass of the separable filter along axis, reading src (of src_type) and writing dst (u8 or
 * f32; may be src). Lines are gathered in blocks that keep the inner loop over contiguous x:
 * one row for x, one xy-plane for y, the rows of one y through every z for z. */
static gboolean
smooth_pass (gconstpointer   src,
             EvoxSampleType  src_type,
             gpointer        dst,
             EvoxSampleType  dst_type,
             const gsize     dims[3],
             guint           axis,
             gboolean        normalise,
             gboolean        finite,
             gboolean        parallel,
             EvoxWorkMonitor        *monitor)
{
  const gsize nx = dims[0], ny = dims[1], nz = dims[2];
  const gsize n = dims[axis];
  const gsize m = axis == 0 ? 1 : nx;
  const gsize n_blocks = axis == 0 ? ny * nz : axis == 1 ? nz : ny;
  const gboolean in_place_zeros = src == dst && !normalise;
  float w[SMOOTH_TAPS];

  gaussian_weights (w);

#pragma omp parallel if (parallel)
  {
    g_autofree float *in = g_new (float, n * m);
    g_autofree float *out = g_new (float, n * m);
    g_autofree float *weight = normalise ? g_new (float, m) : NULL;

#pragma omp for schedule(dynamic, 1)
    for (gsize b = 0; b < n_blocks; b++)
      {
        if (_evox_work_monitor_stopped (monitor))
          continue;
        switch (axis)
          {
          case 0:
            gather (src, src_type, b * nx, nx, in);
            break;
          case 1:
            gather (src, src_type, b * nx * ny, nx * ny, in);
            break;
          default:
            for (gsize z = 0; z < nz; z++)
              gather (src, src_type, (z * ny + b) * nx, nx, in + z * nx);
            break;
          }
        /* Most of a mask's box is outside: a block of zeros in place stays zeros. */
        if (!in_place_zeros || !all_zero (in, n * m))
          {
            filter_block (in, out, weight, n, m, w, normalise, finite);
            switch (axis)
              {
              case 0:
                scatter (out, nx, dst, dst_type, b * nx);
                break;
              case 1:
                scatter (out, nx * ny, dst, dst_type, b * nx * ny);
                break;
              default:
                for (gsize z = 0; z < nz; z++)
                  scatter (out + z * nx, nx, dst, dst_type, (z * ny + b) * nx);
                break;
              }
          }
        _evox_work_monitor_step (monitor, n * m);
      }
  }
  return !_evox_work_monitor_stopped (monitor);
}

/* Smooths a grid (x fastest) along its three axes into dst, which may be src. Masks (dst u8)
 * count points past the border as 0; values (dst f32) are normalised as the top of the file
 * says. FALSE when stopped. */
static gboolean
smooth_grid (gconstpointer   src,
             EvoxSampleType  src_type,
             gpointer        dst,
             EvoxSampleType  dst_type,
             const gsize     dims[3],
             gboolean        parallel,
             EvoxWorkMonitor        *monitor)
{
  gboolean normalise = dst_type == EVOX_SAMPLE_F32;
  /* Integer values hold no NaN or infinity, nor do their smoothed floats. */
  gboolean finite = src_type != EVOX_SAMPLE_F32;

  if (dims[0] == 0 || dims[1] == 0 || dims[2] == 0)
    return TRUE;
  for (guint axis = 0; axis < 3; axis++)
    if (!smooth_pass (axis == 0 ? src : dst, axis == 0 ? src_type : dst_type, dst, dst_type,
                      dims, axis, normalise, finite, parallel, monitor))
      return FALSE;
  return TRUE;
}

/* ---------------------------------------------------------------------------------------- */
/* Masks */

typedef enum
{
  MATCH_U8,    /* (v - lo) <= range, unsigned */
  MATCH_U16,
  MATCH_U32,   /* label volumes */
  MATCH_F32,   /* lo_f <= v <= hi_f */
} MatchKind;

/* Which voxels a mask holds: a range of stored values or one label. */
typedef struct
{
  MatchKind      kind;
  gconstpointer  data;
  guint32        lo;
  guint32        range;
  float          lo_f;
  float          hi_f;
} Matcher;

/* The voxels with lo <= v <= hi as evox_sample_type_inner_range decides; FALSE when no stored
 * value can match. */
static gboolean
matcher_for_range (Matcher        *matcher,
                   EvoxSampleType  type,
                   gconstpointer   data,
                   double          lo,
                   double          hi)
{
  float first, last;

  memset (matcher, 0, sizeof *matcher);
  matcher->data = data;
  if (!evox_sample_type_inner_range (type, lo, hi, &first, &last))
    return FALSE;
  switch (type)
    {
    case EVOX_SAMPLE_U8:
      matcher->kind = MATCH_U8;
      break;
    case EVOX_SAMPLE_U16:
      matcher->kind = MATCH_U16;
      break;
    case EVOX_SAMPLE_F32:
    default:
      matcher->kind = MATCH_F32;
      break;
    }
  if (matcher->kind != MATCH_F32)
    {
      matcher->lo = (guint32) first;
      matcher->range = (guint32) last - (guint32) first;
    }
  matcher->lo_f = first;
  matcher->hi_f = last;
  return TRUE;
}

/* The same data, voxels holding label id. */
static Matcher
matcher_for_label (const Matcher *base,
                   guint32        id)
{
  Matcher m = *base;

  m.lo = id;
  m.range = 0;
  m.lo_f = m.hi_f = (float) id;
  return m;
}

/* MASK_INSIDE or 0 for voxels offset .. offset + n - 1. Branch-free so the loops vectorise. */
static void
match_row (const Matcher *m,
           gsize          offset,
           gsize          n,
           guint8        *out)
{
  switch (m->kind)
    {
    case MATCH_U8:
      {
        const guint8 *v = (const guint8 *) m->data + offset;
        const guint8 lo = (guint8) m->lo, range = (guint8) m->range;

#pragma omp simd
        for (gsize i = 0; i < n; i++)
          out[i] = (guint8) -(guint8) ((guint8) (v[i] - lo) <= range);
        break;
      }
    case MATCH_U16:
      {
        const guint16 *v = (const guint16 *) m->data + offset;
        const guint16 lo = (guint16) m->lo, range = (guint16) m->range;

#pragma omp simd
        for (gsize i = 0; i < n; i++)
          out[i] = (guint8) -(guint8) ((guint16) (v[i] - lo) <= range);
        break;
      }
    case MATCH_U32:
      {
        const guint32 *v = (const guint32 *) m->data + offset;

#pragma omp simd
        for (gsize i = 0; i < n; i++)
          out[i] = (guint8) -(guint8) (v[i] - m->lo <= m->range);
        break;
      }
    case MATCH_F32:
    default:
      {
        const float *v = (const float *) m->data + offset;
        const float lo = m->lo_f, hi = m->hi_f;

#pragma omp simd
        for (gsize i = 0; i < n; i++)
          out[i] = (guint8) -(guint8) ((v[i] >= lo) & (v[i] <= hi));
        break;
      }
    }
}

/* Inclusive voxel bounds; min[0] > max[0] when empty. */
typedef struct
{
  guint32 min[3];
  guint32 max[3];
} Bounds;

static void
bounds_clear (Bounds *b)
{
  for (guint k = 0; k < 3; k++)
    {
      b->min[k] = G_MAXUINT32;
      b->max[k] = 0;
    }
}

static gboolean
bounds_is_empty (const Bounds *b)
{
  return b->min[0] > b->max[0];
}

static void
bounds_add (Bounds       *b,
            const Bounds *other)
{
  for (guint k = 0; k < 3; k++)
    {
      b->min[k] = MIN (b->min[k], other->min[k]);
      b->max[k] = MAX (b->max[k], other->max[k]);
    }
}

/* The bounding box of the matching voxels, one pass over the volume by slices. */
static gboolean
matcher_bounds (const Matcher *matcher,
                const gsize    dims[3],
                Bounds        *bounds,
                EvoxWorkMonitor       *monitor)
{
  const gsize nx = dims[0], ny = dims[1], nz = dims[2];

  bounds_clear (bounds);
#pragma omp parallel
  {
    g_autofree guint8 *row = g_new (guint8, MAX (nx, 1));
    Bounds mine;

    bounds_clear (&mine);
#pragma omp for schedule(dynamic, 1)
    for (gsize z = 0; z < nz; z++)
      {
        if (_evox_work_monitor_stopped (monitor))
          continue;
        for (gsize y = 0; y < ny; y++)
          {
            const guint8 *first;
            gsize last = nx - 1;

            match_row (matcher, (z * ny + y) * nx, nx, row);
            first = memchr (row, MASK_INSIDE, nx);
            if (first == NULL)
              continue;
            while (row[last] == 0)
              last--;
            mine.min[0] = MIN (mine.min[0], (guint32) (first - row));
            mine.max[0] = MAX (mine.max[0], (guint32) last);
            mine.min[1] = MIN (mine.min[1], (guint32) y);
            mine.max[1] = MAX (mine.max[1], (guint32) y);
            mine.min[2] = MIN (mine.min[2], (guint32) z);
            mine.max[2] = MAX (mine.max[2], (guint32) z);
          }
        _evox_work_monitor_step (monitor, 1);
      }
#pragma omp critical (evox_isosurface_bounds)
    bounds_add (bounds, &mine);
  }
  return !_evox_work_monitor_stopped (monitor);
}

/* A box of the grid: voxel (i, j, k) of the box is voxel lo + (i, j, k) of the volume, which
 * may lie past the volume (and is then outside the mask). */
typedef struct
{
  gssize lo[3];
  gsize  dims[3];
} Box;

static gsize
margin_for (gboolean smooth)
{
  return smooth ? SMOOTH_RADIUS + 1 : 1;
}

static void
box_around (Box          *box,
            const Bounds *bounds,
            gsize         margin)
{
  for (guint k = 0; k < 3; k++)
    {
      box->lo[k] = (gssize) bounds->min[k] - (gssize) margin;
      box->dims[k] = (gsize) (bounds->max[k] - bounds->min[k]) + 1 + 2 * margin;
    }
}

static gsize
box_voxels (const Box *box)
{
  return box->dims[0] * box->dims[1] * box->dims[2];
}

/* Fills mask (the box's voxels, x fastest) from the volume. */
static void
fill_mask (const Matcher *matcher,
           const gsize    vdims[3],
           const Box     *box,
           guint8        *mask,
           gboolean       parallel)
{
  const gsize bx = box->dims[0], by = box->dims[1], bz = box->dims[2];
  /* The box's x range inside the volume. */
  const gsize x0 = (gsize) MAX (box->lo[0], 0);
  const gsize x1 = (gsize) MIN (box->lo[0] + (gssize) bx, (gssize) vdims[0]);

#pragma omp parallel for schedule(static) if (parallel)
  for (gsize r = 0; r < by * bz; r++)
    {
      guint8 *out = mask + r * bx;
      gssize y = box->lo[1] + (gssize) (r % by);
      gssize z = box->lo[2] + (gssize) (r / by);

      if (y < 0 || z < 0 || y >= (gssize) vdims[1] || z >= (gssize) vdims[2] || x0 >= x1)
        {
          memset (out, 0, bx);
          continue;
        }
      memset (out, 0, x0 - (gsize) box->lo[0]);
      match_row (matcher, ((gsize) z * vdims[1] + (gsize) y) * vdims[0] + x0, x1 - x0,
                 out + (x0 - (gsize) box->lo[0]));
      memset (out + (x1 - (gsize) box->lo[0]), 0, (gsize) (box->lo[0] + (gssize) bx) - x1);
    }
}

/* The voxels of a 0/MASK_INSIDE mask that are inside. */
static guint64
count_inside (const guint8 *mask,
              gsize         n,
              gboolean      parallel)
{
  guint64 count = 0;

#pragma omp parallel for schedule(static) reduction(+:count) if (parallel)
  for (gsize i = 0; i < n; i++)
    count += mask[i] >> 7;
  return count;
}

/* How many bytes of v hold each value. Four tables per thread, so that runs of equal bytes do
 * not wait on each other's increments. */
static void
byte_histogram (const guint8 *v,
                gsize         n,
                guint64       hist[256],
                gboolean      parallel)
{
  memset (hist, 0, 256 * sizeof (guint64));
#pragma omp parallel if (parallel)
  {
    guint64 mine[4][256] = { { 0 } };

#pragma omp for schedule(static)
    for (gsize i = 0; i < n / 4; i++)
      {
        mine[0][v[4 * i]]++;
        mine[1][v[4 * i + 1]]++;
        mine[2][v[4 * i + 2]]++;
        mine[3][v[4 * i + 3]]++;
      }
#pragma omp single nowait
    for (gsize i = n / 4 * 4; i < n; i++)
      mine[0][v[i]]++;
#pragma omp critical (evox_isosurface_histogram)
    for (guint b = 0; b < 256; b++)
      hist[b] += mine[0][b] + mine[1][b] + mine[2][b] + mine[3][b];
  }
}

/* The level at which as many voxels of the smoothed mask are inside as the mask had before
 * smoothing, n_inside, or as near as the bytes allow: k + 0.5 with k in 0..254 minimising
 * |#(v >= k + 1) - n_inside| (ties: the higher k). When no byte lies just below k + 1, lower
 * levels down to the next byte present part the voxels the same way; the level is then the
 * middle of that gap, as 127.5 is for the unsmoothed mask: a single voxel (16 at its centre,
 * 10 beside it) gets level 13 and its vertices half way to its neighbours. */
static double
volume_preserving_level (const guint64 hist[256],
                         guint64       n_inside)
{
  guint64 above = 0, best_diff = G_MAXUINT64;
  guint best = MASK_INSIDE / 2, lowest;

  for (guint k = MASK_INSIDE - 1; k != G_MAXUINT; k--)
    {
      guint64 diff;

      above += hist[k + 1];
      diff = above > n_inside ? above - n_inside : n_inside - above;
      if (diff < best_diff)
        {
          best_diff = diff;
          best = k;
        }
    }
  for (lowest = best; lowest > 0 && hist[lowest] == 0; lowest--)
    ;
  return 0.5 * (lowest + best + 1);
}

/* For the mesh method of the interface area (evox-interface-area.c), which smooths its own
 * mirrored masks the way phase surfaces are smoothed and contours them at the same level. */
G_STATIC_ASSERT (SMOOTH_RADIUS == _EVOX_SMOOTH_RADIUS);

gboolean
_evox_smooth_mask (guint8          *mask,
                   const gsize      dims[3],
                   EvoxWorkMonitor *monitor)
{
  gsize n = dims[0] * dims[1] * dims[2];

  return smooth_grid (mask, EVOX_SAMPLE_U8, mask, EVOX_SAMPLE_U8, dims,
                      n >= PARALLEL_MIN_VOXELS, monitor);
}

double
_evox_volume_preserving_level (const guint64 hist[256],
                               guint64       n_inside)
{
  return volume_preserving_level (hist, n_inside);
}

/* Where a grid's voxels lie. */
typedef struct
{
  gsize  dims[3];
  double spacing[3];
  double origin[3];
} Frame;

static void
frame_of_volume (Frame      *frame,
                 EvoxVolume *volume)
{
  evox_volume_get_dims (volume, frame->dims);
  evox_volume_get_spacing (volume, frame->spacing);
  evox_volume_get_origin (volume, frame->origin);
}

/* ---------------------------------------------------------------------------------------- */
/* A phase surface within a triangle budget
 *
 * Decimating a full-resolution phase surface of a 500^3 electrode (30 million triangles) to
 * the 2 million budget took 35-45 s and 4.9 GiB. Where the full surface is over the budget, the
 * mask is instead resampled onto a coarser grid, f fine voxels a step on each axis, and that
 * grid contoured: a surface's triangles scale as 1 / f^2, so f = sqrt (full / budget) lands
 * near the budget, and the few tries it takes to land under it each cost one pass over the
 * mask. The mesh comes out of flying edges, so it is closed and manifold by construction.
 *
 * The resampling filter is a tent of half-width 0.6 f: every fine voxel contributes to the
 * coarse points within 0.6 f of it (so every voxel reaches at least one point), weights
 * normalised over the whole line with the points past the box at 0. Against a tent of
 * half-width f (a box of f convolved with itself, sigma 0.41 f) it keeps more detail: on a 500^3
 * packing of spheres at f = 4.5, area -18.9% instead of -23.8% of the full surface's, the 99th
 * percentile of the distance to it 3.4 voxels instead of 4.5, no visible aliasing. The coarse
 * grid is first measured at the level that keeps the mask's voxel count (n_inside / f^3
 * coarse points), as the smoothed surface is, so thin strands that the tent flattens below the
 * half level keep their volume instead of vanishing; then the level is moved (a few steps, each
 * a measure of the small coarse grid's surface; one contour at the end) to enclose the full
 * surface's volume, since corners cut at
 * a step of f cost about f times the volume they cost the full surface (-5% on the test's
 * balls before, +0.1% after). Values are kept as u16 (the mask's 0..255 times 256), which holds
 * the x-y pass and the coarse grid in a third of the bytes of the mask's voxels at f = 2.
 *
 * The full surface is still measured, without building it: its triangle count decides the
 * path, and its area and enclosed volume are what measurements quote
 * (evox_mesh_get_source_measures ()), as for a decimated mesh. One pass over the cubes
 * (_evox_flying_edges_measure ()): an unsmoothed mask has every vertex half way along its
 * edge, so each cube's share is a constant of its case; a smoothed one's crossings are
 * interpolated cube by cube, as the kernel places them, and dropped. */

/* The resampling tent's half-width in coarse steps (see above). */
#define TENT_HALF_WIDTH 0.6
/* Contours of the coarse grid spent at most on moving its level to the full surface's volume. */
#define VOLUME_STEPS 4
/* The coarse surface's tries aim at this part of the budget at least. */
#define BUDGET_LOW 0.75

/* Triangle count, area and signed enclosed volume of the full surface. */
typedef struct
{
  guint64 n_triangles;
  double  area;
  double  volume;
} Measures;

/* Where the coarse points of one axis read the fine line: point c is at fine coordinate
 * p0 + c f and reads fine voxels first[c] .. first[c] + count[c] - 1 with weights w[c *
 * stride ..]. */
typedef struct
{
  gsize   n_fine;
  gsize   n;
  double  p0;
  guint   stride;
  gsize  *first;
  guint  *count;
  float  *w;
} Taps;

static void
taps_clear (Taps *t)
{
  g_clear_pointer (&t->first, g_free);
  g_clear_pointer (&t->count, g_free);
  g_clear_pointer (&t->w, g_free);
}

/* The coarse line covers the fine one with at least one point past each end whose taps are all
 * outside, so the coarse surface closes inside the grid as the mask's does. */
static void
taps_init (Taps   *t,
           gsize   n_fine,
           double  f)
{
  t->n_fine = n_fine;
  t->n = (gsize) ceil ((double) (n_fine - 1) / f) + 3;
  t->p0 = 0.5 * (double) (n_fine - 1) - 0.5 * (double) (t->n - 1) * f;
  double hw = f * TENT_HALF_WIDTH;
  t->stride = (guint) floor (2.0 * hw) + 2;
  t->first = g_new0 (gsize, t->n);
  t->count = g_new0 (guint, t->n);
  t->w = g_new0 (float, t->n * t->stride);
  for (gsize c = 0; c < t->n; c++)
    {
      double p = t->p0 + (double) c * f, sum = 0.0;
      gssize lo = (gssize) floor (p - hw) + 1, hi = (gssize) ceil (p + hw) - 1;
      gssize a = MAX (lo, 0), b = MIN (hi, (gssize) n_fine - 1);

      /* Normalised over the whole line, past the ends included. */
      for (gssize i = lo; i <= hi; i++)
        sum += MAX (0.0, 1.0 - fabs ((double) i - p) / hw);
      if (a > b || sum <= 0.0)
        continue;
      t->first[c] = (gsize) a;
      t->count[c] = (guint) (b - a + 1);
      g_assert (t->count[c] <= t->stride);
      for (gssize i = a; i <= b; i++)
        t->w[c * t->stride + (gsize) (i - a)] =
          (float) (MAX (0.0, 1.0 - fabs ((double) i - p) / hw) / sum);
    }
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Taps, taps_clear)

/* The mask (u8, 0..255) resampled onto the coarse grid of tx, ty, tz as u16 (value x 256): x
 * and y slice by slice into xy, then z. */
static guint16 *
resample_mask (const guint8     *mask,
               const gsize       dims[3],
               const Taps       *tx,
               const Taps       *ty,
               const Taps       *tz,
               EvoxWorkMonitor  *monitor,
               GError          **error)
{
  const gsize cxy = tx->n * ty->n;
  g_autofree guint16 *xy = NULL;
  g_autofree guint16 *out = NULL;

  if (!evox_check_allocation ((guint64) cxy * dims[2], sizeof (guint16),
                              "The resampled mask of the surface", error) ||
      !evox_check_allocation ((guint64) cxy * tz->n, sizeof (guint16),
                              "The coarse grid of the surface", error))
    return NULL;
  xy = g_try_new (guint16, cxy * dims[2]);
  out = g_try_new (guint16, cxy * tz->n);
  if (xy == NULL || out == NULL)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                           "Out of memory for the coarse grid of the surface");
      return NULL;
    }

#pragma omp parallel
  {
    g_autofree float *rows = g_new (float, tx->n * dims[1]);
    g_autofree float *acc = g_new (float, tx->n);

#pragma omp for schedule(dynamic, 1)
    for (gsize k = 0; k < dims[2]; k++)
      {
        if (_evox_work_monitor_stopped (monitor))
          continue;
        for (gsize j = 0; j < dims[1]; j++)
          {
            const guint8 *in = mask + (k * dims[1] + j) * dims[0];
            float *row = rows + j * tx->n;

            for (gsize c = 0; c < tx->n; c++)
              {
                const float *w = tx->w + c * tx->stride;
                const guint8 *v = in + tx->first[c];
                float s = 0.0f;

                for (guint t = 0; t < tx->count[c]; t++)
                  s += w[t] * v[t];
                row[c] = s;
              }
          }
        for (gsize c = 0; c < ty->n; c++)
          {
            guint16 *o = xy + k * cxy + c * tx->n;
            const float *w = ty->w + c * ty->stride;

            /* Tap by tap over the row, which vectorises (each point's sum in the same order). */
            memset (acc, 0, tx->n * sizeof (float));
            for (guint t = 0; t < ty->count[c]; t++)
              {
                const float *in = rows + (ty->first[c] + t) * tx->n;
                const float wt = w[t];

#pragma omp simd
                for (gsize x = 0; x < tx->n; x++)
                  acc[x] += wt * in[x];
              }
            for (gsize x = 0; x < tx->n; x++)
              o[x] = (guint16) MIN (lrintf (acc[x] * 256.0f), 65535);
          }
        _evox_work_monitor_step (monitor, 2);
      }
  }
  if (_evox_work_monitor_stopped (monitor))
    return NULL;

#pragma omp parallel
  {
    g_autofree float *acc = g_new (float, cxy);

#pragma omp for schedule(dynamic, 1)
    for (gsize c = 0; c < tz->n; c++)
      {
        const float *w = tz->w + c * tz->stride;

        if (_evox_work_monitor_stopped (monitor))
          continue;
        memset (acc, 0, cxy * sizeof (float));
        for (guint t = 0; t < tz->count[c]; t++)
          {
            const guint16 *in = xy + (tz->first[c] + t) * cxy;
            const float wt = w[t];

#pragma omp simd
            for (gsize i = 0; i < cxy; i++)
              acc[i] += wt * in[i];
          }
        for (gsize i = 0; i < cxy; i++)
          out[c * cxy + i] = (guint16) MIN (lrintf (acc[i]), 65535);
        _evox_work_monitor_step (monitor, tz->count[c]);
      }
  }
  if (_evox_work_monitor_stopped (monitor))
    return NULL;
  return g_steal_pointer (&out);
}

/* The level k + 0.5 of a u16 grid with as many points at k + 1 or above as target (ties: the
 * higher k), moved down to the middle of any gap below k + 1 as volume_preserving_level ()
 * does for bytes. */
static double
u16_count_level (const guint16 *v,
                 gsize          n,
                 guint64        target)
{
  g_autofree guint64 *hist = g_new0 (guint64, 65536);
  guint64 above = 0, best_diff = G_MAXUINT64;
  guint best = 32767, lowest;

#pragma omp parallel
  {
    g_autofree guint64 *mine = g_new0 (guint64, 65536);

#pragma omp for schedule(static)
    for (gsize i = 0; i < n; i++)
      mine[v[i]]++;
#pragma omp critical (evox_isosurface_u16_histogram)
    for (guint b = 0; b < 65536; b++)
      hist[b] += mine[b];
  }
  for (guint k = 65534; k != G_MAXUINT; k--)
    {
      guint64 diff;

      above += hist[k + 1];
      diff = above > target ? above - target : target - above;
      if (diff < best_diff)
        {
          best_diff = diff;
          best = k;
        }
      if (above > target && diff > best_diff)
        break;
    }
  for (lowest = best; lowest > 0 && hist[lowest] == 0; lowest--)
    ;
  return 0.5 * (lowest + best + 1);
}

static gint n_coarse_grids;

guint
_evox_isosurface_get_n_coarse_grids (void)
{
  return (guint) g_atomic_int_get (&n_coarse_grids);
}

/* The triangles, area and volume of the coarse grid's surface at level (as contoured with
 * CLOSE_BORDERS), for the steps of its level. */
static gboolean
measure_coarse (const EvoxField  *field,
                double            level,
                guint64          *n_triangles,
                double           *area,
                double           *volume,
                GCancellable     *cancellable,
                GError          **error)
{
  EvoxWorkMonitor monitor;
  double ref[3];

  for (guint k = 0; k < 3; k++)
    ref[k] = field->origin[k] + 0.5 * field->spacing[k] * (double) (field->dims[k] - 1);
  _evox_work_monitor_begin (&monitor, NULL, cancellable, 0.0, 1.0, 1);
  return _evox_flying_edges_measure (field, level, FALSE, TRUE, ref, n_triangles, area, volume,
                                     &monitor, error);
}

/* One coarse surface of mask at step f (fine voxels), or NULL with error set. */
static EvoxMesh *
coarse_surface (const EvoxField  *mask,
                double            f,
                guint64           n_inside,
                double            target_volume,
                EvoxProgress     *progress,
                GCancellable     *cancellable,
                GError          **error)
{
  g_auto (Taps) tx = { 0 };
  g_auto (Taps) ty = { 0 };
  g_auto (Taps) tz = { 0 };
  g_autofree guint16 *grid = NULL;
  EvoxWorkMonitor monitor;
  EvoxField field = { 0 };
  double level;
  guint64 target;
  EvoxMesh *mesh;

  taps_init (&tx, mask->dims[0], f);
  taps_init (&ty, mask->dims[1], f);
  taps_init (&tz, mask->dims[2], f);
  evox_progress_set_stage (progress, "Resampling", 0.0, 0.8);
  _evox_work_monitor_begin (&monitor, progress, cancellable, 0.0, 1.0,
                            3 * (guint64) mask->dims[2]);
  grid = resample_mask (mask->data, mask->dims, &tx, &ty, &tz, &monitor, error);
  if (grid == NULL)
    {
      if (error != NULL && *error == NULL)
        g_cancellable_set_error_if_cancelled (cancellable, error);
      return NULL;
    }

  g_atomic_int_inc (&n_coarse_grids);
  target = (guint64) llround ((double) n_inside / (f * f * f));
  level = u16_count_level (grid, tx.n * ty.n * tz.n, MAX (target, 1));
  field.data = grid;
  field.type = EVOX_SAMPLE_U16;
  field.dims[0] = tx.n;
  field.dims[1] = ty.n;
  field.dims[2] = tz.n;
  for (guint k = 0; k < 3; k++)
    field.spacing[k] = mask->spacing[k] * f;
  field.origin[0] = mask->origin[0] + mask->spacing[0] * tx.p0;
  field.origin[1] = mask->origin[1] + mask->spacing[1] * ty.p0;
  field.origin[2] = mask->origin[2] + mask->spacing[2] * tz.p0;
  /* Corners cut at a step of f cost about f times the volume they cost the full surface, so the
   * count-keeping level encloses too little: a few steps of the level towards the full
   * surface's volume (the volume falls as the level rises), the first from the slope of a
   * tent-smoothed edge (the mask's 0..65280 over the tent's width, the surface moving along its
   * normal), then secants kept inside the bracket once the volume has been passed. Each step
   * only measures the coarse surface (no mesh is built, no memory taken); the level nearest
   * the volume is contoured once at the end. */
  evox_progress_set_stage (progress, "Contouring", 0.8, 1.0);
  {
    double h = cbrt (mask->spacing[0] * mask->spacing[1] * mask->spacing[2]);
    double lp = level, lc = level, vp, vc, area;
    double lo = 0.5, hi = 65534.5;   /* the bracket: volume above target at lo, below at hi */
    double best_level = level, best;
    guint64 n;

    if (!measure_coarse (&field, level, &n, &area, &vc, cancellable, error))
      return NULL;
    if (n == 0)
      goto contour;
    vp = vc;
    best = fabs (vc - target_volume);
    for (guint step = 0; step < VOLUME_STEPS; step++)
      {
        double l1, slope;

        if (fabs (vc / target_volume - 1.0) < 1e-3)
          break;
        if (vc < target_volume)
          hi = MIN (hi, lc);
        else
          lo = MAX (lo, lc);
        if (step == 0 || vp == vc || lp == lc)
          slope = -area * 2.0 * TENT_HALF_WIDTH * f * h / (MASK_INSIDE * 256.0);
        else
          slope = (vc - vp) / (lc - lp);
        l1 = slope < 0.0 ? lc + (target_volume - vc) / slope : 0.5 * (lo + hi);
        if (!(l1 > lo && l1 < hi))
          l1 = 0.5 * (lo + hi);
        g_debug ("Coarse level %.1f encloses %+.3f%% of the full volume; next %.1f", lc,
                 100.0 * (vc / target_volume - 1.0), l1);
        if (fabs (l1 - lc) < 0.5)
          break;
        lp = lc;
        vp = vc;
        lc = l1;
        if (!measure_coarse (&field, lc, &n, &area, &vc, cancellable, error))
          return NULL;
        evox_progress_update (progress, 0.5 * (step + 1) / (VOLUME_STEPS + 1));
        if (n > 0 && fabs (vc - target_volume) < best)
          {
            best = fabs (vc - target_volume);
            best_level = lc;
          }
      }
    level = best_level;
  }

contour:
  evox_progress_push (progress, 0.9, 1.0);
  mesh = evox_flying_edges (&field, level, EVOX_FLYING_EDGES_CLOSE_BORDERS, progress,
                            cancellable, error);
  evox_progress_pop (progress);
  return mesh;
}

/* The full surface a budgeted build stands for: field at level, as evox_flying_edges () with
 * CLOSE_BORDERS contours it. midpoints: a binary mask (only 0 and MASK_INSIDE) at MASK_LEVEL,
 * every vertex half way, so its cubes are measured from their cases; close: the field's own
 * border must be closed (a level's values; a mask's box is outside at its border already). */
typedef struct
{
  const EvoxField *field;
  double           level;
  gboolean         midpoints;
  gboolean         close;
} FullSurface;

/* The full surface's triangle count, area and volume, measured as stage "Measuring the full
 * surface" over all of progress, without building it. */
static gboolean
measure_full (const FullSurface  *full,
              Measures           *out,
              EvoxProgress       *progress,
              GCancellable       *cancellable,
              GError            **error)
{
  const EvoxField *field = full->field;
  EvoxWorkMonitor monitor;
  double ref[3];
  gint64 t0 = g_get_monotonic_time ();

  evox_progress_set_stage (progress, "Measuring the full surface", 0.0, 1.0);
  for (guint k = 0; k < 3; k++)
    ref[k] = field->origin[k] + 0.5 * field->spacing[k] * (double) (field->dims[k] - 1);
  _evox_work_monitor_begin (&monitor, progress, cancellable, 0.0, 1.0,
                            2 * (guint64) (field->dims[2] + (full->close ? 2 : 0)));
  if (!_evox_flying_edges_measure (field, full->level, full->midpoints, full->close, ref,
                                   &out->n_triangles, &out->area, &out->volume, &monitor,
                                   error))
    return FALSE;
  g_debug ("The full surface has %" G_GUINT64_FORMAT " triangles, measured in %.3f s",
           out->n_triangles, (g_get_monotonic_time () - t0) / 1e6);
  return TRUE;
}

/* A coarse surface of mask (0..MASK_INSIDE, n_inside voxels inside before any smoothing) with
 * at most budget triangles where it can (see above), quoting full's measures. */
static EvoxMesh *
coarse_within_budget (const EvoxField  *mask,
                      guint64           n_inside,
                      guint64           budget,
                      const Measures   *full,
                      EvoxProgress     *progress,
                      GCancellable     *cancellable,
                      GError          **error)
{
  g_autoptr(EvoxMesh) best = NULL;
  g_autoptr(EvoxMesh) over = NULL;   /* the last try over the budget */
  double f = sqrt ((double) full->n_triangles / (double) budget), start = 0.0;
  gint64 t0 = g_get_monotonic_time ();

  for (guint attempt = 0; attempt < 6; attempt++)
    {
      /* Each try gets most of what is left, so the bar keeps moving forwards. */
      double end = attempt == 5 ? 1.0 : start + 0.8 * (1.0 - start);
      g_autoptr(EvoxMesh) mesh = NULL;
      guint64 n;

      evox_progress_push (progress, start, end);
      mesh = coarse_surface (mask, f, n_inside, full->volume, progress, cancellable, error);
      evox_progress_pop (progress);
      start = end;
      if (mesh == NULL)
        return NULL;
      n = evox_mesh_get_n_triangles (mesh);
      g_debug ("Coarse surface at a step of %.3f voxels: %" G_GUINT64_FORMAT " triangles "
               "(%.3f s)", f, n, (g_get_monotonic_time () - t0) / 1e6);
      /* A grid too coarse for anything to stay inside: a surface that exists is not given
       * back empty; the last try over the budget stands (a budget below what the coarsest
       * grid can hold, such as 4 for a ball). */
      if (n == 0)
        break;
      if (n <= budget)
        {
          g_clear_pointer (&best, evox_mesh_unref);
          best = g_steal_pointer (&mesh);
          /* Far under the budget on the first try (the coarse grid lost detail the full
           * surface has): one finer try, kept only if it fits. */
          if (attempt > 0 || n >= BUDGET_LOW * budget || f <= 1.0)
            break;
          f = MAX (1.0, f * sqrt ((double) n / (0.95 * (double) budget)));
          continue;
        }
      if (best != NULL)
        break;
      f *= 1.02 * sqrt ((double) n / (double) budget);
      g_clear_pointer (&over, evox_mesh_unref);
      over = g_steal_pointer (&mesh);
    }
  if (best == NULL)
    best = over != NULL ? g_steal_pointer (&over) : evox_mesh_new_empty ();
  _evox_mesh_set_source_measures (best, full->n_triangles, full->area, full->volume);
  evox_progress_update (progress, 1.0);
  return g_steal_pointer (&best);
}

/* The full surface when its measures (known, or NULL to measure it first) fit the budget, else
 * a coarse one of mask (which may be full's own field). */
static EvoxMesh *
contour_within_budget (const FullSurface  *full,
                       const Measures     *known,
                       const EvoxField    *mask,
                       guint64             n_inside,
                       guint64             budget,
                       EvoxProgress       *progress,
                       GCancellable       *cancellable,
                       GError            **error)
{
  const double start = known != NULL ? 0.0 : 0.35;
  Measures measured;
  EvoxMesh *mesh;

  if (known == NULL)
    {
      gboolean measured_ok;

      evox_progress_push (progress, 0.0, start);
      measured_ok = measure_full (full, &measured, progress, cancellable, error);
      evox_progress_pop (progress);
      if (!measured_ok)
        return NULL;
      known = &measured;
    }
  if (known->n_triangles <= budget)
    {
      evox_progress_set_stage (progress, "Contouring", start, 1.0);
      evox_progress_push (progress, start, 1.0);
      mesh = evox_flying_edges (full->field, full->level, EVOX_FLYING_EDGES_CLOSE_BORDERS,
                                progress, cancellable, error);
      evox_progress_pop (progress);
      return mesh;
    }
  evox_progress_push (progress, start, 1.0);
  mesh = coarse_within_budget (mask, n_inside, budget, known, progress, cancellable, error);
  evox_progress_pop (progress);
  return mesh;
}

/* The surface of a box's mask. Stages "Masking", "Smoothing", "Contouring" when parallel (a
 * job of its own); a box contoured among many reports nothing. With a budget (0: none) the
 * surface is kept within it as contour_within_budget () does, full being its full surface's
 * measures when known (NULL: measured here); without one, full non-NULL asks for the measures
 * alone: they are written there and the result is an empty mesh. */
static EvoxMesh *
contour_box (const Matcher *matcher,
             const Frame   *frame,
             const Box     *box,
             gboolean       smooth,
             gboolean       parallel,
             guint64        budget,
             Measures      *full,
             EvoxProgress  *progress,
             GCancellable  *cancellable,
             GError       **error)
{
  const gsize n = box_voxels (box);
  const double contour_start = smooth ? 0.4 : 0.15;
  g_autofree guint8 *mask = NULL;
  /* The box's outermost layer is outside already, so closing the border adds no triangle; it
   * makes the kernel say the mesh is closed, which it is. */
  EvoxFlyingEdgesFlags flags = EVOX_FLYING_EDGES_CLOSE_BORDERS |
                               (parallel ? EVOX_FLYING_EDGES_DEFAULT : EVOX_FLYING_EDGES_SERIAL);
  EvoxField field = { 0 };
  double level = MASK_LEVEL;
  guint64 n_inside = 0;
  EvoxMesh *mesh;

  /* Not worth checking against the cap for a small particle's box. */
  if (n >= PARALLEL_MIN_VOXELS && !evox_check_allocation (n, 1, "The mask of the surface", error))
    return NULL;
  mask = g_try_malloc (n);
  if (mask == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "The mask of the surface (%" G_GSIZE_FORMAT " voxels) does not fit in memory",
                   n);
      return NULL;
    }

  evox_progress_set_stage (progress, "Masking", 0.0, 0.15);
  fill_mask (matcher, frame->dims, box, mask, parallel);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  if (smooth || budget > 0 || full != NULL)
    n_inside = count_inside (mask, n, parallel);
  if (smooth)
    {
      guint64 hist[256];
      EvoxWorkMonitor monitor;

      evox_progress_set_stage (progress, "Smoothing", 0.15, contour_start);
      _evox_work_monitor_begin (&monitor, progress, cancellable, 0.0, 1.0, 3 * (guint64) n);
      if (!smooth_grid (mask, EVOX_SAMPLE_U8, mask, EVOX_SAMPLE_U8, box->dims, parallel,
                        &monitor))
        {
          g_cancellable_set_error_if_cancelled (cancellable, error);
          return NULL;
        }
      byte_histogram (mask, n, hist, parallel);
      level = volume_preserving_level (hist, n_inside);
    }

  field.data = mask;
  field.type = EVOX_SAMPLE_U8;
  for (guint k = 0; k < 3; k++)
    {
      field.dims[k] = box->dims[k];
      field.spacing[k] = frame->spacing[k];
      field.origin[k] = frame->origin[k] + frame->spacing[k] * (double) box->lo[k];
    }
  if (budget > 0 || full != NULL)
    {
      FullSurface surface = { &field, level, !smooth, FALSE };

      evox_progress_push (progress, contour_start, 1.0);
      if (budget == 0)
        mesh = measure_full (&surface, full, progress, cancellable, error)
               ? evox_mesh_new_empty () : NULL;
      else
        mesh = contour_within_budget (&surface, full, &field, n_inside, budget, progress,
                                      cancellable, error);
      evox_progress_pop (progress);
      return mesh;
    }
  evox_progress_set_stage (progress, "Contouring", contour_start, 1.0);
  evox_progress_push (progress, contour_start, 1.0);
  mesh = evox_flying_edges (&field, level, flags, progress, cancellable, error);
  evox_progress_pop (progress);
  return mesh;
}

/* ---------------------------------------------------------------------------------------- */
/* Particles */

/* One particle to contour: its label and the bounding box of its voxels. */
typedef struct
{
  guint32 id;
  Bounds  bounds;
} Item;

/* The label of the voxels of one row as u32 (f32 labels are whole numbers by now). */
static void
labels_row (gconstpointer   data,
            EvoxSampleType  type,
            gsize           offset,
            gsize           n,
            guint32        *out)
{
  switch (type)
    {
    case EVOX_SAMPLE_U8:
      for (gsize i = 0; i < n; i++)
        out[i] = ((const guint8 *) data)[offset + i];
      break;
    case EVOX_SAMPLE_U16:
      for (gsize i = 0; i < n; i++)
        out[i] = ((const guint16 *) data)[offset + i];
      break;
    case EVOX_SAMPLE_F32:
    default:
      for (gsize i = 0; i < n; i++)
        out[i] = (guint32) ((const float *) data)[offset + i];
      break;
    }
}

/* The highest label in f32 values, after checking that every value is a label; the first value
 * that is not becomes the error. */
static gboolean
float_labels_check (const float  *v,
                    const gsize   dims[3],
                    guint32      *top,
                    EvoxWorkMonitor      *monitor,
                    GError      **error)
{
  const gsize slice = dims[0] * dims[1];
  gsize first_bad = G_MAXSIZE;
  float highest = 0.0f;

#pragma omp parallel for schedule(static) reduction(min:first_bad) reduction(max:highest)
  for (gsize z = 0; z < dims[2]; z++)
    {
      const float *s = v + z * slice;

      if (_evox_work_monitor_stopped (monitor))
        continue;
      for (gsize i = 0; i < slice; i++)
        {
          if (!(s[i] >= 0.0f && s[i] < MAX_FLOAT_LABEL && s[i] == floorf (s[i])))
            {
              first_bad = MIN (first_bad, z * slice + i);
              break;
            }
          highest = MAX (highest, s[i]);
        }
      _evox_work_monitor_step (monitor, 1);
    }
  if (g_cancellable_set_error_if_cancelled (monitor->cancellable, error))
    return FALSE;
  if (first_bad != G_MAXSIZE)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "The channel holds no labels: voxel (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT
                   ", %" G_GSIZE_FORMAT ") is %g, and labels are whole numbers from 0 to %.0f",
                   first_bad % dims[0], (first_bad / dims[0]) % dims[1], first_bad / slice,
                   (double) v[first_bad], (double) MAX_FLOAT_LABEL - 1.0);
      return FALSE;
    }
  *top = (guint32) highest;
  return TRUE;
}

/* Bounds of labels 1..top in a channel's values (table[l] for label l), one pass by runs of
 * equal labels. Threads keep tables of their own when they fit in a few tens of MiB. */
static Bounds *
value_label_bounds (gconstpointer    data,
                    EvoxSampleType   type,
                    const gsize      dims[3],
                    guint32          top,
                    EvoxWorkMonitor         *monitor,
                    GError         **error)
{
  const gsize nx = dims[0], ny = dims[1], nz = dims[2];
  const gsize n_entries = (gsize) top + 1;
  int n_threads = 1;
  gboolean parallel;
  Bounds *table;

#ifdef _OPENMP
  n_threads = omp_get_max_threads ();
#endif
  if (!evox_check_allocation (n_entries, sizeof (Bounds), "The table of labels", error))
    return NULL;
  parallel = n_threads > 1 && n_entries * sizeof (Bounds) * n_threads <= ((gsize) 64 << 20);
  table = g_new (Bounds, n_entries);
  for (gsize l = 0; l < n_entries; l++)
    bounds_clear (&table[l]);

#pragma omp parallel if (parallel)
  {
    g_autofree guint32 *row = g_new (guint32, MAX (nx, 1));
    g_autofree Bounds *own = NULL;
    Bounds *mine = table;

    if (parallel)
      {
        mine = own = g_new (Bounds, n_entries);
        for (gsize l = 0; l < n_entries; l++)
          bounds_clear (&own[l]);
      }
#pragma omp for schedule(dynamic, 1)
    for (gsize z = 0; z < nz; z++)
      {
        if (_evox_work_monitor_stopped (monitor))
          continue;
        for (gsize y = 0; y < ny; y++)
          {
            labels_row (data, type, (z * ny + y) * nx, nx, row);
            for (gsize x = 0; x < nx;)
              {
                guint32 label = row[x];
                gsize end = x + 1;

                while (end < nx && row[end] == label)
                  end++;
                if (label != 0 && label <= top)
                  {
                    Bounds *b = &mine[label];

                    b->min[0] = MIN (b->min[0], (guint32) x);
                    b->max[0] = MAX (b->max[0], (guint32) (end - 1));
                    b->min[1] = MIN (b->min[1], (guint32) y);
                    b->max[1] = MAX (b->max[1], (guint32) y);
                    b->min[2] = MIN (b->min[2], (guint32) z);
                    b->max[2] = MAX (b->max[2], (guint32) z);
                  }
                x = end;
              }
          }
        _evox_work_monitor_step (monitor, 1);
      }
    if (parallel)
      {
#pragma omp critical (evox_isosurface_labels)
        for (gsize l = 0; l < n_entries; l++)
          bounds_add (&table[l], &own[l]);
      }
  }
  if (g_cancellable_set_error_if_cancelled (monitor->cancellable, error))
    {
      g_free (table);
      return NULL;
    }
  return table;
}

/* The particles (one, or all when only is 0) of a channel's own values, with their bounds.
 * Fails when the values are no labels, and for an unknown particle. */
static Item *
value_label_items (EvoxVolume    *volume,
                   guint          channel,
                   guint32        only,
                   gsize         *n_items,
                   EvoxWorkMonitor       *monitor,
                   GError       **error)
{
  EvoxSampleType type = evox_volume_get_sample_type (volume);
  gconstpointer data = evox_volume_get_data (volume, channel);
  g_autofree Bounds *table = NULL;
  gsize dims[3];
  guint32 top;
  Item *items;
  gsize n = 0;

  evox_volume_get_dims (volume, dims);
  switch (type)
    {
    case EVOX_SAMPLE_U8:
      top = 255;
      break;
    case EVOX_SAMPLE_U16:
      top = 65535;
      break;
    case EVOX_SAMPLE_F32:
    default:
      if (!float_labels_check (data, dims, &top, monitor, error))
        return NULL;
      break;
    }
  if (only != 0)
    top = MIN (top, only);

  table = value_label_bounds (data, type, dims, top, monitor, error);
  if (table == NULL)
    return NULL;
  if (only != 0)
    {
      if (only > top || bounds_is_empty (&table[only]))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "No voxel of channel %u holds label %u", channel, only);
          return NULL;
        }
      items = g_new (Item, 1);
      items[0].id = only;
      items[0].bounds = table[only];
      *n_items = 1;
      return items;
    }

  for (guint32 l = 1; l <= top; l++)
    n += !bounds_is_empty (&table[l]);
  items = g_new (Item, MAX (n, 1));
  n = 0;
  for (guint32 l = 1; l <= top; l++)
    if (!bounds_is_empty (&table[l]))
      {
        items[n].id = l;
        items[n].bounds = table[l];
        n++;
      }
  *n_items = n;
  return items;
}

/* The particles of an EvoxLabels (one, or all when only is 0). */
static Item *
labels_items (EvoxLabels  *labels,
              guint32      only,
              gsize       *n_items,
              GError     **error)
{
  guint n_particles = evox_labels_get_n_particles (labels);
  guint32 first = only != 0 ? only : 1;
  guint32 last = only != 0 ? only : n_particles;
  Item *items;

  if (only != 0 && evox_labels_get_particle (labels, only) == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "There is no particle %u: the labels have %u", only, n_particles);
      return NULL;
    }
  items = g_new (Item, MAX (last + 1 - first, 1));
  *n_items = 0;
  for (guint32 id = first; id <= last && id != 0; id++)
    {
      const EvoxParticle *p = evox_labels_get_particle (labels, id);
      Item *item = &items[(*n_items)++];

      item->id = id;
      for (guint k = 0; k < 3; k++)
        {
          item->bounds.min[k] = p->bbox_min[k];
          item->bounds.max[k] = p->bbox_max[k];
        }
    }
  return items;
}

/* The smallest share of the budget a particle gets: a coarse surface around a single coarse
 * point inside has 8 triangles. */
#define PARTICLE_MIN_BUDGET 8

/* contour_box () for every item into meshes[i], with budgets[i] (NULL: no budget) and
 * full[i] (NULL: none) as contour_box () takes them, as stage over [start, end] of progress:
 * big boxes first, each with every thread, then the others spread over the threads. */
static gboolean
contour_each (const Matcher   *base,
              const Frame     *frame,
              const Item      *items,
              gsize            n_items,
              gboolean         smooth,
              const guint64   *budgets,
              Measures        *full,
              EvoxMesh       **meshes,
              const char      *stage,
              double           start,
              double           end,
              EvoxProgress    *progress,
              GCancellable    *cancellable,
              GError         **error)
{
  const gsize margin = margin_for (smooth);
  g_autofree gsize *order = g_new (gsize, MAX (n_items, 1));
  GError *first_error = NULL;
  guint64 total = 0;
  gsize n_big = 0, n_small = 0;
  EvoxWorkMonitor monitor;

  for (gsize i = 0; i < n_items; i++)
    {
      Box box;

      box_around (&box, &items[i].bounds, margin);
      total += box_voxels (&box);
      if (box_voxels (&box) >= BIG_BOX_VOXELS)
        order[n_big++] = i;
    }
  for (gsize i = 0; i < n_items; i++)
    {
      Box box;

      box_around (&box, &items[i].bounds, margin);
      if (box_voxels (&box) < BIG_BOX_VOXELS)
        order[n_big + n_small++] = i;
    }

  evox_progress_set_stage (progress, stage, start, end);
  _evox_work_monitor_begin (&monitor, progress, cancellable, 0.0, 1.0, MAX (total, 1));
  for (gsize b = 0; b < n_big; b++)
    {
      gsize i = order[b];
      Matcher m = matcher_for_label (base, items[i].id);
      Box box;
      double from, part;

      box_around (&box, &items[i].bounds, margin);
      from = start + (end - start) * (double) monitor.done / (double) monitor.total;
      part = (end - start) * (double) box_voxels (&box) / (double) monitor.total;
      evox_progress_push (progress, from, from + part);
      meshes[i] = contour_box (&m, frame, &box, smooth, TRUE, budgets ? budgets[i] : 0,
                               full ? &full[i] : NULL, progress, cancellable, &first_error);
      evox_progress_pop (progress);
      if (meshes[i] == NULL)
        break;
      /* The box set stages of its own. */
      evox_progress_set_stage (progress, stage, start, end);
      _evox_work_monitor_step (&monitor, box_voxels (&box));
    }

  if (first_error == NULL)
    {
#pragma omp parallel for schedule(dynamic, 1)
      for (gsize s = 0; s < n_small; s++)
        {
          gsize i = order[n_big + s];
          Matcher m = matcher_for_label (base, items[i].id);
          GError *local_error = NULL;
          Box box;

          if (_evox_work_monitor_stopped (&monitor))
            continue;
          box_around (&box, &items[i].bounds, margin);
          meshes[i] = contour_box (&m, frame, &box, smooth, FALSE, budgets ? budgets[i] : 0,
                                   full ? &full[i] : NULL, NULL, cancellable, &local_error);
          if (meshes[i] == NULL)
            {
              g_atomic_int_set (&monitor.stopped, 1);
#pragma omp critical (evox_isosurface_error)
              {
                if (first_error == NULL)
                  first_error = local_error;
                else
                  g_error_free (local_error);
              }
              continue;
            }
          _evox_work_monitor_step (&monitor, box_voxels (&box));
        }
    }

  if (first_error == NULL)
    g_cancellable_set_error_if_cancelled (cancellable, &first_error);
  if (first_error != NULL)
    {
      g_propagate_error (error, first_error);
      return FALSE;
    }
  return TRUE;
}

/* Each particle's share of budget, in proportion to its full surface's triangles (so every
 * particle is contoured at about the same step), at least PARTICLE_MIN_BUDGET; NULL when
 * every particle fits in full. */
static guint64 *
particle_budgets (const Measures *full,
                  gsize           n_items,
                  guint64         budget)
{
  guint64 total = 0, spread;
  guint64 *budgets;

  for (gsize i = 0; i < n_items; i++)
    total += full[i].n_triangles;
  if (total <= budget)
    return NULL;
  spread = budget > PARTICLE_MIN_BUDGET * (guint64) n_items
           ? budget - PARTICLE_MIN_BUDGET * (guint64) n_items : 0;
  budgets = g_new (guint64, n_items);
  for (gsize i = 0; i < n_items; i++)
    budgets[i] = PARTICLE_MIN_BUDGET +
                 (guint64) floor ((double) full[i].n_triangles * (double) spread / (double) total);
  return budgets;
}

/* The meshes of items, merged in their order; each has the colour of its label when colored.
 * Over budget (0: none), each particle is kept within its share (particle_budgets ()), its
 * full surface measured in a first pass; the merged mesh quotes the sum of the full surfaces'
 * measures. */
static EvoxMesh *
contour_items (const Matcher *base,
               const Frame   *frame,
               const Item    *items,
               gsize          n_items,
               gboolean       smooth,
               gboolean       colored,
               guint64        budget,
               EvoxProgress  *progress,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autofree EvoxMesh **meshes = NULL;
  g_autofree guint8 *rgba = NULL;
  g_autofree Measures *full = NULL;
  g_autofree guint64 *budgets = NULL;
  GError *first_error = NULL;
  guint64 n_vertices = 0, n_triangles = 0;
  double contour_start = 0.0;
  EvoxMesh *merged = NULL;
  gboolean ok;

  if (n_items > G_MAXUINT)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "%" G_GSIZE_FORMAT " particles are too many for one surface", n_items);
      return NULL;
    }
  meshes = g_new0 (EvoxMesh *, MAX (n_items, 1));
  if (n_items == 1)
    {
      Matcher m = matcher_for_label (base, items[0].id);
      Box box;

      box_around (&box, &items[0].bounds, margin_for (smooth));
      meshes[0] = contour_box (&m, frame, &box, smooth, box_voxels (&box) >= PARALLEL_MIN_VOXELS,
                               budget, NULL, progress, cancellable, error);
      if (meshes[0] == NULL || !colored)
        return g_steal_pointer (&meshes[0]);
      rgba = g_new (guint8, 4);
      evox_mesh_particle_color (items[0].id, rgba);
      merged = evox_mesh_merge (meshes, rgba, 1);
      {
        gsize n;
        double area, volume;

        if (evox_mesh_get_source_measures (meshes[0], &n, &area, &volume))
          _evox_mesh_set_source_measures (merged, n, area, volume);
      }
      evox_mesh_unref (meshes[0]);
      return merged;
    }

  if (budget > 0)
    {
      contour_start = 0.4;
      full = g_new0 (Measures, n_items);
      ok = contour_each (base, frame, items, n_items, smooth, NULL, full, meshes,
                         "Measuring particles", 0.0, contour_start, progress, cancellable,
                         &first_error);
      for (gsize i = 0; i < n_items; i++)
        g_clear_pointer (&meshes[i], evox_mesh_unref);
      if (!ok)
        {
          g_propagate_error (error, first_error);
          return NULL;
        }
      budgets = particle_budgets (full, n_items, budget);
    }
  ok = contour_each (base, frame, items, n_items, smooth, budgets, budgets ? full : NULL,
                     meshes, "Contouring particles", contour_start, CONTOUR_END, progress,
                     cancellable, &first_error);

  if (ok)
    {
      for (gsize i = 0; i < n_items; i++)
        {
          n_vertices += evox_mesh_get_n_vertices (meshes[i]);
          n_triangles += evox_mesh_get_n_triangles (meshes[i]);
        }
      if (n_vertices > G_MAXUINT32)
        g_set_error (&first_error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                     "The surface of %" G_GSIZE_FORMAT " particles would have %" G_GUINT64_FORMAT
                     " vertices, more than 2^32", n_items, n_vertices);
      else if (evox_check_allocation (n_vertices, 6 * sizeof (float) + 4, "The surface's vertices",
                                      &first_error) &&
               evox_check_allocation (n_triangles, 3 * sizeof (guint32),
                                      "The surface's triangles", &first_error))
        {
          evox_progress_set_stage (progress, "Merging particles", CONTOUR_END, 1.0);
          rgba = g_new (guint8, 4 * MAX (n_items, 1));
          for (gsize i = 0; i < n_items; i++)
            evox_mesh_particle_color (items[i].id, rgba + 4 * i);
          merged = evox_mesh_merge (meshes, colored ? rgba : NULL, (guint) n_items);
          if (budgets != NULL)
            {
              Measures sum = { 0 };

              for (gsize i = 0; i < n_items; i++)
                {
                  sum.n_triangles += full[i].n_triangles;
                  sum.area += full[i].area;
                  sum.volume += full[i].volume;
                }
              _evox_mesh_set_source_measures (merged, sum.n_triangles, sum.area, sum.volume);
            }
          evox_progress_update (progress, 1.0);
        }
    }

  for (gsize i = 0; i < n_items; i++)
    g_clear_pointer (&meshes[i], evox_mesh_unref);
  if (first_error != NULL)
    {
      g_clear_pointer (&merged, evox_mesh_unref);
      g_propagate_error (error, first_error);
      return NULL;
    }
  return merged;
}

/* ---------------------------------------------------------------------------------------- */
/* The kinds of surface */

/* A level's surface within budget: its full surface is measured on the values (interpolated
 * crossings, closed at the border), and when over the budget the coarse surface is that of the
 * mask of the voxels inside (v >= level, as the kernel decides it), which the coarse grid needs
 * as the phase's mask; its level is then moved to enclose the full surface's volume, so the
 * sub-voxel placement the values gave is made up for in the mean. */
static EvoxMesh *
level_within_budget (const EvoxField  *field,
                     double            level,
                     guint64           budget,
                     EvoxProgress     *progress,
                     GCancellable     *cancellable,
                     GError          **error)
{
  const gsize n = field->dims[0] * field->dims[1] * field->dims[2];
  const double measured_end = 0.3, masked_end = 0.4;
  FullSurface surface = { field, level, FALSE, TRUE };
  g_autofree guint8 *mask = NULL;
  EvoxField mask_field = *field;
  Box box = { { 0, 0, 0 }, { field->dims[0], field->dims[1], field->dims[2] } };
  Matcher matcher;
  Measures full;
  EvoxMesh *mesh;
  gboolean ok;

  evox_progress_push (progress, 0.0, measured_end);
  ok = measure_full (&surface, &full, progress, cancellable, error);
  evox_progress_pop (progress);
  if (!ok)
    return NULL;
  if (full.n_triangles <= budget || !matcher_for_range (&matcher, field->type, field->data,
                                                        level, INFINITY))
    {
      evox_progress_push (progress, measured_end, 1.0);
      mesh = contour_within_budget (&surface, &full, field, 0, budget, progress, cancellable,
                                    error);
      evox_progress_pop (progress);
      return mesh;
    }

  if (!evox_check_allocation (n, 1, "The mask of the surface", error))
    return NULL;
  mask = g_try_malloc (n);
  if (mask == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "The mask of the surface (%" G_GSIZE_FORMAT " voxels) does not fit in memory",
                   n);
      return NULL;
    }
  evox_progress_set_stage (progress, "Masking", measured_end, masked_end);
  fill_mask (&matcher, field->dims, &box, mask, TRUE);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  mask_field.data = mask;
  mask_field.type = EVOX_SAMPLE_U8;
  evox_progress_push (progress, masked_end, 1.0);
  mesh = contour_within_budget (&surface, &full, &mask_field, count_inside (mask, n, TRUE), budget,
                                progress, cancellable, error);
  evox_progress_pop (progress);
  return mesh;
}

static EvoxMesh *
build_level (EvoxVolume             *volume,
             const EvoxSurfaceSpec  *spec,
             EvoxProgress           *progress,
             GCancellable           *cancellable,
             GError                **error)
{
  g_autofree float *smoothed = NULL;
  EvoxField field = { 0 };
  Frame frame;
  gsize n;
  EvoxMesh *mesh;
  double contour_start = 0.0;

  frame_of_volume (&frame, volume);
  n = frame.dims[0] * frame.dims[1] * frame.dims[2];
  field.data = evox_volume_get_data (volume, spec->channel);
  field.type = evox_volume_get_sample_type (volume);

  if (spec->smooth)
    {
      EvoxWorkMonitor monitor;

      if (!evox_check_allocation (n, sizeof (float), "The smoothed volume", error))
        return NULL;
      smoothed = g_try_new (float, MAX (n, 1));
      if (smoothed == NULL)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                       "The smoothed volume (%" G_GSIZE_FORMAT " voxels) does not fit in memory",
                       n);
          return NULL;
        }
      contour_start = 0.3;
      evox_progress_set_stage (progress, "Smoothing", 0.0, contour_start);
      _evox_work_monitor_begin (&monitor, progress, cancellable, 0.0, 1.0, 3 * (guint64) n);
      if (!smooth_grid (field.data, field.type, smoothed, EVOX_SAMPLE_F32, frame.dims, TRUE,
                        &monitor))
        {
          g_cancellable_set_error_if_cancelled (cancellable, error);
          return NULL;
        }
      field.data = smoothed;
      field.type = EVOX_SAMPLE_F32;
    }

  memcpy (field.dims, frame.dims, sizeof field.dims);
  memcpy (field.spacing, frame.spacing, sizeof field.spacing);
  memcpy (field.origin, frame.origin, sizeof field.origin);
  if (spec->max_triangles > 0)
    {
      evox_progress_push (progress, contour_start, 1.0);
      mesh = level_within_budget (&field, spec->level, spec->max_triangles, progress,
                                  cancellable, error);
      evox_progress_pop (progress);
      return mesh;
    }
  evox_progress_set_stage (progress, "Contouring", contour_start, 1.0);
  evox_progress_push (progress, contour_start, 1.0);
  mesh = evox_flying_edges (&field, spec->level, EVOX_FLYING_EDGES_CLOSE_BORDERS, progress,
                            cancellable, error);
  evox_progress_pop (progress);
  return mesh;
}

static EvoxMesh *
build_range (EvoxVolume             *volume,
             const EvoxSurfaceSpec  *spec,
             EvoxProgress           *progress,
             GCancellable           *cancellable,
             GError                **error)
{
  Matcher matcher;
  Bounds bounds;
  EvoxWorkMonitor monitor;
  Frame frame;
  Box box;
  EvoxMesh *mesh;

  frame_of_volume (&frame, volume);
  if (!matcher_for_range (&matcher, evox_volume_get_sample_type (volume),
                          evox_volume_get_data (volume, spec->channel), spec->lo, spec->hi))
    return evox_mesh_new_empty ();

  evox_progress_set_stage (progress, "Finding the phase", 0.0, 0.1);
  _evox_work_monitor_begin (&monitor, progress, cancellable, 0.0, 1.0, frame.dims[2]);
  if (!matcher_bounds (&matcher, frame.dims, &bounds, &monitor))
    {
      g_cancellable_set_error_if_cancelled (cancellable, error);
      return NULL;
    }
  if (bounds_is_empty (&bounds))
    return evox_mesh_new_empty ();

  box_around (&box, &bounds, margin_for (spec->smooth));
  evox_progress_push (progress, 0.1, 1.0);
  mesh = contour_box (&matcher, &frame, &box, spec->smooth, TRUE, spec->max_triangles, NULL,
                      progress, cancellable, error);
  evox_progress_pop (progress);
  return mesh;
}

static EvoxMesh *
build_particles (EvoxVolume             *volume,
                 EvoxLabels             *labels,
                 const EvoxSurfaceSpec  *spec,
                 EvoxProgress           *progress,
                 GCancellable           *cancellable,
                 GError                **error)
{
  guint32 only = spec->kind == EVOX_SURFACE_PARTICLE ? spec->particle : 0;
  g_autofree Item *items = NULL;
  Matcher base = { 0 };
  Frame frame;
  gsize n_items = 0;
  double start = 0.0;
  EvoxMesh *mesh;

  frame_of_volume (&frame, volume);
  if (spec->kind == EVOX_SURFACE_PARTICLE && only == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "There is no particle 0: label 0 is the background");
      return NULL;
    }

  if (labels != NULL)
    {
      items = labels_items (labels, only, &n_items, error);
      base.kind = MATCH_U32;
      base.data = evox_labels_get_data (labels);
    }
  else
    {
      EvoxWorkMonitor monitor;
      EvoxSampleType type = evox_volume_get_sample_type (volume);

      start = 0.1;
      evox_progress_set_stage (progress, "Finding particles", 0.0, start);
      _evox_work_monitor_begin (&monitor, progress, cancellable,
                     0.0, 1.0, (type == EVOX_SAMPLE_F32 ? 2 : 1) * (guint64) frame.dims[2]);
      items = value_label_items (volume, spec->channel, only, &n_items, &monitor, error);
      base.kind = type == EVOX_SAMPLE_U8 ? MATCH_U8 : type == EVOX_SAMPLE_U16 ? MATCH_U16
                                                                           : MATCH_F32;
      base.data = evox_volume_get_data (volume, spec->channel);
    }
  if (items == NULL)
    return NULL;
  if (n_items == 0)
    return evox_mesh_new_empty ();

  evox_progress_push (progress, start, 1.0);
  mesh = contour_items (&base, &frame, items, n_items, spec->smooth,
                        spec->kind == EVOX_SURFACE_PARTICLES, spec->max_triangles, progress,
                        cancellable, error);
  evox_progress_pop (progress);
  return mesh;
}

static gboolean
check_spec (EvoxVolume             *volume,
            EvoxLabels             *labels,
            const EvoxSurfaceSpec  *spec,
            GError                **error)
{
  guint n_channels = evox_volume_get_n_channels (volume);

  if (spec->channel >= n_channels)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "There is no channel %u: the volume has %u", spec->channel, n_channels);
      return FALSE;
    }
  switch (spec->kind)
    {
    case EVOX_SURFACE_LEVEL:
      if (isnan (spec->level))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "The level of a surface must be a number, not NaN");
          return FALSE;
        }
      return TRUE;
    case EVOX_SURFACE_RANGE:
      if (isnan (spec->lo) || isnan (spec->hi) || spec->lo > spec->hi)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "The phase range [%g, %g] is not a range: it needs lo <= hi and no NaN",
                       spec->lo, spec->hi);
          return FALSE;
        }
      return TRUE;
    case EVOX_SURFACE_PARTICLE:
    case EVOX_SURFACE_PARTICLES:
      if (labels != NULL)
        {
          gsize vdims[3], ldims[3];

          evox_volume_get_dims (volume, vdims);
          evox_labels_get_dims (labels, ldims);
          if (memcmp (vdims, ldims, sizeof vdims) != 0)
            {
              g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                           "The labels (%" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %"
                           G_GSIZE_FORMAT ") are not of this volume (%" G_GSIZE_FORMAT " x %"
                           G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT ")",
                           ldims[0], ldims[1], ldims[2], vdims[0], vdims[1], vdims[2]);
              return FALSE;
            }
        }
      return TRUE;
    default:
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, "Unknown kind of surface %d",
                   (int) spec->kind);
      return FALSE;
    }
}

/**
 * evox_isosurface_build:
 * @labels: (nullable): for PARTICLE and PARTICLES; NULL takes the labels from the channel
 * @progress: (nullable): stages "Finding the phase" or "Finding particles", "Masking",
 *   "Smoothing", "Contouring" (or "Contouring particles" and "Merging particles") and, with a
 *   triangle budget, "Measuring the full surface" (or "Measuring particles") and, above it,
 *   "Resampling"
 *
 * Builds on the calling thread, using every OpenMP thread.
 */
EvoxMesh *
evox_isosurface_build (EvoxVolume             *volume,
                       EvoxLabels             *labels,
                       const EvoxSurfaceSpec  *spec,
                       EvoxProgress           *progress,
                       GCancellable           *cancellable,
                       GError                **error)
{
  EvoxMesh *mesh;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (labels == NULL || EVOX_IS_LABELS (labels), NULL);
  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_spec (volume, labels, spec, error))
    return NULL;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (evox_volume_get_n_voxels (volume) == 0)
    return evox_mesh_new_empty ();

  switch (spec->kind)
    {
    case EVOX_SURFACE_LEVEL:
      mesh = build_level (volume, spec, progress, cancellable, error);
      break;
    case EVOX_SURFACE_RANGE:
      mesh = build_range (volume, spec, progress, cancellable, error);
      break;
    case EVOX_SURFACE_PARTICLE:
    case EVOX_SURFACE_PARTICLES:
    default:
      mesh = build_particles (volume, labels, spec, progress, cancellable, error);
      break;
    }
  /* The bar ends full whatever stage came last. */
  if (mesh != NULL)
    evox_progress_set_stage (progress, "Contouring", 1.0, 1.0);
  return mesh;
}

typedef struct
{
  EvoxVolume      *volume;
  EvoxLabels      *labels;
  EvoxSurfaceSpec  spec;
  EvoxProgress    *progress;
} BuildData;

static void
build_data_free (BuildData *data)
{
  g_clear_object (&data->volume);
  g_clear_object (&data->labels);
  evox_progress_unref (data->progress);
  g_free (data);
}

static gpointer
build_work (gpointer       task_data,
            GCancellable  *cancellable,
            GError       **error)
{
  BuildData *data = task_data;

  return evox_isosurface_build (data->volume, data->labels, &data->spec, data->progress,
                                cancellable, error);
}

/**
 * evox_isosurface_build_async:
 *
 * evox_isosurface_build() on a worker thread, with a copy of @spec; the callback runs in the
 * caller's main context and gets %G_IO_ERROR_CANCELLED when @cancellable fires first.
 */
void
evox_isosurface_build_async (EvoxVolume             *volume,
                             EvoxLabels             *labels,
                             const EvoxSurfaceSpec  *spec,
                             EvoxProgress           *progress,
                             GCancellable           *cancellable,
                             GAsyncReadyCallback     callback,
                             gpointer                user_data)
{
  BuildData *data;

  g_return_if_fail (EVOX_IS_VOLUME (volume));
  g_return_if_fail (labels == NULL || EVOX_IS_LABELS (labels));
  g_return_if_fail (spec != NULL);

  data = g_new0 (BuildData, 1);
  data->volume = g_object_ref (volume);
  data->labels = labels != NULL ? g_object_ref (labels) : NULL;
  data->spec = *spec;
  data->progress = evox_progress_ref (progress);
  _evox_task_run (evox_isosurface_build_async, build_work, data,
                  (GDestroyNotify) build_data_free, (GDestroyNotify) evox_mesh_unref,
                  cancellable, callback, user_data);
}

EvoxMesh *
evox_isosurface_build_finish (GAsyncResult  *result,
                              GError       **error)
{
  return _evox_task_finish (result, evox_isosurface_build_async, error);
}
