/* test-recon-ui.c: the Reconstruction dialog on a small Data Exchange file written here (three
 * cylinders projected analytically at 90 angles with known jitter): opened from the window's
 * action, run with the options set in its fields, the volume opened in the window with the
 * series' dims, the plots holding the report's numbers, the sinograms before and after; Cancel
 * stops a run and keeps the document; a bad file and a centre outside the detector show an error
 * in the dialog and keep the document. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <hdf5.h>
#include <math.h>
#include <string.h>

#include "evox-document.h"
#include "evox-plot.h"
#include "evox-progress.h"
#include "evox-recon-dialog.h"
#include "evox-test-hdf5.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-test-xrm.h"
#include "evox-types.h"
#include "evox-window.h"

#define NX 64
#define NY 16
#define N_ANGLES 90

/* Cylinders along the rotation axis: centre in the slice (pixels), radius, attenuation per pixel
 * length, and the rows they span. */
static const struct
{
  double cx, cy, r, mu;
  guint  y0, y1;
} discs[] = {
  { 20, 30, 8, 0.05, 2, 13 },
  { 40, 36, 6, 0.08, 4, 11 },
  { 32, 20, 5, 0.04, 6, 14 },
};

/* Known jitter, pixels: dx fractional, dy whole rows. */
static double jitter_dx[N_ANGLES];
static int jitter_dy[N_ANGLES];

/* The optical density at detector pixel x, row y, angle theta of the unjittered cylinders: the
 * chord of each disc through the ray, in the geometry of evox-tomo.h (slice centre and rotation
 * axis at (NX - 1) / 2), computed exactly rather than by a projector. */
static double
phantom_od (double x,
            int    y,
            double theta)
{
  const double c = (NX - 1) / 2.0;
  double od = 0;

  for (guint i = 0; i < G_N_ELEMENTS (discs); i++)
    {
      double p = (discs[i].cx - c) * cos (theta) + (discs[i].cy - c) * sin (theta);
      double d = x - c - p;

      if (y < (int) discs[i].y0 || y > (int) discs[i].y1 || fabs (d) >= discs[i].r)
        continue;
      od += discs[i].mu * 2 * sqrt (discs[i].r * discs[i].r - d * d);
    }
  return od;
}

/* /exchange/data as counts 1000 exp (-OD) of the jittered projections, data_white 1000, theta in
 * degrees over a half turn; the first n_zeros pixels of the first projection count 0 (a dead
 * block), named discs-dead.h5 then. */
static char *
write_series_with_zeros (const char *dir,
                         guint       n_zeros)
{
  char *path = g_build_filename (dir, n_zeros > 0 ? "discs-dead.h5" : "discs.h5", NULL);
  hid_t file = H5Fcreate (path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t dims[3] = { N_ANGLES, NY, NX };
  hsize_t white_dims[3] = { 1, NY, NX };
  hsize_t theta_dims[1] = { N_ANGLES };
  g_autofree double *data = g_new (double, N_ANGLES * NY * NX);
  g_autofree double *white = g_new (double, NY * NX);
  double theta[N_ANGLES];
  g_autoptr (GRand) rand = g_rand_new_with_seed (16);

  for (guint a = 0; a < N_ANGLES; a++)
    {
      theta[a] = a * 180.0 / N_ANGLES;
      jitter_dx[a] = g_rand_double_range (rand, -2, 2);
      jitter_dy[a] = g_rand_int_range (rand, -1, 2);
      for (int y = 0; y < NY; y++)
        for (int x = 0; x < NX; x++)
          data[((gsize) a * NY + y) * NX + x] =
            1000 * exp (-phantom_od (x - jitter_dx[a], y - jitter_dy[a],
                                     theta[a] * G_PI / 180));
    }
  for (guint i = 0; i < n_zeros; i++)
    data[i] = 0;
  for (guint i = 0; i < NY * NX; i++)
    white[i] = 1000;
  g_assert_cmpint (file, >=, 0);
  evox_test_h5_put (file, "/exchange/data", H5T_IEEE_F32LE, 3, dims, data, NULL);
  evox_test_h5_put (file, "/exchange/data_white", H5T_IEEE_F32LE, 3, white_dims, white, NULL);
  evox_test_h5_put (file, "/exchange/theta", H5T_IEEE_F64LE, 1, theta_dims, theta, NULL);
  H5Fclose (file);
  return path;
}

static char *
write_series (const char *dir)
{
  return write_series_with_zeros (dir, 0);
}

static gboolean
loaded (gpointer data)
{
  return evox_test_window_loaded (data);
}

static EvoxWindow *
demo_window (void)
{
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  evox_window_open_demo (window);
  g_assert_true (evox_test_wait_for (loaded, window, 60));
  return window;
}

/* The dialog the window's action opened. */
static EvoxReconDialog *
open_dialog (EvoxWindow *window)
{
  g_autoptr (GListModel) toplevels = NULL;
  EvoxReconDialog *dialog = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.reconstruct", NULL));
  toplevels = gtk_window_get_toplevels ();
  g_object_ref (toplevels);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) item = g_list_model_get_item (toplevels, i);

      if (EVOX_IS_RECON_DIALOG (item))
        dialog = EVOX_RECON_DIALOG (item);
    }
  g_assert_nonnull (dialog);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (window));
  g_assert_true (evox_test_wait_for (evox_test_is_drawn, dialog, 60));
  return dialog;
}

static gboolean
stopped (gpointer data)
{
  return !evox_recon_dialog_is_running (data);
}

static GtkWidget *
field (EvoxReconDialog *dialog,
       const char      *name)
{
  GtkWidget *widget = evox_test_find_named (GTK_WIDGET (dialog), name);

  g_assert_nonnull (widget);
  return widget;
}

static void
count_reconstructed (EvoxReconDialog *dialog,
                     EvoxVolume      *volume,
                     const char      *name,
                     guint           *count)
{
  (*count)++;
}

static void
assert_line_is (EvoxPlot     *plot,
                guint         line,
                const double *expected,
                guint         n)
{
  guint n_points;
  const double *y = evox_plot_get_line (plot, line, NULL, &n_points);

  g_assert_cmpuint (n_points, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (y[i], expected[i], 1e-9);
}

/* A check for evox_test_wait_for: the file chooser on screen shows the folder `dir`. */
static gboolean
chooser_in (gpointer dir)
{
  GtkWindow *chooser = evox_test_find_file_dialog ();
  g_autoptr (GFile) folder = NULL;
  g_autofree char *path = NULL;

  if (chooser == NULL)
    return FALSE;
  folder = gtk_file_chooser_get_current_folder (GTK_FILE_CHOOSER (chooser));
  path = folder != NULL ? g_file_get_path (folder) : NULL;
  return g_strcmp0 (path, dir) == 0;
}

static void
test_run (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = write_series (dir);
  g_autofree char *csv = g_build_filename (dir, "quality.csv", NULL);
  g_autoptr (GError) error = NULL;
  EvoxWindow *window = demo_window ();
  EvoxDocument *document = evox_window_get_document (window);
  EvoxReconDialog *dialog = open_dialog (window);
  EvoxTiltReadOptions read;
  EvoxTomoOptions options;
  const EvoxTomoReport *report;
  EvoxPlot *shifts;
  EvoxVolume *volume;
  GdkTexture *before, *after;
  gsize dims[3];
  guint reconstructed = 0;
  gboolean moved = FALSE;

  g_signal_connect (dialog, "reconstructed", G_CALLBACK (count_reconstructed), &reconstructed);

  /* The fields as a user sets them reach the pipeline's options. */
  evox_recon_dialog_set_path (dialog, path);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (field (dialog, "align_dropdown")), 2);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (field (dialog, "align_iterations")), 3);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (field (dialog, "algorithm_dropdown")), 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (field (dialog, "sirt_iterations")), 20);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (field (dialog, "bin_spin")), 2);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (field (dialog, "center_auto")), FALSE);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (field (dialog, "center_spin")), 15.5);
  g_assert_true (gtk_widget_get_sensitive (field (dialog, "center_spin")));
  g_assert_false (gtk_widget_get_sensitive (field (dialog, "filter_dropdown")));
  g_assert_true (evox_recon_dialog_get_options (dialog, &read, &options, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (read.bin, ==, 2);
  g_assert_cmpint (options.align, ==, EVOX_TOMO_ALIGN_REPROJECT);
  g_assert_cmpuint (options.reproject.iterations, ==, 3);
  g_assert_cmpuint (options.recon.sirt_iterations, ==, 20);
  g_assert_cmpfloat (options.center, ==, 15.5);

  /* The run: reprojection with 2 iterations, automatic centre, FBP with Hann, no binning. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (field (dialog, "align_dropdown")), 2);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (field (dialog, "align_iterations")), 2);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (field (dialog, "algorithm_dropdown")), 0);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (field (dialog, "filter_dropdown")), 2);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (field (dialog, "bin_spin")), 1);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (field (dialog, "center_auto")), TRUE);
  g_assert_true (evox_recon_dialog_get_options (dialog, &read, &options, &error));
  g_assert_cmpint (options.align, ==, EVOX_TOMO_ALIGN_REPROJECT);
  g_assert_cmpint (options.recon.filter, ==, EVOX_RECON_FILTER_HANN);
  g_assert_cmpuint (options.recon.sirt_iterations, ==, 0);
  g_assert_true (isnan (options.center));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "recon.run", NULL));
  g_assert_true (evox_recon_dialog_is_running (dialog));
  g_assert_true (evox_test_wait_for (stopped, dialog, 120));
  g_assert_null (evox_recon_dialog_get_message (dialog));
  /* Every count is above the dark level (zero): nothing to warn of. */
  g_assert_null (evox_recon_dialog_get_warning (dialog));
  g_assert_cmpuint (reconstructed, ==, 1);

  /* The window shows the volume: nx x nx slices, one per detector row. */
  volume = evox_document_get_volume (document);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, NX);
  g_assert_cmpuint (dims[1], ==, NX);
  g_assert_cmpuint (dims[2], ==, NY);
  g_assert_nonnull (strstr (evox_document_get_title (document), "discs.h5"));
  g_assert_null (evox_window_get_error (window));

  /* The plots hold the report's numbers: dx and dy against the angle in degrees. */
  report = evox_recon_dialog_get_report (dialog);
  g_assert_nonnull (report);
  g_assert_cmpuint (report->n_angles, ==, N_ANGLES);
  g_assert_true (isfinite (report->center));
  shifts = EVOX_PLOT (evox_recon_dialog_get_plot (dialog, EVOX_RECON_PLOT_SHIFTS));
  g_assert_true (evox_plot_has_data (shifts));
  g_assert_cmpuint (report->iterations->len, >, 0);
  g_assert_cmpuint (evox_plot_get_n_lines (shifts), ==, 3);
  assert_line_is (shifts, 0, report->fast_dx, N_ANGLES);
  assert_line_is (shifts, 1, report->dx, N_ANGLES);
  assert_line_is (shifts, 2, report->dy, N_ANGLES);
  {
    const double *x;
    guint n;

    evox_plot_get_line (shifts, 0, &x, &n);
    g_assert_cmpfloat_with_epsilon (x[N_ANGLES - 1], 178.0, 1e-9);
  }
  /* The jitter is up to 2 px: the alignment moved the projections. */
  for (guint a = 0; a < N_ANGLES; a++)
    moved = moved || fabs (report->dx[a]) > 0.2;
  g_assert_true (moved);
  /* A residual per iteration, the centre scan (pairs), the FSC with both thresholds. */
  {
    const double *y;
    guint n;

    EvoxPlot *residual = EVOX_PLOT (evox_recon_dialog_get_plot (dialog,
                                                                EVOX_RECON_PLOT_RESIDUAL));

    /* One iteration is said in words, not as a lone point (test_plots). */
    if (report->iterations->len == 1)
      g_assert_false (evox_plot_has_data (residual));
    else
      {
        double r0 = g_array_index (report->iterations, EvoxTomoIteration, 0).residual;
        double k;

        y = evox_plot_get_line (residual, 0, NULL, &n);
        g_assert_cmpuint (n, ==, report->iterations->len);
        /* In OD, or in 10^-3k OD when the residuals differ too little for the ticks. */
        k = round (log10 (y[0] / r0) / 3);
        for (guint i = 0; i < n; i++)
          g_assert_cmpfloat_with_epsilon (y[i] / pow (10, 3 * k),
                                          g_array_index (report->iterations, EvoxTomoIteration,
                                                         i).residual, 1e-12);
      }
    g_assert_cmpuint (report->center_scan->len, >, 0);
    evox_plot_get_line (EVOX_PLOT (evox_recon_dialog_get_plot (dialog, EVOX_RECON_PLOT_CENTER)),
                        0, NULL, &n);
    g_assert_cmpuint (n, ==, report->center_scan->len / 2);
    g_assert_cmpuint (report->n_shells, >, 0);
    evox_plot_get_line (EVOX_PLOT (evox_recon_dialog_get_plot (dialog, EVOX_RECON_PLOT_FSC)),
                        0, NULL, &n);
    g_assert_cmpuint (n, ==, report->n_shells);
    g_assert_cmpuint (evox_plot_get_n_lines (EVOX_PLOT (evox_recon_dialog_get_plot
                                                          (dialog, EVOX_RECON_PLOT_FSC))), ==, 3);
  }

  /* The sinograms of the chosen row: nx wide, an angle a row; before and after differ where
   * the shifts moved the projections. */
  evox_recon_dialog_set_row (dialog, 8);
  before = evox_recon_dialog_get_sinogram (dialog, FALSE);
  after = evox_recon_dialog_get_sinogram (dialog, TRUE);
  g_assert_nonnull (before);
  g_assert_nonnull (after);
  g_assert_cmpint (gdk_texture_get_width (before), ==, NX);
  g_assert_cmpint (gdk_texture_get_height (before), ==, N_ANGLES);
  g_assert_cmpint (gdk_texture_get_width (after), ==, NX);
  {
    g_autofree guchar *a = g_malloc (NX * N_ANGLES * 4);
    g_autofree guchar *b = g_malloc (NX * N_ANGLES * 4);
    guint differ = 0;

    gdk_texture_download (before, a, NX * 4);
    gdk_texture_download (after, b, NX * 4);
    for (guint i = 0; i < NX * N_ANGLES * 4; i++)
      differ += a[i] != b[i];
    g_assert_cmpuint (differ, >, 100);
  }
  /* The new labels and pictures take a frame to be laid out. */
  evox_test_wait_painted (GTK_WIDGET (dialog));
  evox_test_screenshot (GTK_WIDGET (dialog), "recon-dialog");

  /* Save Report… as a user answers its chooser: the report as CSV (evox_tomo_report_write_csv),
   * the window's toast naming it, and no overwriting without force. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "recon.save-report", NULL));
  g_assert_true (evox_test_wait_for (evox_test_file_dialog_shown, NULL, 60));
  /* It opens beside the projections (the test runs elsewhere, in the build folder); the
   * chooser loads the folder in turns of the main loop. */
  g_assert_true (evox_test_wait_for (chooser_in, dir, 60));
  evox_test_answer_file_dialog (csv, GTK_RESPONSE_ACCEPT);
  g_assert_true (evox_test_wait_for (evox_test_file_dialog_gone, NULL, 60));
  g_assert_null (evox_recon_dialog_get_message (dialog));
  /* The toast is the window's, behind the dialog: the dialog says it too. */
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (field (dialog, "summary_label"))),
                            "Report saved as"));
  {
    g_autofree char *text = NULL;

    g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
    g_assert_cmpuint (strlen (text), >, 0);
  }
  g_assert_cmpstr (evox_window_get_saved_path (window), ==, csv);
  g_assert_false (evox_recon_dialog_save_report (dialog, csv, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_clear_error (&error);

  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
assert_x_is (EvoxPlot     *plot,
             guint         line,
             const double *expected,
             guint         n)
{
  const double *x;
  guint n_points;

  evox_plot_get_line (plot, line, &x, &n_points);
  g_assert_cmpuint (n_points, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (x[i], expected[i], 1e-9);
}

static EvoxPlot *
plot_of (EvoxReconDialog *dialog,
         EvoxReconPlot    which)
{
  return EVOX_PLOT (evox_recon_dialog_get_plot (dialog, which));
}

/* A hand-made report with every part filled: each plot shows exactly its numbers. */
static void
test_plots (void)
{
  const double theta[4] = { 0, G_PI / 4, G_PI / 2, 3 * G_PI / 4 };
  const double degrees[4] = { 0, 45, 90, 135 };
  const double residual[3] = { 0.5, 0.2, 0.1 };
  const double iteration[3] = { 1, 2, 3 };
  /* The scan as the search tries it (coarse, then fine) and as plotted, in centre order. */
  const double scan[6] = { 30, 1.0, 32, 3.0, 31, 2.5 };
  const double scan_x[3] = { 30, 31, 32 };
  const double scan_y[3] = { 1.0, 2.5, 3.0 };
  const double frequency[4] = { 0.05, 0.1, 0.15, 0.2 };
  const double fsc[4] = { 1.0, 0.8, 0.3, 0.05 };
  const guint n_voxels[4] = { 10, 50, 120, 200 };
  double half_bit[4], fixed[4];
  const double energies_x[2] = { 8300, 8350 };
  const double energies_rms[2] = { 0.3, 0.5 };
  g_autoptr (EvoxTomoReport) report = evox_tomo_report_new (4, theta);
  g_autoptr (EvoxTomoReport) empty = evox_tomo_report_new (4, theta);
  EvoxReconDialog *dialog = evox_recon_dialog_new (NULL);
  const char *label = NULL;

  g_object_ref_sink (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  for (guint a = 0; a < 4; a++)
    {
      report->fast_dx[a] = 0.5 * a;
      report->fast_dy[a] = -0.25 * a;
      report->dx[a] = 0.5 * a + 0.1;
      report->dy[a] = -0.25 * a + 0.05;
    }
  for (guint i = 0; i < 3; i++)
    {
      EvoxTomoIteration it = { 0, i, residual[i], 0.1 / (i + 1) };

      g_array_append_val (report->iterations, it);
    }
  g_array_append_vals (report->center_scan, scan, 6);
  report->center = 31.75;
  report->center_fit = 31.5;
  evox_tomo_report_set_fsc (report, 4, frequency, fsc, n_voxels, TRUE);
  report->resolution_half_bit = 8.0;
  report->resolution_fixed = 6.0;
  evox_tomo_report_set_energies (report, 3);
  report->reference_ev = 8400;
  for (guint i = 0; i < 3; i++)
    report->energies[i].energy_ev = 8300 + 50 * i;
  report->energies[0].fit_rms = 0.3;
  report->energies[1].fit_rms = 0.5;
  report->energies[2].fit_rms = NAN;
  evox_recon_dialog_show_report (dialog, report);

  /* Shifts: the first pass (grey) under the final dx and dy, against degrees. */
  g_assert_cmpuint (evox_plot_get_n_lines (plot_of (dialog, EVOX_RECON_PLOT_SHIFTS)), ==, 3);
  assert_x_is (plot_of (dialog, EVOX_RECON_PLOT_SHIFTS), 0, degrees, 4);
  assert_line_is (plot_of (dialog, EVOX_RECON_PLOT_SHIFTS), 0, report->fast_dx, 4);
  assert_line_is (plot_of (dialog, EVOX_RECON_PLOT_SHIFTS), 1, report->dx, 4);
  assert_line_is (plot_of (dialog, EVOX_RECON_PLOT_SHIFTS), 2, report->dy, 4);

  assert_x_is (plot_of (dialog, EVOX_RECON_PLOT_RESIDUAL), 0, iteration, 3);
  assert_line_is (plot_of (dialog, EVOX_RECON_PLOT_RESIDUAL), 0, residual, 3);

  /* Residuals within 0.0011 OD of each other (as the user phantom's two iterations: 0.1048,
   * 0.1037) are plotted in 10^-3 OD, by hand 104.8 and 103.7. */
  {
    g_autoptr (EvoxTomoReport) close = evox_tomo_report_copy (report);
    const double close_od[2] = { 0.1048, 0.1037 };
    const double close_milli[2] = { 104.8, 103.7 };

    g_array_set_size (close->iterations, 0);
    for (guint i = 0; i < 2; i++)
      {
        EvoxTomoIteration it = { 0, i, close_od[i], 0.01 };

        g_array_append_val (close->iterations, it);
      }
    evox_recon_dialog_show_report (dialog, close);
    assert_line_is (plot_of (dialog, EVOX_RECON_PLOT_RESIDUAL), 0, close_milli, 2);
    /* A single iteration: no lone point on an axis from 0.95 to 1.05, the number in words. */
    g_array_set_size (close->iterations, 1);
    evox_recon_dialog_show_report (dialog, close);
    g_assert_false (evox_plot_has_data (plot_of (dialog, EVOX_RECON_PLOT_RESIDUAL)));
    g_assert_cmpuint (evox_plot_get_n_lines (plot_of (dialog, EVOX_RECON_PLOT_RESIDUAL)), ==, 0);
    evox_recon_dialog_show_report (dialog, report);
    assert_line_is (plot_of (dialog, EVOX_RECON_PLOT_RESIDUAL), 0, residual, 3);
  }

  assert_x_is (plot_of (dialog, EVOX_RECON_PLOT_CENTER), 0, scan_x, 3);
  assert_line_is (plot_of (dialog, EVOX_RECON_PLOT_CENTER), 0, scan_y, 3);
  g_assert_cmpuint (evox_plot_get_n_markers (plot_of (dialog, EVOX_RECON_PLOT_CENTER)), ==, 1);
  g_assert_cmpfloat (evox_plot_get_marker (plot_of (dialog, EVOX_RECON_PLOT_CENTER), 0, &label),
                     ==, 31.75);
  g_assert_nonnull (strstr (label, "31.75 px"));

  /* FSC with the half-bit curve of van Heel & Schatz (2005) from each shell's voxel count,
   * written out here: (0.2071 + 1.9102 / sqrt n) / (1.2071 + 0.9102 / sqrt n), and 1/7. */
  for (guint i = 0; i < 4; i++)
    {
      double r = sqrt (n_voxels[i]);

      half_bit[i] = (0.2071 + 1.9102 / r) / (1.2071 + 0.9102 / r);
      fixed[i] = 1.0 / 7.0;
    }
  g_assert_cmpuint (evox_plot_get_n_lines (plot_of (dialog, EVOX_RECON_PLOT_FSC)), ==, 3);
  assert_x_is (plot_of (dialog, EVOX_RECON_PLOT_FSC), 0, frequency, 4);
  assert_line_is (plot_of (dialog, EVOX_RECON_PLOT_FSC), 0, fsc, 4);
  {
    const double *y = evox_plot_get_line (plot_of (dialog, EVOX_RECON_PLOT_FSC), 1, NULL, NULL);

    for (guint i = 0; i < 4; i++)
      g_assert_cmpfloat_with_epsilon (y[i], half_bit[i], 1e-3);
  }
  assert_line_is (plot_of (dialog, EVOX_RECON_PLOT_FSC), 2, fixed, 4);
  /* Resolutions marked at their frequencies, in nm. */
  g_assert_cmpuint (evox_plot_get_n_markers (plot_of (dialog, EVOX_RECON_PLOT_FSC)), ==, 2);
  g_assert_cmpfloat_with_epsilon (evox_plot_get_marker (plot_of (dialog, EVOX_RECON_PLOT_FSC),
                                                        0, &label), 0.125, 1e-12);
  g_assert_nonnull (strstr (label, "8 nm"));
  g_assert_cmpfloat_with_epsilon (evox_plot_get_marker (plot_of (dialog, EVOX_RECON_PLOT_FSC),
                                                        1, &label), 1 / 6.0, 1e-12);

  /* Energies: each fit's RMS, the reference (no fit) marked instead. */
  assert_x_is (plot_of (dialog, EVOX_RECON_PLOT_ENERGIES), 0, energies_x, 2);
  assert_line_is (plot_of (dialog, EVOX_RECON_PLOT_ENERGIES), 0, energies_rms, 2);
  g_assert_cmpfloat (evox_plot_get_marker (plot_of (dialog, EVOX_RECON_PLOT_ENERGIES), 0, NULL),
                     ==, 8400);
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (field (dialog, "summary_label"))),
                            "31.75"));
  evox_test_wait_painted (GTK_WIDGET (dialog));
  evox_test_screenshot (GTK_WIDGET (dialog), "recon-plots");

  /* A report with nothing in it (no alignment): every plot empty, none left from before. */
  evox_recon_dialog_show_report (dialog, empty);
  for (guint p = EVOX_RECON_PLOT_SHIFTS; p <= EVOX_RECON_PLOT_ENERGIES; p++)
    g_assert_false (evox_plot_has_data (plot_of (dialog, p)));

  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_finalize_object (dialog);
}

/* Two energies, a .txrm each, in one folder: evox_tomo_run_spectral runs, the volume has a
 * channel per energy, and the energies plot shows the fit RMS of the one that is not the
 * reference with the reference (the higher) marked. */
static void
test_energies (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  static const float energies[2] = { 8000, 8400 };
  EvoxWindow *window = demo_window ();
  EvoxDocument *document = evox_window_get_document (window);
  EvoxReconDialog *dialog = open_dialog (window);
  const EvoxTomoReport *report;
  EvoxPlot *plot;
  const double *x;
  const double *y;
  guint n;

  for (guint e = 0; e < 2; e++)
    {
      g_autofree char *path = g_build_filename (dir, e == 0 ? "a.txrm" : "b.txrm", NULL);
      EvoxTestXrm spec = { 0 };

      spec.width = 32;
      spec.height = 24;
      spec.n_images = 12;
      spec.data_type = 5;
      spec.reference = TRUE;
      spec.energies = &energies[e];
      spec.n_energies = 1;
      evox_test_xrm_write (path, &spec);
    }
  evox_recon_dialog_set_path (dialog, dir);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (field (dialog, "align_dropdown")), 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "recon.run", NULL));
  g_assert_true (evox_test_wait_for (stopped, dialog, 120));
  g_test_message ("energies: %s", evox_recon_dialog_get_message (dialog));
  g_assert_null (evox_recon_dialog_get_message (dialog));
  g_assert_cmpuint (evox_volume_get_n_channels (evox_document_get_volume (document)), ==, 2);

  report = evox_recon_dialog_get_report (dialog);
  g_assert_cmpuint (report->n_energies, ==, 2);
  plot = EVOX_PLOT (evox_recon_dialog_get_plot (dialog, EVOX_RECON_PLOT_ENERGIES));
  g_assert_cmpuint (evox_plot_get_n_lines (plot), ==, 1);
  y = evox_plot_get_line (plot, 0, &x, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpfloat (x[0], ==, 8000);
  g_assert_cmpfloat (y[0], ==, report->energies[0].fit_rms);
  g_assert_cmpfloat (evox_plot_get_marker (plot, 0, NULL), ==, 8400);

  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static gboolean
reconstructing (gpointer data)
{
  GtkProgressBar *bar = GTK_PROGRESS_BAR (field (data, "progress_bar"));
  const char *text = gtk_progress_bar_get_text (bar);

  return text != NULL && g_str_has_prefix (text, "SIRT");
}

/* Every worker started through _evox_task_run has returned and its task has ended. */
static gboolean
no_task_running (gpointer data)
{
  return _evox_task_get_n_running () == 0;
}

/* Cancel during a long SIRT: the dialog stops at once, no volume arrives, the document stays;
 * the plots already had the first pass's shifts (they update while the run goes on). */
static void
test_cancel (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = write_series (dir);
  EvoxWindow *window = demo_window ();
  EvoxDocument *document = evox_window_get_document (window);
  EvoxVolume *demo = evox_document_get_volume (document);
  EvoxReconDialog *dialog = open_dialog (window);
  guint reconstructed = 0;

  g_signal_connect (dialog, "reconstructed", G_CALLBACK (count_reconstructed), &reconstructed);
  evox_recon_dialog_set_path (dialog, path);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (field (dialog, "algorithm_dropdown")), 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (field (dialog, "sirt_iterations")), 2000);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "recon.run", NULL));
  g_assert_true (evox_test_wait_for (reconstructing, dialog, 60));
  evox_test_wait_painted (GTK_WIDGET (dialog));
  g_assert_true (evox_plot_has_data (EVOX_PLOT (evox_recon_dialog_get_plot
                                                  (dialog, EVOX_RECON_PLOT_SHIFTS))));
  /* The report as it stood before the reconstruction: aligned, its centre chosen. */
  g_assert_nonnull (evox_recon_dialog_get_report (dialog));
  g_assert_true (isfinite (evox_recon_dialog_get_report (dialog)->center));
  g_assert_true (evox_recon_dialog_is_running (dialog));
  evox_test_screenshot (GTK_WIDGET (dialog), "recon-running");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "recon.cancel", NULL));
  g_assert_false (evox_recon_dialog_is_running (dialog));
  g_assert_false (gtk_widget_get_visible (field (dialog, "progress_bar")) &&
                  gtk_widget_get_mapped (field (dialog, "progress_bar")));
  /* Nothing arrives once the cancelled worker has returned and its task ended. */
  g_assert_true (evox_test_wait_for (no_task_running, NULL, 60));
  g_assert_cmpuint (reconstructed, ==, 0);
  g_assert_true (evox_document_get_volume (document) == demo);
  g_assert_null (evox_recon_dialog_get_message (dialog));
  /* The report of a cancelled run stays in the plots but is not the volume's: nothing to save,
   * and no sinogram of an earlier run passes for this one's. */
  g_assert_nonnull (evox_recon_dialog_get_report (dialog));
  g_assert_false (gtk_widget_is_sensitive (field (dialog, "save_button")));
  {
    g_autoptr (GError) error = NULL;
    g_autofree char *csv = g_build_filename (dir, "cancelled.csv", NULL);

    g_assert_false (evox_recon_dialog_save_report (dialog, csv, TRUE, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
    g_assert_false (g_file_test (csv, G_FILE_TEST_EXISTS));
  }
  g_assert_null (evox_recon_dialog_get_sinogram (dialog, FALSE));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (field (dialog, "summary_label"))),
                            "Cancelled"));

  /* Closing the window while a run goes on takes the dialog with it and cancels the run; its
   * end arrives to nobody. */
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "recon.run", NULL));
  g_assert_true (evox_test_wait_for (reconstructing, dialog, 60));
  evox_test_close_window (window);
  g_assert_null (dialog);
  g_assert_true (evox_test_wait_for (no_task_running, NULL, 60));
  g_assert_cmpuint (reconstructed, ==, 0);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A file that is no tilt series, and a centre outside the detector: the message in the dialog
 * names the file and the reason; the window keeps its volume and shows no banner. */
static void
test_errors (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *series = write_series (dir);
  g_autofree char *bad = g_build_filename (dir, "broken.h5", NULL);
  EvoxWindow *window = demo_window ();
  EvoxDocument *document = evox_window_get_document (window);
  EvoxVolume *demo = evox_document_get_volume (document);
  EvoxReconDialog *dialog = open_dialog (window);
  const char *message;

  /* No input at all. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "recon.run", NULL));
  g_assert_false (evox_recon_dialog_is_running (dialog));
  g_assert_nonnull (evox_recon_dialog_get_message (dialog));

  g_assert_true (g_file_set_contents (bad, "not an HDF5 file\n", -1, NULL));
  evox_recon_dialog_set_path (dialog, bad);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "recon.run", NULL));
  g_assert_true (evox_test_wait_for (stopped, dialog, 60));
  message = evox_recon_dialog_get_message (dialog);
  g_test_message ("bad file: %s", message);
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, "broken.h5"));
  /* Named once, by its base name: the reader's full path is not repeated. */
  g_assert_null (strstr (strstr (message, "broken.h5") + 1, "broken.h5"));
  g_assert_null (strstr (message, dir));
  g_assert_true (evox_document_get_volume (document) == demo);
  g_assert_null (evox_window_get_error (window));

  /* A .txrm without its reference image (as the real txrm_test_chip_tomo.txrm): the message says
   * what is missing and what the user can do instead. */
  {
    g_autofree char *txrm = g_build_filename (dir, "noref.txrm", NULL);
    EvoxTestXrm spec = { .width = 8, .height = 4, .n_images = 3, .data_type = 5 };

    evox_test_xrm_write (txrm, &spec);
    evox_recon_dialog_set_path (dialog, txrm);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "recon.run", NULL));
    g_assert_true (evox_test_wait_for (stopped, dialog, 60));
    message = evox_recon_dialog_get_message (dialog);
    g_test_message ("no reference: %s", message);
    g_assert_nonnull (message);
    g_assert_nonnull (strstr (message, "“noref.txrm”"));
    g_assert_null (strstr (message, dir));
    g_assert_nonnull (strstr (message, "ReferenceData"));
    g_assert_nonnull (strstr (message, "folder of per-angle .xrm files"));
    g_assert_null (evox_recon_dialog_get_warning (dialog));
  }

  evox_recon_dialog_set_path (dialog, series);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (field (dialog, "center_auto")), FALSE);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (field (dialog, "center_spin")), 500);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "recon.run", NULL));
  g_assert_true (evox_test_wait_for (stopped, dialog, 60));
  message = evox_recon_dialog_get_message (dialog);
  g_test_message ("centre outside: %s", message);
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, "outside"));
  g_assert_true (evox_document_get_volume (document) == demo);

  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Every control says what it does when the pointer rests on it. */
static void
test_tooltips (void)
{
  static const char *controls[] = { "save_button", "run_button", "cancel_button", "path_entry",
                                    "bin_spin", "align_dropdown", "align_iterations",
                                    "center_auto", "center_spin", "algorithm_dropdown",
                                    "sirt_iterations", "filter_dropdown", "row_spin" };
  EvoxReconDialog *dialog = evox_recon_dialog_new (NULL);

  g_object_ref_sink (dialog);
  for (guint i = 0; i < G_N_ELEMENTS (controls); i++)
    {
      const char *tip = gtk_widget_get_tooltip_text (field (dialog, controls[i]));

      g_test_message ("%s: %s", controls[i], tip);
      g_assert_nonnull (tip);
      g_assert_cmpuint (strlen (tip), >, 10);
    }
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_finalize_object (dialog);
}

/* Counts at or below the dark level: the run goes on, and the dialog warns as `evox reconstruct`
 * does, with the count (the 40 zeros written: brute force, every other count is above 1) and
 * their share of the 90 x 16 x 64 detector pixels. */
static void
test_clamped (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = write_series_with_zeros (dir, 40);
  g_autofree char *expected = g_strdup_printf ("%.3g %%", 100.0 * 40 / (N_ANGLES * NY * NX));
  EvoxWindow *window = demo_window ();
  EvoxReconDialog *dialog = open_dialog (window);
  const char *warning;

  evox_recon_dialog_set_path (dialog, path);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (field (dialog, "align_dropdown")), 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "recon.run", NULL));
  g_assert_true (evox_test_wait_for (stopped, dialog, 60));
  g_assert_null (evox_recon_dialog_get_message (dialog));
  warning = evox_recon_dialog_get_warning (dialog);
  g_test_message ("warning: %s", warning);
  g_assert_nonnull (warning);
  g_assert_true (g_str_has_prefix (warning, "Warning: 40 detector pixels "));
  g_assert_nonnull (strstr (warning, expected));
  g_assert_nonnull (strstr (warning, "dark level"));
  g_assert_true (gtk_widget_get_visible (field (dialog, "warning_label")));

  /* A new run starts without the old warning. */
  evox_recon_dialog_set_path (dialog, "");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "recon.run", NULL));
  g_assert_null (evox_recon_dialog_get_warning (dialog));

  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;
  g_test_add_func ("/Evox/ReconUI/plots", test_plots);
  g_test_add_func ("/Evox/ReconUI/run", test_run);
  g_test_add_func ("/Evox/ReconUI/energies", test_energies);
  g_test_add_func ("/Evox/ReconUI/cancel", test_cancel);
  g_test_add_func ("/Evox/ReconUI/errors", test_errors);
  g_test_add_func ("/Evox/ReconUI/clamped", test_clamped);
  g_test_add_func ("/Evox/ReconUI/tooltips", test_tooltips);
  return g_test_run ();
}
