/* test-channels-ui.c: choosing the channel shown (Display panel, keys, --channel) and opening
 * feature files (File > Open Features, --coords, --features) in the window under Xvfb. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evox-application.h"
#include "evox-canvas.h"
#include "evox-feature-file.h"
#include "evox-histogram-view.h"
#include "evox-phase.h"
#include "evox-phase-panel.h"
#include "evox-phase-row.h"
#include "evox-spectrum-panel.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-window.h"

/* The 3-channel test volume: 8 x 6 x 4 f32, values a different decade per channel and a
 * different value per voxel, so a wrong channel or a wrong voxel both show. */
#define NX 8
#define NY 6
#define NZ 4

static const char *labels[] = { "Mn", "Co", "Ni" };
static const double energies[] = { 6534, 7728, 8345 };

static double
expected_value (guint c,
                gsize x,
                gsize y,
                gsize z)
{
  /* As stored: f32. */
  return (float) (pow (10, 3.0 - 2.0 * c) * (1 + x + NX * (y + NY * z)));
}

static char *
write_channels (const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = evox_volume_new (NX, NY, NZ, 3, EVOX_SAMPLE_F32, &error);
  char *path = g_build_filename (dir, "channels.tiff", NULL);

  g_assert_no_error (error);
  for (guint c = 0; c < 3; c++)
    {
      float *data = evox_volume_get_data_mut (volume, c);

      for (gsize z = 0; z < NZ; z++)
        for (gsize y = 0; y < NY; y++)
          for (gsize x = 0; x < NX; x++)
            data[x + NX * (y + NY * z)] = expected_value (c, x, y, z);
      evox_volume_set_channel_info (volume, c, labels[c], energies[c]);
    }
  evox_volume_freeze (volume);
  g_assert_true (evox_tiff_write (volume, -1, path, 0, &error));
  g_assert_no_error (error);
  return path;
}

static gboolean
not_loading (gpointer data)
{
  return !evox_window_is_loading (data);
}

/* The hover readout names a voxel and the value there: the value must be the shown channel's
 * at that voxel, by the formula the file was written with. */
static void
assert_hover_value (EvoxWindow *window,
                    guint       channel)
{
  EvoxCanvas *canvas = EVOX_CANVAS (evox_window_get_canvas (window));
  EvoxDocument *document = evox_window_get_document (window);
  const char *text, *voxel;
  g_autofree char *value_text = NULL;
  gsize x, y, z;

  evox_canvas_hover_at (canvas, gtk_widget_get_width (GTK_WIDGET (canvas)) / 2.0,
                        gtk_widget_get_height (GTK_WIDGET (canvas)) / 2.0);
  text = evox_canvas_get_hover_text (canvas);
  g_assert_nonnull (text);
  voxel = strstr (text, "voxel (");
  g_assert_nonnull (voxel);
  g_assert_cmpint (sscanf (voxel, "voxel (%zu, %zu, %zu)", &x, &y, &z), ==, 3);
  value_text = evox_document_format_value (document, expected_value (channel, x, y, z));
  g_test_message ("hover: %s (expected %s)", text, value_text);
  g_assert_nonnull (strstr (text, value_text));
}

static gboolean
fraction_ends_with (gpointer data)
{
  gpointer *pair = data;
  /* The rows are made again when the channel changes. */
  EvoxPhaseRow *row = evox_phase_panel_get_row (pair[0], 0);
  const char *text = row != NULL ? evox_phase_row_get_fraction_text (row) : NULL;

  return text != NULL && g_str_has_suffix (text, pair[1]);
}

/* The share of channel c's voxels in [lo, hi], counted here, as the phase row prints it. */
static char *
brute_fraction (guint  c,
                double lo,
                double hi)
{
  guint n = 0;

  for (gsize z = 0; z < NZ; z++)
    for (gsize y = 0; y < NY; y++)
      for (gsize x = 0; x < NX; x++)
        n += expected_value (c, x, y, z) >= lo && expected_value (c, x, y, z) <= hi;
  return g_strdup_printf ("%.1f %%", 100.0 * n / (NX * NY * NZ));
}

static void
test_chooser (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = write_channels (dir);
  EvoxWindow *window = evox_test_open_file (path);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxHistogramView *histogram = EVOX_HISTOGRAM_VIEW (evox_window_get_histogram (window));
  GtkWidget *box = evox_test_find_named (GTK_WIDGET (window), "channel-box");
  GtkDropDown *dropdown =
    GTK_DROP_DOWN (evox_test_find_named (GTK_WIDGET (window), "channel-dropdown"));
  GtkLabel *label = GTK_LABEL (evox_test_find_named (GTK_WIDGET (window), "channel-label"));
  GListModel *model;
  double lo, hi;

  g_assert_cmpuint (evox_volume_get_n_channels (evox_document_get_volume (document)), ==, 3);
  g_assert_true (gtk_widget_get_visible (box));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dropdown)));
  g_assert_false (gtk_widget_get_visible (evox_test_find_named (GTK_WIDGET (window),
                                                                "channel-stepper")));

  /* Each channel by its label and energy. */
  model = gtk_drop_down_get_model (dropdown);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 3);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (model), 0), ==, "Mn · 6534 eV");
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (model), 2), ==, "Ni · 8345 eV");
  g_assert_cmpuint (gtk_drop_down_get_selected (dropdown), ==, 0);
  /* The drop-down names the channel: no second line saying it again. */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (label)));
  g_assert_cmpstr (evox_histogram_view_get_title (histogram), ==, "value · Mn · 6534 eV");

  /* Looking along z shows one slice flat: the point under the middle is a voxel of it. */
  evox_document_set_view (document, EVOX_VIEW_SLICE_Z);
  assert_hover_value (window, 0);

  /* The user picks Ni: document, label, histogram, range and readout follow. */
  gtk_drop_down_set_selected (dropdown, 2);
  g_assert_cmpuint (evox_document_get_channel (document), ==, 2);
  g_assert_cmpstr (evox_histogram_view_get_title (histogram), ==, "value · Ni · 8345 eV");
  evox_document_get_range (document, &lo, &hi);
  g_assert_cmpfloat (lo, ==, expected_value (2, 0, 0, 0));
  g_assert_cmpfloat (hi, ==, expected_value (2, NX - 1, NY - 1, NZ - 1));
  assert_hover_value (window, 2);

  /* The document moves the chooser too. */
  evox_document_set_channel (document, 1);
  g_assert_cmpuint (gtk_drop_down_get_selected (dropdown), ==, 1);
  g_assert_cmpstr (evox_histogram_view_get_title (histogram), ==, "value · Co · 7728 eV");

  /* Ctrl+Page Up / Down step, and stop at the ends. */
  gtk_widget_activate_action (GTK_WIDGET (window), "view.channel-step", "i", 1);
  g_assert_cmpuint (evox_document_get_channel (document), ==, 2);
  gtk_widget_activate_action (GTK_WIDGET (window), "view.channel-step", "i", 1);
  g_assert_cmpuint (evox_document_get_channel (document), ==, 2);
  gtk_widget_activate_action (GTK_WIDGET (window), "view.channel-step", "i", -1);
  gtk_widget_activate_action (GTK_WIDGET (window), "view.channel-step", "i", -1);
  gtk_widget_activate_action (GTK_WIDGET (window), "view.channel-step", "i", -1);
  g_assert_cmpuint (evox_document_get_channel (document), ==, 0);
  g_assert_cmpuint (gtk_drop_down_get_selected (dropdown), ==, 0);

  /* A phase's fraction is of the channel shown: 0 .. 10.05 holds no Mn voxel (1000 and up),
   * one Co voxel (10) and a hundred Ni voxels (0.1 .. 10). */
  {
    g_autoptr (EvoxPhase) phase = evox_phase_new ("low", 0, 10.05, "#ff0000");
    EvoxPhasePanel *panel = EVOX_PHASE_PANEL (evox_window_get_phase_panel (window));
    gpointer pair[2];

    evox_phase_list_append (evox_document_get_phases (document), phase);
    evox_window_show_page (window, "phases");
    pair[0] = panel;
    for (guint c = 0; c < 3; c++)
      {
        g_autofree char *expected = brute_fraction (c, 0, 10.05);

        gtk_drop_down_set_selected (dropdown, c);
        pair[1] = expected;
        g_test_message ("channel %u: phase fraction %s", c, expected);
        g_assert_true (evox_test_wait_for (fraction_ends_with, pair, 60));
      }
    evox_window_show_page (window, "display");
  }

  /* A volume and its channel change in one batch of notifications, as when clusters become a
   * channel: the chooser must take the new channel, not clamp it to the old volume's count. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (EvoxVolume) four = evox_volume_new (NX, NY, NZ, 4, EVOX_SAMPLE_F32, &error);

    g_assert_no_error (error);
    evox_volume_freeze (four);
    g_object_freeze_notify (G_OBJECT (document));
    evox_document_set_volume (document, four, "four", NULL);
    evox_document_set_channel (document, 3);
    g_object_thaw_notify (G_OBJECT (document));
    g_assert_cmpuint (evox_document_get_channel (document), ==, 3);
    g_assert_cmpuint (gtk_drop_down_get_selected (dropdown), ==, 3);
  }

  evox_test_screenshot (GTK_WIDGET (window), "channels");
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A log mapping lays the range sliders out in decades of the data: switching from a channel of
 * thousands to one of tenths must give sliders over the new channel's decades, not a slider
 * pinned at the old channel's low end. */
static void
test_log_range_follows (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = write_channels (dir);
  EvoxWindow *window = evox_test_open_file (path);
  EvoxDocument *document = evox_window_get_document (window);
  GtkAdjustment *lo_adjustment =
    gtk_range_get_adjustment (GTK_RANGE (evox_test_find_named (GTK_WIDGET (window), "lo-scale")));
  GtkAdjustment *hi_adjustment =
    gtk_range_get_adjustment (GTK_RANGE (evox_test_find_named (GTK_WIDGET (window), "hi-scale")));
  double lo, hi;

  evox_document_set_mapping (document, EVOX_MAPPING_LOG);
  g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_lower (lo_adjustment), 3, 1e-6);
  evox_document_set_channel (document, 2);
  evox_document_get_range (document, &lo, &hi);
  /* Ni runs 0.1 .. 19.2: sliders from log10 0.1 = -1 to log10 19.2, at the data's ends. */
  g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_lower (lo_adjustment), -1, 1e-6);
  g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_upper (lo_adjustment),
                                  log10 (expected_value (2, NX - 1, NY - 1, NZ - 1)), 1e-6);
  g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_value (lo_adjustment), log10 (lo), 1e-6);
  g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_value (hi_adjustment), log10 (hi), 1e-6);
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Hundreds of channels: no drop-down of hundreds of rows, a slider and a spin button instead. */
static void
test_many_channels (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = evox_volume_new (2, 2, 1, 300, EVOX_SAMPLE_F32, &error);
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  EvoxDocument *document = evox_window_get_document (window);
  GtkWidget *stepper;
  GtkSpinButton *spin;
  GtkLabel *label;

  g_assert_no_error (error);
  for (guint c = 0; c < 300; c++)
    {
      float *data = evox_volume_get_data_mut (volume, c);

      for (guint i = 0; i < 4; i++)
        data[i] = (float) (c * 10 + i);
    }
  evox_volume_set_channel_info (volume, 237, "q237", NAN);
  evox_volume_freeze (volume);
  gtk_window_present (GTK_WINDOW (window));
  evox_document_set_volume (document, volume, "many", NULL);

  stepper = evox_test_find_named (GTK_WIDGET (window), "channel-stepper");
  spin = GTK_SPIN_BUTTON (evox_test_find_named (GTK_WIDGET (window), "channel-spin"));
  label = GTK_LABEL (evox_test_find_named (GTK_WIDGET (window), "channel-label"));
  g_assert_true (gtk_widget_get_visible (evox_test_find_named (GTK_WIDGET (window),
                                                               "channel-box")));
  g_assert_true (gtk_widget_get_visible (stepper));
  g_assert_false (gtk_widget_get_visible (evox_test_find_named (GTK_WIDGET (window),
                                                      "channel-dropdown")));
  g_assert_cmpfloat (gtk_adjustment_get_upper (gtk_spin_button_get_adjustment (spin)), ==, 299);
  gtk_spin_button_set_value (spin, 237);
  g_assert_cmpuint (evox_document_get_channel (document), ==, 237);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (label)));
  g_assert_cmpstr (gtk_label_get_text (label), ==, "237 / 299 · q237");
  evox_document_set_channel (document, 12);
  g_assert_cmpfloat (gtk_spin_button_get_value (spin), ==, 12);
  g_assert_cmpstr (gtk_label_get_text (label), ==, "12 / 299 · Channel 12");

  /* One channel: nothing to choose. */
  g_clear_object (&volume);
  volume = evox_volume_new (2, 2, 1, 1, EVOX_SAMPLE_F32, &error);
  evox_volume_freeze (volume);
  evox_document_set_volume (document, volume, "one", NULL);
  g_assert_false (gtk_widget_get_visible (evox_test_find_named (GTK_WIDGET (window),
                                                                "channel-box")));
  evox_test_close_window (window);
}

/* A volume of n channels of 2 x 2 x 1 with these labels and energies. */
static EvoxVolume *
labelled_volume (guint               n,
                 const char * const *names,
                 const double       *ev)
{
  g_autoptr (GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (2, 2, 1, n, EVOX_SAMPLE_F32, &error);

  g_assert_no_error (error);
  for (guint c = 0; c < n; c++)
    {
      float *data = evox_volume_get_data_mut (volume, c);

      for (guint i = 0; i < 4; i++)
        data[i] = (float) (c * 10 + i);
      evox_volume_set_channel_info (volume, c, names[c], ev[c]);
    }
  evox_volume_freeze (volume);
  return volume;
}

/* The spectral readers label a channel by its energy ("8324.0 eV", the SSRL script's two
 * energies): the chooser, its label and the histogram's title say the energy once, and two
 * energies are a scan as the Spectra page sees them: a slider whose knob carries the energy
 * (the line under it then says only which channel), beside the Spectra page. Channels with names of their own stay a drop-down, energy after the name. */
static void
test_energy_labels (void)
{
  static const char * const scan_names[] = { "8324.0 eV", "8345.0 eV" };
  static const double scan_ev[] = { 8324, 8345 };
  static const char * const mixed_names[] = { "Mn edge", "7.728 keV", "8345" };
  static const double mixed_ev[] = { 6534, 7728, 8345 };
  g_autoptr (EvoxVolume) scan = labelled_volume (2, scan_names, scan_ev);
  g_autoptr (EvoxVolume) mixed = labelled_volume (3, mixed_names, mixed_ev);
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxHistogramView *histogram = EVOX_HISTOGRAM_VIEW (evox_window_get_histogram (window));
  GtkWidget *spectra = evox_window_get_spectrum_panel (window);
  GtkDropDown *dropdown;
  GtkLabel *label;
  GtkWidget *scale;
  GListModel *model;

  gtk_window_present (GTK_WINDOW (window));
  evox_document_set_volume (document, scan, "scan", NULL);
  dropdown = GTK_DROP_DOWN (evox_test_find_named (GTK_WIDGET (window), "channel-dropdown"));
  label = GTK_LABEL (evox_test_find_named (GTK_WIDGET (window), "channel-label"));
  g_assert_true (gtk_widget_get_visible (evox_test_find_named (GTK_WIDGET (window), "channel-stepper")));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (dropdown)));
  scale = evox_test_find_named (GTK_WIDGET (window), "channel-scale");
  g_assert_true (gtk_scale_get_draw_value (GTK_SCALE (scale)));
  /* The knob says the energy (the scale's own value label); the line under it, only where. */
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (evox_test_find_descendant (
                     scale, GTK_TYPE_LABEL))), ==, "8324 eV");
  g_assert_cmpstr (gtk_label_get_text (label), ==, "0 / 1");
  g_assert_true (evox_spectrum_panel_get_spectral (EVOX_SPECTRUM_PANEL (spectra)));
  evox_document_set_channel (document, 1);
  g_assert_cmpstr (gtk_label_get_text (label), ==, "1 / 1");
  evox_test_wait_painted (GTK_WIDGET (window));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (evox_test_find_descendant (
                     scale, GTK_TYPE_LABEL))), ==, "8345 eV");
  evox_test_wait_painted (GTK_WIDGET (window));
  g_assert_cmpstr (evox_histogram_view_get_title (histogram), ==, "value · 8345 eV");

  /* A few channels, one with a name of its own, keep the drop-down; "7.728 keV" and a bare
   * "8345" are energies. */
  evox_document_set_volume (document, mixed, "mixed", NULL);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dropdown)));
  g_assert_false (gtk_widget_get_visible (evox_test_find_named (GTK_WIDGET (window), "channel-stepper")));
  model = gtk_drop_down_get_model (dropdown);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (model), 0), ==,
                   "Mn edge · 6534 eV");
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (model), 1), ==, "7728 eV");
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (model), 2), ==, "8345 eV");
  g_assert_true (evox_spectrum_panel_get_spectral (EVOX_SPECTRUM_PANEL (spectra)));
  evox_test_close_window (window);
}

/* The feature files of these tests: 5 vectors of 3 features on a 4 x 3 grid. */
static const double feature_coords[5 * 2] = { 0, 0, 3, 0, 1, 1, 2, 2, 3, 2 };
static const double feature_values[5 * 3] = {
  0.5, 10, -1,
  1.5, 20, -2,
  2.5, 30, -3,
  3.5, 40, -4,
  4.5, 50, -5,
};

static void
assert_features (EvoxWindow *window)
{
  EvoxVolume *volume = evox_document_get_volume (evox_window_get_document (window));
  gsize dims[3];

  g_assert_nonnull (volume);
  g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 3);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, 4);
  g_assert_cmpuint (dims[1], ==, 3);
  g_assert_cmpuint (dims[2], ==, 1);
  for (guint r = 0; r < 5; r++)
    for (guint c = 0; c < 3; c++)
      g_assert_cmpfloat (evox_volume_get_value (volume, c, (gsize) feature_coords[2 * r],
                                                (gsize) feature_coords[2 * r + 1], 0), ==,
                         feature_values[3 * r + c]);
  /* A grid point without a vector. */
  g_assert_true (isnan (evox_volume_get_value (volume, 1, 1, 0, 0)));
  /* The chooser shows up for them. */
  g_assert_true (gtk_widget_get_visible (evox_test_find_named (GTK_WIDGET (window),
                                                               "channel-box")));
}

static void
write_feature_files (const char *dir,
                     char      **npy,
                     char      **coords,
                     char      **csv)
{
  g_autoptr (GError) error = NULL;
  GString *text = g_string_new ("x,y,a,b,c\n");

  *npy = g_build_filename (dir, "features.npy", NULL);
  *coords = g_build_filename (dir, "coords.npy", NULL);
  *csv = g_build_filename (dir, "features.csv", NULL);
  g_assert_true (evox_npy_write (*npy, feature_values, 5, 3, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (evox_npy_write (*coords, feature_coords, 5, 2, FALSE, &error));
  g_assert_no_error (error);
  for (guint r = 0; r < 5; r++)
    g_string_append_printf (text, "%g,%g,%g,%g,%g\n", feature_coords[2 * r],
                            feature_coords[2 * r + 1], feature_values[3 * r],
                            feature_values[3 * r + 1], feature_values[3 * r + 2]);
  g_assert_true (g_file_set_contents (*csv, text->str, -1, &error));
  g_assert_no_error (error);
  g_string_free (text, TRUE);
}

static void
test_open_features (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *npy = NULL;
  g_autofree char *coords = NULL;
  g_autofree char *csv = NULL;
  g_autoptr (GFile) npy_file = NULL;
  g_autoptr (GFile) coords_file = NULL;
  g_autoptr (GFile) csv_file = NULL;
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxVolume *shown;
  const char *error_text;

  write_feature_files (dir, &npy, &coords, &csv);
  npy_file = g_file_new_for_path (npy);
  coords_file = g_file_new_for_path (coords);
  csv_file = g_file_new_for_path (csv);
  gtk_window_present (GTK_WINDOW (window));

  evox_window_open_features (window, npy_file, coords_file);
  g_assert_true (evox_test_wait_for (evox_test_window_loaded, window, 60));
  assert_features (window);
  g_assert_cmpstr (evox_document_get_title (document), ==, "features.npy");

  evox_window_open_features (window, csv_file, NULL);
  g_assert_true (evox_test_wait_for (not_loading, window, 60));
  g_assert_null (evox_window_get_error (window));
  assert_features (window);
  g_assert_cmpstr (evox_document_get_title (document), ==, "features.csv");

  /* A matrix without its coordinates: the banner says so, naming the file; the volume stays. */
  shown = evox_document_get_volume (document);
  evox_window_open_features (window, npy_file, NULL);
  g_assert_true (evox_test_wait_for (not_loading, window, 60));
  error_text = evox_window_get_error (window);
  g_assert_nonnull (error_text);
  g_assert_nonnull (strstr (error_text, "features.npy"));
  g_assert_nonnull (strstr (error_text, "coordinates"));
  g_assert_true (evox_document_get_volume (document) == shown);

  /* Coordinates that do not match the rows (the features as their own coordinates: 3 columns
   * of fractions): refused, naming the file. */
  evox_window_open_features (window, npy_file, npy_file);
  g_assert_true (evox_test_wait_for (not_loading, window, 60));
  g_assert_nonnull (evox_window_get_error (window));
  g_assert_nonnull (strstr (evox_window_get_error (window), "features.npy"));
  g_assert_true (evox_document_get_volume (document) == shown);

  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The viewer's command line, run in this process as main() runs it: each window's document is
 * checked once its volume is there, then the windows close and the application returns. */
typedef struct
{
  guint  n_channels;
  guint  channel;
  char  *error;
  gboolean seen;
} Startup;

static void
record_startup (EvoxWindow *window,
                gpointer    data)
{
  Startup *startup = data;
  EvoxVolume *volume = evox_document_get_volume (evox_window_get_document (window));

  startup->seen = TRUE;
  startup->n_channels = evox_volume_get_n_channels (volume);
  startup->channel = evox_document_get_channel (evox_window_get_document (window));
  startup->error = g_strdup (evox_window_get_error (window));
}

static int
run_viewer (const char * const *args,
            Startup            *startup)
{
  return evox_test_run_viewer (args, record_startup, startup);
}

static void
test_options (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = write_channels (dir);
  g_autofree char *npy = NULL;
  g_autofree char *coords = NULL;
  g_autofree char *csv = NULL;
  Startup startup = { 0 };

  write_feature_files (dir, &npy, &coords, &csv);

  /* By label, then by index. */
  g_assert_cmpint (run_viewer ((const char *[]) { tiff, "--channel", "Ni", NULL }, &startup),
                   ==, 0);
  g_assert_true (startup.seen);
  g_assert_cmpuint (startup.n_channels, ==, 3);
  g_assert_cmpuint (startup.channel, ==, 2);
  g_clear_pointer (&startup.error, g_free);
  memset (&startup, 0, sizeof startup);
  g_assert_cmpint (run_viewer ((const char *[]) { "--channel=1", tiff, NULL }, &startup), ==, 0);
  g_assert_cmpuint (startup.channel, ==, 1);
  g_clear_pointer (&startup.error, g_free);

  /* A channel the volume lacks is known only once it is read: the banner says so. */
  memset (&startup, 0, sizeof startup);
  g_assert_cmpint (run_viewer ((const char *[]) { "--channel", "Zn", tiff, NULL }, &startup),
                   ==, 0);
  g_assert_cmpuint (startup.channel, ==, 0);
  g_assert_nonnull (startup.error);
  g_assert_nonnull (strstr (startup.error, "Zn"));
  g_clear_pointer (&startup.error, g_free);

  /* Feature files, with a channel among their features. */
  memset (&startup, 0, sizeof startup);
  g_assert_cmpint (run_viewer ((const char *[]) { npy, "--coords", coords, "--channel", "2",
                                                  NULL }, &startup), ==, 0);
  g_assert_cmpuint (startup.n_channels, ==, 3);
  g_assert_cmpuint (startup.channel, ==, 2);
  g_clear_pointer (&startup.error, g_free);
  memset (&startup, 0, sizeof startup);
  g_assert_cmpint (run_viewer ((const char *[]) { "--features", csv, "--channel", "b", NULL },
                               &startup), ==, 0);
  g_assert_cmpuint (startup.n_channels, ==, 3);
  g_assert_cmpuint (startup.channel, ==, 1);
  g_clear_pointer (&startup.error, g_free);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Wrong usage: one line on stderr and status 2, before any window. */
static const char *bad_cases[][4] = {
  { "--coords", "c.npy", NULL },
  { "--features", NULL },
  { "--features", "a.csv", "b.csv", NULL },
  { "--channel=", "a.tiff", NULL },
};

static void
test_bad_options (gconstpointer data)
{
  guint i = GPOINTER_TO_UINT (data);

  if (g_test_subprocess ())
    {
      Startup startup = { 0 };

      exit (run_viewer (bad_cases[i], &startup));
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  /* One line: it ends in a newline and nothing follows one. */
  g_test_trap_assert_stderr ("evox: --*\n");
  g_test_trap_assert_stderr_unmatched ("*\n?*");
}

int
main (int    argc,
      char **argv)
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;
  g_test_add_func ("/Evox/Channels/chooser", test_chooser);
  g_test_add_func ("/Evox/Channels/log-range-follows", test_log_range_follows);
  g_test_add_func ("/Evox/Channels/many-channels", test_many_channels);
  g_test_add_func ("/Evox/Channels/energy-labels", test_energy_labels);
  g_test_add_func ("/Evox/Channels/open-features", test_open_features);
  g_test_add_func ("/Evox/Channels/options", test_options);
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/Evox/Channels/bad-options/%u", i);

      g_test_add_data_func (path, GUINT_TO_POINTER (i), test_bad_options);
    }
  return g_test_run ();
}
