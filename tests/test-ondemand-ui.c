/* test-ondemand-ui.c: a file over the memory cap opens in the window reduced, says so, and a
 * zoomed 2D pane and the 3D pane's slices draw the file's own voxels once they are read. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <epoxy/gl.h>

#include "evox-canvas.h"
#include "evox-document.h"
#include "evox-fullres.h"
#include "evox-renderer-private.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-window.h"

#define NX 64
#define NY 48
#define NZ 40

static guint8
voxel (gsize x,
       gsize y,
       gsize z)
{
  return (guint8) (((z * NY + y) * NX + x) * 7919 % 251);
}

static gboolean
gated_read_box (gpointer      user_data,
                const gsize   origin[3],
                const gsize   size[3],
                gpointer      dest,
                GError      **error)
{
  guint8 *out = dest;

  /* The formula's voxels once the test opens the gate: the window must draw meanwhile. */
  evox_test_gate_pass (user_data);
  for (gsize z = 0; z < size[2]; z++)
    for (gsize y = 0; y < size[1]; y++)
      for (gsize x = 0; x < size[0]; x++)
        *out++ = voxel (origin[0] + x, origin[1] + y, origin[2] + z);
  return TRUE;
}

static gboolean
not_reading (gpointer renderer)
{
  EvoxFullRes *fullres = _evox_renderer_get_fullres (renderer);

  return fullres != NULL && !_evox_fullres_is_reading (fullres);
}

/* The readout under the z pane's centre of the 2x2: with document, the file's voxel there
 * (read for the zoomed pane), its value the formula's; without, the reduced voxel's mean. */
static void
hover_z_centre (EvoxWindow   *window,
                EvoxDocument *document)
{
  EvoxCanvas *canvas = EVOX_CANVAS (evox_window_get_canvas (window));
  g_autofree char *value = NULL;
  g_autofree char *tail = NULL;
  const char *text, *at;
  gsize reduced[3], file[3];
  int rect[4];

  evox_renderer_get_pane_rect (gtk_widget_get_width (GTK_WIDGET (canvas)),
                               gtk_widget_get_height (GTK_WIDGET (canvas)), EVOX_PANE_Z, rect);
  evox_canvas_hover_at (canvas, rect[0] + rect[2] / 2.0 + 0.25, rect[1] + rect[3] / 2.0 + 0.25);
  text = evox_canvas_get_hover_text (canvas);
  g_test_message ("%s", text);
  g_assert_nonnull (text);
  g_assert_true (evox_canvas_get_hover_voxel (canvas, reduced));
  if (document == NULL)
    {
      g_assert_nonnull (strstr (text, "(1:2 mean)"));
      g_assert_null (strstr (text, "file voxel"));
      return;
    }
  at = strstr (text, "file voxel (");
  g_assert_nonnull (at);
  g_assert_cmpint (sscanf (at, "file voxel (%zu, %zu, %zu)", &file[0], &file[1], &file[2]), ==, 3);
  /* Inside the reduced voxel's block, on the plane the z pane draws (2 k + 1). */
  for (guint a = 0; a < 3; a++)
    g_assert_cmpuint (file[a] / 2, ==, reduced[a]);
  g_assert_cmpuint (file[2], ==, 2 * reduced[2] + 1);
  value = evox_document_format_value (document, voxel (file[0], file[1], file[2]));
  tail = g_strdup_printf (" · %s (full resolution)", value);
  g_assert_true (g_str_has_suffix (text, tail));
}

/* A new window that opened the formula's voxels, written to path, over the memory cap. */
static EvoxWindow *
open_reduced (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) full = evox_volume_new (NX, NY, NZ, 1, EVOX_SAMPLE_U8, &error);
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  guint8 *v = evox_volume_get_data_mut (full, 0);

  /* Voxels that change every step: the reduced plane and the file's look nothing alike. */
  for (gsize z = 0; z < NZ; z++)
    for (gsize y = 0; y < NY; y++)
      for (gsize x = 0; x < NX; x++)
        v[(z * NY + y) * NX + x] = voxel (x, y, z);
  g_assert_true (evox_tiff_write (full, 0, path, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);

  /* 64 x 48 x 40 u8 takes 170 kB with its histograms: over a cap of 100 kB, whose half holds
   * the 1:2 volume (32 x 24 x 20). */
  g_setenv ("EVOX_MEMORY_LIMIT", "100K", TRUE);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  evox_window_open_file (window, file, NULL);
  g_assert_true (evox_test_wait_for (evox_test_window_loaded, window, 60));
  g_unsetenv ("EVOX_MEMORY_LIMIT");
  return window;
}

static void
test_opens_reduced (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "big.tif", NULL);
  EvoxWindow *window = open_reduced (path);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxVolume *shown;
  gsize dims[3];

  shown = evox_document_get_volume (document);
  g_assert_nonnull (shown);
  evox_volume_get_dims (shown, dims);
  g_assert_cmpuint (dims[0], ==, 32);
  g_assert_cmpuint (dims[2], ==, 20);
  g_assert_cmpuint (evox_volume_get_reduction (shown), ==, 2);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==,
                   "big.tif (1:2 in memory; full resolution on demand)");
  g_assert_nonnull (evox_window_get_error (window));
  g_assert_nonnull (strstr (evox_window_get_error (window), "held at 1:2"));

  evox_test_screenshot (GTK_WIDGET (window), "ondemand-opened");
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static gboolean
read_failure_shown (gpointer data)
{
  const char *error = evox_window_get_error (data);

  return error != NULL && strstr (error, "could not be read") != NULL;
}

/* The warnings that name the cut file are expected: counted, neither printed (a fatal-level
 * message printed in TAP mode reads as a bail-out) nor fatal. Any other stays as it was. */
static gboolean
cut_file_not_fatal (const char     *domain,
                    GLogLevelFlags  level,
                    const char     *message,
                    gpointer        data)
{
  return strstr (message, "cut.tif") == NULL;
}

static void
count_cut_file_warning (const char     *domain,
                        GLogLevelFlags  level,
                        const char     *message,
                        gpointer        data)
{
  if (strstr (message, "cut.tif") != NULL)
    g_atomic_int_inc ((gint *) data);
  else
    g_log_default_handler (domain, level, message, NULL);
}

/* The file cut short after it opened: the Volume view's bricks of the file fail to read, and
 * the window says so (naming the file) while it keeps drawing the reduced volume. */
static void
test_damaged_volume_view (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "cut.tif", NULL);
  EvoxWindow *window = open_reduced (path);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxTestGrab frame = { 0 };
  gint n_warnings = 0;
  guint handler;
  GStatBuf st;

  g_assert_cmpuint (evox_volume_get_reduction (evox_document_get_volume (document)), ==, 2);

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (truncate (path, st.st_size / 3), ==, 0);
  /* The file's voxels span pixels at this size: the rays want them, and so may the slices the
   * Volume view shows, whose planes come from a reader of their own: each logs its failure once,
   * in whichever order their threads meet the cut. */
  g_test_log_set_fatal_handler (cut_file_not_fatal, NULL);
  handler = g_log_set_handler ("evox", G_LOG_LEVEL_WARNING | G_LOG_FLAG_FATAL,
                               count_cut_file_warning, &n_warnings);
  evox_document_set_view (document, EVOX_VIEW_VOLUME);
  g_assert_true (evox_test_wait_for (read_failure_shown, window, 60));
  g_assert_cmpuint (g_atomic_int_get (&n_warnings), >=, 1);
  g_assert_nonnull (strstr (evox_window_get_error (window), "cut.tif"));
  /* The view still draws (the reduced volume) after the failure. */
  evox_test_grab_next_frame (window, &frame);
  g_assert_cmpint (frame.width, >, 0);
  g_free (frame.pixels);
  evox_test_screenshot (GTK_WIDGET (window), "ondemand-damaged");
  evox_test_close_window (window);
  g_log_remove_handler ("evox", handler);
  g_test_log_set_fatal_handler (NULL, NULL);
  g_assert_cmpuint (g_atomic_int_get (&n_warnings), <=, 2);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_zoomed_pane (void)
{
  const gsize dims[3] = { NX, NY, NZ };
  EvoxTestGate gate = { .open = TRUE };
  g_autoptr(EvoxVoxelSource) source = evox_voxel_source_new (dims, EVOX_SAMPLE_U8, "gated",
                                                             gated_read_box, &gate, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) reduced = evox_voxel_source_reduce (source, 2, NULL, NULL, &error);
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxTestGrab before = { 0 }, after = { 0 };
  EvoxRenderer *renderer;
  gsize differ = 0, differ_3d = 0;
  int rect[4], rect3d[4];

  g_assert_no_error (error);
  evox_volume_set_spacing (reduced, (double[3]) { 2, 2, 2 });
  evox_voxel_source_attach (source, reduced, 2);
  evox_volume_freeze (reduced);
  g_assert_true (evox_volume_build_histograms (reduced, NULL, NULL, &error));
  evox_test_gate_set (&gate, FALSE);

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  evox_document_set_volume (document, reduced, "gated (1:2 in memory)", NULL);
  evox_document_set_view (document, EVOX_VIEW_QUAD);
  renderer = evox_canvas_get_renderer (EVOX_CANVAS (evox_window_get_canvas (window)));
  evox_test_grab_next_frame (window, &before);
  /* The z pane zoomed in twice on its centre; frames go on while the read waits. */
  evox_renderer_get_pane_rect (before.width, before.height, EVOX_PANE_Z, rect);
  evox_camera_zoom_at (evox_renderer_get_pane_camera (renderer, EVOX_PANE_Z), 2.0,
                       rect[2] / 2.0, rect[3] / 2.0, rect[2], rect[3]);
  evox_test_grab_next_frame (window, &before);
  evox_test_grab_next_frame (window, &before);
  g_assert_true (_evox_fullres_is_reading (_evox_renderer_get_fullres (renderer)));
  g_assert_cmpuint (_evox_fullres_get_n_reads (_evox_renderer_get_fullres (renderer)), ==, 0);
  evox_test_screenshot (GTK_WIDGET (window), "ondemand-reduced");
  /* Meanwhile the readout gives the block's mean, and says so. */
  hover_z_centre (window, NULL);

  /* Frames until one asks for nothing more: each pane's planes are in (the panes share one
   * reader, whose newest request replaces one waiting, so a frame after each read asks again
   * for what it still lacks). */
  evox_test_gate_set (&gate, TRUE);
  do
    {
      g_assert_true (evox_test_wait_for (not_reading, renderer, 120));
      evox_test_grab_next_frame (window, &after);
    }
  while (_evox_fullres_is_reading (_evox_renderer_get_fullres (renderer)));
  evox_test_screenshot (GTK_WIDGET (window), "ondemand-full");

  /* The z pane changed from the reduced plane to the file's (the other 2D panes, past one
   * pixel a voxel too, may follow), and so did the 3D pane's slices, whose reduced voxels span
   * several pixels there too. */
  evox_renderer_get_pane_rect (after.width, after.height, EVOX_PANE_3D, rect3d);
  for (int y = 0; y < after.height; y++)
    for (int x = 0; x < after.width; x++)
      {
        gsize i = ((gsize) y * after.width + x) * 4;
        int top = after.height - 1 - y;

        if (memcmp (before.pixels + i, after.pixels + i, 3) == 0)
          continue;
        differ += x >= rect[0] && x < rect[0] + rect[2] && top >= rect[1] &&
                  top < rect[1] + rect[3];
        differ_3d += x >= rect3d[0] && x < rect3d[0] + rect3d[2] && top >= rect3d[1] &&
                     top < rect3d[1] + rect3d[3];
      }
  g_test_message ("%" G_GSIZE_FORMAT " pixels of the z pane changed, %" G_GSIZE_FORMAT
                  " of the 3D pane", differ, differ_3d);
  g_assert_cmpuint (differ, >, (gsize) rect[2] * rect[3] / 4);
  g_assert_cmpuint (differ_3d, >, (gsize) rect3d[2] * rect3d[3] / 10);
  /* The file's own voxel under the pointer now. */
  hover_z_centre (window, document);
  g_free (before.pixels);
  g_free (after.pixels);
  evox_test_close_window (window);
  evox_test_gate_clear (&gate);
}

int
main (int    argc,
      char **argv)
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;
  g_test_add_func ("/Evox/OnDemandUi/opens-reduced", test_opens_reduced);
  g_test_add_func ("/Evox/OnDemandUi/zoomed-pane", test_zoomed_pane);
  g_test_add_func ("/Evox/OnDemandUi/damaged-volume-view", test_damaged_volume_view);
  return g_test_run ();
}
