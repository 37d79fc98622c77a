/* evox-loader.h: open any supported file or folder as a volume, detecting the format; feature
 * files, which need to be named as such. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-ssrm-reader.h"
#include "evox-preview.h"

G_BEGIN_DECLS

typedef enum
{
  EVOX_FORMAT_UNKNOWN,
  EVOX_FORMAT_TIFF,
  EVOX_FORMAT_TIFF_FOLDER,
  EVOX_FORMAT_SSRM_TABLE,
  EVOX_FORMAT_XRADIA,          /* one .xrm or .txrm (evox-xrm.h) */
  EVOX_FORMAT_HDF5,            /* Data Exchange (evox-hdf5.h) */
  EVOX_FORMAT_SPECTRAL,        /* a scan script, a folder of .xrm files or of per-energy TIFFs,
                                * a TIFF with an energies file (evox-spectral-reader.h) */
} EvoxFormat;

/* How to read: the SSRM table options (NULL: the defaults), binning for image stacks (Xradia,
 * HDF5, spectral sets; 0 or 1: none), and coarse previews while a big TIFF stack or HDF5 volume
 * is read (NULL: none; evox-preview.h). The preview function runs on the loading thread. */
typedef struct
{
  const EvoxSsrmOptions    *ssrm;
  guint                     bin;
  const EvoxPreviewOptions *preview;
} EvoxLoadOptions;

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

/* The same with every reading option; evox_volume_load is this with {ssrm_options, 1}. */
EvoxVolume  *evox_volume_load_with     (const char              *path,
                                        const EvoxLoadOptions   *options,
                                        EvoxProgress            *progress,
                                        GCancellable            *cancellable,
                                        GError                 **error);
void         evox_volume_load_with_async (const char            *path,
                                        const EvoxLoadOptions   *options,
                                        EvoxProgress            *progress,
                                        GCancellable            *cancellable,
                                        GAsyncReadyCallback      callback,
                                        gpointer                 user_data);

/* How a volume that evox_volume_load* read was read (options->ssrm is the volume's, NULL for
 * files other than SSRM tables; bin >= 1), for sessions; FALSE for volumes made otherwise. */
gboolean     evox_volume_get_load_options (EvoxVolume           *volume,
                                        EvoxLoadOptions         *options);

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
