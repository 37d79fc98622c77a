/* test-curve-figure.c: the cluster curve figure drawn without a window: band geometry measured
 * in the pixels, the panel beside an image, the SVG as XML with the names, and the writers. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <fontconfig/fontconfig.h>
#include <glib/gstdio.h>
#include <pango/pangocairo.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evox-axis.h"
#include "evox-curve-figure.h"
#include "evox-test-svg.h"
#include "evox-test-util.h"
#include "evox-types.h"
#include "evox-volume.h"

/* tab10's blue and orange, as the clusters' palette gives ids 1 and 2. */
static const guint8 BLUE[3] = { 0x1f, 0x77, 0xb4 };
static const guint8 ORANGE[3] = { 0xff, 0x7f, 0x0e };

/* A band's colour at EVOX_CURVE_FIGURE_BAND_ALPHA over white, worked out here by hand. */
static gboolean
is_band (const guint8 *px,
         const guint8  color[3])
{
  for (int c = 0; c < 3; c++)
    {
      double expected = 255 * (1 - 0.22) + color[c] * 0.22;

      if (fabs (px[c] - expected) > 3)
        return FALSE;
    }
  return px[3] == 255;
}

/* The rows of column x whose pixel is the band colour: first and last. */
static gboolean
band_extent (const guint8 *rgba,
             int           width,
             int           height,
             int           x,
             const guint8  color[3],
             int          *top,
             int          *bottom)
{
  *top = -1;
  *bottom = -1;
  for (int y = 0; y < height; y++)
    if (is_band (rgba + ((gsize) y * width + x) * 4, color))
      {
        if (*top < 0)
          *top = y;
        *bottom = y;
      }
  return *top >= 0;
}

static EvoxCurveFigure *
two_curves (void)
{
  /* Means 10 and 30 with stds 2 and 4 over x = 1, 2, 3: bands [8, 12] and [26, 34]. */
  const double x[3] = { 1, 2, 3 };
  const double mean1[3] = { 10, 10, 10 }, std1[3] = { 2, 2, 2 };
  const double mean2[3] = { 30, 30, 30 }, std2[3] = { 4, 4, 4 };
  EvoxCurveFigure *figure = evox_curve_figure_new ("Energy (eV)", "Mean ± std");

  evox_curve_figure_add_curve (figure, x, mean1, std1, 3, "#1f77b4", "Graphite & binder");
  evox_curve_figure_add_curve (figure, x, mean2, std2, 3, "#ff7f0e", "Pores <0.1 µm");
  return figure;
}

/* The bands' heights and the gap between their centres, measured in the middle column, keep
 * the data's proportions (band 2 twice as high as band 1; centres 20 apart, five band-1
 * heights, up to a row of antialiased edge each), and the data_to_pixel point of a mean lies at the middle of its band. */
static void
test_bands (void)
{
  g_autoptr(EvoxCurveFigure) figure = two_curves ();
  const int width = 500, height = 400;
  g_autofree guint8 *rgba = evox_curve_figure_render_rgba (figure, width, height, FALSE);
  int top1, bottom1, top2, bottom2, column;
  double px, py, h1, h2;

  /* Halfway between x = 1 and 2, away from the dots on the points. */
  g_assert_true (evox_curve_figure_data_to_pixel (figure, width, height, 1.5, 10, &px, &py));
  column = (int) round (px);
  g_assert_true (band_extent (rgba, width, height, column, BLUE, &top1, &bottom1));
  g_assert_true (band_extent (rgba, width, height, column, ORANGE, &top2, &bottom2));
  h1 = bottom1 - top1 + 1;
  h2 = bottom2 - top2 + 1;
  g_test_message ("band 1 rows %d-%d, band 2 rows %d-%d, mean 1 at y %.1f", top1, bottom1, top2,
                  bottom2, py);
  g_assert_cmpfloat (h1, >, 20);
  g_assert_cmpfloat (fabs (h2 / h1 - 2), <, 0.1);
  g_assert_cmpfloat (fabs (((top1 + bottom1) - (top2 + bottom2)) / 2.0 / h1 - 5), <, 0.3);
  g_assert_cmpfloat (fabs ((top1 + bottom1) / 2.0 - py), <, 1.5);
  /* Above band 2 and below band 1 is the white of the plot. */
  g_assert_cmpuint (rgba[((gsize) (top2 - 3) * width + column) * 4], ==, 255);
  g_assert_cmpuint (rgba[((gsize) (bottom1 + 3) * width + column) * 4 + 1], ==, 255);
}

/* The panel beside an image: the image is copied unchanged at the left, the panel's width is
 * evox_curve_figure_panel_size ()'s, and the panel holds both bands; transparent leaves the
 * panel's background at alpha 0. */
static void
test_attach (void)
{
  g_autoptr(EvoxCurveFigure) figure = two_curves ();
  const int width = 64, height = 300;
  g_autofree guint8 *image = g_malloc ((gsize) width * height * 4);
  int panel_width, panel_height;

  for (gsize i = 0; i < (gsize) width * height * 4; i++)
    image[i] = (guint8) (i * 7);
  evox_curve_figure_panel_size (height, &panel_width, &panel_height);
  g_assert_cmpint (panel_height, ==, height);
  g_assert_cmpint (panel_width, >=, 320);

  for (int transparent = 0; transparent < 2; transparent++)
    {
      int out_width = 0, top, bottom;
      g_autofree guint8 *joined = evox_curve_figure_attach (figure, image, width, height,
                                                            transparent, &out_width);
      double px, py;

      g_assert_cmpint (out_width, ==, width + panel_width);
      for (int y = 0; y < height; y++)
        g_assert_cmpmem (joined + (gsize) y * out_width * 4, width * 4,
                         image + (gsize) y * width * 4, width * 4);
      g_assert_true (evox_curve_figure_data_to_pixel (figure, panel_width, height, 1.5, 30,
                                                      &px, &py));
      if (!transparent)
        {
          g_assert_true (band_extent (joined, out_width, height, width + (int) round (px), ORANGE,
                                      &top, &bottom));
          g_assert_cmpfloat (fabs ((top + bottom) / 2.0 - py), <, 1.5);
          /* The panel's top right corner is white. */
          g_assert_cmpuint (joined[((gsize) 0 * out_width + out_width - 1) * 4 + 3], ==, 255);
        }
      else
        {
          const guint8 *px8 = joined + ((gsize) (int) round (py) * out_width + width +
                                        (int) round (px)) * 4;

          g_assert_cmpuint (joined[((gsize) out_width - 1) * 4 + 3], ==, 0);
          /* The mean's line over its band: more opaque than the band, in the cluster's colour
           * (straight alpha, so the colour comes back whole). */
          g_assert_cmpuint (px8[3], >, 0.22 * 255 + 10);
          for (int c = 0; c < 3; c++)
            g_assert_cmpint (abs (px8[c] - ORANGE[c]), <=, 3);
        }
    }
}

/* The SVG parses as XML (GMarkup, the subset GLib reads) with an <svg> root, and its text holds
 * the legend's names and the axis titles, unescaped; PNG and PDF are written at the asked size;
 * an existing file is kept without OVERWRITE, another extension and a size cairo cannot draw are
 * refused, and a folder that does not exist gives an error naming the file and leaves nothing. */
static void
test_write (void)
{
  g_autoptr(EvoxCurveFigure) figure = two_curves ();
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *svg = g_build_filename (dir, "curves.svg", NULL);
  g_autofree char *png = g_build_filename (dir, "curves.png", NULL);
  g_autofree char *pdf = g_build_filename (dir, "curves.PDF", NULL);
  g_autofree char *jpg = g_build_filename (dir, "curves.jpg", NULL);
  g_autofree char *missing = g_build_filename (dir, "no-such-folder", "curves.svg", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  g_assert_true (evox_curve_figure_write (figure, svg, 640, 400, EVOX_IMAGE_WRITE_NONE, &error));
  g_assert_no_error (error);
  {
    /* GMarkup does not read a DOCTYPE; cairo writes none, and the XML declaration is allowed. */
    g_autoptr(EvoxTestSvg) scan = evox_test_svg_read (svg);

    g_assert_cmpstr (scan->root, ==, "svg");
    g_test_message ("SVG text: %s", scan->chunks->str);
    g_assert_nonnull (strstr (scan->chunks->str, "Graphite & binder"));
    g_assert_nonnull (strstr (scan->chunks->str, "Pores <0.1 µm"));
    g_assert_nonnull (strstr (scan->chunks->str, "Energy (eV)"));
    g_assert_nonnull (strstr (scan->contents, "width=\"640"));
  }

  g_assert_false (evox_curve_figure_write (figure, svg, 64, 40, EVOX_IMAGE_WRITE_NONE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (evox_curve_figure_write (figure, svg, 64, 40, EVOX_IMAGE_WRITE_OVERWRITE,
                                          &error));
  g_assert_no_error (error);

  g_assert_true (evox_curve_figure_write (figure, png, 321, 203, EVOX_IMAGE_WRITE_NONE, &error));
  g_assert_no_error (error);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (png, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 24);
  g_assert_cmpmem (contents + 1, 3, "PNG", 3);
  g_assert_cmpuint (GUINT32_FROM_BE (*(guint32 *) (contents + 16)), ==, 321);
  g_assert_cmpuint (GUINT32_FROM_BE (*(guint32 *) (contents + 20)), ==, 203);

  g_assert_true (evox_curve_figure_write (figure, pdf, 300, 200, EVOX_IMAGE_WRITE_NONE, &error));
  g_assert_no_error (error);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (pdf, &contents, &length, NULL));
  g_assert_true (g_str_has_prefix (contents, "%PDF-"));

  g_assert_false (evox_curve_figure_write (figure, jpg, 300, 200, EVOX_IMAGE_WRITE_NONE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "curves.jpg"));
  g_clear_error (&error);
  g_assert_false (g_file_test (jpg, G_FILE_TEST_EXISTS));

  /* Wider than cairo draws: an error, no crash, no file. */
  g_assert_null (evox_curve_figure_render_rgba (figure, 40000, 10, FALSE));
  g_assert_false (evox_curve_figure_write (figure, png, 40000, 10, EVOX_IMAGE_WRITE_OVERWRITE,
                                           &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE);
  g_clear_error (&error);

  g_assert_false (evox_curve_figure_write (figure, missing, 300, 200, EVOX_IMAGE_WRITE_NONE,
                                           &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "curves.svg"));
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* From clusters: one curve per shown cluster, in the clusters' colours; none without features
 * or with every cluster hidden. */
static void
test_from_clusters (void)
{
  const gsize dims[3] = { 4, 2, 1 };
  const double means[3 * 2] = { 1, 2, 3, 4, 5, 6 }, stds[3 * 2] = { 0.1, 0.1, 0.2, 0.2, 0, 0 };
  const char *names[2] = { "a", "b" };
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxClusters) clusters = NULL;
  g_autoptr(EvoxClusters) plain = NULL;
  g_autoptr(EvoxCurveFigure) figure = NULL;
  g_autofree char *title = NULL;
  guint16 *labels = _evox_alloc_large (8 * sizeof (guint16));
  const guint shown[1] = { 3 };
  double px, py, qx, qy;

  for (guint i = 0; i < 8; i++)
    labels[i] = i % 3 + 1;
  clusters = evox_clusters_new_take (dims, labels, 3, 2, names, NULL, NULL, means, stds, &error);
  g_assert_no_error (error);
  figure = evox_curve_figure_new_from_clusters (clusters);
  g_assert_nonnull (figure);
  g_assert_cmpuint (evox_curve_figure_get_n_curves (figure), ==, 3);
  /* x runs 1..d without an axis: feature 1 at the left end, feature 2 at the right. */
  g_assert_true (evox_curve_figure_data_to_pixel (figure, 400, 300, 1, 1, &px, &py));
  g_assert_true (evox_curve_figure_data_to_pixel (figure, 400, 300, 2, 1, &qx, &qy));
  g_assert_cmpfloat (qx, >, px + 100);
  g_clear_object (&figure);
  /* Without an axis of their own the features are numbered and named under the axis. */
  title = evox_curve_figure_axis_title (clusters, "Merkmal");
  g_assert_cmpstr (title, ==, "Merkmal: 1 a, 2 b");

  evox_clusters_set_visible (clusters, 2, FALSE);
  figure = evox_curve_figure_new_from_clusters (clusters);
  g_assert_cmpuint (evox_curve_figure_get_n_curves (figure), ==, 2);
  g_clear_object (&figure);
  evox_clusters_show_only (clusters, shown, 0);
  g_assert_null (evox_curve_figure_new_from_clusters (clusters));

  labels = _evox_alloc_large (8 * sizeof (guint16));
  for (guint i = 0; i < 8; i++)
    labels[i] = i % 2 + 1;
  plain = evox_clusters_new_take (dims, labels, 2, 0, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (evox_curve_figure_new_from_clusters (plain));
}

/* The axis rules the figure shares with the page's plot, against values worked by hand. */
static void
test_axis_rules (void)
{
  struct { double lo, hi, fraction; gboolean keep_zero; double want_lo, want_hi; } pads[] = {
    { 2, 7, 0.1, FALSE, 2, 7 },          /* a range with width stays */
    { 10, 10, 0.1, FALSE, 9, 11 },       /* 10 % of |lo| each side */
    { -4, -4, 0.05, FALSE, -4.2, -3.8 },
    { 0, 0, 0.1, FALSE, -0.5, 0.5 },     /* 0.5 each side of zero */
    { 0, 0, 0.1, TRUE, 0, 0.5 },         /* counts keep their zero */
    { 3, 3, 0.1, TRUE, 2.7, 3.3 },       /* only a zero end is kept */
  };
  struct { double lo, hi, step, want_lo, want_hi; } snaps[] = {
    { 0.13, 0.87, 0.2, 0, 1 },
    { -3.5, 7, 5, -5, 10 },
    { 0.6, 1.2, 0.2, 0.6, 1.2 },         /* ends on ticks stay (0.6 / 0.2 is 2.9999999999999996) */
  };
  struct { double value, step; int max_decimals; const char *want; } ticks[] = {
    { 0.25, 0.05, 4, "0.25" },           /* 0.05 needs two decimals */
    { 1.5, 0.5, 4, "1.5" },
    { 40, 20, 4, "40" },
    { 1e-17, 0.1, 4, "0.0" },            /* a rounding residue of zero */
    { 2500000, 500000, 4, "2.5e+06" },   /* |value| >= 1e6 */
    { 3e-5, 1e-5, 4, "3e-05" },          /* five decimals > 4 */
    { 3e-5, 1e-5, 6, "0.00003" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (pads); i++)
    {
      double lo = pads[i].lo, hi = pads[i].hi;

      evox_axis_pad_flat (&lo, &hi, pads[i].fraction, pads[i].keep_zero);
      g_assert_cmpfloat_with_epsilon (lo, pads[i].want_lo, 1e-12);
      g_assert_cmpfloat_with_epsilon (hi, pads[i].want_hi, 1e-12);
    }
  for (guint i = 0; i < G_N_ELEMENTS (snaps); i++)
    {
      double lo = snaps[i].lo, hi = snaps[i].hi;

      evox_axis_snap_to_step (&lo, &hi, snaps[i].step);
      g_assert_cmpfloat_with_epsilon (lo, snaps[i].want_lo, 1e-12);
      g_assert_cmpfloat_with_epsilon (hi, snaps[i].want_hi, 1e-12);
    }
  for (guint i = 0; i < G_N_ELEMENTS (ticks); i++)
    {
      g_autofree char *label = evox_axis_format_tick (ticks[i].value, ticks[i].step,
                                                      ticks[i].max_decimals);

      g_assert_cmpstr (label, ==, ticks[i].want);
    }
  /* Decades as the histogram and the colour bar label them. */
  {
    const struct { int exponent; const char *want; } decades[] = {
      { 0, "10⁰" }, { 3, "10³" }, { -6, "10⁻⁶" }, { 12, "10¹²" }, { -10, "10⁻¹⁰" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (decades); i++)
      {
        g_autofree char *label = evox_axis_format_decade (decades[i].exponent);

        g_assert_cmpstr (label, ==, decades[i].want);
      }
  }
}

static void
double_pixel (gconstpointer  frame,
              double         x,
              double         y,
              double        *px,
              double        *py)
{
  *px = 2 * x;
  *py = 100 - y;
}

/* A missing point lifts the pen: points 0-1 and 3-4 are two pieces, lone point 6 a move only. */
static void
test_axis_trace (void)
{
  const double x[] = { 1, 2, 3, 4, 5, INFINITY, 7 };
  const double y[] = { 10, 20, NAN, 40, 50, 60, 70 };
  const cairo_path_data_type_t want_type[] = {
    CAIRO_PATH_MOVE_TO, CAIRO_PATH_LINE_TO, CAIRO_PATH_MOVE_TO, CAIRO_PATH_LINE_TO,
    CAIRO_PATH_MOVE_TO,
  };
  const double want_x[] = { 2, 4, 8, 10, 14 }, want_y[] = { 90, 80, 60, 50, 30 };
  cairo_surface_t *surface = cairo_recording_surface_create (CAIRO_CONTENT_COLOR_ALPHA, NULL);
  cairo_t *cr = cairo_create (surface);
  cairo_path_t *path;
  guint n = 0;

  evox_axis_trace_line (cr, x, y, G_N_ELEMENTS (x), double_pixel, NULL);
  path = cairo_copy_path (cr);
  g_assert_cmpint (path->status, ==, CAIRO_STATUS_SUCCESS);
  for (int i = 0; i < path->num_data; i += path->data[i].header.length, n++)
    {
      g_assert_cmpuint (n, <, G_N_ELEMENTS (want_type));
      g_assert_cmpint (path->data[i].header.type, ==, want_type[n]);
      g_assert_cmpfloat (path->data[i + 1].point.x, ==, want_x[n]);
      g_assert_cmpfloat (path->data[i + 1].point.y, ==, want_y[n]);
    }
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (want_type));
  cairo_path_destroy (path);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Evox/CurveFigure/axis-rules", test_axis_rules);
  g_test_add_func ("/Evox/CurveFigure/axis-trace", test_axis_trace);
  g_test_add_func ("/Evox/CurveFigure/bands", test_bands);
  g_test_add_func ("/Evox/CurveFigure/attach", test_attach);
  g_test_add_func ("/Evox/CurveFigure/write", test_write);
  g_test_add_func ("/Evox/CurveFigure/from-clusters", test_from_clusters);
  status = g_test_run ();

  /* Fontconfig keeps its font list for the life of the process; hand it back so the sanitizer
   * build's leak check sees only what Evox leaks. */
  pango_cairo_font_map_set_default (NULL);
  cairo_debug_reset_static_data ();
  FcFini ();
  return status;
}
