/* evox-tomo-report-csv.h: the reconstruction quality report as CSV: shifts per projection, the
 * residual per reprojection iteration, the centre, the odd/even FSC and the per-energy shifts. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>
#include "evox-tomo-report.h"

G_BEGIN_DECLS

/* Written to a temporary file beside path and renamed; an existing path is refused
 * (EVOX_ERROR_EXISTS) unless force. */
gboolean evox_tomo_report_write_csv (const EvoxTomoReport  *report,
                                     const char            *path,
                                     gboolean               force,
                                     GError               **error);

G_END_DECLS
