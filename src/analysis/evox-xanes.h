/* evox-xanes.h: XANES normalisation as Larch's pre_edge defines it, for one spectrum and for
 * every voxel of a spectral stack (edge energy, white line and edge step maps). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>

#include "evox-progress.h"
#include "evox-volume.h"

G_BEGIN_DECLS

#define EVOX_XANES_MAX_NNORM 2

typedef struct
{
  double e0;      /* NaN: found from the data (maximum of the smoothed derivative) */
  double pre1;    /* pre-edge range relative to E0, eV, clipped to the data; -150 */
  double pre2;    /* -30 */
  double norm1;   /* post-edge range relative to E0, eV; 50 */
  double norm2;   /* NaN: to the last energy; clipped to the data */
  int    nnorm;   /* -1: by the post-edge span as Larch chooses (< 30 eV 0, < 300 eV 1, else 2) */
  double mask_k;  /* a spectrum is in the mask when edge_step > mask_k * step_error, a one-sided
                   * test at mask_k standard errors of the step; 3 */
  double edge;    /* NaN: none. A tabulated edge energy (eV, evox_edge_parse): the stack must span
                   * it (EVOX_ERROR_ARGUMENT otherwise), and the stack's E0 is searched on the mean
                   * spectrum near it rather than over the whole range */
  gboolean with_norm; /* evox_xanes_maps also returns the normalised stack: after the maps, one
                       * channel per energy, labelled "norm <E> eV", carrying that energy */
} EvoxXanesParams;

typedef struct
{
  double  e0;                 /* the E0 used (given or found), moved onto the nearest energy */
  double  edge_step;          /* post (E0) - pre (E0) */
  double  pre_slope;          /* pre-edge line: pre (E) = pre_slope * E + pre_offset */
  double  pre_offset;
  int     nnorm;              /* degree of the post-edge polynomial used */
  double  post_coefs[EVOX_XANES_MAX_NNORM + 1];
                              /* mu - pre over the post-edge range ~ sum post_coefs[j] (E - e0)^j */
  double  half_step_energy;   /* where norm crosses 0.5 going up to the white line; NaN if never */
  double  whiteline_energy;   /* vertex of the parabola through the maximum of norm (E >= e0) */
  double  whiteline_height;   /* norm at that vertex */
  double  noise;              /* the noise of one sample: sqrt (SS / (n_pre - 2)) of the pre-edge
                               * line's residuals; below 10 degrees of freedom there, pooled
                               * with the post-edge fit's: sqrt ((SS_pre + SS_post) /
                               * (n_pre - 2 + n_post - nnorm - 1)); 0 with no degree left */
  double  step_error;         /* noise * sqrt (sum w_i^2), the step being sum w_i mu_i: its
                               * standard error for noise of that size on every sample */
  gboolean mask;              /* edge_step > mask_k * step_error */
  guint   n_pre;              /* points in the pre-edge and post-edge fits */
  guint   n_post;
  double *norm;               /* caller's buffer of n values, or NULL: (mu - pre) / edge_step */
} EvoxXanesResult;

void      evox_xanes_params_init (EvoxXanesParams       *params);

/* E0 as Larch's find_e0 finds it: a rough maximum of the derivative, refined on the derivative
 * smoothed by a Lorentzian of half width estep (0.01..1 eV) within 75 points of it, ignoring
 * max (3, 2 %) of the points at each end and peaks whose neighbours are not also high. Like
 * Larch it always answers once there are enough points (a featureless spectrum gives a point near
 * its start); NaN with EVOX_ERROR_ARGUMENT below 13 points (nothing left to search). */
double    evox_xanes_find_e0     (const double          *energy,
                                  const double          *mu,
                                  guint                  n,
                                  GError               **error);

/* Normalises one spectrum (energies strictly increasing, eV). Fails with EVOX_ERROR_ARGUMENT on
 * energies not strictly increasing, a range with fewer than 2 points (pre) or fewer than
 * nnorm + 1 and 2 points (post), or an E0 outside the energies; EVOX_ERROR_INVALID_DATA on
 * non-finite values, an edge not found, or an edge step that is zero. */
gboolean  evox_xanes_normalise   (const double          *energy,
                                  const double          *mu,
                                  guint                  n,
                                  const EvoxXanesParams *params,
                                  EvoxXanesResult       *result,
                                  GError               **error);

/* Per-voxel maps of a stack (four or more channels carrying energies, any sample type): a new f32
 * volume of the stack's dims and spacing with channels "edge_energy" (half-step), "e0" (each
 * voxel's own find_e0), "whiteline_energy", "whiteline_height", "edge_step", "mask" (0/1), then
 * with params->with_norm one "norm <E> eV" per energy (ascending, carrying it). All but the step
 * and the mask are NaN outside the mask; the step is NaN where a voxel cannot be normalised.
 * Quantities: the energies "energy" in "eV", the white line's height and the normalised stack
 * "normalised absorption", the step the stack's own, the mask "mask". One E0 for the whole stack
 * (params->e0; else the largest derivative of the mean spectrum within 20 eV of params->edge;
 * else find_e0 of the mean spectrum) sets the ranges, as Larch users do for maps, and ranges with
 * fewer than 2 energies are refused before any voxel is read (EVOX_ERROR_ARGUMENT), as is a
 * stack not spanning params->edge. Channels are sorted by energy (evox_energy_order); a repeated
 * energy or a channel without one is refused (EVOX_ERROR_INVALID_DATA). The volume's
 * metadata says what the stack was normalised with, as numbers: xanes_e0 (the E0 used, on its
 * nearest energy), xanes_edge (when params->edge is set), xanes_pre1, xanes_pre2, xanes_norm1,
 * xanes_norm2 (when set) as given, xanes_nnorm (the degree used) and xanes_mask_k. */
EvoxVolume *evox_xanes_maps      (EvoxVolume            *stack,
                                  const EvoxXanesParams *params,
                                  EvoxProgress          *progress,
                                  GCancellable          *cancellable,
                                  GError               **error);

G_END_DECLS
