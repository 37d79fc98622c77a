/* evox-histogram.c: the fine histogram (one pass over the voxels) and everything derived from it. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "evox-histogram.h"
#include "evox-simd-private.h"

struct _EvoxFineHistogram
{
  gatomicrefcount  ref_count;
  EvoxSampleType   type;
  guint            n_bins;
  double           lo;          /* value at the low edge of bin 0 */
  double           width;       /* bin width in value units (1 for exact histograms) */
  guint64         *counts;      /* n_bins */
  guint64         *cumulative;  /* n_bins + 1, cumulative[i] = sum of counts below bin i */
  guint64          n_nonfinite;
  gboolean         constant;    /* f32 with min == max: every finite value is lo */
  gsize            n_layers;
  guint32         *layer_counts; /* n_layers * (n_bins + 1), or NULL when over the budget */
};

G_DEFINE_BOXED_TYPE (EvoxFineHistogram, evox_fine_histogram,
                     evox_fine_histogram_ref, evox_fine_histogram_unref)

/* Counting kernels. Each adds a span of at most SPAN_MAX voxels to u32 counters with one extra
 * bin (index n_bins) for non-finite values. Given a spare array they alternate between two
 * sub-histograms, so runs of equal values (label volumes, smooth fields) do not serialise on one
 * counter; the caller adds the spare in once at the end. */

#define SPAN_MAX (((gsize) 1) << 28)
#define FLOAT_BLOCK 1024
/* 16 KiB: from 4 to 16 KiB ahead, the 512^3 benchmark's binning was within 3% of its best. */
#define PREFETCH_AHEAD (4 * FLOAT_BLOCK)

typedef struct
{
  EvoxSampleType type;
  guint          n_bins;
  float          lo;
  float          scale;
} Binner;

static void
count_u8 (const guint8 *v,
          gsize         n,
          guint32      *out)
{
  guint32 sub[4][256];
  gsize i = 0;

  memset (sub, 0, sizeof sub);
  for (; i + 4 <= n; i += 4)
    {
      sub[0][v[i]]++;
      sub[1][v[i + 1]]++;
      sub[2][v[i + 2]]++;
      sub[3][v[i + 3]]++;
    }
  for (; i < n; i++)
    sub[0][v[i]]++;
  for (guint b = 0; b < 256; b++)
    out[b] += sub[0][b] + sub[1][b] + sub[2][b] + sub[3][b];
}

static void
count_u16 (const guint16 *v,
           gsize          n,
           guint32       *out,
           guint32       *spare)
{
  gsize i = 0;

  if (spare != NULL)
    for (; i + 2 <= n; i += 2)
      {
        out[v[i]]++;
        spare[v[i + 1]]++;
      }
  for (; i < n; i++)
    out[v[i]]++;
}

/* On the 512^3 benchmark volume (one core, CPU time, bench/float-stats-variants.c) the index
 * loop took 55 of this kernel's 126 ms in the baseline build with an unsigned conversion; in the
 * AVX2 build (eight values a step) with a signed one, 18 of 102. The rest was the counter
 * updates, random reads and writes over a 256 KiB table that wait on L2, and the voxels' own
 * loads, which perf found stalled on memory: asking for them ahead took the kernel from 105 to
 * 62 ms of CPU. Four tables instead of two, or one, did not pay (117 and 116 ms against 108 in
 * the library) and cost more on values that fill few bins, whose tables then no longer fit L1
 * together. */
EVOX_TARGET_CLONES static void
count_f32 (const Binner *binner,
           const float  *v,
           gsize         n,
           guint32      *out,
           guint32      *spare)
{
  const float lo = binner->lo;
  const float scale = binner->scale;
  const float top = (float) (binner->n_bins - 1);
  const guint32 bad = binner->n_bins;
  const guintptr ahead = (guintptr) v + PREFETCH_AHEAD * sizeof (float);
  guint32 index[FLOAT_BLOCK];

  for (gsize start = 0; start < n; start += FLOAT_BLOCK)
    {
      gsize len = MIN (FLOAT_BLOCK, n - start);
      const float *x = v + start;
      gsize i = 0;

      /* Branch-free so it vectorises; clamping before the conversion keeps it defined for NaN
       * and infinities, which go to the extra bin. */
#pragma omp simd
      for (gsize k = 0; k < len; k++)
        {
          float t = (x[k] - lo) * scale;
          gboolean finite = (x[k] - x[k]) == 0.0f;
          t = t > 0.0f ? t : 0.0f;
          t = t < top ? t : top;
          /* t is in [0, n_bins - 1] here, so the signed conversion (one instruction in SSE2 and
           * AVX2, where the unsigned one takes a subtraction and blends more) gives the same
           * index. */
          index[k] = finite ? (guint32) (gint32) t : bad;
        }
      /* While it waits on the counters the core issues no loads of the voxels, so the hardware
       * prefetcher, which follows loads, falls behind: each block's updates ask for the block
       * PREFETCH_AHEAD on, a cache line every 16 values (a hint, which never faults past the
       * end). */
      if (spare != NULL)
        for (; i + 2 <= len; i += 2)
          {
            if (i % 16 == 0)
              __builtin_prefetch ((const void *) (ahead + (start + i) * sizeof (float)));
            out[index[i]]++;
            spare[index[i + 1]]++;
          }
      for (; i < len; i++)
        {
          if (i % 16 == 0)
            __builtin_prefetch ((const void *) (ahead + (start + i) * sizeof (float)));
          out[index[i]]++;
        }
    }
}

static void
count_span (const Binner  *binner,
            gconstpointer  data,
            gsize          n,
            guint32       *out,
            guint32       *spare)
{
  switch (binner->type)
    {
    case EVOX_SAMPLE_U8:
      count_u8 (data, n, out);
      break;
    case EVOX_SAMPLE_U16:
      count_u16 (data, n, out, spare);
      break;
    case EVOX_SAMPLE_F32:
      count_f32 (binner, data, n, out, spare);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
add_counts (guint64       *into,
            const guint32 *counts,
            guint          n)
{
  for (guint b = 0; b < n; b++)
    into[b] += counts[b];
}

static EvoxFineHistogram *
fine_histogram_alloc (EvoxSampleType type,
                      gsize          n_layers,
                      double         min,
                      double         max,
                      Binner        *binner)
{
  EvoxFineHistogram *self = g_new0 (EvoxFineHistogram, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->type = type;
  self->n_layers = n_layers;
  switch (type)
    {
    case EVOX_SAMPLE_U8:
      self->n_bins = 256;
      self->width = 1.0;
      break;
    case EVOX_SAMPLE_U16:
      self->n_bins = 65536;
      self->width = 1.0;
      break;
    case EVOX_SAMPLE_F32:
      self->n_bins = EVOX_FINE_HISTOGRAM_FLOAT_BINS;
      if (!isfinite (min) || !isfinite (max))
        min = max = 0.0;
      self->lo = min;
      /* A constant volume still gets a usable bin width. */
      self->width = max > min ? (max - min) / self->n_bins : 1.0 / self->n_bins;
      self->constant = max == min;
      break;
    default:
      g_assert_not_reached ();
    }
  self->counts = g_new0 (guint64, self->n_bins);
  self->cumulative = g_new0 (guint64, self->n_bins + 1);
  *binner = (Binner) {
    .type = type,
    .n_bins = self->n_bins,
    .lo = (float) self->lo,
    .scale = (float) (1.0 / self->width),
  };
  return self;
}

static void
fine_histogram_finish (EvoxFineHistogram *self,
                       const guint64     *totals)
{
  memcpy (self->counts, totals, self->n_bins * sizeof (guint64));
  self->n_nonfinite = totals[self->n_bins];
  self->cumulative[0] = 0;
  for (guint b = 0; b < self->n_bins; b++)
    self->cumulative[b + 1] = self->cumulative[b] + self->counts[b];
}

/* A build that reports and can be stopped: each task counts itself done, and tasks left when
 * the cancellable fires are skipped (an OpenMP loop cannot be left early). */
typedef struct
{
  EvoxProgress *progress;
  GCancellable *cancellable;
  gsize         n_tasks;
  gint          n_done;   /* atomic */
} Monitor;

static gboolean
monitor_stopped (Monitor *monitor)
{
  return monitor != NULL && g_cancellable_is_cancelled (monitor->cancellable);
}

static void
monitor_task_done (Monitor *monitor)
{
  gint done;

  if (monitor == NULL || monitor->progress == NULL)
    return;
  done = g_atomic_int_add (&monitor->n_done, 1) + 1;
  evox_progress_update (monitor->progress, (double) done / monitor->n_tasks);
}

/* Layers that fit the budget are counted one layer per task straight into their own counters,
 * which each thread also adds to its running total. */
static void
build_by_layers (EvoxFineHistogram   *self,
                 const Binner        *binner,
                 const gconstpointer *layers,
                 gsize                layer_size,
                 guint64             *totals,
                 Monitor             *monitor)
{
  guint n1 = self->n_bins + 1;

  if (monitor != NULL)
    monitor->n_tasks = self->n_layers;
  self->layer_counts = g_new0 (guint32, self->n_layers * n1);

#pragma omp parallel
  {
    g_autofree guint64 *mine = g_new0 (guint64, n1);

#pragma omp for schedule(dynamic)
    for (gsize z = 0; z < self->n_layers; z++)
      {
        guint32 *counts = self->layer_counts + z * n1;

        if (monitor_stopped (monitor))
          continue;
        count_span (binner, layers[z], layer_size, counts, NULL);
        add_counts (mine, counts, n1);
        monitor_task_done (monitor);
      }
#pragma omp critical
    for (guint b = 0; b < n1; b++)
      totals[b] += mine[b];
  }
}

/* Large volumes: each thread counts blocks of layers into private counters. */
static void
build_by_threads (EvoxFineHistogram   *self,
                  const Binner        *binner,
                  const gconstpointer *layers,
                  gsize                layer_size,
                  guint64             *totals,
                  Monitor             *monitor)
{
  guint n1 = self->n_bins + 1;
  gsize item = evox_sample_type_size (self->type);
  gsize block = MIN (MAX ((gsize) 1 << 16, layer_size / 64), SPAN_MAX / 2);
  gsize blocks_per_layer = (layer_size + block - 1) / block;
  gsize n_blocks = blocks_per_layer * self->n_layers;

  if (monitor != NULL)
    monitor->n_tasks = n_blocks;

#pragma omp parallel
  {
    g_autofree guint32 *out = g_new0 (guint32, n1);
    g_autofree guint32 *spare = g_new0 (guint32, n1);
    g_autofree guint64 *mine = g_new0 (guint64, n1);
    gsize since_flush = 0;

#pragma omp for schedule(static)
    for (gsize k = 0; k < n_blocks; k++)
      {
        gsize z = k / blocks_per_layer;
        gsize start = (k % blocks_per_layer) * block;
        gsize len = MIN (block, layer_size - start);

        if (monitor_stopped (monitor))
          continue;
        /* u32 counters are flushed well before they could wrap. */
        if (since_flush + len > SPAN_MAX)
          {
            add_counts (mine, out, n1);
            add_counts (mine, spare, n1);
            memset (out, 0, n1 * sizeof (guint32));
            memset (spare, 0, n1 * sizeof (guint32));
            since_flush = 0;
          }
        count_span (binner, (const guint8 *) layers[z] + start * item, len, out, spare);
        since_flush += len;
        monitor_task_done (monitor);
      }
    add_counts (mine, out, n1);
    add_counts (mine, spare, n1);
#pragma omp critical
    for (guint b = 0; b < n1; b++)
      totals[b] += mine[b];
  }
}

/* Returns NULL only when MONITOR's cancellable stopped it. */
static EvoxFineHistogram *
build (EvoxSampleType       type,
       const gconstpointer *layers,
       gsize                layer_size,
       gsize                n_layers,
       double               min,
       double               max,
       Monitor             *monitor)
{
  Binner binner;
  EvoxFineHistogram *self = fine_histogram_alloc (type, n_layers, min, max, &binner);
  guint64 layer_bytes = (guint64) n_layers * (self->n_bins + 1) * sizeof (guint32);
  g_autofree guint64 *totals = g_new0 (guint64, self->n_bins + 1);

  /* Per-layer counts only pay when a layer has at least a quarter as many voxels as bins. */
  if (layer_bytes <= EVOX_FINE_HISTOGRAM_LAYER_BUDGET && layer_size <= SPAN_MAX &&
      layer_size * 4 >= self->n_bins)
    build_by_layers (self, &binner, layers, layer_size, totals, monitor);
  else
    build_by_threads (self, &binner, layers, layer_size, totals, monitor);
  if (monitor_stopped (monitor))
    {
      evox_fine_histogram_unref (self);
      return NULL;
    }
  if (self->layer_counts == NULL && n_layers == 1 && layer_size <= G_MAXUINT32)
    {
      self->layer_counts = g_new (guint32, self->n_bins + 1);
      for (guint b = 0; b <= self->n_bins; b++)
        self->layer_counts[b] = (guint32) totals[b];
    }
  fine_histogram_finish (self, totals);
  return self;
}

/**
 * evox_fine_histogram_new:
 * @data: n_layers * layer_size samples, layer after layer
 * @min: smallest finite value (f32 only; ignored for integer types)
 * @max: largest finite value (f32 only)
 *
 * Counts every voxel once. Integer data gets one bin per value; f32 data 65,536 equal bins over
 * [min, max] with non-finite values counted apart.
 */
EvoxFineHistogram *
evox_fine_histogram_new (EvoxSampleType type,
                         gconstpointer  data,
                         gsize          layer_size,
                         gsize          n_layers,
                         double         min,
                         double         max)
{
  g_autofree gconstpointer *layers = NULL;
  gsize item = evox_sample_type_size (type);

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (layer_size > 0 && n_layers > 0, NULL);

  layers = g_new (gconstpointer, n_layers);
  for (gsize z = 0; z < n_layers; z++)
    layers[z] = (const guint8 *) data + z * layer_size * item;
  return build (type, layers, layer_size, n_layers, min, max, NULL);
}

/**
 * evox_fine_histogram_new_with_progress:
 * @progress: (nullable): told the fraction counted, over its current stage
 * @cancellable: (nullable): checked before every layer or block of voxels
 *
 * evox_fine_histogram_new() for a worker thread that reports and can be stopped.
 *
 * Returns: (transfer full): the histogram, or %NULL with %G_IO_ERROR_CANCELLED.
 */
EvoxFineHistogram *
evox_fine_histogram_new_with_progress (EvoxSampleType   type,
                                       gconstpointer    data,
                                       gsize            layer_size,
                                       gsize            n_layers,
                                       double           min,
                                       double           max,
                                       EvoxProgress    *progress,
                                       GCancellable    *cancellable,
                                       GError         **error)
{
  g_autofree gconstpointer *layers = NULL;
  gsize item = evox_sample_type_size (type);
  Monitor monitor = { progress, cancellable };
  EvoxFineHistogram *self;

  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (layer_size > 0 && n_layers > 0, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  layers = g_new (gconstpointer, n_layers);
  for (gsize z = 0; z < n_layers; z++)
    layers[z] = (const guint8 *) data + z * layer_size * item;
  self = build (type, layers, layer_size, n_layers, min, max, &monitor);
  if (self == NULL)
    g_cancellable_set_error_if_cancelled (cancellable, error);
  return self;
}

/**
 * evox_fine_histogram_new_from_layers:
 *
 * The same for f32 layers held apart, such as the measured scans of an SSRM stack.
 */
EvoxFineHistogram *
evox_fine_histogram_new_from_layers (const float * const *layers,
                                     gsize                layer_size,
                                     gsize                n_layers,
                                     double               min,
                                     double               max)
{
  g_return_val_if_fail (layers != NULL, NULL);
  g_return_val_if_fail (layer_size > 0 && n_layers > 0, NULL);
  return build (EVOX_SAMPLE_F32, (const gconstpointer *) layers, layer_size, n_layers, min, max,
                NULL);
}

EvoxFineHistogram *
evox_fine_histogram_ref (EvoxFineHistogram *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
evox_fine_histogram_unref (EvoxFineHistogram *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->counts);
  g_free (self->cumulative);
  g_free (self->layer_counts);
  g_free (self);
}

gboolean
evox_fine_histogram_is_exact (EvoxFineHistogram *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->type != EVOX_SAMPLE_F32;
}

guint
evox_fine_histogram_get_n_bins (EvoxFineHistogram *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_bins;
}

double
evox_fine_histogram_get_bin_lo (EvoxFineHistogram *self,
                                guint              bin)
{
  g_return_val_if_fail (self != NULL, NAN);
  return self->lo + bin * self->width;
}

double
evox_fine_histogram_get_bin_width (EvoxFineHistogram *self)
{
  g_return_val_if_fail (self != NULL, NAN);
  return self->width;
}

const guint64 *
evox_fine_histogram_get_counts (EvoxFineHistogram *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->counts;
}

guint64
evox_fine_histogram_get_n_finite (EvoxFineHistogram *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->cumulative[self->n_bins];
}

guint64
evox_fine_histogram_get_n_nonfinite (EvoxFineHistogram *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_nonfinite;
}

gsize
evox_fine_histogram_get_n_layers (EvoxFineHistogram *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_layers;
}

/**
 * evox_fine_histogram_get_layer_counts:
 *
 * Returns: (nullable): the fine counts of one layer, or NULL when the volume has too many layers
 * for per-layer counts to be kept (see EVOX_FINE_HISTOGRAM_LAYER_BUDGET).
 */
const guint32 *
evox_fine_histogram_get_layer_counts (EvoxFineHistogram *self,
                                      gsize              layer)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (layer < self->n_layers, NULL);
  if (self->layer_counts == NULL)
    return NULL;
  return self->layer_counts + layer * (self->n_bins + 1);
}

/* Number of values below x, interpolating linearly inside a float bin. */
static double
cumulative_below (EvoxFineHistogram *self,
                  double             x)
{
  double t = (x - self->lo) / self->width;
  double k;

  if (!(t > 0))
    return 0.0;
  if (t >= self->n_bins)
    return (double) self->cumulative[self->n_bins];
  k = floor (t);
  return (double) self->cumulative[(guint) k] + (t - k) * (double) self->counts[(guint) k];
}

/**
 * evox_fine_histogram_range_fraction:
 *
 * Number of finite voxels with lo <= v <= hi, in O(1). Exact for integer data; for f32 data the
 * two edge bins are interpolated, so the error is below one fine bin's count per edge (a constant
 * volume is exact).
 */
double
evox_fine_histogram_range_fraction (EvoxFineHistogram *self,
                                    double             lo,
                                    double             hi)
{
  g_return_val_if_fail (self != NULL, 0.0);

  if (isnan (lo) || isnan (hi) || hi < lo)
    return 0.0;
  if (self->type != EVOX_SAMPLE_F32)
    {
      double a = ceil (lo), b = floor (hi);

      a = MAX (a, 0.0);
      b = MIN (b, (double) self->n_bins - 1);
      if (a > b)
        return 0.0;
      return (double) (self->cumulative[(guint) b + 1] - self->cumulative[(guint) a]);
    }
  /* Interpolating inside the one bin would count nothing in [v, v]. */
  if (self->constant)
    return lo <= self->lo && self->lo <= hi ? (double) self->cumulative[self->n_bins] : 0.0;
  return MAX (0.0, cumulative_below (self, hi) - cumulative_below (self, lo));
}

guint64
evox_fine_histogram_range_count (EvoxFineHistogram *self,
                                 double             lo,
                                 double             hi)
{
  return (guint64) llround (evox_fine_histogram_range_fraction (self, lo, hi));
}

static double
display_coordinate (double   value,
                    gboolean log_axis)
{
  if (!log_axis)
    return value;
  return value > 0 ? log10 (value) : -INFINITY;
}

/* Spreads `count` values spread evenly over [a, b) (display coordinates) over the bins. */
static void
spread (double  a,
        double  b,
        double  count,
        double  u0,
        double  u1,
        guint   n_bins,
        double *counts)
{
  double scale = n_bins / (u1 - u0);
  double ta = (a - u0) * scale;
  double tb = (b - u0) * scale;
  double span = tb - ta;

  if (!(span > 0))
    return;
  ta = MAX (ta, 0.0);
  tb = MIN (tb, (double) n_bins);
  for (double t = ta; t < tb;)
    {
      double k = floor (t);
      double next = MIN (k + 1.0, tb);
      counts[(guint) k] += count * (next - t) / span;
      t = next;
    }
}

/**
 * evox_fine_histogram_display:
 * @layer: a layer index, or -1 for the whole volume
 * @log_axis: bins equally spaced in log10 of the value (non-positive values are left out)
 * @counts: (out caller-allocates): n_bins doubles
 *
 * A display histogram of any bin count and range in O(fine bins + n_bins). Integer data is exact
 * (lo <= v < hi per bin, the last bin closed); f32 data is spread proportionally inside each fine
 * bin. Returns FALSE when the layer has no kept counts or the range is empty.
 */
gboolean
evox_fine_histogram_display (EvoxFineHistogram *self,
                             gssize             layer,
                             guint              n_bins,
                             double             lo,
                             double             hi,
                             gboolean           log_axis,
                             double            *counts)
{
  const guint32 *layer_counts = NULL;
  double u0 = display_coordinate (lo, log_axis);
  double u1 = display_coordinate (hi, log_axis);

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (n_bins > 0 && counts != NULL, FALSE);
  g_return_val_if_fail (layer < (gssize) self->n_layers, FALSE);

  memset (counts, 0, n_bins * sizeof (double));
  if (!isfinite (u0) || !isfinite (u1) || !(u1 > u0))
    return FALSE;
  if (layer >= 0 && (layer_counts = evox_fine_histogram_get_layer_counts (self, layer)) == NULL)
    return FALSE;

  for (guint f = 0; f < self->n_bins; f++)
    {
      double c = layer_counts != NULL ? layer_counts[f] : (double) self->counts[f];
      double a = self->lo + f * self->width;

      if (c == 0)
        continue;
      if (self->type != EVOX_SAMPLE_F32)
        {
          double u = display_coordinate (a, log_axis);
          double t;

          if (!(u >= u0 && u <= u1))
            continue;
          t = (u - u0) / (u1 - u0) * n_bins;
          counts[MIN ((guint) t, n_bins - 1)] += c;
        }
      else
        spread (display_coordinate (a, log_axis),
                display_coordinate (a + self->width, log_axis), c, u0, u1, n_bins, counts);
    }
  return TRUE;
}

/* numpy-compatible binning. */

EvoxBinning *
evox_binning_new (guint    n_bins,
                  double   lo,
                  double   hi,
                  gboolean single)
{
  EvoxBinning *self;
  double step;

  g_return_val_if_fail (n_bins > 0, NULL);
  g_return_val_if_fail (isfinite (lo) && isfinite (hi) && lo < hi, NULL);

  self = g_new0 (EvoxBinning, 1);
  self->n_bins = n_bins;
  self->single = single;
  self->edges = g_new (double, n_bins + 1);
  /* numpy.linspace: i * step + start in double, the last edge exactly hi, then cast to the data's
   * float type. */
  step = (hi - lo) / n_bins;
  for (guint i = 0; i < n_bins; i++)
    self->edges[i] = i * step + lo;
  self->edges[n_bins] = hi;
  if (single)
    for (guint i = 0; i <= n_bins; i++)
      self->edges[i] = (float) self->edges[i];
  return self;
}

void
evox_binning_free (EvoxBinning *self)
{
  if (self == NULL)
    return;
  g_free (self->edges);
  g_free (self);
}

/**
 * evox_binning_find:
 *
 * The bin of value with edges[i] <= v < edges[i + 1] (the last bin closed), or -1 when v is
 * outside [edges[0], edges[n]] or not finite. Single-precision binnings compare the value
 * rounded to float, as numpy does for float32 arrays.
 */
gssize
evox_binning_find (const EvoxBinning *self,
                   double             value)
{
  const double *e = self->edges;
  guint n = self->n_bins;
  double t;
  gssize k;

  if (self->single)
    value = (float) value;
  if (!(value >= e[0] && value <= e[n]))
    return -1;
  t = (value - e[0]) / (e[n] - e[0]) * n;
  k = t >= n ? (gssize) n - 1 : (gssize) t;
  while (k > 0 && value < e[k])
    k--;
  while (k < (gssize) n - 1 && value >= e[k + 1])
    k++;
  return k;
}

static void
count_floats (const EvoxBinning *self,
              const float       *v,
              gsize              n,
              guint64           *counts)
{
  guint nb = self->n_bins;

#pragma omp parallel
  {
    g_autofree guint64 *mine = g_new0 (guint64, nb);

#pragma omp for schedule(static)
    for (gsize i = 0; i < n; i++)
      {
        gssize k = evox_binning_find (self, v[i]);
        if (k >= 0)
          mine[k]++;
      }
#pragma omp critical
    for (guint b = 0; b < nb; b++)
      counts[b] += mine[b];
  }
}

/**
 * evox_binning_count:
 * @counts: (inout): n_bins counters, added to
 *
 * Exact counts straight from the samples. Integer samples go through a per-value table.
 */
void
evox_binning_count (const EvoxBinning *self,
                    EvoxSampleType     type,
                    gconstpointer      data,
                    gsize              n,
                    guint64           *counts)
{
  g_return_if_fail (self != NULL && counts != NULL);

  if (type == EVOX_SAMPLE_F32)
    count_floats (self, data, n, counts);
  else
    {
      EvoxFineHistogram *fine = evox_fine_histogram_new (type, data, n, 1, 0, 0);
      evox_binning_count_fine (self, fine, -1, counts);
      evox_fine_histogram_unref (fine);
    }
}

/**
 * evox_binning_count_fine:
 * @fine: an exact (integer) fine histogram
 * @layer: a layer with kept counts, or -1 for all
 *
 * Exact counts in O(fine bins): every fine bin holds a single value.
 */
void
evox_binning_count_fine (const EvoxBinning *self,
                         EvoxFineHistogram *fine,
                         gssize             layer,
                         guint64           *counts)
{
  const guint32 *layer_counts = NULL;

  g_return_if_fail (self != NULL && fine != NULL && counts != NULL);
  g_return_if_fail (evox_fine_histogram_is_exact (fine));

  if (layer >= 0)
    {
      layer_counts = evox_fine_histogram_get_layer_counts (fine, layer);
      g_return_if_fail (layer_counts != NULL);
    }
  for (guint v = 0; v < fine->n_bins; v++)
    {
      guint64 c = layer_counts != NULL ? layer_counts[v] : fine->counts[v];
      gssize k;

      if (c == 0)
        continue;
      k = evox_binning_find (self, v);
      if (k >= 0)
        counts[k] += c;
    }
}

double
evox_fine_histogram_get_smallest_positive (EvoxFineHistogram *self)
{
  const guint64 *counts;
  double width;
  gboolean exact;
  guint n;

  g_return_val_if_fail (self != NULL, 0);

  counts = evox_fine_histogram_get_counts (self);
  n = evox_fine_histogram_get_n_bins (self);
  width = evox_fine_histogram_get_bin_width (self);
  exact = evox_fine_histogram_is_exact (self);
  for (guint i = 0; i < n; i++)
    {
      double lo = evox_fine_histogram_get_bin_lo (self, i);

      if (counts[i] == 0)
        continue;
      if (lo > 0)
        return lo;
      if (!exact && lo + width > 0)
        return (lo + width) / 2;
    }
  return 0;
}
