/* evox-export-dialog.c: picks the size and format of an exported image, then saves it. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "evox-export-dialog.h"

#include "evox-curve-figure.h"
#include "evox-figure.h"

#define CUSTOM_SCALE 4
#define CHOICES_KEY "evox-export-choices"

/* What the user last chose in a window's dialog, kept on the window for its session: a figure
 * exported again comes out as the last one did, not at 2x PNG each time. The overlays' and the
 * crop's ticks are kept only once the user changed them (-1 before), so their defaults still
 * follow the canvas. */
typedef struct
{
  guint scale;
  int   size[2];     /* for the custom scale */
  guint format;
  int   overlays;
  int   crop;
} Choices;

struct _EvoxExportDialog
{
  GtkWindow       parent_instance;

  EvoxWindow     *window;   /* weak */
  int             view_size[2];
  double          crop_size[2];   /* the slice's footprint in canvas pixels; 0 outside slices */
  gboolean        updating;
  Choices        *choices;        /* the window's */

  GtkDropDown    *scale_dropdown;
  GtkSpinButton  *width_spin;
  GtkSpinButton  *height_spin;
  GtkDropDown    *format_dropdown;
  GtkCheckButton *crop_check;
  GtkCheckButton *transparent_check;
  GtkCheckButton *curves_check;
  GtkCheckButton *legend_check;
  GtkCheckButton *overlays_check;
  GtkLabel       *message_label;
};

G_DEFINE_FINAL_TYPE (EvoxExportDialog, evox_export_dialog, GTK_TYPE_WINDOW)

/* The format drop-down's entries, in its order. */
static const char * const extensions[] = { "png", "tif", "svg", "pdf" };

static gboolean
vector_selected (EvoxExportDialog *self)
{
  return gtk_drop_down_get_selected (self->format_dropdown) >= 2;
}

static gboolean
cropping (EvoxExportDialog *self)
{
  return self->crop_size[0] > 0 && gtk_check_button_get_active (self->crop_check);
}

/* The picture the scales multiply: the slice's footprint when cropping, else the canvas. */
static void
base_size (EvoxExportDialog *self,
           double            size[2])
{
  size[0] = cropping (self) ? self->crop_size[0] : self->view_size[0];
  size[1] = cropping (self) ? self->crop_size[1] : self->view_size[1];
}

static void
remember (EvoxExportDialog *self)
{
  if (self->updating || self->choices == NULL)
    return;
  self->choices->scale = gtk_drop_down_get_selected (self->scale_dropdown);
  self->choices->size[0] = gtk_spin_button_get_value_as_int (self->width_spin);
  self->choices->size[1] = gtk_spin_button_get_value_as_int (self->height_spin);
  self->choices->format = gtk_drop_down_get_selected (self->format_dropdown);
}

/* A vector file always holds the overlays and never the cluster curves. */
static void
format_changed (EvoxExportDialog *self)
{
  gboolean vector = vector_selected (self);

  gtk_widget_set_sensitive (GTK_WIDGET (self->overlays_check), !vector);
  gtk_widget_set_sensitive (GTK_WIDGET (self->curves_check), !vector);
  remember (self);
}

static void
scale_changed (EvoxExportDialog *self)
{
  guint selected = gtk_drop_down_get_selected (self->scale_dropdown);
  double base[2];

  if (selected >= CUSTOM_SCALE)
    {
      remember (self);
      return;
    }
  base_size (self, base);
  self->updating = TRUE;
  gtk_spin_button_set_value (self->width_spin, round (base[0] * (selected + 1)));
  gtk_spin_button_set_value (self->height_spin, round (base[1] * (selected + 1)));
  self->updating = FALSE;
  remember (self);
}

/* A cropped figure has the slice's shape: its height follows the width. */
static void
size_edited (EvoxExportDialog *self)
{
  if (self->updating)
    return;
  if (cropping (self))
    {
      self->updating = TRUE;
      gtk_spin_button_set_value (self->height_spin,
                                 round (gtk_spin_button_get_value (self->width_spin)
                                        * self->crop_size[1] / self->crop_size[0]));
      self->updating = FALSE;
    }
  gtk_drop_down_set_selected (self->scale_dropdown, CUSTOM_SCALE);
  remember (self);
}

static void
crop_toggled (EvoxExportDialog *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->height_spin), !cropping (self));
  if (gtk_drop_down_get_selected (self->scale_dropdown) < CUSTOM_SCALE)
    scale_changed (self);
  else
    size_edited (self);
  if (!self->updating && self->choices != NULL)
    self->choices->crop = gtk_check_button_get_active (self->crop_check);
}

static void
overlays_toggled (EvoxExportDialog *self)
{
  if (!self->updating && self->choices != NULL)
    self->choices->overlays = gtk_check_button_get_active (self->overlays_check);
}

/* The curves are offered when the clusters have some to draw, ticked when the clusters are
 * shown on the canvas. */
static void
offer_curves (EvoxExportDialog *self)
{
  EvoxDocument *document = evox_window_get_document (self->window);
  EvoxClusters *clusters = evox_document_get_clusters (document);
  g_autoptr(EvoxCurveFigure) figure = NULL;

  if (clusters != NULL)
    figure = evox_curve_figure_new_from_clusters (clusters);
  gtk_widget_set_visible (GTK_WIDGET (self->curves_check), figure != NULL);
  gtk_check_button_set_active (self->curves_check,
                               figure != NULL && evox_document_get_show_clusters (document));
}

static void
show_message (EvoxExportDialog *self,
              const char       *message)
{
  gtk_label_set_text (self->message_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), TRUE);
}

static void
save_response (GtkNativeDialog  *chooser,
               int               response,
               EvoxExportDialog *self)
{
  g_autoptr (GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  EvoxFigureFormat format;
  gboolean curves;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_object_unref (chooser);
  if (file == NULL || self->window == NULL)
    return;

  path = g_file_get_path (file);
  if (path == NULL)
    {
      show_message (self, _("Images can only be saved to local files"));
      return;
    }
  /* The name's extension says the format; a name without one takes the chosen format's. */
  format = evox_figure_format_from_path (path);
  if (format == EVOX_FIGURE_FORMAT_UNKNOWN)
    {
      guint selected = MIN (gtk_drop_down_get_selected (self->format_dropdown),
                            G_N_ELEMENTS (extensions) - 1);
      char *named = g_strconcat (path, ".", extensions[selected], NULL);

      g_free (path);
      path = named;
      format = evox_figure_format_from_path (path);
    }
  curves = gtk_widget_get_visible (GTK_WIDGET (self->curves_check)) &&
           gtk_check_button_get_active (self->curves_check);
  if (cropping (self)
      ? !evox_window_export_figure_cropped (self->window, path,
                                            gtk_spin_button_get_value (self->width_spin)
                                            / self->crop_size[0],
                                            gtk_check_button_get_active (self->transparent_check),
                                            curves,
                                            gtk_check_button_get_active (self->legend_check),
                                            gtk_check_button_get_active (self->overlays_check),
                                            &error)
      : !evox_window_export_figure_overlays (self->window, path,
                                             gtk_spin_button_get_value_as_int (self->width_spin),
                                             gtk_spin_button_get_value_as_int (self->height_spin),
                                             gtk_check_button_get_active (self->transparent_check),
                                             curves,
                                             gtk_check_button_get_active (self->legend_check),
                                             gtk_check_button_get_active (self->overlays_check),
                                             &error))
    {
      show_message (self, error->message);
      return;
    }
  /* The format written is the one remembered, also when the name's extension chose it. */
  if (self->choices != NULL)
    self->choices->format = (guint) format - EVOX_FIGURE_FORMAT_PNG;
  gtk_window_destroy (GTK_WINDOW (self));
}

/**
 * evox_export_dialog_suggest_name:
 * @title: (nullable): the document's title, usually the input's file name
 *
 * The name an export starts with: the title without the input's extension
 * ("A19_GrSi_Anode_1x1.csv" gives "A19_GrSi_Anode_1x1.png", not "….csv.png").
 */
char *
evox_export_dialog_suggest_name (const char *title,
                                 const char *extension)
{
  const char *dot;
  gsize length;

  g_return_val_if_fail (extension != NULL, NULL);

  if (title == NULL || *title == '\0')
    title = "evox";
  length = strlen (title);
  dot = strrchr (title, '.');
  /* A short run of letters and digits after the last dot is an extension; "1.5 nm" is not. */
  if (dot != NULL && dot > title && dot[1] != '\0' && strlen (dot + 1) <= 5)
    {
      gboolean plain = TRUE;

      for (const char *c = dot + 1; *c != '\0'; c++)
        plain = plain && g_ascii_isalnum (*c);
      if (plain)
        length = dot - title;
    }
  return g_strdup_printf ("%.*s.%s", (int) length, title, extension);
}

static void
choose_file_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  EvoxExportDialog *self = EVOX_EXPORT_DIALOG (widget);
  guint selected = MIN (gtk_drop_down_get_selected (self->format_dropdown),
                        G_N_ELEMENTS (extensions) - 1);
  GtkFileChooserNative *chooser;
  g_autofree char *name = NULL;
  const char *title = NULL;

  if (self->window != NULL)
    title = evox_document_get_title (evox_window_get_document (self->window));
  name = evox_export_dialog_suggest_name (title, extensions[selected]);

  chooser = gtk_file_chooser_native_new (_("Export Image"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"),
                                         _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
evox_export_dialog_dispose (GObject *object)
{
  EvoxExportDialog *self = EVOX_EXPORT_DIALOG (object);

  g_clear_weak_pointer (&self->window);
  gtk_widget_dispose_template (GTK_WIDGET (object), EVOX_TYPE_EXPORT_DIALOG);
  G_OBJECT_CLASS (evox_export_dialog_parent_class)->dispose (object);
}

static void
evox_export_dialog_class_init (EvoxExportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = evox_export_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/evox/Evox/evox-export-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, EvoxExportDialog, scale_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxExportDialog, width_spin);
  gtk_widget_class_bind_template_child (widget_class, EvoxExportDialog, height_spin);
  gtk_widget_class_bind_template_child (widget_class, EvoxExportDialog, format_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxExportDialog, crop_check);
  gtk_widget_class_bind_template_child (widget_class, EvoxExportDialog, transparent_check);
  gtk_widget_class_bind_template_child (widget_class, EvoxExportDialog, curves_check);
  gtk_widget_class_bind_template_child (widget_class, EvoxExportDialog, legend_check);
  gtk_widget_class_bind_template_child (widget_class, EvoxExportDialog, overlays_check);
  gtk_widget_class_bind_template_child (widget_class, EvoxExportDialog, message_label);

  gtk_widget_class_install_action (widget_class, "export.choose-file", NULL,
                                   choose_file_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
evox_export_dialog_init (EvoxExportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_swapped (self->scale_dropdown, "notify::selected",
                            G_CALLBACK (scale_changed), self);
  g_signal_connect_swapped (self->width_spin, "value-changed", G_CALLBACK (size_edited), self);
  g_signal_connect_swapped (self->height_spin, "value-changed", G_CALLBACK (size_edited), self);
  g_signal_connect_swapped (self->format_dropdown, "notify::selected",
                            G_CALLBACK (format_changed), self);
  g_signal_connect_swapped (self->crop_check, "toggled", G_CALLBACK (crop_toggled), self);
  g_signal_connect_swapped (self->overlays_check, "toggled", G_CALLBACK (overlays_toggled),
                            self);
}

EvoxExportDialog *
evox_export_dialog_new (EvoxWindow *window,
                        int         view_width,
                        int         view_height)
{
  EvoxExportDialog *self = g_object_new (EVOX_TYPE_EXPORT_DIALOG, "transient-for", window, NULL);
  Choices *choices;

  g_set_weak_pointer (&self->window, window);
  self->view_size[0] = MAX (view_width, 16);
  self->view_size[1] = MAX (view_height, 16);
  choices = g_object_get_data (G_OBJECT (window), CHOICES_KEY);
  if (choices == NULL)
    {
      choices = g_new0 (Choices, 1);
      choices->scale = 1;
      choices->format = 0;
      choices->overlays = choices->crop = -1;
      g_object_set_data_full (G_OBJECT (window), CHOICES_KEY, choices, g_free);
    }

  /* Set up from the choices without changing them. */
  self->updating = TRUE;
  /* Cropping is offered (and by default on) in the 2D slice views, where the canvas has empty
   * margins around the slice. */
  if (evox_window_get_crop_size (window, self->crop_size))
    {
      gtk_widget_set_visible (GTK_WIDGET (self->crop_check), TRUE);
      gtk_check_button_set_active (self->crop_check, choices->crop != 0);
    }
  else
    self->crop_size[0] = self->crop_size[1] = 0;
  gtk_widget_set_sensitive (GTK_WIDGET (self->height_spin), !cropping (self));
  gtk_drop_down_set_selected (self->format_dropdown, MIN (choices->format,
                                                          G_N_ELEMENTS (extensions) - 1));
  gtk_drop_down_set_selected (self->scale_dropdown, MIN (choices->scale, CUSTOM_SCALE));
  self->updating = FALSE;
  if (choices->scale >= CUSTOM_SCALE)
    {
      self->updating = TRUE;
      gtk_spin_button_set_value (self->width_spin, choices->size[0]);
      gtk_spin_button_set_value (self->height_spin, choices->size[1]);
      self->updating = FALSE;
      if (cropping (self))
        size_edited (self);
    }
  else
    scale_changed (self);
  self->choices = choices;
  format_changed (self);
  offer_curves (self);
  /* The legend is offered while the composite is on, ticked as the canvas shows it. */
  gtk_widget_set_visible (GTK_WIDGET (self->legend_check),
                          evox_document_get_composite (evox_window_get_document (window)));
  /* The overlays go along when the canvas shows any, unless the user said otherwise. */
  self->updating = TRUE;
  gtk_check_button_set_active (self->overlays_check,
                               choices->overlays >= 0
                               ? choices->overlays
                               : evox_overlays_any_visible (evox_document_get_overlays (
                                   evox_window_get_document (window))));
  self->updating = FALSE;
  return self;
}
