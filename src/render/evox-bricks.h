/* evox-bricks.h: a volume's multiresolution pyramid and the GPU tiles its slices are drawn from,
 * for volumes beyond the GPU's 3D texture size or memory (private to src/render and its tests). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <epoxy/gl.h>

#include "evox-volume.h"

G_BEGIN_DECLS

/* Voxels a side of a brick when nothing forces another size (a power of two). */
#define EVOX_BRICKS_DEFAULT_SIZE 256
/* GPU memory the tiles and the ray caster's bricks may take when EVOX_GPU_BUDGET_MB is unset. */
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
/* The same for channel 0 of labels or classes, taking modes for its levels without asking the
 * values (evox_profile_default_sampling would build the channel's fine histogram, a pass over
 * every voxel). */
EvoxBricks     *_evox_bricks_new_categorical  (EvoxVolume   *volume,
                                               guint         brick_size,
                                               guint         max_texture,
                                               gsize         budget);
/* The CPU side; _evox_bricks_unrealize first, with the context current. */
void            _evox_bricks_free             (EvoxBricks   *bricks);
/* Deletes every texture (the pyramid stays). */
void            _evox_bricks_unrealize        (EvoxBricks   *bricks);

/* Modes rather than means for the levels, whatever the values look like (particle labels and
 * cluster ids have more values than _evox_bricks_is_categorical allows); before any level is
 * made. */
void            _evox_bricks_set_categorical  (EvoxBricks   *bricks,
                                               gboolean      categorical);
guint           _evox_bricks_get_brick_size   (EvoxBricks   *bricks);
gsize           _evox_bricks_get_budget       (EvoxBricks   *bricks);
/* Voxels a tile of a slice owns along each of its axes: as many bricks as fit the texture size
 * with the border. */
gsize           _evox_bricks_get_tile_size    (EvoxBricks   *bricks);
guint           _evox_bricks_get_n_levels     (EvoxBricks   *bricks);
/* Level 0 is the volume's channel; level l + 1 holds the 2 x 2 x 2 means of level l (modes for
 * labels and classes; computed on first use, in threads). The volume stays the bricks' (borrowed). */
EvoxVolume     *_evox_bricks_get_level        (EvoxBricks   *bricks,
                                               guint         level);

/* GL-free: the 2 x 2 x 2 means of a channel as a new one-channel volume of ceil (dims / 2) voxels
 * and the same sample type: a mean over the voxels of the block inside the volume, rounded half
 * up for integers; for floats over the finite ones (NaN when there is none). */
EvoxVolume     *_evox_bricks_downsample       (EvoxVolume   *volume,
                                               guint         channel);

/* GL-free: the same for labels and classes: each voxel the most frequent finite value of its
 * block (ties to the smallest; NaN for none), so a coarse level never holds a value its block
 * does not. */
EvoxVolume     *_evox_bricks_downsample_mode  (EvoxVolume   *volume,
                                               guint         channel);
/* Whether a channel holds labels or classes (an integer channel of at most
 * EVOX_PROFILE_MAX_LABELS values, as evox_profile_default_sampling says): its pyramid takes
 * modes. */
gboolean        _evox_bricks_is_categorical   (EvoxVolume   *volume,
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
/* The same at the given level, whatever the budget: for what is drawn beside another bricks'
 * tiles of the same layout (evox-brick-overlays.h). */
EvoxBrickTile **_evox_bricks_prepare_slice_at (EvoxBricks   *bricks,
                                               guint         level,
                                               guint         axis,
                                               gsize         index,
                                               guint64       frame,
                                               guint        *n);
/* Called on the main context when levels computed in a thread are in: the caller draws again. */
void            _evox_bricks_set_ready_func   (EvoxBricks   *bricks,
                                               GFunc         ready,
                                               gpointer      data);
/* What the rays of one view read: the bricks of the pyramid the view needs, each ray_size^3
 * texels (its level's voxels [j P - 1, (j + 1) P + 1) along each axis, P = brick - 2: what it
 * owns and one voxel of border) in a slot of one atlas texture, and a page table of one texel
 * per P^3 voxels of level 0 (RGBA16UI: the slot's position in the atlas, in slots, and the
 * level of the brick that covers the page). */
typedef struct
{
  GLuint atlas;
  GLuint pages;
  gsize  atlas_size[3];      /* texels */
  gsize  n_pages[3];
  guint  brick;              /* texels a side of a brick (a power of two) */
  guint  page;               /* voxels a brick owns a side, at its level */
  guint  finest;             /* the levels the plan uses */
  guint  coarsest;
  /* Levels below this one are the file's of a volume held reduced at 1:2^file_levels (see
   * _evox_bricks_set_file): level 0's voxels are then the file's, 2^file_levels a side of the
   * volume's. */
  guint  file_levels;
} EvoxBrickRays;

/* Screen pixels a voxel of a brick's level should span at least (at most twice that). */
#define EVOX_BRICKS_RAY_PIXELS 1.0

/* Plans and uploads the bricks for the rays of a view (mvp: column-major projection x view;
 * viewport: the pixels the rays are cast for; box: the volume's box in world units): each
 * region at the finest level whose voxels span at least about EVOX_BRICKS_RAY_PIXELS on
 * screen, coarser where the atlas (half the budget, the texture size) is short, regions whose
 * voxels look smallest first. Bricks stay in the atlas between frames; a new plan uploads only
 * the bricks it lacks, over the ones drawn longest ago. With wait FALSE, levels not computed
 * yet are computed in a thread (the ready function says when) and meanwhile the last plan's
 * bricks come back (FALSE before the first plan), so a frame never waits for the pyramid; with
 * wait TRUE (exports, the command line, tests) they are computed now. FALSE too when the GPU
 * takes no atlas. */
gboolean        _evox_bricks_prepare_rays     (EvoxBricks   *bricks,
                                               const float   mvp[16],
                                               const int     viewport[2],
                                               const double  box_lo[3],
                                               const double  box_hi[3],
                                               gboolean      wait,
                                               EvoxBrickRays *rays);
/* For a volume held reduced at 1:2^n with its file (n the file bricks' levels): the rays take
 * levels finer than the volume from the file, read in a thread (owned; before the first plan).
 * Those not read yet give way to the volume's own bricks, so no frame waits for the disk; with
 * wait they are read now. */
typedef struct _EvoxFileBricks EvoxFileBricks;
void            _evox_bricks_set_file         (EvoxBricks     *bricks,
                                               EvoxFileBricks *file);
EvoxFileBricks *_evox_bricks_get_file         (EvoxBricks     *bricks);
/* Texels a side of a ray brick (the size the file's bricks must have). */
guint           _evox_bricks_get_ray_size     (EvoxBricks     *bricks);
/* For what the rays read beside the values of `leader` (bricks of a volume of the same dims,
 * brick size and texture size: the cluster ids): an atlas of the same slots holding this
 * volume's bricks of leader's last plan, so leader's page table reads them too; 0 when there
 * is no plan or the GPU takes no atlas. */
GLuint          _evox_bricks_mirror_rays      (EvoxBricks   *bricks,
                                               EvoxBricks   *leader);
/* The finest level the last plan used, -1 before one. */
int             _evox_bricks_get_ray_level    (EvoxBricks   *bricks);
/* For tests: the last plan's finest and coarsest level and its number of bricks. */
void            _evox_bricks_get_ray_levels   (EvoxBricks   *bricks,
                                               int          *finest,
                                               int          *coarsest,
                                               guint        *n_bricks);
/* For tests: bytes of textures on the GPU now, and tiles uploaded so far. */
GLenum          _evox_bricks_upload_texture   (GLuint        *texture,
                                               EvoxSampleType type,
                                               const gsize    size[3],
                                               gconstpointer  pixels);
gsize           _evox_bricks_get_gpu_bytes    (EvoxBricks   *bricks);
guint           _evox_bricks_get_n_uploads    (EvoxBricks   *bricks);

G_END_DECLS
