/* evox-renderer.c: draws a volume (slices, layer stacks, surfaces) into the current GL framebuffer. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-renderer.h"
#include "evox-renderer-private.h"
#include "evox-units.h"
#include "evox-volume-pass.h"

#include <float.h>
#include <math.h>
#include <string.h>
#include <cglm/cglm.h>
#include <epoxy/gl.h>

/* Declared by the resource bundle glib-compile-resources generates from
 * resources/evox-shaders.gresource.xml. Looking shaders up through it (rather than through the
 * global resource table) also keeps the linker from dropping the bundle out of the static library. */
GResource *evox_shaders_get_resource (void);

/* Decisions a caller may want to know:
 *
 * - World space is nm with z multiplied by the z-exaggeration; voxel centre (i, j, k) lies at
 *   origin + spacing * (i, j, k) and the box reaches half a voxel beyond the outer centres.
 *   Orientations follow EvoxCamera: z is depth and points down, 2D slice views show index 0 at
 *   the top left (SLICE_Z: x right, y down; SLICE_Y: x right, z down; SLICE_X: y right, z down).
 * - Voxels are sampled nearest, so each voxel is one flat colour; colour-map entry round (t * 255)
 *   exactly as evox_colormap_sample () picks it. Non-finite values and values the mapping cannot
 *   take (log10 of <= 0) are discarded: the background, or whatever lies behind, shows through.
 * - A volume larger than GL_MAX_3D_TEXTURE_SIZE along any axis, or one the driver has no memory
 *   for, is not uploaded (a warning says so) and only its box and outlines are drawn.
 * - Camera changes are forwarded as "changed" too, so a canvas needs one handler.
 * - Phases are a 2 x n RGBA32F table the fragment shader loops over (at most
 *   EVOX_RENDERER_MAX_PHASES rows); their edges are rounded on the CPU to the sample type (integer
 *   or float) in the direction that keeps lo <= v <= hi exact, so the shader compares stored values
 *   without rounding doubts. Editing a phase re-uploads the table (1 KiB at most), nothing else.
 * - The label volume is a separate integer texture, sampled with texelFetch at the voxel the
 *   volume texture's nearest sample came from; it goes up once per EvoxLabels.
 * - Surfaces: each EvoxMesh goes up once (positions, normals, colours when it has them, u32
 *   indices) into its own vertex array, keyed by the mesh, so two surfaces sharing a mesh share
 *   the buffers; a frame costs a few uniforms and one glDrawElements a surface, nothing in
 *   proportion to triangles on the CPU. The sync with the list runs in the first draw after it
 *   changed. Opaque surfaces are drawn with the opaque slices, writing depth; translucent ones
 *   last, by weighted blended OIT (see draw_translucent_surfaces). In the layer stack: opaque
 *   surfaces, then the planes as before (back to front, not writing depth), then translucent
 *   surfaces over everything, so a translucent surface behind a plane shows over it. */

#define DEFAULT_COLORMAP "viridis"
#define EXPORT_TILE 4096
/* Opacity from which a surface is drawn as opaque, and below which it is not drawn at all. */
#define OPAQUE_OPACITY 0.999
#define INVISIBLE_OPACITY (1.0 / 512.0)
/* Window pixels around what a 2D pane of the 2x2 frames: room for its 3 px frame. */
#define PANE_PADDING 3

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

static const LineStyle box_style = { { 0.60f, 0.60f, 0.62f, 1.0f }, 1.5f };
static const LineStyle slice_styles[3] = {
  { { 0.95f, 0.35f, 0.35f, 1.0f }, 1.5f },
  { { 0.40f, 0.85f, 0.40f, 1.0f }, 1.5f },
  { { 0.40f, 0.60f, 1.00f, 1.0f }, 1.5f },
};
/* Measured layers must stand out from interpolated ones at a glance; layers of volumes without
 * scans (scan -1) are neither and get the quiet outline. */
static const LineStyle measured_style = { { 1.0f, 1.0f, 1.0f, 1.0f }, 3.0f };
static const LineStyle interpolated_style = { { 0.62f, 0.62f, 0.68f, 0.55f }, 1.0f };

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

static gboolean
slice_variant_exists (guint variant)
{
  return !(variant & SLICE_CLUSTER_OUTLINES) || (variant & SLICE_CLUSTERS);
}

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

G_DEFINE_FINAL_TYPE (EvoxRenderer, evox_renderer, G_TYPE_OBJECT)

/* The CPU side only: delete_mesh_buffers deletes the GL objects, with the context current. */
static void
mesh_buffers_free (gpointer data)
{
  MeshBuffers *buffers = data;

  g_clear_pointer (&buffers->mesh, evox_mesh_unref);
  g_free (buffers);
}

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
emit_changed (EvoxRenderer *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
on_camera_changed (EvoxCamera   *camera,
                   EvoxRenderer *self)
{
  if (self->camera_quiet == 0)
    emit_changed (self);
}

static void
evox_renderer_dispose (GObject *object)
{
  EvoxRenderer *self = EVOX_RENDERER (object);

  if (self->realized)
    g_warning ("EvoxRenderer disposed while realized: its GL objects leak "
               "(call evox_renderer_unrealize with the context current)");
  if (self->camera != NULL)
    g_signal_handlers_disconnect_by_data (self->camera, self);
  g_clear_object (&self->camera);
  for (guint p = 0; p < EVOX_N_PANES; p++)
    {
      if (self->pane_cameras[p] != NULL)
        g_signal_handlers_disconnect_by_data (self->pane_cameras[p], self);
      g_clear_object (&self->pane_cameras[p]);
    }
  if (self->measurements != NULL)
    g_signal_handlers_disconnect_by_data (self->measurements, self);
  g_clear_object (&self->measurements);
  g_clear_object (&self->volume);
  if (self->phases != NULL)
    g_signal_handlers_disconnect_by_data (self->phases, self);
  g_clear_object (&self->phases);
  g_clear_object (&self->labels);
  if (self->surfaces != NULL)
    g_signal_handlers_disconnect_by_data (self->surfaces, self);
  g_clear_object (&self->surfaces);
  if (self->clusters != NULL)
    g_signal_handlers_disconnect_by_data (self->clusters, self);
  g_clear_object (&self->clusters);
  g_clear_object (&self->rgb.source);
  if (self->volume_style != NULL)
    g_signal_handlers_disconnect_by_data (self->volume_style, self);
  g_clear_object (&self->volume_style);
  g_clear_object (&self->default_style);

  G_OBJECT_CLASS (evox_renderer_parent_class)->dispose (object);
}

static void
evox_renderer_finalize (GObject *object)
{
  EvoxRenderer *self = EVOX_RENDERER (object);

  g_clear_pointer (&self->layer_visible, g_free);
  g_clear_pointer (&self->scan_visible, g_free);
  g_clear_pointer (&self->colormap, g_free);
  g_clear_pointer (&self->vertices, g_array_unref);
  /* Empty unless the renderer was disposed while realized (warned about there). */
  g_clear_pointer (&self->meshes, g_hash_table_unref);
  g_clear_pointer (&self->volume_pass, _evox_volume_pass_free);

  G_OBJECT_CLASS (evox_renderer_parent_class)->finalize (object);
}

static void
evox_renderer_class_init (EvoxRendererClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = evox_renderer_dispose;
  object_class->finalize = evox_renderer_finalize;

  /**
   * EvoxRenderer::changed:
   *
   * Something the next frame shows changed (a setter, or the camera); redraw.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
evox_renderer_init (EvoxRenderer *self)
{
  for (guint s = 0; s < 3; s++)
    self->rgb.channels[s] = self->rgb.uploaded[s] = -1;
  self->camera = evox_camera_new ();
  self->scale_factor = 1;
  g_signal_connect (self->camera, "changed", G_CALLBACK (on_camera_changed), self);
  self->draw_camera = self->camera;
  for (guint p = 0; p < EVOX_N_PANES; p++)
    {
      self->pane_cameras[p] = evox_camera_new ();
      /* A 2D pane's slice fills the pane's width or height; its frame (3 px wide, centred on
       * the slice's edge) would lose its outer half: 1 px of it was left on the left, 2 on the
       * right (a pixel centre on a quad's edge goes to one side only). */
      if (p != EVOX_PANE_3D)
        evox_camera_set_padding (self->pane_cameras[p], PANE_PADDING);
      g_signal_connect (self->pane_cameras[p], "changed", G_CALLBACK (on_camera_changed), self);
    }
  self->colormap = g_strdup (DEFAULT_COLORMAP);
  self->mapping = EVOX_MAPPING_LINEAR;
  self->lo = 0.0;
  self->hi = 1.0;
  self->view = EVOX_VIEW_SLICES;
  self->z_exaggeration = 1.0;
  self->stack_opacity = 0.6;
  self->show_clusters = TRUE;
  self->cluster_opacity = 0.6;
  self->background[0] = 0.16f;
  self->background[1] = 0.16f;
  self->background[2] = 0.17f;
  self->background[3] = 1.0f;
  self->vertices = g_array_new (FALSE, FALSE, sizeof (Vertex));
  self->meshes = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, mesh_buffers_free);
  self->volume_pass = _evox_volume_pass_new ();
}

EvoxRenderer *
evox_renderer_new (void)
{
  return g_object_new (EVOX_TYPE_RENDERER, NULL);
}

static void
on_measurements_changed (EvoxMeasurementList *measurements,
                         EvoxRenderer        *self)
{
  emit_changed (self);
}

void
evox_renderer_set_measurements (EvoxRenderer        *self,
                                EvoxMeasurementList *measurements)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (measurements == NULL || EVOX_IS_MEASUREMENT_LIST (measurements));

  if (self->measurements == measurements)
    return;
  if (self->measurements != NULL)
    g_signal_handlers_disconnect_by_data (self->measurements, self);
  g_set_object (&self->measurements, measurements);
  if (measurements != NULL)
    g_signal_connect (measurements, "changed", G_CALLBACK (on_measurements_changed), self);
  emit_changed (self);
}

/* Geometry (GL-free) */

static double
axis_scale (EvoxRenderer *self,
            guint         axis)
{
  return axis == 2 ? self->z_exaggeration : 1.0;
}

/* The box in world units: half a voxel beyond the outer voxel centres. */
static void
get_box (EvoxRenderer *self,
         double        lo[3],
         double        hi[3])
{
  for (guint a = 0; a < 3; a++)
    {
      double first = self->origin[a] - 0.5 * self->spacing[a];
      double last = self->origin[a] + self->spacing[a] * ((double) self->dims[a] - 0.5);

      lo[a] = first * axis_scale (self, a);
      hi[a] = last * axis_scale (self, a);
    }
}

/* World coordinate of the plane through voxel centres with index `index` along `axis`. */
static double
plane_position (EvoxRenderer *self,
                guint         axis,
                gsize         index)
{
  return (self->origin[axis] + self->spacing[axis] * (double) index) * axis_scale (self, axis);
}

static gboolean
is_slice_view (EvoxView view)
{
  return view == EVOX_VIEW_SLICE_X || view == EVOX_VIEW_SLICE_Y || view == EVOX_VIEW_SLICE_Z;
}

static void
update_camera_bounds (EvoxRenderer *self)
{
  double lo[3], hi[3];

  if (self->volume == NULL)
    return;
  get_box (self, lo, hi);
  evox_camera_set_bounds (self->camera, lo, hi);
  for (guint p = 0; p < EVOX_N_PANES; p++)
    evox_camera_set_bounds (self->pane_cameras[p], lo, hi);
}

/* Each pane's own framing: its slice head-on, or the oblique 3D view. */
static void
place_pane_cameras (EvoxRenderer *self)
{
  for (guint p = 0; p < EVOX_N_PANES; p++)
    {
      EvoxView view = evox_renderer_get_pane_view (p);

      evox_camera_set_orthographic (self->pane_cameras[p], is_slice_view (view));
      if (is_slice_view (view))
        evox_camera_look_along (self->pane_cameras[p], view - EVOX_VIEW_SLICE_X);
      else
        evox_camera_reset (self->pane_cameras[p]);
    }
}

/* Puts the camera where the view wants it: looking along the axis, orthographic, for a 2D slice;
 * an oblique perspective view for the 3D views (kept as it is when it already is one). */
static void
place_camera (EvoxRenderer *self,
              gboolean      keep_3d)
{
  if (is_slice_view (self->view))
    {
      evox_camera_set_orthographic (self->camera, TRUE);
      evox_camera_look_along (self->camera, self->view - EVOX_VIEW_SLICE_X);
    }
  else if (!keep_3d)
    {
      evox_camera_set_orthographic (self->camera, FALSE);
      evox_camera_reset (self->camera);
    }
}

/* Setters */

/**
 * evox_renderer_set_volume:
 *
 * Also shows every layer, puts the slices in the middle, sets the display range to the finite
 * data range (callers with their own range set it afterwards) and frames the volume.
 */
void
evox_renderer_set_volume (EvoxRenderer *self,
                          EvoxVolume   *volume,
                          guint         channel)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (volume == NULL || EVOX_IS_VOLUME (volume));
  g_return_if_fail (volume == NULL || channel < evox_volume_get_n_channels (volume));

  if (volume == NULL)
    channel = 0;
  if (self->volume == volume && self->channel == channel)
    {
      double spacing[3];

      /* The voxel size of the same volume may be set later (Image Properties): frame again. */
      if (volume == NULL)
        return;
      evox_volume_get_spacing (volume, spacing);
      if (memcmp (spacing, self->spacing, sizeof spacing) == 0)
        return;
    }

  g_set_object (&self->volume, volume);
  self->channel = channel;
  self->volume_dirty = TRUE;
  /* Phase edges are rounded to the sample type. */
  self->phases_dirty = TRUE;
  g_clear_pointer (&self->layer_visible, g_free);
  g_clear_pointer (&self->scan_visible, g_free);
  memset (self->dims, 0, sizeof self->dims);

  if (volume != NULL)
    {
      const EvoxStats *stats = evox_volume_get_stats (volume, channel);

      evox_volume_get_dims (volume, self->dims);
      evox_volume_get_spacing (volume, self->spacing);
      evox_volume_get_origin (volume, self->origin);
      for (guint a = 0; a < 3; a++)
        {
          if (!(self->spacing[a] > 0) || !isfinite (self->spacing[a]))
            self->spacing[a] = 1.0;
          if (!isfinite (self->origin[a]))
            self->origin[a] = 0.0;
          self->slices[a] = (guint) (self->dims[a] / 2);
        }
      self->layer_visible = g_new (gboolean, self->dims[2]);
      for (gsize k = 0; k < self->dims[2]; k++)
        self->layer_visible[k] = TRUE;
      self->scan_visible = g_new (gboolean, MAX (evox_volume_get_n_scans (volume), 1));
      for (guint i = 0; i < evox_volume_get_n_scans (volume); i++)
        self->scan_visible[i] = TRUE;

      if (stats != NULL && stats->n_finite > 0)
        {
          self->lo = stats->min;
          self->hi = stats->max;
        }
      else
        {
          self->lo = 0.0;
          self->hi = 1.0;
        }

      self->camera_quiet++;
      update_camera_bounds (self);
      place_camera (self, FALSE);
      place_pane_cameras (self);
      self->camera_quiet--;
    }

  emit_changed (self);
}

EvoxVolume *
evox_renderer_get_volume (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), NULL);
  return self->volume;
}

void
evox_renderer_set_colormap (EvoxRenderer *self,
                            const char   *name)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (evox_colormap_exists (name));

  if (g_ascii_strcasecmp (self->colormap, name) == 0)
    return;
  g_free (self->colormap);
  self->colormap = g_strdup (name);
  self->colormap_dirty = TRUE;
  self->label_colors_dirty = TRUE;
  emit_changed (self);
}

void
evox_renderer_set_mapping (EvoxRenderer *self,
                           EvoxMapping   mapping)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (mapping == EVOX_MAPPING_LINEAR || mapping == EVOX_MAPPING_LOG);

  if (self->mapping == mapping)
    return;
  self->mapping = mapping;
  emit_changed (self);
}

/**
 * evox_renderer_set_range:
 *
 * lo > hi reverses the colour map. Only uniforms change: no upload, no pass over the voxels.
 */
void
evox_renderer_set_range (EvoxRenderer *self,
                         double        lo,
                         double        hi)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (isfinite (lo) && isfinite (hi));

  if (self->lo == lo && self->hi == hi)
    return;
  self->lo = lo;
  self->hi = hi;
  emit_changed (self);
}

void
evox_renderer_set_view (EvoxRenderer *self,
                        EvoxView      view)
{
  gboolean was_3d;

  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (view <= EVOX_VIEW_LAST);

  if (self->view == view)
    return;
  was_3d = !is_slice_view (self->view);
  self->view = view;

  self->camera_quiet++;
  place_camera (self, was_3d);
  self->camera_quiet--;
  emit_changed (self);
}

EvoxView
evox_renderer_get_view (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), EVOX_VIEW_SLICES);
  return self->view;
}

/**
 * evox_renderer_set_slices:
 *
 * Indices beyond the volume are clamped to its last voxel.
 */
void
evox_renderer_set_slices (EvoxRenderer *self,
                          const guint   slice[3])
{
  guint clamped[3];

  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (slice != NULL);

  for (guint a = 0; a < 3; a++)
    clamped[a] = self->dims[a] > 0 ? MIN (slice[a], (guint) (self->dims[a] - 1)) : slice[a];
  if (memcmp (clamped, self->slices, sizeof clamped) == 0)
    return;
  memcpy (self->slices, clamped, sizeof clamped);
  emit_changed (self);
}

/* A scan that a grid layer copies is drawn as that layer, so this matters for the scans between
 * grid layers, drawn as planes of their own in the layer stack. */
void
evox_renderer_set_scan_visible (EvoxRenderer *self,
                                guint         scan,
                                gboolean      visible)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (self->volume != NULL);
  g_return_if_fail (scan < evox_volume_get_n_scans (self->volume));

  visible = !!visible;
  if (self->scan_visible[scan] == visible)
    return;
  self->scan_visible[scan] = visible;
  emit_changed (self);
}

void
evox_renderer_set_layer_visible (EvoxRenderer *self,
                                 guint         layer,
                                 gboolean      visible)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (self->volume != NULL);
  g_return_if_fail (layer < self->dims[2]);

  visible = !!visible;
  if (self->layer_visible[layer] == visible)
    return;
  self->layer_visible[layer] = visible;
  emit_changed (self);
}

void
evox_renderer_set_z_exaggeration (EvoxRenderer *self,
                                  double        factor)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (factor > 0 && isfinite (factor));

  if (self->z_exaggeration == factor)
    return;
  self->z_exaggeration = factor;
  self->camera_quiet++;
  update_camera_bounds (self);
  self->camera_quiet--;
  emit_changed (self);
}

double
evox_renderer_get_z_exaggeration (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), 1.0);
  return self->z_exaggeration;
}

/* The 2D panes' padding in the pixels their cameras are given: device pixels on screen. */
static void
set_pane_padding (EvoxRenderer *self,
                  int           scale)
{
  for (guint p = 0; p < EVOX_N_PANES; p++)
    if (p != EVOX_PANE_3D)
      evox_camera_set_padding (self->pane_cameras[p], PANE_PADDING * scale);
}

void
evox_renderer_set_scale_factor (EvoxRenderer *self,
                                int           scale)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (scale >= 1);

  if (self->scale_factor == scale)
    return;
  self->scale_factor = scale;
  set_pane_padding (self, scale);
  emit_changed (self);
}

int
evox_renderer_get_scale_factor (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), 1);
  return self->scale_factor;
}

void
evox_renderer_set_stack_opacity (EvoxRenderer *self,
                                 double        opacity)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (opacity > 0 && opacity <= 1);

  if (self->stack_opacity == opacity)
    return;
  self->stack_opacity = opacity;
  emit_changed (self);
}

void
evox_renderer_set_background (EvoxRenderer *self,
                              const float   rgba[4])
{
  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (rgba != NULL);

  if (memcmp (self->background, rgba, sizeof self->background) == 0)
    return;
  for (guint i = 0; i < 4; i++)
    self->background[i] = CLAMP (rgba[i], 0.0f, 1.0f);
  emit_changed (self);
}

EvoxCamera *
evox_renderer_get_camera (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), NULL);
  return self->camera;
}

/* Phases and particles */

static gboolean
phases_shown (EvoxRenderer *self)
{
  return self->phases != NULL && self->show_phases;
}

static void
on_phases_changed (EvoxPhaseList *phases,
                   EvoxRenderer  *self)
{
  self->phases_dirty = TRUE;
  if (self->show_phases)
    emit_changed (self);
}

/**
 * evox_renderer_set_phases:
 *
 * Holds a reference to phases and redraws on its "changed" signal. With show FALSE the list is
 * kept (and followed) but neither colours nor hides anything.
 */
void
evox_renderer_set_phases (EvoxRenderer  *self,
                          EvoxPhaseList *phases,
                          gboolean       show,
                          gboolean       hide_outside)
{
  gboolean was_shown, now_shown, differs;

  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (phases == NULL || EVOX_IS_PHASE_LIST (phases));

  show = !!show;
  hide_outside = !!hide_outside;
  was_shown = phases_shown (self);

  if (self->phases != phases)
    {
      if (self->phases != NULL)
        g_signal_handlers_disconnect_by_func (self->phases, on_phases_changed, self);
      g_set_object (&self->phases, phases);
      if (phases != NULL)
        g_signal_connect (phases, "changed", G_CALLBACK (on_phases_changed), self);
      self->phases_dirty = TRUE;
      differs = TRUE;
    }
  else
    differs = self->hide_outside != hide_outside;

  self->show_phases = show;
  self->hide_outside = hide_outside;
  now_shown = phases_shown (self);
  if (was_shown != now_shown || (now_shown && differs))
    emit_changed (self);
}

EvoxPhaseList *
evox_renderer_get_phases (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), NULL);
  return self->phases;
}

/**
 * evox_renderer_set_labels:
 *
 * Keeps the selected particle id: the caller sets it for the new labels.
 */
void
evox_renderer_set_labels (EvoxRenderer *self,
                          EvoxLabels   *labels)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (labels == NULL || EVOX_IS_LABELS (labels));

  if (self->labels == labels)
    return;
  g_set_object (&self->labels, labels);
  self->labels_dirty = TRUE;
  self->label_colors_dirty = TRUE;
  if (self->selected_particle != 0 || self->particle_colors != EVOX_PARTICLE_COLOR_NONE)
    emit_changed (self);
}

EvoxLabels *
evox_renderer_get_labels (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), NULL);
  return self->labels;
}

void
evox_renderer_set_selected_particle (EvoxRenderer *self,
                                     guint32       id)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));

  if (self->selected_particle == id)
    return;
  self->selected_particle = id;
  if (self->labels != NULL)
    emit_changed (self);
}

guint32
evox_renderer_get_selected_particle (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), 0);
  return self->selected_particle;
}

void
evox_renderer_set_particle_colors (EvoxRenderer      *self,
                                   EvoxParticleColor  by)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (by < EVOX_N_PARTICLE_COLORS);

  if (self->particle_colors == by)
    return;
  self->particle_colors = by;
  self->label_colors_dirty = TRUE;
  if (self->labels != NULL)
    emit_changed (self);
}

EvoxParticleColor
evox_renderer_get_particle_colors (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), EVOX_PARTICLE_COLOR_NONE);
  return self->particle_colors;
}

/* Clusters */

/* The clusters apply to the volume on screen only while they have its shape. */
static gboolean
clusters_match_volume (EvoxRenderer *self)
{
  gsize dims[3];

  if (self->clusters == NULL || self->volume == NULL)
    return FALSE;
  evox_clusters_get_dims (self->clusters, dims);
  return memcmp (dims, self->dims, sizeof dims) == 0;
}

/* Whether a frame shows the overlay at all: a frame that does not pays nothing for it. */
static gboolean
clusters_shown (EvoxRenderer *self)
{
  return self->show_clusters && clusters_match_volume (self) &&
         (self->cluster_opacity > 0.0 || self->cluster_outlines);
}

static void
on_clusters_changed (EvoxClusters *clusters,
                     guint         id,
                     EvoxRenderer *self)
{
  /* A name, colour or visibility: a table of k texels, never the labels. */
  self->cluster_colors_dirty = TRUE;
  if (clusters_shown (self))
    emit_changed (self);
}

/**
 * evox_renderer_set_clusters:
 *
 * Holds a reference to clusters and follows its "changed" signal.
 */
void
evox_renderer_set_clusters (EvoxRenderer *self,
                            EvoxClusters *clusters)
{
  gboolean was_shown;

  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (clusters == NULL || EVOX_IS_CLUSTERS (clusters));

  if (self->clusters == clusters)
    return;
  was_shown = clusters_shown (self);
  if (self->clusters != NULL)
    g_signal_handlers_disconnect_by_func (self->clusters, on_clusters_changed, self);
  g_set_object (&self->clusters, clusters);
  if (clusters != NULL)
    g_signal_connect (clusters, "changed", G_CALLBACK (on_clusters_changed), self);
  /* The ids travel inside the volume texture; a cleared result leaves them there unused. */
  if (clusters != NULL)
    self->volume_dirty = TRUE;
  self->cluster_colors_dirty = TRUE;
  if (was_shown || clusters_shown (self))
    emit_changed (self);
}

EvoxClusters *
evox_renderer_get_clusters (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), NULL);
  return self->clusters;
}

void
evox_renderer_set_cluster_style (EvoxRenderer *self,
                                 gboolean      show,
                                 double        opacity,
                                 gboolean      outlines)
{
  gboolean was_shown;

  g_return_if_fail (EVOX_IS_RENDERER (self));

  opacity = isnan (opacity) ? self->cluster_opacity : CLAMP (opacity, 0.0, 1.0);
  show = !!show;
  outlines = !!outlines;
  if (self->show_clusters == show && self->cluster_opacity == opacity &&
      self->cluster_outlines == outlines)
    return;
  was_shown = clusters_shown (self);
  self->show_clusters = show;
  self->cluster_opacity = opacity;
  self->cluster_outlines = outlines;
  if (was_shown || clusters_shown (self))
    emit_changed (self);
}

/**
 * evox_renderer_set_selected_cluster:
 *
 * Only the colour table changes: the emphasis rides in its alpha, which the shader already
 * reads, so selecting costs no pass, no variant and no upload of the ids.
 */
void
evox_renderer_set_selected_cluster (EvoxRenderer *self,
                                    guint         id)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));

  if (self->selected_cluster == id)
    return;
  self->selected_cluster = id;
  self->cluster_colors_dirty = TRUE;
  if (clusters_shown (self))
    emit_changed (self);
}

guint
evox_renderer_get_selected_cluster (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), 0);
  return self->selected_cluster;
}

/* Surfaces */

static void
on_surfaces_changed (EvoxSurfaceList *surfaces,
                     EvoxRenderer    *self)
{
  /* The list does not say what changed; finding out costs a look at each surface's mesh in the
   * next draw, no upload unless a mesh is new. */
  self->surfaces_dirty = TRUE;
  emit_changed (self);
}

/**
 * evox_renderer_set_surfaces:
 *
 * Holds a reference to surfaces and redraws on its "changed" signal.
 */
void
evox_renderer_set_surfaces (EvoxRenderer    *self,
                            EvoxSurfaceList *surfaces)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (surfaces == NULL || EVOX_IS_SURFACE_LIST (surfaces));

  if (self->surfaces == surfaces)
    return;
  if (self->surfaces != NULL)
    g_signal_handlers_disconnect_by_func (self->surfaces, on_surfaces_changed, self);
  g_set_object (&self->surfaces, surfaces);
  if (surfaces != NULL)
    g_signal_connect (surfaces, "changed", G_CALLBACK (on_surfaces_changed), self);
  self->surfaces_dirty = TRUE;
  emit_changed (self);
}

EvoxSurfaceList *
evox_renderer_get_surfaces (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), NULL);
  return self->surfaces;
}

void
evox_renderer_set_clip_surfaces (EvoxRenderer *self,
                                 gboolean      clip)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));

  clip = !!clip;
  if (self->clip_surfaces == clip)
    return;
  self->clip_surfaces = clip;
  if (self->surfaces != NULL)
    emit_changed (self);
}

gboolean
evox_renderer_get_clip_surfaces (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), FALSE);
  return self->clip_surfaces;
}

static void
on_volume_style_changed (EvoxVolumeStyle *style,
                         EvoxRenderer    *self)
{
  emit_changed (self);
}

void
evox_renderer_set_volume_style (EvoxRenderer    *self,
                                EvoxVolumeStyle *style)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (style == NULL || EVOX_IS_VOLUME_STYLE (style));

  if (self->volume_style == style)
    return;
  if (self->volume_style != NULL)
    g_signal_handlers_disconnect_by_data (self->volume_style, self);
  g_set_object (&self->volume_style, style);
  if (style != NULL)
    g_signal_connect (style, "changed", G_CALLBACK (on_volume_style_changed), self);
  emit_changed (self);
}

EvoxVolumeStyle *
evox_renderer_get_volume_style (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), NULL);
  return self->volume_style;
}

void
evox_renderer_set_interactive (EvoxRenderer *self,
                               gboolean      interactive)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));

  interactive = !!interactive;
  if (self->interactive == interactive)
    return;
  self->interactive = interactive;
  emit_changed (self);
}

gboolean
evox_renderer_get_interactive (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), FALSE);
  return self->interactive;
}

/* The labels apply to the volume on screen only while they have its shape. */
static gboolean
labels_match_volume (EvoxRenderer *self)
{
  gsize dims[3];

  if (self->labels == NULL || self->volume == NULL)
    return FALSE;
  evox_labels_get_dims (self->labels, dims);
  return memcmp (dims, self->dims, sizeof dims) == 0;
}

void
_evox_renderer_get_uploads (EvoxRenderer        *self,
                            EvoxRendererUploads *uploads)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (uploads != NULL);

  *uploads = self->uploads;
}

GLenum
_evox_renderer_get_label_format (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), 0);
  return self->label_texture != 0 ? self->label_format : 0;
}

GLenum
_evox_renderer_get_cluster_format (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), 0);
  return self->volume_on_gpu ? self->cluster_format : 0;
}

guint
_evox_renderer_get_n_meshes (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), 0);
  return g_hash_table_size (self->meshes);
}

void
_evox_renderer_set_skipping (EvoxRenderer *self,
                             gboolean      skip)
{
  _evox_volume_pass_set_skipping (self->volume_pass, skip);
  emit_changed (self);
}

guint
_evox_renderer_get_empty_bricks (EvoxRenderer *self)
{
  return _evox_volume_pass_count_empty (self->volume_pass);
}

/* GL programs */

/* defines (may be NULL) goes right after the #version line. */
static GLuint
compile_shader (GLenum       type,
                const char  *name,
                const char  *defines,
                GError     **error)
{
  g_autofree char *path = g_strconcat ("/org/evox/Evox/shaders/", name, NULL);
  g_autoptr(GBytes) bytes = NULL;
  const char *source, *version, *parts[3];
  GLint length, lengths[3], status = GL_FALSE;
  GLuint shader;

  bytes = g_resource_lookup_data (evox_shaders_get_resource (), path,
                                  G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return 0;

  source = g_bytes_get_data (bytes, NULL);
  length = (GLint) g_bytes_get_size (bytes);
  shader = glCreateShader (type);
  version = defines != NULL ? g_strstr_len (source, length, "#version") : NULL;
  if (version != NULL)
    {
      const char *line_end = memchr (version, '\n', length - (version - source));
      GLint head = line_end != NULL ? (GLint) (line_end + 1 - source) : length;

      parts[0] = source;
      lengths[0] = head;
      parts[1] = defines;
      lengths[1] = (GLint) strlen (defines);
      parts[2] = source + head;
      lengths[2] = length - head;
      glShaderSource (shader, 3, parts, lengths);
    }
  else
    glShaderSource (shader, 1, &source, &length);
  glCompileShader (shader);
  glGetShaderiv (shader, GL_COMPILE_STATUS, &status);
  if (status != GL_TRUE)
    {
      GLint log_length = 0;
      g_autofree char *log = NULL;

      glGetShaderiv (shader, GL_INFO_LOG_LENGTH, &log_length);
      log = g_malloc0 (MAX (log_length, 1));
      glGetShaderInfoLog (shader, MAX (log_length, 1), NULL, log);
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED,
                   "The shader %s does not compile on this system: %s", name, g_strstrip (log));
      glDeleteShader (shader);
      return 0;
    }
  return shader;
}

static GLuint
link_program (const char  *name,
              const char  *vertex,
              const char  *geometry,
              const char  *fragment,
              const char  *defines,
              GError     **error)
{
  const char *names[3] = { vertex, geometry, fragment };
  const GLenum types[3] = { GL_VERTEX_SHADER, GL_GEOMETRY_SHADER, GL_FRAGMENT_SHADER };
  GLuint shaders[3] = { 0, 0, 0 };
  GLint status = GL_FALSE;
  GLuint program;

  for (guint i = 0; i < 3; i++)
    {
      if (names[i] == NULL)
        continue;
      shaders[i] = compile_shader (types[i], names[i], defines, error);
      if (shaders[i] == 0)
        {
          for (guint j = 0; j < i; j++)
            if (shaders[j] != 0)
              glDeleteShader (shaders[j]);
          return 0;
        }
    }

  program = glCreateProgram ();
  for (guint i = 0; i < 3; i++)
    if (shaders[i] != 0)
      glAttachShader (program, shaders[i]);
  glLinkProgram (program);
  for (guint i = 0; i < 3; i++)
    if (shaders[i] != 0)
      {
        glDetachShader (program, shaders[i]);
        glDeleteShader (shaders[i]);
      }

  glGetProgramiv (program, GL_LINK_STATUS, &status);
  if (status != GL_TRUE)
    {
      GLint log_length = 0;
      g_autofree char *log = NULL;

      glGetProgramiv (program, GL_INFO_LOG_LENGTH, &log_length);
      log = g_malloc0 (MAX (log_length, 1));
      glGetProgramInfoLog (program, MAX (log_length, 1), NULL, log);
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED,
                   "The %s program does not link on this system: %s", name, g_strstrip (log));
      glDeleteProgram (program);
      return 0;
    }
  return program;
}

GLuint
_evox_gl_link_program (const char  *name,
                       const char  *vertex,
                       const char  *geometry,
                       const char  *fragment,
                       const char  *defines,
                       GError     **error)
{
  return link_program (name, vertex, geometry, fragment, defines, error);
}

static void
delete_programs (EvoxRenderer *self)
{
  GLuint *programs[] = { &self->line_program, &self->composite_program };

  for (guint v = 0; v < N_SLICE_PROGRAMS; v++)
    if (self->slice_programs[v] != 0)
      {
        glDeleteProgram (self->slice_programs[v]);
        self->slice_programs[v] = 0;
      }
  for (guint i = 0; i < G_N_ELEMENTS (programs); i++)
    if (*programs[i] != 0)
      {
        glDeleteProgram (*programs[i]);
        *programs[i] = 0;
      }
  for (guint i = 0; i < N_MESH_PROGRAMS; i++)
    if (self->mesh_programs[i] != 0)
      {
        glDeleteProgram (self->mesh_programs[i]);
        self->mesh_programs[i] = 0;
      }
}

static void delete_all_meshes (EvoxRenderer *self);
static void delete_rgb_textures (EvoxRenderer *self);
static void prepare_rgb (EvoxRenderer *self);
static void delete_oit_targets (EvoxRenderer *self);

static gboolean
check_gl_version (GError **error)
{
  int version = epoxy_gl_version ();

  if (!epoxy_is_desktop_gl () || version < 33)
    {
      const char *renderer = (const char *) glGetString (GL_RENDERER);

      g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                   "OpenGL 3.3 is needed to draw volumes; this system offers %s%d.%d (%s)",
                   epoxy_is_desktop_gl () ? "" : "OpenGL ES ", version / 10, version % 10,
                   renderer != NULL ? renderer : "unknown renderer");
      return FALSE;
    }
  return TRUE;
}

gboolean
evox_renderer_realize (EvoxRenderer  *self,
                       GError       **error)
{
  gboolean linked = TRUE;

  g_return_val_if_fail (EVOX_IS_RENDERER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->realized)
    return TRUE;
  if (!check_gl_version (error))
    return FALSE;

  for (guint v = 0; v < N_SLICE_PROGRAMS && linked; v++)
    {
      g_autofree char *defines = NULL;

      if (!slice_variant_exists (v))
        continue;
      defines = g_strconcat (v & SLICE_PARTICLE_COLORS ? "#define PARTICLE_COLORS 1\n" : "",
                             v & SLICE_CLUSTERS ? "#define CLUSTERS 1\n" : "",
                             v & SLICE_CLUSTER_OUTLINES ? "#define CLUSTER_OUTLINES 1\n" : "",
                             v & SLICE_RGB ? "#define RGB 1\n" : "",
                             NULL);
      self->slice_programs[v] = link_program ("slice", "slice.vert", NULL, "slice.frag",
                                              defines, error);
      linked = self->slice_programs[v] != 0;
    }
  if (!linked)
    {
      delete_programs (self);
      return FALSE;
    }
  self->line_program = link_program ("line", "line.vert", "line.geom", "line.frag", NULL,
                                     error);
  /* Variants rather than uniforms that switch code: a shader that may discard fragments loses
   * llvmpipe's early depth test (opaque surfaces took about twice as long), and every output
   * of the vertex stage is interpolated for every fragment (a colour output that is not used
   * cost 10%). */
  for (guint v = 0; v < N_MESH_PROGRAMS && self->line_program != 0; v++)
    {
      g_autofree char *defines = g_strconcat (v & MESH_CLIP ? "#define CLIP 1\n" : "",
                                              v & MESH_VERTEX_COLORS ? "#define VERTEX_COLORS 1\n"
                                                                     : "", NULL);

      self->mesh_programs[v] = link_program ("mesh", "mesh.vert", NULL, "mesh.frag", defines,
                                             error);
      if (self->mesh_programs[v] == 0)
        break;
    }
  if (self->mesh_programs[N_MESH_PROGRAMS - 1] != 0)
    self->composite_program = link_program ("composite", "composite.vert", NULL,
                                            "composite.frag", NULL, error);
  if (self->composite_program == 0)
    {
      delete_programs (self);
      return FALSE;
    }

  for (guint v = 0; v < N_SLICE_PROGRAMS; v++)
    {
      SliceUniforms *su = &self->su[v];
      GLuint program = self->slice_programs[v];

      if (program == 0)
        continue;
#define SLICE_UNIFORM(field, name) su->field = glGetUniformLocation (program, name)
      SLICE_UNIFORM (mvp, "u_mvp");
      SLICE_UNIFORM (volume, "u_volume");
      SLICE_UNIFORM (colormap, "u_colormap");
      SLICE_UNIFORM (value_scale, "u_value_scale");
      SLICE_UNIFORM (integer, "u_integer");
      SLICE_UNIFORM (transfer, "u_transfer");
      SLICE_UNIFORM (a, "u_a");
      SLICE_UNIFORM (b, "u_b");
      SLICE_UNIFORM (m, "u_m");
      SLICE_UNIFORM (valid, "u_valid");
      SLICE_UNIFORM (alpha, "u_alpha");
      SLICE_UNIFORM (phase_mode, "u_phase_mode");
      SLICE_UNIFORM (n_phases, "u_n_phases");
      SLICE_UNIFORM (phases, "u_phases");
      SLICE_UNIFORM (selected, "u_selected");
      SLICE_UNIFORM (labels, "u_labels");
      SLICE_UNIFORM (highlight, "u_highlight");
      SLICE_UNIFORM (dim, "u_dim");
      SLICE_UNIFORM (label_colors, "u_label_colors");
      SLICE_UNIFORM (label_color_width, "u_label_color_width");
      SLICE_UNIFORM (label_color_shift, "u_label_color_shift");
      SLICE_UNIFORM (cluster_colors, "u_cluster_colors");
      SLICE_UNIFORM (cluster_opacity, "u_cluster_opacity");
      SLICE_UNIFORM (clusters_on, "u_clusters_on");
      SLICE_UNIFORM (cluster_scale, "u_cluster_scale");
      SLICE_UNIFORM (rgb_on, "u_rgb_on");
      SLICE_UNIFORM (rgb_red, "u_rgb_red");
      SLICE_UNIFORM (rgb_green, "u_rgb_green");
      SLICE_UNIFORM (rgb_blue, "u_rgb_blue");
      SLICE_UNIFORM (rgb_used, "u_rgb_used");
      SLICE_UNIFORM (rgb_lo, "u_rgb_lo");
      SLICE_UNIFORM (rgb_hi, "u_rgb_hi");
#undef SLICE_UNIFORM
      /* Each sampler on its own unit for good: samplers of different types (the float volume
       * and the integer labels) must never share one, not even while unused. */
      glUseProgram (program);
      glUniform1i (su->volume, 0);
      glUniform1i (su->colormap, 1);
      glUniform1i (su->phases, 2);
      glUniform1i (su->labels, 3);
      glUniform1i (su->label_colors, 4);
      glUniform1i (su->cluster_colors, 7);
      glUniform1i (su->rgb_red, RGB_TEXTURE_UNIT);
      glUniform1i (su->rgb_green, RGB_TEXTURE_UNIT + 1);
      glUniform1i (su->rgb_blue, RGB_TEXTURE_UNIT + 2);
    }
  glUseProgram (0);
  self->lu.mvp = glGetUniformLocation (self->line_program, "u_mvp");
  self->lu.viewport = glGetUniformLocation (self->line_program, "u_viewport");
  self->lu.width = glGetUniformLocation (self->line_program, "u_width");
  self->lu.color = glGetUniformLocation (self->line_program, "u_color");
  for (guint p = 0; p < N_MESH_PROGRAMS; p++)
    {
#define MESH_UNIFORM(field, name) \
  self->mu[p].field = glGetUniformLocation (self->mesh_programs[p], name)
      MESH_UNIFORM (mvp, "u_mvp");
      MESH_UNIFORM (modelview, "u_modelview");
      MESH_UNIFORM (normal_matrix, "u_normal_matrix");
      MESH_UNIFORM (view_to_world, "u_view_to_world");
      MESH_UNIFORM (color, "u_color");
      MESH_UNIFORM (orthographic, "u_orthographic");
      MESH_UNIFORM (clip_planes, "u_clip_planes");
      MESH_UNIFORM (clip_side, "u_clip_side");
      MESH_UNIFORM (pass, "u_pass");
      MESH_UNIFORM (depth_range, "u_depth_range");
#undef MESH_UNIFORM
    }
  /* The OIT targets on units of their own, after the slice program's four. */
  self->cu.accum = glGetUniformLocation (self->composite_program, "u_accum");
  self->cu.weight = glGetUniformLocation (self->composite_program, "u_weight");
  self->cu.offset = glGetUniformLocation (self->composite_program, "u_offset");
  glUseProgram (self->composite_program);
  glUniform1i (self->cu.accum, 4);
  glUniform1i (self->cu.weight, 5);
  glUseProgram (0);
  /* Core profiles draw nothing without a vertex array, even a full-screen triangle whose
   * vertices come from gl_VertexID. */
  glGenVertexArrays (1, &self->empty_vao);

  glGenVertexArrays (1, &self->vao);
  glGenBuffers (1, &self->vbo);
  glBindVertexArray (self->vao);
  glBindBuffer (GL_ARRAY_BUFFER, self->vbo);
  glEnableVertexAttribArray (0);
  glVertexAttribPointer (0, 3, GL_FLOAT, GL_FALSE, sizeof (Vertex),
                         (const void *) G_STRUCT_OFFSET (Vertex, position));
  glEnableVertexAttribArray (1);
  glVertexAttribPointer (1, 3, GL_FLOAT, GL_FALSE, sizeof (Vertex),
                         (const void *) G_STRUCT_OFFSET (Vertex, texcoord));
  glBindVertexArray (0);
  glBindBuffer (GL_ARRAY_BUFFER, 0);

  self->volume_dirty = TRUE;
  self->colormap_dirty = TRUE;
  self->phases_dirty = TRUE;
  self->labels_dirty = TRUE;
  self->cluster_colors_dirty = TRUE;
  self->surfaces_dirty = TRUE;
  for (guint s = 0; s < 3; s++)
    self->rgb.uploaded[s] = -1;
  self->realized = TRUE;
  return TRUE;
}

void
evox_renderer_unrealize (EvoxRenderer *self)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));

  if (!self->realized)
    return;

  delete_programs (self);
  _evox_volume_pass_unrealize (self->volume_pass);
  glDeleteVertexArrays (1, &self->vao);
  glDeleteVertexArrays (1, &self->empty_vao);
  glDeleteBuffers (1, &self->vbo);
  delete_all_meshes (self);
  delete_oit_targets (self);
  delete_rgb_textures (self);
  if (self->volume_texture != 0)
    glDeleteTextures (1, &self->volume_texture);
  if (self->scan_texture != 0)
    glDeleteTextures (1, &self->scan_texture);
  if (self->colormap_texture != 0)
    glDeleteTextures (1, &self->colormap_texture);
  if (self->phase_texture != 0)
    glDeleteTextures (1, &self->phase_texture);
  if (self->label_texture != 0)
    glDeleteTextures (1, &self->label_texture);
  if (self->label_color_texture != 0)
    glDeleteTextures (1, &self->label_color_texture);
  if (self->cluster_color_texture != 0)
    glDeleteTextures (1, &self->cluster_color_texture);
  self->cluster_color_texture = 0;
  self->cluster_format = 0;
  self->cluster_colors_dirty = TRUE;

  self->vao = self->vbo = self->empty_vao = 0;
  self->volume_texture = self->colormap_texture = 0;
  self->scan_texture = 0;
  self->phase_texture = self->label_texture = 0;
  self->label_format = 0;
  self->n_phase_rows = 0;
  self->volume_on_gpu = FALSE;
  self->volume_dirty = TRUE;
  self->colormap_dirty = TRUE;
  self->phases_dirty = TRUE;
  self->labels_dirty = TRUE;
  self->label_color_texture = 0;
  self->label_color_width = 0;
  self->label_colors_dirty = TRUE;
  self->surfaces_dirty = TRUE;
  self->realized = FALSE;
}

gboolean
evox_renderer_is_realized (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), FALSE);
  return self->realized;
}

/* Textures */

/* Texture upload */

static void
drain_gl_errors (void)
{
  for (guint i = 0; i < 16 && glGetError () != GL_NO_ERROR; i++)
    ;
}

/* Nearest sampling, clamped at the edges, a single level: what every texture here wants. */
static void
set_texture_parameters (GLenum target)
{
  glTexParameteri (target, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri (target, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri (target, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri (target, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  if (target == GL_TEXTURE_3D)
    {
      glTexParameteri (target, GL_TEXTURE_WRAP_R, GL_CLAMP_TO_EDGE);
      glTexParameteri (target, GL_TEXTURE_BASE_LEVEL, 0);
    }
  glTexParameteri (target, GL_TEXTURE_MAX_LEVEL, 0);
}

/* A new nearest-sampled, edge-clamped 3D texture on texture unit `unit`, from tightly packed
 * single-channel `pixels`. Returns the upload's GL error (GL_NO_ERROR on success); the texture is
 * kept either way. Leaves unit 0 active and nothing bound. */
static GLenum
upload_texture_3d (GLenum         unit,
                   GLuint        *texture,
                   GLint          internal_format,
                   const gsize    dims[3],
                   GLenum         format,
                   GLenum         type,
                   gconstpointer  pixels)
{
  GLint alignment = 4;
  GLenum status;

  drain_gl_errors ();
  glGenTextures (1, texture);
  glActiveTexture (unit);
  glBindTexture (GL_TEXTURE_3D, *texture);
  set_texture_parameters (GL_TEXTURE_3D);
  glGetIntegerv (GL_UNPACK_ALIGNMENT, &alignment);
  glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
  glTexImage3D (GL_TEXTURE_3D, 0, internal_format, (GLsizei) dims[0], (GLsizei) dims[1],
                (GLsizei) dims[2], 0, format, type, pixels);
  glPixelStorei (GL_UNPACK_ALIGNMENT, alignment);
  status = glGetError ();
  glBindTexture (GL_TEXTURE_3D, 0);
  glActiveTexture (GL_TEXTURE0);
  return status;
}

/* (Re)fills the nearest-sampled, edge-clamped 2D RGBA texture `*texture` on texture unit `unit`
 * (made on first use) from `pixels`, whose rows are aligned to `unpack_alignment` bytes. Leaves
 * unit 0 active and nothing bound. */
static void
upload_texture_2d (GLenum         unit,
                   GLuint        *texture,
                   GLint          internal_format,
                   GLsizei        width,
                   GLsizei        height,
                   GLenum         type,
                   gconstpointer  pixels,
                   GLint          unpack_alignment)
{
  GLint alignment = 4;

  if (*texture == 0)
    glGenTextures (1, texture);
  glActiveTexture (unit);
  glBindTexture (GL_TEXTURE_2D, *texture);
  set_texture_parameters (GL_TEXTURE_2D);
  glGetIntegerv (GL_UNPACK_ALIGNMENT, &alignment);
  glPixelStorei (GL_UNPACK_ALIGNMENT, unpack_alignment);
  glTexImage2D (GL_TEXTURE_2D, 0, internal_format, width, height, 0, GL_RGBA, type, pixels);
  glPixelStorei (GL_UNPACK_ALIGNMENT, alignment);
  glBindTexture (GL_TEXTURE_2D, 0);
  glActiveTexture (GL_TEXTURE0);
}

/* The volume with the cluster ids as a second component, so the overlay costs no texture fetch
 * of its own (a second 3D fetch per fragment made overlay frames half again as slow as phase
 * colouring on llvmpipe). u8 values with k <= 255 go as RG8; u8 values with more clusters (each
 * value v stored as 257 v, the same normalized number) and u16 values as RG16; f32 as RG32F
 * with the ids as floats. Interleaved and sent a slab of layers at a time, so the CPU side
 * needs a few MB whatever the volume. */
static GLenum
upload_volume_with_ids (EvoxRenderer *self)
{
  EvoxSampleType sample = evox_volume_get_sample_type (self->volume);
  gconstpointer values = evox_volume_get_data (self->volume, self->channel);
  const guint16 *ids = evox_clusters_get_data (self->clusters);
  gboolean wide = sample == EVOX_SAMPLE_U16 ||
                  (sample == EVOX_SAMPLE_U8 && evox_clusters_get_k (self->clusters) > G_MAXUINT8);
  GLenum format = sample == EVOX_SAMPLE_F32 ? GL_RG32F : wide ? GL_RG16 : GL_RG8;
  GLenum type = sample == EVOX_SAMPLE_F32 ? GL_FLOAT
                : wide ? GL_UNSIGNED_SHORT : GL_UNSIGNED_BYTE;
  gsize texel = sample == EVOX_SAMPLE_F32 ? 8 : wide ? 4 : 2;
  gsize layer = self->dims[0] * self->dims[1];
  gsize slab = MAX ((gsize) 1, ((gsize) 4 << 20) / layer);
  g_autofree guint8 *buffer = g_try_malloc (MIN (slab, self->dims[2]) * layer * texel);
  GLint alignment = 4;
  GLenum status;

  if (buffer == NULL)
    return GL_OUT_OF_MEMORY;
  drain_gl_errors ();
  glGenTextures (1, &self->volume_texture);
  glActiveTexture (GL_TEXTURE0);
  glBindTexture (GL_TEXTURE_3D, self->volume_texture);
  set_texture_parameters (GL_TEXTURE_3D);
  glTexImage3D (GL_TEXTURE_3D, 0, (GLint) format, (GLsizei) self->dims[0],
                (GLsizei) self->dims[1], (GLsizei) self->dims[2], 0, GL_RG, type, NULL);
  status = glGetError ();
  glGetIntegerv (GL_UNPACK_ALIGNMENT, &alignment);
  glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
  for (gsize z0 = 0; z0 < self->dims[2] && status == GL_NO_ERROR; z0 += slab)
    {
      gsize nz = MIN (slab, self->dims[2] - z0), first = z0 * layer, n = nz * layer;

      switch (sample)
        {
        case EVOX_SAMPLE_U8:
          for (gsize i = 0; i < n && wide; i++)
            {
              ((guint16 *) buffer)[2 * i] = (guint16) (((const guint8 *) values)[first + i] * 257);
              ((guint16 *) buffer)[2 * i + 1] = ids[first + i];
            }
          for (gsize i = 0; i < n && !wide; i++)
            {
              buffer[2 * i] = ((const guint8 *) values)[first + i];
              buffer[2 * i + 1] = (guint8) ids[first + i];
            }
          break;
        case EVOX_SAMPLE_U16:
          for (gsize i = 0; i < n; i++)
            {
              ((guint16 *) buffer)[2 * i] = ((const guint16 *) values)[first + i];
              ((guint16 *) buffer)[2 * i + 1] = ids[first + i];
            }
          break;
        case EVOX_SAMPLE_F32:
        default:
          for (gsize i = 0; i < n; i++)
            {
              ((float *) buffer)[2 * i] = ((const float *) values)[first + i];
              ((float *) buffer)[2 * i + 1] = ids[first + i];
            }
          break;
        }
      glTexSubImage3D (GL_TEXTURE_3D, 0, 0, 0, (GLint) z0, (GLsizei) self->dims[0],
                       (GLsizei) self->dims[1], (GLsizei) nz, GL_RG, type, buffer);
      status = glGetError ();
    }
  glPixelStorei (GL_UNPACK_ALIGNMENT, alignment);
  glBindTexture (GL_TEXTURE_3D, 0);
  if (status == GL_NO_ERROR)
    {
      self->cluster_format = format;
      self->cluster_scale = sample == EVOX_SAMPLE_F32 ? 1.0f : wide ? 65535.0f : 255.0f;
      self->uploads.clusters++;
    }
  return status;
}

static void
upload_volume (EvoxRenderer *self)
{
  GLint max_size = 0, internal_format;
  GLenum type, status;

  self->volume_dirty = FALSE;
  self->volume_on_gpu = FALSE;
  self->cluster_format = 0;
  if (self->volume_texture != 0)
    {
      glDeleteTextures (1, &self->volume_texture);
      self->volume_texture = 0;
    }
  if (self->volume == NULL)
    return;

  /* Too large: keep drawing the box and outlines rather than a downsampled copy, which would
   * cost a pass over the voxels and memory the GPU just said it lacks. */
  glGetIntegerv (GL_MAX_3D_TEXTURE_SIZE, &max_size);
  for (guint a = 0; a < 3; a++)
    if (self->dims[a] > (gsize) max_size)
      {
        g_warning ("A volume of %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                   " voxels is larger than this GPU's 3D texture limit (%d per side); only "
                   "its box is drawn", self->dims[0], self->dims[1], self->dims[2], max_size);
        return;
      }

  switch (evox_volume_get_sample_type (self->volume))
    {
    case EVOX_SAMPLE_U8:
      internal_format = GL_R8;
      type = GL_UNSIGNED_BYTE;
      break;
    case EVOX_SAMPLE_U16:
      internal_format = GL_R16;
      type = GL_UNSIGNED_SHORT;
      break;
    case EVOX_SAMPLE_F32:
    default:
      internal_format = GL_R32F;
      type = GL_FLOAT;
      break;
    }

  status = GL_INVALID_OPERATION;
  if (clusters_match_volume (self) && (status = upload_volume_with_ids (self)) != GL_NO_ERROR)
    {
      /* Twice the volume's size may not fit where the volume does: show it without clusters. */
      g_warning ("The GPU could not take the volume of %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                 " x %" G_GSIZE_FORMAT " voxels with its cluster labels (%s); clusters are not "
                 "drawn", self->dims[0], self->dims[1], self->dims[2],
                 status == GL_OUT_OF_MEMORY ? "out of memory" : "rejected");
      if (self->volume_texture != 0)
        glDeleteTextures (1, &self->volume_texture);
      self->volume_texture = 0;
    }
  if (status != GL_NO_ERROR)
    status = upload_texture_3d (GL_TEXTURE0, &self->volume_texture, internal_format, self->dims,
                                GL_RED, type, evox_volume_get_data (self->volume, self->channel));
  if (status != GL_NO_ERROR)
    {
      g_warning ("The GPU could not take the volume of %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                 " x %" G_GSIZE_FORMAT " voxels (%s); only its box is drawn",
                 self->dims[0], self->dims[1], self->dims[2],
                 status == GL_OUT_OF_MEMORY ? "out of memory" : "rejected");
      glDeleteTextures (1, &self->volume_texture);
      self->volume_texture = 0;
      return;
    }
  self->volume_on_gpu = TRUE;
  self->uploads.volume++;
}

/* The measured scans as one f32 texture, a layer each, so the stack view can draw the ones
 * between grid layers at their own depth. Nothing when the volume has no scans or the GPU
 * refuses: those planes then get their outline only. */
static void
upload_scans (EvoxRenderer *self)
{
  guint n_scans = self->volume != NULL ? evox_volume_get_n_scans (self->volume) : 0;
  gsize layer_size = self->dims[0] * self->dims[1];
  gsize dims[3] = { self->dims[0], self->dims[1], n_scans };
  g_autofree float *values = NULL;
  GLint max_size = 0;

  if (self->scan_texture != 0)
    {
      glDeleteTextures (1, &self->scan_texture);
      self->scan_texture = 0;
    }
  glGetIntegerv (GL_MAX_3D_TEXTURE_SIZE, &max_size);
  if (n_scans == 0 || !self->volume_on_gpu || n_scans > (guint) max_size)
    return;
  values = g_new (float, layer_size * n_scans);
  for (guint i = 0; i < n_scans; i++)
    memcpy (values + i * layer_size, evox_volume_get_scan (self->volume, i)->values,
            layer_size * sizeof (float));
  if (upload_texture_3d (GL_TEXTURE0, &self->scan_texture, GL_R32F, dims, GL_RED, GL_FLOAT,
                         values) != GL_NO_ERROR)
    {
      glDeleteTextures (1, &self->scan_texture);
      self->scan_texture = 0;
    }
}

static void
upload_colormap (EvoxRenderer *self)
{
  const guint8 (*table)[3] = evox_colormap_get_table (self->colormap);
  guint8 rgba[256 * 4];

  g_assert (table != NULL);
  for (guint i = 0; i < 256; i++)
    {
      memcpy (rgba + 4 * i, table[i], 3);
      rgba[4 * i + 3] = 255;
    }

  upload_texture_2d (GL_TEXTURE1, &self->colormap_texture, GL_RGBA8, 256, 1, GL_UNSIGNED_BYTE,
                     rgba, 1);
  self->colormap_dirty = FALSE;
  self->uploads.colormap++;
}

/* Row i: (lo, hi, visible, 0), (r, g, b, opacity). Always at least one row, so the texture is
 * complete even for an empty list. */
static void
upload_phases (EvoxRenderer *self)
{
  EvoxSampleType type = self->volume != NULL ? evox_volume_get_sample_type (self->volume)
                                             : EVOX_SAMPLE_F32;
  float table[EVOX_RENDERER_MAX_PHASES * 8];
  guint n = self->phases != NULL ? evox_phase_list_get_n_phases (self->phases) : 0;

  self->phases_dirty = FALSE;
  if (n > EVOX_RENDERER_MAX_PHASES)
    {
      if (!self->warned_phase_limit)
        g_warning ("Only the first %d of %u phases are shown in the canvas",
                   EVOX_RENDERER_MAX_PHASES, n);
      self->warned_phase_limit = TRUE;
      n = EVOX_RENDERER_MAX_PHASES;
    }

  memset (table, 0, sizeof table);
  for (guint i = 0; i < n; i++)
    {
      EvoxPhase *phase = evox_phase_list_get_phase (self->phases, i);
      float *row = table + 8 * i;

      /* An empty range comes out with first > last, which no texel matches. */
      evox_sample_type_inner_range (type, evox_phase_get_lo (phase), evox_phase_get_hi (phase),
                                    &row[0], &row[1]);
      row[2] = evox_phase_get_visible (phase) ? 1.0f : 0.0f;
      evox_phase_get_rgba (phase, row + 4);
      row[7] = CLAMP (row[7], 0.0f, 1.0f);
    }
  self->n_phase_rows = n;

  upload_texture_2d (GL_TEXTURE2, &self->phase_texture, GL_RGBA32F, 2, (GLsizei) MAX (n, 1),
                     GL_FLOAT, table, 4);
  self->uploads.phases++;
}

/* The labels in the narrowest unsigned integer format that holds the largest; a copy narrowed
 * on the CPU (one pass) costs less than GPU memory for 32 bits a voxel. */
static void
upload_labels (EvoxRenderer *self)
{
  g_autofree gpointer narrow = NULL;
  const guint32 *data;
  gconstpointer pixels;
  GLint max_size = 0;
  GLenum internal_format = GL_R32UI, type = GL_UNSIGNED_INT, status;
  gsize dims[3], n_voxels;
  guint n_labels;

  self->labels_dirty = FALSE;
  if (self->label_texture != 0)
    {
      glDeleteTextures (1, &self->label_texture);
      self->label_texture = 0;
    }
  self->label_format = 0;
  memset (self->label_dims, 0, sizeof self->label_dims);
  if (self->labels == NULL)
    return;

  evox_labels_get_dims (self->labels, dims);
  glGetIntegerv (GL_MAX_3D_TEXTURE_SIZE, &max_size);
  for (guint a = 0; a < 3; a++)
    if (dims[a] > (gsize) max_size || dims[a] == 0)
      {
        g_warning ("Particles of a %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                   " volume cannot be highlighted: larger than this GPU's 3D texture limit "
                   "(%d per side)", dims[0], dims[1], dims[2], max_size);
        return;
      }

  data = evox_labels_get_data (self->labels);
  n_voxels = dims[0] * dims[1] * dims[2];
  n_labels = evox_labels_get_n_particles (self->labels);
  pixels = data;
  if (n_labels <= G_MAXUINT8 && (narrow = g_try_malloc (n_voxels)) != NULL)
    {
      guint8 *out = narrow;

      for (gsize i = 0; i < n_voxels; i++)
        out[i] = (guint8) data[i];
      internal_format = GL_R8UI;
      type = GL_UNSIGNED_BYTE;
      pixels = narrow;
    }
  else if (n_labels <= G_MAXUINT16 && (narrow = g_try_malloc (n_voxels * 2)) != NULL)
    {
      guint16 *out = narrow;

      for (gsize i = 0; i < n_voxels; i++)
        out[i] = (guint16) data[i];
      internal_format = GL_R16UI;
      type = GL_UNSIGNED_SHORT;
      pixels = narrow;
    }

  status = upload_texture_3d (GL_TEXTURE3, &self->label_texture, (GLint) internal_format, dims,
                              GL_RED_INTEGER, type, pixels);

  if (status != GL_NO_ERROR)
    {
      g_warning ("The GPU could not take the particle labels of %" G_GSIZE_FORMAT " x %"
                 G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " voxels (%s); particles are not "
                 "highlighted", dims[0], dims[1], dims[2],
                 status == GL_OUT_OF_MEMORY ? "out of memory" : "rejected");
      glDeleteTextures (1, &self->label_texture);
      self->label_texture = 0;
      return;
    }
  self->label_format = internal_format;
  memcpy (self->label_dims, dims, sizeof dims);
  self->uploads.labels++;
}

/* Meshes */

static void
delete_mesh_buffers (EvoxRenderer *self,
                     MeshBuffers  *buffers)
{
  glDeleteVertexArrays (1, &buffers->vao);
  for (guint i = 0; i < G_N_ELEMENTS (buffers->buffers); i++)
    if (buffers->buffers[i] != 0)
      glDeleteBuffers (1, &buffers->buffers[i]);
  buffers->vao = 0;
  memset (buffers->buffers, 0, sizeof buffers->buffers);
  self->uploads.meshes_freed++;
}

static void
delete_all_meshes (EvoxRenderer *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->meshes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((MeshBuffers *) value)->vao != 0)
      delete_mesh_buffers (self, value);
  g_hash_table_remove_all (self->meshes);
}

/* A vertex buffer on `location` of the bound vertex array. */
static GLuint
upload_attribute (GLuint         location,
                  GLint          size,
                  GLenum         type,
                  gsize          bytes,
                  gconstpointer  data)
{
  GLuint buffer = 0;

  glGenBuffers (1, &buffer);
  glBindBuffer (GL_ARRAY_BUFFER, buffer);
  glBufferData (GL_ARRAY_BUFFER, (GLsizeiptr) bytes, data, GL_STATIC_DRAW);
  glEnableVertexAttribArray (location);
  glVertexAttribPointer (location, size, type, type == GL_UNSIGNED_BYTE, 0, NULL);
  return buffer;
}

/* One copy of each array straight from the mesh (no interleaving pass on the CPU), so a mesh of
 * millions of triangles costs its copy and nothing more. */
static MeshBuffers *
upload_mesh (EvoxRenderer *self,
             EvoxMesh     *mesh)
{
  MeshBuffers *buffers = g_new0 (MeshBuffers, 1);
  gsize n_vertices = evox_mesh_get_n_vertices (mesh);
  gsize n_triangles = evox_mesh_get_n_triangles (mesh);
  const float *normals = evox_mesh_get_normals (mesh);
  const guint8 *colors = evox_mesh_get_colors (mesh);
  GLenum status;

  buffers->mesh = evox_mesh_ref (mesh);
  if (n_triangles > (gsize) G_MAXINT32 / 3 || n_vertices > G_MAXSIZE / 12)
    {
      g_warning ("A surface of %" G_GSIZE_FORMAT " triangles is more than one OpenGL draw can "
                 "hold; it is not drawn", n_triangles);
      return buffers;
    }

  drain_gl_errors ();
  glGenVertexArrays (1, &buffers->vao);
  glBindVertexArray (buffers->vao);
  buffers->buffers[0] = upload_attribute (0, 3, GL_FLOAT, n_vertices * 12,
                                          evox_mesh_get_positions (mesh));
  /* Without normals the vertex normal reads as zero and the shader uses the face's. */
  if (normals != NULL)
    buffers->buffers[1] = upload_attribute (1, 3, GL_FLOAT, n_vertices * 12, normals);
  if (colors != NULL)
    buffers->buffers[2] = upload_attribute (2, 4, GL_UNSIGNED_BYTE, n_vertices * 4, colors);
  glGenBuffers (1, &buffers->buffers[3]);
  glBindBuffer (GL_ELEMENT_ARRAY_BUFFER, buffers->buffers[3]);
  glBufferData (GL_ELEMENT_ARRAY_BUFFER, (GLsizeiptr) (n_triangles * 12),
                evox_mesh_get_triangles (mesh), GL_STATIC_DRAW);
  /* The element buffer stays with the vertex array: unbind the array first. */
  glBindVertexArray (0);
  glBindBuffer (GL_ARRAY_BUFFER, 0);
  glBindBuffer (GL_ELEMENT_ARRAY_BUFFER, 0);
  self->uploads.meshes++;

  status = glGetError ();
  if (status != GL_NO_ERROR)
    {
      g_warning ("The GPU could not take a surface of %" G_GSIZE_FORMAT " triangles (%s); it "
                 "is not drawn", n_triangles,
                 status == GL_OUT_OF_MEMORY ? "out of memory" : "rejected");
      delete_mesh_buffers (self, buffers);
      return buffers;
    }
  buffers->n_indices = (GLsizei) (n_triangles * 3);
  buffers->has_colors = colors != NULL;
  buffers->on_gpu = TRUE;
  return buffers;
}

static gboolean
surface_shown (EvoxSurface *surface)
{
  EvoxMesh *mesh = evox_surface_get_mesh (surface);

  return evox_surface_get_visible (surface) && mesh != NULL && !evox_mesh_is_empty (mesh) &&
         evox_surface_get_opacity (surface) >= INVISIBLE_OPACITY;
}

/* Uploads the meshes of shown surfaces that are not on the GPU yet and frees the buffers of
 * meshes no surface holds any more. A hidden surface keeps its mesh's buffers, so showing it
 * again costs nothing; a mesh that arrives while its surface is hidden goes up when it shows. */
static void
sync_meshes (EvoxRenderer *self)
{
  guint n = self->surfaces != NULL ? evox_surface_list_get_n_surfaces (self->surfaces) : 0;
  GHashTableIter iter;
  gpointer value;

  self->surfaces_dirty = FALSE;
  self->mesh_generation++;
  for (guint i = 0; i < n; i++)
    {
      EvoxSurface *surface = evox_surface_list_get_surface (self->surfaces, i);
      EvoxMesh *mesh = evox_surface_get_mesh (surface);
      MeshBuffers *buffers;

      if (mesh == NULL)
        continue;
      buffers = g_hash_table_lookup (self->meshes, mesh);
      if (buffers == NULL)
        {
          if (!surface_shown (surface))
            continue;
          buffers = upload_mesh (self, mesh);
          g_hash_table_insert (self->meshes, mesh, buffers);
        }
      buffers->generation = self->mesh_generation;
    }

  g_hash_table_iter_init (&iter, self->meshes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      MeshBuffers *buffers = value;

      if (buffers->generation == self->mesh_generation)
        continue;
      if (buffers->vao != 0)
        delete_mesh_buffers (self, buffers);
      g_hash_table_iter_remove (&iter);
    }
}

/* The per-label colour table as rows of at most GL_MAX_TEXTURE_SIZE texels. */
static void
upload_label_colors (EvoxRenderer *self)
{
  g_autofree guint8 *table = NULL;
  g_autofree guint8 *padded = NULL;
  gsize n = 0;
  GLint max_size = 0;
  int width, height, shift;

  self->label_colors_dirty = FALSE;
  self->label_color_width = 0;
  if (self->labels == NULL || self->particle_colors == EVOX_PARTICLE_COLOR_NONE)
    return;
  table = evox_labels_dup_colors (self->labels, self->particle_colors, self->colormap, &n);
  glGetIntegerv (GL_MAX_TEXTURE_SIZE, &max_size);
  /* A power of two wide, so the shader finds a label's texel with a mask and a shift. */
  for (shift = 0; shift < 30 && ((gsize) 1 << shift) < n && (2 << shift) <= max_size; shift++)
    ;
  width = 1 << shift;
  height = (int) ((n + (gsize) width - 1) / (gsize) width);
  if (height > max_size)
    {
      g_warning ("%" G_GSIZE_FORMAT " particle colours do not fit a texture; particles keep the "
                 "colour map", n);
      return;
    }
  padded = g_new0 (guint8, (gsize) width * height * 4);
  memcpy (padded, table, n * 4);
  if (self->label_color_texture == 0)
    glGenTextures (1, &self->label_color_texture);
  glActiveTexture (GL_TEXTURE4);
  glBindTexture (GL_TEXTURE_2D, self->label_color_texture);
  glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D (GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, padded);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glActiveTexture (GL_TEXTURE0);
  self->label_color_width = width;
  self->label_color_shift = shift;
}

/* Colour and weight of every id, 256 a row: id 0 (outside the mask) and hidden clusters have
 * alpha 0 and keep the colour map; while a cluster of this result is selected the others get
 * EVOX_RENDERER_CLUSTER_DIM of the opacity, else every shown cluster gets all of it (255, so
 * nothing selected draws exactly what it drew before selection existed). */
static void
upload_cluster_colors (EvoxRenderer *self)
{
  g_autofree guint8 *table = NULL;
  guint k, rows, selected;

  self->cluster_colors_dirty = FALSE;
  if (self->clusters == NULL)
    return;
  k = evox_clusters_get_k (self->clusters);
  selected = self->selected_cluster <= k ? self->selected_cluster : 0;
  rows = (k + 1 + 255) / 256;
  table = g_new0 (guint8, (gsize) rows * 256 * 4);
  for (guint id = 1; id <= k; id++)
    {
      float rgb[3];

      evox_clusters_get_rgb (self->clusters, id, rgb);
      for (guint c = 0; c < 3; c++)
        table[4 * id + c] = (guint8) lrintf (rgb[c] * 255.0f);
      if (!evox_clusters_get_visible (self->clusters, id))
        table[4 * id + 3] = 0;
      else
        table[4 * id + 3] = selected == 0 || selected == id ? 255
                            : (guint8) lrintf (EVOX_RENDERER_CLUSTER_DIM * 255.0f);
    }
  upload_texture_2d (GL_TEXTURE7, &self->cluster_color_texture, GL_RGBA8, 256, (GLsizei) rows,
                     GL_UNSIGNED_BYTE, table, 1);
  self->uploads.cluster_colors++;
}

static void
prepare (EvoxRenderer *self)
{
  if (self->volume_dirty)
    {
      upload_volume (self);
      upload_scans (self);
    }
  if (self->colormap_dirty)
    upload_colormap (self);
  if (self->phases_dirty)
    upload_phases (self);
  if (self->labels_dirty)
    upload_labels (self);
  if (self->label_colors_dirty)
    upload_label_colors (self);
  if (self->cluster_colors_dirty)
    upload_cluster_colors (self);
  if (self->surfaces_dirty)
    sync_meshes (self);
  prepare_rgb (self);
}

/* RGB composite */

static gboolean
rgb_wanted (EvoxRenderer *self)
{
  if (self->volume == NULL)
    return FALSE;
  for (guint s = 0; s < 3; s++)
    if (self->rgb.channels[s] >= 0)
      return TRUE;
  return FALSE;
}

/* prepare () has uploaded every used slot's channel. */
static gboolean
rgb_on_gpu (EvoxRenderer *self)
{
  return rgb_wanted (self) && !self->rgb.refused && self->rgb.source == self->volume &&
         (self->rgb.uploaded[0] >= 0 || self->rgb.uploaded[1] >= 0 ||
          self->rgb.uploaded[2] >= 0);
}

static void
delete_rgb_textures (EvoxRenderer *self)
{
  for (guint s = 0; s < 3; s++)
    {
      if (self->rgb.textures[s] != 0)
        glDeleteTextures (1, &self->rgb.textures[s]);
      self->rgb.textures[s] = 0;
      self->rgb.uploaded[s] = -1;
    }
}

/* Textures only while the composite is shown, so a volume does not cost three more copies on
 * the GPU the rest of the time; a range change uploads nothing. */
static void
prepare_rgb (EvoxRenderer *self)
{
  EvoxSampleType sample;
  GLint internal_format;
  GLenum type;

  if (!rgb_wanted (self))
    {
      delete_rgb_textures (self);
      g_clear_object (&self->rgb.source);
      self->rgb.refused = FALSE;
      return;
    }
  if (self->rgb.source != self->volume)
    {
      delete_rgb_textures (self);
      g_set_object (&self->rgb.source, self->volume);
      self->rgb.refused = FALSE;
    }
  if (self->rgb.refused)
    return;

  sample = evox_volume_get_sample_type (self->volume);
  internal_format = sample == EVOX_SAMPLE_U8 ? GL_R8 : sample == EVOX_SAMPLE_U16 ? GL_R16
                                                                                 : GL_R32F;
  type = sample == EVOX_SAMPLE_U8 ? GL_UNSIGNED_BYTE : sample == EVOX_SAMPLE_U16
                                                       ? GL_UNSIGNED_SHORT : GL_FLOAT;
  for (guint s = 0; s < 3; s++)
    {
      int channel = self->rgb.channels[s];
      GLenum status;

      /* Set for an earlier volume, until the caller sets the slots of this one. */
      if (channel >= (int) evox_volume_get_n_channels (self->volume))
        channel = -1;

      if (self->rgb.uploaded[s] == channel)
        continue;
      if (self->rgb.textures[s] != 0)
        glDeleteTextures (1, &self->rgb.textures[s]);
      self->rgb.textures[s] = 0;
      self->rgb.uploaded[s] = -1;
      if (channel < 0)
        continue;
      status = upload_texture_3d (GL_TEXTURE0 + RGB_TEXTURE_UNIT + s, &self->rgb.textures[s],
                                  internal_format, self->dims, GL_RED, type,
                                  evox_volume_get_data (self->volume, (guint) channel));
      if (status != GL_NO_ERROR)
        {
          g_warning ("The GPU could not take channel %d of the volume for the RGB composite "
                     "(%s); the colour map is drawn instead", channel,
                     status == GL_OUT_OF_MEMORY ? "out of memory" : "rejected");
          delete_rgb_textures (self);
          self->rgb.refused = TRUE;
          return;
        }
      self->rgb.uploaded[s] = channel;
      self->uploads.rgb++;
    }
}

static void
use_rgb (EvoxRenderer       *self,
         const SliceUniforms *su)
{
  float used[3];

  for (guint s = 0; s < 3; s++)
    {
      used[s] = self->rgb.uploaded[s] >= 0 ? 1.0f : 0.0f;
      glActiveTexture (GL_TEXTURE0 + RGB_TEXTURE_UNIT + s);
      glBindTexture (GL_TEXTURE_3D, self->rgb.textures[s]);
    }
  glUniform1i (su->rgb_on, TRUE);
  glUniform3fv (su->rgb_used, 1, used);
  glUniform3fv (su->rgb_lo, 1, self->rgb.lo);
  glUniform3fv (su->rgb_hi, 1, self->rgb.hi);
}

/**
 * evox_renderer_set_rgb:
 * @channels: (nullable): the channel of each colour, -1 for none; NULL or all -1 turns the
 *   composite off
 *
 * See the header.
 */
void
evox_renderer_set_rgb (EvoxRenderer *self,
                       const int     channels[3],
                       const double  lo[3],
                       const double  hi[3])
{
  RgbComposite next = self->rgb;
  gboolean changed = FALSE;

  g_return_if_fail (EVOX_IS_RENDERER (self));

  for (guint s = 0; s < 3; s++)
    {
      int n = self->volume != NULL ? (int) evox_volume_get_n_channels (self->volume) : 0;

      next.channels[s] = channels != NULL && channels[s] >= 0 &&
                         (self->volume == NULL || channels[s] < n) ? channels[s] : -1;
      next.lo[s] = next.channels[s] >= 0 && lo != NULL ? (float) lo[s] : 0.0f;
      next.hi[s] = next.channels[s] >= 0 && hi != NULL ? (float) hi[s] : 1.0f;
      changed = changed || next.channels[s] != self->rgb.channels[s] ||
                next.lo[s] != self->rgb.lo[s] || next.hi[s] != self->rgb.hi[s];
    }
  if (!changed)
    return;
  memcpy (self->rgb.channels, next.channels, sizeof next.channels);
  memcpy (self->rgb.lo, next.lo, sizeof next.lo);
  memcpy (self->rgb.hi, next.hi, sizeof next.hi);
  emit_changed (self);
}

gboolean
evox_renderer_get_rgb (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), FALSE);
  return rgb_wanted (self);
}

/* Scene building */

static void
push_vertex (GArray       *vertices,
             const double  position[3],
             const double  texcoord[3])
{
  Vertex v;

  for (guint i = 0; i < 3; i++)
    {
      v.position[i] = (float) position[i];
      v.texcoord[i] = (float) texcoord[i];
    }
  g_array_append_val (vertices, v);
}

/* Corner c (0..3, counter-clockwise) of the plane at `position` along `axis`, spanning the box
 * along the two other axes; texcoord along the axis is `t`. */
static void
plane_corner (EvoxRenderer *self,
              guint         axis,
              double        position,
              double        t,
              guint         c,
              double        point[3],
              double        texcoord[3])
{
  double lo[3], hi[3];
  guint u = (axis + 1) % 3, v = (axis + 2) % 3;
  gboolean at_u = c == 1 || c == 2;
  gboolean at_v = c == 2 || c == 3;

  get_box (self, lo, hi);
  point[axis] = position;
  texcoord[axis] = t;
  point[u] = at_u ? hi[u] : lo[u];
  texcoord[u] = at_u ? 1.0 : 0.0;
  point[v] = at_v ? hi[v] : lo[v];
  texcoord[v] = at_v ? 1.0 : 0.0;
}

/* Two triangles; returns the first vertex. */
static guint
push_plane (EvoxRenderer *self,
            guint         axis,
            gsize         index)
{
  static const guint order[6] = { 0, 1, 2, 0, 2, 3 };
  guint first = self->vertices->len;
  double t = ((double) index + 0.5) / (double) self->dims[axis];

  for (guint i = 0; i < 6; i++)
    {
      double point[3], texcoord[3];

      plane_corner (self, axis, plane_position (self, axis, index), t, order[i], point, texcoord);
      push_vertex (self->vertices, point, texcoord);
    }
  return first;
}

/* Four lines around the plane; returns the first vertex. */
static guint
push_plane_outline (EvoxRenderer *self,
                    guint         axis,
                    gsize         index)
{
  guint first = self->vertices->len;
  double t = ((double) index + 0.5) / (double) self->dims[axis];

  for (guint c = 0; c < 4; c++)
    for (guint end = 0; end < 2; end++)
      {
        double point[3], texcoord[3];

        plane_corner (self, axis, plane_position (self, axis, index), t, (c + end) % 4,
                      point, texcoord);
        push_vertex (self->vertices, point, texcoord);
      }
  return first;
}

/* Twelve edges; returns the first vertex. */
static guint
push_box (EvoxRenderer *self)
{
  static const double zero[3] = { 0, 0, 0 };
  guint first = self->vertices->len;
  double lo[3], hi[3];

  get_box (self, lo, hi);
  for (guint axis = 0; axis < 3; axis++)
    for (guint c = 0; c < 4; c++)
      {
        guint u = (axis + 1) % 3, v = (axis + 2) % 3;
        double a[3], b[3];

        a[u] = b[u] = (c & 1) ? hi[u] : lo[u];
        a[v] = b[v] = (c & 2) ? hi[v] : lo[v];
        a[axis] = lo[axis];
        b[axis] = hi[axis];
        push_vertex (self->vertices, a, zero);
        push_vertex (self->vertices, b, zero);
      }
  return first;
}

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

static void
use_slice_program (EvoxRenderer *self,
                   const Frame  *frame,
                   float         alpha)
{
  EvoxTransfer transfer = evox_transfer_for (evox_volume_get_channel_value_scale (self->volume,
                                                                                 self->channel),
                                             self->mapping);
  static const float highlight_rgb[3] = EVOX_RENDERER_HIGHLIGHT_RGB;
  double a, b, m = 0.0;
  float value_scale = 1.0f;
  gboolean integer = FALSE;
  /* prepare () has uploaded the current labels, so their dims are the texture's. */
  gboolean highlight = self->label_texture != 0 &&
                       memcmp (self->label_dims, self->dims, sizeof self->dims) == 0;
  gboolean colouring;
  /* prepare () has packed the current clusters' ids into the volume texture when they match. */
  gboolean clusters = clusters_shown (self) && self->cluster_format != 0;
  SliceUniforms *su;

  if (transfer == EVOX_TRANSFER_EXP10)
    {
      /* 10^v overflows floats near v = 38; scaled by 10^-max (lo, hi) it stays in range and
       * the coordinate (10^v - 10^lo) / (10^hi - 10^lo) is unchanged. */
      m = MAX (self->lo, self->hi);
      a = pow (10.0, self->lo - m);
      b = pow (10.0, self->hi - m);
    }
  else
    {
      a = evox_transfer_apply (transfer, self->lo);
      b = evox_transfer_apply (transfer, self->hi);
    }

  switch (evox_volume_get_sample_type (self->volume))
    {
    case EVOX_SAMPLE_U8:
      value_scale = 255.0f;
      integer = TRUE;
      break;
    case EVOX_SAMPLE_U16:
      value_scale = 65535.0f;
      integer = TRUE;
      break;
    case EVOX_SAMPLE_F32:
    default:
      break;
    }

  colouring = highlight && self->label_color_width > 0;
  self->slice_variant = (colouring ? SLICE_PARTICLE_COLORS : 0) |
                        (clusters ? SLICE_CLUSTERS : 0) |
                        (clusters && self->cluster_outlines ? SLICE_CLUSTER_OUTLINES : 0) |
                        (rgb_on_gpu (self) ? SLICE_RGB : 0);
  su = &self->su[self->slice_variant];
  glUseProgram (self->slice_programs[self->slice_variant]);
  glUniformMatrix4fv (su->mvp, 1, GL_FALSE, (const float *) frame->mvp);
  glUniform1i (su->volume, 0);
  glUniform1i (su->colormap, 1);
  glUniform1f (su->value_scale, value_scale);
  glUniform1i (su->integer, integer);
  glUniform1i (su->transfer, (int) transfer);
  glUniform1f (su->a, (float) a);
  glUniform1f (su->b, (float) b);
  glUniform1f (su->m, (float) m);
  glUniform1i (su->valid, isfinite ((float) a) && isfinite ((float) b));
  glUniform1f (su->alpha, alpha);
  glUniform1i (su->phase_mode, phases_shown (self) ? (self->hide_outside ? 2 : 1) : 0);
  glUniform1i (su->n_phases, (int) self->n_phase_rows);
  glUniform1ui (su->selected, highlight ? self->selected_particle : 0u);
  glUniform3fv (su->highlight, 1, highlight_rgb);
  glUniform1f (su->dim, EVOX_RENDERER_DIM);
  glUniform1i (su->label_color_width, colouring ? self->label_color_width : 0);
  glUniform1i (su->label_color_shift, self->label_color_shift);
  if (clusters)
    {
      glUniform1f (su->cluster_opacity, (float) self->cluster_opacity);
      glUniform1i (su->clusters_on, TRUE);
      glUniform1f (su->cluster_scale, self->cluster_scale);
      glActiveTexture (GL_TEXTURE7);
      glBindTexture (GL_TEXTURE_2D, self->cluster_color_texture);
    }
  glActiveTexture (GL_TEXTURE0);
  glBindTexture (GL_TEXTURE_3D, self->volume_texture);
  glActiveTexture (GL_TEXTURE1);
  glBindTexture (GL_TEXTURE_2D, self->colormap_texture);
  glActiveTexture (GL_TEXTURE2);
  glBindTexture (GL_TEXTURE_2D, self->phase_texture);
  glActiveTexture (GL_TEXTURE3);
  glBindTexture (GL_TEXTURE_3D, self->label_texture);
  glActiveTexture (GL_TEXTURE4);
  glBindTexture (GL_TEXTURE_2D, self->label_color_texture);
  if (self->slice_variant & SLICE_RGB)
    use_rgb (self, su);
  glActiveTexture (GL_TEXTURE0);
}

static void
use_line_program (EvoxRenderer *self,
                  const Frame  *frame)
{
  glUseProgram (self->line_program);
  glUniformMatrix4fv (self->lu.mvp, 1, GL_FALSE, (const float *) frame->mvp);
  glUniform2f (self->lu.viewport, (float) frame->viewport[0], (float) frame->viewport[1]);
}

static void
draw_lines (EvoxRenderer    *self,
            const Frame     *frame,
            const LineStyle *style,
            guint            first,
            guint            count)
{
  glUniform4fv (self->lu.color, 1, style->color);
  glUniform1f (self->lu.width, MAX (style->width * frame->line_scale, 1.0f));
  glDrawArrays (GL_LINES, (GLint) first, (GLsizei) count);
}

/* Surfaces */

/* The side of each slice plane the camera is on (+1 or -1 along the axis): the eye's side in
 * perspective, the side the eye direction points to in orthographic views. */
static void
get_clip_side (EvoxRenderer *self,
               const float   planes[3],
               float         side[3])
{
  double origin[3], dir[3];

  if (evox_camera_get_orthographic (self->draw_camera))
    {
      evox_camera_get_eye_direction (self->draw_camera, dir);
      for (guint a = 0; a < 3; a++)
        side[a] = dir[a] >= 0 ? 1.0f : -1.0f;
    }
  else
    {
      evox_camera_get_ray (self->draw_camera, 0.5, 0.5, 1, 1, origin, dir);
      for (guint a = 0; a < 3; a++)
        side[a] = origin[a] >= planes[a] ? 1.0f : -1.0f;
    }
}

/* Program `variant` (MESH_ flags) with the per-frame uniforms every surface shares: a few
 * matrices, nothing per vertex. Returns its uniforms' locations. */
static const MeshUniforms *
use_mesh_program (EvoxRenderer *self,
                  const Frame  *frame,
                  int           pass,
                  guint         variant)
{
  const MeshUniforms *mu = &self->mu[variant];
  mat4 model = GLM_MAT4_IDENTITY_INIT, view, mvp, modelview, modelview_projection, view_to_world;
  mat3 normal_matrix;
  double lo[3], hi[3];
  float planes[3], side[3] = { 1, 1, 1 }, near = G_MAXFLOAT, far = -G_MAXFLOAT;

  memcpy (view, frame->view, sizeof view);
  memcpy (mvp, frame->mvp, sizeof mvp);
  model[2][2] = (float) self->z_exaggeration;
  glm_mat4_inv (view, view_to_world);
  glm_mat4_mul (view, model, modelview);
  glm_mat4_mul (mvp, model, modelview_projection);
  /* Normals take the inverse transpose: the exaggeration stretches z, so normals shrink in z. */
  glm_mat4_pick3 (modelview, normal_matrix);
  glm_mat3_inv (normal_matrix, normal_matrix);
  glm_mat3_transpose (normal_matrix);

  for (guint a = 0; a < 3; a++)
    planes[a] = (float) plane_position (self, a, self->slices[a]);
  if (variant & MESH_CLIP)
    get_clip_side (self, planes, side);

  /* The depths the box spans, over which the OIT weights fall from near to far. */
  get_box (self, lo, hi);
  for (guint c = 0; c < 8; c++)
    {
      vec4 corner = { (float) (c & 1 ? hi[0] : lo[0]), (float) (c & 2 ? hi[1] : lo[1]),
                      (float) (c & 4 ? hi[2] : lo[2]), 1.0f }, eye;

      glm_mat4_mulv (view, corner, eye);
      near = MIN (near, -eye[2]);
      far = MAX (far, -eye[2]);
    }

  glUseProgram (self->mesh_programs[variant]);
  glUniformMatrix4fv (mu->mvp, 1, GL_FALSE, (const float *) modelview_projection);
  glUniformMatrix4fv (mu->modelview, 1, GL_FALSE, (const float *) modelview);
  glUniformMatrix3fv (mu->normal_matrix, 1, GL_FALSE, (const float *) normal_matrix);
  glUniformMatrix4fv (mu->view_to_world, 1, GL_FALSE, (const float *) view_to_world);
  glUniform1i (mu->orthographic, evox_camera_get_orthographic (self->draw_camera));
  glUniform3fv (mu->clip_planes, 1, planes);
  glUniform3fv (mu->clip_side, 1, side);
  glUniform1i (mu->pass, pass);
  glUniform2f (mu->depth_range, near, far);
  return mu;
}

/* The surface's mesh on the GPU, or NULL when it is not to be drawn in this pass (0: opaque,
 * 1: translucent). */
static MeshBuffers *
surface_buffers (EvoxRenderer *self,
                 EvoxSurface  *surface,
                 int           pass)
{
  MeshBuffers *buffers;
  gboolean opaque;

  if (!surface_shown (surface))
    return NULL;
  opaque = evox_surface_get_opacity (surface) >= OPAQUE_OPACITY;
  if (opaque != (pass == 0))
    return NULL;
  buffers = g_hash_table_lookup (self->meshes, evox_surface_get_mesh (surface));
  return buffers != NULL && buffers->on_gpu ? buffers : NULL;
}

static gboolean
has_surfaces (EvoxRenderer *self,
              int           pass)
{
  guint n = self->surfaces != NULL ? evox_surface_list_get_n_surfaces (self->surfaces) : 0;

  for (guint i = 0; i < n; i++)
    if (surface_buffers (self, evox_surface_list_get_surface (self->surfaces, i), pass) != NULL)
      return TRUE;
  return FALSE;
}

/* The surfaces of one pass in list order, with the blending and depth state already set. */
static void
draw_surfaces (EvoxRenderer *self,
               const Frame  *frame,
               int           pass,
               gboolean      clip)
{
  guint n = self->surfaces != NULL ? evox_surface_list_get_n_surfaces (self->surfaces) : 0;
  const MeshUniforms *mu = NULL;
  guint variant = G_MAXUINT;

  for (guint i = 0; i < n; i++)
    {
      EvoxSurface *surface = evox_surface_list_get_surface (self->surfaces, i);
      MeshBuffers *buffers = surface_buffers (self, surface, pass);
      guint wanted;
      float rgba[4];

      if (buffers == NULL)
        continue;
      wanted = (clip ? MESH_CLIP : 0) | (buffers->has_colors ? MESH_VERTEX_COLORS : 0);
      if (wanted != variant)
        mu = use_mesh_program (self, frame, pass, wanted);
      variant = wanted;
      evox_surface_get_rgba (surface, rgba);
      rgba[3] = CLAMP (rgba[3], 0.0f, 1.0f);
      glUniform4fv (mu->color, 1, rgba);
      glBindVertexArray (buffers->vao);
      glDrawElements (GL_TRIANGLES, buffers->n_indices, GL_UNSIGNED_INT, NULL);
    }
  glBindVertexArray (self->vao);
}

/* Opaque surfaces write depth like the opaque slices, so they hide and are hidden exactly. */
static void
draw_opaque_surfaces (EvoxRenderer *self,
                      const Frame  *frame,
                      gboolean      clip)
{
  if (!has_surfaces (self, 0))
    return;
  glEnable (GL_DEPTH_TEST);
  glDepthFunc (GL_LEQUAL);
  glDepthMask (GL_TRUE);
  glDisable (GL_BLEND);
  draw_surfaces (self, frame, 0, clip);
}

static void
delete_oit_targets (EvoxRenderer *self)
{
  if (self->oit_framebuffer != 0)
    glDeleteFramebuffers (1, &self->oit_framebuffer);
  if (self->oit_accum != 0)
    glDeleteTextures (1, &self->oit_accum);
  if (self->oit_weight != 0)
    glDeleteTextures (1, &self->oit_weight);
  if (self->oit_depth != 0)
    glDeleteRenderbuffers (1, &self->oit_depth);
  self->oit_framebuffer = self->oit_accum = self->oit_weight = self->oit_depth = 0;
  self->oit_depth_format = 0;
  self->oit_size[0] = self->oit_size[1] = 0;
}

/* The internal format of the depth buffer of the bound draw framebuffer `framebuffer`, 0 when
 * it has none. */
static GLenum
draw_framebuffer_depth_format (GLint framebuffer)
{
  GLenum depth = framebuffer == 0 ? GL_DEPTH : GL_DEPTH_ATTACHMENT;
  GLenum stencil = framebuffer == 0 ? GL_STENCIL : GL_STENCIL_ATTACHMENT;
  GLint type = GL_NONE, depth_bits = 0, stencil_bits = 0, component = GL_NONE;

  glGetFramebufferAttachmentParameteriv (GL_DRAW_FRAMEBUFFER, depth,
                                         GL_FRAMEBUFFER_ATTACHMENT_OBJECT_TYPE, &type);
  if (type == GL_NONE)
    return 0;
  glGetFramebufferAttachmentParameteriv (GL_DRAW_FRAMEBUFFER, depth,
                                         GL_FRAMEBUFFER_ATTACHMENT_DEPTH_SIZE, &depth_bits);
  glGetFramebufferAttachmentParameteriv (GL_DRAW_FRAMEBUFFER, depth,
                                         GL_FRAMEBUFFER_ATTACHMENT_COMPONENT_TYPE, &component);
  type = GL_NONE;
  glGetFramebufferAttachmentParameteriv (GL_DRAW_FRAMEBUFFER, stencil,
                                         GL_FRAMEBUFFER_ATTACHMENT_OBJECT_TYPE, &type);
  if (type != GL_NONE)
    glGetFramebufferAttachmentParameteriv (GL_DRAW_FRAMEBUFFER, stencil,
                                           GL_FRAMEBUFFER_ATTACHMENT_STENCIL_SIZE, &stencil_bits);

  if (depth_bits <= 0)
    return 0;
  if (component == GL_FLOAT)
    return stencil_bits > 0 ? GL_DEPTH32F_STENCIL8 : GL_DEPTH_COMPONENT32F;
  if (depth_bits <= 16)
    return GL_DEPTH_COMPONENT16;
  if (depth_bits <= 24)
    return stencil_bits > 0 ? GL_DEPTH24_STENCIL8 : GL_DEPTH_COMPONENT24;
  return GL_DEPTH_COMPONENT32;
}

static GLuint
new_target_texture (GLint   internal_format,
                    GLenum  format,
                    int     width,
                    int     height)
{
  GLuint texture = 0;

  glGenTextures (1, &texture);
  glBindTexture (GL_TEXTURE_2D, texture);
  set_texture_parameters (GL_TEXTURE_2D);
  glTexImage2D (GL_TEXTURE_2D, 0, internal_format, width, height, 0, format, GL_HALF_FLOAT,
                NULL);
  glBindTexture (GL_TEXTURE_2D, 0);
  return texture;
}

/* Binds the OIT framebuffer for drawing, (re)made when the viewport or the depth format changed.
 * FALSE when this GL cannot make it. */
static gboolean
bind_oit_targets (EvoxRenderer *self,
                  int           width,
                  int           height,
                  GLenum        depth_format)
{
  static const GLenum draw_buffers[2] = { GL_COLOR_ATTACHMENT0, GL_COLOR_ATTACHMENT1 };
  GLenum status;

  if (self->oit_framebuffer != 0 && self->oit_size[0] == width && self->oit_size[1] == height &&
      self->oit_depth_format == depth_format)
    {
      glBindFramebuffer (GL_DRAW_FRAMEBUFFER, self->oit_framebuffer);
      return TRUE;
    }

  delete_oit_targets (self);
  drain_gl_errors ();
  glActiveTexture (GL_TEXTURE4);
  self->oit_accum = new_target_texture (GL_RGBA16F, GL_RGBA, width, height);
  self->oit_weight = new_target_texture (GL_R16F, GL_RED, width, height);
  glActiveTexture (GL_TEXTURE0);
  glGenRenderbuffers (1, &self->oit_depth);
  glBindRenderbuffer (GL_RENDERBUFFER, self->oit_depth);
  glRenderbufferStorage (GL_RENDERBUFFER, depth_format, width, height);
  glBindRenderbuffer (GL_RENDERBUFFER, 0);

  glGenFramebuffers (1, &self->oit_framebuffer);
  glBindFramebuffer (GL_DRAW_FRAMEBUFFER, self->oit_framebuffer);
  glFramebufferTexture2D (GL_DRAW_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D,
                          self->oit_accum, 0);
  glFramebufferTexture2D (GL_DRAW_FRAMEBUFFER, GL_COLOR_ATTACHMENT1, GL_TEXTURE_2D,
                          self->oit_weight, 0);
  glFramebufferRenderbuffer (GL_DRAW_FRAMEBUFFER,
                             depth_format == GL_DEPTH24_STENCIL8 ||
                             depth_format == GL_DEPTH32F_STENCIL8 ? GL_DEPTH_STENCIL_ATTACHMENT
                                                                  : GL_DEPTH_ATTACHMENT,
                             GL_RENDERBUFFER, self->oit_depth);
  glDrawBuffers (2, draw_buffers);
  status = glCheckFramebufferStatus (GL_DRAW_FRAMEBUFFER);
  if (status != GL_FRAMEBUFFER_COMPLETE || glGetError () != GL_NO_ERROR)
    {
      delete_oit_targets (self);
      return FALSE;
    }
  self->oit_size[0] = width;
  self->oit_size[1] = height;
  self->oit_depth_format = depth_format;
  return TRUE;
}

/* Translucent surfaces by weighted blended order-independent transparency (McGuire and Bavoil,
 * 2013) rather than depth peeling. Peeling is exact but draws every translucent triangle again
 * for each layer it peels (a closed surface seen through another is four layers deep, a noisy
 * phase tens), and on llvmpipe one draw of a 500,000-triangle mesh takes a few hundred ms;
 * WBOIT draws each triangle once, whatever the depth complexity, then one full-screen pass.
 * What it gives up: overlapping layers' colours are mixed by weights that favour the nearer
 * (depth_weight in mesh.frag) instead of strictly in order. How much shows through (the
 * product of (1 - opacity)) stays exact, and the result never depends on the list's order.
 *
 * GL 3.3 has one blend function for all draw buffers, so the revealage product rides in the
 * accumulation target's alpha (colour blended ONE, ONE; alpha ZERO, ONE_MINUS_SRC_ALPHA) and
 * the weight sum gets an R16F target of its own (32-bit floats cost llvmpipe the same CPU time
 * in evox-bench mesh-render, so the half-size ones stay). The targets share the opaque scene's
 * depth: the caller's depth buffer is copied into one of the same format (a depth blit needs
 * equal formats), then tested but not written. The composite blends over the caller's
 * framebuffer as "over", so a transparent background keeps the coverage in alpha. */
static void
draw_translucent_surfaces (EvoxRenderer *self,
                           const Frame  *frame,
                           gboolean      clip)
{
  static const float clear_accum[4] = { 0.0f, 0.0f, 0.0f, 1.0f };
  static const float clear_weight[4] = { 0.0f, 0.0f, 0.0f, 0.0f };
  static const float clear_depth = 1.0f;
  int width = frame->viewport[0], height = frame->viewport[1];
  int ox = frame->offset[0], oy = frame->offset[1];
  GLint caller_draw = 0, caller_read = 0;
  GLenum depth_format;
  gboolean have_depth = FALSE;
  gboolean scissor = glIsEnabled (GL_SCISSOR_TEST);

  if (!has_surfaces (self, 1))
    return;
  /* The targets are the viewport's size: drawn into at 0, 0, composited back at the offset. */
  glDisable (GL_SCISSOR_TEST);

  glGetIntegerv (GL_DRAW_FRAMEBUFFER_BINDING, &caller_draw);
  glGetIntegerv (GL_READ_FRAMEBUFFER_BINDING, &caller_read);
  drain_gl_errors ();
  depth_format = draw_framebuffer_depth_format (caller_draw);
  /* A default framebuffer that does not exist (surfaceless EGL) may answer with an error. */
  drain_gl_errors ();

  if (!bind_oit_targets (self, width, height,
                         depth_format != 0 ? depth_format : GL_DEPTH_COMPONENT24))
    {
      if (!self->warned_oit)
        g_warning ("This OpenGL cannot make the buffers for translucent surfaces; they are "
                   "not drawn");
      self->warned_oit = TRUE;
      glBindFramebuffer (GL_DRAW_FRAMEBUFFER, (GLuint) caller_draw);
      if (scissor)
        glEnable (GL_SCISSOR_TEST);
      return;
    }
  glViewport (0, 0, width, height);

  if (depth_format != 0)
    {
      glBindFramebuffer (GL_READ_FRAMEBUFFER, (GLuint) caller_draw);
      glBlitFramebuffer (ox, oy, ox + width, oy + height, 0, 0, width, height,
                         GL_DEPTH_BUFFER_BIT, GL_NEAREST);
      have_depth = glGetError () == GL_NO_ERROR;
    }
  if (!have_depth)
    {
      if (!self->warned_oit)
        g_warning ("The framebuffer's depth cannot be shared with translucent surfaces; they "
                   "are drawn over everything opaque");
      self->warned_oit = TRUE;
      glClearBufferfv (GL_DEPTH, 0, &clear_depth);
    }
  glClearBufferfv (GL_COLOR, 0, clear_accum);
  glClearBufferfv (GL_COLOR, 1, clear_weight);

  glEnable (GL_DEPTH_TEST);
  glDepthFunc (GL_LEQUAL);
  glDepthMask (GL_FALSE);
  glEnable (GL_BLEND);
  glBlendEquation (GL_FUNC_ADD);
  glBlendFuncSeparate (GL_ONE, GL_ONE, GL_ZERO, GL_ONE_MINUS_SRC_ALPHA);
  draw_surfaces (self, frame, 1, clip);

  glBindFramebuffer (GL_DRAW_FRAMEBUFFER, (GLuint) caller_draw);
  glBindFramebuffer (GL_READ_FRAMEBUFFER, (GLuint) caller_read);
  glViewport (ox, oy, width, height);
  if (scissor)
    glEnable (GL_SCISSOR_TEST);
  glDisable (GL_DEPTH_TEST);
  glBlendFuncSeparate (GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
  glUseProgram (self->composite_program);
  glUniform2i (self->cu.offset, ox, oy);
  glActiveTexture (GL_TEXTURE4);
  glBindTexture (GL_TEXTURE_2D, self->oit_accum);
  glActiveTexture (GL_TEXTURE5);
  glBindTexture (GL_TEXTURE_2D, self->oit_weight);
  glBindVertexArray (self->empty_vao);
  glDrawArrays (GL_TRIANGLES, 0, 3);
  glBindVertexArray (self->vao);
  glBindTexture (GL_TEXTURE_2D, 0);
  glActiveTexture (GL_TEXTURE4);
  glBindTexture (GL_TEXTURE_2D, 0);
  glActiveTexture (GL_TEXTURE0);
  glDepthMask (GL_TRUE);
}

static void
draw_slices_view (EvoxRenderer *self,
                  const Frame  *frame)
{
  guint planes[3], outlines[3], box;

  for (guint a = 0; a < 3; a++)
    planes[a] = push_plane (self, a, self->slices[a]);
  for (guint a = 0; a < 3; a++)
    outlines[a] = push_plane_outline (self, a, self->slices[a]);
  box = push_box (self);
  glBufferData (GL_ARRAY_BUFFER, self->vertices->len * sizeof (Vertex), self->vertices->data,
                GL_STREAM_DRAW);

  glEnable (GL_DEPTH_TEST);
  glDepthFunc (GL_LEQUAL);
  glDepthMask (GL_TRUE);
  if (self->volume_on_gpu)
    {
      /* Pushed back a little so their outlines, in the same planes, win the depth test. */
      glEnable (GL_POLYGON_OFFSET_FILL);
      glPolygonOffset (1.0f, 1.0f);
      glDisable (GL_BLEND);
      use_slice_program (self, frame, 1.0f);
      for (guint a = 0; a < 3; a++)
        glDrawArrays (GL_TRIANGLES, (GLint) planes[a], 6);
      glDisable (GL_POLYGON_OFFSET_FILL);
    }
  draw_opaque_surfaces (self, frame, self->clip_surfaces);

  glEnable (GL_BLEND);
  use_line_program (self, frame);
  draw_lines (self, frame, &box_style, box, 24);
  for (guint a = 0; a < 3; a++)
    draw_lines (self, frame, &slice_styles[a], outlines[a], 8);

  draw_translucent_surfaces (self, frame, self->clip_surfaces);
}

static void
draw_slice_view (EvoxRenderer *self,
                 const Frame  *frame,
                 guint         axis)
{
  guint plane;

  if (!self->volume_on_gpu)
    {
      /* Without the voxels, at least show where the slice would be. */
      guint outline = push_plane_outline (self, axis, self->slices[axis]);

      glBufferData (GL_ARRAY_BUFFER, self->vertices->len * sizeof (Vertex),
                    self->vertices->data, GL_STREAM_DRAW);
      glEnable (GL_BLEND);
      use_line_program (self, frame);
      draw_lines (self, frame, &box_style, outline, 8);
      return;
    }

  plane = push_plane (self, axis, self->slices[axis]);
  glBufferData (GL_ARRAY_BUFFER, self->vertices->len * sizeof (Vertex), self->vertices->data,
                GL_STREAM_DRAW);
  glDisable (GL_DEPTH_TEST);
  glDisable (GL_BLEND);
  use_slice_program (self, frame, 1.0f);
  glDrawArrays (GL_TRIANGLES, (GLint) plane, 6);
}

/* One plane of the layer stack: a grid layer of the volume, or a measured scan that lies between
 * grid layers, drawn at its own depth from the scan texture. */
typedef struct
{
  gboolean scan;
  guint    index;      /* grid layer or scan */
  double   position;   /* world z */
  double   t;          /* texture z */
  gboolean measured;
  double   depth;      /* from the viewer, for drawing back to front */
} StackPlane;

/* Interpolated layers are drawn fainter than measured ones, so the data stand out of the blend
 * of two scans that fills the space between them. */
#define INTERPOLATED_OPACITY_SHARE 0.5

static int
compare_farthest_first (gconstpointer a,
                        gconstpointer b)
{
  const StackPlane *la = a, *lb = b;

  return (la->depth < lb->depth) - (la->depth > lb->depth);
}

/* Which scans no measured grid layer copies: they would otherwise not be drawn at all. */
static gboolean *
find_off_grid_scans (EvoxRenderer *self,
                     guint         n_scans)
{
  gboolean *off_grid = g_new (gboolean, MAX (n_scans, 1));

  for (guint i = 0; i < n_scans; i++)
    off_grid[i] = TRUE;
  for (gsize k = 0; k < self->dims[2]; k++)
    {
      const EvoxLayer *layer = evox_volume_get_layer (self->volume, k);

      if (layer->measured && layer->scan >= 0 && (guint) layer->scan < n_scans)
        off_grid[layer->scan] = FALSE;
    }
  return off_grid;
}

/* The visible grid layers and off-grid scans, farthest from the viewer first. */
static GArray *
sort_layers (EvoxRenderer *self)
{
  GArray *order = g_array_new (FALSE, FALSE, sizeof (StackPlane));
  guint n_scans = evox_volume_get_n_scans (self->volume);
  g_autofree gboolean *off_grid = find_off_grid_scans (self, n_scans);
  gboolean orthographic = evox_camera_get_orthographic (self->draw_camera);
  double eye_dir[3], origin[3], dir[3];

  evox_camera_get_eye_direction (self->draw_camera, eye_dir);
  if (!orthographic)
    evox_camera_get_ray (self->draw_camera, 0.5, 0.5, 1, 1, origin, dir);
  for (gsize k = 0; k < self->dims[2]; k++)
    {
      StackPlane plane = { FALSE, (guint) k, plane_position (self, 2, k),
                           ((double) k + 0.5) / (double) self->dims[2],
                           evox_volume_get_layer (self->volume, k)->measured, 0.0 };

      if (self->layer_visible[k])
        g_array_append_val (order, plane);
    }
  for (guint i = 0; i < n_scans; i++)
    {
      StackPlane plane = { TRUE, i, evox_volume_get_scan (self->volume, i)->z_nm *
                                    axis_scale (self, 2),
                           ((double) i + 0.5) / (double) n_scans, TRUE, 0.0 };

      if (off_grid[i] && self->scan_visible[i])
        g_array_append_val (order, plane);
    }
  for (guint i = 0; i < order->len; i++)
    {
      StackPlane *plane = &g_array_index (order, StackPlane, i);

      /* Planes are parallel, so along any ray the farther one is farther in z. */
      plane->depth = orthographic ? -plane->position * eye_dir[2]
                                  : fabs (plane->position - origin[2]);
    }
  g_array_sort (order, compare_farthest_first);
  return order;
}

/* Two triangles, or four lines when `outline`, across the volume at world z `position`, with
 * texture z `t`; returns the first vertex. */
static guint
push_stack_plane (EvoxRenderer *self,
                  double        position,
                  double        t,
                  gboolean      outline)
{
  static const guint order[6] = { 0, 1, 2, 0, 2, 3 };
  guint first = self->vertices->len;

  for (guint i = 0; i < (outline ? 8u : 6u); i++)
    {
      double point[3], texcoord[3];
      guint corner = outline ? (i / 2 + i % 2) % 4 : order[i];

      plane_corner (self, 2, position, t, corner, point, texcoord);
      push_vertex (self->vertices, point, texcoord);
    }
  return first;
}

static void
draw_stack_view (EvoxRenderer *self,
                 const Frame  *frame)
{
  g_autoptr(GArray) order = sort_layers (self);
  g_autofree guint *planes = g_new (guint, MAX (order->len, 1));
  g_autofree guint *outlines = g_new (guint, MAX (order->len, 1));
  guint box;

  box = push_box (self);
  for (guint i = 0; i < order->len; i++)
    {
      const StackPlane *plane = &g_array_index (order, StackPlane, i);

      planes[i] = push_stack_plane (self, plane->position, plane->t, FALSE);
      outlines[i] = push_stack_plane (self, plane->position, plane->t, TRUE);
    }
  glBufferData (GL_ARRAY_BUFFER, self->vertices->len * sizeof (Vertex), self->vertices->data,
                GL_STREAM_DRAW);

  /* The box first, writing depth: translucent planes behind its front edges then leave them
   * alone, and its back edges get tinted by the planes in front. */
  glEnable (GL_DEPTH_TEST);
  glDepthFunc (GL_LEQUAL);
  glDepthMask (GL_TRUE);
  glEnable (GL_BLEND);
  use_line_program (self, frame);
  draw_lines (self, frame, &box_style, box, 24);
  draw_opaque_surfaces (self, frame, FALSE);

  glEnable (GL_BLEND);
  glDepthMask (GL_FALSE);
  for (guint i = 0; i < order->len; i++)
    {
      const StackPlane *plane = &g_array_index (order, StackPlane, i);
      gboolean from_scan = FALSE;

      if (plane->scan)
        from_scan = TRUE;
      else
        {
          const EvoxLayer *layer = evox_volume_get_layer (self->volume, plane->index);
          from_scan = layer->measured && layer->scan >= 0;
        }
      if (self->volume_on_gpu && (!plane->scan || self->scan_texture != 0))
        {
          use_slice_program (self, frame, (float) (self->stack_opacity *
                                                   (plane->measured ? 1.0
                                                                    : INTERPOLATED_OPACITY_SHARE)));
          if (plane->scan)
            {
              /* The labels belong to the grid, not to a scan between its layers. */
              glBindTexture (GL_TEXTURE_3D, self->scan_texture);
              glUniform1ui (self->su[self->slice_variant].selected, 0u);
              glUniform1i (self->su[self->slice_variant].clusters_on, FALSE);
              /* A scan is one measurement, not the channels the composite shows. */
              glUniform1i (self->su[self->slice_variant].rgb_on, FALSE);
            }
          glDrawArrays (GL_TRIANGLES, (GLint) planes[i], 6);
        }
      use_line_program (self, frame);
      draw_lines (self, frame, from_scan ? &measured_style : &interpolated_style, outlines[i], 8);
    }
  glDepthMask (GL_TRUE);

  draw_translucent_surfaces (self, frame, FALSE);
}

/* Overlays: crosshairs, rulers and their labels */

static const LineStyle ruler_style = { { 1.0f, 0.84f, 0.18f, 1.0f }, 2.0f };
static const LineStyle ruler_faint_style = { { 1.0f, 0.84f, 0.18f, 0.35f }, 1.5f };
/* Under the ruler, so it reads on every colour map (viridis ends in yellow too). */
static const LineStyle ruler_shadow_style = { { 0.0f, 0.0f, 0.0f, 0.7f }, 4.5f };
static const LineStyle crosshair_styles[3] = {
  { { 0.95f, 0.35f, 0.35f, 0.9f }, 1.5f },
  { { 0.40f, 0.85f, 0.40f, 0.9f }, 1.5f },
  { { 0.40f, 0.60f, 1.00f, 0.9f }, 1.5f },
};
static const LineStyle pane_frame_styles[3] = {
  { { 0.95f, 0.35f, 0.35f, 1.0f }, 3.0f },
  { { 0.40f, 0.85f, 0.40f, 1.0f }, 3.0f },
  { { 0.40f, 0.60f, 1.00f, 1.0f }, 3.0f },
};
/* Glyph pixels are LABEL_PIXEL window pixels square; the label's backdrop is LABEL_BACK tall. */
#define LABEL_PIXEL 2.0f
static const LineStyle label_style = { { 1.0f, 1.0f, 1.0f, 1.0f }, LABEL_PIXEL };
static const LineStyle label_back_style = { { 0.0f, 0.0f, 0.0f, 0.62f }, 7 * LABEL_PIXEL + 6 };

/* A 5 x 7 pixel font for length labels (digits, units, a few signs): rows top first, bit 4 the
 * leftmost column. The renderer draws no other text, so GL needs no font machinery. */
typedef struct
{
  gunichar c;
  guint8   rows[7];
} Glyph;

static const Glyph glyphs[] = {
  { '0', { 0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e } },
  { '1', { 0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e } },
  { '2', { 0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f } },
  { '3', { 0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e } },
  { '4', { 0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02 } },
  { '5', { 0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e } },
  { '6', { 0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e } },
  { '7', { 0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08 } },
  { '8', { 0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e } },
  { '9', { 0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c } },
  { '.', { 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c } },
  { '-', { 0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00 } },
  { 'A', { 0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11 } },
  { 'c', { 0x00, 0x00, 0x0e, 0x10, 0x10, 0x11, 0x0e } },
  { 'i', { 0x04, 0x00, 0x0c, 0x04, 0x04, 0x04, 0x0e } },
  { 'k', { 0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12 } },
  { 'm', { 0x00, 0x00, 0x1a, 0x15, 0x15, 0x11, 0x11 } },
  { 'n', { 0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11 } },
  { 'p', { 0x00, 0x00, 0x1e, 0x11, 0x1e, 0x10, 0x10 } },
  { 'u', { 0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0d } },
  { 'x', { 0x00, 0x00, 0x11, 0x0a, 0x04, 0x0a, 0x11 } },
  { 0x00b5, { 0x00, 0x00, 0x11, 0x11, 0x13, 0x1d, 0x10 } },  /* µ */
};

static const Glyph *
find_glyph (gunichar c)
{
  for (guint i = 0; i < G_N_ELEMENTS (glyphs); i++)
    if (glyphs[i].c == c)
      return &glyphs[i];
  return NULL;
}

/* A point given in the frame's NDC plus an offset in window pixels (line-scaled). */
static void
push_ndc (EvoxRenderer *self,
          const Frame  *frame,
          const double  ndc[2],
          double        dx_px,
          double        dy_px)
{
  static const double zero[3] = { 0, 0, 0 };
  double point[3];

  point[0] = ndc[0] + 2.0 * dx_px * frame->line_scale / frame->viewport[0];
  point[1] = ndc[1] + 2.0 * dy_px * frame->line_scale / frame->viewport[1];
  point[2] = 0.0;
  push_vertex (self->vertices, point, zero);
}

/* text centred above `anchor` (world units; below it or moved sideways where the viewport's edge
 * would cut it), white on a dark backdrop, in window pixels that exports scale like line widths.
 * Glyph rows become runs of thick lines: the line program draws them, so text needs no program
 * or texture of its own. */
static void
draw_label (EvoxRenderer *self,
            const Frame  *frame,
            const double  anchor[3],
            const char   *text)
{
  static const float identity[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 };
  vec4 world, clip;
  double ndc[2], width, left, top, half, centre = 0.0;
  glong n = g_utf8_strlen (text, -1);
  guint back, first;
  const char *p;

  world[0] = (float) anchor[0];
  world[1] = (float) anchor[1];
  world[2] = (float) anchor[2];
  world[3] = 1.0f;
  glm_mat4_mulv ((vec4 *) frame->mvp, world, clip);
  if (clip[3] <= 0 || n == 0)
    return;
  ndc[0] = clip[0] / clip[3];
  ndc[1] = clip[1] / clip[3];

  width = (6.0 * n - 1.0) * LABEL_PIXEL;
  top = 10.0 + 7.0 * LABEL_PIXEL;
  /* The label stays in the viewport (in the unscaled pixels offsets are given in): below a
   * ruler along the top edge rather than above it, and moved in from a side edge. */
  {
    double w = frame->viewport[0] / frame->line_scale, h = frame->viewport[1] / frame->line_scale;
    double x = 0.5 * (ndc[0] + 1.0) * w, y = 0.5 * (ndc[1] + 1.0) * h;
    double box = 0.5 * width + 3.0;

    if (y + top + 3.0 > h)
      top = -10.0;
    if (x - box < 0.0)
      centre = box - x;
    else if (x + box > w)
      centre = w - box - x;
  }
  left = centre - 0.5 * width;
  g_array_set_size (self->vertices, 0);
  /* The backdrop's line grows half its width past each end: shorten it by as much. */
  half = MAX (0.5 * width + 3.0 - 0.5 * label_back_style.width, 0.01);
  back = self->vertices->len;
  push_ndc (self, frame, ndc, centre - half, top - 3.5 * LABEL_PIXEL);
  push_ndc (self, frame, ndc, centre + half, top - 3.5 * LABEL_PIXEL);
  first = self->vertices->len;
  p = text;
  for (glong i = 0; i < n; i++, p = g_utf8_next_char (p))
    {
      const Glyph *glyph = find_glyph (g_utf8_get_char (p));

      if (glyph == NULL)
        continue;
      for (guint row = 0; row < 7; row++)
        for (int col = 0; col < 5; col++)
          {
            int end = col;

            if (!(glyph->rows[row] & (0x10 >> col)))
              continue;
            while (end + 1 < 5 && (glyph->rows[row] & (0x10 >> (end + 1))))
              end++;
            /* One run of lit pixels: a line through their centres, one pixel thick. */
            push_ndc (self, frame, ndc, left + (6.0 * i + col + 0.5) * LABEL_PIXEL,
                      top - (row + 0.5) * LABEL_PIXEL);
            push_ndc (self, frame, ndc, left + (6.0 * i + end + 0.5) * LABEL_PIXEL,
                      top - (row + 0.5) * LABEL_PIXEL);
            col = end;
          }
    }
  glBufferData (GL_ARRAY_BUFFER, self->vertices->len * sizeof (Vertex), self->vertices->data,
                GL_STREAM_DRAW);
  glDisable (GL_DEPTH_TEST);
  glEnable (GL_BLEND);
  glUseProgram (self->line_program);
  glUniformMatrix4fv (self->lu.mvp, 1, GL_FALSE, identity);
  glUniform2f (self->lu.viewport, (float) frame->viewport[0], (float) frame->viewport[1]);
  draw_lines (self, frame, &label_back_style, back, 2);
  if (self->vertices->len > first)
    draw_lines (self, frame, &label_style, first, self->vertices->len - first);
}

static void
to_world (EvoxRenderer *self,
          const double  nm[3],
          double        world[3])
{
  for (guint a = 0; a < 3; a++)
    world[a] = nm[a] * axis_scale (self, a);
}

/* Crosshairs and the pane's frame in a 2D pane; rulers in 2D and 3D slice views. */
static void
draw_overlays (EvoxRenderer *self,
               const Frame  *frame)
{
  gboolean flat = is_slice_view (frame->kind);
  guint axis = flat ? frame->kind - EVOX_VIEW_SLICE_X : 0;
  guint n = self->measurements != NULL ?
            evox_measurement_list_get_n_measurements (self->measurements) : 0;
  guint lines[2] = { 0, 0 }, outline = 0;
  g_autofree guint *rulers = NULL;
  double lo[3], hi[3];

  if (!(flat && frame->pane) && n == 0)
    return;
  if (!flat && frame->kind != EVOX_VIEW_SLICES)
    return;

  get_box (self, lo, hi);
  g_array_set_size (self->vertices, 0);
  if (flat && frame->pane)
    {
      static const double zero[3] = { 0, 0, 0 };

      outline = push_plane_outline (self, axis, self->slices[axis]);
      for (guint i = 0; i < 2; i++)
        {
          guint b = (axis + 1 + i) % 3, c = (axis + 2 - i) % 3;
          double p0[3], p1[3];

          p0[axis] = p1[axis] = plane_position (self, axis, self->slices[axis]);
          p0[b] = p1[b] = plane_position (self, b, self->slices[b]);
          p0[c] = lo[c];
          p1[c] = hi[c];
          lines[i] = self->vertices->len;
          push_vertex (self->vertices, p0, zero);
          push_vertex (self->vertices, p1, zero);
        }
    }
  rulers = g_new0 (guint, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      static const double zero[3] = { 0, 0, 0 };
      EvoxMeasurement *ruler = evox_measurement_list_get_measurement (self->measurements, i);
      double start[3], end[3];

      evox_measurement_get_points (ruler, start, end);
      to_world (self, start, start);
      to_world (self, end, end);
      rulers[i] = self->vertices->len;
      push_vertex (self->vertices, start, zero);
      push_vertex (self->vertices, end, zero);
    }
  glBufferData (GL_ARRAY_BUFFER, self->vertices->len * sizeof (Vertex), self->vertices->data,
                GL_STREAM_DRAW);

  glEnable (GL_BLEND);
  if (flat)
    glDisable (GL_DEPTH_TEST);
  else
    {
      /* In 3D the rulers lie in their slices and win the depth test there (the slices are
       * pushed back), and hide behind whatever is in front. */
      glEnable (GL_DEPTH_TEST);
      glDepthFunc (GL_LEQUAL);
    }
  use_line_program (self, frame);
  if (flat && frame->pane)
    {
      for (guint i = 0; i < 2; i++)
        draw_lines (self, frame, &crosshair_styles[(axis + 1 + i) % 3], lines[i], 2);
      draw_lines (self, frame, &pane_frame_styles[axis], outline, 8);
    }
  for (guint i = 0; i < n; i++)
    {
      EvoxMeasurement *ruler = evox_measurement_list_get_measurement (self->measurements, i);
      guint ruler_axis = evox_measurement_get_axis (ruler);
      gboolean here = evox_measurement_get_slice (ruler) == self->slices[ruler_axis];

      if (flat && ruler_axis != axis)
        continue;
      if (here)
        draw_lines (self, frame, &ruler_shadow_style, rulers[i], 2);
      draw_lines (self, frame, here ? &ruler_style : &ruler_faint_style, rulers[i], 2);
    }

  /* Labels last, over everything; each uploads its own vertices. */
  if (!flat)
    return;
  for (guint i = 0; i < n; i++)
    {
      EvoxMeasurement *ruler = evox_measurement_list_get_measurement (self->measurements, i);
      double start[3], end[3], middle[3];
      g_autofree char *text = NULL;

      if (evox_measurement_get_axis (ruler) != axis ||
          evox_measurement_get_slice (ruler) != self->slices[axis])
        continue;
      evox_measurement_get_points (ruler, start, end);
      for (guint a = 0; a < 3; a++)
        middle[a] = 0.5 * (start[a] + end[a]);
      to_world (self, middle, middle);
      text = evox_format_segment_length (self->volume, start, end);
      draw_label (self, frame, middle, text);
    }
}

/* Volume view */

/* The style the rays follow: the caller's, or the default curve over the display range. */
static EvoxVolumeStyle *
volume_style (EvoxRenderer *self)
{
  if (self->volume_style != NULL)
    return self->volume_style;
  if (self->default_style == NULL)
    self->default_style = evox_volume_style_new ();
  evox_volume_style_reset_points (self->default_style, MIN (self->lo, self->hi),
                                  MAX (self->lo, self->hi));
  return self->default_style;
}

static void
get_volume_scene (EvoxRenderer    *self,
                  EvoxVolumeScene *scene)
{
  memset (scene, 0, sizeof *scene);
  scene->volume = self->volume;
  scene->channel = self->channel;
  scene->style = volume_style (self);
  scene->mapping = self->mapping;
  scene->lo = self->lo;
  scene->hi = self->hi;
  get_box (self, scene->box_lo, scene->box_hi);
  scene->phases = self->phases;
  scene->clusters = self->cluster_format != 0 ? self->clusters : NULL;
  scene->cluster_opacity = self->cluster_opacity;
  scene->interactive = self->interactive;
}

/* Outlines of the measured scans of an SSRM stack at their depth (nothing for volumes without
 * scans, whose every layer is a measurement). Returns the number of vertices pushed. */
static guint
push_measured_layers (EvoxRenderer *self)
{
  guint n_scans = evox_volume_get_n_scans (self->volume), first = self->vertices->len;

  for (guint i = 0; i < n_scans; i++)
    {
      double z = evox_volume_get_scan (self->volume, i)->z_nm * axis_scale (self, 2);

      for (guint c = 0; c < 4; c++)
        for (guint end = 0; end < 2; end++)
          {
            double point[3], texcoord[3];

            plane_corner (self, 2, z, 0.0, (c + end) % 4, point, texcoord);
            push_vertex (self->vertices, point, texcoord);
          }
    }
  return self->vertices->len - first;
}

/* The opaque scene first (slices when the style shows them, opaque surfaces, the box and the
 * layer outlines), writing depth; the rays end at that depth and blend over it; translucent
 * surfaces last, over the volume (approximate: a translucent surface inside the volume shows
 * in front of all of it). */
static void
draw_volume_view (EvoxRenderer *self,
                  const Frame  *frame)
{
  EvoxVolumeScene scene;
  EvoxVolumeTextures textures = { self->volume_texture, self->colormap_texture,
                                  self->phase_texture, self->n_phase_rows,
                                  self->cluster_color_texture, self->cluster_scale };
  gboolean slices;
  guint planes[3], outlines[3], box, layers = 0, n_layer_vertices = 0;
  GLint framebuffer = 0;
  GLenum depth_format;

  get_volume_scene (self, &scene);
  slices = evox_volume_style_get_show_slices (scene.style);
  box = push_box (self);
  for (guint a = 0; a < 3 && slices; a++)
    {
      planes[a] = push_plane (self, a, self->slices[a]);
      outlines[a] = push_plane_outline (self, a, self->slices[a]);
    }
  if (evox_volume_style_get_mark_layers (scene.style))
    {
      layers = self->vertices->len;
      n_layer_vertices = push_measured_layers (self);
    }
  glBufferData (GL_ARRAY_BUFFER, self->vertices->len * sizeof (Vertex), self->vertices->data,
                GL_STREAM_DRAW);

  glEnable (GL_DEPTH_TEST);
  glDepthFunc (GL_LEQUAL);
  glDepthMask (GL_TRUE);
  if (slices && self->volume_on_gpu)
    {
      glEnable (GL_POLYGON_OFFSET_FILL);
      glPolygonOffset (1.0f, 1.0f);
      glDisable (GL_BLEND);
      use_slice_program (self, frame, 1.0f);
      for (guint a = 0; a < 3; a++)
        glDrawArrays (GL_TRIANGLES, (GLint) planes[a], 6);
      glDisable (GL_POLYGON_OFFSET_FILL);
    }
  draw_opaque_surfaces (self, frame, FALSE);
  glEnable (GL_BLEND);
  use_line_program (self, frame);
  draw_lines (self, frame, &box_style, box, 24);
  for (guint a = 0; a < 3 && slices; a++)
    draw_lines (self, frame, &slice_styles[a], outlines[a], 8);
  if (n_layer_vertices > 0)
    draw_lines (self, frame, &measured_style, layers, n_layer_vertices);

  if (self->volume_on_gpu)
    {
      glGetIntegerv (GL_DRAW_FRAMEBUFFER_BINDING, &framebuffer);
      depth_format = draw_framebuffer_depth_format (framebuffer);
      /* A default framebuffer that does not exist (surfaceless EGL) may answer with an error. */
      drain_gl_errors ();
      _evox_volume_pass_draw (self->volume_pass, &scene, &textures, (const float *) frame->mvp,
                              frame->offset, frame->viewport, depth_format);
    }
  draw_translucent_surfaces (self, frame, FALSE);
}

/* Draws into the bound framebuffer's viewport of frame->viewport pixels. */
static void
draw_scene (EvoxRenderer *self,
            const Frame  *frame,
            const float   clear[4])
{
  glViewport (frame->offset[0], frame->offset[1], frame->viewport[0], frame->viewport[1]);
  /* A pane clears and draws only its own rectangle. */
  glEnable (GL_SCISSOR_TEST);
  glScissor (frame->offset[0], frame->offset[1], frame->viewport[0], frame->viewport[1]);
  glDisable (GL_CULL_FACE);
  glDepthMask (GL_TRUE);
  glColorMask (GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
  glClearColor (clear[0], clear[1], clear[2], clear[3]);
  glClearDepth (1.0);
  glClear (GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);

  if (self->volume == NULL)
    {
      glDisable (GL_SCISSOR_TEST);
      return;
    }

  /* Straight-alpha colours over the framebuffer; alpha accumulates as "over", so a transparent
   * background ends up premultiplied and render_image divides it out again. */
  glBlendFuncSeparate (GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
  glBlendEquation (GL_FUNC_ADD);

  g_array_set_size (self->vertices, 0);
  glBindVertexArray (self->vao);
  glBindBuffer (GL_ARRAY_BUFFER, self->vbo);

  self->draw_camera = frame->camera;
  switch (frame->kind)
    {
    case EVOX_VIEW_SLICE_X:
    case EVOX_VIEW_SLICE_Y:
    case EVOX_VIEW_SLICE_Z:
      draw_slice_view (self, frame, frame->kind - EVOX_VIEW_SLICE_X);
      break;
    case EVOX_VIEW_STACK:
      draw_stack_view (self, frame);
      break;
    case EVOX_VIEW_VOLUME:
      draw_volume_view (self, frame);
      break;
    case EVOX_VIEW_SLICES:
    default:
      draw_slices_view (self, frame);
      break;
    }
  draw_overlays (self, frame);
  self->draw_camera = self->camera;

  /* Leave the state GTK expects to find. */
  glBindVertexArray (0);
  glBindBuffer (GL_ARRAY_BUFFER, 0);
  glUseProgram (0);
  glActiveTexture (GL_TEXTURE3);
  glBindTexture (GL_TEXTURE_3D, 0);
  glActiveTexture (GL_TEXTURE2);
  glBindTexture (GL_TEXTURE_2D, 0);
  glActiveTexture (GL_TEXTURE1);
  glBindTexture (GL_TEXTURE_2D, 0);
  glActiveTexture (GL_TEXTURE0);
  glBindTexture (GL_TEXTURE_3D, 0);
  glDisable (GL_DEPTH_TEST);
  glDisable (GL_BLEND);
  glDisable (GL_SCISSOR_TEST);
  glBlendFunc (GL_ONE, GL_ZERO);
}

/* The 2x2 layout */

static const EvoxView pane_views[EVOX_N_PANES] = {
  EVOX_VIEW_SLICE_Z, EVOX_VIEW_SLICES, EVOX_VIEW_SLICE_Y, EVOX_VIEW_SLICE_X
};

EvoxView
evox_renderer_get_pane_view (EvoxPane pane)
{
  g_return_val_if_fail (pane < EVOX_N_PANES, EVOX_VIEW_SLICES);
  return pane_views[pane];
}

EvoxCamera *
evox_renderer_get_pane_camera (EvoxRenderer *self,
                               EvoxPane      pane)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), NULL);
  g_return_val_if_fail (pane < EVOX_N_PANES, NULL);
  return self->pane_cameras[pane];
}

static void
pane_rect (int      width,
           int      height,
           int      gap,
           EvoxPane pane,
           int      rect[4])
{
  int left = MAX ((width - gap) / 2, 1), top = MAX ((height - gap) / 2, 1);
  gboolean right = pane == EVOX_PANE_3D || pane == EVOX_PANE_X;
  gboolean bottom = pane == EVOX_PANE_Y || pane == EVOX_PANE_X;

  rect[0] = right ? left + gap : 0;
  rect[1] = bottom ? top + gap : 0;
  rect[2] = right ? MAX (width - left - gap, 1) : left;
  rect[3] = bottom ? MAX (height - top - gap, 1) : top;
}

void
evox_renderer_get_pane_rect (int      width,
                             int      height,
                             EvoxPane pane,
                             int      rect[4])
{
  g_return_if_fail (pane < EVOX_N_PANES);
  g_return_if_fail (rect != NULL);
  pane_rect (width, height, EVOX_RENDERER_PANE_GAP, pane, rect);
}

int
evox_renderer_get_pane_at (int     width,
                           int     height,
                           double  x,
                           double  y,
                           double  local[2])
{
  for (int p = 0; p < EVOX_N_PANES; p++)
    {
      int rect[4];

      pane_rect (width, height, EVOX_RENDERER_PANE_GAP, p, rect);
      if (x >= rect[0] && x < rect[0] + rect[2] && y >= rect[1] && y < rect[1] + rect[3])
        {
          if (local != NULL)
            {
              local[0] = x - rect[0];
              local[1] = y - rect[1];
            }
          return p;
        }
    }
  return -1;
}

/* The lines between the panes: a little lighter than the background. */
static void
gap_color (EvoxRenderer *self,
           float         rgba[4])
{
  for (guint i = 0; i < 3; i++)
    rgba[i] = MIN (self->background[i] + 0.14f, 1.0f);
  rgba[3] = 1.0f;
}

/* Part sub (x, y, width, height, GL's pixels from the pane's lower-left) of a pane of
 * pane_width x pane_height pixels that `camera` frames as it would a window of view_width x
 * view_height (widened, never stretched, when the aspects differ), drawn at offset in the
 * bound framebuffer. */
static void
draw_pane_part (EvoxRenderer *self,
                EvoxView      kind,
                EvoxCamera   *camera,
                int           view_width,
                int           view_height,
                int           pane_width,
                int           pane_height,
                const int     sub[4],
                const int     offset[2],
                float         line_scale,
                const float   clear[4])
{
  float view_values[16], projection_values[16];
  mat4 view, projection, widen = GLM_MAT4_IDENTITY_INIT, crop = GLM_MAT4_IDENTITY_INIT, m;
  double view_aspect = (double) view_width / view_height;
  double aspect = (double) pane_width / pane_height;
  Frame frame;

  evox_camera_get_matrices (camera, view_width, view_height, view_values, projection_values);
  memcpy (view, view_values, sizeof view);
  memcpy (projection, projection_values, sizeof projection);
  if (aspect > view_aspect)
    widen[0][0] = (float) (view_aspect / aspect);
  else
    widen[1][1] = (float) (aspect / view_aspect);
  crop[0][0] = (float) pane_width / sub[2];
  crop[1][1] = (float) pane_height / sub[3];
  crop[3][0] = (float) ((double) (pane_width - 2 * sub[0] - sub[2]) / sub[2]);
  crop[3][1] = (float) ((double) (pane_height - 2 * sub[1] - sub[3]) / sub[3]);
  glm_mat4_mul (widen, projection, m);
  glm_mat4_mul (crop, m, projection);
  glm_mat4_mul (projection, view, frame.mvp);
  glm_mat4_copy (view, frame.view);
  frame.viewport[0] = sub[2];
  frame.viewport[1] = sub[3];
  frame.offset[0] = offset[0];
  frame.offset[1] = offset[1];
  frame.line_scale = line_scale;
  frame.camera = camera;
  frame.kind = kind;
  frame.pane = TRUE;
  draw_scene (self, &frame, clear);
}

void
evox_renderer_draw_view (EvoxRenderer *self,
                         EvoxView      view,
                         EvoxCamera   *camera,
                         int           x,
                         int           y,
                         int           width,
                         int           height)
{
  int sub[4] = { 0, 0, width, height }, offset[2] = { x, y };
  float clear[4];

  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (self->realized);
  g_return_if_fail (view <= EVOX_VIEW_LAST && view != EVOX_VIEW_QUAD);
  g_return_if_fail (EVOX_IS_CAMERA (camera));

  if (width <= 0 || height <= 0)
    return;
  prepare (self);
  for (guint i = 0; i < 3; i++)
    clear[i] = self->background[i] * self->background[3];
  clear[3] = self->background[3];
  draw_pane_part (self, view, camera, width, height, width, height, sub, offset,
                  (float) self->scale_factor, clear);
}

static void
draw_quad (EvoxRenderer *self,
           int           width,
           int           height)
{
  float gap[4];

  gap_color (self, gap);
  glViewport (0, 0, width, height);
  glDisable (GL_SCISSOR_TEST);
  glClearColor (gap[0], gap[1], gap[2], gap[3]);
  glClear (GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
  for (guint p = 0; p < EVOX_N_PANES; p++)
    {
      int rect[4];

      pane_rect (width, height, EVOX_RENDERER_PANE_GAP, p, rect);
      evox_renderer_draw_view (self, pane_views[p], self->pane_cameras[p], rect[0],
                               height - rect[1] - rect[3], rect[2], rect[3]);
    }
}

/* Export tile (x, y, width, height in GL's pixels of the whole image) of the 2x2: each pane
 * framed as the window's pane of view_width x view_height shows it. */
static void
draw_quad_tile (EvoxRenderer *self,
                int           width,
                int           height,
                int           view_width,
                int           view_height,
                const int     tile[4],
                const float   clear[4],
                gboolean      transparent)
{
  float scale = (float) MIN ((double) width / view_width, (double) height / view_height);
  int gap = MAX ((int) lround (EVOX_RENDERER_PANE_GAP * scale), 1);
  float gap_rgba[4] = { 0, 0, 0, 0 };

  if (!transparent)
    gap_color (self, gap_rgba);
  glViewport (0, 0, tile[2], tile[3]);
  glDisable (GL_SCISSOR_TEST);
  glClearColor (gap_rgba[0], gap_rgba[1], gap_rgba[2], gap_rgba[3]);
  glClear (GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
  for (guint p = 0; p < EVOX_N_PANES; p++)
    {
      int window[4], image[4], sub[4], offset[2];
      int px, py, x0, y0, x1, y1;

      pane_rect (view_width, view_height, EVOX_RENDERER_PANE_GAP, p, window);
      pane_rect (width, height, gap, p, image);
      px = image[0];
      py = height - image[1] - image[3];
      x0 = MAX (px, tile[0]);
      y0 = MAX (py, tile[1]);
      x1 = MIN (px + image[2], tile[0] + tile[2]);
      y1 = MIN (py + image[3], tile[1] + tile[3]);
      if (x1 <= x0 || y1 <= y0)
        continue;
      sub[0] = x0 - px;
      sub[1] = y0 - py;
      sub[2] = x1 - x0;
      sub[3] = y1 - y0;
      offset[0] = x0 - tile[0];
      offset[1] = y0 - tile[1];
      draw_pane_part (self, pane_views[p], self->pane_cameras[p], window[2], window[3],
                      image[2], image[3], sub, offset, scale, clear);
    }
}

void
evox_renderer_draw (EvoxRenderer *self,
                    int           width,
                    int           height)
{
  float view_values[16], projection_values[16];
  mat4 view, projection;
  float clear[4];
  Frame frame;

  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (self->realized);

  if (width <= 0 || height <= 0)
    return;

  if (self->view == EVOX_VIEW_QUAD)
    {
      draw_quad (self, width, height);
      return;
    }
  prepare (self);
  /* Copied into cglm's aligned matrices: its SIMD paths load them aligned. */
  evox_camera_get_matrices (self->camera, width, height, view_values, projection_values);
  memcpy (view, view_values, sizeof view);
  memcpy (projection, projection_values, sizeof projection);
  glm_mat4_mul (projection, view, frame.mvp);
  glm_mat4_copy (view, frame.view);
  frame.viewport[0] = width;
  frame.viewport[1] = height;
  frame.line_scale = (float) self->scale_factor;
  frame.offset[0] = frame.offset[1] = 0;
  frame.camera = self->camera;
  frame.kind = self->view;
  frame.pane = FALSE;
  /* GtkGLArea composites premultiplied colours. */
  for (guint i = 0; i < 3; i++)
    clear[i] = self->background[i] * self->background[3];
  clear[3] = self->background[3];
  draw_scene (self, &frame, clear);
}

void
evox_renderer_finish (EvoxRenderer *self)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (self->realized);

  glFinish ();
}

/* Offscreen export */

static gboolean
check_export_size (int      width,
                   int      height,
                   GError **error)
{
  if (width <= 0 || height <= 0 || width > 65536 || height > 65536)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "An image of %d x %d pixels cannot be rendered: each side must be between "
                   "1 and 65536 pixels", width, height);
      return FALSE;
    }
  return evox_check_allocation ((guint64) width * (guint64) height, 4, "the rendered image",
                                error);
}

/* Straight alpha from the premultiplied colours a transparent background leaves. */
static void
unpremultiply (guint8 *pixels,
               gsize   n_pixels)
{
  for (gsize i = 0; i < n_pixels; i++)
    {
      guint8 *p = pixels + 4 * i;
      guint alpha = p[3];

      if (alpha == 255)
        continue;
      if (alpha == 0)
        {
          p[0] = p[1] = p[2] = 0;
          continue;
        }
      for (guint c = 0; c < 3; c++)
        p[c] = (guint8) MIN (255u, (p[c] * 255u + alpha / 2) / alpha);
    }
}

/* Export tile (x, y, width, height in GL's pixels of the whole image) of a single view: the
 * tile's part of the image's clip space mapped onto the whole of the tile's. */
static void
draw_single_tile (EvoxRenderer *self,
                  mat4          view,
                  mat4          projection,
                  int           width,
                  int           height,
                  int           view_width,
                  int           view_height,
                  const int     tile[4],
                  const float   clear[4])
{
  int x0 = tile[0], y0 = tile[1], tw = tile[2], th = tile[3];
  mat4 crop = GLM_MAT4_IDENTITY_INIT, tile_projection;
  Frame frame;

  crop[0][0] = (float) width / tw;
  crop[1][1] = (float) height / th;
  crop[3][0] = (float) ((double) (width - 2 * x0 - tw) / tw);
  crop[3][1] = (float) ((double) (height - 2 * y0 - th) / th);
  glm_mat4_mul (crop, projection, tile_projection);
  glm_mat4_mul (tile_projection, view, frame.mvp);
  glm_mat4_copy (view, frame.view);
  frame.viewport[0] = tw;
  frame.viewport[1] = th;
  frame.line_scale = (float) MIN ((double) width / view_width, (double) height / view_height);
  frame.offset[0] = frame.offset[1] = 0;
  frame.camera = self->camera;
  frame.kind = self->view;
  frame.pane = FALSE;
  draw_scene (self, &frame, clear);
}

guint8 *
evox_renderer_render_image (EvoxRenderer  *self,
                            int            width,
                            int            height,
                            int            view_width,
                            int            view_height,
                            gboolean       transparent,
                            GError       **error)
{
  g_autofree guint8 *pixels = NULL;
  g_autofree guint8 *tile_pixels = NULL;
  float view_values[16], projection_values[16];
  mat4 view, window_projection, projection, widen = GLM_MAT4_IDENTITY_INIT;
  float clear[4];
  GLint old_draw_fbo = 0, old_read_fbo = 0, old_viewport[4], old_pack = 4;
  GLint max_renderbuffer = 0, max_viewport[2] = { 0, 0 };
  GLuint fbo = 0, renderbuffers[2] = { 0, 0 };
  GLenum status;
  int tile_size;
  double view_aspect, aspect;
  gboolean ok = TRUE;

  g_return_val_if_fail (EVOX_IS_RENDERER (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!self->realized)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_FAILED,
                           "Cannot render an image: the renderer has no OpenGL context yet");
      return NULL;
    }
  if (!check_export_size (width, height, error))
    return NULL;
  if (view_width <= 0 || view_height <= 0)
    {
      view_width = width;
      view_height = height;
    }

  pixels = g_try_malloc ((gsize) width * (gsize) height * 4);
  if (pixels == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "Not enough memory for an image of %d x %d pixels", width, height);
      return NULL;
    }

  glGetIntegerv (GL_MAX_RENDERBUFFER_SIZE, &max_renderbuffer);
  glGetIntegerv (GL_MAX_VIEWPORT_DIMS, max_viewport);
  tile_size = MIN (EXPORT_TILE, MIN (max_renderbuffer, MIN (max_viewport[0], max_viewport[1])));
  if (tile_size < 16)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                   "Cannot render an image: this OpenGL offers offscreen buffers of only %d "
                   "pixels", tile_size);
      return NULL;
    }
  tile_pixels = g_try_malloc ((gsize) MIN (tile_size, width) * MIN (tile_size, height) * 4);
  if (tile_pixels == NULL)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                           "Not enough memory to read the rendered image back");
      return NULL;
    }

  prepare (self);
  /* Exports are framed in window pixels (view_width), where the panes' padding is its own. */
  self->camera_quiet++;
  set_pane_padding (self, 1);

  glGetIntegerv (GL_DRAW_FRAMEBUFFER_BINDING, &old_draw_fbo);
  glGetIntegerv (GL_READ_FRAMEBUFFER_BINDING, &old_read_fbo);
  glGetIntegerv (GL_VIEWPORT, old_viewport);
  glGetIntegerv (GL_PACK_ALIGNMENT, &old_pack);

  drain_gl_errors ();
  glGenFramebuffers (1, &fbo);
  glGenRenderbuffers (2, renderbuffers);
  glBindFramebuffer (GL_FRAMEBUFFER, fbo);
  glBindRenderbuffer (GL_RENDERBUFFER, renderbuffers[0]);
  glRenderbufferStorage (GL_RENDERBUFFER, GL_RGBA8, MIN (tile_size, width),
                         MIN (tile_size, height));
  glBindRenderbuffer (GL_RENDERBUFFER, renderbuffers[1]);
  glRenderbufferStorage (GL_RENDERBUFFER, GL_DEPTH_COMPONENT24, MIN (tile_size, width),
                         MIN (tile_size, height));
  glBindRenderbuffer (GL_RENDERBUFFER, 0);
  glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER,
                             renderbuffers[0]);
  glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_RENDERBUFFER,
                             renderbuffers[1]);
  status = glCheckFramebufferStatus (GL_FRAMEBUFFER);
  if (status != GL_FRAMEBUFFER_COMPLETE || glGetError () != GL_NO_ERROR)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED,
                   "Cannot render an image: OpenGL could not make an offscreen buffer of "
                   "%d x %d pixels (status 0x%x)", MIN (tile_size, width),
                   MIN (tile_size, height), status);
      ok = FALSE;
      goto out;
    }
  glDrawBuffer (GL_COLOR_ATTACHMENT0);
  glReadBuffer (GL_COLOR_ATTACHMENT0);
  glPixelStorei (GL_PACK_ALIGNMENT, 1);

  /* The window's frustum, widened along one side when the image is of another aspect, so the
   * image holds everything the window shows and nothing is stretched. */
  evox_camera_get_matrices (self->camera, view_width, view_height, view_values,
                            projection_values);
  memcpy (view, view_values, sizeof view);
  memcpy (window_projection, projection_values, sizeof window_projection);
  view_aspect = (double) view_width / view_height;
  aspect = (double) width / height;
  if (aspect > view_aspect)
    widen[0][0] = (float) (view_aspect / aspect);
  else
    widen[1][1] = (float) (aspect / view_aspect);
  glm_mat4_mul (widen, window_projection, projection);

  if (transparent)
    clear[0] = clear[1] = clear[2] = clear[3] = 0.0f;
  else
    {
      memcpy (clear, self->background, sizeof clear);
      clear[3] = 1.0f;
    }

  /* Tiles in GL's bottom-up pixel coordinates of the whole image. */
  for (int y0 = 0; y0 < height && ok; y0 += tile_size)
    for (int x0 = 0; x0 < width && ok; x0 += tile_size)
      {
        int tw = MIN (tile_size, width - x0), th = MIN (tile_size, height - y0);
        int tile[4] = { x0, y0, tw, th };

        if (self->view == EVOX_VIEW_QUAD)
          draw_quad_tile (self, width, height, view_width, view_height, tile, clear,
                          transparent);
        else
          draw_single_tile (self, view, projection, width, height, view_width, view_height, tile,
                            clear);
        glReadPixels (0, 0, tw, th, GL_RGBA, GL_UNSIGNED_BYTE, tile_pixels);
        if (glGetError () != GL_NO_ERROR)
          {
            g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_FAILED,
                                 "Cannot render an image: OpenGL failed to draw or read it back");
            ok = FALSE;
            break;
          }
        for (int row = 0; row < th; row++)
          memcpy (pixels + ((gsize) (height - 1 - (y0 + row)) * width + x0) * 4,
                  tile_pixels + (gsize) row * tw * 4, (gsize) tw * 4);
      }

out:
  set_pane_padding (self, self->scale_factor);
  self->camera_quiet--;
  glPixelStorei (GL_PACK_ALIGNMENT, old_pack);
  glBindFramebuffer (GL_DRAW_FRAMEBUFFER, (GLuint) old_draw_fbo);
  glBindFramebuffer (GL_READ_FRAMEBUFFER, (GLuint) old_read_fbo);
  glViewport (old_viewport[0], old_viewport[1], old_viewport[2], old_viewport[3]);
  glDeleteRenderbuffers (2, renderbuffers);
  glDeleteFramebuffers (1, &fbo);

  if (!ok)
    return NULL;
  if (transparent)
    unpremultiply (pixels, (gsize) width * height);
  return g_steal_pointer (&pixels);
}

/* Picking (GL-free) */

static gboolean
hit_is_visible (EvoxRenderer *self,
                const double  point[3])
{
  double lo[3], hi[3];
  gsize index[3];
  double value;

  /* A hole (NaN) is drawn as nothing, so it cannot be picked either. */
  get_box (self, lo, hi);
  for (guint a = 0; a < 3; a++)
    {
      double f = (point[a] - lo[a]) / (hi[a] - lo[a]) * (double) self->dims[a];

      index[a] = (gsize) CLAMP (floor (f), 0.0, (double) self->dims[a] - 1);
    }
  value = evox_volume_get_value (self->volume, self->channel, index[0], index[1], index[2]);
  if (rgb_on_gpu (self))
    {
      /* The composite's holes are NaN in every used slot, whatever the shown channel holds. */
      gboolean drawn = FALSE;

      for (guint s = 0; s < 3 && !drawn; s++)
        drawn = self->rgb.uploaded[s] >= 0 &&
                isfinite (evox_volume_get_value (self->volume, (guint) self->rgb.uploaded[s],
                                                 index[0], index[1], index[2]));
      if (!drawn)
        return FALSE;
    }
  else if (!isfinite (value))
    return FALSE;

  /* As the shader decides: the selected particle is always drawn, and hidden phases hide. */
  if (self->selected_particle != 0 && labels_match_volume (self) &&
      evox_labels_get_label (self->labels, index[0], index[1], index[2]) == self->selected_particle)
    return TRUE;
  if (phases_shown (self) && self->hide_outside)
    {
      guint n = MIN (evox_phase_list_get_n_phases (self->phases), EVOX_RENDERER_MAX_PHASES);

      for (guint i = 0; i < n; i++)
        {
          EvoxPhase *phase = evox_phase_list_get_phase (self->phases, i);

          if (evox_phase_get_visible (phase) && evox_phase_contains (phase, value))
            return TRUE;
        }
      return FALSE;
    }
  return TRUE;
}

/* Distance along the ray to the plane through voxel centres `index` along `axis`, within the box;
 * G_MAXDOUBLE when it misses. */
static double
hit_plane (EvoxRenderer *self,
           const double  origin[3],
           const double  dir[3],
           guint         axis,
           gsize         index)
{
  double lo[3], hi[3], point[3], t;

  if (fabs (dir[axis]) < 1e-12)
    return G_MAXDOUBLE;
  t = (plane_position (self, axis, index) - origin[axis]) / dir[axis];
  if (!(t > 0))
    return G_MAXDOUBLE;

  get_box (self, lo, hi);
  for (guint a = 0; a < 3; a++)
    {
      point[a] = origin[a] + t * dir[a];
      if (a != axis && (point[a] < lo[a] || point[a] > hi[a]))
        return G_MAXDOUBLE;
    }
  point[axis] = plane_position (self, axis, index);
  if (!hit_is_visible (self, point))
    return G_MAXDOUBLE;
  return t;
}

/* The ray's first visible point of the volume, or of a slice in front of it when the style
 * shows the slices. */
static gboolean
pick_volume (EvoxRenderer *self,
             const double  origin[3],
             const double  dir[3],
             double        position_nm[3])
{
  EvoxVolumeScene scene;
  double point[3], best = G_MAXDOUBLE;
  int best_axis = -1;

  get_volume_scene (self, &scene);
  if (_evox_volume_pass_pick (&scene, origin, dir, point))
    {
      /* dir is a unit vector: the distance along the ray is the projection on it. */
      best = 0.0;
      for (guint a = 0; a < 3; a++)
        best += (scene.box_lo[a] + point[a] * (scene.box_hi[a] - scene.box_lo[a]) - origin[a]) *
                dir[a];
    }
  if (evox_volume_style_get_show_slices (scene.style))
    for (guint a = 0; a < 3; a++)
      {
        double t = hit_plane (self, origin, dir, a, self->slices[a]);

        if (t < best)
          {
            best = t;
            best_axis = (int) a;
          }
      }
  if (best == G_MAXDOUBLE)
    return FALSE;
  for (guint a = 0; a < 3; a++)
    position_nm[a] = (origin[a] + best * dir[a]) / axis_scale (self, a);
  if (best_axis >= 0)
    position_nm[best_axis] = self->origin[best_axis] +
                             self->spacing[best_axis] * (double) self->slices[best_axis];
  return TRUE;
}

gboolean
evox_renderer_pick (EvoxRenderer *self,
                    double        x,
                    double        y,
                    int           width,
                    int           height,
                    double        position_nm[3])
{
  double local[2];
  int pane, rect[4];

  g_return_val_if_fail (EVOX_IS_RENDERER (self), FALSE);
  g_return_val_if_fail (position_nm != NULL, FALSE);

  if (self->view != EVOX_VIEW_QUAD)
    return evox_renderer_pick_view (self, self->view, self->camera, x, y, width, height,
                                    position_nm);
  pane = evox_renderer_get_pane_at (width, height, x, y, local);
  if (pane < 0)
    return FALSE;
  pane_rect (width, height, EVOX_RENDERER_PANE_GAP, pane, rect);
  return evox_renderer_pick_view (self, pane_views[pane], self->pane_cameras[pane], local[0],
                                  local[1], rect[2], rect[3], position_nm);
}

gboolean
evox_renderer_pick_view (EvoxRenderer *self,
                         EvoxView      view,
                         EvoxCamera   *camera,
                         double        x,
                         double        y,
                         int           width,
                         int           height,
                         double        position_nm[3])
{
  double origin[3], dir[3];
  double best = G_MAXDOUBLE;
  guint best_axis = 0;
  gsize best_index = 0;

  g_return_val_if_fail (EVOX_IS_RENDERER (self), FALSE);
  g_return_val_if_fail (view <= EVOX_VIEW_LAST && view != EVOX_VIEW_QUAD, FALSE);
  g_return_val_if_fail (EVOX_IS_CAMERA (camera), FALSE);
  g_return_val_if_fail (position_nm != NULL, FALSE);

  if (self->volume == NULL || width <= 0 || height <= 0)
    return FALSE;

  evox_camera_get_ray (camera, x, y, width, height, origin, dir);

  if (view == EVOX_VIEW_VOLUME)
    return pick_volume (self, origin, dir, position_nm);
  if (view == EVOX_VIEW_STACK)
    {
      for (gsize k = 0; k < self->dims[2]; k++)
        if (self->layer_visible[k])
          {
            double t = hit_plane (self, origin, dir, 2, k);

            if (t < best)
              {
                best = t;
                best_axis = 2;
                best_index = k;
              }
          }
    }
  else
    {
      for (guint a = 0; a < 3; a++)
        {
          double t;

          if (is_slice_view (view) && a != view - EVOX_VIEW_SLICE_X)
            continue;
          t = hit_plane (self, origin, dir, a, self->slices[a]);
          if (t < best)
            {
              best = t;
              best_axis = a;
              best_index = self->slices[a];
            }
        }
    }

  if (best == G_MAXDOUBLE)
    return FALSE;

  for (guint a = 0; a < 3; a++)
    position_nm[a] = (origin[a] + best * dir[a]) / axis_scale (self, a);
  /* Exactly on the plane, not a rounding error away from it. */
  position_nm[best_axis] = self->origin[best_axis] + self->spacing[best_axis] * (double) best_index;
  return TRUE;
}
