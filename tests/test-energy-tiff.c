/* test-energy-tiff.c: the spectral writers of `evox register`: a stack as one TIFF with its
 * energies file or as a TIFF per energy, and the registration report as CSV; read back and
 * compared value for value. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <tiffio.h>

#include "evox-energy-tiff-writer.h"
#include "evox-loader.h"
#include "evox-registration-csv.h"
#include "evox-spectral-reader.h"
#include "evox-tiff.h"
#include "evox-tiff-private.h"
#include "evox-test-util.h"

#define REPORT_HEADER "energy_ev,channel,reference,anchor,excluded,nominal_scale,scale,shift_x," \
                      "shift_y,shift_z,ncc_before,ncc_after,mi_before,mi_after,residual_px," \
                      "flagged,empty"

/* Energies that need all 17 digits (8000 + 1/3) and one that needs few. */
static const double energies[3] = { 8000.0 + 1.0 / 3, 8333.5, 8570.0 };

/* nx x ny x nz, three channels, values that differ by channel and voxel, 12.5 nm voxels. */
static EvoxVolume *
make_volume (gsize    nx,
             gsize    ny,
             gsize    nz,
             gboolean with_energies)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (nx, ny, nz, 3, EVOX_SAMPLE_F32, &error);
  const double spacing[3] = { 12.5, 12.5, 12.5 };
  gsize n = nx * ny * nz;

  g_assert_no_error (error);
  for (guint c = 0; c < 3; c++)
    {
      float *data = evox_volume_get_data_mut (volume, c);

      for (gsize i = 0; i < n; i++)
        data[i] = (float) (c * 1000 + i) / 7.0f;
      if (with_energies)
        evox_volume_set_channel_info (volume, c, NULL, energies[c]);
    }
  evox_volume_set_spacing (volume, spacing);
  evox_volume_set_spacing_known (volume, TRUE);
  evox_volume_freeze (volume);
  return g_steal_pointer (&volume);
}

static void
assert_channel_equal (EvoxVolume *a,
                      guint       ca,
                      EvoxVolume *b,
                      guint       cb)
{
  gsize n = evox_volume_get_n_voxels (a);

  g_assert_cmpuint (evox_volume_get_n_voxels (b), ==, n);
  g_assert_cmpmem (evox_volume_get_data (a, ca), n * sizeof (float),
                   evox_volume_get_data (b, cb), n * sizeof (float));
}

static void
test_names (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (2, 2, 1, 2, EVOX_SAMPLE_F32, &error);
  g_autoptr(GPtrArray) paths = NULL;
  g_autofree char *c = evox_energy_tiff_folder_file ("/d", "p", 8324.04);
  g_autofree char *d = evox_energy_tiff_folder_file ("/d", "p", 8324.06);

  g_assert_cmpstr (c, ==, "/d/p_8324.0eV.tif");
  g_assert_cmpstr (d, ==, "/d/p_8324.1eV.tif");

  /* two energies that name one file */
  evox_volume_set_channel_info (volume, 0, NULL, 8324.01);
  evox_volume_set_channel_info (volume, 1, NULL, 8323.98);
  paths = evox_energy_tiff_folder_paths (volume, "/d", "p", &error);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_null (paths);
}

/* A 2D stack: a page per energy and the energies file, one energy a line, exactly; read back
 * through the loader (the spectral reader pairs them) with every channel, its energy and its
 * values, and by the TIFF reader alone as a plain stack of pages. */
static void
test_stack (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "stack.tif", NULL);
  g_autofree char *energies_path = g_build_filename (dir, "stack.energies.txt", NULL);
  g_autoptr(EvoxVolume) volume = make_volume (9, 7, 1, TRUE);
  g_autoptr(EvoxVolume) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  double spacing[3];
  gsize dims[3];

  g_assert_true (evox_energy_tiff_write_stack (volume, path, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 2);

  g_assert_true (g_file_get_contents (energies_path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  for (guint c = 0; c < 3; c++)
    g_assert_cmpfloat (g_ascii_strtod (lines[c], NULL), ==, energies[c]);
  g_assert_cmpstr (lines[1], ==, "8333.5");
  g_assert_cmpstr (lines[3], ==, "");

  back = evox_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (back, dims);
  g_assert_cmpuint (dims[0], ==, 9);
  g_assert_cmpuint (dims[1], ==, 7);
  g_assert_cmpuint (dims[2], ==, 1);
  g_assert_cmpuint (evox_volume_get_n_channels (back), ==, 3);
  evox_volume_get_spacing (back, spacing);
  g_assert_cmpfloat_with_epsilon (spacing[0], 12.5, 1e-6);
  for (guint c = 0; c < 3; c++)
    {
      g_assert_cmpfloat (evox_volume_get_channel_energy (back, c), ==, energies[c]);
      assert_channel_equal (volume, c, back, c);
    }
  g_clear_object (&back);

  back = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (back, dims);
  g_assert_cmpuint (dims[2], ==, 3);
  g_assert_cmpuint (evox_volume_get_n_channels (back), ==, 1);
  g_clear_object (&back);

  /* Either file there already: refused, nothing touched; with force, both replaced. */
  g_assert_false (evox_energy_tiff_write_stack (volume, path, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_false (evox_energy_tiff_write_stack (volume, path, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_set_contents (energies_path, "1\n", -1, NULL));
  g_assert_true (evox_energy_tiff_write_stack (volume, path, TRUE, &error));
  g_assert_no_error (error);
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (energies_path, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "8000.333333333333"));
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 2);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A 3D stack: one hyperstack with the energies in its description and no energies file (an old
 * one goes, with force); the TIFF reader gives every channel back with its energy. */
static void
test_stack_3d (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "stack.tif", NULL);
  g_autofree char *energies_path = g_build_filename (dir, "stack.energies.txt", NULL);
  g_autoptr(EvoxVolume) volume = make_volume (9, 7, 3, TRUE);
  g_autoptr(EvoxVolume) back = NULL;
  g_autoptr(GError) error = NULL;
  gsize dims[3];

  g_assert_true (g_file_set_contents (energies_path, "1\n2\n3\n", -1, NULL));
  g_assert_false (evox_energy_tiff_write_stack (volume, path, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (evox_energy_tiff_write_stack (volume, path, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);

  back = evox_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (back, dims);
  g_assert_cmpuint (dims[2], ==, 3);
  g_assert_cmpuint (evox_volume_get_n_channels (back), ==, 3);
  for (guint c = 0; c < 3; c++)
    {
      g_assert_cmpfloat (evox_volume_get_channel_energy (back, c), ==, energies[c]);
      assert_channel_equal (volume, c, back, c);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A channel without an energy cannot be written with energies, nor a stack under a name that is
 * no TIFF's: refused, nothing written. */
static void
test_no_energy (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "stack.tif", NULL);
  g_autoptr(EvoxVolume) volume = make_volume (4, 4, 1, FALSE);
  g_autoptr(GError) error = NULL;

  g_assert_false (evox_energy_tiff_write_stack (volume, path, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "channel 0 has no energy"));
  g_clear_error (&error);
  g_assert_false (evox_energy_tiff_write_folder (volume, dir, "s", FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 0);

  /* and the stack's name must say TIFF, or there is no energies file to pair with it */
  {
    g_autoptr(EvoxVolume) with = make_volume (4, 4, 1, TRUE);
    g_autofree char *other = g_build_filename (dir, "stack.h5", NULL);

    g_assert_false (evox_energy_tiff_write_stack (with, other, FALSE, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
    g_assert_cmpuint (evox_test_count_entries (dir), ==, 0);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A TIFF per energy, named by it, each the channel's values; an existing one refuses the whole
 * write before anything is written. */
static void
test_folder (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(EvoxVolume) volume = make_volume (6, 5, 2, TRUE);
  g_autoptr(GError) error = NULL;
  static const char *names[3] = { "p_8000.3eV.tif", "p_8333.5eV.tif", "p_8570.0eV.tif" };

  g_assert_true (evox_energy_tiff_write_folder (volume, dir, "p", FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 3);
  for (guint c = 0; c < 3; c++)
    {
      g_autofree char *path = g_build_filename (dir, names[c], NULL);
      g_autoptr(EvoxVolume) back = evox_tiff_read (path, NULL, NULL, &error);
      double spacing[3];

      g_assert_no_error (error);
      g_assert_cmpuint (evox_volume_get_n_channels (back), ==, 1);
      evox_volume_get_spacing (back, spacing);
      g_assert_cmpfloat_with_epsilon (spacing[0], 12.5, 1e-6);
      assert_channel_equal (volume, c, back, 0);
    }

  /* The folder opens as a stack with the energies its names carry (to one decimal). */
  {
    g_autoptr(EvoxVolume) back = evox_volume_load (dir, NULL, NULL, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (evox_volume_get_n_channels (back), ==, 3);
    g_assert_cmpfloat_with_epsilon (evox_volume_get_channel_energy (back, 0), 8000.3, 1e-9);
    g_assert_cmpfloat (evox_volume_get_channel_energy (back, 1), ==, 8333.5);
    for (guint c = 0; c < 3; c++)
      assert_channel_equal (volume, c, back, c);
  }

  {
    g_autofree char *last = g_build_filename (dir, names[2], NULL);

    g_assert_cmpint (g_unlink (last), ==, 0);
    g_assert_false (evox_energy_tiff_write_folder (volume, dir, "p", FALSE, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
    g_clear_error (&error);
    /* the missing one was not written either */
    g_assert_cmpuint (evox_test_count_entries (dir), ==, 2);
    g_assert_true (evox_energy_tiff_write_folder (volume, dir, "p", TRUE, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (evox_test_count_entries (dir), ==, 3);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* An energy stack as `evox register -o X.tif` and `evox xanes -o P.tif` (P_norm.tif) write it,
 * channels running down in energy: each page keeps its channel's label and value meaning, so
 * the spectral reader (which sorts the pages by energy) gives them back on the right channels;
 * to the TIFF reader alone it stays one channel of three pages. */
static void
test_stack_values (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "norm.tif", NULL);
  g_autofree char *energies_path = g_build_filename (dir, "norm.energies.txt", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (5, 4, 1, 3, EVOX_SAMPLE_F32, &error);
  g_autoptr(EvoxVolume) back = NULL;
  /* channel c has energy energies[2 - c]; ':' and ';' separate fields in the description */
  static const char *labels[3] = { "norm 8570 eV", "norm 8333.5 eV; a:b", "norm 8000.3 eV" };

  g_assert_no_error (error);
  for (guint c = 0; c < 3; c++)
    {
      float *data = evox_volume_get_data_mut (volume, c);

      for (gsize i = 0; i < 20; i++)
        data[i] = (float) (c * 100 + i) / 3.0f;
      evox_volume_set_channel_info (volume, c, labels[c], energies[2 - c]);
    }
  evox_volume_set_values (volume, EVOX_SCALE_LINEAR, "normalised absorption", NULL);
  /* one page with a meaning of its own: the pages do not all share the first one's */
  evox_volume_set_channel_values (volume, 1, EVOX_SCALE_LOG10, "attenuation: linear",
                                  "1/um");
  evox_volume_freeze (volume);
  g_assert_true (evox_energy_tiff_write_stack (volume, path, FALSE, &error));
  g_assert_no_error (error);

  back = evox_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_channels (back), ==, 3);
  for (guint c = 0; c < 3; c++)
    {
      guint from = 2 - c;

      g_assert_cmpfloat (evox_volume_get_channel_energy (back, c), ==, energies[c]);
      g_assert_cmpstr (evox_volume_get_channel_label (back, c), ==, labels[from]);
      g_assert_cmpstr (evox_volume_get_channel_quantity (back, c), ==,
                       evox_volume_get_channel_quantity (volume, from));
      g_assert_cmpstr (evox_volume_get_channel_unit (back, c), ==,
                       evox_volume_get_channel_unit (volume, from));
      g_assert_cmpint (evox_volume_get_channel_value_scale (back, c), ==,
                       evox_volume_get_channel_value_scale (volume, from));
      assert_channel_equal (volume, from, back, c);
    }
  g_assert_cmpstr (evox_volume_get_channel_quantity (back, 1), ==, "attenuation: linear");
  g_assert_cmpint (evox_volume_get_channel_value_scale (back, 1), ==, EVOX_SCALE_LOG10);
  g_clear_object (&back);

  back = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_channels (back), ==, 1);
  g_clear_object (&back);

  /* An energy edited in the energies file: that page's label no longer names it, so it gets
   * the energy's own; its meaning stays. */
  g_assert_true (g_file_set_contents (energies_path, "8570\n8100\n8000.3333333333333\n", -1,
                                      NULL));
  back = evox_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (evox_volume_get_channel_label (back, 0), ==, "norm 8000.3 eV");
  g_assert_cmpstr (evox_volume_get_channel_label (back, 1), ==, "8100.0 eV");
  g_assert_cmpstr (evox_volume_get_channel_quantity (back, 1), ==, "attenuation: linear");
  g_assert_cmpstr (evox_volume_get_channel_label (back, 2), ==, "norm 8570 eV");
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* What a description records about pages, taken only where it fits: a list of another length,
 * a damaged entry, a label whose energy is not the channel's, a description that is not
 * ImageJ's leave the channel as it was (or at the file's one meaning). */
static void
test_page_keys (void)
{
  static const struct
  {
    const char *description;
    gboolean    stated;
    const char *quantity;
    const char *unit;
    const char *label;
  } cases[] = {
    { NULL, FALSE, "value", "", "8000.0 eV" },
    { "ImageJ=1.11a\nevox_page_values=linear:od:;linear:b:;linear:c:\n"
      "evox_page_channels=a%3Ab%3Bc:8000;b:8100;c:8200\n", TRUE, "od", "", "a:b;c" },
    /* not ImageJ's description: Evox's keys are read only there */
    { "evox_page_values=linear:od:;linear:b:;linear:c:\n", FALSE, "value", "", "8000.0 eV" },
    /* two entries for three pages */
    { "ImageJ=1.11a\nevox_page_values=linear:od:;linear:b:\nevox_page_channels=x:8000;y:1\n",
      FALSE, "value", "", "8000.0 eV" },
    /* a damaged entry falls back to the file's one meaning; a label of another energy and one
     * without an energy are not the channel's */
    { "ImageJ=1.11a\nevox_scale=log10\nevox_quantity=resistance\nevox_unit=ohm\n"
      "evox_page_values=bogus:od:;linear:b:;linear:c:\nevox_page_channels=x:8000.5;y:;z:\n",
      TRUE, "resistance", "ohm", "8000.0 eV" },
    { "ImageJ=1.11a\nevox_page_channels=x;y;z\n", FALSE, "value", "", "8000.0 eV" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxVolume) volume = evox_volume_new (2, 2, 1, 1, EVOX_SAMPLE_F32, &error);
      g_autoptr(EvoxTiffPages) pages = _evox_tiff_pages_new (cases[i].description, 3);

      g_test_message ("case %u", i);
      evox_volume_set_channel_info (volume, 0, "8000.0 eV", 8000.0);
      g_assert_cmpint (_evox_tiff_pages_apply (pages, 0, volume, 0), ==, cases[i].stated);
      g_assert_cmpstr (evox_volume_get_channel_quantity (volume, 0), ==, cases[i].quantity);
      g_assert_cmpstr (evox_volume_get_channel_unit (volume, 0), ==, cases[i].unit);
      g_assert_cmpstr (evox_volume_get_channel_label (volume, 0), ==, cases[i].label);
    }
}

/* A plain f32 stack of `pages` 4 x 3 pages, as a program other than Evox writes it: no
 * ImageDescription. */
static void
write_plain_tiff (const char *path,
                  guint       pages)
{
  TIFF *tif = TIFFOpen (path, "w");
  float row[4];

  g_assert_nonnull (tif);
  for (guint p = 0; p < pages; p++)
    {
      TIFFSetField (tif, TIFFTAG_IMAGEWIDTH, 4);
      TIFFSetField (tif, TIFFTAG_IMAGELENGTH, 3);
      TIFFSetField (tif, TIFFTAG_BITSPERSAMPLE, 32);
      TIFFSetField (tif, TIFFTAG_SAMPLESPERPIXEL, 1);
      TIFFSetField (tif, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_IEEEFP);
      TIFFSetField (tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
      TIFFSetField (tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
      TIFFSetField (tif, TIFFTAG_ROWSPERSTRIP, 3);
      for (guint y = 0; y < 3; y++)
        {
          for (guint x = 0; x < 4; x++)
            row[x] = (float) (p + x + 4 * y);
          g_assert_cmpint (TIFFWriteScanline (tif, row, y, 0), ==, 1);
        }
      g_assert_true (TIFFWriteDirectory (tif));
    }
  TIFFClose (tif);
}

/* Third-party TIFFs say nothing of their values: a stack with an energies file and a folder of
 * per-energy files read as before, labels from the energies and quantity "value"; a folder
 * that Evox wrote keeps each file's meaning. */
static void
test_third_party (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "stack.tif", NULL);
  g_autofree char *energies_path = g_build_filename (dir, "stack.energies.txt", NULL);
  g_autofree char *folder = g_build_filename (dir, "f", NULL);
  g_autofree char *evox_folder = g_build_filename (dir, "e", NULL);
  g_autoptr(EvoxVolume) back = NULL;
  g_autoptr(GError) error = NULL;

  write_plain_tiff (path, 2);
  g_assert_true (g_file_set_contents (energies_path, "8333\n8183\n", -1, NULL));
  back = evox_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_channels (back), ==, 2);
  g_assert_cmpstr (evox_volume_get_channel_label (back, 0), ==, "8183.0 eV");
  g_assert_cmpstr (evox_volume_get_channel_label (back, 1), ==, "8333.0 eV");
  for (guint c = 0; c < 2; c++)
    {
      g_assert_cmpstr (evox_volume_get_channel_quantity (back, c), ==, "value");
      g_assert_cmpstr (evox_volume_get_channel_unit (back, c), ==, "");
    }
  /* page 1 (8183 eV) holds 1 + x + 4y */
  g_assert_cmpfloat (evox_volume_get_value (back, 0, 2, 1, 0), ==, 7.0);
  g_clear_object (&back);

  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *file = evox_energy_tiff_folder_file (folder, "p", 8183.0 + 150 * i);

      write_plain_tiff (file, 1);
    }
  back = evox_volume_load (folder, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_channels (back), ==, 2);
  g_assert_cmpstr (evox_volume_get_channel_quantity (back, 0), ==, "value");
  g_clear_object (&back);

  {
    g_autoptr(EvoxVolume) volume = make_volume (6, 5, 1, TRUE);

    g_assert_cmpint (g_mkdir (evox_folder, 0755), ==, 0);
    /* make_volume froze it; the meaning is no voxel */
    evox_volume_set_values (volume, EVOX_SCALE_LINEAR, "optical density", NULL);
    g_assert_true (evox_energy_tiff_write_folder (volume, evox_folder, "p", FALSE, &error));
    g_assert_no_error (error);
    back = evox_volume_load (evox_folder, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    for (guint c = 0; c < 3; c++)
      g_assert_cmpstr (evox_volume_get_channel_quantity (back, c), ==, "optical density");
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A write that fails (files limited to 2 kB; each image is 4 kB) leaves nothing: no file and no
 * temporary, in the folder and beside the stack. */
static void
test_failed_write (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "stack.tif", NULL);
  g_autoptr(EvoxVolume) volume = make_volume (32, 32, 1, TRUE);
  g_autoptr(GError) error = NULL;
  struct rlimit saved, limit;
  gboolean ok_folder, ok_stack;

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  limit = saved;
  limit.rlim_cur = 2048;
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  ok_folder = evox_energy_tiff_write_folder (volume, dir, "p", FALSE, &error);
  g_test_message ("folder: %s", error != NULL ? error->message : "written");
  g_clear_error (&error);
  ok_stack = evox_energy_tiff_write_stack (volume, path, FALSE, &error);
  g_test_message ("stack: %s", error != NULL ? error->message : "written");
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  signal (SIGXFSZ, SIG_DFL);

  g_assert_false (ok_folder);
  g_assert_false (ok_stack);
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 0);

  /* The energies file cannot be written (a folder has its name): refused before anything is
   * written, so a stack that --force would replace stays as it was, and nothing new is left. */
  {
    g_autofree char *energies_path = evox_spectral_energies_path (path);
    g_autofree char *text = NULL;

    g_assert_cmpint (g_mkdir (energies_path, 0755), ==, 0);
    g_assert_true (g_file_set_contents (path, "an earlier stack", -1, NULL));
    g_assert_false (evox_energy_tiff_write_stack (volume, path, TRUE, &error));
    g_assert_nonnull (error);
    g_test_message ("energies: %s", error->message);
    g_assert_nonnull (strstr (error->message, "stack.energies.txt"));
    g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
    g_assert_cmpstr (text, ==, "an earlier stack");
    g_assert_cmpuint (evox_test_count_entries (dir), ==, 2);
    g_rmdir (energies_path);
    g_unlink (path);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The report on its own: columns, round-trippable numbers, an excluded row. */
static void
test_report_format (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) raw = make_volume (8, 8, 1, TRUE);
  g_autoptr(EvoxVolume) registered = evox_volume_new (8, 8, 1, 2, EVOX_SAMPLE_F32, &error);
  g_autoptr(EvoxRegistration) registration = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *text = NULL;
  EvoxRegistrationEntry entries[3] = {
    { 8330, 0, 0, FALSE, FALSE, TRUE, 8330.0 / 8480, 0.1 + 0.2, { 1.0 / 3, -2e-7, 0 },
      0.5, 0.999, 0.25, 1.5, 0.0125, TRUE, TRUE },
    { 8400, 1, -1, TRUE, FALSE, FALSE, 8400.0 / 8480, 8400.0 / 8480, { 0, 0, 0 },
      NAN, NAN, NAN, NAN, NAN, FALSE },
    { 8480, 2, 1, FALSE, TRUE, TRUE, 1, 1, { 0, 0, 0 }, 1, 1, 2, 2, 0, FALSE },
  };

  g_assert_no_error (error);
  registration = evox_registration_new (raw, registered, entries, 3, "fit");
  text = evox_registration_csv_format (registration);
  rows = evox_test_csv_parse (text);
  evox_test_csv_assert_header (rows, REPORT_HEADER);
  g_assert_cmpuint (rows->len, ==, 4);
  g_assert_cmpstr (((char **) rows->pdata[1])[1], ==, "0");
  g_assert_cmpstr (((char **) rows->pdata[1])[3], ==, "1");
  g_assert_cmpstr (((char **) rows->pdata[1])[15], ==, "1");
  g_assert_cmpstr (((char **) rows->pdata[1])[16], ==, "1");
  g_assert_cmpstr (((char **) rows->pdata[3])[16], ==, "0");
  /* every number reads back as the same double */
  g_assert_cmpfloat (evox_test_csv_double (rows, 1, 5), ==, 8330.0 / 8480);
  g_assert_cmpfloat (evox_test_csv_double (rows, 1, 6), ==, 0.1 + 0.2);
  g_assert_cmpfloat (evox_test_csv_double (rows, 1, 7), ==, 1.0 / 3);
  g_assert_cmpfloat (evox_test_csv_double (rows, 1, 8), ==, -2e-7);
  g_assert_cmpfloat (evox_test_csv_double (rows, 1, 14), ==, 0.0125);
  /* excluded: no channel, undefined measures as nan */
  g_assert_cmpstr (((char **) rows->pdata[2])[1], ==, "");
  g_assert_cmpstr (((char **) rows->pdata[2])[4], ==, "1");
  g_assert_cmpstr (((char **) rows->pdata[2])[10], ==, "nan");
  g_assert_cmpstr (((char **) rows->pdata[3])[2], ==, "1");
  g_assert_cmpstr (((char **) rows->pdata[3])[1], ==, "1");
}

/* The report written through the safe-output path: refused over an existing file. */
static void
test_report_write (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "qc.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) raw = make_volume (8, 8, 1, TRUE);
  g_autoptr(EvoxVolume) registered = evox_volume_new (8, 8, 1, 3, EVOX_SAMPLE_F32, &error);
  g_autoptr(EvoxRegistration) registration = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  EvoxRegistrationEntry entries[3] = { { 0 } };

  for (guint i = 0; i < 3; i++)
    {
      entries[i].energy_ev = energies[i];
      entries[i].raw_channel = i;
      entries[i].channel = (int) i;
      entries[i].scale = entries[i].nominal_scale = energies[i] / energies[2];
    }
  entries[2].is_reference = TRUE;
  registration = evox_registration_new (raw, registered, entries, 3, "energy");
  g_assert_true (evox_registration_csv_write (registration, path, FALSE, &error));
  g_assert_no_error (error);
  rows = evox_test_csv_read (path);
  evox_test_csv_assert_header (rows, REPORT_HEADER);
  g_assert_cmpuint (rows->len, ==, 4);
  g_assert_cmpfloat (evox_test_csv_double (rows, 1, 0), ==, energies[0]);
  g_assert_cmpfloat (evox_test_csv_double (rows, 2, 6), ==, energies[1] / energies[2]);
  g_assert_false (evox_registration_csv_write (registration, path, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (evox_registration_csv_write (registration, path, TRUE, &error));
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/EnergyTiff/names", test_names);
  g_test_add_func ("/Evox/EnergyTiff/stack", test_stack);
  g_test_add_func ("/Evox/EnergyTiff/stack-3d", test_stack_3d);
  g_test_add_func ("/Evox/EnergyTiff/stack-values", test_stack_values);
  g_test_add_func ("/Evox/EnergyTiff/third-party", test_third_party);
  g_test_add_func ("/Evox/EnergyTiff/page-keys", test_page_keys);
  g_test_add_func ("/Evox/EnergyTiff/no-energy", test_no_energy);
  g_test_add_func ("/Evox/EnergyTiff/folder", test_folder);
  g_test_add_func ("/Evox/EnergyTiff/failed-write", test_failed_write);
  g_test_add_func ("/Evox/RegistrationCsv/format", test_report_format);
  g_test_add_func ("/Evox/RegistrationCsv/write", test_report_write);
  return g_test_run ();
}
