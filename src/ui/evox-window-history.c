/* evox-window-history.c: the window's Edit menu: Undo and Redo named after the step. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>

#include <string.h>

#include "evox-units.h"
#include "evox-voxel-source.h"
#include "evox-window-private.h"

static void end_pointer_group (EvoxWindow *self);

/* A voxel size undone or redone is as one set in Image Properties: the banner asks again for a
 * size no longer known (and goes when one is), and the file remembers the size it has now, or
 * none, for its next opening. */
static void
follow_voxel_size (EvoxWindow *self,
                   EvoxVolume *volume)
{
  const char *path = evox_document_get_path (self->document);
  gboolean known = evox_volume_get_spacing_known (volume);
  g_autoptr (GError) error = NULL;
  double spacing[3];

  evox_window_show_voxel_banner (self, !known);
  evox_volume_get_spacing (volume, spacing);
  /* Remembered as the file's voxel, whether the file is held whole or at 1:S. */
  for (int i = 0; i < 3; i++)
    spacing[i] /= evox_volume_get_reduction (volume);
  if (path != NULL && !evox_voxel_size_remember (path, known ? spacing : NULL, &error))
    g_warning ("%s", error->message);
}

/* Undo or redo (step), then what the window keeps beside the document follows. */
static void
take_step (EvoxWindow  *self,
           gboolean   (*step) (EvoxHistory *history))
{
  g_autoptr (EvoxVolume) volume = NULL;
  double before[3] = { 0 }, after[3];
  gboolean known = FALSE;

  end_pointer_group (self);
  g_set_object (&volume, evox_document_get_volume (self->document));
  if (volume != NULL)
    {
      evox_volume_get_spacing (volume, before);
      known = evox_volume_get_spacing_known (volume);
    }
  if (!step (self->history) || volume == NULL ||
      evox_document_get_volume (self->document) != volume)
    return;
  evox_volume_get_spacing (volume, after);
  if (memcmp (before, after, sizeof before) != 0 ||
      known != evox_volume_get_spacing_known (volume))
    follow_voxel_size (self, volume);
}

static void
undo_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  take_step (EVOX_WINDOW (widget), evox_history_undo);
}

static void
redo_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  take_step (EVOX_WINDOW (widget), evox_history_redo);
}

/* The items carry the step's name, so the menu is rebuilt when a step comes or goes. */
static void
update_edit_menu (EvoxWindow *self)
{
  const char *undo = evox_history_get_undo_name (self->history);
  const char *redo = evox_history_get_redo_name (self->history);
  g_autofree char *undo_label = undo != NULL ? g_strdup_printf (_("_Undo %s"), undo) :
                                g_strdup (_("_Undo"));
  g_autofree char *redo_label = redo != NULL ? g_strdup_printf (_("_Redo %s"), redo) :
                                g_strdup (_("_Redo"));

  g_menu_remove_all (self->edit_section);
  g_menu_append (self->edit_section, undo_label, "win.undo");
  g_menu_append (self->edit_section, redo_label, "win.redo");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo", undo != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.redo", redo != NULL);
}

/* Whatever one press of a button does until its release (a drag of a histogram edge or of a
 * slider, however long it pauses) is one step. A release that went elsewhere (a menu, a dialog)
 * is made up for at the next press, or by Undo and Redo. */
static void
end_pointer_group (EvoxWindow *self)
{
  if (!self->history_grouping)
    return;
  self->history_grouping = FALSE;
  evox_history_end_group (self->history);
}

static gboolean
follow_pointer (GtkEventControllerLegacy *controller,
                GdkEvent                 *event,
                EvoxWindow               *self)
{
  GdkEventType type = gdk_event_get_event_type (event);

  if (type == GDK_BUTTON_PRESS || type == GDK_TOUCH_BEGIN)
    {
      end_pointer_group (self);
      self->history_grouping = TRUE;
      evox_history_begin_group (self->history, NULL);
    }
  else if (type == GDK_BUTTON_RELEASE || type == GDK_TOUCH_END || type == GDK_TOUCH_CANCEL)
    end_pointer_group (self);
  return GDK_EVENT_PROPAGATE;
}

/* The histogram's own drag too (the same step as the press around it), so a drag made without a
 * pointer event (a test, a touch the window did not see) is one step as well. */
static void
follow_histogram_drag (EvoxWindow *self)
{
  gboolean dragging = FALSE;

  g_object_get (self->histogram, "dragging", &dragging, NULL);
  if (dragging && !self->history_dragging)
    evox_history_begin_group (self->history, NULL);
  else if (!dragging && self->history_dragging)
    evox_history_end_group (self->history);
  self->history_dragging = dragging;
}

void
_evox_window_setup_history (EvoxWindow *self)
{
  GtkEventController *legacy;

  self->history = evox_history_new (self->document);
  /* The registration page's settings are edits of the document's registration to come; the
   * reference first, since choosing one puts it back in when it was left out. */
  evox_history_watch_property (self->history, G_OBJECT (self->registration_panel),
                               "reference-ev", "Change Registration Reference");
  evox_history_watch_property (self->history, G_OBJECT (self->registration_panel),
                               "excluded", "Change Excluded Energies");
  evox_history_watch_property (self->history, G_OBJECT (self->registration_panel),
                               "scale", "Change Registration Scale");
  g_signal_connect_object (self->history, "notify::undo-name", G_CALLBACK (update_edit_menu),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->history, "notify::redo-name", G_CALLBACK (update_edit_menu),
                           self, G_CONNECT_SWAPPED);
  legacy = gtk_event_controller_legacy_new ();
  gtk_event_controller_set_propagation_phase (legacy, GTK_PHASE_CAPTURE);
  g_signal_connect (legacy, "event", G_CALLBACK (follow_pointer), self);
  gtk_widget_add_controller (GTK_WIDGET (self), legacy);
  g_signal_connect_object (self->histogram, "notify::dragging",
                           G_CALLBACK (follow_histogram_drag), self, G_CONNECT_SWAPPED);
  update_edit_menu (self);
}

void
_evox_window_install_history_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, redo_action);
}
