/* test-histogram-view.c: the histogram widget's bins against brute-force counts, and its drawing. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "evox-demo.h"
#include "evox-document.h"
#include "evox-histogram-view.h"
#include "evox-ssrm-stack.h"

/* Volumes */

static guint64
next_random (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static double
uniform (guint64 *state)
{
  return (next_random (state) >> 11) * (1.0 / 9007199254740992.0);
}

/* Values between lo and hi (integers for u8/u16), with a few NaNs in f32 data. For positive f32
 * ranges the values are spread evenly in log10 between lo and hi. */
static EvoxVolume *
random_volume (EvoxSampleType type,
               gsize          nx,
               gsize          ny,
               gsize          nz,
               double         lo,
               double         hi,
               guint64        seed)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (nx, ny, nz, 1, type, &error);
  gpointer data = evox_volume_get_data_mut (volume, 0);
  gsize n = nx * ny * nz;

  g_assert_no_error (error);
  for (gsize i = 0; i < n; i++)
    {
      double u = uniform (&seed);

      switch (type)
        {
        case EVOX_SAMPLE_U8:
          ((guint8 *) data)[i] = (guint8) (lo + floor (u * (hi - lo + 1)));
          break;
        case EVOX_SAMPLE_U16:
          ((guint16 *) data)[i] = (guint16) (lo + floor (u * (hi - lo + 1)));
          break;
        case EVOX_SAMPLE_F32:
        default:
          if (i % 97 == 5)
            ((float *) data)[i] = NAN;
          else if (lo > 0)
            ((float *) data)[i] = (float) pow (10.0, log10 (lo) + u * (log10 (hi) - log10 (lo)));
          else
            ((float *) data)[i] = (float) (lo + u * (hi - lo));
          break;
        }
    }
  evox_volume_freeze (volume);
  return volume;
}

/* Brute force */

typedef struct
{
  gsize lo[3];
  gsize hi[3];
} Box;

static Box
whole_box (EvoxVolume *volume)
{
  Box box = { { 0, 0, 0 }, { 0, 0, 0 } };

  evox_volume_get_dims (volume, box.hi);
  return box;
}

static Box
slice_box (EvoxVolume *volume,
           guint       axis,
           gsize       index)
{
  Box box = whole_box (volume);

  box.lo[axis] = index;
  box.hi[axis] = index + 1;
  return box;
}

/* numpy.histogram's rule: n + 1 edges from linspace, half-open bins, the last one closed. With
 * log_bins the edges are spaced in log10 and non-positive values are left out. */
static gssize
numpy_bin (const double *edges,
           guint         n,
           double        u)
{
  guint a = 0, b = n;

  if (!(u >= edges[0] && u <= edges[n]))
    return -1;
  if (u == edges[n])
    return n - 1;
  while (b - a > 1)
    {
      guint m = (a + b) / 2;
      if (u >= edges[m])
        a = m;
      else
        b = m;
    }
  return a;
}

static double *
make_edges (guint    n,
            double   lo,
            double   hi,
            gboolean log_bins)
{
  double *edges = g_new (double, n + 1);
  double u0 = log_bins ? log10 (lo) : lo;
  double u1 = log_bins ? log10 (hi) : hi;

  for (guint i = 0; i < n; i++)
    edges[i] = u0 + i * ((u1 - u0) / n);
  edges[n] = u1;
  return edges;
}

static double *
brute_counts (EvoxVolume *volume,
              const Box  *box,
              guint       n,
              double      lo,
              double      hi,
              gboolean    log_bins)
{
  g_autofree double *edges = make_edges (n, lo, hi, log_bins);
  double *counts = g_new0 (double, n);

  for (gsize z = box->lo[2]; z < box->hi[2]; z++)
    for (gsize y = box->lo[1]; y < box->hi[1]; y++)
      for (gsize x = box->lo[0]; x < box->hi[0]; x++)
        {
          double v = evox_volume_get_value (volume, 0, x, y, z);
          gssize bin;

          if (log_bins && !(v > 0))
            continue;
          bin = numpy_bin (edges, n, log_bins ? log10 (v) : v);
          if (bin >= 0)
            counts[bin]++;
        }
  return counts;
}

/* f32 display bins spread each fine bin evenly over the bins it overlaps, so a bin may differ
 * from the exact count by what the fine bins at its two edges hold. */
static double
edge_slack (EvoxFineHistogram *fine,
            double             edge)
{
  const guint64 *counts = evox_fine_histogram_get_counts (fine);
  guint n = evox_fine_histogram_get_n_bins (fine);
  double t = (edge - evox_fine_histogram_get_bin_lo (fine, 0)) /
             evox_fine_histogram_get_bin_width (fine);
  double slack = 0;

  if (!isfinite (t))
    return 0;
  for (double k = floor (t) - 1; k <= floor (t) + 1; k++)
    if (k >= 0 && k < n)
      slack += counts[(guint) k];
  return slack;
}

static void
assert_counts_match (EvoxHistogramView *view,
                     EvoxVolume        *volume,
                     const Box         *box)
{
  EvoxFineHistogram *fine = evox_volume_get_fine_histogram (volume, 0);
  gboolean exact = evox_fine_histogram_is_exact (fine);
  gboolean log_bins = evox_histogram_view_get_log_bins (view);
  g_autofree double *brute = NULL;
  const double *counts;
  double lo, hi, total = 0, brute_total = 0;
  guint n;

  counts = evox_histogram_view_get_counts (view, &n, &lo, &hi);
  g_assert_nonnull (counts);
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpfloat (lo, <, hi);
  brute = brute_counts (volume, box, n, lo, hi, log_bins);

  for (guint b = 0; b < n; b++)
    {
      double slack = 0;

      if (!exact)
        {
          double u0 = log_bins ? log10 (lo) : lo, u1 = log_bins ? log10 (hi) : hi;
          double e0 = u0 + b * (u1 - u0) / n, e1 = u0 + (b + 1) * (u1 - u0) / n;

          slack = edge_slack (fine, log_bins ? pow (10, e0) : e0) +
                  edge_slack (fine, log_bins ? pow (10, e1) : e1);
        }
      if (fabs (counts[b] - brute[b]) > slack + 1e-6)
        g_error ("bin %u: widget %g, brute force %g (slack %g)", b, counts[b], brute[b], slack);
      total += counts[b];
      brute_total += brute[b];
    }
  /* Mass is kept apart from fine bins cut by the outer edges. */
  g_assert_cmpfloat (fabs (total - brute_total), <=,
                     exact ? 1e-6 : edge_slack (fine, lo) + edge_slack (fine, hi) + 1e-6);
}

/* Window */

typedef struct
{
  GtkWidget         *window;
  EvoxHistogramView *view;
} Shown;

static gboolean
give_up (gpointer data)
{
  g_error ("the histogram view was never drawn");
  return G_SOURCE_REMOVE;
}

static void
wait_for_draw (GtkWidget *widget)
{
  guint timeout = g_timeout_add_seconds (20, give_up, NULL);

  while (!gtk_widget_get_mapped (widget) || gtk_widget_get_width (widget) == 0)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_source_remove (timeout);
}

static Shown
show_view (EvoxDocument *document)
{
  Shown shown;

  shown.window = g_object_ref_sink (gtk_window_new ());
  shown.view = EVOX_HISTOGRAM_VIEW (g_object_ref_sink (evox_histogram_view_new ()));
  evox_histogram_view_set_document (shown.view, document);
  gtk_window_set_default_size (GTK_WINDOW (shown.window), 520, 280);
  gtk_window_set_child (GTK_WINDOW (shown.window), GTK_WIDGET (shown.view));
  gtk_window_present (GTK_WINDOW (shown.window));
  wait_for_draw (GTK_WIDGET (shown.view));
  return shown;
}

static void
close_view (Shown *shown)
{
  gtk_window_destroy (GTK_WINDOW (shown->window));
  g_assert_finalize_object (shown->window);
  g_assert_finalize_object (shown->view);
}

/* Renders the widget through its window's renderer; pixels come back as Cairo ARGB32. */
static guint8 *
render_pixels (EvoxHistogramView *view,
               int               *width,
               int               *height,
               gsize             *stride)
{
  GtkWidget *widget = GTK_WIDGET (view);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  guint8 *pixels;

  *width = gtk_widget_get_width (widget);
  *height = gtk_widget_get_height (widget);
  /* The widget's own drawing, without its CSS background. */
  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, *width, *height));
  g_assert_cmpint (gdk_texture_get_width (texture), ==, *width);
  *stride = (gsize) *width * 4;
  pixels = g_malloc (*stride * *height);
  gdk_texture_download (texture, pixels, *stride);
  return pixels;
}

static void
flush (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

/* Draws the widget again (as the window would) and renders it, which must not complain. */
static void
draw_once (EvoxHistogramView *view)
{
  int width, height;
  gsize stride;

  gtk_widget_queue_draw (GTK_WIDGET (view));
  flush ();
  g_free (render_pixels (view, &width, &height, &stride));
}

static void
get_pixel (const guint8 *pixels,
           gsize         stride,
           int           x,
           int           y,
           guint8        rgb[3])
{
  guint32 argb;

  memcpy (&argb, pixels + y * stride + x * 4, 4);
  rgb[0] = (argb >> 16) & 0xff;
  rgb[1] = (argb >> 8) & 0xff;
  rgb[2] = argb & 0xff;
}

static void
assert_rgb_near (const guint8 got[3],
                 const guint8 want[3],
                 int          tolerance)
{
  for (int c = 0; c < 3; c++)
    if (abs ((int) got[c] - (int) want[c]) > tolerance)
      g_error ("pixel %d,%d,%d is not %d,%d,%d", got[0], got[1], got[2],
               want[0], want[1], want[2]);
}

/* Tests */

static void
test_no_volume (void)
{
  EvoxDocument *document = evox_document_new ();
  Shown shown = show_view (document);
  guint n = 99;
  graphene_rect_t bounds;

  g_assert_null (evox_histogram_view_get_counts (shown.view, &n, NULL, NULL));
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpuint (evox_histogram_view_get_n_series (shown.view), ==, 0);
  g_assert_false (evox_histogram_view_get_colorbar_bounds (shown.view, &bounds));
  g_assert_true (isnan (evox_histogram_view_value_to_x (shown.view, 1.0)));
  g_assert_true (evox_histogram_view_get_document (shown.view) == document);
  draw_once (shown.view);

  /* No document at all draws the same empty frame. */
  evox_histogram_view_set_document (shown.view, NULL);
  g_assert_null (evox_histogram_view_get_document (shown.view));
  g_assert_null (evox_histogram_view_get_counts (shown.view, NULL, NULL, NULL));
  draw_once (shown.view);

  close_view (&shown);
  g_assert_finalize_object (document);
}

static void
check_integer (EvoxSampleType type,
               double         lo,
               double         hi)
{
  EvoxDocument *document = evox_document_new ();
  EvoxVolume *volume = random_volume (type, 37, 23, 11, lo, hi, 11 + type);
  const EvoxStats *stats = evox_volume_get_stats (volume, 0);
  Box box = whole_box (volume);
  Shown shown;
  const double *counts;
  double bin_lo, bin_hi;
  guint n;

  evox_document_set_volume (document, volume, "random", NULL);
  evox_document_set_mapping (document, EVOX_MAPPING_LINEAR);
  shown = show_view (document);

  g_assert_cmpuint (evox_histogram_view_get_n_bins (shown.view), ==, 128);
  g_assert_cmpuint (evox_histogram_view_get_n_series (shown.view), ==, 1);
  g_assert_false (evox_histogram_view_get_log_bins (shown.view));
  assert_counts_match (shown.view, volume, &box);

  /* Integer data gets whole values per bin: half-integer edges, integer widths. */
  counts = evox_histogram_view_get_counts (shown.view, &n, &bin_lo, &bin_hi);
  g_assert_nonnull (counts);
  g_assert_cmpuint (n, <=, 128);
  g_assert_cmpfloat (bin_lo, ==, stats->min - 0.5);
  g_assert_cmpfloat (fmod ((bin_hi - bin_lo) / n, 1.0), ==, 0.0);
  g_assert_cmpfloat (bin_hi, >=, stats->max + 0.5);
  g_assert_cmpfloat (bin_hi - (bin_hi - bin_lo) / n, <=, stats->max);

  evox_histogram_view_set_n_bins (shown.view, 17);
  g_assert_cmpuint (evox_histogram_view_get_n_bins (shown.view), ==, 17);
  counts = evox_histogram_view_get_counts (shown.view, &n, NULL, NULL);
  g_assert_cmpuint (n, <=, 17);
  assert_counts_match (shown.view, volume, &box);
  draw_once (shown.view);

  evox_document_set_histogram_log_counts (document, TRUE);
  draw_once (shown.view);
  g_assert_true (evox_histogram_view_get_counts (shown.view, NULL, NULL, NULL) == counts);
  assert_counts_match (shown.view, volume, &box);

  close_view (&shown);
  g_assert_finalize_object (document);
  g_assert_finalize_object (volume);
}

static void
test_u8 (void)
{
  check_integer (EVOX_SAMPLE_U8, 3, 250);
  check_integer (EVOX_SAMPLE_U8, 0, 2);
}

static void
test_u16 (void)
{
  check_integer (EVOX_SAMPLE_U16, 100, 40000);
  check_integer (EVOX_SAMPLE_U16, 7, 77);
}

static void
test_f32 (void)
{
  EvoxDocument *document = evox_document_new ();
  EvoxVolume *volume = random_volume (EVOX_SAMPLE_F32, 41, 29, 13, -3.0, 7.0, 5);
  Box box = whole_box (volume);
  Shown shown;

  evox_document_set_volume (document, volume, "random", NULL);
  g_assert_cmpint (evox_document_get_mapping (document), ==, EVOX_MAPPING_LINEAR);
  shown = show_view (document);
  g_assert_false (evox_histogram_view_get_log_bins (shown.view));
  assert_counts_match (shown.view, volume, &box);
  draw_once (shown.view);

  evox_document_set_histogram_log_counts (document, TRUE);
  draw_once (shown.view);

  close_view (&shown);
  g_assert_finalize_object (document);
  g_assert_finalize_object (volume);
}

static double
scan_finite (const EvoxScan *scan,
             gsize           n)
{
  double count = 0;

  for (gsize i = 0; i < n; i++)
    count += isfinite (scan->values[i]);
  return count;
}

static void
assert_per_layer (EvoxHistogramView *view,
                  EvoxVolume        *volume)
{
  guint n_scans = evox_volume_get_n_scans (volume);
  const double *counts;
  gsize dims[3];
  guint n;

  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (evox_histogram_view_get_n_series (view), ==, n_scans);
  counts = evox_histogram_view_get_counts (view, &n, NULL, NULL);
  for (guint b = 0; b < n; b++)
    {
      double sum = 0;
      for (guint s = 0; s < n_scans; s++)
        sum += evox_histogram_view_get_series (view, s)[b];
      g_assert_cmpfloat (fabs (sum - counts[b]), <=, 1e-9 * MAX (sum, 1));
    }
  for (guint s = 0; s < n_scans; s++)
    {
      const double *series = evox_histogram_view_get_series (view, s);
      double total = 0, expect = scan_finite (evox_volume_get_scan (volume, s),
                                              dims[0] * dims[1]);

      for (guint b = 0; b < n; b++)
        total += series[b];
      g_assert_cmpfloat (fabs (total - expect), <=, 1e-6 * expect);
    }
}

static void
test_log10 (void)
{
  EvoxDocument *document = evox_document_new ();
  EvoxVolume *volume = evox_demo_volume_new (10.0);
  Box box = whole_box (volume);
  Shown shown;

  evox_document_set_volume (document, volume, "demo", NULL);
  /* A stack of scans opens in per-layer mode. */
  g_assert_true (evox_document_get_histogram_per_layer (document));
  shown = show_view (document);
  g_assert_false (evox_histogram_view_get_log_bins (shown.view));
  assert_per_layer (shown.view, volume);
  g_assert_cmpuint (evox_histogram_view_get_n_series (shown.view), ==, EVOX_DEMO_N_SCANS);
  draw_once (shown.view);
  evox_document_set_histogram_log_counts (document, TRUE);
  draw_once (shown.view);

  evox_document_set_histogram_per_layer (document, FALSE);
  g_assert_cmpuint (evox_histogram_view_get_n_series (shown.view), ==, 1);
  assert_counts_match (shown.view, volume, &box);
  draw_once (shown.view);

  /* The stored log10 numbers shown with a linear mapping: same bins, other colours. */
  evox_document_set_mapping (document, EVOX_MAPPING_LINEAR);
  g_assert_false (evox_histogram_view_get_log_bins (shown.view));
  assert_counts_match (shown.view, volume, &box);
  draw_once (shown.view);

  close_view (&shown);
  g_assert_finalize_object (document);
  g_assert_finalize_object (volume);
}

/* Scans of 20 x 15 pixels are too small for per-layer fine counts: the view counts them. */
static void
test_per_layer_small (void)
{
  g_autoptr(GError) error = NULL;
  EvoxDocument *document = evox_document_new ();
  EvoxScanInput scans[3];
  EvoxVolume *volume;
  guint64 seed = 99;
  Shown shown;

  for (guint s = 0; s < 3; s++)
    {
      scans[s].z_nm = 40.0 * s;
      scans[s].label = g_strdup_printf ("R%u", s);
      scans[s].values = g_new (float, 20 * 15);
      for (guint i = 0; i < 20 * 15; i++)
        scans[s].values[i] = i % 31 == 3 ? NAN : (float) (-6 + 7 * uniform (&seed) + s);
    }
  volume = evox_ssrm_stack_new (20, 15, scans, 3, 10.0, 5.0, EVOX_SCALE_LOG10, &error);
  g_assert_no_error (error);
  evox_document_set_volume (document, volume, "small", NULL);
  shown = show_view (document);
  assert_per_layer (shown.view, volume);
  draw_once (shown.view);

  /* A slice source shows that slice as one series. */
  evox_document_set_histogram_source (document, EVOX_HISTOGRAM_SLICE);
  g_assert_cmpuint (evox_histogram_view_get_n_series (shown.view), ==, 1);

  close_view (&shown);
  g_assert_finalize_object (document);
  g_assert_finalize_object (volume);
}

static void
check_slices (EvoxDocument      *document,
              EvoxHistogramView *view,
              EvoxVolume        *volume)
{
  gsize dims[3];

  evox_volume_get_dims (volume, dims);
  evox_document_set_histogram_source (document, EVOX_HISTOGRAM_SLICE);
  for (guint axis = 0; axis < 3; axis++)
    {
      g_autofree double *before = NULL;
      const double *counts;
      Box box;
      guint n;

      evox_document_set_active_axis (document, axis);
      evox_document_set_slice (document, axis, 1);
      box = slice_box (volume, axis, 1);
      assert_counts_match (view, volume, &box);
      counts = evox_histogram_view_get_counts (view, &n, NULL, NULL);
      before = g_memdup2 (counts, n * sizeof (double));

      /* Moving another axis's slice leaves this histogram alone... */
      evox_document_set_slice (document, (axis + 1) % 3, 0);
      counts = evox_histogram_view_get_counts (view, NULL, NULL, NULL);
      g_assert_cmpmem (counts, n * sizeof (double), before, n * sizeof (double));

      /* ...moving this one changes it. */
      evox_document_set_slice (document, axis, dims[axis] - 2);
      box = slice_box (volume, axis, dims[axis] - 2);
      assert_counts_match (view, volume, &box);
      counts = evox_histogram_view_get_counts (view, NULL, NULL, NULL);
      g_assert_true (memcmp (counts, before, n * sizeof (double)) != 0);
      draw_once (view);
    }

  /* Back to the whole volume. */
  evox_document_set_histogram_source (document, EVOX_HISTOGRAM_WHOLE);
  {
    Box box = whole_box (volume);
    assert_counts_match (view, volume, &box);
  }
}

static void
test_slice (void)
{
  const EvoxSampleType types[] = { EVOX_SAMPLE_U16, EVOX_SAMPLE_F32 };

  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    {
      EvoxDocument *document = evox_document_new ();
      EvoxVolume *volume = random_volume (types[t], 31, 19, 12, types[t] == EVOX_SAMPLE_F32 ? -2 : 10,
                                          types[t] == EVOX_SAMPLE_F32 ? 2 : 900, 3 + t);
      Shown shown;

      evox_document_set_volume (document, volume, "random", NULL);
      evox_document_set_mapping (document, EVOX_MAPPING_LINEAR);
      shown = show_view (document);
      check_slices (document, shown.view, volume);

      close_view (&shown);
      g_assert_finalize_object (document);
      g_assert_finalize_object (volume);
    }

  /* A z slice of the demo stack comes from the fine histogram's layer counts. */
  {
    EvoxDocument *document = evox_document_new ();
    EvoxVolume *volume = evox_demo_volume_new (10.0);
    Shown shown;
    Box box;

    evox_document_set_volume (document, volume, "demo", NULL);
    shown = show_view (document);
    evox_document_set_histogram_source (document, EVOX_HISTOGRAM_SLICE);
    evox_document_set_active_axis (document, 2);
    evox_document_set_slice (document, 2, 5);
    box = slice_box (volume, 2, 5);
    assert_counts_match (shown.view, volume, &box);
    draw_once (shown.view);
    close_view (&shown);
    g_assert_finalize_object (document);
    g_assert_finalize_object (volume);
  }
}

static void
test_range_keeps_counts (void)
{
  EvoxDocument *document = evox_document_new ();
  /* Positive linear data over five decades opens with a log mapping: log-spaced bins. */
  EvoxVolume *volume = random_volume (EVOX_SAMPLE_F32, 40, 30, 20, 0.01, 1000.0, 17);
  Box box = whole_box (volume);
  g_autofree double *before = NULL;
  const double *counts;
  double lo, hi, lo2, hi2;
  Shown shown;
  guint n, n2;

  evox_document_set_volume (document, volume, "decades", NULL);
  g_assert_cmpint (evox_document_get_mapping (document), ==, EVOX_MAPPING_LOG);
  shown = show_view (document);
  g_assert_true (evox_histogram_view_get_log_bins (shown.view));
  assert_counts_match (shown.view, volume, &box);

  counts = evox_histogram_view_get_counts (shown.view, &n, &lo, &hi);
  before = g_memdup2 (counts, n * sizeof (double));
  g_assert_cmpfloat (lo, >, 0);

  evox_document_set_range (document, 0.5, 20);
  draw_once (shown.view);
  evox_document_set_range (document, 3, 700);
  evox_document_set_colormap (document, "magma");
  evox_document_set_histogram_log_counts (document, TRUE);
  draw_once (shown.view);
  counts = evox_histogram_view_get_counts (shown.view, &n2, &lo2, &hi2);
  g_assert_cmpuint (n2, ==, n);
  g_assert_cmpfloat (lo2, ==, lo);
  g_assert_cmpfloat (hi2, ==, hi);
  g_assert_cmpmem (counts, n * sizeof (double), before, n * sizeof (double));

  /* A linear mapping brings linear bins: other counts. */
  evox_document_set_mapping (document, EVOX_MAPPING_LINEAR);
  g_assert_false (evox_histogram_view_get_log_bins (shown.view));
  counts = evox_histogram_view_get_counts (shown.view, &n2, NULL, NULL);
  g_assert_true (memcmp (counts, before, n * sizeof (double)) != 0);
  assert_counts_match (shown.view, volume, &box);
  draw_once (shown.view);

  close_view (&shown);
  g_assert_finalize_object (document);
  g_assert_finalize_object (volume);
}

/* The colour bar colours each value as the canvas does, and the range markers sit on it. */
static void
check_colorbar (EvoxDocument      *document,
                EvoxHistogramView *view,
                double             range_lo,
                double             range_hi,
                const double      *probes,
                guint              n_probes)
{
  const guint8 (*table)[3] = evox_colormap_get_table (evox_document_get_colormap (document));
  EvoxTransfer transfer = evox_document_get_transfer (document);
  static const guint8 marker[3] = { 53, 132, 228 };
  g_autofree guint8 *pixels = NULL;
  graphene_rect_t bar;
  int width, height, y;
  double x0, x1;
  gboolean log_bins;
  gsize stride;
  guint8 rgb[3];

  evox_document_set_range (document, range_lo, range_hi);
  log_bins = evox_histogram_view_get_log_bins (view);
  flush ();
  pixels = render_pixels (view, &width, &height, &stride);
  g_assert_true (evox_histogram_view_get_colorbar_bounds (view, &bar));
  g_assert_cmpfloat (bar.size.width, >, 100);
  y = (int) (bar.origin.y + bar.size.height / 2);

  /* The value axis is linear in the stored value or in its log10: the value at a pixel's
   * centre follows from where two known values lie. */
  x0 = evox_histogram_view_value_to_x (view, log_bins ? 1 : 0);
  x1 = evox_histogram_view_value_to_x (view, log_bins ? 10 : 1);
  for (guint i = 0; i < n_probes; i++)
    {
      double x = evox_histogram_view_value_to_x (view, probes[i]);
      int column = (int) floor (x);
      double centre = (column + 0.5 - x0) / (x1 - x0);
      if (log_bins)
        centre = pow (10.0, centre);
      double t = evox_display_coordinate (transfer, range_lo, range_hi, centre);
      const guint8 *want = table[(int) lround (CLAMP (t, 0.0, 1.0) * 255.0)];

      g_assert_cmpfloat (x, >=, bar.origin.x);
      g_assert_cmpfloat (x, <, bar.origin.x + bar.size.width);
      get_pixel (pixels, stride, column, y, rgb);
      assert_rgb_near (rgb, want, 3);
    }

  for (int i = 0; i < 2; i++)
    {
      double x = round (evox_histogram_view_value_to_x (view, i == 0 ? range_lo : range_hi));

      get_pixel (pixels, stride, (int) x, y, rgb);
      assert_rgb_near (rgb, marker, 2);
    }
}

static void
test_colorbar (void)
{
  EvoxDocument *document = evox_document_new ();
  EvoxVolume *volume = random_volume (EVOX_SAMPLE_F32, 30, 30, 10, 0.0, 100.0, 23);
  EvoxVolume *demo = evox_demo_volume_new (10.0);
  Shown shown;

  evox_document_set_volume (document, volume, "linear", NULL);
  evox_document_set_mapping (document, EVOX_MAPPING_LINEAR);
  shown = show_view (document);
  {
    const double probes[] = { 2, 10, 33, 50, 64, 90, 98 };
    check_colorbar (document, shown.view, 25, 75, probes, G_N_ELEMENTS (probes));
    evox_document_set_colormap (document, "grey");
    check_colorbar (document, shown.view, 20, 60, probes, G_N_ELEMENTS (probes));
    /* A log mapping of the same data: log-spaced bins and a log10 transfer. */
    evox_document_set_mapping (document, EVOX_MAPPING_LOG);
    g_assert_true (evox_histogram_view_get_log_bins (shown.view));
    check_colorbar (document, shown.view, 0.5, 30, probes, G_N_ELEMENTS (probes));
  }

  /* log10 data with a linear mapping: the colours follow 10^value along the log axis. */
  evox_document_set_volume (document, demo, "demo", NULL);
  evox_document_set_colormap (document, "viridis");
  evox_document_set_mapping (document, EVOX_MAPPING_LINEAR);
  {
    const double probes[] = { -5.5, -1.0, 0.0, 0.5, 1.2, 1.7 };
    check_colorbar (document, shown.view, -0.5, 1.5, probes, G_N_ELEMENTS (probes));
  }

  close_view (&shown);
  g_assert_finalize_object (document);
  g_assert_finalize_object (volume);
  g_assert_finalize_object (demo);
}

static void
test_document_swap (void)
{
  EvoxDocument *first = evox_document_new ();
  EvoxDocument *second = evox_document_new ();
  EvoxVolume *a = random_volume (EVOX_SAMPLE_U8, 10, 10, 10, 0, 9, 1);
  EvoxVolume *b = random_volume (EVOX_SAMPLE_U16, 12, 10, 8, 0, 3000, 2);
  Box box = whole_box (b);
  EvoxDocument *got = NULL;
  Shown shown;

  evox_document_set_volume (first, a, "a", NULL);
  shown = show_view (first);
  g_object_set (shown.view, "document", second, NULL);
  g_object_get (shown.view, "document", &got, NULL);
  g_assert_true (got == second);
  g_object_unref (got);
  g_assert_null (evox_histogram_view_get_counts (shown.view, NULL, NULL, NULL));

  /* The old document no longer reaches the view. */
  evox_document_set_volume (second, b, "b", NULL);
  evox_document_set_histogram_source (first, EVOX_HISTOGRAM_SLICE);
  evox_document_set_volume (first, NULL, NULL, NULL);
  assert_counts_match (shown.view, b, &box);
  draw_once (shown.view);

  g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (shown.view)), ==,
                   GTK_ACCESSIBLE_ROLE_IMG);

  close_view (&shown);
  g_assert_finalize_object (first);
  g_assert_finalize_object (second);
  g_assert_finalize_object (a);
  g_assert_finalize_object (b);
}

int
main (int    argc,
      char **argv)
{
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_print ("1..0 # SKIP no display: run under xvfb-run -a\n");
      return 0;
    }
  /* No session bus under xvfb-run: GTK's AT-SPI bridge would warn, and warnings are fatal. */
  g_setenv ("GTK_A11Y", "test", FALSE);
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Evox/HistogramView/no-volume", test_no_volume);
  g_test_add_func ("/Evox/HistogramView/u8", test_u8);
  g_test_add_func ("/Evox/HistogramView/u16", test_u16);
  g_test_add_func ("/Evox/HistogramView/f32", test_f32);
  g_test_add_func ("/Evox/HistogramView/log10", test_log10);
  g_test_add_func ("/Evox/HistogramView/per-layer-small", test_per_layer_small);
  g_test_add_func ("/Evox/HistogramView/slice", test_slice);
  g_test_add_func ("/Evox/HistogramView/range-keeps-counts", test_range_keeps_counts);
  g_test_add_func ("/Evox/HistogramView/colorbar", test_colorbar);
  g_test_add_func ("/Evox/HistogramView/document-swap", test_document_swap);

  return g_test_run ();
}
