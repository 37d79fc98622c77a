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

G_END_DECLS
