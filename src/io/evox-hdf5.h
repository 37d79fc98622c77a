/* evox-hdf5.h: Data Exchange HDF5 files (/exchange/data and friends): reading any integer or
 * float type in 2D, 3D or 4D (energy first), with flat and dark correction, and writing the same
 * layout so TXM-Sandbox, xanespy and h5py open what Evox registered. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-volume.h"
#include "evox-preview.h"
#include "evox-voxel-source.h"

G_BEGIN_DECLS

/* What a Data Exchange file holds, for `evox info` and the reader. */
typedef struct
{
  int      rank;              /* of /exchange/data: 2, 3 or 4 */
  gsize    shape[4];          /* as stored, slowest first */
  char    *type_name;         /* "uint16", "float32"... */
  gboolean has_white;
  gboolean has_dark;
  guint    n_energies;        /* entries of /exchange/energy (0 when absent) */
  double  *energies_ev;
  guint    n_angles;          /* entries of /exchange/theta */
  double  *angles_deg;
  double   pixel_size_nm;     /* /exchange/pixel_size converted by its units; NaN when absent */
} EvoxHdf5Info;

void          evox_hdf5_info_free      (EvoxHdf5Info        *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxHdf5Info, evox_hdf5_info_free)

gboolean      evox_hdf5_has_signature  (const guint8        *head,
                                        gsize                n);
EvoxHdf5Info *evox_hdf5_read_info      (const char          *path,
                                        GError             **error);

/* 4D (energy, z, y, x) and 3D with one energy per plane: a channel per energy; 3D otherwise: a
 * volume; 2D: one layer. With data_white (and data_dark) the values become optical density
 * -ln((data - dark) / (white - dark)) as f32, whites and darks averaged over their frames;
 * without, integer u8/u16 stay as they are and every other type becomes f32. bin > 1 averages
 * bin^2 pixels (2D) or bin^3 voxels (3D). A file without a dataset Evox can use is refused by
 * name (EVOX_ERROR_UNSUPPORTED). */
EvoxVolume   *evox_hdf5_load           (const char          *path,
                                        guint                bin,
                                        EvoxProgress        *progress,
                                        GCancellable        *cancellable,
                                        GError             **error);

EvoxVolume   *evox_hdf5_load_with_preview (const char               *path,
                                           guint                     bin,
                                           const EvoxPreviewOptions *preview,
                                           EvoxProgress             *progress,
                                           GCancellable             *cancellable,
                                           GError                  **error);

/* Reading on demand, for datasets larger than memory (evox-voxel-source.h). */
EvoxVoxelSource *evox_hdf5_open_source  (const char     *path,
                                         GError        **error);
EvoxVolume      *evox_hdf5_read_reduced (const char     *path,
                                         const EvoxPreviewOptions *preview,
                                         EvoxProgress   *progress,
                                         GCancellable   *cancellable,
                                         GError        **error);

/* Writes /exchange/data (f32 or the volume's type; (E, z, y, x), (E, y, x) for a 2D stack, or
 * (z, y, x) for one channel), /exchange/energy (eV) when the channels have energies,
 * /exchange/pixel_size, and the volume's metadata as attributes; through a temporary file and a
 * rename. An existing file is refused (EVOX_ERROR_EXISTS) unless force. */
gboolean      evox_hdf5_write          (EvoxVolume          *volume,
                                        const char          *path,
                                        gboolean             force,
                                        EvoxProgress        *progress,
                                        GCancellable        *cancellable,
                                        GError             **error);
/* The same with provenance (may be NULL), the record of evox-methods.h, as the root's text
 * attribute evox_provenance. */
gboolean      evox_hdf5_write_with_provenance (EvoxVolume     *volume,
                                               const char     *path,
                                               gboolean        force,
                                               const char     *provenance,
                                               EvoxProgress   *progress,
                                               GCancellable   *cancellable,
                                               GError        **error);
/* The same, but a volume held reduced (evox-voxel-source.h) is written at its file's full
 * resolution and voxel size, read from the file a plane at a time. */
gboolean      evox_hdf5_write_full_resolution (EvoxVolume     *volume,
                                               const char     *path,
                                               gboolean        force,
                                               const char     *provenance,
                                               EvoxProgress   *progress,
                                               GCancellable   *cancellable,
                                               GError        **error);

G_END_DECLS
