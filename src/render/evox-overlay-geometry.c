/* evox-overlay-geometry.c: how the overlays of a picture map to the volume (nm per pixel at the
 * focal point, the axes as seen, the 2x2 panes they hold in), from the renderer's public state. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-renderer.h"
#include "evox-renderer-state.h"

static gboolean
is_slice_view (EvoxView view)
{
  return view == EVOX_VIEW_SLICE_X || view == EVOX_VIEW_SLICE_Y || view == EVOX_VIEW_SLICE_Z;
}

/* nm per pixel along the image's horizontal for camera in a width x height viewport. The world
 * is nm with z stretched by z_exaggeration, so a world step along the image's x (the view's
 * "right") is (rx, ry, rz / z_exaggeration) in nm: in the 2D views right is the volume's x (z
 * and y slices) or y (x slice), never the exaggerated z. Orthographic views are exact: the
 * projection spans 2 / P[0][0] world units over the width. Perspective ones hold at the focal
 * point only, at its depth d in front of the eye, where the frustum is 2 d / P[0][0] wide. */
static double
measure_nm_per_pixel (EvoxCamera *camera,
                      int         width,
                      double      z_exaggeration,
                      const float view[16],
                      const float projection[16])
{
  double right[3] = { view[0], view[4], view[8] };
  double world_width, nm_per_world;

  if (projection[0] == 0 || width <= 0)
    return 0;
  if (evox_camera_get_orthographic (camera))
    world_width = 2.0 / projection[0];
  else
    {
      double center[3], depth;

      evox_camera_get_center (camera, center);
      depth = -(view[2] * center[0] + view[6] * center[1] + view[10] * center[2] + view[14]);
      world_width = 2.0 * depth / projection[0];
    }
  nm_per_world = sqrt (right[0] * right[0] + right[1] * right[1]
                       + (right[2] / z_exaggeration) * (right[2] / z_exaggeration));
  return fabs (world_width) / width * nm_per_world;
}

/* The volume's axes in image directions (x right, y down, towards the viewer): the rows of the
 * view's rotation, read per world axis. */
static void
measure_axes (const float view[16],
              double      axes[3][3])
{
  for (guint a = 0; a < 3; a++)
    {
      axes[a][0] = view[a * 4 + 0];
      axes[a][1] = -view[a * 4 + 1];
      axes[a][2] = view[a * 4 + 2];
    }
}

void
evox_renderer_get_overlay_geometry (EvoxRenderer        *self,
                                    int                  width,
                                    int                  height,
                                    EvoxOverlayGeometry *geometry)
{
  EvoxVolume *volume;
  EvoxView view;
  double z_exaggeration;
  float view_matrix[16], projection[16];

  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (geometry != NULL);

  memset (geometry, 0, sizeof *geometry);
  geometry->area[2] = geometry->axes_area[2] = geometry->size[0] = width;
  geometry->area[3] = geometry->axes_area[3] = geometry->size[1] = height;
  volume = evox_renderer_get_volume (self);
  if (volume == NULL || width <= 0 || height <= 0)
    return;

  view = evox_renderer_get_view (self);
  z_exaggeration = evox_renderer_get_z_exaggeration (self);
  if (view == EVOX_VIEW_QUAD)
    {
      EvoxCamera *z_camera = evox_renderer_get_pane_camera (self, EVOX_PANE_Z);
      EvoxCamera *camera_3d = evox_renderer_get_pane_camera (self, EVOX_PANE_3D);
      int rect[4];

      /* The scale bar measures the z pane (x along the image), the triad shows the 3D pane. */
      evox_renderer_get_pane_rect (width, height, EVOX_PANE_Z, rect);
      for (guint i = 0; i < 4; i++)
        geometry->area[i] = rect[i];
      evox_camera_get_matrices (z_camera, rect[2], rect[3], view_matrix, projection);
      geometry->nm_per_pixel = measure_nm_per_pixel (z_camera, rect[2], z_exaggeration,
                                                     view_matrix, projection);
      geometry->perspective = FALSE;

      evox_renderer_get_pane_rect (width, height, EVOX_PANE_3D, rect);
      for (guint i = 0; i < 4; i++)
        geometry->axes_area[i] = rect[i];
      evox_camera_get_matrices (camera_3d, rect[2], rect[3], view_matrix, projection);
      measure_axes (view_matrix, geometry->axes);
    }
  else
    {
      EvoxCamera *camera = evox_renderer_get_camera (self);

      evox_camera_get_matrices (camera, width, height, view_matrix, projection);
      geometry->perspective = !evox_camera_get_orthographic (camera);
      geometry->nm_per_pixel = measure_nm_per_pixel (camera, width, z_exaggeration, view_matrix,
                                                     projection);
      measure_axes (view_matrix, geometry->axes);
      /* The 2D views look along an axis exactly; rounding in float leaves 1e-8 where 0 is. */
      if (is_slice_view (view))
        for (guint a = 0; a < 3; a++)
          for (guint c = 0; c < 3; c++)
            geometry->axes[a][c] = round (geometry->axes[a][c]);
    }
  /* A length in nm means nothing while the voxel size is a guess. */
  if (!evox_volume_get_spacing_known (volume))
    geometry->nm_per_pixel = 0;
}

gboolean
evox_renderer_get_slice_footprint (EvoxRenderer *self,
                                   int           width,
                                   int           height,
                                   double        rect[4])
{
  EvoxCamera *camera;
  float view[16], projection[16];
  double lo[3], hi[3], x0 = G_MAXDOUBLE, y0 = G_MAXDOUBLE, x1 = -G_MAXDOUBLE, y1 = -G_MAXDOUBLE;

  g_return_val_if_fail (EVOX_IS_RENDERER (self), FALSE);
  g_return_val_if_fail (rect != NULL, FALSE);

  if (evox_renderer_get_volume (self) == NULL || !is_slice_view (evox_renderer_get_view (self)) ||
      width <= 0 || height <= 0)
    return FALSE;
  /* The slice is the box seen head-on: its corners project onto the slice's corners. */
  _evox_renderer_get_box (self, lo, hi);
  camera = evox_renderer_get_camera (self);
  evox_camera_get_matrices (camera, width, height, view, projection);
  for (guint c = 0; c < 8; c++)
    {
      double p[3] = { c & 1 ? hi[0] : lo[0], c & 2 ? hi[1] : lo[1], c & 4 ? hi[2] : lo[2] };
      double eye[4], clip[4];

      for (guint r = 0; r < 4; r++)
        eye[r] = view[r] * p[0] + view[4 + r] * p[1] + view[8 + r] * p[2] + view[12 + r];
      for (guint r = 0; r < 4; r++)
        clip[r] = projection[r] * eye[0] + projection[4 + r] * eye[1] +
                  projection[8 + r] * eye[2] + projection[12 + r] * eye[3];
      if (!(clip[3] > 0))
        return FALSE;
      /* Window pixels, y down. */
      x0 = MIN (x0, (clip[0] / clip[3] + 1) / 2 * width);
      x1 = MAX (x1, (clip[0] / clip[3] + 1) / 2 * width);
      y0 = MIN (y0, (1 - clip[1] / clip[3]) / 2 * height);
      y1 = MAX (y1, (1 - clip[1] / clip[3]) / 2 * height);
    }
  x0 = MAX (x0, 0);
  y0 = MAX (y0, 0);
  x1 = MIN (x1, width);
  y1 = MIN (y1, height);
  if (!(x1 - x0 >= 1 && y1 - y0 >= 1))
    return FALSE;
  rect[0] = x0;
  rect[1] = y0;
  rect[2] = x1 - x0;
  rect[3] = y1 - y0;
  return TRUE;
}
