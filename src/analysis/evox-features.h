/* evox-features.h: per-voxel feature vectors for clustering, from channels or local texture. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-progress.h"
#include "evox-volume.h"

G_BEGIN_DECLS

/* What a voxel's feature vector holds. */
typedef enum
{
  EVOX_FEATURES_CHANNELS,  /* the value of every channel (spectra, several maps) */
  EVOX_FEATURES_LOCAL,     /* one channel's value, its local mean and population standard
                            * deviation over a 3^3 or 5^3 window (the part inside the volume, finite
                            * values only) and its gradient magnitude (numpy.gradient with the
                            * voxel spacing when known, voxel steps when not) */
} EvoxFeatureKind;

const char *evox_feature_kind_to_string (EvoxFeatureKind kind);

/* Which voxels take part: those whose value in `channel` lies in [lo, hi] (a phase), or with
 * channel -1 every voxel. Either way a voxel takes part only when all of its features are
 * finite. */
typedef struct
{
  int    channel;
  double lo;
  double hi;
} EvoxFeatureMask;

/* The points of one volume: n rows of d floats, and the voxel each came from. */
typedef struct
{
  gsize     dims[3];
  gsize     n;
  guint     d;
  float    *points;       /* n rows of d, row-major, in the original units */
  guint64  *voxels;       /* n voxel indices x + nx * (y + ny * z), ascending */
  char    **names;        /* d feature names (NULL-terminated): channel labels or "value",
                           * "local mean", "local std", "gradient magnitude" */
  double   *axis;         /* d abscissae for mean curves: every channel's energy in eV when all
                           * channels have one, else 1..d */
  char     *axis_title;   /* "Energy (eV)" or "Feature" */
  guint64   n_in_mask;    /* voxels in the mask, before those with a non-finite feature were
                           * dropped */
} EvoxFeatureSet;

/* channels: the channels to use (NULL with n_channels 0: all of them). Fails with
 * EVOX_ERROR_ARGUMENT (message names the reason) on a channel that does not exist or a mask
 * that selects no voxel with finite features, EVOX_ERROR_INVALID_DATA when without a mask no
 * voxel has finite features, EVOX_ERROR_TOO_LARGE for more points x features than the memory cap
 * allows; G_IO_ERROR_CANCELLED when cancelled. */
EvoxFeatureSet *evox_features_from_channels (EvoxVolume             *volume,
                                             const guint            *channels,
                                             guint                   n_channels,
                                             const EvoxFeatureMask  *mask,
                                             EvoxProgress           *progress,
                                             GCancellable           *cancellable,
                                             GError                **error);
/* window: 3 or 5. */
EvoxFeatureSet *evox_features_local         (EvoxVolume             *volume,
                                             guint                   channel,
                                             guint                   window,
                                             const EvoxFeatureMask  *mask,
                                             EvoxProgress           *progress,
                                             GCancellable           *cancellable,
                                             GError                **error);
void            evox_feature_set_free       (EvoxFeatureSet         *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxFeatureSet, evox_feature_set_free)

/* Domains and boundaries of a cluster labelling (0 outside the mask, 1..k): a boundary voxel
 * has a face neighbour (6-connectivity) in another cluster (a neighbour outside the mask or the
 * volume does not count); domain voxels are the rest. One row per cluster, or with particle
 * labels one row per (particle, cluster) pair that has voxels, with the statistics of one
 * channel's finite values. */
typedef struct
{
  guint32  particle;        /* 0: the whole volume */
  guint    cluster;         /* 1..k */
  guint64  domain_voxels;   /* voxels, whatever their value; the statistics are of the finite
                             * ones */
  double   domain_mean;     /* NaN when there are none */
  double   domain_std;      /* population */
  guint64  boundary_voxels;
  double   boundary_mean;
  double   boundary_std;
  double   difference;      /* boundary_mean - domain_mean */
} EvoxDomainStats;

/* Rows sorted by particle, then cluster. particle_labels (the volume's dims, 0 = none) may be
 * NULL. */
GArray *evox_domain_stats (const guint16   *cluster_labels,
                           guint            k,
                           EvoxVolume      *volume,
                           guint            channel,
                           const guint32   *particle_labels,
                           GCancellable    *cancellable,
                           GError         **error);

G_END_DECLS
