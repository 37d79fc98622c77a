/* evox-renderer-private.h: what the renderer's tests look at inside it (texture and mesh uploads). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <epoxy/gl.h>
#include "evox-renderer.h"

G_BEGIN_DECLS

/* How many times each texture, and how many meshes, went to the GPU since the renderer was
 * made, and how many meshes' buffers were freed again (by a sync or by unrealize). */
typedef struct
{
  guint volume;
  guint colormap;
  guint phases;
  guint labels;
  guint clusters;
  guint cluster_colors;
  guint meshes;
  guint meshes_freed;
  guint rgb;            /* channels of the RGB composite */
} EvoxRendererUploads;

void   _evox_renderer_get_uploads      (EvoxRenderer        *self,
                                        EvoxRendererUploads *uploads);
/* Internal format of the label texture now on the GPU (GL_R8UI, GL_R16UI, GL_R32UI), 0 when
 * there is none. */
GLenum _evox_renderer_get_label_format (EvoxRenderer        *self);
/* Internal format of the volume texture when it carries cluster ids (GL_RG8, GL_RG16 or
 * GL_RG32F), 0 when it carries none. `clusters` in the uploads counts those uploads. */
GLenum _evox_renderer_get_cluster_format (EvoxRenderer       *self);
/* Meshes whose buffers are on the GPU now. */
guint  _evox_renderer_get_n_meshes     (EvoxRenderer        *self);
/* The Volume view's empty-space skipping, on by default (off: every ray samples all its way),
 * and the bricks the last composite frame could skip. */
void   _evox_renderer_set_skipping     (EvoxRenderer        *self,
                                        gboolean             skip);
guint  _evox_renderer_get_empty_bricks (EvoxRenderer        *self);
/* Forces a 3D texture size and a brick size smaller than the GPU's, and the bricks' GPU budget
 * in bytes (0 for any: the environment's EVOX_MAX_TEXTURE_SIZE, EVOX_BRICK_SIZE and
 * EVOX_GPU_BUDGET_MB, else the GPU's limit and the defaults), so tests draw tiny volumes from
 * bricks; G_MAXUINT as max_texture_size bricks the volume with the GPU's own limits (as
 * EVOX_FORCE_BRICKS does). Takes effect at the next upload of the volume. */
void   _evox_renderer_set_brick_limits (EvoxRenderer        *self,
                                        guint                max_texture_size,
                                        guint                brick_size,
                                        gsize                budget);
/* Whether the volume is drawn from bricks now (after a frame uploaded it), and the finest level
 * of the pyramid the Volume view's last rays read (-1 when none). */
gboolean _evox_renderer_is_bricked     (EvoxRenderer        *self);
int    _evox_renderer_get_ray_level    (EvoxRenderer        *self);
/* The full-resolution planes of a volume held reduced (evox-fullres.h), NULL for others; after a
 * frame uploaded the volume. */
struct _EvoxFullRes *_evox_renderer_get_fullres (EvoxRenderer *self);
/* The bricks (NULL when the volume is not bricked). */
struct _EvoxBricks *_evox_renderer_get_bricks (EvoxRenderer   *self);
/* The bricks the Volume view's rays read: the volume's when it is bricked, else those of a
 * volume held reduced on the GPU whole, for its file's finer levels; NULL for others. */
struct _EvoxBricks *_evox_renderer_get_ray_bricks (EvoxRenderer *self);

G_END_DECLS
