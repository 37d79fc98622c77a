/* evox-watershed.c: exact distance map, h-maxima markers and priority-flood watershed of particles. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-watershed.h"
#include "evox-types.h"

/* Touching particles are split as scikit-image users do it by hand, with one difference in
 * the markers:
 *
 *   dist    = scipy.ndimage.distance_transform_edt (phase, sampling = spacing)
 *   markers = label (local_maxima (reconstruction (dist - h, dist), connectivity), connectivity)
 *   split   = skimage.segmentation.watershed (-dist, markers, mask = phase, connectivity)
 *
 * The distance map is exact (the lower envelope of parabolas along x, then y, then z), so
 * anisotropic voxels need no correction. The markers are the regional maxima of the h-maxima
 * transform (the reconstruction by dilation of dist - h under dist; MATLAB's imextendedmax):
 * two peaks stay apart only when the path between them dips more than h below the lower one,
 * so two balls of radii r1 <= r2 joined by a neck of radius n become two particles when
 * r1 - n > h, equal or not. skimage.morphology.h_maxima (dist - rec >= h) differs there: it
 * keeps every global maximum, so two equal balls always split whatever h is; and over the whole
 * volume the background would carry the reconstruction between particles. The reconstruction
 * is Vincent's hybrid algorithm (a forward and a backward raster scan, then a FIFO queue for
 * what the scans could not reach), restricted to the particles so separate particles never
 * raise each other through the background. */

/* Neighbour offsets of a connectivity; `before` are those earlier in raster order. */
typedef struct
{
  int    d[26][3];
  guint  n;
} Offsets;

static void
offsets_init (Offsets          *o,
              EvoxConnectivity  connectivity,
              int               which)  /* -1 earlier, +1 later, 0 all */
{
  o->n = 0;
  for (int dz = -1; dz <= 1; dz++)
    for (int dy = -1; dy <= 1; dy++)
      for (int dx = -1; dx <= 1; dx++)
        {
          int order = ABS (dx) + ABS (dy) + ABS (dz);
          int sign = dz != 0 ? dz : dy != 0 ? dy : dx;

          if (order == 0 || (connectivity == EVOX_CONNECTIVITY_6 && order > 1) ||
              (connectivity == EVOX_CONNECTIVITY_18 && order > 2))
            continue;
          if (which != 0 && sign != which)
            continue;
          o->d[o->n][0] = dx;
          o->d[o->n][1] = dy;
          o->d[o->n][2] = dz;
          o->n++;
        }
}

/* Index of the k-th neighbour of voxel (x, y, z), or G_MAXSIZE outside the volume. */
static inline gsize
neighbour (const Offsets *o,
           guint          k,
           const gsize    dims[3],
           gsize          x,
           gsize          y,
           gsize          z)
{
  gssize px = (gssize) x + o->d[k][0];
  gssize py = (gssize) y + o->d[k][1];
  gssize pz = (gssize) z + o->d[k][2];

  if (px < 0 || py < 0 || pz < 0 || px >= (gssize) dims[0] || py >= (gssize) dims[1] ||
      pz >= (gssize) dims[2])
    return G_MAXSIZE;
  return ((gsize) pz * dims[1] + (gsize) py) * dims[0] + (gsize) px;
}

/* Distance map. */

/* d[i] = min_j ((s (i - j))^2 + f[j]) over the finite f[j]: the lower envelope of the parabolas
 * rooted at the finite samples (Felzenszwalb and Huttenlocher 2012). v and z hold n and n + 1
 * entries. */
static void
envelope_1d (const double *f,
             gsize         n,
             double        s,
             double       *d,
             gsize        *v,
             double       *z)
{
  gssize k = -1;

  for (gsize q = 0; q < n; q++)
    {
      double pq = s * (double) q;
      double cross = -INFINITY;

      if (!isfinite (f[q]))
        continue;
      while (k >= 0)
        {
          double pv = s * (double) v[k];

          cross = ((f[q] + pq * pq) - (f[v[k]] + pv * pv)) / (2.0 * (pq - pv));
          if (cross > z[k])
            break;
          k--;
        }
      k++;
      v[k] = q;
      z[k] = k == 0 ? -INFINITY : cross;
      z[k + 1] = INFINITY;
    }
  if (k < 0)
    {
      for (gsize q = 0; q < n; q++)
        d[q] = INFINITY;
      return;
    }
  k = 0;
  for (gsize q = 0; q < n; q++)
    {
      double pq = s * (double) q;
      double dv;

      while (z[k + 1] < pq)
        k++;
      dv = pq - s * (double) v[k];
      d[q] = dv * dv + f[v[k]];
    }
}

/**
 * evox_distance_transform:
 * @monitor: begun by the caller over the lines of the three passes (dims[1] * dims[2] +
 *   dims[0] * dims[2] + dims[0] * dims[1] steps)
 */
gboolean
evox_distance_transform (const guint8     *mask,
                         const gsize       dims[3],
                         const double      spacing[3],
                         float            *dist,
                         EvoxWorkMonitor  *monitor,
                         GError          **error)
{
  const gsize n = dims[0] * dims[1] * dims[2];
  const gsize longest = MAX (dims[0], MAX (dims[1], dims[2]));

  g_return_val_if_fail (dims != NULL && spacing != NULL, FALSE);
  g_return_val_if_fail (n == 0 || (mask != NULL && dist != NULL), FALSE);

  if (n == 0)
    return TRUE;
  for (gsize i = 0; i < n; i++)
    dist[i] = mask[i] != 0 ? INFINITY : 0.0f;

  for (guint axis = 0; axis < 3; axis++)
    {
      const gsize len = dims[axis];
      const gsize stride = axis == 0 ? 1 : axis == 1 ? dims[0] : dims[0] * dims[1];
      const gsize a = axis == 0 ? 1 : 0;              /* the two other axes */
      const gsize b = axis == 2 ? 1 : 2;
      const gsize n_lines = dims[a] * dims[b];

#pragma omp parallel
      {
        g_autofree double *f = g_new (double, longest);
        g_autofree double *d = g_new (double, longest);
        g_autofree double *z = g_new (double, longest + 1);
        g_autofree gsize *v = g_new (gsize, longest);

#pragma omp for schedule(dynamic, 64)
        for (gsize line = 0; line < n_lines; line++)
          {
            gsize coord[3];
            gsize start;

            if (_evox_work_monitor_stopped (monitor))
              continue;
            coord[axis] = 0;
            coord[a] = line % dims[a];
            coord[b] = line / dims[a];
            start = (coord[2] * dims[1] + coord[1]) * dims[0] + coord[0];
            for (gsize i = 0; i < len; i++)
              f[i] = dist[start + i * stride];
            envelope_1d (f, len, spacing[axis], d, v, z);
            for (gsize i = 0; i < len; i++)
              dist[start + i * stride] = (float) d[i];
            if (line % 256 == 255)
              _evox_work_monitor_step (monitor, 256);
          }
      }
      if (_evox_work_monitor_stopped (monitor))
        return !g_cancellable_set_error_if_cancelled (monitor->cancellable, error);
    }

#pragma omp parallel for schedule(static)
  for (gsize i = 0; i < n; i++)
    dist[i] = sqrtf (dist[i]);
  return TRUE;
}

/* Markers. */

typedef struct
{
  gsize *items;
  gsize  head;
  gsize  tail;
  gsize  size;   /* a power of two */
} Fifo;

static void
fifo_push (Fifo  *q,
           gsize  i)
{
  if (q->tail - q->head == q->size)
    {
      gsize size = q->size == 0 ? 4096 : q->size * 2;
      gsize *items = g_new (gsize, size);

      for (gsize k = q->head; k < q->tail; k++)
        items[k - q->head] = q->items[k & (q->size - 1)];
      q->tail -= q->head;
      q->head = 0;
      g_free (q->items);
      q->items = items;
      q->size = size;
    }
  q->items[q->tail++ & (q->size - 1)] = i;
}

/* rec = the reconstruction by dilation of f - h under f over the voxels with mask != 0. */
static gboolean
reconstruct (const guint8     *mask,
             const gsize       dims[3],
             EvoxConnectivity  connectivity,
             const float      *f,
             float             h,
             float            *rec,
             EvoxWorkMonitor  *monitor)
{
  const gsize nx = dims[0], ny = dims[1];
  const gsize n = dims[0] * dims[1] * dims[2];
  Offsets before, after, all;
  Fifo queue = { 0 };
  gboolean ok = TRUE;

  offsets_init (&before, connectivity, -1);
  offsets_init (&after, connectivity, 1);
  offsets_init (&all, connectivity, 0);
  for (gsize i = 0; i < n; i++)
    rec[i] = mask[i] != 0 ? f[i] - h : -INFINITY;

  for (gsize i = 0; i < n; i++)
    {
      gsize x = i % nx, y = (i / nx) % ny, z = i / (nx * ny);
      float m;

      if (x == 0 && y == 0 && !_evox_work_monitor_step (monitor, ny))
        return FALSE;
      if (mask[i] == 0)
        continue;
      m = rec[i];
      for (guint k = 0; k < before.n; k++)
        {
          gsize j = neighbour (&before, k, dims, x, y, z);

          if (j != G_MAXSIZE && mask[j] != 0)
            m = MAX (m, rec[j]);
        }
      rec[i] = MIN (m, f[i]);
    }

  for (gsize r = n; r-- > 0;)
    {
      gsize x = r % nx, y = (r / nx) % ny, z = r / (nx * ny);
      float m;

      if (x == 0 && y == 0 && !_evox_work_monitor_step (monitor, ny))
        return FALSE;
      if (mask[r] == 0)
        continue;
      m = rec[r];
      for (guint k = 0; k < after.n; k++)
        {
          gsize j = neighbour (&after, k, dims, x, y, z);

          if (j != G_MAXSIZE && mask[j] != 0)
            m = MAX (m, rec[j]);
        }
      rec[r] = MIN (m, f[r]);
      for (guint k = 0; k < after.n; k++)
        {
          gsize j = neighbour (&after, k, dims, x, y, z);

          if (j != G_MAXSIZE && mask[j] != 0 && rec[j] < rec[r] && rec[j] < f[j])
            {
              fifo_push (&queue, r);
              break;
            }
        }
    }

  for (guint64 popped = 1; queue.head < queue.tail; popped++)
    {
      gsize i = queue.items[queue.head++ & (queue.size - 1)];
      gsize x = i % nx, y = (i / nx) % ny, z = i / (nx * ny);

      if (popped % 65536 == 0 && _evox_work_monitor_stopped (monitor))
        {
          ok = FALSE;
          break;
        }
      for (guint k = 0; k < all.n; k++)
        {
          gsize j = neighbour (&all, k, dims, x, y, z);

          if (j != G_MAXSIZE && mask[j] != 0 && rec[j] < rec[i] && rec[j] != f[j])
            {
              rec[j] = MIN (rec[i], f[j]);
              fifo_push (&queue, j);
            }
        }
    }
  g_free (queue.items);
  return ok;
}

/* Marks with 2 the voxels of mask in regional maxima of rec (connected plateaus with no
 * higher neighbour): every voxel with a higher neighbour, and every voxel joined to one through
 * its plateau, is not. rec holds copies of dist values, so a plateau's values are equal. */
static gboolean
regional_maxima (guint8           *mask,
                 const gsize       dims[3],
                 EvoxConnectivity  connectivity,
                 const float      *rec,
                 EvoxWorkMonitor  *monitor)
{
  const gsize nx = dims[0], ny = dims[1];
  const gsize n = dims[0] * dims[1] * dims[2];
  Offsets all;
  Fifo queue = { 0 };
  gboolean ok = TRUE;

  offsets_init (&all, connectivity, 0);
  for (gsize i = 0; i < n; i++)
    if (mask[i] != 0)
      mask[i] = 2;
  for (gsize i = 0; i < n; i++)
    {
      gsize x = i % nx, y = (i / nx) % ny, z = i / (nx * ny);

      if (x == 0 && y == 0 && !_evox_work_monitor_step (monitor, ny))
        {
          ok = FALSE;
          break;
        }
      if (mask[i] != 2)
        continue;
      for (guint k = 0; k < all.n; k++)
        {
          gsize j = neighbour (&all, k, dims, x, y, z);

          if (j != G_MAXSIZE && mask[j] != 0 && rec[j] > rec[i])
            {
              mask[i] = 1;
              fifo_push (&queue, i);
              break;
            }
        }
    }
  while (ok && queue.head < queue.tail)
    {
      gsize i = queue.items[queue.head++ & (queue.size - 1)];
      gsize x = i % nx, y = (i / nx) % ny, z = i / (nx * ny);

      for (guint k = 0; k < all.n; k++)
        {
          gsize j = neighbour (&all, k, dims, x, y, z);

          if (j != G_MAXSIZE && mask[j] == 2 && rec[j] == rec[i])
            {
              mask[j] = 1;
              fifo_push (&queue, j);
            }
        }
    }
  g_free (queue.items);
  return ok;
}

/* Watershed. */

/* The flood's priority queue: one FIFO per distinct distance, highest first (a hierarchical
 * queue, as in Meyer's flooding), which pops in the order of a heap keyed by (distance
 * decreasing, push order) at O(1) a step plus a binary search for the level. Every voxel is
 * pushed at most once, so the FIFOs are slices of one array, each as long as the number of mask
 * voxels at its distance. */
typedef struct
{
  guint32 *levels;    /* bits of the distinct distances, increasing (as floats >= 0) */
  gsize    n_levels;
  gsize   *head;      /* level l's FIFO is items[head[l] .. tail[l]) */
  gsize   *tail;
  gsize   *items;
  gssize   top;       /* no level above holds items; -1 when all are empty */
} Levels;

static inline guint32
float_bits (float f)
{
  guint32 u;

  memcpy (&u, &f, sizeof u);
  return u;
}

/* Sorts keys (n of them) by their four bytes, least significant first. */
static void
radix_sort (guint32 *keys,
            guint32 *scratch,
            gsize    n)
{
  for (guint shift = 0; shift < 32; shift += 8)
    {
      gsize count[257] = { 0 };

      for (gsize i = 0; i < n; i++)
        count[((keys[i] >> shift) & 0xff) + 1]++;
      for (guint b = 1; b < 257; b++)
        count[b] += count[b - 1];
      for (gsize i = 0; i < n; i++)
        scratch[count[(keys[i] >> shift) & 0xff]++] = keys[i];
      memcpy (keys, scratch, n * sizeof (guint32));
    }
}

static gboolean
levels_init (Levels        *q,
             const guint8  *mask,
             const float   *dist,
             gsize          n,
             GError       **error)
{
  g_autofree guint32 *keys = NULL;
  g_autofree guint32 *scratch = NULL;
  gsize n_fg = 0, at = 0;

  memset (q, 0, sizeof *q);
  q->top = -1;
  for (gsize i = 0; i < n; i++)
    n_fg += mask[i] != 0;
  if (!evox_check_allocation (n_fg, 2 * sizeof (guint32) + 4 * sizeof (gsize),
                              "Splitting particles", error))
    return FALSE;
  keys = g_new (guint32, MAX (n_fg, 1));
  scratch = g_new (guint32, MAX (n_fg, 1));
  for (gsize i = 0; i < n; i++)
    if (mask[i] != 0)
      keys[at++] = float_bits (dist[i]);
  radix_sort (keys, scratch, n_fg);

  /* Distinct keys in place, and where each level's slice starts. */
  q->head = g_new (gsize, MAX (n_fg, 1));
  for (gsize i = 0; i < n_fg; i++)
    if (i == 0 || keys[i] != keys[i - 1])
      {
        q->head[q->n_levels] = i;
        keys[q->n_levels++] = keys[i];
      }
  q->levels = g_memdup2 (keys, MAX (q->n_levels, 1) * sizeof (guint32));
  q->head = g_renew (gsize, q->head, MAX (q->n_levels, 1));
  q->tail = g_memdup2 (q->head, MAX (q->n_levels, 1) * sizeof (gsize));
  q->items = g_new (gsize, MAX (n_fg, 1));
  return TRUE;
}

static void
levels_clear (Levels *q)
{
  g_clear_pointer (&q->levels, g_free);
  g_clear_pointer (&q->head, g_free);
  g_clear_pointer (&q->tail, g_free);
  g_clear_pointer (&q->items, g_free);
}

static inline void
levels_push (Levels *q,
             float   d,
             gsize   i)
{
  guint32 key = float_bits (d);
  gsize lo = 0, hi = q->n_levels;

  while (hi - lo > 1)
    {
      gsize mid = (lo + hi) / 2;

      if (q->levels[mid] <= key)
        lo = mid;
      else
        hi = mid;
    }
  g_assert (q->levels[lo] == key);
  q->items[q->tail[lo]++] = i;
  if ((gssize) lo > q->top)
    q->top = (gssize) lo;
}

static inline gboolean
levels_pop (Levels *q,
            gsize  *i)
{
  while (q->top >= 0 && q->head[q->top] == q->tail[q->top])
    q->top--;
  if (q->top < 0)
    return FALSE;
  *i = q->items[q->head[q->top]++];
  return TRUE;
}

#define TAKEN G_MAXUINT32

/* Floods out from the labelled markers in out over the rest of mask. */
static gboolean
flood (const guint8     *mask,
       const gsize       dims[3],
       EvoxConnectivity  connectivity,
       const float      *dist,
       guint32          *out,
       EvoxWorkMonitor  *monitor,
       GError          **error)
{
  const gsize nx = dims[0], ny = dims[1];
  const gsize n = dims[0] * dims[1] * dims[2];
  Offsets all;
  Levels queue;
  gsize i;

  if (!levels_init (&queue, mask, dist, n, error))
    return FALSE;
  offsets_init (&all, connectivity, 0);
  /* The background as "taken", so a neighbour costs one read where the flood jumps around. */
  for (i = 0; i < n; i++)
    if (mask[i] == 0)
      out[i] = TAKEN;
  /* Marker voxels inside their marker would only be popped to find nothing to flood. */
  for (i = 0; i < n; i++)
    if (out[i] != 0 && out[i] != TAKEN)
      {
        gsize x = i % nx, y = (i / nx) % ny, z = i / (nx * ny);

        for (guint k = 0; k < all.n; k++)
          {
            gsize j = neighbour (&all, k, dims, x, y, z);

            if (j != G_MAXSIZE && out[j] == 0)
              {
                levels_push (&queue, dist[i], i);
                break;
              }
          }
      }

  for (guint64 popped = 1; levels_pop (&queue, &i); popped++)
    {
      gsize x = i % nx, y = (i / nx) % ny, z = i / (nx * ny);

      if (popped % 65536 == 0 && !_evox_work_monitor_step (monitor, 65536))
        {
          levels_clear (&queue);
          g_cancellable_set_error_if_cancelled (monitor->cancellable, error);
          return FALSE;
        }
      for (guint k = 0; k < all.n; k++)
        {
          gsize j = neighbour (&all, k, dims, x, y, z);

          if (j != G_MAXSIZE && out[j] == 0)
            {
              out[j] = out[i];
              levels_push (&queue, dist[j], j);
            }
        }
    }
  levels_clear (&queue);
  for (i = 0; i < n; i++)
    if (out[i] == TAKEN)
      out[i] = 0;
  return TRUE;
}

/**
 * evox_watershed_split:
 *
 * Runs on the calling thread; the distance map uses every OpenMP thread.
 */
EvoxLabels *
evox_watershed_split (EvoxLabels    *labels,
                      double         h,
                      EvoxProgress  *progress,
                      GCancellable  *cancellable,
                      GError       **error)
{
  EvoxWorkMonitor monitor = { 0 };
  EvoxVolume *volume;
  EvoxLabels *split;
  const guint32 *src;
  EvoxConnectivity connectivity;
  g_autofree guint8 *mask = NULL;
  g_autofree float *dist = NULL;
  g_autofree float *rec = NULL;
  /* The new labels: EvoxLabels takes them and frees them as its own, with _evox_free_large. */
  g_auto (EvoxLargeBuffer) out_buffer = NULL;
  guint32 *out;
  double spacing[3], lo, hi;
  gsize dims[3], n, n_fg = 0;
  guint32 n_markers = 0;
  gboolean ok;

  g_return_val_if_fail (EVOX_IS_LABELS (labels), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(h > 0.0) || !isfinite (h))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "The split size %g is not a positive length", h);
      return NULL;
    }
  volume = evox_labels_get_volume (labels);
  connectivity = evox_labels_get_connectivity (labels);
  evox_labels_get_dims (labels, dims);
  evox_labels_get_range (labels, &lo, &hi);
  evox_volume_get_spacing (volume, spacing);
  src = evox_labels_get_data (labels);
  n = dims[0] * dims[1] * dims[2];
  /* mask, distance, reconstruction and the new labels */
  if (!evox_check_allocation (n, 1 + 2 * sizeof (float) + sizeof (guint32),
                              "Splitting particles", error))
    return NULL;
  mask = _evox_try_alloc_large (MAX (n, 1));
  dist = _evox_try_alloc_large (MAX (n, 1) * sizeof (float));
  rec = _evox_try_alloc_large (MAX (n, 1) * sizeof (float));
  out = out_buffer = _evox_alloc_large (MAX (n, 1) * sizeof (guint32));
  if (mask == NULL || dist == NULL || rec == NULL || out == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "Splitting particles (%" G_GSIZE_FORMAT " voxels) does not fit in memory", n);
      return NULL;
    }
  for (gsize i = 0; i < n; i++)
    {
      mask[i] = src[i] != 0;
      n_fg += mask[i];
    }

  evox_progress_set_stage (progress, "Distance map", 0.0, 0.3);
  _evox_work_monitor_begin (&monitor, progress, cancellable, 0.0, 1.0,
                            dims[1] * dims[2] + dims[0] * dims[2] + dims[0] * dims[1]);
  if (!evox_distance_transform (mask, dims, spacing, dist, &monitor, error))
    return NULL;

  evox_progress_set_stage (progress, "Markers", 0.3, 0.55);
  _evox_work_monitor_begin (&monitor, progress, cancellable, 0.0, 0.8, 3 * dims[1] * dims[2]);
  if (!reconstruct (mask, dims, connectivity, dist, (float) h, rec, &monitor))
    {
      g_cancellable_set_error_if_cancelled (cancellable, error);
      return NULL;
    }
  if (!regional_maxima (mask, dims, connectivity, rec, &monitor))
    {
      g_cancellable_set_error_if_cancelled (cancellable, error);
      return NULL;
    }
  g_clear_pointer (&rec, g_free);
  {
    g_autofree guint8 *peaks = _evox_try_alloc_large (MAX (n, 1));

    if (peaks == NULL)
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                     "Splitting particles (%" G_GSIZE_FORMAT " voxels) does not fit in memory",
                     n);
        return NULL;
      }
    for (gsize i = 0; i < n; i++)
      peaks[i] = mask[i] == 2;
    evox_progress_push (progress, 0.8, 1.0);
    ok = evox_label_components (peaks, dims, connectivity, out, &n_markers, progress,
                                cancellable, error);
    evox_progress_pop (progress);
    if (!ok)
      return NULL;
  }

  evox_progress_set_stage (progress, "Watershed", 0.55, 0.85);
  _evox_work_monitor_begin (&monitor, progress, cancellable, 0.0, 1.0, MAX (n_fg, 1));
  if (!flood (mask, dims, connectivity, dist, out, &monitor, error))
    return NULL;
  g_clear_pointer (&dist, g_free);
  g_clear_pointer (&mask, g_free);

  evox_progress_set_stage (progress, "Measuring particles", 0.85, 1.0);
  _evox_work_monitor_begin (&monitor, progress, cancellable, 0.0, 1.0, dims[1] * dims[2]);
  split = _evox_labels_new_take (volume, evox_labels_get_channel (labels),
                                 evox_labels_get_phase_name (labels), lo, hi, connectivity,
                                 evox_labels_get_min_size (labels), g_steal_pointer (&out_buffer),
                                 n_markers, &monitor, error);
  if (split != NULL)
    {
      /* The splits before this one and this one: what a session needs to make these again. */
      guint n_before;
      const double *before = evox_labels_get_split_h (labels, &n_before);
      g_autofree double *all = g_new (double, n_before + 1);

      if (n_before > 0)
        memcpy (all, before, n_before * sizeof (double));
      all[n_before] = h;
      _evox_labels_set_split_h (split, all, n_before + 1);
    }
  return split;
}

typedef struct
{
  EvoxLabels   *labels;
  double        h;
  EvoxProgress *progress;
} SplitData;

static void
split_data_free (SplitData *data)
{
  g_clear_object (&data->labels);
  evox_progress_unref (data->progress);
  g_free (data);
}

static gpointer
split_work (gpointer       task_data,
            GCancellable  *cancellable,
            GError       **error)
{
  SplitData *data = task_data;

  return evox_watershed_split (data->labels, data->h, data->progress, cancellable, error);
}

/**
 * evox_watershed_split_async:
 *
 * evox_watershed_split() on a worker thread; the callback runs in the caller's main context
 * and gets %G_IO_ERROR_CANCELLED when @cancellable fires first.
 */
void
evox_watershed_split_async (EvoxLabels          *labels,
                            double               h,
                            EvoxProgress        *progress,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  SplitData *data;

  g_return_if_fail (EVOX_IS_LABELS (labels));

  data = g_new0 (SplitData, 1);
  data->labels = g_object_ref (labels);
  data->h = h;
  data->progress = evox_progress_ref (progress);
  _evox_task_run (evox_watershed_split_async, split_work, data,
                  (GDestroyNotify) split_data_free, g_object_unref, cancellable, callback,
                  user_data);
}

EvoxLabels *
evox_watershed_split_finish (GAsyncResult  *result,
                             GError       **error)
{
  return _evox_task_finish (result, evox_watershed_split_async, error);
}
