/* evox-tomo-report-csv.c: the reconstruction quality report as CSV. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "evox-tomo-report-csv.h"

#include "evox-types.h"

/* Placeholder until the pipeline helper lands (issue 16). */
gboolean
evox_tomo_report_write_csv (const EvoxTomoReport  *report,
                            const char            *path,
                            gboolean               force,
                            GError               **error)
{
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED, "%s: quality report: not yet", path);
  return FALSE;
}
