/* test-fullres.c: a 2D pane and the 3D view's slices of a volume held reduced draw the
 * full-resolution plane from the volume's source once it is read, without a frame waiting for
 * it. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include <epoxy/gl.h>

#include "evox-fullres.h"
#include "evox-loader.h"
#include "evox-renderer.h"
#include "evox-renderer-private.h"
#include "evox-test-gl.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-voxel-source.h"

#define NX 40
#define NY 36
#define NZ 28
#define SCALE 4

/* Voxels that change every step, so a reduced plane and a full one look nothing alike. */
static guint16
full_value (gsize x,
            gsize y,
            gsize z)
{
  return (guint16) ((x * 131 + y * 1777 + z * 1031) % 65521);
}

static gboolean
memory_read_box (gpointer      user_data,
                 const gsize   origin[3],
                 const gsize   size[3],
                 gpointer      dest,
                 GError      **error)
{
  guint16 *out = dest;

  for (gsize z = 0; z < size[2]; z++)
    for (gsize y = 0; y < size[1]; y++)
      for (gsize x = 0; x < size[0]; x++)
        *out++ = full_value (origin[0] + x, origin[1] + y, origin[2] + z);
  return TRUE;
}

static void
count_changed (gpointer data)
{
  (*(guint *) data)++;
}

static gsize
count_differing (const guint8 *a,
                 const guint8 *b,
                 gsize         n)
{
  gsize differ = 0;

  for (gsize i = 0; i < n; i++)
    differ += memcmp (a + 4 * i, b + 4 * i, 3) != 0;
  return differ;
}

static void
test_zoomed_slice (void)
{
  const gsize dims[3] = { NX, NY, NZ };
  const double one[3] = { 1, 1, 1 }, four[3] = { SCALE, SCALE, SCALE };
  /* Reduced slice z = 3 is plane 3 * 4 + 2 = 14 of the file, its block's centre; the other two
   * slices sit where the crosshairs of both pictures fall on the same pixels. */
  guint reduced_slices[3] = { 5, 4, 3 }, full_slices[3] = { 22, 18, 14 };
  int width = 320, height = 288;
  gsize n = (gsize) width * height, differ;
  g_autoptr(EvoxVoxelSource) source = NULL;
  g_autoptr(EvoxVolume) reduced = NULL;
  g_autoptr(EvoxVolume) full = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *want = NULL;
  g_autofree guint8 *first = NULL;
  g_autofree guint8 *second = NULL;
  EvoxRenderer *renderer, *reference;
  EvoxFullRes *fullres;
  guint16 *voxels;
  guint changed = 0;

  if (!evox_test_need_gl ())
    return;

  source = evox_voxel_source_new (dims, EVOX_SAMPLE_U16, "memory", memory_read_box, NULL, NULL);
  reduced = evox_voxel_source_reduce (source, SCALE, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_set_spacing (reduced, four);
  evox_voxel_source_attach (source, reduced, SCALE);
  evox_volume_freeze (reduced);
  full = evox_volume_new (NX, NY, NZ, 1, EVOX_SAMPLE_U16, &error);
  g_assert_no_error (error);
  voxels = evox_volume_get_data_mut (full, 0);
  for (gsize z = 0; z < NZ; z++)
    for (gsize y = 0; y < NY; y++)
      for (gsize x = 0; x < NX; x++)
        voxels[(z * NY + y) * NX + x] = full_value (x, y, z);
  evox_volume_set_spacing (full, one);
  evox_volume_freeze (full);

  /* The oracle: the same pane of the file's voxels held whole. */
  reference = evox_test_renderer_new_realized ();
  evox_renderer_set_volume (reference, full, 0);
  evox_renderer_set_view (reference, EVOX_VIEW_SLICE_Z);
  evox_renderer_set_slices (reference, full_slices);
  evox_renderer_set_range (reference, 0, 65535);
  want = evox_test_render (reference, width, height, FALSE);
  evox_test_renderer_free (reference);

  renderer = evox_test_renderer_new_realized ();
  g_signal_connect_swapped (renderer, "changed", G_CALLBACK (count_changed), &changed);
  evox_renderer_set_volume (renderer, reduced, 0);
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Z);
  evox_renderer_set_slices (renderer, reduced_slices);
  evox_renderer_set_range (renderer, 0, 65535);
  changed = 0;

  /* The first frame draws the reduced slice and leaves the plane to a thread. */
  first = evox_test_draw_frame (renderer, width, height);
  fullres = _evox_renderer_get_fullres (renderer);
  g_assert_nonnull (fullres);
  g_assert_cmpuint (_evox_fullres_get_n_reads (fullres), ==, 0);
  g_assert_true (_evox_fullres_is_reading (fullres));
  differ = count_differing (first, want, n);
  g_test_message ("reduced frame: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " pixels differ",
                  differ, n);
  g_assert_cmpuint (differ, >, n / 2);

  /* Frames drawn while it runs ask for the same plane: no second read queued behind it. */
  g_free (evox_test_draw_frame (renderer, width, height));
  while (changed == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (_evox_fullres_get_n_reads (fullres), ==, 1);
  g_assert_false (_evox_fullres_is_reading (fullres));

  /* The next frame: the file's plane 14, pixel for pixel as the whole volume draws it. */
  second = evox_test_draw_frame (renderer, width, height);
  differ = count_differing (second, want, n);
  g_test_message ("full-resolution frame: %" G_GSIZE_FORMAT " pixels differ", differ);
  g_assert_cmpuint (differ, ==, 0);
  /* Drawn again from the texture: no second read. */
  g_free (evox_test_draw_frame (renderer, width, height));
  g_assert_cmpuint (_evox_fullres_get_n_reads (fullres), ==, 1);
  g_assert_false (_evox_fullres_is_reading (fullres));
  evox_test_renderer_free (renderer);
}

/* memory_read_box's voxels until *broken, then the error a file cut short gives. */
static gboolean
breaking_read_box (gpointer      user_data,
                   const gsize   origin[3],
                   const gsize   size[3],
                   gpointer      dest,
                   GError      **error)
{
  if (*(gboolean *) user_data)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "breaking: the file changed while it was being read");
      return FALSE;
    }
  return memory_read_box (NULL, origin, size, dest, error);
}

static void
keep_message (gpointer    data,
              const char *message)
{
  g_free (*(char **) data);
  *(char **) data = g_strdup (message);
}

/* A plane that cannot be read: the renderer says why (the window shows it), the reduced slice
 * stays. */
static void
test_failed_read (void)
{
  const gsize dims[3] = { NX, NY, NZ };
  guint reduced_slices[3] = { 5, 4, 3 };
  gboolean broken = FALSE;
  g_autoptr(EvoxVoxelSource) source = evox_voxel_source_new (dims, EVOX_SAMPLE_U16, "breaking",
                                                             breaking_read_box, &broken, NULL);
  g_autoptr(EvoxVolume) reduced = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  EvoxRenderer *renderer;

  if (!evox_test_need_gl ())
    return;
  reduced = evox_voxel_source_reduce (source, SCALE, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_set_spacing (reduced, (double[3]) { SCALE, SCALE, SCALE });
  evox_voxel_source_attach (source, reduced, SCALE);
  evox_volume_freeze (reduced);
  broken = TRUE;

  renderer = evox_test_renderer_new_realized ();
  g_signal_connect_swapped (renderer, "read-failed", G_CALLBACK (keep_message), &message);
  evox_renderer_set_volume (renderer, reduced, 0);
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Z);
  evox_renderer_set_slices (renderer, reduced_slices);
  evox_renderer_set_range (renderer, 0, 65535);
  g_test_expect_message ("evox", G_LOG_LEVEL_WARNING, "breaking: *");
  g_free (evox_test_draw_frame (renderer, 320, 288));
  while (message == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_test_assert_expected_messages ();
  g_assert_cmpstr (message, ==, "breaking: the file changed while it was being read");
  g_signal_handlers_disconnect_by_data (renderer, &message);
  evox_test_renderer_free (renderer);
}

/* The 3D view's slices */

/* A TIFF of 48 x 36 x 30 u8, held at 1:2 under a memory cap of 60 kB. */
#define FILE_NX 48
#define FILE_NY 36
#define FILE_NZ 30
#define FILE_SCALE 2

/* Neighbours differ, so the means of 2^3 blocks look nothing like the voxels. */
static guint8
file_value (gsize x,
            gsize y,
            gsize z)
{
  return (guint8) ((x * 131 + y * 77 + z * 31 + (x * y) % 7 * 19) % 251);
}

/* The file in dir and the volume held reduced from it. */
static char *
write_file (const char  *dir,
            EvoxVolume **reduced)
{
  char *path = g_build_filename (dir, "planes.tif", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (FILE_NX, FILE_NY, FILE_NZ, 1, EVOX_SAMPLE_U8,
                                                  &error);
  guint8 *v;

  g_assert_no_error (error);
  v = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 0; z < FILE_NZ; z++)
    for (gsize y = 0; y < FILE_NY; y++)
      for (gsize x = 0; x < FILE_NX; x++)
        v[(z * FILE_NY + y) * FILE_NX + x] = file_value (x, y, z);
  evox_volume_freeze (volume);
  g_assert_true (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  g_setenv ("EVOX_MEMORY_LIMIT", "60K", TRUE);
  *reduced = evox_volume_load (path, NULL, NULL, NULL, &error);
  g_unsetenv ("EVOX_MEMORY_LIMIT");
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_reduction (*reduced), ==, FILE_SCALE);
  return path;
}

/* The file's voxels held whole, placed in the reduced volume's world: its voxel i spans what
 * the reduced volume's texture coordinates give it (S voxels a reduced voxel, from the reduced
 * box's lower face), and along z half a voxel further back, so that file plane k S + S / 2
 * lies where the reduced volume draws slice k (the centre of its blocks, half a file voxel off
 * the file plane's own centre). */
static EvoxVolume *
whole_volume_new (EvoxVolume *reduced)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (FILE_NX, FILE_NY, FILE_NZ, 1, EVOX_SAMPLE_U8, &error);
  double spacing[3], origin[3];
  guint8 *v;

  g_assert_no_error (error);
  v = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 0; z < FILE_NZ; z++)
    for (gsize y = 0; y < FILE_NY; y++)
      for (gsize x = 0; x < FILE_NX; x++)
        v[(z * FILE_NY + y) * FILE_NX + x] = file_value (x, y, z);
  evox_volume_get_spacing (reduced, spacing);
  evox_volume_get_origin (reduced, origin);
  for (guint a = 0; a < 3; a++)
    {
      spacing[a] /= FILE_SCALE;
      origin[a] += (a == 2 ? 0.0 : 0.5 - 0.5 * FILE_SCALE) * spacing[a] -
                   (a == 2 ? 0.5 * FILE_SCALE * spacing[a] : 0.0);
    }
  evox_volume_set_spacing (volume, spacing);
  evox_volume_set_origin (volume, origin);
  evox_volume_freeze (volume);
  return volume;
}

/* The 3D view of the slices (or the Volume view showing them alone), in perspective, zoomed
 * onto the top left of the z slice from the side of the first layers, tilted: only the z slice
 * is in view, its reduced voxels some 60 pixels wide. */
#define VIEW_WIDTH 320
#define VIEW_HEIGHT 288

static EvoxRenderer *
slices_view_new (EvoxVolume           *volume,
                 EvoxView              view,
                 const guint           slices[3],
                 const EvoxCameraPose *pose)
{
  EvoxRenderer *renderer = evox_test_renderer_new_realized ();
  EvoxCamera *camera = evox_renderer_get_camera (renderer);

  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_view (renderer, view);
  if (view == EVOX_VIEW_VOLUME)
    {
      /* The slices alone: rays that see nothing (opacity 0 everywhere). */
      g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
      const double values[2] = { 0, 255 }, opacities[2] = { 0, 0 };

      evox_volume_style_set_mode (style, EVOX_RAY_COMPOSITE);
      evox_volume_style_set_points (style, values, opacities, 2);
      evox_volume_style_set_show_slices (style, TRUE);
      evox_renderer_set_volume_style (renderer, style);
    }
  evox_renderer_set_slices (renderer, slices);
  evox_renderer_set_range (renderer, 0, 255);
  if (pose != NULL)
    g_assert_true (evox_camera_set_pose (camera, pose));
  else
    {
      evox_camera_look_along (camera, 2);
      evox_camera_set_orthographic (camera, FALSE);
      evox_camera_orbit (camera, 40, 30);
      evox_camera_zoom_at (camera, 8.0, 120, 120, VIEW_WIDTH, VIEW_HEIGHT);
    }
  return renderer;
}

static gboolean
time_out (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until *flag is set, or fails after 120 s (a hang). */
static void
wait_for (guint *flag)
{
  gboolean late = FALSE;
  guint timeout = g_timeout_add_seconds (120, time_out, &late);

  while (*flag == 0 && !late)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (late);
  g_source_remove (timeout);
}

/* Window frames until no read runs: each frame asks for the planes it lacks, the renderer says
 * "changed" when one is in. */
static guint8 *
draw_until_read (EvoxRenderer *renderer,
                 guint        *frames)
{
  EvoxFullRes *fullres = _evox_renderer_get_fullres (renderer);
  guint8 *pixels = NULL;
  guint changed;

  g_signal_connect_swapped (renderer, "changed", G_CALLBACK (count_changed), &changed);
  for (*frames = 0;; )
    {
      g_free (pixels);
      pixels = evox_test_draw_frame (renderer, VIEW_WIDTH, VIEW_HEIGHT);
      (*frames)++;
      if (!_evox_fullres_is_reading (fullres))
        break;
      changed = 0;
      wait_for (&changed);
    }
  g_signal_handlers_disconnect_by_data (renderer, &changed);
  return pixels;
}

/* The value readout: over a grid of the view's pixels, the point picked in the reduced volume's
 * view gives the file's voxel that the whole volume's view picks at the same pixel, and its
 * value, once the plane is held (read: TRUE); before, no value without a read. */
static void
check_picks (EvoxRenderer *reduced,
             EvoxRenderer *whole,
             gboolean      read)
{
  EvoxVolume *volume = evox_renderer_get_volume (whole);
  double origin[3], spacing[3];
  guint n = 0;

  evox_volume_get_origin (volume, origin);
  evox_volume_get_spacing (volume, spacing);
  for (int y = 8; y < VIEW_HEIGHT; y += 40)
    for (int x = 8; x < VIEW_WIDTH; x += 40)
      {
        double at[3], at_whole[3], value;
        gsize voxel[3], want[3];

        g_assert_true (evox_renderer_pick (reduced, x, y, VIEW_WIDTH, VIEW_HEIGHT, at));
        if (!read)
          {
            g_assert_false (evox_renderer_get_file_value (reduced, at, voxel, &value));
            continue;
          }
        g_assert_true (evox_renderer_get_file_value (reduced, at, voxel, &value));
        g_assert_true (evox_renderer_pick (whole, x, y, VIEW_WIDTH, VIEW_HEIGHT, at_whole));
        for (guint a = 0; a < 3; a++)
          want[a] = (gsize) round ((at_whole[a] - origin[a]) / spacing[a]);
        g_assert_cmpuint (voxel[0], ==, want[0]);
        g_assert_cmpuint (voxel[1], ==, want[1]);
        g_assert_cmpuint (voxel[2], ==, want[2]);
        g_assert_cmpfloat (value, ==, file_value (want[0], want[1], want[2]));
        n++;
      }
  g_test_message ("%u picks gave the file's voxel", n);
}

/* The oracle is the file's voxels held whole, drawn in the same place by the same camera: the
 * first frame of the reduced volume differs from it in most pixels; once the z plane is read
 * the frame is the whole volume's but for pixels on voxel edges, where the two cameras'
 * matrices (their depth ranges differ with the boxes) could round apart (measured when this
 * was written: 0 of 92,160, in both views). Only the z slice is in view, so only it is read,
 * and only the part in view (with its margin); the value readout then gives the file's voxels;
 * an export reads the plane before drawing and draws the same. data: the view, the slices in
 * 3D or the Volume view showing them. */
static void
check_slices_3d (gconstpointer data)
{
  EvoxView view = GPOINTER_TO_INT (data);
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = NULL;
  g_autoptr(EvoxVolume) reduced = NULL;
  g_autoptr(EvoxVolume) whole = NULL;
  /* Reduced slice z = 7 is file plane 15; the x and y slices lie out of view. */
  const guint reduced_slices[3] = { 20, 15, 7 }, whole_slices[3] = { 41, 31, 15 };
  const gsize whole_lo[3] = { 0, 0, 15 }, whole_hi[3] = { FILE_NX, FILE_NY, 16 };
  gsize n = (gsize) VIEW_WIDTH * VIEW_HEIGHT, differ;
  g_autofree guint8 *want = NULL;
  g_autofree guint8 *first = NULL;
  g_autofree guint8 *fine = NULL;
  g_autofree guint8 *exported = NULL;
  EvoxRenderer *renderer, *reference, *export;
  EvoxCameraPose pose;
  EvoxFullRes *fullres;
  guint frames, largest;

  if (!evox_test_need_gl ())
    return;
  path = write_file (dir, &reduced);
  whole = whole_volume_new (reduced);

  renderer = slices_view_new (reduced, view, reduced_slices, NULL);
  evox_camera_get_pose (evox_renderer_get_camera (renderer), &pose);
  reference = slices_view_new (whole, view, whole_slices, &pose);
  want = evox_test_render (reference, VIEW_WIDTH, VIEW_HEIGHT, FALSE);
  g_assert_cmpuint (evox_test_count_not_background (want, n), ==, n);

  first = evox_test_draw_frame (renderer, VIEW_WIDTH, VIEW_HEIGHT);
  fullres = _evox_renderer_get_fullres (renderer);
  g_assert_nonnull (fullres);
  g_assert_true (_evox_fullres_is_reading (fullres));
  g_assert_cmpuint (_evox_fullres_get_n_reads (fullres), ==, 0);
  differ = evox_test_count_differing (want, first, n, &largest);
  g_test_message ("reduced frame: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                  " pixels differ, by up to %u", differ, n, largest);
  g_assert_cmpuint (differ, >, n / 2);
  check_picks (renderer, reference, FALSE);

  fine = draw_until_read (renderer, &frames);
  differ = evox_test_count_differing (want, fine, n, &largest);
  g_test_message ("after %u frames, %u read: %" G_GSIZE_FORMAT " pixels differ, by up to %u",
                  frames, _evox_fullres_get_n_reads (fullres), differ, largest);
  g_assert_cmpuint (_evox_fullres_get_n_reads (fullres), ==, 1);
  g_assert_cmpuint (differ, <=, n / 1000);
  check_picks (renderer, reference, TRUE);
  /* Drawn again from the texture: nothing read. */
  g_free (evox_test_draw_frame (renderer, VIEW_WIDTH, VIEW_HEIGHT));
  g_assert_false (_evox_fullres_is_reading (fullres));
  g_assert_cmpuint (_evox_fullres_get_n_reads (fullres), ==, 1);
  /* The whole plane is not what was read: asking for it starts a read. */
  g_assert_null (_evox_fullres_lookup (fullres, 2, whole_lo, whole_hi, 0, FALSE));
  g_assert_true (_evox_fullres_is_reading (fullres));
  evox_test_renderer_free (renderer);
  evox_test_renderer_free (reference);

  export = slices_view_new (reduced, view, reduced_slices, &pose);
  exported = evox_test_render (export, VIEW_WIDTH, VIEW_HEIGHT, FALSE);
  differ = evox_test_count_differing (want, exported, n, &largest);
  g_test_message ("export: %" G_GSIZE_FORMAT " pixels differ, by up to %u", differ, largest);
  g_assert_cmpuint (differ, <=, n / 1000);
  evox_test_renderer_free (export);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

typedef struct
{
  char  *message;
  guint  count;
} Failure;

static void
note_failure (gpointer    data,
              const char *message)
{
  Failure *failure = data;

  g_free (failure->message);
  failure->message = g_strdup (message);
  failure->count++;
}

/* The file cut short after it was opened: the plane's read fails, the renderer says so once,
 * naming the file, and the view keeps drawing the reduced slices, reading nothing more. */
static void
test_slices_3d_damaged (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = NULL;
  Failure failure = { NULL, 0 };
  g_autoptr(EvoxVolume) reduced = NULL;
  const guint reduced_slices[3] = { 20, 15, 7 };
  gsize n = (gsize) VIEW_WIDTH * VIEW_HEIGHT;
  g_autofree guint8 *first = NULL;
  g_autofree guint8 *after = NULL;
  EvoxRenderer *renderer;
  EvoxFullRes *fullres;
  guint largest;
  GStatBuf st;

  if (!evox_test_need_gl ())
    return;
  path = write_file (dir, &reduced);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (truncate (path, st.st_size / 3), ==, 0);

  renderer = slices_view_new (reduced, EVOX_VIEW_SLICES, reduced_slices, NULL);
  g_signal_connect_swapped (renderer, "read-failed", G_CALLBACK (note_failure), &failure);
  g_test_expect_message ("evox", G_LOG_LEVEL_WARNING, "*planes.tif*");
  first = evox_test_draw_frame (renderer, VIEW_WIDTH, VIEW_HEIGHT);
  fullres = _evox_renderer_get_fullres (renderer);
  wait_for (&failure.count);
  g_test_assert_expected_messages ();
  g_test_message ("%s", failure.message);
  g_assert_nonnull (strstr (failure.message, "planes.tif"));
  g_assert_true (_evox_fullres_has_failed (fullres));
  g_assert_false (_evox_fullres_is_reading (fullres));

  /* The reduced slices as before, and no read again. */
  after = evox_test_draw_frame (renderer, VIEW_WIDTH, VIEW_HEIGHT);
  g_assert_false (_evox_fullres_is_reading (fullres));
  g_assert_cmpuint (_evox_fullres_get_n_reads (fullres), ==, 0);
  g_assert_cmpuint (evox_test_count_differing (first, after, n, &largest), ==, 0);
  g_assert_cmpuint (evox_test_count_not_background (after, n), ==, n);
  g_assert_cmpuint (failure.count, ==, 1);
  g_signal_handlers_disconnect_by_data (renderer, &failure);
  g_free (failure.message);
  evox_test_renderer_free (renderer);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A z slice longer than a read may be (4608 voxels along x), seen from beside its x = 0 end,
 * tilted: the part in view is the whole slice, and the read is the 2048 voxels nearest the eye,
 * not those around the middle of the part. */
#define LONG_NX 4608

static gboolean
long_read_box (gpointer      user_data,
               const gsize   origin[3],
               const gsize   size[3],
               gpointer      dest,
               GError      **error)
{
  guint8 *out = dest;

  for (gsize z = 0; z < size[2]; z++)
    for (gsize y = 0; y < size[1]; y++)
      for (gsize x = 0; x < size[0]; x++)
        *out++ = file_value (origin[0] + x, origin[1] + y, origin[2] + z);
  return TRUE;
}

static void
test_long_slice (void)
{
  const gsize dims[3] = { LONG_NX, 16, 16 };
  /* Probes off the x and y slices (file planes 2306 and 10): only the z slice holds them. */
  const gsize near[3] = { 5, 5, 10 }, inside[3] = { 2040, 5, 10 }, far[3] = { 3000, 5, 10 };
  g_autoptr(EvoxVoxelSource) source = evox_voxel_source_new (dims, EVOX_SAMPLE_U8, "long",
                                                             long_read_box, NULL, NULL);
  g_autoptr(EvoxVolume) reduced = NULL;
  g_autoptr(GError) error = NULL;
  EvoxRenderer *renderer;
  EvoxCamera *camera;
  EvoxCameraPose pose;
  EvoxFullRes *fullres;
  double value;

  if (!evox_test_need_gl ())
    return;
  reduced = evox_voxel_source_reduce (source, 4, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_set_spacing (reduced, (double[3]) { 4, 4, 4 });
  evox_voxel_source_attach (source, reduced, 4);
  evox_volume_freeze (reduced);

  renderer = evox_test_renderer_new_realized ();
  camera = evox_renderer_get_camera (renderer);
  evox_renderer_set_volume (renderer, reduced, 0);
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICES);
  evox_renderer_set_range (renderer, 0, 255);
  evox_camera_look_along (camera, 0);
  evox_camera_set_orthographic (camera, FALSE);
  evox_camera_orbit (camera, 0, 40);
  /* Close to the x = 0 end: a frame 32 voxels across, centred there. */
  evox_camera_get_pose (camera, &pose);
  pose.center[0] = 0.0;
  pose.frame[0] = pose.frame[1] = 64.0;
  g_assert_true (evox_camera_set_pose (camera, &pose));
  g_free (evox_test_render (renderer, VIEW_WIDTH, VIEW_HEIGHT, FALSE));

  fullres = _evox_renderer_get_fullres (renderer);
  g_assert_true (_evox_fullres_get_value (fullres, near, &value));
  g_assert_cmpfloat (value, ==, file_value (near[0], near[1], near[2]));
  g_assert_true (_evox_fullres_get_value (fullres, inside, &value));
  g_assert_false (_evox_fullres_get_value (fullres, far, &value));
  evox_test_renderer_free (renderer);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  evox_test_gl_init ();
  g_test_add_func ("/Evox/FullRes/zoomed-slice", test_zoomed_slice);
  g_test_add_func ("/Evox/FullRes/failed-read", test_failed_read);
  g_test_add_data_func ("/Evox/FullRes/slices-3d", GINT_TO_POINTER (EVOX_VIEW_SLICES),
                        check_slices_3d);
  g_test_add_data_func ("/Evox/FullRes/volume-view-slices", GINT_TO_POINTER (EVOX_VIEW_VOLUME),
                        check_slices_3d);
  g_test_add_func ("/Evox/FullRes/slices-3d-damaged", test_slices_3d_damaged);
  g_test_add_func ("/Evox/FullRes/long-slice", test_long_slice);
  status = g_test_run ();
  evox_test_gl_clear ();
  return status;
}
