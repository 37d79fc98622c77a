/* test-ondemand-rays.c: the Volume view of a volume held reduced takes the file's finer bricks
 * where the view wants them, read in a thread, and then draws what the whole volume draws. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "evox-bricks.h"
#include "evox-file-bricks.h"
#include "evox-loader.h"
#include "evox-renderer.h"
#include "evox-renderer-private.h"
#include "evox-test-gl.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-voxel-source.h"

/* The file: even sides, so its box and the 1:2 volume's are the same. */
#define NX 48
#define NY 36
#define NZ 30
/* Ray bricks of 8 texels (6 voxels and a border): 8 x 6 x 5 of them at the file's level 0. */
#define BRICK 8

/* Smooth waves and noise: the means of 2^3 blocks lose the noise, so a reduced drawing looks
 * different. */
static double
wave (gsize x,
      gsize y,
      gsize z)
{
  guint64 state = (z * NY + y) * NX + x + 1;

  return (double) (guint8) (100.0 * (1.0 + sin (0.3 * x) * cos (0.23 * y) *
                                     sin (0.17 * z + 1.0)) + evox_test_random (&state) % 50);
}

/* A u16 source in memory with odd sides (blocks at the far faces are partial). */
static const gsize odd_dims[3] = { 37, 29, 22 };

static double
odd_value (gsize x,
           gsize y,
           gsize z)
{
  return (double) ((x * 131 + y * 1777 + z * 1031) % 65521);
}

/* Labels 0, 85, 170 in irregular patches. */
static double
label_value (gsize x,
             gsize y,
             gsize z)
{
  return 85.0 * ((x / 3 + y / 2 + z * 7 + (x * y) % 5) % 3);
}

/* A source in memory: the voxels of a formula (u16 up to 65535, u8 below 256). */
typedef struct
{
  EvoxSampleType type;
  double       (*value) (gsize, gsize, gsize);
} Formula;

static gboolean
formula_read_box (gpointer      user_data,
                  const gsize   origin[3],
                  const gsize   size[3],
                  gpointer      dest,
                  GError      **error)
{
  const Formula *formula = user_data;
  gsize i = 0;

  for (gsize z = 0; z < size[2]; z++)
    for (gsize y = 0; y < size[1]; y++)
      for (gsize x = 0; x < size[0]; x++, i++)
        {
          double v = formula->value (origin[0] + x, origin[1] + y, origin[2] + z);

          if (formula->type == EVOX_SAMPLE_U8)
            ((guint8 *) dest)[i] = (guint8) v;
          else
            ((guint16 *) dest)[i] = (guint16) v;
        }
  return TRUE;
}

/* The oracle of level `level`'s voxel v (clamped to the level, as a brick's border is): the
 * mean of its 2^level block of the file's voxels inside the file, rounded to the nearest (half
 * away from zero, as lround), or its most frequent value, ties to the smallest; brute force. */
static double
level_voxel (double     (*value) (gsize, gsize, gsize),
             const gsize  dims[3],
             guint        level,
             gboolean     modes,
             const gssize v[3])
{
  gsize s = (gsize) 1 << level, lo[3], hi[3];
  double sum = 0.0, best = 0.0;
  guint count = 0, best_count = 0;

  for (guint a = 0; a < 3; a++)
    {
      gssize side = (gssize) ((dims[a] + s - 1) / s);

      lo[a] = (gsize) CLAMP (v[a], 0, side - 1) * s;
      hi[a] = MIN (lo[a] + s, dims[a]);
    }
  for (gsize z = lo[2]; z < hi[2]; z++)
    for (gsize y = lo[1]; y < hi[1]; y++)
      for (gsize x = lo[0]; x < hi[0]; x++)
        {
          sum += value (x, y, z);
          count++;
        }
  if (!modes)
    return floor (sum / count + 0.5);
  for (guint label = 0; label <= 170; label += 85)
    {
      guint n = 0;

      for (gsize z = lo[2]; z < hi[2]; z++)
        for (gsize y = lo[1]; y < hi[1]; y++)
          for (gsize x = lo[0]; x < hi[0]; x++)
            n += value (x, y, z) == label;
      if (n > best_count)
        {
          best_count = n;
          best = label;
        }
    }
  return best;
}

static void
check_brick_levels (EvoxVoxelSource  *source,
                    double          (*value) (gsize, gsize, gsize),
                    gboolean          modes)
{
  EvoxSampleType type = evox_voxel_source_get_sample_type (source);
  g_autofree guint8 *brick = g_malloc ((gsize) BRICK * BRICK * BRICK * 2);
  gsize dims[3];
  guint checked = 0;

  evox_voxel_source_get_dims (source, dims);
  for (guint level = 0; level < 3; level++)
    {
      gsize s = (gsize) 1 << level, n_bricks[3];

      for (guint a = 0; a < 3; a++)
        n_bricks[a] = ((dims[a] + s - 1) / s + BRICK - 3) / (BRICK - 2);
      /* Every brick of the level, the ones at the far faces (partial blocks, clamped borders)
       * included. */
      for (gsize k = 0; k < n_bricks[2]; k++)
        for (gsize j = 0; j < n_bricks[1]; j++)
          for (gsize i = 0; i < n_bricks[0]; i++)
            {
              const gsize index[3] = { i, j, k };
              g_autoptr(GError) error = NULL;

              g_assert_true (_evox_file_bricks_read (source, level, modes, BRICK, index, brick,
                                                     &error));
              g_assert_no_error (error);
              for (guint z = 0; z < BRICK; z++)
                for (guint y = 0; y < BRICK; y++)
                  for (guint x = 0; x < BRICK; x++)
                    {
                      gssize v[3] = { (gssize) (i * (BRICK - 2) + x) - 1,
                                      (gssize) (j * (BRICK - 2) + y) - 1,
                                      (gssize) (k * (BRICK - 2) + z) - 1 };
                      gsize at = ((gsize) z * BRICK + y) * BRICK + x;
                      double got = type == EVOX_SAMPLE_U8 ? brick[at]
                                                          : ((guint16 *) brick)[at];

                      g_assert_cmpfloat (got, ==, level_voxel (value, dims, level, modes, v));
                      checked++;
                    }
            }
    }
  g_test_message ("%u texels checked", checked);
}

/* The levels read from the file against block means (modes for labels) counted in the test,
 * and level log2 S against the reduced volume itself. */
static void
test_levels (void)
{
  Formula odd_formula = { EVOX_SAMPLE_U16, odd_value };
  Formula label_formula = { EVOX_SAMPLE_U8, label_value };
  g_autoptr(EvoxVoxelSource) odd = evox_voxel_source_new (odd_dims, EVOX_SAMPLE_U16, "odd",
                                                          formula_read_box, &odd_formula, NULL);
  g_autoptr(EvoxVoxelSource) labels = evox_voxel_source_new (odd_dims, EVOX_SAMPLE_U8,
                                                             "labels", formula_read_box,
                                                             &label_formula, NULL);
  g_autoptr(GError) error = NULL;

  check_brick_levels (odd, odd_value, FALSE);
  check_brick_levels (labels, label_value, TRUE);

  /* A box of the volume at 1:4 is what the reducing pass made of it. */
  for (int modes = 0; modes < 2; modes++)
    {
      EvoxVoxelSource *source = modes ? labels : odd;
      g_autoptr(EvoxVolume) reduced = evox_voxel_source_reduce_full (source, 4, modes, NULL,
                                                                     NULL, &error);
      const gsize origin[3] = { 3, 2, 1 }, size[3] = { 7, 6, 5 };
      gsize item = modes ? 1 : 2, rdims[3];
      g_autofree guint8 *box = g_malloc (size[0] * size[1] * size[2] * item);
      const guint8 *all;

      g_assert_no_error (error);
      evox_volume_get_dims (reduced, rdims);
      /* To the far faces: 37 / 4 -> 10, 29 / 4 -> 8, 22 / 4 -> 6. */
      g_assert_cmpuint (origin[0] + size[0], ==, rdims[0]);
      g_assert_cmpuint (origin[1] + size[1], ==, rdims[1]);
      g_assert_cmpuint (origin[2] + size[2], ==, rdims[2]);
      g_assert_true (evox_voxel_source_read_reduced (source, 4, modes, origin, size, box,
                                                     &error));
      g_assert_no_error (error);
      all = evox_volume_get_data (reduced, 0);
      for (gsize z = 0; z < size[2]; z++)
        for (gsize y = 0; y < size[1]; y++)
          g_assert_cmpmem (box + ((z * size[1] + y) * size[0]) * item, size[0] * item,
                           all + (((origin[2] + z) * rdims[1] + origin[1] + y) * rdims[0] +
                                  origin[0]) * item, size[0] * item);
      /* A box outside the volume at that scale is refused. */
      g_assert_false (evox_voxel_source_read_reduced (source, 4, modes, origin,
                                                      (gsize[3]) { 8, 6, 5 }, box, &error));
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
      g_clear_error (&error);
    }
}

/* The file, written in dir, and the volume loaded from it whole and held reduced at 1:2. */
static char *
write_file (const char  *dir,
            EvoxVolume **whole,
            EvoxVolume **reduced)
{
  char *path = g_build_filename (dir, "waves.tif", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (NX, NY, NZ, 1, EVOX_SAMPLE_U8, &error);
  guint8 *v;

  g_assert_no_error (error);
  v = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 0; z < NZ; z++)
    for (gsize y = 0; y < NY; y++)
      for (gsize x = 0; x < NX; x++)
        v[(z * NY + y) * NX + x] = (guint8) wave (x, y, z);
  evox_volume_set_spacing (volume, (double[3]) { 10, 10, 10 });
  evox_volume_freeze (volume);
  g_assert_true (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  *whole = evox_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  /* 48 x 36 x 30 u8 with its histograms is over 60 kB, whose half holds the 1:2 volume. */
  g_setenv ("EVOX_MEMORY_LIMIT", "60K", TRUE);
  *reduced = evox_volume_load (path, NULL, NULL, NULL, &error);
  g_unsetenv ("EVOX_MEMORY_LIMIT");
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_reduction (*reduced), ==, 2);
  return path;
}

static EvoxRenderer *
view_new (EvoxVolume      *volume,
          EvoxVolumeStyle *style,
          gboolean         bricked)
{
  EvoxRenderer *renderer = evox_test_renderer_new_realized ();
  EvoxCamera *camera = evox_renderer_get_camera (renderer);

  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_range (renderer, 0, 255);
  evox_renderer_set_view (renderer, EVOX_VIEW_VOLUME);
  evox_volume_style_set_show_slices (style, FALSE);
  evox_renderer_set_volume_style (renderer, style);
  _evox_renderer_set_brick_limits (renderer, bricked ? G_MAXUINT : 0, BRICK, 0);
  /* Close: perspective, turned and zoomed in. */
  evox_camera_set_orthographic (camera, FALSE);
  evox_camera_orbit (camera, 30, 20);
  evox_camera_zoom_at (camera, 1.6, 120, 100, 240, 200);
  return renderer;
}

static void
count_changed (gpointer data)
{
  (*(guint *) data)++;
}

static gboolean
time_out (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Window frames until the file's bricks the view wants are all in: each frame asks for what it
 * lacks, the thread reads a batch and the renderer says "changed". */
static guint8 *
draw_until_read (EvoxRenderer *renderer,
                 int           width,
                 int           height)
{
  EvoxFileBricks *file = _evox_bricks_get_file (_evox_renderer_get_ray_bricks (renderer));
  guint changed = 0, frames = 0;
  gboolean late = FALSE;
  guint timeout = g_timeout_add_seconds (120, time_out, &late);
  guint8 *pixels = NULL;

  g_signal_connect_swapped (renderer, "changed", G_CALLBACK (count_changed), &changed);
  for (;;)
    {
      g_free (pixels);
      pixels = evox_test_draw_frame (renderer, width, height);
      frames++;
      if (!_evox_file_bricks_is_reading (file))
        break;
      /* The read's end comes through the main loop only, never during a frame. */
      changed = 0;
      while (changed == 0 && !late)
        g_main_context_iteration (NULL, TRUE);
      g_assert_false (late);
    }
  g_source_remove (timeout);
  g_signal_handlers_disconnect_by_data (renderer, &changed);
  g_test_message ("%u frames, %u bricks read", frames, _evox_file_bricks_get_n_reads (file));
  return pixels;
}

/* The whole volume's view against the one of the volume held reduced, once the rays read the
 * file's bricks. The same samples of the same voxels, but through the atlas: its texture
 * coordinate (a brick's slot corner plus the sample's place in the brick) rounds away the last
 * bits of the sample's position, which llvmpipe's linear filter weights then see, and a slot
 * layout other than test-bricks' rounds differently. Measured when this was written on a
 * 240 x 200 view: MIP 32 pixels by up to 3 (the whole volume drawn from bricks of its own
 * differs from the reduced one's in 7, by up to 2), composite 739 by up to 2 (test-bricks'
 * tolerance, 2/255 a channel); the reduced drawing differs in some 40,000 pixels by up to 81. */
static void
check_same_view (EvoxRayMode   mode,
                 const guint8 *want,
                 const guint8 *got,
                 gsize         n)
{
  guint largest;
  gsize differ = evox_test_count_differing (want, got, n, &largest);

  g_test_message ("%s: %" G_GSIZE_FORMAT " pixels differ, by up to %u",
                  evox_ray_mode_to_string (mode), differ, largest);
  if (mode == EVOX_RAY_MIP)
    {
      g_assert_cmpuint (differ, <=, n / 400);
      g_assert_cmpuint (largest, <=, 8);
    }
  else
    g_assert_cmpuint (largest, <=, 2);
}

/* A close view of the volume held at 1:2: the first window frame draws the reduced voxels
 * (the file's bricks are not read yet) and differs from the whole volume's; once the bricks
 * are in, MIP is the whole volume's pixel for pixel and composite within 2/255 (test-bricks'
 * tolerance for bricked against unbricked rays); an export waits for them and draws the same.
 * bricked: the reduced volume drawn from bricks (forced), else from one texture with bricks for
 * the rays alone. */
static void
check_close_view (gconstpointer data)
{
  gboolean bricked = GPOINTER_TO_INT (data);
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(EvoxVolume) whole = NULL;
  g_autoptr(EvoxVolume) reduced = NULL;
  g_autofree char *path = NULL;
  const EvoxRayMode modes[2] = { EVOX_RAY_MIP, EVOX_RAY_COMPOSITE };
  const double values[2] = { 80, 255 }, opacities[2] = { 0, 0.3 };
  int width = 240, height = 200;
  gsize n = (gsize) width * height;

  if (!evox_test_need_gl ())
    return;
  path = write_file (dir, &whole, &reduced);
  /* (Forced bricks change where the bricks come from, not how rays combine them: MIP only.) */
  for (guint m = 0; m < (bricked ? 1 : G_N_ELEMENTS (modes)); m++)
    {
      g_autoptr(EvoxVolumeStyle) whole_style = evox_volume_style_new ();
      g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
      EvoxRenderer *plain, *ondemand, *export;
      g_autofree guint8 *want = NULL;
      g_autofree guint8 *coarse = NULL;
      g_autofree guint8 *fine = NULL;
      g_autofree guint8 *exported = NULL;
      int finest, coarsest;
      guint n_bricks, largest;
      gsize differ;

      evox_volume_style_set_mode (whole_style, modes[m]);
      evox_volume_style_set_mode (style, modes[m]);
      evox_volume_style_set_points (whole_style, values, opacities, 2);
      evox_volume_style_set_points (style, values, opacities, 2);
      plain = view_new (whole, whole_style, FALSE);
      want = evox_test_draw_frame (plain, width, height);
      g_assert_cmpuint (evox_test_count_not_background (want, n), >, n / 4);

      ondemand = view_new (reduced, style, bricked);
      coarse = evox_test_draw_frame (ondemand, width, height);
      g_assert_true (_evox_renderer_is_bricked (ondemand) == bricked);
      _evox_bricks_get_ray_levels (_evox_renderer_get_ray_bricks (ondemand), &finest,
                                   &coarsest, &n_bricks);
      /* The reduced volume is level 1 of the file's. */
      g_assert_cmpint (finest, ==, 1);
      differ = evox_test_count_differing (want, coarse, n, &largest);
      g_test_message ("%s, first frame: %" G_GSIZE_FORMAT " pixels differ, by up to %u",
                      evox_ray_mode_to_string (modes[m]), differ, largest);
      g_assert_cmpuint (differ, >, n / 10);

      fine = draw_until_read (ondemand, width, height);
      _evox_bricks_get_ray_levels (_evox_renderer_get_ray_bricks (ondemand), &finest,
                                   &coarsest, &n_bricks);
      g_test_message ("then levels %d..%d, %u bricks", finest, coarsest, n_bricks);
      /* EVOX_RAY_PIXELS=0: the file's own voxels everywhere (8 x 6 x 5 bricks). */
      g_assert_cmpint (finest, ==, 0);
      g_assert_cmpint (coarsest, ==, 0);
      g_assert_cmpuint (n_bricks, ==, 8 * 6 * 5);
      check_same_view (modes[m], want, fine, n);

      /* An export (evox render, File > Export) reads what it needs before drawing. */
      export = view_new (reduced, style, bricked);
      exported = evox_test_render (export, width, height, FALSE);
      check_same_view (modes[m], want, exported, n);

      evox_test_renderer_free (export);
      evox_test_renderer_free (ondemand);
      evox_test_renderer_free (plain);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
keep_message (gpointer    data,
              const char *message)
{
  char **out = data;

  g_free (*out);
  *out = g_strdup (message);
}

/* The file cut short after it was opened: the bricks' read fails in the thread, the renderer
 * says so once, naming the file, and the view keeps drawing the reduced voxels (nothing more
 * is read). */
static void
test_damaged (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(EvoxVolume) whole = NULL;
  g_autoptr(EvoxVolume) reduced = NULL;
  g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
  g_autofree char *path = NULL;
  g_autofree char *message = NULL;
  g_autofree guint8 *first = NULL;
  g_autofree guint8 *after = NULL;
  g_autofree guint8 *again = NULL;
  EvoxRenderer *renderer;
  EvoxFileBricks *file;
  gboolean late = FALSE;
  guint timeout, largest, reads;
  GStatBuf st;

  if (!evox_test_need_gl ())
    return;
  path = write_file (dir, &whole, &reduced);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (truncate (path, st.st_size / 3), ==, 0);
  evox_volume_style_set_mode (style, EVOX_RAY_MIP);
  renderer = view_new (reduced, style, FALSE);
  g_signal_connect_swapped (renderer, "read-failed", G_CALLBACK (keep_message), &message);
  g_test_expect_message ("evox", G_LOG_LEVEL_WARNING, "*waves.tif*");
  first = evox_test_draw_frame (renderer, 240, 200);
  file = _evox_bricks_get_file (_evox_renderer_get_ray_bricks (renderer));
  timeout = g_timeout_add_seconds (120, time_out, &late);
  while (message == NULL && !late)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (late);
  g_source_remove (timeout);
  g_test_assert_expected_messages ();
  g_test_message ("%s", message);
  g_assert_nonnull (strstr (message, "waves.tif"));
  /* Let the read's batch end, then draw: the same reduced picture, no crash. */
  timeout = g_timeout_add_seconds (120, time_out, &late);
  while (_evox_file_bricks_is_reading (file) && !late)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (late);
  g_source_remove (timeout);
  reads = _evox_file_bricks_get_n_reads (file);
  after = evox_test_draw_frame (renderer, 240, 200);
  g_assert_false (_evox_file_bricks_is_reading (file));
  g_assert_cmpuint (evox_test_count_not_background (after, 240 * 200), >, 240 * 200 / 4);
  /* Frames go on from the bricks there are: the reduced ones where the file failed. */
  again = evox_test_draw_frame (renderer, 240, 200);
  g_assert_cmpuint (_evox_file_bricks_get_n_reads (file), ==, reads);
  g_assert_cmpuint (evox_test_count_differing (after, again, 240 * 200, &largest), ==, 0);
  g_assert_cmpuint (evox_test_count_not_background (first, 240 * 200), >, 240 * 200 / 4);
  evox_test_renderer_free (renderer);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A source of wave () whose reads wait while the gate is shut, and that says when it is gone. */
typedef struct
{
  EvoxTestGate gate;
  gboolean     gone;
} Gate;

static gboolean
gated_read_box (gpointer      user_data,
                const gsize   origin[3],
                const gsize   size[3],
                gpointer      dest,
                GError      **error)
{
  static const Formula waves = { EVOX_SAMPLE_U8, wave };
  Gate *gate = user_data;

  evox_test_gate_pass (&gate->gate);
  return formula_read_box ((gpointer) &waves, origin, size, dest, error);
}

/* Runs on whichever thread drops the source's last reference, often the reading thread after
 * the main loop ran the read's callback: the wakeup makes the test's iteration, perhaps already
 * polling with nothing else to come, look at `gone` again. */
static void
gate_gone (gpointer data)
{
  g_atomic_int_set (&((Gate *) data)->gone, TRUE);
  g_main_context_wakeup (NULL);
}

/* The renderer and the volume go while the thread reads bricks: the read finishes on its own
 * references and its bricks are dropped (the sanitizer build would see a use after free); the
 * source goes with the read's last reference. */
static void
test_freed_while_reading (void)
{
  const gsize dims[3] = { NX, NY, NZ };
  Gate gate = { .gate = { .open = TRUE } };
  EvoxVoxelSource *source = evox_voxel_source_new (dims, EVOX_SAMPLE_U8, "gated", gated_read_box,
                                                   &gate, gate_gone);
  g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
  g_autoptr(GError) error = NULL;
  EvoxVolume *reduced;
  EvoxRenderer *renderer;
  EvoxFileBricks *file;
  gboolean late = FALSE;
  guint timeout;

  if (!evox_test_need_gl ())
    {
      g_object_unref (source);
      return;
    }
  reduced = evox_voxel_source_reduce (source, 2, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_set_spacing (reduced, (double[3]) { 20, 20, 20 });
  evox_voxel_source_attach (source, reduced, 2);
  g_object_unref (source);
  evox_volume_freeze (reduced);
  g_assert_true (evox_volume_build_histograms (reduced, NULL, NULL, &error));
  g_assert_no_error (error);

  evox_test_gate_set (&gate.gate, FALSE);
  evox_volume_style_set_mode (style, EVOX_RAY_MIP);
  renderer = view_new (reduced, style, FALSE);
  g_free (evox_test_draw_frame (renderer, 240, 200));
  file = _evox_bricks_get_file (_evox_renderer_get_ray_bricks (renderer));
  g_assert_true (_evox_file_bricks_is_reading (file));
  evox_test_renderer_free (renderer);
  g_object_unref (reduced);
  g_assert_false (g_atomic_int_get (&gate.gone));

  evox_test_gate_set (&gate.gate, TRUE);
  timeout = g_timeout_add_seconds (120, time_out, &late);
  while (!g_atomic_int_get (&gate.gone) && !late)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (late);
  g_source_remove (timeout);
  evox_test_gate_clear (&gate.gate);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  /* Before any thread: every brick the view holds at the file's own voxels, so the drawing
   * can be compared with the whole volume's. */
  g_setenv ("EVOX_RAY_PIXELS", "0", TRUE);
  g_test_init (&argc, &argv, NULL);
  evox_test_gl_init ();
  g_test_add_func ("/Evox/OnDemandRays/levels", test_levels);
  g_test_add_data_func ("/Evox/OnDemandRays/close-view", GINT_TO_POINTER (FALSE),
                        check_close_view);
  g_test_add_data_func ("/Evox/OnDemandRays/close-view-bricked", GINT_TO_POINTER (TRUE),
                        check_close_view);
  g_test_add_func ("/Evox/OnDemandRays/damaged", test_damaged);
  g_test_add_func ("/Evox/OnDemandRays/freed-while-reading", test_freed_while_reading);
  status = g_test_run ();
  evox_test_gl_clear ();
  return status;
}
