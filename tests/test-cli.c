/* test-cli.c: the `evox` command line run as a user would, checked against brute force. */
/* SPDX-License-Identifier: BSD-3-Clause */
/* posix_openpt () and friends, for the terminal's progress line. */
#define _GNU_SOURCE
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <tiffio.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "evox-demo.h"
#include "evox-display.h"
#include "evox-loader.h"
#include "evox-tiff.h"
#include "evox-test-mesh.h"
#include "evox-test-png.h"
#include "evox-test-util.h"

typedef EvoxTestRun Run;
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, evox_test_run_clear)

static Run
evox (const char *first,
      ...)
{
  va_list ap;
  Run run;

  va_start (ap, first);
  run = evox_test_run_evox_va (NULL, NULL, NULL, first, ap);
  va_end (ap);
  return run;
}

/* `evox render` must not need a display: run it with none. */
static Run
evox_headless (const char *first,
               ...)
{
  g_auto(GStrv) envp = g_get_environ ();
  va_list ap;
  Run run;

  envp = g_environ_unsetenv (envp, "DISPLAY");
  envp = g_environ_unsetenv (envp, "WAYLAND_DISPLAY");
  va_start (ap, first);
  run = evox_test_run_evox_va (envp, NULL, NULL, first, ap);
  va_end (ap);
  return run;
}

/* Bad input is one line on stderr naming the file, exit status 1. */
static void
assert_input_error (const Run  *run,
                    const char *name)
{
  evox_test_assert_refused (run, 1, name);
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
    g_assert_cmpstr (run.out, ==, "lo,hi,count,basis\n0,85,7548361,volume\n85,170,6718710,volume\n"
                                  "170,255,2510145,volume\n");
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
    g_assert_cmpstr (lines[0], ==, "lo,hi,count,basis");
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
    g_assert_cmpstr (lines[0], ==, "lo,hi,z=0nm,z=1nm,z=2nm,z=3nm,z=4nm,basis");
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The count of bin row `b` (its third field). */
static guint64
row_count (char **lines,
           int    b)
{
  g_auto(GStrv) fields = g_strsplit (lines[b], ",", -1);

  return g_ascii_strtoull (fields[2], NULL, 10);
}

/* An SSRM stack's histogram is of its measured scans unless the volume is asked for, as the
 * window's and evox segment's fractions are; every row says which. */
static void
test_histogram_measured (void)
{
  g_auto(Run) all = evox ("histogram", "--demo", "--bins", "4", "--range", "-8:4",
                          "--layers", "all", NULL);
  g_auto(Run) volume = evox ("histogram", "--demo", "--bins", "4", "--range", "-8:4",
                             "--basis", "volume", NULL);
  g_auto(Run) measured = evox ("histogram", "--demo", "--bins", "4", "--range", "-8:4",
                               "--layers", "measured", NULL);
  g_auto(Run) by_default = evox ("histogram", "--demo", "--bins", "4", "--range", "-8:4", NULL);
  g_auto(Run) per_scan = evox ("histogram", "--demo", "--bins", "4", "--layers", "measured",
                               "--per-layer", NULL);
  g_auto(Run) disagree = evox ("histogram", "--demo", "--basis", "volume", "--layers",
                               "measured", NULL);
  guint64 total_all = 0, total_measured = 0;
  g_auto(GStrv) a = g_strsplit (all.out, "\n", -1);
  g_auto(GStrv) m = g_strsplit (measured.out, "\n", -1);

  g_assert_cmpint (all.status, ==, 0);
  g_assert_cmpint (measured.status, ==, 0);
  for (int b = 1; b <= 4; b++)
    {
      total_all += row_count (a, b);
      total_measured += row_count (m, b);
      g_assert_true (g_str_has_suffix (a[b], ",volume"));
      g_assert_true (g_str_has_suffix (m[b], ",measured"));
    }
  g_assert_cmpuint (total_all, ==, 128 * 128 * 14);
  g_assert_cmpuint (total_measured, ==, 128 * 128 * 4);
  g_assert_cmpstr (volume.out, ==, all.out);
  g_assert_cmpstr (by_default.out, ==, measured.out);
  g_assert_cmpint (per_scan.status, ==, 0);
  g_assert_true (g_str_has_prefix (per_scan.out, "lo,hi,z=0nm,z=43nm,z=87nm,z=130nm,basis\n"));
  g_assert_cmpint (disagree.status, ==, 2);
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
  back = evox_volume_load (out, NULL, NULL, NULL, &error);
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

/* Everything an SSRM stack knows about its values and layers, compared field by field. */
static void
assert_same_physics (EvoxVolume *a,
                     EvoxVolume *b)
{
  gsize da[3], db[3];
  double sa[3], sb[3];

  evox_volume_get_dims (a, da);
  evox_volume_get_dims (b, db);
  g_assert_cmpmem (da, sizeof da, db, sizeof db);
  g_assert_cmpint (evox_volume_get_sample_type (a), ==, evox_volume_get_sample_type (b));
  g_assert_cmpmem (evox_volume_get_data (a, 0), evox_volume_get_n_voxels (a) * sizeof (float),
                   evox_volume_get_data (b, 0), evox_volume_get_n_voxels (b) * sizeof (float));
  g_assert_cmpint (evox_volume_get_value_scale (a), ==, evox_volume_get_value_scale (b));
  g_assert_cmpstr (evox_volume_get_quantity (a), ==, evox_volume_get_quantity (b));
  g_assert_cmpstr (evox_volume_get_unit (a), ==, evox_volume_get_unit (b));
  g_assert_cmpint (evox_volume_get_spacing_known (a), ==, evox_volume_get_spacing_known (b));
  evox_volume_get_spacing (a, sa);
  evox_volume_get_spacing (b, sb);
  /* X/YResolution are rationals: the lateral size comes back to float precision. */
  for (int i = 0; i < 3; i++)
    g_assert_cmpfloat_with_epsilon (sa[i], sb[i], sa[i] * 1e-6);
  for (gsize z = 0; z < da[2]; z++)
    {
      const EvoxLayer *la = evox_volume_get_layer (a, z);
      const EvoxLayer *lb = evox_volume_get_layer (b, z);

      g_assert_cmpfloat (la->z_nm, ==, lb->z_nm);
      g_assert_cmpint (la->measured, ==, lb->measured);
      g_assert_cmpint (la->scan, ==, lb->scan);
      g_assert_cmpint (la->scan_below, ==, lb->scan_below);
      g_assert_cmpfloat (la->weight, ==, lb->weight);
    }
  g_assert_cmpuint (evox_volume_get_n_scans (a), ==, evox_volume_get_n_scans (b));
  for (guint i = 0; i < evox_volume_get_n_scans (a); i++)
    {
      const EvoxScan *ka = evox_volume_get_scan (a, i);
      const EvoxScan *kb = evox_volume_get_scan (b, i);

      g_assert_cmpfloat (ka->z_nm, ==, kb->z_nm);
      g_assert_cmpstr (ka->label, ==, kb->label);
      g_assert_cmpmem (ka->values, da[0] * da[1] * sizeof (float), kb->values,
                       db[0] * db[1] * sizeof (float));
    }
  /* The measured scans' statistics come from the scans, not from interpolated layers. */
  g_assert_cmpfloat (evox_volume_get_measured_stats (a)->mean, ==,
                     evox_volume_get_measured_stats (b)->mean);
}

/* A converted SSRM stack reopens as it was: log10 resistance in ohm, not "f32, intensity", with
 * its measured and interpolated layers and the measured scans at their true depths. */
static void
test_convert_physics (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *out = g_build_filename (dir, "demo.tif", NULL);
  g_autofree char *a19_out = g_build_filename (dir, "a19.tif", NULL);
  g_autofree char *a19 = evox_test_data_path ("ssrm/A19_GrSi_Anode_1x1.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) demo = evox_demo_volume_new (10);
  g_autoptr(EvoxVolume) back = NULL;

  {
    g_auto(Run) run = evox ("convert", "--demo", out, NULL);
    g_assert_cmpint (run.status, ==, 0);
  }
  back = evox_volume_load (out, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (evox_volume_get_value_scale (back), ==, EVOX_SCALE_LOG10);
  assert_same_physics (demo, back);
  {
    g_auto(Run) run = evox ("info", out, NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "log10 of resistance in ohm"));
    g_assert_nonnull (strstr (run.out, "43 nm  R1"));
  }

  if (a19 != NULL)
    {
      g_autoptr(EvoxSsrmOptions) options = evox_ssrm_options_new ();
      g_autoptr(EvoxVolume) table = NULL;
      g_autoptr(EvoxVolume) a19_back = NULL;

      options->pixel_size_nm = 7.8125;
      table = evox_volume_load (a19, options, NULL, NULL, &error);
      g_assert_no_error (error);
      {
        g_auto(Run) run = evox ("convert", "--pixel-size", "7.8125", a19, a19_out, NULL);
        g_assert_cmpint (run.status, ==, 0);
      }
      a19_back = evox_volume_load (a19_out, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      assert_same_physics (table, a19_back);
      /* The table's 43 and 87 nm scans lie between grid layers and still come back. */
      g_assert_cmpuint (evox_volume_get_n_scans (a19_back), ==, 4);
      g_assert_cmpfloat (evox_volume_get_scan (a19_back, 1)->z_nm, ==, 43.0);
    }
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

/* A first argument that is neither a subcommand nor an existing file used to open a window (or,
 * with no display, fail inside GTK with exit 1): now it is a usage error with a suggestion when
 * a subcommand is close, or a missing file named as such. */
static void
test_unknown_command (void)
{
  const struct
  {
    const char *arg;
    int         status;
    const char *message;
  } cases[] = {
    { "frobnicate", 2, "unknown command 'frobnicate' (see 'evox --help')" },
    { "rendr", 2, "unknown command 'rendr'; did you mean 'render'?" },
    { "segmnet", 2, "did you mean 'segment'?" },
    { "INFO", 2, "did you mean 'info'?" },
    { "xyz", 2, "unknown command 'xyz' (see" },
    { "missing-volume.tif", 1, "missing-volume.tif: No such file" },
    { "no-such-folder/stack", 1, "no-such-folder/stack: No such file" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = evox_headless (cases[i].arg, "x", NULL);

      g_test_message ("case %s: %s", cases[i].arg, run.err);
      evox_test_assert_refused (&run, cases[i].status, cases[i].message);
    }
  /* "frobnicate" is far from every command: no suggestion. */
  {
    g_auto(Run) run = evox_headless ("frobnicate", NULL);
    g_assert_null (strstr (run.err, "did you mean"));
  }
}

/* The window's --view, --ruler, --voxel-size and the syntax of --phase are checked before any
 * window opens (no display needed): one line on stderr, exit status 2. */
static void
test_viewer_view_options (void)
{
  const char *cases[][3] = {
    { "--view", "sideways", "--view must be xyz, x, y, z, stack, quad or volume, not 'sideways'" },
    { "--ruler", "1,2,3", "--ruler: a ruler is X0,Y0,Z0:X1,Y1,Z1" },
    { "--ruler", "1,2,3:4,5,-6", "--ruler: a ruler is X0,Y0,Z0:X1,Y1,Z1" },
    /* --phase was checked only in the open window (a banner, exit 0), auto:N not at all. */
    { "--phase", "soft", "--phase: Phase “soft”: expected NAME=LO:HI" },
    { "--phase", "a=x:2", "--phase: Phase “a=x:2”: expected NAME=LO:HI with numbers" },
    { "--phase", "a=1:2:#12345", "the colour must be #rrggbb" },
    { "--phase", "a=1:2:#123456:3", "the opacity after the colour must be a number from 0 to 1" },
    { "--phase", "auto:9", "--phase: Phase “auto:9”: auto:N takes N from 2 to 8" },
    { "--phase", "auto:", "auto:N takes N from 2 to 8" },
    /* --voxel-size was an unknown option (exit 1); the parser names its range. */
    { "--voxel-size", "5ft", "--voxel-size: voxel size '5ft': unknown unit 'ft'" },
    { "--voxel-size", "1,2", "--voxel-size: voxel size '1,2': give one size or three" },
    { "--voxel-size", "1e10mm", "is outside 1 pm to 1 m" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = evox_headless (cases[i][0], cases[i][1], "volume.tif", NULL);

      g_test_message ("%s %s: %s", cases[i][0], cases[i][1], run.err);
      evox_test_assert_refused (&run, 2, cases[i][2]);
    }
  /* As in the commands, the two options that set an SSRM table's pixel size cannot meet. */
  {
    g_auto(Run) run = evox_headless ("--voxel-size", "5", "--pixel-size", "3", "table.csv",
                                     NULL);

    evox_test_assert_refused (&run, 2, "--voxel-size and --pixel-size both set the pixel size");
  }
}

/* ------------------------------------------------------------------------------------------ */
/* evox render                                                                                  */

typedef EvoxTestImage Image;

static void
image_clear (Image *image)
{
  g_free (image->rgba);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Image, image_clear)

static guint32
read_be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static guint32
crc32_of (const guint8 *p,
          gsize         n)
{
  guint32 crc = 0xffffffffu;

  for (gsize i = 0; i < n; i++)
    {
      crc ^= p[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
  return crc ^ 0xffffffffu;
}

/* The PNG signature and IHDR chunk read byte by byte, without libpng. */
static void
assert_png_header (const char *path,
                   guint32     width,
                   guint32     height)
{
  static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  g_autofree char *contents = NULL;
  const guint8 *data;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  data = (const guint8 *) contents;
  g_assert_cmpuint (length, >, 8 + 25);
  g_assert_cmpmem (data, 8, signature, 8);
  g_assert_cmpuint (read_be32 (data + 8), ==, 13);
  g_assert_cmpmem (data + 12, 4, "IHDR", 4);
  g_assert_cmpuint (read_be32 (data + 16), ==, width);
  g_assert_cmpuint (read_be32 (data + 20), ==, height);
  g_assert_cmpuint (data[24], ==, 8);  /* bits per sample */
  g_assert_cmpuint (data[25], ==, 6);  /* colour type: RGB with alpha */
  g_assert_cmpuint (data[28], ==, 0);  /* not interlaced */
  g_assert_cmpuint (read_be32 (data + 29), ==, crc32_of (data + 12, 17));
}

/* Scanlines as stored, so the alpha stays unassociated (TIFFReadRGBAImage would premultiply). */
static Image
read_tiff (const char *path)
{
  TIFF *tif = TIFFOpen (path, "r");
  guint32 width = 0, height = 0;
  guint16 bits = 0, spp = 0, n_extra = 0, compression = 0, photometric = 0;
  guint16 *extra = NULL;
  Image image = { 0 };

  g_assert_nonnull (tif);
  g_assert_true (TIFFGetField (tif, TIFFTAG_IMAGEWIDTH, &width));
  g_assert_true (TIFFGetField (tif, TIFFTAG_IMAGELENGTH, &height));
  g_assert_true (TIFFGetField (tif, TIFFTAG_BITSPERSAMPLE, &bits));
  g_assert_true (TIFFGetField (tif, TIFFTAG_SAMPLESPERPIXEL, &spp));
  g_assert_true (TIFFGetField (tif, TIFFTAG_EXTRASAMPLES, &n_extra, &extra));
  g_assert_true (TIFFGetField (tif, TIFFTAG_COMPRESSION, &compression));
  g_assert_true (TIFFGetField (tif, TIFFTAG_PHOTOMETRIC, &photometric));
  g_assert_cmpuint (bits, ==, 8);
  g_assert_cmpuint (spp, ==, 4);
  g_assert_cmpuint (n_extra, ==, 1);
  g_assert_cmpuint (extra[0], ==, EXTRASAMPLE_UNASSALPHA);
  g_assert_cmpuint (compression, ==, COMPRESSION_ADOBE_DEFLATE);
  g_assert_cmpuint (photometric, ==, PHOTOMETRIC_RGB);
  g_assert_cmpint (TIFFScanlineSize (tif), ==, (tmsize_t) width * 4);

  image.width = width;
  image.height = height;
  image.rgba = g_malloc ((gsize) width * height * 4);
  for (guint32 y = 0; y < height; y++)
    g_assert_cmpint (TIFFReadScanline (tif, image.rgba + (gsize) y * width * 4, y, 0), ==, 1);
  TIFFClose (tif);
  return image;
}

static const guint8 *
pixel_at (const Image *image,
          int          x,
          int          y)
{
  return image->rgba + ((gsize) y * image->width + x) * 4;
}

/* Share of the pixels whose colour differs from the top-left corner, which is background. */
static double
drawn_fraction (const Image *image)
{
  const guint8 *corner = pixel_at (image, 0, 0);
  gsize n = (gsize) image->width * image->height, drawn = 0;

  for (gsize i = 0; i < n; i++)
    if (memcmp (image->rgba + i * 4, corner, 4) != 0)
      drawn++;
  return (double) drawn / n;
}

static guint
count_colours (const Image *image)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  gsize n = (gsize) image->width * image->height;

  for (gsize i = 0; i < n; i++)
    {
      const guint8 *p = image->rgba + i * 4;
      g_hash_table_add (seen, GUINT_TO_POINTER ((guint) p[0] << 16 | (guint) p[1] << 8 | p[2]));
    }
  return g_hash_table_size (seen);
}

static void
assert_rendered (const Run *run)
{
  if (run->status != 0)
    g_test_message ("stderr: %s", run->err);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->out, ==, "");
  g_assert_cmpstr (run->err, ==, "");
}

/* The demo in both formats: the same pixels, a drawn volume in many colours, nothing else in the
 * folder (no temporary files left). */
static void
test_render_png_tiff (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *png = g_build_filename (dir, "demo.png", NULL);
  g_autofree char *tif = g_build_filename (dir, "demo.tif", NULL);

  {
    g_auto(Run) run = evox_headless ("render", "--demo", "-o", png, "--size", "320x240", NULL);
    assert_rendered (&run);
  }
  {
    g_auto(Run) run = evox_headless ("render", "--demo", "--output", tif, "--size=320x240", NULL);
    assert_rendered (&run);
  }
  assert_png_header (png, 320, 240);
  {
    g_auto(Image) from_png = evox_test_read_png (png);
    g_auto(Image) from_tiff = read_tiff (tif);

    g_assert_cmpint (from_tiff.width, ==, 320);
    g_assert_cmpint (from_tiff.height, ==, 240);
    g_assert_cmpuint (pixel_at (&from_png, 0, 0)[3], ==, 255);
    g_assert_cmpfloat (drawn_fraction (&from_png), >, 0.1);
    g_assert_cmpuint (count_colours (&from_png), >=, 32);
    g_assert_cmpmem (from_png.rgba, 320 * 240 * 4, from_tiff.rgba, 320 * 240 * 4);
  }
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 2);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_render_transparent (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *png = g_build_filename (dir, "clear.png", NULL);
  g_autofree char *tif = g_build_filename (dir, "clear.tiff", NULL);
  const char *outputs[] = { png, tif };

  for (guint i = 0; i < G_N_ELEMENTS (outputs); i++)
    {
      g_auto(Run) run = evox_headless ("render", "--demo", "--view", "xyz", "--transparent",
                                       "-s", "200x150", "-o", outputs[i], NULL);
      g_auto(Image) image = { 0 };
      gsize n_opaque = 0;

      assert_rendered (&run);
      image = i == 0 ? evox_test_read_png (png) : read_tiff (tif);
      g_assert_cmpint (image.width, ==, 200);
      g_assert_cmpint (image.height, ==, 150);
      g_assert_cmpuint (pixel_at (&image, 0, 0)[3], ==, 0);
      g_assert_cmpuint (pixel_at (&image, 199, 149)[3], ==, 0);
      for (gsize p = 0; p < 200 * 150; p++)
        n_opaque += image.rgba[p * 4 + 3] == 255;
      g_assert_cmpuint (n_opaque, >, 200 * 150 / 20);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* --ruler draws the ruler (yellow, on a grey map nothing else is) in a 2D view and a pane of
 * the 2x2; rulers that cannot be are usage errors that write nothing. */
static void
test_render_ruler (void)
{
  const char *views[] = { "z", "quad" };
  const char *bad[] = { "1,2,3", "1,2,3:4,5,x", "0,0,3:200,0,3", "0,0,3:5,6,7", "4,4,4:4,4,4" };
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *out = g_build_filename (dir, "bad.png", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      guint counts[2];

      for (guint with = 0; with < 2; with++)
        {
          g_autofree char *name = g_strdup_printf ("%s-%u.png", views[i], with);
          g_autofree char *path = g_build_filename (dir, name, NULL);
          g_auto(Run) run = with ? evox_headless ("render", "--demo", "--view", views[i],
                                                  "--colormap", "grey", "-s", "320x240",
                                                  "--ruler", "10,20,5:110,90,5", "-o", path,
                                                  NULL)
                                 : evox_headless ("render", "--demo", "--view", views[i],
                                                  "--colormap", "grey", "-s", "320x240",
                                                  "--slice", "64,64,5", "-o", path, NULL);
          g_auto(Image) image = { 0 };

          assert_rendered (&run);
          image = evox_test_read_png (path);
          counts[with] = 0;
          for (gsize p = 0; p < (gsize) image.width * image.height; p++)
            {
              const guint8 *rgba = image.rgba + 4 * p;

              if (rgba[0] > 230 && rgba[1] > 190 && rgba[1] < 235 && rgba[2] < 90)
                counts[with]++;
            }
        }
      g_test_message ("view %s: %u ruler pixels, %u without the ruler", views[i], counts[1],
                      counts[0]);
      g_assert_cmpuint (counts[0], ==, 0);
      g_assert_cmpuint (counts[1], >, 60);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_auto(Run) run = evox_headless ("render", "--demo", "--ruler", bad[i], "-o", out, NULL);

      g_test_message ("--ruler %s: %s", bad[i], run.err);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_nonnull (strstr (run.err, "--ruler"));
      g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Every view draws something, and the options change what is drawn. */
static void
test_render_views (void)
{
  const char *views[] = { "xyz", "x", "y", "z", "stack", "quad", "volume" };
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.png", views[i]);
      g_autofree char *out = g_build_filename (dir, name, NULL);
      g_auto(Run) run = evox_headless ("render", "--demo", "--view", views[i], "-s", "160x120",
                                       "-o", out, NULL);
      Image image;

      assert_rendered (&run);
      image = evox_test_read_png (out);
      g_test_message ("view %s: %.3f drawn, %u colours", views[i], drawn_fraction (&image),
                      count_colours (&image));
      g_assert_cmpfloat (drawn_fraction (&image), >, 0.05);
      g_ptr_array_add (images, g_steal_pointer (&image.rgba));
    }
  for (guint i = 0; i < images->len; i++)
    for (guint j = i + 1; j < images->len; j++)
      g_assert_true (memcmp (images->pdata[i], images->pdata[j], 160 * 120 * 4) != 0);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_render_options (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *base = g_build_filename (dir, "base.png", NULL);
  g_autofree char *large = g_build_filename (dir, "large.png", NULL);
  const char *variants[][3] = {
    { "--colormap", "grey" },
    { "--range", "-6:0" },
    { "--mapping", "linear" },
    { "--slice", "10,100,2" },
    { "--z-exaggeration", "3" },
  };
  g_auto(Image) reference = { 0 };

  {
    g_auto(Run) run = evox_headless ("render", "--demo", "--view", "xyz", "-s", "160x120",
                                     "-o", base, NULL);
    assert_rendered (&run);
  }
  reference = evox_test_read_png (base);
  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    {
      g_autofree char *name = g_strdup_printf ("variant-%u.png", i);
      g_autofree char *out = g_build_filename (dir, name, NULL);
      g_auto(Run) run = evox_headless ("render", "--demo", "--view", "xyz", "-s", "160x120",
                                       "-o", out, variants[i][0], variants[i][1], NULL);
      g_auto(Image) image = { 0 };

      g_test_message ("variant %s %s", variants[i][0], variants[i][1]);
      assert_rendered (&run);
      image = evox_test_read_png (out);
      g_assert_true (memcmp (image.rgba, reference.rgba, 160 * 120 * 4) != 0);
    }

  /* Without --size: 1600x1200. */
  {
    g_auto(Run) run = evox_headless ("render", "--demo", "-o", large, NULL);
    assert_rendered (&run);
    assert_png_header (large, 1600, 1200);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_render_overwrite (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *out = g_build_filename (dir, "figure.png", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_len, after_len;

  {
    g_auto(Run) run = evox_headless ("render", "--demo", "-s", "64x48", "-o", out, NULL);
    assert_rendered (&run);
  }
  g_assert_true (g_file_get_contents (out, &before, &before_len, NULL));
  {
    g_auto(Run) run = evox_headless ("render", "--demo", "-s", "80x60", "-o", out, NULL);
    assert_input_error (&run, out);
    g_assert_nonnull (strstr (run.err, "--force"));
  }
  g_assert_true (g_file_get_contents (out, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);
  {
    g_auto(Run) run = evox_headless ("render", "--demo", "-s", "80x60", "-o", out, "--force",
                                     NULL);
    assert_rendered (&run);
  }
  assert_png_header (out, 80, 60);
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_render_bad_usage (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *out = g_build_filename (dir, "out.png", NULL);
  const char *cases[][3] = {
    { "--size", "0x10" },
    { "--size", "16385x10" },
    { "--size", "640" },
    { "--size", "640x480x3" },
    { "--size", "wide" },
    { "--size", "-640x480" },
    { "--view", "sideways" },
    { "--colormap", "rainbowish" },
    { "--range", "3:1" },
    { "--range", "nan:1" },
    { "--mapping", "sqrt" },
    { "--slice", "1,2" },
    { "--slice", "500,0,0" },
    { "--slice", "0,0,14" },
    { "--z-exaggeration", "0" },
    { "--channel", "7" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = evox_headless ("render", "--demo", "-o", out, cases[i][0], cases[i][1],
                                       NULL);
      g_test_message ("case %s %s: %s", cases[i][0], cases[i][1], run.err);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_cmpstr (run.out, ==, "");
      g_assert_nonnull (strchr (run.err, '\n'));
      g_assert_true (strchr (run.err, '\n')[1] == '\0');
      if (g_str_equal (cases[i][0], "--colormap"))
        {
          g_assert_nonnull (strstr (run.err, "rainbowish"));
          g_assert_nonnull (strstr (run.err, "viridis"));
        }
    }
  {
    g_auto(Run) run = evox_headless ("render", "--demo", NULL);
    g_assert_cmpint (run.status, ==, 2);
  }
  {
    g_autofree char *jpeg = g_build_filename (dir, "out.jpg", NULL);
    g_auto(Run) run = evox_headless ("render", "--demo", "-o", jpeg, NULL);
    g_assert_cmpint (run.status, ==, 2);
    g_assert_nonnull (strstr (run.err, "out.jpg"));
  }
  {
    g_auto(Run) run = evox_headless ("render", "-o", out, NULL);
    g_assert_cmpint (run.status, ==, 2);
  }
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 0);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The longest run of white (all channels >= 250) in any row: the scale bar over the demo, whose
 * colour map never reaches white. */
static int
white_run (const Image *image)
{
  int best = 0;

  for (int y = 0; y < image->height; y++)
    {
      int run = 0;

      for (int x = 0; x < image->width; x++)
        {
          const guint8 *p = pixel_at (image, x, y);

          run = p[0] >= 250 && p[1] >= 250 && p[2] >= 250 ? run + 1 : 0;
          best = MAX (best, run);
        }
    }
  return best;
}

/* The overlays of `evox render`: the scale bar is its length over the view's nm per pixel (the
 * demo's 128 x 128 nm z slice fills 480 of 640 x 480 pixels: 128 / 480 nm per pixel, so 40 nm is
 * 150 pixels, and 300 at 1280 x 960); the SVG holds every text as <text> and the picture as one
 * <image>; the PDF renders at its size; --legend lists the phases. */
static void
test_render_overlays (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *svg = g_build_filename (dir, "figure.svg", NULL);
  g_autofree char *pdf = g_build_filename (dir, "figure.pdf", NULL);

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *png = g_strdup_printf ("%s/bar-%u.png", dir, i);
      const char *size = i == 0 ? "640x480" : "1280x960";
      g_auto(Run) run = evox_headless ("render", "--demo", "--view", "z", "-s", size,
                                       "--scale-bar=40nm", "-o", png, NULL);
      g_auto(Image) image = { 0 };

      assert_rendered (&run);
      image = evox_test_read_png (png);
      g_assert_cmpint (abs (white_run (&image) - (i == 0 ? 150 : 300)), <=, 1);
    }
  {
    g_auto(Run) run = evox_headless ("render", "--demo", "--view", "z", "-s", "640x480",
                                     "--scale-bar", "--colorbar", "--axes", "--legend",
                                     "--phase", "Low=-7:-3:#ff0000", "--label",
                                     "Sample <1>@0.5,0", "--font-size", "12", "-o", svg, NULL);
    g_autofree char *contents = NULL;
    const char *texts[] = { ">50 nm</text>", ">10⁰</text>", ">Sample &lt;1&gt;</text>",
                            ">x</text>", ">Low</text>", "text-anchor=\"end\"" };

    assert_rendered (&run);
    g_assert_true (g_file_get_contents (svg, &contents, NULL, NULL));
    g_assert_true (g_str_has_prefix (contents, "<?xml"));
    g_assert_nonnull (strstr (contents, "width=\"640px\""));
    /* One picture: the overlays are vector. */
    g_assert_nonnull (strstr (contents, "<image"));
    g_assert_null (strstr (strstr (contents, "<image") + 1, "<image"));
    for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
      {
        g_test_message ("looking for %s", texts[i]);
        g_assert_nonnull (strstr (contents, texts[i]));
      }
  }
  {
    g_auto(Run) run = evox_headless ("render", "--demo", "--view", "z", "-s", "320x240",
                                     "--scale-bar", "--colorbar", "-o", pdf, NULL);
    g_autofree char *contents = NULL;
    g_autofree char *pdftoppm = g_find_program_in_path ("pdftoppm");

    assert_rendered (&run);
    g_assert_true (g_file_get_contents (pdf, &contents, NULL, NULL));
    g_assert_true (g_str_has_prefix (contents, "%PDF"));
    if (pdftoppm == NULL)
      g_test_message ("pdftoppm is not installed (poppler-utils): the PDF is not rendered");
    else
      {
        g_autofree char *prefix = g_build_filename (dir, "page", NULL);
        g_autofree char *page = g_build_filename (dir, "page.png", NULL);
        const char *argv[] = { pdftoppm, "-png", "-r", "96", "-singlefile", pdf, prefix, NULL };
        g_auto(Run) converted = evox_test_spawn (argv, NULL, NULL);
        g_auto(Image) image = { 0 };

        g_assert_cmpint (converted.status, ==, 0);
        image = evox_test_read_png (page);
        g_assert_cmpint (image.width, ==, 320);
        g_assert_cmpint (image.height, ==, 240);
      }
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The legend of the real electrode: each phase's volume fraction as numpy counts it
 * ((a == 85).mean () = 40.047 %, (a == 170).mean () = 14.962 % of tifffile.imread
 * ("tomo/electrode.tiff")), and with --voxel-size 50 a scale bar in µm. */
static void
test_render_overlays_real (void)
{
  g_autofree char *tomo = evox_test_data_path ("tomo/electrode.tiff");
  g_autofree char *dir = NULL;
  g_autofree char *svg = NULL;
  g_autofree char *contents = NULL;

  if (tomo == NULL)
    return;
  dir = evox_test_tmpdir_new ();
  svg = g_build_filename (dir, "electrode.svg", NULL);
  {
    g_auto(Run) run = evox_headless ("render", tomo, "--voxel-size", "50", "--view", "z", "-s",
                                     "320x240", "--phase", "am=85:85", "--phase", "cb=170:170",
                                     "--legend", "--scale-bar", "-o", svg, NULL);

    assert_rendered (&run);
  }
  g_assert_true (g_file_get_contents (svg, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, ">am</text>"));
  g_assert_nonnull (strstr (contents, ">cb</text>"));
  /* The fractions in their own right-aligned column. */
  g_assert_nonnull (strstr (contents, "text-anchor=\"end\" font-family=\"sans-serif\" "
                                      "font-size=\"14.00\" fill=\"#ffffff\">40.0 %</text>"));
  g_assert_nonnull (strstr (contents, "text-anchor=\"end\" font-family=\"sans-serif\" "
                                      "font-size=\"14.00\" fill=\"#ffffff\">15.0 %</text>"));
  /* 256 voxels of 50 nm over 240 pixels: a fifth of 320 pixels is 3413 nm, nearest 5 µm. */
  g_assert_nonnull (strstr (contents, ">5 µm</text>"));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Overlay options that cannot work: one line, status 2, nothing written. */
static void
test_render_overlays_bad (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *out = g_build_filename (dir, "out.png", NULL);
  g_autofree char *plain = g_build_filename (dir, "plain.tif", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (8, 6, 2, 1, EVOX_SAMPLE_U8, &error);
  const char *cases[][3] = {
    { "--label", "no position", "TEXT@X,Y" },
    { "--label", "far@1.5,0", "0 to 1" },
    { "--label", "half@0.5", "TEXT@X,Y" },
    { "--label", "@0.5,0.5", "TEXT@X,Y" },
    { "--scale-bar=5parsec", NULL, "5parsec" },
    { "--scale-bar=-3nm", NULL, "positive number" },
    /* --voxel-size's lengths: a metre at the most */
    { "--scale-bar=2000mm", NULL, "outside 1 pm to 1 m" },
    { "--font-size", "2", "6 to 96" },
    /* "nan" parses as a double; it is not the default either. */
    { "--font-size", "nan", "6 to 96" },
    { "--font-size", "12px", "6 to 96" },
    /* bytes that are no text: the message names the argument (GOption's does not) */
    { "--label", "bad\xff\xfe@0.1,0.9", "'bad\xef\xbf\xbd\xef\xbf\xbd@0.1,0.9' is not text" },
    { "--legend", NULL, "nothing to list" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = cases[i][1] != NULL
                        ? evox_headless ("render", "--demo", "-s", "64x48", "-o", out,
                                         cases[i][0], cases[i][1], NULL)
                        : evox_headless ("render", "--demo", "-s", "64x48", "-o", out,
                                         cases[i][0], NULL);

      /* The bytes escaped: the TAP log must stay UTF-8 (one case is not). */
      g_autofree char *arg = g_strescape (cases[i][1] != NULL ? cases[i][1] : "", NULL);
      g_autofree char *err = g_strescape (run.err != NULL ? run.err : "", NULL);

      g_test_message ("case %s %s: %s", cases[i][0], arg, err);
      evox_test_assert_refused (&run, 2, cases[i][2]);
    }
  /* A TIFF that never said its voxel size: no scale bar can be measured. */
  g_assert_no_error (error);
  g_assert_true (evox_tiff_write (volume, -1, plain, EVOX_TIFF_WRITE_NONE, &error));
  {
    g_auto(Run) run = evox_headless ("render", plain, "-s", "64x48", "-o", out, "--scale-bar",
                                     NULL);

    evox_test_assert_refused (&run, 2, "voxel size");
  }
  /* A bar longer than the image is refused: the demo is a few µm wide, 1 mm is a typo. */
  {
    g_auto(Run) run = evox_headless ("render", "--demo", "-s", "64x48", "-o", out, "--view", "z",
                                     "--scale-bar=1mm", NULL);

    evox_test_assert_refused (&run, 2, "wider than the 64-pixel image");
  }
  /* The figure draws no colour bar over an RGB composite: asking for one is refused, not
   * dropped. */
  {
    g_auto(Run) run = evox_headless ("render", "--demo-xanes", "-s", "64x48", "-o", out,
                                     "--rgb", "0,1,2", "--colorbar", NULL);

    evox_test_assert_refused (&run, 2, "--colorbar");
  }
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_render_bad_input (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *missing = g_build_filename (dir, "missing.csv", NULL);
  g_autofree char *ragged = g_build_filename (dir, "ragged.csv", NULL);
  g_autofree char *out = g_build_filename (dir, "out.png", NULL);
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_autofree char *nowhere = g_build_filename (sub, "no", "figure.png", NULL);

  {
    g_auto(Run) run = evox_headless ("render", missing, "-o", out, NULL);
    assert_input_error (&run, "missing.csv");
  }
  g_assert_true (g_file_set_contents (ragged, "X,Y,R0,Z0\n0,0,1,0\n1,0,2\n", -1, NULL));
  {
    g_auto(Run) run = evox_headless ("render", ragged, "-o", out, NULL);
    assert_input_error (&run, "ragged.csv");
  }
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));

  /* A folder that does not exist: the error names the figure, and nothing is left anywhere. */
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  {
    g_auto(Run) run = evox_headless ("render", "--demo", "-s", "64x48", "-o", nowhere, NULL);
    assert_input_error (&run, "figure.png");
  }
  g_assert_cmpuint (evox_test_count_entries (sub), ==, 0);
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 2);  /* ragged.csv and sub */

  /* A path under a file: said so, not "does not exist" (the file is there) */
  {
    g_autofree char *under = g_build_filename (ragged, "demo.tif", NULL);
    g_auto(Run) run = evox_headless ("convert", "--demo", under, NULL);

    assert_input_error (&run, "demo.tif");
    g_assert_nonnull (strstr (run.err, "ragged.csv is a file, not a folder"));
  }
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 2);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The real A19 table: the layer stack (its default view) and three slices. */
static void
test_render_real (void)
{
  g_autofree char *ssrm = evox_test_data_path ("ssrm/A19_GrSi_Anode_1x1.csv");
  g_autofree char *dir = NULL;
  const char *views[] = { "stack", "xyz" };

  if (ssrm == NULL)
    return;
  dir = evox_test_tmpdir_new ();
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      g_autofree char *name = g_strdup_printf ("a19-%s.png", views[i]);
      g_autofree char *out = g_build_filename (dir, name, NULL);
      g_auto(Run) run = evox_headless ("render", ssrm, "--view", views[i], "-s", "400x300",
                                       "-o", out, NULL);
      g_auto(Image) image = { 0 };

      assert_rendered (&run);
      image = evox_test_read_png (out);
      g_test_message ("A19 %s: %.3f drawn, %u colours", views[i], drawn_fraction (&image),
                      count_colours (&image));
      g_assert_cmpfloat (drawn_fraction (&image), >, 0.1);
      g_assert_cmpuint (count_colours (&image), >=, 32);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* ------------------------------------------------------------------------------------------ */
/* evox segment                                                                                 */

/* RFC 4180 as the segment CSVs write it: fields may be quoted, quotes doubled, '\n' line ends. */
static GPtrArray *
parse_csv (const char *text)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) field = g_string_new (NULL);
  const char *p = text;

  while (*p != '\0')
    {
      if (*p == '"')
        {
          for (p++; !(*p == '"' && p[1] != '"'); p++)
            {
              g_assert_true (*p != '\0');
              if (*p == '"')
                p++;
              g_string_append_c (field, *p);
            }
          p++;
          g_assert_true (*p == ',' || *p == '\n');
        }
      else
        while (*p != ',' && *p != '\n' && *p != '\0')
          g_string_append_c (field, *p++);
      g_ptr_array_add (fields, g_strdup (field->str));
      g_string_truncate (field, 0);
      if (*p == ',')
        p++;
      else
        {
          g_assert_true (*p == '\n');  /* every line ends */
          p++;
          g_ptr_array_add (fields, NULL);
          g_ptr_array_add (rows, g_ptr_array_steal (fields, NULL));
          fields = g_ptr_array_new_with_free_func (g_free);
        }
    }
  return rows;
}

static GPtrArray *
read_csv (const char *path)
{
  g_autofree char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return parse_csv (text);
}

static const char *
csv_cell (GPtrArray  *rows,
          guint       row,
          const char *column)
{
  char **header = g_ptr_array_index (rows, 0);
  char **line = g_ptr_array_index (rows, row);

  g_assert_cmpuint (g_strv_length (line), ==, g_strv_length (header));
  for (guint c = 0; header[c] != NULL; c++)
    if (g_str_equal (header[c], column))
      return line[c];
  g_error ("no column %s", column);
  return NULL;
}

static double
csv_double (GPtrArray  *rows,
            guint       row,
            const char *column)
{
  const char *text = csv_cell (rows, row, column);
  char *end = NULL;
  double v = g_ascii_strtod (text, &end);

  g_assert_true (end != text && *end == '\0');
  return v;
}

static guint64
csv_uint (GPtrArray  *rows,
          guint       row,
          const char *column)
{
  const char *text = csv_cell (rows, row, column);
  char *end = NULL;
  guint64 v = g_ascii_strtoull (text, &end, 10);

  g_assert_true (end != text && *end == '\0');
  return v;
}

/* A test volume: values[] (NaN allowed for f32) with spacing in nm, written as a TIFF stack. */
typedef struct
{
  gsize          dims[3];
  double         spacing[3];
  EvoxSampleType type;
  double        *values;
} TestVolume;

static void
test_volume_clear (TestVolume *v)
{
  g_free (v->values);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TestVolume, test_volume_clear)

static gsize
test_volume_n (const TestVolume *v)
{
  return v->dims[0] * v->dims[1] * v->dims[2];
}

static void
test_volume_init (TestVolume     *v,
                  EvoxSampleType  type,
                  gsize           nx,
                  gsize           ny,
                  gsize           nz)
{
  *v = (TestVolume) { { nx, ny, nz }, { 2, 3, 5 }, type, g_new0 (double, nx * ny * nz) };
}

static void
test_volume_write (const TestVolume *v,
                   const char       *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (v->dims[0], v->dims[1], v->dims[2], 1, v->type,
                                                  &error);
  gpointer data;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize i = 0; i < test_volume_n (v); i++)
    switch (v->type)
      {
      case EVOX_SAMPLE_U8: ((guint8 *) data)[i] = (guint8) v->values[i]; break;
      case EVOX_SAMPLE_U16: ((guint16 *) data)[i] = (guint16) v->values[i]; break;
      case EVOX_SAMPLE_F32:
      default: ((float *) data)[i] = (float) v->values[i]; break;
      }
  evox_volume_set_spacing (volume, v->spacing);
  evox_volume_freeze (volume);
  g_assert_true (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
}

/* The voxel size as Evox reads it back: X/YResolution are rationals, so 3 nm may come back as
 * 3.0000001. */
static void
test_volume_reload_spacing (TestVolume *v,
                            const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) back = evox_tiff_read (path, NULL, NULL, &error);
  double origin[3];

  g_assert_no_error (error);
  evox_volume_get_spacing (back, v->spacing);
  evox_volume_get_origin (back, origin);
  g_assert_cmpfloat (origin[0], ==, 0);
  g_assert_cmpfloat (origin[1], ==, 0);
  g_assert_cmpfloat (origin[2], ==, 0);
}

static guint64
brute_count (const TestVolume *v,
             double            lo,
             double            hi)
{
  guint64 n = 0;

  for (gsize i = 0; i < test_volume_n (v); i++)
    n += v->values[i] >= lo && v->values[i] <= hi;
  return n;
}

/* The fractions CSV against counts made here: header, names, edges, exact counts, fractions of
 * the finite voxels and the fractions with each edge moved by -delta and +delta. */
static void
assert_fractions (const char       *csv,
                  const TestVolume *v,
                  double            delta,
                  const char      **names,
                  const double     *lo,
                  const double     *hi,
                  guint             n_phases)
{
  g_autoptr(GPtrArray) rows = read_csv (csv);
  static const char *header[] = { "phase", "lo", "hi", "voxels", "fraction", "delta",
                                  "fraction_lo_minus", "fraction_lo_plus", "fraction_hi_minus",
                                  "fraction_hi_plus", "basis", NULL };
  static const char *shifted[] = { "fraction_lo_minus", "fraction_lo_plus",
                                   "fraction_hi_minus", "fraction_hi_plus" };
  guint64 n_finite = 0;

  for (gsize i = 0; i < test_volume_n (v); i++)
    n_finite += isfinite (v->values[i]);
  g_assert_cmpstrv ((const char * const *) g_ptr_array_index (rows, 0), header);
  g_assert_cmpuint (rows->len, ==, n_phases + 1);
  for (guint p = 0; p < n_phases; p++)
    {
      guint64 count = brute_count (v, lo[p], hi[p]);

      /* A voxel on an edge that an earlier phase shares is that phase's (edges here are
       * floats, and no phase is a single value). */
      for (guint q = 0; q < p; q++)
        if ((float) hi[q] == (float) lo[p])
          count -= brute_count (v, lo[p], lo[p]);
        else if ((float) lo[q] == (float) hi[p])
          count -= brute_count (v, hi[p], hi[p]);
      g_assert_cmpstr (csv_cell (rows, p + 1, "phase"), ==, names[p]);
      /* These volumes are counted whole: no scans, or --basis volume. */
      g_assert_cmpstr (csv_cell (rows, p + 1, "basis"), ==, "volume");
      g_assert_cmpfloat (csv_double (rows, p + 1, "lo"), ==, lo[p]);
      g_assert_cmpfloat (csv_double (rows, p + 1, "hi"), ==, hi[p]);
      g_assert_cmpuint (csv_uint (rows, p + 1, "voxels"), ==, count);
      g_assert_cmpfloat (csv_double (rows, p + 1, "fraction"), ==, (double) count / n_finite);
      g_assert_cmpfloat_with_epsilon (csv_double (rows, p + 1, "delta"), delta, 1e-9 * delta);
      for (guint s = 0; s < 4; s++)
        {
          double l = lo[p] + (s == 0 ? -delta : s == 1 ? delta : 0);
          double h = hi[p] + (s == 2 ? -delta : s == 3 ? delta : 0);
          guint64 c = l <= h ? brute_count (v, l, h) : 0;

          g_test_message ("phase %u shift %s: [%.9g, %.9g] %" G_GUINT64_FORMAT, p, shifted[s],
                          l, h, c);
          g_assert_cmpfloat (csv_double (rows, p + 1, shifted[s]), ==, (double) c / n_finite);
        }
    }
}

static void
assert_done (const Run *run)
{
  if (run->status != 0)
    g_test_message ("stderr: %s", run->err);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->err, ==, "");
}

static void
test_segment_fractions_u8 (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = g_build_filename (dir, "in.tif", NULL);
  g_autofree char *csv = g_build_filename (dir, "fractions.csv", NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);
  g_auto(TestVolume) v;
  const char *names[] = { "a", "b, \"c\"", "c", "d" };
  const double lo[] = { 10, 40, 121, 199.5 };
  const double hi[] = { 50, 120, 121, 250 };
  double min = G_MAXDOUBLE, max = -G_MAXDOUBLE;

  test_volume_init (&v, EVOX_SAMPLE_U8, 30, 20, 10);
  for (gsize i = 0; i < test_volume_n (&v); i++)
    {
      v.values[i] = g_rand_int_range (rand, 3, 211);
      min = MIN (min, v.values[i]);
      max = MAX (max, v.values[i]);
    }
  test_volume_write (&v, in);
  {
    /* Overlapping phases are fine for fractions; a name with a comma and quotes is quoted. */
    g_auto(Run) run = evox ("segment", in, "--phase", "a=10:50", "--phase", "b, \"c\"=40:120",
                            "--phase", "c=121:121", "--phase", "d=199.5:250", "--fractions", csv,
                            NULL);
    assert_done (&run);
    g_assert_cmpstr (run.out, ==, "");
  }
  assert_fractions (csv, &v, 0.05 * (max - min), names, lo, hi, G_N_ELEMENTS (names));
  {
    g_autofree char *text = NULL;
    g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
    g_assert_nonnull (strstr (text, "\n\"b, \"\"c\"\"\",40,120,"));
  }
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 2);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_segment_fractions_f32 (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = g_build_filename (dir, "in.tif", NULL);
  g_autofree char *csv = g_build_filename (dir, "fractions.csv", NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_auto(TestVolume) v;
  const char *names[] = { "low", "mid", "top" };
  const double lo[] = { -3, -1.25, 0.5 };
  const double hi[] = { -1.25, 0.5, 2.75 };
  double min = G_MAXDOUBLE, max = -G_MAXDOUBLE;

  test_volume_init (&v, EVOX_SAMPLE_F32, 17, 13, 9);
  for (gsize i = 0; i < test_volume_n (&v); i++)
    {
      if (g_rand_int_range (rand, 0, 10) == 0)
        v.values[i] = NAN;
      else
        {
          /* Some voxels sit exactly on an edge: lo <= v <= hi holds at both ends, and a shared
           * edge counts for the first of its phases only. */
          v.values[i] = g_rand_int_range (rand, 0, 4) == 0
                          ? lo[g_rand_int_range (rand, 0, 3)]
                          : (float) g_rand_double_range (rand, -3, 3);
          min = MIN (min, v.values[i]);
          max = MAX (max, v.values[i]);
        }
    }
  test_volume_write (&v, in);
  {
    g_auto(Run) run = evox ("segment", in, "--phase", "low=-3:-1.25", "--phase", "mid=-1.25:0.5",
                            "--phase", "top=0.5:2.75", "--fractions", csv, NULL);
    assert_done (&run);
  }
  /* delta is 5% of the range of the f32 values as stored. */
  assert_fractions (csv, &v, 0.05 * ((double) (float) max - (double) (float) min), names, lo, hi,
                    G_N_ELEMENTS (names));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* log10 data (the demo stack): delta is half a decade, and a quantity with an exponent is
 * turned into its log10. */
static void
test_segment_fractions_log (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *csv = g_build_filename (dir, "fractions.csv", NULL);
  g_autoptr(EvoxVolume) demo = evox_demo_volume_new (10.0);
  g_auto(TestVolume) v;
  const char *names[] = { "graphite", "silicon" };
  const double lo[] = { -5, -1 };
  const double hi[] = { -4, log10 (3.2e1) };
  gsize dims[3];

  evox_volume_get_dims (demo, dims);
  test_volume_init (&v, EVOX_SAMPLE_F32, dims[0], dims[1], dims[2]);
  for (gsize i = 0; i < test_volume_n (&v); i++)
    v.values[i] = ((const float *) evox_volume_get_data (demo, 0))[i];
  {
    g_auto(Run) run = evox ("segment", "--demo", "--basis", "volume", "--phase",
                            "graphite=-5:-4", "--phase", "silicon=-1:3.2e1", "--fractions", csv,
                            NULL);
    assert_done (&run);
  }
  assert_fractions (csv, &v, 0.5, names, lo, hi, G_N_ELEMENTS (names));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The real A19 table: fractions of the measured scans by default, of the interpolated volume with
 * --basis volume, with the counts test-csv checks against numpy (tests/a19-fractions.py); the
 * table and the CSV name the basis, and particles are said to be of the volume. */
static void
test_segment_basis_a19 (void)
{
  g_autofree char *ssrm = evox_test_data_path ("ssrm/A19_GrSi_Anode_1x1.csv");
  g_autofree char *dir = NULL;
  static const guint64 expected[2][3] = {
    { 53058, 4285, 8193 },
    { 176384, 30817, 22175 },
  };
  static const char * const bases[] = { "measured", "volume" };

  if (ssrm == NULL)
    return;
  dir = evox_test_tmpdir_new ();
  for (guint b = 0; b < 2; b++)
    {
      g_autofree char *csv = g_build_filename (dir, bases[b], NULL);
      g_autoptr(GPtrArray) rows = NULL;
      g_auto(Run) run = evox ("segment", ssrm, "--phase", "graphite=-7:-3.5", "--phase",
                              "silicon=-3.5:-0.5", "--phase", "binder=-0.5:2", "--fractions", csv,
                              "--count", b == 1 ? "--basis" : NULL, "volume", NULL);

      assert_done (&run);
      g_test_message ("%s", run.out);
      g_assert_nonnull (strstr (run.out, b == 0 ? "of the 4 measured scans"
                                                : "of the interpolated volume"));
      g_assert_nonnull (strstr (run.out, "particles of the interpolated volume"));
      rows = read_csv (csv);
      g_assert_cmpuint (rows->len, ==, 4);
      for (guint p = 0; p < 3; p++)
        {
          g_assert_cmpstr (csv_cell (rows, p + 1, "basis"), ==, bases[b]);
          g_assert_cmpuint (csv_uint (rows, p + 1, "voxels"), ==, expected[b][p]);
        }
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Without output options: an aligned table on stdout, particle counts with --count. */
static void
test_segment_summary (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = g_build_filename (dir, "in.tif", NULL);
  g_auto(TestVolume) v;

  test_volume_init (&v, EVOX_SAMPLE_U8, 10, 10, 4);
  for (gsize i = 0; i < test_volume_n (&v); i++)
    v.values[i] = (i % 10) < 3 ? 1 : (i % 10) == 5 ? 2 : 0;
  test_volume_write (&v, in);
  for (guint with_count = 0; with_count < 2; with_count++)
    {
      g_auto(Run) run = evox ("segment", in, "--phase", "stripes=1:1", "--phase", "line=2:2",
                              with_count ? "--count" : NULL, NULL);
      g_auto(GStrv) lines = NULL;

      assert_done (&run);
      g_test_message ("%s", run.out);
      lines = g_strsplit (run.out, "\n", -1);
      g_assert_cmpuint (g_strv_length (lines), ==, 5);  /* title, header, 2 phases, "" */
      g_assert_nonnull (strstr (lines[0], "400 finite voxels"));
      g_assert_true (g_str_has_prefix (lines[1], "phase"));
      g_assert_true (g_str_has_prefix (lines[2], "stripes"));
      g_assert_true (g_str_has_prefix (lines[3], "line"));
      g_assert_nonnull (strstr (lines[2], " 120 "));
      g_assert_nonnull (strstr (lines[3], " 40 "));
      /* Aligned: names padded, numbers right-aligned, so every table line is as long. */
      g_assert_cmpuint (strlen (lines[1]), ==, strlen (lines[2]));
      g_assert_cmpuint (strlen (lines[1]), ==, strlen (lines[3]));
      g_assert_cmpstr (lines[4], ==, "");
      if (with_count)
        {
          /* Stripes x < 3 join along y and z: one particle; the x = 5 line likewise. */
          g_assert_nonnull (strstr (lines[1], "particles"));
          g_assert_true (g_regex_match_simple (" 1 +0$", lines[2], 0, 0));
          g_assert_true (g_regex_match_simple (" 1 +0$", lines[3], 0, 0));
        }
      else
        g_assert_null (strstr (lines[1], "particles"));
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* --split: two balls of radius 8 voxels (1 nm) joined by a neck of radius 3.9 count as one
 * particle, as two with --split 2 (nm), as one again when H is above the neck's depth; a
 * negative H is a usage error. */
static void
test_segment_split (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = g_build_filename (dir, "balls.tif", NULL);
  const char *cases[][2] = { { NULL, "1" }, { "2", "2" }, { "7", "1" } };
  g_auto(TestVolume) v;

  test_volume_init (&v, EVOX_SAMPLE_U8, 40, 24, 24);
  v.spacing[0] = v.spacing[1] = v.spacing[2] = 1.0;
  for (gsize z = 0; z < 24; z++)
    for (gsize y = 0; y < 24; y++)
      for (gsize x = 0; x < 40; x++)
        {
          double dy = y - 11.5, dz = z - 11.5, a = x - 12.0, b = x - 26.0;

          v.values[(z * 24 + y) * 40 + x] = a * a + dy * dy + dz * dz <= 64 ||
                                            b * b + dy * dy + dz * dz <= 64;
        }
  test_volume_write (&v, in);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = evox ("segment", in, "--phase", "balls=1:1", "--count",
                              cases[i][0] != NULL ? "--split" : NULL, cases[i][0], NULL);
      g_auto(GStrv) lines = NULL;
      g_autofree char *pattern = g_strdup_printf (" %s +0$", cases[i][1]);

      assert_done (&run);
      lines = g_strsplit (run.out, "\n", -1);
      g_assert_true (g_regex_match_simple (pattern, lines[2], 0, 0));
    }
  {
    g_auto(Run) run = evox ("segment", in, "--phase", "balls=1:1", "--split", "-1", NULL);

    g_assert_cmpint (run.status, ==, 2);
    g_assert_nonnull (strstr (run.err, "--split"));
    g_assert_null (strchr (strchr (run.err, '\n') + 1, '\n'));
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Connected components written here: raster order of the first voxel, as scipy numbers them,
 * then those under min_size dropped and the rest renumbered in the same order. */
static guint32 *
flood_fill (const guint8 *mask,
            const gsize   dims[3],
            int           connectivity,
            guint64       min_size,
            guint        *n_out)
{
  gsize n = dims[0] * dims[1] * dims[2];
  guint32 *label = g_new0 (guint32, n);
  g_autofree gsize *queue = g_new (gsize, n);
  g_autoptr(GArray) sizes = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autofree guint32 *renumber = NULL;
  int offsets[26][3];
  guint n_offsets = 0, kept = 0;

  for (int dz = -1; dz <= 1; dz++)
    for (int dy = -1; dy <= 1; dy++)
      for (int dx = -1; dx <= 1; dx++)
        {
          int order = abs (dx) + abs (dy) + abs (dz);

          if (order == 0 || (connectivity == 6 && order > 1) ||
              (connectivity == 18 && order > 2))
            continue;
          offsets[n_offsets][0] = dx;
          offsets[n_offsets][1] = dy;
          offsets[n_offsets][2] = dz;
          n_offsets++;
        }
  for (gsize start = 0; start < n; start++)
    {
      gsize head = 0, tail = 0;
      guint32 id;
      guint64 size = 0;

      if (!mask[start] || label[start])
        continue;
      id = sizes->len + 1;
      label[start] = id;
      queue[tail++] = start;
      while (head < tail)
        {
          gsize i = queue[head++];
          gssize x = i % dims[0], y = (i / dims[0]) % dims[1], z = i / (dims[0] * dims[1]);

          size++;
          for (guint k = 0; k < n_offsets; k++)
            {
              gssize a = x + offsets[k][0], b = y + offsets[k][1], c = z + offsets[k][2];
              gsize j;

              if (a < 0 || b < 0 || c < 0 || a >= (gssize) dims[0] || b >= (gssize) dims[1] ||
                  c >= (gssize) dims[2])
                continue;
              j = ((gsize) c * dims[1] + b) * dims[0] + a;
              if (mask[j] && !label[j])
                {
                  label[j] = id;
                  queue[tail++] = j;
                }
            }
        }
      g_array_append_val (sizes, size);
    }
  renumber = g_new0 (guint32, sizes->len + 1);
  for (guint c = 0; c < sizes->len; c++)
    if (g_array_index (sizes, guint64, c) >= MAX (min_size, 1))
      renumber[c + 1] = ++kept;
  for (gsize i = 0; i < n; i++)
    label[i] = renumber[label[i]];
  *n_out = kept;
  return label;
}

/* A u16 or u32 label TIFF read with libtiff, checking what Fiji needs: unsigned integer samples,
 * one page per slice, the ImageJ description with the voxel size. */
static guint32 *
read_label_tiff (const char       *path,
                 const TestVolume *v,
                 guint             expected_bits)
{
  TIFF *tif = TIFFOpen (path, "r");
  gsize page = v->dims[0] * v->dims[1];
  guint32 *labels = g_new (guint32, test_volume_n (v));
  g_autofree guint8 *row = NULL;
  guint16 bits = 0, format = 0;
  const char *desc = NULL;
  guint z = 0;

  g_assert_nonnull (tif);
  g_assert_true (TIFFGetField (tif, TIFFTAG_IMAGEDESCRIPTION, &desc));
  {
    g_autofree char *images = g_strdup_printf ("\nimages=%zu\n", v->dims[2]);
    g_autofree char *slices = g_strdup_printf ("\nslices=%zu\n", v->dims[2]);
    g_autofree char *spacing = g_strdup_printf ("\nspacing=%g\n", v->spacing[2]);

    g_assert_true (g_str_has_prefix (desc, "ImageJ="));
    g_assert_nonnull (strstr (desc, images));
    g_assert_nonnull (strstr (desc, slices));
    g_assert_nonnull (strstr (desc, "\nunit=nm\n"));
    g_assert_nonnull (strstr (desc, spacing));
  }
  row = g_malloc (TIFFScanlineSize (tif));
  do
    {
      guint32 width = 0, height = 0;

      g_assert_true (TIFFGetField (tif, TIFFTAG_IMAGEWIDTH, &width));
      g_assert_true (TIFFGetField (tif, TIFFTAG_IMAGELENGTH, &height));
      g_assert_true (TIFFGetField (tif, TIFFTAG_BITSPERSAMPLE, &bits));
      g_assert_true (TIFFGetFieldDefaulted (tif, TIFFTAG_SAMPLEFORMAT, &format));
      g_assert_cmpuint (width, ==, v->dims[0]);
      g_assert_cmpuint (height, ==, v->dims[1]);
      g_assert_cmpuint (bits, ==, expected_bits);
      g_assert_cmpuint (format, ==, SAMPLEFORMAT_UINT);
      g_assert_cmpuint (z, <, v->dims[2]);
      for (guint32 y = 0; y < height; y++)
        {
          g_assert_cmpint (TIFFReadScanline (tif, row, y, 0), ==, 1);
          for (guint32 x = 0; x < width; x++)
            labels[z * page + y * width + x] =
              bits == 8 ? row[x] : bits == 16 ? ((guint16 *) row)[x] : ((guint32 *) row)[x];
        }
      z++;
    }
  while (TIFFReadDirectory (tif));
  g_assert_cmpuint (z, ==, v->dims[2]);
  TIFFClose (tif);
  return labels;
}

/* Two phases of a random u8 volume with values spread inside each phase: the particles CSV and
 * the label TIFF against a flood fill and statistics computed here, for each connectivity. */
static void
test_segment_particles (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = g_build_filename (dir, "in.tif", NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  g_auto(TestVolume) v;
  const double lo[] = { 1, 7 }, hi[] = { 3, 9 };
  const char *names[] = { "pa", "qb" };
  const int connectivities[] = { 6, 18, 26 };
  const guint64 min_size = 2;
  double voxel_volume;

  test_volume_init (&v, EVOX_SAMPLE_U8, 24, 20, 12);
  for (gsize i = 0; i < test_volume_n (&v); i++)
    {
      int r = g_rand_int_range (rand, 0, 100);

      /* Sparse enough that 26 neighbours do not join everything into one particle. */
      v.values[i] = r < 7 ? g_rand_int_range (rand, 1, 4)
                  : r < 13 ? g_rand_int_range (rand, 7, 10)
                  : r < 30 ? 5 : 0;
    }
  test_volume_write (&v, in);
  test_volume_reload_spacing (&v, in);
  voxel_volume = v.spacing[0] * v.spacing[1] * v.spacing[2];

  for (guint ci = 0; ci < G_N_ELEMENTS (connectivities); ci++)
    {
      g_autofree char *conn = g_strdup_printf ("%d", connectivities[ci]);
      g_autofree char *csv = g_build_filename (dir, "particles.csv", NULL);
      g_autofree char *tif = g_build_filename (dir, "labels.tif", NULL);
      g_autoptr(GPtrArray) rows = NULL;
      g_autofree guint32 *written = NULL;
      guint64 offset = 0;
      guint row = 1;

      {
        g_auto(Run) run = evox ("segment", in, "--phase", "pa=1:3", "--phase", "qb=7:9",
                                "--connectivity", conn, "--min-size", "2", "--particles", csv,
                                "--labels", tif, "--force", NULL);
        assert_done (&run);
        g_assert_cmpstr (run.out, ==, "");
      }
      rows = read_csv (csv);
      {
        static const char *first[] = { "phase", "id", "voxels", "volume_nm3" };
        char **header = g_ptr_array_index (rows, 0);

        for (guint c = 0; c < G_N_ELEMENTS (first); c++)
          g_assert_cmpstr (header[c], ==, first[c]);
      }
      written = read_label_tiff (tif, &v, 16);

      for (guint p = 0; p < 2; p++)
        {
          g_autofree guint8 *mask = g_new (guint8, test_volume_n (&v));
          g_autofree guint32 *label = NULL;
          guint n;

          for (gsize i = 0; i < test_volume_n (&v); i++)
            mask[i] = v.values[i] >= lo[p] && v.values[i] <= hi[p];
          label = flood_fill (mask, v.dims, connectivities[ci], min_size, &n);
          g_test_message ("connectivity %d, phase %s: %u particles", connectivities[ci],
                          names[p], n);
          g_assert_cmpuint (n, >, 10);

          /* The label volume holds the same partition with ids moved up by earlier phases'. */
          for (gsize i = 0; i < test_volume_n (&v); i++)
            if (mask[i])
              g_assert_cmpuint (written[i], ==, label[i] ? label[i] + offset : 0);

          for (guint32 id = 1; id <= n; id++, row++)
            {
              guint64 count = 0;
              double sum[3] = { 0 }, vsum = 0, vsum2 = 0, vmin = G_MAXDOUBLE, vmax = -G_MAXDOUBLE;
              gsize bmin[3] = { G_MAXSIZE, G_MAXSIZE, G_MAXSIZE }, bmax[3] = { 0 };
              gboolean border = FALSE;
              const char *bmin_names[] = { "bbox_x0", "bbox_y0", "bbox_z0" };
              const char *bmax_names[] = { "bbox_x1", "bbox_y1", "bbox_z1" };
              const char *centroid_names[] = { "centroid_x_nm", "centroid_y_nm",
                                               "centroid_z_nm" };
              double mean, volume;

              for (gsize i = 0; i < test_volume_n (&v); i++)
                {
                  gsize idx[3] = { i % v.dims[0], (i / v.dims[0]) % v.dims[1],
                                   i / (v.dims[0] * v.dims[1]) };

                  if (label[i] != id)
                    continue;
                  count++;
                  for (guint a = 0; a < 3; a++)
                    {
                      sum[a] += idx[a];
                      bmin[a] = MIN (bmin[a], idx[a]);
                      bmax[a] = MAX (bmax[a], idx[a]);
                      border |= idx[a] == 0 || idx[a] == v.dims[a] - 1;
                    }
                  vsum += v.values[i];
                  vsum2 += v.values[i] * v.values[i];
                  vmin = MIN (vmin, v.values[i]);
                  vmax = MAX (vmax, v.values[i]);
                }
              g_assert_cmpuint (row, <, rows->len);
              g_assert_cmpstr (csv_cell (rows, row, "phase"), ==, names[p]);
              g_assert_cmpuint (csv_uint (rows, row, "id"), ==, id + offset);
              g_assert_cmpuint (csv_uint (rows, row, "voxels"), ==, count);
              volume = count * voxel_volume;
              g_assert_cmpfloat_with_epsilon (csv_double (rows, row, "volume_nm3"), volume,
                                              1e-9 * volume);
              g_assert_cmpfloat_with_epsilon (csv_double (rows, row, "diameter_nm"),
                                              cbrt (6 * volume / G_PI), 1e-9 * cbrt (volume));
              for (guint a = 0; a < 3; a++)
                {
                  g_assert_cmpfloat_with_epsilon (csv_double (rows, row, centroid_names[a]),
                                                  v.spacing[a] * sum[a] / count, 1e-9);
                  g_assert_cmpuint (csv_uint (rows, row, bmin_names[a]), ==, bmin[a]);
                  g_assert_cmpuint (csv_uint (rows, row, bmax_names[a]), ==, bmax[a]);
                }
              mean = vsum / count;
              g_assert_cmpfloat_with_epsilon (csv_double (rows, row, "mean"), mean, 1e-9);
              g_assert_cmpfloat_with_epsilon (csv_double (rows, row, "std"),
                                              sqrt (MAX (vsum2 / count - mean * mean, 0)), 1e-6);
              g_assert_cmpfloat (csv_double (rows, row, "min"), ==, vmin);
              g_assert_cmpfloat (csv_double (rows, row, "max"), ==, vmax);
              g_assert_cmpstr (csv_cell (rows, row, "touches_border"), ==,
                               border ? "true" : "false");
              g_assert_cmpfloat (csv_double (rows, row, "area_nm2"), >, 0);
              g_assert_cmpfloat (csv_double (rows, row, "sphericity"), >, 0);
            }
          offset += n;
        }
      g_assert_cmpuint (row, ==, rows->len);
      /* Background and voxels of no phase are 0. */
      for (gsize i = 0; i < test_volume_n (&v); i++)
        if (!(v.values[i] >= 1 && v.values[i] <= 3) && !(v.values[i] >= 7 && v.values[i] <= 9))
          g_assert_cmpuint (written[i], ==, 0);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The mask: 1-based index of the first phase holding the voxel, 0 for none and for NaN. */
static void
test_segment_mask (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  const double lo[] = { 0.5, -1, 1.5 }, hi[] = { 2.5, 1, 4 };

  for (guint t = 0; t < 2; t++)
    {
      EvoxSampleType type = t == 0 ? EVOX_SAMPLE_U8 : EVOX_SAMPLE_F32;
      g_autofree char *in = g_build_filename (dir, t == 0 ? "u8.tif" : "f32.tif", NULL);
      g_autofree char *out = g_build_filename (dir, t == 0 ? "mask-u8.tif" : "mask-f32.tif",
                                               NULL);
      g_autofree guint32 *mask = NULL;
      g_auto(TestVolume) v;

      test_volume_init (&v, type, 9, 7, 5);
      for (gsize i = 0; i < test_volume_n (&v); i++)
        v.values[i] = t == 0 ? g_rand_int_range (rand, 0, 6)
                    : g_rand_int_range (rand, 0, 8) == 0 ? NAN
                    : (float) g_rand_double_range (rand, -2, 5);
      test_volume_write (&v, in);
      {
        g_auto(Run) run = evox ("segment", in, "--phase", "a=0.5:2.5", "--phase", "b=-1:1",
                                "--phase", "c=1.5:4", "--mask", out, NULL);
        assert_done (&run);
      }
      mask = read_label_tiff (out, &v, 8);
      for (gsize i = 0; i < test_volume_n (&v); i++)
        {
          guint expected = 0;

          for (guint p = 0; p < 3 && expected == 0; p++)
            if (v.values[i] >= lo[p] && v.values[i] <= hi[p])
              expected = p + 1;
          g_assert_cmpuint (mask[i], ==, expected);
        }
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* auto:3 on three well separated clusters gives three phases, one per cluster. */
static void
test_segment_auto (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = g_build_filename (dir, "in.tif", NULL);
  g_autofree char *csv = g_build_filename (dir, "fractions.csv", NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  g_autoptr(GPtrArray) rows = NULL;
  const double centres[] = { 20, 120, 220 };
  guint64 sizes[3] = { 0 };
  double cmin[3] = { 255, 255, 255 }, cmax[3] = { 0 };
  g_auto(TestVolume) v;

  test_volume_init (&v, EVOX_SAMPLE_U8, 20, 20, 10);
  for (gsize i = 0; i < test_volume_n (&v); i++)
    {
      guint c = g_rand_int_range (rand, 0, 10) < 5 ? 0 : g_rand_int_range (rand, 0, 3) ? 1 : 2;

      v.values[i] = centres[c] + g_rand_int_range (rand, -8, 9);
      sizes[c]++;
      cmin[c] = MIN (cmin[c], v.values[i]);
      cmax[c] = MAX (cmax[c], v.values[i]);
    }
  test_volume_write (&v, in);
  {
    g_auto(Run) run = evox ("segment", in, "--phase", "auto:3", "--fractions", csv, NULL);
    assert_done (&run);
  }
  rows = read_csv (csv);
  g_assert_cmpuint (rows->len, ==, 4);
  for (guint c = 0; c < 3; c++)
    {
      g_test_message ("class %u: [%g, %g], %" G_GUINT64_FORMAT " voxels", c,
                      csv_double (rows, c + 1, "lo"), csv_double (rows, c + 1, "hi"), sizes[c]);
      g_assert_cmpuint (csv_uint (rows, c + 1, "voxels"), ==, sizes[c]);
      g_assert_cmpfloat (csv_double (rows, c + 1, "lo"), <=, cmin[c]);
      g_assert_cmpfloat (csv_double (rows, c + 1, "hi"), >=, cmax[c]);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* auto:3 on an SSRM stack splits the basis: the measured scans by default, the interpolated
 * volume with --basis volume. Oracle: brute-force Otsu (evox_test_otsu3) on the scan values and
 * on the voxels; before the basis reached auto:N both runs split the volume. */
static void
test_segment_auto_basis (void)
{
  g_autofree char *ssrm = evox_test_data_path ("ssrm/A19_GrSi_Anode_1x1.csv");
  g_autofree char *dir = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  static const char * const bases[] = { "measured", "volume" };
  const float *scans[4];
  gsize lengths[4], dims[3];
  double t[2][2], width[2];

  if (ssrm == NULL)
    return;
  volume = evox_volume_load (ssrm, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  for (guint s = 0; s < 4; s++)
    {
      scans[s] = evox_volume_get_scan (volume, s)->values;
      lengths[s] = dims[0] * dims[1];
    }
  evox_test_otsu3 (scans, lengths, 4, t[0], &width[0]);
  {
    const float *all = evox_volume_get_data (volume, 0);
    gsize n = evox_volume_get_n_voxels (volume);

    evox_test_otsu3 (&all, &n, 1, t[1], &width[1]);
  }
  g_assert_cmpfloat (fabs (t[0][0] - t[1][0]) + fabs (t[0][1] - t[1][1]), >,
                     4 * (width[0] + width[1]));

  dir = evox_test_tmpdir_new ();
  for (guint b = 0; b < 2; b++)
    {
      g_autofree char *csv = g_build_filename (dir, bases[b], NULL);
      g_autoptr(GPtrArray) rows = NULL;
      g_auto(Run) run = evox ("segment", ssrm, "--phase", "auto:3", "--fractions", csv,
                              b == 1 ? "--basis" : NULL, "volume", NULL);

      assert_done (&run);
      rows = read_csv (csv);
      g_assert_cmpuint (rows->len, ==, 4);
      for (guint k = 0; k < 2; k++)
        {
          g_test_message ("%s: class %u starts at %g (brute force %g)", bases[b], k + 2,
                          csv_double (rows, k + 2, "lo"), t[b][k]);
          g_assert_cmpfloat (fabs (csv_double (rows, k + 2, "lo") - t[b][k]), <=,
                             1.01 * width[b]);
        }
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* More particles than 16 bits hold: refused with --label-bits 16, u32 otherwise. */
static void
test_segment_label_bits (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = g_build_filename (dir, "in.tif", NULL);
  g_autofree char *csv = g_build_filename (dir, "fractions.csv", NULL);
  g_autofree char *tif = g_build_filename (dir, "labels.tif", NULL);
  g_autofree guint32 *written = NULL;
  g_auto(TestVolume) v;

  /* A 3D checkerboard: with faces only, every set voxel is a particle of its own. */
  test_volume_init (&v, EVOX_SAMPLE_U8, 64, 64, 40);
  for (gsize i = 0; i < test_volume_n (&v); i++)
    v.values[i] = (i % 64 + (i / 64) % 64 + i / 4096) % 2 == 0;
  test_volume_write (&v, in);
  {
    g_auto(Run) run = evox ("segment", in, "--phase", "dots=1:1", "--connectivity", "6",
                            "--fractions", csv, "--labels", tif, "--label-bits", "16", NULL);
    g_test_message ("%s", run.err);
    g_assert_cmpint (run.status, ==, 2);
    g_assert_cmpstr (run.out, ==, "");
    g_assert_nonnull (strstr (run.err, "--labels"));
    g_assert_nonnull (strstr (run.err, "81920"));
    g_assert_nonnull (strstr (run.err, "16"));
  }
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
  {
    g_auto(Run) run = evox ("segment", in, "--phase", "dots=1:1", "--connectivity", "6",
                            "--labels", tif, NULL);
    assert_done (&run);
  }
  written = read_label_tiff (tif, &v, 32);
  {
    guint32 next = 0;

    /* Raster order: the n-th set voxel is particle n. */
    for (gsize i = 0; i < test_volume_n (&v); i++)
      g_assert_cmpuint (written[i], ==, v.values[i] ? ++next : 0);
    g_assert_cmpuint (next, ==, 81920);
  }
  {
    g_auto(Run) run = evox ("segment", in, "--phase", "dots=1:1", "--connectivity", "26",
                            "--labels", tif, "--label-bits", "32", "--force", NULL);
    g_autofree guint32 *one = NULL;
    assert_done (&run);
    one = read_label_tiff (tif, &v, 32);
    g_assert_cmpuint (one[0], ==, 1);
    g_assert_cmpuint (one[1], ==, 0);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Every bad input: one line on stderr naming the option or file, the exit status, no output. */
static void
test_segment_bad_input (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = g_build_filename (dir, "in.tif", NULL);
  g_autofree char *two = g_build_filename (dir, "two.tif", NULL);
  g_autofree char *cut = g_build_filename (dir, "cut.tif", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.tif", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *frac = g_build_filename (out, "f.csv", NULL);
  g_autofree char *parts = g_build_filename (out, "p.csv", NULL);
  g_autofree char *labels = g_build_filename (out, "l.tif", NULL);
  g_autofree char *mask = g_build_filename (out, "m.tif", NULL);
  g_autofree char *nowhere = g_build_filename (dir, "no-such-folder", "f.csv", NULL);
  g_auto(TestVolume) v;
  g_auto(TestVolume) w;
  struct
  {
    int         status;
    const char *named;
    const char *args[8];
  } cases[] = {
    { 2, "3.2", { "--phase", "a=3.2:3.7" } },             /* no integer in the range */
    { 2, "5:3", { "--phase", "a=5:3" } },                 /* lo > hi */
    { 2, "a:3", { "--phase", "a:3" } },                   /* no '=' */
    { 2, "bogus", { "--phase", "bogus" } },
    { 2, "x", { "--phase", "a=x:3" } },                   /* not a number */
    { 2, "1e999", { "--phase", "a=0:1e999" } },
    { 2, "--phase", { "--phase", "a=1:2:3" } },
    { 2, "auto:1", { "--phase", "auto:1" } },
    { 2, "auto:9", { "--phase", "auto:9" } },
    { 2, "auto:x", { "--phase", "auto:x" } },
    { 2, "a", { "--phase", "a=1:2", "--phase", "a=3:4" } },  /* a name twice */
    { 2, "--connectivity", { "--phase", "a=1:2", "--connectivity", "5" } },
    { 2, "--min-size", { "--phase", "a=1:2", "--min-size", "-1" } },
    { 2, "--label-bits", { "--phase", "a=1:2", "--label-bits", "8" } },
    { 2, "--phase", { NULL } },                           /* no phase at all */
    /* with --labels; meeting at one shared edge (1:3, 3:4) is no overlap */
    { 2, "overlap", { "--phase", "a=1:3", "--phase", "overlap=2:4" } },
    { 2, "--basis", { "--phase", "a=1:2", "--basis", "scans" } },
    { 2, "--mask", { "--phase", "a=1:2", "--mask", NULL } },  /* same file twice */
    { 1, "no-such-folder", { "--phase", "a=1:2" } },     /* with the output in no folder */
  };

  test_volume_init (&v, EVOX_SAMPLE_U8, 6, 5, 4);
  for (gsize i = 0; i < test_volume_n (&v); i++)
    v.values[i] = i % 6;
  test_volume_write (&v, in);
  test_volume_init (&w, EVOX_SAMPLE_U8, 6, 5, 4);
  for (gsize i = 0; i < test_volume_n (&w); i++)
    w.values[i] = i % 2 ? 10 : 200;
  test_volume_write (&w, two);
  g_assert_cmpint (g_mkdir (out, 0755), ==, 0);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GPtrArray) args = g_ptr_array_new ();
      g_auto(Run) run = { 0 };
      const char *binary = g_getenv ("EVOX");

      g_ptr_array_add (args, (char *) binary);
      g_ptr_array_add (args, "segment");
      g_ptr_array_add (args, in);
      for (guint a = 0; a < G_N_ELEMENTS (cases[c].args) && cases[c].args[a] != NULL; a++)
        g_ptr_array_add (args, (char *) cases[c].args[a]);
      if (g_str_equal (cases[c].named, "--mask"))
        g_ptr_array_add (args, frac);
      else if (g_str_equal (cases[c].named, "no-such-folder"))
        {
          g_ptr_array_add (args, "--fractions");
          g_ptr_array_add (args, nowhere);
        }
      if (!g_str_equal (cases[c].named, "no-such-folder"))
        {
          /* Every output asked for, so "nothing written" covers all four writers. */
          g_ptr_array_add (args, "--fractions");
          g_ptr_array_add (args, frac);
          if (!g_str_equal (cases[c].named, "--mask"))
            {
              g_ptr_array_add (args, "--mask");
              g_ptr_array_add (args, mask);
            }
          g_ptr_array_add (args, "--particles");
          g_ptr_array_add (args, parts);
          g_ptr_array_add (args, "--labels");
          g_ptr_array_add (args, labels);
        }
      g_ptr_array_add (args, NULL);
      run = evox_test_spawn ((const char * const *) args->pdata, NULL, NULL);
      g_test_message ("case %u (%s): %s", c, cases[c].named, run.err);
      evox_test_assert_refused (&run, cases[c].status, cases[c].named);
      g_assert_cmpuint (evox_test_count_entries (out), ==, 0);
    }

  /* auto:N with more classes than the data have values. */
  {
    g_auto(Run) run = evox ("segment", two, "--phase", "auto:3", "--fractions", frac, NULL);
    evox_test_assert_refused (&run, 2, "auto:3");
  }
  /* A missing and a broken input file. */
  {
    g_auto(Run) run = evox ("segment", missing, "--phase", "a=1:2", "--fractions", frac, NULL);
    assert_input_error (&run, "missing.tif");
  }
  {
    g_autofree char *contents = NULL;
    gsize length;

    g_assert_true (g_file_get_contents (in, &contents, &length, NULL));
    g_assert_true (g_file_set_contents (cut, contents, length / 2, NULL));
  }
  {
    g_auto(Run) run = evox ("segment", cut, "--phase", "a=1:2", "--fractions", frac, NULL);
    assert_input_error (&run, "cut.tif");
  }
  g_assert_cmpuint (evox_test_count_entries (out), ==, 0);

  /* Existing outputs are kept without --force, even when only one of them exists. */
  g_assert_true (g_file_set_contents (labels, "precious", -1, NULL));
  {
    g_auto(Run) run = evox ("segment", in, "--phase", "a=1:2", "--fractions", frac,
                            "--labels", labels, NULL);
    g_autofree char *kept = NULL;
    assert_input_error (&run, "l.tif");
    g_assert_nonnull (strstr (run.err, "--force"));
    g_assert_true (g_file_get_contents (labels, &kept, NULL, NULL));
    g_assert_cmpstr (kept, ==, "precious");
    g_assert_cmpuint (evox_test_count_entries (out), ==, 1);
  }
  {
    g_auto(Run) run = evox ("segment", in, "--phase", "a=1:2", "--fractions", frac,
                            "--labels", labels, "--force", NULL);
    assert_done (&run);
    g_assert_cmpuint (evox_test_count_entries (out), ==, 2);
    g_assert_true (evox_tiff_is_tiff (labels));
  }

  /* A folder without write permission (root writes anywhere, so only as a user). */
  if (geteuid () != 0)
    {
      g_autofree char *locked = g_build_filename (dir, "locked", NULL);
      g_autofree char *inside = g_build_filename (locked, "f.csv", NULL);

      g_assert_cmpint (g_mkdir (locked, 0555), ==, 0);
      {
        g_auto(Run) run = evox ("segment", in, "--phase", "a=1:2", "--fractions", inside, NULL);
        assert_input_error (&run, "f.csv");
      }
      g_assert_cmpuint (evox_test_count_entries (locked), ==, 0);
      g_chmod (locked, 0755);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A write that fails after others succeeded (here: the file-size limit stops the 160 kB mask)
 * takes the files already written by the run with it. */
static void
test_segment_rollback (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = g_build_filename (dir, "in.tif", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *frac = g_build_filename (out, "f.csv", NULL);
  g_autofree char *parts = g_build_filename (out, "p.csv", NULL);
  g_autofree char *mask = g_build_filename (out, "m.tif", NULL);
  g_auto(TestVolume) v;
  g_auto(Run) limited = { 0 };
  const char *argv[] = { g_getenv ("EVOX"), "segment", in, "--phase", "a=1:1",
                         "--fractions", frac, "--particles", parts, "--mask", mask, NULL };

  test_volume_init (&v, EVOX_SAMPLE_U8, 64, 64, 40);
  for (gsize i = 0; i < test_volume_n (&v); i++)
    v.values[i] = i % 4096 < 64;
  test_volume_write (&v, in);
  g_assert_cmpint (g_mkdir (out, 0755), ==, 0);

  limited = evox_test_spawn (argv, NULL, evox_test_limit_file_size);
  g_test_message ("%s", limited.err);
  assert_input_error (&limited, "m.tif");
  g_assert_cmpuint (evox_test_count_entries (out), ==, 0);

  /* Without the limit the same run writes all three. */
  {
    g_auto(Run) run = evox ("segment", in, "--phase", "a=1:1", "--fractions", frac,
                            "--particles", parts, "--mask", mask, NULL);
    assert_done (&run);
    g_assert_cmpuint (evox_test_count_entries (out), ==, 3);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The real segmented electrode: the particles of the active material (label 85) with 26
 * connectivity are those of a flood fill here. */
static void
test_segment_real (void)
{
  g_autofree char *tomo = evox_test_data_path ("tomo/electrode.tiff");
  g_autofree char *dir = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *frac = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *mask = NULL;
  g_autofree guint32 *label = NULL;
  g_autofree guint64 *sizes = NULL;
  const guint8 *data;
  gsize dims[3], n;
  guint n_particles;

  if (tomo == NULL)
    return;
  dir = evox_test_tmpdir_new ();
  csv = g_build_filename (dir, "particles.csv", NULL);
  frac = g_build_filename (dir, "fractions.csv", NULL);
  {
    g_auto(Run) run = evox ("segment", tomo, "--phase", "am=85:85", "--phase", "pore=0:0",
                            "--phase", "cbd=170:170", "--connectivity", "26", "--particles", csv,
                            "--fractions", frac, NULL);
    assert_done (&run);
  }
  volume = evox_volume_load (tomo, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (evox_volume_get_sample_type (volume), ==, EVOX_SAMPLE_U8);
  evox_volume_get_dims (volume, dims);
  n = dims[0] * dims[1] * dims[2];
  data = evox_volume_get_data (volume, 0);
  mask = g_new (guint8, n);
  for (gsize i = 0; i < n; i++)
    mask[i] = data[i] == 85;
  label = flood_fill (mask, dims, 26, 0, &n_particles);
  sizes = g_new0 (guint64, n_particles + 1);
  for (gsize i = 0; i < n; i++)
    sizes[label[i]]++;
  g_test_message ("electrode.tiff: %u particles of active material", n_particles);

  rows = read_csv (csv);
  {
    guint n_am = 0;

    for (guint r = 1; r < rows->len; r++)
      if (g_str_equal (csv_cell (rows, r, "phase"), "am"))
        {
          n_am++;
          g_assert_cmpuint (csv_uint (rows, r, "id"), ==, n_am);
          g_assert_cmpuint (csv_uint (rows, r, "voxels"), ==, sizes[n_am]);
        }
    g_assert_cmpuint (n_am, ==, n_particles);
  }
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = read_csv (frac);
  {
    const guint8 values[] = { 85, 0, 170 };

    for (guint p = 0; p < 3; p++)
      {
        guint64 count = 0;

        for (gsize i = 0; i < n; i++)
          count += data[i] == values[p];
        g_assert_cmpuint (csv_uint (rows, p + 1, "voxels"), ==, count);
      }
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* --phase in evox render: phase voxels take the phase colour; --hide-outside drops the rest. */
static void
test_render_phases (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = g_build_filename (dir, "halves.tif", NULL);
  const char *variants[] = { "plain", "phase", "hide" };
  gsize opaque[3] = { 0 }, red[3] = { 0 };
  g_auto(TestVolume) v;

  /* Left half 10, right half 200; the grey map makes every plain pixel grey. */
  test_volume_init (&v, EVOX_SAMPLE_U8, 32, 32, 4);
  for (gsize i = 0; i < test_volume_n (&v); i++)
    v.values[i] = i % 32 < 16 ? 10 : 200;
  test_volume_write (&v, in);
  for (guint k = 0; k < G_N_ELEMENTS (variants); k++)
    {
      g_autofree char *name = g_strdup_printf ("%s.png", variants[k]);
      g_autofree char *out = g_build_filename (dir, name, NULL);
      g_auto(Run) run = k == 0
        ? evox_headless ("render", in, "--view", "z", "--colormap", "grey", "--transparent",
                         "-s", "160x160", "-o", out, NULL)
        : evox_headless ("render", in, "--view", "z", "--colormap", "grey", "--transparent",
                         "-s", "160x160", "-o", out, "--phase", "low=0:50:#ff0000",
                         k == 2 ? "--hide-outside" : NULL, NULL);
      g_auto(Image) image = { 0 };

      assert_rendered (&run);
      image = evox_test_read_png (out);
      for (gsize p = 0; p < 160 * 160; p++)
        {
          const guint8 *px = image.rgba + p * 4;

          if (px[3] == 0)
            continue;
          opaque[k]++;
          red[k] += px[0] > px[1] + 60 && px[0] > px[2] + 60;
        }
      g_test_message ("%s: %zu opaque, %zu red", variants[k], opaque[k], red[k]);
    }
  g_assert_cmpuint (red[0], ==, 0);
  g_assert_cmpuint (red[1], >, opaque[1] / 4);
  g_assert_cmpuint (red[2], >, opaque[2] / 2);
  g_assert_cmpuint (opaque[0], >, 160 * 160 / 4);
  g_assert_cmpuint (opaque[1], ==, opaque[0]);
  g_assert_cmpuint (opaque[2], <, opaque[1] * 3 / 4);

  {
    g_autofree char *out = g_build_filename (dir, "bad.png", NULL);
    const char *bad[][2] = {
      { "--phase", "low=0:50:#ff00" },
      { "--phase", "low=50:0" },
      { "--hide-outside", NULL },
    };

    for (guint b = 0; b < G_N_ELEMENTS (bad); b++)
      {
        g_auto(Run) run = evox_headless ("render", in, "-o", out, bad[b][0], bad[b][1], NULL);
        g_test_message ("%s %s: %s", bad[b][0], bad[b][1], run.err);
        g_assert_cmpint (run.status, ==, 2);
        g_assert_cmpint (strchr (run.err, '\n') - run.err, ==, strlen (run.err) - 1);
      }
    g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* --clusters: at opacity 1 every clustered voxel is its cluster's palette colour (tab10's first
 * two), --only-clusters leaves the others' grey, outlines add a darker shade at the boundary,
 * --select-cluster dims the others (neither blue nor grey any more, as many as the orange);
 * labels of other dims, unknown ids and a bad opacity are refused and write nothing. */
static void
test_render_clusters (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = g_build_filename (dir, "halves.tif", NULL);
  g_autofree char *labels = g_build_filename (dir, "labels.tif", NULL);
  g_autofree char *small = g_build_filename (dir, "small.tif", NULL);
  g_autofree char *out = g_build_filename (dir, "out.png", NULL);
  const guint8 blue[3] = { 0x1f, 0x77, 0xb4 }, orange[3] = { 0xff, 0x7f, 0x0e };
  g_auto(TestVolume) v;
  g_auto(TestVolume) l;
  g_auto(TestVolume) s;

  test_volume_init (&v, EVOX_SAMPLE_U8, 32, 32, 4);
  test_volume_init (&l, EVOX_SAMPLE_U8, 32, 32, 4);
  test_volume_init (&s, EVOX_SAMPLE_U8, 32, 32, 3);
  for (gsize i = 0; i < test_volume_n (&v); i++)
    {
      v.values[i] = 100;
      /* 1 on the left, 2 on the right, none in the top rows. */
      l.values[i] = (i / 32) % 32 < 8 ? 0 : i % 32 < 16 ? 1 : 2;
    }
  test_volume_write (&v, in);
  test_volume_write (&l, labels);
  test_volume_write (&s, small);

  for (guint k = 0; k < 4; k++)
    {
      g_auto(Run) run = evox_headless ("render", in, "--view", "z", "--colormap", "grey",
                                       "--transparent", "-s", "160x160", "-o", out, "--force",
                                       "--clusters", labels, "--cluster-opacity", "1",
                                       k == 1 ? "--only-clusters" : k == 2 ? "--cluster-outlines"
                                       : k == 3 ? "--select-cluster" : NULL,
                                       k == 1 || k == 3 ? "2" : NULL, NULL);
      g_auto(Image) image = { 0 };
      gsize opaque = 0, n_blue = 0, n_orange = 0, n_grey = 0, other = 0;

      assert_rendered (&run);
      image = evox_test_read_png (out);
      for (gsize p = 0; p < 160 * 160; p++)
        {
          const guint8 *px = image.rgba + p * 4;

          if (px[3] == 0)
            continue;
          opaque++;
          if (memcmp (px, blue, 3) == 0)
            n_blue++;
          else if (memcmp (px, orange, 3) == 0)
            n_orange++;
          else if (px[0] == px[1] && px[1] == px[2])
            n_grey++;
          else
            other++;
        }
      g_test_message ("variant %u: %zu opaque, %zu blue, %zu orange, %zu grey, %zu other", k,
                      opaque, n_blue, n_orange, n_grey, other);
      g_assert_cmpuint (opaque, >, 160 * 160 / 4);
      if (k == 0)
        {
          /* A quarter of the rows unclustered, the rest split in halves. */
          g_assert_cmpuint (other, ==, 0);
          g_assert_cmpuint (n_blue, ==, n_orange);
          g_assert_cmpuint (n_grey * 3, ==, n_blue + n_orange);
        }
      else if (k == 1)
        {
          g_assert_cmpuint (n_blue, ==, 0);
          g_assert_cmpuint (other, ==, 0);
          g_assert_cmpuint (n_grey, ==, opaque - n_orange);
          g_assert_cmpuint (n_orange * 8, ==, opaque * 3);
        }
      else if (k == 3)
        {
          g_assert_cmpuint (n_blue, ==, 0);
          g_assert_cmpuint (n_orange * 8, ==, opaque * 3);
          g_assert_cmpuint (other, ==, n_orange);
        }
      else
        {
          /* Columns and rows of darker shades where the ids change. */
          g_assert_cmpuint (other, >, 0);
          g_assert_cmpuint (n_blue + n_orange + other + n_grey, ==, opaque);
        }
    }
  g_assert_cmpint (g_unlink (out), ==, 0);

  {
    g_auto(Run) run = evox_headless ("render", in, "-o", out, "--clusters", small, NULL);
    assert_input_error (&run, "small.tif");
    g_assert_nonnull (strstr (run.err, "32 x 32 x 3"));
  }
  {
    const char *bad[][4] = {
      { "--clusters", labels, "--only-clusters", "3" },
      { "--clusters", labels, "--only-clusters", "1,,2" },
      { "--clusters", labels, "--cluster-opacity", "1.5" },
      { "--cluster-outlines", NULL, NULL, NULL },
      { "--clusters", labels, "--select-cluster", "3" },
      { "--select-cluster", "1", NULL, NULL },
    };

    for (guint b = 0; b < G_N_ELEMENTS (bad); b++)
      {
        g_auto(Run) run = evox_headless ("render", in, "-o", out, bad[b][0], bad[b][1],
                                         bad[b][2], bad[b][3], NULL);
        g_test_message ("%s %s: %s", bad[b][0], bad[b][2], run.err);
        g_assert_cmpint (run.status, ==, 2);
        g_assert_cmpint (strchr (run.err, '\n') - run.err, ==, strlen (run.err) - 1);
      }
  }
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A band's colour at 0.22 over white, as the curve figure draws it. */
static gboolean
is_band_pixel (const guint8 *px,
               const guint8  color[3])
{
  for (int c = 0; c < 3; c++)
    if (fabs (px[c] - (255 * 0.78 + color[c] * 0.22)) > 3)
      return FALSE;
  return px[3] == 255;
}

/* --cluster-curves: the PNG grows by the plot (1.25 times the height wide, at least 320) and
 * keeps the figure's pixels at the left; the plot has both clusters' bands, whose sizes and
 * places follow the volume's values over each cluster (cluster 1: 50 and 70, mean 60 std 10;
 * cluster 2: 160 and 200, mean 180 std 20): band 2 twice as high, the centres 120 apart, six
 * band-1 heights. Without --clusters it is a usage error (2) and writes nothing. */
static void
test_render_cluster_curves (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = g_build_filename (dir, "two.tif", NULL);
  g_autofree char *labels = g_build_filename (dir, "labels.tif", NULL);
  g_autofree char *plain = g_build_filename (dir, "plain.png", NULL);
  g_autofree char *out = g_build_filename (dir, "curves.png", NULL);
  const guint8 blue[3] = { 0x1f, 0x77, 0xb4 }, orange[3] = { 0xff, 0x7f, 0x0e };
  g_auto(TestVolume) v;
  g_auto(TestVolume) l;
  g_auto(Image) a = { 0 };
  g_auto(Image) b = { 0 };
  int column = -1, top1 = -1, bottom1 = -1, top2 = -1, bottom2 = -1;
  double h1, h2;

  test_volume_init (&v, EVOX_SAMPLE_U8, 32, 32, 4);
  test_volume_init (&l, EVOX_SAMPLE_U8, 32, 32, 4);
  for (gsize i = 0; i < test_volume_n (&v); i++)
    {
      gboolean left = i % 32 < 16, odd = i % 2 == 1;

      l.values[i] = (i / 32) % 32 < 8 ? 0 : left ? 1 : 2;
      v.values[i] = l.values[i] == 0 ? 120 : left ? (odd ? 70 : 50) : (odd ? 200 : 160);
    }
  test_volume_write (&v, in);
  test_volume_write (&l, labels);

  {
    g_auto(Run) run = evox_headless ("render", in, "--view", "z", "-s", "200x400", "-o", plain,
                                     "--clusters", labels, NULL);
    assert_rendered (&run);
  }
  {
    g_auto(Run) run = evox_headless ("render", in, "--view", "z", "-s", "200x400", "-o", out,
                                     "--clusters", labels, "--cluster-curves", NULL);
    assert_rendered (&run);
  }
  a = evox_test_read_png (plain);
  b = evox_test_read_png (out);
  g_assert_cmpint (a.width, ==, 200);
  g_assert_cmpint (b.width, ==, 200 + 500);
  g_assert_cmpint (b.height, ==, 400);
  for (int y = 0; y < 400; y++)
    g_assert_cmpmem (b.rgba + (gsize) y * b.width * 4, 200 * 4, a.rgba + (gsize) y * 200 * 4,
                     200 * 4);

  /* The one channel is one x: both bands are bars in the same columns. */
  for (int x = 200; x < b.width && column < 0; x++)
    for (int y = 0; y < 400 && column < 0; y++)
      if (is_band_pixel (b.rgba + ((gsize) y * b.width + x) * 4, blue))
        column = x + 3;
  g_assert_cmpint (column, >, 200);
  for (int y = 0; y < 400; y++)
    {
      const guint8 *px = b.rgba + ((gsize) y * b.width + column) * 4;

      if (is_band_pixel (px, blue))
        {
          top1 = top1 < 0 ? y : top1;
          bottom1 = y;
        }
      if (is_band_pixel (px, orange))
        {
          top2 = top2 < 0 ? y : top2;
          bottom2 = y;
        }
    }
  h1 = bottom1 - top1 + 1;
  h2 = bottom2 - top2 + 1;
  g_test_message ("column %d: band 1 rows %d-%d, band 2 rows %d-%d", column, top1, bottom1, top2,
                  bottom2);
  g_assert_cmpfloat (h1, >, 20);
  g_assert_cmpfloat (fabs (h2 / h1 - 2), <, 0.1);
  g_assert_cmpfloat (fabs (((top1 + bottom1) - (top2 + bottom2)) / 2.0 / h1 - 6), <, 0.3);

  {
    g_autofree char *other = g_build_filename (dir, "other.png", NULL);
    g_auto(Run) run = evox_headless ("render", in, "-o", other, "--cluster-curves", NULL);

    g_assert_cmpint (run.status, ==, 2);
    g_assert_nonnull (strstr (run.err, "--cluster-curves"));
    g_assert_cmpint (strchr (run.err, '\n') - run.err, ==, strlen (run.err) - 1);
    g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* --phase NAME=LO:HI:#rrggbb:OPACITY: opacity 1 draws exactly the phase colour (before, the
 * colour was always blended over the colour map at 0.7, so am=85:85:#e07020 drew another
 * colour, and ":1" was refused as a bad colour); the default stays a blend. */
static void
test_render_phase_opacity (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = g_build_filename (dir, "am.tif", NULL);
  const struct
  {
    const char *spec;
    gboolean    exact;
  } cases[] = {
    { "am=85:85:#e07020:1", TRUE },
    { "am=85:85:#E07020:1.0", TRUE },
    { "am=85:85:#e07020", FALSE },
    { "am=85:85:#e07020:0.5", FALSE },
  };
  g_auto(TestVolume) v;

  test_volume_init (&v, EVOX_SAMPLE_U8, 16, 16, 4);
  /* Half 85, half 0, so the colour map spans a range and its colour under the phase is not
   * the phase colour. */
  for (gsize i = 0; i < test_volume_n (&v); i++)
    v.values[i] = i % 16 < 8 ? 0 : 85;
  test_volume_write (&v, in);
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autofree char *name = g_strdup_printf ("%u.png", k);
      g_autofree char *out = g_build_filename (dir, name, NULL);
      g_auto(Run) run = evox_headless ("render", in, "--view", "z", "-s", "64x64", "-o", out,
                                       "--phase", cases[k].spec, NULL);
      g_auto(Image) image = { 0 };
      const guint8 *px;

      g_test_message ("%s: %s", cases[k].spec, run.err);
      assert_rendered (&run);
      image = evox_test_read_png (out);
      px = image.rgba + (32 * 64 + 48) * 4;
      g_test_message ("%s: #%02x%02x%02x", cases[k].spec, px[0], px[1], px[2]);
      if (cases[k].exact)
        {
          g_assert_cmpuint (px[0], ==, 0xe0);
          g_assert_cmpuint (px[1], ==, 0x70);
          g_assert_cmpuint (px[2], ==, 0x20);
        }
      else
        g_assert_false (px[0] == 0xe0 && px[1] == 0x70 && px[2] == 0x20);
      g_assert_cmpuint (px[3], ==, 255);
    }

  {
    g_autofree char *out = g_build_filename (dir, "bad.png", NULL);
    const char *bad[] = { "am=85:85:#e07020:1.5", "am=85:85:#e07020:", "am=85:85:#e07020:x",
                          "am=85:85:#e07020:0.5:1", "am=85:85:#e070:1" };

    for (guint b = 0; b < G_N_ELEMENTS (bad); b++)
      {
        g_auto(Run) run = evox_headless ("render", in, "-o", out, "--phase", bad[b], NULL);
        g_test_message ("%s: %s", bad[b], run.err);
        evox_test_assert_refused (&run, 2, bad[b]);
      }
    g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  }
  /* evox segment reads the same syntax. */
  {
    g_auto(Run) run = evox_headless ("segment", in, "--phase", "am=85:85:#e07020:1", NULL);
    g_auto(Run) bad = evox_headless ("segment", in, "--phase", "am=85:85:#e07020:2", NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "am"));
    evox_test_assert_refused (&bad, 2, "opacity");
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* --view volume and its options (--mode, --opacity, --iso, --source, --clip, --show-slices) on a
 * 24^3 u8 volume of two cubes in an empty (0) box: A of 200 over voxels 3..10 on each axis, B of
 * 100 over 13..20. With viridis over 0..255 (linear), a ray's value shows as an entry of the
 * colour table, so the pictures say which value each mode kept: a MIP shows the entries 200 and
 * 100 (the cubes' plateaus), a MinIP only entry 0 (every ray crosses the empty border), and the
 * clip box or an opacity window leaves cubes out. */
#define VOLUME_EDGE 24
#define VOLUME_SIZE "160x120"

static void
write_two_cubes (const char *path,
                 gboolean    labels)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (VOLUME_EDGE, VOLUME_EDGE, VOLUME_EDGE, 1,
                                                  EVOX_SAMPLE_U8, &error);
  guint8 *v;

  g_assert_no_error (error);
  v = evox_volume_get_data_mut (volume, 0);
  for (int z = 0; z < VOLUME_EDGE; z++)
    for (int y = 0; y < VOLUME_EDGE; y++)
      for (int x = 0; x < VOLUME_EDGE; x++)
        {
          gboolean in_a = x >= 3 && x <= 10 && y >= 3 && y <= 10 && z >= 3 && z <= 10;
          gboolean in_b = x >= 13 && x <= 20 && y >= 13 && y <= 20 && z >= 13 && z <= 20;

          v[(z * VOLUME_EDGE + y) * VOLUME_EDGE + x] = in_a ? (labels ? 1 : 200)
                                                     : in_b ? (labels ? 2 : 100) : 0;
        }
  evox_volume_freeze (volume);
  g_assert_true (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
}

/* `evox render TIF --view VIEW` with viridis over 0..255, then extra (NULL-terminated); the
 * picture it wrote. */
static Image
render_two_cubes (const char         *dir,
                  const char         *tif,
                  const char         *name,
                  const char         *view,
                  const char * const *extra)
{
  g_autofree char *file = g_strdup_printf ("%s.png", name);
  g_autofree char *out = g_build_filename (dir, file, NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) envp = g_environ_unsetenv (g_environ_unsetenv (g_get_environ (), "DISPLAY"),
                                           "WAYLAND_DISPLAY");
  const char *program = g_getenv ("EVOX");
  const char *fixed[] = { "render", tif, "--view", view, "--colormap", "viridis", "--mapping",
                          "linear", "--range", "0:255", "-s", VOLUME_SIZE, "-o", out };
  g_auto(Run) run = { 0 };

  g_assert_nonnull (program);
  g_ptr_array_add (argv, (gpointer) program);
  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    g_ptr_array_add (argv, (gpointer) fixed[i]);
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) extra[i]);
  g_ptr_array_add (argv, NULL);
  run = evox_test_spawn ((const char * const *) argv->pdata, envp, NULL);
  g_test_message ("%s: status %d %s", name, run.status, run.err);
  assert_rendered (&run);
  return evox_test_read_png (out);
}

/* Pixels within 3 per channel of viridis entry `entry` (or its neighbours: the table's texture
 * may round either way). */
static gsize
count_entry (const Image *image,
             guint        entry)
{
  const guint8 (*table)[3] = evox_colormap_get_table ("viridis");
  gsize n = 0;

  for (gsize p = 0; p < (gsize) image->width * image->height; p++)
    {
      const guint8 *rgba = image->rgba + 4 * p;

      for (guint e = entry > 0 ? entry - 1 : 0; e <= MIN (entry + 1, 255); e++)
        if (ABS (rgba[0] - table[e][0]) <= 3 && ABS (rgba[1] - table[e][1]) <= 3 &&
            ABS (rgba[2] - table[e][2]) <= 3)
          {
            n++;
            break;
          }
    }
  return n;
}

static gsize
count_differing (const Image *a,
                 const Image *b)
{
  gsize n = 0;

  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  for (gsize p = 0; p < (gsize) a->width * a->height; p++)
    n += memcmp (a->rgba + 4 * p, b->rgba + 4 * p, 4) != 0;
  return n;
}

#define ARGS(...) ((const char * const []) { __VA_ARGS__, NULL })

/* Each mode draws, each differently, and unlike the slices; the projections keep the values
 * they should. */
static void
test_render_volume_modes (void)
{
  const char *modes[] = { "composite", "mip", "minip", "mean", "iso" };
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tif = g_build_filename (dir, "cubes.tif", NULL);
  Image images[G_N_ELEMENTS (modes) + 1];
  const Image *mip = &images[1], *minip = &images[2], *mean = &images[3];
  gsize n = 0;

  write_two_cubes (tif, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    images[i] = render_two_cubes (dir, tif, modes[i], "volume", ARGS ("--mode", modes[i]));
  images[G_N_ELEMENTS (modes)] = render_two_cubes (dir, tif, "slices", "xyz", NULL);
  n = (gsize) images[0].width * images[0].height;
  for (guint i = 0; i < G_N_ELEMENTS (images); i++)
    {
      g_test_message ("%s: %.3f drawn, %u colours, entries 0/100/200: %zu/%zu/%zu",
                      i < G_N_ELEMENTS (modes) ? modes[i] : "slices",
                      drawn_fraction (&images[i]), count_colours (&images[i]),
                      count_entry (&images[i], 0), count_entry (&images[i], 100),
                      count_entry (&images[i], 200));
      g_assert_cmpfloat (drawn_fraction (&images[i]), >, 0.02);
      for (guint j = 0; j < i; j++)
        g_assert_cmpuint (count_differing (&images[i], &images[j]), >, n / 100);
    }
  /* Cube A faces the camera over about 30x30 pixels, B over about 20x20 where A does not hide
   * it (rays through B alone never meet 200). */
  g_assert_cmpuint (count_entry (mip, 200), >, 200);
  g_assert_cmpuint (count_entry (mip, 100), >, 50);
  g_assert_cmpuint (count_entry (minip, 200), ==, 0);
  g_assert_cmpuint (count_entry (minip, 100), ==, 0);
  g_assert_cmpuint (count_entry (minip, 0), >, n / 10);
  /* A ray's mean counts the empty border too: never a cube's plateau. */
  g_assert_cmpuint (count_entry (mean, 200), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (images); i++)
    g_free (images[i].rgba);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The options reach the picture: the clip box, the opacity window and its opacity, the iso
 * level, the slices, and the phases and clusters as sources. */
static void
test_render_volume_options (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tif = g_build_filename (dir, "cubes.tif", NULL);
  g_autofree char *labels = g_build_filename (dir, "labels.tif", NULL);
  g_auto(Image) mip_clipped = { 0 };
  g_auto(Image) empty = { 0 };
  g_auto(Image) window_a = { 0 };
  g_auto(Image) window_ab = { 0 };
  g_auto(Image) faint = { 0 };
  g_auto(Image) iso_none = { 0 };
  g_auto(Image) iso_a = { 0 };
  g_auto(Image) iso_ab = { 0 };
  g_auto(Image) slices = { 0 };
  g_auto(Image) phases = { 0 };
  g_auto(Image) colormap = { 0 };
  g_auto(Image) clusters = { 0 };
  gsize n, red = 0;

  write_two_cubes (tif, FALSE);
  write_two_cubes (labels, TRUE);

  /* A lies below x = 11/24 of the extent: clipped away, only B's plateau is left. */
  mip_clipped = render_two_cubes (dir, tif, "mip-clip", "volume",
                                  ARGS ("--mode", "mip", "--clip", "0.5:1,0:1,0:1"));
  g_assert_cmpuint (count_entry (&mip_clipped, 200), ==, 0);
  g_assert_cmpuint (count_entry (&mip_clipped, 100), >, 50);

  /* Opacity 0 everywhere draws the same as a window no voxel falls in. */
  empty = render_two_cubes (dir, tif, "empty", "volume", ARGS ("--opacity=0:255:0"));
  n = (gsize) empty.width * empty.height;
  {
    g_auto(Image) none = render_two_cubes (dir, tif, "none", "volume",
                                           ARGS ("--opacity=240:255"));
    g_assert_cmpuint (count_differing (&none, &empty), ==, 0);
  }
  window_a = render_two_cubes (dir, tif, "window-a", "volume", ARGS ("--opacity=150:255:0.5"));
  window_ab = render_two_cubes (dir, tif, "window-ab", "volume", ARGS ("--opacity=50:255:0.5"));
  faint = render_two_cubes (dir, tif, "faint", "volume", ARGS ("--opacity=150:255:0.01"));
  g_test_message ("opacity windows: A %zu, A and B %zu, faint A %zu pixels drawn",
                  count_differing (&window_a, &empty), count_differing (&window_ab, &empty),
                  count_differing (&faint, &empty));
  g_assert_cmpuint (count_differing (&window_a, &empty), >, 200);
  g_assert_cmpuint (count_differing (&window_ab, &empty), >,
                    count_differing (&window_a, &empty) + 50);
  g_assert_cmpuint (count_differing (&faint, &window_a), >, 200);

  /* Iso levels: above every value nothing; 150 only A; 50 both. */
  iso_none = render_two_cubes (dir, tif, "iso-none", "volume", ARGS ("--iso", "250"));
  iso_a = render_two_cubes (dir, tif, "iso-a", "volume", ARGS ("--iso", "150"));
  iso_ab = render_two_cubes (dir, tif, "iso-ab", "volume", ARGS ("--mode", "iso", "--iso", "50"));
  g_assert_cmpuint (count_differing (&iso_none, &empty), ==, 0);
  g_assert_cmpuint (count_differing (&iso_a, &empty), >, 200);
  g_assert_cmpuint (count_differing (&iso_ab, &empty), >, count_differing (&iso_a, &empty) + 50);

  slices = render_two_cubes (dir, tif, "slices", "volume", ARGS ("--opacity=0:255:0",
                                                                 "--show-slices"));
  g_assert_cmpuint (count_differing (&slices, &empty), >, n / 20);

  /* A phase of A in opaque red as the source: A is red; the colour map never is. */
  phases = render_two_cubes (dir, tif, "phases", "volume",
                             ARGS ("--phase", "A=150:255:#ff0000:1", "--source", "phases"));
  colormap = render_two_cubes (dir, tif, "colormap", "volume",
                               ARGS ("--phase", "A=150:255:#ff0000:1"));
  for (gsize p = 0; p < n; p++)
    red += phases.rgba[4 * p] > 200 && phases.rgba[4 * p + 1] < 60 && phases.rgba[4 * p + 2] < 60;
  g_test_message ("phases: %zu red pixels", red);
  g_assert_cmpuint (red, >, 200);
  g_assert_cmpuint (count_differing (&phases, &colormap), >, 200);

  clusters = render_two_cubes (dir, tif, "clusters", "volume",
                               ARGS ("--clusters", labels, "--source", "clusters"));
  g_assert_cmpuint (count_differing (&clusters, &empty), >, 400);
  g_assert_cmpuint (count_differing (&clusters, &window_ab), >, 200);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The SSRM seed's translucent volume between two thresholds draws, and unlike the default
 * curve. */
static void
test_render_volume_demo (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *plain = g_build_filename (dir, "plain.png", NULL);
  g_autofree char *window = g_build_filename (dir, "window.png", NULL);
  g_auto(Image) a = { 0 };
  g_auto(Image) b = { 0 };

  {
    g_auto(Run) run = evox_headless ("render", "--demo", "--view", "volume", "-s", "160x120",
                                     "-o", plain, NULL);
    assert_rendered (&run);
  }
  {
    g_auto(Run) run = evox_headless ("render", "--demo", "--view", "volume", "-s", "160x120",
                                     "--opacity=-2.5:-1", "-o", window, NULL);
    assert_rendered (&run);
  }
  a = evox_test_read_png (plain);
  b = evox_test_read_png (window);
  g_assert_cmpfloat (drawn_fraction (&a), >, 0.05);
  g_assert_cmpfloat (drawn_fraction (&b), >, 0.05);
  g_assert_cmpuint (count_differing (&a, &b), >, 160 * 120 / 50);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Bad volume options are usage errors: one line naming the option, status 2, nothing written. */
static void
test_render_volume_bad_usage (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *out = g_build_filename (dir, "out.png", NULL);
  const struct
  {
    const char *args[8];
    const char *says;
  } cases[] = {
    { { "--mode", "mip" }, "--view volume" },
    { { "--view", "xyz", "--opacity=-2.5:-1" }, "--view volume" },
    { { "--view", "quad", "--show-slices" }, "--show-slices" },
    { { "--view", "volume", "--mode", "maximum" }, "maximum" },
    { { "--view", "volume", "--opacity=-1:-2.5" }, "--opacity" },
    { { "--view", "volume", "--opacity=-2.5:-1:1.5" }, "--opacity" },
    { { "--view", "volume", "--opacity=-2.5:-1:-0.1" }, "--opacity" },
    { { "--view", "volume", "--opacity", "-2.5" }, "--opacity" },
    { { "--view", "volume", "--opacity", "low:high" }, "--opacity" },
    { { "--view", "volume", "--opacity=nan:1" }, "--opacity" },
    { { "--view", "volume", "--iso", "middle" }, "--iso" },
    { { "--view", "volume", "--iso", "-3", "--mode", "mip" }, "--iso" },
    /* the projections and iso use no opacity: a curve there would be ignored */
    { { "--view", "volume", "--mode", "mip", "--opacity=-2.5:-1" }, "--mode composite" },
    { { "--view", "volume", "--iso", "-2", "--opacity=-2.5:-1" }, "--mode composite" },
    { { "--view", "volume", "--source", "labels" }, "--source" },
    { { "--view", "volume", "--source", "phases" }, "--phase" },
    { { "--view", "volume", "--source", "clusters" }, "--clusters" },
    { { "--view", "volume", "--phase", "P=-3:-1", "--source", "phases", "--opacity=-3:-1" },
      "--opacity" },
    { { "--view", "volume", "--clip", "0:1,0:1" }, "--clip" },
    { { "--view", "volume", "--clip", "0.5:0.2,0:1,0:1" }, "--clip" },
    { { "--view", "volume", "--clip", "0:1.5,0:1,0:1" }, "--clip" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char * const *a = cases[i].args;
      g_auto(Run) run = evox_headless ("render", "--demo", "-o", out, a[0], a[1], a[2], a[3],
                                       a[4], a[5], a[6], a[7], NULL);

      g_test_message ("case %u: %s", i, run.err);
      evox_test_assert_refused (&run, 2, cases[i].says);
    }
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 0);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* ------------------------------------------------------------------------------------------ */
/* evox isosurface                                                                              */

static guint64
iso_parse_uint (const char *text)
{
  char *end = NULL;
  guint64 v = g_ascii_strtoull (text, &end, 10);

  g_assert_true (g_ascii_isdigit (*text) && *end == '\0');
  return v;
}

/* What `evox isosurface` prints: four "key: value" lines, three more for a decimated mesh. */
typedef struct
{
  guint64  triangles;
  guint64  vertices;
  double   area;
  double   volume;
  gboolean open;
  guint64  full_triangles;   /* 0 unless the mesh was decimated */
  double   full_area;
} IsoOutput;

/* Keys in voxels (a volume without a known voxel size) read like those in nm: a voxel edge is
 * then what Evox took as 1 nm, so the numbers are the same. */
static IsoOutput
parse_iso_output (const char *text)
{
  g_autoptr(GString) out = g_string_new (text);
  g_auto(GStrv) lines = NULL;

  g_string_replace (out, "area_px2: ", "area_nm2: ", 0);
  g_string_replace (out, "volume_voxels: ", "volume_nm3: ", 0);
  lines = g_strsplit (out->str, "\n", -1);
  static const char *keys[] = { "triangles: ", "vertices: ", "area_nm2: ", "volume_nm3: " };
  IsoOutput o = { 0 };

  guint n_lines = g_strv_length (lines);

  /* A decimated mesh adds the full surface's triangles, area and volume. */
  g_assert_true (n_lines == 5 || n_lines == 8);
  g_assert_cmpstr (lines[n_lines - 1], ==, "");
  if (n_lines == 8)
    {
      g_assert_true (g_str_has_prefix (lines[4], "full_triangles: "));
      g_assert_true (g_str_has_prefix (lines[5], "full_area_nm2: "));
      g_assert_true (g_str_has_prefix (lines[6], "full_volume_nm3: "));
      o.full_triangles = iso_parse_uint (lines[4] + strlen ("full_triangles: "));
      o.full_area = g_ascii_strtod (lines[5] + strlen ("full_area_nm2: "), NULL);
    }
  for (guint i = 0; i < 4; i++)
    {
      const char *value = lines[i] + strlen (keys[i]);
      char *end = NULL;

      g_assert_true (g_str_has_prefix (lines[i], keys[i]));
      switch (i)
        {
        case 0: o.triangles = iso_parse_uint (value); break;
        case 1: o.vertices = iso_parse_uint (value); break;
        case 2:
          o.area = g_ascii_strtod (value, &end);
          g_assert_true (end != value && *end == '\0');
          break;
        default:
          o.open = g_str_equal (value, "open");
          if (!o.open)
            {
              o.volume = g_ascii_strtod (value, &end);
              g_assert_true (end != value && *end == '\0');
            }
          break;
        }
    }
  return o;
}

/* The printed numbers against the file read back: counts (STL repeats corners, so its vertices
 * are the distinct positions), area and volume summed here from the file's triangles. A closed
 * surface is also a 2-manifold when manifold is TRUE. */
static EvoxTestMesh *
assert_iso_file (const IsoOutput *o,
                 const char      *path,
                 gboolean         manifold)
{
  EvoxTestMesh *file = evox_test_mesh_read (path);
  gboolean stl = g_str_has_suffix (path, ".stl");

  g_assert_cmpuint (file->n_triangles, ==, o->triangles);
  g_assert_cmpuint (stl ? evox_test_mesh_count_positions (file) : file->n_vertices, ==,
                    o->vertices);
  g_assert_cmpfloat_with_epsilon (evox_test_mesh_area (file), o->area, 1e-9 * o->area);
  if (!o->open)
    {
      g_assert_true (evox_test_mesh_is_closed (file));
      if (manifold)
        g_assert_cmpuint (evox_test_mesh_count_non_manifold (file), ==, 0);
      g_assert_cmpfloat_with_epsilon (evox_test_mesh_volume (file), o->volume,
                                      1e-9 * fabs (o->volume) + 1e-9 * o->area);
    }
  return file;
}

/* A ball of radius 30 nm in an f32 distance field with voxels of 2 x 3 x 5 nm: --level 0 in
 * every format gives a closed surface whose area and volume are the sphere's, loosely (the
 * exactness is tested in core). */
static void
test_isosurface_level (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = g_build_filename (dir, "ball.tif", NULL);
  g_auto(TestVolume) v;
  const double radius = 30;
  const char *names[] = { "ball.stl", "ball.ply", "ball.obj", "smooth.ply" };

  test_volume_init (&v, EVOX_SAMPLE_F32, 40, 28, 18);
  for (gsize z = 0; z < v.dims[2]; z++)
    for (gsize y = 0; y < v.dims[1]; y++)
      for (gsize x = 0; x < v.dims[0]; x++)
        {
          double d[3] = { (x - 19.5) * v.spacing[0], (y - 13.5) * v.spacing[1],
                          (z - 8.5) * v.spacing[2] };

          v.values[x + v.dims[0] * (y + v.dims[1] * z)] =
            radius - sqrt (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
        }
  test_volume_write (&v, in);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *out = g_build_filename (dir, names[i], NULL);
      g_autoptr(EvoxTestMesh) file = NULL;
      gboolean smooth = g_str_has_prefix (names[i], "smooth");
      g_auto(Run) run = smooth ? evox ("isosurface", in, "--level", "0", "--smooth", "-o", out,
                                       NULL)
                               : evox ("isosurface", in, "--level", "0", "-o", out, NULL);
      IsoOutput o;

      assert_done (&run);
      o = parse_iso_output (run.out);
      g_test_message ("%s: %" G_GUINT64_FORMAT " triangles, area %g, volume %g", names[i],
                      o.triangles, o.area, o.volume);
      g_assert_false (o.open);
      g_assert_cmpuint (o.triangles, >, 1000);
      file = assert_iso_file (&o, out, TRUE);
      /* Smoothing a convex field moves its level inwards: about 5% of the volume here. */
      g_assert_cmpfloat_with_epsilon (o.area, 4 * G_PI * radius * radius,
                                      (smooth ? 0.1 : 0.02) * 4 * G_PI * radius * radius);
      g_assert_cmpfloat_with_epsilon (o.volume, 4.0 / 3 * G_PI * pow (radius, 3),
                                      (smooth ? 0.1 : 0.02) * 4.0 / 3 * G_PI * pow (radius, 3));
      /* Every vertex near the sphere, in nm. */
      for (gsize k = 0; k < file->n_vertices; k++)
        {
          const float *p = file->positions + 3 * k;
          double r = sqrt (pow (p[0] - 19.5 * v.spacing[0], 2) +
                           pow (p[1] - 13.5 * v.spacing[1], 2) +
                           pow (p[2] - 8.5 * v.spacing[2], 2));

          g_assert_cmpfloat_with_epsilon (r, radius, smooth ? 3 : 1);
        }
    }

  /* A triangle budget is kept. */
  {
    g_autofree char *out = g_build_filename (dir, "budget.ply", NULL);
    g_auto(Run) run = evox ("isosurface", in, "--level", "0", "--max-triangles", "500", "-o", out,
                            NULL);
    IsoOutput o;

    assert_done (&run);
    o = parse_iso_output (run.out);
    g_assert_cmpuint (o.triangles, <=, 500);
    g_assert_cmpuint (o.triangles, >, 0);
    /* The full surface's figures come along: more triangles, about the same area. */
    g_assert_cmpuint (o.full_triangles, >, 500);
    g_assert_cmpfloat (fabs (o.full_area / o.area - 1), <, 0.1);
    evox_test_mesh_free (assert_iso_file (&o, out, TRUE));
  }
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1 + G_N_ELEMENTS (names) + 1);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Three boxes labelled 1, 2 and 3 in a u8 volume: --phase, --label N and --label all. A mask
 * surface runs half way between inside and outside voxel centres, so each surface's bounds are
 * its boxes' voxel bounds widened by half a voxel. */
static void
test_isosurface_labels (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = g_build_filename (dir, "labels.tif", NULL);
  g_auto(TestVolume) v;
  /* Voxel bounds of each box, inclusive: x0 y0 z0 x1 y1 z1. */
  const gsize box[3][6] = {
    { 2, 2, 1, 9, 7, 5 }, { 12, 3, 2, 17, 10, 4 }, { 4, 12, 6, 15, 14, 8 },
  };

  test_volume_init (&v, EVOX_SAMPLE_U8, 20, 16, 10);
  for (guint b = 0; b < 3; b++)
    for (gsize z = box[b][2]; z <= box[b][5]; z++)
      for (gsize y = box[b][1]; y <= box[b][4]; y++)
        for (gsize x = box[b][0]; x <= box[b][3]; x++)
          v.values[x + v.dims[0] * (y + v.dims[1] * z)] = b + 1;
  test_volume_write (&v, in);
  test_volume_reload_spacing (&v, in);

  {
    struct
    {
      const char *option;
      const char *value;
      const char *name;
      guint       boxes;  /* bit b: box b is in the surface */
    } cases[] = {
      { "--phase", "1:2", "phase.stl", 3 },
      { "--phase", "2:3", "phase.obj", 6 },
      { "--label", "2", "two.ply", 2 },
      { "--label", "all", "all.ply", 7 },
      { "--label", "all", "all.obj", 7 },
    };

    for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
      {
        g_autofree char *out = g_build_filename (dir, cases[c].name, NULL);
        g_auto(Run) run = evox ("isosurface", in, cases[c].option, cases[c].value, "-o", out,
                                NULL);
        g_autoptr(EvoxTestMesh) file = NULL;
        double want_volume = 0, lo[3], hi[3];
        guint8 colors[3][4];
        gboolean seen[3] = { FALSE, FALSE, FALSE };
        IsoOutput o;

        g_test_message ("%s %s -o %s", cases[c].option, cases[c].value, cases[c].name);
        assert_done (&run);
        o = parse_iso_output (run.out);
        g_assert_false (o.open);
        file = assert_iso_file (&o, out, TRUE);

        for (guint k = 0; k < 3; k++)
          {
            lo[k] = G_MAXDOUBLE;
            hi[k] = -G_MAXDOUBLE;
          }
        for (guint b = 0; b < 3; b++)
          if (cases[c].boxes & (1u << b))
            {
              double voxels = 1;

              for (guint k = 0; k < 3; k++)
                {
                  lo[k] = MIN (lo[k], (box[b][k] - 0.5) * v.spacing[k]);
                  hi[k] = MAX (hi[k], (box[b][3 + k] + 0.5) * v.spacing[k]);
                  voxels *= box[b][3 + k] - box[b][k] + 1;
                }
              want_volume += voxels * v.spacing[0] * v.spacing[1] * v.spacing[2];
            }
        /* Corners and edges are cut, so a little less than the voxels' volume. */
        g_assert_cmpfloat (o.volume, <, want_volume);
        g_assert_cmpfloat (o.volume, >, 0.8 * want_volume);
        {
          double got_lo[3] = { G_MAXDOUBLE, G_MAXDOUBLE, G_MAXDOUBLE };
          double got_hi[3] = { -G_MAXDOUBLE, -G_MAXDOUBLE, -G_MAXDOUBLE };

          for (gsize i = 0; i < file->n_vertices; i++)
            for (guint k = 0; k < 3; k++)
              {
                got_lo[k] = MIN (got_lo[k], file->positions[3 * i + k]);
                got_hi[k] = MAX (got_hi[k], file->positions[3 * i + k]);
              }
          for (guint k = 0; k < 3; k++)
            {
              g_assert_cmpfloat_with_epsilon (got_lo[k], lo[k], 1e-4);
              g_assert_cmpfloat_with_epsilon (got_hi[k], hi[k], 1e-4);
            }
        }

        /* Colours: one per box, different boxes different with --label all. */
        if (file->colors == NULL)
          continue;
        for (gsize i = 0; i < file->n_vertices; i++)
          {
            const float *p = file->positions + 3 * i;
            guint b;

            for (b = 0; b < 3; b++)
              {
                gboolean inside = TRUE;

                for (guint k = 0; k < 3; k++)
                  inside &= p[k] >= (box[b][k] - 0.5) * v.spacing[k] - 1e-3 &&
                            p[k] <= (box[b][3 + k] + 0.5) * v.spacing[k] + 1e-3;
                if (inside)
                  break;
              }
            g_assert_cmpuint (b, <, 3);
            if (!seen[b])
              memcpy (colors[b], file->colors + 4 * i, 4);
            seen[b] = TRUE;
            g_assert_cmpmem (file->colors + 4 * i, 3, colors[b], 3);
          }
        if (g_str_equal (cases[c].value, "all"))
          {
            g_assert_true (seen[0] && seen[1] && seen[2]);
            g_assert_true (memcmp (colors[0], colors[1], 3) != 0);
            g_assert_true (memcmp (colors[0], colors[2], 3) != 0);
            g_assert_true (memcmp (colors[1], colors[2], 3) != 0);
          }
      }
  }

  /* --color paints a one-colour surface. */
  {
    g_autofree char *out = g_build_filename (dir, "red.ply", NULL);
    g_auto(Run) run = evox ("isosurface", in, "--label", "3", "--color", "#ff0080", "-o", out,
                            NULL);
    g_autoptr(EvoxTestMesh) file = NULL;
    const guint8 want[4] = { 255, 0, 128, 255 };

    assert_done (&run);
    file = evox_test_mesh_read (out);
    g_assert_cmpuint (file->n_vertices, >, 0);
    for (gsize i = 0; i < file->n_vertices; i++)
      g_assert_cmpmem (file->colors + 4 * i, 4, want, 4);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Bad input and bad usage: one line on stderr naming the file or option, a non-zero status,
 * nothing on stdout and no file written. */
static void
test_isosurface_bad_input (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = g_build_filename (dir, "in.tif", NULL);
  g_autofree char *cut = g_build_filename (dir, "cut.tif", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.tif", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *stl = g_build_filename (out, "s.stl", NULL);
  g_autofree char *ply = g_build_filename (out, "s.ply", NULL);
  g_autofree char *xyz = g_build_filename (out, "s.xyz", NULL);
  g_autofree char *nowhere = g_build_filename (dir, "no-such-folder", "s.ply", NULL);
  g_auto(TestVolume) v;
  struct
  {
    int         status;
    const char *named;
    const char *file;
    const char *out;
    const char *args[6];
  } cases[] = {
    { 1, "missing.tif", NULL, NULL, { "--level", "1" } },
    { 1, "cut.tif", NULL, NULL, { "--level", "1" } },
    { 2, "5:2", NULL, NULL, { "--phase", "5:2" } },
    { 2, "1:2:3", NULL, NULL, { "--phase", "1:2:3" } },
    { 2, "x", NULL, NULL, { "--phase", "x:3" } },
    { 2, "3.2:3.7", NULL, NULL, { "--phase", "3.2:3.7" } },  /* no u8 value inside */
    { 2, "3.5", NULL, NULL, { "--label", "3.5" } },
    { 2, "-1", NULL, NULL, { "--label", "-1" } },
    { 2, "--label", NULL, NULL, { "--label", "0" } },
    { 2, "99", NULL, NULL, { "--label", "99" } },             /* no such particle */
    { 2, "nan", NULL, NULL, { "--level", "nan" } },
    { 2, "inf", NULL, NULL, { "--level", "inf" } },
    { 2, "s.xyz", NULL, "xyz", { "--level", "1" } },
    { 2, "--level", NULL, NULL, { NULL } },                   /* no surface */
    { 2, "--label", NULL, NULL, { "--level", "1", "--label", "2" } },
    { 2, "-o", NULL, "none", { "--level", "1" } },
    { 2, "--color", NULL, NULL, { "--level", "1", "--color", "red" } },
    { 2, "--color", NULL, "stl", { "--level", "1", "--color", "#ff0000" } },
    { 2, "--color", NULL, NULL, { "--label", "all", "--color", "#ff0000" } },
    { 2, "--max-triangles", NULL, NULL, { "--level", "1", "--max-triangles", "-5" } },
    { 2, "--max-triangles", NULL, NULL, { "--level", "1", "--max-triangles", "many" } },
    { 2, "--max-triangles", NULL, NULL, { "--level", "1", "--max-triangles", "3" } },
    { 2, "'7'", NULL, NULL, { "--level", "1", "--channel", "7" } },
    { 1, "no-such-folder", NULL, "nowhere", { "--level", "1" } },
  };

  test_volume_init (&v, EVOX_SAMPLE_U8, 8, 7, 6);
  for (gsize i = 0; i < test_volume_n (&v); i++)
    v.values[i] = i % 3;
  test_volume_write (&v, in);
  {
    g_autofree char *contents = NULL;
    gsize length;

    g_assert_true (g_file_get_contents (in, &contents, &length, NULL));
    g_assert_true (g_file_set_contents (cut, contents, length / 2, NULL));
  }
  g_assert_cmpint (g_mkdir (out, 0755), ==, 0);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GPtrArray) args = g_ptr_array_new ();
      g_auto(Run) run = { 0 };
      const char *o = cases[c].out;

      g_ptr_array_add (args, (char *) g_getenv ("EVOX"));
      g_ptr_array_add (args, "isosurface");
      g_ptr_array_add (args, g_str_equal (cases[c].named, "missing.tif") ? missing
                             : g_str_equal (cases[c].named, "cut.tif") ? cut : in);
      for (guint a = 0; a < G_N_ELEMENTS (cases[c].args) && cases[c].args[a] != NULL; a++)
        g_ptr_array_add (args, (char *) cases[c].args[a]);
      if (o == NULL || !g_str_equal (o, "none"))
        {
          g_ptr_array_add (args, "-o");
          g_ptr_array_add (args, o == NULL ? ply : g_str_equal (o, "xyz") ? xyz
                                 : g_str_equal (o, "stl") ? stl : nowhere);
        }
      g_ptr_array_add (args, NULL);
      run = evox_test_spawn ((const char * const *) args->pdata, NULL, NULL);
      g_test_message ("case %u (%s): %s", c, cases[c].named, run.err);
      evox_test_assert_refused (&run, cases[c].status, cases[c].named);
      g_assert_cmpuint (evox_test_count_entries (out), ==, 0);
    }

  /* An existing output is kept without --force and replaced with it. */
  g_assert_true (g_file_set_contents (ply, "precious", -1, NULL));
  {
    g_auto(Run) run = evox ("isosurface", in, "--level", "1", "-o", ply, NULL);
    g_autofree char *kept = NULL;

    assert_input_error (&run, "s.ply");
    g_assert_nonnull (strstr (run.err, "--force"));
    g_assert_true (g_file_get_contents (ply, &kept, NULL, NULL));
    g_assert_cmpstr (kept, ==, "precious");
    g_assert_cmpuint (evox_test_count_entries (out), ==, 1);
  }
  {
    g_auto(Run) run = evox ("isosurface", in, "--level", "1", "-o", ply, "--force", NULL);
    IsoOutput o;

    assert_done (&run);
    o = parse_iso_output (run.out);
    evox_test_mesh_free (assert_iso_file (&o, ply, FALSE));
    g_assert_cmpuint (evox_test_count_entries (out), ==, 1);
  }
  /* The input is no output. */
  {
    g_autofree char *copy = g_build_filename (out, "copy.obj", NULL);
    g_autofree char *contents = NULL;
    gsize length;

    g_assert_true (g_file_get_contents (in, &contents, &length, NULL));
    g_assert_true (g_file_set_contents (copy, contents, length, NULL));
    {
      g_auto(Run) run = evox ("isosurface", copy, "--level", "1", "-o", copy, "--force", NULL);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_nonnull (strstr (run.err, "copy.obj"));
    }
    g_assert_true (g_file_get_contents (copy, &contents, NULL, NULL));
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

typedef struct
{
  int      master;
  GString *text;
} PtyReader;

static gpointer
pty_read (gpointer data)
{
  PtyReader *reader = data;
  char buffer[4096];
  gssize n;

  /* Until every slave end is closed: EIO on Linux, 0 elsewhere. */
  while ((n = read (reader->master, buffer, sizeof buffer)) > 0)
    g_string_append_len (reader->text, buffer, n);
  return NULL;
}

/* The slave end the child's stderr becomes (spawn setups get no data). */
static int pty_slave = -1;

static void
stderr_to_pty (gpointer user_data)
{
  dup2 (pty_slave, STDERR_FILENO);
}

static Run
evox_with_setup (GSpawnChildSetupFunc  setup,
                 const char           *first,
                 ...)
{
  va_list ap;
  Run run;

  va_start (ap, first);
  run = evox_test_run_evox_va (NULL, setup, NULL, first, ap);
  va_end (ap);
  return run;
}

/* On a terminal `evox isosurface` shows its progress on stderr, as the window's row does: the
 * stage and its percentage, redrawn in place every 0.2 s (\r, erase line), then erased; stdout
 * holds the figures as off a terminal. The child's stderr is a pseudo-terminal, read by a
 * thread so that the child never waits on a full buffer. The smoothed binder of
 * electrode.tiff within 100,000 triangles (over a second on these machines: several lines;
 * a faster one may show fewer, so every line is checked, and the final erase always). */
static void
test_isosurface_progress (void)
{
  g_autofree char *tomo = evox_test_data_path ("tomo/electrode.tiff");
  g_autofree char *dir = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) redraws = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  PtyReader reader;
  GThread *thread;
  int master, slave;
  guint n_lines = 0;

  if (tomo == NULL)
    return;
  master = posix_openpt (O_RDWR | O_NOCTTY);
  g_assert_cmpint (master, >=, 0);
  g_assert_cmpint (grantpt (master), ==, 0);
  g_assert_cmpint (unlockpt (master), ==, 0);
  slave = open (ptsname (master), O_RDWR | O_NOCTTY);
  g_assert_cmpint (slave, >=, 0);
  pty_slave = slave;
  reader = (PtyReader) { master, text };
  thread = g_thread_new ("pty", pty_read, &reader);
  dir = evox_test_tmpdir_new ();
  out = g_build_filename (dir, "cbd.ply", NULL);
  {
    g_auto(Run) run = evox_with_setup (stderr_to_pty, "isosurface", tomo, "--phase", "170:170",
                                       "--smooth", "--max-triangles", "100000", "-o", out,
                                       NULL);
    IsoOutput o;

    close (slave);
    g_thread_join (thread);
    close (master);
    assert_done (&run);
    o = parse_iso_output (run.out);
    g_assert_cmpuint (o.triangles, <=, 100000);
    g_assert_cmpuint (o.full_triangles, >, 100000);
  }

  /* "\r\033[K" before every redraw and at the end, nothing else. */
  g_assert_true (g_str_has_suffix (text->str, "\r\033[K"));
  redraws = g_strsplit (text->str, "\r\033[K", -1);
  for (guint i = 0; redraws[i] != NULL; i++)
    {
      g_autoptr(GRegex) line = g_regex_new ("^[A-Z][a-z ]+ +[0-9]{1,3}%$", 0, 0, NULL);

      if (redraws[i][0] == '\0')
        continue;
      g_assert_true (g_regex_match (line, redraws[i], 0, NULL));
      n_lines++;
    }
  g_test_message ("%u progress lines, the last: %s", n_lines,
                  n_lines > 0 ? redraws[g_strv_length (redraws) - 2] : "none");
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* electrode.tiff: the carbon-binder phase (170) gives a closed surface. */
static void
test_isosurface_real (void)
{
  g_autofree char *tomo = evox_test_data_path ("tomo/electrode.tiff");
  g_autofree char *dir = NULL;
  g_autofree char *out = NULL;
  g_autoptr(EvoxTestMesh) file = NULL;
  IsoOutput o;

  if (tomo == NULL)
    return;
  dir = evox_test_tmpdir_new ();
  out = g_build_filename (dir, "cbd.ply", NULL);
  {
    g_auto(Run) run = evox ("isosurface", tomo, "--phase", "170:170", "-o", out, NULL);

    assert_done (&run);
    o = parse_iso_output (run.out);
  }
  g_test_message ("electrode.tiff 170: %" G_GUINT64_FORMAT " triangles, %" G_GUINT64_FORMAT
                  " vertices", o.triangles, o.vertices);
  g_assert_false (o.open);
  g_assert_cmpuint (o.triangles, >, 0);
  /* A binary mask has many ambiguous voxel faces: both cubes beside one must split it alike. */
  file = assert_iso_file (&o, out, TRUE);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* `evox info --json` succeeded with a known voxel size of x, y, z nm. */
static void
assert_info_spacing (Run    *run,
                     double  x,
                     double  y,
                     double  z)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *info;
  JsonArray *spacing;

  g_assert_cmpint (run->status, ==, 0);
  info = parse_json (run->out, &parser);
  g_assert_true (json_object_get_boolean_member (info, "spacing_known"));
  spacing = json_object_get_array_member (info, "spacing_nm");
  g_assert_cmpfloat (json_array_get_double_element (spacing, 0), ==, x);
  g_assert_cmpfloat (json_array_get_double_element (spacing, 1), ==, y);
  g_assert_cmpfloat (json_array_get_double_element (spacing, 2), ==, z);
}

/* --voxel-size on every reading command; SSRM options that a volume does not use are refused. */
static void
test_voxel_size (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tif = g_build_filename (dir, "plain.tif", NULL);
  g_autofree char *a19 = evox_test_data_path ("ssrm/A19_GrSi_Anode_1x1.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (4, 3, 2, 1, EVOX_SAMPLE_U8, &error);

  g_assert_no_error (error);
  /* Never given a spacing: written with unit=pixel, read back as not known. */
  g_assert_true (evox_tiff_write (volume, -1, tif, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  {
    g_auto(Run) run = evox ("info", "--json", tif, NULL);
    g_autoptr(JsonParser) parser = NULL;
    JsonObject *info;

    g_assert_cmpint (run.status, ==, 0);
    info = parse_json (run.out, &parser);
    g_assert_false (json_object_get_boolean_member (info, "spacing_known"));
  }
  {
    g_auto(Run) run = evox ("info", tif, NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "not known"));
  }
  {
    g_auto(Run) run = evox ("info", "--json", "--voxel-size", "0.5,0.5,2um", tif, NULL);

    assert_info_spacing (&run, 500, 500, 2000);
  }
  {
    g_auto(Run) run = evox ("info", "--json", "--voxel-size", "3", tif, NULL);

    assert_info_spacing (&run, 3, 3, 3);
  }
  {
    /* An SSRM option on a TIFF used to be ignored with status 0. */
    const char *refused[][3] = {
      { "--pixel-size", "5", NULL },
      { "--dz", "5", NULL },
      { "--value", "R0:Z0", NULL },
      { "--voxel-size", "5ft", NULL },
      { "--voxel-size", "1,2", NULL },
      { "--voxel-size", "-1", NULL },
      { "--voxel-size", "1e10mm", NULL },
    };

    for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
      {
        g_auto(Run) run = evox ("info", refused[i][0], refused[i][1], tif, NULL);
        g_test_message ("case %u: %s", i, run.err);
        g_assert_cmpint (run.status, ==, 2);
        g_assert_cmpstr (run.out, ==, "");
        g_assert_nonnull (strstr (run.err, refused[i][0]));
        g_assert_true (strchr (run.err, '\n') == run.err + strlen (run.err) - 1);
        /* A bad --voxel-size names the command as its other usage errors do (it said "evox:"). */
        if (g_str_equal (refused[i][0], "--voxel-size"))
          g_assert_true (g_str_has_prefix (run.err, "evox info: --voxel-size: "));
      }
  }
  {
    g_auto(Run) run = evox ("histogram", "--demo", "--x", "X", NULL);
    g_assert_cmpint (run.status, ==, 2);
  }
  {
    /* The demo takes a pixel size too, instead of ignoring it. */
    g_auto(Run) run = evox ("info", "--json", "--demo", "--pixel-size", "5", NULL);

    assert_info_spacing (&run, 5, 5, 10);
  }
  {
    /* Printed figures follow: voxels without a size, nm with one. */
    g_autofree char *stl = g_build_filename (dir, "level.stl", NULL);
    g_auto(Run) bare = evox ("isosurface", tif, "--level", "0", "-o", stl, NULL);
    g_auto(Run) sized = evox ("isosurface", "--voxel-size", "2", tif, "--level", "0", "-o", stl,
                              "--force", NULL);

    IsoOutput in_voxels, in_nm;

    g_assert_cmpint (bare.status, ==, 0);
    g_assert_nonnull (strstr (bare.out, "\narea_px2: "));
    g_assert_nonnull (strstr (bare.out, "\nvolume_voxels: "));
    g_assert_null (strstr (bare.out, "nm"));
    g_assert_cmpint (sized.status, ==, 0);
    g_assert_nonnull (strstr (sized.out, "\nvolume_nm3: "));
    /* The box between the voxel centres of 4 x 3 x 2 voxels: 3 x 2 x 1 voxels, 22 px^2; with
     * 2 nm voxels 48 nm^3 and 88 nm^2. */
    in_voxels = parse_iso_output (bare.out);
    in_nm = parse_iso_output (sized.out);
    g_assert_cmpfloat_with_epsilon (in_voxels.volume, 6, 1e-9);
    g_assert_cmpfloat_with_epsilon (in_voxels.area, 22, 1e-9);
    g_assert_cmpfloat_with_epsilon (in_nm.volume, 48, 1e-9);
    g_assert_cmpfloat_with_epsilon (in_nm.area, 88, 1e-9);
  }
  {
    /* So does the mesh file: its header names px (voxel steps) without a size, nm with one,
     * and its enclosed volume reads the same numbers as the printed figures. */
    g_autofree char *ply = g_build_filename (dir, "level.ply", NULL);
    g_autofree char *obj = g_build_filename (dir, "level.obj", NULL);
    g_auto(Run) bare = evox ("isosurface", tif, "--level", "0", "-o", ply, NULL);
    g_auto(Run) sized = evox ("isosurface", "--voxel-size", "2", tif, "--level", "0", "-o", obj,
                              NULL);
    g_autoptr(EvoxTestMesh) in_voxels = NULL;
    g_autoptr(EvoxTestMesh) in_nm = NULL;

    g_assert_cmpint (bare.status, ==, 0);
    g_assert_cmpint (sized.status, ==, 0);
    in_voxels = evox_test_mesh_read (ply);
    in_nm = evox_test_mesh_read (obj);
    g_assert_nonnull (strstr (in_voxels->comments, "unit px (voxel steps"));
    g_assert_null (strstr (in_voxels->comments, "nm"));
    g_assert_nonnull (strstr (in_nm->comments, "unit nm"));
    g_assert_cmpfloat_with_epsilon (fabs (evox_test_mesh_volume (in_voxels)), 6, 1e-6);
    g_assert_cmpfloat_with_epsilon (fabs (evox_test_mesh_volume (in_nm)), 48, 1e-5);
  }
  if (a19 != NULL)
    {
      {
        /* Without its pixel size an SSRM table's lateral size is not known... */
        g_auto(Run) run = evox ("info", "--json", a19, NULL);
        g_autoptr(JsonParser) parser = NULL;

        g_assert_cmpint (run.status, ==, 0);
        g_assert_false (json_object_get_boolean_member (parse_json (run.out, &parser),
                                                        "spacing_known"));
      }
      {
        /* ...--voxel-size gives it, and the layer step stays --dz. */
        g_auto(Run) run = evox ("info", "--json", "--voxel-size", "7.8125", a19, NULL);

        assert_info_spacing (&run, 7.8125, 7.8125, 10);
      }
      {
        /* --dz alone leaves the pixel size unknown; --pixel-size states it. */
        g_auto(Run) bare = evox ("info", "--json", "--dz", "10", a19, NULL);
        g_auto(Run) sized = evox ("info", "--json", "--pixel-size", "7.8125", a19, NULL);
        g_autoptr(JsonParser) bare_parser = NULL;
        g_autoptr(JsonParser) sized_parser = NULL;

        g_assert_cmpint (bare.status, ==, 0);
        g_assert_false (json_object_get_boolean_member (parse_json (bare.out, &bare_parser),
                                                        "spacing_known"));
        g_assert_cmpint (sized.status, ==, 0);
        g_assert_true (json_object_get_boolean_member (parse_json (sized.out, &sized_parser),
                                                       "spacing_known"));
      }
      {
        g_auto(Run) run = evox ("info", "--voxel-size", "7.8125", "--pixel-size", "7.8125", a19,
                                NULL);
        g_assert_cmpint (run.status, ==, 2);
      }
      {
        g_auto(Run) run = evox ("info", "--voxel-size", "7.8,7.8,5", a19, NULL);
        g_assert_cmpint (run.status, ==, 2);
      }
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A file whose channels mean different things (log10 resistance, then cluster ids) shows each
 * channel's meaning in channel_info, channel 0's at the top level, and per channel in text. */
static void
test_info_channel_values (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "two.tif", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (2, 2, 2, 2, EVOX_SAMPLE_F32, &error);
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *info, *first, *second;
  JsonArray *channels;

  g_assert_no_error (error);
  for (guint c = 0; c < 2; c++)
    {
      float *values = evox_volume_get_data_mut (volume, c);

      for (guint i = 0; i < 8; i++)
        values[i] = c == 0 ? -5.0f + 0.5f * (float) i : (float) (1 + i % 2);
    }
  evox_volume_set_channel_info (volume, 0, "R", NAN);
  evox_volume_set_channel_info (volume, 1, "Clusters", NAN);
  evox_volume_set_channel_values (volume, 0, EVOX_SCALE_LOG10, "resistance", "ohm");
  evox_volume_set_channel_values (volume, 1, EVOX_SCALE_LINEAR, "cluster", NULL);
  evox_volume_freeze (volume);
  g_assert_true (evox_tiff_write (volume, -1, path, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);

  {
    g_auto(Run) run = evox ("info", "--json", path, NULL);

    g_assert_cmpint (run.status, ==, 0);
    info = parse_json (run.out, &parser);
    g_assert_cmpstr (json_object_get_string_member (info, "value_scale"), ==, "log10");
    g_assert_cmpstr (json_object_get_string_member (info, "quantity"), ==, "resistance");
    g_assert_cmpstr (json_object_get_string_member (info, "unit"), ==, "ohm");
    channels = json_object_get_array_member (info, "channel_info");
    g_assert_cmpuint (json_array_get_length (channels), ==, 2);
    first = json_array_get_object_element (channels, 0);
    second = json_array_get_object_element (channels, 1);
    g_assert_cmpstr (json_object_get_string_member (first, "label"), ==, "R");
    g_assert_cmpstr (json_object_get_string_member (first, "value_scale"), ==, "log10");
    g_assert_cmpstr (json_object_get_string_member (first, "quantity"), ==, "resistance");
    g_assert_cmpstr (json_object_get_string_member (first, "unit"), ==, "ohm");
    g_assert_cmpstr (json_object_get_string_member (second, "label"), ==, "Clusters");
    g_assert_cmpstr (json_object_get_string_member (second, "value_scale"), ==, "linear");
    g_assert_cmpstr (json_object_get_string_member (second, "quantity"), ==, "cluster");
    g_assert_cmpstr (json_object_get_string_member (second, "unit"), ==, "");
    g_assert_cmpfloat (json_object_get_double_member (second, "min"), ==, 1);
    g_assert_cmpfloat (json_object_get_double_member (second, "max"), ==, 2);
  }
  {
    g_auto(Run) text = evox ("info", path, NULL);

    g_assert_cmpint (text.status, ==, 0);
    g_assert_nonnull (strstr (text.out, "values       f32, per channel:\n"));
    g_assert_nonnull (strstr (text.out, "  R          log10 of resistance in ohm\n"));
    g_assert_nonnull (strstr (text.out, "  Clusters   cluster\n"));
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Cli/info-demo", test_info_demo);
  g_test_add_func ("/Evox/Cli/info-real", test_info_real);
  g_test_add_func ("/Evox/Cli/info-channel-values", test_info_channel_values);
  g_test_add_func ("/Evox/Cli/histogram", test_histogram);
  g_test_add_func ("/Evox/Cli/histogram-measured", test_histogram_measured);
  g_test_add_func ("/Evox/Cli/convert", test_convert);
  g_test_add_func ("/Evox/Cli/convert-physics", test_convert_physics);
  g_test_add_func ("/Evox/Cli/voxel-size", test_voxel_size);
  g_test_add_func ("/Evox/Cli/bad-input", test_bad_input);
  g_test_add_func ("/Evox/Cli/bad-usage", test_bad_usage);
  g_test_add_func ("/Evox/Cli/unknown-command", test_unknown_command);
  g_test_add_func ("/Evox/Cli/render/png-tiff", test_render_png_tiff);
  g_test_add_func ("/Evox/Cli/render/transparent", test_render_transparent);
  g_test_add_func ("/Evox/Cli/render/views", test_render_views);
  g_test_add_func ("/Evox/Cli/render/options", test_render_options);
  g_test_add_func ("/Evox/Cli/render/ruler", test_render_ruler);
  g_test_add_func ("/Evox/Cli/viewer-view-options", test_viewer_view_options);
  g_test_add_func ("/Evox/Cli/render/overwrite", test_render_overwrite);
  g_test_add_func ("/Evox/Cli/render/bad-usage", test_render_bad_usage);
  g_test_add_func ("/Evox/Cli/render/bad-input", test_render_bad_input);
  g_test_add_func ("/Evox/Cli/render/overlays", test_render_overlays);
  g_test_add_func ("/Evox/Cli/render/overlays-bad", test_render_overlays_bad);
  g_test_add_func ("/Evox/Cli/render/overlays-real", test_render_overlays_real);
  g_test_add_func ("/Evox/Cli/render/real", test_render_real);
  g_test_add_func ("/Evox/Cli/render/phases", test_render_phases);
  g_test_add_func ("/Evox/Cli/render/clusters", test_render_clusters);
  g_test_add_func ("/Evox/Cli/render/cluster-curves", test_render_cluster_curves);
  g_test_add_func ("/Evox/Cli/render/phase-opacity", test_render_phase_opacity);
  g_test_add_func ("/Evox/Cli/render/volume-modes", test_render_volume_modes);
  g_test_add_func ("/Evox/Cli/render/volume-options", test_render_volume_options);
  g_test_add_func ("/Evox/Cli/render/volume-demo", test_render_volume_demo);
  g_test_add_func ("/Evox/Cli/render/volume-bad-usage", test_render_volume_bad_usage);
  g_test_add_func ("/Evox/Cli/segment/fractions-u8", test_segment_fractions_u8);
  g_test_add_func ("/Evox/Cli/segment/fractions-f32", test_segment_fractions_f32);
  g_test_add_func ("/Evox/Cli/segment/fractions-log", test_segment_fractions_log);
  g_test_add_func ("/Evox/Cli/segment/split", test_segment_split);
  g_test_add_func ("/Evox/Cli/segment/summary", test_segment_summary);
  g_test_add_func ("/Evox/Cli/segment/basis-a19", test_segment_basis_a19);
  g_test_add_func ("/Evox/Cli/segment/particles", test_segment_particles);
  g_test_add_func ("/Evox/Cli/segment/mask", test_segment_mask);
  g_test_add_func ("/Evox/Cli/segment/auto", test_segment_auto);
  g_test_add_func ("/Evox/Cli/segment/auto-basis", test_segment_auto_basis);
  g_test_add_func ("/Evox/Cli/segment/label-bits", test_segment_label_bits);
  g_test_add_func ("/Evox/Cli/segment/bad-input", test_segment_bad_input);
  g_test_add_func ("/Evox/Cli/segment/rollback", test_segment_rollback);
  g_test_add_func ("/Evox/Cli/segment/real", test_segment_real);
  g_test_add_func ("/Evox/Cli/isosurface/level", test_isosurface_level);
  g_test_add_func ("/Evox/Cli/isosurface/labels", test_isosurface_labels);
  g_test_add_func ("/Evox/Cli/isosurface/bad-input", test_isosurface_bad_input);
  g_test_add_func ("/Evox/Cli/isosurface/real", test_isosurface_real);
  g_test_add_func ("/Evox/Cli/isosurface/progress", test_isosurface_progress);
  return g_test_run ();
}
