/* evox-figure-text.c: text as Evox's drawn figures and legends set it. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-figure-text.h"

PangoLayout *
evox_figure_text_layout_new (cairo_t *cr,
                             double   pixels)
{
  PangoLayout *layout;
  g_autoptr(PangoFontDescription) font = NULL;
  cairo_font_options_t *options;

  g_return_val_if_fail (cr != NULL, NULL);

  layout = pango_cairo_create_layout (cr);
  font = pango_font_description_from_string ("Sans");
  options = cairo_font_options_create ();
  /* Hinted metrics snap to the surface's pixels, so a legend measured on a scratch surface or a
   * figure laid out for its PNG would not fit the text drawn on another. */
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options (pango_layout_get_context (layout), options);
  cairo_font_options_destroy (options);
  pango_font_description_set_absolute_size (font, pixels * PANGO_SCALE);
  pango_layout_set_font_description (layout, font);
  pango_layout_context_changed (layout);
  return layout;
}
