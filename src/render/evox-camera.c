/* evox-camera.c: orbit camera over a box in world units (nm, z exaggerated); no GL, no GTK. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-camera.h"

#include <math.h>
#include <string.h>
#include <cglm/cglm.h>

/* Conventions, chosen so that every view reads like a microscope image:
 *
 * - World "up" is -z: z is depth, so the first layer of a stack (the sample's surface for SSRM,
 *   the first image of a tomogram) is on top and deeper layers lie below it.
 * - The orientation is an azimuth around that up axis and an elevation above the horizon
 *   (90° looks straight down, along +z). Orbiting turns around the up axis for horizontal drags
 *   and tilts for vertical drags, like a turntable, so the stack never rolls over.
 * - look_along() shows the two other axes as an image with index 0 at the top left: the lower
 *   axis to the right, the other one downward. Axis 0 (x) looks along +x with y right and z
 *   down; axis 1 (y) looks along -y with x right and z down; axis 2 (z) looks along +z with
 *   x right and y down. This is what the 2D slice views show.
 *
 * The zoom is kept as the half size of the region framed at the centre's depth ("frame"); a
 * viewport fits that rectangle whole, whatever its aspect. The perspective eye sits where the
 * larger frame side spans the field of view, so resizing a window never moves it, and zooming
 * dollies it toward the centre. */

#define FIELD_OF_VIEW (30.0 * G_PI / 180.0)
#define ORBIT_RADIANS_PER_PIXEL (0.4 * G_PI / 180.0)
#define DEFAULT_AZIMUTH (-120.0 * G_PI / 180.0)
#define DEFAULT_ELEVATION (30.0 * G_PI / 180.0)

struct _EvoxCamera
{
  GObject  parent_instance;

  double   lo[3];
  double   hi[3];
  double   center[3];
  double   azimuth;
  double   elevation;
  double   frame[2];
  gboolean orthographic;
  /* Window pixels kept free around the framed region (see evox_camera_set_padding). */
  int      padding;
};

G_DEFINE_FINAL_TYPE (EvoxCamera, evox_camera, G_TYPE_OBJECT)

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
evox_camera_class_init (EvoxCameraClass *klass)
{
  /**
   * EvoxCamera::changed:
   *
   * The view the camera describes changed; redraw.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
emit_changed (EvoxCamera *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
vec_cross (const double a[3],
           const double b[3],
           double       out[3])
{
  double r[3] = {
    a[1] * b[2] - a[2] * b[1],
    a[2] * b[0] - a[0] * b[2],
    a[0] * b[1] - a[1] * b[0],
  };

  memcpy (out, r, sizeof r);
}

static double
vec_dot (const double a[3],
         const double b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/* right, up and back (from the centre toward the eye) form a right-handed unit basis. The
 * horizontal plane is spanned by e1 = +x and e2 = -y, so that e1 x e2 is the up axis -z. */
static void
get_basis (EvoxCamera *self,
           double      right[3],
           double      up[3],
           double      back[3])
{
  double ca = cos (self->azimuth), sa = sin (self->azimuth);
  double ce = cos (self->elevation), se = sin (self->elevation);

  back[0] = ce * ca;
  back[1] = -ce * sa;
  back[2] = -se;
  right[0] = -sa;
  right[1] = -ca;
  right[2] = 0.0;
  vec_cross (back, right, up);
}

static double
box_radius (EvoxCamera *self)
{
  double d[3] = {
    self->hi[0] - self->lo[0], self->hi[1] - self->lo[1], self->hi[2] - self->lo[2],
  };
  double r = 0.5 * sqrt (vec_dot (d, d));

  return r > 0 ? r : 1.0;
}

static double
get_distance (EvoxCamera *self)
{
  return MAX (self->frame[0], self->frame[1]) / tan (0.5 * FIELD_OF_VIEW);
}

static void
get_eye (EvoxCamera *self,
         double      eye[3])
{
  double right[3], up[3], back[3];
  double distance = get_distance (self);

  get_basis (self, right, up, back);
  for (int i = 0; i < 3; i++)
    eye[i] = self->center[i] + distance * back[i];
}

/* Half width and half height of the framed region for a viewport of this aspect. */
static void
get_half_size (EvoxCamera *self,
               int         width,
               int         height,
               double     *half_width,
               double     *half_height)
{
  int inner_width = MAX (width - 2 * self->padding, 1);
  int inner_height = MAX (height - 2 * self->padding, 1);
  double aspect = (double) inner_width / inner_height;

  /* The frame fits the viewport less the padding; the padding shows a little more around it. */
  *half_height = MAX (self->frame[1], self->frame[0] / aspect) * MAX (height, 1) / inner_height;
  *half_width = *half_height * MAX (width, 1) / MAX (height, 1);
}

static gboolean
is_axis_aligned (EvoxCamera *self)
{
  double right[3], up[3], back[3];

  get_basis (self, right, up, back);
  for (int i = 0; i < 3; i++)
    if (fabs (fabs (back[i]) - 1.0) < 1e-9)
      return TRUE;
  return FALSE;
}

/* Centre on the box and zoom so all of it shows: exactly its outline when orthographic (a 2D
 * slice view fills the window), its bounding sphere in perspective. */
static void
fit (EvoxCamera *self)
{
  double right[3], up[3], back[3];

  get_basis (self, right, up, back);
  for (int i = 0; i < 3; i++)
    self->center[i] = 0.5 * (self->lo[i] + self->hi[i]);

  if (self->orthographic)
    {
      double margin = is_axis_aligned (self) ? 1.0 : 1.05;
      double extent[2] = { 0.0, 0.0 };

      for (int c = 0; c < 8; c++)
        {
          double d[3];

          for (int i = 0; i < 3; i++)
            d[i] = ((c >> i) & 1 ? self->hi[i] : self->lo[i]) - self->center[i];
          extent[0] = MAX (extent[0], fabs (vec_dot (d, right)));
          extent[1] = MAX (extent[1], fabs (vec_dot (d, up)));
        }
      for (int i = 0; i < 2; i++)
        self->frame[i] = extent[i] > 0 ? margin * extent[i] : box_radius (self);
    }
  else
    {
      /* A sphere seen from the eye spans a little more than its radius at its centre. */
      double r = 1.05 * box_radius (self) / cos (0.5 * FIELD_OF_VIEW);

      self->frame[0] = self->frame[1] = r;
    }
}

static void
evox_camera_init (EvoxCamera *self)
{
  for (int i = 0; i < 3; i++)
    {
      self->lo[i] = -0.5;
      self->hi[i] = 0.5;
    }
  self->azimuth = DEFAULT_AZIMUTH;
  self->elevation = DEFAULT_ELEVATION;
  fit (self);
}

EvoxCamera *
evox_camera_new (void)
{
  return g_object_new (EVOX_TYPE_CAMERA, NULL);
}

/**
 * evox_camera_set_bounds:
 *
 * Sets the box and frames it again, keeping the direction of view.
 */
void
evox_camera_set_bounds (EvoxCamera   *self,
                        const double  lo[3],
                        const double  hi[3])
{
  g_return_if_fail (EVOX_IS_CAMERA (self));
  g_return_if_fail (lo != NULL && hi != NULL);

  for (int i = 0; i < 3; i++)
    {
      g_return_if_fail (isfinite (lo[i]) && isfinite (hi[i]));
      self->lo[i] = MIN (lo[i], hi[i]);
      self->hi[i] = MAX (lo[i], hi[i]);
    }
  fit (self);
  emit_changed (self);
}

void
evox_camera_get_pose (EvoxCamera     *self,
                      EvoxCameraPose *pose)
{
  g_return_if_fail (EVOX_IS_CAMERA (self));
  g_return_if_fail (pose != NULL);

  memcpy (pose->center, self->center, sizeof pose->center);
  pose->azimuth = self->azimuth;
  pose->elevation = self->elevation;
  memcpy (pose->frame, self->frame, sizeof pose->frame);
  pose->orthographic = self->orthographic;
}

gboolean
evox_camera_set_pose (EvoxCamera           *self,
                      const EvoxCameraPose *pose)
{
  g_return_val_if_fail (EVOX_IS_CAMERA (self), FALSE);
  g_return_val_if_fail (pose != NULL, FALSE);

  for (int i = 0; i < 3; i++)
    if (!isfinite (pose->center[i]))
      return FALSE;
  if (!isfinite (pose->azimuth) || !isfinite (pose->elevation) ||
      !(pose->frame[0] > 0) || !(pose->frame[1] > 0) || !isfinite (pose->frame[0]) ||
      !isfinite (pose->frame[1]))
    return FALSE;
  memcpy (self->center, pose->center, sizeof self->center);
  self->azimuth = pose->azimuth;
  self->elevation = CLAMP (pose->elevation, -G_PI_2, G_PI_2);
  memcpy (self->frame, pose->frame, sizeof self->frame);
  self->orthographic = pose->orthographic;
  emit_changed (self);
  return TRUE;
}

void
evox_camera_reset (EvoxCamera *self)
{
  g_return_if_fail (EVOX_IS_CAMERA (self));

  self->azimuth = DEFAULT_AZIMUTH;
  self->elevation = DEFAULT_ELEVATION;
  fit (self);
  emit_changed (self);
}

void
evox_camera_look_along (EvoxCamera *self,
                        guint       axis)
{
  g_return_if_fail (EVOX_IS_CAMERA (self));
  g_return_if_fail (axis < 3);

  switch (axis)
    {
    case 0:
      self->azimuth = G_PI;
      self->elevation = 0.0;
      break;
    case 1:
      self->azimuth = -G_PI_2;
      self->elevation = 0.0;
      break;
    default:
      self->azimuth = -G_PI_2;
      self->elevation = G_PI_2;
      break;
    }
  fit (self);
  emit_changed (self);
}

void
evox_camera_set_padding (EvoxCamera *self,
                         int         pixels)
{
  g_return_if_fail (EVOX_IS_CAMERA (self));
  g_return_if_fail (pixels >= 0);

  if (self->padding == pixels)
    return;
  self->padding = pixels;
  emit_changed (self);
}

int
evox_camera_get_padding (EvoxCamera *self)
{
  g_return_val_if_fail (EVOX_IS_CAMERA (self), 0);
  return self->padding;
}

void
evox_camera_set_orthographic (EvoxCamera *self,
                              gboolean    orthographic)
{
  g_return_if_fail (EVOX_IS_CAMERA (self));

  orthographic = !!orthographic;
  if (self->orthographic == orthographic)
    return;
  /* The frame stays, so what lies at the centre's depth keeps its size on screen. */
  self->orthographic = orthographic;
  emit_changed (self);
}

gboolean
evox_camera_get_orthographic (EvoxCamera *self)
{
  g_return_val_if_fail (EVOX_IS_CAMERA (self), FALSE);
  return self->orthographic;
}

/**
 * evox_camera_orbit:
 *
 * Turns the view around the centre: the scene follows the pointer, so a drag to the right turns
 * its front to the right, a drag down tips its top toward the viewer.
 */
void
evox_camera_orbit (EvoxCamera *self,
                   double      dx,
                   double      dy)
{
  g_return_if_fail (EVOX_IS_CAMERA (self));

  if (!isfinite (dx) || !isfinite (dy) || (dx == 0 && dy == 0))
    return;
  self->azimuth = remainder (self->azimuth - dx * ORBIT_RADIANS_PER_PIXEL, 2 * G_PI);
  self->elevation = CLAMP (self->elevation + dy * ORBIT_RADIANS_PER_PIXEL, -G_PI_2, G_PI_2);
  emit_changed (self);
}

/* The point at the centre's depth under window pixel (x, y). */
static void
focal_point (EvoxCamera *self,
             double      x,
             double      y,
             int         width,
             int         height,
             double      point[3])
{
  double right[3], up[3], back[3];
  double half_width, half_height, ox, oy;

  get_basis (self, right, up, back);
  get_half_size (self, width, height, &half_width, &half_height);
  ox = (2.0 * x / MAX (width, 1) - 1.0) * half_width;
  oy = (1.0 - 2.0 * y / MAX (height, 1)) * half_height;
  for (int i = 0; i < 3; i++)
    point[i] = self->center[i] + ox * right[i] + oy * up[i];
}

/**
 * evox_camera_pan:
 *
 * Moves the centre in the view plane so that what lies at the centre's depth follows the pointer.
 */
void
evox_camera_pan (EvoxCamera *self,
                 double      dx,
                 double      dy,
                 int         width,
                 int         height)
{
  double right[3], up[3], back[3];
  double half_width, half_height, per_pixel;

  g_return_if_fail (EVOX_IS_CAMERA (self));

  if (!isfinite (dx) || !isfinite (dy) || (dx == 0 && dy == 0))
    return;
  get_basis (self, right, up, back);
  get_half_size (self, width, height, &half_width, &half_height);
  per_pixel = 2.0 * half_height / MAX (height, 1);
  for (int i = 0; i < 3; i++)
    self->center[i] += (-dx * right[i] + dy * up[i]) * per_pixel;
  emit_changed (self);
}

/**
 * evox_camera_zoom_at:
 *
 * Scales the framed region by 1 / factor around the point at the centre's depth under (x, y),
 * which therefore stays under the pointer. The zoom is kept between a thousandth of the box and
 * a hundred boxes.
 */
void
evox_camera_zoom_at (EvoxCamera *self,
                     double      factor,
                     double      x,
                     double      y,
                     int         width,
                     int         height)
{
  double point[3], radius, larger, scaled;

  g_return_if_fail (EVOX_IS_CAMERA (self));

  if (!(factor > 0) || !isfinite (factor) || factor == 1.0)
    return;

  radius = box_radius (self);
  larger = MAX (self->frame[0], self->frame[1]);
  scaled = CLAMP (larger / factor, 1e-3 * radius, 1e2 * radius);
  if (scaled == larger)
    return;
  factor = larger / scaled;

  focal_point (self, x, y, width, height, point);
  for (int i = 0; i < 2; i++)
    self->frame[i] /= factor;
  for (int i = 0; i < 3; i++)
    self->center[i] = point[i] + (self->center[i] - point[i]) / factor;
  emit_changed (self);
}

void
evox_camera_set_center (EvoxCamera   *self,
                        const double  center[3])
{
  g_return_if_fail (EVOX_IS_CAMERA (self));
  g_return_if_fail (center != NULL);

  if (!isfinite (center[0]) || !isfinite (center[1]) || !isfinite (center[2]))
    return;
  if (memcmp (self->center, center, sizeof self->center) == 0)
    return;
  memcpy (self->center, center, sizeof self->center);
  emit_changed (self);
}

void
evox_camera_get_center (EvoxCamera *self,
                        double      center[3])
{
  g_return_if_fail (EVOX_IS_CAMERA (self));
  memcpy (center, self->center, sizeof self->center);
}

/* Depths (distance in front of the eye) that hold the whole box, with a little room. */
static void
get_depth_range (EvoxCamera *self,
                 double     *near,
                 double     *far)
{
  double right[3], up[3], back[3], eye[3];
  double lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE, margin;

  get_basis (self, right, up, back);
  get_eye (self, eye);
  for (int c = 0; c < 8; c++)
    {
      double d[3], depth;

      for (int i = 0; i < 3; i++)
        d[i] = eye[i] - ((c >> i) & 1 ? self->hi[i] : self->lo[i]);
      depth = vec_dot (d, back);
      lo = MIN (lo, depth);
      hi = MAX (hi, depth);
    }
  margin = 0.02 * (hi - lo) + 1e-3 * box_radius (self);
  lo -= margin;
  hi += margin;

  if (!self->orthographic)
    {
      /* The depth buffer's precision goes with far / near. */
      if (hi <= 0)
        hi = box_radius (self);
      lo = MAX (lo, 1e-4 * hi);
    }
  *near = lo;
  *far = hi;
}

void
evox_camera_get_matrices (EvoxCamera *self,
                          int         width,
                          int         height,
                          float       view[16],
                          float       projection[16])
{
  double right[3], up[3], back[3], eye[3];
  double half_width, half_height, near, far;
  mat4 v, p;

  g_return_if_fail (EVOX_IS_CAMERA (self));

  get_basis (self, right, up, back);
  get_eye (self, eye);
  get_half_size (self, width, height, &half_width, &half_height);
  get_depth_range (self, &near, &far);

  /* Rows of the rotation are the camera axes; computed here in double, then stored. */
  glm_mat4_identity (v);
  for (int i = 0; i < 3; i++)
    {
      v[i][0] = (float) right[i];
      v[i][1] = (float) up[i];
      v[i][2] = (float) back[i];
    }
  v[3][0] = (float) -vec_dot (right, eye);
  v[3][1] = (float) -vec_dot (up, eye);
  v[3][2] = (float) -vec_dot (back, eye);

  if (self->orthographic)
    {
      glm_ortho ((float) -half_width, (float) half_width, (float) -half_height,
                 (float) half_height, (float) near, (float) far, p);
    }
  else
    {
      double scale = near / get_distance (self);

      glm_frustum ((float) (-half_width * scale), (float) (half_width * scale),
                   (float) (-half_height * scale), (float) (half_height * scale),
                   (float) near, (float) far, p);
    }

  memcpy (view, v, sizeof v);
  memcpy (projection, p, sizeof p);
}

void
evox_camera_get_ray (EvoxCamera *self,
                     double      x,
                     double      y,
                     int         width,
                     int         height,
                     double      origin[3],
                     double      dir[3])
{
  double right[3], up[3], back[3], point[3];

  g_return_if_fail (EVOX_IS_CAMERA (self));

  get_basis (self, right, up, back);
  focal_point (self, x, y, width, height, point);

  if (self->orthographic)
    {
      /* Start behind everything the box holds, so every hit has a positive distance. */
      double to_box[3], reach;

      for (int i = 0; i < 3; i++)
        to_box[i] = self->center[i] - 0.5 * (self->lo[i] + self->hi[i]);
      reach = sqrt (vec_dot (to_box, to_box)) + 2.0 * box_radius (self);
      for (int i = 0; i < 3; i++)
        {
          origin[i] = point[i] + reach * back[i];
          dir[i] = -back[i];
        }
    }
  else
    {
      double length;

      get_eye (self, origin);
      for (int i = 0; i < 3; i++)
        dir[i] = point[i] - origin[i];
      length = sqrt (vec_dot (dir, dir));
      for (int i = 0; i < 3; i++)
        dir[i] /= length;
    }
}

void
evox_camera_get_eye_direction (EvoxCamera *self,
                               double      dir[3])
{
  double right[3], up[3];

  g_return_if_fail (EVOX_IS_CAMERA (self));
  get_basis (self, right, up, dir);
}
