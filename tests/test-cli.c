/* test-cli.c: the `evox` command line run as a user would, checked against brute force. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "evox-loader.h"
#include "evox-tiff.h"
#include "evox-test-util.h"

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static Run
evox (const char *first,
      ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Run run = { 0 };
  const char *binary = g_getenv ("EVOX");
  int wait_status;
  va_list ap;

  g_assert_nonnull (binary);
  g_ptr_array_add (args, (char *) binary);
  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  g_spawn_sync (NULL, (char **) args->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &run.out, &run.err,
                &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  run.status = WEXITSTATUS (wait_status);
  return run;
}

/* Bad input is one line on stderr naming the file, exit status 1. */
static void
assert_input_error (const Run  *run,
                    const char *name)
{
  g_assert_cmpint (run->status, ==, 1);
  g_assert_cmpstr (run->out, ==, "");
  g_assert_nonnull (strstr (run->err, name));
  g_assert_cmpint (strchr (run->err, '\n') - run->err, ==, strlen (run->err) - 1);
}

static JsonObject *
parse_json (const char  *text,
            JsonParser **parser)
{
  g_autoptr(GError) error = NULL;

  *parser = json_parser_new ();
  json_parser_load_from_data (*parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (*parser));
}

static void
test_info_demo (void)
{
  g_auto(Run) run = evox ("info", "--demo", "--json", NULL);
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *info;
  JsonArray *dims, *layers, *scans;

  g_assert_cmpint (run.status, ==, 0);
  info = parse_json (run.out, &parser);
  dims = json_object_get_array_member (info, "dims");
  g_assert_cmpint (json_array_get_int_element (dims, 0), ==, 128);
  g_assert_cmpint (json_array_get_int_element (dims, 2), ==, 14);
  g_assert_cmpint (json_object_get_int_member (info, "channels"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (info, "sample_type"), ==, "f32");
  g_assert_cmpstr (json_object_get_string_member (info, "value_scale"), ==, "log10");
  g_assert_cmpstr (json_object_get_string_member (info, "unit"), ==, "ohm");
  layers = json_object_get_array_member (info, "layers");
  g_assert_cmpuint (json_array_get_length (layers), ==, 14);
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (layers, 0),
                                                 "measured"));
  g_assert_false (json_object_get_boolean_member (json_array_get_object_element (layers, 4),
                                                  "measured"));
  g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (layers, 4),
                                                    "z_nm"), ==, 40.0);
  scans = json_object_get_array_member (info, "scans");
  g_assert_cmpuint (json_array_get_length (scans), ==, 4);
  g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (scans, 2),
                                                    "z_nm"), ==, 87.0);
  g_assert_true (json_object_has_member (info, "min"));
  g_assert_true (json_object_has_member (info, "std"));

  {
    g_auto(Run) text = evox ("info", "--demo", NULL);
    g_assert_cmpint (text.status, ==, 0);
    g_assert_nonnull (strstr (text.out, "128 x 128 x 14"));
    g_assert_nonnull (strstr (text.out, "interpolated"));
  }
}

static void
test_info_real (void)
{
  g_autofree char *ssrm = evox_test_data_path ("ssrm/A19_GrSi_Anode_1x1.csv");
  g_autofree char *tomo = NULL;

  if (ssrm == NULL)
    return;
  {
    g_auto(Run) run = evox ("info", "--json", "--dz", "5", ssrm, NULL);
    g_autoptr(JsonParser) parser = NULL;
    JsonObject *info;

    g_assert_cmpint (run.status, ==, 0);
    info = parse_json (run.out, &parser);
    g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (info, "dims"), 2),
                     ==, 27);
    g_assert_cmpfloat (json_array_get_double_element (json_object_get_array_member (info,
                                                      "spacing_nm"), 2), ==, 5.0);
  }

  tomo = evox_test_data_path ("tomo/electrode.tiff");
  if (tomo == NULL)
    return;
  {
    g_auto(Run) run = evox ("info", "--json", tomo, NULL);
    g_autoptr(JsonParser) parser = NULL;
    JsonObject *info;

    g_assert_cmpint (run.status, ==, 0);
    info = parse_json (run.out, &parser);
    g_assert_cmpstr (json_object_get_string_member (info, "sample_type"), ==, "u8");
    g_assert_cmpfloat (json_object_get_double_member (info, "min"), ==, 0);
    g_assert_cmpfloat (json_object_get_double_member (info, "max"), ==, 170);
  }
  {
    /* Counts of 0, 85 and 170 from tifffile 2023.2.3 + numpy.unique. */
    g_auto(Run) run = evox ("histogram", "--bins", "3", "--range", "0:255", tomo, NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.out, ==, "lo,hi,count\n0,85,7548361\n85,170,6718710\n170,255,2510145\n");
  }
}

/* A u16 volume and an f32 volume written through the TIFF writer, histogrammed by the program
 * and by brute force with numpy's rule. */
static void
test_histogram (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "v.tif", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (20, 10, 5, 1, EVOX_SAMPLE_F32, &error);
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  float *v = evox_volume_get_data_mut (volume, 0);
  double lo = -2.0, hi = 3.0;
  guint64 brute[7] = { 0 };

  for (int i = 0; i < 1000; i++)
    v[i] = i % 97 == 0 ? NAN : (float) g_rand_double_range (rand, -3, 4);
  v[5] = -2.0f;
  v[6] = 3.0f;
  g_assert_true (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);

  for (int i = 0; i < 1000; i++)
    {
      double e[8];
      for (int b = 0; b < 7; b++)
        e[b] = (float) (lo + b * ((hi - lo) / 7));
      e[7] = (float) hi;
      for (int b = 0; b < 7; b++)
        if (v[i] >= e[b] && (v[i] < e[b + 1] || (b == 6 && v[i] <= e[7])))
          brute[b]++;
    }
  {
    g_auto(Run) run = evox ("histogram", "--bins", "7", "--range=-2:3", path, NULL);
    g_auto(GStrv) lines = g_strsplit (run.out, "\n", -1);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (lines[0], ==, "lo,hi,count");
    g_assert_true (g_str_has_prefix (lines[1], "-2,"));
    for (int b = 0; b < 7; b++)
      {
        g_auto(GStrv) f = g_strsplit (lines[b + 1], ",", -1);
        g_assert_cmpuint (g_ascii_strtoull (f[2], NULL, 10), ==, brute[b]);
      }
    g_assert_cmpstr (lines[8], ==, "");
  }
  {
    g_auto(Run) run = evox ("histogram", "--bins", "2", "--per-layer", path, NULL);
    g_auto(GStrv) lines = g_strsplit (run.out, "\n", -1);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (lines[0], ==, "lo,hi,z=0nm,z=1nm,z=2nm,z=3nm,z=4nm");
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_histogram_measured (void)
{
  g_auto(Run) all = evox ("histogram", "--demo", "--bins", "4", "--range", "-8:4", NULL);
  g_auto(Run) measured = evox ("histogram", "--demo", "--bins", "4", "--range", "-8:4",
                               "--layers", "measured", NULL);
  g_auto(Run) per_scan = evox ("histogram", "--demo", "--bins", "4", "--layers", "measured",
                               "--per-layer", NULL);
  guint64 total_all = 0, total_measured = 0;
  g_auto(GStrv) a = g_strsplit (all.out, "\n", -1);
  g_auto(GStrv) m = g_strsplit (measured.out, "\n", -1);

  g_assert_cmpint (all.status, ==, 0);
  g_assert_cmpint (measured.status, ==, 0);
  for (int b = 1; b <= 4; b++)
    {
      total_all += g_ascii_strtoull (strrchr (a[b], ',') + 1, NULL, 10);
      total_measured += g_ascii_strtoull (strrchr (m[b], ',') + 1, NULL, 10);
    }
  g_assert_cmpuint (total_all, ==, 128 * 128 * 14);
  g_assert_cmpuint (total_measured, ==, 128 * 128 * 4);
  g_assert_cmpint (per_scan.status, ==, 0);
  g_assert_true (g_str_has_prefix (per_scan.out, "lo,hi,z=0nm,z=43nm,z=87nm,z=130nm\n"));
}

static void
test_convert (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *out = g_build_filename (dir, "demo.tif", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) back = NULL;
  g_autoptr(EvoxVolume) demo = NULL;
  g_autofree char *before = NULL;
  gsize before_len;

  {
    g_auto(Run) run = evox ("convert", "--demo", out, NULL);
    g_assert_cmpint (run.status, ==, 0);
  }
  back = evox_volume_load (out, NULL, NULL, &error);
  g_assert_no_error (error);
  {
    g_auto(Run) run = evox ("info", "--demo", "--json", NULL);
    double spacing[3];
    g_assert_cmpint (run.status, ==, 0);
    evox_volume_get_spacing (back, spacing);
    g_assert_cmpfloat_with_epsilon (spacing[2], 10.0, 1e-6);
    g_assert_cmpfloat_with_epsilon (spacing[0], 1.0, 1e-6);
  }
  g_assert_cmpuint (evox_volume_get_n_voxels (back), ==, 128 * 128 * 14);
  g_assert_cmpint (evox_volume_get_sample_type (back), ==, EVOX_SAMPLE_F32);

  /* An existing file is kept unless --force. */
  g_assert_true (g_file_get_contents (out, &before, &before_len, NULL));
  {
    g_auto(Run) run = evox ("convert", "--demo", "--dz", "5", out, NULL);
    g_autofree char *after = NULL;
    gsize after_len;
    assert_input_error (&run, out);
    g_assert_true (g_file_get_contents (out, &after, &after_len, NULL));
    g_assert_cmpmem (before, before_len, after, after_len);
  }
  {
    g_auto(Run) run = evox ("convert", "--demo", "--dz", "5", "--force", out, NULL);
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    g_assert_cmpstr (g_dir_read_name (d), ==, "demo.tif");
    g_assert_null (g_dir_read_name (d));
  }
  (void) demo;
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_bad_input (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *missing = g_build_filename (dir, "missing.tif", NULL);
  g_autofree char *ragged = g_build_filename (dir, "ragged.csv", NULL);
  g_autofree char *truncated = g_build_filename (dir, "cut.tif", NULL);
  g_autofree char *whole = g_build_filename (dir, "whole.tif", NULL);
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_file_set_contents (ragged, "X,Y,R0,Z0\n0,0,1,0\n1,0,2\n", -1, NULL));
  {
    g_auto(Run) run = evox ("info", missing, NULL);
    assert_input_error (&run, "missing.tif");
  }
  {
    g_auto(Run) run = evox ("histogram", ragged, NULL);
    assert_input_error (&run, "ragged.csv");
    g_assert_nonnull (strstr (run.err, "line 3"));
  }
  {
    g_auto(Run) run = evox ("convert", "--demo", whole, NULL);
    g_assert_cmpint (run.status, ==, 0);
  }
  g_assert_true (g_file_get_contents (whole, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (truncated, contents, length / 2, NULL));
  {
    g_auto(Run) run = evox ("info", truncated, NULL);
    assert_input_error (&run, "cut.tif");
  }
  {
    g_autofree char *nowhere = g_build_filename (dir, "no", "such", "dir.tif", NULL);
    g_auto(Run) run = evox ("convert", "--demo", nowhere, NULL);
    assert_input_error (&run, "dir.tif");
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_bad_usage (void)
{
  const char *cases[][4] = {
    { "frobnicate", NULL },
    { "info", NULL },
    { "info", "--bogus", "x", NULL },
    { "histogram", "--bins", "0", "--demo" },
    { "histogram", "--range", "3:1", "--demo" },
    { "histogram", "--layers", "some", "--demo" },
    { "info", "--dz", "-1", "--demo" },
    { "convert", "--demo", "out.png", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = evox (cases[i][0], cases[i][1], cases[i][2], cases[i][3], NULL);
      g_test_message ("case %u: %s", i, run.err);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_cmpstr (run.out, ==, "");
      g_assert_cmpstr (run.err, !=, "");
    }
  {
    g_auto(Run) run = evox ("--help", NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "histogram"));
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Cli/info-demo", test_info_demo);
  g_test_add_func ("/Evox/Cli/info-real", test_info_real);
  g_test_add_func ("/Evox/Cli/histogram", test_histogram);
  g_test_add_func ("/Evox/Cli/histogram-measured", test_histogram_measured);
  g_test_add_func ("/Evox/Cli/convert", test_convert);
  g_test_add_func ("/Evox/Cli/bad-input", test_bad_input);
  g_test_add_func ("/Evox/Cli/bad-usage", test_bad_usage);
  return g_test_run ();
}
