/* evox-watershed.h: splitting touching particles by a marker-controlled watershed of the distance map. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-labels.h"
#include "evox-progress.h"

G_BEGIN_DECLS

/* The exact Euclidean distance from every voxel with mask != 0 to the centre of the nearest
 * voxel with mask == 0, with voxel centres spacing[i] apart on axis i (x fastest); 0 on the
 * background, INFINITY everywhere when the volume has no background voxel. Voxels outside the
 * volume do not count as background (as scipy.ndimage.distance_transform_edt). Separable lower
 * envelopes of parabolas (Felzenszwalb and Huttenlocher) along x, y, z on every OpenMP thread.
 * Fails only with G_IO_ERROR_CANCELLED; dist holds dims[0] * dims[1] * dims[2] floats. */
gboolean    evox_distance_transform    (const guint8        *mask,
                                        const gsize          dims[3],
                                        const double         spacing[3],
                                        float               *dist,
                                        EvoxWorkMonitor     *monitor,
                                        GError             **error);

/* The particles of labels split where they touch: markers are the regional maxima of the
 * h-maxima transform of the distance map of the labelled voxels (the reconstruction by dilation
 * of dist - h under dist), so two peaks of the distance map stay one marker unless every path
 * between them dips more than h below the lower one. h is in the volume's spacing unit (nm;
 * voxels for a volume of unit spacing). Each marker floods its labelled voxels in decreasing
 * distance order (priority flood on -dist, ties first come first served) through the labels'
 * connectivity. Every particle keeps at least one marker, so no voxel is lost; the pieces are
 * measured afresh and numbered in raster order, and no size filter is applied to them. h <= 0
 * or NaN fails with EVOX_ERROR_ARGUMENT.
 * @progress: stages "Distance map", "Markers", "Watershed", "Measuring particles". */
EvoxLabels *evox_watershed_split        (EvoxLabels          *labels,
                                         double               h,
                                         EvoxProgress        *progress,
                                         GCancellable        *cancellable,
                                         GError             **error);
void        evox_watershed_split_async  (EvoxLabels          *labels,
                                         double               h,
                                         EvoxProgress        *progress,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
EvoxLabels *evox_watershed_split_finish (GAsyncResult        *result,
                                         GError             **error);

G_END_DECLS
