/* test-volume.c: the volume model, SSRM stacking and the demo volume. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>

#include "evox-demo.h"
#include "evox-histogram.h"
#include "evox-ssrm-stack.h"
#include "evox-volume.h"

static void
test_new_and_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (3, 4, 5, 2, EVOX_SAMPLE_U16, &error);
  EvoxVolume *none;
  gsize dims[3];
  double spacing[3] = { 0.5, 0.5, 2.0 };

  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, 3);
  g_assert_cmpuint (dims[2], ==, 5);
  g_assert_cmpuint (evox_volume_get_n_voxels (volume), ==, 60);
  g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 2);
  g_assert_true (evox_volume_source_is_integer (volume));

  /* Implicit layers follow spacing and origin. */
  evox_volume_set_spacing (volume, spacing);
  evox_volume_set_origin (volume, (double[3]) { 0, 0, 10 });
  g_assert_cmpfloat (evox_volume_get_layer (volume, 3)->z_nm, ==, 16.0);
  g_assert_true (evox_volume_get_layer (volume, 3)->measured);

  evox_volume_set_channel_info (volume, 1, "Ni K", 8350.0);
  g_assert_cmpint (evox_volume_find_channel (volume, "Ni K"), ==, 1);
  g_assert_cmpint (evox_volume_find_channel (volume, "0"), ==, 0);
  g_assert_cmpint (evox_volume_find_channel (volume, "2"), ==, -1);
  g_assert_cmpfloat (evox_volume_get_channel_energy (volume, 1), ==, 8350.0);
  g_assert_true (isnan (evox_volume_get_channel_energy (volume, 0)));

  ((guint16 *) evox_volume_get_data_mut (volume, 1))[59] = 7;
  g_assert_cmpfloat (evox_volume_get_value (volume, 1, 2, 3, 4), ==, 7.0);
  evox_volume_set_metadata (volume, "b", "2");
  evox_volume_set_metadata (volume, "a", "1");
  {
    g_auto(GStrv) keys = evox_volume_dup_metadata_keys (volume);
    g_assert_cmpstr (keys[0], ==, "a");
    g_assert_cmpstr (keys[1], ==, "b");
    g_assert_null (keys[2]);
  }

  /* Asking for statistics freezes the voxels. */
  g_assert_cmpfloat (evox_volume_get_stats (volume, 1)->max, ==, 7.0);
  g_assert_true (evox_volume_is_frozen (volume));

  none = evox_volume_new (0, 4, 5, 1, EVOX_SAMPLE_U8, &error);
  g_assert_null (none);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_clear_error (&error);

  /* 10^12 voxels: refused before any allocation. */
  none = evox_volume_new (10000, 10000, 10000, 1, EVOX_SAMPLE_U8, &error);
  g_assert_null (none);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE);
  g_clear_error (&error);

  none = evox_volume_new (G_MAXSIZE / 2, G_MAXSIZE / 2, 3, 1, EVOX_SAMPLE_F32, &error);
  g_assert_null (none);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE);
}

static void
test_memory_cap (void)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *none;

  g_setenv ("EVOX_MEMORY_LIMIT", "1M", TRUE);
  g_assert_cmpuint (evox_memory_cap (), ==, 1 << 20);
  none = evox_volume_new (1024, 1024, 2, 1, EVOX_SAMPLE_U8, &error);
  g_assert_null (none);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE);
  g_unsetenv ("EVOX_MEMORY_LIMIT");
}

/* The cap counts what a volume keeps besides its voxels: 40 bytes of layer record per layer, and
 * a u16 channel's per-layer histogram counts (65537 u32 per layer while they fit the 64 MiB
 * budget and a layer holds at least 65536 / 4 voxels). Both volumes' voxels alone fit. */
static void
test_memory_cap_layers (void)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *none;

  /* 1 x 1 x 100000 f32: 400 KB of voxels, 4 MB of layer records. */
  g_setenv ("EVOX_MEMORY_LIMIT", "2M", TRUE);
  none = evox_volume_new (1, 1, 100000, 1, EVOX_SAMPLE_F32, &error);
  g_assert_null (none);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* 128 x 128 x 100 u16: 3.3 MB of voxels, 100 * 65537 * 4 = 26.2 MB of per-layer counts. */
  g_setenv ("EVOX_MEMORY_LIMIT", "16M", TRUE);
  none = evox_volume_new (128, 128, 100, 1, EVOX_SAMPLE_U16, &error);
  g_assert_null (none);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* With room for them, the same volume is made. */
  g_setenv ("EVOX_MEMORY_LIMIT", "40M", TRUE);
  {
    g_autoptr(EvoxVolume) volume = evox_volume_new (128, 128, 100, 1, EVOX_SAMPLE_U16, &error);
    g_assert_no_error (error);
    g_assert_nonnull (volume);
  }
  g_unsetenv ("EVOX_MEMORY_LIMIT");
}

static float *
constant_layer (gsize n,
                float v)
{
  float *values = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    values[i] = v + (float) i;
  return values;
}

static void
test_stack_interpolation (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  /* Out of order on purpose: layers are ordered by depth. */
  EvoxScanInput scans[3] = {
    { 87.0, g_strdup ("R2"), constant_layer (6, 3.0f) },
    { 0.0, g_strdup ("R0"), constant_layer (6, -5.0f) },
    { 43.0, g_strdup ("R1"), constant_layer (6, 1.0f) },
  };
  float *data;

  scans[1].values[2] = NAN;
  volume = evox_ssrm_stack_new (3, 2, scans, 3, 10.0, 2.0, EVOX_SCALE_LOG10, &error);
  g_assert_no_error (error);
  g_assert_nonnull (volume);
  g_assert_null (scans[0].values);

  /* 0, 10, ..., 80: the deepest scan at 87 nm is past the last whole step. */
  g_assert_cmpuint (evox_volume_get_n_voxels (volume), ==, 6 * 9);
  g_assert_cmpuint (evox_volume_get_n_scans (volume), ==, 3);
  g_assert_cmpstr (evox_volume_get_scan (volume, 0)->label, ==, "R0");
  g_assert_cmpfloat (evox_volume_get_scan (volume, 1)->z_nm, ==, 43.0);
  data = (float *) evox_volume_get_data (volume, 0);

  for (gsize z = 0; z < 9; z++)
    {
      const EvoxLayer *layer = evox_volume_get_layer (volume, z);
      double depth = 10.0 * z;

      g_assert_cmpfloat (layer->z_nm, ==, depth);
      g_assert_cmpint (layer->measured, ==, z == 0);
      for (gsize i = 0; i < 6; i++)
        {
          double a, b, w, expected;
          if (depth < 43.0)
            a = -5.0 + i, b = 1.0 + i, w = depth / 43.0;
          else
            a = 1.0 + i, b = 3.0 + i, w = (depth - 43.0) / 44.0;
          if (depth < 43.0 && i == 2)
            a = NAN;
          expected = (1 - w) * a + w * b;
          if (isnan (expected))
            g_assert_true (isnan (data[z * 6 + i]));
          else
            g_assert_cmpfloat_with_epsilon (data[z * 6 + i], expected, 1e-5);
        }
    }
  g_assert_cmpint (evox_volume_get_layer (volume, 5)->scan, ==, 1);
  g_assert_cmpint (evox_volume_get_layer (volume, 5)->scan_below, ==, 2);
  g_assert_cmpfloat_with_epsilon (evox_volume_get_layer (volume, 5)->weight, 7.0 / 44.0, 1e-12);

  {
    double spacing[3];
    evox_volume_get_spacing (volume, spacing);
    g_assert_cmpfloat (spacing[0], ==, 2.0);
    g_assert_cmpfloat (spacing[2], ==, 10.0);
  }
  g_assert_cmpint (evox_volume_get_value_scale (volume), ==, EVOX_SCALE_LOG10);
  g_assert_cmpstr (evox_volume_get_unit (volume), ==, "ohm");

  /* Measured statistics see only the scans. */
  {
    const EvoxStats *m = evox_volume_get_measured_stats (volume);
    g_assert_cmpuint (m->n_finite, ==, 17);
    g_assert_cmpuint (m->n_nonfinite, ==, 1);
    g_assert_cmpfloat (m->min, ==, -5.0);
    g_assert_cmpfloat (m->max, ==, 8.0);
  }
}

static void
test_stack_errors (void)
{
  g_autoptr(GError) error = NULL;
  EvoxScanInput same[2] = {
    { 10.0, g_strdup ("A"), constant_layer (4, 0) },
    { 10.0, g_strdup ("B"), constant_layer (4, 1) },
  };
  EvoxScanInput one[1] = { { 5.0, g_strdup ("A"), constant_layer (4, 0) } };
  EvoxVolume *volume;

  volume = evox_ssrm_stack_new (2, 2, same, 2, 10.0, 1.0, EVOX_SCALE_LOG10, &error);
  g_assert_null (volume);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "both at depth 10"));
  g_clear_error (&error);

  volume = evox_ssrm_stack_new (2, 2, one, 1, -1.0, 1.0, EVOX_SCALE_LOG10, &error);
  g_assert_null (volume);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);

  one[0] = (EvoxScanInput) { 5.0, g_strdup ("A"), constant_layer (4, 0) };
  volume = evox_ssrm_stack_new (2, 2, one, 1, 10.0, 1.0, EVOX_SCALE_LOG10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_voxels (volume), ==, 4);
  g_assert_true (evox_volume_get_layer (volume, 0)->measured);
  g_object_unref (volume);
}

static void
test_demo (void)
{
  g_autoptr(EvoxVolume) volume = evox_demo_volume_new (10.0);
  g_autoptr(EvoxVolume) again = evox_demo_volume_new (10.0);
  EvoxFineHistogram *fine;
  gsize dims[3];
  double counts[40];
  int mode_low = 0, mode_high = 20;

  g_assert_nonnull (volume);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, 128);
  g_assert_cmpuint (dims[1], ==, 128);
  g_assert_cmpuint (dims[2], ==, 14);
  g_assert_cmpuint (evox_volume_get_n_scans (volume), ==, 4);
  g_assert_cmpfloat (evox_volume_get_scan (volume, 1)->z_nm, ==, 43.0);
  g_assert_cmpfloat (evox_volume_get_scan (volume, 3)->z_nm, ==, 130.0);
  g_assert_true (evox_volume_get_layer (volume, 13)->measured);
  g_assert_false (evox_volume_get_layer (volume, 4)->measured);

  /* Deterministic. */
  g_assert_cmpmem (evox_volume_get_data (volume, 0), 128 * 128 * 14 * 4,
                   evox_volume_get_data (again, 0), 128 * 128 * 14 * 4);

  /* Two main modes, near -4.5 and 0.3: the highest bins of [-7, 3) in 0.25 steps. */
  fine = evox_volume_get_measured_fine_histogram (volume);
  g_assert_true (evox_fine_histogram_display (fine, -1, 40, -7, 3, FALSE, counts));
  for (int b = 0; b < 20; b++)
    if (counts[b] > counts[mode_low])
      mode_low = b;
  for (int b = 20; b < 40; b++)
    if (counts[b] > counts[mode_high])
      mode_high = b;
  g_assert_cmpfloat (fabs (-7 + 0.25 * (mode_low + 0.5) - (-4.5)), <, 0.4);
  g_assert_cmpfloat (fabs (-7 + 0.25 * (mode_high + 0.5) - 0.3), <, 0.4);
}

/* The inner range of a sample type decides, in floats, what lo <= v <= hi decides in doubles:
 * every u8 and u16 value, and f32 values at and around edges given as doubles. */
static void
test_inner_range (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);

  for (guint trial = 0; trial < 2000; trial++)
    {
      EvoxSampleType type = trial % 3 == 0 ? EVOX_SAMPLE_U8
                            : trial % 3 == 1 ? EVOX_SAMPLE_U16 : EVOX_SAMPLE_F32;
      double top = type == EVOX_SAMPLE_U8 ? 255 : 65535;
      double lo = g_rand_double_range (rand, -10, top + 10);
      double hi = lo + g_rand_double_range (rand, -2, top / 4);
      float first, last;
      gboolean any = FALSE, inner;

      if (trial % 7 == 0)
        lo = round (lo);  /* edges exactly on values */
      inner = evox_sample_type_inner_range (type, lo, hi, &first, &last);
      if (type != EVOX_SAMPLE_F32)
        {
          for (double v = 0; v <= top; v++)
            {
              gboolean in = lo <= v && v <= hi;

              any |= in;
              g_assert_cmpint (in, ==, first <= (float) v && (float) v <= last);
            }
          g_assert_cmpint (any, ==, inner);
        }
      else
        {
          float edges[2] = { (float) lo, (float) hi };

          for (guint e = 0; e < 2; e++)
            for (int step = -2; step <= 2; step++)
              {
                float v = edges[e];

                for (int k = 0; k < ABS (step); k++)
                  v = nextafterf (v, step < 0 ? -INFINITY : INFINITY);
                g_assert_cmpint (lo <= v && v <= hi, ==, first <= v && v <= last);
              }
        }
    }
  {
    float first, last;

    g_assert_false (evox_sample_type_inner_range (EVOX_SAMPLE_U8, 0.2, 0.7, &first, &last));
    g_assert_false (evox_sample_type_inner_range (EVOX_SAMPLE_U8, 300, 400, &first, &last));
    g_assert_false (evox_sample_type_inner_range (EVOX_SAMPLE_F32, NAN, 1, &first, &last));
    g_assert_true (evox_sample_type_inner_range (EVOX_SAMPLE_F32, -1e40, 1e40, &first, &last));
    g_assert_cmpfloat (first, ==, -G_MAXFLOAT);
    g_assert_cmpfloat (last, ==, G_MAXFLOAT);
  }
}

/* Value meaning is per channel: the volume-wide calls are channel 0's and set every channel;
 * a derived channel starts linear "value" while the shared ones keep the base's meaning. */
static void
test_channel_values (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = evox_volume_new (2, 2, 2, 2, EVOX_SAMPLE_F32, &error);
  g_autoptr (EvoxVolume) derived = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (evox_volume_get_channel_value_scale (volume, 1), ==, EVOX_SCALE_LINEAR);
  g_assert_cmpstr (evox_volume_get_channel_quantity (volume, 1), ==, "value");
  g_assert_cmpstr (evox_volume_get_channel_unit (volume, 1), ==, "");

  evox_volume_set_values (volume, EVOX_SCALE_LOG10, "resistance", "ohm");
  for (guint c = 0; c < 2; c++)
    {
      g_assert_cmpint (evox_volume_get_channel_value_scale (volume, c), ==, EVOX_SCALE_LOG10);
      g_assert_cmpstr (evox_volume_get_channel_quantity (volume, c), ==, "resistance");
      g_assert_cmpstr (evox_volume_get_channel_unit (volume, c), ==, "ohm");
    }
  g_assert_true (evox_volume_channels_share_values (volume));

  evox_volume_set_channel_values (volume, 1, EVOX_SCALE_LINEAR, "energy", "eV");
  g_assert_false (evox_volume_channels_share_values (volume));
  g_assert_cmpint (evox_volume_get_value_scale (volume), ==, EVOX_SCALE_LOG10);
  g_assert_cmpstr (evox_volume_get_quantity (volume), ==, "resistance");
  g_assert_cmpstr (evox_volume_get_unit (volume), ==, "ohm");
  g_assert_cmpint (evox_volume_get_channel_value_scale (volume, 1), ==, EVOX_SCALE_LINEAR);
  g_assert_cmpstr (evox_volume_get_channel_quantity (volume, 1), ==, "energy");
  g_assert_cmpstr (evox_volume_get_channel_unit (volume, 1), ==, "eV");
  /* NULL quantity reads "value", NULL unit none. */
  evox_volume_set_channel_values (volume, 1, EVOX_SCALE_LINEAR, NULL, NULL);
  g_assert_cmpstr (evox_volume_get_channel_quantity (volume, 1), ==, "value");
  g_assert_cmpstr (evox_volume_get_channel_unit (volume, 1), ==, "");
  evox_volume_set_channel_values (volume, 1, EVOX_SCALE_LINEAR, "energy", "eV");

  evox_volume_set_channel_info (volume, 0, "R", NAN);
  evox_volume_set_channel_info (volume, 1, "E", NAN);
  derived = _evox_volume_new_with_channel (volume, "Clusters",
                                           _evox_alloc_large (8 * sizeof (float)), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_channels (derived), ==, 3);
  g_assert_cmpint (evox_volume_get_channel_value_scale (derived, 0), ==, EVOX_SCALE_LOG10);
  g_assert_cmpstr (evox_volume_get_channel_unit (derived, 0), ==, "ohm");
  g_assert_cmpstr (evox_volume_get_channel_quantity (derived, 1), ==, "energy");
  g_assert_cmpstr (evox_volume_get_channel_unit (derived, 1), ==, "eV");
  g_assert_cmpint (evox_volume_get_channel_value_scale (derived, 2), ==, EVOX_SCALE_LINEAR);
  g_assert_cmpstr (evox_volume_get_channel_quantity (derived, 2), ==, "value");
  g_assert_cmpstr (evox_volume_get_channel_unit (derived, 2), ==, "");
  /* The derived volume's meanings are its own. */
  evox_volume_set_channel_values (derived, 0, EVOX_SCALE_LINEAR, "other", NULL);
  g_assert_cmpstr (evox_volume_get_channel_quantity (volume, 0), ==, "resistance");
}

/* A derived volume takes its source's grid: spacing, whether it is known (also when not,
 * though setting a spacing marks it known), origin. */
static void
test_copy_grid (void)
{
  const double spacing[3] = { 2.5, 3.5, 7 }, origin[3] = { -10, 20, 30.5 };
  g_autoptr (EvoxVolume) like = evox_volume_new (3, 2, 1, 1, EVOX_SAMPLE_U8, NULL);
  g_autoptr (EvoxVolume) volume = evox_volume_new (3, 2, 1, 2, EVOX_SAMPLE_F32, NULL);
  double got[3];

  evox_volume_set_spacing (like, spacing);
  evox_volume_set_spacing_known (like, FALSE);
  evox_volume_set_origin (like, origin);
  evox_volume_copy_grid (volume, like);
  evox_volume_get_spacing (volume, got);
  for (int i = 0; i < 3; i++)
    g_assert_cmpfloat (got[i], ==, spacing[i]);
  g_assert_false (evox_volume_get_spacing_known (volume));
  evox_volume_get_origin (volume, got);
  for (int i = 0; i < 3; i++)
    g_assert_cmpfloat (got[i], ==, origin[i]);

  evox_volume_set_spacing_known (like, TRUE);
  evox_volume_copy_grid (volume, like);
  g_assert_true (evox_volume_get_spacing_known (volume));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Volume/new-and-errors", test_new_and_errors);
  g_test_add_func ("/Evox/Volume/copy-grid", test_copy_grid);
  g_test_add_func ("/Evox/Volume/memory-cap", test_memory_cap);
  g_test_add_func ("/Evox/Volume/memory-cap-layers", test_memory_cap_layers);
  g_test_add_func ("/Evox/Volume/stack-interpolation", test_stack_interpolation);
  g_test_add_func ("/Evox/Volume/stack-errors", test_stack_errors);
  g_test_add_func ("/Evox/Volume/demo", test_demo);
  g_test_add_func ("/Evox/Volume/inner-range", test_inner_range);
  g_test_add_func ("/Evox/Volume/channel-values", test_channel_values);
  return g_test_run ();
}
