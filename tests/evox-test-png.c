/* evox-test-png.c: a PNG read back as 8-bit RGBA through libpng's simplified API. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <png.h>

#include "evox-test-png.h"

EvoxTestImage
evox_test_read_png (const char *path)
{
  png_image png = { .version = PNG_IMAGE_VERSION };
  EvoxTestImage image = { 0 };

  g_assert_true (png_image_begin_read_from_file (&png, path));
  png.format = PNG_FORMAT_RGBA;
  image.width = png.width;
  image.height = png.height;
  image.rgba = g_malloc (PNG_IMAGE_SIZE (png));
  g_assert_true (png_image_finish_read (&png, NULL, image.rgba, 0, NULL));
  return image;
}
