/* evox-preview.h: coarse previews of a volume published while a reader fills it, slices in a
 * coarse-to-fine order. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-volume.h"
#include "evox-voxel-source.h"

G_BEGIN_DECLS

/* Called on the reading thread with a new frozen preview (its statistics and fine histograms
 * built); take a reference to keep it. Each call is finer than the one before. */
typedef void (*EvoxPreviewFunc) (EvoxVolume *preview,
                                 gpointer    user_data);

/* stride: the coarsest preview's step in voxels on every axis (a power of two; 0: automatic,
 * which gives no preview below EVOX_PREVIEW_MIN_BYTES; 1: none). */
typedef struct
{
  guint            stride;
  EvoxPreviewFunc  func;
  gpointer         user_data;
} EvoxPreviewOptions;

/* Volumes smaller than this load fast enough to show whole. */
#define EVOX_PREVIEW_MIN_BYTES ((guint64) 256 << 20)
/* The automatic coarsest preview's longest side, at most. */
#define EVOX_PREVIEW_SIDE 128

/* The order to read the nz slices of a volume in and where previews fall in it. */
typedef struct
{
  guint  *order;       /* every slice once: k * s_0 first, then the multiples of s_1 left... */
  guint   n_levels;    /* previews: after order[0 .. level_end[i]) slices, one of stride[i] */
  guint   stride[8];
  guint   level_end[8];
} EvoxPreviewPlan;

void        evox_preview_plan_init    (EvoxPreviewPlan          *plan,
                                       const EvoxPreviewOptions *options,
                                       const gsize               dims[3],
                                       gsize                     item_size);
void        evox_preview_plan_init_reduced (EvoxPreviewPlan     *plan,
                                       const EvoxPreviewOptions *options,
                                       const gsize               dims[3],
                                       gsize                     item_size,
                                       guint                     scale);
void        evox_preview_plan_clear   (EvoxPreviewPlan          *plan);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EvoxPreviewPlan, evox_preview_plan_clear)

EvoxVolume *evox_preview_new          (EvoxVolume               *full,
                                       guint                     stride,
                                       GError                  **error);

/* Reads row y of slice z (nx samples of the volume's type) into row; FALSE with error set when
 * it cannot. */
typedef gboolean (*EvoxPreviewReadRow) (gpointer   user_data,
                                        gsize      z,
                                        gsize      y,
                                        gpointer   row,
                                        GError   **error);

/* The preview at stride from every stride-th row of every stride-th slice read by read_row
 * alone, before the slices themselves: from a cold disk, 1/stride^2 of the file's bytes. */
EvoxVolume *evox_preview_new_sparse   (EvoxVolume               *full,
                                       guint                     stride,
                                       EvoxPreviewReadRow        read_row,
                                       gpointer                  user_data,
                                       GError                  **error);
void        evox_preview_publish      (const EvoxPreviewOptions *options,
                                       EvoxVolume               *full,
                                       guint                     stride);

gboolean    evox_preview_fill_reduced (EvoxVoxelSource          *source,
                                       EvoxVolume               *reduced,
                                       const EvoxPreviewOptions *options,
                                       EvoxProgress             *progress,
                                       GCancellable             *cancellable,
                                       GError                  **error);

G_END_DECLS
