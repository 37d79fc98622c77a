/* evox-renderer-state.h: the renderer's state and the functions its files share (private to src/render). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <cglm/cglm.h>
#include <epoxy/gl.h>

#include "evox-renderer.h"
#include "evox-renderer-private.h"

G_BEGIN_DECLS

typedef struct
{
  float position[3];
  float texcoord[3];
} Vertex;

typedef struct
{
  float color[4];
  float width;   /* pixels in the window; scaled up for high-resolution exports */
} LineStyle;


/* The box around the volume, drawn by the slice and the stack passes. */
static const LineStyle box_style = { { 0.60f, 0.60f, 0.62f, 1.0f }, 1.5f };
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

/* One mesh on the GPU: a vertex array over its position, normal and colour buffers and its
 * u32 index buffer. */
typedef struct
{
  EvoxMesh *mesh;
  GLuint    vao;
  GLuint    buffers[4];     /* positions, normals, colours (0 when none), indices */
  GLsizei   n_indices;
  gboolean  has_colors;
  gboolean  on_gpu;         /* FALSE when the GPU refused it: drawn as nothing */
  guint     generation;     /* the last sync that found a surface holding the mesh */
} MeshBuffers;

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
  N_SLICE_PROGRAMS = 16
};

typedef struct
{
  GLint mvp, volume, colormap, value_scale, integer, transfer, a, b, m, valid, alpha;
  GLint phase_mode, n_phases, phases, selected, labels, highlight, dim;
  GLint label_colors, label_color_width, label_color_shift;
  GLint cluster_colors, cluster_opacity, clusters_on, cluster_scale;
  GLint rgb_on, rgb_red, rgb_green, rgb_blue, rgb_used, rgb_lo, rgb_hi;
} SliceUniforms;

/* The RGB composite: three channels of the volume, each on a texture of its own (the volume's
 * sample type) while the composite is shown, scaled from its own range into one colour. */
#define RGB_TEXTURE_UNIT 8   /* red; green and blue on the next two */

typedef struct
{
  int         channels[3];   /* -1: the slot is unused */
  float       lo[3];
  float       hi[3];
  EvoxVolume *source;        /* the volume the textures hold channels of */
  int         uploaded[3];   /* the channel each texture holds, -1 for none */
  GLuint      textures[3];
  gboolean    refused;       /* the GPU would not take a channel: the colour map is drawn */
} RgbComposite;

struct _EvoxRenderer
{
  GObject         parent_instance;

  EvoxCamera     *camera;
  guint           camera_quiet;
  /* The camera of the frame being drawn: `camera`, or a pane's. */
  EvoxCamera     *draw_camera;
  EvoxCamera     *pane_cameras[EVOX_N_PANES];
  /* Device pixels per window pixel (GDK's scale factor): lines, labels and the panes' room for
   * their frames are given in window pixels, and drawn this many times wider. */
  int             scale_factor;
  EvoxMeasurementList *measurements;

  EvoxVolume     *volume;
  guint           channel;
  gsize           dims[3];
  double          spacing[3];
  double          origin[3];
  gboolean       *layer_visible;
  gboolean       *scan_visible;   /* per measured scan of the volume */

  char           *colormap;
  EvoxMapping     mapping;
  double          lo;
  double          hi;
  EvoxView        view;
  guint           slices[3];
  double          z_exaggeration;
  double          stack_opacity;
  float           background[4];

  EvoxPhaseList  *phases;
  gboolean        show_phases;
  gboolean        hide_outside;
  gboolean        warned_phase_limit;
  EvoxLabels     *labels;
  guint32         selected_particle;
  EvoxParticleColor particle_colors;
  EvoxSurfaceList *surfaces;
  gboolean        clip_surfaces;
  EvoxClusters   *clusters;
  gboolean        show_clusters;
  double          cluster_opacity;
  gboolean        cluster_outlines;
  guint           selected_cluster;
  RgbComposite    rgb;

  /* GL objects, valid between realize and unrealize */
  gboolean        realized;
  GLuint          slice_programs[N_SLICE_PROGRAMS];  /* by SLICE_* flags */
  guint           slice_variant;  /* the one use_slice_program last made current */
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
  gboolean        surfaces_dirty;
  gboolean        volume_on_gpu;
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
  /* EvoxMesh -> MeshBuffers: the meshes on the GPU. */
  GHashTable     *meshes;
  guint           mesh_generation;
  /* Weighted blended OIT targets, sized to the viewport and made on first use. */
  GLuint          oit_framebuffer;
  GLuint          oit_accum;
  GLuint          oit_weight;
  GLuint          oit_depth;
  GLenum          oit_depth_format;
  int             oit_size[2];
  gboolean        warned_oit;

  GArray         *vertices;
};

/* What a pass draws for: the camera and viewport of one view (the whole frame, a pane of the
 * 2x2, or a tile of an export). */
typedef struct
{
  mat4   mvp;           /* projection * view */
  mat4   view;
  int    viewport[2];
  float  line_scale;
  int    offset[2];     /* the viewport's lower-left corner in the framebuffer */
  EvoxCamera *camera;
  EvoxView    kind;     /* what to draw: never EVOX_VIEW_QUAD */
  gboolean    pane;     /* a pane of the 2x2 (or draw_view): 2D views get crosshairs */
} Frame;

/* evox-renderer.c */
double _evox_renderer_axis_scale (EvoxRenderer *self,
                                  guint         axis);
void _evox_renderer_get_box (EvoxRenderer *self,
                             double        lo[3],
                             double        hi[3]);
double _evox_renderer_plane_position (EvoxRenderer *self,
                                      guint         axis,
                                      gsize         index);
gboolean _evox_renderer_is_slice_view (EvoxView view);
gboolean _evox_renderer_phases_shown (EvoxRenderer *self);
gboolean _evox_renderer_clusters_match_volume (EvoxRenderer *self);
gboolean _evox_renderer_clusters_shown (EvoxRenderer *self);
gboolean _evox_renderer_labels_match_volume (EvoxRenderer *self);
void _evox_renderer_push_vertex (GArray       *vertices,
                                 const double  position[3],
                                 const double  texcoord[3]);
void _evox_renderer_plane_corner (EvoxRenderer *self,
                                  guint         axis,
                                  double        position,
                                  double        t,
                                  guint         c,
                                  double        point[3],
                                  double        texcoord[3]);
guint _evox_renderer_push_plane (EvoxRenderer *self,
                                 guint         axis,
                                 gsize         index);
guint _evox_renderer_push_plane_outline (EvoxRenderer *self,
                                         guint         axis,
                                         gsize         index);
guint _evox_renderer_push_box (EvoxRenderer *self);
void _evox_renderer_use_line_program (EvoxRenderer *self,
                                      const Frame  *frame);
void _evox_renderer_draw_lines (EvoxRenderer    *self,
                                const Frame     *frame,
                                const LineStyle *style,
                                guint            first,
                                guint            count);

/* evox-render-resources.c */
void _evox_gl_drain_errors (void);
void _evox_gl_set_texture_parameters (GLenum target);
void _evox_render_resources_prepare (EvoxRenderer *self);
gboolean _evox_render_resources_rgb_wanted (EvoxRenderer *self);
gboolean _evox_render_resources_rgb_on_gpu (EvoxRenderer *self);

/* evox-slice-pass.c */
void _evox_slice_pass_use_program (EvoxRenderer *self,
                                   const Frame  *frame,
                                   float         alpha);
void _evox_slice_pass_draw_slices (EvoxRenderer *self,
                                   const Frame  *frame);
void _evox_slice_pass_draw_slice (EvoxRenderer *self,
                                  const Frame  *frame,
                                  guint         axis);

/* evox-stack-pass.c */
void _evox_stack_pass_draw (EvoxRenderer *self,
                            const Frame  *frame);

/* evox-mesh-pass.c */
void _evox_mesh_buffers_free (gpointer data);
void _evox_mesh_pass_delete_all (EvoxRenderer *self);
void _evox_mesh_pass_sync (EvoxRenderer *self);
void _evox_mesh_pass_draw_opaque (EvoxRenderer *self,
                                  const Frame  *frame,
                                  gboolean      clip);
void _evox_mesh_pass_delete_targets (EvoxRenderer *self);
void _evox_mesh_pass_draw_translucent (EvoxRenderer *self,
                                       const Frame  *frame,
                                       gboolean      clip);

/* evox-overlay-pass.c */
void _evox_overlay_pass_draw (EvoxRenderer *self,
                              const Frame  *frame);
G_END_DECLS
