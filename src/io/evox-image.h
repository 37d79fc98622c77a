/* evox-image.h: RGBA figures out to PNG (libpng) or TIFF (libtiff), never half-written. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  EVOX_IMAGE_WRITE_NONE      = 0,
  EVOX_IMAGE_WRITE_OVERWRITE = 1 << 0,  /* replace an existing file */
} EvoxImageWriteFlags;

typedef enum
{
  EVOX_IMAGE_FORMAT_UNKNOWN,
  EVOX_IMAGE_FORMAT_PNG,   /* .png */
  EVOX_IMAGE_FORMAT_TIFF,  /* .tif, .tiff */
} EvoxImageFormat;

/* The format a file name asks for, from its extension (any case). */
EvoxImageFormat evox_image_format_from_path (const char           *path);

/* Writes width x height straight (not premultiplied) RGBA pixels, 8 bits a channel, rows top to
 * bottom, in the format the extension names: PNG with alpha, tagged sRGB; or TIFF RGBA with an
 * unassociated alpha sample, Deflate-compressed. The file appears under path only when complete.
 * Errors: EVOX_ERROR_ARGUMENT for an extension that names no supported format,
 * EVOX_ERROR_EXISTS when path exists and OVERWRITE is not given, G_IO_ERROR or
 * EVOX_ERROR_FAILED when writing fails. */
gboolean        evox_image_write            (const char           *path,
                                             const guint8         *rgba,
                                             int                   width,
                                             int                   height,
                                             EvoxImageWriteFlags   flags,
                                             GError              **error);
/* The same, carrying provenance (may be NULL: none), the record of evox-methods.h, as the PNG's
 * "Description" text chunk (tEXt, or iTXt when it is not ASCII) or the TIFF's ImageDescription. */
gboolean        evox_image_write_with_provenance (const char           *path,
                                                  const guint8         *rgba,
                                                  int                   width,
                                                  int                   height,
                                                  EvoxImageWriteFlags   flags,
                                                  const char           *provenance,
                                                  GError              **error);

G_END_DECLS
