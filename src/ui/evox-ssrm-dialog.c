/* evox-ssrm-dialog.c: the reading options of an SSRM table, with the sniffed layout filled in. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "evox-ssrm-dialog.h"

struct _EvoxSsrmDialog
{
  GtkWindow        parent_instance;

  char            *path;
  EvoxSsrmLayout  *layout;
  gboolean         done;

  GtkLabel        *file_label;
  GtkSpinButton   *dz_spin;
  GtkSpinButton   *pixel_spin;
  GtkDropDown     *x_column;
  GtkDropDown     *y_column;
  GtkEntry        *scans_entry;
  GtkDropDown     *scale_dropdown;
  GtkLabel        *message_label;
};

G_DEFINE_FINAL_TYPE (EvoxSsrmDialog, evox_ssrm_dialog, GTK_TYPE_WINDOW)

enum
{
  DONE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

const char *
evox_ssrm_dialog_get_path (EvoxSsrmDialog *self)
{
  g_return_val_if_fail (EVOX_IS_SSRM_DIALOG (self), NULL);
  return self->path;
}

static const char *
selected_column (GtkDropDown *dropdown)
{
  GObject *item = gtk_drop_down_get_selected_item (dropdown);

  return item != NULL ? gtk_string_object_get_string (GTK_STRING_OBJECT (item)) : NULL;
}

EvoxSsrmOptions *
evox_ssrm_dialog_dup_options (EvoxSsrmDialog  *self,
                              GError         **error)
{
  g_autoptr (EvoxSsrmOptions) options = evox_ssrm_options_new ();
  g_auto (GStrv) pairs = NULL;

  g_return_val_if_fail (EVOX_IS_SSRM_DIALOG (self), NULL);

  options->dz_nm = gtk_spin_button_get_value (self->dz_spin);
  options->pixel_size_nm = gtk_spin_button_get_value (self->pixel_spin);
  options->x_column = g_strdup (selected_column (self->x_column));
  options->y_column = g_strdup (selected_column (self->y_column));
  options->scale = gtk_drop_down_get_selected (self->scale_dropdown) == 1 ?
                   EVOX_SCALE_LINEAR : EVOX_SCALE_LOG10;

  pairs = g_strsplit (gtk_editable_get_text (GTK_EDITABLE (self->scans_entry)), ",", -1);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      char *pair = g_strstrip (pairs[i]);
      if (*pair == '\0')
        continue;
      if (strchr (pair, ':') == NULL)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       _("“%s” is not a VALUE:DEPTH pair"), pair);
          return NULL;
        }
      g_ptr_array_add (options->values, g_strdup (pair));
    }
  if (options->values->len == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   _("Name at least one scan as VALUE:DEPTH"));
      return NULL;
    }
  if (g_strcmp0 (options->x_column, options->y_column) == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   _("The X and Y columns must differ"));
      return NULL;
    }
  return g_steal_pointer (&options);
}

/* A pixel size of 0 is one nobody stated: shown as "unknown", and an empty field or that word
 * reads back as 0, so the volume's voxel size stays unknown until Image Properties sets it. */
static gboolean
pixel_output (GtkSpinButton *spin,
              gpointer       user_data)
{
  if (gtk_spin_button_get_value (spin) != 0)
    return FALSE;
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (spin)), _("unknown")) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), _("unknown"));
  return TRUE;
}

static int
pixel_input (GtkSpinButton *spin,
             double        *value,
             gpointer       user_data)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (spin))));

  if (*text != '\0' && g_strcmp0 (text, _("unknown")) != 0)
    return FALSE;
  *value = 0;
  return TRUE;
}

static void
finish (EvoxSsrmDialog  *self,
        EvoxSsrmOptions *options)
{
  if (self->done)
    return;
  self->done = TRUE;
  g_signal_emit (self, signals[DONE], 0, options);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  EvoxSsrmDialog *self = EVOX_SSRM_DIALOG (widget);
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxSsrmOptions) options = evox_ssrm_dialog_dup_options (self, &error);

  if (options == NULL)
    {
      gtk_label_set_text (self->message_label, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->message_label), TRUE);
      return;
    }
  finish (self, options);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  EvoxSsrmDialog *self = EVOX_SSRM_DIALOG (widget);

  finish (self, NULL);
}

static gboolean
close_request (GtkWindow *window)
{
  finish (EVOX_SSRM_DIALOG (window), NULL);
  return FALSE;
}

static void
evox_ssrm_dialog_finalize (GObject *object)
{
  EvoxSsrmDialog *self = EVOX_SSRM_DIALOG (object);

  g_free (self->path);
  g_clear_pointer (&self->layout, evox_ssrm_layout_free);

  G_OBJECT_CLASS (evox_ssrm_dialog_parent_class)->finalize (object);
}

static void
evox_ssrm_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), EVOX_TYPE_SSRM_DIALOG);
  G_OBJECT_CLASS (evox_ssrm_dialog_parent_class)->dispose (object);
}

static void
evox_ssrm_dialog_class_init (EvoxSsrmDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = evox_ssrm_dialog_dispose;
  object_class->finalize = evox_ssrm_dialog_finalize;
  window_class->close_request = close_request;

  signals[DONE] = g_signal_new ("done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/evox/Evox/evox-ssrm-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, EvoxSsrmDialog, file_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxSsrmDialog, dz_spin);
  gtk_widget_class_bind_template_child (widget_class, EvoxSsrmDialog, pixel_spin);
  gtk_widget_class_bind_template_child (widget_class, EvoxSsrmDialog, x_column);
  gtk_widget_class_bind_template_child (widget_class, EvoxSsrmDialog, y_column);
  gtk_widget_class_bind_template_child (widget_class, EvoxSsrmDialog, scans_entry);
  gtk_widget_class_bind_template_child (widget_class, EvoxSsrmDialog, scale_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxSsrmDialog, message_label);

  gtk_widget_class_install_action (widget_class, "ssrm.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "ssrm.cancel", NULL, cancel_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "ssrm.cancel", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, 0, "ssrm.open", NULL);
}

static void
evox_ssrm_dialog_init (EvoxSsrmDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->pixel_spin, "output", G_CALLBACK (pixel_output), NULL);
  g_signal_connect (self->pixel_spin, "input", G_CALLBACK (pixel_input), NULL);
  /* The template's value was set before the handlers could show it. */
  pixel_output (self->pixel_spin, NULL);
}

static guint
find_column (GStrv       columns,
             const char *name)
{
  for (guint i = 0; columns != NULL && columns[i] != NULL; i++)
    if (g_strcmp0 (columns[i], name) == 0)
      return i;
  return 0;
}

EvoxSsrmDialog *
evox_ssrm_dialog_new (GtkWindow   *parent,
                      const char  *path,
                      GError     **error)
{
  g_autoptr (EvoxSsrmLayout) layout = NULL;
  g_autoptr (GString) scans = g_string_new (NULL);
  g_autofree char *name = NULL;
  g_autofree char *heading = NULL;
  EvoxSsrmDialog *self;

  g_return_val_if_fail (path != NULL, NULL);

  layout = evox_ssrm_sniff (path, error);
  if (layout == NULL)
    return NULL;

  self = g_object_new (EVOX_TYPE_SSRM_DIALOG, "transient-for", parent, NULL);
  self->path = g_strdup (path);
  name = g_filename_display_basename (path);
  heading = g_strdup_printf (_("Reading “%s”"), name);
  gtk_label_set_text (self->file_label, heading);
  gtk_spin_button_set_value (self->dz_spin, EVOX_SSRM_DEFAULT_DZ_NM);

  gtk_drop_down_set_model (self->x_column,
                           G_LIST_MODEL (gtk_string_list_new ((const char * const *)
                                                              layout->columns)));
  g_object_unref (gtk_drop_down_get_model (self->x_column));
  gtk_drop_down_set_model (self->y_column,
                           G_LIST_MODEL (gtk_string_list_new ((const char * const *)
                                                              layout->columns)));
  g_object_unref (gtk_drop_down_get_model (self->y_column));
  gtk_drop_down_set_selected (self->x_column, find_column (layout->columns, layout->x_column));
  gtk_drop_down_set_selected (self->y_column, find_column (layout->columns, layout->y_column));

  for (guint i = 0; i < layout->values->len; i++)
    g_string_append_printf (scans, "%s%s", i > 0 ? ", " : "",
                            (const char *) g_ptr_array_index (layout->values, i));
  gtk_editable_set_text (GTK_EDITABLE (self->scans_entry), scans->str);
  self->layout = g_steal_pointer (&layout);
  return self;
}
