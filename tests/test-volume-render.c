/* test-volume-render.c: the Volume view's rays on headless EGL, pixel by pixel against what the
 * test computes itself: projections against the max, min and mean over an axis, Beer-Lambert
 * through a slab, an iso sphere's silhouette, phases, the clip box, skipping and depth. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>
#include <epoxy/gl.h>

#include "evox-clusters.h"
#include "evox-document.h"
#include "evox-phase.h"
#include "evox-image.h"
#include "evox-renderer.h"
#include "evox-renderer-private.h"
#include "evox-surface.h"
#include "evox-test-gl.h"
#include "evox-test-volume.h"
#include "evox-volume-pass.h"

/* Pixels a voxel: odd, so the middle pixel of each voxel's square looks down its centre. */
#define CELL 3

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
  EvoxVolume *volume = evox_test_volume_new (n, n, n, EVOX_SAMPLE_U8);
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

/* The min/max grid against the brute force of its header: every voxel of the brick and the
 * layer of voxels around it, infinities where one is NaN. */
static void
test_bricks (void)
{
  const gsize dims[3] = { 20, 13, 9 };
  g_autoptr(EvoxVolume) volume = evox_test_volume_new (dims[0], dims[1], dims[2], EVOX_SAMPLE_F32);
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

                  if ((long long) x < 8 * (long long) i - 1 || x > 8 * i + 8 ||
                      (long long) y < 8 * (long long) j - 1 || y > 8 * j + 8 ||
                      (long long) z < 8 * (long long) k - 1 || z > 8 * k + 8)
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
  /* Over 50..200 most columns' extremes lie beyond the colour map's ends, where mip and minip
   * rays stop early: the colour must still be the extreme's (mip and minip only: the mean
   * does not stop early, and the narrow range's steeper colours would need more tolerance). */
  for (guint m = 0; m < G_N_ELEMENTS (modes) + 2; m++)
    {
      gboolean narrow = m >= G_N_ELEMENTS (modes);
      EvoxRayMode mode = modes[m % G_N_ELEMENTS (modes)];
      double lo = narrow ? 50 : 0, hi = narrow ? 200 : 255;
      g_autofree guint8 *pixels = NULL;
      g_autofree char *name = g_strdup_printf ("volume-%s%s", evox_ray_mode_to_string (mode),
                                               narrow ? "-narrow" : "");

      evox_renderer_set_range (renderer, lo, hi);
      evox_volume_style_set_mode (style, mode);
      pixels = render (renderer, size, size, FALSE, name);
      /* The outer columns lie under the box's outline. */
      for (gsize y = 1; y + 1 < n; y++)
        for (gsize x = 1; x + 1 < n; x++)
          {
            double best = mode == EVOX_RAY_MINIP ? 255 : 0, sum = 0, rgb[3];
            g_autofree char *what = NULL;

            for (gsize z = 0; z < n; z++)
              {
                double v = u8_at (volume, n, x, y, z);

                best = mode == EVOX_RAY_MIP ? MAX (best, v)
                       : mode == EVOX_RAY_MINIP ? MIN (best, v) : best;
                sum += v;
              }
            if (mode == EVOX_RAY_MEAN)
              best = sum / n;
            value_colour ("viridis", lo, hi, best, rgb);
            what = g_strdup_printf ("%s of column %" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT " (%g)",
                                    name, x, y, best);
            assert_rgba (voxel_pixel (pixels, size, (guint) x, (guint) y), rgb, 255, 1.0, what);
          }
    }
  renderer_free (renderer);
}

/* Log mapping: a maximum intensity projection of positive floats takes the colour the slices
 * give the column's maximum on a log axis (evox_display_coordinate with log10). */
static void
test_mip_log (void)
{
  const gsize n = 12;
  const int size = (int) n * CELL;
  g_autoptr(EvoxVolume) volume = evox_test_volume_new (n, n, n, EVOX_SAMPLE_F32);
  g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  float *data = evox_volume_get_data_mut (volume, 0);
  g_autofree guint8 *pixels = NULL;
  const double lo = 1e-3, hi = 1e3;
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;
  for (gsize i = 0; i < n * n * n; i++)
    data[i] = (float) pow (10.0, g_rand_double_range (rand, -4, 4));
  evox_volume_style_set_mode (style, EVOX_RAY_MIP);
  renderer = renderer_new (volume, style, "viridis", lo, hi);
  evox_renderer_set_mapping (renderer, EVOX_MAPPING_LOG);
  pixels = render (renderer, size, size, FALSE, "volume-mip-log");
  for (gsize y = 1; y + 1 < n; y++)
    for (gsize x = 1; x + 1 < n; x++)
      {
        double best = 0, rgb[3];
        guint8 c[3];
        g_autofree char *what = NULL;

        for (gsize z = 0; z < n; z++)
          best = MAX (best, data[(z * n + y) * n + x]);
        evox_colormap_sample ("viridis",
                              evox_display_coordinate (EVOX_TRANSFER_LOG10, lo, hi, best), c);
        for (guint i = 0; i < 3; i++)
          rgb[i] = c[i];
        what = g_strdup_printf ("log mip of column %" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT
                                " (%g)", x, y, best);
        assert_rgba (voxel_pixel (pixels, size, (guint) x, (guint) y), rgb, 255, 1.0, what);
      }
  renderer_free (renderer);
}

/* Unrealized and realized again (a canvas moved to another window), the rays draw the same
 * picture: the pass's table, grid and flags go up again into the new context. */
static void
test_realize_again (void)
{
  const gsize n = 16;
  const int size = (int) n * CELL;
  g_autoptr(EvoxVolume) volume = random_u8 (n, 5);
  g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *before = NULL;
  g_autofree guint8 *after = NULL;
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;
  evox_volume_style_set_box (style, 100, 200, 0.2);
  renderer = renderer_new (volume, style, "viridis", 0, 255);
  before = render (renderer, size, size, FALSE, "volume-realize-before");
  evox_renderer_unrealize (renderer);
  g_assert_true (evox_renderer_realize (renderer, &error));
  g_assert_no_error (error);
  after = render (renderer, size, size, FALSE, "volume-realize-after");
  g_assert_cmpmem (before, (gsize) size * size * 4, after, (gsize) size * size * 4);
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
      g_autoptr(EvoxVolume) volume = evox_test_volume_new (n, n, t, EVOX_SAMPLE_U8);
      g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
      const float black[4] = { 0, 0, 0, 1 };
      EvoxRenderer *renderer;
      double rgb[3];

      memset (evox_volume_get_data_mut (volume, 0), 200, n * n * t);
      renderer = renderer_new (volume, style, "grey", 0, 255);
      evox_renderer_set_background (renderer, black);
      value_colour ("grey", 0, 255, 200, rgb);
      for (guint o = 0; o < G_N_ELEMENTS (opacities); o++)
        {
          double value = 200, opacity = opacities[o];
          double alpha = 1 - pow (1 - opacity, (double) t), over_black[3];
          g_autofree guint8 *straight = NULL;
          g_autofree guint8 *on_black = NULL;
          g_autofree guint8 *dragged = NULL;
          g_autofree guint8 *exported = NULL;
          g_autofree char *what = g_strdup_printf ("slab %" G_GSIZE_FORMAT " a %g", t, opacity);
          g_autofree char *what_dragged = g_strconcat (what, " interactive", NULL);

          /* One point: the same opacity at every value. */
          evox_volume_style_set_points (style, &value, &opacity, 1);
          evox_renderer_set_interactive (renderer, FALSE);
          straight = render (renderer, size, size, TRUE, "volume-slab");
          on_black = render (renderer, size, size, FALSE, "volume-slab-black");
          /* While the user drags the canvas draws coarser rays; an export stays full quality. */
          evox_renderer_set_interactive (renderer, TRUE);
          dragged = evox_test_draw_frame (renderer, size, size);
          exported = render (renderer, size, size, FALSE, "volume-slab-exported");
          g_assert_cmpmem (exported, (gsize) size * size * 4, on_black, (gsize) size * size * 4);
          for (guint i = 0; i < 3; i++)
            over_black[i] = rgb[i] * alpha;
          for (guint y = 1; y + 1 < n; y++)
            for (guint x = 1; x + 1 < n; x++)
              {
                /* Straight alpha is divided back out of 8 bits: a little more rounding. */
                assert_rgba (voxel_pixel (straight, size, x, y), rgb, 255 * alpha, 2.0, what);
                assert_rgba (voxel_pixel (on_black, size, x, y), over_black, 255, 1.0, what);
                assert_rgba (voxel_pixel (dragged, size, x, y), over_black, 255, 1.0,
                             what_dragged);
              }
        }
      renderer_free (renderer);
    }
}

/* Jittered starts: a column whose value rises by one a voxel along z (v = z, clamped at the
 * ends) under a hard curve (opacity 0.2 per voxel for v >= 3.1) has 16 - 3.6 = 12.4 voxels of
 * each ray above the edge. Rays that all start alike put their samples at the same depths and
 * see one quantized length everywhere (12.14 here with the jitter off: the banding); jittered
 * ones see lengths spread over a step, whose mean over the pixels is the exact one. The mean
 * length is read back from each pixel's alpha (-ln (1 - alpha) / -ln 0.8); 8-bit alpha rounds
 * it by at most 0.005, so 0.04 of tolerance is rounding and the jitter pattern's unevenness
 * (the mean came out 12.4003), well under the 0.26 the unjittered picture is off by. The
 * picture is the same when drawn again. */
static void
test_jitter (void)
{
  const gsize n = 16;
  const int size = (int) n * CELL;
  g_autoptr(EvoxVolume) volume = evox_test_volume_new (n, n, n, EVOX_SAMPLE_F32);
  g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
  float *data = evox_volume_get_data_mut (volume, 0);
  g_autofree guint8 *pixels = NULL;
  g_autofree guint8 *again = NULL;
  double sum = 0, lo = G_MAXDOUBLE, hi = 0;
  guint count = 0;
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;
  for (gsize z = 0; z < n; z++)
    for (gsize i = 0; i < n * n; i++)
      data[z * n * n + i] = (float) z;
  evox_volume_style_set_box (style, 3.1, 100, 0.2);
  renderer = renderer_new (volume, style, "grey", 0, 15);
  pixels = render (renderer, size, size, TRUE, "volume-jitter");
  again = render (renderer, size, size, TRUE, "volume-jitter-again");
  g_assert_cmpmem (pixels, (gsize) size * size * 4, again, (gsize) size * size * 4);
  /* Inside the box's outline. */
  for (int y = CELL; y < size - CELL; y++)
    for (int x = CELL; x < size - CELL; x++)
      {
        double alpha = pixels[((gsize) y * size + x) * 4 + 3] / 255.0;
        double length = log (1 - alpha) / log (0.8);

        sum += length;
        lo = MIN (lo, length);
        hi = MAX (hi, length);
        count++;
      }
  g_test_message ("mean length %.4f (%.3f..%.3f) over %u pixels", sum / count, lo, hi, count);
  g_assert_cmpfloat_with_epsilon (sum / count, 12.4, 0.04);
  /* The lengths spread over most of a step (0.5 voxel). */
  g_assert_cmpfloat (hi - lo, >, 0.3);
  renderer_free (renderer);
}

/* u16 data spanning all 65536 values gets one table texel per stored value: a box of opacity
 * 0.35 two values wide (30000..30002) around a slab of 30001 draws the slab's Beer-Lambert alpha
 * 1 - 0.65^5. A 4096-texel table over 0..65535 (one texel per 16 values, what the table was)
 * has no texel inside the box and draws nothing. The extremes 0 and 65535 sit in the corner
 * column (0, 0), away from the pixels checked (a ray at a pixel centre interpolates a little of
 * its neighbour column). */
static void
test_u16_table (void)
{
  const gsize n = 8, t = 5;
  const int size = (int) n * CELL;
  g_autoptr(EvoxVolume) volume = evox_test_volume_new (n, n, t, EVOX_SAMPLE_U16);
  g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
  guint16 *data = evox_volume_get_data_mut (volume, 0);
  const float black[4] = { 0, 0, 0, 1 };
  g_autofree guint8 *pixels = NULL;
  double rgb[3], alpha = 1 - pow (1 - 0.35, (double) t);
  double lo, hi;
  guint texels;
  EvoxRenderer *renderer;

  for (gsize i = 0; i < n * n * t; i++)
    data[i] = 30001;
  data[0] = 0;
  data[n * n] = 65535;
  _evox_volume_lut_domain (volume, 0, &lo, &hi, &texels);
  g_assert_cmpfloat (lo, ==, 0);
  g_assert_cmpfloat (hi, ==, 65535);
  g_assert_cmpuint (texels, ==, 65536);
  if (!evox_test_need_gl ())
    return;
  evox_volume_style_set_box (style, 30000, 30002, 0.35);
  renderer = renderer_new (volume, style, "grey", 0, 65535);
  evox_renderer_set_background (renderer, black);
  pixels = render (renderer, size, size, FALSE, "volume-u16-table");
  value_colour ("grey", 0, 65535, 30001, rgb);
  for (guint i = 0; i < 3; i++)
    rgb[i] *= alpha;
  for (guint y = 2; y + 1 < n; y++)
    for (guint x = 2; x + 1 < n; x++)
      assert_rgba (voxel_pixel (pixels, size, x, y), rgb, 255, 1.0, "u16 slab of 30001");
  renderer_free (renderer);
}

/* A sphere in the iso mode: every pixel more than a pixel inside its projected disc is drawn,
 * every pixel more than a pixel outside is not; shaded brighter in the middle than at the rim. */
static void
test_iso_sphere (void)
{
  const gsize n = 32;
  const int size = (int) n * CELL;
  const double radius = 10.5, centre = (n - 1) / 2.0;
  g_autoptr(EvoxVolume) volume = evox_test_volume_new (n, n, n, EVOX_SAMPLE_F32);
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

/* Columns along z: value 50 for x < 6, 150 for 6 <= x < 11, 0 beyond; cluster ids 1, 2 and 0
 * (outside the mask) over the same columns. */
static EvoxVolume *
two_phase_volume (gsize      n,
                  EvoxVolume **ids)
{
  EvoxVolume *volume = evox_test_volume_new (n, n, n, EVOX_SAMPLE_U8);
  guint8 *data = evox_volume_get_data_mut (volume, 0);
  guint8 *labels;

  *ids = evox_test_volume_new (n, n, n, EVOX_SAMPLE_U8);
  labels = evox_volume_get_data_mut (*ids, 0);
  for (gsize i = 0; i < n * n * n; i++)
    {
      gsize x = i % n;

      data[i] = x < 6 ? 50 : x < 11 ? 150 : 0;
      labels[i] = x < 6 ? 1 : x < 11 ? 2 : 0;
    }
  return volume;
}

/* Each column's expected colour: column x < limit takes colour a below 6, b below 11, and is
 * clear (alpha 0) elsewhere. */
static void
assert_columns (const guint8 *pixels,
                gsize         n,
                guint         limit,
                const double  a[3],
                const double  b[3],
                const char   *what)
{
  static const double clear[3] = { 0, 0, 0 };
  int size = (int) n * CELL;

  for (guint y = 1; y + 1 < n; y++)
    for (guint x = 1; x + 1 < n; x++)
      {
        gboolean drawn = x < limit && x < 11;

        assert_rgba (voxel_pixel (pixels, size, x, y), !drawn ? clear : x < 6 ? a : b,
                     drawn ? 255 : 0, 1.0, what);
      }
}

/* Phases as the transfer function draw each visible phase in its colour and the rest clear;
 * clusters each visible cluster in its colour; the clip box cuts both. */
static void
test_phases_clusters_clip (void)
{
  const gsize n = 16;
  const int size = (int) n * CELL;
  g_autoptr(EvoxVolume) ids = NULL;
  g_autoptr(EvoxVolume) volume = two_phase_volume (n, &ids);
  g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
  g_autoptr(EvoxPhaseList) phases = evox_phase_list_new ();
  g_autoptr(EvoxPhase) red = evox_phase_new ("red", 40, 60, "#ff0000");
  g_autoptr(EvoxPhase) blue = evox_phase_new ("blue", 140, 160, "#0000ff");
  g_autoptr(EvoxClusters) clusters = NULL;
  g_autoptr(GError) error = NULL;
  const double lo[3] = { 0, 0, 0 }, half[3] = { 0.5, 1, 1 }, whole[3] = { 1, 1, 1 };
  const double red_rgb[3] = { 255, 0, 0 }, blue_rgb[3] = { 0, 0, 255 };
  double one[3], two[3];
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;
  evox_phase_set_opacity (red, 1.0);
  evox_phase_set_opacity (blue, 1.0);
  evox_phase_list_append (phases, red);
  evox_phase_list_append (phases, blue);
  evox_volume_style_set_source (style, EVOX_VOLUME_SOURCE_PHASES);
  renderer = renderer_new (volume, style, "viridis", 0, 255);
  /* Phases colour the volume whether or not the slices show them. */
  evox_renderer_set_phases (renderer, phases, FALSE, FALSE);
  {
    g_autofree guint8 *pixels = render (renderer, size, size, TRUE, "volume-phases");

    assert_columns (pixels, n, G_MAXUINT, red_rgb, blue_rgb, "phases");
  }
  evox_volume_style_set_clip (style, lo, half);
  {
    g_autofree guint8 *pixels = render (renderer, size, size, TRUE, "volume-phases-clip");

    assert_columns (pixels, n, 8, red_rgb, blue_rgb, "phases clipped to x <= 1/2");
  }
  /* A hidden phase is clear. */
  evox_volume_style_set_clip (style, lo, whole);
  evox_phase_set_visible (blue, FALSE);
  {
    g_autofree guint8 *pixels = render (renderer, size, size, TRUE, "volume-phases-hidden");

    assert_columns (pixels, n, 6, red_rgb, blue_rgb, "blue hidden");
  }

  clusters = evox_clusters_new_from_volume (ids, NULL, &error);
  g_assert_no_error (error);
  evox_renderer_set_clusters (renderer, clusters);
  evox_renderer_set_cluster_style (renderer, TRUE, 1.0, FALSE);
  evox_volume_style_set_source (style, EVOX_VOLUME_SOURCE_CLUSTERS);
  for (guint id = 1; id <= 2; id++)
    {
      float rgb[3];

      evox_clusters_get_rgb (clusters, id, rgb);
      for (guint i = 0; i < 3; i++)
        (id == 1 ? one : two)[i] = rgb[i] * 255.0;
    }
  {
    g_autofree guint8 *pixels = render (renderer, size, size, TRUE, "volume-clusters");

    assert_columns (pixels, n, G_MAXUINT, one, two, "clusters");
  }
  evox_volume_style_set_clip (style, lo, half);
  {
    g_autofree guint8 *pixels = render (renderer, size, size, TRUE, "volume-clusters-clip");

    assert_columns (pixels, n, 8, one, two, "clusters clipped to x <= 1/2");
  }
  renderer_free (renderer);
}

/* A few balls of values 100..250 in a volume of zeros: empty-space skipping (composite with a
 * curve that is zero below 90, mip, minip, iso) draws the same pixels as rays that sample all
 * their way, along an axis and from an oblique perspective camera. */
static void
test_skipping (void)
{
  const gsize n = 40;
  const int width = 160, height = 120;
  g_autoptr(EvoxVolume) volume = evox_test_volume_new (n, n, n, EVOX_SAMPLE_U8);
  g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
  guint8 *data = evox_volume_get_data_mut (volume, 0);
  const double balls[3][4] = { { 10, 12, 9, 6 }, { 28, 25, 30, 8 }, { 30, 8, 12, 4 } };
  const EvoxRayMode modes[4] = { EVOX_RAY_COMPOSITE, EVOX_RAY_MIP, EVOX_RAY_MINIP,
                                 EVOX_RAY_ISO };
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;
  for (gsize z = 0; z < n; z++)
    for (gsize y = 0; y < n; y++)
      for (gsize x = 0; x < n; x++)
        {
          guint8 v = 0;

          for (guint b = 0; b < 3; b++)
            {
              double d = sqrt ((x - balls[b][0]) * (x - balls[b][0]) +
                               (y - balls[b][1]) * (y - balls[b][1]) +
                               (z - balls[b][2]) * (z - balls[b][2]));

              if (d < balls[b][3])
                v = (guint8) (250 - 150 * d / balls[b][3]);
            }
          /* MinIP needs something to skip too: a floor of 30 but in one corner. */
          data[(z * n + y) * n + x] = v > 0 ? v : (x > 30 && y > 30 ? 0 : 30);
        }
  evox_volume_style_set_box (style, 90, 255, 0.3);
  evox_volume_style_set_iso_level (style, 160);
  renderer = renderer_new (volume, style, "viridis", 0, 255);
  for (int camera = 0; camera < 2; camera++)
    {
      if (camera == 1)
        {
          evox_camera_set_orthographic (evox_renderer_get_camera (renderer), FALSE);
          evox_camera_reset (evox_renderer_get_camera (renderer));
          evox_camera_orbit (evox_renderer_get_camera (renderer), 40, 25);
        }
      for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
        {
          g_autofree guint8 *skipped = NULL;
          g_autofree guint8 *full = NULL;
          g_autofree char *name = g_strdup_printf ("volume-skip-%s-%d",
                                                   evox_ray_mode_to_string (modes[m]), camera);
          gsize differ = 0;

          evox_volume_style_set_mode (style, modes[m]);
          _evox_renderer_set_skipping (renderer, TRUE);
          skipped = render (renderer, width, height, FALSE, name);
          if (modes[m] == EVOX_RAY_COMPOSITE)
            g_assert_cmpuint (_evox_renderer_get_empty_bricks (renderer), >, 16);
          _evox_renderer_set_skipping (renderer, FALSE);
          full = render (renderer, width, height, FALSE, "volume-skip-full");
          for (gsize i = 0; i < (gsize) width * height * 4; i++)
            differ += skipped[i] != full[i];
          if (differ > 0)
            g_error ("%s: %" G_GSIZE_FORMAT " bytes differ with skipping", name, differ);

          /* The same for the coarser rays of a frame while the user drags, which do draw
           * another picture than full quality. */
          {
            g_autofree guint8 *dragged = NULL;
            g_autofree guint8 *dragged_full = NULL;
            g_autofree guint8 *still = NULL;

            evox_renderer_set_interactive (renderer, TRUE);
            _evox_renderer_set_skipping (renderer, TRUE);
            dragged = evox_test_draw_frame (renderer, width, height);
            _evox_renderer_set_skipping (renderer, FALSE);
            dragged_full = evox_test_draw_frame (renderer, width, height);
            evox_renderer_set_interactive (renderer, FALSE);
            still = evox_test_draw_frame (renderer, width, height);
            g_assert_cmpmem (dragged, (gsize) width * height * 4, dragged_full,
                             (gsize) width * height * 4);
            g_assert_true (memcmp (dragged, still, (gsize) width * height * 4) != 0);
          }
        }
    }
  renderer_free (renderer);
}

/* A camera inside the box: rays start at the near plane (a ten-thousandth of the far one, next
 * to the eye), so the middle pixel's alpha is Beer-Lambert over the eye's distance to the box's
 * back face along its ray. */
static void
test_inside (void)
{
  const gsize n = 16;
  const int size = 65;
  g_autoptr(EvoxVolume) volume = evox_test_volume_new (n, n, n, EVOX_SAMPLE_U8);
  g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
  const double value = 100, opacity = 0.02, box_lo = -0.5, box_hi = n - 0.5;
  g_autofree guint8 *pixels = NULL;
  double origin[3], dir[3], entry = -G_MAXDOUBLE, exit = G_MAXDOUBLE, rgb[3];
  EvoxRenderer *renderer;
  EvoxCamera *camera;

  if (!evox_test_need_gl ())
    return;
  memset (evox_volume_get_data_mut (volume, 0), (int) value, n * n * n);
  evox_volume_style_set_points (style, &value, &opacity, 1);
  renderer = renderer_new (volume, style, "grey", 0, 255);
  camera = evox_renderer_get_camera (renderer);
  evox_camera_set_orthographic (camera, FALSE);
  evox_camera_reset (camera);
  evox_camera_orbit (camera, 20, 10);
  evox_camera_zoom_at (camera, 40, size / 2.0, size / 2.0, size, size);
  evox_camera_get_ray (camera, size / 2.0, size / 2.0, size, size, origin, dir);
  for (guint a = 0; a < 3; a++)
    {
      double ta = (box_lo - origin[a]) / dir[a], tb = (box_hi - origin[a]) / dir[a];

      entry = MAX (entry, MIN (ta, tb));
      exit = MIN (exit, MAX (ta, tb));
    }
  g_assert_cmpfloat (entry, <, 0);   /* the eye is inside */
  g_assert_cmpfloat (exit, >, 2);
  pixels = render (renderer, size, size, TRUE, "volume-inside");
  value_colour ("grey", 0, 255, value, rgb);
  assert_rgba (pixels + ((gsize) (size / 2) * size + size / 2) * 4, rgb,
               255 * (1 - pow (1 - opacity, exit)), 2.0, "the middle ray from inside");
  renderer_free (renderer);
}

/* An opaque quad across the left half, halfway into a slab of constant opacity: a ray there
 * ends on it, so the pixel is the front half of the slab over the quad's colour; the right half
 * sees the whole slab. The quad's colour is taken from a render without the volume. */
static void
test_depth (void)
{
  const gsize n = 16, t = 12;
  const int size = (int) n * CELL;
  const float black[4] = { 0, 0, 0, 1 };
  float positions[12] = { -0.5f, -0.5f, 5.5f, 7.5f, -0.5f, 5.5f,
                          7.5f, 15.5f, 5.5f, -0.5f, 15.5f, 5.5f };
  float normals[12] = { 0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0, -1 };
  guint32 triangles[6] = { 0, 2, 1, 0, 3, 2 };
  g_autoptr(EvoxVolume) volume = evox_test_volume_new (n, n, t, EVOX_SAMPLE_U8);
  g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
  g_autoptr(EvoxSurfaceList) surfaces = evox_surface_list_new ();
  g_autoptr(EvoxMesh) mesh = NULL;
  g_autoptr(EvoxSurface) surface = NULL;
  EvoxSurfaceSpec spec = { .kind = EVOX_SURFACE_LEVEL, .level = 1.0 };
  const double lo[3] = { 0, 0, 0 }, nothing[3] = { 0, 0, 0 };
  const double value = 200, opacity = 0.2;
  g_autofree guint8 *quad = NULL;
  g_autofree guint8 *scene = NULL;
  double colour[3];
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;
  memset (evox_volume_get_data_mut (volume, 0), (int) value, n * n * t);
  mesh = evox_mesh_new_take (g_memdup2 (positions, sizeof positions),
                             g_memdup2 (normals, sizeof normals), NULL, 4,
                             g_memdup2 (triangles, sizeof triangles), 2, FALSE);
  surface = evox_surface_new ("quad", &spec, "#ff00ff");
  _evox_surface_begin_build (surface, NULL);
  _evox_surface_end_build (surface, mesh, NULL);
  evox_surface_list_append (surfaces, surface);
  evox_volume_style_set_points (style, &value, &opacity, 1);
  renderer = renderer_new (volume, style, "grey", 0, 255);
  evox_renderer_set_background (renderer, black);
  evox_renderer_set_surfaces (renderer, surfaces);
  value_colour ("grey", 0, 255, value, colour);

  evox_volume_style_set_clip (style, lo, nothing);
  quad = render (renderer, size, size, FALSE, "volume-depth-quad");
  evox_volume_style_set_clip (style, lo, (const double[3]) { 1, 1, 1 });
  scene = render (renderer, size, size, FALSE, "volume-depth");
  for (guint y = 1; y + 1 < n; y++)
    for (guint x = 1; x + 1 < n; x++)
      {
        const guint8 *behind = voxel_pixel (quad, size, x, y);
        double front = 1 - pow (1 - opacity, x < 8 ? 6.0 : (double) t), expected[3];
        g_autofree char *what = g_strdup_printf ("column %u,%u", x, y);

        for (guint i = 0; i < 3; i++)
          expected[i] = colour[i] * front + (x < 8 ? (1 - front) * behind[i] : 0);
        if (x < 8)
          g_assert_cmpuint (behind[0], >, 100);   /* the quad is there */
        assert_rgba (voxel_pixel (scene, size, x, y), expected, 255, 2.0, what);
      }
  renderer_free (renderer);
}

/* Picking: where a composite ray's opacity passes one half (within one step of the depth
 * Beer-Lambert gives), the iso sphere's front, the box's front face for mip. */
static void
test_pick (void)
{
  const gsize n = 32;
  const int size = (int) n * CELL;
  const double radius = 10.5, centre = (n - 1) / 2.0;
  g_autoptr(EvoxVolume) volume = evox_test_volume_new (n, n, n, EVOX_SAMPLE_F32);
  g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
  float *data = evox_volume_get_data_mut (volume, 0);
  double position[3], value = 0, opacity = 0.1, depth;
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;
  for (gsize z = 0; z < n; z++)
    for (gsize y = 0; y < n; y++)
      for (gsize x = 0; x < n; x++)
        data[(z * n + y) * n + x] = (float) sqrt ((x - centre) * (x - centre) +
                                                  (y - centre) * (y - centre) +
                                                  (z - centre) * (z - centre));
  renderer = renderer_new (volume, style, "viridis", 0, 30);
  g_free (render (renderer, size, size, FALSE, "volume-pick"));

  /* Constant opacity 0.1 a voxel: transmittance 0.9^d falls below one half at d = 6.58 voxels
   * from the front face (z = -0.5); the pick is the sample (0.5 voxel apart) that got there. */
  evox_volume_style_set_points (style, &value, &opacity, 1);
  depth = log (0.5) / log (0.9);
  g_assert_true (evox_renderer_pick (renderer, 5 * CELL + 1.5, 7 * CELL + 1.5, size, size,
                                     position));
  g_assert_cmpfloat_with_epsilon (position[0], 5, 1e-6);
  g_assert_cmpfloat_with_epsilon (position[1], 7, 1e-6);
  g_assert_cmpfloat (position[2], >=, -0.5 + depth - 0.5 - 1e-6);
  g_assert_cmpfloat (position[2], <=, -0.5 + depth + 1e-6);

  evox_volume_style_set_mode (style, EVOX_RAY_ISO);
  evox_volume_style_set_iso_level (style, radius);
  g_assert_true (evox_renderer_pick (renderer, size / 2.0, size / 2.0, size, size, position));
  g_assert_cmpfloat_with_epsilon (position[2], centre - radius, 0.05);
  /* Beside the sphere nothing is hit. */
  g_assert_false (evox_renderer_pick (renderer, 4.5, 4.5, size, size, position));

  evox_volume_style_set_mode (style, EVOX_RAY_MIP);
  g_assert_true (evox_renderer_pick (renderer, 4.5, 4.5, size, size, position));
  g_assert_cmpfloat_with_epsilon (position[2], -0.5, 1e-6);
  renderer_free (renderer);
}

/* The document's style: its curve starts over on the display range of what is shown. */
static void
test_document_style (void)
{
  g_autoptr(EvoxDocument) document = evox_document_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (4, 4, 4, 2, EVOX_SAMPLE_F32, &error);
  EvoxVolumeStyle *style = evox_document_get_volume_style (document);
  double lo, hi, v, a;

  g_assert_no_error (error);
  for (guint c = 0; c < 2; c++)
    {
      float *data = evox_volume_get_data_mut (volume, c);

      for (guint i = 0; i < 64; i++)
        data[i] = c == 0 ? 10.0f + i : -3.0f + 0.5f * i;
    }
  evox_volume_style_add_point (style, 1000, 1);
  evox_document_set_volume (document, volume, "two", NULL);
  evox_document_get_range (document, &lo, &hi);
  g_assert_cmpuint (evox_volume_style_get_n_points (style), ==, 2);
  evox_volume_style_get_point (style, 0, &v, &a);
  g_assert_cmpfloat (v, ==, lo);
  g_assert_cmpfloat (a, ==, 0.0);
  evox_volume_style_get_point (style, 1, &v, &a);
  g_assert_cmpfloat (v, ==, hi);
  g_assert_cmpfloat (a, ==, 0.1);

  evox_document_set_channel (document, 1);
  evox_document_get_range (document, &lo, &hi);
  g_assert_cmpfloat (lo, <, 0);
  evox_volume_style_get_point (style, 0, &v, NULL);
  g_assert_cmpfloat (v, ==, lo);
  evox_volume_style_get_point (style, 1, &v, NULL);
  g_assert_cmpfloat (v, ==, hi);
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
  g_test_add_func ("/Evox/VolumeRender/mip-log", test_mip_log);
  g_test_add_func ("/Evox/VolumeRender/realize-again", test_realize_again);
  g_test_add_func ("/Evox/VolumeRender/beer-lambert", test_beer_lambert);
  g_test_add_func ("/Evox/VolumeRender/jitter", test_jitter);
  g_test_add_func ("/Evox/VolumeRender/u16-table", test_u16_table);
  g_test_add_func ("/Evox/VolumeRender/iso-sphere", test_iso_sphere);
  g_test_add_func ("/Evox/VolumeRender/phases-clusters-clip", test_phases_clusters_clip);
  g_test_add_func ("/Evox/VolumeRender/skipping", test_skipping);
  g_test_add_func ("/Evox/VolumeRender/inside", test_inside);
  g_test_add_func ("/Evox/VolumeRender/depth", test_depth);
  g_test_add_func ("/Evox/VolumeRender/pick", test_pick);
  g_test_add_func ("/Evox/VolumeRender/document-style", test_document_style);

  status = g_test_run ();

  evox_test_gl_clear ();
  return status;
}
