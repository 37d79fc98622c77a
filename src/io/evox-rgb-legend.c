/* evox-rgb-legend.c: the RGB composite's legend drawn with cairo and pango, no GTK. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-rgb-legend.h"

#include <math.h>
#include <pango/pangocairo.h>

#include "evox-legend-box.h"
#include "evox-units.h"

/* Text size in pixels at scale 1; the box's other sizes are the legend box's. */
#define FONT_SIZE 12.0

typedef struct
{
  char   *label;   /* NULL: no row */
  double  lo;
  double  hi;
  char   *unit;
} Row;

struct _EvoxRgbLegend
{
  GObject parent_instance;

  Row     rows[3];
};

G_DEFINE_FINAL_TYPE (EvoxRgbLegend, evox_rgb_legend, G_TYPE_OBJECT)

static const double swatch_colors[3][3] = { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } };
static const char slot_letters[3] = { 'R', 'G', 'B' };

static void
row_clear (Row *row)
{
  g_clear_pointer (&row->label, g_free);
  g_clear_pointer (&row->unit, g_free);
}

static void
evox_rgb_legend_finalize (GObject *object)
{
  EvoxRgbLegend *self = EVOX_RGB_LEGEND (object);

  for (guint s = 0; s < 3; s++)
    row_clear (&self->rows[s]);
  G_OBJECT_CLASS (evox_rgb_legend_parent_class)->finalize (object);
}

static void
evox_rgb_legend_class_init (EvoxRgbLegendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = evox_rgb_legend_finalize;
}

static void
evox_rgb_legend_init (EvoxRgbLegend *self)
{
}

EvoxRgbLegend *
evox_rgb_legend_new (void)
{
  return g_object_new (EVOX_TYPE_RGB_LEGEND, NULL);
}

EvoxRgbLegend *
evox_rgb_legend_new_from_document (EvoxDocument *document)
{
  g_autoptr(EvoxRgbLegend) self = NULL;
  EvoxVolume *volume;

  g_return_val_if_fail (EVOX_IS_DOCUMENT (document), NULL);

  volume = evox_document_get_volume (document);
  if (!evox_document_get_composite (document) || volume == NULL)
    return NULL;
  self = evox_rgb_legend_new ();
  for (guint s = 0; s < 3; s++)
    {
      int channel;
      double lo, hi;

      evox_document_get_composite_slot (document, s, &channel, &lo, &hi);
      if (channel < 0 || (guint) channel >= evox_volume_get_n_channels (volume))
        continue;
      evox_rgb_legend_set_row (self, s, evox_volume_get_channel_label (volume, (guint) channel),
                               lo, hi, evox_volume_get_channel_unit (volume, (guint) channel));
    }
  if (evox_rgb_legend_get_n_rows (self) == 0)
    return NULL;
  return g_steal_pointer (&self);
}

void
evox_rgb_legend_set_row (EvoxRgbLegend *self,
                         guint          slot,
                         const char    *label,
                         double         lo,
                         double         hi,
                         const char    *unit)
{
  Row *row;

  g_return_if_fail (EVOX_IS_RGB_LEGEND (self));
  g_return_if_fail (slot < 3);

  row = &self->rows[slot];
  row_clear (row);
  if (label == NULL)
    return;
  row->label = g_strdup (label);
  row->lo = lo;
  row->hi = hi;
  /* "value" is what a channel without a unit says; it adds nothing to a legend. The legend is
   * read, so the unit is written as people write it (µg/cm²). */
  if (unit != NULL && *unit != '\0' && g_strcmp0 (unit, "value") != 0)
    row->unit = evox_units_dup_display (unit);
}

guint
evox_rgb_legend_get_n_rows (EvoxRgbLegend *self)
{
  guint n = 0;

  g_return_val_if_fail (EVOX_IS_RGB_LEGEND (self), 0);
  for (guint s = 0; s < 3; s++)
    n += self->rows[s].label != NULL;
  return n;
}

/* Three significant digits, as a range is read; whole numbers up to a million as they are
 * (an edge energy of 8333 eV, not 8.33e+03). */
static char *
format_number (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (value == 0)
    return g_strdup ("0");
  g_ascii_formatd (buffer, sizeof buffer, fabs (value) >= 1000 && fabs (value) < 1e6 ? "%.0f"
                                                                                 : "%.3g", value);
  return g_strdup (buffer);
}

char *
evox_rgb_legend_dup_text (EvoxRgbLegend *self,
                          guint          slot)
{
  const Row *row;
  g_autofree char *lo = NULL;
  g_autofree char *hi = NULL;

  g_return_val_if_fail (EVOX_IS_RGB_LEGEND (self), NULL);
  g_return_val_if_fail (slot < 3, NULL);

  row = &self->rows[slot];
  if (row->label == NULL)
    return NULL;
  lo = format_number (row->lo);
  hi = format_number (row->hi);
  return g_strdup_printf ("%c  %s  %s – %s%s%s", slot_letters[slot], row->label, lo, hi,
                          row->unit != NULL ? " " : "", row->unit != NULL ? row->unit : "");
}

/* The rows that are set, in slot order, for the legend box; texts freed by rows_clear. */
static guint
collect_rows (EvoxRgbLegend *self,
              EvoxLegendRow  rows[3])
{
  guint n = 0;

  for (guint s = 0; s < 3; s++)
    {
      char *text = evox_rgb_legend_dup_text (self, s);

      if (text == NULL)
        continue;
      for (guint c = 0; c < 3; c++)
        rows[n].rgb[c] = swatch_colors[s][c];
      rows[n].text = text;
      rows[n].value = NULL;
      n++;
    }
  return n;
}

static void
rows_clear (EvoxLegendRow *rows,
            guint          n)
{
  for (guint i = 0; i < n; i++)
    g_free ((char *) rows[i].text);
}

void
evox_rgb_legend_get_size (EvoxRgbLegend *self,
                          double         scale,
                          int           *width,
                          int           *height)
{
  EvoxLegendRow rows[3];
  double w, h;
  guint n;

  g_return_if_fail (EVOX_IS_RGB_LEGEND (self));

  n = collect_rows (self, rows);
  _evox_legend_box_measure (rows, n, FONT_SIZE * scale, scale, &w, &h, NULL);
  rows_clear (rows, n);
  if (width != NULL)
    *width = (int) w;
  if (height != NULL)
    *height = (int) h;
}

gboolean
evox_rgb_legend_get_swatch (EvoxRgbLegend *self,
                            guint          slot,
                            double         scale,
                            double         rect[4])
{
  EvoxLegendRow rows[3];
  guint n, row = 0;

  g_return_val_if_fail (EVOX_IS_RGB_LEGEND (self), FALSE);
  g_return_val_if_fail (slot < 3, FALSE);

  if (self->rows[slot].label == NULL)
    return FALSE;
  for (guint s = 0; s < slot; s++)
    row += self->rows[s].label != NULL;
  n = collect_rows (self, rows);
  _evox_legend_box_get_swatch (rows, n, row, FONT_SIZE * scale, scale, rect);
  rows_clear (rows, n);
  return TRUE;
}

void
evox_rgb_legend_draw (EvoxRgbLegend *self,
                      cairo_t       *cr,
                      double         scale)
{
  EvoxLegendRow rows[3];
  guint n;

  g_return_if_fail (EVOX_IS_RGB_LEGEND (self));

  n = collect_rows (self, rows);
  _evox_legend_box_draw (rows, n, cr, FONT_SIZE * scale, scale, NULL, NULL);
  rows_clear (rows, n);
}

gboolean
evox_rgb_legend_draw_onto (EvoxRgbLegend *self,
                           guint8        *rgba,
                           int            width,
                           int            height,
                           double         scale)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  const guint8 *data;
  int box_width, box_height, stride, x0, y0;

  g_return_val_if_fail (EVOX_IS_RGB_LEGEND (self), FALSE);
  g_return_val_if_fail (rgba != NULL && width > 0 && height > 0, FALSE);

  evox_rgb_legend_get_size (self, scale, &box_width, &box_height);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, box_width, box_height);
  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (surface);
      return FALSE;
    }
  cr = cairo_create (surface);
  evox_rgb_legend_draw (self, cr, scale);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  if (data == NULL)
    {
      cairo_surface_destroy (surface);
      return FALSE;
    }

  /* Cairo's premultiplied ARGB words "over" the image's straight RGBA. */
  x0 = y0 = (int) round (EVOX_RGB_LEGEND_MARGIN * scale);
  if (x0 >= width)
    box_height = 0;
  for (int y = 0; y < box_height && y0 + y < height; y++)
    {
      const guint32 *row = (const guint32 *) (data + (gsize) y * stride);
      guint8 *out = rgba + ((gsize) (y0 + y) * width + x0) * 4;

      for (int x = 0; x < box_width && x0 + x < width; x++, out += 4)
        {
          guint32 p = row[x];
          double a = (p >> 24) / 255.0;
          double under = out[3] / 255.0;
          double alpha = a + under * (1 - a);

          if (a == 0)
            continue;
          for (int c = 0; c < 3; c++)
            {
              double source = ((p >> (16 - 8 * c)) & 0xff) / 255.0;   /* premultiplied */
              double mixed = source + out[c] / 255.0 * under * (1 - a);

              out[c] = (guint8) CLAMP (round (mixed / alpha * 255.0), 0, 255);
            }
          out[3] = (guint8) CLAMP (round (alpha * 255.0), 0, 255);
        }
    }
  cairo_surface_destroy (surface);
  return TRUE;
}
