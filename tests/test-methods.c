/* test-methods.c: the methods paragraph of a session, `evox methods`, the provenance record. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "evox-methods.h"
#include "evox-session.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-types.h"

#define NX 10
#define NY 8
#define NZ 6

static EvoxTestRun
run_evox (const char *first,
          ...)
{
  va_list ap;
  EvoxTestRun run;

  va_start (ap, first);
  run = evox_test_run_evox_va (NULL, NULL, "methods", first, ap);
  va_end (ap);
  return run;
}

/* A u8 volume whose values fill 0..59 unevenly (v = (i * 7) % 60), with a known voxel size. */
static void
write_volume (const char *path,
              guint8     *values)
{
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (GError) error = NULL;
  const double spacing[3] = { 2, 3, 4 };
  guint8 *data;

  volume = evox_volume_new (NX, NY, NZ, 1, EVOX_SAMPLE_U8, &error);
  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize i = 0; i < NX * NY * NZ; i++)
    values[i] = data[i] = (guint8) ((i * 7) % 60);
  evox_volume_set_spacing (volume, spacing);
  evox_volume_set_spacing_known (volume, TRUE);
  g_assert_true (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_OVERWRITE, &error));
  g_assert_no_error (error);
}

/* A session as a user's window would save it, written by hand: every element the paragraph
 * names has a value no default has. */
static void
write_session (const char *path)
{
  static const char text[] =
    "{\n"
    "  \"evox-session\": 1, \"evox-version\": \"0.1.0\",\n"
    "  \"inputs\": [ { \"kind\": \"file\", \"path\": \"vol.tif\", \"reading\": { \"bin\": 1 } } ],\n"
    "  \"voxel-size-nm\": [ 2, 3, 4 ],\n"
    "  \"display\": { \"channel\": 0, \"smooth-surfaces\": false, \"triangle-budget\": 5000 },\n"
    "  \"phases\": [\n"
    "    { \"name\": \"Pores\", \"range\": [ 0, 14 ], \"color\": \"#1f77b4\" },\n"
    "    { \"name\": \"Graphite\", \"range\": [ 20, 41 ], \"color\": \"#d62728\" } ],\n"
    "  \"particles\": { \"phase\": \"Graphite\", \"channel\": 0, \"range\": [ 20, 41 ],\n"
    "                 \"connectivity\": 18, \"min-size\": 7, \"selected\": 0 },\n"
    "  \"surfaces\": [ { \"kind\": \"phase\", \"phase\": 1, \"name\": \"Graphite\" } ],\n"
    "  \"clusters\": { \"k\": 4, \"info\": { \"features\": \"intensity,gradient\",\n"
    "                 \"scale\": \"standard\", \"seed\": \"1234\", \"restarts\": \"3\",\n"
    "                 \"inertia\": \"567.25\" }, \"clusters\": [] },\n"
    "  \"registered\": true\n"
    "}\n";
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
}

/* The sentence of a phase [lo, hi]: its fraction and the changes for one-bin moves of each
 * edge, counted here voxel by voxel (the methods text takes them from the fine histogram). */
static char *
expected_sensitivity (const guint8 *values,
                      int           lo,
                      int           hi)
{
  const int edges[5][2] = { { lo, hi }, { lo - 1, hi }, { lo + 1, hi }, { lo, hi - 1 },
                            { lo, hi + 1 } };
  double f[5];

  for (guint e = 0; e < 5; e++)
    {
      guint count = 0;

      for (gsize i = 0; i < NX * NY * NZ; i++)
        count += values[i] >= edges[e][0] && values[i] <= edges[e][1];
      f[e] = (double) count / (NX * NY * NZ);
    }
  return g_strdup_printf ("volume fraction %.2f %%; moving the lower threshold by -1/+1 bin (1) "
                          "changes it by %+.2f/%+.2f percentage points, the upper threshold by "
                          "%+.2f/%+.2f", 100 * f[0], 100 * (f[1] - f[0]), 100 * (f[2] - f[0]),
                          100 * (f[3] - f[0]), 100 * (f[4] - f[0]));
}

static void
assert_contains (const char *text,
                 const char *part)
{
  if (strstr (text, part) == NULL)
    g_error ("“%s” not in the methods text:\n%s", part, text);
}

static void
test_paragraph (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "vol.tif", NULL);
  g_autofree char *path = g_build_filename (dir, "s.evox", NULL);
  g_autofree char *sha = NULL;
  g_autofree char *text = NULL;
  g_autofree char *pores = NULL, *graphite = NULL;
  g_autofree char *contents = NULL;
  g_autoptr (EvoxSession) session = NULL;
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (GError) error = NULL;
  guint8 values[NX * NY * NZ];
  gsize length;

  write_volume (tiff, values);
  write_session (path);
  session = evox_session_load (path, &error);
  g_assert_no_error (error);
  volume = evox_session_load_input (session, NULL, NULL, &error);
  g_assert_no_error (error);

  /* Without the volume: what the session alone says. */
  text = evox_methods_format (session, NULL);
  assert_contains (text, "\"vol.tif\"");
  assert_contains (text, "Voxel size 2 x 3 x 4 nm");
  assert_contains (text, "\"Pores\" [0, 14]");
  g_assert_null (strstr (text, "volume fraction"));
  g_clear_pointer (&text, g_free);

  text = evox_methods_format (session, volume);
  g_test_message ("%s", text);
  assert_contains (text, "The file \"vol.tif\" was analysed");
  assert_contains (text, "10 x 8 x 6 voxels (x, y, z) of type u8");
  assert_contains (text, "voxel size 2 x 3 x 4 nm");
  assert_contains (text, "trilinearly");
  assert_contains (text, "registered");
  pores = expected_sensitivity (values, 0, 14);
  graphite = expected_sensitivity (values, 20, 41);
  assert_contains (text, "\"Pores\" [0, 14], ");
  assert_contains (text, pores);
  assert_contains (text, "\"Graphite\" [20, 41], ");
  assert_contains (text, graphite);
  assert_contains (text, "of phase \"Graphite\" (values 20 to 41) were labelled");
  assert_contains (text, "18-connectivity");
  assert_contains (text, "smaller than 7 voxels");
  assert_contains (text, "flying edges");
  assert_contains (text, "triangle budget of 5000 triangles");
  g_assert_null (strstr (text, "Gaussian"));  /* smoothing off in this session */
  assert_contains (text, "k = 4");
  assert_contains (text, "features intensity,gradient");
  assert_contains (text, "scaled by standard");
  assert_contains (text, "random seed 1234");
  assert_contains (text, "3 restarts");
  assert_contains (text, "inertia 567.25");
  assert_contains (text, "Evox " PACKAGE_VERSION);

  /* The record: the hash is SHA-256 of the file's bytes in one piece. */
  g_assert_true (g_file_get_contents (tiff, &contents, &length, &error));
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
  {
    g_autofree char *record = evox_provenance_record (tiff, "segment --phase A=0:14");
    g_autofree char *expected = g_strdup_printf ("software: Evox %s\ninput: %s\n"
                                                 "input-sha256: %s\n"
                                                 "operation: segment --phase A=0:14",
                                                 PACKAGE_VERSION, tiff, sha);
    g_autofree char *comment = evox_provenance_comment (record);
    g_autofree char *expected_comment = g_strdup_printf ("# software: Evox %s\n# input: %s\n"
                                                         "# input-sha256: %s\n"
                                                         "# operation: segment --phase A=0:14\n",
                                                         PACKAGE_VERSION, tiff, sha);

    g_assert_cmpstr (record, ==, expected);
    g_assert_cmpstr (comment, ==, expected_comment);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_join_argv (void)
{
  char *argv[] = { "evox", "segment", "a b.tif", "--phase", "it's=1:2", NULL };
  g_autofree char *joined = evox_provenance_join_argv (5, argv);

  g_assert_cmpstr (joined, ==, "evox segment 'a b.tif' --phase 'it'\\''s=1:2'");
}

static void
test_cli (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "vol.tif", NULL);
  g_autofree char *path = g_build_filename (dir, "s.evox", NULL);
  g_autofree char *out = g_build_filename (dir, "methods.txt", NULL);
  g_autofree char *cut = g_build_filename (dir, "cut.evox", NULL);
  g_autofree char *missing = g_build_filename (dir, "none.evox", NULL);
  g_autofree char *written = NULL;
  g_autoptr (GError) error = NULL;
  guint8 values[NX * NY * NZ];

  write_volume (tiff, values);
  write_session (path);
  {
    g_auto (EvoxTestRun) run = run_evox (path, NULL);

    g_assert_cmpint (run.status, ==, 0);
    assert_contains (run.out, "18-connectivity");
    assert_contains (run.out, "10 x 8 x 6 voxels");
  }
  {
    g_auto (EvoxTestRun) run = run_evox (path, "-o", out, NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.out, ==, "");
    g_assert_true (g_file_get_contents (out, &written, NULL, &error));
    assert_contains (written, "random seed 1234");
  }
  {
    /* An existing output is kept without --force and replaced with it. */
    g_auto (EvoxTestRun) run = (g_file_set_contents (out, "old", -1, NULL),
                                run_evox (path, "-o", out, NULL));

    evox_test_assert_refused (&run, 1, "exists already");
    g_clear_pointer (&written, g_free);
    g_assert_true (g_file_get_contents (out, &written, NULL, &error));
    g_assert_cmpstr (written, ==, "old");
  }
  {
    g_auto (EvoxTestRun) run = run_evox (path, "-o", out, "--force", NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_clear_pointer (&written, g_free);
    g_assert_true (g_file_get_contents (out, &written, NULL, &error));
    assert_contains (written, "random seed 1234");
  }
  {
    g_auto (EvoxTestRun) run = run_evox (missing, NULL);

    evox_test_assert_refused (&run, 1, "none.evox");
  }
  {
    /* A session cut in half. */
    g_autofree char *whole = NULL;
    gsize length;

    g_assert_true (g_file_get_contents (path, &whole, &length, &error));
    g_assert_true (g_file_set_contents (cut, whole, length / 2, &error));
    {
      g_auto (EvoxTestRun) run = run_evox (cut, NULL);

      evox_test_assert_refused (&run, 1, "cut.evox");
    }
  }
  {
    /* The session's input gone: named. */
    g_assert_cmpint (g_remove (tiff), ==, 0);
    {
      g_auto (EvoxTestRun) run = run_evox (path, NULL);

      evox_test_assert_refused (&run, 1, "vol.tif");
    }
  }
  {
    g_auto (EvoxTestRun) none = run_evox (NULL, NULL);
    g_auto (EvoxTestRun) two = run_evox (path, cut, NULL);

    g_assert_cmpint (none.status, ==, 2);
    g_assert_cmpint (two.status, ==, 2);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Methods/paragraph", test_paragraph);
  g_test_add_func ("/Evox/Methods/join-argv", test_join_argv);
  g_test_add_func ("/Evox/Methods/cli", test_cli);
  return g_test_run ();
}
