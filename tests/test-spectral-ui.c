/* test-spectral-ui.c: the viewer's --bin on a spectral set, and a reader's warnings in the
 * window's banner. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include <glib/gstdio.h>

#include "evox-application.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-window.h"

/* What the first window had once its volume arrived. */
typedef struct
{
  gboolean  seen;
  gsize     dims[3];
  guint     n_channels;
  double    first_value;
  char     *error;
} Startup;

static void
record_startup (EvoxWindow *window,
                gpointer    data)
{
  Startup *startup = data;
  EvoxVolume *volume = evox_document_get_volume (evox_window_get_document (window));

  startup->seen = TRUE;
  evox_volume_get_dims (volume, startup->dims);
  startup->n_channels = evox_volume_get_n_channels (volume);
  startup->first_value = evox_volume_get_value (volume, 0, 0, 0, 0);
  startup->error = g_strdup (evox_window_get_error (window));
}

static int
run_viewer (const char * const *args,
            Startup            *startup)
{
  return evox_test_run_viewer (args, record_startup, startup);
}

/* Two per-energy 6 x 4 images, value x + 6 y (+ 100 for the second); --bin 2 gives 3 x 2 means,
 * the first (0 + 1 + 6 + 7) / 4 = 3.5. */
static void
test_bin (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  Startup startup = { 0 };

  for (guint e = 0; e < 2; e++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (EvoxVolume) volume = evox_volume_new (6, 4, 1, 1, EVOX_SAMPLE_F32, &error);
      float *data = evox_volume_get_data_mut (volume, 0);
      g_autofree char *name = g_strdup_printf ("p_%ueV.tif", 8324 + 30 * e);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      for (guint i = 0; i < 24; i++)
        data[i] = (float) (i + 100 * e);
      g_assert_true (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_F32, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpint (run_viewer ((const char *[]) { "--bin", "2", dir, NULL }, &startup), ==, 0);
  g_assert_true (startup.seen);
  g_assert_cmpuint (startup.dims[0], ==, 3);
  g_assert_cmpuint (startup.dims[1], ==, 2);
  g_assert_cmpuint (startup.n_channels, ==, 2);
  g_assert_cmpfloat (startup.first_value, ==, 3.5);
  g_clear_pointer (&startup.error, g_free);

  /* Without it, the images as they are. */
  memset (&startup, 0, sizeof startup);
  g_assert_cmpint (run_viewer ((const char *[]) { dir, NULL }, &startup), ==, 0);
  g_assert_cmpuint (startup.dims[0], ==, 6);
  g_assert_cmpfloat (startup.first_value, ==, 0);
  g_clear_pointer (&startup.error, g_free);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The real SSRL script: the files it names that are missing show in the banner. */
static void
test_warnings_banner (void)
{
  g_autofree char *script = evox_test_data_path ("xrm/ssrl/20161456_ssrl-test-data_XANES.txt");
  Startup startup = { 0 };

  if (script == NULL)
    return;
  g_assert_cmpint (run_viewer ((const char *[]) { "--bin", "8", script, NULL }, &startup), ==,
                   0);
  g_assert_true (startup.seen);
  g_assert_cmpuint (startup.dims[0], ==, 128);
  g_assert_cmpuint (startup.n_channels, ==, 2);
  g_assert_nonnull (startup.error);
  /* A heading, then a bulleted line a warning. */
  g_test_message ("banner: %s", startup.error);
  g_assert_true (g_str_has_prefix (startup.error, "Opened with warnings:\n• "));
  g_assert_nonnull (strstr (startup.error,
                            "\n• 802 of the 806 files the script names are missing"));
  g_assert_nonnull (strstr (startup.error, "\n• 4 files were matched"));
  g_clear_pointer (&startup.error, g_free);
}

/* The file chooser on screen (GtkFileChooserNative falls back to a dialog without a portal). */
static GtkWindow *
find_chooser (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

static gboolean
chooser_shown (gpointer user_data)
{
  return find_chooser () != NULL;
}

static gboolean
chooser_gone (gpointer user_data)
{
  return find_chooser () == NULL;
}

static gboolean
filter_matches (GtkFileFilter *filter,
                const char    *name)
{
  g_autoptr(GFileInfo) info = g_file_info_new ();

  g_file_info_set_display_name (info, name);
  return gtk_filter_match (GTK_FILTER (filter), info);
}

/* File > Open lists the spectral formats under the filter it starts with: a .xrm or .h5 file
 * hidden by it would look like one Evox cannot open. */
static void
test_open_filters (void)
{
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  const char *shown[] = { "scan.xrm", "tomo.txrm", "stack.h5", "stack.hdf5", "stack.tif",
                          "XANES.txt", "A19.csv" };
  GtkWindow *chooser;
  GtkFileFilter *filter;

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open", NULL));
  g_assert_true (evox_test_wait_for (chooser_shown, NULL, 60));
  chooser = find_chooser ();
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  filter = gtk_file_chooser_get_filter (GTK_FILE_CHOOSER (chooser));
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_assert_nonnull (filter);
  g_test_message ("filter: %s", gtk_file_filter_get_name (filter));
  for (guint i = 0; i < G_N_ELEMENTS (shown); i++)
    g_assert_true (filter_matches (filter, shown[i]));
  g_assert_false (filter_matches (filter, "paper.pdf"));
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_CANCEL);
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_assert_true (evox_test_wait_for (chooser_gone, NULL, 60));
  evox_test_close_window (window);
}

int
main (int    argc,
      char **argv)
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;
  g_test_add_func ("/Evox/SpectralUi/bin", test_bin);
  g_test_add_func ("/Evox/SpectralUi/warnings-banner", test_warnings_banner);
  g_test_add_func ("/Evox/SpectralUi/open-filters", test_open_filters);
  return g_test_run ();
}
