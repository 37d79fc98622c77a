/* test-xrm.c: the Xradia .xrm/.txrm reader against the real files (checked against an olefile
 * reading) and against files the tests write with libgsf's own OLE2 writer. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "evox-loader.h"
#include "evox-xrm.h"
#include "evox-test-util.h"
#include "evox-test-xrm.h"

/* ------------------------------------------------------------------------------------------ */
/* Real files, against an independent reading                                                  */

/* The oracle numbers below were made with /usr/bin/python3, olefile 0.46 and numpy, reading the
 * streams by name, nothing from Evox:
 *
 *   import olefile, numpy as np
 *   o = olefile.OleFileIO(f)
 *   w, h, n = (int(np.frombuffer(o.openstream('ImageInfo/' + s).read(), '<u4')[0])
 *              for s in ('ImageWidth', 'ImageHeight', 'NoOfImages'))
 *   a = np.frombuffer(o.openstream('ImageData%d/Image%d' % ((k + 99) // 100, k)).read(),
 *                     '<u2').astype(np.float64)[:w * h].reshape(h, w)
 *   print(a[0, 0], a[200, 100], a[h - 1, w - 1], a.sum(), (a * a).sum())
 *   # the same for 'ReferenceData/Image'; metadata as np.frombuffer(..., '<f4')[:n]
 *
 * Output (pixel (0,0), (x=100,y=200), (w-1,h-1), sum, sum of squares):
 *   test_chip00.xrm 512 512 1
 *     image 1   15  32  18  11192542  575461542
 *     reference 82 254     77982600  26273004404
 *     Energy 7191.04639 PixelSize 0.0778947398 Angles -0.0600000024 ExpTimes 39.8847275
 *   txrm_test_chip_tomo.txrm 256 256 7
 *     image 1   10  82  10  4280467  346202027
 *     image 7    3  88   9  4079730  317828032
 *     Energy 9200.0166 0 0 0 0 0 0 (the stream holds 61 entries)  PixelSize 0.15578948
 *     Angles -45.0180016 -30.0141258 -15.0141258 -0.0141250007 14.9858761 29.9858761 44.985878
 *     ExpTimes 5 5 5 5 5 5 5
 *   ssrl/rep01_000051_ref_..._08324.0_eV_001of010.xrm 1024 1024 1
 *     image 1   17 105  17  787711745  924116140675   Energy 0  PixelSize 0.0311999992
 *     ExpTimes 0.300000012
 *   ssrl/rep01_20161456_ssrl-test-data_08354.0_eV_001of003.xrm 1024 1024 1
 *     image 1   12  61  14  404397194  244900214114   ExpTimes 0.5
 */

typedef struct
{
  double p00, p_100_200, p_last, sum, sumsq;
} Checksum;

static void
assert_checksum (const float    *values,
                 guint           width,
                 guint           height,
                 const Checksum *expected)
{
  double sum = 0, sumsq = 0;

  for (gsize i = 0; i < (gsize) width * height; i++)
    {
      sum += values[i];
      sumsq += (double) values[i] * values[i];
    }
  g_assert_cmpfloat (values[0], ==, expected->p00);
  g_assert_cmpfloat (values[200 * width + 100], ==, expected->p_100_200);
  g_assert_cmpfloat (values[(gsize) width * height - 1], ==, expected->p_last);
  g_assert_cmpfloat (sum, ==, expected->sum);
  g_assert_cmpfloat (sumsq, ==, expected->sumsq);
}

static void
test_real_xrm (void)
{
  g_autofree char *path = evox_test_data_path ("xrm/test_chip00.xrm");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxXrmFile) file = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  const EvoxXrmInfo *info;
  g_autofree float *image = NULL;
  static const Checksum image1 = { 15, 32, 18, 11192542, 575461542 };
  static const Checksum reference = { 82, 254, 0, 77982600, 26273004404.0 };
  gsize dims[3];
  double spacing[3];

  if (path == NULL)
    return;
  file = evox_xrm_open (path, &error);
  g_assert_no_error (error);
  info = evox_xrm_get_info (file);
  g_assert_cmpuint (info->width, ==, 512);
  g_assert_cmpuint (info->height, ==, 512);
  g_assert_cmpuint (info->n_images, ==, 1);
  g_assert_cmpint (info->data_type, ==, 5);
  g_assert_cmpfloat_with_epsilon (info->energies_ev[0], 7191.04639, 1e-3);
  g_assert_cmpfloat_with_epsilon (info->pixel_size_um, 0.0778947398, 1e-9);
  g_assert_cmpfloat_with_epsilon (info->angles_deg[0], -0.0600000024, 1e-9);
  g_assert_cmpfloat_with_epsilon (info->exp_times_s[0], 39.8847275, 1e-6);
  g_assert_cmpfloat_with_epsilon (info->x_positions[0], 715.36, 1e-3);
  g_assert_cmpuint (info->binning, ==, 4);  /* HorizontalBin: the file has no CameraBinning */
  g_assert_cmpuint (info->mosaic_rows, ==, 0);
  g_assert_true (info->has_reference);
  g_assert_cmpuint (info->reference_width, ==, 512);
  g_assert_cmpuint (info->reference_height, ==, 512);
  g_assert_cmpint (info->reference_data_type, ==, 5);
  g_assert_cmpfloat (info->reference_exp_time_s, ==, 40);

  image = g_new (float, 512 * 512);
  g_assert_true (evox_xrm_read_image (file, 0, image, &error));
  g_assert_no_error (error);
  assert_checksum (image, 512, 512, &image1);
  g_assert_true (evox_xrm_read_reference (file, image, &error));
  g_assert_no_error (error);
  {
    Checksum ref = reference;

    ref.p_last = image[512 * 512 - 1];  /* not in the oracle; the rest is */
    assert_checksum (image, 512, 512, &ref);
  }
  g_assert_false (evox_xrm_read_image (file, 1, image, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);

  /* Through the loader, as the window and `evox info` open it. */
  volume = evox_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, 512);
  g_assert_cmpuint (dims[1], ==, 512);
  g_assert_cmpuint (dims[2], ==, 1);
  g_assert_cmpint (evox_volume_get_sample_type (volume), ==, EVOX_SAMPLE_U16);
  g_assert_cmpfloat (evox_volume_get_value (volume, 0, 100, 200, 0), ==, 32);
  evox_volume_get_spacing (volume, spacing);
  g_assert_cmpfloat_with_epsilon (spacing[0], 77.8947398, 1e-4);
  g_assert_true (evox_volume_get_spacing_known (volume));
  g_assert_cmpfloat_with_epsilon (evox_volume_get_channel_energy (volume, 0), 7191.04639, 1e-3);
  g_assert_cmpstr (evox_volume_get_metadata (volume, "info.energy"), ==, "7191.05 eV");
  g_assert_cmpstr (evox_volume_get_metadata (volume, "info.instrument"), ==,
                   "Xradia .xrm, 1 image");
  g_assert_cmpstr (evox_volume_get_metadata (volume, "info.reference"), ==,
                   "512 x 512 u16, exposure 40 s");
  g_assert_cmpstr (evox_volume_get_metadata (volume, "info.binning"), ==, "camera 4 x 4");
  g_assert_cmpstr (evox_volume_get_metadata (volume, "info.pixel_size"), ==, "0.077895 um");
  g_assert_cmpstr (evox_volume_get_metadata (volume, "xrm_energies_ev"), ==, "7191.046");
}

static void
test_real_txrm (void)
{
  g_autofree char *path = evox_test_data_path ("xrm/txrm_test_chip_tomo.txrm");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxXrmFile) file = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  const EvoxXrmInfo *info;
  g_autofree float *image = NULL;
  static const Checksum image1 = { 10, 82, 10, 4280467, 346202027 };
  static const Checksum image7 = { 3, 88, 9, 4079730, 317828032 };
  static const double angles[7] = { -45.0180016, -30.0141258, -15.0141258, -0.0141250007,
                                    14.9858761, 29.9858761, 44.985878 };
  gsize dims[3];

  if (path == NULL)
    return;
  file = evox_xrm_open (path, &error);
  g_assert_no_error (error);
  info = evox_xrm_get_info (file);
  g_assert_cmpuint (info->width, ==, 256);
  g_assert_cmpuint (info->height, ==, 256);
  g_assert_cmpuint (info->n_images, ==, 7);
  g_assert_false (info->has_reference);
  g_assert_cmpfloat_with_epsilon (info->pixel_size_um, 0.15578948, 1e-8);
  /* Energy holds 61 entries: cut to the 7 images. */
  g_assert_cmpfloat_with_epsilon (info->energies_ev[0], 9200.0166, 1e-3);
  g_assert_cmpfloat (info->energies_ev[6], ==, 0);
  for (guint i = 0; i < 7; i++)
    {
      g_assert_cmpfloat_with_epsilon (info->angles_deg[i], angles[i], 1e-6);
      g_assert_cmpfloat (info->exp_times_s[i], ==, 5);
    }
  image = g_new (float, 256 * 256);
  g_assert_true (evox_xrm_read_image (file, 0, image, &error));
  assert_checksum (image, 256, 256, &image1);
  g_assert_true (evox_xrm_read_image (file, 6, image, &error));
  assert_checksum (image, 256, 256, &image7);
  g_assert_false (evox_xrm_read_reference (file, image, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "txrm_test_chip_tomo.txrm"));
  g_clear_error (&error);

  /* A tilt series (one energy): a layer per image, not a channel. */
  volume = evox_xrm_load (path, 1, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, 256);
  g_assert_cmpuint (dims[2], ==, 7);
  g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 1);
  g_assert_cmpfloat (evox_volume_get_value (volume, 0, 100, 200, 6), ==, 88);
  g_assert_cmpstr (evox_volume_get_metadata (volume, "info.angles"), ==, "-45.02 .. 44.99 deg (7)");
  g_assert_cmpstr (evox_volume_get_metadata (volume, "info.instrument"), ==,
                   "Xradia .txrm, 7 images (a layer each)");
  g_assert_cmpstr (evox_volume_get_metadata (volume, "info.energy"), ==, "9200.02 eV");
  g_assert_cmpstr (evox_volume_get_metadata (volume, "info.exposure"), ==, "5 s");
  g_assert_cmpstr (evox_volume_get_metadata (volume, "xrm_exp_times_s"), ==, "5,5,5,5,5,5,5");
  g_assert_cmpstr (evox_volume_get_metadata (volume, "xrm_angles_deg"), ==,
                   "-45.018,-30.01413,-15.01413,-0.014125,14.98588,29.98588,44.98588");
}

static void
test_real_ssrl (void)
{
  static const struct
  {
    const char *name;
    double      exposure;
    Checksum    image;
  } files[] = {
    { "xrm/ssrl/rep01_000051_ref_20161456_ssrl-test-data_08324.0_eV_001of010.xrm", 0.300000012,
      { 17, 105, 17, 787711745, 924116140675.0 } },
    { "xrm/ssrl/rep01_20161456_ssrl-test-data_08354.0_eV_001of003.xrm", 0.5,
      { 12, 61, 14, 404397194, 244900214114.0 } },
  };
  g_autofree float *image = g_new (float, 1024 * 1024);

  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autofree char *path = evox_test_data_path (files[f].name);
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxXrmFile) file = NULL;
      g_autoptr(EvoxVolume) volume = NULL;
      const EvoxXrmInfo *info;

      if (path == NULL)
        return;
      file = evox_xrm_open (path, &error);
      g_assert_no_error (error);
      info = evox_xrm_get_info (file);
      g_assert_cmpuint (info->width, ==, 1024);
      g_assert_cmpuint (info->height, ==, 1024);
      g_assert_cmpuint (info->n_images, ==, 1);
      g_assert_cmpfloat (info->energies_ev[0], ==, 0);  /* SSRL: the scan script says it */
      g_assert_cmpfloat_with_epsilon (info->pixel_size_um, 0.0311999992, 1e-9);
      g_assert_cmpfloat_with_epsilon (info->exp_times_s[0], files[f].exposure, 1e-9);
      g_assert_true (evox_xrm_read_image (file, 0, image, &error));
      assert_checksum (image, 1024, 1024, &files[f].image);

      volume = evox_xrm_load (path, 1, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (isnan (evox_volume_get_channel_energy (volume, 0)));
      g_assert_cmpstr (evox_volume_get_metadata (volume, "info.energy"), ==,
                       "not recorded (0 in the file)");
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Synthetic files                                                                              */

static void assert_refused (const char *path,
                            GQuark      domain,
                            int         code,
                            const char *reason);

static char *
write_spec (const char        *dir,
            const char        *name,
            const EvoxTestXrm *spec)
{
  char *path = g_build_filename (dir, name, NULL);

  evox_test_xrm_write (path, spec);
  return path;
}

/* Every listed data type reads as the values written; u8 and u16 stay so in the volume, the
 * others become f32. A file without a DataType stream is read by its image size. */
static void
test_data_types (void)
{
  static const int types[] = { 2, 3, 4, 5, 6, 7, 10, 11 };
  g_autofree char *dir = evox_test_tmpdir_new ();

  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    {
      EvoxTestXrm spec = { .width = 7, .height = 5, .n_images = 3, .data_type = types[t] };
      g_autofree char *name = g_strdup_printf ("type%d.txrm", types[t]);
      g_autofree char *path = write_spec (dir, name, &spec);
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxXrmFile) file = evox_xrm_open (path, &error);
      g_autoptr(EvoxVolume) volume = NULL;
      float image[35];

      g_assert_no_error (error);
      g_assert_cmpint (evox_xrm_get_info (file)->data_type, ==, types[t]);
      for (guint k = 1; k <= 3; k++)
        {
          g_assert_true (evox_xrm_read_image (file, k - 1, image, &error));
          for (guint y = 0; y < 5; y++)
            for (guint x = 0; x < 7; x++)
              g_assert_cmpfloat (image[y * 7 + x], ==,
                                 (float) evox_test_xrm_value (types[t], k, x, y));
        }
      volume = evox_xrm_load (path, 1, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (evox_volume_get_sample_type (volume), ==,
                       types[t] == 3 ? EVOX_SAMPLE_U8
                       : types[t] == 5 ? EVOX_SAMPLE_U16 : EVOX_SAMPLE_F32);
      g_assert_cmpfloat (evox_volume_get_value (volume, 0, 6, 4, 2), ==,
                         (float) evox_test_xrm_value (types[t], 3, 6, 4));
    }

  /* No DataType stream: the first image's 2 bytes a pixel say u16. */
  {
    EvoxTestXrm spec = { .width = 4, .height = 3, .n_images = 1, .data_type = 0 };
    g_autofree char *path = write_spec (dir, "untyped.xrm", &spec);
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxXrmFile) file = evox_xrm_open (path, &error);

    g_assert_no_error (error);
    g_assert_cmpint (evox_xrm_get_info (file)->data_type, ==, 5);  /* the writer's u16 */
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Names matched without regard to case: imageinfo/imagewidth, imagedata1/image1. */
static void
test_lower_case (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  EvoxTestXrm spec = { .width = 6, .height = 4, .n_images = 2, .data_type = 5,
                       .lower_case = TRUE, .reference = TRUE };
  g_autofree char *path = write_spec (dir, "lower.txrm", &spec);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxXrmFile) file = evox_xrm_open (path, &error);
  const EvoxXrmInfo *info;
  float image[24];

  g_assert_no_error (error);
  info = evox_xrm_get_info (file);
  g_assert_cmpuint (info->width, ==, 6);
  g_assert_cmpuint (info->n_images, ==, 2);
  g_assert_cmpfloat_with_epsilon (info->pixel_size_um, 0.05, 1e-8);
  g_assert_cmpfloat (info->exp_times_s[1], ==, 0.75);
  g_assert_true (info->has_reference);
  g_assert_cmpfloat_with_epsilon (info->reference_exp_time_s, 0.3, 1e-7);
  g_assert_true (evox_xrm_read_image (file, 1, image, &error));
  g_assert_cmpfloat (image[3 * 6 + 5], ==, evox_test_xrm_value (5, 2, 5, 3));
  g_assert_true (evox_xrm_read_reference (file, image, &error));
  g_assert_cmpfloat (image[2 * 6 + 1], ==, evox_test_xrm_reference_value (1, 2));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* An aborted scan (ImagesTaken below NoOfImages) holds the images it took; ExpTime stands in for
 * ExpTimes; a reference may say its own size (ReferenceData/ImageInfo), and a stitched mosaic's
 * may be one tile. */
static void
test_variants (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();

  {
    EvoxTestXrm spec = { .width = 4, .height = 3, .n_images = 3, .no_of_images = 5,
                         .images_taken = 3, .data_type = 5, .exp_time = TRUE };
    g_autofree char *path = write_spec (dir, "aborted.txrm", &spec);
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxXrmFile) file = evox_xrm_open (path, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (evox_xrm_get_info (file)->n_images, ==, 3);
    g_assert_cmpfloat (evox_xrm_get_info (file)->exp_times_s[2], ==, 1.0);
  }
  {
    EvoxTestXrm spec = { .width = 5, .height = 4, .n_images = 1, .data_type = 10,
                         .reference = TRUE, .reference_width = 3, .reference_height = 2,
                         .reference_info = TRUE };
    g_autofree char *path = write_spec (dir, "own-reference.xrm", &spec);
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxXrmFile) file = evox_xrm_open (path, &error);
    const EvoxXrmInfo *info;
    float reference[6];

    g_assert_no_error (error);
    info = evox_xrm_get_info (file);
    g_assert_cmpuint (info->reference_width, ==, 3);
    g_assert_cmpuint (info->reference_height, ==, 2);
    g_assert_cmpint (info->reference_data_type, ==, 5);
    g_assert_true (evox_xrm_read_reference (file, reference, &error));
    for (guint i = 0; i < 6; i++)
      g_assert_cmpfloat (reference[i], ==, evox_test_xrm_reference_value (i % 3, i / 3));
  }
  {
    EvoxTestXrm spec = { .width = 6, .height = 4, .n_images = 1, .data_type = 5,
                         .mosaic_rows = 2, .mosaic_columns = 3, .reference = TRUE,
                         .reference_width = 2, .reference_height = 2 };
    g_autofree char *path = write_spec (dir, "mosaic-reference.xrm", &spec);
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxXrmFile) file = evox_xrm_open (path, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (evox_xrm_get_info (file)->reference_width, ==, 2);
    g_assert_cmpuint (evox_xrm_get_info (file)->reference_height, ==, 2);
  }
  {
    /* A reference shorter than the image and no size of its own: refused, not read short. */
    EvoxTestXrm spec = { .width = 6, .height = 4, .n_images = 1, .data_type = 5,
                         .reference = TRUE, .reference_width = 2, .reference_height = 2 };
    g_autofree char *path = write_spec (dir, "short-reference.xrm", &spec);

    assert_refused (path, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                    "ReferenceData/Image holds 8 bytes, shorter than its 6 x 4 u16 image");
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* More than 100 images: Image101 onwards live in ImageData2. */
static void
test_many_images (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  EvoxTestXrm spec = { .width = 3, .height = 2, .n_images = 203, .data_type = 5 };
  g_autofree char *path = write_spec (dir, "many.txrm", &spec);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxXrmFile) file = evox_xrm_open (path, &error);
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxProgress) progress = evox_progress_new ();
  float image[6];
  gsize dims[3];

  g_assert_no_error (error);
  g_assert_cmpuint (evox_xrm_get_info (file)->n_images, ==, 203);
  for (guint k = 99; k <= 203; k += 52)
    {
      g_assert_true (evox_xrm_read_image (file, k - 1, image, &error));
      for (guint i = 0; i < 6; i++)
        g_assert_cmpfloat (image[i], ==, evox_test_xrm_value (5, k, i % 3, i / 3));
    }
  volume = evox_xrm_load (path, 1, progress, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[2], ==, 203);
  g_assert_cmpfloat (evox_volume_get_value (volume, 0, 2, 1, 150), ==,
                     evox_test_xrm_value (5, 151, 2, 1));
  g_assert_cmpfloat (evox_progress_get_fraction (progress), ==, 1.0);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Mosaics: a stitched one is one image of the size ImageInfo gives; tiles kept one stream each
 * are put in their places, a row of tiles after another. */
static void
test_mosaic (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();

  {
    EvoxTestXrm spec = { .width = 6, .height = 4, .n_images = 1, .no_of_images = 6,
                         .data_type = 5, .mosaic_rows = 2, .mosaic_columns = 3 };
    g_autofree char *path = write_spec (dir, "stitched.xrm", &spec);
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxXrmFile) file = evox_xrm_open (path, &error);
    const EvoxXrmInfo *info;
    float image[24];

    g_assert_no_error (error);
    info = evox_xrm_get_info (file);
    g_assert_cmpuint (info->n_images, ==, 1);
    g_assert_cmpuint (info->width, ==, 6);
    g_assert_cmpuint (info->height, ==, 4);
    g_assert_cmpuint (info->mosaic_rows, ==, 2);
    g_assert_cmpuint (info->mosaic_columns, ==, 3);
    g_assert_true (evox_xrm_read_image (file, 0, image, &error));
    for (guint i = 0; i < 24; i++)
      g_assert_cmpfloat (image[i], ==, evox_test_xrm_value (5, 1, i % 6, i / 6));
  }
  {
    EvoxTestXrm spec = { .width = 2, .height = 3, .n_images = 6, .data_type = 4,
                         .mosaic_rows = 2, .mosaic_columns = 3 };
    g_autofree char *path = write_spec (dir, "tiles.xrm", &spec);
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxXrmFile) file = evox_xrm_open (path, &error);
    g_autoptr(EvoxVolume) volume = NULL;
    const EvoxXrmInfo *info;
    float image[36];
    gsize dims[3];

    g_assert_no_error (error);
    info = evox_xrm_get_info (file);
    g_assert_cmpuint (info->n_images, ==, 1);
    g_assert_cmpuint (info->width, ==, 6);
    g_assert_cmpuint (info->height, ==, 6);
    g_assert_true (evox_xrm_read_image (file, 0, image, &error));
    for (guint y = 0; y < 6; y++)
      for (guint x = 0; x < 6; x++)
        {
          guint tile = (y / 3) * 3 + x / 2;

          g_assert_cmpfloat (image[y * 6 + x], ==,
                             evox_test_xrm_value (4, tile + 1, x % 2, y % 3));
        }
    volume = evox_xrm_load (path, 1, NULL, NULL, &error);
    g_assert_no_error (error);
    evox_volume_get_dims (volume, dims);
    g_assert_cmpuint (dims[0], ==, 6);
    g_assert_cmpuint (dims[1], ==, 6);
    g_assert_cmpuint (dims[2], ==, 1);
    g_assert_cmpfloat (evox_volume_get_value (volume, 0, 5, 4, 0), ==,
                       evox_test_xrm_value (4, 6, 1, 1));
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Energy holding more entries than images is cut; distinct energies make a spectral stack, a
 * channel per image with its energy and pixel size; fewer entries than images pad with NaN. */
static void
test_energies (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  static const float energies[10] = { 8333, 8320, 8350.5f, 0, 0, 0, 0, 0, 0, 0 };

  {
    EvoxTestXrm spec = { .width = 4, .height = 3, .n_images = 3, .data_type = 10,
                         .energies = energies, .n_energies = 10 };
    g_autofree char *path = write_spec (dir, "spectral.txrm", &spec);
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxXrmFile) file = evox_xrm_open (path, &error);
    g_autoptr(EvoxVolume) volume = NULL;
    gsize dims[3];

    g_assert_no_error (error);
    g_assert_cmpfloat (evox_xrm_get_info (file)->energies_ev[2], ==, 8350.5);
    volume = evox_xrm_load (path, 1, NULL, NULL, &error);
    g_assert_no_error (error);
    evox_volume_get_dims (volume, dims);
    g_assert_cmpuint (dims[2], ==, 1);
    g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 3);
    for (guint c = 0; c < 3; c++)
      {
        g_assert_cmpfloat (evox_volume_get_channel_energy (volume, c), ==, energies[c]);
        g_assert_cmpfloat_with_epsilon (evox_volume_get_channel_pixel_size (volume, c), 50,
                                        1e-4);
        g_assert_cmpfloat (evox_volume_get_value (volume, c, 3, 2, 0), ==,
                           (float) evox_test_xrm_value (10, c + 1, 3, 2));
      }
    g_assert_cmpstr (evox_volume_get_channel_label (volume, 1), ==, "8320.00 eV");
    g_assert_cmpstr (evox_volume_get_metadata (volume, "info.energy"), ==,
                     "8320.00 .. 8350.50 eV (3)");
    g_assert_cmpstr (evox_volume_get_metadata (volume, "xrm_energies_ev"), ==,
                     "8333,8320,8350.5");
  }
  {
    EvoxTestXrm spec = { .width = 4, .height = 3, .n_images = 3, .data_type = 5,
                         .energies = energies, .n_energies = 2 };
    g_autofree char *path = write_spec (dir, "short-energy.txrm", &spec);
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxXrmFile) file = evox_xrm_open (path, &error);
    g_autoptr(EvoxVolume) volume = NULL;

    g_assert_no_error (error);
    g_assert_cmpfloat (evox_xrm_get_info (file)->energies_ev[1], ==, 8320);
    g_assert_true (isnan (evox_xrm_get_info (file)->energies_ev[2]));
    volume = evox_xrm_load (path, 1, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 1);  /* not every energy known */
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* bin 2 averages 2 x 2 blocks, drops the partial edge and doubles the pixel size; integers are
 * rounded to the nearest. */
static void
test_bin (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  EvoxTestXrm spec = { .width = 5, .height = 5, .n_images = 2, .data_type = 5 };
  g_autofree char *path = write_spec (dir, "bin.txrm", &spec);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_xrm_load (path, 2, NULL, NULL, &error);
  double spacing[3];
  gsize dims[3];

  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, 2);
  g_assert_cmpuint (dims[1], ==, 2);
  g_assert_cmpuint (dims[2], ==, 2);
  g_assert_cmpint (evox_volume_get_sample_type (volume), ==, EVOX_SAMPLE_U16);
  for (guint k = 1; k <= 2; k++)
    for (guint y = 0; y < 2; y++)
      for (guint x = 0; x < 2; x++)
        {
          double sum = 0;

          for (guint dy = 0; dy < 2; dy++)
            for (guint dx = 0; dx < 2; dx++)
              sum += evox_test_xrm_value (5, k, 2 * x + dx, 2 * y + dy);
          g_assert_cmpfloat (evox_volume_get_value (volume, 0, x, y, k - 1), ==,
                             floor (sum / 4 + 0.5));
        }
  evox_volume_get_spacing (volume, spacing);
  g_assert_cmpfloat_with_epsilon (spacing[0], 100, 1e-3);
  g_assert_nonnull (strstr (evox_volume_get_metadata (volume, "info.binning"), "--bin 2"));

  g_clear_object (&volume);
  volume = evox_xrm_load (path, 6, NULL, NULL, &error);
  g_assert_null (volume);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "bin.txrm"));
  g_assert_nonnull (strstr (error->message, "--bin 6 is larger than its 5 x 5 images"));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_cancel (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  EvoxTestXrm spec = { .width = 3, .height = 3, .n_images = 4, .data_type = 5 };
  g_autofree char *path = write_spec (dir, "cancel.txrm", &spec);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;

  g_cancellable_cancel (cancellable);
  volume = evox_xrm_load (path, 1, NULL, cancellable, &error);
  g_assert_null (volume);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* ------------------------------------------------------------------------------------------ */
/* Bad input: one error naming the file and the reason, nothing allocated beyond the file       */

static void
assert_refused (const char *path,
                GQuark      domain,
                int         code,
                const char *reason)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) load_error = NULL;
  g_autofree char *base = g_path_get_basename (path);
  g_autoptr(EvoxXrmFile) file = evox_xrm_open (path, &error);
  g_autoptr(EvoxVolume) volume = NULL;

  g_assert_null (file);
  g_assert_error (error, domain, code);
  g_assert_nonnull (strstr (error->message, base));
  if (strstr (error->message, reason) == NULL)
    g_error ("%s: expected \"%s\" in \"%s\"", base, reason, error->message);
  /* The loader sends every OLE2 file here and says the same. */
  volume = evox_volume_load (path, NULL, NULL, NULL, &load_error);
  g_assert_null (volume);
  g_assert_nonnull (load_error);
  g_assert_nonnull (strstr (load_error->message, base));
  g_assert_nonnull (strstr (load_error->message, reason));
}

static void
test_bad_input (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();

  {
    EvoxTestXrm spec = { .width = 4, .height = 4, .n_images = 1, .data_type = 9 };
    g_autofree char *path = write_spec (dir, "type9.xrm", &spec);

    assert_refused (path, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED, "data type code 9");
  }
  {
    EvoxTestXrm spec = { .width = 0, .height = 4, .n_images = 1, .data_type = 5 };
    g_autofree char *path = write_spec (dir, "zero.xrm", &spec);

    assert_refused (path, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "0 x 4 pixels");
  }
  {
    EvoxTestXrm spec = { .width = 8, .height = 8, .n_images = 3, .data_type = 5,
                         .short_image = 2 };
    g_autofree char *path = write_spec (dir, "short.txrm", &spec);

    assert_refused (path, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                    "ImageData1/Image2 holds 126 bytes, shorter than its image (128 bytes)");
  }
  {
    /* NoOfImages claims a million 4096 x 4096 images: refused from the file size before any
     * image is looked for or allocated. */
    EvoxTestXrm spec = { .width = 4096, .height = 4096, .n_images = 0, .no_of_images = 1000000,
                         .data_type = 5 };
    g_autofree char *path = write_spec (dir, "huge.txrm", &spec);

    assert_refused (path, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "more than the file's");
  }
  {
    EvoxTestXrm spec = { .width = 4, .height = 4, .n_images = 2, .no_of_images = 3,
                         .data_type = 5 };
    g_autofree char *path = write_spec (dir, "missing.txrm", &spec);

    /* 3 x 32 bytes fit in the file; the third stream is not there. */
    assert_refused (path, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "image 3 of 3");
  }
  {
    EvoxTestXrm spec = { .no_image_info = TRUE };
    g_autofree char *path = write_spec (dir, "sheet.xls", &spec);

    assert_refused (path, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED, "not an Xradia file: no ImageInfo");
  }
  {
    /* A real-sized file (images past the small-block limit) cut in half. */
    EvoxTestXrm spec = { .width = 64, .height = 64, .n_images = 4, .data_type = 5,
                         .reference = TRUE };
    g_autofree char *full = write_spec (dir, "full.txrm", &spec);
    g_autofree char *half = g_build_filename (dir, "half.txrm", NULL);
    g_autofree char *head = g_build_filename (dir, "head.txrm", NULL);
    g_autofree char *junk = g_build_filename (dir, "junk.xrm", NULL);
    g_autofree char *contents = NULL;
    gsize length;

    g_assert_true (g_file_get_contents (full, &contents, &length, NULL));
    g_assert_true (g_file_set_contents (half, contents, length / 2, NULL));
    assert_refused (half, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "half.txrm");
    g_assert_true (g_file_set_contents (head, contents, 300, NULL));
    assert_refused (head, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "corrupt or truncated OLE2");
    /* The signature and then noise. */
    for (gsize i = 8; i < 4096; i++)
      contents[i] = (char) (i * 131 + 7);
    g_assert_true (g_file_set_contents (junk, contents, 4096, NULL));
    assert_refused (junk, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "junk.xrm");
  }
  {
    g_autofree char *path = g_build_filename (dir, "text.xrm", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_true (g_file_set_contents (path, "not an ole file at all", -1, NULL));
    g_assert_null (evox_xrm_open (path, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED);
    g_assert_nonnull (strstr (error->message, "text.xrm"));
    g_assert_nonnull (strstr (error->message, "no OLE2 signature"));
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_signature (void)
{
  static const guint8 ole[8] = { 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1 };
  static const guint8 tiff[8] = { 'I', 'I', '*', 0, 8, 0, 0, 0 };

  g_assert_true (evox_xrm_has_signature (ole, 8));
  g_assert_false (evox_xrm_has_signature (ole, 7));
  g_assert_false (evox_xrm_has_signature (tiff, 8));
  g_assert_false (evox_xrm_has_signature (NULL, 0));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Xrm/real-xrm", test_real_xrm);
  g_test_add_func ("/Evox/Xrm/real-txrm", test_real_txrm);
  g_test_add_func ("/Evox/Xrm/real-ssrl", test_real_ssrl);
  g_test_add_func ("/Evox/Xrm/data-types", test_data_types);
  g_test_add_func ("/Evox/Xrm/lower-case", test_lower_case);
  g_test_add_func ("/Evox/Xrm/variants", test_variants);
  g_test_add_func ("/Evox/Xrm/many-images", test_many_images);
  g_test_add_func ("/Evox/Xrm/mosaic", test_mosaic);
  g_test_add_func ("/Evox/Xrm/energies", test_energies);
  g_test_add_func ("/Evox/Xrm/bin", test_bin);
  g_test_add_func ("/Evox/Xrm/cancel", test_cancel);
  g_test_add_func ("/Evox/Xrm/bad-input", test_bad_input);
  g_test_add_func ("/Evox/Xrm/signature", test_signature);
  return g_test_run ();
}
