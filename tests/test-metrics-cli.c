/* test-metrics-cli.c: `evox metrics` run as a user would on small TIFF volumes made here and on
 * the real electrode: the table, the CSV, the thickness map, and every refusal (status, one
 * line, nothing written). */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "evox-interface-area.h"
#include "evox-local-thickness.h"
#include "evox-percolation.h"
#include "evox-test-tiff.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-tortuosity.h"

typedef EvoxTestRun Run;
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, evox_test_run_clear)

static Run
metrics_with_setup (GSpawnChildSetupFunc  setup,
                    const char           *first,
                    ...)
{
  va_list ap;
  Run run;

  va_start (ap, first);
  run = evox_test_run_evox_va (NULL, setup, "metrics", first, ap);
  va_end (ap);
  return run;
}

#define metrics(...) metrics_with_setup (NULL, __VA_ARGS__)

typedef gboolean (*InsideFunc) (gsize x, gsize y, gsize z);

/* A u8 TIFF of value 1 where inside says, else 0. */
static void
write_volume (const char *path,
              gsize       nx,
              gsize       ny,
              gsize       nz,
              InsideFunc  inside)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = evox_volume_new (nx, ny, nz, 1, EVOX_SAMPLE_U8, &error);
  guint8 *v;

  g_assert_no_error (error);
  v = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 0; z < nz; z++)
    for (gsize y = 0; y < ny; y++)
      for (gsize x = 0; x < nx; x++)
        v[(z * ny + y) * nx + x] = inside (x, y, z) ? 1 : 0;
  evox_volume_freeze (volume);
  g_assert_true (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_NONE, &error));
}

/* A 2 x 3 channel along z; plates z even; a slab y = 2..7. */
static gboolean
channel (gsize x, gsize y, gsize z)
{
  return x >= 3 && x < 5 && y >= 2 && y < 5;
}

static gboolean
plates (gsize x, gsize y, gsize z)
{
  return z % 2 == 0;
}

static gboolean
slab (gsize x, gsize y, gsize z)
{
  return y >= 2 && y < 8;
}

typedef struct
{
  char *in_dir;
  char *out_dir;   /* the outputs, empty after every refusal */
  char *channel;   /* 8 x 8 x 10 */
  char *plates;    /* 7 x 6 x 10 */
  char *slab;      /* 9 x 12 x 8 */
  char *thin;      /* plates, 5 x 4 x 1 */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->in_dir = evox_test_tmpdir_new ();
  f->out_dir = evox_test_tmpdir_new ();
  f->channel = g_build_filename (f->in_dir, "channel.tif", NULL);
  f->plates = g_build_filename (f->in_dir, "plates.tif", NULL);
  f->slab = g_build_filename (f->in_dir, "slab.tif", NULL);
  f->thin = g_build_filename (f->in_dir, "thin.tif", NULL);
  write_volume (f->channel, 8, 8, 10, channel);
  write_volume (f->plates, 7, 6, 10, plates);
  write_volume (f->slab, 9, 12, 8, slab);
  write_volume (f->thin, 5, 4, 1, plates);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  evox_test_tmpdir_free (f->in_dir);
  evox_test_tmpdir_free (f->out_dir);
  g_free (f->channel);
  g_free (f->plates);
  g_free (f->slab);
  g_free (f->thin);
}

/* The CSV row (metric, phase, axis) as its value field; asserts there is one. */
static const char *
csv_value (GPtrArray  *rows,
           const char *metric,
           const char *phase,
           const char *axis)
{
  const char *found = NULL;

  for (guint i = 1; i < rows->len; i++)
    {
      GStrv row = rows->pdata[i];

      g_assert_cmpuint (g_strv_length (row), ==, 5);
      if (g_str_equal (row[0], metric) && g_str_equal (row[1], phase) &&
          g_str_equal (row[2], axis))
        {
          g_assert_null (found);
          found = row[3];
        }
    }
  if (found == NULL)
    g_error ("no CSV row %s,%s,%s", metric, phase, axis);
  return found;
}

/* The straight channel: tau 1 along z, infinity along x (a result, status 0), percolation; the
 * printed table and the CSV say the same. */
static void
test_channel (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *csv = g_build_filename (f->out_dir, "m.csv", NULL);
  g_auto (Run) run = metrics (f->channel, "--phase", "pore=1:1", "--tortuosity", "z,x",
                              "--tolerance", "1e-9", "--percolation", "--connectivity", "6",
                              "--csv", csv, NULL);
  g_autoptr (GPtrArray) rows = NULL;

  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  rows = evox_test_csv_read (csv);
  evox_test_csv_assert_header (rows, "metric,phase,axis,value,unit");
  /* porosity, tau and D_eff on two axes, three fractions on three axes */
  g_assert_cmpuint (rows->len, ==, 1 + 1 + 4 + 9);
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (csv_value (rows, "porosity", "pore", ""), NULL),
                                  6.0 / 64, 1e-9);
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (csv_value (rows, "tortuosity_factor", "pore",
                                                             "z"), NULL), 1.0, 1e-7);
  g_assert_cmpstr (csv_value (rows, "tortuosity_factor", "pore", "x"), ==, "inf");
  g_assert_cmpstr (csv_value (rows, "effective_diffusivity", "pore", "x"), ==, "0");
  g_assert_cmpstr (csv_value (rows, "percolating_fraction", "pore", "z"), ==, "1");
  g_assert_cmpstr (csv_value (rows, "percolating_fraction", "pore", "x"), ==, "0");
  g_assert_cmpstr (csv_value (rows, "isolated_fraction", "pore", "y"), ==, "1");

  g_assert_true (g_str_has_prefix (run.out, "metric "));
  g_assert_nonnull (strstr (run.out, "not percolating"));
  g_assert_nonnull (strstr (run.out, "percolating_fraction"));
}

/* Plates across z: tau infinite with the reason, status 0; along x tau 1. */
static void
test_plates (Fixture       *f,
             gconstpointer  data)
{
  g_auto (Run) run = metrics (f->plates, "--phase", "solid=1:1", "--tortuosity", "x,y,z",
                              "--channel", "0", NULL);
  g_auto (GStrv) lines = NULL;
  guint n_inf = 0;

  g_assert_cmpint (run.status, ==, 0);
  lines = g_strsplit (run.out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "tortuosity_factor"))
      {
        char **words = g_strsplit_set (lines[i], " ", -1);
        g_autoptr (GPtrArray) cells = g_ptr_array_new ();

        for (guint w = 0; words[w] != NULL; w++)
          if (words[w][0] != '\0')
            g_ptr_array_add (cells, words[w]);
        g_assert_cmpuint (cells->len, >=, 4);
        g_assert_cmpstr (cells->pdata[1], ==, "solid");
        if (g_str_equal (cells->pdata[2], "z"))
          {
            g_assert_cmpstr (cells->pdata[3], ==, "inf");
            g_assert_nonnull (strstr (lines[i], "not percolating"));
            n_inf++;
          }
        else
          g_assert_cmpfloat_with_epsilon (g_ascii_strtod (cells->pdata[3], NULL), 1.0, 1e-5);
        g_strfreev (words);
      }
  g_assert_cmpuint (n_inf, ==, 1);

  /* Two --phase: their union, named a+b; here every voxel. */
  {
    g_auto (Run) both = metrics (f->plates, "--phase", "a=0:0", "--phase", "b=1:1", NULL);

    g_assert_cmpint (both.status, ==, 0);
    g_assert_nonnull (strstr (both.out, "porosity  a+b          1 "));
  }
}

/* --thickness: the slab's map (f32, 6 in the slab, NaN outside) and the summaries of the slab
 * and of the rest; --surface on the slab and the rest (value 0): two rows per voxel (no voxel
 * size in the file). --sizes gives the summaries without a file. */
static void
test_thickness_and_surface (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *map_path = g_build_filename (f->out_dir, "thickness.tif", NULL);
  g_autofree char *csv = g_build_filename (f->out_dir, "m.csv", NULL);
  g_auto (Run) run = metrics (f->slab, "--phase", "slab=1:1", "--surface", "rest=0:0",
                              "--thickness", map_path, "--csv", csv, NULL);
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (EvoxVolume) map = NULL;
  g_autoptr (GError) error = NULL;
  const float *t;
  gsize dims[3];

  g_assert_cmpint (run.status, ==, 0);
  rows = evox_test_csv_read (csv);
  g_assert_cmpstr (csv_value (rows, "thickness_d50", "slab", ""), ==, "6");
  g_assert_cmpstr (csv_value (rows, "thickness_mean", "slab", ""), ==, "6");
  g_assert_nonnull (csv_value (rows, "thickness_d90", "not slab", ""));
  /* The interface's area as evox_interface_area gives it on the same phases (spacing 1: per
   * voxel); the Crofton estimate of two 9 x 8 planes in so small a volume is some 20 % below
   * 2 x 9 x 8 (diagonal pairs leave the volume), checked loosely against that too. */
  {
    const gsize dims[3] = { 9, 12, 8 };
    const double unit[3] = { 1, 1, 1 };
    guint8 phases[9 * 12 * 8];
    EvoxInterfaceArea area;
    double per_volume = g_ascii_strtod (csv_value (rows, "specific_surface_area", "slab", ""),
                                        NULL);
    double per_phase = g_ascii_strtod (csv_value (rows, "specific_surface_area_phase", "slab",
                                                  ""), NULL);

    for (gsize i = 0; i < G_N_ELEMENTS (phases); i++)
      phases[i] = slab (0, (i / 9) % 12, 0) ? 1 : 2;
    g_assert_true (evox_interface_area (phases, dims, unit, 1, 2, &area, NULL, NULL, &error));
    g_assert_cmpfloat_with_epsilon (per_volume, area.per_volume, 1e-8);
    g_assert_cmpfloat_with_epsilon (per_phase, area.per_volume_a, 1e-8);
    g_assert_cmpfloat_with_epsilon (per_volume / (2.0 / 12), 1.0, 0.25);
  }
  {
    GStrv header_unit = NULL;

    for (guint i = 1; i < rows->len; i++)
      if (g_str_equal (((GStrv) rows->pdata[i])[0], "specific_surface_area"))
        header_unit = rows->pdata[i];
    g_assert_cmpstr (header_unit[4], ==, "1/voxel");
  }

  map = evox_tiff_read (map_path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (evox_volume_get_sample_type (map), ==, EVOX_SAMPLE_F32);
  evox_volume_get_dims (map, dims);
  g_assert_cmpuint (dims[0] * dims[1] * dims[2], ==, 9 * 12 * 8);
  t = evox_volume_get_data (map, 0);
  for (gsize i = 0; i < 9 * 12 * 8; i++)
    {
      gsize y = (i / 9) % 12;

      if (y >= 2 && y < 8)
        g_assert_cmpfloat (t[i], ==, 6.0f);
      else
        g_assert_true (isnan (t[i]));
    }

  {
    g_auto (Run) sizes = metrics (f->slab, "--phase", "slab=1:1", "--sizes", NULL);

    g_assert_cmpint (sizes.status, ==, 0);
    g_assert_nonnull (strstr (sizes.out, "thickness_d10"));
    g_assert_nonnull (strstr (sizes.out, "not slab"));
  }
  g_assert_cmpuint (evox_test_count_entries (f->out_dir), ==, 2);
}

/* --fields: one f32 TIFF whose channels read back with their labels and the straight channel's
 * analytic fields along z (c = 1 - (z + 0.5) / 10, flux 1 / 10 on every face, class 1 "both
 * faces"), NaN outside the phase; the table is printed as without it. */
static void
test_fields (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->out_dir, "fields.tif", NULL);
  g_auto (Run) run = metrics (f->channel, "--phase", "pore=1:1", "--tortuosity", "z",
                              "--tolerance", "1e-10", "--percolation", "--connectivity", "6",
                              "--fields", path, NULL);
  g_autoptr (EvoxVolume) fields = NULL;
  g_autoptr (GError) error = NULL;
  const float *c, *flux, *k;
  gsize dims[3];

  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  g_assert_nonnull (strstr (run.out, "tortuosity_factor"));
  fields = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (evox_volume_get_sample_type (fields), ==, EVOX_SAMPLE_F32);
  evox_volume_get_dims (fields, dims);
  g_assert_cmpuint (dims[0], ==, 8);
  g_assert_cmpuint (dims[1], ==, 8);
  g_assert_cmpuint (dims[2], ==, 10);
  g_assert_cmpuint (evox_volume_get_n_channels (fields), ==, 3);
  g_assert_cmpstr (evox_volume_get_channel_label (fields, 0), ==, "Concentration (z)");
  g_assert_cmpstr (evox_volume_get_channel_label (fields, 1), ==, "Flux magnitude (z)");
  g_assert_cmpstr (evox_volume_get_channel_label (fields, 2), ==,
                   "Percolation (z): 1 both faces, 2 one face, 3 isolated");
  c = evox_volume_get_data (fields, 0);
  flux = evox_volume_get_data (fields, 1);
  k = evox_volume_get_data (fields, 2);
  for (gsize z = 0; z < 10; z++)
    for (gsize y = 0; y < 8; y++)
      for (gsize x = 0; x < 8; x++)
        {
          gsize i = (z * 8 + y) * 8 + x;

          if (channel (x, y, z))
            {
              g_assert_cmpfloat_with_epsilon (c[i], 1.0 - (z + 0.5) / 10.0, 1e-6);
              g_assert_cmpfloat_with_epsilon (flux[i], 0.1, 1e-6);
              g_assert_cmpfloat (k[i], ==, 1.0f);
            }
          else
            g_assert_true (isnan (c[i]) && isnan (flux[i]) && isnan (k[i]));
        }

  /* Percolation alone: the classes along z, one channel; an existing file needs --force. */
  {
    g_auto (Run) again = metrics (f->plates, "--phase", "p=1:1", "--percolation", "--fields",
                                  path, NULL);
    g_auto (Run) forced = metrics (f->plates, "--phase", "p=1:1", "--percolation", "--fields",
                                   path, "--force", NULL);
    g_autoptr (EvoxVolume) classes = NULL;
    const float *v;

    g_assert_cmpint (again.status, !=, 0);
    g_assert_nonnull (strstr (again.err, "fields.tif"));
    g_assert_cmpint (forced.status, ==, 0);
    classes = evox_tiff_read (path, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (evox_volume_get_n_channels (classes), ==, 1);
    g_assert_cmpstr (evox_volume_get_channel_label (classes, 0), ==,
                     "Percolation (z): 1 both faces, 2 one face, 3 isolated");
    /* Plates z = 0, 2, ..., 8 of 10 layers: plate 0 touches the low face only (one face), the
     * others neither face (isolated); odd layers are outside. */
    v = evox_volume_get_data (classes, 0);
    for (gsize i = 0; i < 7 * 6 * 10; i++)
      {
        gsize z = i / (7 * 6);

        if (z % 2 != 0)
          g_assert_true (isnan (v[i]));
        else
          g_assert_cmpfloat (v[i], ==, z == 0 ? 2.0f : 3.0f);
      }
  }
  /* A tortuosity axis the phase does not join (it once crashed): the same two channels, no
   * concentration anywhere, flux 0 on the plates and NaN off them. */
  {
    g_auto (Run) run = metrics (f->plates, "--phase", "p=1:1", "--tortuosity", "z", "--fields",
                                path, "--force", NULL);
    g_autoptr (EvoxVolume) none = NULL;
    const float *c, *flux;

    g_assert_cmpint (run.status, ==, 0);
    none = evox_tiff_read (path, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (evox_volume_get_n_channels (none), ==, 2);
    g_assert_cmpstr (evox_volume_get_channel_label (none, 1), ==, "Flux magnitude (z)");
    c = evox_volume_get_data (none, 0);
    flux = evox_volume_get_data (none, 1);
    for (gsize i = 0; i < 7 * 6 * 10; i++)
      {
        g_assert_true (isnan (c[i]));
        if ((i / (7 * 6)) % 2 != 0)
          g_assert_true (isnan (flux[i]));
        else
          g_assert_cmpfloat (flux[i], ==, 0.0f);
      }
  }
  g_assert_cmpuint (evox_test_count_entries (f->out_dir), ==, 1);
}

/* --surface-method: the slab's two 9 x 8 voxel planes (144 voxel faces in 9 x 12 x 8 voxels,
 * 6 of 12 rows in the slab) are exact on the smoothed surfaces, which stay flat up to the faces:
 * 1/6 per voxel of the sample and 1/3 per voxel of the slab. The metric name says the method;
 * mesh alone leaves Crofton's rows out, both give both. */
static void
test_surface_method (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *csv = g_build_filename (f->out_dir, "m.csv", NULL);

  for (guint both = 0; both < 2; both++)
    {
      g_auto (Run) run = metrics (f->slab, "--phase", "slab=1:1", "--surface", "rest=0:0",
                                  "--surface-method", both ? "crofton,mesh" : "mesh", "--csv",
                                  csv, "--force", NULL);
      g_autoptr (GPtrArray) rows = NULL;

      g_assert_cmpint (run.status, ==, 0);
      g_assert_nonnull (strstr (run.out, "smoothed surface"));
      rows = evox_test_csv_read (csv);
      g_assert_cmpfloat_with_epsilon (g_ascii_strtod (csv_value (rows,
                                      "specific_surface_area_mesh", "slab", ""), NULL),
                                      1.0 / 6, 1e-7);
      g_assert_cmpfloat_with_epsilon (g_ascii_strtod (csv_value (rows,
                                      "specific_surface_area_phase_mesh", "slab", ""), NULL),
                                      1.0 / 3, 1e-7);
      if (both)
        g_assert_nonnull (csv_value (rows, "specific_surface_area", "slab", ""));
      else
        for (guint i = 1; i < rows->len; i++)
          g_assert_false (g_str_equal (((GStrv) rows->pdata[i])[0], "specific_surface_area"));
    }
}

/* Every refusal: the status, one line saying why, nothing written. */
static void
test_refusals (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *csv = g_build_filename (f->out_dir, "m.csv", NULL);
  g_autofree char *map_path = g_build_filename (f->out_dir, "t.tif", NULL);
  struct
  {
    int         status;
    const char *text;
    const char *args[12];
  } cases[] = {
    { 2, "--phase NAME=LO:HI is required", { f->channel, "--percolation" } },
    { 2, "--tortuosity must list axes", { f->channel, "--phase", "p=1:1", "--tortuosity", "w" } },
    { 2, "--tortuosity must list axes", { f->channel, "--phase", "p=1:1", "--tortuosity",
                                          "x,x" } },
    { 2, "--tolerance must be a number above 0", { f->channel, "--phase", "p=1:1",
                                                   "--tortuosity", "z", "--tolerance", "0" } },
    { 2, "--tolerance must be a number above 0", { f->channel, "--phase", "p=1:1",
                                                   "--tortuosity", "z", "--tolerance", "-1" } },
    { 2, "--tolerance needs --tortuosity", { f->channel, "--phase", "p=1:1", "--tolerance",
                                             "1e-6" } },
    { 2, "--connectivity must be 6, 18 or 26", { f->channel, "--phase", "p=1:1",
                                                 "--connectivity", "5" } },
    { 2, "--phase", { f->channel, "--phase", "p=2:1" } },
    /* auto:2 of a 0/1 volume splits it into 0:0 and 1:1, whose union is every voxel. */
    { 2, "--phase: auto:N splits the whole range, so its union is every voxel; name the phase "
         "to measure as NAME=LO:HI (auto gives Phase 1=0:0, Phase 2=1:1)",
      { f->channel, "--phase", "auto:2", "--csv", csv } },
    { 2, "--surface: auto:N splits the whole range", { f->channel, "--phase", "p=1:1",
                                                       "--surface", "auto:2", "--csv", csv } },
    { 1, "phase 'p': no voxels in 7..9", { f->channel, "--phase", "p=7:9", "--csv", csv,
                                           "--thickness", map_path } },
    { 1, "one voxel thick along z", { f->thin, "--phase", "p=1:1", "--tortuosity", "z",
                                      "--csv", csv } },
    { 1, "phase 'q': no voxels", { f->channel, "--phase", "p=1:1", "--surface", "q=1:1",
                                   "--csv", csv } },
    { 1, "nowhere.tif", { "nowhere.tif", "--phase", "p=1:1" } },
    { 2, "--fields needs --tortuosity or --percolation", { f->channel, "--phase", "p=1:1",
                                                           "--fields", map_path } },
    { 1, "phase 'p': no voxels in 7..9", { f->channel, "--phase", "p=7:9", "--percolation",
                                           "--fields", map_path } },
    { 2, "no channel '7'", { f->channel, "--phase", "p=1:1", "--channel", "7", "--csv", csv } },
    { 2, "--second needs --tortuosity", { f->channel, "--phase", "p=1:1", "--second", "q=0:0",
                                          "--second-diffusivity", "0.5" } },
    { 2, "--second needs --second-diffusivity", { f->channel, "--phase", "p=1:1",
                                                  "--tortuosity", "z", "--second", "q=0:0" } },
    { 2, "--second-diffusivity needs --second", { f->channel, "--phase", "p=1:1",
                                                  "--tortuosity", "z", "--second-diffusivity",
                                                  "0.5" } },
    { 2, "--second-diffusivity must be a number from 0 to 1", { f->channel, "--phase", "p=1:1",
                                                                "--tortuosity", "z", "--second",
                                                                "q=0:0", "--second-diffusivity",
                                                                "1.5" } },
    { 2, "--second-diffusivity must be a number from 0 to 1", { f->channel, "--phase", "p=1:1",
                                                                "--tortuosity", "z", "--second",
                                                                "q=0:0", "--second-diffusivity",
                                                                "half" } },
    { 1, "phase 'q': no voxels in 1..1 outside phase 'p'", { f->channel, "--phase", "p=1:1",
                                                            "--tortuosity", "z", "--second",
                                                            "q=1:1", "--second-diffusivity",
                                                            "0.5", "--csv", csv } },
    { 2, "--surface-method must be crofton, mesh", { f->slab, "--phase", "p=1:1", "--surface",
                                                     "q=0:0", "--surface-method", "marching" } },
    { 2, "--surface-method must be crofton, mesh", { f->slab, "--phase", "p=1:1", "--surface",
                                                     "q=0:0", "--surface-method",
                                                     "mesh,mesh" } },
    { 2, "--surface-method needs --surface", { f->slab, "--phase", "p=1:1",
                                               "--surface-method", "mesh", "--csv", csv } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (Run) run = metrics (cases[i].args[0], cases[i].args[1], cases[i].args[2],
                                  cases[i].args[3], cases[i].args[4], cases[i].args[5],
                                  cases[i].args[6], cases[i].args[7], cases[i].args[8],
                                  cases[i].args[9], cases[i].args[10], cases[i].args[11], NULL);

      g_test_message ("case %u: status %d, stderr: %s", i, run.status, run.err);
      evox_test_assert_refused (&run, cases[i].status, cases[i].text);
      g_assert_cmpuint (evox_test_count_entries (f->out_dir), ==, 0);
    }

  /* Ctrl-C: status 130, nothing written. */
  {
    g_auto (Run) run = metrics_with_setup (evox_test_press_ctrl_c, f->channel, "--phase", "p=1:1",
                                           "--tortuosity", "z", "--csv", csv, NULL);

    evox_test_assert_refused (&run, 130, "cancelled");
    g_assert_cmpuint (evox_test_count_entries (f->out_dir), ==, 0);
  }

  /* An existing CSV is kept without --force, replaced with it. */
  {
    g_autofree char *contents = NULL;
    g_auto (Run) first = metrics (f->channel, "--phase", "p=1:1", "--csv", csv, NULL);
    g_auto (Run) again = metrics (f->channel, "--phase", "p=0:0", "--csv", csv, NULL);
    g_auto (Run) forced = metrics (f->channel, "--phase", "p=0:0", "--csv", csv, "--force",
                                   NULL);

    g_assert_cmpint (first.status, ==, 0);
    g_assert_cmpint (again.status, !=, 0);
    g_assert_cmpstr (again.out, ==, "");
    g_assert_nonnull (strstr (again.err, "m.csv"));
    g_assert_cmpint (forced.status, ==, 0);
    g_assert_true (g_file_get_contents (csv, &contents, NULL, NULL));
    g_assert_nonnull (strstr (contents, "porosity,p,,0.90625,"));
    g_assert_cmpuint (evox_test_count_entries (f->out_dir), ==, 1);
  }
}

/* The real electrode (256^3, 0 pore, 85 active material, 170 carbon-binder): porosity against a
 * count here and percolation against the library on the whole; tortuosity along z on a 32^3
 * crop (written here as a TIFF) against evox_tortuosity_compute on the same crop. */
static void
test_electrode (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *path = evox_test_data_path ("tomo/electrode.tiff");
  g_autofree char *crop_path = NULL;
  g_autofree char *csv = g_build_filename (f->out_dir, "m.csv", NULL);
  g_autofree char *csv_crop = g_build_filename (f->out_dir, "crop.csv", NULL);
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (EvoxVolume) crop = NULL;
  g_autoptr (EvoxPercolation) percolation = NULL;
  g_autoptr (EvoxTortuosity) tau = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *mask = NULL;
  EvoxTortuosityParams params;
  const guint8 *v;
  guint8 *c;
  gsize dims[3], n;
  guint64 count = 0;
  const gsize side = 32;

  if (path == NULL)
    return;
  volume = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  n = dims[0] * dims[1] * dims[2];
  v = evox_volume_get_data (volume, 0);
  mask = g_new (guint8, n);
  for (gsize i = 0; i < n; i++)
    {
      mask[i] = v[i] == 0;
      count += mask[i];
    }

  {
    g_auto (Run) run = metrics (path, "--phase", "pores=0:0", "--percolation", "--csv", csv,
                                NULL);

    g_assert_cmpint (run.status, ==, 0);
    rows = evox_test_csv_read (csv);
  }
  percolation = evox_percolation_compute (mask, dims, EVOX_CONNECTIVITY_26, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (csv_value (rows, "porosity", "pores", ""),
                                                  NULL), (double) count / n, 1e-8);
  for (guint axis = 0; axis < 3; axis++)
    {
      const char *name = (const char *[]) { "x", "y", "z" }[axis];

      g_assert_cmpfloat_with_epsilon (g_ascii_strtod (csv_value (rows, "percolating_fraction",
                                                                 "pores", name), NULL),
                                      evox_percolation_get_fraction (percolation, axis,
                                                                     EVOX_PERCOLATION_BOTH),
                                      1e-8);
      g_assert_cmpfloat_with_epsilon (g_ascii_strtod (csv_value (rows, "isolated_fraction",
                                                                 "pores", name), NULL),
                                      evox_percolation_get_fraction (percolation, axis,
                                                                     EVOX_PERCOLATION_ISOLATED),
                                      1e-8);
    }

  crop = evox_volume_new (side, side, side, 1, EVOX_SAMPLE_U8, &error);
  g_assert_no_error (error);
  c = evox_volume_get_data_mut (crop, 0);
  for (gsize z = 0; z < side; z++)
    for (gsize y = 0; y < side; y++)
      memcpy (c + (z * side + y) * side, v + ((z + 100) * dims[1] + y + 100) * dims[0] + 100,
              side);
  evox_volume_freeze (crop);
  crop_path = g_build_filename (f->in_dir, "crop.tif", NULL);
  g_assert_true (evox_tiff_write (crop, 0, crop_path, EVOX_TIFF_WRITE_NONE, &error));
  {
    g_auto (Run) run = metrics (crop_path, "--phase", "pores=0:0", "--tortuosity", "z",
                                "--tolerance", "1e-8", "--csv", csv_crop, NULL);

    g_assert_cmpint (run.status, ==, 0);
  }
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = evox_test_csv_read (csv_crop);
  evox_tortuosity_params_init (&params);
  params.axis = EVOX_FLOW_AXIS_Z;
  params.tolerance = 1e-8;
  tau = evox_tortuosity_compute (crop, 0, 0, 0, &params, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (evox_tortuosity_get_percolating (tau));
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (csv_value (rows, "tortuosity_factor", "pores",
                                                             "z"), NULL),
                                  evox_tortuosity_get_tau (tau),
                                  1e-8 * evox_tortuosity_get_tau (tau));
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (csv_value (rows, "effective_diffusivity",
                                                             "pores", "z"), NULL),
                                  evox_tortuosity_get_effective_diffusivity (tau), 1e-8);

  /* The carbon-binder domain conducting with D2 = 0.3: tau 1.583813150 and D_eff / D
   * 0.288218964 by a sparse direct solve of the same system in scipy
   * (bench/tortuosity_two_phase_ref.py on the crop v[100:132, 100:132, 100:132], z). */
  {
    g_auto (Run) run = metrics (crop_path, "--phase", "pores=0:0", "--tortuosity", "z",
                                "--tolerance", "1e-9", "--second", "cbd=170:170",
                                "--second-diffusivity", "0.3", "--csv", csv_crop, "--force",
                                NULL);

    g_assert_cmpint (run.status, ==, 0);
  }
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = evox_test_csv_read (csv_crop);
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (csv_value (rows, "tortuosity_factor",
                                                             "pores|cbd@0.3", "z"), NULL),
                                  1.583813150, 1e-8);
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (csv_value (rows, "effective_diffusivity",
                                                             "pores|cbd@0.3", "z"), NULL),
                                  0.288218964, 1e-8);

  /* The same crop as FIB-SEM voxels of 10 x 10 x 30 nm (--voxel-size): the faces across the
   * flow conduct by their area over the distance between the centres. A sparse direct solve in
   * scipy assembled in physical units (bench/tortuosity_aniso_ref.py crop.tif 10 10 30 AXIS
   * [0.3], on the same crop) gives tau 3.519262943 (D_eff 0.114421528) along x, 1.782523773
   * (0.225904108) along z, and with the carbon-binder at D2 = 0.3 along z 1.307396101
   * (0.349155841); with cubes, 2.294778316, 2.522151331 and the 1.583813150 above. */
  {
    const struct
    {
      const char *phase;
      const char *axis;
      double      tau;
      double      d_eff;
    } aniso[] = {
      { "pores", "x", 3.519262943, 0.114421528 },
      { "pores", "z", 1.782523773, 0.225904108 },
      { "pores|cbd@0.3", "z", 1.307396101, 0.349155841 },
    };

    for (guint k = 0; k < G_N_ELEMENTS (aniso); k++)
      {
        gboolean two = strchr (aniso[k].phase, '|') != NULL;
        g_auto (Run) run = metrics (crop_path, "--voxel-size", "10,10,30nm", "--phase",
                                    "pores=0:0", "--tortuosity", aniso[k].axis, "--tolerance",
                                    "1e-9", "--csv", csv_crop, "--force",
                                    two ? "--second" : NULL, "cbd=170:170",
                                    "--second-diffusivity", "0.3", NULL);

        g_assert_cmpint (run.status, ==, 0);
        /* The table says which voxels it solved with. */
        g_assert_nonnull (strstr (run.out, "D_eff / D; voxels 10 x 10 x 30 nm"));
        g_clear_pointer (&rows, g_ptr_array_unref);
        rows = evox_test_csv_read (csv_crop);
        g_assert_cmpfloat_with_epsilon (g_ascii_strtod (csv_value (rows, "tortuosity_factor",
                                                                   aniso[k].phase,
                                                                   aniso[k].axis), NULL),
                                        aniso[k].tau, 1e-7);
        g_assert_cmpfloat_with_epsilon (g_ascii_strtod (csv_value (rows,
                                                                   "effective_diffusivity",
                                                                   aniso[k].phase,
                                                                   aniso[k].axis), NULL),
                                        aniso[k].d_eff, 1e-8);
      }
  }
}

/* A second phase on the straight channel (value 1) with the rest (value 0) as the second
 * phase: D2 = 1 makes the whole volume one conductor (tau 1, D_eff 1 along z and x, where the
 * channel alone does not percolate); D2 = 0 is the channel alone (tau 1 along z, inf along x).
 * The rows are named "p|q@D2"; the porosity row stays the channel's. */
static void
test_two_phase (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *csv = g_build_filename (f->out_dir, "m.csv", NULL);
  const char *d2s[] = { "1", "0" };

  for (guint k = 0; k < G_N_ELEMENTS (d2s); k++)
    {
      g_autofree char *phase = g_strdup_printf ("p|q@%s", d2s[k]);
      g_auto (Run) run = metrics (f->channel, "--phase", "p=1:1", "--tortuosity", "z,x",
                                  "--tolerance", "1e-10", "--second", "q=0:0",
                                  "--second-diffusivity", d2s[k], "--csv", csv, "--force", NULL);
      g_autoptr (GPtrArray) rows = NULL;

      g_assert_cmpint (run.status, ==, 0);
      rows = evox_test_csv_read (csv);
      g_assert_cmpuint (rows->len, ==, 1 + 1 + 4 + 1);
      g_assert_cmpfloat_with_epsilon (g_ascii_strtod (csv_value (rows, "porosity", "p", ""),
                                                      NULL), 6.0 / 64, 1e-9);
      g_assert_cmpfloat_with_epsilon (g_ascii_strtod (csv_value (rows, "tortuosity_factor",
                                                                 phase, "z"), NULL), 1.0, 1e-8);
      g_assert_cmpfloat_with_epsilon (g_ascii_strtod (csv_value (rows, "mean_diffusivity",
                                                                 phase, ""), NULL),
                                      k == 0 ? 1.0 : 6.0 / 64, 1e-9);
      if (k == 0)
        {
          g_assert_cmpfloat_with_epsilon (g_ascii_strtod (csv_value (rows, "tortuosity_factor",
                                                                     phase, "x"), NULL),
                                          1.0, 1e-8);
          g_assert_cmpfloat_with_epsilon (g_ascii_strtod (csv_value (rows,
                                                                     "effective_diffusivity",
                                                                     phase, "x"), NULL),
                                          1.0, 1e-8);
        }
      else
        g_assert_cmpstr (csv_value (rows, "tortuosity_factor", phase, "x"), ==, "inf");
      g_assert_nonnull (strstr (run.out, phase));
    }
}

/* --provenance: the CSV is the plain one after '# ' lines naming Evox, the input and the
 * command; the thickness map's description carries the same record; without it, neither. */
static void
test_provenance (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *plain_csv = g_build_filename (f->out_dir, "plain.csv", NULL);
  g_autofree char *plain_map = g_build_filename (f->out_dir, "plain.tif", NULL);
  g_autofree char *csv = g_build_filename (f->out_dir, "p.csv", NULL);
  g_autofree char *map = g_build_filename (f->out_dir, "p.tif", NULL);
  g_autofree char *plain_text = NULL, *text = NULL, *description = NULL, *plain = NULL;
  const char *rest;
  gsize length;

  {
    g_auto (Run) run = metrics (f->slab, "--phase", "slab=1:1", "--thickness", plain_map,
                                "--csv", plain_csv, NULL);
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_auto (Run) run = metrics (f->slab, "--phase", "slab=1:1", "--thickness", map, "--csv",
                                csv, "--provenance", NULL);
    g_assert_cmpint (run.status, ==, 0);
  }
  g_assert_true (g_file_get_contents (plain_csv, &plain_text, &length, NULL));
  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "# "));
  g_assert_nonnull (strstr (text, "slab.tif"));
  g_assert_nonnull (strstr (text, "evox metrics"));
  /* After the comment lines, byte for byte the plain file. */
  rest = text;
  while (g_str_has_prefix (rest, "#"))
    rest = strchr (rest, '\n') + 1;
  g_assert_cmpstr (rest, ==, plain_text);
  g_assert_null (strchr (plain_text, '#'));

  description = evox_test_tiff_description (map);
  g_assert_nonnull (description);
  g_assert_nonnull (strstr (description, "evox_provenance="));
  g_assert_nonnull (strstr (description, "slab.tif"));
  plain = evox_test_tiff_description (plain_map);
  g_assert_true (plain == NULL || strstr (plain, "evox_provenance=") == NULL);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/Evox/MetricsCli/channel", Fixture, NULL, fixture_set_up, test_channel,
              fixture_tear_down);
  g_test_add ("/Evox/MetricsCli/plates", Fixture, NULL, fixture_set_up, test_plates,
              fixture_tear_down);
  g_test_add ("/Evox/MetricsCli/thickness-and-surface", Fixture, NULL, fixture_set_up,
              test_thickness_and_surface, fixture_tear_down);
  g_test_add ("/Evox/MetricsCli/fields", Fixture, NULL, fixture_set_up, test_fields,
              fixture_tear_down);
  g_test_add ("/Evox/MetricsCli/surface-method", Fixture, NULL, fixture_set_up,
              test_surface_method, fixture_tear_down);
  g_test_add ("/Evox/MetricsCli/refusals", Fixture, NULL, fixture_set_up, test_refusals,
              fixture_tear_down);
  g_test_add ("/Evox/MetricsCli/two-phase", Fixture, NULL, fixture_set_up, test_two_phase,
              fixture_tear_down);
  g_test_add ("/Evox/MetricsCli/electrode", Fixture, NULL, fixture_set_up, test_electrode,
              fixture_tear_down);
  g_test_add ("/Evox/MetricsCli/provenance", Fixture, NULL, fixture_set_up, test_provenance,
              fixture_tear_down);
  return g_test_run ();
}
