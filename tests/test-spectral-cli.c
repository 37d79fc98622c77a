/* test-spectral-cli.c: `evox info` and --bin on spectral sets (per-energy TIFFs written here, the
 * real SSRL script, folder and .xrm files), and the command line's refusals of them. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-volume.h"

static EvoxTestRun
run_evox (char       **envp,
          const char  *first,
          ...)
{
  va_list ap;
  EvoxTestRun run;

  va_start (ap, first);
  run = evox_test_run_evox_va (envp, NULL, NULL, first, ap);
  va_end (ap);
  return run;
}

static void
assert_contains (const char *text,
                 const char *part)
{
  if (strstr (text, part) == NULL)
    g_error ("'%s' does not hold '%s'", text, part);
}

/* width x height f32 images, value 10 * seed + x + width * y, 20 nm pixels. */
static void
write_image (const char *path,
             guint       width,
             guint       height,
             guint       seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (width, height, 1, 1, EVOX_SAMPLE_F32, &error);
  float *data = evox_volume_get_data_mut (volume, 0);
  double spacing[3] = { 20, 20, 20 };

  for (guint i = 0; i < width * height; i++)
    data[i] = 10.0f * seed + i;
  evox_volume_set_spacing (volume, spacing);
  evox_volume_set_spacing_known (volume, TRUE);
  g_assert_true (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_F32, &error));
  g_assert_no_error (error);
}

static char *
make_tiff_folder (const char *dir,
                  guint       width,
                  guint       height)
{
  g_autofree char *name = g_strdup_printf ("energies_%ux%u", width, height);
  char *folder = g_build_filename (dir, name, NULL);
  const char *names[] = { "p_8354.0eV.tif", "p_8324.0eV.tif", "p_8339.5eV.tif" };

  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (folder, names[i], NULL);
      write_image (path, width, height, i);
    }
  return folder;
}

/* The energies line, the channel table and the same in JSON; --bin halves the pixels and
 * doubles their size. */
static void
test_info_tiff_folder (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *folder = make_tiff_folder (dir, 4, 3);
  g_auto(EvoxTestRun) text = run_evox (NULL, "info", folder, NULL);
  g_auto(EvoxTestRun) json = run_evox (NULL, "info", "--json", "--bin", "2", folder, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonArray *energies, *channels;

  g_assert_cmpint (text.status, ==, 0);
  g_assert_cmpstr (text.err, ==, "");
  assert_contains (text.out, "dims         4 x 3 x 1 voxels, 3 channels\n");
  assert_contains (text.out, "source       3 per-energy TIFF files\n");
  assert_contains (text.out, "energies     3, 8324.0 to 8354.0 eV: 8324.0, 8339.5, 8354.0\n");
  assert_contains (text.out, "             0             8324.00             20\n");
  assert_contains (text.out, "             2             8354.00             20\n");

  g_assert_cmpint (json.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, json.out, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  energies = json_object_get_array_member (root, "energies_ev");
  g_assert_cmpuint (json_array_get_length (energies), ==, 3);
  g_assert_cmpfloat (json_array_get_double_element (energies, 1), ==, 8339.5);
  channels = json_object_get_array_member (root, "channel_info");
  /* The TIFF keeps its resolution as a float rational. */
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (
                                    json_array_get_object_element (channels, 0), "pixel_size_nm"),
                                  40.0, 1e-5);
  g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (root, "dims"), 0),
                   ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (root, "info"),
                                                  "binning"), ==, "2 x 2 pixels averaged");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "warnings")), ==,
                    0);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_refusals (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *folder = make_tiff_folder (dir, 4, 3);
  g_autofree char *big = make_tiff_folder (dir, 64, 48);
  g_autofree char *plain = g_build_filename (dir, "plain.tif", NULL);
  g_autofree char *script = g_build_filename (dir, "scan.txt", NULL);
  g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), "EVOX_MEMORY_LIMIT", "20000",
                                            TRUE);

  write_image (plain, 4, 3, 0);
  g_assert_true (g_file_set_contents (script, "sete 8333.0\nmoveto x 1\n", -1, NULL));
  {
    g_auto(EvoxTestRun) run = run_evox (NULL, "info", "--bin", "2", plain, NULL);
    evox_test_assert_refused (&run, 2, "--bin applies to Xradia, HDF5 and spectral sets");
  }
  {
    g_auto(EvoxTestRun) run = run_evox (NULL, "info", "--bin", "two", folder, NULL);
    evox_test_assert_refused (&run, 2, "--bin must be a whole number");
  }
  {
    g_auto(EvoxTestRun) run = run_evox (NULL, "info", "--bin", "5", folder, NULL);
    evox_test_assert_refused (&run, 2, "--bin 5 is larger than its 4 x 3 images");
  }
  {
    g_auto(EvoxTestRun) run = run_evox (NULL, "info", script, NULL);
    evox_test_assert_refused (&run, 1, "names no images");
    assert_contains (run.err, script);
  }
  /* 3 x 64 x 48 floats are 36 KiB; --bin 2 makes 3 x 32 x 24, 9 KiB. */
  {
    g_auto(EvoxTestRun) run = run_evox (envp, "info", big, NULL);
    evox_test_assert_refused (&run, 1, "open it with --bin 2");
    assert_contains (run.err, big);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The real script: two energies, the warnings on stderr one line each, the references and the
 * angle from the files. The folder finds the script in it. */
static void
test_info_ssrl (void)
{
  g_autofree char *script = evox_test_data_path ("xrm/ssrl/20161456_ssrl-test-data_XANES.txt");
  g_autofree char *folder = NULL;

  if (script == NULL)
    return;
  folder = g_path_get_dirname (script);
  for (guint i = 0; i < 2; i++)
    {
      g_auto(EvoxTestRun) run = run_evox (NULL, "info", "--bin", "4", i == 0 ? script : folder,
                                          NULL);
      g_auto(GStrv) lines = NULL;

      g_assert_cmpint (run.status, ==, 0);
      assert_contains (run.out, "dims         256 x 256 x 1 voxels, 2 channels\n");
      assert_contains (run.out, "energies     2, 8324.0 to 8354.0 eV: 8324.0, 8354.0\n");
      assert_contains (run.out, "references   2 reference images at 2 energies (2 sample "
                       "images)\n");
      assert_contains (run.out, "binning      4 x 4 pixels averaged\n");
      assert_contains (run.out, "source       SSRL scan script 20161456_ssrl-test-data_XANES.txt\n");
      /* PixelSize 0.0312 um, times 4. */
      assert_contains (run.out, "             0             8324.00          124.8\n");
      lines = g_strsplit (run.err, "\n", -1);
      g_assert_cmpuint (g_strv_length (lines), ==, 3);
      g_assert_true (g_str_has_prefix (lines[0], "evox: warning: 4 files were matched"));
      g_assert_true (g_str_has_prefix (lines[1], "evox: warning: 802 of the 806 files the "
                                       "script names are missing"));
      /* The script collects at 62 energies (counted with a few lines of Python); 2 are present. */
      assert_contains (lines[1], "60 energies had no file present");
      g_assert_cmpstr (lines[2], ==, "");
    }
}

/* One .xrm: whatever its reader sets as info.<name> comes out as `<name>  <value>`. */
static void
test_info_xrm (void)
{
  g_autofree char *path = evox_test_data_path ("xrm/test_chip00.xrm");
  g_auto(EvoxTestRun) run = { 0 };

  if (path == NULL)
    return;
  run = run_evox (NULL, "info", path, NULL);
  g_assert_cmpint (run.status, ==, 0);
  assert_contains (run.out, "dims         512 x 512 x 1 voxels");
  /* The reader's "info.instrument" and "info.energy" keys, as lines of their own. */
  assert_contains (run.out, "\ninstrument   ");
  assert_contains (run.out, "\nenergy       7191.05 eV\n");
  assert_contains (run.out, "energies     1, 7191.0 eV\n");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/SpectralCli/info-tiff-folder", test_info_tiff_folder);
  g_test_add_func ("/Evox/SpectralCli/refusals", test_refusals);
  g_test_add_func ("/Evox/SpectralCli/info-ssrl", test_info_ssrl);
  g_test_add_func ("/Evox/SpectralCli/info-xrm", test_info_xrm);
  return g_test_run ();
}
