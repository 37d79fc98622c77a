/* evox-composite-box.c: the Display page's RGB composite controls: a switch, a channel and a range
 * per colour, and phase colours over the composite. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "evox-composite-box.h"
#include "evox-ui-util.h"

struct _EvoxCompositeBox
{
  GtkWidget       parent_instance;

  EvoxDocument   *document;
  GBinding       *bindings[2];
  /* Set while the rows are filled from the document, whose own changes must not echo back. */
  gboolean        updating;

  GtkSwitch      *composite_switch;
  GtkGrid        *slot_grid;
  GtkCheckButton *phases_check;
  GtkDropDown    *dropdowns[3];
  GtkEntry       *lo_entries[3];
  GtkEntry       *hi_entries[3];
};

G_DEFINE_FINAL_TYPE (EvoxCompositeBox, evox_composite_box, GTK_TYPE_WIDGET)

static char *
format_value (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.4g", value));
}

/* The rows show the document's slots. */
static void
sync_slots (EvoxCompositeBox *self)
{
  self->updating = TRUE;
  for (guint s = 0; s < 3; s++)
    {
      int channel;
      double lo, hi;

      evox_document_get_composite_slot (self->document, s, &channel, &lo, &hi);
      gtk_drop_down_set_selected (self->dropdowns[s], (guint) (channel + 1));
      gtk_widget_set_sensitive (GTK_WIDGET (self->lo_entries[s]), channel >= 0);
      gtk_widget_set_sensitive (GTK_WIDGET (self->hi_entries[s]), channel >= 0);
      if (channel >= 0)
        {
          g_autofree char *lo_text = format_value (lo);
          g_autofree char *hi_text = format_value (hi);

          gtk_editable_set_text (GTK_EDITABLE (self->lo_entries[s]), lo_text);
          gtk_editable_set_text (GTK_EDITABLE (self->hi_entries[s]), hi_text);
        }
      else
        {
          gtk_editable_set_text (GTK_EDITABLE (self->lo_entries[s]), "");
          gtk_editable_set_text (GTK_EDITABLE (self->hi_entries[s]), "");
        }
      gtk_widget_remove_css_class (GTK_WIDGET (self->lo_entries[s]), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->hi_entries[s]), "error");
    }
  self->updating = FALSE;
}

/* "None" and the volume's channels, in every drop-down; nothing to composite in one channel. */
static void
rebuild_channels (EvoxCompositeBox *self)
{
  EvoxVolume *volume = evox_document_get_volume (self->document);
  guint n = volume != NULL ? evox_volume_get_n_channels (volume) : 0;

  self->updating = TRUE;
  for (guint s = 0; s < 3; s++)
    {
      g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

      gtk_string_list_append (names, _("None"));
      for (guint c = 0; c < n; c++)
        {
          g_autofree char *text = _evox_describe_channel (volume, c);

          gtk_string_list_append (names, text);
        }
      gtk_drop_down_set_model (self->dropdowns[s], G_LIST_MODEL (names));
    }
  self->updating = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self), n >= 2);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               n >= 2 ? NULL : _("A composite needs a volume of several channels"));
  sync_slots (self);
}

static void
on_document_notify (EvoxDocument     *document,
                    GParamSpec       *pspec,
                    EvoxCompositeBox *self)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "volume"))
    rebuild_channels (self);
  else if (g_str_equal (name, "composite-slots"))
    sync_slots (self);
}

static guint
slot_of (GtkWidget * const *widgets,
         gpointer           widget)
{
  for (guint s = 0; s < 3; s++)
    if (widgets[s] == widget)
      return s;
  g_assert_not_reached ();
}

/* A channel picked: its default range; "None" clears the slot. */
static void
on_dropdown_selected (GtkDropDown      *dropdown,
                      GParamSpec       *pspec,
                      EvoxCompositeBox *self)
{
  guint s = slot_of ((GtkWidget * const *) self->dropdowns, dropdown);
  guint selected = gtk_drop_down_get_selected (dropdown);
  int channel = selected == GTK_INVALID_LIST_POSITION ? -1 : (int) selected - 1;
  int current;

  if (self->updating || self->document == NULL)
    return;
  evox_document_get_composite_slot (self->document, s, &current, NULL, NULL);
  if (channel == current)
    return;
  evox_document_set_composite_slot (self->document, s, channel, NAN, NAN);
  /* Picking a channel is asking to see it. */
  if (channel >= 0)
    evox_document_set_composite (self->document, TRUE);
}

/* An entry's number; empty is NaN (the default range); FALSE for anything else. */
static gboolean
entry_value (GtkEntry *entry,
             double   *value)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));
  char *end;

  if (*text == '\0')
    {
      *value = NAN;
      return TRUE;
    }
  *value = g_ascii_strtod (text, &end);
  return end != text && *end == '\0' && isfinite (*value);
}

static void
apply_range (EvoxCompositeBox *self,
             guint             s)
{
  int channel;
  double lo, hi;

  if (self->updating || self->document == NULL)
    return;
  evox_document_get_composite_slot (self->document, s, &channel, NULL, NULL);
  if (channel < 0)
    return;
  if (!entry_value (self->lo_entries[s], &lo) || !entry_value (self->hi_entries[s], &hi) ||
      (!isnan (lo) && !isnan (hi) && lo == hi))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->lo_entries[s]), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->hi_entries[s]), "error");
      gtk_widget_error_bell (GTK_WIDGET (self));
      return;
    }
  /* One end emptied: both go back to the default, which the document gives as a pair. */
  if (isnan (lo) || isnan (hi))
    lo = hi = NAN;
  evox_document_set_composite_slot (self->document, s, channel, lo, hi);
  /* The document did not change (the same numbers): the entries still show them tidily. */
  sync_slots (self);
}

static void
on_entry_activate (GtkEntry         *entry,
                   EvoxCompositeBox *self)
{
  guint s;

  for (s = 0; s < 3; s++)
    if (entry == self->lo_entries[s] || entry == self->hi_entries[s])
      break;
  g_assert (s < 3);
  apply_range (self, s);
}

/* Leaving an entry applies it too, as the range sliders apply as they move. */
static void
on_entry_leave (GtkEventControllerFocus *controller,
                EvoxCompositeBox        *self)
{
  on_entry_activate (GTK_ENTRY (gtk_event_controller_get_widget (
                                  GTK_EVENT_CONTROLLER (controller))), self);
}

void
evox_composite_box_set_document (EvoxCompositeBox *self,
                                 EvoxDocument     *document)
{
  g_return_if_fail (EVOX_IS_COMPOSITE_BOX (self));
  g_return_if_fail (EVOX_IS_DOCUMENT (document));

  if (self->document != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->document, self);
      _evox_clear_bindings (self->bindings, G_N_ELEMENTS (self->bindings));
    }
  g_set_object (&self->document, document);
  rebuild_channels (self);
  self->bindings[0] = g_object_bind_property (document, "composite", self->composite_switch,
                                              "active",
                                              G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  self->bindings[1] = g_object_bind_property (document, "composite-phases", self->phases_check,
                                              "active",
                                              G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  for (guint i = 0; i < G_N_ELEMENTS (self->bindings); i++)
    g_object_ref (self->bindings[i]);
  g_signal_connect_object (document, "notify", G_CALLBACK (on_document_notify), self, 0);
}

static void
evox_composite_box_dispose (GObject *object)
{
  EvoxCompositeBox *self = EVOX_COMPOSITE_BOX (object);

  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  _evox_clear_bindings (self->bindings, G_N_ELEMENTS (self->bindings));
  g_clear_object (&self->document);
  _evox_dispose_bin_template (GTK_WIDGET (object), EVOX_TYPE_COMPOSITE_BOX);
  G_OBJECT_CLASS (evox_composite_box_parent_class)->dispose (object);
}

static void
evox_composite_box_class_init (EvoxCompositeBoxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = evox_composite_box_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/evox/Evox/evox-composite-box.ui");
  gtk_widget_class_bind_template_child (widget_class, EvoxCompositeBox, composite_switch);
  gtk_widget_class_bind_template_child (widget_class, EvoxCompositeBox, slot_grid);
  gtk_widget_class_bind_template_child (widget_class, EvoxCompositeBox, phases_check);
  gtk_widget_class_bind_template_child_full (widget_class, "red_dropdown", FALSE,
                                             G_STRUCT_OFFSET (EvoxCompositeBox, dropdowns[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "green_dropdown", FALSE,
                                             G_STRUCT_OFFSET (EvoxCompositeBox, dropdowns[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "blue_dropdown", FALSE,
                                             G_STRUCT_OFFSET (EvoxCompositeBox, dropdowns[2]));
  gtk_widget_class_bind_template_child_full (widget_class, "red_lo", FALSE,
                                             G_STRUCT_OFFSET (EvoxCompositeBox, lo_entries[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "green_lo", FALSE,
                                             G_STRUCT_OFFSET (EvoxCompositeBox, lo_entries[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "blue_lo", FALSE,
                                             G_STRUCT_OFFSET (EvoxCompositeBox, lo_entries[2]));
  gtk_widget_class_bind_template_child_full (widget_class, "red_hi", FALSE,
                                             G_STRUCT_OFFSET (EvoxCompositeBox, hi_entries[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "green_hi", FALSE,
                                             G_STRUCT_OFFSET (EvoxCompositeBox, hi_entries[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "blue_hi", FALSE,
                                             G_STRUCT_OFFSET (EvoxCompositeBox, hi_entries[2]));
}

static void
evox_composite_box_init (EvoxCompositeBox *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  for (guint s = 0; s < 3; s++)
    {
      GtkEntry *entries[2] = { self->lo_entries[s], self->hi_entries[s] };

      g_signal_connect (self->dropdowns[s], "notify::selected",
                        G_CALLBACK (on_dropdown_selected), self);
      for (guint e = 0; e < 2; e++)
        {
          GtkEventController *focus = gtk_event_controller_focus_new ();

          g_signal_connect (entries[e], "activate", G_CALLBACK (on_entry_activate), self);
          g_signal_connect (focus, "leave", G_CALLBACK (on_entry_leave), self);
          gtk_widget_add_controller (GTK_WIDGET (entries[e]), focus);
        }
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self), FALSE);
}
