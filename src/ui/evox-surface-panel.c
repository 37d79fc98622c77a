/* evox-surface-panel.c: the surfaces of a document: add, look, smoothing, clipping, budget. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>

#include "evox-surface-panel.h"
#include "evox-ui-util.h"

struct _EvoxSurfacePanel
{
  GtkWidget       parent_instance;

  EvoxDocument   *document;
  GBinding       *bindings[3];

  GtkButton      *stop_button;
  GtkMenuButton  *add_button;
  GtkPopover     *add_popover;
  GtkBox         *phase_box;
  GtkEntry       *level_entry;
  GtkCheckButton *smooth_check;
  GtkCheckButton *clip_check;
  GtkAdjustment  *budget_adjustment;
  GtkLabel       *budget_label;
  GtkLabel       *error_label;
  GtkLabel       *empty_label;
  GtkListBox     *surface_list;
};

G_DEFINE_FINAL_TYPE (EvoxSurfacePanel, evox_surface_panel, GTK_TYPE_WIDGET)

static void
show_error (EvoxSurfacePanel *self,
            const char       *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
update_actions (EvoxSurfacePanel *self)
{
  EvoxDocument *document = self->document;
  gboolean has_volume = document != NULL && evox_document_get_volume (document) != NULL;
  gboolean has_labels = document != NULL && evox_document_get_labels (document) != NULL;
  GtkWidget *widget = GTK_WIDGET (self);

  gtk_widget_action_set_enabled (widget, "surfaces.add-phase", has_volume);
  gtk_widget_action_set_enabled (widget, "surfaces.add-level", has_volume);
  gtk_widget_action_set_enabled (widget, "surfaces.add-particle",
                                 has_labels && evox_document_get_selected_particle (document) > 0);
  gtk_widget_action_set_enabled (widget, "surfaces.add-particles", has_labels);
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_button), has_volume);
}

static void
update_budget (EvoxSurfacePanel *self)
{
  guint64 budget = evox_document_get_triangle_budget (self->document);
  g_autofree char *text = NULL;

  if (budget == 0)
    text = g_strdup (_("Every triangle is kept, however many there are."));
  else
    text = g_strdup_printf (_("Surfaces above %'" G_GUINT64_FORMAT " triangles are brought "
                              "to that many by contouring a coarser grid; their rows quote "
                              "the full surface's area and volume."), budget);
  gtk_label_set_text (self->budget_label, text);
}

static void
update_list (EvoxSurfacePanel *self)
{
  EvoxSurfaceList *list = evox_document_get_surfaces (self->document);

  gtk_widget_set_visible (GTK_WIDGET (self->empty_label),
                          evox_surface_list_get_n_surfaces (list) == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->stop_button),
                          evox_document_get_surfaces_busy (self->document));
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  EvoxSurfacePanel *self = user_data;

  return evox_surface_row_new (self->document, EVOX_SURFACE (item));
}

static void
on_document_notify (EvoxDocument     *document,
                    GParamSpec       *pspec,
                    EvoxSurfacePanel *self)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "volume") || g_str_equal (name, "labels") ||
      g_str_equal (name, "selected-particle"))
    update_actions (self);
  if (g_str_equal (name, "volume"))
    show_error (self, NULL);
  else if (g_str_equal (name, "triangle-budget"))
    update_budget (self);
  else if (g_str_equal (name, "surfaces-busy"))
    update_list (self);
}

static void
clear_document (EvoxSurfacePanel *self)
{
  if (self->document == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->document, self);
  g_signal_handlers_disconnect_by_data (evox_document_get_surfaces (self->document), self);
  _evox_clear_bindings (self->bindings, G_N_ELEMENTS (self->bindings));
  gtk_list_box_bind_model (self->surface_list, NULL, NULL, NULL, NULL);
  g_clear_object (&self->document);
}

void
evox_surface_panel_set_document (EvoxSurfacePanel *self,
                                 EvoxDocument     *document)
{
  GBindingFlags flags = G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE;

  g_return_if_fail (EVOX_IS_SURFACE_PANEL (self));
  g_return_if_fail (EVOX_IS_DOCUMENT (document));

  clear_document (self);
  self->document = g_object_ref (document);
  self->bindings[0] = g_object_ref (g_object_bind_property (document, "smooth-surfaces",
                                                            self->smooth_check, "active",
                                                            flags));
  self->bindings[1] = g_object_ref (g_object_bind_property (document, "clip-surfaces",
                                                            self->clip_check, "active", flags));
  self->bindings[2] = g_object_ref (g_object_bind_property (document, "triangle-budget",
                                                            self->budget_adjustment, "value",
                                                            flags));
  g_signal_connect_object (document, "notify", G_CALLBACK (on_document_notify), self, 0);
  g_signal_connect_object (evox_document_get_surfaces (document), "items-changed",
                           G_CALLBACK (update_list), self, G_CONNECT_SWAPPED);
  gtk_list_box_bind_model (self->surface_list,
                           G_LIST_MODEL (evox_document_get_surfaces (document)),
                           create_row, self, NULL);
  show_error (self, NULL);
  update_actions (self);
  update_budget (self);
  update_list (self);
}

/* The phase list is read each time the popover opens, so it always offers the current phases. */
static void
rebuild_phase_buttons (EvoxSurfacePanel *self)
{
  EvoxPhaseList *phases;
  GtkWidget *child;
  guint n;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->phase_box))) != NULL)
    gtk_box_remove (self->phase_box, child);
  if (self->document == NULL)
    return;
  phases = evox_document_get_phases (self->document);
  n = evox_phase_list_get_n_phases (phases);
  if (n == 0)
    {
      GtkWidget *label = gtk_label_new (_("No phases yet: add them on the Phases page."));

      gtk_widget_add_css_class (label, "dim-label");
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_box_append (self->phase_box, label);
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      EvoxPhase *phase = evox_phase_list_get_phase (phases, i);
      GtkWidget *button = gtk_button_new_with_label (evox_phase_get_name (phase));

      gtk_widget_add_css_class (button, "flat");
      gtk_label_set_xalign (GTK_LABEL (gtk_button_get_child (GTK_BUTTON (button))), 0);
      gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "i", (gint32) i);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "surfaces.add-phase");
      gtk_box_append (self->phase_box, button);
    }
}

static void
add_phase_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  EvoxSurfacePanel *self = EVOX_SURFACE_PANEL (widget);
  EvoxPhase *phase = evox_phase_list_get_phase (evox_document_get_phases (self->document),
                                                g_variant_get_int32 (parameter));

  gtk_popover_popdown (self->add_popover);
  if (phase == NULL)
    return;
  evox_document_add_phase_surface (self->document, phase);
  show_error (self, NULL);
}

static void
add_level_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  EvoxSurfacePanel *self = EVOX_SURFACE_PANEL (widget);
  EvoxVolume *volume = evox_document_get_volume (self->document);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->level_entry));
  g_autoptr (GError) error = NULL;
  double level;

  if (volume == NULL)
    return;
  if (!evox_phase_parse_value (text,
                               evox_volume_get_channel_value_scale (
                                 volume, evox_document_get_channel (self->document)),
                               evox_volume_get_channel_unit (
                                 volume, evox_document_get_channel (self->document)),
                               &level, &error))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->level_entry), "error");
      show_error (self, error->message);
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->level_entry), "error");
  gtk_popover_popdown (self->add_popover);
  evox_document_add_level_surface (self->document, level);
  show_error (self, NULL);
}

static void
add_particle_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  EvoxSurfacePanel *self = EVOX_SURFACE_PANEL (widget);
  gboolean every = g_str_equal (action_name, "surfaces.add-particles");
  guint id = every ? 0 : evox_document_get_selected_particle (self->document);

  gtk_popover_popdown (self->add_popover);
  if (evox_document_get_labels (self->document) == NULL || (!every && id == 0))
    return;
  evox_document_add_particle_surface (self->document, id);
  show_error (self, NULL);
}

static void
stop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  EvoxSurfacePanel *self = EVOX_SURFACE_PANEL (widget);

  if (self->document != NULL)
    evox_document_cancel_surface_build (self->document);
}

static void
on_level_activate (GtkEntry         *entry,
                   EvoxSurfacePanel *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "surfaces.add-level", NULL);
}

static void
evox_surface_panel_dispose (GObject *object)
{
  EvoxSurfacePanel *self = EVOX_SURFACE_PANEL (object);

  clear_document (self);
  _evox_dispose_bin_template (GTK_WIDGET (self), EVOX_TYPE_SURFACE_PANEL);

  G_OBJECT_CLASS (evox_surface_panel_parent_class)->dispose (object);
}

static void
evox_surface_panel_class_init (EvoxSurfacePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = evox_surface_panel_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/evox/Evox/evox-surface-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, EvoxSurfacePanel, stop_button);
  gtk_widget_class_bind_template_child (widget_class, EvoxSurfacePanel, add_button);
  gtk_widget_class_bind_template_child (widget_class, EvoxSurfacePanel, add_popover);
  gtk_widget_class_bind_template_child (widget_class, EvoxSurfacePanel, phase_box);
  gtk_widget_class_bind_template_child (widget_class, EvoxSurfacePanel, level_entry);
  gtk_widget_class_bind_template_child (widget_class, EvoxSurfacePanel, smooth_check);
  gtk_widget_class_bind_template_child (widget_class, EvoxSurfacePanel, clip_check);
  gtk_widget_class_bind_template_child (widget_class, EvoxSurfacePanel, budget_adjustment);
  gtk_widget_class_bind_template_child (widget_class, EvoxSurfacePanel, budget_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxSurfacePanel, error_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxSurfacePanel, empty_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxSurfacePanel, surface_list);

  gtk_widget_class_install_action (widget_class, "surfaces.add-phase", "i", add_phase_action);
  gtk_widget_class_install_action (widget_class, "surfaces.add-level", NULL, add_level_action);
  gtk_widget_class_install_action (widget_class, "surfaces.add-particle", NULL,
                                   add_particle_action);
  gtk_widget_class_install_action (widget_class, "surfaces.add-particles", NULL,
                                   add_particle_action);
  gtk_widget_class_install_action (widget_class, "surfaces.stop", NULL, stop_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
evox_surface_panel_init (EvoxSurfacePanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->add_popover, "show", G_CALLBACK (rebuild_phase_buttons), self);
  g_signal_connect (self->level_entry, "activate", G_CALLBACK (on_level_activate), self);
}

GtkWidget *
evox_surface_panel_new (void)
{
  return g_object_new (EVOX_TYPE_SURFACE_PANEL, NULL);
}

EvoxSurfaceRow *
evox_surface_panel_get_row (EvoxSurfacePanel *self,
                            guint             index)
{
  GtkListBoxRow *row;

  g_return_val_if_fail (EVOX_IS_SURFACE_PANEL (self), NULL);
  row = gtk_list_box_get_row_at_index (self->surface_list, index);
  return row != NULL ? EVOX_SURFACE_ROW (gtk_list_box_row_get_child (row)) : NULL;
}

void
_evox_surface_panel_set_level_text (EvoxSurfacePanel *self,
                                    const char       *text)
{
  g_return_if_fail (EVOX_IS_SURFACE_PANEL (self));
  gtk_editable_set_text (GTK_EDITABLE (self->level_entry), text);
}

const char *
_evox_surface_panel_get_error (EvoxSurfacePanel *self)
{
  g_return_val_if_fail (EVOX_IS_SURFACE_PANEL (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->error_label))
         ? gtk_label_get_text (self->error_label) : "";
}
