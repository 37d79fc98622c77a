/* evox-render-resources.h: the GL resources the renderer's passes share (private to src/render). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <epoxy/gl.h>

#include "evox-renderer.h"
#include "evox-renderer-private.h"
#include "evox-bricks.h"
#include "evox-brick-overlays.h"
#include "evox-fullres.h"

G_BEGIN_DECLS

/* The layout of the renderer's stream vertex buffer (`vbo`): slices, lines and labels. */
typedef struct
{
  float position[3];
  float texcoord[3];
} Vertex;

/* The builds of mesh.frag and mesh.vert: every combination of these flags is a program. */
enum
{
  MESH_CLIP = 1 << 0,           /* discards the camera's octant */
  MESH_VERTEX_COLORS = 1 << 1,  /* takes the mesh's colours */
  N_MESH_PROGRAMS = 4
};

typedef struct
{
  GLint mvp, modelview, normal_matrix, view_to_world, color, orthographic;
  GLint clip_planes, clip_side, pass, depth_range;
} MeshUniforms;

/* The slice program comes in builds by three flags (outlines only with clusters): particle
 * colouring, the cluster overlay and its outlines in the shader cost every fragment on llvmpipe
 * even when nothing is coloured, so only frames that show them pay for them. */
enum
{
  SLICE_PLAIN = 0,
  SLICE_PARTICLE_COLORS = 1 << 0,
  SLICE_CLUSTERS = 1 << 1,
  SLICE_CLUSTER_OUTLINES = 1 << 2,
  SLICE_RGB = 1 << 3,
  /* Tiles of a bricked volume (evox-bricks.h); with the flags above, their overlays come in
   * tiles of the same layout (evox-brick-overlays.h). */
  SLICE_BRICKED = 1 << 4,
  N_SLICE_PROGRAMS = 32
};

typedef struct
{
  GLint mvp, volume, colormap, value_scale, integer, transfer, a, b, m, valid, alpha;
  GLint phase_mode, n_phases, phases, selected, labels, highlight, dim;
  GLint label_colors, label_color_width, label_color_shift;
  GLint cluster_colors, cluster_opacity, clusters_on, cluster_scale;
  GLint rgb_on, rgb_red, rgb_green, rgb_blue, rgb_used, rgb_lo, rgb_hi;
  GLint level_scale, tile_first, tile_lo, tile_hi, label_tile, label_scale, cluster_tile;
} SliceUniforms;

/* The RGB composite's three textures, one a channel. */
#define RGB_TEXTURE_UNIT 8   /* red; green and blue on the next two */

/* The GL objects the passes share, valid between realize and unrealize (made by
 * evox_renderer_realize, filled by _evox_render_resources_prepare at the start of each frame),
 * and the dirty flags that say which textures to upload again. */
typedef struct
{
  GLuint          slice_programs[N_SLICE_PROGRAMS];  /* by SLICE_* flags */
  gboolean        slice_failed[N_SLICE_PROGRAMS];    /* builds linked on first use that failed */
  guint           slice_variant;  /* the one _evox_slice_pass_use_program last made current */
  GLuint          line_program;
  GLuint          mesh_programs[N_MESH_PROGRAMS];
  GLuint          composite_program;
  GLuint          empty_vao;
  GLuint          vao;
  GLuint          vbo;
  GLuint          volume_texture;
  GLuint          scan_texture;   /* the measured scans, one layer each, for the stack view */
  GLuint          colormap_texture;
  GLuint          phase_texture;
  GLuint          label_texture;
  GLenum          label_format;
  GLuint          label_color_texture;
  int             label_color_width;   /* a power of two; 0 while no colours apply */
  int             label_color_shift;   /* log2 of the width */
  gsize           label_dims[3];
  /* The volume texture carries the cluster ids in its second component (0 when not):
   * GL_RG8, GL_RG16 or GL_RG32F, and the number a normalized id is multiplied by. */
  GLenum          cluster_format;
  float           cluster_scale;
  /* RGBA8, id at (id mod 256, id / 256); alpha: the share of the overlay's opacity the cluster
   * gets (0 hidden, 1 normally, EVOX_RENDERER_CLUSTER_DIM while another one is selected) */
  GLuint          cluster_color_texture;
  guint           n_phase_rows;
  gboolean        volume_dirty;
  gboolean        colormap_dirty;
  gboolean        phases_dirty;
  gboolean        labels_dirty;
  gboolean        label_colors_dirty;
  gboolean        cluster_colors_dirty;
  gboolean        volume_on_gpu;
  /* Non-NULL while the volume is drawn from bricks (volume_on_gpu is then FALSE): larger than
   * the 3D texture size, or than the GPU took. */
  EvoxBricks     *bricks;
  /* Beside bricks: the particle labels, cluster ids and RGB channels in tiles of its layout,
   * and which of them the tiles being drawn have (0 outside _evox_slice_pass_draw_bricked). */
  EvoxBrickOverlays *brick_overlays;
  EvoxBrickOverlayFlags tile_overlays;
  /* Non-NULL while the volume is held reduced with a voxel source: its full-resolution planes
   * for zoomed 2D panes. */
  EvoxFullRes    *fullres;
  /* A volume held reduced on the GPU whole (not bricked): bricks for its rays alone, whose
   * finer levels come from its file (evox-file-bricks.h). NULL otherwise. */
  EvoxBricks     *ray_bricks;
  guint64         brick_frame;
  gboolean        drawing_tiles;  /* _evox_slice_pass_use_program picks the BRICKED build */
  gboolean        wait_for_bricks;  /* exports wait for the pyramid; window frames do not */
  EvoxRendererUploads uploads;
  SliceUniforms   su[N_SLICE_PROGRAMS];
  struct
  {
    GLint mvp, viewport, width, color;
  } lu;
  MeshUniforms    mu[N_MESH_PROGRAMS];
  struct
  {
    GLint accum, weight, offset;
  } cu;
} EvoxRenderResources;

/* evox-render-resources.c; evox_renderer_realize and _unrealize, which make and delete the
 * programs and textures, are there too. */
void      _evox_gl_drain_errors                  (void);
/* Nearest sampling, clamped at the edges, a single level. */
void      _evox_gl_set_texture_parameters        (GLenum        target);
/* A new nearest-sampled, edge-clamped 3D texture on `unit` from tightly packed `pixels`; the
 * upload's GL error (the texture is kept either way). Leaves unit 0 active, nothing bound. */
GLenum    _evox_gl_upload_texture_3d             (GLenum         unit,
                                                  GLuint        *texture,
                                                  GLint          internal_format,
                                                  const gsize    dims[3],
                                                  GLenum         format,
                                                  GLenum         type,
                                                  gconstpointer  pixels);
/* The internal format of the depth buffer of the bound draw framebuffer `framebuffer` (its
 * name, 0 for the default one), 0 when it has none: what a pass's own target needs to take
 * the scene's depth by glBlitFramebuffer. */
GLenum    _evox_gl_draw_framebuffer_depth_format (GLint      framebuffer);
/* A program from shaders of the GResource bundle (geometry may be NULL); defines go right after
 * the #version line. 0 with a GError holding the driver's log when it does not build. */
GLuint    _evox_gl_link_program                  (const char  *name,
                                                  const char  *vertex,
                                                  const char  *geometry,
                                                  const char  *fragment,
                                                  const char  *defines,
                                                  GError     **error);
/* Uploads what the dirty flags name, syncs the meshes and the RGB composite's textures: the
 * first thing a frame does, with the context current. */
void      _evox_render_resources_prepare         (EvoxRenderer *self);
gboolean  _evox_render_resources_rgb_wanted      (EvoxRenderer *self);
/* Slice program `variant` (SLICE_* flags), linked now when it is a bricked build with
 * overlays not drawn before; 0 when it does not link (said once). */
GLuint    _evox_render_resources_slice_program   (EvoxRenderer *self,
                                                  guint         variant);
/* _evox_render_resources_prepare () has uploaded every used slot's channel of the RGB
 * composite. */
gboolean  _evox_render_resources_rgb_on_gpu      (EvoxRenderer *self);

G_END_DECLS
