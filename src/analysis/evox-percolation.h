/* evox-percolation.h: how much of a phase connects two opposite faces of the volume. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-clustering.h"
#include "evox-clusters.h"
#include "evox-labels.h"
#include "evox-progress.h"

G_BEGIN_DECLS

/* What a voxel's component touches along one axis; the values of the class volume. */
typedef enum
{
  EVOX_PERCOLATION_OUTSIDE = 0,   /* not in the phase */
  EVOX_PERCOLATION_BOTH = 1,      /* connected to both faces (percolating) */
  EVOX_PERCOLATION_ONE_FACE = 2,  /* connected to one face only (dead end) */
  EVOX_PERCOLATION_ISOLATED = 3,  /* connected to neither */
} EvoxPercolationClass;

/* The phase's connected components (evox_label_components) and, for each axis (0 x, 1 y, 2 z),
 * the voxels of the components touching both faces (index 0 and dims[axis] - 1 on that axis),
 * one of them, or neither. A volume one voxel thick along an axis has one face there: every
 * voxel touches "both" (it is its own two faces). Fractions are over the phase's voxels. */
typedef struct
{
  EvoxConnectivity connectivity;
  gsize            dims[3];
  guint64          phase_voxels;
  guint32          n_components;
  guint64          voxels[3][4];   /* [axis][EvoxPercolationClass], OUTSIDE counts the rest */
  /* private */
  guint32         *labels;
  guint8          *touch;          /* per component: bit 2 axis + 0 low face, + 1 high face */
} EvoxPercolation;

/* Fails with EVOX_ERROR_ARGUMENT on an invalid connectivity or a phase with no voxels,
 * EVOX_ERROR_TOO_LARGE past the memory cap, G_IO_ERROR_CANCELLED when cancelled.
 * @progress: stages "Finding components", "Faces". */
EvoxPercolation *evox_percolation_compute      (const guint8      *mask,
                                                const gsize        dims[3],
                                                EvoxConnectivity   connectivity,
                                                EvoxProgress      *progress,
                                                GCancellable      *cancellable,
                                                GError           **error);
void             evox_percolation_free         (EvoxPercolation   *self);
/* The share of the phase's voxels in a class along an axis (0 for OUTSIDE). */
double           evox_percolation_get_fraction (EvoxPercolation   *self,
                                                guint              axis,
                                                EvoxPercolationClass klass);
/* The class of every voxel along an axis (dims[0] * dims[1] * dims[2] bytes, x fastest). */
void             evox_percolation_get_classes  (EvoxPercolation   *self,
                                                guint              axis,
                                                guint8            *classes);

/* The colour a class is drawn in, "#rrggbb": Okabe and Ito's blue (both faces), orange (one
 * face) and reddish purple (isolated), as the "classes3" colour map has them. */
const char      *evox_percolation_class_color  (EvoxPercolationClass klass);
/* The classes (evox_percolation_get_classes, dims voxels) as a three-colour overlay: clusters
 * whose ids are the classes (1 both faces, 2 one face, 3 isolated; 0 outside the phase is
 * outside the mask), named "Connected to both faces (A)", "Connected to one face (A)" and
 * "Isolated (A)" with A the axis, in the class colours, info "source" = "percolation" and
 * "percolation.axis" = A. Drawn as the cluster overlay is (the views, exports and figure
 * legends), with its opacity. Fails with EVOX_ERROR_TOO_LARGE past the memory cap. */
EvoxClusters    *evox_percolation_clusters_new (const guint8      *classes,
                                                const gsize        dims[3],
                                                guint              axis,
                                                GError           **error);

/* What an overlay was made from, recorded in its info beside "source" and "percolation.axis"
 * so that a session can make it again: "percolation.channel" (an index),
 * "percolation.ranges" (the phase's value ranges "LO:HI", several joined by ";", %.17g) and
 * "percolation.connectivity" (6, 18 or 26). */
void             evox_percolation_clusters_set_source (EvoxClusters  *clusters,
                                                       guint          channel,
                                                       guint          n_ranges,
                                                       const double  *lo,
                                                       const double  *hi,
                                                       int            connectivity);
/* The overlay made again on volume from those keys (get reads them from data): the phase's
 * mask, its components and the classes along the recorded axis, the keys kept. Fails with
 * EVOX_ERROR_INVALID_DATA naming a key that is missing or unreadable, and as
 * evox_percolation_compute fails. */
EvoxClusters    *evox_percolation_clusters_from_info  (EvoxVolume              *volume,
                                                       EvoxClusteringInfoFunc   get,
                                                       gpointer                 data,
                                                       GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxPercolation, evox_percolation_free)

G_END_DECLS
