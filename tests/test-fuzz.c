/* test-fuzz.c: mutated SSRM tables, TIFF files, feature files, Xradia and HDF5 files give a volume
 * (or a tilt series) or an error, never a crash; the inputs `./dev fuzz` found crashing replay
 * through the same reader calls as its harnesses. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <string.h>
#include <hdf5.h>

#include "evox-demo.h"
#include "evox-fuzz.h"
#include "evox-fuzz-targets.h"
#include "evox-feature-file.h"
#include "evox-hdf5.h"
#include "evox-loader.h"
#include "evox-spectral-reader.h"
#include "evox-tiff.h"
#include "evox-tilt-reader.h"
#include "evox-test-util.h"
#include "evox-test-hdf5.h"
#include "evox-test-xrm.h"

#define ROUNDS 400

/* Flips, deletes and inserts bytes, favouring the ones parsers care about. */
static GBytes *
mutate (GRand        *rand,
        const guint8 *data,
        gsize         length)
{
  static const char interesting[] = ",;\t\n\r 0123456789.-eNa#\"\x00\xff\x7f";
  GByteArray *b = g_byte_array_sized_new (length + 64);
  int n_ops = g_rand_int_range (rand, 1, 12);

  g_byte_array_append (b, data, length);
  for (int i = 0; i < n_ops && b->len > 0; i++)
    {
      guint pos = g_rand_int_range (rand, 0, b->len);
      switch (g_rand_int_range (rand, 0, 4))
        {
        case 0:
          b->data[pos] = interesting[g_rand_int_range (rand, 0, sizeof interesting - 1)];
          break;
        case 1:
          b->data[pos] = (guint8) g_rand_int (rand);
          break;
        case 2:
          {
            guint count = g_rand_int_range (rand, 1, 64);
            g_byte_array_remove_range (b, pos, MIN (count, b->len - pos));
          }
          break;
        default:
          {
            guint count = g_rand_int_range (rand, 1, 8);
            guint old = b->len;
            g_byte_array_set_size (b, old + count);
            memmove (b->data + pos + count, b->data + pos, old - pos);
            for (guint k = 0; k < count; k++)
              b->data[pos + k] = (guint8) g_rand_int (rand);
          }
          break;
        }
    }
  return g_byte_array_free_to_bytes (b);
}

/* Opens a mutant with one reader: TRUE when it gave something usable, FALSE with an error. */
typedef gboolean (*TryLoad) (const char *path,
                             GError    **error);

static gboolean
try_volume (const char  *path,
            GError     **error)
{
  g_autoptr(EvoxVolume) volume = evox_volume_load (path, NULL, NULL, NULL, error);

  if (volume == NULL)
    return FALSE;
  /* Whatever loaded must be usable. */
  g_assert_nonnull (evox_volume_get_stats (volume, 0));
  g_assert_nonnull (evox_volume_get_fine_histogram (volume, 0));
  return TRUE;
}

static void
fuzz_file_with (const char *seed_path,
                const char *name,
                guint32     seed,
                TryLoad     try_load)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autofree char *original = NULL;
  gsize length;
  guint opened = 0;

  g_assert_true (g_file_get_contents (seed_path, &original, &length, NULL));
  g_setenv ("EVOX_MEMORY_LIMIT", "256M", TRUE);
  for (int round = 0; round < ROUNDS; round++)
    {
      g_autoptr(GBytes) bytes = mutate (rand, (const guint8 *) original, length);
      g_autoptr(GError) error = NULL;
      gsize size;
      gconstpointer data = g_bytes_get_data (bytes, &size);

      g_assert_true (g_file_set_contents (path, data, size, NULL));
      if (try_load (path, &error))
        {
          g_assert_no_error (error);
          opened++;
        }
      else
        {
          g_assert_nonnull (error);
          g_assert_nonnull (strstr (error->message, name));
        }
    }
  g_unsetenv ("EVOX_MEMORY_LIMIT");
  g_test_message ("%s: %u of %d mutations still opened", name, opened, ROUNDS);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
fuzz_file (const char *seed_path,
           const char *name,
           guint32     seed)
{
  fuzz_file_with (seed_path, name, seed, try_volume);
}

static void
test_fuzz_ssrm (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *seed = g_build_filename (dir, "seed.csv", NULL);
  g_autoptr(GString) table = g_string_new ("R0,Z0,X,Y,R1,Z1\n");

  for (int y = 0; y < 6; y++)
    for (int x = 0; x < 7; x++)
      g_string_append_printf (table, "%.2f,0,%d,%d,%.2f,43\n", -5 + 0.1 * x, x, y, 0.3 * y);
  g_assert_true (g_file_set_contents (seed, table->str, table->len, NULL));
  fuzz_file (seed, "table.csv", 11);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
fuzz_tiff (EvoxTiffWriteFlags flags,
           guint32            seed)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "seed.tif", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (9, 7, 3, 1, EVOX_SAMPLE_U16, &error);
  guint16 *v = evox_volume_get_data_mut (volume, 0);

  for (int i = 0; i < 9 * 7 * 3; i++)
    v[i] = (guint16) (i * 37);
  g_assert_true (evox_tiff_write (volume, 0, path, flags, &error));
  g_assert_no_error (error);
  fuzz_file (path, "stack.tif", seed);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_fuzz_tiff_plain (void)
{
  fuzz_tiff (EVOX_TIFF_WRITE_NONE, 21);
}

static void
test_fuzz_tiff_deflate (void)
{
  fuzz_tiff (EVOX_TIFF_WRITE_DEFLATE | EVOX_TIFF_WRITE_F32, 31);
}

/* A hyperstack: mutations of its description (channels=, slices=, frames=, evox_channels=,
 * evox_channel_values=) must read as some layout or fail, never address pages outside the
 * volume. */
static void
test_fuzz_tiff_hyperstack (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "seed.tif", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (5, 4, 3, 2, EVOX_SAMPLE_U8, &error);

  for (guint c = 0; c < 2; c++)
    {
      guint8 *v = evox_volume_get_data_mut (volume, c);

      for (int i = 0; i < 5 * 4 * 3; i++)
        v[i] = (guint8) (i * 3 + c * 100);
    }
  evox_volume_set_channel_info (volume, 0, "a", 6534);
  evox_volume_set_channel_values (volume, 0, EVOX_SCALE_LOG10, "resistance", "ohm");
  evox_volume_set_channel_values (volume, 1, EVOX_SCALE_LINEAR, "cluster", NULL);
  g_assert_true (evox_tiff_write (volume, -1, path, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  fuzz_file (path, "hyper.tif", 51);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Xradia files: byte flips land in the OLE2 header, allocation tables, directory and streams
 * (sizes, types, names), and random cuts make truncated files. A small .txrm with a reference,
 * small streams (metadata in the mini stream) and big ones (images of 40 x 32 u16). */
static void
test_fuzz_xrm (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *seed = g_build_filename (dir, "seed.txrm", NULL);
  g_autofree char *path = g_build_filename (dir, "scan.txrm", NULL);
  static const float energies[4] = { 8333, 8340, 8350, 0 };
  EvoxTestXrm spec = { .width = 40, .height = 32, .n_images = 3, .data_type = 5,
                       .energies = energies, .n_energies = 4, .reference = TRUE };
  g_autoptr(GRand) rand = g_rand_new_with_seed (61);
  g_autofree char *original = NULL;
  gsize length;
  guint opened = 0;

  evox_test_xrm_write (seed, &spec);
  fuzz_file (seed, "mutant.txrm", 71);

  /* Cuts anywhere, and runs of random bytes over the header and the tables. */
  g_assert_true (g_file_get_contents (seed, &original, &length, NULL));
  g_setenv ("EVOX_MEMORY_LIMIT", "256M", TRUE);
  for (int round = 0; round < ROUNDS; round++)
    {
      g_autofree char *copy = g_memdup2 (original, length);
      gsize size = length;
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxVolume) volume = NULL;

      if (round % 2 == 0)
        size = g_rand_int_range (rand, 0, (gint32) length);
      else
        for (int k = g_rand_int_range (rand, 1, 6); k > 0; k--)
          {
            /* The first sectors hold the header, FAT and directory. */
            gsize at = g_rand_int_range (rand, 0, (gint32) MIN (length, 3 * 4096 + 512));
            guint32 word = g_rand_int (rand);

            memcpy (copy + MIN (at, length - 4), &word, 4);
          }
      g_assert_true (g_file_set_contents (path, copy, size, NULL));
      volume = evox_volume_load (path, NULL, NULL, NULL, &error);
      if (volume == NULL)
        {
          g_assert_nonnull (error);
          g_assert_nonnull (strstr (error->message, "scan.txrm"));
        }
      else
        opened++;
    }
  g_unsetenv ("EVOX_MEMORY_LIMIT");
  g_test_message ("scan.txrm: %u of %d cuts and overwrites still opened", opened, ROUNDS);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Mutated .npy matrices and feature CSVs, read by their own readers (the loader refuses .npy). */
static void
test_fuzz_feature_files (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *seed_npy = g_build_filename (dir, "seed.npy", NULL);
  g_autofree char *npy = g_build_filename (dir, "matrix.npy", NULL);
  g_autofree char *csv = g_build_filename (dir, "features.csv", NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (41);
  g_autoptr(GString) table = g_string_new ("x,y,z,a,b\n");
  g_autoptr(GError) error = NULL;
  g_autofree char *original = NULL;
  double values[4 * 3];
  gsize length;
  guint opened = 0;

  for (int i = 0; i < 12; i++)
    values[i] = i * 0.5 - 2;
  g_assert_true (evox_npy_write (seed_npy, values, 4, 3, TRUE, &error));
  g_assert_true (g_file_get_contents (seed_npy, &original, &length, NULL));
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 5; x++)
      g_string_append_printf (table, "%d,%d,%d,%.2f,%.1f\n", x, y, (x + y) % 2, 0.1 * x, 2.0 * y);

  g_setenv ("EVOX_MEMORY_LIMIT", "256M", TRUE);
  for (int round = 0; round < ROUNDS; round++)
    {
      g_autoptr(GBytes) bytes = mutate (rand, (const guint8 *) original, length);
      g_autoptr(GBytes) text = mutate (rand, (const guint8 *) table->str, table->len);
      g_autoptr(EvoxNpyMatrix) m = NULL;
      g_autoptr(EvoxVolume) volume = NULL;
      GError *failure = NULL;
      gsize size;
      gconstpointer data = g_bytes_get_data (bytes, &size);

      g_assert_true (g_file_set_contents (npy, data, size, NULL));
      m = evox_npy_read (npy, TRUE, &failure);
      if (m == NULL)
        {
          g_assert_nonnull (failure);
          g_assert_nonnull (strstr (failure->message, "matrix.npy"));
          g_clear_error (&failure);
        }
      else
        {
          /* whatever it read, the file held it */
          g_assert_cmpuint (m->rows * m->cols, <=, size);
          opened++;
        }
      data = g_bytes_get_data (text, &size);
      g_assert_true (g_file_set_contents (csv, data, size, NULL));
      volume = evox_feature_file_load_csv (csv, &failure);
      if (volume == NULL)
        {
          g_assert_nonnull (failure);
          g_assert_nonnull (strstr (failure->message, "features.csv"));
          g_clear_error (&failure);
        }
    }
  g_unsetenv ("EVOX_MEMORY_LIMIT");
  g_test_message ("matrix.npy: %u of %d mutations still opened", opened, ROUNDS);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A Data Exchange file as Evox writes it: two energies of u16 with energies, pixel sizes and
 * metadata, so mutations reach the superblock, the object headers, the attributes and the
 * chunk index. */
static void
test_fuzz_hdf5 (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "seed.h5", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (6, 5, 1, 2, EVOX_SAMPLE_U16, &error);
  double spacing[3] = { 30, 30, 30 };

  for (guint c = 0; c < 2; c++)
    {
      guint16 *v = evox_volume_get_data_mut (volume, c);

      for (int i = 0; i < 6 * 5; i++)
        v[i] = (guint16) (i * 997 + c * 13);
      evox_volume_set_channel_info (volume, c, c == 0 ? "a" : "b", 8300 + 50 * c);
    }
  evox_volume_set_spacing (volume, spacing);
  evox_volume_set_spacing_known (volume, TRUE);
  evox_volume_set_metadata (volume, "sample", "NMC");
  g_assert_true (evox_hdf5_write (volume, path, FALSE, NULL, NULL, &error));
  g_assert_no_error (error);
  fuzz_file (path, "data.h5", 61);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static volatile double tilt_sink;

/* A tilt series that loaded must be one: at least two angles, a detector of some size, and
 * every value readable (ASan checks the reads). */
static gboolean
try_tilt (const char  *path,
          GError     **error)
{
  g_autoptr(EvoxTiltSeries) series = evox_tilt_reader_load (path, NULL, error);
  double sum = 0;

  if (series == NULL)
    return FALSE;
  g_assert_cmpuint (series->n_angles, >=, 2);
  g_assert_cmpuint (series->nx, >, 0);
  g_assert_cmpuint (series->ny, >, 0);
  for (guint a = 0; a < series->n_angles; a++)
    for (guint y = 0; y < series->ny; y++)
      {
        const float *row = evox_tilt_series_row (series, a, y);

        for (guint x = 0; x < series->nx; x++)
          sum += row[x];
      }
  /* Kept, so the reads are not optimised away. */
  tilt_sink = sum;
  return TRUE;
}

/* Tilt series: a Data Exchange file with every part the tilt reader reads (u16 projections,
 * white and dark frames, angles and pixel size with units, energy, both exposure times), so
 * mutations reach its shapes, types and attributes; and a .txrm with angles and a reference. */
static void
test_fuzz_tilt (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *h5 = g_build_filename (dir, "seed.h5", NULL);
  g_autofree char *txrm = g_build_filename (dir, "seed.txrm", NULL);
  hsize_t dims[3] = { 4, 5, 6 }, ref_dims[3] = { 2, 5, 6 }, one = 1, four = 4;
  double data[120], white[60], dark[60];
  double theta[4] = { 0, 45, 90, 135 }, pixel = 0.03, energy = 8.3, t_data = 2, t_white = 1;
  hid_t file;
  static const float energies[1] = { 8333 };
  EvoxTestXrm spec = { .width = 12, .height = 10, .n_images = 4, .data_type = 5,
                       .energies = energies, .n_energies = 1, .reference = TRUE };

  for (guint i = 0; i < 120; i++)
    data[i] = 100 + (i * 37) % 900;
  for (guint i = 0; i < 60; i++)
    {
      white[i] = 1000 + i;
      dark[i] = 90 + i % 7;
    }
  file = H5Fcreate (h5, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  g_assert_cmpint (file, >=, 0);
  evox_test_h5_put (file, "/exchange/data", H5T_STD_U16LE, 3, dims, data, NULL);
  evox_test_h5_put (file, "/exchange/data_white", H5T_STD_U16LE, 3, ref_dims, white, NULL);
  evox_test_h5_put (file, "/exchange/data_dark", H5T_STD_U16LE, 3, ref_dims, dark, NULL);
  evox_test_h5_put (file, "/exchange/theta", H5T_IEEE_F64LE, 1, &four, theta, "deg");
  evox_test_h5_put (file, "/exchange/pixel_size", H5T_IEEE_F64LE, 1, &one, &pixel, "um");
  evox_test_h5_put (file, "/exchange/energy", H5T_IEEE_F64LE, 1, &one, &energy, "keV");
  evox_test_h5_put (file, "/measurement/instrument/detector/exposure_time", H5T_IEEE_F64LE, 1, &one,
               &t_data, NULL);
  evox_test_h5_put (file, "/process/acquisition/flat_fields/flat_exposure_time", H5T_IEEE_F64LE, 1,
               &one, &t_white, NULL);
  g_assert_cmpint (H5Fclose (file), >=, 0);
  /* The seeds themselves load, so the mutants start from a file the reader takes. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (try_tilt (h5, &error));
    g_assert_no_error (error);
    evox_test_xrm_write (txrm, &spec);
    g_assert_true (try_tilt (txrm, &error));
    g_assert_no_error (error);
  }
  fuzz_file_with (h5, "tilt.h5", 81, try_tilt);
  fuzz_file_with (txrm, "tilt.txrm", 91, try_tilt);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A script that collects a file before its first `sete` gives that file no energy (NaN); when
 * the file is missing, the warning about missing files must still come (./dev fuzz found its
 * loop over energies spinning forever on the NaN). The images are the harness's own. */
static void
test_spectral_nan_energy (void)
{
  static const char script[] =
    "collect lost_before_sete.xrm\n"
    "sete 8324\n"
    "collect rep01_000001_ref_fuzz_08324.0_eV_001of001.xrm\n"
    "collect rep01_fuzz_08324.0_eV_001of001.xrm\n";
  EvoxFuzzTarget run = evox_fuzz_find_target ("spectral-script");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  const char *warnings;

  g_assert_nonnull (run);
  run ((const guint8 *) script, strlen (script));
  volume = evox_spectral_load (evox_fuzz_path ("scan_XANES.txt"), NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 1);
  g_assert_cmpfloat_with_epsilon (evox_volume_get_channel_energy (volume, 0), 8324, 1e-9);
  warnings = evox_volume_get_metadata (volume, "spectral_warnings");
  g_assert_nonnull (warnings);
  g_assert_nonnull (strstr (warnings, "lost_before_sete.xrm"));
}

/* Every file under tests/data/fuzz-regressions/READER/ (crashes, leaks and hangs that ./dev fuzz
 * found and minimised, since fixed) through READER's harness body (fuzz/evox-fuzz-targets.c),
 * which aborts on a crash or an error that does not name the file; ASan and UBSan check the
 * rest in the sanitizer build. */
static void
test_fuzz_regressions (void)
{
  g_autofree char *root = g_test_build_filename (G_TEST_DIST, "data", "fuzz-regressions", NULL);
  g_autoptr(GDir) readers = g_dir_open (root, 0, NULL);
  const char *reader;
  guint replayed = 0;

  g_assert_nonnull (readers);
  g_setenv ("EVOX_MEMORY_LIMIT", "256M", TRUE);
  while ((reader = g_dir_read_name (readers)) != NULL)
    {
      g_autofree char *folder = g_build_filename (root, reader, NULL);
      g_autoptr(GDir) inputs = NULL;
      EvoxFuzzTarget target = evox_fuzz_find_target (reader);
      const char *name;

      if (!g_file_test (folder, G_FILE_TEST_IS_DIR))
        continue;
      /* a folder for a reader the harnesses do not know would never be replayed */
      g_assert_nonnull (target);
      inputs = g_dir_open (folder, 0, NULL);
      g_assert_nonnull (inputs);
      while ((name = g_dir_read_name (inputs)) != NULL)
        {
          g_autofree char *path = g_build_filename (folder, name, NULL);
          g_autofree char *data = NULL;
          gsize size;

          g_assert_true (g_file_get_contents (path, &data, &size, NULL));
          g_test_message ("%s: %s (%" G_GSIZE_FORMAT " bytes)", reader, name, size);
          target ((const guint8 *) data, size);
          replayed++;
        }
    }
  g_unsetenv ("EVOX_MEMORY_LIMIT");
  g_test_message ("%u saved fuzz inputs replayed", replayed);
  g_assert_cmpuint (replayed, >, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Fuzz/ssrm", test_fuzz_ssrm);
  g_test_add_func ("/Evox/Fuzz/tiff", test_fuzz_tiff_plain);
  g_test_add_func ("/Evox/Fuzz/tiff-deflate", test_fuzz_tiff_deflate);
  g_test_add_func ("/Evox/Fuzz/tiff-hyperstack", test_fuzz_tiff_hyperstack);
  g_test_add_func ("/Evox/Fuzz/feature-files", test_fuzz_feature_files);
  g_test_add_func ("/Evox/Fuzz/xrm", test_fuzz_xrm);
  g_test_add_func ("/Evox/Fuzz/hdf5", test_fuzz_hdf5);
  g_test_add_func ("/Evox/Fuzz/tilt", test_fuzz_tilt);
  g_test_add_func ("/Evox/Fuzz/spectral-nan-energy", test_spectral_nan_energy);
  g_test_add_func ("/Evox/Fuzz/regressions", test_fuzz_regressions);
  return g_test_run ();
}
