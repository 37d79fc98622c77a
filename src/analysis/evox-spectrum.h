/* evox-spectrum.h: per-voxel spectra of a spectral volume: one voxel's values against energy, or
 * the mean and spread over a region (a box, a phase's value range, a particle, a mask). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-volume.h"

G_BEGIN_DECLS

typedef struct
{
  double  energy_ev;   /* the channel's energy; NaN for a channel without one */
  guint   channel;
  double  mean;        /* over the region's finite values of this channel */
  double  std;         /* population standard deviation */
  guint64 voxels;      /* finite values counted */
} EvoxSpectrumPoint;

typedef struct
{
  char              *label;   /* "voxel (12, 40, 0)", "box ...", "phase Ni-rich"... */
  guint              n_points;
  EvoxSpectrumPoint *points;  /* one per non-derived channel, in channel order */
} EvoxSpectrum;

void          evox_spectrum_free     (EvoxSpectrum     *spectrum);
EvoxSpectrum *evox_spectrum_copy     (const EvoxSpectrum *spectrum);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxSpectrum, evox_spectrum_free)

/* One voxel (std 0, voxels 1 or 0 for a NaN). EVOX_ERROR_ARGUMENT outside the volume. */
EvoxSpectrum *evox_spectrum_at       (EvoxVolume       *volume,
                                      gsize             x,
                                      gsize             y,
                                      gsize             z,
                                      GError          **error);
/* The box [lo, hi] inclusive on each axis, clipped to the volume; an empty box is an error. */
EvoxSpectrum *evox_spectrum_box      (EvoxVolume       *volume,
                                      const gsize       lo[3],
                                      const gsize       hi[3],
                                      GError          **error);
/* The voxels where mask (n_voxels bytes) is non-zero; label names the region. */
EvoxSpectrum *evox_spectrum_mask     (EvoxVolume       *volume,
                                      const guint8     *mask,
                                      const char       *label,
                                      GError          **error);
/* The voxels whose value in `channel` lies in [lo, hi] (a phase picked on one energy's
 * histogram). */
EvoxSpectrum *evox_spectrum_range    (EvoxVolume       *volume,
                                      guint             channel,
                                      double            lo,
                                      double            hi,
                                      const char       *label,
                                      GError          **error);

G_END_DECLS
