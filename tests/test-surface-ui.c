/* test-surface-ui.c: surfaces in the window under Xvfb: phases given with --surfaces are built
 * and drawn in the canvas (hidden and shown again, cut away by the slices), the row reports
 * triangles, area and volume, a level typed wrong is refused, File > Export Surfaces writes a
 * mesh that reads back, and a row's Remove takes the surface out. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "evox-surface-panel.h"
#include "evox-test-mesh.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-test-volume.h"
#include "evox-tiff.h"
#include "evox-window.h"

#define N 48

/* A u8 volume holding a ball of radius 14 voxels (value 200) in a background of 10. */
static char *
write_ball (const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = evox_test_ball_new (N, 14, 200, 10);
  char *path = g_build_filename (dir, "ball.tif", NULL);

  g_assert_true (evox_tiff_write (volume, 0, path, 0, &error));
  g_assert_no_error (error);
  return path;
}

static gboolean
surfaces_ready (gpointer data)
{
  EvoxDocument *document = evox_window_get_document (data);
  EvoxSurfaceList *list = evox_document_get_surfaces (document);

  return evox_document_get_volume (document) != NULL && !evox_window_is_loading (data) &&
         evox_surface_list_get_n_surfaces (list) > 0 &&
         !evox_document_get_surfaces_busy (document);
}

/* Pixels that differ between two frames by more than a little in any channel, and how many of
 * those are bluer than red in `a` (the surface is tab10's blue, #1f77b4). */
static guint
count_changed (const EvoxTestGrab *a,
               const EvoxTestGrab *b,
               guint              *bluish)
{
  guint changed = 0;

  *bluish = 0;
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  for (gsize i = 0; i < (gsize) a->width * a->height; i++)
    {
      const guint8 *p = a->pixels + 4 * i, *q = b->pixels + 4 * i;

      if (abs (p[0] - q[0]) + abs (p[1] - q[1]) + abs (p[2] - q[2]) > 24)
        {
          changed++;
          if (p[2] > p[0] + 20)
            (*bluish)++;
        }
    }
  return changed;
}

/* The next frame the canvas draws, into grab. */
static void
grab_frame (GtkWidget    *canvas,
            EvoxTestGrab *grab)
{
  gulong id = g_signal_connect (canvas, "frame-drawn", G_CALLBACK (evox_test_grab_frame), grab);

  g_clear_pointer (&grab->pixels, g_free);
  gtk_widget_queue_draw (canvas);
  g_assert_true (evox_test_wait_for (evox_test_grabbed, grab, 60));
  g_signal_handler_disconnect (canvas, id);
}

static void
test_surfaces_in_window (void)
{
  char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = write_ball (dir);
  g_autofree char *ply = g_build_filename (dir, "surfaces.ply", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (EvoxTestMesh) read = NULL;
  g_autoptr (GError) error = NULL;
  const char *specs[] = { "ball=100:255", NULL };
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxSurfaceList *list = evox_document_get_surfaces (document);
  EvoxSurfacePanel *panel = EVOX_SURFACE_PANEL (evox_window_get_surface_panel (window));
  GtkWidget *canvas = evox_window_get_canvas (window);
  EvoxTestGrab shown = { 0 }, hidden = { 0 }, clipped = { 0 };
  EvoxSurface *surface;
  EvoxMesh *mesh;
  guint changed, bluish;

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  evox_window_set_startup_surfaces (window, TRUE);
  evox_window_set_startup_phases (window, specs, NULL);
  evox_window_open_file (window, file, NULL);
  g_assert_true (evox_test_wait_for (surfaces_ready, window, 60));
  g_assert_null (evox_window_get_error (window));

  g_assert_cmpuint (evox_surface_list_get_n_surfaces (list), ==, 1);
  surface = evox_surface_list_get_surface (list, 0);
  g_assert_cmpstr (evox_surface_get_name (surface), ==, "ball");
  g_assert_cmpint (evox_surface_get_state (surface), ==, EVOX_SURFACE_STATE_READY);
  mesh = evox_surface_get_mesh (surface);
  g_assert_true (evox_mesh_is_closed (mesh));
  /* The smoothed mask of a ball of radius 14: within 5% of 4/3 pi 14^3. */
  g_assert_cmpfloat (fabs (evox_mesh_get_volume (mesh) / (4.0 / 3 * G_PI * pow (14, 3)) - 1), <,
                     0.05);
  {
    const char *stats = evox_surface_row_get_stats (evox_surface_panel_get_row (panel, 0));
    g_autofree char *count = g_strdup_printf ("%" G_GSIZE_FORMAT,
                                              evox_mesh_get_n_triangles (mesh));

    g_test_message ("row: %s", stats);
    g_assert_nonnull (strstr (stats, "triangles"));
    g_assert_nonnull (strstr (stats, "encloses"));
    /* ball.tif states no voxel size: area and volume in voxels on one line, never nm. */
    g_assert_nonnull (strstr (stats, " px² "));
    g_assert_nonnull (strstr (stats, " voxels ("));
    g_assert_null (strstr (stats, "nm"));
    g_assert_null (strstr (stats, "µm"));
  }

  /* The canvas draws it: hiding the surface changes many pixels, the changed ones blue. */
  evox_document_set_show_phases (document, FALSE);
  grab_frame (canvas, &shown);
  evox_surface_set_visible (surface, FALSE);
  grab_frame (canvas, &hidden);
  changed = count_changed (&shown, &hidden, &bluish);
  g_test_message ("hiding the surface changed %u pixels, %u of them blue", changed, bluish);
  g_assert_cmpuint (changed, >, 2000);
  g_assert_cmpuint (bluish, >, changed * 9 / 10);

  /* Cutting away in front of the slices removes part of it. */
  evox_surface_set_visible (surface, TRUE);
  evox_document_set_clip_surfaces (document, TRUE);
  grab_frame (canvas, &clipped);
  changed = count_changed (&shown, &clipped, &bluish);
  g_test_message ("clipping changed %u pixels", changed);
  g_assert_cmpuint (changed, >, 500);

  /* A level that is no number is refused with the reason; a good one adds a surface. */
  _evox_surface_panel_set_level_text (panel, "twelve");
  gtk_widget_activate_action (GTK_WIDGET (panel), "surfaces.add-level", NULL);
  g_assert_cmpstr (_evox_surface_panel_get_error (panel), !=, "");
  g_assert_cmpuint (evox_surface_list_get_n_surfaces (list), ==, 1);
  _evox_surface_panel_set_level_text (panel, "150");
  gtk_widget_activate_action (GTK_WIDGET (panel), "surfaces.add-level", NULL);
  g_assert_cmpstr (_evox_surface_panel_get_error (panel), ==, "");
  g_assert_cmpuint (evox_surface_list_get_n_surfaces (list), ==, 2);
  g_assert_true (evox_test_wait_for (surfaces_ready, window, 60));

  /* Export Surfaces: both shown surfaces in one PLY, each in its colour. */
  g_assert_true (evox_window_export_data (window, EVOX_EXPORT_SURFACES, ply, FALSE, &error));
  g_assert_no_error (error);
  read = evox_test_mesh_read (ply);
  {
    EvoxMesh *second = evox_surface_get_mesh (evox_surface_list_get_surface (list, 1));
    gsize n = evox_mesh_get_n_triangles (mesh) + evox_mesh_get_n_triangles (second);

    g_assert_cmpuint (read->n_triangles, ==, n);
    g_assert_nonnull (read->colors);
    /* #1f77b4 on the first vertex, the first surface's colour. */
    g_assert_cmpuint (read->colors[0], ==, 0x1f);
    g_assert_cmpuint (read->colors[1], ==, 0x77);
    g_assert_cmpuint (read->colors[2], ==, 0xb4);
  }
  /* Not over an existing file unless asked. */
  g_assert_false (evox_window_export_data (window, EVOX_EXPORT_SURFACES, ply, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_clear_error (&error);

  /* A row's Export Mesh: that surface alone, as it is, in its colour. */
  {
    g_autofree char *one = g_build_filename (dir, "level.ply", NULL);
    g_autoptr (EvoxTestMesh) level = NULL;
    EvoxSurface *second = evox_surface_list_get_surface (list, 1);
    guint8 rgb[3];

    evox_surface_set_color (second, "#102030");
    g_assert_true (evox_window_export_surface (window, 1, one, FALSE, &error));
    g_assert_no_error (error);
    level = evox_test_mesh_read (one);
    g_assert_cmpuint (level->n_triangles, ==,
                      evox_mesh_get_n_triangles (evox_surface_get_mesh (second)));
    g_assert_nonnull (level->colors);
    memcpy (rgb, level->colors + 4 * (level->n_vertices - 1), 3);
    g_assert_cmpuint (rgb[0], ==, 0x10);
    g_assert_cmpuint (rgb[1], ==, 0x20);
    g_assert_cmpuint (rgb[2], ==, 0x30);
  }

  /* A surface not built yet has nothing to export: the window says which surface and why. */
  _evox_surface_panel_set_level_text (panel, "200");
  gtk_widget_activate_action (GTK_WIDGET (panel), "surfaces.add-level", NULL);
  g_assert_cmpuint (evox_surface_list_get_n_surfaces (list), ==, 3);
  g_assert_null (evox_surface_get_mesh (evox_surface_list_get_surface (list, 2)));
  {
    g_autofree char *unbuilt = g_build_filename (dir, "unbuilt.stl", NULL);

    g_assert_false (evox_window_export_surface (window, 2, unbuilt, FALSE, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "Level 200"));
    g_assert_false (g_file_test (unbuilt, G_FILE_TEST_EXISTS));
    g_clear_error (&error);
  }
  gtk_widget_activate_action (GTK_WIDGET (evox_surface_panel_get_row (panel, 2)),
                              "surface.remove", NULL);

  /* The row's Remove. */
  gtk_widget_activate_action (GTK_WIDGET (evox_surface_panel_get_row (panel, 1)),
                              "surface.remove", NULL);
  g_assert_cmpuint (evox_surface_list_get_n_surfaces (list), ==, 1);

  g_free (shown.pixels);
  g_free (hidden.pixels);
  g_free (clipped.pixels);
  evox_test_close_window (window);
  evox_test_tmpdir_free (dir);
}

int
main (int   argc,
      char *argv[])
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;

  g_test_add_func ("/Evox/SurfaceUI/window", test_surfaces_in_window);
  return g_test_run ();
}
