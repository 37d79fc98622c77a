/* evox-domain-stats.c: statistics of a channel over each cluster's domain interior and its
 * boundary, per cluster or per (particle, cluster). */
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

/* Voxels and finite values of a domain or boundary, the sum of its values, their extremes and
 * (second pass) the sum of squared differences from its own mean: two passes, so a part whose
 * values are all equal gets exactly that mean and a std of 0 (one-pass sums of squares gave
 * 1.1e-4 for a cluster of 85s). */
typedef struct
{
  guint64 voxels;
  guint64 n;
  double  s1;
  double  lo;
  double  hi;
  double  d1;
  double  d2;
  double  mean;
} Acc;

/* TRUE when voxel i of cluster c has a face neighbour inside the volume in another cluster. */
static inline gboolean
is_boundary (const guint16 *labels,
             const gsize    dims[3],
             gsize          i,
             gsize          x,
             gsize          y,
             gsize          z,
             guint16        c)
{
  gsize nx = dims[0], nxy = dims[0] * dims[1];

#define OTHER(j) (labels[j] != 0 && labels[j] != c)
  return (x > 0 && OTHER (i - 1)) || (x + 1 < dims[0] && OTHER (i + 1)) ||
         (y > 0 && OTHER (i - nx)) || (y + 1 < dims[1] && OTHER (i + nx)) ||
         (z > 0 && OTHER (i - nxy)) || (z + 1 < dims[2] && OTHER (i + nxy));
#undef OTHER
}

/* The part's mean, once the first pass is merged: exactly the value when all are equal. */
static double
part_mean (const Acc *a)
{
  if (a->n == 0)
    return NAN;
  if (a->lo == a->hi)
    return a->lo;
  return CLAMP (a->s1 / a->n, a->lo, a->hi);
}

static void
finish_part (const Acc *a,
             guint64   *voxels,
             double    *mean,
             double    *std)
{
  double var;

  *voxels = a->voxels;
  *mean = a->mean;
  if (a->n == 0)
    {
      *std = NAN;
      return;
    }
  /* the corrected two-pass variance: d1 is the rounding left in the mean */
  var = (a->d2 - a->d1 * a->d1 / a->n) / a->n;
  *std = sqrt (MAX (var, 0.0));
}

/* One pass over the voxels into each thread's accumulators: the first sums values and extremes,
 * the second the differences from the merged means in `merged`. Returns the highest cluster label
 * above k seen (0 when none). Static schedule: each thread always takes the same slices, so the
 * result has the same bits on every run with the same number of threads. */
static guint16
accumulate (gboolean         second,
            const guint16   *cluster_labels,
            guint            k,
            const void      *data,
            EvoxSampleType   type,
            const guint32   *particle_labels,
            const gsize      dims[3],
            Acc             *acc,
            const Acc       *merged,
            guint64          n_slots,
            EvoxWorkMonitor *monitor)
{
  guint16 bad_label = 0;

#pragma omp parallel
  {
    Acc *mine = acc;
    guint16 bad = 0;

#ifdef _OPENMP
    mine = acc + (gsize) omp_get_thread_num () * n_slots;
#endif
#pragma omp for schedule(static)
    for (gsize z = 0; z < dims[2]; z++)
      {
        if (_evox_work_monitor_stopped (monitor))
          continue;
        for (gsize y = 0; y < dims[1]; y++)
          for (gsize x = 0; x < dims[0]; x++)
            {
              gsize i = (z * dims[1] + y) * dims[0] + x;
              guint16 c = cluster_labels[i];
              guint64 p = 0, slot;
              Acc *a;
              double v;

              if (c == 0)
                continue;
              if (c > k)
                {
                  bad = c;
                  continue;
                }
              if (particle_labels != NULL)
                {
                  p = particle_labels[i];
                  if (p == 0)
                    continue;
                }
              slot = (p * k + (c - 1)) * 2 + is_boundary (cluster_labels, dims, i, x, y, z, c);
              a = &mine[slot];
              v = evox_sample_get (data, type, i);
              if (second)
                {
                  if (isfinite (v))
                    {
                      v -= merged[slot].mean;
                      a->d1 += v;
                      a->d2 += v * v;
                    }
                  continue;
                }
              a->voxels++;
              if (!isfinite (v))
                continue;
              if (a->n == 0 || v < a->lo)
                a->lo = v;
              if (a->n == 0 || v > a->hi)
                a->hi = v;
              a->n++;
              a->s1 += v;
            }
        _evox_work_monitor_step (monitor, 1);
      }
    if (bad != 0)
      {
#pragma omp critical (evox_domain_stats_bad)
        bad_label = MAX (bad_label, bad);
      }
  }
  return bad_label;
}

/* Adds the other threads' accumulators into the first thread's, in thread order. */
static void
merge (Acc     *acc,
       guint64  n_slots,
       guint    n_threads,
       gboolean second)
{
  for (guint t = 1; t < n_threads; t++)
    for (guint64 s = 0; s < n_slots; s++)
      {
        const Acc *from = &acc[t * n_slots + s];
        Acc *to = &acc[s];

        if (second)
          {
            to->d1 += from->d1;
            to->d2 += from->d2;
            continue;
          }
        to->voxels += from->voxels;
        if (from->n > 0)
          {
            to->lo = to->n == 0 ? from->lo : MIN (to->lo, from->lo);
            to->hi = to->n == 0 ? from->hi : MAX (to->hi, from->hi);
          }
        to->n += from->n;
        to->s1 += from->s1;
      }
}

GArray *
evox_domain_stats (const guint16   *cluster_labels,
                   guint            k,
                   EvoxVolume      *volume,
                   guint            channel,
                   const guint32   *particle_labels,
                   GCancellable    *cancellable,
                   GError         **error)
{
  g_autoptr (GArray) rows = NULL;
  g_autofree Acc *acc = NULL;
  g_autofree Acc *merged = NULL;
  const void *data;
  EvoxSampleType type;
  EvoxWorkMonitor monitor;
  gsize dims[3], n_voxels;
  guint64 n_particles = 1, n_slots;
  guint n_threads = 1;
  guint16 bad_label = 0;

  g_return_val_if_fail (cluster_labels != NULL, NULL);
  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (k == 0 || k > G_MAXUINT16)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Domain statistics need 1 to 65535 clusters, not %u", k);
      return NULL;
    }
  if (channel >= evox_volume_get_n_channels (volume))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Channel %u does not exist (the volume has %u)", channel,
                   evox_volume_get_n_channels (volume));
      return NULL;
    }
  evox_volume_get_dims (volume, dims);
  n_voxels = dims[0] * dims[1] * dims[2];
  data = evox_volume_get_data (volume, channel);
  type = evox_volume_get_sample_type (volume);

  if (particle_labels != NULL)
    {
      guint32 max_id = 0;

#pragma omp parallel for schedule(static) reduction(max:max_id)
      for (gsize i = 0; i < n_voxels; i++)
        max_id = MAX (max_id, particle_labels[i]);
      n_particles = (guint64) max_id + 1;
    }
#ifdef _OPENMP
  n_threads = MAX (omp_get_max_threads (), 1);
#endif
  /* a domain and a boundary accumulator for every (particle, cluster), per thread, merged at
   * the end: threads never share a cache line of sums */
  n_slots = n_particles * k * 2;
  if (!evox_check_allocation (n_slots * n_threads, sizeof (Acc), "Domain statistics", error))
    return NULL;
  acc = g_try_new0 (Acc, n_slots * n_threads);
  if (acc == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "Domain statistics of %" G_GUINT64_FORMAT " particles x %u clusters do not "
                   "fit in memory", n_particles, k);
      return NULL;
    }

  /* each pass is half of the work */
  _evox_work_monitor_begin (&monitor, NULL, cancellable, 0.0, 1.0, 2 * dims[2]);
  bad_label = accumulate (FALSE, cluster_labels, k, data, type, particle_labels, dims, acc, NULL,
                          n_slots, &monitor);
  if (bad_label == 0 && !_evox_work_monitor_stopped (&monitor))
    {
      merge (acc, n_slots, n_threads, FALSE);
      for (guint64 s = 0; s < n_slots; s++)
        acc[s].mean = part_mean (&acc[s]);
      /* the second pass reads the merged means from a copy, since thread 0 adds into acc */
      merged = g_memdup2 (acc, n_slots * sizeof (Acc));
      for (guint t = 1; t < n_threads; t++)
        memset (&acc[t * n_slots], 0, n_slots * sizeof (Acc));
      accumulate (TRUE, cluster_labels, k, data, type, particle_labels, dims, acc, merged,
                  n_slots, &monitor);
      merge (acc, n_slots, n_threads, TRUE);
    }
  if (_evox_work_monitor_stopped (&monitor))
    {
      if (!g_cancellable_set_error_if_cancelled (cancellable, error))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
      return NULL;
    }
  if (bad_label != 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Cluster label %u is above the number of clusters (%u)", bad_label, k);
      return NULL;
    }

  rows = g_array_new (FALSE, TRUE, sizeof (EvoxDomainStats));
  for (guint64 p = particle_labels != NULL ? 1 : 0; p < n_particles; p++)
    for (guint c = 1; c <= k; c++)
      {
        const Acc *dom = &acc[(p * k + (c - 1)) * 2], *bnd = dom + 1;
        EvoxDomainStats row = { 0 };

        if (particle_labels != NULL && dom->voxels + bnd->voxels == 0)
          continue;
        row.particle = p;
        row.cluster = c;
        finish_part (dom, &row.domain_voxels, &row.domain_mean, &row.domain_std);
        finish_part (bnd, &row.boundary_voxels, &row.boundary_mean, &row.boundary_std);
        row.difference = row.boundary_mean - row.domain_mean;
        g_array_append_val (rows, row);
      }
  return g_steal_pointer (&rows);
}
