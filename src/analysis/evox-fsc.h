/* evox-fsc.h: Fourier shell (ring) correlation of two volumes and the resolution it implies. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "evox-volume.h"

G_BEGIN_DECLS

typedef enum
{
  EVOX_FSC_THRESHOLD_FIXED,     /* 1/7 = 0.143 */
  EVOX_FSC_THRESHOLD_HALF_BIT,  /* van Heel & Schatz 2005, from the shell's voxel count */
} EvoxFscThreshold;

/* FSC(k) = Re sum F1 F2* / sqrt (sum |F1|^2 sum |F2|^2) over n_shells equal shells of spatial
 * frequency |f| from 0 to Nyquist (0.5 / the largest spacing used), of channel `channel` of a and
 * b, with no mask or apodisation. Frequencies are in cycles per nm when both volumes' spacing is
 * known, else in cycles per voxel; one-layer volumes give the 2D ring correlation. frequency[i]
 * is the middle of shell i, n_voxels[i] the number of Fourier voxels in it (either may be NULL);
 * a shell with no voxels, or no power in a or b, gets FSC NaN. Fails with EVOX_ERROR_ARGUMENT for
 * volumes of different dims, a missing channel, a side below 4 voxels (but nz = 1), or more
 * shells than the shortest side / 2; with EVOX_ERROR_INVALID_DATA for a non-finite voxel (NaN or
 * inf is refused, not replaced: a hole would leak power into every shell). */
gboolean evox_fsc            (EvoxVolume      *a,
                              EvoxVolume      *b,
                              guint            channel,
                              guint            n_shells,
                              double          *frequency,
                              double          *fsc,
                              guint           *n_voxels,
                              GError         **error);

/* The threshold of shell with n Fourier voxels. */
double   evox_fsc_threshold  (EvoxFscThreshold threshold,
                              guint            n);

/* The first crossing of the curve from above the threshold to below it, linearly interpolated
 * between the two shells around it (shells with a NaN FSC, and shells before the curve first
 * rises above the threshold, are skipped); *crossing is its frequency and *resolution =
 * 1 / *crossing. n_voxels may be NULL for the fixed threshold. Returns FALSE, leaving the outputs
 * alone, when there is no such crossing (the curve stays above: resolution at Nyquist or better;
 * or it is never above). */
gboolean evox_fsc_resolution (const double    *frequency,
                              const double    *fsc,
                              const guint     *n_voxels,
                              guint            n,
                              EvoxFscThreshold threshold,
                              double          *crossing,
                              double          *resolution);

G_END_DECLS
