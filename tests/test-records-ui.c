/* test-records-ui.c: a session holding the subcommands' records (registration, XANES maps,
 * metrics) opens in a window: the rest is restored, the banner names those the window does not
 * compute once, and saving the session again keeps them as they were. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "evox-document.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-tiff.h"

static gboolean
restored (gpointer data)
{
  EvoxDocument *document = evox_window_get_document (data);

  return evox_document_get_volume (document) != NULL &&
         evox_phase_list_get_n_phases (evox_document_get_phases (document)) == 1;
}

/* The records as `--session` writes them; xanes of a later version, which this Evox keeps. */
static const char records[] =
  "  \"registration\": { \"version\": 1, \"reference-ev\": null, \"scale\": \"fit\",\n"
  "    \"exclude-ev\": [8333.5], \"output\": \"hdf5\", \"report\": true,\n"
  "    \"result\": { \"reference-ev\": 8354.0, \"rms-residual-px\": 1e-05 } },\n"
  "  \"xanes\": { \"version\": 2, \"edge\": \"Ni\", \"future\": [1, 2] },\n"
  "  \"metrics\": { \"version\": 1, \"phase\": [ { \"name\": \"p\", \"range\": [1, 1] } ],\n"
  "    \"tortuosity\": [\"z\"], \"tolerance\": 1e-06, \"solver\": \"cg-multigrid\" }\n";

/* The member key of the session at path, as JSON text. */
static char *
record_text (const char *path,
             const char *key)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  g_assert_no_error (error);
  node = json_node_copy (json_object_get_member (json_node_get_object (
                           json_parser_get_root (parser)), key));
  g_assert_nonnull (node);
  return json_to_string (node, FALSE);
}

static void
test_open_and_save (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "v.tif", NULL);
  g_autofree char *session = g_build_filename (dir, "records.evox", NULL);
  g_autofree char *saved = g_build_filename (dir, "saved.evox", NULL);
  g_autofree char *text = NULL;
  g_autoptr (GFile) file = g_file_new_for_path (session);
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = evox_volume_new (6, 5, 4, 1, EVOX_SAMPLE_U8, &error);
  guint8 *data = evox_volume_get_data_mut (volume, 0);
  const char *banner, *first;
  EvoxWindow *window;

  g_assert_no_error (error);
  for (gsize i = 0; i < 6 * 5 * 4; i++)
    data[i] = (guint8) (i % 3);
  evox_volume_freeze (volume);
  g_assert_true (evox_tiff_write (volume, 0, tiff, EVOX_TIFF_WRITE_NONE, &error));
  text = g_strdup_printf ("{ \"evox-session\": 1, \"inputs\": [ { \"kind\": \"file\", "
                          "\"path\": \"v.tif\" } ],\n"
                          "  \"phases\": [ { \"name\": \"p\", \"range\": [1, 1] } ],\n%s}\n",
                          records);
  g_assert_true (g_file_set_contents (session, text, -1, &error));

  window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  gtk_window_present (GTK_WINDOW (window));
  evox_window_open_file (window, file, NULL);
  g_assert_true (evox_test_wait_for (restored, window, 60));
  banner = evox_window_get_error (window);
  g_assert_nonnull (banner);
  /* The metrics the Metrics page computes again (test-metrics-ui). */
  first = strstr (banner, "also records a registration and XANES maps,");
  g_assert_nonnull (first);
  g_assert_null (strstr (first + 1, "also records"));

  g_assert_true (evox_window_save_session (window, saved, FALSE, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    {
      const char *key = (const char *[]) { "registration", "xanes", "metrics" }[i];
      g_autofree char *before = record_text (session, key);
      g_autofree char *after = record_text (saved, key);

      g_assert_cmpstr (before, ==, after);
    }
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int   argc,
      char *argv[])
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;
  g_test_add_func ("/Evox/RecordsUI/open-and-save", test_open_and_save);
  return g_test_run ();
}
