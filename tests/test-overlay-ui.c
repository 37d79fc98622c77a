/* test-overlay-ui.c: the figure overlays in the window: the View switches and the Figure
 * section, drags that move items (and nothing else), label editing, exports with overlays
 * (PNG, SVG, PDF), under Xvfb. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evox-canvas.h"
#include "evox-composite-legend.h"
#include "evox-display-panel.h"
#include "evox-export-dialog.h"
#include "evox-figure.h"
#include "evox-figure-box.h"
#include "evox-hdf5.h"
#include "evox-rgb-legend.h"
#include "evox-test-svg.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-window.h"

#define N 24

static const char * const switches[EVOX_N_OVERLAY_ITEMS] = {
  "show-scale-bar", "show-colorbar", "show-legend", "show-axes"
};
static const char * const checks[EVOX_N_OVERLAY_ITEMS] = {
  "figure-scale-bar", "figure-colorbar", "figure-legend", "figure-axes"
};

/* A window showing a small two-channel f32 nx x ny x nz volume (a ramp along x; 10 nm voxels),
 * opened from a file as a user would, with one phase. */
static EvoxWindow *
open_window_shaped (char **dir,
                    int    nx,
                    int    ny,
                    int    nz)
{
  g_autofree char *path = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  const double spacing[3] = { 10, 10, 10 };
  g_autoptr(EvoxPhase) low = evox_phase_new ("Low", 0, 9, "#ff0000");
  EvoxWindow *window;

  *dir = evox_test_tmpdir_new ();
  path = g_build_filename (*dir, "ramp.h5", NULL);
  volume = evox_volume_new (nx, ny, nz, 2, EVOX_SAMPLE_F32, &error);
  g_assert_no_error (error);
  for (guint c = 0; c < 2; c++)
    {
      float *data = evox_volume_get_data_mut (volume, c);

      for (gsize i = 0; i < (gsize) nx * ny * nz; i++)
        data[i] = (float) (i % nx + 5 * c);
      evox_volume_set_channel_info (volume, c, c == 0 ? "Mn" : "Ni", 6539 + 1800.0 * c);
    }
  evox_volume_set_spacing (volume, spacing);
  g_assert_true (evox_hdf5_write (volume, path, FALSE, NULL, NULL, &error));
  g_assert_no_error (error);
  window = evox_test_open_file (path);
  /* The legend lists phases (without phases, clusters or the composite it is empty). */
  evox_phase_list_append (evox_document_get_phases (evox_window_get_document (window)), low);
  return window;
}

static EvoxWindow *
open_window (char **dir)
{
  return open_window_shaped (dir, N, N, N);
}

static EvoxCanvas *
canvas_of (EvoxWindow *window)
{
  return EVOX_CANVAS (evox_window_get_canvas (window));
}

static EvoxOverlays *
overlays_of (EvoxWindow *window)
{
  return evox_document_get_overlays (evox_window_get_document (window));
}

static gboolean
action_state (EvoxWindow *window,
              const char *name)
{
  g_autoptr(GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (window), name);

  return g_variant_get_boolean (state);
}

/* The canvas as it is drawn on screen, GL picture and overlays. */
static guint32 *
draw_canvas (EvoxWindow *window,
             int        *width,
             int        *height)
{
  evox_test_wait_painted (GTK_WIDGET (canvas_of (window)));
  return evox_test_render_widget (GTK_WIDGET (canvas_of (window)), width, height);
}

/* Checks for evox_test_wait_for: the check button shows the action's state, on or off. */
static gboolean
check_on (gpointer check)
{
  return gtk_check_button_get_active (check);
}

static gboolean
check_off (gpointer check)
{
  return !gtk_check_button_get_active (check);
}

/* Pixels that differ between two drawings inside and outside rect. */
static void
count_changes (const guint32 *a,
               const guint32 *b,
               int            width,
               int            height,
               const double   rect[4],
               guint         *inside,
               guint         *outside)
{
  *inside = *outside = 0;
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        gboolean in = x >= floor (rect[0]) - 1 && x <= ceil (rect[0] + rect[2]) + 1 &&
                      y >= floor (rect[1]) - 1 && y <= ceil (rect[1] + rect[3]) + 1;

        if (a[(gsize) y * width + x] != b[(gsize) y * width + x])
          (*(in ? inside : outside))++;
      }
}

/* Each View switch (win.show-*) shows its item: the action's state, the Figure section's check
 * and the document's overlays agree; the canvas draws it inside its box and nowhere else, and
 * picks it there; off again, the drawing is as before. */
static void
test_switches (void)
{
  g_autofree char *dir = NULL;
  EvoxWindow *window = open_window (&dir);
  EvoxCanvas *canvas = canvas_of (window);
  EvoxOverlays *overlays = overlays_of (window);
  GtkWidget *panel = evox_test_find_descendant (GTK_WIDGET (window), EVOX_TYPE_DISPLAY_PANEL);
  g_autofree guint32 *before = NULL;
  int width, height;

  g_assert_false (evox_overlays_any_visible (overlays));
  before = draw_canvas (window, &width, &height);
  for (int item = 0; item < EVOX_N_OVERLAY_ITEMS; item++)
    {
      g_autofree guint32 *shown = NULL;
      g_autofree guint32 *hidden = NULL;
      GtkCheckButton *check = GTK_CHECK_BUTTON (evox_test_find_named (panel, checks[item]));
      double rect[4];
      guint inside, outside;

      g_assert_nonnull (check);
      g_assert_false (action_state (window, switches[item]));
      g_assert_false (evox_canvas_get_overlay_rect (canvas, item, rect));
      g_action_group_activate_action (G_ACTION_GROUP (window), switches[item], NULL);
      g_assert_true (evox_overlays_get_visible (overlays, item));
      g_assert_true (action_state (window, switches[item]));
      g_assert_true (evox_test_wait_for (check_on, check, 60));

      g_assert_true (evox_canvas_get_overlay_rect (canvas, item, rect));
      g_test_message ("item %d: %g,%g %gx%g", item, rect[0], rect[1], rect[2], rect[3]);
      g_assert_cmpfloat (rect[2], >, 4);
      g_assert_cmpfloat (rect[3], >, 4);
      g_assert_cmpint (evox_canvas_pick_overlay (canvas, rect[0] + rect[2] / 2,
                                                 rect[1] + rect[3] / 2), ==, item);
      shown = draw_canvas (window, &width, &height);
      count_changes (before, shown, width, height, rect, &inside, &outside);
      g_test_message ("item %d: %u pixels changed inside, %u outside", item, inside, outside);
      g_assert_cmpuint (inside, >, 20);
      g_assert_cmpuint (outside, ==, 0);

      /* The check is the same switch: clicked, the item goes. */
      g_signal_emit_by_name (check, "activate");
      g_assert_true (evox_test_wait_for (check_off, check, 60));
      g_assert_false (evox_overlays_get_visible (overlays, item));
      g_assert_false (action_state (window, switches[item]));
      g_assert_cmpint (evox_canvas_pick_overlay (canvas, rect[0] + rect[2] / 2,
                                                 rect[1] + rect[3] / 2), ==, -1);
      hidden = draw_canvas (window, &width, &height);
      count_changes (before, hidden, width, height, rect, &inside, &outside);
      g_assert_cmpuint (inside + outside, ==, 0);
    }
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A left drag that begins on an item moves its box by the drag (the document stores the place
 * evox_figure_position_for gives) and does not turn the camera; the same drag beside it orbits.
 * In a 2D slice view the press on an item does not pan either. */
static void
test_drag (void)
{
  g_autofree char *dir = NULL;
  EvoxWindow *window = open_window (&dir);
  EvoxCanvas *canvas = canvas_of (window);
  EvoxOverlays *overlays = overlays_of (window);
  EvoxCamera *camera = evox_renderer_get_camera (evox_canvas_get_renderer (canvas));
  float view_before[16], view_after[16], projection[16];
  double rect[4], moved[4], fx, fy, want_fx, want_fy;
  int width = gtk_widget_get_width (GTK_WIDGET (canvas));
  int height = gtk_widget_get_height (GTK_WIDGET (canvas));

  g_action_group_activate_action (G_ACTION_GROUP (window), "show-legend", NULL);
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-scale-bar", NULL);
  /* The legend starts at the top left: dragged 200 px right and 150 px down. */
  g_assert_true (evox_canvas_get_overlay_rect (canvas, EVOX_OVERLAY_LEGEND, rect));
  evox_camera_get_matrices (camera, width, height, view_before, projection);
  g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_PRIMARY, 0, rect[0] + 5, rect[1] + 5,
                                     rect[0] + 205, rect[1] + 155), ==, EVOX_DRAG_OVERLAY);
  evox_camera_get_matrices (camera, width, height, view_after, projection);
  g_assert_cmpmem (view_before, sizeof view_before, view_after, sizeof view_after);
  g_assert_true (evox_canvas_get_overlay_rect (canvas, EVOX_OVERLAY_LEGEND, moved));
  g_assert_cmpfloat_with_epsilon (moved[0], rect[0] + 200, 1e-6);
  g_assert_cmpfloat_with_epsilon (moved[1], rect[1] + 150, 1e-6);
  {
    g_autoptr(EvoxFigure) figure = NULL;
    EvoxOverlayGeometry geometry;

    evox_renderer_get_overlay_geometry (evox_canvas_get_renderer (canvas), width, height,
                                        &geometry);
    figure = evox_figure_new_from_document (evox_window_get_document (window), &geometry);
    evox_figure_position_for (figure, EVOX_OVERLAY_LEGEND, width, height, 1.0, rect[0] + 200,
                              rect[1] + 150, &want_fx, &want_fy);
  }
  evox_overlays_get_position (overlays, EVOX_OVERLAY_LEGEND, &fx, &fy);
  g_assert_cmpfloat_with_epsilon (fx, want_fx, 1e-9);
  g_assert_cmpfloat_with_epsilon (fy, want_fy, 1e-9);
  g_assert_cmpfloat (fx, >, 0);
  g_assert_cmpfloat (fy, >, 0);
  evox_test_wait_painted (GTK_WIDGET (window));
  evox_test_screenshot (GTK_WIDGET (window), "overlay-dragged-legend");

  /* Beside every item the same drag orbits, as before. */
  g_assert_cmpint (evox_canvas_pick_overlay (canvas, width / 2.0, height / 2.0), ==, -1);
  g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_PRIMARY, 0, width / 2.0, height / 2.0,
                                     width / 2.0 + 40, height / 2.0), ==, EVOX_DRAG_ORBIT);
  evox_camera_get_matrices (camera, width, height, view_after, projection);
  g_assert_true (memcmp (view_before, view_after, sizeof view_before) != 0);

  /* In a slice view: no pan, no ruler from a press on the scale bar; a middle drag there does
   * nothing at all. */
  evox_document_set_view (evox_window_get_document (window), EVOX_VIEW_SLICE_Z);
  evox_test_wait_painted (GTK_WIDGET (canvas_of (window)));
  g_assert_true (evox_canvas_get_overlay_rect (canvas, EVOX_OVERLAY_SCALE_BAR, rect));
  g_test_message ("scale bar %g,%g %gx%g", rect[0], rect[1], rect[2], rect[3]);
  evox_camera_get_matrices (camera, width, height, view_before, projection);
  g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_MIDDLE, 0, rect[0] + 2, rect[1] + 2,
                                     rect[0] - 50, rect[1] - 50), ==, EVOX_DRAG_NONE);
  g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_PRIMARY, GDK_CONTROL_MASK, rect[0] + 2,
                                     rect[1] + 2, rect[0] - 98, rect[1] - 58), ==,
                   EVOX_DRAG_OVERLAY);
  evox_camera_get_matrices (camera, width, height, view_after, projection);
  g_assert_cmpmem (view_before, sizeof view_before, view_after, sizeof view_after);
  g_assert_cmpuint (evox_measurement_list_get_n_measurements (evox_document_get_measurements (
                      evox_window_get_document (window))), ==, 0);
  g_assert_true (evox_canvas_get_overlay_rect (canvas, EVOX_OVERLAY_SCALE_BAR, moved));
  g_test_message ("scale bar %g,%g %gx%g", moved[0], moved[1], moved[2], moved[3]);
  g_assert_cmpfloat_with_epsilon (moved[0], rect[0] - 100, 1e-6);
  g_assert_cmpfloat_with_epsilon (moved[1], rect[1] - 60, 1e-6);
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
type_label (EvoxCanvas *canvas,
            const char *text)
{
  GtkWidget *entry = evox_test_find_named (GTK_WIDGET (canvas), "overlay-label-entry");

  g_assert_nonnull (entry);
  g_assert_true (gtk_widget_get_visible (entry));
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  g_signal_emit_by_name (entry, "activate");
}

/* Add Label puts a label in the middle with its editor open; the text typed is the label's, it is
 * picked and dragged like the items; an emptied text deletes it, and so does its context menu's
 * canvas.delete-label. */
static void
test_labels (void)
{
  g_autofree char *dir = NULL;
  EvoxWindow *window = open_window (&dir);
  EvoxCanvas *canvas = canvas_of (window);
  EvoxOverlays *overlays = overlays_of (window);
  double rect[4], moved[4];
  const int label = EVOX_N_OVERLAY_ITEMS;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.add-label", NULL));
  g_assert_cmpuint (evox_overlays_get_n_labels (overlays), ==, 1);
  evox_test_wait_painted (GTK_WIDGET (canvas_of (window)));
  type_label (canvas, "  Graphite  ");
  g_assert_cmpstr (evox_overlays_get_label (overlays, 0, NULL, NULL), ==, "Graphite");
  g_assert_true (evox_canvas_get_overlay_rect (canvas, label, rect));
  g_assert_cmpint (evox_canvas_pick_overlay (canvas, rect[0] + rect[2] / 2,
                                             rect[1] + rect[3] / 2), ==, label);
  g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_PRIMARY, 0, rect[0] + 3, rect[1] + 3,
                                     rect[0] - 97, rect[1] + 53), ==, EVOX_DRAG_OVERLAY);
  g_assert_true (evox_canvas_get_overlay_rect (canvas, label, moved));
  g_assert_cmpfloat_with_epsilon (moved[0], rect[0] - 100, 1e-6);
  g_assert_cmpfloat_with_epsilon (moved[1], rect[1] + 50, 1e-6);

  /* A double click on it opens the editor again (evox_canvas_edit_label); emptied, it goes. */
  evox_canvas_edit_label (canvas, 0);
  type_label (canvas, "");
  g_assert_cmpuint (evox_overlays_get_n_labels (overlays), ==, 0);
  g_assert_false (evox_overlays_any_visible (overlays));

  evox_overlays_add_label (overlays, "a", 0.2, 0.2);
  evox_overlays_add_label (overlays, "b", 0.8, 0.8);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (canvas), "canvas.delete-label", "i",
                                             0));
  g_assert_cmpuint (evox_overlays_get_n_labels (overlays), ==, 1);
  g_assert_cmpstr (evox_overlays_get_label (overlays, 0, NULL, NULL), ==, "b");
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The pointer's readout covered the axes triad at its default place (bottom left): now it sits
 * top middle, clear of every overlay at its default place, and lets the pointer through to the
 * canvas. */
static void
test_hover_clear (void)
{
  g_autofree char *dir = NULL;
  EvoxWindow *window = open_window (&dir);
  EvoxCanvas *canvas = canvas_of (window);
  GtkWidget *hover = evox_test_find_named (GTK_WIDGET (window), "hover-label");
  const char *switches[] = { "show-scale-bar", "show-colorbar", "show-legend", "show-axes" };
  graphene_rect_t bounds;
  int width, height;

  g_assert_nonnull (hover);
  for (guint i = 0; i < G_N_ELEMENTS (switches); i++)
    g_action_group_activate_action (G_ACTION_GROUP (window), switches[i], NULL);
  width = gtk_widget_get_width (GTK_WIDGET (canvas));
  height = gtk_widget_get_height (GTK_WIDGET (canvas));
  evox_canvas_hover_at (canvas, width / 2.0, height / 2.0);
  g_assert_nonnull (evox_canvas_get_hover_text (canvas));
  evox_test_wait_painted (GTK_WIDGET (canvas_of (window)));
  g_assert_true (gtk_widget_get_mapped (hover));
  g_assert_false (gtk_widget_get_can_target (hover));
  g_assert_true (gtk_widget_compute_bounds (hover, GTK_WIDGET (canvas), &bounds));
  g_test_message ("canvas %d x %d, readout %g,%g %gx%g", width, height, bounds.origin.x,
                  bounds.origin.y, bounds.size.width, bounds.size.height);
  for (int item = 0; item < EVOX_N_OVERLAY_ITEMS; item++)
    {
      double rect[4];

      g_assert_true (evox_canvas_get_overlay_rect (canvas, item, rect));
      g_test_message ("item %d %g,%g %gx%g", item, rect[0], rect[1], rect[2], rect[3]);
      g_assert_false (graphene_rect_intersection (&bounds,
                                                  &GRAPHENE_RECT_INIT ((float) rect[0],
                                                                       (float) rect[1],
                                                                       (float) rect[2],
                                                                       (float) rect[3]),
                                                  NULL));
    }

  /* With no overlays, at the bottom left as before; placed again without a pointer motion. */
  for (guint i = 0; i < G_N_ELEMENTS (switches); i++)
    g_action_group_activate_action (G_ACTION_GROUP (window), switches[i], NULL);
  g_assert_false (evox_overlays_any_visible (overlays_of (window)));
  evox_test_wait_painted (GTK_WIDGET (canvas_of (window)));
  g_assert_true (gtk_widget_compute_bounds (hover, GTK_WIDGET (canvas), &bounds));
  g_test_message ("no overlays: readout %g,%g %gx%g", bounds.origin.x, bounds.origin.y,
                  bounds.size.width, bounds.size.height);
  g_assert_cmpfloat (bounds.origin.x, <, 20);
  g_assert_cmpfloat (bounds.origin.y + bounds.size.height, >, height - 20);
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

typedef struct
{
  gboolean visible[EVOX_N_OVERLAY_ITEMS];
  guint    n_labels;
  char    *label;
  double   fx, fy;
  EvoxView view;
  EvoxVolumeSource source;
} StartupSeen;

static void
record_startup (EvoxWindow *window,
                gpointer    data)
{
  StartupSeen *seen = data;
  EvoxDocument *document = evox_window_get_document (window);
  EvoxOverlays *overlays = evox_document_get_overlays (document);

  for (int i = 0; i < EVOX_N_OVERLAY_ITEMS; i++)
    seen->visible[i] = evox_overlays_get_visible (overlays, i);
  seen->n_labels = evox_overlays_get_n_labels (overlays);
  if (seen->n_labels > 0)
    seen->label = g_strdup (evox_overlays_get_label (overlays, 0, &seen->fx, &seen->fy));
  seen->view = evox_document_get_view (document);
  seen->source = evox_volume_style_get_source (evox_document_get_volume_style (document));
}

/* `evox --overlays ... --label TEXT@X,Y` opens with those overlays and labels, as `evox render`
 * draws them; with --phase and --view volume the volume takes the phases' colours; a wrong item
 * or label is wrong usage (status 2) before any window. */
static void
test_command_line (void)
{
  StartupSeen seen = { 0 };
  StartupSeen plain = { 0 };

  g_assert_cmpint (evox_test_run_viewer ((const char *[]) { "--overlays", "legend, scale-bar",
                                                            "--label", "(a)@0.25,1",
                                                            "--phase", "auto:2",
                                                            "--view", "volume", NULL },
                                         record_startup, &seen), ==, 0);
  g_assert_true (seen.visible[EVOX_OVERLAY_LEGEND]);
  g_assert_true (seen.visible[EVOX_OVERLAY_SCALE_BAR]);
  g_assert_false (seen.visible[EVOX_OVERLAY_COLORBAR]);
  g_assert_false (seen.visible[EVOX_OVERLAY_AXES]);
  g_assert_cmpuint (seen.n_labels, ==, 1);
  g_assert_cmpstr (seen.label, ==, "(a)");
  g_assert_cmpfloat (seen.fx, ==, 0.25);
  g_assert_cmpfloat (seen.fy, ==, 1);
  g_assert_cmpint (seen.view, ==, EVOX_VIEW_VOLUME);
  g_assert_cmpint (seen.source, ==, EVOX_VOLUME_SOURCE_PHASES);
  g_free (seen.label);

  /* The Volume view without phases keeps the colour map; nothing asked, nothing shown. */
  g_assert_cmpint (evox_test_run_viewer ((const char *[]) { "--view", "volume", NULL },
                                         record_startup, &plain), ==, 0);
  g_assert_cmpint (plain.source, ==, EVOX_VOLUME_SOURCE_COLORMAP);
  for (int i = 0; i < EVOX_N_OVERLAY_ITEMS; i++)
    g_assert_false (plain.visible[i]);
  g_assert_cmpuint (plain.n_labels, ==, 0);

  g_assert_cmpint (evox_test_run_viewer ((const char *[]) { "--overlays", "legend,grid", NULL },
                                         record_startup, &plain), ==, 2);
  g_assert_cmpint (evox_test_run_viewer ((const char *[]) { "--label", "(a)@0.5", NULL },
                                         record_startup, &plain), ==, 2);
  g_assert_cmpint (evox_test_run_viewer ((const char *[]) { "--label", "(a)@0.5,1.5", NULL },
                                         record_startup, &plain), ==, 2);
}

/* The key controller the canvas put on the label editor's entry. */
static GtkEventController *
entry_keys (GtkWidget *entry)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (entry);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller))
        return controller;
    }
  return NULL;
}

/* The label editor keeps its text when it closes by a click elsewhere (the popover's autohide
 * pops it down, as gtk_popover_popdown does here), as Enter does; Escape leaves the label as it
 * was; opening another label's editor keeps the first one's text. */
static void
test_label_editor_close (void)
{
  g_autofree char *dir = NULL;
  EvoxWindow *window = open_window (&dir);
  EvoxCanvas *canvas = canvas_of (window);
  EvoxOverlays *overlays = overlays_of (window);
  GtkWidget *entry, *popover;
  GtkEventController *keys;
  gboolean handled = FALSE;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.add-label", NULL));
  evox_test_wait_painted (GTK_WIDGET (canvas_of (window)));
  entry = evox_test_find_named (GTK_WIDGET (canvas), "overlay-label-entry");
  g_assert_nonnull (entry);
  popover = gtk_widget_get_ancestor (entry, GTK_TYPE_POPOVER);
  g_assert_nonnull (popover);
  g_assert_true (gtk_widget_get_visible (popover));

  /* Typed, then a click elsewhere: kept, stripped as Enter strips it. */
  gtk_editable_set_text (GTK_EDITABLE (entry), " (a) ");
  gtk_popover_popdown (GTK_POPOVER (popover));
  g_assert_false (gtk_widget_get_visible (popover));
  g_assert_cmpstr (evox_overlays_get_label (overlays, 0, NULL, NULL), ==, "(a)");

  /* Typed, then Escape: the label stays "(a)" and the editor closes. */
  evox_canvas_edit_label (canvas, 0);
  g_assert_true (gtk_widget_get_visible (popover));
  gtk_editable_set_text (GTK_EDITABLE (entry), "(b)");
  keys = entry_keys (entry);
  g_assert_nonnull (keys);
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Escape, 0, 0, &handled);
  g_assert_true (handled);
  g_assert_false (gtk_widget_get_visible (popover));
  g_assert_cmpstr (evox_overlays_get_label (overlays, 0, NULL, NULL), ==, "(a)");
  /* Nothing left pending: a later close changes nothing. */
  gtk_popover_popdown (GTK_POPOVER (popover));
  g_assert_cmpstr (evox_overlays_get_label (overlays, 0, NULL, NULL), ==, "(a)");

  /* Other keys are the entry's. */
  evox_canvas_edit_label (canvas, 0);
  handled = TRUE;
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_x, 0, 0, &handled);
  g_assert_false (handled);

  /* Editing "(a)" into "(c)", then opening the second label's editor: "(c)" is kept. */
  evox_overlays_add_label (overlays, "d", 0.8, 0.8);
  gtk_editable_set_text (GTK_EDITABLE (entry), "(c)");
  evox_canvas_edit_label (canvas, 1);
  g_assert_cmpstr (evox_overlays_get_label (overlays, 0, NULL, NULL), ==, "(c)");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "d");
  /* Emptied, then the first label's editor: the second goes. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  evox_canvas_edit_label (canvas, 0);
  g_assert_cmpuint (evox_overlays_get_n_labels (overlays), ==, 1);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "(c)");
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Exports at twice the canvas (the dialog writes a PDF named without an extension with the
 * chosen format's; with cluster curves beside, the picture part is the same): the SVG parses as XML with the picture as one image and the scale
 * bar's label and a free label as text; the PDF starts with %PDF; a PNG with the overlays differs
 * from one without exactly inside the overlays' boxes scaled by two. The dialog ticks "Include
 * overlays" while any is shown and offers SVG and PDF. */
static void
test_export (void)
{
  g_autofree char *dir = NULL;
  EvoxWindow *window = open_window (&dir);
  EvoxCanvas *canvas = canvas_of (window);
  EvoxOverlays *overlays = overlays_of (window);
  g_autofree char *svg = g_build_filename (dir, "figure.svg", NULL);
  g_autofree char *pdf = g_build_filename (dir, "figure.pdf", NULL);
  g_autofree char *with = g_build_filename (dir, "with.png", NULL);
  g_autofree char *without = g_build_filename (dir, "without.png", NULL);
  g_autoptr(EvoxTestSvg) scan = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  int width = 2 * gtk_widget_get_width (GTK_WIDGET (canvas));
  int height = 2 * gtk_widget_get_height (GTK_WIDGET (canvas));
  gsize length;

  {
    EvoxExportDialog *dialog = evox_export_dialog_new (window, 100, 100);
    GtkWidget *check = evox_test_find_named (GTK_WIDGET (dialog), "export-overlays");
    GtkDropDown *format = GTK_DROP_DOWN (evox_test_find_named (GTK_WIDGET (dialog),
                                                               "export-format"));

    g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)));
    g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (format)), ==, 4);
    gtk_drop_down_set_selected (format, 2);
    g_assert_false (gtk_widget_get_sensitive (check));
    gtk_window_destroy (GTK_WINDOW (dialog));
  }
  /* A 2D view: the scale bar is exact there ("at focus" in perspective). */
  evox_document_set_view (evox_window_get_document (window), EVOX_VIEW_SLICE_Z);
  evox_test_wait_painted (GTK_WIDGET (canvas_of (window)));
  evox_overlays_set_scale_bar_length (overlays, 100);
  evox_overlays_set_visible (overlays, EVOX_OVERLAY_SCALE_BAR, TRUE);
  evox_overlays_set_visible (overlays, EVOX_OVERLAY_AXES, TRUE);
  evox_overlays_add_label (overlays, "Anode", 0.5, 0.1);
  {
    EvoxExportDialog *dialog = evox_export_dialog_new (window, 100, 100);

    g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (
      evox_test_find_named (GTK_WIDGET (dialog), "export-overlays"))));
    gtk_window_destroy (GTK_WINDOW (dialog));
  }

  /* Through the dialog: PDF chosen, the name typed without an extension, which the format
   * gives. */
  {
    EvoxExportDialog *dialog = evox_export_dialog_new (window, width / 2, height / 2);
    g_autofree char *typed = g_build_filename (dir, "chosen", NULL);
    g_autofree char *written = g_build_filename (dir, "chosen.pdf", NULL);
    g_autofree char *head = NULL;
    GtkWindow *chooser;

    gtk_drop_down_set_selected (GTK_DROP_DOWN (evox_test_find_named (GTK_WIDGET (dialog),
                                                                     "export-format")), 3);
    gtk_window_present (GTK_WINDOW (dialog));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "export.choose-file",
                                               NULL));
    g_assert_true (evox_test_wait_for (evox_test_file_dialog_shown, NULL, 60));
    chooser = evox_test_find_file_dialog ();
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    g_assert_true (g_str_has_suffix (gtk_file_chooser_get_current_name (
                                       GTK_FILE_CHOOSER (chooser)), ".pdf"));
    G_GNUC_END_IGNORE_DEPRECATIONS
    evox_test_answer_file_dialog (typed, GTK_RESPONSE_ACCEPT);
    g_assert_true (evox_test_wait_for (evox_test_file_dialog_gone, NULL, 60));
    g_assert_true (g_file_get_contents (written, &head, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (g_str_has_prefix (head, "%PDF"));
  }

  g_assert_true (evox_window_export_figure_overlays (window, svg, width, height, FALSE, FALSE,
                                                     TRUE, TRUE, &error));
  g_assert_no_error (error);
  scan = evox_test_svg_read (svg);
  for (guint i = 0; i < scan->texts->len; i++)
    g_test_message ("svg text: %s", (const char *) g_ptr_array_index (scan->texts, i));
  g_assert_cmpuint (scan->images, ==, 1);
  g_assert_true (evox_test_svg_has_text (scan, "100 nm"));
  g_assert_true (evox_test_svg_has_text (scan, "Anode"));

  g_assert_true (evox_window_export_figure_overlays (window, pdf, width, height, FALSE, FALSE,
                                                     TRUE, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (pdf, &contents, &length, &error));
  g_assert_cmpuint (length, >, 100);
  g_assert_true (g_str_has_prefix (contents, "%PDF"));

  /* Raster: the overlays drawn at scale 2, where the canvas's boxes are, doubled. */
  g_assert_true (evox_window_export_figure_overlays (window, with, width, height, FALSE, FALSE,
                                                     TRUE, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (evox_window_export_figure_overlays (window, without, width, height, FALSE,
                                                     FALSE, TRUE, FALSE, &error));
  g_assert_no_error (error);
  {
    g_autoptr(GdkTexture) a = gdk_texture_new_from_filename (with, &error);
    g_autoptr(GdkTexture) b = gdk_texture_new_from_filename (without, &error);
    g_autofree guint32 *pa = g_new (guint32, (gsize) width * height);
    g_autofree guint32 *pb = g_new (guint32, (gsize) width * height);
    guint inside[EVOX_N_OVERLAY_ITEMS + 1] = { 0 }, outside = 0;
    double boxes[EVOX_N_OVERLAY_ITEMS + 1][4];
    gboolean shown[EVOX_N_OVERLAY_ITEMS + 1];

    g_assert_no_error (error);
    g_assert_cmpint (gdk_texture_get_width (a), ==, width);
    gdk_texture_download (a, (guint8 *) pa, (gsize) width * 4);
    gdk_texture_download (b, (guint8 *) pb, (gsize) width * 4);
    for (int i = 0; i <= EVOX_N_OVERLAY_ITEMS; i++)
      {
        shown[i] = evox_canvas_get_overlay_rect (canvas, i, boxes[i]);
        for (int k = 0; k < 4; k++)
          boxes[i][k] *= 2;
      }
    for (int y = 0; y < height; y++)
      for (int x = 0; x < width; x++)
        {
          int in = -1;

          if (pa[(gsize) y * width + x] == pb[(gsize) y * width + x])
            continue;
          for (int i = 0; i <= EVOX_N_OVERLAY_ITEMS && in < 0; i++)
            if (shown[i] && x >= boxes[i][0] - 2 && x <= boxes[i][0] + boxes[i][2] + 2 &&
                y >= boxes[i][1] - 2 && y <= boxes[i][1] + boxes[i][3] + 2)
              in = i;
          if (in >= 0)
            inside[in]++;
          else
            outside++;
        }
    g_test_message ("changed: scale bar %u, axes %u, label %u, elsewhere %u",
                    inside[EVOX_OVERLAY_SCALE_BAR], inside[EVOX_OVERLAY_AXES],
                    inside[EVOX_N_OVERLAY_ITEMS], outside);
    g_assert_cmpuint (inside[EVOX_OVERLAY_SCALE_BAR], >, 100);
    g_assert_cmpuint (inside[EVOX_OVERLAY_AXES], >, 100);
    g_assert_cmpuint (inside[EVOX_N_OVERLAY_ITEMS], >, 20);
    g_assert_cmpuint (outside, ==, 0);
  }

  /* With the cluster curves beside it, a PNG has the overlays drawn into the picture part as
   * evox_figure_write draws them (the cairo round trip of straight alpha within 1 per channel). */
  {
    EvoxDocument *document = evox_window_get_document (window);
    EvoxVolume *volume = evox_document_get_volume (document);
    g_autofree char *curves = g_build_filename (dir, "curves.png", NULL);
    g_autoptr(EvoxVolume) labels = evox_volume_new (N, N, N, 1, EVOX_SAMPLE_U8, &error);
    g_autoptr(EvoxClusters) clusters = NULL;
    g_autoptr(GdkTexture) a = NULL;
    g_autoptr(GdkTexture) b = NULL;
    g_autofree guint8 *pa = NULL;
    g_autofree guint8 *pb = NULL;
    guint8 *ids = evox_volume_get_data_mut (labels, 0);
    int wide, worst = 0;

    for (gsize i = 0; i < (gsize) N * N * N; i++)
      ids[i] = i % N < N / 2 ? 1 : 2;
    clusters = evox_clusters_new_from_volume (labels, volume, &error);
    g_assert_no_error (error);
    evox_document_set_clusters (document, clusters);
    evox_document_set_show_clusters (document, FALSE);
    evox_test_wait_painted (GTK_WIDGET (canvas_of (window)));
    g_assert_true (evox_window_export_figure_overlays (window, with, width, height, FALSE,
                                                       FALSE, TRUE, TRUE, &error));
    g_assert_true (evox_window_export_figure_overlays (window, curves, width, height, FALSE,
                                                       TRUE, TRUE, TRUE, &error));
    g_assert_no_error (error);
    a = gdk_texture_new_from_filename (with, &error);
    b = gdk_texture_new_from_filename (curves, &error);
    g_assert_no_error (error);
    wide = gdk_texture_get_width (b);
    g_assert_cmpint (wide, >, width);
    pa = g_malloc ((gsize) width * height * 4);
    pb = g_malloc ((gsize) wide * height * 4);
    gdk_texture_download (a, pa, (gsize) width * 4);
    gdk_texture_download (b, pb, (gsize) wide * 4);
    for (int y = 0; y < height; y++)
      for (int x = 0; x < width * 4; x++)
        worst = MAX (worst, abs ((int) pa[(gsize) y * width * 4 + x] -
                                 (int) pb[(gsize) y * wide * 4 + x]));
    g_test_message ("curves beside: %d px wider, worst difference %d", wide - width, worst);
    g_assert_cmpint (worst, <=, 1);
  }
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* One legend: with the composite on, its legend widget steps aside while the overlays' legend
 * is shown, and comes back when that is switched off; off the composite, the legend follows a
 * phase's edits. */
static void
test_one_legend (void)
{
  g_autofree char *dir = NULL;
  EvoxWindow *window = open_window (&dir);
  EvoxDocument *document = evox_window_get_document (window);
  GtkWidget *widget = evox_test_find_descendant (GTK_WIDGET (window),
                                                 EVOX_TYPE_COMPOSITE_LEGEND);

  evox_document_set_composite (document, TRUE);
  g_assert_true (gtk_widget_get_visible (widget));
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-legend", NULL);
  g_assert_false (gtk_widget_get_visible (widget));
  g_assert_true (evox_canvas_get_overlay_rect (canvas_of (window), EVOX_OVERLAY_LEGEND,
                                               (double[4]) { 0 }));
  {
    /* The phase legend follows a phase's edits, which the document does not notify: a longer
     * name makes a wider box. */
    EvoxPhase *phase = evox_phase_list_get_phase (evox_document_get_phases (document), 0);
    double before[4], after[4];

    evox_document_set_composite (document, FALSE);
    g_assert_true (evox_canvas_get_overlay_rect (canvas_of (window), EVOX_OVERLAY_LEGEND,
                                                 before));
    evox_phase_set_name (phase, "A much longer phase name");
    g_assert_true (evox_canvas_get_overlay_rect (canvas_of (window), EVOX_OVERLAY_LEGEND,
                                                 after));
    g_test_message ("legend width %g, then %g", before[2], after[2]);
    g_assert_cmpfloat (after[2], >, before[2] + 50);
    evox_document_set_composite (document, TRUE);
  }
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-legend", NULL);
  g_assert_true (gtk_widget_get_visible (widget));
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The Figure section edits the overlays: the font spin is their font-size both ways; the scale
 * bar's length is a number in the chosen unit (2 µm is 2000 nm), reads "auto" at 0, and shows a
 * length set elsewhere (500 nm; 5000 nm as 5 µm). */
static void
test_figure_box (void)
{
  g_autoptr(EvoxDocument) document = evox_document_new ();
  EvoxOverlays *overlays = evox_document_get_overlays (document);
  GtkWidget *box = g_object_new (EVOX_TYPE_FIGURE_BOX, NULL);
  GtkWidget *window;
  GtkSpinButton *font, *length;
  GtkDropDown *unit;

  evox_figure_box_set_document (EVOX_FIGURE_BOX (box), document);
  window = evox_test_panel_window_new (box, 460, 200);
  font = GTK_SPIN_BUTTON (evox_test_find_named (box, "figure-font-size"));
  length = GTK_SPIN_BUTTON (evox_test_find_named (box, "figure-scale-bar-length"));
  unit = GTK_DROP_DOWN (evox_test_find_named (box, "figure-scale-bar-unit"));

  g_assert_cmpfloat (gtk_spin_button_get_value (font), ==, 14);
  gtk_spin_button_set_value (font, 20);
  g_assert_cmpfloat (evox_overlays_get_font_size (overlays), ==, 20);
  evox_overlays_set_font_size (overlays, 9);
  g_assert_cmpfloat (gtk_spin_button_get_value (font), ==, 9);

  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (length)), ==, "auto");
  gtk_drop_down_set_selected (unit, 1);
  gtk_spin_button_set_value (length, 2);
  g_assert_cmpfloat_with_epsilon (evox_overlays_get_scale_bar_length (overlays), 2000, 1e-9);
  evox_overlays_set_scale_bar_length (overlays, 500);
  g_assert_cmpuint (gtk_drop_down_get_selected (unit), ==, 0);
  g_assert_cmpfloat (gtk_spin_button_get_value (length), ==, 500);
  evox_overlays_set_scale_bar_length (overlays, 5000);
  g_assert_cmpuint (gtk_drop_down_get_selected (unit), ==, 1);
  g_assert_cmpfloat (gtk_spin_button_get_value (length), ==, 5);
  g_assert_cmpfloat_with_epsilon (evox_overlays_get_scale_bar_length (overlays), 5000, 1e-9);
  gtk_spin_button_set_value (length, 0);
  g_assert_cmpfloat (evox_overlays_get_scale_bar_length (overlays), ==, 0);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (length)), ==, "auto");

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (window);
}

/* The demo volume with every item on, in the three-slices view and in a slice along z, for a
 * person to look at (EVOX_TEST_SCREENSHOTS); the Display page stays within the side panel's
 * 470 px. */
static void
test_demo (void)
{
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  EvoxDocument *document = evox_window_get_document (window);
  GtkWidget *panel;
  int min = 0, nat = 0;

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  evox_window_open_demo (window);
  g_assert_true (evox_test_wait_for (evox_test_window_loaded, window, 60));
  for (int item = 0; item < EVOX_N_OVERLAY_ITEMS; item++)
    g_action_group_activate_action (G_ACTION_GROUP (window), switches[item], NULL);
  evox_overlays_add_label (evox_document_get_overlays (document), "Demo electrode", 0.5, 0.0);
  {
    /* Two phases on the log10 resistances, so the legend has rows. */
    g_autoptr(EvoxPhase) low = evox_phase_new ("Conductive", -7, -3.5, "#e04040");
    g_autoptr(EvoxPhase) high = evox_phase_new ("Resistive", 0, 2.5, "#4080ff");

    evox_phase_list_append (evox_document_get_phases (document), low);
    evox_phase_list_append (evox_document_get_phases (document), high);
  }
  evox_document_set_view (document, EVOX_VIEW_SLICES);
  evox_test_wait_painted (GTK_WIDGET (window));
  evox_test_screenshot (GTK_WIDGET (window), "overlay-demo-3d");
  evox_document_set_view (document, EVOX_VIEW_SLICE_Z);
  evox_test_wait_painted (GTK_WIDGET (window));
  evox_test_screenshot (GTK_WIDGET (window), "overlay-demo-slice");

  panel = evox_test_find_descendant (GTK_WIDGET (window), EVOX_TYPE_DISPLAY_PANEL);
  gtk_widget_measure (panel, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  g_test_message ("display panel: min %d nat %d", min, nat);
  g_assert_cmpint (min, <=, 470);
  evox_test_close_window (window);
}

/* The RGBA pixels of a PNG the window wrote. */
static guint32 *
read_texture (const char *path,
              int        *width,
              int        *height)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (path, &error);
  guint32 *pixels;

  g_assert_no_error (error);
  *width = gdk_texture_get_width (texture);
  *height = gdk_texture_get_height (texture);
  pixels = g_new (guint32, (gsize) *width * *height);
  gdk_texture_download (texture, (guint8 *) pixels, (gsize) *width * 4);
  return pixels;
}

/* "Crop to the data" in a 2D slice view: the export is the slice's rectangle only. The oracle is
 * the uncropped export at the same scale: the box of its pixels that are not the background
 * colour (its corner's; the canvas is wider than the square slice) is, to a pixel, the cropped
 * export's size and content. With the overlays, the scale bar's box lies inside the cropped
 * picture (it sat partly on the margin before), and a vector export has the cropped size too. */
static void
test_export_crop (void)
{
  g_autofree char *dir = NULL;
  EvoxWindow *window = open_window (&dir);
  EvoxOverlays *overlays = overlays_of (window);
  g_autofree char *full = g_build_filename (dir, "full.png", NULL);
  g_autofree char *cropped = g_build_filename (dir, "cropped.png", NULL);
  g_autofree char *svg = g_build_filename (dir, "cropped.svg", NULL);
  g_autofree guint32 *a = NULL, *b = NULL;
  g_autoptr(GError) error = NULL;
  int view_width, view_height, fw, fh, cw, ch, box[4] = { G_MAXINT, G_MAXINT, -1, -1 };
  double size[2];
  guint differ = 0;

  evox_document_set_view (evox_window_get_document (window), EVOX_VIEW_SLICES);
  evox_test_wait_painted (GTK_WIDGET (canvas_of (window)));
  g_assert_false (evox_window_get_crop_size (window, size));
  evox_document_set_view (evox_window_get_document (window), EVOX_VIEW_SLICE_Z);
  evox_test_wait_painted (GTK_WIDGET (canvas_of (window)));
  g_assert_true (evox_window_get_crop_size (window, size));
  view_width = gtk_widget_get_width (GTK_WIDGET (canvas_of (window)));
  view_height = gtk_widget_get_height (GTK_WIDGET (canvas_of (window)));
  g_test_message ("canvas %d x %d, slice %g x %g", view_width, view_height, size[0], size[1]);
  g_assert_true (size[0] < view_width || size[1] < view_height);

  g_assert_true (evox_window_export_figure_overlays (window, full, 2 * view_width,
                                                     2 * view_height, FALSE, FALSE, FALSE,
                                                     FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (evox_window_export_figure_cropped (window, cropped, 2.0, FALSE, FALSE, FALSE,
                                                    FALSE, &error));
  g_assert_no_error (error);
  a = read_texture (full, &fw, &fh);
  b = read_texture (cropped, &cw, &ch);
  for (int y = 0; y < fh; y++)
    for (int x = 0; x < fw; x++)
      if (a[(gsize) y * fw + x] != a[0])
        {
          box[0] = MIN (box[0], x);
          box[1] = MIN (box[1], y);
          box[2] = MAX (box[2], x);
          box[3] = MAX (box[3], y);
        }
  g_test_message ("data in the full export: %d..%d x %d..%d; cropped %d x %d", box[0], box[2],
                  box[1], box[3], cw, ch);
  g_assert_cmpint (abs (cw - (box[2] - box[0] + 1)), <=, 1);
  g_assert_cmpint (abs (ch - (box[3] - box[1] + 1)), <=, 1);
  g_assert_cmpint (abs (cw - (int) round (2 * size[0])), <=, 1);
  for (int y = 0; y < MIN (ch, fh - box[1]); y++)
    for (int x = 0; x < MIN (cw, fw - box[0]); x++)
      differ += b[(gsize) y * cw + x] != a[(gsize) (y + box[1]) * fw + x + box[0]];
  /* The same pixels, a one-pixel shift of rounding aside. */
  g_assert_cmpuint (differ, <=, (guint) (cw + ch) * 2);

  /* The overlays laid out in the cropped picture. */
  evox_overlays_set_visible (overlays, EVOX_OVERLAY_SCALE_BAR, TRUE);
  evox_overlays_set_visible (overlays, EVOX_OVERLAY_COLORBAR, TRUE);
  g_assert_true (evox_window_export_figure_cropped (window, svg, 2.0, FALSE, FALSE, FALSE, TRUE,
                                                    &error));
  g_assert_no_error (error);
  {
    g_autofree char *contents = NULL;
    g_autofree char *width_attr = g_strdup_printf ("width=\"%dpt\"", cw);
    g_autofree char *width_px = g_strdup_printf ("width=\"%d\"", cw);

    g_assert_true (g_file_get_contents (svg, &contents, NULL, &error));
    g_test_message ("%.300s", contents);
    g_assert_true (strstr (contents, width_attr) != NULL || strstr (contents, width_px) != NULL);
  }
  evox_test_close_window (window);
}

/* The bounding box x0, y0, x1, y1 (inclusive) of the pixels that differ between a and b; FALSE
 * when none does. */
static gboolean
changed_box (const guint32 *a,
             const guint32 *b,
             int            width,
             int            height,
             int            box[4])
{
  box[0] = box[1] = G_MAXINT;
  box[2] = box[3] = -1;
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      if (a[(gsize) y * width + x] != b[(gsize) y * width + x])
        {
          box[0] = MIN (box[0], x);
          box[1] = MIN (box[1], y);
          box[2] = MAX (box[2], x);
          box[3] = MAX (box[3], y);
        }
  return box[2] >= 0;
}

/* What the canvas shows is what the cropped export holds: in a z slice view of a volume much
 * wider than high (the canvas has margins above and below the slice), the legend at (0, 0) sits
 * at the slice footprint's top-left corner plus the margin (EVOX_RGB_LEGEND_MARGIN, the 12 px
 * evox-figure.c keeps), both as the canvas reports its box and where its pixels change; a
 * cropped PNG export at scale 2 has the legend's changed pixels at the same place relative to
 * the slice, halved, to a pixel. A drag stores the fraction evox_figure_position_for gives in
 * the footprint's room. Zoomed in past the canvas's sides, the room is the slice clipped to the
 * canvas. The 3D view keeps the whole canvas as the room. */
static void
test_wysiwyg (void)
{
  g_autofree char *dir = NULL;
  EvoxWindow *window = open_window_shaped (&dir, 40, 12, 6);
  EvoxCanvas *canvas = canvas_of (window);
  EvoxOverlays *overlays = overlays_of (window);
  EvoxRenderer *renderer = evox_canvas_get_renderer (canvas);
  g_autofree char *plain = g_build_filename (dir, "plain.png", NULL);
  g_autofree char *with_legend = g_build_filename (dir, "legend.png", NULL);
  g_autofree guint32 *before = NULL, *after = NULL, *a = NULL, *b = NULL;
  g_autoptr(GError) error = NULL;
  int width, height, w, h, aw, ah, bw, bh, box[4], export_box[4], room[4];
  double footprint[4], rect[4], moved[4], fx, fy, want_fx, want_fy;
  const double margin = EVOX_RGB_LEGEND_MARGIN;

  evox_document_set_view (evox_window_get_document (window), EVOX_VIEW_SLICE_Z);
  evox_test_wait_painted (GTK_WIDGET (canvas_of (window)));
  width = gtk_widget_get_width (GTK_WIDGET (canvas));
  height = gtk_widget_get_height (GTK_WIDGET (canvas));
  g_assert_true (evox_renderer_get_slice_footprint (renderer, width, height, footprint));
  g_test_message ("canvas %d x %d, slice %g,%g %g x %g", width, height, footprint[0],
                  footprint[1], footprint[2], footprint[3]);
  /* Margins above the slice, so the whole canvas and the slice's room differ. */
  g_assert_cmpfloat (footprint[1], >, 2 * margin);
  /* The room as the cropped export rounds it at scale 1. */
  room[0] = (int) round (footprint[0]);
  room[1] = (int) round (footprint[1]);
  room[2] = (int) round (footprint[0] + footprint[2]) - room[0];
  room[3] = (int) round (footprint[1] + footprint[3]) - room[1];

  before = draw_canvas (window, &w, &h);
  evox_overlays_set_visible (overlays, EVOX_OVERLAY_LEGEND, TRUE);
  g_assert_true (evox_canvas_get_overlay_rect (canvas, EVOX_OVERLAY_LEGEND, rect));
  g_test_message ("legend %g,%g %g x %g", rect[0], rect[1], rect[2], rect[3]);
  g_assert_cmpfloat (fabs (rect[0] - (footprint[0] + margin)), <=, 1);
  g_assert_cmpfloat (fabs (rect[1] - (footprint[1] + margin)), <=, 1);
  after = draw_canvas (window, &w, &h);
  g_assert_true (changed_box (before, after, w, h, box));
  g_test_message ("legend's pixels on the canvas %d..%d x %d..%d", box[0], box[2], box[1],
                  box[3]);
  g_assert_cmpfloat (fabs (box[0] - (footprint[0] + margin)), <=, 1);
  g_assert_cmpfloat (fabs (box[1] - (footprint[1] + margin)), <=, 1);

  /* The cropped export at scale 2, without and with the legend. */
  evox_overlays_set_visible (overlays, EVOX_OVERLAY_LEGEND, FALSE);
  g_assert_true (evox_window_export_figure_cropped (window, plain, 2.0, FALSE, FALSE, FALSE,
                                                    TRUE, &error));
  g_assert_no_error (error);
  evox_overlays_set_visible (overlays, EVOX_OVERLAY_LEGEND, TRUE);
  g_assert_true (evox_window_export_figure_cropped (window, with_legend, 2.0, FALSE, FALSE,
                                                    FALSE, TRUE, &error));
  g_assert_no_error (error);
  a = read_texture (plain, &aw, &ah);
  b = read_texture (with_legend, &bw, &bh);
  g_assert_cmpint (aw, ==, bw);
  g_assert_cmpint (ah, ==, bh);
  g_assert_true (changed_box (a, b, aw, ah, export_box));
  g_test_message ("legend's pixels in the %d x %d export %d..%d x %d..%d", aw, ah,
                  export_box[0], export_box[2], export_box[1], export_box[3]);
  /* The corners: the box's size follows the text, which cairo measures a little differently
   * at scale 2. */
  for (guint i = 0; i < 2; i++)
    g_assert_cmpfloat (fabs (export_box[i] / 2.0 - (box[i] - room[i])), <=, 1);

  /* A drag moves the legend in the slice's room. */
  g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_PRIMARY, 0, rect[0] + 5, rect[1] + 5,
                                     rect[0] + 65, rect[1] + 25), ==, EVOX_DRAG_OVERLAY);
  g_assert_true (evox_canvas_get_overlay_rect (canvas, EVOX_OVERLAY_LEGEND, moved));
  g_assert_cmpfloat_with_epsilon (moved[0], rect[0] + 60, 1e-6);
  g_assert_cmpfloat_with_epsilon (moved[1], rect[1] + 20, 1e-6);
  {
    g_autoptr(EvoxFigure) figure = NULL;
    EvoxOverlayGeometry geometry;

    /* The geometry the cropped export lays the overlays out in, at scale 1. */
    evox_renderer_get_overlay_geometry (renderer, width, height, &geometry);
    geometry.size[0] = geometry.area[2] = geometry.axes_area[2] = room[2];
    geometry.size[1] = geometry.area[3] = geometry.axes_area[3] = room[3];
    geometry.area[0] = geometry.area[1] = geometry.axes_area[0] = geometry.axes_area[1] = 0;
    figure = evox_figure_new_from_document (evox_window_get_document (window), &geometry);
    evox_figure_position_for (figure, EVOX_OVERLAY_LEGEND, room[2], room[3], 1.0,
                              rect[0] + 60 - room[0], rect[1] + 20 - room[1], &want_fx,
                              &want_fy);
  }
  evox_overlays_get_position (overlays, EVOX_OVERLAY_LEGEND, &fx, &fy);
  g_test_message ("dragged to %g, %g (want %g, %g)", fx, fy, want_fx, want_fy);
  g_assert_cmpfloat_with_epsilon (fx, want_fx, 1e-9);
  g_assert_cmpfloat_with_epsilon (fy, want_fy, 1e-9);
  /* By hand: 60 px of the room's free width (room less two margins and the box). */
  g_assert_cmpfloat_with_epsilon (fx, 60.0 / (room[2] - 2 * margin - rect[2]), 1e-9);
  /* Moved off the corner, the same fractions put it at the same place in the export. */
  g_clear_pointer (&before, g_free);
  before = draw_canvas (window, &w, &h);
  evox_overlays_set_visible (overlays, EVOX_OVERLAY_LEGEND, FALSE);
  g_clear_pointer (&after, g_free);
  after = draw_canvas (window, &w, &h);
  evox_overlays_set_visible (overlays, EVOX_OVERLAY_LEGEND, TRUE);
  g_assert_true (changed_box (before, after, w, h, box));
  g_assert_true (evox_window_export_figure_cropped (window, with_legend, 2.0, FALSE, FALSE,
                                                    FALSE, TRUE, &error));
  g_assert_no_error (error);
  g_clear_pointer (&b, g_free);
  b = read_texture (with_legend, &bw, &bh);
  g_assert_true (changed_box (a, b, aw, ah, export_box));
  g_test_message ("dragged legend's pixels: canvas %d,%d, export %d,%d", box[0], box[1],
                  export_box[0], export_box[1]);
  for (guint i = 0; i < 2; i++)
    g_assert_cmpfloat (fabs (export_box[i] / 2.0 - (box[i] - room[i])), <=, 1);

  /* Zoomed in past the canvas's left and right edges: the room is the slice clipped to the
   * canvas. */
  evox_overlays_set_position (overlays, EVOX_OVERLAY_LEGEND, 0, 0);
  evox_camera_zoom_at (evox_renderer_get_camera (renderer), 2.0, width / 2.0, height / 2.0,
                       width, height);
  g_assert_true (evox_renderer_get_slice_footprint (renderer, width, height, footprint));
  g_test_message ("zoomed: slice %g,%g %g x %g", footprint[0], footprint[1], footprint[2],
                  footprint[3]);
  g_assert_cmpfloat (footprint[0], ==, 0);
  g_assert_cmpfloat (footprint[1], >, 2 * margin);
  g_assert_true (evox_canvas_get_overlay_rect (canvas, EVOX_OVERLAY_LEGEND, rect));
  g_assert_cmpfloat (fabs (rect[0] - margin), <=, 1);
  g_assert_cmpfloat (fabs (rect[1] - (footprint[1] + margin)), <=, 1);

  /* Other views lay the overlays out over the whole canvas. */
  evox_document_set_view (evox_window_get_document (window), EVOX_VIEW_SLICES);
  evox_test_wait_painted (GTK_WIDGET (canvas_of (window)));
  g_assert_false (evox_renderer_get_slice_footprint (renderer, width, height, footprint));
  g_assert_true (evox_canvas_get_overlay_rect (canvas, EVOX_OVERLAY_LEGEND, rect));
  g_assert_cmpfloat_with_epsilon (rect[0], margin, 1e-6);
  g_assert_cmpfloat_with_epsilon (rect[1], margin, 1e-6);
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The export dialog's scale drop-down: the other drop-down in the format's row (the one whose
 * tooltip speaks of the canvas). */
static GtkDropDown *
scale_beside (GtkDropDown *format)
{
  GtkDropDown *scale = NULL;

  for (GtkWidget *w = gtk_widget_get_first_child (gtk_widget_get_parent (GTK_WIDGET (format)));
       w != NULL; w = gtk_widget_get_next_sibling (w))
    if (GTK_IS_DROP_DOWN (w) && w != GTK_WIDGET (format))
      scale = GTK_DROP_DOWN (w);
  g_assert_nonnull (scale);
  return scale;
}

/* The export dialog keeps the last scale, format and overlay choice for the window's session,
 * and offers cropping (ticked) in the 2D slice views only. */
static void
test_export_remembers (void)
{
  g_autofree char *dir = NULL;
  EvoxWindow *window = open_window (&dir);

  evox_document_set_view (evox_window_get_document (window), EVOX_VIEW_SLICE_Z);
  evox_test_wait_painted (GTK_WIDGET (canvas_of (window)));
  {
    EvoxExportDialog *dialog = evox_export_dialog_new (window, 100, 80);
    GtkDropDown *format = GTK_DROP_DOWN (evox_test_find_named (GTK_WIDGET (dialog),
                                                               "export-format"));
    GtkWidget *crop = evox_test_find_named (GTK_WIDGET (dialog), "export-crop");
    GtkWidget *overlays = evox_test_find_named (GTK_WIDGET (dialog), "export-overlays");
    GtkDropDown *scale = scale_beside (format);

    g_assert_true (gtk_widget_get_visible (crop));
    g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (crop)));
    g_assert_cmpuint (gtk_drop_down_get_selected (format), ==, 0);
    g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (overlays)));
    g_assert_cmpuint (gtk_drop_down_get_selected (scale), ==, 1);
    gtk_drop_down_set_selected (scale, 3);
    gtk_drop_down_set_selected (format, 3);
    gtk_check_button_set_active (GTK_CHECK_BUTTON (overlays), TRUE);
    gtk_check_button_set_active (GTK_CHECK_BUTTON (crop), FALSE);
    gtk_window_destroy (GTK_WINDOW (dialog));
  }
  {
    EvoxExportDialog *dialog = evox_export_dialog_new (window, 100, 80);
    GtkDropDown *format = GTK_DROP_DOWN (evox_test_find_named (GTK_WIDGET (dialog),
                                                               "export-format"));
    GtkWidget *crop = evox_test_find_named (GTK_WIDGET (dialog), "export-crop");
    GtkWidget *overlays = evox_test_find_named (GTK_WIDGET (dialog), "export-overlays");
    GtkDropDown *scale = scale_beside (format);

    g_assert_cmpuint (gtk_drop_down_get_selected (scale), ==, 3);
    g_assert_cmpuint (gtk_drop_down_get_selected (format), ==, 3);
    g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (overlays)));
    g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (crop)));
    gtk_window_destroy (GTK_WINDOW (dialog));
  }
  /* A 3D view has no margins to crop: not offered. */
  evox_document_set_view (evox_window_get_document (window), EVOX_VIEW_SLICES);
  evox_test_wait_painted (GTK_WIDGET (canvas_of (window)));
  {
    EvoxExportDialog *dialog = evox_export_dialog_new (window, 100, 80);

    g_assert_false (gtk_widget_get_visible (evox_test_find_named (GTK_WIDGET (dialog),
                                                                  "export-crop")));
    gtk_window_destroy (GTK_WINDOW (dialog));
  }
  /* A name's extension chose SVG over the remembered PDF: the next dialog offers SVG. */
  {
    EvoxExportDialog *dialog = evox_export_dialog_new (window, 100, 80);
    g_autofree char *typed = g_build_filename (dir, "named.svg", NULL);

    gtk_window_present (GTK_WINDOW (dialog));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "export.choose-file",
                                               NULL));
    g_assert_true (evox_test_wait_for (evox_test_file_dialog_shown, NULL, 60));
    evox_test_answer_file_dialog (typed, GTK_RESPONSE_ACCEPT);
    g_assert_true (evox_test_wait_for (evox_test_file_dialog_gone, NULL, 60));
    g_assert_true (g_file_test (typed, G_FILE_TEST_EXISTS));
  }
  {
    EvoxExportDialog *dialog = evox_export_dialog_new (window, 100, 80);

    g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (evox_test_find_named (
                        GTK_WIDGET (dialog), "export-format"))), ==, 2);
    gtk_window_destroy (GTK_WINDOW (dialog));
  }
  evox_test_close_window (window);
}

int
main (int    argc,
      char **argv)
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;

  g_test_add_func ("/Evox/OverlayUi/switches", test_switches);
  g_test_add_func ("/Evox/OverlayUi/drag", test_drag);
  g_test_add_func ("/Evox/OverlayUi/labels", test_labels);
  g_test_add_func ("/Evox/OverlayUi/label-editor-close", test_label_editor_close);
  g_test_add_func ("/Evox/OverlayUi/hover-clear", test_hover_clear);
  g_test_add_func ("/Evox/OverlayUi/command-line", test_command_line);
  g_test_add_func ("/Evox/OverlayUi/export", test_export);
  g_test_add_func ("/Evox/OverlayUi/export-crop", test_export_crop);
  g_test_add_func ("/Evox/OverlayUi/wysiwyg", test_wysiwyg);
  g_test_add_func ("/Evox/OverlayUi/export-remembers", test_export_remembers);
  g_test_add_func ("/Evox/OverlayUi/one-legend", test_one_legend);
  g_test_add_func ("/Evox/OverlayUi/figure-box", test_figure_box);
  g_test_add_func ("/Evox/OverlayUi/demo", test_demo);
  return g_test_run ();
}
