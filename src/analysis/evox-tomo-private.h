/* evox-tomo-private.h: tomography kernels shared inside src/analysis and with the tests. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* evox_tomo_project_slice for ny slices at once: volume holds slice y's pixel (x, z) at
 * volume[(y * nx + z) * nx + x] (evox_tomo_reconstruct's layout), projections receive ray x of
 * angle a in row y at projections[((gsize) a * ny + y) * nx + x] (an EvoxTiltSeries' layout).
 * The same rays and samples (Joseph's method), summed in single precision over blocks of slices,
 * blocks in parallel (OpenMP). FALSE, with projections incomplete, when cancelled. */
gboolean _evox_tomo_project_volume (const float   *volume,
                                    guint          nx,
                                    guint          ny,
                                    guint          n_angles,
                                    const double  *theta,
                                    double         center,
                                    float         *projections,
                                    GCancellable  *cancellable);

G_END_DECLS
