/* evox-tomo-spectral.c: multi-energy tilt series: per-angle registration across energies, the
 * geometry check, and one reconstruction per energy with shared jitter shifts. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-tomo-pipeline.h"

#include <math.h>
#include <string.h>

#include "evox-register.h"
#include "evox-types.h"

/* Angles of two energies closer than this (degrees) are one angle. */
#define ANGLE_TOLERANCE_DEG 0.01
/* Nominal scales further from 1 than this are refused, as evox-register.c refuses them: a TXM's
 * magnification changes by a few percent over an edge scan, so a wrong energy or unit made them. */
#define MAX_NOMINAL_SCALE 2.0
/* The share of the progress bar the registration takes; the reconstructions share the rest. */
#define REGISTER_WEIGHT 0.2

/* The magnification that maps energy e's projections onto the reference's grid, by the rule
 * evox-register.c's nominal scale uses: the pixel-size ratio when the pixel sizes differ, else
 * the energy ratio (a TXM's magnification, hence its pixel size, grows with the energy). */
static double
nominal_scale (EvoxTiltSeries * const *series,
               guint                   n,
               guint                   e,
               guint                   ref)
{
  double ref_ps = series[ref]->pixel_size_nm;
  gboolean differ = FALSE;

  for (guint i = 0; i < n; i++)
    if (series[i]->pixel_size_nm > 0 && ref_ps > 0
        && fabs (series[i]->pixel_size_nm - ref_ps) > 1e-9 * ref_ps)
      differ = TRUE;
  if (differ && series[e]->pixel_size_nm > 0)
    return series[e]->pixel_size_nm / ref_ps;
  return series[e]->energy_ev / series[ref]->energy_ev;
}

static gboolean
check_series (EvoxTiltSeries * const *series,
              guint                   n,
              GError                **error)
{
  const EvoxTiltSeries *r;

  if (n < 2)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "a multi-energy reconstruction needs at least 2 energies, got %u", n);
      return FALSE;
    }
  r = series[n - 1];
  for (guint e = 0; e < n; e++)
    {
      const EvoxTiltSeries *s = series[e];

      if (!(s->energy_ev > 0) || !isfinite (s->energy_ev))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "tilt series %u of the multi-energy set has no energy", e + 1);
          return FALSE;
        }
      if (e > 0 && !(s->energy_ev > series[e - 1]->energy_ev))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "the energies must ascend: %.2f eV comes after %.2f eV", s->energy_ev,
                       series[e - 1]->energy_ev);
          return FALSE;
        }
      if (s->nx != r->nx || s->ny != r->ny || s->n_angles != r->n_angles)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "%.1f eV has %u projections of %u x %u, %.1f eV (the reference) %u of "
                       "%u x %u", s->energy_ev, s->n_angles, s->nx, s->ny, r->energy_ev,
                       r->n_angles, r->nx, r->ny);
          return FALSE;
        }
      for (guint a = 0; a < s->n_angles; a++)
        if (!(fabs (s->theta[a] - r->theta[a]) * 180 / G_PI <= ANGLE_TOLERANCE_DEG))
          {
            g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                         "projection %u is at %.3f deg at %.1f eV but at %.3f deg at %.1f eV "
                         "(the reference): the energies have different angle sets", a + 1,
                         s->theta[a] * 180 / G_PI, s->energy_ev, r->theta[a] * 180 / G_PI,
                         r->energy_ev);
            return FALSE;
          }
    }
  return TRUE;
}

/* Pixels a resampling left NaN (outside the source) take the nearest finite pixel of their row,
 * and rows with none the nearest such row: the edges repeated, as evox_tomo_shift does, so
 * the ramp filter sees no step at the border. */
static void
fill_edges (float *image,
            guint  nx,
            guint  ny)
{
  int last_good = -1;

  for (guint y = 0; y < ny; y++)
    {
      float *row = image + (gsize) y * nx;
      guint first = 0, last;

      while (first < nx && !isfinite (row[first]))
        first++;
      if (first == nx)
        continue;
      last = nx - 1;
      while (!isfinite (row[last]))
        last--;
      for (guint x = 0; x < first; x++)
        row[x] = row[first];
      for (guint x = last + 1; x < nx; x++)
        row[x] = row[last];
      for (guint x = first; x < last; x++)
        if (!isfinite (row[x]))
          row[x] = row[x - 1];
      /* Rows above the first finite one copy it once it is known. */
      if (last_good < 0)
        for (guint yy = 0; yy < y; yy++)
          memcpy (image + (gsize) yy * nx, row, nx * sizeof (float));
      last_good = (int) y;
    }
  if (last_good < 0)
    {
      memset (image, 0, (gsize) nx * ny * sizeof (float));
      return;
    }
  for (guint y = 0; y < ny; y++)
    {
      float *row = image + (gsize) y * nx;

      if (!isfinite (row[0]))
        memcpy (row, row - nx, nx * sizeof (float));
    }
}

/* Energy e's shift onto the reference at every angle: its projection scaled onto the reference's
 * grid, then upsampled phase correlation. dx, dy take the shift that, added after the scaling,
 * aligns it (evox-registration.h's transform). */
static gboolean
register_energy (const EvoxTiltSeries *moving,
                 const EvoxTiltSeries *reference,
                 double                scale,
                 guint                 upsample,
                 double               *dx,
                 double               *dy,
                 EvoxProgress         *progress,
                 double                done,
                 double                share,
                 GCancellable         *cancellable,
                 GError              **error)
{
  gsize dims[3] = { moving->nx, moving->ny, 1 };
  static const double zero[3] = { 0, 0, 0 };
  g_autofree float *scaled = g_new (float, dims[0] * dims[1]);

  for (guint a = 0; a < moving->n_angles; a++)
    {
      double shift[3];

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      evox_register_resample (evox_tilt_series_row (moving, a, 0), dims, scale, zero, scaled);
      if (isnan (evox_register_phase_correlation (evox_tilt_series_row (reference, a, 0),
                                                  scaled, dims, upsample, shift, error)))
        {
          g_prefix_error (error, "%.1f eV, projection %u: ", moving->energy_ev, a + 1);
          return FALSE;
        }
      dx[a] = shift[0];
      dy[a] = shift[1];
      evox_progress_update (progress, done + share * (a + 1.0) / moving->n_angles);
    }
  return TRUE;
}

static void
copy_energies (EvoxTomoReport       *dst,
               const EvoxTomoReport *src)
{
  gsize bytes = MAX (src->n_angles, 1) * sizeof (double);

  evox_tomo_report_set_energies (dst, src->n_energies);
  dst->reference_ev = src->reference_ev;
  for (guint e = 0; e < src->n_energies; e++)
    {
      const EvoxTomoEnergyShifts *s = &src->energies[e];
      EvoxTomoEnergyShifts *d = &dst->energies[e];
      double *dx = d->dx, *dy = d->dy;
      gboolean *outlier = d->outlier;

      *d = *s;
      d->dx = dx;
      d->dy = dy;
      d->outlier = outlier;
      memcpy (d->dx, s->dx, bytes);
      memcpy (d->dy, s->dy, bytes);
      memcpy (d->outlier, s->outlier, MAX (src->n_angles, 1) * sizeof (gboolean));
    }
}

/* The caller's callback sees the reference's live report with the registration added. */
typedef struct
{
  EvoxTomoReportFunc    func;
  gpointer              user_data;
  const EvoxTomoReport *registration;
} Relay;

static void
relay_report (const EvoxTomoReport *report,
              gpointer              data)
{
  Relay *relay = data;
  g_autoptr (EvoxTomoReport) copy = evox_tomo_report_copy (report);

  copy_energies (copy, relay->registration);
  relay->func (copy, relay->user_data);
}

/* Energy e's projections moved onto the reference's grid by its registration and the
 * reference's jitter shifts, in one resampling. */
static EvoxTiltSeries *
moved_series (const EvoxTiltSeries       *raw,
              const EvoxTiltSeries       *reference,
              const EvoxTomoEnergyShifts *shifts,
              const EvoxTomoReport       *aligned,
              GError                    **error)
{
  g_autoptr (EvoxTiltSeries) out = evox_tilt_series_new (raw->nx, raw->ny, raw->n_angles, error);
  gsize dims[3] = { raw->nx, raw->ny, 1 };

  if (out == NULL)
    return NULL;
  for (guint a = 0; a < raw->n_angles; a++)
    {
      double shift[3] = { aligned->dx[a], aligned->dy[a], 0 };
      float *dst = evox_tilt_series_row (out, a, 0);

      /* Outlying angles take the fit's prediction: the measured shift there is what the
       * geometry says is wrong. */
      if (shifts->outlier[a])
        {
          shift[0] += shifts->fit_a * cos (raw->theta[a]) + shifts->fit_b * sin (raw->theta[a])
                      + shifts->fit_c;
          shift[1] += shifts->fit_dy;
        }
      else
        {
          shift[0] += shifts->dx[a];
          shift[1] += shifts->dy[a];
        }
      evox_register_resample (evox_tilt_series_row (raw, a, 0), dims, shifts->scale, shift, dst);
      fill_edges (dst, raw->nx, raw->ny);
    }
  memcpy (out->theta, reference->theta, raw->n_angles * sizeof (double));
  out->pixel_size_nm = reference->pixel_size_nm;
  out->energy_ev = raw->energy_ev;
  out->od = raw->od;
  return g_steal_pointer (&out);
}

static EvoxTiltSeries *
copy_series (const EvoxTiltSeries  *in,
             GError               **error)
{
  EvoxTiltSeries *out = evox_tilt_series_new (in->nx, in->ny, in->n_angles, error);

  if (out == NULL)
    return NULL;
  memcpy (out->data, in->data, (gsize) in->nx * in->ny * in->n_angles * sizeof (float));
  memcpy (out->theta, in->theta, in->n_angles * sizeof (double));
  out->pixel_size_nm = in->pixel_size_nm;
  out->energy_ev = in->energy_ev;
  out->od = in->od;
  return out;
}

/* "E eV: scale s, fit rms r px (a, b, c, dy), n outlying angles (replaced by the fit): 3, 17"
 * per energy other than the reference, one a line. */
static char *
describe_check (const EvoxTomoReport *registration)
{
  g_autoptr (GString) text = g_string_new (NULL);

  for (guint e = 0; e < registration->n_energies; e++)
    {
      const EvoxTomoEnergyShifts *s = &registration->energies[e];

      if (s->energy_ev == registration->reference_ev)
        continue;
      g_string_append_printf (text, "%s%.1f eV: scale %.5f, fit rms %.3f px (a %.3f, b %.3f, "
                              "c %.3f, dy %.3f px), %u outlying angles",
                              text->len > 0 ? "\n" : "", s->energy_ev, s->scale, s->fit_rms,
                              s->fit_a, s->fit_b, s->fit_c, s->fit_dy, s->n_outliers);
      if (s->n_outliers > 0)
        {
          g_string_append (text, " replaced by the fit (projections");
          for (guint a = 0; a < registration->n_angles; a++)
            if (s->outlier[a])
              g_string_append_printf (text, " %u", a + 1);
          g_string_append (text, ")");
        }
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

EvoxVolume *
evox_tomo_run_spectral (EvoxTiltSeries          **series,
                        guint                     n,
                        const EvoxTomoOptions    *options,
                        EvoxTomoReport          **report_out,
                        EvoxTomoReportFunc        func,
                        gpointer                  user_data,
                        EvoxProgress             *progress,
                        GCancellable             *cancellable,
                        GError                  **error)
{
  static const char * const copied_keys[] = { "tomo_alignment", "tomo_center",
                                              "tomo_algorithm", "tomo_filter" };
  g_autoptr (EvoxTomoReport) registration = NULL;
  g_autoptr (EvoxTomoReport) report = NULL;
  g_autoptr (EvoxTiltSeries) reference = NULL;
  g_autoptr (EvoxVolume) ref_volume = NULL;
  g_autoptr (EvoxVolume) volume = NULL;
  g_autofree char *check = NULL;
  gint64 start = g_get_monotonic_time ();
  Relay relay;
  EvoxReconParams params;
  gsize dims[3], n_voxels;
  guint ref;
  double share;

  g_return_val_if_fail (series != NULL && options != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_series (series, n, error))
    return NULL;
  ref = n - 1;
  registration = evox_tomo_report_new (series[ref]->n_angles, series[ref]->theta);
  evox_tomo_report_set_energies (registration, n);
  registration->reference_ev = series[ref]->energy_ev;

  /* Registration across energies, angle by angle, and the geometry check of each energy. */
  evox_progress_set_stage (progress, "Registering energies", 0.0, REGISTER_WEIGHT);
  for (guint e = 0; e < n; e++)
    {
      EvoxTomoEnergyShifts *s = &registration->energies[e];
      EvoxShiftFit fit;

      s->energy_ev = series[e]->energy_ev;
      s->scale = nominal_scale (series, n, e, ref);
      if (e == ref)
        continue;
      if (!(s->scale >= 1 / MAX_NOMINAL_SCALE && s->scale <= MAX_NOMINAL_SCALE))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "%.2f eV and %.2f eV (the reference) give a scale of %g, outside "
                       "%g..%g", s->energy_ev, registration->reference_ev, s->scale,
                       1 / MAX_NOMINAL_SCALE, MAX_NOMINAL_SCALE);
          return NULL;
        }
      if (!register_energy (series[e], series[ref], s->scale, options->reproject.upsample,
                            s->dx, s->dy, progress, (double) e / (n - 1), 1.0 / (n - 1),
                            cancellable, error))
        return NULL;
      if (!evox_tomo_shift_fit (registration->theta, s->dx, s->dy, registration->n_angles, 0,
                                &fit, s->outlier, error))
        {
          g_prefix_error (error, "%.1f eV: ", s->energy_ev);
          return NULL;
        }
      s->fit_a = fit.a;
      s->fit_b = fit.b;
      s->fit_c = fit.c;
      s->fit_dy = fit.dy;
      s->fit_rms = fit.rms;
      s->n_outliers = fit.n_outliers;
    }
  if (func != NULL)
    func (registration, user_data);

  /* The reference aligned and reconstructed as a single energy would be. */
  share = (1.0 - REGISTER_WEIGHT) / n;
  reference = copy_series (series[ref], error);
  if (reference == NULL)
    return NULL;
  relay = (Relay) { func, user_data, registration };
  evox_progress_push (progress, REGISTER_WEIGHT, REGISTER_WEIGHT + share);
  ref_volume = evox_tomo_run (reference, options, &report, func != NULL ? relay_report : NULL,
                              &relay, progress, cancellable, error);
  evox_progress_pop (progress);
  if (ref_volume == NULL)
    return NULL;
  copy_energies (report, registration);

  evox_volume_get_dims (ref_volume, dims);
  n_voxels = dims[0] * dims[1] * dims[2];
  volume = evox_volume_new (dims[0], dims[1], dims[2], n, EVOX_SAMPLE_F32, error);
  if (volume == NULL)
    return NULL;
  memcpy (evox_volume_get_data_mut (volume, ref), evox_volume_get_data (ref_volume, 0),
          n_voxels * sizeof (float));
  params = options->recon;
  params.center = report->center;

  /* Every other energy on the reference's grid with the same jitter shifts and centre. */
  for (guint e = 0; e < ref; e++)
    {
      g_autoptr (EvoxTiltSeries) moved = NULL;
      g_autoptr (EvoxVolume) one = NULL;
      double from = REGISTER_WEIGHT + share * (e + 1);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      moved = moved_series (series[e], series[ref], &report->energies[e], report, error);
      if (moved == NULL)
        return NULL;
      evox_progress_set_stage (progress, "Reconstructing energies", from, from + share);
      evox_progress_push (progress, from, from + share);
      one = evox_tomo_reconstruct (moved, &params, progress, cancellable, error);
      evox_progress_pop (progress);
      if (one == NULL)
        return NULL;
      memcpy (evox_volume_get_data_mut (volume, e), evox_volume_get_data (one, 0),
              n_voxels * sizeof (float));
    }

  evox_volume_copy_grid (volume, ref_volume);
  evox_volume_set_values (volume, evox_volume_get_value_scale (ref_volume),
                          evox_volume_get_quantity (ref_volume),
                          evox_volume_get_unit (ref_volume));
  for (guint e = 0; e < n; e++)
    {
      g_autofree char *label = g_strdup_printf ("%.1f eV", series[e]->energy_ev);

      evox_volume_set_channel_info (volume, e, label, series[e]->energy_ev);
      if (series[ref]->pixel_size_nm > 0)
        evox_volume_set_channel_pixel_size (volume, e, series[ref]->pixel_size_nm);
    }
  for (guint i = 0; i < G_N_ELEMENTS (copied_keys); i++)
    if (evox_volume_get_metadata (ref_volume, copied_keys[i]) != NULL)
      evox_volume_set_metadata (volume, copied_keys[i],
                                evox_volume_get_metadata (ref_volume, copied_keys[i]));
  {
    g_autofree char *text = g_strdup_printf ("%.1f eV", series[ref]->energy_ev);

    evox_volume_set_metadata (volume, "tomo_spectral_reference", text);
  }
  check = describe_check (report);
  evox_volume_set_metadata (volume, "tomo_spectral_check", check);
  report->seconds = (g_get_monotonic_time () - start) / 1e6;
  if (func != NULL)
    func (report, user_data);
  evox_progress_update (progress, 1.0);
  if (report_out != NULL)
    *report_out = g_steal_pointer (&report);
  return g_steal_pointer (&volume);
}
