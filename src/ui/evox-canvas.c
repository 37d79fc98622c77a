/* evox-canvas.c: glue between GTK (GL context, mouse, keys) and the GTK-free EvoxRenderer. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "evox-canvas.h"
#include "evox-figure.h"
#include "evox-units.h"
#include "evox-voxel-source.h"
#include "evox-application.h"

/* Pixels from a ruler's end within which a press grabs it. */
#define GRAB_PIXELS 6.0

/* Where a point of the canvas lands: a pane of the 2x2 or the whole canvas, with its view, its
 * camera, its size and the point in its own coordinates. Sizes and points are in the
 * framebuffer's pixels, as the renderer lays out and draws the panes (`scale` of them a widget
 * pixel), so that a pick lands where the drawing is at any scale factor. */
typedef struct
{
  int         pane;      /* -1: the whole canvas */
  EvoxView    view;
  EvoxCamera *camera;
  double      x, y;
  int         width, height;
  int         scale;
} Target;

struct _EvoxCanvas
{
  GtkGLArea     parent_instance;

  EvoxRenderer *renderer;
  EvoxDocument *document;
  char         *hover_text;
  guint         frames;

  /* Drag state: what the gesture does, where (a pane of the 2x2 or the whole canvas), and the
   * offset already applied (in the target's pixels). */
  EvoxDragAction drag_mode;
  Target        drag_target;
  double        drag_start[2];
  double        drag_last[2];
  double        pointer[2];
  gboolean      report_first_frame;
  gboolean      measure_tool;
  /* The ruler being dragged out or whose end is dragged (a reference; it is also in the
   * document's list), and which end moves. */
  EvoxMeasurement *ruler;
  gboolean      ruler_start;
  /* From the point under the pointer to the grabbed end, in nm: the end moves with the pointer
   * rather than jumping under it. */
  double        grab_offset[3];
  /* The pointer is over a ruler's end (the cursor says so). */
  gboolean      over_ruler_end;
  /* The voxel under the pointer, for the spectrum of what is hovered. */
  gboolean      hover_valid;
  gsize         hover_voxel[3];
  /* The Region tool: a left drag on a slice outlines a rectangle of voxels; while it is drawn
   * region_rect holds its corners in widget coordinates and region_voxel[0] the first voxel. */
  gboolean      region_tool;
  gboolean      region_active;
  /* The pointer moved while pressed: its release is the end of a drag, not a click. */
  gboolean      press_moved;
  double        region_rect[4];
  gsize         region_voxel[2][3];
  /* EvoxCanvasBox: outlined on the slices they cross. */
  GArray       *boxes;
  /* A control of the picture is held elsewhere (evox_canvas_set_editing); a wheel zoom has not
   * come to rest yet: with a camera drag, these render at interactive quality. */
  gboolean      editing;
  guint         zoom_rest_id;
  /* The document's overlays over the GL frame, in widget pixels at scale 1 (dropped when the
   * document changes, so it shows what the canvas shows); the item a drag moves and where in
   * its box the press grabbed it; the label editor and context menu (children of the canvas). */
  EvoxFigure   *figure;
  int           overlay_item;
  double        overlay_grab[2];
  GtkWidget    *label_popover;
  GtkWidget    *label_entry;
  int           edited_label;
  GtkWidget    *label_menu;
};

G_DEFINE_FINAL_TYPE (EvoxCanvas, evox_canvas, GTK_TYPE_GL_AREA)

enum
{
  PROP_0,
  PROP_DOCUMENT,
  PROP_HOVER_TEXT,
  PROP_FRAMES,
  PROP_MEASURE_TOOL,
  PROP_REGION_TOOL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  FRAME_DRAWN,
  VOXEL_CLICKED,
  REGION_DRAWN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
sync_volume (EvoxCanvas *self)
{
  EvoxDocument *doc = self->document;

  evox_renderer_set_volume (self->renderer, doc ? evox_document_get_volume (doc) : NULL,
                            doc ? evox_document_get_channel (doc) : 0);
}

/* The document's composite, when on, to the renderer. */
static void
sync_rgb (EvoxRenderer *renderer,
          EvoxDocument *document)
{
  int channels[3] = { -1, -1, -1 };
  double lo[3] = { 0, 0, 0 }, hi[3] = { 1, 1, 1 };

  for (guint s = 0; s < 3 && evox_document_get_composite (document); s++)
    evox_document_get_composite_slot (document, s, &channels[s], &lo[s], &hi[s]);
  evox_renderer_set_rgb (renderer, channels, lo, hi);
}

static void
sync_display (EvoxCanvas *self)
{
  EvoxDocument *doc = self->document;
  EvoxVolume *volume;
  double lo, hi;
  guint slice[3];

  if (doc == NULL)
    return;
  volume = evox_document_get_volume (doc);
  /* Notifications of one change arrive in no fixed order: the volume goes first. */
  if (evox_renderer_get_volume (self->renderer) != volume)
    sync_volume (self);
  evox_renderer_set_colormap (self->renderer, evox_document_get_colormap (doc));
  evox_renderer_set_mapping (self->renderer, evox_document_get_mapping (doc));
  evox_document_get_range (doc, &lo, &hi);
  evox_renderer_set_range (self->renderer, lo, hi);
  for (guint axis = 0; axis < 3; axis++)
    slice[axis] = evox_document_get_slice (doc, axis);
  evox_renderer_set_slices (self->renderer, slice);
  evox_renderer_set_z_exaggeration (self->renderer, evox_document_get_z_exaggeration (doc));
  evox_renderer_set_stack_opacity (self->renderer, evox_document_get_stack_opacity (doc));
  /* Phase colours over a composite only when asked for (composite-phases). */
  evox_renderer_set_phases (self->renderer, evox_document_get_phases (doc),
                            evox_document_get_show_phases (doc) &&
                            (!evox_document_get_composite (doc) ||
                             evox_document_get_composite_phases (doc)),
                            evox_document_get_hide_outside_phases (doc));
  sync_rgb (self->renderer, doc);
  evox_renderer_set_labels (self->renderer, evox_document_get_labels (doc));
  evox_renderer_set_selected_particle (self->renderer, evox_document_get_selected_particle (doc));
  evox_renderer_set_particle_colors (self->renderer, evox_document_get_particle_colors (doc));
  evox_renderer_set_surfaces (self->renderer, evox_document_get_surfaces (doc));
  evox_renderer_set_clip_surfaces (self->renderer, evox_document_get_clip_surfaces (doc));
  evox_renderer_set_measurements (self->renderer, evox_document_get_measurements (doc));
  evox_renderer_set_clusters (self->renderer, evox_document_get_clusters (doc));
  evox_renderer_set_volume_style (self->renderer, evox_document_get_volume_style (doc));
  evox_renderer_set_cluster_style (self->renderer, evox_document_get_show_clusters (doc),
                                   evox_document_get_cluster_opacity (doc),
                                   evox_document_get_cluster_outlines (doc));
  evox_renderer_set_selected_cluster (self->renderer, evox_document_get_selected_cluster (doc));
  if (volume != NULL)
    {
      gsize dims[3];
      evox_volume_get_dims (volume, dims);
      for (guint k = 0; k < dims[2]; k++)
        evox_renderer_set_layer_visible (self->renderer, k,
                                         evox_document_get_layer_visible (doc, k));
      for (guint i = 0; i < evox_volume_get_n_scans (volume); i++)
        evox_renderer_set_scan_visible (self->renderer, i,
                                        evox_document_get_scan_visible (doc, i));
    }
}

static void
sync_view (EvoxCanvas *self)
{
  EvoxView view = evox_document_get_view (self->document);
  EvoxCamera *camera = evox_renderer_get_camera (self->renderer);

  evox_renderer_set_view (self->renderer, view);
  if (view >= EVOX_VIEW_SLICE_X && view <= EVOX_VIEW_SLICE_Z)
    evox_camera_look_along (camera, view - EVOX_VIEW_SLICE_X);
  else
    {
      evox_camera_set_orthographic (camera, FALSE);
      evox_camera_reset (camera);
    }
}

static void
on_document_notify (EvoxDocument *doc,
                    GParamSpec   *pspec,
                    EvoxCanvas   *self)
{
  const char *name = g_param_spec_get_name (pspec);

  /* The figure took the colour map, phases and composite as they were. */
  g_clear_object (&self->figure);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (g_str_equal (name, "volume") || g_str_equal (name, "channel"))
    {
      sync_volume (self);
      sync_display (self);
      sync_view (self);
    }
  else if (g_str_equal (name, "view"))
    sync_view (self);
  else
    sync_display (self);
}

static void
on_layers_changed (EvoxDocument *doc,
                   EvoxCanvas   *self)
{
  sync_display (self);
}

/* The camera turns about the particle's centroid (display space: z is stretched). */
static void
on_focus_particle (EvoxDocument *doc,
                   guint         id,
                   EvoxCanvas   *self)
{
  const EvoxParticle *particle = evox_labels_get_particle (evox_document_get_labels (doc), id);
  double centre[3];

  if (particle == NULL)
    return;
  memcpy (centre, particle->centroid_nm, sizeof centre);
  centre[2] *= evox_renderer_get_z_exaggeration (self->renderer);
  evox_camera_set_center (evox_renderer_get_camera (self->renderer), centre);
  evox_camera_set_center (evox_renderer_get_pane_camera (self->renderer, EVOX_PANE_3D), centre);
}

static void
queue_render (EvoxCanvas *self)
{
  gtk_gl_area_queue_render (GTK_GL_AREA (self));
}

/* The renderer changes with every phase or cluster edit (which the document does not notify):
 * the figure's legend took them as they were. */
static void
drop_figure (EvoxCanvas *self)
{
  g_clear_object (&self->figure);
}

void
evox_canvas_set_document (EvoxCanvas   *self,
                          EvoxDocument *document)
{
  g_return_if_fail (EVOX_IS_CANVAS (self));
  g_return_if_fail (document == NULL || EVOX_IS_DOCUMENT (document));

  if (self->document == document)
    return;
  if (self->document != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->document, self);
      g_signal_handlers_disconnect_by_data (evox_document_get_overlays (self->document), self);
    }
  g_set_object (&self->document, document);
  g_clear_object (&self->figure);
  if (document != NULL)
    {
      g_signal_connect_object (document, "notify", G_CALLBACK (on_document_notify), self, 0);
      g_signal_connect_object (evox_document_get_overlays (document), "changed",
                               G_CALLBACK (gtk_widget_queue_draw), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (document, "layers-changed", G_CALLBACK (on_layers_changed),
                               self, 0);
      g_signal_connect_object (document, "focus-particle", G_CALLBACK (on_focus_particle),
                               self, 0);
      sync_volume (self);
      sync_display (self);
      sync_view (self);
    }
  else
    sync_volume (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOCUMENT]);
}

EvoxDocument *
evox_canvas_get_document (EvoxCanvas *self)
{
  g_return_val_if_fail (EVOX_IS_CANVAS (self), NULL);
  return self->document;
}

EvoxRenderer *
evox_canvas_get_renderer (EvoxCanvas *self)
{
  g_return_val_if_fail (EVOX_IS_CANVAS (self), NULL);
  return self->renderer;
}

const char *
evox_canvas_get_hover_text (EvoxCanvas *self)
{
  g_return_val_if_fail (EVOX_IS_CANVAS (self), NULL);
  return self->hover_text;
}

guint
evox_canvas_get_frames (EvoxCanvas *self)
{
  g_return_val_if_fail (EVOX_IS_CANVAS (self), 0);
  return self->frames;
}

static void
set_hover_text (EvoxCanvas *self,
                char       *text)
{
  if (g_strcmp0 (self->hover_text, text) == 0)
    {
      g_free (text);
      return;
    }
  g_free (self->hover_text);
  self->hover_text = text;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOVER_TEXT]);
}

/* The voxel whose centre is nearest a point in nm. */
static void
voxel_at (EvoxVolume   *volume,
          const double  position[3],
          gsize         index[3])
{
  double origin[3], spacing[3];
  gsize dims[3];

  evox_volume_get_dims (volume, dims);
  evox_volume_get_origin (volume, origin);
  evox_volume_get_spacing (volume, spacing);
  for (guint axis = 0; axis < 3; axis++)
    {
      double i = round ((position[axis] - origin[axis]) / spacing[axis]);
      index[axis] = (gsize) CLAMP (i, 0, (double) dims[axis] - 1);
    }
}

/* "x 1.25 µm …" style readout of the point and the voxel under it. */
static char *
describe_point (EvoxCanvas   *self,
                const double  position[3])
{
  EvoxVolume *volume = evox_document_get_volume (self->document);
  double value;
  gsize index[3];
  g_autofree char *value_text = NULL;
  const EvoxLayer *layer;
  EvoxLabels *labels;
  EvoxClusters *clusters;
  GString *text;
  int owner;
  EvoxUnits units;
  double spacing[3], origin[3], shown[3];
  guint reduction = evox_volume_get_reduction (volume);
  gboolean modes = g_strcmp0 (evox_volume_get_reduction_kind (volume), "modes") == 0;
  gboolean full;
  gsize file_voxel[3];

  voxel_at (volume, position, index);
  value = evox_volume_get_value (volume, evox_document_get_channel (self->document),
                                 index[0], index[1], index[2]);
  /* A volume held reduced: the file's own voxel where a zoomed-in slice holds its plane. */
  full = reduction > 1 &&
         evox_renderer_get_file_value (self->renderer, position, file_voxel, &value);
  value_text = evox_document_format_value (self->document, value);

  /* In the volume's unit, or in voxels along each axis while the voxel size is not known. */
  units = evox_units_for_volume (volume);
  evox_volume_get_spacing (volume, spacing);
  evox_volume_get_origin (volume, origin);
  for (int a = 0; a < 3; a++)
    shown[a] = units.unit == EVOX_LENGTH_VOXELS ? (position[a] - origin[a]) / spacing[a]
                                                 : position[a] / units.nm;
  text = g_string_new (NULL);
  if (full)
    /* TRANSLATORS: a position with its unit (nm, µm, px), the index of the voxel there in the
     * file of a volume held reduced, and the file's value there */
    g_string_append_printf (text, _("x %.4g, y %.4g, z %.4g %s · file voxel (%zu, %zu, %zu) · "
                                    "%s (full resolution)"),
                            shown[0], shown[1], shown[2],
                            evox_units_symbol (&units, 1, EVOX_UNITS_UNICODE),
                            file_voxel[0], file_voxel[1], file_voxel[2], value_text);
  else if (reduction > 1)
    g_string_append_printf (text, modes
                            /* TRANSLATORS: a position with its unit, the voxel index and the
                             * value there in a volume held at 1:2 (or 1:4 ...): the most
                             * frequent value of the file's block of voxels */
                            ? _("x %.4g, y %.4g, z %.4g %s · voxel (%zu, %zu, %zu) · %s (1:%u "
                                "mode)")
                            /* TRANSLATORS: the same, the value the mean of the file's block */
                            : _("x %.4g, y %.4g, z %.4g %s · voxel (%zu, %zu, %zu) · %s (1:%u "
                                "mean)"),
                            shown[0], shown[1], shown[2],
                            evox_units_symbol (&units, 1, EVOX_UNITS_UNICODE),
                            index[0], index[1], index[2], value_text, reduction);
  else
    /* TRANSLATORS: a position with its unit (nm, µm, px), the voxel index and the value there */
    g_string_append_printf (text, _("x %.4g, y %.4g, z %.4g %s · voxel (%zu, %zu, %zu) · %s"),
                            shown[0], shown[1], shown[2],
                            evox_units_symbol (&units, 1, EVOX_UNITS_UNICODE),
                            index[0], index[1], index[2], value_text);
  owner = evox_phase_list_find_owner (evox_document_get_phases (self->document), value);
  if (owner >= 0)
    g_string_append_printf (text, _(" · %s"), evox_phase_get_name (
                              evox_phase_list_get_phase (evox_document_get_phases (self->document),
                                                         owner)));
  clusters = evox_document_get_clusters (self->document);
  if (clusters != NULL)
    {
      guint id = evox_clusters_get_label (clusters, index[0], index[1], index[2]);

      /* TRANSLATORS: the cluster under the pointer (its name, "Cluster 2" unless the user named
       * it) and its share of the clustered voxels */
      if (id != 0)
        g_string_append_printf (text, _(" · %s (%.1f %%)"), evox_clusters_get_name (clusters, id),
                                100.0 * evox_clusters_get_fraction (clusters, id));
    }
  labels = evox_document_get_labels (self->document);
  if (labels != NULL)
    {
      guint32 id = evox_labels_get_label (labels, index[0], index[1], index[2]);

      if (id != 0)
        g_string_append_printf (text, _(" · particle %u"), id);
    }
  layer = evox_volume_get_layer (volume, index[2]);
  if (layer != NULL && evox_volume_get_n_scans (volume) > 0)
    {
      if (layer->measured)
        g_string_append_printf (text, _(" · measured layer (scan %d)"), layer->scan);
      else
        g_string_append_printf (text, _(" · interpolated layer (between scans %d and %d)"),
                                MIN (layer->scan_below, layer->scan),
                                MAX (layer->scan_below, layer->scan));
    }
  return g_string_free (text, FALSE);
}

static gboolean target_at   (EvoxCanvas   *self,
                             double        x,
                             double        y,
                             Target       *target);
static gboolean target_pick (EvoxCanvas   *self,
                             const Target *target,
                             double        x,
                             double        y,
                             double        position[3]);

void
evox_canvas_hover_at (EvoxCanvas *self,
                      double      x,
                      double      y)
{
  double position[3];
  EvoxLabels *labels;
  gsize index[3];
  Target target;

  g_return_if_fail (EVOX_IS_CANVAS (self));

  self->pointer[0] = x;
  self->pointer[1] = y;
  if (self->document == NULL || evox_document_get_volume (self->document) == NULL ||
      !target_at (self, x, y, &target) ||
      !target_pick (self, &target, target.x, target.y, position))
    {
      self->hover_valid = FALSE;
      set_hover_text (self, NULL);
      return;
    }
  voxel_at (evox_document_get_volume (self->document), position, self->hover_voxel);
  self->hover_valid = TRUE;
  set_hover_text (self, describe_point (self, position));
  labels = evox_document_get_labels (self->document);
  if (labels != NULL)
    {
      guint32 id;

      voxel_at (evox_document_get_volume (self->document), position, index);
      id = evox_labels_get_label (labels, index[0], index[1], index[2]);
      /* Hovering a particle selects it (and its table row) without moving the view. */
      if (id != 0)
        evox_document_set_selected_particle (self->document, id);
    }
}

/* Where widget point (x, y) lands; FALSE in the gaps between the panes of the 2x2. */
static gboolean
target_at (EvoxCanvas *self,
           double      x,
           double      y,
           Target     *target)
{
  int scale = MAX (gtk_widget_get_scale_factor (GTK_WIDGET (self)), 1);
  int width = gtk_widget_get_width (GTK_WIDGET (self)) * scale;
  int height = gtk_widget_get_height (GTK_WIDGET (self)) * scale;
  EvoxView view = evox_renderer_get_view (self->renderer);
  double local[2];
  int rect[4];

  x *= scale;
  y *= scale;
  target->scale = scale;
  if (view != EVOX_VIEW_QUAD)
    {
      target->pane = -1;
      target->view = view;
      target->camera = evox_renderer_get_camera (self->renderer);
      target->x = x;
      target->y = y;
      target->width = width;
      target->height = height;
      return TRUE;
    }
  target->pane = evox_renderer_get_pane_at (width, height, x, y, local);
  if (target->pane < 0)
    return FALSE;
  evox_renderer_get_pane_rect (width, height, target->pane, rect);
  target->view = evox_renderer_get_pane_view (target->pane);
  target->camera = evox_renderer_get_pane_camera (self->renderer, target->pane);
  target->x = local[0];
  target->y = local[1];
  target->width = rect[2];
  target->height = rect[3];
  return TRUE;
}

static gboolean
target_pick (EvoxCanvas   *self,
             const Target *target,
             double        x,
             double        y,
             double        position[3])
{
  return evox_renderer_pick_view (self->renderer, target->view, target->camera, x, y,
                                  target->width, target->height, position);
}

static gboolean
is_flat (EvoxView view)
{
  return view >= EVOX_VIEW_SLICE_X && view <= EVOX_VIEW_SLICE_Z;
}

gboolean
evox_canvas_recenter_at (EvoxCanvas *self,
                         double      x,
                         double      y)
{
  double position[3];
  Target target;

  g_return_val_if_fail (EVOX_IS_CANVAS (self), FALSE);

  if (!target_at (self, x, y, &target) ||
      !target_pick (self, &target, target.x, target.y, position))
    return FALSE;
  /* The camera works in display space, where z is stretched. */
  position[2] *= evox_renderer_get_z_exaggeration (self->renderer);
  evox_camera_set_center (target.camera, position);
  return TRUE;
}

/* Moves the slices other than the target's own to the point under (x, y) in its coordinates. */
static gboolean
move_slices_to (EvoxCanvas   *self,
                const Target *target,
                double        x,
                double        y)
{
  guint axis = target->view - EVOX_VIEW_SLICE_X;
  double position[3];
  gsize index[3];

  if (self->document == NULL || evox_document_get_volume (self->document) == NULL ||
      !target_pick (self, target, x, y, position))
    return FALSE;
  voxel_at (evox_document_get_volume (self->document), position, index);
  for (guint a = 0; a < 3; a++)
    if (a != axis)
      evox_document_set_slice (self->document, a, (guint) index[a]);
  return TRUE;
}

gboolean
evox_canvas_point_at (EvoxCanvas *self,
                      double      x,
                      double      y)
{
  Target target;

  g_return_val_if_fail (EVOX_IS_CANVAS (self), FALSE);

  if (!target_at (self, x, y, &target) || target.pane < 0 || !is_flat (target.view))
    return FALSE;
  return move_slices_to (self, &target, target.x, target.y);
}

/* A ruler starts where the pointer is on the slice, on that slice. */
static gboolean
begin_ruler (EvoxCanvas   *self,
             const Target *target)
{
  g_autoptr(EvoxMeasurement) ruler = NULL;
  guint axis = target->view - EVOX_VIEW_SLICE_X;
  double position[3];

  if (self->document == NULL || !is_flat (target->view) ||
      !target_pick (self, target, target->x, target->y, position))
    return FALSE;
  ruler = evox_measurement_new (axis, evox_document_get_slice (self->document, axis), position,
                                position);
  evox_measurement_list_append (evox_document_get_measurements (self->document), ruler);
  g_set_object (&self->ruler, ruler);
  return TRUE;
}

static void
update_ruler (EvoxCanvas   *self,
              const Target *target,
              double        x,
              double        y)
{
  double position[3];

  /* Off the slice the end stays where it last was on it. */
  if (self->ruler != NULL && target_pick (self, target, x, y, position))
    evox_measurement_set_end (self->ruler, position);
}

/* A click without a drag leaves no ruler behind. */
static void
end_ruler (EvoxCanvas *self)
{
  EvoxMeasurementList *list;
  double spacing[3];
  int index;

  if (self->ruler == NULL)
    return;
  list = evox_document_get_measurements (self->document);
  evox_volume_get_spacing (evox_document_get_volume (self->document), spacing);
  index = _evox_object_list_find (EVOX_OBJECT_LIST (list), self->ruler);
  if (index >= 0 &&
      evox_measurement_get_length_nm (self->ruler) < 0.5 * MIN (spacing[0], MIN (spacing[1],
                                                                                   spacing[2])))
    evox_measurement_list_remove (list, (guint) index);
  g_clear_object (&self->ruler);
}

EvoxMeasurement *
evox_canvas_measure (EvoxCanvas *self,
                     double      x0,
                     double      y0,
                     double      x1,
                     double      y1)
{
  EvoxMeasurement *ruler;
  Target target;

  g_return_val_if_fail (EVOX_IS_CANVAS (self), NULL);

  if (!target_at (self, x0, y0, &target) || !begin_ruler (self, &target))
    return NULL;
  update_ruler (self, &target, target.x + (x1 - x0) * target.scale,
                target.y + (y1 - y0) * target.scale);
  ruler = self->ruler;
  end_ruler (self);
  /* Still in the list unless it was too short. */
  if (_evox_object_list_find (EVOX_OBJECT_LIST (evox_document_get_measurements (self->document)),
                              ruler) < 0)
    return NULL;
  return ruler;
}

void
evox_canvas_look_along (EvoxCanvas *self,
                        int         axis)
{
  EvoxCamera *camera;

  g_return_if_fail (EVOX_IS_CANVAS (self));

  if (evox_renderer_get_view (self->renderer) == EVOX_VIEW_QUAD)
    {
      /* The keys turn the 3D pane; 0 also brings every 2D pane back to its framing. */
      camera = evox_renderer_get_pane_camera (self->renderer, EVOX_PANE_3D);
      if (axis >= 0)
        {
          evox_camera_look_along (camera, axis);
          return;
        }
      evox_camera_reset (camera);
      for (guint p = 0; p < EVOX_N_PANES; p++)
        if (p != EVOX_PANE_3D)
          evox_camera_look_along (evox_renderer_get_pane_camera (self->renderer, p),
                                  evox_renderer_get_pane_view (p) - EVOX_VIEW_SLICE_X);
      return;
    }
  camera = evox_renderer_get_camera (self->renderer);
  if (axis < 0)
    {
      /* Back to the view's own framing: the oblique 3D view, or the slice head-on. */
      if (self->document != NULL)
        sync_view (self);
      else
        evox_camera_reset (camera);
      return;
    }
  evox_camera_look_along (camera, axis);
}

gboolean
evox_canvas_get_measure_tool (EvoxCanvas *self)
{
  g_return_val_if_fail (EVOX_IS_CANVAS (self), FALSE);
  return self->measure_tool;
}

void
evox_canvas_set_measure_tool (EvoxCanvas *self,
                              gboolean    measure)
{
  g_return_if_fail (EVOX_IS_CANVAS (self));

  measure = !!measure;
  if (self->measure_tool == measure)
    return;
  self->measure_tool = measure;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), measure ? "crosshair" : NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEASURE_TOOL]);
  if (measure && self->region_tool)
    {
      self->region_tool = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REGION_TOOL]);
    }
}

EvoxDragAction
_evox_canvas_drag_action (guint           button,
                          GdkModifierType state,
                          EvoxView        view,
                          gboolean        in_pane,
                          gboolean        measure_tool,
                          gboolean        on_ruler_end)
{
  gboolean left = button == GDK_BUTTON_PRIMARY;

  if (button == GDK_BUTTON_MIDDLE || (state & GDK_SHIFT_MASK) != 0)
    return EVOX_DRAG_PAN;
  if (!is_flat (view))
    return EVOX_DRAG_ORBIT;
  /* A ruler's end is grabbed before anything else: even the Measure tool moves it rather than
   * starting a ruler on top of it. */
  if (left && on_ruler_end)
    return EVOX_DRAG_MOVE_END;
  if (left && (measure_tool || (state & GDK_CONTROL_MASK) != 0))
    return EVOX_DRAG_MEASURE;
  if (left && in_pane)
    return EVOX_DRAG_CROSSHAIR;
  return EVOX_DRAG_PAN;
}

/* The distance between two points given in nm as the screen shows it (z stretched), over
 * `per_pixel`: in pixels when that is one pixel's length. */
static double
pixel_distance (EvoxCanvas   *self,
                const double  a[3],
                const double  b[3],
                double        per_pixel)
{
  double ex = evox_renderer_get_z_exaggeration (self->renderer);
  double dx = a[0] - b[0], dy = a[1] - b[1], dz = (a[2] - b[2]) * ex;

  return sqrt (dx * dx + dy * dy + dz * dz) / per_pixel;
}

/* The ruler end (on the slice the target shows) within GRAB_PIXELS of (x, y), the nearest if
 * several: its ruler (transfer none) and whether it is the start. */
static EvoxMeasurement *
find_ruler_end (EvoxCanvas   *self,
                const Target *target,
                double        x,
                double        y,
                gboolean     *is_start,
                double        offset[3])
{
  EvoxMeasurementList *list;
  EvoxMeasurement *found = NULL;
  double here[3], next[3], per_pixel, best = GRAB_PIXELS * target->scale;
  guint axis;

  if (self->document == NULL || !is_flat (target->view) ||
      evox_measurement_list_get_n_measurements (
        evox_document_get_measurements (self->document)) == 0 ||
      !target_pick (self, target, x, y, here))
    return NULL;
  /* One pixel's length on screen, measured where the pointer is (either neighbour will do). */
  if (!target_pick (self, target, x + 1, y, next) && !target_pick (self, target, x - 1, y, next))
    return NULL;
  per_pixel = pixel_distance (self, here, next, 1.0);
  if (!(per_pixel > 0))
    return NULL;
  axis = target->view - EVOX_VIEW_SLICE_X;
  list = evox_document_get_measurements (self->document);
  for (guint i = 0; i < evox_measurement_list_get_n_measurements (list); i++)
    {
      EvoxMeasurement *ruler = evox_measurement_list_get_measurement (list, i);
      double ends[2][3];

      if (evox_measurement_get_axis (ruler) != axis ||
          evox_measurement_get_slice (ruler) != evox_document_get_slice (self->document, axis))
        continue;
      evox_measurement_get_points (ruler, ends[0], ends[1]);
      for (guint e = 0; e < 2; e++)
        {
          double d = pixel_distance (self, here, ends[e], per_pixel);

          if (d <= best)
            {
              best = d;
              found = ruler;
              *is_start = e == 0;
              for (guint a = 0; a < 3; a++)
                offset[a] = ends[e][a] - here[a];
            }
        }
    }
  return found;
}

static void
move_ruler_end (EvoxCanvas   *self,
                const Target *target,
                double        x,
                double        y)
{
  double position[3];

  /* Off the slice the end stays where it last was on it. */
  if (self->ruler == NULL || !target_pick (self, target, x, y, position))
    return;
  for (guint a = 0; a < 3; a++)
    position[a] += self->grab_offset[a];
  if (self->ruler_start)
    evox_measurement_set_start (self->ruler, position);
  else
    evox_measurement_set_end (self->ruler, position);
}

/* What a press of `button` with `state` at widget point (x, y) starts; EVOX_DRAG_NONE in the
 * gaps of the 2x2. The gesture handlers and evox_canvas_drag share this and the two below. */
static gboolean
begin_region (EvoxCanvas   *self,
              const Target *target)
{
  double position[3];

  if (self->document == NULL || evox_document_get_volume (self->document) == NULL ||
      !is_flat (target->view) || !target_pick (self, target, target->x, target->y, position))
    return FALSE;
  voxel_at (evox_document_get_volume (self->document), position, self->region_voxel[0]);
  memcpy (self->region_voxel[1], self->region_voxel[0], sizeof self->region_voxel[0]);
  self->region_rect[0] = self->region_rect[2] = self->pointer[0];
  self->region_rect[1] = self->region_rect[3] = self->pointer[1];
  self->region_active = TRUE;
  return TRUE;
}

static void
update_region (EvoxCanvas   *self,
               const Target *target,
               double        x,
               double        y)
{
  double position[3];

  /* Widget coordinates for the outline: the target's pixels over the scale, shifted back by
   * where the pane lies (the drag began at region_rect[0..1]). */
  self->region_rect[2] = self->region_rect[0] + (x - self->drag_start[0]) / target->scale;
  self->region_rect[3] = self->region_rect[1] + (y - self->drag_start[1]) / target->scale;
  if (target_pick (self, target, x, y, position))
    voxel_at (evox_document_get_volume (self->document), position, self->region_voxel[1]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The rectangle of voxels between the two corners, on the slice it was drawn on (the axis
 * across the slice keeps the slice's index). */
static void
end_region (EvoxCanvas *self)
{
  guint lo[3], hi[3];

  if (!self->region_active)
    return;
  self->region_active = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  /* A click is no rectangle. */
  if (fabs (self->region_rect[2] - self->region_rect[0]) < 3 &&
      fabs (self->region_rect[3] - self->region_rect[1]) < 3)
    return;
  for (int a = 0; a < 3; a++)
    {
      lo[a] = (guint) MIN (self->region_voxel[0][a], self->region_voxel[1][a]);
      hi[a] = (guint) MAX (self->region_voxel[0][a], self->region_voxel[1][a]);
    }
  g_signal_emit (self, signals[REGION_DRAWN], 0, lo[0], lo[1], lo[2], hi[0], hi[1], hi[2]);
}

/* The renderer samples coarsely while the user moves the picture (the camera by a drag or the
 * wheel, or a control held elsewhere) and draws its full-quality frame once they let go. */
static void
sync_interactive (EvoxCanvas *self)
{
  gboolean camera = self->drag_mode == EVOX_DRAG_ORBIT || self->drag_mode == EVOX_DRAG_PAN;

  evox_renderer_set_interactive (self->renderer,
                                 camera || self->editing || self->zoom_rest_id != 0);
}

/* Wheel clicks come one by one: the zoom rests once none came for this long. */
#define ZOOM_REST_MS 250

static gboolean
zoom_rested (gpointer data)
{
  EvoxCanvas *self = data;

  self->zoom_rest_id = 0;
  sync_interactive (self);
  return G_SOURCE_REMOVE;
}

static void
hold_for_zoom (EvoxCanvas *self)
{
  g_clear_handle_id (&self->zoom_rest_id, g_source_remove);
  self->zoom_rest_id = g_timeout_add (ZOOM_REST_MS, zoom_rested, self);
  sync_interactive (self);
}

void
evox_canvas_set_editing (EvoxCanvas *self,
                         gboolean    editing)
{
  g_return_if_fail (EVOX_IS_CANVAS (self));

  self->editing = !!editing;
  sync_interactive (self);
}

gboolean
evox_canvas_get_editing (EvoxCanvas *self)
{
  g_return_val_if_fail (EVOX_IS_CANVAS (self), FALSE);
  return self->editing;
}

void
evox_canvas_get_overlay_geometry (EvoxCanvas          *self,
                                  int                  width,
                                  int                  height,
                                  EvoxOverlayGeometry *geometry)
{
  double footprint[4];
  int x0, y0, x1, y1;

  g_return_if_fail (EVOX_IS_CANVAS (self));
  g_return_if_fail (geometry != NULL);

  evox_renderer_get_overlay_geometry (self->renderer, width, height, geometry);
  if (!evox_renderer_get_slice_footprint (self->renderer, width, height, footprint))
    return;
  /* Whole pixels, rounded as the cropped export rounds its crop, so the boxes keep sharp
   * edges; the scale bar's automatic length then follows the slice's width, as there. */
  x0 = CLAMP ((int) round (footprint[0]), 0, width - 1);
  y0 = CLAMP ((int) round (footprint[1]), 0, height - 1);
  x1 = MAX (MIN ((int) round (footprint[0] + footprint[2]), width), x0 + 1);
  y1 = MAX (MIN ((int) round (footprint[1] + footprint[3]), height), y0 + 1);
  geometry->room[0] = x0;
  geometry->room[1] = y0;
  geometry->room[2] = x1 - x0;
  geometry->room[3] = y1 - y0;
  memcpy (geometry->area, geometry->room, sizeof geometry->room);
  memcpy (geometry->axes_area, geometry->room, sizeof geometry->room);
}

/* The figure of the document's overlays for the canvas's size now (geometry from the renderer, so
 * it follows the camera and the view); NULL without a document. */
static EvoxFigure *
ensure_figure (EvoxCanvas *self,
               int        *width,
               int        *height)
{
  EvoxOverlayGeometry geometry;

  *width = MAX (gtk_widget_get_width (GTK_WIDGET (self)), 1);
  *height = MAX (gtk_widget_get_height (GTK_WIDGET (self)), 1);
  if (self->document == NULL)
    return NULL;
  evox_canvas_get_overlay_geometry (self, *width, *height, &geometry);
  if (self->figure == NULL)
    self->figure = evox_figure_new_from_document (self->document, &geometry);
  else
    evox_figure_set_geometry (self->figure, &geometry);
  return self->figure;
}

int
evox_canvas_pick_overlay (EvoxCanvas *self,
                          double      x,
                          double      y)
{
  EvoxFigure *figure;
  int width, height;

  g_return_val_if_fail (EVOX_IS_CANVAS (self), -1);

  if (self->document == NULL ||
      !evox_overlays_any_visible (evox_document_get_overlays (self->document)))
    return -1;
  figure = ensure_figure (self, &width, &height);
  return evox_figure_pick (figure, width, height, 1.0, x, y);
}

gboolean
evox_canvas_get_overlay_rect (EvoxCanvas *self,
                              int         item,
                              double      rect[4])
{
  EvoxFigure *figure;
  int width, height;

  g_return_val_if_fail (EVOX_IS_CANVAS (self), FALSE);

  figure = ensure_figure (self, &width, &height);
  return figure != NULL && evox_figure_get_item_rect (figure, item, width, height, 1.0, rect);
}

/* A press on an overlay item grabs it (and no drag of the canvas's own starts). */
static gboolean
begin_overlay_drag (EvoxCanvas *self,
                    double      x,
                    double      y)
{
  double rect[4];

  self->overlay_item = evox_canvas_pick_overlay (self, x, y);
  if (self->overlay_item < 0 || !evox_canvas_get_overlay_rect (self, self->overlay_item, rect))
    {
      self->overlay_item = -1;
      return FALSE;
    }
  self->drag_start[0] = x;
  self->drag_start[1] = y;
  self->overlay_grab[0] = x - rect[0];
  self->overlay_grab[1] = y - rect[1];
  return TRUE;
}

/* The grabbed item's box follows the pointer, (offset_x, offset_y) widget pixels from the press;
 * the overlays store where it lands as fractions, so exports of any size keep the place. */
static void
move_overlay (EvoxCanvas *self,
              double      offset_x,
              double      offset_y)
{
  EvoxOverlays *overlays = evox_document_get_overlays (self->document);
  EvoxFigure *figure;
  int width, height;
  double fx, fy;

  figure = ensure_figure (self, &width, &height);
  if (figure == NULL || self->overlay_item < 0)
    return;
  evox_figure_position_for (figure, self->overlay_item, width, height, 1.0,
                            self->drag_start[0] + offset_x - self->overlay_grab[0],
                            self->drag_start[1] + offset_y - self->overlay_grab[1], &fx, &fy);
  if (self->overlay_item < EVOX_N_OVERLAY_ITEMS)
    evox_overlays_set_position (overlays, self->overlay_item, fx, fy);
  else if ((guint) (self->overlay_item - EVOX_N_OVERLAY_ITEMS) <
           evox_overlays_get_n_labels (overlays))
    evox_overlays_move_label (overlays, self->overlay_item - EVOX_N_OVERLAY_ITEMS, fx, fy);
}

/* The label editor's text goes to the label; an empty text deletes it. */
static void
apply_label_edit (EvoxCanvas *self)
{
  EvoxOverlays *overlays;
  g_autofree char *text = NULL;
  int index = self->edited_label;

  self->edited_label = -1;
  if (self->document == NULL || index < 0)
    return;
  overlays = evox_document_get_overlays (self->document);
  if ((guint) index >= evox_overlays_get_n_labels (overlays))
    return;
  text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->label_entry))));
  if (*text == '\0')
    evox_overlays_remove_label (overlays, index);
  else
    evox_overlays_set_label_text (overlays, index, text);
}

/* Enter: the edit is kept and the editor closes (with nothing left to keep). */
static void
label_edited (EvoxCanvas *self)
{
  apply_label_edit (self);
  gtk_popover_popdown (GTK_POPOVER (self->label_popover));
}

/* The editor closed by a click elsewhere (the focus left it) keeps what was typed, as Enter
 * does; Escape has already dropped the edit. An editor closing because the canvas goes away
 * (the window closes: the canvas is unmapped first) keeps nothing. */
static void
label_editor_closed (EvoxCanvas *self)
{
  if (self->edited_label >= 0 && gtk_widget_get_mapped (GTK_WIDGET (self)))
    apply_label_edit (self);
  self->edited_label = -1;
}

/* Escape leaves the label as it was. */
static gboolean
label_editor_key_pressed (EvoxCanvas      *self,
                          guint            keyval,
                          guint            keycode,
                          GdkModifierType  state)
{
  if (keyval != GDK_KEY_Escape)
    return GDK_EVENT_PROPAGATE;
  self->edited_label = -1;
  gtk_popover_popdown (GTK_POPOVER (self->label_popover));
  return GDK_EVENT_STOP;
}

/* Popovers of a GtkGLArea are placed by its size_allocate. */
static void
present_popovers (EvoxCanvas *self)
{
  if (self->label_popover != NULL && gtk_widget_get_visible (self->label_popover))
    gtk_popover_present (GTK_POPOVER (self->label_popover));
  if (self->label_menu != NULL && gtk_widget_get_visible (self->label_menu))
    gtk_popover_present (GTK_POPOVER (self->label_menu));
}

static void
point_popover_at_label (EvoxCanvas *self,
                        GtkPopover *popover,
                        guint       index)
{
  double rect[4];

  if (evox_canvas_get_overlay_rect (self, EVOX_N_OVERLAY_ITEMS + index, rect))
    gtk_popover_set_pointing_to (popover, &(GdkRectangle) { (int) rect[0], (int) rect[1],
                                                            MAX ((int) rect[2], 1),
                                                            MAX ((int) rect[3], 1) });
}

void
evox_canvas_edit_label (EvoxCanvas *self,
                        guint       index)
{
  EvoxOverlays *overlays;

  g_return_if_fail (EVOX_IS_CANVAS (self));

  if (self->document == NULL)
    return;
  overlays = evox_document_get_overlays (self->document);
  if (index >= evox_overlays_get_n_labels (overlays))
    return;
  if (self->label_popover == NULL)
    {
      GtkEventController *keys = gtk_event_controller_key_new ();

      self->label_popover = gtk_popover_new ();
      self->label_entry = gtk_entry_new ();
      gtk_widget_set_name (self->label_entry, "overlay-label-entry");
      gtk_widget_set_tooltip_text (self->label_entry,
                                   _("The label's text; Enter or a click elsewhere keeps it, "
                                     "Escape leaves the label as it was, an empty text deletes "
                                     "the label"));
      gtk_popover_set_child (GTK_POPOVER (self->label_popover), self->label_entry);
      gtk_widget_set_parent (self->label_popover, GTK_WIDGET (self));
      g_signal_connect_swapped (self->label_entry, "activate", G_CALLBACK (label_edited), self);
      g_signal_connect_swapped (self->label_popover, "closed", G_CALLBACK (label_editor_closed),
                                self);
      /* Before the popover's own Escape, which would close it as a click elsewhere does. */
      gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
      g_signal_connect_swapped (keys, "key-pressed", G_CALLBACK (label_editor_key_pressed), self);
      gtk_widget_add_controller (self->label_entry, keys);
    }
  /* Another label's edit still open is kept first, as a click elsewhere would keep it; an
   * emptied one goes and the labels after it move down. */
  if (self->edited_label >= 0 && (guint) self->edited_label != index)
    {
      guint n = evox_overlays_get_n_labels (overlays);
      guint pending = (guint) self->edited_label;

      apply_label_edit (self);
      if (evox_overlays_get_n_labels (overlays) < n && pending < index)
        index--;
    }
  self->edited_label = index;
  gtk_editable_set_text (GTK_EDITABLE (self->label_entry),
                         evox_overlays_get_label (overlays, index, NULL, NULL));
  point_popover_at_label (self, GTK_POPOVER (self->label_popover), index);
  gtk_popover_popup (GTK_POPOVER (self->label_popover));
  gtk_widget_grab_focus (self->label_entry);
}

static void
edit_label_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  evox_canvas_edit_label (EVOX_CANVAS (widget), (guint) MAX (g_variant_get_int32 (parameter), 0));
}

static void
delete_label_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  EvoxCanvas *self = EVOX_CANVAS (widget);
  int index = g_variant_get_int32 (parameter);
  EvoxOverlays *overlays;

  if (self->document == NULL)
    return;
  overlays = evox_document_get_overlays (self->document);
  if (index >= 0 && (guint) index < evox_overlays_get_n_labels (overlays))
    evox_overlays_remove_label (overlays, index);
}

/* A right click on a label offers to edit or delete it. */
static void
context_pressed (GtkGestureClick *gesture,
                 int              n_press,
                 double           x,
                 double           y,
                 EvoxCanvas      *self)
{
  g_autoptr(GMenu) menu = NULL;
  g_autoptr(GMenuItem) edit = NULL;
  g_autoptr(GMenuItem) delete = NULL;
  int item = evox_canvas_pick_overlay (self, x, y);

  if (item < EVOX_N_OVERLAY_ITEMS)
    return;
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  menu = g_menu_new ();
  edit = g_menu_item_new (_("_Edit Text…"), NULL);
  g_menu_item_set_action_and_target_value (edit, "canvas.edit-label",
                                           g_variant_new_int32 (item - EVOX_N_OVERLAY_ITEMS));
  g_menu_append_item (menu, edit);
  delete = g_menu_item_new (_("_Delete Label"), NULL);
  g_menu_item_set_action_and_target_value (delete, "canvas.delete-label",
                                           g_variant_new_int32 (item - EVOX_N_OVERLAY_ITEMS));
  g_menu_append_item (menu, delete);
  if (self->label_menu == NULL)
    {
      self->label_menu = gtk_popover_menu_new_from_model (G_MENU_MODEL (menu));
      gtk_popover_set_has_arrow (GTK_POPOVER (self->label_menu), FALSE);
      gtk_widget_set_parent (self->label_menu, GTK_WIDGET (self));
    }
  else
    gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (self->label_menu), G_MENU_MODEL (menu));
  gtk_popover_set_pointing_to (GTK_POPOVER (self->label_menu),
                               &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->label_menu));
}

/* The overlays over the GL frame, as exports draw them at scale 1. */
static void
snapshot_overlays (EvoxCanvas  *self,
                   GtkSnapshot *snapshot)
{
  EvoxFigure *figure;
  int width, height;
  cairo_t *cr;

  if (self->document == NULL ||
      !evox_overlays_any_visible (evox_document_get_overlays (self->document)))
    return;
  figure = ensure_figure (self, &width, &height);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  evox_figure_draw (figure, cr, width, height, 1.0);
  cairo_destroy (cr);
}

static EvoxDragAction
begin_drag (EvoxCanvas      *self,
            guint            button,
            GdkModifierType  state,
            double           x,
            double           y)
{
  Target *target = &self->drag_target;
  EvoxMeasurement *grabbed;
  gboolean is_start = FALSE;

  self->drag_last[0] = 0;
  self->drag_last[1] = 0;
  g_clear_object (&self->ruler);
  self->drag_mode = EVOX_DRAG_NONE;
  /* On an overlay item the left button moves it; no other drag starts there. */
  if (evox_canvas_pick_overlay (self, x, y) >= 0)
    {
      if (button == GDK_BUTTON_PRIMARY && begin_overlay_drag (self, x, y))
        self->drag_mode = EVOX_DRAG_OVERLAY;
      return self->drag_mode;
    }
  if (!target_at (self, x, y, target))
    return EVOX_DRAG_NONE;
  self->drag_start[0] = target->x;
  self->drag_start[1] = target->y;

  self->pointer[0] = x;
  self->pointer[1] = y;
  if (self->region_tool && button == GDK_BUTTON_PRIMARY && (state & GDK_SHIFT_MASK) == 0 &&
      begin_region (self, target))
    {
      self->drag_mode = EVOX_DRAG_REGION;
      return self->drag_mode;
    }
  grabbed = find_ruler_end (self, target, target->x, target->y, &is_start, self->grab_offset);
  self->drag_mode = _evox_canvas_drag_action (button, state, target->view, target->pane >= 0,
                                              self->measure_tool, grabbed != NULL);
  switch (self->drag_mode)
    {
    case EVOX_DRAG_MOVE_END:
      g_set_object (&self->ruler, grabbed);
      self->ruler_start = is_start;
      break;
    case EVOX_DRAG_MEASURE:
      if (begin_ruler (self, target))
        {
          self->ruler_start = FALSE;
          break;
        }
      /* Off the slice: what the same drag does without Ctrl or the tool. */
      self->drag_mode = _evox_canvas_drag_action (button, state & ~GDK_CONTROL_MASK,
                                                  target->view, target->pane >= 0, FALSE, FALSE);
      if (self->drag_mode == EVOX_DRAG_CROSSHAIR)
        move_slices_to (self, target, target->x, target->y);
      break;
    case EVOX_DRAG_CROSSHAIR:
      move_slices_to (self, target, target->x, target->y);
      break;
    case EVOX_DRAG_PAN:
    case EVOX_DRAG_ORBIT:
    case EVOX_DRAG_NONE:
    default:
      break;
    }
  sync_interactive (self);
  return self->drag_mode;
}

/* The pointer is (offset_x, offset_y) widget pixels from where the drag began. */
static void
update_drag (EvoxCanvas *self,
             double      offset_x,
             double      offset_y)
{
  const Target *target = &self->drag_target;
  double dx, dy, x, y;

  if (self->drag_mode == EVOX_DRAG_OVERLAY)
    {
      move_overlay (self, offset_x, offset_y);
      return;
    }
  offset_x *= target->scale;
  offset_y *= target->scale;
  dx = offset_x - self->drag_last[0];
  dy = offset_y - self->drag_last[1];
  x = self->drag_start[0] + offset_x;
  y = self->drag_start[1] + offset_y;

  self->drag_last[0] = offset_x;
  self->drag_last[1] = offset_y;
  switch (self->drag_mode)
    {
    case EVOX_DRAG_PAN:
      evox_camera_pan (target->camera, dx, dy, target->width, target->height);
      break;
    case EVOX_DRAG_CROSSHAIR:
      move_slices_to (self, target, x, y);
      break;
    case EVOX_DRAG_MEASURE:
      update_ruler (self, target, x, y);
      break;
    case EVOX_DRAG_MOVE_END:
      move_ruler_end (self, target, x, y);
      break;
    case EVOX_DRAG_REGION:
      update_region (self, target, x, y);
      break;
    case EVOX_DRAG_ORBIT:
      /* Degrees per widget pixel, whatever the scale. */
      evox_camera_orbit (target->camera, dx / target->scale, dy / target->scale);
      break;
    case EVOX_DRAG_OVERLAY:
    case EVOX_DRAG_NONE:
    default:
      break;
    }
}

static void
finish_drag (EvoxCanvas *self)
{
  self->overlay_item = -1;
  if (self->drag_mode == EVOX_DRAG_MEASURE)
    end_ruler (self);
  if (self->drag_mode == EVOX_DRAG_REGION)
    end_region (self);
  g_clear_object (&self->ruler);
  self->drag_mode = EVOX_DRAG_NONE;
  sync_interactive (self);
}

EvoxDragAction
evox_canvas_drag (EvoxCanvas      *self,
                  guint            button,
                  GdkModifierType  state,
                  double           x0,
                  double           y0,
                  double           x1,
                  double           y1)
{
  EvoxDragAction action;
  const guint steps = 4;

  g_return_val_if_fail (EVOX_IS_CANVAS (self), EVOX_DRAG_NONE);

  action = begin_drag (self, button, state, x0, y0);
  if (action == EVOX_DRAG_NONE)
    return action;
  /* In a few motion events, as a mouse delivers them. */
  for (guint i = 1; i <= steps; i++)
    update_drag (self, (x1 - x0) * i / steps, (y1 - y0) * i / steps);
  finish_drag (self);
  return action;
}

static void
drag_begin (GtkGestureDrag *gesture,
            double          x,
            double          y,
            EvoxCanvas     *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (
    GTK_EVENT_CONTROLLER (gesture));
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));

  gtk_widget_grab_focus (GTK_WIDGET (self));
  self->press_moved = FALSE;
  if (begin_drag (self, button, state, x, y) == EVOX_DRAG_NONE)
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
}

static void
drag_update (GtkGestureDrag *gesture,
             double          offset_x,
             double          offset_y,
             EvoxCanvas     *self)
{
  if (fabs (offset_x) > 2 || fabs (offset_y) > 2)
    self->press_moved = TRUE;
  update_drag (self, offset_x, offset_y);
}

static void
drag_end (GtkGestureDrag *gesture,
          double          offset_x,
          double          offset_y,
          EvoxCanvas     *self)
{
  finish_drag (self);
}

static gboolean
scroll (GtkEventControllerScroll *controller,
        double                    dx,
        double                    dy,
        EvoxCanvas               *self)
{
  Target target;

  if (!target_at (self, self->pointer[0], self->pointer[1], &target))
    return TRUE;
  hold_for_zoom (self);
  evox_camera_zoom_at (target.camera, pow (1.15, -dy), target.x, target.y, target.width,
                       target.height);
  return TRUE;
}

static void
motion (GtkEventControllerMotion *controller,
        double                    x,
        double                    y,
        EvoxCanvas               *self)
{
  Target target;
  gboolean is_start;
  double offset[3];
  gboolean on_end;

  evox_canvas_hover_at (self, x, y);
  /* A hand over a ruler's end or an overlay item says it can be dragged. */
  on_end = evox_canvas_pick_overlay (self, x, y) >= 0 ||
           (target_at (self, x, y, &target) &&
            find_ruler_end (self, &target, target.x, target.y, &is_start, offset) != NULL);
  if (on_end == self->over_ruler_end)
    return;
  self->over_ruler_end = on_end;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self),
                                   on_end ? "grab"
                                           : self->measure_tool || self->region_tool ? "crosshair"
                                                                                     : NULL);
}

static void
leave (GtkEventControllerMotion *controller,
       EvoxCanvas               *self)
{
  self->hover_valid = FALSE;
  set_hover_text (self, NULL);
}

/* A click that did not become a drag pins what is under the pointer (the spectrum panel
 * listens); double clicks recentre instead. */
static void
released (GtkGestureClick *gesture,
          int              n_press,
          double           x,
          double           y,
          EvoxCanvas      *self)
{
  int item = evox_canvas_pick_overlay (self, x, y);

  /* The editor opens after the press, so the entry keeps the keyboard focus the press took. */
  if (n_press == 2 && item >= EVOX_N_OVERLAY_ITEMS)
    evox_canvas_edit_label (self, item - EVOX_N_OVERLAY_ITEMS);
  if (n_press != 1 || self->press_moved || item >= 0)
    return;
  evox_canvas_hover_at (self, x, y);
  if (self->hover_valid)
    g_signal_emit (self, signals[VOXEL_CLICKED], 0, (guint) self->hover_voxel[0],
                   (guint) self->hover_voxel[1], (guint) self->hover_voxel[2]);
}

gboolean
evox_canvas_get_hover_voxel (EvoxCanvas *self,
                             gsize       voxel[3])
{
  g_return_val_if_fail (EVOX_IS_CANVAS (self), FALSE);

  if (self->hover_valid && voxel != NULL)
    memcpy (voxel, self->hover_voxel, sizeof self->hover_voxel);
  return self->hover_valid;
}

gboolean
evox_canvas_get_region_tool (EvoxCanvas *self)
{
  g_return_val_if_fail (EVOX_IS_CANVAS (self), FALSE);
  return self->region_tool;
}

/* The Region and Measure tools are one choice of what a left drag does: turning one on turns
 * the other off. */
void
evox_canvas_set_region_tool (EvoxCanvas *self,
                             gboolean    region)
{
  g_return_if_fail (EVOX_IS_CANVAS (self));

  region = !!region;
  if (self->region_tool == region)
    return;
  self->region_tool = region;
  if (region)
    evox_canvas_set_measure_tool (self, FALSE);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), region ? "crosshair" : NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REGION_TOOL]);
}

void
evox_canvas_set_boxes (EvoxCanvas          *self,
                       const EvoxCanvasBox *boxes,
                       guint                n_boxes)
{
  g_return_if_fail (EVOX_IS_CANVAS (self));
  g_return_if_fail (boxes != NULL || n_boxes == 0);

  g_array_set_size (self->boxes, 0);
  g_array_append_vals (self->boxes, boxes, n_boxes);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
evox_canvas_get_n_boxes (EvoxCanvas *self)
{
  g_return_val_if_fail (EVOX_IS_CANVAS (self), 0);

  return self->boxes->len;
}

const EvoxCanvasBox *
evox_canvas_get_box (EvoxCanvas *self,
                     guint       index)
{
  g_return_val_if_fail (EVOX_IS_CANVAS (self), NULL);
  g_return_val_if_fail (index < self->boxes->len, NULL);

  return &g_array_index (self->boxes, EvoxCanvasBox, index);
}

/* Where the world point lands in a width x height viewport of camera, y down. */
static void
project (const float   view[16],
         const float   projection[16],
         const double  world[3],
         int           width,
         int           height,
         double        pixel[2])
{
  double eye[4], clip[4];

  for (guint r = 0; r < 4; r++)
    eye[r] = view[r] * world[0] + view[4 + r] * world[1] + view[8 + r] * world[2] + view[12 + r];
  for (guint r = 0; r < 4; r++)
    clip[r] = projection[r] * eye[0] + projection[4 + r] * eye[1] + projection[8 + r] * eye[2] +
              projection[12 + r] * eye[3];
  pixel[0] = (clip[0] / clip[3] * 0.5 + 0.5) * width;
  pixel[1] = (0.5 - clip[1] / clip[3] * 0.5) * height;
}

#define BOX_MIN_PIXELS 7

/* The rectangle (x, y, width, height in the target's pixels) that box covers on the target's
 * slice; FALSE when that slice misses the box. */
static gboolean
box_rect (EvoxCanvas          *self,
          const EvoxCanvasBox *box,
          const Target        *target,
          double               rect[4])
{
  EvoxVolume *volume = evox_document_get_volume (self->document);
  guint axis = target->view - EVOX_VIEW_SLICE_X;
  guint slice = evox_document_get_slice (self->document, axis);
  double origin[3], spacing[3], lo[2] = { G_MAXDOUBLE, G_MAXDOUBLE }, hi[2] = { -G_MAXDOUBLE,
                                                                                 -G_MAXDOUBLE };
  double z_scale = evox_renderer_get_z_exaggeration (self->renderer);
  float view[16], projection[16];

  if (slice < box->lo[axis] || slice > box->hi[axis])
    return FALSE;
  evox_volume_get_origin (volume, origin);
  evox_volume_get_spacing (volume, spacing);
  evox_camera_get_matrices (target->camera, target->width, target->height, view, projection);
  for (guint corner = 0; corner < 4; corner++)
    {
      double world[3], pixel[2];
      guint side = 0;

      for (guint a = 0; a < 3; a++)
        {
          /* To the outer edges of the box's voxels, on the plane through the slice's centres. */
          double index = a == axis ? slice
                         : (corner >> side++) & 1 ? box->hi[a] + 0.5 : box->lo[a] - 0.5;

          world[a] = origin[a] + spacing[a] * index;
        }
      /* The camera works in display space, where z is stretched. */
      world[2] *= z_scale;
      project (view, projection, world, target->width, target->height, pixel);
      for (guint i = 0; i < 2; i++)
        {
          lo[i] = MIN (lo[i], pixel[i]);
          hi[i] = MAX (hi[i], pixel[i]);
        }
    }
  /* A pinned voxel is often less than a pixel: never smaller than a mark one can see. */
  for (guint i = 0; i < 2; i++)
    {
      double grow = MAX (BOX_MIN_PIXELS * target->scale - (hi[i] - lo[i]), 0) / 2;

      rect[i] = lo[i] - grow;
      rect[2 + i] = hi[i] - lo[i] + 2 * grow;
    }
  return TRUE;
}

/* The 2D views the canvas shows: the whole canvas, or the slice panes of the 2x2, as targets
 * whose x, y is their top-left corner in the framebuffer's pixels. */
static guint
flat_targets (EvoxCanvas *self,
              Target      targets[EVOX_N_PANES])
{
  int scale = MAX (gtk_widget_get_scale_factor (GTK_WIDGET (self)), 1);
  int width = gtk_widget_get_width (GTK_WIDGET (self)) * scale;
  int height = gtk_widget_get_height (GTK_WIDGET (self)) * scale;
  EvoxView view = evox_renderer_get_view (self->renderer);
  guint n = 0;

  if (view != EVOX_VIEW_QUAD)
    {
      if (!is_flat (view))
        return 0;
      targets[0] = (Target) { -1, view, evox_renderer_get_camera (self->renderer), 0, 0, width,
                              height, scale };
      return 1;
    }
  for (int pane = 0; pane < EVOX_N_PANES; pane++)
    {
      int rect[4];

      if (!is_flat (evox_renderer_get_pane_view (pane)))
        continue;
      evox_renderer_get_pane_rect (width, height, pane, rect);
      targets[n++] = (Target) { pane, evox_renderer_get_pane_view (pane),
                                evox_renderer_get_pane_camera (self->renderer, pane), rect[0],
                                rect[1], rect[2], rect[3], scale };
    }
  return n;
}

gboolean
evox_canvas_get_box_outline (EvoxCanvas      *self,
                             guint            index,
                             graphene_rect_t *outline)
{
  Target targets[EVOX_N_PANES];
  guint n;

  g_return_val_if_fail (EVOX_IS_CANVAS (self), FALSE);
  g_return_val_if_fail (index < self->boxes->len, FALSE);

  if (self->document == NULL || evox_document_get_volume (self->document) == NULL)
    return FALSE;
  n = flat_targets (self, targets);
  for (guint t = 0; t < n; t++)
    {
      double rect[4];

      if (box_rect (self, &g_array_index (self->boxes, EvoxCanvasBox, index), &targets[t], rect))
        {
          if (outline != NULL)
            graphene_rect_init (outline, (targets[t].x + rect[0]) / targets[t].scale,
                                (targets[t].y + rect[1]) / targets[t].scale,
                                rect[2] / targets[t].scale, rect[3] / targets[t].scale);
          return TRUE;
        }
    }
  return FALSE;
}

/* The pinned boxes on the slices they cross, each within its pane. */
static void
snapshot_boxes (EvoxCanvas  *self,
                GtkSnapshot *snapshot)
{
  const float widths[4] = { 2, 2, 2, 2 };
  Target targets[EVOX_N_PANES];
  guint n;

  if (self->boxes->len == 0 || self->document == NULL ||
      evox_document_get_volume (self->document) == NULL)
    return;
  n = flat_targets (self, targets);
  for (guint t = 0; t < n; t++)
    {
      const Target *target = &targets[t];

      gtk_snapshot_push_clip (snapshot,
                              &GRAPHENE_RECT_INIT (target->x / target->scale,
                                                   target->y / target->scale,
                                                   (float) target->width / target->scale,
                                                   (float) target->height / target->scale));
      for (guint b = 0; b < self->boxes->len; b++)
        {
          const EvoxCanvasBox *box = &g_array_index (self->boxes, EvoxCanvasBox, b);
          const GdkRGBA colors[4] = { box->color, box->color, box->color, box->color };
          const GdkRGBA dark = { 0, 0, 0, 0.7f };
          const GdkRGBA halo[4] = { dark, dark, dark, dark };
          const float thin[4] = { 1, 1, 1, 1 };
          GskRoundedRect outline;
          graphene_rect_t area;
          double rect[4];

          if (!box_rect (self, box, target, rect))
            continue;
          graphene_rect_init (&area, (target->x + rect[0]) / target->scale,
                              (target->y + rect[1]) / target->scale, rect[2] / target->scale,
                              rect[3] / target->scale);
          gsk_rounded_rect_init_from_rect (&outline, &area, 0);
          gtk_snapshot_append_border (snapshot, &outline, widths, colors);
          /* A dark line either side, so a blue box stays visible on viridis's blues. */
          gsk_rounded_rect_init_from_rect (&outline, graphene_rect_inset (&area, -1, -1), 0);
          gtk_snapshot_append_border (snapshot, &outline, thin, halo);
          gsk_rounded_rect_init_from_rect (&outline, graphene_rect_inset (&area, 2, 2), 0);
          gtk_snapshot_append_border (snapshot, &outline, thin, halo);
        }
      gtk_snapshot_pop (snapshot);
    }
}

/* The pinned boxes and the outline of the region being drawn, over the GL frame. */
static void
evox_canvas_snapshot (GtkWidget   *widget,
                      GtkSnapshot *snapshot)
{
  EvoxCanvas *self = EVOX_CANVAS (widget);
  const GdkRGBA color = { 1.0, 0.85, 0.1, 1.0 };
  const GdkRGBA colors[4] = { color, color, color, color };
  const float widths[4] = { 2, 2, 2, 2 };
  GskRoundedRect outline;

  GTK_WIDGET_CLASS (evox_canvas_parent_class)->snapshot (widget, snapshot);
  snapshot_boxes (self, snapshot);
  snapshot_overlays (self, snapshot);
  if (!self->region_active)
    return;
  gsk_rounded_rect_init_from_rect (&outline,
                                   &GRAPHENE_RECT_INIT (MIN (self->region_rect[0],
                                                             self->region_rect[2]),
                                                        MIN (self->region_rect[1],
                                                             self->region_rect[3]),
                                                        fabs (self->region_rect[2] -
                                                              self->region_rect[0]),
                                                        fabs (self->region_rect[3] -
                                                              self->region_rect[1])), 0);
  gtk_snapshot_append_border (snapshot, &outline, widths, colors);
}

static void
pressed (GtkGestureClick *gesture,
         int              n_press,
         double           x,
         double           y,
         EvoxCanvas      *self)
{
  /* A double click on an item does not recentre (on a label it edits it, once released). */
  if (n_press == 2 && evox_canvas_pick_overlay (self, x, y) < 0)
    evox_canvas_recenter_at (self, x, y);
}

static void
evox_canvas_size_allocate (GtkWidget *widget,
                           int        width,
                           int        height,
                           int        baseline)
{
  GTK_WIDGET_CLASS (evox_canvas_parent_class)->size_allocate (widget, width, height, baseline);
  present_popovers (EVOX_CANVAS (widget));
}

/* The renderer draws in device pixels: its lines keep their width in window pixels. */
static void
follow_scale_factor (EvoxCanvas *self)
{
  evox_renderer_set_scale_factor (self->renderer,
                                  MAX (gtk_widget_get_scale_factor (GTK_WIDGET (self)), 1));
}

static void
evox_canvas_realize (GtkWidget *widget)
{
  EvoxCanvas *self = EVOX_CANVAS (widget);
  g_autoptr (GError) error = NULL;

  GTK_WIDGET_CLASS (evox_canvas_parent_class)->realize (widget);

  follow_scale_factor (self);
  gtk_gl_area_make_current (GTK_GL_AREA (self));
  if (gtk_gl_area_get_error (GTK_GL_AREA (self)) != NULL)
    return;
  if (!evox_renderer_realize (self->renderer, &error))
    gtk_gl_area_set_error (GTK_GL_AREA (self), error);
}

/* Popovers still up when the window closes are closed first: GTK 4.8 otherwise keeps a pending
 * pointer query for the popover's surface and runs it after the surface is gone (a critical,
 * "gdk_surface_get_device_position: assertion 'GDK_IS_SURFACE (surface)' failed", seen in
 * test-overlay-ui after a window closed with the label editor open). An open editor keeps
 * nothing, as when the canvas goes away. */
static void
evox_canvas_unmap (GtkWidget *widget)
{
  EvoxCanvas *self = EVOX_CANVAS (widget);

  self->edited_label = -1;
  if (self->label_popover != NULL)
    gtk_popover_popdown (GTK_POPOVER (self->label_popover));
  if (self->label_menu != NULL)
    gtk_popover_popdown (GTK_POPOVER (self->label_menu));
  GTK_WIDGET_CLASS (evox_canvas_parent_class)->unmap (widget);
}

static void
evox_canvas_unrealize (GtkWidget *widget)
{
  EvoxCanvas *self = EVOX_CANVAS (widget);

  gtk_gl_area_make_current (GTK_GL_AREA (self));
  if (gtk_gl_area_get_error (GTK_GL_AREA (self)) == NULL)
    evox_renderer_unrealize (self->renderer);

  GTK_WIDGET_CLASS (evox_canvas_parent_class)->unrealize (widget);
}

static gboolean
evox_canvas_render (GtkGLArea    *area,
                    GdkGLContext *context)
{
  EvoxCanvas *self = EVOX_CANVAS (area);
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));

  if (!evox_renderer_is_realized (self->renderer))
    return FALSE;
  evox_renderer_draw (self->renderer, gtk_widget_get_width (GTK_WIDGET (self)) * scale,
                      gtk_widget_get_height (GTK_WIDGET (self)) * scale);
  self->frames++;
  g_signal_emit (self, signals[FRAME_DRAWN], 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRAMES]);

  if (self->report_first_frame && evox_renderer_get_volume (self->renderer) != NULL)
    {
      /* The benchmark wants the first frame on screen, not merely queued. */
      self->report_first_frame = FALSE;
      evox_renderer_finish (self->renderer);
      printf ("first-frame-ms %.1f\n",
              (g_get_monotonic_time () - evox_application_get_start ()) / 1000.0);
      fflush (stdout);
      g_application_quit (g_application_get_default ());
    }
  return TRUE;
}

guint8 *
evox_canvas_render_image (EvoxCanvas *self,
                          int         width,
                          int         height,
                          gboolean    transparent,
                          GError    **error)
{
  guint8 *pixels;

  g_return_val_if_fail (EVOX_IS_CANVAS (self), NULL);

  if (!gtk_widget_get_realized (GTK_WIDGET (self)) ||
      !evox_renderer_is_realized (self->renderer))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED,
                   _("The canvas cannot draw: OpenGL is not available"));
      return NULL;
    }
  gtk_gl_area_make_current (GTK_GL_AREA (self));
  pixels = evox_renderer_render_image (self->renderer, width, height,
                                       MAX (gtk_widget_get_width (GTK_WIDGET (self)), 1),
                                       MAX (gtk_widget_get_height (GTK_WIDGET (self)), 1),
                                       transparent, error);
  return pixels;
}

static void
evox_canvas_dispose (GObject *object)
{
  EvoxCanvas *self = EVOX_CANVAS (object);

  if (self->document != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->document, self);
      g_signal_handlers_disconnect_by_data (evox_document_get_overlays (self->document), self);
    }
  g_clear_object (&self->document);
  g_clear_object (&self->ruler);
  g_clear_handle_id (&self->zoom_rest_id, g_source_remove);
  g_clear_object (&self->figure);
  /* Going with the canvas, an open editor keeps nothing. */
  self->edited_label = -1;
  g_clear_pointer (&self->label_popover, gtk_widget_unparent);
  g_clear_pointer (&self->label_menu, gtk_widget_unparent);

  G_OBJECT_CLASS (evox_canvas_parent_class)->dispose (object);
}

static void
evox_canvas_finalize (GObject *object)
{
  EvoxCanvas *self = EVOX_CANVAS (object);

  g_clear_object (&self->renderer);
  g_clear_pointer (&self->hover_text, g_free);
  g_clear_pointer (&self->boxes, g_array_unref);

  G_OBJECT_CLASS (evox_canvas_parent_class)->finalize (object);
}

static void
evox_canvas_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  EvoxCanvas *self = EVOX_CANVAS (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, self->document);
      break;
    case PROP_HOVER_TEXT:
      g_value_set_string (value, self->hover_text);
      break;
    case PROP_FRAMES:
      g_value_set_uint (value, self->frames);
      break;
    case PROP_MEASURE_TOOL:
      g_value_set_boolean (value, self->measure_tool);
      break;
    case PROP_REGION_TOOL:
      g_value_set_boolean (value, self->region_tool);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_canvas_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  EvoxCanvas *self = EVOX_CANVAS (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      evox_canvas_set_document (self, g_value_get_object (value));
      break;
    case PROP_MEASURE_TOOL:
      evox_canvas_set_measure_tool (self, g_value_get_boolean (value));
      break;
    case PROP_REGION_TOOL:
      evox_canvas_set_region_tool (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_canvas_class_init (EvoxCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkGLAreaClass *area_class = GTK_GL_AREA_CLASS (klass);

  object_class->dispose = evox_canvas_dispose;
  object_class->finalize = evox_canvas_finalize;
  object_class->get_property = evox_canvas_get_property;
  object_class->set_property = evox_canvas_set_property;
  widget_class->realize = evox_canvas_realize;
  widget_class->unrealize = evox_canvas_unrealize;
  widget_class->unmap = evox_canvas_unmap;
  widget_class->snapshot = evox_canvas_snapshot;
  widget_class->size_allocate = evox_canvas_size_allocate;
  area_class->render = evox_canvas_render;

  properties[PROP_DOCUMENT] = g_param_spec_object ("document", NULL, NULL, EVOX_TYPE_DOCUMENT,
                                                   G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                   G_PARAM_STATIC_STRINGS);
  properties[PROP_HOVER_TEXT] = g_param_spec_string ("hover-text", NULL, NULL, NULL,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_FRAMES] = g_param_spec_uint ("frames", NULL, NULL, 0, G_MAXUINT, 0,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_MEASURE_TOOL] = g_param_spec_boolean ("measure-tool", NULL, NULL, FALSE,
                                                       G_PARAM_READWRITE |
                                                       G_PARAM_EXPLICIT_NOTIFY |
                                                       G_PARAM_STATIC_STRINGS);
  properties[PROP_REGION_TOOL] = g_param_spec_boolean ("region-tool", NULL, NULL, FALSE,
                                                      G_PARAM_READWRITE |
                                                      G_PARAM_EXPLICIT_NOTIFY |
                                                      G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Emitted right after a frame is drawn, with the GL context current and the canvas's
   * framebuffer still bound, so tests and benchmarks can read back what is on screen. */
  signals[FRAME_DRAWN] = g_signal_new ("frame-drawn", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* A click (no drag) on a voxel: x, y, z. */
  signals[VOXEL_CLICKED] = g_signal_new ("voxel-clicked", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                         G_TYPE_UINT, G_TYPE_UINT, G_TYPE_UINT);
  /* A rectangle drawn with the Region tool: its first and last voxel on each axis. */
  signals[REGION_DRAWN] = g_signal_new ("region-drawn", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 6,
                                        G_TYPE_UINT, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_UINT,
                                        G_TYPE_UINT, G_TYPE_UINT);

  gtk_widget_class_install_action (widget_class, "canvas.edit-label", "i", edit_label_action);
  gtk_widget_class_install_action (widget_class, "canvas.delete-label", "i",
                                   delete_label_action);
  gtk_widget_class_set_css_name (widget_class, "evox-canvas");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
evox_canvas_init (EvoxCanvas *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkGesture *click = gtk_gesture_click_new ();
  GtkGesture *context = gtk_gesture_click_new ();
  GtkEventController *scroller;
  GtkEventController *pointer = gtk_event_controller_motion_new ();

  self->renderer = evox_renderer_new ();
  self->boxes = g_array_new (FALSE, FALSE, sizeof (EvoxCanvasBox));
  self->overlay_item = -1;
  self->edited_label = -1;
  self->report_first_frame = g_strcmp0 (g_getenv ("EVOX_BENCH_FIRST_FRAME"), "1") == 0;

  gtk_gl_area_set_required_version (GTK_GL_AREA (self), 3, 3);
  gtk_gl_area_set_has_depth_buffer (GTK_GL_AREA (self), TRUE);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);

  g_signal_connect_swapped (self, "notify::scale-factor", G_CALLBACK (follow_scale_factor), self);
  g_signal_connect_object (self->renderer, "changed", G_CALLBACK (queue_render), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->renderer, "changed", G_CALLBACK (drop_figure), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (evox_renderer_get_camera (self->renderer), "changed",
                           G_CALLBACK (queue_render), self, G_CONNECT_SWAPPED);
  /* The pane cameras' changes reach the renderer's "changed", like the main camera's. */

  /* Left drag orbits in 3D, pans a 2D slice view and moves the crosshairs in a 2D pane of the
   * 2x2; middle drag and Shift+left drag pan; Ctrl+left drag (or left drag with the Measure
   * tool) in a 2D view draws a ruler. */
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), 0);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  g_signal_connect (click, "pressed", G_CALLBACK (pressed), self);
  g_signal_connect (click, "released", G_CALLBACK (released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (context), GDK_BUTTON_SECONDARY);
  g_signal_connect (context, "pressed", G_CALLBACK (context_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (context));

  scroller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (scroller, "scroll", G_CALLBACK (scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroller);

  g_signal_connect (pointer, "motion", G_CALLBACK (motion), self);
  g_signal_connect (pointer, "leave", G_CALLBACK (leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), pointer);
}

GtkWidget *
evox_canvas_new (void)
{
  return g_object_new (EVOX_TYPE_CANVAS, NULL);
}
