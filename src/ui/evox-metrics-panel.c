/* evox-metrics-panel.c: the Metrics page: electrode metrics of a phase (or union) as a table. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "evox-csv.h"
#include "evox-interface-area.h"
#include "evox-json.h"
#include "evox-metrics-csv.h"
#include "evox-metrics-record.h"
#include "evox-metrics-panel.h"
#include "evox-percolation.h"
#include "evox-types.h"
#include "evox-ui-util.h"
#include "evox-units.h"

#define N_COLUMNS 6

static const double tolerances[] = { 1e-4, 1e-5, 1e-6, 1e-7, 1e-8 };
/* The connectivity list's entries, in its order. */
static const EvoxConnectivity connectivities[] = {
  EVOX_CONNECTIVITY_6, EVOX_CONNECTIVITY_18, EVOX_CONNECTIVITY_26
};

struct _EvoxMetricsPanel
{
  GtkWidget         parent_instance;

  EvoxDocument     *document;
  EvoxMetrics      *metrics;
  EvoxUiJob         job;
  GArray           *lines;    /* guint: the grid line of each table row */

  GtkLabel         *no_phase_label;
  GtkFlowBox       *phase_box;
  GtkCheckButton   *tortuosity_x;
  GtkCheckButton   *tortuosity_y;
  GtkCheckButton   *tortuosity_z;
  GtkDropDown      *tolerance_dropdown;
  GtkCheckButton   *second_check;
  GtkDropDown      *second_dropdown;
  GtkSpinButton    *second_spin;
  GtkCheckButton   *percolation_check;
  GtkDropDown      *connectivity_dropdown;
  GtkCheckButton   *surface_check;
  GtkDropDown      *other_dropdown;
  GtkDropDown      *surface_method_dropdown;
  GtkDropDown      *percolation_axis_dropdown;
  GtkLabel         *percolation_legend;
  GtkCheckButton   *thickness_check;
  GtkWidget        *progress_box;
  GtkProgressBar   *progress_bar;
  GtkLabel         *error_label;
  GtkGrid          *table;

  /* The percolation overlay: shown as the document's clusters, in place of those it keeps in
   * hidden until it goes. placing: the page itself is changing the document's clusters. */
  gboolean          show_percolation;
  EvoxClusters     *overlay;
  EvoxClusters     *hidden;
  /* The document's last clusters that were not an overlay: what an overlay that Undo or Redo
   * puts back had replaced, given back when it goes. */
  EvoxClusters     *under;
  gboolean          placing;
  /* The phase the table measured and the connectivity of its percolation, which the overlay
   * records for sessions. */
  EvoxMetricsPhase  measured;
  EvoxConnectivity  measured_connectivity;
  /* The session's "metrics" record of the request the table answers, and the volume it was
   * measured on (weak: a record of a volume no longer open is not saved). */
  JsonObject       *record;
  EvoxVolume       *record_volume;
};

G_DEFINE_FINAL_TYPE (EvoxMetricsPanel, evox_metrics_panel, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_BUSY,
  PROP_SHOW_PERCOLATION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void update_overlay (EvoxMetricsPanel *self);
static void update_legend (EvoxMetricsPanel *self);

static void
show_error (EvoxMetricsPanel *self,
            const char       *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static EvoxPhaseList *
get_phases (EvoxMetricsPanel *self)
{
  return self->document != NULL ? evox_document_get_phases (self->document) : NULL;
}

static void
update_actions (EvoxMetricsPanel *self)
{
  gboolean busy = self->job.cancellable != NULL;
  gboolean has_table = self->metrics != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "metrics.compute",
                                 !busy && self->document != NULL &&
                                 evox_document_get_volume (self->document) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "metrics.cancel", busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "metrics.copy", has_table);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "metrics.export", has_table);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "metrics.show-thickness",
                                 has_table && evox_metrics_get_map (self->metrics) != NULL &&
                                 self->document != NULL &&
                                 evox_document_get_stack (self->document) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "metrics.show-fields",
                                 has_table && evox_metrics_has_fields (self->metrics) &&
                                 self->document != NULL &&
                                 evox_document_get_stack (self->document) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "metrics.show-percolation",
                                 self->show_percolation ||
                                 (has_table && self->document != NULL &&
                                  evox_metrics_get_percolation (self->metrics) != NULL));
}

/* Phases */

/* Phases are toggle buttons rather than check buttons: a check button's label cannot ellipsize
 * in GTK 4.8, and a long phase name would widen the side panel. */
static GtkToggleButton *
phase_check (EvoxMetricsPanel *self,
             guint             index)
{
  GtkFlowBoxChild *child = gtk_flow_box_get_child_at_index (self->phase_box, (int) index);

  return child != NULL ? GTK_TOGGLE_BUTTON (gtk_flow_box_child_get_child (child)) : NULL;
}

static GtkWidget *
create_phase_check (gpointer item,
                    gpointer user_data)
{
  EvoxPhase *phase = item;
  GtkWidget *button = gtk_toggle_button_new ();
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  g_object_bind_property (phase, "name", label, "label", G_BINDING_SYNC_CREATE);
  g_object_bind_property (phase, "name", button, "tooltip-text", G_BINDING_SYNC_CREATE);
  gtk_button_set_child (GTK_BUTTON (button), label);
  return button;
}

static void
setup_ellipsized (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_list_item_set_child (item, label);
}

static void
setup_plain (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_list_item_set_child (item, label);
}

static void
bind_name (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  GtkStringObject *name = gtk_list_item_get_item (item);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)),
                      gtk_string_object_get_string (name));
}

/* The connectivity's button shows the number (a wider one would widen the side panel); its list
 * says which neighbours each joins, as the Particles page's list does. */
static void
bind_connectivity (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   gpointer                  user_data)
{
  static const char *const neighbours[] = {
    N_("faces"), N_("faces and edges"), N_("faces, edges and corners")
  };
  GtkStringObject *number = gtk_list_item_get_item (item);
  guint position = gtk_list_item_get_position (item);
  g_autofree char *text = NULL;

  text = g_strdup_printf ("%s (%s)", gtk_string_object_get_string (number),
                          position < G_N_ELEMENTS (neighbours) ? _(neighbours[position]) : "");
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), text);
}

/* The second phase is most often the last one defined (pores, active material, carbon-binder):
 * the choice follows the last phase as phases are added, until another one is chosen. */
static void
update_second (EvoxMetricsPanel *self,
               GListModel       *names)
{
  GListModel *before = gtk_drop_down_get_model (self->second_dropdown);
  guint n_before = before != NULL ? g_list_model_get_n_items (before) : 0;
  guint n = g_list_model_get_n_items (names);
  guint selected = gtk_drop_down_get_selected (self->second_dropdown);

  gtk_drop_down_set_model (self->second_dropdown, names);
  if ((selected >= n || selected + 1 == n_before) && n > 0)
    selected = n - 1;
  if (n > 0)
    gtk_drop_down_set_selected (self->second_dropdown, selected);
}

static void
update_others (EvoxMetricsPanel *self)
{
  EvoxPhaseList *phases = get_phases (self);
  guint n = phases != NULL ? evox_phase_list_get_n_phases (phases) : 0;
  guint selected = gtk_drop_down_get_selected (self->other_dropdown);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  for (guint i = 0; i < n; i++)
    gtk_string_list_append (names, evox_phase_get_name (evox_phase_list_get_phase (phases, i)));
  gtk_drop_down_set_model (self->other_dropdown, G_LIST_MODEL (names));
  update_second (self, G_LIST_MODEL (names));
  /* The first other phase is the usual partner (pores with the active material). */
  if (selected >= n)
    selected = n > 1 ? 1 : 0;
  if (n > 0)
    gtk_drop_down_set_selected (self->other_dropdown, selected);
  gtk_widget_set_visible (GTK_WIDGET (self->no_phase_label), n == 0);
}

static void
on_phases_changed (GListModel       *model,
                   guint             position,
                   guint             removed,
                   guint             added,
                   EvoxMetricsPanel *self)
{
  /* Nothing checked yet: the selected phase (or the first) is the one measured. */
  if (added > 0 && g_list_model_get_n_items (model) == added)
    {
      int selected = evox_document_get_selected_phase (self->document);
      GtkToggleButton *check = phase_check (self, selected >= 0 ? (guint) selected : 0);

      if (check != NULL)
        gtk_toggle_button_set_active (check, TRUE);
    }
  update_others (self);
}

static void
on_phase_renamed (EvoxMetricsPanel *self)
{
  update_others (self);
}

/* Request */

static void
phase_clear (EvoxMetricsPhase *phase)
{
  g_clear_pointer (&phase->name, g_free);
  g_clear_pointer (&phase->lo, g_free);
  g_clear_pointer (&phase->hi, g_free);
  phase->n_ranges = 0;
}

void
evox_metrics_request_clear (EvoxMetricsRequest *request)
{
  g_return_if_fail (request != NULL);

  phase_clear (&request->phase);
  phase_clear (&request->other);
  phase_clear (&request->second);
}

static void
phase_add (EvoxMetricsPhase *target,
           EvoxPhase        *phase)
{
  const char *name = evox_phase_get_name (phase);

  target->lo = g_renew (double, target->lo, target->n_ranges + 1);
  target->hi = g_renew (double, target->hi, target->n_ranges + 1);
  target->lo[target->n_ranges] = evox_phase_get_lo (phase);
  target->hi[target->n_ranges] = evox_phase_get_hi (phase);
  target->n_ranges++;
  if (target->name == NULL)
    target->name = g_strdup (name);
  else
    {
      char *joined = g_strconcat (target->name, "+", name, NULL);

      g_free (target->name);
      target->name = joined;
    }
}

gboolean
evox_metrics_panel_get_request (EvoxMetricsPanel   *self,
                                EvoxMetricsRequest *request,
                                GError            **error)
{
  EvoxPhaseList *phases;
  guint n, selected;

  g_return_val_if_fail (EVOX_IS_METRICS_PANEL (self), FALSE);
  g_return_val_if_fail (request != NULL, FALSE);

  memset (request, 0, sizeof *request);
  if (self->document == NULL || evox_document_get_volume (self->document) == NULL)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, _("No volume is open"));
      return FALSE;
    }
  phases = get_phases (self);
  n = evox_phase_list_get_n_phases (phases);
  request->phase.channel = evox_document_get_channel (self->document);
  request->other.channel = request->phase.channel;
  request->second.channel = request->phase.channel;
  for (guint i = 0; i < n; i++)
    {
      GtkToggleButton *check = phase_check (self, i);

      if (check != NULL && gtk_toggle_button_get_active (check))
        phase_add (&request->phase, evox_phase_list_get_phase (phases, i));
    }
  if (request->phase.n_ranges == 0)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                           _("Check the phase to measure (several: their union)"));
      return FALSE;
    }
  request->tortuosity[0] = gtk_check_button_get_active (self->tortuosity_x);
  request->tortuosity[1] = gtk_check_button_get_active (self->tortuosity_y);
  request->tortuosity[2] = gtk_check_button_get_active (self->tortuosity_z);
  selected = gtk_drop_down_get_selected (self->tolerance_dropdown);
  request->tolerance = tolerances[MIN (selected, G_N_ELEMENTS (tolerances) - 1)];
  request->two_phase = gtk_check_button_get_active (self->second_check) &&
                       (request->tortuosity[0] || request->tortuosity[1] ||
                        request->tortuosity[2]);
  if (request->two_phase)
    {
      selected = gtk_drop_down_get_selected (self->second_dropdown);
      if (selected >= n)
        {
          evox_metrics_request_clear (request);
          g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                               _("Choose the second conducting phase"));
          return FALSE;
        }
      phase_add (&request->second, evox_phase_list_get_phase (phases, selected));
      request->second_diffusivity = gtk_spin_button_get_value (self->second_spin);
    }
  request->percolation = gtk_check_button_get_active (self->percolation_check);
  request->connectivity = evox_metrics_panel_get_connectivity (self);
  request->thickness = gtk_check_button_get_active (self->thickness_check);
  request->keep_thickness = request->thickness;
  /* Kept whenever there is something to keep: Show Fields needs no second solve. */
  request->keep_fields = TRUE;
  request->surface = gtk_check_button_get_active (self->surface_check);
  if (request->surface)
    {
      selected = gtk_drop_down_get_selected (self->other_dropdown);
      if (selected >= n)
        {
          evox_metrics_request_clear (request);
          g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                               _("Choose the other phase of the interface"));
          return FALSE;
        }
      phase_add (&request->other, evox_phase_list_get_phase (phases, selected));
      /* The list: Crofton, smoothed surface, both. */
      selected = gtk_drop_down_get_selected (self->surface_method_dropdown);
      request->surface_methods = selected == 1 ? EVOX_AREA_MESH :
                                 selected == 2 ? EVOX_AREA_CROFTON | EVOX_AREA_MESH :
                                 EVOX_AREA_CROFTON;
    }
  return TRUE;
}

/* Table */

static char *
format_value (const EvoxMetricsRow *row)
{
  if (isinf (row->value))
    return g_strdup (_("∞ (does not percolate)"));
  if (isnan (row->value))
    return g_strdup ("—");
  return g_strdup_printf ("%.6g", row->value);
}

static GtkWidget *
add_cell (EvoxMetricsPanel *self,
          guint             row,
          guint             column,
          const char       *text,
          gboolean          header)
{
  GtkWidget *label = gtk_label_new (text != NULL ? text : "");

  gtk_label_set_xalign (GTK_LABEL (label), column == 3 ? 1.0f : 0.0f);
  gtk_label_set_selectable (GTK_LABEL (label), !header);
  /* Long metric and union names give way (their full text in the tooltip) before the side
   * panel would widen. */
  if (column <= 1 && !header)
    {
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_widget_set_tooltip_text (label, text);
      gtk_widget_set_hexpand (label, column == 0);
    }
  if (header)
    gtk_widget_add_css_class (label, "heading");
  gtk_grid_attach (self->table, label, (int) column, (int) row, 1, 1);
  return label;
}

/* A note goes on a line of its own under its row, across the columns: as a sixth column it made
 * the table wider than the side panel, and a table that scrolls sideways inside the page took
 * the wheel from the page. */
static void
add_note (EvoxMetricsPanel *self,
          guint             row,
          const char       *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_bottom (label, 2);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_grid_attach (self->table, label, 0, (int) row, N_COLUMNS - 1, 1);
}

static void
fill_table (EvoxMetricsPanel *self)
{
  static const char *headers[N_COLUMNS - 1] = {
    N_("metric"), N_("phase"), N_("axis"), N_("value"), N_("unit")
  };
  GtkWidget *child;
  guint n = self->metrics != NULL ? evox_metrics_get_n_rows (self->metrics) : 0;
  guint line = 1;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->table))) != NULL)
    gtk_grid_remove (self->table, child);
  g_array_set_size (self->lines, 0);
  gtk_widget_set_visible (GTK_WIDGET (self->table), self->metrics != NULL);
  if (self->metrics == NULL)
    return;
  for (guint c = 0; c < N_COLUMNS - 1; c++)
    add_cell (self, 0, c, _(headers[c]), TRUE);
  for (guint i = 0; i < n; i++)
    {
      const EvoxMetricsRow *row = evox_metrics_get_row (self->metrics, i);
      g_autofree char *value = format_value (row);
      g_autofree char *unit = evox_units_dup_display (row->unit);

      g_array_append_val (self->lines, line);
      add_cell (self, line, 0, row->metric, FALSE);
      add_cell (self, line, 1, row->phase, FALSE);
      add_cell (self, line, 2, row->axis, FALSE);
      add_cell (self, line, 3, value, FALSE);
      /* µm⁻¹ as the other pages write units; the CSV and Copy keep the ASCII "1/um". */
      add_cell (self, line, 4, unit, FALSE);
      line++;
      if (row->note != NULL && row->note[0] != '\0')
        add_note (self, line++, row->note);
    }
}

const char *
_evox_metrics_panel_get_cell (EvoxMetricsPanel *self,
                              guint             row,
                              guint             column)
{
  GtkWidget *label;
  guint line;

  g_return_val_if_fail (EVOX_IS_METRICS_PANEL (self), NULL);

  if (self->metrics == NULL || row > self->lines->len || column >= N_COLUMNS)
    return NULL;
  if (row == 0)
    return column < N_COLUMNS - 1 ?
           gtk_label_get_text (GTK_LABEL (gtk_grid_get_child_at (self->table, (int) column, 0))) :
           NULL;
  line = g_array_index (self->lines, guint, row - 1);
  if (column < N_COLUMNS - 1)
    label = gtk_grid_get_child_at (self->table, (int) column, (int) line);
  else
    {
      /* the note's line, when the next line is not the next row's */
      label = gtk_grid_get_child_at (self->table, 0, (int) line + 1);
      if (label == NULL || (row < self->lines->len &&
                            g_array_index (self->lines, guint, row) == line + 1))
        return "";
    }
  return label != NULL ? gtk_label_get_text (GTK_LABEL (label)) : NULL;
}

const char *
_evox_metrics_panel_get_error (EvoxMetricsPanel *self)
{
  g_return_val_if_fail (EVOX_IS_METRICS_PANEL (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->error_label)))
    return NULL;
  return gtk_label_get_text (self->error_label);
}

/* Compute */

typedef struct
{
  EvoxMetricsPanel  *panel;        /* weak: a closed panel only drops the result */
  GCancellable      *cancellable;
  EvoxVolume        *volume;
  EvoxProgress      *progress;
  EvoxMetricsRequest request;
  JsonObject        *record;
  gboolean           restoring;    /* started by evox_metrics_panel_compute_record */
} ComputeData;

static void
compute_data_free (gpointer user_data)
{
  ComputeData *data = user_data;

  g_clear_weak_pointer (&data->panel);
  g_clear_object (&data->cancellable);
  g_clear_object (&data->volume);
  g_clear_pointer (&data->progress, evox_progress_unref);
  evox_metrics_request_clear (&data->request);
  g_clear_pointer (&data->record, json_object_unref);
  g_free (data);
}

static gpointer
compute_work (gpointer       user_data,
              GCancellable  *cancellable,
              GError       **error)
{
  ComputeData *data = user_data;

  return evox_metrics_compute (data->volume, &data->request, data->progress, cancellable, error);
}

static void
job_stopped (gpointer owner)
{
  EvoxMetricsPanel *self = owner;

  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
compute_finished (GObject      *source,
                  GAsyncResult *res,
                  gpointer      user_data)
{
  ComputeData *data = user_data;
  EvoxMetricsPanel *self = data->panel;
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxMetrics) metrics = _evox_task_finish (res, evox_metrics_panel_new, &error);

  /* A job cancelled or replaced only drops its result, as does one whose volume was closed
   * meanwhile (its table would describe a volume no longer open). */
  if (self == NULL || self->job.cancellable != data->cancellable)
    {
      compute_data_free (data);
      return;
    }
  if (data->volume != evox_document_get_volume (self->document) &&
      data->volume != evox_document_get_stack (self->document))
    {
      _evox_ui_job_stop (&self->job);
      compute_data_free (data);
      return;
    }
  if (metrics == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error->message);
    }
  else
    {
      g_clear_pointer (&self->metrics, evox_metrics_free);
      self->metrics = g_steal_pointer (&metrics);
      phase_clear (&self->measured);
      self->measured = data->request.phase;
      memset (&data->request.phase, 0, sizeof data->request.phase);
      self->measured_connectivity = (EvoxConnectivity) data->request.connectivity;
      g_clear_pointer (&self->record, json_object_unref);
      self->record = g_steal_pointer (&data->record);
      g_set_weak_pointer (&self->record_volume, data->volume);
      fill_table (self);
      /* The overlay an opened session brought back already shows these classes: made again, it
       * would be a step to undo that the user never took. */
      if (data->restoring && self->overlay != NULL)
        update_legend (self);
      else
        update_overlay (self);
    }
  compute_data_free (data);
  _evox_ui_job_stop (&self->job);
}

static void
record_add_phase (JsonObject *record,
                  const char *member,
                  EvoxPhase  *phase)
{
  evox_metrics_record_add_phase (json_object_get_array_member (record, member),
                                 evox_phase_get_name (phase), evox_phase_get_lo (phase),
                                 evox_phase_get_hi (phase));
}

/* The record of the request the inputs make now: the phases by their own names, as
 * `evox metrics --session` records them. The page keeps the thickness map but writes no file,
 * so `evox apply` is asked for the sizes alone. */
static JsonObject *
request_record (EvoxMetricsPanel         *self,
                const EvoxMetricsRequest *request)
{
  EvoxPhaseList *phases = get_phases (self);
  gboolean tortuosity = request->tortuosity[0] || request->tortuosity[1] ||
                        request->tortuosity[2];
  JsonObject *record = evox_metrics_record_new (request, request->phase.channel, tortuosity,
                                                request->percolation, request->connectivity,
                                                request->surface,
                                                request->thickness ? "sizes" : "none", FALSE);

  for (guint i = 0; i < evox_phase_list_get_n_phases (phases); i++)
    {
      GtkToggleButton *check = phase_check (self, i);

      if (check != NULL && gtk_toggle_button_get_active (check))
        record_add_phase (record, "phase", evox_phase_list_get_phase (phases, i));
    }
  if (request->two_phase)
    record_add_phase (record, "second", evox_phase_list_get_phase (
                        phases, gtk_drop_down_get_selected (self->second_dropdown)));
  if (request->surface)
    record_add_phase (record, "surface", evox_phase_list_get_phase (
                        phases, gtk_drop_down_get_selected (self->other_dropdown)));
  return record;
}

/* restored: the record the settings came from (NULL: the user's Compute), kept as it is so a
 * session saved again writes it back unchanged. */
static void
start_compute (EvoxMetricsPanel *self,
               JsonObject       *restored)
{
  g_autoptr(GError) error = NULL;
  ComputeData *data = g_new0 (ComputeData, 1);

  _evox_ui_job_cancel (&self->job);
  show_error (self, NULL);
  if (!evox_metrics_panel_get_request (self, &data->request, &error))
    {
      show_error (self, error->message);
      compute_data_free (data);
      return;
    }
  data->record = restored != NULL ? json_object_ref (restored)
                                  : request_record (self, &data->request);
  data->restoring = restored != NULL;
  _evox_ui_job_start (&self->job, self->progress_bar, self->progress_box, job_stopped, self);
  g_set_weak_pointer (&data->panel, self);
  data->cancellable = g_object_ref (self->job.cancellable);
  data->progress = evox_progress_ref (self->job.progress);
  data->volume = g_object_ref (evox_document_get_volume (self->document));
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  /* The source tag only has to be unique to this page's tasks. */
  _evox_task_run (evox_metrics_panel_new, compute_work, data, NULL,
                  (GDestroyNotify) evox_metrics_free, self->job.cancellable, compute_finished,
                  data);
}

static void
compute_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  start_compute (EVOX_METRICS_PANEL (widget), NULL);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  _evox_ui_job_cancel (&EVOX_METRICS_PANEL (widget)->job);
}

/* Copy, export, map */

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  EvoxMetricsPanel *self = EVOX_METRICS_PANEL (widget);
  g_autofree char *text = NULL;

  if (self->metrics == NULL)
    return;
  text = evox_metrics_to_text (self->metrics);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
}

gboolean
evox_metrics_panel_export_csv (EvoxMetricsPanel *self,
                               const char       *path,
                               gboolean          overwrite,
                               GError          **error)
{
  g_return_val_if_fail (EVOX_IS_METRICS_PANEL (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->metrics == NULL)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                           _("Nothing computed yet: there is no table to export"));
      return FALSE;
    }
  {
    /* The record's '# ' lines first when the window asks for them, as its other CSVs. */
    g_autofree char *provenance =
      _evox_ui_csv_provenance (GTK_WIDGET (self), self->document,
                               "Export Metrics CSV (the Metrics page's table; its notes name "
                               "each row's inputs)");

    return evox_metrics_write_csv (self->metrics, path, overwrite, error) &&
           evox_csv_add_provenance (path, provenance, error);
  }
}

static gboolean
export_file (GtkWidget   *owner,
             const char  *path,
             gpointer     user_data,
             GError     **error)
{
  /* The chooser has already asked before replacing a file. */
  return evox_metrics_panel_export_csv (EVOX_METRICS_PANEL (owner), path, TRUE, error);
}

static void
show_error_func (GtkWidget  *owner,
                 const char *message)
{
  show_error (EVOX_METRICS_PANEL (owner), message);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  EvoxMetricsPanel *self = EVOX_METRICS_PANEL (widget);
  const char *title = self->document != NULL ? evox_document_get_title (self->document) : NULL;
  g_autofree char *base = g_strdup (title != NULL ? title : "volume");
  g_autofree char *name = NULL;
  char *dot = strrchr (base, '.');
  GtkFileChooserNative *chooser;

  if (self->metrics == NULL)
    return;
  if (dot != NULL && dot != base)
    *dot = '\0';
  name = g_strdup_printf ("%s-metrics.csv", base);
  chooser = _evox_save_chooser_new (widget, _("Export Metrics"), _("_Export"), name, export_file,
                                    NULL, _("Could not export “%s”: %s"), show_error_func);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* The map as the document's maps need it: a channel label names it in the channel list and
 * keeps its display settings; a map that came without one gets "Local thickness: PHASE". */
static EvoxVolume *
labelled_map (EvoxMetricsPanel  *self,
              EvoxVolume        *map,
              GError           **error)
{
  const EvoxMetricsRow *row = evox_metrics_get_n_rows (self->metrics) > 0 ?
                              evox_metrics_get_row (self->metrics, 0) : NULL;
  g_autoptr(EvoxVolume) copy = NULL;
  g_autofree char *label = NULL;
  gsize dims[3];

  if (evox_volume_get_channel_label (map, 0) != NULL)
    return g_object_ref (map);
  evox_volume_get_dims (map, dims);
  copy = evox_volume_new (dims[0], dims[1], dims[2], 1, EVOX_SAMPLE_F32, error);
  if (copy == NULL)
    return NULL;
  evox_volume_copy_grid (copy, map);
  evox_volume_set_channel_values (copy, 0, evox_volume_get_channel_value_scale (map, 0),
                                  evox_volume_get_channel_quantity (map, 0),
                                  evox_volume_get_channel_unit (map, 0));
  label = g_strdup_printf (_("Local thickness: %s"), row != NULL ? row->phase : _("phase"));
  evox_volume_set_channel_info (copy, 0, label, 0);
  memcpy (evox_volume_get_data_mut (copy, 0), evox_volume_get_data (map, 0),
          sizeof (float) * dims[0] * dims[1] * dims[2]);
  evox_volume_freeze (copy);
  return g_steal_pointer (&copy);
}

static void
show_thickness_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  EvoxMetricsPanel *self = EVOX_METRICS_PANEL (widget);
  EvoxVolume *map = self->metrics != NULL ? evox_metrics_get_map (self->metrics) : NULL;
  g_autoptr(EvoxVolume) shown = NULL;
  g_autoptr(GError) error = NULL;

  if (map == NULL || self->document == NULL)
    return;
  show_error (self, NULL);
  shown = labelled_map (self, map, &error);
  if (shown == NULL ||
      !evox_document_add_maps (self->document, shown, evox_volume_get_channel_label (shown, 0),
                               &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not show the thickness map: %s"),
                                                  error->message);
      show_error (self, message);
    }
}

/* The fields open beside the volume as maps, the flux magnitude shown first when there is one:
 * where it runs high through narrow necks are the bottlenecks. */
static void
show_fields_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  EvoxMetricsPanel *self = EVOX_METRICS_PANEL (widget);
  g_autoptr(EvoxVolume) fields = NULL;
  g_autoptr(GError) error = NULL;
  const char *show = NULL;

  if (self->metrics == NULL || !evox_metrics_has_fields (self->metrics) ||
      self->document == NULL)
    return;
  show_error (self, NULL);
  /* Built when asked: the table keeps only the concentration, the mask and the classes. */
  fields = evox_metrics_dup_fields (self->metrics, &error);
  if (fields != NULL)
    show = evox_volume_get_channel_label (fields,
                                          evox_volume_get_n_channels (fields) > 1 ? 1 : 0);
  if (fields == NULL || !evox_document_add_maps (self->document, fields, show, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not show the fields: %s"),
                                                  error->message);
      show_error (self, message);
    }
}

/* Percolation overlay */

static void
update_legend (EvoxMetricsPanel *self)
{
  static const char *const names[] = { NULL, N_("Connected to both faces"),
                                       N_("Connected to one face"), N_("Isolated") };
  g_autoptr(GString) markup = g_string_new (NULL);

  gtk_widget_set_visible (GTK_WIDGET (self->percolation_legend), self->overlay != NULL);
  if (self->overlay == NULL)
    return;
  for (guint k = EVOX_PERCOLATION_BOTH; k <= EVOX_PERCOLATION_ISOLATED; k++)
    {
      g_autofree char *name = g_markup_escape_text (_(names[k]), -1);
      double percent = 100.0 * evox_clusters_get_fraction (self->overlay, k);

      /* The share beside each class, as the table's rows give it along this axis; a few voxels
       * do not read as none. */
      g_string_append_printf (markup, "%s<span foreground=\"%s\">\u25a0</span> %s  ",
                              k > EVOX_PERCOLATION_BOTH ? "\n" : "",
                              evox_percolation_class_color (k), name);
      if (percent > 0.0 && percent < 0.05)
        g_string_append (markup, "&lt; 0.1 %");
      else if (percent < 100.0 && percent >= 99.95)
        g_string_append (markup, "&gt; 99.9 %");
      else
        g_string_append_printf (markup, "%.1f %%", percent);
    }
  gtk_label_set_markup (self->percolation_legend, markup->str);
}

/* Gives the document back the clusters the overlay replaced, if the overlay is still its. */
static void
remove_overlay (EvoxMetricsPanel *self)
{
  if (self->overlay != NULL && self->document != NULL &&
      evox_document_get_clusters (self->document) == self->overlay)
    {
      self->placing = TRUE;
      if (!evox_document_set_clusters (self->document, self->hidden))
        evox_document_set_clusters (self->document, NULL);
      self->placing = FALSE;
    }
  g_clear_object (&self->overlay);
  g_clear_object (&self->hidden);
}

static void
set_shown (EvoxMetricsPanel *self,
           gboolean          show)
{
  if (self->show_percolation == show)
    return;
  self->show_percolation = show;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_PERCOLATION]);
  update_actions (self);
}

/* Shows the kept classes along the chosen axis as the document's clusters while the overlay is
 * on (a new table or axis replaces it); removes it when off or when there is nothing to show. */
static void
update_overlay (EvoxMetricsPanel *self)
{
  EvoxVolume *classes = self->metrics != NULL ? evox_metrics_get_percolation (self->metrics) :
                                                NULL;
  g_autoptr(EvoxClusters) overlay = NULL;
  g_autoptr(GError) error = NULL;
  guint axis = MIN (gtk_drop_down_get_selected (self->percolation_axis_dropdown), 2);
  gsize dims[3];

  if (!self->show_percolation || self->document == NULL || classes == NULL)
    {
      remove_overlay (self);
      set_shown (self, FALSE);
      update_legend (self);
      return;
    }
  evox_volume_get_dims (classes, dims);
  overlay = evox_percolation_clusters_new (evox_volume_get_data (classes, axis), dims, axis,
                                           &error);
  if (overlay != NULL && self->measured.n_ranges > 0)
    evox_percolation_clusters_set_source (overlay, self->measured.channel,
                                          self->measured.n_ranges, self->measured.lo,
                                          self->measured.hi, self->measured_connectivity);
  if (overlay != NULL && evox_document_get_clusters (self->document) != self->overlay)
    g_set_object (&self->hidden, evox_document_get_clusters (self->document));
  self->placing = TRUE;
  /* Clusters of other dims (a table of another volume or map) are refused. */
  if (overlay != NULL && !evox_document_set_clusters (self->document, overlay))
    g_set_error_literal (&error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                         _("the table was computed on another volume"));
  self->placing = FALSE;
  if (error != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not show the percolation: %s"),
                                                  error->message);

      remove_overlay (self);
      set_shown (self, FALSE);
      update_legend (self);
      show_error (self, message);
      return;
    }
  g_set_object (&self->overlay, overlay);
  evox_document_set_show_clusters (self->document, TRUE);
  update_legend (self);
}

/* Undo and redo (and an opened session) can put a percolation overlay back as the document's
 * clusters: the toggle, its axis and the legend follow it (they stayed off before). It hides
 * the clusters the document held last (those it had replaced when it was first shown), or,
 * when an overlay was showing already (an axis change undone), what that one hid. */
static void
adopt_overlay (EvoxMetricsPanel *self,
               EvoxClusters     *overlay)
{
  const char *axis = evox_clusters_get_info (overlay, "percolation.axis");

  if (self->overlay == NULL)
    g_set_object (&self->hidden, self->under);
  g_set_object (&self->overlay, overlay);
  self->placing = TRUE;
  if (axis != NULL && axis[0] >= 'x' && axis[0] <= 'z' && axis[1] == '\0')
    gtk_drop_down_set_selected (self->percolation_axis_dropdown, (guint) (axis[0] - 'x'));
  self->placing = FALSE;
  set_shown (self, TRUE);
  update_legend (self);
}

/* Clusters the user made (or a new volume) replace the overlay: it is off then, and what it had
 * replaced is not given back over them. */
static void
on_clusters_changed (EvoxMetricsPanel *self)
{
  EvoxClusters *clusters = evox_document_get_clusters (self->document);

  if (self->placing || clusters == self->overlay)
    return;
  if (clusters != NULL &&
      g_strcmp0 (evox_clusters_get_info (clusters, "source"), "percolation") == 0)
    {
      adopt_overlay (self, clusters);
      return;
    }
  g_set_object (&self->under, clusters);
  if (self->overlay == NULL)
    return;
  g_clear_object (&self->overlay);
  g_clear_object (&self->hidden);
  set_shown (self, FALSE);
  update_legend (self);
}

static void
on_percolation_axis (EvoxMetricsPanel *self)
{
  if (self->show_percolation && !self->placing)
    update_overlay (self);
}

void
evox_metrics_panel_set_show_percolation (EvoxMetricsPanel *self,
                                         gboolean          show)
{
  g_return_if_fail (EVOX_IS_METRICS_PANEL (self));

  show = !!show;
  if (self->show_percolation == show)
    return;
  show_error (self, NULL);
  set_shown (self, show);
  update_overlay (self);
}

gboolean
evox_metrics_panel_get_show_percolation (EvoxMetricsPanel *self)
{
  g_return_val_if_fail (EVOX_IS_METRICS_PANEL (self), FALSE);
  return self->show_percolation;
}

void
evox_metrics_panel_set_percolation_axis (EvoxMetricsPanel *self,
                                         guint             axis)
{
  g_return_if_fail (EVOX_IS_METRICS_PANEL (self));
  g_return_if_fail (axis < 3);

  gtk_drop_down_set_selected (self->percolation_axis_dropdown, axis);
}

void
evox_metrics_panel_set_surface_methods (EvoxMetricsPanel *self,
                                        guint             methods)
{
  g_return_if_fail (EVOX_IS_METRICS_PANEL (self));
  g_return_if_fail (methods != 0 &&
                    (methods & ~(guint) (EVOX_AREA_CROFTON | EVOX_AREA_MESH)) == 0);

  gtk_drop_down_set_selected (self->surface_method_dropdown,
                              methods == EVOX_AREA_MESH ? 1 :
                              methods == EVOX_AREA_CROFTON ? 0 : 2);
}

/* Public */

void
evox_metrics_panel_set_document (EvoxMetricsPanel *self,
                                 EvoxDocument     *document)
{
  g_return_if_fail (EVOX_IS_METRICS_PANEL (self));
  g_return_if_fail (document == NULL || EVOX_IS_DOCUMENT (document));

  if (self->document == document)
    return;
  _evox_ui_job_cancel (&self->job);
  remove_overlay (self);
  set_shown (self, FALSE);
  update_legend (self);
  if (self->document != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->document, self);
      g_signal_handlers_disconnect_by_data (get_phases (self), self);
      gtk_flow_box_bind_model (self->phase_box, NULL, NULL, NULL, NULL);
    }
  g_set_object (&self->document, document);
  g_clear_object (&self->under);
  if (document != NULL)
    {
      EvoxPhaseList *phases = get_phases (self);

      gtk_flow_box_bind_model (self->phase_box, G_LIST_MODEL (phases), create_phase_check, self,
                               NULL);
      g_signal_connect_object (phases, "items-changed", G_CALLBACK (on_phases_changed), self, 0);
      g_signal_connect_object (phases, "changed", G_CALLBACK (on_phase_renamed), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (document, "notify::volume", G_CALLBACK (update_actions), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (document, "notify::clusters", G_CALLBACK (on_clusters_changed),
                               self, G_CONNECT_SWAPPED);
      on_phases_changed (G_LIST_MODEL (phases), 0, 0, g_list_model_get_n_items (G_LIST_MODEL (phases)),
                         self);
    }
  update_others (self);
  update_actions (self);
}

void
evox_metrics_panel_set_phase_checked (EvoxMetricsPanel *self,
                                      guint             index,
                                      gboolean          checked)
{
  GtkToggleButton *check;

  g_return_if_fail (EVOX_IS_METRICS_PANEL (self));

  check = phase_check (self, index);
  if (check != NULL)
    gtk_toggle_button_set_active (check, checked);
}

void
evox_metrics_panel_set_other (EvoxMetricsPanel *self,
                              guint             index)
{
  g_return_if_fail (EVOX_IS_METRICS_PANEL (self));

  gtk_drop_down_set_selected (self->other_dropdown, index);
}

void
evox_metrics_panel_set_second (EvoxMetricsPanel *self,
                               guint             index,
                               double            diffusivity)
{
  g_return_if_fail (EVOX_IS_METRICS_PANEL (self));
  g_return_if_fail (diffusivity >= 0.0 && diffusivity <= 1.0);

  gtk_drop_down_set_selected (self->second_dropdown, index);
  gtk_spin_button_set_value (self->second_spin, diffusivity);
}

void
evox_metrics_panel_set_metric (EvoxMetricsPanel *self,
                               const char       *name,
                               gboolean          checked)
{
  GtkCheckButton *check = NULL;

  g_return_if_fail (EVOX_IS_METRICS_PANEL (self));
  g_return_if_fail (name != NULL);

  if (g_str_equal (name, "tortuosity-x"))
    check = self->tortuosity_x;
  else if (g_str_equal (name, "tortuosity-y"))
    check = self->tortuosity_y;
  else if (g_str_equal (name, "tortuosity-z"))
    check = self->tortuosity_z;
  else if (g_str_equal (name, "second"))
    check = self->second_check;
  else if (g_str_equal (name, "percolation"))
    check = self->percolation_check;
  else if (g_str_equal (name, "surface"))
    check = self->surface_check;
  else if (g_str_equal (name, "thickness"))
    check = self->thickness_check;
  g_return_if_fail (check != NULL);
  gtk_check_button_set_active (check, checked);
}

void
evox_metrics_panel_set_tolerance (EvoxMetricsPanel *self,
                                  double            tolerance)
{
  guint best = 0;

  g_return_if_fail (EVOX_IS_METRICS_PANEL (self));
  g_return_if_fail (tolerance > 0);

  for (guint i = 1; i < G_N_ELEMENTS (tolerances); i++)
    if (fabs (log10 (tolerances[i] / tolerance)) < fabs (log10 (tolerances[best] / tolerance)))
      best = i;
  gtk_drop_down_set_selected (self->tolerance_dropdown, best);
}

void
evox_metrics_panel_set_connectivity (EvoxMetricsPanel *self,
                                     EvoxConnectivity  connectivity)
{
  g_return_if_fail (EVOX_IS_METRICS_PANEL (self));
  g_return_if_fail (evox_connectivity_is_valid (connectivity));

  for (guint i = 0; i < G_N_ELEMENTS (connectivities); i++)
    if (connectivities[i] == connectivity)
      gtk_drop_down_set_selected (self->connectivity_dropdown, i);
}

EvoxConnectivity
evox_metrics_panel_get_connectivity (EvoxMetricsPanel *self)
{
  guint selected;

  g_return_val_if_fail (EVOX_IS_METRICS_PANEL (self), EVOX_CONNECTIVITY_26);

  selected = gtk_drop_down_get_selected (self->connectivity_dropdown);
  return selected < G_N_ELEMENTS (connectivities) ? connectivities[selected]
                                                  : EVOX_CONNECTIVITY_26;
}

gboolean
evox_metrics_panel_get_busy (EvoxMetricsPanel *self)
{
  g_return_val_if_fail (EVOX_IS_METRICS_PANEL (self), FALSE);
  return self->job.cancellable != NULL;
}

EvoxMetrics *
evox_metrics_panel_get_metrics (EvoxMetricsPanel *self)
{
  g_return_val_if_fail (EVOX_IS_METRICS_PANEL (self), NULL);
  return self->metrics;
}

JsonObject *
evox_metrics_panel_dup_record (EvoxMetricsPanel *self)
{
  g_return_val_if_fail (EVOX_IS_METRICS_PANEL (self), NULL);

  if (self->record == NULL || self->document == NULL || self->record_volume == NULL ||
      self->record_volume != evox_document_get_volume (self->document))
    return NULL;
  return json_object_ref (self->record);
}

/* Same value within rounding: the session stores the phases' edges as they were. */
static gboolean
same_number (double a,
             double b)
{
  return fabs (a - b) <= 1e-9 * MAX (1.0, MAX (fabs (a), fabs (b)));
}

/* The index in the document's list of the phase entry i of a record's array names (by name and
 * range), or -1 with an error. */
static int
find_phase (EvoxMetricsPanel  *self,
            JsonArray         *entries,
            guint              i,
            GError           **error)
{
  EvoxPhaseList *phases = get_phases (self);
  JsonNode *node = json_array_get_element (entries, i);
  JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  JsonArray *range = evox_json_get_array (entry, "range");
  const char *name = evox_json_get_string (entry, "name");

  if (name != NULL && range != NULL && json_array_get_length (range) == 2)
    for (guint p = 0; p < evox_phase_list_get_n_phases (phases); p++)
      {
        EvoxPhase *phase = evox_phase_list_get_phase (phases, p);

        if (g_str_equal (evox_phase_get_name (phase), name) &&
            same_number (evox_phase_get_lo (phase), json_array_get_double_element (range, 0)) &&
            same_number (evox_phase_get_hi (phase), json_array_get_double_element (range, 1)))
          return (int) p;
      }
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
               _("its phase “%s” is not among the phases with the same range"),
               name != NULL ? name : "?");
  return -1;
}

/* The one phase of a record's "second" or "surface" (the page takes one), or -1. */
static int
find_single_phase (EvoxMetricsPanel  *self,
                   JsonArray         *entries,
                   GError           **error)
{
  if (json_array_get_length (entries) != 1)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                           _("the page measures against one phase, not a union"));
      return -1;
    }
  return find_phase (self, entries, 0, error);
}

/* The connectivity a record names in *connectivity: 6, 18 or 26 (26 when it names none, as
 * `evox metrics` defaults), 0 for another value in a record without percolation (nothing uses
 * it there, and `evox apply` does not pass it on); FALSE with an error for another value in a
 * record with percolation. */
static gboolean
record_connectivity (JsonObject        *record,
                     EvoxConnectivity  *connectivity,
                     GError           **error)
{
  JsonNode *node = json_object_get_member (record, "connectivity");
  double value = 0;

  *connectivity = EVOX_CONNECTIVITY_26;
  if (node == NULL)
    return TRUE;
  if (evox_json_node_number (node, &value))
    for (guint i = 0; i < G_N_ELEMENTS (connectivities); i++)
      if (value == connectivities[i])
        {
          *connectivity = connectivities[i];
          return TRUE;
        }
  *connectivity = 0;
  if (!evox_json_get_boolean (record, "percolation", FALSE))
    return TRUE;
  if (evox_json_node_number (node, &value))
    g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                 _("its percolation connectivity %g is not 6, 18 or 26"), value);
  else
    g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                         _("its percolation connectivity is not a number (6, 18 or 26)"));
  return FALSE;
}

gboolean
evox_metrics_panel_compute_record (EvoxMetricsPanel  *self,
                                   JsonObject        *record,
                                   GError           **error)
{
  JsonArray *phase, *axes, *second, *surface, *methods;
  const char *thickness;
  gboolean tortuosity[3] = { FALSE, FALSE, FALSE };
  g_autofree int *checked = NULL;
  double tolerance = 0, diffusivity = 0, channel;
  EvoxConnectivity connectivity;
  guint n, surface_methods = 0, best = 0;
  int second_index = -1, other_index = -1;

  g_return_val_if_fail (EVOX_IS_METRICS_PANEL (self), FALSE);
  g_return_val_if_fail (record != NULL, FALSE);

  if (self->document == NULL || evox_document_get_volume (self->document) == NULL)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, _("No volume is open"));
      return FALSE;
    }
  /* Everything is read and checked before the page changes: a record the page cannot compute
   * leaves it as it was. */
  phase = evox_json_get_array (record, "phase");
  if (phase == NULL || json_array_get_length (phase) == 0)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, _("it names no phase"));
      return FALSE;
    }
  if (evox_json_get_number (record, "channel", &channel) &&
      channel != evox_document_get_channel (self->document))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   _("it measured channel %g, the window shows channel %u"), channel,
                   evox_document_get_channel (self->document));
      return FALSE;
    }
  n = json_array_get_length (phase);
  checked = g_new (int, n);
  for (guint i = 0; i < n; i++)
    if ((checked[i] = find_phase (self, phase, i, error)) < 0)
      return FALSE;
  axes = evox_json_get_array (record, "tortuosity");
  for (guint i = 0; axes != NULL && i < json_array_get_length (axes); i++)
    {
      const char *axis = json_array_get_string_element (axes, i);

      if (axis == NULL || axis[0] < 'x' || axis[0] > 'z' || axis[1] != '\0')
        {
          g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                               _("its tortuosity axes are not x, y or z"));
          return FALSE;
        }
      tortuosity[axis[0] - 'x'] = TRUE;
    }
  if (evox_json_get_number (record, "tolerance", &tolerance))
    {
      for (guint i = 1; i < G_N_ELEMENTS (tolerances); i++)
        if (fabs (tolerances[i] - tolerance) < fabs (tolerances[best] - tolerance))
          best = i;
      if (!same_number (tolerances[best] * 1e6, tolerance * 1e6))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       _("its tolerance %g is not one the page offers (1e-4 to 1e-8)"),
                       tolerance);
          return FALSE;
        }
    }
  second = evox_json_get_array (record, "second");
  if (second != NULL)
    {
      if (!evox_json_get_number (record, "second-diffusivity", &diffusivity) ||
          !(diffusivity >= 0.0 && diffusivity <= 1.0))
        {
          g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                               _("its second diffusivity is not from 0 to 1"));
          return FALSE;
        }
      if ((second_index = find_single_phase (self, second, error)) < 0)
        return FALSE;
    }
  if (!record_connectivity (record, &connectivity, error))
    return FALSE;
  surface = evox_json_get_array (record, "surface");
  if (surface != NULL && json_array_get_length (surface) > 0)
    {
      if ((other_index = find_single_phase (self, surface, error)) < 0)
        return FALSE;
      methods = evox_json_get_array (record, "surface-method");
      for (guint i = 0; methods != NULL && i < json_array_get_length (methods); i++)
        {
          const char *method = json_array_get_string_element (methods, i);

          surface_methods |= g_strcmp0 (method, "crofton") == 0 ? EVOX_AREA_CROFTON :
                             g_strcmp0 (method, "mesh") == 0 ? EVOX_AREA_MESH : 0;
        }
      if (surface_methods == 0)
        surface_methods = EVOX_AREA_CROFTON;
    }
  thickness = evox_json_get_string (record, "thickness");

  for (guint i = 0; i < evox_phase_list_get_n_phases (get_phases (self)); i++)
    evox_metrics_panel_set_phase_checked (self, i, FALSE);
  for (guint i = 0; i < n; i++)
    evox_metrics_panel_set_phase_checked (self, (guint) checked[i], TRUE);
  gtk_check_button_set_active (self->tortuosity_x, tortuosity[0]);
  gtk_check_button_set_active (self->tortuosity_y, tortuosity[1]);
  gtk_check_button_set_active (self->tortuosity_z, tortuosity[2]);
  if (tolerance > 0)
    gtk_drop_down_set_selected (self->tolerance_dropdown, best);
  gtk_check_button_set_active (self->second_check, second_index >= 0);
  if (second_index >= 0)
    evox_metrics_panel_set_second (self, (guint) second_index, diffusivity);
  gtk_check_button_set_active (self->percolation_check,
                               evox_json_get_boolean (record, "percolation", FALSE));
  /* A record without percolation that names another value leaves the list as it is. */
  if (connectivity != 0)
    evox_metrics_panel_set_connectivity (self, connectivity);
  gtk_check_button_set_active (self->surface_check, other_index >= 0);
  if (other_index >= 0)
    {
      evox_metrics_panel_set_other (self, (guint) other_index);
      evox_metrics_panel_set_surface_methods (self, surface_methods);
    }
  gtk_check_button_set_active (self->thickness_check,
                               g_strcmp0 (thickness, "map") == 0 ||
                               g_strcmp0 (thickness, "sizes") == 0);
  start_compute (self, record);
  return TRUE;
}

static void
evox_metrics_panel_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  EvoxMetricsPanel *self = EVOX_METRICS_PANEL (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, evox_metrics_panel_get_busy (self));
      break;
    case PROP_SHOW_PERCOLATION:
      g_value_set_boolean (value, self->show_percolation);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_metrics_panel_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  EvoxMetricsPanel *self = EVOX_METRICS_PANEL (object);

  switch (prop_id)
    {
    case PROP_SHOW_PERCOLATION:
      evox_metrics_panel_set_show_percolation (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_metrics_panel_dispose (GObject *object)
{
  EvoxMetricsPanel *self = EVOX_METRICS_PANEL (object);

  evox_metrics_panel_set_document (self, NULL);
  _evox_ui_job_cancel (&self->job);
  g_clear_pointer (&self->metrics, evox_metrics_free);
  g_clear_pointer (&self->lines, g_array_unref);
  phase_clear (&self->measured);
  g_clear_pointer (&self->record, json_object_unref);
  g_clear_weak_pointer (&self->record_volume);
  _evox_dispose_bin_template (GTK_WIDGET (self), EVOX_TYPE_METRICS_PANEL);

  G_OBJECT_CLASS (evox_metrics_panel_parent_class)->dispose (object);
}

static void
evox_metrics_panel_class_init (EvoxMetricsPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = evox_metrics_panel_get_property;
  object_class->set_property = evox_metrics_panel_set_property;
  object_class->dispose = evox_metrics_panel_dispose;

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_PERCOLATION] =
    g_param_spec_boolean ("show-percolation", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/evox/Evox/evox-metrics-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, EvoxMetricsPanel, no_phase_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxMetricsPanel, phase_box);
  gtk_widget_class_bind_template_child (widget_class, EvoxMetricsPanel, tortuosity_x);
  gtk_widget_class_bind_template_child (widget_class, EvoxMetricsPanel, tortuosity_y);
  gtk_widget_class_bind_template_child (widget_class, EvoxMetricsPanel, tortuosity_z);
  gtk_widget_class_bind_template_child (widget_class, EvoxMetricsPanel, tolerance_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxMetricsPanel, second_check);
  gtk_widget_class_bind_template_child (widget_class, EvoxMetricsPanel, second_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxMetricsPanel, second_spin);
  gtk_widget_class_bind_template_child (widget_class, EvoxMetricsPanel, percolation_check);
  gtk_widget_class_bind_template_child (widget_class, EvoxMetricsPanel, connectivity_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxMetricsPanel, surface_check);
  gtk_widget_class_bind_template_child (widget_class, EvoxMetricsPanel, other_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxMetricsPanel, surface_method_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxMetricsPanel,
                                        percolation_axis_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxMetricsPanel, percolation_legend);
  gtk_widget_class_bind_template_child (widget_class, EvoxMetricsPanel, thickness_check);
  gtk_widget_class_bind_template_child (widget_class, EvoxMetricsPanel, progress_box);
  gtk_widget_class_bind_template_child (widget_class, EvoxMetricsPanel, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, EvoxMetricsPanel, error_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxMetricsPanel, table);

  gtk_widget_class_install_action (widget_class, "metrics.compute", NULL, compute_action);
  gtk_widget_class_install_action (widget_class, "metrics.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "metrics.copy", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "metrics.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "metrics.show-thickness", NULL,
                                   show_thickness_action);
  gtk_widget_class_install_action (widget_class, "metrics.show-fields", NULL, show_fields_action);
  gtk_widget_class_install_property_action (widget_class, "metrics.show-percolation",
                                            "show-percolation");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
evox_metrics_panel_init (EvoxMetricsPanel *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkListItemFactory) list_factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkListItemFactory) connectivity_factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  /* The chosen phase's name ellipsized in the button, whole in the list. */
  g_signal_connect (factory, "setup", G_CALLBACK (setup_ellipsized), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_name), NULL);
  g_signal_connect (list_factory, "setup", G_CALLBACK (setup_plain), NULL);
  g_signal_connect (list_factory, "bind", G_CALLBACK (bind_name), NULL);
  gtk_drop_down_set_factory (self->other_dropdown, factory);
  gtk_drop_down_set_list_factory (self->other_dropdown, list_factory);
  gtk_drop_down_set_factory (self->second_dropdown, factory);
  gtk_drop_down_set_list_factory (self->second_dropdown, list_factory);
  g_signal_connect (connectivity_factory, "setup", G_CALLBACK (setup_plain), NULL);
  g_signal_connect (connectivity_factory, "bind", G_CALLBACK (bind_connectivity), NULL);
  gtk_drop_down_set_list_factory (self->connectivity_dropdown, connectivity_factory);
  self->lines = g_array_new (FALSE, FALSE, sizeof (guint));
  /* 1e-6, the solver's own default. */
  gtk_drop_down_set_selected (self->tolerance_dropdown, 2);
  gtk_check_button_set_active (self->tortuosity_x, TRUE);
  gtk_check_button_set_active (self->tortuosity_y, TRUE);
  gtk_check_button_set_active (self->tortuosity_z, TRUE);
  gtk_check_button_set_active (self->percolation_check, TRUE);
  /* 26, what `evox metrics` uses unless told otherwise. */
  evox_metrics_panel_set_connectivity (self, EVOX_CONNECTIVITY_26);
  self->measured_connectivity = EVOX_CONNECTIVITY_26;
  /* Along z, across the electrode from current collector to separator. */
  gtk_drop_down_set_selected (self->percolation_axis_dropdown, 2);
  g_signal_connect_swapped (self->percolation_axis_dropdown, "notify::selected",
                            G_CALLBACK (on_percolation_axis), self);
  update_others (self);
  update_actions (self);
}

GtkWidget *
evox_metrics_panel_new (void)
{
  return g_object_new (EVOX_TYPE_METRICS_PANEL, NULL);
}
