/* evox-camera.h: orbit camera over a box in world units (nm, z exaggerated); no GL, no GTK. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define EVOX_TYPE_CAMERA (evox_camera_get_type ())
G_DECLARE_FINAL_TYPE (EvoxCamera, evox_camera, EVOX, CAMERA, GObject)

/* Emits "changed" whenever the view it describes changes. */
EvoxCamera *evox_camera_new              (void);
/* The box the camera frames; resets keep all of it in view. */
void        evox_camera_set_bounds       (EvoxCamera   *self,
                                          const double  lo[3],
                                          const double  hi[3]);
/* Oblique 3D view of the whole box. */
void        evox_camera_reset            (EvoxCamera   *self);
/* Look along axis 0, 1 or 2, framing the box, with index 0 of the other axes at the top left:
 * 0 looks along +x (y right, z down), 1 along -y (x right, z down), 2 along +z (x right, y down).
 * In 3D views -z is up: z is depth, the first layer on top. */
void        evox_camera_look_along       (EvoxCamera   *self,
                                          guint         axis);
/* Window pixels kept free on every side of the framed region (0 by default): a line drawn
 * along the edge of a slice that fills its viewport then lies whole inside it. Matrices, pans
 * and zooms take it into account; it scales with the viewport's pixels, not the box. */
void        evox_camera_set_padding      (EvoxCamera   *self,
                                          int           pixels);
int         evox_camera_get_padding      (EvoxCamera   *self);
void        evox_camera_set_orthographic (EvoxCamera   *self,
                                          gboolean      orthographic);
gboolean    evox_camera_get_orthographic (EvoxCamera   *self);
/* Mouse gestures in window pixels (y down). */
void        evox_camera_orbit            (EvoxCamera   *self,
                                          double        dx,
                                          double        dy);
void        evox_camera_pan              (EvoxCamera   *self,
                                          double        dx,
                                          double        dy,
                                          int           width,
                                          int           height);
/* factor > 1 zooms in; the world point under (x, y) stays under the cursor. */
void        evox_camera_zoom_at          (EvoxCamera   *self,
                                          double        factor,
                                          double        x,
                                          double        y,
                                          int           width,
                                          int           height);
void        evox_camera_set_center       (EvoxCamera   *self,
                                          const double  center[3]);
void        evox_camera_get_center       (EvoxCamera   *self,
                                          double        center[3]);
/* Where the camera is, as a session keeps it: the centre (world units), azimuth and elevation
 * (radians), the framed half size, and the projection. The box is the volume's, not part of it. */
typedef struct
{
  double   center[3];
  double   azimuth;
  double   elevation;
  double   frame[2];
  gboolean orthographic;
} EvoxCameraPose;

void        evox_camera_get_pose         (EvoxCamera           *self,
                                          EvoxCameraPose       *pose);
/* Non-finite numbers and frames <= 0 are refused (FALSE, nothing changes). */
gboolean    evox_camera_set_pose         (EvoxCamera           *self,
                                          const EvoxCameraPose *pose);
/* Column-major 4x4 matrices (cglm layout) for a viewport of width x height. */
void        evox_camera_get_matrices     (EvoxCamera   *self,
                                          int           width,
                                          int           height,
                                          float         view[16],
                                          float         projection[16]);
/* World-space ray through window pixel (x, y); dir is unit length. */
void        evox_camera_get_ray          (EvoxCamera   *self,
                                          double        x,
                                          double        y,
                                          int           width,
                                          int           height,
                                          double        origin[3],
                                          double        dir[3]);
/* Unit vector from the centre toward the eye. */
void        evox_camera_get_eye_direction (EvoxCamera  *self,
                                           double       dir[3]);

G_END_DECLS
