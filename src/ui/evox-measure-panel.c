/* evox-measure-panel.c: the rulers drawn on slices, and the line profile of the selected one. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "evox-measure-panel.h"
#include "evox-csv.h"
#include "evox-plot.h"
#include "evox-profile-csv.h"
#include "evox-ui-util.h"
#include "evox-units.h"

struct _EvoxMeasurePanel
{
  GtkWidget         parent_instance;

  EvoxDocument     *document;
  EvoxProfile      *profile;
  /* What the profile was sampled from: a voxel size change moves the rulers (their notify) and
   * then notifies the volume; the second sampling would be the same, so it is skipped. */
  EvoxVolume       *profile_volume;
  guint             profile_channel;
  EvoxProfileSampling profile_sampling;
  double            profile_spacing[3];
  double            profile_start[3];
  double            profile_end[3];
  guint             n_profiles;   /* samplings done, for tests */
  gboolean          measure_tool;
  gboolean          region_tool;
  EvoxProfileSampling sampling;

  GtkToggleButton  *tool_button;
  GtkToggleButton  *region_button;
  GtkLabel         *empty_label;
  GtkListBox       *ruler_list;
  GtkDropDown      *sampling_dropdown;
  EvoxPlot         *plot;
  GtkLabel         *profile_label;
  GtkLabel         *error_label;
};

G_DEFINE_FINAL_TYPE (EvoxMeasurePanel, evox_measure_panel, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_MEASURE_TOOL,
  PROP_REGION_TOOL,
  PROP_REGION_AVAILABLE,
  PROP_SAMPLING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *axis_names[3] = { "x", "y", "z" };

static void
show_error (EvoxMeasurePanel *self,
            const char       *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static EvoxMeasurementList *
get_list (EvoxMeasurePanel *self)
{
  return self->document != NULL ? evox_document_get_measurements (self->document) : NULL;
}

static char *
describe_ruler (EvoxMeasurePanel *self,
                guint             index,
                EvoxMeasurement  *ruler)
{
  guint axis = evox_measurement_get_axis (ruler);
  g_autofree char *length = NULL;
  double start[3], end[3];

  evox_measurement_get_points (ruler, start, end);
  length = evox_format_segment_length (evox_document_get_volume (self->document), start, end);

  /* TRANSLATORS: ruler number, its length, the slice it was drawn on ("z = 128"). */
  return g_strdup_printf (_("%u   %s   %s = %u"), index + 1, length, axis_names[axis],
                          evox_measurement_get_slice (ruler));
}

static void
on_remove_clicked (GtkButton        *button,
                   EvoxMeasurePanel *self)
{
  EvoxMeasurement *ruler = g_object_get_data (G_OBJECT (button), "measurement");
  int index = _evox_object_list_find (EVOX_OBJECT_LIST (get_list (self)), ruler);

  if (index >= 0)
    evox_measurement_list_remove (get_list (self), (guint) index);
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  EvoxMeasurePanel *self = user_data;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new (NULL);
  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 3);
  gtk_widget_set_margin_bottom (box, 3);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_tooltip_text (remove, _("Remove this ruler"));
  g_object_set_data_full (G_OBJECT (remove), "measurement", g_object_ref (item), g_object_unref);
  g_signal_connect_object (remove, "clicked", G_CALLBACK (on_remove_clicked), self, 0);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), remove);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data (G_OBJECT (row), "label", label);
  return row;
}

static void
update_rows (EvoxMeasurePanel *self)
{
  EvoxMeasurementList *list = get_list (self);
  guint n = list != NULL ? evox_measurement_list_get_n_measurements (list) : 0;

  gtk_widget_set_visible (GTK_WIDGET (self->empty_label), n == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->ruler_list), n > 0);
  for (guint i = 0; i < n; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->ruler_list, (int) i);
      g_autofree char *text = NULL;

      if (row == NULL)
        continue;
      text = describe_ruler (self, i, evox_measurement_list_get_measurement (list, i));
      gtk_label_set_text (g_object_get_data (G_OBJECT (row), "label"), text);
    }
}

/* "log10 resistance (ohm)", "intensity", "value": the y axis of the plot. */
static char *
value_title (EvoxVolume *volume,
             guint       channel)
{
  const char *quantity = evox_volume_get_channel_quantity (volume, channel);
  g_autofree char *unit = evox_units_dup_display (evox_volume_get_channel_unit (volume, channel));
  g_autofree char *name = g_strdup (quantity != NULL && quantity[0] != '\0' ? quantity
                                                                           : _("value"));

  if (evox_volume_get_channel_value_scale (volume, channel) == EVOX_SCALE_LOG10)
    {
      g_autofree char *log_name = g_strdup_printf ("log10 %s", name);

      g_free (name);
      name = g_steal_pointer (&log_name);
    }
  if (unit != NULL && unit[0] != '\0')
    return g_strdup_printf ("%s (%s)", name, unit);
  return g_steal_pointer (&name);
}

static void
update_profile (EvoxMeasurePanel *self)
{
  int index = evox_measure_panel_get_selected (self);
  EvoxMeasurement *ruler;
  EvoxVolume *volume;
  double start[3], end[3], scale;
  g_autofree double *x = NULL;
  g_autofree char *x_title = NULL;
  g_autofree char *y_title = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *length = NULL;
  EvoxUnits units;
  const char *unit;
  guint channel;
  double spacing[3];

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "measure.export-profile", index >= 0);
  if (index < 0)
    {
      g_clear_pointer (&self->profile, evox_profile_free);
      g_clear_object (&self->profile_volume);
      evox_plot_clear (self->plot);
      gtk_label_set_text (self->profile_label, _("Select a ruler to see the values along it."));
      return;
    }
  ruler = evox_measurement_list_get_measurement (get_list (self), (guint) index);
  volume = evox_document_get_volume (self->document);
  channel = evox_document_get_channel (self->document);
  evox_measurement_get_points (ruler, start, end);
  evox_volume_get_spacing (volume, spacing);
  if (self->profile != NULL && self->profile_volume == volume &&
      self->profile_channel == channel && self->profile_sampling == self->sampling &&
      memcmp (self->profile_spacing, spacing, sizeof spacing) == 0 &&
      memcmp (self->profile_start, start, sizeof start) == 0 &&
      memcmp (self->profile_end, end, sizeof end) == 0)
    return;
  g_clear_pointer (&self->profile, evox_profile_free);
  evox_plot_clear (self->plot);
  self->profile = evox_profile_sample_with (volume, channel, start, end, self->sampling);
  self->n_profiles++;
  g_set_object (&self->profile_volume, volume);
  self->profile_channel = channel;
  self->profile_sampling = self->sampling;
  memcpy (self->profile_spacing, spacing, sizeof spacing);
  memcpy (self->profile_start, start, sizeof start);
  memcpy (self->profile_end, end, sizeof end);

  units = evox_units_for_segment (volume, start, end);
  unit = evox_units_symbol (&units, 1, EVOX_UNITS_UNICODE);
  scale = units.nm;
  x = g_new (double, self->profile->n);
  for (guint i = 0; i < self->profile->n; i++)
    x[i] = self->profile->distance_nm[i] / scale;
  x_title = g_strdup_printf (_("distance (%s)"), unit);
  y_title = value_title (volume, self->profile->channel);
  evox_plot_set_axes (self->plot, x_title, y_title);
  /* The ruler's own yellow would vanish on a light theme: the plot takes a steady blue. */
  evox_plot_add_line (self->plot, x, self->profile->value, self->profile->n,
                      &(GdkRGBA) { 0.20f, 0.52f, 0.89f, 1.0f }, NULL);
  length = evox_format_segment_length (volume, start, end);
  if (self->sampling == EVOX_PROFILE_NEAREST)
    summary = g_strdup_printf (_("%u samples over %s, each the nearest voxel's value"),
                               self->profile->n, length);
  else
    summary = g_strdup_printf (_("%u samples over %s, trilinear between voxel centres"),
                               self->profile->n, length);
  gtk_label_set_text (self->profile_label, summary);
}

static void
on_list_changed (EvoxMeasurementList *list,
                 EvoxMeasurePanel    *self)
{
  update_rows (self);
  update_profile (self);
}

static void
on_items_changed (GListModel       *model,
                  guint             position,
                  guint             removed,
                  guint             added,
                  EvoxMeasurePanel *self)
{
  /* A ruler just drawn is the one to look at. */
  if (added > 0)
    evox_measure_panel_select (self, (int) (position + added - 1));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "measure.clear",
                                 g_list_model_get_n_items (model) > 0);
}

static void
on_row_selected (GtkListBox       *box,
                 GtkListBoxRow    *row,
                 EvoxMeasurePanel *self)
{
  update_profile (self);
}

static void
on_volume_changed (EvoxMeasurePanel *self)
{
  EvoxVolume *volume = self->document != NULL ? evox_document_get_volume (self->document) : NULL;

  /* Each volume starts with the sampling that suits it: labels stay labels. Set here without
   * the setter's own update, so the profile is sampled once, below. */
  if (volume != NULL)
    {
      EvoxProfileSampling sampling =
        evox_profile_default_sampling (volume, evox_document_get_channel (self->document));

      if (self->sampling != sampling)
        {
          self->sampling = sampling;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAMPLING]);
        }
    }
  update_rows (self);
  update_profile (self);
}

void
evox_measure_panel_set_document (EvoxMeasurePanel *self,
                                 EvoxDocument     *document)
{
  g_return_if_fail (EVOX_IS_MEASURE_PANEL (self));
  g_return_if_fail (document == NULL || EVOX_IS_DOCUMENT (document));

  if (self->document == document)
    return;
  if (self->document != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->document, self);
      g_signal_handlers_disconnect_by_data (get_list (self), self);
      gtk_list_box_bind_model (self->ruler_list, NULL, NULL, NULL, NULL);
    }
  g_set_object (&self->document, document);
  if (document != NULL)
    {
      EvoxMeasurementList *list = get_list (self);

      gtk_list_box_bind_model (self->ruler_list, G_LIST_MODEL (list), create_row, self, NULL);
      g_signal_connect_object (list, "items-changed", G_CALLBACK (on_items_changed), self, 0);
      g_signal_connect_object (list, "changed", G_CALLBACK (on_list_changed), self, 0);
      g_signal_connect_object (document, "notify::volume", G_CALLBACK (on_volume_changed), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (document, "notify::channel", G_CALLBACK (on_volume_changed), self,
                               G_CONNECT_SWAPPED);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "measure.clear",
                                     evox_measurement_list_get_n_measurements (list) > 0);
    }
  on_volume_changed (self);
}

EvoxProfileSampling
evox_measure_panel_get_sampling (EvoxMeasurePanel *self)
{
  g_return_val_if_fail (EVOX_IS_MEASURE_PANEL (self), EVOX_PROFILE_TRILINEAR);
  return self->sampling;
}

void
evox_measure_panel_set_sampling (EvoxMeasurePanel    *self,
                                 EvoxProfileSampling  sampling)
{
  g_return_if_fail (EVOX_IS_MEASURE_PANEL (self));
  g_return_if_fail (sampling <= EVOX_PROFILE_TRILINEAR);

  if (self->sampling == sampling)
    return;
  self->sampling = sampling;
  update_profile (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAMPLING]);
}

guint
_evox_measure_panel_get_n_profiles (EvoxMeasurePanel *self)
{
  g_return_val_if_fail (EVOX_IS_MEASURE_PANEL (self), 0);
  return self->n_profiles;
}

const EvoxProfile *
evox_measure_panel_get_profile (EvoxMeasurePanel *self)
{
  g_return_val_if_fail (EVOX_IS_MEASURE_PANEL (self), NULL);
  return self->profile;
}

int
evox_measure_panel_get_selected (EvoxMeasurePanel *self)
{
  GtkListBoxRow *row;

  g_return_val_if_fail (EVOX_IS_MEASURE_PANEL (self), -1);

  row = gtk_list_box_get_selected_row (self->ruler_list);
  if (row == NULL || get_list (self) == NULL ||
      gtk_list_box_row_get_index (row) >= (int) evox_measurement_list_get_n_measurements (
                                                 get_list (self)))
    return -1;
  return gtk_list_box_row_get_index (row);
}

void
evox_measure_panel_select (EvoxMeasurePanel *self,
                           int               index)
{
  g_return_if_fail (EVOX_IS_MEASURE_PANEL (self));

  gtk_list_box_select_row (self->ruler_list,
                           index >= 0 ? gtk_list_box_get_row_at_index (self->ruler_list, index)
                                      : NULL);
}

gboolean
evox_measure_panel_export_profile (EvoxMeasurePanel *self,
                                   const char       *path,
                                   gboolean          overwrite,
                                   GError          **error)
{
  g_return_val_if_fail (EVOX_IS_MEASURE_PANEL (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->profile == NULL)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                           _("No ruler is selected: there is no profile to export"));
      return FALSE;
    }
  {
    /* The record's '# ' lines first when the window asks for them, as its other CSVs. */
    g_autofree char *provenance =
      _evox_ui_csv_provenance (GTK_WIDGET (self), self->document,
                               "Export Profile (the selected ruler's profile)");

    return evox_profile_csv_write (path, self->profile,
                                   evox_document_get_volume (self->document), overwrite,
                                   error) &&
           evox_csv_add_provenance (path, provenance, error);
  }
}

const char *
_evox_measure_panel_get_row_text (EvoxMeasurePanel *self,
                                  guint             index)
{
  GtkListBoxRow *row;

  g_return_val_if_fail (EVOX_IS_MEASURE_PANEL (self), NULL);

  row = gtk_list_box_get_row_at_index (self->ruler_list, (int) index);
  if (row == NULL)
    return NULL;
  return gtk_label_get_text (g_object_get_data (G_OBJECT (row), "label"));
}

const char *
_evox_measure_panel_get_caption (EvoxMeasurePanel *self)
{
  g_return_val_if_fail (EVOX_IS_MEASURE_PANEL (self), NULL);
  return gtk_label_get_text (self->profile_label);
}

static void
export_response (GtkNativeDialog  *chooser,
                 int               response,
                 EvoxMeasurePanel *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr(GError) error = NULL;

      /* The chooser has asked before replacing a file. */
      if (path != NULL && !evox_measure_panel_export_profile (self, path, TRUE, &error))
        show_error (self, error->message);
      else
        show_error (self, NULL);
    }
  g_object_unref (chooser);
}

static void
export_profile_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  EvoxMeasurePanel *self = EVOX_MEASURE_PANEL (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *chooser;
  g_autofree char *base = NULL;
  g_autofree char *suggested = NULL;
  char *dot;

  if (self->profile == NULL)
    return;
  base = g_strdup (evox_document_get_title (self->document) != NULL ?
                   evox_document_get_title (self->document) : "volume");
  dot = strrchr (base, '.');
  if (dot != NULL && dot != base)
    *dot = '\0';
  suggested = g_strdup_printf ("%s-profile-%d.csv", base, evox_measure_panel_get_selected (self) + 1);
  chooser = gtk_file_chooser_native_new (_("Export Line Profile"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                         _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), suggested);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (export_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
clear_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  EvoxMeasurementList *list = get_list (EVOX_MEASURE_PANEL (widget));

  if (list != NULL)
    evox_measurement_list_clear (list);
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  EvoxMeasurementList *list = get_list (EVOX_MEASURE_PANEL (widget));
  guint index = g_variant_get_uint32 (parameter);

  if (list != NULL && index < evox_measurement_list_get_n_measurements (list))
    evox_measurement_list_remove (list, index);
}

static void
evox_measure_panel_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  EvoxMeasurePanel *self = EVOX_MEASURE_PANEL (object);

  switch (prop_id)
    {
    case PROP_MEASURE_TOOL:
      g_value_set_boolean (value, self->measure_tool);
      break;
    case PROP_REGION_TOOL:
      g_value_set_boolean (value, self->region_tool);
      break;
    case PROP_REGION_AVAILABLE:
      g_value_set_boolean (value, gtk_widget_get_visible (GTK_WIDGET (self->region_button)));
      break;
    case PROP_SAMPLING:
      g_value_set_uint (value, self->sampling);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_measure_panel_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  EvoxMeasurePanel *self = EVOX_MEASURE_PANEL (object);

  switch (prop_id)
    {
    case PROP_MEASURE_TOOL:
      if (self->measure_tool != g_value_get_boolean (value))
        {
          self->measure_tool = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_REGION_TOOL:
      if (self->region_tool != g_value_get_boolean (value))
        {
          self->region_tool = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_REGION_AVAILABLE:
      if (gtk_widget_get_visible (GTK_WIDGET (self->region_button)) != g_value_get_boolean (value))
        {
          gtk_widget_set_visible (GTK_WIDGET (self->region_button), g_value_get_boolean (value));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_SAMPLING:
      evox_measure_panel_set_sampling (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_measure_panel_dispose (GObject *object)
{
  EvoxMeasurePanel *self = EVOX_MEASURE_PANEL (object);

  evox_measure_panel_set_document (self, NULL);
  g_clear_pointer (&self->profile, evox_profile_free);
  g_clear_object (&self->profile_volume);
  _evox_dispose_bin_template (GTK_WIDGET (self), EVOX_TYPE_MEASURE_PANEL);

  G_OBJECT_CLASS (evox_measure_panel_parent_class)->dispose (object);
}

static void
evox_measure_panel_class_init (EvoxMeasurePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = evox_measure_panel_dispose;
  object_class->get_property = evox_measure_panel_get_property;
  object_class->set_property = evox_measure_panel_set_property;

  properties[PROP_MEASURE_TOOL] = g_param_spec_boolean ("measure-tool", NULL, NULL, FALSE,
                                                       G_PARAM_READWRITE |
                                                       G_PARAM_EXPLICIT_NOTIFY |
                                                       G_PARAM_STATIC_STRINGS);
  /* The Region toggle; the window binds it to the canvas's region-tool. */
  properties[PROP_REGION_TOOL] = g_param_spec_boolean ("region-tool", NULL, NULL, FALSE,
                                                      G_PARAM_READWRITE |
                                                      G_PARAM_EXPLICIT_NOTIFY |
                                                      G_PARAM_STATIC_STRINGS);
  /* Whether the Region toggle is offered (volumes with spectra to take of a rectangle). */
  properties[PROP_REGION_AVAILABLE] = g_param_spec_boolean ("region-available", NULL, NULL, TRUE,
                                                           G_PARAM_READWRITE |
                                                           G_PARAM_EXPLICIT_NOTIFY |
                                                           G_PARAM_STATIC_STRINGS);
  /* An EvoxProfileSampling; the drop-down's positions are its values. */
  properties[PROP_SAMPLING] = g_param_spec_uint ("sampling", NULL, NULL,
                                                 EVOX_PROFILE_NEAREST, EVOX_PROFILE_TRILINEAR,
                                                 EVOX_PROFILE_NEAREST,
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                 G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (EVOX_TYPE_PLOT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/evox/Evox/evox-measure-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, EvoxMeasurePanel, tool_button);
  gtk_widget_class_bind_template_child (widget_class, EvoxMeasurePanel, region_button);
  gtk_widget_class_bind_template_child (widget_class, EvoxMeasurePanel, empty_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxMeasurePanel, ruler_list);
  gtk_widget_class_bind_template_child (widget_class, EvoxMeasurePanel, sampling_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxMeasurePanel, plot);
  gtk_widget_class_bind_template_child (widget_class, EvoxMeasurePanel, profile_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxMeasurePanel, error_label);

  gtk_widget_class_install_action (widget_class, "measure.clear", NULL, clear_action);
  gtk_widget_class_install_action (widget_class, "measure.remove", "u", remove_action);
  gtk_widget_class_install_action (widget_class, "measure.export-profile", NULL,
                                   export_profile_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
evox_measure_panel_init (EvoxMeasurePanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_object_bind_property (self, "measure-tool", self->tool_button, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self, "region-tool", self->region_button, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self, "sampling", self->sampling_dropdown, "selected",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect_object (self->ruler_list, "row-selected", G_CALLBACK (on_row_selected), self,
                           0);
  evox_plot_set_placeholder (self->plot, _("No ruler selected"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "measure.clear", FALSE);
  update_profile (self);
}

GtkWidget *
evox_measure_panel_new (void)
{
  return g_object_new (EVOX_TYPE_MEASURE_PANEL, NULL);
}
