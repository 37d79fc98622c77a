/* evox-tomo-spectral.c: multi-energy tilt series: per-angle registration across energies, the
 * geometry check, and one reconstruction per energy with shared jitter shifts. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "evox-tomo-pipeline.h"

#include "evox-types.h"

/* Placeholder until the multi-energy helper lands (issue 16). */
EvoxVolume *
evox_tomo_run_spectral (EvoxTiltSeries          **series,
                        guint                     n,
                        const EvoxTomoOptions    *options,
                        EvoxTomoReport          **report,
                        EvoxTomoReportFunc        func,
                        gpointer                  user_data,
                        EvoxProgress             *progress,
                        GCancellable             *cancellable,
                        GError                  **error)
{
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED, "multi-energy reconstruction: not yet");
  return NULL;
}
