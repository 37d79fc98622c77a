/* evox-tortuosity.h: tortuosity factor of a phase by steady-state diffusion (TauFactor's definition). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-progress.h"
#include "evox-volume.h"

G_BEGIN_DECLS

/* The axis the concentration drop is applied along: x is the fastest voxel index. */
typedef enum
{
  EVOX_FLOW_AXIS_X,
  EVOX_FLOW_AXIS_Y,
  EVOX_FLOW_AXIS_Z,
} EvoxFlowAxis;

/* "x", "y", "z" (the command line's and the CSV's words). */
const char *evox_flow_axis_to_string   (EvoxFlowAxis   axis);
gboolean    evox_flow_axis_from_string (const char    *text,
                                        EvoxFlowAxis  *axis);

/* The default stopping rule: ||b - A c||_2 <= 1e-6 ||b||_2 (see evox-tortuosity.c). */
#define EVOX_TORTUOSITY_DEFAULT_TOLERANCE 1e-6

/* What the conjugate gradient is preconditioned with: a symmetric multigrid V-cycle on
 * aggregates of 2 x 2 x 2 voxels (the default; iterations grow slowly with the size) or the
 * diagonal (Jacobi; less memory, iterations grow with the length along the axis). */
typedef enum
{
  EVOX_TORTUOSITY_MULTIGRID,
  EVOX_TORTUOSITY_JACOBI,
} EvoxTortuosityPreconditioner;

/* The mask value of the second phase's voxels (with params->second_phase). */
#define EVOX_TORTUOSITY_SECOND_PHASE 2

typedef struct
{
  EvoxFlowAxis axis;
  EvoxTortuosityPreconditioner preconditioner;
  double       tolerance;           /* relative residual to stop at, > 0 and < 1 */
  guint        max_iterations;      /* 0: 20 (nx + ny + nz) + 1000 */
  gboolean     keep_concentration;  /* keep the concentration field as a volume */
  gboolean     keep_flux;           /* keep the flux magnitude as a volume */
  /* A second, less conductive phase (the carbon-binder domain's own pores): its voxels conduct
   * with the relative diffusivity second_diffusivity, in [0, 1] (0: not at all, the one-phase
   * result of the first phase). evox_tortuosity_compute takes it as the stored values
   * second_lo <= v <= second_hi; evox_tortuosity_compute_mask as the mask value
   * EVOX_TORTUOSITY_SECOND_PHASE. */
  gboolean     second_phase;
  double       second_diffusivity;
  double       second_lo;
  double       second_hi;
  /* The voxel's edges along x, y and z in any one unit (only their ratios count); all three 0
   * (evox_tortuosity_params_init): cubes. Anisotropic voxels change the face conductances (see
   * below); evox_tortuosity_compute takes the volume's spacing when this is unset and the
   * volume's voxel size is known. */
  double       spacing[3];
} EvoxTortuosityParams;

/* axis x, multigrid, the default tolerance, the default cap, no fields kept, one phase. */
void evox_tortuosity_params_init (EvoxTortuosityParams *params);

/* The result of one solve (immutable). The phase is a voxel mask of voxels h_x x h_y x h_z
 * (params->spacing; cubes when unset, TauFactor's Solver). Concentration 1 is held on the
 * face before the first layer along the axis and 0 on the face after the last, half a voxel from
 * the centres of the boundary voxels (conductance 2 between those centres and the face);
 * every other face of the volume and every face between the phase and the rest carries no flux.
 * Two phase voxels adjacent along axis d are joined by conductance (h_a / h_d)^2 (D = 1), a the
 * flow axis: D times the face's area over the distance between the centres, h_x h_y h_z / h_d^2,
 * divided by h_x h_y h_z / h_a^2 so that faces across the flow conduct 1 as with cubes
 * (TauFactor's AnisotropicSolver: Ky = (dx / dy)^2, Kz = (dx / dz)^2). Only the voxels of the
 * 6-connected parts of the phase that touch both faces are solved for: other parts cannot carry
 * a steady flux, and the solution is the same with or without them.
 *
 *   porosity = phase voxels / all voxels (isolated and dead-end parts included)
 *   D_eff / D = F L / (A dC),  F the flux through the volume (the mean of the flux in and the
 *               flux out), L the voxels along the axis, A the voxels of a cross-section, dC = 1
 *               (in physical units F h_b h_c / h_a, L n_a h_a and A n_b h_b n_c h_c: the
 *               spacing cancels, so this is D_eff / D in lengths of nm as well)
 *   tau = porosity / (D_eff / D)
 *
 * A phase that does not connect the two faces gives a result that is not percolating: D_eff 0,
 * tau INFINITY, fluxes 0, no iterations, and a reason.
 *
 * With a second phase of relative diffusivity D2 (params->second_phase; TauFactor's
 * MultiPhaseSolver with conductivities 1 and D2): both phases conduct; the face between two
 * voxels conducts the harmonic mean 2 D_i D_j / (D_i + D_j) of their diffusivities (1, D2 or
 * 2 D2 / (1 + D2)), a voxel and a fixed face 2 D_i. The unknowns are the parts of the union
 * joined to both faces (of the first phase alone when D2 = 0).
 *
 *   porosity        = first-phase voxels / all voxels
 *   second_fraction = second-phase voxels / all voxels
 *   D_mean          = porosity + D2 second_fraction (TauFactor's D_mean)
 *   D_eff / D       = F L / (A dC) as above, D the first phase's diffusivity
 *   tau             = D_mean / (D_eff / D) (TauFactor's tau; porosity / (D_eff / D) with one
 *                     phase, where D_mean = porosity) */
#define EVOX_TYPE_TORTUOSITY (evox_tortuosity_get_type ())
G_DECLARE_FINAL_TYPE (EvoxTortuosity, evox_tortuosity, EVOX, TORTUOSITY, GObject)

/* Solves on mask (dims[0] * dims[1] * dims[2] bytes, x fastest, nonzero = the phase; with a
 * second phase, EVOX_TORTUOSITY_SECOND_PHASE = the second phase, other nonzero the first) with
 * every OpenMP thread: a preconditioned conjugate gradient (params->preconditioner), matrix-free, on
 * the connected voxels only, from the linear profile along the axis. Fails with
 * EVOX_ERROR_ARGUMENT on a tolerance that is not in (0, 1), a second diffusivity not in [0, 1],
 * a spacing that is neither all 0 nor three finite lengths above 0,
 * a volume one voxel thick along the axis or no conducting voxels; EVOX_ERROR_TOO_LARGE when the work arrays do not fit the
 * memory cap; EVOX_ERROR_FAILED when the iteration cap is reached first (the message gives the
 * residual reached); G_IO_ERROR_CANCELLED when cancelled.
 * @progress: stages "Finding connected paths" and "Solving diffusion". */
EvoxTortuosity *evox_tortuosity_compute_mask   (const guint8               *mask,
                                                const gsize                 dims[3],
                                                const EvoxTortuosityParams *params,
                                                EvoxProgress               *progress,
                                                GCancellable               *cancellable,
                                                GError                    **error);
/* The phase lo <= v <= hi of channel (stored values, as EvoxPhase ranges; a voxel also in the
 * second phase's range is the first phase's); fields kept take the volume's grid (spacing and
 * origin). Fails as above, and with EVOX_ERROR_ARGUMENT on lo > hi or NaN edges of either
 * range. */
EvoxTortuosity *evox_tortuosity_compute        (EvoxVolume                 *volume,
                                                guint                       channel,
                                                double                      lo,
                                                double                      hi,
                                                const EvoxTortuosityParams *params,
                                                EvoxProgress               *progress,
                                                GCancellable               *cancellable,
                                                GError                    **error);
void            evox_tortuosity_compute_async  (EvoxVolume                 *volume,
                                                guint                       channel,
                                                double                      lo,
                                                double                      hi,
                                                const EvoxTortuosityParams *params,
                                                EvoxProgress               *progress,
                                                GCancellable               *cancellable,
                                                GAsyncReadyCallback         callback,
                                                gpointer                    user_data);
EvoxTortuosity *evox_tortuosity_compute_finish (GAsyncResult               *result,
                                                GError                    **error);

EvoxFlowAxis    evox_tortuosity_get_axis       (EvoxTortuosity *self);
double          evox_tortuosity_get_tolerance  (EvoxTortuosity *self);
gboolean        evox_tortuosity_get_percolating (EvoxTortuosity *self);
/* Why the phase does not percolate; NULL when it does. */
const char     *evox_tortuosity_get_reason     (EvoxTortuosity *self);
double          evox_tortuosity_get_porosity   (EvoxTortuosity *self);
/* With a second phase: its volume fraction and relative diffusivity (0 and 0 without), and
 * D_mean = porosity + D2 second_fraction (the porosity without). */
double          evox_tortuosity_get_second_fraction (EvoxTortuosity *self);
double          evox_tortuosity_get_second_diffusivity (EvoxTortuosity *self);
double          evox_tortuosity_get_mean_diffusivity (EvoxTortuosity *self);
/* Share of the conducting voxels that are connected to both faces (0 when not percolating). */
double          evox_tortuosity_get_connected_fraction (EvoxTortuosity *self);
/* D_eff / D; 0 when not percolating. */
double          evox_tortuosity_get_effective_diffusivity (EvoxTortuosity *self);
/* D_mean / (D_eff / D); INFINITY when not percolating. */
double          evox_tortuosity_get_tau        (EvoxTortuosity *self);
/* Flux through the face at concentration 1 and the face at 0, in units of D dC times the voxel
 * volume over the square of its edge along the axis (h_x h_y h_z / h_a^2: the voxel edge for
 * cubes; the sum over boundary voxels of 2 D_i (1 - c) and 2 D_i c). */
double          evox_tortuosity_get_flux_in    (EvoxTortuosity *self);
double          evox_tortuosity_get_flux_out   (EvoxTortuosity *self);
guint64         evox_tortuosity_get_n_unknowns (EvoxTortuosity *self);
guint           evox_tortuosity_get_n_iterations (EvoxTortuosity *self);
/* ||b - A c|| / ||b|| after each iteration, the start first (n_iterations + 1 values). */
const double   *evox_tortuosity_get_residual_history (EvoxTortuosity *self,
                                                      guint          *n_values);
/* The last value of the history. */
double          evox_tortuosity_get_residual   (EvoxTortuosity *self);
/* The spacing the solve used (params->spacing, or the volume's); FALSE and 1, 1, 1 for cubes
 * (none given, or the volume's voxel size unknown). */
gboolean        evox_tortuosity_get_spacing    (EvoxTortuosity *self,
                                                double          spacing[3]);
/* transfer none, NULL unless asked for: f32 volumes of the mask's dims. The concentration is
 * in [0, 1] on the connected voxels and NaN elsewhere; the flux magnitude (units of D dC per
 * voxel edge along the flow axis: a face flux across axis d counts (h_a / h_d) times its
 * concentration difference times its class's conductance) is the length of the vector of mean face fluxes per axis on the connected voxels,
 * 0 on the rest of the conducting voxels (both phases; the first alone when D2 = 0) and NaN
 * elsewhere. */
EvoxVolume     *evox_tortuosity_get_concentration (EvoxTortuosity *self);
EvoxVolume     *evox_tortuosity_get_flux_magnitude (EvoxTortuosity *self);

/* The flux magnitude of evox_tortuosity_get_flux_magnitude into flux (f32, the mask's dims),
 * from a kept concentration field and the mask and params the solve was given (their axis,
 * second_phase, second_diffusivity and spacing; evox_tortuosity_get_spacing's when the solve
 * took the volume's): the voxels with a concentration are the connected ones.
 * The solve computes its own flux the same way, from the f32 concentration, so the two are the
 * same bit for bit; what lets a caller keep one field instead of two. */
void            evox_tortuosity_flux_from_concentration (const float                *concentration,
                                                         const guint8               *mask,
                                                         const gsize                 dims[3],
                                                         const EvoxTortuosityParams *params,
                                                         float                      *flux);

G_END_DECLS
