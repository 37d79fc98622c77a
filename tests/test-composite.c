/* test-composite.c: the document's RGB composite (slots, default ranges, notifications) and its
 * legend drawn into images, against brute force written here. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <fontconfig/fontconfig.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdlib.h>
#include <string.h>

#include "evox-document.h"
#include "evox-rgb-legend.h"
#include "evox-test-util.h"
#include "evox-test-volume.h"

/* numpy.percentile (values, percent) with its default linear method, over the finite values. */
static double
brute_percentile (EvoxVolume *volume,
                  guint       channel,
                  double      percent)
{
  gsize n = evox_volume_get_n_voxels (volume), m = 0;
  g_autofree double *sorted = g_new (double, n);
  gsize dims[3];

  evox_volume_get_dims (volume, dims);
  for (gsize z = 0; z < dims[2]; z++)
    for (gsize y = 0; y < dims[1]; y++)
      for (gsize x = 0; x < dims[0]; x++)
        {
          double v = evox_volume_get_value (volume, channel, x, y, z);

          if (isfinite (v))
            sorted[m++] = v;
        }
  qsort (sorted, m, sizeof (double), evox_test_compare_doubles);
  return evox_test_percentile (sorted, m, percent / 100.0);
}

/* Three u16 channels of different spreads, and three f32 channels with NaN voxels. */
static EvoxVolume *
random_u16 (void)
{
  EvoxVolume *volume = evox_test_volume_new_channels (20, 10, 3, 3, EVOX_SAMPLE_U16);
  guint64 state = 14;

  for (guint c = 0; c < 3; c++)
    {
      guint16 *data = evox_volume_get_data_mut (volume, c);

      for (gsize i = 0; i < 600; i++)
        data[i] = (guint16) (evox_test_uniform (&state) * (c == 0 ? 50 : c == 1 ? 4000 : 65535));
    }
  evox_volume_set_channel_info (volume, 0, "Mn", NAN);
  evox_volume_set_channel_info (volume, 1, "Co", NAN);
  evox_volume_set_channel_info (volume, 2, "Ni", NAN);
  return volume;
}

static EvoxVolume *
random_f32 (void)
{
  EvoxVolume *volume = evox_test_volume_new_channels (17, 9, 4, 3, EVOX_SAMPLE_F32);
  guint64 state = 7;

  for (guint c = 0; c < 3; c++)
    {
      float *data = evox_volume_get_data_mut (volume, c);

      for (gsize i = 0; i < 17 * 9 * 4; i++)
        {
          double u = evox_test_uniform (&state);

          /* A skewed spread, so percentiles are not where a uniform one puts them. */
          data[i] = i % 7 == c ? NAN : (float) ((c + 1) * 10.0 * u * u - 3.0);
        }
    }
  return volume;
}

static void
test_defaults (void)
{
  g_autoptr(EvoxVolume) u16 = random_u16 ();
  g_autoptr(EvoxVolume) f32 = random_f32 ();
  g_autoptr(EvoxDocument) document = evox_document_new ();

  /* Integer data: numpy's percentiles exactly. */
  evox_document_set_volume (document, u16, "u16", NULL);
  for (guint c = 0; c < 3; c++)
    {
      double lo, hi;

      g_assert_true (evox_document_get_composite_default_range (document, c, &lo, &hi));
      g_assert_cmpfloat_with_epsilon (lo, brute_percentile (u16, c, 1), 1e-9);
      g_assert_cmpfloat_with_epsilon (hi, brute_percentile (u16, c, 99), 1e-9);
    }
  g_assert_false (evox_document_get_composite_default_range (document, 3, NULL, NULL));

  /* Float data with NaN voxels: NaN left out, within one fine bin of the exact value. */
  evox_document_set_volume (document, f32, "f32", NULL);
  for (guint c = 0; c < 3; c++)
    {
      const EvoxStats *stats = evox_volume_get_stats (f32, c);
      double bin = (stats->max - stats->min) / EVOX_FINE_HISTOGRAM_FLOAT_BINS;
      double lo, hi;

      g_assert_cmpuint (stats->n_nonfinite, >, 0);
      g_assert_true (evox_document_get_composite_default_range (document, c, &lo, &hi));
      g_assert_cmpfloat (fabs (lo - brute_percentile (f32, c, 1)), <=, bin);
      g_assert_cmpfloat (fabs (hi - brute_percentile (f32, c, 99)), <=, bin);
    }
}

static void
assert_slot (EvoxDocument *document,
             guint         slot,
             int           channel,
             double        lo,
             double        hi)
{
  int c;
  double l, h;

  evox_document_get_composite_slot (document, slot, &c, &l, &h);
  g_assert_cmpint (c, ==, channel);
  if (channel >= 0)
    {
      g_assert_cmpfloat (l, ==, lo);
      g_assert_cmpfloat (h, ==, hi);
    }
}

static void
test_slots (void)
{
  g_autoptr(EvoxVolume) u16 = random_u16 ();
  g_autoptr(EvoxVolume) single = evox_test_volume_new_channels (4, 4, 2, 1, EVOX_SAMPLE_U8);
  g_autoptr(EvoxDocument) document = evox_document_new ();
  guint slots = 0, on = 0;
  double lo[3], hi[3];

  evox_test_count_notify (document, "composite-slots", &slots);
  evox_test_count_notify (document, "composite", &on);

  /* One channel: nothing to composite, the switch stays off. */
  evox_document_set_volume (document, single, "one", NULL);
  evox_document_set_composite (document, TRUE);
  g_assert_false (evox_document_get_composite (document));
  g_assert_cmpuint (on, ==, 0);

  evox_document_set_volume (document, u16, "u16", NULL);
  for (guint s = 0; s < 3; s++)
    {
      assert_slot (document, s, -1, 0, 0);
      evox_document_get_composite_default_range (document, s, &lo[s], &hi[s]);
    }
  /* Switched on with no slot set: the first three channels at their default ranges. */
  evox_document_set_composite (document, TRUE);
  g_assert_true (evox_document_get_composite (document));
  g_assert_cmpuint (on, ==, 1);
  g_assert_cmpuint (slots, ==, 1);
  for (guint s = 0; s < 3; s++)
    assert_slot (document, s, (int) s, lo[s], hi[s]);

  /* Once per real change. */
  evox_document_set_composite_slot (document, 0, 0, NAN, NAN);
  evox_document_set_composite_slot (document, 0, 0, 5, 5);
  g_assert_cmpuint (slots, ==, 1);
  evox_document_set_composite_slot (document, 0, 2, 10, 20);
  g_assert_cmpuint (slots, ==, 2);
  assert_slot (document, 0, 2, 10, 20);
  evox_document_set_composite_slot (document, 0, 2, 10, 20);
  g_assert_cmpuint (slots, ==, 2);
  /* lo == hi asks for the default range again. */
  evox_document_set_composite_slot (document, 0, 2, 3, 3);
  assert_slot (document, 0, 2, lo[2], hi[2]);
  g_assert_cmpuint (slots, ==, 3);

  /* A channel past the volume's count clears the slot, as -1 does. */
  evox_document_set_composite_slot (document, 1, 7, 0, 1);
  assert_slot (document, 1, -1, 0, 0);
  g_assert_cmpuint (slots, ==, 4);
  evox_document_set_composite_slot (document, 1, -1, 0, 1);
  g_assert_cmpuint (slots, ==, 4);
  g_assert_true (evox_document_get_composite (document));

  /* Every slot cleared: nothing to show, the composite goes off. */
  evox_document_set_composite_slot (document, 0, -1, 0, 1);
  evox_document_set_composite_slot (document, 2, -1, 0, 1);
  g_assert_false (evox_document_get_composite (document));
  g_assert_cmpuint (on, ==, 2);

  /* A new volume clears the slots and turns the composite off. */
  evox_document_set_composite (document, TRUE);
  evox_document_set_composite_slot (document, 1, 1, 1, 2);
  g_assert_cmpuint (on, ==, 3);
  slots = 0;
  {
    g_autoptr(EvoxVolume) other = random_u16 ();

    evox_document_set_volume (document, other, "other", NULL);
  }
  g_assert_false (evox_document_get_composite (document));
  g_assert_cmpuint (on, ==, 4);
  g_assert_cmpuint (slots, ==, 1);
  for (guint s = 0; s < 3; s++)
    assert_slot (document, s, -1, 0, 0);

  /* Phase colours over the composite: off unless asked for. */
  g_assert_false (evox_document_get_composite_phases (document));
  g_object_set (document, "composite-phases", TRUE, NULL);
  g_assert_true (evox_document_get_composite_phases (document));
}

/* A volume replaced by one of the same channels plus a derived one (Make Phase adds a Clusters
 * channel) keeps the slots; their default ranges follow the new volume. */
static void
test_follow_volume (void)
{
  g_autoptr(EvoxVolume) u16 = random_u16 ();
  g_autoptr(EvoxDocument) document = evox_document_new ();
  g_autoptr(EvoxVolume) labels = evox_test_volume_new_channels (20, 10, 3, 1, EVOX_SAMPLE_U8);
  g_autoptr(EvoxClusters) clusters = NULL;
  g_autoptr(GError) error = NULL;
  guint8 *ids = evox_volume_get_data_mut (labels, 0);
  double lo, hi;

  evox_document_set_volume (document, u16, "u16", NULL);
  evox_document_set_composite (document, TRUE);
  evox_document_set_composite_slot (document, 1, 2, 100, 200);
  for (gsize i = 0; i < 600; i++)
    ids[i] = 1 + i % 2;
  clusters = evox_clusters_new_from_volume (labels, NULL, &error);
  g_assert_no_error (error);
  evox_document_set_clusters (document, clusters);
  g_assert_nonnull (evox_document_cluster_to_phase (document, 1, &error));
  g_assert_no_error (error);
  g_assert_true (evox_document_get_volume (document) != u16);
  g_assert_true (evox_document_get_composite (document));
  evox_document_get_composite_default_range (document, 0, &lo, &hi);
  assert_slot (document, 0, 0, lo, hi);
  assert_slot (document, 1, 2, 100, 200);
}

/* Maps are another volume of other channels: shown, the stack's slots do not apply and the maps
 * get their own composite; back on the stack, its composite is as the user left it, and so are
 * the maps' on the way back to them. */
static void
test_maps (void)
{
  g_autoptr(EvoxVolume) u16 = random_u16 ();
  g_autoptr(EvoxVolume) maps = evox_test_volume_new_channels (20, 10, 3, 2, EVOX_SAMPLE_F32);
  g_autoptr(EvoxDocument) document = evox_document_new ();
  g_autoptr(GError) error = NULL;
  double lo, hi;
  guint slots = 0;

  for (guint c = 0; c < 2; c++)
    {
      float *data = evox_volume_get_data_mut (maps, c);

      for (gsize i = 0; i < 600; i++)
        data[i] = (float) (i % 50) * (c + 1);
    }
  evox_volume_set_channel_info (maps, 0, "edge_energy", NAN);
  evox_volume_set_channel_info (maps, 1, "edge_step", NAN);
  evox_document_set_volume (document, u16, "u16", NULL);
  evox_document_set_composite (document, TRUE);
  evox_document_set_composite_slot (document, 2, 0, 3, 9);
  evox_test_count_notify (document, "composite-slots", &slots);

  g_assert_true (evox_document_add_maps (document, maps, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (evox_document_get_show_maps (document));
  g_assert_cmpuint (slots, ==, 1);
  g_assert_false (evox_document_get_composite (document));
  for (guint s = 0; s < 3; s++)
    assert_slot (document, s, -1, 0, 0);
  evox_document_set_composite_slot (document, 1, 1, 0, 40);
  evox_document_set_composite (document, TRUE);
  g_assert_true (evox_document_get_composite (document));

  evox_document_set_show_maps (document, FALSE);
  g_assert_true (evox_document_get_composite (document));
  evox_document_get_composite_default_range (document, 0, &lo, &hi);
  assert_slot (document, 0, 0, lo, hi);
  assert_slot (document, 2, 0, 3, 9);

  evox_document_set_show_maps (document, TRUE);
  g_assert_true (evox_document_get_composite (document));
  assert_slot (document, 0, -1, 0, 0);
  assert_slot (document, 1, 1, 0, 40);
}

/* Switched on with no slot used, the composite of XANES and elemental maps takes the elements
 * (areal mass; not the fit's matrix), red, green and blue in channel order; the XANES maps alone
 * (no elements) and a stack take channels 0, 1, 2 as before. Channels 0..2 on such maps are edge
 * energy, E0 and white-line energy, which is what the switch used to show. */
static void
test_elements_first (void)
{
  const char *labels[] = { "edge_energy", "e0", "whiteline_energy", "norm 8333 eV", "Mn", "Co",
                           "Ni", "matrix" };
  g_autoptr(EvoxVolume) maps = evox_test_volume_new_channels (6, 5, 1, G_N_ELEMENTS (labels), EVOX_SAMPLE_F32);
  g_autoptr(EvoxVolume) xanes = evox_test_volume_new_channels (6, 5, 1, 4, EVOX_SAMPLE_F32);
  g_autoptr(EvoxDocument) document = evox_document_new ();
  double lo, hi;

  for (guint c = 0; c < G_N_ELEMENTS (labels); c++)
    {
      float *data = evox_volume_get_data_mut (maps, c);

      for (gsize i = 0; i < 30; i++)
        data[i] = (float) (i * (c + 1));
      evox_volume_set_channel_info (maps, c, labels[c], NAN);
      evox_volume_set_channel_values (maps, c, EVOX_SCALE_LINEAR,
                                      c < 3 ? "energy" : c == 3 ? "normalised absorption"
                                      : "areal mass", c < 3 ? "eV" : c == 3 ? "" : "ug/cm^2");
      if (c < 4)
        {
          memcpy (evox_volume_get_data_mut (xanes, c), data, 30 * sizeof (float));
          evox_volume_set_channel_info (xanes, c, labels[c], NAN);
        }
    }
  evox_document_set_volume (document, maps, "maps", NULL);
  evox_document_set_composite (document, TRUE);
  for (guint s = 0; s < 3; s++)
    {
      evox_document_get_composite_default_range (document, 4 + s, &lo, &hi);
      assert_slot (document, s, 4 + s, lo, hi);
    }

  evox_document_set_volume (document, xanes, "xanes", NULL);
  evox_document_set_composite (document, TRUE);
  for (guint s = 0; s < 3; s++)
    {
      evox_document_get_composite_default_range (document, s, &lo, &hi);
      assert_slot (document, s, s, lo, hi);
    }
}

/* The legend's rows, and its swatches drawn in pure colours into an image at the corner. */
static void
test_legend (void)
{
  g_autoptr(EvoxVolume) u16 = random_u16 ();
  g_autoptr(EvoxDocument) document = evox_document_new ();
  g_autoptr(EvoxRgbLegend) legend = NULL;
  g_autofree char *red = NULL;
  g_autofree char *blue = NULL;

  evox_volume_set_channel_values (u16, 0, EVOX_SCALE_LINEAR, "areal mass", "ug/cm^2");
  evox_document_set_volume (document, u16, "u16", NULL);
  g_assert_null (evox_rgb_legend_new_from_document (document));
  evox_document_set_composite (document, TRUE);
  evox_document_set_composite_slot (document, 0, 0, 0, 12);
  evox_document_set_composite_slot (document, 1, -1, 0, 0);
  evox_document_set_composite_slot (document, 2, 2, 1000, 2.5e4);
  legend = evox_rgb_legend_new_from_document (document);
  g_assert_nonnull (legend);
  g_assert_cmpuint (evox_rgb_legend_get_n_rows (legend), ==, 2);
  red = evox_rgb_legend_dup_text (legend, 0);
  blue = evox_rgb_legend_dup_text (legend, 2);
  g_assert_cmpstr (red, ==, "R  Mn  0 – 12 µg/cm²");
  g_assert_null (evox_rgb_legend_dup_text (legend, 1));
  g_assert_cmpstr (blue, ==, "B  Ni  1000 – 25000");

  for (double scale = 1; scale <= 3; scale += 2)
    {
      int width = 400, height = 300, box[2];
      g_autofree guint8 *image = g_malloc ((gsize) width * height * 4);
      double margin = round (EVOX_RGB_LEGEND_MARGIN * scale);

      /* Mid grey, opaque: what is not under the box must stay so. */
      memset (image, 128, (gsize) width * height * 4);
      for (gsize i = 0; i < (gsize) width * height; i++)
        image[4 * i + 3] = 255;
      g_assert_true (evox_rgb_legend_draw_onto (legend, image, width, height, scale));
      evox_rgb_legend_get_size (legend, scale, &box[0], &box[1]);
      g_assert_cmpint (box[0], >, 60 * scale);
      g_assert_cmpint (box[1], >, 2 * 12 * scale);
      for (guint s = 0; s < 3; s += 2)
        {
          double rect[4];
          int cx, cy;
          const guint8 *p;
          guint8 expected[4] = { s == 0 ? 255 : 0, 0, s == 2 ? 255 : 0, 255 };

          g_assert_true (evox_rgb_legend_get_swatch (legend, s, scale, rect));
          g_assert_cmpfloat (rect[2], ==, 12 * scale);
          cx = (int) (margin + rect[0] + rect[2] / 2);
          cy = (int) (margin + rect[1] + rect[3] / 2);
          p = image + ((gsize) cy * width + cx) * 4;
          g_assert_cmpmem (p, 4, expected, 4);
          /* The swatch fills its square: a pixel inside its corner too. */
          p = image + ((gsize) (margin + rect[1] + 1) * width + (gsize) (margin + rect[0] + 1)) * 4;
          g_assert_cmpmem (p, 4, expected, 4);
        }
      g_assert_false (evox_rgb_legend_get_swatch (legend, 1, scale, (double[4]) { 0 }));
      /* Darkened grey under the box, untouched grey beside and below it. */
      g_assert_cmpuint (image[((gsize) (margin + 2) * width + (gsize) (margin + box[0] - 2)) * 4],
                        <, 128);
      g_assert_cmpuint (image[((gsize) (margin + box[1] + 2) * width + 5) * 4], ==, 128);
      g_assert_cmpuint (image[(5 * (gsize) width + (gsize) (margin + box[0] + 2)) * 4], ==, 128);
    }
}

static void
font_map_gone (gpointer  data,
               GObject  *where_the_object_was)
{
  g_atomic_int_set ((int *) data, 1);
}

/* Drops the default font map and waits (up to 2 s) until it is finalised: Pango's fontconfig
 * start-up runs in a thread of its own that holds the map a moment longer, and cairo's caches may
 * only be reset once the map's fonts are gone (else cairo asserts, about one run in eight). */
static void
release_font_map (void)
{
  static int gone;
  PangoFontMap *map = pango_cairo_font_map_get_default ();

  g_object_weak_ref (G_OBJECT (map), font_map_gone, &gone);
  pango_cairo_font_map_set_default (NULL);
  for (guint i = 0; i < 2000 && !g_atomic_int_get (&gone); i++)
    g_usleep (1000);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Evox/Composite/defaults", test_defaults);
  g_test_add_func ("/Evox/Composite/slots", test_slots);
  g_test_add_func ("/Evox/Composite/follow-volume", test_follow_volume);
  g_test_add_func ("/Evox/Composite/maps", test_maps);
  g_test_add_func ("/Evox/Composite/elements-first", test_elements_first);
  g_test_add_func ("/Evox/Composite/legend", test_legend);
  status = g_test_run ();

  /* Fontconfig keeps its font list for the life of the process; hand it back so the sanitizer
   * build's leak check sees only what Evox leaks. */
  release_font_map ();
  cairo_debug_reset_static_data ();
  FcFini ();
  return status;
}
