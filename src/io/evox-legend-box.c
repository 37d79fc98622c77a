/* evox-legend-box.c: legend boxes (swatch and text rows) drawn with cairo and pango, no GTK. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-legend-box.h"

#include <math.h>

#include "evox-figure-text.h"

void
_evox_legend_box_measure (const EvoxLegendRow *rows,
                          guint                n,
                          double               font_pixels,
                          double               scale,
                          double              *width,
                          double              *height,
                          double              *row_height)
{
  /* Measured on a scratch surface: unhinted text has the same extent on every surface. */
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t *cr = cairo_create (surface);
  PangoLayout *layout = evox_figure_text_layout_new (cr, font_pixels);
  double widest = 0, widest_value = 0, tallest = EVOX_LEGEND_BOX_SWATCH * scale;

  for (guint i = 0; i < n; i++)
    {
      PangoRectangle logical;

      pango_layout_set_text (layout, rows[i].text, -1);
      pango_layout_get_extents (layout, NULL, &logical);
      widest = MAX (widest, logical.width / (double) PANGO_SCALE);
      tallest = MAX (tallest, logical.height / (double) PANGO_SCALE);
      if (rows[i].value == NULL)
        continue;
      pango_layout_set_text (layout, rows[i].value, -1);
      pango_layout_get_extents (layout, NULL, &logical);
      widest_value = MAX (widest_value, logical.width / (double) PANGO_SCALE);
      tallest = MAX (tallest, logical.height / (double) PANGO_SCALE);
    }
  /* The values in a column of their own: names left, fractions right-aligned, so the numbers'
   * digits line up down the legend. */
  if (widest_value > 0)
    widest += EVOX_LEGEND_BOX_COLUMN_GAP * scale + widest_value;
  g_object_unref (layout);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);

  if (width != NULL)
    *width = ceil ((2 * EVOX_LEGEND_BOX_PADDING + EVOX_LEGEND_BOX_SWATCH + EVOX_LEGEND_BOX_GAP)
                   * scale + widest);
  if (height != NULL)
    *height = ceil (2 * EVOX_LEGEND_BOX_PADDING * scale + n * tallest);
  if (row_height != NULL)
    *row_height = tallest;
}

double
_evox_legend_box_get_value_right (double width,
                                  double scale)
{
  return width - EVOX_LEGEND_BOX_PADDING * scale;
}

/* Row i's swatch, centred in its row. */
static void
swatch_rect (guint   i,
             double  row_height,
             double  scale,
             double  rect[4])
{
  rect[0] = EVOX_LEGEND_BOX_PADDING * scale;
  rect[1] = EVOX_LEGEND_BOX_PADDING * scale + i * row_height
            + (row_height - EVOX_LEGEND_BOX_SWATCH * scale) / 2;
  rect[2] = EVOX_LEGEND_BOX_SWATCH * scale;
  rect[3] = EVOX_LEGEND_BOX_SWATCH * scale;
}

void
_evox_legend_box_get_swatch (const EvoxLegendRow *rows,
                             guint                n,
                             guint                i,
                             double               font_pixels,
                             double               scale,
                             double               rect[4])
{
  double row_height;

  g_return_if_fail (i < n);

  _evox_legend_box_measure (rows, n, font_pixels, scale, NULL, NULL, &row_height);
  swatch_rect (i, row_height, scale, rect);
}

void
_evox_legend_box_draw (const EvoxLegendRow   *rows,
                       guint                  n,
                       cairo_t               *cr,
                       double                 font_pixels,
                       double                 scale,
                       EvoxLegendBoxTextFunc  show_text,
                       gpointer               user_data)
{
  PangoLayout *layout;
  double width, height, row_height;

  _evox_legend_box_measure (rows, n, font_pixels, scale, &width, &height, &row_height);
  cairo_save (cr);
  /* The dark translucent box of the canvas's other notes, so white text reads on any image. */
  cairo_set_source_rgba (cr, 0, 0, 0, 0.65);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);

  layout = evox_figure_text_layout_new (cr, font_pixels);
  for (guint i = 0; i < n; i++)
    {
      double rect[4], x, y;

      /* From the one measurement above: measuring every row again for each swatch made a
       * legend of n rows lay out n² texts each frame. */
      swatch_rect (i, row_height, scale, rect);
      cairo_set_source_rgb (cr, rows[i].rgb[0], rows[i].rgb[1], rows[i].rgb[2]);
      cairo_rectangle (cr, rect[0], rect[1], rect[2], rect[3]);
      cairo_fill (cr);

      x = (EVOX_LEGEND_BOX_PADDING + EVOX_LEGEND_BOX_SWATCH + EVOX_LEGEND_BOX_GAP) * scale;
      y = EVOX_LEGEND_BOX_PADDING * scale + i * row_height;
      if (show_text != NULL)
        {
          show_text (cr, rows[i].text, font_pixels, x, y, FALSE, user_data);
          if (rows[i].value != NULL)
            show_text (cr, rows[i].value, font_pixels,
                       _evox_legend_box_get_value_right (width, scale), y, TRUE, user_data);
          continue;
        }
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_move_to (cr, x, y);
      pango_layout_set_text (layout, rows[i].text, -1);
      pango_cairo_show_layout (cr, layout);
      if (rows[i].value != NULL)
        {
          PangoRectangle logical;

          pango_layout_set_text (layout, rows[i].value, -1);
          pango_layout_get_extents (layout, NULL, &logical);
          cairo_move_to (cr, _evox_legend_box_get_value_right (width, scale)
                             - logical.width / (double) PANGO_SCALE, y);
          pango_cairo_show_layout (cr, layout);
        }
    }
  g_object_unref (layout);
  cairo_restore (cr);
}
