/* test-tiff.c: TIFF reader and writer against files the tests write themselves with libtiff. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <tiffio.h>

#include "evox-ssrm-stack.h"
#include "evox-tiff.h"
#include "evox-test-util.h"

/* ------------------------------------------------------------------------------------------ */
/* Writing test files with libtiff: the oracle is the data the test generated.                 */

typedef struct
{
  const char *name;
  guint16     bits;
  guint16     format;           /* SAMPLEFORMAT_* */
  guint16     compression;      /* COMPRESSION_* */
  guint16     predictor;        /* 0: none */
  guint32     tile;             /* 0: strips; else square tiles of this size */
  guint32     rows_per_strip;   /* 0: the whole page in one strip */
  gboolean    big_endian;
  gboolean    bigtiff;
  guint32     width;            /* 0: the default 37 x 29 x 4 */
  guint32     height;
  guint       pages;
  gboolean    reverse;          /* strips written last first, so none is next to another */
} Variant;

#define DEFAULT_WIDTH 37
#define DEFAULT_HEIGHT 29
#define DEFAULT_PAGES 4

static guint32
variant_width (const Variant *v)
{
  return v->width ? v->width : DEFAULT_WIDTH;
}

static guint32
variant_height (const Variant *v)
{
  return v->height ? v->height : DEFAULT_HEIGHT;
}

static guint
variant_pages (const Variant *v)
{
  return v->pages ? v->pages : DEFAULT_PAGES;
}

/* A value representable in the variant's type, different for most voxels and reaching the ends
 * of the range (negative numbers, values above 2^24 for 32-bit integers). */
static double
value_at (const Variant *v,
          guint32        x,
          guint32        y,
          guint          z)
{
  guint64 h = (guint64) x * 2654435761u + (guint64) y * 40503u + (guint64) z * 9973u;

  if (v->format == SAMPLEFORMAT_IEEEFP && v->bits == 32)
    return (float) (((double) x - 17.5) * 0.25 + y * 1000.0 - z * 3.75);
  if (v->format == SAMPLEFORMAT_IEEEFP)
    return (double) x * 1.0000001 - y * 1e-3 + z * 1e7;
  switch (v->bits)
    {
    case 8:
      return v->format == SAMPLEFORMAT_INT ? (double) (gint8) (guint8) h : (double) (guint8) h;
    case 16:
      return v->format == SAMPLEFORMAT_INT ? (double) (gint16) (guint16) h : (double) (guint16) h;
    default:
      return v->format == SAMPLEFORMAT_INT ? (double) (gint32) (guint32) h : (double) (guint32) h;
    }
}

static void
put_sample (const Variant *v,
            guint8        *buf,
            gsize          i,
            double         value)
{
  if (v->format == SAMPLEFORMAT_IEEEFP)
    {
      if (v->bits == 32)
        ((float *) buf)[i] = (float) value;
      else
        ((double *) buf)[i] = value;
      return;
    }
  switch (v->bits)
    {
    case 8: buf[i] = (guint8) (gint64) value; break;
    case 16: ((guint16 *) buf)[i] = (guint16) (gint64) value; break;
    default: ((guint32 *) buf)[i] = (guint32) (gint64) value; break;
    }
}

static void
set_common_tags (TIFF          *tif,
                 const Variant *v)
{
  g_assert_true (TIFFSetField (tif, TIFFTAG_IMAGEWIDTH, variant_width (v)));
  g_assert_true (TIFFSetField (tif, TIFFTAG_IMAGELENGTH, variant_height (v)));
  g_assert_true (TIFFSetField (tif, TIFFTAG_BITSPERSAMPLE, v->bits));
  g_assert_true (TIFFSetField (tif, TIFFTAG_SAMPLESPERPIXEL, 1));
  g_assert_true (TIFFSetField (tif, TIFFTAG_SAMPLEFORMAT, v->format));
  g_assert_true (TIFFSetField (tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK));
  g_assert_true (TIFFSetField (tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG));
  g_assert_true (TIFFSetField (tif, TIFFTAG_COMPRESSION, v->compression));
  if (v->predictor != 0)
    g_assert_true (TIFFSetField (tif, TIFFTAG_PREDICTOR, v->predictor));
  if (v->tile != 0)
    {
      g_assert_true (TIFFSetField (tif, TIFFTAG_TILEWIDTH, v->tile));
      g_assert_true (TIFFSetField (tif, TIFFTAG_TILELENGTH, v->tile));
    }
  else
    g_assert_true (TIFFSetField (tif, TIFFTAG_ROWSPERSTRIP,
                                 v->rows_per_strip ? v->rows_per_strip : variant_height (v)));
}

static void
write_page_strips (TIFF          *tif,
                   const Variant *v,
                   guint          z)
{
  guint32 w = variant_width (v), h = variant_height (v);
  guint32 rps = v->rows_per_strip ? v->rows_per_strip : h;
  gsize item = v->bits / 8;
  g_autofree guint8 *buf = g_malloc0 ((gsize) rps * w * item);

  guint32 n_strips = (h + rps - 1) / rps;

  for (guint32 i = 0; i < n_strips; i++)
    {
      guint32 s = v->reverse ? n_strips - 1 - i : i;
      guint32 rows = MIN (rps, h - s * rps);

      for (guint32 r = 0; r < rows; r++)
        for (guint32 x = 0; x < w; x++)
          put_sample (v, buf, (gsize) r * w + x, value_at (v, x, s * rps + r, z));
      g_assert_cmpint (TIFFWriteEncodedStrip (tif, s, buf, (tmsize_t) rows * w * item), ==,
                       (tmsize_t) rows * w * item);
    }
}

static void
write_page_tiles (TIFF          *tif,
                  const Variant *v,
                  guint          z)
{
  guint32 w = variant_width (v), h = variant_height (v), t = v->tile;
  gsize item = v->bits / 8;
  g_autofree guint8 *buf = g_malloc ((gsize) t * t * item);

  for (guint32 y0 = 0; y0 < h; y0 += t)
    for (guint32 x0 = 0; x0 < w; x0 += t)
      {
        /* Padding outside the image gets a value the reader must never copy. */
        memset (buf, 0x5A, (gsize) t * t * item);
        for (guint32 r = 0; r < t && y0 + r < h; r++)
          for (guint32 c = 0; c < t && x0 + c < w; c++)
            put_sample (v, buf, (gsize) r * t + c, value_at (v, x0 + c, y0 + r, z));
        g_assert_cmpint (TIFFWriteTile (tif, buf, x0, y0, 0, 0), ==, (tmsize_t) t * t * item);
      }
}

typedef struct
{
  const char *description;
  float       xres;            /* 0: no resolution tags */
  float       yres;
  guint16     res_unit;
} Extras;

static void
write_variant_full (const char    *path,
                    const Variant *v,
                    const Extras  *extras)
{
  char mode[8] = "w";
  TIFF *tif;

  if (v->big_endian)
    strcat (mode, "b");
  if (v->bigtiff)
    strcat (mode, "8");
  tif = TIFFOpen (path, mode);
  g_assert_nonnull (tif);
  for (guint z = 0; z < variant_pages (v); z++)
    {
      set_common_tags (tif, v);
      if (extras != NULL && z == 0 && extras->description != NULL)
        g_assert_true (TIFFSetField (tif, TIFFTAG_IMAGEDESCRIPTION, extras->description));
      if (extras != NULL && extras->xres > 0)
        {
          g_assert_true (TIFFSetField (tif, TIFFTAG_XRESOLUTION, (double) extras->xres));
          g_assert_true (TIFFSetField (tif, TIFFTAG_YRESOLUTION, (double) extras->yres));
          g_assert_true (TIFFSetField (tif, TIFFTAG_RESOLUTIONUNIT, extras->res_unit));
        }
      if (v->tile != 0)
        write_page_tiles (tif, v, z);
      else
        write_page_strips (tif, v, z);
      g_assert_true (TIFFWriteDirectory (tif));
    }
  TIFFClose (tif);
}

static void
write_variant (const char    *path,
               const Variant *v)
{
  write_variant_full (path, v, NULL);
}

/* Every voxel against the generator; converted types must equal the value rounded to f32. */
static void
assert_volume_matches (EvoxVolume    *volume,
                       const Variant *v)
{
  gsize dims[3];
  guint32 w = variant_width (v), h = variant_height (v);
  gboolean native = (v->format != SAMPLEFORMAT_INT && v->bits == 8) ||
                    (v->format != SAMPLEFORMAT_INT && v->bits == 16) ||
                    (v->format == SAMPLEFORMAT_IEEEFP && v->bits == 32);
  gconstpointer data = evox_volume_get_data (volume, 0);
  EvoxSampleType type = evox_volume_get_sample_type (volume);

  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, w);
  g_assert_cmpuint (dims[1], ==, h);
  g_assert_cmpuint (dims[2], ==, variant_pages (v));
  g_assert_true (evox_volume_is_frozen (volume));
  if (native && v->bits == 8)
    g_assert_cmpint (type, ==, EVOX_SAMPLE_U8);
  else if (native && v->bits == 16)
    g_assert_cmpint (type, ==, EVOX_SAMPLE_U16);
  else
    g_assert_cmpint (type, ==, EVOX_SAMPLE_F32);

  for (guint z = 0; z < dims[2]; z++)
    for (guint32 y = 0; y < h; y++)
      for (guint32 x = 0; x < w; x++)
        {
          gsize i = ((gsize) z * h + y) * w + x;
          double expected = value_at (v, x, y, z);

          switch (type)
            {
            case EVOX_SAMPLE_U8:
              g_assert_cmpuint (((const guint8 *) data)[i], ==, (guint) expected);
              break;
            case EVOX_SAMPLE_U16:
              g_assert_cmpuint (((const guint16 *) data)[i], ==, (guint) expected);
              break;
            case EVOX_SAMPLE_F32:
            default:
              if (((const float *) data)[i] != (float) expected)
                g_error ("voxel (%u, %u, %u): %.9g instead of %.9g", x, y, z,
                         ((const float *) data)[i], (float) expected);
              break;
            }
        }
}

static const char *
expected_source_type (const Variant *v)
{
  if (v->format == SAMPLEFORMAT_IEEEFP)
    return v->bits == 32 ? "f32" : "f64";
  if (v->format == SAMPLEFORMAT_INT)
    return v->bits == 8 ? "i8" : v->bits == 16 ? "i16" : "i32";
  return v->bits == 8 ? "u8" : v->bits == 16 ? "u16" : "u32";
}

/* ------------------------------------------------------------------------------------------ */
/* Reading every variant                                                                       */

#define U SAMPLEFORMAT_UINT
#define I SAMPLEFORMAT_INT
#define F SAMPLEFORMAT_IEEEFP

static const Variant variants[] = {
  { "u8-strips-none", 8, U, COMPRESSION_NONE, 0, 0, 5 },
  { "u8-strips-none-one-strip", 8, U, COMPRESSION_NONE, 0, 0, 0 },
  { "u8-tiles-lzw", 8, U, COMPRESSION_LZW, 0, 16, 0 },
  { "u8-strips-packbits", 8, U, COMPRESSION_PACKBITS, 0, 0, 3 },
  { "i8-strips-deflate", 8, I, COMPRESSION_ADOBE_DEFLATE, 0, 0, 4 },
  { "u16-strips-deflate8-predictor", 16, U, COMPRESSION_ADOBE_DEFLATE, PREDICTOR_HORIZONTAL, 0, 7 },
  { "u16-tiles-packbits", 16, U, COMPRESSION_PACKBITS, 0, 16, 0 },
  { "u16-strips-lzw-bigendian", 16, U, COMPRESSION_LZW, 0, 0, 6, TRUE },
  { "u16-strips-none-bigendian", 16, U, COMPRESSION_NONE, 0, 0, 8, TRUE },
  { "i16-strips-deflate32946", 16, I, COMPRESSION_DEFLATE, 0, 0, 5 },
  { "i16-tiles-none", 16, I, COMPRESSION_NONE, 0, 16, 0 },
  { "u32-strips-lzw", 32, U, COMPRESSION_LZW, 0, 0, 10 },
  { "u32-tiles-none-bigtiff", 32, U, COMPRESSION_NONE, 0, 16, 0, FALSE, TRUE },
  { "i32-tiles-deflate8", 32, I, COMPRESSION_ADOBE_DEFLATE, 0, 32, 0 },
  { "i32-strips-packbits-bigendian", 32, I, COMPRESSION_PACKBITS, 0, 0, 4, TRUE },
  { "f32-strips-none", 32, F, COMPRESSION_NONE, 0, 0, 5 },
  { "f32-strips-none-bigendian-scattered", 32, F, COMPRESSION_NONE, 0, 0, 3, TRUE, FALSE, 0, 0, 0,
    TRUE },
  { "u16-strips-none-scattered", 16, U, COMPRESSION_NONE, 0, 0, 4, FALSE, FALSE, 0, 0, 0, TRUE },
  { "f32-tiles-lzw-predictor3", 32, F, COMPRESSION_LZW, PREDICTOR_FLOATINGPOINT, 16, 0 },
  { "f32-strips-deflate-bigendian-bigtiff", 32, F, COMPRESSION_ADOBE_DEFLATE, 0, 0, 9, TRUE, TRUE },
  { "f64-strips-packbits", 64, F, COMPRESSION_PACKBITS, 0, 0, 5 },
  { "f64-tiles-deflate32946-bigendian", 64, F, COMPRESSION_DEFLATE, 0, 16, 0, TRUE },
  { "u8-strips-none-bigtiff-single-page", 8, U, COMPRESSION_NONE, 0, 0, 0, FALSE, TRUE, 0, 0, 1 },
  /* Strips of a converted type above the reader's 16 MiB scratch limit are read row by row. */
  { "i16-strips-deflate-huge-strip", 16, I, COMPRESSION_ADOBE_DEFLATE, 0, 0, 0, FALSE, FALSE,
    4100, 2100, 2 },
};

#undef U
#undef I
#undef F

static void
test_read_variant (gconstpointer data)
{
  const Variant *v = data;
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "stack.tif", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;

  write_variant (path, v);
  g_assert_true (evox_tiff_is_tiff (path));
  volume = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (volume);
  assert_volume_matches (volume, v);
  g_assert_cmpstr (evox_volume_get_metadata (volume, "source_type"), ==, expected_source_type (v));
  g_assert_false (evox_volume_get_spacing_known (volume));
  g_assert_cmpstr (evox_volume_get_quantity (volume), ==, "intensity");
  g_assert_cmpint (evox_volume_get_value_scale (volume), ==, EVOX_SCALE_LINEAR);

  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* ------------------------------------------------------------------------------------------ */
/* Folders                                                                                     */

static void
write_constant_page (const char *path,
                     guint32     width,
                     guint32     height,
                     guint16     bits,
                     guint       pages,
                     guint       first_value)
{
  Variant v = { "page", bits, SAMPLEFORMAT_UINT, COMPRESSION_NONE, 0, 0, 0 };
  TIFF *tif = TIFFOpen (path, "w");
  gsize n = (gsize) width * height;
  g_autofree guint8 *buf = g_malloc (n * (bits / 8));

  v.width = width;
  v.height = height;
  g_assert_nonnull (tif);
  for (guint p = 0; p < pages; p++)
    {
      set_common_tags (tif, &v);
      for (gsize i = 0; i < n; i++)
        put_sample (&v, buf, i, first_value + p);
      g_assert_cmpint (TIFFWriteEncodedStrip (tif, 0, buf, n * (bits / 8)), ==, n * (bits / 8));
      g_assert_true (TIFFWriteDirectory (tif));
    }
  TIFFClose (tif);
}

static void
test_read_folder_natural_order (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  /* Created out of order, so neither creation order nor plain strcmp gives img1..img12. */
  static const guint order[] = { 10, 2, 12, 1, 7, 11, 3, 9, 5, 4, 8, 6 };
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autofree char *notes = g_build_filename (dir, "notes.txt", NULL);
  g_autofree char *fork = g_build_filename (dir, "._img5.tif", NULL);
  g_autofree char *sub = g_build_filename (dir, "sub.tif", NULL);
  gsize dims[3];
  const guint16 *data;

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      g_autofree char *name = g_strdup_printf (order[i] % 2 ? "img%u.tif" : "img%u.TIFF",
                                               order[i]);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      write_constant_page (path, 8, 6, 16, 1, 100 * order[i]);
    }
  /* Neither a text file, nor a macOS resource fork, nor a folder is a page. */
  g_assert_true (g_file_set_contents (notes, "not an image", -1, NULL));
  {
    static const char apple_double[] = "\0\5\26\7 resource fork";

    g_assert_true (g_file_set_contents (fork, apple_double, sizeof apple_double, NULL));
  }
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);

  volume = evox_tiff_read (dir, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, 8);
  g_assert_cmpuint (dims[1], ==, 6);
  g_assert_cmpuint (dims[2], ==, 12);
  g_assert_cmpint (evox_volume_get_sample_type (volume), ==, EVOX_SAMPLE_U16);
  data = evox_volume_get_data (volume, 0);
  for (guint z = 0; z < 12; z++)
    for (guint i = 0; i < 48; i++)
      g_assert_cmpuint (data[z * 48 + i], ==, 100 * (z + 1));

  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_read_folder_multipage (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *a = g_build_filename (dir, "scan_002.tif", NULL);
  g_autofree char *b = g_build_filename (dir, "scan_10.tif", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  gsize dims[3];

  write_constant_page (a, 5, 4, 8, 2, 10);   /* pages 10, 11 */
  write_constant_page (b, 5, 4, 8, 3, 20);   /* pages 20, 21, 22 */
  volume = evox_tiff_read (dir, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[2], ==, 5);
  g_assert_cmpfloat (evox_volume_get_value (volume, 0, 4, 3, 0), ==, 10);
  g_assert_cmpfloat (evox_volume_get_value (volume, 0, 0, 0, 1), ==, 11);
  g_assert_cmpfloat (evox_volume_get_value (volume, 0, 1, 2, 2), ==, 20);
  g_assert_cmpfloat (evox_volume_get_value (volume, 0, 2, 1, 4), ==, 22);

  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* ------------------------------------------------------------------------------------------ */
/* Physical size                                                                               */

static EvoxVolume *
read_with_extras (const char   *dir,
                  const Extras *extras)
{
  static const Variant v = { "spacing", 8, SAMPLEFORMAT_UINT, COMPRESSION_NONE, 0, 0, 0 };
  g_autofree char *path = g_build_filename (dir, "spacing.tif", NULL);
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume;

  g_unlink (path);
  write_variant_full (path, &v, extras);
  volume = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  return volume;
}

static void
assert_spacing (EvoxVolume *volume,
                double      x,
                double      y,
                double      z,
                const char *known)
{
  double spacing[3];

  evox_volume_get_spacing (volume, spacing);
  g_assert_cmpfloat_with_epsilon (spacing[0], x, x * 1e-5);
  g_assert_cmpfloat_with_epsilon (spacing[1], y, y * 1e-5);
  g_assert_cmpfloat_with_epsilon (spacing[2], z, z * 1e-5);
  g_assert_cmpint (evox_volume_get_spacing_known (volume), ==, g_str_equal (known, "true"));
}

static void
test_spacing_imagej (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  const char *micron = "ImageJ=1.53t\nimages=4\nslices=4\nunit=micron\nspacing=2.5\nloop=false\n";
  const char *escaped = "ImageJ=1.54f\nimages=4\nslices=4\nunit=\\u00B5m\nspacing=0.1\n";
  const char *nm_no_z = "ImageJ=1.54f\nimages=4\nslices=4\nunit=nm\n";
  const char *zunit = "ImageJ=1.54f\nunit=micron\nzunit=mm\nspacing=0.002\n";
  Extras e1 = { micron, 2.0f, 4.0f, RESUNIT_NONE };
  Extras e2 = { escaped, 20.0f, 20.0f, RESUNIT_NONE };
  Extras e3 = { nm_no_z, 0.125f, 0.125f, RESUNIT_NONE };
  Extras e4 = { zunit, 1.0f, 1.0f, RESUNIT_NONE };
  g_autoptr(EvoxVolume) v1 = read_with_extras (dir, &e1);
  g_autoptr(EvoxVolume) v2 = read_with_extras (dir, &e2);
  g_autoptr(EvoxVolume) v3 = read_with_extras (dir, &e3);
  g_autoptr(EvoxVolume) v4 = read_with_extras (dir, &e4);

  /* 2 and 4 pixels per micron; 2.5 micron between slices. */
  assert_spacing (v1, 500, 250, 2500, "true");
  g_assert_cmpstr (evox_volume_get_metadata (v1, "tiff_description"), ==, micron);
  /* ImageJ's escape for the micro sign. */
  assert_spacing (v2, 50, 50, 100, "true");
  /* No spacing= line: cubic voxels. */
  assert_spacing (v3, 8, 8, 8, "true");
  assert_spacing (v4, 1000, 1000, 2000, "true");

  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_spacing_resolution_unit (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  Extras cm = { NULL, 10000.0f, 5000.0f, RESUNIT_CENTIMETER };
  Extras inch = { "a camera", 25400.0f, 25400.0f, RESUNIT_INCH };
  Extras dpi72 = { NULL, 72.0f, 72.0f, RESUNIT_INCH };
  Extras none = { NULL, 1.0f, 1.0f, RESUNIT_NONE };
  g_autoptr(EvoxVolume) v_cm = read_with_extras (dir, &cm);
  g_autoptr(EvoxVolume) v_inch = read_with_extras (dir, &inch);
  g_autoptr(EvoxVolume) v_72 = read_with_extras (dir, &dpi72);
  g_autoptr(EvoxVolume) v_none = read_with_extras (dir, &none);
  g_autoptr(EvoxVolume) v_bare = read_with_extras (dir, NULL);

  /* 10000 pixels per cm is 1 micron; z follows x when nothing gives it. */
  assert_spacing (v_cm, 1000, 2000, 1000, "true");
  assert_spacing (v_inch, 1000, 1000, 1000, "true");
  g_assert_cmpstr (evox_volume_get_metadata (v_inch, "tiff_description"), ==, "a camera");
  /* 72 dpi is a placeholder written by programs that know nothing, as ImageJ also assumes. */
  assert_spacing (v_72, 1, 1, 1, "false");
  /* Pixels per "no unit" without an ImageJ unit says nothing either. */
  assert_spacing (v_none, 1, 1, 1, "false");
  assert_spacing (v_bare, 1, 1, 1, "false");
  g_assert_null (evox_volume_get_metadata (v_bare, "tiff_description"));

  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_description_truncated (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  GString *text = g_string_new ("ImageJ=1.54f\nunit=nm\n");
  g_autofree char *desc = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  Extras extras = { NULL, 0.5f, 0.5f, RESUNIT_NONE };
  const char *kept;

  /* Two-byte characters straddle the 4 KiB limit, which must not split one. */
  while (text->len < 6000)
    g_string_append (text, "\xc2\xb5");
  desc = g_string_free (text, FALSE);
  extras.description = desc;
  volume = read_with_extras (dir, &extras);
  kept = evox_volume_get_metadata (volume, "tiff_description");
  g_assert_nonnull (kept);
  g_assert_cmpuint (strlen (kept), <=, 4096);
  g_assert_cmpuint (strlen (kept), >=, 4090);
  g_assert_true (g_utf8_validate (kept, -1, NULL));
  g_assert_true (g_str_has_prefix (desc, kept));
  assert_spacing (volume, 2, 2, 2, "true");

  evox_test_tmpdir_free (g_steal_pointer (&dir));
}


/* An SSRM stack keeps what its values mean, where each layer comes from and its measured scans
 * (also those between grid layers) through a TIFF, as Evox's own ImageJ keys and pages after the
 * stack; quantity and unit survive the characters the description uses to separate things. */
static void
test_physics_round_trip (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "stack.tif", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) stack = NULL;
  g_autoptr(EvoxVolume) back = NULL;
  EvoxScanInput scans[2];
  TIFF *tif;
  char *desc = NULL;
  gsize dims[3], back_dims[3];

  for (guint s = 0; s < 2; s++)
    {
      scans[s] = (EvoxScanInput) { .z_nm = s == 0 ? 0 : 25, .label = g_strdup (s ? "R;1" : "R:0"),
                                   .values = g_new (float, 6) };
      for (guint i = 0; i < 6; i++)
        scans[s].values[i] = s == 0 ? -4.5f + i : (i == 3 ? NAN : 0.25f * i - 1);
    }
  /* Layers at 0, 10 and 20 nm: the 25 nm scan lies below the last one. */
  stack = evox_ssrm_stack_new (3, 2, scans, 2, 10, 7.8125, EVOX_SCALE_LOG10, &error);
  g_assert_no_error (error);
  evox_volume_set_values (stack, EVOX_SCALE_LOG10, "R; a:b=c\nd", "Ω·cm");
  g_assert_true (evox_tiff_write (stack, -1, path, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);

  /* ImageJ sees the three layers only; Evox's keys follow its own. */
  tif = TIFFOpen (path, "r");
  g_assert_true (TIFFGetField (tif, TIFFTAG_IMAGEDESCRIPTION, &desc));
  g_test_message ("%s", desc);
  g_assert_true (g_str_has_prefix (desc, "ImageJ="));
  g_assert_nonnull (strstr (desc, "\nimages=3\n"));
  g_assert_nonnull (strstr (desc, "\nevox_scale=log10\n"));
  g_assert_nonnull (strstr (desc, "\nevox_scan_pages=2\n"));
  g_assert_cmpint (TIFFNumberOfDirectories (tif), ==, 5);
  TIFFClose (tif);

  back = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (stack, dims);
  evox_volume_get_dims (back, back_dims);
  g_assert_cmpmem (dims, sizeof dims, back_dims, sizeof back_dims);
  g_assert_cmpmem (evox_volume_get_data (stack, 0), 18 * sizeof (float),
                   evox_volume_get_data (back, 0), 18 * sizeof (float));
  g_assert_cmpint (evox_volume_get_value_scale (back), ==, EVOX_SCALE_LOG10);
  g_assert_cmpstr (evox_volume_get_quantity (back), ==, "R; a:b=c\nd");
  g_assert_cmpstr (evox_volume_get_unit (back), ==, "Ω·cm");
  g_assert_true (evox_volume_get_spacing_known (back));
  for (gsize z = 0; z < dims[2]; z++)
    {
      const EvoxLayer *a = evox_volume_get_layer (stack, z);
      const EvoxLayer *b = evox_volume_get_layer (back, z);

      g_assert_cmpfloat (a->z_nm, ==, b->z_nm);
      g_assert_cmpint (a->measured, ==, b->measured);
      g_assert_cmpint (a->scan, ==, b->scan);
      g_assert_cmpint (a->scan_below, ==, b->scan_below);
      g_assert_cmpfloat (a->weight, ==, b->weight);
    }
  g_assert_false (evox_volume_get_layer (back, 1)->measured);
  g_assert_cmpuint (evox_volume_get_n_scans (back), ==, 2);
  for (guint s = 0; s < 2; s++)
    {
      const EvoxScan *a = evox_volume_get_scan (stack, s);
      const EvoxScan *b = evox_volume_get_scan (back, s);

      g_assert_cmpfloat (a->z_nm, ==, b->z_nm);
      g_assert_cmpstr (a->label, ==, b->label);
      /* NaN included: the bytes are the same. */
      g_assert_cmpmem (a->values, 6 * sizeof (float), b->values, 6 * sizeof (float));
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A stack written by Fiji reads as before; Evox's keys that do not fit the file are ignored
 * (all pages stay the stack), never a crash or a lost page. */
static void
test_physics_plain_and_broken (void)
{
  static const Variant f32 = { "f32", 32, SAMPLEFORMAT_IEEEFP, COMPRESSION_NONE, 0, 0, 0 };
  g_autofree char *dir = evox_test_tmpdir_new ();
  const char *fiji = "ImageJ=1.54f\nimages=4\nslices=4\nunit=micron\nspacing=0.5\nloop=false\n";
  const char *broken[] = {
    /* Layers that do not fit the pages left after the scans. */
    "ImageJ=1.54f\nevox_scale=log10\nevox_layers=0:M:0;10:M:0\nevox_scan_pages=1\n"
    "evox_scans=0:R0\n",
    "ImageJ=1.54f\nevox_layers=0:M:0;1:M:0;2:M:0\nevox_scan_pages=2\nevox_scans=0:R0\n",
    "ImageJ=1.54f\nevox_layers=0:I:0:5:0.5;1:M:0;2:M:0\nevox_scan_pages=1\nevox_scans=0:a\n",
    "ImageJ=1.54f\nevox_layers=0:M:0;1:M:0;2:M:0\nevox_scan_pages=99999\nevox_scans=0:a\n",
    "ImageJ=1.54f\nevox_layers=x:M:0;1:M:0;2:M:0\nevox_scan_pages=1\nevox_scans=0:a\n",
    "ImageJ=1.54f\nevox_layers=0:I:0:0:2;1:M:0;2:M:0\nevox_scan_pages=1\nevox_scans=0:a\n",
    "ImageJ=1.54f\nevox_scale=cubits\nevox_quantity=%ZZ\nevox_layers=;;;\n",
    /* Scans whose depth is not a finite number: the keys are ignored, never a NaN depth. */
    "ImageJ=1.54f\nevox_layers=0:M:0;1:M:0;2:M:0\nevox_scan_pages=1\nevox_scans=x:a\n",
    "ImageJ=1.54f\nevox_layers=0:M:0;1:M:0;2:M:0\nevox_scan_pages=1\nevox_scans=:a\n",
    "ImageJ=1.54f\nevox_layers=0:M:0;1:M:0;2:M:0\nevox_scan_pages=1\nevox_scans=nan:a\n",
    "ImageJ=1.54f\nevox_layers=0:M:0;1:M:1\nevox_scan_pages=2\nevox_scans=0:a;inf:b\n",
    "ImageJ=1.54f\nevox_layers=0:M:0;1:M:0;2:M:0\nevox_scan_pages=1\nevox_scans=a\n",
  };
  g_autofree char *path = g_build_filename (dir, "fiji.tif", NULL);

  {
    Extras extras = { fiji, 2.0f, 2.0f, RESUNIT_NONE };
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxVolume) volume = NULL;

    write_variant_full (path, &f32, &extras);
    volume = evox_tiff_read (path, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (evox_volume_get_value_scale (volume), ==, EVOX_SCALE_LINEAR);
    g_assert_cmpstr (evox_volume_get_quantity (volume), ==, "intensity");
    g_assert_cmpuint (evox_volume_get_n_scans (volume), ==, 0);
    g_assert_true (evox_volume_get_layer (volume, 3)->measured);
    g_assert_cmpint (evox_volume_get_layer (volume, 3)->scan, ==, -1);
    g_assert_cmpfloat_with_epsilon (evox_volume_get_layer (volume, 3)->z_nm, 1500, 1e-6);
  }
  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      Extras extras = { broken[i], 0, 0, RESUNIT_NONE };
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxVolume) volume = NULL;
      gsize dims[3];

      g_test_message ("case %u", i);
      g_unlink (path);
      write_variant_full (path, &f32, &extras);
      volume = evox_tiff_read (path, NULL, NULL, &error);
      g_assert_no_error (error);
      evox_volume_get_dims (volume, dims);
      g_assert_cmpuint (dims[2], ==, DEFAULT_PAGES);
      g_assert_cmpuint (evox_volume_get_n_scans (volume), ==, 0);
      g_assert_cmpint (evox_volume_get_layer (volume, 0)->scan, ==, -1);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* ------------------------------------------------------------------------------------------ */
/* Writer                                                                                      */

static EvoxVolume *
make_volume (EvoxSampleType type,
             gsize          nx,
             gsize          ny,
             gsize          nz,
             guint          n_channels)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (nx, ny, nz, n_channels, type, &error);
  const double spacing[3] = { 650, 650, 1200 };

  g_assert_no_error (error);
  for (guint c = 0; c < n_channels; c++)
    {
      gpointer data = evox_volume_get_data_mut (volume, c);

      for (gsize i = 0; i < nx * ny * nz; i++)
        {
          switch (type)
            {
            case EVOX_SAMPLE_U8: ((guint8 *) data)[i] = (guint8) (i * 7 + c * 50); break;
            case EVOX_SAMPLE_U16: ((guint16 *) data)[i] = (guint16) (i * 977 + c * 5000); break;
            case EVOX_SAMPLE_F32:
            default: ((float *) data)[i] = (float) i * 0.37f - 100.0f + c * 1e4f; break;
            }
        }
    }
  evox_volume_set_spacing (volume, spacing);
  evox_volume_freeze (volume);
  return volume;
}

static void
assert_same_voxels (EvoxVolume *a,
                    guint       channel_a,
                    EvoxVolume *b,
                    gsize       z_offset_b)
{
  gsize da[3], db[3];

  evox_volume_get_dims (a, da);
  evox_volume_get_dims (b, db);
  g_assert_cmpuint (da[0], ==, db[0]);
  g_assert_cmpuint (da[1], ==, db[1]);
  for (gsize z = 0; z < da[2]; z++)
    for (gsize y = 0; y < da[1]; y++)
      for (gsize x = 0; x < da[0]; x++)
        g_assert_cmpfloat (evox_volume_get_value (a, channel_a, x, y, z), ==,
                           evox_volume_get_value (b, 0, x, y, z + z_offset_b));
}

static char *
read_description (const char *path)
{
  TIFF *tif = TIFFOpen (path, "r");
  const char *desc = NULL;
  char *copy;

  g_assert_nonnull (tif);
  g_assert_true (TIFFGetField (tif, TIFFTAG_IMAGEDESCRIPTION, &desc));
  copy = g_strdup (desc);
  TIFFClose (tif);
  return copy;
}

/* ImageJ reads an uncompressed stack with "images=" as one block from the first page's offset. */
static void
assert_contiguous_pages (const char *path,
                         guint64     page_bytes)
{
  TIFF *tif = TIFFOpen (path, "r");
  guint64 expected = 0;
  guint n = 0;

  g_assert_nonnull (tif);
  do
    {
      guint64 offset = TIFFGetStrileOffset (tif, 0);

      g_assert_cmpuint (TIFFNumberOfStrips (tif), ==, 1);
      g_assert_cmpuint (TIFFGetStrileByteCount (tif, 0), ==, page_bytes);
      if (n > 0)
        g_assert_cmpuint (offset, ==, expected);
      expected = offset + page_bytes;
      n++;
    }
  while (TIFFReadDirectory (tif));
  TIFFClose (tif);
}

static GPtrArray *
list_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  return names;
}

static void
test_write_round_trip (gconstpointer data)
{
  EvoxSampleType type = GPOINTER_TO_INT (data);
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "out.tif", NULL);
  g_autoptr(EvoxVolume) volume = make_volume (type, 23, 17, 5, 1);
  g_autoptr(EvoxVolume) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *desc = NULL;

  g_assert_true (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  back = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (evox_volume_get_sample_type (back), ==, type);
  g_assert_cmpstr (evox_volume_get_metadata (back, "source_type"), ==,
                   evox_sample_type_to_string (type));
  assert_same_voxels (volume, 0, back, 0);
  assert_spacing (back, 650, 650, 1200, "true");

  desc = read_description (path);
  g_assert_true (g_str_has_prefix (desc, "ImageJ="));
  g_assert_nonnull (strstr (desc, "\nimages=5\n"));
  g_assert_nonnull (strstr (desc, "\nslices=5\n"));
  g_assert_nonnull (strstr (desc, "\nunit=nm\n"));
  g_assert_nonnull (strstr (desc, "\nspacing=1200\n"));
  g_assert_nonnull (strstr (desc, "\nloop=false\n"));
  g_assert_nonnull (strstr (desc, "\nmin="));
  g_assert_nonnull (strstr (desc, "\nmax="));
  assert_contiguous_pages (path, 23 * 17 * evox_sample_type_size (type));

  /* Only the target: the temporary file was renamed. */
  names = list_dir (dir);
  g_assert_cmpuint (names->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (names, 0), ==, "out.tif");

  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_write_resolution_tags (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "out.tif", NULL);
  g_autoptr(EvoxVolume) volume = make_volume (EVOX_SAMPLE_U8, 4, 3, 2, 1);
  g_autoptr(GError) error = NULL;
  float xres = 0, yres = 0;
  guint16 unit = 0;
  TIFF *tif;

  g_assert_true (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  tif = TIFFOpen (path, "r");
  g_assert_nonnull (tif);
  g_assert_true (TIFFGetField (tif, TIFFTAG_XRESOLUTION, &xres));
  g_assert_true (TIFFGetField (tif, TIFFTAG_YRESOLUTION, &yres));
  g_assert_true (TIFFGetField (tif, TIFFTAG_RESOLUTIONUNIT, &unit));
  g_assert_cmpfloat_with_epsilon (xres, 1.0 / 650, 1e-9);
  g_assert_cmpfloat_with_epsilon (yres, 1.0 / 650, 1e-9);
  g_assert_cmpuint (unit, ==, RESUNIT_NONE);
  TIFFClose (tif);

  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_write_f32_flag (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "out.tif", NULL);
  g_autoptr(EvoxVolume) volume = make_volume (EVOX_SAMPLE_U16, 9, 8, 3, 1);
  g_autoptr(EvoxVolume) back = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_F32, &error));
  g_assert_no_error (error);
  back = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (evox_volume_get_sample_type (back), ==, EVOX_SAMPLE_F32);
  g_assert_cmpstr (evox_volume_get_metadata (back, "source_type"), ==, "f32");
  assert_same_voxels (volume, 0, back, 0);
  assert_contiguous_pages (path, 9 * 8 * 4);

  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_write_deflate_bigtiff (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "out.tif", NULL);
  g_autoptr(EvoxVolume) volume = make_volume (EVOX_SAMPLE_F32, 31, 7, 6, 1);
  g_autoptr(EvoxVolume) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  guint16 compression = 0;
  TIFF *tif;

  g_assert_true (evox_tiff_write (volume, 0, path,
                                  EVOX_TIFF_WRITE_DEFLATE | EVOX_TIFF_WRITE_BIGTIFF, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, >=, 4);
  g_assert_cmpmem (contents, 4, "II+\0", 4);

  tif = TIFFOpen (path, "r");
  g_assert_nonnull (tif);
  g_assert_true (TIFFGetField (tif, TIFFTAG_COMPRESSION, &compression));
  g_assert_cmpuint (compression, ==, COMPRESSION_ADOBE_DEFLATE);
  g_assert_cmpuint (TIFFNumberOfDirectories (tif), ==, 6);
  TIFFClose (tif);

  back = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_same_voxels (volume, 0, back, 0);

  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_write_all_channels (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "out.tif", NULL);
  g_autofree char *one = g_build_filename (dir, "one.tif", NULL);
  g_autoptr(EvoxVolume) volume = make_volume (EVOX_SAMPLE_U16, 6, 5, 4, 2);
  g_autoptr(EvoxVolume) back = NULL;
  g_autoptr(EvoxVolume) back_one = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *desc = NULL;
  gsize dims[3];

  g_assert_true (evox_tiff_write (volume, -1, path, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  back = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (back, dims);
  /* Channel-major pages (ImageJ frames) read back as the channels they were. */
  g_assert_cmpuint (dims[2], ==, 4);
  g_assert_cmpuint (evox_volume_get_n_channels (back), ==, 2);
  for (guint c = 0; c < 2; c++)
    for (gsize i = 0; i < 6 * 5 * 4; i++)
      g_assert_cmpuint (((const guint16 *) evox_volume_get_data (back, c))[i], ==,
                        ((const guint16 *) evox_volume_get_data (volume, c))[i]);
  desc = read_description (path);
  g_assert_nonnull (strstr (desc, "\nimages=8\n"));
  g_assert_nonnull (strstr (desc, "\nframes=2\n"));
  assert_contiguous_pages (path, 6 * 5 * 2);

  g_assert_true (evox_tiff_write (volume, 1, one, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  back_one = evox_tiff_read (one, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_same_voxels (volume, 1, back_one, 0);

  g_assert_false (evox_tiff_write (volume, 2, one, EVOX_TIFF_WRITE_OVERWRITE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);

  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_write_unknown_spacing (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "out.tif", NULL);
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxVolume) back = NULL;
  g_autoptr(GError) error = NULL;

  /* A volume read without a known pixel size keeps it unknown through a round trip. */
  {
    g_autofree char *src = g_build_filename (dir, "src.tif", NULL);
    static const Variant v = { "plain", 8, SAMPLEFORMAT_UINT, COMPRESSION_NONE, 0, 0, 0 };

    write_variant (src, &v);
    volume = evox_tiff_read (src, NULL, NULL, &error);
    g_assert_no_error (error);
  }
  g_assert_true (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  back = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_spacing (back, 1, 1, 1, "false");

  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_write_refuses_overwrite (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "out.tif", NULL);
  g_autoptr(EvoxVolume) volume = make_volume (EVOX_SAMPLE_U8, 4, 4, 2, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GPtrArray) names = NULL;

  g_assert_true (g_file_set_contents (path, "precious", -1, NULL));
  g_assert_false (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "precious");

  g_assert_true (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_OVERWRITE, &error));
  g_assert_no_error (error);
  g_assert_true (evox_tiff_is_tiff (path));
  names = list_dir (dir);
  g_assert_cmpuint (names->len, ==, 1);

  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_write_failure_leaves_nothing (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *missing = g_build_filename (dir, "no-such-folder", "out.tif", NULL);
  g_autofree char *folder = g_build_filename (dir, "taken.tif", NULL);
  g_autoptr(EvoxVolume) volume = make_volume (EVOX_SAMPLE_U16, 4, 4, 2, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = NULL;

  g_assert_false (evox_tiff_write (volume, 0, missing, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "out.tif"));
  g_clear_error (&error);

  /* The rename over a folder fails after the whole file was written: the temporary must go. */
  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  g_assert_false (evox_tiff_write (volume, 0, folder, EVOX_TIFF_WRITE_OVERWRITE, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  names = list_dir (dir);
  g_assert_cmpuint (names->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (names, 0), ==, "taken.tif");
  g_assert_true (g_file_test (folder, G_FILE_TEST_IS_DIR));

  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* ------------------------------------------------------------------------------------------ */
/* Phase masks and label volumes                                                              */

/* Samples of every page, as libtiff reads them, with the tags Fiji needs checked. */
static guint32 *
read_integer_stack (const char *path,
                    guint16     expected_bits,
                    gsize       dims[3])
{
  TIFF *tif = TIFFOpen (path, "r");
  GArray *values = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree guint8 *row = NULL;
  guint32 width = 0, height = 0;
  guint n_pages = 0;

  g_assert_nonnull (tif);
  row = g_malloc (TIFFScanlineSize (tif));
  do
    {
      guint16 bits = 0, format = 0, spp = 0;

      g_assert_true (TIFFGetField (tif, TIFFTAG_IMAGEWIDTH, &width));
      g_assert_true (TIFFGetField (tif, TIFFTAG_IMAGELENGTH, &height));
      g_assert_true (TIFFGetField (tif, TIFFTAG_BITSPERSAMPLE, &bits));
      g_assert_true (TIFFGetField (tif, TIFFTAG_SAMPLEFORMAT, &format));
      g_assert_true (TIFFGetField (tif, TIFFTAG_SAMPLESPERPIXEL, &spp));
      g_assert_cmpuint (bits, ==, expected_bits);
      g_assert_cmpuint (format, ==, SAMPLEFORMAT_UINT);
      g_assert_cmpuint (spp, ==, 1);
      for (guint32 y = 0; y < height; y++)
        {
          g_assert_cmpint (TIFFReadScanline (tif, row, y, 0), ==, 1);
          for (guint32 x = 0; x < width; x++)
            {
              guint32 v = bits == 8 ? row[x] : bits == 16 ? ((guint16 *) row)[x]
                                                          : ((guint32 *) row)[x];
              g_array_append_val (values, v);
            }
        }
      n_pages++;
    }
  while (TIFFReadDirectory (tif));
  TIFFClose (tif);
  dims[0] = width;
  dims[1] = height;
  dims[2] = n_pages;
  return (guint32 *) g_array_free (values, FALSE);
}

static void
assert_imagej_stack (const char *path,
                     guint       n_pages,
                     const char *spacing,
                     const char *max)
{
  g_autofree char *desc = read_description (path);
  g_autofree char *images = g_strdup_printf ("\nimages=%u\n", n_pages);
  g_autofree char *slices = g_strdup_printf ("\nslices=%u\n", n_pages);
  g_autofree char *spacing_line = g_strdup_printf ("\nspacing=%s\n", spacing);
  g_autofree char *max_line = g_strdup_printf ("\nmax=%s\n", max);

  g_assert_true (g_str_has_prefix (desc, "ImageJ="));
  g_assert_nonnull (strstr (desc, images));
  g_assert_nonnull (strstr (desc, slices));
  g_assert_nonnull (strstr (desc, "\nunit=nm\n"));
  g_assert_nonnull (strstr (desc, spacing_line));
  g_assert_nonnull (strstr (desc, "\nmin=0\n"));
  g_assert_nonnull (strstr (desc, max_line));
}

static EvoxPhaseList *
make_phases (guint         n,
             const double *lo,
             const double *hi)
{
  EvoxPhaseList *list = evox_phase_list_new ();

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("p%u", i);
      g_autoptr(EvoxPhase) phase = evox_phase_new (name, lo[i], hi[i], "#123456");

      evox_phase_list_append (list, phase);
    }
  return list;
}

/* Each voxel holds the 1-based index of the first phase that holds its value; 0 for none and
 * for NaN; hidden phases count too. */
static void
test_write_mask (gconstpointer data)
{
  EvoxSampleType type = GPOINTER_TO_INT (data);
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "mask.tif", NULL);
  g_autoptr(EvoxVolume) volume = make_volume (type, 23, 17, 5, 1);
  const double lo[] = { 0, 50, -20, 1000 };
  const double hi[] = { 100, 60.5, 0, 1e9 };
  g_autoptr(EvoxPhaseList) phases = make_phases (G_N_ELEMENTS (lo), lo, hi);
  g_autoptr(GError) error = NULL;
  g_autofree guint32 *mask = NULL;
  gsize dims[3];

  evox_phase_set_visible (evox_phase_list_get_phase (phases, 1), FALSE);
  g_assert_true (evox_tiff_write_mask (path, volume, 0, phases, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  mask = read_integer_stack (path, 8, dims);
  g_assert_cmpuint (dims[0], ==, 23);
  g_assert_cmpuint (dims[1], ==, 17);
  g_assert_cmpuint (dims[2], ==, 5);
  for (gsize z = 0, i = 0; z < 5; z++)
    for (gsize y = 0; y < 17; y++)
      for (gsize x = 0; x < 23; x++, i++)
        {
          double v = evox_volume_get_value (volume, 0, x, y, z);
          guint expected = 0;

          for (guint p = 0; p < G_N_ELEMENTS (lo) && expected == 0; p++)
            if (v >= lo[p] && v <= hi[p])
              expected = p + 1;
          g_assert_cmpuint (mask[i], ==, expected);
        }
  assert_imagej_stack (path, 5, "1200", "4");
  assert_contiguous_pages (path, 23 * 17);

  /* An existing file is kept without OVERWRITE. */
  g_assert_false (evox_tiff_write_mask (path, volume, 0, phases, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_write_mask_too_many (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "mask.tif", NULL);
  g_autoptr(EvoxVolume) volume = make_volume (EVOX_SAMPLE_U8, 4, 3, 2, 1);
  g_autoptr(EvoxPhaseList) phases = evox_phase_list_new ();
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 256; i++)
    {
      g_autofree char *name = g_strdup_printf ("p%u", i);
      g_autoptr(EvoxPhase) phase = evox_phase_new (name, i, i, "#000000");
      evox_phase_list_append (phases, phase);
    }
  g_assert_false (evox_tiff_write_mask (path, volume, 0, phases, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "255"));
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 0);

  /* 255 phases fit: the last one's voxels hold 255. */
  evox_phase_list_remove (phases, 0);
  g_clear_error (&error);
  g_assert_true (evox_tiff_write_mask (path, volume, 0, phases, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  {
    g_autofree guint32 *mask = NULL;
    const guint8 *values = evox_volume_get_data (volume, 0);
    gsize dims[3];

    mask = read_integer_stack (path, 8, dims);
    for (gsize i = 0; i < 4 * 3 * 2; i++)
      g_assert_cmpuint (mask[i], ==, values[i]);
    assert_imagej_stack (path, 2, "1200", "255");
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A u8 volume whose values 1, 2 and 3 are three phases of small blocks. */
static EvoxVolume *
make_blocks (gsize nx,
             gsize ny,
             gsize nz)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (nx, ny, nz, 1, EVOX_SAMPLE_U8, &error);
  guint8 *data = evox_volume_get_data_mut (volume, 0);
  const double spacing[3] = { 4, 4, 8 };

  g_assert_no_error (error);
  for (gsize z = 0, i = 0; z < nz; z++)
    for (gsize y = 0; y < ny; y++)
      for (gsize x = 0; x < nx; x++, i++)
        data[i] = (x % 3 == 2 || y % 3 == 2) ? 0 : 1 + (x / 3 + y / 3 + z) % 3;
  evox_volume_set_spacing (volume, spacing);
  evox_volume_freeze (volume);
  return volume;
}

/* Ids of later EvoxLabels continue after earlier ones'; a single one keeps its own. */
static void
test_write_labels (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(EvoxVolume) volume = make_blocks (14, 11, 3);
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  const guint bits[] = { 0, 16, 32 };
  guint total = 0;

  for (guint p = 0; p < 3; p++)
    {
      g_autofree char *name = g_strdup_printf ("phase %u", p + 1);
      EvoxLabels *l = evox_labels_compute (volume, 0, name, p + 1, p + 1, EVOX_CONNECTIVITY_6, 0,
                                           NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (evox_labels_get_n_particles (l), >, 3);
      total += evox_labels_get_n_particles (l);
      g_ptr_array_add (labels, l);
    }
  g_assert_cmpuint (evox_tiff_label_bits ((EvoxLabels **) labels->pdata, 3, 0, NULL), ==, 16);

  for (guint b = 0; b < G_N_ELEMENTS (bits); b++)
    {
      g_autofree char *name = g_strdup_printf ("labels-%u.tif", bits[b]);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *max = g_strdup_printf ("%u", total);
      g_autofree guint32 *written = NULL;
      gsize dims[3];

      g_assert_true (evox_tiff_write_labels (path, (EvoxLabels **) labels->pdata, 3, bits[b],
                                             EVOX_TIFF_WRITE_NONE, &error));
      g_assert_no_error (error);
      written = read_integer_stack (path, bits[b] == 32 ? 32 : 16, dims);
      g_assert_cmpuint (dims[0] * dims[1] * dims[2], ==, 14 * 11 * 3);
      for (gsize i = 0; i < 14 * 11 * 3; i++)
        {
          guint32 expected = 0, offset = 0;

          for (guint p = 0; p < 3; p++)
            {
              EvoxLabels *l = g_ptr_array_index (labels, p);
              guint32 id = evox_labels_get_data (l)[i];

              if (id != 0)
                expected = id + offset;
              offset += evox_labels_get_n_particles (l);
            }
          g_assert_cmpuint (written[i], ==, expected);
        }
      assert_imagej_stack (path, 3, "8", max);
      assert_contiguous_pages (path, 14 * 11 * (bits[b] == 32 ? 4 : 2));
    }

  /* One EvoxLabels: its own ids, as u32 samples when asked. */
  {
    g_autofree char *path = g_build_filename (dir, "one.tif", NULL);
    EvoxLabels *second = g_ptr_array_index (labels, 1);
    g_autofree guint32 *written = NULL;
    gsize dims[3];

    g_assert_true (evox_tiff_write_labels (path, &second, 1, 32, EVOX_TIFF_WRITE_NONE, &error));
    g_assert_no_error (error);
    written = read_integer_stack (path, 32, dims);
    g_assert_cmpmem (written, 14 * 11 * 3 * 4, evox_labels_get_data (second), 14 * 11 * 3 * 4);
  }
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 4);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Labels that share voxels, and more particles than 16 bits hold, are refused before any file
 * is created. */
static void
test_write_labels_refused (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "labels.tif", NULL);
  g_autoptr(EvoxVolume) blocks = make_blocks (14, 11, 3);
  g_autoptr(EvoxVolume) dots = NULL;
  g_autoptr(EvoxLabels) a = NULL;
  g_autoptr(EvoxLabels) b = NULL;
  g_autoptr(EvoxLabels) many = NULL;
  g_autoptr(GError) error = NULL;
  EvoxLabels *pair[2];

  a = evox_labels_compute (blocks, 0, "one-two", 1, 2, EVOX_CONNECTIVITY_26, 0, NULL, NULL,
                           &error);
  g_assert_no_error (error);
  b = evox_labels_compute (blocks, 0, "two-three", 2, 3, EVOX_CONNECTIVITY_26, 0, NULL, NULL,
                           &error);
  g_assert_no_error (error);
  pair[0] = a;
  pair[1] = b;
  g_assert_false (evox_tiff_write_labels (path, pair, 2, 0, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "one-two"));
  g_assert_nonnull (strstr (error->message, "two-three"));
  g_assert_nonnull (strstr (error->message, "labels.tif"));
  g_clear_error (&error);

  /* A checkerboard with faces only: 64 * 64 * 40 / 2 = 81920 particles of one voxel. */
  {
    guint8 *data;

    dots = evox_volume_new (64, 64, 40, 1, EVOX_SAMPLE_U8, &error);
    g_assert_no_error (error);
    data = evox_volume_get_data_mut (dots, 0);
    for (gsize z = 0, i = 0; z < 40; z++)
      for (gsize y = 0; y < 64; y++)
        for (gsize x = 0; x < 64; x++, i++)
          data[i] = (x + y + z) % 2 == 0;
    evox_volume_freeze (dots);
  }
  many = evox_labels_compute (dots, 0, "dots", 1, 1, EVOX_CONNECTIVITY_6, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_particles (many), ==, 81920);
  g_assert_cmpuint (evox_tiff_label_bits (&many, 1, 0, NULL), ==, 32);
  g_assert_cmpuint (evox_tiff_label_bits (&many, 1, 32, NULL), ==, 32);
  g_assert_cmpuint (evox_tiff_label_bits (&many, 1, 16, &error), ==, 0);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (evox_tiff_write_labels (path, &many, 1, 16, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "81920"));
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 0);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* ------------------------------------------------------------------------------------------ */
/* Bad input                                                                                   */

static void
assert_read_fails (const char *path,
                   int         code,
                   const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_tiff_read (path, NULL, NULL, &error);

  g_assert_null (volume);
  g_assert_error (error, EVOX_ERROR, code);
  if (name != NULL && strstr (error->message, name) == NULL)
    g_error ("\"%s\" does not name %s", error->message, name);
}

static void
put_u16 (GByteArray *b,
         guint16     v)
{
  guint8 bytes[2] = { v & 0xff, v >> 8 };

  g_byte_array_append (b, bytes, 2);
}

static void
put_u32 (GByteArray *b,
         guint32     v)
{
  guint8 bytes[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };

  g_byte_array_append (b, bytes, 4);
}

static void
put_entry (GByteArray *b,
           guint16     tag,
           guint16     type,
           guint32     value)
{
  put_u16 (b, tag);
  put_u16 (b, type);
  put_u32 (b, 1);
  if (type == 3)
    {
      put_u16 (b, (guint16) value);
      put_u16 (b, 0);
    }
  else
    put_u32 (b, value);
}

/* A hand-made classic TIFF whose single page claims WIDTH x HEIGHT u8 pixels in 16 bytes. */
static void
write_lying_header (const char *path,
                    guint32     width,
                    guint32     height,
                    guint16     compression)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  const guint32 data_offset = 8 + 2 + 9 * 12 + 4;

  g_byte_array_append (b, (const guint8 *) "II*\0", 4);
  put_u32 (b, 8);
  put_u16 (b, 9);
  put_entry (b, 256, 4, width);          /* ImageWidth */
  put_entry (b, 257, 4, height);         /* ImageLength */
  put_entry (b, 258, 3, 8);              /* BitsPerSample */
  put_entry (b, 259, 3, compression);    /* Compression */
  put_entry (b, 262, 3, 1);              /* Photometric: min is black */
  put_entry (b, 273, 4, data_offset);    /* StripOffsets */
  put_entry (b, 277, 3, 1);              /* SamplesPerPixel */
  put_entry (b, 278, 4, height);         /* RowsPerStrip */
  put_entry (b, 279, 4, 16);             /* StripByteCounts */
  put_u32 (b, 0);
  g_assert_cmpuint (b->len, ==, data_offset);
  for (int i = 0; i < 16; i++)
    put_u16 (b, 0x0101);
  g_byte_array_set_size (b, data_offset + 16);
  g_assert_true (g_file_set_contents (path, (const char *) b->data, b->len, NULL));
}

/* Like g_file_set_contents() without its fsync, which would make the cutting tests slow. */
static void
write_bytes (const char *path,
             const char *data,
             gsize       length)
{
  FILE *f = g_fopen (path, "wb");

  g_assert_nonnull (f);
  g_assert_cmpuint (fwrite (data, 1, length, f), ==, length);
  g_assert_cmpint (fclose (f), ==, 0);
}

static void
truncate_file (const char *path,
               gsize       keep)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (keep, <, length);
  write_bytes (path, contents, keep);
}

static gsize
file_size (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_size;
}

/* One zero-filled page of any layout libtiff can write, for variants Evox must refuse. */
static void
write_raw_page (const char *path,
                guint16     bits,
                guint16     format,
                guint16     samples,
                guint16     photometric)
{
  const guint32 width = 16, height = 8;
  tmsize_t size = (tmsize_t) ((width * bits * samples + 7) / 8) * height;
  g_autofree guint8 *buf = g_malloc0 (size);
  TIFF *tif = TIFFOpen (path, "w");

  g_assert_nonnull (tif);
  g_assert_true (TIFFSetField (tif, TIFFTAG_IMAGEWIDTH, width));
  g_assert_true (TIFFSetField (tif, TIFFTAG_IMAGELENGTH, height));
  g_assert_true (TIFFSetField (tif, TIFFTAG_BITSPERSAMPLE, bits));
  g_assert_true (TIFFSetField (tif, TIFFTAG_SAMPLESPERPIXEL, samples));
  g_assert_true (TIFFSetField (tif, TIFFTAG_SAMPLEFORMAT, format));
  g_assert_true (TIFFSetField (tif, TIFFTAG_PHOTOMETRIC, photometric));
  g_assert_true (TIFFSetField (tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG));
  g_assert_true (TIFFSetField (tif, TIFFTAG_ROWSPERSTRIP, height));
  g_assert_cmpint (TIFFWriteEncodedStrip (tif, 0, buf, size), ==, size);
  g_assert_true (TIFFWriteDirectory (tif));
  TIFFClose (tif);
}

/* Each bad file is written and read here, so the stderr check can run them in a subprocess. */
static void
read_bad_files (const char *dir)
{
  static const Variant u16 = { "u16", 16, SAMPLEFORMAT_UINT, COMPRESSION_NONE, 0, 0, 0,
                               FALSE, FALSE, 64, 64, 4 };
  static const Variant deflate = { "deflate", 16, SAMPLEFORMAT_UINT, COMPRESSION_ADOBE_DEFLATE,
                                   0, 0, 0, FALSE, FALSE, 64, 64, 4 };
  g_autofree char *empty = g_build_filename (dir, "empty.tif", NULL);
  g_autofree char *text = g_build_filename (dir, "text.tif", NULL);
  g_autofree char *cut = g_build_filename (dir, "cut.tif", NULL);
  g_autofree char *cut_deflate = g_build_filename (dir, "cut-deflate.tif", NULL);
  g_autofree char *garbled = g_build_filename (dir, "garbled.tif", NULL);
  g_autofree char *huge = g_build_filename (dir, "huge.tif", NULL);
  g_autofree char *huge_deflate = g_build_filename (dir, "huge-deflate.tif", NULL);
  g_autofree char *rgb_path = g_build_filename (dir, "rgb.tif", NULL);
  g_autofree char *bits1_path = g_build_filename (dir, "bits1.tif", NULL);
  g_autofree char *c64_path = g_build_filename (dir, "complex.tif", NULL);

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  assert_read_fails (empty, EVOX_ERROR_INVALID_DATA, "empty.tif");

  g_assert_true (g_file_set_contents (text, "R0,Z0,X,Y\n1,2,3,4\n", -1, NULL));
  assert_read_fails (text, EVOX_ERROR_INVALID_DATA, "text.tif");

  /* Half of a stack: later pages' directories and data are gone. */
  write_variant (cut, &u16);
  truncate_file (cut, file_size (cut) / 2);
  assert_read_fails (cut, EVOX_ERROR_INVALID_DATA, "cut.tif");
  /* Cut inside the first page's data, before any other directory. */
  write_variant (cut, &u16);
  truncate_file (cut, 4000);
  assert_read_fails (cut, EVOX_ERROR_INVALID_DATA, "cut.tif");
  /* A header alone. */
  write_variant (cut, &u16);
  truncate_file (cut, 6);
  assert_read_fails (cut, EVOX_ERROR_INVALID_DATA, "cut.tif");

  write_variant (cut_deflate, &deflate);
  truncate_file (cut_deflate, file_size (cut_deflate) / 2);
  assert_read_fails (cut_deflate, EVOX_ERROR_INVALID_DATA, "cut-deflate.tif");

  /* Compressed bytes overwritten: zlib must fail cleanly, naming the page. */
  {
    g_autofree char *contents = NULL;
    gsize length = 0;

    write_variant (garbled, &deflate);
    g_assert_true (g_file_get_contents (garbled, &contents, &length, NULL));
    for (gsize i = 16; i < 200 && i < length; i++)
      contents[i] = (char) (i * 37);
    g_assert_true (g_file_set_contents (garbled, contents, length, NULL));
    assert_read_fails (garbled, EVOX_ERROR_INVALID_DATA, "garbled.tif");
  }

  /* 10^6 x 10^6 u8 = 10^12 bytes claimed by a 138-byte file: refused before any allocation. */
  write_lying_header (huge, 1000000, 1000000, COMPRESSION_NONE);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxVolume) volume = evox_tiff_read (huge, NULL, NULL, &error);

    g_assert_null (volume);
    g_assert_nonnull (error);
    g_assert_true (g_error_matches (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE) ||
                   g_error_matches (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA));
    g_assert_nonnull (strstr (error->message, "huge.tif"));
  }
  /* 10^8 pixels cannot come out of 16 bytes of Deflate data. */
  write_lying_header (huge_deflate, 10000, 10000, COMPRESSION_ADOBE_DEFLATE);
  assert_read_fails (huge_deflate, EVOX_ERROR_INVALID_DATA, "huge-deflate.tif");

  write_raw_page (rgb_path, 8, SAMPLEFORMAT_UINT, 3, PHOTOMETRIC_RGB);
  assert_read_fails (rgb_path, EVOX_ERROR_UNSUPPORTED, "rgb.tif");
  write_raw_page (bits1_path, 1, SAMPLEFORMAT_UINT, 1, PHOTOMETRIC_MINISBLACK);
  assert_read_fails (bits1_path, EVOX_ERROR_UNSUPPORTED, "bits1.tif");
  write_raw_page (c64_path, 64, SAMPLEFORMAT_COMPLEXIEEEFP, 1, PHOTOMETRIC_MINISBLACK);
  assert_read_fails (c64_path, EVOX_ERROR_UNSUPPORTED, "complex.tif");
}

static void
put_entries (GByteArray *b,
             guint16     tag,
             guint32     count,
             guint32     value)
{
  put_u16 (b, tag);
  put_u16 (b, 4);
  put_u32 (b, count);
  put_u32 (b, value);
}

/* A hand-made classic TIFF of n_pages u8 pages of width x (n_strips * rows) pixels. With shared,
 * every strip of every page points at the one copy of data; otherwise each strip has its own
 * copy, which makes a valid file of the same pixels. */
static void
write_strips (const char   *path,
              guint32       n_pages,
              guint32       n_strips,
              guint32       width,
              guint32       rows,
              guint16       compression,
              const guint8 *data,
              guint32       length,
              gboolean      shared)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  guint32 n_copies = shared ? 1 : n_pages * n_strips;
  guint32 arrays = 8 + n_copies * length;
  guint32 per_page = n_strips > 1 ? 8 * n_strips : 0;   /* out-of-line offsets and counts */
  guint32 ifds = arrays + n_pages * per_page;
  const guint32 ifd_size = 2 + 9 * 12 + 4;

  g_byte_array_append (b, (const guint8 *) "II*\0", 4);
  put_u32 (b, ifds);
  for (guint32 i = 0; i < n_copies; i++)
    g_byte_array_append (b, data, length);
  for (guint32 p = 0; p < n_pages && n_strips > 1; p++)
    {
      for (guint32 s = 0; s < n_strips; s++)
        put_u32 (b, shared ? 8 : 8 + (p * n_strips + s) * length);
      for (guint32 s = 0; s < n_strips; s++)
        put_u32 (b, length);
    }
  g_assert_cmpuint (b->len, ==, ifds);
  for (guint32 p = 0; p < n_pages; p++)
    {
      guint32 first = shared ? 8 : 8 + p * n_strips * length;

      put_u16 (b, 9);
      put_entry (b, 256, 4, width);                      /* ImageWidth */
      put_entry (b, 257, 4, n_strips * rows);            /* ImageLength */
      put_entry (b, 258, 3, 8);                          /* BitsPerSample */
      put_entry (b, 259, 3, compression);                /* Compression */
      put_entry (b, 262, 3, 1);                          /* Photometric: min is black */
      put_entries (b, 273, n_strips,                     /* StripOffsets */
                   n_strips > 1 ? arrays + p * per_page : first);
      put_entry (b, 277, 3, 1);                          /* SamplesPerPixel */
      put_entry (b, 278, 4, rows);                       /* RowsPerStrip */
      put_entries (b, 279, n_strips,                     /* StripByteCounts */
                   n_strips > 1 ? arrays + p * per_page + 4 * n_strips : length);
      put_u32 (b, p + 1 < n_pages ? ifds + (p + 1) * ifd_size : 0);
    }
  g_assert_true (g_file_set_contents (path, (const char *) b->data, b->len, NULL));
}

/* Strips that point at the same bytes passed the compression-ratio check, which summed each
 * strip's byte count: a few KB of file stood for a volume of any size. The bound now counts
 * the distinct bytes (the union of the strips' ranges over all pages). Before the fix both
 * shared files loaded (checked against main's reader). */
static void
test_read_shared_strips (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *pages = g_build_filename (dir, "shared-pages.tif", NULL);
  g_autofree char *rows = g_build_filename (dir, "shared-rows.tif", NULL);
  g_autofree char *plain = g_build_filename (dir, "plain.tif", NULL);
  g_autofree guint8 *page = g_malloc (64 * 64);
  guint8 packbits[32];

  /* Across pages: 200 uncompressed 64 x 64 pages, all on the same 4096 bytes. */
  for (guint i = 0; i < 64 * 64; i++)
    page[i] = (guint8) (i * 7);
  write_strips (pages, 200, 1, 64, 64, COMPRESSION_NONE, page, 64 * 64, TRUE);
  assert_read_fails (pages, EVOX_ERROR_INVALID_DATA, "shared-pages.tif");
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxVolume) volume = evox_tiff_read (pages, NULL, NULL, &error);

    g_assert_nonnull (strstr (error->message, "4096 distinct bytes"));
  }

  /* Within a page: 1024 PackBits rows of 1024 zeros, each 8 x (-127, 0) = 16 bytes, all the same
   * 16 bytes: 1 MiB claimed by 16 bytes, where the summed counts (16 KiB) met 1 MiB / 64. */
  for (guint i = 0; i < 16; i += 2)
    {
      packbits[i] = 0x81;
      packbits[i + 1] = 0;
    }
  write_strips (rows, 1, 1024, 1024, 1, COMPRESSION_PACKBITS, packbits, 16, TRUE);
  assert_read_fails (rows, EVOX_ERROR_INVALID_DATA, "shared-rows.tif");

  /* The same pages with their own copies of the data are fine. */
  write_strips (plain, 3, 4, 64, 16, COMPRESSION_NONE, page, 64 * 16, FALSE);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxVolume) volume = evox_tiff_read (plain, NULL, NULL, &error);
    const guint8 *v;
    gsize dims[3];

    g_assert_no_error (error);
    evox_volume_get_dims (volume, dims);
    g_assert_cmpuint (dims[2], ==, 3);
    v = evox_volume_get_data (volume, 0);
    for (guint z = 0; z < 3; z++)
      for (guint i = 0; i < 64 * 64; i++)
        g_assert_cmpuint (v[z * 64 * 64 + i], ==, page[i % (64 * 16)]);
  }
  write_strips (plain, 2, 64, 1024, 1, COMPRESSION_PACKBITS, packbits, 16, FALSE);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxVolume) volume = evox_tiff_read (plain, NULL, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (evox_volume_get_n_voxels (volume), ==, 1024 * 64 * 2);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_read_bad_files (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();

  read_bad_files (dir);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Whatever the cut, a truncated stack is an error, never a shorter volume or a crash. */
static void
test_read_truncated_everywhere (void)
{
  static const Variant plain = { "plain", 8, SAMPLEFORMAT_UINT, COMPRESSION_NONE, 0, 0, 0,
                                 FALSE, FALSE, 16, 16, 3 };
  static const Variant packed = { "packed", 16, SAMPLEFORMAT_UINT, COMPRESSION_ADOBE_DEFLATE, 0,
                                  16, 0, TRUE, TRUE, 20, 18, 3 };
  const Variant *variants_to_cut[] = { &plain, &packed };
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *full = g_build_filename (dir, "full.tif", NULL);
  g_autofree char *cut = g_build_filename (dir, "cut.tif", NULL);

  for (gsize v = 0; v < G_N_ELEMENTS (variants_to_cut); v++)
    {
      g_autofree char *contents = NULL;
      gsize length = 0;

      g_unlink (full);
      write_variant (full, variants_to_cut[v]);
      g_assert_true (g_file_get_contents (full, &contents, &length, NULL));
      for (gsize keep = 0; keep < length; keep++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(EvoxVolume) volume = NULL;

          write_bytes (cut, contents, keep);
          volume = evox_tiff_read (cut, NULL, NULL, &error);
          if (volume != NULL)
            g_error ("%s cut to %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes was read",
                     variants_to_cut[v]->name, keep, length);
          g_assert_nonnull (error);
          g_assert_nonnull (strstr (error->message, "cut.tif"));
        }
    }

  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* libtiff's complaints become GErrors; none may reach stderr. */
static void
test_read_bad_files_quiet (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *dir = evox_test_tmpdir_new ();

      read_bad_files (dir);
      evox_test_tmpdir_free (g_steal_pointer (&dir));
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("");
}

static void
test_read_missing (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "nothing.tif", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_tiff_read (path, NULL, NULL, &error);

  g_assert_null (volume);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "nothing.tif"));
  g_clear_error (&error);

  /* A folder without pages. */
  g_assert_null (evox_tiff_read (dir, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);

  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_read_folder_mismatch (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *size_dir = g_build_filename (dir, "size", NULL);
  g_autofree char *type_dir = g_build_filename (dir, "type", NULL);
  g_autofree char *a = g_build_filename (size_dir, "img1.tif", NULL);
  g_autofree char *b = g_build_filename (size_dir, "img2.tif", NULL);
  g_autofree char *c = g_build_filename (type_dir, "img1.tif", NULL);
  g_autofree char *d = g_build_filename (type_dir, "img2.tif", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir (size_dir, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (type_dir, 0755), ==, 0);
  write_constant_page (a, 32, 32, 8, 1, 1);
  write_constant_page (b, 32, 16, 8, 1, 2);
  assert_read_fails (size_dir, EVOX_ERROR_INVALID_DATA, "img2.tif");
  write_constant_page (c, 32, 32, 8, 1, 1);
  write_constant_page (d, 32, 32, 16, 2, 2);
  assert_read_fails (type_dir, EVOX_ERROR_INVALID_DATA, "img2.tif");

  /* Pages of one file must agree as well. */
  {
    g_autofree char *mixed = g_build_filename (dir, "mixed.tif", NULL);
    TIFF *tif = TIFFOpen (mixed, "w");
    Variant v = { "mixed", 8, SAMPLEFORMAT_UINT, COMPRESSION_NONE, 0, 0, 0 };

    for (guint p = 0; p < 3; p++)
      {
        v.width = p == 2 ? 9 : 8;
        v.height = 8;
        set_common_tags (tif, &v);
        write_page_strips (tif, &v, p);
        g_assert_true (TIFFWriteDirectory (tif));
      }
    TIFFClose (tif);
    g_assert_null (evox_tiff_read (mixed, NULL, NULL, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
    g_assert_nonnull (strstr (error->message, "page 3"));
  }

  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_read_cancelled (void)
{
  static const Variant v = { "c", 8, SAMPLEFORMAT_UINT, COMPRESSION_NONE, 0, 0, 0 };
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "stack.tif", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  write_variant (path, &v);
  g_cancellable_cancel (cancellable);
  g_assert_null (evox_tiff_read (path, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_is_tiff (void)
{
  static const Variant classic = { "c", 8, SAMPLEFORMAT_UINT, COMPRESSION_NONE, 0, 0, 0 };
  static const Variant big = { "b", 8, SAMPLEFORMAT_UINT, COMPRESSION_NONE, 0, 0, 0, TRUE, TRUE };
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *a = g_build_filename (dir, "a.tif", NULL);
  g_autofree char *b = g_build_filename (dir, "b.tif", NULL);
  g_autofree char *text = g_build_filename (dir, "t.tif", NULL);
  g_autofree char *empty = g_build_filename (dir, "e.tif", NULL);
  g_autofree char *missing = g_build_filename (dir, "m.tif", NULL);

  write_variant (a, &classic);
  write_variant (b, &big);
  g_assert_true (g_file_set_contents (text, "II*", -1, NULL));
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_assert_true (evox_tiff_is_tiff (a));
  g_assert_true (evox_tiff_is_tiff (b));
  g_assert_false (evox_tiff_is_tiff (text));
  g_assert_false (evox_tiff_is_tiff (empty));
  g_assert_false (evox_tiff_is_tiff (missing));
  g_assert_false (evox_tiff_is_tiff (dir));

  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* ------------------------------------------------------------------------------------------ */
/* Real data                                                                                   */

static void
test_real_electrode (void)
{
  g_autofree char *path = evox_test_data_path ("tomo/electrode.tiff");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  guint64 counts[256] = { 0 };
  const guint8 *data;
  gsize dims[3];

  if (path == NULL)
    return;
  volume = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, 256);
  g_assert_cmpuint (dims[1], ==, 256);
  g_assert_cmpuint (dims[2], ==, 256);
  g_assert_cmpint (evox_volume_get_sample_type (volume), ==, EVOX_SAMPLE_U8);
  g_assert_cmpstr (evox_volume_get_metadata (volume, "source_type"), ==, "u8");
  data = evox_volume_get_data (volume, 0);
  for (gsize i = 0; i < dims[0] * dims[1] * dims[2]; i++)
    counts[data[i]]++;
  /* Reference counts from tifffile 2023.2.3 + numpy.unique on the same file. */
  g_assert_cmpuint (counts[0], ==, 7548361);
  g_assert_cmpuint (counts[85], ==, 6718710);
  g_assert_cmpuint (counts[170], ==, 2510145);
  g_assert_cmpuint (counts[0] + counts[85] + counts[170], ==, 256 * 256 * 256);
}

/* A multi-channel volume written by Evox (ImageJ frames, channel-major pages) reads back with its
 * channels, their labels and energies, what the values mean and the voxel size. */
static void
test_hyperstack_round_trip (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "channels.tif", NULL);
  const EvoxSampleType types[] = { EVOX_SAMPLE_F32, EVOX_SAMPLE_U8 };

  for (guint k = 0; k < G_N_ELEMENTS (types); k++)
    {
      g_autoptr(EvoxVolume) volume = make_volume (types[k], 5, 4, 3, 3);
      g_autoptr(EvoxVolume) back = NULL;
      g_autoptr(GError) error = NULL;
      double spacing[3];
      gsize dims[3];

      evox_volume_set_channel_info (volume, 0, "6534 eV", 6534);
      evox_volume_set_channel_info (volume, 2, "odd; label: 100%", 7704.25);
      evox_volume_set_values (volume, EVOX_SCALE_LOG10, "resistance", "ohm");
      g_assert_true (evox_tiff_write (volume, -1, path, EVOX_TIFF_WRITE_OVERWRITE, &error));
      g_assert_no_error (error);
      back = evox_tiff_read (path, NULL, NULL, &error);
      g_assert_no_error (error);
      evox_volume_get_dims (back, dims);
      g_assert_cmpuint (dims[0], ==, 5);
      g_assert_cmpuint (dims[1], ==, 4);
      g_assert_cmpuint (dims[2], ==, 3);
      g_assert_cmpuint (evox_volume_get_n_channels (back), ==, 3);
      g_assert_cmpint (evox_volume_get_sample_type (back), ==, types[k]);
      for (guint c = 0; c < 3; c++)
        for (gsize z = 0; z < 3; z++)
          for (gsize y = 0; y < 4; y++)
            for (gsize x = 0; x < 5; x++)
              g_assert_cmpfloat (evox_volume_get_value (back, c, x, y, z), ==,
                                 evox_volume_get_value (volume, c, x, y, z));
      g_assert_cmpstr (evox_volume_get_channel_label (back, 0), ==, "6534 eV");
      g_assert_null (evox_volume_get_channel_label (back, 1));
      g_assert_cmpstr (evox_volume_get_channel_label (back, 2), ==, "odd; label: 100%");
      g_assert_cmpfloat (evox_volume_get_channel_energy (back, 0), ==, 6534);
      g_assert_true (isnan (evox_volume_get_channel_energy (back, 1)));
      g_assert_cmpfloat (evox_volume_get_channel_energy (back, 2), ==, 7704.25);
      g_assert_cmpint (evox_volume_get_value_scale (back), ==, EVOX_SCALE_LOG10);
      g_assert_cmpstr (evox_volume_get_quantity (back), ==, "resistance");
      g_assert_cmpstr (evox_volume_get_unit (back), ==, "ohm");
      evox_volume_get_spacing (back, spacing);
      g_assert_cmpfloat_with_epsilon (spacing[0], 650, 1e-3);
      g_assert_cmpfloat_with_epsilon (spacing[2], 1200, 1e-9);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Pages of C channels, Z slices and T frames in ImageJ's czt order (channel fastest), each page
 * filled with 1000 t + 100 c + 10 z + (x + y) % 7, under `description`. */
static void
write_czt (const char *path,
           const char *description,
           guint       n_c,
           guint       n_z,
           guint       n_t,
           guint       n_pages)
{
  TIFF *tif = TIFFOpen (path, "w");
  guint16 row[6];

  g_assert_nonnull (tif);
  for (guint p = 0; p < n_pages; p++)
    {
      guint c = p % n_c, z = p / n_c % n_z, t = p / (n_c * n_z);

      g_assert_true (TIFFSetField (tif, TIFFTAG_IMAGEWIDTH, 6));
      g_assert_true (TIFFSetField (tif, TIFFTAG_IMAGELENGTH, 4));
      g_assert_true (TIFFSetField (tif, TIFFTAG_BITSPERSAMPLE, 16));
      g_assert_true (TIFFSetField (tif, TIFFTAG_SAMPLESPERPIXEL, 1));
      g_assert_true (TIFFSetField (tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK));
      g_assert_true (TIFFSetField (tif, TIFFTAG_ROWSPERSTRIP, 4));
      if (p == 0)
        g_assert_true (TIFFSetField (tif, TIFFTAG_IMAGEDESCRIPTION, description));
      for (guint y = 0; y < 4; y++)
        {
          for (guint x = 0; x < 6; x++)
            row[x] = 1000 * t + 100 * c + 10 * z + (x + y) % 7;
          g_assert_cmpint (TIFFWriteScanline (tif, row, y, 0), ==, 1);
        }
      g_assert_true (TIFFWriteDirectory (tif));
    }
  TIFFClose (tif);
}

static void
assert_czt (EvoxVolume *volume,
            guint       n_c,
            guint       n_z,
            guint       n_t)
{
  gsize dims[3];

  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[2], ==, n_z);
  g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, n_c * n_t);
  for (guint t = 0; t < n_t; t++)
    for (guint c = 0; c < n_c; c++)
      for (guint z = 0; z < n_z; z++)
        for (guint y = 0; y < 4; y++)
          for (guint x = 0; x < 6; x++)
            g_assert_cmpfloat (evox_volume_get_value (volume, t * n_c + c, x, y, z), ==,
                               1000 * t + 100 * c + 10 * z + (x + y) % 7);
}

/* ImageJ's own channels: the description tifffile 2023.2 writes for
 * tifffile.imwrite (path, zcyx, imagej=True, metadata={'axes': 'ZCYX'}) with 3 slices of 2
 * channels, pages z0c0, z0c1, z1c0... (written here with libtiff, so no Python is needed). */
static void
test_hyperstack_imagej_channels (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "czt.tif", NULL);
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(GError) error = NULL;

  write_czt (path, "ImageJ=1.11a\nimages=6\nchannels=2\nslices=3\nhyperstack=true\n"
             "mode=grayscale", 2, 3, 1, 6);
  volume = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_czt (volume, 2, 3, 1);
  g_clear_object (&volume);

  /* channels and frames: every (frame, channel) is a channel */
  write_czt (path, "ImageJ=1.11a\nimages=12\nchannels=2\nslices=3\nframes=2\n"
             "hyperstack=true\n", 2, 3, 2, 12);
  volume = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_czt (volume, 2, 3, 2);
  g_clear_object (&volume);

  /* one slice: ImageJ leaves slices= out */
  write_czt (path, "ImageJ=1.11a\nimages=3\nchannels=3\nhyperstack=true\n", 3, 1, 1, 3);
  volume = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_czt (volume, 3, 1, 1);
  g_clear_object (&volume);

  /* a description that does not fit the pages reads as a plain stack */
  write_czt (path, "ImageJ=1.11a\nimages=6\nchannels=2\nslices=3\nhyperstack=true\n",
             1, 5, 1, 5);
  volume = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_czt (volume, 1, 5, 1);
  g_clear_object (&volume);
  write_czt (path, "ImageJ=1.11a\nimages=7\nchannels=2\nslices=3\nhyperstack=true\n",
             1, 6, 1, 6);
  volume = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_czt (volume, 1, 6, 1);
  g_clear_object (&volume);
  /* every small combination on 6 pages: a layout exactly when the sizes multiply to the pages
   * (slices= left out standing for the pages over channels x frames) */
  for (guint c = 0; c <= 7; c++)
    for (guint z = 0; z <= 7; z++)
      for (guint t = 0; t <= 7; t++)
        {
          g_autoptr(GString) desc = g_string_new ("ImageJ=1.11a\n");
          guint cc = MAX (c, 1), tt = MAX (t, 1), zz = z > 0 ? z : 6 / (cc * tt);
          gboolean layout = cc * tt > 1 && zz > 0 && cc * zz * tt == 6;

          if (c > 0)
            g_string_append_printf (desc, "channels=%u\n", c);
          if (z > 0)
            g_string_append_printf (desc, "slices=%u\n", z);
          if (t > 0)
            g_string_append_printf (desc, "frames=%u\n", t);
          write_czt (path, desc->str, layout ? cc : 1, layout ? zz : 6, layout ? tt : 1, 6);
          g_clear_object (&volume);
          volume = evox_tiff_read (path, NULL, NULL, &error);
          g_assert_no_error (error);
          if (layout)
            assert_czt (volume, cc, zz, tt);
          else
            assert_czt (volume, 1, 6, 1);
        }
  g_clear_object (&volume);
  /* absurd sizes (2^32 - 1 each, far above the 6 pages; their product would wrap around 2^64)
   * are not a layout either */
  write_czt (path, "ImageJ=1.11a\nchannels=4294967295\nslices=4294967295\n"
             "frames=4294967295\nhyperstack=true\n", 1, 6, 1, 6);
  volume = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_czt (volume, 1, 6, 1);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Channels of different meaning (log10 resistance and a linear map in eV) keep each its own
 * through a file: evox_channel_values=SCALE:QUANTITY:UNIT;... A channel written alone keeps
 * its meaning as the file's. */
static void
test_channel_values_round_trip (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "meanings.tif", NULL);
  g_autofree char *one = g_build_filename (dir, "one.tif", NULL);
  g_autoptr(EvoxVolume) volume = make_volume (EVOX_SAMPLE_F32, 4, 3, 2, 2);
  g_autoptr(EvoxVolume) back = NULL;
  g_autoptr(EvoxVolume) alone = NULL;
  g_autoptr(GError) error = NULL;

  evox_volume_set_channel_values (volume, 0, EVOX_SCALE_LOG10, "resistance", "ohm");
  evox_volume_set_channel_values (volume, 1, EVOX_SCALE_LINEAR, "edge; energy: 100%", "eV");
  g_assert_true (evox_tiff_write (volume, -1, path, EVOX_TIFF_WRITE_OVERWRITE, &error));
  g_assert_no_error (error);
  back = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_channels (back), ==, 2);
  g_assert_cmpint (evox_volume_get_channel_value_scale (back, 0), ==, EVOX_SCALE_LOG10);
  g_assert_cmpstr (evox_volume_get_channel_quantity (back, 0), ==, "resistance");
  g_assert_cmpstr (evox_volume_get_channel_unit (back, 0), ==, "ohm");
  g_assert_cmpint (evox_volume_get_channel_value_scale (back, 1), ==, EVOX_SCALE_LINEAR);
  g_assert_cmpstr (evox_volume_get_channel_quantity (back, 1), ==, "edge; energy: 100%");
  g_assert_cmpstr (evox_volume_get_channel_unit (back, 1), ==, "eV");

  g_assert_true (evox_tiff_write (volume, 1, one, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  alone = evox_tiff_read (one, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_channels (alone), ==, 1);
  g_assert_cmpint (evox_volume_get_value_scale (alone), ==, EVOX_SCALE_LINEAR);
  g_assert_cmpstr (evox_volume_get_quantity (alone), ==, "edge; energy: 100%");
  g_assert_cmpstr (evox_volume_get_unit (alone), ==, "eV");
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Files from before evox_channel_values (or with a damaged one) give every channel the
 * file's one meaning; a damaged entry leaves only its channel at that. */
static void
test_channel_values_old_files (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "old.tif", NULL);
  const char *head = "ImageJ=1.11a\nimages=6\nchannels=2\nslices=3\nhyperstack=true\n"
                     "evox_scale=log10\nevox_quantity=resistance\nevox_unit=ohm\n"
                     "evox_channels=a:;b:\n";
  const char *tails[] = {
    "",                                             /* an old file */
    "evox_channel_values=linear:cluster:\n",        /* one entry for two channels */
    "evox_channel_values=log10:resistance:ohm;cubic:x:y\n",  /* an unknown scale */
    "evox_channel_values=log10:resistance:ohm;linear:cluster\n",  /* two fields */
    "evox_channel_values=log10:resistance:ohm;linear:cluster:\n", /* a good one */
  };

  for (guint i = 0; i < G_N_ELEMENTS (tails); i++)
    {
      g_autofree char *description = g_strconcat (head, tails[i], NULL);
      g_autoptr(EvoxVolume) volume = NULL;
      g_autoptr(GError) error = NULL;
      gboolean good = i == G_N_ELEMENTS (tails) - 1;

      write_czt (path, description, 2, 3, 1, 6);
      volume = evox_tiff_read (path, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 2);
      g_assert_cmpstr (evox_volume_get_channel_label (volume, 1), ==, "b");
      g_assert_cmpint (evox_volume_get_channel_value_scale (volume, 0), ==, EVOX_SCALE_LOG10);
      g_assert_cmpstr (evox_volume_get_channel_quantity (volume, 0), ==, "resistance");
      g_assert_cmpstr (evox_volume_get_channel_unit (volume, 0), ==, "ohm");
      g_assert_cmpint (evox_volume_get_channel_value_scale (volume, 1), ==,
                       good ? EVOX_SCALE_LINEAR : EVOX_SCALE_LOG10);
      g_assert_cmpstr (evox_volume_get_channel_quantity (volume, 1), ==,
                       good ? "cluster" : "resistance");
      g_assert_cmpstr (evox_volume_get_channel_unit (volume, 1), ==, good ? "" : "ohm");
    }
  /* The meanings without labels (evox_channels=) still apply. */
  {
    g_autoptr(EvoxVolume) volume = NULL;
    g_autoptr(GError) error = NULL;

    write_czt (path, "ImageJ=1.11a\nimages=6\nchannels=2\nslices=3\nhyperstack=true\n"
               "evox_scale=log10\nevox_quantity=resistance\nevox_unit=ohm\n"
               "evox_channel_values=log10:resistance:ohm;linear:edge%20energy:eV\n", 2, 3, 1, 6);
    volume = evox_tiff_read (path, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_null (evox_volume_get_channel_label (volume, 1));
    g_assert_cmpint (evox_volume_get_channel_value_scale (volume, 0), ==, EVOX_SCALE_LOG10);
    g_assert_cmpint (evox_volume_get_channel_value_scale (volume, 1), ==, EVOX_SCALE_LINEAR);
    g_assert_cmpstr (evox_volume_get_channel_quantity (volume, 1), ==, "edge energy");
    g_assert_cmpstr (evox_volume_get_channel_unit (volume, 1), ==, "eV");
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* The test's own libtiff writer warns about the legacy Deflate code; the subprocess that checks
   * the reader's silence keeps libtiff's default handlers. */
  if (!g_test_subprocess ())
    TIFFSetWarningHandler (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (variants); i++)
    {
      g_autofree char *name = g_strdup_printf ("/Evox/Tiff/read/%s", variants[i].name);

      g_test_add_data_func (name, &variants[i], test_read_variant);
    }
  g_test_add_func ("/Evox/Tiff/read/folder-natural-order", test_read_folder_natural_order);
  g_test_add_func ("/Evox/Tiff/read/folder-multipage", test_read_folder_multipage);
  g_test_add_func ("/Evox/Tiff/read/folder-mismatch", test_read_folder_mismatch);
  g_test_add_func ("/Evox/Tiff/read/spacing-imagej", test_spacing_imagej);
  g_test_add_func ("/Evox/Tiff/read/spacing-resolution-unit", test_spacing_resolution_unit);
  g_test_add_func ("/Evox/Tiff/read/description-truncated", test_description_truncated);
  g_test_add_func ("/Evox/Tiff/physics/round-trip", test_physics_round_trip);
  g_test_add_func ("/Evox/Tiff/physics/plain-and-broken", test_physics_plain_and_broken);
  g_test_add_func ("/Evox/Tiff/read/bad-files", test_read_bad_files);
  g_test_add_func ("/Evox/Tiff/read/shared-strips", test_read_shared_strips);
  g_test_add_func ("/Evox/Tiff/read/bad-files-quiet", test_read_bad_files_quiet);
  g_test_add_func ("/Evox/Tiff/read/truncated-everywhere", test_read_truncated_everywhere);
  g_test_add_func ("/Evox/Tiff/read/missing", test_read_missing);
  g_test_add_func ("/Evox/Tiff/read/cancelled", test_read_cancelled);
  g_test_add_func ("/Evox/Tiff/is-tiff", test_is_tiff);
  g_test_add_data_func ("/Evox/Tiff/write/round-trip-u8", GINT_TO_POINTER (EVOX_SAMPLE_U8),
                        test_write_round_trip);
  g_test_add_data_func ("/Evox/Tiff/write/round-trip-u16", GINT_TO_POINTER (EVOX_SAMPLE_U16),
                        test_write_round_trip);
  g_test_add_data_func ("/Evox/Tiff/write/round-trip-f32", GINT_TO_POINTER (EVOX_SAMPLE_F32),
                        test_write_round_trip);
  g_test_add_func ("/Evox/Tiff/write/resolution-tags", test_write_resolution_tags);
  g_test_add_func ("/Evox/Tiff/write/f32-flag", test_write_f32_flag);
  g_test_add_func ("/Evox/Tiff/write/deflate-bigtiff", test_write_deflate_bigtiff);
  g_test_add_func ("/Evox/Tiff/write/all-channels", test_write_all_channels);
  g_test_add_func ("/Evox/Tiff/write/unknown-spacing", test_write_unknown_spacing);
  g_test_add_func ("/Evox/Tiff/write/refuses-overwrite", test_write_refuses_overwrite);
  g_test_add_func ("/Evox/Tiff/write/failure-leaves-nothing", test_write_failure_leaves_nothing);
  g_test_add_data_func ("/Evox/Tiff/write/mask-u8", GINT_TO_POINTER (EVOX_SAMPLE_U8),
                        test_write_mask);
  g_test_add_data_func ("/Evox/Tiff/write/mask-u16", GINT_TO_POINTER (EVOX_SAMPLE_U16),
                        test_write_mask);
  g_test_add_data_func ("/Evox/Tiff/write/mask-f32", GINT_TO_POINTER (EVOX_SAMPLE_F32),
                        test_write_mask);
  g_test_add_func ("/Evox/Tiff/write/mask-too-many", test_write_mask_too_many);
  g_test_add_func ("/Evox/Tiff/write/labels", test_write_labels);
  g_test_add_func ("/Evox/Tiff/write/labels-refused", test_write_labels_refused);
  g_test_add_func ("/Evox/Tiff/real/electrode", test_real_electrode);
  g_test_add_func ("/Evox/Tiff/hyperstack/round-trip", test_hyperstack_round_trip);
  g_test_add_func ("/Evox/Tiff/hyperstack/imagej-channels", test_hyperstack_imagej_channels);
  g_test_add_func ("/Evox/Tiff/hyperstack/channel-values", test_channel_values_round_trip);
  g_test_add_func ("/Evox/Tiff/hyperstack/channel-values-old", test_channel_values_old_files);

  return g_test_run ();
}
