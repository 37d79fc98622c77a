/* evox-renderer-state.h: struct _EvoxRenderer and the functions its files share (src/render only). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <cglm/cglm.h>
#include <epoxy/gl.h>

#include "evox-renderer.h"
#include "evox-renderer-private.h"
#include "evox-render-resources.h"
#include "evox-volume-pass.h"

G_BEGIN_DECLS

typedef struct
{
  float color[4];
  float width;   /* pixels in the window; scaled up for high-resolution exports */
} LineStyle;

/* The box around the volume, drawn by the slice, stack and volume passes. */
static const LineStyle box_style = { { 0.60f, 0.60f, 0.62f, 1.0f }, 1.5f };

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

/* The RGB composite: three channels of the volume, each on a texture of its own (the volume's
 * sample type) while the composite is shown, scaled from its own range into one colour. */
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
  EvoxVolumeStyle *volume_style;
  EvoxVolumeStyle *default_style;   /* drawn while volume_style is NULL */
  gboolean        interactive;
  EvoxVolumePass *volume_pass;
  EvoxClusters   *clusters;
  gboolean        show_clusters;
  double          cluster_opacity;
  gboolean        cluster_outlines;
  guint           selected_cluster;
  RgbComposite    rgb;
  /* Limits forced smaller than the GPU's (0: not forced), _evox_renderer_set_brick_limits. */
  guint           forced_max_texture;
  guint           forced_brick_size;
  gsize           forced_budget;

  /* GL objects, valid between realize and unrealize */
  gboolean        realized;
  EvoxRenderResources res;
  gboolean        surfaces_dirty;
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

/* Shared by the passes (evox-renderer.c): geometry in world units and the stream vertex
 * buffer's line drawing. The push_ functions append to self->vertices and return the first
 * vertex; the caller uploads the array with glBufferData before drawing. */
double    _evox_renderer_axis_scale            (EvoxRenderer    *self,
                                                guint            axis);
void      _evox_renderer_get_box               (EvoxRenderer    *self,
                                                double           lo[3],
                                                double           hi[3]);
double    _evox_renderer_plane_position        (EvoxRenderer    *self,
                                                guint            axis,
                                                gsize            index);
gboolean  _evox_renderer_is_slice_view         (EvoxView         view);
gboolean  _evox_renderer_phases_shown          (EvoxRenderer    *self);
gboolean  _evox_renderer_clusters_match_volume (EvoxRenderer    *self);
gboolean  _evox_renderer_clusters_shown        (EvoxRenderer    *self);
gboolean  _evox_renderer_labels_match_volume   (EvoxRenderer    *self);
void      _evox_renderer_push_vertex           (GArray          *vertices,
                                                const double     position[3],
                                                const double     texcoord[3]);
void      _evox_renderer_plane_corner          (EvoxRenderer    *self,
                                                guint            axis,
                                                double           position,
                                                double           t,
                                                guint            c,
                                                double           point[3],
                                                double           texcoord[3]);
guint     _evox_renderer_push_plane            (EvoxRenderer    *self,
                                                guint            axis,
                                                gsize            index);
guint     _evox_renderer_push_plane_outline    (EvoxRenderer    *self,
                                                guint            axis,
                                                gsize            index);
guint     _evox_renderer_push_box              (EvoxRenderer    *self);
void      _evox_renderer_use_line_program      (EvoxRenderer    *self,
                                                const Frame     *frame);
void      _evox_renderer_draw_lines            (EvoxRenderer    *self,
                                                const Frame     *frame,
                                                const LineStyle *style,
                                                guint            first,
                                                guint            count);

/* The passes. draw_scene (evox-renderer.c) calls them for each view of a frame (the whole
 * frame, each pane of the 2x2, each tile of an export) after it has cleared the view's
 * rectangle, bound the stream vertex array (res.vao, res.vbo), emptied self->vertices, set the
 * blend function to straight-alpha "over" (blending off until a pass enables it) and pointed
 * self->draw_camera at frame->camera; the textures are on the GPU
 * (_evox_render_resources_prepare ran at the start of the frame). A pass leaves depth as it
 * drew it, so a later pass can test against it; draw_scene restores the state GTK expects
 * afterwards. */

/* evox-slice-pass.c: EVOX_VIEW_SLICES (with the surfaces between its opaque and its line
 * drawing) and the 2D slice views. */
void      _evox_slice_pass_use_program         (EvoxRenderer    *self,
                                                const Frame     *frame,
                                                float            alpha);
void      _evox_slice_pass_draw_slices         (EvoxRenderer    *self,
                                                const Frame     *frame);
void      _evox_slice_pass_draw_slice          (EvoxRenderer    *self,
                                                const Frame     *frame,
                                                guint            axis);
/* A volume held reduced: over the 3D view's slices (quads `planes`, as
 * _evox_renderer_push_plane () pushed them, in the vertex buffer) the file's full-resolution
 * planes where the reduced voxels show at more than a window pixel. Depth as the caller set it
 * for the slices. */
void      _evox_slice_pass_draw_full_resolution (EvoxRenderer   *self,
                                                const Frame     *frame,
                                                const guint      planes[3]);
/* Plane `index` of `axis` from the tiles of self->res.bricks, with the BRICKED slice program:
 * `plane` is the first vertex of the plane's quad as _evox_renderer_push_plane () pushed it,
 * already in the vertex buffer. Depth and blending as the caller set them. */
void      _evox_slice_pass_draw_bricked        (EvoxRenderer    *self,
                                                const Frame     *frame,
                                                guint            axis,
                                                gsize            index,
                                                guint            plane,
                                                float            alpha);

/* evox-stack-pass.c: EVOX_VIEW_STACK. */
void      _evox_stack_pass_draw                (EvoxRenderer    *self,
                                                const Frame     *frame);

/* evox-mesh-pass.c: the surfaces, called by the slice and stack passes; their buffers go up
 * in _evox_render_resources_prepare through _evox_mesh_pass_sync. */
void      _evox_mesh_buffers_free              (gpointer         data);
void      _evox_mesh_pass_delete_all           (EvoxRenderer    *self);
void      _evox_mesh_pass_sync                 (EvoxRenderer    *self);
void      _evox_mesh_pass_draw_opaque          (EvoxRenderer    *self,
                                                const Frame     *frame,
                                                gboolean         clip);
void      _evox_mesh_pass_delete_targets       (EvoxRenderer    *self);
void      _evox_mesh_pass_draw_translucent     (EvoxRenderer    *self,
                                                const Frame     *frame,
                                                gboolean         clip);

/* evox-volume-pass.c: EVOX_VIEW_VOLUME (the opaque scene, the rays, translucent surfaces), and
 * what its rays and picking see of the renderer's state. */
void      _evox_volume_pass_draw_view          (EvoxRenderer    *self,
                                                const Frame     *frame);
void      _evox_volume_pass_get_scene          (EvoxRenderer    *self,
                                                EvoxVolumeScene *scene);

/* evox-overlay-pass.c: last in every view, over what the others drew. */
void      _evox_overlay_pass_draw              (EvoxRenderer    *self,
                                                const Frame     *frame);

G_END_DECLS
