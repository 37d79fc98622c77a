/* test-registration-ui.c: the Registration page and the canvas's Raw/Registered switch, with a
 * hand-made registration whose every number is known (tests/evox-test-registration.h): the table,
 * the plot series and the flagged marks against the entries; runs through a stand-in runner
 * (options passed, progress, cancel, a result for a stack no longer open dropped, errors shown);
 * one run of evox_register_stack itself on a small synthetic stack. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "evox-canvas.h"
#include "evox-document.h"
#include "evox-overlays.h"
#include "evox-plot.h"
#include "evox-registration-panel.h"
#include "evox-test-registration.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-spectrum-panel.h"
#include "evox-ui-util.h"
#include "evox-window.h"

/* Table columns, in the page's order. */
enum
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
};

/* The stand-in for evox_register_stack_async: records what it was asked, then answers with the
 * hand-made registration's numbers for the stack it was given, fails, or waits to be cancelled
 * or released. */
typedef struct
{
  guint             calls;
  double            reference_ev;
  EvoxRegisterScale scale;
  GArray           *exclude;
  gboolean          fail;
  gboolean          block;
  gint              release;       /* atomic */
  gint              cancelled;     /* atomic: the worker saw its cancellable go */
  gint              running;       /* atomic: workers that have not returned yet */
  guint             finished;      /* runs whose result the panel collected */
  EvoxRegistration *template;
} Fake;

static Fake fake;

/* A check for evox_test_wait_for: no worker reads `fake` any more, so it may be reset. */
static gboolean
fake_idle (gpointer unused)
{
  return g_atomic_int_get (&fake.running) == 0;
}

static void
fake_reset (EvoxRegistration *template)
{
  /* A worker that was released or cancelled may still be reading the template. */
  g_assert_true (evox_test_wait_for (fake_idle, NULL, 60));
  g_clear_pointer (&fake.exclude, g_array_unref);
  g_clear_object (&fake.template);
  memset (&fake, 0, sizeof fake);
  fake.exclude = g_array_new (FALSE, FALSE, sizeof (double));
  fake.template = template != NULL ? g_object_ref (template) : NULL;
}

static void
fake_work (GTask        *task,
           gpointer      source,
           gpointer      task_data,
           GCancellable *cancellable)
{
  EvoxVolume *raw = task_data;
  EvoxProgress *progress = g_object_get_data (G_OBJECT (task), "progress");
  EvoxRegistrationEntry entries[EVOX_TEST_REG_N];
  guint n = evox_registration_get_n_entries (fake.template);

  evox_progress_update (progress, 0.5);
  while (fake.block && !g_atomic_int_get (&fake.release))
    {
      if (g_cancellable_is_cancelled (cancellable))
        {
          g_atomic_int_set (&fake.cancelled, 1);
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
          return;
        }
      g_usleep (5000);
    }
  for (guint i = 0; i < n; i++)
    entries[i] = *evox_registration_get_entry (fake.template, i);
  evox_progress_update (progress, 1);
  g_task_return_pointer (task,
                         evox_registration_new (raw,
                                                evox_registration_get_registered (fake.template),
                                                entries, n, "fit"),
                         g_object_unref);
}

static void
fake_worker (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  fake_work (task, source, task_data, cancellable);
  g_atomic_int_add (&fake.running, -1);
}

static void
fake_run (EvoxVolume                *raw,
          const EvoxRegisterOptions *options,
          EvoxProgress              *progress,
          GCancellable              *cancellable,
          GAsyncReadyCallback        callback,
          gpointer                   user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  fake.calls++;
  fake.reference_ev = options->reference_ev;
  fake.scale = options->scale;
  g_array_set_size (fake.exclude, 0);
  g_array_append_vals (fake.exclude, options->exclude_ev, options->n_exclude);
  if (fake.fail)
    {
      g_task_return_new_error (task, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                               "no channel has the reference energy %.1f eV",
                               options->reference_ev);
      return;
    }
  g_task_set_task_data (task, g_object_ref (raw), g_object_unref);
  g_object_set_data_full (G_OBJECT (task), "progress", evox_progress_ref (progress),
                          (GDestroyNotify) evox_progress_unref);
  g_atomic_int_inc (&fake.running);
  g_task_run_in_thread (task, fake_worker);
}

static EvoxRegistration *
fake_finish (GAsyncResult  *result,
             GError       **error)
{
  fake.finished++;
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* A check for evox_test_wait_for: the panel's callback has run for every run started (it
 * collects the result even of a run it drops). */
static gboolean
fake_delivered (gpointer unused)
{
  return fake.finished == fake.calls;
}

typedef struct
{
  EvoxDocument          *document;
  EvoxVolume            *raw;
  EvoxRegistration      *registration;
  EvoxRegistrationPanel *panel;
  GtkWidget             *window;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  fixture->registration = evox_test_registration_new (24, 20, 5, &fixture->raw);
  fake_reset (fixture->registration);
  fixture->document = evox_document_new ();
  evox_document_set_volume (fixture->document, fixture->raw, "stack", NULL);
  fixture->panel = EVOX_REGISTRATION_PANEL (evox_registration_panel_new ());
  _evox_registration_panel_set_runner (fixture->panel, fake_run, fake_finish);
  evox_registration_panel_set_document (fixture->panel, fixture->document);

  fixture->window = evox_test_panel_window_new (GTK_WIDGET (fixture->panel), 420, 1000);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_assert_finalize_object (fixture->window);
  /* A run the panel cancelled holds them until its worker stops. */
  evox_test_assert_released (fixture->document);
  g_clear_object (&fixture->registration);
  fake_reset (NULL);
  evox_test_assert_released (fixture->raw);
}

static gboolean
action_enabled (gpointer    widget,
                const char *name)
{
  GtkWidget *button = NULL;
  gboolean enabled = FALSE;

  /* The action's state as a button bound to it sees it. */
  button = gtk_button_new ();
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), name);
  gtk_widget_set_parent (button, widget);
  enabled = gtk_widget_get_sensitive (button);
  gtk_widget_unparent (button);
  return enabled;
}

static guint
n_exclude_rows (EvoxRegistrationPanel *panel)
{
  guint n = 0;

  for (GtkWidget *row = gtk_widget_get_first_child (
         GTK_WIDGET (evox_registration_panel_get_exclude_list (panel)));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    n += GTK_IS_LIST_BOX_ROW (row);
  return n;
}

static GtkCheckButton *
exclude_check (EvoxRegistrationPanel *panel,
               guint                  index)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (
    evox_registration_panel_get_exclude_list (panel), (int) index);

  return GTK_CHECK_BUTTON (gtk_list_box_row_get_child (row));
}

/* Sensitive only for a stack of energies; the lists hold its energies, the highest the
 * reference, which cannot be left out. */
static void
test_sensitivity (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) plain = evox_volume_new (8, 8, 1, 2, EVOX_SAMPLE_U8, &error);
  GtkDropDown *reference;

  g_assert_no_error (error);
  g_assert_true (action_enabled (fixture->panel, "registration.run"));
  g_assert_false (action_enabled (fixture->panel, "registration.cancel"));
  g_assert_false (action_enabled (fixture->panel, "registration.revert"));
  g_assert_false (action_enabled (fixture->panel, "registration.save-report"));
  g_assert_cmpuint (n_exclude_rows (fixture->panel), ==, EVOX_TEST_REG_N);
  reference = GTK_DROP_DOWN (evox_test_find_descendant (GTK_WIDGET (fixture->panel),
                                                        GTK_TYPE_DROP_DOWN));
  g_assert_cmpuint (gtk_drop_down_get_selected (reference), ==, EVOX_TEST_REG_N - 1);
  g_assert_false (gtk_widget_get_sensitive (
                    GTK_WIDGET (exclude_check (fixture->panel, EVOX_TEST_REG_N - 1))));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (exclude_check (fixture->panel, 0))));

  /* Two channels without energies: nothing to register. */
  evox_volume_freeze (plain);
  evox_document_set_volume (fixture->document, plain, "plain", NULL);
  g_assert_false (action_enabled (fixture->panel, "registration.run"));
  g_assert_cmpuint (n_exclude_rows (fixture->panel), ==, 0);
  evox_document_set_volume (fixture->document, fixture->raw, "stack", NULL);
  g_assert_true (action_enabled (fixture->panel, "registration.run"));

  /* Choosing another reference frees the highest and locks the chosen one. */
  gtk_check_button_set_active (exclude_check (fixture->panel, 0), TRUE);
  g_assert_true (evox_registration_panel_get_excluded (fixture->panel, 7700));
  gtk_drop_down_set_selected (reference, 0);
  g_assert_cmpfloat (({ double r; g_object_get (fixture->panel, "reference-ev", &r, NULL); r; }),
                     ==, 7700);
  g_assert_false (evox_registration_panel_get_excluded (fixture->panel, 7700));
  g_assert_false (gtk_check_button_get_active (exclude_check (fixture->panel, 0)));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (exclude_check (fixture->panel, 0))));
  g_assert_true (gtk_widget_get_sensitive (
                   GTK_WIDGET (exclude_check (fixture->panel, EVOX_TEST_REG_N - 1))));
}

/* What a cell should read: the entry's number to the digits the page promises, "–" for what an
 * energy left out does not have. */
static char *
expected_cell (const EvoxRegistrationEntry *e,
               guint                        column)
{
  if (e->excluded && column != COLUMN_ENERGY && column != COLUMN_NCC_BEFORE)
    return g_strdup ("–");
  switch (column)
    {
    case COLUMN_ENERGY: return g_strdup_printf ("%.6g", e->energy_ev);
    case COLUMN_SHIFT_X: return g_strdup_printf ("%+.2f", e->shift[0]);
    case COLUMN_SHIFT_Y: return g_strdup_printf ("%+.2f", e->shift[1]);
    case COLUMN_SCALE: return g_strdup_printf ("%.4f", e->scale);
    case COLUMN_NCC_BEFORE: return g_strdup_printf ("%.3f", e->ncc_before);
    case COLUMN_NCC_AFTER: return g_strdup_printf ("%.3f", e->ncc_after);
    case COLUMN_RESIDUAL: return g_strdup_printf ("%.3f", e->residual_px);
    default: g_assert_not_reached ();
    }
}

/* The report of a hand-made registration: a row per energy with its numbers, the shift and NCC
 * series against energy, the flagged energy marked, Revert. */
static void
test_report (Fixture       *fixture,
             gconstpointer  user_data)
{
  EvoxPlot *shift_plot = EVOX_PLOT (evox_registration_panel_get_shift_plot (fixture->panel));
  EvoxPlot *ncc_plot = EVOX_PLOT (evox_registration_panel_get_ncc_plot (fixture->panel));
  GtkColumnView *table = evox_registration_panel_get_table (fixture->panel);
  g_autoptr(GtkColumnViewColumn) z_column = NULL;
  const double *x, *y;
  guint n;

  g_assert_false (evox_plot_has_data (shift_plot));
  g_assert_true (evox_document_set_registration (fixture->document, fixture->registration));
  g_assert_true (action_enabled (fixture->panel, "registration.revert"));
  g_assert_true (action_enabled (fixture->panel, "registration.save-report"));

  g_assert_cmpuint (g_list_model_get_n_items (
                      G_LIST_MODEL (gtk_column_view_get_model (table))), ==, EVOX_TEST_REG_N);
  for (guint i = 0; i < EVOX_TEST_REG_N; i++)
    {
      const EvoxRegistrationEntry *e = evox_registration_get_entry (fixture->registration, i);
      guint columns[] = { COLUMN_ENERGY, COLUMN_SHIFT_X, COLUMN_SHIFT_Y, COLUMN_SCALE,
                          COLUMN_NCC_BEFORE, COLUMN_NCC_AFTER, COLUMN_RESIDUAL };
      g_autofree char *flag = evox_registration_panel_dup_cell (fixture->panel, i, COLUMN_FLAG);

      for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
        {
          g_autofree char *cell = evox_registration_panel_dup_cell (fixture->panel, i,
                                                                    columns[c]);
          g_autofree char *expected = expected_cell (e, columns[c]);

          g_assert_cmpstr (cell, ==, expected);
        }
      if (i == EVOX_TEST_REG_FLAGGED)
        g_assert_nonnull (strstr (flag, "off trend"));
      else if (i == EVOX_TEST_REG_EXCLUDED)
        g_assert_cmpstr (flag, ==, "left out");
      else if (i == EVOX_TEST_REG_N - 1)
        g_assert_cmpstr (flag, ==, "reference");
      else
        g_assert_cmpstr (flag, ==, "");
    }
  {
    g_autofree char *cell = evox_registration_panel_dup_cell (fixture->panel, 2, COLUMN_SHIFT_X);
    g_assert_cmpstr (cell, ==, "+4.00");
  }
  /* A 2D stack: no z column. */
  z_column = g_list_model_get_item (gtk_column_view_get_columns (table), COLUMN_SHIFT_Z);
  g_assert_false (gtk_column_view_column_get_visible (z_column));

  /* Shift plot: |shift|, x, y, then the flagged dots on |shift|, over the energies registered
   * (the one left out has no shift); NCC before over every energy, after over those. */
  g_assert_cmpuint (evox_plot_get_n_lines (shift_plot), ==, 4);
  g_assert_cmpuint (evox_plot_get_n_lines (ncc_plot), ==, 2);
  for (guint line = 0; line < 4; line++)
    {
      guint k = 0;

      y = evox_plot_get_line (shift_plot, line, &x, &n);
      g_assert_cmpuint (n, ==, EVOX_TEST_REG_N - 1);
      for (guint i = 0; i < EVOX_TEST_REG_N; i++)
        {
          const double *s = evox_test_reg_shifts[i];

          if (i == EVOX_TEST_REG_EXCLUDED)
            continue;
          g_assert_cmpfloat (x[k], ==, evox_test_reg_energies[i]);
          if (line == 0)
            g_assert_cmpfloat_with_epsilon (y[k], hypot (s[0], s[1]), 1e-12);
          else if (line <= 2)
            g_assert_cmpfloat (y[k], ==, s[line - 1]);
          else if (i == EVOX_TEST_REG_FLAGGED)
            g_assert_cmpfloat (y[k], ==, 5);  /* |(4, 3)| */
          else
            g_assert_true (isnan (y[k]));
          k++;
        }
    }
  y = evox_plot_get_line (ncc_plot, 0, &x, &n);
  g_assert_cmpuint (n, ==, EVOX_TEST_REG_N);
  for (guint i = 0; i < n; i++)
    g_assert_cmpfloat (y[i], ==, evox_registration_get_entry (fixture->registration,
                                                              i)->ncc_before);
  y = evox_plot_get_line (ncc_plot, 1, &x, &n);
  g_assert_cmpuint (n, ==, EVOX_TEST_REG_N - 1);
  for (guint i = 0, k = 0; i < EVOX_TEST_REG_N; i++)
    if (i != EVOX_TEST_REG_EXCLUDED)
      {
        g_assert_cmpfloat (x[k], ==, evox_test_reg_energies[i]);
        g_assert_cmpfloat (y[k], ==, evox_registration_get_entry (fixture->registration,
                                                                  i)->ncc_after);
        k++;
      }
  /* Worked by hand from evox-test-registration.h: residuals 0.01 (c + 1) px, the largest of an
   * energy registered onto another 0.04 px at 7740 eV; 7712.5 eV left out, 7725 eV flagged. */
  g_assert_cmpstr (evox_registration_panel_get_summary (fixture->panel), ==,
                   "4 of 5 energies registered onto 7800 eV (scale: fit). Left out: 7712.5 eV.\n"
                   "Every residual shift is within the 0.1 px goal (largest 0.040 px, at "
                   "7740 eV).\n"
                   "Off the trend of their neighbours (shift more than 3 MADs away): 7725 eV.");

  /* Revert: back to the raw stack, the report goes. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "registration.revert",
                                             NULL));
  g_assert_null (evox_document_get_registration (fixture->document));
  g_assert_true (evox_document_get_volume (fixture->document) == fixture->raw);
  g_assert_false (evox_plot_has_data (shift_plot));
  g_assert_cmpuint (g_list_model_get_n_items (
                      G_LIST_MODEL (gtk_column_view_get_model (table))), ==, 0);
}

/* Energies read as everywhere else in the window ("7800 eV", the display page's slider and the
 * Spectra page): the lists, the table, the summary and the plots' readout. The stack's channels
 * are labelled "7800.0 eV", as the spectral readers label them. */
static void
test_energy_format (Fixture       *fixture,
                    gconstpointer  user_data)
{
  static const char *expected[EVOX_TEST_REG_N] = {
    "7700 eV", "7712.5 eV", "7725 eV", "7740 eV", "7800 eV",
  };
  GtkDropDown *reference = GTK_DROP_DOWN (evox_test_find_descendant (GTK_WIDGET (fixture->panel),
                                                                     GTK_TYPE_DROP_DOWN));
  GListModel *items = gtk_drop_down_get_model (reference);
  EvoxPlot *ncc_plot = EVOX_PLOT (evox_registration_panel_get_ncc_plot (fixture->panel));
  const double *x, *y;
  double px, py;
  guint n;
  g_autofree char *readout = NULL;

  g_assert_cmpuint (g_list_model_get_n_items (items), ==, EVOX_TEST_REG_N);
  for (guint i = 0; i < EVOX_TEST_REG_N; i++)
    {
      g_autofree char *described = _evox_describe_channel (fixture->raw, i);

      g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (items), i), ==, expected[i]);
      g_assert_cmpstr (gtk_check_button_get_label (exclude_check (fixture->panel, i)), ==,
                       expected[i]);
      g_assert_cmpstr (described, ==, expected[i]);
    }

  g_assert_true (evox_document_set_registration (fixture->document, fixture->registration));
  for (guint i = 0; i < EVOX_TEST_REG_N; i++)
    {
      g_autofree char *cell = evox_registration_panel_dup_cell (fixture->panel, i, COLUMN_ENERGY);
      g_autofree char *with_unit = g_strdup_printf ("%s eV", cell);

      g_assert_cmpstr (with_unit, ==, expected[i]);
    }
  g_assert_nonnull (strstr (evox_registration_panel_get_summary (fixture->panel),
                            "onto 7800 eV"));
  g_assert_null (strstr (evox_registration_panel_get_summary (fixture->panel), ".0 eV"));

  /* The NCC-before point of 7712.5 eV (the energy left out) reads its energy whole. */
  g_assert_true (evox_test_wait_for (evox_test_is_drawn, ncc_plot, 60));
  y = evox_plot_get_line (ncc_plot, 0, &x, &n);
  g_assert_cmpfloat (x[EVOX_TEST_REG_EXCLUDED], ==, 7712.5);
  g_assert_true (evox_plot_data_to_widget (ncc_plot, x[EVOX_TEST_REG_EXCLUDED],
                                           y[EVOX_TEST_REG_EXCLUDED], &px, &py));
  readout = evox_plot_dup_readout (ncc_plot, px, py);
  g_assert_nonnull (readout);
  g_assert_nonnull (strstr (readout, "Energy (eV) = 7712.5\n"));
}

static gboolean
scrolls (GtkWidget      *widget,
         GtkOrientation  orientation)
{
  GtkScrolledWindow *window = GTK_SCROLLED_WINDOW (
    gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW));
  GtkAdjustment *adjustment = orientation == GTK_ORIENTATION_HORIZONTAL
                              ? gtk_scrolled_window_get_hadjustment (window)
                              : gtk_scrolled_window_get_vadjustment (window);

  return gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment) > 0.5;
}

static double
y_in (GtkWidget *widget,
      GtkWidget *ancestor)
{
  graphene_point_t point;

  g_assert_true (gtk_widget_compute_point (widget, ancestor, &GRAPHENE_POINT_INIT (0, 0),
                                           &point));
  return point.y;
}

/* The page as the window's side panel holds it at 1280 x 800 (436 px wide, in a scrolled window
 * shorter than the page): after a run the report comes first, the short table fits whole (no
 * scrolling either way), the Leave-out list still shows all 5 energies, and All Columns adds the
 * raw images' NCC, the MIs and the scale. */
static void
test_layout (void)
{
  g_autoptr(EvoxVolume) raw = NULL;
  g_autoptr(EvoxRegistration) registration = evox_test_registration_new (24, 20, 5, &raw);
  g_autoptr(EvoxDocument) document = evox_document_new ();
  GtkWidget *panel = evox_registration_panel_new ();
  GtkWidget *window = g_object_ref_sink (gtk_window_new ());
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkColumnView *table = evox_registration_panel_get_table (EVOX_REGISTRATION_PANEL (panel));
  GtkWidget *list = GTK_WIDGET (evox_registration_panel_get_exclude_list (
                                  EVOX_REGISTRATION_PANEL (panel)));
  GtkWidget *reference = evox_test_find_descendant (panel, GTK_TYPE_DROP_DOWN);
  GtkWidget *list_window = gtk_widget_get_ancestor (list, GTK_TYPE_SCROLLED_WINDOW);
  GtkWidget *all_columns = NULL;
  GListModel *columns = gtk_column_view_get_columns (table);
  guint visible = 0;
  int natural;

  evox_document_set_volume (document, raw, "stack", NULL);
  evox_registration_panel_set_document (EVOX_REGISTRATION_PANEL (panel), document);
  gtk_widget_set_margin_start (panel, 12);
  gtk_widget_set_margin_end (panel, 12);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), panel);
  gtk_window_set_child (GTK_WINDOW (window), scrolled);
  gtk_window_set_default_size (GTK_WINDOW (window), 460, 360);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (evox_test_wait_for (evox_test_is_drawn, panel, 60));

  g_assert_true (evox_document_set_registration (document, registration));
  evox_test_wait_painted (GTK_WIDGET (window));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (table)), <=, 436);
  /* The page is taller than its window: the inner lists are where they could shrink. */
  g_assert_true (scrolls (panel, GTK_ORIENTATION_VERTICAL));
  g_assert_false (scrolls (GTK_WIDGET (table), GTK_ORIENTATION_HORIZONTAL));
  g_assert_false (scrolls (GTK_WIDGET (table), GTK_ORIENTATION_VERTICAL));
  gtk_widget_measure (list, GTK_ORIENTATION_VERTICAL, -1, NULL, &natural, NULL, NULL);
  g_assert_cmpint (gtk_widget_get_height (list_window), >=, natural);
  g_assert_false (scrolls (list, GTK_ORIENTATION_VERTICAL));
  g_assert_cmpfloat (y_in (GTK_WIDGET (table), panel), <, y_in (reference, panel));

  for (guint c = 0; c < g_list_model_get_n_items (columns); c++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, c);

      visible += gtk_column_view_column_get_visible (column);
    }
  g_assert_cmpuint (visible, ==, 6);  /* E, x, y, NCC after, residual, flag */
  for (GtkWidget *w = gtk_widget_get_first_child (gtk_widget_get_parent (
                        gtk_widget_get_parent (GTK_WIDGET (table))));
       w != NULL && all_columns == NULL; w = gtk_widget_get_next_sibling (w))
    all_columns = evox_test_find_descendant (w, GTK_TYPE_TOGGLE_BUTTON);
  g_assert_nonnull (all_columns);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (all_columns), TRUE);
  visible = 0;
  for (guint c = 0; c < g_list_model_get_n_items (columns); c++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, c);

      visible += gtk_column_view_column_get_visible (column);
    }
  g_assert_cmpuint (visible, ==, 10);  /* all but z of a 2D stack */

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

/* A registration of the fixture's stack with its entries changed by `edit`. */
static EvoxRegistration *
edited_registration (Fixture *fixture,
                     void   (*edit) (EvoxRegistrationEntry *entries))
{
  EvoxRegistrationEntry entries[EVOX_TEST_REG_N];

  for (guint i = 0; i < EVOX_TEST_REG_N; i++)
    entries[i] = *evox_registration_get_entry (fixture->registration, i);
  edit (entries);
  return evox_registration_new (fixture->raw,
                                evox_registration_get_registered (fixture->registration),
                                entries, EVOX_TEST_REG_N, "energy");
}

/* Two energies over the goal (0.1 px counts as over, as the command line warns from it). */
static void
edit_over_goal (EvoxRegistrationEntry *entries)
{
  entries[0].residual_px = 0.35;
  entries[3].residual_px = 0.1;
  entries[EVOX_TEST_REG_FLAGGED].flagged = FALSE;
}

/* Three registered (the reference among them): too few for the trend check. */
static void
edit_three (EvoxRegistrationEntry *entries)
{
  entries[0].excluded = TRUE;
  entries[0].residual_px = NAN;
  entries[EVOX_TEST_REG_FLAGGED].flagged = FALSE;
  entries[EVOX_TEST_REG_FLAGGED].residual_px = 0.292;
}

/* The summary says what must be known before trusting the stack, a line each: residuals against
 * the 0.1 px goal naming the energies over it, and flags or why there can be none. The table
 * marks a residual over the goal. */
static void
test_summary (Fixture       *fixture,
              gconstpointer  user_data)
{
  g_autoptr(EvoxRegistration) over = edited_registration (fixture, edit_over_goal);
  g_autoptr(EvoxRegistration) three = edited_registration (fixture, edit_three);

  g_assert_true (evox_document_set_registration (fixture->document, over));
  g_assert_cmpstr (evox_registration_panel_get_summary (fixture->panel), ==,
                   "4 of 5 energies registered onto 7800 eV (scale: energy). Left out: "
                   "7712.5 eV.\n"
                   "Residual shift over the 0.1 px goal at 2 energies: 7700 eV (0.350 px), "
                   "7740 eV (0.100 px): check them, or leave them out.\n"
                   "No energy is off the trend of its neighbours.");
  /* The table says it too, beside the residual. */
  for (guint i = 0; i < EVOX_TEST_REG_N; i++)
    {
      g_autofree char *flag = evox_registration_panel_dup_cell (fixture->panel, i, COLUMN_FLAG);

      g_assert_cmpstr (flag, ==, i == 0 || i == 3 ? "⚠ residual"
                                 : i == EVOX_TEST_REG_EXCLUDED ? "left out"
                                 : i == EVOX_TEST_REG_N - 1 ? "reference" : "");
    }

  g_assert_true (evox_document_set_registration (fixture->document, three));
  g_assert_cmpstr (evox_registration_panel_get_summary (fixture->panel), ==,
                   "3 of 5 energies registered onto 7800 eV (scale: energy). Left out: 7700 eV, "
                   "7712.5 eV.\n"
                   "Residual shift over the 0.1 px goal at 7725 eV (0.292 px): check it, or leave "
                   "it out.\n"
                   "No energy can be flagged as off the trend: that takes 4 or more energies "
                   "registered, and there are 3.");
}

/* A 3D stack: the z shifts get a column and a line. */
static void
test_report_3d (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(EvoxVolume) raw = NULL;
  g_autoptr(EvoxRegistration) registration = evox_test_registration_new_3d (12, 10, 4, 0, &raw);
  EvoxPlot *shift_plot = EVOX_PLOT (evox_registration_panel_get_shift_plot (fixture->panel));
  GtkColumnView *table = evox_registration_panel_get_table (fixture->panel);
  g_autoptr(GtkColumnViewColumn) z_column = NULL;
  g_autofree char *cell = NULL;
  const double *y;
  guint n;

  evox_document_set_volume (fixture->document, raw, "3D stack", NULL);
  g_assert_true (evox_document_set_registration (fixture->document, registration));
  z_column = g_list_model_get_item (gtk_column_view_get_columns (table), COLUMN_SHIFT_Z);
  g_assert_true (gtk_column_view_column_get_visible (z_column));
  cell = evox_registration_panel_dup_cell (fixture->panel, 3, COLUMN_SHIFT_Z);
  g_assert_cmpstr (cell, ==, "+1.50");
  /* |shift|, x, y, z, flagged. */
  g_assert_cmpuint (evox_plot_get_n_lines (shift_plot), ==, 5);
  y = evox_plot_get_line (shift_plot, 3, NULL, &n);
  g_assert_cmpuint (n, ==, EVOX_TEST_REG_N - 1);
  g_assert_cmpfloat (y[2], ==, 1.5);  /* the 4th energy, 3rd registered: 0.5 x 3 */
  y = evox_plot_get_line (shift_plot, 0, NULL, &n);
  g_assert_cmpfloat_with_epsilon (y[1], sqrt (16 + 9 + 1), 1e-12);
  evox_document_set_volume (fixture->document, fixture->raw, "stack", NULL);
}

static gboolean
not_busy (gpointer panel)
{
  return !evox_registration_panel_is_busy (panel);
}

/* Run hands the reference, exclusions and scale to the worker, shows progress, and puts the
 * result in the document. */
static void
test_run (Fixture       *fixture,
          gconstpointer  user_data)
{
  EvoxRegistration *result;

  g_object_set (fixture->panel, "reference-ev", 7740.0, "scale", EVOX_REGISTER_SCALE_ENERGY,
                NULL);
  gtk_check_button_set_active (exclude_check (fixture->panel, 1), TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "registration.run",
                                             NULL));
  g_assert_true (evox_registration_panel_is_busy (fixture->panel));
  g_assert_true (action_enabled (fixture->panel, "registration.cancel"));
  g_assert_false (action_enabled (fixture->panel, "registration.run"));
  g_assert_true (evox_test_wait_for (not_busy, fixture->panel, 60));
  g_assert_cmpuint (fake.calls, ==, 1);
  g_assert_cmpfloat (fake.reference_ev, ==, 7740);
  g_assert_cmpint (fake.scale, ==, EVOX_REGISTER_SCALE_ENERGY);
  g_assert_cmpuint (fake.exclude->len, ==, 1);
  g_assert_cmpfloat (g_array_index (fake.exclude, double, 0), ==, 7712.5);
  g_assert_cmpfloat (evox_registration_panel_get_last_fraction (fixture->panel), ==, 1);
  g_assert_null (evox_registration_panel_get_error (fixture->panel));
  result = evox_document_get_registration (fixture->document);
  g_assert_nonnull (result);
  g_assert_true (evox_registration_get_raw (result) == fixture->raw);
  g_assert_true (evox_document_get_volume (fixture->document) ==
                 evox_registration_get_registered (result));

  /* The settings stay for the next run; running again replaces the registration. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "registration.run",
                                             NULL));
  g_assert_true (evox_test_wait_for (not_busy, fixture->panel, 60));
  g_assert_cmpuint (fake.calls, ==, 2);
  g_assert_cmpfloat (fake.reference_ev, ==, 7740);
  g_assert_true (evox_document_get_registration (fixture->document) != result);
}

static gboolean
fake_cancelled (gpointer data)
{
  return g_atomic_int_get (&fake.cancelled);
}

/* Cancel, and another file opened during a run: the document stays as it was. */
static void
test_cancel (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autoptr(EvoxRegistration) other = NULL;
  g_autoptr(EvoxVolume) other_raw = NULL;

  fake.block = TRUE;
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "registration.run",
                                             NULL));
  g_assert_true (evox_registration_panel_is_busy (fixture->panel));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel),
                                             "registration.cancel", NULL));
  g_assert_false (evox_registration_panel_is_busy (fixture->panel));
  g_assert_true (evox_test_wait_for (fake_delivered, NULL, 60));
  g_assert_true (fake_cancelled (NULL));
  g_assert_null (evox_document_get_registration (fixture->document));
  g_assert_true (evox_document_get_volume (fixture->document) == fixture->raw);
  g_assert_null (evox_registration_panel_get_error (fixture->panel));

  /* A run whose stack is replaced meanwhile is dropped, even if it finishes. */
  g_atomic_int_set (&fake.cancelled, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "registration.run",
                                             NULL));
  other = evox_test_registration_new (16, 16, 0, &other_raw);
  evox_document_set_volume (fixture->document, other_raw, "other", NULL);
  g_assert_false (evox_registration_panel_is_busy (fixture->panel));
  g_atomic_int_set (&fake.release, 1);
  g_assert_true (evox_test_wait_for (fake_delivered, NULL, 60));
  g_assert_null (evox_document_get_registration (fixture->document));
  g_assert_true (evox_document_get_volume (fixture->document) == other_raw);

  /* Switching between raw and registered is not another stack: the run goes on. */
  evox_document_set_volume (fixture->document, fixture->raw, "stack", NULL);
  g_assert_true (evox_document_set_registration (fixture->document, fixture->registration));
  g_atomic_int_set (&fake.release, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "registration.run",
                                             NULL));
  evox_document_set_registration_view (fixture->document, EVOX_REGISTRATION_VIEW_RAW);
  g_assert_true (evox_registration_panel_is_busy (fixture->panel));
  g_atomic_int_set (&fake.release, 1);
  g_assert_true (evox_test_wait_for (not_busy, fixture->panel, 60));
  g_assert_true (evox_document_get_registration (fixture->document) != fixture->registration);
  g_assert_cmpint (evox_document_get_registration_view (fixture->document), ==,
                   EVOX_REGISTRATION_VIEW_REGISTERED);
}

/* A refused run shows why in the page; the document keeps its registration and volume. */
static void
test_error (Fixture       *fixture,
            gconstpointer  user_data)
{
  EvoxVolume *shown;

  g_assert_true (evox_document_set_registration (fixture->document, fixture->registration));
  shown = evox_document_get_volume (fixture->document);
  fake.fail = TRUE;
  g_object_set (fixture->panel, "reference-ev", 1234.0, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "registration.run",
                                             NULL));
  g_assert_true (evox_test_wait_for (not_busy, fixture->panel, 60));
  g_assert_nonnull (evox_registration_panel_get_error (fixture->panel));
  g_assert_nonnull (strstr (evox_registration_panel_get_error (fixture->panel),
                            "reference energy 1234.0 eV"));
  g_assert_true (evox_document_get_registration (fixture->document) == fixture->registration);
  g_assert_true (evox_document_get_volume (fixture->document) == shown);
  evox_test_wait_painted (fixture->window);
  evox_test_screenshot (fixture->window, "registration-error");
}

/* Save Report writes the document's registration as CSV, a row per energy; nothing to write
 * without one. */
static void
test_save_report (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "qc.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  g_assert_false (evox_registration_panel_save_report (fixture->panel, path, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  g_assert_true (evox_document_set_registration (fixture->document, fixture->registration));
  g_assert_true (evox_registration_panel_save_report (fixture->panel, path, FALSE, &error));
  g_assert_no_error (error);
  rows = evox_test_csv_read (path);
  g_assert_cmpuint (rows->len, ==, 1 + EVOX_TEST_REG_N);
  for (guint i = 0; i < EVOX_TEST_REG_N; i++)
    {
      char **header = g_ptr_array_index (rows, 0);

      g_assert_cmpstr (header[0], ==, "energy_ev");
      g_assert_cmpfloat (evox_test_csv_double (rows, 1 + i, 0), ==, evox_test_reg_energies[i]);
    }
  /* An existing file is not replaced without being told. */
  g_assert_false (evox_registration_panel_save_report (fixture->panel, path, FALSE, &error));
  g_assert_nonnull (error);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The save dialog of the panels (_evox_save_chooser_new), answered as a user would: Accept saves
 * to the chosen path and the window shows it saved; a failure goes to the panel's error line as
 * "Could not save PATH: why"; Cancel saves nothing; each dialog goes once answered. */
typedef struct
{
  guint    saves;
  char    *path;
  char    *error;
  gboolean fail;
} SaveRecord;

static gboolean
record_save (GtkWidget   *owner,
             const char  *path,
             gpointer     user_data,
             GError     **error)
{
  SaveRecord *record = user_data;

  record->saves++;
  g_free (record->path);
  record->path = g_strdup (path);
  if (record->fail)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "no room");
      return FALSE;
    }
  return evox_registration_panel_save_report (EVOX_REGISTRATION_PANEL (owner), path, TRUE,
                                              error);
}

static SaveRecord *save_record;

static void
record_error (GtkWidget  *owner,
              const char *message)
{
  g_free (save_record->error);
  save_record->error = g_strdup (message);
}

static gboolean
weak_ref_gone (gpointer data)
{
  g_autoptr(GObject) object = g_weak_ref_get (data);

  return object == NULL;
}

static void
answer_save_chooser (GtkWidget  *owner,
                     const char *path,
                     int         response)
{
  GtkFileChooserNative *chooser =
    _evox_save_chooser_new (owner, "Save", "_Save", "report.csv", record_save, save_record,
                            "Could not save %s: %s", record_error);
  GWeakRef gone;

  g_weak_ref_init (&gone, chooser);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
  evox_test_answer_file_dialog (path, response);
  g_assert_true (evox_test_wait_for (weak_ref_gone, &gone, 60));
  g_weak_ref_clear (&gone);
}

static void
test_save_chooser (void)
{
  g_autoptr(EvoxVolume) raw = NULL;
  g_autoptr(EvoxRegistration) registration = evox_test_registration_new (24, 20, 5, &raw);
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  EvoxDocument *document = evox_window_get_document (window);
  GtkWidget *panel = evox_window_get_registration_panel (window);
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "qc.csv", NULL);
  g_autofree char *other = g_build_filename (dir, "other.csv", NULL);
  g_autofree char *expected = NULL;
  SaveRecord record = { 0 };
  g_autoptr(GPtrArray) rows = NULL;

  save_record = &record;
  gtk_window_present (GTK_WINDOW (window));
  evox_document_set_volume (document, raw, "XANES stack", NULL);
  g_assert_true (evox_document_set_registration (document, registration));

  answer_save_chooser (panel, path, GTK_RESPONSE_ACCEPT);
  g_assert_cmpuint (record.saves, ==, 1);
  g_assert_cmpstr (record.path, ==, path);
  g_assert_null (record.error);
  g_assert_cmpstr (evox_window_get_saved_path (window), ==, path);
  rows = evox_test_csv_read (path);
  g_assert_cmpuint (rows->len, ==, 1 + EVOX_TEST_REG_N);

  answer_save_chooser (panel, other, GTK_RESPONSE_CANCEL);
  g_assert_cmpuint (record.saves, ==, 1);
  g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));

  record.fail = TRUE;
  answer_save_chooser (panel, other, GTK_RESPONSE_ACCEPT);
  g_assert_cmpuint (record.saves, ==, 2);
  expected = g_strdup_printf ("Could not save %s: no room", other);
  g_assert_cmpstr (record.error, ==, expected);
  /* The window still shows the file saved before. */
  g_assert_cmpstr (evox_window_get_saved_path (window), ==, path);

  save_record = NULL;
  g_free (record.path);
  g_free (record.error);
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The window: the page is in the side stack, the Raw/Registered switch appears with a
 * registration and swaps the canvas's volume, which draws again; closing the window mid-run
 * cancels the run. */
typedef struct
{
  EvoxCanvas *canvas;
  guint       frames;
} FrameWait;

static gboolean
drew_again (gpointer data)
{
  FrameWait *wait = data;

  return evox_canvas_get_frames (wait->canvas) > wait->frames;
}

/* Clusters -> Make Phase on the registered stack, then Raw and back with the canvas's switch: the
 * raw stack without the registered grid's clusters, then the same derived volume again with its
 * Clusters channel shown, the clusters and the phase. */
static void
test_window_clusters (void)
{
  g_autoptr(EvoxVolume) raw = NULL;
  g_autoptr(EvoxRegistration) registration = evox_test_registration_new (64, 48, 5, &raw);
  g_autoptr(EvoxClusters) clusters = NULL;
  g_autoptr(GError) error = NULL;
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  EvoxDocument *document = evox_window_get_document (window);
  GtkToggleButton *raw_button = evox_window_get_registration_toggle (window, TRUE);
  GtkToggleButton *registered_button = evox_window_get_registration_toggle (window, FALSE);
  EvoxVolume *registered = evox_registration_get_registered (registration);
  EvoxVolume *derived;
  guint16 *ids = _evox_alloc_large (64 * 48 * sizeof (guint16));
  const gsize dims[3] = { 64, 48, 1 };
  guint clusters_channel;
  EvoxPhase *phase;

  for (gsize i = 0; i < 64 * 48; i++)
    ids[i] = i % 64 < 32 ? 1 : 2;
  clusters = evox_clusters_new_take (dims, ids, 2, 0, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  evox_document_set_volume (document, raw, "XANES stack", NULL);
  g_assert_true (evox_document_set_registration (document, registration));
  g_assert_true (evox_document_set_clusters (document, clusters));
  evox_window_show_page (window, "clusters");
  phase = evox_document_cluster_to_phase (document, 2, &error);
  g_assert_no_error (error);
  derived = evox_document_get_volume (document);
  g_assert_true (derived != registered);
  clusters_channel = evox_document_get_channel (document);
  g_assert_cmpstr (evox_volume_get_channel_label (derived, clusters_channel), ==,
                   EVOX_DOCUMENT_CLUSTER_CHANNEL);
  evox_test_wait_painted (GTK_WIDGET (window));
  evox_test_screenshot (GTK_WIDGET (window), "registration-clusters-phase");

  gtk_toggle_button_set_active (raw_button, TRUE);
  g_assert_true (evox_document_get_volume (document) == raw);
  g_assert_null (evox_document_get_clusters (document));
  evox_test_wait_painted (GTK_WIDGET (window));
  evox_test_screenshot (GTK_WIDGET (window), "registration-clusters-raw");

  gtk_toggle_button_set_active (registered_button, TRUE);
  g_assert_true (evox_document_get_volume (document) == derived);
  g_assert_true (evox_document_get_clusters (document) == clusters);
  g_assert_cmpuint (evox_document_get_channel (document), ==, clusters_channel);
  g_assert_true (evox_phase_list_find (evox_document_get_phases (document),
                                       evox_phase_get_name (phase)) >= 0);
  evox_window_show_page (window, "display");
  evox_test_wait_painted (GTK_WIDGET (window));
  evox_test_screenshot (GTK_WIDGET (window), "registration-clusters-back");

  evox_test_close_window (window);
}

static void
test_window (void)
{
  g_autoptr(EvoxVolume) raw = NULL;
  g_autoptr(EvoxRegistration) registration = evox_test_registration_new (64, 48, 5, &raw);
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxRegistrationPanel *panel;
  EvoxSpectrumPanel *spectra;
  GtkToggleButton *raw_button = evox_window_get_registration_toggle (window, TRUE);
  GtkToggleButton *registered_button = evox_window_get_registration_toggle (window, FALSE);
  GtkWidget *switch_box = gtk_widget_get_parent (GTK_WIDGET (raw_button));
  FrameWait wait = { EVOX_CANVAS (evox_window_get_canvas (window)), 0 };

  fake_reset (registration);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  evox_document_set_volume (document, raw, "XANES stack", NULL);
  evox_window_show_page (window, "registration");
  g_assert_cmpstr (evox_window_get_page (window), ==, "registration");
  panel = EVOX_REGISTRATION_PANEL (evox_window_get_registration_panel (window));
  g_assert_true (evox_registration_panel_get_document (panel) == document);
  g_assert_true (evox_test_wait_for (evox_test_is_drawn, panel, 60));
  g_assert_false (gtk_widget_get_visible (switch_box));

  g_assert_true (evox_document_set_registration (document, registration));
  g_assert_true (gtk_widget_get_visible (switch_box));
  g_assert_true (gtk_toggle_button_get_active (registered_button));
  g_assert_false (gtk_toggle_button_get_active (raw_button));
  g_assert_true (evox_test_wait_for (evox_test_is_drawn, switch_box, 60));
  evox_test_wait_painted (GTK_WIDGET (window));
  evox_test_screenshot (GTK_WIDGET (window), "registration-page");
  {
    /* The report, scrolled into view for the person looking at the screenshots. */
    GtkWidget *scrolled = gtk_widget_get_ancestor (GTK_WIDGET (panel),
                                                   GTK_TYPE_SCROLLED_WINDOW);
    GtkAdjustment *adjustment =
      gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));

    graphene_point_t at;

    g_assert_true (gtk_widget_compute_point (evox_registration_panel_get_shift_plot (panel),
                                             GTK_WIDGET (panel), &GRAPHENE_POINT_INIT (0, 0),
                                             &at));
    gtk_adjustment_set_value (adjustment, at.y - 80);
    evox_test_wait_painted (GTK_WIDGET (window));
    evox_test_screenshot (GTK_WIDGET (window), "registration-plots");
    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
    evox_test_wait_painted (GTK_WIDGET (window));
    evox_test_screenshot (GTK_WIDGET (window), "registration-report");
  }

  /* A spectrum pinned on the registered stack, named so. */
  spectra = EVOX_SPECTRUM_PANEL (evox_window_get_spectrum_panel (window));
  evox_spectrum_panel_pin_voxel (spectra, 32, 24, 0);
  g_assert_cmpuint (evox_spectrum_panel_get_n_pinned (spectra), ==, 1);
  g_assert_cmpstr (evox_spectrum_panel_get_pinned (spectra, 0)->label, ==,
                   "voxel (32, 24, 0) (registered)");

  /* Raw: the document shows the raw stack, and the canvas draws it. */
  wait.frames = evox_canvas_get_frames (wait.canvas);
  gtk_toggle_button_set_active (raw_button, TRUE);
  g_assert_false (gtk_toggle_button_get_active (registered_button));
  g_assert_cmpint (evox_document_get_registration_view (document), ==,
                   EVOX_REGISTRATION_VIEW_RAW);
  g_assert_true (evox_document_get_volume (document) == raw);
  g_assert_true (evox_test_wait_for (drew_again, &wait, 60));
  evox_test_screenshot (GTK_WIDGET (window), "registration-raw");
  /* The spectrum pinned on the registered stack stays, to compare with one of the raw stack: the
   * raw values there, as the file has them (the disc of 1000 or the background of 100). */
  g_assert_cmpuint (evox_spectrum_panel_get_n_pinned (spectra), ==, 1);
  /* Its mark is outlined over the registered stack only: the grids need not match. */
  g_assert_cmpuint (evox_canvas_get_n_boxes (wait.canvas), ==, 0);
  evox_spectrum_panel_pin_voxel (spectra, 32, 24, 0);
  g_assert_cmpuint (evox_spectrum_panel_get_n_pinned (spectra), ==, 2);
  g_assert_cmpuint (evox_canvas_get_n_boxes (wait.canvas), ==, 1);
  g_assert_cmpstr (evox_spectrum_panel_get_pinned (spectra, 1)->label, ==,
                   "voxel (32, 24, 0) (raw)");
  g_assert_cmpuint (evox_spectrum_panel_get_pinned (spectra, 1)->n_points, ==, EVOX_TEST_REG_N);
  for (guint c = 0; c < EVOX_TEST_REG_N; c++)
    g_assert_cmpfloat (evox_spectrum_panel_get_pinned (spectra, 1)->points[c].mean, ==,
                       *((const guint16 *) evox_volume_get_data (raw, c) + 32 + 64 * 24));

  /* And back, from the document's side too. */
  wait.frames = evox_canvas_get_frames (wait.canvas);
  gtk_toggle_button_set_active (registered_button, TRUE);
  g_assert_true (evox_document_get_volume (document) ==
                 evox_registration_get_registered (registration));
  g_assert_true (evox_test_wait_for (drew_again, &wait, 60));
  evox_document_set_registration_view (document, EVOX_REGISTRATION_VIEW_RAW);
  g_assert_true (gtk_toggle_button_get_active (raw_button));
  g_assert_false (gtk_toggle_button_get_active (registered_button));

  /* Each stack shows the mark pinned on it: the raw one second in the palette, the registered
   * one first. */
  g_assert_cmpuint (evox_spectrum_panel_get_n_pinned (spectra), ==, 2);
  g_assert_cmpuint (evox_canvas_get_n_boxes (wait.canvas), ==, 1);
  {
    GdkRGBA first, second;

    g_assert_true (gdk_rgba_parse (&first, "#1f77b4"));
    g_assert_true (gdk_rgba_parse (&second, "#ff7f0e"));
    g_assert_true (gdk_rgba_equal (&evox_canvas_get_box (wait.canvas, 0)->color, &second));
    evox_document_set_registration_view (document, EVOX_REGISTRATION_VIEW_REGISTERED);
    g_assert_cmpuint (evox_canvas_get_n_boxes (wait.canvas), ==, 1);
    g_assert_true (gdk_rgba_equal (&evox_canvas_get_box (wait.canvas, 0)->color, &first));
    g_assert_cmpuint (evox_canvas_get_box (wait.canvas, 0)->lo[0], ==, 32);
  }

  /* Revert hides the switch. */
  evox_document_set_registration (document, NULL);
  g_assert_false (gtk_widget_get_visible (switch_box));

  /* Closing the window mid-run cancels the run. */
  _evox_registration_panel_set_runner (panel, fake_run, fake_finish);
  fake.block = TRUE;
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "registration.run", NULL));
  g_assert_true (evox_registration_panel_is_busy (panel));
  evox_test_close_window (window);
  g_assert_true (evox_test_wait_for (fake_cancelled, NULL, 60));
  /* fake_reset waits for the worker to return. */
  fake_reset (NULL);
}

/* evox_register_stack itself, off the main thread: a disc moved by known whole-pixel shifts at
 * three energies of one pixel size (scale none). The progress reaches 1, the registration is of
 * the document's stack with an entry per energy; a cancelled run leaves the document as it was. */
static EvoxVolume *
shifted_discs (void)
{
  static const double shifts[3][2] = { { 3, -2 }, { -1, 4 }, { 0, 0 } };
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (64, 64, 1, 3, EVOX_SAMPLE_F32, &error);

  g_assert_no_error (error);
  for (guint c = 0; c < 3; c++)
    {
      float *data = evox_volume_get_data_mut (volume, c);

      for (gsize y = 0; y < 64; y++)
        for (gsize x = 0; x < 64; x++)
          {
            double dx = x - 30.0 + shifts[c][0], dy = y - 33.0 + shifts[c][1];

            /* A smooth blob, so the correlation peak is well defined. */
            data[y * 64 + x] = (float) (100 + 900 * exp (-(dx * dx + dy * dy) / 50.0) +
                                        300 * exp (-((dx - 12) * (dx - 12) + dy * dy) / 20.0));
          }
      evox_volume_set_channel_info (volume, c, NULL, 8000 + 10.0 * c);
    }
  evox_volume_freeze (volume);
  return volume;
}

static void
test_real_run (void)
{
  g_autoptr(EvoxDocument) document = evox_document_new ();
  g_autoptr(EvoxVolume) stack = shifted_discs ();
  EvoxRegistrationPanel *panel = EVOX_REGISTRATION_PANEL (evox_registration_panel_new ());
  GtkWidget *window = g_object_ref_sink (gtk_window_new ());
  EvoxRegistration *result;
  guint refs;

  g_object_ref_sink (panel);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (panel));
  evox_document_set_volume (document, stack, "discs", NULL);
  evox_registration_panel_set_document (panel, document);
  g_object_set (panel, "scale", EVOX_REGISTER_SCALE_NONE, NULL);

  /* Cancelled at once: the document keeps the raw stack, checked once the run has let go of
   * it (its callback has run). */
  refs = evox_test_get_refs (stack);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "registration.run", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "registration.cancel", NULL));
  evox_test_wait_refs (stack, refs);
  g_assert_null (evox_document_get_registration (document));
  g_assert_true (evox_document_get_volume (document) == stack);

  /* A reference no channel has: refused, said on the page, the document as it was. */
  g_object_set (panel, "reference-ev", 1234.0, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "registration.run", NULL));
  g_assert_true (evox_test_wait_for (not_busy, panel, 120));
  g_assert_nonnull (evox_registration_panel_get_error (panel));
  g_assert_null (evox_document_get_registration (document));
  g_assert_true (evox_document_get_volume (document) == stack);
  g_object_set (panel, "reference-ev", 0.0, NULL);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "registration.run", NULL));
  g_assert_true (evox_test_wait_for (not_busy, panel, 120));
  g_assert_null (evox_registration_panel_get_error (panel));
  g_assert_cmpfloat (evox_registration_panel_get_last_fraction (panel), ==, 1);
  result = evox_document_get_registration (document);
  g_assert_nonnull (result);
  g_assert_true (evox_registration_get_raw (result) == stack);
  g_assert_cmpuint (evox_registration_get_n_entries (result), ==, 3);
  g_assert_true (evox_document_get_volume (document) == evox_registration_get_registered (result));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_column_view_get_model (
                      evox_registration_panel_get_table (panel)))), ==, 3);

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
  g_assert_finalize_object (panel);
}

/* The canvas's Raw/Registered switch stays at the bottom right while nothing is there, and
 * moves off the figure overlays there: the scale bar's default place (1, 1) and a label put at
 * the same corner. Its box on the canvas overlaps no overlay's box. */
static gboolean
switch_overlaps (EvoxWindow *window,
                 GtkWidget  *box)
{
  EvoxCanvas *canvas = EVOX_CANVAS (evox_window_get_canvas (window));
  graphene_rect_t bounds;
  gboolean any = FALSE;

  g_assert_true (gtk_widget_compute_bounds (box, GTK_WIDGET (canvas), &bounds));
  g_test_message ("switch at %g, %g, %g x %g (canvas %d x %d)", bounds.origin.x,
                  bounds.origin.y, bounds.size.width, bounds.size.height,
                  gtk_widget_get_width (GTK_WIDGET (canvas)),
                  gtk_widget_get_height (GTK_WIDGET (canvas)));
  for (int item = 0; item < EVOX_N_OVERLAY_ITEMS + 1; item++)
    {
      double rect[4];

      if (!evox_canvas_get_overlay_rect (canvas, item, rect))
        continue;
      g_test_message ("item %d at %g, %g, %g x %g", item, rect[0], rect[1], rect[2], rect[3]);
      any = any || (rect[0] < bounds.origin.x + bounds.size.width &&
                    bounds.origin.x < rect[0] + rect[2] &&
                    rect[1] < bounds.origin.y + bounds.size.height &&
                    bounds.origin.y < rect[1] + rect[3]);
    }
  return any;
}

static void
test_switch_placement (void)
{
  g_autoptr(EvoxVolume) raw = NULL;
  g_autoptr(EvoxRegistration) registration = evox_test_registration_new (64, 48, 5, &raw);
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxOverlays *overlays = evox_document_get_overlays (document);
  EvoxCanvas *canvas = EVOX_CANVAS (evox_window_get_canvas (window));
  GtkWidget *box = gtk_widget_get_parent (GTK_WIDGET (evox_window_get_registration_toggle (window,
                                                                                          TRUE)));
  graphene_rect_t bounds;

  fake_reset (registration);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  evox_document_set_volume (document, raw, "XANES stack", NULL);
  g_assert_true (evox_document_set_registration (document, registration));
  g_assert_true (evox_test_wait_for (evox_test_is_drawn, box, 60));
  evox_test_wait_painted (GTK_WIDGET (canvas));
  g_assert_false (switch_overlaps (window, box));
  g_assert_true (gtk_widget_compute_bounds (box, GTK_WIDGET (canvas), &bounds));
  /* Bottom right, 12 px in. */
  g_assert_cmpfloat (fabs (bounds.origin.x + bounds.size.width + 12 -
                           gtk_widget_get_width (GTK_WIDGET (canvas))), <=, 1);

  evox_overlays_set_visible (overlays, EVOX_OVERLAY_SCALE_BAR, TRUE);
  evox_overlays_add_label (overlays, "Registered stack, energy 1", 1, 1);
  evox_test_wait_painted (GTK_WIDGET (canvas));
  g_assert_true (evox_canvas_get_overlay_rect (canvas, EVOX_N_OVERLAY_ITEMS,
                                               (double[4]) { 0 }));
  g_assert_false (switch_overlaps (window, box));
  evox_test_screenshot (GTK_WIDGET (window), "registration-switch-moved");
  evox_test_close_window (window);
}

int
main (int    argc,
      char **argv)
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;

  g_test_add ("/Evox/RegistrationPanel/sensitivity", Fixture, NULL, fixture_set_up,
              test_sensitivity, fixture_tear_down);
  g_test_add ("/Evox/RegistrationPanel/report", Fixture, NULL, fixture_set_up, test_report,
              fixture_tear_down);
  g_test_add ("/Evox/RegistrationPanel/energy-format", Fixture, NULL, fixture_set_up,
              test_energy_format, fixture_tear_down);
  g_test_add ("/Evox/RegistrationPanel/summary", Fixture, NULL, fixture_set_up, test_summary,
              fixture_tear_down);
  g_test_add ("/Evox/RegistrationPanel/report-3d", Fixture, NULL, fixture_set_up, test_report_3d,
              fixture_tear_down);
  g_test_add ("/Evox/RegistrationPanel/run", Fixture, NULL, fixture_set_up, test_run,
              fixture_tear_down);
  g_test_add ("/Evox/RegistrationPanel/cancel", Fixture, NULL, fixture_set_up, test_cancel,
              fixture_tear_down);
  g_test_add ("/Evox/RegistrationPanel/error", Fixture, NULL, fixture_set_up, test_error,
              fixture_tear_down);
  g_test_add ("/Evox/RegistrationPanel/save-report", Fixture, NULL, fixture_set_up,
              test_save_report, fixture_tear_down);
  g_test_add_func ("/Evox/RegistrationPanel/save-chooser", test_save_chooser);
  g_test_add_func ("/Evox/RegistrationPanel/layout", test_layout);
  g_test_add_func ("/Evox/RegistrationPanel/window", test_window);
  g_test_add_func ("/Evox/RegistrationPanel/switch-placement", test_switch_placement);
  g_test_add_func ("/Evox/RegistrationPanel/window-clusters", test_window_clusters);
  g_test_add_func ("/Evox/RegistrationPanel/real-run", test_real_run);
  return g_test_run ();
}
