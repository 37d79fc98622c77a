/* test-undo-ui.c: Undo and Redo in the window under Xvfb: the Edit menu names the step, a drag of a
 * phase edge on the histogram is one step however long it pauses (coalescing off, each move
 * drawn), win.undo and win.redo give back the document's state, and a new file starts a new
 * history. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <gtk/gtk.h>
#include <math.h>

#include "evox-composite-box.h"
#include "evox-histogram-view-private.h"
#include "evox-properties-dialog.h"
#include "evox-registration-panel.h"
#include "evox-test-registration.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-units.h"
#include "evox-volume-box.h"
#include "evox-window.h"
#include "evox-window-private.h"

#define N 32

/* A u8 volume whose value is 8 x. */
static char *
write_ramp (const char *dir,
            const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = evox_volume_new (N, N, N, 1, EVOX_SAMPLE_U8, &error);
  char *path = g_build_filename (dir, name, NULL);
  guint8 *data;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize i = 0; i < (gsize) N * N * N; i++)
    data[i] = (guint8) (8 * (i % N));
  evox_volume_freeze (volume);
  g_assert_true (evox_tiff_write (volume, 0, path, 0, &error));
  g_assert_no_error (error);
  return path;
}

/* The first menu button under widget (depth first) that has a menu model. */
static GMenuModel *
find_menu (GtkWidget *widget)
{
  if (GTK_IS_MENU_BUTTON (widget) &&
      gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (widget)) != NULL)
    return gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (widget));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GMenuModel *menu = find_menu (child);

      if (menu != NULL)
        return menu;
    }
  return NULL;
}

/* The labels of the window menu's Edit submenu, "|"-separated, as a user reads them. */
static char *
edit_menu_labels (EvoxWindow *window)
{
  GtkWidget *titlebar = gtk_window_get_titlebar (GTK_WINDOW (window));
  GMenuModel *menu = find_menu (titlebar != NULL ? titlebar : GTK_WIDGET (window));
  GString *out = g_string_new (NULL);

  g_assert_nonnull (menu);
  for (int s = 0; s < g_menu_model_get_n_items (menu); s++)
    {
      g_autoptr (GMenuModel) section = g_menu_model_get_item_link (menu, s, G_MENU_LINK_SECTION);

      for (int i = 0; section != NULL && i < g_menu_model_get_n_items (section); i++)
        {
          g_autofree char *label = NULL;
          g_autoptr (GMenuModel) sub = NULL;
          g_autoptr (GMenuModel) items = NULL;

          if (!g_menu_model_get_item_attribute (section, i, G_MENU_ATTRIBUTE_LABEL, "s", &label) ||
              g_strcmp0 (label, "_Edit") != 0)
            continue;
          sub = g_menu_model_get_item_link (section, i, G_MENU_LINK_SUBMENU);
          items = g_menu_model_get_item_link (sub, 0, G_MENU_LINK_SECTION);
          for (int j = 0; j < g_menu_model_get_n_items (items); j++)
            {
              g_autofree char *item = NULL;

              g_assert_true (g_menu_model_get_item_attribute (items, j, G_MENU_ATTRIBUTE_LABEL,
                                                              "s", &item));
              g_string_append_printf (out, "%s%s", out->len > 0 ? "|" : "", item);
            }
        }
    }
  return g_string_free (out, FALSE);
}

typedef struct
{
  EvoxWindow *window;
  const char *expected;
} MenuWait;

/* A check for evox_test_wait_for: the history has recorded what it noticed (it does so in an
 * idle) and the menu shows the expected steps. */
static gboolean
menu_settled (gpointer data)
{
  MenuWait *wait = data;
  g_autofree char *labels = NULL;

  if (_evox_history_get_pending (((struct _EvoxWindow *) wait->window)->history))
    return FALSE;
  labels = edit_menu_labels (wait->window);
  return g_strcmp0 (labels, wait->expected) == 0;
}

static void
assert_menu (EvoxWindow *window,
             const char *expected)
{
  MenuWait wait = { window, expected };
  g_autofree char *labels = NULL;

  evox_test_wait_for (menu_settled, &wait, 60);
  labels = edit_menu_labels (window);
  g_assert_cmpstr (labels, ==, expected);
}

static void
test_undo_redo (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = write_ramp (dir, "ramp.tif");
  g_autofree char *other = write_ramp (dir, "other.tif");
  EvoxWindow *window = evox_test_open_file (path);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxHistogramView *view = EVOX_HISTOGRAM_VIEW (evox_window_get_histogram (window));
  EvoxPhaseList *phases = evox_document_get_phases (document);
  g_autoptr (EvoxPhase) phase = evox_phase_new ("A", 0, 63, "#ff0000");
  double x0, y, hi;

  /* Loading is not a step. */
  assert_menu (window, "_Undo|_Redo");

  evox_document_set_colormap (document, "magma");
  assert_menu (window, "_Undo Change Colour Map|_Redo");
  evox_phase_list_append (phases, phase);
  assert_menu (window, "_Undo Add Phase|_Redo");

  /* A drag of the high edge in three moves, with no coalescing of changes however close (the
   * pauses it stood for), each move drawn: the history's idle, had the drag not held it, would
   * have recorded the move before the frame. */
  _evox_history_set_coalesce_ms (window->history, 0);
  evox_window_show_page (window, "phases");
  g_assert_true (evox_test_wait_for ((gboolean (*) (gpointer)) gtk_widget_get_mapped, view, 60));
  g_assert_true (evox_histogram_view_get_phase_edge_x (view, 0, TRUE, &x0));
  y = gtk_widget_get_height (GTK_WIDGET (view)) / 2.0;
  g_assert_true (_evox_histogram_view_drag_begin (view, x0, y));
  for (int v = 100; v <= 180; v += 40)
    {
      _evox_histogram_view_drag_update (view, evox_histogram_view_value_to_x (view, v), y);
      evox_test_wait_painted (GTK_WIDGET (view));
    }
  _evox_histogram_view_drag_end (view, evox_histogram_view_value_to_x (view, 180), y);
  hi = evox_phase_get_hi (phase);
  g_assert_cmpfloat (fabs (hi - 180), <=, 2);
  assert_menu (window, "_Undo Move Phase Edge|_Redo");
  _evox_history_set_coalesce_ms (window->history, EVOX_HISTORY_COALESCE_MS);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  assert_menu (window, "_Undo Add Phase|_Redo Move Phase Edge");
  g_assert_cmpfloat (evox_phase_get_hi (phase), ==, 63);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.redo", NULL));
  g_assert_cmpfloat (evox_phase_get_hi (phase), ==, hi);
  assert_menu (window, "_Undo Move Phase Edge|_Redo");

  for (int i = 0; i < 3; i++)
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_cmpuint (evox_phase_list_get_n_phases (phases), ==, 0);
  g_assert_cmpstr (evox_document_get_colormap (document), ==, "viridis");
  assert_menu (window, "_Undo|_Redo Change Colour Map");
  /* Nothing left: the action is off and changes nothing. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL);
  g_assert_cmpstr (evox_document_get_colormap (document), ==, "viridis");

  /* A new file: nothing to undo or redo. */
  g_autoptr (GFile) file = g_file_new_for_path (other);

  evox_window_open_file (window, file, NULL);
  g_assert_true (evox_test_wait_for (evox_test_window_loaded, window, 60));
  assert_menu (window, "_Undo|_Redo");

  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static int
get_int (gpointer    object,
         const char *property)
{
  int value = 0;

  g_object_get (object, property, &value, NULL);
  return value;
}

/* The check button of the exclusion list's row `index`. */
static GtkCheckButton *
exclude_check (EvoxRegistrationPanel *panel,
               guint                  index)
{
  GtkListBox *list = evox_registration_panel_get_exclude_list (panel);
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (list, (int) index);

  g_assert_nonnull (row);
  return GTK_CHECK_BUTTON (gtk_list_box_row_get_child (row));
}

/* The Registration page's settings, the figure's labels and the rulers: each edit a step the
 * Edit menu names, undone and redone through win.undo and win.redo, the page's own widgets
 * following. */
static void
test_registration_figure (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = write_ramp (dir, "ramp.tif");
  EvoxWindow *window = evox_test_open_file (path);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxOverlays *overlays = evox_document_get_overlays (document);
  EvoxMeasurementList *rulers = evox_document_get_measurements (document);
  g_autoptr (EvoxVolume) raw = NULL;
  g_autoptr (EvoxRegistration) registration = evox_test_registration_new (24, 20, 5, &raw);
  g_autoptr (EvoxMeasurement) ruler = NULL;
  EvoxRegistrationPanel *panel = EVOX_REGISTRATION_PANEL (
    evox_test_find_descendant (GTK_WIDGET (window), EVOX_TYPE_REGISTRATION_PANEL));
  GtkDropDown *reference = GTK_DROP_DOWN (
    evox_test_find_descendant (GTK_WIDGET (panel), GTK_TYPE_DROP_DOWN));
  const double a[3] = { 1, 2, 0 }, b[3] = { 9, 2, 0 };
  double energy = evox_test_reg_energies[1];
  double reference_ev;

  /* Another volume: a new history. */
  evox_document_set_volume (document, raw, "stack", NULL);
  assert_menu (window, "_Undo|_Redo");

  gtk_check_button_set_active (exclude_check (panel, 1), TRUE);
  g_assert_true (evox_registration_panel_get_excluded (panel, energy));
  assert_menu (window, "_Undo Change Excluded Energies|_Redo");
  gtk_drop_down_set_selected (reference, 0);
  g_object_get (panel, "reference-ev", &reference_ev, NULL);
  g_assert_cmpfloat (reference_ev, ==, evox_test_reg_energies[0]);
  assert_menu (window, "_Undo Change Registration Reference|_Redo");
  g_object_set (panel, "scale", EVOX_REGISTER_SCALE_NONE, NULL);
  assert_menu (window, "_Undo Change Registration Scale|_Redo");
  evox_overlays_add_label (overlays, "Particle", 0.4, 0.6);
  assert_menu (window, "_Undo Add Label|_Redo");
  ruler = evox_measurement_new (2, 0, a, b);
  evox_measurement_list_append (rulers, ruler);
  assert_menu (window, "_Undo Add Ruler|_Redo");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_cmpuint (evox_measurement_list_get_n_measurements (rulers), ==, 0);
  assert_menu (window, "_Undo Add Label|_Redo Add Ruler");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_cmpuint (evox_overlays_get_n_labels (overlays), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_cmpint (get_int (panel, "scale"), ==, EVOX_REGISTER_SCALE_FIT);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_object_get (panel, "reference-ev", &reference_ev, NULL);
  g_assert_cmpfloat (reference_ev, ==, 0);
  /* The dropdown shows the default reference again: the highest energy. */
  g_assert_cmpuint (gtk_drop_down_get_selected (reference), ==, EVOX_TEST_REG_N - 1);
  assert_menu (window, "_Undo Change Excluded Energies|_Redo Change Registration Reference");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_false (evox_registration_panel_get_excluded (panel, energy));
  g_assert_false (gtk_check_button_get_active (exclude_check (panel, 1)));
  assert_menu (window, "_Undo|_Redo Change Excluded Energies");

  for (int i = 0; i < 5; i++)
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.redo", NULL));
  g_assert_true (evox_registration_panel_get_excluded (panel, energy));
  g_assert_true (gtk_check_button_get_active (exclude_check (panel, 1)));
  g_assert_cmpuint (gtk_drop_down_get_selected (reference), ==, 0);
  g_assert_cmpint (get_int (panel, "scale"), ==, EVOX_REGISTER_SCALE_NONE);
  g_assert_cmpuint (evox_overlays_get_n_labels (overlays), ==, 1);
  g_assert_true (evox_measurement_list_get_measurement (rulers, 0) == ruler);
  assert_menu (window, "_Undo Add Ruler|_Redo");

  /* A run's result and its revert are steps too; redo puts the same registration back. */
  g_assert_true (evox_document_set_registration (document, registration));
  assert_menu (window, "_Undo Register Stack|_Redo");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_null (evox_document_get_registration (document));
  g_assert_true (evox_document_get_volume (document) == raw);
  assert_menu (window, "_Undo Add Ruler|_Redo Register Stack");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.redo", NULL));
  g_assert_true (evox_document_get_registration (document) == registration);
  g_assert_true (evox_document_get_volume (document) ==
                 evox_registration_get_registered (registration));

  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
undo (EvoxWindow *window)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
}

static void
redo (EvoxWindow *window)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.redo", NULL));
}

static void
assert_first_point (EvoxVolumeStyle *style,
                    double           value,
                    double           opacity)
{
  double v, o;

  evox_volume_style_get_point (style, 0, &v, &o);
  g_assert_cmpfloat (v, ==, value);
  g_assert_cmpfloat (o, ==, opacity);
}

/* The RGB composite's switch and slots and the Volume view's style: each edit made through its
 * widget (the opacity curve by a drag on the histogram that pauses longer than any coalescing)
 * is one step the Edit menu names, and the widgets follow undo and redo. */
static void
test_composite_volume_style (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = write_ramp (dir, "ramp.tif");
  EvoxWindow *window = evox_test_open_file (path);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxVolumeStyle *style = evox_document_get_volume_style (document);
  EvoxHistogramView *view = EVOX_HISTOGRAM_VIEW (evox_window_get_histogram (window));
  GtkWidget *composite = evox_test_find_descendant (GTK_WIDGET (window),
                                                    EVOX_TYPE_COMPOSITE_BOX);
  GtkWidget *volume_box = evox_test_find_descendant (GTK_WIDGET (window), EVOX_TYPE_VOLUME_BOX);
  GtkSwitch *composite_switch = GTK_SWITCH (evox_test_find_descendant (composite,
                                                                       GTK_TYPE_SWITCH));
  GtkDropDown *red = GTK_DROP_DOWN (evox_test_find_descendant (composite, GTK_TYPE_DROP_DOWN));
  GtkDropDown *mode = GTK_DROP_DOWN (evox_test_find_descendant (volume_box,
                                                                GTK_TYPE_DROP_DOWN));
  GtkCheckButton *slices = GTK_CHECK_BUTTON (evox_test_find_descendant (volume_box,
                                                                        GTK_TYPE_CHECK_BUTTON));
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) rgb = evox_volume_new (N, N, N, 3, EVOX_SAMPLE_U8, &error);
  graphene_rect_t plot;
  guint red_before;
  double x, y;
  int channel;

  g_assert_no_error (error);
  for (guint c = 0; c < 3; c++)
    {
      guint8 *data = evox_volume_get_data_mut (rgb, c);

      for (gsize i = 0; i < (gsize) N * N * N; i++)
        data[i] = (guint8) (8 * (i % N) + 40 * c);
    }
  evox_volume_freeze (rgb);
  evox_document_set_volume (document, rgb, "rgb", NULL);
  assert_menu (window, "_Undo|_Redo");

  gtk_switch_set_active (composite_switch, TRUE);
  g_assert_true (evox_document_get_composite (document));
  assert_menu (window, "_Undo Show Composite|_Redo");
  red_before = gtk_drop_down_get_selected (red);
  gtk_drop_down_set_selected (red, red_before == 3 ? 2 : 3);
  evox_document_get_composite_slot (document, 0, &channel, NULL, NULL);
  g_assert_cmpint (channel, ==, red_before == 3 ? 1 : 2);
  assert_menu (window, "_Undo Change Composite Red Channel|_Redo");

  evox_document_set_composite (document, FALSE);
  assert_menu (window, "_Undo Show Composite|_Redo");
  evox_document_set_view (document, EVOX_VIEW_VOLUME);
  assert_menu (window, "_Undo Change View|_Redo");
  evox_volume_style_set_points (style, (double[]) { 50, 200 }, (double[]) { 0.2, 0.6 }, 2);
  assert_menu (window, "_Undo Change Opacity Curve|_Redo");

  /* The first point's handle dragged right and up, in three moves, each drawn, with no
   * coalescing of changes however close. */
  _evox_history_set_coalesce_ms (window->history, 0);
  evox_window_show_page (window, "phases");
  g_assert_true (evox_test_wait_for ((gboolean (*) (gpointer)) gtk_widget_get_mapped, view, 60));
  g_assert_true (_evox_histogram_view_get_curve_shown (view));
  g_assert_true (_evox_histogram_view_get_plot (view, &plot));
  x = evox_histogram_view_value_to_x (view, 50);
  y = plot.origin.y + plot.size.height * (1 - 0.2);
  g_assert_true (_evox_histogram_view_drag_begin (view, x, y));
  for (int i = 1; i <= 3; i++)
    {
      _evox_histogram_view_drag_update (view, x + 10 * i, y - 10 * i);
      evox_test_wait_painted (GTK_WIDGET (view));
    }
  _evox_histogram_view_drag_end (view, x + 30, y - 30);
  g_assert_cmpuint (evox_volume_style_get_n_points (style), ==, 2);
  assert_menu (window, "_Undo Move Opacity Point|_Redo");
  _evox_history_set_coalesce_ms (window->history, EVOX_HISTORY_COALESCE_MS);

  gtk_drop_down_set_selected (mode, EVOX_RAY_ISO);
  g_assert_cmpint (evox_volume_style_get_mode (style), ==, EVOX_RAY_ISO);
  assert_menu (window, "_Undo Change Volume Mode|_Redo");
  gtk_check_button_set_active (slices, TRUE);
  g_assert_true (evox_volume_style_get_show_slices (style));
  assert_menu (window, "_Undo Show Slices in Volume|_Redo");

  undo (window);
  g_assert_false (gtk_check_button_get_active (slices));
  undo (window);
  g_assert_cmpuint (gtk_drop_down_get_selected (mode), ==, EVOX_RAY_COMPOSITE);
  assert_menu (window, "_Undo Move Opacity Point|_Redo Change Volume Mode");
  undo (window);
  assert_first_point (style, 50, 0.2);
  assert_menu (window, "_Undo Change Opacity Curve|_Redo Move Opacity Point");
  redo (window);
  evox_volume_style_get_point (style, 0, &x, &y);
  g_assert_cmpfloat (x, >, 50);
  g_assert_cmpfloat (y, >, 0.2);
  undo (window);
  for (int i = 0; i < 3; i++)
    undo (window);
  g_assert_true (evox_document_get_composite (document));
  g_assert_true (gtk_switch_get_active (composite_switch));
  assert_menu (window, "_Undo Change Composite Red Channel|_Redo Show Composite");
  undo (window);
  g_assert_cmpuint (gtk_drop_down_get_selected (red), ==, red_before);
  undo (window);
  g_assert_false (gtk_switch_get_active (composite_switch));
  assert_menu (window, "_Undo|_Redo Show Composite");

  for (int i = 0; i < 8; i++)
    redo (window);
  g_assert_cmpuint (gtk_drop_down_get_selected (mode), ==, EVOX_RAY_ISO);
  g_assert_true (gtk_check_button_get_active (slices));
  g_assert_false (gtk_switch_get_active (composite_switch));
  assert_menu (window, "_Undo Show Slices in Volume|_Redo");

  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static gboolean
dialog_gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static void
assert_points (EvoxMeasurement *ruler,
               const double     start[3],
               const double     end[3])
{
  double a[3], b[3];

  evox_measurement_get_points (ruler, a, b);
  g_assert_cmpmem (a, sizeof a, start, 3 * sizeof (double));
  g_assert_cmpmem (b, sizeof b, end, 3 * sizeof (double));
}

/* The window's volume has the voxel size `stated` (NULL: none known, 1 nm a voxel), shows lengths
 * in `unit`, asks for a size with the banner when it has none, and remembers it for path. */
static void
assert_voxel_size (EvoxWindow     *window,
                   const char     *path,
                   const double   *stated,
                   EvoxLengthUnit  unit)
{
  EvoxVolume *volume = evox_document_get_volume (evox_window_get_document (window));
  const double one[3] = { 1, 1, 1 };
  double spacing[3];

  g_assert_cmpint (evox_volume_get_spacing_known (volume), ==, stated != NULL);
  evox_volume_get_spacing (volume, spacing);
  g_assert_cmpmem (spacing, sizeof spacing, stated != NULL ? stated : one, sizeof one);
  g_assert_cmpint (evox_units_for_volume (volume).unit, ==, unit);
  g_assert_true ((evox_window_get_voxel_banner (window) == NULL) == (stated != NULL));
  g_assert_cmpint (evox_voxel_size_lookup (path, spacing), ==, stated != NULL);
  if (stated != NULL)
    g_assert_cmpmem (spacing, sizeof spacing, stated, sizeof one);
}

/* Image Properties' voxel size is one step the Edit menu names. Undone: the size is unknown again
 * (1 nm a voxel, exactly), the ruler's ends are where they were drawn, the banner asks for a size
 * again and the file remembers none. Redone: the dialog's size, the ruler on the same voxels, no
 * banner, the size remembered. */
static void
test_voxel_size (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = write_ramp (dir, "ramp.tif");
  EvoxWindow *window = evox_test_open_file (path);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxVolume *volume = evox_document_get_volume (document);
  g_autoptr (EvoxMeasurement) ruler = NULL;
  EvoxPropertiesDialog *dialog;
  const double a[3] = { 2, 3, 16 }, b[3] = { 12, 9, 16 };
  const double stated[3] = { 500, 500, 2000 };
  double origin[3], scaled_a[3], scaled_b[3];

  g_assert_false (evox_volume_get_spacing_known (volume));
  g_assert_nonnull (evox_window_get_voxel_banner (window));
  ruler = evox_measurement_new (2, 16, a, b);
  evox_measurement_list_append (evox_document_get_measurements (document), ruler);
  assert_menu (window, "_Undo Add Ruler|_Redo");

  dialog = evox_properties_dialog_new (window);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  evox_properties_dialog_set_values (dialog, 0.5, 0.5, 2, "µm");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "properties.apply", NULL));
  g_assert_true (evox_test_wait_for (dialog_gone, &dialog, 60));
  /* The three fields are one step. */
  assert_menu (window, "_Undo Change Voxel Size|_Redo");
  g_assert_true (evox_document_get_volume (document) == volume);
  assert_voxel_size (window, path, stated, EVOX_LENGTH_UM);
  /* The ruler stays on its voxels: its ends scaled about the origin (brute force here). */
  evox_volume_get_origin (volume, origin);
  for (guint i = 0; i < 3; i++)
    {
      scaled_a[i] = origin[i] + (a[i] - origin[i]) * stated[i];
      scaled_b[i] = origin[i] + (b[i] - origin[i]) * stated[i];
    }
  assert_points (ruler, scaled_a, scaled_b);

  undo (window);
  assert_menu (window, "_Undo Add Ruler|_Redo Change Voxel Size");
  assert_voxel_size (window, path, NULL, EVOX_LENGTH_VOXELS);
  assert_points (ruler, a, b);

  redo (window);
  assert_menu (window, "_Undo Change Voxel Size|_Redo");
  assert_voxel_size (window, path, stated, EVOX_LENGTH_UM);
  assert_points (ruler, scaled_a, scaled_b);

  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int   argc,
      char *argv[])
{
  char *config = evox_test_tmpdir_new ();
  int status;

  /* Sizes remembered for files go to this run's folder, never the user's (before GTK reads the
   * folder's name, which GLib keeps). */
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  if (!evox_test_ui_init (&argc, &argv))
    {
      evox_test_tmpdir_free (config);
      return 0;
    }
  g_test_add_func ("/Evox/UndoUI/undo-redo", test_undo_redo);
  g_test_add_func ("/Evox/UndoUI/registration-figure", test_registration_figure);
  g_test_add_func ("/Evox/UndoUI/composite-volume-style", test_composite_volume_style);
  g_test_add_func ("/Evox/UndoUI/voxel-size", test_voxel_size);
  status = g_test_run ();
  evox_test_tmpdir_free (config);
  return status;
}
