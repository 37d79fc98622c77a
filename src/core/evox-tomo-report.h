/* evox-tomo-report.h: what a reconstruction did and how good its alignment is: shifts per
 * projection, the residual per reprojection iteration, the rotation centre, the odd/even Fourier
 * shell correlation and, for multi-energy series, the per-angle registration across energies. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One reprojection iteration. */
typedef struct
{
  guint  level;       /* 0: the coarsest */
  guint  iteration;   /* within its level, from 0 */
  double residual;    /* RMS projection - reprojection, optical density */
  double update_rms;  /* RMS shift update, pixels of the input */
} EvoxTomoIteration;

/* One energy of a multi-energy series: its shifts onto the reference energy's projections, per
 * angle, and the geometry check dx(theta) = a cos theta + b sin theta + c, dy constant. */
typedef struct
{
  double    energy_ev;
  double    scale;        /* magnification applied onto the reference (1 for the reference) */
  double   *dx;           /* n_angles, pixels: the measured shifts */
  double   *dy;
  gboolean *outlier;      /* n_angles: flagged by the fit (the fit's prediction is applied
                           * there instead of dx, dy) */
  double    fit_a, fit_b, fit_c, fit_dy;
  double    fit_rms;      /* the quality figure, pixels; NaN for the reference */
  guint     n_outliers;
} EvoxTomoEnergyShifts;

typedef struct
{
  guint      n_angles;
  double    *theta;        /* radians */
  double    *dx;           /* the shifts finally applied to every projection, pixels of the
                            * input (after binning); zeros when not aligned */
  double    *dy;
  double    *fast_dx;      /* after the first pass; NaN when it did not run */
  double    *fast_dy;
  double     fast_rms;     /* RMS residual of the centre-of-mass fit before correction; NaN */
  double     center;       /* the rotation centre used, detector pixels; NaN until known */
  double     center_fit;   /* from the centre-of-mass fit; NaN when not run */
  GArray    *iterations;   /* EvoxTomoIteration, in the order run */
  GArray    *center_scan;  /* double pairs (centre, score) of the sharpness search, in order */

  /* Odd/even FSC: n_shells 0 when not computed. Frequencies in cycles per nm when per_nm. */
  guint      n_shells;
  double    *fsc_frequency;
  double    *fsc;
  guint     *fsc_n_voxels;
  gboolean   fsc_per_nm;
  double     resolution_half_bit;  /* nm (or voxels); NaN when the curve never crosses */
  double     resolution_fixed;     /* the 1/7 threshold */

  /* Multi-energy series: n_energies 0 for one energy. */
  guint                 n_energies;
  double                reference_ev;
  EvoxTomoEnergyShifts *energies;

  double     seconds;      /* wall time of the whole run */
} EvoxTomoReport;

/* Arrays per angle allocated, shifts zero, fast_* NaN, every figure NaN, no FSC, no energies. */
EvoxTomoReport *evox_tomo_report_new          (guint                  n_angles,
                                               const double          *theta);
EvoxTomoReport *evox_tomo_report_copy         (const EvoxTomoReport  *self);
void            evox_tomo_report_free         (EvoxTomoReport        *self);
/* Replaces the FSC arrays with copies of these n. */
void            evox_tomo_report_set_fsc      (EvoxTomoReport        *self,
                                               guint                  n,
                                               const double          *frequency,
                                               const double          *fsc,
                                               const guint           *n_voxels,
                                               gboolean               per_nm);
/* Allocates n energies (each with its per-angle arrays zeroed, figures NaN). */
void            evox_tomo_report_set_energies (EvoxTomoReport        *self,
                                               guint                  n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxTomoReport, evox_tomo_report_free)

G_END_DECLS
