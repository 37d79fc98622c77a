/* test-particle-panel.c: the plot widget's mapping, bars, lines and readout; the particle panel
 * against a flood fill written here (rows, sorting, selection both ways, cancel, swaps). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "evox-csv.h"
#include "evox-document.h"
#include "evox-page-switcher.h"
#include "evox-particle-panel.h"
#include "evox-plot.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-window.h"

static GtkWidget *
show_in_window (GtkWidget *child,
                int        width,
                int        height)
{
  GtkWidget *window = evox_test_show_in_window (child, width, height);

  evox_test_wait_painted (child);
  return window;
}

static void
close_window (GtkWidget *window)
{
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

typedef struct
{
  int r, g, b, a;
} Pixel;

static Pixel
pixel_at (const guint32 *pixels,
          int            width,
          int            height,
          double         x,
          double         y)
{
  int i = (int) floor (x), j = (int) floor (y);
  guint32 p;

  g_assert_cmpint (i, >=, 0);
  g_assert_cmpint (j, >=, 0);
  g_assert_cmpint (i, <, width);
  g_assert_cmpint (j, <, height);
  p = pixels[(gsize) j * width + i];
  return (Pixel) { (p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff, p >> 24 };
}

static gboolean
is_red (Pixel p)
{
  return p.a > 200 && p.r > 200 && p.g < 60 && p.b < 60;
}

/* Plot */

static const GdkRGBA red = { 1, 0, 0, 1 };
static const GdkRGBA blue = { 0, 0, 1, 1 };
static const GdkRGBA green = { 0, 0.6f, 0, 1 };

static void
test_plot_empty (void)
{
  EvoxPlot *plot = EVOX_PLOT (evox_plot_new ());
  GtkWidget *window = show_in_window (GTK_WIDGET (plot), 320, 200);
  double x, y;
  int width, height;

  g_assert_false (evox_plot_has_data (plot));
  g_assert_false (evox_plot_get_ranges (plot, NULL, NULL, NULL, NULL));
  g_assert_false (evox_plot_data_to_widget (plot, 0, 0, &x, &y));
  g_assert_null (evox_plot_dup_readout (plot, 100, 100));
  evox_plot_set_placeholder (plot, "Nothing here");
  g_free (evox_test_render_widget (GTK_WIDGET (plot), &width, &height));

  close_window (window);
}

static void
test_plot_bars (void)
{
  static const double edges[] = { 0, 10, 20, 30, 40 };
  static const double counts[] = { 3, 8, 0, 5 };
  EvoxPlot *plot = EVOX_PLOT (evox_plot_new ());
  GtkWidget *window = show_in_window (GTK_WIDGET (plot), 420, 260);
  double x0, x1, y0, y1, left, right, top, bottom, mx, my;
  g_autofree guint32 *pixels = NULL;
  g_autofree char *readout = NULL;
  int width, height;

  evox_plot_set_axes (plot, "Diameter (nm)", "Particles");
  evox_plot_set_bars (plot, edges, counts, 4, &red);
  evox_plot_add_marker (plot, 25);
  evox_test_wait_painted (GTK_WIDGET (plot));

  g_assert_true (evox_plot_has_data (plot));
  g_assert_true (evox_plot_get_ranges (plot, &x0, &x1, &y0, &y1));
  g_assert_cmpfloat (x0, ==, 0);
  g_assert_cmpfloat (x1, ==, 40);
  g_assert_cmpfloat (y0, ==, 0);
  g_assert_cmpfloat (y1, >=, 8);
  g_assert_cmpfloat (y1, <, 8 * 1.5);

  /* The mapping is affine, x to the right and y upwards, inside the widget. */
  g_assert_true (evox_plot_data_to_widget (plot, x0, y0, &left, &bottom));
  g_assert_true (evox_plot_data_to_widget (plot, x1, y1, &right, &top));
  g_assert_cmpfloat (left, >, 0);
  g_assert_cmpfloat (right, >, left + 100);
  g_assert_cmpfloat (right, <=, gtk_widget_get_width (GTK_WIDGET (plot)));
  g_assert_cmpfloat (top, >=, 0);
  g_assert_cmpfloat (bottom, >, top + 50);
  g_assert_cmpfloat (bottom, <=, gtk_widget_get_height (GTK_WIDGET (plot)));
  g_assert_true (evox_plot_data_to_widget (plot, (x0 + x1) / 2, (y0 + y1) / 2, &mx, &my));
  g_assert_cmpfloat_with_epsilon (mx, (left + right) / 2, 1e-9);
  g_assert_cmpfloat_with_epsilon (my, (top + bottom) / 2, 1e-9);

  /* Each bar fills its bin up to its count and no higher; the empty bin stays empty. */
  pixels = evox_test_render_widget (GTK_WIDGET (plot), &width, &height);
  for (guint b = 0; b < 4; b++)
    {
      double centre = (edges[b] + edges[b + 1]) / 2;
      double px, inside, above, unit;

      evox_plot_data_to_widget (plot, centre, counts[b] / 2, &px, &inside);
      evox_plot_data_to_widget (plot, centre, counts[b] + 0.5, &px, &above);
      evox_plot_data_to_widget (plot, centre, 1, &px, &unit);
      if (counts[b] > 0)
        g_assert_true (is_red (pixel_at (pixels, width, height, px, inside)));
      else
        g_assert_false (is_red (pixel_at (pixels, width, height, px, unit)));
      if (counts[b] + 0.5 < y1)
        g_assert_false (is_red (pixel_at (pixels, width, height, px, above)));
      /* Just outside the bin's edges (bars leave a gap, never spill over). */
      evox_plot_data_to_widget (plot, edges[b] + 0.5, 0.5, &px, &inside);
      g_assert_true (is_red (pixel_at (pixels, width, height, px, inside)) == (counts[b] > 0));
    }

  /* The marker at x = 25 crosses the empty bin. */
  evox_plot_data_to_widget (plot, 25, 1, &mx, &my);
  g_assert_cmpint (pixel_at (pixels, width, height, round (mx), my).a, >, 0);
  evox_plot_data_to_widget (plot, 22, 1, &mx, &my);
  g_assert_cmpint (pixel_at (pixels, width, height, mx, my).a, ==, 0);

  /* The readout names the bin under the pointer. */
  evox_plot_data_to_widget (plot, 33, 2, &mx, &my);
  readout = evox_plot_dup_readout (plot, mx, my);
  g_assert_nonnull (readout);
  g_assert_nonnull (strstr (readout, "30 – 40"));
  g_assert_nonnull (strstr (readout, "Particles: 5"));
  g_assert_null (evox_plot_dup_readout (plot, 1, 1));

  evox_plot_clear (plot);
  g_assert_false (evox_plot_has_data (plot));
  close_window (window);
}

static void
test_plot_lines (void)
{
  static const double x[] = { -0.5, -0.25, 0, 0.25, 0.5 };
  static const double lo[] = { 0.40, 0.35, 0.30, 0.22, 0.10 };
  static const double hi[] = { 0.18, 0.25, 0.30, NAN, 0.36 };
  EvoxPlot *plot = EVOX_PLOT (evox_plot_new ());
  GtkWidget *window = show_in_window (GTK_WIDGET (plot), 420, 260);
  double x0, x1, y0, y1, px, py;
  g_autofree guint32 *pixels = NULL;
  g_autofree char *readout = NULL;
  int width, height;
  guint line;

  evox_plot_set_axes (plot, "Shift", "Fraction");
  line = evox_plot_add_line (plot, x, lo, 5, &blue, "lo edge");
  g_assert_cmpuint (line, ==, 0);
  evox_plot_set_line_points (plot, line, TRUE);
  line = evox_plot_add_line (plot, x, hi, 5, &green, "hi edge");
  g_assert_cmpuint (line, ==, 1);
  evox_plot_add_marker (plot, 0);
  evox_test_wait_painted (GTK_WIDGET (plot));

  g_assert_true (evox_plot_get_ranges (plot, &x0, &x1, &y0, &y1));
  g_assert_cmpfloat (x0, ==, -0.5);
  g_assert_cmpfloat (x1, ==, 0.5);
  g_assert_cmpfloat (y0, <=, 0.10);
  g_assert_cmpfloat (y0, >, 0.0 - 1e-12);
  g_assert_cmpfloat (y1, >=, 0.40);
  g_assert_cmpfloat (y1, <, 0.6);

  /* The dots of the first line sit at its points. */
  pixels = evox_test_render_widget (GTK_WIDGET (plot), &width, &height);
  for (guint i = 0; i < 5; i++)
    {
      Pixel p;

      g_assert_true (evox_plot_data_to_widget (plot, x[i], lo[i], &px, &py));
      p = pixel_at (pixels, width, height, px, py);
      g_assert_cmpint (p.a, >, 200);
      g_assert_cmpint (p.b, >, 200);
      g_assert_cmpint (p.r, <, 60);
    }
  /* Between two points, the line passes through their midpoint. */
  evox_plot_data_to_widget (plot, -0.375, 0.375, &px, &py);
  g_assert_cmpint (pixel_at (pixels, width, height, px, py).b, >, 100);

  /* The nearest point answers, with its line's name and both values. */
  evox_plot_data_to_widget (plot, 0.25, 0.22, &px, &py);
  readout = evox_plot_dup_readout (plot, px + 3, py - 2);
  g_assert_nonnull (readout);
  g_assert_nonnull (strstr (readout, "lo edge"));
  g_assert_nonnull (strstr (readout, "Shift = 0.25"));
  g_assert_nonnull (strstr (readout, "Fraction = 0.22"));
  g_clear_pointer (&readout, g_free);
  evox_plot_data_to_widget (plot, 0.5, 0.36, &px, &py);
  readout = evox_plot_dup_readout (plot, px, py);
  g_assert_nonnull (strstr (readout, "hi edge"));

  close_window (window);
}

/* Volumes and a flood fill */

#define SOLID 2

/* Sparse voxels of value SOLID (p) among 0s and 1s, with a non-trivial spacing and origin. */
static EvoxVolume *
random_volume (gsize   nx,
               gsize   ny,
               gsize   nz,
               double  p,
               guint64 seed)
{
  static const double spacing[3] = { 10, 12, 15 };
  static const double origin[3] = { 100, 0, -50 };
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (nx, ny, nz, 1, EVOX_SAMPLE_U8, &error);
  guint8 *data;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize i = 0; i < nx * ny * nz; i++)
    {
      double u = evox_test_uniform (&seed);
      data[i] = u < p ? SOLID : u < 2 * p ? 1 : 0;
    }
  evox_volume_set_spacing (volume, spacing);
  evox_volume_set_origin (volume, origin);
  evox_volume_freeze (volume);
  return volume;
}

typedef struct
{
  guint     n;          /* components */
  guint32  *component;  /* per voxel, 0 for background, else 1..n */
  GArray   *sizes;      /* guint64 per component (index c - 1) */
  GArray   *first;      /* gsize: the first voxel of each component in raster order */
  gsize     dims[3];
} Flood;

static void
flood_free (Flood *flood)
{
  g_free (flood->component);
  g_array_unref (flood->sizes);
  g_array_unref (flood->first);
  g_free (flood);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Flood, flood_free)

/* Breadth-first flood fill of value == target over the 26 neighbours. */
static Flood *
flood_fill (EvoxVolume *volume,
            double      target)
{
  Flood *flood = g_new0 (Flood, 1);
  gsize n, *queue;

  evox_volume_get_dims (volume, flood->dims);
  n = flood->dims[0] * flood->dims[1] * flood->dims[2];
  flood->component = g_new0 (guint32, n);
  flood->sizes = g_array_new (FALSE, FALSE, sizeof (guint64));
  flood->first = g_array_new (FALSE, FALSE, sizeof (gsize));
  queue = g_new (gsize, n);

  for (gsize seed = 0; seed < n; seed++)
    {
      gsize head = 0, tail = 0;
      guint64 size = 0;
      gsize sx = seed % flood->dims[0], sy = seed / flood->dims[0] % flood->dims[1];
      gsize sz = seed / (flood->dims[0] * flood->dims[1]);

      if (flood->component[seed] != 0 || evox_volume_get_value (volume, 0, sx, sy, sz) != target)
        continue;
      flood->n++;
      g_array_append_val (flood->first, seed);
      flood->component[seed] = flood->n;
      queue[tail++] = seed;
      while (head < tail)
        {
          gsize v = queue[head++];
          gssize x = v % flood->dims[0], y = v / flood->dims[0] % flood->dims[1];
          gssize z = v / (flood->dims[0] * flood->dims[1]);

          size++;
          for (int dz = -1; dz <= 1; dz++)
            for (int dy = -1; dy <= 1; dy++)
              for (int dx = -1; dx <= 1; dx++)
                {
                  gssize a = x + dx, b = y + dy, c = z + dz;
                  gsize w;

                  if (a < 0 || b < 0 || c < 0 || a >= (gssize) flood->dims[0] ||
                      b >= (gssize) flood->dims[1] || c >= (gssize) flood->dims[2])
                    continue;
                  w = ((gsize) c * flood->dims[1] + b) * flood->dims[0] + a;
                  if (flood->component[w] == 0 &&
                      evox_volume_get_value (volume, 0, a, b, c) == target)
                    {
                      flood->component[w] = flood->n;
                      queue[tail++] = w;
                    }
                }
        }
      g_array_append_val (flood->sizes, size);
    }
  g_free (queue);
  return flood;
}

static guint64
flood_size (Flood *flood,
            guint  c)
{
  return g_array_index (flood->sizes, guint64, c - 1);
}

static guint
flood_count (Flood   *flood,
             guint64  min_size)
{
  guint n = 0;

  for (guint c = 1; c <= flood->n; c++)
    n += flood_size (flood, c) >= min_size;
  return n;
}

/* The component a particle of the document's labels is (through its first voxel), checking
 * that the two partitions agree on that component. */
static guint
component_of (Flood      *flood,
              EvoxLabels *labels,
              guint       id)
{
  const guint32 *data = evox_labels_get_data (labels);
  gsize n = flood->dims[0] * flood->dims[1] * flood->dims[2];
  guint c = 0;

  for (gsize v = 0; v < n && c == 0; v++)
    if (data[v] == id)
      c = flood->component[v];
  g_assert_cmpuint (c, !=, 0);
  for (gsize v = 0; v < n; v++)
    g_assert_true ((data[v] == id) == (flood->component[v] == c));
  return c;
}

/* The slice indices must be a voxel of component c nearest (in nm) its centroid. */
static void
assert_slices_in (EvoxDocument *document,
                  EvoxVolume   *volume,
                  Flood        *flood,
                  guint         c)
{
  double spacing[3], centroid[3] = { 0, 0, 0 }, best = INFINITY, d2 = 0;
  gsize n = flood->dims[0] * flood->dims[1] * flood->dims[2];
  guint slice[3];

  evox_volume_get_spacing (volume, spacing);
  for (gsize v = 0; v < n; v++)
    if (flood->component[v] == c)
      {
        centroid[0] += v % flood->dims[0];
        centroid[1] += v / flood->dims[0] % flood->dims[1];
        centroid[2] += v / (flood->dims[0] * flood->dims[1]);
      }
  for (guint axis = 0; axis < 3; axis++)
    centroid[axis] /= flood_size (flood, c);
  for (gsize v = 0; v < n; v++)
    if (flood->component[v] == c)
      {
        double d[3] = { (v % flood->dims[0] - centroid[0]) * spacing[0],
                        (v / flood->dims[0] % flood->dims[1] - centroid[1]) * spacing[1],
                        (v / (flood->dims[0] * flood->dims[1]) - centroid[2]) * spacing[2] };
        best = MIN (best, d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
      }
  for (guint axis = 0; axis < 3; axis++)
    {
      slice[axis] = evox_document_get_slice (document, axis);
      d2 += pow ((slice[axis] - centroid[axis]) * spacing[axis], 2);
    }
  g_assert_cmpuint (flood->component[((gsize) slice[2] * flood->dims[1] + slice[1]) *
                                     flood->dims[0] + slice[0]], ==, c);
  g_assert_cmpfloat (d2, <=, best + 1e-6);
}

/* Panel fixture */

typedef struct
{
  EvoxDocument      *document;
  EvoxVolume        *volume;
  EvoxParticlePanel *panel;
  GtkWidget         *window;
  Flood             *flood;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(EvoxPhase) phase = evox_phase_new ("Solid", SOLID, SOLID, "#e01b24");

  fixture->document = evox_document_new ();
  fixture->volume = random_volume (23, 19, 17, 0.07, 7);
  fixture->flood = flood_fill (fixture->volume, SOLID);
  evox_document_set_volume (fixture->document, fixture->volume, "random", NULL);
  evox_phase_list_append (evox_document_get_phases (fixture->document), phase);
  evox_document_set_selected_phase (fixture->document, 0);

  fixture->panel = EVOX_PARTICLE_PANEL (evox_particle_panel_new ());
  evox_particle_panel_set_document (fixture->panel, fixture->document);
  fixture->window = show_in_window (GTK_WIDGET (fixture->panel), 700, 900);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  if (fixture->window != NULL)
    close_window (fixture->window);
  /* A search the panel cancelled holds them until its worker stops. */
  evox_test_assert_released (fixture->document);
  evox_test_assert_released (fixture->volume);
  flood_free (fixture->flood);
}

static gboolean
has_labels (gpointer data)
{
  return evox_document_get_labels (data) != NULL;
}

static void
find_particles (Fixture *fixture)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "particles.find",
                                             NULL));
  g_assert_true (evox_test_wait_for (has_labels, fixture->document, 60));
  g_assert_false (evox_particle_panel_is_busy (fixture->panel));
  g_assert_cmpstr (evox_particle_panel_get_error (fixture->panel), ==, "");
  evox_test_wait_painted (GTK_WIDGET (fixture->panel));
}

static GtkSingleSelection *
table_selection (Fixture *fixture)
{
  return GTK_SINGLE_SELECTION (gtk_column_view_get_model (
                                 evox_particle_panel_get_column_view (fixture->panel)));
}

static guint
n_rows (Fixture *fixture)
{
  return g_list_model_get_n_items (G_LIST_MODEL (table_selection (fixture)));
}

static guint
row_id_at (Fixture *fixture,
           guint    position)
{
  g_autoptr(GObject) row = g_list_model_get_item (G_LIST_MODEL (table_selection (fixture)),
                                                  position);
  guint id = 0;

  g_assert_nonnull (row);
  g_object_get (row, "id", &id, NULL);
  return id;
}

static guint64
row_voxels_at (Fixture *fixture,
               guint    position)
{
  g_autoptr(GObject) row = g_list_model_get_item (G_LIST_MODEL (table_selection (fixture)),
                                                  position);
  guint64 voxels = 0;

  g_object_get (row, "voxels", &voxels, NULL);
  return voxels;
}

static guint
selected_row_id (Fixture *fixture)
{
  GObject *row = gtk_single_selection_get_selected_item (table_selection (fixture));
  guint id = 0;

  if (row != NULL)
    g_object_get (row, "id", &id, NULL);
  return id;
}

static void
sort_by (Fixture     *fixture,
         const char  *title,
         GtkSortType  order)
{
  GtkColumnView *view = evox_particle_panel_get_column_view (fixture->panel);
  GListModel *columns = gtk_column_view_get_columns (view);

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      if (g_strcmp0 (gtk_column_view_column_get_title (column), title) == 0)
        {
          g_assert_nonnull (gtk_column_view_column_get_sorter (column));
          gtk_column_view_sort_by_column (view, column, order);
          evox_test_wait_painted (GTK_WIDGET (view));
          return;
        }
    }
  g_error ("no column “%s”", title);
}

static int
compare_uint64_down (gconstpointer a,
                     gconstpointer b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;

  return (x < y) - (x > y);
}

static void
test_panel_find (Fixture       *fixture,
                 gconstpointer  user_data)
{
  EvoxDocument *document = fixture->document;
  g_autoptr(GArray) sizes = NULL;
  g_autofree char *count_text = NULL;
  EvoxLabels *labels;
  guint n, id, other, c, before[3];
  double x0, x1;

  /* Nothing computed: an empty table and a summary that says so. */
  g_assert_null (evox_document_get_labels (document));
  g_assert_cmpuint (n_rows (fixture), ==, 0);
  g_assert_nonnull (strstr (evox_particle_panel_get_summary (fixture->panel), "No particles"));
  g_assert_false (evox_plot_has_data (EVOX_PLOT (evox_particle_panel_get_plot (fixture->panel))));
  g_assert_cmpint (evox_particle_panel_get_connectivity (fixture->panel), ==, 26);

  evox_particle_panel_set_min_size (fixture->panel, 1);
  find_particles (fixture);
  labels = evox_document_get_labels (document);
  n = flood_count (fixture->flood, 1);
  g_assert_cmpuint (n, >, 20);
  g_assert_cmpuint (n_rows (fixture), ==, n);
  g_assert_cmpuint (evox_labels_get_n_particles (labels), ==, n);
  count_text = g_strdup_printf ("%u particles in “Solid”", n);
  g_assert_nonnull (strstr (evox_particle_panel_get_summary (fixture->panel), count_text));
  g_assert_nonnull (strstr (evox_particle_panel_get_summary (fixture->panel), "26-connected"));

  /* The size distribution: every particle's diameter counted once, in the bin that holds it. */
  {
    EvoxPlot *plot = EVOX_PLOT (evox_particle_panel_get_plot (fixture->panel));
    const double *edges = NULL, *counts;
    g_autofree double *brute = NULL;
    guint n_bins = 0;

    counts = evox_plot_get_bars (plot, &edges, &n_bins);
    g_assert_nonnull (counts);
    g_assert_cmpuint (n_bins, >=, 5);
    g_assert_cmpuint (n_bins, <=, 31);
    brute = g_new0 (double, n_bins);
    for (guint i = 1; i <= n; i++)
      {
        double d = evox_labels_get_particle (labels, i)->diameter_nm;
        guint b = 0;

        g_assert_cmpfloat (d, >=, edges[0]);
        g_assert_cmpfloat (d, <=, edges[n_bins]);
        while (b + 1 < n_bins && d >= edges[b + 1])
          b++;
        brute[b] += 1;
      }
    for (guint b = 0; b < n_bins; b++)
      g_assert_cmpfloat (counts[b], ==, brute[b]);
    g_assert_true (evox_plot_get_ranges (plot, &x0, &x1, NULL, NULL));
    g_assert_cmpfloat (x0, ==, edges[0]);
    g_assert_cmpfloat (x1, ==, edges[n_bins]);
  }

  /* Sorted by voxels, largest first: the flood fill's sizes in decreasing order. */
  sort_by (fixture, "Voxels", GTK_SORT_DESCENDING);
  sizes = g_array_copy (fixture->flood->sizes);
  g_array_sort (sizes, compare_uint64_down);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (row_voxels_at (fixture, i), ==, g_array_index (sizes, guint64, i));

  /* Selecting a row selects the particle and puts the slices through it. */
  gtk_single_selection_set_selected (table_selection (fixture), 2);
  id = row_id_at (fixture, 2);
  g_assert_cmpuint (evox_document_get_selected_particle (document), ==, id);
  c = component_of (fixture->flood, labels, id);
  g_assert_cmpuint (row_voxels_at (fixture, 2), ==, flood_size (fixture->flood, c));
  assert_slices_in (document, fixture->volume, fixture->flood, c);

  /* Another sort keeps the selection. */
  sort_by (fixture, "Diameter (nm)", GTK_SORT_ASCENDING);
  g_assert_cmpuint (selected_row_id (fixture), ==, id);
  g_assert_cmpuint (evox_document_get_selected_particle (document), ==, id);

  /* The document's selection (a hover in the canvas) selects the row, without moving slices. */
  other = id == n ? 1 : n;
  for (guint axis = 0; axis < 3; axis++)
    before[axis] = evox_document_get_slice (document, axis);
  evox_document_set_selected_particle (document, other);
  evox_test_wait_painted (GTK_WIDGET (fixture->panel));
  g_assert_cmpuint (selected_row_id (fixture), ==, other);
  for (guint axis = 0; axis < 3; axis++)
    g_assert_cmpuint (evox_document_get_slice (document, axis), ==, before[axis]);
  evox_document_set_selected_particle (document, 0);
  g_assert_cmpuint (gtk_single_selection_get_selected (table_selection (fixture)), ==,
                    GTK_INVALID_LIST_POSITION);
  g_assert_cmpuint (evox_document_get_selected_particle (document), ==, 0);

  /* Activating a row (Enter, double click) focuses it too. */
  g_signal_emit_by_name (evox_particle_panel_get_column_view (fixture->panel), "activate", 0);
  c = component_of (fixture->flood, labels, row_id_at (fixture, 0));
  assert_slices_in (document, fixture->volume, fixture->flood, c);

  /* A new volume clears the particles and the table. */
  {
    g_autoptr(EvoxVolume) volume = random_volume (8, 8, 8, 0.1, 99);

    evox_document_set_volume (document, volume, "other", NULL);
    g_assert_null (evox_document_get_labels (document));
    g_assert_cmpuint (n_rows (fixture), ==, 0);
    g_assert_nonnull (strstr (evox_particle_panel_get_summary (fixture->panel),
                              "No particles"));
    evox_document_set_volume (document, NULL, NULL, NULL);
  }
}

static void
test_panel_min_size (Fixture       *fixture,
                     gconstpointer  user_data)
{
  guint kept = flood_count (fixture->flood, 3);
  guint dropped = fixture->flood->n - kept;
  g_autofree char *dropped_text = g_strdup_printf ("%u components under 3 voxels dropped", dropped);

  g_assert_cmpuint (dropped, >, 0);
  g_assert_cmpuint (kept, >, 0);
  evox_particle_panel_set_min_size (fixture->panel, 3);
  find_particles (fixture);
  g_assert_cmpuint (n_rows (fixture), ==, kept);
  g_assert_cmpuint (evox_labels_get_n_dropped (evox_document_get_labels (fixture->document)), ==,
                    dropped);
  g_assert_nonnull (strstr (evox_particle_panel_get_summary (fixture->panel), dropped_text));
  for (guint i = 0; i < kept; i++)
    g_assert_cmpuint (row_voxels_at (fixture, i), >=, 3);

  /* A changed range marks the particles as stale. */
  evox_phase_set_range (evox_phase_list_get_phase (evox_document_get_phases (fixture->document),
                                                   0), 1, SOLID);
  g_assert_nonnull (strstr (evox_particle_panel_get_summary (fixture->panel), "changed"));
}

static void
test_panel_cancel (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(EvoxDocument) second = evox_document_new ();
  /* The volume's holders without a search: each one cancelled below lets go of it once its
   * callback has dropped the result. */
  guint refs = evox_test_get_refs (fixture->volume);
  guint notified = 0;

  g_signal_connect_swapped (fixture->panel, "notify::busy", G_CALLBACK (g_atomic_int_inc),
                            &notified);

  /* Cancelled at once: the result, whenever it comes, is dropped. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "particles.find",
                                             NULL));
  g_assert_true (evox_particle_panel_is_busy (fixture->panel));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "particles.cancel",
                                             NULL));
  g_assert_false (evox_particle_panel_is_busy (fixture->panel));
  g_assert_cmpuint (notified, ==, 2);
  evox_test_wait_refs (fixture->volume, refs);
  g_assert_null (evox_document_get_labels (fixture->document));
  g_assert_cmpstr (evox_particle_panel_get_error (fixture->panel), ==, "");

  /* A second search after a cancelled one completes. */
  find_particles (fixture);
  g_assert_cmpuint (n_rows (fixture), ==, flood_count (fixture->flood, 8));

  /* Swapping the document cancels a running search, and the old document gets nothing. */
  evox_document_set_labels (fixture->document, NULL);
  gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "particles.find", NULL);
  g_assert_true (evox_particle_panel_is_busy (fixture->panel));
  evox_particle_panel_set_document (fixture->panel, second);
  g_assert_false (evox_particle_panel_is_busy (fixture->panel));
  g_assert_cmpuint (n_rows (fixture), ==, 0);
  evox_test_wait_refs (fixture->volume, refs);
  g_assert_null (evox_document_get_labels (fixture->document));
  g_assert_nonnull (strstr (evox_particle_panel_get_summary (fixture->panel), "volume"));
  /* Without a volume there is nothing to find. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "particles.find", NULL);
  g_assert_false (evox_particle_panel_is_busy (fixture->panel));

  /* Closing the window during a search: the panel goes, the search's end finds nothing. */
  evox_particle_panel_set_document (fixture->panel, fixture->document);
  gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "particles.find", NULL);
  g_assert_true (evox_particle_panel_is_busy (fixture->panel));
  close_window (g_steal_pointer (&fixture->window));
  evox_test_wait_refs (fixture->volume, refs);
  g_assert_null (evox_document_get_labels (fixture->document));
}

static void
test_panel_no_phase (void)
{
  g_autoptr(EvoxVolume) volume = random_volume (6, 6, 6, 0.2, 3);
  EvoxDocument *document = evox_document_new ();
  EvoxParticlePanel *panel = EVOX_PARTICLE_PANEL (evox_particle_panel_new ());
  GtkWidget *window;

  g_object_set (panel, "document", document, NULL);
  g_assert_true (evox_particle_panel_get_document (panel) == document);
  evox_document_set_volume (document, volume, "v", NULL);
  window = show_in_window (GTK_WIDGET (panel), 500, 700);
  g_assert_nonnull (strstr (evox_particle_panel_get_summary (panel), "No phases"));
  gtk_widget_activate_action (GTK_WIDGET (panel), "particles.find", NULL);
  g_assert_false (evox_particle_panel_is_busy (panel));

  /* The dropdown follows the document's selected phase, and the other way round. */
  {
    g_autoptr(EvoxPhase) a = evox_phase_new ("A", 0, 0, "#000000");
    g_autoptr(EvoxPhase) b = evox_phase_new ("B", SOLID, SOLID, "#ffffff");
    GtkDropDown *dropdown = GTK_DROP_DOWN (evox_test_find_descendant (GTK_WIDGET (panel),
                                                                      GTK_TYPE_DROP_DOWN));

    evox_phase_list_append (evox_document_get_phases (document), a);
    evox_phase_list_append (evox_document_get_phases (document), b);
    gtk_drop_down_set_selected (dropdown, 0);
    g_assert_cmpint (evox_document_get_selected_phase (document), ==, 0);
    evox_document_set_selected_phase (document, 1);
    g_assert_cmpuint (gtk_drop_down_get_selected (dropdown), ==, 1);
    evox_particle_panel_set_min_size (panel, 1);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "particles.find", NULL));
    g_assert_true (evox_test_wait_for (has_labels, document, 60));
    g_assert_cmpstr (evox_labels_get_phase_name (evox_document_get_labels (document)), ==, "B");
  }

  close_window (window);
  g_assert_finalize_object (document);
}

/* Two phases that meet at one value (A = 1:3, B = 3:4): a voxel of value 3 is A's, as in the
 * fractions and label volumes, so B's particles are only its 4s. The volume is 3s for x < 3 and
 * 4s for x >= 3: counted by hand, B holds 5 * 6 * 6 = 180 voxels in one particle. */
static void
test_panel_shared_edge (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (8, 6, 6, 1, EVOX_SAMPLE_U8, &error);
  g_autoptr(EvoxPhase) a = evox_phase_new ("A", 1, 3, "#000000");
  g_autoptr(EvoxPhase) b = evox_phase_new ("B", 3, 4, "#ffffff");
  EvoxDocument *document = evox_document_new ();
  EvoxParticlePanel *panel = EVOX_PARTICLE_PANEL (evox_particle_panel_new ());
  EvoxLabels *labels;
  GtkWidget *window;
  guint8 *data;
  guint64 total = 0;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize i = 0; i < 8 * 6 * 6; i++)
    data[i] = i % 8 < 3 ? 3 : 4;
  evox_volume_freeze (volume);
  g_object_set (panel, "document", document, NULL);
  evox_document_set_volume (document, volume, "v", NULL);
  evox_phase_list_append (evox_document_get_phases (document), a);
  evox_phase_list_append (evox_document_get_phases (document), b);
  window = show_in_window (GTK_WIDGET (panel), 500, 700);
  evox_document_set_selected_phase (document, 1);
  evox_particle_panel_set_min_size (panel, 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "particles.find", NULL));
  g_assert_true (evox_test_wait_for (has_labels, document, 60));
  labels = evox_document_get_labels (document);
  g_assert_cmpstr (evox_labels_get_phase_name (labels), ==, "B");
  g_assert_cmpuint (evox_labels_get_n_particles (labels), ==, 1);
  for (guint i = 1; i <= evox_labels_get_n_particles (labels); i++)
    total += evox_labels_get_particle (labels, i)->voxels;
  g_assert_cmpuint (total, ==, 180);

  /* Phase A owns its edge, so its particles keep the 3s: 3 * 6 * 6 = 108 voxels. */
  evox_document_set_selected_phase (document, 0);
  evox_document_set_labels (document, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "particles.find", NULL));
  g_assert_true (evox_test_wait_for (has_labels, document, 60));
  labels = evox_document_get_labels (document);
  g_assert_cmpstr (evox_labels_get_phase_name (labels), ==, "A");
  g_assert_cmpuint (evox_labels_get_particle (labels, 1)->voxels, ==, 108);

  close_window (window);
  g_assert_finalize_object (document);
}

static const char *
column_title (EvoxParticlePanel *panel,
              const char        *prefix)
{
  GListModel *columns = gtk_column_view_get_columns (evox_particle_panel_get_column_view (panel));

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);
      const char *title = gtk_column_view_column_get_title (column);

      if (g_str_has_prefix (title, prefix))
        return title;
    }
  return NULL;
}

/* The column titles say the volume's unit before any particle is found: px while the voxel
 * size is not known (the .ui's "nm" said otherwise), nm once it is. */
static void
test_panel_units_before_find (void)
{
  g_autoptr(EvoxVolume) volume = random_volume (6, 6, 6, 0.2, 3);
  EvoxDocument *document = evox_document_new ();
  EvoxParticlePanel *panel = EVOX_PARTICLE_PANEL (evox_particle_panel_new ());
  const double spacing[3] = { 10, 10, 10 };
  GtkWidget *window;

  g_object_set (panel, "document", document, NULL);
  window = show_in_window (GTK_WIDGET (panel), 500, 700);
  evox_volume_set_spacing_known (volume, FALSE);
  evox_document_set_volume (document, volume, "v", NULL);
  g_assert_cmpstr (column_title (panel, "Diameter"), ==, "Diameter (px)");
  evox_document_set_voxel_size (document, spacing);
  g_assert_cmpstr (column_title (panel, "Diameter"), ==, "Diameter (nm)");
  close_window (window);
  g_assert_finalize_object (document);
}

typedef struct
{
  GtkAdjustment *adjustment;
  guint          position;
  guint          n_rows;
} RowInView;

static gboolean
row_in_view (gpointer data)
{
  RowInView *check = data;
  double row = gtk_adjustment_get_upper (check->adjustment) / check->n_rows;
  double top = check->position * row, value = gtk_adjustment_get_value (check->adjustment);

  return value <= top && top + row <= value + gtk_adjustment_get_page_size (check->adjustment);
}

/* 10^5 particles: isolated voxels on every other lattice site (a count known without labelling). */
static void
test_panel_many (void)
{
  const gsize side = 100, step = 2;
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (side, side, side, 1, EVOX_SAMPLE_U8, &error);
  g_autoptr(EvoxPhase) phase = evox_phase_new ("Dots", 1, 1, "#3584e4");
  guint8 *data = evox_volume_get_data_mut (volume, 0);
  guint expected = (side / step) * (side / step) * (side / step);
  guint middle = expected / 2 + 7;
  EvoxDocument *document = evox_document_new ();
  EvoxParticlePanel *panel = EVOX_PARTICLE_PANEL (evox_particle_panel_new ());
  GtkSingleSelection *selection;
  GtkWidget *window;
  gint64 start;

  g_assert_no_error (error);
  for (gsize z = 0; z < side; z += step)
    for (gsize y = 0; y < side; y += step)
      for (gsize x = 0; x < side; x += step)
        data[(z * side + y) * side + x] = 1;
  evox_volume_freeze (volume);
  evox_document_set_volume (document, volume, "dots", NULL);
  evox_phase_list_append (evox_document_get_phases (document), phase);
  evox_document_set_selected_phase (document, 0);
  evox_particle_panel_set_min_size (panel, 1);
  evox_particle_panel_set_document (panel, document);
  window = show_in_window (GTK_WIDGET (panel), 600, 800);
  selection = GTK_SINGLE_SELECTION (gtk_column_view_get_model (
                                      evox_particle_panel_get_column_view (panel)));

  start = g_get_monotonic_time ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "particles.find", NULL));
  g_assert_true (evox_test_wait_for (has_labels, document, 120));
  evox_test_wait_painted (GTK_WIDGET (panel));
  g_test_message ("labels and table: %.0f ms", (g_get_monotonic_time () - start) / 1e3);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (selection)), ==, expected);

  /* Sorted the other way round, the last label comes first; the document finds its row. */
  start = g_get_monotonic_time ();
  {
    GtkColumnView *view = evox_particle_panel_get_column_view (panel);
    g_autoptr(GtkColumnViewColumn) id = g_list_model_get_item (gtk_column_view_get_columns (view),
                                                               0);
    g_autoptr(GObject) first = NULL;
    guint first_id = 0;

    gtk_column_view_sort_by_column (view, id, GTK_SORT_DESCENDING);
    first = g_list_model_get_item (G_LIST_MODEL (selection), 0);
    g_object_get (first, "id", &first_id, NULL);
    g_assert_cmpuint (first_id, ==, expected);
  }
  g_test_message ("sort: %.0f ms", (g_get_monotonic_time () - start) / 1e3);
  start = g_get_monotonic_time ();
  evox_document_set_selected_particle (document, middle);
  g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, expected - middle);
  g_test_message ("select from the document: %.0f ms", (g_get_monotonic_time () - start) / 1e3);
  /* ...and scrolls the table to it (at the next layout, which a loaded machine delays). Rows
   * are equally high. */
  {
    RowInView check = {
      gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (evox_particle_panel_get_column_view (panel))),
      expected - middle, expected
    };

    g_assert_true (evox_test_wait_for (row_in_view, &check, 60));
  }

  close_window (window);
  g_assert_finalize_object (document);
}

/* A label among the widgets under `widget` that reads `text`. */
static gboolean
has_label (GtkWidget  *widget,
           const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_label (child, text))
      return TRUE;
  return FALSE;
}

/* Particles of an edge-energy map: two squares at 8342.46 and 8344.94 eV (the XANES demo's
 * reduced and oxidised Ni) in a 2D f32 map. Their means in the table and the summary's phase
 * range keep a tenth of an eV, and the range says its unit; "%.4g" wrote 8342 and 8345, and the 2.5 eV shift the map is about
 * read as 3 eV. The expected texts are the values set, rounded to a tenth by hand. */
static void
test_panel_energy_digits (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (16, 8, 1, 1, EVOX_SAMPLE_F32, &error);
  g_autoptr(EvoxPhase) phase = NULL;
  EvoxDocument *document = evox_document_new ();
  EvoxParticlePanel *panel;
  GtkWidget *window;
  float *data;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize y = 0; y < 8; y++)
    for (gsize x = 0; x < 16; x++)
      data[y * 16 + x] = y >= 2 && y < 6 && x >= 2 && x < 6 ? 8342.46f
                         : y >= 2 && y < 6 && x >= 10 && x < 14 ? 8344.94f : NAN;
  evox_volume_set_channel_values (volume, 0, EVOX_SCALE_LINEAR, "energy", "eV");
  evox_volume_freeze (volume);
  evox_document_set_volume (document, volume, "edge_energy", NULL);
  phase = evox_phase_new ("Ni", 8330, 8350, "#e01b24");
  evox_phase_list_append (evox_document_get_phases (document), phase);
  evox_document_set_selected_phase (document, 0);
  panel = EVOX_PARTICLE_PANEL (evox_particle_panel_new ());
  evox_particle_panel_set_min_size (panel, 1);
  evox_particle_panel_set_document (panel, document);
  window = show_in_window (GTK_WIDGET (panel), 380, 800);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "particles.find", NULL));
  g_assert_true (evox_test_wait_for (has_labels, document, 60));
  evox_test_wait_painted (GTK_WIDGET (panel));

  g_assert_cmpuint (evox_labels_get_n_particles (evox_document_get_labels (document)), ==, 2);
  g_test_message ("%s", evox_particle_panel_get_summary (panel));
  g_assert_true (g_str_has_prefix (evox_particle_panel_get_summary (panel),
                                   "2 particles in “Ni” (8330.0 – 8350.0 eV)"));
  g_assert_true (has_label (GTK_WIDGET (evox_particle_panel_get_column_view (panel)), "8342.5"));
  g_assert_true (has_label (GTK_WIDGET (evox_particle_panel_get_column_view (panel)), "8344.9"));
  close_window (window);
  g_assert_finalize_object (document);
}

static GtkColumnViewColumn *
column_titled (EvoxParticlePanel *panel,
               const char        *title)
{
  GListModel *columns = gtk_column_view_get_columns (evox_particle_panel_get_column_view (panel));

  for (guint i = 0; i < g_list_model_get_n_items (columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, i);

      /* By the name before the unit, which follows the volume's voxel size. */
      if (g_str_has_prefix (gtk_column_view_column_get_title (column), title))
        return column;    /* the view keeps it */
    }
  g_error ("no column “%s”", title);
}

static gboolean
column_shown (EvoxParticlePanel *panel,
              const char        *title)
{
  return gtk_column_view_column_get_visible (column_titled (panel, title));
}

/* Column of name in a CSV header line. */
static guint
csv_column (char       **header,
            const char  *name)
{
  for (guint i = 0; header[i] != NULL; i++)
    if (g_str_equal (g_strstrip (header[i]), name))
      return i;
  g_error ("no CSV column %s", name);
}

/* The default columns fit the panel at its narrowest without scrolling; the Columns menu shows and
 * hides the others, the choice holds for the next panel of the session, and the std and
 * bounding-box columns hold what the particles CSV writes. Before this, all 13 columns showed
 * at their natural widths and the table scrolled sideways at 5 columns, without std or box. */
static void
test_panel_columns (void)
{
  g_autoptr(EvoxPhase) phase = evox_phase_new ("Solid", SOLID, SOLID, "#e01b24");
  g_autoptr(EvoxVolume) volume = random_volume (23, 19, 17, 0.07, 7);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("evox-columns-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "particles.csv", NULL);
  g_autofree char *csv = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) header = NULL;
  const char *defaults[] = { "ID", "Voxels", "Diameter", "Sphericity", "Mean" };
  const char *box[] = { "bbox-x0", "bbox-y0", "bbox-z0", "bbox-x1", "bbox-y1", "bbox-z1" };
  const char *box_csv[] = { "bbox_x0", "bbox_y0", "bbox_z0", "bbox_x1", "bbox_y1", "bbox_z1" };
  EvoxDocument *document = evox_document_new ();
  EvoxParticlePanel *panel;
  EvoxLabels *labels;
  GtkAdjustment *h;
  GtkWidget *window;
  guint n_lines;

  g_assert_no_error (error);
  evox_document_set_volume (document, volume, "random", NULL);
  evox_phase_list_append (evox_document_get_phases (document), phase);
  evox_document_set_selected_phase (document, 0);
  panel = EVOX_PARTICLE_PANEL (evox_particle_panel_new ());
  evox_particle_panel_set_min_size (panel, 1);
  evox_particle_panel_set_document (panel, document);
  window = show_in_window (GTK_WIDGET (panel), 380, 800);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "particles.find", NULL));
  g_assert_true (evox_test_wait_for (has_labels, document, 60));
  evox_test_wait_painted (GTK_WIDGET (panel));
  labels = evox_document_get_labels (document);

  for (guint i = 0; i < G_N_ELEMENTS (defaults); i++)
    g_assert_true (column_shown (panel, defaults[i]));
  g_assert_false (column_shown (panel, "Std"));
  g_assert_false (column_shown (panel, "Box x₀"));
  h = gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (evox_particle_panel_get_column_view (panel)));
  g_test_message ("table %g px in a %g px view", gtk_adjustment_get_upper (h),
                  gtk_adjustment_get_page_size (h));
  g_assert_cmpfloat (gtk_adjustment_get_upper (h), <=, gtk_adjustment_get_page_size (h) + 0.5);

  /* The chooser: one check item per column. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "columns.std", NULL));
  g_assert_true (column_shown (panel, "Std"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "columns.voxels", NULL));
  g_assert_false (column_shown (panel, "Voxels"));
  for (guint i = 0; i < G_N_ELEMENTS (box); i++)
    {
      g_autofree char *action = g_strconcat ("columns.", box[i], NULL);

      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), action, NULL));
    }
  g_assert_true (column_shown (panel, "Box z₁"));

  /* Remembered: a second panel of the session opens with the same columns. */
  {
    EvoxParticlePanel *other = EVOX_PARTICLE_PANEL (g_object_ref_sink (evox_particle_panel_new ()));

    g_assert_true (column_shown (other, "Std"));
    g_assert_false (column_shown (other, "Voxels"));
    g_assert_true (column_shown (other, "Box x₀"));
    g_assert_false (column_shown (other, "Area"));
    g_assert_finalize_object (other);
  }

  /* The rows hold the CSV's numbers. */
  g_assert_true (evox_csv_write_particles (path, &labels, 1, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &csv, NULL, &error));
  lines = g_strsplit (csv, "\n", -1);
  header = g_strsplit (lines[0], ",", -1);
  n_lines = g_strv_length (lines);
  g_assert_cmpuint (n_lines, >=, evox_labels_get_n_particles (labels) + 1);
  for (guint l = 1; l < n_lines && lines[l][0] != '\0'; l++)
    {
      g_auto(GStrv) cells = g_strsplit (lines[l], ",", -1);
      guint id = (guint) g_ascii_strtoull (cells[csv_column (header, "id")], NULL, 10);
      g_autoptr(GObject) row = g_list_model_get_item (
        G_LIST_MODEL (gtk_column_view_get_model (evox_particle_panel_get_column_view (panel))),
        id - 1);
      double std = 0;
      guint row_id = 0;

      g_object_get (row, "id", &row_id, "std", &std, NULL);
      g_assert_cmpuint (row_id, ==, id);
      g_assert_cmpfloat (std, ==, g_ascii_strtod (cells[csv_column (header, "std")], NULL));
      for (guint i = 0; i < G_N_ELEMENTS (box); i++)
        {
          guint value = G_MAXUINT;

          g_object_get (row, box[i], &value, NULL);
          g_assert_cmpuint (value, ==,
                            g_ascii_strtoull (cells[csv_column (header, box_csv[i])], NULL, 10));
        }
    }

  /* Back to the defaults for the other tests of this process. */
  for (guint i = 0; i < G_N_ELEMENTS (box); i++)
    {
      g_autofree char *action = g_strconcat ("columns.", box[i], NULL);

      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), action, NULL));
    }
  gtk_widget_activate_action (GTK_WIDGET (panel), "columns.std", NULL);
  gtk_widget_activate_action (GTK_WIDGET (panel), "columns.voxels", NULL);
  g_assert_true (column_shown (panel, "Voxels"));
  g_assert_false (column_shown (panel, "Std"));
  g_unlink (path);
  g_rmdir (dir);
  close_window (window);
  g_assert_finalize_object (document);
}

static gboolean
not_busy (gpointer data)
{
  return !evox_particle_panel_is_busy (data);
}

static guint
n_document_particles (EvoxDocument *document)
{
  return evox_document_get_labels (document) != NULL
           ? evox_labels_get_n_particles (evox_document_get_labels (document)) : 0;
}

/* Two balls of radius 8 touching through a neck of radius 3.9 are one particle; the preview
 * shows them split in two, each in its own colour, Cancel puts the one particle back and Apply
 * keeps the two. "Colour by" is the document's particle-colors. */
static void
test_panel_split (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (40, 24, 24, 1, EVOX_SAMPLE_U8, &error);
  g_autoptr(EvoxPhase) phase = evox_phase_new ("Balls", 1, 1, "#e01b24");
  EvoxDocument *document = evox_document_new ();
  EvoxParticlePanel *panel;
  EvoxLabels *found;
  GtkWidget *window;
  guint8 *data = evox_volume_get_data_mut (volume, 0);

  g_assert_no_error (error);
  for (gsize z = 0; z < 24; z++)
    for (gsize y = 0; y < 24; y++)
      for (gsize x = 0; x < 40; x++)
        {
          double dy = y - 11.5, dz = z - 11.5, a = x - 12.0, b = x - 26.0;

          data[(z * 24 + y) * 40 + x] = a * a + dy * dy + dz * dz <= 64 ||
                                        b * b + dy * dy + dz * dz <= 64;
        }
  evox_volume_freeze (volume);
  evox_document_set_volume (document, volume, "balls", NULL);
  evox_phase_list_append (evox_document_get_phases (document), phase);
  evox_document_set_selected_phase (document, 0);
  panel = EVOX_PARTICLE_PANEL (evox_particle_panel_new ());
  evox_particle_panel_set_document (panel, document);
  window = show_in_window (GTK_WIDGET (panel), 420, 800);

  /* Nothing to split before particles are found. */
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (panel), "particles.preview-split",
                                              NULL) &&
                  evox_particle_panel_is_busy (panel));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "particles.find", NULL));
  g_assert_true (evox_test_wait_for (has_labels, document, 60));
  found = evox_document_get_labels (document);
  g_assert_cmpuint (evox_labels_get_n_particles (found), ==, 1);

  /* Colour by diameter: the document holds the choice, the dropdown follows it and the colour
   * bar shows; None hides the bar. */
  {
    GtkWidget *bar = evox_test_find_descendant (GTK_WIDGET (panel), GTK_TYPE_DRAWING_AREA);
    GtkDropDown *choice = GTK_DROP_DOWN (evox_test_find_descendant (gtk_widget_get_parent (bar),
                                                                    GTK_TYPE_DROP_DOWN));

    g_assert_false (gtk_widget_get_visible (bar));
    evox_document_set_particle_colors (document, EVOX_PARTICLE_COLOR_DIAMETER);
    g_assert_true (gtk_widget_get_visible (bar));
    g_assert_cmpuint (gtk_drop_down_get_selected (choice), ==, EVOX_PARTICLE_COLOR_DIAMETER);
    gtk_drop_down_set_selected (choice, EVOX_PARTICLE_COLOR_NONE);
    g_assert_cmpint (evox_document_get_particle_colors (document), ==, EVOX_PARTICLE_COLOR_NONE);
    g_assert_false (gtk_widget_get_visible (bar));
    evox_document_set_particle_colors (document, EVOX_PARTICLE_COLOR_DIAMETER);
  }

  g_object_set (panel, "split-size", 2.0, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "particles.preview-split", NULL));
  g_assert_true (evox_test_wait_for (not_busy, panel, 60));
  evox_test_wait_painted (GTK_WIDGET (panel));
  g_assert_cmpstr (evox_particle_panel_get_error (panel), ==, "");
  g_assert_cmpuint (n_document_particles (document), ==, 2);
  g_assert_cmpint (evox_document_get_particle_colors (document), ==, EVOX_PARTICLE_COLOR_ID);
  g_assert_nonnull (strstr (evox_particle_panel_get_summary (panel), "2 particles"));

  /* Cancel: the labels found before, and the colouring chosen before. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "particles.discard-split", NULL));
  g_assert_true (evox_document_get_labels (document) == found);
  g_assert_cmpint (evox_document_get_particle_colors (document), ==,
                   EVOX_PARTICLE_COLOR_DIAMETER);

  /* A size above the neck's depth keeps one particle. */
  g_object_set (panel, "split-size", 7.0, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "particles.preview-split", NULL));
  g_assert_true (evox_test_wait_for (not_busy, panel, 60));
  g_assert_cmpuint (n_document_particles (document), ==, 1);

  /* Previewing again starts from the labels found, not from the preview; Apply keeps it. */
  g_object_set (panel, "split-size", 2.0, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "particles.preview-split", NULL));
  g_assert_true (evox_test_wait_for (not_busy, panel, 60));
  g_assert_cmpuint (n_document_particles (document), ==, 2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "particles.apply-split", NULL));
  evox_test_wait_painted (GTK_WIDGET (panel));
  g_assert_cmpuint (n_document_particles (document), ==, 2);
  g_assert_cmpint (evox_document_get_particle_colors (document), ==,
                   EVOX_PARTICLE_COLOR_DIAMETER);
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (panel), "particles.discard-split",
                                              NULL) &&
                  n_document_particles (document) == 1);

  close_window (window);
  g_assert_finalize_object (document);
}

/* The real tomogram: active material (85) gives the flood fill's count. With
 * EVOX_TEST_LINGER=seconds the window stays up that long (for screenshots). */
static void
test_panel_electrode (void)
{
  g_autofree char *path = evox_test_data_path ("tomo/electrode.tiff");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxPhase) phase = evox_phase_new ("Active material", 85, 85, "#e66100");
  g_autoptr(Flood) flood = NULL;
  EvoxDocument *document;
  EvoxParticlePanel *panel;
  GtkWidget *window;
  const char *linger = g_getenv ("EVOX_TEST_LINGER");

  if (path == NULL)
    return;
  volume = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  document = evox_document_new ();
  evox_document_set_volume (document, volume, "electrode.tiff", path);
  evox_phase_list_append (evox_document_get_phases (document), phase);
  evox_document_set_selected_phase (document, 0);
  panel = EVOX_PARTICLE_PANEL (evox_particle_panel_new ());
  evox_particle_panel_set_document (panel, document);
  window = show_in_window (GTK_WIDGET (panel), 560, 900);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "particles.find", NULL));
  g_assert_true (evox_test_wait_for (has_labels, document, 120));
  flood = flood_fill (volume, 85);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (
                      gtk_column_view_get_model (evox_particle_panel_get_column_view (panel)))),
                    ==, flood_count (flood, evox_particle_panel_get_min_size (panel)));
  g_test_message ("%s", evox_particle_panel_get_summary (panel));

  if (linger != NULL)
    {
      GtkColumnView *view = evox_particle_panel_get_column_view (panel);
      GListModel *columns = gtk_column_view_get_columns (view);
      g_autoptr(GtkColumnViewColumn) voxels = g_list_model_get_item (columns, 1);

      gtk_column_view_sort_by_column (view, voxels, GTK_SORT_DESCENDING);
      evox_document_focus_particle (document, 1);
      /* Time for a person to look at the window, as long as they asked for. */
      evox_test_spin (g_ascii_strtod (linger, NULL));
    }

  close_window (window);
  g_assert_finalize_object (document);
}

static gboolean
window_idle (gpointer data)
{
  return !evox_window_is_loading (data);
}

/* Copies Xvfb's frame buffer file (EVOX_TEST_FB, from Xvfb -fbdir) to EVOX_TEST_SHOT_DIR/name,
 * once window has painted what was changed and the X server has drawn all it was sent. */
static void
shoot (EvoxWindow *window,
       const char *name)
{
  const char *fb = g_getenv ("EVOX_TEST_FB");
  const char *dir = g_getenv ("EVOX_TEST_SHOT_DIR");
  g_autofree char *contents = NULL;
  g_autofree char *path = NULL;
  gsize length;

  if (fb == NULL || dir == NULL)
    return;
  evox_test_wait_painted (GTK_WIDGET (window));
  gdk_display_sync (gtk_widget_get_display (GTK_WIDGET (window)));
  if (!g_file_get_contents (fb, &contents, &length, NULL))
    return;
  path = g_build_filename (dir, name, NULL);
  g_file_set_contents (path, contents, (gssize) length, NULL);
}

/* For screenshots only (EVOX_TEST_LINGER set): the whole window on the real electrode with the
 * active material coloured by equivalent diameter, then a split preview. */
static void
test_window_screens (void)
{
  g_autofree char *path = evox_test_data_path ("tomo/electrode.tiff");
  g_autoptr(GFile) file = NULL;
  g_autoptr(EvoxPhase) phase = evox_phase_new ("Active material", 85, 85, "#e66100");
  EvoxWindow *window;
  EvoxDocument *document;
  EvoxParticlePanel *panel;

  if (path == NULL)
    return;
  if (g_getenv ("EVOX_TEST_LINGER") == NULL)
    {
      g_test_skip ("screenshots only, with EVOX_TEST_LINGER");
      return;
    }
  file = g_file_new_for_path (path);
  window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  evox_window_open_file (window, file, NULL);
  g_assert_true (evox_test_wait_for (window_idle, window, 60));
  document = evox_window_get_document (window);
  evox_phase_list_append (evox_document_get_phases (document), phase);
  evox_document_set_selected_phase (document, 0);
  evox_window_show_page (window, "particles");
  panel = EVOX_PARTICLE_PANEL (evox_window_get_particle_panel (window));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "particles.find", NULL));
  g_assert_true (evox_test_wait_for (has_labels, document, 120));
  evox_document_set_view (document, EVOX_VIEW_SLICE_Z);
  evox_document_set_particle_colors (document, EVOX_PARTICLE_COLOR_VOXELS);
  shoot (window, "size.xwd");
  evox_document_set_particle_colors (document, EVOX_PARTICLE_COLOR_DIAMETER);
  shoot (window, "colour.xwd");
  evox_document_focus_particle (document, 2);
  shoot (window, "colour-selected.xwd");
  evox_document_set_selected_particle (document, 0);
  gtk_expander_set_expanded (GTK_EXPANDER (evox_test_find_descendant (GTK_WIDGET (panel),
                                                                   GTK_TYPE_EXPANDER)),
                             TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "particles.preview-split", NULL));
  g_assert_true (evox_test_wait_for (not_busy, panel, 120));
  shoot (window, "split.xwd");
  evox_document_set_view (document, EVOX_VIEW_SLICES);
  shoot (window, "split-3d.xwd");
  evox_test_close_window (window);
}

/* The value columns' titles say the unit of the channel the particles come from where it is linear
 * and short enough: eV on an edge-energy map ("Mean (eV)", the column widened to hold it), none
 * for a unit too long for the column ("Mean (µg/cm²)" would take 142 px) or values in log10 Ω;
 * the four value columns together, so Std does not say a unit Mean leaves out.
 * Widths are the header's bold title plus 32 px, capped at 120 px, as the panel computes. */
static void
test_panel_value_units (void)
{
  static const struct
  {
    EvoxValueScale scale;
    const char *unit;
    const char *mean;
    const char *std;
  } channels[] = {
    { EVOX_SCALE_LINEAR, "eV", "Mean (eV)", "Std (eV)" },
    { EVOX_SCALE_LINEAR, "µg/cm²", "Mean", "Std" },
    { EVOX_SCALE_LOG10, "Ω", "Mean", "Std" },
    { EVOX_SCALE_LINEAR, "", "Mean", "Std" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (4, 4, 1, G_N_ELEMENTS (channels),
                                                  EVOX_SAMPLE_F32, &error);
  EvoxDocument *document = evox_document_new ();
  EvoxParticlePanel *panel;
  GtkWidget *window;

  g_assert_no_error (error);
  for (guint c = 0; c < G_N_ELEMENTS (channels); c++)
    {
      memset (evox_volume_get_data_mut (volume, c), 0, 16 * sizeof (float));
      evox_volume_set_channel_values (volume, c, channels[c].scale, "value", channels[c].unit);
    }
  evox_volume_freeze (volume);
  evox_document_set_volume (document, volume, "units", NULL);
  panel = EVOX_PARTICLE_PANEL (evox_particle_panel_new ());
  evox_particle_panel_set_document (panel, document);
  window = show_in_window (GTK_WIDGET (panel), 440, 600);
  for (guint c = 0; c < G_N_ELEMENTS (channels); c++)
    {
      GtkColumnViewColumn *mean, *std;

      evox_document_set_channel (document, c);
      mean = column_titled (panel, "Mean");
      std = column_titled (panel, "Std");
      g_test_message ("%s: “%s” %d px", channels[c].unit, gtk_column_view_column_get_title (mean),
                      gtk_column_view_column_get_fixed_width (mean));
      g_assert_cmpstr (gtk_column_view_column_get_title (mean), ==, channels[c].mean);
      g_assert_cmpstr (gtk_column_view_column_get_title (std), ==, channels[c].std);
      g_assert_cmpstr (gtk_column_view_column_get_title (column_titled (panel, "Max")), ==,
                       c == 0 ? "Max (eV)" : "Max");
      /* Bare titles keep the default width; a unit widens the column, within Diameter's. */
      if (c == 0)
        {
          g_assert_cmpint (gtk_column_view_column_get_fixed_width (mean), >, 60);
          g_assert_cmpint (gtk_column_view_column_get_fixed_width (mean), <=, 120);
        }
      else
        g_assert_cmpint (gtk_column_view_column_get_fixed_width (mean), ==, 60);
    }
  /* A width the user gave the column stays through a change of unit. */
  gtk_column_view_column_set_fixed_width (column_titled (panel, "Mean"), 90);
  evox_document_set_channel (document, 0);
  g_assert_cmpstr (gtk_column_view_column_get_title (column_titled (panel, "Mean")), ==,
                   "Mean (eV)");
  g_assert_cmpint (gtk_column_view_column_get_fixed_width (column_titled (panel, "Mean")), ==, 90);
  close_window (window);
  g_assert_finalize_object (document);
}

/* The first widget of widget's tree (itself included, depth first) whose CSS name is `name`. */
static GtkWidget *
find_css_name (GtkWidget  *widget,
               const char *name)
{
  if (g_strcmp0 (gtk_widget_get_css_name (widget), name) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_css_name (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The Particles page in a 1280 x 800 window of a scan with energies (nine page buttons, as the
 * XANES maps' window has): the page buttons take two rows, and the table is tall enough for a
 * header and eight rows, all of it on screen at once when the page is scrolled to it. Before,
 * the buttons took three rows and a pane of settings left the table one row. The Mean column
 * says the channel's unit, eV. */
static void
test_panel_fits_window (void)
{
  static const double ev[] = { 8330, 8350 };
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) stack = evox_volume_new (40, 40, 1, 2, EVOX_SAMPLE_F32, &error);
  g_autoptr(EvoxPhase) phase = evox_phase_new ("Ni", 8340, 8350, "#e01b24");
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  EvoxDocument *document;
  EvoxParticlePanel *panel;
  GtkWidget *view, *scroller, *header, *row, *page_scroller, *switcher, *button;
  GtkAdjustment *page;
  int table, header_h, row_h;
  double rows;

  g_assert_no_error (error);
  /* Twelve 2 x 2 particles at 8344 eV on 0: more rows than the table needs to show. */
  for (guint c = 0; c < 2; c++)
    {
      float *data = evox_volume_get_data_mut (stack, c);

      for (guint y = 0; y < 40; y++)
        for (guint x = 0; x < 40; x++)
          data[y * 40 + x] = x % 6 >= 3 && x % 6 < 5 && x < 24 && y % 6 >= 3 && y % 6 < 5 &&
                             y < 18 ? 8344.0f + c : 0.0f;
      evox_volume_set_channel_info (stack, c, NULL, ev[c]);
      evox_volume_set_channel_values (stack, c, EVOX_SCALE_LINEAR, "energy", "eV");
    }
  evox_volume_freeze (stack);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  document = evox_window_get_document (window);
  evox_document_set_volume (document, stack, "stack", NULL);
  g_assert_true (evox_test_wait_for (window_idle, window, 60));
  evox_phase_list_append (evox_document_get_phases (document), phase);
  evox_document_set_selected_phase (document, 0);
  evox_window_show_page (window, "particles");
  panel = EVOX_PARTICLE_PANEL (evox_window_get_particle_panel (window));
  evox_particle_panel_set_min_size (panel, 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "particles.find", NULL));
  g_assert_true (evox_test_wait_for (has_labels, document, 60));
  g_assert_cmpuint (evox_labels_get_n_particles (evox_document_get_labels (document)), ==, 12);
  evox_test_wait_painted (GTK_WIDGET (window));
  evox_test_screenshot (GTK_WIDGET (window), "particles-1280x800");

  /* Nine page buttons in two rows. */
  switcher = evox_test_find_descendant (GTK_WIDGET (window), EVOX_TYPE_PAGE_SWITCHER);
  button = evox_page_switcher_get_button (EVOX_PAGE_SWITCHER (switcher), "xanes");
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_parent (button)));
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_parent (
                   evox_page_switcher_get_button (EVOX_PAGE_SWITCHER (switcher), "spectra"))));
  /* The last button, Measure, is on the second row: its cell starts above two cells' height. */
  {
    graphene_rect_t cell, last;

    g_assert_true (gtk_widget_compute_bounds (gtk_widget_get_parent (button),
                                              gtk_widget_get_parent (button), &cell));
    button = evox_page_switcher_get_button (EVOX_PAGE_SWITCHER (switcher), "measure");
    g_assert_true (gtk_widget_compute_bounds (gtk_widget_get_parent (button), switcher, &last));
    g_test_message ("switcher %d x %d px, cells %g px high, Measure's at y %g",
                    gtk_widget_get_width (switcher), gtk_widget_get_height (switcher),
                    cell.size.height, last.origin.y);
    g_assert_cmpfloat (last.origin.y, <, 2 * cell.size.height);
  }

  /* The table: its allocation against the height of its header and of one row. */
  view = GTK_WIDGET (evox_particle_panel_get_column_view (panel));
  scroller = gtk_widget_get_ancestor (view, GTK_TYPE_SCROLLED_WINDOW);
  header = find_css_name (view, "header");
  row = find_css_name (view, "row");
  g_assert_nonnull (header);
  g_assert_nonnull (row);
  table = gtk_widget_get_height (scroller);
  header_h = gtk_widget_get_height (header);
  row_h = gtk_widget_get_height (row);
  g_assert_cmpint (row_h, >, 0);
  rows = (double) (table - header_h) / row_h;
  g_test_message ("table %d px: header %d px, rows %d px: %.1f rows", table, header_h, row_h,
                  rows);
  g_assert_cmpfloat (rows, >=, 8);
  /* The page scrolls as a whole, and the table fits in what it shows at once. */
  page_scroller = gtk_widget_get_ancestor (gtk_widget_get_parent (scroller),
                                           GTK_TYPE_SCROLLED_WINDOW);
  g_assert_nonnull (page_scroller);
  g_assert_true (gtk_widget_is_ancestor (page_scroller, GTK_WIDGET (panel)));
  page = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (page_scroller));
  g_test_message ("page %g px of %g", gtk_adjustment_get_page_size (page),
                  gtk_adjustment_get_upper (page));
  g_assert_cmpfloat (table, <=, gtk_adjustment_get_page_size (page));

  g_assert_cmpstr (gtk_column_view_column_get_title (column_titled (panel, "Mean")), ==,
                   "Mean (eV)");
  /* The default columns, Mean widened for its unit, still fit without scrolling sideways. */
  page = gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (view));
  g_test_message ("table %g px wide in a %g px view", gtk_adjustment_get_upper (page),
                  gtk_adjustment_get_page_size (page));
  g_assert_cmpfloat (gtk_adjustment_get_upper (page), <=,
                     gtk_adjustment_get_page_size (page) + 0.5);
  evox_test_close_window (window);
}

int
main (int    argc,
      char **argv)
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;

  g_test_add_func ("/Evox/Plot/empty", test_plot_empty);
  g_test_add_func ("/Evox/Plot/bars", test_plot_bars);
  g_test_add_func ("/Evox/Plot/lines", test_plot_lines);
  g_test_add ("/Evox/ParticlePanel/find", Fixture, NULL, fixture_set_up, test_panel_find,
              fixture_tear_down);
  g_test_add ("/Evox/ParticlePanel/min-size", Fixture, NULL, fixture_set_up,
              test_panel_min_size, fixture_tear_down);
  g_test_add ("/Evox/ParticlePanel/cancel", Fixture, NULL, fixture_set_up, test_panel_cancel,
              fixture_tear_down);
  g_test_add_func ("/Evox/ParticlePanel/no-phase", test_panel_no_phase);
  g_test_add_func ("/Evox/ParticlePanel/shared-edge", test_panel_shared_edge);
  g_test_add_func ("/Evox/ParticlePanel/units-before-find", test_panel_units_before_find);
  g_test_add_func ("/Evox/ParticlePanel/many", test_panel_many);
  g_test_add_func ("/Evox/ParticlePanel/columns", test_panel_columns);
  g_test_add_func ("/Evox/ParticlePanel/energy-digits", test_panel_energy_digits);
  g_test_add_func ("/Evox/ParticlePanel/split", test_panel_split);
  g_test_add_func ("/Evox/ParticlePanel/electrode", test_panel_electrode);
  g_test_add_func ("/Evox/ParticlePanel/window-screens", test_window_screens);
  g_test_add_func ("/Evox/ParticlePanel/fits-window", test_panel_fits_window);
  g_test_add_func ("/Evox/ParticlePanel/value-units", test_panel_value_units);

  return g_test_run ();
}
