/* evox-loader.h: open any supported file or folder as a volume, detecting the format; feature
 * files, which need to be named as such. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-ssrm-reader.h"

G_BEGIN_DECLS

typedef enum
{
  EVOX_FORMAT_UNKNOWN,
  EVOX_FORMAT_TIFF,
  EVOX_FORMAT_TIFF_FOLDER,
  EVOX_FORMAT_SSRM_TABLE,
} EvoxFormat;

EvoxFormat   evox_detect_format        (const char              *path,
                                        GError                 **error);
EvoxVolume  *evox_volume_load          (const char              *path,
                                        const EvoxSsrmOptions   *ssrm_options,
                                        EvoxProgress            *progress,
                                        GCancellable            *cancellable,
                                        GError                 **error);
void         evox_volume_load_async    (const char              *path,
                                        const EvoxSsrmOptions   *ssrm_options,
                                        EvoxProgress            *progress,
                                        GCancellable            *cancellable,
                                        GAsyncReadyCallback      callback,
                                        gpointer                 user_data);
EvoxVolume  *evox_volume_load_finish   (GAsyncResult            *result,
                                        GError                 **error);

/* Feature vectors placed on a grid (evox-feature-file.h): a .npy matrix with its coordinates, or
 * with coords_path NULL a feature CSV; then statistics and fine histograms of every channel, as
 * evox_volume_load builds them. Reading the files cannot be interrupted; cancelling stops the
 * histograms. */
EvoxVolume  *evox_feature_volume_load  (const char              *features_path,
                                        const char              *coords_path,
                                        EvoxProgress            *progress,
                                        GCancellable            *cancellable,
                                        GError                 **error);
void         evox_feature_volume_load_async (const char         *features_path,
                                        const char              *coords_path,
                                        EvoxProgress            *progress,
                                        GCancellable            *cancellable,
                                        GAsyncReadyCallback      callback,
                                        gpointer                 user_data);
EvoxVolume  *evox_feature_volume_load_finish (GAsyncResult      *result,
                                        GError                 **error);

G_END_DECLS
