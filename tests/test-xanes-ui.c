/* test-xanes-ui.c: the XANES page under Xvfb: shown for energy scans only, maps computed off
 * the main thread into the document (checked against evox_xanes_maps run here), errors that
 * leave the document as it was, the Spectra page's normalised view against
 * evox_xanes_normalise, and the maps exported and read back. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "evox-elements.h"
#include "evox-hdf5.h"
#include "evox-maps-writer.h"
#include "evox-plot.h"
#include "evox-spectral-reader.h"
#include "evox-spectrum-panel.h"
#include "evox-test-hdf5.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-test-volume.h"
#include "evox-tiff.h"
#include "evox-window.h"
#include "evox-xanes-panel.h"

/* 8 x 8 x 1, 30 energies across the Ni K edge (8333 eV): 6 pre-edge, 16 near the edge, 8
 * post-edge, as beamline scans are spaced. The left half's edge is at 8331 eV, the right half's
 * at 8337 eV (a reduced and an oxidised region): an arctan step of height 1 over a sloping
 * pre-edge, with a white line 8 eV above, and a small fixed pattern as noise. */
#define NX 8
#define NY 8
#define NC 30
#define E0_LEFT 8331.0
#define E0_RIGHT 8337.0

static double
energy_of (guint c)
{
  if (c < 6)
    return 8233 + 14.0 * c;
  if (c < 22)
    return 8313 + 4.0 * (c - 6);
  return 8393 + 20.0 * (c - 22);
}

static double
od_at (guint c,
       gsize x,
       gsize y)
{
  double e = energy_of (c), e0 = x < NX / 2 ? E0_LEFT : E0_RIGHT;
  double step = 0.5 + atan ((e - e0) / 2.0) / G_PI;
  double whiteline = 0.3 * exp (-0.5 * pow ((e - e0 - 8) / 4.0, 2));

  return 0.3 - 0.0002 * (e - 8233) + step + whiteline + 0.002 * (((x * 7 + y * 3 + c * 5) % 5) - 2.0);
}

/* n_energies of the energies above, every (NC / n_energies)th. */
static EvoxVolume *
make_stack (guint n_energies)
{
  g_autoptr (GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (NX, NY, 1, n_energies, EVOX_SAMPLE_F32, &error);

  g_assert_no_error (error);
  for (guint k = 0; k < n_energies; k++)
    {
      guint c = k * (NC / n_energies);
      float *data = evox_volume_get_data_mut (volume, k);
      char label[32];

      for (gsize y = 0; y < NY; y++)
        for (gsize x = 0; x < NX; x++)
          data[x + NX * y] = (float) od_at (c, x, y);
      /* Labelled by the energy, as the spectral readers do. */
      g_snprintf (label, sizeof label, "%.1f eV", energy_of (c));
      evox_volume_set_channel_info (volume, k, label, energy_of (c));
    }
  evox_volume_set_values (volume, EVOX_SCALE_LINEAR, "optical density", NULL);
  evox_volume_freeze (volume);
  return volume;
}

static EvoxWindow *
window_with (EvoxVolume *volume)
{
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  evox_document_set_volume (evox_window_get_document (window), volume, "xanes test", NULL);
  g_assert_true (evox_test_wait_for (evox_test_is_drawn, evox_window_get_canvas (window), 60));
  return window;
}

static gboolean
page_visible (EvoxWindow *window,
              const char *name)
{
  GtkWidget *panel = evox_window_get_xanes_panel (window);
  GtkStack *stack = GTK_STACK (gtk_widget_get_ancestor (panel, GTK_TYPE_STACK));

  return gtk_stack_page_get_visible (gtk_stack_get_page (stack,
                                                         gtk_stack_get_child_by_name (stack,
                                                                                      name)));
}

static gboolean
panel_idle (gpointer panel)
{
  return !evox_xanes_panel_is_busy (panel);
}

static void
compute (EvoxXanesPanel *panel)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "xanes.compute", NULL));
  g_assert_true (evox_test_wait_for (panel_idle, panel, 60));
}

static void
set_text (EvoxWindow *window,
          const char *name,
          const char *text)
{
  GtkWidget *entry = evox_test_find_named (GTK_WIDGET (window), name);

  g_assert_nonnull (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
}

/* The page is there for a scan along the energy axis and goes for a volume of one channel; the
 * edge is found from the energies. */
static void
test_page (void)
{
  g_autoptr (EvoxVolume) stack = make_stack (NC);
  g_autoptr (EvoxVolume) plain = NULL;
  g_autoptr (GError) error = NULL;
  EvoxWindow *window = window_with (stack);
  EvoxXanesPanel *panel = EVOX_XANES_PANEL (evox_window_get_xanes_panel (window));
  GtkWidget *edge = evox_test_find_named (GTK_WIDGET (window), "xanes-edge");

  g_assert_true (evox_xanes_panel_get_available (panel));
  g_assert_true (page_visible (window, "xanes"));
  /* The Ni K edge (8333 eV) is the only K edge inside 8233..8533 eV. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (edge)), ==, "Ni_K");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (evox_test_find_named (
                     GTK_WIDGET (window), "xanes-elements"))), ==, "Ni");
  evox_window_show_page (window, "xanes");
  evox_test_wait_painted (GTK_WIDGET (window));
  evox_test_screenshot (GTK_WIDGET (window), "xanes-page");

  /* The fields start at Larch's defaults, as evox_xanes_params_init has them, and say what
   * the user types. */
  {
    EvoxXanesParams params, defaults;

    evox_xanes_params_init (&defaults);
    g_assert_true (evox_xanes_panel_get_params (panel, &params, &error));
    g_assert_no_error (error);
    g_assert_cmpfloat (params.pre1, ==, defaults.pre1);
    g_assert_cmpfloat (params.pre2, ==, defaults.pre2);
    g_assert_cmpfloat (params.norm1, ==, defaults.norm1);
    g_assert_true (isnan (params.norm2) && isnan (defaults.norm2));
    g_assert_cmpint (params.nnorm, ==, defaults.nnorm);
    g_assert_cmpfloat (params.mask_k, ==, defaults.mask_k);
    g_assert_true (isnan (params.e0));
    g_assert_true (params.with_norm);

    set_text (window, "xanes-edge", "8350");
    set_text (window, "xanes-pre", " -200 : -40 ");
    set_text (window, "xanes-post", "60:250");
    gtk_drop_down_set_selected (GTK_DROP_DOWN (evox_test_find_named (GTK_WIDGET (window),
                                                                     "xanes-nnorm")), 3);
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (evox_test_find_named (GTK_WIDGET (window),
                                                                      "xanes-mask-k")), 5);
    g_assert_true (evox_xanes_panel_get_params (panel, &params, &error));
    g_assert_no_error (error);
    g_assert_cmpfloat (params.edge, ==, 8350);
    g_assert_cmpfloat (params.pre1, ==, -200);
    g_assert_cmpfloat (params.pre2, ==, -40);
    g_assert_cmpfloat (params.norm1, ==, 60);
    g_assert_cmpfloat (params.norm2, ==, 250);
    g_assert_cmpint (params.nnorm, ==, 2);
    g_assert_cmpfloat (params.mask_k, ==, 5);

    /* An element xraylib does not know is refused by name. */
    set_text (window, "xanes-edge", "Xx");
    g_assert_false (evox_xanes_panel_get_params (panel, &params, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "Xx"));
    g_clear_error (&error);
  }

  plain = evox_volume_new (4, 4, 1, 1, EVOX_SAMPLE_U8, &error);
  g_assert_no_error (error);
  evox_volume_freeze (plain);
  evox_document_set_volume (evox_window_get_document (window), plain, "plain", NULL);
  g_assert_false (evox_xanes_panel_get_available (panel));
  g_assert_false (page_visible (window, "xanes"));
  evox_test_close_window (window);
}

/* Compute Maps adds maps whose edge energy is evox_xanes_maps's with the page's parameters and
 * shows it; the two regions' edges come out where the stack was made with them. */
static void
test_compute (void)
{
  g_autoptr (EvoxVolume) stack = make_stack (NC);
  g_autoptr (EvoxVolume) expected = NULL;
  g_autoptr (GError) error = NULL;
  EvoxWindow *window = window_with (stack);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxXanesPanel *panel = EVOX_XANES_PANEL (evox_window_get_xanes_panel (window));
  EvoxXanesParams params;
  EvoxVolume *maps;
  int channel;

  evox_window_show_page (window, "xanes");
  g_assert_null (evox_document_get_maps (document));
  compute (panel);
  g_assert_null (evox_xanes_panel_get_error (panel));
  maps = evox_document_get_maps (document);
  g_assert_nonnull (maps);

  g_assert_true (evox_xanes_panel_get_params (panel, &params, &error));
  g_assert_no_error (error);
  g_assert_true (params.with_norm);
  g_assert_cmpfloat_with_epsilon (params.edge, 8333, 1);
  expected = evox_xanes_maps (stack, &params, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint c = 0; c < evox_volume_get_n_channels (expected); c++)
    {
      channel = evox_volume_find_channel (maps, evox_volume_get_channel_label (expected, c));
      g_assert_cmpint (channel, >=, 0);
      evox_test_assert_same_channel (maps, (guint) channel, expected, c);
    }
  channel = evox_volume_find_channel (maps, "edge_energy");
  {
    const float *edge = evox_volume_get_data (maps, (guint) channel);

    /* Half-step energies near where the edges were put (the white line pulls them a little). */
    for (gsize y = 0; y < NY; y++)
      for (gsize x = 0; x < NX; x++)
        g_assert_cmpfloat_with_epsilon (edge[x + NX * y], x < NX / 2 ? E0_LEFT : E0_RIGHT, 1.0);
  }

  /* Shown at once: the maps are the volume, at the edge energy. */
  g_assert_true (evox_document_get_show_maps (document));
  g_assert_true (evox_document_get_volume (document) == maps);
  g_assert_cmpuint (evox_document_get_channel (document), ==, (guint) channel);
  g_assert_true (evox_document_get_stack (document) == stack);
  g_assert_nonnull (strstr (evox_xanes_panel_get_summary (panel), "64 of 64 voxels"));
  {
    /* The median as numpy's: the mean of the middle two of the 64 sorted edge energies. */
    const float *edge = evox_volume_get_data (maps, (guint) channel);
    double sorted[NX * NY];
    char text[64];

    for (guint i = 0; i < NX * NY; i++)
      {
        guint at = i;

        for (; at > 0 && sorted[at - 1] > edge[i]; at--)
          sorted[at] = sorted[at - 1];
        sorted[at] = edge[i];
      }
    g_snprintf (text, sizeof text, "median %.1f eV",
                (sorted[NX * NY / 2 - 1] + sorted[NX * NY / 2]) / 2);
    g_assert_nonnull (strstr (evox_xanes_panel_get_summary (panel), text));
    g_snprintf (text, sizeof text, "E0 %.1f eV",
                g_ascii_strtod (evox_volume_get_metadata (expected, "xanes_e0"), NULL));
    g_assert_nonnull (strstr (evox_xanes_panel_get_summary (panel), text));
  }
  g_test_message ("summary: %s", evox_xanes_panel_get_summary (panel));
  evox_test_wait_painted (GTK_WIDGET (window));
  evox_test_screenshot (GTK_WIDGET (window), "xanes-computed");

  /* The Stack button shows the stack again; a row of the list shows its map. */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (evox_test_find_named (GTK_WIDGET (window),
                                                                         "xanes-show-stack")),
                                TRUE);
  g_assert_false (evox_document_get_show_maps (document));
  g_assert_true (evox_document_get_volume (document) == stack);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "xanes.show-map", "u",
                                             (guint) evox_volume_find_channel (maps, "e0")));
  g_assert_true (evox_document_get_show_maps (document));
  g_assert_cmpuint (evox_document_get_channel (document), ==,
                    (guint) evox_volume_find_channel (maps, "e0"));

  /* The normalised stack is the list's last row, which shows the energy nearest the run's E0. */
  {
    GtkListBox *list = GTK_LIST_BOX (evox_test_find_named (GTK_WIDGET (window),
                                                            "xanes-maps-list"));
    double e0 = g_ascii_strtod (evox_volume_get_metadata (expected, "xanes_e0"), NULL);
    GtkListBoxRow *row = NULL;
    double shown, best = INFINITY;

    for (int i = 0; gtk_list_box_get_row_at_index (list, i) != NULL; i++)
      row = gtk_list_box_get_row_at_index (list, i);
    g_signal_emit_by_name (list, "row-activated", row);
    shown = evox_volume_get_channel_energy (maps, evox_document_get_channel (document));
    g_assert_true (g_str_has_prefix (evox_volume_get_channel_label (
                     maps, evox_document_get_channel (document)), "norm "));
    for (guint c = 0; c < NC; c++)
      if (fabs (energy_of (c) - e0) < fabs (best - e0))
        best = energy_of (c);
    g_assert_cmpfloat (shown, ==, best);
  }
  evox_test_close_window (window);
}

/* Errors show on the page and leave the document as it was: a range that does not parse, an
 * edge the stack does not span, a pre-edge range without energies, a stack of three energies
 * (too few to normalise); Stop drops a run. */
static void
test_errors (void)
{
  g_autoptr (EvoxVolume) stack = make_stack (NC);
  g_autoptr (EvoxVolume) sparse = make_stack (3);
  EvoxWindow *window = window_with (stack);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxXanesPanel *panel = EVOX_XANES_PANEL (evox_window_get_xanes_panel (window));
  guint refs;

  set_text (window, "xanes-pre", "-150:");
  compute (panel);
  g_assert_nonnull (evox_xanes_panel_get_error (panel));
  g_test_message ("error: %s", evox_xanes_panel_get_error (panel));
  g_assert_nonnull (strstr (evox_xanes_panel_get_error (panel), "Pre-edge"));
  g_assert_null (evox_document_get_maps (document));
  g_assert_true (evox_document_get_volume (document) == stack);

  /* An edge the stack does not span (Mn K, 6539 eV), and a pre-edge range without energies. */
  set_text (window, "xanes-pre", "-150:-30");
  set_text (window, "xanes-edge", "Mn");
  compute (panel);
  g_assert_nonnull (evox_xanes_panel_get_error (panel));
  g_test_message ("error: %s", evox_xanes_panel_get_error (panel));
  g_assert_null (evox_document_get_maps (document));
  set_text (window, "xanes-edge", "Ni");
  set_text (window, "xanes-pre", "-29:-28");
  compute (panel);
  g_assert_nonnull (evox_xanes_panel_get_error (panel));
  g_test_message ("error: %s", evox_xanes_panel_get_error (panel));
  g_assert_null (evox_document_get_maps (document));
  g_assert_true (evox_document_get_volume (document) == stack);

  evox_document_set_volume (document, sparse, "sparse", NULL);
  g_assert_true (evox_xanes_panel_get_available (panel));
  /* A new stack fills the fields again, the ranges keep what the user typed. */
  set_text (window, "xanes-pre", "-150:-30");
  compute (panel);
  g_assert_nonnull (evox_xanes_panel_get_error (panel));
  g_test_message ("error: %s", evox_xanes_panel_get_error (panel));
  g_assert_null (evox_document_get_maps (document));
  g_assert_true (evox_document_get_volume (document) == sparse);
  g_assert_cmpuint (evox_document_get_channel (document), ==, 0);

  /* Stop drops the run: whenever its thread ends, nothing reaches the document. Checked once
   * the run has let go of the stack (its callback has run), counted when the window has drawn
   * it and the history has its state. */
  evox_document_set_volume (document, stack, "stack", NULL);
  evox_test_wait_painted (GTK_WIDGET (window));
  refs = evox_test_get_refs (stack);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "xanes.compute", NULL));
  g_assert_true (evox_xanes_panel_is_busy (panel));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "xanes.stop", NULL));
  g_assert_false (evox_xanes_panel_is_busy (panel));
  evox_test_wait_refs (stack, refs);
  g_assert_null (evox_document_get_maps (document));
  g_assert_null (evox_xanes_panel_get_error (panel));
  g_assert_true (evox_document_get_volume (document) == stack);
  evox_test_close_window (window);
}

/* The Spectra page's Normalised view: a pinned voxel's spectrum normalised as
 * evox_xanes_normalise does with the XANES page's parameters, E0, the half step and the white
 * line marked and labelled; the raw view draws the pre- and post-edge fits. */
static void
test_normalised (void)
{
  g_autoptr (EvoxVolume) stack = make_stack (NC);
  g_autoptr (GError) error = NULL;
  EvoxWindow *window = window_with (stack);
  EvoxSpectrumPanel *spectra = EVOX_SPECTRUM_PANEL (evox_window_get_spectrum_panel (window));
  EvoxXanesPanel *panel = EVOX_XANES_PANEL (evox_window_get_xanes_panel (window));
  EvoxPlot *plot = EVOX_PLOT (_evox_spectrum_panel_get_plot (spectra));
  GtkToggleButton *toggle = GTK_TOGGLE_BUTTON (evox_test_find_named (GTK_WIDGET (window),
                                                                     "spectrum-normalised"));
  EvoxXanesParams params;
  EvoxXanesResult result = { 0 };
  double energy[NC], mu[NC], norm[NC];
  gboolean seen[3] = { FALSE, FALSE, FALSE };
  static const char *labels[3] = { "E0", "half step", "white line" };
  const double *line, *line_x;
  guint n_line;

  evox_window_show_page (window, "spectra");
  evox_spectrum_panel_pin_voxel (spectra, 6, 2, 0);
  g_assert_cmpuint (evox_spectrum_panel_get_n_pinned (spectra), ==, 1);

  /* The oracle: the voxel's values straight from the stack, normalised here. */
  for (guint c = 0; c < NC; c++)
    {
      energy[c] = energy_of (c);
      mu[c] = (float) od_at (c, 6, 2);
    }
  g_assert_true (evox_xanes_panel_get_params (panel, &params, &error));
  result.norm = norm;
  g_assert_true (evox_xanes_normalise (energy, mu, NC, &params, &result, &error));
  g_assert_no_error (error);

  /* Raw: the spectrum and the pre- and post-edge fit lines. */
  g_assert_cmpuint (evox_plot_get_n_lines (plot), ==, 3);

  gtk_toggle_button_set_active (toggle, TRUE);
  g_assert_cmpuint (evox_plot_get_n_lines (plot), ==, 1);
  line = evox_plot_get_line (plot, 0, &line_x, &n_line);
  g_assert_cmpuint (n_line, ==, NC);
  for (guint c = 0; c < NC; c++)
    {
      g_assert_cmpfloat (line_x[c], ==, energy[c]);
      g_assert_cmpfloat_with_epsilon (line[c], norm[c], 1e-9);
    }
  for (guint m = 0; m < evox_plot_get_n_markers (plot); m++)
    {
      const char *label;
      double at = evox_plot_get_marker (plot, m, &label);

      if (g_strcmp0 (label, "E0") == 0)
        {
          g_assert_cmpfloat (at, ==, result.e0);
          seen[0] = TRUE;
        }
      else if (g_strcmp0 (label, "half step") == 0)
        {
          g_assert_cmpfloat (at, ==, result.half_step_energy);
          seen[1] = TRUE;
        }
      else if (g_strcmp0 (label, "white line") == 0)
        {
          g_assert_cmpfloat (at, ==, result.whiteline_energy);
          seen[2] = TRUE;
        }
    }
  for (guint i = 0; i < 3; i++)
    if (!seen[i])
      g_error ("no mark labelled %s", labels[i]);
  /* The right half's edge is at 8337 eV. */
  g_assert_cmpfloat_with_epsilon (result.half_step_energy, E0_RIGHT, 1.0);
  evox_test_wait_painted (GTK_WIDGET (window));
  evox_test_screenshot (GTK_WIDGET (window), "xanes-normalised");

  /* Parameters of the XANES page apply at once: a post-edge range that leaves too few points
   * normalises nothing. */
  set_text (window, "xanes-post", "190:end");
  g_assert_cmpuint (evox_plot_get_n_lines (plot), ==, 0);
  set_text (window, "xanes-post", "50:end");
  g_assert_cmpuint (evox_plot_get_n_lines (plot), ==, 1);
  evox_test_close_window (window);
}

/* The Normalised view of a stack that also holds energies far below the edge (Mn and Co pairs,
 * as the XANES demo has): the line starts at the pre-edge range's low end (E0 - 150 eV), where
 * the normalisation is defined, with the values evox_xanes_normalise gives over all energies
 * (run here); before, the far energies were drawn too (their values finite but meaningless,
 * here about -0.3) and the step shrank into the plot's right edge. */
static void
test_normalised_far_energies (void)
{
  static const double far[2] = { 6534, 7704 };
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) stack = evox_volume_new (NX, NY, 1, NC + 2, EVOX_SAMPLE_F32, &error);
  EvoxWindow *window;
  EvoxSpectrumPanel *spectra;
  EvoxXanesPanel *panel;
  EvoxPlot *plot;
  EvoxXanesParams params;
  EvoxXanesResult result = { 0 };
  double energy[NC + 2], mu[NC + 2], norm[NC + 2];
  const double *line, *line_x;
  guint n_line, kept = 0;

  g_assert_no_error (error);
  for (guint k = 0; k < NC + 2; k++)
    {
      float *data = evox_volume_get_data_mut (stack, k);
      char label[32];

      energy[k] = k < 2 ? far[k] : energy_of (k - 2);
      for (gsize y = 0; y < NY; y++)
        for (gsize x = 0; x < NX; x++)
          data[x + NX * y] = k < 2 ? 0.1f * (k + 1) : (float) od_at (k - 2, x, y);
      mu[k] = data[6 + NX * 2];
      g_snprintf (label, sizeof label, "%.1f eV", energy[k]);
      evox_volume_set_channel_info (stack, k, label, energy[k]);
    }
  evox_volume_set_values (stack, EVOX_SCALE_LINEAR, "optical density", NULL);
  evox_volume_freeze (stack);
  window = window_with (stack);
  spectra = EVOX_SPECTRUM_PANEL (evox_window_get_spectrum_panel (window));
  panel = EVOX_XANES_PANEL (evox_window_get_xanes_panel (window));
  plot = EVOX_PLOT (_evox_spectrum_panel_get_plot (spectra));
  evox_window_show_page (window, "spectra");
  evox_spectrum_panel_pin_voxel (spectra, 6, 2, 0);

  g_assert_true (evox_xanes_panel_get_params (panel, &params, &error));
  result.norm = norm;
  g_assert_true (evox_xanes_normalise (energy, mu, NC + 2, &params, &result, &error));
  g_assert_no_error (error);
  g_assert_true (isfinite (norm[0]) && isfinite (norm[1]));

  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (evox_test_find_named (GTK_WIDGET (window),
                                                                         "spectrum-normalised")),
                                TRUE);
  g_assert_cmpuint (evox_plot_get_n_lines (plot), ==, 1);
  line = evox_plot_get_line (plot, 0, &line_x, &n_line);
  for (guint k = 0; k < NC + 2; k++)
    if (energy[k] >= result.e0 + params.pre1)
      {
        g_assert_cmpuint (kept, <, n_line);
        g_assert_cmpfloat (line_x[kept], ==, energy[k]);
        g_assert_cmpfloat_with_epsilon (line[kept], norm[k], 1e-9);
        kept++;
      }
  g_assert_cmpuint (n_line, ==, kept);
  g_assert_cmpuint (kept, ==, NC);
  evox_test_close_window (window);
}

/* A label among the widgets under `widget` that reads `text`. */
static gboolean
has_label_text (GtkWidget  *widget,
                const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_label_text (child, text))
      return TRUE;
  return FALSE;
}

/* The Display page's Low and High read the edge-energy map's range to a tenth of an eV (the
 * document's range printed here with one decimal); "%.4g" wrote whole eV, which on a map whose
 * range spans a few eV hid where it starts and ends. */
static void
test_range_digits (void)
{
  g_autoptr (EvoxVolume) stack = make_stack (NC);
  EvoxWindow *window = window_with (stack);
  EvoxDocument *document = evox_window_get_document (window);
  g_autofree char *lo_text = NULL, *hi_text = NULL;
  double lo, hi;

  compute (EVOX_XANES_PANEL (evox_window_get_xanes_panel (window)));
  g_assert_true (evox_document_get_show_maps (document));
  evox_window_show_page (window, "display");
  evox_test_wait_painted (GTK_WIDGET (window));
  evox_document_get_range (document, &lo, &hi);
  lo_text = g_strdup_printf ("%.1f", lo);
  hi_text = g_strdup_printf ("%.1f", hi);
  g_test_message ("range %s to %s", lo_text, hi_text);
  g_assert_true (has_label_text (evox_test_find_named (GTK_WIDGET (window), "lo-scale"), lo_text));
  g_assert_true (has_label_text (evox_test_find_named (GTK_WIDGET (window), "hi-scale"), hi_text));
  evox_test_close_window (window);
}

/* The maps list says what the edge step is in: the stack's values ("edge step, optical
 * density"), as the energy rows say eV; it said "edge step" alone. */
static void
test_edge_step_unit (void)
{
  g_autoptr (EvoxVolume) stack = make_stack (NC);
  EvoxWindow *window = window_with (stack);
  EvoxXanesPanel *panel = EVOX_XANES_PANEL (evox_window_get_xanes_panel (window));

  compute (panel);
  g_assert_true (has_label_text (GTK_WIDGET (panel), "edge step, optical density"));
  evox_test_close_window (window);
}

/* Export Maps suggests NAME_maps.h5 beside the stack's file (the chooser opened on the folder
 * the program started in, always with maps.h5); a stack of no file keeps maps.h5. */
static void
test_export_path (void)
{
  g_autoptr (EvoxVolume) stack = make_stack (NC);
  EvoxWindow *window = window_with (stack);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxXanesPanel *panel = EVOX_XANES_PANEL (evox_window_get_xanes_panel (window));
  g_autofree char *none = evox_xanes_panel_dup_export_path (panel);
  g_autofree char *absolute = NULL;
  g_autofree char *relative = NULL;
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *want = g_build_filename (cwd, "run", "s_maps.h5", NULL);

  g_assert_cmpstr (none, ==, "maps.h5");
  evox_document_set_volume (document, stack, "stack", "/data/run 1/stack.h5");
  absolute = evox_xanes_panel_dup_export_path (panel);
  g_assert_cmpstr (absolute, ==, "/data/run 1/stack_maps.h5");
  evox_document_set_volume (document, stack, "s", "run/s.tif");
  relative = evox_xanes_panel_dup_export_path (panel);
  g_assert_cmpstr (relative, ==, want);
  evox_test_close_window (window);
}

/* Export Maps: .h5 through the HDF5 writer and a TIFF per map, read back equal; existing files
 * are refused without overwrite. */
static void
test_export (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *h5 = g_build_filename (dir, "maps.h5", NULL);
  g_autofree char *tif = g_build_filename (dir, "run.tif", NULL);
  g_autoptr (EvoxVolume) stack = make_stack (NC);
  g_autoptr (EvoxVolume) read = NULL;
  g_autoptr (GPtrArray) paths = NULL;
  g_autoptr (GError) error = NULL;
  EvoxWindow *window = window_with (stack);
  EvoxXanesPanel *panel = EVOX_XANES_PANEL (evox_window_get_xanes_panel (window));
  EvoxVolume *maps;
  int edge;

  g_assert_false (evox_xanes_panel_export_maps (panel, h5, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  compute (panel);
  maps = evox_document_get_maps (evox_window_get_document (window));
  edge = evox_volume_find_channel (maps, "edge_energy");

  g_assert_true (evox_xanes_panel_export_maps (panel, h5, FALSE, &error));
  g_assert_no_error (error);
  read = evox_hdf5_load (h5, 1, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_channels (read), ==, evox_volume_get_n_channels (maps));
  for (guint c = 0; c < evox_volume_get_n_channels (maps); c++)
    evox_test_assert_same_channel (read, c, maps, c);
  g_clear_object (&read);
  /* The record: what was exported and the settings the maps were computed with. */
  {
    g_autofree char *record = evox_test_h5_get_root_text (h5, "evox_provenance");
    g_autofree char *e0 = g_strdup_printf ("xanes_e0 %s",
                                           evox_volume_get_metadata (maps, "xanes_e0"));

    g_assert_nonnull (record);
    g_assert_nonnull (strstr (record, "Export Maps: "));
    g_assert_nonnull (strstr (record, "edge_energy"));
    g_assert_nonnull (strstr (record, e0));
  }
  g_assert_false (evox_xanes_panel_export_maps (panel, h5, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_clear_error (&error);

  g_assert_true (evox_xanes_panel_export_maps (panel, tif, FALSE, &error));
  g_assert_no_error (error);
  /* As `evox xanes -o run.tif` writes them: a TIFF per map (the six XANES maps come first), then
   * the normalised stack as one energy stack that the spectral reader opens again. */
  paths = evox_maps_dup_tiff_paths (maps, tif);
  g_assert_cmpuint (paths->len, ==, 7);
  g_assert_true (g_str_has_suffix (paths->pdata[edge], "run_edge_energy.tif"));
  g_assert_true (g_str_has_suffix (paths->pdata[6], "run_norm.tif"));
  for (guint c = 0; c < 6; c++)
    {
      read = evox_tiff_read (paths->pdata[c], NULL, NULL, &error);
      g_assert_no_error (error);
      evox_test_assert_same_channel (read, 0, maps, c);
      g_clear_object (&read);
    }
  read = evox_spectral_load (paths->pdata[6], NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_channels (read), ==, NC);
  for (guint c = 0; c < NC; c++)
    {
      g_assert_cmpfloat (evox_volume_get_channel_energy (read, c), ==,
                         evox_volume_get_channel_energy (maps, 6 + c));
      evox_test_assert_same_channel (read, c, maps, 6 + c);
    }
  g_clear_object (&read);
  /* The hidden partial files are gone. */
  {
    g_autoptr (GDir) listing = g_dir_open (dir, 0, &error);
    const char *name;

    g_assert_no_error (error);
    while ((name = g_dir_read_name (listing)) != NULL)
      g_assert_false (g_str_has_prefix (name, "."));
  }
  g_assert_false (evox_xanes_panel_export_maps (panel, tif, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (evox_xanes_panel_export_maps (panel, tif, TRUE, &error));
  g_assert_no_error (error);

  /* File > Export Maps asks where, then writes. */
  {
    g_autofree char *chosen = g_build_filename (dir, "chosen.h5", NULL);

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.export-maps", NULL));
    g_assert_true (evox_test_wait_for (evox_test_file_dialog_shown, NULL, 60));
    evox_test_answer_file_dialog (chosen, GTK_RESPONSE_ACCEPT);
    g_assert_true (evox_test_wait_for (evox_test_file_dialog_gone, NULL, 60));
    read = evox_hdf5_load (chosen, 1, NULL, NULL, &error);
    g_assert_no_error (error);
    evox_test_assert_same_channel (read, (guint) edge, maps, (guint) edge);
    g_clear_object (&read);
  }

  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Six energies bracketing the Mn, Co and Ni K edges, as the DESIGN's example scan; optical
 * density of known areal masses (ug/cm^2) with xraylib's cross sections: the left half Mn 5,
 * Co 5, Ni 20; the right half Mn 15, Co 10, Ni 5. */
static const double pair_energies[] = { 6534, 6558, 7704, 7728, 8178, 8570 };
static const int element_z[3] = { 25, 27, 28 };

static double
amount_at (guint element,
           gsize x)
{
  static const double left[3] = { 5, 5, 20 }, right[3] = { 15, 10, 5 };

  return x < NX / 2 ? left[element] : right[element];
}

static EvoxVolume *
make_element_stack (void)
{
  g_autoptr (GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (NX, NY, 1, G_N_ELEMENTS (pair_energies),
                                        EVOX_SAMPLE_F32, &error);

  g_assert_no_error (error);
  for (guint c = 0; c < G_N_ELEMENTS (pair_energies); c++)
    {
      float *data = evox_volume_get_data_mut (volume, c);
      char label[32];

      for (gsize y = 0; y < NY; y++)
        for (gsize x = 0; x < NX; x++)
          {
            double od = 0;

            for (guint e = 0; e < 3; e++)
              od += amount_at (e, x) * 1e-6 *
                    evox_element_mass_attenuation (element_z[e], pair_energies[c]);
            data[x + NX * y] = (float) od;
          }
      g_snprintf (label, sizeof label, "%.1f eV", pair_energies[c]);
      evox_volume_set_channel_info (volume, c, label, pair_energies[c]);
    }
  evox_volume_set_values (volume, EVOX_SCALE_LINEAR, "optical density", NULL);
  evox_volume_freeze (volume);
  return volume;
}

/* Compute Elements: the elements and pairs found from the energies, maps equal to
 * evox_elements_maps run here with them, added to the document beside the XANES maps; the fit
 * gives back the amounts the stack was made with. */
static void
test_elements (void)
{
  g_autoptr (EvoxVolume) stack = make_element_stack ();
  g_autoptr (EvoxVolume) expected = NULL;
  g_autoptr (GError) error = NULL;
  EvoxWindow *window = window_with (stack);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxXanesPanel *panel = EVOX_XANES_PANEL (evox_window_get_xanes_panel (window));
  EvoxElementsParams params;
  EvoxVolume *maps;

  g_assert_true (evox_xanes_panel_get_available (panel));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (evox_test_find_named (
                     GTK_WIDGET (window), "xanes-elements"))), ==, "Mn, Co, Ni");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (evox_test_find_named (
                     GTK_WIDGET (window), "xanes-pairs"))), ==,
                   "Mn 6534:6558, Co 7704:7728, Ni 8178:8570");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "xanes.compute-elements",
                                             NULL));
  g_assert_true (evox_test_wait_for (panel_idle, panel, 60));
  g_assert_null (evox_xanes_panel_get_error (panel));
  maps = evox_document_get_maps (document);
  g_assert_nonnull (maps);
  evox_elements_params_init (&params);
  params.method = EVOX_ELEMENTS_PAIR;
  params.n_elements = 3;
  for (guint e = 0; e < 3; e++)
    {
      g_assert_true (evox_edge_parse (evox_element_symbol (element_z[e]), &params.edges[e],
                                      &error));
      params.below[e] = pair_energies[2 * e];
      params.above[e] = pair_energies[2 * e + 1];
    }
  expected = evox_elements_maps (stack, &params, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint e = 0; e < 3; e++)
    {
      int channel = evox_volume_find_channel (maps, evox_element_symbol (element_z[e]));

      g_assert_cmpint (channel, >=, 0);
      evox_test_assert_same_channel (maps, (guint) channel, expected, e);
    }
  g_assert_true (evox_document_get_show_maps (document));
  evox_window_show_page (window, "xanes");
  evox_test_wait_painted (GTK_WIDGET (window));
  evox_test_screenshot (GTK_WIDGET (window), "xanes-elements");

  /* The fit over all six energies, without a matrix, gives the amounts back. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (evox_test_find_named (GTK_WIDGET (window),
                                                                   "xanes-method")), 1);
  set_text (window, "xanes-matrix", "");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "xanes.compute-elements",
                                             NULL));
  g_assert_true (evox_test_wait_for (panel_idle, panel, 60));
  g_assert_null (evox_xanes_panel_get_error (panel));
  maps = evox_document_get_maps (document);
  for (guint e = 0; e < 3; e++)
    {
      int channel = evox_volume_find_channel (maps, evox_element_symbol (element_z[e]));
      const float *m = evox_volume_get_data (maps, (guint) channel);

      for (gsize y = 0; y < NY; y++)
        for (gsize x = 0; x < NX; x++)
          g_assert_cmpfloat_with_epsilon (m[x + NX * y], amount_at (e, x),
                                          0.01 * amount_at (e, x));
    }

  /* An element xraylib does not know is said on the page; the maps stay as they were. */
  set_text (window, "xanes-elements", "Mn, Xx");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "xanes.compute-elements",
                                             NULL));
  g_assert_nonnull (evox_xanes_panel_get_error (panel));
  g_test_message ("error: %s", evox_xanes_panel_get_error (panel));
  g_assert_true (evox_document_get_maps (document) == maps);
  evox_elements_params_clear (&params);
  evox_test_close_window (window);
}

int
main (int    argc,
      char **argv)
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;
  g_test_add_func ("/Evox/XanesUi/page", test_page);
  g_test_add_func ("/Evox/XanesUi/compute", test_compute);
  g_test_add_func ("/Evox/XanesUi/errors", test_errors);
  g_test_add_func ("/Evox/XanesUi/normalised", test_normalised);
  g_test_add_func ("/Evox/XanesUi/normalised-far-energies", test_normalised_far_energies);
  g_test_add_func ("/Evox/XanesUi/range-digits", test_range_digits);
  g_test_add_func ("/Evox/XanesUi/export-path", test_export_path);
  g_test_add_func ("/Evox/XanesUi/edge-step-unit", test_edge_step_unit);
  g_test_add_func ("/Evox/XanesUi/export", test_export);
  g_test_add_func ("/Evox/XanesUi/elements", test_elements);
  return g_test_run ();
}
