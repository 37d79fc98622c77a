/* test-history.c: undo and redo of a document's edits: every step undone and redone gives back the
 * document's state captured before and after it, property by property; drags are one step; heavy
 * results come back as the same objects, not recomputed. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-demo.h"
#include "evox-history.h"
#include "evox-test-registration.h"
#include "evox-test-volume.h"
#include "evox-units.h"

#define N 16

/* The test's own record of what a user sees of a document (written independently of the history's
 * snapshot, so a field the history forgets shows up as a difference). */
static const char * const doc_properties[] = {
  "channel", "colormap", "mapping", "view", "z-exaggeration", "stack-opacity", "show-phases",
  "hide-outside-phases", "particle-colors", "basis", "show-clusters", "cluster-opacity",
  "cluster-outlines", "clip-surfaces", "smooth-surfaces", "triangle-budget", "selected-phase",
  "composite", "composite-phases", "histogram-source", "histogram-log-counts",
  "histogram-per-layer",
};

/* The composite's slots and the Volume view's style, read through their getters. */
static void
capture_view (GString      *out,
              EvoxDocument *document)
{
  EvoxVolumeStyle *style = evox_document_get_volume_style (document);
  double lo[3], hi[3];

  for (guint s = 0; s < 3; s++)
    {
      int channel;
      double a, b;

      evox_document_get_composite_slot (document, s, &channel, &a, &b);
      g_string_append_printf (out, "slot %u %d %.17g %.17g\n", s, channel, a, b);
    }
  g_string_append_printf (out, "style mode %d source %d iso %.17g scale %.17g slices %d "
                          "layers %d\n", evox_volume_style_get_mode (style),
                          evox_volume_style_get_source (style),
                          evox_volume_style_get_iso_level (style),
                          evox_volume_style_get_opacity_scale (style),
                          evox_volume_style_get_show_slices (style),
                          evox_volume_style_get_mark_layers (style));
  for (guint i = 0; i < evox_volume_style_get_n_points (style); i++)
    {
      double value, opacity;

      evox_volume_style_get_point (style, i, &value, &opacity);
      g_string_append_printf (out, "point %.17g %.17g\n", value, opacity);
    }
  evox_volume_style_get_clip (style, lo, hi);
  g_string_append_printf (out, "clip %.17g %.17g %.17g %.17g %.17g %.17g\n", lo[0], lo[1],
                          lo[2], hi[0], hi[1], hi[2]);
}

/* The overlays and rulers as a user sees them (the ruler objects too: undo must put the same ones
 * back, which the canvas's selection and the profile plots follow). */
static void
capture_figure (GString      *out,
                EvoxDocument *document)
{
  EvoxOverlays *overlays = evox_document_get_overlays (document);
  EvoxMeasurementList *rulers = evox_document_get_measurements (document);

  for (guint i = 0; i < EVOX_N_OVERLAY_ITEMS; i++)
    {
      double fx, fy;

      evox_overlays_get_position (overlays, i, &fx, &fy);
      g_string_append_printf (out, "overlay %u %d %.17g %.17g\n", i,
                              evox_overlays_get_visible (overlays, i), fx, fy);
    }
  g_string_append_printf (out, "font %.17g scale-bar %.17g\n",
                          evox_overlays_get_font_size (overlays),
                          evox_overlays_get_scale_bar_length (overlays));
  for (guint i = 0; i < evox_overlays_get_n_labels (overlays); i++)
    {
      double fx, fy;
      const char *text = evox_overlays_get_label (overlays, i, &fx, &fy);

      g_string_append_printf (out, "label %s %.17g %.17g\n", text, fx, fy);
    }
  for (guint i = 0; i < evox_measurement_list_get_n_measurements (rulers); i++)
    {
      EvoxMeasurement *ruler = evox_measurement_list_get_measurement (rulers, i);
      double a[3], b[3];

      evox_measurement_get_points (ruler, a, b);
      g_string_append_printf (out, "ruler %p %u %u %.17g %.17g %.17g %.17g %.17g %.17g %.17g\n",
                              (void *) ruler, evox_measurement_get_axis (ruler),
                              evox_measurement_get_slice (ruler), a[0], a[1], a[2], b[0], b[1],
                              b[2], evox_measurement_get_length_nm (ruler));
    }
}

static char *
capture (EvoxDocument *document)
{
  GString *out = g_string_new (NULL);
  EvoxPhaseList *phases = evox_document_get_phases (document);
  EvoxSurfaceList *surfaces = evox_document_get_surfaces (document);
  EvoxClusters *clusters = evox_document_get_clusters (document);
  double lo, hi;

  for (guint i = 0; i < G_N_ELEMENTS (doc_properties); i++)
    {
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (document),
                                                        doc_properties[i]);
      g_auto (GValue) value = G_VALUE_INIT;
      g_auto (GValue) text = G_VALUE_INIT;

      g_value_init (&value, pspec->value_type);
      g_object_get_property (G_OBJECT (document), doc_properties[i], &value);
      if (G_VALUE_HOLDS_ENUM (&value))
        g_string_append_printf (out, "%s=%d\n", doc_properties[i], g_value_get_enum (&value));
      else
        {
          g_value_init (&text, G_TYPE_STRING);
          g_assert_true (g_value_transform (&value, &text));
          g_string_append_printf (out, "%s=%s\n", doc_properties[i], g_value_get_string (&text));
        }
    }
  evox_document_get_range (document, &lo, &hi);
  g_string_append_printf (out, "range=%.17g %.17g\n", lo, hi);
  for (guint i = 0; i < evox_phase_list_get_n_phases (phases); i++)
    {
      EvoxPhase *p = evox_phase_list_get_phase (phases, i);

      g_string_append_printf (out, "phase %p %s %.17g %.17g %s %.17g %d\n", (void *) p,
                              evox_phase_get_name (p), evox_phase_get_lo (p),
                              evox_phase_get_hi (p), evox_phase_get_color (p),
                              evox_phase_get_opacity (p), evox_phase_get_visible (p));
    }
  for (guint i = 0; i < evox_surface_list_get_n_surfaces (surfaces); i++)
    {
      EvoxSurface *s = evox_surface_list_get_surface (surfaces, i);

      g_string_append_printf (out, "surface %p %s %s %.17g %d mesh %p\n", (void *) s,
                              evox_surface_get_name (s), evox_surface_get_color (s),
                              evox_surface_get_opacity (s), evox_surface_get_visible (s),
                              (void *) evox_surface_get_mesh (s));
    }
  g_string_append_printf (out, "labels %p\n", (void *) evox_document_get_labels (document));
  g_string_append_printf (out, "registration %p view %d maps %p show-maps %d\n",
                          (void *) evox_document_get_registration (document),
                          evox_document_get_registration_view (document),
                          (void *) evox_document_get_maps (document),
                          evox_document_get_show_maps (document));
  g_string_append_printf (out, "clusters %p\n", (void *) clusters);
  for (guint id = 1; clusters != NULL && id <= evox_clusters_get_k (clusters); id++)
    g_string_append_printf (out, "cluster %u %s %s %d\n", id,
                            evox_clusters_get_name (clusters, id),
                            evox_clusters_get_color (clusters, id),
                            evox_clusters_get_visible (clusters, id));
  capture_figure (out, document);
  capture_view (out, document);
  return g_string_free (out, FALSE);
}

static void
wait_for_surfaces (EvoxDocument *document)
{
  /* Only a guard against a hang: a loaded machine may take long. */
  gint64 end = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  do
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  while (evox_document_get_surfaces_busy (document) && g_get_monotonic_time () < end);
  g_assert_false (evox_document_get_surfaces_busy (document));
}

static EvoxDocument *
new_document (void)
{
  g_autoptr (EvoxVolume) volume = evox_test_ball_new (N, 5, 200, 20);
  EvoxDocument *document = evox_document_new ();

  _evox_document_set_surface_delay (document, 1);
  evox_document_set_volume (document, volume, "ball", NULL);
  return document;
}

/* Clusters of the volume's grid: k slabs along x (k divides N), ids 1..k. */
static EvoxClusters *
slabs (guint k)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) ids = evox_volume_new (N, N, N, 1, EVOX_SAMPLE_U8, &error);
  EvoxClusters *clusters;
  guint8 *data;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (ids, 0);
  for (gsize i = 0; i < (gsize) N * N * N; i++)
    data[i] = (guint8) ((i % N) / (N / k) + 1);
  evox_volume_freeze (ids);
  clusters = evox_clusters_new_from_volume (ids, NULL, &error);
  g_assert_no_error (error);
  return clusters;
}

static EvoxClusters *
slab_clusters (void)
{
  return slabs (4);
}

static int builds;

static void
count_build (EvoxSurface *surface,
             GParamSpec  *pspec,
             gpointer     data)
{
  if (evox_surface_get_state (surface) == EVOX_SURFACE_STATE_BUILDING)
    builds++;
}

static void
test_sequence (void)
{
  g_autoptr (EvoxDocument) document = new_document ();
  g_autoptr (EvoxHistory) history = evox_history_new (document);
  EvoxPhaseList *phases = evox_document_get_phases (document);
  g_autoptr (GPtrArray) states = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_autoptr (EvoxPhase) ball = evox_phase_new ("Ball", 150, 250, "#ff0000");
  g_autoptr (EvoxPhase) rest = evox_phase_new ("Rest", 0, 100, "#0000ff");
  g_autoptr (EvoxClusters) clusters = slab_clusters ();
  g_autoptr (EvoxClusters) merged = NULL;
  g_autoptr (EvoxLabels) labels = NULL;
  g_autoptr (GError) error = NULL;
  EvoxSurface *surface;
  EvoxMesh *mesh;
  guint n;

  g_assert_false (evox_history_get_can_undo (history));
  g_assert_null (evox_history_get_undo_name (history));
  g_ptr_array_add (states, capture (document));

#define STEP(name) \
  G_STMT_START { \
    evox_history_flush (history); \
    g_assert_cmpstr (evox_history_get_undo_name (history), ==, name); \
    g_ptr_array_add (names, (gpointer) name); \
    g_ptr_array_add (states, capture (document)); \
    g_assert_cmpuint (evox_history_get_n_undo (history), ==, names->len); \
  } G_STMT_END

  evox_phase_list_append (phases, ball);
  STEP ("Add Phase");
  /* A drag: many edge moves, each seen by the history, fold into one step. */
  for (int i = 1; i <= 5; i++)
    {
      evox_phase_set_range (ball, 150 - 4 * i, 250);
      evox_history_flush (history);
    }
  STEP ("Move Phase Edge");
  evox_phase_set_color (ball, "#00ff00");
  STEP ("Recolour Phase");
  evox_phase_list_append (phases, rest);
  STEP ("Add Phase");
  evox_phase_list_move (phases, 1, 0);
  STEP ("Reorder Phases");
  evox_document_set_colormap (document, "magma");
  STEP ("Change Colour Map");
  evox_document_set_range (document, 10, 180);
  STEP ("Change Display Range");
  surface = evox_document_add_phase_surface (document, ball);
  wait_for_surfaces (document);
  mesh = evox_surface_get_mesh (surface);
  g_assert_nonnull (mesh);
  g_signal_connect (surface, "notify::state", G_CALLBACK (count_build), NULL);
  STEP ("Add Surface");
  labels = evox_labels_compute (evox_document_get_volume (document), 0, "Ball", 150, 250,
                                EVOX_CONNECTIVITY_26, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_document_set_labels (document, labels);
  STEP ("Find Particles");
  g_assert_true (evox_document_set_clusters (document, clusters));
  STEP ("Cluster");
  merged = evox_clusters_merge (clusters, 1, 2, &error);
  g_assert_no_error (error);
  g_assert_true (evox_document_set_clusters (document, merged));
  STEP ("Merge Clusters");
  evox_clusters_set_color (merged, 1, "#123456");
  STEP ("Recolour Cluster");
  /* Removing the phase takes its surface with it. */
  evox_phase_list_remove (phases, 1);
  g_assert_cmpuint (evox_surface_list_get_n_surfaces (evox_document_get_surfaces (document)),
                    ==, 0);
  STEP ("Remove Phase");
#undef STEP

  n = names->len;
  builds = 0;
  for (guint i = n; i-- > 0;)
    {
      g_autofree char *now = NULL;

      g_assert_cmpstr (evox_history_get_undo_name (history), ==, names->pdata[i]);
      g_assert_true (evox_history_undo (history));
      g_assert_cmpstr (evox_history_get_redo_name (history), ==, names->pdata[i]);
      now = capture (document);
      g_assert_cmpstr (now, ==, states->pdata[i]);
    }
  g_assert_false (evox_history_get_can_undo (history));
  g_assert_false (evox_history_undo (history));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *now = NULL;

      g_assert_true (evox_history_redo (history));
      now = capture (document);
      g_assert_cmpstr (now, ==, states->pdata[i + 1]);
    }
  g_assert_false (evox_history_get_can_redo (history));

  /* Back to before Remove Phase: the surface is the same object with the same mesh, and no build
   * ran for it (the capture compares the mesh pointer too). */
  g_assert_true (evox_history_undo (history));
  g_assert_true (evox_surface_list_get_surface (evox_document_get_surfaces (document), 0) ==
                 surface);
  g_assert_true (evox_surface_get_mesh (surface) == mesh);
  g_assert_cmpint (evox_surface_get_state (surface), ==, EVOX_SURFACE_STATE_READY);
  g_assert_false (evox_document_get_surfaces_busy (document));
  g_assert_cmpint (builds, ==, 0);
  g_assert_true (evox_document_get_labels (document) == labels);
  g_assert_true (evox_document_get_clusters (document) == merged);

  /* A new edit drops what could be redone. */
  g_assert_true (evox_history_undo (history));
  g_assert_cmpuint (evox_history_get_n_redo (history), ==, 2);
  evox_document_set_colormap (document, "grey");
  evox_history_flush (history);
  g_assert_cmpuint (evox_history_get_n_redo (history), ==, 0);
  g_assert_false (evox_history_get_can_redo (history));
  g_assert_cmpstr (evox_history_get_undo_name (history), ==, "Change Colour Map");
  g_assert_cmpuint (evox_history_get_n_undo (history), ==, n - 1);
}

/* Undoes every step of names (newest last), comparing the document with states[i] (captured
 * before step i) by capture_func, then redoes them all, comparing with states[i + 1]. */
static void
undo_redo_all (EvoxHistory  *history,
               EvoxDocument *document,
               GPtrArray    *names,
               GPtrArray    *states,
               char       *(*capture_func) (EvoxDocument *document,
                                            gpointer      data),
               gpointer      data)
{
  guint n = names->len;

  for (guint i = n; i-- > 0;)
    {
      g_autofree char *now = NULL;

      g_assert_cmpstr (evox_history_get_undo_name (history), ==, names->pdata[i]);
      g_assert_true (evox_history_undo (history));
      g_assert_cmpstr (evox_history_get_redo_name (history), ==, names->pdata[i]);
      now = capture_func (document, data);
      g_assert_cmpstr (now, ==, states->pdata[i]);
    }
  g_assert_false (evox_history_get_can_undo (history));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *now = NULL;

      g_assert_true (evox_history_redo (history));
      now = capture_func (document, data);
      g_assert_cmpstr (now, ==, states->pdata[i + 1]);
    }
  g_assert_false (evox_history_get_can_redo (history));
}

static char *
capture_setting (EvoxDocument *document,
                 gpointer      setting)
{
  g_autofree char *state = capture (document);

  return g_strdup_printf ("%s setting=%s", state, evox_phase_get_name (setting));
}

/* Overlays, rulers and a watched property of another object (standing for a panel's setting):
 * each step undone and redone gives back the captured state; a label's and a ruler's drag are one
 * step each. */
static void
test_figure_sequence (void)
{
  g_autoptr (EvoxDocument) document = new_document ();
  g_autoptr (EvoxHistory) history = evox_history_new (document);
  EvoxOverlays *overlays = evox_document_get_overlays (document);
  EvoxMeasurementList *rulers = evox_document_get_measurements (document);
  g_autoptr (GPtrArray) states = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  /* Not in the document: only the watch makes its name part of the history. */
  g_autoptr (EvoxPhase) setting = evox_phase_new ("6534", 0, 1, "#ff0000");
  g_autoptr (EvoxMeasurement) ruler = NULL;
  g_autoptr (EvoxMeasurement) second = NULL;
  double a[3] = { 10, 20, 30 }, b[3] = { 40, 20, 30 };

  evox_history_watch_property (history, G_OBJECT (setting), "name", "Exclude Energy");
  g_ptr_array_add (states, capture_setting (document, setting));

#define STEP(name) \
  G_STMT_START { \
    evox_history_flush (history); \
    g_assert_cmpstr (evox_history_get_undo_name (history), ==, name); \
    g_ptr_array_add (names, (gpointer) name); \
    g_ptr_array_add (states, capture_setting (document, setting)); \
    g_assert_cmpuint (evox_history_get_n_undo (history), ==, names->len); \
  } G_STMT_END


  evox_overlays_set_visible (overlays, EVOX_OVERLAY_SCALE_BAR, TRUE);
  STEP ("Show Scale Bar");
  for (int i = 1; i <= 5; i++)
    {
      evox_overlays_set_position (overlays, EVOX_OVERLAY_LEGEND, 0.1 * i, 0.05 * i);
      evox_history_flush (history);
    }
  STEP ("Move Legend");
  evox_overlays_set_font_size (overlays, 20);
  STEP ("Change Font Size");
  evox_overlays_set_scale_bar_length (overlays, 500);
  STEP ("Change Scale Bar Length");
  evox_overlays_add_label (overlays, "Si", 0.5, 0.5);
  STEP ("Add Label");
  evox_overlays_set_label_text (overlays, 0, "Si particle");
  STEP ("Edit Label");
  /* A drag of the label: one press until its release, the window's group. */
  evox_history_begin_group (history, NULL);
  for (int i = 1; i <= 5; i++)
    {
      evox_overlays_move_label (overlays, 0, 0.5 + 0.05 * i, 0.5);
      evox_history_flush (history);
    }
  evox_history_end_group (history);
  STEP ("Move Label");
  evox_overlays_add_label (overlays, "Gr", 0.2, 0.8);
  STEP ("Add Label");
  evox_overlays_remove_label (overlays, 0);
  STEP ("Remove Label");
  /* A ruler drawn by a drag: appended at the press, its end following the pointer. */
  evox_history_begin_group (history, NULL);
  ruler = evox_measurement_new (2, 3, a, a);
  evox_measurement_list_append (rulers, ruler);
  for (int i = 1; i <= 5; i++)
    {
      b[0] = 10 + 6 * i;
      evox_measurement_set_end (ruler, b);
      evox_history_flush (history);
    }
  evox_history_end_group (history);
  STEP ("Add Ruler");
  evox_history_begin_group (history, NULL);
  for (int i = 1; i <= 4; i++)
    {
      a[1] = 20 + i;
      evox_measurement_set_start (ruler, a);
    }
  evox_history_end_group (history);
  STEP ("Move Ruler");
  second = evox_measurement_new (2, 3, b, a);
  evox_measurement_list_append (rulers, second);
  STEP ("Add Ruler");
  evox_measurement_list_remove (rulers, 0);
  STEP ("Remove Ruler");
  evox_phase_set_name (setting, "6534,8570");
  STEP ("Exclude Energy");
  evox_overlays_set_visible (overlays, EVOX_OVERLAY_SCALE_BAR, FALSE);
  STEP ("Hide Scale Bar");
#undef STEP

  /* Before the redos: nothing of the figure is left. */
  for (guint i = 0; i < names->len; i++)
    g_assert_true (evox_history_undo (history));
  g_assert_cmpuint (evox_measurement_list_get_n_measurements (rulers), ==, 0);
  g_assert_cmpuint (evox_overlays_get_n_labels (overlays), ==, 0);
  for (guint i = 0; i < names->len; i++)
    g_assert_true (evox_history_redo (history));
  undo_redo_all (history, document, names, states, capture_setting, setting);
  /* The ruler that stayed is the object drawn second, not a copy. */
  g_assert_true (evox_measurement_list_get_measurement (rulers, 0) == second);

  /* A watched object gone records nothing more and undo past it does not touch it. */
  g_clear_object (&setting);
  g_assert_true (evox_history_undo (history));
  g_assert_cmpstr (evox_history_get_undo_name (history), ==, "Exclude Energy");
  g_assert_true (evox_history_undo (history));
}

static void
test_grouping (void)
{
  g_autoptr (EvoxDocument) document = new_document ();
  g_autoptr (EvoxHistory) history = evox_history_new (document);
  g_autoptr (EvoxPhase) phase = evox_phase_new ("P", 100, 200, "#ff0000");
  g_autofree char *before = NULL;
  g_autofree char *now = NULL;

  evox_phase_list_append (evox_document_get_phases (document), phase);
  evox_history_flush (history);
  before = capture (document);

  /* A group is one step of its name, whatever changed inside. */
  evox_history_begin_group (history, "Move Phase Edge");
  for (int i = 0; i < 4; i++)
    {
      evox_phase_set_range (phase, 100 + i, 200);
      evox_history_flush (history);
      evox_document_set_colormap (document, i % 2 ? "magma" : "grey");
      evox_history_flush (history);
    }
  g_assert_cmpuint (evox_history_get_n_undo (history), ==, 1);
  evox_history_end_group (history);
  g_assert_cmpuint (evox_history_get_n_undo (history), ==, 2);
  g_assert_true (evox_history_undo (history));
  now = capture (document);
  g_assert_cmpstr (now, ==, before);
  g_clear_pointer (&now, g_free);

  /* A group without a name is named after what changed (a drag on the histogram). */
  evox_history_begin_group (history, NULL);
  evox_phase_set_range (phase, 100, 210);
  evox_history_flush (history);
  evox_phase_set_range (phase, 100, 220);
  evox_history_end_group (history);
  g_assert_cmpstr (evox_history_get_undo_name (history), ==, "Move Phase Edge");
  g_assert_cmpuint (evox_history_get_n_undo (history), ==, 2);
  g_assert_true (evox_history_undo (history));

  /* Without coalescing every change is its own step; with it, changes of the same edge fold into
   * the top step and a change of something else starts a new one. */
  _evox_history_set_coalesce_ms (history, 0);
  evox_phase_set_range (phase, 90, 200);
  evox_history_flush (history);
  evox_phase_set_range (phase, 80, 200);
  evox_history_flush (history);
  g_assert_cmpuint (evox_history_get_n_undo (history), ==, 3);
  _evox_history_set_coalesce_ms (history, 60000);
  evox_phase_set_range (phase, 70, 200);
  evox_history_flush (history);
  evox_phase_set_range (phase, 60, 200);
  evox_history_flush (history);
  g_assert_cmpuint (evox_history_get_n_undo (history), ==, 3);
  evox_document_set_colormap (document, "magma");
  evox_history_flush (history);
  g_assert_cmpuint (evox_history_get_n_undo (history), ==, 4);

  /* Notifications reach the history through the main loop too, not only through flush. */
  _evox_history_set_coalesce_ms (history, 0);
  evox_document_set_colormap (document, "grey");
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (evox_history_get_n_undo (history), ==, 5);

  /* The cap drops the oldest steps. */
  evox_history_set_max_steps (history, 2);
  g_assert_cmpuint (evox_history_get_n_undo (history), ==, 2);
  g_assert_cmpstr (evox_history_get_undo_name (history), ==, "Change Colour Map");

  /* Changes that are not edits (slices) make no step. */
  evox_document_set_slice (document, 2, 3);
  evox_history_flush (history);
  g_assert_cmpuint (evox_history_get_n_undo (history), ==, 2);
}

static void
test_new_volume (void)
{
  g_autoptr (EvoxDocument) document = new_document ();
  g_autoptr (EvoxHistory) history = evox_history_new (document);
  g_autoptr (EvoxVolume) other = evox_test_ball_new (N / 2, 2, 200, 20);
  g_autoptr (EvoxClusters) clusters = slab_clusters ();

  g_assert_true (evox_document_set_clusters (document, clusters));
  evox_history_flush (history);
  evox_document_set_colormap (document, "magma");
  evox_history_flush (history);
  g_assert_cmpuint (evox_history_get_n_undo (history), ==, 2);
  /* A volume of other dims: the steps spoke of another grid. */
  evox_document_set_volume (document, other, "small", NULL);
  evox_history_flush (history);
  g_assert_cmpuint (evox_history_get_n_undo (history), ==, 0);
  g_assert_false (evox_history_get_can_undo (history));
  g_assert_false (evox_history_undo (history));

  /* Another file of the same dims too, once its settings are in. */
  evox_document_set_colormap (document, "grey");
  evox_history_flush (history);
  g_assert_cmpuint (evox_history_get_n_undo (history), ==, 1);
  evox_document_set_volume (document, other, "small again", "/tmp/small.tif");
  evox_history_flush (history);
  g_assert_cmpuint (evox_history_get_n_undo (history), ==, 0);
  evox_document_set_colormap (document, "magma");
  evox_history_flush (history);
  g_assert_cmpuint (evox_history_get_n_undo (history), ==, 1);
  evox_history_clear (history);
  g_assert_cmpuint (evox_history_get_n_undo (history), ==, 0);
  g_assert_cmpuint (evox_history_get_n_redo (history), ==, 0);

}

/* capture, and which volume is shown (Make Phase's derived volume stays when it is undone, so
 * only the switches of stack and maps compare it). */
static char *
capture_volume (EvoxDocument *document,
                gpointer      data)
{
  g_autofree char *state = capture (document);

  return g_strdup_printf ("%svolume %p\n", state, (void *) evox_document_get_volume (document));
}

/* A registration run, its raw and registered views, maps added, shown and hidden, and the
 * registration reverted (which drops the maps): each a step, undone and redone with each side's
 * phases, volume and display as they were, the same registration and maps objects coming back
 * (nothing registered or mapped again). */
static void
test_maps_registration (void)
{
  g_autoptr (EvoxVolume) raw = NULL;
  g_autoptr (EvoxRegistration) registration = evox_test_registration_new_3d (12, 10, 4, 100,
                                                                             &raw);
  g_autoptr (EvoxDocument) document = evox_document_new ();
  g_autoptr (EvoxHistory) history = NULL;
  g_autoptr (EvoxVolume) maps = evox_test_volume_new (12, 10, 4, EVOX_SAMPLE_F32);
  g_autoptr (EvoxPhase) on_stack = evox_phase_new ("Disc", 500, 5000, "#ff0000");
  g_autoptr (EvoxPhase) on_maps = evox_phase_new ("Edge", 0.2, 0.8, "#00ff00");
  g_autoptr (GPtrArray) states = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  EvoxVolume *added;

  _evox_document_set_surface_delay (document, 1);
  evox_document_set_volume (document, raw, "stack", "/tmp/stack.tif");
  history = evox_history_new (document);
  evox_volume_set_channel_info (maps, 0, "edge_energy", NAN);
  evox_volume_freeze (maps);
  g_ptr_array_add (states, capture_volume (document, NULL));

#define STEP(name) \
  G_STMT_START { \
    evox_history_flush (history); \
    g_assert_cmpstr (evox_history_get_undo_name (history), ==, name); \
    g_ptr_array_add (names, (gpointer) name); \
    g_ptr_array_add (states, capture_volume (document, NULL)); \
    g_assert_cmpuint (evox_history_get_n_undo (history), ==, names->len); \
  } G_STMT_END

  evox_phase_list_append (evox_document_get_phases (document), on_stack);
  STEP ("Add Phase");
  g_assert_true (evox_document_set_registration (document, registration));
  STEP ("Register Stack");
  evox_document_set_registration_view (document, EVOX_REGISTRATION_VIEW_RAW);
  STEP ("Show Raw Stack");
  evox_document_set_registration_view (document, EVOX_REGISTRATION_VIEW_REGISTERED);
  STEP ("Show Registered Stack");
  g_assert_true (evox_document_add_maps (document, maps, NULL, &error));
  g_assert_no_error (error);
  added = evox_document_get_maps (document);
  STEP ("Add Maps");
  evox_phase_list_append (evox_document_get_phases (document), on_maps);
  STEP ("Add Phase");
  evox_document_set_show_maps (document, FALSE);
  g_assert_true (evox_phase_list_get_phase (evox_document_get_phases (document), 0) == on_stack);
  STEP ("Show Stack");
  evox_document_set_colormap (document, "magma");
  STEP ("Change Colour Map");
  evox_document_set_show_maps (document, TRUE);
  STEP ("Show Maps");
  g_assert_true (evox_document_set_registration (document, NULL));
  g_assert_null (evox_document_get_maps (document));
  STEP ("Revert Registration");
#undef STEP

  undo_redo_all (history, document, names, states, capture_volume, NULL);
  /* Before Revert Registration: the maps added and the registration are the same objects, not
   * made again. */
  g_assert_true (evox_history_undo (history));
  g_assert_true (evox_document_get_maps (document) == added);
  g_assert_true (evox_document_get_registration (document) == registration);
  g_assert_true (evox_document_get_volume (document) != raw);
}

/* Undoing an edge move gives the phase's surface back the mesh it had for that edge, and redoing it
 * the mesh of the moved edge, without building either again. */
static void
test_mesh_cache (void)
{
  g_autoptr (EvoxDocument) document = new_document ();
  g_autoptr (EvoxHistory) history = evox_history_new (document);
  g_autoptr (EvoxPhase) phase = evox_phase_new ("Ball", 150, 250, "#ff0000");
  EvoxSurface *surface;
  EvoxMesh *first, *moved;

  evox_phase_list_append (evox_document_get_phases (document), phase);
  surface = evox_document_add_phase_surface (document, phase);
  wait_for_surfaces (document);
  first = evox_surface_get_mesh (surface);
  g_assert_nonnull (first);
  evox_history_flush (history);
  g_signal_connect (surface, "notify::state", G_CALLBACK (count_build), NULL);
  builds = 0;
  /* An edge that takes in the outside (20) too: a different mesh. */
  evox_phase_set_range (phase, 10, 250);
  evox_history_flush (history);
  g_assert_cmpstr (evox_history_get_undo_name (history), ==, "Move Phase Edge");
  wait_for_surfaces (document);
  g_assert_cmpint (builds, ==, 1);
  moved = evox_surface_get_mesh (surface);
  g_assert_true (moved != first);
  /* The finished build reaches the history as a change of nothing recorded. */
  evox_history_flush (history);

  g_assert_true (evox_history_undo (history));
  g_assert_cmpfloat (evox_phase_get_lo (phase), ==, 150);
  g_assert_true (evox_surface_get_mesh (surface) == first);
  g_assert_cmpint (evox_surface_get_state (surface), ==, EVOX_SURFACE_STATE_READY);
  wait_for_surfaces (document);
  g_assert_true (evox_surface_get_mesh (surface) == first);
  g_assert_true (evox_history_redo (history));
  g_assert_cmpfloat (evox_phase_get_lo (phase), ==, 10);
  wait_for_surfaces (document);
  g_assert_true (evox_surface_get_mesh (surface) == moved);
  g_assert_cmpint (evox_surface_get_state (surface), ==, EVOX_SURFACE_STATE_READY);
  g_assert_cmpint (builds, ==, 1);
}

/* Make Phase from a cluster is one step: undone, the phase goes and the channel shown before comes
 * back; a list replaced wholesale (a preset) is named so. */
static void
test_cluster_phase (void)
{
  g_autoptr (EvoxDocument) document = new_document ();
  g_autoptr (EvoxHistory) history = evox_history_new (document);
  g_autoptr (EvoxClusters) clusters = slab_clusters ();
  g_autoptr (EvoxPhaseList) preset = evox_phase_list_new ();
  g_autoptr (EvoxPhase) a = evox_phase_new ("a", 0, 10, "#ff0000");
  g_autoptr (EvoxPhase) b = evox_phase_new ("b", 11, 20, "#00ff00");
  g_autoptr (GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *now = NULL;
  EvoxPhase *phase;

  g_assert_true (evox_document_set_clusters (document, clusters));
  evox_history_flush (history);
  before = capture (document);
  phase = evox_document_cluster_to_phase (document, 2, &error);
  g_assert_no_error (error);
  g_assert_nonnull (phase);
  g_assert_cmpuint (evox_document_get_channel (document), ==, 1);
  evox_history_flush (history);
  g_assert_cmpstr (evox_history_get_undo_name (history), ==, "Add Phase");
  g_assert_cmpuint (evox_history_get_n_undo (history), ==, 2);
  after = capture (document);
  g_assert_true (evox_history_undo (history));
  now = capture (document);
  g_assert_cmpstr (now, ==, before);
  g_assert_cmpuint (evox_phase_list_get_n_phases (evox_document_get_phases (document)), ==, 0);
  g_clear_pointer (&now, g_free);
  g_assert_true (evox_history_redo (history));
  now = capture (document);
  g_assert_cmpstr (now, ==, after);

  evox_phase_list_append (preset, a);
  evox_phase_list_append (preset, b);
  evox_phase_list_assign (evox_document_get_phases (document), preset);
  evox_history_flush (history);
  g_assert_cmpstr (evox_history_get_undo_name (history), ==, "Replace Phases");
  g_assert_true (evox_history_undo (history));
  g_clear_pointer (&now, g_free);
  now = capture (document);
  g_assert_cmpstr (now, ==, after);
}

/* The memory cap: heavy results only the history keeps alive are counted (16^3 labels are 16 KiB,
 * 16^3 clusters 8 KiB), and the oldest steps go when they are over the cap. */
/* Records what is pending as the step `name`, the next one, and the state after it. */
static void
record_step (EvoxHistory  *history,
             EvoxDocument *document,
             GPtrArray    *names,
             GPtrArray    *states,
             const char   *name,
             char       *(*capture_func) (EvoxDocument *document,
                                          gpointer      data))
{
  evox_history_flush (history);
  g_assert_cmpstr (evox_history_get_undo_name (history), ==, name);
  g_ptr_array_add (names, (gpointer) name);
  g_ptr_array_add (states, capture_func (document, NULL));
  g_assert_cmpuint (evox_history_get_n_undo (history), ==, names->len);
}

static char *
capture_layers (EvoxDocument *document,
                gpointer      data)
{
  EvoxVolume *volume = evox_document_get_volume (document);
  GString *out = g_string_new (NULL);
  g_autofree char *state = capture (document);
  gsize dims[3];

  evox_volume_get_dims (volume, dims);
  g_string_append (out, state);
  for (guint i = 0; i < dims[2]; i++)
    g_string_append_c (out, evox_document_get_layer_visible (document, i) ? 'L' : 'l');
  for (guint i = 0; i < evox_volume_get_n_scans (volume); i++)
    g_string_append_c (out, evox_document_get_scan_visible (document, i) ? 'S' : 's');
  return g_string_free (out, FALSE);
}

static char *
capture_plain (EvoxDocument *document,
               gpointer      data)
{
  return capture (document);
}

/* The RGB composite and the Volume view's style: every edit a step of its own name, undone and
 * redone to the captured state; a point's drag (past its neighbour) and a slot range's drag are
 * one step each, with coalescing off so only the grouping folds them. */
static void
test_view_sequence (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = evox_volume_new (N, N, N, 3, EVOX_SAMPLE_U8, &error);
  g_autoptr (EvoxDocument) document = evox_document_new ();
  g_autoptr (EvoxHistory) history = NULL;
  g_autoptr (GPtrArray) states = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  EvoxVolumeStyle *style = evox_document_get_volume_style (document);
  const double lo[3] = { 0.1, 0, 0.25 }, hi[3] = { 0.9, 1, 0.5 };
  int green;
  guint point;

  g_assert_no_error (error);
  for (guint c = 0; c < 3; c++)
    {
      guint8 *data = evox_volume_get_data_mut (volume, c);

      for (gsize i = 0; i < (gsize) N * N * N; i++)
        data[i] = (guint8) ((i * (c + 3)) % 251);
    }
  evox_volume_freeze (volume);
  evox_document_set_volume (document, volume, "rgb", NULL);
  history = evox_history_new (document);
  _evox_history_set_coalesce_ms (history, 0);
  g_ptr_array_add (states, capture (document));

#define STEP(name) record_step (history, document, names, states, name, capture_plain)

  /* Switched on with no slot used, the slots take defaults: one step with the switch. */
  evox_document_set_composite (document, TRUE);
  evox_document_get_composite_slot (document, 1, &green, NULL, NULL);
  g_assert_cmpint (green, >=, 0);
  STEP ("Show Composite");
  evox_document_set_composite_slot (document, 0, 2, NAN, NAN);
  STEP ("Change Composite Red Channel");
  evox_history_begin_group (history, NULL);
  for (int i = 1; i <= 4; i++)
    {
      evox_document_set_composite_slot (document, 1, green, 10, 50 + 10 * i);
      evox_history_flush (history);
    }
  evox_history_end_group (history);
  STEP ("Change Composite Green Range");
  evox_document_set_composite_slot (document, 2, -1, 0, 0);
  STEP ("Change Composite Blue Channel");
  evox_document_set_composite_phases (document, TRUE);
  STEP ("Composite Phase Colours");

  evox_volume_style_set_points (style, (double[]) { 20, 120 }, (double[]) { 0.1, 0.4 }, 2);
  STEP ("Change Opacity Curve");
  point = evox_volume_style_add_point (style, 60, 0.3);
  STEP ("Add Opacity Point");
  /* A drag of the middle point past the last one, in four moves. */
  evox_history_begin_group (history, NULL);
  for (int i = 1; i <= 4; i++)
    {
      point = evox_volume_style_move_point (style, point, 60 + 30 * i, 0.3 + 0.1 * i);
      evox_history_flush (history);
    }
  evox_history_end_group (history);
  g_assert_cmpuint (point, ==, 2);
  STEP ("Move Opacity Point");
  evox_volume_style_remove_point (style, 0);
  STEP ("Remove Opacity Point");
  evox_volume_style_set_mode (style, EVOX_RAY_ISO);
  STEP ("Change Volume Mode");
  evox_volume_style_set_iso_level (style, 77);
  STEP ("Change Iso Level");
  evox_volume_style_set_opacity_scale (style, 0.5);
  STEP ("Change Volume Opacity");
  evox_volume_style_set_source (style, EVOX_VOLUME_SOURCE_PHASES);
  STEP ("Change Volume Colours");
  evox_volume_style_set_show_slices (style, TRUE);
  STEP ("Show Slices in Volume");
  evox_volume_style_set_mark_layers (style, FALSE);
  STEP ("Mark Measured Layers");
  evox_volume_style_set_clip (style, lo, hi);
  STEP ("Change Clip Box");
  evox_document_set_histogram_source (document, EVOX_HISTOGRAM_SLICE);
  STEP ("Change Histogram Source");
  evox_document_set_histogram_log_counts (document, TRUE);
  STEP ("Log Counts");
  evox_document_set_histogram_per_layer (document, TRUE);
  STEP ("Histogram per Layer");
  /* Another channel resets the curve to its range: undone with the channel. */
  evox_document_set_channel (document, 1);
  STEP ("Change Channel");
#undef STEP

  undo_redo_all (history, document, names, states, capture_plain, NULL);
}

/* Layers and measured scans of an SSRM stack hidden and shown: a step each. */
static void
test_layers (void)
{
  g_autoptr (EvoxVolume) volume = evox_demo_volume_new (43);
  g_autoptr (EvoxDocument) document = evox_document_new ();
  g_autoptr (EvoxHistory) history = NULL;
  g_autoptr (GPtrArray) states = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  gsize dims[3];

  evox_document_set_volume (document, volume, "ssrm", NULL);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (evox_volume_get_n_scans (volume), >=, 2);
  history = evox_history_new (document);
  g_ptr_array_add (states, capture_layers (document, NULL));

#define STEP(name) record_step (history, document, names, states, name, capture_layers)

  evox_document_set_scan_visible (document, 1, FALSE);
  STEP ("Hide Scan");
  evox_document_set_layer_visible (document, (guint) dims[2] - 1, FALSE);
  STEP ("Hide Layer");
  evox_document_set_scan_visible (document, 1, TRUE);
  STEP ("Show Scan");
  evox_document_set_layer_visible (document, (guint) dims[2] - 1, TRUE);
  STEP ("Show Layer");
#undef STEP

  undo_redo_all (history, document, names, states, capture_layers, NULL);
}

/* What the voxel size decides, read through the volume's and the labels' getters: each volume
 * of the sample (the one shown, the registration's stacks, the maps) with its spacing, whether it
 * is known, the unit lengths are shown in and each channel's pixel size, and the particles' sizes.
 * The rulers' ends and lengths, the surfaces' meshes and the labels object are in capture. */
static void
capture_sample_volume (GString    *out,
                       const char *name,
                       EvoxVolume *volume)
{
  double spacing[3];

  if (volume == NULL)
    return;
  evox_volume_get_spacing (volume, spacing);
  g_string_append_printf (out, "%s %p spacing %.17g %.17g %.17g known %d unit %d\n", name,
                          (void *) volume, spacing[0], spacing[1], spacing[2],
                          evox_volume_get_spacing_known (volume),
                          evox_units_for_volume (volume).unit);
  for (guint c = 0; c < evox_volume_get_n_channels (volume); c++)
    g_string_append_printf (out, "  channel %u pixel %d %.17g\n", c,
                            evox_volume_has_channel_pixel_size (volume, c),
                            evox_volume_get_channel_pixel_size (volume, c));
}

static char *
capture_voxel_size (EvoxDocument *document,
                    gpointer      data)
{
  g_autofree char *state = capture (document);
  GString *out = g_string_new (state);
  EvoxRegistration *registration = evox_document_get_registration (document);
  EvoxLabels *labels = evox_document_get_labels (document);

  capture_sample_volume (out, "volume", evox_document_get_volume (document));
  if (registration != NULL)
    {
      capture_sample_volume (out, "raw", evox_registration_get_raw (registration));
      capture_sample_volume (out, "registered", evox_registration_get_registered (registration));
    }
  capture_sample_volume (out, "maps", evox_document_get_maps (document));
  for (guint i = 1; labels != NULL && i <= evox_labels_get_n_particles (labels); i++)
    {
      const EvoxParticle *p = evox_labels_get_particle (labels, i);

      g_string_append_printf (out, "particle %u %" G_GUINT64_FORMAT " %.17g %.17g %.17g\n", i,
                              p->voxels, p->volume_nm3, p->diameter_nm, p->area_nm2);
    }
  return g_string_free (out, FALSE);
}

static EvoxLabels *
ball_labels (EvoxDocument *document)
{
  g_autoptr (GError) error = NULL;
  EvoxLabels *labels = evox_labels_compute (evox_document_get_volume (document), 0, "Ball", 150,
                                            250, EVOX_CONNECTIVITY_26, 0, NULL, NULL, &error);

  g_assert_no_error (error);
  return labels;
}

/* Setting the voxel size is one step a time (two in a row stay two): undone and redone, the
 * spacing, whether it is known (and so the unit), the particles, the rulers and the surfaces come
 * back as they were, the same labels and meshes without measuring or building again. */
static void
test_voxel_size (void)
{
  g_autoptr (EvoxDocument) document = new_document ();
  g_autoptr (EvoxHistory) history = NULL;
  g_autoptr (EvoxPhase) ball = evox_phase_new ("Ball", 150, 250, "#ff0000");
  g_autoptr (EvoxMeasurement) ruler = evox_measurement_new (2, 8, (double[3]) { 2, 3, 8 },
                                                            (double[3]) { 13, 9, 8 });
  g_autoptr (EvoxLabels) labels = ball_labels (document);
  g_autoptr (EvoxLabels) relabelled = NULL;
  g_autoptr (GPtrArray) states = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  const double stated[3] = { 500, 500, 2000 }, again[3] = { 0.3, 0.3, 0.3 };
  EvoxVolume *volume = evox_document_get_volume (document);
  EvoxSurface *surface;
  EvoxMesh *mesh;
  double spacing[3];

  evox_phase_list_append (evox_document_get_phases (document), ball);
  evox_document_set_labels (document, labels);
  evox_measurement_list_append (evox_document_get_measurements (document), ruler);
  surface = evox_document_add_phase_surface (document, ball);
  wait_for_surfaces (document);
  mesh = evox_surface_get_mesh (surface);
  g_assert_nonnull (mesh);
  g_assert_false (evox_volume_get_spacing_known (volume));
  history = evox_history_new (document);
  g_ptr_array_add (states, capture_voxel_size (document, NULL));

#define STEP(name) record_step (history, document, names, states, name, capture_voxel_size)

  evox_document_set_voxel_size (document, stated);
  /* The surface built again for the new size is part of the state after the step. */
  wait_for_surfaces (document);
  g_assert_true (evox_surface_get_mesh (surface) != mesh);
  g_assert_null (evox_document_get_labels (document));
  STEP ("Change Voxel Size");
  relabelled = ball_labels (document);
  evox_document_set_labels (document, relabelled);
  STEP ("Find Particles");
  evox_document_set_voxel_size (document, again);
  wait_for_surfaces (document);
  STEP ("Change Voxel Size");
#undef STEP

  /* The particles were measured in the size of their time: 1 nm voxels, then 500 x 500 x 2000. */
  g_assert_nonnull (strstr (states->pdata[0], "particle 1 "));
  g_assert_cmpfloat (evox_labels_get_particle (relabelled, 1)->volume_nm3, ==,
                     evox_labels_get_particle (labels, 1)->volume_nm3 * 500 * 500 * 2000);
  g_signal_connect (surface, "notify::state", G_CALLBACK (count_build), NULL);
  builds = 0;
  undo_redo_all (history, document, names, states, capture_voxel_size, NULL);

  /* Back to the start: no size known, the particles and the mesh of then, nothing built. */
  while (evox_history_undo (history))
    ;
  wait_for_surfaces (document);
  g_assert_false (evox_volume_get_spacing_known (volume));
  evox_volume_get_spacing (volume, spacing);
  g_assert_cmpfloat (spacing[0], ==, 1);
  g_assert_cmpfloat (spacing[2], ==, 1);
  g_assert_true (evox_document_get_labels (document) == labels);
  g_assert_true (evox_surface_get_mesh (surface) == mesh);
  g_assert_cmpint (builds, ==, 0);
}

/* A registered stack with maps: the voxel size scales the raw and registered stacks and the maps
 * together; undone and redone, each one's spacing and pixel sizes are back exactly (a factor
 * applied back and forth would be off in the last bits for 37.3 nm). */
static void
test_voxel_size_registration (void)
{
  g_autoptr (EvoxVolume) raw = NULL;
  g_autoptr (EvoxRegistration) registration = evox_test_registration_new_3d (12, 10, 4, 100,
                                                                             &raw);
  g_autoptr (EvoxDocument) document = evox_document_new ();
  g_autoptr (EvoxHistory) history = NULL;
  g_autoptr (EvoxVolume) maps = evox_test_volume_new (12, 10, 4, EVOX_SAMPLE_F32);
  g_autoptr (GPtrArray) states = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  const double stated[3] = { 37.3, 37.3, 110.7 }, again[3] = { 9.1, 9.1, 9.1 };

  _evox_document_set_surface_delay (document, 1);
  evox_document_set_volume (document, raw, "stack", "/tmp/stack.tif");
  g_assert_true (evox_document_set_registration (document, registration));
  evox_volume_freeze (maps);
  g_assert_true (evox_document_add_maps (document, maps, NULL, &error));
  g_assert_no_error (error);
  history = evox_history_new (document);
  g_ptr_array_add (states, capture_voxel_size (document, NULL));

#define STEP(name) record_step (history, document, names, states, name, capture_voxel_size)

  evox_document_set_voxel_size (document, stated);
  STEP ("Change Voxel Size");
  evox_document_set_show_maps (document, FALSE);
  STEP ("Show Stack");
  evox_document_set_registration_view (document, EVOX_REGISTRATION_VIEW_RAW);
  STEP ("Show Raw Stack");
  evox_document_set_voxel_size (document, again);
  STEP ("Change Voxel Size");
#undef STEP

  undo_redo_all (history, document, names, states, capture_voxel_size, NULL);
}

/* Other clusters are named for what they are: a merge (one merge more than before), the Metrics
 * page's percolation classes shown, changed and hidden, a new run (of smaller k too); each
 * undone and redone to the captured states. */
static void
test_cluster_steps (void)
{
  g_autoptr (EvoxDocument) document = new_document ();
  g_autoptr (EvoxHistory) history = evox_history_new (document);
  g_autoptr (EvoxClusters) run = slabs (4);
  g_autoptr (EvoxClusters) merged = NULL;
  g_autoptr (EvoxClusters) along_x = slabs (4);
  g_autoptr (EvoxClusters) along_y = slabs (4);
  g_autoptr (EvoxClusters) again = slabs (2);
  g_autoptr (GPtrArray) states = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;

  /* As evox_percolation_clusters_new marks its classes (the analysis library is not linked). */
  evox_clusters_set_info (along_x, "source", "percolation");
  evox_clusters_set_info (along_y, "source", "percolation");
  g_ptr_array_add (states, capture (document));

#define STEP(name) record_step (history, document, names, states, name, capture_plain)

  g_assert_true (evox_document_set_clusters (document, run));
  STEP ("Cluster");
  merged = evox_clusters_merge (run, 1, 2, &error);
  g_assert_no_error (error);
  g_assert_true (evox_document_set_clusters (document, merged));
  STEP ("Merge Clusters");
  g_assert_true (evox_document_set_clusters (document, along_x));
  STEP ("Show Percolation");
  g_assert_true (evox_document_set_clusters (document, along_y));
  STEP ("Change Percolation Axis");
  g_assert_true (evox_document_set_clusters (document, merged));
  STEP ("Hide Percolation");
  g_assert_true (evox_document_set_clusters (document, again));
  STEP ("Cluster");
  g_assert_true (evox_document_set_clusters (document, NULL));
  STEP ("Clear Clusters");
#undef STEP

  undo_redo_all (history, document, names, states, capture_plain, NULL);
}

static void
test_memory_cap (void)
{
  g_autoptr (EvoxDocument) document = new_document ();
  g_autoptr (EvoxHistory) history = evox_history_new (document);
  g_autoptr (EvoxClusters) first = slab_clusters ();
  g_autoptr (EvoxClusters) second = slab_clusters ();
  g_autoptr (EvoxClusters) third = slab_clusters ();

  g_assert_true (evox_document_set_clusters (document, first));
  evox_history_flush (history);
  g_assert_cmpuint (_evox_history_get_bytes (history), ==, 0);
  g_assert_true (evox_document_set_clusters (document, second));
  evox_history_flush (history);
  /* first is held by the history only; second is the document's. */
  g_assert_cmpuint (_evox_history_get_bytes (history), ==, N * N * N * 2);
  g_assert_true (evox_document_set_clusters (document, third));
  evox_history_flush (history);
  g_assert_cmpuint (_evox_history_get_bytes (history), ==, 2 * N * N * N * 2);
  g_assert_cmpuint (evox_history_get_n_undo (history), ==, 3);
  evox_history_set_max_bytes (history, N * N * N * 2);
  /* The step from nothing to first keeps nothing alive that the next one does not: dropping
   * it frees nothing, so the step from first to second goes too. */
  g_assert_cmpuint (evox_history_get_n_undo (history), ==, 1);
  g_assert_cmpuint (_evox_history_get_bytes (history), ==, N * N * N * 2);
  g_assert_true (evox_history_undo (history));
  g_assert_true (evox_document_get_clusters (document) == second);
  g_assert_false (evox_history_undo (history));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/History/sequence", test_sequence);
  g_test_add_func ("/Evox/History/figure-sequence", test_figure_sequence);
  g_test_add_func ("/Evox/History/grouping", test_grouping);
  g_test_add_func ("/Evox/History/new-volume", test_new_volume);
  g_test_add_func ("/Evox/History/maps-registration", test_maps_registration);
  g_test_add_func ("/Evox/History/mesh-cache", test_mesh_cache);
  g_test_add_func ("/Evox/History/cluster-phase", test_cluster_phase);
  g_test_add_func ("/Evox/History/memory-cap", test_memory_cap);
  g_test_add_func ("/Evox/History/view-sequence", test_view_sequence);
  g_test_add_func ("/Evox/History/layers", test_layers);
  g_test_add_func ("/Evox/History/voxel-size", test_voxel_size);
  g_test_add_func ("/Evox/History/cluster-steps", test_cluster_steps);
  g_test_add_func ("/Evox/History/voxel-size-registration", test_voxel_size_registration);
  return g_test_run ();
}
