/* test-figure.c: the overlays' painter and writer (scale bar, colour bar, legend, axes, labels,
 * PNG/SVG/PDF) and the view geometry they are measured in. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <fontconfig/fontconfig.h>
#include <glib/gstdio.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <string.h>

#include "evox-document.h"
#include "evox-figure.h"
#include "evox-figure-private.h"
#include "evox-renderer.h"
#include "evox-test-png.h"
#include "evox-test-svg.h"
#include "evox-test-util.h"
#include "evox-types.h"

/* A 64 x 48 x 8 float volume, 25 x 25 x 100 nm voxels, values 1..1000 growing along x. */
static EvoxVolume *
volume_new (gboolean known_spacing)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (64, 48, 8, 1, EVOX_SAMPLE_F32, &error);
  float *data;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 0; z < 8; z++)
    for (gsize y = 0; y < 48; y++)
      for (gsize x = 0; x < 64; x++)
        data[(z * 48 + y) * 64 + x] = (float) (1 + 999.0 * x / 63);
  evox_volume_set_values (volume, EVOX_SCALE_LINEAR, "Resistance", "Ohm");
  if (known_spacing)
    evox_volume_set_spacing (volume, (const double[3]) { 25, 25, 100 });
  evox_volume_freeze (volume);
  return volume;
}

static EvoxDocument *
document_new (void)
{
  g_autoptr(EvoxVolume) volume = volume_new (TRUE);
  EvoxDocument *document = evox_document_new ();

  evox_document_set_volume (document, volume, "test", NULL);
  evox_document_set_colormap (document, "viridis");
  evox_document_set_mapping (document, EVOX_MAPPING_LINEAR);
  evox_document_set_range (document, 1, 1000);
  return document;
}

/* A 2D view's geometry measured for a width x height picture: 5 nm per pixel at 320 wide. */
static EvoxOverlayGeometry
flat_geometry (double nm_per_pixel,
               int    width,
               int    height)
{
  EvoxOverlayGeometry geometry = { 0 };

  geometry.nm_per_pixel = nm_per_pixel;
  geometry.area[2] = geometry.axes_area[2] = geometry.size[0] = width;
  geometry.area[3] = geometry.axes_area[3] = geometry.size[1] = height;
  geometry.axes[0][0] = 1;
  geometry.axes[1][1] = 1;
  geometry.axes[2][2] = -1;
  return geometry;
}

static guint8 *
black_picture (int width,
               int height)
{
  guint8 *rgba = g_malloc0 ((gsize) width * height * 4);

  for (gsize i = 0; i < (gsize) width * height; i++)
    rgba[i * 4 + 3] = 255;
  return rgba;
}

static gboolean
is_white (const guint8 *p)
{
  return p[0] >= 250 && p[1] >= 250 && p[2] >= 250;
}

/* The scale bar found in the pixels: the longest run of white in any row is its length; the rows
 * with a run that long are its thickness; the white above it, with a gap, is its label. */
typedef struct
{
  int length;
  int x;
  int top;
  int thickness;
  int text_top;
  int text_bottom;
} FoundBar;

static FoundBar
find_bar (const guint8 *rgba,
          int           width,
          int           height)
{
  FoundBar found = { 0, 0, -1, 0, -1, -1 };

  for (int y = 0; y < height; y++)
    {
      int run = 0;

      for (int x = 0; x <= width; x++)
        {
          if (x < width && is_white (rgba + ((gsize) y * width + x) * 4))
            {
              run++;
              continue;
            }
          if (run > found.length)
            {
              found.length = run;
              found.x = x - run;
              found.top = y;
            }
          run = 0;
        }
    }
  for (int y = found.top; y < height; y++)
    {
      int run = 0;

      for (int x = found.x; x < width && is_white (rgba + ((gsize) y * width + x) * 4); x++)
        run++;
      if (run < found.length - 2)
        break;
      found.thickness++;
    }
  /* The label: white rows above the bar within the bar's columns, after a gap. */
  for (int y = found.top - 1; y >= 0; y--)
    {
      gboolean any = FALSE;

      for (int x = found.x; x < found.x + found.length && !any; x++)
        any = is_white (rgba + ((gsize) y * width + x) * 4);
      if (any && found.text_bottom < 0)
        found.text_bottom = y;
      if (any)
        found.text_top = y;
      else if (found.text_bottom >= 0 && found.text_top < y - 2)
        break;
    }
  return found;
}

/* The scale bar's length in an exported PNG is L / nm_per_pixel of the export, at 1x and at 4x
 * (4x long, 4x thick, text 4x taller, the same place relative to the image). The geometry says
 * 5 nm per pixel at 320 pixels wide, so the automatic length is the 1-2-5 value nearest a fifth
 * of 1600 nm on a log scale: 500 nm (log10 320 = 2.505 is 0.194 from log10 500 and 0.204 from
 * log10 200), 100 pixels at 1x and 400 at 4x. */
static void
test_scale_bar (void)
{
  g_autoptr(EvoxDocument) document = document_new ();
  EvoxOverlays *overlays = evox_document_get_overlays (document);
  EvoxOverlayGeometry geometry = flat_geometry (5.0, 320, 240);
  g_autoptr(EvoxFigure) figure = NULL;
  g_autofree char *dir = evox_test_tmpdir_new ();
  FoundBar bars[2];
  double lengths[2] = { 0, 0 };

  evox_overlays_set_visible (overlays, EVOX_OVERLAY_SCALE_BAR, TRUE);
  figure = evox_figure_new_from_document (document, &geometry);
  for (guint i = 0; i < 2; i++)
    {
      int factor = i == 0 ? 1 : 4, width = 320 * factor, height = 240 * factor;
      g_autofree char *path = g_strdup_printf ("%s/bar-%d.png", dir, factor);
      g_autofree guint8 *picture = black_picture (width, height);
      g_autofree char *label = NULL;
      g_autoptr(GError) error = NULL;
      EvoxTestImage image;

      g_assert_true (_evox_figure_get_scale_bar (figure, width, height, factor, &lengths[i],
                                                 &label, NULL));
      g_assert_cmpfloat (lengths[i], ==, 500);
      g_assert_cmpstr (label, ==, "500 nm");
      g_assert_true (evox_figure_write (figure, path, picture, width, height, factor,
                                        EVOX_IMAGE_WRITE_NONE, &error));
      g_assert_no_error (error);
      image = evox_test_read_png (path);
      g_assert_cmpint (image.width, ==, width);
      bars[i] = find_bar (image.rgba, width, height);
      g_free (image.rgba);
      g_test_message ("%dx: bar %d px at %d,%d, %d thick, label rows %d..%d", factor,
                      bars[i].length, bars[i].x, bars[i].top, bars[i].thickness,
                      bars[i].text_top, bars[i].text_bottom);
      /* 500 nm over 5 / factor nm per pixel. */
      g_assert_cmpint (abs (bars[i].length - 100 * factor), <=, 1);
    }
  g_assert_cmpint (bars[0].thickness, >=, 3);
  g_assert_cmpint (abs (bars[1].thickness - 4 * bars[0].thickness), <=, 1);
  g_assert_cmpint (bars[0].text_top, >=, 0);
  {
    int tall1 = bars[0].text_bottom - bars[0].text_top + 1;
    int tall4 = bars[1].text_bottom - bars[1].text_top + 1;

    g_assert_cmpint (abs (tall4 - 4 * tall1), <=, 4);
  }
  /* The same place relative to the image: the bar ends 12 px margin + 6 px padding (times the
   * factor) from the bottom-right corner, where position (1, 1) puts it. */
  g_assert_cmpint (abs (bars[1].x - 4 * bars[0].x), <=, 4);
  g_assert_cmpint (abs (bars[1].top - 4 * bars[0].top), <=, 4);
  g_assert_cmpint (abs ((320 - bars[0].x - bars[0].length) - 18), <=, 1);

  /* A length asked for, and perspective: the label says where it holds. */
  evox_overlays_set_scale_bar_length (overlays, 2000);
  geometry.perspective = TRUE;
  evox_figure_set_geometry (figure, &geometry);
  {
    g_autofree char *label = NULL;
    double bar[4];

    g_assert_true (_evox_figure_get_scale_bar (figure, 320, 240, 1, NULL, &label, bar));
    g_assert_cmpstr (label, ==, "2 µm at focus");
    g_assert_cmpfloat_with_epsilon (bar[2], 400, 1e-9);
  }
  /* The unit keeps the number under 1000, switching at 1000 nm and 1000 µm (a ruler's length
   * writes the same); 0.5 nm stays in nm. */
  {
    const struct { double nm; const char *label; } units[] = {
      { 0.5, "0.5 nm" }, { 500, "500 nm" }, { 1000, "1 µm" }, { 2500, "2.5 µm" },
      { 500e3, "500 µm" }, { 1e6, "1 mm" }, { 2e7, "20 mm" },
    };

    geometry.perspective = FALSE;
    for (guint i = 0; i < G_N_ELEMENTS (units); i++)
      {
        g_autofree char *label = NULL;

        evox_overlays_set_scale_bar_length (overlays, units[i].nm);
        evox_figure_set_geometry (figure, &geometry);
        g_assert_true (_evox_figure_get_scale_bar (figure, 320, 240, 1, NULL, &label, NULL));
        g_assert_cmpstr (label, ==, units[i].label);
      }
  }
  /* No nm per pixel: no scale bar. */
  geometry.nm_per_pixel = 0;
  evox_figure_set_geometry (figure, &geometry);
  g_assert_false (_evox_figure_get_scale_bar (figure, 320, 240, 1, NULL, NULL, NULL));
  g_assert_false (evox_figure_get_item_rect (figure, EVOX_OVERLAY_SCALE_BAR, 320, 240, 1,
                                             (double[4]) { 0 }));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static int
max_channel_difference (const guint8 *a,
                        const guint8 *b)
{
  return MAX (MAX (abs (a[0] - b[0]), abs (a[1] - b[1])), abs (a[2] - b[2]));
}

/* Down the middle of the colour bar every pixel is the colour map's colour at its height (the
 * nearest table entry at the pixel's centre, or at half a pixel either side where two entries
 * share the pixel), within 2/255; and at each tick the colour of the tick's value as
 * evox_display_coordinate maps it. Linear: ticks at a 1-2-5 step; log: at the decades 10⁰..10³
 * of the range 1..1000. */
static void
check_colorbar (EvoxDocument *document,
                gboolean      log)
{
  g_autoptr(EvoxFigure) figure = NULL;
  EvoxOverlayGeometry geometry = flat_geometry (5.0, 480, 360);
  g_autofree guint8 *picture = black_picture (480, 360);
  g_autoptr(GArray) ticks = NULL;
  double bar[4];
  int cx;

  evox_document_set_mapping (document, log ? EVOX_MAPPING_LOG : EVOX_MAPPING_LINEAR);
  evox_document_set_range (document, 1, 1000);
  figure = evox_figure_new_from_document (document, &geometry);
  g_assert_cmpstr (_evox_figure_get_colorbar_title (figure), ==, "Resistance (Ohm)");
  g_assert_true (_evox_figure_draw_onto (figure, picture, 480, 360, 1.0));
  g_assert_true (_evox_figure_get_colorbar (figure, 480, 360, 1.0, bar, &ticks));
  g_assert_cmpfloat (bar[3], >, 90);
  cx = (int) (bar[0] + bar[2] / 2);
  for (int y = (int) ceil (bar[1]) + 1; y < (int) floor (bar[1] + bar[3]) - 1; y++)
    {
      const guint8 *p = picture + ((gsize) y * 480 + cx) * 4;
      double t = (bar[1] + bar[3] - (y + 0.5)) / bar[3];
      int best = 255;

      for (int k = -1; k <= 1; k++)
        {
          guint8 rgb[3];

          evox_colormap_sample ("viridis", t + k * 0.5 / bar[3], rgb);
          best = MIN (best, max_channel_difference (p, rgb));
        }
      g_assert_cmpint (best, <=, 2);
    }

  g_assert_cmpuint (ticks->len, >=, 3);
  for (guint i = 0; i < ticks->len; i++)
    {
      EvoxFigureTick *tick = &g_array_index (ticks, EvoxFigureTick, i);
      double value = log ? pow (10.0, tick->value) : tick->value;
      double t = evox_display_coordinate (evox_document_get_transfer (document), 1, 1000, value);
      int y = (int) floor (bar[1] + (1 - t) * bar[3]);
      const guint8 *p;
      guint8 rgb[3];
      int best = 255;

      g_assert_cmpfloat (value, >=, 1 - 1e-9);
      g_assert_cmpfloat (value, <=, 1000 + 1e-9);
      g_assert_cmpfloat (fabs (tick->y - (bar[1] + (1 - t) * bar[3])), <, 1e-6);
      y = CLAMP (y, (int) ceil (bar[1]), (int) floor (bar[1] + bar[3]) - 1);
      p = picture + ((gsize) y * 480 + cx) * 4;
      for (int k = -1; k <= 1; k++)
        {
          evox_colormap_sample ("viridis", t + k * 1.0 / bar[3], rgb);
          best = MIN (best, max_channel_difference (p, rgb));
        }
      g_assert_cmpint (best, <=, 2);
      if (log)
        {
          static const char * const decades[] = { "10⁰", "10¹", "10²", "10³" };

          g_assert_cmpuint (ticks->len, ==, 4);
          g_assert_cmpfloat (tick->value, ==, i);
          g_assert_cmpstr (tick->label, ==, decades[i]);
        }
      else if (i > 0)
        {
          double step = tick->value - g_array_index (ticks, EvoxFigureTick, i - 1).value;
          double mantissa = step / pow (10.0, floor (log10 (step)));

          g_assert_true (fabs (mantissa - 1) < 1e-9 || fabs (mantissa - 2) < 1e-9 ||
                         fabs (mantissa - 5) < 1e-9);
          g_assert_cmpfloat (fmod (tick->value, step), <, 1e-9);
        }
    }
  if (log)
    {
      /* Unlabelled minor ticks at 2..9 times each decade beside the bar, as on the histogram:
       * one at 20 (its row, a pixel right of the bar, is the ticks' white). */
      double t = evox_display_coordinate (evox_document_get_transfer (document), 1, 1000, 20);
      int y = (int) floor (bar[1] + (1 - t) * bar[3]);
      const guint8 *p = picture + ((gsize) y * 480 + (int) (bar[0] + bar[2]) + 2) * 4;

      g_assert_cmpuint (p[0], >=, 128);
      g_assert_cmpuint (p[1], >=, 128);
      g_assert_cmpuint (p[2], >=, 128);
    }
  else
    {
      /* Range 1..1000: steps of 200 or so, as many as fit 1.6 text heights apart. */
      g_assert_cmpstr (g_array_index (ticks, EvoxFigureTick, ticks->len - 1).label, ==, "1000");
    }
}

static void
test_colorbar (void)
{
  g_autoptr(EvoxDocument) document = document_new ();

  evox_overlays_set_visible (evox_document_get_overlays (document), EVOX_OVERLAY_COLORBAR, TRUE);
  check_colorbar (document, FALSE);
  check_colorbar (document, TRUE);
}

/* A constant volume's range, lo == hi: the slices draw that value in the colour map's top colour
 * (evox_display_coordinate gives 1), so the bar's one tick is at its top, where that colour is,
 * and reads as the value is written ("7", not "7.00"; "100"), linear and log. */
static void
test_colorbar_constant (void)
{
  for (int log = 0; log <= 1; log++)
    {
      g_autoptr(EvoxDocument) document = document_new ();
      EvoxOverlayGeometry geometry = flat_geometry (5.0, 480, 360);
      g_autoptr(EvoxFigure) figure = NULL;
      g_autoptr(GArray) ticks = NULL;
      g_autofree guint8 *picture = black_picture (480, 360);
      double value = log ? 100 : 7, bar[4];
      EvoxFigureTick *tick;
      guint8 rgb[3];

      evox_overlays_set_visible (evox_document_get_overlays (document), EVOX_OVERLAY_COLORBAR,
                                 TRUE);
      evox_document_set_mapping (document, log ? EVOX_MAPPING_LOG : EVOX_MAPPING_LINEAR);
      evox_document_set_range (document, value, value);
      g_assert_cmpfloat (evox_display_coordinate (evox_document_get_transfer (document), value,
                                                  value, value), ==, 1);
      figure = evox_figure_new_from_document (document, &geometry);
      g_assert_true (_evox_figure_draw_onto (figure, picture, 480, 360, 1.0));
      g_assert_true (_evox_figure_get_colorbar (figure, 480, 360, 1.0, bar, &ticks));
      g_assert_cmpuint (ticks->len, ==, 1);
      tick = &g_array_index (ticks, EvoxFigureTick, 0);
      g_assert_cmpstr (tick->label, ==, log ? "100" : "7");
      g_assert_cmpfloat (fabs (tick->y - bar[1]), <, 1e-6);
      /* The bar's colour at the tick is the map's top (within the row's half pixel). */
      {
        int y = (int) ceil (tick->y);
        double t = (bar[1] + bar[3] - (y + 0.5)) / bar[3];
        int best = 255;

        g_assert_cmpfloat (t, >, 0.98);
        for (int k = -1; k <= 1; k++)
          {
            evox_colormap_sample ("viridis", t + k * 0.5 / bar[3], rgb);
            best = MIN (best, max_channel_difference (picture + ((gsize) y * 480 +
                                                                 (int) (bar[0] + bar[2] / 2)) * 4,
                                                      rgb));
          }
        g_assert_cmpint (best, <=, 2);
      }
    }
}

/* A log colour bar over less than two decades labels round values of the quantity at their
 * log positions: 2 and 3 over 2..3 (the histogram's 1..9 values), 2, 2.05, ... 2.2 over 2..2.2
 * (1-2-5 steps of the quantity: no 1..9 value falls inside). Each label's number is the tick's
 * place (log10), and consecutive labels differ by one 1-2-5 step. */
static void
test_colorbar_narrow_log (void)
{
  const struct { double lo, hi; guint min_ticks; } ranges[] = {
    { 2, 3, 2 }, { 2, 2.2, 3 }, { 0.5, 0.6, 2 }, { 1.5, 40, 3 }, { 101, 102, 3 },
  };

  for (guint r = 0; r < G_N_ELEMENTS (ranges); r++)
    {
      g_autoptr(EvoxDocument) document = document_new ();
      EvoxOverlayGeometry geometry = flat_geometry (5.0, 480, 360);
      g_autoptr(EvoxFigure) figure = NULL;
      g_autoptr(GArray) ticks = NULL;
      double bar[4], step = 0;

      evox_overlays_set_visible (evox_document_get_overlays (document), EVOX_OVERLAY_COLORBAR,
                                 TRUE);
      evox_document_set_mapping (document, EVOX_MAPPING_LOG);
      evox_document_set_range (document, ranges[r].lo, ranges[r].hi);
      figure = evox_figure_new_from_document (document, &geometry);
      g_assert_true (_evox_figure_get_colorbar (figure, 480, 360, 1.0, bar, &ticks));
      g_test_message ("%g..%g: %u ticks", ranges[r].lo, ranges[r].hi, ticks->len);
      g_assert_cmpuint (ticks->len, >=, ranges[r].min_ticks);
      for (guint i = 0; i < ticks->len; i++)
        {
          EvoxFigureTick *tick = &g_array_index (ticks, EvoxFigureTick, i);
          char *end;
          double value = g_ascii_strtod (tick->label, &end);

          g_test_message ("  %s at %g", tick->label, tick->value);
          g_assert_cmpint (*end, ==, '\0');
          g_assert_cmpfloat (fabs (log10 (value) - tick->value), <, 1e-9);
          g_assert_cmpfloat (value, >=, ranges[r].lo * (1 - 1e-9));
          g_assert_cmpfloat (value, <=, ranges[r].hi * (1 + 1e-9));
          if (i > 0 && ticks->len > 2 && r != 3)
            {
              double d = value - g_ascii_strtod (g_array_index (ticks, EvoxFigureTick,
                                                                i - 1).label, NULL);
              double mantissa = d / pow (10.0, floor (log10 (d) + 1e-9));

              if (step == 0)
                step = d;
              g_assert_cmpfloat (fabs (d - step), <, step * 1e-6);
              g_assert_true (fabs (mantissa - 1) < 1e-6 || fabs (mantissa - 2) < 1e-6 ||
                             fabs (mantissa - 5) < 1e-6);
            }
        }
    }
}

/* Everything shown: two phases in the legend, the triad, a label with characters XML escapes. */
static EvoxFigure *
full_figure (EvoxDocument *document)
{
  EvoxOverlays *overlays = evox_document_get_overlays (document);
  EvoxPhaseList *phases = evox_document_get_phases (document);
  EvoxOverlayGeometry geometry = flat_geometry (5.0, 320, 240);
  g_autoptr(EvoxPhase) low = evox_phase_new ("Graphite", 1, 300, "#ff0000");
  g_autoptr(EvoxPhase) high = evox_phase_new ("Silicon", 600, 1000, "#0000ff");

  evox_phase_list_append (phases, low);
  evox_phase_list_append (phases, high);
  evox_document_set_show_phases (document, TRUE);
  for (guint item = 0; item < EVOX_N_OVERLAY_ITEMS; item++)
    evox_overlays_set_visible (overlays, item, TRUE);
  evox_overlays_add_label (overlays, "Anode <A> & B", 0.5, 0.0);
  return evox_figure_new_from_document (document, &geometry);
}

/* The SVG is XML with the picture as one <image>, the page 320 x 240 px, and every overlay text
 * as a <text> element; the PDF starts with %PDF and pdftoppm renders it 320 x 240 at 96 dpi. */
static void
test_vector (void)
{
  g_autoptr(EvoxDocument) document = document_new ();
  g_autoptr(EvoxFigure) figure = full_figure (document);
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *svg = g_build_filename (dir, "figure.svg", NULL);
  g_autofree char *pdf = g_build_filename (dir, "figure.pdf", NULL);
  g_autofree guint8 *picture = black_picture (320, 240);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree const char **legend = _evox_figure_get_legend_texts (figure);
  g_autoptr(EvoxTestSvg) scan = NULL;
  gsize length;

  g_assert_true (evox_figure_write (figure, svg, picture, 320, 240, 1.0, EVOX_IMAGE_WRITE_NONE,
                                    &error));
  g_assert_no_error (error);
  scan = evox_test_svg_read (svg);

  for (guint i = 0; i < scan->texts->len; i++)
    g_test_message ("text: %s", (const char *) g_ptr_array_index (scan->texts, i));
  g_assert_cmpuint (scan->images, ==, 1);
  g_assert_true (g_str_equal (scan->width, "320px") || g_str_equal (scan->width, "320"));
  g_assert_true (g_str_equal (scan->height, "240px") || g_str_equal (scan->height, "240"));
  g_assert_true (evox_test_svg_has_text (scan, "500 nm"));
  g_assert_true (evox_test_svg_has_text (scan, "Resistance (Ohm)"));
  g_assert_true (evox_test_svg_has_text (scan, "1000"));
  g_assert_true (evox_test_svg_has_text (scan, "Anode <A> & B"));
  g_assert_true (evox_test_svg_has_text (scan, "x") && evox_test_svg_has_text (scan, "y") &&
                 evox_test_svg_has_text (scan, "z"));
  g_assert_nonnull (legend[0]);
  g_assert_nonnull (legend[1]);
  g_assert_null (legend[2]);
  /* Names and fractions are separate <text> elements; the fractions end at one x. */
  g_assert_cmpstr (legend[0], ==, "Graphite");
  g_assert_cmpstr (legend[1], ==, "Silicon");
  g_assert_true (evox_test_svg_has_text (scan, legend[0]) &&
                 evox_test_svg_has_text (scan, legend[1]));
  {
    g_autofree const char **values = _evox_figure_get_legend_values (figure);
    double right[2];

    for (guint i = 0; i < 2; i++)
      {
        g_autofree char *tail = g_strdup_printf ("text-anchor=\"end\" font-family=\"sans-serif\" "
                                                 "font-size=\"14.00\" fill=\"#ffffff\">%s</text>",
                                                 values[i]);
        const char *at = strstr (scan->contents, tail), *x;

        g_test_message ("value %u: %s", i, values[i]);
        g_assert_true (g_str_has_suffix (values[i], " %"));
        g_assert_true (evox_test_svg_has_text (scan, values[i]));
        g_assert_nonnull (at);
        /* The element's x, written before its anchor. */
        while (at > scan->contents && strncmp (at, "<text", 5) != 0)
          at--;
        x = strstr (at, " x=\"");
        g_assert_nonnull (x);
        right[i] = g_ascii_strtod (x + 4, NULL);
      }
    g_assert_cmpfloat (right[0], ==, right[1]);
  }

  g_assert_true (evox_figure_write (figure, pdf, picture, 320, 240, 1.0, EVOX_IMAGE_WRITE_NONE,
                                    &error));
  g_assert_no_error (error);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (pdf, &contents, &length, &error));
  g_assert_true (g_str_has_prefix (contents, "%PDF"));
  {
    g_autofree char *pdftoppm = g_find_program_in_path ("pdftoppm");
    g_autofree char *prefix = g_build_filename (dir, "page", NULL);
    g_autofree char *png = g_build_filename (dir, "page.png", NULL);

    if (pdftoppm == NULL)
      g_test_message ("pdftoppm is not installed (poppler-utils): the PDF is not rendered");
    else
      {
        const char *argv[] = { pdftoppm, "-png", "-r", "96", "-singlefile", pdf, prefix, NULL };
        g_auto(EvoxTestRun) run = evox_test_spawn (argv, NULL, NULL);
        EvoxTestImage image;

        g_assert_cmpint (run.status, ==, 0);
        image = evox_test_read_png (png);
        g_assert_cmpint (image.width, ==, 320);
        g_assert_cmpint (image.height, ==, 240);
        /* The scale bar's white is there in the rendering too. */
        g_assert_cmpint (abs (find_bar (image.rgba, 320, 240).length - 100), <=, 2);
        g_free (image.rgba);
      }
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Positions (0, 0) and (1, 1) put a box's corner 12 px (times the scale) from the image's
 * corners; position_for gives back the position that puts a box where a drag leaves it, and
 * pick finds the item there. */
static void
test_positions (void)
{
  g_autoptr(EvoxDocument) document = document_new ();
  g_autoptr(EvoxFigure) figure = full_figure (document);
  EvoxOverlays *overlays = evox_document_get_overlays (document);
  int label = EVOX_N_OVERLAY_ITEMS;

  for (guint s = 1; s <= 2; s++)
    {
      double rect[4], margin = 12.0 * s;
      int width = 320 * s, height = 240 * s;

      evox_overlays_move_label (overlays, 0, 0, 0);
      g_assert_true (evox_figure_get_item_rect (figure, label, width, height, s, rect));
      g_assert_cmpfloat (rect[0], ==, margin);
      g_assert_cmpfloat (rect[1], ==, margin);
      evox_overlays_move_label (overlays, 0, 1, 1);
      g_assert_true (evox_figure_get_item_rect (figure, label, width, height, s, rect));
      g_assert_cmpfloat (fabs (rect[0] + rect[2] - (width - margin)), <=, 0.5);
      g_assert_cmpfloat (fabs (rect[1] + rect[3] - (height - margin)), <=, 0.5);
    }

  /* A drag to (100, 70): the label's box is there, and picking inside it finds the label. */
  {
    double fx, fy, rect[4];

    evox_figure_position_for (figure, label, 320, 240, 1.0, 100, 70, &fx, &fy);
    g_assert_cmpfloat (fx, >, 0);
    g_assert_cmpfloat (fx, <, 1);
    evox_overlays_move_label (overlays, 0, fx, fy);
    g_assert_true (evox_figure_get_item_rect (figure, label, 320, 240, 1.0, rect));
    g_assert_cmpfloat (fabs (rect[0] - 100), <=, 0.5);
    g_assert_cmpfloat (fabs (rect[1] - 70), <=, 0.5);
    g_assert_cmpint (evox_figure_pick (figure, 320, 240, 1.0, rect[0] + 2, rect[1] + 2), ==,
                     label);
  }
  /* Off every box: nothing. The scale bar at (1, 1) is picked there. */
  {
    double rect[4];

    evox_overlays_set_position (overlays, EVOX_OVERLAY_COLORBAR, 0.5, 0.5);
    g_assert_true (evox_figure_get_item_rect (figure, EVOX_OVERLAY_SCALE_BAR, 320, 240, 1.0,
                                              rect));
    g_assert_cmpint (evox_figure_pick (figure, 320, 240, 1.0, rect[0] + rect[2] / 2,
                                       rect[1] + rect[3] / 2), ==, EVOX_OVERLAY_SCALE_BAR);
    g_assert_cmpint (evox_figure_pick (figure, 320, 240, 1.0, 319.5, 5), ==, -1);
  }
}

/* The 1-2-5 lengths nearest a fifth of the width on a log scale (worked out by hand). */
static void
test_auto_length (void)
{
  const struct { double nm_per_pixel, width, expected; } cases[] = {
    { 5, 320, 500 },       /* 320 nm: log 2.505, 0.194 from 500, 0.204 from 200 */
    { 1, 100, 20 },        /* exactly 20 */
    { 7, 100, 100 },       /* 140: 0.146 from 100, 0.155 from 200 */
    { 0.01, 500, 1 },      /* 1 nm */
    { 0.003, 500, 0.2 },   /* 0.3 nm: 0.176 from 0.2, 0.222 from 0.5 */
    { 1000, 1000, 200000 },
    { 0, 100, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpfloat_with_epsilon (evox_overlays_auto_scale_bar_length (cases[i].nm_per_pixel,
                                                                         cases[i].width),
                                    cases[i].expected, 1e-9 * MAX (cases[i].expected, 1));
}

/* Project world point p with the camera's matrices into window pixels (y down). */
static void
project (const float  view[16],
         const float  projection[16],
         const double p[3],
         int          width,
         int          height,
         double       pixel[2])
{
  double eye[4], clip[4];

  for (int r = 0; r < 4; r++)
    eye[r] = view[0 * 4 + r] * p[0] + view[1 * 4 + r] * p[1] + view[2 * 4 + r] * p[2]
             + view[3 * 4 + r];
  for (int r = 0; r < 4; r++)
    clip[r] = projection[0 * 4 + r] * eye[0] + projection[1 * 4 + r] * eye[1]
              + projection[2 * 4 + r] * eye[2] + projection[3 * 4 + r] * eye[3];
  pixel[0] = (clip[0] / clip[3] + 1) / 2 * width;
  pixel[1] = (1 - clip[1] / clip[3]) / 2 * height;
}

/* nm per pixel of the 2D views from the box and the framing (the box, dims x spacing, fills the
 * window in its tighter direction; z stretched by the exaggeration only on the vertical); the
 * perspective view's at the focal point from projecting a step there; the axes of known
 * cameras (evox-camera.h: along +z x right y down; along -y x right z down; along +x y right z
 * down). */
static void
test_geometry (void)
{
  g_autoptr(EvoxRenderer) renderer = evox_renderer_new ();
  g_autoptr(EvoxVolume) volume = volume_new (TRUE);
  g_autoptr(EvoxVolume) unknown = volume_new (FALSE);
  EvoxOverlayGeometry geometry;

  evox_renderer_get_overlay_geometry (renderer, 400, 300, &geometry);
  g_assert_cmpfloat (geometry.nm_per_pixel, ==, 0);
  g_assert_cmpfloat (geometry.area[2], ==, 400);

  /* 64 x 48 x 8 voxels of 25 x 25 x 100 nm: 1600 x 1200 x 800 nm, z shown 3x: 2400. */
  evox_renderer_set_volume (renderer, volume, 0);
  evox_renderer_set_z_exaggeration (renderer, 3);
  {
    const struct { EvoxView view; double nm_per_pixel; double axes[3][3]; } cases[] = {
      { EVOX_VIEW_SLICE_Z, MAX (1600 / 400.0, 1200 / 300.0),
        { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, -1 } } },
      { EVOX_VIEW_SLICE_Y, MAX (1600 / 400.0, 2400 / 300.0),
        { { 1, 0, 0 }, { 0, 0, 1 }, { 0, 1, 0 } } },
      { EVOX_VIEW_SLICE_X, MAX (1200 / 400.0, 2400 / 300.0),
        { { 0, 0, -1 }, { 1, 0, 0 }, { 0, 1, 0 } } },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        evox_renderer_set_view (renderer, cases[i].view);
        evox_renderer_get_overlay_geometry (renderer, 400, 300, &geometry);
        g_test_message ("view %d: %g nm per pixel", cases[i].view, geometry.nm_per_pixel);
        g_assert_false (geometry.perspective);
        g_assert_cmpfloat_with_epsilon (geometry.nm_per_pixel, cases[i].nm_per_pixel, 1e-4);
        for (guint a = 0; a < 3; a++)
          for (guint c = 0; c < 3; c++)
            g_assert_cmpfloat (geometry.axes[a][c], ==, cases[i].axes[a][c]);
        g_assert_cmpfloat (geometry.size[0], ==, 400);
      }
  }

  /* Perspective: a 100 nm step along the image's x at the focal point spans 100 / nm_per_pixel
   * pixels. The axes are unit vectors. */
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICES);
  evox_renderer_get_overlay_geometry (renderer, 400, 300, &geometry);
  g_assert_true (geometry.perspective);
  {
    EvoxCamera *camera = evox_renderer_get_camera (renderer);
    float view[16], projection[16];
    double center[3], step[3], a[2], b[2];

    evox_camera_get_matrices (camera, 400, 300, view, projection);
    evox_camera_get_center (camera, center);
    /* The image's x in the world: the view's first row; 100 nm of it, z shown 3x. */
    for (guint i = 0; i < 3; i++)
      step[i] = view[i * 4];
    {
      double nm = sqrt (step[0] * step[0] + step[1] * step[1] + step[2] * step[2] / 9);

      for (guint i = 0; i < 3; i++)
        step[i] = center[i] + step[i] * 100 / nm;
    }
    project (view, projection, center, 400, 300, a);
    project (view, projection, step, 400, 300, b);
    g_assert_cmpfloat_with_epsilon (geometry.nm_per_pixel, 100 / hypot (b[0] - a[0], b[1] - a[1]),
                                    1e-3 * geometry.nm_per_pixel);
    /* Each axis as seen: a small step along it from the focal point (on the optical axis, so
     * perspective adds no skew there) projects along (axes[a][0], axes[a][1]). */
    for (guint axis = 0; axis < 3; axis++)
      {
        double tip[3] = { center[0], center[1], center[2] }, c[2], d[2], seen;

        tip[axis] += 1.0;
        project (view, projection, center, 400, 300, c);
        project (view, projection, tip, 400, 300, d);
        seen = hypot (d[0] - c[0], d[1] - c[1]);
        if (hypot (geometry.axes[axis][0], geometry.axes[axis][1]) > 0.1)
          {
            double flat = hypot (geometry.axes[axis][0], geometry.axes[axis][1]);

            g_assert_cmpfloat_with_epsilon ((d[0] - c[0]) / seen, geometry.axes[axis][0] / flat,
                                            1e-3);
            g_assert_cmpfloat_with_epsilon ((d[1] - c[1]) / seen, geometry.axes[axis][1] / flat,
                                            1e-3);
          }
      }
    for (guint axis = 0; axis < 3; axis++)
      g_assert_cmpfloat_with_epsilon (sqrt (geometry.axes[axis][0] * geometry.axes[axis][0] +
                                            geometry.axes[axis][1] * geometry.axes[axis][1] +
                                            geometry.axes[axis][2] * geometry.axes[axis][2]),
                                      1, 1e-5);
  }

  /* The 2x2: the scale bar measures the z pane, the axes are the 3D pane's. */
  evox_renderer_set_view (renderer, EVOX_VIEW_QUAD);
  evox_renderer_get_overlay_geometry (renderer, 800, 600, &geometry);
  {
    int z_rect[4], rect_3d[4];
    EvoxOverlayGeometry pane;

    evox_renderer_get_pane_rect (800, 600, EVOX_PANE_Z, z_rect);
    evox_renderer_get_pane_rect (800, 600, EVOX_PANE_3D, rect_3d);
    for (guint i = 0; i < 4; i++)
      {
        g_assert_cmpfloat (geometry.area[i], ==, z_rect[i]);
        g_assert_cmpfloat (geometry.axes_area[i], ==, rect_3d[i]);
      }
    g_assert_false (geometry.perspective);
    /* The pane's camera keeps room for the pane's frame around the slice (its padding). */
    {
      int pad = evox_camera_get_padding (evox_renderer_get_pane_camera (renderer, EVOX_PANE_Z));
      double expected = MAX (1600.0 / (z_rect[2] - 2 * pad), 1200.0 / (z_rect[3] - 2 * pad));

      g_assert_cmpfloat_with_epsilon (geometry.nm_per_pixel, expected, 1e-3 * expected);
    }
    /* The 3D pane's axes are not those of a head-on view. */
    g_assert_cmpfloat (fabs (geometry.axes[2][1]), >, 0.1);
    (void) pane;
  }

  /* A voxel size that is a guess gives no nm. */
  evox_renderer_set_volume (renderer, unknown, 0);
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICE_Z);
  evox_renderer_get_overlay_geometry (renderer, 400, 300, &geometry);
  g_assert_cmpfloat (geometry.nm_per_pixel, ==, 0);
}

/* The y of the SVG <text> whose content is exactly text; NAN when there is none. */
static double
svg_text_y (const char *svg,
            const char *text)
{
  g_autofree char *closing = g_strdup_printf (">%s</text>", text);
  const char *at = strstr (svg, closing);
  const char *start;

  if (at == NULL)
    return NAN;
  start = g_strrstr_len (svg, at - svg, "<text ");
  g_assert_nonnull (start);
  start = strstr (start, " y=\"");
  g_assert_true (start != NULL && start < at);
  return g_ascii_strtod (start + 4, NULL);
}

/* A label of two lines is two <text> elements in the SVG, the second a line lower (SVG text does
 * not break at a newline: one element ran on as one line, out of its box). */
static void
test_svg_lines (void)
{
  g_autoptr(EvoxDocument) document = document_new ();
  EvoxOverlayGeometry geometry = flat_geometry (5.0, 320, 240);
  g_autoptr(EvoxFigure) figure = NULL;
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *svg = g_build_filename (dir, "lines.svg", NULL);
  g_autofree guint8 *picture = black_picture (320, 240);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  double first, second;

  evox_overlays_add_label (evox_document_get_overlays (document), "Sample A\nafter 100 cycles",
                           0.5, 0.5);
  figure = evox_figure_new_from_document (document, &geometry);
  g_assert_true (evox_figure_write (figure, svg, picture, 320, 240, 1.0, EVOX_IMAGE_WRITE_NONE,
                                    &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (svg, &contents, NULL, &error));
  first = svg_text_y (contents, "Sample A");
  second = svg_text_y (contents, "after 100 cycles");
  g_test_message ("baselines %g and %g", first, second);
  g_assert_false (isnan (first) || isnan (second));
  /* One line of 14 px text lower: between 1 and 2 font sizes. */
  g_assert_cmpfloat (second - first, >, 14);
  g_assert_cmpfloat (second - first, <, 28);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Drawing onto pixels cairo cannot hold (wider than its 32767 pixels) says so and leaves them as
 * they were: the window's export with the cluster curves and `evox render` rely on it. */
static void
test_draw_onto_refused (void)
{
  g_autoptr(EvoxDocument) document = document_new ();
  g_autoptr(EvoxFigure) figure = full_figure (document);
  g_autofree guint8 *picture = black_picture (40000, 1);
  g_autofree guint8 *copy = g_memdup2 (picture, 40000 * 4);

  g_assert_false (_evox_figure_draw_onto (figure, picture, 40000, 1, 1.0));
  g_assert_cmpmem (picture, 40000 * 4, copy, 40000 * 4);
}

/* Unknown extension, an existing file without overwrite, a folder that is not there: a GError
 * naming the file, and nothing left behind. */
static void
test_bad_paths (void)
{
  g_autoptr(EvoxDocument) document = document_new ();
  g_autoptr(EvoxFigure) figure = full_figure (document);
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree guint8 *picture = black_picture (32, 24);
  const char *names[] = { "a.png", "a.svg", "a.pdf", "a.tif" };

  {
    g_autofree char *path = g_build_filename (dir, "figure.jpg", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_cmpint (evox_figure_format_from_path (path), ==, EVOX_FIGURE_FORMAT_UNKNOWN);
    g_assert_false (evox_figure_write (figure, path, picture, 32, 24, 1, 0, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "figure.jpg"));
  }
  g_assert_cmpint (evox_figure_format_from_path ("x/A.SVG"), ==, EVOX_FIGURE_FORMAT_SVG);
  g_assert_cmpint (evox_figure_format_from_path ("x.Pdf"), ==, EVOX_FIGURE_FORMAT_PDF);
  g_assert_cmpint (evox_figure_format_from_path ("x.tiff"), ==, EVOX_FIGURE_FORMAT_TIFF);
  g_assert_cmpint (evox_figure_format_from_path ("x.svg/png"), ==, EVOX_FIGURE_FORMAT_UNKNOWN);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      g_autofree char *missing = g_build_filename (dir, "no-such-folder", names[i], NULL);
      g_autoptr(GError) error = NULL;
      g_autofree char *contents = NULL;

      g_assert_true (g_file_set_contents (path, "keep", -1, NULL));
      g_assert_false (evox_figure_write (figure, path, picture, 32, 24, 1, 0, &error));
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
      g_assert_nonnull (strstr (error->message, names[i]));
      g_clear_error (&error);
      g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
      g_assert_cmpstr (contents, ==, "keep");

      g_assert_true (evox_figure_write (figure, path, picture, 32, 24, 1,
                                        EVOX_IMAGE_WRITE_OVERWRITE, &error));
      g_assert_no_error (error);

      g_assert_false (evox_figure_write (figure, missing, picture, 32, 24, 1, 0, &error));
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, names[i]));
    }
  /* The four files, no temporaries. */
  g_assert_cmpuint (evox_test_count_entries (dir), ==, G_N_ELEMENTS (names));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The rightmost and leftmost white-ish pixels in rows y0..y1 between x0 and x1. */
static void
white_extent (const guint8 *rgba,
              int           width,
              int           x0,
              int           x1,
              int           y0,
              int           y1,
              int          *left,
              int          *right)
{
  *left = G_MAXINT;
  *right = -1;
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        const guint8 *p = rgba + ((gsize) y * width + x) * 4;

        if (p[0] > 128 && p[1] > 128 && p[2] > 128)
          {
            *left = MIN (*left, x);
            *right = MAX (*right, x);
          }
      }
}

/* The legend's rows drawn into pixels: the fractions' right edges (the last lit column of each
 * row's text, found in the pixels) line up, and the names start at one x; a row of the composite
 * (no fraction) still draws. Names of different widths ("Graphite", "Si") would leave the
 * fractions ragged if they followed the names. */
static void
test_legend_columns (void)
{
  g_autoptr(EvoxDocument) document = document_new ();
  EvoxOverlays *overlays = evox_document_get_overlays (document);
  EvoxPhaseList *phases = evox_document_get_phases (document);
  EvoxOverlayGeometry geometry = flat_geometry (5.0, 320, 240);
  g_autoptr(EvoxPhase) low = evox_phase_new ("Graphite", 1, 300, "#000000");
  g_autoptr(EvoxPhase) high = evox_phase_new ("Si", 600, 1000, "#000000");
  g_autoptr(EvoxFigure) figure = NULL;
  g_autofree guint8 *picture = black_picture (640, 480);
  g_autofree const char **values = NULL;
  double box[4], row_height;
  int lefts[2], rights[2];

  evox_phase_list_append (phases, low);
  evox_phase_list_append (phases, high);
  evox_document_set_show_phases (document, TRUE);
  evox_overlays_set_visible (overlays, EVOX_OVERLAY_LEGEND, TRUE);
  figure = evox_figure_new_from_document (document, &geometry);
  values = _evox_figure_get_legend_values (figure);
  g_assert_nonnull (values[0]);
  g_assert_nonnull (values[1]);
  /* Both fractions end in "%", so their last lit columns are the same glyph's. */
  g_assert_true (g_str_has_suffix (values[0], "%") && g_str_has_suffix (values[1], "%"));
  g_assert_true (_evox_figure_draw_onto (figure, picture, 640, 480, 2.0));
  g_assert_true (evox_figure_get_item_rect (figure, EVOX_OVERLAY_LEGEND, 640, 480, 2.0, box));
  row_height = (box[3] - 2 * 6.0 * 2) / 2;
  for (guint i = 0; i < 2; i++)
    {
      int y0 = (int) (box[1] + 12 + i * row_height), y1 = (int) (box[1] + 12 + (i + 1) * row_height);

      white_extent (picture, 640, (int) box[0], (int) (box[0] + box[2]), y0, y1, &lefts[i],
                    &rights[i]);
      g_test_message ("row %u: text from x %d to %d", i, lefts[i], rights[i]);
    }
  g_assert_cmpfloat (box[0] + box[2], <=, 640);
  g_assert_cmpint (abs (rights[0] - rights[1]), <=, 1);
  /* The right column ends a padding (12 px at scale 2) inside the box. */
  g_assert_cmpint (abs ((int) (box[0] + box[2]) - 12 - rights[0]), <=, 3);
  /* "G" and "S" have left bearings of about a pixel. */
  g_assert_cmpint (abs (lefts[0] - lefts[1]), <=, 2);
}

/* A legend swatch is what a voxel of its phase looks like: a phase of one stored value (u8 85,
 * as a label volume's) is the colour map's entry for 85 over the display range 0..255 (entry
 * round (85 / 255 * 255) = 85 of viridis) mixed with the phase's red by its opacity as
 * slice.frag mixes them: 0.3 * viridis[85] + 0.7 * (1, 0, 0); a range of values (170..255) keeps
 * the pure colour, and so does the volume view, whose phases source draws the pure colours. The
 * drawn swatch's pixel is that colour. */
static void
test_legend_swatch (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (4, 4, 2, 1, EVOX_SAMPLE_U8, &error);
  g_autoptr(EvoxDocument) document = evox_document_new ();
  EvoxPhaseList *phases = evox_document_get_phases (document);
  g_autoptr(EvoxPhase) one = evox_phase_new ("am", 85, 85, "#ff0000");
  g_autoptr(EvoxPhase) range = evox_phase_new ("pores", 170, 255, "#0000ff");
  EvoxOverlayGeometry geometry = flat_geometry (5.0, 320, 240);
  const guint8 (*viridis)[3] = evox_colormap_get_table ("viridis");
  g_autoptr(EvoxFigure) figure = NULL;
  g_autofree guint8 *picture = black_picture (320, 240);
  guint8 *data;
  double rgb[3], expected[3], box[4];

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (guint i = 0; i < 32; i++)
    data[i] = (guint8) (i % 3 * 85);
  evox_volume_freeze (volume);
  evox_document_set_volume (document, volume, "labels", NULL);
  evox_document_set_colormap (document, "viridis");
  evox_document_set_mapping (document, EVOX_MAPPING_LINEAR);
  evox_document_set_range (document, 0, 255);
  evox_document_set_view (document, EVOX_VIEW_SLICE_Z);
  g_assert_cmpfloat (evox_phase_get_opacity (one), ==, 0.7);
  evox_phase_list_append (phases, one);
  evox_phase_list_append (phases, range);
  evox_document_set_show_phases (document, TRUE);
  evox_overlays_set_visible (evox_document_get_overlays (document), EVOX_OVERLAY_LEGEND, TRUE);

  figure = evox_figure_new_from_document (document, &geometry);
  for (guint c = 0; c < 3; c++)
    expected[c] = 0.3 * viridis[85][c] / 255.0 + 0.7 * (c == 0);
  _evox_figure_get_legend_swatch (figure, 0, rgb);
  for (guint c = 0; c < 3; c++)
    g_assert_cmpfloat_with_epsilon (rgb[c], expected[c], 1e-6);
  _evox_figure_get_legend_swatch (figure, 1, rgb);
  g_assert_cmpfloat (rgb[0], ==, 0);
  g_assert_cmpfloat (rgb[2], ==, 1);

  /* In the pixels: the swatch's middle. */
  g_assert_true (_evox_figure_draw_onto (figure, picture, 320, 240, 1.0));
  g_assert_true (evox_figure_get_item_rect (figure, EVOX_OVERLAY_LEGEND, 320, 240, 1.0, box));
  {
    /* Row 0's swatch is centred a padding plus half a swatch (6 + 6) from the box's left, in
     * the middle of the first of two rows. */
    double row_height = (box[3] - 12) / 2;
    const guint8 *p = picture + ((gsize) (box[1] + 6 + row_height / 2) * 320
                                 + (gsize) (box[0] + 12)) * 4;

    for (guint c = 0; c < 3; c++)
      g_assert_cmpint (abs (p[c] - (int) lround (expected[c] * 255)), <=, 1);
  }

  evox_document_set_view (document, EVOX_VIEW_VOLUME);
  g_clear_object (&figure);
  figure = evox_figure_new_from_document (document, &geometry);
  _evox_figure_get_legend_swatch (figure, 0, rgb);
  g_assert_cmpfloat (rgb[0], ==, 1);
  g_assert_cmpfloat (rgb[1], ==, 0);
  g_assert_cmpfloat (rgb[2], ==, 0);
}

/* In the 2x2 view (a 640 x 480 picture's panes) the colour bar and the legend sit inside the 3D
 * pane at their default places, straddling no gap between panes, and a drag inside that pane
 * puts the box's corner where it was dropped. */
static void
test_quad_room (void)
{
  g_autoptr(EvoxDocument) document = document_new ();
  g_autoptr(EvoxFigure) figure = full_figure (document);
  EvoxOverlays *overlays = evox_document_get_overlays (document);
  EvoxOverlayGeometry geometry = flat_geometry (5.0, 640, 480);
  int panes[EVOX_N_PANES][4];
  const int items[] = { EVOX_OVERLAY_COLORBAR, EVOX_OVERLAY_LEGEND, EVOX_OVERLAY_SCALE_BAR,
                        EVOX_OVERLAY_AXES };

  for (guint p = 0; p < EVOX_N_PANES; p++)
    evox_renderer_get_pane_rect (640, 480, p, panes[p]);
  for (guint i = 0; i < 4; i++)
    {
      geometry.area[i] = panes[EVOX_PANE_Z][i];
      geometry.axes_area[i] = panes[EVOX_PANE_3D][i];
    }
  evox_figure_set_geometry (figure, &geometry);
  for (guint s = 1; s <= 2; s++)
    for (guint k = 0; k < G_N_ELEMENTS (items); k++)
      {
        double rect[4];
        gboolean inside = FALSE;

        g_assert_true (evox_figure_get_item_rect (figure, items[k], 640 * s, 480 * s, s, rect));
        for (guint p = 0; p < EVOX_N_PANES; p++)
          inside = inside || (rect[0] >= panes[p][0] * s && rect[1] >= panes[p][1] * s &&
                              rect[0] + rect[2] <= (panes[p][0] + panes[p][2]) * s &&
                              rect[1] + rect[3] <= (panes[p][1] + panes[p][3]) * s);
        g_test_message ("item %d at %g, %g, %g x %g", items[k], rect[0], rect[1], rect[2],
                        rect[3]);
        g_assert_true (inside);
      }
  /* The colour bar at the 3D pane's right edge. */
  {
    double rect[4];

    g_assert_true (evox_figure_get_item_rect (figure, EVOX_OVERLAY_COLORBAR, 640, 480, 1, rect));
    g_assert_cmpfloat (fabs (rect[0] + rect[2] + 12 - (panes[EVOX_PANE_3D][0] +
                                                       panes[EVOX_PANE_3D][2])), <=, 0.5);
  }
  /* Dragged: the box's corner goes where it was dropped. */
  {
    double fx, fy, rect[4];
    double x = panes[EVOX_PANE_3D][0] + 30, y = panes[EVOX_PANE_3D][1] + 20;

    evox_figure_position_for (figure, EVOX_OVERLAY_COLORBAR, 640, 480, 1.0, x, y, &fx, &fy);
    evox_overlays_set_position (overlays, EVOX_OVERLAY_COLORBAR, fx, fy);
    g_assert_true (evox_figure_get_item_rect (figure, EVOX_OVERLAY_COLORBAR, 640, 480, 1, rect));
    g_assert_cmpfloat (fabs (rect[0] - x), <=, 0.5);
    g_assert_cmpfloat (fabs (rect[1] - y), <=, 0.5);
  }
}

/* A geometry with a room (a slice with margins round it on the canvas) lays every item out in
 * the room exactly as a picture the room's size lays it out (the figure cropped to the slice):
 * each item's box is the cropped picture's, shifted by the room's corner, at scales 1 and 2 and
 * at both corners; drawn, the room's pixels are the cropped picture's, and nothing is drawn
 * outside it. area and axes_area are left whole, so the room alone moves the items. */
static void
test_slice_room (void)
{
  g_autoptr(EvoxDocument) document = document_new ();
  g_autoptr(EvoxFigure) figure = full_figure (document);
  g_autoptr(EvoxFigure) cropped = NULL;
  EvoxOverlays *overlays = evox_document_get_overlays (document);
  EvoxOverlayGeometry geometry = flat_geometry (5.0, 640, 480);
  EvoxOverlayGeometry slice = flat_geometry (5.0, 400, 200);
  const int room[4] = { 100, 150, 400, 200 };
  g_autofree guint8 *whole = black_picture (640, 480);
  g_autofree guint8 *part = black_picture (400, 200);
  const double corners[2] = { 0, 1 };
  guint drawn = 0;

  for (guint i = 0; i < 4; i++)
    geometry.room[i] = room[i];
  evox_figure_set_geometry (figure, &geometry);
  cropped = evox_figure_new_from_document (document, &slice);
  for (guint c = 0; c < G_N_ELEMENTS (corners); c++)
    for (int item = 0; item <= EVOX_N_OVERLAY_ITEMS; item++)
      for (int s = 1; s <= 2; s++)
        {
          double rect[4], want[4];

          if (item < EVOX_N_OVERLAY_ITEMS)
            evox_overlays_set_position (overlays, item, corners[c], corners[c]);
          else
            evox_overlays_move_label (overlays, 0, corners[c], corners[c]);
          g_assert_true (evox_figure_get_item_rect (figure, item, 640 * s, 480 * s, s, rect));
          g_assert_true (evox_figure_get_item_rect (cropped, item, 400 * s, 200 * s, s, want));
          g_assert_cmpfloat (rect[0], ==, want[0] + room[0] * s);
          g_assert_cmpfloat (rect[1], ==, want[1] + room[1] * s);
          g_assert_cmpfloat (rect[2], ==, want[2]);
          g_assert_cmpfloat (rect[3], ==, want[3]);
          /* At (0, 0) the margin from the room's corner, at (1, 1) from the opposite one. */
          g_assert_cmpfloat (fabs (corners[c] == 0 ? rect[0] - (room[0] + 12) * s
                                   : rect[0] + rect[2] - (room[0] + room[2] - 12) * s), <=, 0.5);
        }
  for (int item = 0; item < EVOX_N_OVERLAY_ITEMS; item++)
    evox_overlays_set_position (overlays, item, item / 3.0, 1 - item / 3.0);
  g_assert_true (_evox_figure_draw_onto (figure, whole, 640, 480, 1.0));
  g_assert_true (_evox_figure_draw_onto (cropped, part, 400, 200, 1.0));
  for (int y = 0; y < 480; y++)
    for (int x = 0; x < 640; x++)
      {
        const guint8 *p = whole + ((gsize) y * 640 + x) * 4;
        gboolean in = x >= room[0] && x < room[0] + room[2] && y >= room[1] &&
                      y < room[1] + room[3];

        if (in)
          {
            const guint8 *q = part + ((gsize) (y - room[1]) * 400 + x - room[0]) * 4;

            g_assert_cmpmem (p, 4, q, 4);
            drawn += q[0] != 0 || q[1] != 0 || q[2] != 0;
          }
        else
          g_assert_true (p[0] == 0 && p[1] == 0 && p[2] == 0);
      }
  g_test_message ("%u pixels of overlays in the room", drawn);
  g_assert_cmpuint (drawn, >, 1000);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Figure/scale-bar", test_scale_bar);
  g_test_add_func ("/Evox/Figure/colorbar", test_colorbar);
  g_test_add_func ("/Evox/Figure/colorbar-constant", test_colorbar_constant);
  g_test_add_func ("/Evox/Figure/colorbar-narrow-log", test_colorbar_narrow_log);
  g_test_add_func ("/Evox/Figure/vector", test_vector);
  g_test_add_func ("/Evox/Figure/positions", test_positions);
  g_test_add_func ("/Evox/Figure/auto-length", test_auto_length);
  g_test_add_func ("/Evox/Figure/geometry", test_geometry);
  g_test_add_func ("/Evox/Figure/bad-paths", test_bad_paths);
  g_test_add_func ("/Evox/Figure/svg-lines", test_svg_lines);
  g_test_add_func ("/Evox/Figure/draw-onto-refused", test_draw_onto_refused);
  g_test_add_func ("/Evox/Figure/legend-columns", test_legend_columns);
  g_test_add_func ("/Evox/Figure/legend-swatch", test_legend_swatch);
  g_test_add_func ("/Evox/Figure/quad-room", test_quad_room);
  g_test_add_func ("/Evox/Figure/slice-room", test_slice_room);
  status = g_test_run ();
  /* Pango's and fontconfig's caches, so a leak checker sees only what the figure leaked. */
  pango_cairo_font_map_set_default (NULL);
  FcFini ();
  return status;
}
