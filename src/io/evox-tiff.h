/* evox-tiff.h: TIFF stacks (multi-page files and folders of pages) in and out through libtiff. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-volume.h"

G_BEGIN_DECLS

typedef enum
{
  EVOX_TIFF_WRITE_NONE      = 0,
  EVOX_TIFF_WRITE_F32       = 1 << 0,  /* write f32 whatever the sample type */
  EVOX_TIFF_WRITE_OVERWRITE = 1 << 1,  /* replace an existing file */
  EVOX_TIFF_WRITE_DEFLATE   = 1 << 2,  /* Deflate compression instead of none */
  EVOX_TIFF_WRITE_BIGTIFF   = 1 << 3,  /* BigTIFF even when classic TIFF would do */
} EvoxTiffWriteFlags;

gboolean    evox_tiff_is_tiff    (const char          *path);
EvoxVolume *evox_tiff_read       (const char          *path,
                                  EvoxProgress        *progress,
                                  GCancellable        *cancellable,
                                  GError             **error);
gboolean    evox_tiff_write      (EvoxVolume          *volume,
                                  int                  channel,
                                  const char          *path,
                                  EvoxTiffWriteFlags   flags,
                                  GError             **error);

G_END_DECLS
