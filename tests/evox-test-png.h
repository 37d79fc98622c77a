/* evox-test-png.h: a PNG read back as 8-bit RGBA through libpng's simplified API, for the suites
 * that check what `evox render` and `evox convert` draw. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  int     width;
  int     height;
  guint8 *rgba;  /* straight alpha, rows top to bottom; g_free () it */
} EvoxTestImage;

/* The PNG at path (asserting that it reads). */
EvoxTestImage evox_test_read_png (const char *path);

G_END_DECLS
