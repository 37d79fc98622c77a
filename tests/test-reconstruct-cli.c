/* test-reconstruct-cli.c: `evox reconstruct` run as a user would on Data Exchange files made here
 * from a phantom of Gaussian blobs projected analytically with known jitter; the volume read back
 * against the phantom, the report CSV, and every refusal (status, one line, nothing written). */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "evox-hdf5.h"
#include "evox-test-hdf5.h"
#include "evox-test-util.h"
#include "evox-test-xrm.h"
#include "evox-tiff.h"

typedef EvoxTestRun Run;
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, evox_test_run_clear)

#define NX 48
#define NY 16
#define N_ANGLES 60
#define PIXEL_NM 20.0
/* The rotation axis off the middle ((NX - 1) / 2 = 23.5). */
#define AXIS 23.2
#define WHITE 1000.0
#define DARK 10.0

/* Blobs: (x, z) in the plane turning about the axis, y along it, sigma (pixels), attenuation per
 * pixel length at the middle. A 3D Gaussian's line integral is analytic: a ray at distance d from
 * its centre sees A sigma sqrt (2 pi) exp (-d^2 / (2 sigma^2)). Smooth, so FBP renders it to a
 * few percent and the test measures the pipeline, not the edges of a sharp phantom. */
static const double blobs[][5] = {
  { 6.0, -4.0, 8.0, 3.0, 0.08 },
  { -8.0, 3.0, 7.5, 2.5, 0.06 },
  { 2.0, 9.0, 8.5, 2.5, 0.1 },
};

/* Detector u across, v along the axis, at angle theta: optical density. */
static double
projection (double theta,
            double u,
            double v)
{
  double sum = 0.0;

  for (guint b = 0; b < G_N_ELEMENTS (blobs); b++)
    {
      double du = u - (AXIS + blobs[b][0] * cos (theta) + blobs[b][1] * sin (theta));
      double dv = v - blobs[b][2];
      double s = blobs[b][3];

      sum += blobs[b][4] * s * sqrt (2 * G_PI) * exp (-(du * du + dv * dv) / (2 * s * s));
    }
  return sum;
}

/* Voxel (x, y) of slice z of the reconstruction, as evox-tomo.h places it: the slice's middle is
 * the axis. Attenuation per nm. */
static double
phantom (double x,
         double y,
         double z)
{
  double sum = 0.0;

  for (guint b = 0; b < G_N_ELEMENTS (blobs); b++)
    {
      double dx = x - ((NX - 1) / 2.0 + blobs[b][0]);
      double dy = y - ((NX - 1) / 2.0 + blobs[b][1]);
      double dz = z - blobs[b][2];
      double s = blobs[b][3];

      sum += blobs[b][4] * exp (-(dx * dx + dy * dy + dz * dz) / (2 * s * s));
    }
  return sum / PIXEL_NM;
}

/* Jitter of a couple of pixels, fixed, with no sinusoid of its own to speak of. */
static double
jitter_x (guint a)
{
  return 1.6 * sin (7.3 * a) * cos (2.1 * a);
}

static double
jitter_y (guint a)
{
  return 0.8 * cos (5.7 * a + 1.0);
}

typedef enum
{
  FILE_GOOD,
  FILE_NO_THETA,
  FILE_THETA_SHORT,
  FILE_WHITE_SIZE,
  FILE_ONE_IMAGE,
  FILE_BLANK,        /* every projection the flat field: optical density 0, nothing to align */
  FILE_ZEROS,        /* rows 0 to 3 of projection 5 zero counts, below the dark (a damaged file) */
} FileKind;

/* A Data Exchange file: counts dark + (white - dark) exp (-projection), two white frames, one
 * dark, theta in degrees over a half turn, the pixel size in nm. */
static char *
write_series (const char *dir,
              const char *name,
              FileKind    kind)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  guint n = kind == FILE_ONE_IMAGE ? 1 : N_ANGLES;
  guint white_nx = kind == FILE_WHITE_SIZE ? NX - 2 : NX;
  g_autofree double *data = g_new (double, (gsize) n * NX * NY);
  g_autofree double *white = g_new (double, 2 * (gsize) white_nx * NY);
  g_autofree double *dark = g_new (double, (gsize) NX * NY);
  g_autofree double *theta = g_new (double, n);
  hsize_t dims[3] = { n, NY, NX };
  hsize_t white_dims[3] = { 2, NY, white_nx };
  hsize_t dark_dims[3] = { 1, NY, NX };
  hsize_t n_theta = kind == FILE_THETA_SHORT ? n - 1 : n;
  hsize_t one = 1;
  double pixel = PIXEL_NM;
  hid_t file = H5Fcreate (path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);

  g_assert_cmpint (file, >=, 0);
  for (guint a = 0; a < n; a++)
    {
      double t = G_PI * a / n;

      theta[a] = 180.0 * a / n;
      for (guint y = 0; y < NY; y++)
        for (guint x = 0; x < NX; x++)
          data[((gsize) a * NY + y) * NX + x] =
            kind == FILE_BLANK ? WHITE
            : kind == FILE_ZEROS && a == 5 && y < 4 ? 0.0
            : DARK + (WHITE - DARK) * exp (-projection (t, x - jitter_x (a), y - jitter_y (a)));
    }
  for (gsize i = 0; i < 2 * (gsize) white_nx * NY; i++)
    white[i] = i < (gsize) white_nx * NY ? WHITE - 5 : WHITE + 5;
  for (gsize i = 0; i < (gsize) NX * NY; i++)
    dark[i] = DARK;
  evox_test_h5_put (file, "/exchange/data", H5T_IEEE_F32LE, 3, dims, data, NULL);
  evox_test_h5_put (file, "/exchange/data_white", H5T_IEEE_F32LE, 3, white_dims, white, NULL);
  evox_test_h5_put (file, "/exchange/data_dark", H5T_IEEE_F32LE, 3, dark_dims, dark, NULL);
  if (kind != FILE_NO_THETA)
    evox_test_h5_put (file, "/exchange/theta", H5T_IEEE_F64LE, 1, &n_theta, theta, "degrees");
  evox_test_h5_put (file, "/exchange/pixel_size", H5T_IEEE_F64LE, 1, &one, &pixel, "nm");
  H5Fclose (file);
  return g_steal_pointer (&path);
}

static Run
rec (const char *first,
     ...)
{
  va_list ap;
  Run run;

  va_start (ap, first);
  run = evox_test_run_evox_va (NULL, NULL, "reconstruct", first, ap);
  va_end (ap);
  return run;
}

/* Another subcommand (apply, methods). */
#define run_evox(...) evox_test_run_evox (__VA_ARGS__)

/* rec with setup run in the child before exec. */
static Run
rec_with_setup (GSpawnChildSetupFunc  setup,
                const char           *first,
                ...)
{
  va_list ap;
  Run run;

  va_start (ap, first);
  run = evox_test_run_evox_va (NULL, setup, "reconstruct", first, ap);
  va_end (ap);
  return run;
}

typedef struct
{
  char *in_dir;   /* the inputs */
  char *out_dir;  /* the outputs, empty after every refusal */
  char *good;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->in_dir = evox_test_tmpdir_new ();
  f->out_dir = evox_test_tmpdir_new ();
  f->good = write_series (f->in_dir, "series.h5", FILE_GOOD);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  evox_test_tmpdir_free (f->in_dir);
  evox_test_tmpdir_free (f->out_dir);
  g_free (f->good);
}

static double
relative_rmse_to_phantom (EvoxVolume *volume)
{
  const float *v = evox_volume_get_data (volume, 0);
  double num = 0.0, den = 0.0;

  for (guint z = 0; z < NY; z++)
    for (guint y = 0; y < NX; y++)
      for (guint x = 0; x < NX; x++)
        {
          double want = phantom (x, y, z);
          double got = v[((gsize) z * NX + y) * NX + x];

          num += (got - want) * (got - want);
          den += want * want;
        }
  return sqrt (num / den);
}

/* The sections of the report (split at the two blank lines ending each), parsed as CSV. */
static GPtrArray *
read_report (const char *path)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) parts = NULL;
  GPtrArray *sections = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  parts = g_strsplit (text, "\n\n\n", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] != '\0')
      {
        g_autofree char *section = g_strconcat (parts[i], "\n", NULL);

        g_ptr_array_add (sections, evox_test_csv_parse (section));
      }
  return sections;
}

static double
header_value (GPtrArray  *header,
              const char *key)
{
  g_autofree char *name = g_strdup_printf ("# %s", key);

  for (guint r = 0; r < header->len; r++)
    {
      char **fields = header->pdata[r];

      if (g_str_equal (fields[0], name))
        return g_ascii_strtod (fields[1], NULL);
    }
  g_error ("no %s in the report", key);
  return NAN;
}

static void
test_tiff (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *out = g_build_filename (f->out_dir, "rec.tif", NULL);
  g_autofree char *qc = g_build_filename (f->out_dir, "qc.csv", NULL);
  g_auto(Run) run = rec (f->good, "-o", out, "--report", qc, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(GPtrArray) sections = NULL;
  GPtrArray *angles, *fsc;
  gsize dims[3];
  double spacing[3], rmse, center;

  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "centre: "));
  g_assert_nonnull (strstr (run.out, "resolution (half-bit FSC)"));
  g_assert_nonnull (strstr (run.out, "time: "));
  g_assert_nonnull (strstr (run.out, "48 x 48 x 16 voxels of 20 nm"));

  volume = evox_tiff_read (out, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, NX);
  g_assert_cmpuint (dims[1], ==, NX);
  g_assert_cmpuint (dims[2], ==, NY);
  g_assert_cmpint (evox_volume_get_sample_type (volume), ==, EVOX_SAMPLE_F32);
  evox_volume_get_spacing (volume, spacing);
  g_assert_cmpfloat_with_epsilon (spacing[0], PIXEL_NM, 1e-4);
  /* the quantity and unit travel through the TIFF */
  g_assert_cmpstr (evox_volume_get_quantity (volume), ==, "linear attenuation");
  g_assert_cmpstr (evox_volume_get_unit (volume), ==, "1/nm");
  /* Jittered by up to 2.4 px; aligned, centred and reconstructed, the blobs come back (linear
   * attenuation per nm) to within 10 % RMS of the phantom's values (measured: see the log). */
  rmse = relative_rmse_to_phantom (volume);
  g_test_message ("relative RMSE to the phantom: %.4f", rmse);
  g_assert_cmpfloat (rmse, <, 0.10);

  sections = read_report (qc);
  g_assert_cmpuint (sections->len, ==, 5);
  center = header_value (sections->pdata[0], "center");
  g_assert_cmpfloat (fabs (center - AXIS), <, 0.5);
  g_assert_cmpfloat (header_value (sections->pdata[0], "n_angles"), ==, N_ANGLES);
  angles = sections->pdata[1];
  evox_test_csv_assert_header (angles, "index,theta_deg,dx,dy,fast_dx,fast_dy");
  g_assert_cmpuint (angles->len, ==, N_ANGLES + 1);
  {
    double ex = 0.0, ey = 0.0, mx = 0.0, my = 0.0;

    /* The shifts undo the jitter (up to a constant the fit cannot see in y, and the jitter's
     * own small sinusoid in x): their RMS distance from it after removing the means. */
    for (guint a = 0; a < N_ANGLES; a++)
      {
        g_assert_cmpfloat_with_epsilon (evox_test_csv_double (angles, a + 1, 1),
                                        180.0 * a / N_ANGLES, 1e-9);
        mx += (evox_test_csv_double (angles, a + 1, 2) + jitter_x (a)) / N_ANGLES;
        my += (evox_test_csv_double (angles, a + 1, 3) + jitter_y (a)) / N_ANGLES;
      }
    for (guint a = 0; a < N_ANGLES; a++)
      {
        double rx = evox_test_csv_double (angles, a + 1, 2) + jitter_x (a) - mx;
        double ry = evox_test_csv_double (angles, a + 1, 3) + jitter_y (a) - my;

        ex += rx * rx / N_ANGLES;
        ey += ry * ry / N_ANGLES;
      }
    g_test_message ("shift error RMS: %.3f px across, %.3f px along", sqrt (ex), sqrt (ey));
    g_assert_cmpfloat (sqrt (ey), <, 0.3);
    g_assert_cmpfloat (sqrt (ex), <, 0.5);
  }
  fsc = sections->pdata[4];
  evox_test_csv_assert_header (fsc, "frequency,fsc,n_voxels,half_bit_threshold");
  g_assert_cmpuint (fsc->len, ==, NY / 2 + 1);
  /* Shell 0's middle: 1/16 of Nyquist, 0.5 / 20 nm. */
  g_assert_cmpfloat_with_epsilon (evox_test_csv_double (fsc, 1, 0), 0.025 / (NY / 2) / 2, 1e-12);
  g_assert_cmpfloat (evox_test_csv_double (fsc, 1, 1), >, 0.9);
  g_assert_cmpuint (evox_test_count_entries (f->out_dir), ==, 2);
}

static void
test_hdf5_options (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *out = g_build_filename (f->out_dir, "rec.h5", NULL);
  g_auto(Run) run = rec (f->good, "-o", out, "--align", "none", "--center", "11.35",
                         "--algorithm", "sirt:5", "--bin", "2", "--no-fsc", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  gsize dims[3];
  double spacing[3];

  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "alignment: none"));
  g_assert_nonnull (strstr (run.out, "centre: 11.35 px"));
  g_assert_null (strstr (run.out, "resolution"));
  volume = evox_hdf5_load (out, 1, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  /* Binned 2 x 2: 24 x 8 projections, 24 x 24 x 8 voxels of 40 nm. */
  g_assert_cmpuint (dims[0], ==, NX / 2);
  g_assert_cmpuint (dims[1], ==, NX / 2);
  g_assert_cmpuint (dims[2], ==, NY / 2);
  evox_volume_get_spacing (volume, spacing);
  g_assert_cmpfloat_with_epsilon (spacing[0], 2 * PIXEL_NM, 1e-4);
}

/* --provenance: the HDF5 volume's root attribute evox_provenance and the report's first lines
 * hold the record (the input, its SHA-256, the command); the report's own lines follow. */
static void
test_provenance (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *out = g_build_filename (f->out_dir, "rec.h5", NULL);
  g_autofree char *qc = g_build_filename (f->out_dir, "qc.csv", NULL);
  g_auto(Run) run = rec (f->good, "-o", out, "--report", qc, "--align", "none", "--center",
                         "11.35", "--algorithm", "sirt:5", "--bin", "2", "--no-fsc",
                         "--provenance", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *record = NULL;
  g_autofree char *attribute = NULL;
  g_autofree char *report = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) head = g_string_new (NULL);
  gsize length;

  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_file_get_contents (f->good, &contents, &length, NULL));
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
  record = g_strdup_printf ("software: Evox %s\ninput: %s\ninput-sha256: %s\noperation: evox "
                            "reconstruct %s -o %s --report %s --align none --center 11.35 "
                            "--algorithm sirt:5 --bin 2 --no-fsc --provenance", PACKAGE_VERSION,
                            f->good, sha, f->good, out, qc);
  attribute = evox_test_h5_get_root_text (out, "evox_provenance");
  g_assert_cmpstr (attribute, ==, record);
  lines = g_strsplit (record, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    g_string_append_printf (head, "# %s\n", lines[i]);
  g_assert_true (g_file_get_contents (qc, &report, NULL, NULL));
  g_assert_true (g_str_has_prefix (report, head->str));
  g_assert_cmpuint (strlen (report), >, head->len);
}

/* The first half of the file at path, as name in dir. */
static char *
truncated_copy (const char *path,
                const char *dir,
                const char *name)
{
  g_autofree char *contents = NULL;
  char *out = g_build_filename (dir, name, NULL);
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (out, contents, length / 2, NULL));
  return out;
}

/* Each bad input: its status, one line naming the file or option and the reason, no output. */
static void
test_refusals (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *out = g_build_filename (f->out_dir, "rec.tif", NULL);
  g_autofree char *qc = g_build_filename (f->out_dir, "qc.csv", NULL);
  g_autofree char *no_theta = write_series (f->in_dir, "no-theta.h5", FILE_NO_THETA);
  g_autofree char *short_theta = write_series (f->in_dir, "short-theta.h5", FILE_THETA_SHORT);
  g_autofree char *white = write_series (f->in_dir, "white.h5", FILE_WHITE_SIZE);
  g_autofree char *one = write_series (f->in_dir, "one.h5", FILE_ONE_IMAGE);
  g_autofree char *blank = write_series (f->in_dir, "blank.h5", FILE_BLANK);
  g_autofree char *missing = g_build_filename (f->in_dir, "missing.h5", NULL);
  /* a copy that stopped half way */
  g_autofree char *truncated = truncated_copy (f->good, f->in_dir, "truncated.h5");
  struct
  {
    const char *in;
    const char *option;
    const char *value;
    int         status;
    const char *text;
  } cases[] = {
    { no_theta, NULL, NULL, 1, "theta" },
    { short_theta, NULL, NULL, 1, "59 angles for 60 projections" },
    { white, NULL, NULL, 1, "white.h5" },
    { one, NULL, NULL, 1, "holds 1 projection" },
    { blank, NULL, NULL, 1, "has no signal to align" },
    { missing, NULL, NULL, 1, "missing.h5" },
    { truncated, NULL, NULL, 1, "cannot open as HDF5 (truncated file" },
    { f->good, "--center", "48", 2, "--center 48: outside the detector" },
    { f->good, "--center", "-1", 2, "outside the detector" },
    { f->good, "--center", "middle", 2, "--center must be" },
    { f->good, "--align", "jiggle", 2, "unknown alignment 'jiggle'" },
    { f->good, "--align", "reproject:0", 2, "reproject:0" },
    { f->good, "--algorithm", "art", 2, "unknown algorithm 'art'" },
    { f->good, "--algorithm", "sirt:x", 2, "sirt:x" },
    { f->good, "--filter", "cosine", 2, "unknown filter 'cosine'" },
    { f->good, "--bin", "0", 2, "--bin must be" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = { 0 };

      if (cases[i].option != NULL)
        run = rec (cases[i].in, "-o", out, "--report", qc, cases[i].option, cases[i].value,
                   NULL);
      else
        run = rec (cases[i].in, "-o", out, "--report", qc, NULL);
      g_test_message ("case %u: %s", i, run.err);
      evox_test_assert_refused (&run, cases[i].status, cases[i].text);
      if (cases[i].option == NULL && cases[i].in != missing)
        g_assert_nonnull (strstr (run.err, cases[i].in));
      g_assert_cmpuint (evox_test_count_entries (f->out_dir), ==, 0);
    }

  {
    g_autofree char *png = g_build_filename (f->out_dir, "rec.png", NULL);
    g_auto(Run) run = rec (f->good, "-o", png, NULL);

    evox_test_assert_refused (&run, 2, "OUT must end in .h5, .hdf5, .tif or .tiff");
  }
  {
    g_auto(Run) run = rec (f->good, NULL);

    g_assert_cmpint (run.status, ==, 2);
    g_assert_nonnull (strstr (run.err, "-o OUT is required"));
  }
  g_assert_cmpuint (evox_test_count_entries (f->out_dir), ==, 0);
}

/* Ctrl-C: the run stops with status 130 (as a shell reports SIGINT), says so in one line, and
 * writes nothing (no volume, no report, no temporary file). Without the cancellable the signal
 * would stay blocked and the run would succeed. */
static void
test_interrupt (Fixture       *f,
                gconstpointer  data)
{
  const char *names[] = { "rec.tif", "rec.h5" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *out = g_build_filename (f->out_dir, names[i], NULL);
      g_autofree char *qc = g_build_filename (f->out_dir, "qc.csv", NULL);
      g_auto(Run) run = rec_with_setup (evox_test_press_ctrl_c, f->good, "-o", out, "--report", qc, NULL);

      g_test_message ("%s: status %d, stderr: %s", names[i], run.status, run.err);
      evox_test_assert_refused (&run, 130, "evox: cancelled; nothing written");
      g_assert_cmpuint (evox_test_count_entries (f->out_dir), ==, 0);
    }
}

/* Outputs that cannot be written: a --report in a folder that is not there (found before
 * anything is read), and a full disk (files limited to 100 kB; the volume is 147 kB) while the
 * TIFF or the HDF5 file is written: status 1, one line with the system's reason, no volume, no
 * report, no temporary file. */
static void
test_unwritable (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *qc = g_build_filename (f->out_dir, "qc.csv", NULL);
  const char *names[] = { "rec.tif", "rec.h5" };

  {
    g_autofree char *out = g_build_filename (f->out_dir, "rec.tif", NULL);
    g_autofree char *missing = g_build_filename (f->out_dir, "no", "qc.csv", NULL);
    g_auto(Run) run = rec (f->good, "-o", out, "--report", missing, NULL);

    evox_test_assert_refused (&run, 1, "does not exist");
    g_assert_nonnull (strstr (run.err, "no/qc.csv"));
    g_assert_cmpuint (evox_test_count_entries (f->out_dir), ==, 0);
  }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *out = g_build_filename (f->out_dir, names[i], NULL);
      g_auto(Run) run = rec_with_setup (evox_test_limit_file_size, f->good, "-o", out,
                                        "--report", qc, "--no-fsc", NULL);

      g_test_message ("%s: %s", names[i], run.err);
      evox_test_assert_refused (&run, 1, names[i]);
      g_assert_nonnull (strstr (run.err, "File too large"));
      g_assert_cmpuint (evox_test_count_entries (f->out_dir), ==, 0);
    }
}

/* Counts below the dark level (4 rows of one projection zeroed, 192 pixels of 46080) are read as
 * the floor's optical density and the run goes on, but stderr says how many; a clean file gives
 * no warning. */
static void
test_clamped (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *zeros = write_series (f->in_dir, "zeros.h5", FILE_ZEROS);
  g_autofree char *out = g_build_filename (f->out_dir, "rec.tif", NULL);
  g_autofree char *clean = g_build_filename (f->out_dir, "clean.tif", NULL);
  g_auto(Run) run = rec (zeros, "-o", out, "--no-fsc", "--align", "none", NULL);
  g_auto(Run) good = rec (f->good, "-o", clean, "--no-fsc", "--align", "none", NULL);

  g_assert_cmpint (run.status, ==, 0);
  g_test_message ("%s", run.err);
  g_assert_nonnull (strstr (run.err, "evox: warning: "));
  g_assert_nonnull (strstr (run.err, "zeros.h5: 192 pixels (0.417 % of the projections) at or "
                                     "below the dark level, read as optical density 13.82\n"));
  g_assert_true (g_file_test (out, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (good.status, ==, 0);
  g_assert_cmpstr (good.err, ==, "");
}

/* Existing outputs are refused, untouched, unless --force. */
static void
test_force (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *out = g_build_filename (f->out_dir, "rec.tif", NULL);
  g_autofree char *qc = g_build_filename (f->out_dir, "qc.csv", NULL);
  g_autofree char *text = NULL;

  g_assert_true (g_file_set_contents (qc, "mine\n", -1, NULL));
  {
    g_auto(Run) run = rec (f->good, "-o", out, "--report", qc, "--no-fsc", NULL);

    evox_test_assert_refused (&run, 1, "exists already (use --force");
    g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
    g_assert_true (g_file_get_contents (qc, &text, NULL, NULL));
    g_assert_cmpstr (text, ==, "mine\n");
  }
  {
    g_auto(Run) run = rec (f->good, "-o", out, "--report", qc, "--no-fsc", "--force", NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_clear_pointer (&text, g_free);
    g_assert_true (g_file_get_contents (qc, &text, NULL, NULL));
    g_assert_true (g_str_has_prefix (text, "# evox reconstruction report\n"));
    g_assert_true (g_file_test (out, G_FILE_TEST_IS_REGULAR));
  }
  {
    g_auto(Run) run = rec (f->good, "-o", out, "--no-fsc", NULL);

    evox_test_assert_refused (&run, 1, "exists already (use --force");
  }
  g_assert_cmpuint (evox_test_count_entries (f->out_dir), ==, 2);
}

/* Reprojection iterations on the command line: the summary line and the report's table. */
static void
test_reproject (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *out = g_build_filename (f->out_dir, "rec.tif", NULL);
  g_autofree char *qc = g_build_filename (f->out_dir, "qc.csv", NULL);
  g_auto(Run) run = rec (f->good, "-o", out, "--report", qc, "--align", "reproject:2",
                         "--no-fsc", NULL);
  g_autoptr(GPtrArray) sections = NULL;
  GPtrArray *iterations;
  double n;

  if (run.status != 0 && strstr (run.err, "not yet") != NULL)
    {
      g_test_skip ("reprojection alignment not implemented yet");
      g_assert_cmpuint (evox_test_count_entries (f->out_dir), ==, 0);
      return;
    }
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "alignment: reproject\n"));
  g_assert_nonnull (strstr (run.out, "reprojection: "));
  sections = read_report (qc);
  g_assert_cmpuint (sections->len, ==, 5);
  n = header_value (sections->pdata[0], "n_iterations");
  iterations = sections->pdata[2];
  evox_test_csv_assert_header (iterations, "level,iteration,residual,update_rms");
  g_assert_cmpfloat (n, >=, 1);
  g_assert_cmpuint (iterations->len, ==, (guint) n + 1);
  for (guint i = 1; i < iterations->len; i++)
    {
      g_assert_cmpfloat (evox_test_csv_double (iterations, i, 2), >=, 0.0);
      g_assert_cmpfloat (evox_test_csv_double (iterations, i, 3), >=, 0.0);
    }
  /* The fast pass had the shifts to 0.03 px already: the last update is small. */
  g_assert_cmpfloat (evox_test_csv_double (iterations, iterations->len - 1, 3), <, 0.3);
}

/* A two-energy set as SSRL's scans leave it: a folder of single-image .xrm files, per energy
 * NA angles and a reference file. The writer's images are a fixed pattern, not a phantom: this
 * checks the plumbing (a channel per energy in the output, the energy sections of the report),
 * the multi-energy registration itself is checked in test-tomo-spectral. */
#define SET_W 24
#define SET_H 8
#define SET_NA 8

static void
write_set (const char *dir)
{
  static const char *energies[] = { "08324.0", "08354.0" };

  for (guint e = 0; e < 2; e++)
    for (guint a = 0; a <= SET_NA; a++)
      {
        g_autofree char *name = a < SET_NA
          ? g_strdup_printf ("rep01_sample_%s_eV_%03uof%03u.xrm", energies[e], a + 1, SET_NA)
          : g_strdup_printf ("rep01_000001_ref_sample_%s_eV_001of001.xrm", energies[e]);
        g_autofree char *path = g_build_filename (dir, name, NULL);
        float angle = a < SET_NA ? -90.0f + 180.0f * a / SET_NA : 0.0f;
        EvoxTestXrm spec = { 0 };

        spec.width = SET_W;
        spec.height = SET_H;
        spec.n_images = 1;
        /* Samples u8 (150 to 249), references u16 (60000 and more): optical density near 5.7,
         * positive everywhere, as through a sample. */
        spec.data_type = a < SET_NA ? 3 : 5;
        spec.angles = &angle;
        spec.image_offset = a < SET_NA ? a + 10 * e : 40;
        evox_test_xrm_write (path, &spec);
      }
}

static void
test_two_energies (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *set = g_build_filename (f->in_dir, "set", NULL);
  g_autofree char *out = g_build_filename (f->out_dir, "rec.h5", NULL);
  g_autofree char *qc = g_build_filename (f->out_dir, "qc.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(GPtrArray) sections = NULL;
  gsize dims[3];

  g_assert_cmpint (g_mkdir (set, 0755), ==, 0);
  write_set (set);
  {
    g_auto(Run) run = rec (set, "-o", out, "--report", qc, NULL);

    g_test_message ("%s", run.err);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "energies: 2\n"));
  }
  volume = evox_hdf5_load (out, 1, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, SET_W);
  g_assert_cmpuint (dims[1], ==, SET_W);
  g_assert_cmpuint (dims[2], ==, SET_H);
  g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 2);
  g_assert_cmpfloat_with_epsilon (evox_volume_get_channel_energy (volume, 0), 8324.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (evox_volume_get_channel_energy (volume, 1), 8354.0, 1e-6);

  sections = read_report (qc);
  g_assert_cmpuint (sections->len, ==, 7);
  g_assert_cmpfloat (header_value (sections->pdata[0], "n_energies"), ==, 2);
  g_assert_cmpfloat (header_value (sections->pdata[0], "reference_ev"), ==, 8354.0);
  evox_test_csv_assert_header (sections->pdata[5], "energy_ev,index,theta_deg,dx,dy,outlier");
  g_assert_cmpuint (((GPtrArray *) sections->pdata[5])->len, ==, 2 * SET_NA + 1);
  evox_test_csv_assert_header (sections->pdata[6], "energy_ev,scale,fit_a,fit_b,fit_c,fit_dy,"
                               "fit_rms,n_outliers");
  g_assert_cmpuint (((GPtrArray *) sections->pdata[6])->len, ==, 3);
}

/* The real .txrm of the test data: 7 angles and no reference image, so no optical density to
 * reconstruct; refused by name, nothing written. */
static void
test_txrm_without_reference (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *path = evox_test_data_path ("xrm/txrm_test_chip_tomo.txrm");
  g_autofree char *out = g_build_filename (f->out_dir, "rec.tif", NULL);
  g_autofree char *qc = g_build_filename (f->out_dir, "qc.csv", NULL);

  if (path == NULL)
    return;
  {
    g_auto(Run) run = rec (path, "-o", out, "--report", qc, NULL);

    evox_test_assert_refused (&run, 1, "no reference image");
    g_assert_nonnull (strstr (run.err, "txrm_test_chip_tomo.txrm"));
  }
  g_assert_cmpuint (evox_test_count_entries (f->out_dir), ==, 0);
}

/* --session records the options (defaults written out) and what was reached; `evox apply` on
 * a copy of the series writes the same volume, and the methods text names every setting. */
static void
test_session (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *out = g_build_filename (f->out_dir, "rec.tif", NULL);
  g_autofree char *qc = g_build_filename (f->out_dir, "qc.csv", NULL);
  g_autofree char *session = g_build_filename (f->out_dir, "rec.evox", NULL);
  g_autofree char *copy = g_build_filename (f->in_dir, "copy.h5", NULL);
  g_autofree char *applied = g_build_filename (f->out_dir, "apply", NULL);
  g_autofree char *again = g_build_filename (applied, "copy", "reconstruction.tif", NULL);
  g_autofree char *again_qc = g_build_filename (applied, "copy", "reconstruction.csv", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) direct = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(GPtrArray) sections = NULL;
  JsonObject *record, *result;
  gsize length;

  {
    g_auto(Run) run = rec (f->good, "-o", out, "--align", "none", "--algorithm", "sirt:5",
                           "--report", qc, "--session", session, NULL);

    g_assert_cmpint (run.status, ==, 0);
  }
  g_assert_true (json_parser_load_from_file (parser, session, &error));
  g_assert_no_error (error);
  record = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)),
                                          "reconstruction");
  g_assert_nonnull (record);
  g_assert_cmpint (json_object_get_int_member (record, "version"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (record, "align"), ==, "none");
  g_assert_cmpstr (json_object_get_string_member (record, "center"), ==, "auto");
  g_assert_cmpstr (json_object_get_string_member (record, "algorithm"), ==, "sirt:5");
  g_assert_cmpstr (json_object_get_string_member (record, "filter"), ==, "ramp");
  g_assert_cmpint (json_object_get_int_member (record, "bin"), ==, 1);
  g_assert_true (json_object_get_boolean_member (record, "fsc"));
  g_assert_true (json_object_get_boolean_member (record, "report"));
  g_assert_cmpstr (json_object_get_string_member (record, "output"), ==, "tiff");
  result = json_object_get_object_member (record, "result");
  sections = read_report (qc);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (result, "center-px"),
                                  header_value (sections->pdata[0], "center"), 1e-6);

  g_assert_true (g_file_get_contents (f->good, &contents, &length, &error));
  g_assert_true (g_file_set_contents (copy, contents, (gssize) length, &error));
  {
    g_auto(Run) run = run_evox ("apply", session, copy, "--outdir", applied,
                                                  NULL);

    g_assert_cmpint (run.status, ==, 0);
  }
  direct = evox_tiff_read (out, NULL, NULL, &error);
  g_assert_no_error (error);
  volume = evox_tiff_read (again, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_voxels (volume), ==, evox_volume_get_n_voxels (direct));
  g_assert_cmpmem (evox_volume_get_data (volume, 0), evox_volume_get_n_voxels (volume) * 4,
                   evox_volume_get_data (direct, 0), evox_volume_get_n_voxels (direct) * 4);
  g_assert_true (g_file_test (again_qc, G_FILE_TEST_IS_REGULAR));
  {
    g_auto(Run) run = run_evox ("methods", session, NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "Reconstruction. The projections were flat- and "
                                       "dark-corrected into optical density, aligned for jitter "
                                       "(none), the rotation centre from the centre-of-mass fit "
                                       "refined by a sharpness search ("));
    g_assert_nonnull (strstr (run.out, "reconstructed by SIRT (5 iterations)"));
    g_assert_nonnull (strstr (run.out, "resolution (FSC of odd and even angles)"));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/Evox/ReconstructCli/session", Fixture, NULL, fixture_set_up, test_session,
              fixture_tear_down);
  g_test_add ("/Evox/ReconstructCli/tiff", Fixture, NULL, fixture_set_up, test_tiff,
              fixture_tear_down);
  g_test_add ("/Evox/ReconstructCli/hdf5-options", Fixture, NULL, fixture_set_up,
              test_hdf5_options, fixture_tear_down);
  g_test_add ("/Evox/ReconstructCli/provenance", Fixture, NULL, fixture_set_up,
              test_provenance, fixture_tear_down);
  g_test_add ("/Evox/ReconstructCli/refusals", Fixture, NULL, fixture_set_up, test_refusals,
              fixture_tear_down);
  g_test_add ("/Evox/ReconstructCli/interrupt", Fixture, NULL, fixture_set_up, test_interrupt,
              fixture_tear_down);
  g_test_add ("/Evox/ReconstructCli/unwritable", Fixture, NULL, fixture_set_up, test_unwritable,
              fixture_tear_down);
  g_test_add ("/Evox/ReconstructCli/clamped", Fixture, NULL, fixture_set_up, test_clamped,
              fixture_tear_down);
  g_test_add ("/Evox/ReconstructCli/force", Fixture, NULL, fixture_set_up, test_force,
              fixture_tear_down);
  g_test_add ("/Evox/ReconstructCli/reproject", Fixture, NULL, fixture_set_up, test_reproject,
              fixture_tear_down);
  g_test_add ("/Evox/ReconstructCli/two-energies", Fixture, NULL, fixture_set_up,
              test_two_energies, fixture_tear_down);
  g_test_add ("/Evox/ReconstructCli/txrm-without-reference", Fixture, NULL, fixture_set_up,
              test_txrm_without_reference, fixture_tear_down);
  return g_test_run ();
}
