/* test-volume-ui.c: the Volume view in the window: the view's drop-down and --view volume, the
 * Volume section's controls, the opacity curve edited on the histogram, interactive quality
 * while dragging, the side panel's width. Under Xvfb. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "evox-canvas.h"
#include "evox-display-panel.h"
#include "evox-histogram-view-private.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-volume-box.h"
#include "evox-window.h"

#define N 8

/* An N^3 f32 ramp from lo to hi over the voxels in memory order (lo and hi both present):
 * spread evenly in log10 when log_spaced (lo > 0), else linearly. */
static EvoxVolume *
ramp_volume (double   lo,
             double   hi,
             gboolean log_spaced)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (N, N, N, 1, EVOX_SAMPLE_F32, &error);
  float *data = evox_volume_get_data_mut (volume, 0);
  gsize n = N * N * N;

  g_assert_no_error (error);
  for (gsize i = 0; i < n; i++)
    {
      double t = (double) i / (n - 1);

      data[i] = (float) (log_spaced ? pow (10, log10 (lo) + t * (log10 (hi) - log10 (lo)))
                                    : lo + t * (hi - lo));
    }
  evox_volume_freeze (volume);
  return volume;
}

static gboolean
window_idle (gpointer data)
{
  return evox_test_window_loaded (data);
}

static EvoxWindow *
demo_window (void)
{
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  evox_window_open_demo (window);
  g_assert_true (evox_test_wait_for (window_idle, window, 60));
  return window;
}

static EvoxVolumeBox *
window_volume_box (EvoxWindow *window)
{
  GtkWidget *panel = evox_test_find_descendant (GTK_WIDGET (window), EVOX_TYPE_DISPLAY_PANEL);

  g_assert_nonnull (panel);
  return EVOX_VOLUME_BOX (evox_display_panel_get_volume_box (EVOX_DISPLAY_PANEL (panel)));
}

/* The view's drop-down: "Volume" is the document's and the renderer's view, and shows the
 * Volume section; the renderer draws with the document's style. */
static void
test_view_dropdown (void)
{
  EvoxWindow *window = demo_window ();
  EvoxDocument *document = evox_window_get_document (window);
  EvoxRenderer *renderer = evox_canvas_get_renderer (EVOX_CANVAS (evox_window_get_canvas (window)));
  GtkDropDown *views = GTK_DROP_DOWN (evox_test_find_named (GTK_WIDGET (window), "view-dropdown"));
  GtkWidget *box = GTK_WIDGET (window_volume_box (window));
  GListModel *items;

  g_assert_nonnull (views);
  items = gtk_drop_down_get_model (views);
  g_assert_cmpuint (g_list_model_get_n_items (items), ==, EVOX_VIEW_LAST + 1);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (items), EVOX_VIEW_VOLUME), ==,
                   "Volume");
  g_assert_false (gtk_widget_get_visible (box));
  g_assert_true (evox_renderer_get_volume_style (renderer) ==
                 evox_document_get_volume_style (document));

  gtk_drop_down_set_selected (views, EVOX_VIEW_VOLUME);
  g_assert_cmpint (evox_document_get_view (document), ==, EVOX_VIEW_VOLUME);
  g_assert_cmpint (evox_renderer_get_view (renderer), ==, EVOX_VIEW_VOLUME);
  g_assert_true (gtk_widget_get_visible (box));
  /* The demo is an SSRM stack: its measured layers can be marked. */
  g_assert_true (gtk_widget_get_visible (evox_test_find_named (box, "volume-mark-layers")));

  evox_document_set_view (document, EVOX_VIEW_SLICES);
  g_assert_cmpuint (gtk_drop_down_get_selected (views), ==, EVOX_VIEW_SLICES);
  g_assert_false (gtk_widget_get_visible (box));
  evox_test_close_window (window);
}

static void
record_view (EvoxWindow *window,
             gpointer    data)
{
  *(EvoxView *) data = evox_document_get_view (evox_window_get_document (window));
}

/* `evox --view volume` opens in the Volume view. */
static void
test_command_line (void)
{
  EvoxView view = EVOX_VIEW_SLICES;

  g_assert_cmpint (evox_test_run_viewer ((const char *[]) { "--view", "volume", NULL },
                                         record_view, &view), ==, 0);
  g_assert_cmpint (view, ==, EVOX_VIEW_VOLUME);
}

static GtkAdjustment *
named_adjustment (GtkWidget  *root,
                  const char *name)
{
  GtkWidget *widget = evox_test_find_named (root, name);

  g_assert_nonnull (widget);
  if (GTK_IS_SPIN_BUTTON (widget))
    return gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (widget));
  return gtk_range_get_adjustment (GTK_RANGE (widget));
}

/* The voxels of n whose centres (i + 0.5) / n lie in [lo, hi], as "first–last", by brute
 * force. */
static char *
kept_voxels (double lo,
             double hi,
             guint  n)
{
  int first = -1, last = -1;

  for (guint i = 0; i < n; i++)
    if ((i + 0.5) / n >= lo && (i + 0.5) / n <= hi)
      {
        if (first < 0)
          first = (int) i;
        last = (int) i;
      }
  return first < 0 ? g_strdup ("none") : g_strdup_printf ("%d–%d", first, last);
}

/* Each control of the Volume section edits the document's style, and follows it. */
static void
test_controls (void)
{
  g_autoptr(EvoxVolume) volume = ramp_volume (1, 1000, TRUE);
  g_autoptr(EvoxDocument) document = evox_document_new ();
  EvoxVolumeStyle *style = evox_document_get_volume_style (document);
  GtkWidget *box = g_object_new (EVOX_TYPE_VOLUME_BOX, NULL);
  GtkWidget *window;
  GtkDropDown *mode;
  GtkWidget *phases, *clusters, *iso_spin;
  double lo[3], hi[3], data_lo, data_hi;
  g_autofree char *kept = NULL;

  evox_document_set_volume (document, volume, "ramp", NULL);
  evox_volume_box_set_document (EVOX_VOLUME_BOX (box), document);
  window = evox_test_show_in_window (box, 440, 400);

  /* Mode: the drop-down's items are the style's modes in order, both ways. */
  mode = GTK_DROP_DOWN (evox_test_find_named (box, "volume-mode"));
  gtk_drop_down_set_selected (mode, 1);
  g_assert_cmpint (evox_volume_style_get_mode (style), ==, EVOX_RAY_MIP);
  gtk_drop_down_set_selected (mode, 3);
  g_assert_cmpint (evox_volume_style_get_mode (style), ==, EVOX_RAY_MEAN);
  iso_spin = evox_test_find_named (box, "volume-iso-spin");
  g_assert_false (gtk_widget_is_sensitive (iso_spin));
  gtk_drop_down_set_selected (mode, 4);
  g_assert_cmpint (evox_volume_style_get_mode (style), ==, EVOX_RAY_ISO);
  g_assert_true (gtk_widget_is_sensitive (iso_spin));
  evox_volume_style_set_mode (style, EVOX_RAY_MINIP);
  g_assert_cmpuint (gtk_drop_down_get_selected (mode), ==, 2);
  evox_volume_style_set_mode (style, EVOX_RAY_ISO);

  /* Iso level: the data range (linear here), the default 0 off it moved to its middle. */
  evox_document_get_data_range (document, &data_lo, &data_hi);
  g_assert_cmpfloat_with_epsilon (evox_volume_style_get_iso_level (style),
                                  (data_lo + data_hi) / 2, 1e-9 * data_hi);
  gtk_adjustment_set_value (named_adjustment (box, "volume-iso-spin"), 250);
  g_assert_cmpfloat_with_epsilon (evox_volume_style_get_iso_level (style), 250, 1e-9);
  /* With a log mapping the slider and spin read log10 of the value. */
  evox_document_set_mapping (document, EVOX_MAPPING_LOG);
  g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_value (named_adjustment (box,
                                                                              "volume-iso-spin")),
                                  log10 (250), 1e-9);
  g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_upper (named_adjustment (box,
                                                                              "volume-iso-spin")),
                                  log10 (data_hi), 1e-6);
  gtk_adjustment_set_value (named_adjustment (box, "volume-iso-spin"), 1.5);
  g_assert_cmpfloat_with_epsilon (evox_volume_style_get_iso_level (style), pow (10, 1.5), 1e-9);

  /* Sources: Phases and Clusters wait for some, saying why. */
  phases = evox_test_find_named (box, "volume-source-phases");
  clusters = evox_test_find_named (box, "volume-source-clusters");
  g_assert_false (gtk_widget_get_sensitive (phases));
  g_assert_false (gtk_widget_get_sensitive (clusters));
  g_assert_nonnull (gtk_widget_get_tooltip_text (clusters));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (clusters), "Clusters page"));
  {
    g_autoptr(EvoxPhase) phase = evox_phase_new ("low", 1, 10, "#ff0000");

    evox_phase_list_append (evox_document_get_phases (document), phase);
  }
  g_assert_true (gtk_widget_get_sensitive (phases));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (phases), TRUE);
  g_assert_cmpint (evox_volume_style_get_source (style), ==, EVOX_VOLUME_SOURCE_PHASES);
  /* The curve is the colour map's: its reset waits for that source. */
  g_assert_false (gtk_widget_is_sensitive (evox_test_find_named (box, "volume-reset-curve")));
  evox_volume_style_set_source (style, EVOX_VOLUME_SOURCE_COLORMAP);
  g_assert_true (gtk_toggle_button_get_active (
                   GTK_TOGGLE_BUTTON (evox_test_find_named (box, "volume-source-colormap"))));
  g_assert_true (gtk_widget_is_sensitive (evox_test_find_named (box, "volume-reset-curve")));

  /* Opacity scale and the two switches. */
  gtk_adjustment_set_value (named_adjustment (box, "volume-opacity-scale"), 0.4);
  g_assert_cmpfloat (evox_volume_style_get_opacity_scale (style), ==, 0.4);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (evox_test_find_named (box,
                                                                       "volume-show-slices")),
                               TRUE);
  g_assert_true (evox_volume_style_get_show_slices (style));
  /* Not an SSRM stack: no layers to mark. */
  g_assert_false (gtk_widget_get_visible (evox_test_find_named (box, "volume-mark-layers")));

  /* Clip box: each slider is its side of the box; the voxels kept are named beside them. */
  gtk_adjustment_set_value (named_adjustment (box, "volume-clip-x-lo"), 0.25);
  gtk_adjustment_set_value (named_adjustment (box, "volume-clip-z-hi"), 0.5);
  evox_volume_style_get_clip (style, lo, hi);
  g_assert_cmpfloat (lo[0], ==, 0.25);
  g_assert_cmpfloat (hi[0], ==, 1);
  g_assert_cmpfloat (lo[1], ==, 0);
  g_assert_cmpfloat (hi[2], ==, 0.5);
  g_assert_true (evox_volume_style_is_clipped (style));
  kept = kept_voxels (0.25, 1, N);
  {
    GtkWidget *row_label = gtk_widget_get_next_sibling (evox_test_find_named (box,
                                                                              "volume-clip-x-hi"));

    g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (row_label)), ==, kept);
  }
  /* The high side dragged below the low one takes it along. */
  gtk_adjustment_set_value (named_adjustment (box, "volume-clip-x-hi"), 0.125);
  evox_volume_style_get_clip (style, lo, hi);
  g_assert_cmpfloat (lo[0], ==, 0.125);
  g_assert_cmpfloat (hi[0], ==, 0.125);
  g_assert_cmpfloat (gtk_adjustment_get_value (named_adjustment (box, "volume-clip-x-lo")), ==,
                     0.125);
  /* The style's clip shows on the sliders. */
  evox_volume_style_set_clip (style, (double[]) { 0, 0.5, 0 }, (double[]) { 1, 0.75, 1 });
  g_assert_cmpfloat (gtk_adjustment_get_value (named_adjustment (box, "volume-clip-y-lo")), ==,
                     0.5);
  g_assert_true (gtk_widget_activate_action (box, "volume.reset-clip", NULL));
  g_assert_false (evox_volume_style_is_clipped (style));

  /* Reset curve: 0 at Low rising to 0.1 at High. */
  evox_volume_style_set_points (style, (double[]) { 5 }, (double[]) { 1 }, 1);
  g_assert_true (gtk_widget_activate_action (box, "volume.reset-curve", NULL));
  {
    double range_lo, range_hi, value, opacity;

    evox_document_get_range (document, &range_lo, &range_hi);
    g_assert_cmpuint (evox_volume_style_get_n_points (style), ==, 2);
    evox_volume_style_get_point (style, 0, &value, &opacity);
    g_assert_cmpfloat (value, ==, range_lo);
    g_assert_cmpfloat (opacity, ==, 0);
    evox_volume_style_get_point (style, 1, &value, &opacity);
    g_assert_cmpfloat (value, ==, range_hi);
    g_assert_cmpfloat_with_epsilon (opacity, 0.1, 1e-12);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

/* A histogram of `volume` in the Volume view with the curve (20 %, 0.2), (80 %, 0.6) of its
 * data range, shown in a window. */
typedef struct
{
  EvoxDocument      *document;
  EvoxVolumeStyle   *style;
  EvoxHistogramView *view;
  GtkWidget         *window;
  graphene_rect_t    plot;
  double             lo;      /* the value axis's ends */
  double             hi;
  gboolean           log_axis;
} Curve;

static void
curve_setup (Curve      *curve,
             EvoxVolume *volume,
             gboolean    log_mapping)
{
  double data_lo, data_hi;
  GtkWidget *view = evox_histogram_view_new ();

  memset (curve, 0, sizeof *curve);
  curve->document = evox_document_new ();
  evox_document_set_volume (curve->document, volume, "ramp", NULL);
  if (log_mapping)
    evox_document_set_mapping (curve->document, EVOX_MAPPING_LOG);
  evox_document_set_view (curve->document, EVOX_VIEW_VOLUME);
  curve->style = evox_document_get_volume_style (curve->document);
  evox_document_get_data_range (curve->document, &data_lo, &data_hi);
  evox_volume_style_set_points (curve->style,
                                (double[]) { data_lo + 0.2 * (data_hi - data_lo),
                                             data_lo + 0.8 * (data_hi - data_lo) },
                                (double[]) { 0.2, 0.6 }, 2);
  curve->view = EVOX_HISTOGRAM_VIEW (view);
  evox_histogram_view_set_document (curve->view, curve->document);
  curve->window = evox_test_show_in_window (view, 420, 240);
  g_assert_true (_evox_histogram_view_get_curve_shown (curve->view));
  g_assert_true (_evox_histogram_view_get_plot (curve->view, &curve->plot));
  g_assert_nonnull (evox_histogram_view_get_counts (curve->view, NULL, &curve->lo, &curve->hi));
  curve->log_axis = evox_histogram_view_get_log_bins (curve->view);
  g_assert_true (curve->log_axis == log_mapping);
}

static void
curve_teardown (Curve *curve)
{
  gtk_window_destroy (GTK_WINDOW (curve->window));
  g_object_unref (curve->window);
  g_object_unref (curve->document);
}

/* The oracle: the value axis runs linearly (or in log10 for a log axis) from lo at the plot's
 * left to hi at its right; opacity from 0 at its bottom to 1 at its top. */
static double
oracle_value (const Curve *curve,
              double       x)
{
  double t = (x - curve->plot.origin.x) / curve->plot.size.width;

  if (curve->log_axis)
    return pow (10, log10 (curve->lo) + t * (log10 (curve->hi) - log10 (curve->lo)));
  return curve->lo + t * (curve->hi - curve->lo);
}

static double
oracle_x (const Curve *curve,
          double       value)
{
  double t = curve->log_axis ? (log10 (value) - log10 (curve->lo)) /
                               (log10 (curve->hi) - log10 (curve->lo))
                             : (value - curve->lo) / (curve->hi - curve->lo);

  return curve->plot.origin.x + t * curve->plot.size.width;
}

static double
oracle_opacity (const Curve *curve,
                double       y)
{
  return (curve->plot.origin.y + curve->plot.size.height - y) / curve->plot.size.height;
}

static double
oracle_y (const Curve *curve,
          double       opacity)
{
  return curve->plot.origin.y + curve->plot.size.height * (1 - opacity);
}

/* Where point i's handle is drawn. */
static void
handle_at (const Curve *curve,
           guint        i,
           double      *x,
           double      *y)
{
  double value, opacity;

  evox_volume_style_get_point (curve->style, i, &value, &opacity);
  *x = oracle_x (curve, value);
  *y = oracle_y (curve, opacity);
}

static void
assert_point (const Curve *curve,
              guint        i,
              double       value,
              double       opacity)
{
  double v, o;

  evox_volume_style_get_point (curve->style, i, &v, &o);
  g_assert_cmpfloat_with_epsilon (v, value, 1e-9 * fabs (value) + 1e-12);
  g_assert_cmpfloat_with_epsilon (o, opacity, 1e-9);
}

static void
check_drag (gboolean log_mapping)
{
  g_autoptr(EvoxVolume) volume = log_mapping ? ramp_volume (1, 1000, TRUE)
                                             : ramp_volume (0, 100, FALSE);
  Curve curve;
  double x, y, x1, y1;
  gboolean dragging;

  curve_setup (&curve, volume, log_mapping);
  /* The widget's own mapping agrees with the oracle's where the point is drawn. */
  {
    double value;

    evox_volume_style_get_point (curve.style, 0, &value, NULL);
    g_assert_cmpfloat_with_epsilon (evox_histogram_view_value_to_x (curve.view, value),
                                    oracle_x (&curve, value), 1e-6);
  }

  /* Pressed on the first handle and moved: value from x, opacity from y. */
  handle_at (&curve, 0, &x, &y);
  g_assert_true (_evox_histogram_view_drag_begin (curve.view, x, y));
  g_object_get (curve.view, "dragging", &dragging, NULL);
  g_assert_true (dragging);
  x1 = x + 31;
  y1 = y - 17;
  _evox_histogram_view_drag_update (curve.view, x1 - 10, y1 + 5);
  _evox_histogram_view_drag_end (curve.view, x1, y1);
  g_object_get (curve.view, "dragging", &dragging, NULL);
  g_assert_false (dragging);
  g_assert_cmpuint (evox_volume_style_get_n_points (curve.style), ==, 2);
  assert_point (&curve, 0, oracle_value (&curve, x1), oracle_opacity (&curve, y1));

  /* Past the second point: the curve re-sorts and the drag keeps holding the point. */
  handle_at (&curve, 0, &x, &y);
  g_assert_true (_evox_histogram_view_drag_begin (curve.view, x, y));
  x1 = curve.plot.origin.x + curve.plot.size.width - 2;
  _evox_histogram_view_drag_update (curve.view, x1, y);
  _evox_histogram_view_drag_update (curve.view, x1, y + 3);
  _evox_histogram_view_drag_end (curve.view, x1, y + 3);
  assert_point (&curve, 1, oracle_value (&curve, x1), oracle_opacity (&curve, y + 3));
  g_assert_cmpint (_evox_histogram_view_get_selected_point (curve.view), ==, 1);

  /* Beyond the plot: the ends of the axis, opacity 0 and 1. */
  handle_at (&curve, 0, &x, &y);
  g_assert_true (_evox_histogram_view_drag_begin (curve.view, x, y));
  _evox_histogram_view_drag_end (curve.view, curve.plot.origin.x - 50, curve.plot.origin.y - 50);
  assert_point (&curve, 0, curve.lo, 1);

  /* Escape puts the point back. */
  handle_at (&curve, 1, &x, &y);
  {
    double value, opacity;

    evox_volume_style_get_point (curve.style, 1, &value, &opacity);
    g_assert_true (_evox_histogram_view_drag_begin (curve.view, x, y));
    _evox_histogram_view_drag_update (curve.view, x - 40, y + 20);
    g_assert_true (_evox_histogram_view_key_pressed (curve.view, GDK_KEY_Escape, 0));
    assert_point (&curve, 1, value, opacity);
  }
  curve_teardown (&curve);
}

static void
test_curve_drag (void)
{
  check_drag (FALSE);
}

/* Linear data with a log mapping: a log axis, and the points where their values are on it. */
static void
test_curve_drag_log (void)
{
  check_drag (TRUE);
}

/* Points added with Ctrl+click, a double click and a click on the line; removed with a
 * right-click and Delete; a press elsewhere adds nothing. */
static void
test_curve_add_remove (void)
{
  g_autoptr(EvoxVolume) volume = ramp_volume (0, 100, FALSE);
  Curve curve;
  double x, y, px, py, value;
  guint index;

  curve_setup (&curve, volume, FALSE);
  x = curve.plot.origin.x + 0.5 * curve.plot.size.width;
  y = curve.plot.origin.y + 0.1 * curve.plot.size.height;

  /* A plain press away from the curve and the handles: nothing (no phases either). */
  g_assert_false (_evox_histogram_view_press (curve.view, x, y, 0, 1));
  g_assert_cmpuint (evox_volume_style_get_n_points (curve.style), ==, 2);

  /* Ctrl+press: a point there, held by the drag. */
  g_assert_true (_evox_histogram_view_press (curve.view, x, y, GDK_CONTROL_MASK, 1));
  _evox_histogram_view_drag_end (curve.view, x, y);
  g_assert_cmpuint (evox_volume_style_get_n_points (curve.style), ==, 3);
  assert_point (&curve, 1, oracle_value (&curve, x), oracle_opacity (&curve, y));

  /* A double click. */
  px = curve.plot.origin.x + 0.1 * curve.plot.size.width;
  py = curve.plot.origin.y + 0.5 * curve.plot.size.height;
  g_assert_true (_evox_histogram_view_press (curve.view, px, py, 0, 2));
  _evox_histogram_view_drag_end (curve.view, px, py);
  g_assert_cmpuint (evox_volume_style_get_n_points (curve.style), ==, 4);
  assert_point (&curve, 0, oracle_value (&curve, px), oracle_opacity (&curve, py));

  /* A press on the line: a point on it, where the curve was. */
  px = curve.plot.origin.x + 0.95 * curve.plot.size.width;
  value = oracle_value (&curve, px);
  py = oracle_y (&curve, evox_volume_style_opacity_at (curve.style, value));
  g_assert_true (_evox_histogram_view_press (curve.view, px, py, 0, 1));
  _evox_histogram_view_drag_end (curve.view, px, py);
  g_assert_cmpuint (evox_volume_style_get_n_points (curve.style), ==, 5);
  assert_point (&curve, 4, value, oracle_opacity (&curve, py));

  /* Escape right after adding takes the new point away. */
  g_assert_true (_evox_histogram_view_press (curve.view, x, y + 30, GDK_CONTROL_MASK, 1));
  g_assert_cmpuint (evox_volume_style_get_n_points (curve.style), ==, 6);
  g_assert_true (_evox_histogram_view_drag_cancel (curve.view));
  g_assert_cmpuint (evox_volume_style_get_n_points (curve.style), ==, 5);

  /* Right-click on a handle removes that point; elsewhere nothing. */
  handle_at (&curve, 1, &px, &py);
  evox_volume_style_get_point (curve.style, 1, &value, NULL);
  g_assert_false (_evox_histogram_view_secondary_press (curve.view, px, py - 30));
  g_assert_true (_evox_histogram_view_secondary_press (curve.view, px + 2, py - 2));
  g_assert_cmpuint (evox_volume_style_get_n_points (curve.style), ==, 4);
  for (index = 0; index < 4; index++)
    {
      double v;

      evox_volume_style_get_point (curve.style, index, &v, NULL);
      g_assert_cmpfloat (v, !=, value);
    }

  /* Delete removes the point pressed last. */
  handle_at (&curve, 2, &px, &py);
  evox_volume_style_get_point (curve.style, 2, &value, NULL);
  g_assert_true (_evox_histogram_view_drag_begin (curve.view, px, py));
  _evox_histogram_view_drag_end (curve.view, px, py);
  g_assert_cmpint (_evox_histogram_view_get_selected_point (curve.view), ==, 2);
  g_assert_true (_evox_histogram_view_key_pressed (curve.view, GDK_KEY_Delete, 0));
  g_assert_cmpuint (evox_volume_style_get_n_points (curve.style), ==, 3);
  g_assert_cmpint (_evox_histogram_view_get_selected_point (curve.view), ==, -1);
  g_assert_false (_evox_histogram_view_key_pressed (curve.view, GDK_KEY_Delete, 0));
  curve_teardown (&curve);
}

/* Phase edges and opacity points together: a handle over an edge takes the press; elsewhere the
 * edge does; with the curve hidden (another view, or the phases as the source) the edges work as
 * before and the points are neither drawn nor grabbed. */
static void
test_curve_and_phases (void)
{
  g_autoptr(EvoxVolume) volume = ramp_volume (0, 100, FALSE);
  g_autoptr(EvoxPhase) phase = NULL;
  Curve curve;
  double x, y, edge, lo0, value0, opacity0;

  curve_setup (&curve, volume, FALSE);
  evox_volume_style_get_point (curve.style, 0, &value0, &opacity0);
  /* A phase whose lower edge is the first point's value. */
  phase = evox_phase_new ("p", value0, 60, "#00ff00");
  evox_phase_list_append (evox_document_get_phases (curve.document), phase);
  g_assert_true (evox_histogram_view_get_phase_edge_x (curve.view, 0, FALSE, &edge));
  handle_at (&curve, 0, &x, &y);
  g_assert_cmpfloat (fabs (edge - x), <, 2);

  /* On the handle: the point moves, the phase stays. */
  lo0 = evox_phase_get_lo (phase);
  g_assert_true (_evox_histogram_view_drag_begin (curve.view, x, y));
  _evox_histogram_view_drag_end (curve.view, x + 20, y);
  g_assert_cmpfloat (evox_phase_get_lo (phase), ==, lo0);
  assert_point (&curve, 0, oracle_value (&curve, x + 20), opacity0);
  evox_test_screenshot (curve.window, "volume-curve-phase");

  /* On the edge away from the handle and the line: the edge moves. */
  g_assert_true (_evox_histogram_view_drag_begin (curve.view, edge, curve.plot.origin.y + 4));
  _evox_histogram_view_drag_end (curve.view, edge - 15, curve.plot.origin.y + 4);
  g_assert_cmpfloat (evox_phase_get_lo (phase), <, lo0);
  evox_phase_set_range (phase, lo0, 60);

  /* The phases as the source: no curve; the press at the (moved) handle's place is the band's. */
  evox_volume_style_set_source (curve.style, EVOX_VOLUME_SOURCE_PHASES);
  g_assert_false (_evox_histogram_view_get_curve_shown (curve.view));
  handle_at (&curve, 0, &x, &y);
  g_assert_true (_evox_histogram_view_drag_begin (curve.view, x, y));
  _evox_histogram_view_drag_end (curve.view, x + 10, y);
  assert_point (&curve, 0, oracle_value (&curve, x), opacity0);
  g_assert_cmpfloat (evox_phase_get_lo (phase), >, lo0);

  /* Another view: no curve, and Ctrl+click adds nothing. */
  evox_volume_style_set_source (curve.style, EVOX_VOLUME_SOURCE_COLORMAP);
  g_assert_true (_evox_histogram_view_get_curve_shown (curve.view));
  evox_document_set_view (curve.document, EVOX_VIEW_SLICES);
  g_assert_false (_evox_histogram_view_get_curve_shown (curve.view));
  g_assert_false (_evox_histogram_view_press (curve.view, curve.plot.origin.x + 5,
                                              curve.plot.origin.y + 5, GDK_CONTROL_MASK, 1));
  g_assert_false (_evox_histogram_view_secondary_press (curve.view, x, y));
  g_assert_cmpuint (evox_volume_style_get_n_points (curve.style), ==, 2);
  curve_teardown (&curve);
}

/* The curve was drawn (and its points grabbed) in every mode, where only Composite rays use
 * opacity: the projections and Iso colour a pixel by one value. Now the histogram shows and
 * edits it in Composite only, and the Volume section's curve help and Reset curve go with it
 * (as they go with the Phases source); the Opacity scale, which only Composite uses either, is
 * insensitive in the other modes. */
static void
test_curve_modes (void)
{
  g_autoptr(EvoxVolume) volume = ramp_volume (0, 100, FALSE);
  GtkWidget *box = g_object_new (EVOX_TYPE_VOLUME_BOX, NULL);
  GtkWidget *box_window, *reset;
  Curve curve;
  double x, y, value0, opacity0;

  curve_setup (&curve, volume, FALSE);
  evox_volume_box_set_document (EVOX_VOLUME_BOX (box), curve.document);
  box_window = evox_test_show_in_window (box, 440, 400);
  reset = evox_test_find_named (box, "volume-reset-curve");
  g_assert_true (gtk_widget_is_visible (reset));
  evox_volume_style_get_point (curve.style, 0, &value0, &opacity0);
  for (EvoxRayMode mode = EVOX_RAY_COMPOSITE; mode <= EVOX_RAY_MODE_LAST; mode++)
    {
      gboolean composite = mode == EVOX_RAY_COMPOSITE;

      evox_volume_style_set_mode (curve.style, mode);
      g_test_message ("mode %s", evox_ray_mode_to_string (mode));
      g_assert_true (_evox_histogram_view_get_curve_shown (curve.view) == composite);
      g_assert_true (gtk_widget_is_visible (reset) == composite);
      g_assert_true (gtk_widget_is_sensitive (evox_test_find_named (box, "volume-opacity-scale"))
                     == composite);
      if (composite)
        continue;
      /* A drag from the first point's handle moves no point (the press goes to the range). */
      handle_at (&curve, 0, &x, &y);
      _evox_histogram_view_drag_begin (curve.view, x, y);
      _evox_histogram_view_drag_end (curve.view, x + 20, y - 20);
      assert_point (&curve, 0, value0, opacity0);
    }
  evox_volume_style_set_mode (curve.style, EVOX_RAY_COMPOSITE);
  g_assert_true (_evox_histogram_view_get_curve_shown (curve.view));
  g_assert_true (gtk_widget_is_visible (reset));
  /* Phases bring their own opacity: no curve there either. */
  evox_volume_style_set_source (curve.style, EVOX_VOLUME_SOURCE_PHASES);
  g_assert_false (_evox_histogram_view_get_curve_shown (curve.view));
  g_assert_false (gtk_widget_is_visible (reset));
  evox_volume_style_set_source (curve.style, EVOX_VOLUME_SOURCE_COLORMAP);
  g_assert_true (gtk_widget_is_visible (reset));
  evox_test_screenshot (curve.window, "volume-curve-composite");
  gtk_window_destroy (GTK_WINDOW (box_window));
  g_object_unref (box_window);
  curve_teardown (&curve);
}

typedef struct
{
  EvoxRenderer *renderer;
  guint         n_interactive;  /* "changed" emissions seen while interactive */
} Watch;

static void
on_renderer_changed (EvoxRenderer *renderer,
                     Watch        *watch)
{
  if (evox_renderer_get_interactive (renderer))
    watch->n_interactive++;
}

static gboolean
renderer_at_rest (gpointer renderer)
{
  return !evox_renderer_get_interactive (renderer);
}

/* A camera drag, a wheel zoom and a drag on the histogram's curve render at interactive
 * quality; once they end, full quality again. */
static void
test_interactive (void)
{
  EvoxWindow *window = demo_window ();
  EvoxDocument *document = evox_window_get_document (window);
  EvoxCanvas *canvas = EVOX_CANVAS (evox_window_get_canvas (window));
  EvoxHistogramView *histogram = EVOX_HISTOGRAM_VIEW (evox_window_get_histogram (window));
  EvoxVolumeStyle *style = evox_document_get_volume_style (document);
  Watch watch = { evox_canvas_get_renderer (canvas), 0 };
  double lo, hi, value, opacity, x, y;
  graphene_rect_t plot;
  int width, height;

  evox_document_set_view (document, EVOX_VIEW_VOLUME);
  g_assert_true (evox_test_wait_for (evox_test_is_drawn, canvas, 60));
  g_signal_connect (watch.renderer, "changed", G_CALLBACK (on_renderer_changed), &watch);
  width = gtk_widget_get_width (GTK_WIDGET (canvas));
  height = gtk_widget_get_height (GTK_WIDGET (canvas));

  g_assert_false (evox_renderer_get_interactive (watch.renderer));
  g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_PRIMARY, 0, width / 2.0, height / 2.0,
                                     width / 2.0 + 60, height / 2.0 + 10), ==, EVOX_DRAG_ORBIT);
  g_assert_cmpuint (watch.n_interactive, >, 0);
  g_assert_false (evox_renderer_get_interactive (watch.renderer));

  watch.n_interactive = 0;
  g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_MIDDLE, 0, width / 2.0, height / 2.0,
                                     width / 2.0 - 30, height / 2.0), ==, EVOX_DRAG_PAN);
  g_assert_cmpuint (watch.n_interactive, >, 0);
  g_assert_false (evox_renderer_get_interactive (watch.renderer));

  /* A wheel step: interactive until the wheel has rested a moment. */
  {
    g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (canvas));
    GtkEventController *scroller = NULL;
    gboolean handled = FALSE;

    for (guint i = 0; i < g_list_model_get_n_items (controllers) && scroller == NULL; i++)
      {
        g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

        if (GTK_IS_EVENT_CONTROLLER_SCROLL (controller))
          scroller = controller;
      }
    g_assert_nonnull (scroller);
    g_signal_emit_by_name (scroller, "scroll", 0.0, -1.0, &handled);
    g_assert_true (handled);
    g_assert_true (evox_renderer_get_interactive (watch.renderer));
    g_assert_true (evox_test_wait_for (renderer_at_rest, watch.renderer, 60));
  }

  /* An opacity point held on the histogram. */
  evox_document_get_range (document, &lo, &hi);
  evox_volume_style_set_points (style, (double[]) { (lo + hi) / 2 }, (double[]) { 0.5 }, 1);
  g_assert_true (_evox_histogram_view_get_plot (histogram, &plot));
  evox_volume_style_get_point (style, 0, &value, &opacity);
  x = evox_histogram_view_value_to_x (histogram, value);
  y = plot.origin.y + plot.size.height * (1 - opacity);
  g_assert_true (_evox_histogram_view_drag_begin (histogram, x, y));
  g_assert_true (evox_canvas_get_editing (canvas));
  g_assert_true (evox_renderer_get_interactive (watch.renderer));
  _evox_histogram_view_drag_update (histogram, x + 10, y);
  _evox_histogram_view_drag_end (histogram, x + 10, y);
  g_assert_false (evox_canvas_get_editing (canvas));
  g_assert_false (evox_renderer_get_interactive (watch.renderer));

  g_signal_handlers_disconnect_by_data (watch.renderer, &watch);
  evox_test_close_window (window);
}

/* With the Volume section shown on the SSRM demo (its widest case: the measured layers'
 * switch), the side panel stays as narrow as test-cluster-ui allows. */
#define SIDE_MAX_WIDTH 470

static void
test_side_width (void)
{
  EvoxWindow *window = demo_window ();
  GtkWidget *paned, *side, *box;
  int min = 0, nat = 0;

  evox_document_set_view (evox_window_get_document (window), EVOX_VIEW_VOLUME);
  evox_window_show_page (window, "display");
  box = GTK_WIDGET (window_volume_box (window));
  g_assert_true (evox_test_wait_for (evox_test_is_drawn, box, 60));
  evox_test_wait_painted (GTK_WIDGET (window));
  paned = evox_test_find_descendant (GTK_WIDGET (window), GTK_TYPE_PANED);
  side = gtk_paned_get_end_child (GTK_PANED (paned));
  gtk_widget_measure (side, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  g_test_message ("side panel: min %d nat %d", min, nat);
  g_assert_cmpint (min, <=, SIDE_MAX_WIDTH);

  /* For a person to look at (EVOX_TEST_SCREENSHOTS=DIR): the section scrolled into view. */
  if (g_getenv ("EVOX_TEST_SCREENSHOTS") != NULL)
    {
      GtkWidget *scrolled = gtk_widget_get_ancestor (box, GTK_TYPE_SCROLLED_WINDOW);
      GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (
        GTK_SCROLLED_WINDOW (scrolled));
      graphene_point_t top;
      double lo, hi;

      /* A curve worth looking at: a tent over the display range, a step at its top end. */
      evox_document_get_range (evox_window_get_document (window), &lo, &hi);
      evox_volume_style_set_points (evox_document_get_volume_style (
                                      evox_window_get_document (window)),
                                    (double[]) { lo + 0.3 * (hi - lo), lo + 0.55 * (hi - lo),
                                                 lo + 0.8 * (hi - lo), lo + 0.8 * (hi - lo) },
                                    (double[]) { 0, 0.8, 0.2, 0.5 }, 4);
      g_assert_true (gtk_widget_compute_point (box, scrolled, &GRAPHENE_POINT_INIT (0, 0),
                                               &top));
      gtk_adjustment_set_value (adjustment, gtk_adjustment_get_value (adjustment) + top.y - 8);
      evox_test_wait_painted (GTK_WIDGET (window));
      evox_test_screenshot (GTK_WIDGET (window), "volume-window");
    }
  evox_test_close_window (window);
}

int
main (int    argc,
      char **argv)
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;

  g_test_add_func ("/Evox/VolumeUi/view-dropdown", test_view_dropdown);
  g_test_add_func ("/Evox/VolumeUi/command-line", test_command_line);
  g_test_add_func ("/Evox/VolumeUi/controls", test_controls);
  g_test_add_func ("/Evox/VolumeUi/curve-drag", test_curve_drag);
  g_test_add_func ("/Evox/VolumeUi/curve-drag-log", test_curve_drag_log);
  g_test_add_func ("/Evox/VolumeUi/curve-add-remove", test_curve_add_remove);
  g_test_add_func ("/Evox/VolumeUi/curve-and-phases", test_curve_and_phases);
  g_test_add_func ("/Evox/VolumeUi/curve-modes", test_curve_modes);
  g_test_add_func ("/Evox/VolumeUi/interactive", test_interactive);
  g_test_add_func ("/Evox/VolumeUi/side-width", test_side_width);
  return g_test_run ();
}
