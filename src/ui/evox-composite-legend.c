/* evox-composite-legend.c: the RGB composite's legend over the canvas, drawn by EvoxRgbLegend as
 * in exported images. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-composite-legend.h"
#include "evox-rgb-legend.h"

struct _EvoxCompositeLegend
{
  GtkWidget      parent_instance;

  EvoxDocument  *document;
  EvoxRgbLegend *legend;   /* NULL while the composite is off */
};

G_DEFINE_FINAL_TYPE (EvoxCompositeLegend, evox_composite_legend, GTK_TYPE_WIDGET)

static void
update (EvoxCompositeLegend *self)
{
  g_clear_object (&self->legend);
  /* One legend: while the overlays' legend is shown, it lists the composite's channels. */
  if (self->document != NULL &&
      !evox_overlays_get_visible (evox_document_get_overlays (self->document),
                                  EVOX_OVERLAY_LEGEND))
    self->legend = evox_rgb_legend_new_from_document (self->document);
  gtk_widget_set_visible (GTK_WIDGET (self), self->legend != NULL);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

static void
on_document_notify (EvoxDocument        *document,
                    GParamSpec          *pspec,
                    EvoxCompositeLegend *self)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "composite") || g_str_equal (name, "composite-slots") ||
      g_str_equal (name, "volume"))
    update (self);
}

void
evox_composite_legend_set_document (EvoxCompositeLegend *self,
                                    EvoxDocument        *document)
{
  g_return_if_fail (EVOX_IS_COMPOSITE_LEGEND (self));
  g_return_if_fail (document == NULL || EVOX_IS_DOCUMENT (document));

  if (self->document != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->document, self);
      g_signal_handlers_disconnect_by_data (evox_document_get_overlays (self->document), self);
    }
  g_set_object (&self->document, document);
  if (document != NULL)
    {
      g_signal_connect_object (document, "notify", G_CALLBACK (on_document_notify), self, 0);
      g_signal_connect_object (evox_document_get_overlays (document), "changed",
                               G_CALLBACK (update), self, G_CONNECT_SWAPPED);
    }
  update (self);
}

static void
evox_composite_legend_measure (GtkWidget      *widget,
                               GtkOrientation  orientation,
                               int             for_size,
                               int            *minimum,
                               int            *natural,
                               int            *minimum_baseline,
                               int            *natural_baseline)
{
  EvoxCompositeLegend *self = EVOX_COMPOSITE_LEGEND (widget);
  int size[2] = { 0, 0 };

  if (self->legend != NULL)
    evox_rgb_legend_get_size (self->legend, 1.0, &size[0], &size[1]);
  *minimum = *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? size[0] : size[1];
}

static void
evox_composite_legend_snapshot (GtkWidget   *widget,
                                GtkSnapshot *snapshot)
{
  EvoxCompositeLegend *self = EVOX_COMPOSITE_LEGEND (widget);
  int width, height;
  cairo_t *cr;

  if (self->legend == NULL)
    return;
  evox_rgb_legend_get_size (self->legend, 1.0, &width, &height);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  evox_rgb_legend_draw (self->legend, cr, 1.0);
  cairo_destroy (cr);
}

static void
evox_composite_legend_dispose (GObject *object)
{
  EvoxCompositeLegend *self = EVOX_COMPOSITE_LEGEND (object);

  if (self->document != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->document, self);
      g_signal_handlers_disconnect_by_data (evox_document_get_overlays (self->document), self);
    }
  g_clear_object (&self->document);
  g_clear_object (&self->legend);
  G_OBJECT_CLASS (evox_composite_legend_parent_class)->dispose (object);
}

static void
evox_composite_legend_class_init (EvoxCompositeLegendClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = evox_composite_legend_dispose;
  widget_class->measure = evox_composite_legend_measure;
  widget_class->snapshot = evox_composite_legend_snapshot;
  gtk_widget_class_set_css_name (widget_class, "compositelegend");
}

static void
evox_composite_legend_init (EvoxCompositeLegend *self)
{
  /* A note over the image: clicks and drags go to the canvas under it. */
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}
