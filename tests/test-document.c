/* test-document.c: EvoxDocument: defaults chosen from the data, notifications only on change,
 * clamping, layer visibility, slice histograms against brute force, value readouts. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-demo.h"
#include "evox-document.h"

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static EvoxVolume *
gradient_u8 (gsize n)
{
  g_autoptr (GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (n, n, n, 1, EVOX_SAMPLE_U8, &error);
  guint8 *data;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 0; z < n; z++)
    for (gsize y = 0; y < n; y++)
      for (gsize x = 0; x < n; x++)
        data[(z * n + y) * n + x] = (guint8) ((x * 3 + y * 5 + z * 7) % 256);
  evox_volume_freeze (volume);
  return volume;
}

static void
test_defaults (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) demo = evox_demo_volume_new (10);
  g_autoptr (EvoxVolume) labels = gradient_u8 (16);
  const EvoxStats *stats;
  double lo, hi;

  evox_document_set_volume (doc, demo, "demo", NULL);
  g_assert_cmpint (evox_document_get_view (doc), ==, EVOX_VIEW_STACK);
  g_assert_cmpint (evox_document_get_mapping (doc), ==, EVOX_MAPPING_LOG);
  g_assert_cmpint (evox_document_get_transfer (doc), ==, EVOX_TRANSFER_IDENTITY);
  g_assert_true (evox_document_get_histogram_per_layer (doc));
  stats = evox_volume_get_stats (demo, 0);
  evox_document_get_range (doc, &lo, &hi);
  g_assert_cmpfloat (lo, ==, stats->min);
  g_assert_cmpfloat (hi, ==, stats->max);
  g_assert_cmpuint (evox_document_get_slice (doc, 0), ==, 64);

  evox_document_set_volume (doc, labels, "labels", "/tmp/labels.tif");
  g_assert_cmpint (evox_document_get_view (doc), ==, EVOX_VIEW_SLICES);
  g_assert_cmpint (evox_document_get_mapping (doc), ==, EVOX_MAPPING_LINEAR);
  g_assert_false (evox_document_get_histogram_per_layer (doc));
  g_assert_cmpstr (evox_document_get_path (doc), ==, "/tmp/labels.tif");
  g_assert_cmpfloat (evox_document_get_z_exaggeration (doc), ==, 1);
  evox_document_get_range (doc, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 0);
  g_assert_cmpfloat (hi, ==, 15 * 15);  /* (3 + 5 + 7) * 15 */
}

static void
test_thin_stack_exaggeration (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) demo = evox_demo_volume_new (10);
  double spacing[3];

  /* 128 pixels of 20 nm against 14 layers of 10 nm: 2560 nm wide, 140 nm deep; a quarter of
   * the width needs 4.57x, rounded up to 5. */
  evox_volume_get_spacing (demo, spacing);
  spacing[0] = spacing[1] = 20;
  evox_volume_set_spacing (demo, spacing);
  evox_document_set_volume (doc, demo, "demo", NULL);
  g_assert_cmpfloat (evox_document_get_z_exaggeration (doc), ==, 5);
}

static void
test_notify_on_change_only (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) volume = gradient_u8 (8);
  guint colormap = 0, range = 0, slice = 0;

  evox_document_set_volume (doc, volume, "v", NULL);
  g_signal_connect (doc, "notify::colormap", G_CALLBACK (count_notify), &colormap);
  g_signal_connect (doc, "notify::range-lo", G_CALLBACK (count_notify), &range);
  g_signal_connect (doc, "notify::slice-z", G_CALLBACK (count_notify), &slice);

  evox_document_set_colormap (doc, "magma");
  evox_document_set_colormap (doc, "magma");
  evox_document_set_colormap (doc, "no-such-map");
  g_assert_cmpuint (colormap, ==, 1);
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "magma");

  evox_document_set_range (doc, 10, 100);
  evox_document_set_range (doc, 10, 100);
  evox_document_set_range (doc, 10, 120);
  evox_document_set_range (doc, NAN, 5);
  g_assert_cmpuint (range, ==, 1);

  /* Clamped to the volume. */
  evox_document_set_slice (doc, 2, 1000);
  g_assert_cmpuint (evox_document_get_slice (doc, 2), ==, 7);
  evox_document_set_slice (doc, 2, 7);
  g_assert_cmpuint (slice, ==, 1);

  /* lo > hi are swapped. */
  evox_document_set_range (doc, 50, 20);
  {
    double lo, hi;
    evox_document_get_range (doc, &lo, &hi);
    g_assert_cmpfloat (lo, ==, 20);
    g_assert_cmpfloat (hi, ==, 50);
  }
}

static void
test_log_mapping_keeps_range_positive (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) volume = gradient_u8 (8);
  double lo, hi;

  evox_document_set_volume (doc, volume, "v", NULL);
  evox_document_set_mapping (doc, EVOX_MAPPING_LOG);
  g_assert_cmpint (evox_document_get_transfer (doc), ==, EVOX_TRANSFER_LOG10);
  evox_document_get_range (doc, &lo, &hi);
  /* Smallest positive value of the data (exact u8 histogram): 3, at x = 1. */
  g_assert_cmpfloat (lo, ==, 3);
  g_assert_cmpfloat (hi, ==, 15 * 7);
  evox_document_set_range (doc, -5, 100);
  evox_document_get_range (doc, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 3);
}

static void
count_layers (EvoxDocument *doc,
              guint        *count)
{
  (*count)++;
}

static void
test_layer_visibility (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) demo = evox_demo_volume_new (10);
  guint changes = 0;

  evox_document_set_volume (doc, demo, "demo", NULL);
  g_signal_connect (doc, "layers-changed", G_CALLBACK (count_layers), &changes);
  g_assert_true (evox_document_get_layer_visible (doc, 3));
  evox_document_set_layer_visible (doc, 3, FALSE);
  evox_document_set_layer_visible (doc, 3, FALSE);
  g_assert_false (evox_document_get_layer_visible (doc, 3));
  g_assert_cmpuint (changes, ==, 1);
  g_assert_false (evox_document_get_layer_visible (doc, 1000));
  /* A new volume shows every layer again. */
  evox_document_set_volume (doc, demo, "demo", NULL);
  g_assert_true (evox_document_get_layer_visible (doc, 3));
}

/* Slice histograms along every axis equal a direct count over the slice. */
static void
test_slice_histogram (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) volume = gradient_u8 (20);
  const guint n_bins = 16;
  double counts[16], expect[16];

  evox_document_set_volume (doc, volume, "v", NULL);
  for (guint axis = 0; axis < 3; axis++)
    for (guint index = 0; index < 20; index += 7)
      {
        memset (expect, 0, sizeof expect);
        for (gsize b = 0; b < 20; b++)
          for (gsize a = 0; a < 20; a++)
            {
              gsize at[3];
              double v, u;
              int bin;

              at[axis] = index;
              at[axis == 0 ? 1 : 0] = a;
              at[axis == 2 ? 1 : 2] = b;
              v = evox_volume_get_value (volume, 0, at[0], at[1], at[2]);
              u = (v - 0) / 255.0 * n_bins;
              bin = MIN ((int) u, (int) n_bins - 1);
              expect[bin] += 1;
            }
        g_assert_true (evox_document_slice_histogram (doc, axis, index, n_bins, 0, 255, FALSE,
                                                      counts));
        for (guint b = 0; b < n_bins; b++)
          g_assert_cmpfloat (counts[b], ==, expect[b]);
      }
  g_assert_false (evox_document_slice_histogram (doc, 2, 20, n_bins, 0, 255, FALSE, counts));
}

static void
test_format_value (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) demo = evox_demo_volume_new (10);
  g_autofree char *text = NULL;
  g_autofree char *none = NULL;

  evox_document_set_volume (doc, demo, "demo", NULL);
  text = evox_document_format_value (doc, -4.53);
  g_assert_cmpstr (text, ==, "log10 R = -4.53 (R = 2.95e-05 ohm)");
  none = evox_document_format_value (doc, NAN);
  g_assert_cmpstr (none, ==, "no value");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Evox/Document/defaults", test_defaults);
  g_test_add_func ("/Evox/Document/thin-stack-exaggeration", test_thin_stack_exaggeration);
  g_test_add_func ("/Evox/Document/notify-on-change-only", test_notify_on_change_only);
  g_test_add_func ("/Evox/Document/log-mapping-range", test_log_mapping_keeps_range_positive);
  g_test_add_func ("/Evox/Document/layer-visibility", test_layer_visibility);
  g_test_add_func ("/Evox/Document/slice-histogram", test_slice_histogram);
  g_test_add_func ("/Evox/Document/format-value", test_format_value);
  return g_test_run ();
}
