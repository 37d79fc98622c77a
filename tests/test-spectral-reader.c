/* test-spectral-reader.c: multi-energy stacks from scan scripts, Xradia folders and per-energy
 * TIFFs, against brute force in the test and against the real SSRL files read independently. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "evox-loader.h"
#include "evox-spectral-reader.h"
#include "evox-spectral-reader-private.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-volume.h"
#include "evox-xrm.h"

static void
write_text (const char *path,
            const char *text)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

/* A width x height x depth f32 image whose voxels are a function of (x, y, z, seed). */
static double
pattern (guint x,
         guint y,
         guint z,
         guint seed)
{
  return 0.25 * x + 3.0 * y - 1.5 * z + 100.0 * seed + ((x * 7 + y * 13 + seed) % 5) * 0.125;
}

static void
write_tiff (const char *path,
            guint       width,
            guint       height,
            guint       depth,
            guint       seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (width, height, depth, 1, EVOX_SAMPLE_F32, &error);
  float *data;
  double spacing[3] = { 31.2, 31.2, 31.2 };

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (guint z = 0; z < depth; z++)
    for (guint y = 0; y < height; y++)
      for (guint x = 0; x < width; x++)
        data[((gsize) z * height + y) * width + x] = (float) pattern (x, y, z, seed);
  evox_volume_set_spacing (volume, spacing);
  evox_volume_set_spacing_known (volume, TRUE);
  g_assert_true (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_F32 | EVOX_TIFF_WRITE_OVERWRITE,
                                     &error));
  g_assert_no_error (error);
}

/* The bin x bin mean of the pattern at binned pixel (bx, by), by brute force in doubles. */
static double
binned_pattern (guint bx,
                guint by,
                guint z,
                guint seed,
                guint bin)
{
  double sum = 0;

  for (guint y = by * bin; y < (by + 1) * bin; y++)
    for (guint x = bx * bin; x < (bx + 1) * bin; x++)
      sum += (float) pattern (x, y, z, seed);
  return sum / (bin * bin);
}

static void
test_energy_from_name (void)
{
  g_assert_cmpfloat (evox_spectral_energy_from_name (
                       "rep01_20161456_ssrl-test-data_08324.0_eV_001of003.xrm"), ==, 8324.0);
  g_assert_cmpfloat (evox_spectral_energy_from_name ("particle_8341.5eV.tif"), ==, 8341.5);
  g_assert_cmpfloat (evox_spectral_energy_from_name ("/a/b/x_8341.0_eV_z.tif"), ==, 8341.0);
  g_assert_cmpfloat (evox_spectral_energy_from_name ("img_6534eV"), ==, 6534.0);
  /* No number before it, or a word that only starts with "ev". */
  g_assert_true (isnan (evox_spectral_energy_from_name ("slice_0001.tif")));
  g_assert_true (isnan (evox_spectral_energy_from_name ("eV.tif")));
  g_assert_true (isnan (evox_spectral_energy_from_name ("run_12_event.tif")));
}

static void
test_reference_name (void)
{
  g_assert_true (_evox_spectral_is_reference_name ("rep01_000051_ref_x_08324.0_eV_001of010.xrm"));
  g_assert_true (_evox_spectral_is_reference_name ("ref.xrm"));
  g_assert_true (_evox_spectral_is_reference_name ("sample-ref.xrm"));
  g_assert_true (_evox_spectral_is_reference_name ("Ref_8333eV.xrm"));
  g_assert_true (_evox_spectral_is_reference_name ("flatRef_8333eV.xrm"));
  g_assert_true (_evox_spectral_is_reference_name ("refs_8333eV.xrm"));
  g_assert_false (_evox_spectral_is_reference_name ("prefix_8333eV.xrm"));
  g_assert_false (_evox_spectral_is_reference_name ("refined_8333eV.xrm"));
  g_assert_false (_evox_spectral_is_reference_name ("rep01_20161456_x_08324.0_eV_001of003.xrm"));
}

/* The script's names and the renamed files on disk share a key; a sample and a reference, or
 * two exposures, do not. */
static void
test_name_key (void)
{
  g_autofree char *script_sample = _evox_spectral_name_key (
    "rep01_20161456_NCA_Pg41-10_pristine_fov08_XANES_08324.0_eV_001of003.xrm");
  g_autofree char *file_sample = _evox_spectral_name_key (
    "rep01_20161456_ssrl-test-data_08324.0_eV_001of003.xrm");
  g_autofree char *script_ref = _evox_spectral_name_key (
    "rep01_000051_ref_20161456_NCA_Pg41-10_pristine_fov08_XANES_08324.0_eV_001of010.xrm");
  g_autofree char *file_ref = _evox_spectral_name_key (
    "rep01_000051_ref_20161456_ssrl-test-data_08324.0_eV_001of010.xrm");
  g_autofree char *other_serial = _evox_spectral_name_key (
    "rep01_000052_ref_20161456_ssrl-test-data_08324.0_eV_001of010.xrm");
  g_autofree char *second = _evox_spectral_name_key (
    "rep01_20161456_ssrl-test-data_08324.0_eV_002of003.xrm");
  g_autofree char *other_energy = _evox_spectral_name_key (
    "rep01_20161456_ssrl-test-data_08354.0_eV_001of003.xrm");

  g_assert_cmpstr (script_sample, ==, file_sample);
  g_assert_cmpstr (script_ref, ==, file_ref);
  g_assert_cmpstr (script_sample, !=, script_ref);
  g_assert_cmpstr (file_ref, !=, other_serial);
  g_assert_cmpstr (file_sample, !=, second);
  g_assert_cmpstr (file_sample, !=, other_energy);
  g_assert_null (_evox_spectral_name_key ("no_energy_here.xrm"));
}

static const char small_script[] =
  ";; 2D XANES ;;\n"
  "setexp 0.50\r\n"
  "collect before_any_8000.0_eV_001of001.xrm\n"
  "sete 8250.00\n"
  "moveto zpx -14.33\n"
  "  ; a comment\n"
  "setbinning 2\n"
  "collect rep01_000001_ref_s_08250.0_eV_001of002.xrm\n"
  "collect rep01_000002_ref_s_08250.0_eV_002of002.xrm\n"
  "\n"
  "collect   rep01_s_08250.0_eV_001of001.xrm  \n"
  "SETE 8265.5\n"
  "collect rep01_s_08265.5_eV_001of001.xrm\n";

static void
test_parse_script (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "scan.txt", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) images = NULL;
  const struct { const char *name; double energy; gboolean ref; } expected[] = {
    { "before_any_8000.0_eV_001of001.xrm", NAN, FALSE },
    { "rep01_000001_ref_s_08250.0_eV_001of002.xrm", 8250.0, TRUE },
    { "rep01_000002_ref_s_08250.0_eV_002of002.xrm", 8250.0, TRUE },
    { "rep01_s_08250.0_eV_001of001.xrm", 8250.0, FALSE },
    { "rep01_s_08265.5_eV_001of001.xrm", 8265.5, FALSE },
  };

  write_text (path, small_script);
  images = _evox_spectral_parse_script (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (images->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < images->len; i++)
    {
      EvoxScriptImage *image = images->pdata[i];

      g_assert_cmpstr (image->name, ==, expected[i].name);
      if (isnan (expected[i].energy))
        g_assert_true (isnan (image->energy));
      else
        g_assert_cmpfloat (image->energy, ==, expected[i].energy);
      g_assert_cmpint (image->is_ref, ==, expected[i].ref);
    }
  g_assert_cmpint (evox_spectral_detect (path), ==, EVOX_SPECTRAL_SSRL_SCRIPT);

  write_text (path, "sete 8250.0\nsete eight\ncollect a_ref_1eV.xrm\n");
  g_clear_pointer (&images, g_ptr_array_unref);
  images = _evox_spectral_parse_script (path, &error);
  g_assert_null (images);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "line 2"));
  g_assert_nonnull (strstr (error->message, path));

  /* A NUL byte: not a text, refused as a whole. */
  {
    static const char binary[] = "sete 8250.0\n\0collect a_ref_1eV.xrm\n";

    g_clear_error (&error);
    g_assert_true (g_file_set_contents (path, binary, sizeof binary - 1, NULL));
    images = _evox_spectral_parse_script (path, &error);
    g_assert_null (images);
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
    g_assert_nonnull (strstr (error->message, "not a scan script (a NUL byte in the text)"));
    g_assert_nonnull (strstr (error->message, path));
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_detect (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *pages = g_build_filename (dir, "pages", NULL);
  g_autofree char *energies = g_build_filename (dir, "energies", NULL);
  g_autofree char *xrm = g_build_filename (dir, "xrm", NULL);
  g_autofree char *stack = g_build_filename (dir, "stack.tif", NULL);
  g_autofree char *stack_energies = g_build_filename (dir, "stack.energies.txt", NULL);
  g_autofree char *plain = g_build_filename (dir, "plain.tif", NULL);
  g_autofree char *table = g_build_filename (dir, "table.csv", NULL);
  g_autofree char *found = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir (pages, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (energies, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (xrm, 0700), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("slice_%04u.tif", i);
      g_autofree char *page = g_build_filename (pages, name, NULL);
      g_autofree char *energy_name = g_strdup_printf ("particle_%.1feV.tif", 8324.0 + 30 * i);
      g_autofree char *energy = g_build_filename (energies, energy_name, NULL);

      write_tiff (page, 4, 3, 1, i);
      write_tiff (energy, 4, 3, 1, i);
    }
  {
    g_autofree char *one = g_build_filename (xrm, "a_8324.0eV.xrm", NULL);
    write_text (one, "");
  }
  write_tiff (stack, 4, 3, 2, 0);
  write_tiff (plain, 4, 3, 2, 0);
  write_text (stack_energies, "8324\n8354\n");
  write_text (table, "X,Y,R0\n0,0,1.5\n");

  g_assert_cmpint (evox_spectral_detect (pages), ==, EVOX_SPECTRAL_NONE);
  g_assert_cmpint (evox_detect_format (pages, &error), ==, EVOX_FORMAT_TIFF_FOLDER);
  g_assert_cmpint (evox_spectral_detect (energies), ==, EVOX_SPECTRAL_TIFF_FOLDER);
  g_assert_cmpint (evox_detect_format (energies, &error), ==, EVOX_FORMAT_SPECTRAL);
  g_assert_cmpint (evox_spectral_detect (xrm), ==, EVOX_SPECTRAL_XRM_FOLDER);
  g_assert_cmpint (evox_spectral_detect (stack), ==, EVOX_SPECTRAL_TIFF_ENERGIES);
  g_assert_cmpint (evox_detect_format (stack, &error), ==, EVOX_FORMAT_SPECTRAL);
  g_assert_cmpint (evox_spectral_detect (plain), ==, EVOX_SPECTRAL_NONE);
  g_assert_cmpint (evox_detect_format (plain, &error), ==, EVOX_FORMAT_TIFF);
  g_assert_cmpint (evox_spectral_detect (table), ==, EVOX_SPECTRAL_NONE);
  g_assert_cmpint (evox_detect_format (table, &error), ==, EVOX_FORMAT_SSRM_TABLE);
  g_assert_no_error (error);
  found = evox_spectral_find_energies_file (stack);
  g_assert_cmpstr (found, ==, stack_energies);
  g_assert_null (evox_spectral_find_energies_file (plain));
  {
    g_autofree char *named = evox_spectral_energies_path ("/x/OUT.tiff");
    g_assert_cmpstr (named, ==, "/x/OUT.energies.txt");
    g_assert_null (evox_spectral_energies_path ("/x/OUT.h5"));
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A loaded set's refusal: NULL, the code, and every fragment in the message. */
static void
assert_refused (const char  *path,
                guint        bin,
                int          code,
                const char  *first,
                ...)
{
  g_autoptr(GError) error = NULL;
  EvoxSpectralOptions options = { .bin = bin };
  g_autoptr(EvoxVolume) volume = evox_spectral_load (path, &options, NULL, NULL, &error);
  va_list args;

  g_assert_null (volume);
  g_assert_error (error, EVOX_ERROR, code);
  va_start (args, first);
  for (const char *text = first; text != NULL; text = va_arg (args, const char *))
    if (strstr (error->message, text) == NULL)
      g_error ("'%s' lacks '%s'", error->message, text);
  va_end (args);
}

/* Scripts refused before any image is read: no images, none present, an energy without its
 * references or its samples. The "files" are empty: pairing is decided before reading. */
static void
test_script_refusals (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *script = g_build_filename (dir, "scan.txt", NULL);
  const char *present[] = { "rep01_s_08250.0_eV_001of001.xrm",
                            "rep01_000009_ref_s_08265.0_eV_001of001.xrm" };

  write_text (script, ";; nothing collected\nsete 8250.0\nmoveto x 1\n");
  assert_refused (script, 1, EVOX_ERROR_INVALID_DATA, script, "names no images", NULL);

  write_text (script, "sete 8250.0\ncollect rep01_s_08250.0_eV_001of001.xrm\n");
  assert_refused (script, 1, EVOX_ERROR_INVALID_DATA, script, "none of the 1 files", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (present); i++)
    {
      g_autofree char *path = g_build_filename (dir, present[i], NULL);
      write_text (path, "");
    }
  /* 8250 eV has its sample but its reference is missing. */
  write_text (script, "sete 8250.0\ncollect rep01_s_08250.0_eV_001of001.xrm\n"
              "collect rep01_000001_ref_s_08250.0_eV_001of001.xrm\n");
  assert_refused (script, 1, EVOX_ERROR_INVALID_DATA, script, "8250.0 eV", "no reference", NULL);
  /* 8265 eV has a reference and no sample. */
  write_text (script, "sete 8265.0\ncollect rep01_000009_ref_s_08265.0_eV_001of001.xrm\n"
              "collect rep01_s_08265.0_eV_001of001.xrm\n");
  assert_refused (script, 1, EVOX_ERROR_INVALID_DATA, script, "8265.0 eV", "no sample", NULL);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Per-energy TIFFs in a folder, named as users and `evox register` name them, each a channel
 * with the file's values, ascending in energy, binned by brute force. */
static void
test_tiff_folder (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  const char *names[] = { "particle_8354.0eV.tif", "scan_8324.0_eV_x.tif", "p_8339.5eV.tiff" };
  const guint seeds[] = { 2, 0, 1 };
  const double energies[] = { 8324.0, 8339.5, 8354.0 };
  const guint width = 7, height = 5, depth = 2;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      write_tiff (path, width, height, depth, seeds[i]);
    }
  for (guint bin = 1; bin <= 2; bin++)
    {
      g_autoptr(GError) error = NULL;
      EvoxLoadOptions options = { .bin = bin };
      g_autoptr(EvoxVolume) volume = evox_volume_load_with (dir, &options, NULL, NULL, &error);
      gsize dims[3];

      g_assert_no_error (error);
      evox_volume_get_dims (volume, dims);
      /* A partial edge block is dropped: 7 x 5 binned by 2 is 3 x 2. */
      g_assert_cmpuint (dims[0], ==, width / bin);
      g_assert_cmpuint (dims[1], ==, height / bin);
      g_assert_cmpuint (dims[2], ==, depth);
      g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 3);
      g_assert_cmpint (evox_volume_get_sample_type (volume), ==, EVOX_SAMPLE_F32);
      for (guint c = 0; c < 3; c++)
        {
          g_autofree char *label = g_strdup_printf ("%.1f eV", energies[c]);

          g_assert_cmpfloat (evox_volume_get_channel_energy (volume, c), ==, energies[c]);
          g_assert_cmpstr (evox_volume_get_channel_label (volume, c), ==, label);
          g_assert_cmpfloat_with_epsilon (evox_volume_get_channel_pixel_size (volume, c),
                                          31.2 * bin, 1e-4);
          for (guint z = 0; z < depth; z++)
            for (guint y = 0; y < dims[1]; y++)
              for (guint x = 0; x < dims[0]; x++)
                g_assert_cmpfloat_with_epsilon (evox_volume_get_value (volume, c, x, y, z),
                                                binned_pattern (x, y, z, c, bin), 1e-3);
        }
      g_assert_cmpstr (evox_volume_get_metadata (volume, "spectral_source"), ==,
                       "3 per-energy TIFF files");
      g_assert_cmpstr (evox_volume_get_metadata (volume, "spectral_files_8339.5"), ==,
                       "p_8339.5eV.tiff");
    }
  /* A cancelled load stops between files with the cancellation, not a volume. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxVolume) volume = NULL;

    g_cancellable_cancel (cancellable);
    volume = evox_spectral_load (dir, NULL, NULL, cancellable, &error);
    g_assert_null (volume);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_tiff_folder_refusals (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *a = g_build_filename (dir, "p_8324.0eV.tif", NULL);
  g_autofree char *b = g_build_filename (dir, "p_8354.0eV.tif", NULL);
  g_autofree char *c = g_build_filename (dir, "q_8354.00eV.tif", NULL);

  write_tiff (a, 4, 4, 1, 0);
  write_tiff (b, 4, 3, 1, 0);
  assert_refused (dir, 1, EVOX_ERROR_INVALID_DATA, "mixed image sizes", a, b, NULL);
  write_tiff (b, 4, 4, 1, 1);
  assert_refused (dir, 5, EVOX_ERROR_ARGUMENT, "--bin 5", NULL);
  write_tiff (c, 4, 4, 1, 1);
  assert_refused (dir, 1, EVOX_ERROR_INVALID_DATA, "one energy", b, c, NULL);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A multi-page TIFF with STACK.energies.txt: comments and blank lines skipped, pages sorted by
 * energy; a count that differs from the pages, or a line that is no energy, refused. */
static void
test_tiff_energies (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *stack = g_build_filename (dir, "stack.tif", NULL);
  g_autofree char *energies = g_build_filename (dir, "stack.energies.txt", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  const double sorted[] = { 8324.0, 8333.25, 8354.0 };
  const guint page_of[] = { 1, 2, 0 };
  gsize dims[3];

  write_tiff (stack, 6, 4, 3, 0);
  write_text (energies, "# energies of the pages\n8354.0\n\n8324  # the first\n 8333.25 \n");
  volume = evox_volume_load (stack, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, 6);
  g_assert_cmpuint (dims[1], ==, 4);
  g_assert_cmpuint (dims[2], ==, 1);
  g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 3);
  for (guint c = 0; c < 3; c++)
    {
      g_assert_cmpfloat (evox_volume_get_channel_energy (volume, c), ==, sorted[c]);
      for (guint y = 0; y < 4; y++)
        for (guint x = 0; x < 6; x++)
          g_assert_cmpfloat (evox_volume_get_value (volume, c, x, y, 0), ==,
                             (float) pattern (x, y, page_of[c], 0));
    }

  /* Numbers all below 200 are keV, as in the HDF5 reader. */
  g_clear_object (&volume);
  write_text (energies, "8.354\n8.324\n8.33325\n");
  volume = evox_volume_load (stack, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint c = 0; c < 3; c++)
    g_assert_cmpfloat_with_epsilon (evox_volume_get_channel_energy (volume, c), sorted[c], 1e-6);

  write_text (energies, "8324\n8354\n");
  assert_refused (stack, 1, EVOX_ERROR_INVALID_DATA, energies, "2 energies", "3 pages", NULL);
  /* more energies than pages: most often a stack cut short, so the message asks */
  write_text (energies, "8324\n8333\n8354\n8370\n");
  assert_refused (stack, 1, EVOX_ERROR_INVALID_DATA, energies, "4 energies", "3 pages",
                  "(is it truncated?)", NULL);
  write_tiff (stack, 6, 4, 1, 0);
  write_text (energies, "8324\n8354\n");
  assert_refused (stack, 1, EVOX_ERROR_INVALID_DATA, "2 energies", "holds 1 page (", NULL);
  write_text (energies, "8324\n8354\nkeV\n");
  assert_refused (stack, 1, EVOX_ERROR_INVALID_DATA, energies, "line 3", NULL);
  {
    static const char binary[] = "8324\n8354\n\0" "8340\n";

    g_assert_true (g_file_set_contents (energies, binary, sizeof binary - 1, NULL));
    assert_refused (stack, 1, EVOX_ERROR_INVALID_DATA, energies,
                    "not a text file of energies (a NUL byte)", NULL);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Above the memory limit, the refusal says how much and the smallest --bin that fits, which
 * brute force finds here. */
static void
test_memory_refusal (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  const guint width = 64, height = 48, n = 8;
  const guint64 limit = 20000;
  guint expected = 0;
  g_autofree char *bin_text = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("p_%ueV.tif", 8000 + i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      write_tiff (path, width, height, 1, i);
    }
  for (guint b = 1; expected == 0; b++)
    if ((guint64) n * (width / b) * (height / b) * 4 <= limit)
      expected = b;
  g_assert_cmpuint (expected, ==, 3);
  bin_text = g_strdup_printf ("--bin %u", expected);
  g_setenv ("EVOX_MEMORY_LIMIT", "20000", TRUE);
  assert_refused (dir, 1, EVOX_ERROR_TOO_LARGE, dir, bin_text, "96.0", NULL);
  assert_refused (dir, 2, EVOX_ERROR_TOO_LARGE, bin_text, NULL);
  g_unsetenv ("EVOX_MEMORY_LIMIT");
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The real SSRL set: the script names 806 files, four are present under renamed sample parts.
 * Checked against the two .xrm files read through evox_xrm_read_image and combined here by
 * brute force with the exposure times the files state.
 *
 * Independent numbers (olefile 0.46 + numpy 1.24, ImageData1/Image1 as <u2, ExpTimes as <f4):
 *   s, ts = image ("rep01_20161456_ssrl-test-data_08324.0_eV_001of003.xrm")          # 0.5 s
 *   r, tr = image ("rep01_000051_ref_20161456_ssrl-test-data_08324.0_eV_001of010.xrm")  # 0.3 s
 *   od = -np.log ((s / ts) / (r / tr))
 *   8324 eV: od[0,0] 0.7790895706, od[512,512] 1.0801305168, od[700,100] 1.1805211036,
 *            mean 1.0796237627, no non-finite values
 *   8354 eV: od[0,0] 1.2039727646, od[512,512] 1.0934624883, mean 1.1890130015
 *   bin 2 (2 x 2 means of s and r first): 8324 eV odb[256,256] 1.1022452515, mean 1.0792591208
 */
static void
test_ssrl_real (void)
{
  g_autofree char *script = evox_test_data_path (
    "xrm/ssrl/20161456_ssrl-test-data_XANES.txt");
  g_autofree char *folder = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  const char *warnings;
  const char *sample_names[] = { "rep01_20161456_ssrl-test-data_08324.0_eV_001of003.xrm",
                                 "rep01_20161456_ssrl-test-data_08354.0_eV_001of003.xrm" };
  const char *ref_names[] = { "rep01_000051_ref_20161456_ssrl-test-data_08324.0_eV_001of010.xrm",
                              "rep01_000351_ref_20161456_ssrl-test-data_08354.0_eV_001of010.xrm" };
  gsize dims[3];

  if (script == NULL)
    return;
  folder = g_path_get_dirname (script);
  volume = evox_volume_load (script, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, 1024);
  g_assert_cmpuint (dims[1], ==, 1024);
  g_assert_cmpuint (dims[2], ==, 1);
  g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 2);
  g_assert_cmpfloat (evox_volume_get_channel_energy (volume, 0), ==, 8324.0);
  g_assert_cmpfloat (evox_volume_get_channel_energy (volume, 1), ==, 8354.0);
  /* PixelSize 0.0312 um as a float. */
  g_assert_cmpfloat_with_epsilon (evox_volume_get_channel_pixel_size (volume, 0), 31.2, 1e-3);
  g_assert_cmpstr (evox_volume_get_channel_quantity (volume, 0), ==, "optical density");
  warnings = evox_volume_get_metadata (volume, "spectral_warnings");
  g_assert_nonnull (warnings);
  g_assert_nonnull (strstr (warnings, "802 of the 806 files the script names are missing"));
  g_assert_nonnull (strstr (warnings, "4 files were matched by repeat"));
  {
    g_auto(GStrv) missing = g_strsplit (evox_volume_get_metadata (volume,
                                                                  "spectral_missing_files"),
                                        "\n", -1);

    g_assert_cmpuint (g_strv_length (missing), ==, 802);
    g_assert_cmpstr (missing[0], ==, "rep01_000001_ref_20161456_NCA_Pg41-10_pristine_fov08_"
                     "XANES_08250.0_eV_001of010.xrm");
  }
  g_assert_cmpstr (evox_volume_get_metadata (volume, "spectral_files_8324.0"), ==,
                   "rep01_20161456_NCA_Pg41-10_pristine_fov08_XANES_08324.0_eV_001of003.xrm\n"
                   "rep01_000051_ref_20161456_NCA_Pg41-10_pristine_fov08_XANES_08324.0_eV_"
                   "001of010.xrm");

  for (guint c = 0; c < 2; c++)
    {
      g_autofree char *sp = g_build_filename (folder, sample_names[c], NULL);
      g_autofree char *rp = g_build_filename (folder, ref_names[c], NULL);
      g_autoptr(EvoxXrmFile) s = evox_xrm_open (sp, &error);
      g_autoptr(EvoxXrmFile) r = evox_xrm_open (rp, &error);
      g_autofree float *si = g_new (float, 1024 * 1024);
      g_autofree float *ri = g_new (float, 1024 * 1024);
      double ts, tr, sum = 0;

      g_assert_no_error (error);
      g_assert_true (evox_xrm_read_image (s, 0, si, &error));
      g_assert_true (evox_xrm_read_image (r, 0, ri, &error));
      ts = evox_xrm_get_info (s)->exp_times_s[0];
      tr = evox_xrm_get_info (r)->exp_times_s[0];
      g_assert_cmpfloat_with_epsilon (ts, 0.5, 1e-6);
      g_assert_cmpfloat_with_epsilon (tr, 0.3, 1e-6);
      for (gsize y = 0; y < 1024; y++)
        for (gsize x = 0; x < 1024; x++)
          {
            double od = -log ((si[y * 1024 + x] / ts) / (ri[y * 1024 + x] / tr));

            g_assert_cmpfloat_with_epsilon (evox_volume_get_value (volume, c, x, y, 0), od,
                                            1e-5);
            sum += od;
          }
      g_assert_cmpfloat_with_epsilon (sum / (1024.0 * 1024.0),
                                      c == 0 ? 1.0796237627 : 1.1890130015, 1e-7);
    }
  g_assert_cmpfloat_with_epsilon (evox_volume_get_value (volume, 0, 0, 0, 0), 0.7790895706, 1e-6);
  g_assert_cmpfloat_with_epsilon (evox_volume_get_value (volume, 0, 100, 700, 0), 1.1805211036,
                                  1e-6);
  g_assert_cmpfloat_with_epsilon (evox_volume_get_value (volume, 1, 512, 512, 0), 1.0934624883,
                                  1e-6);

  /* The folder finds its script; --bin 2 averages the counts before the ratio. */
  {
    g_autoptr(EvoxVolume) binned = NULL;
    EvoxLoadOptions options = { .bin = 2 };

    binned = evox_volume_load_with (folder, &options, NULL, NULL, &error);
    g_assert_no_error (error);
    evox_volume_get_dims (binned, dims);
    g_assert_cmpuint (dims[0], ==, 512);
    g_assert_cmpuint (dims[1], ==, 512);
    g_assert_cmpfloat_with_epsilon (evox_volume_get_value (binned, 0, 256, 256, 0),
                                    1.1022452515, 1e-6);
    g_assert_cmpfloat_with_epsilon (evox_volume_get_channel_pixel_size (binned, 0), 62.4, 2e-3);
  }
}

/* The four real files as a plain list, as APS users bring them: references by name, paired by
 * the energy in the name (the files say 0). Same numbers as the script. */
static void
test_xrm_list_real (void)
{
  g_autofree char *folder = evox_test_data_path ("xrm/ssrl");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  const char *names[] = { "rep01_000351_ref_20161456_ssrl-test-data_08354.0_eV_001of010.xrm",
                          "rep01_20161456_ssrl-test-data_08324.0_eV_001of003.xrm",
                          "rep01_000051_ref_20161456_ssrl-test-data_08324.0_eV_001of010.xrm",
                          "rep01_20161456_ssrl-test-data_08354.0_eV_001of003.xrm" };

  if (folder == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_ptr_array_add (paths, g_build_filename (folder, names[i], NULL));
  g_ptr_array_add (paths, NULL);
  volume = evox_spectral_load_files ((const char * const *) paths->pdata, NULL, NULL, NULL,
                                     &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 2);
  g_assert_cmpfloat (evox_volume_get_channel_energy (volume, 0), ==, 8324.0);
  g_assert_cmpfloat_with_epsilon (evox_volume_get_value (volume, 0, 512, 512, 0), 1.0801305168,
                                  1e-6);
  g_assert_cmpfloat_with_epsilon (evox_volume_get_value (volume, 1, 0, 0, 0), 1.2039727646,
                                  1e-6);
  g_assert_null (evox_volume_get_metadata (volume, "spectral_warnings"));

  /* Without the 8354 eV sample, its reference stands alone: refused by name. */
  g_ptr_array_remove_index (paths, paths->len - 1);
  g_ptr_array_remove_index (paths, paths->len - 1);
  g_ptr_array_add (paths, NULL);
  g_clear_object (&volume);
  volume = evox_spectral_load_files ((const char * const *) paths->pdata, NULL, NULL, NULL,
                                     &error);
  g_assert_null (volume);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "8354.0 eV"));
  g_assert_nonnull (strstr (error->message, names[0]));

  /* The 8324 eV sample and the 8354 eV reference in a folder without a script: the message
   * names the folder and the file at fault, not the folder's first file (the reference of
   * another energy). */
  {
    g_autofree char *dir = evox_test_tmpdir_new ();

    for (guint i = 0; i < 2; i++)
      {
        g_autofree char *from = g_build_filename (folder, names[i], NULL);
        g_autofree char *to = g_build_filename (dir, names[i], NULL);

        g_assert_cmpint (symlink (from, to), ==, 0);
      }
    g_clear_error (&error);
    volume = evox_spectral_load (dir, NULL, NULL, NULL, &error);
    g_assert_null (volume);
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
    g_assert_true (g_str_has_prefix (error->message, dir));
    g_assert_nonnull (strstr (error->message, "8324.0 eV has sample images but no reference"));
    g_assert_nonnull (strstr (error->message, names[1]));
    g_assert_null (strstr (error->message, names[0]));
    evox_test_tmpdir_free (g_steal_pointer (&dir));
  }
}

/* Images of two sizes in one set: refused naming both files (a real 1024 x 1024 file and the
 * real 512 x 512 test_chip00.xrm, copied into one folder with a script). */
static void
test_xrm_mixed_sizes (void)
{
  g_autofree char *chip = evox_test_data_path ("xrm/test_chip00.xrm");
  g_autofree char *ssrl = evox_test_data_path (
    "xrm/ssrl/rep01_20161456_ssrl-test-data_08324.0_eV_001of003.xrm");
  g_autofree char *dir = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *script = NULL;
  gsize length;

  if (chip == NULL || ssrl == NULL)
    return;
  dir = evox_test_tmpdir_new ();
  a = g_build_filename (dir, "s_8324.0_eV_1.xrm", NULL);
  b = g_build_filename (dir, "s_ref_8324.0_eV_1.xrm", NULL);
  g_assert_true (g_file_get_contents (ssrl, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (a, contents, length, NULL));
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (chip, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (b, contents, length, NULL));
  /* The script gives both one energy (the chip file says 7191 eV). */
  script = g_build_filename (dir, "scan.txt", NULL);
  write_text (script, "sete 8324.0\ncollect s_8324.0_eV_1.xrm\ncollect s_ref_8324.0_eV_1.xrm\n");
  assert_refused (dir, 1, EVOX_ERROR_INVALID_DATA, "mixed image sizes", a, b, NULL);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Spectral/energy-from-name", test_energy_from_name);
  g_test_add_func ("/Evox/Spectral/reference-name", test_reference_name);
  g_test_add_func ("/Evox/Spectral/name-key", test_name_key);
  g_test_add_func ("/Evox/Spectral/parse-script", test_parse_script);
  g_test_add_func ("/Evox/Spectral/detect", test_detect);
  g_test_add_func ("/Evox/Spectral/script-refusals", test_script_refusals);
  g_test_add_func ("/Evox/Spectral/tiff-folder", test_tiff_folder);
  g_test_add_func ("/Evox/Spectral/tiff-folder-refusals", test_tiff_folder_refusals);
  g_test_add_func ("/Evox/Spectral/tiff-energies", test_tiff_energies);
  g_test_add_func ("/Evox/Spectral/memory-refusal", test_memory_refusal);
  g_test_add_func ("/Evox/Spectral/ssrl-real", test_ssrl_real);
  g_test_add_func ("/Evox/Spectral/xrm-list-real", test_xrm_list_real);
  g_test_add_func ("/Evox/Spectral/xrm-mixed-sizes", test_xrm_mixed_sizes);
  return g_test_run ();
}
