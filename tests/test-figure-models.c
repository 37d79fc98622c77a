/* test-figure-models.c: the Volume view's style (opacity curve, steps, samples, clip box, signals)
 * and the overlays' settings (positions, labels, 1-2-5 scale-bar lengths). */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>

#include "evox-document.h"
#include "evox-overlays.h"
#include "evox-volume-style.h"

static void
count_signal (gpointer  instance,
              guint    *count)
{
  (*count)++;
}

/* Piecewise linear between points, constant beyond the ends, computed here by hand. */
static void
test_style_curve (void)
{
  g_autoptr (EvoxVolumeStyle) style = evox_volume_style_new ();
  const double values[3] = { 10.0, 0.0, 20.0 };
  const double opacities[3] = { 0.5, 0.0, 2.0 };  /* 2 is clamped to 1 */
  double v, a;
  float lut[5];

  g_assert_cmpfloat (evox_volume_style_opacity_at (style, 3.0), ==, 0.0);
  evox_volume_style_set_points (style, values, opacities, 3);
  g_assert_cmpuint (evox_volume_style_get_n_points (style), ==, 3);
  evox_volume_style_get_point (style, 0, &v, &a);
  g_assert_cmpfloat (v, ==, 0.0);
  evox_volume_style_get_point (style, 2, &v, &a);
  g_assert_cmpfloat (v, ==, 20.0);
  g_assert_cmpfloat (a, ==, 1.0);

  g_assert_cmpfloat_with_epsilon (evox_volume_style_opacity_at (style, -5.0), 0.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (evox_volume_style_opacity_at (style, 5.0), 0.25, 1e-12);
  g_assert_cmpfloat_with_epsilon (evox_volume_style_opacity_at (style, 15.0), 0.75, 1e-12);
  g_assert_cmpfloat_with_epsilon (evox_volume_style_opacity_at (style, 99.0), 1.0, 1e-12);
  g_assert_cmpfloat (evox_volume_style_opacity_at (style, NAN), ==, 0.0);

  evox_volume_style_set_opacity_scale (style, 0.5);
  evox_volume_style_sample (style, 0.0, 20.0, 5, lut);
  g_assert_cmpfloat_with_epsilon (lut[0], 0.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (lut[1], 0.125, 1e-6);
  g_assert_cmpfloat_with_epsilon (lut[2], 0.25, 1e-6);
  g_assert_cmpfloat_with_epsilon (lut[3], 0.375, 1e-6);
  g_assert_cmpfloat_with_epsilon (lut[4], 0.5, 1e-6);
}

/* The SSRM seed's translucent volume: opacity inside [lo, hi] including both edges, 0 outside. */
static void
test_style_box (void)
{
  g_autoptr (EvoxVolumeStyle) style = evox_volume_style_new ();

  evox_volume_style_set_box (style, -2.5, -1.0, 0.1);
  g_assert_cmpuint (evox_volume_style_get_n_points (style), ==, 4);
  g_assert_cmpfloat (evox_volume_style_opacity_at (style, -2.6), ==, 0.0);
  g_assert_cmpfloat (evox_volume_style_opacity_at (style, -2.5), ==, 0.1);
  g_assert_cmpfloat (evox_volume_style_opacity_at (style, -1.7), ==, 0.1);
  g_assert_cmpfloat (evox_volume_style_opacity_at (style, -1.0), ==, 0.1);
  g_assert_cmpfloat (evox_volume_style_opacity_at (style, -0.99), ==, 0.0);

  evox_volume_style_reset_points (style, 0.0, 170.0);
  g_assert_cmpfloat_with_epsilon (evox_volume_style_opacity_at (style, 85.0), 0.05, 1e-12);
}

/* A dragged point keeps being the same point when it passes its neighbours. */
static void
test_style_edit (void)
{
  g_autoptr (EvoxVolumeStyle) style = evox_volume_style_new ();
  guint changed = 0, index;
  double v, a;

  g_signal_connect (style, "changed", G_CALLBACK (count_signal), &changed);
  evox_volume_style_reset_points (style, 0.0, 1.0);
  g_assert_cmpuint (changed, ==, 1);
  index = evox_volume_style_add_point (style, 0.5, 0.8);
  g_assert_cmpuint (index, ==, 1);
  index = evox_volume_style_move_point (style, index, 2.0, 0.3);
  g_assert_cmpuint (index, ==, 2);
  evox_volume_style_get_point (style, index, &v, &a);
  g_assert_cmpfloat (v, ==, 2.0);
  g_assert_cmpfloat (a, ==, 0.3);
  evox_volume_style_remove_point (style, 0);
  g_assert_cmpuint (evox_volume_style_get_n_points (style), ==, 2);
  g_assert_cmpuint (changed, ==, 4);

  /* Setting what is already there is no change. */
  evox_volume_style_set_mode (style, EVOX_RAY_COMPOSITE);
  evox_volume_style_set_mark_layers (style, TRUE);
  g_assert_cmpuint (changed, ==, 4);
  evox_volume_style_set_mode (style, EVOX_RAY_MIP);
  g_assert_cmpuint (changed, ==, 5);
}

static void
test_style_clip (void)
{
  g_autoptr (EvoxVolumeStyle) style = evox_volume_style_new ();
  const double lo[3] = { -1.0, 0.25, 0.9 }, hi[3] = { 2.0, 0.75, 0.1 };
  double got_lo[3], got_hi[3];

  g_assert_false (evox_volume_style_is_clipped (style));
  evox_volume_style_set_clip (style, lo, hi);
  evox_volume_style_get_clip (style, got_lo, got_hi);
  g_assert_cmpfloat (got_lo[0], ==, 0.0);
  g_assert_cmpfloat (got_hi[0], ==, 1.0);
  g_assert_cmpfloat (got_lo[1], ==, 0.25);
  g_assert_cmpfloat (got_hi[1], ==, 0.75);
  g_assert_cmpfloat (got_lo[2], ==, 0.9);
  g_assert_cmpfloat (got_hi[2], ==, 0.9);  /* hi below lo becomes lo */
  g_assert_true (evox_volume_style_is_clipped (style));
}

static void
test_ray_mode_names (void)
{
  EvoxRayMode mode;

  for (guint m = 0; m <= EVOX_RAY_MODE_LAST; m++)
    {
      g_assert_true (evox_ray_mode_from_string (evox_ray_mode_to_string (m), &mode));
      g_assert_cmpint (mode, ==, m);
    }
  g_assert_true (evox_ray_mode_from_string ("MIP", &mode));
  g_assert_cmpint (mode, ==, EVOX_RAY_MIP);
  g_assert_false (evox_ray_mode_from_string ("max", &mode));
}

/* Each nice length is 1, 2 or 5 times a power of ten and the nearest such one (on a log scale)
 * to a fifth of the view, checked against every candidate from 1e-3 to 1e9 nm. */
static void
test_scale_bar_length (void)
{
  const double cases[][2] = {
    { 1.0, 500.0 },      /* fifth = 100 nm */
    { 3.0, 800.0 },      /* 480 nm -> 500 */
    { 0.37, 1000.0 },    /* 74 nm -> 100 (log 100/74 = 0.30 beats log 74/50 = 0.39) */
    { 12.5, 1600.0 },    /* 4000 nm -> 5000 */
    { 0.001, 700.0 },    /* 0.14 nm -> 0.1 */
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      double target = cases[c][0] * cases[c][1] / 5.0;
      double got = evox_overlays_auto_scale_bar_length (cases[c][0], cases[c][1]);
      double best = 0.0, best_distance = G_MAXDOUBLE;

      for (int e = -3; e <= 9; e++)
        for (guint m = 0; m < 3; m++)
          {
            double length = (double[]) { 1.0, 2.0, 5.0 }[m] * pow (10.0, e);
            double distance = fabs (log (length / target));
            if (distance < best_distance)
              {
                best = length;
                best_distance = distance;
              }
          }
      g_assert_cmpfloat_with_epsilon (got / best, 1.0, 1e-12);
    }
  g_assert_cmpfloat (evox_overlays_auto_scale_bar_length (0.0, 500.0), ==, 0.0);
  g_assert_cmpfloat (evox_overlays_auto_scale_bar_length (NAN, 500.0), ==, 0.0);
}

/* --label's TEXT@X,Y: the last @ splits; X and Y are numbers (C locale) from 0 to 1, nothing
 * after them; the text is not empty. */
static void
test_parse_label (void)
{
  const char *bad[] = { "a@0.5", "@0.1,0.2", "a@0.1,0.2,0.3", "a@1.5,0", "a@0,-0.1", "a@x,0",
                        "a@0.1,0.2z", "a@nan,0", "a@0,inf", "a@0,", "no position", "a@0,5e-1@" };
  g_autofree char *text = NULL;
  double fx = -1, fy = -1;

  g_assert_true (evox_overlays_parse_label ("(a) x@y@0.25,1", &text, &fx, &fy));
  g_assert_cmpstr (text, ==, "(a) x@y");
  g_assert_cmpfloat (fx, ==, 0.25);
  g_assert_cmpfloat (fy, ==, 1.0);
  g_assert_true (evox_overlays_parse_label ("b@0,5e-1", NULL, &fx, &fy));
  g_assert_cmpfloat (fx, ==, 0.0);
  g_assert_cmpfloat (fy, ==, 0.5);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *none = NULL;

      g_test_message ("%s", bad[i]);
      g_assert_false (evox_overlays_parse_label (bad[i], &none, &fx, &fy));
      g_assert_null (none);
    }
}

static void
test_overlays (void)
{
  g_autoptr (EvoxOverlays) overlays = evox_overlays_new ();
  guint changed = 0;
  double fx, fy;

  g_signal_connect (overlays, "changed", G_CALLBACK (count_signal), &changed);
  g_assert_false (evox_overlays_any_visible (overlays));
  evox_overlays_get_position (overlays, EVOX_OVERLAY_SCALE_BAR, &fx, &fy);
  g_assert_cmpfloat (fx, ==, 1.0);
  g_assert_cmpfloat (fy, ==, 1.0);

  evox_overlays_set_visible (overlays, EVOX_OVERLAY_AXES, TRUE);
  evox_overlays_set_visible (overlays, EVOX_OVERLAY_AXES, TRUE);
  g_assert_cmpuint (changed, ==, 1);
  g_assert_true (evox_overlays_any_visible (overlays));

  evox_overlays_set_position (overlays, EVOX_OVERLAY_LEGEND, 1.5, -0.5);
  evox_overlays_get_position (overlays, EVOX_OVERLAY_LEGEND, &fx, &fy);
  g_assert_cmpfloat (fx, ==, 1.0);
  g_assert_cmpfloat (fy, ==, 0.0);

  evox_overlays_set_font_size (overlays, 1000.0);
  g_assert_cmpfloat (evox_overlays_get_font_size (overlays), ==, 96.0);
  evox_overlays_set_scale_bar_length (overlays, 2000.0);
  g_assert_cmpfloat (evox_overlays_get_scale_bar_length (overlays), ==, 2000.0);

  g_assert_cmpuint (evox_overlays_add_label (overlays, "a", 0.1, 0.2), ==, 0);
  g_assert_cmpuint (evox_overlays_add_label (overlays, "b", 0.3, 0.4), ==, 1);
  evox_overlays_set_label_text (overlays, 0, "(a) NMC");
  evox_overlays_move_label (overlays, 1, 0.5, 2.0);
  g_assert_cmpstr (evox_overlays_get_label (overlays, 0, &fx, &fy), ==, "(a) NMC");
  g_assert_cmpfloat (fx, ==, 0.1);
  g_assert_cmpstr (evox_overlays_get_label (overlays, 1, &fx, &fy), ==, "b");
  g_assert_cmpfloat (fy, ==, 1.0);
  evox_overlays_remove_label (overlays, 0);
  g_assert_cmpuint (evox_overlays_get_n_labels (overlays), ==, 1);
  g_assert_cmpstr (evox_overlays_get_label (overlays, 0, NULL, NULL), ==, "b");
  g_assert_cmpuint (changed, ==, 9);
}

static void
test_document_holds_them (void)
{
  g_autoptr (EvoxDocument) document = evox_document_new ();

  g_assert_true (EVOX_IS_VOLUME_STYLE (evox_document_get_volume_style (document)));
  g_assert_true (EVOX_IS_OVERLAYS (evox_document_get_overlays (document)));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Evox/VolumeStyle/curve", test_style_curve);
  g_test_add_func ("/Evox/VolumeStyle/box", test_style_box);
  g_test_add_func ("/Evox/VolumeStyle/edit", test_style_edit);
  g_test_add_func ("/Evox/VolumeStyle/clip", test_style_clip);
  g_test_add_func ("/Evox/VolumeStyle/mode-names", test_ray_mode_names);
  g_test_add_func ("/Evox/Overlays/scale-bar-length", test_scale_bar_length);
  g_test_add_func ("/Evox/Overlays/settings", test_overlays);
  g_test_add_func ("/Evox/Overlays/parse-label", test_parse_label);
  g_test_add_func ("/Evox/Overlays/document", test_document_holds_them);

  return g_test_run ();
}
