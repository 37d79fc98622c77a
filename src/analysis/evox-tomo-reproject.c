/* evox-tomo-reproject.c: reprojection alignment and the sharpness search for the rotation
 * centre. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "evox-tomo.h"

#include <math.h>
#include <string.h>

#include "evox-types.h"

void
evox_tomo_reproject_options_init (EvoxTomoReprojectOptions *options)
{
  memset (options, 0, sizeof *options);
  options->iterations = 5;
  options->tolerance = 0.05;
  options->levels = 0;
  options->upsample = 20;
  options->sirt_iterations = 0;
  options->filter = EVOX_RECON_FILTER_SHEPP_LOGAN;
}

/* Placeholder until the reprojection helper lands (issue 16). */
gboolean
evox_tomo_align_reproject (const EvoxTiltSeries            *series,
                           const EvoxTomoReprojectOptions  *options,
                           double                           center,
                           double                          *dx,
                           double                          *dy,
                           EvoxTomoIterationFunc            func,
                           gpointer                         user_data,
                           EvoxProgress                    *progress,
                           GCancellable                    *cancellable,
                           GError                         **error)
{
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED, "reprojection alignment: not yet");
  return FALSE;
}

gboolean
evox_tomo_center_search (const EvoxTiltSeries  *series,
                         double                 guess,
                         double                 radius,
                         guint                  n_slices,
                         double                *center,
                         GArray                *scan_center,
                         GArray                *scan_score,
                         GCancellable          *cancellable,
                         GError               **error)
{
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED, "centre search: not yet");
  return FALSE;
}
