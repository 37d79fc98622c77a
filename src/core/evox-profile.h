/* evox-profile.h: the values of a volume along a straight line, about one voxel step apart. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>
#include "evox-volume.h"

G_BEGIN_DECLS

typedef struct
{
  guint    n;             /* samples, >= 2 */
  double  *distance_nm;   /* from the start, n of them */
  double  *position_nm;   /* x, y, z of each sample: 3 n */
  double  *value;         /* stored values (log10 numbers for log10 data); NaN outside the
                           * volume or next to a hole */
} EvoxProfile;

/* Samples channel `channel` from start to end (nm of the volume's frame) at n evenly spaced
 * points, n - 1 being the line's length in voxel steps rounded up (at least 1), by trilinear
 * interpolation between the eight voxel centres around each point (so a sample on a voxel centre
 * is that voxel's value). Points beyond the outer voxel centres take the nearest centre's value
 * along that axis; points outside the volume's box are NaN. */
EvoxProfile *evox_profile_sample  (EvoxVolume   *volume,
                                   guint         channel,
                                   const double  start_nm[3],
                                   const double  end_nm[3]);
void         evox_profile_free    (EvoxProfile  *profile);

/* The trilinear value at a point in nm (as above). */
double       evox_volume_sample_trilinear (EvoxVolume   *volume,
                                           guint         channel,
                                           const double  position_nm[3]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxProfile, evox_profile_free)

G_END_DECLS
