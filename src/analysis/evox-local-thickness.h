/* evox-local-thickness.h: exact squared distance map, local thickness and size summaries. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-labels.h"
#include "evox-progress.h"
#include "evox-volume.h"

G_BEGIN_DECLS

/* The squared Euclidean distance from the centre of every voxel with mask != 0 to the centre of
 * the nearest voxel with mask == 0, voxel centres spacing[i] apart on axis i (x fastest); 0 on
 * the background, INFINITY everywhere when there is no background voxel. Voxels outside the
 * volume are not background (as scipy.ndimage.distance_transform_edt). Exact: the lower
 * envelope of parabolas (Felzenszwalb and Huttenlocher) along x, y and z, OpenMP over lines;
 * for unit spacing the values are whole numbers, exact in a float up to 2^24.
 * @monitor (nullable) is begun by the caller over dims[1] * dims[2] + dims[0] * dims[2] +
 * dims[0] * dims[1] lines. Fails only with G_IO_ERROR_CANCELLED. */
gboolean    evox_squared_distance_transform (const guint8      *mask,
                                             const gsize        dims[3],
                                             const double       spacing[3],
                                             float             *sq_dist,
                                             EvoxWorkMonitor   *monitor,
                                             GError           **error);

/* Local thickness (Hildebrand and Rueegsegger 1997) of the voxels with mask != 0: with D(c) the
 * distance of voxel c to the nearest background voxel centre (above), every c carries the open
 * ball B(c) = { p : |p - c| < D(c) }, all of whose voxels lie in the phase, and
 *
 *   thickness(p) = 2 max { D(c) : c in the phase, |p - c| < D(c) }   (p in B(p), so >= 2 D(p))
 *
 * in the spacing's unit (nm); NAN outside the phase. Only balls whose voxels are not all in a
 * larger 26-neighbour's ball are painted (the distance ridge, decided on the lattice), which
 * leaves the maximum unchanged. Squared radii are compared with a margin of 2^-20 so exact ties
 * (a voxel exactly D(c) from c) stay outside for any spacing; for unit spacing and radii up to
 * 1024 voxels the comparison is exact. A phase with no voxels, or with no background
 * voxel at all, fails with EVOX_ERROR_ARGUMENT; a cancelled one with G_IO_ERROR_CANCELLED.
 * thickness holds dims[0] * dims[1] * dims[2] floats.
 * @progress: stages "Distance map", "Distance ridge", "Spheres". */
gboolean    evox_local_thickness            (const guint8      *mask,
                                             const gsize        dims[3],
                                             const double       spacing[3],
                                             float             *thickness,
                                             EvoxProgress      *progress,
                                             GCancellable      *cancellable,
                                             GError           **error);

/* A size distribution summarised as papers quote it. Quantiles are weighted (for local
 * thickness every voxel weighs the same, so they are volume-weighted): dq is the smallest value
 * v with (weight of values <= v) >= q x (total weight); the median is d50. */
typedef struct
{
  guint64 count;        /* values (voxels or particles) */
  double  total_weight; /* voxels for thickness, particle voxels or count for particles */
  double  mean;         /* weighted mean */
  double  median;
  double  d10;
  double  d50;
  double  d90;
  double  min;
  double  max;
} EvoxSizeSummary;

/* The summary of the finite values (NaN and infinities are skipped), every value weighing one;
 * FALSE (summary zeroed, statistics NAN) when there is none. values is left unchanged. */
gboolean    evox_size_summary_compute       (const float       *values,
                                             gsize              n,
                                             EvoxSizeSummary   *summary);
/* The same with a weight per value (weights > 0; NULL weights weigh one). */
gboolean    evox_size_summary_compute_weighted (const double   *values,
                                                const double   *weights,
                                                gsize           n,
                                                EvoxSizeSummary *summary);
/* The particles' equivalent diameters (nm), each weighted by its volume when by_volume (the
 * volume-weighted d50 of laser diffraction) or by one (number-weighted). */
gboolean    evox_particle_size_summary      (EvoxLabels        *labels,
                                             gboolean           by_volume,
                                             EvoxSizeSummary   *summary);

/* counts[n_bins] of the finite values over [0, max] in n_bins equal bins (max goes into the
 * last bin); returns the bin width (0 when there is no finite value). */
double      evox_size_histogram             (const float       *values,
                                             gsize              n,
                                             double             max,
                                             guint              n_bins,
                                             guint64           *counts);

/* The local thickness of the voxels with lo <= v <= hi in a channel, as a new f32 volume (one
 * channel "Local thickness" in nm, NAN outside the phase; same dims, spacing and origin), with
 * its summary when summary is not NULL. Errors as evox_local_thickness (), plus
 * EVOX_ERROR_ARGUMENT on lo > hi or NaN edges and EVOX_ERROR_TOO_LARGE past the memory cap. */
EvoxVolume *evox_local_thickness_compute    (EvoxVolume        *volume,
                                             guint              channel,
                                             double             lo,
                                             double             hi,
                                             EvoxSizeSummary   *summary,
                                             EvoxProgress      *progress,
                                             GCancellable      *cancellable,
                                             GError           **error);

/* evox_local_thickness_compute () on a worker thread; the callback runs in the caller's main
 * context and gets G_IO_ERROR_CANCELLED when cancellable fires first. _finish returns the map
 * and fills summary (when not NULL) with its summary, computed on the worker too. */
void        evox_local_thickness_compute_async  (EvoxVolume          *volume,
                                                 guint                channel,
                                                 double               lo,
                                                 double               hi,
                                                 EvoxProgress        *progress,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
EvoxVolume *evox_local_thickness_compute_finish (GAsyncResult        *result,
                                                 EvoxSizeSummary     *summary,
                                                 GError             **error);

/* A mask of the voxels with lo <= v <= hi in a channel (1 in, 0 out), allocated with
 * _evox_alloc_large (); NULL with EVOX_ERROR_ARGUMENT or EVOX_ERROR_TOO_LARGE. */
guint8     *_evox_range_mask                (EvoxVolume        *volume,
                                             guint              channel,
                                             double             lo,
                                             double             hi,
                                             GError           **error);

G_END_DECLS
