/* test-bricks.c: volumes drawn from bricks (the pyramid, bricked slices against unbricked ones,
 * volumes beyond the texture size) on headless EGL, with the limits forced small. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>
#include <epoxy/gl.h>

#include "evox-bricks.h"
#include "evox-demo.h"
#include "evox-renderer.h"
#include "evox-renderer-private.h"
#include "evox-test-gl.h"
#include "evox-test-volume.h"

/* Forced limits: tiles of 12 voxels (3 bricks of 4 and a border fit 16), rays on a level whose
 * sides are at most 16. */
#define MAX_TEXTURE 16
#define BRICK 4

/* A scrambled value per voxel, so a voxel drawn in its neighbour's place changes colour. */
static guint
scramble (gsize i,
          gsize j,
          gsize k)
{
  guint32 h = (guint32) (i * 73856093u) ^ (guint32) (j * 19349663u) ^ (guint32) (k * 83492791u);

  h ^= h >> 13;
  h *= 0x5bd1e995u;
  h ^= h >> 15;
  return h;
}

static EvoxVolume *
scrambled_volume (gsize          nx,
                  gsize          ny,
                  gsize          nz,
                  EvoxSampleType type)
{
  EvoxVolume *volume = evox_test_volume_new (nx, ny, nz, type);
  gpointer data = evox_volume_get_data_mut (volume, 0);
  const double spacing[3] = { 10.0, 10.0, 20.0 };

  for (gsize k = 0; k < nz; k++)
    for (gsize j = 0; j < ny; j++)
      for (gsize i = 0; i < nx; i++)
        {
          gsize at = (k * ny + j) * nx + i;
          guint h = scramble (i, j, k);

          switch (type)
            {
            case EVOX_SAMPLE_U8:
              ((guint8 *) data)[at] = (guint8) h;
              break;
            case EVOX_SAMPLE_U16:
              ((guint16 *) data)[at] = (guint16) h;
              break;
            case EVOX_SAMPLE_F32:
            default:
              /* A few holes, which both drawings leave out. */
              ((float *) data)[at] = h % 53 == 0 ? NAN : (float) (h % 1000) / 7.0f;
              break;
            }
        }
  evox_volume_set_spacing (volume, spacing);
  evox_volume_freeze (volume);
  return volume;
}

/* The pyramid */

/* The oracle: 2 x 2 x 2 means over the voxels of each block inside the volume (integers rounded
 * half up, floats over the finite ones, NaN for none), in doubles straight from the definition. */
static double *
means_oracle (const double *in,
              const gsize   dims[3],
              gboolean      integer,
              gsize         out_dims[3])
{
  double *out;

  for (guint a = 0; a < 3; a++)
    out_dims[a] = (dims[a] + 1) / 2;
  out = g_new (double, out_dims[0] * out_dims[1] * out_dims[2]);
  for (gsize z = 0; z < out_dims[2]; z++)
    for (gsize y = 0; y < out_dims[1]; y++)
      for (gsize x = 0; x < out_dims[0]; x++)
        {
          double sum = 0.0;
          guint count = 0;

          for (gsize dz = 0; dz < 2; dz++)
            for (gsize dy = 0; dy < 2; dy++)
              for (gsize dx = 0; dx < 2; dx++)
                {
                  gsize i = 2 * x + dx, j = 2 * y + dy, k = 2 * z + dz;
                  double v;

                  if (i >= dims[0] || j >= dims[1] || k >= dims[2])
                    continue;
                  v = in[(k * dims[1] + j) * dims[0] + i];
                  if (isfinite (v))
                    {
                      sum += v;
                      count++;
                    }
                }
          out[(z * out_dims[1] + y) * out_dims[0] + x] =
            count == 0 ? NAN : integer ? floor (sum / count + 0.5) : sum / count;
        }
  return out;
}

static void
check_pyramid (EvoxSampleType type)
{
  /* Odd sides, so blocks at the far faces are partial. */
  g_autoptr(EvoxVolume) volume = scrambled_volume (13, 7, 10, type);
  g_autofree double *expected = NULL;
  EvoxBricks *bricks = _evox_bricks_new (volume, 0, BRICK, MAX_TEXTURE, 1 << 20);
  gsize dims[3];

  evox_volume_get_dims (volume, dims);
  expected = g_new (double, dims[0] * dims[1] * dims[2]);
  for (gsize i = 0; i < dims[0] * dims[1] * dims[2]; i++)
    expected[i] = evox_test_value_at (volume, i);

  /* 13 -> 7 -> 4 -> 2 -> 1 */
  g_assert_cmpuint (_evox_bricks_get_n_levels (bricks), ==, 5);
  g_assert_true (_evox_bricks_get_level (bricks, 0) == volume);
  for (guint level = 1; level < 5; level++)
    {
      EvoxVolume *got = _evox_bricks_get_level (bricks, level);
      g_autofree double *finer = g_steal_pointer (&expected);
      gsize got_dims[3], n;
      double spacing[3], origin[3];

      gsize finer_dims[3] = { dims[0], dims[1], dims[2] };

      expected = means_oracle (finer, finer_dims, type != EVOX_SAMPLE_F32, dims);
      evox_volume_get_dims (got, got_dims);
      g_assert_cmpmem (got_dims, sizeof got_dims, dims, sizeof dims);
      g_assert_cmpint (evox_volume_get_sample_type (got), ==, type);
      n = dims[0] * dims[1] * dims[2];
      for (gsize i = 0; i < n; i++)
        {
          double value = evox_test_value_at (got, i);

          if (isnan (expected[i]))
            g_assert_true (isnan (value));
          else if (type == EVOX_SAMPLE_F32)
            g_assert_cmpfloat_with_epsilon (value, expected[i], 1e-4 * fabs (expected[i]) + 1e-6);
          else
            g_assert_cmpfloat (value, ==, expected[i]);
        }
      /* Voxels twice the size, centred on the fine voxels they average. */
      evox_volume_get_spacing (got, spacing);
      evox_volume_get_origin (got, origin);
      g_assert_cmpfloat (spacing[0], ==, 10.0 * (1 << level));
      g_assert_cmpfloat (spacing[2], ==, 20.0 * (1 << level));
      g_assert_cmpfloat_with_epsilon (origin[0], 0.5 * 10.0 * ((1 << level) - 1), 1e-9);
      g_assert_true (evox_volume_is_frozen (got));
    }
  /* Asked again: the same level, not a new one. */
  g_assert_true (_evox_bricks_get_level (bricks, 2) == _evox_bricks_get_level (bricks, 2));
  _evox_bricks_free (bricks);
}

static void
test_pyramid (void)
{
  check_pyramid (EVOX_SAMPLE_U8);
  check_pyramid (EVOX_SAMPLE_U16);
  check_pyramid (EVOX_SAMPLE_F32);
}

/* Bricked against unbricked */

static void
check_same_pictures (EvoxSampleType type,
                     double         lo,
                     double         hi)
{
  /* 40 x 36 x 28 voxels: 4 x 3 tiles of 12 across the z slice, some of them partial. */
  g_autoptr(EvoxVolume) volume = scrambled_volume (40, 36, 28, type);
  /* The 2x2 too: its panes draw under a scissor of their own, which the tiles' must keep; and
   * the layer stack, every layer blended over the ones behind it. */
  const EvoxView views[6] = {
    EVOX_VIEW_SLICE_Z, EVOX_VIEW_SLICE_X, EVOX_VIEW_SLICE_Y, EVOX_VIEW_SLICES, EVOX_VIEW_QUAD,
    EVOX_VIEW_STACK
  };
  EvoxRenderer *renderer = evox_test_renderer_new_realized ();
  guint slices[3] = { 23, 17, 9 };

  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_slices (renderer, slices);
  evox_renderer_set_range (renderer, lo, hi);
  evox_camera_orbit (evox_renderer_get_camera (renderer), 25, 15);
  for (guint v = 0; v < G_N_ELEMENTS (views); v++)
    {
      g_autofree guint8 *plain = NULL;
      g_autofree guint8 *bricked = NULL;
      /* Odd sizes: the view's centre, a voxel boundary, falls on a pixel centre. */
      int width = 321, height = 257;
      gsize differ = 0, n = (gsize) width * height;

      evox_renderer_set_view (renderer, views[v]);
      _evox_renderer_set_brick_limits (renderer, 0, 0, 0);
      plain = evox_test_render (renderer, width, height, FALSE);
      g_assert_false (_evox_renderer_is_bricked (renderer));
      _evox_renderer_set_brick_limits (renderer, MAX_TEXTURE, BRICK, 0);
      bricked = evox_test_render (renderer, width, height, FALSE);
      g_assert_true (_evox_renderer_is_bricked (renderer));
      g_assert_cmpuint (evox_test_count_not_background (plain, n), >, n / 10);
      for (gsize i = 0; i < n; i++)
        if (memcmp (plain + 4 * i, bricked + 4 * i, 4) != 0)
          {
            if (differ < 12)
              g_test_message ("%s (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT "): plain %u,%u,%u "
                              "bricked %u,%u,%u", evox_view_to_string (views[v]), i % width,
                              i / width, plain[4 * i], plain[4 * i + 1], plain[4 * i + 2],
                              bricked[4 * i], bricked[4 * i + 1], bricked[4 * i + 2]);
            differ++;
          }
      g_assert_cmpuint (differ, ==, 0);
    }
  evox_test_renderer_free (renderer);
}

static void
test_same_as_unbricked (void)
{
  if (!evox_test_need_gl ())
    return;
  check_same_pictures (EVOX_SAMPLE_U16, 0, 65535);
  check_same_pictures (EVOX_SAMPLE_U8, 20, 230);
  check_same_pictures (EVOX_SAMPLE_F32, 0, 1000.0 / 7.0);
}

/* The demo SSRM stack as it first opens (the layer stack, log mapping), its measured scans
 * between grid layers included: the same picture bricked. */
static void
test_demo_stack (void)
{
  g_autoptr(EvoxVolume) volume = evox_demo_volume_new (10.0);
  g_autofree guint8 *plain = NULL;
  g_autofree guint8 *bricked = NULL;
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;

  renderer = evox_test_renderer_new_realized ();
  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_mapping (renderer, EVOX_MAPPING_LOG);
  evox_renderer_set_view (renderer, EVOX_VIEW_STACK);
  plain = evox_test_render (renderer, 400, 300, FALSE);
  g_assert_false (_evox_renderer_is_bricked (renderer));
  /* 128 x 128 x 14 in tiles of 24 (3 bricks of 8). */
  _evox_renderer_set_brick_limits (renderer, 32, 8, 0);
  bricked = evox_test_render (renderer, 400, 300, FALSE);
  g_assert_true (_evox_renderer_is_bricked (renderer));
  g_assert_cmpuint (evox_test_count_not_background (plain, 400 * 300), >, 400 * 300 / 5);
  g_assert_cmpmem (plain, 400 * 300 * 4, bricked, 400 * 300 * 4);
  evox_test_renderer_free (renderer);
}

/* Slices the budget cannot hold at full resolution come from a coarser level: the picture is
 * that level's own, unbricked (an even-sided level 1 has the volume's box, and slice k of the
 * volume is slice k / 2 of it). */
static void
test_coarse_slices (void)
{
  g_autoptr(EvoxVolume) volume = scrambled_volume (40, 36, 28, EVOX_SAMPLE_U16);
  g_autoptr(EvoxVolume) level = _evox_bricks_downsample (volume, 0);
  const EvoxView views[3] = { EVOX_VIEW_SLICE_Z, EVOX_VIEW_SLICE_X, EVOX_VIEW_SLICE_Y };
  guint slices[3] = { 23, 17, 9 }, halves[3] = { 11, 8, 4 };
  EvoxRenderer *coarse, *renderer;

  if (!evox_test_need_gl ())
    return;

  renderer = evox_test_renderer_new_realized ();
  coarse = evox_test_renderer_new_realized ();
  /* 8000 bytes: 4000 for the tiles, which level 0's three slices (about 5000) overrun and level
   * 1's (about 1400) do not. */
  _evox_renderer_set_brick_limits (renderer, MAX_TEXTURE, BRICK, 8000);
  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_slices (renderer, slices);
  evox_renderer_set_range (renderer, 0, 65535);
  evox_renderer_set_volume (coarse, level, 0);
  evox_renderer_set_slices (coarse, halves);
  evox_renderer_set_range (coarse, 0, 65535);
  for (guint v = 0; v < G_N_ELEMENTS (views); v++)
    {
      g_autofree guint8 *bricked = NULL;
      g_autofree guint8 *expected = NULL;

      evox_renderer_set_view (renderer, views[v]);
      evox_renderer_set_view (coarse, views[v]);
      bricked = evox_test_render (renderer, 321, 257, FALSE);
      expected = evox_test_render (coarse, 321, 257, FALSE);
      g_assert_true (_evox_renderer_is_bricked (renderer));
      g_assert_false (_evox_renderer_is_bricked (coarse));
      g_assert_cmpuint (evox_test_count_not_background (expected, 321 * 257), >, 321 * 257 / 10);
      g_assert_cmpmem (bricked, 321 * 257 * 4, expected, 321 * 257 * 4);
    }
  evox_test_renderer_free (renderer);
  evox_test_renderer_free (coarse);
}

/* Tiles: how many, at which level, and the LRU over its budget. */
static void
test_tiles (void)
{
  g_autoptr(EvoxVolume) volume = scrambled_volume (40, 36, 28, EVOX_SAMPLE_U8);
  EvoxBrickTile **tiles;
  EvoxBricks *bricks;
  guint n = 0;
  gsize first_bytes;

  if (!evox_test_need_gl ())
    return;

  /* A budget of 2 x 4000 bytes: the tiles may take 4000, which the three slices at level 0
   * (40 x 36 + 36 x 28 + 28 x 40 voxels and borders, about 4000) do not fit; at level 1 they
   * do. */
  bricks = _evox_bricks_new (volume, 0, BRICK, MAX_TEXTURE, 8000);
  g_assert_cmpuint (_evox_bricks_get_tile_size (bricks), ==, 12);
  tiles = _evox_bricks_prepare_slice (bricks, 2, 9, 1, &n);
  /* Level 1 is 20 x 18 x 14: 2 x 2 tiles of the z slice, slice 9 >> 1 = 4. */
  g_assert_cmpuint (n, ==, 4);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (tiles[i]->level, ==, 1);
      g_assert_cmpuint (tiles[i]->index, ==, 4);
      g_assert_cmpuint (tiles[i]->size[2], ==, 1);
      g_assert_cmpuint (tiles[i]->texture, !=, 0);
    }
  g_assert_cmpuint (tiles[0]->size[0], ==, 13);    /* 12 and one of border on the right */
  g_assert_cmpuint (tiles[1]->first[0], ==, 11);   /* one of border on the left */
  g_assert_cmpuint (tiles[1]->size[0], ==, 9);     /* 11..19 */
  first_bytes = _evox_bricks_get_gpu_bytes (bricks);
  g_assert_cmpuint (first_bytes, ==, 13 * 13 + 9 * 13 + 13 * 7 + 9 * 7);   /* y: 0..12, 11..17 */
  g_assert_cmpuint (_evox_bricks_get_n_uploads (bricks), ==, 4);

  /* The same slice again: nothing uploaded. */
  _evox_bricks_prepare_slice (bricks, 2, 8, 2, &n);
  g_assert_cmpuint (_evox_bricks_get_n_uploads (bricks), ==, 4);
  /* Other slices, one after the other: the memory stays under the tiles' budget, the least
   * recently drawn going first. */
  for (gsize z = 0; z < 28; z += 2)
    {
      _evox_bricks_prepare_slice (bricks, 2, z, 3 + z, &n);
      g_assert_cmpuint (n, ==, 4);
      g_assert_cmpuint (_evox_bricks_get_gpu_bytes (bricks), <=, 4000);
    }
  /* Slice 4 was still there when its turn came. */
  g_assert_cmpuint (_evox_bricks_get_n_uploads (bricks), ==, 4 + 4 * 13);
  _evox_bricks_unrealize (bricks);
  g_assert_cmpuint (_evox_bricks_get_gpu_bytes (bricks), ==, 0);
  _evox_bricks_free (bricks);
}

/* A volume beyond the (forced) texture size draws its slices, and the Volume view casts rays
 * through a coarser level, rather than an empty box. */
static void
test_beyond_texture_size (void)
{
  g_autoptr(EvoxVolume) volume = scrambled_volume (40, 36, 28, EVOX_SAMPLE_U8);
  g_autofree guint8 *slices = NULL;
  g_autofree guint8 *rays = NULL;
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;

  renderer = evox_test_renderer_new_realized ();
  _evox_renderer_set_brick_limits (renderer, MAX_TEXTURE, BRICK, 0);
  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_range (renderer, 0, 255);
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Z);
  slices = evox_test_render (renderer, 200, 180, FALSE);
  g_assert_true (_evox_renderer_is_bricked (renderer));
  /* The slice fills the view (40 x 36 in 200 x 180). */
  g_assert_cmpuint (evox_test_count_not_background (slices, 200 * 180), >, 200 * 180 * 9 / 10);

  evox_renderer_set_view (renderer, EVOX_VIEW_VOLUME);
  rays = evox_test_render (renderer, 200, 180, FALSE);
  /* 40 -> 20 -> 10: level 2 is the first whose sides fit 16. */
  g_assert_cmpint (_evox_renderer_get_ray_level (renderer), ==, 2);
  g_assert_cmpuint (evox_test_count_not_background (rays, 200 * 180), >, 200 * 180 / 4);
  evox_test_renderer_free (renderer);
}

static void
set_flag (gpointer data,
          gpointer unused)
{
  *(gboolean *) data = TRUE;
}

/* A window's frame does not wait for the pyramid: the rays' level is computed in a thread, the
 * ready function says when it is in, and the next frame takes it. Bricks freed while a thread
 * runs drop its result (the sanitizer build would see a use after free). */
static void
test_ray_level_in_thread (void)
{
  g_autoptr(EvoxVolume) volume = scrambled_volume (40, 36, 28, EVOX_SAMPLE_U16);
  EvoxBricks *bricks;
  EvoxVolume *level = NULL;
  gboolean ready = FALSE;
  guint channel = 7;
  gsize dims[3];
  GLuint texture;

  if (!evox_test_need_gl ())
    return;

  bricks = _evox_bricks_new (volume, 0, BRICK, MAX_TEXTURE, 1 << 20);
  _evox_bricks_set_ready_func (bricks, set_flag, &ready);
  texture = _evox_bricks_get_ray_texture (bricks, FALSE, &level, &channel);
  g_assert_cmpuint (texture, ==, 0);
  g_assert_null (level);
  g_assert_cmpint (_evox_bricks_get_ray_level (bricks), ==, -1);
  while (!ready)
    g_main_context_iteration (NULL, TRUE);
  texture = _evox_bricks_get_ray_texture (bricks, FALSE, &level, &channel);
  g_assert_cmpuint (texture, !=, 0);
  g_assert_cmpint (_evox_bricks_get_ray_level (bricks), ==, 2);
  g_assert_true (level == _evox_bricks_get_level (bricks, 2));
  g_assert_cmpuint (channel, ==, 0);
  evox_volume_get_dims (level, dims);
  g_assert_cmpuint (dims[0], ==, 10);
  g_assert_cmpuint (dims[1], ==, 9);
  g_assert_cmpuint (dims[2], ==, 7);
  _evox_bricks_unrealize (bricks);
  _evox_bricks_free (bricks);

  ready = FALSE;
  bricks = _evox_bricks_new (volume, 0, BRICK, MAX_TEXTURE, 1 << 20);
  _evox_bricks_set_ready_func (bricks, set_flag, &ready);
  g_assert_cmpuint (_evox_bricks_get_ray_texture (bricks, FALSE, NULL, NULL), ==, 0);
  _evox_bricks_unrealize (bricks);
  _evox_bricks_free (bricks);
  for (guint i = 0; i < 200; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_false (ready);
}

/* Beyond this GPU's own limit, nothing forced. */
static void
test_beyond_gpu_limit (void)
{
  g_autoptr(EvoxVolume) volume = NULL;
  g_autofree guint8 *pixels = NULL;
  EvoxRenderer *renderer;
  GLint max_size = 0;
  guint slices[3] = { 0, 1, 1 };

  if (!evox_test_need_gl ())
    return;

  glGetIntegerv (GL_MAX_3D_TEXTURE_SIZE, &max_size);
  volume = scrambled_volume ((gsize) max_size + 5, 3, 3, EVOX_SAMPLE_U8);
  renderer = evox_test_renderer_new_realized ();
  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_slices (renderer, slices);
  evox_renderer_set_range (renderer, 0, 255);
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Y);
  pixels = evox_test_render (renderer, 400, 100, FALSE);
  g_assert_true (_evox_renderer_is_bricked (renderer));
  /* A long thin strip across the view: max_size + 5 by 3 voxels. */
  g_assert_cmpuint (evox_test_count_not_background (pixels, 400 * 100), >=, 400);
  evox_test_renderer_free (renderer);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  evox_test_gl_init ();
  g_test_add_func ("/Evox/Bricks/pyramid", test_pyramid);
  g_test_add_func ("/Evox/Bricks/same-as-unbricked", test_same_as_unbricked);
  g_test_add_func ("/Evox/Bricks/demo-stack", test_demo_stack);
  g_test_add_func ("/Evox/Bricks/coarse-slices", test_coarse_slices);
  g_test_add_func ("/Evox/Bricks/tiles", test_tiles);
  g_test_add_func ("/Evox/Bricks/beyond-texture-size", test_beyond_texture_size);
  g_test_add_func ("/Evox/Bricks/beyond-gpu-limit", test_beyond_gpu_limit);
  g_test_add_func ("/Evox/Bricks/ray-level-in-thread", test_ray_level_in_thread);
  status = g_test_run ();
  evox_test_gl_clear ();
  return status;
}
