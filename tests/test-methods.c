/* test-methods.c: the methods paragraph of a session, `evox methods`, the provenance record. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <png.h>
#include <string.h>

#include "evox-demo.h"
#include "evox-image.h"
#include "evox-mesh-writer.h"
#include "evox-methods.h"
#include "evox-session.h"
#include "evox-test-hdf5.h"
#include "evox-test-png.h"
#include "evox-test-tiff.h"
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

#define run_command(...) evox_test_run_evox (__VA_ARGS__)

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
  g_assert_null (strstr (text, "Reconstruction."));
  g_clear_pointer (&text, g_free);

  /* A volume made from projections: its reconstruction's parameters. */
  evox_volume_set_metadata (volume, "tomo_algorithm", "sirt");
  evox_volume_set_metadata (volume, "tomo_center", "31.5");
  text = evox_methods_format (session, volume);
  assert_contains (text, "Reconstruction. The volume was reconstructed from projections");
  assert_contains (text, "algorithm = sirt");
  assert_contains (text, "center = 31.5");

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

/* A session written by hand, loaded. */
static EvoxSession *
session_of_json (const char *json)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "s.evox", NULL);
  g_autoptr (GError) error = NULL;
  EvoxSession *session;

  g_assert_true (g_file_set_contents (path, json, -1, &error));
  session = evox_session_load (path, &error);
  g_assert_no_error (error);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
  return session;
}

/* The paragraph of a session written by hand (no volume: what the session alone says). */
static char *
methods_of_json (const char *json)
{
  g_autoptr (EvoxSession) session = session_of_json (json);
  char *text = evox_methods_format (session, NULL);

  g_test_message ("%s", text);
  return text;
}

/* The clustering's run parameters, as evox cluster --session and the window record them
 * (run.*, strings), each named in the paragraph. */
static void
test_clustering_run (void)
{
  static const char local[] =
    "{ \"evox-session\": 1, \"inputs\": [ { \"kind\": \"demo-ssrm\" } ],\n"
    "  \"clusters\": { \"k\": 5, \"info\": { \"features\": \"local 5^3 of channel 1\",\n"
    "    \"scale\": \"minmax\", \"pca\": \"2\", \"seed\": \"9\", \"restarts\": \"2\",\n"
    "    \"inertia\": \"12.5\", \"run.features\": \"local\", \"run.channels\": \"\",\n"
    "    \"run.channel\": \"1\", \"run.window\": \"5\", \"run.mask-channel\": \"1\",\n"
    "    \"run.mask-lo\": \"20\", \"run.mask-hi\": \"41\", \"run.scale\": \"minmax\",\n"
    "    \"run.pca\": \"2\", \"run.seed\": \"9\", \"run.restarts\": \"2\",\n"
    "    \"run.max-iter\": \"50\", \"run.tol\": \"0.001\", \"run.init-sample\": \"500\" },\n"
    "    \"clusters\": [] } }\n";
  static const char channels[] =
    "{ \"evox-session\": 1, \"inputs\": [ { \"kind\": \"demo-ssrm\" } ],\n"
    "  \"clusters\": { \"k\": 3, \"info\": { \"scale\": \"zscore\", \"pca\": \"none\",\n"
    "    \"run.features\": \"channels\", \"run.channels\": \"0,2\",\n"
    "    \"run.mask-channel\": \"-1\", \"run.mask-lo\": \"-inf\", \"run.mask-hi\": \"inf\" },\n"
    "    \"clusters\": [] } }\n";
  g_autofree char *text = methods_of_json (local);

  assert_contains (text, "k = 5");
  assert_contains (text, "the value, the local mean, the local standard deviation and the "
                   "gradient magnitude of channel 1 in a 5 x 5 x 5 window");
  assert_contains (text, "whose value in channel 1 lies in [20, 41]");
  assert_contains (text, "scaled to [0, 1] by its minimum and maximum");
  assert_contains (text, "reduced to 2 principal components (PCA)");
  assert_contains (text, "k-means++ among at most 500 voxels");
  assert_contains (text, "(random seed 9)");
  assert_contains (text, "2 restarts");
  assert_contains (text, "after 50 iterations at most");
  assert_contains (text, "below 0.001 times the mean feature variance");
  assert_contains (text, "final inertia 12.5");
  g_assert_null (strstr (text, "local 5^3"));
  g_clear_pointer (&text, g_free);

  text = methods_of_json (channels);
  assert_contains (text, "on the values of channels 0,2 per voxel");
  assert_contains (text, "standardised to zero mean and unit variance (z-score), without PCA");
  g_assert_null (strstr (text, "whose value in channel"));
}

/* The Metrics page's percolation overlay, saved as the document's clusters (as
 * evox_percolation_clusters_set_source records it), is described as the labelling it is, not as
 * a k-means run (it was before); and particles labelled without a minimum size (0, the default
 * of evox segment, or 1) are not said to drop "components smaller than 0 voxels". */
static void
test_percolation_overlay (void)
{
  static const char overlay[] =
    "{ \"evox-session\": 1, \"inputs\": [ { \"kind\": \"demo-ssrm\" } ],\n"
    "  \"clusters\": { \"k\": 3, \"info\": { \"source\": \"percolation\",\n"
    "    \"percolation.axis\": \"z\", \"percolation.channel\": \"0\",\n"
    "    \"percolation.ranges\": \"0:0;170:170\", \"percolation.connectivity\": \"26\" },\n"
    "    \"clusters\": [] } }\n";
  static const char no_minimum[] =
    "{ \"evox-session\": 1, \"inputs\": [ { \"kind\": \"demo-ssrm\" } ],\n"
    "  \"particles\": { \"phase\": \"AM\", \"channel\": 0, \"range\": [ 85, 85 ],\n"
    "                 \"connectivity\": 26, \"min-size\": %d, \"selected\": 0 } }\n";
  g_autofree char *text = methods_of_json (overlay);

  assert_contains (text, "Percolation. The voxels of the phase [0, 0] and [170, 170] (stored "
                   "values of channel 0) were shown in three classes by how their 26-connected "
                   "components reach the two faces of the volume normal to z: joined to both "
                   "faces, to one face only, or to neither");
  g_assert_null (strstr (text, "k-means"));
  g_assert_null (strstr (text, "Clustering."));
  for (int min_size = 0; min_size <= 2; min_size++)
    {
      g_autofree char *json = g_strdup_printf (no_minimum, min_size);

      g_clear_pointer (&text, g_free);
      text = methods_of_json (json);
      assert_contains (text, "labelled with 26-connectivity");
      if (min_size < 2)
        {
          assert_contains (text, "every component kept (no minimum size)");
          g_assert_null (strstr (text, "smaller than"));
        }
      else
        assert_contains (text, "components smaller than 2 voxels discarded (minimum size)");
    }
}

/* --bin N means N x N pixels of each image as it is read (a spectral set, an image) and N x N x N
 * voxels of a volume: the data sentence says which, as the volume's depth shows (it said
 * "4 x 4 x 4" for a binned 2D energy stack, beside a voxel size binned in x and y only). */
static void
test_binning (void)
{
  static const char json[] =
    "{ \"evox-session\": 1, \"inputs\": [ { \"kind\": \"file\", \"path\": \"s.h5\",\n"
    "  \"reading\": { \"bin\": 4 } } ] }\n";
  g_autoptr (EvoxSession) session = session_of_json (json);
  g_autoptr (GError) error = NULL;

  for (gsize nz = 1; nz <= 3; nz += 2)
    {
      g_autoptr (EvoxVolume) volume = evox_volume_new (8, 6, nz, 2, EVOX_SAMPLE_F32, &error);
      g_autofree char *text = NULL;

      g_assert_no_error (error);
      text = evox_methods_format (session, volume);
      g_test_message ("%s", text);
      if (nz == 1)
        {
          assert_contains (text, "It was binned 4 x 4 pixels on reading.");
          g_assert_null (strstr (text, "4 x 4 x 4"));
        }
      else
        assert_contains (text, "It was binned 4 x 4 x 4 on reading.");
    }
}

/* A level surface is where the values cross the level, not half way between voxel centres as
 * a phase's mask is: each kind is described as it is made. */
static void
test_level_surfaces (void)
{
  static const char both[] =
    "{ \"evox-session\": 1, \"inputs\": [ { \"kind\": \"demo-ssrm\" } ],\n"
    "  \"display\": { \"smooth-surfaces\": true, \"triangle-budget\": 0 },\n"
    "  \"surfaces\": [ { \"kind\": \"phase\", \"phase\": 0, \"name\": \"Si\" },\n"
    "                { \"kind\": \"level\", \"level\": 42.5, \"name\": \"Iso\" } ] }\n";
  static const char level[] =
    "{ \"evox-session\": 1, \"inputs\": [ { \"kind\": \"demo-ssrm\" } ],\n"
    "  \"display\": { \"smooth-surfaces\": false, \"triangle-budget\": 0 },\n"
    "  \"surfaces\": [ { \"kind\": \"level\", \"level\": -3, \"name\": \"Level -3\" } ] }\n";
  g_autofree char *text = methods_of_json (both);

  assert_contains (text, "(\"Si\", \"Iso\" at level 42.5) were extracted");
  assert_contains (text, "phases and particles as their masks smoothed by a Gaussian");
  assert_contains (text, "; levels where the values, interpolated linearly between voxel "
                   "centres, cross the level, the values first smoothed by a Gaussian");
  g_clear_pointer (&text, g_free);

  text = methods_of_json (level);
  assert_contains (text, "(\"Level -3\" at level -3) was extracted");
  assert_contains (text, ": levels where the values");
  g_assert_null (strstr (text, "half way"));
  g_assert_null (strstr (text, "Gaussian"));
  g_assert_null (strstr (text, "mask"));
}

/* The maps the window records itself (xanes-maps, elements-maps) are described from their
 * numbers. */
static void
test_window_maps (void)
{
  static const char maps[] =
    "{ \"evox-session\": 1, \"inputs\": [ { \"kind\": \"demo-ssrm\" } ],\n"
    "  \"xanes-maps\": { \"version\": 1, \"e0\": 8342.5, \"edge\": 8333, \"pre1\": -150,\n"
    "    \"pre2\": -30, \"norm1\": 40, \"norm2\": 300, \"nnorm\": 2, \"mask_k\": 5,\n"
    "    \"norm\": true, \"shown\": true },\n"
    "  \"elements-maps\": { \"version\": 1, \"element\": \"Mn_K,Ni_K\",\n"
    "    \"pairs\": [ \"Mn=6500:6600\", \"Ni=8178:8570\" ], \"method\": \"pair\",\n"
    "    \"matrix\": null, \"values\": null, \"register\": true, \"shown\": false } }\n";
  static const char fit[] =
    "{ \"evox-session\": 1, \"inputs\": [ { \"kind\": \"demo-ssrm\" } ],\n"
    "  \"elements-maps\": { \"version\": 1, \"element\": \"Co_K\", \"pairs\": [],\n"
    "    \"method\": \"fit\", \"matrix\": \"O\", \"register\": false } }\n";
  g_autofree char *text = methods_of_json (maps);

  assert_contains (text, "XANES maps. Each voxel's spectrum was normalised as Larch's pre_edge "
                   "does, with one E0 for the whole stack of 8342.5 eV (edge 8333 eV), the "
                   "pre-edge line fitted from E0-150 to E0-30 eV, the post-edge polynomial of "
                   "degree 2 fitted from E0+40 to E0+300 eV; a voxel is kept when its edge step "
                   "exceeds 5 times its noise.");
  assert_contains (text, "Elemental maps. They were computed on the registered stack. Areal "
                   "densities were computed per voxel from the jump in optical density across "
                   "each edge, divided by the jump in mass attenuation (xraylib), for the edges "
                   "Mn_K,Ni_K (energies below:above each edge in eV: Mn=6500:6600, "
                   "Ni=8178:8570).");
  g_clear_pointer (&text, g_free);
  text = methods_of_json (fit);
  assert_contains (text, "fitted per voxel by least squares to the mass attenuation "
                   "coefficients (xraylib) of the edges Co_K and a matrix term of O.");
  g_assert_null (strstr (text, "XANES maps."));
  g_assert_null (strstr (text, "registered stack"));
}

/* A figure record (evox render --session): the format and the options as typed. */
static void
test_figure (void)
{
  static const char figure[] =
    "{ \"evox-session\": 1, \"inputs\": [ { \"kind\": \"demo-ssrm\" } ],\n"
    "  \"figure\": { \"version\": 1, \"format\": \"svg\",\n"
    "    \"options\": [ \"--view\", \"z\", \"--label\", \"a b@0.1,0.2\", \"--scale-bar\" ] } }\n";
  g_autofree char *text = methods_of_json (figure);

  assert_contains (text, "Figure. The figure (SVG) was drawn by evox render with the options "
                   "--view z --label 'a b@0.1,0.2' --scale-bar.\n");
}

/* Fraction of the finite values in [lo, hi]: over the measured scans, or every voxel. */
static double
count_fraction (EvoxVolume *volume,
                gboolean    scans,
                double      lo,
                double      hi)
{
  gsize dims[3];
  guint64 in = 0, finite = 0;

  evox_volume_get_dims (volume, dims);
  if (scans)
    for (guint s = 0; s < evox_volume_get_n_scans (volume); s++)
      {
        const float *v = evox_volume_get_scan (volume, s)->values;

        for (gsize i = 0; i < dims[0] * dims[1]; i++)
          {
            finite += isfinite (v[i]);
            in += v[i] >= lo && v[i] <= hi;
          }
      }
  else
    {
      const float *v = evox_volume_get_data (volume, 0);

      for (gsize i = 0; i < dims[0] * dims[1] * dims[2]; i++)
        {
          finite += isfinite (v[i]);
          in += v[i] >= lo && v[i] <= hi;
        }
    }
  return (double) in / (double) finite;
}

/* An SSRM stack's fractions are those of the basis the session's fractions export counts (the
 * measured scans unless it says volume), counted exactly as the CSV is: the paragraph must not
 * quote the interpolated volume's fraction beside a CSV of the scans'. */
static void
test_ssrm_basis (void)
{
  static const char *const bases[] = { "", ", \"display\": { \"basis\": \"volume\" }" };
  g_autoptr (EvoxVolume) demo = evox_demo_volume_new (10);
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "s.evox", NULL);
  double scans = count_fraction (demo, TRUE, -4, -2.5);
  double voxels = count_fraction (demo, FALSE, -4, -2.5);

  /* The two differ in the quoted digits, so quoting the wrong one fails. */
  g_assert_cmpfloat (fabs (scans - voxels), >, 0.001);
  for (guint b = 0; b < G_N_ELEMENTS (bases); b++)
    {
      g_autofree char *json = g_strdup_printf ("{ \"evox-session\": 1, \"inputs\": [ { \"kind\": "
                                               "\"demo-ssrm\" } ], \"phases\": [ { \"name\": "
                                               "\"si\", \"range\": [ -4, -2.5 ] } ]%s }\n",
                                               bases[b]);
      g_autofree char *fraction = g_strdup_printf ("\"si\" [-4, -2.5], volume fraction %.2f %%",
                                                   100 * (b == 0 ? scans : voxels));
      g_autofree char *text = NULL;
      g_autoptr (EvoxSession) session = NULL;
      g_autoptr (EvoxVolume) volume = NULL;
      g_autoptr (GError) error = NULL;

      g_assert_true (g_file_set_contents (path, json, -1, &error));
      session = evox_session_load (path, &error);
      g_assert_no_error (error);
      volume = evox_session_load_input (session, NULL, NULL, &error);
      g_assert_no_error (error);
      text = evox_methods_format (session, volume);
      g_test_message ("%s", text);
      assert_contains (text, fraction);
      g_autofree char *of = g_strdup_printf ("with fractions of the %u measured scans",
                                             evox_volume_get_n_scans (demo));

      assert_contains (text, b == 0 ? of : "with fractions of the interpolated volume");
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A voxel size the session states over a file that gives none (Image Properties, or
 * --voxel-size of a subcommand's --session) is the one `evox methods` reports. */
static void
test_cli_voxel_size (void)
{
  static const char text[] =
    "{ \"evox-session\": 1, \"inputs\": [ { \"kind\": \"file\", \"path\": \"bare.tif\" } ],\n"
    "  \"voxel-size-nm\": [ 500, 500, 1000 ] }\n";
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "bare.tif", NULL);
  g_autofree char *path = g_build_filename (dir, "s.evox", NULL);
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (GError) error = NULL;

  volume = evox_volume_new (NX, NY, NZ, 1, EVOX_SAMPLE_U8, &error);
  g_assert_no_error (error);
  g_assert_true (evox_tiff_write (volume, 0, tiff, EVOX_TIFF_WRITE_OVERWRITE, &error));
  g_assert_true (g_file_set_contents (path, text, -1, &error));
  {
    g_auto (EvoxTestRun) run = run_evox (path, NULL);

    g_assert_cmpint (run.status, ==, 0);
    assert_contains (run.out, "voxel size 500 x 500 x 1000 nm.");
    g_assert_null (strstr (run.out, "not known"));
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A record with a line that is not ASCII, so the PNG needs iTXt. */
static const char record[] = "software: Evox test\ninput: /data/\xc3\xa9lectrode.tif\n"
                             "operation: evox render <a & b>";

/* The PNG's "Description" text as libpng reads it (tEXt or iTXt); NULL when there is none. */
static char *
read_png_description (const char *path)
{
  FILE *file = fopen (path, "rb");
  png_structp png = png_create_read_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct (png);
  png_textp text = NULL;
  char *found = NULL;
  int n = 0;

  g_assert_nonnull (file);
  if (setjmp (png_jmpbuf (png)))
    g_error ("libpng cannot read %s", path);
  png_init_io (png, file);
  png_read_info (png, info);
  png_get_text (png, info, &text, &n);
  for (int i = 0; i < n; i++)
    if (strcmp (text[i].key, "Description") == 0)
      found = g_strdup (text[i].text);
  png_destroy_read_struct (&png, &info, NULL);
  fclose (file);
  return found;
}

static void
test_image_metadata (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *png = g_build_filename (dir, "a.png", NULL);
  g_autofree char *plain_png = g_build_filename (dir, "b.png", NULL);
  g_autofree char *tif = g_build_filename (dir, "a.tif", NULL);
  g_autofree char *plain_tif = g_build_filename (dir, "b.tif", NULL);
  g_autoptr (GError) error = NULL;
  const guint8 rgba[16] = { 255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 9, 9, 9, 128 };

  g_assert_true (evox_image_write_with_provenance (png, rgba, 2, 2, 0, record, &error));
  g_assert_true (evox_image_write_with_provenance (tif, rgba, 2, 2, 0, record, &error));
  g_assert_true (evox_image_write (plain_png, rgba, 2, 2, 0, &error));
  g_assert_true (evox_image_write (plain_tif, rgba, 2, 2, 0, &error));
  g_assert_no_error (error);
  {
    g_autofree char *a = read_png_description (png);
    g_autofree char *b = read_png_description (plain_png);
    g_autofree char *c = evox_test_tiff_description (tif);
    g_autofree char *d = evox_test_tiff_description (plain_tif);

    g_assert_cmpstr (a, ==, record);
    g_assert_null (b);
    g_assert_cmpstr (c, ==, record);
    g_assert_null (d);
  }
  {
    /* The pixels are the same with and without the record. */
    EvoxTestImage a = evox_test_read_png (png);

    g_assert_cmpmem (a.rgba, 16, rgba, 16);
    g_free (a.rgba);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The header lines of a PLY (up to end_header) or the leading '#' lines of an OBJ. */
static GStrv
header_lines (const char *path)
{
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) lines = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL && strcmp (lines[i], "end_header") != 0; i++)
    g_strv_builder_add (builder, lines[i]);
  return g_strv_builder_end (builder);
}

static void
test_mesh_metadata (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *ply = g_build_filename (dir, "a.ply", NULL);
  g_autofree char *obj = g_build_filename (dir, "a.obj", NULL);
  g_autofree char *plain = g_build_filename (dir, "b.ply", NULL);
  g_autoptr (EvoxMesh) mesh = evox_mesh_new_empty ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) a = NULL, b = NULL, c = NULL;

  g_assert_true (evox_mesh_write_with_provenance (mesh, NULL, ply, EVOX_MESH_FORMAT_PLY, NULL,
                                                  record, FALSE, &error));
  g_assert_true (evox_mesh_write_with_provenance (mesh, NULL, obj, EVOX_MESH_FORMAT_OBJ, NULL,
                                                  record, FALSE, &error));
  g_assert_true (evox_mesh_write (mesh, plain, EVOX_MESH_FORMAT_PLY, NULL, FALSE, &error));
  g_assert_no_error (error);
  a = header_lines (ply);
  b = header_lines (obj);
  c = header_lines (plain);
  /* ply, format, the unit's comment, then the record's lines, then the elements. */
  g_assert_cmpstr (a[2], ==, "comment Evox mesh, unit nm");
  g_assert_cmpstr (a[3], ==, "comment software: Evox test");
  g_assert_cmpstr (a[4], ==, "comment input: /data/\xc3\xa9lectrode.tif");
  g_assert_cmpstr (a[5], ==, "comment operation: evox render <a & b>");
  g_assert_true (g_str_has_prefix (a[6], "element vertex 0"));
  g_assert_true (g_str_has_prefix (c[3], "element vertex 0"));
  g_assert_cmpuint (g_strv_length (a), ==, g_strv_length (c) + 3);
  g_assert_cmpstr (b[1], ==, "# software: Evox test");
  g_assert_cmpstr (b[3], ==, "# operation: evox render <a & b>");
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static char *
read_text (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  return contents;
}

/* The command line's --provenance: CSV comment lines before the same table, none without it;
 * the PLY's comments and the SVG's <metadata>. */
static void
test_cli_exports (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "vol.tif", NULL);
  g_autofree char *with = g_build_filename (dir, "with.csv", NULL);
  g_autofree char *without = g_build_filename (dir, "without.csv", NULL);
  g_autofree char *particles = g_build_filename (dir, "particles.csv", NULL);
  g_autofree char *mask = g_build_filename (dir, "mask.tif", NULL);
  g_autofree char *plain_mask = g_build_filename (dir, "plain-mask.tif", NULL);
  g_autofree char *ply = g_build_filename (dir, "m.ply", NULL);
  g_autofree char *svg = g_build_filename (dir, "f.svg", NULL);
  g_autofree char *contents = NULL, *sha = NULL, *a = NULL, *b = NULL, *c = NULL;
  g_autofree char *expected = NULL;
  g_autoptr (GError) error = NULL;
  guint8 values[NX * NY * NZ];
  gsize length;

  write_volume (tiff, values);
  g_assert_true (g_file_get_contents (tiff, &contents, &length, &error));
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
  {
    g_auto (EvoxTestRun) plain = run_command ("segment", tiff, "--phase", "A=20:41",
                                              "--fractions", without, "--mask", plain_mask,
                                              NULL);
    g_auto (EvoxTestRun) marked = run_command ("segment", tiff, "--phase", "A=20:41",
                                               "--fractions", with, "--particles", particles,
                                               "--mask", mask, "--provenance", NULL);

    g_assert_cmpint (plain.status, ==, 0);
    g_assert_cmpint (marked.status, ==, 0);
  }
  a = read_text (with);
  b = read_text (without);
  c = read_text (particles);
  g_assert_false (g_str_has_prefix (b, "#"));
  expected = g_strdup_printf ("# software: Evox %s\n# input: %s\n# input-sha256: %s\n"
                              "# operation: evox segment %s --phase A=20:41 --fractions %s "
                              "--particles %s --mask %s --provenance\n", PACKAGE_VERSION, tiff,
                              sha, tiff, with, particles, mask);
  g_assert_true (g_str_has_prefix (a, expected));
  g_assert_cmpstr (a + strlen (expected), ==, b);  /* the table itself unchanged */
  g_assert_true (g_str_has_prefix (c, expected));
  g_assert_true (g_str_has_prefix (c + strlen (expected), "phase,id,voxels,"));
  {
    /* The phase mask: the record percent-escaped in its own key of the ImageJ description. */
    g_autofree char *description = evox_test_tiff_description (mask);
    g_autofree char *plain_description = evox_test_tiff_description (plain_mask);
    g_autofree char *record_text = g_strdup_printf ("software: Evox %s\ninput: %s\n"
                                                    "input-sha256: %s\noperation: evox segment "
                                                    "%s --phase A=20:41 --fractions %s "
                                                    "--particles %s --mask %s --provenance",
                                                    PACKAGE_VERSION, tiff, sha, tiff, with,
                                                    particles, mask);
    g_autofree char *escaped = g_uri_escape_string (record_text, NULL, TRUE);
    g_autofree char *line = g_strdup_printf ("\nevox_provenance=%s\n", escaped);

    g_assert_true (g_str_has_prefix (description, "ImageJ="));
    g_assert_nonnull (strstr (description, line));
    g_assert_null (strstr (plain_description, "evox_provenance"));
    g_assert_cmpstr (description + 0, !=, plain_description);
  }

  {
    g_auto (EvoxTestRun) run = run_command ("isosurface", tiff, "--phase", "20:41", "-o", ply,
                                            "--provenance", NULL);
    g_auto (GStrv) lines = NULL;
    g_autofree char *line = g_strdup_printf ("comment input-sha256: %s", sha);

    g_assert_cmpint (run.status, ==, 0);
    lines = header_lines (ply);
    g_assert_true (g_strv_contains ((const char * const *) lines, line));
    g_assert_true (g_strv_contains ((const char * const *) lines,
                                    "comment software: Evox " PACKAGE_VERSION));
  }
  {
    /* Mesa's EGL setup in evox render keeps 128-240 bytes LeakSanitizer reports (not Evox's:
     * the render suites stay out of the sanitizer tree for it), so leaks are not checked here. */
    g_autofree char *asan = g_strdup (g_getenv ("ASAN_OPTIONS"));
    g_autofree char *no_leaks = g_strconcat (asan != NULL ? asan : "", asan != NULL ? ":" : "",
                                             "detect_leaks=0", NULL);
    g_auto (EvoxTestRun) run = { 0 };
    g_autofree char *text = NULL;
    g_autofree char *element = g_strdup_printf ("<metadata id=\"evox-provenance\">software: "
                                                "Evox %s\ninput: %s\ninput-sha256: %s\n",
                                                PACKAGE_VERSION, tiff, sha);

    g_setenv ("ASAN_OPTIONS", no_leaks, TRUE);
    run = run_command ("render", tiff, "-o", svg, "--provenance", NULL);
    if (asan != NULL)
      g_setenv ("ASAN_OPTIONS", asan, TRUE);
    else
      g_unsetenv ("ASAN_OPTIONS");
    g_assert_cmpint (run.status, ==, 0);
    text = read_text (svg);
    g_assert_nonnull (strstr (text, element));
    g_assert_nonnull (strstr (text, "--provenance</metadata>"));
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The record of a command on input, as evox_provenance_record spells it. */
static char *
expected_record (const char *input,
                 const char *command)
{
  g_autofree char *contents = NULL;
  g_autofree char *sha = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (input, &contents, &length, NULL));
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
  return g_strdup_printf ("software: Evox %s\ninput: %s\ninput-sha256: %s\noperation: evox %s",
                          PACKAGE_VERSION, input, sha, command);
}

/* The record as the "# " lines of a CSV. */
static char *
expected_comment (const char *input,
                  const char *command)
{
  g_autofree char *record = expected_record (input, command);
  g_auto (GStrv) lines = g_strsplit (record, "\n", -1);
  g_autoptr (GString) text = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    g_string_append_printf (text, "# %s\n", lines[i]);
  return g_strdup (text->str);
}

/* evox convert --provenance: the record (input, its SHA-256, the command) in the TIFF's
 * description and as the HDF5 root attribute evox_provenance; without it neither. */
static void
test_convert_provenance (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "in.tif", NULL);
  g_autofree char *out_tif = g_build_filename (dir, "out.tif", NULL);
  g_autofree char *plain_tif = g_build_filename (dir, "plain.tif", NULL);
  g_autofree char *out_h5 = g_build_filename (dir, "out.h5", NULL);
  g_autofree char *plain_h5 = g_build_filename (dir, "plain.h5", NULL);
  guint8 values[NX * NY * NZ];

  write_volume (tiff, values);
  {
    g_auto (EvoxTestRun) a = run_command ("convert", tiff, out_tif, "--deflate", "--provenance",
                                          NULL);
    g_auto (EvoxTestRun) b = run_command ("convert", tiff, plain_tif, NULL);
    g_auto (EvoxTestRun) c = run_command ("convert", "--provenance", tiff, "-o", out_h5, NULL);
    g_auto (EvoxTestRun) d = run_command ("convert", tiff, plain_h5, NULL);

    g_assert_cmpint (a.status, ==, 0);
    g_assert_cmpint (b.status, ==, 0);
    g_assert_cmpint (c.status, ==, 0);
    g_assert_cmpint (d.status, ==, 0);
  }
  {
    g_autofree char *command = g_strdup_printf ("convert %s %s --deflate --provenance", tiff,
                                                out_tif);
    g_autofree char *record = expected_record (tiff, command);
    g_autofree char *escaped = g_uri_escape_string (record, NULL, TRUE);
    g_autofree char *line = g_strdup_printf ("\nevox_provenance=%s\n", escaped);
    g_autofree char *description = evox_test_tiff_description (out_tif);
    g_autofree char *plain = evox_test_tiff_description (plain_tif);

    g_assert_nonnull (strstr (description, line));
    g_assert_null (strstr (plain, "evox_provenance"));
  }
  {
    g_autofree char *command = g_strdup_printf ("convert --provenance %s -o %s", tiff, out_h5);
    g_autofree char *expected = expected_record (tiff, command);
    g_autofree char *attribute = evox_test_h5_get_root_text (out_h5, "evox_provenance");
    g_autofree char *plain = evox_test_h5_get_root_text (plain_h5, "evox_provenance");

    g_assert_cmpstr (attribute, ==, expected);
    g_assert_null (plain);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* histogram --provenance: the CSV it prints is the plain one behind the record's lines, exactly
 * those evox_provenance_record spells (brute force: the SHA-256 of the input computed here); the
 * demo stack, which has no input file, gets the record without one; without the option nothing
 * changes. */
static void
test_histogram_provenance (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "in.tif", NULL);
  g_autofree char *marked = g_build_filename (dir, "marked.csv", NULL);
  g_autofree char *plain = g_build_filename (dir, "plain.csv", NULL);
  g_autofree char *head = NULL;
  g_autoptr (GError) error = NULL;
  guint8 values[NX * NY * NZ];

  write_volume (tiff, values);
  {
    g_auto (EvoxTestRun) a = run_command ("histogram", tiff, "--bins", "6", "--per-layer",
                                          "--provenance", NULL);
    g_auto (EvoxTestRun) b = run_command ("histogram", tiff, "--bins", "6", "--per-layer", NULL);

    evox_test_assert_ok (&a);
    evox_test_assert_ok (&b);
    g_assert_true (g_file_set_contents (marked, a.out, -1, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_set_contents (plain, b.out, -1, &error));
    g_assert_no_error (error);
    g_assert_true (g_str_has_prefix (b.out, "lo,hi,z="));
  }
  evox_test_assert_csv_with_provenance (marked, plain, "evox histogram");
  {
    g_autofree char *command = g_strdup_printf ("histogram %s --bins 6 --per-layer --provenance",
                                                tiff);
    g_autofree char *text = read_text (marked);

    head = expected_comment (tiff, command);
    g_assert_true (g_str_has_prefix (text, head));
  }
  {
    g_auto (EvoxTestRun) a = run_command ("histogram", "--demo", "--bins", "3", "--provenance",
                                          NULL);
    g_auto (EvoxTestRun) b = run_command ("histogram", "--demo", "--bins", "3", NULL);

    evox_test_assert_ok (&a);
    evox_test_assert_ok (&b);
    g_assert_true (g_file_set_contents (marked, a.out, -1, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_set_contents (plain, b.out, -1, &error));
    g_assert_no_error (error);
    evox_test_assert_csv_with_provenance (marked, plain,
                                          "operation: evox histogram --demo --bins 3 "
                                          "--provenance");
    g_assert_null (strstr (a.out, "# input"));
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* spectrum and cluster --provenance: each CSV is the plain one behind the record's lines; the
 * cluster label TIFF has the record in its description; without the option nothing changes. */
static void
test_spectrum_cluster_provenance (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "in.tif", NULL);
  const char *names[] = { "s.csv", "c.csv", "w.csv", "l.tif" };
  char *marked[G_N_ELEMENTS (names)], *plain[G_N_ELEMENTS (names)];
  guint8 values[NX * NY * NZ];

  write_volume (tiff, values);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      marked[i] = g_build_filename (dir, names[i], NULL);
      plain[i] = g_strconcat (marked[i], ".plain", i == 3 ? ".tif" : ".csv", NULL);
    }
  {
    g_auto (EvoxTestRun) a = run_command ("spectrum", tiff, "--at", "1,2", "-o", marked[0],
                                          "--provenance", NULL);
    g_auto (EvoxTestRun) b = run_command ("spectrum", tiff, "--at", "1,2", "-o", plain[0], NULL);
    g_auto (EvoxTestRun) c = run_command ("cluster", tiff, "--k", "2", "--seed", "5", "--sweep",
                                          marked[2], "--centers", marked[1], "--labels",
                                          marked[3], "--provenance", NULL);
    g_auto (EvoxTestRun) d = run_command ("cluster", tiff, "--k", "2", "--seed", "5", "--sweep",
                                          plain[2], "--centers", plain[1], "--labels", plain[3],
                                          NULL);

    g_assert_cmpint (a.status, ==, 0);
    g_assert_cmpint (b.status, ==, 0);
    g_assert_cmpint (c.status, ==, 0);
    g_assert_cmpint (d.status, ==, 0);
  }
  {
    g_autofree char *spectrum = g_strdup_printf ("spectrum %s --at 1,2 -o %s --provenance",
                                                 tiff, marked[0]);
    g_autofree char *cluster = g_strdup_printf ("cluster %s --k 2 --seed 5 --sweep %s --centers "
                                                "%s --labels %s --provenance", tiff, marked[2],
                                                marked[1], marked[3]);
    g_autofree char *escaped = NULL;
    g_autofree char *description = evox_test_tiff_description (marked[3]);
    g_autofree char *plain_description = evox_test_tiff_description (plain[3]);

    for (guint i = 0; i < 3; i++)
      {
        g_autofree char *head = expected_comment (tiff, i == 0 ? spectrum : cluster);
        g_autofree char *a = read_text (marked[i]);
        g_autofree char *b = read_text (plain[i]);

        g_assert_true (g_str_has_prefix (a, head));
        g_assert_cmpstr (a + strlen (head), ==, b);
        g_assert_false (g_str_has_prefix (b, "#"));
      }
    {
      g_autofree char *record = expected_record (tiff, cluster);

      escaped = g_uri_escape_string (record, NULL, TRUE);
    }
    g_assert_nonnull (strstr (description, escaped));
    g_assert_null (strstr (plain_description, "evox_provenance"));
  }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_free (marked[i]);
      g_free (plain[i]);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* xanes, elements and register --provenance: the record as the HDF5 root attribute, in the
 * description of every TIFF a PREFIX.tif output makes (maps and the normalised energy stack),
 * and as the "# " lines of register's report. */
static void
test_maps_provenance (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *stack = g_build_filename (dir, "stack.h5", NULL);
  g_autofree char *h5 = g_build_filename (dir, "x.h5", NULL);
  g_autofree char *plain_h5 = g_build_filename (dir, "plain.h5", NULL);
  g_autofree char *xt = g_build_filename (dir, "xt.tif", NULL);
  g_autofree char *el = g_build_filename (dir, "el.tif", NULL);
  g_autofree char *registered = g_build_filename (dir, "r.h5", NULL);
  g_autofree char *report = g_build_filename (dir, "r.csv", NULL);
  const char *tiffs[] = { "xt_e0.tif", "xt_norm.tif", "el_Ni.tif", "el_Mn.tif" };

  {
    g_auto (EvoxTestRun) a = run_command ("convert", "--demo-xanes", stack, NULL);

    g_assert_cmpint (a.status, ==, 0);
  }
  {
    g_auto (EvoxTestRun) a = run_command ("xanes", stack, "-o", h5, "--provenance", NULL);
    g_auto (EvoxTestRun) b = run_command ("xanes", stack, "-o", plain_h5, NULL);
    g_auto (EvoxTestRun) c = run_command ("xanes", stack, "-o", xt, "--provenance", NULL);
    g_auto (EvoxTestRun) d = run_command ("elements", stack, "-o", el, "--provenance", NULL);
    /* binned 4 x 4: the full stack takes seconds to register */
    g_auto (EvoxTestRun) e = run_command ("register", stack, "--bin", "4", "-o", registered,
                                          "--report", report, "--provenance", NULL);

    g_assert_cmpint (a.status, ==, 0);
    g_assert_cmpint (b.status, ==, 0);
    g_assert_cmpint (c.status, ==, 0);
    g_assert_cmpint (d.status, ==, 0);
    g_assert_cmpint (e.status, ==, 0);
  }
  {
    /* register: the report behind the record's lines, the volume with the attribute */
    g_autofree char *command = g_strdup_printf ("register %s --bin 4 -o %s --report %s "
                                                "--provenance",
                                                stack, registered, report);
    g_autofree char *head = expected_comment (stack, command);
    g_autofree char *record = expected_record (stack, command);
    g_autofree char *text = read_text (report);
    g_autofree char *attribute = evox_test_h5_get_root_text (registered, "evox_provenance");

    g_assert_true (g_str_has_prefix (text, head));
    g_assert_true (g_str_has_prefix (text + strlen (head), "energy_ev,"));
    g_assert_cmpstr (attribute, ==, record);
  }
  {
    g_autofree char *command = g_strdup_printf ("xanes %s -o %s --provenance", stack, h5);
    g_autofree char *expected = expected_record (stack, command);
    g_autofree char *attribute = evox_test_h5_get_root_text (h5, "evox_provenance");
    g_autofree char *plain = evox_test_h5_get_root_text (plain_h5, "evox_provenance");

    g_assert_cmpstr (attribute, ==, expected);
    g_assert_null (plain);
  }
  for (guint i = 0; i < G_N_ELEMENTS (tiffs); i++)
    {
      g_autofree char *path = g_build_filename (dir, tiffs[i], NULL);
      g_autofree char *command = g_strdup_printf ("%s %s -o %s --provenance",
                                                  i < 2 ? "xanes" : "elements", stack,
                                                  i < 2 ? xt : el);
      g_autofree char *record = expected_record (stack, command);
      g_autofree char *escaped = g_uri_escape_string (record, NULL, TRUE);
      g_autofree char *line = g_strdup_printf ("\nevox_provenance=%s\n", escaped);
      g_autofree char *description = evox_test_tiff_description (path);

      g_assert_nonnull (strstr (description, line));
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
  g_test_add_func ("/Evox/Methods/cli-voxel-size", test_cli_voxel_size);
  g_test_add_func ("/Evox/Methods/clustering-run", test_clustering_run);
  g_test_add_func ("/Evox/Methods/percolation-overlay", test_percolation_overlay);
  g_test_add_func ("/Evox/Methods/binning", test_binning);
  g_test_add_func ("/Evox/Methods/figure", test_figure);
  g_test_add_func ("/Evox/Methods/window-maps", test_window_maps);
  g_test_add_func ("/Evox/Methods/level-surfaces", test_level_surfaces);
  g_test_add_func ("/Evox/Methods/ssrm-basis", test_ssrm_basis);
  g_test_add_func ("/Evox/Methods/image-metadata", test_image_metadata);
  g_test_add_func ("/Evox/Methods/mesh-metadata", test_mesh_metadata);
  g_test_add_func ("/Evox/Methods/cli-exports", test_cli_exports);
  g_test_add_func ("/Evox/Methods/convert-provenance", test_convert_provenance);
  g_test_add_func ("/Evox/Methods/spectrum-cluster-provenance", test_spectrum_cluster_provenance);
  g_test_add_func ("/Evox/Methods/histogram-provenance", test_histogram_provenance);
  g_test_add_func ("/Evox/Methods/maps-provenance", test_maps_provenance);
  return g_test_run ();
}
