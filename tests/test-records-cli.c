/* test-records-cli.c: `--session` of register, xanes, elements, metrics and render (the
 * session's versioned records) and `evox apply` running them again: the files and numbers of
 * the direct commands, the summary's columns, the methods text naming every parameter. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "evox-document.h"
#include "evox-elements.h"
#include "evox-hdf5.h"
#include "evox-loader.h"
#include "evox-register.h"
#include "evox-session.h"
#include "evox-xanes.h"
#include "evox-tiff.h"
#include "evox-test-util.h"

typedef EvoxTestRun Run;
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, evox_test_run_clear)

/* The metrics volume: 12 x 10 x 9 u8, 1 (the pores) with probability 0.6, 2 (the solid) 0.2,
 * else 0, so the pores percolate along every axis. */
#define MX 12
#define MY 10
#define MZ 9

/* The XANES stack: 8 x 8 pixels, a Ni K edge (arctan at E0, a white line above) on every
 * pixel but the first column. */
#define SX 8
#define SY 8
#define N_ENERGIES 24

#define evox(...) evox_test_run_evox (__VA_ARGS__)

#define assert_ok(run) evox_test_assert_ok (run)

/* Both files read as volumes with the same dimensions, channels (labels, energies) and the
 * same bytes in every channel: HDF5 files differ in their headers' times. */
static void
assert_same_volume (const char *a,
                    const char *b)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) va = evox_volume_load (a, NULL, NULL, NULL, &error);
  g_autoptr (EvoxVolume) vb = evox_volume_load (b, NULL, NULL, NULL, &error);
  gsize da[3], db[3], bytes;

  g_assert_no_error (error);
  evox_volume_get_dims (va, da);
  evox_volume_get_dims (vb, db);
  g_assert_cmpmem (da, sizeof da, db, sizeof db);
  g_assert_cmpuint (evox_volume_get_n_channels (va), ==, evox_volume_get_n_channels (vb));
  g_assert_cmpint (evox_volume_get_sample_type (va), ==, evox_volume_get_sample_type (vb));
  bytes = evox_volume_get_n_voxels (va) *
          (evox_volume_get_sample_type (va) == EVOX_SAMPLE_U8 ? 1 :
           evox_volume_get_sample_type (va) == EVOX_SAMPLE_U16 ? 2 : 4);
  for (guint c = 0; c < evox_volume_get_n_channels (va); c++)
    {
      g_assert_cmpstr (evox_volume_get_channel_label (va, c), ==,
                       evox_volume_get_channel_label (vb, c));
      g_assert_cmpmem (evox_volume_get_data (va, c), bytes, evox_volume_get_data (vb, c), bytes);
    }
}

/* The root's member key (an object), from the session at path. */
static JsonObject *
load_record (const char *path,
             const char *key,
             JsonParser *parser)
{
  g_autoptr (GError) error = NULL;
  JsonObject *root;
  JsonNode *node;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  node = json_object_get_member (root, key);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "version"), ==, 1);
  return json_node_get_object (node);
}

/* The summary's column named name, in row r (1: the first sample). */
static const char *
summary_value (GPtrArray  *rows,
               guint       r,
               const char *name)
{
  char **header = rows->pdata[0];

  for (guint c = 0; header[c] != NULL; c++)
    if (g_str_equal (header[c], name))
      {
        g_assert_cmpuint (c, <, g_strv_length (rows->pdata[r]));
        return ((char **) rows->pdata[r])[c];
      }
  g_error ("no column '%s' in the summary", name);
  return NULL;
}

/* value of the metric row (metric, phase, axis) of a metrics CSV, as written. */
static const char *
csv_metric (GPtrArray  *rows,
            const char *metric,
            const char *axis)
{
  for (guint r = 1; r < rows->len; r++)
    {
      char **row = rows->pdata[r];

      if (g_str_equal (row[0], metric) && g_str_equal (row[2], axis))
        return row[3];
    }
  g_error ("no row %s %s", metric, axis);
  return NULL;
}

static guint8
metrics_value (gsize i)
{
  guint64 state = 1000 + i;
  double u = evox_test_uniform (&state);

  return u < 0.6 ? 1 : u < 0.8 ? 2 : 0;
}

static char *
write_metrics_volume (const char *dir,
                      const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = evox_volume_new (MX, MY, MZ, 1, EVOX_SAMPLE_U8, &error);
  guint8 *values = evox_volume_get_data_mut (volume, 0);
  char *path = g_build_filename (dir, name, NULL);

  g_assert_no_error (error);
  for (gsize i = 0; i < (gsize) MX * MY * MZ; i++)
    values[i] = metrics_value (i);
  evox_volume_freeze (volume);
  g_assert_true (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  return path;
}

static void
test_metrics (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *a = write_metrics_volume (dir, "a.tif");
  g_autofree char *b = write_metrics_volume (dir, "b.tif");
  g_autofree char *direct = g_build_filename (dir, "direct.csv", NULL);
  g_autofree char *session = g_build_filename (dir, "m.evox", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *summary_path = g_build_filename (out, "summary.csv", NULL);
  g_autofree char *methods = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GPtrArray) direct_rows = NULL;
  g_autofree char *porosity = NULL;
  JsonObject *record;
  JsonArray *array;
  guint64 pores = 0;

  {
    g_auto (Run) run = evox ("metrics", a, "--voxel-size", "2nm", "--phase", "p=1:1",
                             "--tortuosity", "z,x", "--tolerance", "1e-8", "--percolation",
                             "--connectivity", "18", "--surface", "q=2:2", "--surface-method",
                             "crofton,mesh", "--sizes", "--csv", direct, "--session", session,
                             NULL);
    assert_ok (&run);
  }
  /* The record: every parameter, as numbers and names. */
  record = load_record (session, "metrics", parser);
  array = json_object_get_array_member (record, "phase");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 0),
                                                  "name"), ==, "p");
  array = json_object_get_array_member (json_array_get_object_element (array, 0), "range");
  g_assert_cmpfloat (json_array_get_double_element (array, 0), ==, 1.0);
  g_assert_cmpfloat (json_array_get_double_element (array, 1), ==, 1.0);
  array = json_object_get_array_member (record, "tortuosity");
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (array, 0), ==, "x");
  g_assert_cmpstr (json_array_get_string_element (array, 1), ==, "z");
  g_assert_cmpfloat (json_object_get_double_member (record, "tolerance"), ==, 1e-8);
  g_assert_cmpstr (json_object_get_string_member (record, "solver"), ==, "cg-multigrid");
  g_assert_true (json_object_get_boolean_member (record, "percolation"));
  g_assert_cmpint (json_object_get_int_member (record, "connectivity"), ==, 18);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (record, "surface"), 0), "name"), ==, "q");
  array = json_object_get_array_member (record, "surface-method");
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (array, 0), ==, "crofton");
  g_assert_cmpstr (json_array_get_string_element (array, 1), ==, "mesh");
  g_assert_cmpstr (json_object_get_string_member (record, "thickness"), ==, "sizes");
  g_assert_false (json_object_get_boolean_member (record, "fields"));

  {
    g_auto (Run) run = evox ("apply", session, a, b, "--outdir", out, "--jobs", "2", NULL);
    g_autofree char *a_csv = g_build_filename (out, "a", "metrics.csv", NULL);
    g_autofree char *b_csv = g_build_filename (out, "b", "metrics.csv", NULL);
    g_autofree char *own = g_build_filename (out, "b", "metrics.evox", NULL);

    assert_ok (&run);
    evox_test_assert_same_file (direct, a_csv);
    evox_test_assert_same_file (direct, b_csv);
    g_assert_true (g_file_test (own, G_FILE_TEST_IS_REGULAR));
  }

  /* The summary: the direct command's numbers, and the porosity counted here. */
  for (gsize i = 0; i < (gsize) MX * MY * MZ; i++)
    pores += metrics_value (i) == 1;
  porosity = g_strdup_printf ("%.9g", (double) pores / (MX * MY * MZ));
  rows = evox_test_csv_read (summary_path);
  direct_rows = evox_test_csv_read (direct);
  g_assert_cmpuint (rows->len, ==, 3);
  for (guint r = 1; r <= 2; r++)
    {
      g_assert_cmpstr (summary_value (rows, r, "status"), ==, "ok");
      g_assert_cmpstr (summary_value (rows, r, "metrics porosity p"), ==, porosity);
      g_assert_cmpstr (summary_value (rows, r, "metrics tortuosity_factor p z"), ==,
                       csv_metric (direct_rows, "tortuosity_factor", "z"));
      g_assert_cmpstr (summary_value (rows, r, "metrics tortuosity_factor p x"), ==,
                       csv_metric (direct_rows, "tortuosity_factor", "x"));
      g_assert_cmpstr (summary_value (rows, r, "metrics percolating_fraction p y"), ==,
                       csv_metric (direct_rows, "percolating_fraction", "y"));
      g_assert_cmpstr (summary_value (rows, r, "metrics specific_surface_area p"), ==,
                       csv_metric (direct_rows, "specific_surface_area", ""));
      g_assert_cmpstr (summary_value (rows, r, "metrics specific_surface_area_mesh p"), ==,
                       csv_metric (direct_rows, "specific_surface_area_mesh", ""));
      g_assert_cmpstr (summary_value (rows, r, "metrics thickness_mean not p"), !=, "");
    }
  g_assert_cmpstr (csv_metric (direct_rows, "porosity", ""), ==, porosity);

  /* The methods text names every parameter the record carries. */
  {
    g_auto (Run) run = evox ("methods", session, NULL);

    assert_ok (&run);
    methods = g_strdup (run.out);
  }
  g_assert_nonnull (strstr (methods, "Electrode metrics. The phase \"p\" [1, 1] (stored values of "
                                     "channel 0)"));
  g_assert_nonnull (strstr (methods, "tortuosity factor (TauFactor's tau = porosity / (D_eff / "
                                     "D)) along x, z by steady-state diffusion, solved by "
                                     "conjugate gradients preconditioned with a multigrid "
                                     "V-cycle to a relative residual of 1e-08"));
  g_assert_nonnull (strstr (methods, "with 18-connectivity"));
  g_assert_nonnull (strstr (methods, "interface with \"q\" [2, 2] (Crofton estimate, 13 "
                                     "directions; and the area of the smoothed phase "
                                     "surfaces)"));
  g_assert_nonnull (strstr (methods, "local thickness"));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A second, less conductive phase is recorded, run again by apply and named in the methods. */
static void
test_metrics_two_phase (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *a = write_metrics_volume (dir, "a.tif");
  g_autofree char *direct = g_build_filename (dir, "direct.csv", NULL);
  g_autofree char *session = g_build_filename (dir, "m.evox", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *applied = g_build_filename (out, "a", "metrics.csv", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GPtrArray) rows = NULL;
  JsonObject *record;
  JsonArray *array;

  {
    g_auto (Run) run = evox ("metrics", a, "--phase", "p=1:1", "--tortuosity", "z",
                             "--second", "q=2:2", "--second-diffusivity", "0.25", "--csv", direct,
                             "--session", session, NULL);
    assert_ok (&run);
  }
  record = load_record (session, "metrics", parser);
  array = json_object_get_array_member (record, "second");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 0),
                                                  "name"), ==, "q");
  g_assert_cmpfloat (json_object_get_double_member (record, "second-diffusivity"), ==, 0.25);
  /* The direct result is a two-phase one, so the comparison below would catch a one-phase
   * replay. */
  rows = evox_test_csv_read (direct);
  g_assert_nonnull (csv_metric (rows, "mean_diffusivity", ""));
  {
    g_auto (Run) run = evox ("apply", session, a, "--outdir", out, NULL);

    assert_ok (&run);
    evox_test_assert_same_file (direct, applied);
  }
  {
    g_auto (Run) run = evox ("methods", session, NULL);

    assert_ok (&run);
    g_assert_nonnull (strstr (run.out, "with the second phase \"q\" [2, 2] conducting with a "
                                       "relative diffusivity of 0.25"));
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A sample whose phase is empty fails as `evox metrics` fails on it; the other goes on. */
static void
test_failing_step (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *a = write_metrics_volume (dir, "a.tif");
  g_autofree char *empty = g_build_filename (dir, "empty.tif", NULL);
  g_autofree char *session = g_build_filename (dir, "m.evox", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *summary_path = g_build_filename (out, "summary.csv", NULL);
  g_autofree char *failed = g_build_filename (out, "empty", NULL);
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) zeros = evox_volume_new (MX, MY, MZ, 1, EVOX_SAMPLE_U8, &error);

  g_assert_no_error (error);
  evox_volume_freeze (zeros);
  g_assert_true (evox_tiff_write (zeros, 0, empty, EVOX_TIFF_WRITE_NONE, &error));
  {
    g_auto (Run) run = evox ("metrics", a, "--phase", "p=1:1", "--session", session, NULL);

    assert_ok (&run);
  }
  {
    g_auto (Run) run = evox ("apply", session, a, empty, "--outdir", out, NULL);

    g_assert_cmpint (run.status, ==, 1);
    g_assert_nonnull (strstr (run.err, "empty.tif: evox metrics: "));
    g_assert_nonnull (strstr (run.err, "no voxels"));
    g_assert_false (g_file_test (failed, G_FILE_TEST_EXISTS));
  }
  rows = evox_test_csv_read (summary_path);
  g_assert_cmpstr (summary_value (rows, 1, "status"), ==, "ok");
  g_assert_cmpstr (summary_value (rows, 2, "status"), ==, "failed");
  g_assert_cmpstr (summary_value (rows, 2, "metrics porosity p"), ==, "");
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Refusals: an existing --session without --force; register's list of .xrm files. */
static void
test_refusals (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *a = write_metrics_volume (dir, "a.tif");
  g_autofree char *session = g_build_filename (dir, "m.evox", NULL);
  g_autofree char *x1 = g_build_filename (dir, "one_8330eV.xrm", NULL);
  g_autofree char *x2 = g_build_filename (dir, "two_8340eV.xrm", NULL);
  g_autofree char *h5 = g_build_filename (dir, "out.h5", NULL);

  g_assert_true (g_file_set_contents (session, "kept", -1, NULL));
  {
    g_auto (Run) run = evox ("metrics", a, "--phase", "p=1:1", "--session", session, NULL);

    evox_test_assert_refused (&run, 1, "exists");
  }
  {
    g_autofree char *text = evox_test_read_text (session);

    g_assert_cmpstr (text, ==, "kept");
  }
  {
    g_auto (Run) run = evox ("register", x1, x2, "-o", h5, "--session", "s.evox", NULL);

    evox_test_assert_refused (&run, 2, "--session needs one IN");
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Optical density of a pixel at energy: a slope, an arctan step of 1 at e0 and a white line;
 * the first column has no edge. Every pixel's E0 shifts by its row, so the maps vary. */
static double
xanes_od (guint  x,
          guint  y,
          double energy)
{
  double e0 = 8333.0 + 0.25 * y;

  if (x == 0)
    return 0.1 + 1e-4 * (energy - 8333.0);
  return 0.1 + 1e-4 * (energy - 8333.0) + 0.5 + atan ((energy - e0) / 2.0) / G_PI +
         0.3 * exp (-pow ((energy - e0 - 7.0) / 4.0, 2)) + 0.001 * ((x * 7 + y * 3) % 5);
}

/* 6 energies before the Ni K edge, 10 across it, 8 after. */
static double
xanes_energy (guint c)
{
  if (c < 6)
    return 8180.0 + 25.0 * c;
  if (c < 16)
    return 8322.0 + 3.0 * (c - 6);
  return 8380.0 + 25.0 * (c - 16);
}

static char *
write_stack (const char *dir,
             const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) stack = evox_volume_new (SX, SY, 1, N_ENERGIES, EVOX_SAMPLE_F32,
                                                  &error);
  const double spacing[3] = { 40.0, 40.0, 40.0 };
  char *path = g_build_filename (dir, name, NULL);

  g_assert_no_error (error);
  for (guint c = 0; c < N_ENERGIES; c++)
    {
      float *data = evox_volume_get_data_mut (stack, c);
      g_autofree char *label = g_strdup_printf ("%.1f eV", xanes_energy (c));

      for (guint y = 0; y < SY; y++)
        for (guint x = 0; x < SX; x++)
          data[y * SX + x] = (float) xanes_od (x, y, xanes_energy (c));
      evox_volume_set_channel_info (stack, c, label, xanes_energy (c));
    }
  evox_volume_set_values (stack, EVOX_SCALE_LINEAR, "optical density", NULL);
  evox_volume_set_spacing (stack, spacing);
  evox_volume_set_spacing_known (stack, TRUE);
  evox_volume_freeze (stack);
  g_assert_true (evox_hdf5_write (stack, path, FALSE, NULL, NULL, &error));
  g_assert_no_error (error);
  return path;
}

/* xanes and elements: the records, their maps made again file for file, the summary's XANES
 * numbers those of the direct run's own session, and the methods text. */
static void
test_maps (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *a = write_stack (dir, "a.h5");
  g_autofree char *b = write_stack (dir, "b.h5");
  g_autofree char *xanes_out = g_build_filename (dir, "x.h5", NULL);
  g_autofree char *elements_prefix = g_build_filename (dir, "el.tif", NULL);
  g_autofree char *xanes_session = g_build_filename (dir, "x.evox", NULL);
  g_autofree char *elements_session = g_build_filename (dir, "el.evox", NULL);
  g_autofree char *both = g_build_filename (dir, "both.evox", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *summary_path = g_build_filename (out, "summary.csv", NULL);
  g_autoptr (JsonParser) xanes_parser = json_parser_new ();
  g_autoptr (JsonParser) elements_parser = json_parser_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *methods = NULL;
  JsonObject *xanes, *elements, *result;
  JsonArray *array;

  {
    g_auto (Run) run = evox ("xanes", a, "--edge", "Ni", "--pre", "-150:-25", "--post",
                             "40:250", "--nnorm", "1", "--step-sigma", "2.5", "-o", xanes_out,
                             "--session", xanes_session, NULL);
    assert_ok (&run);
  }
  {
    g_auto (Run) run = evox ("elements", a, "--element", "Ni", "-o", elements_prefix,
                             "--session", elements_session, NULL);
    assert_ok (&run);
  }
  xanes = load_record (xanes_session, "xanes", xanes_parser);
  g_assert_cmpstr (json_object_get_string_member (xanes, "edge"), ==, "Ni");
  array = json_object_get_array_member (xanes, "pre-ev");
  g_assert_cmpfloat (json_array_get_double_element (array, 0), ==, -150.0);
  g_assert_cmpfloat (json_array_get_double_element (array, 1), ==, -25.0);
  array = json_object_get_array_member (xanes, "post-ev");
  g_assert_cmpfloat (json_array_get_double_element (array, 0), ==, 40.0);
  g_assert_cmpfloat (json_array_get_double_element (array, 1), ==, 250.0);
  g_assert_cmpint (json_object_get_int_member (xanes, "nnorm"), ==, 1);
  g_assert_cmpfloat (json_object_get_double_member (xanes, "step-sigma"), ==, 2.5);
  g_assert_cmpstr (json_object_get_string_member (xanes, "output"), ==, "hdf5");
  result = json_object_get_object_member (xanes, "result");
  g_assert_true (json_object_has_member (result, "e0-ev"));
  g_assert_cmpint (json_object_get_int_member (result, "voxels"), ==, SX * SY);
  elements = load_record (elements_session, "elements", elements_parser);
  g_assert_cmpstr (json_object_get_string_member (elements, "element"), ==, "Ni");
  g_assert_cmpstr (json_object_get_string_member (elements, "method"), ==, "pair");
  g_assert_cmpstr (json_object_get_string_member (elements, "output"), ==, "tiff");

  /* One session holding both records, as a user joins them. */
  json_object_set_object_member (json_node_get_object (json_parser_get_root (xanes_parser)),
                                 "elements", json_object_ref (elements));
  json_generator_set_root (generator, json_parser_get_root (xanes_parser));
  g_assert_true (json_generator_to_file (generator, both, &error));
  g_assert_no_error (error);
  {
    g_auto (Run) run = evox ("apply", both, a, b, "--outdir", out, "--jobs", "2", NULL);

    assert_ok (&run);
  }
  for (guint s = 0; s < 2; s++)
    {
      const char *sample = s == 0 ? "a" : "b";
      g_autofree char *maps = g_build_filename (out, sample, "xanes.h5", NULL);
      g_autofree char *ni = g_build_filename (out, sample, "elements_Ni.tif", NULL);
      g_autofree char *direct_ni = g_build_filename (dir, "el_Ni.tif", NULL);

      assert_same_volume (xanes_out, maps);
      evox_test_assert_same_file (direct_ni, ni);
    }
  rows = evox_test_csv_read (summary_path);
  evox_test_assert_shortest (summary_value (rows, 2, "xanes e0-ev"),
                             json_object_get_double_member (result, "e0-ev"));
  evox_test_assert_shortest (summary_value (rows, 2, "xanes mask-voxels"),
                             json_object_get_int_member (result, "mask-voxels"));
  evox_test_assert_shortest (summary_value (rows, 1, "xanes edge-energy-median-ev"),
                             json_object_get_double_member (result, "edge-energy-median-ev"));

  {
    g_auto (Run) run = evox ("methods", both, NULL);

    assert_ok (&run);
    methods = g_strdup (run.out);
  }
  g_assert_nonnull (strstr (methods, "XANES normalisation."));
  g_assert_nonnull (strstr (methods, "at the Ni K (8332.8 eV) edge (given)"));
  g_assert_nonnull (strstr (methods, "the pre-edge line fitted from E0-150 to E0-25 eV"));
  g_assert_nonnull (strstr (methods, "the post-edge polynomial of degree 1 (given) fitted from "
                                     "E0+40 to E0+250 eV"));
  g_assert_nonnull (strstr (methods, "exceeds 2.5 times its noise"));
  g_assert_nonnull (strstr (methods, "Elemental maps."));
  g_assert_nonnull (strstr (methods, "Ni K (8332.8 eV) (energies "));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The file at path holds every channel of maps, the same label and the same floats. */
static void
assert_volume_is (const char *path,
                  EvoxVolume *maps)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) read = evox_volume_load (path, NULL, NULL, NULL, &error);
  gsize bytes = evox_volume_get_n_voxels (maps) * sizeof (float);

  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_channels (read), ==, evox_volume_get_n_channels (maps));
  for (guint c = 0; c < evox_volume_get_n_channels (maps); c++)
    {
      g_assert_cmpstr (evox_volume_get_channel_label (read, c), ==,
                       evox_volume_get_channel_label (maps, c));
      g_assert_cmpmem (evox_volume_get_data (read, c), bytes, evox_volume_get_data (maps, c),
                       bytes);
    }
}

static int
compare_floats (gconstpointer a,
                gconstpointer b)
{
  float x = *(const float *) a, y = *(const float *) b;

  return x < y ? -1 : x > y;
}

/* Percentile q of the finite values of a channel by sorting them, interpolated between order
 * statistics as numpy.percentile does by default. */
static double
sorted_percentile (EvoxVolume *maps,
                   const char *label,
                   double      q)
{
  const float *data = evox_volume_get_data (maps, evox_volume_find_channel (maps, label));
  g_autoptr (GArray) finite = g_array_new (FALSE, FALSE, sizeof (float));
  double at;
  guint lo;

  for (gsize i = 0; i < evox_volume_get_n_voxels (maps); i++)
    if (isfinite (data[i]))
      g_array_append_val (finite, data[i]);
  g_assert_cmpuint (finite->len, >, 0);
  g_array_sort (finite, compare_floats);
  at = (finite->len - 1) * q / 100.0;
  lo = (guint) floor (at);
  if (lo + 1 >= finite->len)
    return g_array_index (finite, float, lo);
  return g_array_index (finite, float, lo) +
         (at - lo) * ((double) g_array_index (finite, float, lo + 1) -
                      g_array_index (finite, float, lo));
}

/* Elemental maps as the XANES page's Compute Elements makes them: one element, its pair found
 * (the pair method) or the fit with a matrix. */
static EvoxVolume *
window_elements (EvoxVolume         *stack,
                 const char         *element,
                 EvoxElementsMethod  method,
                 const char         *matrix)
{
  EvoxElementsParams params;
  g_autoptr (GError) error = NULL;
  EvoxVolume *maps;

  evox_elements_params_init (&params);
  params.method = method;
  params.matrix = g_strdup (matrix);
  params.n_elements = 1;
  g_assert_true (evox_edge_parse (element, &params.edges[0], &error));
  maps = evox_elements_maps (stack, &params, NULL, NULL, &error);
  evox_elements_params_clear (&params);
  g_assert_no_error (error);
  return maps;
}

/* A session as File > Save Session writes it from a window that computed XANES maps (Ni edge,
 * pre-edge -150:-25, post-edge 40 to the last energy, mask k 2.5, the normalised stack) and
 * Compute Elements (Ni by its pair), on the test's 8 x 8 x 24-energy stack: `evox apply` on two
 * copies writes xanes-maps.h5 and elements-maps.h5 voxel for voxel as the direct `evox xanes`
 * and `evox elements` with those settings, and as the window's maps themselves; the summary's
 * columns are the window's E0, its mask counted here and the Ni map's median and 99th
 * percentile taken here by sorting. With a second Compute Elements (Er by its L3 edge, the fit
 * with an O matrix), the session records both runs and apply writes each, elements-maps-1.h5
 * and elements-maps-2.h5, as its direct command. */
static void
test_window_maps (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *a = write_stack (dir, "a.h5");
  g_autofree char *b = write_stack (dir, "b.h5");
  g_autofree char *session_path = g_build_filename (dir, "window.evox", NULL);
  g_autofree char *two_path = g_build_filename (dir, "two.evox", NULL);
  g_autofree char *direct_x = g_build_filename (dir, "x.h5", NULL);
  g_autofree char *direct_session = g_build_filename (dir, "x.evox", NULL);
  g_autofree char *out3 = g_build_filename (dir, "out3", NULL);
  g_autofree char *direct_ni = g_build_filename (dir, "ni.h5", NULL);
  g_autofree char *direct_er = g_build_filename (dir, "er.h5", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *out2 = g_build_filename (dir, "out2", NULL);
  g_autofree char *summary_path = g_build_filename (out, "summary.csv", NULL);
  g_autofree char *summary2_path = g_build_filename (out2, "summary.csv", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) stack = evox_volume_load (a, NULL, NULL, NULL, &error);
  g_autoptr (EvoxDocument) document = evox_document_new ();
  g_autoptr (EvoxVolume) xanes = NULL, ni = NULL, er = NULL;
  g_autoptr (EvoxSession) session = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  EvoxXanesParams params;
  EvoxEdge edge;
  JsonArray *runs;
  const float *mask;
  gsize in_mask = 0;

  g_assert_no_error (error);
  evox_document_set_volume (document, stack, "a.h5", a);
  evox_xanes_params_init (&params);
  g_assert_true (evox_edge_parse ("Ni", &edge, &error));
  params.edge = edge.energy;
  params.pre1 = -150.0;
  params.pre2 = -25.0;
  params.norm1 = 40.0;
  params.mask_k = 2.5;
  params.with_norm = TRUE;
  xanes = evox_xanes_maps (stack, &params, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (evox_document_add_maps (document, xanes, "edge_energy", &error));
  ni = window_elements (stack, "Ni", EVOX_ELEMENTS_PAIR, NULL);
  g_assert_true (evox_document_add_maps (document, ni, "Ni", &error));
  g_assert_no_error (error);
  session = evox_session_capture (document, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (evox_session_save (session, session_path, FALSE, &error));
  g_assert_no_error (error);

  {
    g_auto (Run) run = evox ("apply", session_path, a, b, "--outdir", out, "--jobs", "2", NULL);

    assert_ok (&run);
  }
  {
    g_auto (Run) run = evox ("xanes", a, "--edge", "Ni", "--pre", "-150:-25", "--post", "40:end",
                             "--step-sigma", "2.5", "-o", direct_x, "--session", direct_session,
                             NULL);

    assert_ok (&run);
  }
  /* The command's own record of a post-edge to the last energy applies as it ran. */
  {
    g_auto (Run) run = evox ("apply", direct_session, b, "--outdir", out3, NULL);
    g_autofree char *maps = g_build_filename (out3, "b", "xanes.h5", NULL);

    assert_ok (&run);
    assert_same_volume (direct_x, maps);
  }
  {
    g_auto (Run) run = evox ("elements", a, "--element", "Ni", "-o", direct_ni, NULL);

    assert_ok (&run);
  }
  for (guint s = 0; s < 2; s++)
    {
      const char *sample = s == 0 ? "a" : "b";
      g_autofree char *maps = g_build_filename (out, sample, "xanes-maps.h5", NULL);
      g_autofree char *elements = g_build_filename (out, sample, "elements-maps.h5", NULL);

      assert_same_volume (direct_x, maps);
      assert_volume_is (maps, xanes);
      assert_same_volume (direct_ni, elements);
      assert_volume_is (elements, ni);
    }
  mask = evox_volume_get_data (xanes, evox_volume_find_channel (xanes, "mask"));
  for (gsize i = 0; i < evox_volume_get_n_voxels (xanes); i++)
    in_mask += mask[i] > 0.5f;
  g_assert_cmpuint (in_mask, >, 0);
  g_assert_cmpuint (in_mask, <, SX * SY);
  rows = evox_test_csv_read (summary_path);
  for (guint r = 1; r <= 2; r++)
    {
      g_assert_cmpstr (summary_value (rows, r, "status"), ==, "ok");
      g_assert_cmpstr (summary_value (rows, r, "xanes-maps e0-ev"), ==,
                       evox_volume_get_metadata (xanes, "xanes_e0"));
      evox_test_assert_shortest (summary_value (rows, r, "xanes-maps mask-voxels"), in_mask);
      evox_test_assert_shortest (summary_value (rows, r, "elements-maps Ni median"),
                                 sorted_percentile (ni, "Ni", 50));
      evox_test_assert_shortest (summary_value (rows, r, "elements-maps Ni p99"),
                                 sorted_percentile (ni, "Ni", 99));
    }

  /* A second Compute Elements of another element: both runs recorded, both run by apply. */
  er = window_elements (stack, "Er_L3", EVOX_ELEMENTS_FIT, "O");
  g_assert_true (evox_document_add_maps (document, er, "Er", &error));
  g_assert_no_error (error);
  g_clear_object (&session);
  session = evox_session_capture (document, NULL, &error);
  g_assert_no_error (error);
  runs = json_object_get_array_member (json_object_get_object_member (
                                         evox_session_get_root (session), "elements-maps"),
                                       "runs");
  g_assert_nonnull (runs);
  g_assert_cmpuint (json_array_get_length (runs), ==, 2);
  g_assert_true (evox_session_save (session, two_path, FALSE, &error));
  g_assert_no_error (error);
  {
    g_auto (Run) run = evox ("apply", two_path, a, "--outdir", out2, NULL);

    assert_ok (&run);
  }
  {
    g_auto (Run) run = evox ("elements", a, "--element", "Er_L3", "--method", "fit", "--matrix",
                             "O", "-o", direct_er, NULL);

    assert_ok (&run);
  }
  {
    g_autofree char *first = g_build_filename (out2, "a", "elements-maps-1.h5", NULL);
    g_autofree char *second = g_build_filename (out2, "a", "elements-maps-2.h5", NULL);

    assert_same_volume (direct_ni, first);
    assert_same_volume (direct_er, second);
    assert_volume_is (second, er);
  }
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = evox_test_csv_read (summary2_path);
  evox_test_assert_shortest (summary_value (rows, 1, "elements-maps-1 Ni median"),
                             sorted_percentile (ni, "Ni", 50));
  evox_test_assert_shortest (summary_value (rows, 1, "elements-maps-2 Er median"),
                             sorted_percentile (er, "Er", 50));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* XANES maps computed in a window on the registered stack (translation only): apply runs the
 * session's registration first and `evox xanes` on what it wrote, which gives the window's maps
 * voxel for voxel. */
static void
test_window_maps_registered (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *a = write_stack (dir, "a.h5");
  g_autofree char *session_path = g_build_filename (dir, "registered.evox", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *maps_path = g_build_filename (out, "a", "xanes-maps.h5", NULL);
  g_autofree char *registered_path = g_build_filename (out, "a", "registered.h5", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) stack = evox_volume_load (a, NULL, NULL, NULL, &error);
  g_autoptr (EvoxDocument) document = evox_document_new ();
  g_autoptr (EvoxRegistration) registration = NULL;
  g_autoptr (EvoxVolume) maps = NULL;
  g_autoptr (EvoxSession) session = NULL;
  EvoxRegisterOptions options;
  EvoxXanesParams params;

  g_assert_no_error (error);
  evox_document_set_volume (document, stack, "a.h5", a);
  evox_register_options_init (&options);
  options.scale = EVOX_REGISTER_SCALE_NONE;
  registration = evox_register_stack (stack, &options, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (evox_document_set_registration (document, registration));
  g_assert_true (evox_document_get_stack (document) ==
                 evox_registration_get_registered (registration));
  evox_xanes_params_init (&params);
  params.with_norm = TRUE;
  maps = evox_xanes_maps (evox_document_get_stack (document), &params, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (evox_document_add_maps (document, maps, "edge_energy", &error));
  g_assert_no_error (error);
  session = evox_session_capture (document, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (evox_session_save (session, session_path, FALSE, &error));
  g_assert_no_error (error);
  {
    g_auto (Run) run = evox ("apply", session_path, a, "--outdir", out, NULL);

    /* The registration of so small a stack flags an energy: said on stderr, not a failure. */
    g_assert_cmpint (run.status, ==, 0);
  }
  g_assert_true (g_file_test (registered_path, G_FILE_TEST_IS_REGULAR));
  assert_volume_is (maps_path, maps);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Copies the files of folder src (not its folders) into a new folder dst. */
static void
copy_folder (const char *src,
             const char *dst)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) dir = g_dir_open (src, 0, &error);
  const char *name;

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir (dst, 0755), ==, 0);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *from = g_build_filename (src, name, NULL);
      g_autofree char *to = g_build_filename (dst, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      if (!g_file_test (from, G_FILE_TEST_IS_REGULAR))
        continue;
      g_assert_true (g_file_get_contents (from, &contents, &length, &error));
      g_assert_true (g_file_set_contents (to, contents, (gssize) length, &error));
      g_assert_no_error (error);
    }
}

/* The real SSRL scan (two energies, their references) in two copied folders: `evox register
 * --session` applied gives the report byte for byte and the registered stack voxel for voxel;
 * the summary's RMS residual is the report's residual_px of the energy other than the
 * reference. */
static void
test_register_real (void)
{
  g_autofree char *ssrl = evox_test_data_path ("xrm/ssrl");
  g_autofree char *dir = NULL, *s1 = NULL, *s2 = NULL, *h5 = NULL, *report = NULL;
  g_autofree char *session = NULL, *out = NULL, *summary_path = NULL, *methods = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GPtrArray) qc = NULL;
  double sum_sq = 0.0;
  guint n = 0, residual_col = 0, reference_col = 0;

  if (ssrl == NULL)
    return;
  dir = evox_test_tmpdir_new ();
  s1 = g_build_filename (dir, "s1", NULL);
  s2 = g_build_filename (dir, "s2", NULL);
  h5 = g_build_filename (dir, "registered.h5", NULL);
  report = g_build_filename (dir, "qc.csv", NULL);
  session = g_build_filename (dir, "r.evox", NULL);
  out = g_build_filename (dir, "out", NULL);
  summary_path = g_build_filename (out, "summary.csv", NULL);
  copy_folder (ssrl, s1);
  copy_folder (ssrl, s2);
  {
    /* The scan script names files not in the data set: warnings on stderr, status 0. */
    g_auto (Run) run = evox ("register", s1, "-o", h5, "--report", report, "--session", session,
                             NULL);
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_auto (Run) run = evox ("apply", session, s1, s2, "--outdir", out, "--jobs", "2", NULL);
    g_autofree char *said = g_strdup_printf ("evox: %s: evox register: warning: 8324.0 eV: ",
                                             s2);

    g_assert_cmpint (run.status, ==, 0);
    /* The subcommand's warnings reach apply's stderr, naming the sample. */
    g_assert_nonnull (strstr (run.err, said));
  }
  for (guint s = 0; s < 2; s++)
    {
      g_autofree char *csv = g_build_filename (out, s == 0 ? "s1" : "s2", "registration.csv",
                                               NULL);
      g_autofree char *stack = g_build_filename (out, s == 0 ? "s1" : "s2", "registered.h5",
                                                 NULL);

      evox_test_assert_same_file (report, csv);
      assert_same_volume (h5, stack);
    }
  qc = evox_test_csv_read (report);
  for (guint c = 0; ((char **) qc->pdata[0])[c] != NULL; c++)
    {
      if (g_str_equal (((char **) qc->pdata[0])[c], "residual_px"))
        residual_col = c;
      if (g_str_equal (((char **) qc->pdata[0])[c], "reference"))
        reference_col = c;
    }
  g_assert_cmpuint (residual_col, >, 0);
  for (guint r = 1; r < qc->len; r++)
    if (g_str_equal (((char **) qc->pdata[r])[reference_col], "0"))
      {
        double residual = g_ascii_strtod (((char **) qc->pdata[r])[residual_col], NULL);

        sum_sq += residual * residual;
        n++;
      }
  g_assert_cmpuint (n, ==, 1);
  rows = evox_test_csv_read (summary_path);
  for (guint r = 1; r <= 2; r++)
    {
      evox_test_assert_shortest (summary_value (rows, r, "registration rms-residual-px"),
                                 sqrt (sum_sq / n));
      g_assert_cmpstr (summary_value (rows, r, "registration reference-ev"), ==, "8354");
      g_assert_cmpstr (summary_value (rows, r, "registration flagged"), ==, "0");
    }
  {
    g_auto (Run) run = evox ("methods", session, NULL);

    g_assert_cmpint (run.status, ==, 0);
    methods = g_strdup (run.out);
  }
  g_assert_nonnull (strstr (methods, "Registration. Every energy was registered onto the grid "
                                     "of the reference energy, 8354 eV (the highest energy"));
  g_assert_nonnull (strstr (methods, "by translation and scale (scale fit"));
  g_assert_nonnull (strstr (methods, "2 energies registered, 0 flagged"));
  g_assert_nonnull (strstr (methods, "residual shift when registered again RMS "));
  g_assert_nonnull (strstr (methods, "lowest normalised cross-correlation"));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* electrode.tiff in two copies: the summary's porosity of the pores (0) is their count here,
 * and the metrics CSV is the direct command's byte for byte. */
static void
test_metrics_real (void)
{
  g_autofree char *source = evox_test_data_path ("tomo/electrode.tiff");
  g_autofree char *dir = NULL, *direct = NULL, *session = NULL, *out = NULL;
  g_autofree char *summary_path = NULL, *porosity = NULL, *contents = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = NULL;
  const char *names[] = { "e1.tiff", "e2.tiff" };
  char *copies[2];
  const guint8 *values;
  guint64 pores = 0;
  gsize length;

  if (source == NULL)
    return;
  dir = evox_test_tmpdir_new ();
  direct = g_build_filename (dir, "direct.csv", NULL);
  session = g_build_filename (dir, "m.evox", NULL);
  out = g_build_filename (dir, "out", NULL);
  summary_path = g_build_filename (out, "summary.csv", NULL);
  g_assert_true (g_file_get_contents (source, &contents, &length, &error));
  for (guint i = 0; i < 2; i++)
    {
      copies[i] = g_build_filename (dir, names[i], NULL);
      g_assert_true (g_file_set_contents (copies[i], contents, (gssize) length, &error));
    }
  {
    g_auto (Run) run = evox ("metrics", copies[0], "--voxel-size", "400nm", "--phase",
                             "pore=0:0", "--percolation", "--surface", "AM=85:85", "--csv",
                             direct, "--session", session, NULL);
    assert_ok (&run);
  }
  {
    g_auto (Run) run = evox ("apply", session, copies[0], copies[1], "--outdir", out, "--jobs",
                             "2", NULL);
    g_autofree char *csv = g_build_filename (out, "e2", "metrics.csv", NULL);

    assert_ok (&run);
    evox_test_assert_same_file (direct, csv);
  }
  volume = evox_volume_load (source, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  values = evox_volume_get_data (volume, 0);
  for (gsize i = 0; i < evox_volume_get_n_voxels (volume); i++)
    pores += values[i] == 0;
  porosity = g_strdup_printf ("%.9g", (double) pores / evox_volume_get_n_voxels (volume));
  rows = evox_test_csv_read (summary_path);
  g_assert_cmpstr (summary_value (rows, 1, "metrics porosity pore"), ==, porosity);
  g_assert_cmpstr (summary_value (rows, 2, "metrics porosity pore"), ==, porosity);
  for (guint i = 0; i < 2; i++)
    g_free (copies[i]);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* `evox render --session` keeps the figure's options; apply draws the same PNG. */
static void
test_figure (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *a = write_metrics_volume (dir, "a.tif");
  g_autofree char *png = g_build_filename (dir, "direct.png", NULL);
  g_autofree char *session = g_build_filename (dir, "f.evox", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *again = g_build_filename (out, "a", "figure.png", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *record;
  JsonArray *options;
  const char *expected[] = { "-s", "160x120", "--view", "z", "--colormap", "magma",
                             "--phase", "pores=1:1", "--scale-bar" };

  {
    g_auto (Run) run = evox ("render", a, "--voxel-size", "2nm", "-s", "160x120", "--view", "z",
                             "--colormap", "magma", "-o", png, "--phase", "pores=1:1",
                             "--scale-bar", "--session", session, NULL);
    assert_ok (&run);
  }
  record = load_record (session, "figure", parser);
  g_assert_cmpstr (json_object_get_string_member (record, "format"), ==, "png");
  options = json_object_get_array_member (record, "options");
  g_assert_cmpuint (json_array_get_length (options), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (json_array_get_string_element (options, i), ==, expected[i]);
  {
    g_auto (Run) run = evox ("apply", session, a, "--outdir", out, NULL);

    assert_ok (&run);
  }
  evox_test_assert_same_file (png, again);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/RecordsCli/metrics", test_metrics);
  g_test_add_func ("/Evox/RecordsCli/metrics-two-phase", test_metrics_two_phase);
  g_test_add_func ("/Evox/RecordsCli/failing-step", test_failing_step);
  g_test_add_func ("/Evox/RecordsCli/refusals", test_refusals);
  g_test_add_func ("/Evox/RecordsCli/maps", test_maps);
  g_test_add_func ("/Evox/RecordsCli/window-maps", test_window_maps);
  g_test_add_func ("/Evox/RecordsCli/window-maps-registered", test_window_maps_registered);
  g_test_add_func ("/Evox/RecordsCli/figure", test_figure);
  g_test_add_func ("/Evox/RecordsCli/register-real", test_register_real);
  g_test_add_func ("/Evox/RecordsCli/metrics-real", test_metrics_real);
  return g_test_run ();
}
