/* evox-test-tiff.h: reading a TIFF's tags with libtiff alone, as an oracle for Evox's writers
 * (header-only, like evox-test-hdf5.h, so only the suites that link libtiff see it). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>
#include <tiffio.h>

/* The first page's ImageDescription, or NULL when it has none. */
static inline char *
evox_test_tiff_description (const char *path)
{
  TIFF *tif = TIFFOpen (path, "r");
  const char *description = NULL;
  char *found = NULL;

  g_assert_nonnull (tif);
  if (TIFFGetField (tif, TIFFTAG_IMAGEDESCRIPTION, &description) && description != NULL)
    found = g_strdup (description);
  TIFFClose (tif);
  return found;
}
