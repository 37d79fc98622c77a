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

#include "evox-fsc.h"
#include "evox-types.h"

#define SIRT_DEFAULT_ITERATIONS 50
/* The sharpness search: this many slices, over guess +- radius pixels. The fit's centre is good
 * to a pixel or two on real data; the middle of the detector (no alignment) may be further off. */
#define SEARCH_SLICES 5
#define SEARCH_RADIUS_FIT 4.0
#define SEARCH_RADIUS_MIDDLE_FRACTION 0.125
/* Every whole pixel of the radius is a reconstruction of the search's slices: capped, so a wide
 * detector does not spend minutes here. */
#define SEARCH_RADIUS_MIDDLE_MAX 16.0

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

/* The reprojection iterations as the report records them. */
typedef struct
{
  EvoxTomoReport     *report;
  EvoxTomoReportFunc  func;
  gpointer            user_data;
} IterationClosure;

static void
on_iteration (guint         level,
              guint         iteration,
              double        residual,
              double        update_rms,
              const double *dx,
              const double *dy,
              gpointer      user_data)
{
  IterationClosure *closure = user_data;
  EvoxTomoReport *report = closure->report;
  EvoxTomoIteration it = { level, iteration, residual, update_rms };

  g_array_append_val (report->iterations, it);
  /* The plot of shifts against angle follows the iterations as they go (memmove: the
   * alignment may hand back the very arrays it was given, report->dx and dy). */
  memmove (report->dx, dx, report->n_angles * sizeof (double));
  memmove (report->dy, dy, report->n_angles * sizeof (double));
  notify (closure->func, closure->user_data, report);
}

/* The projections whose index has the parity `odd`: a half of the angles, still spread over
 * the half turn, for one of the two independent reconstructions the FSC compares. */
static EvoxTiltSeries *
half_series (const EvoxTiltSeries *series,
             guint                 odd,
             GError              **error)
{
  guint n = (series->n_angles + (odd ? 0 : 1)) / 2;
  gsize frame = (gsize) series->nx * series->ny;
  EvoxTiltSeries *half = evox_tilt_series_new (series->nx, series->ny, n, error);

  if (half == NULL)
    return NULL;
  for (guint i = 0; i < n; i++)
    {
      guint a = 2 * i + odd;

      half->theta[i] = series->theta[a];
      memcpy (half->data + i * frame, series->data + a * frame, frame * sizeof (float));
    }
  half->pixel_size_nm = series->pixel_size_nm;
  half->energy_ev = series->energy_ev;
  half->od = series->od;
  return half;
}

/* Odd/even FSC: both halves reconstructed by FBP about the same centre, their shell correlation
 * and the resolutions where it crosses the half-bit and 1/7 thresholds. Skipped (TRUE, no
 * curve) when the halves would have fewer than 2 angles or the volume is too small to have
 * shells. */
static gboolean
run_fsc (const EvoxTiltSeries  *series,
         const EvoxTomoOptions *options,
         EvoxTomoReport        *report,
         EvoxProgress          *progress,
         GCancellable          *cancellable,
         GError               **error)
{
  g_autoptr (EvoxVolume) even = NULL;
  g_autoptr (EvoxVolume) odd_volume = NULL;
  EvoxVolume **halves[2] = { &even, &odd_volume };
  EvoxReconParams params = { options->recon.filter, report->center, 0 };
  guint min_side = MIN (series->nx, series->ny);
  guint n_shells;
  g_autofree double *frequency = NULL;
  g_autofree double *fsc = NULL;
  g_autofree guint *n_voxels = NULL;
  double crossing, resolution;

  /* One row: a 2D ring correlation of the single slice (evox_fsc takes nz = 1). */
  if (series->ny == 1)
    min_side = series->nx;
  if (series->n_angles < 4 || min_side < 4)
    return TRUE;
  n_shells = min_side / 2;
  for (guint odd = 0; odd < 2; odd++)
    {
      g_autoptr (EvoxTiltSeries) half = half_series (series, odd, error);

      if (half == NULL)
        return FALSE;
      evox_progress_push (progress, odd * 0.5, odd * 0.5 + 0.5);
      *halves[odd] = evox_tomo_reconstruct (half, &params, progress, cancellable, error);
      evox_progress_pop (progress);
      if (*halves[odd] == NULL)
        return FALSE;
    }
  frequency = g_new (double, n_shells);
  fsc = g_new (double, n_shells);
  n_voxels = g_new (guint, n_shells);
  if (!evox_fsc (even, odd_volume, 0, n_shells, frequency, fsc, n_voxels, error))
    return FALSE;
  evox_tomo_report_set_fsc (report, n_shells, frequency, fsc, n_voxels,
                            evox_volume_get_spacing_known (even));
  report->resolution_half_bit = NAN;
  report->resolution_fixed = NAN;
  if (evox_fsc_resolution (frequency, fsc, n_voxels, n_shells, EVOX_FSC_THRESHOLD_HALF_BIT,
                           &crossing, &resolution))
    report->resolution_half_bit = resolution;
  if (evox_fsc_resolution (frequency, fsc, n_voxels, n_shells, EVOX_FSC_THRESHOLD_FIXED,
                           &crossing, &resolution))
    report->resolution_fixed = resolution;
  return TRUE;
}

/* The sharpness search about guess, its scan into the report. FALSE only for a real failure
 * (cancelled, say); a search that is not available, or no room for it on the detector, keeps
 * the guess. */
static gboolean
refine_center (const EvoxTiltSeries *series,
               double                guess,
               double                radius,
               EvoxTomoReport       *report,
               GCancellable         *cancellable,
               GError              **error)
{
  g_autoptr (GArray) scan_center = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) scan_score = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GError) local = NULL;
  double center = guess;

  /* The scan stays on the detector: the radius shrinks near its edges. */
  radius = MIN (radius, MIN (guess, series->nx - 1.0 - guess));
  radius = floor (radius);
  report->center = guess;
  if (radius < 1.0 || series->n_angles < 3)
    return TRUE;
  if (!evox_tomo_center_search (series, guess, radius, MIN (SEARCH_SLICES, series->ny), &center,
                                scan_center, scan_score, cancellable, &local))
    {
      if (g_error_matches (local, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED))
        {
          g_debug ("centre search skipped: %s", local->message);
          return TRUE;
        }
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_array_set_size (report->center_scan, 0);
  for (guint i = 0; i < scan_center->len && i < scan_score->len; i++)
    {
      g_array_append_val (report->center_scan, g_array_index (scan_center, double, i));
      g_array_append_val (report->center_scan, g_array_index (scan_score, double, i));
    }
  if (isfinite (center) && center >= 0.0 && center <= series->nx - 1.0)
    report->center = center;
  return TRUE;
}

/* Progress weights of the steps, in the order they run. */
enum { STEP_FAST, STEP_REPROJECT, STEP_SEARCH, STEP_RECON, STEP_FSC, N_STEPS };

static void
step_stage (EvoxProgress  *progress,
            const double  *bounds,
            guint          step,
            const char    *name)
{
  evox_progress_set_stage (progress, name, bounds[step], bounds[step + 1]);
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
  gboolean reproject = options->align == EVOX_TOMO_ALIGN_REPROJECT;
  gboolean search = isnan (options->center) && options->center_search;
  double weights[N_STEPS], bounds[N_STEPS + 1], total = 0.0;
  double guess, radius;

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

  /* Rough costs relative to one reconstruction: the odd/even halves make one more; SIRT costs
   * about one FBP per iteration. */
  weights[STEP_FAST] = align ? 0.02 : 0.0;
  weights[STEP_REPROJECT] = reproject ? 0.5 * MAX (options->reproject.iterations, 1) : 0.0;
  weights[STEP_SEARCH] = search ? 0.1 : 0.0;
  weights[STEP_RECON] = options->recon.sirt_iterations > 0
                          ? (double) options->recon.sirt_iterations : 1.0;
  weights[STEP_FSC] = options->fsc ? 1.0 : 0.0;
  bounds[0] = 0.0;
  for (guint i = 0; i < N_STEPS; i++)
    total += weights[i];
  for (guint i = 0; i < N_STEPS; i++)
    bounds[i + 1] = bounds[i] + weights[i] / total;
  bounds[N_STEPS] = 1.0;

  if (align)
    {
      double center = NAN;

      step_stage (progress, bounds, STEP_FAST, "Aligning (first pass)");
      if (!evox_tomo_align_fast (series, report->fast_dx, report->fast_dy, &center,
                                 &report->fast_rms, error))
        return NULL;
      report->center_fit = center;
      memcpy (report->dx, report->fast_dx, series->n_angles * sizeof (double));
      memcpy (report->dy, report->fast_dy, series->n_angles * sizeof (double));
      notify (func, user_data, report);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
    }

  /* The centre the alignment works with: the user's, the fit's, or the middle. */
  if (!isnan (options->center))
    guess = options->center;
  else if (align && isfinite (report->center_fit) && report->center_fit >= 0.0
           && report->center_fit <= series->nx - 1.0)
    guess = report->center_fit;
  else
    guess = (series->nx - 1) / 2.0;
  report->center = guess;

  if (reproject)
    {
      IterationClosure closure = { report, func, user_data };

      step_stage (progress, bounds, STEP_REPROJECT, "Aligning (reprojection)");
      evox_progress_push (progress, bounds[STEP_REPROJECT], bounds[STEP_REPROJECT + 1]);
      if (!evox_tomo_align_reproject (series, &options->reproject, guess, report->dx, report->dy,
                                      on_iteration, &closure, progress, cancellable, error))
        {
          evox_progress_pop (progress);
          return NULL;
        }
      evox_progress_pop (progress);
      notify (func, user_data, report);
    }
  if (align)
    evox_tomo_shift (series, report->dx, report->dy);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  if (search)
    {
      radius = align && guess == report->center_fit
                 ? SEARCH_RADIUS_FIT
                 : MIN (SEARCH_RADIUS_MIDDLE_FRACTION * series->nx, SEARCH_RADIUS_MIDDLE_MAX);
      step_stage (progress, bounds, STEP_SEARCH, "Finding the rotation centre");
      if (!refine_center (series, guess, radius, report, cancellable, error))
        return NULL;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
    }
  notify (func, user_data, report);

  params = options->recon;
  params.center = report->center;
  step_stage (progress, bounds, STEP_RECON, "Reconstructing");
  evox_progress_push (progress, bounds[STEP_RECON], bounds[STEP_RECON + 1]);
  volume = evox_tomo_reconstruct (series, &params, progress, cancellable, error);
  evox_progress_pop (progress);
  if (volume == NULL)
    return NULL;

  if (options->fsc)
    {
      step_stage (progress, bounds, STEP_FSC, "Resolution (odd and even angles)");
      evox_progress_push (progress, bounds[STEP_FSC], bounds[STEP_FSC + 1]);
      if (!run_fsc (series, options, report, progress, cancellable, error))
        {
          evox_progress_pop (progress);
          return NULL;
        }
      evox_progress_pop (progress);
    }
  set_recon_metadata (volume, options, report);
  report->seconds = (g_get_monotonic_time () - start) / 1e6;
  notify (func, user_data, report);
  if (report_out != NULL)
    *report_out = g_steal_pointer (&report);
  return g_steal_pointer (&volume);
}
