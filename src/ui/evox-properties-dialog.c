/* evox-properties-dialog.c: Image Properties: sets the voxel size of the open volume. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>

#include "evox-properties-dialog.h"
#include "evox-units.h"
#include "evox-voxel-source.h"

/* The unit dropdown's rows and how many nm each is. */
static const struct
{
  const char *symbol;
  double      nm;
} units[] = {
  { "nm", 1.0 },
  { "µm", 1e3 },
  { "mm", 1e6 },
};

struct _EvoxPropertiesDialog
{
  GtkWindow       parent_instance;

  EvoxWindow     *window;   /* weak */
  EvoxVolume     *volume;   /* weak: the volume whose size the dialog shows */
  gboolean        layered;  /* an SSRM stack: z is its layer step, not for changing here */
  guint           reduction; /* a volume held at 1:S: the sizes shown are the file's voxel */

  GtkLabel       *file_label;
  GtkSpinButton  *size_spin[3];
  GtkDropDown    *unit_dropdown;
  GtkCheckButton *cubic_check;
  GtkLabel       *message_label;
};

G_DEFINE_FINAL_TYPE (EvoxPropertiesDialog, evox_properties_dialog, GTK_TYPE_WINDOW)

/* With cubic voxels on, y and z follow x, as one number does on the command line. */
static void
x_changed (EvoxPropertiesDialog *self)
{
  double x = gtk_spin_button_get_value (self->size_spin[0]);

  if (!gtk_check_button_get_active (self->cubic_check))
    return;
  gtk_spin_button_set_value (self->size_spin[1], x);
  if (!self->layered)
    gtk_spin_button_set_value (self->size_spin[2], x);
}

static void
cubic_toggled (EvoxPropertiesDialog *self)
{
  gboolean cubic = gtk_check_button_get_active (self->cubic_check);

  gtk_widget_set_sensitive (GTK_WIDGET (self->size_spin[1]), !cubic);
  gtk_widget_set_sensitive (GTK_WIDGET (self->size_spin[2]), !cubic && !self->layered);
  x_changed (self);
}

static void
apply_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  EvoxPropertiesDialog *self = EVOX_PROPERTIES_DIALOG (widget);
  EvoxDocument *document;
  g_autoptr (GError) error = NULL;
  guint unit = gtk_drop_down_get_selected (self->unit_dropdown);
  double spacing[3], file_spacing[3];
  const char *path;

  if (self->window == NULL)
    return;
  document = evox_window_get_document (self->window);
  /* The values shown are another volume's: they are not for the one open now. */
  if (self->volume == NULL || evox_document_get_volume (document) != self->volume)
    {
      gtk_label_set_text (self->message_label,
                          _("Another volume was opened meanwhile: nothing was changed."));
      gtk_widget_set_visible (GTK_WIDGET (self->message_label), TRUE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "properties.apply", FALSE);
      return;
    }
  for (int i = 0; i < 3; i++)
    {
      gtk_spin_button_update (self->size_spin[i]);
      file_spacing[i] = gtk_spin_button_get_value (self->size_spin[i]) *
                        units[MIN (unit, G_N_ELEMENTS (units) - 1)].nm;
      spacing[i] = file_spacing[i] * self->reduction;
    }
  evox_document_set_voxel_size (document, spacing);
  evox_window_show_voxel_banner (self->window, FALSE);
  /* Remembered per file, as the file's voxel, so the next opening knows whether it holds the
   * file whole or reduced; failing to remember is no reason to refuse the size for this
   * session. */
  path = evox_document_get_path (document);
  if (path != NULL && !evox_voxel_size_remember (path, file_spacing, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Applied, but not remembered: %s"),
                                                  error->message);

      gtk_label_set_text (self->message_label, message);
      gtk_widget_set_visible (GTK_WIDGET (self->message_label), TRUE);
      return;
    }
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
evox_properties_dialog_dispose (GObject *object)
{
  EvoxPropertiesDialog *self = EVOX_PROPERTIES_DIALOG (object);

  g_clear_weak_pointer (&self->window);
  g_clear_weak_pointer (&self->volume);
  gtk_widget_dispose_template (GTK_WIDGET (object), EVOX_TYPE_PROPERTIES_DIALOG);
  G_OBJECT_CLASS (evox_properties_dialog_parent_class)->dispose (object);
}

static void
evox_properties_dialog_class_init (EvoxPropertiesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = evox_properties_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/evox/Evox/evox-properties-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, EvoxPropertiesDialog, file_label);
  gtk_widget_class_bind_template_child_full (widget_class, "x_spin", FALSE,
                                            G_STRUCT_OFFSET (EvoxPropertiesDialog,
                                                             size_spin[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "y_spin", FALSE,
                                            G_STRUCT_OFFSET (EvoxPropertiesDialog,
                                                             size_spin[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "z_spin", FALSE,
                                            G_STRUCT_OFFSET (EvoxPropertiesDialog,
                                                             size_spin[2]));
  gtk_widget_class_bind_template_child (widget_class, EvoxPropertiesDialog, unit_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxPropertiesDialog, cubic_check);
  gtk_widget_class_bind_template_child (widget_class, EvoxPropertiesDialog, message_label);

  gtk_widget_class_install_action (widget_class, "properties.apply", NULL, apply_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
evox_properties_dialog_init (EvoxPropertiesDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_swapped (self->size_spin[0], "value-changed", G_CALLBACK (x_changed), self);
  g_signal_connect_swapped (self->cubic_check, "toggled", G_CALLBACK (cubic_toggled), self);
}

void
evox_properties_dialog_set_values (EvoxPropertiesDialog *self,
                                   double                x,
                                   double                y,
                                   double                z,
                                   const char           *unit)
{
  g_return_if_fail (EVOX_IS_PROPERTIES_DIALOG (self));

  gtk_check_button_set_active (self->cubic_check, x == y && (self->layered || y == z));
  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    if (g_strcmp0 (unit, units[i].symbol) == 0 ||
        (i == 1 && g_strcmp0 (unit, "um") == 0))
      gtk_drop_down_set_selected (self->unit_dropdown, i);
  gtk_spin_button_set_value (self->size_spin[0], x);
  gtk_spin_button_set_value (self->size_spin[1], y);
  gtk_spin_button_set_value (self->size_spin[2], z);
}

EvoxPropertiesDialog *
evox_properties_dialog_new (EvoxWindow *window)
{
  EvoxPropertiesDialog *self = g_object_new (EVOX_TYPE_PROPERTIES_DIALOG, "transient-for", window,
                                             NULL);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxVolume *volume = evox_document_get_volume (document);
  const char *title = evox_document_get_title (document);
  g_autofree char *about = NULL;
  double spacing[3] = { 1, 1, 1 };
  EvoxUnits shown = evox_units_for_length (0);
  guint unit = 0;

  g_set_weak_pointer (&self->window, window);
  g_set_weak_pointer (&self->volume, volume);
  /* An SSRM stack's layers sit at depths the table gave in nm: only the pixel size is open. */
  self->layered = volume != NULL && evox_volume_get_n_scans (volume) > 0;
  if (self->layered)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->size_spin[2]),
                                 _("The layer step of the SSRM stack, chosen when it was read"));
  self->reduction = 1;
  if (volume != NULL)
    {
      /* A volume held at 1:S shows and takes the file's voxel, as --voxel-size does. */
      self->reduction = evox_volume_get_reduction (volume);
      evox_volume_get_spacing (volume, spacing);
      for (int i = 0; i < 3; i++)
        spacing[i] /= self->reduction;
      if (evox_volume_get_spacing_known (volume))
        shown = evox_units_for_volume (volume);
    }
  unit = shown.unit == EVOX_LENGTH_UM ? 1 : shown.unit == EVOX_LENGTH_MM ? 2 : 0;
  cubic_toggled (self);
  evox_properties_dialog_set_values (self, spacing[0] / units[unit].nm,
                                     spacing[1] / units[unit].nm, spacing[2] / units[unit].nm,
                                     units[unit].symbol);
  if (volume == NULL)
    about = g_strdup (_("No volume is open."));
  else if (evox_volume_get_spacing_known (volume))
    about = g_strdup_printf (_("Voxel size of “%s”."), title != NULL ? title : "");
  else
    about = g_strdup_printf (_("“%s” does not say how large its voxels are: lengths are "
                               "counted in voxels until you set it."), title != NULL ? title : "");
  if (volume != NULL && self->reduction > 1)
    {
      char *more = g_strdup_printf (_("%s These are the file’s voxels; it is held at 1:%u, "
                                      "whose voxels are %u of them a side."), about,
                                    self->reduction, self->reduction);

      g_free (about);
      about = more;
    }
  gtk_label_set_text (self->file_label, about);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "properties.apply", volume != NULL);
  return self;
}
