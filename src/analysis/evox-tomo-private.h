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

/* Least squares of v[a] = coef[0] cos theta[a] + coef[1] sin theta[a] + coef[2] over the angles
 * with use[a] (all when use is NULL), through the normal equations; FALSE when they do not
 * separate the three terms. Shared by the centre-of-mass fit, the multi-energy shift check
 * (evox-tomo-align.c) and the reprojection alignment's update (evox-tomo-reproject.c). */
gboolean _evox_tomo_fit_sinusoid (const double   *theta,
                                  const double   *v,
                                  const gboolean *use,
                                  guint           n,
                                  double          coef[3]);

G_END_DECLS
