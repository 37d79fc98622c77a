/* evox-figure-box.c: the Display page's Figure section: overlay switches (the window's actions),
 * font size, scale-bar length and unit, Add Label. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>

#include "evox-figure-box.h"
#include "evox-ui-util.h"

/* nm in one unit of the drop-down's entries (nm, µm). */
static const double unit_nm[] = { 1.0, 1000.0 };

struct _EvoxFigureBox
{
  GtkWidget      parent_instance;

  EvoxDocument  *document;
  GBinding      *bindings[1];
  /* Set while the length is shown from the overlays, whose own change must not echo back. */
  gboolean       updating;

  GtkSpinButton *font_spin;
  GtkSpinButton *length_spin;
  GtkDropDown   *unit_dropdown;
};

G_DEFINE_FINAL_TYPE (EvoxFigureBox, evox_figure_box, GTK_TYPE_WIDGET)

/* The overlays' length in the spin, in µm from 1 µm up (a user's unit is kept where it reads
 * the same length). */
static void
show_length (EvoxFigureBox *self)
{
  double nm = evox_overlays_get_scale_bar_length (evox_document_get_overlays (self->document));
  guint unit = gtk_drop_down_get_selected (self->unit_dropdown);

  if (unit >= G_N_ELEMENTS (unit_nm))
    unit = 0;
  if (nm > 0 && fabs (gtk_spin_button_get_value (self->length_spin) * unit_nm[unit] - nm) <
      1e-6 * nm)
    return;
  self->updating = TRUE;
  if (nm > 0)
    {
      unit = nm >= 1000.0 ? 1 : 0;
      gtk_drop_down_set_selected (self->unit_dropdown, unit);
    }
  gtk_spin_button_set_value (self->length_spin, nm / unit_nm[unit]);
  self->updating = FALSE;
}

static void
length_edited (EvoxFigureBox *self)
{
  guint unit = gtk_drop_down_get_selected (self->unit_dropdown);

  if (self->updating || self->document == NULL || unit >= G_N_ELEMENTS (unit_nm))
    return;
  evox_overlays_set_scale_bar_length (evox_document_get_overlays (self->document),
                                      gtk_spin_button_get_value (self->length_spin) *
                                      unit_nm[unit]);
}

/* 0 reads "auto". */
static gboolean
length_output (GtkSpinButton *spin,
               gpointer       data)
{
  if (gtk_spin_button_get_value (spin) != 0.0)
    return FALSE;
  gtk_editable_set_text (GTK_EDITABLE (spin), _("auto"));
  return TRUE;
}

static int
length_input (GtkSpinButton *spin,
              double        *value,
              gpointer       data)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (spin));
  char *end = NULL;

  if (g_str_equal (text, _("auto")) || g_str_equal (text, "auto") || *text == '\0')
    {
      *value = 0.0;
      return TRUE;
    }
  *value = g_strtod (text, &end);
  return end != text && isfinite (*value) ? TRUE : GTK_INPUT_ERROR;
}

void
evox_figure_box_set_document (EvoxFigureBox *self,
                              EvoxDocument  *document)
{
  EvoxOverlays *overlays;

  g_return_if_fail (EVOX_IS_FIGURE_BOX (self));
  g_return_if_fail (document == NULL || EVOX_IS_DOCUMENT (document));

  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (evox_document_get_overlays (self->document), self);
  _evox_clear_bindings (self->bindings, G_N_ELEMENTS (self->bindings));
  g_set_object (&self->document, document);
  if (document == NULL)
    return;
  overlays = evox_document_get_overlays (document);
  self->bindings[0] = g_object_bind_property (overlays, "font-size",
                                              gtk_spin_button_get_adjustment (self->font_spin),
                                              "value",
                                              G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  /* Ours until unbound, whichever end goes first. */
  g_object_ref (self->bindings[0]);
  g_signal_connect_object (overlays, "notify::scale-bar-length", G_CALLBACK (show_length), self,
                           G_CONNECT_SWAPPED);
  show_length (self);
}

static void
evox_figure_box_dispose (GObject *object)
{
  EvoxFigureBox *self = EVOX_FIGURE_BOX (object);

  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (evox_document_get_overlays (self->document), self);
  _evox_clear_bindings (self->bindings, G_N_ELEMENTS (self->bindings));
  g_clear_object (&self->document);
  _evox_dispose_bin_template (GTK_WIDGET (object), EVOX_TYPE_FIGURE_BOX);
  G_OBJECT_CLASS (evox_figure_box_parent_class)->dispose (object);
}

static void
evox_figure_box_class_init (EvoxFigureBoxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = evox_figure_box_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/evox/Evox/evox-figure-box.ui");
  gtk_widget_class_bind_template_child (widget_class, EvoxFigureBox, font_spin);
  gtk_widget_class_bind_template_child (widget_class, EvoxFigureBox, length_spin);
  gtk_widget_class_bind_template_child (widget_class, EvoxFigureBox, unit_dropdown);
}

static void
evox_figure_box_init (EvoxFigureBox *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->length_spin, "output", G_CALLBACK (length_output), NULL);
  g_signal_connect (self->length_spin, "input", G_CALLBACK (length_input), NULL);
  g_signal_connect_swapped (self->length_spin, "value-changed", G_CALLBACK (length_edited),
                            self);
  g_signal_connect_swapped (self->unit_dropdown, "notify::selected", G_CALLBACK (length_edited),
                            self);
}
