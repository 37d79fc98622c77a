/* test-methods-ui.c: the menu's Methods… shows the methods paragraph of the window, and saves it. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <string.h>

#include "evox-document.h"
#include "evox-phase.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-window.h"

static gboolean
file_exists (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
test_methods_window (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "blobs.tif", NULL);
  g_autofree char *out = g_build_filename (dir, "methods.txt", NULL);
  g_autofree char *text = NULL, *saved = NULL;
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (EvoxPhase) phase = NULL;
  g_autoptr (GError) error = NULL;
  EvoxWindow *window;
  GtkWindow *methods;
  GtkWidget *button;
  guint8 *data;

  volume = evox_volume_new (12, 10, 8, 1, EVOX_SAMPLE_U8, &error);
  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize i = 0; i < 12 * 10 * 8; i++)
    data[i] = (guint8) (i % 3 * 85);
  g_assert_true (evox_tiff_write (volume, 0, tiff, EVOX_TIFF_WRITE_NONE, &error));

  window = evox_test_open_file (tiff);
  phase = evox_phase_new ("Solid", 80, 90, "#d62728");
  evox_phase_list_append (evox_document_get_phases (evox_window_get_document (window)), phase);
  methods = evox_test_show_methods (window);
  text = evox_test_dup_methods_text (methods);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "blobs.tif\" was analysed"));
  g_assert_nonnull (strstr (text, "12 x 10 x 8 voxels"));
  /* A third of the voxels hold 85: the fraction, and all of it lost by moving an edge past it. */
  g_assert_nonnull (strstr (text, "\"Solid\" [80, 90], volume fraction 33.33 %"));
  g_assert_nonnull (strstr (text, "Evox " PACKAGE_VERSION));

  /* Save… writes the text as shown. */
  button = gtk_widget_get_last_child (gtk_widget_get_last_child (
             gtk_window_get_child (methods)));
  g_assert_true (GTK_IS_BUTTON (button));
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (evox_test_wait_for (evox_test_file_dialog_shown, NULL, 60));
  evox_test_answer_file_dialog (out, GTK_RESPONSE_ACCEPT);
  g_assert_true (evox_test_wait_for (file_exists, out, 60));
  g_assert_true (g_file_get_contents (out, &saved, NULL, &error));
  g_assert_cmpstr (saved, ==, text);

  gtk_window_destroy (methods);
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;
  g_test_add_func ("/Evox/MethodsUI/window", test_methods_window);
  return g_test_run ();
}
