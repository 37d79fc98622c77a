/* evox-volume-pass.h: the ray caster of the Volume view (private to src/render and its tests). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <epoxy/gl.h>

#include "evox-bricks.h"
#include "evox-clusters.h"
#include "evox-display.h"
#include "evox-phase.h"
#include "evox-volume.h"
#include "evox-volume-style.h"

G_BEGIN_DECLS

/* Voxels a side of the bricks of the min/max grid that empty-space skipping reads. */
#define EVOX_VOLUME_BRICK 8
/* Levels of a bricked volume's pyramid the rays may read (volumes up to 2^15 a side). */
#define EVOX_VOLUME_MAX_LEVELS 16

/* Samples a voxel (the smallest spacing) at full quality, and while the user drags (when
 * interactive frames also cast one ray per 2 x 2 pixels). */
#define EVOX_VOLUME_STEP 0.5
#define EVOX_VOLUME_INTERACTIVE_STEP 1.0

/* What a ray sees, GL-free: the volume and how it is drawn. */
typedef struct
{
  EvoxVolume      *volume;
  guint            channel;
  EvoxVolumeStyle *style;            /* never NULL */
  EvoxMapping      mapping;          /* the slices' colour mapping and range (stored values) */
  double           lo;
  double           hi;
  double           box_lo[3];        /* the volume's box in world units (z exaggerated) */
  double           box_hi[3];
  EvoxPhaseList   *phases;           /* NULL for none */
  EvoxClusters    *clusters;         /* NULL unless their ids are on the GPU */
  double           cluster_opacity;
  gboolean         interactive;
} EvoxVolumeScene;

/* The renderer's shared textures the rays read (units: volume 0, colour map 1, phases 2,
 * cluster colours 7; a bricked volume's cluster ids 3). */
typedef struct
{
  GLuint volume;
  GLuint colormap;
  GLuint phases;
  guint  n_phase_rows;
  GLuint cluster_colors;
  float  cluster_scale;              /* 255, 65535 or 1 for RG8, RG16, RG32F */
  /* A bricked volume (volume is then 0): its pyramid and the bricks of this view. */
  EvoxBricks          *bricks;
  const EvoxBrickRays *rays;
  /* Bricked, with clusters: their ids (R16, cluster_scale 65535) in an atlas of the same
   * slots as rays' (evox-brick-overlays.h). */
  GLuint               cluster_ids;
} EvoxVolumeTextures;

typedef struct _EvoxVolumePass EvoxVolumePass;

EvoxVolumePass *_evox_volume_pass_new       (void);
/* The CPU side; _evox_volume_pass_unrealize first, with the context current. */
void            _evox_volume_pass_free      (EvoxVolumePass           *pass);
/* Deletes the GL objects (programs are built on first use, one per mode and source). */
void            _evox_volume_pass_unrealize (EvoxVolumePass           *pass);

/* Casts the rays of one view into the bound draw framebuffer, whose viewport (offset, size in
 * its pixels) the view fills and whose depth holds the opaque scene (depth_format: its format
 * as _evox_gl_draw_framebuffer_depth_format says, 0 for none): a ray ends where it meets it.
 * Blends premultiplied colour "over" what is there and writes no depth. mvp: column-major
 * projection x view. FALSE (with a warning once) when a program does not build. */
gboolean        _evox_volume_pass_draw      (EvoxVolumePass           *pass,
                                             const EvoxVolumeScene    *scene,
                                             const EvoxVolumeTextures *textures,
                                             const float               mvp[16],
                                             const int                 offset[2],
                                             const int                 viewport[2],
                                             GLenum                    depth_format);

/* Tests: FALSE casts every ray without skipping (default TRUE); how many bricks the last
 * composite frame's flags let rays skip. */
void            _evox_volume_pass_set_skipping (EvoxVolumePass        *pass,
                                                gboolean               skip);
guint           _evox_volume_pass_count_empty  (EvoxVolumePass        *pass);

/* Where a ray from `origin` along `dir` (world units, dir need not be unit length) first shows
 * the volume as the style draws it: where a composite ray's opacity passes 0.5, the iso hit,
 * or where mip, minip and mean rays enter the clip box. In texture coordinates (0..1 over the
 * box); FALSE when the ray shows nothing. */
gboolean        _evox_volume_pass_pick      (const EvoxVolumeScene    *scene,
                                             const double              origin[3],
                                             const double              dir[3],
                                             double                    texture_point[3]);

/* The min/max grid: for brick (i, j, k) of EVOX_VOLUME_BRICK^3 voxels, the smallest and largest
 * value of the voxels of the brick and the one layer of voxels around it (every voxel a
 * trilinear sample inside the brick interpolates); -inf and +inf when one of them is not
 * finite. bricks gets ceil (dims / EVOX_VOLUME_BRICK) per axis; returns 2 floats a brick, x
 * fastest. */
float          *_evox_volume_bricks_new     (EvoxVolume               *volume,
                                             guint                     channel,
                                             gsize                     bricks[3]);

/* The opacity lookup table's domain: n texels over [lo, hi] in stored values (one per stored
 * value for integer data, up to 65536 for u16; 4096 over the finite data range for floats). */
void            _evox_volume_lut_domain     (EvoxVolume               *volume,
                                             guint                     channel,
                                             double                   *lo,
                                             double                   *hi,
                                             guint                    *n);

G_END_DECLS
