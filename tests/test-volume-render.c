/* test-volume-render.c: the Volume view's rays on headless EGL, pixel by pixel against what the
 * test computes itself: projections against the max, min and mean over an axis, Beer-Lambert
 * through a slab, an iso sphere's silhouette, phases, the clip box, skipping and depth. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-document.h"
#include "evox-image.h"
#include "evox-renderer.h"
#include "evox-renderer-private.h"
#include "evox-surface.h"
#include "evox-test-gl.h"
#include "evox-volume-pass.h"

/* Pixels a voxel: odd, so the middle pixel of each voxel's square looks down its centre. */
#define CELL 3

static EvoxVolume *
volume_new (gsize          nx,
            gsize          ny,
            gsize          nz,
            EvoxSampleType type)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (nx, ny, nz, 1, type, &error);

  g_assert_no_error (error);
  return volume;
}

/* A realized renderer drawing `volume` in the Volume view with `style`, looking along +z with
 * an orthographic camera that frames the volume (x right, y down, voxel (0, 0) top left). */
static EvoxRenderer *
renderer_new (EvoxVolume      *volume,
              EvoxVolumeStyle *style,
              const char      *colormap,
              double           lo,
              double           hi)
{
  g_autoptr(GError) error = NULL;
  EvoxRenderer *renderer = evox_renderer_new ();
  EvoxCamera *camera;

  g_assert_true (evox_renderer_realize (renderer, &error));
  g_assert_no_error (error);
  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_colormap (renderer, colormap);
  evox_renderer_set_range (renderer, lo, hi);
  evox_renderer_set_view (renderer, EVOX_VIEW_VOLUME);
  evox_renderer_set_volume_style (renderer, style);
  camera = evox_renderer_get_camera (renderer);
  evox_camera_set_orthographic (camera, TRUE);
  evox_camera_look_along (camera, 2);
  return renderer;
}

static void
renderer_free (EvoxRenderer *renderer)
{
  evox_renderer_unrealize (renderer);
  g_assert_finalize_object (renderer);
}

/* Where EVOX_TEST_DUMP names a folder, the picture goes there as NAME.png to be looked at. */
static void
dump (const char   *name,
      const guint8 *pixels,
      int           width,
      int           height)
{
  const char *folder = g_getenv ("EVOX_TEST_DUMP");
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;

  if (folder == NULL)
    return;
  file = g_strconcat (name, ".png", NULL);
  path = g_build_filename (folder, file, NULL);
  g_assert_true (evox_image_write (path, pixels, width, height, EVOX_IMAGE_WRITE_OVERWRITE,
                                   NULL));
}

static guint8 *
render (EvoxRenderer *renderer,
        int           width,
        int           height,
        gboolean      transparent,
        const char   *name)
{
  g_autoptr(GError) error = NULL;
  guint8 *pixels = evox_renderer_render_image (renderer, width, height, width, height,
                                               transparent, &error);

  g_assert_no_error (error);
  g_assert_nonnull (pixels);
  dump (name, pixels, width, height);
  return pixels;
}

/* The middle pixel of voxel column (x, y). */
static const guint8 *
voxel_pixel (const guint8 *pixels,
             int           width,
             guint         x,
             guint         y)
{
  return pixels + ((gsize) (y * CELL + CELL / 2) * width + x * CELL + CELL / 2) * 4;
}

/* The colour the slices would give stored value v (linear mapping over lo..hi), as floats. */
static void
value_colour (const char *colormap,
              double      lo,
              double      hi,
              double      v,
              double      rgb[3])
{
  guint8 c[3];

  evox_colormap_sample (colormap, evox_display_coordinate (EVOX_TRANSFER_IDENTITY, lo, hi, v),
                        c);
  for (guint i = 0; i < 3; i++)
    rgb[i] = c[i];
}

/* rgba within `tolerance` of rgb (0..255) on each colour channel, and of alpha. */
static void
assert_rgba (const guint8 *rgba,
             const double  rgb[3],
             double        alpha,
             double        tolerance,
             const char   *what)
{
  for (guint i = 0; i < 3; i++)
    if (fabs (rgba[i] - rgb[i]) > tolerance)
      g_error ("%s: drew %u,%u,%u,%u, expected %.2f,%.2f,%.2f,%.2f", what, rgba[0], rgba[1],
               rgba[2], rgba[3], rgb[0], rgb[1], rgb[2], alpha);
  if (fabs (rgba[3] - alpha) > tolerance)
    g_error ("%s: alpha %u, expected %.2f", what, rgba[3], alpha);
}

/* Deterministic values 0..255 with a few zeros and a few peaks. */
static EvoxVolume *
random_u8 (gsize n,
           guint seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  EvoxVolume *volume = volume_new (n, n, n, EVOX_SAMPLE_U8);
  guint8 *data = evox_volume_get_data_mut (volume, 0);

  for (gsize i = 0; i < n * n * n; i++)
    data[i] = (guint8) g_rand_int_range (rand, 0, 256);
  return volume;
}

static guint8
u8_at (EvoxVolume *volume,
       gsize       n,
       gsize       x,
       gsize       y,
       gsize       z)
{
  return ((const guint8 *) evox_volume_get_data (volume, 0))[(z * n + y) * n + x];
}

/* The min/max grid against the brute force of its header: every voxel of the brick and of its
 * 26 neighbours, infinities where one is NaN. */
static void
test_bricks (void)
{
  const gsize dims[3] = { 20, 13, 9 };
  g_autoptr(EvoxVolume) volume = volume_new (dims[0], dims[1], dims[2], EVOX_SAMPLE_F32);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  float *data = evox_volume_get_data_mut (volume, 0);
  g_autofree float *grid = NULL;
  gsize bricks[3];

  for (gsize i = 0; i < dims[0] * dims[1] * dims[2]; i++)
    data[i] = (float) g_rand_double_range (rand, -5, 5);
  data[(8 * dims[1] + 12) * dims[0] + 19] = NAN;   /* in the last brick of every axis */
  grid = _evox_volume_bricks_new (volume, 0, bricks);
  g_assert_cmpuint (bricks[0], ==, 3);
  g_assert_cmpuint (bricks[1], ==, 2);
  g_assert_cmpuint (bricks[2], ==, 2);
  for (gsize k = 0; k < bricks[2]; k++)
    for (gsize j = 0; j < bricks[1]; j++)
      for (gsize i = 0; i < bricks[0]; i++)
        {
          const float *range = grid + 2 * ((k * bricks[1] + j) * bricks[0] + i);
          double lo = INFINITY, hi = -INFINITY;
          gboolean nan = FALSE;

          for (gsize z = 0; z < dims[2]; z++)
            for (gsize y = 0; y < dims[1]; y++)
              for (gsize x = 0; x < dims[0]; x++)
                {
                  float v = data[(z * dims[1] + y) * dims[0] + x];

                  if (llabs ((long long) (x / 8) - (long long) i) > 1 ||
                      llabs ((long long) (y / 8) - (long long) j) > 1 ||
                      llabs ((long long) (z / 8) - (long long) k) > 1)
                    continue;
                  if (isnan (v))
                    nan = TRUE;
                  else
                    {
                      lo = MIN (lo, v);
                      hi = MAX (hi, v);
                    }
                }
          if (nan)
            {
              g_assert_true (isinf (range[0]) && range[0] < 0);
              g_assert_true (isinf (range[1]) && range[1] > 0);
            }
          else
            {
              g_assert_cmpfloat (range[0], ==, lo);
              g_assert_cmpfloat (range[1], ==, hi);
            }
        }
}

/* Maximum, minimum and mean intensity projections along z against the max, min and mean of each
 * column computed here, in the colour map, within 1/255 per channel. Trilinear samples along a
 * ray through voxel centres take every voxel's value at its centre and lie between neighbours
 * elsewhere, so the extremes are the voxels'; the mean (trapezoids between samples that fall on
 * the centres) is the column's mean exactly. */
static void
test_projections (void)
{
  const gsize n = 16;
  const int size = (int) n * CELL;
  g_autoptr(EvoxVolume) volume = random_u8 (n, 3);
  g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
  const EvoxRayMode modes[3] = { EVOX_RAY_MIP, EVOX_RAY_MINIP, EVOX_RAY_MEAN };
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;
  renderer = renderer_new (volume, style, "viridis", 0, 255);
  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    {
      g_autofree guint8 *pixels = NULL;
      g_autofree char *name = g_strdup_printf ("volume-%s", evox_ray_mode_to_string (modes[m]));

      evox_volume_style_set_mode (style, modes[m]);
      pixels = render (renderer, size, size, FALSE, name);
      /* The outer columns lie under the box's outline. */
      for (gsize y = 1; y + 1 < n; y++)
        for (gsize x = 1; x + 1 < n; x++)
          {
            double best = modes[m] == EVOX_RAY_MINIP ? 255 : 0, sum = 0, rgb[3];
            g_autofree char *what = NULL;

            for (gsize z = 0; z < n; z++)
              {
                double v = u8_at (volume, n, x, y, z);

                best = modes[m] == EVOX_RAY_MIP ? MAX (best, v)
                       : modes[m] == EVOX_RAY_MINIP ? MIN (best, v) : best;
                sum += v;
              }
            if (modes[m] == EVOX_RAY_MEAN)
              best = sum / n;
            value_colour ("viridis", 0, 255, best, rgb);
            what = g_strdup_printf ("%s of column %" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT " (%g)",
                                    name, x, y, best);
            assert_rgba (voxel_pixel (pixels, size, (guint) x, (guint) y), rgb, 255, 1.0, what);
          }
    }
  renderer_free (renderer);
}

/* A slab t voxels thick of constant opacity a per voxel: the drawn alpha is 1 - (1 - a)^t and
 * the colour the colour map's, whatever the step (full quality and interactive). */
static void
test_beer_lambert (void)
{
  const gsize n = 8;
  const int size = (int) n * CELL;
  const double opacities[2] = { 0.1, 0.35 };
  const gsize thicknesses[2] = { 5, 12 };

  if (!evox_test_need_gl ())
    return;
  for (guint s = 0; s < G_N_ELEMENTS (thicknesses); s++)
    {
      gsize t = thicknesses[s];
      g_autoptr(EvoxVolume) volume = volume_new (n, n, t, EVOX_SAMPLE_U8);
      g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
      const float black[4] = { 0, 0, 0, 1 };
      EvoxRenderer *renderer;
      double rgb[3];

      memset (evox_volume_get_data_mut (volume, 0), 200, n * n * t);
      renderer = renderer_new (volume, style, "grey", 0, 255);
      evox_renderer_set_background (renderer, black);
      value_colour ("grey", 0, 255, 200, rgb);
      for (guint o = 0; o < G_N_ELEMENTS (opacities); o++)
        for (int interactive = 0; interactive < 2; interactive++)
          {
            double value = 200, opacity = opacities[o];
            double alpha = 1 - pow (1 - opacity, (double) t), over_black[3];
            g_autofree guint8 *straight = NULL;
            g_autofree guint8 *on_black = NULL;
            g_autofree char *what = g_strdup_printf ("slab %" G_GSIZE_FORMAT " a %g%s", t,
                                                     opacity, interactive ? " interactive" : "");

            /* One point: the same opacity at every value. */
            evox_volume_style_set_points (style, &value, &opacity, 1);
            evox_renderer_set_interactive (renderer, interactive);
            straight = render (renderer, size, size, TRUE, "volume-slab");
            on_black = render (renderer, size, size, FALSE, "volume-slab-black");
            for (guint i = 0; i < 3; i++)
              over_black[i] = rgb[i] * alpha;
            for (guint y = 1; y + 1 < n; y++)
              for (guint x = 1; x + 1 < n; x++)
                {
                  /* Straight alpha is divided back out of 8 bits: a little more rounding. */
                  assert_rgba (voxel_pixel (straight, size, x, y), rgb, 255 * alpha, 2.0, what);
                  assert_rgba (voxel_pixel (on_black, size, x, y), over_black, 255, 1.0, what);
                }
          }
      renderer_free (renderer);
    }
}

/* A sphere in the iso mode: every pixel more than a pixel inside its projected disc is drawn,
 * every pixel more than a pixel outside is not; shaded brighter in the middle than at the rim. */
static void
test_iso_sphere (void)
{
  const gsize n = 32;
  const int size = (int) n * CELL;
  const double radius = 10.5, centre = (n - 1) / 2.0;
  g_autoptr(EvoxVolume) volume = volume_new (n, n, n, EVOX_SAMPLE_F32);
  g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
  float *data = evox_volume_get_data_mut (volume, 0);
  g_autofree guint8 *pixels = NULL;
  EvoxRenderer *renderer;
  guint inside = 0;

  if (!evox_test_need_gl ())
    return;
  /* Distance from the centre of the middle voxel: the level `radius` is the sphere. */
  for (gsize z = 0; z < n; z++)
    for (gsize y = 0; y < n; y++)
      for (gsize x = 0; x < n; x++)
        data[(z * n + y) * n + x] = (float) sqrt ((x - centre) * (x - centre) +
                                                  (y - centre) * (y - centre) +
                                                  (z - centre) * (z - centre));
  evox_volume_style_set_mode (style, EVOX_RAY_ISO);
  evox_volume_style_set_iso_level (style, radius);
  renderer = renderer_new (volume, style, "viridis", 0, 30);
  pixels = render (renderer, size, size, TRUE, "volume-iso-sphere");
  for (int py = 0; py < size; py++)
    for (int px = 0; px < size; px++)
      {
        /* Pixel centre in voxel units (voxel centres at integers). */
        double vx = (px + 0.5) / CELL - 0.5, vy = (py + 0.5) / CELL - 0.5;
        double r = sqrt ((vx - centre) * (vx - centre) + (vy - centre) * (vy - centre)) * CELL;
        const guint8 *p = pixels + ((gsize) py * size + px) * 4;

        /* The box's outline runs along the edges. */
        if (px < 3 || py < 3 || px >= size - 3 || py >= size - 3)
          continue;
        if (r < radius * CELL - 1)
          {
            if (p[3] != 255)
              g_error ("pixel %d,%d inside the disc (r %.2f px) has alpha %u", px, py, r, p[3]);
            inside++;
          }
        else if (r > radius * CELL + 1 && p[3] != 0)
          g_error ("pixel %d,%d outside the disc (r %.2f px) has alpha %u", px, py, r, p[3]);
      }
  g_assert_cmpuint (inside, >, 1000);
  {
    /* The headlight: the middle faces the eye, the rim does not. */
    const guint8 *middle = pixels + ((gsize) (size / 2) * size + size / 2) * 4;
    const guint8 *rim = pixels + ((gsize) (size / 2) * size +
                                  (int) (size / 2 + radius * CELL - 3)) * 4;

    g_assert_cmpuint (middle[0] + middle[1] + middle[2], >, rim[0] + rim[1] + rim[2] + 60);
  }
  renderer_free (renderer);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  evox_test_gl_init ();

  g_test_add_func ("/Evox/VolumeRender/bricks", test_bricks);
  g_test_add_func ("/Evox/VolumeRender/projections", test_projections);
  g_test_add_func ("/Evox/VolumeRender/beer-lambert", test_beer_lambert);
  g_test_add_func ("/Evox/VolumeRender/iso-sphere", test_iso_sphere);

  status = g_test_run ();

  evox_test_gl_clear ();
  return status;
}
