/* evox-brick-overlays.h: what a bricked volume's slices draw besides its values (the particle
 * labels, the cluster ids, the RGB composite's channels), in tiles of the volume's layout
 * (private to src/render and its tests). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "evox-bricks.h"
#include "evox-clusters.h"
#include "evox-labels.h"

G_BEGIN_DECLS

/* Texture units of the overlays' tiles in the slice program's BRICKED builds; the RGB
 * channels take the units of the unbricked composite (RGB_TEXTURE_UNIT). */
#define EVOX_BRICK_OVERLAYS_LABEL_UNIT   5
#define EVOX_BRICK_OVERLAYS_CLUSTER_UNIT 6

/* What the overlays can draw for the plane last prepared. */
typedef enum
{
  EVOX_BRICK_OVERLAY_LABELS = 1 << 0,
  EVOX_BRICK_OVERLAY_CLUSTERS = 1 << 1,
  EVOX_BRICK_OVERLAY_RGB = 1 << 2,
} EvoxBrickOverlayFlags;

typedef struct _EvoxBrickOverlays EvoxBrickOverlays;

/* For the volume drawn from `bricks` (made with these brick size, texture size and budget):
 * each overlay gets bricks of its own with the same tile layout, made when first drawn. The
 * particle labels and cluster ids are first copied to a volume of their narrowest type, in a
 * thread: a frame that does not wait draws without them until the copy is in. */
EvoxBrickOverlays *_evox_brick_overlays_new        (EvoxVolume            *volume,
                                                    guint                  brick_size,
                                                    guint                  max_texture,
                                                    gsize                  budget);
/* _evox_brick_overlays_unrealize first, with the context current. */
void               _evox_brick_overlays_free       (EvoxBrickOverlays     *overlays);
void               _evox_brick_overlays_unrealize  (EvoxBrickOverlays     *overlays);
/* Called on the main context when a copy made in a thread is in: the caller draws again. */
void               _evox_brick_overlays_set_ready_func (EvoxBrickOverlays *overlays,
                                                        GFunc              ready,
                                                        gpointer           data);

/* The tiles of plane `index` (level 0) of `axis` at `level` (the volume's tiles' level) for
 * what is asked: labels (NULL: none; their dims the volume's), cluster ids (likewise) and the
 * RGB composite's channels of the volume (NULL or all -1: none). An overlay whose source
 * changed is made anew (a copy of the old source still running is cancelled); one not asked
 * for stays for later frames, and so does its copy. The labels' and ids' copy is started in a
 * thread and left out until it is in, unless wait (exports, the command line): then it is
 * made or waited for now. Returns the overlays whose tiles are up. */
EvoxBrickOverlayFlags _evox_brick_overlays_prepare (EvoxBrickOverlays     *overlays,
                                                    EvoxLabels            *labels,
                                                    EvoxClusters          *clusters,
                                                    const int             *rgb_channels,
                                                    guint                  level,
                                                    guint                  axis,
                                                    gsize                  index,
                                                    guint64                frame,
                                                    gboolean               wait);
/* Binds the prepared tiles of each overlay in `flags` that match the volume's `tile` on their
 * units (nothing where a tile did not go up). */
void               _evox_brick_overlays_bind       (EvoxBrickOverlays     *overlays,
                                                    EvoxBrickOverlayFlags  flags,
                                                    const EvoxBrickTile   *tile);
/* The Volume view's rays with clusters as their source: an atlas (R16) of the ids' bricks
 * slot for slot as the volume's `bricks` planned them last (_evox_bricks_prepare_rays), read
 * through the same page table; 0 when there is none (or while the ids' copy is being made,
 * unless wait). */
GLuint             _evox_brick_overlays_prepare_rays (EvoxBrickOverlays *overlays,
                                                      EvoxClusters      *clusters,
                                                      EvoxBricks        *bricks,
                                                      gboolean           wait);
/* What a normalized label of the labels' tiles is multiplied by to give the label (255, 65535
 * or 1 for R8, R16 and R32F); the cluster ids' tiles are R16 (65535). */
float              _evox_brick_overlays_get_label_scale (EvoxBrickOverlays *overlays);
/* Bytes of the overlays' tiles on the GPU. */
gsize              _evox_brick_overlays_get_gpu_bytes   (EvoxBrickOverlays *overlays);

/* For tests: whether a copy runs for these overlays; copies of any overlays whose delivery to
 * the main context is still to come (so a test can wait for the ones it left behind); and a
 * hold on every copy's thread before it starts (TRUE) until released (FALSE), so a test sees a
 * frame before the copy is in without a timer. */
gboolean           _evox_brick_overlays_is_copying      (EvoxBrickOverlays *overlays);
guint              _evox_brick_overlays_get_n_copies_running (void);
void               _evox_brick_overlays_hold_copies     (gboolean           hold);

G_END_DECLS
