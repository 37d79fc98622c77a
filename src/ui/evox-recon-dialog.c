/* evox-recon-dialog.c: the Reconstruction dialog: a tilt series read, aligned and reconstructed on
 * a worker thread, its quality report plotted as it grows, and one row's sinogram before and
 * after alignment. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "evox-recon-dialog.h"
#include "evox-axis.h"
#include "evox-fsc.h"
#include "evox-plot.h"
#include "evox-tomo-report-csv.h"
#include "evox-types.h"
#include "evox-ui-util.h"
#include "evox-window.h"

static const GdkRGBA dx_color = { 0.208f, 0.518f, 0.894f, 1.0f };
static const GdkRGBA dy_color = { 0.902f, 0.380f, 0.0f, 1.0f };
static const GdkRGBA fast_color = { 0.6f, 0.6f, 0.6f, 1.0f };
static const GdkRGBA half_bit_color = { 0.878f, 0.106f, 0.141f, 1.0f };
static const GdkRGBA fixed_color = { 0.180f, 0.620f, 0.300f, 1.0f };

struct _EvoxReconDialog
{
  GtkWindow         parent_instance;

  EvoxUiJob         job;
  EvoxTomoReport   *report;
  gboolean          report_partial;  /* of a run that was cancelled or failed: not saved */
  EvoxTiltSeries   *before;        /* the series as read (the reference energy) */
  EvoxTiltSeries   *after;         /* the same moved by the report's shifts */
  GdkTexture       *sinogram[2];

  GtkEntry         *path_entry;
  GtkSpinButton    *bin_spin;
  GtkDropDown      *align_dropdown;
  GtkSpinButton    *align_iterations;
  GtkCheckButton   *center_auto;
  GtkSpinButton    *center_spin;
  GtkDropDown      *algorithm_dropdown;
  GtkSpinButton    *sirt_iterations;
  GtkDropDown      *filter_dropdown;
  GtkWidget        *progress_box;
  GtkProgressBar   *progress_bar;
  GtkLabel         *message_label;
  GtkLabel         *warning_label;
  GtkLabel         *summary_label;
  EvoxPlot         *shift_plot;
  EvoxPlot         *residual_plot;
  EvoxPlot         *center_plot;
  EvoxPlot         *fsc_plot;
  EvoxPlot         *energy_plot;
  GtkSpinButton    *row_spin;
  GtkPicture       *before_picture;
  GtkPicture       *after_picture;
};

G_DEFINE_FINAL_TYPE (EvoxReconDialog, evox_recon_dialog, GTK_TYPE_WINDOW)

enum
{
  RECONSTRUCTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Messages */

static void
show_message (EvoxReconDialog *self,
              const char      *message)
{
  gtk_label_set_text (self->message_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

const char *
evox_recon_dialog_get_message (EvoxReconDialog *self)
{
  g_return_val_if_fail (EVOX_IS_RECON_DIALOG (self), NULL);
  if (!gtk_widget_get_visible (GTK_WIDGET (self->message_label)))
    return NULL;
  return gtk_label_get_text (self->message_label);
}

static void
show_warning (EvoxReconDialog *self,
              const char      *warning)
{
  gtk_label_set_text (self->warning_label, warning != NULL ? warning : "");
  gtk_widget_set_visible (GTK_WIDGET (self->warning_label), warning != NULL);
}

const char *
evox_recon_dialog_get_warning (EvoxReconDialog *self)
{
  g_return_val_if_fail (EVOX_IS_RECON_DIALOG (self), NULL);
  if (!gtk_widget_get_visible (GTK_WIDGET (self->warning_label)))
    return NULL;
  return gtk_label_get_text (self->warning_label);
}

/* The readers' errors start with the full path: the dialog names the file once, by its base
 * name, and says what to do where the reason alone leaves the user stuck. */
static char *
run_error_message (const char   *path,
                   const GError *error)
{
  g_autofree char *name = g_filename_display_basename (path);
  g_autofree char *display_path = g_filename_display_name (path);
  const char *reason = error->message;
  gsize len = strlen (display_path);
  GString *text = g_string_new (NULL);

  if (strncmp (reason, display_path, len) == 0 && reason[len] == ':')
    reason += len + 1;
  while (*reason == ' ')
    reason++;
  if (strstr (reason, display_path) != NULL)
    g_string_append_printf (text, _("Could not reconstruct: %s"), reason);
  else
    g_string_append_printf (text, _("Could not reconstruct “%s”: %s"), name, reason);
  /* The tilt reader's words for a .txrm without its flat field (evox-tilt-reader.c). */
  if (strstr (reason, "ReferenceData") != NULL)
    g_string_append (text, _(".\nWithout a reference (flat-field) image the counts cannot be "
                             "turned into optical density. Export the series again with its "
                             "reference from the microscope software, or choose a folder of "
                             "per-angle .xrm files with their reference files (“ref” in the "
                             "name)."));
  return g_string_free (text, FALSE);
}

/* Options */

void
evox_recon_dialog_set_path (EvoxReconDialog *self,
                            const char      *path)
{
  g_return_if_fail (EVOX_IS_RECON_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->path_entry), path != NULL ? path : "");
}

const char *
evox_recon_dialog_get_path (EvoxReconDialog *self)
{
  g_return_val_if_fail (EVOX_IS_RECON_DIALOG (self), NULL);
  return gtk_editable_get_text (GTK_EDITABLE (self->path_entry));
}

gboolean
evox_recon_dialog_get_options (EvoxReconDialog      *self,
                               EvoxTiltReadOptions  *read,
                               EvoxTomoOptions      *options,
                               GError              **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (EVOX_IS_RECON_DIALOG (self), FALSE);

  path = g_strstrip (g_strdup (evox_recon_dialog_get_path (self)));
  if (*path == '\0')
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   _("Choose a tilt series (.txrm, Data Exchange .h5 or a folder)"));
      return FALSE;
    }

  evox_tilt_read_options_init (read);
  read->bin = gtk_spin_button_get_value_as_int (self->bin_spin);

  evox_tomo_options_init (options);
  switch (gtk_drop_down_get_selected (self->align_dropdown))
    {
    case 0:
      options->align = EVOX_TOMO_ALIGN_NONE;
      break;
    case 2:
      options->align = EVOX_TOMO_ALIGN_REPROJECT;
      options->reproject.iterations = gtk_spin_button_get_value_as_int (self->align_iterations);
      break;
    default:
      options->align = EVOX_TOMO_ALIGN_FAST;
      break;
    }
  options->center = gtk_check_button_get_active (self->center_auto) ?
                    NAN : gtk_spin_button_get_value (self->center_spin);
  options->recon.sirt_iterations = gtk_drop_down_get_selected (self->algorithm_dropdown) == 1 ?
                                   gtk_spin_button_get_value_as_int (self->sirt_iterations) : 0;
  switch (gtk_drop_down_get_selected (self->filter_dropdown))
    {
    case 1:
      options->recon.filter = EVOX_RECON_FILTER_SHEPP_LOGAN;
      break;
    case 2:
      options->recon.filter = EVOX_RECON_FILTER_HANN;
      break;
    default:
      options->recon.filter = EVOX_RECON_FILTER_RAMP;
      break;
    }
  return TRUE;
}

/* Only the fields that apply take input: iterations for reprojection and SIRT, the centre when
 * not automatic, the filter for FBP. */
static void
update_sensitivity (EvoxReconDialog *self)
{
  gboolean idle = self->job.cancellable == NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->align_iterations),
                            gtk_drop_down_get_selected (self->align_dropdown) == 2);
  gtk_widget_set_sensitive (GTK_WIDGET (self->center_spin),
                            !gtk_check_button_get_active (self->center_auto));
  gtk_widget_set_sensitive (GTK_WIDGET (self->sirt_iterations),
                            gtk_drop_down_get_selected (self->algorithm_dropdown) == 1);
  gtk_widget_set_sensitive (GTK_WIDGET (self->filter_dropdown),
                            gtk_drop_down_get_selected (self->algorithm_dropdown) == 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "recon.run", idle);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "recon.cancel", !idle);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "recon.save-report",
                                 idle && self->report != NULL && !self->report_partial);
}

/* The report in plots */

GtkWidget *
evox_recon_dialog_get_plot (EvoxReconDialog *self,
                            EvoxReconPlot    plot)
{
  g_return_val_if_fail (EVOX_IS_RECON_DIALOG (self), NULL);

  switch (plot)
    {
    case EVOX_RECON_PLOT_SHIFTS:
      return GTK_WIDGET (self->shift_plot);
    case EVOX_RECON_PLOT_RESIDUAL:
      return GTK_WIDGET (self->residual_plot);
    case EVOX_RECON_PLOT_CENTER:
      return GTK_WIDGET (self->center_plot);
    case EVOX_RECON_PLOT_FSC:
      return GTK_WIDGET (self->fsc_plot);
    case EVOX_RECON_PLOT_ENERGIES:
      return GTK_WIDGET (self->energy_plot);
    default:
      g_return_val_if_reached (NULL);
    }
}

const EvoxTomoReport *
evox_recon_dialog_get_report (EvoxReconDialog *self)
{
  g_return_val_if_fail (EVOX_IS_RECON_DIALOG (self), NULL);
  return self->report;
}

static gboolean
any_finite (const double *values,
            guint         n)
{
  for (guint i = 0; i < n; i++)
    if (isfinite (values[i]))
      return TRUE;
  return FALSE;
}

static void
plot_shifts (EvoxReconDialog      *self,
             const EvoxTomoReport *report)
{
  g_autofree double *degrees = g_new (double, MAX (report->n_angles, 1));
  gboolean aligned = any_finite (report->fast_dx, report->n_angles);

  evox_plot_clear (self->shift_plot);
  if (!aligned)
    {
      evox_plot_set_placeholder (self->shift_plot, _("Not aligned"));
      return;
    }
  for (guint a = 0; a < report->n_angles; a++)
    degrees[a] = report->theta[a] * 180.0 / G_PI;
  /* The first pass in grey under the final shifts shows what reprojection changed. */
  if (report->iterations->len > 0)
    {
      evox_plot_add_line (self->shift_plot, degrees, report->fast_dx, report->n_angles,
                          &fast_color, _("dx, first pass"));
    }
  evox_plot_add_line (self->shift_plot, degrees, report->dx, report->n_angles, &dx_color,
                      "dx");
  evox_plot_add_line (self->shift_plot, degrees, report->dy, report->n_angles, &dy_color,
                      "dy");
}

/* Residuals of a good alignment differ in the fourth decimal of an optical density of about 0.1,
 * and the axis prints ticks finer than four decimals with three significant digits: every label
 * read 0.104. Shown in 10^-3 (or 10^-6 ...) OD, the spread spans whole tick steps again. */
static int
residual_exponent (const double *y,
                   guint         n)
{
  double lo = INFINITY, hi = -INFINITY, spread;
  int exponent = 0;

  for (guint i = 0; i < n; i++)
    if (isfinite (y[i]))
      {
        lo = MIN (lo, y[i]);
        hi = MAX (hi, y[i]);
      }
  if (!(hi >= lo))
    return 0;
  spread = hi > lo ? hi - lo : fabs (hi);
  while (spread > 0 && spread < 0.01 && exponent > -12)
    {
      spread *= 1000;
      exponent -= 3;
    }
  return exponent;
}

static void
plot_residual (EvoxReconDialog      *self,
               const EvoxTomoReport *report)
{
  guint n = report->iterations->len;
  g_autofree double *x = g_new (double, MAX (n, 1));
  g_autofree double *y = g_new (double, MAX (n, 1));
  guint line;
  int exponent;

  evox_plot_clear (self->residual_plot);
  if (n == 0)
    {
      evox_plot_set_axes (self->residual_plot, _("Reprojection iteration"),
                          _("Residual (OD, RMS)"));
      evox_plot_set_placeholder (self->residual_plot, _("No reprojection iterations"));
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      const EvoxTomoIteration *it = &g_array_index (report->iterations, EvoxTomoIteration, i);

      x[i] = i + 1;
      y[i] = it->residual;
    }
  /* One point on an axis of fractional iterations (0.95 to 1.05) says less than the number. */
  if (n == 1)
    {
      g_autofree char *text = g_strdup_printf (_("One iteration: residual %.4g OD (RMS)"), y[0]);

      evox_plot_set_axes (self->residual_plot, _("Reprojection iteration"),
                          _("Residual (OD, RMS)"));
      evox_plot_set_placeholder (self->residual_plot, text);
      return;
    }
  exponent = residual_exponent (y, n);
  if (exponent != 0)
    {
      g_autofree char *power = evox_axis_format_decade (exponent);
      g_autofree char *title = g_strdup_printf (_("Residual (%s OD, RMS)"), power);

      for (guint i = 0; i < n; i++)
        y[i] *= pow (10, -exponent);
      evox_plot_set_axes (self->residual_plot, _("Reprojection iteration"), title);
    }
  else
    {
      evox_plot_set_axes (self->residual_plot, _("Reprojection iteration"),
                          _("Residual (OD, RMS)"));
    }
  line = evox_plot_add_line (self->residual_plot, x, y, n, &dx_color, _("residual"));
  evox_plot_set_line_points (self->residual_plot, line, TRUE);
}

static void
plot_center (EvoxReconDialog      *self,
             const EvoxTomoReport *report)
{
  guint n = report->center_scan->len / 2;
  const double *pairs = (const double *) report->center_scan->data;
  g_autofree double *x = g_new (double, MAX (n, 1));
  g_autofree double *y = g_new (double, MAX (n, 1));
  g_autofree char *label = NULL;
  guint line;

  evox_plot_clear (self->center_plot);
  if (n == 0)
    {
      g_autofree char *text = isfinite (report->center) ?
        g_strdup_printf (_("No centre search: centre %.2f px"), report->center) :
        g_strdup (_("No centre search"));

      evox_plot_set_placeholder (self->center_plot, text);
      return;
    }
  /* The search goes coarse then fine: sorted, the scan reads as one curve. */
  for (guint i = 0; i < n; i++)
    {
      x[i] = pairs[2 * i];
      y[i] = pairs[2 * i + 1];
    }
  for (guint i = 1; i < n; i++)
    for (guint j = i; j > 0 && x[j - 1] > x[j]; j--)
      {
        double t = x[j];
        x[j] = x[j - 1];
        x[j - 1] = t;
        t = y[j];
        y[j] = y[j - 1];
        y[j - 1] = t;
      }
  line = evox_plot_add_line (self->center_plot, x, y, n, &dx_color, _("sharpness"));
  evox_plot_set_line_points (self->center_plot, line, TRUE);
  if (isfinite (report->center))
    {
      label = g_strdup_printf (_("centre %.2f px"), report->center);
      evox_plot_add_labelled_marker (self->center_plot, report->center, label, &half_bit_color);
    }
}

static void
plot_fsc (EvoxReconDialog      *self,
          const EvoxTomoReport *report)
{
  guint n = report->n_shells;
  g_autofree double *half_bit = g_new (double, MAX (n, 1));
  g_autofree double *fixed = g_new (double, MAX (n, 1));
  const char *unit = report->fsc_per_nm ? _("nm") : _("voxels");

  evox_plot_clear (self->fsc_plot);
  evox_plot_set_axes (self->fsc_plot,
                      report->fsc_per_nm ? _("Spatial frequency (1/nm)") :
                                           _("Spatial frequency (1/voxel)"),
                      _("FSC (odd/even angles)"));
  if (n == 0)
    {
      evox_plot_set_placeholder (self->fsc_plot, _("No Fourier shell correlation yet"));
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      half_bit[i] = evox_fsc_threshold (EVOX_FSC_THRESHOLD_HALF_BIT, report->fsc_n_voxels[i]);
      fixed[i] = evox_fsc_threshold (EVOX_FSC_THRESHOLD_FIXED, report->fsc_n_voxels[i]);
    }
  evox_plot_add_line (self->fsc_plot, report->fsc_frequency, report->fsc, n, &dx_color, "FSC");
  evox_plot_add_line (self->fsc_plot, report->fsc_frequency, half_bit, n, &half_bit_color,
                      _("½-bit"));
  evox_plot_add_line (self->fsc_plot, report->fsc_frequency, fixed, n, &fixed_color, "1/7");
  if (isfinite (report->resolution_half_bit) && report->resolution_half_bit > 0)
    {
      g_autofree char *label = g_strdup_printf (_("%.3g %s (½-bit)"),
                                                report->resolution_half_bit, unit);

      evox_plot_add_labelled_marker (self->fsc_plot, 1.0 / report->resolution_half_bit, label,
                                     &half_bit_color);
    }
  if (isfinite (report->resolution_fixed) && report->resolution_fixed > 0)
    {
      g_autofree char *label = g_strdup_printf (_("%.3g %s (1/7)"), report->resolution_fixed,
                                                unit);

      evox_plot_add_labelled_marker (self->fsc_plot, 1.0 / report->resolution_fixed, label,
                                     &fixed_color);
    }
}

static void
plot_energies (EvoxReconDialog      *self,
               const EvoxTomoReport *report)
{
  g_autofree double *x = g_new (double, MAX (report->n_energies, 1));
  g_autofree double *y = g_new (double, MAX (report->n_energies, 1));
  guint n = 0;
  guint line;

  evox_plot_clear (self->energy_plot);
  for (guint i = 0; i < report->n_energies; i++)
    if (isfinite (report->energies[i].fit_rms))
      {
        x[n] = report->energies[i].energy_ev;
        y[n] = report->energies[i].fit_rms;
        n++;
      }
  if (n == 0)
    {
      evox_plot_set_placeholder (self->energy_plot,
                                 report->n_energies == 0 ? _("One energy") :
                                 _("No shift fits yet"));
      return;
    }
  line = evox_plot_add_line (self->energy_plot, x, y, n, &dy_color, _("fit RMS"));
  evox_plot_set_line_points (self->energy_plot, line, TRUE);
  if (report->n_energies > 0 && isfinite (report->reference_ev))
    evox_plot_add_labelled_marker (self->energy_plot, report->reference_ev, _("reference"),
                                   NULL);
}

static void
update_summary (EvoxReconDialog      *self,
                const EvoxTomoReport *report)
{
  g_autoptr (GString) text = g_string_new (NULL);

  if (isfinite (report->center))
    g_string_append_printf (text, _("Rotation centre %.2f px"), report->center);
  if (isfinite (report->center_fit) && text->len > 0)
    g_string_append_printf (text, _(" (fit %.2f px)"), report->center_fit);
  else if (isfinite (report->center_fit))
    g_string_append_printf (text, _("Rotation centre from the fit %.2f px"), report->center_fit);
  if (isfinite (report->fast_rms))
    g_string_append_printf (text, _("\nFirst pass: fit residual %.2f px RMS"),
                            report->fast_rms);
  if (report->iterations->len > 0)
    {
      const EvoxTomoIteration *last = &g_array_index (report->iterations, EvoxTomoIteration,
                                                      report->iterations->len - 1);

      g_string_append_c (text, '\n');
      g_string_append_printf (text, ngettext ("%u reprojection iteration, last update %.3f px",
                                              "%u reprojection iterations, last update %.3f px",
                                              report->iterations->len),
                              report->iterations->len, last->update_rms);
    }
  if (isfinite (report->resolution_half_bit))
    g_string_append_printf (text, _("\nResolution %.3g %s (½-bit)"),
                            report->resolution_half_bit,
                            report->fsc_per_nm ? _("nm") : _("voxels"));
  else if (report->n_shells > 0)
    g_string_append (text, _("\nFSC above the ½-bit threshold up to Nyquist"));
  if (report->seconds > 0)
    g_string_append_printf (text, _("\nDone in %.2f s"), report->seconds);
  gtk_label_set_text (self->summary_label, text->str);
}

/* Takes report. */
static void
show_report (EvoxReconDialog *self,
             EvoxTomoReport  *report)
{
  g_clear_pointer (&self->report, evox_tomo_report_free);
  self->report = report;
  plot_shifts (self, report);
  plot_residual (self, report);
  plot_center (self, report);
  plot_fsc (self, report);
  plot_energies (self, report);
  update_summary (self, report);
  update_sensitivity (self);
}

void
evox_recon_dialog_show_report (EvoxReconDialog      *self,
                               const EvoxTomoReport *report)
{
  g_return_if_fail (EVOX_IS_RECON_DIALOG (self));
  g_return_if_fail (report != NULL);
  self->report_partial = FALSE;
  show_report (self, evox_tomo_report_copy (report));
}

static void
clear_report (EvoxReconDialog *self)
{
  EvoxPlot *plots[] = { self->shift_plot, self->residual_plot, self->center_plot,
                        self->fsc_plot, self->energy_plot };

  g_clear_pointer (&self->report, evox_tomo_report_free);
  for (guint i = 0; i < G_N_ELEMENTS (plots); i++)
    {
      evox_plot_clear (plots[i]);
      evox_plot_set_placeholder (plots[i], _("Run to see it"));
    }
  gtk_label_set_text (self->summary_label, "");
}

/* Sinograms */

GdkTexture *
evox_recon_dialog_get_sinogram (EvoxReconDialog *self,
                                gboolean         after)
{
  g_return_val_if_fail (EVOX_IS_RECON_DIALOG (self), NULL);
  return self->sinogram[after ? 1 : 0];
}

/* Row y of every projection as grey, black at lo and white at hi. */
static GdkTexture *
sinogram_texture (const EvoxTiltSeries *series,
                  guint                 y,
                  float                 lo,
                  float                 hi)
{
  gsize stride = (gsize) series->nx * 3;
  guint8 *pixels = g_malloc (stride * series->n_angles);
  g_autoptr (GBytes) bytes = NULL;
  float scale = hi > lo ? 255.0f / (hi - lo) : 0.0f;

  for (guint a = 0; a < series->n_angles; a++)
    {
      const float *row = evox_tilt_series_row (series, a, y);

      for (guint x = 0; x < series->nx; x++)
        {
          float v = isfinite (row[x]) ? (row[x] - lo) * scale : 0.0f;
          guint8 g = (guint8) CLAMP (v + 0.5f, 0.0f, 255.0f);

          memset (pixels + a * stride + x * 3, g, 3);
        }
    }
  bytes = g_bytes_new_take (pixels, stride * series->n_angles);
  return gdk_memory_texture_new (series->nx, series->n_angles, GDK_MEMORY_R8G8B8, bytes,
                                 stride);
}

static void
update_sinograms (EvoxReconDialog *self)
{
  guint y;
  float lo = INFINITY, hi = -INFINITY;

  g_clear_object (&self->sinogram[0]);
  g_clear_object (&self->sinogram[1]);
  if (self->before == NULL)
    {
      gtk_picture_set_paintable (self->before_picture, NULL);
      gtk_picture_set_paintable (self->after_picture, NULL);
      return;
    }
  y = MIN ((guint) gtk_spin_button_get_value_as_int (self->row_spin), self->before->ny - 1);
  /* One grey scale for both, from the row as read, so the two compare pixel for pixel. */
  for (guint a = 0; a < self->before->n_angles; a++)
    {
      const float *row = evox_tilt_series_row (self->before, a, y);

      for (guint x = 0; x < self->before->nx; x++)
        if (isfinite (row[x]))
          {
            lo = MIN (lo, row[x]);
            hi = MAX (hi, row[x]);
          }
    }
  self->sinogram[0] = sinogram_texture (self->before, y, lo, hi);
  self->sinogram[1] = sinogram_texture (self->after, y, lo, hi);
  gtk_picture_set_paintable (self->before_picture, GDK_PAINTABLE (self->sinogram[0]));
  gtk_picture_set_paintable (self->after_picture, GDK_PAINTABLE (self->sinogram[1]));
}

void
evox_recon_dialog_set_row (EvoxReconDialog *self,
                           guint            row)
{
  g_return_if_fail (EVOX_IS_RECON_DIALOG (self));
  gtk_spin_button_set_value (self->row_spin, row);
  update_sinograms (self);
}

static void
row_changed (EvoxReconDialog *self)
{
  update_sinograms (self);
}

/* The run */

typedef struct
{
  GWeakRef             dialog;
  GMainContext        *context;
  GCancellable        *cancellable;
  EvoxProgress        *progress;
  char                *path;
  EvoxTiltReadOptions  read;
  EvoxTomoOptions      options;
} RunData;

static void
run_data_clear (RunData *data)
{
  g_weak_ref_clear (&data->dialog);
  g_main_context_unref (data->context);
  g_clear_object (&data->cancellable);
  g_clear_pointer (&data->progress, evox_progress_unref);
  g_free (data->path);
}

static void
run_data_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, (GDestroyNotify) run_data_clear);
}

typedef struct
{
  EvoxVolume     *volume;
  EvoxTomoReport *report;
  EvoxTiltSeries *before;
  EvoxTiltSeries *after;
  guint64         n_clamped;  /* detector pixels at or below the dark level, all energies */
  guint64         n_pixels;   /* detector pixels read, before binning */
} RunResult;

static void
run_result_free (gpointer data)
{
  RunResult *result = data;

  g_clear_object (&result->volume);
  g_clear_pointer (&result->report, evox_tomo_report_free);
  g_clear_pointer (&result->before, evox_tilt_series_free);
  g_clear_pointer (&result->after, evox_tilt_series_free);
  g_free (result);
}

/* A report on its way from the worker to the main thread. */
typedef struct
{
  RunData        *run;
  EvoxTomoReport *report;
} Delivery;

static void
delivery_free (gpointer data)
{
  Delivery *delivery = data;

  run_data_unref (delivery->run);
  g_clear_pointer (&delivery->report, evox_tomo_report_free);
  g_free (delivery);
}

static gboolean
deliver_report (gpointer user_data)
{
  Delivery *delivery = user_data;
  g_autoptr (EvoxReconDialog) self = NULL;

  g_assert (g_main_context_is_owner (delivery->run->context));
  self = g_weak_ref_get (&delivery->run->dialog);
  /* A report of a run that was cancelled or replaced is dropped. */
  if (self != NULL && self->job.cancellable == delivery->run->cancellable)
    show_report (self, g_steal_pointer (&delivery->report));
  return G_SOURCE_REMOVE;
}

/* On the worker thread: the live report is copied and handed to the main thread. */
static void
report_grew (const EvoxTomoReport *report,
             gpointer              user_data)
{
  RunData *run = user_data;
  Delivery *delivery = g_new0 (Delivery, 1);
  g_autoptr (GSource) source = g_idle_source_new ();

  delivery->run = g_atomic_rc_box_acquire (run);
  delivery->report = evox_tomo_report_copy (report);
  /* Always queued, never run here: g_main_context_invoke would run it on this thread whenever
   * it could acquire the main context between two of its iterations. */
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, deliver_report, delivery, delivery_free);
  g_source_attach (source, run->context);
}

static EvoxTiltSeries *
series_copy (const EvoxTiltSeries  *series,
             GError               **error)
{
  EvoxTiltSeries *copy = evox_tilt_series_new (series->nx, series->ny, series->n_angles, error);

  if (copy == NULL)
    return NULL;
  memcpy (copy->data, series->data,
          (gsize) series->nx * series->ny * series->n_angles * sizeof (float));
  memcpy (copy->theta, series->theta, series->n_angles * sizeof (double));
  copy->pixel_size_nm = series->pixel_size_nm;
  copy->energy_ev = series->energy_ev;
  copy->od = series->od;
  return copy;
}

static gpointer
run_work (gpointer       user_data,
          GCancellable  *cancellable,
          GError       **error)
{
  RunData *run = user_data;
  g_autoptr (GPtrArray) set = NULL;
  g_autoptr (EvoxTomoReport) report = NULL;
  g_autoptr (EvoxTiltSeries) before = NULL;
  g_autoptr (EvoxTiltSeries) after = NULL;
  g_autoptr (EvoxVolume) volume = NULL;
  RunResult *result;
  EvoxTiltSeries *reference;
  guint64 n_clamped = 0, n_pixels = 0;

  evox_progress_set_stage (run->progress, _("Reading"), 0.0, 0.1);
  evox_progress_push (run->progress, 0.0, 0.1);
  set = evox_tilt_reader_load_set (run->path, &run->read, run->progress, cancellable, error);
  evox_progress_pop (run->progress);
  if (set == NULL)
    return NULL;
  if (set->len == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, _("%s: no projections"),
                   run->path);
      return NULL;
    }
  for (guint i = 0; i < set->len; i++)
    {
      const EvoxTiltSeries *series = g_ptr_array_index (set, i);

      n_clamped += series->n_clamped;
      /* n_clamped counts the detector's pixels, before binning */
      n_pixels += (guint64) series->nx * series->ny * series->n_angles * run->read.bin *
                  run->read.bin;
    }
  /* The pipeline shifts the series in place: keep the reference energy (the last, highest) as
   * read for the sinogram before alignment. */
  reference = g_ptr_array_index (set, set->len - 1);
  before = series_copy (reference, error);
  if (before == NULL)
    return NULL;

  evox_progress_push (run->progress, 0.1, 1.0);
  if (set->len == 1)
    volume = evox_tomo_run (reference, &run->options, &report, report_grew, run,
                            run->progress, cancellable, error);
  else
    volume = evox_tomo_run_spectral ((EvoxTiltSeries **) set->pdata, set->len, &run->options,
                                     &report, report_grew, run, run->progress, cancellable,
                                     error);
  evox_progress_pop (run->progress);
  if (volume == NULL)
    return NULL;

  g_clear_pointer (&set, g_ptr_array_unref);
  after = series_copy (before, error);
  if (after == NULL)
    return NULL;
  evox_tomo_shift (after, report->dx, report->dy);

  result = g_new0 (RunResult, 1);
  result->volume = g_steal_pointer (&volume);
  result->report = g_steal_pointer (&report);
  result->before = g_steal_pointer (&before);
  result->after = g_steal_pointer (&after);
  result->n_clamped = n_clamped;
  result->n_pixels = n_pixels;
  return result;
}

static void
job_stopped (gpointer owner)
{
  update_sensitivity (EVOX_RECON_DIALOG (owner));
}

static void
run_finished (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  RunData *run = user_data;
  g_autoptr (GError) error = NULL;
  RunResult *result = _evox_task_finish (res, evox_recon_dialog_run, &error);
  g_autoptr (EvoxReconDialog) self = g_weak_ref_get (&run->dialog);

  if (self == NULL || self->job.cancellable != run->cancellable)
    {
      g_clear_pointer (&result, run_result_free);
      run_data_unref (run);
      return;
    }
  _evox_ui_job_stop (&self->job);
  if (result == NULL)
    {
      g_autofree char *message = run_error_message (run->path, error);

      show_message (self, message);
    }
  else
    {
      g_autofree char *base = g_filename_display_basename (run->path);
      g_autofree char *name = g_strdup_printf (_("%s (reconstructed)"), base);
      guint ny = result->before->ny;

      g_clear_pointer (&self->before, evox_tilt_series_free);
      g_clear_pointer (&self->after, evox_tilt_series_free);
      self->before = g_steal_pointer (&result->before);
      self->after = g_steal_pointer (&result->after);
      gtk_spin_button_set_range (self->row_spin, 0, ny - 1);
      gtk_widget_set_sensitive (GTK_WIDGET (self->row_spin), TRUE);
      if (gtk_spin_button_get_value_as_int (self->row_spin) == 0)
        gtk_spin_button_set_value (self->row_spin, ny / 2);
      update_sinograms (self);
      self->report_partial = FALSE;
      /* As `evox reconstruct` warns: a few dead pixels are common, a block of them is a damaged
       * file or a detector that dropped out, and the shifts and the volume suffer. */
      if (result->n_clamped > 0)
        {
          g_autofree char *warning =
            g_strdup_printf (ngettext ("Warning: %" G_GUINT64_FORMAT " detector pixel "
                                       "(%.3g %% of the projections) at or below the dark "
                                       "level, read as optical density %.3g",
                                       "Warning: %" G_GUINT64_FORMAT " detector pixels "
                                       "(%.3g %% of the projections) at or below the dark "
                                       "level, read as optical density %.3g",
                                       result->n_clamped),
                             result->n_clamped,
                             100.0 * result->n_clamped / MAX (result->n_pixels, 1),
                             -log (EVOX_TILT_MIN_TRANSMISSION));

          show_warning (self, warning);
        }
      show_report (self, g_steal_pointer (&result->report));
      g_signal_emit (self, signals[RECONSTRUCTED], 0, result->volume, name);
      run_result_free (result);
    }
  run_data_unref (run);
}

void
evox_recon_dialog_run (EvoxReconDialog *self)
{
  g_autoptr (GError) error = NULL;
  EvoxTiltReadOptions read;
  EvoxTomoOptions options;
  RunData *run;

  g_return_if_fail (EVOX_IS_RECON_DIALOG (self));

  _evox_ui_job_cancel (&self->job);
  show_message (self, NULL);
  show_warning (self, NULL);
  if (!evox_recon_dialog_get_options (self, &read, &options, &error))
    {
      show_message (self, error->message);
      return;
    }

  clear_report (self);
  /* The report grows from nothing; until the run ends it is not the volume's to save, and the
   * last run's sinograms (maybe of another file or binning) would pass for this one's. */
  self->report_partial = TRUE;
  g_clear_pointer (&self->before, evox_tilt_series_free);
  g_clear_pointer (&self->after, evox_tilt_series_free);
  update_sinograms (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->row_spin), FALSE);
  _evox_ui_job_start (&self->job, self->progress_bar, self->progress_box, job_stopped, self);
  run = g_atomic_rc_box_new0 (RunData);
  g_weak_ref_init (&run->dialog, self);
  run->context = g_main_context_ref_thread_default ();
  run->cancellable = g_object_ref (self->job.cancellable);
  run->progress = evox_progress_ref (self->job.progress);
  run->path = g_strstrip (g_strdup (evox_recon_dialog_get_path (self)));
  run->read = read;
  run->options = options;
  update_sensitivity (self);
  /* One reference for the worker, one for the finished callback. */
  _evox_task_run (evox_recon_dialog_run, run_work, g_atomic_rc_box_acquire (run),
                  run_data_unref, run_result_free, run->cancellable, run_finished, run);
}

void
evox_recon_dialog_cancel (EvoxReconDialog *self)
{
  g_return_if_fail (EVOX_IS_RECON_DIALOG (self));
  if (_evox_ui_job_cancel (&self->job))
    gtk_label_set_text (self->summary_label,
                        _("Cancelled: the plots show the run as far as it went; the window keeps "
                          "its volume"));
}

gboolean
evox_recon_dialog_is_running (EvoxReconDialog *self)
{
  g_return_val_if_fail (EVOX_IS_RECON_DIALOG (self), FALSE);
  return self->job.cancellable != NULL;
}

gboolean
evox_recon_dialog_save_report (EvoxReconDialog  *self,
                               const char       *path,
                               gboolean          force,
                               GError          **error)
{
  g_return_val_if_fail (EVOX_IS_RECON_DIALOG (self), FALSE);

  if (self->report == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, _("No report to save: run first"));
      return FALSE;
    }
  if (self->report_partial)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   _("The last run did not finish: its report is not saved"));
      return FALSE;
    }
  return evox_tomo_report_write_csv (self->report, path, force, error);
}

/* Actions */

static void
run_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  evox_recon_dialog_run (EVOX_RECON_DIALOG (widget));
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  evox_recon_dialog_cancel (EVOX_RECON_DIALOG (widget));
}

static void
choose_response (GtkNativeDialog *chooser,
                 int              response,
                 EvoxReconDialog *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        evox_recon_dialog_set_path (self, path);
    }
  g_object_unref (chooser);
}

/* GtkFileChooserNative, as the rest of the program: GtkFileDialog needs GTK 4.10 and Debian 12
 * has 4.8. */
static void
choose (EvoxReconDialog *self,
        gboolean         folder)
{
  static const char *series[] = { "*.txrm", "*.TXRM", "*.h5", "*.hdf5", "*.hdf", "*.H5",
                                  "*.HDF5", NULL };
  static const char *all[] = { "*", NULL };
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (folder ? _("Folder of Projections") :
                                                  _("Tilt Series"),
                                         GTK_WINDOW (self),
                                         folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER :
                                                  GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Select"), _("_Cancel"));
  if (!folder)
    {
      _evox_chooser_add_filter (GTK_FILE_CHOOSER (chooser), _("Tilt series (.txrm, Data Exchange HDF5)"),
                  series);
      _evox_chooser_add_filter (GTK_FILE_CHOOSER (chooser), _("All files"), all);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (choose_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
choose_file_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  choose (EVOX_RECON_DIALOG (widget), FALSE);
}

static void
choose_folder_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  choose (EVOX_RECON_DIALOG (widget), TRUE);
}

static gboolean
save_report (GtkWidget   *owner,
             const char  *path,
             gpointer     user_data,
             GError     **error)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (owner));

  /* The chooser has asked before replacing a file. */
  if (!evox_recon_dialog_save_report (EVOX_RECON_DIALOG (owner), path, TRUE, error))
    return FALSE;
  /* The window's toast is behind the dialog: say it here too. */
  {
    GtkLabel *summary = EVOX_RECON_DIALOG (owner)->summary_label;
    g_autofree char *shown = g_filename_display_name (path);
    g_autofree char *text = g_strdup_printf (_("%s\nReport saved as %s"),
                                             gtk_label_get_text (summary), shown);

    gtk_label_set_text (summary, text);
  }
  /* The window's toast says where it went, as for every other export. */
  if (EVOX_IS_WINDOW (parent))
    evox_window_show_saved (EVOX_WINDOW (parent), path);
  return TRUE;
}

static void
save_failed (GtkWidget  *owner,
             const char *message)
{
  show_message (EVOX_RECON_DIALOG (owner), message);
}

static void
save_report_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  EvoxReconDialog *self = EVOX_RECON_DIALOG (widget);
  g_autofree char *base = g_path_get_basename (evox_recon_dialog_get_path (self));
  char *dot = strrchr (base, '.');
  g_autofree char *name = NULL;
  GtkFileChooserNative *chooser;

  if (dot != NULL && dot != base)
    *dot = '\0';
  name = g_strdup_printf ("%s-quality.csv", *base != '\0' ? base : "reconstruction");
  chooser = _evox_save_chooser_new (widget, _("Save Quality Report"), _("_Save"), name,
                                    save_report, NULL, _("Could not save “%s”: %s"),
                                    save_failed);
  /* Beside the projections, where the user keeps that sample's files, not in whatever folder
   * the program was started from. */
  {
    g_autofree char *input = g_strstrip (g_strdup (evox_recon_dialog_get_path (self)));
    g_autofree char *folder = g_file_test (input, G_FILE_TEST_IS_DIR) ?
                              g_strdup (input) : g_path_get_dirname (input);

    if (*input != '\0' && g_file_test (folder, G_FILE_TEST_IS_DIR))
      {
        g_autoptr (GFile) file = g_file_new_for_path (folder);

        gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), file, NULL);
      }
  }
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
entry_activated (EvoxReconDialog *self)
{
  if (!evox_recon_dialog_is_running (self))
    evox_recon_dialog_run (self);
}

static gboolean
close_request (GtkWindow *window)
{
  _evox_ui_job_cancel (&EVOX_RECON_DIALOG (window)->job);
  return FALSE;
}

static void
evox_recon_dialog_dispose (GObject *object)
{
  EvoxReconDialog *self = EVOX_RECON_DIALOG (object);

  _evox_ui_job_cancel (&self->job);
  gtk_widget_dispose_template (GTK_WIDGET (object), EVOX_TYPE_RECON_DIALOG);
  G_OBJECT_CLASS (evox_recon_dialog_parent_class)->dispose (object);
}

static void
evox_recon_dialog_finalize (GObject *object)
{
  EvoxReconDialog *self = EVOX_RECON_DIALOG (object);

  g_clear_pointer (&self->report, evox_tomo_report_free);
  g_clear_pointer (&self->before, evox_tilt_series_free);
  g_clear_pointer (&self->after, evox_tilt_series_free);
  g_clear_object (&self->sinogram[0]);
  g_clear_object (&self->sinogram[1]);

  G_OBJECT_CLASS (evox_recon_dialog_parent_class)->finalize (object);
}

static void
evox_recon_dialog_class_init (EvoxReconDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = evox_recon_dialog_dispose;
  object_class->finalize = evox_recon_dialog_finalize;
  window_class->close_request = close_request;

  signals[RECONSTRUCTED] = g_signal_new ("reconstructed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                         2, EVOX_TYPE_VOLUME, G_TYPE_STRING);

  g_type_ensure (EVOX_TYPE_PLOT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/evox/Evox/evox-recon-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, path_entry);
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, bin_spin);
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, align_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, align_iterations);
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, center_auto);
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, center_spin);
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, algorithm_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, sirt_iterations);
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, filter_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, progress_box);
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, message_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, warning_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, summary_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, shift_plot);
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, residual_plot);
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, center_plot);
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, fsc_plot);
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, energy_plot);
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, row_spin);
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, before_picture);
  gtk_widget_class_bind_template_child (widget_class, EvoxReconDialog, after_picture);

  gtk_widget_class_install_action (widget_class, "recon.run", NULL, run_action);
  gtk_widget_class_install_action (widget_class, "recon.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "recon.choose-file", NULL, choose_file_action);
  gtk_widget_class_install_action (widget_class, "recon.choose-folder", NULL,
                                   choose_folder_action);
  gtk_widget_class_install_action (widget_class, "recon.save-report", NULL,
                                   save_report_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
evox_recon_dialog_init (EvoxReconDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  evox_plot_set_axes (self->shift_plot, _("Angle (°)"), _("Shift (px)"));
  evox_plot_set_axes (self->residual_plot, _("Reprojection iteration"),
                      _("Residual (OD, RMS)"));
  evox_plot_set_axes (self->center_plot, _("Rotation centre (px)"), _("Sharpness"));
  evox_plot_set_axes (self->fsc_plot, _("Spatial frequency (1/nm)"), _("FSC (odd/even angles)"));
  evox_plot_set_axes (self->energy_plot, _("Energy (eV)"), _("Shift fit RMS (px)"));
  clear_report (self);

  g_signal_connect_swapped (self->align_dropdown, "notify::selected",
                            G_CALLBACK (update_sensitivity), self);
  g_signal_connect_swapped (self->algorithm_dropdown, "notify::selected",
                            G_CALLBACK (update_sensitivity), self);
  g_signal_connect_swapped (self->center_auto, "toggled", G_CALLBACK (update_sensitivity),
                            self);
  g_signal_connect_swapped (self->row_spin, "value-changed", G_CALLBACK (row_changed), self);
  /* Enter in the path runs, as the Run button does. */
  g_signal_connect_swapped (self->path_entry, "activate", G_CALLBACK (entry_activated), self);
  update_sensitivity (self);
}

EvoxReconDialog *
evox_recon_dialog_new (GtkWindow *parent)
{
  return g_object_new (EVOX_TYPE_RECON_DIALOG, "transient-for", parent, NULL);
}
