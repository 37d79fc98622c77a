/* test-fullres.c: a 2D pane of a volume held reduced draws the full-resolution plane from the
 * volume's source once it is read, without a frame waiting for it. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <string.h>

#include <epoxy/gl.h>

#include "evox-fullres.h"
#include "evox-renderer.h"
#include "evox-renderer-private.h"
#include "evox-test-gl.h"
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

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  evox_test_gl_init ();
  g_test_add_func ("/Evox/FullRes/zoomed-slice", test_zoomed_slice);
  g_test_add_func ("/Evox/FullRes/failed-read", test_failed_read);
  status = g_test_run ();
  evox_test_gl_clear ();
  return status;
}
