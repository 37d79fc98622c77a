/* evox-image.c: RGBA figures to PNG or TIFF through a temporary file renamed when complete. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-image.h"
#include "evox-output.h"
#include "evox-tiff-private.h"

#include <errno.h>
#include <fcntl.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <tiffio.h>

#include "evox-types.h"

/* Deflate works on whole strips; strips of about this size compress nearly as well as one
 * strip per image while keeping the copy buffer small. */
#define TIFF_STRIP_BYTES (256u << 10)

EvoxImageFormat
evox_image_format_from_path (const char *path)
{
  g_autofree char *lower = NULL;

  g_return_val_if_fail (path != NULL, EVOX_IMAGE_FORMAT_UNKNOWN);

  lower = g_ascii_strdown (path, -1);
  if (g_str_has_suffix (lower, ".png"))
    return EVOX_IMAGE_FORMAT_PNG;
  if (g_str_has_suffix (lower, ".tif") || g_str_has_suffix (lower, ".tiff"))
    return EVOX_IMAGE_FORMAT_TIFF;
  return EVOX_IMAGE_FORMAT_UNKNOWN;
}

static void
set_library_error (GError     **error,
                   const char  *path,
                   const char  *reason)
{
  g_autofree char *display = g_filename_display_name (path);

  g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED, "Cannot write %s: %s", display, reason);
}

/* A full disk can stay hidden until the data reaches it: make it show up before the rename. */
static gboolean
sync_fd (int          fd,
         const char  *path,
         GError     **error)
{
  if (fsync (fd) != 0 && errno != EINVAL)
    {
      _evox_output_set_write_error (error, errno, path);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* PNG                                                                                          */

/* libpng reports errors by calling this and expects it not to return; the longjmp lands in
 * write_png, which turns the first message into the GError. The record lives on the heap so
 * that nothing write_png reads after the jump is a local changed since setjmp. */
typedef struct
{
  char *message;
  int   saved_errno;  /* errno when libpng gave up: its "Write Error" hides a full disk */
} PngDiag;

static void
png_on_error (png_structp     png,
              png_const_charp message)
{
  PngDiag *diag = png_get_error_ptr (png);

  if (diag->message == NULL)
    {
      diag->saved_errno = errno;
      diag->message = g_strdup (message);
    }
  png_longjmp (png, 1);
}

static void
png_on_warning (png_structp     png,
                png_const_charp message)
{
  /* Warnings are about what libpng adjusted; failures come through png_on_error. */
}

static gboolean
write_png (FILE          *file,
           const char    *path,
           const guint8  *rgba,
           int            width,
           int            height,
           const char    *provenance,
           GError       **error)
{
  g_autofree PngDiag *diag = g_new0 (PngDiag, 1);
  g_autofree png_bytep *rows = g_new (png_bytep, height);
  png_structp png;
  png_infop info;
  png_text text[2];
  int n_text = 1;

  for (int y = 0; y < height; y++)
    rows[y] = (png_bytep) rgba + (gsize) y * width * 4;

  png = png_create_write_struct (PNG_LIBPNG_VER_STRING, diag, png_on_error, png_on_warning);
  if (png == NULL)
    {
      set_library_error (error, path, "libpng cannot start the file");
      return FALSE;
    }
  info = png_create_info_struct (png);
  if (info == NULL)
    {
      png_destroy_write_struct (&png, NULL);
      set_library_error (error, path, "libpng cannot start the file");
      return FALSE;
    }
  if (setjmp (png_jmpbuf (png)))
    {
      png_destroy_write_struct (&png, &info);
      if (ferror (file) && diag->saved_errno != 0)
        _evox_output_set_write_error (error, diag->saved_errno, path);
      else
        set_library_error (error, path, diag->message != NULL ? diag->message : "libpng failed");
      g_free (diag->message);
      return FALSE;
    }

  png_init_io (png, file);
  png_set_IHDR (png, info, (png_uint_32) width, (png_uint_32) height, 8,
                PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                PNG_FILTER_TYPE_DEFAULT);
  /* The colour maps are sRGB tables; saying so keeps colour-managed viewers from guessing. */
  png_set_sRGB_gAMA_and_cHRM (png, info, PNG_sRGB_INTENT_PERCEPTUAL);
  text[0] = (png_text) {
    .compression = PNG_TEXT_COMPRESSION_NONE,
    .key = (png_charp) "Software",
    .text = (png_charp) "Evox " PACKAGE_VERSION,
  };
  if (provenance != NULL)
    {
      gboolean ascii = TRUE;

      for (const char *c = provenance; *c != '\0' && ascii; c++)
        ascii = (guchar) *c < 0x80;
      /* tEXt holds Latin-1; a record naming a file in another script goes in UTF-8 iTXt. */
      text[n_text++] = (png_text) {
        .compression = ascii ? PNG_TEXT_COMPRESSION_NONE : PNG_ITXT_COMPRESSION_NONE,
        .key = (png_charp) "Description",
        .text = (png_charp) provenance,
      };
    }
  png_set_text (png, info, text, n_text);
  png_write_info (png, info);
  png_write_image (png, rows);
  png_write_end (png, info);
  png_destroy_write_struct (&png, &info);
  g_free (diag->message);
  return TRUE;
}

/* Takes over fd: it is closed whatever happens. */
static gboolean
write_png_fd (int            fd,
              const char    *path,
              const guint8  *rgba,
              int            width,
              int            height,
              const char    *provenance,
              GError       **error)
{
  FILE *file = fdopen (fd, "wb");
  gboolean ok;

  if (file == NULL)
    {
      _evox_output_set_write_error (error, errno, path);
      close (fd);
      return FALSE;
    }
  ok = write_png (file, path, rgba, width, height, provenance, error);
  if (ok && fflush (file) != 0)
    {
      _evox_output_set_write_error (error, errno, path);
      ok = FALSE;
    }
  if (ok)
    ok = sync_fd (fileno (file), path, error);
  if (fclose (file) != 0 && ok)
    {
      _evox_output_set_write_error (error, errno, path);
      ok = FALSE;
    }
  return ok;
}

/* ------------------------------------------------------------------------------------------ */
/* TIFF                                                                                         */

static gboolean
write_tiff_strips (TIFF          *tif,
                   const guint8  *rgba,
                   int            width,
                   int            height,
                   const char    *provenance)
{
  const guint16 extra[1] = { EXTRASAMPLE_UNASSALPHA };
  gsize row_bytes = (gsize) width * 4;
  guint32 rows_per_strip = MAX (1, MIN ((gsize) height, TIFF_STRIP_BYTES / row_bytes));
  g_autofree guint8 *strip = NULL;

  if (!TIFFSetField (tif, TIFFTAG_IMAGEWIDTH, (guint32) width) ||
      !TIFFSetField (tif, TIFFTAG_IMAGELENGTH, (guint32) height) ||
      !TIFFSetField (tif, TIFFTAG_BITSPERSAMPLE, 8) ||
      !TIFFSetField (tif, TIFFTAG_SAMPLESPERPIXEL, 4) ||
      !TIFFSetField (tif, TIFFTAG_EXTRASAMPLES, 1, extra) ||
      !TIFFSetField (tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB) ||
      !TIFFSetField (tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) ||
      !TIFFSetField (tif, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT) ||
      !TIFFSetField (tif, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE) ||
      !TIFFSetField (tif, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL) ||
      !TIFFSetField (tif, TIFFTAG_ROWSPERSTRIP, rows_per_strip) ||
      !TIFFSetField (tif, TIFFTAG_SOFTWARE, "Evox " PACKAGE_VERSION) ||
      (provenance != NULL && !TIFFSetField (tif, TIFFTAG_IMAGEDESCRIPTION, provenance)))
    return FALSE;

  /* The predictor differences each row in place, so the caller's pixels go through a copy. */
  strip = g_malloc (row_bytes * rows_per_strip);
  for (guint32 y = 0, s = 0; y < (guint32) height; y += rows_per_strip, s++)
    {
      guint32 n = MIN (rows_per_strip, (guint32) height - y);

      memcpy (strip, rgba + y * row_bytes, n * row_bytes);
      if (TIFFWriteEncodedStrip (tif, s, strip, (tmsize_t) (n * row_bytes)) < 0)
        return FALSE;
    }
  return TIFFWriteDirectory (tif) != 0;
}

/* Takes over fd: it is closed whatever happens. */
static gboolean
write_tiff_fd (int            fd,
               const char    *path,
               const guint8  *rgba,
               int            width,
               int            height,
               const char    *provenance,
               GError       **error)
{
  TiffDiag diag = { NULL };
  TIFF *tif = _evox_tiff_open_fd (fd, path, "w", &diag);
  gboolean ok;
  if (tif == NULL)
    {
      set_library_error (error, path, diag.message != NULL ? diag.message
                                                           : "libtiff cannot start the file");
      g_free (diag.message);
      close (fd);
      return FALSE;
    }

  errno = 0;
  ok = write_tiff_strips (tif, rgba, width, height, provenance);
  /* libtiff says "Write error at scanline 0" whatever the cause; a full disk is worth naming. */
  if (!ok && (errno == ENOSPC || errno == EFBIG || errno == EDQUOT || errno == EIO))
    _evox_output_set_write_error (error, errno, path);
  else if (!ok)
    set_library_error (error, path, diag.message != NULL ? diag.message : "libtiff failed");
  else
    ok = sync_fd (TIFFFileno (tif), path, error);
  TIFFClose (tif);  /* also closes fd */
  g_free (diag.message);
  return ok;
}

/* ------------------------------------------------------------------------------------------ */

typedef struct
{
  EvoxImageFormat  format;
  const guint8    *rgba;
  int              width;
  int              height;
  const char      *provenance;
} ImageJob;

static gboolean
write_image_fd (int          fd,
                const char  *path,
                gpointer     user_data,
                GError     **error)
{
  const ImageJob *job = user_data;

  if (job->format == EVOX_IMAGE_FORMAT_PNG)
    return write_png_fd (fd, path, job->rgba, job->width, job->height, job->provenance, error);
  return write_tiff_fd (fd, path, job->rgba, job->width, job->height, job->provenance, error);
}

/**
 * evox_image_write:
 * @path: the file to write; its extension picks the format
 * @rgba: width * height * 4 bytes, straight alpha, rows top to bottom
 *
 * Returns: TRUE when @path holds the complete image
 */
gboolean
evox_image_write (const char           *path,
                  const guint8         *rgba,
                  int                   width,
                  int                   height,
                  EvoxImageWriteFlags   flags,
                  GError              **error)
{
  return evox_image_write_with_provenance (path, rgba, width, height, flags, NULL, error);
}

gboolean
evox_image_write_with_provenance (const char           *path,
                                  const guint8         *rgba,
                                  int                   width,
                                  int                   height,
                                  EvoxImageWriteFlags   flags,
                                  const char           *provenance,
                                  GError              **error)
{
  EvoxImageFormat format;
  ImageJob job;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (rgba != NULL, FALSE);
  g_return_val_if_fail (width > 0 && height > 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  format = evox_image_format_from_path (path);
  if (format == EVOX_IMAGE_FORMAT_UNKNOWN)
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "%s: unknown image type; the name must end in .png, .tif or .tiff", display);
      return FALSE;
    }
  job.format = format;
  job.rgba = rgba;
  job.width = width;
  job.height = height;
  job.provenance = provenance;
  return _evox_output_write (path, (flags & EVOX_IMAGE_WRITE_OVERWRITE) != 0, write_image_fd,
                             &job, error);
}
