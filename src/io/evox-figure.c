/* evox-figure.c: the overlays' cairo painter (scale bar, colour bar, legend, axes, labels) and
 * the figure writer (PNG and TIFF rasterised, SVG and PDF as a raster picture under vector
 * overlays). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-figure.h"
#include "evox-figure-private.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "evox-axis.h"
#include "evox-figure-text.h"
#include "evox-legend-box.h"
#include "evox-output.h"
#include "evox-rgb-legend.h"
#include "evox-types.h"
#include "evox-units.h"

/* Sizes in pixels at scale 1; text-bound sizes are fractions of the font size. */
#define MARGIN 12.0              /* between a box and the room's edge (EVOX_RGB_LEGEND_MARGIN) */
#define PADDING 6.0              /* inside a box, around what it holds */
#define BAR_THICKNESS 4.0        /* the scale bar */
#define LINE_WIDTH 1.5           /* ticks, the triad, the colour bar's frame */
#define COLORBAR_LENGTH 11.0     /* font sizes */
#define COLORBAR_WIDTH 1.2       /* font sizes */
#define TICK_LENGTH 0.4          /* font sizes */
#define TRIAD_LENGTH 2.5         /* font sizes */
#define BOX_ALPHA 0.65

typedef struct
{
  double  rgb[3];
  char   *text;
  char   *value;   /* the right column (a fraction), NULL for none */
} LegendRow;

struct _EvoxFigure
{
  GObject              parent_instance;

  EvoxOverlays        *overlays;
  EvoxOverlayGeometry  geometry;

  /* The colour bar as the canvas maps values now; no colour map while the composite shows. */
  char                *colormap;
  EvoxTransfer         transfer;
  EvoxMapping          mapping;
  double               lo;
  double               hi;
  char                *title;

  GArray              *legend;   /* LegendRow */

  /* While writing an SVG: text goes here as <text> elements instead of glyph outlines. */
  GString             *svg_text;

  char                *provenance;  /* evox-methods.h's record, into every file written */
};

G_DEFINE_FINAL_TYPE (EvoxFigure, evox_figure, G_TYPE_OBJECT)

static void
legend_row_clear (gpointer data)
{
  LegendRow *row = data;

  g_clear_pointer (&row->text, g_free);
  g_clear_pointer (&row->value, g_free);
}

static void
evox_figure_finalize (GObject *object)
{
  EvoxFigure *self = EVOX_FIGURE (object);

  g_clear_object (&self->overlays);
  g_clear_pointer (&self->colormap, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->provenance, g_free);
  g_clear_pointer (&self->legend, g_array_unref);
  G_OBJECT_CLASS (evox_figure_parent_class)->finalize (object);
}

static void
evox_figure_class_init (EvoxFigureClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = evox_figure_finalize;
}

static void
evox_figure_init (EvoxFigure *self)
{
  self->legend = g_array_new (FALSE, TRUE, sizeof (LegendRow));
  g_array_set_clear_func (self->legend, legend_row_clear);
}

static void
add_legend_row (EvoxFigure *self,
                double      r,
                double      g,
                double      b,
                char       *text,
                char       *value)
{
  LegendRow row = { { r, g, b }, text, value };

  g_array_append_val (self->legend, row);
}

/* "41.3 %": a fraction as the phase panel gives it, for the legend's right column. */
static char *
format_fraction (double fraction)
{
  if (!isfinite (fraction))
    return NULL;
  return g_strdup_printf ("%.1f %%", 100.0 * fraction);
}

/* What a voxel of the phase looks like in the slices, where that is one colour: a phase of one
 * stored value (a label volume's 85:85) shows the colour map at that value mixed with the phase's
 * colour by its opacity, as slice.frag mixes them. A range of values shows many colours, and the
 * ray caster's phases source shows the phase's own: those keep the pure colour. */
static void
phase_swatch (EvoxDocument *document,
              EvoxVolume   *volume,
              EvoxPhase    *phase,
              float         rgb[3])
{
  float first, last;
  double lo, hi, t;
  guint8 mapped[3];
  const char *colormap = evox_document_get_colormap (document);

  evox_color_get_rgb (evox_phase_get_color (phase), rgb);
  if (evox_document_get_view (document) == EVOX_VIEW_VOLUME ||
      evox_document_get_composite (document) || !evox_colormap_exists (colormap) ||
      !evox_sample_type_inner_range (evox_volume_get_sample_type (volume),
                                     evox_phase_get_lo (phase), evox_phase_get_hi (phase),
                                     &first, &last) ||
      first != last)
    return;
  evox_document_get_range (document, &lo, &hi);
  t = evox_display_coordinate (evox_document_get_transfer (document), lo, hi, first);
  /* Not drawn at all (log of 0): no colour to match. */
  if (!isfinite (t))
    return;
  evox_colormap_sample (colormap, t, mapped);
  for (guint c = 0; c < 3; c++)
    {
      double a = CLAMP (evox_phase_get_opacity (phase), 0.0, 1.0);

      rgb[c] = (float) ((1 - a) * mapped[c] / 255.0 + a * rgb[c]);
    }
}

/* One row per RGB composite channel while the composite shows, else per visible cluster while
 * clusters show, else per visible phase while phases show. */
static void
take_legend (EvoxFigure   *self,
             EvoxDocument *document)
{
  EvoxVolume *volume = evox_document_get_volume (document);
  EvoxClusters *clusters = evox_document_get_clusters (document);
  EvoxPhaseList *phases = evox_document_get_phases (document);
  g_autoptr(EvoxRgbLegend) rgb = evox_rgb_legend_new_from_document (document);

  if (rgb != NULL)
    {
      for (guint s = 0; s < 3; s++)
        {
          char *text = evox_rgb_legend_dup_text (rgb, s);

          if (text != NULL)
            add_legend_row (self, s == 0, s == 1, s == 2, text, NULL);
        }
      return;
    }
  if (clusters != NULL && evox_document_get_show_clusters (document))
    {
      for (guint id = 1; id <= evox_clusters_get_k (clusters); id++)
        {
          float rgb_color[3];

          if (!evox_clusters_get_visible (clusters, id))
            continue;
          evox_clusters_get_rgb (clusters, id, rgb_color);
          add_legend_row (self, rgb_color[0], rgb_color[1], rgb_color[2],
                          g_strdup (evox_clusters_get_name (clusters, id)),
                          format_fraction (evox_clusters_get_fraction (clusters, id)));
        }
      return;
    }
  if (volume != NULL && phases != NULL && evox_document_get_show_phases (document))
    {
      EvoxFineHistogram *histogram = evox_document_get_basis_histogram (document);

      for (guint i = 0; i < evox_phase_list_get_n_phases (phases); i++)
        {
          EvoxPhase *phase = evox_phase_list_get_phase (phases, i);
          float rgb_color[3];
          double fraction = NAN;

          if (!evox_phase_get_visible (phase))
            continue;
          phase_swatch (document, volume, phase, rgb_color);
          if (histogram != NULL)
            fraction = evox_phase_list_fraction (phases, i, evox_volume_get_sample_type (volume),
                                                 histogram);
          add_legend_row (self, rgb_color[0], rgb_color[1], rgb_color[2],
                          g_strdup (evox_phase_get_name (phase)), format_fraction (fraction));
        }
    }
}

EvoxFigure *
evox_figure_new_from_document (EvoxDocument              *document,
                               const EvoxOverlayGeometry *geometry)
{
  EvoxFigure *self;
  EvoxVolume *volume;

  g_return_val_if_fail (EVOX_IS_DOCUMENT (document), NULL);

  self = g_object_new (EVOX_TYPE_FIGURE, NULL);
  self->overlays = g_object_ref (evox_document_get_overlays (document));
  if (geometry != NULL)
    self->geometry = *geometry;

  volume = evox_document_get_volume (document);
  if (volume != NULL && !evox_document_get_composite (document))
    {
      guint channel = evox_document_get_channel (document);
      const char *quantity = evox_volume_get_channel_quantity (volume, channel);
      const char *unit = evox_volume_get_channel_unit (volume, channel);
      g_autofree char *shown_unit = NULL;

      self->colormap = g_strdup (evox_document_get_colormap (document));
      self->transfer = evox_document_get_transfer (document);
      self->mapping = evox_document_get_mapping (document);
      evox_document_get_range (document, &self->lo, &self->hi);
      /* The histogram's title: the quantity and its unit as people write it. */
      if (unit != NULL && *unit != '\0' && g_strcmp0 (unit, "value") != 0)
        shown_unit = evox_units_dup_display (unit);
      self->title = shown_unit != NULL
                    ? g_strdup_printf ("%s (%s)", quantity != NULL && *quantity ? quantity
                                                                               : "Value",
                                       shown_unit)
                    : g_strdup (quantity != NULL && *quantity ? quantity : "Value");
    }
  take_legend (self, document);
  return self;
}

void
evox_figure_set_geometry (EvoxFigure                *self,
                          const EvoxOverlayGeometry *geometry)
{
  g_return_if_fail (EVOX_IS_FIGURE (self));
  g_return_if_fail (geometry != NULL);

  self->geometry = *geometry;
}

/* Text */

static PangoLayout *
text_layout (cairo_t    *cr,
             const char *text,
             double      pixels)
{
  PangoLayout *layout = evox_figure_text_layout_new (cr, pixels);

  pango_layout_set_text (layout, text, -1);
  return layout;
}

/* The logical extent of text, measured on a scratch surface (unhinted: the same everywhere). */
static void
text_size (const char *text,
           double      pixels,
           double     *width,
           double     *height)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t *cr = cairo_create (surface);
  PangoLayout *layout = text_layout (cr, text, pixels);
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);
  *width = logical.width / (double) PANGO_SCALE;
  *height = logical.height / (double) PANGO_SCALE;
  g_object_unref (layout);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

/* White text with its logical box's top left at (x, y). In an SVG it becomes a <text> element at
 * its baseline (a figure editor restyles it), not glyph outlines. */
static void
show_text_aligned (EvoxFigure *self,
                   cairo_t    *cr,
                   const char *text,
                   double      pixels,
                   double      x,
                   double      y,
                   gboolean    right)
{
  PangoLayout *layout = text_layout (cr, text, pixels);

  /* Right-aligned text: x is its right edge. An SVG says so with text-anchor="end", so the
   * column stays aligned when an editor changes the font. */
  if (right && self->svg_text == NULL)
    {
      PangoRectangle logical;

      pango_layout_get_extents (layout, NULL, &logical);
      x -= logical.width / (double) PANGO_SCALE;
    }

  if (self->svg_text != NULL)
    {
      /* One <text> per line at its own baseline: SVG text does not break at a newline, so a
       * two-line label would run on as one line out of its box. */
      PangoLayoutIter *iter = pango_layout_get_iter (layout);

      do
        {
          PangoLayoutLine *line = pango_layout_iter_get_line_readonly (iter);
          double baseline = pango_layout_iter_get_baseline (iter) / (double) PANGO_SCALE;
          g_autofree char *escaped = NULL;
          char xs[G_ASCII_DTOSTR_BUF_SIZE], ys[G_ASCII_DTOSTR_BUF_SIZE];
          char size[G_ASCII_DTOSTR_BUF_SIZE];
          double dx = x, dy = y + baseline;

          if (line->length == 0)
            continue;
          escaped = g_markup_escape_text (text + line->start_index, line->length);
          cairo_user_to_device (cr, &dx, &dy);
          g_string_append_printf (self->svg_text,
                                  /* preserve: the legend's two spaces before a fraction */
                                  "<text xml:space=\"preserve\" x=\"%s\" y=\"%s\"%s "
                                  "font-family=\"sans-serif\" font-size=\"%s\" "
                                  "fill=\"#ffffff\">%s</text>\n",
                                  g_ascii_formatd (xs, sizeof xs, "%.2f", dx),
                                  g_ascii_formatd (ys, sizeof ys, "%.2f", dy),
                                  right ? " text-anchor=\"end\"" : "",
                                  g_ascii_formatd (size, sizeof size, "%.2f", pixels), escaped);
        }
      while (pango_layout_iter_next_line (iter));
      pango_layout_iter_free (iter);
    }
  else
    {
      cairo_save (cr);
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_move_to (cr, x, y);
      pango_cairo_show_layout (cr, layout);
      cairo_restore (cr);
    }
  g_object_unref (layout);
}

/* White text with its logical box's top left at (x, y). */
static void
show_text (EvoxFigure *self,
           cairo_t    *cr,
           const char *text,
           double      pixels,
           double      x,
           double      y)
{
  show_text_aligned (self, cr, text, pixels, x, y, FALSE);
}

static void
fill_box (cairo_t      *cr,
          const double  box[4])
{
  cairo_save (cr);
  cairo_set_source_rgba (cr, 0, 0, 0, BOX_ALPHA);
  cairo_rectangle (cr, box[0], box[1], box[2], box[3]);
  cairo_fill (cr);
  cairo_restore (cr);
}

/* Layout */

/* The image pixels per pixel of the picture the geometry was measured in. */
static void
geometry_factor (EvoxFigure *self,
                 int         width,
                 int         height,
                 double      factor[2])
{
  factor[0] = self->geometry.size[0] > 0 ? width / self->geometry.size[0] : 1.0;
  factor[1] = self->geometry.size[1] > 0 ? height / self->geometry.size[1] : 1.0;
}

/* The picture is panes (the 2x2 view): the axes hold in a part of it. */
static gboolean
split_picture (EvoxFigure *self)
{
  const EvoxOverlayGeometry *g = &self->geometry;

  return g->size[0] > 0 && g->size[1] > 0 && g->axes_area[2] > 0 && g->axes_area[3] > 0 &&
         (g->axes_area[2] < g->size[0] || g->axes_area[3] < g->size[1]);
}

/* The room an item moves in: the geometry's room where it has one (a slice with margins round
 * it), else the area its geometry holds in (the z pane for the scale bar and the 3D pane for the
 * axes in the 2x2 view), the whole image for the others. */
static void
item_room (EvoxFigure *self,
           int         item,
           int         width,
           int         height,
           double      room[4])
{
  const double *area = NULL;
  double factor[2];

  if (self->geometry.room[2] > 0 && self->geometry.room[3] > 0)
    area = self->geometry.room;
  else if (item == EVOX_OVERLAY_SCALE_BAR)
    area = self->geometry.area;
  else if (item == EVOX_OVERLAY_AXES)
    area = self->geometry.axes_area;
  else if ((item == EVOX_OVERLAY_COLORBAR || item == EVOX_OVERLAY_LEGEND) && split_picture (self))
    /* In the 2x2 view the colour bar's default place (1, 0.5) of the whole picture straddled
     * the gap between the 3D and x panes: both keys move in the 3D pane, as the triad does. */
    area = self->geometry.axes_area;
  if (area == NULL || area[2] <= 0 || area[3] <= 0)
    {
      room[0] = room[1] = 0;
      room[2] = width;
      room[3] = height;
      return;
    }
  geometry_factor (self, width, height, factor);
  room[0] = area[0] * factor[0];
  room[1] = area[1] * factor[1];
  room[2] = area[2] * factor[0];
  room[3] = area[3] * factor[1];
}

/* The colour bar is at most 40 % of the room it moves in (a pane in the 2x2 view). */
static int
colorbar_room_height (EvoxFigure *self,
                      int         width,
                      int         height)
{
  double room[4];

  item_room (self, EVOX_OVERLAY_COLORBAR, width, height, room);
  return (int) round (room[3]);
}

static double
font_pixels (EvoxFigure *self,
             double      scale)
{
  return evox_overlays_get_font_size (self->overlays) * scale;
}

typedef struct
{
  double  length_nm;
  double  bar_length;   /* pixels */
  char   *label;
  double  text_width;
  double  text_height;
} ScaleBar;

static gboolean
measure_scale_bar (EvoxFigure *self,
                   int         width,
                   int         height,
                   double      scale,
                   ScaleBar   *bar)
{
  double factor[2], nm_per_pixel;
  g_autofree char *length = NULL;
  EvoxUnits units;

  memset (bar, 0, sizeof *bar);
  if (!(self->geometry.nm_per_pixel > 0))
    return FALSE;
  geometry_factor (self, width, height, factor);
  nm_per_pixel = self->geometry.nm_per_pixel / factor[0];
  bar->length_nm = evox_overlays_get_scale_bar_length (self->overlays);
  /* A fifth of the room's width, measured in the geometry's pixels: the same length at any
   * export size. */
  if (bar->length_nm <= 0)
    bar->length_nm = evox_overlays_auto_scale_bar_length (
      self->geometry.nm_per_pixel, self->geometry.area[2] > 0 ? self->geometry.area[2]
                                   : self->geometry.size[0] > 0 ? self->geometry.size[0]
                                   : width);
  if (!(bar->length_nm > 0))
    return FALSE;
  bar->bar_length = bar->length_nm / nm_per_pixel;
  /* "500 nm", "1 µm", "2.5 µm", "1 mm": the unit that keeps the number under 1000, as the
   * rulers and measurements write lengths. */
  units = evox_units_for_length (bar->length_nm);
  length = evox_format_length (&units, bar->length_nm, EVOX_UNITS_UNICODE);
  /* Only the focal point's depth is measured in perspective: the label says so. */
  bar->label = self->geometry.perspective ? g_strdup_printf ("%s at focus", length)
                                          : g_steal_pointer (&length);
  text_size (bar->label, font_pixels (self, scale), &bar->text_width, &bar->text_height);
  return TRUE;
}

typedef struct
{
  double  a0;           /* the axis at the bar's bottom and top: the quantity, or its log10 */
  double  a1;
  GArray *ticks;        /* EvoxFigureTick, y from the bar's top */
  GArray *minor;        /* double: unlabelled ticks at 2..9 times each decade, y from the top */
  double  label_width;
  double  text_height;
  double  title_width;
  double  bar_width;
  double  bar_height;
} ColorBar;

static void
tick_clear (gpointer data)
{
  g_free (((EvoxFigureTick *) data)->label);
}

static void
add_tick (ColorBar   *bar,
          double      value,
          char       *label)
{
  EvoxFigureTick tick = { value, 0, label };

  g_array_append_val (bar->ticks, tick);
}

/* 1-2-5 steps for a linear axis; decades (every 1, 2, 5, ... of them) for a log one, and over
 * less than a decade or two the 1-2-5 values inside, as the histogram's axis does. At most
 * max_ticks labels. */
static void
make_ticks (EvoxFigure *self,
            ColorBar   *bar,
            guint       max_ticks)
{
  double lo = MIN (bar->a0, bar->a1), hi = MAX (bar->a0, bar->a1);

  max_ticks = MAX (max_ticks, 2);
  if (!isfinite (lo) || !isfinite (hi))
    return;
  if (hi == lo)
    {
      /* One value, written as it is: a label volume's 85 reads "85", not "85.0". */
      add_tick (bar, lo, evox_units_format_number (self->mapping == EVOX_MAPPING_LOG
                                                   ? pow (10.0, lo) : lo));
      return;
    }
  if (self->mapping == EVOX_MAPPING_LOG)
    {
      if (floor (hi) - ceil (lo) >= 1)
        {
          double step = 1;

          while ((floor (hi / step) - ceil (lo / step) + 1) > max_ticks)
            step = evox_nice_ceil (step * 1.5);
          for (double k = ceil (lo / step - 1e-9); k * step <= hi + 1e-9; k++)
            add_tick (bar, k * step, evox_axis_format_decade ((int) lround (k * step)));
          /* Unlabelled ticks at 2..9 times each decade, as the histogram draws them, where
           * decades are at least two lines of text apart. */
          if (step == 1 && bar->bar_height / (hi - lo) >= 2 * bar->text_height)
            for (double e = floor (lo); e <= hi; e++)
              for (int m = 2; m <= 9; m++)
                {
                  double at = e + log10 (m);

                  if (at >= lo && at <= hi)
                    g_array_append_val (bar->minor, at);
                }
          return;
        }
      /* Less than two decade ticks: the 1..9, 1-2-5 or 1 values of the range, the first set
       * that fits, as the histogram's axis does. */
      static const double mantissas[][9] = {
        { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 2, 5 }, { 1 },
      };
      static const guint n_mantissas[] = { 9, 3, 1 };

      for (guint set = 0; set < G_N_ELEMENTS (mantissas); set++)
        {
          g_array_set_size (bar->ticks, 0);
          for (double e = floor (lo); e <= ceil (hi); e++)
            for (guint m = 0; m < n_mantissas[set]; m++)
              {
                double at = e + log10 (mantissas[set][m]);

                if (at >= lo - 1e-9 && at <= hi + 1e-9)
                  add_tick (bar, at, g_strdup_printf ("%g", pow (10.0, at)));
              }
          if (bar->ticks->len >= 2 && bar->ticks->len <= max_ticks)
            return;
        }
      if (bar->ticks->len >= 2)
        return;
      g_array_set_size (bar->ticks, 0);
      /* Between two of those (2 to 2.2): round values of the quantity at 1-2-5 steps, placed
       * on the log axis, so each label reads as written (2.05, not 10^0.31 = 2.04). */
      {
        double q0 = pow (10.0, lo), q1 = pow (10.0, hi);
        double step = evox_nice_ceil ((q1 - q0) / (max_ticks - 1));

        for (double k = ceil (q0 / step - 1e-9); k * step <= q1 + step * 1e-9; k++)
          add_tick (bar, log10 (k * step), evox_axis_format_tick (k * step, step, 9));
      }
      return;
    }
  {
    double step = evox_nice_ceil ((hi - lo) / (max_ticks - 1));

    while ((floor (hi / step + 1e-9) - ceil (lo / step - 1e-9) + 1) > max_ticks)
      step = evox_nice_ceil (step * 1.5);
    for (double k = ceil (lo / step - 1e-9); k * step <= hi + step * 1e-9; k++)
      add_tick (bar, k * step, evox_axis_format_tick (k * step, step, 5));
  }
}

static gboolean
measure_colorbar (EvoxFigure *self,
                  int         height,
                  double      scale,
                  ColorBar   *bar)
{
  double font = font_pixels (self, scale), title_height;

  memset (bar, 0, sizeof *bar);
  if (self->colormap == NULL || !evox_colormap_exists (self->colormap))
    return FALSE;
  bar->ticks = g_array_new (FALSE, TRUE, sizeof (EvoxFigureTick));
  g_array_set_clear_func (bar->ticks, tick_clear);
  bar->minor = g_array_new (FALSE, FALSE, sizeof (double));
  bar->a0 = evox_transfer_apply (self->transfer, self->lo);
  bar->a1 = evox_transfer_apply (self->transfer, self->hi);
  bar->bar_width = COLORBAR_WIDTH * font;
  /* Eleven lines of text long, but no more than 40 % of the image's height, so in a small
   * figure it leaves room for the scale bar below it at their default places. */
  bar->bar_height = MIN (COLORBAR_LENGTH * font, 0.4 * height);
  text_size ("0", font, &bar->label_width, &bar->text_height);
  bar->label_width = 0;
  make_ticks (self, bar, (guint) floor (bar->bar_height / (1.6 * bar->text_height)) + 1);
  for (guint i = 0; i < bar->ticks->len; i++)
    {
      EvoxFigureTick *tick = &g_array_index (bar->ticks, EvoxFigureTick, i);
      double w, h;

      /* With lo == hi the slices draw that value and above in the map's top colour
       * (evox_display_coordinate), so the one tick goes at the bar's top. */
      double t = bar->a1 != bar->a0 ? (tick->value - bar->a0) / (bar->a1 - bar->a0)
                 : tick->value < bar->a0 ? 0 : 1;

      tick->y = (1 - t) * bar->bar_height;
      text_size (tick->label, font, &w, &h);
      bar->label_width = MAX (bar->label_width, w);
    }
  text_size (self->title, font, &bar->title_width, &title_height);
  return TRUE;
}

static void
colorbar_clear (ColorBar *bar)
{
  g_clear_pointer (&bar->ticks, g_array_unref);
  g_clear_pointer (&bar->minor, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ColorBar, colorbar_clear)

static void
scale_bar_clear (ScaleBar *bar)
{
  g_clear_pointer (&bar->label, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ScaleBar, scale_bar_clear)

/* The legend's rows as the legend box takes them (texts borrowed). */
static EvoxLegendRow *
legend_rows (EvoxFigure *self)
{
  EvoxLegendRow *rows = g_new0 (EvoxLegendRow, MAX (self->legend->len, 1));

  for (guint i = 0; i < self->legend->len; i++)
    {
      LegendRow *row = &g_array_index (self->legend, LegendRow, i);

      memcpy (rows[i].rgb, row->rgb, sizeof row->rgb);
      rows[i].text = row->text;
      rows[i].value = row->value;
    }
  return rows;
}

/* The size of an item's box at scale; FALSE when it is not shown or has nothing to show. */
static gboolean
item_size (EvoxFigure *self,
           int         item,
           int         width,
           int         height,
           double      scale,
           double      size[2])
{
  double font = font_pixels (self, scale), pad = PADDING * scale;

  if (item < EVOX_N_OVERLAY_ITEMS && !evox_overlays_get_visible (self->overlays, item))
    return FALSE;
  switch (item)
    {
    case EVOX_OVERLAY_SCALE_BAR:
      {
        g_auto(ScaleBar) bar = { 0 };

        if (!measure_scale_bar (self, width, height, scale, &bar))
          return FALSE;
        size[0] = ceil (MAX (bar.bar_length, bar.text_width) + 2 * pad);
        size[1] = ceil (2 * pad + bar.text_height + pad / 2 + BAR_THICKNESS * scale);
        return TRUE;
      }
    case EVOX_OVERLAY_COLORBAR:
      {
        g_auto(ColorBar) bar = { 0 };

        if (!measure_colorbar (self, colorbar_room_height (self, width, height), scale, &bar))
          return FALSE;
        size[0] = ceil (2 * pad + MAX (bar.title_width, bar.bar_width + TICK_LENGTH * font
                                                        + pad / 2 + bar.label_width));
        size[1] = ceil (2 * pad + 2 * bar.text_height + pad / 2 + bar.bar_height);
        return TRUE;
      }
    case EVOX_OVERLAY_LEGEND:
      {
        g_autofree EvoxLegendRow *rows = NULL;

        if (self->legend->len == 0)
          return FALSE;
        rows = legend_rows (self);
        _evox_legend_box_measure (rows, self->legend->len, font, scale, &size[0], &size[1],
                                  NULL);
        return TRUE;
      }
    case EVOX_OVERLAY_AXES:
      {
        double w, h;

        text_size ("x", font, &w, &h);
        size[0] = size[1] = ceil (2 * (TRIAD_LENGTH * font + MAX (w, h)) + 2 * pad);
        return TRUE;
      }
    default:
      {
        guint index = (guint) item - EVOX_N_OVERLAY_ITEMS;
        double w, h;

        if (item < 0 || index >= evox_overlays_get_n_labels (self->overlays))
          return FALSE;
        text_size (evox_overlays_get_label (self->overlays, index, NULL, NULL), font, &w, &h);
        size[0] = ceil (w + 2 * pad);
        size[1] = ceil (h + 2 * pad);
        return TRUE;
      }
    }
}

static void
item_position (EvoxFigure *self,
               int         item,
               double     *fx,
               double     *fy)
{
  if (item < EVOX_N_OVERLAY_ITEMS)
    evox_overlays_get_position (self->overlays, item, fx, fy);
  else
    evox_overlays_get_label (self->overlays, (guint) item - EVOX_N_OVERLAY_ITEMS, fx, fy);
}

gboolean
evox_figure_get_item_rect (EvoxFigure *self,
                           int         item,
                           int         width,
                           int         height,
                           double      scale,
                           double      rect[4])
{
  double size[2], room[4], fx, fy, margin = MARGIN * scale;

  g_return_val_if_fail (EVOX_IS_FIGURE (self), FALSE);
  g_return_val_if_fail (rect != NULL, FALSE);

  if (!item_size (self, item, width, height, scale, size))
    return FALSE;
  item_room (self, item, width, height, room);
  item_position (self, item, &fx, &fy);
  /* Whole pixels, so the bar and the boxes have sharp edges in a PNG. */
  rect[0] = round (room[0] + margin + fx * MAX (room[2] - 2 * margin - size[0], 0));
  rect[1] = round (room[1] + margin + fy * MAX (room[3] - 2 * margin - size[1], 0));
  rect[2] = size[0];
  rect[3] = size[1];
  return TRUE;
}

void
evox_figure_position_for (EvoxFigure *self,
                          int         item,
                          int         width,
                          int         height,
                          double      scale,
                          double      x,
                          double      y,
                          double     *fx,
                          double     *fy)
{
  double size[2], room[4], margin = MARGIN * scale, free_x, free_y;

  g_return_if_fail (EVOX_IS_FIGURE (self));
  g_return_if_fail (fx != NULL && fy != NULL);

  *fx = *fy = 0;
  if (!item_size (self, item, width, height, scale, size))
    {
      /* Not shown: measured as if it were, so a drag can place it before it shows. */
      size[0] = size[1] = 0;
    }
  item_room (self, item, width, height, room);
  free_x = room[2] - 2 * margin - size[0];
  free_y = room[3] - 2 * margin - size[1];
  *fx = free_x > 0 ? CLAMP ((x - room[0] - margin) / free_x, 0, 1) : 0;
  *fy = free_y > 0 ? CLAMP ((y - room[1] - margin) / free_y, 0, 1) : 0;
}

static int
n_items (EvoxFigure *self)
{
  return EVOX_N_OVERLAY_ITEMS + (int) evox_overlays_get_n_labels (self->overlays);
}

int
evox_figure_pick (EvoxFigure *self,
                  int         width,
                  int         height,
                  double      scale,
                  double      x,
                  double      y)
{
  g_return_val_if_fail (EVOX_IS_FIGURE (self), -1);

  /* Drawn in item order, so the last one is on top. */
  for (int item = n_items (self) - 1; item >= 0; item--)
    {
      double rect[4];

      if (evox_figure_get_item_rect (self, item, width, height, scale, rect) &&
          x >= rect[0] && x < rect[0] + rect[2] && y >= rect[1] && y < rect[1] + rect[3])
        return item;
    }
  return -1;
}

/* Private API for the tests */

gboolean
_evox_figure_get_scale_bar (EvoxFigure *self,
                            int         width,
                            int         height,
                            double      scale,
                            double     *length_nm,
                            char      **label,
                            double      bar_rect[4])
{
  g_auto(ScaleBar) bar = { 0 };
  double rect[4], pad = PADDING * scale;

  g_return_val_if_fail (EVOX_IS_FIGURE (self), FALSE);

  if (!measure_scale_bar (self, width, height, scale, &bar))
    return FALSE;
  if (length_nm != NULL)
    *length_nm = bar.length_nm;
  if (label != NULL)
    *label = g_strdup (bar.label);
  if (bar_rect != NULL)
    {
      if (!evox_figure_get_item_rect (self, EVOX_OVERLAY_SCALE_BAR, width, height, scale, rect))
        {
          rect[0] = rect[1] = 0;
          rect[2] = MAX (bar.bar_length, bar.text_width) + 2 * pad;
        }
      bar_rect[0] = rect[0] + (rect[2] - bar.bar_length) / 2;
      bar_rect[1] = rect[1] + round (pad + bar.text_height + pad / 2);
      bar_rect[2] = bar.bar_length;
      bar_rect[3] = BAR_THICKNESS * scale;
    }
  return TRUE;
}

static void
colorbar_bar_rect (EvoxFigure     *self,
                   const ColorBar *bar,
                   const double    box[4],
                   double          scale,
                   double          rect[4])
{
  double pad = PADDING * scale;

  rect[0] = box[0] + pad;
  rect[1] = box[1] + pad + 1.5 * bar->text_height + pad / 2;
  rect[2] = bar->bar_width;
  rect[3] = bar->bar_height;
}

gboolean
_evox_figure_get_colorbar (EvoxFigure *self,
                           int         width,
                           int         height,
                           double      scale,
                           double      bar_rect[4],
                           GArray    **ticks)
{
  g_auto(ColorBar) bar = { 0 };
  double box[4];

  g_return_val_if_fail (EVOX_IS_FIGURE (self), FALSE);

  if (!evox_figure_get_item_rect (self, EVOX_OVERLAY_COLORBAR, width, height, scale, box) ||
      !measure_colorbar (self, colorbar_room_height (self, width, height), scale, &bar))
    return FALSE;
  colorbar_bar_rect (self, &bar, box, scale, bar_rect);
  for (guint i = 0; i < bar.ticks->len; i++)
    g_array_index (bar.ticks, EvoxFigureTick, i).y += bar_rect[1];
  if (ticks != NULL)
    *ticks = g_steal_pointer (&bar.ticks);
  return TRUE;
}

const char *
_evox_figure_get_colorbar_title (EvoxFigure *self)
{
  g_return_val_if_fail (EVOX_IS_FIGURE (self), NULL);
  return self->colormap != NULL ? self->title : NULL;
}

/* The legend's left (names) or right (fractions, "" for none) column, NULL-terminated. */
static const char **
legend_column (EvoxFigure *self,
               gboolean    values)
{
  const char **column = g_new0 (const char *, self->legend->len + 1);

  for (guint i = 0; i < self->legend->len; i++)
    {
      const LegendRow *row = &g_array_index (self->legend, LegendRow, i);

      if (!values)
        column[i] = row->text;
      else
        column[i] = row->value != NULL ? row->value : "";
    }
  return column;
}

const char **
_evox_figure_get_legend_texts (EvoxFigure *self)
{
  g_return_val_if_fail (EVOX_IS_FIGURE (self), NULL);
  return legend_column (self, FALSE);
}

const char **
_evox_figure_get_legend_values (EvoxFigure *self)
{
  g_return_val_if_fail (EVOX_IS_FIGURE (self), NULL);
  return legend_column (self, TRUE);
}

void
_evox_figure_get_legend_swatch (EvoxFigure *self,
                                guint       i,
                                double      rgb[3])
{
  g_return_if_fail (EVOX_IS_FIGURE (self));
  g_return_if_fail (i < self->legend->len);

  memcpy (rgb, g_array_index (self->legend, LegendRow, i).rgb, 3 * sizeof (double));
}

/* Drawing */

static void
draw_scale_bar (EvoxFigure   *self,
                cairo_t      *cr,
                int           width,
                int           height,
                double        scale,
                const double  box[4])
{
  g_auto(ScaleBar) bar = { 0 };
  double rect[4], pad = PADDING * scale;

  if (!measure_scale_bar (self, width, height, scale, &bar))
    return;
  _evox_figure_get_scale_bar (self, width, height, scale, NULL, NULL, rect);
  fill_box (cr, box);
  cairo_save (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_rectangle (cr, rect[0], rect[1], rect[2], rect[3]);
  cairo_fill (cr);
  cairo_restore (cr);
  show_text (self, cr, bar.label, font_pixels (self, scale),
             box[0] + (box[2] - bar.text_width) / 2, box[1] + pad);
}

/* The colour map as a gradient from the bar's bottom (t = 0) to its top, one flat band per
 * table entry as evox_colormap_sample picks the nearest: vector in an SVG or PDF, and in a PNG
 * the same colours the canvas gives each value. */
static void
draw_colorbar (EvoxFigure   *self,
               cairo_t      *cr,
               int           width,
               int           height,
               double        scale,
               const double  box[4])
{
  g_auto(ColorBar) bar = { 0 };
  const guint8 (*table)[3] = evox_colormap_get_table (self->colormap);
  double rect[4], font = font_pixels (self, scale), pad = PADDING * scale;
  cairo_pattern_t *gradient;

  if (!measure_colorbar (self, colorbar_room_height (self, width, height), scale, &bar) ||
      table == NULL)
    return;
  colorbar_bar_rect (self, &bar, box, scale, rect);
  fill_box (cr, box);
  show_text (self, cr, self->title, font, box[0] + pad, box[1] + pad);

  gradient = cairo_pattern_create_linear (0, rect[1] + rect[3], 0, rect[1]);
  for (guint i = 0; i < 256; i++)
    {
      double from = MAX (0.0, (i - 0.5) / 255.0), to = MIN (1.0, (i + 0.5) / 255.0);

      cairo_pattern_add_color_stop_rgb (gradient, from, table[i][0] / 255.0,
                                        table[i][1] / 255.0, table[i][2] / 255.0);
      cairo_pattern_add_color_stop_rgb (gradient, to, table[i][0] / 255.0, table[i][1] / 255.0,
                                        table[i][2] / 255.0);
    }
  cairo_save (cr);
  cairo_set_source (cr, gradient);
  cairo_rectangle (cr, rect[0], rect[1], rect[2], rect[3]);
  cairo_fill (cr);
  cairo_pattern_destroy (gradient);

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_set_line_width (cr, LINE_WIDTH * scale);
  for (guint i = 0; i < bar.ticks->len; i++)
    {
      EvoxFigureTick *tick = &g_array_index (bar.ticks, EvoxFigureTick, i);
      double y = rect[1] + tick->y;

      cairo_move_to (cr, rect[0] + rect[2], y);
      cairo_line_to (cr, rect[0] + rect[2] + TICK_LENGTH * font, y);
    }
  for (guint i = 0; i < bar.minor->len && bar.a1 != bar.a0; i++)
    {
      double at = g_array_index (bar.minor, double, i);
      double y = rect[1] + (1 - (at - bar.a0) / (bar.a1 - bar.a0)) * rect[3];

      cairo_move_to (cr, rect[0] + rect[2], y);
      cairo_line_to (cr, rect[0] + rect[2] + TICK_LENGTH * font / 2, y);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
  for (guint i = 0; i < bar.ticks->len; i++)
    {
      EvoxFigureTick *tick = &g_array_index (bar.ticks, EvoxFigureTick, i);

      show_text (self, cr, tick->label, font, rect[0] + rect[2] + TICK_LENGTH * font + pad / 2,
                 rect[1] + tick->y - bar.text_height / 2);
    }
}

static void
show_legend_text (cairo_t    *cr,
                  const char *text,
                  double      font_pixels,
                  double      x,
                  double      y,
                  gboolean    right,
                  gpointer    user_data)
{
  show_text_aligned (user_data, cr, text, font_pixels, x, y, right);
}

static void
draw_legend (EvoxFigure   *self,
             cairo_t      *cr,
             double        scale,
             const double  box[4])
{
  g_autofree EvoxLegendRow *rows = legend_rows (self);

  cairo_save (cr);
  cairo_translate (cr, box[0], box[1]);
  _evox_legend_box_draw (rows, self->legend->len, cr, font_pixels (self, scale), scale,
                         show_legend_text, self);
  cairo_restore (cr);
}

static int
compare_depth (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const double (*axes)[3] = user_data;
  double za = axes[*(const guint *) a][2], zb = axes[*(const guint *) b][2];

  return (za > zb) - (za < zb);
}

/* x red, y green, z blue from the box's centre, the farthest first so the nearest is on top; an
 * axis along the view is a circle with a dot (towards the viewer) or a cross (away). */
static void
draw_axes (EvoxFigure   *self,
           cairo_t      *cr,
           double        scale,
           const double  box[4])
{
  static const double colors[3][3] = { { 1, 0.35, 0.35 }, { 0.4, 0.95, 0.4 }, { 0.45, 0.65, 1 } };
  double font = font_pixels (self, scale), length = TRIAD_LENGTH * font;
  double cx = box[0] + box[2] / 2, cy = box[1] + box[3] / 2;
  double lo[2] = { 0, 0 }, hi[2] = { 0, 0 };
  guint order[3] = { 0, 1, 2 };

  /* The triad's own extent (its tips) centred in the box, not its origin: a 2D view's two
   * arrows then sit in the middle. */
  for (guint a = 0; a < 3; a++)
    for (guint c = 0; c < 2; c++)
      {
        lo[c] = MIN (lo[c], length * self->geometry.axes[a][c]);
        hi[c] = MAX (hi[c], length * self->geometry.axes[a][c]);
      }
  cx -= (lo[0] + hi[0]) / 2;
  cy -= (lo[1] + hi[1]) / 2;

  g_qsort_with_data (order, 3, sizeof order[0], compare_depth, self->geometry.axes);
  fill_box (cr, box);
  for (guint i = 0; i < 3; i++)
    {
      guint a = order[i];
      const double *d = self->geometry.axes[a];
      double flat = hypot (d[0], d[1]);
      char letter[2] = { "xyz"[a], '\0' };
      double w, h, tx, ty;

      cairo_save (cr);
      cairo_set_source_rgb (cr, colors[a][0], colors[a][1], colors[a][2]);
      cairo_set_line_width (cr, LINE_WIDTH * scale * 1.5);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
      text_size (letter, font, &w, &h);
      if (flat < 0.05)
        {
          double r = 0.35 * font;

          cairo_new_sub_path (cr);
          cairo_arc (cr, cx, cy, r, 0, 2 * G_PI);
          cairo_stroke (cr);
          if (d[2] > 0)
            {
              cairo_arc (cr, cx, cy, 0.3 * r, 0, 2 * G_PI);
              cairo_fill (cr);
            }
          else
            {
              cairo_move_to (cr, cx - 0.7 * r, cy - 0.7 * r);
              cairo_line_to (cr, cx + 0.7 * r, cy + 0.7 * r);
              cairo_move_to (cr, cx + 0.7 * r, cy - 0.7 * r);
              cairo_line_to (cr, cx - 0.7 * r, cy + 0.7 * r);
              cairo_stroke (cr);
            }
          /* Up and left: the 2D views' other two axes point right and down. */
          tx = cx - r - w;
          ty = cy - r - h;
        }
      else
        {
          cairo_move_to (cr, cx, cy);
          cairo_line_to (cr, cx + length * d[0], cy + length * d[1]);
          cairo_stroke (cr);
          tx = cx + (length + 0.6 * MAX (w, h)) * d[0] / flat * MIN (1.0, flat + 0.3) - w / 2;
          ty = cy + (length + 0.6 * MAX (w, h)) * d[1] / flat * MIN (1.0, flat + 0.3) - h / 2;
        }
      cairo_restore (cr);
      show_text (self, cr, letter, font, tx, ty);
    }
}

static void
draw_label (EvoxFigure   *self,
            cairo_t      *cr,
            guint         index,
            double        scale,
            const double  box[4])
{
  double pad = PADDING * scale;

  fill_box (cr, box);
  show_text (self, cr, evox_overlays_get_label (self->overlays, index, NULL, NULL),
             font_pixels (self, scale), box[0] + pad, box[1] + pad);
}

void
evox_figure_draw (EvoxFigure *self,
                  cairo_t    *cr,
                  int         width,
                  int         height,
                  double      scale)
{
  g_return_if_fail (EVOX_IS_FIGURE (self));
  g_return_if_fail (cr != NULL);

  for (int item = 0; item < n_items (self); item++)
    {
      double box[4];

      if (!evox_figure_get_item_rect (self, item, width, height, scale, box))
        continue;
      switch (item)
        {
        case EVOX_OVERLAY_SCALE_BAR:
          draw_scale_bar (self, cr, width, height, scale, box);
          break;
        case EVOX_OVERLAY_COLORBAR:
          draw_colorbar (self, cr, width, height, scale, box);
          break;
        case EVOX_OVERLAY_LEGEND:
          draw_legend (self, cr, scale, box);
          break;
        case EVOX_OVERLAY_AXES:
          draw_axes (self, cr, scale, box);
          break;
        default:
          draw_label (self, cr, (guint) item - EVOX_N_OVERLAY_ITEMS, scale, box);
          break;
        }
    }
}

/* Writing */

EvoxFigureFormat
evox_figure_format_from_path (const char *path)
{
  const char *dot;
  g_autofree char *extension = NULL;

  g_return_val_if_fail (path != NULL, EVOX_FIGURE_FORMAT_UNKNOWN);

  dot = strrchr (path, '.');
  if (dot == NULL || strchr (dot, G_DIR_SEPARATOR) != NULL)
    return EVOX_FIGURE_FORMAT_UNKNOWN;
  extension = g_ascii_strdown (dot + 1, -1);
  if (g_str_equal (extension, "png"))
    return EVOX_FIGURE_FORMAT_PNG;
  if (g_str_equal (extension, "tif") || g_str_equal (extension, "tiff"))
    return EVOX_FIGURE_FORMAT_TIFF;
  if (g_str_equal (extension, "svg"))
    return EVOX_FIGURE_FORMAT_SVG;
  if (g_str_equal (extension, "pdf"))
    return EVOX_FIGURE_FORMAT_PDF;
  return EVOX_FIGURE_FORMAT_UNKNOWN;
}

/* Straight RGBA rows into a new premultiplied ARGB32 surface; NULL when cairo has no memory. */
static cairo_surface_t *
surface_from_rgba (const guint8 *rgba,
                   int           width,
                   int           height)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  guint8 *data;
  int stride;

  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (surface);
      return NULL;
    }
  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (int y = 0; y < height; y++)
    {
      const guint8 *in = rgba + (gsize) y * width * 4;
      guint32 *out = (guint32 *) (data + (gsize) y * stride);

      for (int x = 0; x < width; x++, in += 4)
        {
          guint a = in[3];
          guint r = (in[0] * a + 127) / 255, g = (in[1] * a + 127) / 255;
          guint b = (in[2] * a + 127) / 255;

          out[x] = (a << 24) | (r << 16) | (g << 8) | b;
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

/* The surface's pixels back into straight RGBA rows, written over rgba: no third copy of a
 * figure that may be 16384 pixels a side. */
static void
rgba_from_surface (cairo_surface_t *surface,
                   guint8          *rgba,
                   int              width,
                   int              height)
{
  const guint8 *data;
  int stride;

  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (int y = 0; y < height; y++)
    {
      const guint32 *in = (const guint32 *) (data + (gsize) y * stride);
      guint8 *out = rgba + (gsize) y * width * 4;

      for (int x = 0; x < width; x++, out += 4)
        {
          guint32 p = in[x];
          guint a = p >> 24;

          for (int c = 0; c < 3; c++)
            {
              guint v = (p >> (16 - 8 * c)) & 0xff;

              out[c] = a == 0 ? 0 : (guint8) MIN (255u, (v * 255 + a / 2) / a);
            }
          out[3] = (guint8) a;
        }
    }
}

gboolean
_evox_figure_draw_onto (EvoxFigure *self,
                        guint8     *rgba,
                        int         width,
                        int         height,
                        double      scale)
{
  cairo_surface_t *surface;
  cairo_t *cr;

  g_return_val_if_fail (EVOX_IS_FIGURE (self), FALSE);
  g_return_val_if_fail (rgba != NULL && width > 0 && height > 0, FALSE);

  if ((surface = surface_from_rgba (rgba, width, height)) == NULL)
    return FALSE;
  cr = cairo_create (surface);
  evox_figure_draw (self, cr, width, height, scale);
  cairo_destroy (cr);
  rgba_from_surface (surface, rgba, width, height);
  cairo_surface_destroy (surface);
  return TRUE;
}

static gboolean
write_raster (EvoxFigure          *self,
              const char          *path,
              const guint8        *rgba,
              int                  width,
              int                  height,
              double               scale,
              EvoxImageWriteFlags  flags,
              GError             **error)
{
  g_autofree guint8 *pixels = g_try_malloc ((gsize) width * height * 4);

  if (pixels == NULL ||
      !_evox_figure_draw_onto (self, memcpy (pixels, rgba, (gsize) width * height * 4), width,
                               height, scale))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "Cannot write %s: not enough memory for a %d x %d figure", path, width, height);
      return FALSE;
    }
  return evox_image_write_with_provenance (path, pixels, width, height, flags, self->provenance,
                                           error);
}

void
evox_figure_set_provenance (EvoxFigure *self,
                            const char *provenance)
{
  g_return_if_fail (EVOX_IS_FIGURE (self));

  g_free (self->provenance);
  self->provenance = g_strdup (provenance);
}

/* The record as the SVG's <metadata>, first in the document as SVG 1.1 places it. */
static gboolean
insert_svg_metadata (GString    *document,
                     const char *provenance)
{
  const char *open = strstr (document->str, "<svg");
  const char *end = open != NULL ? strchr (open, '>') : NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *element = NULL;

  if (end == NULL)
    return FALSE;
  escaped = g_markup_escape_text (provenance, -1);
  element = g_strdup_printf ("\n<metadata id=\"evox-provenance\">%s</metadata>", escaped);
  g_string_insert (document, end + 1 - document->str, element);
  return TRUE;
}

static cairo_status_t
append_to_string (void                *closure,
                  const unsigned char *data,
                  unsigned int         length)
{
  g_string_append_len (closure, (const char *) data, length);
  return CAIRO_STATUS_SUCCESS;
}

typedef struct
{
  EvoxFigure       *figure;
  EvoxFigureFormat  format;
  const guint8     *rgba;
  int               width;
  int               height;
  double            scale;
} VectorJob;

/* The whole document, made in memory: cairo draws it, then (SVG) the texts go in as <text>. */
static GString *
make_vector (VectorJob  *job,
             const char *path,
             GError    **error)
{
  g_autoptr(GString) document = g_string_new (NULL);
  cairo_surface_t *picture, *surface;
  cairo_status_t status;
  cairo_t *cr;

  picture = surface_from_rgba (job->rgba, job->width, job->height);
  if (picture == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "Cannot write %s: not enough memory for a %d x %d figure", path, job->width,
                   job->height);
      return NULL;
    }
  if (job->format == EVOX_FIGURE_FORMAT_SVG)
    {
      surface = cairo_svg_surface_create_for_stream (append_to_string, document, job->width,
                                                     job->height);
      /* Image pixels are CSS pixels, 96 to the inch. */
      cairo_svg_surface_set_document_unit (surface, CAIRO_SVG_UNIT_PX);
    }
  else
    /* PDF pages are in points, 72 to the inch: an image pixel at 96 per inch is 0.75 pt. */
    surface = cairo_pdf_surface_create_for_stream (append_to_string, document,
                                                   job->width * 0.75, job->height * 0.75);
  cr = cairo_create (surface);
  if (job->format == EVOX_FIGURE_FORMAT_PDF)
    {
      cairo_scale (cr, 0.75, 0.75);
      if (job->figure->provenance != NULL)
        cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_SUBJECT,
                                        job->figure->provenance);
    }
  cairo_set_source_surface (cr, picture, 0, 0);
  cairo_paint (cr);
  if (job->format == EVOX_FIGURE_FORMAT_SVG)
    job->figure->svg_text = g_string_new (NULL);
  evox_figure_draw (job->figure, cr, job->width, job->height, job->scale);
  cairo_show_page (cr);
  status = cairo_status (cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  cairo_surface_destroy (picture);
  if (job->figure->svg_text != NULL)
    {
      g_autoptr(GString) texts = job->figure->svg_text;
      const char *end;

      job->figure->svg_text = NULL;
      end = g_strrstr (document->str, "</svg>");
      if (status == CAIRO_STATUS_SUCCESS && end != NULL)
        g_string_insert (document, end - document->str, texts->str);
      else if (status == CAIRO_STATUS_SUCCESS)
        status = CAIRO_STATUS_WRITE_ERROR;
      if (status == CAIRO_STATUS_SUCCESS && job->figure->provenance != NULL &&
          !insert_svg_metadata (document, job->figure->provenance))
        status = CAIRO_STATUS_WRITE_ERROR;
    }
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED, "Cannot write %s: %s", path,
                   cairo_status_to_string (status));
      return NULL;
    }
  return g_steal_pointer (&document);
}

static gboolean
write_vector_file (int          fd,
                   const char  *path,
                   gpointer     user_data,
                   GError     **error)
{
  g_autoptr(GString) document = make_vector (user_data, path, error);

  if (document == NULL)
    {
      close (fd);
      return FALSE;
    }
  return _evox_output_write_bytes (fd, document->str, document->len, path, error);
}

gboolean
evox_figure_write (EvoxFigure          *self,
                   const char          *path,
                   const guint8        *rgba,
                   int                  width,
                   int                  height,
                   double               scale,
                   EvoxImageWriteFlags  flags,
                   GError             **error)
{
  EvoxFigureFormat format;
  VectorJob job;

  g_return_val_if_fail (EVOX_IS_FIGURE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (rgba != NULL && width > 0 && height > 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  format = evox_figure_format_from_path (path);
  switch (format)
    {
    case EVOX_FIGURE_FORMAT_PNG:
    case EVOX_FIGURE_FORMAT_TIFF:
      if (!(flags & EVOX_IMAGE_WRITE_OVERWRITE) && g_file_test (path, G_FILE_TEST_EXISTS))
        break;   /* evox_image_write says so, before any drawing */
      return write_raster (self, path, rgba, width, height, scale, flags, error);
    case EVOX_FIGURE_FORMAT_SVG:
    case EVOX_FIGURE_FORMAT_PDF:
      job = (VectorJob) { self, format, rgba, width, height, scale };
      return _evox_output_write (path, flags & EVOX_IMAGE_WRITE_OVERWRITE, write_vector_file,
                                 &job, error);
    case EVOX_FIGURE_FORMAT_UNKNOWN:
    default:
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Cannot write %s: the name must end in .png, .tif, .tiff, .svg or .pdf", path);
      return FALSE;
    }
  return evox_image_write_with_provenance (path, rgba, width, height, flags, self->provenance,
                                           error);
}
