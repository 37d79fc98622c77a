/* test-maps-writer.c: maps written as HDF5 or as TIFFs under a prefix (a TIFF per map, the
 * channels with energies as one energy stack), read back equal; existing files refused, a
 * failure leaving nothing. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "evox-hdf5.h"
#include "evox-maps-writer.h"
#include "evox-spectral-reader.h"
#include "evox-test-util.h"
#include "evox-test-volume.h"
#include "evox-tiff.h"

/* 5 x 4 x 1: two maps without energies ("edge_energy" with NaN holes, "Ni K/L" with characters
 * a file name should not hold) and three normalised energies. */
static EvoxVolume *
make_maps (void)
{
  g_autoptr (GError) error = NULL;
  EvoxVolume *maps = evox_volume_new (5, 4, 1, 5, EVOX_SAMPLE_F32, &error);
  static const char *labels[5] = { "edge_energy", "Ni K/L", "norm 8300 eV", "norm 8333 eV",
                                   "norm 8400 eV" };
  static const double energies[5] = { NAN, NAN, 8300, 8333, 8400 };

  g_assert_no_error (error);
  for (guint c = 0; c < 5; c++)
    {
      float *data = evox_volume_get_data_mut (maps, c);

      for (guint i = 0; i < 20; i++)
        data[i] = (c == 0 && i % 7 == 3) ? NAN : (float) (c * 100 + i * 0.5);
      evox_volume_set_channel_info (maps, c, labels[c], energies[c]);
    }
  evox_volume_freeze (maps);
  return maps;
}

static guint
count_files (const char *dir)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (listing != NULL && g_dir_read_name (listing) != NULL)
    n++;
  return n;
}

static void
test_tiff (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "run.tif", NULL);
  g_autoptr (EvoxVolume) maps = make_maps ();
  g_autoptr (GPtrArray) paths = evox_maps_dup_tiff_paths (maps, path);
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) read = NULL;

  g_assert_cmpuint (paths->len, ==, 3);
  g_assert_true (g_str_has_suffix (paths->pdata[0], G_DIR_SEPARATOR_S "run_edge_energy.tif"));
  g_assert_true (g_str_has_suffix (paths->pdata[1], G_DIR_SEPARATOR_S "run_Ni_K_L.tif"));
  g_assert_true (g_str_has_suffix (paths->pdata[2], G_DIR_SEPARATOR_S "run_norm.tif"));

  g_assert_true (evox_maps_write (maps, path, FALSE, &error));
  g_assert_no_error (error);
  /* The three TIFFs and the stack's energies file, nothing hidden left. */
  g_assert_cmpuint (count_files (dir), ==, 4);
  for (guint c = 0; c < 2; c++)
    {
      read = evox_tiff_read (paths->pdata[c], NULL, NULL, &error);
      g_assert_no_error (error);
      evox_test_assert_same_channel (read, 0, maps, c);
      g_clear_object (&read);
    }
  read = evox_spectral_load (paths->pdata[2], NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_channels (read), ==, 3);
  for (guint c = 0; c < 3; c++)
    {
      g_assert_cmpfloat (evox_volume_get_channel_energy (read, c), ==,
                         evox_volume_get_channel_energy (maps, 2 + c));
      evox_test_assert_same_channel (read, c, maps, 2 + c);
    }

  /* Existing files are refused before anything is written, unless overwrite. */
  g_assert_false (evox_maps_write (maps, path, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (evox_maps_write (maps, path, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_files (dir), ==, 4);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_hdf5 (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "maps.h5", NULL);
  g_autoptr (EvoxVolume) maps = make_maps ();
  g_autoptr (EvoxVolume) read = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (evox_maps_write (maps, path, FALSE, &error));
  g_assert_no_error (error);
  read = evox_hdf5_load (path, 1, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_channels (read), ==, 5);
  for (guint c = 0; c < 5; c++)
    evox_test_assert_same_channel (read, c, maps, c);
  g_assert_false (evox_maps_write (maps, path, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Another extension is refused; a folder that is not there fails, and nothing is left. */
static void
test_refusals (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *csv = g_build_filename (dir, "maps.csv", NULL);
  g_autofree char *missing = g_build_filename (dir, "no", "run.tif", NULL);
  g_autoptr (EvoxVolume) maps = make_maps ();
  g_autoptr (GError) error = NULL;

  g_assert_false (evox_maps_write (maps, csv, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "maps.csv"));
  g_clear_error (&error);
  g_assert_false (evox_maps_write (maps, missing, FALSE, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_cmpuint (count_files (dir), ==, 0);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A cancelled write stops with G_IO_ERROR_CANCELLED and leaves nothing, not even its hidden
 * folder (the command line's Ctrl-C); an upper-case extension is the same layout. */
static void
test_cancelled (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tif = g_build_filename (dir, "run.TIF", NULL);
  g_autofree char *h5 = g_build_filename (dir, "maps.H5", NULL);
  g_autofree char *ni = g_build_filename (dir, "run_Ni_K_L.tif", NULL);
  g_autofree char *one = evox_maps_tiff_path (tif, "Ni K/L");
  g_autoptr (EvoxVolume) maps = make_maps ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (one, ==, ni);
  g_cancellable_cancel (cancellable);
  g_assert_false (evox_maps_write_full (maps, tif, FALSE, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (evox_maps_write_full (maps, h5, FALSE, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (count_files (dir), ==, 0);

  g_assert_true (evox_maps_write_full (maps, tif, FALSE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (ni, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (count_files (dir), ==, 4);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/MapsWriter/tiff", test_tiff);
  g_test_add_func ("/Evox/MapsWriter/hdf5", test_hdf5);
  g_test_add_func ("/Evox/MapsWriter/refusals", test_refusals);
  g_test_add_func ("/Evox/MapsWriter/cancelled", test_cancelled);
  return g_test_run ();
}
