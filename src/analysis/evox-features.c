/* evox-features.c: the feature vectors of masked voxels, from a volume's channels or from one
 * channel's local mean, standard deviation and gradient. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "evox-features.h"
#include "evox-types.h"

/* Points are gathered per block of consecutive voxels (image rows for local features, longer
 * runs across rows for channels) so 2D maps parallelise as well as stacks: a first pass counts
 * each block's masked voxels (one channel), which fixes where each block's points start in a
 * buffer sized for the mask; blocks then fill their part in parallel, dropping points with a
 * non-finite feature, and one serial pass closes the gaps those left. Every channel is read
 * once. */

typedef struct
{
  const void     *data;
  EvoxSampleType  type;
} Channel;

static inline float
channel_sample (const Channel *c,
                gsize          i)
{
  switch (c->type)
    {
    case EVOX_SAMPLE_U8:
      return ((const guint8 *) c->data)[i];
    case EVOX_SAMPLE_U16:
      return ((const guint16 *) c->data)[i];
    case EVOX_SAMPLE_F32:
    default:
      return ((const float *) c->data)[i];
    }
}

static void
channel_init (Channel    *c,
              EvoxVolume *volume,
              guint       channel)
{
  c->data = evox_volume_get_data (volume, channel);
  c->type = evox_volume_get_sample_type (volume);
}

typedef struct
{
  gboolean all;
  Channel  channel;
  float    first;   /* stored values in [lo, hi] are those in [first, last] as floats */
  float    last;
} Mask;

static inline gboolean
mask_has (const Mask *m,
          gsize       i)
{
  float v;

  if (m->all)
    return TRUE;
  v = channel_sample (&m->channel, i);
  return v >= m->first && v <= m->last;
}

static gboolean
mask_init (Mask                  *m,
           EvoxVolume            *volume,
           const EvoxFeatureMask *spec,
           GError               **error)
{
  guint n_channels = evox_volume_get_n_channels (volume);

  memset (m, 0, sizeof *m);
  if (spec == NULL || spec->channel < 0)
    {
      m->all = TRUE;
      return TRUE;
    }
  if ((guint) spec->channel >= n_channels)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "The mask's channel %d does not exist (the volume has %u)", spec->channel,
                   n_channels);
      return FALSE;
    }
  channel_init (&m->channel, volume, spec->channel);
  if (!evox_sample_type_inner_range (m->channel.type, spec->lo, spec->hi, &m->first, &m->last))
    {
      /* no stored value can lie in the range: an empty mask, reported as such after counting */
      m->first = 1.0f;
      m->last = 0.0f;
    }
  return TRUE;
}

/* What the kernels share: the volume's shape, the mask and where each block's points go. */
typedef struct
{
  gsize            dims[3];
  guint            d;
  Mask             mask;
  gsize            block;      /* voxels per block; the last may be shorter */
  gsize            n_blocks;
  guint64         *block_start;  /* n_blocks + 1 prefix sums of the masked voxels per block */
  guint64         *block_kept;   /* points each block kept */
  float           *points;
  guint64         *voxels;
  EvoxWorkMonitor  monitor;
} Gather;

static void
gather_clear (Gather *g)
{
  g_clear_pointer (&g->block_start, g_free);
  g_clear_pointer (&g->block_kept, g_free);
  g_clear_pointer (&g->points, g_free);
  g_clear_pointer (&g->voxels, g_free);
}

/* Counts the masked voxels of each block and makes room for them. */
static gboolean
gather_begin (Gather                *g,
              EvoxVolume            *volume,
              guint                  d,
              gsize                  block,
              const EvoxFeatureMask *mask,
              const char            *what,
              gsize                  extra_bytes,
              GError               **error)
{
  gsize n_blocks, n_voxels;
  guint64 n_in_mask = 0;

  memset (g, 0, sizeof *g);
  evox_volume_get_dims (volume, g->dims);
  g->d = d;
  if (!mask_init (&g->mask, volume, mask, error))
    return FALSE;
  n_voxels = g->dims[0] * g->dims[1] * g->dims[2];
  g->block = MAX (block, 1);
  g->n_blocks = n_blocks = (n_voxels + g->block - 1) / g->block;
  g->block_start = g_new0 (guint64, n_blocks + 1);
  g->block_kept = g_new0 (guint64, n_blocks);

#pragma omp parallel for schedule(static) reduction(+:n_in_mask)
  for (gsize r = 0; r < n_blocks; r++)
    {
      gsize base = r * g->block, end = MIN (base + g->block, n_voxels);
      guint64 count = 0;

      for (gsize i = base; i < end; i++)
        count += mask_has (&g->mask, i);
      g->block_start[r + 1] = count;
      n_in_mask += count;
    }
  for (gsize r = 0; r < n_blocks; r++)
    g->block_start[r + 1] += g->block_start[r];

  if (n_in_mask == 0)
    {
      if (mask != NULL && mask->channel >= 0)
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "The mask %g to %g on channel %d selects no voxel", mask->lo, mask->hi,
                     mask->channel);
      else
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, "The volume has no voxel");
      return FALSE;
    }
  /* the points, their voxel indices and what the kernel needs besides, all at once */
  if (!evox_check_allocation (n_in_mask, d * sizeof (float) + sizeof (guint64), what, error))
    return FALSE;
  if (extra_bytes > 0 && !evox_check_allocation (n_in_mask * (d * sizeof (float) +
                                                              sizeof (guint64)) + extra_bytes,
                                                 1, what, error))
    return FALSE;
  g->points = _evox_try_alloc_large (n_in_mask * d * sizeof (float));
  g->voxels = _evox_try_alloc_large (n_in_mask * sizeof (guint64));
  if (g->points == NULL || g->voxels == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "%s (%" G_GUINT64_FORMAT " voxels x %u features) does not fit in memory",
                   what, n_in_mask, d);
      return FALSE;
    }
  return TRUE;
}

/* Closes the gaps the dropped points left and hands the points to a new feature set. */
static EvoxFeatureSet *
gather_finish (Gather       *g,
               GCancellable *cancellable,
               GError      **error)
{
  g_autoptr (EvoxFeatureSet) set = NULL;
  gsize n_blocks = g->n_blocks;
  guint64 n = 0;

  if (_evox_work_monitor_stopped (&g->monitor))
    {
      if (!g_cancellable_set_error_if_cancelled (cancellable, error))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
      return NULL;
    }
  for (gsize r = 0; r < n_blocks; r++)
    {
      guint64 start = g->block_start[r], kept = g->block_kept[r];

      if (kept > 0 && start != n)
        {
          memmove (g->points + n * g->d, g->points + start * g->d,
                   kept * g->d * sizeof (float));
          memmove (g->voxels + n, g->voxels + start, kept * sizeof (guint64));
        }
      n += kept;
    }
  if (n == 0)
    {
      /* with every voxel asked for, it is the data that has no value (a map all outside its
       * mask), not the choice of a mask */
      if (g->mask.all)
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                     "None of the %" G_GUINT64_FORMAT " voxels has finite features (each is "
                     "NaN or infinite in a feature clustered on)", g->block_start[n_blocks]);
      else
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "None of the %" G_GUINT64_FORMAT " voxels in the mask has finite features",
                     g->block_start[n_blocks]);
      return NULL;
    }

  set = g_new0 (EvoxFeatureSet, 1);
  memcpy (set->dims, g->dims, sizeof set->dims);
  set->n = n;
  set->d = g->d;
  set->n_in_mask = g->block_start[n_blocks];
  if (n < set->n_in_mask)
    {
      float *points = g_try_realloc (g->points, n * g->d * sizeof (float));
      guint64 *voxels = g_try_realloc (g->voxels, n * sizeof (guint64));

      /* a failed shrink keeps the bigger buffer, which is as good */
      if (points != NULL)
        g->points = points;
      if (voxels != NULL)
        g->voxels = voxels;
    }
  set->points = g_steal_pointer (&g->points);
  set->voxels = g_steal_pointer (&g->voxels);
  return g_steal_pointer (&set);
}

/* Channels are gathered in blocks of this many voxels, in tiles of tile_voxels (d): the tile's
 * points (all channels, about 512 KiB, half a core's L2 cache) stay in cache while each
 * channel's run of voxels is read once, contiguously. */
#define CHANNEL_BLOCK 16384

static guint
tile_voxels (guint d)
{
  return CLAMP (131072 / MAX (d, 1), 16, 4096);
}

#define GATHER_GROUP 16
/* Every channel of a volume has its sample type. */
#define GATHER(T)                                                                 \
  for (guint j = 0; j < m; j++)                                                   \
    {                                                                             \
      gsize at = base + index[j];                                                 \
      float *row = rows + (gsize) j * d + c0;                                     \
                                                                                  \
      for (guint c = 0; c < n_group; c++)                                         \
        row[c] = ((const T *) group[c].data)[at];                                 \
    }

static void
gather_channels_block (Gather        *g,
                       const Channel *channels,
                       gboolean       all_integer,
                       gsize          r,
                       guint          tile,
                       guint32       *index)
{
  gsize base = r * g->block;
  gsize n = MIN (g->block, g->dims[0] * g->dims[1] * g->dims[2] - base);
  guint d = g->d;
  guint64 out = g->block_start[r];

  for (gsize x0 = 0; x0 < n; x0 += tile)
    {
      gsize x1 = MIN (n, x0 + tile);
      guint m = 0, kept = 0;
      float *rows = g->points + out * d;

      for (gsize x = x0; x < x1; x++)
        if (mask_has (&g->mask, base + x))
          index[m++] = (guint32) x;
      if (m == 0)
        continue;
      /* sixteen channels at a time: each point's cache line of them is written whole, and
       * the sixteen runs of voxels being read stay in L1 */
      for (guint c0 = 0; c0 < d; c0 += GATHER_GROUP)
        {
          const Channel *group = channels + c0;
          guint n_group = MIN (GATHER_GROUP, d - c0);

          switch (group->type)
            {
            case EVOX_SAMPLE_U8:
              GATHER (guint8);
              break;
            case EVOX_SAMPLE_U16:
              GATHER (guint16);
              break;
            case EVOX_SAMPLE_F32:
            default:
              GATHER (float);
              break;
            }
        }
      for (guint j = 0; j < m; j++)
        {
          const float *row = rows + (gsize) j * d;
          gboolean finite = TRUE;

          if (!all_integer)
            for (guint c = 0; c < d && finite; c++)
              finite = isfinite (row[c]);
          if (!finite)
            continue;
          if (kept != j)
            memmove (rows + (gsize) kept * d, row, d * sizeof (float));
          g->voxels[out + kept] = base + index[j];
          kept++;
        }
      out += kept;
    }
  g->block_kept[r] = out - g->block_start[r];
}

static EvoxFeatureSet *
feature_set_finish (EvoxFeatureSet *set)
{
  set->names = g_new0 (char *, set->d + 1);
  set->axis = g_new0 (double, set->d);
  return set;
}

EvoxFeatureSet *
evox_features_from_channels (EvoxVolume             *volume,
                             const guint            *channels,
                             guint                   n_channels,
                             const EvoxFeatureMask  *mask,
                             EvoxProgress           *progress,
                             GCancellable           *cancellable,
                             GError                **error)
{
  g_autoptr (EvoxFeatureSet) set = NULL;
  g_autofree guint *use = NULL;
  g_autofree Channel *chans = NULL;
  guint n_volume_channels, d;
  gboolean all_integer, all_energies = TRUE;
  Gather g;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (channels != NULL || n_channels == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  n_volume_channels = evox_volume_get_n_channels (volume);
  d = n_channels > 0 ? n_channels : n_volume_channels;
  use = g_new (guint, d);
  chans = g_new (Channel, d);
  for (guint c = 0; c < d; c++)
    {
      use[c] = n_channels > 0 ? channels[c] : c;
      if (use[c] >= n_volume_channels)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "Channel %u does not exist (the volume has %u)", use[c],
                       n_volume_channels);
          return NULL;
        }
      channel_init (&chans[c], volume, use[c]);
    }
  all_integer = evox_volume_get_sample_type (volume) != EVOX_SAMPLE_F32;

  if (!gather_begin (&g, volume, d, CHANNEL_BLOCK, mask, "Feature vectors", 0, error))
    {
      gather_clear (&g);
      return NULL;
    }
  evox_progress_set_stage (progress, "Gathering features", 0.0, 1.0);
  _evox_work_monitor_begin (&g.monitor, progress, cancellable, 0.0, 1.0, g.n_blocks);

#pragma omp parallel
  {
    guint tile = tile_voxels (d);
    g_autofree guint32 *index = g_new (guint32, tile);

#pragma omp for schedule(dynamic, 1)
    for (gsize r = 0; r < g.n_blocks; r++)
      {
        if (_evox_work_monitor_stopped (&g.monitor))
          continue;
        gather_channels_block (&g, chans, all_integer, r, tile, index);
        _evox_work_monitor_step (&g.monitor, 1);
      }
  }

  set = gather_finish (&g, cancellable, error);
  gather_clear (&g);
  if (set == NULL)
    return NULL;
  feature_set_finish (set);
  for (guint c = 0; c < d; c++)
    {
      const char *label = evox_volume_get_channel_label (volume, use[c]);

      set->names[c] = label != NULL && *label != '\0' ? g_strdup (label)
                                                      : g_strdup_printf ("channel %u", use[c]);
      set->axis[c] = evox_volume_get_channel_energy (volume, use[c]);
      all_energies = all_energies && isfinite (set->axis[c]);
    }
  if (!all_energies)
    for (guint c = 0; c < d; c++)
      set->axis[c] = c + 1;
  set->axis_title = g_strdup (all_energies ? "Energy (eV)" : "Feature");
  return g_steal_pointer (&set);
}

/* Local texture. The window's sums of finite values (count, sum and sum of squares, the values
 * less a shift near the channel's mean so the variance does not cancel) are separable: sums
 * along x, then y give each plane's 2D window sums, kept in a ring of `window` planes; the 3D
 * sum is the sum over the ring. That is 3 x window reads a voxel instead of window^3, without
 * the drift of running sums that add and subtract. Windows are clipped at the volume's faces. */

typedef struct
{
  double *s1;
  double *s2;
  guint8 *n;
} PlaneSums;

typedef struct
{
  Gather  *g;
  Channel  channel;
  guint    radius;
  double   shift;
  double   step[3];   /* the spacing numpy.gradient divides by */
} Local;

/* The window sums along x of row y of plane z, into tmp. */
static void
row_sums_x (const Local *l,
            gsize        z,
            gsize        y,
            PlaneSums   *tmp)
{
  gsize nx = l->g->dims[0], ny = l->g->dims[1];
  gssize r = l->radius;
  gsize base = z * nx * ny, row = y * nx;

  for (gsize x = 0; x < nx; x++)
    {
      gssize lo = MAX ((gssize) x - r, 0), hi = MIN ((gssize) x + r, (gssize) nx - 1);
      double s1 = 0, s2 = 0;
      guint n = 0;

      for (gssize i = lo; i <= hi; i++)
        {
          double v = channel_sample (&l->channel, base + row + i);

          if (!isfinite (v))
            continue;
          v -= l->shift;
          s1 += v;
          s2 += v * v;
          n++;
        }
      tmp->s1[row + x] = s1;
      tmp->s2[row + x] = s2;
      tmp->n[row + x] = n;
    }
}

/* The 2D window sums of row y, from the x sums of the rows around it in tmp, into out. */
static void
row_sums_y (const Local     *l,
            gsize            y,
            const PlaneSums *tmp,
            PlaneSums       *out)
{
  gsize nx = l->g->dims[0], ny = l->g->dims[1];
  gssize r = l->radius;

  gssize lo = MAX ((gssize) y - r, 0), hi = MIN ((gssize) y + r, (gssize) ny - 1);

  for (gsize x = 0; x < nx; x++)
    {
      double s1 = 0, s2 = 0;
      guint n = 0;

      for (gssize j = lo; j <= hi; j++)
        {
          s1 += tmp->s1[j * nx + x];
          s2 += tmp->s2[j * nx + x];
          n += tmp->n[j * nx + x];
        }
      out->s1[y * nx + x] = s1;
      out->s2[y * nx + x] = s2;
      out->n[y * nx + x] = n;
    }
}

/* The 2D window sums of plane z: along x into tmp, then along y into out. */
static void
plane_sums (const Local *l,
            gsize        z,
            PlaneSums   *tmp,
            PlaneSums   *out)
{
  gsize ny = l->g->dims[1];

  for (gsize y = 0; y < ny; y++)
    row_sums_x (l, z, y, tmp);
  for (gsize y = 0; y < ny; y++)
    row_sums_y (l, y, tmp, out);
}

/* numpy.gradient along one axis: central differences inside, one-sided first differences at
 * the ends, 0 along an axis of one voxel. */
static inline double
gradient_1d (const Channel *c,
             gsize          i,
             gsize          at,
             gsize          len,
             gsize          stride,
             double         step)
{
  if (len < 2)
    return 0.0;
  if (at == 0)
    return ((double) channel_sample (c, i + stride) - channel_sample (c, i)) / step;
  if (at == len - 1)
    return ((double) channel_sample (c, i) - channel_sample (c, i - stride)) / step;
  return ((double) channel_sample (c, i + stride) - channel_sample (c, i - stride)) /
         (2.0 * step);
}

/* The features of row y of plane z, from the window sums of the planes around it. */
static void
local_row (const Local      *l,
           gsize             z,
           gsize             y,
           PlaneSums *const *ring,
           guint             n_ring)
{
  Gather *g = l->g;
  gsize nx = g->dims[0], ny = g->dims[1], nz = g->dims[2];

  gsize r = z * ny + y, base = r * nx;  /* local features gather in blocks of one row */
  guint64 out = g->block_start[r];

  for (gsize x = 0; x < nx; x++)
    {
      gsize i = base + x, p = y * nx + x;
      double v, s1 = 0, s2 = 0, mean, var, gx, gy, gz, grad;
      guint n = 0;
      float *row;

      if (!mask_has (&g->mask, i))
        continue;
      v = channel_sample (&l->channel, i);
      if (!isfinite (v))
        continue;
      gx = gradient_1d (&l->channel, i, x, nx, 1, l->step[0]);
      gy = gradient_1d (&l->channel, i, y, ny, nx, l->step[1]);
      gz = gradient_1d (&l->channel, i, z, nz, nx * ny, l->step[2]);
      grad = sqrt (gx * gx + gy * gy + gz * gz);
      if (!isfinite (grad))
        continue;
      for (guint k = 0; k < n_ring; k++)
        {
          s1 += ring[k]->s1[p];
          s2 += ring[k]->s2[p];
          n += ring[k]->n[p];
        }
      mean = s1 / n;
      var = MAX (s2 / n - mean * mean, 0.0);
      row = g->points + out * 4;
      row[0] = v;
      row[1] = mean + l->shift;
      row[2] = sqrt (var);
      row[3] = grad;
      g->voxels[out] = i;
      out++;
    }
  g->block_kept[r] = out - g->block_start[r];
}

static void
local_plane (const Local      *l,
             gsize             z,
             PlaneSums *const *ring,
             guint             n_ring)
{
  for (gsize y = 0; y < l->g->dims[1]; y++)
    local_row (l, z, y, ring, n_ring);
}

/* A 2D map has one plane, which the slabs of planes would give to one thread: its rows are
 * shared out instead, in the same three passes (x sums, y sums, features), each row computed
 * exactly as local_plane does, so the result does not depend on the thread count. */
static void
local_map (const Local *l)
{
  Gather *g = l->g;
  gssize ny = (gssize) g->dims[1];
  gsize plane = MAX (g->dims[0] * g->dims[1], 1);
  PlaneSums tmp, sums, *ring[1] = { &sums };

  tmp.s1 = g_new (double, plane);
  tmp.s2 = g_new (double, plane);
  tmp.n = g_new (guint8, plane);
  sums.s1 = g_new (double, plane);
  sums.s2 = g_new (double, plane);
  sums.n = g_new (guint8, plane);
#pragma omp parallel
  {
#pragma omp for schedule(static)
    for (gssize y = 0; y < ny; y++)
      if (!_evox_work_monitor_stopped (&g->monitor))
        row_sums_x (l, 0, (gsize) y, &tmp);
#pragma omp for schedule(static)
    for (gssize y = 0; y < ny; y++)
      if (!_evox_work_monitor_stopped (&g->monitor))
        row_sums_y (l, (gsize) y, &tmp, &sums);
#pragma omp for schedule(static)
    for (gssize y = 0; y < ny; y++)
      if (!_evox_work_monitor_stopped (&g->monitor))
        {
          local_row (l, 0, (gsize) y, ring, 1);
          _evox_work_monitor_step (&g->monitor, 1);
        }
  }
  g_free (tmp.s1);
  g_free (tmp.s2);
  g_free (tmp.n);
  g_free (sums.s1);
  g_free (sums.s2);
  g_free (sums.n);
}

EvoxFeatureSet *
evox_features_local (EvoxVolume             *volume,
                     guint                   channel,
                     guint                   window,
                     const EvoxFeatureMask  *mask,
                     EvoxProgress           *progress,
                     GCancellable           *cancellable,
                     GError                **error)
{
  static const char *const names[] = { "value", "local mean", "local std",
                                       "gradient magnitude", NULL };
  g_autoptr (EvoxFeatureSet) set = NULL;
  const EvoxStats *stats;
  Local l = { 0 };
  Gather g;
  gsize plane, n_threads = 1, n_slots;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (window != 3 && window != 5)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "The local window must be 3 or 5 voxels wide, not %u", window);
      return NULL;
    }
  if (channel >= evox_volume_get_n_channels (volume))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Channel %u does not exist (the volume has %u)", channel,
                   evox_volume_get_n_channels (volume));
      return NULL;
    }
  evox_volume_get_dims (volume, g.dims);
  plane = g.dims[0] * g.dims[1];
#ifdef _OPENMP
  n_threads = MAX (omp_get_max_threads (), 1);
#endif
  /* each thread keeps a ring of `window` planes of sums (fewer in a thinner volume) and one
   * plane for the x sums */
  n_slots = MIN (window, g.dims[2]);
  if (!gather_begin (&g, volume, 4, g.dims[0], mask, "Local features",
                     MIN (n_threads, g.dims[2]) * (n_slots + 1) * plane *
                     (2 * sizeof (double) + 1), error))
    {
      gather_clear (&g);
      return NULL;
    }

  l.g = &g;
  l.radius = window / 2;
  channel_init (&l.channel, volume, channel);
  stats = evox_volume_get_stats (volume, channel);
  l.shift = stats != NULL && isfinite (stats->mean) ? stats->mean : 0.0;
  if (l.channel.type != EVOX_SAMPLE_F32)
    l.shift = round (l.shift);  /* integer values stay exact */
  if (evox_volume_get_spacing_known (volume))
    evox_volume_get_spacing (volume, l.step);
  else
    l.step[0] = l.step[1] = l.step[2] = 1.0;

  evox_progress_set_stage (progress, "Local features", 0.0, 1.0);
  /* counted in planes, or in rows of a 2D map */
  _evox_work_monitor_begin (&g.monitor, progress, cancellable, 0.0, 1.0,
                            g.dims[2] == 1 ? g.dims[1] : g.dims[2]);

  if (g.dims[2] == 1)
    local_map (&l);
  else
#pragma omp parallel
  {
    PlaneSums store[5], tmp, *ring[5];
    int id = 0, nt = 1;
    gsize nz = g.dims[2], z0, z1;
    gssize r = l.radius;

#ifdef _OPENMP
    id = omp_get_thread_num ();
    nt = omp_get_num_threads ();
#endif
    /* each thread slides its ring over a contiguous slab of planes */
    z0 = nz * id / nt;
    z1 = nz * (id + 1) / nt;
    memset (store, 0, sizeof store);
    memset (&tmp, 0, sizeof tmp);
    /* plane zz lives in slot zz mod window, so a volume of fewer planes needs fewer slots */
    for (guint k = 0; z0 < z1 && k <= n_slots; k++)
      {
        PlaneSums *s = k < n_slots ? &store[k] : &tmp;

        s->s1 = g_new (double, MAX (plane, 1));
        s->s2 = g_new (double, MAX (plane, 1));
        s->n = g_new (guint8, MAX (plane, 1));
      }
    for (gsize z = z0; z < z1; z++)
      {
        gssize lo = MAX ((gssize) z - r, 0), hi = MIN ((gssize) z + r, (gssize) nz - 1);
        guint n = 0;

        if (_evox_work_monitor_stopped (&g.monitor))
          break;
        for (gssize zz = lo; zz <= hi; zz++)
          {
            /* the window's planes are consecutive, so plane zz can live in slot zz mod window;
             * each is summed when it enters (all of them at the slab's first plane) */
            PlaneSums *s = &store[zz % window];

            if (z == z0 || zz == (gssize) z + r)
              plane_sums (&l, zz, &tmp, s);
            ring[n++] = s;
          }
        local_plane (&l, z, ring, n);
        _evox_work_monitor_step (&g.monitor, 1);
      }
    for (guint k = 0; k <= n_slots; k++)
      {
        PlaneSums *s = k < n_slots ? &store[k] : &tmp;

        g_free (s->s1);
        g_free (s->s2);
        g_free (s->n);
      }
  }

  set = gather_finish (&g, cancellable, error);
  gather_clear (&g);
  if (set == NULL)
    return NULL;
  feature_set_finish (set);
  for (guint c = 0; c < 4; c++)
    {
      set->names[c] = g_strdup (names[c]);
      set->axis[c] = c + 1;
    }
  set->axis_title = g_strdup ("Feature");
  return g_steal_pointer (&set);
}

void
evox_feature_set_free (EvoxFeatureSet *self)
{
  if (self == NULL)
    return;
  g_free (self->points);
  g_free (self->voxels);
  g_strfreev (self->names);
  g_free (self->axis);
  g_free (self->axis_title);
  g_free (self);
}

const char *
evox_feature_kind_to_string (EvoxFeatureKind kind)
{
  switch (kind)
    {
    case EVOX_FEATURES_CHANNELS:
      return "channels";
    case EVOX_FEATURES_LOCAL:
      return "local";
    default:
      return "unknown";
    }
}
