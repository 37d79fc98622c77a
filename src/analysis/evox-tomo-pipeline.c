/* evox-tomo-pipeline.c: the steps from a tilt series to a reconstructed volume, shared by the
 * window and `evox reconstruct`: jitter alignment, the rotation centre, the reconstruction and the
 * quality report. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "evox-tomo-pipeline.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evox-types.h"

#define SIRT_DEFAULT_ITERATIONS 50

void
evox_tomo_options_init (EvoxTomoOptions *options)
{
  memset (options, 0, sizeof *options);
  options->align = EVOX_TOMO_ALIGN_FAST;
  evox_tomo_reproject_options_init (&options->reproject);
  options->center = NAN;
  options->center_search = TRUE;
  options->recon.filter = EVOX_RECON_FILTER_RAMP;
  options->recon.center = NAN;
  options->recon.sirt_iterations = 0;
  options->fsc = TRUE;
}

/* "NAME" or "NAME:N" with N a whole number >= 1; *n untouched without the suffix. */
static gboolean
parse_counted (const char  *text,
               const char  *name,
               guint       *n,
               gboolean    *matched,
               GError     **error)
{
  gsize len = strlen (name);
  char *end = NULL;
  guint64 value;

  *matched = FALSE;
  if (strncmp (text, name, len) != 0 || (text[len] != '\0' && text[len] != ':'))
    return TRUE;
  *matched = TRUE;
  if (text[len] == '\0')
    return TRUE;
  errno = 0;
  value = g_ascii_strtoull (text + len + 1, &end, 10);
  if (errno != 0 || end == text + len + 1 || *end != '\0' || value < 1 || value > 100000)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "'%s': the count after '%s:' must be a whole number from 1 to 100000",
                   text, name);
      return FALSE;
    }
  *n = (guint) value;
  return TRUE;
}

gboolean
evox_tomo_align_parse (const char      *text,
                       EvoxTomoOptions *options,
                       GError         **error)
{
  gboolean matched;

  if (g_strcmp0 (text, "none") == 0)
    options->align = EVOX_TOMO_ALIGN_NONE;
  else if (g_strcmp0 (text, "fast") == 0)
    options->align = EVOX_TOMO_ALIGN_FAST;
  else
    {
      if (!parse_counted (text, "reproject", &options->reproject.iterations, &matched, error))
        return FALSE;
      if (!matched)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "unknown alignment '%s' (none, fast, reproject or reproject:N)", text);
          return FALSE;
        }
      options->align = EVOX_TOMO_ALIGN_REPROJECT;
    }
  return TRUE;
}

gboolean
evox_tomo_algorithm_parse (const char      *text,
                           EvoxTomoOptions *options,
                           GError         **error)
{
  gboolean matched;
  guint n = SIRT_DEFAULT_ITERATIONS;

  if (g_strcmp0 (text, "fbp") == 0)
    {
      options->recon.sirt_iterations = 0;
      return TRUE;
    }
  if (!parse_counted (text, "sirt", &n, &matched, error))
    return FALSE;
  if (!matched)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "unknown algorithm '%s' (fbp, sirt or sirt:N)", text);
      return FALSE;
    }
  options->recon.sirt_iterations = n;
  return TRUE;
}

static const char *const filter_names[] = { "ramp", "shepp-logan", "hann" };

gboolean
evox_tomo_filter_parse (const char      *text,
                        EvoxReconFilter *filter,
                        GError         **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (filter_names); i++)
    if (g_strcmp0 (text, filter_names[i]) == 0)
      {
        *filter = (EvoxReconFilter) i;
        return TRUE;
      }
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
               "unknown filter '%s' (ramp, shepp-logan or hann)", text);
  return FALSE;
}

const char *
evox_tomo_filter_to_string (EvoxReconFilter filter)
{
  g_return_val_if_fail ((guint) filter < G_N_ELEMENTS (filter_names), "ramp");
  return filter_names[filter];
}

static const char *
align_name (EvoxTomoAlign align)
{
  switch (align)
    {
    case EVOX_TOMO_ALIGN_NONE:
      return "none";
    case EVOX_TOMO_ALIGN_FAST:
      return "fast";
    case EVOX_TOMO_ALIGN_REPROJECT:
      return "reproject";
    default:
      return "?";
    }
}

static void
notify (EvoxTomoReportFunc    func,
        gpointer              user_data,
        const EvoxTomoReport *report)
{
  if (func != NULL)
    func (report, user_data);
}

/* Records what was done on the volume, so `evox info` and the window can say it. */
static void
set_recon_metadata (EvoxVolume            *volume,
                    const EvoxTomoOptions *options,
                    const EvoxTomoReport  *report)
{
  char text[64];

  evox_volume_set_metadata (volume, "tomo_alignment", align_name (options->align));
  g_ascii_formatd (text, sizeof text, "%.3f", report->center);
  evox_volume_set_metadata (volume, "tomo_center", text);
  if (options->recon.sirt_iterations > 0)
    {
      g_snprintf (text, sizeof text, "sirt:%u", options->recon.sirt_iterations);
      evox_volume_set_metadata (volume, "tomo_algorithm", text);
    }
  else
    {
      evox_volume_set_metadata (volume, "tomo_algorithm", "fbp");
      evox_volume_set_metadata (volume, "tomo_filter",
                                evox_tomo_filter_to_string (options->recon.filter));
    }
}

EvoxVolume *
evox_tomo_run (EvoxTiltSeries         *series,
               const EvoxTomoOptions  *options,
               EvoxTomoReport        **report_out,
               EvoxTomoReportFunc      func,
               gpointer                user_data,
               EvoxProgress           *progress,
               GCancellable           *cancellable,
               GError                **error)
{
  g_autoptr (EvoxTomoReport) report = NULL;
  g_autoptr (EvoxVolume) volume = NULL;
  EvoxReconParams params;
  gint64 start = g_get_monotonic_time ();
  gboolean align = options->align != EVOX_TOMO_ALIGN_NONE;

  g_return_val_if_fail (series != NULL && options != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  report = evox_tomo_report_new (series->n_angles, series->theta);
  if (!isnan (options->center)
      && (!isfinite (options->center) || options->center < 0.0
          || options->center > series->nx - 1.0))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "rotation centre %g is outside the detector (0 to %u pixels)",
                   options->center, series->nx - 1);
      return NULL;
    }

  if (align)
    {
      double center = NAN;

      evox_progress_set_stage (progress, "Aligning (first pass)", 0.0, 0.05);
      if (!evox_tomo_align_fast (series, report->fast_dx, report->fast_dy, &center,
                                 &report->fast_rms, error))
        return NULL;
      report->center_fit = center;
      memcpy (report->dx, report->fast_dx, series->n_angles * sizeof (double));
      memcpy (report->dy, report->fast_dy, series->n_angles * sizeof (double));
      notify (func, user_data, report);
      /* TODO(issue 16, pipeline helper): reprojection iterations, the sharpness search, FSC. */
      evox_tomo_shift (series, report->dx, report->dy);
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  if (!isnan (options->center))
    report->center = options->center;
  else if (align && isfinite (report->center_fit) && report->center_fit >= 0.0
           && report->center_fit <= series->nx - 1.0)
    report->center = report->center_fit;
  else
    report->center = (series->nx - 1) / 2.0;
  notify (func, user_data, report);

  params = options->recon;
  params.center = report->center;
  evox_progress_set_stage (progress, "Reconstructing", 0.05, 1.0);
  evox_progress_push (progress, 0.05, 1.0);
  volume = evox_tomo_reconstruct (series, &params, progress, cancellable, error);
  evox_progress_pop (progress);
  if (volume == NULL)
    return NULL;
  set_recon_metadata (volume, options, report);
  report->seconds = (g_get_monotonic_time () - start) / 1e6;
  notify (func, user_data, report);
  if (report_out != NULL)
    *report_out = g_steal_pointer (&report);
  return g_steal_pointer (&volume);
}
