/* test-image.c: the PNG and TIFF figure writer, read back with libpng and libtiff. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <png.h>
#include <string.h>
#include <tiffio.h>
#include <unistd.h>

#include "evox-image.h"
#include "evox-output.h"
#include "evox-test-util.h"
#include "evox-types.h"

/* Every channel varies, alpha included, so a swapped or premultiplied channel shows. */
static guint8 *
pattern_new (int width,
             int height)
{
  guint8 *rgba = g_malloc ((gsize) width * height * 4);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = rgba + ((gsize) y * width + x) * 4;

        p[0] = (guint8) (x * 7 + y);
        p[1] = (guint8) (y * 5);
        p[2] = (guint8) (x ^ y);
        p[3] = (guint8) (255 - ((x + 3 * y) % 256));
      }
  return rgba;
}

static void
test_png_roundtrip (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "figure.png", NULL);
  g_autofree guint8 *rgba = pattern_new (37, 23);
  g_autofree guint8 *back = NULL;
  g_autoptr(GError) error = NULL;
  png_image png = { .version = PNG_IMAGE_VERSION };

  g_assert_true (evox_image_write (path, rgba, 37, 23, EVOX_IMAGE_WRITE_NONE, &error));
  g_assert_no_error (error);

  g_assert_true (png_image_begin_read_from_file (&png, path));
  g_assert_cmpuint (png.width, ==, 37);
  g_assert_cmpuint (png.height, ==, 23);
  g_assert_true (png.format & PNG_FORMAT_FLAG_ALPHA);
  g_assert_true (png.format & PNG_FORMAT_FLAG_COLOR);
  png.format = PNG_FORMAT_RGBA;
  back = g_malloc (PNG_IMAGE_SIZE (png));
  g_assert_true (png_image_finish_read (&png, NULL, back, 0, NULL));
  g_assert_cmpmem (back, 37 * 23 * 4, rgba, 37 * 23 * 4);
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Tall enough for several strips. */
static void
test_tiff_roundtrip (void)
{
  const int width = 300, height = 1000;
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "figure.TIFF", NULL);
  g_autofree guint8 *rgba = pattern_new (width, height);
  g_autofree guint8 *back = g_malloc ((gsize) width * height * 4);
  g_autoptr(GError) error = NULL;
  guint16 n_extra = 0, *extra = NULL, compression = 0, spp = 0;
  guint32 w = 0, h = 0;
  TIFF *tif;

  g_assert_true (evox_image_write (path, rgba, width, height, EVOX_IMAGE_WRITE_NONE, &error));
  g_assert_no_error (error);

  tif = TIFFOpen (path, "r");
  g_assert_nonnull (tif);
  g_assert_true (TIFFGetField (tif, TIFFTAG_IMAGEWIDTH, &w));
  g_assert_true (TIFFGetField (tif, TIFFTAG_IMAGELENGTH, &h));
  g_assert_true (TIFFGetField (tif, TIFFTAG_SAMPLESPERPIXEL, &spp));
  g_assert_true (TIFFGetField (tif, TIFFTAG_EXTRASAMPLES, &n_extra, &extra));
  g_assert_true (TIFFGetField (tif, TIFFTAG_COMPRESSION, &compression));
  g_assert_cmpuint (w, ==, width);
  g_assert_cmpuint (h, ==, height);
  g_assert_cmpuint (spp, ==, 4);
  g_assert_cmpuint (n_extra, ==, 1);
  g_assert_cmpuint (extra[0], ==, EXTRASAMPLE_UNASSALPHA);
  g_assert_cmpuint (compression, ==, COMPRESSION_ADOBE_DEFLATE);
  g_assert_cmpuint (TIFFNumberOfStrips (tif), >, 1);
  for (int y = 0; y < height; y++)
    g_assert_cmpint (TIFFReadScanline (tif, back + (gsize) y * width * 4, y, 0), ==, 1);
  TIFFClose (tif);
  g_assert_cmpmem (back, (gsize) width * height * 4, rgba, (gsize) width * height * 4);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_exists (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "figure.png", NULL);
  g_autofree guint8 *rgba = pattern_new (8, 8);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, "keep me", -1, NULL));
  g_assert_false (evox_image_write (path, rgba, 8, 8, EVOX_IMAGE_WRITE_NONE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "figure.png"));
  {
    g_autofree char *contents = NULL;
    g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "keep me");
  }
  g_clear_error (&error);
  g_assert_true (evox_image_write (path, rgba, 8, 8, EVOX_IMAGE_WRITE_OVERWRITE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_extension (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "figure.jpg", NULL);
  g_autofree guint8 *rgba = pattern_new (4, 4);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (evox_image_format_from_path ("a.png"), ==, EVOX_IMAGE_FORMAT_PNG);
  g_assert_cmpint (evox_image_format_from_path ("A.PNG"), ==, EVOX_IMAGE_FORMAT_PNG);
  g_assert_cmpint (evox_image_format_from_path ("a.tif"), ==, EVOX_IMAGE_FORMAT_TIFF);
  g_assert_cmpint (evox_image_format_from_path ("dir.png/a.Tiff"), ==, EVOX_IMAGE_FORMAT_TIFF);
  g_assert_cmpint (evox_image_format_from_path ("a.png.gz"), ==, EVOX_IMAGE_FORMAT_UNKNOWN);
  g_assert_cmpint (evox_image_format_from_path ("png"), ==, EVOX_IMAGE_FORMAT_UNKNOWN);

  g_assert_false (evox_image_write (path, rgba, 4, 4, EVOX_IMAGE_WRITE_OVERWRITE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "figure.jpg"));
  g_assert_nonnull (strstr (error->message, ".png"));
  g_assert_nonnull (strstr (error->message, ".tif"));
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 0);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Failures name the file and leave nothing behind, whether the system or libpng refuses. */
static void
test_no_leftovers (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *nowhere = g_build_filename (dir, "no", "figure.png", NULL);
  g_autofree char *wide = g_build_filename (dir, "wide.png", NULL);
  g_autofree guint8 *rgba = pattern_new (4, 4);
  g_autofree guint8 *row = g_malloc0 ((gsize) 2000000 * 4);
  g_autoptr(GError) error = NULL;

  g_assert_false (evox_image_write (nowhere, rgba, 4, 4, EVOX_IMAGE_WRITE_NONE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "figure.png"));
  g_clear_error (&error);

  /* Wider than libpng's default limit of a million pixels: png_error, caught by setjmp. */
  g_assert_false (evox_image_write (wide, row, 2000000, 1, EVOX_IMAGE_WRITE_NONE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "wide.png"));
  g_test_message ("%s", error->message);
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 0);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* What the vector figures use to put a document made in memory into their temporary: all of it
 * written, the fd closed either way, and a full disk (/dev/full) a GError naming the file. */
static void
test_write_bytes (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "bytes.svg", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  GString *big = g_string_new (NULL);
  int fd;

  /* More than one write () may take at once into a pipe-sized buffer. */
  for (guint i = 0; i < 100000; i++)
    g_string_append_printf (big, "%u\n", i);
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_assert_true (_evox_output_write_bytes (fd, big->str, big->len, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (fcntl (fd, F_GETFD), ==, -1);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, ==, big->len);
  g_assert_cmpmem (contents, length, big->str, big->len);

  fd = open ("/dev/full", O_WRONLY | O_CLOEXEC);
  if (fd >= 0)
    {
      g_assert_false (_evox_output_write_bytes (fd, big->str, big->len, "figure.svg", &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
      g_assert_nonnull (strstr (error->message, "Cannot write figure.svg"));
      g_assert_cmpint (fcntl (fd, F_GETFD), ==, -1);
    }
  else
    g_test_message ("no /dev/full: the full disk is not checked");
  g_string_free (big, TRUE);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Image/png-roundtrip", test_png_roundtrip);
  g_test_add_func ("/Evox/Image/tiff-roundtrip", test_tiff_roundtrip);
  g_test_add_func ("/Evox/Image/exists", test_exists);
  g_test_add_func ("/Evox/Image/extension", test_extension);
  g_test_add_func ("/Evox/Image/no-leftovers", test_no_leftovers);
  g_test_add_func ("/Evox/Image/write-bytes", test_write_bytes);
  return g_test_run ();
}
