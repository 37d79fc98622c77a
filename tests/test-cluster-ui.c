/* test-cluster-ui.c: the Clusters page driven as a user would (k, Run, the list, Merge, Make
 * Phase, the sweep plot, the exports), checked against blocks whose clusters are known and
 * against brute-force means, boundaries and fractions computed here. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "evox-cluster-panel.h"
#include "evox-clusters.h"
#include "evox-csv.h"
#include "evox-document.h"
#include "evox-plot.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-window.h"

/* Three blocks along x, each of its own values in two channels with +-1 of noise: k = 3 finds
 * them whatever the start. Sizes differ so the ids (1 the largest) are known: block 0 (x < 7)
 * has 448 voxels, block 1 (7 <= x < 13) 384, block 2 192. */
#define NX 16
#define NY 16
#define NZ 4
#define N_VOXELS (NX * NY * NZ)

static const double block_value[3][2] = { { 10, 5 }, { 50, -5 }, { 90, 20 } };
static const guint64 block_size[3] = { 448, 384, 192 };

static guint
block_of (gsize i)
{
  gsize x = i % NX;

  return x < 7 ? 0 : x < 13 ? 1 : 2;
}

static EvoxVolume *
blocks_volume (void)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (NX, NY, NZ, 2, EVOX_SAMPLE_F32, &error);
  guint64 state = 12;

  g_assert_no_error (error);
  for (guint c = 0; c < 2; c++)
    {
      float *data = evox_volume_get_data_mut (volume, c);

      for (gsize i = 0; i < N_VOXELS; i++)
        data[i] = (float) (block_value[block_of (i)][c] + 2 * evox_test_uniform (&state) - 1);
    }
  evox_volume_freeze (volume);
  return volume;
}

static double
value_at (EvoxVolume *volume,
          guint       channel,
          gsize       i)
{
  return ((const float *) evox_volume_get_data (volume, channel))[i];
}

typedef struct
{
  EvoxDocument     *document;
  EvoxVolume       *volume;
  EvoxClusterPanel *panel;
  GtkWidget        *window;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  fixture->document = evox_document_new ();
  fixture->volume = blocks_volume ();
  evox_document_set_volume (fixture->document, fixture->volume, "blocks", NULL);
  fixture->panel = EVOX_CLUSTER_PANEL (evox_cluster_panel_new ());
  evox_cluster_panel_set_document (fixture->panel, fixture->document);

  fixture->window = evox_test_panel_window_new (GTK_WIDGET (fixture->panel), 600, 1000);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_assert_finalize_object (fixture->window);
  /* A sweep the panel cancelled holds them until its worker stops. */
  evox_test_assert_released (fixture->document);
  evox_test_assert_released (fixture->volume);
}

static gboolean
has_clusters (gpointer data)
{
  Fixture *fixture = data;

  return evox_document_get_clusters (fixture->document) != NULL &&
         !evox_cluster_panel_is_busy (fixture->panel);
}

static gboolean
not_busy (gpointer data)
{
  return !evox_cluster_panel_is_busy (data);
}

static EvoxClusters *
run_clusters (Fixture *fixture,
              guint    k)
{
  g_object_set (fixture->panel, "k", k, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "clusters.run", NULL));
  g_assert_true (evox_cluster_panel_is_busy (fixture->panel));
  g_assert_true (evox_test_wait_for (not_busy, fixture->panel, 60));
  g_assert_cmpstr (evox_cluster_panel_get_error (fixture->panel), ==, "");
  g_assert_true (has_clusters (fixture));
  evox_test_wait_painted (GTK_WIDGET (fixture->panel));
  return evox_document_get_clusters (fixture->document);
}

static guint
n_rows (Fixture *fixture)
{
  GtkListBox *list = evox_cluster_panel_get_list (fixture->panel);
  guint n = 0;

  while (gtk_list_box_get_row_at_index (list, (int) n) != NULL)
    n++;
  return n;
}

static GtkListBoxRow *
row_at (Fixture *fixture,
        guint    id)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (evox_cluster_panel_get_list (fixture->panel),
                                                      (int) id - 1);

  g_assert_nonnull (row);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "evox-cluster-id")),
                    ==, id);
  return row;
}

/* Every voxel of cluster id lies in one block, and the block's voxels are the cluster's: the
 * labelling is the blocks' up to numbering. Returns the block. */
static guint
block_of_cluster (EvoxClusters *clusters,
                  guint         id)
{
  const guint16 *labels = evox_clusters_get_data (clusters);
  int block = -1;
  guint64 n = 0;

  for (gsize i = 0; i < N_VOXELS; i++)
    if (labels[i] == id)
      {
        if (block < 0)
          block = (int) block_of (i);
        g_assert_cmpint (block, ==, (int) block_of (i));
        n++;
      }
  g_assert_cmpint (block, >=, 0);
  g_assert_cmpuint (n, ==, block_size[block]);
  return (guint) block;
}

/* Brute-force mean and population std of a channel over the voxels of cluster id. */
static void
brute_stats (EvoxVolume    *volume,
             const guint16 *labels,
             guint          id,
             guint          channel,
             double        *mean,
             double        *std)
{
  double sum = 0, sum2 = 0;
  guint64 n = 0;

  for (gsize i = 0; i < N_VOXELS; i++)
    if (labels[i] == id)
      {
        sum += value_at (volume, channel, i);
        n++;
      }
  *mean = sum / n;
  for (gsize i = 0; i < N_VOXELS; i++)
    if (labels[i] == id)
      sum2 += (value_at (volume, channel, i) - *mean) * (value_at (volume, channel, i) - *mean);
  *std = sqrt (sum2 / n);
}

/* The job gathers features as floats: its means may differ from doubles summed here by float
 * rounding, far below the +-1 noise of the blocks. */
static void
assert_close (double a,
              double b)
{
  g_assert_cmpfloat (fabs (a - b), <=, 1e-6 * MAX (1.0, fabs (b)));
}

/* Tests */

static void
test_run (Fixture       *fixture,
          gconstpointer  user_data)
{
  EvoxClusters *clusters;
  EvoxPlot *curves = EVOX_PLOT (evox_cluster_panel_get_curve_plot (fixture->panel));
  guint64 sum = 0;

  /* Nothing yet: no rows, a summary that says what to do, nothing to export. */
  g_assert_null (evox_document_get_clusters (fixture->document));
  g_assert_cmpuint (n_rows (fixture), ==, 0);
  g_assert_nonnull (strstr (evox_cluster_panel_get_summary (fixture->panel), "No clusters"));
  g_assert_false (evox_plot_has_data (curves));

  clusters = run_clusters (fixture, 3);
  g_assert_cmpuint (evox_clusters_get_k (clusters), ==, 3);
  g_assert_cmpuint (evox_clusters_get_n_masked (clusters), ==, N_VOXELS);
  for (guint id = 1; id <= 3; id++)
    {
      /* Numbered by size: cluster id is block id - 1. */
      g_assert_cmpuint (block_of_cluster (clusters, id), ==, id - 1);
      g_assert_cmpuint (evox_clusters_get_voxels (clusters, id), ==, block_size[id - 1]);
      sum += evox_clusters_get_voxels (clusters, id);
    }
  g_assert_cmpuint (sum, ==, N_VOXELS);
  g_assert_nonnull (strstr (evox_cluster_panel_get_summary (fixture->panel),
                            "3 clusters of 1024 voxels"));

  /* A row per cluster, named as the clusters name them. */
  g_assert_cmpuint (n_rows (fixture), ==, 3);
  for (guint id = 1; id <= 3; id++)
    {
      GtkEditable *name = g_object_get_data (G_OBJECT (row_at (fixture, id)), "evox-name");

      g_assert_cmpstr (gtk_editable_get_text (name), ==, evox_clusters_get_name (clusters, id));
    }

  /* The mean curves: a band and a line per cluster, the line through the brute-force means. */
  g_assert_cmpuint (evox_plot_get_n_bands (curves), ==, 3);
  g_assert_cmpuint (evox_plot_get_n_lines (curves), ==, 3);
  for (guint id = 1; id <= 3; id++)
    {
      guint n = 0;
      const double *y = evox_plot_get_line (curves, id - 1, NULL, &n);

      g_assert_cmpuint (n, ==, 2);
      for (guint c = 0; c < 2; c++)
        {
          double mean, std;

          brute_stats (fixture->volume, evox_clusters_get_data (clusters), id, c, &mean, &std);
          assert_close (y[c], mean);
        }
    }

  /* A colour chosen in a row's button is the cluster's, and the curve takes it. */
  {
    GObject *button = g_object_get_data (G_OBJECT (row_at (fixture, 1)), "evox-color");
    GdkRGBA rgba = { 1, 0, 0, 1 };
    GdkRGBA drawn;

    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    gtk_color_chooser_set_rgba (GTK_COLOR_CHOOSER (button), &rgba);
    G_GNUC_END_IGNORE_DEPRECATIONS
    g_signal_emit_by_name (button, "color-set");
    g_assert_cmpstr (evox_clusters_get_color (clusters, 1), ==, "#ff0000");
    g_assert_true (gdk_rgba_parse (&drawn, evox_clusters_get_color (clusters, 1)));
    g_assert_cmpfloat (drawn.red, ==, 1);
  }
  /* A name typed in a row is the cluster's once editing ends; one set elsewhere shows in the
   * row. */
  {
    GtkEditable *name = g_object_get_data (G_OBJECT (row_at (fixture, 2)), "evox-name");

    /* As a user's Enter ends the editing (GTK's own start/stop without a focused window
     * leaves a timer behind that outlives the row, so the test says the editing ended). */
    gtk_editable_set_text (name, "Binder");
    g_assert_cmpstr (evox_clusters_get_name (clusters, 2), !=, "Binder");
    g_object_notify (G_OBJECT (name), "editing");
    g_assert_cmpstr (evox_clusters_get_name (clusters, 2), ==, "Binder");
    evox_clusters_set_name (clusters, 3, "Pores");
    g_assert_cmpstr (gtk_editable_get_text (g_object_get_data (G_OBJECT (row_at (fixture, 3)),
                                                               "evox-name")), ==, "Pores");
  }

  /* A hidden cluster leaves the plot; shown again it comes back. */
  evox_clusters_set_visible (clusters, 2, FALSE);
  g_assert_cmpuint (evox_plot_get_n_lines (curves), ==, 2);
  g_assert_false (gtk_check_button_get_active (g_object_get_data (G_OBJECT (row_at (fixture, 2)),
                                                                  "evox-visible")));
  gtk_check_button_set_active (g_object_get_data (G_OBJECT (row_at (fixture, 2)),
                                                  "evox-visible"), TRUE);
  g_assert_true (evox_clusters_get_visible (clusters, 2));
  g_assert_cmpuint (evox_plot_get_n_lines (curves), ==, 3);
}

static gboolean
has_domains (gpointer data)
{
  return evox_cluster_panel_get_domain_stats (data) != NULL &&
         !evox_cluster_panel_is_computing_domains (data);
}

/* A boundary voxel has a face neighbour in another cluster (inside the volume and the mask). */
static gboolean
brute_is_boundary (const guint16 *labels,
                   gsize          i)
{
  gsize x = i % NX, y = (i / NX) % NY, z = i / (NX * NY);
  static const int offsets[6][3] = { { -1, 0, 0 }, { 1, 0, 0 }, { 0, -1, 0 },
                                     { 0, 1, 0 }, { 0, 0, -1 }, { 0, 0, 1 } };

  for (guint n = 0; n < 6; n++)
    {
      gint64 a = (gint64) x + offsets[n][0], b = (gint64) y + offsets[n][1];
      gint64 c = (gint64) z + offsets[n][2];
      guint16 other;

      if (a < 0 || b < 0 || c < 0 || a >= NX || b >= NY || c >= NZ)
        continue;
      other = labels[(c * NY + b) * NX + a];
      if (other != 0 && other != labels[i])
        return TRUE;
    }
  return FALSE;
}

static void
test_exports (Fixture       *fixture,
              gconstpointer  user_data)
{
  char *dir = evox_test_tmpdir_new ();
  g_autofree char *curves_path = g_build_filename (dir, "curves.csv", NULL);
  g_autofree char *stats_path = g_build_filename (dir, "domains.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) curves = NULL;
  g_autoptr(GPtrArray) stats = NULL;
  EvoxClusters *clusters;
  const guint16 *labels;
  GArray *rows;

  /* Nothing to export before a run. */
  g_assert_false (evox_cluster_panel_export_curves (fixture->panel, curves_path, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (g_file_test (curves_path, G_FILE_TEST_EXISTS));

  clusters = run_clusters (fixture, 3);
  labels = evox_clusters_get_data (clusters);

  /* Curves: axis, feature, then per cluster the brute-force mean and population std. */
  g_assert_true (evox_cluster_panel_export_curves (fixture->panel, curves_path, FALSE, &error));
  g_assert_no_error (error);
  curves = evox_test_csv_read (curves_path);
  g_assert_cmpuint (curves->len, ==, 3);
  {
    g_autofree char *header = g_strjoinv (",", g_ptr_array_index (curves, 0));

    g_assert_cmpstr (header, ==, "axis,feature,mean_1,std_1,mean_2,std_2,mean_3,std_3");
  }
  for (guint c = 0; c < 2; c++)
    {
      g_assert_cmpfloat (evox_test_csv_double (curves, c + 1, 0), ==, c + 1);
      for (guint id = 1; id <= 3; id++)
        {
          double mean, std;

          brute_stats (fixture->volume, labels, id, c, &mean, &std);
          assert_close (evox_test_csv_double (curves, c + 1, 2 * id), mean);
          g_assert_cmpfloat (fabs (evox_test_csv_double (curves, c + 1, 2 * id + 1) - std), <=,
                             1e-6);
        }
    }
  /* An existing file is kept without overwrite. */
  g_assert_false (evox_cluster_panel_export_curves (fixture->panel, curves_path, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_clear_error (&error);

  /* Domains of channel 0 (the document's): counts and means against brute force. */
  g_assert_true (evox_test_wait_for (has_domains, fixture->panel, 60));
  rows = evox_cluster_panel_get_domain_stats (fixture->panel);
  g_assert_cmpuint (rows->len, ==, 3);
  for (guint r = 0; r < 3; r++)
    {
      const EvoxDomainStats *row = &g_array_index (rows, EvoxDomainStats, r);
      double sum[2] = { 0, 0 };
      guint64 n[2] = { 0, 0 };

      g_assert_cmpuint (row->particle, ==, 0);
      g_assert_cmpuint (row->cluster, ==, r + 1);
      for (gsize i = 0; i < N_VOXELS; i++)
        if (labels[i] == r + 1)
          {
            gboolean boundary = brute_is_boundary (labels, i);

            sum[boundary] += value_at (fixture->volume, 0, i);
            n[boundary]++;
          }
      g_assert_cmpuint (row->domain_voxels, ==, n[0]);
      g_assert_cmpuint (row->boundary_voxels, ==, n[1]);
      assert_close (row->domain_mean, sum[0] / n[0]);
      assert_close (row->boundary_mean, sum[1] / n[1]);
      assert_close (row->difference, row->boundary_mean - row->domain_mean);
    }
  /* The boundaries of blocks along x: one slab of 16 x 4 voxels per neighbouring block. */
  g_assert_cmpuint (g_array_index (rows, EvoxDomainStats, 0).boundary_voxels, ==, NY * NZ);
  g_assert_cmpuint (g_array_index (rows, EvoxDomainStats, 1).boundary_voxels, ==, 2 * NY * NZ);

  /* The table's CSV reads back as the same numbers. */
  g_assert_true (evox_cluster_panel_export_stats (fixture->panel, stats_path, FALSE, &error));
  g_assert_no_error (error);
  stats = evox_test_csv_read (stats_path);
  g_assert_cmpuint (stats->len, ==, 4);
  for (guint r = 0; r < 3; r++)
    {
      const EvoxDomainStats *row = &g_array_index (rows, EvoxDomainStats, r);

      g_assert_cmpfloat (evox_test_csv_double (stats, r + 1, 0), ==, row->cluster);
      g_assert_cmpfloat (evox_test_csv_double (stats, r + 1, 1), ==, row->domain_voxels);
      g_assert_cmpfloat (evox_test_csv_double (stats, r + 1, 2), ==, row->domain_mean);
      g_assert_cmpfloat (evox_test_csv_double (stats, r + 1, 3), ==, row->domain_std);
      g_assert_cmpfloat (evox_test_csv_double (stats, r + 1, 4), ==, row->boundary_voxels);
      g_assert_cmpfloat (evox_test_csv_double (stats, r + 1, 5), ==, row->boundary_mean);
      g_assert_cmpfloat (evox_test_csv_double (stats, r + 1, 6), ==, row->boundary_std);
      g_assert_cmpfloat (evox_test_csv_double (stats, r + 1, 7), ==, row->difference);
    }
  /* Two files and no temporaries. */
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 2);
  evox_test_tmpdir_free (dir);
}

/* With particles in the document, the table has a row per particle and cluster. */
static void
test_particles (Fixture       *fixture,
                gconstpointer  user_data)
{
  char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "domains.csv", NULL);
  g_autoptr(EvoxLabels) particles = NULL;
  g_autoptr(GPtrArray) csv = NULL;
  g_autoptr(GError) error = NULL;
  EvoxClusters *clusters = run_clusters (fixture, 3);
  const guint16 *labels = evox_clusters_get_data (clusters);
  GArray *rows;
  gboolean found = FALSE;

  /* Channel 0 under 30: block 0 alone, one particle (id 1). */
  particles = evox_labels_compute (fixture->volume, 0, "Low", 0, 30, EVOX_CONNECTIVITY_6, 1,
                                   NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_particles (particles), ==, 1);
  evox_document_set_labels (fixture->document, particles);
  g_assert_null (evox_cluster_panel_get_domain_stats (fixture->panel));
  g_assert_true (evox_test_wait_for (has_domains, fixture->panel, 60));
  rows = evox_cluster_panel_get_domain_stats (fixture->panel);
  for (guint r = 0; r < rows->len; r++)
    {
      const EvoxDomainStats *row = &g_array_index (rows, EvoxDomainStats, r);
      guint64 boundary = 0;

      if (row->particle != 1)
        continue;
      /* The particle is cluster 1 (block 0): its boundary faces block 1, a slab of 16 x 4. */
      g_assert_cmpuint (row->cluster, ==, 1);
      for (gsize i = 0; i < N_VOXELS; i++)
        if (labels[i] == 1 && brute_is_boundary (labels, i))
          boundary++;
      g_assert_cmpuint (row->boundary_voxels, ==, boundary);
      g_assert_cmpuint (row->boundary_voxels, ==, NY * NZ);
      g_assert_cmpuint (row->domain_voxels, ==, block_size[0] - NY * NZ);
      found = TRUE;
    }
  g_assert_true (found);

  /* The CSV names the particle first. */
  g_assert_true (evox_cluster_panel_export_stats (fixture->panel, path, FALSE, &error));
  g_assert_no_error (error);
  csv = evox_test_csv_read (path);
  g_assert_cmpstr (((char **) g_ptr_array_index (csv, 0))[0], ==, "particle");
  g_assert_cmpuint (csv->len, ==, rows->len + 1);
  for (guint r = 0; r < rows->len; r++)
    {
      const EvoxDomainStats *row = &g_array_index (rows, EvoxDomainStats, r);

      g_assert_cmpfloat (evox_test_csv_double (csv, r + 1, 0), ==, row->particle);
      g_assert_cmpfloat (evox_test_csv_double (csv, r + 1, 1), ==, row->cluster);
      g_assert_cmpfloat (evox_test_csv_double (csv, r + 1, 2), ==, row->domain_voxels);
      g_assert_cmpfloat (evox_test_csv_double (csv, r + 1, 5), ==, row->boundary_voxels);
    }
  evox_document_set_labels (fixture->document, NULL);
  evox_test_tmpdir_free (dir);
}

static guint64
phase_voxels (EvoxDocument *document,
              guint         index)
{
  g_autoptr(GError) error = NULL;
  EvoxFractionTable *table = evox_fraction_table_new (evox_document_get_volume (document),
                                                      evox_document_get_channel (document),
                                                      EVOX_BASIS_VOLUME,
                                                      evox_document_get_phases (document),
                                                      NULL, &error);
  guint64 voxels;

  g_assert_no_error (error);
  voxels = table->rows[index].voxels;
  evox_fraction_table_free (table);
  return voxels;
}

/* The "Only This" button. */
static GtkToggleButton *
find_solo (GtkWidget *widget)
{
  if (GTK_IS_TOGGLE_BUTTON (widget) &&
      g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), "Only This") == 0)
    return GTK_TOGGLE_BUTTON (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkToggleButton *found = find_solo (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_merge_phase (Fixture       *fixture,
                  gconstpointer  user_data)
{
  GtkListBox *list = evox_cluster_panel_get_list (fixture->panel);
  EvoxPhaseList *phases = evox_document_get_phases (fixture->document);
  EvoxClusters *clusters = run_clusters (fixture, 3);
  g_autoptr(EvoxVolume) loaded = NULL;
  EvoxPhase *phase;

  /* Merge wants two rows. */
  gtk_list_box_select_row (list, row_at (fixture, 2));
  gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "clusters.merge", NULL);
  g_assert_true (evox_document_get_clusters (fixture->document) == clusters);
  /* One row selected is the document's selected cluster. */
  g_assert_cmpuint (evox_document_get_selected_cluster (fixture->document), ==, 2);

  /* "Only This" shows the selected cluster alone, and all again when released. */
  gtk_toggle_button_set_active (find_solo (GTK_WIDGET (fixture->panel)), TRUE);
  for (guint id = 1; id <= 3; id++)
    g_assert_cmpint (evox_clusters_get_visible (clusters, id), ==, id == 2);
  gtk_toggle_button_set_active (find_solo (GTK_WIDGET (fixture->panel)), FALSE);
  for (guint id = 1; id <= 3; id++)
    g_assert_true (evox_clusters_get_visible (clusters, id));

  /* The document's selection selects the row. */
  evox_document_set_selected_cluster (fixture->document, 1);
  g_assert_true (gtk_list_box_row_is_selected (row_at (fixture, 1)));
  g_assert_false (gtk_list_box_row_is_selected (row_at (fixture, 2)));

  /* Merging clusters 2 and 3 (384 + 192 voxels) makes the largest: 576, then 448. */
  gtk_list_box_unselect_all (list);
  gtk_list_box_select_row (list, row_at (fixture, 2));
  gtk_list_box_select_row (list, row_at (fixture, 3));
  /* "Only This" with two rows shows both. */
  gtk_toggle_button_set_active (find_solo (GTK_WIDGET (fixture->panel)), TRUE);
  for (guint id = 1; id <= 3; id++)
    g_assert_cmpint (evox_clusters_get_visible (clusters, id), ==, id != 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "clusters.merge", NULL));
  clusters = evox_document_get_clusters (fixture->document);
  /* New clusters come with every cluster shown. */
  g_assert_false (gtk_toggle_button_get_active (find_solo (GTK_WIDGET (fixture->panel))));
  for (guint id = 1; id <= 2; id++)
    g_assert_true (evox_clusters_get_visible (clusters, id));
  g_assert_cmpuint (evox_clusters_get_k (clusters), ==, 2);
  g_assert_cmpuint (evox_clusters_get_voxels (clusters, 1), ==, 576);
  g_assert_cmpuint (evox_clusters_get_voxels (clusters, 2), ==, 448);
  g_assert_cmpuint (evox_clusters_get_voxels (clusters, 1) + evox_clusters_get_voxels (clusters, 2),
                    ==, N_VOXELS);
  g_assert_cmpuint (n_rows (fixture), ==, 2);
  g_assert_cmpstr (evox_cluster_panel_get_error (fixture->panel), ==, "");

  /* Make Phase: a phase with the cluster's voxels, counted as the Phases page counts. The run
   * kept its features on the loaded volume; the derived volume that replaces it keeps the
   * loaded one alive for its voxels, so the panel drops what the old volume kept (up to 1 GiB)
   * rather than hold it next to the new volume's for as long as the window shows it. The key
   * is evox-clustering.c's CACHE_KEY. */
  loaded = g_object_ref (evox_document_get_volume (fixture->document));
  g_assert_nonnull (g_object_get_data (G_OBJECT (loaded), "evox-clustering-prepared"));
  g_assert_cmpuint (evox_phase_list_get_n_phases (phases), ==, 0);
  gtk_list_box_unselect_all (list);
  gtk_list_box_select_row (list, row_at (fixture, 2));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "clusters.make-phase",
                                             NULL));
  g_assert_true (evox_document_get_volume (fixture->document) != loaded);
  g_assert_null (g_object_get_data (G_OBJECT (loaded), "evox-clustering-prepared"));
  g_assert_cmpstr (evox_cluster_panel_get_error (fixture->panel), ==, "");
  g_assert_cmpuint (evox_phase_list_get_n_phases (phases), ==, 1);
  phase = evox_phase_list_get_phase (phases, 0);
  g_assert_cmpstr (evox_phase_get_name (phase), ==, evox_clusters_get_name (clusters, 2));
  g_assert_cmpuint (phase_voxels (fixture->document, 0), ==, 448);
  g_assert_cmpfloat (evox_clusters_get_fraction (clusters, 2), ==, 448.0 / N_VOXELS);
  /* The clusters stay with the document (same dims) and in the list. */
  g_assert_true (evox_document_get_clusters (fixture->document) == clusters);
  g_assert_cmpuint (n_rows (fixture), ==, 2);
}

static gboolean
has_sweep (gpointer data)
{
  return evox_cluster_panel_get_sweep (data) != NULL && !evox_cluster_panel_is_sweeping (data);
}

/* The dropdown under widget whose third item is `third`. */
static GtkDropDown *
find_dropdown (GtkWidget  *widget,
               const char *third)
{
  if (GTK_IS_DROP_DOWN (widget))
    {
      GListModel *model = gtk_drop_down_get_model (GTK_DROP_DOWN (widget));

      if (GTK_IS_STRING_LIST (model) && g_list_model_get_n_items (model) >= 3 &&
          g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (model), 2), third) == 0)
        return GTK_DROP_DOWN (widget);
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkDropDown *found = find_dropdown (child, third);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_sweep (Fixture       *fixture,
            gconstpointer  user_data)
{
  EvoxPlot *plot = EVOX_PLOT (evox_cluster_panel_get_sweep_plot (fixture->panel));
  const EvoxKmeansSweep *sweep;
  const double *y;
  guint n = 0, k;
  double wx, wy;

  /* The page is shown: a sweep runs by itself. */
  g_assert_true (evox_test_wait_for (has_sweep, fixture->panel, 60));
  sweep = evox_cluster_panel_get_sweep (fixture->panel);
  g_assert_cmpuint (sweep->n_rows, ==, 12);
  y = evox_plot_get_line (plot, 0, NULL, &n);
  g_assert_cmpuint (n, ==, 12);
  for (guint i = 0; i < n; i++)
    g_assert_cmpfloat (y[i], ==, sweep->rows[i].inertia);
  /* Three blocks: the knee is at 3, and k followed it while the user had not chosen one. */
  g_assert_cmpint (sweep->knee_k, ==, 3);
  g_object_get (fixture->panel, "k", &k, NULL);
  g_assert_cmpuint (k, ==, 3);

  /* A click near k = 5 on the plot picks 5. */
  evox_test_wait_painted (GTK_WIDGET (plot));
  g_assert_true (evox_plot_data_to_widget (plot, 5, sweep->rows[4].inertia, &wx, &wy));
  _evox_cluster_panel_click_sweep (fixture->panel, wx + 2, wy);
  g_object_get (fixture->panel, "k", &k, NULL);
  g_assert_cmpuint (k, ==, 5);

  /* The silhouette instead of the inertia (NaN for k = 1, as the sweep has it). */
  gtk_drop_down_set_selected (find_dropdown (GTK_WIDGET (fixture->panel), "Silhouette"), 2);
  y = evox_plot_get_line (plot, 0, NULL, &n);
  g_assert_cmpuint (n, ==, 12);
  g_assert_true (isnan (y[0]));
  for (guint i = 1; i < n; i++)
    g_assert_cmpfloat (y[i], ==, sweep->rows[i].silhouette);

  /* Another scaling makes the sweep stale; a new one follows and k stays the user's. */
  g_object_set (fixture->panel, "scale", EVOX_FEATURE_SCALE_MINMAX, NULL);
  g_assert_null (evox_cluster_panel_get_sweep (fixture->panel));
  g_assert_true (evox_cluster_panel_is_sweeping (fixture->panel));
  g_assert_true (evox_test_wait_for (has_sweep, fixture->panel, 60));
  g_object_get (fixture->panel, "k", &k, NULL);
  g_assert_cmpuint (k, ==, 5);
}

static void
test_mask (Fixture       *fixture,
           gconstpointer  user_data)
{
  g_autoptr(EvoxPhase) low = evox_phase_new ("Low", 0, 70, "#e01b24");
  g_autoptr(EvoxPhase) none = evox_phase_new ("None", 200, 300, "#2ec27e");
  EvoxClusters *clusters;
  const guint16 *labels;

  evox_phase_list_append (evox_document_get_phases (fixture->document), low);
  evox_phase_list_append (evox_document_get_phases (fixture->document), none);

  /* Blocks 0 and 1 (channel 0 under 70): 832 voxels in two clusters, block 2 outside (0). */
  g_object_set (fixture->panel, "mask-phase", 0, NULL);
  clusters = run_clusters (fixture, 2);
  labels = evox_clusters_get_data (clusters);
  g_assert_cmpuint (evox_clusters_get_n_masked (clusters), ==, 832);
  g_assert_cmpuint (evox_clusters_get_voxels (clusters, 1) + evox_clusters_get_voxels (clusters, 2),
                    ==, 832);
  for (gsize i = 0; i < N_VOXELS; i++)
    g_assert_cmpint (labels[i] == 0, ==, block_of (i) == 2);
  g_assert_cmpuint (block_of_cluster (clusters, 1), ==, 0);
  g_assert_cmpuint (block_of_cluster (clusters, 2), ==, 1);

  /* An empty mask: an error, and the clusters stay. */
  g_object_set (fixture->panel, "mask-phase", 1, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "clusters.run", NULL));
  g_assert_true (evox_test_wait_for (not_busy, fixture->panel, 60));
  g_assert_cmpstr (evox_cluster_panel_get_error (fixture->panel), !=, "");
  g_assert_true (evox_document_get_clusters (fixture->document) == clusters);
}

/* Voxels with a NaN feature take no part, and the summary counts them. */
static void
test_nan (Fixture       *fixture,
          gconstpointer  user_data)
{
  static const gsize holes[] = { 3, 100, 517, 800, 1023 };
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (NX, NY, NZ, 2, EVOX_SAMPLE_F32, &error);
  EvoxClusters *clusters;
  const guint16 *labels;
  guint64 sum = 0;

  g_assert_no_error (error);
  for (guint c = 0; c < 2; c++)
    memcpy (evox_volume_get_data_mut (volume, c), evox_volume_get_data (fixture->volume, c),
            N_VOXELS * sizeof (float));
  for (guint i = 0; i < G_N_ELEMENTS (holes); i++)
    ((float *) evox_volume_get_data_mut (volume, 1))[holes[i]] = NAN;
  evox_volume_freeze (volume);
  evox_document_set_volume (fixture->document, volume, "holes", NULL);

  clusters = run_clusters (fixture, 3);
  labels = evox_clusters_get_data (clusters);
  for (guint id = 1; id <= 3; id++)
    sum += evox_clusters_get_voxels (clusters, id);
  g_assert_cmpuint (sum, ==, N_VOXELS - G_N_ELEMENTS (holes));
  for (guint i = 0; i < G_N_ELEMENTS (holes); i++)
    g_assert_cmpuint (labels[holes[i]], ==, 0);
  g_assert_nonnull (strstr (evox_cluster_panel_get_summary (fixture->panel),
                            "5 voxels with a non-finite feature left out"));
}

static void
test_pca (Fixture       *fixture,
          gconstpointer  user_data)
{
  double mean[2] = { 0, 0 }, var[2] = { 0, 0 }, cov = 0, r;
  g_autofree char *expected = NULL;

  /* Two z-scored features: their correlation matrix has eigenvalues 1 +- |r|, so the first
   * component keeps (1 + |r|) / 2 of the variance. */
  for (gsize i = 0; i < N_VOXELS; i++)
    for (guint c = 0; c < 2; c++)
      mean[c] += value_at (fixture->volume, c, i) / N_VOXELS;
  for (gsize i = 0; i < N_VOXELS; i++)
    {
      double a = value_at (fixture->volume, 0, i) - mean[0];
      double b = value_at (fixture->volume, 1, i) - mean[1];

      var[0] += a * a;
      var[1] += b * b;
      cov += a * b;
    }
  r = cov / sqrt (var[0] * var[1]);
  expected = g_strdup_printf ("PCA: 1 component keeps %.1f %% of the variance",
                              100 * (1 + fabs (r)) / 2);

  g_object_set (fixture->panel, "pca", 1, NULL);
  run_clusters (fixture, 3);
  g_assert_nonnull (strstr (evox_cluster_panel_get_summary (fixture->panel), expected));
}

static void
test_local (Fixture       *fixture,
            gconstpointer  user_data)
{
  EvoxPlot *curves = EVOX_PLOT (evox_cluster_panel_get_curve_plot (fixture->panel));
  EvoxClusters *clusters;
  guint n = 0;

  /* Local texture of channel 0: value, local mean, local std, gradient magnitude. */
  g_object_set (fixture->panel, "features", EVOX_FEATURES_LOCAL, "window", 5, NULL);
  clusters = run_clusters (fixture, 2);
  g_assert_cmpuint (evox_clusters_get_n_features (clusters), ==, 4);
  g_assert_cmpuint (evox_plot_get_n_lines (curves), ==, 2);
  evox_plot_get_line (curves, 0, NULL, &n);
  g_assert_cmpuint (n, ==, 4);
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  user_data)
{
  guint refs;

  /* The page's first sweep reads the volume too: counted once it is over. */
  g_assert_true (evox_test_wait_for (has_sweep, fixture->panel, 60));
  refs = evox_test_get_refs (fixture->volume);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "clusters.run", NULL));
  g_assert_true (evox_cluster_panel_is_busy (fixture->panel));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "clusters.cancel",
                                             NULL));
  g_assert_false (evox_cluster_panel_is_busy (fixture->panel));
  /* Whatever the job did, its result is dropped: checked once its callback has run. */
  evox_test_wait_refs (fixture->volume, refs);
  g_assert_null (evox_document_get_clusters (fixture->document));
  g_assert_cmpstr (evox_cluster_panel_get_error (fixture->panel), ==, "");
}

/* The page in the window: local texture of the demo, k = 4; closing the window while a run goes
 * cancels it and frees everything. */
static gboolean
window_idle (gpointer data)
{
  return !evox_window_is_loading (data);
}

static gboolean
window_has_clusters (gpointer data)
{
  return evox_document_get_clusters (evox_window_get_document (data)) != NULL;
}

static void
test_window (void)
{
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  EvoxClusterPanel *panel;

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  evox_window_open_demo (window);
  g_assert_true (evox_test_wait_for (window_idle, window, 60));
  evox_window_show_page (window, "clusters");
  g_assert_cmpstr (evox_window_get_page (window), ==, "clusters");
  panel = EVOX_CLUSTER_PANEL (evox_window_get_cluster_panel (window));
  g_assert_true (evox_cluster_panel_get_document (panel) == evox_window_get_document (window));
  g_object_set (panel, "features", EVOX_FEATURES_LOCAL, "k", 4, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "clusters.run", NULL));
  g_assert_true (evox_test_wait_for (window_has_clusters, window, 120));
  g_assert_cmpuint (evox_clusters_get_k (evox_document_get_clusters (
                                           evox_window_get_document (window))), ==, 4);
  evox_test_wait_painted (GTK_WIDGET (window));
  evox_test_screenshot (GTK_WIDGET (window), "cluster-page");

  /* Close in the middle of a run. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "clusters.run", NULL));
  g_assert_true (evox_cluster_panel_is_busy (panel));
  evox_test_close_window (window);
}

/* A volume with no finite voxel: Run says so in red and keeps the clusters there were. */
static void
test_all_nan (Fixture       *fixture,
              gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (NX, NY, NZ, 2, EVOX_SAMPLE_F32, &error);
  EvoxClusters *before;

  before = run_clusters (fixture, 3);
  g_assert_no_error (error);
  for (guint c = 0; c < 2; c++)
    for (gsize i = 0; i < N_VOXELS; i++)
      ((float *) evox_volume_get_data_mut (volume, c))[i] = c == 0 && i % 2 ? 1.0f : NAN;
  evox_volume_freeze (volume);
  g_object_ref (before);
  evox_document_set_volume (fixture->document, volume, "empty", NULL);
  g_object_set (fixture->panel, "k", 2, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "clusters.run", NULL));
  g_assert_true (evox_test_wait_for (not_busy, fixture->panel, 60));
  g_assert_nonnull (strstr (evox_cluster_panel_get_error (fixture->panel),
                            "None of the 1024 voxels has finite features"));
  g_assert_true (evox_document_get_clusters (fixture->document) == before);
  g_object_unref (before);
}

/* Maps beside a spectral stack, clustered in the window: a 6-energy stack of two discs, and maps
 * (edge_energy, whiteline_height, edge_step) that are NaN outside the discs, whiteline_height
 * NaN at a few voxels inside too. With the maps shown, the Clusters page clusters the maps; the
 * voxels without a value in every map get id 0 and no share, the sweep is of the others, and
 * each disc (less its voxels without a white line) is one cluster whose curve is the mean of its
 * maps, summed here. */
#define MAPS_N 32

static int
maps_disc (gsize x,
           gsize y)
{
  if ((x - 10.0) * (x - 10.0) + (y - 12.0) * (y - 12.0) <= 36)
    return 1;
  if ((x - 22.0) * (x - 22.0) + (y - 20.0) * (y - 20.0) <= 25)
    return 2;
  return 0;
}

static gboolean
maps_no_whiteline (gsize x,
                   gsize y)
{
  return maps_disc (x, y) != 0 && (x * 5 + y) % 11 == 0;
}

static char *
maps_write_stack (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) stack = evox_volume_new (MAPS_N, MAPS_N, 1, 6, EVOX_SAMPLE_F32, &error);
  char *path = g_build_filename (dir, "stack.tiff", NULL);

  g_assert_no_error (error);
  for (guint c = 0; c < 6; c++)
    {
      float *data = evox_volume_get_data_mut (stack, c);
      g_autofree char *label = g_strdup_printf ("E%u", c);
      double e = 8330 + 10.0 * c;

      for (gsize i = 0; i < MAPS_N * MAPS_N; i++)
        {
          int disc = maps_disc (i % MAPS_N, i / MAPS_N);
          double e0 = disc == 1 ? 8345 : 8365;

          data[i] = (float) (disc == 0 ? 0.05 : 0.2 + 1.0 / (1 + exp (-(e - e0) / 5)));
        }
      evox_volume_set_channel_info (stack, c, label, e);
    }
  evox_volume_set_values (stack, EVOX_SCALE_LINEAR, "optical density", NULL);
  evox_volume_freeze (stack);
  g_assert_true (evox_tiff_write (stack, -1, path, 0, &error));
  g_assert_no_error (error);
  return path;
}

static EvoxVolume *
maps_make (void)
{
  static const char *labels[] = { "edge_energy", "whiteline_height", "edge_step" };
  static const double level[2][3] = { { 8345, 1.3, 1.0 }, { 8365, 1.7, 0.8 } };
  g_autoptr(GError) error = NULL;
  EvoxVolume *maps = evox_volume_new (MAPS_N, MAPS_N, 1, 3, EVOX_SAMPLE_F32, &error);

  g_assert_no_error (error);
  for (guint c = 0; c < 3; c++)
    {
      float *data = evox_volume_get_data_mut (maps, c);

      for (gsize i = 0; i < MAPS_N * MAPS_N; i++)
        {
          gsize x = i % MAPS_N, y = i / MAPS_N;
          int disc = maps_disc (x, y);

          if (disc == 0 || (c == 1 && maps_no_whiteline (x, y)))
            data[i] = NAN;
          else
            data[i] = (float) (level[disc - 1][c] * (1 + 0.0002 * ((x + 3 * y) % 5)));
        }
      evox_volume_set_channel_info (maps, c, labels[c], NAN);
    }
  evox_volume_set_channel_values (maps, 0, EVOX_SCALE_LINEAR, "energy", "eV");
  evox_volume_freeze (maps);
  return maps;
}

static void
test_maps (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = maps_write_stack (dir);
  EvoxWindow *window = evox_test_open_file (path);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxClusterPanel *panel = EVOX_CLUSTER_PANEL (evox_window_get_cluster_panel (window));
  g_autoptr(EvoxVolume) maps = maps_make ();
  g_autoptr(GError) error = NULL;
  g_autofree char *left_out_text = NULL;
  EvoxVolume *shown;
  EvoxClusters *clusters;
  const EvoxKmeansSweep *sweep;
  const guint16 *ids;
  guint64 n_left_out = 0, n_disc[3] = { 0 };
  int disc_of[3] = { -1, -1, -1 };

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  g_assert_true (evox_document_add_maps (document, maps, "edge_energy", &error));
  g_assert_no_error (error);
  g_assert_true (evox_document_get_show_maps (document));
  shown = evox_document_get_volume (document);
  g_assert_true (shown == evox_document_get_maps (document));
  g_assert_cmpuint (evox_volume_get_n_channels (shown), ==, 3);
  evox_window_show_page (window, "clusters");

  /* The page's own sweep (the elbow) is of the voxels with a value in every map. */
  for (gsize i = 0; i < MAPS_N * MAPS_N; i++)
    {
      gsize x = i % MAPS_N, y = i / MAPS_N;

      if (maps_disc (x, y) == 0 || maps_no_whiteline (x, y))
        n_left_out++;
      else
        n_disc[maps_disc (x, y)]++;
    }
  g_assert_true (evox_test_wait_for (has_sweep, panel, 60));
  sweep = evox_cluster_panel_get_sweep (panel);
  g_assert_cmpuint (sweep->n_sampled, ==, MAPS_N * MAPS_N - n_left_out);
  g_assert_cmpint (sweep->knee_k, ==, 2);

  g_object_set (panel, "k", 2, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "clusters.run", NULL));
  g_assert_true (evox_test_wait_for (not_busy, panel, 60));
  g_assert_cmpstr (evox_cluster_panel_get_error (panel), ==, "");
  clusters = evox_document_get_clusters (document);
  g_assert_nonnull (clusters);
  g_assert_cmpuint (evox_clusters_get_k (clusters), ==, 2);
  g_assert_cmpuint (evox_clusters_get_n_masked (clusters), ==, MAPS_N * MAPS_N - n_left_out);
  ids = evox_clusters_get_data (clusters);
  for (gsize i = 0; i < MAPS_N * MAPS_N; i++)
    {
      gsize x = i % MAPS_N, y = i / MAPS_N;
      guint id = ids[i];

      if (maps_disc (x, y) == 0 || maps_no_whiteline (x, y))
        {
          g_assert_cmpuint (id, ==, 0);
          continue;
        }
      g_assert_cmpuint (id, >=, 1);
      g_assert_cmpuint (id, <=, 2);
      if (disc_of[id] < 0)
        disc_of[id] = maps_disc (x, y);
      g_assert_cmpint (disc_of[id], ==, maps_disc (x, y));
    }
  for (guint id = 1; id <= 2; id++)
    {
      g_assert_cmpuint (evox_clusters_get_voxels (clusters, id), ==, n_disc[disc_of[id]]);
      g_assert_cmpfloat_with_epsilon (evox_clusters_get_fraction (clusters, id),
                                      (double) n_disc[disc_of[id]] /
                                      (MAPS_N * MAPS_N - n_left_out), 1e-12);
      for (guint c = 0; c < 3; c++)
        {
          const float *data = evox_volume_get_data (shown, c);
          double sum = 0;

          for (gsize i = 0; i < MAPS_N * MAPS_N; i++)
            if (ids[i] == id)
              sum += data[i];
          assert_close (evox_clusters_get_mean_curve (clusters, id)[c],
                        sum / n_disc[disc_of[id]]);
        }
    }
  left_out_text = g_strdup_printf ("%" G_GUINT64_FORMAT " voxels with a non-finite feature "
                                   "left out", n_left_out);
  g_assert_nonnull (strstr (evox_cluster_panel_get_summary (panel), left_out_text));
  evox_test_wait_painted (GTK_WIDGET (window));
  evox_test_screenshot (GTK_WIDGET (window), "cluster-maps");

  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Export Plot: nothing before a run; after one, an SVG whose text names every cluster (GMarkup
 * parses it) and a PNG of 1500 x 1000 pixels. */
static void
test_export_plot (Fixture       *fixture,
                  gconstpointer  user_data)
{
  char *dir = evox_test_tmpdir_new ();
  g_autofree char *svg = g_build_filename (dir, "plot.svg", NULL);
  g_autofree char *png = g_build_filename (dir, "plot.png", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMarkupParseContext) context = NULL;
  const GMarkupParser parser = { 0 };
  EvoxClusters *clusters;
  gsize length;

  g_assert_false (evox_cluster_panel_export_plot (fixture->panel, svg, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (g_file_test (svg, G_FILE_TEST_EXISTS));

  clusters = run_clusters (fixture, 3);
  evox_clusters_set_name (clusters, 2, "Binder & pores");
  g_assert_true (evox_cluster_panel_export_plot (fixture->panel, svg, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (svg, &contents, &length, NULL));
  context = g_markup_parse_context_new (&parser, 0, NULL, NULL);
  g_assert_true (g_markup_parse_context_parse (context, contents, length, &error));
  g_assert_true (g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (contents, "<desc>Cluster 1\nBinder &amp; pores\nCluster 3</desc>"));

  g_assert_true (evox_cluster_panel_export_plot (fixture->panel, png, FALSE, &error));
  g_assert_no_error (error);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (png, &contents, &length, NULL));
  g_assert_cmpuint (GUINT32_FROM_BE (*(guint32 *) (contents + 16)), ==, 1500);
  g_assert_cmpuint (GUINT32_FROM_BE (*(guint32 *) (contents + 20)), ==, 1000);
  evox_test_tmpdir_free (dir);
}

/* The channel list: "1" clusters on channel 1 alone (curves of one feature, its brute-force
 * means); a list naming no channel turns the entry red and Run refuses with the reason; after
 * Make Phase the derived Clusters channel is left out of the default features; the local
 * texture takes the channel chosen on the page, not the one shown. */
static void
test_channels (Fixture       *fixture,
               gconstpointer  user_data)
{
  GtkWidget *entry = evox_test_find_descendant (GTK_WIDGET (fixture->panel), GTK_TYPE_ENTRY);
  EvoxClusters *clusters, *before;
  EvoxVolume *volume;
  const guint16 *labels;

  g_assert_nonnull (entry);
  g_object_set (fixture->panel, "channels", "1", NULL);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "1");
  g_assert_false (gtk_widget_has_css_class (entry, "error"));
  clusters = run_clusters (fixture, 3);
  g_assert_cmpuint (evox_clusters_get_n_features (clusters), ==, 1);
  g_assert_cmpstr (evox_clusters_get_info (clusters, "features"), ==, "channels 1");
  labels = evox_clusters_get_data (clusters);
  for (guint id = 1; id <= 3; id++)
    {
      double mean, std;

      block_of_cluster (clusters, id);
      brute_stats (fixture->volume, labels, id, 1, &mean, &std);
      assert_close (evox_clusters_get_mean_curve (clusters, id)[0], mean);
    }

  /* Typed wrong: red, and Run says why and leaves the clusters. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "0, 7");
  g_assert_true (gtk_widget_has_css_class (entry, "error"));
  before = evox_document_get_clusters (fixture->document);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "clusters.run", NULL));
  g_assert_false (evox_cluster_panel_is_busy (fixture->panel));
  g_assert_nonnull (strstr (evox_cluster_panel_get_error (fixture->panel), "\"7\""));
  g_assert_true (evox_document_get_clusters (fixture->document) == before);

  /* Empty: every channel; Make Phase adds the derived Clusters channel, which the next run
   * leaves out. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  g_assert_false (gtk_widget_has_css_class (entry, "error"));
  clusters = run_clusters (fixture, 3);
  g_assert_cmpuint (evox_clusters_get_n_features (clusters), ==, 2);
  g_object_set (fixture->panel, "texture-channel", 1, NULL);
  gtk_list_box_select_row (evox_cluster_panel_get_list (fixture->panel), row_at (fixture, 2));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "clusters.make-phase",
                                             NULL));
  g_assert_cmpstr (evox_cluster_panel_get_error (fixture->panel), ==, "");
  volume = evox_document_get_volume (fixture->document);
  /* The derived volume shows its Clusters channel; the texture channel stays the page's. */
  g_assert_cmpuint (evox_document_get_channel (fixture->document), ==, 2);
  {
    guint texture;

    g_object_get (fixture->panel, "texture-channel", &texture, NULL);
    g_assert_cmpuint (texture, ==, 1);
  }
  g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 3);
  g_assert_true (evox_volume_get_channel_derived (volume, 2));
  clusters = run_clusters (fixture, 3);
  g_assert_cmpuint (evox_clusters_get_n_features (clusters), ==, 2);
  for (guint id = 1; id <= 3; id++)
    block_of_cluster (clusters, id);

  /* The texture of channel 1 while channel 0 is shown: the first feature is channel 1's value. */
  evox_document_set_channel (fixture->document, 0);
  g_object_set (fixture->panel, "features", EVOX_FEATURES_LOCAL, NULL);
  clusters = run_clusters (fixture, 3);
  g_assert_cmpuint (evox_clusters_get_n_features (clusters), ==, 4);
  g_assert_nonnull (strstr (evox_clusters_get_info (clusters, "features"), "of channel 1"));
  labels = evox_clusters_get_data (clusters);
  for (guint id = 1; id <= 3; id++)
    {
      double mean, std;

      brute_stats (fixture->volume, labels, id, 1, &mean, &std);
      assert_close (evox_clusters_get_mean_curve (clusters, id)[0], mean);
    }
}

/* Twelve clusters' curves: the legend wraps into rows inside the plot's width (it ran off the
 * left edge in one row before), and the plot area starts below it. */
static void
test_legend (Fixture       *fixture,
             gconstpointer  user_data)
{
  EvoxPlot *curves = EVOX_PLOT (evox_cluster_panel_get_curve_plot (fixture->panel));
  graphene_rect_t bounds;
  double x0, x1, y0, y1, top_x, top_y;
  guint rows;

  run_clusters (fixture, 12);
  evox_test_wait_painted (GTK_WIDGET (curves));
  g_assert_cmpuint (evox_plot_get_n_lines (curves), ==, 12);
  rows = evox_plot_get_legend (curves, &bounds);
  g_test_message ("legend: %u rows, x %g..%g of %d, y %g..%g", rows, bounds.origin.x,
                  bounds.origin.x + bounds.size.width, gtk_widget_get_width (GTK_WIDGET (curves)),
                  bounds.origin.y, bounds.origin.y + bounds.size.height);
  g_assert_cmpuint (rows, >=, 2);
  g_assert_cmpfloat (bounds.origin.x, >=, 0);
  g_assert_cmpfloat (bounds.origin.x + bounds.size.width, <=,
                     gtk_widget_get_width (GTK_WIDGET (curves)));
  g_assert_true (evox_plot_get_ranges (curves, &x0, &x1, &y0, &y1));
  g_assert_true (evox_plot_data_to_widget (curves, x0, y1, &top_x, &top_y));
  g_assert_cmpfloat (top_y, >=, bounds.origin.y + bounds.size.height);
  /* The plot grew by the extra rows rather than squeezing its curves. */
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (curves)), >, 180);
  gtk_widget_grab_focus (GTK_WIDGET (curves));
  evox_test_wait_painted (GTK_WIDGET (curves));
  evox_test_screenshot (GTK_WIDGET (curves), "cluster-legend");
}

/* Prints the minimum width of each child of widget down to `depth` levels (diagnostics). */
static void
print_widths (GtkWidget *widget,
              int        depth,
              int        indent)
{
  int min = 0, nat = 0;

  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  g_test_message ("%*s%s %s: min %d nat %d", indent, "", G_OBJECT_TYPE_NAME (widget),
                  gtk_widget_get_name (widget), min, nat);
  if (depth == 0)
    return;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    print_widths (c, depth - 1, indent + 2);
}

#define SIDE_MAX_WIDTH 470

/* The side panel (the paned's end child) must stay as narrow as before the Clusters page came:
 * the side stack is homogeneous, so the widest page's minimum width is the panel's. */
static void
test_side_width (void)
{
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  GtkWidget *paned, *side;
  int min = 0, nat = 0;

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  evox_window_open_demo (window);
  g_assert_true (evox_test_wait_for (window_idle, window, 60));
  evox_window_show_page (window, "clusters");
  /* with a result: twelve rows, their curves and legend, the domain table */
  g_object_set (evox_window_get_cluster_panel (window), "k", 12, "restarts", 1, NULL);
  g_assert_true (gtk_widget_activate_action (evox_window_get_cluster_panel (window),
                                             "clusters.run", NULL));
  g_assert_true (evox_test_wait_for (window_has_clusters, window, 120));
  evox_test_wait_painted (GTK_WIDGET (window));
  paned = evox_test_find_descendant (GTK_WIDGET (window), GTK_TYPE_PANED);
  g_assert_nonnull (paned);
  side = gtk_paned_get_end_child (GTK_PANED (paned));
  gtk_widget_measure (side, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  g_test_message ("side panel: min %d nat %d", min, nat);
  /* 461 px before the Clusters page came (the Particles page's grid); 823 px when the page
   * switcher's six buttons took the theme's 100 px each. */
  if (min > SIDE_MAX_WIDTH)
    print_widths (side, 12, 0);
  g_assert_cmpint (min, <=, SIDE_MAX_WIDTH);
  evox_test_close_window (window);
}

/* Each export action opens a chooser with its title and file name; cancelling writes nothing
 * and drops the chooser; accepting writes the file chosen (test_exports and test_export_plot
 * check what the writers write). */
static void
test_export_choosers (Fixture       *fixture,
                      gconstpointer  user_data)
{
  const struct { const char *action, *title, *name; } exports[] = {
    { "clusters.export-curves", "Export Cluster Curves", "cluster-curves.csv" },
    { "clusters.export-stats", "Export Domain Statistics", "cluster-domains.csv" },
    { "clusters.export-plot", "Export Plot (PNG, SVG or PDF)", "cluster-curves.svg" },
  };
  g_autofree char *dir = evox_test_tmpdir_new ();

  run_clusters (fixture, 2);
  for (guint i = 0; i < G_N_ELEMENTS (exports); i++)
    {
      g_autofree char *path = g_build_filename (dir, exports[i].name, NULL);
      GtkWindow *chooser;

      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel),
                                                 exports[i].action, NULL));
      g_assert_true (evox_test_wait_for (evox_test_file_dialog_shown, NULL, 60));
      chooser = evox_test_find_file_dialog ();
      g_assert_cmpstr (gtk_window_get_title (chooser), ==, exports[i].title);
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      g_assert_cmpstr (gtk_file_chooser_get_current_name (GTK_FILE_CHOOSER (chooser)), ==,
                       exports[i].name);
      /* The response handler drops the chooser, which destroys the dialog. */
      gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_CANCEL);
      G_GNUC_END_IGNORE_DEPRECATIONS
      g_assert_true (evox_test_wait_for (evox_test_file_dialog_gone, NULL, 60));
      g_assert_cmpuint (evox_test_count_entries (dir), ==, i);

      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel),
                                                 exports[i].action, NULL));
      evox_test_answer_file_dialog (path, GTK_RESPONSE_ACCEPT);
      g_assert_true (evox_test_wait_for (evox_test_file_dialog_gone, NULL, 60));
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
      g_assert_cmpuint (evox_test_count_entries (dir), ==, i + 1);
    }
  g_assert_cmpstr (evox_cluster_panel_get_error (fixture->panel), ==, "");
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Channels that are energies are named as the rest of the window names them, once ("8324 eV",
 * not the reader's "8324.0 eV" label), in the Domains page's channel list. */
static void
test_energy_names (void)
{
  g_autoptr(EvoxDocument) document = evox_document_new ();
  g_autoptr(EvoxVolume) volume = blocks_volume ();
  EvoxClusterPanel *panel = EVOX_CLUSTER_PANEL (evox_cluster_panel_new ());
  GtkWidget *window;
  GtkDropDown *dropdown;
  GListModel *items;

  evox_volume_set_channel_info (volume, 0, "8324.0 eV", 8324.0);
  evox_volume_set_channel_info (volume, 1, "8354.0 eV", 8354.0);
  evox_document_set_volume (document, volume, "energies", NULL);
  evox_cluster_panel_set_document (panel, document);
  window = evox_test_panel_window_new (GTK_WIDGET (panel), 600, 1000);
  dropdown = GTK_DROP_DOWN (evox_test_find_named (GTK_WIDGET (panel), "domain-channel"));
  g_assert_nonnull (dropdown);
  items = gtk_drop_down_get_model (dropdown);
  g_assert_cmpuint (g_list_model_get_n_items (items), ==, 2);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (items), 0), ==, "8324 eV");
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (items), 1), ==, "8354 eV");
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
  /* The sweep the shown page started holds them until its worker stops. */
  evox_test_assert_released (g_steal_pointer (&document));
  evox_test_assert_released (g_steal_pointer (&volume));
}

int
main (int    argc,
      char **argv)
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;

  g_test_add ("/Evox/ClusterPanel/run", Fixture, NULL, fixture_set_up, test_run,
              fixture_tear_down);
  g_test_add ("/Evox/ClusterPanel/exports", Fixture, NULL, fixture_set_up, test_exports,
              fixture_tear_down);
  g_test_add ("/Evox/ClusterPanel/export-plot", Fixture, NULL, fixture_set_up, test_export_plot,
              fixture_tear_down);
  g_test_add ("/Evox/ClusterPanel/export-choosers", Fixture, NULL, fixture_set_up,
              test_export_choosers, fixture_tear_down);
  g_test_add ("/Evox/ClusterPanel/particles", Fixture, NULL, fixture_set_up, test_particles,
              fixture_tear_down);
  g_test_add ("/Evox/ClusterPanel/merge-phase", Fixture, NULL, fixture_set_up, test_merge_phase,
              fixture_tear_down);
  g_test_add ("/Evox/ClusterPanel/sweep", Fixture, NULL, fixture_set_up, test_sweep,
              fixture_tear_down);
  g_test_add ("/Evox/ClusterPanel/mask", Fixture, NULL, fixture_set_up, test_mask,
              fixture_tear_down);
  g_test_add ("/Evox/ClusterPanel/nan", Fixture, NULL, fixture_set_up, test_nan,
              fixture_tear_down);
  g_test_add ("/Evox/ClusterPanel/all-nan", Fixture, NULL, fixture_set_up, test_all_nan,
              fixture_tear_down);
  g_test_add ("/Evox/ClusterPanel/pca", Fixture, NULL, fixture_set_up, test_pca,
              fixture_tear_down);
  g_test_add ("/Evox/ClusterPanel/local", Fixture, NULL, fixture_set_up, test_local,
              fixture_tear_down);
  g_test_add ("/Evox/ClusterPanel/cancel", Fixture, NULL, fixture_set_up, test_cancel,
              fixture_tear_down);
  g_test_add ("/Evox/ClusterPanel/channels", Fixture, NULL, fixture_set_up, test_channels,
              fixture_tear_down);
  g_test_add ("/Evox/ClusterPanel/legend", Fixture, NULL, fixture_set_up, test_legend,
              fixture_tear_down);
  g_test_add_func ("/Evox/ClusterPanel/window", test_window);
  g_test_add_func ("/Evox/ClusterPanel/side-width", test_side_width);
  g_test_add_func ("/Evox/ClusterPanel/energy-names", test_energy_names);
  g_test_add_func ("/Evox/ClusterPanel/maps", test_maps);

  return g_test_run ();
}
