/* test-render.c: the camera, picking and offscreen renders (colour maps, phases, particle highlight,
 * surfaces) checked pixel by pixel on headless EGL. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>
#include <cglm/cglm.h>
#include <epoxy/gl.h>

#include "evox-demo.h"
#include "evox-labels.h"
#include "evox-measurement.h"
#include "evox-phase.h"
#include "evox-renderer.h"
#include "evox-renderer-private.h"
#include "evox-surface.h"
#include "evox-test-gl.h"
#include "evox-test-volume.h"

static const guint8 *
pixel_at (const guint8 *pixels,
          int           width,
          int           x,
          int           y)
{
  return pixels + ((gsize) y * width + x) * 4;
}

/* The colour the reference path (evox_display_coordinate, then evox_colormap_sample) gives;
 * where t * 255 lies within float rounding of a half, either neighbouring entry is right. */
static void
assert_value_colour (const guint8 *rgba,
                     const char   *colormap,
                     EvoxTransfer  transfer,
                     double        lo,
                     double        hi,
                     double        value)
{
  double t = evox_display_coordinate (transfer, lo, hi, value);
  double scaled = CLAMP (t, 0.0, 1.0) * 255.0;
  guint8 expected[3], other[3];

  g_assert_false (isnan (t));
  evox_colormap_sample (colormap, t, expected);
  memcpy (other, expected, 3);
  if (fabs (scaled - floor (scaled) - 0.5) < 1e-3)
    evox_colormap_sample (colormap, (scaled < floor (scaled) + 0.5 ? scaled + 1 : scaled - 1) / 255.0,
                          other);

  if (memcmp (rgba, expected, 3) != 0 && memcmp (rgba, other, 3) != 0)
    g_error ("value %g (t = %g): drew %u,%u,%u, expected %u,%u,%u", value, t, rgba[0], rgba[1],
             rgba[2], expected[0], expected[1], expected[2]);
  g_assert_cmpuint (rgba[3], ==, 255);
}

static void
assert_background (const guint8 *rgba,
                   EvoxRenderer *renderer)
{
  /* The default background, a dark grey. */
  g_assert_cmpuint (rgba[0], ==, 41);
  g_assert_cmpuint (rgba[1], ==, 41);
  g_assert_cmpuint (rgba[2], ==, 43);
  g_assert_cmpuint (rgba[3], ==, 255);
}

/* Project a world point to window pixels (x right, y down) as the renderer's camera sees it. */
static void
project (EvoxCamera   *camera,
         const double  world[3],
         int           width,
         int           height,
         double        pixel[2])
{
  float view_values[16], projection_values[16];
  mat4 view, projection, mvp;
  vec4 p = { (float) world[0], (float) world[1], (float) world[2], 1.0f }, clip;

  evox_camera_get_matrices (camera, width, height, view_values, projection_values);
  memcpy (view, view_values, sizeof view);
  memcpy (projection, projection_values, sizeof projection);
  glm_mat4_mul (projection, view, mvp);
  glm_mat4_mulv (mvp, p, clip);
  pixel[0] = (clip[0] / clip[3] + 1.0) * 0.5 * width;
  pixel[1] = (1.0 - clip[1] / clip[3]) * 0.5 * height;
}

/* Camera (no GL) */

static void
count_changes (gpointer  object,
               guint    *count)
{
  (*count)++;
}

static void
test_camera_zoom_at (void)
{
  g_autoptr(EvoxCamera) camera = evox_camera_new ();
  const double lo[3] = { -5, 10, 0 }, hi[3] = { 95, 60, 40 };
  guint changes = 0;

  g_signal_connect (camera, "changed", G_CALLBACK (count_changes), &changes);
  evox_camera_set_bounds (camera, lo, hi);
  g_assert_cmpuint (changes, ==, 1);

  for (int ortho = 0; ortho < 2; ortho++)
    {
      evox_camera_set_orthographic (camera, ortho);
      evox_camera_reset (camera);
      evox_camera_orbit (camera, 37, -12);

      for (int step = 0; step < 4; step++)
        {
          const int width = 640, height = 480;
          const double x = 100 + 97 * step, y = 400 - 61 * step;
          double origin[3], dir[3], center[3], eye[3], point[3], before[2], after[2], t;

          /* The cursor's point at the centre's depth: the one zoom_at promises to keep. */
          evox_camera_get_ray (camera, x, y, width, height, origin, dir);
          evox_camera_get_center (camera, center);
          evox_camera_get_eye_direction (camera, eye);
          t = ((center[0] - origin[0]) * eye[0] + (center[1] - origin[1]) * eye[1] +
               (center[2] - origin[2]) * eye[2]) /
              (dir[0] * eye[0] + dir[1] * eye[1] + dir[2] * eye[2]);
          for (int i = 0; i < 3; i++)
            point[i] = origin[i] + t * dir[i];

          project (camera, point, width, height, before);
          g_assert_cmpfloat_with_epsilon (before[0], x, 1e-2);
          g_assert_cmpfloat_with_epsilon (before[1], y, 1e-2);

          changes = 0;
          evox_camera_zoom_at (camera, step % 2 ? 0.7 : 1.8, x, y, width, height);
          g_assert_cmpuint (changes, ==, 1);
          project (camera, point, width, height, after);
          g_assert_cmpfloat_with_epsilon (after[0], x, 1e-2);
          g_assert_cmpfloat_with_epsilon (after[1], y, 1e-2);
        }
    }
}

static void
test_camera_pan (void)
{
  g_autoptr(EvoxCamera) camera = evox_camera_new ();
  const double lo[3] = { 0, 0, 0 }, hi[3] = { 10, 20, 30 };
  double center[3], before[2], after[2];

  evox_camera_set_bounds (camera, lo, hi);
  evox_camera_get_center (camera, center);
  project (camera, center, 300, 200, before);
  evox_camera_pan (camera, 25, -10, 300, 200);
  project (camera, center, 300, 200, after);
  g_assert_cmpfloat_with_epsilon (after[0] - before[0], 25, 1e-3);
  g_assert_cmpfloat_with_epsilon (after[1] - before[1], -10, 1e-3);

  /* Recentring puts the point in the middle of the window. */
  evox_camera_set_center (camera, (double[3]) { 2, 3, 4 });
  project (camera, (double[3]) { 2, 3, 4 }, 300, 200, after);
  g_assert_cmpfloat_with_epsilon (after[0], 150, 1e-3);
  g_assert_cmpfloat_with_epsilon (after[1], 100, 1e-3);
}

static void
test_camera_look_along (void)
{
  g_autoptr(EvoxCamera) camera = evox_camera_new ();
  const double lo[3] = { 0, 0, 0 }, hi[3] = { 40, 20, 10 };
  double eye[3], a[2], b[2];

  evox_camera_set_bounds (camera, lo, hi);
  evox_camera_set_orthographic (camera, TRUE);

  /* z: looking along +z (eye on the -z side), x to the right, y down; the box fills the width. */
  evox_camera_look_along (camera, 2);
  evox_camera_get_eye_direction (camera, eye);
  g_assert_cmpfloat_with_epsilon (eye[2], -1.0, 1e-12);
  project (camera, (double[3]) { 0, 0, 5 }, 400, 400, a);
  project (camera, (double[3]) { 40, 20, 5 }, 400, 400, b);
  g_assert_cmpfloat_with_epsilon (a[0], 0, 1e-3);
  g_assert_cmpfloat_with_epsilon (b[0], 400, 1e-3);
  g_assert_cmpfloat_with_epsilon (a[1], 100, 1e-3);
  g_assert_cmpfloat_with_epsilon (b[1], 300, 1e-3);

  /* x: looking along +x, y to the right, z down. */
  evox_camera_look_along (camera, 0);
  evox_camera_get_eye_direction (camera, eye);
  g_assert_cmpfloat_with_epsilon (eye[0], -1.0, 1e-12);
  project (camera, (double[3]) { 20, 0, 0 }, 200, 100, a);
  project (camera, (double[3]) { 20, 20, 10 }, 200, 100, b);
  g_assert_cmpfloat_with_epsilon (a[0], 0, 1e-3);
  g_assert_cmpfloat_with_epsilon (a[1], 0, 1e-3);
  g_assert_cmpfloat_with_epsilon (b[0], 200, 1e-3);
  g_assert_cmpfloat_with_epsilon (b[1], 100, 1e-3);

  /* y: looking along -y, x to the right, z down. */
  evox_camera_look_along (camera, 1);
  evox_camera_get_eye_direction (camera, eye);
  g_assert_cmpfloat_with_epsilon (eye[1], 1.0, 1e-12);
  project (camera, (double[3]) { 0, 10, 0 }, 400, 100, a);
  project (camera, (double[3]) { 40, 10, 10 }, 400, 100, b);
  g_assert_cmpfloat_with_epsilon (a[0], 0, 1e-3);
  g_assert_cmpfloat_with_epsilon (a[1], 0, 1e-3);
  g_assert_cmpfloat_with_epsilon (b[0], 400, 1e-3);
  g_assert_cmpfloat_with_epsilon (b[1], 100, 1e-3);

  /* Reset: oblique, from above (-z is up), every corner in view, the centre in the middle. */
  evox_camera_set_orthographic (camera, FALSE);
  evox_camera_reset (camera);
  evox_camera_get_eye_direction (camera, eye);
  g_assert_cmpfloat_with_epsilon (-eye[2], sin (G_PI / 6), 1e-9);
  g_assert_cmpfloat (fabs (eye[0]), >, 0.1);
  g_assert_cmpfloat (fabs (eye[1]), >, 0.1);
  project (camera, (double[3]) { 20, 10, 5 }, 300, 200, a);
  g_assert_cmpfloat_with_epsilon (a[0], 150, 1e-3);
  g_assert_cmpfloat_with_epsilon (a[1], 100, 1e-3);
  for (int c = 0; c < 8; c++)
    {
      double corner[3] = { c & 1 ? 40 : 0, c & 2 ? 20 : 0, c & 4 ? 10 : 0 };

      project (camera, corner, 300, 200, a);
      g_assert_cmpfloat (a[0], >, 0);
      g_assert_cmpfloat (a[0], <, 300);
      g_assert_cmpfloat (a[1], >, 0);
      g_assert_cmpfloat (a[1], <, 200);
    }

  /* A drag to the right turns the front of the scene to the right. */
  project (camera, (double[3]) { 20, 10, 5 }, 300, 200, a);
  {
    double right_point[3], moved[2];

    evox_camera_get_eye_direction (camera, eye);
    /* A point in front of the centre (toward the eye) moves right. */
    for (int i = 0; i < 3; i++)
      right_point[i] = (double[3]) { 20, 10, 5 }[i] + 5 * eye[i];
    project (camera, right_point, 300, 200, a);
    evox_camera_orbit (camera, 20, 0);
    project (camera, right_point, 300, 200, moved);
    g_assert_cmpfloat (moved[0], >, a[0]);
  }
}

/* Volumes */

/* An 8 x 8 x 8 u8 volume whose every voxel differs: v = 3 i + 24 j + k. */
static EvoxVolume *
gradient_u8 (void)
{
  EvoxVolume *volume = evox_test_volume_new (8, 8, 8, EVOX_SAMPLE_U8);
  guint8 *data = evox_volume_get_data_mut (volume, 0);

  for (gsize k = 0; k < 8; k++)
    for (gsize j = 0; j < 8; j++)
      for (gsize i = 0; i < 8; i++)
        data[(k * 8 + j) * 8 + i] = (guint8) (3 * i + 24 * j + k);
  return volume;
}

/* Checks every voxel column of an exactly filled 2D slice view of cell x cell pixels a voxel;
 * (u, v) index the image's right and down axes, value (u, v) the voxel shown there. */
typedef double (*ValueAt) (EvoxVolume *volume,
                           gsize       u,
                           gsize       v);

static void
assert_slice_image (const guint8 *pixels,
                    EvoxVolume   *volume,
                    int           nu,
                    int           nv,
                    int           cell,
                    ValueAt       value_at,
                    const char   *colormap,
                    EvoxTransfer  transfer,
                    double        lo,
                    double        hi)
{
  for (int v = 0; v < nv; v++)
    for (int u = 0; u < nu; u++)
      {
        double value = value_at (volume, u, v);
        /* The centre of the cell, and a pixel near its corner: the colour is flat. */
        const guint8 *centre = pixel_at (pixels, nu * cell, u * cell + cell / 2,
                                         v * cell + cell / 2);
        const guint8 *corner = pixel_at (pixels, nu * cell, u * cell + 1, v * cell + 1);

        if (isnan (evox_display_coordinate (transfer, lo, hi, value)))
          continue;
        assert_value_colour (centre, colormap, transfer, lo, hi, value);
        g_assert_cmpmem (centre, 4, corner, 4);
      }
}

static guint slice_index = 5;

static double
value_slice_z (EvoxVolume *volume,
               gsize       u,
               gsize       v)
{
  return evox_volume_get_value (volume, 0, u, v, slice_index);
}

static double
value_slice_x (EvoxVolume *volume,
               gsize       u,
               gsize       v)
{
  return evox_volume_get_value (volume, 0, slice_index, u, v);
}

static double
value_slice_y (EvoxVolume *volume,
               gsize       u,
               gsize       v)
{
  return evox_volume_get_value (volume, 0, u, slice_index, v);
}

static void
set_slices (EvoxRenderer *renderer,
            guint         index)
{
  guint slices[3] = { index, index, index };

  evox_renderer_set_slices (renderer, slices);
}

/* A realized renderer showing z slice `index` of volume with the display range lo..hi. */
static EvoxRenderer *
slice_z_renderer_new (EvoxVolume *volume,
                      guint       index,
                      double      lo,
                      double      hi)
{
  EvoxRenderer *renderer = evox_test_renderer_new_realized ();

  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Z);
  set_slices (renderer, index);
  evox_renderer_set_range (renderer, lo, hi);
  return renderer;
}

static void
test_slice_u8 (void)
{
  g_autoptr(EvoxVolume) volume = NULL;
  g_autofree guint8 *pixels = NULL;
  g_autofree guint8 *moved = NULL;
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;

  volume = gradient_u8 ();
  renderer = slice_z_renderer_new (volume, slice_index, 0, 255);

  /* 8 pixels a voxel; row 0 at the top is y index 0, x to the right. */
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  assert_slice_image (pixels, volume, 8, 8, 8, value_slice_z, "viridis",
                      EVOX_TRANSFER_IDENTITY, 0, 255);
  g_assert_cmpuint (pixel_at (pixels, 64, 4, 4)[0], ==, evox_colormap_get_table ("viridis")[5][0]);

  /* A narrower range: the first and last voxels clamp to the map's ends. */
  evox_renderer_set_colormap (renderer, "magma");
  evox_renderer_set_range (renderer, 40, 120);
  g_clear_pointer (&pixels, g_free);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  assert_slice_image (pixels, volume, 8, 8, 8, value_slice_z, "magma",
                      EVOX_TRANSFER_IDENTITY, 40, 120);
  g_assert_cmpmem (pixel_at (pixels, 64, 4, 4), 3, evox_colormap_get_table ("magma")[0], 3);
  g_assert_cmpmem (pixel_at (pixels, 64, 60, 60), 3, evox_colormap_get_table ("magma")[255], 3);

  /* Another slice, and a reversed range. */
  slice_index = 2;
  set_slices (renderer, slice_index);
  evox_renderer_set_range (renderer, 200, 10);
  moved = evox_test_render (renderer, 64, 64, FALSE);
  assert_slice_image (moved, volume, 8, 8, 8, value_slice_z, "magma",
                      EVOX_TRANSFER_IDENTITY, 200, 10);
  slice_index = 5;

  evox_test_renderer_free (renderer);
}

static void
test_slice_u16 (void)
{
  g_autoptr(EvoxVolume) volume = evox_test_volume_new (8, 8, 8, EVOX_SAMPLE_U16);
  guint16 *data = evox_volume_get_data_mut (volume, 0);
  g_autofree guint8 *pixels = NULL;
  EvoxRenderer *renderer;

  for (gsize k = 0; k < 8; k++)
    for (gsize j = 0; j < 8; j++)
      for (gsize i = 0; i < 8; i++)
        data[(k * 8 + j) * 8 + i] = (guint16) (1009 * i + 8111 * j + 3 * k);
  data[(5 * 8 + 7) * 8 + 7] = 65535;

  if (!evox_test_need_gl ())
    return;

  renderer = slice_z_renderer_new (volume, slice_index, 0, 65535);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  assert_slice_image (pixels, volume, 8, 8, 8, value_slice_z, "viridis",
                      EVOX_TRANSFER_IDENTITY, 0, 65535);

  evox_renderer_set_range (renderer, 5000, 40000);
  g_clear_pointer (&pixels, g_free);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  assert_slice_image (pixels, volume, 8, 8, 8, value_slice_z, "viridis",
                      EVOX_TRANSFER_IDENTITY, 5000, 40000);

  /* Log mapping of linear integers. */
  evox_renderer_set_mapping (renderer, EVOX_MAPPING_LOG);
  evox_renderer_set_range (renderer, 10, 60000);
  g_clear_pointer (&pixels, g_free);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  assert_slice_image (pixels, volume, 8, 8, 8, value_slice_z, "viridis",
                      EVOX_TRANSFER_LOG10, 10, 60000);

  evox_test_renderer_free (renderer);
}

/* f32 with a NaN hole, a zero and a negative value. */
static EvoxVolume *
gradient_f32 (EvoxValueScale scale)
{
  EvoxVolume *volume = evox_test_volume_new (8, 8, 8, EVOX_SAMPLE_F32);
  float *data = evox_volume_get_data_mut (volume, 0);

  for (gsize k = 0; k < 8; k++)
    for (gsize j = 0; j < 8; j++)
      for (gsize i = 0; i < 8; i++)
        data[(k * 8 + j) * 8 + i] = (float) (-3.0 + 0.0713 * i + 0.473 * j + 0.011 * k);
  data[(slice_index * 8 + 2) * 8 + 3] = NAN;
  data[(slice_index * 8 + 0) * 8 + 0] = 0.0f;
  data[(slice_index * 8 + 0) * 8 + 1] = -1.0f;
  evox_volume_set_values (volume, scale, "resistance", "ohm");
  return volume;
}

static void
assert_hole (const guint8 *pixels,
             int           width,
             int           u,
             int           v,
             int           cell,
             EvoxRenderer *renderer)
{
  assert_background (pixel_at (pixels, width, u * cell + cell / 2, v * cell + cell / 2), renderer);
}

static void
test_slice_f32 (void)
{
  g_autoptr(EvoxVolume) linear = gradient_f32 (EVOX_SCALE_LINEAR);
  g_autoptr(EvoxVolume) logged = gradient_f32 (EVOX_SCALE_LOG10);
  g_autofree guint8 *pixels = NULL;
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;

  renderer = evox_test_renderer_new_realized ();
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Z);

  /* Linear data, linear mapping: NaN is a hole, zero and negatives are ordinary values. */
  evox_renderer_set_volume (renderer, linear, 0);
  set_slices (renderer, slice_index);
  evox_renderer_set_range (renderer, -2.5, 0.5);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  assert_slice_image (pixels, linear, 8, 8, 8, value_slice_z, "viridis",
                      EVOX_TRANSFER_IDENTITY, -2.5, 0.5);
  assert_hole (pixels, 64, 3, 2, 8, renderer);

  /* Linear data, log mapping: log10 of 0 and -1 cannot be drawn. */
  evox_renderer_set_mapping (renderer, EVOX_MAPPING_LOG);
  evox_renderer_set_range (renderer, 0.01, 0.6);
  g_clear_pointer (&pixels, g_free);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  assert_slice_image (pixels, linear, 8, 8, 8, value_slice_z, "viridis",
                      EVOX_TRANSFER_LOG10, 0.01, 0.6);
  assert_hole (pixels, 64, 0, 0, 8, renderer);
  assert_hole (pixels, 64, 1, 0, 8, renderer);
  assert_hole (pixels, 64, 3, 2, 8, renderer);
  g_assert_false (memcmp (pixel_at (pixels, 64, 60, 60), pixel_at (pixels, 64, 4, 4), 4) == 0);

  /* log10 data, log mapping: the stored numbers, linearly. */
  evox_renderer_set_colormap (renderer, "inferno");
  evox_renderer_set_volume (renderer, logged, 0);
  set_slices (renderer, slice_index);
  evox_renderer_set_mapping (renderer, EVOX_MAPPING_LOG);
  evox_renderer_set_range (renderer, -3, 1);
  g_clear_pointer (&pixels, g_free);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  assert_slice_image (pixels, logged, 8, 8, 8, value_slice_z, "inferno",
                      EVOX_TRANSFER_IDENTITY, -3, 1);

  /* log10 data, linear mapping: 10^value, so exp10 in the shader. */
  evox_renderer_set_colormap (renderer, "cividis");
  evox_renderer_set_mapping (renderer, EVOX_MAPPING_LINEAR);
  evox_renderer_set_range (renderer, -1.5, 0.2);
  g_clear_pointer (&pixels, g_free);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  assert_slice_image (pixels, logged, 8, 8, 8, value_slice_z, "cividis",
                      EVOX_TRANSFER_EXP10, -1.5, 0.2);
  assert_hole (pixels, 64, 3, 2, 8, renderer);

  /* Far beyond float's range as 10^value: still the right ends of the map. */
  evox_renderer_set_range (renderer, -60, -45);
  g_clear_pointer (&pixels, g_free);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  g_assert_cmpmem (pixel_at (pixels, 64, 60, 60), 3, evox_colormap_get_table ("cividis")[255], 3);

  evox_test_renderer_free (renderer);
}

static void
test_transparent (void)
{
  g_autoptr(EvoxVolume) volume = gradient_f32 (EVOX_SCALE_LINEAR);
  g_autofree guint8 *pixels = NULL;
  g_autofree guint8 *wide = NULL;
  EvoxRenderer *renderer;
  guint opaque = 0, clear = 0;

  if (!evox_test_need_gl ())
    return;

  renderer = slice_z_renderer_new (volume, slice_index, -3, 1);
  evox_renderer_set_background (renderer, (float[4]) { 1.0f, 0.0f, 0.0f, 1.0f });

  pixels = evox_test_render (renderer, 64, 64, TRUE);
  /* The NaN hole has alpha 0, voxels keep their straight colours at alpha 255. */
  g_assert_cmpuint (pixel_at (pixels, 64, 3 * 8 + 4, 2 * 8 + 4)[3], ==, 0);
  assert_value_colour (pixel_at (pixels, 64, 4 * 8 + 4, 6 * 8 + 4), "viridis",
                       EVOX_TRANSFER_IDENTITY, -3, 1,
                       evox_volume_get_value (volume, 0, 4, 6, slice_index));

  /* Wider than the slice: background on both sides, transparent. */
  wide = evox_test_render (renderer, 128, 64, TRUE);
  for (int y = 0; y < 64; y++)
    for (int x = 0; x < 128; x++)
      {
        const guint8 *p = pixel_at (wide, 128, x, y);

        if (x < 32 || x >= 96)
          {
            g_assert_cmpuint (p[3], ==, 0);
            clear++;
          }
        else if (p[3] == 255)
          opaque++;
      }
  g_assert_cmpuint (clear, ==, 64 * 64);
  g_assert_cmpuint (opaque, ==, 64 * 64 - 8 * 8);

  /* Opaque export: the background colour. */
  g_clear_pointer (&wide, g_free);
  wide = evox_test_render (renderer, 128, 64, FALSE);
  g_assert_cmpmem (pixel_at (wide, 128, 5, 5), 4, ((guint8[4]) { 255, 0, 0, 255 }), 4);

  evox_test_renderer_free (renderer);
}

/* Two layers with a translucent plane over a background: alpha and colour come out straight. */
static void
test_transparent_stack (void)
{
  g_autoptr(EvoxVolume) volume = evox_test_volume_new (4, 4, 2, EVOX_SAMPLE_U8);
  g_autofree guint8 *pixels = NULL;
  EvoxRenderer *renderer;
  const guint8 *p;

  memset (evox_volume_get_data_mut (volume, 0), 200, 32);
  if (!evox_test_need_gl ())
    return;

  renderer = evox_test_renderer_new_realized ();
  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_view (renderer, EVOX_VIEW_STACK);
  evox_renderer_set_range (renderer, 0, 255);
  evox_renderer_set_stack_opacity (renderer, 0.5);
  evox_renderer_set_layer_visible (renderer, 1, FALSE);
  evox_camera_look_along (evox_renderer_get_camera (renderer), 2);

  pixels = evox_test_render (renderer, 64, 64, TRUE);
  p = pixel_at (pixels, 64, 32, 32);
  /* One plane at opacity 0.5 over nothing: half alpha, the colour-map colour itself. */
  g_assert_cmpint (abs (p[3] - 128), <=, 1);
  for (int c = 0; c < 3; c++)
    g_assert_cmpint (abs (p[c] - evox_colormap_get_table ("viridis")[200][c]), <=, 2);

  evox_test_renderer_free (renderer);
}

static void
test_slice_orientation (void)
{
  g_autoptr(EvoxVolume) volume = gradient_u8 ();
  g_autofree guint8 *pixels = NULL;
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;

  renderer = evox_test_renderer_new_realized ();
  evox_renderer_set_volume (renderer, volume, 0);
  set_slices (renderer, slice_index);
  evox_renderer_set_range (renderer, 0, 255);

  /* Looking along x: y to the right, z down. */
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_X);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  assert_slice_image (pixels, volume, 8, 8, 8, value_slice_x, "viridis",
                      EVOX_TRANSFER_IDENTITY, 0, 255);

  /* Looking along y: x to the right, z down. */
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Y);
  g_clear_pointer (&pixels, g_free);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  assert_slice_image (pixels, volume, 8, 8, 8, value_slice_y, "viridis",
                      EVOX_TRANSFER_IDENTITY, 0, 255);

  /* Voxels of 1 x 1 x 2 nm under a z-exaggeration of 2: a y slice of 8 x 8 voxels is 8 nm wide
   * and 32 nm tall, so in a 32 x 128 image each voxel is 4 x 16 pixels. */
  {
    g_autoptr(EvoxVolume) tall = gradient_u8 ();
    g_autofree guint8 *image = NULL;

    evox_volume_set_spacing (tall, (double[3]) { 1, 1, 2 });
    evox_renderer_set_volume (renderer, tall, 0);
    set_slices (renderer, slice_index);
    evox_renderer_set_range (renderer, 0, 255);
    evox_renderer_set_z_exaggeration (renderer, 2.0);
    image = evox_test_render (renderer, 32, 128, FALSE);
    for (int k = 0; k < 8; k++)
      for (int i = 0; i < 8; i++)
        {
          assert_value_colour (pixel_at (image, 32, i * 4 + 2, k * 16 + 8), "viridis",
                               EVOX_TRANSFER_IDENTITY, 0, 255,
                               evox_volume_get_value (tall, 0, i, slice_index, k));
          g_assert_cmpmem (pixel_at (image, 32, i * 4 + 2, k * 16 + 8), 4,
                           pixel_at (image, 32, i * 4 + 1, k * 16 + 1), 4);
        }
  }

  evox_test_renderer_free (renderer);
}

/* Export geometry */

static void
test_export_sizes (void)
{
  g_autoptr(EvoxVolume) volume = gradient_u8 ();
  g_autofree guint8 *small = NULL;
  g_autofree guint8 *large = NULL;
  g_autoptr(GError) error = NULL;
  EvoxRenderer *renderer;
  GLuint fbo;
  GLint bound = 0, viewport[4];

  if (!evox_test_need_gl ())
    return;

  renderer = slice_z_renderer_new (volume, slice_index, 0, 255);

  /* 1000 x 700: the square slice fills the height, centred; background at the sides. */
  small = evox_test_render (renderer, 1000, 700, FALSE);
  assert_background (pixel_at (small, 1000, 10, 350), renderer);
  assert_background (pixel_at (small, 1000, 990, 350), renderer);
  assert_value_colour (pixel_at (small, 1000, 150 + 700 / 16, 700 / 16), "viridis",
                       EVOX_TRANSFER_IDENTITY, 0, 255,
                       evox_volume_get_value (volume, 0, 0, 0, slice_index));
  assert_value_colour (pixel_at (small, 1000, 850 - 700 / 16, 700 - 700 / 16), "viridis",
                       EVOX_TRANSFER_IDENTITY, 0, 255,
                       evox_volume_get_value (volume, 0, 7, 7, slice_index));
  g_clear_pointer (&small, g_free);

  /* The same framing at a higher resolution, and a wider image shows more, not stretched. */
  small = evox_test_render (renderer, 64, 64, FALSE);
  large = evox_renderer_render_image (renderer, 256, 256, 64, 64, FALSE, &error);
  g_assert_no_error (error);
  for (int y = 0; y < 64; y++)
    for (int x = 0; x < 64; x++)
      g_assert_cmpmem (pixel_at (small, 64, x, y), 4, pixel_at (large, 256, 4 * x + 2, 4 * y + 2), 4);
  g_clear_pointer (&large, g_free);
  large = evox_renderer_render_image (renderer, 256, 128, 64, 64, FALSE, &error);
  g_assert_no_error (error);
  assert_background (pixel_at (large, 256, 60, 64), renderer);
  g_assert_cmpmem (pixel_at (small, 64, 10, 10), 4, pixel_at (large, 256, 64 + 20, 20), 4);
  g_clear_pointer (&large, g_free);

  /* 8192 x 8192, drawn in tiles: voxel edges fall on tile edges here, and every tile agrees. */
  large = evox_renderer_render_image (renderer, 8192, 8192, 8192, 8192, FALSE, &error);
  g_assert_no_error (error);
  for (int j = 0; j < 8; j++)
    for (int i = 0; i < 8; i++)
      {
        const int corners[4][2] = {
          { i * 1024, j * 1024 }, { i * 1024 + 1023, j * 1024 },
          { i * 1024, j * 1024 + 1023 }, { i * 1024 + 1023, j * 1024 + 1023 },
        };

        for (int c = 0; c < 4; c++)
          g_assert_cmpmem (pixel_at (large, 8192, corners[c][0], corners[c][1]), 4,
                           pixel_at (small, 64, i * 8 + 4, j * 8 + 4), 4);
      }
  g_clear_pointer (&large, g_free);

  /* Sizes no one can render give an error, not a crash. */
  g_assert_null (evox_renderer_render_image (renderer, 0, 10, 0, 10, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (evox_renderer_render_image (renderer, 1 << 20, 1 << 20, 10, 10, FALSE, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* The caller's framebuffer and viewport come back. */
  glGenFramebuffers (1, &fbo);
  glBindFramebuffer (GL_FRAMEBUFFER, fbo);
  glViewport (3, 4, 50, 60);
  g_clear_pointer (&small, g_free);
  small = evox_test_render (renderer, 32, 32, FALSE);
  glGetIntegerv (GL_DRAW_FRAMEBUFFER_BINDING, &bound);
  g_assert_cmpint (bound, ==, (GLint) fbo);
  glGetIntegerv (GL_READ_FRAMEBUFFER_BINDING, &bound);
  g_assert_cmpint (bound, ==, (GLint) fbo);
  glGetIntegerv (GL_VIEWPORT, viewport);
  g_assert_cmpint (viewport[0], ==, 3);
  g_assert_cmpint (viewport[3], ==, 60);
  glBindFramebuffer (GL_FRAMEBUFFER, 0);
  glDeleteFramebuffers (1, &fbo);

  evox_test_renderer_free (renderer);
}

/* 3D views */

static guint
count_colour (const guint8 *pixels,
              gsize         n_pixels,
              const guint8  rgb[3])
{
  guint n = 0;

  for (gsize i = 0; i < n_pixels; i++)
    if (memcmp (pixels + 4 * i, rgb, 3) == 0)
      n++;
  return n;
}

static void
test_slices_view (void)
{
  g_autoptr(EvoxVolume) volume = gradient_u8 ();
  g_autofree guint8 *pixels = NULL;
  g_autofree guint8 *moved = NULL;
  EvoxRenderer *renderer;
  const guint8 box[3] = { 153, 153, 158 };
  guint n;

  if (!evox_test_need_gl ())
    return;

  renderer = evox_test_renderer_new_realized ();
  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_range (renderer, 0, 255);
  g_assert_cmpint (evox_renderer_get_view (renderer), ==, EVOX_VIEW_SLICES);

  pixels = evox_test_render (renderer, 320, 240, FALSE);
  n = evox_test_count_not_background (pixels, 320 * 240);
  g_assert_cmpuint (n, >, 320 * 240 / 10);
  g_assert_cmpuint (n, <, 320 * 240);
  g_assert_cmpuint (count_colour (pixels, 320 * 240, box), >, 100);
  /* The middle of the picture is where the slices meet. */
  g_assert_cmpuint (evox_test_count_not_background (pixel_at (pixels, 320, 160, 120), 1), ==, 1);

  set_slices (renderer, 1);
  moved = evox_test_render (renderer, 320, 240, FALSE);
  g_assert_false (memcmp (pixels, moved, 320 * 240 * 4) == 0);

  evox_test_renderer_free (renderer);
}

/* A 16 x 12 x 5 stack, measured at layers 0 and 4, interpolated between. */
static EvoxVolume *
small_stack (void)
{
  EvoxVolume *volume = evox_test_volume_new (16, 12, 5, EVOX_SAMPLE_F32);
  float *data = evox_volume_get_data_mut (volume, 0);

  for (gsize v = 0; v < 16 * 12 * 5; v++)
    data[v] = (float) (-5.0 + 4.0 * (v % 16) / 15.0);
  for (gsize k = 0; k < 5; k++)
    {
      EvoxLayer layer = { .z_nm = 10.0 * k, .measured = k == 0 || k == 4,
                          .scan = k == 4 ? 1 : 0, .scan_below = k == 0 || k == 4 ? -1 : 1,
                          .weight = k / 4.0 };

      evox_volume_set_layer (volume, k, &layer);
    }
  evox_volume_set_spacing (volume, (double[3]) { 2.0, 2.0, 10.0 });
  evox_volume_set_values (volume, EVOX_SCALE_LOG10, "resistance", "ohm");
  return volume;
}

static void
test_stack_view (void)
{
  g_autoptr(EvoxVolume) volume = small_stack ();
  g_autofree guint8 *pixels = NULL;
  g_autofree guint8 *hidden = NULL;
  g_autofree guint8 *all_hidden = NULL;
  EvoxRenderer *renderer;
  const guint8 white[3] = { 255, 255, 255 };
  guint measured;

  if (!evox_test_need_gl ())
    return;

  renderer = evox_test_renderer_new_realized ();
  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_mapping (renderer, EVOX_MAPPING_LOG);
  evox_renderer_set_view (renderer, EVOX_VIEW_STACK);

  pixels = evox_test_render (renderer, 320, 240, FALSE);
  measured = count_colour (pixels, 320 * 240, white);
  g_assert_cmpuint (measured, >, 200);
  g_assert_cmpuint (evox_test_count_not_background (pixels, 320 * 240), >, 320 * 240 / 10);

  /* Hiding a layer changes the picture; hiding both measured ones removes their outlines. */
  evox_renderer_set_layer_visible (renderer, 2, FALSE);
  hidden = evox_test_render (renderer, 320, 240, FALSE);
  g_assert_false (memcmp (pixels, hidden, 320 * 240 * 4) == 0);
  evox_renderer_set_layer_visible (renderer, 0, FALSE);
  evox_renderer_set_layer_visible (renderer, 4, FALSE);
  all_hidden = evox_test_render (renderer, 320, 240, FALSE);
  g_assert_cmpuint (count_colour (all_hidden, 320 * 240, white), ==, 0);

  evox_test_renderer_free (renderer);
}

static float *
filled_layer (gsize n,
              float v)
{
  float *values = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    values[i] = v;
  return values;
}

/* An opaque layer stack of log10 data over -5..-1, seen straight down z in parallel projection,
 * so every plane covers the same pixels. */
static EvoxRenderer *
stack_renderer_from_above (EvoxVolume *volume)
{
  EvoxRenderer *renderer = evox_test_renderer_new_realized ();
  EvoxCamera *camera;

  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_mapping (renderer, EVOX_MAPPING_LOG);
  evox_renderer_set_range (renderer, -5, -1);
  evox_renderer_set_view (renderer, EVOX_VIEW_STACK);
  evox_renderer_set_stack_opacity (renderer, 1.0);
  camera = evox_renderer_get_camera (renderer);
  evox_camera_set_orthographic (camera, TRUE);
  evox_camera_look_along (camera, 2);
  return renderer;
}

/* Scans at 0, 15 and 40 nm on a 10 nm grid: 0 and 40 are grid layers, 15 lies between layers 1
 * and 2 and is drawn as a plane of its own, from its own values, shown and hidden on its own.
 * Interpolated layers are drawn at half the stack opacity, measured ones at all of it. Seen
 * along z in orthographic projection over a transparent background, one plane alone gives its
 * colour and its opacity. */
static void
test_stack_scans (void)
{
  EvoxScanInput scans[3] = {
    { 0.0, g_strdup ("R0"), filled_layer (8 * 6, -5.0f) },
    { 15.0, g_strdup ("R1"), filled_layer (8 * 6, -1.0f) },
    { 40.0, g_strdup ("R2"), filled_layer (8 * 6, -3.0f) },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_ssrm_stack_new (8, 6, scans, 3, 10.0, 1.0,
                                                      EVOX_SCALE_LOG10, &error);
  const guint8 *top = evox_colormap_get_table ("viridis")[255];
  EvoxRenderer *renderer;

  g_assert_no_error (error);
  g_assert_false (evox_volume_get_layer (volume, 1)->measured);
  g_assert_false (evox_volume_get_layer (volume, 2)->measured);
  if (!evox_test_need_gl ())
    return;

  renderer = stack_renderer_from_above (volume);
  for (guint k = 0; k < 5; k++)
    evox_renderer_set_layer_visible (renderer, k, FALSE);

  /* The scan at 15 nm alone: -1, the top of the range, fully opaque. */
  {
    g_autofree guint8 *pixels = evox_test_render (renderer, 64, 64, TRUE);
    const guint8 *p = pixel_at (pixels, 64, 32, 32);

    g_assert_cmpint (p[3], ==, 255);
    for (int c = 0; c < 3; c++)
      g_assert_cmpint (abs (p[c] - top[c]), <=, 2);
  }

  /* Hidden, nothing is left. */
  evox_renderer_set_scan_visible (renderer, 1, FALSE);
  {
    g_autofree guint8 *pixels = evox_test_render (renderer, 64, 64, TRUE);

    g_assert_cmpint (pixel_at (pixels, 64, 32, 32)[3], ==, 0);
  }

  /* At opacity 0.5, measured layer 0 alone covers half, interpolated layer 2 alone a quarter. */
  evox_renderer_set_stack_opacity (renderer, 0.5);
  evox_renderer_set_layer_visible (renderer, 0, TRUE);
  {
    g_autofree guint8 *pixels = evox_test_render (renderer, 64, 64, TRUE);

    g_assert_cmpint (abs (pixel_at (pixels, 64, 32, 32)[3] - 128), <=, 1);
  }
  evox_renderer_set_layer_visible (renderer, 0, FALSE);
  evox_renderer_set_layer_visible (renderer, 2, TRUE);
  {
    g_autofree guint8 *pixels = evox_test_render (renderer, 64, 64, TRUE);

    g_assert_cmpint (abs (pixel_at (pixels, 64, 32, 32)[3] - 64), <=, 1);
  }

  evox_test_renderer_free (renderer);
}

static void
test_too_large (void)
{
  g_autoptr(EvoxVolume) volume = NULL;
  g_autofree guint8 *pixels = NULL;
  EvoxRenderer *renderer;
  GLint max_size = 0;

  if (!evox_test_need_gl ())
    return;

  glGetIntegerv (GL_MAX_3D_TEXTURE_SIZE, &max_size);
  volume = evox_test_volume_new ((gsize) max_size + 1, 2, 2, EVOX_SAMPLE_U8);
  renderer = evox_test_renderer_new_realized ();
  evox_renderer_set_volume (renderer, volume, 0);

  pixels = evox_test_render (renderer, 200, 100, FALSE);
  /* Drawn from bricks (test-bricks.c): the box at least, and no warning. */
  g_assert_cmpuint (evox_test_count_not_background (pixels, 200 * 100), >, 50);

  evox_test_renderer_free (renderer);
}

static void
test_realize_again (void)
{
  g_autoptr(EvoxVolume) volume = gradient_u8 ();
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *first = NULL;
  g_autofree guint8 *second = NULL;
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;

  renderer = evox_test_renderer_new_realized ();
  g_assert_true (evox_renderer_is_realized (renderer));
  evox_renderer_set_volume (renderer, volume, 0);
  first = evox_test_render (renderer, 48, 48, FALSE);
  evox_renderer_unrealize (renderer);
  g_assert_false (evox_renderer_is_realized (renderer));
  evox_renderer_unrealize (renderer);

  g_assert_null (evox_renderer_render_image (renderer, 48, 48, 48, 48, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_FAILED);
  g_clear_error (&error);

  g_assert_true (evox_renderer_realize (renderer, &error));
  g_assert_no_error (error);
  second = evox_test_render (renderer, 48, 48, FALSE);
  g_assert_cmpmem (first, 48 * 48 * 4, second, 48 * 48 * 4);

  /* draw() into a framebuffer of our own gives the same picture as render_image(). */
  {
    GLuint fbo, rb[2];
    g_autofree guint8 *drawn = g_malloc (48 * 48 * 4);

    glGenFramebuffers (1, &fbo);
    glGenRenderbuffers (2, rb);
    glBindRenderbuffer (GL_RENDERBUFFER, rb[0]);
    glRenderbufferStorage (GL_RENDERBUFFER, GL_RGBA8, 48, 48);
    glBindRenderbuffer (GL_RENDERBUFFER, rb[1]);
    glRenderbufferStorage (GL_RENDERBUFFER, GL_DEPTH_COMPONENT24, 48, 48);
    glBindFramebuffer (GL_FRAMEBUFFER, fbo);
    glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, rb[0]);
    glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_RENDERBUFFER, rb[1]);
    evox_renderer_draw (renderer, 48, 48);
    glPixelStorei (GL_PACK_ALIGNMENT, 1);
    glReadPixels (0, 0, 48, 48, GL_RGBA, GL_UNSIGNED_BYTE, drawn);
    for (int y = 0; y < 48; y++)
      g_assert_cmpmem (drawn + y * 48 * 4, 48 * 4, second + (47 - y) * 48 * 4, 48 * 4);
    glBindFramebuffer (GL_FRAMEBUFFER, 0);
    glDeleteRenderbuffers (2, rb);
    glDeleteFramebuffers (1, &fbo);
  }

  evox_test_renderer_free (renderer);
}

/* Picking and signals (no GL) */

static void
test_pick (void)
{
  g_autoptr(EvoxVolume) volume = evox_test_volume_new (9, 7, 5, EVOX_SAMPLE_F32);
  g_autoptr(EvoxRenderer) renderer = evox_renderer_new ();
  float *data = evox_volume_get_data_mut (volume, 0);
  double p[3];

  for (gsize v = 0; v < 9 * 7 * 5; v++)
    data[v] = (float) v;
  data[(3 * 7 + 3) * 9 + 4] = NAN;
  evox_volume_set_spacing (volume, (double[3]) { 2.0, 3.0, 5.0 });
  evox_volume_set_origin (volume, (double[3]) { 100.0, -20.0, 7.0 });

  g_assert_false (evox_renderer_pick (renderer, 50, 50, 100, 100, p));
  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_slices (renderer, (guint[3]) { 4, 3, 1 });
  evox_renderer_set_z_exaggeration (renderer, 3.0);

  /* The window's centre in the z view: voxel (4, 3) of slice 1, in nm without exaggeration. */
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Z);
  g_assert_true (evox_renderer_pick (renderer, 150, 100, 300, 200, p));
  g_assert_cmpfloat_with_epsilon (p[0], 100.0 + 2.0 * 4, 1e-9);
  g_assert_cmpfloat_with_epsilon (p[1], -20.0 + 3.0 * 3, 1e-9);
  g_assert_cmpfloat_with_epsilon (p[2], 7.0 + 5.0 * 1, 1e-9);
  /* Top-left voxel; the strip beside the slice is background. */
  g_assert_true (evox_renderer_pick (renderer, 70, 5, 300, 200, p));
  g_assert_cmpfloat (fabs (p[0] - 100.0), <, 1.0);
  g_assert_cmpfloat (fabs (p[1] + 20.0), <, 1.5);
  g_assert_false (evox_renderer_pick (renderer, 10, 100, 300, 200, p));

  /* The x view: looking along +x, the hit lies on the x slice. */
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_X);
  g_assert_true (evox_renderer_pick (renderer, 150, 100, 300, 200, p));
  g_assert_cmpfloat_with_epsilon (p[0], 108.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (p[1], -20.0 + 3.0 * 3, 1e-6);
  g_assert_cmpfloat_with_epsilon (p[2], 7.0 + 5.0 * 2, 1e-6);

  /* Slices in 3D: the centre hits one of the three planes, nearest first. */
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICES);
  g_assert_true (evox_renderer_pick (renderer, 150, 100, 300, 200, p));
  g_assert_false (evox_renderer_pick (renderer, 2, 2, 300, 200, p));

  /* A NaN voxel is a hole: the ray goes through to whatever lies behind it, or nothing. */
  evox_renderer_set_slices (renderer, (guint[3]) { 4, 3, 3 });
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Z);
  g_assert_false (evox_renderer_pick (renderer, 150, 100, 300, 200, p));
  evox_renderer_set_view (renderer, EVOX_VIEW_STACK);
  evox_camera_look_along (evox_renderer_get_camera (renderer), 2);
  g_assert_true (evox_renderer_pick (renderer, 150, 100, 300, 200, p));
  g_assert_cmpfloat_with_epsilon (p[2], 7.0, 1e-9);
  evox_renderer_set_layer_visible (renderer, 0, FALSE);
  evox_renderer_set_layer_visible (renderer, 1, FALSE);
  evox_renderer_set_layer_visible (renderer, 2, FALSE);
  g_assert_true (evox_renderer_pick (renderer, 150, 100, 300, 200, p));
  g_assert_cmpfloat_with_epsilon (p[2], 7.0 + 5.0 * 4, 1e-9);
}

static void
test_signals (void)
{
  g_autoptr(EvoxVolume) volume = gradient_u8 ();
  g_autoptr(EvoxRenderer) renderer = evox_renderer_new ();
  guint changes = 0;

  g_signal_connect (renderer, "changed", G_CALLBACK (count_changes), &changes);

  evox_renderer_set_volume (renderer, volume, 0);
  g_assert_cmpuint (changes, ==, 1);
  evox_renderer_set_volume (renderer, volume, 0);
  g_assert_cmpuint (changes, ==, 1);

  evox_renderer_set_range (renderer, 1, 2);
  evox_renderer_set_range (renderer, 1, 2);
  evox_renderer_set_colormap (renderer, "plasma");
  evox_renderer_set_colormap (renderer, "plasma");
  evox_renderer_set_mapping (renderer, EVOX_MAPPING_LOG);
  evox_renderer_set_mapping (renderer, EVOX_MAPPING_LOG);
  g_assert_cmpuint (changes, ==, 4);

  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Y);
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Y);
  g_assert_cmpuint (changes, ==, 5);
  g_assert_true (evox_camera_get_orthographic (evox_renderer_get_camera (renderer)));
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICES);
  g_assert_false (evox_camera_get_orthographic (evox_renderer_get_camera (renderer)));
  g_assert_cmpuint (changes, ==, 6);

  /* Out-of-range slices clamp; the same clamped value is no change. */
  evox_renderer_set_slices (renderer, (guint[3]) { 100, 0, 0 });
  evox_renderer_set_slices (renderer, (guint[3]) { 7, 0, 0 });
  g_assert_cmpuint (changes, ==, 7);
  evox_renderer_set_layer_visible (renderer, 3, FALSE);
  evox_renderer_set_layer_visible (renderer, 3, FALSE);
  evox_renderer_set_stack_opacity (renderer, 0.3);
  evox_renderer_set_stack_opacity (renderer, 0.3);
  evox_renderer_set_background (renderer, (float[4]) { 0, 0, 0, 1 });
  evox_renderer_set_background (renderer, (float[4]) { 0, 0, 0, 1 });
  g_assert_cmpuint (changes, ==, 10);

  /* The exaggeration keeps the direction of view and emits once. */
  {
    double before[3], after[3];

    evox_camera_orbit (evox_renderer_get_camera (renderer), 30, 10);
    g_assert_cmpuint (changes, ==, 11);
    evox_camera_get_eye_direction (evox_renderer_get_camera (renderer), before);
    evox_renderer_set_z_exaggeration (renderer, 4.0);
    evox_renderer_set_z_exaggeration (renderer, 4.0);
    g_assert_cmpuint (changes, ==, 12);
    evox_camera_get_eye_direction (evox_renderer_get_camera (renderer), after);
    g_assert_cmpmem (before, sizeof before, after, sizeof after);
  }

  evox_renderer_set_volume (renderer, NULL, 0);
  g_assert_null (evox_renderer_get_volume (renderer));
  g_assert_cmpuint (changes, ==, 13);
}

/* With EVOX_TEST_DUMP=dir, keeps an 800 x 600 picture of a view as raw RGBA in
 * dir/PREFIX-VIEW-800x600.rgba. */
static void
dump_picture (const char   *prefix,
              EvoxView      view,
              const guint8 *pixels)
{
  const char *dump = g_getenv ("EVOX_TEST_DUMP");
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;

  if (dump == NULL)
    return;
  name = g_strdup_printf ("%s-%s-800x600.rgba", prefix, evox_view_to_string (view));
  path = g_build_filename (dump, name, NULL);
  g_assert_true (g_file_set_contents (path, (const char *) pixels, 800 * 600 * 4, NULL));
}

/* The demo stack as a user first sees it; EVOX_TEST_DUMP=dir keeps the pictures as raw RGBA. */
static void
test_demo (void)
{
  g_autoptr(EvoxVolume) volume = evox_demo_volume_new (10.0);
  const EvoxView views[4] = {
    EVOX_VIEW_SLICES, EVOX_VIEW_STACK, EVOX_VIEW_SLICE_X, EVOX_VIEW_SLICE_Z
  };
  const guint8 white[3] = { 255, 255, 255 };
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;

  renderer = evox_test_renderer_new_realized ();
  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_mapping (renderer, EVOX_MAPPING_LOG);
  for (guint v = 0; v < G_N_ELEMENTS (views); v++)
    {
      g_autofree guint8 *pixels = NULL;

      evox_renderer_set_view (renderer, views[v]);
      pixels = evox_test_render (renderer, 800, 600, FALSE);
      g_assert_cmpuint (evox_test_count_not_background (pixels, 800 * 600), >, 800 * 600 / 5);
      if (views[v] == EVOX_VIEW_STACK)
        g_assert_cmpuint (count_colour (pixels, 800 * 600, white), >, 500);
      dump_picture ("demo", views[v], pixels);
    }
  evox_test_renderer_free (renderer);
}


/* Phases */

typedef struct
{
  double      lo;
  double      hi;
  const char *color;
  double      opacity;
  gboolean    visible;
} PhaseSpec;

static EvoxPhaseList *
phase_list_new (const PhaseSpec *specs,
                guint            n_specs)
{
  EvoxPhaseList *list = evox_phase_list_new ();

  for (guint i = 0; i < n_specs; i++)
    {
      g_autofree char *name = g_strdup_printf ("Phase %u", i + 1);
      g_autoptr(EvoxPhase) phase = evox_phase_new (name, specs[i].lo, specs[i].hi,
                                                   specs[i].color);

      evox_phase_set_opacity (phase, specs[i].opacity);
      evox_phase_set_visible (phase, specs[i].visible);
      evox_phase_list_append (list, phase);
    }
  return list;
}

static void
parse_color (const char *color,
             guint       rgb[3])
{
  g_assert_cmpint (sscanf (color, "#%02x%02x%02x", &rgb[0], &rgb[1], &rgb[2]), ==, 3);
}

/* The oracle: the first visible spec with lo <= value <= hi (in doubles) owns the voxel and
 * mixes its colour into the colour-map colour by its opacity; with hide, voxels no spec owns
 * are background, like holes; everything drawn is scaled by dim. Each channel within 1 of 255
 * (either colour-map entry where t * 255 lies within float rounding of a half). Returns whether
 * the voxel was tinted. */
static gboolean
assert_phase_colour (const guint8    *rgba,
                     double           value,
                     const PhaseSpec *specs,
                     guint            n_specs,
                     gboolean         hide,
                     double           dim,
                     const char      *colormap,
                     EvoxTransfer     transfer,
                     double           lo,
                     double           hi)
{
  double t = evox_display_coordinate (transfer, lo, hi, value);
  const PhaseSpec *owner = NULL;
  guint tint[3] = { 0, 0, 0 };
  int entries[2];
  double scaled;

  for (guint i = 0; i < n_specs && owner == NULL; i++)
    if (specs[i].visible && specs[i].lo <= value && value <= specs[i].hi)
      owner = &specs[i];
  if (isnan (t) || (hide && owner == NULL))
    {
      assert_background (rgba, NULL);
      return FALSE;
    }
  if (owner != NULL)
    parse_color (owner->color, tint);

  scaled = CLAMP (t, 0.0, 1.0) * 255.0;
  entries[0] = entries[1] = (int) floor (scaled + 0.5);
  if (fabs (scaled - floor (scaled) - 0.5) < 1e-3)
    entries[1] = CLAMP (scaled - floor (scaled) < 0.5 ? entries[0] + 1 : entries[0] - 1, 0, 255);

  for (guint e = 0; e < 2; e++)
    {
      const guint8 *map = evox_colormap_get_table (colormap)[entries[e]];
      double expected[3];
      gboolean ok = TRUE;

      for (guint c = 0; c < 3; c++)
        {
          expected[c] = map[c];
          if (owner != NULL)
            expected[c] = (1.0 - owner->opacity) * map[c] + owner->opacity * tint[c];
          expected[c] *= dim;
          ok = ok && fabs (rgba[c] - expected[c]) <= 1.0 + 1e-9;
        }
      if (ok)
        {
          g_assert_cmpuint (rgba[3], ==, 255);
          return owner != NULL;
        }
      if (e == 1)
        g_error ("value %.9g (phase %d): drew %u,%u,%u, expected %.1f,%.1f,%.1f", value,
                 owner != NULL ? (int) (owner - specs) : -1, rgba[0], rgba[1], rgba[2],
                 expected[0], expected[1], expected[2]);
    }
  return FALSE;
}

/* Every voxel of an exactly filled slice view, as assert_slice_image; returns how many voxels
 * a phase tinted. */
static guint
assert_phase_image (const guint8    *pixels,
                    EvoxVolume      *volume,
                    int              nu,
                    int              nv,
                    int              cell,
                    ValueAt          value_at,
                    const PhaseSpec *specs,
                    guint            n_specs,
                    gboolean         hide,
                    const char      *colormap,
                    EvoxTransfer     transfer,
                    double           lo,
                    double           hi)
{
  guint tinted = 0;

  for (int v = 0; v < nv; v++)
    for (int u = 0; u < nu; u++)
      {
        double value = value_at (volume, u, v);
        const guint8 *centre = pixel_at (pixels, nu * cell, u * cell + cell / 2,
                                         v * cell + cell / 2);
        const guint8 *corner = pixel_at (pixels, nu * cell, u * cell + 1, v * cell + 1);

        g_assert_cmpmem (centre, 4, corner, 4);
        if (isnan (value))
          {
            assert_background (centre, NULL);
            continue;
          }
        tinted += assert_phase_colour (centre, value, specs, n_specs, hide, 1.0, colormap,
                                       transfer, lo, hi);
      }
  return tinted;
}

static void
test_phases_u8 (void)
{
  /* Slice 5 of gradient_u8 holds 5 + 3 i + 24 j: row j runs from 5 + 24 j to 26 + 24 j. */
  const PhaseSpec specs[] = {
    { 0, 255, "#ffffff", 1.0, FALSE },      /* hidden: colours nothing */
    { 53, 98, "#ff0000", 0.5, TRUE },       /* rows 2 and 3; both edges are voxel values */
    { 98, 122, "#0000ff", 0.8, TRUE },      /* shares 98 with the one before, which wins; row 4 */
    { 148.5, 152.9, "#00ff00", 1.0, TRUE }, /* fractional edges: 149 and 152, not 146 or 155 */
  };
  g_autoptr(EvoxVolume) volume = gradient_u8 ();
  g_autoptr(EvoxPhaseList) list = phase_list_new (specs, G_N_ELEMENTS (specs));
  g_autofree guint8 *pixels = NULL;
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;

  renderer = slice_z_renderer_new (volume, slice_index, 0, 255);
  evox_renderer_set_phases (renderer, list, TRUE, FALSE);

  pixels = evox_test_render (renderer, 64, 64, FALSE);
  g_assert_cmpuint (assert_phase_image (pixels, volume, 8, 8, 8, value_slice_z, specs,
                                        G_N_ELEMENTS (specs), FALSE, "viridis",
                                        EVOX_TRANSFER_IDENTITY, 0, 255), ==, 8 + 8 + 8 + 2);
  /* The edges by hand: 53 and 98 red, 50 not, 98 not blue. */
  g_assert_cmpuint (pixel_at (pixels, 64, 0 * 8 + 4, 2 * 8 + 4)[0], >, 127);
  g_assert_cmpuint (pixel_at (pixels, 64, 7 * 8 + 4, 3 * 8 + 4)[0], >, 127);
  g_assert_cmpuint (pixel_at (pixels, 64, 7 * 8 + 4, 3 * 8 + 4)[2], <, 128);
  g_assert_cmpuint (pixel_at (pixels, 64, 7 * 8 + 4, 1 * 8 + 4)[0], <, 127);

  /* Hiding what lies outside: rows 0, 1, 5 and 7 and most of 6 become background. */
  evox_renderer_set_phases (renderer, list, TRUE, TRUE);
  g_clear_pointer (&pixels, g_free);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  g_assert_cmpuint (assert_phase_image (pixels, volume, 8, 8, 8, value_slice_z, specs,
                                        G_N_ELEMENTS (specs), TRUE, "viridis",
                                        EVOX_TRANSFER_IDENTITY, 0, 255), ==, 26);
  assert_background (pixel_at (pixels, 64, 4, 4), renderer);

  /* Not shown (hide or not), or no list: the colour map alone. */
  evox_renderer_set_phases (renderer, list, FALSE, TRUE);
  g_clear_pointer (&pixels, g_free);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  assert_slice_image (pixels, volume, 8, 8, 8, value_slice_z, "viridis",
                      EVOX_TRANSFER_IDENTITY, 0, 255);
  evox_renderer_set_phases (renderer, NULL, TRUE, TRUE);
  g_clear_pointer (&pixels, g_free);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  assert_slice_image (pixels, volume, 8, 8, 8, value_slice_z, "viridis",
                      EVOX_TRANSFER_IDENTITY, 0, 255);

  /* Making the hidden first phase visible: it owns everything now. */
  evox_phase_set_visible (evox_phase_list_get_phase (list, 0), TRUE);
  evox_renderer_set_phases (renderer, list, TRUE, FALSE);
  g_clear_pointer (&pixels, g_free);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  {
    PhaseSpec all[G_N_ELEMENTS (specs)];

    memcpy (all, specs, sizeof all);
    all[0].visible = TRUE;
    g_assert_cmpuint (assert_phase_image (pixels, volume, 8, 8, 8, value_slice_z, all,
                                          G_N_ELEMENTS (all), FALSE, "viridis",
                                          EVOX_TRANSFER_IDENTITY, 0, 255), ==, 64);
    g_assert_cmpmem (pixel_at (pixels, 64, 20, 20), 3, ((guint8[3]) { 255, 255, 255 }), 3);
  }

  evox_test_renderer_free (renderer);
}

static double
value_u16_at (gsize i,
              gsize j)
{
  return i == 7 && j == 7 ? 65535 : 1009 * i + 8111 * j + 3 * slice_index;
}

static void
test_phases_u16 (void)
{
  g_autoptr(EvoxVolume) volume = evox_test_volume_new (8, 8, 8, EVOX_SAMPLE_U16);
  guint16 *data = evox_volume_get_data_mut (volume, 0);
  const PhaseSpec specs[] = {
    /* Exactly from voxel (2, 3) to voxel (5, 5). */
    { value_u16_at (2, 3), value_u16_at (5, 5), "#e00000", 0.6, TRUE },
    /* From just above voxel (1, 1) (so not it) to half below voxel (4, 1) (not it either). */
    { value_u16_at (1, 1) + 0.25, value_u16_at (4, 1) - 0.5, "#00c000", 0.7, TRUE },
    /* The one voxel at the top of the type. */
    { 65535, 65535, "#2020ff", 0.9, TRUE },
  };
  g_autoptr(EvoxPhaseList) list = phase_list_new (specs, G_N_ELEMENTS (specs));
  g_autofree guint8 *pixels = NULL;
  EvoxRenderer *renderer;
  guint expected = 0;

  for (gsize k = 0; k < 8; k++)
    for (gsize j = 0; j < 8; j++)
      for (gsize i = 0; i < 8; i++)
        data[(k * 8 + j) * 8 + i] = (guint16) (1009 * i + 8111 * j + 3 * k);
  data[(slice_index * 8 + 7) * 8 + 7] = 65535;
  for (gsize j = 0; j < 8; j++)
    for (gsize i = 0; i < 8; i++)
      {
        double v = value_u16_at (i, j);

        g_assert_cmpfloat (v, ==, evox_volume_get_value (volume, 0, i, j, slice_index));
        for (guint p = 0; p < G_N_ELEMENTS (specs); p++)
          if (specs[p].lo <= v && v <= specs[p].hi)
            {
              expected++;
              break;
            }
      }
  /* Voxels 2..7 of row 3, rows 4, 0..5 of row 5; 2 and 3 of row 1; the corner. */
  g_assert_cmpuint (expected, ==, 6 + 8 + 6 + 2 + 1);

  if (!evox_test_need_gl ())
    return;

  renderer = slice_z_renderer_new (volume, slice_index, 0, 65535);
  evox_renderer_set_phases (renderer, list, TRUE, FALSE);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  g_assert_cmpuint (assert_phase_image (pixels, volume, 8, 8, 8, value_slice_z, specs,
                                        G_N_ELEMENTS (specs), FALSE, "viridis",
                                        EVOX_TRANSFER_IDENTITY, 0, 65535), ==, expected);

  /* Log mapping changes the colour map, not which voxels the phases own. */
  evox_renderer_set_mapping (renderer, EVOX_MAPPING_LOG);
  evox_renderer_set_range (renderer, 10, 60000);
  evox_renderer_set_phases (renderer, list, TRUE, TRUE);
  g_clear_pointer (&pixels, g_free);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  g_assert_cmpuint (assert_phase_image (pixels, volume, 8, 8, 8, value_slice_z, specs,
                                        G_N_ELEMENTS (specs), TRUE, "viridis",
                                        EVOX_TRANSFER_LOG10, 10, 60000), ==, expected);

  evox_test_renderer_free (renderer);
}

static void
test_phases_f32 (void)
{
  g_autoptr(EvoxVolume) linear = gradient_f32 (EVOX_SCALE_LINEAR);
  g_autoptr(EvoxVolume) logged = gradient_f32 (EVOX_SCALE_LOG10);
  g_autofree guint8 *pixels = NULL;
  EvoxRenderer *renderer;
  double v11 = evox_volume_get_value (linear, 0, 1, 1, slice_index);
  double v61 = evox_volume_get_value (linear, 0, 6, 1, slice_index);
  const PhaseSpec specs[] = {
    /* Both edges equal to stored floats (as doubles): both voxels are in. */
    { evox_volume_get_value (linear, 0, 2, 3, slice_index),
      evox_volume_get_value (linear, 0, 5, 6, slice_index), "#ff2000", 0.55, TRUE },
    /* Edges one double away from stored floats, on the outside: both voxels are out. */
    { nextafter (v11, INFINITY), nextafter (v61, -INFINITY), "#00ff40", 0.75, TRUE },
    /* The zero and the negative voxel, and the NaN hole between them stays a hole. */
    { -1.0, 0.0, "#4000ff", 1.0, TRUE },
  };
  g_autoptr(EvoxPhaseList) list = phase_list_new (specs, G_N_ELEMENTS (specs));
  guint tinted;

  if (!evox_test_need_gl ())
    return;

  renderer = evox_test_renderer_new_realized ();
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Z);
  evox_renderer_set_volume (renderer, linear, 0);
  set_slices (renderer, slice_index);
  evox_renderer_set_range (renderer, -2.5, 0.5);
  evox_renderer_set_phases (renderer, list, TRUE, FALSE);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  tinted = assert_phase_image (pixels, linear, 8, 8, 8, value_slice_z, specs,
                               G_N_ELEMENTS (specs), FALSE, "viridis", EVOX_TRANSFER_IDENTITY,
                               -2.5, 0.5);
  /* (2, 3)..(5, 6) in raster order is 6 + 8 + 8 + 6 voxels, (2, 1)..(5, 1) is 4, plus two. */
  g_assert_cmpuint (tinted, ==, 28 + 4 + 2);
  assert_hole (pixels, 64, 3, 2, 8, renderer);

  evox_renderer_set_phases (renderer, list, TRUE, TRUE);
  g_clear_pointer (&pixels, g_free);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  g_assert_cmpuint (assert_phase_image (pixels, linear, 8, 8, 8, value_slice_z, specs,
                                        G_N_ELEMENTS (specs), TRUE, "viridis",
                                        EVOX_TRANSFER_IDENTITY, -2.5, 0.5), ==, tinted);

  /* log10 data shown linearly (exp10 in the shader): the phases still compare stored numbers. */
  evox_renderer_set_volume (renderer, logged, 0);
  set_slices (renderer, slice_index);
  evox_renderer_set_mapping (renderer, EVOX_MAPPING_LINEAR);
  evox_renderer_set_range (renderer, -1.5, 0.2);
  evox_renderer_set_phases (renderer, list, TRUE, FALSE);
  g_clear_pointer (&pixels, g_free);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  g_assert_cmpuint (assert_phase_image (pixels, logged, 8, 8, 8, value_slice_z, specs,
                                        G_N_ELEMENTS (specs), FALSE, "viridis",
                                        EVOX_TRANSFER_EXP10, -1.5, 0.2), ==, tinted);

  evox_test_renderer_free (renderer);
}

/* Dragging an edge: one "changed", new pixels at the next draw, a new phase table and no new
 * volume texture. */
static void
test_phases_live (void)
{
  PhaseSpec specs[] = {
    { 53, 98, "#ff0000", 0.5, TRUE },
    { 170, 194, "#0000ff", 0.5, TRUE },
  };
  g_autoptr(EvoxVolume) volume = gradient_u8 ();
  g_autoptr(EvoxPhaseList) list = phase_list_new (specs, G_N_ELEMENTS (specs));
  EvoxPhase *phase = evox_phase_list_get_phase (list, 0);
  g_autofree guint8 *before = NULL;
  g_autofree guint8 *after = NULL;
  EvoxRendererUploads uploads, again;
  EvoxRenderer *renderer;
  guint changes = 0;

  if (!evox_test_need_gl ())
    return;

  renderer = slice_z_renderer_new (volume, slice_index, 0, 255);
  g_signal_connect (renderer, "changed", G_CALLBACK (count_changes), &changes);
  evox_renderer_set_phases (renderer, list, TRUE, FALSE);
  g_assert_cmpuint (changes, ==, 1);
  g_assert_true (evox_renderer_get_phases (renderer) == list);
  before = evox_test_render (renderer, 64, 64, FALSE);
  _evox_renderer_get_uploads (renderer, &uploads);
  g_assert_cmpuint (uploads.volume, ==, 1);
  g_assert_cmpuint (uploads.phases, ==, 1);

  /* The upper edge of the first phase moves from 98 to 122: row 4 turns red. */
  changes = 0;
  evox_phase_set_range (phase, 53, 122);
  g_assert_cmpuint (changes, ==, 1);
  after = evox_test_render (renderer, 64, 64, FALSE);
  specs[0].hi = 122;
  g_assert_cmpuint (assert_phase_image (after, volume, 8, 8, 8, value_slice_z, specs,
                                        G_N_ELEMENTS (specs), FALSE, "viridis",
                                        EVOX_TRANSFER_IDENTITY, 0, 255), ==, 24 + 1 + 8);
  g_assert_false (memcmp (before, after, 64 * 64 * 4) == 0);
  _evox_renderer_get_uploads (renderer, &again);
  g_assert_cmpuint (again.volume, ==, uploads.volume);
  g_assert_cmpuint (again.colormap, ==, uploads.colormap);
  g_assert_cmpuint (again.phases, ==, uploads.phases + 1);

  /* A draw with nothing changed uploads nothing. */
  g_clear_pointer (&before, g_free);
  before = evox_test_render (renderer, 64, 64, FALSE);
  g_assert_cmpmem (before, 64 * 64 * 4, after, 64 * 64 * 4);
  _evox_renderer_get_uploads (renderer, &uploads);
  g_assert_cmpmem (&uploads, sizeof uploads, &again, sizeof again);

  /* Colour, opacity and the list itself are followed too. */
  changes = 0;
  evox_phase_set_color (phase, "#00ffff");
  evox_phase_set_opacity (phase, 1.0);
  evox_phase_list_remove (list, 1);
  g_assert_cmpuint (changes, ==, 3);
  g_clear_pointer (&after, g_free);
  after = evox_test_render (renderer, 64, 64, FALSE);
  specs[0].color = "#00ffff";
  specs[0].opacity = 1.0;
  g_assert_cmpuint (assert_phase_image (after, volume, 8, 8, 8, value_slice_z, specs, 1, FALSE,
                                        "viridis", EVOX_TRANSFER_IDENTITY, 0, 255), ==, 24);
  _evox_renderer_get_uploads (renderer, &again);
  g_assert_cmpuint (again.volume, ==, 1);

  /* While not shown, edits change no frame and say nothing; the table still follows them. */
  evox_renderer_set_phases (renderer, list, FALSE, FALSE);
  changes = 0;
  evox_phase_set_range (phase, 0, 255);
  g_assert_cmpuint (changes, ==, 0);
  evox_renderer_set_phases (renderer, list, TRUE, FALSE);
  g_assert_cmpuint (changes, ==, 1);
  g_clear_pointer (&after, g_free);
  after = evox_test_render (renderer, 64, 64, FALSE);
  specs[0].lo = 0;
  specs[0].hi = 255;
  g_assert_cmpuint (assert_phase_image (after, volume, 8, 8, 8, value_slice_z, specs, 1, FALSE,
                                        "viridis", EVOX_TRANSFER_IDENTITY, 0, 255), ==, 64);

  /* Dropped lists are no longer followed. */
  evox_renderer_set_phases (renderer, NULL, TRUE, FALSE);
  g_assert_null (evox_renderer_get_phases (renderer));
  changes = 0;
  evox_phase_set_range (phase, 1, 2);
  g_assert_cmpuint (changes, ==, 0);

  evox_test_renderer_free (renderer);
}

static void
test_phases_signals (void)
{
  g_autoptr(EvoxPhaseList) list = evox_phase_list_new ();
  g_autoptr(EvoxPhaseList) other = evox_phase_list_new ();
  g_autoptr(EvoxRenderer) renderer = evox_renderer_new ();
  guint changes = 0;

  g_signal_connect (renderer, "changed", G_CALLBACK (count_changes), &changes);

  /* Nothing shown before or after: no change, whatever the list or the hiding. */
  evox_renderer_set_phases (renderer, list, FALSE, FALSE);
  evox_renderer_set_phases (renderer, list, FALSE, TRUE);
  evox_renderer_set_phases (renderer, NULL, TRUE, TRUE);
  g_assert_cmpuint (changes, ==, 0);

  evox_renderer_set_phases (renderer, list, TRUE, FALSE);
  evox_renderer_set_phases (renderer, list, TRUE, FALSE);
  g_assert_cmpuint (changes, ==, 1);
  evox_renderer_set_phases (renderer, list, TRUE, TRUE);
  g_assert_cmpuint (changes, ==, 2);
  evox_renderer_set_phases (renderer, other, TRUE, TRUE);
  g_assert_cmpuint (changes, ==, 3);
  evox_renderer_set_phases (renderer, other, FALSE, TRUE);
  g_assert_cmpuint (changes, ==, 4);

  /* One "changed" per change of the list it shows, none from the one it dropped. */
  evox_renderer_set_phases (renderer, other, TRUE, TRUE);
  changes = 0;
  {
    g_autoptr(EvoxPhase) phase = evox_phase_new ("a", 1, 2, NULL);

    evox_phase_list_append (list, phase);
    g_assert_cmpuint (changes, ==, 0);
    evox_phase_list_append (other, phase);
    g_assert_cmpuint (changes, ==, 1);
    evox_phase_set_name (phase, "b");
    g_assert_cmpuint (changes, ==, 2);
  }
}

/* Colouring stops after EVOX_RENDERER_MAX_PHASES phases, with one warning. */
static void
test_phases_limit (void)
{
  g_autoptr(EvoxVolume) volume = gradient_u8 ();
  g_autoptr(EvoxPhaseList) list = evox_phase_list_new ();
  g_autofree guint8 *pixels = NULL;
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;

  /* Phase p owns exactly value 5 + 3 p: phases 0..31 the 32 voxels of rows 0..3 of slice 5
   * (5..98), phase 32 voxel 101 at the start of row 4. */
  for (guint p = 0; p < EVOX_RENDERER_MAX_PHASES + 2; p++)
    {
      g_autoptr(EvoxPhase) phase = evox_phase_new ("p", 5 + 3 * p, 5 + 3 * p, "#ff00ff");

      evox_phase_set_opacity (phase, 1.0);
      evox_phase_list_append (list, phase);
    }
  /* ... and the last one owns everything: it must be ignored. */
  evox_phase_set_range (evox_phase_list_get_phase (list, EVOX_RENDERER_MAX_PHASES + 1), 0, 255);

  renderer = slice_z_renderer_new (volume, slice_index, 0, 255);
  evox_renderer_set_phases (renderer, list, TRUE, TRUE);

  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "*first 32 of 34 phases*");
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  g_test_assert_expected_messages ();
  /* Rows 0..3 only: phases 32 and 33 are ignored, everything else is hidden. */
  g_assert_cmpuint (evox_test_count_not_background (pixels, 64 * 64), ==, 32 * 64);
  assert_background (pixel_at (pixels, 64, 4, 4 * 8 + 4), renderer);

  /* Later uploads do not warn again. */
  evox_phase_set_color (evox_phase_list_get_phase (list, 0), "#00ff00");
  g_clear_pointer (&pixels, g_free);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  g_assert_cmpmem (pixel_at (pixels, 64, 4, 4), 3, ((guint8[3]) { 0, 255, 0 }), 3);

  evox_test_renderer_free (renderer);
}

/* Hidden voxels cannot be picked; the selected particle can. */
static void
test_phases_pick (void)
{
  g_autoptr(EvoxVolume) volume = evox_test_volume_new (9, 7, 5, EVOX_SAMPLE_F32);
  g_autoptr(EvoxRenderer) renderer = evox_renderer_new ();
  g_autoptr(EvoxPhaseList) list = evox_phase_list_new ();
  g_autoptr(EvoxPhase) phase = evox_phase_new ("low", 0, 50, NULL);
  float *data = evox_volume_get_data_mut (volume, 0);
  double p[3];

  for (gsize v = 0; v < 9 * 7 * 5; v++)
    data[v] = (float) v;
  evox_phase_list_append (list, phase);
  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_slices (renderer, (guint[3]) { 4, 3, 1 });
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Z);

  /* The centre is voxel (4, 3, 1), value 94. */
  g_assert_true (evox_renderer_pick (renderer, 150, 100, 300, 200, p));
  evox_renderer_set_phases (renderer, list, TRUE, FALSE);
  g_assert_true (evox_renderer_pick (renderer, 150, 100, 300, 200, p));
  evox_renderer_set_phases (renderer, list, TRUE, TRUE);
  g_assert_false (evox_renderer_pick (renderer, 150, 100, 300, 200, p));
  evox_phase_set_range (phase, 94, 94);
  g_assert_true (evox_renderer_pick (renderer, 150, 100, 300, 200, p));
  evox_phase_set_visible (phase, FALSE);
  g_assert_false (evox_renderer_pick (renderer, 150, 100, 300, 200, p));
  evox_renderer_set_phases (renderer, list, FALSE, TRUE);
  g_assert_true (evox_renderer_pick (renderer, 150, 100, 300, 200, p));

  /* Voxel (4, 3, 1) alone as a particle: selected, it shows through the hiding. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxLabels) labels = evox_labels_compute (volume, 0, "one", 94, 94,
                                                        EVOX_CONNECTIVITY_6, 0, NULL, NULL,
                                                        &error);

    g_assert_no_error (error);
    g_assert_cmpuint (evox_labels_get_n_particles (labels), ==, 1);
    evox_renderer_set_phases (renderer, list, TRUE, TRUE);
    evox_renderer_set_labels (renderer, labels);
    g_assert_false (evox_renderer_pick (renderer, 150, 100, 300, 200, p));
    evox_renderer_set_selected_particle (renderer, 1);
    g_assert_true (evox_renderer_pick (renderer, 150, 100, 300, 200, p));
  }
}

/* A stack seen from above in orthographic projection at opacity 1, so the top layer's colours
 * come out unblended; every layer holds the same values, so hidden voxels are holes through all. */
static void
test_phases_stack (void)
{
  g_autoptr(EvoxVolume) volume = small_stack ();
  const PhaseSpec specs[] = {
    { -4.0, -2.5, "#ff0000", 0.6, TRUE },
    { -1.4, -1.0, "#00ff00", 1.0, TRUE },
  };
  g_autoptr(EvoxPhaseList) list = phase_list_new (specs, G_N_ELEMENTS (specs));
  g_autoptr(EvoxLabels) labels = NULL;
  g_autoptr(GError) error = NULL;
  const float highlight[3] = EVOX_RENDERER_HIGHLIGHT_RGB;
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;

  renderer = stack_renderer_from_above (volume);

  labels = evox_labels_compute (volume, 0, "red", specs[0].lo, specs[0].hi,
                                EVOX_CONNECTIVITY_26, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_particles (labels), ==, 1);

  for (guint pass = 0; pass < 3; pass++)
    {
      g_autofree guint8 *pixels = NULL;
      gboolean hide = pass == 1;
      guint tinted = 0, lit = 0;

      evox_renderer_set_phases (renderer, list, TRUE, hide);
      if (pass == 2)
        {
          evox_renderer_set_labels (renderer, labels);
          evox_renderer_set_selected_particle (renderer, 1);
        }
      /* 16 x 12 voxels of 2 nm: 8 pixels a voxel. */
      pixels = evox_test_render (renderer, 128, 96, FALSE);
      for (int j = 0; j < 12; j++)
        for (int i = 0; i < 16; i++)
          {
            const guint8 *p = pixel_at (pixels, 128, i * 8 + 4, j * 8 + 4);
            double value = evox_volume_get_value (volume, 0, i, j, 2);

            if (pass == 2 && specs[0].lo <= value && value <= specs[0].hi)
              {
                for (guint c = 0; c < 3; c++)
                  g_assert_cmpint (p[c], ==, (int) (highlight[c] * 255.0f + 0.5f));
                lit++;
                continue;
              }
            tinted += assert_phase_colour (p, value, specs, G_N_ELEMENTS (specs), hide,
                                           pass == 2 ? EVOX_RENDERER_DIM : 1.0, "viridis",
                                           EVOX_TRANSFER_IDENTITY, -5, -1);
          }
      /* Columns x = 4..9 hold -3.93..-2.6, x = 14 and 15 hold -1.27 and -1. */
      if (pass < 2)
        g_assert_cmpuint (tinted, ==, (6 + 2) * 12);
      else
        {
          g_assert_cmpuint (lit, ==, 6 * 12);
          g_assert_cmpuint (tinted, ==, 2 * 12);
        }
    }

  evox_test_renderer_free (renderer);
}

/* Particles */

/* 8 x 8 x 4 u8, zero but for two blocks: A (x 1..2, y 1..2, z 0..3) of 200 and B (x 5..6,
 * y 4..6, z 1..2) of 100. Raster order of first voxels makes A particle 1 and B particle 2. */
static EvoxVolume *
two_blocks (void)
{
  EvoxVolume *volume = evox_test_volume_new (8, 8, 4, EVOX_SAMPLE_U8);
  guint8 *data = evox_volume_get_data_mut (volume, 0);

  for (gsize k = 0; k < 4; k++)
    for (gsize j = 0; j < 8; j++)
      for (gsize i = 0; i < 8; i++)
        {
          guint8 v = 0;

          if (i >= 1 && i <= 2 && j >= 1 && j <= 2)
            v = 200;
          else if (i >= 5 && i <= 6 && j >= 4 && j <= 6 && k >= 1 && k <= 2)
            v = 100;
          data[(k * 8 + j) * 8 + i] = v;
        }
  return volume;
}

static guint
block_of (gsize i,
          gsize j)
{
  if (i >= 1 && i <= 2 && j >= 1 && j <= 2)
    return 1;
  if (i >= 5 && i <= 6 && j >= 4 && j <= 6)
    return 2;
  return 0;
}

/* Slice z = 1 of two_blocks with `selected` lit and the rest dimmed (none when 0). */
static void
assert_highlight (const guint8    *pixels,
                  EvoxVolume      *volume,
                  guint            selected,
                  const PhaseSpec *specs,
                  guint            n_specs,
                  gboolean         hide)
{
  const float highlight[3] = EVOX_RENDERER_HIGHLIGHT_RGB;
  guint lit = 0;

  for (int j = 0; j < 8; j++)
    for (int i = 0; i < 8; i++)
      {
        const guint8 *p = pixel_at (pixels, 64, i * 8 + 4, j * 8 + 4);

        g_assert_cmpmem (p, 4, pixel_at (pixels, 64, i * 8 + 1, j * 8 + 1), 4);
        if (selected != 0 && block_of (i, j) == selected)
          {
            for (guint c = 0; c < 3; c++)
              g_assert_cmpint (p[c], ==, (int) (highlight[c] * 255.0f + 0.5f));
            g_assert_cmpuint (p[3], ==, 255);
            lit++;
          }
        else
          assert_phase_colour (p, evox_volume_get_value (volume, 0, i, j, 1), specs, n_specs,
                               hide, selected != 0 ? EVOX_RENDERER_DIM : 1.0, "viridis",
                               EVOX_TRANSFER_IDENTITY, 0, 255);
      }
  g_assert_cmpuint (lit, ==, selected == 1 ? 4 : selected == 2 ? 6 : 0);
}

static void
test_particles_highlight (void)
{
  g_autoptr(EvoxVolume) volume = two_blocks ();
  g_autoptr(EvoxLabels) labels = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *pixels = NULL;
  g_autofree guint8 *plain = NULL;
  const PhaseSpec specs[] = { { 150, 255, "#ffffff", 0.5, TRUE } };
  g_autoptr(EvoxPhaseList) list = phase_list_new (specs, 1);
  EvoxRendererUploads uploads;
  EvoxRenderer *renderer;

  labels = evox_labels_compute (volume, 0, "blocks", 1, 255, EVOX_CONNECTIVITY_6, 0, NULL, NULL,
                                &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_particles (labels), ==, 2);
  if (!evox_test_need_gl ())
    return;

  renderer = slice_z_renderer_new (volume, 1, 0, 255);
  plain = evox_test_render (renderer, 64, 64, FALSE);

  /* Labels alone change nothing on screen. */
  evox_renderer_set_labels (renderer, labels);
  g_assert_true (evox_renderer_get_labels (renderer) == labels);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  g_assert_cmpmem (pixels, 64 * 64 * 4, plain, 64 * 64 * 4);
  g_assert_cmpuint (_evox_renderer_get_label_format (renderer), ==, GL_R8UI);

  for (guint selected = 2; selected != G_MAXUINT; selected--)
    {
      evox_renderer_set_selected_particle (renderer, selected);
      g_assert_cmpuint (evox_renderer_get_selected_particle (renderer), ==, selected);
      g_clear_pointer (&pixels, g_free);
      pixels = evox_test_render (renderer, 64, 64, FALSE);
      assert_highlight (pixels, volume, selected, NULL, 0, FALSE);
    }
  g_assert_cmpmem (pixels, 64 * 64 * 4, plain, 64 * 64 * 4);

  /* With phases hiding all but block A, the selected block B shows anyway. */
  evox_renderer_set_phases (renderer, list, TRUE, TRUE);
  evox_renderer_set_selected_particle (renderer, 2);
  g_clear_pointer (&pixels, g_free);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  assert_highlight (pixels, volume, 2, specs, 1, TRUE);

  /* Unrealized and realized again: the label texture is rebuilt, the picture is the same. */
  _evox_renderer_get_uploads (renderer, &uploads);
  g_assert_cmpuint (uploads.labels, ==, 1);
  evox_renderer_unrealize (renderer);
  g_assert_cmpuint (_evox_renderer_get_label_format (renderer), ==, 0);
  g_assert_true (evox_renderer_realize (renderer, &error));
  g_assert_no_error (error);
  g_clear_pointer (&plain, g_free);
  plain = evox_test_render (renderer, 64, 64, FALSE);
  g_assert_cmpmem (pixels, 64 * 64 * 4, plain, 64 * 64 * 4);
  {
    EvoxRendererUploads again;

    _evox_renderer_get_uploads (renderer, &again);
    g_assert_cmpuint (again.labels, ==, uploads.labels + 1);
    g_assert_cmpuint (again.phases, ==, uploads.phases + 1);
    g_assert_cmpuint (again.volume, ==, uploads.volume + 1);
  }

  /* Labels of another shape are not used; NULL clears. */
  {
    g_autoptr(EvoxVolume) other = gradient_u8 ();
    g_autoptr(EvoxLabels) other_labels = evox_labels_compute (other, 0, NULL, 0, 255,
                                                              EVOX_CONNECTIVITY_6, 0, NULL,
                                                              NULL, &error);

    g_assert_no_error (error);
    evox_renderer_set_phases (renderer, NULL, FALSE, FALSE);
    evox_renderer_set_selected_particle (renderer, 1);
    evox_renderer_set_labels (renderer, other_labels);
    g_clear_pointer (&pixels, g_free);
    pixels = evox_test_render (renderer, 64, 64, FALSE);
    assert_highlight (pixels, volume, 0, NULL, 0, FALSE);
    evox_renderer_set_labels (renderer, NULL);
    g_clear_pointer (&pixels, g_free);
    pixels = evox_test_render (renderer, 64, 64, FALSE);
    assert_highlight (pixels, volume, 0, NULL, 0, FALSE);
    g_assert_cmpuint (_evox_renderer_get_label_format (renderer), ==, 0);
  }

  evox_test_renderer_free (renderer);
}

/* Colouring by a property: the voxels of block A (16 voxels, mean 200) and block B (12 voxels,
 * mean 100) take the colour map's ends, the rest its value's colour in grey; the selected particle
 * keeps its highlight and the other is dimmed; None gives the plain picture back. */
static void
test_particles_colour (void)
{
  g_autoptr(EvoxVolume) volume = two_blocks ();
  g_autoptr(EvoxLabels) labels = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *plain = NULL;
  const guint8 (*viridis)[3] = evox_colormap_get_table ("viridis");
  const EvoxParticleColor properties[] = { EVOX_PARTICLE_COLOR_VOXELS,
                                           EVOX_PARTICLE_COLOR_DIAMETER,
                                           EVOX_PARTICLE_COLOR_MEAN };
  const float highlight[3] = EVOX_RENDERER_HIGHLIGHT_RGB;
  EvoxRenderer *renderer;

  labels = evox_labels_compute (volume, 0, "blocks", 1, 255, EVOX_CONNECTIVITY_6, 0, NULL, NULL,
                                &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_particle (labels, 1)->voxels, ==, 16);
  g_assert_cmpuint (evox_labels_get_particle (labels, 2)->voxels, ==, 12);
  if (!evox_test_need_gl ())
    return;

  renderer = slice_z_renderer_new (volume, 1, 0, 255);
  plain = evox_test_render (renderer, 64, 64, FALSE);
  evox_renderer_set_labels (renderer, labels);

  for (guint k = 0; k < G_N_ELEMENTS (properties); k++)
    for (guint selected = 0; selected <= 2; selected++)
      {
        g_autofree guint8 *pixels = NULL;
        double lo, hi;

        g_assert_true (evox_labels_get_color_range (labels, properties[k], &lo, &hi));
        g_assert_cmpfloat (lo, <, hi);
        evox_renderer_set_particle_colors (renderer, properties[k]);
        evox_renderer_set_selected_particle (renderer, selected);
        pixels = evox_test_render (renderer, 64, 64, FALSE);
        for (int j = 0; j < 8; j++)
          for (int i = 0; i < 8; i++)
            {
              const guint8 *p = pixel_at (pixels, 64, i * 8 + 4, j * 8 + 4);
              guint block = block_of (i, j);
              /* A has the larger value of all three properties: the map's top entry. */
              const guint8 *expected = block == 1 ? viridis[255] : viridis[0];
              double dim = selected != 0 ? EVOX_RENDERER_DIM : 1.0;

              if (block != 0 && block == selected)
                for (guint c = 0; c < 3; c++)
                  g_assert_cmpint (p[c], ==, (int) (highlight[c] * 255.0f + 0.5f));
              else if (block != 0)
                for (guint c = 0; c < 3; c++)
                  g_assert_cmpint (abs (p[c] - (int) lround (expected[c] * dim)), <=, 1);
              else
                {
                  const guint8 *q = pixel_at (plain, 64, i * 8 + 4, j * 8 + 4);
                  double grey = (0.2126 * q[0] + 0.7152 * q[1] + 0.0722 * q[2]) * dim;

                  for (guint c = 0; c < 3; c++)
                    g_assert_cmpint (abs (p[c] - (int) lround (grey)), <=, 1);
                }
            }
      }

  /* A distinct colour per particle, as the split preview shows them. */
  {
    g_autofree guint8 *pixels = NULL;
    g_autofree guint8 *table = NULL;
    gsize n = 0;

    evox_renderer_set_selected_particle (renderer, 0);
    evox_renderer_set_particle_colors (renderer, EVOX_PARTICLE_COLOR_ID);
    table = evox_labels_dup_colors (labels, EVOX_PARTICLE_COLOR_ID, "viridis", &n);
    g_assert_cmpuint (n, ==, 3);
    g_assert_cmpuint (table[3], ==, 0);
    pixels = evox_test_render (renderer, 64, 64, FALSE);
    g_assert_cmpmem (pixel_at (pixels, 64, 1 * 8 + 4, 1 * 8 + 4), 3, table + 4, 3);
    g_assert_cmpmem (pixel_at (pixels, 64, 5 * 8 + 4, 4 * 8 + 4), 3, table + 8, 3);
    g_assert_true (memcmp (table + 4, table + 8, 3) != 0);
  }

  evox_renderer_set_particle_colors (renderer, EVOX_PARTICLE_COLOR_NONE);
  {
    g_autofree guint8 *pixels = evox_test_render (renderer, 64, 64, FALSE);

    g_assert_cmpmem (pixels, 64 * 64 * 4, plain, 64 * 64 * 4);
  }
  evox_test_renderer_free (renderer);
}

/* Isolated voxels at even coordinates: more labels than 8 or 16 bits hold. The last particle's
 * id has zero low bits, so a truncated texture would show the wrong voxel. */
static void
test_particles_formats (void)
{
  const struct
  {
    gsize  n[3];
    GLenum format;
  } cases[] = {
    { { 64, 64, 8 }, GL_R16UI },     /* 32 * 32 * 4 = 4096 particles */
    { { 128, 128, 32 }, GL_R32UI },  /* 64 * 64 * 16 = 65536 particles */
  };
  const float highlight[3] = EVOX_RENDERER_HIGHLIGHT_RGB;
  guint8 lit[3];

  if (!evox_test_need_gl ())
    return;

  for (guint c = 0; c < 3; c++)
    lit[c] = (guint8) (highlight[c] * 255.0f + 0.5f);

  for (guint t = 0; t < G_N_ELEMENTS (cases); t++)
    {
      gsize nx = cases[t].n[0], ny = cases[t].n[1], nz = cases[t].n[2];
      g_autoptr(EvoxVolume) volume = evox_test_volume_new (nx, ny, nz, EVOX_SAMPLE_U8);
      guint8 *data = evox_volume_get_data_mut (volume, 0);
      g_autoptr(EvoxLabels) labels = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *pixels = NULL;
      guint32 last = (guint32) ((nx / 2) * (ny / 2) * (nz / 2));
      EvoxRenderer *renderer;

      for (gsize k = 0; k < nz; k++)
        for (gsize j = 0; j < ny; j++)
          for (gsize i = 0; i < nx; i++)
            data[(k * ny + j) * nx + i] = i % 2 == 0 && j % 2 == 0 && k % 2 == 0 ? 1 : 0;
      labels = evox_labels_compute (volume, 0, NULL, 1, 1, EVOX_CONNECTIVITY_26, 0, NULL, NULL,
                                    &error);
      g_assert_no_error (error);
      g_assert_cmpuint (evox_labels_get_n_particles (labels), ==, last);

      renderer = slice_z_renderer_new (volume, (guint) nz - 2, 0, 1);
      evox_renderer_set_labels (renderer, labels);
      evox_renderer_set_selected_particle (renderer, last);
      /* 2 pixels a voxel. */
      pixels = evox_test_render (renderer, 2 * (int) nx, 2 * (int) ny, FALSE);
      g_assert_cmpuint (_evox_renderer_get_label_format (renderer), ==, cases[t].format);
      g_assert_cmpuint (count_colour (pixels, 4 * nx * ny, lit), ==, 4);
      g_assert_cmpmem (pixel_at (pixels, 2 * (int) nx, 2 * (int) nx - 4, 2 * (int) ny - 4), 3,
                       lit, 3);
      evox_test_renderer_free (renderer);
    }
}

static void
test_particles_signals (void)
{
  g_autoptr(EvoxVolume) volume = two_blocks ();
  g_autoptr(EvoxRenderer) renderer = evox_renderer_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxLabels) labels = evox_labels_compute (volume, 0, NULL, 1, 255,
                                                      EVOX_CONNECTIVITY_6, 0, NULL, NULL,
                                                      &error);
  guint changes = 0;

  g_assert_no_error (error);
  evox_renderer_set_volume (renderer, volume, 0);
  g_signal_connect (renderer, "changed", G_CALLBACK (count_changes), &changes);

  /* A selection without labels, or labels without a selection, shows nothing new. */
  evox_renderer_set_selected_particle (renderer, 2);
  evox_renderer_set_selected_particle (renderer, 0);
  evox_renderer_set_labels (renderer, labels);
  evox_renderer_set_labels (renderer, labels);
  g_assert_cmpuint (changes, ==, 0);
  evox_renderer_set_selected_particle (renderer, 1);
  evox_renderer_set_selected_particle (renderer, 1);
  g_assert_cmpuint (changes, ==, 1);
  evox_renderer_set_labels (renderer, NULL);
  g_assert_cmpuint (changes, ==, 2);
  g_assert_null (evox_renderer_get_labels (renderer));

  /* Colouring shows only with labels; then new labels change the picture too. */
  evox_renderer_set_selected_particle (renderer, 0);
  changes = 0;
  evox_renderer_set_particle_colors (renderer, EVOX_PARTICLE_COLOR_DIAMETER);
  evox_renderer_set_particle_colors (renderer, EVOX_PARTICLE_COLOR_DIAMETER);
  g_assert_cmpint (evox_renderer_get_particle_colors (renderer), ==,
                   EVOX_PARTICLE_COLOR_DIAMETER);
  g_assert_cmpuint (changes, ==, 0);
  evox_renderer_set_labels (renderer, labels);
  g_assert_cmpuint (changes, ==, 1);
  evox_renderer_set_particle_colors (renderer, EVOX_PARTICLE_COLOR_ID);
  g_assert_cmpuint (changes, ==, 2);
}

static void
test_particles_too_large (void)
{
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxLabels) labels = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *pixels = NULL;
  EvoxRenderer *renderer;
  GLint max_size = 0;

  if (!evox_test_need_gl ())
    return;

  glGetIntegerv (GL_MAX_3D_TEXTURE_SIZE, &max_size);
  /* 64 wide, so the z slice's strip is a few pixels wide. */
  volume = evox_test_volume_new (64, (gsize) max_size + 1, 2, EVOX_SAMPLE_U8);
  labels = evox_labels_compute (volume, 0, NULL, 0, 0, EVOX_CONNECTIVITY_6, 0, NULL, NULL,
                                &error);
  g_assert_no_error (error);
  renderer = evox_test_renderer_new_realized ();
  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_labels (renderer, labels);
  evox_renderer_set_selected_particle (renderer, 1);
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Z);

  /* The volume is drawn from bricks, and the labels, as large, in tiles beside its own (no
   * texture of the whole volume): the one particle, every voxel, in the highlight colour. */
  pixels = evox_test_render (renderer, 200, 100, FALSE);
  g_assert_true (_evox_renderer_is_bricked (renderer));
  g_assert_cmpuint (_evox_renderer_get_label_format (renderer), ==, 0);
  {
    gsize highlighted = 0;

    for (gsize i = 0; i < 200 * 100; i++)
      highlighted += pixels[4 * i] == 255 && pixels[4 * i + 1] == 0 && pixels[4 * i + 2] == 255;
    g_assert_cmpuint (highlighted, >, 50);
  }

  evox_test_renderer_free (renderer);
}

/* The demo stack with three phases over its decades; EVOX_TEST_DUMP=dir keeps the pictures. */
static void
test_phases_demo (void)
{
  g_autoptr(EvoxVolume) volume = evox_demo_volume_new (10.0);
  const EvoxStats *stats = evox_volume_get_stats (volume, 0);
  const char *colors[3] = { "#1f77b4", "#ff7f0e", "#d62728" };
  g_autoptr(EvoxPhaseList) list = evox_phase_list_new ();
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;

  /* Three phases over the lower, middle and upper thirds of the range, at full opacity so their
   * colours can be counted; a gap between the last two. */
  for (guint p = 0; p < 3; p++)
    {
      double step = (stats->max - stats->min) / 3;
      g_autoptr(EvoxPhase) phase = evox_phase_new ("p", stats->min + p * step,
                                                   stats->min + (p + (p == 1 ? 0.6 : 1)) * step,
                                                   colors[p]);

      evox_phase_set_opacity (phase, p == 0 ? 1.0 : 0.7);
      evox_phase_list_append (list, phase);
    }

  renderer = evox_test_renderer_new_realized ();
  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_mapping (renderer, EVOX_MAPPING_LOG);
  evox_renderer_set_phases (renderer, list, TRUE, FALSE);
  for (guint v = 0; v < 3; v++)
    {
      const EvoxView views[3] = { EVOX_VIEW_SLICES, EVOX_VIEW_STACK, EVOX_VIEW_SLICE_Z };
      g_autofree guint8 *pixels = NULL;
      guint8 first[3];
      guint rgb[3];

      evox_renderer_set_view (renderer, views[v]);
      evox_renderer_set_phases (renderer, list, TRUE, views[v] == EVOX_VIEW_STACK);
      pixels = evox_test_render (renderer, 800, 600, FALSE);
      parse_color (colors[0], rgb);
      for (guint c = 0; c < 3; c++)
        first[c] = (guint8) rgb[c];
      if (views[v] != EVOX_VIEW_STACK)
        g_assert_cmpuint (count_colour (pixels, 800 * 600, first), >, 1000);
      g_assert_cmpuint (evox_test_count_not_background (pixels, 800 * 600), >, 800 * 600 / 10);
      dump_picture ("demo-phases", views[v], pixels);
    }
  evox_test_renderer_free (renderer);
}

/* Surfaces */

/* The test's volume for surfaces: 32^3 voxels of 10 nm, so the box spans -5..315 nm and the
 * middle slices (index 16) lie at 160 nm; u8 `value` everywhere (shown grey), or NaN (f32, no
 * slice drawn) when value is negative. */
#define SURFACE_DIM 32
#define SURFACE_SPACING 10.0

static EvoxVolume *
surface_volume_new (int value)
{
  EvoxVolume *volume;

  if (value < 0)
    {
      float *data;

      volume = evox_test_volume_new (SURFACE_DIM, SURFACE_DIM, SURFACE_DIM, EVOX_SAMPLE_F32);
      data = evox_volume_get_data_mut (volume, 0);
      for (gsize i = 0; i < SURFACE_DIM * SURFACE_DIM * SURFACE_DIM; i++)
        data[i] = NAN;
    }
  else
    {
      volume = evox_test_volume_new (SURFACE_DIM, SURFACE_DIM, SURFACE_DIM, EVOX_SAMPLE_U8);
      memset (evox_volume_get_data_mut (volume, 0), value, SURFACE_DIM * SURFACE_DIM * SURFACE_DIM);
    }
  evox_volume_set_spacing (volume, (double[3]) { SURFACE_SPACING, SURFACE_SPACING,
                                                 SURFACE_SPACING });
  return volume;
}

/* A UV sphere around centre with its poles on the z axis: n_lat bands of n_lon quads, exact unit
 * normals, every triangle turned counter-clockwise seen from outside. With colored, vertices with
 * x < centre are red and the others green. */
static EvoxMesh *
sphere_mesh_new (const double centre[3],
                 double       radius,
                 guint        n_lat,
                 guint        n_lon,
                 gboolean     colored)
{
  gsize n_vertices = 2 + (gsize) (n_lat - 1) * n_lon;
  gsize n_triangles = 2 * (gsize) n_lon * (n_lat - 1);
  float *positions = g_new (float, 3 * n_vertices);
  float *normals = g_new (float, 3 * n_vertices);
  guint8 *colors = colored ? g_new (guint8, 4 * n_vertices) : NULL;
  guint32 *triangles = g_new (guint32, 3 * n_triangles);
  gsize v = 0, t = 0;
  guint32 last = (guint32) n_vertices - 1;

  for (guint i = 0; i <= n_lat; i++)
    for (guint j = 0; j < ((i == 0 || i == n_lat) ? 1 : n_lon); j++)
      {
        double theta = G_PI * i / n_lat, phi = 2 * G_PI * j / n_lon;
        double n[3] = { sin (theta) * cos (phi), sin (theta) * sin (phi), -cos (theta) };

        for (guint k = 0; k < 3; k++)
          {
            positions[3 * v + k] = (float) (centre[k] + radius * n[k]);
            normals[3 * v + k] = (float) n[k];
          }
        if (colors != NULL)
          {
            gboolean left = n[0] < 0;

            memcpy (colors + 4 * v, left ? (guint8[4]) { 255, 0, 0, 255 }
                                         : (guint8[4]) { 0, 255, 0, 255 }, 4);
          }
        v++;
      }
  g_assert_cmpuint (v, ==, n_vertices);

  /* Ring i (1 .. n_lat - 1) starts at vertex 1 + (i - 1) n_lon. */
  for (guint j = 0; j < n_lon; j++)
    {
      guint32 a = 1 + j, b = 1 + (j + 1) % n_lon;
      guint32 c = 1 + (n_lat - 2) * n_lon + j, d = 1 + (n_lat - 2) * n_lon + (j + 1) % n_lon;

      memcpy (triangles + 3 * t++, (guint32[3]) { 0, a, b }, 12);
      memcpy (triangles + 3 * t++, (guint32[3]) { last, d, c }, 12);
    }
  for (guint i = 1; i + 1 < n_lat; i++)
    for (guint j = 0; j < n_lon; j++)
      {
        guint32 a = 1 + (i - 1) * n_lon + j, b = 1 + (i - 1) * n_lon + (j + 1) % n_lon;
        guint32 c = a + n_lon, d = b + n_lon;

        memcpy (triangles + 3 * t++, (guint32[3]) { a, c, d }, 12);
        memcpy (triangles + 3 * t++, (guint32[3]) { a, d, b }, 12);
      }
  g_assert_cmpuint (t, ==, n_triangles);

  /* Whatever the loops above did, make every triangle face out. */
  for (t = 0; t < n_triangles; t++)
    {
      guint32 *tri = triangles + 3 * t;
      double e1[3], e2[3], cross[3], mid[3], dot = 0;

      for (guint k = 0; k < 3; k++)
        {
          e1[k] = positions[3 * tri[1] + k] - positions[3 * tri[0] + k];
          e2[k] = positions[3 * tri[2] + k] - positions[3 * tri[0] + k];
          mid[k] = (positions[3 * tri[0] + k] + positions[3 * tri[1] + k] +
                    positions[3 * tri[2] + k]) / 3.0 - centre[k];
        }
      cross[0] = e1[1] * e2[2] - e1[2] * e2[1];
      cross[1] = e1[2] * e2[0] - e1[0] * e2[2];
      cross[2] = e1[0] * e2[1] - e1[1] * e2[0];
      for (guint k = 0; k < 3; k++)
        dot += cross[k] * mid[k];
      if (dot < 0)
        {
          guint32 swap = tri[1];

          tri[1] = tri[2];
          tri[2] = swap;
        }
    }
  return evox_mesh_new_take (positions, normals, colors, n_vertices, triangles, n_triangles,
                             TRUE);
}

/* The inscribed radius of sphere_mesh_new's polyhedron is at least this share of the radius. */
static double
sphere_inner_share (guint n_lat,
                    guint n_lon)
{
  return cos (G_PI / n_lon) * cos (G_PI / n_lat);
}

/* A ready surface of mesh, "#rrggbb" and opacity, as a finished build leaves it. */
static EvoxSurface *
surface_with_mesh (EvoxMesh   *mesh,
                   const char *color,
                   double      opacity)
{
  EvoxSurfaceSpec spec = { .kind = EVOX_SURFACE_LEVEL, .level = 1.0 };
  EvoxSurface *surface = evox_surface_new ("sphere", &spec, color);

  evox_surface_set_opacity (surface, opacity);
  _evox_surface_begin_build (surface, NULL);
  _evox_surface_end_build (surface, mesh, NULL);
  g_assert_true (evox_surface_get_mesh (surface) == mesh);
  return surface;
}

/* A realized renderer on volume (grey colour map over 0..255) drawing surfaces. */
static EvoxRenderer *
surface_renderer_new (EvoxVolume      *volume,
                      EvoxSurfaceList *surfaces)
{
  EvoxRenderer *renderer = evox_test_renderer_new_realized ();

  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_colormap (renderer, "grey");
  evox_renderer_set_range (renderer, 0, 255);
  evox_renderer_set_surfaces (renderer, surfaces);
  g_assert_true (evox_renderer_get_surfaces (renderer) == surfaces);
  return renderer;
}

/* Slices at the box's faces, the z slice at the far one: seen along +z or nearly so, no slice
 * or outline lies in front of a surface in the middle. */
static void
slices_to_faces (EvoxRenderer *renderer)
{
  evox_renderer_set_slices (renderer, (guint[3]) { 0, 0, SURFACE_DIM - 1 });
}

/* With EVOX_TEST_DUMP=dir, keeps a picture as raw RGBA in dir/NAME-WxH.rgba. */
static void
dump_rgba (const char   *name,
           const guint8 *pixels,
           int           width,
           int           height)
{
  const char *dump = g_getenv ("EVOX_TEST_DUMP");
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;

  if (dump == NULL)
    return;
  file = g_strdup_printf ("%s-%dx%d.rgba", name, width, height);
  path = g_build_filename (dump, file, NULL);
  g_assert_true (g_file_set_contents (path, (const char *) pixels, (gssize) width * height * 4,
                                      NULL));
}

/* Rays through window points, from the inverse of the camera's projection * view. */
typedef struct
{
  mat4 inverse;
  int  width;
  int  height;
} RayCaster;

static void
ray_caster_init (RayCaster  *caster,
                 EvoxCamera *camera,
                 int         width,
                 int         height)
{
  float view_values[16], projection_values[16];
  mat4 view, projection, mvp;

  evox_camera_get_matrices (camera, width, height, view_values, projection_values);
  memcpy (view, view_values, sizeof view);
  memcpy (projection, projection_values, sizeof projection);
  glm_mat4_mul (projection, view, mvp);
  glm_mat4_inv (mvp, caster->inverse);
  caster->width = width;
  caster->height = height;
}

/* The world-space ray through window point (x, y) (pixels, y down): a point on the near plane
 * and the unit direction away from the eye. */
static void
cast_ray (const RayCaster *caster,
          double           x,
          double           y,
          double           origin[3],
          double           dir[3])
{
  vec4 ndc_near = { (float) (2.0 * x / caster->width - 1.0),
                    (float) (1.0 - 2.0 * y / caster->height), -1.0f, 1.0f };
  vec4 ndc_far = { ndc_near[0], ndc_near[1], 1.0f, 1.0f };
  vec4 near, far;
  mat4 inverse;
  double length = 0;

  memcpy (inverse, caster->inverse, sizeof inverse);
  glm_mat4_mulv (inverse, ndc_near, near);
  glm_mat4_mulv (inverse, ndc_far, far);
  for (guint k = 0; k < 3; k++)
    {
      origin[k] = near[k] / near[3];
      dir[k] = far[k] / far[3] - origin[k];
      length += dir[k] * dir[k];
    }
  for (guint k = 0; k < 3; k++)
    dir[k] /= sqrt (length);
}

/* Distance from centre to the line of the ray, in the mesh's frame: world z divided by the
 * exaggeration, where the sphere is round. */
static double
ray_distance (const double origin[3],
              const double dir[3],
              const double centre[3],
              double       exaggeration)
{
  double o[3] = { origin[0], origin[1], origin[2] / exaggeration };
  double d[3] = { dir[0], dir[1], dir[2] / exaggeration };
  double dd = d[0] * d[0] + d[1] * d[1] + d[2] * d[2], t = 0, dist = 0;

  for (guint k = 0; k < 3; k++)
    t += (centre[k] - o[k]) * d[k] / dd;
  for (guint k = 0; k < 3; k++)
    {
      double e = o[k] + t * d[k] - centre[k];

      dist += e * e;
    }
  return sqrt (dist);
}

/* Largest and smallest ray distance over the four corners of the 3 x 3 pixel square around pixel
 * (x, y): a pixel whose square lies inside the projected disc (convex) is at least 1.5 px from
 * its edge. */
static void
pixel_distances (const RayCaster *caster,
                 int              x,
                 int              y,
                 const double     centre[3],
                 double           exaggeration,
                 double          *nearest,
                 double          *farthest)
{
  *nearest = G_MAXDOUBLE;
  *farthest = 0;
  for (guint c = 0; c < 4; c++)
    {
      double origin[3], dir[3], d;

      cast_ray (caster, x + 0.5 + (c & 1 ? 1.5 : -1.5), y + 0.5 + (c & 2 ? 1.5 : -1.5),
                origin, dir);
      d = ray_distance (origin, dir, centre, exaggeration);
      *nearest = MIN (*nearest, d);
      *farthest = MAX (*farthest, d);
    }
}

/* Lit magenta (#ff00ff): red equals blue, and green (the specular part alone) stays well below. */
static gboolean
is_magenta (const guint8 *p)
{
  return abs (p[0] - p[2]) <= 2 && p[0] - p[1] > 40;
}

static int
brightness (const guint8 *p)
{
  return p[0] + p[1] + p[2];
}

static void
assert_no_gl_error (void)
{
  g_assert_cmphex (glGetError (), ==, GL_NO_ERROR);
}

/* Every pixel at least 1.5 px inside the analytic outline of an opaque sphere shows the surface,
 * every pixel 1.5 px outside it shows background or slices, with the z exaggeration applied to
 * the surface as to the slices; the headlight makes the middle brighter than the rim. */
static void
test_surfaces_silhouette (void)
{
  const int width = 240, height = 180;
  const guint n_lat = 48, n_lon = 96;
  const double centre[3] = { 160, 160, 160 }, radius = 60;
  g_autoptr(EvoxVolume) volume = surface_volume_new (128);
  g_autoptr(EvoxMesh) mesh = sphere_mesh_new (centre, radius, n_lat, n_lon, FALSE);
  g_autoptr(EvoxSurfaceList) surfaces = evox_surface_list_new ();
  g_autoptr(EvoxSurface) surface = surface_with_mesh (mesh, "#ff00ff", 1.0);
  const double exaggerations[2] = { 1.0, 2.5 };
  EvoxRenderer *renderer;
  EvoxCamera *camera;

  if (!evox_test_need_gl ())
    return;

  evox_surface_list_append (surfaces, surface);
  renderer = surface_renderer_new (volume, surfaces);
  slices_to_faces (renderer);
  camera = evox_renderer_get_camera (renderer);

  for (guint e = 0; e < G_N_ELEMENTS (exaggerations); e++)
    {
      g_autofree guint8 *pixels = NULL;
      g_autofree char *name = NULL;
      RayCaster caster;
      double world_centre[3] = { centre[0], centre[1], centre[2] * exaggerations[e] };
      double pixel[2], rim_share = 0;
      guint inside = 0, outside = 0;
      const guint8 *middle, *rim = NULL;

      evox_renderer_set_z_exaggeration (renderer, exaggerations[e]);
      evox_camera_look_along (camera, 2);
      evox_camera_set_orthographic (camera, FALSE);
      evox_camera_orbit (camera, 30, 25);
      evox_camera_set_center (camera, world_centre);
      evox_camera_zoom_at (camera, 2.0, width / 2.0, height / 2.0, width, height);
      pixels = evox_test_render (renderer, width, height, FALSE);
      assert_no_gl_error ();
      name = g_strdup_printf ("surface-silhouette-%g", exaggerations[e]);
      dump_rgba (name, pixels, width, height);

      ray_caster_init (&caster, camera, width, height);
      for (int y = 1; y < height - 1; y++)
        for (int x = 1; x < width - 1; x++)
          {
            const guint8 *p = pixel_at (pixels, width, x, y);
            double nearest, farthest;

            pixel_distances (&caster, x, y, centre, exaggerations[e], &nearest, &farthest);
            if (farthest < radius * sphere_inner_share (n_lat, n_lon))
              {
                if (!is_magenta (p))
                  g_error ("exaggeration %g: pixel (%d, %d) inside the sphere's outline is "
                           "%u,%u,%u", exaggerations[e], x, y, p[0], p[1], p[2]);
                inside++;
                /* The rim: the inside pixel farthest out. */
                if (nearest / radius > rim_share)
                  {
                    rim_share = nearest / radius;
                    rim = p;
                  }
              }
            else if (nearest > radius)
              {
                if (is_magenta (p))
                  g_error ("exaggeration %g: pixel (%d, %d) outside the sphere's outline is "
                           "%u,%u,%u", exaggerations[e], x, y, p[0], p[1], p[2]);
                outside++;
              }
          }
      g_test_message ("exaggeration %g: %u pixels inside, %u outside", exaggerations[e], inside,
                      outside);
      g_assert_cmpuint (inside, >, 1000);
      g_assert_cmpuint (outside, >, 10000);

      /* The middle faces the eye: full diffuse and the whole specular highlight (0.25 of white,
       * which is all the green magenta gets); the rim gets ambient light and little else. */
      project (camera, world_centre, width, height, pixel);
      middle = pixel_at (pixels, width, (int) pixel[0], (int) pixel[1]);
      g_assert_cmpuint (middle[0], ==, 255);
      g_assert_cmpint (middle[1], >=, 55);
      g_assert_cmpint (middle[1], <=, 66);
      g_assert_nonnull (rim);
      g_assert_cmpint (brightness (middle), >, brightness (rim) + 150);
    }

  evox_test_renderer_free (renderer);
}

/* Surfaces show in the 3D views and not in the 2D slice views; a transparent export keeps them
 * opaque. */
static void
test_surfaces_views (void)
{
  const int width = 160, height = 120;
  const double centre[3] = { 160, 160, 160 };
  g_autoptr(EvoxVolume) volume = surface_volume_new (-1);
  g_autoptr(EvoxMesh) mesh = sphere_mesh_new (centre, 60, 24, 48, FALSE);
  g_autoptr(EvoxSurfaceList) surfaces = evox_surface_list_new ();
  g_autoptr(EvoxSurface) surface = surface_with_mesh (mesh, "#ff00ff", 1.0);
  const EvoxView views[4] = {
    EVOX_VIEW_SLICES, EVOX_VIEW_STACK, EVOX_VIEW_SLICE_X, EVOX_VIEW_SLICE_Z
  };
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;

  evox_surface_list_append (surfaces, surface);
  renderer = surface_renderer_new (volume, surfaces);
  for (guint v = 0; v < G_N_ELEMENTS (views); v++)
    {
      g_autofree guint8 *opaque = NULL;
      g_autofree guint8 *clear = NULL;
      double pixel[2];
      const guint8 *p, *q;
      guint n_magenta = 0;

      evox_renderer_set_view (renderer, views[v]);
      opaque = evox_test_render (renderer, width, height, FALSE);
      clear = evox_test_render (renderer, width, height, TRUE);
      assert_no_gl_error ();
      for (gsize i = 0; i < (gsize) width * height; i++)
        if (is_magenta (opaque + 4 * i))
          n_magenta++;
      if (views[v] == EVOX_VIEW_SLICE_X || views[v] == EVOX_VIEW_SLICE_Z)
        {
          g_assert_cmpuint (n_magenta, ==, 0);
          continue;
        }
      g_assert_cmpuint (n_magenta, >, 200);

      /* The sphere's middle: the same colour at alpha 255 over a transparent background. */
      project (evox_renderer_get_camera (renderer), centre, width, height, pixel);
      p = pixel_at (opaque, width, (int) pixel[0], (int) pixel[1]);
      q = pixel_at (clear, width, (int) pixel[0], (int) pixel[1]);
      g_assert_true (is_magenta (p));
      g_assert_cmpmem (p, 4, q, 4);
      g_assert_cmpuint (q[3], ==, 255);
      /* A corner stays transparent. */
      g_assert_cmpuint (pixel_at (clear, width, 1, 1)[3], ==, 0);
    }
  evox_test_renderer_free (renderer);
}

/* The lit colour of a layer seen head on (normal toward the eye): ambient + diffuse + the full
 * specular highlight, darker on the inside. */
static double
head_on (double channel,
         gboolean front)
{
  return MIN ((front ? 1.0 : 0.7) * (channel * (0.25 + 0.75) + 0.25), 1.0);
}

/* The depth weight mesh.frag documents, on t = 0 at the nearest point of the box, 1 at the
 * farthest. */
static double
depth_weight (double t)
{
  double s = 1.0 - CLAMP (t, 0.0, 1.0);

  return CLAMP (100.0 * s * s * s, 0.01, 100.0);
}

/* Two translucent spheres, one partly inside the other, looked at along their common axis: four
 * layers on the middle ray, interleaved (front of A, front of B, back of A, back of B). The
 * picture does not depend on the list's order, and equals weighted blended OIT's equation
 * computed here from the analytic layers:
 *
 *   colour = sum (c_i a_i w_i) / sum (a_i w_i),  alpha = 1 - prod (1 - a_i)
 *
 * within 3/255: the 8-bit result and its unpremultiplication (1/255 at alpha 239), half-float
 * sums (relative 2^-11), and the tessellated normals half a pixel from the pole (the specular
 * term moves by under 1/255). An opaque sphere in front hides both exactly: the translucent
 * pass shares the opaque depth. */
static void
test_surfaces_translucent (void)
{
  const int size = 101;
  const double radius = 60, offset = 30, alpha = 0.5;
  const double centre_a[3] = { 160, 160, 160 - offset }, centre_b[3] = { 160, 160, 160 + offset };
  const guint8 colour_a[3] = { 153, 26, 26 }, colour_b[3] = { 26, 51, 179 };
  g_autoptr(EvoxVolume) volume = surface_volume_new (-1);
  g_autoptr(EvoxMesh) mesh_a = sphere_mesh_new (centre_a, radius, 48, 96, FALSE);
  g_autoptr(EvoxMesh) mesh_b = sphere_mesh_new (centre_b, radius, 48, 96, FALSE);
  g_autoptr(EvoxSurfaceList) ab = evox_surface_list_new ();
  g_autoptr(EvoxSurfaceList) ba = evox_surface_list_new ();
  g_autoptr(EvoxSurface) a = surface_with_mesh (mesh_a, "#991a1a", alpha);
  g_autoptr(EvoxSurface) b = surface_with_mesh (mesh_b, "#1a33b3", alpha);
  g_autofree guint8 *first = NULL;
  g_autofree guint8 *second = NULL;
  g_autofree guint8 *opaque_bg = NULL;
  EvoxRenderer *renderer;
  EvoxCamera *camera;
  const double layer_z[4] = { centre_a[2] - radius, centre_b[2] - radius,
                              centre_a[2] + radius, centre_b[2] + radius };
  const gboolean layer_front[4] = { TRUE, TRUE, FALSE, FALSE };
  const guint8 *layer_colour[4] = { colour_a, colour_b, colour_a, colour_b };
  double sum[3] = { 0, 0, 0 }, weights = 0, over[3] = { 0, 0, 0 }, through = 1, coverage;
  double box_near = -0.5 * SURFACE_SPACING, box_far = (SURFACE_DIM - 0.5) * SURFACE_SPACING;
  const guint8 *p, *q;
  float background[4] = { 0.16f, 0.16f, 0.17f, 1.0f };

  if (!evox_test_need_gl ())
    return;

  evox_surface_list_append (ab, a);
  evox_surface_list_append (ab, b);
  evox_surface_list_append (ba, b);
  evox_surface_list_append (ba, a);
  renderer = surface_renderer_new (volume, ab);
  slices_to_faces (renderer);
  camera = evox_renderer_get_camera (renderer);
  /* Along +z, orthographic: every layer on the middle ray faces the eye. */
  evox_camera_look_along (camera, 2);
  evox_camera_set_center (camera, (double[3]) { 160, 160, 160 });

  first = evox_test_render (renderer, size, size, TRUE);
  opaque_bg = evox_test_render (renderer, size, size, FALSE);
  evox_renderer_set_surfaces (renderer, ba);
  second = evox_test_render (renderer, size, size, TRUE);
  assert_no_gl_error ();
  dump_rgba ("surface-translucent", opaque_bg, size, size);

  for (gsize i = 0; i < (gsize) size * size * 4; i++)
    if (abs (first[i] - second[i]) > 2)
      g_error ("byte %" G_GSIZE_FORMAT " (pixel %d, %d) depends on the list's order: %u, %u",
               i, (int) (i / 4 % size), (int) (i / 4 / size), first[i], second[i]);

  /* The expected blend on the middle ray. */
  for (guint l = 0; l < 4; l++)
    {
      double w = depth_weight ((layer_z[l] - box_near) / (box_far - box_near));

      for (guint c = 0; c < 3; c++)
        {
          double lit = head_on (layer_colour[l][c] / 255.0, layer_front[l]);

          sum[c] += lit * alpha * w;
          over[c] += through * alpha * lit;
        }
      weights += alpha * w;
      through *= 1 - alpha;
    }
  coverage = 1 - through;
  p = pixel_at (first, size, size / 2, size / 2);
  q = pixel_at (opaque_bg, size, size / 2, size / 2);
  g_test_message ("middle: drew %u,%u,%u,%u; OIT gives %.1f,%.1f,%.1f,%.1f; strict order "
                  "would give %.1f,%.1f,%.1f", p[0], p[1], p[2], p[3], 255 * sum[0] / weights,
                  255 * sum[1] / weights, 255 * sum[2] / weights, 255 * coverage,
                  255 * over[0] / coverage, 255 * over[1] / coverage, 255 * over[2] / coverage);
  g_assert_cmpfloat (fabs (p[3] - 255 * coverage), <=, 2);
  for (guint c = 0; c < 3; c++)
    {
      double straight = sum[c] / weights;
      double composited = straight * coverage + background[c] * (1 - coverage);

      g_assert_cmpfloat (fabs (p[c] - 255 * straight), <=, 3);
      g_assert_cmpfloat (fabs (q[c] - 255 * composited), <=, 3);
    }
  g_assert_cmpuint (q[3], ==, 255);

  /* An opaque sphere in front of both: its own colour, nothing of the translucent ones. */
  {
    const double centre_o[3] = { 160, 160, 40 };
    g_autoptr(EvoxMesh) mesh_o = sphere_mesh_new (centre_o, 20, 24, 48, FALSE);
    g_autoptr(EvoxSurface) o = surface_with_mesh (mesh_o, "#336633", 1.0);
    g_autofree guint8 *hidden = NULL;

    evox_surface_list_append (ba, o);
    hidden = evox_test_render (renderer, size, size, TRUE);
    assert_no_gl_error ();
    p = pixel_at (hidden, size, size / 2, size / 2);
    g_assert_cmpint (abs (p[0] - (int) round (255 * head_on (0x33 / 255.0, TRUE))), <=, 1);
    g_assert_cmpint (abs (p[1] - (int) round (255 * head_on (0x66 / 255.0, TRUE))), <=, 1);
    g_assert_cmpint (abs (p[2] - (int) round (255 * head_on (0x33 / 255.0, TRUE))), <=, 1);
    g_assert_cmpuint (p[3], ==, 255);
  }

  evox_test_renderer_free (renderer);
}

/* What the ray from origin along dir meets first in the three-slice view of a sphere clipped by
 * the camera's octant, from geometry alone: 1 the sphere, 0 something else (a slice, the
 * background), -1 too close to an edge (within margin nm of the sphere's outline, of the octant,
 * of a slice's border, or of a slice in front) to say. */
static int
clipped_sphere_hit (const double origin[3],
                    const double dir[3],
                    const double centre[3],
                    double       radius,
                    const double eye[3],
                    double       margin)
{
  const double lo = -0.5 * SURFACE_SPACING, hi = (SURFACE_DIM - 0.5) * SURFACE_SPACING;
  double oc[3], b = 0, c = 0, t, inside_by = G_MAXDOUBLE;

  for (guint k = 0; k < 3; k++)
    {
      oc[k] = origin[k] - centre[k];
      b += oc[k] * dir[k];
      c += oc[k] * oc[k];
    }
  c -= radius * radius;
  /* b^2 - c is r^2 - d^2 for a ray passing d from the centre. */
  if (fabs (b * b - c) < 2 * margin * radius)
    return -1;
  if (b * b - c < 0)
    return 0;
  t = -b - sqrt (b * b - c);

  /* How far the first hit lies inside the camera's octant (negative: outside). */
  for (guint k = 0; k < 3; k++)
    inside_by = MIN (inside_by, (origin[k] + t * dir[k] - centre[k]) *
                                (eye[k] > centre[k] ? 1 : -1));
  if (fabs (inside_by) < margin)
    return -1;
  if (inside_by > 0)
    return 0;

  /* Outside the octant the sphere shows unless a slice (the whole box wide) lies before it. */
  for (guint a = 0; a < 3; a++)
    {
      double ta = (centre[a] - origin[a]) / dir[a];
      gboolean within = TRUE, near_border = FALSE;

      /* Slices are pushed back a little (so their outlines win), and a surface just behind
       * one may show through it. */
      if (fabs (ta - t) < margin)
        return -1;
      if (!(ta > 0 && ta < t))
        continue;
      for (guint k = 0; k < 3; k++)
        {
          double x = origin[k] + ta * dir[k];

          if (k == a)
            continue;
          within = within && x > lo && x < hi;
          near_border = near_border || fabs (x - lo) < margin || fabs (x - hi) < margin;
        }
      if (near_border)
        return -1;
      if (within)
        return 0;
    }
  return 1;
}

/* The lines the three-slice view draws, projected to window pixels (straight under perspective):
 * the box's edges and the outlines of the slices through `crossing`. Each runs along one axis at
 * the two other coordinates taken from the box's ends or the crossing: 3 axes x 3 x 3 choices
 * hold every edge of both. */
typedef struct
{
  double ends[27][2][2];
} ProjectedLines;

static void
project_lines (ProjectedLines *lines,
               EvoxCamera     *camera,
               int             width,
               int             height,
               const double    crossing[3])
{
  const double lo = -0.5 * SURFACE_SPACING, hi = (SURFACE_DIM - 0.5) * SURFACE_SPACING;
  const double at[3] = { lo, hi, 0 };

  for (guint axis = 0; axis < 3; axis++)
    for (guint i = 0; i < 9; i++)
      {
        guint u = (axis + 1) % 3, v = (axis + 2) % 3;
        double a[3], b[3];

        a[u] = b[u] = i % 3 == 2 ? crossing[u] : at[i % 3];
        a[v] = b[v] = i / 3 == 2 ? crossing[v] : at[i / 3];
        a[axis] = lo;
        b[axis] = hi;
        project (camera, a, width, height, lines->ends[axis * 9 + i][0]);
        project (camera, b, width, height, lines->ends[axis * 9 + i][1]);
      }
}

/* Whether pixel (x, y) lies within 3 px of one of the lines. */
static gboolean
near_lines (const ProjectedLines *lines,
            int                   x,
            int                   y)
{
  double px = x + 0.5, py = y + 0.5;

  for (guint l = 0; l < G_N_ELEMENTS (lines->ends); l++)
    {
      const double *pa = lines->ends[l][0], *pb = lines->ends[l][1];
      double dx = pb[0] - pa[0], dy = pb[1] - pa[1], t, ex, ey;

      t = CLAMP (((px - pa[0]) * dx + (py - pa[1]) * dy) / MAX (dx * dx + dy * dy, 1e-12),
                 0.0, 1.0);
      ex = pa[0] + t * dx - px;
      ey = pa[1] + t * dy - py;
      if (ex * ex + ey * ey < 9.0)
        return TRUE;
    }
  return FALSE;
}

/* Clipping cuts away the sphere in the octant between the camera and the slices' crossing: the
 * slices show there, the sphere wherever it lies outside the octant and no slice hides it; off
 * restores the picture. The sphere nearly fills the box, so parts of it show past the slices. */
static void
test_surfaces_clip (void)
{
  const int width = 320, height = 240;
  const double centre[3] = { 160, 160, 160 }, radius = 140;
  g_autoptr(EvoxVolume) volume = surface_volume_new (128);
  g_autoptr(EvoxMesh) mesh = sphere_mesh_new (centre, radius, 64, 128, FALSE);
  g_autoptr(EvoxSurfaceList) surfaces = evox_surface_list_new ();
  g_autoptr(EvoxSurface) surface = surface_with_mesh (mesh, "#ff00ff", 1.0);
  g_autofree guint8 *plain = NULL;
  g_autofree guint8 *clipped = NULL;
  g_autofree guint8 *again = NULL;
  EvoxRenderer *renderer;
  EvoxCamera *camera;
  RayCaster caster;
  ProjectedLines lines;
  double pixel[2], eye[3], dir[3];
  const guint8 *p;
  guint kept = 0, cut = 0, changes = 0;

  if (!evox_test_need_gl ())
    return;

  evox_surface_list_append (surfaces, surface);
  renderer = surface_renderer_new (volume, surfaces);
  camera = evox_renderer_get_camera (renderer);
  g_assert_false (evox_renderer_get_clip_surfaces (renderer));
  plain = evox_test_render (renderer, width, height, FALSE);

  g_signal_connect (renderer, "changed", G_CALLBACK (count_changes), &changes);
  evox_renderer_set_clip_surfaces (renderer, TRUE);
  evox_renderer_set_clip_surfaces (renderer, TRUE);
  g_assert_cmpuint (changes, ==, 1);
  g_assert_true (evox_renderer_get_clip_surfaces (renderer));
  clipped = evox_test_render (renderer, width, height, FALSE);
  assert_no_gl_error ();
  dump_rgba ("surface-clip", clipped, width, height);

  /* Over the slices' crossing: the sphere, then the slices (grey 128). */
  project (camera, centre, width, height, pixel);
  p = pixel_at (plain, width, (int) pixel[0], (int) pixel[1]);
  g_assert_true (is_magenta (p));
  p = pixel_at (clipped, width, (int) pixel[0], (int) pixel[1]);
  g_assert_cmpuint (p[0], ==, 128);
  g_assert_cmpuint (p[1], ==, 128);
  g_assert_cmpuint (p[2], ==, 128);

  /* Pixel by pixel, against the geometry. */
  evox_camera_get_ray (camera, 0.5, 0.5, 1, 1, eye, dir);
  ray_caster_init (&caster, camera, width, height);
  project_lines (&lines, camera, width, height, centre);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        double origin[3], ray[3];
        int hit;

        if (near_lines (&lines, x, y))
          continue;
        cast_ray (&caster, x + 0.5, y + 0.5, origin, ray);
        hit = clipped_sphere_hit (origin, ray, centre, radius, eye, 8.0);
        p = pixel_at (clipped, width, x, y);
        if (hit == 1)
          {
            if (!is_magenta (p))
              g_error ("pixel (%d, %d) should show the sphere: %u,%u,%u", x, y, p[0], p[1], p[2]);
            kept++;
          }
        else if (hit == 0 && is_magenta (pixel_at (plain, width, x, y)))
          {
            if (is_magenta (p))
              g_error ("pixel (%d, %d) should be cut away: %u,%u,%u", x, y, p[0], p[1], p[2]);
            cut++;
          }
      }
  g_test_message ("%u pixels cut, %u kept", cut, kept);
  g_assert_cmpuint (cut, >, 500);
  g_assert_cmpuint (kept, >, 100);

  /* Off restores the picture. */
  evox_renderer_set_clip_surfaces (renderer, FALSE);
  g_clear_pointer (&again, g_free);
  again = evox_test_render (renderer, width, height, FALSE);
  g_assert_cmpmem (again, width * height * 4, plain, width * height * 4);

  /* The layer stack never clips. */
  evox_renderer_set_view (renderer, EVOX_VIEW_STACK);
  g_clear_pointer (&plain, g_free);
  plain = evox_test_render (renderer, width, height, FALSE);
  evox_renderer_set_clip_surfaces (renderer, TRUE);
  g_clear_pointer (&again, g_free);
  again = evox_test_render (renderer, width, height, FALSE);
  g_assert_cmpmem (again, width * height * 4, plain, width * height * 4);
  assert_no_gl_error ();

  evox_test_renderer_free (renderer);
}

/* Colour, opacity and visibility cost a redraw and no upload; a new mesh goes up once and its
 * old buffers go; a mesh shared by two surfaces goes up once; removed surfaces free theirs. */
static void
test_surfaces_uploads (void)
{
  const int size = 64;
  const double centre[3] = { 160, 160, 160 };
  g_autoptr(EvoxVolume) volume = surface_volume_new (-1);
  g_autoptr(EvoxMesh) mesh = sphere_mesh_new (centre, 60, 12, 24, FALSE);
  g_autoptr(EvoxMesh) other = sphere_mesh_new (centre, 80, 12, 24, FALSE);
  g_autoptr(EvoxSurfaceList) surfaces = evox_surface_list_new ();
  g_autoptr(EvoxSurface) surface = surface_with_mesh (mesh, "#ff00ff", 1.0);
  g_autoptr(EvoxSurface) twin = NULL;
  g_autoptr(EvoxSurface) late = NULL;
  g_autofree guint8 *before = NULL;
  g_autofree guint8 *after = NULL;
  EvoxRendererUploads uploads;
  EvoxRenderer *renderer;
  guint changes = 0;
  double pixel[2];

  if (!evox_test_need_gl ())
    return;

  evox_surface_list_append (surfaces, surface);
  renderer = surface_renderer_new (volume, NULL);
  g_signal_connect (renderer, "changed", G_CALLBACK (count_changes), &changes);
  evox_renderer_set_surfaces (renderer, surfaces);
  evox_renderer_set_surfaces (renderer, surfaces);
  g_assert_cmpuint (changes, ==, 1);
  project (evox_renderer_get_camera (renderer), centre, size, size, pixel);

  before = evox_test_render (renderer, size, size, FALSE);
  _evox_renderer_get_uploads (renderer, &uploads);
  g_assert_cmpuint (uploads.meshes, ==, 1);
  g_assert_cmpuint (uploads.meshes_freed, ==, 0);
  g_assert_cmpuint (_evox_renderer_get_n_meshes (renderer), ==, 1);
  g_assert_true (is_magenta (pixel_at (before, size, (int) pixel[0], (int) pixel[1])));

  /* Recolour: one redraw, a new colour, no upload. */
  changes = 0;
  evox_surface_set_color (surface, "#00ff00");
  g_assert_cmpuint (changes, >=, 1);
  after = evox_test_render (renderer, size, size, FALSE);
  g_assert_false (is_magenta (pixel_at (after, size, (int) pixel[0], (int) pixel[1])));
  g_assert_cmpuint (pixel_at (after, size, (int) pixel[0], (int) pixel[1])[1], ==, 255);
  changes = 0;
  evox_surface_set_opacity (surface, 0.4);
  g_assert_cmpuint (changes, >=, 1);
  g_clear_pointer (&after, g_free);
  after = evox_test_render (renderer, size, size, FALSE);
  changes = 0;
  evox_surface_set_visible (surface, FALSE);
  g_assert_cmpuint (changes, >=, 1);
  g_clear_pointer (&after, g_free);
  after = evox_test_render (renderer, size, size, FALSE);
  g_assert_cmpuint (evox_test_count_not_background (pixel_at (after, size, (int) pixel[0],
                                                              (int) pixel[1]), 1), ==, 0);
  evox_surface_set_visible (surface, TRUE);
  evox_surface_set_opacity (surface, 1.0);
  g_clear_pointer (&after, g_free);
  after = evox_test_render (renderer, size, size, FALSE);
  _evox_renderer_get_uploads (renderer, &uploads);
  g_assert_cmpuint (uploads.meshes, ==, 1);
  g_assert_cmpuint (uploads.meshes_freed, ==, 0);
  g_assert_cmpuint (_evox_renderer_get_n_meshes (renderer), ==, 1);

  /* A new mesh: one upload, the old buffers freed; drawing again uploads nothing. */
  _evox_surface_begin_build (surface, NULL);
  _evox_surface_end_build (surface, other, NULL);
  g_clear_pointer (&after, g_free);
  after = evox_test_render (renderer, size, size, FALSE);
  g_clear_pointer (&after, g_free);
  after = evox_test_render (renderer, size, size, FALSE);
  _evox_renderer_get_uploads (renderer, &uploads);
  g_assert_cmpuint (uploads.meshes, ==, 2);
  g_assert_cmpuint (uploads.meshes_freed, ==, 1);
  g_assert_cmpuint (_evox_renderer_get_n_meshes (renderer), ==, 1);

  /* A second surface of the same mesh shares its buffers. */
  twin = surface_with_mesh (other, "#0000ff", 0.5);
  evox_surface_list_append (surfaces, twin);
  g_clear_pointer (&after, g_free);
  after = evox_test_render (renderer, size, size, FALSE);
  _evox_renderer_get_uploads (renderer, &uploads);
  g_assert_cmpuint (uploads.meshes, ==, 2);
  g_assert_cmpuint (_evox_renderer_get_n_meshes (renderer), ==, 1);

  /* A mesh that arrives while its surface is hidden waits until it shows. */
  late = surface_with_mesh (mesh, "#ffffff", 1.0);
  evox_surface_set_visible (late, FALSE);
  evox_surface_list_append (surfaces, late);
  g_clear_pointer (&after, g_free);
  after = evox_test_render (renderer, size, size, FALSE);
  _evox_renderer_get_uploads (renderer, &uploads);
  g_assert_cmpuint (uploads.meshes, ==, 2);
  evox_surface_set_visible (late, TRUE);
  g_clear_pointer (&after, g_free);
  after = evox_test_render (renderer, size, size, FALSE);
  _evox_renderer_get_uploads (renderer, &uploads);
  g_assert_cmpuint (uploads.meshes, ==, 3);
  g_assert_cmpuint (_evox_renderer_get_n_meshes (renderer), ==, 2);

  /* Removing surfaces frees what no surface holds any more. */
  evox_surface_list_remove (surfaces, 2);
  g_clear_pointer (&after, g_free);
  after = evox_test_render (renderer, size, size, FALSE);
  _evox_renderer_get_uploads (renderer, &uploads);
  g_assert_cmpuint (uploads.meshes_freed, ==, 2);
  g_assert_cmpuint (_evox_renderer_get_n_meshes (renderer), ==, 1);
  evox_surface_list_clear (surfaces);
  g_clear_pointer (&after, g_free);
  after = evox_test_render (renderer, size, size, FALSE);
  _evox_renderer_get_uploads (renderer, &uploads);
  g_assert_cmpuint (uploads.meshes, ==, 3);
  g_assert_cmpuint (uploads.meshes_freed, ==, 3);
  g_assert_cmpuint (_evox_renderer_get_n_meshes (renderer), ==, 0);
  assert_no_gl_error ();

  /* Unrealize frees the rest; a dropped list is not followed any more. */
  evox_surface_list_append (surfaces, surface);
  g_clear_pointer (&after, g_free);
  after = evox_test_render (renderer, size, size, FALSE);
  g_assert_cmpuint (_evox_renderer_get_n_meshes (renderer), ==, 1);
  evox_renderer_unrealize (renderer);
  g_assert_cmpuint (_evox_renderer_get_n_meshes (renderer), ==, 0);
  g_assert_true (evox_renderer_realize (renderer, NULL));
  g_clear_pointer (&after, g_free);
  after = evox_test_render (renderer, size, size, FALSE);
  g_assert_cmpuint (_evox_renderer_get_n_meshes (renderer), ==, 1);
  evox_renderer_set_surfaces (renderer, NULL);
  g_assert_null (evox_renderer_get_surfaces (renderer));
  changes = 0;
  evox_surface_set_color (surface, "#123456");
  g_assert_cmpuint (changes, ==, 0);
  g_clear_pointer (&after, g_free);
  after = evox_test_render (renderer, size, size, FALSE);
  g_assert_cmpuint (_evox_renderer_get_n_meshes (renderer), ==, 0);
  assert_no_gl_error ();

  evox_test_renderer_free (renderer);
}

/* A mesh's own colours win over the surface's: red on the left half, green on the right. */
static void
test_surfaces_vertex_colors (void)
{
  const int size = 101;
  const double centre[3] = { 160, 160, 160 }, radius = 60;
  g_autoptr(EvoxVolume) volume = surface_volume_new (-1);
  g_autoptr(EvoxMesh) mesh = sphere_mesh_new (centre, radius, 48, 96, TRUE);
  g_autoptr(EvoxSurfaceList) surfaces = evox_surface_list_new ();
  g_autoptr(EvoxSurface) surface = surface_with_mesh (mesh, "#ff00ff", 1.0);
  g_autofree guint8 *pixels = NULL;
  EvoxRenderer *renderer;
  EvoxCamera *camera;
  double left_point[3] = { centre[0] - radius / 2, centre[1], centre[2] };
  double right_point[3] = { centre[0] + radius / 2, centre[1], centre[2] };
  double left[2], right[2];
  const guint8 *p;

  if (!evox_test_need_gl ())
    return;

  evox_surface_list_append (surfaces, surface);
  renderer = surface_renderer_new (volume, surfaces);
  slices_to_faces (renderer);
  camera = evox_renderer_get_camera (renderer);
  evox_camera_look_along (camera, 2);
  evox_camera_set_center (camera, centre);
  pixels = evox_test_render (renderer, size, size, FALSE);
  assert_no_gl_error ();
  dump_rgba ("surface-colours", pixels, size, size);

  /* Seen along z the pixel over (x -+ r/2, y) shows the near side at 30 degrees from the view:
   * red (or green) at 0.25 + 0.75 cos 30 = 0.90, no other channel (cos^40 30 is 0.003). */
  project (camera, left_point, size, size, left);
  project (camera, right_point, size, size, right);
  p = pixel_at (pixels, size, (int) left[0], (int) left[1]);
  g_assert_cmpint (abs (p[0] - 230), <=, 6);
  g_assert_cmpuint (p[1], <=, 4);
  g_assert_cmpuint (p[2], <=, 4);
  p = pixel_at (pixels, size, (int) right[0], (int) right[1]);
  g_assert_cmpint (abs (p[1] - 230), <=, 6);
  g_assert_cmpuint (p[0], <=, 4);
  g_assert_cmpuint (p[2], <=, 4);

  evox_test_renderer_free (renderer);
}

/* How many pixels of the pane at rect (top-left x, y, width, height) of a width-wide image
 * equal the view drawn alone (rect's size, rows from the top), within 2 levels a channel. */
static guint
count_pane_matches (const guint8 *image,
                    int           width,
                    const int     rect[4],
                    const guint8 *alone)
{
  guint same = 0;

  for (int y = 0; y < rect[3]; y++)
    for (int x = 0; x < rect[2]; x++)
      {
        const guint8 *a = pixel_at (image, width, rect[0] + x, rect[1] + y);
        const guint8 *b = pixel_at (alone, rect[2], x, y);

        if (abs (a[0] - b[0]) <= 2 && abs (a[1] - b[1]) <= 2 && abs (a[2] - b[2]) <= 2 &&
            abs (a[3] - b[3]) <= 2)
          same++;
      }
  return same;
}

/* The 2x2: the volume goes to the GPU once for all four panes; the 3D pane (translucent
 * surfaces included: their buffers are the pane's size, composited at its corner) is the 3D view
 * drawn alone at the pane's size, in the window's size and in a 2x export. */
static void
test_quad (void)
{
  const double centre[3] = { 150, 160, 170 };
  g_autoptr(EvoxVolume) volume = surface_volume_new (-1);
  g_autoptr(EvoxMesh) mesh = sphere_mesh_new (centre, 70, 32, 64, FALSE);
  g_autoptr(EvoxSurfaceList) surfaces = evox_surface_list_new ();
  g_autoptr(EvoxSurface) surface = surface_with_mesh (mesh, "#991a1a", 0.5);
  EvoxRendererUploads uploads;
  EvoxRenderer *renderer;
  const int width = 401, height = 301;

  if (!evox_test_need_gl ())
    return;

  evox_surface_list_append (surfaces, surface);
  renderer = surface_renderer_new (volume, surfaces);
  g_assert_cmpint (evox_renderer_get_pane_view (EVOX_PANE_Z), ==, EVOX_VIEW_SLICE_Z);
  g_assert_cmpint (evox_renderer_get_pane_view (EVOX_PANE_3D), ==, EVOX_VIEW_SLICES);
  g_assert_cmpint (evox_renderer_get_pane_view (EVOX_PANE_Y), ==, EVOX_VIEW_SLICE_Y);
  g_assert_cmpint (evox_renderer_get_pane_view (EVOX_PANE_X), ==, EVOX_VIEW_SLICE_X);

  for (guint scale = 1; scale <= 2; scale++)
    {
      g_autofree guint8 *quad = NULL;
      g_autofree guint8 *alone = NULL;
      int window_rect[4], rect[4];
      guint same;

      evox_renderer_set_view (renderer, EVOX_VIEW_QUAD);
      quad = evox_renderer_render_image (renderer, scale * width, scale * height, width, height,
                                         FALSE, NULL);
      g_assert_nonnull (quad);
      assert_no_gl_error ();
      _evox_renderer_get_uploads (renderer, &uploads);
      g_assert_cmpuint (uploads.volume, ==, 1);

      evox_renderer_get_pane_rect (width, height, EVOX_PANE_3D, window_rect);
      /* Exports widen the gap with the image: the top right pane at scale. */
      {
        int gap = EVOX_RENDERER_PANE_GAP * scale;

        rect[0] = (scale * width - gap) / 2 + gap;
        rect[1] = 0;
        rect[2] = scale * width - rect[0];
        rect[3] = (scale * height - gap) / 2;
      }
      /* The 3D pane's camera is the main camera's twin: both start from the same framing. */
      evox_renderer_set_view (renderer, EVOX_VIEW_SLICES);
      alone = evox_renderer_render_image (renderer, rect[2], rect[3], window_rect[2],
                                          window_rect[3], FALSE, NULL);
      g_assert_nonnull (alone);
      dump_rgba ("quad", quad, scale * width, scale * height);
      dump_rgba ("quad-3d-alone", alone, rect[2], rect[3]);
      same = count_pane_matches (quad, scale * width, rect, alone);
      g_test_message ("%ux: 3D pane %d x %d at %d, %d: %u of %d pixels as the view alone", scale,
                      rect[2], rect[3], rect[0], rect[1], same, rect[2] * rect[3]);
      g_assert_cmpuint (same, >=, (guint) (rect[2] * rect[3]) * 995 / 1000);
      /* The gap between the panes is drawn, lighter than the background. */
      g_assert_cmpuint (pixel_at (quad, scale * width, rect[0] - 1, rect[1] + 5)[0], >, 50);
    }
  _evox_renderer_get_uploads (renderer, &uploads);
  g_assert_cmpuint (uploads.volume, ==, 1);
  evox_test_renderer_free (renderer);
}

/* Padding keeps that many pixels free around the framed box, whatever the viewport's aspect,
 * and changes nothing else about the framing. */
static void
test_camera_padding (void)
{
  g_autoptr(EvoxCamera) camera = evox_camera_new ();
  const double lo[3] = { 0, 0, 0 }, hi[3] = { 10, 20, 5 };
  const int sizes[3][2] = { { 100, 400 }, { 401, 99 }, { 64, 64 } };

  evox_camera_set_bounds (camera, lo, hi);
  evox_camera_set_orthographic (camera, TRUE);
  evox_camera_look_along (camera, 2);
  g_assert_cmpint (evox_camera_get_padding (camera), ==, 0);
  for (guint pad = 0; pad <= 3; pad += 3)
    {
      evox_camera_set_padding (camera, (int) pad);
      for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
        {
          int w = sizes[i][0], h = sizes[i][1];
          double a[2], b[2], left, right, top, bottom;

          project (camera, (const double[3]) { 0, 0, 2.5 }, w, h, a);
          project (camera, (const double[3]) { 10, 20, 2.5 }, w, h, b);
          left = MIN (a[0], b[0]);
          right = w - MAX (a[0], b[0]);
          top = MIN (a[1], b[1]);
          bottom = h - MAX (a[1], b[1]);
          g_test_message ("padding %u, %d x %d: %.3f %.3f %.3f %.3f", pad, w, h, left, right,
                          top, bottom);
          /* Centred; the tighter direction touches the padding exactly. */
          g_assert_cmpfloat (fabs (left - right), <, 1e-3);
          g_assert_cmpfloat (fabs (top - bottom), <, 1e-3);
          g_assert_cmpfloat (MIN (left, top), >, pad - 1e-3);
          g_assert_cmpfloat (MIN (left, top), <, pad + 1e-3);
          /* Square pixels: 10 by 20 nm stays 1:2 on screen. */
          g_assert_cmpfloat (fabs (fabs (b[1] - a[1]) - 2 * fabs (b[0] - a[0])), <, 1e-3);
        }
    }
}

/* The 2D panes of the 2x2 keep their 3 px frames whole in narrow panes, in the window's size and
 * in a 2x export (where the frames and the room for them double). */
static void
test_quad_frames (void)
{
  static const guint8 blue[3] = { 102, 153, 255 };
  g_autoptr(EvoxVolume) volume = evox_test_volume_new (32, 32, 32, EVOX_SAMPLE_U8);
  EvoxRenderer *renderer;
  const int width = 301, height = 601;

  if (!evox_test_need_gl ())
    return;
  memset (evox_volume_get_data_mut (volume, 0), 128, 32 * 32 * 32);
  evox_volume_freeze (volume);
  renderer = evox_test_renderer_new_realized ();
  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_colormap (renderer, "grey");
  evox_renderer_set_view (renderer, EVOX_VIEW_QUAD);
  for (int scale = 1; scale <= 2; scale++)
    {
      g_autofree guint8 *pixels = evox_renderer_render_image (renderer, scale * width,
                                                              scale * height, width, height,
                                                              FALSE, NULL);
      int gap = EVOX_RENDERER_PANE_GAP * scale;
      /* The z pane, top left, as exports lay it out. */
      int pane_width = (scale * width - gap) / 2, pane_height = (scale * height - gap) / 2;
      int y = pane_height / 2;
      guint sides[2] = { 0, 0 };

      g_assert_nonnull (pixels);
      for (int x = 0; x < 8 * scale; x++)
        {
          const guint8 *l = pixel_at (pixels, scale * width, x, y);
          const guint8 *r = pixel_at (pixels, scale * width, pane_width - 1 - x, y);

          sides[0] += abs (l[0] - blue[0]) <= 3 && abs (l[1] - blue[1]) <= 3 &&
                      abs (l[2] - blue[2]) <= 3;
          sides[1] += abs (r[0] - blue[0]) <= 3 && abs (r[1] - blue[1]) <= 3 &&
                      abs (r[2] - blue[2]) <= 3;
        }
      g_test_message ("%dx: z pane %d x %d, frame %u px on the left, %u on the right", scale,
                      pane_width, pane_height, sides[0], sides[1]);
      g_assert_cmpuint (sides[0], >=, 3 * scale - 1);
      g_assert_cmpuint (sides[1], >=, 3 * scale - 1);
      g_assert_cmpint (abs ((int) sides[0] - (int) sides[1]), <=, 1);
      /* The pane's outermost column is background, not frame. */
      g_assert_cmpuint (pixel_at (pixels, scale * width, 0, y)[2], <, 100);
      g_assert_cmpuint (pixel_at (pixels, scale * width, pane_width - 1, y)[2], <, 100);
    }
  evox_test_renderer_free (renderer);
}

/* On a screen at GDK scale 2 the window draws twice as many pixels each way: the 2D panes'
 * frames are 3 window pixels wide, so 6 device pixels, and stay whole (the room left for them
 * doubles too), as in a 2x export; they were one window pixel's worth of device pixels. */
static void
test_quad_frames_scale_2 (void)
{
  static const guint8 blue[3] = { 102, 153, 255 };
  g_autoptr(EvoxVolume) volume = evox_test_volume_new (32, 32, 32, EVOX_SAMPLE_U8);
  EvoxRenderer *renderer;
  const int width = 301, height = 601;
  guint widths[3] = { 0, 0, 0 };

  if (!evox_test_need_gl ())
    return;
  memset (evox_volume_get_data_mut (volume, 0), 128, 32 * 32 * 32);
  evox_volume_freeze (volume);
  renderer = evox_test_renderer_new_realized ();
  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_colormap (renderer, "grey");
  evox_renderer_set_view (renderer, EVOX_VIEW_QUAD);
  g_assert_cmpint (evox_renderer_get_scale_factor (renderer), ==, 1);
  for (int scale = 1; scale <= 2; scale++)
    {
      g_autofree guint8 *pixels = NULL;
      int rect[4], y;
      guint sides[2] = { 0, 0 };

      evox_renderer_set_scale_factor (renderer, scale);
      pixels = evox_test_draw_frame (renderer, scale * width, scale * height);
      evox_renderer_get_pane_rect (scale * width, scale * height, EVOX_PANE_Z, rect);
      y = rect[1] + rect[3] / 2;
      for (int x = 0; x < 8 * scale; x++)
        {
          const guint8 *l = pixel_at (pixels, scale * width, rect[0] + x, y);
          const guint8 *r = pixel_at (pixels, scale * width, rect[0] + rect[2] - 1 - x, y);

          sides[0] += abs (l[0] - blue[0]) <= 3 && abs (l[1] - blue[1]) <= 3 &&
                      abs (l[2] - blue[2]) <= 3;
          sides[1] += abs (r[0] - blue[0]) <= 3 && abs (r[1] - blue[1]) <= 3 &&
                      abs (r[2] - blue[2]) <= 3;
        }
      g_test_message ("scale %d: z pane at %d, %d, %d x %d; frame %u px left, %u right", scale,
                      rect[0], rect[1], rect[2], rect[3], sides[0], sides[1]);
      g_assert_cmpuint (sides[0], >=, 3 * scale - 1);
      g_assert_cmpuint (sides[1], >=, 3 * scale - 1);
      g_assert_cmpint (abs ((int) sides[0] - (int) sides[1]), <=, 1);
      g_assert_cmpuint (pixel_at (pixels, scale * width, rect[0], y)[2], <, 100);
      g_assert_cmpuint (pixel_at (pixels, scale * width, rect[0] + rect[2] - 1, y)[2], <, 100);
      widths[scale] = sides[0] + sides[1];
    }
  /* Twice the window pixels: twice the frame, to a pixel either side. */
  g_assert_cmpint (abs ((int) widths[2] - 2 * (int) widths[1]), <=, 2);
  /* An export meanwhile frames the panes as before, and the screen's scale stays. */
  {
    g_autofree guint8 *pixels = evox_renderer_render_image (renderer, 2 * width, 2 * height,
                                                            width, height, FALSE, NULL);

    g_assert_nonnull (pixels);
    g_assert_cmpint (evox_renderer_get_scale_factor (renderer), ==, 2);
    g_assert_cmpint (evox_camera_get_padding (evox_renderer_get_pane_camera (renderer,
                                                                             EVOX_PANE_Z)),
                     ==, 6);
  }
  evox_test_renderer_free (renderer);
}

/* A ruler's length label stays inside the image: one along the slice's top row has it below the
 * line instead of above, out of sight; one at the left edge is moved in. */
static guint
count_label_pixels (EvoxVolume *volume,
                    const guint start[3],
                    const guint end[3])
{
  static const guint8 white[3] = { 255, 255, 255 };
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxMeasurementList) rulers = evox_measurement_list_new ();
  g_autoptr(EvoxMeasurement) ruler = evox_measurement_new_from_voxels (volume, start, end,
                                                                       &error);
  EvoxRenderer *renderer = slice_z_renderer_new (volume, 2, 0, 1);
  g_autofree guint8 *pixels = NULL;
  guint n;

  g_assert_no_error (error);
  evox_measurement_list_append (rulers, ruler);
  evox_renderer_set_measurements (renderer, rulers);
  pixels = evox_test_render (renderer, 400, 300, FALSE);
  /* The slice of zeros is dark and nothing else is white: white is the label's text. */
  n = count_colour (pixels, 400 * 300, white);
  evox_renderer_set_measurements (renderer, NULL);
  evox_test_renderer_free (renderer);
  return n;
}

static void
test_ruler_label_inside (void)
{
  g_autoptr(EvoxVolume) volume = NULL;
  guint middle;

  if (!evox_test_need_gl ())
    return;
  /* 10 px a voxel; y = 0 is the image's top row. */
  volume = evox_test_volume_new (40, 30, 5, EVOX_SAMPLE_U8);
  evox_volume_freeze (volume);
  middle = count_label_pixels (volume, (guint[3]) { 8, 15, 2 }, (guint[3]) { 32, 15, 2 });
  g_assert_cmpuint (middle, >, 0);
  /* The same text along the top and the bottom row: all of it shows. */
  g_assert_cmpuint (count_label_pixels (volume, (guint[3]) { 8, 0, 2 }, (guint[3]) { 32, 0, 2 }),
                    ==, middle);
  g_assert_cmpuint (count_label_pixels (volume, (guint[3]) { 8, 29, 2 },
                                        (guint[3]) { 32, 29, 2 }), ==, middle);
  /* A short ruler along the left edge, whose label is wider than twice its distance from it,
   * against the same length in the middle. */
  middle = count_label_pixels (volume, (guint[3]) { 20, 10, 2 }, (guint[3]) { 20, 14, 2 });
  g_assert_cmpuint (middle, >, 0);
  g_assert_cmpuint (count_label_pixels (volume, (guint[3]) { 0, 10, 2 }, (guint[3]) { 0, 14, 2 }),
                    ==, middle);
}


/* Cluster ids over an 8^3 volume that vary in x, y and z: 0 (outside the mask) for i < 2, then
 * 1, 2 or 3 by bands of j and k, so every slice orientation sees boundaries. */
static guint16
cluster_id_at (gsize i,
               gsize j,
               gsize k)
{
  if (i < 2)
    return 0;
  if (j < 3)
    return 1;
  return k < 4 ? 2 : 3;
}

static EvoxClusters *
band_clusters (void)
{
  g_autoptr(GError) error = NULL;
  const gsize dims[3] = { 8, 8, 8 };
  guint16 *ids = _evox_alloc_large (512 * sizeof (guint16));
  EvoxClusters *clusters;

  for (gsize k = 0; k < 8; k++)
    for (gsize j = 0; j < 8; j++)
      for (gsize i = 0; i < 8; i++)
        ids[(k * 8 + j) * 8 + i] = cluster_id_at (i, j, k);
  clusters = evox_clusters_new_take (dims, ids, 3, 0, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return clusters;
}

/* The oracle for one 2D slice image (8 px a voxel, (u, v) -> voxel by `voxel_of`): voxels of a
 * visible cluster are mix (plain, cluster colour, opacity); with outlines, those with a neighbour
 * of another id in the image plane are the cluster colour times EVOX_RENDERER_OUTLINE_SHADE; the
 * rest are the plain picture. Within 1 of 255 per channel. */
typedef void (*VoxelOf) (int u, int v, gsize voxel[3]);

/* With a cluster selected (selected != 0), every other visible cluster's overlay and outline
 * is mixed in by EVOX_RENDERER_CLUSTER_DIM of its weight: colour over plain by dim * opacity,
 * the outline shade over plain by dim. */
static void
assert_cluster_image_selected (const guint8 *pixels,
                               const guint8 *plain,
                               EvoxClusters *clusters,
                               VoxelOf       voxel_of,
                               double        opacity,
                               gboolean      outlines,
                               guint         selected);

static void
assert_cluster_image (const guint8 *pixels,
                      const guint8 *plain,
                      EvoxClusters *clusters,
                      VoxelOf       voxel_of,
                      double        opacity,
                      gboolean      outlines)
{
  assert_cluster_image_selected (pixels, plain, clusters, voxel_of, opacity, outlines, 0);
}

static void
assert_cluster_image_selected (const guint8 *pixels,
                               const guint8 *plain,
                               EvoxClusters *clusters,
                               VoxelOf       voxel_of,
                               double        opacity,
                               gboolean      outlines,
                               guint         selected)
{
  for (int v = 0; v < 8; v++)
    for (int u = 0; u < 8; u++)
      {
        const guint8 *p = pixel_at (pixels, 64, u * 8 + 4, v * 8 + 4);
        const guint8 *q = pixel_at (plain, 64, u * 8 + 4, v * 8 + 4);
        gsize x[3];
        guint id;
        guint rgb[3];
        gboolean edge = FALSE;
        static const int steps[4][2] = { { 1, 0 }, { -1, 0 }, { 0, 1 }, { 0, -1 } };

        voxel_of (u, v, x);
        id = evox_clusters_get_label (clusters, x[0], x[1], x[2]);
        if (id == 0 || !evox_clusters_get_visible (clusters, id))
          {
            g_assert_cmpmem (p, 4, q, 4);
            continue;
          }
        parse_color (evox_clusters_get_color (clusters, id), rgb);
        for (guint s = 0; s < 4; s++)
          {
            int nu = u + steps[s][0], nv = v + steps[s][1];
            gsize n[3];

            if (nu < 0 || nu > 7 || nv < 0 || nv > 7)
              continue;
            voxel_of (nu, nv, n);
            edge = edge || evox_clusters_get_label (clusters, n[0], n[1], n[2]) != id;
          }
        for (guint c = 0; c < 3; c++)
          {
            double weight = selected == 0 || selected == id ? 1.0 : 64.0 / 255.0;
            double expected = outlines && edge
                                ? q[c] * (1 - weight) +
                                    rgb[c] * EVOX_RENDERER_OUTLINE_SHADE * weight
                                : q[c] * (1 - opacity * weight) + rgb[c] * opacity * weight;

            if (fabs (p[c] - expected) > 1.0)
              g_error ("voxel %" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT
                       " (cluster %u%s): drew %u,%u,%u, expected channel %u = %g", x[0], x[1],
                       x[2], id, edge ? ", edge" : "", p[0], p[1], p[2], c, expected);
          }
        g_assert_cmpuint (p[3], ==, 255);
      }
}

static void
voxel_of_z (int u, int v, gsize voxel[3])
{
  voxel[0] = u;
  voxel[1] = v;
  voxel[2] = slice_index;
}

static void
voxel_of_x (int u, int v, gsize voxel[3])
{
  voxel[0] = slice_index;
  voxel[1] = u;
  voxel[2] = v;
}

static void
test_clusters_overlay (void)
{
  g_autoptr(EvoxVolume) volume = gradient_u8 ();
  g_autoptr(EvoxClusters) clusters = band_clusters ();
  g_autofree guint8 *plain = NULL;
  g_autofree guint8 *plain_x = NULL;
  EvoxRendererUploads uploads;
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;

  renderer = slice_z_renderer_new (volume, slice_index, 0, 255);
  plain = evox_test_render (renderer, 64, 64, FALSE);

  /* Default style: shown at 0.6 without outlines. */
  evox_renderer_set_clusters (renderer, clusters);
  g_assert_true (evox_renderer_get_clusters (renderer) == clusters);
  {
    g_autofree guint8 *pixels = evox_test_render (renderer, 64, 64, FALSE);
    assert_cluster_image (pixels, plain, clusters, voxel_of_z, 0.6, FALSE);
  }

  /* Opaque, one cluster hidden, a colour changed: the ids are not uploaded again. */
  evox_renderer_set_cluster_style (renderer, TRUE, 1.0, FALSE);
  evox_clusters_set_visible (clusters, 2, FALSE);
  evox_clusters_set_color (clusters, 3, "#00ff80");
  {
    g_autofree guint8 *pixels = evox_test_render (renderer, 64, 64, FALSE);
    assert_cluster_image (pixels, plain, clusters, voxel_of_z, 1.0, FALSE);
  }
  _evox_renderer_get_uploads (renderer, &uploads);
  g_assert_cmpuint (uploads.clusters, ==, 1);
  g_assert_cmpuint (uploads.cluster_colors, ==, 2);

  /* Outlines over a translucent overlay. */
  evox_clusters_set_visible (clusters, 2, TRUE);
  evox_renderer_set_cluster_style (renderer, TRUE, 0.3, TRUE);
  {
    g_autofree guint8 *pixels = evox_test_render (renderer, 64, 64, FALSE);
    assert_cluster_image (pixels, plain, clusters, voxel_of_z, 0.3, TRUE);
  }

  /* The same in an x slice, whose plane spans y and z. */
  evox_renderer_set_cluster_style (renderer, FALSE, 0.3, TRUE);
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_X);
  plain_x = evox_test_render (renderer, 64, 64, FALSE);
  evox_renderer_set_cluster_style (renderer, TRUE, 0.3, TRUE);
  {
    g_autofree guint8 *pixels = evox_test_render (renderer, 64, 64, FALSE);
    assert_cluster_image (pixels, plain_x, clusters, voxel_of_x, 0.3, TRUE);
  }
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Z);

  /* A selected cluster: the others dimmed to a quarter (64/255) of the opacity and outline, in
   * a z and an x slice; selection changes only the colour table. Cleared, the picture is the
   * unselected one byte for byte; an id above k selects nothing. */
  {
    g_autofree guint8 *before = evox_test_render (renderer, 64, 64, FALSE);
    g_autofree guint8 *cleared = NULL;
    g_autofree guint8 *too_big = NULL;

    _evox_renderer_get_uploads (renderer, &uploads);
    evox_renderer_set_selected_cluster (renderer, 2);
    g_assert_cmpuint (evox_renderer_get_selected_cluster (renderer), ==, 2);
    {
      g_autofree guint8 *pixels = evox_test_render (renderer, 64, 64, FALSE);
      assert_cluster_image_selected (pixels, plain, clusters, voxel_of_z, 0.3, TRUE, 2);
    }
    evox_renderer_set_cluster_style (renderer, TRUE, 0.8, FALSE);
    {
      g_autofree guint8 *pixels = evox_test_render (renderer, 64, 64, FALSE);
      assert_cluster_image_selected (pixels, plain, clusters, voxel_of_z, 0.8, FALSE, 2);
    }
    evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_X);
    evox_renderer_set_selected_cluster (renderer, 3);
    {
      g_autofree guint8 *pixels = evox_test_render (renderer, 64, 64, FALSE);
      assert_cluster_image_selected (pixels, plain_x, clusters, voxel_of_x, 0.8, FALSE, 3);
    }
    evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Z);
    {
      EvoxRendererUploads after;

      _evox_renderer_get_uploads (renderer, &after);
      g_assert_cmpuint (after.clusters, ==, uploads.clusters);
      g_assert_cmpuint (after.cluster_colors, ==, uploads.cluster_colors + 2);
    }
    evox_renderer_set_cluster_style (renderer, TRUE, 0.3, TRUE);
    evox_renderer_set_selected_cluster (renderer, 0);
    cleared = evox_test_render (renderer, 64, 64, FALSE);
    g_assert_cmpmem (cleared, 64 * 64 * 4, before, 64 * 64 * 4);
    evox_renderer_set_selected_cluster (renderer, 4);
    too_big = evox_test_render (renderer, 64, 64, FALSE);
    g_assert_cmpmem (too_big, 64 * 64 * 4, before, 64 * 64 * 4);
    evox_renderer_set_selected_cluster (renderer, 0);
  }

  /* Hidden overlay, and opacity 0 without outlines: the plain picture, byte for byte. */
  evox_renderer_set_cluster_style (renderer, FALSE, 0.6, TRUE);
  {
    g_autofree guint8 *pixels = evox_test_render (renderer, 64, 64, FALSE);
    g_assert_cmpmem (pixels, 64 * 64 * 4, plain, 64 * 64 * 4);
  }
  evox_renderer_set_cluster_style (renderer, TRUE, 0.0, FALSE);
  {
    g_autofree guint8 *pixels = evox_test_render (renderer, 64, 64, FALSE);
    g_assert_cmpmem (pixels, 64 * 64 * 4, plain, 64 * 64 * 4);
  }

  /* Clusters of another shape are not drawn; NULL clears. */
  evox_renderer_set_cluster_style (renderer, TRUE, 0.6, FALSE);
  {
    g_autoptr(GError) error = NULL;
    const gsize dims[3] = { 4, 4, 4 };
    guint16 *ids = _evox_alloc_large (64 * sizeof (guint16));
    g_autoptr(EvoxClusters) small = NULL;
    g_autofree guint8 *pixels = NULL;

    for (guint i = 0; i < 64; i++)
      ids[i] = 1;
    small = evox_clusters_new_take (dims, ids, 1, 0, NULL, NULL, NULL, NULL, NULL, &error);
    g_assert_no_error (error);
    evox_renderer_set_clusters (renderer, small);
    pixels = evox_test_render (renderer, 64, 64, FALSE);
    g_assert_cmpmem (pixels, 64 * 64 * 4, plain, 64 * 64 * 4);
  }
  evox_renderer_set_clusters (renderer, NULL);
  {
    g_autofree guint8 *pixels = evox_test_render (renderer, 64, 64, FALSE);
    g_assert_cmpmem (pixels, 64 * 64 * 4, plain, 64 * 64 * 4);
  }
  evox_test_renderer_free (renderer);
}

/* Clusters go over phase tints: the oracle mixes into the phase-tinted plain picture. */
static void
test_clusters_over_phases (void)
{
  g_autoptr(EvoxVolume) volume = gradient_u8 ();
  g_autoptr(EvoxClusters) clusters = band_clusters ();
  const PhaseSpec specs[] = { { 0, 120, "#ffffff", 0.5, TRUE } };
  g_autoptr(EvoxPhaseList) list = phase_list_new (specs, 1);
  g_autofree guint8 *tinted = NULL;
  g_autofree guint8 *pixels = NULL;
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;
  renderer = slice_z_renderer_new (volume, slice_index, 0, 255);
  evox_renderer_set_phases (renderer, list, TRUE, FALSE);
  tinted = evox_test_render (renderer, 64, 64, FALSE);
  evox_renderer_set_clusters (renderer, clusters);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  assert_cluster_image (pixels, tinted, clusters, voxel_of_z, 0.6, FALSE);
  evox_test_renderer_free (renderer);
}

/* The overlay in the layer stack (every layer the same clusters, by column) and in each pane of
 * the 2x2: seen from above at opacity 1 the stack shows mix (plain, cluster colour, 0.6); with
 * every voxel in cluster 1 at opacity 1, most of each pane is exactly cluster 1's colour. */
static void
test_clusters_stack_and_quad (void)
{
  g_autoptr(EvoxVolume) volume = small_stack ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxClusters) columns = NULL;
  g_autoptr(EvoxClusters) all = NULL;
  const gsize dims[3] = { 16, 12, 5 };
  guint16 *ids = _evox_alloc_large (16 * 12 * 5 * sizeof (guint16));
  g_autofree guint8 *plain = NULL;
  g_autofree guint8 *pixels = NULL;
  EvoxRenderer *renderer;

  for (gsize v = 0; v < 16 * 12 * 5; v++)
    ids[v] = v % 16 < 3 ? 0 : v % 16 < 9 ? 1 : 2;
  columns = evox_clusters_new_take (dims, ids, 2, 0, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  ids = _evox_alloc_large (16 * 12 * 5 * sizeof (guint16));
  for (gsize v = 0; v < 16 * 12 * 5; v++)
    ids[v] = 1;
  all = evox_clusters_new_take (dims, ids, 1, 0, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  if (!evox_test_need_gl ())
    return;

  renderer = stack_renderer_from_above (volume);
  plain = evox_test_render (renderer, 128, 96, FALSE);
  evox_renderer_set_clusters (renderer, columns);
  pixels = evox_test_render (renderer, 128, 96, FALSE);
  for (int j = 0; j < 12; j++)
    for (int i = 0; i < 16; i++)
      {
        const guint8 *p = pixel_at (pixels, 128, i * 8 + 4, j * 8 + 4);
        const guint8 *q = pixel_at (plain, 128, i * 8 + 4, j * 8 + 4);
        guint id = evox_clusters_get_label (columns, i, j, 0), rgb[3];

        if (id == 0)
          {
            g_assert_cmpmem (p, 4, q, 4);
            continue;
          }
        parse_color (evox_clusters_get_color (columns, id), rgb);
        for (guint c = 0; c < 3; c++)
          g_assert_cmpfloat (fabs (p[c] - (q[c] * 0.4 + rgb[c] * 0.6)), <=, 2.0);
      }

  evox_renderer_set_clusters (renderer, all);
  evox_renderer_set_cluster_style (renderer, TRUE, 1.0, FALSE);
  evox_renderer_set_view (renderer, EVOX_VIEW_QUAD);
  g_clear_pointer (&pixels, g_free);
  pixels = evox_test_render (renderer, 400, 300, FALSE);
  for (guint pane = 0; pane < EVOX_N_PANES; pane++)
    {
      int rect[4];
      guint exact = 0;

      evox_renderer_get_pane_rect (400, 300, pane, rect);
      for (int y = rect[1]; y < rect[1] + rect[3]; y++)
        for (int x = rect[0]; x < rect[0] + rect[2]; x++)
          exact += memcmp (pixel_at (pixels, 400, x, y), "\x1f\x77\xb4", 3) == 0;
      g_test_message ("pane %u: %u of %d pixels in cluster 1's colour", pane, exact,
                      rect[2] * rect[3]);
      /* The 2D panes are mostly slice; the 3D pane shows three slices in a box. */
      g_assert_cmpuint (exact, >, (guint) (rect[2] * rect[3]) / (pane == EVOX_PANE_3D ? 20 : 4));
    }
  evox_test_renderer_free (renderer);
}

/* More than 255 clusters over u8 values: value and id go up as RG16 (the value as 257 v) and the
 * colour table has several rows (id at (id mod 256, id / 256)); at opacity 1 every voxel of slice
 * z = 5 is its id's palette colour, at 0.5 half of it over the unchanged value's colour. */
static void
test_clusters_many (void)
{
  g_autoptr(EvoxVolume) volume = gradient_u8 ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxClusters) clusters = NULL;
  const gsize dims[3] = { 8, 8, 8 };
  guint16 *ids = _evox_alloc_large (512 * sizeof (guint16));
  g_autofree guint8 *pixels = NULL;
  g_autofree guint8 *plain = NULL;
  EvoxRenderer *renderer;

  for (guint v = 0; v < 512; v++)
    ids[v] = (guint16) (v + 1);
  clusters = evox_clusters_new_take (dims, ids, 512, 0, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  /* A colour of its own for two ids of the second row, so a wrong row shows. */
  evox_clusters_set_color (clusters, 5 * 64 + 3 * 8 + 2 + 1, "#010203");
  evox_clusters_set_color (clusters, 5 * 64 + 7 * 8 + 7 + 1, "#fefdfc");
  if (!evox_test_need_gl ())
    return;

  renderer = slice_z_renderer_new (volume, slice_index, 0, 255);
  plain = evox_test_render (renderer, 64, 64, FALSE);
  g_assert_cmpuint (_evox_renderer_get_cluster_format (renderer), ==, 0);
  evox_renderer_set_clusters (renderer, clusters);
  evox_renderer_set_cluster_style (renderer, TRUE, 0.5, FALSE);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  g_assert_cmpuint (_evox_renderer_get_cluster_format (renderer), ==, GL_RG16);
  assert_cluster_image (pixels, plain, clusters, voxel_of_z, 0.5, FALSE);
  evox_renderer_set_cluster_style (renderer, TRUE, 1.0, FALSE);
  g_clear_pointer (&pixels, g_free);
  pixels = evox_test_render (renderer, 64, 64, FALSE);
  for (int j = 0; j < 8; j++)
    for (int i = 0; i < 8; i++)
      {
        guint id = evox_clusters_get_label (clusters, i, j, slice_index), rgb[3];
        const guint8 *p = pixel_at (pixels, 64, i * 8 + 4, j * 8 + 4);

        g_assert_cmpuint (id, >, 256);
        parse_color (evox_clusters_get_color (clusters, id), rgb);
        for (guint c = 0; c < 3; c++)
          g_assert_cmpuint (p[c], ==, rgb[c]);
      }
  evox_test_renderer_free (renderer);

  /* A few clusters take a byte a voxel. */
  {
    g_autoptr(EvoxClusters) few = band_clusters ();

    renderer = slice_z_renderer_new (volume, slice_index, 0, 255);
    evox_renderer_set_clusters (renderer, few);
    g_clear_pointer (&pixels, g_free);
    pixels = evox_test_render (renderer, 64, 64, FALSE);
    g_assert_cmpuint (_evox_renderer_get_cluster_format (renderer), ==, GL_RG8);
    evox_test_renderer_free (renderer);
  }
}

/* The ids packed beside u16 values (RG16) and f32 values (RG32F): the overlay and its outlines as
 * for u8 data. */
static void
test_clusters_types (void)
{
  g_autoptr(EvoxVolume) wide = evox_test_volume_new (8, 8, 8, EVOX_SAMPLE_U16);
  g_autoptr(EvoxVolume) floats = gradient_f32 (EVOX_SCALE_LINEAR);
  g_autoptr(EvoxClusters) clusters = band_clusters ();
  guint16 *data = evox_volume_get_data_mut (wide, 0);
  EvoxVolume *volumes[2] = { wide, floats };
  const GLenum formats[2] = { GL_RG16, GL_RG32F };
  const double ranges[2][2] = { { 0, 65535 }, { -3, 1 } };

  for (gsize v = 0; v < 512; v++)
    data[v] = (guint16) (1009 * (v % 8) + 8111 * (v / 8 % 8) + 3 * (v / 64));
  /* No hole: a hole is background with or without clusters. */
  ((float *) evox_volume_get_data_mut (floats, 0))[(slice_index * 8 + 2) * 8 + 3] = 0.5f;
  if (!evox_test_need_gl ())
    return;

  for (guint t = 0; t < 2; t++)
    {
      EvoxRenderer *renderer = slice_z_renderer_new (volumes[t], slice_index, ranges[t][0],
                                                     ranges[t][1]);
      g_autofree guint8 *plain = evox_test_render (renderer, 64, 64, FALSE);
      g_autofree guint8 *pixels = NULL;
      g_autofree guint8 *outlined = NULL;

      evox_renderer_set_clusters (renderer, clusters);
      pixels = evox_test_render (renderer, 64, 64, FALSE);
      g_assert_cmpuint (_evox_renderer_get_cluster_format (renderer), ==, formats[t]);
      assert_cluster_image (pixels, plain, clusters, voxel_of_z, 0.6, FALSE);
      evox_renderer_set_cluster_style (renderer, TRUE, 0.3, TRUE);
      outlined = evox_test_render (renderer, 64, 64, FALSE);
      assert_cluster_image (outlined, plain, clusters, voxel_of_z, 0.3, TRUE);
      /* The plain picture reads only the values: the same with the ids beside them. */
      evox_renderer_set_cluster_style (renderer, FALSE, 0.3, TRUE);
      g_clear_pointer (&pixels, g_free);
      pixels = evox_test_render (renderer, 64, 64, FALSE);
      g_assert_cmpmem (pixels, 64 * 64 * 4, plain, 64 * 64 * 4);
      evox_test_renderer_free (renderer);
    }
}

/* The "changed" signal: the style and clusters redraw only when a frame would differ. */
static void
count_changed (EvoxRenderer *renderer,
               guint        *count)
{
  (*count)++;
}

static void
test_clusters_signals (void)
{
  g_autoptr(EvoxVolume) volume = gradient_u8 ();
  g_autoptr(EvoxClusters) clusters = band_clusters ();
  g_autoptr(EvoxRenderer) renderer = evox_renderer_new ();
  guint changed = 0;

  evox_renderer_set_volume (renderer, volume, 0);
  g_signal_connect (renderer, "changed", G_CALLBACK (count_changed), &changed);
  evox_renderer_set_cluster_style (renderer, TRUE, 0.5, FALSE);
  g_assert_cmpuint (changed, ==, 0);   /* nothing to draw yet */
  evox_renderer_set_clusters (renderer, clusters);
  evox_renderer_set_clusters (renderer, clusters);
  g_assert_cmpuint (changed, ==, 1);
  evox_clusters_set_name (clusters, 1, "one");
  g_assert_cmpuint (changed, ==, 2);
  evox_renderer_set_cluster_style (renderer, TRUE, 0.5, FALSE);
  g_assert_cmpuint (changed, ==, 2);
  evox_renderer_set_cluster_style (renderer, FALSE, 0.5, FALSE);
  g_assert_cmpuint (changed, ==, 3);
  evox_clusters_set_name (clusters, 1, "two");
  g_assert_cmpuint (changed, ==, 3);
  evox_renderer_set_clusters (renderer, NULL);
  g_assert_cmpuint (changed, ==, 3);
  evox_clusters_set_name (clusters, 1, "three");
  g_assert_cmpuint (changed, ==, 3);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  evox_test_gl_init ();

  g_test_add_func ("/Evox/Render/camera/zoom-at", test_camera_zoom_at);
  g_test_add_func ("/Evox/Render/camera/pan", test_camera_pan);
  g_test_add_func ("/Evox/Render/camera/padding", test_camera_padding);
  g_test_add_func ("/Evox/Render/camera/look-along", test_camera_look_along);
  g_test_add_func ("/Evox/Render/signals", test_signals);
  g_test_add_func ("/Evox/Render/pick", test_pick);
  g_test_add_func ("/Evox/Render/realize-again", test_realize_again);
  g_test_add_func ("/Evox/Render/slice/u8", test_slice_u8);
  g_test_add_func ("/Evox/Render/slice/u16", test_slice_u16);
  g_test_add_func ("/Evox/Render/slice/f32", test_slice_f32);
  g_test_add_func ("/Evox/Render/slice/orientation", test_slice_orientation);
  g_test_add_func ("/Evox/Render/transparent", test_transparent);
  g_test_add_func ("/Evox/Render/transparent-stack", test_transparent_stack);
  g_test_add_func ("/Evox/Render/export-sizes", test_export_sizes);
  g_test_add_func ("/Evox/Render/slices-view", test_slices_view);
  g_test_add_func ("/Evox/Render/stack-view", test_stack_view);
  g_test_add_func ("/Evox/Render/stack-scans", test_stack_scans);
  g_test_add_func ("/Evox/Render/too-large", test_too_large);
  g_test_add_func ("/Evox/Render/demo", test_demo);
  g_test_add_func ("/Evox/Render/phases/u8", test_phases_u8);
  g_test_add_func ("/Evox/Render/phases/u16", test_phases_u16);
  g_test_add_func ("/Evox/Render/phases/f32", test_phases_f32);
  g_test_add_func ("/Evox/Render/phases/live", test_phases_live);
  g_test_add_func ("/Evox/Render/phases/signals", test_phases_signals);
  g_test_add_func ("/Evox/Render/phases/limit", test_phases_limit);
  g_test_add_func ("/Evox/Render/phases/pick", test_phases_pick);
  g_test_add_func ("/Evox/Render/phases/stack", test_phases_stack);
  g_test_add_func ("/Evox/Render/phases/demo", test_phases_demo);
  g_test_add_func ("/Evox/Render/particles/highlight", test_particles_highlight);
  g_test_add_func ("/Evox/Render/particles/colour", test_particles_colour);
  g_test_add_func ("/Evox/Render/particles/formats", test_particles_formats);
  g_test_add_func ("/Evox/Render/particles/signals", test_particles_signals);
  g_test_add_func ("/Evox/Render/particles/too-large", test_particles_too_large);
  g_test_add_func ("/Evox/Render/clusters/overlay", test_clusters_overlay);
  g_test_add_func ("/Evox/Render/clusters/over-phases", test_clusters_over_phases);
  g_test_add_func ("/Evox/Render/clusters/signals", test_clusters_signals);
  g_test_add_func ("/Evox/Render/clusters/many", test_clusters_many);
  g_test_add_func ("/Evox/Render/clusters/types", test_clusters_types);
  g_test_add_func ("/Evox/Render/clusters/stack-and-quad", test_clusters_stack_and_quad);
  g_test_add_func ("/Evox/Render/surfaces/silhouette", test_surfaces_silhouette);
  g_test_add_func ("/Evox/Render/surfaces/views", test_surfaces_views);
  g_test_add_func ("/Evox/Render/surfaces/translucent", test_surfaces_translucent);
  g_test_add_func ("/Evox/Render/surfaces/clip", test_surfaces_clip);
  g_test_add_func ("/Evox/Render/surfaces/uploads", test_surfaces_uploads);
  g_test_add_func ("/Evox/Render/surfaces/vertex-colors", test_surfaces_vertex_colors);
  g_test_add_func ("/Evox/Render/quad-frames", test_quad_frames);
  g_test_add_func ("/Evox/Render/quad-frames-scale-2", test_quad_frames_scale_2);
  g_test_add_func ("/Evox/Render/quad", test_quad);
  g_test_add_func ("/Evox/Render/ruler-label-inside", test_ruler_label_inside);

  status = g_test_run ();

  evox_test_gl_clear ();
  return status;
}
