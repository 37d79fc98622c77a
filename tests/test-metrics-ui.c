/* test-metrics-ui.c: the Metrics page: its table against the library, Copy, CSV, Cancel, errors. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-interface-area.h"
#include "evox-metrics-csv.h"
#include "evox-json.h"
#include "evox-metrics-panel.h"
#include "evox-session.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-types.h"
#include "evox-units.h"
#include "evox-window.h"
#include "evox-window-private.h"

/* 16 x 8 x 8 voxels: pores (0) are the channels y % 4 < 2 and z % 4 < 2 along x, the rest solid
 * (200). Porosity is 1/4 exactly; the channels join the two x faces straight (tau_x = 1 exactly,
 * as in TauFactor's straight channel) and never touch a y or z face pair through pores, so
 * tau_y and tau_z do not exist (the phase does not percolate across y or z). */
#define NX 16
#define NY 8
#define NZ 8

static EvoxVolume *
channels_volume (void)
{
  g_autoptr (GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (NX, NY, NZ, 1, EVOX_SAMPLE_U8, &error);
  guint8 *data;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 0; z < NZ; z++)
    for (gsize y = 0; y < NY; y++)
      for (gsize x = 0; x < NX; x++)
        data[(z * NY + y) * NX + x] = (y % 4 < 2 && z % 4 < 2) ? 0 : 200;
  evox_volume_freeze (volume);
  return volume;
}

/* The window on the volume with the phases pore [0, 50] (checked: the first phase added), solid
 * [150, 255] and empty [80, 100] (no voxel), its Metrics page shown. */
static EvoxWindow *
open_window (EvoxVolume *volume)
{
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxPhaseList *phases = evox_document_get_phases (document);
  g_autoptr (EvoxPhase) pore = evox_phase_new ("pore", 0, 50, "#3584e4");
  g_autoptr (EvoxPhase) solid = evox_phase_new ("solid", 150, 255, "#e01b24");
  g_autoptr (EvoxPhase) empty = evox_phase_new ("empty", 80, 100, "#2ec27e");

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  evox_document_set_volume (document, volume, "channels", NULL);
  evox_phase_list_append (phases, pore);
  evox_phase_list_append (phases, solid);
  evox_phase_list_append (phases, empty);
  gtk_window_present (GTK_WINDOW (window));
  evox_window_show_page (window, "metrics");
  return window;
}

static gboolean
panel_idle (gpointer panel)
{
  return !evox_metrics_panel_get_busy (panel);
}

/* The library's placeholder (before evox_metrics_compute exists) cannot be checked against. */
static gboolean
library_missing (void)
{
  g_autoptr (EvoxVolume) volume = channels_volume ();
  double lo = 0, hi = 50;
  EvoxMetricsRequest request = { .phase = { "pore", 0, 1, &lo, &hi } };
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxMetrics) metrics = evox_metrics_compute (volume, &request, NULL, NULL, &error);

  if (metrics == NULL && g_error_matches (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED))
    {
      g_test_skip ("evox_metrics_compute is still the contract's placeholder");
      return TRUE;
    }
  return FALSE;
}

static const EvoxMetricsRow *
find_row (EvoxMetrics *metrics,
          const char  *metric,
          const char  *axis)
{
  for (guint i = 0; i < evox_metrics_get_n_rows (metrics); i++)
    {
      const EvoxMetricsRow *row = evox_metrics_get_row (metrics, i);

      if (g_str_equal (row->metric, metric) && g_str_equal (row->axis, axis))
        return row;
    }
  return NULL;
}

static void
text_read (GObject      *clipboard,
           GAsyncResult *result,
           gpointer      user_data)
{
  char **text = user_data;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (clipboard), result, NULL);
  if (*text == NULL)
    *text = g_strdup ("");
}

static gboolean
is_set (gpointer pointer)
{
  return *(gpointer *) pointer != NULL;
}

static char *
read_file (const char *path)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

/* As test-cluster-ui's side-width check: the Metrics page must not widen the side panel. */
#define SIDE_MAX_WIDTH 470

static void
assert_side_width (EvoxWindow *window)
{
  GtkWidget *paned;
  int min = 0;

  evox_test_wait_painted (GTK_WIDGET (window));
  paned = evox_test_find_descendant (GTK_WIDGET (window), GTK_TYPE_PANED);
  g_assert_nonnull (paned);
  gtk_widget_measure (gtk_paned_get_end_child (GTK_PANED (paned)), GTK_ORIENTATION_HORIZONTAL,
                      -1, &min, NULL, NULL, NULL);
  g_test_message ("side panel: min %d", min);
  g_assert_cmpint (min, <=, SIDE_MAX_WIDTH);
}

/* Porosity, percolation and tortuosity of the pores: each row of the table as the library gives
 * it for the page's request, the numbers as the geometry says, Copy and both exports. */
static void
test_table (void)
{
  g_autoptr (EvoxVolume) volume = channels_volume ();
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *page_csv = g_build_filename (dir, "page.csv", NULL);
  g_autofree char *chosen_csv = g_build_filename (dir, "chosen.csv", NULL);
  g_autofree char *library_csv = g_build_filename (dir, "library.csv", NULL);
  g_autofree char *copied = NULL;
  g_autofree char *text = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *chosen = NULL;
  g_autofree char *expected_csv = NULL;
  g_autoptr (EvoxMetrics) expected = NULL;
  g_autoptr (GError) error = NULL;
  EvoxMetricsRequest request;
  const EvoxMetricsRow *row;
  EvoxWindow *window;
  EvoxMetricsPanel *panel;
  EvoxMetrics *shown;

  if (library_missing ())
    return;
  window = open_window (volume);
  panel = EVOX_METRICS_PANEL (evox_window_get_metrics_panel (window));
  g_assert_null (_evox_metrics_panel_get_cell (panel, 0, 0));
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.copy", NULL) &&
                  evox_metrics_panel_get_metrics (panel) != NULL);
  /* x, y, z and percolation are ticked by default; pore, the first phase, is checked */
  evox_metrics_panel_set_tolerance (panel, 1e-8);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.compute", NULL));
  g_assert_true (evox_test_wait_for (panel_idle, panel, 60));
  g_assert_null (_evox_metrics_panel_get_error (panel));
  shown = evox_metrics_panel_get_metrics (panel);
  g_assert_nonnull (shown);

  /* the library on the same request */
  g_assert_true (evox_metrics_panel_get_request (panel, &request, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (request.phase.name, ==, "pore");
  g_assert_cmpuint (request.phase.n_ranges, ==, 1);
  g_assert_cmpfloat (request.phase.lo[0], ==, 0);
  g_assert_cmpfloat (request.phase.hi[0], ==, 50);
  g_assert_true (request.tortuosity[0] && request.tortuosity[1] && request.tortuosity[2]);
  g_assert_true (request.percolation);
  g_assert_cmpfloat (request.tolerance, ==, 1e-8);
  expected = evox_metrics_compute (volume, &request, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_metrics_request_clear (&request);
  g_assert_cmpuint (evox_metrics_get_n_rows (shown), ==, evox_metrics_get_n_rows (expected));
  g_assert_cmpstr (_evox_metrics_panel_get_cell (panel, 0, 0), ==, "metric");
  g_assert_cmpstr (_evox_metrics_panel_get_cell (panel, 0, 4), ==, "unit");
  g_assert_null (_evox_metrics_panel_get_cell (panel, 0, 5));
  for (guint i = 0; i < evox_metrics_get_n_rows (expected); i++)
    {
      const EvoxMetricsRow *want = evox_metrics_get_row (expected, i);
      g_autofree char *value = isinf (want->value) ? g_strdup ("∞ (does not percolate)")
                                                   : g_strdup_printf ("%.6g", want->value);

      g_assert_cmpstr (_evox_metrics_panel_get_cell (panel, i + 1, 0), ==, want->metric);
      g_assert_cmpstr (_evox_metrics_panel_get_cell (panel, i + 1, 1), ==, want->phase);
      g_assert_cmpstr (_evox_metrics_panel_get_cell (panel, i + 1, 2), ==, want->axis);
      g_assert_cmpstr (_evox_metrics_panel_get_cell (panel, i + 1, 3), ==, value);
      g_autofree char *unit = evox_units_dup_display (want->unit);

      g_assert_cmpstr (_evox_metrics_panel_get_cell (panel, i + 1, 4), ==, unit);
      g_assert_cmpstr (_evox_metrics_panel_get_cell (panel, i + 1, 5), ==,
                       want->note != NULL ? want->note : "");
    }
  g_assert_null (_evox_metrics_panel_get_cell (panel, evox_metrics_get_n_rows (expected) + 1, 0));

  /* the geometry's own numbers */
  row = find_row (shown, "porosity", "");
  g_assert_nonnull (row);
  g_assert_cmpfloat_with_epsilon (row->value, 0.25, 1e-12);
  row = find_row (shown, "tortuosity_factor", "x");
  g_assert_nonnull (row);
  g_assert_cmpfloat_with_epsilon (row->value, 1.0, 1e-4);
  for (guint axis = 1; axis < 3; axis++)
    {
      row = find_row (shown, "tortuosity_factor", axis == 1 ? "y" : "z");
      g_assert_nonnull (row);
      g_assert_true (isinf (row->value));
    }
  row = find_row (shown, "percolating_fraction", "x");
  g_assert_nonnull (row);
  g_assert_cmpfloat_with_epsilon (row->value, 1.0, 1e-12);
  row = find_row (shown, "percolating_fraction", "y");
  g_assert_nonnull (row);
  g_assert_cmpfloat_with_epsilon (row->value, 0.0, 1e-12);

  /* the side panel keeps its width with the table shown: the table scrolls instead */
  assert_side_width (window);

  /* Copy: the library's text table */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.copy", NULL));
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (panel)), NULL, text_read,
                                 &copied);
  g_assert_true (evox_test_wait_for (is_set, &copied, 60));
  text = evox_metrics_to_text (expected);
  g_assert_cmpstr (copied, ==, text);

  /* Export: the library's CSV of the same table, through the call and through the chooser */
  g_assert_true (evox_metrics_write_csv (expected, library_csv, FALSE, &error));
  g_assert_no_error (error);
  expected_csv = read_file (library_csv);
  g_assert_true (evox_metrics_panel_export_csv (panel, page_csv, FALSE, &error));
  g_assert_no_error (error);
  csv = read_file (page_csv);
  g_assert_cmpstr (csv, ==, expected_csv);
  g_assert_true (g_str_has_prefix (csv, "metric,phase,axis,value,unit"));
  g_assert_false (evox_metrics_panel_export_csv (panel, page_csv, FALSE, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.export", NULL));
  g_assert_true (evox_test_wait_for (evox_test_file_dialog_shown, NULL, 60));
  evox_test_answer_file_dialog (chosen_csv, GTK_RESPONSE_ACCEPT);
  g_assert_true (evox_test_wait_for (evox_test_file_dialog_gone, NULL, 60));
  chosen = read_file (chosen_csv);
  g_assert_cmpstr (chosen, ==, expected_csv);

  /* With File > Include Provenance in CSV: the record's '# ' lines, then the same table. */
  g_action_group_change_action_state (G_ACTION_GROUP (window), "csv-provenance",
                                      g_variant_new_boolean (TRUE));
  g_assert_true (evox_metrics_panel_export_csv (panel, page_csv, TRUE, &error));
  g_assert_no_error (error);
  evox_test_assert_csv_with_provenance (page_csv, chosen_csv, "Export Metrics CSV");

  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Ticks or unticks the tortuosity factor along every axis (the solves are the slow part). */
static void
set_tortuosity (EvoxMetricsPanel *panel,
                gboolean          on)
{
  evox_metrics_panel_set_metric (panel, "tortuosity-x", on);
  evox_metrics_panel_set_metric (panel, "tortuosity-y", on);
  evox_metrics_panel_set_metric (panel, "tortuosity-z", on);
}

/* Pores and solid checked: the phase measured is their union, named after both. */
static void
test_union (void)
{
  g_autoptr (EvoxVolume) volume = channels_volume ();
  g_autoptr (GError) error = NULL;
  EvoxMetricsRequest request;
  EvoxWindow *window = open_window (volume);
  EvoxMetricsPanel *panel = EVOX_METRICS_PANEL (evox_window_get_metrics_panel (window));

  evox_metrics_panel_set_phase_checked (panel, 1, TRUE);
  evox_metrics_panel_set_metric (panel, "surface", TRUE);
  evox_metrics_panel_set_other (panel, 2);
  g_assert_true (evox_metrics_panel_get_request (panel, &request, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (request.phase.name, ==, "pore+solid");
  g_assert_cmpuint (request.phase.n_ranges, ==, 2);
  g_assert_cmpfloat (request.phase.lo[1], ==, 150);
  g_assert_cmpfloat (request.phase.hi[1], ==, 255);
  g_assert_true (request.surface);
  g_assert_cmpstr (request.other.name, ==, "empty");
  g_assert_cmpfloat (request.other.lo[0], ==, 80);
  g_assert_cmpuint (request.phase.channel, ==, 0);
  /* Crofton unless Area from says otherwise. */
  g_assert_cmpuint (request.surface_methods, ==, EVOX_AREA_CROFTON);
  evox_metrics_request_clear (&request);
  evox_metrics_panel_set_surface_methods (panel, EVOX_AREA_MESH);
  g_assert_true (evox_metrics_panel_get_request (panel, &request, &error));
  g_assert_cmpuint (request.surface_methods, ==, EVOX_AREA_MESH);
  evox_metrics_request_clear (&request);
  evox_metrics_panel_set_surface_methods (panel, EVOX_AREA_CROFTON | EVOX_AREA_MESH);
  g_assert_true (evox_metrics_panel_get_request (panel, &request, &error));
  g_assert_cmpuint (request.surface_methods, ==, EVOX_AREA_CROFTON | EVOX_AREA_MESH);
  evox_metrics_request_clear (&request);
  assert_side_width (window);

  /* Both methods: the pores' interface with the solid in rows named after each. */
  if (!library_missing ())
    {
      evox_metrics_panel_set_phase_checked (panel, 1, FALSE);
      evox_metrics_panel_set_other (panel, 1);
      evox_metrics_panel_set_metric (panel, "percolation", FALSE);
      set_tortuosity (panel, FALSE);
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.compute", NULL));
      g_assert_true (evox_test_wait_for (panel_idle, panel, 60));
      g_assert_null (_evox_metrics_panel_get_error (panel));
      g_assert_nonnull (find_row (evox_metrics_panel_get_metrics (panel),
                                  "specific_surface_area", ""));
      g_assert_nonnull (strstr (find_row (evox_metrics_panel_get_metrics (panel),
                                          "specific_surface_area_mesh", "")->note,
                                "smoothed surface"));
      set_tortuosity (panel, TRUE);
      evox_metrics_panel_set_metric (panel, "percolation", TRUE);
      evox_metrics_panel_set_metric (panel, "surface", TRUE);
      evox_metrics_panel_set_phase_checked (panel, 1, TRUE);
    }

  /* a long union name in the table gives way (ellipsized) rather than widen the panel */
  if (!library_missing ())
    {
      EvoxPhaseList *phases = evox_document_get_phases (evox_window_get_document (window));
      int min = 0;

      evox_phase_set_name (evox_phase_list_get_phase (phases, 0),
                           "the pore space between the particles of the electrode");
      evox_phase_set_name (evox_phase_list_get_phase (phases, 1),
                           "the active material and the carbon-binder domain around it");
      evox_metrics_panel_set_metric (panel, "percolation", FALSE);
      evox_metrics_panel_set_metric (panel, "surface", FALSE);
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.compute", NULL));
      g_assert_true (evox_test_wait_for (panel_idle, panel, 60));
      g_assert_null (_evox_metrics_panel_get_error (panel));
      g_assert_nonnull (strstr (_evox_metrics_panel_get_cell (panel, 1, 1), "carbon-binder"));
      /* this page's own width: the Phases page widens the panel with such names by itself */
      evox_test_wait_painted (GTK_WIDGET (panel));
      gtk_widget_measure (GTK_WIDGET (panel), GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL,
                          NULL);
      g_test_message ("metrics page with long names: min %d", min);
      g_assert_cmpint (min, <=, SIDE_MAX_WIDTH - 24);
    }
  evox_test_close_window (window);
}

/* A second conducting phase: the last phase is offered first; with the solid at D2 = 1 the
 * pores and the solid fill the volume, one conductor: tau 1 and D_eff / D 1 along every axis
 * (the pores alone percolate only along x); the rows are named "pore|solid@1", a
 * mean_diffusivity row of 1; the page stays within the side panel. */
static void
test_second_phase (void)
{
  g_autoptr (EvoxVolume) volume = channels_volume ();
  g_autoptr (GError) error = NULL;
  EvoxMetricsRequest request;
  EvoxWindow *window = open_window (volume);
  EvoxMetricsPanel *panel = EVOX_METRICS_PANEL (evox_window_get_metrics_panel (window));
  EvoxMetrics *metrics;

  evox_metrics_panel_set_metric (panel, "second", TRUE);
  g_assert_true (evox_metrics_panel_get_request (panel, &request, &error));
  g_assert_no_error (error);
  g_assert_true (request.two_phase);
  g_assert_cmpstr (request.second.name, ==, "empty");
  g_assert_cmpfloat_with_epsilon (request.second_diffusivity, 0.1, 1e-12);
  evox_metrics_request_clear (&request);

  evox_metrics_panel_set_second (panel, 1, 1.0);
  evox_metrics_panel_set_metric (panel, "percolation", FALSE);
  g_assert_true (evox_metrics_panel_get_request (panel, &request, &error));
  g_assert_cmpstr (request.second.name, ==, "solid");
  g_assert_cmpfloat (request.second.lo[0], ==, 150);
  g_assert_cmpfloat (request.second_diffusivity, ==, 1.0);
  evox_metrics_request_clear (&request);
  assert_side_width (window);
  if (library_missing ())
    {
      evox_test_close_window (window);
      return;
    }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.compute", NULL));
  g_assert_true (evox_test_wait_for (panel_idle, panel, 60));
  g_assert_null (_evox_metrics_panel_get_error (panel));
  metrics = evox_metrics_panel_get_metrics (panel);
  for (guint axis = 0; axis < 3; axis++)
    {
      const char *name = (const char *[]) { "x", "y", "z" }[axis];
      const EvoxMetricsRow *tau = find_row (metrics, "tortuosity_factor", name);
      const EvoxMetricsRow *d_eff = find_row (metrics, "effective_diffusivity", name);

      g_assert_nonnull (tau);
      g_assert_cmpstr (tau->phase, ==, "pore|solid@1");
      g_assert_cmpfloat_with_epsilon (tau->value, 1.0, 1e-5);
      g_assert_cmpfloat_with_epsilon (d_eff->value, 1.0, 1e-5);
    }
  g_assert_cmpfloat_with_epsilon (find_row (metrics, "mean_diffusivity", "")->value, 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (find_row (metrics, "porosity", "")->value, 0.25, 1e-12);
  g_assert_cmpstr (_evox_metrics_panel_get_cell (panel, 2, 1), ==, "pore|solid@1");
  evox_test_close_window (window);
}

/* Cancel right after Compute: the page is idle at once, the progress hidden, and the result,
 * whenever the worker ends, is dropped. */
static void
test_cancel (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = evox_volume_new (64, 64, 64, 1, EVOX_SAMPLE_U8, &error);
  guint64 state = 18;
  guint8 *data = evox_volume_get_data_mut (volume, 0);
  EvoxWindow *window;
  EvoxMetricsPanel *panel;
  GtkWidget *bar;
  guint refs;

  for (gsize i = 0; i < (gsize) 64 * 64 * 64; i++)
    data[i] = evox_test_uniform (&state) < 0.6 ? 0 : 200;
  evox_volume_freeze (volume);
  window = open_window (volume);
  panel = EVOX_METRICS_PANEL (evox_window_get_metrics_panel (window));
  evox_metrics_panel_set_tolerance (panel, 1e-8);
  evox_metrics_panel_set_metric (panel, "thickness", TRUE);
  /* The volume's holders once the window has drawn it and the history has its first state. */
  evox_test_wait_painted (GTK_WIDGET (window));
  refs = evox_test_get_refs (volume);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.compute", NULL));
  g_assert_true (evox_metrics_panel_get_busy (panel));
  bar = evox_test_find_descendant (GTK_WIDGET (panel), GTK_TYPE_PROGRESS_BAR);
  g_assert_true (gtk_widget_is_visible (bar));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.cancel", NULL));
  g_assert_false (evox_metrics_panel_get_busy (panel));
  g_assert_false (gtk_widget_is_visible (bar));
  /* The job lets go of the volume once its callback has dropped the result. */
  evox_test_wait_refs (volume, refs);
  g_assert_null (evox_metrics_panel_get_metrics (panel));
  g_assert_null (_evox_metrics_panel_get_error (panel));
  evox_test_close_window (window);
}

/* Thickness kept: Show Thickness Map makes it the document's shown map, voxel for voxel. */
static void
test_thickness_map (void)
{
  g_autoptr (EvoxVolume) volume = channels_volume ();
  EvoxWindow *window;
  EvoxDocument *document;
  EvoxMetricsPanel *panel;
  EvoxVolume *map, *shown;
  const float *want, *got;
  gsize n = (gsize) NX * NY * NZ;

  if (library_missing ())
    return;
  window = open_window (volume);
  document = evox_window_get_document (window);
  panel = EVOX_METRICS_PANEL (evox_window_get_metrics_panel (window));
  for (guint a = 0; a < 3; a++)
    evox_metrics_panel_set_metric (panel, (const char *[]) { "tortuosity-x", "tortuosity-y",
                                                              "tortuosity-z" }[a], FALSE);
  evox_metrics_panel_set_metric (panel, "percolation", FALSE);
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.show-thickness", NULL)
                  && evox_document_get_show_maps (document));
  evox_metrics_panel_set_metric (panel, "thickness", TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.compute", NULL));
  g_assert_true (evox_test_wait_for (panel_idle, panel, 60));
  g_assert_null (_evox_metrics_panel_get_error (panel));
  map = evox_metrics_get_map (evox_metrics_panel_get_metrics (panel));
  g_assert_nonnull (map);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.show-thickness", NULL));
  g_assert_null (_evox_metrics_panel_get_error (panel));
  g_assert_true (evox_document_get_show_maps (document));
  shown = evox_document_get_volume (document);
  g_assert_true (g_str_has_prefix (evox_volume_get_channel_label (
                                     shown, evox_document_get_channel (document)),
                                   "Local thickness"));
  want = evox_volume_get_data (map, 0);
  got = evox_volume_get_data (shown, evox_document_get_channel (document));
  for (gsize i = 0; i < n; i++)
    g_assert_true ((isnan (want[i]) && isnan (got[i])) || want[i] == got[i]);
  /* pores are the channels 2 voxels wide: thickness 2 voxels inside them, none in the solid */
  g_assert_true (isnan (want[(gsize) 2 * NX]));
  g_assert_false (isnan (want[0]));
  evox_test_close_window (window);
}

/* A first tortuosity axis the pores do not join (y: the channels run along x) once crashed the
 * window at Compute, the page keeping the fields: now the table says why and Show Fields gives
 * no concentration anywhere and flux 0 in the pores. */
static void
test_fields_not_percolating (void)
{
  g_autoptr (EvoxVolume) volume = channels_volume ();
  g_autoptr (EvoxVolume) fields = NULL;
  EvoxWindow *window;
  EvoxMetricsPanel *panel;
  const float *c, *flux;

  if (library_missing ())
    return;
  window = open_window (volume);
  panel = EVOX_METRICS_PANEL (evox_window_get_metrics_panel (window));
  evox_metrics_panel_set_metric (panel, "tortuosity-x", FALSE);
  evox_metrics_panel_set_metric (panel, "tortuosity-y", TRUE);
  evox_metrics_panel_set_metric (panel, "tortuosity-z", FALSE);
  evox_metrics_panel_set_metric (panel, "percolation", TRUE);
  evox_metrics_panel_set_metric (panel, "thickness", FALSE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.compute", NULL));
  g_assert_true (evox_test_wait_for (panel_idle, panel, 60));
  g_assert_null (_evox_metrics_panel_get_error (panel));
  fields = evox_metrics_dup_fields (evox_metrics_panel_get_metrics (panel), NULL);
  g_assert_nonnull (fields);
  g_assert_cmpuint (evox_volume_get_n_channels (fields), ==, 3);
  g_assert_cmpstr (evox_volume_get_channel_label (fields, 0), ==, "Concentration (y)");
  c = evox_volume_get_data (fields, 0);
  flux = evox_volume_get_data (fields, 1);
  for (gsize i = 0; i < (gsize) NX * NY * NZ; i++)
    {
      gsize y = (i / NX) % NY, z = i / (NX * NY);

      g_assert_true (isnan (c[i]));
      if (y % 4 < 2 && z % 4 < 2)
        g_assert_cmpfloat (flux[i], ==, 0.0f);
      else
        g_assert_true (isnan (flux[i]));
    }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.show-fields", NULL));
  g_assert_null (_evox_metrics_panel_get_error (panel));
  evox_test_close_window (window);
}

/* Show Fields: disabled before a table; then the fields along x (the one tortuosity axis
 * asked) become the document's maps, the flux magnitude shown, each channel voxel for voxel the
 * table's and as the straight channels give them: c = 1 - (x + 0.5) / 16 and flux 1 / 16 in the
 * pores, every pore voxel of class 1 (both x faces), NaN in the solid. */
static void
test_fields (void)
{
  g_autoptr (EvoxVolume) volume = channels_volume ();
  const char *labels[3] = { "Concentration (x)", "Flux magnitude (x)",
                            "Percolation (x): 1 both faces, 2 one face, 3 isolated" };
  EvoxWindow *window;
  EvoxDocument *document;
  EvoxMetricsPanel *panel;
  g_autoptr(EvoxVolume) fields = NULL;
  EvoxVolume *shown;
  gsize n = (gsize) NX * NY * NZ;

  if (library_missing ())
    return;
  window = open_window (volume);
  document = evox_window_get_document (window);
  panel = EVOX_METRICS_PANEL (evox_window_get_metrics_panel (window));
  evox_metrics_panel_set_tolerance (panel, 1e-10);
  evox_metrics_panel_set_metric (panel, "tortuosity-x", TRUE);
  evox_metrics_panel_set_metric (panel, "tortuosity-y", FALSE);
  evox_metrics_panel_set_metric (panel, "tortuosity-z", FALSE);
  evox_metrics_panel_set_metric (panel, "percolation", TRUE);
  evox_metrics_panel_set_metric (panel, "thickness", FALSE);
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.show-fields", NULL)
                  && evox_document_get_show_maps (document));
  g_assert_false (evox_document_get_show_maps (document));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.compute", NULL));
  g_assert_true (evox_test_wait_for (panel_idle, panel, 60));
  g_assert_null (_evox_metrics_panel_get_error (panel));
  fields = evox_metrics_dup_fields (evox_metrics_panel_get_metrics (panel), NULL);
  g_assert_nonnull (fields);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.show-fields", NULL));
  g_assert_null (_evox_metrics_panel_get_error (panel));
  g_assert_true (evox_document_get_show_maps (document));
  shown = evox_document_get_volume (document);
  g_assert_cmpstr (evox_volume_get_channel_label (shown, evox_document_get_channel (document)),
                   ==, labels[1]);
  for (guint c = 0; c < 3; c++)
    {
      int at = evox_volume_find_channel (shown, labels[c]);
      const float *want = evox_volume_get_data (fields, c);
      const float *got;

      g_assert_cmpint (at, >=, 0);
      g_assert_cmpstr (evox_volume_get_channel_label (fields, c), ==, labels[c]);
      got = evox_volume_get_data (shown, (guint) at);
      for (gsize i = 0; i < n; i++)
        {
          gsize x = i % NX, y = (i / NX) % NY, z = i / (NX * NY);
          gboolean pore = y % 4 < 2 && z % 4 < 2;

          g_assert_true ((isnan (want[i]) && isnan (got[i])) || want[i] == got[i]);
          if (!pore)
            g_assert_true (isnan (got[i]));
          else if (c == 0)
            g_assert_cmpfloat_with_epsilon (got[i], 1.0 - (x + 0.5) / NX, 1e-6);
          else if (c == 1)
            g_assert_cmpfloat_with_epsilon (got[i], 1.0 / NX, 1e-6);
          else
            g_assert_cmpfloat (got[i], ==, 1.0f);
        }
    }
  /* The flux on inferno from 0; the classes on the categorical map over 1..3: three distinct colours at 1, 2 and 3. */
  g_assert_cmpstr (evox_document_get_colormap (document), ==, "inferno");
  evox_document_set_channel (document, (guint) evox_volume_find_channel (shown, labels[2]));
  g_assert_cmpstr (evox_document_get_colormap (document), ==, "classes3");
  {
    double lo, hi;

    evox_document_get_range (document, &lo, &hi);
    g_assert_cmpfloat (lo, ==, 1.0);
    g_assert_cmpfloat (hi, ==, 3.0);
  }
  {
    guint8 rgb[3][3];

    for (guint k = 0; k < 3; k++)
      evox_colormap_sample ("classes3", k / 2.0, rgb[k]);
    g_assert_true (memcmp (rgb[0], rgb[1], 3) != 0 && memcmp (rgb[1], rgb[2], 3) != 0 &&
                   memcmp (rgb[0], rgb[2], 3) != 0);
  }
  assert_side_width (window);
  evox_test_close_window (window);
}

/* The class the straight channels' pore voxel (y, z) has along an axis: along x every channel
 * joins both faces; along z the channels at z 0..1 touch the low face only and those at z 4..5
 * neither (2 voxels of solid apart, so not even diagonal neighbours); 0 in the solid. */
static guint
channel_class (gsize y,
               gsize z,
               guint axis)
{
  if (!(y % 4 < 2 && z % 4 < 2))
    return 0;
  if (axis == 0)
    return 1;
  return z < 2 ? 2 : 3;
}

static void
assert_overlay (EvoxDocument *document,
                guint         axis)
{
  EvoxClusters *shown = evox_document_get_clusters (document);
  g_autofree char *name = g_strdup_printf ("Connected to both faces (%c)", "xyz"[axis]);

  g_assert_nonnull (shown);
  g_assert_cmpuint (evox_clusters_get_k (shown), ==, 3);
  g_assert_cmpstr (evox_clusters_get_name (shown, 1), ==, name);
  g_assert_cmpstr (evox_clusters_get_color (shown, 1), ==, "#0072b2");
  g_assert_cmpstr (evox_clusters_get_color (shown, 2), ==, "#e69f00");
  g_assert_cmpstr (evox_clusters_get_color (shown, 3), ==, "#cc79a7");
  for (gsize z = 0; z < NZ; z++)
    for (gsize y = 0; y < NY; y++)
      for (gsize x = 0; x < NX; x++)
        g_assert_cmpuint (evox_clusters_get_label (shown, x, y, z), ==, channel_class (y, z, axis));
  g_assert_true (evox_document_get_show_clusters (document));
}

/* Computes the page's table with percolation alone, waiting for it. */
static void
compute_percolation (EvoxMetricsPanel *panel)
{
  set_tortuosity (panel, FALSE);
  evox_metrics_panel_set_metric (panel, "percolation", TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.compute", NULL));
  g_assert_true (evox_test_wait_for (panel_idle, panel, 60));
  g_assert_null (_evox_metrics_panel_get_error (panel));
}

/* The user's own clusters: every voxel in cluster 1. */
static EvoxClusters *
user_clusters (void)
{
  g_autoptr (GError) error = NULL;
  guint16 *ids = _evox_alloc_large ((gsize) NX * NY * NZ * sizeof (guint16));
  EvoxClusters *clusters;

  for (gsize i = 0; i < (gsize) NX * NY * NZ; i++)
    ids[i] = 1;
  clusters = evox_clusters_new_take ((const gsize[3]) { NX, NY, NZ }, ids, 1, 0, NULL, NULL,
                                     NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return clusters;
}

/* Show Percolation: disabled before a table; a click on it puts the classes along z (then x, as
 * the axis list changes) over the volume as the document's clusters, voxel for voxel as the
 * geometry says, with the legend's shares; a second click gives back the clusters the user had;
 * clusters made while it shows turn it off and stay. */
static void
test_percolation_overlay (void)
{
  g_autoptr (EvoxVolume) volume = channels_volume ();
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxClusters) mine = NULL;
  EvoxWindow *window;
  EvoxDocument *document;
  EvoxMetricsPanel *panel;
  GtkWidget *button, *legend;
  const char *text;

  if (library_missing ())
    return;
  window = open_window (volume);
  document = evox_window_get_document (window);
  panel = EVOX_METRICS_PANEL (evox_window_get_metrics_panel (window));
  button = evox_test_find_named (GTK_WIDGET (panel), "show-percolation-button");
  legend = evox_test_find_named (GTK_WIDGET (panel), "percolation-legend");
  g_assert_nonnull (button);
  g_assert_nonnull (legend);

  mine = user_clusters ();
  g_assert_true (evox_document_set_clusters (document, mine));

  evox_test_wait_painted (button);
  g_assert_false (gtk_widget_get_sensitive (button));
  compute_percolation (panel);
  evox_test_wait_painted (button);
  g_assert_true (gtk_widget_get_sensitive (button));

  g_signal_emit_by_name (button, "clicked");
  g_assert_true (evox_metrics_panel_get_show_percolation (panel));
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button)));
  assert_overlay (document, 2);
  /* Along z: 64 of the 256 pore voxels at z 0..1 touch one face, the other 64 none: 50 % each. */
  g_assert_true (gtk_widget_get_visible (legend));
  text = gtk_label_get_text (GTK_LABEL (legend));
  g_test_message ("legend: %s", text);
  g_assert_nonnull (strstr (text, "Connected to both faces  0.0 %"));
  g_assert_nonnull (strstr (text, "Connected to one face  50.0 %"));
  g_assert_nonnull (strstr (text, "Isolated  50.0 %"));
  evox_test_wait_painted (GTK_WIDGET (window));
  evox_test_screenshot (GTK_WIDGET (window), "metrics-percolation-z");
  /* A figure carries it as it carries clusters: its legend lists the three classes. */
  {
    g_autofree char *dir = evox_test_tmpdir_new ();
    g_autofree char *svg = g_build_filename (dir, "figure.svg", NULL);
    g_autofree char *text_svg = NULL;

    evox_overlays_set_visible (evox_document_get_overlays (document), EVOX_OVERLAY_LEGEND, TRUE);
    g_assert_true (evox_window_export_figure_overlays (window, svg, 320, 240, FALSE, FALSE,
                                                       FALSE, TRUE, &error));
    g_assert_no_error (error);
    text_svg = read_file (svg);
    g_assert_nonnull (strstr (text_svg, "Connected to both faces (z)"));
    g_assert_nonnull (strstr (text_svg, "Connected to one face (z)"));
    g_assert_nonnull (strstr (text_svg, "Isolated (z)"));
    evox_overlays_set_visible (evox_document_get_overlays (document), EVOX_OVERLAY_LEGEND, FALSE);
    evox_test_tmpdir_free (g_steal_pointer (&dir));
  }

  evox_metrics_panel_set_percolation_axis (panel, 0);
  assert_overlay (document, 0);
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (legend)),
                            "Connected to both faces  100.0 %"));

  g_signal_emit_by_name (button, "clicked");
  g_assert_false (evox_metrics_panel_get_show_percolation (panel));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button)));
  g_assert_true (evox_document_get_clusters (document) == mine);
  g_assert_false (gtk_widget_get_visible (legend));

  /* Clusters made while it shows win: the overlay goes off and does not bring back `mine`. */
  g_signal_emit_by_name (button, "clicked");
  assert_overlay (document, 0);
  g_assert_true (evox_document_set_clusters (document, NULL));
  g_assert_false (evox_metrics_panel_get_show_percolation (panel));
  g_assert_null (evox_document_get_clusters (document));
  assert_side_width (window);
  evox_test_close_window (window);
}

/* The toggle, its axis and the legend as the overlay the document shows (along axis), or off. */
static void
assert_toggle (EvoxMetricsPanel *panel,
               GtkWidget        *button,
               GtkWidget        *legend,
               int               axis)
{
  GtkWidget *along = evox_test_find_named (GTK_WIDGET (panel), "percolation-axis-dropdown");

  g_assert_nonnull (along);
  /* The toggle follows the panel's action state; nothing here waits on a clock. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (evox_metrics_panel_get_show_percolation (panel), ==, axis >= 0);
  g_assert_cmpint (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button)), ==, axis >= 0);
  g_assert_cmpint (gtk_widget_get_visible (legend), ==, axis >= 0);
  if (axis >= 0)
    g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (along)), ==, (guint) axis);
}

typedef struct
{
  EvoxHistory *history;
  guint        n_undo;
} StepWait;

static gboolean
step_recorded (gpointer data)
{
  StepWait *wait = data;

  return evox_history_get_n_undo (wait->history) == wait->n_undo;
}

/* A check for evox_test_wait_for: the history has recorded every change it noticed. */
static gboolean
history_settled (gpointer history)
{
  return !_evox_history_get_pending (history);
}

/* The history records a change when the main loop is next idle: waits for the nth step, then
 * checks its name. */
static void
wait_for_step (EvoxHistory *history,
               guint        n_undo,
               const char  *name)
{
  StepWait wait = { history, n_undo };

  g_assert_true (evox_test_wait_for (step_recorded, &wait, 60));
  g_assert_cmpstr (evox_history_get_undo_name (history), ==, name);
}

/* Edit > Undo and Redo of Show Percolation, its axis and Hide Percolation, named so in the menu:
 * the overlay comes and goes as the document's clusters, and the toggle, the axis and the legend
 * follow it (they stayed off while the overlay was back on the volume, and a second toggle
 * then could not take it away). */
static void
test_percolation_undo (void)
{
  g_autoptr (EvoxVolume) volume = channels_volume ();
  EvoxWindow *window;
  EvoxDocument *document;
  EvoxMetricsPanel *panel;
  EvoxHistory *history;
  GtkWidget *button, *legend;

  if (library_missing ())
    return;
  window = open_window (volume);
  document = evox_window_get_document (window);
  history = window->history;
  panel = EVOX_METRICS_PANEL (evox_window_get_metrics_panel (window));
  button = evox_test_find_named (GTK_WIDGET (panel), "show-percolation-button");
  legend = evox_test_find_named (GTK_WIDGET (panel), "percolation-legend");
  compute_percolation (panel);
  evox_test_wait_painted (button);

  g_signal_emit_by_name (button, "clicked");
  assert_toggle (panel, button, legend, 2);
  wait_for_step (history, 1, "Show Percolation");
  evox_metrics_panel_set_percolation_axis (panel, 0);
  assert_overlay (document, 0);
  wait_for_step (history, 2, "Change Percolation Axis");
  g_signal_emit_by_name (button, "clicked");
  assert_toggle (panel, button, legend, -1);
  g_assert_null (evox_document_get_clusters (document));
  wait_for_step (history, 3, "Hide Percolation");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  assert_overlay (document, 0);
  assert_toggle (panel, button, legend, 0);
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (legend)),
                            "Connected to both faces  100.0 %"));
  /* The axis change undone: the overlay along z again, the drop-down with it. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  assert_overlay (document, 2);
  assert_toggle (panel, button, legend, 2);
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (legend)),
                            "Connected to one face  50.0 %"));
  g_assert_cmpstr (evox_history_get_undo_name (history), ==, "Show Percolation");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_null (evox_document_get_clusters (document));
  assert_toggle (panel, button, legend, -1);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.redo", NULL));
  assert_overlay (document, 2);
  assert_toggle (panel, button, legend, 2);
  /* Back on through Redo, the toggle takes it away again. */
  g_signal_emit_by_name (button, "clicked");
  assert_toggle (panel, button, legend, -1);
  g_assert_null (evox_document_get_clusters (document));
  assert_side_width (window);
  evox_test_close_window (window);
}

/* The user's clusters under the overlay come back when the toggle takes away an overlay that
 * Redo put back (they were lost: the page knew only what it had replaced itself). */
static void
test_percolation_redo_keeps_clusters (void)
{
  g_autoptr (EvoxVolume) volume = channels_volume ();
  g_autoptr (EvoxClusters) mine = NULL;
  EvoxWindow *window;
  EvoxDocument *document;
  EvoxMetricsPanel *panel;
  EvoxHistory *history;
  GtkWidget *button, *legend;
  guint n_undo;

  if (library_missing ())
    return;
  window = open_window (volume);
  document = evox_window_get_document (window);
  history = window->history;
  panel = EVOX_METRICS_PANEL (evox_window_get_metrics_panel (window));
  button = evox_test_find_named (GTK_WIDGET (panel), "show-percolation-button");
  legend = evox_test_find_named (GTK_WIDGET (panel), "percolation-legend");
  mine = user_clusters ();
  g_assert_true (evox_document_set_clusters (document, mine));
  compute_percolation (panel);
  g_assert_true (evox_test_wait_for (history_settled, history, 60));
  n_undo = evox_history_get_n_undo (history);

  g_signal_emit_by_name (button, "clicked");
  assert_overlay (document, 2);
  wait_for_step (history, n_undo + 1, "Show Percolation");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.undo", NULL));
  g_assert_true (evox_document_get_clusters (document) == mine);
  assert_toggle (panel, button, legend, -1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.redo", NULL));
  assert_overlay (document, 2);
  assert_toggle (panel, button, legend, 2);
  g_signal_emit_by_name (button, "clicked");
  assert_toggle (panel, button, legend, -1);
  g_assert_true (evox_document_get_clusters (document) == mine);
  evox_test_close_window (window);
}

/* A share that rounds to 100.0 % but is not all of the phase reads "> 99.9 %" beside the
 * "< 0.1 %" of the rest (it read "100.0 %" beside an isolated class): a 20^3 pore volume with
 * one pore voxel walled in by its 26 neighbours, 7973 of 7974 pore voxels joined to both faces. */
static void
test_percolation_legend_shares (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = evox_volume_new (20, 20, 20, 1, EVOX_SAMPLE_U8, &error);
  EvoxWindow *window;
  EvoxMetricsPanel *panel;
  GtkWidget *button, *legend;
  const char *text;
  guint8 *data;

  g_assert_no_error (error);
  if (library_missing ())
    return;
  data = evox_volume_get_data_mut (volume, 0);
  memset (data, 0, 20 * 20 * 20);
  for (int dz = -1; dz <= 1; dz++)
    for (int dy = -1; dy <= 1; dy++)
      for (int dx = -1; dx <= 1; dx++)
        if (dx != 0 || dy != 0 || dz != 0)
          data[((10 + dz) * 20 + 10 + dy) * 20 + 10 + dx] = 200;
  evox_volume_freeze (volume);
  window = open_window (volume);
  panel = EVOX_METRICS_PANEL (evox_window_get_metrics_panel (window));
  button = evox_test_find_named (GTK_WIDGET (panel), "show-percolation-button");
  legend = evox_test_find_named (GTK_WIDGET (panel), "percolation-legend");
  compute_percolation (panel);
  g_signal_emit_by_name (button, "clicked");
  text = gtk_label_get_text (GTK_LABEL (legend));
  g_test_message ("legend: %s", text);
  g_assert_nonnull (strstr (text, "Connected to both faces  > 99.9 %"));
  g_assert_nonnull (strstr (text, "Connected to one face  0.0 %"));
  g_assert_nonnull (strstr (text, "Isolated  < 0.1 %"));
  evox_test_close_window (window);
}

static gboolean
has_clusters (gpointer window)
{
  return evox_document_get_clusters (evox_window_get_document (window)) != NULL;
}

/* A session saved while the overlay shows (along z, of the pores [0, 50]) brings it back in a
 * new window: the same three classes voxel for voxel, made again from the phase and axis the
 * overlay records (no clustering run can make them). */
static void
test_percolation_session (void)
{
  g_autoptr (EvoxVolume) volume = channels_volume ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "channels.tif", NULL);
  g_autofree char *session = g_build_filename (dir, "channels.evox", NULL);
  g_autoptr (GFile) session_file = g_file_new_for_path (session);
  g_autoptr (EvoxPhase) pore = evox_phase_new ("pore", 0, 50, "#3584e4");
  EvoxWindow *first, *second;
  EvoxMetricsPanel *panel;
  EvoxClusters *shown;

  if (library_missing ())
    return;
  g_assert_true (evox_tiff_write (volume, 0, tiff, EVOX_TIFF_WRITE_OVERWRITE, &error));
  g_assert_no_error (error);
  first = evox_test_open_file (tiff);
  evox_phase_list_append (evox_document_get_phases (evox_window_get_document (first)), pore);
  evox_window_show_page (first, "metrics");
  panel = EVOX_METRICS_PANEL (evox_window_get_metrics_panel (first));
  set_tortuosity (panel, FALSE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.compute", NULL));
  g_assert_true (evox_test_wait_for (panel_idle, panel, 60));
  evox_metrics_panel_set_show_percolation (panel, TRUE);
  assert_overlay (evox_window_get_document (first), 2);
  shown = evox_document_get_clusters (evox_window_get_document (first));
  g_assert_cmpstr (evox_clusters_get_info (shown, "percolation.ranges"), ==, "0:50");
  g_assert_true (evox_window_save_session (first, session, FALSE, &error));
  g_assert_no_error (error);

  second = g_object_new (EVOX_TYPE_WINDOW, NULL);
  gtk_window_present (GTK_WINDOW (second));
  evox_window_open_file (second, session_file, NULL);
  g_assert_true (evox_test_wait_for (has_clusters, second, 60));
  g_assert_null (evox_window_get_error (second));
  assert_overlay (evox_window_get_document (second), 2);
  g_assert_cmpstr (evox_clusters_get_info (evox_document_get_clusters (
                     evox_window_get_document (second)), "source"), ==, "percolation");
  /* What the session restores is where the history starts: nothing to undo once the history
   * has looked at the restored document (it records on idle), and the toggle shows the overlay
   * it brought. */
  evox_history_flush (second->history);
  g_assert_cmpuint (evox_history_get_n_undo (second->history), ==, 0);
  g_assert_true (evox_metrics_panel_get_show_percolation (
                   EVOX_METRICS_PANEL (evox_window_get_metrics_panel (second))));
  evox_test_close_window (second);
  evox_test_close_window (first);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static gboolean
has_table (gpointer panel)
{
  return evox_metrics_panel_get_metrics (panel) != NULL && !evox_metrics_panel_get_busy (panel);
}

/* Every metric the page offers, on the pores [0, 50] with the solid [150, 255] as second phase
 * and as the interface's other side: File > Save Session records the request, a new window that
 * opens the session puts the settings back and computes the same table, `evox apply` of the
 * session writes what `evox metrics` with the same options writes (the oracle: the command line
 * run here), and Methods… names the parameters. */
static void
test_session_metrics (void)
{
  g_autoptr (EvoxVolume) volume = channels_volume ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "channels.tif", NULL);
  g_autofree char *session = g_build_filename (dir, "metrics.evox", NULL);
  g_autofree char *direct = g_build_filename (dir, "direct.csv", NULL);
  g_autofree char *page_csv = g_build_filename (dir, "page.csv", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *applied = g_build_filename (out, "channels", "metrics.csv", NULL);
  g_autofree char *methods = NULL;
  g_autoptr (GFile) session_file = g_file_new_for_path (session);
  g_autoptr (EvoxPhase) pore = evox_phase_new ("pore", 0, 50, "#3584e4");
  g_autoptr (EvoxPhase) solid = evox_phase_new ("solid", 150, 255, "#e01b24");
  EvoxMetricsRequest request;
  EvoxWindow *first, *second;
  EvoxMetricsPanel *panel, *again;
  EvoxMetrics *before, *after;

  if (library_missing ())
    return;
  g_assert_true (evox_tiff_write (volume, 0, tiff, EVOX_TIFF_WRITE_OVERWRITE, &error));
  g_assert_no_error (error);
  first = evox_test_open_file (tiff);
  evox_phase_list_append (evox_document_get_phases (evox_window_get_document (first)), pore);
  evox_phase_list_append (evox_document_get_phases (evox_window_get_document (first)), solid);
  evox_window_show_page (first, "metrics");
  panel = EVOX_METRICS_PANEL (evox_window_get_metrics_panel (first));
  evox_metrics_panel_set_phase_checked (panel, 0, TRUE);
  set_tortuosity (panel, FALSE);
  evox_metrics_panel_set_metric (panel, "tortuosity-x", TRUE);
  evox_metrics_panel_set_tolerance (panel, 1e-6);
  evox_metrics_panel_set_second (panel, 1, 0.25);
  evox_metrics_panel_set_metric (panel, "second", TRUE);
  evox_metrics_panel_set_metric (panel, "percolation", TRUE);
  evox_metrics_panel_set_other (panel, 1);
  evox_metrics_panel_set_surface_methods (panel, EVOX_AREA_CROFTON | EVOX_AREA_MESH);
  evox_metrics_panel_set_metric (panel, "surface", TRUE);
  evox_metrics_panel_set_metric (panel, "thickness", TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.compute", NULL));
  g_assert_true (evox_test_wait_for (panel_idle, panel, 60));
  g_assert_null (_evox_metrics_panel_get_error (panel));
  before = evox_metrics_panel_get_metrics (panel);
  g_assert_nonnull (before);
  g_assert_true (evox_metrics_panel_export_csv (panel, page_csv, FALSE, &error));
  g_assert_no_error (error);

  /* Methods… names the tolerance, the axes and the phases' ranges the page used. */
  {
    GtkWindow *shown = evox_test_show_methods (first);

    methods = evox_test_dup_methods_text (shown);
    gtk_window_destroy (shown);
  }
  g_test_message ("%s", methods);
  g_assert_nonnull (strstr (methods, "Electrode metrics. The phase \"pore\" [0, 50]"));
  g_assert_nonnull (strstr (methods, "along x by steady-state diffusion"));
  g_assert_nonnull (strstr (methods, "to a relative residual of 1e-06"));
  g_assert_nonnull (strstr (methods, "the second phase \"solid\" [150, 255] conducting with "
                            "a relative diffusivity of 0.25"));
  g_assert_nonnull (strstr (methods, "with 26-connectivity"));
  g_assert_nonnull (strstr (methods, "interface with \"solid\" [150, 255] (Crofton"));
  g_assert_nonnull (strstr (methods, "local thickness"));

  g_assert_true (evox_window_save_session (first, session, FALSE, &error));
  g_assert_no_error (error);

  /* A new window computes the table again from the session, with the page's settings back. */
  second = g_object_new (EVOX_TYPE_WINDOW, NULL);
  gtk_window_present (GTK_WINDOW (second));
  evox_window_open_file (second, session_file, NULL);
  again = EVOX_METRICS_PANEL (evox_window_get_metrics_panel (second));
  g_assert_true (evox_test_wait_for (has_table, again, 60));
  g_assert_null (evox_window_get_error (second));
  g_assert_null (_evox_metrics_panel_get_error (again));
  after = evox_metrics_panel_get_metrics (again);
  g_assert_cmpuint (evox_metrics_get_n_rows (after), ==, evox_metrics_get_n_rows (before));
  for (guint i = 0; i < evox_metrics_get_n_rows (before); i++)
    {
      const EvoxMetricsRow *want = evox_metrics_get_row (before, i);
      const EvoxMetricsRow *got = evox_metrics_get_row (after, i);

      g_assert_cmpstr (got->metric, ==, want->metric);
      g_assert_cmpstr (got->phase, ==, want->phase);
      g_assert_cmpstr (got->axis, ==, want->axis);
      if (isinf (want->value) || isnan (want->value))
        g_assert_cmpint (fpclassify (got->value), ==, fpclassify (want->value));
      else
        g_assert_cmpfloat_with_epsilon (got->value, want->value,
                                        1e-9 * MAX (1.0, fabs (want->value)));
      for (guint c = 0; c < 4; c++)
        g_assert_cmpstr (_evox_metrics_panel_get_cell (again, i + 1, c), ==,
                         _evox_metrics_panel_get_cell (panel, i + 1, c));
    }
  g_assert_true (evox_metrics_panel_get_request (again, &request, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (request.phase.name, ==, "pore");
  g_assert_true (request.tortuosity[0] && !request.tortuosity[1] && !request.tortuosity[2]);
  g_assert_cmpfloat (request.tolerance, ==, 1e-6);
  g_assert_true (request.two_phase);
  g_assert_cmpstr (request.second.name, ==, "solid");
  g_assert_cmpfloat (request.second_diffusivity, ==, 0.25);
  g_assert_true (request.percolation && request.surface && request.thickness);
  g_assert_cmpstr (request.other.name, ==, "solid");
  g_assert_cmpuint (request.surface_methods, ==, EVOX_AREA_CROFTON | EVOX_AREA_MESH);
  evox_metrics_request_clear (&request);
  /* Computing again is part of opening, not a step to undo. */
  evox_history_flush (second->history);
  g_assert_cmpuint (evox_history_get_n_undo (second->history), ==, 0);
  evox_test_close_window (second);
  evox_test_close_window (first);

  /* evox apply of the window's session measures as the command line does, and as the page. */
  {
    g_auto (EvoxTestRun) run = evox_test_run_evox ("metrics", tiff, "--phase", "pore=0:50",
                                                   "--tortuosity", "x", "--tolerance", "1e-6",
                                                   "--second", "solid=150:255",
                                                   "--second-diffusivity", "0.25",
                                                   "--percolation", "--surface",
                                                   "solid=150:255", "--surface-method",
                                                   "crofton,mesh", "--sizes", "--csv", direct,
                                                   NULL);
    evox_test_assert_ok (&run);
  }
  {
    g_auto (EvoxTestRun) run = evox_test_run_evox ("apply", session, tiff, "--outdir", out,
                                                   NULL);
    evox_test_assert_ok (&run);
  }
  evox_test_assert_same_file (direct, applied);
  evox_test_assert_same_file (direct, page_csv);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* 8 x 12 x 8 voxels of solid (200) with two pore paths (0) from the z = 0 face to the z = 7 face:
 * A steps along the body diagonal (x = y = z), its voxels touching at corners only, so it is one
 * component with 26-connectivity and eight with 18 or 6; B steps along a face diagonal (y = 10,
 * x = z), its voxels touching at edges, one component with 26 or 18, eight with 6. The two paths
 * stay at least two voxels apart. */
#define DX 8
#define DY 12
#define DZ 8

static gboolean
diagonal_a (gsize x,
            gsize y,
            gsize z)
{
  return x == y && y == z;
}

static gboolean
diagonal_b (gsize x,
            gsize y,
            gsize z)
{
  return y == 10 && x == z;
}

static EvoxVolume *
diagonal_volume (void)
{
  g_autoptr (GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (DX, DY, DZ, 1, EVOX_SAMPLE_U8, &error);
  guint8 *data;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 0; z < DZ; z++)
    for (gsize y = 0; y < DY; y++)
      for (gsize x = 0; x < DX; x++)
        data[(z * DY + y) * DX + x] = diagonal_a (x, y, z) || diagonal_b (x, y, z) ? 0 : 200;
  evox_volume_freeze (volume);
  return volume;
}

/* The percolation class along z of a voxel of the diagonal volume (1 both faces, 2 one face,
 * 3 isolated, 0 solid), from the geometry: a path that stays one component joins both faces;
 * one that falls apart leaves each voxel alone, those on the z = 0 and z = 7 faces touching one
 * face and the rest isolated. */
static guint
diagonal_class (gsize x,
                gsize y,
                gsize z,
                int   connectivity)
{
  gboolean joined;

  if (diagonal_a (x, y, z))
    joined = connectivity == 26;
  else if (diagonal_b (x, y, z))
    joined = connectivity >= 18;
  else
    return 0;
  if (joined)
    return 1;
  return z == 0 || z == DZ - 1 ? 2 : 3;
}

/* The shares of the pores in each class along z as diagonal_class counts them. */
static void
diagonal_shares (int    connectivity,
                 double shares[4])
{
  guint counts[4] = { 0, 0, 0, 0 };
  guint n = 0;

  for (gsize z = 0; z < DZ; z++)
    for (gsize y = 0; y < DY; y++)
      for (gsize x = 0; x < DX; x++)
        counts[diagonal_class (x, y, z, connectivity)]++;
  n = counts[1] + counts[2] + counts[3];
  g_assert_cmpuint (n, ==, 2 * DZ);
  for (guint k = 1; k < 4; k++)
    shares[k] = (double) counts[k] / n;
}

/* The page's percolation rows along z against diagonal_shares, with the connectivity's note. */
static void
assert_diagonal_rows (EvoxMetricsPanel *panel,
                      int               connectivity)
{
  static const char *const metrics[4] = { NULL, "percolating_fraction", "one_face_fraction",
                                          "isolated_fraction" };
  g_autofree char *note = g_strdup_printf ("%d-connected, share of the phase's voxels",
                                           connectivity);
  EvoxMetrics *shown = evox_metrics_panel_get_metrics (panel);
  double shares[4];

  g_assert_nonnull (shown);
  diagonal_shares (connectivity, shares);
  for (guint k = 1; k < 4; k++)
    {
      const EvoxMetricsRow *row = find_row (shown, metrics[k], "z");

      g_assert_nonnull (row);
      g_test_message ("%d-connectivity: %s %g", connectivity, metrics[k], row->value);
      g_assert_cmpfloat_with_epsilon (row->value, shares[k], 1e-12);
      g_assert_cmpstr (row->note, ==, note);
    }
}

/* The overlay's classes along z voxel for voxel as diagonal_class gives them, and the
 * connectivity it records for sessions. */
static void
assert_diagonal_overlay (EvoxDocument *document,
                         int           connectivity)
{
  EvoxClusters *shown = evox_document_get_clusters (document);
  g_autofree char *text = g_strdup_printf ("%d", connectivity);

  g_assert_nonnull (shown);
  g_assert_cmpstr (evox_clusters_get_info (shown, "percolation.connectivity"), ==, text);
  for (gsize z = 0; z < DZ; z++)
    for (gsize y = 0; y < DY; y++)
      for (gsize x = 0; x < DX; x++)
        g_assert_cmpuint (evox_clusters_get_label (shown, x, y, z), ==,
                          diagonal_class (x, y, z, connectivity));
}

/* The connectivity beside Percolation: 26 at first; the list's 6 makes the page measure 6-connected
 * components, whose shares differ from 26's on the diagonal paths (the geometry's numbers), and
 * its CSV is what `evox metrics --connectivity 6` writes; 18 and 26 follow, each with the
 * overlay made of its own classes; the side panel keeps its width. */
static void
test_percolation_connectivity (void)
{
  g_autoptr (EvoxVolume) volume = diagonal_volume ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "diagonal.tif", NULL);
  g_autofree char *direct = g_build_filename (dir, "direct.csv", NULL);
  g_autofree char *page_csv = g_build_filename (dir, "page.csv", NULL);
  EvoxMetricsRequest request;
  EvoxWindow *window;
  EvoxMetricsPanel *panel;
  GtkWidget *dropdown;

  if (library_missing ())
    return;
  window = open_window (volume);
  panel = EVOX_METRICS_PANEL (evox_window_get_metrics_panel (window));
  dropdown = evox_test_find_named (GTK_WIDGET (panel), "percolation-connectivity-dropdown");
  g_assert_nonnull (dropdown);
  g_assert_cmpint (evox_metrics_panel_get_connectivity (panel), ==, 26);
  g_assert_true (evox_metrics_panel_get_request (panel, &request, &error));
  g_assert_no_error (error);
  g_assert_cmpint (request.connectivity, ==, 26);
  evox_metrics_request_clear (&request);

  /* 6, chosen in the list as a user does */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), 0);
  g_assert_cmpint (evox_metrics_panel_get_connectivity (panel), ==, 6);
  compute_percolation (panel);
  assert_diagonal_rows (panel, 6);
  g_assert_true (evox_metrics_panel_export_csv (panel, page_csv, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (evox_tiff_write (volume, 0, tiff, EVOX_TIFF_WRITE_OVERWRITE, &error));
  g_assert_no_error (error);
  {
    g_auto (EvoxTestRun) run = evox_test_run_evox ("metrics", tiff, "--phase", "pore=0:50",
                                                   "--percolation", "--connectivity", "6",
                                                   "--csv", direct, NULL);
    evox_test_assert_ok (&run);
  }
  evox_test_assert_same_file (direct, page_csv);
  evox_metrics_panel_set_show_percolation (panel, TRUE);
  assert_diagonal_overlay (evox_window_get_document (window), 6);

  /* 18 and 26: the table and the overlay shown over it follow */
  evox_metrics_panel_set_connectivity (panel, EVOX_CONNECTIVITY_18);
  compute_percolation (panel);
  assert_diagonal_rows (panel, 18);
  assert_diagonal_overlay (evox_window_get_document (window), 18);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), 2);
  compute_percolation (panel);
  assert_diagonal_rows (panel, 26);
  assert_diagonal_overlay (evox_window_get_document (window), 26);

  assert_side_width (window);
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A session saved with 18-connectivity names it in its record and in Methods…; a new window
 * that opens it puts 18 back beside Percolation and computes the 18-connected shares again, the
 * overlay too, and `evox apply` of the session writes the page's CSV. */
static void
test_session_connectivity (void)
{
  g_autoptr (EvoxVolume) volume = diagonal_volume ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "diagonal.tif", NULL);
  g_autofree char *session = g_build_filename (dir, "diagonal.evox", NULL);
  g_autofree char *page_csv = g_build_filename (dir, "page.csv", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *applied = g_build_filename (out, "diagonal", "metrics.csv", NULL);
  g_autofree char *methods = NULL;
  g_autoptr (GFile) session_file = g_file_new_for_path (session);
  g_autoptr (EvoxPhase) pore = evox_phase_new ("pore", 0, 50, "#3584e4");
  g_autoptr (EvoxSession) saved = NULL;
  EvoxMetricsRequest request;
  EvoxWindow *first, *second;
  EvoxMetricsPanel *panel, *again;
  JsonObject *record;

  if (library_missing ())
    return;
  g_assert_true (evox_tiff_write (volume, 0, tiff, EVOX_TIFF_WRITE_OVERWRITE, &error));
  g_assert_no_error (error);
  first = evox_test_open_file (tiff);
  evox_phase_list_append (evox_document_get_phases (evox_window_get_document (first)), pore);
  evox_window_show_page (first, "metrics");
  panel = EVOX_METRICS_PANEL (evox_window_get_metrics_panel (first));
  evox_metrics_panel_set_connectivity (panel, EVOX_CONNECTIVITY_18);
  compute_percolation (panel);
  assert_diagonal_rows (panel, 18);
  evox_metrics_panel_set_show_percolation (panel, TRUE);
  g_assert_true (evox_metrics_panel_export_csv (panel, page_csv, FALSE, &error));
  g_assert_no_error (error);
  {
    GtkWindow *shown = evox_test_show_methods (first);

    methods = evox_test_dup_methods_text (shown);
    gtk_window_destroy (shown);
  }
  g_test_message ("%s", methods);
  g_assert_nonnull (strstr (methods, "percolation (shares connected to both faces, one or "
                            "neither) with 18-connectivity"));
  g_assert_nonnull (strstr (methods, "by how their 18-connected components reach"));
  g_assert_null (strstr (methods, "26-connect"));
  g_assert_true (evox_window_save_session (first, session, FALSE, &error));
  g_assert_no_error (error);
  saved = evox_session_load (session, &error);
  g_assert_no_error (error);
  record = evox_json_get_object (evox_session_get_root (saved), "metrics");
  g_assert_nonnull (record);
  g_assert_cmpint (json_object_get_int_member (record, "connectivity"), ==, 18);

  second = g_object_new (EVOX_TYPE_WINDOW, NULL);
  gtk_window_present (GTK_WINDOW (second));
  evox_window_open_file (second, session_file, NULL);
  again = EVOX_METRICS_PANEL (evox_window_get_metrics_panel (second));
  g_assert_true (evox_test_wait_for (has_table, again, 60));
  g_assert_null (evox_window_get_error (second));
  g_assert_null (_evox_metrics_panel_get_error (again));
  g_assert_cmpint (evox_metrics_panel_get_connectivity (again), ==, 18);
  g_assert_true (evox_metrics_panel_get_request (again, &request, &error));
  g_assert_no_error (error);
  g_assert_cmpint (request.connectivity, ==, 18);
  g_assert_true (request.percolation);
  evox_metrics_request_clear (&request);
  assert_diagonal_rows (again, 18);
  assert_diagonal_overlay (evox_window_get_document (second), 18);
  evox_test_close_window (second);
  evox_test_close_window (first);

  {
    g_auto (EvoxTestRun) run = evox_test_run_evox ("apply", session, tiff, "--outdir", out,
                                                   NULL);
    evox_test_assert_ok (&run);
  }
  evox_test_assert_same_file (page_csv, applied);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A copy of a record, to change without changing the page's. */
static JsonObject *
record_copy (JsonObject *record)
{
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), record);
  g_autofree char *text = json_to_string (node, FALSE);
  g_autoptr (JsonNode) parsed = NULL;
  g_autoptr (GError) error = NULL;

  parsed = json_from_string (text, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (parsed));
}

/* A record whose percolation asks a connectivity other than 6, 18 or 26 (12, 26.5, a string) is
 * refused with the reason, the page as it was: its connectivity, its table, nothing computing.
 * Without percolation the value is not used (`evox apply` does not pass it on): the record is
 * computed, the connectivity left as it was. */
static void
test_connectivity_refused (void)
{
  g_autoptr (EvoxVolume) volume = diagonal_volume ();
  g_autoptr (JsonObject) record = NULL;
  g_autoptr (JsonObject) unused = NULL;
  EvoxWindow *window;
  EvoxMetricsPanel *panel;
  EvoxMetrics *table;

  if (library_missing ())
    return;
  window = open_window (volume);
  panel = EVOX_METRICS_PANEL (evox_window_get_metrics_panel (window));
  evox_metrics_panel_set_connectivity (panel, EVOX_CONNECTIVITY_6);
  compute_percolation (panel);
  table = evox_metrics_panel_get_metrics (panel);
  record = evox_metrics_panel_dup_record (panel);
  g_assert_nonnull (record);
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr (JsonObject) bad = record_copy (record);
      g_autoptr (GError) error = NULL;

      if (i == 0)
        json_object_set_int_member (bad, "connectivity", 12);
      else if (i == 1)
        json_object_set_double_member (bad, "connectivity", 26.5);
      else if (i == 2)
        json_object_set_string_member (bad, "connectivity", "six");
      else
        json_object_set_null_member (bad, "connectivity");
      g_assert_false (evox_metrics_panel_compute_record (panel, bad, &error));
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, "connectivity"));
      g_assert_nonnull (strstr (error->message, "6, 18 or 26"));
      if (i == 0)
        g_assert_cmpstr (error->message, ==,
                         "its percolation connectivity 12 is not 6, 18 or 26");
      g_assert_false (evox_metrics_panel_get_busy (panel));
      g_assert_true (evox_metrics_panel_get_metrics (panel) == table);
      g_assert_cmpint (evox_metrics_panel_get_connectivity (panel), ==, 6);
    }

  unused = record_copy (record);
  json_object_set_int_member (unused, "connectivity", 12);
  json_object_set_boolean_member (unused, "percolation", FALSE);
  g_assert_true (evox_metrics_panel_compute_record (panel, unused, NULL));
  g_assert_true (evox_test_wait_for (panel_idle, panel, 60));
  g_assert_null (_evox_metrics_panel_get_error (panel));
  g_assert_null (find_row (evox_metrics_panel_get_metrics (panel), "percolating_fraction", "z"));
  g_assert_cmpint (evox_metrics_panel_get_connectivity (panel), ==, 6);
  evox_test_close_window (window);
}

static gboolean
window_restored (gpointer window)
{
  return evox_test_window_loaded (window) && evox_window_get_error (window) != NULL;
}

/* A record the page cannot compute (an `evox metrics` one: its phase is not in the window's
 * list) is said, left in the session for `evox apply` with its 18-connectivity, and the page
 * computes nothing. */
static void
test_session_metrics_refused (void)
{
  g_autoptr (EvoxVolume) volume = channels_volume ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "channels.tif", NULL);
  g_autofree char *session = g_build_filename (dir, "cli.evox", NULL);
  g_autofree char *saved = g_build_filename (dir, "saved.evox", NULL);
  g_autoptr (GFile) session_file = g_file_new_for_path (session);
  g_autoptr (EvoxSession) reloaded = NULL;
  EvoxWindow *window;
  JsonObject *record;

  g_assert_true (evox_tiff_write (volume, 0, tiff, EVOX_TIFF_WRITE_OVERWRITE, &error));
  g_assert_no_error (error);
  {
    g_auto (EvoxTestRun) run = evox_test_run_evox ("metrics", tiff, "--phase", "pore=0:50",
                                                   "--percolation", "--connectivity", "18",
                                                   "--session", session, NULL);
    evox_test_assert_ok (&run);
  }
  window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  gtk_window_present (GTK_WINDOW (window));
  evox_window_open_file (window, session_file, NULL);
  g_assert_true (evox_test_wait_for (window_restored, window, 60));
  g_test_message ("%s", evox_window_get_error (window));
  g_assert_nonnull (strstr (evox_window_get_error (window), "“pore” is not among the phases"));
  g_assert_nonnull (strstr (evox_window_get_error (window), "evox apply runs them"));
  g_assert_false (evox_metrics_panel_get_busy (
                    EVOX_METRICS_PANEL (evox_window_get_metrics_panel (window))));
  g_assert_true (evox_window_save_session (window, saved, FALSE, &error));
  g_assert_no_error (error);
  reloaded = evox_session_load (saved, &error);
  g_assert_no_error (error);
  record = evox_json_get_object (evox_session_get_root (reloaded), "metrics");
  g_assert_nonnull (record);
  g_assert_cmpint (json_object_get_int_member (record, "connectivity"), ==, 18);
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* No phase checked, and a phase without voxels: an error line, no table. */
static void
test_errors (void)
{
  g_autoptr (EvoxVolume) volume = channels_volume ();
  EvoxWindow *window = open_window (volume);
  EvoxMetricsPanel *panel = EVOX_METRICS_PANEL (evox_window_get_metrics_panel (window));
  const char *message;

  evox_metrics_panel_set_phase_checked (panel, 0, FALSE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.compute", NULL));
  g_assert_false (evox_metrics_panel_get_busy (panel));
  message = _evox_metrics_panel_get_error (panel);
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, "Check the phase"));

  evox_metrics_panel_set_phase_checked (panel, 2, TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "metrics.compute", NULL));
  g_assert_true (evox_test_wait_for (panel_idle, panel, 60));
  message = _evox_metrics_panel_get_error (panel);
  g_assert_nonnull (message);
  g_test_message ("empty phase: %s", message);
  if (!library_missing ())
    g_assert_nonnull (strstr (message, "empty"));
  g_assert_null (evox_metrics_panel_get_metrics (panel));
  g_assert_null (_evox_metrics_panel_get_cell (panel, 0, 0));
  evox_test_close_window (window);
}

int
main (int    argc,
      char **argv)
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;
  g_test_add_func ("/Evox/MetricsPage/table", test_table);
  g_test_add_func ("/Evox/MetricsPage/union", test_union);
  g_test_add_func ("/Evox/MetricsPage/second-phase", test_second_phase);
  g_test_add_func ("/Evox/MetricsPage/cancel", test_cancel);
  g_test_add_func ("/Evox/MetricsPage/thickness-map", test_thickness_map);
  g_test_add_func ("/Evox/MetricsPage/fields", test_fields);
  g_test_add_func ("/Evox/MetricsPage/fields-not-percolating", test_fields_not_percolating);
  g_test_add_func ("/Evox/MetricsPage/percolation-overlay", test_percolation_overlay);
  g_test_add_func ("/Evox/MetricsPage/percolation-undo", test_percolation_undo);
  g_test_add_func ("/Evox/MetricsPage/percolation-redo-keeps-clusters",
                   test_percolation_redo_keeps_clusters);
  g_test_add_func ("/Evox/MetricsPage/percolation-legend-shares",
                   test_percolation_legend_shares);
  g_test_add_func ("/Evox/MetricsPage/percolation-session", test_percolation_session);
  g_test_add_func ("/Evox/MetricsPage/session-metrics", test_session_metrics);
  g_test_add_func ("/Evox/MetricsPage/session-metrics-refused", test_session_metrics_refused);
  g_test_add_func ("/Evox/MetricsPage/percolation-connectivity", test_percolation_connectivity);
  g_test_add_func ("/Evox/MetricsPage/session-connectivity", test_session_connectivity);
  g_test_add_func ("/Evox/MetricsPage/connectivity-refused", test_connectivity_refused);
  g_test_add_func ("/Evox/MetricsPage/errors", test_errors);
  return g_test_run ();
}
