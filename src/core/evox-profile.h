/* evox-profile.h: the values of a volume along a straight line, about one voxel step apart. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>
#include "evox-volume.h"

G_BEGIN_DECLS

/* How a profile reads the volume between voxel centres. */
typedef enum
{
  EVOX_PROFILE_NEAREST,    /* the voxel whose centre is nearest: labels stay labels */
  EVOX_PROFILE_TRILINEAR,  /* between the eight voxel centres around the point */
} EvoxProfileSampling;

/* A label volume holds at most this many distinct values. */
#define EVOX_PROFILE_MAX_LABELS 32

typedef struct
{
  EvoxProfileSampling sampling;
  guint    n;             /* samples, >= 2 */
  double  *distance_nm;   /* from the start, n of them */
  double  *position_nm;   /* x, y, z of each sample: 3 n */
  double  *value;         /* stored values (log10 numbers for log10 data); NaN outside the
                           * volume or next to a hole */
  guint    channel;       /* the sampled channel: its value meaning labels the values */
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
/* The same points, read as `sampling` says. */
EvoxProfile *evox_profile_sample_with (EvoxVolume          *volume,
                                       guint                channel,
                                       const double         start_nm[3],
                                       const double         end_nm[3],
                                       EvoxProfileSampling  sampling);
void         evox_profile_free    (EvoxProfile  *profile);

/* Nearest for a u8 or u16 channel of at most EVOX_PROFILE_MAX_LABELS distinct values (a
 * segmented volume: values between its labels mean nothing), trilinear otherwise. */
EvoxProfileSampling evox_profile_default_sampling (EvoxVolume *volume,
                                                   guint       channel);
/* "nearest" or "trilinear". */
const char  *evox_profile_sampling_to_string (EvoxProfileSampling sampling);

/* The trilinear value at a point in nm (as above). */
double       evox_volume_sample_trilinear (EvoxVolume   *volume,
                                           guint         channel,
                                           const double  position_nm[3]);
/* The value of the voxel whose centre is nearest a point in nm (half way rounds up); NaN
 * outside the volume's box. */
double       evox_volume_sample_nearest   (EvoxVolume   *volume,
                                           guint         channel,
                                           const double  position_nm[3]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxProfile, evox_profile_free)

G_END_DECLS
