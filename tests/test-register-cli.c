/* test-register-cli.c: `evox register` run as a user would on stacks made here with known
 * scales and sub-pixel shifts; its outputs read back, its refusals checked. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "evox-loader.h"
#include "evox-tiff.h"
#include "evox-test-util.h"

typedef EvoxTestRun Run;
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, evox_test_run_clear)

#define REPORT_HEADER "energy_ev,channel,reference,anchor,excluded,nominal_scale,scale,shift_x," \
                      "shift_y,shift_z,ncc_before,ncc_after,mi_before,mi_after,residual_px," \
                      "flagged,empty"
#define N_ENERGIES 4
#define SIZE 96
#define PIXEL_NM 20.0

/* The stack: energies in eV (the highest is the default reference, scale 1), and the shift in
 * reference pixels (x, y) each raw image needs. The transform is the one evox-registration.h
 * defines: reference position = c + (E / E_ref) (raw position - c) + shift. The shifts drift
 * smoothly with energy, as a stage does, so none breaks the trend of its neighbours. */
static const double energies[N_ENERGIES] = { 8330.0, 8400.0, 8480.0, 8570.0 };
static const double shifts[N_ENERGIES][2] = {
  { 1.80, -0.95 }, { 1.30, -0.70 }, { 0.65, -0.35 }, { 0.0, 0.0 },
};

/* `evox register` with the arguments (NULL-terminated), run to its end. */
static Run
reg (const char *first,
     ...)
{
  va_list ap;
  Run run;

  va_start (ap, first);
  run = evox_test_run_evox_va (NULL, NULL, "register", first, ap);
  va_end (ap);
  return run;
}

static void
assert_ok (const Run *run)
{
  g_assert_cmpint (run->status, ==, 0);
}

/* The particle every energy sees: a sum of Gaussian blobs, evaluated exactly at any point, so
 * the raw images carry no interpolation error of their own. It lies inside the field of view
 * with a zero background around it, as a particle in a TXM image does: at the border the values
 * are below 1e-6. */
static double
particle (double x,
          double y)
{
  static const double blobs[][4] = {
    /* x, y, sigma, amplitude */
    { 38, 40, 5, 1.0 }, { 56, 38, 6, 0.8 }, { 46, 58, 4, 1.2 }, { 60, 58, 5, 0.6 },
    { 40, 52, 3, 0.9 }, { 50, 46, 2.5, 0.7 }, { 34, 60, 3, 0.5 }, { 62, 46, 3, 1.1 },
  };
  double v = 0;

  for (guint k = 0; k < G_N_ELEMENTS (blobs); k++)
    {
      double dx = x - blobs[k][0], dy = y - blobs[k][1];

      v += blobs[k][3] * exp (-(dx * dx + dy * dy) / (2 * blobs[k][2] * blobs[k][2]));
    }
  return v;
}

/* Channel c holds raw image c: at raw pixel p, the particle at c + s (p - c) + shift. With
 * with_energies FALSE the channels carry no energy. */
static EvoxVolume *
make_stack (guint    n_channels,
            gboolean with_energies)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (SIZE, SIZE, 1, n_channels, EVOX_SAMPLE_F32,
                                                  &error);
  const double spacing[3] = { PIXEL_NM, PIXEL_NM, PIXEL_NM };
  const double centre = (SIZE - 1) / 2.0;

  g_assert_no_error (error);
  for (guint c = 0; c < n_channels; c++)
    {
      float *data = evox_volume_get_data_mut (volume, c);
      double s = energies[c] / energies[N_ENERGIES - 1];

      for (gsize y = 0; y < SIZE; y++)
        for (gsize x = 0; x < SIZE; x++)
          data[y * SIZE + x] = (float) particle (centre + s * (x - centre) + shifts[c][0],
                                                 centre + s * (y - centre) + shifts[c][1]);
      if (with_energies)
        {
          g_autofree char *label = g_strdup_printf ("%.1f eV", energies[c]);

          evox_volume_set_channel_info (volume, c, label, energies[c]);
        }
    }
  evox_volume_set_spacing (volume, spacing);
  evox_volume_set_spacing_known (volume, TRUE);
  evox_volume_freeze (volume);
  return g_steal_pointer (&volume);
}

/* The stack as Evox's own multi-channel TIFF: the energies in its description. */
static char *
write_stack (const char *dir,
             const char *name,
             guint       n_channels,
             gboolean    with_energies)
{
  g_autoptr(EvoxVolume) volume = make_stack (n_channels, with_energies);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (evox_tiff_write (volume, -1, path, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  return path;
}

static EvoxVolume *
load (const char *path)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_load (path, NULL, NULL, NULL, &error);

  g_assert_no_error (error);
  return volume;
}

/* The report: the header, a row per energy with its energy, and the shifts found within 0.05 px
 * of the ones the stack was made with; scales as the energy ratio (exactly with --scale energy;
 * within 0.5 % after the search, which on 96 pixels cannot tell 0.1 % apart: that moves the
 * border by 0.05 px). Returns the rows. */
static GPtrArray *
check_report (const char *path,
              double      excluded,
              gboolean    fit)
{
  GPtrArray *rows = evox_test_csv_read (path);
  int channel = 0;

  evox_test_csv_assert_header (rows, REPORT_HEADER);
  g_assert_cmpuint (rows->len, ==, N_ENERGIES + 1);
  for (guint i = 0; i < N_ENERGIES; i++)
    {
      char **row = g_ptr_array_index (rows, i + 1);
      gboolean is_excluded = energies[i] == excluded;
      double s = energies[i] / energies[N_ENERGIES - 1];

      g_assert_cmpuint (g_strv_length (row), ==, 17);
      g_assert_cmpfloat (evox_test_csv_double (rows, i + 1, 0), ==, energies[i]);
      g_assert_cmpstr (row[2], ==, i == N_ENERGIES - 1 ? "1" : "0");
      g_assert_cmpstr (row[4], ==, is_excluded ? "1" : "0");
      if (is_excluded)
        {
          g_assert_cmpstr (row[1], ==, "");
          continue;
        }
      g_assert_cmpfloat (evox_test_csv_double (rows, i + 1, 1), ==, channel++);
      g_assert_cmpfloat_with_epsilon (evox_test_csv_double (rows, i + 1, 5), s, 1e-9);
      g_assert_cmpfloat_with_epsilon (evox_test_csv_double (rows, i + 1, 6), s,
                                      fit ? 5e-3 * s : 1e-12);
      g_test_message ("%.1f eV: shift %s, %s (made with %g, %g)", energies[i], row[7], row[8],
                      shifts[i][0], shifts[i][1]);
      g_assert_cmpfloat_with_epsilon (evox_test_csv_double (rows, i + 1, 7), shifts[i][0], 0.05);
      g_assert_cmpfloat_with_epsilon (evox_test_csv_double (rows, i + 1, 8), shifts[i][1], 0.05);
      g_assert_cmpfloat (evox_test_csv_double (rows, i + 1, 9), ==, 0);
      /* registered, the images agree with the reference */
      g_assert_cmpfloat (evox_test_csv_double (rows, i + 1, 11), >, 0.99);
      g_assert_cmpfloat (evox_test_csv_double (rows, i + 1, 14), <, 0.1);
      g_assert_cmpstr (row[15], ==, "0");
    }
  return rows;
}

/* The registered stack: the energies that were not excluded, the reference's pixel size, and
 * images that match the particle on the reference grid wherever they are defined and far from
 * the border (where cubic interpolation of a shrunk image sees past its edge). */
static void
check_registered (EvoxVolume *volume,
                  double      excluded)
{
  gsize dims[3];
  double spacing[3];
  guint c = 0;

  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, SIZE);
  g_assert_cmpuint (dims[1], ==, SIZE);
  g_assert_cmpuint (dims[2], ==, 1);
  g_assert_cmpuint (evox_volume_get_n_channels (volume), ==,
                    N_ENERGIES - (excluded > 0 ? 1 : 0));
  evox_volume_get_spacing (volume, spacing);
  g_assert_cmpfloat_with_epsilon (spacing[0], PIXEL_NM, 1e-4);
  g_assert_cmpfloat_with_epsilon (spacing[1], PIXEL_NM, 1e-4);
  for (guint i = 0; i < N_ENERGIES; i++)
    {
      double worst = 0;

      if (energies[i] == excluded)
        continue;
      g_assert_cmpfloat (evox_volume_get_channel_energy (volume, c), ==, energies[i]);
      for (gsize y = 12; y < SIZE - 12; y++)
        for (gsize x = 12; x < SIZE - 12; x++)
          {
            double v = evox_volume_get_value (volume, c, x, y, 0);

            g_assert_true (isfinite (v));
            worst = MAX (worst, fabs (v - particle (x, y)));
          }
      /* the blobs peak near 1; a 0.05 px error moves a steep flank by about 0.01 */
      g_test_message ("%.1f eV: largest difference to the particle %g", energies[i], worst);
      g_assert_cmpfloat (worst, <, 0.02);
      c++;
    }
}

/* To HDF5: the stack, its energies and pixel size read back; the report's shifts. */
static void
test_hdf5 (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = write_stack (dir, "stack.tif", N_ENERGIES, TRUE);
  g_autofree char *out = g_build_filename (dir, "registered.h5", NULL);
  g_autofree char *qc = g_build_filename (dir, "qc.csv", NULL);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(EvoxVolume) volume = NULL;

  {
    g_auto(Run) run = reg (in, "-o", out, "--report", qc, NULL);
    assert_ok (&run);
    g_test_message ("%s", run.out);
    g_assert_nonnull (strstr (run.out, "reference: 8570.0 eV\n"));
    g_assert_nonnull (strstr (run.out, "flagged: 0 of 4\n"));
  }
  rows = check_report (qc, 0, TRUE);
  volume = load (out);
  check_registered (volume, 0);
  /* in, out, the report: nothing else, no temporary left */
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 3);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* An energy whose image is all zeros (a failed exposure) has nothing to register by: the run
 * goes on, it is left unshifted and flagged as empty, and stderr says so (the others are not
 * named). */
static void
test_constant_energy (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = g_build_filename (dir, "stack.tif", NULL);
  g_autofree char *out = g_build_filename (dir, "registered.h5", NULL);
  g_autoptr(EvoxVolume) stack = make_stack (N_ENERGIES, TRUE);
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(GError) error = NULL;

  volume = evox_volume_new (SIZE, SIZE, 1, N_ENERGIES, EVOX_SAMPLE_F32, &error);
  g_assert_no_error (error);
  for (guint c = 0; c < N_ENERGIES; c++)
    {
      float *dst = evox_volume_get_data_mut (volume, c);

      if (c == 1)
        for (gsize i = 0; i < SIZE * SIZE; i++)
          dst[i] = 0.0f;
      else
        memcpy (dst, evox_volume_get_data (stack, c), SIZE * SIZE * sizeof (float));
      evox_volume_set_channel_info (volume, c, evox_volume_get_channel_label (stack, c),
                                    energies[c]);
    }
  evox_volume_freeze (volume);
  g_assert_true (evox_tiff_write (volume, -1, in, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  {
    g_auto(Run) run = reg (in, "-o", out, NULL);

    assert_ok (&run);
    g_assert_nonnull (strstr (run.err, "8400.0 eV: the image is empty (no finite pixel, or one "
                                       "value): left unshifted"));
    g_assert_nonnull (strstr (run.out, "flagged, empty"));
    g_assert_null (strstr (run.err, "8330.0 eV: the image is empty"));
    g_assert_null (strstr (run.err, "8480.0 eV: the image is empty"));
    g_assert_null (strstr (run.err, "no correlation"));
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* To one multi-page TIFF with its energies file: one energy a line, exactly. An excluded energy
 * is in the report, not in the stack; --scale energy applies the energy ratio as it is. */
static void
test_tiff_stack (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = write_stack (dir, "stack.tif", N_ENERGIES, TRUE);
  g_autofree char *out = g_build_filename (dir, "registered.tif", NULL);
  g_autofree char *energies_path = g_build_filename (dir, "registered.energies.txt", NULL);
  g_autofree char *qc = g_build_filename (dir, "qc.csv", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  guint k = 0;

  {
    g_auto(Run) run = reg (in, "-o", out, "--report", qc, "--exclude", "8400", "--scale",
                           "energy", NULL);
    assert_ok (&run);
    g_test_message ("%s", run.out);
    g_assert_nonnull (strstr (run.out, "8400.0  excluded\n"));
    g_assert_nonnull (strstr (run.out, "flagged: 0 of 3\n"));
  }
  rows = check_report (qc, 8400, FALSE);

  g_assert_true (g_file_get_contents (energies_path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; i < N_ENERGIES; i++)
    if (energies[i] != 8400)
      g_assert_cmpfloat (g_ascii_strtod (lines[k++], NULL), ==, energies[i]);
  g_assert_cmpstr (lines[k], ==, "");
  g_assert_null (lines[k + 1]);

  volume = load (out);
  g_assert_cmpint (evox_volume_get_sample_type (volume), ==, EVOX_SAMPLE_F32);
  check_registered (volume, 8400);
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 4);

  /* The same command again: the outputs exist; with --force they are replaced. */
  {
    g_auto(Run) run = reg (in, "-o", out, "--report", qc, NULL);
    evox_test_assert_refused (&run, 1, "exists already (use --force");
  }
  {
    g_auto(Run) run = reg (in, "-o", out, "--report", qc, "--force", NULL);
    g_autoptr(EvoxVolume) again = NULL;

    assert_ok (&run);
    again = load (out);
    g_assert_cmpuint (evox_volume_get_n_channels (again), ==, N_ENERGIES);
  }
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 4);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* To a folder (made when missing): STEM_<E>eV.tif per energy, one decimal, each a single f32
 * image with the reference's pixel size. */
static void
test_folder (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = write_stack (dir, "particle.tif", N_ENERGIES, TRUE);
  g_autofree char *folder = g_build_filename (dir, "out", NULL);
  g_autofree char *out = g_strconcat (folder, G_DIR_SEPARATOR_S, NULL);
  g_autofree char *qc = g_build_filename (dir, "qc.csv", NULL);
  g_autoptr(GPtrArray) rows = NULL;

  {
    g_auto(Run) run = reg (in, "-o", out, "--report", qc, "--reference", "8480", NULL);
    assert_ok (&run);
    g_test_message ("%s", run.out);
    g_assert_nonnull (strstr (run.out, "reference: 8480.0 eV\n"));
  }
  /* Another reference: its row says so, and the other shifts are relative to it. */
  rows = evox_test_csv_read (qc);
  evox_test_csv_assert_header (rows, REPORT_HEADER);
  for (guint i = 0; i < N_ENERGIES; i++)
    {
      char **row = g_ptr_array_index (rows, i + 1);

      g_assert_cmpstr (row[2], ==, energies[i] == 8480 ? "1" : "0");
      g_assert_cmpfloat_with_epsilon (evox_test_csv_double (rows, i + 1, 5),
                                      energies[i] / 8480.0, 1e-9);
    }
  g_assert_cmpuint (evox_test_count_entries (folder), ==, N_ENERGIES);
  for (guint i = 0; i < N_ENERGIES; i++)
    {
      g_autofree char *name = g_strdup_printf ("particle_%.1feV.tif", energies[i]);
      g_autofree char *path = g_build_filename (folder, name, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxVolume) image = evox_tiff_read (path, NULL, NULL, &error);
      gsize dims[3];
      double spacing[3];

      g_assert_no_error (error);
      evox_volume_get_dims (image, dims);
      g_assert_cmpuint (dims[0], ==, SIZE);
      g_assert_cmpuint (dims[2], ==, 1);
      g_assert_cmpuint (evox_volume_get_n_channels (image), ==, 1);
      g_assert_cmpint (evox_volume_get_sample_type (image), ==, EVOX_SAMPLE_F32);
      evox_volume_get_spacing (image, spacing);
      g_assert_cmpfloat_with_epsilon (spacing[0], PIXEL_NM, 1e-4);
    }

  /* Into the folder again: refused by the first file that exists, nothing replaced. */
  {
    g_auto(Run) run = reg (in, "-o", folder, NULL);
    evox_test_assert_refused (&run, 1, "particle_8330.0eV.tif: exists already");
  }
  g_assert_cmpuint (evox_test_count_entries (folder), ==, N_ENERGIES);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Every refusal: its status, one line naming the reason, and nothing written. */
static void
test_refusals (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = write_stack (dir, "stack.tif", N_ENERGIES, TRUE);
  g_autofree char *one = write_stack (dir, "one.tif", 1, TRUE);
  g_autofree char *plain = write_stack (dir, "plain.tif", 2, FALSE);
  g_autofree char *out = g_build_filename (dir, "out.h5", NULL);
  g_autofree char *tif = g_build_filename (dir, "out.tif", NULL);
  g_autofree char *png = g_build_filename (dir, "out.png", NULL);
  g_autofree char *absent = g_build_filename (dir, "absent.tif", NULL);
  g_autofree char *missing = g_strconcat (dir, "/no/such/out/", NULL);

  {
    g_auto(Run) run = reg (in, NULL);
    evox_test_assert_refused (&run, 2, "-o OUT is required");
  }
  {
    g_auto(Run) run = reg ("-o", out, NULL);
    evox_test_assert_refused (&run, 2, "expected IN");
  }
  {
    g_auto(Run) run = reg (in, "-o", png, NULL);
    evox_test_assert_refused (&run, 2, "OUT must end in .h5");
  }
  {
    g_auto(Run) run = reg (in, "-o", tif, "--scale", "bigger", NULL);
    evox_test_assert_refused (&run, 2, "--scale must be energy, fit or none");
  }
  {
    g_auto(Run) run = reg (in, "-o", tif, "--reference", "9000", NULL);
    evox_test_assert_refused (&run, 2, "--reference 9000: ");
    g_assert_nonnull (strstr (run.err, "4 energies from 8330.0 to 8570.0 eV"));
  }
  {
    g_auto(Run) run = reg (in, "-o", tif, "--reference", "8570eV", NULL);
    evox_test_assert_refused (&run, 2, "--reference must be an energy in eV");
  }
  {
    g_auto(Run) run = reg (in, "-o", tif, "--exclude", "8330,8401", NULL);
    evox_test_assert_refused (&run, 2, "--exclude 8401: ");
  }
  {
    g_auto(Run) run = reg (in, "-o", tif, "--exclude", "8330,", NULL);
    evox_test_assert_refused (&run, 2, "--exclude takes energies");
  }
  {
    /* only the reference would be left */
    g_auto(Run) run = reg (in, "-o", tif, "--exclude", "8330,8400,8480", NULL);
    g_assert_cmpint (run.status, ==, 2);
    g_assert_cmpstr (run.out, ==, "");
  }
  {
    g_auto(Run) run = reg (in, "-o", tif, "--exclude", "8570", "--reference", "8570", NULL);
    evox_test_assert_refused (&run, 2, "that is the reference energy");
  }
  {
    g_auto(Run) run = reg (in, "-o", tif, "--bin", "0", NULL);
    evox_test_assert_refused (&run, 2, "--bin must be a whole number");
  }
  {
    g_auto(Run) run = reg (in, "-o", tif, "--bin", "2", NULL);
    evox_test_assert_refused (&run, 2, "--bin applies to");
  }
  {
    g_auto(Run) run = reg (in, plain, "-o", tif, NULL);
    evox_test_assert_refused (&run, 2, "several IN must be .xrm files");
  }
  {
    g_auto(Run) run = reg (one, "-o", tif, NULL);
    evox_test_assert_refused (&run, 1, "no stack of energies");
    g_assert_nonnull (strstr (run.err, one));
  }
  {
    g_auto(Run) run = reg (plain, "-o", tif, NULL);
    evox_test_assert_refused (&run, 1, "channel 0 has no energy");
    g_assert_nonnull (strstr (run.err, plain));
  }
  {
    g_auto(Run) run = reg (absent, "-o", tif, NULL);
    g_assert_cmpint (run.status, ==, 1);
    g_assert_nonnull (strstr (run.err, "absent.tif"));
  }
  {
    g_auto(Run) run = reg (in, "-o", in, NULL);
    evox_test_assert_refused (&run, 2, "that is the input file");
  }
  {
    g_autofree char *tiff = g_build_filename (dir, "stack.tiff", NULL);
    g_auto(Run) run = reg (in, "-o", tiff, NULL);
    evox_test_assert_refused (&run, 2, "stack.energies.txt belongs to the input");
  }
  {
    /* a folder as IN (here of TIFF pages) and as OUT: the new files would join the raw ones */
    g_auto(Run) run = reg (dir, "-o", dir, NULL);
    evox_test_assert_refused (&run, 2, "that is the input folder");
  }
  {
    g_auto(Run) run = reg (in, "-o", missing, NULL);
    evox_test_assert_refused (&run, 1, "does not exist");
  }
  /* A folder without write permission (root writes anywhere, so only as a user; as root a
   * read-only file system stands in when there is one). */
  {
    g_autofree char *locked = g_build_filename (dir, "locked", NULL);
    g_autofree char *target = NULL;

    if (geteuid () != 0)
      {
        g_assert_cmpint (g_mkdir (locked, 0555), ==, 0);
        target = g_strconcat (locked, G_DIR_SEPARATOR_S, NULL);
      }
    else if (g_access ("/proc/sys", W_OK) != 0)
      target = g_strdup ("/proc/sys/evox-registered/");
    if (target != NULL)
      {
        g_auto(Run) run = reg (in, "-o", target, NULL);
        evox_test_assert_refused (&run, 1, "is not writable");
      }
    else
      g_test_message ("no unwritable folder to try as root");
    if (geteuid () != 0)
      {
        g_assert_cmpuint (evox_test_count_entries (locked), ==, 0);
        g_chmod (locked, 0755);
        g_rmdir (locked);
      }
  }
  /* the three inputs, nothing else */
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 3);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A run that fails writing the volume leaves a report that --force would have replaced as it
 * was: the new report takes its name only after the volume is written. The folder output fails
 * here because one of its file names is taken by a folder. */
static void
test_failed_write_keeps_report (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = write_stack (dir, "stack.tif", N_ENERGIES, TRUE);
  g_autofree char *report = g_build_filename (dir, "qc.csv", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *blocker = g_build_filename (out, "stack_8400.0eV.tif", NULL);
  g_autofree char *text = NULL;

  g_assert_true (g_file_set_contents (report, "an earlier report\n", -1, NULL));
  g_assert_cmpint (g_mkdir_with_parents (blocker, 0755), ==, 0);
  {
    g_auto(Run) run = reg (in, "-o", out, "--report", report, "--force", NULL);

    g_assert_cmpint (run.status, ==, 1);
    g_assert_nonnull (strstr (run.err, "stack_8400.0eV.tif"));
    g_assert_nonnull (strstr (run.err, "a folder has that name"));
  }
  g_assert_true (g_file_get_contents (report, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "an earlier report\n");
  /* stack.tif, qc.csv and out/, nothing half-written beside them */
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 3);
  /* and none of the energies written beside the folder in the way */
  g_assert_cmpuint (evox_test_count_entries (out), ==, 1);
  g_rmdir (blocker);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The real SSRL set (two energies, 8324 and 8354 eV, each with its references), binned by 4: by
 * its scan script and as a plain list of its .xrm files, to HDF5 and a folder. What is checked is
 * what the command line adds: the reader's warnings, the energies, the reference, the report's
 * rows, the outputs. */
static void
test_real (void)
{
  g_autofree char *script = evox_test_data_path ("xrm/ssrl/20161456_ssrl-test-data_XANES.txt");
  g_autofree char *dir = NULL;
  g_autofree char *out = NULL;
  g_autofree char *qc = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *ssrl = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  static const char *files[] = {
    "rep01_000051_ref_20161456_ssrl-test-data_08324.0_eV_001of010.xrm",
    "rep01_000351_ref_20161456_ssrl-test-data_08354.0_eV_001of010.xrm",
    "rep01_20161456_ssrl-test-data_08324.0_eV_001of003.xrm",
    "rep01_20161456_ssrl-test-data_08354.0_eV_001of003.xrm",
  };
  char *paths[G_N_ELEMENTS (files)] = { NULL };

  if (script == NULL)
    return;
  dir = evox_test_tmpdir_new ();
  out = g_build_filename (dir, "ssrl.h5", NULL);
  qc = g_build_filename (dir, "qc.csv", NULL);
  folder = g_build_filename (dir, "stack/", NULL);
  ssrl = g_path_get_dirname (script);
  {
    g_auto(Run) run = reg (script, "-o", out, "--report", qc, "--bin", "4", NULL);
    assert_ok (&run);
    g_test_message ("%s%s", run.out, run.err);
    g_assert_nonnull (strstr (run.out, "reference: 8354.0 eV\n"));
    /* The reader's warnings come first, a line each, as every reading subcommand says them. */
    g_assert_true (g_str_has_prefix (run.err, "evox: warning: 4 files were matched"));
    g_assert_nonnull (strstr (run.err, "\nevox: warning: 802 of the 806 files the script names "
                                       "are missing"));
  }
  rows = evox_test_csv_read (qc);
  evox_test_csv_assert_header (rows, REPORT_HEADER);
  g_assert_cmpuint (rows->len, ==, 3);
  g_assert_cmpfloat (evox_test_csv_double (rows, 1, 0), ==, 8324);
  g_assert_cmpfloat (evox_test_csv_double (rows, 2, 0), ==, 8354);
  g_assert_cmpstr (((char **) rows->pdata[2])[2], ==, "1");
  volume = load (out);
  g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 2);
  g_assert_cmpfloat (evox_volume_get_channel_energy (volume, 0), ==, 8324);
  g_assert_cmpfloat (evox_volume_get_channel_energy (volume, 1), ==, 8354);

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    paths[i] = g_build_filename (ssrl, files[i], NULL);
  {
    g_autofree char *tif = g_build_filename (folder, "registered_8324.0eV.tif", NULL);
    g_auto(Run) run = reg (paths[0], paths[1], paths[2], paths[3], "-o", folder, "--bin", "4",
                           "--scale", "energy", NULL);
    assert_ok (&run);
    g_assert_cmpuint (evox_test_count_entries (folder), ==, 2);
    g_assert_true (evox_tiff_is_tiff (tif));
  }
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    g_free (paths[i]);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/RegisterCli/refusals", test_refusals);
  g_test_add_func ("/Evox/RegisterCli/tiff-stack", test_tiff_stack);
  g_test_add_func ("/Evox/RegisterCli/folder", test_folder);
  g_test_add_func ("/Evox/RegisterCli/constant-energy", test_constant_energy);
  g_test_add_func ("/Evox/RegisterCli/failed-write-keeps-report", test_failed_write_keeps_report);
  g_test_add_func ("/Evox/RegisterCli/hdf5", test_hdf5);
  g_test_add_func ("/Evox/RegisterCli/real", test_real);
  return g_test_run ();
}
