/* evox-tomo-pipeline.h: a tilt series to an aligned, reconstructed volume with its quality report,
 * in the steps the window and `evox reconstruct` share; and the same for a multi-energy series. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>

#include "evox-tomo.h"
#include "evox-tomo-report.h"

G_BEGIN_DECLS

typedef enum
{
  EVOX_TOMO_ALIGN_NONE,
  EVOX_TOMO_ALIGN_FAST,       /* row-sum profiles and the centre-of-mass sinusoid */
  EVOX_TOMO_ALIGN_REPROJECT,  /* the fast pass, then reprojection iterations */
} EvoxTomoAlign;

typedef struct
{
  EvoxTomoAlign             align;
  EvoxTomoReprojectOptions  reproject;
  double                    center;        /* NaN: automatic (the fit's, refined by the
                                            * sharpness search; the middle without alignment) */
  gboolean                  center_search; /* refine an automatic centre by sharpness; TRUE */
  EvoxReconParams           recon;         /* filter and SIRT iterations (its center unused) */
  gboolean                  fsc;           /* odd/even angle reconstructions and their FSC; TRUE */
} EvoxTomoOptions;

/* align FAST, reprojection defaults, centre automatic with search, ramp FBP, FSC on. */
void         evox_tomo_options_init   (EvoxTomoOptions          *options);

/* "none", "fast", "reproject", "reproject:N" (N >= 1 iterations). */
gboolean     evox_tomo_align_parse    (const char               *text,
                                       EvoxTomoOptions          *options,
                                       GError                  **error);
/* "fbp", "sirt", "sirt:N" (N >= 1; "sirt" is 50). */
gboolean     evox_tomo_algorithm_parse (const char              *text,
                                        EvoxTomoOptions         *options,
                                        GError                 **error);
/* "ramp", "shepp-logan", "hann". */
gboolean     evox_tomo_filter_parse   (const char               *text,
                                       EvoxReconFilter          *filter,
                                       GError                  **error);
const char  *evox_tomo_filter_to_string (EvoxReconFilter         filter);

/* Called on the worker thread whenever the report has grown (after the fast pass, each
 * reprojection iteration, the centre search, the FSC). The report is the live one: read it during
 * the call only (evox_tomo_report_copy to keep it). */
typedef void (*EvoxTomoReportFunc) (const EvoxTomoReport *report,
                                    gpointer              user_data);

/* Aligns series as options say (shifting its projections in place), finds the centre, and
 * reconstructs it (evox_tomo_reconstruct). *report (may be NULL) receives a new report. The
 * volume's metadata records what was done (alignment, centre, algorithm, filter). Cancellable;
 * errors: EVOX_ERROR_ARGUMENT for a centre outside the detector or fewer than 2 angles (3 for
 * alignment), G_IO_ERROR_CANCELLED; the series may then be partly shifted. */
EvoxVolume  *evox_tomo_run            (EvoxTiltSeries           *series,
                                       const EvoxTomoOptions    *options,
                                       EvoxTomoReport          **report,
                                       EvoxTomoReportFunc        func,
                                       gpointer                  user_data,
                                       EvoxProgress             *progress,
                                       GCancellable             *cancellable,
                                       GError                  **error);

/* A multi-energy series (n >= 2 tilt series with the same angles and sizes, energy_ev set,
 * ascending energy): each energy's projections registered angle by angle onto the reference
 * energy's (the highest; scale from the energy ratio, translation by upsampled phase
 * correlation), the shifts checked by evox_tomo_shift_fit (report->energies), then the reference
 * aligned and every energy reconstructed with the reference's jitter shifts and centre. The
 * result is one f32 volume with a channel per energy (channel info with the energy, ascending),
 * ready for XANES maps. Errors as evox_tomo_run, plus EVOX_ERROR_ARGUMENT for series that do not
 * match (angles within 0.01 degree, sizes). */
EvoxVolume  *evox_tomo_run_spectral   (EvoxTiltSeries          **series,
                                       guint                     n,
                                       const EvoxTomoOptions    *options,
                                       EvoxTomoReport          **report,
                                       EvoxTomoReportFunc        func,
                                       gpointer                  user_data,
                                       EvoxProgress             *progress,
                                       GCancellable             *cancellable,
                                       GError                  **error);

G_END_DECLS
