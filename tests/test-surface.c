/* test-surface.c: surfaces of a document: the model, rebuilds that wait for edits to pause, a
 * build cancelled when its spec changes, user cancel, and surfaces following volume, channel,
 * labels, smoothing and the triangle budget. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>

#include "evox-document.h"
#include "evox-surface-builder.h"
#include "evox-test-volume.h"

#define N 40

static gboolean
iterate_until_idle (EvoxDocument *document,
                    double        seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      if (!evox_document_get_surfaces_busy (document))
        return TRUE;
      g_usleep (1000);
    }
  return FALSE;
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static void
test_model (void)
{
  EvoxSurfaceSpec spec = { .kind = EVOX_SURFACE_LEVEL, .level = 3 };
  g_autoptr (EvoxSurface) surface = evox_surface_new ("a", &spec, "#FF0000");
  g_autoptr (EvoxSurfaceList) list = evox_surface_list_new ();
  g_autoptr (EvoxPhase) phase = evox_phase_new ("p", 1, 2, "#00ff00");
  g_autoptr (EvoxSurface) follower = NULL;
  guint changed = 0, spec_notes = 0;
  float rgba[4];

  g_assert_cmpstr (evox_surface_get_color (surface), ==, "#ff0000");
  g_assert_cmpint (evox_surface_get_state (surface), ==, EVOX_SURFACE_STATE_STALE);
  evox_surface_set_opacity (surface, 0.25);
  evox_surface_get_rgba (surface, rgba);
  g_assert_cmpfloat (rgba[0], ==, 1.0f);
  g_assert_cmpfloat (rgba[1], ==, 0.0f);
  g_assert_cmpfloat (rgba[3], ==, 0.25f);

  g_signal_connect (list, "changed", G_CALLBACK (count_notify), &changed);
  evox_surface_list_append (list, surface);
  g_assert_cmpuint (changed, ==, 1);
  evox_surface_set_visible (surface, FALSE);
  evox_surface_set_visible (surface, FALSE);
  g_assert_cmpuint (changed, ==, 2);
  /* The next colour is one the list does not use yet. */
  g_assert_cmpstr (evox_surface_list_next_color (list), !=, "#ff0000");

  g_signal_connect (surface, "notify::spec", G_CALLBACK (count_notify), &spec_notes);
  evox_surface_set_spec (surface, &spec);
  g_assert_cmpuint (spec_notes, ==, 0);
  spec.level = 4;
  evox_surface_set_spec (surface, &spec);
  g_assert_cmpuint (spec_notes, ==, 1);
  g_assert_cmpfloat (evox_surface_get_spec (surface)->level, ==, 4);

  /* A phase's surface follows its range. */
  follower = evox_surface_new_for_phase (phase, 0, TRUE, 1000);
  g_assert_cmpstr (evox_surface_get_name (follower), ==, "p");
  g_assert_cmpstr (evox_surface_get_color (follower), ==, "#00ff00");
  {
    g_autoptr (EvoxMesh) empty = evox_mesh_new_empty ();

    _evox_surface_end_build (follower, empty, NULL);
  }
  g_assert_cmpint (evox_surface_get_state (follower), ==, EVOX_SURFACE_STATE_READY);
  evox_phase_set_range (phase, 0.5, 7);
  g_assert_cmpfloat (evox_surface_get_spec (follower)->lo, ==, 0.5);
  g_assert_cmpfloat (evox_surface_get_spec (follower)->hi, ==, 7);
  g_assert_true (evox_surface_get_spec (follower)->smooth);
  g_assert_cmpint (evox_surface_get_state (follower), ==, EVOX_SURFACE_STATE_STALE);

  evox_surface_list_remove (list, 0);
  g_assert_cmpuint (evox_surface_list_get_n_surfaces (list), ==, 0);
  g_assert_finalize_object (g_steal_pointer (&follower));
}

static void
test_build (void)
{
  g_autoptr (EvoxDocument) document = evox_document_new ();
  g_autoptr (EvoxVolume) ball = evox_test_ball_new (N, 12, 255, 0);
  EvoxSurface *surface;
  EvoxMesh *mesh;
  guint meshes = 0;

  evox_document_set_volume (document, ball, "ball", NULL);
  _evox_document_set_surface_delay (document, 20);
  evox_document_set_smooth_surfaces (document, FALSE);
  surface = evox_document_add_level_surface (document, 127.5);
  g_assert_true (evox_document_get_surfaces_busy (document));
  g_signal_connect (surface, "notify::mesh", G_CALLBACK (count_notify), &meshes);
  g_assert_true (iterate_until_idle (document, 60));
  g_assert_cmpint (evox_surface_get_state (surface), ==, EVOX_SURFACE_STATE_READY);
  g_assert_cmpuint (meshes, ==, 1);
  mesh = evox_surface_get_mesh (surface);
  g_assert_nonnull (mesh);
  g_assert_true (evox_mesh_is_closed (mesh));
  /* A mask contoured half way between voxel centres: close to the voxel ball's 4/3 pi r^3, with
   * the corners cut (within 10%; the exact figures are tested in core's isosurface tests). */
  g_assert_cmpfloat (fabs (evox_mesh_get_volume (mesh) / (4.0 / 3 * G_PI * 12 * 12 * 12) - 1),
                     <, 0.1);

  /* Recolouring and hiding rebuild nothing. */
  evox_surface_set_color (surface, "#123456");
  evox_surface_set_visible (surface, FALSE);
  g_assert_false (evox_document_get_surfaces_busy (document));

  /* The budget applies to every surface and rebuilds it. */
  evox_document_set_triangle_budget (document, 500);
  g_assert_cmpuint (evox_surface_get_spec (surface)->max_triangles, ==, 500);
  g_assert_true (iterate_until_idle (document, 60));
  g_assert_cmpuint (meshes, ==, 2);
  g_assert_cmpuint (evox_mesh_get_n_triangles (evox_surface_get_mesh (surface)), <=, 500);

  /* A budget below a closed surface's fewest triangles would fail every build: it is 4. */
  evox_document_set_triangle_budget (document, 2);
  g_assert_cmpuint (evox_document_get_triangle_budget (document), ==, 4);
  g_assert_true (iterate_until_idle (document, 60));
  g_assert_cmpint (evox_surface_get_state (surface), ==, EVOX_SURFACE_STATE_READY);
  g_assert_cmpuint (evox_mesh_get_n_triangles (evox_surface_get_mesh (surface)), >=, 4);
}

/* While a phase edge is dragged, nothing is built; one build follows the pause. The quiet
 * period is a minute while the edits come, so that no pause of a loaded machine between two of
 * them can end it; then it is shortened for the last edit, which must restart it. */
static void
test_debounce (void)
{
  g_autoptr (EvoxDocument) document = evox_document_new ();
  g_autoptr (EvoxVolume) ball = evox_test_ball_new (N, 10, 255, 0);
  g_autoptr (EvoxPhase) phase = evox_phase_new ("ball", 200, 255, NULL);
  EvoxSurface *surface;
  guint meshes = 0, builds = 0;

  evox_document_set_volume (document, ball, "ball", NULL);
  evox_phase_list_append (evox_document_get_phases (document), phase);
  _evox_document_set_surface_delay (document, 150);
  surface = evox_document_add_phase_surface (document, phase);
  g_signal_connect (surface, "notify::mesh", G_CALLBACK (count_notify), &meshes);
  g_assert_true (iterate_until_idle (document, 60));
  g_assert_cmpuint (meshes, ==, 1);

  _evox_document_set_surface_delay (document, 60000);
  for (guint step = 0; step < 29; step++)
    {
      evox_phase_set_range (phase, 100 + step, 255);
      /* Whatever the edit made ready runs; the quiet period does not end. */
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (evox_surface_get_state (surface) == EVOX_SURFACE_STATE_BUILDING)
        builds++;
    }
  g_assert_cmpuint (builds, ==, 0);
  g_assert_cmpuint (meshes, ==, 1);
  g_assert_true (evox_document_get_surfaces_busy (document));
  _evox_document_set_surface_delay (document, 150);
  evox_phase_set_range (phase, 129, 255);
  g_assert_true (iterate_until_idle (document, 60));
  g_assert_cmpuint (meshes, ==, 2);
  g_assert_cmpfloat (evox_surface_get_spec (surface)->lo, ==, 129);

  /* The surface goes with its phase; a level surface stays. */
  evox_document_add_level_surface (document, 100);
  evox_phase_list_remove (evox_document_get_phases (document), 0);
  g_assert_cmpuint (evox_surface_list_get_n_surfaces (evox_document_get_surfaces (document)), ==,
                    1);
  g_assert_cmpint (evox_surface_get_spec (evox_surface_list_get_surface (
                     evox_document_get_surfaces (document), 0))->kind, ==, EVOX_SURFACE_LEVEL);
}

/* A spec change during a build cancels it and builds the new spec; Stop fails the surface with
 * "Cancelled" and builds nothing more until the spec changes. */
static void
test_cancel (void)
{
  g_autoptr (EvoxDocument) document = evox_document_new ();
  g_autoptr (EvoxVolume) ball = evox_test_ball_new (N, 15, 255, 0);
  EvoxSurface *surface;
  EvoxSurfaceSpec spec;

  evox_document_set_volume (document, ball, "ball", NULL);
  _evox_document_set_surface_delay (document, 0);
  surface = evox_document_add_level_surface (document, 100);
  while (evox_surface_get_state (surface) != EVOX_SURFACE_STATE_BUILDING)
    g_main_context_iteration (NULL, TRUE);
  spec = *evox_surface_get_spec (surface);
  spec.level = 50;
  evox_surface_set_spec (surface, &spec);
  g_assert_true (iterate_until_idle (document, 60));
  g_assert_cmpint (evox_surface_get_state (surface), ==, EVOX_SURFACE_STATE_READY);
  g_assert_cmpfloat (evox_surface_get_spec (surface)->level, ==, 50);

  _evox_surface_mark_stale (surface);
  while (evox_surface_get_state (surface) != EVOX_SURFACE_STATE_BUILDING)
    g_main_context_iteration (NULL, TRUE);
  evox_document_cancel_surface_build (document);
  g_assert_true (iterate_until_idle (document, 60));
  /* The build may have finished before the cancel reached it; otherwise it failed. */
  if (evox_surface_get_state (surface) == EVOX_SURFACE_STATE_FAILED)
    g_assert_cmpstr (evox_surface_get_message (surface), ==, "Cancelled");
  else
    g_assert_cmpint (evox_surface_get_state (surface), ==, EVOX_SURFACE_STATE_READY);
  g_assert_nonnull (evox_surface_get_mesh (surface));
}

/* Surfaces follow the document: another volume rebuilds them; new labels drop particle surfaces;
 * a volume of the other value scale clears them; the list lives as long as the document. */
static void
test_document (void)
{
  g_autoptr (EvoxDocument) document = evox_document_new ();
  g_autoptr (EvoxVolume) small = evox_test_ball_new (N, 6, 255, 0);
  g_autoptr (EvoxVolume) big = evox_test_ball_new (N, 14, 255, 0);
  g_autoptr (EvoxLabels) labels = NULL;
  g_autoptr (GError) error = NULL;
  EvoxSurfaceList *list = evox_document_get_surfaces (document);
  EvoxSurface *level, *particle;
  double small_volume;

  evox_document_set_volume (document, small, "small", NULL);
  _evox_document_set_surface_delay (document, 0);
  level = evox_document_add_level_surface (document, 127.5);
  labels = evox_labels_compute (small, 0, "ball", 255, 255, EVOX_CONNECTIVITY_6, 0, NULL, NULL,
                                &error);
  g_assert_no_error (error);
  evox_document_set_labels (document, labels);
  particle = evox_document_add_particle_surface (document, 1);
  g_assert_cmpstr (evox_surface_get_color (particle), ==, "#ff00ff");
  g_assert_true (iterate_until_idle (document, 60));
  g_assert_cmpint (evox_surface_get_state (particle), ==, EVOX_SURFACE_STATE_READY);
  g_assert_cmpuint (evox_surface_list_get_n_surfaces (list), ==, 2);
  small_volume = evox_mesh_get_volume (evox_surface_get_mesh (level));

  evox_document_set_volume (document, big, "big", NULL);
  g_assert_cmpuint (evox_surface_list_get_n_surfaces (list), ==, 1);
  g_assert_true (evox_surface_list_get_surface (list, 0) == level);
  g_assert_true (iterate_until_idle (document, 60));
  g_assert_cmpfloat (evox_mesh_get_volume (evox_surface_get_mesh (level)), >, 5 * small_volume);

  evox_document_set_volume (document, NULL, NULL, NULL);
  g_assert_cmpuint (evox_surface_list_get_n_surfaces (list), ==, 0);
}

/* Phases that meet at one value: the value is the first phase's, as fractions and label volumes
 * count it, so the second phase's surface does not enclose it too. A surface made outside a
 * document keeps its phase's whole range (test_model). */
static void
test_shared_edge (void)
{
  g_autoptr (EvoxDocument) document = evox_document_new ();
  g_autoptr (EvoxVolume) ball = evox_test_ball_new (N, 6, 255, 0);
  g_autoptr (EvoxPhase) a = evox_phase_new ("A", 0, 255, "#000000");
  g_autoptr (EvoxPhase) b = evox_phase_new ("B", 200, 255, "#ffffff");
  EvoxSurface *surface;

  evox_document_set_volume (document, ball, "ball", NULL);
  _evox_document_set_surface_delay (document, 0);
  evox_phase_list_append (evox_document_get_phases (document), a);
  evox_phase_list_append (evox_document_get_phases (document), b);
  surface = evox_document_add_phase_surface (document, b);
  /* B overlaps A over 200..255, more than an edge: it keeps its range (the overlap is flagged). */
  g_assert_cmpfloat (evox_surface_get_spec (surface)->lo, ==, 200);
  g_assert_cmpfloat (evox_surface_get_spec (surface)->hi, ==, 255);

  /* Editing A so that only the edge 200 is shared gives 200 to A: B encloses 201..255. */
  evox_phase_set_range (a, 0, 200);
  g_assert_cmpfloat (evox_surface_get_spec (surface)->lo, ==, 201);
  g_assert_cmpfloat (evox_surface_get_spec (surface)->hi, ==, 255);
  g_assert_true (iterate_until_idle (document, 60));
  g_assert_cmpint (evox_surface_get_state (surface), ==, EVOX_SURFACE_STATE_READY);
  g_assert_cmpfloat (evox_mesh_get_volume (evox_surface_get_mesh (surface)), >, 0);

  /* Moving B above A gives it the edge. */
  evox_phase_list_move (evox_document_get_phases (document), 1, 0);
  g_assert_cmpfloat (evox_surface_get_spec (surface)->lo, ==, 200);
  g_assert_cmpint (evox_surface_get_state (surface), ==, EVOX_SURFACE_STATE_STALE);
  /* First in the list, B owns all of its range whatever A does. */
  evox_phase_set_range (b, 150, 255);
  g_assert_cmpfloat (evox_surface_get_spec (surface)->lo, ==, 150);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Evox/Surface/model", test_model);
  g_test_add_func ("/Evox/Surface/build", test_build);
  g_test_add_func ("/Evox/Surface/debounce", test_debounce);
  g_test_add_func ("/Evox/Surface/cancel", test_cancel);
  g_test_add_func ("/Evox/Surface/document", test_document);
  g_test_add_func ("/Evox/Surface/shared-edge", test_shared_edge);
  return g_test_run ();
}
