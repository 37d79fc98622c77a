/* test-rgb-render.c: the RGB composite drawn on headless EGL and by `evox render --rgb`, pixel
 * by pixel against the formula computed here. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-hdf5.h"
#include "evox-phase.h"
#include "evox-renderer.h"
#include "evox-renderer-private.h"
#include "evox-rgb-legend.h"
#include "evox-test-gl.h"
#include "evox-test-png.h"
#include "evox-test-util.h"

#define N 8        /* voxels a side */
#define CELL 8     /* pixels a voxel in a 64 x 64 image of a z slice */
#define SLICE 5

/* Channel c's value at voxel (x, y, z), NaN where the test wants holes: (1, 1) is NaN in the
 * red channel only, (2, 3) in all three, (4, 5) in red and blue (all the used slots once green
 * is unused). */
static float
value_at (guint c,
          guint x,
          guint y,
          guint z)
{
  if (x == 1 && y == 1 && c == 0)
    return NAN;
  if (x == 2 && y == 3)
    return NAN;
  if (x == 4 && y == 5 && c != 1)
    return NAN;
  switch (c)
    {
    case 0:
      return 1.5f * x - 2.0f + 0.1f * z;
    case 1:
      return 0.7f * y + z;
    default:
      return 0.3f * (x + y) - 1.0f;
    }
}

static EvoxVolume *
three_channels (void)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (N, N, N, 3, EVOX_SAMPLE_F32, &error);
  static const char *labels[3] = { "Mn", "Co", "Ni" };

  g_assert_no_error (error);
  for (guint c = 0; c < 3; c++)
    {
      float *data = evox_volume_get_data_mut (volume, c);

      for (guint z = 0; z < N; z++)
        for (guint y = 0; y < N; y++)
          for (guint x = 0; x < N; x++)
            data[(z * N + y) * N + x] = value_at (c, x, y, z);
      evox_volume_set_channel_info (volume, c, labels[c], 6539 + 900.0 * c);
    }
  return volume;
}

/* The composite's colour of one voxel as the renderer's header states it: 0..255 per colour,
 * FALSE for a voxel NaN in every used slot. */
static gboolean
expected_colour (const int     channels[3],
                 const double  lo[3],
                 const double  hi[3],
                 guint         x,
                 guint         y,
                 guint         z,
                 double        rgb[3])
{
  gboolean seen = FALSE;

  for (guint s = 0; s < 3; s++)
    {
      double v, t;

      rgb[s] = 0;
      if (channels[s] < 0)
        continue;
      v = value_at ((guint) channels[s], x, y, z);
      if (isnan (v))
        continue;
      seen = TRUE;
      t = (v - lo[s]) / (hi[s] - lo[s]);
      rgb[s] = 255.0 * CLAMP (t, 0.0, 1.0);
    }
  return seen;
}

static void
assert_composite (const guint8 *pixels,
                  int           width,
                  int           cell,
                  const int     channels[3],
                  const double  lo[3],
                  const double  hi[3],
                  guint         z,
                  const guint8  background[3])
{
  for (guint y = 0; y < N; y++)
    for (guint x = 0; x < N; x++)
      {
        const guint8 *p = pixels + ((gsize) (y * cell + cell / 2) * width + x * cell + cell / 2) * 4;
        double rgb[3];

        if (!expected_colour (channels, lo, hi, x, y, z, rgb))
          {
            g_assert_cmpmem (p, 3, background, 3);
            continue;
          }
        for (guint c = 0; c < 3; c++)
          if (fabs (p[c] - rgb[c]) > 1.0)
            g_error ("voxel %u,%u: colour %u drew %u, expected %.2f", x, y, c, p[c], rgb[c]);
        g_assert_cmpuint (p[3], ==, 255);
      }
}

static guint8 *
render (EvoxRenderer *renderer,
        int           width,
        int           height)
{
  g_autoptr(GError) error = NULL;
  guint8 *pixels = evox_renderer_render_image (renderer, width, height, width, height, FALSE,
                                               &error);

  g_assert_no_error (error);
  g_assert_nonnull (pixels);
  return pixels;
}

static guint
rgb_uploads (EvoxRenderer *renderer)
{
  EvoxRendererUploads uploads;

  _evox_renderer_get_uploads (renderer, &uploads);
  return uploads.rgb;
}

static void
test_slice (void)
{
  static const guint8 background[3] = { 41, 41, 43 };
  g_autoptr(EvoxVolume) volume = three_channels ();
  g_autoptr(GError) error = NULL;
  EvoxRenderer *renderer;
  guint slices[3] = { SLICE, SLICE, SLICE };
  int channels[3] = { 0, 1, 2 };
  double lo[3] = { -1, 1, 0 }, hi[3] = { 6, 8, 2 };

  if (!evox_test_need_gl ())
    return;
  renderer = evox_renderer_new ();
  g_assert_true (evox_renderer_realize (renderer, &error));
  g_assert_no_error (error);
  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Z);
  evox_renderer_set_slices (renderer, slices);

  /* Off: the colour map, no channel uploaded for the composite. */
  g_free (render (renderer, N * CELL, N * CELL));
  {
    double position[3];

    g_assert_false (evox_renderer_pick (renderer, 1 * CELL + 4, 1 * CELL + 4, N * CELL,
                                        N * CELL, position));
  }
  g_assert_cmpuint (rgb_uploads (renderer), ==, 0);
  g_assert_false (evox_renderer_get_rgb (renderer));

  evox_renderer_set_rgb (renderer, channels, lo, hi);
  g_assert_true (evox_renderer_get_rgb (renderer));
  {
    g_autofree guint8 *pixels = render (renderer, N * CELL, N * CELL);

    assert_composite (pixels, N * CELL, CELL, channels, lo, hi, SLICE, background);
  }
  g_assert_cmpuint (rgb_uploads (renderer), ==, 3);

  /* Picking follows the composite's holes: (1, 1), NaN in the shown channel 0 only, is drawn and
   * picked; (2, 3), NaN in all three, is neither. */
  {
    double position[3];

    g_assert_true (evox_renderer_pick (renderer, 1 * CELL + 4, 1 * CELL + 4, N * CELL, N * CELL,
                                       position));
    g_assert_false (evox_renderer_pick (renderer, 2 * CELL + 4, 3 * CELL + 4, N * CELL,
                                        N * CELL, position));
  }

  /* Another range costs no upload; green unused: 0 in every voxel, and (4, 5), NaN in red and
   * blue, becomes a hole although its green value is finite. */
  channels[1] = -1;
  lo[0] = 0.5;
  hi[2] = 1.2;
  evox_renderer_set_rgb (renderer, channels, lo, hi);
  {
    g_autofree guint8 *pixels = render (renderer, N * CELL, N * CELL);

    assert_composite (pixels, N * CELL, CELL, channels, lo, hi, SLICE, background);
    g_assert_cmpmem (pixels + ((gsize) (5 * CELL + 4) * N * CELL + 4 * CELL + 4) * 4, 3,
                     background, 3);
  }
  g_assert_cmpuint (rgb_uploads (renderer), ==, 3);

  /* One channel in two colours, and the other slices: x slice 2 through (2, 3), the hole. */
  channels[0] = 2;
  channels[1] = 2;
  lo[1] = -1;
  hi[1] = 3;
  evox_renderer_set_rgb (renderer, channels, lo, hi);
  {
    g_autofree guint8 *pixels = render (renderer, N * CELL, N * CELL);

    assert_composite (pixels, N * CELL, CELL, channels, lo, hi, SLICE, background);
  }
  g_assert_cmpuint (rgb_uploads (renderer), ==, 5);

  /* Off again: the colour map's colours, and on again the channels go up once more. */
  evox_renderer_set_rgb (renderer, NULL, NULL, NULL);
  {
    g_autofree guint8 *pixels = render (renderer, N * CELL, N * CELL);
    const guint8 *p = pixels + ((gsize) (CELL / 2) * N * CELL + CELL / 2) * 4;
    guint8 expected[3];
    const EvoxStats *stats = evox_volume_get_stats (volume, 0);

    evox_colormap_sample ("viridis",
                          (value_at (0, 0, 0, SLICE) - stats->min) / (stats->max - stats->min),
                          expected);
    for (guint c = 0; c < 3; c++)
      g_assert_cmpint (abs ((int) p[c] - (int) expected[c]), <=, 1);
  }
  evox_renderer_set_rgb (renderer, channels, lo, hi);
  g_free (render (renderer, N * CELL, N * CELL));
  g_assert_cmpuint (rgb_uploads (renderer), ==, 8);

  evox_renderer_unrealize (renderer);
  g_assert_finalize_object (renderer);
}

/* Integer channels go up as R8 or R16 (normalized) and are scaled back to the stored integers:
 * u8 and u16 volumes against the formula on those integers. */
static void
test_integer (void)
{
  static const EvoxSampleType types[2] = { EVOX_SAMPLE_U8, EVOX_SAMPLE_U16 };

  if (!evox_test_need_gl ())
    return;
  for (guint t = 0; t < 2; t++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxVolume) volume = evox_volume_new (N, N, N, 3, types[t], &error);
      double scale = types[t] == EVOX_SAMPLE_U8 ? 1 : 200;
      int channels[3] = { 2, 0, 1 };
      double lo[3] = { 3 * scale, 10 * scale, 0 }, hi[3] = { 40 * scale, 20 * scale, 60 * scale };
      guint slices[3] = { SLICE, SLICE, SLICE };
      g_autofree guint8 *pixels = NULL;
      EvoxRenderer *renderer;

      g_assert_no_error (error);
      for (guint c = 0; c < 3; c++)
        for (gsize i = 0; i < N * N * N; i++)
          {
            gsize x = i % N, y = i / N % N, z = i / (N * N);
            double v = scale * (c == 0 ? 3 * x + y : c == 1 ? 7 * y + z : 5 * x + 2 * z);

            if (types[t] == EVOX_SAMPLE_U8)
              ((guint8 *) evox_volume_get_data_mut (volume, c))[i] = (guint8) v;
            else
              ((guint16 *) evox_volume_get_data_mut (volume, c))[i] = (guint16) v;
          }
      renderer = evox_renderer_new ();
      g_assert_true (evox_renderer_realize (renderer, &error));
      evox_renderer_set_volume (renderer, volume, 0);
      evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Z);
      evox_renderer_set_slices (renderer, slices);
      evox_renderer_set_rgb (renderer, channels, lo, hi);
      pixels = render (renderer, N * CELL, N * CELL);
      for (guint y = 0; y < N; y++)
        for (guint x = 0; x < N; x++)
          {
            const guint8 *p = pixels + ((gsize) (y * CELL + CELL / 2) * N * CELL + x * CELL +
                                        CELL / 2) * 4;

            for (guint s = 0; s < 3; s++)
              {
                double v = evox_volume_get_value (volume, (guint) channels[s], x, y, SLICE);
                double expected = 255 * CLAMP ((v - lo[s]) / (hi[s] - lo[s]), 0, 1);

                if (fabs (p[s] - expected) > 1.0)
                  g_error ("%s voxel %u,%u: colour %u drew %u, expected %.2f",
                           t == 0 ? "u8" : "u16", x, y, s, p[s], expected);
              }
          }
      evox_renderer_unrealize (renderer);
      g_assert_finalize_object (renderer);
    }
}

/* Every view that draws voxels draws the composite: with every finite red value above hi, the
 * voxels are pure red (translucent red over the box in the layer stack), where the colour map
 * (viridis has no red) drew none. */
static guint
count_red (const guint8 *pixels,
           gsize         n,
           gboolean      pure)
{
  guint red = 0;

  for (gsize i = 0; i < n; i++)
    {
      const guint8 *p = pixels + i * 4;

      if (pure ? p[0] == 255 && p[1] == 0 && p[2] == 0 : p[0] > p[1] + 60 && p[0] > p[2] + 60)
        red++;
    }
  return red;
}

static void
test_views (void)
{
  g_autoptr(EvoxVolume) volume = three_channels ();
  g_autoptr(GError) error = NULL;
  EvoxRenderer *renderer;
  int channels[3] = { 0, -1, -1 };
  double lo[3] = { -100, 0, 0 }, hi[3] = { -99, 1, 1 };
  EvoxView views[] = { EVOX_VIEW_SLICES, EVOX_VIEW_SLICE_X, EVOX_VIEW_SLICE_Y, EVOX_VIEW_QUAD,
                       EVOX_VIEW_STACK };

  if (!evox_test_need_gl ())
    return;
  renderer = evox_renderer_new ();
  g_assert_true (evox_renderer_realize (renderer, &error));
  g_assert_no_error (error);
  evox_renderer_set_volume (renderer, volume, 1);
  for (guint v = 0; v < G_N_ELEMENTS (views); v++)
    {
      gboolean stack = views[v] == EVOX_VIEW_STACK;
      g_autofree guint8 *off = NULL;
      g_autofree guint8 *on = NULL;

      evox_renderer_set_view (renderer, views[v]);
      evox_renderer_set_rgb (renderer, NULL, NULL, NULL);
      off = render (renderer, 160, 120);
      evox_renderer_set_rgb (renderer, channels, lo, hi);
      on = render (renderer, 160, 120);
      g_test_message ("view %d: %u red pixels", views[v], count_red (on, 160 * 120, !stack));
      /* The x slice's outline is red-ish: compare with what the colour map gave. */
      g_assert_cmpuint (count_red (on, 160 * 120, !stack), >,
                        count_red (off, 160 * 120, !stack) + 500);
    }
  evox_renderer_unrealize (renderer);
  g_assert_finalize_object (renderer);
}

/* evox render --rgb */

typedef EvoxTestImage Image;

static EvoxTestRun
evox_headless (const char *first,
               ...)
{
  g_auto(GStrv) envp = g_get_environ ();
  va_list ap;
  EvoxTestRun run;

  envp = g_environ_unsetenv (envp, "DISPLAY");
  envp = g_environ_unsetenv (envp, "WAYLAND_DISPLAY");
  va_start (ap, first);
  run = evox_test_run_evox_va (envp, NULL, "render", first, ap);
  va_end (ap);
  return run;
}

static char *
write_input (const char *dir)
{
  g_autoptr(EvoxVolume) volume = three_channels ();
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, "stack.h5", NULL);

  g_assert_true (evox_hdf5_write (volume, path, FALSE, NULL, NULL, &error));
  g_assert_no_error (error);
  return path;
}

static void
test_cli (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = write_input (dir);
  g_autofree char *out = g_build_filename (dir, "rgb.png", NULL);
  g_autofree char *legend_out = g_build_filename (dir, "legend.png", NULL);
  static const guint8 background[3] = { 41, 41, 43 };
  int channels[3] = { 0, -1, 2 };
  double lo[3] = { 0, 0, -0.5 }, hi[3] = { 4, 1, 1.5 };

  /* Channels by index and label, "-" for none; the z slice through the middle (4). */
  {
    g_auto(EvoxTestRun) run = evox_headless (in, "--rgb", "0,-,2", "--rgb-range", "0:4,-,-0.5:1.5",
                                             "--view", "z", "--size", "64x64", "--no-legend",
                                             "-o", out, NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.err, ==, "");
  }
  {
    Image image = evox_test_read_png (out);

    g_assert_cmpint (image.width, ==, 64);
    assert_composite (image.rgba, 64, CELL, channels, lo, hi, N / 2, background);
    g_free (image.rgba);
  }

  /* The legend in the top-left corner: pure red and blue swatches where the legend puts them. */
  {
    g_auto(EvoxTestRun) run = evox_headless (in, "--rgb", "0,-,2", "--view", "z", "--size",
                                             "320x240", "-o", legend_out, NULL);
    g_autoptr(EvoxRgbLegend) legend = evox_rgb_legend_new ();
    Image image;

    g_assert_cmpint (run.status, ==, 0);
    image = evox_test_read_png (legend_out);
    /* Only the rows matter for where the swatches go, not their numbers. */
    evox_rgb_legend_set_row (legend, 0, "0", 0, 1, NULL);
    evox_rgb_legend_set_row (legend, 2, "2", 0, 1, NULL);
    for (guint s = 0; s < 3; s += 2)
      {
        double rect[4];
        int x, y;
        const guint8 *p;

        g_assert_true (evox_rgb_legend_get_swatch (legend, s, 1.0, rect));
        x = EVOX_RGB_LEGEND_MARGIN + (int) (rect[0] + rect[2] / 2);
        y = EVOX_RGB_LEGEND_MARGIN + (int) (rect[1] + rect[3] / 2);
        p = image.rgba + ((gsize) y * image.width + x) * 4;
        g_assert_cmpuint (p[0], ==, s == 0 ? 255 : 0);
        g_assert_cmpuint (p[1], ==, 0);
        g_assert_cmpuint (p[2], ==, s == 2 ? 255 : 0);
      }
    g_free (image.rgba);
  }

  /* Refusals: usage errors, nothing written. */
  {
    g_autofree char *bad = g_build_filename (dir, "bad.png", NULL);
    const char *cases[][4] = {
      { "--rgb", "0,2", NULL, "three channels" },
      { "--rgb", "Mn,Xx,Ni", NULL, "no channel 'Xx'" },
      { "--rgb", "0,,2", NULL, "empty" },
      { "--rgb", "-,-,-", NULL, "at least one channel" },
      { "--rgb", "0,1,2", "1:0,-,-", "not LO:HI" },
      { "--rgb", "0,1,2", "0:1,2:3", "three LO:HI" },
      { "--rgb", "0,1,2", "0:1,nan:3,-", "not LO:HI" },
      { "--rgb-range", "0:1,-,-", NULL, "need --rgb" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_auto(EvoxTestRun) run = cases[i][2] != NULL
          ? evox_headless (in, cases[i][0], cases[i][1], "--rgb-range", cases[i][2], "-o", bad,
                           NULL)
          : evox_headless (in, cases[i][0], cases[i][1], "-o", bad, NULL);

        evox_test_assert_refused (&run, 2, cases[i][3]);
        g_assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));
      }
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  evox_test_gl_init ();

  g_test_add_func ("/Evox/RgbRender/slice", test_slice);
  g_test_add_func ("/Evox/RgbRender/integer", test_integer);
  g_test_add_func ("/Evox/RgbRender/views", test_views);
  g_test_add_func ("/Evox/RgbRender/cli", test_cli);
  status = g_test_run ();
  evox_test_gl_clear ();
  return status;
}
