/* evox-tiff.h: TIFF stacks (multi-page files and folders of pages) in and out through libtiff. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-labels.h"
#include "evox-phase.h"
#include "evox-preview.h"
#include "evox-volume.h"
#include "evox-voxel-source.h"

G_BEGIN_DECLS

typedef enum
{
  EVOX_TIFF_WRITE_NONE      = 0,
  EVOX_TIFF_WRITE_F32       = 1 << 0,  /* write f32 whatever the sample type */
  EVOX_TIFF_WRITE_OVERWRITE = 1 << 1,  /* replace an existing file */
  EVOX_TIFF_WRITE_DEFLATE   = 1 << 2,  /* Deflate compression instead of none */
  EVOX_TIFF_WRITE_BIGTIFF   = 1 << 3,  /* BigTIFF even when classic TIFF would do */
  /* A volume held reduced (evox-voxel-source.h) is written at its file's full resolution, read
   * from the file a page at a time; other volumes as they are. */
  EVOX_TIFF_WRITE_FULL_RESOLUTION = 1 << 4,
} EvoxTiffWriteFlags;

gboolean    evox_tiff_is_tiff    (const char          *path);
EvoxVolume *evox_tiff_read       (const char          *path,
                                  EvoxProgress        *progress,
                                  GCancellable        *cancellable,
                                  GError             **error);
EvoxVolume *evox_tiff_read_with_preview (const char                *path,
                                         const EvoxPreviewOptions  *preview,
                                         EvoxProgress              *progress,
                                         GCancellable              *cancellable,
                                         GError                   **error);
/* Reading on demand, for stacks larger than memory (evox-voxel-source.h). */
EvoxVoxelSource *evox_tiff_open_source  (const char     *path,
                                         GCancellable   *cancellable,
                                         GError        **error);
EvoxVolume      *evox_tiff_read_reduced (const char     *path,
                                         const EvoxPreviewOptions *preview,
                                         EvoxProgress   *progress,
                                         GCancellable   *cancellable,
                                         GError        **error);
gboolean    evox_tiff_write      (EvoxVolume          *volume,
                                  int                  channel,
                                  const char          *path,
                                  EvoxTiffWriteFlags   flags,
                                  GError             **error);
/* The same with provenance (may be NULL) in the description, as for the phase mask below. */
gboolean    evox_tiff_write_with_provenance (EvoxVolume          *volume,
                                             int                  channel,
                                             const char          *path,
                                             EvoxTiffWriteFlags   flags,
                                             const char          *provenance,
                                             GError             **error);

/* Phase mask (u8: 1-based index of the first phase in list order holding the voxel, 0 for
 * none) and label volume (u16 or u32, ids unique across several EvoxLabels), both with the
 * volume's voxel size in an ImageJ description. flags: OVERWRITE, DEFLATE, BIGTIFF. */
gboolean    evox_tiff_write_mask   (const char          *path,
                                    EvoxVolume          *volume,
                                    guint                channel,
                                    EvoxPhaseList       *phases,
                                    EvoxTiffWriteFlags   flags,
                                    GError             **error);
/* bits: 16 or 32, or 0 for 16 when every id fits and 32 otherwise. */
gboolean    evox_tiff_write_labels (const char          *path,
                                    EvoxLabels * const  *labels,
                                    guint                n_labels,
                                    guint                bits,
                                    EvoxTiffWriteFlags   flags,
                                    GError             **error);
/* The same with provenance (may be NULL), the record of evox-methods.h, as the key
 * evox_provenance= (percent-escaped, as Evox's other free-text keys) on its own line of the
 * ImageJ description. */
gboolean    evox_tiff_write_mask_with_provenance   (const char          *path,
                                                    EvoxVolume          *volume,
                                                    guint                channel,
                                                    EvoxPhaseList       *phases,
                                                    EvoxTiffWriteFlags   flags,
                                                    const char          *provenance,
                                                    GError             **error);
gboolean    evox_tiff_write_labels_with_provenance (const char          *path,
                                                    EvoxLabels * const  *labels,
                                                    guint                n_labels,
                                                    guint                bits,
                                                    EvoxTiffWriteFlags   flags,
                                                    const char          *provenance,
                                                    GError             **error);
/* The bits evox_tiff_write_labels would use (16 or 32), or 0 and EVOX_ERROR_ARGUMENT when the
 * particles are more than fit: to check before writing anything. */
guint       evox_tiff_label_bits   (EvoxLabels * const  *labels,
                                    guint                n_labels,
                                    guint                bits,
                                    GError             **error);

G_END_DECLS
