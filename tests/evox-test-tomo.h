/* evox-test-tomo.h: what the tomography suites share: phantoms of balls projected analytically,
 * tilt series built from any analytic projection, and jitter with the parts no alignment can see
 * taken out. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "evox-tilt-series.h"

G_BEGIN_DECLS

/* A ball: (x, z) in the plane turning about the axis, y along it, radius, density. */
typedef double EvoxTestBall[5];

/* The analytic parallel projection of n balls at detector point (u, v) for angle theta: a ball
 * of radius r at distance d from the ray has chord 2 sqrt (r^2 - d^2); its centre projects to
 * axis + x cos theta + z sin theta (the geometry of evox-tomo.h). */
double          evox_test_balls_projection (const EvoxTestBall *balls,
                                            guint               n,
                                            double              axis,
                                            double              theta,
                                            double              u,
                                            double              v);

/* The line integral at detector point (u, v) for angle theta. */
typedef double (*EvoxTestProjectionFunc) (double   theta,
                                          double   u,
                                          double   v,
                                          gpointer user_data);

/* nx x ny projections at n_angles angles theta_a = pi a / n_angles, optical density, projection
 * a moved by (jx[a], jy[a]) (NULL: none): pixel (x, y) sees the phantom at (x - jx, y - jy). */
EvoxTiltSeries *evox_test_tilt_series_new  (guint                  nx,
                                            guint                  ny,
                                            guint                  n_angles,
                                            EvoxTestProjectionFunc projection,
                                            gpointer               user_data,
                                            const double          *jx,
                                            const double          *jy);

/* Takes out of v[0..n) its least-squares fit a cos theta + b sin theta + c (Cramer's rule on the
 * normal equations): the sample's own motion and the centre, which an alignment cannot tell
 * from jitter. */
void            evox_test_remove_sinusoid  (const double          *theta,
                                            double                *v,
                                            guint                  n);
/* Takes out of v[0..n) its mean (a move along the axis). */
void            evox_test_remove_mean      (double                *v,
                                            guint                  n);

/* Jitter for n angles theta_a = pi a / n: jx[a] uniform in [-max_x, max_x), jy[a] in
 * [-max_y, max_y) (SplitMix64 from seed, evox_test_uniform), then jx without its sinusoid and
 * jy without its mean, so that all of it is what an alignment can find. */
void            evox_test_make_jitter      (guint64                seed,
                                            double                 max_x,
                                            double                 max_y,
                                            guint                  n,
                                            double                *jx,
                                            double                *jy);

G_END_DECLS
