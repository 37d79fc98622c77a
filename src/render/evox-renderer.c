/* evox-renderer.c: draws a volume (slices, layer stacks, surfaces) into the current GL framebuffer. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-renderer.h"
#include "evox-renderer-private.h"
#include "evox-renderer-state.h"

#include <float.h>
#include <math.h>
#include <string.h>
#include <cglm/cglm.h>
#include <epoxy/gl.h>

/* The renderer's files: this one (the object, its GL-free state, the frame: draw, draw_view,
 * panes, render_image with tiling, pick; the geometry and line drawing the passes share),
 * evox-render-resources.c (programs, textures, uploads, realize/unrealize), evox-slice-pass.c,
 * evox-stack-pass.c, evox-mesh-pass.c, evox-volume-pass.c and evox-overlay-pass.c (one kind of
 * drawing each; the overlay pass draws crosshairs, pane frames and rulers, while the figure's
 * overlays are cairo's, src/io/evox-figure.c, measured by evox-overlay-geometry.c). They share
 * struct _EvoxRenderer through evox-renderer-state.h, which also says what a pass gets.
 *
 * Decisions a caller may want to know:
 *
 * - World space is nm with z multiplied by the z-exaggeration; voxel centre (i, j, k) lies at
 *   origin + spacing * (i, j, k) and the box reaches half a voxel beyond the outer centres.
 *   Orientations follow EvoxCamera: z is depth and points down, 2D slice views show index 0 at
 *   the top left (SLICE_Z: x right, y down; SLICE_Y: x right, z down; SLICE_X: y right, z down).
 * - Voxels are sampled nearest, so each voxel is one flat colour; colour-map entry round (t * 255)
 *   exactly as evox_colormap_sample () picks it. Non-finite values and values the mapping cannot
 *   take (log10 of <= 0) are discarded: the background, or whatever lies behind, shows through.
 * - A volume larger than GL_MAX_3D_TEXTURE_SIZE along any axis, or one the driver has no memory
 *   for, is drawn from bricks (evox-bricks.h): its slices in tiles at full resolution (coarser
 *   only where the GPU budget cannot hold them), the Volume view's rays through bricks of its
 *   pyramid at the level each region of the view needs (an atlas and a page table). Particle highlight, clusters and the RGB composite are
 *   not drawn on such a volume.
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
 *   last, by weighted blended OIT (see evox-mesh-pass.c). In the layer stack: opaque
 *   surfaces, then the planes as before (back to front, not writing depth), then translucent
 *   surfaces over everything, so a translucent surface behind a plane shows over it. */

#define DEFAULT_COLORMAP "viridis"
#define EXPORT_TILE 4096
/* Window pixels around what a 2D pane of the 2x2 frames: room for its 3 px frame. */
#define PANE_PADDING 3

G_DEFINE_FINAL_TYPE (EvoxRenderer, evox_renderer, G_TYPE_OBJECT)

enum
{
  CHANGED,
  READ_FAILED,
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

  /**
   * EvoxRenderer::read-failed:
   * @message: what failed, naming the file
   *
   * A part of a volume held reduced could not be read from its file (damaged or changed since
   * it was opened): the views draw the reduced voxels there instead.
   */
  signals[READ_FAILED] = g_signal_new ("read-failed", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                       G_TYPE_STRING);
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
  self->meshes = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                        _evox_mesh_buffers_free);
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

double
_evox_renderer_axis_scale (EvoxRenderer *self,
                           guint         axis)
{
  return axis == 2 ? self->z_exaggeration : 1.0;
}

/* The box in world units: half a voxel beyond the outer voxel centres. */
void
_evox_renderer_get_box (EvoxRenderer *self,
                        double        lo[3],
                        double        hi[3])
{
  for (guint a = 0; a < 3; a++)
    {
      double first = self->origin[a] - 0.5 * self->spacing[a];
      double last = self->origin[a] + self->spacing[a] * ((double) self->dims[a] - 0.5);

      lo[a] = first * _evox_renderer_axis_scale (self, a);
      hi[a] = last * _evox_renderer_axis_scale (self, a);
    }
}

/* World coordinate of the plane through voxel centres with index `index` along `axis`. */
double
_evox_renderer_plane_position (EvoxRenderer *self,
                               guint         axis,
                               gsize         index)
{
  return (self->origin[axis] + self->spacing[axis] * (double) index) *
         _evox_renderer_axis_scale (self, axis);
}

gboolean
_evox_renderer_is_slice_view (EvoxView view)
{
  return view == EVOX_VIEW_SLICE_X || view == EVOX_VIEW_SLICE_Y || view == EVOX_VIEW_SLICE_Z;
}

static void
update_camera_bounds (EvoxRenderer *self)
{
  double lo[3], hi[3];

  if (self->volume == NULL)
    return;
  _evox_renderer_get_box (self, lo, hi);
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

      evox_camera_set_orthographic (self->pane_cameras[p], _evox_renderer_is_slice_view (view));
      if (_evox_renderer_is_slice_view (view))
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
  if (_evox_renderer_is_slice_view (self->view))
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
  self->res.volume_dirty = TRUE;
  /* Phase edges are rounded to the sample type. */
  self->res.phases_dirty = TRUE;
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
  self->res.colormap_dirty = TRUE;
  self->res.label_colors_dirty = TRUE;
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
  was_3d = !_evox_renderer_is_slice_view (self->view);
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

gboolean
_evox_renderer_phases_shown (EvoxRenderer *self)
{
  return self->phases != NULL && self->show_phases;
}

static void
on_phases_changed (EvoxPhaseList *phases,
                   EvoxRenderer  *self)
{
  self->res.phases_dirty = TRUE;
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
  was_shown = _evox_renderer_phases_shown (self);

  if (self->phases != phases)
    {
      if (self->phases != NULL)
        g_signal_handlers_disconnect_by_func (self->phases, on_phases_changed, self);
      g_set_object (&self->phases, phases);
      if (phases != NULL)
        g_signal_connect (phases, "changed", G_CALLBACK (on_phases_changed), self);
      self->res.phases_dirty = TRUE;
      differs = TRUE;
    }
  else
    differs = self->hide_outside != hide_outside;

  self->show_phases = show;
  self->hide_outside = hide_outside;
  now_shown = _evox_renderer_phases_shown (self);
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
  self->res.labels_dirty = TRUE;
  self->res.label_colors_dirty = TRUE;
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
  self->res.label_colors_dirty = TRUE;
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
gboolean
_evox_renderer_clusters_match_volume (EvoxRenderer *self)
{
  gsize dims[3];

  if (self->clusters == NULL || self->volume == NULL)
    return FALSE;
  evox_clusters_get_dims (self->clusters, dims);
  return memcmp (dims, self->dims, sizeof dims) == 0;
}

/* Whether a frame shows the overlay at all: a frame that does not pays nothing for it. */
gboolean
_evox_renderer_clusters_shown (EvoxRenderer *self)
{
  return self->show_clusters && _evox_renderer_clusters_match_volume (self) &&
         (self->cluster_opacity > 0.0 || self->cluster_outlines);
}

static void
on_clusters_changed (EvoxClusters *clusters,
                     guint         id,
                     EvoxRenderer *self)
{
  /* A name, colour or visibility: a table of k texels, never the labels. */
  self->res.cluster_colors_dirty = TRUE;
  if (_evox_renderer_clusters_shown (self))
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
  was_shown = _evox_renderer_clusters_shown (self);
  if (self->clusters != NULL)
    g_signal_handlers_disconnect_by_func (self->clusters, on_clusters_changed, self);
  g_set_object (&self->clusters, clusters);
  if (clusters != NULL)
    g_signal_connect (clusters, "changed", G_CALLBACK (on_clusters_changed), self);
  /* The ids travel inside the volume texture; a cleared result leaves them there unused. */
  if (clusters != NULL)
    self->res.volume_dirty = TRUE;
  self->res.cluster_colors_dirty = TRUE;
  if (was_shown || _evox_renderer_clusters_shown (self))
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
  was_shown = _evox_renderer_clusters_shown (self);
  self->show_clusters = show;
  self->cluster_opacity = opacity;
  self->cluster_outlines = outlines;
  if (was_shown || _evox_renderer_clusters_shown (self))
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
  self->res.cluster_colors_dirty = TRUE;
  if (_evox_renderer_clusters_shown (self))
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
gboolean
_evox_renderer_labels_match_volume (EvoxRenderer *self)
{
  gsize dims[3];

  if (self->labels == NULL || self->volume == NULL)
    return FALSE;
  evox_labels_get_dims (self->labels, dims);
  return memcmp (dims, self->dims, sizeof dims) == 0;
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
  return _evox_render_resources_rgb_wanted (self);
}

/* Scene building */

void
_evox_renderer_push_vertex (GArray       *vertices,
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
void
_evox_renderer_plane_corner (EvoxRenderer *self,
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

  _evox_renderer_get_box (self, lo, hi);
  point[axis] = position;
  texcoord[axis] = t;
  point[u] = at_u ? hi[u] : lo[u];
  texcoord[u] = at_u ? 1.0 : 0.0;
  point[v] = at_v ? hi[v] : lo[v];
  texcoord[v] = at_v ? 1.0 : 0.0;
}

/* Two triangles; returns the first vertex. */
guint
_evox_renderer_push_plane (EvoxRenderer *self,
                           guint         axis,
                           gsize         index)
{
  static const guint order[6] = { 0, 1, 2, 0, 2, 3 };
  guint first = self->vertices->len;
  double t = ((double) index + 0.5) / (double) self->dims[axis];

  for (guint i = 0; i < 6; i++)
    {
      double point[3], texcoord[3];

      _evox_renderer_plane_corner (self, axis, _evox_renderer_plane_position (self, axis, index), t,
                                   order[i], point, texcoord);
      _evox_renderer_push_vertex (self->vertices, point, texcoord);
    }
  return first;
}

/* Four lines around the plane; returns the first vertex. */
guint
_evox_renderer_push_plane_outline (EvoxRenderer *self,
                                   guint         axis,
                                   gsize         index)
{
  guint first = self->vertices->len;
  double t = ((double) index + 0.5) / (double) self->dims[axis];

  for (guint c = 0; c < 4; c++)
    for (guint end = 0; end < 2; end++)
      {
        double point[3], texcoord[3];

        _evox_renderer_plane_corner (self, axis, _evox_renderer_plane_position (self, axis, index),
                                     t, (c + end) % 4, point, texcoord);
        _evox_renderer_push_vertex (self->vertices, point, texcoord);
      }
  return first;
}

/* Twelve edges; returns the first vertex. */
guint
_evox_renderer_push_box (EvoxRenderer *self)
{
  static const double zero[3] = { 0, 0, 0 };
  guint first = self->vertices->len;
  double lo[3], hi[3];

  _evox_renderer_get_box (self, lo, hi);
  for (guint axis = 0; axis < 3; axis++)
    for (guint c = 0; c < 4; c++)
      {
        guint u = (axis + 1) % 3, v = (axis + 2) % 3;
        double a[3], b[3];

        a[u] = b[u] = (c & 1) ? hi[u] : lo[u];
        a[v] = b[v] = (c & 2) ? hi[v] : lo[v];
        a[axis] = lo[axis];
        b[axis] = hi[axis];
        _evox_renderer_push_vertex (self->vertices, a, zero);
        _evox_renderer_push_vertex (self->vertices, b, zero);
      }
  return first;
}

void
_evox_renderer_use_line_program (EvoxRenderer *self,
                                 const Frame  *frame)
{
  glUseProgram (self->res.line_program);
  glUniformMatrix4fv (self->res.lu.mvp, 1, GL_FALSE, (const float *) frame->mvp);
  glUniform2f (self->res.lu.viewport, (float) frame->viewport[0], (float) frame->viewport[1]);
}

void
_evox_renderer_draw_lines (EvoxRenderer    *self,
                           const Frame     *frame,
                           const LineStyle *style,
                           guint            first,
                           guint            count)
{
  glUniform4fv (self->res.lu.color, 1, style->color);
  glUniform1f (self->res.lu.width, MAX (style->width * frame->line_scale, 1.0f));
  glDrawArrays (GL_LINES, (GLint) first, (GLsizei) count);
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
  glBindVertexArray (self->res.vao);
  glBindBuffer (GL_ARRAY_BUFFER, self->res.vbo);

  self->draw_camera = frame->camera;
  switch (frame->kind)
    {
    case EVOX_VIEW_SLICE_X:
    case EVOX_VIEW_SLICE_Y:
    case EVOX_VIEW_SLICE_Z:
      _evox_slice_pass_draw_slice (self, frame, frame->kind - EVOX_VIEW_SLICE_X);
      break;
    case EVOX_VIEW_STACK:
      _evox_stack_pass_draw (self, frame);
      break;
    case EVOX_VIEW_VOLUME:
      _evox_volume_pass_draw_view (self, frame);
      break;
    case EVOX_VIEW_SLICES:
    default:
      _evox_slice_pass_draw_slices (self, frame);
      break;
    }
  _evox_overlay_pass_draw (self, frame);
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
  _evox_render_resources_prepare (self);
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
  _evox_render_resources_prepare (self);
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
  gboolean ok = TRUE, interactive;

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

  _evox_render_resources_prepare (self);
  /* Exports are framed in window pixels (view_width), where the panes' padding is its own. */
  self->camera_quiet++;
  set_pane_padding (self, 1);
  /* Exports are figures: rays at full quality even while the user drags, through the
   * bricks' pyramid level even when the window is still waiting for it. */
  interactive = self->interactive;
  self->interactive = FALSE;
  self->res.wait_for_bricks = TRUE;

  glGetIntegerv (GL_DRAW_FRAMEBUFFER_BINDING, &old_draw_fbo);
  glGetIntegerv (GL_READ_FRAMEBUFFER_BINDING, &old_read_fbo);
  glGetIntegerv (GL_VIEWPORT, old_viewport);
  glGetIntegerv (GL_PACK_ALIGNMENT, &old_pack);

  _evox_gl_drain_errors ();
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
  self->interactive = interactive;
  self->res.wait_for_bricks = FALSE;
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
  _evox_renderer_get_box (self, lo, hi);
  for (guint a = 0; a < 3; a++)
    {
      double f = (point[a] - lo[a]) / (hi[a] - lo[a]) * (double) self->dims[a];

      index[a] = (gsize) CLAMP (floor (f), 0.0, (double) self->dims[a] - 1);
    }
  value = evox_volume_get_value (self->volume, self->channel, index[0], index[1], index[2]);
  /* A bricked volume's channels go up in tiles as its slices are drawn. */
  if (_evox_render_resources_rgb_on_gpu (self) ||
      (self->res.bricks != NULL && _evox_render_resources_rgb_wanted (self)))
    {
      /* The composite's holes are NaN in every used slot, whatever the shown channel holds. */
      guint n_channels = evox_volume_get_n_channels (self->volume);
      gboolean drawn = FALSE;

      for (guint s = 0; s < 3 && !drawn; s++)
        {
          int channel = self->res.bricks != NULL ? self->rgb.channels[s] : self->rgb.uploaded[s];

          drawn = channel >= 0 && channel < (int) n_channels &&
                  isfinite (evox_volume_get_value (self->volume, (guint) channel, index[0],
                                                   index[1], index[2]));
        }
      if (!drawn)
        return FALSE;
    }
  else if (!isfinite (value))
    return FALSE;

  /* As the shader decides: the selected particle is always drawn, and hidden phases hide. */
  if (self->selected_particle != 0 && _evox_renderer_labels_match_volume (self) &&
      evox_labels_get_label (self->labels, index[0], index[1], index[2]) == self->selected_particle)
    return TRUE;
  if (_evox_renderer_phases_shown (self) && self->hide_outside)
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
  t = (_evox_renderer_plane_position (self, axis, index) - origin[axis]) / dir[axis];
  if (!(t > 0))
    return G_MAXDOUBLE;

  _evox_renderer_get_box (self, lo, hi);
  for (guint a = 0; a < 3; a++)
    {
      point[a] = origin[a] + t * dir[a];
      if (a != axis && (point[a] < lo[a] || point[a] > hi[a]))
        return G_MAXDOUBLE;
    }
  point[axis] = _evox_renderer_plane_position (self, axis, index);
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

  _evox_volume_pass_get_scene (self, &scene);
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
    position_nm[a] = (origin[a] + best * dir[a]) / _evox_renderer_axis_scale (self, a);
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

          if (_evox_renderer_is_slice_view (view) && a != view - EVOX_VIEW_SLICE_X)
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
    position_nm[a] = (origin[a] + best * dir[a]) / _evox_renderer_axis_scale (self, a);
  /* Exactly on the plane, not a rounding error away from it. */
  position_nm[best_axis] = self->origin[best_axis] + self->spacing[best_axis] * (double) best_index;
  return TRUE;
}

gboolean
evox_renderer_get_file_value (EvoxRenderer *self,
                              const double  position_nm[3],
                              gsize         voxel[3],
                              double       *value)
{
  EvoxVoxelSource *source;
  guint scale = 1;
  gsize full[3];

  g_return_val_if_fail (EVOX_IS_RENDERER (self), FALSE);
  g_return_val_if_fail (position_nm != NULL && voxel != NULL && value != NULL, FALSE);

  if (self->volume == NULL || self->res.fullres == NULL || self->channel != 0)
    return FALSE;
  source = evox_voxel_source_get_attached (self->volume, &scale);
  if (source == NULL)
    return FALSE;
  evox_voxel_source_get_dims (source, full);
  for (guint a = 0; a < 3; a++)
    {
      /* Reduced voxel k spans the file's k S .. k S + S - 1. A point on a slice (a reduced
       * voxel's centre, between two of the file's planes for an even S) takes the plane the
       * slice draws, k S + S / 2: hence the nudge past rounding. */
      double i = floor (((position_nm[a] - self->origin[a]) / self->spacing[a] + 0.5) * scale +
                        1e-6);

      voxel[a] = (gsize) CLAMP (i, 0.0, (double) full[a] - 1.0);
    }
  return _evox_fullres_get_value (self->res.fullres, voxel, value);
}
