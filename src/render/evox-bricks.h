/* evox-bricks.h: a volume's multiresolution pyramid and the GPU tiles its slices are drawn from,
 * for volumes beyond the GPU's 3D texture size or memory (private to src/render and its tests). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <epoxy/gl.h>

#include "evox-volume.h"

G_BEGIN_DECLS

/* Voxels a side of a brick when nothing forces another size (a power of two). */
#define EVOX_BRICKS_DEFAULT_SIZE 256
/* GPU memory the tiles and the ray caster's level may take when EVOX_GPU_BUDGET_MB is unset. */
#define EVOX_BRICKS_DEFAULT_BUDGET_MB 1024

/* One tile of a slice on the GPU: the cross-section of a square of bricks at one level of the
 * pyramid, with one voxel of border around it. Coordinates are the level's voxels; along the
 * slice's axis the texture is one voxel deep. */
typedef struct
{
  guint  level;
  guint  axis;
  gsize  index;          /* the slice at this level */
  gsize  tile[2];        /* which tile along the plane's two axes ((axis+1)%3, (axis+2)%3) */
  gsize  first[3];       /* the level voxel at texel 0 (border included) */
  gsize  size[3];        /* the texture's size */
  gsize  owned_lo[3];    /* the voxels the tile draws: owned_lo <= v < owned_hi */
  gsize  owned_hi[3];
  GLuint texture;
  gsize  bytes;
  guint64 used;          /* the frame that last drew it */
} EvoxBrickTile;

typedef struct _EvoxBricks EvoxBricks;

/* brick_size: a power of two; max_texture: the largest texture side to use (the GPU's, or a
 * smaller forced one); budget: bytes of GPU memory for the tiles and the ray caster's level. */
EvoxBricks     *_evox_bricks_new              (EvoxVolume   *volume,
                                               guint         channel,
                                               guint         brick_size,
                                               guint         max_texture,
                                               gsize         budget);
/* The CPU side; _evox_bricks_unrealize first, with the context current. */
void            _evox_bricks_free             (EvoxBricks   *bricks);
/* Deletes every texture (the pyramid stays). */
void            _evox_bricks_unrealize        (EvoxBricks   *bricks);

guint           _evox_bricks_get_brick_size   (EvoxBricks   *bricks);
/* Voxels a tile of a slice owns along each of its axes: as many bricks as fit the texture size
 * with the border. */
gsize           _evox_bricks_get_tile_size    (EvoxBricks   *bricks);
guint           _evox_bricks_get_n_levels     (EvoxBricks   *bricks);
/* Level 0 is the volume's channel; level l + 1 holds the 2 x 2 x 2 means of level l (computed
 * on first use, in threads). The volume stays the bricks' (borrowed). */
EvoxVolume     *_evox_bricks_get_level        (EvoxBricks   *bricks,
                                               guint         level);

/* GL-free: the 2 x 2 x 2 means of a channel as a new one-channel volume of ceil (dims / 2) voxels
 * and the same sample type: a mean over the voxels of the block inside the volume, rounded half
 * up for integers; for floats over the finite ones (NaN when there is none). */
EvoxVolume     *_evox_bricks_downsample       (EvoxVolume   *volume,
                                               guint         channel);

/* The tiles of slice `index` (a level-0 index) of `axis` at the finest level whose tiles of the
 * three slices fit the budget, each on the GPU (uploaded now when missing, evicting the least
 * recently drawn tiles of earlier frames while over the budget). `frame` counts the caller's
 * frames. Returns the tiles (owned by the bricks, valid until the next call) and their number;
 * NULL with n 0 when even the coarsest level does not go up. */
EvoxBrickTile **_evox_bricks_prepare_slice    (EvoxBricks   *bricks,
                                               guint         axis,
                                               gsize         index,
                                               guint64       frame,
                                               guint        *n);
/* Called on the main context when levels computed in a thread are in: the caller draws again. */
void            _evox_bricks_set_ready_func   (EvoxBricks   *bricks,
                                               GFunc         ready,
                                               gpointer      data);
/* The finest level that fits in one texture and half the budget, for the ray caster: its texture
 * (uploaded on first use, 0 when none goes up), its volume (borrowed) and the channel of it the
 * texture holds. With wait FALSE, a level not computed yet is computed in a thread (the ready
 * function says when) and 0 comes back meanwhile, so a frame never waits for the pyramid; with
 * wait TRUE (exports, the command line, tests) it is computed now. */
GLuint          _evox_bricks_get_ray_texture  (EvoxBricks   *bricks,
                                               gboolean      wait,
                                               EvoxVolume  **level_volume,
                                               guint        *channel);
/* The level the ray texture holds, -1 while there is none. */
int             _evox_bricks_get_ray_level    (EvoxBricks   *bricks);
/* For tests: bytes of textures on the GPU now, and tiles uploaded so far. */
GLenum          _evox_bricks_upload_texture   (GLuint        *texture,
                                               EvoxSampleType type,
                                               const gsize    size[3],
                                               gconstpointer  pixels);
gsize           _evox_bricks_get_gpu_bytes    (EvoxBricks   *bricks);
guint           _evox_bricks_get_n_uploads    (EvoxBricks   *bricks);

G_END_DECLS
