/* evox-phase-row.c: one row of the phase panel; edits its EvoxPhase, shows its live fraction. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "evox-phase-row.h"
#include "evox-ui-util.h"
#include "evox-plot.h"
#include "evox-units.h"

#define SENSITIVITY_STEPS 21

struct _EvoxPhaseRow
{
  GtkWidget        parent_instance;

  EvoxDocument    *document;
  EvoxPhase       *phase;
  GBinding        *bindings[3];
  /* What the entries last showed, so an unedited entry is not parsed back (and rounded). */
  char            *shown[2];

  GtkCheckButton  *visible_check;
  GtkColorButton  *color_button;
  GtkRange        *opacity_scale;
  GtkEditableLabel *name_label;
  GtkImage        *overlap_icon;
  GtkLabel        *fraction_label;
  GtkEntry        *lo_entry;
  GtkEntry        *hi_entry;
  GtkLabel        *caption_label;
  EvoxPlot        *sensitivity_plot;
};

G_DEFINE_FINAL_TYPE (EvoxPhaseRow, evox_phase_row, GTK_TYPE_WIDGET)

static EvoxVolume *
row_volume (EvoxPhaseRow *self)
{
  return evox_document_get_volume (self->document);
}

static gboolean
is_log10 (EvoxPhaseRow *self)
{
  EvoxVolume *volume = row_volume (self);

  return volume != NULL &&
         evox_volume_get_channel_value_scale (volume, evox_document_get_channel (self->document)) ==
         EVOX_SCALE_LOG10;
}

static int
phase_index (EvoxPhaseRow *self)
{
  EvoxPhaseList *list = evox_document_get_phases (self->document);

  for (guint i = 0; i < evox_phase_list_get_n_phases (list); i++)
    if (evox_phase_list_get_phase (list, i) == self->phase)
      return (int) i;
  return -1;
}

/* How an edge is written in its entry: whole numbers for integer data, three decimals for
 * log10 numbers, four significant digits otherwise. */
char *
_evox_phase_format_edge (EvoxVolume *volume,
                         guint       channel,
                         double      stored)
{
  if (volume != NULL && evox_volume_get_sample_type (volume) != EVOX_SAMPLE_F32)
    return g_strdup_printf ("%.0f", stored);
  if (volume != NULL && evox_volume_get_channel_value_scale (volume, channel) == EVOX_SCALE_LOG10)
    return g_strdup_printf ("%.3f", stored);
  return g_strdup_printf ("%.4g", stored);
}

static void
show_edge (EvoxPhaseRow *self,
           guint         which,
           double        stored)
{
  GtkEntry *entry = which == 0 ? self->lo_entry : self->hi_entry;
  g_autofree char *text = _evox_phase_format_edge (row_volume (self),
                                                   evox_document_get_channel (self->document),
                                                   stored);

  /* Do not overwrite what the user is typing. */
  if (gtk_widget_has_focus (GTK_WIDGET (entry)) || gtk_widget_has_focus (
        gtk_widget_get_first_child (GTK_WIDGET (entry))))
    return;
  g_free (self->shown[which]);
  self->shown[which] = g_strdup (text);
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  gtk_widget_set_tooltip_text (GTK_WIDGET (entry), NULL);
}

static void
update_caption (EvoxPhaseRow *self)
{
  EvoxVolume *volume = row_volume (self);
  double lo = evox_phase_get_lo (self->phase), hi = evox_phase_get_hi (self->phase);

  if (volume != NULL && is_log10 (self))
    {
      guint channel = evox_document_get_channel (self->document);
      g_autofree char *unit = evox_units_dup_display (evox_volume_get_channel_unit (volume,
                                                                                    channel));
      g_autofree char *text = g_strdup_printf (_("%s from %.3g to %.3g %s; type -4.5 (log10) or 3.2e-5"),
                                               evox_volume_get_channel_quantity (volume, channel),
                                               pow (10, lo), pow (10, hi),
                                               unit != NULL ? unit : "");
      gtk_label_set_text (self->caption_label, text);
      gtk_widget_set_visible (GTK_WIDGET (self->caption_label), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->caption_label), FALSE);
}

static EvoxSampleType
row_sample_type (EvoxPhaseRow *self)
{
  EvoxVolume *volume = row_volume (self);

  return volume != NULL ? evox_volume_get_sample_type (volume) : EVOX_SAMPLE_F32;
}

/* Counted over the document's basis and the phase's owned range, so a voxel on an edge shared
 * with an earlier phase counts there, as in the CSV export. */
static void
update_fraction (EvoxPhaseRow *self)
{
  EvoxFineHistogram *histogram = evox_document_get_basis_histogram (self->document);
  EvoxPhaseList *list = evox_document_get_phases (self->document);
  EvoxVolume *volume = row_volume (self);
  int index = phase_index (self);
  g_autofree char *text = NULL;
  g_autofree char *tip = NULL;
  g_autofree char *basis = NULL;
  guint64 count, n_finite;
  gboolean exact;

  if (histogram == NULL || index < 0)
    {
      gtk_label_set_text (self->fraction_label, "");
      return;
    }
  basis = evox_basis_dup_label (volume, evox_document_get_channel (self->document),
                                evox_document_get_basis (self->document));
  /* Exact where counting is cheap (the measured scans, integer data), as `evox segment` counts;
   * "≈" only for the fine histogram of an interpolated f32 volume. */
  exact = evox_phase_list_count_basis (list, index, volume,
                                       evox_document_get_channel (self->document),
                                       evox_document_get_basis (self->document), &count,
                                       &n_finite);
  text = g_strdup_printf ("%s%.1f %%", exact ? "" : "≈",
                          n_finite > 0 ? 100.0 * (double) count / (double) n_finite : 0.0);
  /* TRANSLATORS: the last %s is "of the 4 measured scans" or "of the interpolated volume" */
  tip = g_strdup_printf (_("%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " values %s"),
                         count, n_finite, basis);
  gtk_label_set_text (self->fraction_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->fraction_label), tip);
}

static void
update_sensitivity (EvoxPhaseRow *self)
{
  EvoxFineHistogram *histogram = evox_document_get_basis_histogram (self->document);
  EvoxVolume *volume = row_volume (self);
  g_autoptr (EvoxSensitivity) sensitivity = NULL;
  double delta, y_lo[SENSITIVITY_STEPS], y_hi[SENSITIVITY_STEPS];
  float rgba[4];
  GdkRGBA colour, dark;

  evox_plot_clear (self->sensitivity_plot);
  if (histogram == NULL || volume == NULL)
    return;
  delta = evox_sensitivity_delta (volume, evox_document_get_channel (self->document));
  if (!(delta > 0))
    return;
  sensitivity = evox_phase_sensitivity (self->phase, histogram, delta, SENSITIVITY_STEPS);
  for (guint k = 0; k < sensitivity->n_steps; k++)
    {
      y_lo[k] = 100 * sensitivity->fraction_lo[k];
      y_hi[k] = 100 * sensitivity->fraction_hi[k];
    }
  evox_phase_get_rgba (self->phase, rgba);
  colour = (GdkRGBA) { rgba[0], rgba[1], rgba[2], 1 };
  dark = (GdkRGBA) { 0.5 * rgba[0], 0.5 * rgba[1], 0.5 * rgba[2], 1 };
  evox_plot_set_axes (self->sensitivity_plot,
                      is_log10 (self) ? _("edge shift (decades)") : _("edge shift"),
                      _("fraction (%)"));
  evox_plot_add_line (self->sensitivity_plot, sensitivity->shift, y_lo, sensitivity->n_steps,
                      &colour, _("low edge moved"));
  evox_plot_add_line (self->sensitivity_plot, sensitivity->shift, y_hi, sensitivity->n_steps,
                      &dark, _("high edge moved"));
  evox_plot_add_marker (self->sensitivity_plot, 0);
}

static void
update_overlap (EvoxPhaseRow *self)
{
  EvoxPhaseList *list = evox_document_get_phases (self->document);
  int index = phase_index (self);
  GString *names = g_string_new (NULL);
  g_autofree char *tip = NULL;

  if (index < 0 || !evox_phase_list_overlaps (list, index, row_sample_type (self)))
    {
      gtk_widget_set_visible (GTK_WIDGET (self->overlap_icon), FALSE);
      g_string_free (names, TRUE);
      return;
    }
  for (guint i = 0; i < evox_phase_list_get_n_phases (list); i++)
    {
      EvoxPhase *other = evox_phase_list_get_phase (list, i);
      if ((int) i != index && evox_phase_overlaps (self->phase, other, row_sample_type (self)))
        g_string_append_printf (names, "%s%s", names->len > 0 ? ", " : "",
                                evox_phase_get_name (other));
    }
  tip = g_strdup_printf (_("Overlaps %s; where phases overlap, the one higher in the list owns the voxel in masks and in the canvas"),
                         names->str);
  g_string_free (names, TRUE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->overlap_icon), tip);
  gtk_widget_set_visible (GTK_WIDGET (self->overlap_icon), TRUE);
}

static void
update_colour (EvoxPhaseRow *self)
{
  _evox_color_button_set_hex (self->color_button, evox_phase_get_color (self->phase));
}

static void
on_phase_notify (EvoxPhase    *phase,
                 GParamSpec   *pspec,
                 EvoxPhaseRow *self)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "lo") || g_str_equal (name, "hi"))
    {
      show_edge (self, g_str_equal (name, "lo") ? 0 : 1,
                 g_str_equal (name, "lo") ? evox_phase_get_lo (phase) : evox_phase_get_hi (phase));
      update_caption (self);
      update_fraction (self);
      update_sensitivity (self);
    }
  else if (g_str_equal (name, "color"))
    {
      update_colour (self);
      update_sensitivity (self);
    }
}

static void
apply_entries (EvoxPhaseRow *self,
               GtkEntry     *edited)
{
  EvoxVolume *volume = row_volume (self);
  GtkEntry *entries[2] = { self->lo_entry, self->hi_entry };
  double edge[2] = { evox_phase_get_lo (self->phase), evox_phase_get_hi (self->phase) };
  g_autoptr (GError) error = NULL;
  GtkEntry *wrong = edited;

  if (volume == NULL)
    return;
  for (guint i = 0; i < 2; i++)
    {
      const char *text = gtk_editable_get_text (GTK_EDITABLE (entries[i]));
      guint channel = evox_document_get_channel (self->document);

      if (g_strcmp0 (text, self->shown[i]) == 0)
        continue;
      if (!evox_phase_parse_value (text, evox_volume_get_channel_value_scale (volume, channel),
                                   evox_volume_get_channel_unit (volume, channel), &edge[i],
                                   &error))
        {
          /* Mark the entry holding the text that is no number, not the one just left. */
          wrong = entries[i];
          break;
        }
    }
  if (error == NULL)
    evox_phase_check_range (evox_phase_get_name (self->phase), edge[0], edge[1],
                            evox_volume_get_sample_type (volume), &error);
  for (guint i = 0; i < 2; i++)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (entries[i]), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (entries[i]), NULL);
    }
  if (error != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (wrong), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (wrong), error->message);
      return;
    }
  evox_phase_set_range (self->phase, edge[0], edge[1]);
  /* The text may have been in the other form: show the stored number again. */
  show_edge (self, 0, evox_phase_get_lo (self->phase));
  show_edge (self, 1, evox_phase_get_hi (self->phase));
}

static void
on_entry_activate (GtkEntry     *entry,
                   EvoxPhaseRow *self)
{
  apply_entries (self, entry);
  if (!gtk_widget_has_css_class (GTK_WIDGET (self->lo_entry), "error") &&
      !gtk_widget_has_css_class (GTK_WIDGET (self->hi_entry), "error"))
    {
      g_free (self->shown[entry == self->lo_entry ? 0 : 1]);
      self->shown[entry == self->lo_entry ? 0 : 1] = NULL;
      gtk_widget_grab_focus (GTK_WIDGET (self->fraction_label));
      show_edge (self, entry == self->lo_entry ? 0 : 1,
                 entry == self->lo_entry ? evox_phase_get_lo (self->phase)
                                         : evox_phase_get_hi (self->phase));
    }
}

static void
on_entry_focus_leave (GtkEventControllerFocus *controller,
                      EvoxPhaseRow            *self)
{
  GtkEntry *entry = GTK_ENTRY (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller)));

  apply_entries (self, entry);
}

static void
on_color_set (GtkColorButton *button,
              EvoxPhaseRow   *self)
{
  g_autofree char *hex = _evox_color_button_dup_hex (button);

  evox_phase_set_color (self->phase, hex);
}

static void
move_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  EvoxPhaseRow *self = EVOX_PHASE_ROW (widget);
  EvoxPhaseList *list = evox_document_get_phases (self->document);
  int index = phase_index (self), to = index + g_variant_get_int32 (parameter);

  if (index < 0 || to < 0 || to >= (int) evox_phase_list_get_n_phases (list))
    return;
  evox_phase_list_move (list, index, to);
  evox_document_set_selected_phase (self->document, to);
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  EvoxPhaseRow *self = EVOX_PHASE_ROW (widget);
  int index = phase_index (self);

  if (index >= 0)
    evox_phase_list_remove (evox_document_get_phases (self->document), index);
}

static void
evox_phase_row_dispose (GObject *object)
{
  EvoxPhaseRow *self = EVOX_PHASE_ROW (object);

  if (self->phase != NULL)
    g_signal_handlers_disconnect_by_data (self->phase, self);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (evox_document_get_phases (self->document), self);
  _evox_clear_bindings (self->bindings, G_N_ELEMENTS (self->bindings));
  g_clear_object (&self->phase);
  g_clear_object (&self->document);
  g_clear_pointer (&self->shown[0], g_free);
  g_clear_pointer (&self->shown[1], g_free);
  _evox_dispose_bin_template (GTK_WIDGET (self), EVOX_TYPE_PHASE_ROW);

  G_OBJECT_CLASS (evox_phase_row_parent_class)->dispose (object);
}

static void
evox_phase_row_class_init (EvoxPhaseRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = evox_phase_row_dispose;

  g_type_ensure (EVOX_TYPE_PLOT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/evox/Evox/evox-phase-row.ui");
  gtk_widget_class_bind_template_child (widget_class, EvoxPhaseRow, visible_check);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhaseRow, color_button);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhaseRow, opacity_scale);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhaseRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhaseRow, overlap_icon);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhaseRow, fraction_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhaseRow, lo_entry);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhaseRow, hi_entry);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhaseRow, caption_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhaseRow, sensitivity_plot);
  gtk_widget_class_install_action (widget_class, "phase.move", "i", move_action);
  gtk_widget_class_install_action (widget_class, "phase.remove", NULL, remove_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
evox_phase_row_init (EvoxPhaseRow *self)
{
  GtkEntry *entries[2];

  gtk_widget_init_template (GTK_WIDGET (self));
  entries[0] = self->lo_entry;
  entries[1] = self->hi_entry;
  for (guint i = 0; i < 2; i++)
    {
      GtkEventController *focus = gtk_event_controller_focus_new ();

      g_signal_connect (entries[i], "activate", G_CALLBACK (on_entry_activate), self);
      g_signal_connect (focus, "leave", G_CALLBACK (on_entry_focus_leave), self);
      gtk_widget_add_controller (GTK_WIDGET (entries[i]), focus);
    }
  g_signal_connect (self->color_button, "color-set", G_CALLBACK (on_color_set), self);
}

GtkWidget *
evox_phase_row_new (EvoxDocument *document,
                    EvoxPhase    *phase)
{
  EvoxPhaseRow *self;

  g_return_val_if_fail (EVOX_IS_DOCUMENT (document), NULL);
  g_return_val_if_fail (EVOX_IS_PHASE (phase), NULL);

  self = g_object_new (EVOX_TYPE_PHASE_ROW, NULL);
  self->document = g_object_ref (document);
  self->phase = g_object_ref (phase);
  self->bindings[0] = g_object_ref (g_object_bind_property (phase, "visible",
                                                            self->visible_check, "active",
                                                            G_BINDING_BIDIRECTIONAL |
                                                            G_BINDING_SYNC_CREATE));
  self->bindings[1] = g_object_ref (g_object_bind_property (phase, "name",
                                                            self->name_label, "text",
                                                            G_BINDING_BIDIRECTIONAL |
                                                            G_BINDING_SYNC_CREATE));
  self->bindings[2] = g_object_ref (g_object_bind_property (
    phase, "opacity", gtk_range_get_adjustment (self->opacity_scale), "value",
    G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE));
  g_signal_connect_object (phase, "notify", G_CALLBACK (on_phase_notify), self, 0);
  g_signal_connect_object (evox_document_get_phases (document), "changed",
                           G_CALLBACK (update_overlap), self, G_CONNECT_SWAPPED);
  /* Which voxels are this phase's own depends on the phases before it. */
  g_signal_connect_object (evox_document_get_phases (document), "changed",
                           G_CALLBACK (update_fraction), self, G_CONNECT_SWAPPED);
  show_edge (self, 0, evox_phase_get_lo (phase));
  show_edge (self, 1, evox_phase_get_hi (phase));
  update_colour (self);
  update_caption (self);
  update_fraction (self);
  update_sensitivity (self);
  update_overlap (self);
  return GTK_WIDGET (self);
}

EvoxPhase *
evox_phase_row_get_phase (EvoxPhaseRow *self)
{
  g_return_val_if_fail (EVOX_IS_PHASE_ROW (self), NULL);
  return self->phase;
}

const char *
evox_phase_row_get_fraction_text (EvoxPhaseRow *self)
{
  g_return_val_if_fail (EVOX_IS_PHASE_ROW (self), NULL);
  return gtk_label_get_text (self->fraction_label);
}

gboolean
evox_phase_row_get_overlap_flagged (EvoxPhaseRow *self)
{
  g_return_val_if_fail (EVOX_IS_PHASE_ROW (self), FALSE);
  return gtk_widget_get_visible (GTK_WIDGET (self->overlap_icon));
}
