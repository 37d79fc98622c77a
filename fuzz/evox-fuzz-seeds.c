/* evox-fuzz-seeds.c: writes the seed corpus of every fuzzed reader: small synthetic files, and
 * ones cut from the real data when a data folder is given. Seeds are made at fuzz time into the
 * build tree, never kept in the repository.
 *
 *   evox-fuzz-seeds OUT_DIR [DATA_DIR]
 */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include <hdf5.h>

#include "evox-feature-file.h"
#include "evox-hdf5.h"
#include "evox-tiff.h"
#include "evox-test-hdf5.h"
#include "evox-test-xrm.h"

static const char *out_dir;

/* OUT_DIR/reader/name, the folder made. */
static char *
seed_path (const char *reader,
           const char *name)
{
  g_autofree char *dir = g_build_filename (out_dir, reader, NULL);

  if (g_mkdir_with_parents (dir, 0755) != 0)
    g_error ("cannot make %s", dir);
  return g_build_filename (dir, name, NULL);
}

static void
put (const char *reader,
     const char *name,
     const char *data,
     gsize       size)
{
  g_autofree char *path = seed_path (reader, name);
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents (path, data, size, &error))
    g_error ("%s", error->message);
}

static void
check (gboolean      ok,
       const GError *error)
{
  if (!ok)
    g_error ("evox-fuzz-seeds: %s", error != NULL ? error->message : "failed");
}

/* A table in the real file's layout (R0,Z0,X,Y,R1,Z1), with the given delimiter. */
static void
synthetic_tables (void)
{
  static const char features[] = "x,y,z,a,b\n0,0,0,0.1,2\n1,0,0,0.2,3\n0,1,1,0.3,4\n1,1,1,0.4,5\n";
  const char delimiters[] = { ',', '\t', ';' };

  for (guint d = 0; d < G_N_ELEMENTS (delimiters); d++)
    {
      g_autoptr(GString) table = g_string_new (NULL);
      char c = delimiters[d];
      g_autofree char *name = g_strdup_printf ("synthetic-%u.csv", d);

      g_string_append_printf (table, "R0%cZ0%cX%cY%cR1%cZ1\n", c, c, c, c, c);
      for (int y = 0; y < 4; y++)
        for (int x = 0; x < 5; x++)
          g_string_append_printf (table, "%.2f%c0%c%d%c%d%c%.2f%c43\n", -5 + 0.1 * x, c, c, x, c, y,
                                  c, 0.3 * y - 2, c);
      put ("ssrm", name, table->str, table->len);
    }
  put ("features-csv", "synthetic.csv", features, strlen (features));
}

/* The real SSRM table's header and its first two rows of 128 pixels, for the SSRM and the
 * feature CSV readers (X and Y are its coordinates). */
static void
real_table (const char *data_dir)
{
  g_autofree char *path = g_build_filename (data_dir, "ssrm", "A19_GrSi_Anode_1x1.csv", NULL);
  g_autofree char *text = NULL;
  const char *p;
  guint lines = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    {
      g_printerr ("evox-fuzz-seeds: no %s, synthetic tables only\n", path);
      return;
    }
  for (p = text; *p != '\0' && lines < 1 + 2 * 128; p++)
    if (*p == '\n')
      lines++;
  put ("ssrm", "real-head.csv", text, p - text);
  put ("features-csv", "real-head.csv", text, p - text);
}

static void
write_tiff (EvoxVolume        *volume,
            int                channel,
            const char        *name,
            EvoxTiffWriteFlags flags)
{
  g_autofree char *path = seed_path ("tiff", name);
  g_autoptr(GError) error = NULL;

  g_remove (path);
  check (evox_tiff_write (volume, channel, path, flags, &error), error);
}

static void
synthetic_tiffs (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) plain = evox_volume_new (9, 7, 3, 1, EVOX_SAMPLE_U16, &error);
  g_autoptr(EvoxVolume) hyper = evox_volume_new (5, 4, 3, 2, EVOX_SAMPLE_U8, &error);
  guint16 *v = evox_volume_get_data_mut (plain, 0);

  for (int i = 0; i < 9 * 7 * 3; i++)
    v[i] = (guint16) (i * 37);
  write_tiff (plain, 0, "u16.tif", EVOX_TIFF_WRITE_NONE);
  write_tiff (plain, 0, "f32-deflate.tif", EVOX_TIFF_WRITE_DEFLATE | EVOX_TIFF_WRITE_F32);
  write_tiff (plain, 0, "bigtiff.tif", EVOX_TIFF_WRITE_BIGTIFF);
  for (guint c = 0; c < 2; c++)
    {
      guint8 *b = evox_volume_get_data_mut (hyper, c);

      for (int i = 0; i < 5 * 4 * 3; i++)
        b[i] = (guint8) (i * 3 + c * 100);
    }
  evox_volume_set_channel_info (hyper, 0, "a", 6534);
  evox_volume_set_channel_values (hyper, 0, EVOX_SCALE_LOG10, "resistance", "ohm");
  evox_volume_set_channel_values (hyper, 1, EVOX_SCALE_LINEAR, "cluster", NULL);
  write_tiff (hyper, -1, "hyperstack.tif", EVOX_TIFF_WRITE_NONE);
}

/* A 12 x 10 x 3 corner of the real segmented electrode (labels 0, 85, 170), Deflate as the
 * original; also as Data Exchange for the HDF5 reader. */
static void
real_tomogram (const char *data_dir)
{
  g_autofree char *path = g_build_filename (data_dir, "tomo", "electrode.tiff", NULL);
  g_autofree char *h5 = seed_path ("hdf5", "real-electrode.h5");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) full = evox_tiff_read (path, NULL, NULL, &error);
  g_autoptr(EvoxVolume) corner = NULL;
  gsize dims[3];
  const guint8 *in;
  guint8 *out;

  if (full == NULL)
    {
      g_printerr ("evox-fuzz-seeds: %s, synthetic TIFFs only\n", error->message);
      return;
    }
  evox_volume_get_dims (full, dims);
  corner = evox_volume_new (12, 10, 3, 1, EVOX_SAMPLE_U8, &error);
  check (corner != NULL && evox_volume_get_sample_type (full) == EVOX_SAMPLE_U8, error);
  in = evox_volume_get_data (full, 0);
  out = evox_volume_get_data_mut (corner, 0);
  for (gsize z = 0; z < 3; z++)
    for (gsize y = 0; y < 10; y++)
      memcpy (out + (z * 10 + y) * 12, in + (z * dims[1] + y) * dims[0] + 100, 12);
  write_tiff (corner, 0, "real-electrode.tif", EVOX_TIFF_WRITE_DEFLATE);
  g_remove (h5);
  check (evox_hdf5_write (corner, h5, TRUE, NULL, NULL, &error), error);
}

static void
copy_real (const char *data_dir,
           const char *relative,
           const char *reader,
           const char *name)
{
  g_autofree char *path = g_build_filename (data_dir, relative, NULL);
  g_autofree char *contents = NULL;
  gsize size;

  if (!g_file_get_contents (path, &contents, &size, NULL))
    {
      g_printerr ("evox-fuzz-seeds: no %s\n", path);
      return;
    }
  put (reader, name, contents, size);
}

static void
synthetic_xrm (void)
{
  static const float energies[4] = { 8333, 8340, 8350, 0 };
  static const float one_energy[1] = { 8333 };
  EvoxTestXrm stack = { .width = 12, .height = 10, .n_images = 3, .data_type = 5,
                        .energies = energies, .n_energies = 4, .reference = TRUE };
  EvoxTestXrm f32 = { .width = 6, .height = 5, .n_images = 2, .data_type = 10,
                      .lower_case = TRUE, .exp_time = TRUE };
  EvoxTestXrm mosaic = { .width = 4, .height = 3, .n_images = 1, .data_type = 5,
                         .mosaic_rows = 2, .mosaic_columns = 2 };
  EvoxTestXrm tilt = { .width = 12, .height = 10, .n_images = 4, .data_type = 5,
                       .energies = one_energy, .n_energies = 1, .reference = TRUE };
  g_autofree char *a = seed_path ("xrm", "stack.txrm");
  g_autofree char *b = seed_path ("xrm", "f32-lower.txrm");
  g_autofree char *c = seed_path ("xrm", "mosaic.xrm");
  g_autofree char *d = seed_path ("tilt", "synthetic.txrm");

  evox_test_xrm_write (a, &stack);
  evox_test_xrm_write (b, &f32);
  evox_test_xrm_write (c, &mosaic);
  evox_test_xrm_write (d, &tilt);
}

/* A Data Exchange tilt series with every part the tilt reader reads (as tests/test-fuzz.c). */
static void
synthetic_tilt_h5 (void)
{
  g_autofree char *path = seed_path ("tilt", "synthetic.h5");
  hsize_t dims[3] = { 4, 5, 6 }, ref_dims[3] = { 2, 5, 6 }, one = 1, four = 4;
  double data[120], white[60], dark[60];
  double theta[4] = { 0, 45, 90, 135 }, pixel = 0.03, energy = 8.3, t_data = 2, t_white = 1;
  hid_t file;

  for (guint i = 0; i < 120; i++)
    data[i] = 100 + (i * 37) % 900;
  for (guint i = 0; i < 60; i++)
    {
      white[i] = 1000 + i;
      dark[i] = 90 + i % 7;
    }
  file = H5Fcreate (path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  g_assert (file >= 0);
  evox_test_h5_put (file, "/exchange/data", H5T_STD_U16LE, 3, dims, data, NULL);
  evox_test_h5_put (file, "/exchange/data_white", H5T_STD_U16LE, 3, ref_dims, white, NULL);
  evox_test_h5_put (file, "/exchange/data_dark", H5T_STD_U16LE, 3, ref_dims, dark, NULL);
  evox_test_h5_put (file, "/exchange/theta", H5T_IEEE_F64LE, 1, &four, theta, "deg");
  evox_test_h5_put (file, "/exchange/pixel_size", H5T_IEEE_F64LE, 1, &one, &pixel, "um");
  evox_test_h5_put (file, "/exchange/energy", H5T_IEEE_F64LE, 1, &one, &energy, "keV");
  evox_test_h5_put (file, "/measurement/instrument/detector/exposure_time", H5T_IEEE_F64LE, 1,
                    &one, &t_data, NULL);
  evox_test_h5_put (file, "/process/acquisition/flat_fields/flat_exposure_time", H5T_IEEE_F64LE,
                    1, &one, &t_white, NULL);
  g_assert (H5Fclose (file) >= 0);
}

/* Two energies of u16 with pixel sizes and metadata, as Evox writes them. */
static void
synthetic_hdf5 (void)
{
  g_autofree char *path = seed_path ("hdf5", "two-energies.h5");
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
  g_remove (path);
  check (evox_hdf5_write (volume, path, TRUE, NULL, NULL, &error), error);
}

/* A version 1.0 .npy header padded to 64 bytes, then the values. */
static void
put_npy (const char *name,
         const char *descr,
         gboolean    fortran,
         int         rows,
         int         cols,
         const void *values,
         gsize       value_bytes)
{
  g_autofree char *dict = g_strdup_printf ("{'descr': '%s', 'fortran_order': %s, 'shape': (%d, %d), }",
                                           descr, fortran ? "True" : "False", rows, cols);
  g_autoptr(GString) file = g_string_new_len ("\x93NUMPY\x01\x00", 8);
  gsize header = strlen (dict) + 1;
  gsize padded = (10 + header + 63) / 64 * 64 - 10;
  guint16 length = GUINT16_TO_LE ((guint16) padded);

  g_string_append_len (file, (const char *) &length, 2);
  g_string_append (file, dict);
  while (file->len < 10 + padded - 1)
    g_string_append_c (file, ' ');
  g_string_append_c (file, '\n');
  g_string_append_len (file, values, value_bytes);
  put ("npy", name, file->str, file->len);
}

static void
synthetic_npy (void)
{
  g_autofree char *f32 = seed_path ("npy", "features-f4.npy");
  g_autofree char *f64 = seed_path ("npy", "coords-f8.npy");
  static const double features[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
  static const double xy[8] = { 0, 0, 1, 0, 0, 1, 1, 1 };
  static const gint64 xy_int[8] = { 0, 0, 1, 0, 0, 1, 1, 1 };
  static const double fortran[8] = { 0, 1, 0, 1, 0, 0, 1, 1 };
  g_autoptr(GError) error = NULL;

  check (evox_npy_write (f32, features, 4, 3, FALSE, &error), error);
  check (evox_npy_write (f64, xy, 4, 2, TRUE, &error), error);
  put_npy ("coords-i8.npy", "<i8", FALSE, 4, 2, xy_int, sizeof xy_int);
  put_npy ("coords-fortran.npy", "<f8", TRUE, 4, 2, fortran, sizeof fortran);
}

/* Scripts naming the images the spectral harness writes (evox-fuzz-targets.c), and energies
 * files for its three-page TIFF. */
static void
synthetic_spectral (void)
{
  static const char script[] =
    ";; 2D XANES ;;\n"
    "setexp 0.50\nsetbinning 2\n"
    "sete 8324.00\n"
    "collect rep01_000001_ref_fuzz_08324.0_eV_001of001.xrm\n"
    "moveto x 1.0\n"
    "collect rep01_fuzz_08324.0_eV_001of001.xrm\n"
    "sete 8354.00\n"
    "collect rep01_000002_ref_fuzz_08354.0_eV_001of001.xrm\n"
    "collect rep01_fuzz_08354.0_eV_001of001.xrm\n";
  static const char energies[] = "# eV\n8324.0\n8354.5\n8400\n";
  static const char kev[] = "8.324\n8.3545\n8.4\n";

  put ("spectral-script", "synthetic.txt", script, strlen (script));
  put ("spectral-energies", "ev.txt", energies, strlen (energies));
  put ("spectral-energies", "kev.txt", kev, strlen (kev));
}

/* Sessions as tests/test-session.c writes them by hand: the demo input with display settings
 * and phases, unknown keys, and a file input with SSRM reading options. */
static void
synthetic_sessions (void)
{
  static const char *const sessions[] = {
    "{ \"evox-session\": 1, \"inputs\": [ { \"kind\": \"demo-ssrm\" } ],\n"
    "  \"display\": { \"colormap\": \"inferno\", \"mapping\": \"log\" },\n"
    "  \"phases\": [ { \"name\": \"Binder\", \"low\": -5, \"high\": -3 },\n"
    "              { \"name\": \"No range\" } ] }\n",
    "{ \"evox-session\": 1, \"evox-version\": \"0.1.0\",\n"
    "  \"inputs\": [ { \"kind\": \"demo-ssrm\", \"dz-nm\": 10, \"camera\": [1, 2] } ],\n"
    "  \"future\": { \"thing\": [1, \"two\", null] },\n"
    "  \"display\": { \"colormap\": \"inferno\", \"glow\": 3.5 } }\n",
    "{ \"evox-session\": 1, \"inputs\": [ { \"kind\": \"file\", \"path\": \"table.csv\",\n"
    "  \"size\": 436, \"sha256\": \"00\", \"ssrm\": { \"dz-nm\": 5, \"x\": \"X\", \"y\": \"Y\" } } ] }\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (sessions); i++)
    {
      g_autofree char *name = g_strdup_printf ("synthetic-%u.evox", i);

      put ("session", name, sessions[i], strlen (sessions[i]));
    }
}

int
main (int    argc,
      char **argv)
{
  const char *data_dir = argc > 2 ? argv[2] : NULL;

  if (argc < 2 || argc > 3)
    {
      g_printerr ("usage: evox-fuzz-seeds OUT_DIR [DATA_DIR]\n");
      return 2;
    }
  out_dir = argv[1];
  g_setenv ("EVOX_MEMORY_LIMIT", "1G", FALSE);
  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
  synthetic_tables ();
  synthetic_tiffs ();
  synthetic_xrm ();
  synthetic_tilt_h5 ();
  synthetic_hdf5 ();
  synthetic_npy ();
  synthetic_spectral ();
  synthetic_sessions ();
  if (data_dir != NULL)
    {
      real_table (data_dir);
      real_tomogram (data_dir);
      copy_real (data_dir, "xrm/test_chip00.xrm", "xrm", "real-test_chip00.xrm");
      copy_real (data_dir, "xrm/txrm_test_chip_tomo.txrm", "xrm", "real-tomo.txrm");
      copy_real (data_dir, "xrm/txrm_test_chip_tomo.txrm", "tilt", "real-tomo.txrm");
      copy_real (data_dir, "xrm/ssrl/20161456_ssrl-test-data_XANES.txt", "spectral-script",
                 "real-ssrl-script.txt");
    }
  return 0;
}
