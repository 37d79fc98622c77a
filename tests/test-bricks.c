/* test-bricks.c: volumes drawn from bricks (the pyramid, bricked slices against unbricked ones,
 * volumes beyond the texture size) on headless EGL, with the limits forced small. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>
#include <epoxy/gl.h>

#include "evox-brick-overlays.h"
#include "evox-bricks.h"
#include "evox-clusters.h"
#include "evox-labels.h"
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

/* Channel c scrambled as voxel (i + 1000 c, j, k) would be. */
static EvoxVolume *
scrambled_channels (gsize          nx,
                    gsize          ny,
                    gsize          nz,
                    guint          n_channels,
                    EvoxSampleType type)
{
  EvoxVolume *volume = evox_test_volume_new_channels (nx, ny, nz, n_channels, type);
  const double spacing[3] = { 10.0, 10.0, 20.0 };

  for (guint c = 0; c < n_channels; c++)
    for (gsize k = 0; k < nz; k++)
      for (gsize j = 0; j < ny; j++)
        for (gsize i = 0; i < nx; i++)
          {
            gpointer data = evox_volume_get_data_mut (volume, c);
            gsize at = (k * ny + j) * nx + i;
            guint h = scramble (i + 1000 * c, j, k);

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

static EvoxVolume *
scrambled_volume (gsize          nx,
                  gsize          ny,
                  gsize          nz,
                  EvoxSampleType type)
{
  return scrambled_channels (nx, ny, nz, 1, type);
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

/* Labels: the mode filter */

/* A label volume of four values with many ties: 0, 3, 85 and 170 (3 so a tie between the two
 * smallest is seen), spread so that most blocks hold two or more of them. */
static EvoxVolume *
labels_volume (gsize          nx,
               gsize          ny,
               gsize          nz,
               EvoxSampleType type)
{
  static const guint labels[4] = { 0, 3, 85, 170 };
  EvoxVolume *volume = evox_test_volume_new (nx, ny, nz, type);
  gpointer data = evox_volume_get_data_mut (volume, 0);

  for (gsize k = 0; k < nz; k++)
    for (gsize j = 0; j < ny; j++)
      for (gsize i = 0; i < nx; i++)
        {
          gsize at = (k * ny + j) * nx + i;
          guint label = labels[scramble (i, j, k) % 4];

          if (type == EVOX_SAMPLE_U8)
            ((guint8 *) data)[at] = (guint8) label;
          else if (type == EVOX_SAMPLE_U16)
            ((guint16 *) data)[at] = (guint16) (label * 100);
          else
            ((float *) data)[at] = scramble (i, j, k) % 11 == 0 ? NAN : (float) label;
        }
  evox_volume_freeze (volume);
  return volume;
}

/* The oracle, by counting: every finite value of the 2 x 2 x 2 block (partial at odd faces)
 * counted over the block; the largest count wins, among equal counts the smallest value.
 * n_tied: how many other values had the winning count. */
static double
mode_oracle (EvoxVolume *volume,
             gsize       x,
             gsize       y,
             gsize       z,
             guint      *n_tied)
{
  double values[8], best = NAN;
  guint n = 0, best_count = 0;
  gsize dims[3];

  evox_volume_get_dims (volume, dims);
  for (gsize k = 2 * z; k < MIN (2 * z + 2, dims[2]); k++)
    for (gsize j = 2 * y; j < MIN (2 * y + 2, dims[1]); j++)
      for (gsize i = 2 * x; i < MIN (2 * x + 2, dims[0]); i++)
        {
          double v = evox_test_value_at (volume, (k * dims[1] + j) * dims[0] + i);

          if (isfinite (v))
            values[n++] = v;
        }
  *n_tied = 0;
  for (guint a = 0; a < n; a++)
    {
      guint count = 0;

      for (guint b = 0; b < n; b++)
        count += values[b] == values[a];
      if (count > best_count || (count == best_count && values[a] < best))
        {
          best = values[a];
          best_count = count;
        }
    }
  /* The other values with that count (each counted once, at its first occurrence). */
  for (guint a = 0; a < n; a++)
    {
      guint count = 0;
      gboolean first = TRUE;

      for (guint b = 0; b < n; b++)
        {
          count += values[b] == values[a];
          first = first && !(b < a && values[b] == values[a]);
        }
      *n_tied += first && count == best_count && values[a] != best;
    }
  return best;
}

static void
check_mode (EvoxSampleType type)
{
  /* Odd sides: partial blocks at the far faces. */
  g_autoptr(EvoxVolume) volume = labels_volume (13, 7, 10, type);
  g_autoptr(EvoxVolume) got = _evox_bricks_downsample_mode (volume, 0);
  gsize dims[3], ties = 0;

  evox_volume_get_dims (got, dims);
  g_assert_cmpuint (dims[0], ==, 7);
  g_assert_cmpuint (dims[1], ==, 4);
  g_assert_cmpuint (dims[2], ==, 5);
  g_assert_cmpint (evox_volume_get_sample_type (got), ==, type);
  for (gsize z = 0; z < dims[2]; z++)
    for (gsize y = 0; y < dims[1]; y++)
      for (gsize x = 0; x < dims[0]; x++)
        {
          guint tied;
          double expected = mode_oracle (volume, x, y, z, &tied);
          double value = evox_test_value_at (got, (z * dims[1] + y) * dims[0] + x);

          if (isnan (expected))
            g_assert_true (isnan (value));
          else
            g_assert_cmpfloat (value, ==, expected);
          ties += tied > 0;
        }
  /* Ties were there to break. */
  g_assert_cmpuint (ties, >, 10);
}

static void
test_mode_filter (void)
{
  check_mode (EVOX_SAMPLE_U8);
  check_mode (EVOX_SAMPLE_U16);
  check_mode (EVOX_SAMPLE_F32);
}

/* A label volume's pyramid takes modes at every level (means would make 42 between 0 and 85):
 * each voxel of level l holds a value of its 2^l block of level 0, and no value the volume does
 * not hold. A volume of many values keeps means. */
static void
test_label_pyramid (void)
{
  g_autoptr(EvoxVolume) volume = labels_volume (21, 18, 11, EVOX_SAMPLE_U8);
  g_autoptr(EvoxVolume) scrambled = scrambled_volume (21, 18, 11, EVOX_SAMPLE_U8);
  EvoxBricks *bricks = _evox_bricks_new (volume, 0, BRICK, MAX_TEXTURE, 1 << 20);
  EvoxBricks *means = _evox_bricks_new (scrambled, 0, BRICK, MAX_TEXTURE, 1 << 20);
  g_autoptr(EvoxVolume) expected = _evox_bricks_downsample (scrambled, 0);

  g_assert_true (_evox_bricks_is_categorical (volume, 0));
  g_assert_false (_evox_bricks_is_categorical (scrambled, 0));
  for (guint level = 1; level < _evox_bricks_get_n_levels (bricks); level++)
    {
      EvoxVolume *got = _evox_bricks_get_level (bricks, level);
      gsize dims[3], block = (gsize) 1 << level, vdims[3];

      evox_volume_get_dims (got, dims);
      evox_volume_get_dims (volume, vdims);
      for (gsize z = 0; z < dims[2]; z++)
        for (gsize y = 0; y < dims[1]; y++)
          for (gsize x = 0; x < dims[0]; x++)
            {
              double value = evox_test_value_at (got, (z * dims[1] + y) * dims[0] + x);
              gboolean in_block = FALSE;

              for (gsize k = z * block; k < MIN ((z + 1) * block, vdims[2]) && !in_block; k++)
                for (gsize j = y * block; j < MIN ((y + 1) * block, vdims[1]) && !in_block; j++)
                  for (gsize i = x * block; i < MIN ((x + 1) * block, vdims[0]); i++)
                    if (evox_test_value_at (volume, (k * vdims[1] + j) * vdims[0] + i) == value)
                      {
                        in_block = TRUE;
                        break;
                      }
              g_assert_true (in_block);
            }
    }
  /* Level 1 of a label volume is the mode filter's; of the other, the means. */
  {
    g_autoptr(EvoxVolume) mode = _evox_bricks_downsample_mode (volume, 0);
    EvoxVolume *level = _evox_bricks_get_level (bricks, 1);
    EvoxVolume *mean = _evox_bricks_get_level (means, 1);
    gsize dims[3];

    evox_volume_get_dims (mode, dims);
    g_assert_cmpmem (evox_volume_get_data (level, 0), dims[0] * dims[1] * dims[2],
                     evox_volume_get_data (mode, 0), dims[0] * dims[1] * dims[2]);
    g_assert_cmpmem (evox_volume_get_data (mean, 0), dims[0] * dims[1] * dims[2],
                     evox_volume_get_data (expected, 0), dims[0] * dims[1] * dims[2]);
  }
  _evox_bricks_free (bricks);
  _evox_bricks_free (means);
}

/* Bricked against unbricked */

/* Every view that draws slices. The 2x2 too: its panes draw under a scissor of their own, which
 * the tiles' must keep; and the layer stack, every layer blended over the ones behind it. */
static const EvoxView slice_views[6] = {
  EVOX_VIEW_SLICE_Z, EVOX_VIEW_SLICE_X, EVOX_VIEW_SLICE_Y, EVOX_VIEW_SLICES, EVOX_VIEW_QUAD,
  EVOX_VIEW_STACK
};

/* A renderer of the volume with slices 23, 17 and 9 and the camera orbited, as the bricked
 * pictures are compared with. */
static EvoxRenderer *
compared_renderer_new (EvoxVolume *volume,
                       double      lo,
                       double      hi)
{
  EvoxRenderer *renderer = evox_test_renderer_new_realized ();
  guint slices[3] = { 23, 17, 9 };

  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_slices (renderer, slices);
  evox_renderer_set_range (renderer, lo, hi);
  evox_camera_orbit (evox_renderer_get_camera (renderer), 25, 15);
  return renderer;
}

/* The renderer's picture unbricked, then bricked under the limits (texture size, brick size). */
static void
render_both (EvoxRenderer *renderer,
             guint         max_texture,
             guint         brick,
             int           width,
             int           height,
             guint8      **plain,
             guint8      **bricked)
{
  _evox_renderer_set_brick_limits (renderer, 0, 0, 0);
  *plain = evox_test_render (renderer, width, height, FALSE);
  g_assert_false (_evox_renderer_is_bricked (renderer));
  _evox_renderer_set_brick_limits (renderer, max_texture, brick, 0);
  *bricked = evox_test_render (renderer, width, height, FALSE);
  g_assert_true (_evox_renderer_is_bricked (renderer));
}

/* Each of the slice views drawn unbricked and bricked (tiles of 12, bricks of 4): the same
 * pixels, and the unbricked picture draws something. */
static void
assert_same_bricked (EvoxRenderer *renderer)
{
  for (guint v = 0; v < G_N_ELEMENTS (slice_views); v++)
    {
      g_autofree guint8 *plain = NULL;
      g_autofree guint8 *bricked = NULL;
      /* Odd sizes: the view's centre, a voxel boundary, falls on a pixel centre. */
      int width = 321, height = 257;
      gsize differ = 0, n = (gsize) width * height;

      evox_renderer_set_view (renderer, slice_views[v]);
      render_both (renderer, MAX_TEXTURE, BRICK, width, height, &plain, &bricked);
      g_assert_cmpuint (evox_test_count_not_background (plain, n), >, n / 10);
      for (gsize i = 0; i < n; i++)
        if (memcmp (plain + 4 * i, bricked + 4 * i, 4) != 0)
          {
            if (differ < 12)
              g_test_message ("%s (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT "): plain %u,%u,%u "
                              "bricked %u,%u,%u", evox_view_to_string (slice_views[v]), i % width,
                              i / width, plain[4 * i], plain[4 * i + 1], plain[4 * i + 2],
                              bricked[4 * i], bricked[4 * i + 1], bricked[4 * i + 2]);
            differ++;
          }
      g_assert_cmpuint (differ, ==, 0);
    }
}

/* Each sample type with a display range over its scrambled values. */
static const struct
{
  EvoxSampleType type;
  double         lo;
  double         hi;
} compared_types[3] = {
  { EVOX_SAMPLE_U16, 0, 65535 },
  { EVOX_SAMPLE_U8, 20, 230 },
  { EVOX_SAMPLE_F32, 0, 1000.0 / 7.0 },
};

static void
test_same_as_unbricked (void)
{
  if (!evox_test_need_gl ())
    return;
  for (guint t = 0; t < G_N_ELEMENTS (compared_types); t++)
    {
      /* 40 x 36 x 28 voxels: 4 x 3 tiles of 12 across the z slice, some of them partial. */
      g_autoptr(EvoxVolume) volume = scrambled_volume (40, 36, 28, compared_types[t].type);
      EvoxRenderer *renderer = compared_renderer_new (volume, compared_types[t].lo,
                                                      compared_types[t].hi);

      assert_same_bricked (renderer);
      evox_test_renderer_free (renderer);
    }
}

/* Bricked slices from a coarser level */

/* `renderer` draws volume (u16, slices 23, 17 and 9) bricked under a budget of 8000 bytes: 4000
 * for the tiles, which level 0's three slices (about 5000) overrun and level 1's (about 1400) do
 * not; `coarse` draws `level`, its level 1, with the slices there (11, 8 and 4). */
static void
coarse_pair_new (EvoxVolume    *volume,
                 EvoxVolume    *level,
                 EvoxRenderer **renderer,
                 EvoxRenderer **coarse)
{
  guint slices[3] = { 23, 17, 9 }, halves[3] = { 11, 8, 4 };

  *renderer = evox_test_renderer_new_realized ();
  *coarse = evox_test_renderer_new_realized ();
  _evox_renderer_set_brick_limits (*renderer, MAX_TEXTURE, BRICK, 8000);
  evox_renderer_set_volume (*renderer, volume, 0);
  evox_renderer_set_slices (*renderer, slices);
  evox_renderer_set_range (*renderer, 0, 65535);
  evox_renderer_set_volume (*coarse, level, 0);
  evox_renderer_set_slices (*coarse, halves);
  evox_renderer_set_range (*coarse, 0, 65535);
}

/* The 2D slice views: the bricked pictures are the coarse renderer's, pixel for pixel. */
static void
assert_same_as_coarse (EvoxRenderer *renderer,
                       EvoxRenderer *coarse)
{
  const EvoxView views[3] = { EVOX_VIEW_SLICE_Z, EVOX_VIEW_SLICE_X, EVOX_VIEW_SLICE_Y };

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
}

/* Overlays on bricked slices: each drawn bricked as unbricked, pixel for pixel */

/* Pixels of the z slice drawn bricked in exactly `rgb`: what a test checks that its overlay
 * shows at all (the comparison alone would pass if neither drawing showed it). */
static gsize
count_bricked_colour (EvoxRenderer *renderer,
                      const guint8  rgb[3])
{
  g_autofree guint8 *pixels = NULL;
  gsize count = 0;

  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Z);
  _evox_renderer_set_brick_limits (renderer, MAX_TEXTURE, BRICK, 0);
  pixels = evox_test_render (renderer, 321, 257, FALSE);
  g_assert_true (_evox_renderer_is_bricked (renderer));
  for (gsize i = 0; i < (gsize) 321 * 257; i++)
    count += memcmp (pixels + 4 * i, rgb, 3) == 0;
  return count;
}

/* Particles of the voxels in [lo, hi]: the highlight of one that the z slice cuts, alone and
 * with particle colours. */
static void
check_particles (double lo,
                 double hi,
                 guint  min_particles,
                 guint  max_particles)
{
  static const guint8 magenta[3] = { 255, 0, 255 };   /* EVOX_RENDERER_HIGHLIGHT_RGB */
  g_autoptr(EvoxVolume) volume = scrambled_volume (40, 36, 28, EVOX_SAMPLE_U8);
  g_autoptr(EvoxLabels) labels = NULL;
  g_autoptr(GError) error = NULL;
  EvoxRenderer *renderer;
  const guint32 *data;
  guint32 selected = 0;

  labels = evox_labels_compute (volume, 0, NULL, lo, hi, EVOX_CONNECTIVITY_6, 0, NULL, NULL,
                                &error);
  g_assert_no_error (error);
  /* The labels' tiles are R8 up to 255 particles, R16 beyond. */
  g_test_message ("%u particles", evox_labels_get_n_particles (labels));
  g_assert_cmpuint (evox_labels_get_n_particles (labels), >=, min_particles);
  g_assert_cmpuint (evox_labels_get_n_particles (labels), <=, max_particles);
  /* The largest label the z slice (9) cuts, so the highest bits count too. */
  data = evox_labels_get_data (labels);
  for (gsize i = 9 * 40 * 36; i < 10 * 40 * 36; i++)
    selected = MAX (selected, data[i]);
  g_assert_cmpuint (selected, >, 0);

  renderer = compared_renderer_new (volume, 20, 230);
  evox_renderer_set_labels (renderer, labels);
  evox_renderer_set_selected_particle (renderer, selected);
  assert_same_bricked (renderer);
  g_assert_cmpuint (count_bricked_colour (renderer, magenta), >, 0);
  evox_renderer_set_particle_colors (renderer, EVOX_PARTICLE_COLOR_ID);
  assert_same_bricked (renderer);
  g_assert_cmpuint (count_bricked_colour (renderer, magenta), >, 0);
  evox_test_renderer_free (renderer);
}

static void
test_particles_bricked (void)
{
  if (!evox_test_need_gl ())
    return;
  /* One value in 256 of 40,320 voxels: about 160 single voxels; a quarter of the values: many
   * more particles than 255. */
  check_particles (0, 0, 50, 255);
  check_particles (0, 60, 256, 40 * 36 * 28);
}

/* Cluster ids over blocks of 3 x 3 x 2 voxels, 0 (outside the mask) in one block of 5, so the
 * outlines and the unmasked voxels both show. */
static EvoxClusters *
block_clusters (const gsize dims[3],
                guint       k)
{
  g_autoptr(GError) error = NULL;
  guint16 *ids = _evox_alloc_large (dims[0] * dims[1] * dims[2] * sizeof (guint16));
  EvoxClusters *clusters;

  for (gsize z = 0; z < dims[2]; z++)
    for (gsize y = 0; y < dims[1]; y++)
      for (gsize x = 0; x < dims[0]; x++)
        {
          guint h = scramble (x / 3, y / 3, z / 2);

          ids[(z * dims[1] + y) * dims[0] + x] = h % 5 == 0 ? 0 : (guint16) (1 + h % k);
        }
  clusters = evox_clusters_new_take (dims, ids, k, 0, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return clusters;
}

static void
check_clusters (EvoxSampleType type,
                double         lo,
                double         hi)
{
  g_autoptr(EvoxVolume) volume = scrambled_volume (40, 36, 28, type);
  g_autoptr(EvoxClusters) clusters = NULL;
  EvoxRenderer *renderer;
  gsize dims[3];
  guint8 shade[3];
  float rgb[3];

  evox_volume_get_dims (volume, dims);
  clusters = block_clusters (dims, 4);
  renderer = compared_renderer_new (volume, lo, hi);
  evox_renderer_set_clusters (renderer, clusters);
  /* Opaque outlines: cluster 2's colour at half brightness, drawn exactly. */
  evox_renderer_set_cluster_style (renderer, TRUE, 0.6, TRUE);
  assert_same_bricked (renderer);
  evox_clusters_get_rgb (clusters, 2, rgb);
  for (guint c = 0; c < 3; c++)
    shade[c] = (guint8) lrintf (lrintf (rgb[c] * 255.0f) * EVOX_RENDERER_OUTLINE_SHADE);
  g_test_message ("outline shade %u,%u,%u", shade[0], shade[1], shade[2]);
  g_assert_cmpuint (count_bricked_colour (renderer, shade), >, 0);
  /* Without outlines, one cluster selected (the others dimmed) and one hidden. */
  evox_renderer_set_cluster_style (renderer, TRUE, 1.0, FALSE);
  evox_renderer_set_selected_cluster (renderer, 3);
  evox_clusters_set_visible (clusters, 1, FALSE);
  assert_same_bricked (renderer);
  evox_test_renderer_free (renderer);
}

static void
test_clusters_bricked (void)
{
  if (!evox_test_need_gl ())
    return;
  /* Beside u8 values the unbricked ids are RG8, beside u16 and f32 RG16 and RG32F; the tiles'
   * are R16 whatever the values. */
  for (guint t = 0; t < G_N_ELEMENTS (compared_types); t++)
    check_clusters (compared_types[t].type, compared_types[t].lo, compared_types[t].hi);
}

/* Slices the budget holds only at level 1 (as in test_coarse_slices): the ids' tiles come
 * from their mode level, so the picture is level 1's own drawn unbricked with the mode-filtered
 * ids, outlines included. */
static void
test_clusters_coarse (void)
{
  g_autoptr(EvoxVolume) volume = scrambled_volume (40, 36, 28, EVOX_SAMPLE_U16);
  g_autoptr(EvoxVolume) level = _evox_bricks_downsample (volume, 0);
  g_autoptr(EvoxVolume) ids = evox_test_volume_new (40, 36, 28, EVOX_SAMPLE_U16);
  g_autoptr(EvoxVolume) modes = NULL;
  g_autoptr(EvoxClusters) clusters = NULL;
  g_autoptr(EvoxClusters) coarse_clusters = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *plain = NULL;
  g_autofree guint8 *overlaid = NULL;
  gsize dims[3], level_dims[3], n;
  guint16 *coarse_ids;
  guint largest;
  EvoxRenderer *coarse, *renderer;

  if (!evox_test_need_gl ())
    return;
  evox_volume_get_dims (volume, dims);
  evox_volume_get_dims (level, level_dims);
  /* More ids than _evox_bricks_is_categorical takes for labels: modes all the same. */
  clusters = block_clusters (dims, 40);
  memcpy (evox_volume_get_data_mut (ids, 0), evox_clusters_get_data (clusters),
          dims[0] * dims[1] * dims[2] * sizeof (guint16));
  modes = _evox_bricks_downsample_mode (ids, 0);
  n = level_dims[0] * level_dims[1] * level_dims[2];
  coarse_ids = _evox_alloc_large (n * sizeof (guint16));
  memcpy (coarse_ids, evox_volume_get_data (modes, 0), n * sizeof (guint16));
  coarse_clusters = evox_clusters_new_take (level_dims, coarse_ids, 40, 0, NULL, NULL, NULL, NULL,
                                            NULL, &error);
  g_assert_no_error (error);

  coarse_pair_new (volume, level, &renderer, &coarse);
  evox_renderer_set_view (coarse, EVOX_VIEW_SLICE_Z);
  plain = evox_test_render (coarse, 321, 257, FALSE);
  evox_renderer_set_clusters (renderer, clusters);
  evox_renderer_set_clusters (coarse, coarse_clusters);
  evox_renderer_set_cluster_style (renderer, TRUE, 0.6, TRUE);
  evox_renderer_set_cluster_style (coarse, TRUE, 0.6, TRUE);
  /* The overlay shows: the level without clusters differs. */
  overlaid = evox_test_render (coarse, 321, 257, FALSE);
  g_assert_cmpuint (evox_test_count_differing (plain, overlaid, 321 * 257, &largest), >, 321 * 257 / 10);
  assert_same_as_coarse (renderer, coarse);
  evox_test_renderer_free (renderer);
  evox_test_renderer_free (coarse);
}

/* An overlay's tiles stay under a quarter of the budget, besides the plane being drawn: with a
 * budget of 8000 bytes the ids' tiles may keep 2000, less than one z plane (4 x 3 tiles with
 * their borders: 13 + 14 + 14 + 5 by 13 + 14 + 13 texels of 2 bytes, 3680 bytes), so each new
 * plane drops the ones before it. */
static void
test_overlay_budget (void)
{
  g_autoptr(EvoxVolume) volume = scrambled_volume (40, 36, 28, EVOX_SAMPLE_U8);
  g_autoptr(EvoxClusters) clusters = NULL;
  EvoxBrickOverlays *overlays;
  gsize dims[3];

  if (!evox_test_need_gl ())
    return;
  evox_volume_get_dims (volume, dims);
  clusters = block_clusters (dims, 4);
  overlays = _evox_brick_overlays_new (volume, BRICK, MAX_TEXTURE, 8000);
  for (gsize z = 0; z < 28; z++)
    {
      g_assert_cmpint (_evox_brick_overlays_prepare (overlays, NULL, clusters, NULL, 0, 2, z,
                                                     1 + z, TRUE),
                       ==, EVOX_BRICK_OVERLAY_CLUSTERS);
      g_assert_cmpuint (_evox_brick_overlays_get_gpu_bytes (overlays), ==, 46 * 40 * 2);
    }
  _evox_brick_overlays_unrealize (overlays);
  g_assert_cmpuint (_evox_brick_overlays_get_gpu_bytes (overlays), ==, 0);
  _evox_brick_overlays_free (overlays);
}

/* Overlays copied in a thread */

static gboolean
time_out (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until every overlay copy started has been delivered to it (120 s
 * at most: a guard against a hang, not a wait). */
static void
wait_copies_delivered (void)
{
  gboolean late = FALSE;
  guint timeout = g_timeout_add_seconds (120, time_out, &late);

  while (_evox_brick_overlays_get_n_copies_running () > 0 && !late)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (late);
  g_source_remove (timeout);
}

static void
count_changes (gpointer data)
{
  (*(guint *) data)++;
}

/* Labels of the u8 scrambled volume's voxels in [lo, hi] and the largest one that z slice 9
 * cuts. */
static EvoxLabels *
slice_labels (EvoxVolume *volume,
              double      lo,
              double      hi,
              guint32    *selected)
{
  g_autoptr(GError) error = NULL;
  EvoxLabels *labels = evox_labels_compute (volume, 0, NULL, lo, hi, EVOX_CONNECTIVITY_6, 0,
                                            NULL, NULL, &error);
  const guint32 *data;

  g_assert_no_error (error);
  data = evox_labels_get_data (labels);
  *selected = 0;
  for (gsize i = 9 * 40 * 36; i < 10 * 40 * 36; i++)
    *selected = MAX (*selected, data[i]);
  g_assert_cmpuint (*selected, >, 0);
  return labels;
}

/* The window frame (321 x 257, the z slice) drawn unbricked: the oracle of a bricked frame. */
static guint8 *
unbricked_frame (EvoxRenderer *renderer)
{
  guint8 *pixels;

  _evox_renderer_set_brick_limits (renderer, 0, 0, 0);
  pixels = evox_test_draw_frame (renderer, 321, 257);
  g_assert_false (_evox_renderer_is_bricked (renderer));
  _evox_renderer_set_brick_limits (renderer, MAX_TEXTURE, BRICK, 0);
  return pixels;
}

static void
assert_same_frame (const guint8 *a,
                   const guint8 *b)
{
  guint largest = 0;

  g_assert_cmpuint (evox_test_count_differing (a, b, 321 * 257, &largest), ==, 0);
}

/* A window frame never waits for the labels' copy: with the copies' thread held, the frame
 * after the particles are switched on returns (a frame that waited would never return) and is
 * the frame without them; labels changed meanwhile replace the first copy (still held) with
 * theirs. Once the thread is let go the renderer says "changed" and the next frame shows the
 * new labels' particles as the unbricked drawing does. An export while a copy runs waits for
 * it. */
static void
test_overlay_copy_in_thread (void)
{
  static const guint8 magenta[3] = { 255, 0, 255 };   /* EVOX_RENDERER_HIGHLIGHT_RGB */
  g_autoptr(EvoxVolume) volume = scrambled_volume (40, 36, 28, EVOX_SAMPLE_U8);
  g_autoptr(EvoxLabels) few = NULL;
  g_autoptr(EvoxLabels) many = NULL;
  g_autoptr(EvoxClusters) clusters = NULL;
  g_autofree guint8 *without = NULL;
  g_autofree guint8 *first = NULL;
  g_autofree guint8 *second = NULL;
  g_autofree guint8 *after = NULL;
  g_autofree guint8 *expected = NULL;
  EvoxRenderer *renderer;
  guint32 few_selected, many_selected;
  guint changes = 0;
  gsize dims[3], highlighted = 0;

  if (!evox_test_need_gl ())
    return;
  /* u8 labels (at most 255 particles), then u16 ones (more): each copy its own type. */
  few = slice_labels (volume, 0, 0, &few_selected);
  many = slice_labels (volume, 0, 60, &many_selected);
  g_assert_cmpuint (evox_labels_get_n_particles (few), <=, 255);
  g_assert_cmpuint (evox_labels_get_n_particles (many), >, 255);
  renderer = compared_renderer_new (volume, 20, 230);
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Z);
  _evox_renderer_set_brick_limits (renderer, MAX_TEXTURE, BRICK, 0);
  without = evox_test_draw_frame (renderer, 321, 257);
  g_assert_true (_evox_renderer_is_bricked (renderer));
  /* Copies that frames of earlier tests started and left, delivered before this one counts. */
  wait_copies_delivered ();

  _evox_brick_overlays_hold_copies (TRUE);
  evox_renderer_set_labels (renderer, few);
  evox_renderer_set_selected_particle (renderer, few_selected);
  first = evox_test_draw_frame (renderer, 321, 257);
  g_assert_cmpuint (_evox_brick_overlays_get_n_copies_running (), ==, 1);
  assert_same_frame (first, without);
  evox_renderer_set_labels (renderer, many);
  evox_renderer_set_selected_particle (renderer, many_selected);
  second = evox_test_draw_frame (renderer, 321, 257);
  assert_same_frame (second, without);
  g_assert_cmpuint (_evox_brick_overlays_get_n_copies_running (), ==, 2);
  g_signal_connect_swapped (renderer, "changed", G_CALLBACK (count_changes), &changes);
  _evox_brick_overlays_hold_copies (FALSE);
  wait_copies_delivered ();
  /* The first copy was dropped, the second one redraws. */
  g_assert_cmpuint (changes, ==, 1);
  g_signal_handlers_disconnect_by_data (renderer, &changes);
  after = evox_test_draw_frame (renderer, 321, 257);
  expected = unbricked_frame (renderer);
  assert_same_frame (after, expected);
  for (gsize i = 0; i < (gsize) 321 * 257; i++)
    highlighted += memcmp (after + 4 * i, magenta, 3) == 0;
  g_assert_cmpuint (highlighted, >, 0);

  /* An export started while the ids' copy runs (held, then let go) waits for it and shows
   * them; its delivery afterwards finds the copy taken. */
  evox_volume_get_dims (volume, dims);
  clusters = block_clusters (dims, 4);
  evox_renderer_set_labels (renderer, NULL);
  evox_renderer_set_clusters (renderer, clusters);
  evox_renderer_set_cluster_style (renderer, TRUE, 0.6, TRUE);
  _evox_brick_overlays_hold_copies (TRUE);
  g_clear_pointer (&first, g_free);
  first = evox_test_draw_frame (renderer, 321, 257);
  assert_same_frame (first, without);
  g_assert_cmpuint (_evox_brick_overlays_get_n_copies_running (), ==, 1);
  _evox_brick_overlays_hold_copies (FALSE);
  {
    g_autofree guint8 *exported = evox_test_render (renderer, 321, 257, FALSE);
    g_autofree guint8 *unbricked = NULL;

    _evox_renderer_set_brick_limits (renderer, 0, 0, 0);
    unbricked = evox_test_render (renderer, 321, 257, FALSE);
    guint largest;

    g_assert_cmpmem (exported, 321 * 257 * 4, unbricked, 321 * 257 * 4);
    /* The ids show: outlines and shading over four voxels in five. */
    g_assert_cmpuint (evox_test_count_differing (exported, first, 321 * 257, &largest), >,
                      321 * 257 / 10);
  }
  wait_copies_delivered ();
  evox_test_renderer_free (renderer);
}

static gboolean
weak_ref_cleared (GWeakRef *weak)
{
  g_autoptr(GObject) object = g_weak_ref_get (weak);

  return object == NULL;
}

/* The renderer freed while the thread copies its cluster ids (held there): it goes at once
 * (its last reference, asserted), and when the thread is let go it drops its copy without
 * touching the freed overlays (the sanitizer build would see a use after free); the ids, which
 * only the copy still holds then, go too. */
static void
test_overlay_copy_freed (void)
{
  g_autoptr(EvoxVolume) volume = scrambled_volume (40, 36, 28, EVOX_SAMPLE_U16);
  EvoxClusters *clusters;
  EvoxRenderer *renderer;
  GWeakRef weak;
  gsize dims[3];
  gboolean late = FALSE;
  guint timeout;

  if (!evox_test_need_gl ())
    return;
  evox_volume_get_dims (volume, dims);
  clusters = block_clusters (dims, 4);
  g_weak_ref_init (&weak, clusters);
  renderer = compared_renderer_new (volume, 0, 65535);
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICES);
  _evox_renderer_set_brick_limits (renderer, MAX_TEXTURE, BRICK, 0);
  evox_renderer_set_clusters (renderer, clusters);
  evox_renderer_set_cluster_style (renderer, TRUE, 0.6, TRUE);
  g_object_unref (clusters);
  wait_copies_delivered ();
  _evox_brick_overlays_hold_copies (TRUE);
  g_free (evox_test_draw_frame (renderer, 240, 200));
  g_assert_true (_evox_renderer_is_bricked (renderer));
  g_assert_cmpuint (_evox_brick_overlays_get_n_copies_running (), ==, 1);
  evox_test_renderer_free (renderer);
  g_assert_false (weak_ref_cleared (&weak));
  _evox_brick_overlays_hold_copies (FALSE);
  wait_copies_delivered ();
  /* The task lets go of its data on whichever thread drops it last. */
  timeout = g_timeout_add_seconds (120, time_out, &late);
  while (!weak_ref_cleared (&weak) && !late)
    {
      g_main_context_iteration (NULL, FALSE);
      g_thread_yield ();
    }
  g_assert_false (late);
  g_source_remove (timeout);
  g_weak_ref_clear (&weak);
}

/* The particles' and clusters' copies count what the window already holds: a volume of 40,320
 * u8 voxels with labels of 4 bytes a voxel (copied to u8: about 160 particles) needs 241,920
 * bytes in all, with cluster ids of 2 bytes copied to 2 bytes 201,600; under a cap of 190 KiB
 * (194,560 bytes) neither is drawn, though each copy alone (40,320 and 80,640 bytes) would fit
 * under it. Run in a subprocess: the cap comes from the environment, which other tests' threads
 * may read. */
static void
test_overlay_memory_cap (void)
{
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxLabels) labels = NULL;
  g_autoptr(EvoxClusters) clusters = NULL;
  g_autoptr(GError) error = NULL;
  EvoxBrickOverlays *overlays;
  gsize dims[3];

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }
  volume = scrambled_volume (40, 36, 28, EVOX_SAMPLE_U8);
  evox_volume_get_dims (volume, dims);
  labels = evox_labels_compute (volume, 0, NULL, 0, 0, EVOX_CONNECTIVITY_6, 0, NULL, NULL,
                                &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_particles (labels), <=, 255);
  clusters = block_clusters (dims, 4);
  g_setenv ("EVOX_MEMORY_LIMIT", "190K", TRUE);
  overlays = _evox_brick_overlays_new (volume, BRICK, MAX_TEXTURE, 8000);
  g_test_expect_message ("evox", G_LOG_LEVEL_WARNING,
                         "The particles of the bricked volume are not drawn: *memory cap*");
  g_test_expect_message ("evox", G_LOG_LEVEL_WARNING,
                         "The clusters of the bricked volume are not drawn: *memory cap*");
  g_assert_cmpint (_evox_brick_overlays_prepare (overlays, labels, clusters, NULL, 0, 2, 9, 1,
                                                  TRUE),
                   ==, 0);
  /* Said once: the next frame tries neither again. */
  g_assert_cmpint (_evox_brick_overlays_prepare (overlays, labels, clusters, NULL, 0, 2, 10, 2,
                                                  TRUE),
                   ==, 0);
  g_test_assert_expected_messages ();
  _evox_brick_overlays_free (overlays);
}

static void
test_rgb_bricked (void)
{
  g_autoptr(EvoxVolume) u16 = scrambled_channels (40, 36, 28, 3, EVOX_SAMPLE_U16);
  g_autoptr(EvoxVolume) f32 = scrambled_channels (40, 36, 28, 3, EVOX_SAMPLE_F32);
  EvoxRenderer *renderer;
  int channels[3] = { 2, 0, 1 };
  double lo[3] = { 0, 10000, 30000 }, hi[3] = { 65535, 50000, 30000 };

  if (!evox_test_need_gl ())
    return;
  renderer = compared_renderer_new (u16, 0, 65535);
  evox_renderer_set_rgb (renderer, channels, lo, hi);
  assert_same_bricked (renderer);
  evox_test_renderer_free (renderer);

  /* f32 with holes (NaN): a voxel NaN in both used slots is not drawn; green unused. */
  channels[0] = 1;
  channels[1] = -1;
  channels[2] = 2;
  lo[0] = lo[2] = 10;
  hi[0] = hi[2] = 120;
  renderer = compared_renderer_new (f32, 0, 1000.0 / 7.0);
  evox_renderer_set_rgb (renderer, channels, lo, hi);
  assert_same_bricked (renderer);
  /* Picking sees the composite's holes as the picture does: channel 0, shown, is NaN where 1
   * and 2 are not (about one voxel in 53), and the other way round. */
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Z);
  {
    g_autofree gboolean *picked = g_new (gboolean, 321 * 257);
    gsize n_picked = 0;

    for (guint bricked = 0; bricked < 2; bricked++)
      {
        _evox_renderer_set_brick_limits (renderer, bricked ? MAX_TEXTURE : 0,
                                         bricked ? BRICK : 0, 0);
        g_free (evox_test_render (renderer, 321, 257, FALSE));
        g_assert_true (_evox_renderer_is_bricked (renderer) == (gboolean) bricked);
        for (int y = 0; y < 257; y++)
          for (int x = 0; x < 321; x++)
            {
              double position[3];
              gboolean here = evox_renderer_pick (renderer, x, y, 321, 257, position);

              if (!bricked)
                n_picked += picked[y * 321 + x] = here;
              else
                g_assert_cmpint (here, ==, picked[y * 321 + x]);
            }
      }
    g_assert_cmpuint (n_picked, >, 321 * 257 / 10);
  }
  evox_test_renderer_free (renderer);
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
  EvoxRenderer *coarse, *renderer;

  if (!evox_test_need_gl ())
    return;
  coarse_pair_new (volume, level, &renderer, &coarse);
  assert_same_as_coarse (renderer, coarse);
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
 * through its bricks, coarser where the atlas is short, rather than an empty box. */
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
  /* Ray bricks of 8 in an atlas of 16 a side: 8 slots, which level 2 (2 x 2 x 2 bricks of 6
   * voxels of 4) fits and level 1 does not. */
  g_assert_cmpint (_evox_renderer_get_ray_level (renderer), ==, 2);
  g_assert_cmpuint (evox_test_count_not_background (rays, 200 * 180), >, 200 * 180 / 4);
  evox_test_renderer_free (renderer);
}

/* Bricked rays */

/* Ray bricks of 8 texels (6 voxels each and a border) in an atlas of at most 64 a side: 512
 * slots, as many as the 12 x 7 x 6 pages of the 72 x 40 x 36 volume below, which is bricked
 * because 72 > 64. */
#define RAY_MAX_TEXTURE 64
#define RAY_BRICK 8

/* Smooth waves and some noise, so samples between voxels differ from the voxels. */
static EvoxVolume *
waves_volume (gsize nx,
              gsize ny,
              gsize nz)
{
  EvoxVolume *volume = evox_test_volume_new (nx, ny, nz, EVOX_SAMPLE_U8);
  guint8 *data = evox_volume_get_data_mut (volume, 0);
  const double spacing[3] = { 10.0, 10.0, 10.0 };

  for (gsize k = 0; k < nz; k++)
    for (gsize j = 0; j < ny; j++)
      for (gsize i = 0; i < nx; i++)
        data[(k * ny + j) * nx + i] =
          (guint8) (100.0 * (1.0 + sin (0.3 * i) * cos (0.23 * j) * sin (0.17 * k + 1.0)) +
                    scramble (i, j, k) % 40);
  evox_volume_set_spacing (volume, spacing);
  evox_volume_freeze (volume);
  return volume;
}

/* The Volume view of `volume` over 0..255 with `style` (its slices hidden), bricked with the
 * rays' limits above. */
static EvoxRenderer *
ray_renderer_new (EvoxVolume      *volume,
                  EvoxVolumeStyle *style)
{
  EvoxRenderer *renderer = evox_test_renderer_new_realized ();

  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_range (renderer, 0, 255);
  evox_renderer_set_view (renderer, EVOX_VIEW_VOLUME);
  evox_volume_style_set_show_slices (style, FALSE);
  evox_renderer_set_volume_style (renderer, style);
  _evox_renderer_set_brick_limits (renderer, RAY_MAX_TEXTURE, RAY_BRICK, 0);
  return renderer;
}

/* The bricked ray cast at full resolution against the unbricked one, on a volume small enough
 * for both: MIP and minip pixel for pixel; composite within 2/255 per channel (the
 * bricked rays take the very same samples with the same trilinear values; the one difference
 * is the atlas coordinate, whose slot offset rounds away the last bits of the fraction of a
 * voxel: a sample's value moves by far less than a stored step, and a composite colour, a sum
 * over ~200 samples, by at most a rounding of the 8-bit result). */
static void
test_rays_same_as_unbricked (void)
{
  g_autoptr(EvoxVolume) volume = waves_volume (72, 40, 36);
  g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
  const EvoxRayMode modes[4] = { EVOX_RAY_COMPOSITE, EVOX_RAY_MIP, EVOX_RAY_MINIP,
                                 EVOX_RAY_ISO };
  EvoxRenderer *renderer;
  int width = 321, height = 257;
  gsize n = (gsize) width * height;
  const double values[2] = { 80, 255 }, opacities[2] = { 0, 0.3 };

  if (!evox_test_need_gl ())
    return;
  evox_volume_style_set_iso_level (style, 150);
  evox_volume_style_set_points (style, values, opacities, 2);
  renderer = ray_renderer_new (volume, style);
  evox_camera_orbit (evox_renderer_get_camera (renderer), 25, 15);
  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    {
      g_autofree guint8 *plain = NULL;
      g_autofree guint8 *bricked = NULL;
      int finest, coarsest;
      guint n_bricks, largest;
      gsize differ;

      evox_volume_style_set_mode (style, modes[m]);
      render_both (renderer, RAY_MAX_TEXTURE, RAY_BRICK, width, height, &plain, &bricked);
      _evox_bricks_get_ray_levels (_evox_renderer_get_bricks (renderer), &finest, &coarsest,
                                   &n_bricks);
      /* Every brick at level 0: 12 x 7 x 6. */
      g_assert_cmpint (finest, ==, 0);
      g_assert_cmpint (coarsest, ==, 0);
      g_assert_cmpuint (n_bricks, ==, 12 * 7 * 6);
      g_assert_cmpuint (evox_test_count_not_background (plain, n), >, n / 5);
      differ = evox_test_count_differing (plain, bricked, n, &largest);
      g_test_message ("%s: %" G_GSIZE_FORMAT " pixels differ, by up to %u",
                      evox_ray_mode_to_string (modes[m]), differ, largest);
      if (modes[m] == EVOX_RAY_COMPOSITE)
        g_assert_cmpuint (largest, <=, 2);
      else if (modes[m] == EVOX_RAY_ISO)
        {
          /* The headlight's gradient is a difference of nearly equal samples: the rounding
           * above moves it most (18 pixels by up to 5 when this was written). */
          g_assert_cmpuint (differ, <=, n / 1000);
          g_assert_cmpuint (largest, <=, 8);
        }
      else
        g_assert_cmpuint (differ, ==, 0);
    }
  evox_test_renderer_free (renderer);
}

/* Composite rays with the clusters as their source read the ids from an atlas of the same
 * slots as the values': bricked at full resolution as unbricked, within the composite's
 * tolerance above (the nearest sample of an id takes the same atlas coordinate). */
static void
test_rays_clusters (void)
{
  g_autoptr(EvoxVolume) volume = waves_volume (72, 40, 36);
  g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
  g_autoptr(EvoxClusters) clusters = NULL;
  g_autofree guint8 *plain = NULL;
  g_autofree guint8 *colormap = NULL;
  g_autofree guint8 *bricked = NULL;
  EvoxRenderer *renderer;
  int width = 321, height = 257;
  gsize n = (gsize) width * height, differ, dims[3];
  guint largest;

  if (!evox_test_need_gl ())
    return;
  evox_volume_get_dims (volume, dims);
  clusters = block_clusters (dims, 4);
  evox_volume_style_set_mode (style, EVOX_RAY_COMPOSITE);
  renderer = ray_renderer_new (volume, style);
  evox_camera_orbit (evox_renderer_get_camera (renderer), 25, 15);
  /* Without clusters the colour map: what a bricked view drew before. */
  colormap = evox_test_render (renderer, width, height, FALSE);
  evox_renderer_set_clusters (renderer, clusters);
  evox_volume_style_set_source (style, EVOX_VOLUME_SOURCE_CLUSTERS);
  render_both (renderer, RAY_MAX_TEXTURE, RAY_BRICK, width, height, &plain, &bricked);
  g_assert_cmpuint (evox_test_count_not_background (plain, n), >, n / 5);
  g_assert_cmpuint (evox_test_count_differing (plain, colormap, n, &largest), >, n / 5);
  differ = evox_test_count_differing (plain, bricked, n, &largest);
  g_test_message ("clusters: %" G_GSIZE_FORMAT " pixels differ, by up to %u", differ, largest);
  g_assert_cmpuint (largest, <=, 2);
  evox_test_renderer_free (renderer);
}

/* A view whose voxels span less than a pixel takes a coarser level, and one zoomed in takes
 * level 0; a budget too short for level 0 takes a coarser one too; none of them is empty. */
static void
test_rays_coarser_level (void)
{
  g_autoptr(EvoxVolume) volume = waves_volume (72, 40, 36);
  g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
  EvoxRenderer *renderer;
  EvoxBricks *bricks;
  int finest, coarsest;
  guint n_bricks;

  if (!evox_test_need_gl ())
    return;
  evox_volume_style_set_mode (style, EVOX_RAY_MIP);
  renderer = ray_renderer_new (volume, style);

  /* 72 voxels across about 30 pixels: a voxel is 0.4 pixel, level 2's 1.7. */
  {
    g_autofree guint8 *pixels = evox_test_render (renderer, 40, 30, FALSE);

    bricks = _evox_renderer_get_bricks (renderer);
    _evox_bricks_get_ray_levels (bricks, &finest, &coarsest, &n_bricks);
    g_test_message ("small view: levels %d..%d, %u bricks", finest, coarsest, n_bricks);
    g_assert_cmpint (finest, >=, 1);
    g_assert_cmpint (coarsest, <=, 2);
    g_assert_cmpuint (evox_test_count_not_background (pixels, 40 * 30), >, 40 * 30 / 5);
  }
  /* Perspective, closer, in a small view: the near bricks at level 0, the far ones at 1. */
  {
    EvoxCamera *camera = evox_renderer_get_camera (renderer);
    g_autofree guint8 *pixels = NULL;

    evox_camera_set_orthographic (camera, FALSE);
    evox_camera_orbit (camera, 60, 40);
    evox_camera_zoom_at (camera, 2.0, 40, 30, 80, 60);
    pixels = evox_test_render (renderer, 80, 60, FALSE);
    _evox_bricks_get_ray_levels (bricks, &finest, &coarsest, &n_bricks);
    g_test_message ("close view: levels %d..%d, %u bricks", finest, coarsest, n_bricks);
    g_assert_cmpint (finest, ==, 0);
    g_assert_cmpint (coarsest, ==, 1);
    g_assert_cmpuint (evox_test_count_not_background (pixels, 80 * 60), >, 80 * 60 / 5);
    /* Each level's own min/max grid bounds its samples: skipping changes nothing, across the
     * seams between levels too. */
    for (guint m = 0; m < 2; m++)
      {
        g_autofree guint8 *skipped = NULL;
        g_autofree guint8 *all = NULL;
        guint largest;

        evox_volume_style_set_mode (style, m == 0 ? EVOX_RAY_MIP : EVOX_RAY_COMPOSITE);
        skipped = evox_test_render (renderer, 80, 60, FALSE);
        _evox_renderer_set_skipping (renderer, FALSE);
        all = evox_test_render (renderer, 80, 60, FALSE);
        _evox_renderer_set_skipping (renderer, TRUE);
        g_assert_cmpuint (evox_test_count_differing (skipped, all, 80 * 60, &largest), ==, 0);
      }
    evox_volume_style_set_mode (style, EVOX_RAY_MIP);
  }
  /* A budget of 2 x 16 bricks (half for the slices' tiles): 72 x 40 x 36 takes level 2 or
   * coarser (level 1 alone would need 6 x 4 x 3 = 72 bricks). */
  {
    g_autofree guint8 *pixels = NULL;

    _evox_renderer_set_brick_limits (renderer, RAY_MAX_TEXTURE, RAY_BRICK,
                                     2 * 16 * RAY_BRICK * RAY_BRICK * RAY_BRICK);
    pixels = evox_test_render (renderer, 320, 240, FALSE);
    bricks = _evox_renderer_get_bricks (renderer);
    _evox_bricks_get_ray_levels (bricks, &finest, &coarsest, &n_bricks);
    g_test_message ("short budget: levels %d..%d, %u bricks", finest, coarsest, n_bricks);
    g_assert_cmpint (finest, >=, 2);
    g_assert_cmpuint (n_bricks, <=, 16);
    g_assert_cmpuint (evox_test_count_not_background (pixels, 320 * 240), >, 320 * 240 / 10);
  }
  evox_test_renderer_free (renderer);
}

static void
count_changed (gpointer data)
{
  (*(guint *) data)++;
}

/* Window frames never wait for the pyramid. The first frame that needs only level 0 casts its
 * rays at once; dragging plans for the half-size picture, which wants level 1 in places: that
 * frame still draws, from the last plan's bricks, while a thread computes level 1, and once it
 * is in (the renderer says "changed") the next frame takes it. */
static void
test_rays_window_frames (void)
{
  g_autoptr(EvoxVolume) volume = waves_volume (72, 40, 36);
  g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
  EvoxRenderer *renderer;
  guint changed = 0;
  int finest, coarsest;
  guint n_bricks;

  if (!evox_test_need_gl ())
    return;
  evox_volume_style_set_mode (style, EVOX_RAY_MIP);
  renderer = ray_renderer_new (volume, style);
  g_signal_connect_swapped (renderer, "changed", G_CALLBACK (count_changed), &changed);
  /* 72 voxels across about 300 pixels: level 0 everywhere; at half size, level 1 somewhere. */
  {
    g_autofree guint8 *pixels = evox_test_draw_frame (renderer, 320, 240);

    _evox_bricks_get_ray_levels (_evox_renderer_get_bricks (renderer), &finest, &coarsest,
                                 &n_bricks);
    g_test_message ("window frame: levels %d..%d, %u bricks", finest, coarsest, n_bricks);
    g_assert_cmpint (finest, ==, 0);
    g_assert_cmpuint (evox_test_count_not_background (pixels, 320 * 240), >, 320 * 240 / 5);
  }
  evox_renderer_set_interactive (renderer, TRUE);
  {
    g_autofree guint8 *pixels = evox_test_draw_frame (renderer, 320, 240);

    /* Drawn, from the last plan (level 1 is not in yet). */
    g_assert_cmpint (_evox_bricks_get_ray_level (_evox_renderer_get_bricks (renderer)), ==, 0);
    g_assert_cmpuint (evox_test_count_not_background (pixels, 320 * 240), >, 320 * 240 / 5);
  }
  changed = 0;
  while (changed == 0)
    g_main_context_iteration (NULL, TRUE);
  {
    g_autofree guint8 *pixels = evox_test_draw_frame (renderer, 320, 240);

    _evox_bricks_get_ray_levels (_evox_renderer_get_bricks (renderer), &finest, &coarsest,
                                 &n_bricks);
    g_test_message ("dragging: levels %d..%d, %u bricks", finest, coarsest, n_bricks);
    g_assert_cmpint (coarsest, >=, 1);
    g_assert_cmpuint (evox_test_count_not_background (pixels, 320 * 240), >, 320 * 240 / 5);
  }
  g_signal_handlers_disconnect_by_data (renderer, &changed);
  evox_test_renderer_free (renderer);
}

static void
set_flag (gpointer data,
          gpointer unused)
{
  *(gboolean *) data = TRUE;
}

/* A window's frame does not wait for the pyramid: the levels the rays need are computed in a
 * thread, the ready function says when they are in, and the next frame takes them. Bricks
 * freed while a thread runs drop its result (the sanitizer build would see a use after free). */
static void
test_ray_level_in_thread (void)
{
  g_autoptr(EvoxVolume) volume = scrambled_volume (40, 36, 28, EVOX_SAMPLE_U16);
  /* The box over clip space, seen straight on: a voxel spans 5 of 200 pixels. */
  const float mvp[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 };
  const double box_lo[3] = { -1, -1, -0.5 }, box_hi[3] = { 1, 1, 0.5 };
  const int viewport[2] = { 200, 200 };
  EvoxBricks *bricks;
  EvoxBrickRays rays;
  gboolean ready = FALSE;
  int finest, coarsest;
  guint n_bricks;

  if (!evox_test_need_gl ())
    return;

  /* Ray bricks of 8 (6 voxels and a border), 8 slots in a texture of 16: 7 x 6 x 5 pages at
   * level 0 do not fit, level 2's 2 x 2 x 2 bricks do. */
  bricks = _evox_bricks_new (volume, 0, BRICK, MAX_TEXTURE, 1 << 20);
  _evox_bricks_set_ready_func (bricks, set_flag, &ready);
  g_assert_false (_evox_bricks_prepare_rays (bricks, mvp, viewport, box_lo, box_hi, FALSE,
                                             &rays));
  g_assert_cmpint (_evox_bricks_get_ray_level (bricks), ==, -1);
  while (!ready)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (_evox_bricks_prepare_rays (bricks, mvp, viewport, box_lo, box_hi, FALSE,
                                            &rays));
  g_assert_cmpuint (rays.atlas, !=, 0);
  g_assert_cmpuint (rays.brick, ==, 8);
  g_assert_cmpuint (rays.page, ==, 6);
  _evox_bricks_get_ray_levels (bricks, &finest, &coarsest, &n_bricks);
  g_assert_cmpint (finest, ==, 2);
  g_assert_cmpint (coarsest, ==, 2);
  g_assert_cmpuint (n_bricks, ==, 8);
  g_assert_cmpuint (rays.n_pages[0], ==, 7);
  g_assert_cmpuint (rays.n_pages[1], ==, 6);
  g_assert_cmpuint (rays.n_pages[2], ==, 5);
  /* The same plan again uploads nothing. */
  {
    guint uploads = _evox_bricks_get_n_uploads (bricks);

    g_assert_true (_evox_bricks_prepare_rays (bricks, mvp, viewport, box_lo, box_hi, FALSE,
                                              &rays));
    g_assert_cmpuint (_evox_bricks_get_n_uploads (bricks), ==, uploads);
  }
  _evox_bricks_unrealize (bricks);
  _evox_bricks_free (bricks);

  ready = FALSE;
  bricks = _evox_bricks_new (volume, 0, BRICK, MAX_TEXTURE, 1 << 20);
  _evox_bricks_set_ready_func (bricks, set_flag, &ready);
  g_assert_false (_evox_bricks_prepare_rays (bricks, mvp, viewport, box_lo, box_hi, FALSE,
                                             &rays));
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
  g_test_add_func ("/Evox/Bricks/mode-filter", test_mode_filter);
  g_test_add_func ("/Evox/Bricks/label-pyramid", test_label_pyramid);
  g_test_add_func ("/Evox/Bricks/same-as-unbricked", test_same_as_unbricked);
  g_test_add_func ("/Evox/Bricks/particles", test_particles_bricked);
  g_test_add_func ("/Evox/Bricks/clusters", test_clusters_bricked);
  g_test_add_func ("/Evox/Bricks/clusters-coarse", test_clusters_coarse);
  g_test_add_func ("/Evox/Bricks/overlay-budget", test_overlay_budget);
  g_test_add_func ("/Evox/Bricks/overlay-memory-cap", test_overlay_memory_cap);
  g_test_add_func ("/Evox/Bricks/overlay-copy-in-thread", test_overlay_copy_in_thread);
  g_test_add_func ("/Evox/Bricks/overlay-copy-freed", test_overlay_copy_freed);
  g_test_add_func ("/Evox/Bricks/rgb", test_rgb_bricked);
  g_test_add_func ("/Evox/Bricks/demo-stack", test_demo_stack);
  g_test_add_func ("/Evox/Bricks/coarse-slices", test_coarse_slices);
  g_test_add_func ("/Evox/Bricks/tiles", test_tiles);
  g_test_add_func ("/Evox/Bricks/beyond-texture-size", test_beyond_texture_size);
  g_test_add_func ("/Evox/Bricks/beyond-gpu-limit", test_beyond_gpu_limit);
  g_test_add_func ("/Evox/Bricks/ray-level-in-thread", test_ray_level_in_thread);
  g_test_add_func ("/Evox/Bricks/rays-same-as-unbricked", test_rays_same_as_unbricked);
  g_test_add_func ("/Evox/Bricks/rays-clusters", test_rays_clusters);
  g_test_add_func ("/Evox/Bricks/rays-coarser-level", test_rays_coarser_level);
  g_test_add_func ("/Evox/Bricks/rays-window-frames", test_rays_window_frames);
  status = g_test_run ();
  evox_test_gl_clear ();
  return status;
}
