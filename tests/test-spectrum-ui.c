/* test-spectrum-ui.c: the energy slider and the Spectra page under Xvfb: hovering, pinning
 * voxels, a phase, a particle and a Region rectangle, removing and exporting, checked against
 * the values the test volume was written with. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "evox-canvas.h"
#include "evox-histogram-view.h"
#include "evox-labels.h"
#include "evox-measure-panel.h"
#include "evox-plot.h"
#include "evox-spectrum-panel.h"
#include "evox-test-discs.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-window.h"

/* 32 x 32 x 1, 8 energies 8330 .. 8400 eV: two discs whose optical density rises across an
 * edge (at 8350 and at 8370 eV) on a faint background, with a small pattern inside so regions
 * have a spread. */
#define NX EVOX_TEST_DISCS_NX
#define NY EVOX_TEST_DISCS_NY
#define NC 8

static const EvoxTestDiscs discs = { NC, { 8350, 8370 } };

/* Brute-force mean, population std and count over the voxels where in (x, y). */
static void
brute (guint            c,
       gboolean       (*in) (gsize x, gsize y, gpointer data),
       gpointer         data,
       double          *mean,
       double          *std,
       guint64         *n)
{
  double sum = 0, ss = 0;

  *n = 0;
  for (gsize y = 0; y < NY; y++)
    for (gsize x = 0; x < NX; x++)
      if (in (x, y, data))
        {
          sum += evox_test_discs_od (&discs, c, x, y);
          (*n)++;
        }
  *mean = sum / *n;
  for (gsize y = 0; y < NY; y++)
    for (gsize x = 0; x < NX; x++)
      if (in (x, y, data))
        {
          double d = evox_test_discs_od (&discs, c, x, y) - *mean;

          ss += d * d;
        }
  *std = sqrt (ss / *n);
}

static void
assert_region (const EvoxSpectrum *spectrum,
               gboolean          (*in) (gsize x, gsize y, gpointer data),
               gpointer            data)
{
  g_assert_cmpuint (spectrum->n_points, ==, NC);
  for (guint c = 0; c < NC; c++)
    {
      double mean, std;
      guint64 n;

      brute (c, in, data, &mean, &std, &n);
      g_assert_cmpfloat (spectrum->points[c].energy_ev, ==, evox_test_discs_energy (c));
      g_assert_cmpuint (spectrum->points[c].voxels, ==, n);
      g_assert_cmpfloat_with_epsilon (spectrum->points[c].mean, mean, 1e-9);
      g_assert_cmpfloat_with_epsilon (spectrum->points[c].std, std, 1e-9);
    }
}

static gboolean
in_box (gsize    x,
        gsize    y,
        gpointer data)
{
  const guint *b = data;

  return x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3];
}

static gboolean
in_disc1 (gsize    x,
          gsize    y,
          gpointer data)
{
  return evox_test_discs_at (x, y) == 1;
}

static gboolean
in_range (gsize    x,
          gsize    y,
          gpointer data)
{
  const double *r = data;
  double v = evox_test_discs_od (&discs, (guint) r[2], x, y);

  return v >= r[0] && v <= r[1];
}

static void
test_spectra (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = evox_test_discs_write (&discs, dir);
  g_autofree char *csv = g_build_filename (dir, "spectra.csv", NULL);
  EvoxWindow *window = evox_test_open_file (path);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxCanvas *canvas = EVOX_CANVAS (evox_window_get_canvas (window));
  EvoxSpectrumPanel *panel = EVOX_SPECTRUM_PANEL (evox_window_get_spectrum_panel (window));
  EvoxHistogramView *histogram = EVOX_HISTOGRAM_VIEW (evox_window_get_histogram (window));
  GtkWidget *scale = evox_test_find_named (GTK_WIDGET (window), "channel-scale");
  GtkLabel *channel_label = GTK_LABEL (evox_test_find_named (GTK_WIDGET (window), "channel-label"));
  GtkStack *stack = GTK_STACK (gtk_widget_get_ancestor (GTK_WIDGET (panel), GTK_TYPE_STACK));
  EvoxPlot *plot = EVOX_PLOT (_evox_spectrum_panel_get_plot (panel));
  const EvoxSpectrum *hovered;
  const double *line;
  const double *line_x;
  guint n_line;
  gsize voxel[3];
  g_autoptr (GPtrArray) rows = NULL;

  /* An energy scan: a slider over the energies (no drop-down), the label saying the eV. */
  g_assert_true (evox_spectrum_panel_get_spectral (panel));
  g_assert_true (gtk_widget_get_visible (evox_test_find_named (GTK_WIDGET (window),
                                                               "channel-stepper")));
  g_assert_false (gtk_widget_get_visible (evox_test_find_named (GTK_WIDGET (window),
                                                      "channel-dropdown")));
  g_assert_true (gtk_scale_get_draw_value (GTK_SCALE (scale)));
  gtk_range_set_value (GTK_RANGE (scale), 3);
  g_assert_cmpuint (evox_document_get_channel (document), ==, 3);
  g_test_message ("channel label: %s", gtk_label_get_text (channel_label));
  /* The knob carries the energy; the line under it the channel's name, the energy not again. */
  g_assert_cmpstr (gtk_label_get_text (channel_label), ==, "3 / 7 · E3");
  evox_test_wait_painted (GTK_WIDGET (canvas));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (evox_test_find_descendant (
                     scale, GTK_TYPE_LABEL))), ==, "8360 eV");
  /* The histogram follows the channel shown. */
  g_assert_nonnull (strstr (evox_histogram_view_get_title (histogram), "E3"));

  /* The Spectra page is there for this volume. */
  g_assert_true (gtk_stack_page_get_visible (gtk_stack_get_page (
    stack, gtk_stack_get_child_by_name (stack, "spectra"))));
  evox_window_show_page (window, "spectra");
  evox_test_wait_painted (GTK_WIDGET (canvas));

  /* Hovering a voxel plots its spectrum: the values the file holds at that voxel. */
  evox_document_set_view (document, EVOX_VIEW_SLICE_Z);
  evox_test_wait_painted (GTK_WIDGET (canvas));
  evox_canvas_hover_at (canvas, gtk_widget_get_width (GTK_WIDGET (canvas)) / 2.0,
                        gtk_widget_get_height (GTK_WIDGET (canvas)) / 2.0);
  g_assert_true (evox_canvas_get_hover_voxel (canvas, voxel));
  hovered = evox_spectrum_panel_get_hovered (panel);
  g_assert_nonnull (hovered);
  g_test_message ("hovered %s", hovered->label);
  g_assert_cmpuint (hovered->n_points, ==, NC);
  line = evox_plot_get_line (plot, evox_plot_get_n_lines (plot) - 1, &line_x, &n_line);
  g_assert_cmpuint (n_line, ==, NC);
  for (guint c = 0; c < NC; c++)
    {
      g_assert_cmpfloat (hovered->points[c].mean, ==,
                         evox_test_discs_od (&discs, c, voxel[0], voxel[1]));
      g_assert_cmpfloat (line[c], ==, evox_test_discs_od (&discs, c, voxel[0], voxel[1]));
      g_assert_cmpfloat (line_x[c], ==, evox_test_discs_energy (c));
    }

  /* A click pins it, while the page is shown: on another page a click means nothing here. */
  evox_window_show_page (window, "display");
  evox_test_wait_painted (GTK_WIDGET (canvas));
  g_signal_emit_by_name (canvas, "voxel-clicked", (guint) voxel[0], (guint) voxel[1], 0u);
  g_assert_cmpuint (evox_spectrum_panel_get_n_pinned (panel), ==, 0);
  evox_window_show_page (window, "spectra");
  evox_test_wait_painted (GTK_WIDGET (canvas));
  {
    guint n_lines = evox_plot_get_n_lines (plot);

    g_signal_emit_by_name (canvas, "voxel-clicked", (guint) voxel[0], (guint) voxel[1], 0u);
    g_assert_cmpuint (evox_spectrum_panel_get_n_pinned (panel), ==, 1);
    g_assert_cmpstr (evox_spectrum_panel_get_pinned (panel, 0)->label, ==, hovered->label);
    /* The pinned voxel, still hovered, is one line (the legend named it twice). */
    g_assert_cmpuint (evox_plot_get_n_lines (plot), ==, n_lines);
  }

  /* The Region tool: the toggle on the Measure page is the canvas's; a drag pins its box. */
  {
    EvoxMeasurePanel *measure = EVOX_MEASURE_PANEL (evox_window_get_measure_panel (window));
    const EvoxSpectrum *box;
    double cx = gtk_widget_get_width (GTK_WIDGET (canvas)) / 2.0;
    double cy = gtk_widget_get_height (GTK_WIDGET (canvas)) / 2.0;
    guint b[4], z0, z1;
    gboolean region;

    g_assert_true (gtk_widget_get_visible (evox_test_find_named (GTK_WIDGET (window),
                                                                 "region-tool")));
    evox_canvas_set_region_tool (canvas, TRUE);
    g_object_get (measure, "region-tool", &region, NULL);
    g_assert_true (region);
    g_assert_true (gtk_toggle_button_get_active (
      GTK_TOGGLE_BUTTON (evox_test_find_named (GTK_WIDGET (panel), "spectrum-region"))));
    g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_PRIMARY, 0, cx - 60, cy - 40, cx + 30,
                                       cy + 50), ==, EVOX_DRAG_REGION);
    evox_test_wait_pinned (panel, 2);
    box = evox_spectrum_panel_get_pinned (panel, 1);
    g_test_message ("region %s", box->label);
    g_assert_cmpint (sscanf (box->label, "box (%u, %u, %u)-(%u, %u, %u)", &b[0], &b[1], &z0,
                             &b[2], &b[3], &z1), ==, 6);
    g_assert_cmpuint (b[2], >, b[0]);
    g_assert_cmpuint (b[3], >, b[1]);
    assert_region (box, in_box, b);
    /* The pinned box stays outlined on the slice, in its colour (the palette's second, after
     * the voxel's): the canvas's own pick, just inside the outline's corners, finds the box's
     * first and last voxels. */
    {
      const EvoxCanvasBox *drawn;
      graphene_rect_t outline;
      GdkRGBA orange;
      gsize corner[3];

      /* The voxel pinned first is marked too, as a box of one voxel. */
      g_assert_cmpuint (evox_canvas_get_n_boxes (canvas), ==, 2);
      g_assert_cmpuint (evox_canvas_get_box (canvas, 0)->lo[0], ==, voxel[0]);
      g_assert_cmpuint (evox_canvas_get_box (canvas, 0)->hi[1], ==, voxel[1]);
      drawn = evox_canvas_get_box (canvas, 1);
      g_assert_true (gdk_rgba_parse (&orange, "#ff7f0e"));
      g_assert_true (gdk_rgba_equal (&drawn->color, &orange));
      g_assert_cmpuint (drawn->lo[0], ==, b[0]);
      g_assert_cmpuint (drawn->hi[1], ==, b[3]);
      g_assert_true (evox_canvas_get_box_outline (canvas, 1, &outline));
      g_test_message ("outline %g, %g, %g x %g", outline.origin.x, outline.origin.y,
                      outline.size.width, outline.size.height);
      evox_canvas_hover_at (canvas, outline.origin.x + 1, outline.origin.y + 1);
      g_assert_true (evox_canvas_get_hover_voxel (canvas, corner));
      g_assert_cmpuint (corner[0], ==, b[0]);
      g_assert_cmpuint (corner[1], ==, b[1]);
      evox_canvas_hover_at (canvas, outline.origin.x + outline.size.width - 1,
                            outline.origin.y + outline.size.height - 1);
      g_assert_true (evox_canvas_get_hover_voxel (canvas, corner));
      g_assert_cmpuint (corner[0], ==, b[2]);
      g_assert_cmpuint (corner[1], ==, b[3]);
      /* Across the box on another axis: a slice through it shows its thin side, one beside it
       * nothing. */
      evox_document_set_view (document, EVOX_VIEW_SLICE_X);
      evox_document_set_slice (document, 0, b[0] - 1);
      evox_test_wait_painted (GTK_WIDGET (canvas));
      g_assert_false (evox_canvas_get_box_outline (canvas, 1, NULL));
      evox_document_set_slice (document, 0, b[2]);
      evox_test_wait_painted (GTK_WIDGET (canvas));
      g_assert_true (evox_canvas_get_box_outline (canvas, 1, NULL));
      /* In the 2x2, in its pane: the pick at the outline's corners again finds the box's. */
      evox_document_set_view (document, EVOX_VIEW_QUAD);
      evox_test_wait_painted (GTK_WIDGET (canvas));
      g_assert_true (evox_canvas_get_box_outline (canvas, 1, &outline));
      g_test_message ("outline in the 2x2 %g, %g, %g x %g", outline.origin.x, outline.origin.y,
                      outline.size.width, outline.size.height);
      evox_canvas_hover_at (canvas, outline.origin.x + 0.5, outline.origin.y + 0.5);
      g_assert_true (evox_canvas_get_hover_voxel (canvas, corner));
      g_assert_cmpuint (corner[0], ==, b[0]);
      g_assert_cmpuint (corner[1], ==, b[1]);
      evox_canvas_hover_at (canvas, outline.origin.x + outline.size.width - 0.5,
                            outline.origin.y + outline.size.height - 0.5);
      g_assert_true (evox_canvas_get_hover_voxel (canvas, corner));
      g_assert_cmpuint (corner[0], ==, b[2]);
      g_assert_cmpuint (corner[1], ==, b[3]);
      evox_document_set_view (document, EVOX_VIEW_SLICE_Z);
      evox_test_wait_painted (GTK_WIDGET (canvas));
    }
    /* A click with the tool draws nothing. */
    evox_canvas_drag (canvas, GDK_BUTTON_PRIMARY, 0, cx, cy, cx, cy);
    evox_test_wait_painted (GTK_WIDGET (canvas));
    g_assert_cmpuint (evox_spectrum_panel_get_n_pinned (panel), ==, 2);
    /* Measure and Region are one choice. */
    evox_canvas_set_measure_tool (canvas, TRUE);
    g_assert_false (evox_canvas_get_region_tool (canvas));
    evox_canvas_set_measure_tool (canvas, FALSE);
  }

  /* The selected phase, over its range on the channel shown, in the phase's colour. */
  {
    g_autoptr (EvoxPhase) phase = evox_phase_new ("rich", 0.5, 2.0, "#00ff00");
    double range[3] = { 0.5, 2.0, 3 };

    evox_phase_list_append (evox_document_get_phases (document), phase);
    evox_document_set_selected_phase (document, 0);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "spectrum.pin-phase", NULL));
    evox_test_wait_pinned (panel, 3);
    g_assert_cmpstr (evox_spectrum_panel_get_pinned (panel, 2)->label, ==, "phase rich");
    assert_region (evox_spectrum_panel_get_pinned (panel, 2), in_range, range);
  }

  /* The selected particle: disc 1 is particle 1 of the phase's labels (raster order). */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (EvoxLabels) labels = evox_labels_compute (evox_document_get_volume (document), 3,
                                                         "rich", 0.5, 2.0,
                                                         EVOX_CONNECTIVITY_26, 0, NULL, NULL,
                                                         &error);

    g_assert_no_error (error);
    evox_document_set_labels (document, labels);
    evox_document_set_selected_particle (document, evox_labels_get_label (labels, 10, 12, 0));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "spectrum.pin-particle",
                                               NULL));
    evox_test_wait_pinned (panel, 4);
    assert_region (evox_spectrum_panel_get_pinned (panel, 3), in_disc1, NULL);
  }

  /* Each pinned spectrum on the plot (lines for all, bands for the regions), the hovered one
   * last. */
  g_assert_cmpuint (evox_plot_get_n_lines (plot), ==, 5);
  g_assert_cmpuint (evox_plot_get_n_bands (plot), ==, 3);
  evox_test_wait_painted (GTK_WIDGET (window));
  evox_test_screenshot (GTK_WIDGET (window), "spectra");

  /* Remove the voxel; export the three regions. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "spectrum.remove", "u", 0));
  g_assert_cmpuint (evox_spectrum_panel_get_n_pinned (panel), ==, 3);
  g_assert_true (g_str_has_prefix (evox_spectrum_panel_get_pinned (panel, 0)->label, "box"));
  g_assert_cmpuint (evox_canvas_get_n_boxes (canvas), ==, 1);
  {
    g_autoptr (GError) error = NULL;

    g_assert_true (evox_spectrum_panel_export (panel, csv, FALSE, &error));
    g_assert_no_error (error);
    g_assert_false (evox_spectrum_panel_export (panel, csv, FALSE, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
    g_clear_error (&error);
  }
  /* With File > Include Provenance in CSV: the record's lines, then the same spectra. */
  {
    g_autoptr (GError) error = NULL;
    g_autofree char *with = g_strconcat (csv, ".with.csv", NULL);

    g_action_group_change_action_state (G_ACTION_GROUP (window), "csv-provenance",
                                        g_variant_new_boolean (TRUE));
    g_assert_true (evox_spectrum_panel_export (panel, with, FALSE, &error));
    g_assert_no_error (error);
    evox_test_assert_csv_with_provenance (with, csv, "Export Spectra");
    g_action_group_change_action_state (G_ACTION_GROUP (window), "csv-provenance",
                                        g_variant_new_boolean (FALSE));
    g_unlink (with);
  }
  {
    g_autofree char *text = NULL;
    g_auto (GStrv) lines = NULL;

    g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
    lines = g_strsplit (text, "\n", -1);
    g_assert_cmpstr (lines[0], ==, "spectrum,energy_ev,mean,std,voxels");
    g_assert_cmpuint (g_strv_length (lines), ==, 1 + 3 * NC + 1);
    g_assert_true (g_str_has_prefix (lines[1 + NC], "phase rich,8330,"));
    g_assert_true (g_str_has_prefix (lines[1 + 2 * NC], "particle "));
  }

  /* A volume of one channel: no spectra, the page goes. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (EvoxVolume) plain = evox_volume_new (4, 4, 1, 1, EVOX_SAMPLE_U8, &error);

    g_assert_no_error (error);
    evox_volume_freeze (plain);
    evox_canvas_set_region_tool (canvas, TRUE);
    evox_document_set_volume (document, plain, "plain", NULL);
    g_assert_false (evox_spectrum_panel_get_spectral (panel));
    g_assert_cmpuint (evox_spectrum_panel_get_n_pinned (panel), ==, 0);
    g_assert_cmpuint (evox_canvas_get_n_boxes (canvas), ==, 0);
    g_assert_false (gtk_stack_page_get_visible (gtk_stack_get_page (
      stack, gtk_stack_get_child_by_name (stack, "spectra"))));
    /* Nor is the Region tool offered on the Measure page, and it is off. */
    g_assert_false (gtk_widget_get_visible (evox_test_find_named (GTK_WIDGET (window),
                                                                  "region-tool")));
    g_assert_false (evox_canvas_get_region_tool (canvas));
  }

  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;
  g_test_add_func ("/Evox/SpectrumUi/spectra", test_spectra);
  return g_test_run ();
}
