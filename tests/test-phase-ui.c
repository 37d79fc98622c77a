/* test-phase-ui.c: phases in the window under Xvfb: dragging a band edge on the histogram changes
 * the highlighted canvas pixels and the fraction label; typed edges in both forms; Suggest;
 * hovering a particle selects it; File > Export data writes what the document holds; phases
 * given on the command line. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "evox-canvas.h"
#include "evox-csv.h"
#include "evox-histogram-view-private.h"
#include "evox-loader.h"
#include "evox-particle-panel.h"
#include "evox-phase-panel.h"
#include "evox-test-ui.h"
#include "evox-test-tiff.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-window.h"

#define N 64

/* The descendant built from the template object with this id. */
static GtkWidget *
find_widget (GtkWidget  *root,
             const char *id)
{
  if (g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (root)), id) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, id);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* A u8 volume whose value is 4 x (so each value 0, 4, ..., 252 fills one x column). */
static char *
write_ramp (const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = evox_volume_new (N, N, N, 1, EVOX_SAMPLE_U8, &error);
  char *path = g_build_filename (dir, "ramp.tif", NULL);
  guint8 *data;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize i = 0; i < (gsize) N * N * N; i++)
    data[i] = (guint8) (4 * (i % N));
  evox_volume_freeze (volume);
  g_assert_true (evox_tiff_write (volume, 0, path, 0, &error));
  g_assert_no_error (error);
  return path;
}

/* Among the canvas pixels that show the slice, the share drawn in pure red (the phase colour at
 * full opacity); the rest must be colour-map colours. */
static double
red_share (EvoxDocument *document,
           EvoxTestGrab *grab,
           GtkWidget    *canvas,
           gboolean      redraw)
{
  guint red = 0, slice = 0;

  g_clear_pointer (&grab->pixels, g_free);
  if (redraw)
    gtk_widget_queue_draw (canvas);
  g_assert_true (evox_test_wait_for (evox_test_grabbed, grab, 60));
  for (int y = grab->height / 4; y < 3 * grab->height / 4; y++)
    for (int x = 0; x < grab->width; x++)
      {
        const guint8 *p = grab->pixels + ((gsize) y * grab->width + x) * 4;

        if (p[0] >= 252 && p[1] <= 3 && p[2] <= 3)
          red++, slice++;
        else if (evox_test_colormap_distance ("viridis", p) <= 3)
          slice++;
      }
  g_assert_cmpuint (slice, >, 1000);
  return (double) red / slice;
}

static gboolean
fraction_is (gpointer data)
{
  gpointer *pair = data;

  return g_strcmp0 (evox_phase_row_get_fraction_text (pair[0]), pair[1]) == 0;
}

/* The issue's check: dragging an edge on the histogram moves the phase's range, the canvas
 * highlight (shader lookup, no CPU pass) and the fraction label with it. */
static void
test_drag_edge (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = write_ramp (dir);
  EvoxWindow *window = evox_test_open_file (path);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxHistogramView *view = EVOX_HISTOGRAM_VIEW (evox_window_get_histogram (window));
  EvoxPhasePanel *panel = EVOX_PHASE_PANEL (evox_window_get_phase_panel (window));
  GtkWidget *canvas = evox_window_get_canvas (window);
  EvoxPhaseList *phases = evox_document_get_phases (document);
  g_autoptr (EvoxPhase) phase = evox_phase_new ("A", 0, 63, "#ff0000");
  EvoxPhaseRow *row;
  EvoxTestGrab grab = { 0 };
  double x0, x1, share;
  gpointer pair[2];
  gulong id;

  evox_window_show_page (window, "phases");
  evox_document_set_colormap (document, "viridis");
  evox_document_set_view (document, EVOX_VIEW_SLICE_Z);
  evox_phase_set_opacity (phase, 1);
  evox_phase_list_append (phases, phase);
  id = g_signal_connect (canvas, "frame-drawn", G_CALLBACK (evox_test_grab_frame), &grab);

  /* Values 0..60 (16 of 64 columns) are in the phase. */
  row = evox_phase_panel_get_row (panel, 0);
  g_assert_nonnull (row);
  pair[0] = row;
  pair[1] = "25.0 %";
  g_assert_true (evox_test_wait_for (fraction_is, pair, 60));
  share = red_share (document, &grab, canvas, TRUE);
  g_test_message ("red share before the drag: %.3f", share);
  g_assert_cmpfloat (fabs (share - 0.25), <, 0.03);

  /* Drag the high edge to the value 127: values 0..124 (32 columns) are in. */
  g_assert_true (evox_test_wait_for ((gboolean (*) (gpointer)) gtk_widget_get_mapped, view, 60));
  g_assert_true (evox_histogram_view_get_phase_edge_x (view, 0, TRUE, &x0));
  x1 = evox_histogram_view_value_to_x (view, 127);
  g_assert_true (_evox_histogram_view_drag_begin (view, x0, gtk_widget_get_height (
                                                    GTK_WIDGET (view)) / 2.0));
  _evox_histogram_view_drag_update (view, x1, gtk_widget_get_height (GTK_WIDGET (view)) / 2.0);
  _evox_histogram_view_drag_end (view, x1, gtk_widget_get_height (GTK_WIDGET (view)) / 2.0);
  g_test_message ("hi after the drag: %g", evox_phase_get_hi (phase));
  g_assert_cmpfloat (fabs (evox_phase_get_hi (phase) - 127), <=, 1);
  g_assert_cmpfloat (evox_phase_get_lo (phase), ==, 0);
  g_assert_cmpint (evox_document_get_selected_phase (document), ==, 0);

  pair[1] = "50.0 %";
  g_assert_true (evox_test_wait_for (fraction_is, pair, 60));
  share = red_share (document, &grab, canvas, FALSE);
  g_test_message ("red share after the drag: %.3f", share);
  g_assert_cmpfloat (fabs (share - 0.5), <, 0.03);

  /* Hiding everything outside the phase leaves only red (and background). */
  evox_document_set_hide_outside_phases (document, TRUE);
  share = red_share (document, &grab, canvas, FALSE);
  g_assert_cmpfloat (share, ==, 1.0);

  g_signal_handler_disconnect (canvas, id);
  g_free (grab.pixels);
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Suggest splits the ramp into three phases covering every voxel once; the total line agrees. */
static void
test_suggest (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = write_ramp (dir);
  EvoxWindow *window = evox_test_open_file (path);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxPhaseList *phases = evox_document_get_phases (document);
  EvoxPhasePanel *panel = EVOX_PHASE_PANEL (evox_window_get_phase_panel (window));
  guint64 total = 0;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "phases.suggest", NULL));
  g_assert_cmpuint (evox_phase_list_get_n_phases (phases), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      EvoxPhase *phase = evox_phase_list_get_phase (phases, i);
      guint64 count = 0;

      /* Brute force over the values the ramp holds. */
      for (guint x = 0; x < N; x++)
        if (evox_phase_contains (phase, 4.0 * x))
          count += (guint64) N * N;
      g_assert_cmpuint (count, >, 0);
      total += count;
    }
  g_assert_cmpuint (total, ==, (guint64) N * N * N);
  for (guint i = 0; i < 3; i++)
    g_assert_false (evox_phase_row_get_overlap_flagged (evox_phase_panel_get_row (panel, i)));

  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A phase typed in either form in log10 data: "-4.5" is the log10 value, "3.2e-5" the
 * resistance itself. */
static void
test_typed_edges (void)
{
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxPhaseList *phases = evox_document_get_phases (document);
  EvoxPhasePanel *panel = EVOX_PHASE_PANEL (evox_window_get_phase_panel (window));
  g_autoptr (EvoxPhase) phase = evox_phase_new ("Graphite", -6, -5, "#00ff00");
  EvoxPhaseRow *row;
  GtkWidget *lo_entry, *hi_entry;

  evox_window_open_demo (window);
  gtk_window_present (GTK_WINDOW (window));
  evox_window_show_page (window, "phases");
  evox_phase_list_append (phases, phase);
  row = evox_phase_panel_get_row (panel, 0);
  lo_entry = find_widget (GTK_WIDGET (row), "lo_entry");
  hi_entry = find_widget (GTK_WIDGET (row), "hi_entry");
  g_assert_nonnull (lo_entry);
  g_assert_nonnull (hi_entry);

  gtk_editable_set_text (GTK_EDITABLE (lo_entry), "-5.5");
  gtk_editable_set_text (GTK_EDITABLE (hi_entry), "3.2e-5");
  g_signal_emit_by_name (hi_entry, "activate");
  g_assert_cmpfloat (evox_phase_get_lo (phase), ==, -5.5);
  g_assert_cmpfloat (fabs (evox_phase_get_hi (phase) - log10 (3.2e-5)), <, 1e-12);

  /* hi below lo is refused with the entry marked, and the phase keeps its range. */
  gtk_editable_set_text (GTK_EDITABLE (hi_entry), "-6");
  g_signal_emit_by_name (hi_entry, "activate");
  g_assert_true (gtk_widget_has_css_class (hi_entry, "error"));
  g_assert_nonnull (gtk_widget_get_tooltip_text (hi_entry));
  g_assert_cmpfloat (evox_phase_get_lo (phase), ==, -5.5);

  /* Text that is no number is marked where it is, whichever entry was just left. */
  gtk_editable_set_text (GTK_EDITABLE (hi_entry), "-5");
  gtk_editable_set_text (GTK_EDITABLE (lo_entry), "abc");
  g_signal_emit_by_name (hi_entry, "activate");
  g_assert_true (gtk_widget_has_css_class (lo_entry, "error"));
  g_assert_false (gtk_widget_has_css_class (hi_entry, "error"));
  g_assert_cmpfloat (evox_phase_get_lo (phase), ==, -5.5);

  evox_test_close_window (window);
}

static GtkWidget *frame_canvas;

static gboolean
drew_since (gpointer data)
{
  return evox_canvas_get_frames (EVOX_CANVAS (frame_canvas)) > *(guint *) data;
}

static gboolean
has_labels (gpointer data)
{
  return evox_document_get_labels (data) != NULL;
}

/* Particles of a phase: hovering one in the canvas selects it; the data exports write files,
 * and refuse to replace one unless asked. */
static void
test_particles_and_exports (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = write_ramp (dir);
  EvoxWindow *window = evox_test_open_file (path);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxPhaseList *phases = evox_document_get_phases (document);
  GtkWidget *canvas = evox_window_get_canvas (window);
  g_autoptr (EvoxPhase) phase = evox_phase_new ("Middle", 100, 140, "#ff0000");
  g_autoptr (EvoxLabels) labels = NULL;
  g_autoptr (GError) error = NULL;
  const char *names[] = { "f.csv", "m.tif", "p.csv", "l.tif" };
  guint frames;
  int w, h;

  frame_canvas = canvas;
  evox_phase_list_append (phases, phase);
  labels = evox_labels_compute (evox_document_get_volume (document), 0, "Middle", 100, 140,
                                EVOX_CONNECTIVITY_26, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  /* Values 100..140 are the x columns 25..35: one slab, one particle. */
  g_assert_cmpuint (evox_labels_get_n_particles (labels), ==, 1);
  evox_document_set_labels (document, labels);
  g_assert_true (evox_test_wait_for (has_labels, document, 60));

  /* Hover every pixel of the middle row until one is over the particle. */
  evox_document_set_view (document, EVOX_VIEW_SLICE_Z);
  frames = evox_canvas_get_frames (EVOX_CANVAS (canvas));
  g_assert_true (evox_test_wait_for (drew_since, &frames, 60));
  w = gtk_widget_get_width (canvas);
  h = gtk_widget_get_height (canvas);
  for (int x = 0; x < w && evox_document_get_selected_particle (document) == 0; x += 2)
    evox_canvas_hover_at (EVOX_CANVAS (canvas), x, h / 2.0);
  g_assert_cmpuint (evox_document_get_selected_particle (document), ==, 1);
  g_assert_nonnull (strstr (evox_canvas_get_hover_text (EVOX_CANVAS (canvas)), "particle 1"));

  for (guint kind = 0; kind < G_N_ELEMENTS (names); kind++)
    {
      g_autofree char *out = g_build_filename (dir, names[kind], NULL);

      g_assert_true (evox_window_export_data (window, kind, out, FALSE, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_test (out, G_FILE_TEST_EXISTS));
      g_assert_false (evox_window_export_data (window, kind, out, FALSE, &error));
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
      g_clear_error (&error);
    }
  /* The TIFF volumes carry the record (the file and how it was made); the CSVs stay plain
   * while Include Provenance in CSV is off, the default. */
  {
    g_autofree char *record_start = g_strdup_printf ("software: Evox %s\ninput: %s\n"
                                                     "input-sha256: ", PACKAGE_VERSION, path);
    g_autofree char *escaped = g_uri_escape_string (record_start, NULL, TRUE);
    g_autofree char *key = g_strdup_printf ("\nevox_provenance=%s", escaped);
    const char *operations[] = {
      NULL,
      "operation: Export Phase Mask in the window (channel 0; phases Middle=100:140)",
      NULL,
      "operation: Export Particle Labels in the window (phase Middle=100:140, 26-connectivity, "
      "minimum size 0)",
    };

    for (guint kind = 0; kind < G_N_ELEMENTS (names); kind++)
      {
        g_autofree char *out = g_build_filename (dir, names[kind], NULL);
        g_autofree char *text = NULL;
        g_autofree char *description = NULL;
        g_autofree char *op = NULL;

        if (operations[kind] == NULL)
          {
            g_assert_true (g_file_get_contents (out, &text, NULL, NULL));
            g_assert_null (strstr (text, "#"));
            continue;
          }
        description = evox_test_tiff_description (out);
        g_assert_nonnull (strstr (description, key));
        op = g_uri_escape_string (operations[kind], NULL, TRUE);
        g_assert_nonnull (strstr (description, op));
      }
  }
  /* With the setting on, the CSVs start with the record as "# " lines, then the same table. */
  {
    g_autoptr (GVariant) off = g_action_group_get_action_state (G_ACTION_GROUP (window),
                                                                "csv-provenance");
    g_autoptr (GVariant) on = NULL;

    g_assert_false (g_variant_get_boolean (off));
    g_action_group_activate_action (G_ACTION_GROUP (window), "csv-provenance", NULL);
    on = g_action_group_get_action_state (G_ACTION_GROUP (window), "csv-provenance");
    g_assert_true (g_variant_get_boolean (on));
  }
  for (guint kind = 0; kind < G_N_ELEMENTS (names); kind += 2)
    {
      g_autofree char *plain = g_build_filename (dir, names[kind], NULL);
      g_autofree char *out = g_strconcat (plain, ".marked.csv", NULL);
      g_autofree char *plain_text = NULL;
      g_autofree char *text = NULL;
      g_autofree char *head = NULL;
      g_autofree char *contents = NULL;
      gsize length;
      g_autofree char *sha = NULL;
      const char *operation = kind == 0
        ? "Export Phase Fractions in the window (channel 0; phases Middle=100:140)"
        : "Export Particles in the window (phase Middle=100:140, 26-connectivity, minimum size 0)";

      g_assert_true (evox_window_export_data (window, kind, out, FALSE, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (plain, &plain_text, NULL, NULL));
      g_assert_true (g_file_get_contents (out, &text, NULL, NULL));
      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
      head = g_strdup_printf ("# software: Evox %s\n# input: %s\n# input-sha256: %s\n"
                              "# operation: %s\n", PACKAGE_VERSION, path, sha, operation);
      g_assert_true (g_str_has_prefix (text, head));
      g_assert_cmpstr (text + strlen (head), ==, plain_text);
    }

  /* The mask holds 1 exactly where the phase is. */
  {
    g_autofree char *out = g_build_filename (dir, "m.tif", NULL);
    g_autoptr (EvoxVolume) mask = evox_tiff_read (out, NULL, NULL, &error);
    const guint8 *m;

    g_assert_no_error (error);
    g_assert_cmpint (evox_volume_get_sample_type (mask), ==, EVOX_SAMPLE_U8);
    m = evox_volume_get_data (mask, 0);
    for (gsize i = 0; i < (gsize) N * N * N; i++)
      {
        int value = 4 * (int) (i % N);
        g_assert_cmpuint (m[i], ==, value >= 100 && value <= 140 ? 1 : 0);
      }
  }

  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Exact count of values in [lo, hi] over the measured scans or over the volume's voxels. */
static double
brute_fraction (EvoxVolume *volume,
                EvoxBasis   basis,
                double      lo,
                double      hi)
{
  gsize dims[3];
  guint64 in = 0, finite = 0;

  evox_volume_get_dims (volume, dims);
  if (basis == EVOX_BASIS_MEASURED)
    for (guint s = 0; s < evox_volume_get_n_scans (volume); s++)
      for (gsize i = 0; i < dims[0] * dims[1]; i++)
        {
          float v = evox_volume_get_scan (volume, s)->values[i];
          finite += isfinite (v);
          in += isfinite (v) && v >= lo && v <= hi;
        }
  else
    for (gsize i = 0; i < evox_volume_get_n_voxels (volume); i++)
      {
        float v = ((const float *) evox_volume_get_data (volume, 0))[i];
        finite += isfinite (v);
        in += isfinite (v) && v >= lo && v <= hi;
      }
  return 100.0 * in / finite;
}

static double
shown_percent (EvoxPhaseRow *row)
{
  const char *text = evox_phase_row_get_fraction_text (row);

  if (g_str_has_prefix (text, "≈"))
    text += strlen ("≈");
  return g_ascii_strtod (text, NULL);
}

/* The basis switch on the Phases page: fractions, their tooltip, the histogram's source item and
 * the exported CSV all follow it; a volume without scans shows no switch. */
static void
test_basis_switch (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *ramp = write_ramp (dir);
  g_autofree char *csv = g_build_filename (dir, "f.csv", NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) file = g_file_new_for_path (ramp);
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxPhasePanel *panel = EVOX_PHASE_PANEL (evox_window_get_phase_panel (window));
  g_autoptr (EvoxPhase) phase = evox_phase_new ("Silicon", -1, 2, "#ff7f0e");
  GtkWidget *box = find_widget (GTK_WIDGET (panel), "basis_box");
  GtkDropDown *basis = GTK_DROP_DOWN (find_widget (GTK_WIDGET (panel), "basis_dropdown"));
  GtkDropDown *source = GTK_DROP_DOWN (find_widget (GTK_WIDGET (window), "histogram_source"));
  GtkWidget *per_scan = find_widget (GTK_WIDGET (window), "histogram_per_layer");
  GtkStringList *items = GTK_STRING_LIST (gtk_drop_down_get_model (basis));
  GtkStringList *sources = GTK_STRING_LIST (gtk_drop_down_get_model (source));
  EvoxVolume *volume;
  EvoxPhaseRow *row;

  evox_window_open_demo (window);
  gtk_window_present (GTK_WINDOW (window));
  evox_window_show_page (window, "phases");
  evox_phase_list_append (evox_document_get_phases (document), phase);
  volume = evox_document_get_volume (document);
  row = evox_phase_panel_get_row (panel, 0);

  /* Measured scans by default, and every label says so. */
  g_assert_true (gtk_widget_get_visible (box));
  g_assert_cmpuint (gtk_drop_down_get_selected (basis), ==, 0);
  g_assert_cmpstr (gtk_string_list_get_string (items, 0), ==, "of the 4 measured scans");
  g_assert_cmpstr (gtk_string_list_get_string (sources, 0), ==, "All 4 measured scans");
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (find_widget (GTK_WIDGET (row),
                                                                      "fraction_label")),
                            "of the 4 measured scans"));
  g_assert_cmpfloat (fabs (shown_percent (row) -
                           brute_fraction (volume, EVOX_BASIS_MEASURED, -1, 2)), <=, 0.1);
  g_assert_true (gtk_widget_get_sensitive (per_scan));

  /* The interpolated volume. */
  gtk_drop_down_set_selected (basis, 1);
  g_assert_cmpint (evox_document_get_basis (document), ==, EVOX_BASIS_VOLUME);
  row = evox_phase_panel_get_row (panel, 0);
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (find_widget (GTK_WIDGET (row),
                                                                      "fraction_label")),
                            "of the interpolated volume"));
  g_assert_cmpfloat (fabs (shown_percent (row) -
                           brute_fraction (volume, EVOX_BASIS_VOLUME, -1, 2)), <=, 0.1);
  g_assert_cmpstr (gtk_string_list_get_string (sources, 0), ==, "Interpolated volume");
  g_assert_cmpuint (gtk_drop_down_get_selected (source), ==, 0);
  g_assert_false (gtk_widget_get_sensitive (per_scan));
  g_assert_true (evox_window_export_data (window, 0, csv, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  g_assert_true (g_str_has_suffix (text, ",volume\n"));

  /* Particles are always of the interpolated volume, and their page says so. */
  {
    g_autoptr (EvoxLabels) labels = evox_labels_compute (volume, 0, "Silicon", -1, 2,
                                                         EVOX_CONNECTIVITY_26, 0, NULL, NULL,
                                                         &error);
    EvoxParticlePanel *particles =
      EVOX_PARTICLE_PANEL (evox_window_get_particle_panel (window));

    g_assert_no_error (error);
    evox_document_set_labels (document, labels);
    g_assert_true (evox_test_wait_for (has_labels, document, 60));
    g_assert_nonnull (strstr (evox_particle_panel_get_summary (particles),
                              "of the interpolated volume"));
  }

  /* A tomogram has one basis: no switch, the plain source name. */
  evox_window_open_file (window, file, NULL);
  g_assert_true (evox_test_wait_for (evox_test_window_loaded, window, 60));
  g_assert_false (gtk_widget_get_visible (box));
  g_assert_cmpstr (gtk_string_list_get_string (sources, 0), ==, "Whole volume");

  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Phases from the command line: specs in both forms, a preset by name, and a bad spec that shows
 * in the banner without touching the volume or the phases. */
static void
test_startup_phases (void)
{
  const char *specs[] = { "graphite=-7:-3.5", "silicon=3.2e-4:0.3", NULL };
  const char *bad[] = { "a=5:2", NULL };
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxPhaseList *phases = evox_document_get_phases (document);
  EvoxPhase *silicon;

  evox_window_set_startup_phases (window, specs, NULL);
  g_assert_cmpuint (evox_phase_list_get_n_phases (phases), ==, 0);  /* no volume yet */
  evox_window_open_demo (window);
  g_assert_cmpuint (evox_phase_list_get_n_phases (phases), ==, 2);
  silicon = evox_phase_list_get_phase (phases, 1);
  g_assert_cmpstr (evox_phase_get_name (silicon), ==, "silicon");
  g_assert_cmpfloat (fabs (evox_phase_get_lo (silicon) - log10 (3.2e-4)), <, 1e-12);
  g_assert_cmpfloat (evox_phase_get_hi (silicon), ==, 0.3);
  g_assert_cmpstr (evox_phase_get_color (silicon), !=,
                   evox_phase_get_color (evox_phase_list_get_phase (phases, 0)));
  /* Applied once: the next volume keeps what the user has. */
  evox_phase_list_remove (phases, 0);
  evox_window_open_demo (window);
  g_assert_cmpuint (evox_phase_list_get_n_phases (phases), ==, 1);

  evox_window_set_startup_phases (window, NULL, "Gr/Si anode (SSRM)");
  g_assert_cmpuint (evox_phase_list_get_n_phases (phases), ==, 3);
  g_assert_null (evox_window_get_error (window));

  evox_window_set_startup_phases (window, bad, NULL);
  g_assert_nonnull (strstr (evox_window_get_error (window), "a=5:2"));
  g_assert_cmpuint (evox_phase_list_get_n_phases (phases), ==, 3);
  evox_window_set_startup_phases (window, NULL, "No such preset");
  g_assert_nonnull (strstr (evox_window_get_error (window), "No such preset"));
  g_assert_nonnull (evox_document_get_volume (document));

  evox_test_close_window (window);
}

/* The real A19 table on the measured basis (the default): the Phases page shows the exact
 * fraction that `evox segment` prints (evox_fraction_table_new is what it counts with), without
 * "≈"; graphite is 53058 of 65536 values, 81.0 % (tests/a19-fractions.py, numpy), where the fine
 * histogram gave "≈80.9 %" before. The interpolated f32 volume keeps the fine histogram's "≈".
 * Suggest and the Three-phase preset split the measured scans (brute-force Otsu on the scan
 * values), not the interpolated volume, whose blends fill the middle of the range. */
static void
test_a19_measured (void)
{
  g_autofree char *path = evox_test_data_path ("ssrm/A19_GrSi_Anode_1x1.csv");
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (EvoxFractionTable) table = NULL;
  g_autoptr (GError) error = NULL;
  EvoxWindow *window;
  EvoxDocument *document;
  EvoxPhaseList *phases;
  EvoxPhasePanel *panel;
  const float *scans[4];
  gsize lengths[4], dims[3];
  double t_measured[2], t_volume[2], width_measured, width_volume;

  if (path == NULL)
    return;
  volume = evox_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  document = evox_window_get_document (window);
  phases = evox_document_get_phases (document);
  panel = EVOX_PHASE_PANEL (evox_window_get_phase_panel (window));
  evox_document_set_volume (document, volume, "A19", path);
  gtk_window_present (GTK_WINDOW (window));
  evox_window_show_page (window, "phases");
  evox_window_set_startup_phases (window, NULL, "Gr/Si anode (SSRM)");
  g_assert_cmpuint (evox_phase_list_get_n_phases (phases), ==, 3);
  g_assert_cmpint (evox_document_get_basis (document), ==, EVOX_BASIS_MEASURED);

  table = evox_fraction_table_new (volume, 0, EVOX_BASIS_MEASURED, phases, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (table->rows[0].voxels, ==, 53058);
  for (guint k = 0; k < 3; k++)
    {
      EvoxPhaseRow *row = evox_phase_panel_get_row (panel, k);
      g_autofree char *want = g_strdup_printf ("%.1f %%",
                                               100 * evox_fraction_table_get_fraction (table, k,
                                                                                       -1));
      g_autofree char *tip = g_strdup_printf ("%" G_GUINT64_FORMAT " of 65536 values",
                                              table->rows[k].voxels);

      g_assert_cmpstr (evox_phase_row_get_fraction_text (row), ==, want);
      g_assert_true (g_str_has_prefix (gtk_widget_get_tooltip_text (
                                         find_widget (GTK_WIDGET (row), "fraction_label")), tip));
    }
  g_assert_cmpstr (evox_phase_row_get_fraction_text (evox_phase_panel_get_row (panel, 0)), ==,
                   "81.0 %");
  /* An edge moved: counted again, still exact. */
  evox_phase_set_range (evox_phase_list_get_phase (phases, 2), -0.5, 1);
  {
    g_autoptr (EvoxFractionTable) moved = evox_fraction_table_new (volume, 0, EVOX_BASIS_MEASURED,
                                                                   phases, NULL, &error);
    g_autofree char *want = g_strdup_printf ("%.1f %%",
                                             100 * evox_fraction_table_get_fraction (moved, 2,
                                                                                     -1));
    g_autofree char *total = NULL;
    guint64 in_phases = 0;

    g_assert_cmpstr (evox_phase_row_get_fraction_text (evox_phase_panel_get_row (panel, 2)), ==,
                     want);
    /* The values in no phase are those above 1 (and none below -7): exact too. */
    for (guint k = 0; k < 3; k++)
      in_phases += moved->rows[k].voxels;
    total = g_strdup_printf ("In no shown phase: %.1f %% of the values of the 4 measured scans",
                             100.0 * (65536 - in_phases) / 65536);
    g_test_message ("%s", total);
    g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (find_widget (GTK_WIDGET (panel),
                                                                 "total_label"))), ==, total);
  }
  evox_document_set_basis (document, EVOX_BASIS_VOLUME);
  g_assert_true (g_str_has_prefix (evox_phase_row_get_fraction_text (
                                     evox_phase_panel_get_row (panel, 0)), "≈"));
  evox_document_set_basis (document, EVOX_BASIS_MEASURED);

  /* Otsu's three classes on the measured scans. */
  evox_volume_get_dims (volume, dims);
  for (guint s = 0; s < 4; s++)
    {
      scans[s] = evox_volume_get_scan (volume, s)->values;
      lengths[s] = dims[0] * dims[1];
    }
  evox_test_otsu3 (scans, lengths, 4, t_measured, &width_measured);
  {
    const float *all = evox_volume_get_data (volume, 0);
    gsize n = evox_volume_get_n_voxels (volume);

    evox_test_otsu3 (&all, &n, 1, t_volume, &width_volume);
  }
  /* The two bases split differently, so this tells them apart. */
  g_assert_cmpfloat (fabs (t_measured[0] - t_volume[0]) + fabs (t_measured[1] - t_volume[1]), >,
                     4 * (width_measured + width_volume));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find_widget (GTK_WIDGET (panel), "suggest_spin")),
                             3);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "phases.suggest", NULL));
  g_assert_cmpuint (evox_phase_list_get_n_phases (phases), ==, 3);
  for (guint k = 0; k < 2; k++)
    g_assert_cmpfloat (fabs (evox_phase_get_lo (evox_phase_list_get_phase (phases, k + 1)) -
                             t_measured[k]), <=, 1.01 * width_measured);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "phases.apply-preset", "s",
                                             "Three-phase tomogram"));
  g_assert_cmpuint (evox_phase_list_get_n_phases (phases), ==, 3);
  for (guint k = 0; k < 2; k++)
    g_assert_cmpfloat (fabs (evox_phase_get_lo (evox_phase_list_get_phase (phases, k + 1)) -
                             t_measured[k]), <=, 1.01 * width_measured);

  evox_test_close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/PhaseUi/drag-edge", test_drag_edge);
  g_test_add_func ("/Evox/PhaseUi/suggest", test_suggest);
  g_test_add_func ("/Evox/PhaseUi/typed-edges", test_typed_edges);
  g_test_add_func ("/Evox/PhaseUi/particles-and-exports", test_particles_and_exports);
  g_test_add_func ("/Evox/PhaseUi/startup-phases", test_startup_phases);
  g_test_add_func ("/Evox/PhaseUi/basis-switch", test_basis_switch);
  g_test_add_func ("/Evox/PhaseUi/a19-measured", test_a19_measured);
  return g_test_run ();
}
