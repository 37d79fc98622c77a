/* test-xanes-demo-ui.c: the XANES demo in the window: `evox --demo-xanes` (with --channel and
 * --xanes-maps, and refused with a FILE) and the window action behind File > Open XANES Demo. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "evox-application.h"
#include "evox-canvas.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-window.h"
#include "evox-xanes-panel.h"
#include "evox-xanes-phantom.h"

typedef struct
{
  gboolean seen;
  guint    n_channels;
  guint    channel;
  double   energy;
  char    *quantity;
  char    *error;
} Startup;

static void
record_startup (EvoxWindow *window,
                gpointer    data)
{
  Startup *startup = data;
  EvoxDocument *document = evox_window_get_document (window);
  EvoxVolume *volume = evox_document_get_volume (document);

  startup->seen = TRUE;
  startup->n_channels = evox_volume_get_n_channels (volume);
  startup->channel = evox_document_get_channel (document);
  startup->energy = evox_volume_get_channel_energy (volume, startup->channel);
  startup->quantity = g_strdup (evox_volume_get_quantity (volume));
  startup->error = g_strdup (evox_window_get_error (window));
}

static void
startup_clear (Startup *startup)
{
  g_free (startup->quantity);
  g_free (startup->error);
  memset (startup, 0, sizeof *startup);
}

/* The demo's 65 energies, shown on the last (8533 eV, above the Ni edge), or on --channel's. */
static void
test_startup (void)
{
  Startup startup = { 0 };

  g_assert_cmpint (evox_test_run_viewer ((const char *[]) { "--demo-xanes", NULL },
                                         record_startup, &startup), ==, 0);
  g_assert_true (startup.seen);
  g_assert_cmpuint (startup.n_channels, ==, 65);
  g_assert_cmpuint (startup.channel, ==, 64);
  g_assert_cmpfloat (startup.energy, ==, 8533.0);
  g_assert_cmpstr (startup.quantity, ==, "optical density");
  g_assert_null (startup.error);
  startup_clear (&startup);

  g_assert_cmpint (evox_test_run_viewer ((const char *[]) { "--demo-xanes", "--channel",
                                                            "8344.0 eV", NULL },
                                         record_startup, &startup), ==, 0);
  g_assert_cmpuint (startup.channel, ==, 31);
  g_assert_cmpfloat (startup.energy, ==, 8344.0);
  g_assert_null (startup.error);
  startup_clear (&startup);
}

typedef struct
{
  gboolean seen;
  char    *page;
  gboolean show_maps;
  char    *label;
  char    *error;
} MapsStartup;

static gboolean
xanes_idle (gpointer panel)
{
  return !evox_xanes_panel_is_busy (panel);
}

static void
record_maps_startup (EvoxWindow *window,
                     gpointer    data)
{
  MapsStartup *startup = data;
  EvoxDocument *document = evox_window_get_document (window);

  g_assert_true (evox_test_wait_for (xanes_idle, evox_window_get_xanes_panel (window), 60));
  startup->seen = TRUE;
  startup->page = g_strdup (evox_window_get_page (window));
  startup->show_maps = evox_document_get_show_maps (document);
  startup->label = g_strdup (evox_volume_get_channel_label (evox_document_get_volume (document),
                                                            evox_document_get_channel (document)));
  startup->error = g_strdup (evox_window_get_error (window));
}

static void
maps_startup_clear (MapsStartup *startup)
{
  g_free (startup->page);
  g_free (startup->label);
  g_free (startup->error);
  memset (startup, 0, sizeof *startup);
}

/* `evox --demo-xanes --xanes-maps` opens on the XANES page with the maps computed and the edge
 * energy shown (before, that took finding the page and pressing Compute Maps); on a volume that
 * is no energy scan (the SSRM demo) it says so in the window and computes nothing. */
static void
test_xanes_maps (void)
{
  MapsStartup startup = { 0 };

  g_assert_cmpint (evox_test_run_viewer ((const char *[]) { "--demo-xanes", "--xanes-maps",
                                                            NULL },
                                         record_maps_startup, &startup), ==, 0);
  g_assert_true (startup.seen);
  g_assert_cmpstr (startup.page, ==, "xanes");
  g_assert_true (startup.show_maps);
  g_assert_cmpstr (startup.label, ==, "edge_energy");
  g_assert_null (startup.error);
  maps_startup_clear (&startup);

  g_assert_cmpint (evox_test_run_viewer ((const char *[]) { "--xanes-maps", NULL },
                                         record_maps_startup, &startup), ==, 0);
  g_assert_true (startup.seen);
  g_assert_false (startup.show_maps);
  g_assert_nonnull (startup.error);
  g_assert_true (g_str_has_prefix (startup.error, "--xanes-maps: "));
  maps_startup_clear (&startup);
}

static void
never_seen (EvoxWindow *window,
            gpointer    data)
{
  g_assert_not_reached ();
}

/* A FILE with --demo-xanes is a usage error: no window, status 2. */
static void
test_with_file (void)
{
  g_assert_cmpint (evox_test_run_viewer ((const char *[]) { "--demo-xanes", "x.tif", NULL },
                                         never_seen, NULL), ==, 2);
}

static gboolean
has_frames (gpointer data)
{
  return evox_canvas_get_frames (EVOX_CANVAS (evox_window_get_canvas (data))) > 0;
}

static gboolean
drew_again (gpointer data)
{
  guint before = GPOINTER_TO_UINT (g_object_get_data (data, "frames-before"));

  return evox_canvas_get_frames (EVOX_CANVAS (evox_window_get_canvas (data))) > before;
}

/* win.open-xanes-demo replaces the SSRM demo with the XANES one, the same stack as
 * evox_xanes_phantom_new's default, and the canvas draws it. */
static void
test_action (void)
{
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxXanesPhantomParams params;
  g_autoptr (EvoxVolume) expected = NULL;
  EvoxVolume *volume;
  guint frames;

  gtk_window_set_default_size (GTK_WINDOW (window), 900, 600);
  evox_window_open_demo (window);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (evox_test_wait_for (has_frames, window, 60));
  g_assert_cmpuint (evox_volume_get_n_channels (evox_document_get_volume (document)), ==, 1);

  frames = evox_canvas_get_frames (EVOX_CANVAS (evox_window_get_canvas (window)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-xanes-demo", NULL));
  volume = evox_document_get_volume (document);
  g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 65);
  g_assert_cmpuint (evox_document_get_channel (document), ==, 64);
  evox_xanes_phantom_params_init (&params);
  expected = evox_xanes_phantom_new (&params, NULL, NULL);
  g_assert_cmpint (memcmp (evox_volume_get_data (volume, 64), evox_volume_get_data (expected, 64),
                           evox_volume_get_n_voxels (volume) * sizeof (float)), ==, 0);
  g_assert_null (evox_window_get_error (window));
  /* the new volume is drawn */
  g_object_set_data (G_OBJECT (window), "frames-before", GUINT_TO_POINTER (frames));
  g_assert_true (evox_test_wait_for (drew_again, window, 60));
  evox_test_screenshot (GTK_WIDGET (window), "xanes-demo");
  evox_test_close_window (window);
}

int
main (int    argc,
      char **argv)
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;
  g_test_add_func ("/Evox/XanesDemoUi/startup", test_startup);
  g_test_add_func ("/Evox/XanesDemoUi/with-file", test_with_file);
  g_test_add_func ("/Evox/XanesDemoUi/xanes-maps", test_xanes_maps);
  g_test_add_func ("/Evox/XanesDemoUi/action", test_action);
  return g_test_run ();
}
