/* evox-registration-panel.c: the Registration page: runs evox_register_stack off the main thread
 * and shows the quality report of the document's registration. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "evox-registration-panel.h"
#include "evox-plot.h"
#include "evox-registration-csv.h"
#include "evox-ui-util.h"

/* Energies closer than this are one (the tolerance evox_register_stack matches with). */
#define ENERGY_TOLERANCE_EV 0.05
/* The residual shift a registered energy should stay under (the command line warns from it). */
#define RESIDUAL_GOAL_PX 0.1
/* evox_register_stack flags an energy against 3 or more others: fewer registered, none can be. */
#define FLAG_MIN_ENERGIES 4
/* Energies the summary names in one list before "and N more". */
#define SUMMARY_MAX_LISTED 6

static const GdkRGBA x_color = { 0.208f, 0.518f, 0.894f, 1.0f };
static const GdkRGBA y_color = { 0.902f, 0.380f, 0.0f, 1.0f };
static const GdkRGBA z_color = { 0.180f, 0.620f, 0.300f, 1.0f };
static const GdkRGBA magnitude_color = { 0.35f, 0.35f, 0.35f, 1.0f };
static const GdkRGBA flagged_color = { 0.878f, 0.106f, 0.141f, 1.0f };
static const GdkRGBA before_color = { 0.6f, 0.6f, 0.6f, 1.0f };

typedef enum
{
  COLUMN_ENERGY,
  COLUMN_SHIFT_X,
  COLUMN_SHIFT_Y,
  COLUMN_SHIFT_Z,
  COLUMN_SCALE,
  COLUMN_NCC_BEFORE,
  COLUMN_NCC_AFTER,
  COLUMN_MI_BEFORE,
  COLUMN_MI_AFTER,
  COLUMN_RESIDUAL,
  COLUMN_FLAG,
  N_COLUMNS
} Column;

/* Short: the side panel is 380 px wide and the short table must fit it whole. */
static const char *column_titles[N_COLUMNS] = {
  N_("E (eV)"),
  N_("Δx"),
  N_("Δy"),
  N_("Δz"),
  N_("Scale"),
  N_("NCC before"),
  N_("NCC after"),
  N_("MI before"),
  N_("MI after"),
  N_("Residual"),
  N_("Flag"),
};

/* One row of the table: an entry of a registration, which it keeps alive. */

#define EVOX_TYPE_REGISTRATION_ROW (evox_registration_row_get_type ())
G_DECLARE_FINAL_TYPE (EvoxRegistrationRow, evox_registration_row, EVOX, REGISTRATION_ROW, GObject)

struct _EvoxRegistrationRow
{
  GObject           parent_instance;
  EvoxRegistration *registration;
  guint             index;
};

G_DEFINE_FINAL_TYPE (EvoxRegistrationRow, evox_registration_row, G_TYPE_OBJECT)

static void
evox_registration_row_finalize (GObject *object)
{
  g_clear_object (&EVOX_REGISTRATION_ROW (object)->registration);
  G_OBJECT_CLASS (evox_registration_row_parent_class)->finalize (object);
}

static void
evox_registration_row_class_init (EvoxRegistrationRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = evox_registration_row_finalize;
}

static void
evox_registration_row_init (EvoxRegistrationRow *self)
{
}

/* The panel */

struct _EvoxRegistrationPanel
{
  GtkWidget               parent_instance;

  EvoxDocument           *document;
  /* The raw stack the page offers to register: its energies fill the reference and exclusion
   * lists, and a run's result must be of it. */
  EvoxVolume             *stack;
  GArray                 *energies;      /* double per channel of stack, channel order */
  GArray                 *excluded;      /* double energies the user left out */
  double                  reference_ev;  /* 0: the highest */
  EvoxRegisterScale       scale;
  EvoxUiJob               job;
  double                  last_fraction;
  gboolean                updating;
  GListStore             *rows;
  EvoxRegisterAsyncFunc   run;
  EvoxRegisterFinishFunc  finish;

  /* template children */
  GtkLabel               *hint_label;
  GtkWidget              *controls;
  GtkDropDown            *reference_dropdown;
  GtkDropDown            *scale_dropdown;
  GtkListBox             *exclude_list;
  GtkWidget              *progress_box;
  GtkProgressBar         *progress_bar;
  GtkLabel               *error_label;
  GtkWidget              *report_box;
  GtkLabel               *summary_label;
  EvoxPlot               *shift_plot;
  EvoxPlot               *ncc_plot;
  GtkColumnView          *table;
  GtkScrolledWindow      *table_window;
  GtkToggleButton        *all_columns_button;
};

G_DEFINE_FINAL_TYPE (EvoxRegistrationPanel, evox_registration_panel, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_DOCUMENT,
  PROP_REFERENCE_EV,
  PROP_SCALE,
  PROP_BUSY,
  PROP_EXCLUDED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_error (EvoxRegistrationPanel *self,
            const char            *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static EvoxRegistration *
current_registration (EvoxRegistrationPanel *self)
{
  return self->document != NULL ? evox_document_get_registration (self->document) : NULL;
}

/* The stack to register: the raw one, also while the registered one is shown. */
static EvoxVolume *
source_stack (EvoxRegistrationPanel *self)
{
  EvoxRegistration *registration = current_registration (self);

  if (registration != NULL)
    return evox_registration_get_raw (registration);
  return self->document != NULL ? evox_document_get_stack (self->document) : NULL;
}

/* Two or more channels, each with an energy. */
static gboolean
stack_usable (EvoxRegistrationPanel *self)
{
  return self->stack != NULL && self->energies->len >= 2;
}

static gboolean
same_energy (double a,
             double b)
{
  return fabs (a - b) <= ENERGY_TOLERANCE_EV;
}

static int
find_energy (GArray *energies,
             double  energy)
{
  for (guint i = 0; i < energies->len; i++)
    if (same_energy (g_array_index (energies, double, i), energy))
      return (int) i;
  return -1;
}

/* The index of the reference in energies: the one chosen, or the highest; -1 when the chosen one
 * is not among them. */
static int
reference_index (EvoxRegistrationPanel *self)
{
  int best = -1;

  if (self->reference_ev > 0)
    return find_energy (self->energies, self->reference_ev);
  for (guint i = 0; i < self->energies->len; i++)
    if (best < 0 || g_array_index (self->energies, double, i) >
                    g_array_index (self->energies, double, best))
      best = (int) i;
  return best;
}

gboolean
evox_registration_panel_is_busy (EvoxRegistrationPanel *self)
{
  g_return_val_if_fail (EVOX_IS_REGISTRATION_PANEL (self), FALSE);
  return self->job.cancellable != NULL;
}

static void
update_actions (EvoxRegistrationPanel *self)
{
  gboolean busy = evox_registration_panel_is_busy (self);
  gboolean have = current_registration (self) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "registration.run",
                                 stack_usable (self) && !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "registration.cancel", busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "registration.save-report", have);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "registration.revert", have && !busy);
  gtk_widget_set_sensitive (self->controls, stack_usable (self) && !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->hint_label), !stack_usable (self));
}

/* Reference and exclusions */

/* The reference cannot be left out: its row is off while it is the reference. */
static void
sync_exclude_rows (EvoxRegistrationPanel *self)
{
  int reference = reference_index (self);
  guint i = 0;

  self->updating = TRUE;
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->exclude_list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *check;
      double energy;

      if (!GTK_IS_LIST_BOX_ROW (row))
        continue;
      check = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (row));
      energy = g_array_index (self->energies, double, i);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                                   find_energy (self->excluded, energy) >= 0);
      gtk_widget_set_sensitive (check, (int) i != reference);
      i++;
    }
  self->updating = FALSE;
}

static void
sync_reference_dropdown (EvoxRegistrationPanel *self)
{
  int reference = reference_index (self);

  self->updating = TRUE;
  gtk_drop_down_set_selected (self->reference_dropdown,
                              reference >= 0 ? (guint) reference : GTK_INVALID_LIST_POSITION);
  self->updating = FALSE;
}

static void
on_exclude_toggled (GtkCheckButton        *check,
                    EvoxRegistrationPanel *self)
{
  double energy = *(double *) g_object_get_data (G_OBJECT (check), "evox-energy");

  if (self->updating)
    return;
  evox_registration_panel_set_excluded (self, energy, gtk_check_button_get_active (check));
}

static void
on_reference_selected (EvoxRegistrationPanel *self)
{
  guint selected = gtk_drop_down_get_selected (self->reference_dropdown);

  if (self->updating || selected >= self->energies->len)
    return;
  g_object_set (self, "reference-ev", g_array_index (self->energies, double, selected), NULL);
}

/* The page scrolls inside the side panel, which gives a scrolled window in it no more than its
 * minimum height once the page is taller than the panel (after a run, with the report): so the
 * minimum is what the list should show, its first EXCLUDE_ROWS_SHOWN rows, measured. */
#define EXCLUDE_ROWS_SHOWN 5

static void
fit_exclude_list (EvoxRegistrationPanel *self)
{
  GtkWidget *window = gtk_widget_get_ancestor (GTK_WIDGET (self->exclude_list),
                                               GTK_TYPE_SCROLLED_WINDOW);
  int height = 0;
  guint n = 0;

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->exclude_list));
       row != NULL && n < EXCLUDE_ROWS_SHOWN; row = gtk_widget_get_next_sibling (row), n++)
    {
      int natural;

      gtk_widget_measure (row, GTK_ORIENTATION_VERTICAL, -1, NULL, &natural, NULL, NULL);
      height += natural;
    }
  /* -1 first: a minimum above the maximum is refused. */
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (window), -1);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (window), MAX (height, 1));
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (window), MAX (height, 1));
}

static void
rebuild_energy_lists (EvoxRegistrationPanel *self)
{
  g_autoptr(GtkStringList) items = gtk_string_list_new (NULL);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->exclude_list))) != NULL)
    gtk_list_box_remove (self->exclude_list, child);
  for (guint i = 0; i < self->energies->len; i++)
    {
      double *energy = g_new (double, 1);
      g_autofree char *label = NULL;
      GtkWidget *check;

      *energy = g_array_index (self->energies, double, i);
      /* In the words of the display page's channel slider and the Spectra page. */
      label = _evox_describe_channel (self->stack, i);
      gtk_string_list_append (items, label);
      check = gtk_check_button_new_with_label (label);
      g_object_set_data_full (G_OBJECT (check), "evox-energy", energy, g_free);
      g_signal_connect_object (check, "toggled", G_CALLBACK (on_exclude_toggled), self, 0);
      gtk_list_box_append (self->exclude_list, check);
    }
  fit_exclude_list (self);
  self->updating = TRUE;
  gtk_drop_down_set_model (self->reference_dropdown, G_LIST_MODEL (items));
  self->updating = FALSE;
  sync_reference_dropdown (self);
  sync_exclude_rows (self);
}

/* Follows the raw stack of the document: a new one gets new lists, the default reference and no
 * exclusions, and drops a run on the old one. */
static void
sync_stack (EvoxRegistrationPanel *self)
{
  EvoxVolume *stack = source_stack (self);

  if (stack == self->stack)
    return;
  _evox_ui_job_cancel (&self->job);
  show_error (self, NULL);
  g_set_object (&self->stack, stack);
  g_array_set_size (self->energies, 0);
  if (self->excluded->len > 0)
    {
      g_array_set_size (self->excluded, 0);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXCLUDED]);
    }
  if (stack != NULL)
    {
      guint n = evox_volume_get_n_channels (stack);

      for (guint c = 0; c < n; c++)
        {
          double energy = evox_volume_get_channel_energy (stack, c);

          if (!isfinite (energy) || energy <= 0)
            {
              g_array_set_size (self->energies, 0);
              break;
            }
          g_array_append_val (self->energies, energy);
        }
      if (n < 2)
        g_array_set_size (self->energies, 0);
    }
  if (self->reference_ev != 0)
    {
      self->reference_ev = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REFERENCE_EV]);
    }
  rebuild_energy_lists (self);
  update_actions (self);
}

void
evox_registration_panel_set_excluded (EvoxRegistrationPanel *self,
                                      double                 energy_ev,
                                      gboolean               excluded)
{
  int at;

  g_return_if_fail (EVOX_IS_REGISTRATION_PANEL (self));

  at = find_energy (self->excluded, energy_ev);
  if (excluded == (at >= 0))
    return;
  if (excluded)
    g_array_append_val (self->excluded, energy_ev);
  else
    g_array_remove_index (self->excluded, at);
  sync_exclude_rows (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXCLUDED]);
}

static int
compare_energies (gconstpointer a,
                  gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The "excluded" property: the energies in eV, ascending, comma-separated, each written so it
 * reads back exactly (what the history compares and puts back). */
static char *
dup_excluded (EvoxRegistrationPanel *self)
{
  g_autoptr (GArray) sorted = g_array_copy (self->excluded);
  GString *text = g_string_new (NULL);

  g_array_sort (sorted, compare_energies);
  for (guint i = 0; i < sorted->len; i++)
    {
      char number[G_ASCII_DTOSTR_BUF_SIZE];

      if (i > 0)
        g_string_append_c (text, ',');
      g_string_append (text, g_ascii_dtostr (number, sizeof number,
                                             g_array_index (sorted, double, i)));
    }
  return g_string_free (text, FALSE);
}

/* Unparsable numbers are skipped: the property is written by dup_excluded. */
static void
set_excluded_text (EvoxRegistrationPanel *self,
                   const char            *text)
{
  g_auto (GStrv) parts = g_strsplit (text != NULL ? text : "", ",", -1);
  g_autofree char *before = dup_excluded (self);
  g_autofree char *after = NULL;

  g_array_set_size (self->excluded, 0);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *end = NULL;
      double energy = g_ascii_strtod (parts[i], &end);

      if (end != parts[i] && *end == '\0' && isfinite (energy) &&
          find_energy (self->excluded, energy) < 0)
        g_array_append_val (self->excluded, energy);
    }
  sync_exclude_rows (self);
  after = dup_excluded (self);
  if (g_strcmp0 (before, after) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXCLUDED]);
}

gboolean
evox_registration_panel_get_excluded (EvoxRegistrationPanel *self,
                                      double                 energy_ev)
{
  g_return_val_if_fail (EVOX_IS_REGISTRATION_PANEL (self), FALSE);
  return find_energy (self->excluded, energy_ev) >= 0;
}

/* Report */

static gboolean
is_3d (EvoxRegistration *registration)
{
  gsize dims[3];

  evox_volume_get_dims (evox_registration_get_registered (registration), dims);
  return dims[2] > 1;
}

static gboolean
is_left_out (const EvoxRegistrationEntry *e)
{
  return e->excluded;
}

static gboolean
is_over_goal (const EvoxRegistrationEntry *e)
{
  return !e->excluded && !e->is_reference && isfinite (e->residual_px) &&
         e->residual_px >= RESIDUAL_GOAL_PX;
}

static gboolean
is_flagged (const EvoxRegistrationEntry *e)
{
  return e->flagged;
}

static char *
format_number (double      value,
               const char *format)
{
  if (!isfinite (value))
    return g_strdup ("–");
  return g_strdup_printf (format, value);
}

static char *
format_cell (const EvoxRegistrationEntry *entry,
             Column                       column)
{
  switch (column)
    {
    case COLUMN_ENERGY:
      /* The window's rule for energies (the column's title says eV). */
      return g_strdup_printf ("%.6g", entry->energy_ev);
    case COLUMN_SHIFT_X:
    case COLUMN_SHIFT_Y:
    case COLUMN_SHIFT_Z:
      if (entry->excluded)
        return g_strdup ("–");
      return format_number (entry->shift[column - COLUMN_SHIFT_X], "%+.2f");
    case COLUMN_SCALE:
      if (entry->excluded)
        return g_strdup ("–");
      return format_number (entry->scale, "%.4f");
    case COLUMN_NCC_BEFORE:
      return format_number (entry->ncc_before, "%.3f");
    case COLUMN_NCC_AFTER:
      return format_number (entry->ncc_after, "%.3f");
    case COLUMN_MI_BEFORE:
      return format_number (entry->mi_before, "%.3f");
    case COLUMN_MI_AFTER:
      return format_number (entry->mi_after, "%.3f");
    case COLUMN_RESIDUAL:
      return format_number (entry->residual_px, "%.3f");
    case COLUMN_FLAG:
      if (entry->is_reference)
        return g_strdup (_("reference"));
      if (entry->excluded)
        return g_strdup (_("left out"));
      if (entry->flagged && is_over_goal (entry))
        return g_strdup (_("⚑ off trend, ⚠ residual"));
      if (entry->flagged)
        return g_strdup (_("⚑ off trend"));
      /* Short for the narrow column; the summary says which goal. */
      if (is_over_goal (entry))
        return g_strdup (_("⚠ residual"));
      return g_strdup ("");
    case N_COLUMNS:
    default:
      g_assert_not_reached ();
    }
}

static void
bind_cell (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  EvoxRegistrationRow *row = gtk_list_item_get_item (item);
  const EvoxRegistrationEntry *entry = evox_registration_get_entry (row->registration,
                                                                    row->index);
  g_autofree char *text = format_cell (entry, GPOINTER_TO_UINT (user_data));
  GtkWidget *label = gtk_list_item_get_child (item);

  gtk_label_set_text (GTK_LABEL (label), text);
  /* The theme colours "error" labels only: a residual over the goal is red as a flagged row. */
  if (entry->flagged || ((GPOINTER_TO_UINT (user_data) == COLUMN_RESIDUAL ||
                          GPOINTER_TO_UINT (user_data) == COLUMN_FLAG) && is_over_goal (entry)))
    gtk_widget_add_css_class (label, "error");
  else
    gtk_widget_remove_css_class (label, "error");
}

/* Columns a 380 px side panel shows whole: what says whether an energy is registered well. The
 * scale, the raw images' NCC and both MIs wait for All Columns (and are in the saved report);
 * the NCC before is also the grey line of the NCC plot. */
static gboolean
column_in_short_table (Column column)
{
  return column != COLUMN_SCALE && column != COLUMN_NCC_BEFORE && column != COLUMN_MI_BEFORE &&
         column != COLUMN_MI_AFTER;
}

static void
update_columns (EvoxRegistrationPanel *self)
{
  EvoxRegistration *registration = current_registration (self);
  GListModel *columns = gtk_column_view_get_columns (self->table);
  gboolean all = gtk_toggle_button_get_active (self->all_columns_button);

  for (guint c = 0; c < N_COLUMNS; c++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, c);
      gboolean visible = all || column_in_short_table (c);

      if (c == COLUMN_SHIFT_Z)
        visible = registration != NULL && is_3d (registration);
      gtk_column_view_column_set_visible (column, visible);
    }
}

/* As the exclusion list: the table's minimum height is what it should show, the header and
 * up to TABLE_ROWS_SHOWN rows; more scroll inside it. */
#define TABLE_ROWS_SHOWN 8

static void
fit_table (EvoxRegistrationPanel *self,
           guint                  n_rows)
{
  int header = 0, natural, height;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->table));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (g_str_equal (gtk_widget_get_css_name (child), "header"))
      gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, -1, NULL, &header, NULL, NULL);
  /* The table's own measure: the header and every row it has made (an average for the rest). */
  gtk_widget_measure (GTK_WIDGET (self->table), GTK_ORIENTATION_VERTICAL, -1, NULL, &natural,
                      NULL, NULL);
  height = natural;
  if (n_rows > TABLE_ROWS_SHOWN)
    height = header + (natural - header) * TABLE_ROWS_SHOWN / (int) n_rows;
  gtk_scrolled_window_set_min_content_height (self->table_window, -1);
  gtk_scrolled_window_set_max_content_height (self->table_window, MAX (height, 1));
  gtk_scrolled_window_set_min_content_height (self->table_window, MAX (height, 1));
}

static void
add_columns (EvoxRegistrationPanel *self)
{
  for (guint c = 0; c < N_COLUMNS; c++)
    {
      GtkListItemFactory *factory = _evox_numeric_cell_factory (G_CALLBACK (bind_cell), c);
      GtkColumnViewColumn *column = gtk_column_view_column_new (_(column_titles[c]), factory);

      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_append_column (self->table, column);
      g_object_unref (column);
    }
}

char *
evox_registration_panel_dup_cell (EvoxRegistrationPanel *self,
                                  guint                  row,
                                  guint                  column)
{
  g_autoptr(EvoxRegistrationRow) item = NULL;

  g_return_val_if_fail (EVOX_IS_REGISTRATION_PANEL (self), NULL);
  g_return_val_if_fail (column < N_COLUMNS, NULL);

  item = g_list_model_get_item (G_LIST_MODEL (self->rows), row);
  if (item == NULL)
    return NULL;
  return format_cell (evox_registration_get_entry (item->registration, item->index), column);
}

static void
update_plots (EvoxRegistrationPanel *self,
              EvoxRegistration      *registration)
{
  guint n = registration != NULL ? evox_registration_get_n_entries (registration) : 0;
  g_autofree double *energy = g_new (double, MAX (n, 1));
  g_autofree double *kept_energy = g_new (double, MAX (n, 1));
  g_autofree double *shift = g_new (double, 3 * MAX (n, 1));
  g_autofree double *magnitude = g_new (double, MAX (n, 1));
  g_autofree double *flagged = g_new (double, MAX (n, 1));
  g_autofree double *before = g_new (double, MAX (n, 1));
  g_autofree double *after = g_new (double, MAX (n, 1));
  const char *axis_names[3] = { N_("Shift x"), N_("Shift y"), N_("Shift z") };
  const GdkRGBA *axis_colors[3] = { &x_color, &y_color, &z_color };
  guint n_axes, kept = 0;
  guint line;

  evox_plot_clear (self->shift_plot);
  evox_plot_clear (self->ncc_plot);
  if (n == 0)
    return;
  n_axes = is_3d (registration) ? 3 : 2;
  /* An energy left out has no shift and no registered image: the after series skip it (the
   * lines join its neighbours); before, it had an image like any other. */
  for (guint i = 0; i < n; i++)
    {
      const EvoxRegistrationEntry *e = evox_registration_get_entry (registration, i);

      energy[i] = e->energy_ev;
      before[i] = e->ncc_before;
      if (e->excluded)
        continue;
      kept_energy[kept] = e->energy_ev;
      for (guint a = 0; a < 3; a++)
        shift[a * n + kept] = e->shift[a];
      magnitude[kept] = sqrt (e->shift[0] * e->shift[0] + e->shift[1] * e->shift[1] +
                              e->shift[2] * e->shift[2]);
      /* Isolated finite points: dots, no segments between flagged energies. */
      flagged[kept] = e->flagged ? magnitude[kept] : NAN;
      after[kept] = e->ncc_after;
      kept++;
    }

  line = evox_plot_add_line (self->shift_plot, kept_energy, magnitude, kept, &magnitude_color,
                             _("|shift|"));
  evox_plot_set_line_points (self->shift_plot, line, TRUE);
  for (guint a = 0; a < n_axes; a++)
    {
      line = evox_plot_add_line (self->shift_plot, kept_energy, shift + a * n, kept,
                                 axis_colors[a], _(axis_names[a]));
      evox_plot_set_line_points (self->shift_plot, line, TRUE);
    }
  line = evox_plot_add_line (self->ncc_plot, energy, before, n, &before_color, _("before"));
  evox_plot_set_line_points (self->ncc_plot, line, TRUE);
  line = evox_plot_add_line (self->ncc_plot, kept_energy, after, kept, &x_color, _("after"));
  evox_plot_set_line_points (self->ncc_plot, line, TRUE);

  /* Flagged energies: a red dot on |shift| and a marker across both plots. */
  if (evox_registration_get_n_flagged (registration) > 0)
    {
      line = evox_plot_add_line (self->shift_plot, kept_energy, flagged, kept, &flagged_color,
                                 _("flagged"));
      evox_plot_set_line_points (self->shift_plot, line, TRUE);
      for (guint i = 0; i < kept; i++)
        if (isfinite (flagged[i]))
          {
            evox_plot_add_marker (self->shift_plot, kept_energy[i]);
            evox_plot_add_marker (self->ncc_plot, kept_energy[i]);
          }
    }
}

/* Appends "7700 eV, 7725 eV and 3 more" (with each residual when `residuals`) of the entries
 * `pick` picks. */
static void
append_energies (GString           *text,
                 EvoxRegistration  *registration,
                 gboolean         (*pick) (const EvoxRegistrationEntry *),
                 gboolean           residuals)
{
  guint n = evox_registration_get_n_entries (registration);
  guint listed = 0, more = 0;

  for (guint i = 0; i < n; i++)
    {
      const EvoxRegistrationEntry *e = evox_registration_get_entry (registration, i);

      if (!pick (e))
        continue;
      if (listed == SUMMARY_MAX_LISTED)
        {
          more++;
          continue;
        }
      if (listed > 0)
        g_string_append (text, ", ");
      if (residuals)
        g_string_append_printf (text, _("%.6g eV (%.3f px)"), e->energy_ev, e->residual_px);
      else
        g_string_append_printf (text, _("%.6g eV"), e->energy_ev);
      listed++;
    }
  if (more > 0)
    g_string_append_printf (text, ngettext (" and %u more", " and %u more", more), more);
}

/* What a user must know before trusting the registered stack, a line each: what was registered
 * onto what; whether every energy met the residual goal, and which did not; which energies the
 * trend check flags, or why it could flag none. */
static void
update_summary (EvoxRegistrationPanel *self,
                EvoxRegistration      *registration)
{
  g_autoptr(GString) text = g_string_new (NULL);
  const EvoxRegistrationEntry *reference = evox_registration_get_reference (registration);
  const EvoxRegistrationEntry *worst = NULL;
  guint n = evox_registration_get_n_entries (registration);
  guint kept = 0, over = 0, flagged = 0;

  for (guint i = 0; i < n; i++)
    {
      const EvoxRegistrationEntry *e = evox_registration_get_entry (registration, i);

      if (e->excluded)
        continue;
      kept++;
      over += is_over_goal (e);
      flagged += e->flagged;
      if (!e->is_reference && isfinite (e->residual_px) &&
          (worst == NULL || e->residual_px > worst->residual_px))
        worst = e;
    }

  if (reference != NULL)
    g_string_append_printf (text, _("%u of %u energies registered onto %.6g eV (scale: %s)."),
                            kept, n, reference->energy_ev,
                            evox_registration_get_scale_mode (registration));
  else
    g_string_append_printf (text, _("%u of %u energies registered (scale: %s)."), kept, n,
                            evox_registration_get_scale_mode (registration));
  if (kept < n)
    {
      g_string_append (text, _(" Left out: "));
      append_energies (text, registration, is_left_out, FALSE);
      g_string_append (text, ".");
    }

  g_string_append (text, "\n");
  if (worst == NULL)
    g_string_append (text, _("No residual shift could be measured."));
  else if (over == 0)
    g_string_append_printf (text, _("Every residual shift is within the %.1f px goal (largest "
                                    "%.3f px, at %.6g eV)."),
                            RESIDUAL_GOAL_PX, worst->residual_px, worst->energy_ev);
  else
    {
      g_string_append_printf (text, ngettext ("Residual shift over the %.1f px goal at ",
                                              "Residual shift over the %.1f px goal at %u "
                                              "energies: ", over),
                              RESIDUAL_GOAL_PX, over);
      append_energies (text, registration, is_over_goal, TRUE);
      g_string_append (text, ngettext (": check it, or leave it out.",
                                       ": check them, or leave them out.", over));
    }

  g_string_append (text, "\n");
  if (flagged > 0)
    {
      g_string_append (text, _("Off the trend of their neighbours (shift more than 3 MADs "
                               "away): "));
      append_energies (text, registration, is_flagged, FALSE);
      g_string_append (text, ".");
    }
  else if (kept < FLAG_MIN_ENERGIES)
    g_string_append_printf (text, _("No energy can be flagged as off the trend: that takes %u "
                                    "or more energies registered, and there are %u."),
                            FLAG_MIN_ENERGIES, kept);
  else
    g_string_append (text, _("No energy is off the trend of its neighbours."));
  gtk_label_set_text (self->summary_label, text->str);
}

static void
update_report (EvoxRegistrationPanel *self)
{
  EvoxRegistration *registration = current_registration (self);
  guint n = registration != NULL ? evox_registration_get_n_entries (registration) : 0;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n; i++)
    {
      EvoxRegistrationRow *row = g_object_new (EVOX_TYPE_REGISTRATION_ROW, NULL);

      row->registration = g_object_ref (registration);
      row->index = i;
      g_ptr_array_add (items, row);
    }
  g_list_store_splice (self->rows, 0, g_list_model_get_n_items (G_LIST_MODEL (self->rows)),
                       items->pdata, items->len);
  update_columns (self);
  fit_table (self, n);
  update_plots (self, registration);
  if (registration != NULL)
    update_summary (self, registration);
  else
    gtk_label_set_text (self->summary_label, "");
  gtk_widget_set_visible (self->report_box, registration != NULL);
}

/* Run */

typedef struct
{
  EvoxRegistrationPanel *panel;        /* weak */
  GCancellable          *cancellable;
  EvoxProgress          *progress;
  EvoxVolume            *volume;
  GArray                *exclude;      /* double */
  EvoxRegisterFinishFunc finish;
} RunData;

static void
run_data_free (RunData *data)
{
  g_clear_weak_pointer (&data->panel);
  g_clear_object (&data->cancellable);
  g_clear_pointer (&data->progress, evox_progress_unref);
  g_clear_object (&data->volume);
  g_clear_pointer (&data->exclude, g_array_unref);
  g_free (data);
}

/* The panel's actions and busy state once its run stopped. */
static void
job_stopped (gpointer owner)
{
  EvoxRegistrationPanel *self = owner;

  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
run_finished (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  RunData *data = user_data;
  EvoxRegistrationPanel *self = data->panel;
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxRegistration) result = NULL;

  /* Collected even when dropped, so that the task's result is freed. */
  result = data->finish (res, &error);
  if (self == NULL || self->job.cancellable != data->cancellable)
    {
      run_data_free (data);
      return;
    }
  self->last_fraction = evox_progress_get_fraction (data->progress);
  _evox_ui_job_stop (&self->job);
  if (result == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *message = g_strdup_printf (_("Could not register: %s"),
                                                      error->message);
          show_error (self, message);
        }
    }
  else if (data->volume != source_stack (self) ||
           !evox_document_set_registration (self->document, result))
    show_error (self, _("The stack changed while it was being registered: run again"));
  run_data_free (data);
}

static void
run_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  EvoxRegistrationPanel *self = EVOX_REGISTRATION_PANEL (widget);
  EvoxRegisterOptions options;
  RunData *data;

  if (!stack_usable (self))
    return;
  _evox_ui_job_cancel (&self->job);
  show_error (self, NULL);

  data = g_new0 (RunData, 1);
  data->volume = g_object_ref (self->stack);
  data->exclude = g_array_copy (self->excluded);
  data->finish = self->finish;
  evox_register_options_init (&options);
  options.reference_ev = self->reference_ev;
  options.exclude_ev = (const double *) data->exclude->data;
  options.n_exclude = data->exclude->len;
  options.scale = self->scale;

  _evox_ui_job_start (&self->job, self->progress_bar, self->progress_box, job_stopped,
                      self);
  g_set_weak_pointer (&data->panel, self);
  data->cancellable = g_object_ref (self->job.cancellable);
  data->progress = evox_progress_ref (self->job.progress);
  self->last_fraction = NAN;
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);

  self->run (data->volume, &options, self->job.progress, self->job.cancellable, run_finished,
             data);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  _evox_ui_job_cancel (&EVOX_REGISTRATION_PANEL (widget)->job);
}

static void
revert_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  EvoxRegistrationPanel *self = EVOX_REGISTRATION_PANEL (widget);

  if (self->document != NULL)
    evox_document_set_registration (self->document, NULL);
}

/* Report CSV */

gboolean
evox_registration_panel_save_report (EvoxRegistrationPanel  *self,
                                     const char             *path,
                                     gboolean                overwrite,
                                     GError                **error)
{
  EvoxRegistration *registration;

  g_return_val_if_fail (EVOX_IS_REGISTRATION_PANEL (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  registration = current_registration (self);
  if (registration == NULL)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                           "there is no registration to report: run one first");
      return FALSE;
    }
  return evox_registration_csv_write (registration, path, overwrite, error);
}

static gboolean
save_report (GtkWidget   *owner,
             const char  *path,
             gpointer     user_data,
             GError     **error)
{
  return evox_registration_panel_save_report (EVOX_REGISTRATION_PANEL (owner), path, TRUE, error);
}

static void
show_error_func (GtkWidget  *owner,
                 const char *message)
{
  show_error (EVOX_REGISTRATION_PANEL (owner), message);
}

static void
save_report_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  GtkFileChooserNative *chooser;

  chooser = _evox_save_chooser_new (widget, _("Save Registration Report"), _("_Save"),
                                    "registration-report.csv", save_report, NULL,
                                    _("Could not save %s: %s"), show_error_func);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Document */

static void
on_document_notify (EvoxDocument          *document,
                    GParamSpec            *pspec,
                    EvoxRegistrationPanel *self)
{
  const char *name = g_param_spec_get_name (pspec);

  /* Switching between the raw and the registered stack keeps the raw one as the source: only
   * another file changes it. */
  if (g_str_equal (name, "volume"))
    sync_stack (self);
  else if (g_str_equal (name, "registration"))
    {
      sync_stack (self);
      update_report (self);
      update_actions (self);
    }
}

static void
release_document (EvoxRegistrationPanel *self)
{
  if (self->document == NULL)
    return;
  _evox_ui_job_cancel (&self->job);
  g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_object (&self->document);
}

void
evox_registration_panel_set_document (EvoxRegistrationPanel *self,
                                      EvoxDocument          *document)
{
  g_return_if_fail (EVOX_IS_REGISTRATION_PANEL (self));
  g_return_if_fail (document == NULL || EVOX_IS_DOCUMENT (document));

  if (self->document == document)
    return;
  release_document (self);
  show_error (self, NULL);
  if (document != NULL)
    {
      self->document = g_object_ref (document);
      g_signal_connect_object (document, "notify", G_CALLBACK (on_document_notify), self, 0);
    }
  sync_stack (self);
  update_report (self);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOCUMENT]);
}

EvoxDocument *
evox_registration_panel_get_document (EvoxRegistrationPanel *self)
{
  g_return_val_if_fail (EVOX_IS_REGISTRATION_PANEL (self), NULL);
  return self->document;
}

void
_evox_registration_panel_set_runner (EvoxRegistrationPanel  *self,
                                     EvoxRegisterAsyncFunc   run,
                                     EvoxRegisterFinishFunc  finish)
{
  g_return_if_fail (EVOX_IS_REGISTRATION_PANEL (self));
  self->run = run != NULL ? run : evox_register_stack_async;
  self->finish = finish != NULL ? finish : evox_register_stack_finish;
}

/* For tests */

GtkColumnView *
evox_registration_panel_get_table (EvoxRegistrationPanel *self)
{
  g_return_val_if_fail (EVOX_IS_REGISTRATION_PANEL (self), NULL);
  return self->table;
}

GtkWidget *
evox_registration_panel_get_shift_plot (EvoxRegistrationPanel *self)
{
  g_return_val_if_fail (EVOX_IS_REGISTRATION_PANEL (self), NULL);
  return GTK_WIDGET (self->shift_plot);
}

GtkWidget *
evox_registration_panel_get_ncc_plot (EvoxRegistrationPanel *self)
{
  g_return_val_if_fail (EVOX_IS_REGISTRATION_PANEL (self), NULL);
  return GTK_WIDGET (self->ncc_plot);
}

GtkListBox *
evox_registration_panel_get_exclude_list (EvoxRegistrationPanel *self)
{
  g_return_val_if_fail (EVOX_IS_REGISTRATION_PANEL (self), NULL);
  return self->exclude_list;
}

const char *
evox_registration_panel_get_error (EvoxRegistrationPanel *self)
{
  g_return_val_if_fail (EVOX_IS_REGISTRATION_PANEL (self), NULL);
  if (!gtk_widget_get_visible (GTK_WIDGET (self->error_label)))
    return NULL;
  return gtk_label_get_text (self->error_label);
}

const char *
evox_registration_panel_get_summary (EvoxRegistrationPanel *self)
{
  g_return_val_if_fail (EVOX_IS_REGISTRATION_PANEL (self), NULL);
  return gtk_label_get_text (self->summary_label);
}

double
evox_registration_panel_get_last_fraction (EvoxRegistrationPanel *self)
{
  g_return_val_if_fail (EVOX_IS_REGISTRATION_PANEL (self), NAN);
  return self->last_fraction;
}

/* GObject */

static void
evox_registration_panel_dispose (GObject *object)
{
  EvoxRegistrationPanel *self = EVOX_REGISTRATION_PANEL (object);

  /* Closing the window cancels the run. */
  release_document (self);
  if (self->reference_dropdown != NULL)
    g_signal_handlers_disconnect_by_data (self->reference_dropdown, self);
  if (self->table != NULL)
    gtk_column_view_set_model (self->table, NULL);
  g_clear_object (&self->rows);
  g_clear_object (&self->stack);
  _evox_dispose_bin_template (GTK_WIDGET (self), EVOX_TYPE_REGISTRATION_PANEL);

  G_OBJECT_CLASS (evox_registration_panel_parent_class)->dispose (object);
}

static void
evox_registration_panel_finalize (GObject *object)
{
  EvoxRegistrationPanel *self = EVOX_REGISTRATION_PANEL (object);

  g_clear_pointer (&self->energies, g_array_unref);
  g_clear_pointer (&self->excluded, g_array_unref);
  G_OBJECT_CLASS (evox_registration_panel_parent_class)->finalize (object);
}

static void
evox_registration_panel_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  EvoxRegistrationPanel *self = EVOX_REGISTRATION_PANEL (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, self->document);
      break;
    case PROP_REFERENCE_EV:
      g_value_set_double (value, self->reference_ev);
      break;
    case PROP_SCALE:
      g_value_set_int (value, self->scale);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, evox_registration_panel_is_busy (self));
      break;
    case PROP_EXCLUDED:
      g_value_take_string (value, dup_excluded (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_registration_panel_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  EvoxRegistrationPanel *self = EVOX_REGISTRATION_PANEL (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      evox_registration_panel_set_document (self, g_value_get_object (value));
      break;
    case PROP_REFERENCE_EV:
      {
        double reference = g_value_get_double (value);

        if (reference == self->reference_ev)
          break;
        self->reference_ev = reference;
        /* The reference cannot be left out as well. */
        if (reference_index (self) >= 0)
          evox_registration_panel_set_excluded (
            self, g_array_index (self->energies, double, reference_index (self)), FALSE);
        sync_reference_dropdown (self);
        sync_exclude_rows (self);
        g_object_notify_by_pspec (object, pspec);
      }
      break;
    case PROP_SCALE:
      if (self->scale != (EvoxRegisterScale) g_value_get_int (value))
        {
          self->scale = g_value_get_int (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_EXCLUDED:
      set_excluded_text (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_registration_panel_class_init (EvoxRegistrationPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = evox_registration_panel_dispose;
  object_class->finalize = evox_registration_panel_finalize;
  object_class->get_property = evox_registration_panel_get_property;
  object_class->set_property = evox_registration_panel_set_property;

  properties[PROP_DOCUMENT] = g_param_spec_object ("document", NULL, NULL, EVOX_TYPE_DOCUMENT,
                                                   rw);
  properties[PROP_REFERENCE_EV] = g_param_spec_double ("reference-ev", NULL, NULL, 0,
                                                       G_MAXDOUBLE, 0, rw);
  properties[PROP_SCALE] = g_param_spec_int ("scale", NULL, NULL, EVOX_REGISTER_SCALE_FIT,
                                             EVOX_REGISTER_SCALE_NONE, EVOX_REGISTER_SCALE_FIT,
                                             rw);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_EXCLUDED] = g_param_spec_string ("excluded", NULL, NULL, "", rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (EVOX_TYPE_PLOT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/evox/Evox/evox-registration-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, EvoxRegistrationPanel, hint_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxRegistrationPanel, controls);
  gtk_widget_class_bind_template_child (widget_class, EvoxRegistrationPanel, reference_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxRegistrationPanel, scale_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxRegistrationPanel, exclude_list);
  gtk_widget_class_bind_template_child (widget_class, EvoxRegistrationPanel, progress_box);
  gtk_widget_class_bind_template_child (widget_class, EvoxRegistrationPanel, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, EvoxRegistrationPanel, error_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxRegistrationPanel, report_box);
  gtk_widget_class_bind_template_child (widget_class, EvoxRegistrationPanel, summary_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxRegistrationPanel, shift_plot);
  gtk_widget_class_bind_template_child (widget_class, EvoxRegistrationPanel, ncc_plot);
  gtk_widget_class_bind_template_child (widget_class, EvoxRegistrationPanel, table);
  gtk_widget_class_bind_template_child (widget_class, EvoxRegistrationPanel, table_window);
  gtk_widget_class_bind_template_child (widget_class, EvoxRegistrationPanel, all_columns_button);

  gtk_widget_class_install_action (widget_class, "registration.run", NULL, run_action);
  gtk_widget_class_install_action (widget_class, "registration.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "registration.save-report", NULL,
                                   save_report_action);
  gtk_widget_class_install_action (widget_class, "registration.revert", NULL, revert_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
evox_registration_panel_init (EvoxRegistrationPanel *self)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  self->energies = g_array_new (FALSE, FALSE, sizeof (double));
  self->excluded = g_array_new (FALSE, FALSE, sizeof (double));
  self->scale = EVOX_REGISTER_SCALE_FIT;
  self->last_fraction = NAN;
  self->run = evox_register_stack_async;
  self->finish = evox_register_stack_finish;

  gtk_widget_init_template (GTK_WIDGET (self));

  g_object_bind_property (self, "scale", self->scale_dropdown, "selected",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect_swapped (self->reference_dropdown, "notify::selected",
                            G_CALLBACK (on_reference_selected), self);
  g_signal_connect_swapped (self->all_columns_button, "toggled", G_CALLBACK (update_columns),
                            self);
  evox_plot_set_axes (self->shift_plot, _("Energy (eV)"), _("Shift (px)"));
  evox_plot_set_axes (self->ncc_plot, _("Energy (eV)"), _("NCC"));

  self->rows = g_list_store_new (EVOX_TYPE_REGISTRATION_ROW);
  add_columns (self);
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->rows)));
  gtk_column_view_set_model (self->table, GTK_SELECTION_MODEL (selection));

  rebuild_energy_lists (self);
  update_report (self);
  update_actions (self);
}

GtkWidget *
evox_registration_panel_new (void)
{
  return g_object_new (EVOX_TYPE_REGISTRATION_PANEL, NULL);
}
