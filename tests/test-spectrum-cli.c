/* test-spectrum-cli.c: `evox spectrum` run as a user would on a small spectral TIFF, its CSV
 * read back and checked against brute force over the same voxels here. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "evox-tiff.h"
#include "evox-test-util.h"

#define NX 16
#define NY 12
#define NZ 2
#define NC 5

static const double energies[NC] = { 8330, 8340.2, 8350, 8360, 8370 };

typedef struct
{
  char       *dir;
  char       *tiff;       /* channels with energies */
  char       *plain;      /* the same channels without */
  EvoxVolume *volume;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) plain = NULL;
  guint64 state = 5;

  fixture->dir = evox_test_tmpdir_new ();
  fixture->tiff = g_build_filename (fixture->dir, "stack.tif", NULL);
  fixture->plain = g_build_filename (fixture->dir, "plain.tif", NULL);
  fixture->volume = evox_volume_new (NX, NY, NZ, NC, EVOX_SAMPLE_F32, &error);
  plain = evox_volume_new (NX, NY, NZ, NC, EVOX_SAMPLE_F32, &error);
  g_assert_no_error (error);
  for (guint c = 0; c < NC; c++)
    {
      float *v = evox_volume_get_data_mut (fixture->volume, c);
      g_autofree char *label = g_strdup_printf ("E%u", c);

      evox_volume_set_channel_info (fixture->volume, c, label, energies[c]);
      for (gsize i = 0; i < NX * NY * NZ; i++)
        v[i] = (i % 31 == 4) ? NAN : (float) (c * 0.25 + evox_test_uniform (&state));
      memcpy (evox_volume_get_data_mut (plain, c), v, NX * NY * NZ * sizeof (float));
    }
  evox_volume_freeze (fixture->volume);
  evox_volume_freeze (plain);
  g_assert_true (evox_tiff_write (fixture->volume, -1, fixture->tiff, EVOX_TIFF_WRITE_NONE,
                                  &error));
  g_assert_no_error (error);
  g_assert_true (evox_tiff_write (plain, -1, fixture->plain, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  evox_test_tmpdir_free (fixture->dir);
  g_free (fixture->tiff);
  g_free (fixture->plain);
  g_object_unref (fixture->volume);
}

static EvoxTestRun
spectrum (const char *first,
          ...)
{
  va_list ap;
  EvoxTestRun run;

  va_start (ap, first);
  run = evox_test_run_evox_va (NULL, NULL, "spectrum", first, ap);
  va_end (ap);
  return run;
}

/* The CSV against two-pass mean and population std over the finite values where in[i]. */
static void
assert_csv (Fixture        *fixture,
            const char     *path,
            const gboolean *in,
            gboolean        with_energies)
{
  g_autoptr(GPtrArray) rows = evox_test_csv_read (path);

  evox_test_csv_assert_header (rows, "energy_ev,mean,std,voxels");
  g_assert_cmpuint (rows->len, ==, NC + 1);
  for (guint c = 0; c < NC; c++)
    {
      const float *v = evox_volume_get_data (fixture->volume, c);
      double sum = 0, ss = 0, mean;
      guint64 n = 0;

      for (gsize i = 0; i < NX * NY * NZ; i++)
        if (in[i] && isfinite (v[i]))
          {
            sum += v[i];
            n++;
          }
      mean = sum / n;
      for (gsize i = 0; i < NX * NY * NZ; i++)
        if (in[i] && isfinite (v[i]))
          ss += (v[i] - mean) * (v[i] - mean);
      if (with_energies)
        g_assert_cmpfloat (evox_test_csv_double (rows, c + 1, 0), ==, energies[c]);
      else
        g_assert_true (isnan (evox_test_csv_double (rows, c + 1, 0)));
      g_assert_cmpfloat (evox_test_csv_double (rows, c + 1, 3), ==, n);
      g_assert_cmpfloat_with_epsilon (evox_test_csv_double (rows, c + 1, 1), mean, 1e-12);
      g_assert_cmpfloat_with_epsilon (evox_test_csv_double (rows, c + 1, 2), sqrt (ss / n),
                                      1e-12);
    }
}

static void
test_at (Fixture       *fixture,
         gconstpointer  data)
{
  g_autofree char *out = g_build_filename (fixture->dir, "at.csv", NULL);
  g_autofree char *out2 = g_build_filename (fixture->dir, "at2.csv", NULL);
  g_autofree gboolean *in = g_new0 (gboolean, NX * NY * NZ);
  g_auto(EvoxTestRun) run = spectrum (fixture->tiff, "--at", "3,4,1", "-o", out, NULL);
  g_auto(EvoxTestRun) run2 = { 0 };
  g_autoptr(GPtrArray) rows = NULL;

  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");
  g_assert_nonnull (strstr (run.out, "voxel (3, 4, 1)"));
  in[3 + 4 * NX + NX * NY] = TRUE;
  assert_csv (fixture, out, in, TRUE);

  /* Z defaults to 0; the values are the voxel's own. */
  run2 = spectrum (fixture->tiff, "--at", "5,0", "-o", out2, NULL);
  g_assert_cmpint (run2.status, ==, 0);
  rows = evox_test_csv_read (out2);
  for (guint c = 0; c < NC; c++)
    {
      float v = ((const float *) evox_volume_get_data (fixture->volume, c))[5];

      g_assert_cmpfloat (evox_test_csv_double (rows, c + 1, 1), ==, v);
      g_assert_cmpfloat (evox_test_csv_double (rows, c + 1, 2), ==, 0);
    }
}

static void
test_box (Fixture       *fixture,
          gconstpointer  data)
{
  g_autofree char *out = g_build_filename (fixture->dir, "box.csv", NULL);
  g_autofree gboolean *in = g_new0 (gboolean, NX * NY * NZ);
  g_auto(EvoxTestRun) run = spectrum (fixture->tiff, "--box", "2,3,0:9,7,1", "-o", out, NULL);

  g_assert_cmpint (run.status, ==, 0);
  for (gsize z = 0; z <= 1; z++)
    for (gsize y = 3; y <= 7; y++)
      for (gsize x = 2; x <= 9; x++)
        in[(z * NY + y) * NX + x] = TRUE;
  assert_csv (fixture, out, in, TRUE);
}

/* --channel as an energy within 0.5 eV, as a label and as an index: the same channel. */
static void
test_phase (Fixture       *fixture,
            gconstpointer  data)
{
  const char *channels[] = { "8340", "E1", "1" };
  g_autofree gboolean *in = g_new0 (gboolean, NX * NY * NZ);
  const float *v = evox_volume_get_data (fixture->volume, 1);

  for (gsize i = 0; i < NX * NY * NZ; i++)
    in[i] = v[i] >= 0.5 && v[i] <= 0.9;
  for (guint k = 0; k < G_N_ELEMENTS (channels); k++)
    {
      g_autofree char *name = g_strdup_printf ("phase%u.csv", k);
      g_autofree char *out = g_build_filename (fixture->dir, name, NULL);
      g_auto(EvoxTestRun) run = spectrum (fixture->tiff, "--phase", "rich=0.5:0.9", "--channel",
                                          channels[k], "-o", out, NULL);

      g_assert_cmpint (run.status, ==, 0);
      g_assert_nonnull (strstr (run.out, "rich"));
      assert_csv (fixture, out, in, TRUE);
    }
}

/* A volume without energies: spectra in channel order with energy_ev nan; --channel by index. */
static void
test_no_energies (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *out = g_build_filename (fixture->dir, "plain.csv", NULL);
  g_autofree char *out2 = g_build_filename (fixture->dir, "plain2.csv", NULL);
  g_autofree gboolean *in = g_new0 (gboolean, NX * NY * NZ);
  g_auto(EvoxTestRun) run = spectrum (fixture->plain, "--box", "0,0,0:3,3,0", "-o", out, NULL);
  g_auto(EvoxTestRun) energy = spectrum (fixture->plain, "--phase", "a=0.5:0.9", "--channel",
                                         "8340", "-o", out2, NULL);
  const float *v = evox_volume_get_data (fixture->volume, 1);

  g_assert_cmpint (run.status, ==, 0);
  for (gsize y = 0; y <= 3; y++)
    for (gsize x = 0; x <= 3; x++)
      in[y * NX + x] = TRUE;
  assert_csv (fixture, out, in, FALSE);

  evox_test_assert_refused (&energy, 2, "no channel of that name or index");
  g_assert_nonnull (strstr (energy.err, "no energies"));
  g_assert_false (g_file_test (out2, G_FILE_TEST_EXISTS));

  {
    g_auto(EvoxTestRun) index = spectrum (fixture->plain, "--phase", "a=0.5:0.9", "--channel",
                                          "1", "-o", out2, NULL);

    g_assert_cmpint (index.status, ==, 0);
    for (gsize i = 0; i < NX * NY * NZ; i++)
      in[i] = v[i] >= 0.5 && v[i] <= 0.9;
    assert_csv (fixture, out2, in, FALSE);
  }
}

static void
test_refusals (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *out = g_build_filename (fixture->dir, "out.csv", NULL);
  g_autofree char *existing = g_build_filename (fixture->dir, "existing.csv", NULL);
  g_autofree char *missing = g_build_filename (fixture->dir, "missing.tif", NULL);
  g_autofree char *kept = NULL;
  struct
  {
    const char *args[8];
    int         status;
    const char *text;
  } cases[] = {
    { { "--at", "16,0", "-o", out }, 2, "outside the volume" },
    { { "--at", "0,0,2", "-o", out }, 2, "outside the volume" },
    { { "--at", "1,x", "-o", out }, 2, "--at must be" },
    { { "--box", "3,3,0:2,3,0", "-o", out }, 2, "is empty" },
    { { "--box", "20,0,0:30,3,0", "-o", out }, 2, "holds no voxel" },
    { { "--box", "1,2:3,4", "-o", out }, 2, "--box must be" },
    { { "--phase", "none=50:60", "--channel", "8350", "-o", out }, 2, "phase 'none' is empty" },
    { { "--phase", "a=0:1", "--channel", "9000", "-o", out }, 2, "nearest is at 8370 eV" },
    { { "--at", "1,1", "--box", "0,0,0:1,1,1", "-o", out }, 2, "give one of" },
    { { "-o", out }, 2, "give one of" },
    { { "--at", "1,1" }, 2, "-o OUT.csv is required" },
    { { "--at", "1,1", "--channel", "1", "-o", out }, 2, "--channel picks" },
    { { "--at", "1,1", "-o", existing }, 1, "exists already" },
  };

  g_assert_true (g_file_set_contents (existing, "keep\n", -1, NULL));
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr(GPtrArray) args = g_ptr_array_new ();
      const char *binary = g_getenv ("EVOX");
      g_auto(EvoxTestRun) run = { 0 };

      g_ptr_array_add (args, (char *) binary);
      g_ptr_array_add (args, (char *) "spectrum");
      g_ptr_array_add (args, fixture->tiff);
      for (guint a = 0; cases[k].args[a] != NULL; a++)
        g_ptr_array_add (args, (char *) cases[k].args[a]);
      g_ptr_array_add (args, NULL);
      run = evox_test_spawn ((const char * const *) args->pdata, NULL, NULL);
      g_test_message ("case %u: %s", k, run.err);
      evox_test_assert_refused (&run, cases[k].status, cases[k].text);
      g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
    }
  g_assert_true (g_file_get_contents (existing, &kept, NULL, NULL));
  g_assert_cmpstr (kept, ==, "keep\n");

  {
    g_auto(EvoxTestRun) forced = spectrum (fixture->tiff, "--at", "1,1", "-o", existing,
                                           "--force", NULL);
    g_auto(EvoxTestRun) absent = spectrum (missing, "--at", "1,1", "-o", out, NULL);
    g_autoptr(GPtrArray) rows = NULL;

    g_assert_cmpint (forced.status, ==, 0);
    rows = evox_test_csv_read (existing);
    g_assert_cmpuint (rows->len, ==, NC + 1);
    evox_test_assert_refused (&absent, 1, "missing.tif");
  }
  /* the demos are named as the user chose them */
  {
    g_auto(EvoxTestRun) demo = spectrum ("--demo-xanes", "--at", "999,0", "-o", out, NULL);

    evox_test_assert_refused (&demo, 2, "evox: the XANES demo: voxel (999, 0, 0) lies outside");
  }
  /* one channel, one voxel: counted in words a user reads */
  {
    g_autofree char *folder = g_path_get_dirname (out);
    g_autofree char *one = g_build_filename (folder, "one.csv", NULL);
    g_auto(EvoxTestRun) run = spectrum ("--demo", "--at", "1,1", "-o", one, NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (g_str_has_suffix (run.out, ": 1 channel, 1 voxel\n"));
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/Evox/SpectrumCli/at", test_at);
  ADD ("/Evox/SpectrumCli/box", test_box);
  ADD ("/Evox/SpectrumCli/phase", test_phase);
  ADD ("/Evox/SpectrumCli/no-energies", test_no_energies);
  ADD ("/Evox/SpectrumCli/refusals", test_refusals);
#undef ADD
  return g_test_run ();
}
