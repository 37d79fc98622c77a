/* evox-voxel-source.h: a volume's full-resolution voxels read box by box from its file on demand,
 * for volumes larger than memory that are kept reduced. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>

#include "evox-progress.h"
#include "evox-types.h"
#include "evox-volume.h"

G_BEGIN_DECLS

/* Reads the box of size[0] x size[1] x size[2] voxels from origin (x, y, z) into dest, x fastest
 * then y then z, in the source's sample type. The box lies inside the dims (checked before the
 * call); calls are serialized by the source, so a reader need not be thread-safe. FALSE with
 * error set (naming the file) when the file cannot give it. */
typedef gboolean (*EvoxReadBoxFunc) (gpointer      user_data,
                                     const gsize   origin[3],
                                     const gsize   size[3],
                                     gpointer      dest,
                                     GError      **error);

#define EVOX_TYPE_VOXEL_SOURCE (evox_voxel_source_get_type ())
G_DECLARE_FINAL_TYPE (EvoxVoxelSource, evox_voxel_source, EVOX, VOXEL_SOURCE, GObject)

EvoxVoxelSource *evox_voxel_source_new           (const gsize       dims[3],
                                                  EvoxSampleType    type,
                                                  const char       *path,
                                                  EvoxReadBoxFunc   read_box,
                                                  gpointer          user_data,
                                                  GDestroyNotify    destroy);
void             evox_voxel_source_get_dims      (EvoxVoxelSource  *self,
                                                  gsize             dims[3]);
EvoxSampleType   evox_voxel_source_get_sample_type (EvoxVoxelSource *self);
const char      *evox_voxel_source_get_path      (EvoxVoxelSource  *self);
gboolean         evox_voxel_source_read_box      (EvoxVoxelSource  *self,
                                                  const gsize       origin[3],
                                                  const gsize       size[3],
                                                  gpointer          dest,
                                                  GError          **error);

guint            evox_voxel_source_fitting_scale (EvoxVoxelSource  *self,
                                                  guint64           budget);
EvoxVolume      *evox_voxel_source_reduce        (EvoxVoxelSource  *self,
                                                  guint             scale,
                                                  EvoxProgress     *progress,
                                                  GCancellable     *cancellable,
                                                  GError          **error);
EvoxVolume      *evox_voxel_source_reduce_full   (EvoxVoxelSource  *self,
                                                  guint             scale,
                                                  gboolean          modes,
                                                  EvoxProgress     *progress,
                                                  GCancellable     *cancellable,
                                                  GError          **error);
gboolean         evox_voxel_source_read_reduced  (EvoxVoxelSource  *self,
                                                  guint             scale,
                                                  gboolean          modes,
                                                  const gsize       origin[3],
                                                  const gsize       size[3],
                                                  gpointer          dest,
                                                  GError          **error);
EvoxVolume      *evox_voxel_source_open_reduced  (EvoxVoxelSource  *self,
                                                  EvoxProgress     *progress,
                                                  GCancellable     *cancellable,
                                                  GError          **error);
/* open_reduced in two steps, for readers that show previews while the reduced volume fills. */
EvoxVolume      *evox_voxel_source_new_reduced   (EvoxVoxelSource  *self,
                                                  GError          **error);
gboolean         evox_voxel_source_fill_reduced  (EvoxVoxelSource  *self,
                                                  EvoxVolume       *reduced,
                                                  const guint      *order,
                                                  gsize             from,
                                                  gsize             to,
                                                  EvoxProgress     *progress,
                                                  GCancellable     *cancellable,
                                                  GError          **error);
void             evox_voxel_source_set_cheap_rows (EvoxVoxelSource *self,
                                                  gboolean          cheap);
gboolean         evox_voxel_source_get_cheap_rows (EvoxVoxelSource *self);
/* The reader's own data, for the reader that made the source. */
gpointer         evox_voxel_source_get_user_data (EvoxVoxelSource  *self);

/* A reduced volume keeps its source and scale; views and analyses ask for them here. */
void             evox_voxel_source_attach        (EvoxVoxelSource  *self,
                                                  EvoxVolume       *reduced,
                                                  guint             scale);
EvoxVoxelSource *evox_voxel_source_get_attached  (EvoxVolume       *volume,
                                                  guint            *scale);
guint            evox_volume_get_reduction       (EvoxVolume       *volume);
const char      *evox_volume_get_reduction_kind  (EvoxVolume       *volume);

G_END_DECLS
