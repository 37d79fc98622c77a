/* evox-tilt-series.h: projections of a sample over a rotation (a tilt series), before
 * reconstruction. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* n_angles projections of nx x ny pixels: x across the rotation axis, y along it (the axis is
 * parallel to y). data holds projection a's pixel (x, y) at data[(a * ny + y) * nx + x]: one
 * projection is contiguous, so a sinogram row (fixed y) is n_angles strided rows of nx. Values are
 * raw counts until corrected, then optical density -ln (I / I0) (od TRUE). theta[a] in radians,
 * as the file gives it. pixel_size_nm 0 when unknown; energy_ev 0 when unknown. */
typedef struct
{
  guint    nx;
  guint    ny;
  guint    n_angles;
  float   *data;
  double  *theta;
  double   pixel_size_nm;
  double   energy_ev;
  gboolean od;
  guint64  n_clamped;  /* pixels whose transmission was not above EVOX_TILT_MIN_TRANSMISSION
                        * when corrected (counts at or below the dark level, a block of zeros in
                        * a damaged file): they hold that floor's optical density */
} EvoxTiltSeries;

/* Zero-filled; fails (EVOX_ERROR_ARGUMENT) for a zero size or one whose bytes overflow or
 * exceed what the machine could hold, before allocating. */
EvoxTiltSeries *evox_tilt_series_new  (guint            nx,
                                       guint            ny,
                                       guint            n_angles,
                                       GError         **error);
void            evox_tilt_series_free (EvoxTiltSeries  *self);
/* Projection a, row y (nx floats). */
static inline float *
evox_tilt_series_row (const EvoxTiltSeries *self,
                      guint                 a,
                      guint                 y)
{
  return self->data + ((gsize) a * self->ny + y) * self->nx;
}

/* A new series of the f x f means of every projection (a remainder at the right or bottom is
 * dropped; optical density is a line integral, so its mean is the line integral through the
 * bigger pixel, which is what reconstruction wants); pixel size times f, angles, energy, od and
 * n_clamped copied. Fails (EVOX_ERROR_ARGUMENT) when f is 0 or larger than a side. */
EvoxTiltSeries *evox_tilt_series_bin  (const EvoxTiltSeries  *self,
                                       guint                  f,
                                       GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxTiltSeries, evox_tilt_series_free)

G_END_DECLS
