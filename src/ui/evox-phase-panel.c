/* evox-phase-panel.c: the document's phases: add, suggest (Otsu), presets, colouring switches. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "evox-phase-panel.h"
#include "evox-ui-util.h"
#include "evox-phase-row.h"
#include "evox-renderer.h"

struct _EvoxPhasePanel
{
  GtkWidget       parent_instance;

  EvoxDocument   *document;
  GBinding       *bindings[3];
  gboolean        updating;

  GtkMenuButton  *presets_button;
  GtkPopover     *presets_popover;
  GtkListBox     *presets_list;
  GtkEntry       *preset_name_entry;
  GtkSpinButton  *suggest_spin;
  GtkBox         *basis_box;
  GtkDropDown    *basis_dropdown;
  GtkStringList  *basis_items;
  GtkCheckButton *show_check;
  GtkCheckButton *hide_check;
  GtkLabel       *error_label;
  GtkLabel       *empty_label;
  GtkListBox     *phase_list;
  GtkLabel       *total_label;
};

G_DEFINE_FINAL_TYPE (EvoxPhasePanel, evox_phase_panel, GTK_TYPE_WIDGET)

static void
show_error (EvoxPhasePanel *self,
            const char     *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The fraction of finite voxels in no shown phase: one minus the union of the shown ranges
 * (merging overlapping ranges so no voxel counts twice), counted exactly where the phase rows
 * are (the measured scans, integer data), else from the basis's fine histogram with "≈". */
static void
update_total (EvoxPhasePanel *self)
{
  EvoxPhaseList *list = evox_document_get_phases (self->document);
  EvoxFineHistogram *histogram = evox_document_get_basis_histogram (self->document);
  EvoxVolume *volume = evox_document_get_volume (self->document);
  g_autofree char *basis = NULL;
  guint n = evox_phase_list_get_n_phases (list);
  g_autoptr (GArray) ranges = g_array_new (FALSE, FALSE, 2 * sizeof (double));
  g_autoptr (GArray) merged = g_array_new (FALSE, FALSE, 2 * sizeof (double));
  double covered = 0, end = -INFINITY, start = 0;
  guint64 n_finite;
  guint channel;
  EvoxBasis counted;
  gboolean exact;
  g_autofree char *text = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->empty_label), n == 0);
  if (histogram == NULL || n == 0 || (n_finite = evox_fine_histogram_get_n_finite (histogram)) == 0)
    {
      gtk_label_set_text (self->total_label, "");
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      EvoxPhase *phase = evox_phase_list_get_phase (list, i);
      double range[2] = { evox_phase_get_lo (phase), evox_phase_get_hi (phase) };

      if (evox_phase_get_visible (phase))
        g_array_append_val (ranges, range);
    }
  g_array_sort (ranges, compare_doubles);
  for (guint i = 0; i < ranges->len; i++)
    {
      const double *range = &g_array_index (ranges, double, 2 * i);

      if (range[0] > end)
        {
          if (end > -INFINITY)
            g_array_append_val (merged, ((double[2]) { start, end }));
          start = range[0];
        }
      end = MAX (end, range[1]);
    }
  if (end > -INFINITY)
    g_array_append_val (merged, ((double[2]) { start, end }));

  channel = evox_document_get_channel (self->document);
  counted = evox_basis_resolve (volume, channel, evox_document_get_basis (self->document));
  exact = counted == EVOX_BASIS_MEASURED || evox_volume_get_sample_type (volume) != EVOX_SAMPLE_F32;
  if (exact && merged->len > 0)
    {
      g_autofree double *lo = g_new (double, merged->len);
      g_autofree double *hi = g_new (double, merged->len);
      g_autofree guint64 *counts = g_new0 (guint64, merged->len);

      for (guint i = 0; i < merged->len; i++)
        {
          lo[i] = g_array_index (merged, double, 2 * i);
          hi[i] = g_array_index (merged, double, 2 * i + 1);
        }
      /* No cancellable, so it cannot fail. */
      evox_count_ranges_exact_basis (volume, channel, counted, merged->len, lo, hi, counts, NULL,
                                     NULL);
      for (guint i = 0; i < merged->len; i++)
        covered += (double) counts[i];
    }
  else
    for (guint i = 0; i < merged->len; i++)
      covered += evox_fine_histogram_range_fraction (histogram,
                                                     g_array_index (merged, double, 2 * i),
                                                     g_array_index (merged, double, 2 * i + 1));
  basis = evox_basis_dup_label (volume, channel, evox_document_get_basis (self->document));
  /* TRANSLATORS: the first %s is "≈" or nothing, the last "of the 4 measured scans" or "of the
   * interpolated volume" */
  text = g_strdup_printf (_("In no shown phase: %s%.1f %% of the values %s"), exact ? "" : "≈",
                          100 * MAX (0.0, 1 - covered / n_finite), basis);
  if (n > EVOX_RENDERER_MAX_PHASES)
    {
      g_autofree char *all = g_strdup_printf (_("%s. The canvas colours the first %d phases only."),
                                              text, EVOX_RENDERER_MAX_PHASES);
      g_free (text);
      text = g_steal_pointer (&all);
    }
  gtk_label_set_text (self->total_label, text);
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  EvoxPhasePanel *self = user_data;

  return evox_phase_row_new (self->document, EVOX_PHASE (item));
}

static void
sync_selection (EvoxPhasePanel *self)
{
  int index = evox_document_get_selected_phase (self->document);
  GtkListBoxRow *row = index >= 0 ? gtk_list_box_get_row_at_index (self->phase_list, index) : NULL;

  self->updating = TRUE;
  if (row != NULL)
    gtk_list_box_select_row (self->phase_list, row);
  else
    gtk_list_box_unselect_all (self->phase_list);
  self->updating = FALSE;
}

static void
on_row_selected (GtkListBox     *box,
                 GtkListBoxRow  *row,
                 EvoxPhasePanel *self)
{
  if (self->updating || self->document == NULL)
    return;
  evox_document_set_selected_phase (self->document,
                                    row != NULL ? gtk_list_box_row_get_index (row) : -1);
}

/* The switch shows only where the bases differ, and names how many scans there are. */
static void
update_basis_choice (EvoxPhasePanel *self)
{
  EvoxVolume *volume = self->document != NULL ? evox_document_get_volume (self->document) : NULL;
  guint channel = self->document != NULL ? evox_document_get_channel (self->document) : 0;
  gboolean choice = volume != NULL && evox_basis_has_choice (volume, channel);

  gtk_widget_set_visible (GTK_WIDGET (self->basis_box), choice);
  if (choice)
    {
      g_autofree char *measured = evox_basis_dup_label (volume, channel, EVOX_BASIS_MEASURED);
      guint selected = gtk_drop_down_get_selected (self->basis_dropdown);
      const char * const items[] = { measured, NULL };

      if (g_strcmp0 (gtk_string_list_get_string (self->basis_items, 0), measured) != 0)
        {
          /* Replacing the item moves the selection: put it back as the binding had it. */
          gtk_string_list_splice (self->basis_items, 0, 1, items);
          gtk_drop_down_set_selected (self->basis_dropdown, selected);
        }
    }
}

/* Rows show fractions of the current volume and basis: rebuild them when either changes. */
static void
bind_rows (EvoxPhasePanel *self)
{
  gtk_list_box_bind_model (self->phase_list, NULL, NULL, NULL, NULL);
  if (self->document != NULL)
    gtk_list_box_bind_model (self->phase_list,
                             G_LIST_MODEL (evox_document_get_phases (self->document)),
                             create_row, self, NULL);
  sync_selection (self);
  update_total (self);
}

static void
on_document_notify (EvoxDocument   *document,
                    GParamSpec     *pspec,
                    EvoxPhasePanel *self)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "volume") || g_str_equal (name, "channel"))
    {
      show_error (self, NULL);
      update_basis_choice (self);
      bind_rows (self);
    }
  else if (g_str_equal (name, "basis"))
    bind_rows (self);
  else if (g_str_equal (name, "selected-phase"))
    sync_selection (self);
}

static void
on_phases_changed (EvoxPhaseList  *list,
                   EvoxPhasePanel *self)
{
  update_total (self);
  sync_selection (self);
}

static void
clear_document (EvoxPhasePanel *self)
{
  if (self->document == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->document, self);
  g_signal_handlers_disconnect_by_data (evox_document_get_phases (self->document), self);
  _evox_clear_bindings (self->bindings, G_N_ELEMENTS (self->bindings));
  gtk_list_box_bind_model (self->phase_list, NULL, NULL, NULL, NULL);
  g_clear_object (&self->document);
}

void
evox_phase_panel_set_document (EvoxPhasePanel *self,
                               EvoxDocument   *document)
{
  g_return_if_fail (EVOX_IS_PHASE_PANEL (self));
  g_return_if_fail (EVOX_IS_DOCUMENT (document));

  clear_document (self);
  self->document = g_object_ref (document);
  self->bindings[0] = g_object_ref (g_object_bind_property (document, "show-phases",
                                                            self->show_check, "active",
                                                            G_BINDING_BIDIRECTIONAL |
                                                            G_BINDING_SYNC_CREATE));
  self->bindings[1] = g_object_ref (g_object_bind_property (document, "hide-outside-phases",
                                                            self->hide_check, "active",
                                                            G_BINDING_BIDIRECTIONAL |
                                                            G_BINDING_SYNC_CREATE));
  self->bindings[2] = g_object_ref (_evox_bind_enum_to_dropdown (document, "basis",
                                                                 self->basis_dropdown));
  g_signal_connect_object (document, "notify", G_CALLBACK (on_document_notify), self, 0);
  g_signal_connect_object (evox_document_get_phases (document), "changed",
                           G_CALLBACK (on_phases_changed), self, 0);
  show_error (self, NULL);
  update_basis_choice (self);
  bind_rows (self);
}

EvoxDocument *
evox_phase_panel_get_document (EvoxPhasePanel *self)
{
  g_return_val_if_fail (EVOX_IS_PHASE_PANEL (self), NULL);
  return self->document;
}

/* A new phase goes above the highest one, or over the middle third of the data without any. */
static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  EvoxPhasePanel *self = EVOX_PHASE_PANEL (widget);
  EvoxVolume *volume = self->document ? evox_document_get_volume (self->document) : NULL;
  EvoxPhaseList *list;
  g_autoptr (EvoxPhase) phase = NULL;
  g_autofree char *name = NULL;
  gboolean integer;
  double min, max, lo, hi, top = -INFINITY;

  if (volume == NULL)
    return;
  list = evox_document_get_phases (self->document);
  integer = evox_volume_get_sample_type (volume) != EVOX_SAMPLE_F32;
  evox_document_get_data_range (self->document, &min, &max);
  for (guint i = 0; i < evox_phase_list_get_n_phases (list); i++)
    top = MAX (top, evox_phase_get_hi (evox_phase_list_get_phase (list, i)));
  if (top > -INFINITY && top < max)
    {
      lo = integer ? floor (top) + 1 : nextafter (top, INFINITY);
      hi = max;
    }
  else
    {
      lo = min + (max - min) / 3;
      hi = min + 2 * (max - min) / 3;
    }
  if (integer)
    {
      lo = ceil (lo);
      hi = MAX (lo, floor (hi));
    }
  name = evox_phase_list_dup_unique_name (list);
  phase = evox_phase_new (name, lo, MAX (lo, hi), evox_phase_list_next_color (list));
  evox_phase_list_append (list, phase);
  evox_document_set_selected_phase (self->document, evox_phase_list_get_n_phases (list) - 1);
  show_error (self, NULL);
}

static void
suggest_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  EvoxPhasePanel *self = EVOX_PHASE_PANEL (widget);
  /* Otsu splits what the fractions count: the measured scans of an SSRM stack by default. */
  EvoxFineHistogram *histogram = self->document
                                 ? evox_document_get_basis_histogram (self->document) : NULL;
  guint n = (guint) gtk_spin_button_get_value_as_int (self->suggest_spin);
  g_autoptr (GError) error = NULL;

  if (histogram == NULL)
    return;
  if (!evox_phase_list_suggest (evox_document_get_phases (self->document), histogram, n, NULL,
                                &error))
    {
      show_error (self, error->message);
      return;
    }
  show_error (self, NULL);
  evox_document_set_selected_phase (self->document, 0);
}

static EvoxPhasePreset *
find_preset (GPtrArray  *presets,
             const char *name)
{
  for (guint i = 0; i < presets->len; i++)
    if (g_strcmp0 (evox_phase_preset_get_name (presets->pdata[i]), name) == 0)
      return presets->pdata[i];
  return NULL;
}

static void
apply_preset_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  EvoxPhasePanel *self = EVOX_PHASE_PANEL (widget);
  g_autoptr (GPtrArray) presets = evox_phase_presets_list ();
  EvoxPhasePreset *preset = find_preset (presets, g_variant_get_string (parameter, NULL));
  /* Otsu splits what the fractions count: the measured scans of an SSRM stack by default. */
  EvoxFineHistogram *histogram = self->document
                                 ? evox_document_get_basis_histogram (self->document) : NULL;
  g_autoptr (GError) error = NULL;

  gtk_popover_popdown (self->presets_popover);
  if (preset == NULL || histogram == NULL)
    return;
  if (!evox_phase_preset_apply (preset, evox_document_get_phases (self->document), histogram,
                                &error))
    {
      show_error (self, error->message);
      return;
    }
  show_error (self, NULL);
  evox_document_set_selected_phase (self->document, 0);
}

static void
save_preset_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  EvoxPhasePanel *self = EVOX_PHASE_PANEL (widget);
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (
                                                  GTK_EDITABLE (self->preset_name_entry))));
  g_autoptr (GError) error = NULL;

  if (self->document == NULL)
    return;
  if (*name == '\0')
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->preset_name_entry), "error");
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->preset_name_entry), "error");
  gtk_popover_popdown (self->presets_popover);
  if (!evox_phase_preset_save (name, evox_document_get_phases (self->document), &error))
    show_error (self, error->message);
  else
    show_error (self, NULL);
}

static void
delete_preset_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  EvoxPhasePanel *self = EVOX_PHASE_PANEL (widget);
  g_autoptr (GError) error = NULL;

  gtk_popover_popdown (self->presets_popover);
  if (!evox_phase_preset_delete (g_variant_get_string (parameter, NULL), &error))
    show_error (self, error->message);
}

/* The preset list is read again each time the popover opens, so presets saved by another
 * window show up. */
static void
rebuild_presets (EvoxPhasePanel *self)
{
  g_autoptr (GPtrArray) presets = evox_phase_presets_list ();
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->presets_list))) != NULL)
    gtk_list_box_remove (self->presets_list, child);
  for (guint i = 0; i < presets->len; i++)
    {
      EvoxPhasePreset *preset = presets->pdata[i];
      const char *name = evox_phase_preset_get_name (preset);
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *apply = gtk_button_new_with_label (name);

      gtk_widget_set_hexpand (apply, TRUE);
      gtk_widget_add_css_class (apply, "flat");
      gtk_label_set_xalign (GTK_LABEL (gtk_button_get_child (GTK_BUTTON (apply))), 0);
      gtk_actionable_set_action_target (GTK_ACTIONABLE (apply), "s", name);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (apply), "phases.apply-preset");
      gtk_box_append (GTK_BOX (box), apply);
      if (!evox_phase_preset_is_builtin (preset))
        {
          GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");

          gtk_widget_add_css_class (remove, "flat");
          gtk_widget_set_tooltip_text (remove, _("Delete this preset"));
          gtk_actionable_set_action_target (GTK_ACTIONABLE (remove), "s", name);
          gtk_actionable_set_action_name (GTK_ACTIONABLE (remove), "phases.delete-preset");
          gtk_box_append (GTK_BOX (box), remove);
        }
      gtk_list_box_append (self->presets_list, box);
    }
}

static void
evox_phase_panel_dispose (GObject *object)
{
  EvoxPhasePanel *self = EVOX_PHASE_PANEL (object);

  clear_document (self);
  _evox_dispose_bin_template (GTK_WIDGET (self), EVOX_TYPE_PHASE_PANEL);

  G_OBJECT_CLASS (evox_phase_panel_parent_class)->dispose (object);
}

static void
evox_phase_panel_class_init (EvoxPhasePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = evox_phase_panel_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/evox/Evox/evox-phase-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, EvoxPhasePanel, presets_button);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhasePanel, presets_popover);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhasePanel, presets_list);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhasePanel, preset_name_entry);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhasePanel, suggest_spin);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhasePanel, basis_box);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhasePanel, basis_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhasePanel, basis_items);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhasePanel, show_check);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhasePanel, hide_check);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhasePanel, error_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhasePanel, empty_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhasePanel, phase_list);
  gtk_widget_class_bind_template_child (widget_class, EvoxPhasePanel, total_label);

  gtk_widget_class_install_action (widget_class, "phases.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "phases.suggest", NULL, suggest_action);
  gtk_widget_class_install_action (widget_class, "phases.apply-preset", "s",
                                   apply_preset_action);
  gtk_widget_class_install_action (widget_class, "phases.save-preset", NULL,
                                   save_preset_action);
  gtk_widget_class_install_action (widget_class, "phases.delete-preset", "s",
                                   delete_preset_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
evox_phase_panel_init (EvoxPhasePanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->phase_list, "row-selected", G_CALLBACK (on_row_selected), self);
  g_signal_connect_swapped (self->presets_popover, "show", G_CALLBACK (rebuild_presets), self);
}

GtkWidget *
evox_phase_panel_new (void)
{
  return g_object_new (EVOX_TYPE_PHASE_PANEL, NULL);
}

EvoxPhaseRow *
evox_phase_panel_get_row (EvoxPhasePanel *self,
                          guint           index)
{
  GtkListBoxRow *row;

  g_return_val_if_fail (EVOX_IS_PHASE_PANEL (self), NULL);
  row = gtk_list_box_get_row_at_index (self->phase_list, index);
  return row != NULL ? EVOX_PHASE_ROW (gtk_list_box_row_get_child (row)) : NULL;
}
