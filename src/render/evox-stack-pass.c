/* evox-stack-pass.c: draws the SSRM layer stack, grid layers and off-grid scans back to front. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-renderer-state.h"

#include <math.h>

/* Measured layers must stand out from interpolated ones at a glance; layers of volumes without
 * scans (scan -1) are neither and get the quiet outline. */
static const LineStyle measured_style = { { 1.0f, 1.0f, 1.0f, 1.0f }, 3.0f };
static const LineStyle interpolated_style = { { 0.62f, 0.62f, 0.68f, 0.55f }, 1.0f };

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
      StackPlane plane = { FALSE, (guint) k, _evox_renderer_plane_position (self, 2, k),
                           ((double) k + 0.5) / (double) self->dims[2],
                           evox_volume_get_layer (self->volume, k)->measured, 0.0 };

      if (self->layer_visible[k])
        g_array_append_val (order, plane);
    }
  for (guint i = 0; i < n_scans; i++)
    {
      StackPlane plane = { TRUE, i, evox_volume_get_scan (self->volume, i)->z_nm *
                                    _evox_renderer_axis_scale (self, 2),
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

      _evox_renderer_plane_corner (self, 2, position, t, corner, point, texcoord);
      _evox_renderer_push_vertex (self->vertices, point, texcoord);
    }
  return first;
}

void
_evox_stack_pass_draw (EvoxRenderer *self,
                       const Frame  *frame)
{
  g_autoptr(GArray) order = sort_layers (self);
  g_autofree guint *planes = g_new (guint, MAX (order->len, 1));
  g_autofree guint *outlines = g_new (guint, MAX (order->len, 1));
  guint box;

  box = _evox_renderer_push_box (self);
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
  _evox_renderer_use_line_program (self, frame);
  _evox_renderer_draw_lines (self, frame, &box_style, box, 24);
  _evox_mesh_pass_draw_opaque (self, frame, FALSE);

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
      if ((self->res.volume_on_gpu && !plane->scan) ||
          (plane->scan && self->res.scan_texture != 0))
        {
          _evox_slice_pass_use_program (self, frame, (float) (self->stack_opacity *
                                                              (plane->measured ? 1.0
                                                                    : INTERPOLATED_OPACITY_SHARE)));
          if (plane->scan)
            {
              /* The labels belong to the grid, not to a scan between its layers. */
              glBindTexture (GL_TEXTURE_3D, self->res.scan_texture);
              glUniform1ui (self->res.su[self->res.slice_variant].selected, 0u);
              glUniform1i (self->res.su[self->res.slice_variant].clusters_on, FALSE);
              /* A scan is one measurement, not the channels the composite shows. */
              glUniform1i (self->res.su[self->res.slice_variant].rgb_on, FALSE);
            }
          glDrawArrays (GL_TRIANGLES, (GLint) planes[i], 6);
        }
      else if (self->res.bricks != NULL && !plane->scan)
        _evox_slice_pass_draw_bricked (self, frame, 2, plane->index, planes[i],
                                       (float) (self->stack_opacity *
                                                (plane->measured ? 1.0
                                                                 : INTERPOLATED_OPACITY_SHARE)));
      _evox_renderer_use_line_program (self, frame);
      _evox_renderer_draw_lines (self, frame, from_scan ? &measured_style : &interpolated_style,
                                 outlines[i], 8);
    }
  glDepthMask (GL_TRUE);

  _evox_mesh_pass_draw_translucent (self, frame, FALSE);
}

