/* evox-ui-util.c: small glue shared by the window, its panels and its plots. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-ui-util.h"

#include <glib/gi18n.h>
#include <math.h>

#include "evox-display.h"

static gboolean
enum_to_selected (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  g_value_set_uint (to, (guint) g_value_get_enum (from));
  return TRUE;
}

static gboolean
selected_to_enum (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  guint selected = g_value_get_uint (from);

  if (selected == GTK_INVALID_LIST_POSITION)
    return FALSE;
  g_value_set_enum (to, (int) selected);
  return TRUE;
}

GBinding *
_evox_bind_enum_to_dropdown (gpointer     source,
                             const char  *property,
                             GtkDropDown *dropdown)
{
  g_return_val_if_fail (G_IS_OBJECT (source), NULL);
  g_return_val_if_fail (GTK_IS_DROP_DOWN (dropdown), NULL);

  return g_object_bind_property_full (source, property, dropdown, "selected",
                                      G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                                      enum_to_selected, selected_to_enum, NULL, NULL);
}

void
_evox_clear_bindings (GBinding **bindings,
                      guint      n_bindings)
{
  for (guint i = 0; i < n_bindings; i++)
    if (bindings[i] != NULL)
      {
        g_binding_unbind (bindings[i]);
        g_clear_object (&bindings[i]);
      }
}

char *
_evox_format_decade (int exponent)
{
  static const char * const digits[] = { "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹" };
  GString *text = g_string_new ("10");
  char number[16];

  g_snprintf (number, sizeof number, "%d", exponent);
  for (const char *p = number; *p; p++)
    g_string_append (text, *p == '-' ? "⁻" : digits[*p - '0']);
  return g_string_free (text, FALSE);
}

/* Drawing */

void
_evox_fill (GtkSnapshot   *snapshot,
            const GdkRGBA *color,
            double         x,
            double         y,
            double         width,
            double         height)
{
  if (width <= 0 || height <= 0)
    return;
  gtk_snapshot_append_color (snapshot, color, &GRAPHENE_RECT_INIT (x, y, width, height));
}

GdkRGBA
_evox_with_alpha (const GdkRGBA *color,
                  float          alpha)
{
  GdkRGBA c = *color;

  c.alpha *= alpha;
  return c;
}

void
_evox_get_foreground (GtkWidget *widget,
                      GdkRGBA   *color)
{
#if GTK_CHECK_VERSION (4, 10, 0)
  gtk_widget_get_color (widget, color);
#else
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), color);
#endif
}

/* Text */

PangoLayout *
_evox_create_small_layout (GtkWidget *widget)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, NULL);
  PangoAttrList *attrs = pango_attr_list_new ();

  pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  return layout;
}

void
_evox_measure_text (PangoLayout *layout,
                    const char  *text,
                    int         *width,
                    int         *height)
{
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, width, height);
}

void
_evox_draw_text (GtkSnapshot   *snapshot,
                 PangoLayout   *layout,
                 const char    *text,
                 double         x,
                 double         y,
                 const GdkRGBA *color)
{
  pango_layout_set_text (layout, text, -1);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (round (x), round (y)));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

void
_evox_draw_title (GtkSnapshot           *snapshot,
                  PangoLayout           *layout,
                  const char            *title,
                  const graphene_rect_t *area,
                  double                 y,
                  const GdkRGBA         *color)
{
  int width, height;

  _evox_measure_text (layout, title, &width, &height);
  _evox_draw_text (snapshot, layout, title,
                   MAX (area->origin.x + (area->size.width - width) / 2, 0), y, color);
}

/* Ticks */

char *
_evox_format_tick_value (double value,
                         double step,
                         int    max_decimals)
{
  int decimals = step < 1 ? (int) ceil (-log10 (step) - 1e-9) : 0;

  if (fabs (value) < step * 1e-6)
    value = 0;
  if (fabs (value) >= 1e6 || decimals > max_decimals)
    return g_strdup_printf ("%.3g", value);
  return g_strdup_printf ("%.*f", decimals, value);
}

static void
tick_clear (gpointer data)
{
  EvoxTick *tick = data;

  g_free (tick->label);
}

GArray *
_evox_ticks_new (void)
{
  GArray *ticks = g_array_new (FALSE, TRUE, sizeof (EvoxTick));

  g_array_set_clear_func (ticks, tick_clear);
  return ticks;
}

void
_evox_ticks_add (GArray      *ticks,
                 PangoLayout *layout,
                 double       at,
                 char        *label)
{
  EvoxTick tick = { at, label, 0, 0 };

  if (label != NULL)
    _evox_measure_text (layout, label, &tick.width, &tick.height);
  g_array_append_val (ticks, tick);
}

gboolean
_evox_ticks_fit (GArray  *ticks,
                 double   a0,
                 double   a1,
                 double   length,
                 gboolean horizontal)
{
  const EvoxTick *last = NULL;

  for (guint i = 0; i < ticks->len; i++)
    {
      const EvoxTick *tick = &g_array_index (ticks, EvoxTick, i);

      if (tick->label == NULL)
        continue;
      if (last != NULL)
        {
          double distance = (tick->at - last->at) / (a1 - a0) * length;
          double need = horizontal ? (tick->width + last->width) / 2.0 + 10
                                   : (tick->height + last->height) / 2.0 + 4;
          if (distance < need)
            return FALSE;
        }
      last = tick;
    }
  return TRUE;
}

GArray *
_evox_stepped_ticks (PangoLayout    *layout,
                     double          a0,
                     double          a1,
                     double          length,
                     gboolean        horizontal,
                     double          spacing,
                     double          min_step,
                     EvoxTickFormat  format,
                     gpointer        user_data)
{
  double step = evox_nice_ceil (MAX ((a1 - a0) / MAX (2.0, length / spacing), min_step));
  GArray *ticks = _evox_ticks_new ();

  for (guint tries = 0; tries < 32; tries++, step = evox_nice_ceil (step * 1.5))
    {
      double first = ceil (a0 / step - 1e-9);
      double last = floor (a1 / step + 1e-9);

      g_array_set_size (ticks, 0);
      for (double k = first; k <= last; k++)
        {
          double at = k * step + 0.0;  /* no "-0" */
          _evox_ticks_add (ticks, layout, at, format (at, step, user_data));
        }
      if (_evox_ticks_fit (ticks, a0, a1, length, horizontal))
        break;
    }
  return ticks;
}

void
_evox_draw_y_ticks (GtkSnapshot           *snapshot,
                    PangoLayout           *layout,
                    GArray                *ticks,
                    const graphene_rect_t *area,
                    double                 a0,
                    double                 a1,
                    int                    widget_height,
                    const GdkRGBA         *fg)
{
  GdkRGBA grid = _evox_with_alpha (fg, 0.1f), text = _evox_with_alpha (fg, 0.8f);
  double left = area->origin.x, bottom = area->origin.y + area->size.height;

  for (guint i = 0; i < ticks->len; i++)
    {
      const EvoxTick *tick = &g_array_index (ticks, EvoxTick, i);
      double y = round (bottom - (tick->at - a0) / (a1 - a0) * area->size.height);

      if (y < area->origin.y - 0.5 || y > bottom + 0.5)
        continue;
      if (y < bottom - 0.5)
        _evox_fill (snapshot, &grid, left, y, area->size.width, 1);
      _evox_fill (snapshot, &text, left - EVOX_TICK_LENGTH - 1, y, EVOX_TICK_LENGTH, 1);
      _evox_draw_text (snapshot, layout, tick->label, left - EVOX_TICK_LENGTH - 4 - tick->width,
                       CLAMP (y - tick->height / 2.0, 0, widget_height - tick->height), &text);
    }
}

void
_evox_draw_x_ticks (GtkSnapshot           *snapshot,
                    PangoLayout           *layout,
                    GArray                *ticks,
                    const graphene_rect_t *area,
                    double                 a0,
                    double                 a1,
                    double                 top,
                    int                    widget_width,
                    const GdkRGBA         *fg)
{
  GdkRGBA text = _evox_with_alpha (fg, 0.8f);
  double left = area->origin.x, right = area->origin.x + area->size.width;

  for (guint i = 0; i < ticks->len; i++)
    {
      const EvoxTick *tick = &g_array_index (ticks, EvoxTick, i);
      double x = round (left + (tick->at - a0) / (a1 - a0) * area->size.width);

      if (x < left - 0.5 || x > right + 0.5)
        continue;
      _evox_fill (snapshot, &text, MIN (x, right - 1), top,
                  1, tick->label != NULL ? EVOX_TICK_LENGTH : EVOX_TICK_LENGTH / 2);
      if (tick->label != NULL)
        _evox_draw_text (snapshot, layout, tick->label,
                         CLAMP (x - tick->width / 2.0, 0, widget_width - tick->width),
                         top + EVOX_TICK_LENGTH + EVOX_LABEL_GAP, &text);
    }
}

char *
_evox_rgba_to_hex (const GdkRGBA *rgba)
{
  return g_strdup_printf ("#%02x%02x%02x", (int) lround (CLAMP (rgba->red, 0, 1) * 255),
                          (int) lround (CLAMP (rgba->green, 0, 1) * 255),
                          (int) lround (CLAMP (rgba->blue, 0, 1) * 255));
}

void
_evox_color_button_set_hex (GtkColorButton *button,
                            const char     *hex)
{
  guint color_set = g_signal_lookup ("color-set", G_OBJECT_TYPE (button));
  GdkRGBA rgba;

  if (!gdk_rgba_parse (&rgba, hex))
    return;
  g_signal_handlers_block_matched (button, G_SIGNAL_MATCH_ID, color_set, 0, NULL, NULL, NULL);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_color_chooser_set_rgba (GTK_COLOR_CHOOSER (button), &rgba);
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_signal_handlers_unblock_matched (button, G_SIGNAL_MATCH_ID, color_set, 0, NULL, NULL, NULL);
}

char *
_evox_color_button_dup_hex (GtkColorButton *button)
{
  GdkRGBA rgba;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (button), &rgba);
  G_GNUC_END_IGNORE_DEPRECATIONS
  return _evox_rgba_to_hex (&rgba);
}

void
_evox_show_progress (GtkProgressBar *bar,
                     EvoxProgress   *progress)
{
  g_autofree char *stage = evox_progress_dup_stage (progress);

  gtk_progress_bar_set_fraction (bar, evox_progress_get_fraction (progress));
  gtk_progress_bar_set_text (bar, stage != NULL ? stage : _("Starting"));
}

void
_evox_dispose_bin_template (GtkWidget *widget,
                            GType      type)
{
  GtkWidget *child;

  gtk_widget_dispose_template (widget, type);
  while ((child = gtk_widget_get_first_child (widget)) != NULL)
    gtk_widget_unparent (child);
}
