/* test-properties-ui.c: the voxel size in the window under Xvfb: a TIFF without one raises the
 * banner, lengths show in voxels, Image Properties sets it (the document's one spacing), the
 * readouts follow in nm or µm, and the next opening of the same file remembers it. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "evox-canvas.h"
#include "evox-properties-dialog.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-test-volume.h"
#include "evox-tiff.h"
#include "evox-units.h"
#include "evox-voxel-source.h"
#include "evox-window.h"

static gboolean
loaded (gpointer data)
{
  EvoxDocument *document = evox_window_get_document (data);

  return evox_document_get_volume (document) != NULL && !evox_window_is_loading (data);
}

static EvoxWindow *
open_window (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  evox_window_open_file (window, file, NULL);
  g_assert_true (evox_test_wait_for (loaded, window, 60));
  g_assert_null (evox_window_get_error (window));
  return window;
}

/* A file over the memory cap: the banner says at what scale it is held. startup: NULL, or
 * the voxel size --voxel-size gives. */
static EvoxWindow *
open_window_held (const char   *path,
                  const double *startup)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);

  if (startup != NULL)
    evox_window_set_startup_voxel_size (window, startup);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  evox_window_open_file (window, file, NULL);
  g_assert_true (evox_test_wait_for (loaded, window, 60));
  g_assert_nonnull (evox_window_get_error (window));
  g_assert_nonnull (strstr (evox_window_get_error (window), "held at 1:2"));
  return window;
}

static gboolean
has_size (gpointer data)
{
  return gtk_widget_get_width (data) > 0 && gtk_widget_get_height (data) > 0;
}

static const char *
hover_middle (EvoxWindow *window)
{
  EvoxCanvas *canvas = EVOX_CANVAS (evox_window_get_canvas (window));
  int w, h;

  evox_document_set_view (evox_window_get_document (window), EVOX_VIEW_SLICE_Z);
  g_assert_true (evox_test_wait_for (has_size, canvas, 60));
  w = gtk_widget_get_width (GTK_WIDGET (canvas));
  h = gtk_widget_get_height (GTK_WIDGET (canvas));
  evox_canvas_hover_at (canvas, w / 2.0, h / 2.0);
  return evox_canvas_get_hover_text (canvas);
}

static gboolean
dialog_gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static void
test_voxel_size_dialog (void)
{
  char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "ball.tif", NULL);
  g_autofree char *config = g_build_filename (dir, "config", NULL);
  g_autoptr (EvoxVolume) ball = evox_test_ball_new (32, 10, 200, 10);
  g_autoptr (GError) error = NULL;
  EvoxWindow *window;
  EvoxVolume *volume;
  EvoxPropertiesDialog *dialog;
  double spacing[3];
  const char *hover;

  /* Remembered sizes go to this run's folder, never the user's. */
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_assert_true (evox_tiff_write (ball, 0, path, 0, &error));
  g_assert_no_error (error);

  window = open_window (path);
  volume = evox_document_get_volume (evox_window_get_document (window));
  g_assert_false (evox_volume_get_spacing_known (volume));
  g_test_message ("banner: %s", evox_window_get_voxel_banner (window));
  g_assert_nonnull (evox_window_get_voxel_banner (window));
  g_assert_nonnull (strstr (evox_window_get_voxel_banner (window), "ball.tif"));
  hover = hover_middle (window);
  g_test_message ("hover: %s", hover);
  g_assert_nonnull (hover);
  g_assert_nonnull (strstr (hover, "x 15.5, y 15.5, z 16 px · voxel (16, 16, 16)"));
  g_assert_null (strstr (hover, "nm"));

  /* Image Properties: 0.5 x 0.5 x 2 µm. */
  dialog = evox_properties_dialog_new (window);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  evox_properties_dialog_set_values (dialog, 0.5, 0.5, 2, "µm");
  /* EVOX_TEST_SHOT=FILE.png keeps a picture of the screen with the dialog, to look at. */
  if (g_getenv ("EVOX_TEST_SHOT") != NULL)
    {
      g_autofree char *command = g_strdup_printf ("import -window root %s",
                                                  g_getenv ("EVOX_TEST_SHOT"));

      evox_test_wait_for (dialog_gone, &dialog, 2);
      g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL);
    }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "properties.apply", NULL));
  g_assert_true (evox_test_wait_for (dialog_gone, &dialog, 60));

  /* The same volume, now with its size: the voxels stay, every reader sees the new spacing. */
  g_assert_true (evox_document_get_volume (evox_window_get_document (window)) == volume);
  g_assert_true (evox_volume_get_spacing_known (volume));
  evox_volume_get_spacing (volume, spacing);
  g_assert_cmpfloat (spacing[0], ==, 500);
  g_assert_cmpfloat (spacing[1], ==, 500);
  g_assert_cmpfloat (spacing[2], ==, 2000);
  g_assert_null (evox_window_get_voxel_banner (window));
  /* 32 voxels of 0.5 to 2 µm: the hover speaks µm. */
  hover = hover_middle (window);
  g_test_message ("hover: %s", hover);
  /* The canvas frames the volume again: the same voxel under the cursor, 0.5 and 2 µm apart. */
  g_assert_nonnull (strstr (hover, "x 7.75, y 7.75, z 32 µm · voxel (16, 16, 16)"));
  evox_test_close_window (window);

  /* Opening the file again brings the size back, without the banner. */
  window = open_window (path);
  volume = evox_document_get_volume (evox_window_get_document (window));
  g_assert_true (evox_volume_get_spacing_known (volume));
  evox_volume_get_spacing (volume, spacing);
  g_assert_cmpfloat (spacing[2], ==, 2000);
  g_assert_null (evox_window_get_voxel_banner (window));
  evox_test_close_window (window);

  /* A size is remembered only for the file as it was: a changed file asks again. */
  g_assert_true (evox_voxel_size_lookup (path, spacing));
  g_assert_true (evox_tiff_write (ball, 0, path, EVOX_TIFF_WRITE_OVERWRITE | EVOX_TIFF_WRITE_DEFLATE,
                                  &error));
  g_assert_no_error (error);
  g_assert_false (evox_voxel_size_lookup (path, spacing));

  evox_test_tmpdir_free (dir);
}

/* A file over the memory cap is held at 1:2: the banner names the file, the dialog shows and
 * takes the file's voxel (as --voxel-size does), the reduced volume gets twice it, and the
 * file remembers its own voxel, which an opening of the whole file then uses as it is. */
static void
test_voxel_size_reduced (void)
{
  char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "ball.tif", NULL);
  g_autofree char *config = g_build_filename (dir, "config", NULL);
  g_autoptr (EvoxVolume) ball = evox_test_ball_new (32, 10, 200, 10);
  g_autoptr (GError) error = NULL;
  EvoxWindow *window;
  EvoxVolume *volume;
  EvoxPropertiesDialog *dialog;
  double spacing[3];
  const char *banner;

  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_assert_true (evox_tiff_write (ball, 0, path, 0, &error));
  g_assert_no_error (error);

  g_setenv ("EVOX_MEMORY_LIMIT", "30000", TRUE);
  window = open_window_held (path, NULL);
  volume = evox_document_get_volume (evox_window_get_document (window));
  g_assert_cmpuint (evox_volume_get_reduction (volume), ==, 2);
  banner = evox_window_get_voxel_banner (window);
  g_test_message ("banner: %s", banner);
  g_assert_cmpstr (banner, ==, "No voxel size in “ball.tif”: lengths are in voxels.");

  dialog = evox_properties_dialog_new (window);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  evox_properties_dialog_set_values (dialog, 0.5, 0.5, 2, "µm");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "properties.apply", NULL));
  g_assert_true (evox_test_wait_for (dialog_gone, &dialog, 60));
  evox_volume_get_spacing (volume, spacing);
  g_assert_cmpfloat (spacing[0], ==, 1000);
  g_assert_cmpfloat (spacing[1], ==, 1000);
  g_assert_cmpfloat (spacing[2], ==, 4000);
  g_assert_true (evox_voxel_size_lookup (path, spacing));
  g_assert_cmpfloat (spacing[0], ==, 500);
  g_assert_cmpfloat (spacing[2], ==, 2000);
  evox_test_close_window (window);

  /* Reduced again: twice the remembered voxel. */
  window = open_window_held (path, NULL);
  volume = evox_document_get_volume (evox_window_get_document (window));
  g_assert_cmpuint (evox_volume_get_reduction (volume), ==, 2);
  evox_volume_get_spacing (volume, spacing);
  g_assert_cmpfloat (spacing[0], ==, 1000);
  g_assert_cmpfloat (spacing[2], ==, 4000);
  evox_test_close_window (window);

  /* --voxel-size is the file's voxel too. */
  window = open_window_held (path, (double[3]) { 250, 250, 250 });
  volume = evox_document_get_volume (evox_window_get_document (window));
  evox_volume_get_spacing (volume, spacing);
  g_assert_cmpfloat (spacing[0], ==, 500);
  g_assert_cmpfloat (spacing[2], ==, 500);
  evox_test_close_window (window);
  g_unsetenv ("EVOX_MEMORY_LIMIT");

  /* Whole: the file's voxel. */
  window = open_window (path);
  volume = evox_document_get_volume (evox_window_get_document (window));
  g_assert_cmpuint (evox_volume_get_reduction (volume), ==, 1);
  evox_volume_get_spacing (volume, spacing);
  g_assert_cmpfloat (spacing[0], ==, 500);
  g_assert_cmpfloat (spacing[2], ==, 2000);
  evox_test_close_window (window);

  evox_test_tmpdir_free (dir);
}

/* The dialog sets the size of the volume it was opened for: when another volume has come into
 * the window meanwhile (a load that finished), Apply changes nothing and says why. */
static void
test_voxel_size_other_volume (void)
{
  g_autoptr (EvoxVolume) first = evox_test_ball_new (16, 5, 200, 10);
  g_autoptr (EvoxVolume) second = evox_test_ball_new (16, 5, 200, 10);
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxPropertiesDialog *dialog;
  double spacing[3];

  evox_document_set_volume (document, first, "first.tif", NULL);
  dialog = evox_properties_dialog_new (window);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  evox_document_set_volume (document, second, "second.tif", NULL);
  evox_properties_dialog_set_values (dialog, 0.5, 0.5, 2, "µm");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "properties.apply", NULL));
  g_assert_false (evox_volume_get_spacing_known (second));
  evox_volume_get_spacing (second, spacing);
  g_assert_cmpfloat (spacing[0], ==, 1);
  g_assert_false (evox_volume_get_spacing_known (first));
  g_assert_nonnull (dialog);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_null (dialog);
  evox_test_close_window (window);
}

static guint
count_properties_dialogs (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) item = g_list_model_get_item (toplevels, i);

      if (EVOX_IS_PROPERTIES_DIALOG (item))
        n++;
    }
  return n;
}

/* Image Properties twice: the second activation brings the open dialog forward, never a
 * second one; once closed, the action opens a fresh one. */
static void
test_properties_once (void)
{
  g_autoptr (EvoxVolume) ball = evox_test_ball_new (16, 5, 200, 10);
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  GListModel *toplevels = gtk_window_get_toplevels ();
  gpointer dialog = NULL;

  evox_document_set_volume (evox_window_get_document (window), ball, "ball.tif", NULL);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_cmpuint (count_properties_dialogs (), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.image-properties", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.image-properties", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.image-properties", NULL));
  g_assert_cmpuint (count_properties_dialogs (), ==, 1);

  for (guint i = 0; i < g_list_model_get_n_items (toplevels) && dialog == NULL; i++)
    {
      g_autoptr (GObject) item = g_list_model_get_item (toplevels, i);

      if (EVOX_IS_PROPERTIES_DIALOG (item))
        dialog = item;
    }
  g_object_add_weak_pointer (G_OBJECT (dialog), &dialog);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_true (evox_test_wait_for (dialog_gone, &dialog, 60));
  g_assert_cmpuint (count_properties_dialogs (), ==, 0);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.image-properties", NULL));
  g_assert_cmpuint (count_properties_dialogs (), ==, 1);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) item = g_list_model_get_item (toplevels, i);

      if (EVOX_IS_PROPERTIES_DIALOG (item))
        {
          gtk_window_destroy (GTK_WINDOW (item));
          break;
        }
    }
  evox_test_close_window (window);
}

int
main (int    argc,
      char **argv)
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;
  g_test_add_func ("/Evox/PropertiesUI/voxel-size", test_voxel_size_dialog);
  g_test_add_func ("/Evox/PropertiesUI/voxel-size-other-volume", test_voxel_size_other_volume);
  g_test_add_func ("/Evox/PropertiesUI/voxel-size-reduced", test_voxel_size_reduced);
  g_test_add_func ("/Evox/PropertiesUI/once", test_properties_once);
  return g_test_run ();
}
