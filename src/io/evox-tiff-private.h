/* evox-tiff-private.h: libtiff handles whose diagnostics come back as text, for io's writers. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>
#include <tiffio.h>

G_BEGIN_DECLS

/* The first error libtiff reported on a handle; nothing reaches stderr. */
typedef struct
{
  char *message;
} TiffDiag;

/* Opens fd with diag collecting errors and allocations capped as for volumes; NULL on failure,
 * and then fd stays the caller's. */
TIFF *_evox_tiff_open_fd (int         fd,
                          const char *name,
                          const char *mode,
                          TiffDiag   *diag);

G_END_DECLS
