/* test-percolation-render.c: the percolation overlay drawn over a slice against the classes known from the geometry. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <stdio.h>

#include "evox-percolation.h"
#include "evox-test-gl.h"
#include "evox-test-volume.h"

/* An 8^3 phase (value 200 in 50) of four parts that do not touch, even diagonally: a column
 * along z at (2, 2), a stub from the low z face at (5, 2, z <= 4), a blob at (5, 4, 3..5) and a
 * row along x at (y 6, z 3). Along z the column joins both faces, the stub one, the blob and the
 * row neither; along x the row joins both and the others neither. */
static guint
class_at (gsize x,
          gsize y,
          gsize z,
          guint axis)
{
  if (x == 2 && y == 2)
    return axis == 2 ? EVOX_PERCOLATION_BOTH : EVOX_PERCOLATION_ISOLATED;
  if (x == 5 && y == 2 && z <= 4)
    return axis == 2 ? EVOX_PERCOLATION_ONE_FACE : EVOX_PERCOLATION_ISOLATED;
  if (x == 5 && y == 4 && z >= 3 && z <= 5)
    return EVOX_PERCOLATION_ISOLATED;
  if (y == 6 && z == 3)
    return axis == 0 ? EVOX_PERCOLATION_BOTH : EVOX_PERCOLATION_ISOLATED;
  return EVOX_PERCOLATION_OUTSIDE;
}

/* Okabe and Ito's colours as the legend names them, written out here. */
static const guint class_rgb[4][3] = {
  { 0, 0, 0 }, { 0x00, 0x72, 0xb2 }, { 0xe6, 0x9f, 0x00 }, { 0xcc, 0x79, 0xa7 }
};

#define SLICE 3

static void
test_overlay (void)
{
  g_autoptr(EvoxVolume) volume = evox_test_volume_new (8, 8, 8, EVOX_SAMPLE_U8);
  guint8 *data = evox_volume_get_data_mut (volume, 0);
  const gsize dims[3] = { 8, 8, 8 };
  g_autofree guint8 *mask = g_new0 (guint8, 512);
  g_autofree guint8 *classes = g_new (guint8, 512);
  g_autofree guint8 *plain = NULL;
  g_autoptr(EvoxPercolation) percolation = NULL;
  g_autoptr(GError) error = NULL;
  EvoxRenderer *renderer;
  guint slices[3] = { SLICE, SLICE, SLICE };

  for (gsize i = 0; i < 512; i++)
    {
      mask[i] = class_at (i % 8, i / 8 % 8, i / 64, 2) != EVOX_PERCOLATION_OUTSIDE;
      data[i] = mask[i] ? 200 : 50;
    }
  percolation = evox_percolation_compute (mask, dims, EVOX_CONNECTIVITY_26, NULL, NULL, &error);
  g_assert_no_error (error);

  if (!evox_test_need_gl ())
    return;
  renderer = evox_test_renderer_new_realized ();
  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Z);
  evox_renderer_set_slices (renderer, slices);
  evox_renderer_set_range (renderer, 0, 255);
  plain = evox_test_render (renderer, 64, 64, FALSE);

  for (guint axis = 0; axis < 3; axis += 2)
    {
      g_autoptr(EvoxClusters) overlay = NULL;
      g_autofree guint8 *pixels = NULL;
      guint seen[4] = { 0 };

      evox_percolation_get_classes (percolation, axis, classes);
      overlay = evox_percolation_clusters_new (classes, dims, axis, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (evox_clusters_get_k (overlay), ==, 3);
      g_assert_cmpstr (evox_clusters_get_name (overlay, 1), ==,
                       axis == 0 ? "Connected to both faces (x)" : "Connected to both faces (z)");
      evox_renderer_set_clusters (renderer, overlay);
      evox_renderer_set_cluster_style (renderer, TRUE, 0.6, FALSE);
      pixels = evox_test_render (renderer, 64, 64, FALSE);
      /* Every voxel's centre pixel: the plain picture where outside the phase, else the class
       * colour over it at the opacity (within 1 of 255). */
      for (int v = 0; v < 8; v++)
        for (int u = 0; u < 8; u++)
          {
            const guint8 *p = pixels + ((gsize) (v * 8 + 4) * 64 + u * 8 + 4) * 4;
            const guint8 *q = plain + ((gsize) (v * 8 + 4) * 64 + u * 8 + 4) * 4;
            guint klass = class_at ((gsize) u, (gsize) v, SLICE, axis);

            seen[klass]++;
            for (guint c = 0; c < 3; c++)
              {
                double expected = klass == EVOX_PERCOLATION_OUTSIDE ? q[c] :
                                  0.4 * q[c] + 0.6 * class_rgb[klass][c];

                if (fabs (p[c] - expected) > 1.0)
                  g_error ("axis %u, voxel %d,%d (class %u): channel %u drew %u, expected %g",
                           axis, u, v, klass, c, p[c], expected);
              }
          }
      /* The slice shows every class along z, and both-faces and isolated along x. */
      g_assert_cmpuint (seen[EVOX_PERCOLATION_BOTH], >, 0);
      g_assert_cmpuint (seen[EVOX_PERCOLATION_ISOLATED], >, 0);
      g_assert_cmpuint (seen[EVOX_PERCOLATION_ONE_FACE], ==, axis == 2 ? 1 : 0);
    }
  evox_renderer_set_clusters (renderer, NULL);
  evox_test_renderer_free (renderer);
}

/* The class colours are those the test draws against, and the classes3 colour map's. */
static void
test_colors (void)
{
  for (guint k = EVOX_PERCOLATION_BOTH; k <= EVOX_PERCOLATION_ISOLATED; k++)
    {
      g_autofree char *hex = g_strdup_printf ("#%02x%02x%02x", class_rgb[k][0], class_rgb[k][1],
                                              class_rgb[k][2]);

      g_assert_cmpstr (evox_percolation_class_color (k), ==, hex);
    }
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  evox_test_gl_init ();
  g_test_add_func ("/Evox/PercolationRender/overlay", test_overlay);
  g_test_add_func ("/Evox/PercolationRender/colors", test_colors);
  status = g_test_run ();
  evox_test_gl_clear ();
  return status;
}
