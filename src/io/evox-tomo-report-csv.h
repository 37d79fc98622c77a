/* evox-tomo-report-csv.h: the reconstruction quality report as CSV: shifts per projection, the
 * residual per reprojection iteration, the centre, the odd/even FSC and the per-energy shifts. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>
#include "evox-tomo-report.h"

G_BEGIN_DECLS

/* The file (numbers in the C locale, the shortest text that reads back as the same double; "nan"
 * for a figure not computed):
 *   # evox reconstruction report
 *   # key,value
 *   # center,C  (and center_fit, fast_rms, resolution_half_bit, resolution_fixed,
 *                resolution_unit nm|voxel, seconds, n_angles, n_iterations; reference_ev and
 *                n_energies for a multi-energy series)
 * then sections, each a header row and its rows, ended by two blank lines (gnuplot's `index`):
 *   index,theta_deg,dx,dy,fast_dx,fast_dy                  a row per angle, shifts in pixels
 *   level,iteration,residual,update_rms                    a row per reprojection iteration
 *   center,score                                           the centre search, in order tried
 *   frequency,fsc,n_voxels,half_bit_threshold              odd/even FSC, a row per shell
 * and with several energies:
 *   energy_ev,index,theta_deg,dx,dy,outlier                a row per energy and angle
 *   energy_ev,scale,fit_a,fit_b,fit_c,fit_dy,fit_rms,n_outliers   a row per energy
 * Sections with nothing to say keep their header row, so each keeps its index.
 * Written to a temporary file beside path and renamed; an existing path is refused
 * (EVOX_ERROR_EXISTS) unless force. */
gboolean evox_tomo_report_write_csv (const EvoxTomoReport  *report,
                                     const char            *path,
                                     gboolean               force,
                                     GError               **error);

G_END_DECLS
