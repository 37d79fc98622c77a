/* test-histogram-view.c: the histogram widget's bins against brute force, drawing, phase bands. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "evox-clusters.h"
#include "evox-demo.h"
#include "evox-document.h"
#include "evox-histogram-view-private.h"
#include "evox-ssrm-stack.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"

/* Volumes */

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
      double u = evox_test_uniform (&seed);

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
  guint32 *pixels = evox_test_render_widget (GTK_WIDGET (view), width, height);

  *stride = (gsize) *width * 4;
  return (guint8 *) pixels;
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

  /* The scans together: the same bars as stacked per scan, on the same bins. */
  {
    guint n;
    const double *counts = evox_histogram_view_get_counts (shown.view, &n, NULL, NULL);
    g_autofree double *stacked = g_memdup2 (counts, n * sizeof (double));
    const double *together;
    guint n_together;

    evox_document_set_histogram_per_layer (document, FALSE);
    g_assert_cmpuint (evox_histogram_view_get_n_series (shown.view), ==, 1);
    together = evox_histogram_view_get_counts (shown.view, &n_together, NULL, NULL);
    g_assert_cmpuint (n_together, ==, n);
    for (guint b = 0; b < n; b++)
      g_assert_cmpfloat (fabs (together[b] - stacked[b]), <=, 1e-6 * MAX (stacked[b], 1));
    draw_once (shown.view);
  }

  /* The interpolated volume, per-scan mode or not, when the basis says so. */
  evox_document_set_basis (document, EVOX_BASIS_VOLUME);
  evox_document_set_histogram_per_layer (document, TRUE);
  g_assert_cmpuint (evox_histogram_view_get_n_series (shown.view), ==, 1);
  evox_document_set_histogram_per_layer (document, FALSE);
  g_assert_cmpuint (evox_histogram_view_get_n_series (shown.view), ==, 1);
  assert_counts_match (shown.view, volume, &box);
  draw_once (shown.view);
  evox_test_screenshot (GTK_WIDGET (shown.view), "volume-basis");

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
        scans[s].values[i] = i % 31 == 3 ? NAN : (float) (-6 + 7 * evox_test_uniform (&seed) + s);
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

/* Phases */

static const guint8 red[3] = { 0xe0, 0x1b, 0x24 };
static const guint8 green[3] = { 0x2e, 0xc2, 0x7e };
static const guint8 blue[3] = { 0x1c, 0x71, 0xd8 };
static const guint8 flag_yellow[3] = { 0xf5, 0xc2, 0x11 };

static EvoxPhase *
add_phase (EvoxDocument *document,
           const char   *name,
           double        lo,
           double        hi,
           const char   *color)
{
  g_autoptr(EvoxPhase) phase = evox_phase_new (name, lo, hi, color);

  evox_phase_list_append (evox_document_get_phases (document), phase);
  /* The list keeps it. */
  return phase;
}

/* A row inside the plot, below the name tags and away from the grips. */
static int
band_row (EvoxHistogramView *view)
{
  graphene_rect_t bar;

  g_assert_true (evox_histogram_view_get_colorbar_bounds (view, &bar));
  return (int) bar.origin.y - 12;
}

/* The stored value at widget x on a linear (or, with log_axis, log10) value axis, from where two
 * known values lie. */
static double
value_at (EvoxHistogramView *view,
          double             x,
          gboolean           log_axis)
{
  double x0 = evox_histogram_view_value_to_x (view, log_axis ? 1 : 0);
  double x1 = evox_histogram_view_value_to_x (view, log_axis ? 10 : 1);
  double at = (x - x0) / (x1 - x0);

  return log_axis ? pow (10.0, at) : at;
}

static void
unpack (const guint8 *pixels,
        gsize         stride,
        int           x,
        int           y,
        double        argb[4])
{
  guint32 word;

  memcpy (&word, pixels + y * stride + x * 4, 4);
  for (int c = 0; c < 4; c++)
    argb[c] = (word >> (24 - 8 * c)) & 0xff;
}

/* How far a pixel went from the reference towards an opaque colour: with premultiplied ARGB a
 * translucent colour drawn over R gives R + a (C - R). Returns a, or -1 when the pixel is not on
 * that line (something else was drawn there). */
static double
blend_toward (const guint8 *pixels,
              const guint8 *reference,
              gsize         stride,
              int           x,
              int           y,
              const guint8  rgb[3])
{
  double p[4], r[4], c[4] = { 255, rgb[0], rgb[1], rgb[2] };
  double dot = 0, norm = 0, a;

  unpack (pixels, stride, x, y, p);
  unpack (reference, stride, x, y, r);
  for (int i = 0; i < 4; i++)
    {
      dot += (p[i] - r[i]) * (c[i] - r[i]);
      norm += (c[i] - r[i]) * (c[i] - r[i]);
    }
  if (norm < 1)
    return -1;
  a = dot / norm;
  for (int i = 0; i < 4; i++)
    if (fabs (p[i] - r[i] - a * (c[i] - r[i])) > 4)
      return -1;
  return a;
}

static gboolean
same_pixel (const guint8 *pixels,
            const guint8 *reference,
            gsize         stride,
            int           x,
            int           y)
{
  double p[4], r[4];

  unpack (pixels, stride, x, y, p);
  unpack (reference, stride, x, y, r);
  for (int i = 0; i < 4; i++)
    if (fabs (p[i] - r[i]) > 2)
      return FALSE;
  return TRUE;
}

typedef struct
{
  double        x0;   /* drawn edges */
  double        x1;
  const guint8 *rgb;
} Band;

/* Along a row: every column well inside a band is that band's colour laid over the reference,
 * every column well away from all bands is the reference, and each edge is the opaque colour.
 * Returns the mean blend inside the first band. */
static double
check_bands (EvoxHistogramView *view,
             const guint8      *reference,
             const Band        *bands,
             guint              n_bands)
{
  g_autofree guint8 *pixels = NULL;
  int width, height, y = band_row (view);
  double first_sum = 0;
  int first_n = 0;
  gsize stride;

  flush ();
  pixels = render_pixels (view, &width, &height, &stride);
  for (int x = 0; x < width; x++)
    {
      gboolean near = FALSE;

      for (guint b = 0; b < n_bands; b++)
        {
          if (x >= bands[b].x0 + 6 && x + 1 <= bands[b].x1 - 6)
            {
              double a = blend_toward (pixels, reference, stride, x, y, bands[b].rgb);

              if (!(a >= 0.1 && a <= 0.7))
                g_error ("column %d of band %u: blend %g toward its colour", x, b, a);
              if (b == 0)
                {
                  first_sum += a;
                  first_n++;
                }
            }
          if (x + 1 > bands[b].x0 - 6 && x < bands[b].x1 + 6)
            near = TRUE;
        }
      if (!near && !same_pixel (pixels, reference, stride, x, y))
        g_error ("column %d, outside every band, changed", x);
    }
  for (guint b = 0; b < n_bands; b++)
    for (int i = 0; i < 2; i++)
      {
        guint8 rgb[3];
        double argb[4];
        int x = (int) round (i == 0 ? bands[b].x0 : bands[b].x1);

        get_pixel (pixels, stride, x, y, rgb);
        unpack (pixels, stride, x, y, argb);
        g_assert_cmpfloat (argb[0], ==, 255);
        assert_rgb_near (rgb, bands[b].rgb, 2);
      }
  g_assert_cmpint (first_n, >, 10);
  return first_sum / first_n;
}

static double
edge (EvoxHistogramView *view,
      guint              phase,
      gboolean           hi)
{
  double x = NAN;

  g_assert_true (evox_histogram_view_get_phase_edge_x (view, phase, hi, &x));
  return x;
}

static void
test_phase_bands (void)
{
  EvoxDocument *document = evox_document_new ();
  EvoxVolume *volume = random_volume (EVOX_SAMPLE_F32, 40, 30, 10, 0.0, 100.0, 41);
  EvoxVolume *bytes = random_volume (EVOX_SAMPLE_U8, 37, 23, 11, 0, 200, 42);
  g_autofree guint8 *reference = NULL;
  EvoxPhase *a, *b, *c;
  int width, height;
  double unselected, selected;
  gsize stride;
  Shown shown;

  evox_document_set_volume (document, volume, "linear", NULL);
  evox_document_set_mapping (document, EVOX_MAPPING_LINEAR);
  evox_document_set_colormap (document, "grey");
  shown = show_view (document);
  reference = render_pixels (shown.view, &width, &height, &stride);

  /* f32: the bands lie between the values themselves. */
  a = add_phase (document, "Pores", 10, 30, "#e01b24");
  b = add_phase (document, "Active material", 40, 60, "#2ec27e");
  c = add_phase (document, "Binder", 70, 90, "#1c71d8");
  {
    const double lo[] = { 10, 40, 70 }, hi[] = { 30, 60, 90 };
    Band bands[3];

    for (guint p = 0; p < 3; p++)
      {
        bands[p].x0 = evox_histogram_view_value_to_x (shown.view, lo[p]);
        bands[p].x1 = evox_histogram_view_value_to_x (shown.view, hi[p]);
        bands[p].rgb = p == 0 ? red : p == 1 ? green : blue;
        g_assert_cmpfloat_with_epsilon (edge (shown.view, p, FALSE), bands[p].x0, 1e-9);
        g_assert_cmpfloat_with_epsilon (edge (shown.view, p, TRUE), bands[p].x1, 1e-9);
      }
    unselected = check_bands (shown.view, reference, bands, 3);

    /* The selected phase is drawn stronger. */
    evox_document_set_selected_phase (document, 0);
    selected = check_bands (shown.view, reference, bands, 3);
    g_assert_cmpfloat (selected, >, unselected + 0.05);
    evox_document_set_selected_phase (document, -1);

    /* A hidden phase is not drawn; an edge off the axis is not either. */
    evox_phase_set_visible (b, FALSE);
    g_assert_false (evox_histogram_view_get_phase_edge_x (shown.view, 1, FALSE, NULL));
    bands[1] = bands[2];
    check_bands (shown.view, reference, bands, 2);
    evox_phase_set_visible (b, TRUE);
    evox_phase_set_range (c, 70, 500);
    g_assert_true (evox_histogram_view_get_phase_edge_x (shown.view, 2, FALSE, NULL));
    g_assert_false (evox_histogram_view_get_phase_edge_x (shown.view, 2, TRUE, NULL));
    g_assert_false (evox_histogram_view_get_phase_edge_x (shown.view, 3, TRUE, NULL));
  }

  /* u8: a band covers the whole bars of its first and last values. */
  evox_phase_list_clear (evox_document_get_phases (document));
  evox_document_set_volume (document, bytes, "bytes", NULL);
  evox_document_set_mapping (document, EVOX_MAPPING_LINEAR);
  flush ();
  g_free (reference);
  reference = render_pixels (shown.view, &width, &height, &stride);
  a = add_phase (document, "Pores", 20, 60, "#e01b24");
  b = add_phase (document, "Active material", 100, 100, "#2ec27e");
  {
    Band bands[2] = {
      { evox_histogram_view_value_to_x (shown.view, 19.5),
        evox_histogram_view_value_to_x (shown.view, 60.5), red },
      { evox_histogram_view_value_to_x (shown.view, 99.5),
        evox_histogram_view_value_to_x (shown.view, 100.5), green },
    };

    g_assert_cmpfloat_with_epsilon (edge (shown.view, 0, FALSE), bands[0].x0, 1e-9);
    g_assert_cmpfloat_with_epsilon (edge (shown.view, 0, TRUE), bands[0].x1, 1e-9);
    g_assert_cmpfloat_with_epsilon (edge (shown.view, 1, FALSE), bands[1].x0, 1e-9);
    g_assert_cmpfloat_with_epsilon (edge (shown.view, 1, TRUE), bands[1].x1, 1e-9);
    check_bands (shown.view, reference, bands, 2);
  }

  /* Log-spaced bins of linear data: the edges follow the log axis. */
  evox_phase_list_clear (evox_document_get_phases (document));
  evox_document_set_volume (document, volume, "linear", NULL);
  evox_document_set_mapping (document, EVOX_MAPPING_LOG);
  g_assert_true (evox_histogram_view_get_log_bins (shown.view));
  add_phase (document, "Pores", 2, 20, "#e01b24");
  g_assert_cmpfloat_with_epsilon (edge (shown.view, 0, FALSE),
                                  evox_histogram_view_value_to_x (shown.view, 2), 1e-9);
  g_assert_cmpfloat_with_epsilon (edge (shown.view, 0, TRUE),
                                  evox_histogram_view_value_to_x (shown.view, 20), 1e-9);
  draw_once (shown.view);
  (void) a;

  close_view (&shown);
  g_assert_finalize_object (document);
  g_assert_finalize_object (volume);
  g_assert_finalize_object (bytes);
}

static void
record_notify (GObject    *object,
               GParamSpec *pspec,
               GPtrArray  *names)
{
  g_ptr_array_add (names, g_strdup (pspec->name));
}

static void
assert_range (EvoxPhase *phase,
              double     lo,
              double     hi)
{
  if (evox_phase_get_lo (phase) != lo || evox_phase_get_hi (phase) != hi)
    g_error ("phase %s is [%g, %g], not [%g, %g]", evox_phase_get_name (phase),
             evox_phase_get_lo (phase), evox_phase_get_hi (phase), lo, hi);
}

static void
test_phase_drag_integer (void)
{
  EvoxDocument *document = evox_document_new ();
  EvoxVolume *volume = random_volume (EVOX_SAMPLE_U8, 37, 23, 11, 0, 200, 43);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  EvoxPhase *a, *b, *c;
  double axis_lo, axis_hi, ppv, x, v, per_bin;
  guint n_bins;
  gulong handler;
  Shown shown;
  int y;

  evox_document_set_volume (document, volume, "bytes", NULL);
  evox_document_set_mapping (document, EVOX_MAPPING_LINEAR);
  a = add_phase (document, "A", 20, 60, "#e01b24");
  b = add_phase (document, "B", 100, 150, "#2ec27e");
  c = add_phase (document, "C", 170, 190, "#1c71d8");
  shown = show_view (document);
  y = band_row (shown.view);
  evox_histogram_view_get_counts (shown.view, &n_bins, &axis_lo, &axis_hi);
  per_bin = (axis_hi - axis_lo) / n_bins;
  ppv = evox_histogram_view_value_to_x (shown.view, 1) -
        evox_histogram_view_value_to_x (shown.view, 0);
  g_assert_cmpfloat (ppv, >, 1.5);

  /* Edges take the pointer before bands, bands only over the plot. */
  x = edge (shown.view, 0, FALSE);
  g_assert_cmpstr (_evox_histogram_view_cursor_at (shown.view, x, y), ==, "col-resize");
  g_assert_cmpstr (_evox_histogram_view_cursor_at (shown.view, x + 3, y), ==, "col-resize");
  g_assert_cmpstr (_evox_histogram_view_cursor_at (shown.view, x + 8, y), ==, "grab");
  g_assert_cmpstr (_evox_histogram_view_cursor_at (shown.view, x - 8, y), ==, NULL);
  g_assert_cmpstr (_evox_histogram_view_cursor_at (shown.view,
                                                   evox_histogram_view_value_to_x (shown.view, 40),
                                                   y + 14), ==, NULL);
  g_assert_cmpstr (_evox_histogram_view_cursor_at (shown.view, x, y + 14), ==, "col-resize");
  g_assert_false (_evox_histogram_view_drag_begin (shown.view,
                                                   evox_histogram_view_value_to_x (shown.view, 80),
                                                   y));
  g_assert_cmpint (evox_document_get_selected_phase (document), ==, -1);

  /* The lower edge lands on the bar boundary nearest the pointer; only the selection is
   * announced by the view itself. */
  handler = g_signal_connect (document, "notify", G_CALLBACK (record_notify), names);
  g_assert_true (_evox_histogram_view_drag_begin (shown.view, x, y));
  g_assert_cmpint (evox_document_get_selected_phase (document), ==, 0);
  for (guint i = 0; i < 3; i++)
    {
      const double moves[] = { 10.3, -7.8, 25.6 };
      double to = x + moves[i] * ppv;

      _evox_histogram_view_drag_update (shown.view, to, y + 3);
      v = value_at (shown.view, to, FALSE);
      assert_range (a, floor (v) + 1, 60);
      g_assert_cmpfloat (fabs (edge (shown.view, 0, FALSE) - to), <=, ppv / 2 + 1e-9);
    }
  /* Clamped at the other edge and at the axis. */
  _evox_histogram_view_drag_update (shown.view,
                                    evox_histogram_view_value_to_x (shown.view, 150), y);
  assert_range (a, 60, 60);
  _evox_histogram_view_drag_update (shown.view, -50, y);
  assert_range (a, ceil (axis_lo), 60);
  _evox_histogram_view_drag_end (shown.view, x + 5.3 * ppv, y);
  v = value_at (shown.view, x + 5.3 * ppv, FALSE);
  assert_range (a, floor (v) + 1, 60);
  g_assert_cmpuint (names->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (names, 0), ==, "selected-phase");
  g_signal_handler_disconnect (document, handler);
  /* The drag is over. */
  _evox_histogram_view_drag_update (shown.view, x + 40 * ppv, y);
  assert_range (a, floor (v) + 1, 60);

  /* The upper edge: clamped at the lower one and at the end of the axis. */
  x = edge (shown.view, 1, TRUE);
  g_assert_true (_evox_histogram_view_drag_begin (shown.view, x, y));
  g_assert_cmpint (evox_document_get_selected_phase (document), ==, 1);
  _evox_histogram_view_drag_update (shown.view, x + 12.2 * ppv, y);
  v = value_at (shown.view, x + 12.2 * ppv, FALSE);
  /* The nearest boundary h (a half value) is the upper edge: hi = h - 0.5. */
  assert_range (b, 100, floor (v));
  _evox_histogram_view_drag_update (shown.view, 10000, y);
  assert_range (b, 100, floor (axis_hi));
  _evox_histogram_view_drag_update (shown.view, 0, y);
  assert_range (b, 100, 100);
  /* Escape puts the range back and ends the drag. */
  g_assert_true (_evox_histogram_view_key_pressed (shown.view, GDK_KEY_Escape, 0));
  assert_range (b, 100, 150);
  _evox_histogram_view_drag_update (shown.view, x - 20 * ppv, y);
  _evox_histogram_view_drag_end (shown.view, x - 20 * ppv, y);
  assert_range (b, 100, 150);
  g_assert_false (_evox_histogram_view_key_pressed (shown.view, GDK_KEY_Escape, 0));
  g_assert_false (_evox_histogram_view_drag_cancel (shown.view));

  /* Inside a band the whole band moves by whole values, keeping its width, within the axis. */
  x = evox_histogram_view_value_to_x (shown.view, 125);
  g_assert_true (_evox_histogram_view_drag_begin (shown.view, x, y));
  _evox_histogram_view_drag_update (shown.view, x + 20.4 * ppv, y);
  assert_range (b, 120, 170);
  _evox_histogram_view_drag_update (shown.view, x + 1000, y);
  assert_range (b, floor (axis_hi) - 50, floor (axis_hi));
  _evox_histogram_view_drag_update (shown.view, x - 1000, y);
  assert_range (b, ceil (axis_lo), ceil (axis_lo) + 50);
  _evox_histogram_view_drag_cancel (shown.view);
  assert_range (b, 100, 150);

  /* The selected phase wins where bands overlap. */
  evox_phase_set_range (c, 90, 190);
  evox_document_set_selected_phase (document, 1);
  g_assert_true (_evox_histogram_view_drag_begin (shown.view,
                                                  evox_histogram_view_value_to_x (shown.view, 125),
                                                  y));
  g_assert_cmpint (evox_document_get_selected_phase (document), ==, 1);
  _evox_histogram_view_drag_end (shown.view, evox_histogram_view_value_to_x (shown.view, 125), y);
  evox_document_set_selected_phase (document, -1);
  g_assert_true (_evox_histogram_view_drag_begin (shown.view,
                                                  evox_histogram_view_value_to_x (shown.view, 125),
                                                  y));
  g_assert_cmpint (evox_document_get_selected_phase (document), ==, 2);
  _evox_histogram_view_drag_end (shown.view, evox_histogram_view_value_to_x (shown.view, 125), y);
  evox_phase_set_range (c, 170, 190);

  /* Arrow keys move the edge dragged last by one bar, ten with Shift. */
  x = edge (shown.view, 1, TRUE);
  g_assert_true (_evox_histogram_view_drag_begin (shown.view, x, y));
  _evox_histogram_view_drag_end (shown.view, x, y);
  assert_range (b, 100, 150);
  g_assert_true (_evox_histogram_view_key_pressed (shown.view, GDK_KEY_Right, 0));
  assert_range (b, 100, 150 + per_bin);
  g_assert_true (_evox_histogram_view_key_pressed (shown.view, GDK_KEY_Left, GDK_SHIFT_MASK));
  assert_range (b, 100, 150 + per_bin - 10 * per_bin);
  x = edge (shown.view, 1, FALSE);
  g_assert_true (_evox_histogram_view_drag_begin (shown.view, x, y));
  _evox_histogram_view_drag_end (shown.view, x, y);
  g_assert_true (_evox_histogram_view_key_pressed (shown.view, GDK_KEY_Left, 0));
  assert_range (b, 100 - per_bin, 150 - 9 * per_bin);
  for (guint i = 0; i < 10; i++)
    _evox_histogram_view_key_pressed (shown.view, GDK_KEY_Right, GDK_SHIFT_MASK);
  assert_range (b, 150 - 9 * per_bin, 150 - 9 * per_bin);
  g_assert_false (_evox_histogram_view_key_pressed (shown.view, GDK_KEY_Up, 0));
  evox_document_set_selected_phase (document, -1);
  g_assert_false (_evox_histogram_view_key_pressed (shown.view, GDK_KEY_Right, 0));

  /* Hidden phases cannot be taken. */
  evox_phase_set_visible (c, FALSE);
  g_assert_false (evox_histogram_view_get_phase_edge_x (shown.view, 2, FALSE, NULL));
  g_assert_false (_evox_histogram_view_drag_begin (shown.view,
                                                   evox_histogram_view_value_to_x (shown.view, 180),
                                                   y));

  close_view (&shown);
  g_assert_finalize_object (document);
  g_assert_finalize_object (volume);
}

static void
test_phase_drag_float (void)
{
  EvoxDocument *document = evox_document_new ();
  EvoxVolume *demo = evox_demo_volume_new (10.0);
  EvoxVolume *decades = random_volume (EVOX_SAMPLE_F32, 40, 30, 20, 0.01, 1000.0, 44);
  EvoxPhase *a;
  double x, to, width_before;
  Shown shown;
  int y;

  /* log10 data: the edge goes to the value under the pointer, unsnapped. */
  evox_document_set_volume (document, demo, "demo", NULL);
  a = add_phase (document, "Conductive", -4, -2, "#e01b24");
  shown = show_view (document);
  y = band_row (shown.view);
  x = edge (shown.view, 0, FALSE);
  g_assert_true (_evox_histogram_view_drag_begin (shown.view, x, y));
  to = x + 37.25;
  _evox_histogram_view_drag_update (shown.view, to, y);
  g_assert_cmpfloat (fabs (evox_phase_get_lo (a) - value_at (shown.view, to, FALSE)), <, 1e-9);
  g_assert_cmpfloat (evox_phase_get_hi (a), ==, -2);
  _evox_histogram_view_drag_end (shown.view, to, y);

  /* Linear data on log-spaced bins: edges and bands move along the log axis. */
  evox_phase_list_clear (evox_document_get_phases (document));
  evox_document_set_volume (document, decades, "decades", NULL);
  g_assert_cmpint (evox_document_get_mapping (document), ==, EVOX_MAPPING_LOG);
  a = add_phase (document, "Pores", 0.1, 1, "#e01b24");
  flush ();
  x = edge (shown.view, 0, TRUE);
  g_assert_true (_evox_histogram_view_drag_begin (shown.view, x, y));
  to = x + 30.5;
  _evox_histogram_view_drag_update (shown.view, to, y);
  g_assert_cmpfloat (fabs (evox_phase_get_hi (a) / value_at (shown.view, to, TRUE) - 1), <, 1e-9);
  _evox_histogram_view_drag_end (shown.view, to, y);
  width_before = evox_phase_get_hi (a) / evox_phase_get_lo (a);
  x = evox_histogram_view_value_to_x (shown.view, sqrt (evox_phase_get_lo (a) *
                                                        evox_phase_get_hi (a)));
  g_assert_true (_evox_histogram_view_drag_begin (shown.view, x, y));
  _evox_histogram_view_drag_end (shown.view, x + 20, y);
  g_assert_cmpfloat (fabs (evox_phase_get_hi (a) / evox_phase_get_lo (a) / width_before - 1), <,
                     1e-9);
  g_assert_cmpfloat (fabs (evox_phase_get_lo (a) / 0.1 /
                           (value_at (shown.view, x + 20, TRUE) / value_at (shown.view, x, TRUE))
                           - 1), <, 1e-9);

  close_view (&shown);
  g_assert_finalize_object (document);
  g_assert_finalize_object (demo);
  g_assert_finalize_object (decades);
}

/* Brute force: stretches of whole values (u8 data) held by two visible phases that overlap,
 * a shared edge being no overlap (evox_phase_overlaps, tested against its own oracle in
 * test-phase). */
static guint
brute_overlaps (EvoxPhaseList *list,
                double         lo,
                double         hi)
{
  guint runs = 0, n = evox_phase_list_get_n_phases (list);
  gboolean inside = FALSE;

  for (double v = lo; v <= hi; v += 1)
    {
      gboolean shared = FALSE;

      for (guint p = 0; p < n && !shared; p++)
        for (guint q = p + 1; q < n && !shared; q++)
          {
            EvoxPhase *a = evox_phase_list_get_phase (list, p);
            EvoxPhase *b = evox_phase_list_get_phase (list, q);

            shared = evox_phase_get_visible (a) && evox_phase_get_visible (b) &&
                     evox_phase_contains (a, v) && evox_phase_contains (b, v) &&
                     evox_phase_overlaps (a, b, EVOX_SAMPLE_U8);
          }
      runs += shared && !inside;
      inside = shared;
    }
  return runs;
}

static gboolean
near_yellow (const guint8 *pixels,
             gsize         stride,
             int           x,
             int           y)
{
  guint8 rgb[3];

  get_pixel (pixels, stride, x, y, rgb);
  for (int c = 0; c < 3; c++)
    if (abs ((int) rgb[c] - (int) flag_yellow[c]) > 12)
      return FALSE;
  return TRUE;
}

/* Warning yellow shows in some column of [x0, x1] and in no column away from every stretch. */
static void
check_flags (EvoxHistogramView *view,
             const double      *stretches,
             guint              n)
{
  g_autofree guint8 *pixels = NULL;
  int width, height;
  gsize stride;

  flush ();
  pixels = render_pixels (view, &width, &height, &stride);
  for (int x = 0; x < width; x++)
    {
      gboolean yellow = FALSE, near = FALSE;

      for (int y = 0; y < height; y++)
        yellow |= near_yellow (pixels, stride, x, y);
      for (guint i = 0; i < n; i++)
        near |= x >= stretches[2 * i] - 6 && x <= stretches[2 * i + 1] + 6;
      if (yellow && !near)
        g_error ("column %d is flagged but no phases overlap there", x);
    }
  for (guint i = 0; i < n; i++)
    {
      gboolean found = FALSE;

      for (int x = (int) floor (stretches[2 * i]) - 2; x <= stretches[2 * i + 1] + 2; x++)
        for (int y = 0; y < height; y++)
          found |= near_yellow (pixels, stride, x, y);
      if (!found)
        g_error ("no flag over columns %g to %g", stretches[2 * i], stretches[2 * i + 1]);
    }
}

static void
test_phase_overlap (void)
{
  EvoxDocument *document = evox_document_new ();
  EvoxVolume *volume = random_volume (EVOX_SAMPLE_U8, 37, 23, 11, 0, 200, 45);
  EvoxPhaseList *list = evox_document_get_phases (document);
  EvoxPhase *a, *b, *c;
  double axis_lo, axis_hi;
  guint64 seed = 46;
  Shown shown;

  evox_document_set_volume (document, volume, "bytes", NULL);
  evox_document_set_mapping (document, EVOX_MAPPING_LINEAR);
  evox_document_set_colormap (document, "grey");
  a = add_phase (document, "A", 20, 60, "#e01b24");
  b = add_phase (document, "B", 100, 150, "#2ec27e");
  c = add_phase (document, "C", 170, 190, "#1c71d8");
  shown = show_view (document);
  evox_histogram_view_get_counts (shown.view, NULL, &axis_lo, &axis_hi);

  g_assert_cmpuint (evox_histogram_view_get_n_overlaps (shown.view), ==, 0);
  check_flags (shown.view, NULL, 0);

  evox_phase_set_range (b, 55, 150);
  g_assert_cmpuint (evox_histogram_view_get_n_overlaps (shown.view), ==, 1);
  {
    const double stretches[] = {
      evox_histogram_view_value_to_x (shown.view, 54.5),
      evox_histogram_view_value_to_x (shown.view, 60.5),
    };
    check_flags (shown.view, stretches, 1);
  }

  evox_phase_set_range (c, 140, 190);
  g_assert_cmpuint (evox_histogram_view_get_n_overlaps (shown.view), ==, 2);
  {
    const double stretches[] = {
      evox_histogram_view_value_to_x (shown.view, 54.5),
      evox_histogram_view_value_to_x (shown.view, 60.5),
      evox_histogram_view_value_to_x (shown.view, 139.5),
      evox_histogram_view_value_to_x (shown.view, 150.5),
    };
    check_flags (shown.view, stretches, 2);
  }

  /* Hidden phases overlap nothing; ranges that meet at a shared edge do not overlap (the first
   * phase owns it), but a phase on nothing but that value does. */
  evox_phase_set_visible (b, FALSE);
  g_assert_cmpuint (evox_histogram_view_get_n_overlaps (shown.view), ==, 0);
  check_flags (shown.view, NULL, 0);
  evox_phase_set_visible (b, TRUE);
  evox_phase_set_range (b, 60, 100);
  evox_phase_set_range (c, 101, 190);
  g_assert_cmpuint (evox_histogram_view_get_n_overlaps (shown.view), ==, 0);
  evox_phase_set_range (b, 60, 60);
  g_assert_cmpuint (evox_histogram_view_get_n_overlaps (shown.view), ==, 1);
  {
    /* One shared value is flagged around it. */
    double centre = evox_histogram_view_value_to_x (shown.view, 60);
    const double stretches[] = { centre - 2, centre + 2 };
    check_flags (shown.view, stretches, 1);
  }
  (void) a;

  /* Random phases against the brute-force count. */
  for (guint trial = 0; trial < 200; trial++)
    {
      guint n = 2 + evox_test_random (&seed) % 5;

      evox_phase_list_clear (list);
      for (guint p = 0; p < n; p++)
        {
          double lo = floor (evox_test_uniform (&seed) * 200);
          double width = floor (evox_test_uniform (&seed) * 50);
          EvoxPhase *phase = add_phase (document, "P", lo, MIN (lo + width, 201), "#e01b24");

          evox_phase_set_visible (phase, evox_test_uniform (&seed) < 0.8);
        }
      g_assert_cmpuint (evox_histogram_view_get_n_overlaps (shown.view), ==,
                        brute_overlaps (list, ceil (axis_lo), floor (axis_hi)));
    }
  draw_once (shown.view);

  close_view (&shown);
  g_assert_finalize_object (document);
  g_assert_finalize_object (volume);
}

static void
test_phase_document_swap (void)
{
  EvoxDocument *first = evox_document_new ();
  EvoxDocument *second = evox_document_new ();
  EvoxVolume *volume = random_volume (EVOX_SAMPLE_U8, 20, 20, 10, 0, 200, 47);
  EvoxPhase *a;
  Shown shown;
  double x;
  int y;

  evox_document_set_volume (first, volume, "first", NULL);
  evox_document_set_volume (second, volume, "second", NULL);
  a = add_phase (first, "A", 20, 60, "#e01b24");
  add_phase (second, "B", 30, 90, "#2ec27e");
  shown = show_view (first);
  g_assert_cmpuint (g_signal_handler_find (evox_document_get_phases (first), G_SIGNAL_MATCH_DATA,
                                           0, 0, NULL, NULL, shown.view), !=, 0);
  y = band_row (shown.view);

  /* A drag under way is dropped with its document. */
  x = edge (shown.view, 0, FALSE);
  g_assert_true (_evox_histogram_view_drag_begin (shown.view, x, y));
  evox_histogram_view_set_document (shown.view, second);
  _evox_histogram_view_drag_update (shown.view, x + 30, y);
  assert_range (a, 20, 60);
  g_assert_cmpuint (g_signal_handler_find (evox_document_get_phases (first), G_SIGNAL_MATCH_DATA,
                                           0, 0, NULL, NULL, shown.view), ==, 0);
  g_assert_cmpuint (g_signal_handler_find (evox_document_get_phases (second), G_SIGNAL_MATCH_DATA,
                                           0, 0, NULL, NULL, shown.view), !=, 0);
  g_assert_cmpfloat_with_epsilon (edge (shown.view, 0, FALSE),
                                  evox_histogram_view_value_to_x (shown.view, 29.5), 1e-9);
  evox_phase_list_clear (evox_document_get_phases (first));
  draw_once (shown.view);

  close_view (&shown);
  g_assert_finalize_object (first);
  g_assert_finalize_object (second);
  g_assert_finalize_object (volume);
}

/* Columns of the plot near x (from x0 up to x1) whose pixel a few rows above the bottom is a
 * viridis colour, that is a bar, not the background, a frame, a marker or an edge line. */
static guint
bar_columns (const guint8 *pixels,
             gsize         stride,
             int           x0,
             int           x1,
             int           y)
{
  guint n = 0;

  for (int x = x0; x <= x1; x++)
    {
      guint8 rgb[3];

      get_pixel (pixels, stride, x, y, rgb);
      n += evox_test_colormap_distance ("viridis", rgb) <= 24;
    }
  return n;
}

/* A binary volume is all extremes: its two bars must show beside the frame and under the range
 * markers and phase edges that stand on them (they were hidden there). */
static void
test_end_bars (void)
{
  EvoxDocument *document = evox_document_new ();
  EvoxVolume *volume = evox_volume_new (16, 16, 16, 1, EVOX_SAMPLE_F32, NULL);
  float *data = evox_volume_get_data_mut (volume, 0);
  guint64 seed = 51;
  graphene_rect_t bar;
  g_autofree guint8 *pixels = NULL;
  double lo, hi, x_lo, x_hi;
  int width, height, y;
  gsize stride;
  Shown shown;

  for (gsize i = 0; i < 16 * 16 * 16; i++)
    data[i] = evox_test_uniform (&seed) < 0.5 ? 0.0f : 1.0f;
  evox_volume_freeze (volume);
  evox_document_set_volume (document, volume, "binary", NULL);
  evox_document_set_mapping (document, EVOX_MAPPING_LINEAR);
  evox_document_set_colormap (document, "viridis");
  add_phase (document, "pore", 0, 0.5, "#1f77b4");
  add_phase (document, "solid", 0.5, 1, "#ff7f0e");
  shown = show_view (document);
  evox_histogram_view_get_counts (shown.view, NULL, &lo, &hi);
  draw_once (shown.view);
  evox_test_screenshot (GTK_WIDGET (shown.view), "end-bars");

  pixels = render_pixels (shown.view, &width, &height, &stride);
  g_assert_true (evox_histogram_view_get_colorbar_bounds (shown.view, &bar));
  y = (int) bar.origin.y - 4 - 4;   /* just above the plot's bottom */
  x_lo = evox_histogram_view_value_to_x (shown.view, lo);
  x_hi = evox_histogram_view_value_to_x (shown.view, hi);
  g_test_message ("plot %.1f..%.1f, row %d", x_lo, x_hi, y);
  g_assert_cmpuint (bar_columns (pixels, stride, (int) x_lo, (int) x_lo + 4, y), >=, 3);
  g_assert_cmpuint (bar_columns (pixels, stride, (int) x_hi - 5, (int) x_hi - 1, y), >=, 3);

  close_view (&shown);
  g_assert_finalize_object (document);
  g_assert_finalize_object (volume);
}

/* Scans never take a phase's colour (tab10, what phases are given), and with a log count axis
 * they are lines: below a line is the background, where stacked bars would be filled. */
static void
test_scan_palette_and_lines (void)
{
  static const char * const tab10[] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
  };
  EvoxDocument *document = evox_document_new ();
  EvoxVolume *volume = evox_demo_volume_new (10.0);
  g_autofree guint8 *pixels = NULL;
  graphene_rect_t bar;
  const double *counts;
  double lo, hi;
  guint n_bins, best = 0;
  int width, height, y, x;
  gsize stride;
  Shown shown;

  evox_document_set_volume (document, volume, "demo", NULL);
  shown = show_view (document);
  g_assert_cmpuint (evox_histogram_view_get_n_series (shown.view), ==, EVOX_DEMO_N_SCANS);
  for (guint s = 0; s < EVOX_DEMO_N_SCANS; s++)
    {
      GdkRGBA scan = _evox_histogram_view_get_series_color (shown.view, s);

      for (guint p = 0; p < G_N_ELEMENTS (tab10); p++)
        {
          float rgb[3];
          double distance;

          evox_color_get_rgb (tab10[p], rgb);
          distance = fabs (scan.red - rgb[0]) + fabs (scan.green - rgb[1]) +
                     fabs (scan.blue - rgb[2]);
          /* tab10's grey (#7f7f7f) is the 8th phase colour: the ramp passes near it, but is
           * told apart by lightness from the scans on each side. */
          if (p != 7)
            g_assert_cmpfloat (distance, >, 0.3);
        }
      if (s > 0)
        {
          GdkRGBA before = _evox_histogram_view_get_series_color (shown.view, s - 1);
          g_assert_cmpfloat (fabs (before.red - scan.red), >, 0.1);
        }
    }

  /* The fullest bin: stacked, its foot is the first scan's colour; as lines, background. */
  counts = evox_histogram_view_get_counts (shown.view, &n_bins, &lo, &hi);
  for (guint b = 1; b < n_bins; b++)
    if (counts[b] > counts[best])
      best = b;
  x = (int) round (evox_histogram_view_value_to_x (shown.view,
                                                   lo + (hi - lo) * (best + 0.5) / n_bins));
  g_assert_true (evox_histogram_view_get_colorbar_bounds (shown.view, &bar));
  y = (int) bar.origin.y - 4 - 3;
  {
    GdkRGBA first = _evox_histogram_view_get_series_color (shown.view, 0);
    guint8 want[3] = { first.red * 255 + 0.5, first.green * 255 + 0.5, first.blue * 255 + 0.5 };
    guint8 got[3];

    draw_once (shown.view);
    pixels = render_pixels (shown.view, &width, &height, &stride);
    get_pixel (pixels, stride, x, y, got);
    assert_rgb_near (got, want, 6);
    g_clear_pointer (&pixels, g_free);

    evox_document_set_histogram_log_counts (document, TRUE);
    draw_once (shown.view);
    evox_test_screenshot (GTK_WIDGET (shown.view), "scan-lines");
    pixels = render_pixels (shown.view, &width, &height, &stride);
    get_pixel (pixels, stride, x, y, got);
    g_test_message ("foot of bin %u as lines: %u %u %u", best, got[0], got[1], got[2]);
    for (guint s = 0; s < EVOX_DEMO_N_SCANS; s++)
      {
        GdkRGBA scan = _evox_histogram_view_get_series_color (shown.view, s);
        g_assert_cmpint (abs ((int) got[0] - (int) (scan.red * 255 + 0.5)) +
                         abs ((int) got[1] - (int) (scan.green * 255 + 0.5)) +
                         abs ((int) got[2] - (int) (scan.blue * 255 + 0.5)), >, 12);
      }
  }

  close_view (&shown);
  g_assert_finalize_object (document);
  g_assert_finalize_object (volume);
}

/* Make Phase on the demo stack (log10 resistance): the Clusters channel's histogram is of ids
 * on a linear axis, titled and hovered without the stack's ohm or log10 numbers; back on the
 * resistance channel the axis reads decades again. */
static void
test_cluster_channel_linear (void)
{
  g_autoptr(GError) error = NULL;
  EvoxDocument *document = evox_document_new ();
  EvoxVolume *volume = evox_demo_volume_new (10.0);
  g_autoptr(EvoxClusters) clusters = NULL;
  gsize dims[3], n;
  guint16 *ids;
  Shown shown;
  guint n_bins;
  const double *counts;
  double total = 0;
  int last = -1;

  evox_volume_get_dims (volume, dims);
  n = dims[0] * dims[1] * dims[2];
  ids = _evox_alloc_large (n * sizeof (guint16));
  for (gsize i = 0; i < n; i++)
    ids[i] = i % dims[0] < dims[0] / 2 ? 1 : 2;
  clusters = evox_clusters_new_take (dims, ids, 2, 0, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_document_set_volume (document, volume, "demo", NULL);
  evox_document_set_clusters (document, clusters);
  shown = show_view (document);
  g_assert_true (_evox_histogram_view_get_decades (shown.view));

  g_assert_nonnull (evox_document_cluster_to_phase (document, 2, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (evox_document_get_channel (document), ==, 1);
  g_assert_false (_evox_histogram_view_get_decades (shown.view));
  g_assert_false (evox_histogram_view_get_log_bins (shown.view));
  g_assert_nonnull (strstr (evox_histogram_view_get_title (shown.view), "cluster"));
  g_assert_null (strstr (evox_histogram_view_get_title (shown.view), "ohm"));
  counts = evox_histogram_view_get_counts (shown.view, &n_bins, NULL, NULL);
  for (guint b = 0; b < n_bins; b++)
    {
      total += counts[b];
      if (counts[b] > 0)
        last = (int) b;
    }
  /* Every voxel is in cluster 1 or 2: all of them counted, half in the top bar. */
  g_assert_cmpfloat (total, ==, (double) n);
  g_assert_cmpint (last, >=, 0);
  g_assert_cmpfloat (counts[last], ==, (double) n / 2);
  {
    g_autofree char *text = _evox_histogram_view_dup_bin_text (shown.view, (guint) last);
    double lo, hi;

    g_assert_nonnull (text);
    g_test_message ("top bar: %s; title: %s", text, evox_histogram_view_get_title (shown.view));
    g_assert_null (strstr (text, "ohm"));
    g_assert_null (strstr (text, "log"));
    /* The bar's range holds the id 2 itself, not 10^2. */
    g_assert_cmpint (sscanf (text, "%lf – %lf", &lo, &hi), ==, 2);
    g_assert_cmpfloat (lo, <=, 2);
    g_assert_cmpfloat (hi, >=, 2);
  }
  draw_once (shown.view);
  evox_test_screenshot (GTK_WIDGET (shown.view), "cluster-channel");

  evox_document_set_channel (document, 0);
  g_assert_true (_evox_histogram_view_get_decades (shown.view));
  g_assert_nonnull (strstr (evox_histogram_view_get_title (shown.view), "ohm"));

  close_view (&shown);
  g_assert_finalize_object (document);
  g_clear_object (&clusters);
  g_assert_finalize_object (volume);
}

/* Brute force: finite voxels of channel 0 below lo and above hi. */
static void
brute_outside (EvoxVolume *volume,
               guint       channel,
               double      lo,
               double      hi,
               double     *below,
               double     *above)
{
  const float *data = evox_volume_get_data (volume, channel);
  gsize dims[3];

  evox_volume_get_dims (volume, dims);
  *below = *above = 0;
  for (gsize i = 0; i < dims[0] * dims[1] * dims[2]; i++)
    {
      *below += data[i] < lo;
      *above += data[i] > hi;
    }
}

/* The largest count of one fine bin: how far the fine histogram's interpolated counts up to a
 * value may be off (evox_fine_histogram_range_fraction). */
static double
fine_slack (EvoxVolume *volume,
            guint       channel)
{
  EvoxFineHistogram *fine = evox_volume_get_fine_histogram (volume, channel);
  const guint64 *counts = evox_fine_histogram_get_counts (fine);
  guint64 most = 0;

  for (guint b = 0; b < evox_fine_histogram_get_n_bins (fine); b++)
    most = MAX (most, counts[b]);
  return (double) most;
}

/* Zoom: the axis spans Low..High and a tenth of their gap beyond each end, binned afresh (the
 * bins against numpy's rule by brute force), follows the range, and a drag at pixel x sets the
 * value lo + (x - x0) / w * (hi - lo) of that axis, x0 and w the colour bar's (the plot's)
 * left edge and width. */
static void
test_zoom (void)
{
  EvoxDocument *document = evox_document_new ();
  EvoxVolume *volume = random_volume (EVOX_SAMPLE_F32, 40, 30, 10, 0.0, 100.0, 71);
  Box box = whole_box (volume);
  graphene_rect_t bar;
  double lo, hi, below, above, n_left, n_right, x, to, expected;
  guint n, zoom_notes = 0;
  EvoxPhase *a;
  Shown shown;
  int y;

  evox_document_set_volume (document, volume, "uniform", NULL);
  shown = show_view (document);
  evox_test_count_notify (shown.view, "zoom", &zoom_notes);
  /* Not an energy: opens on the data range. */
  g_assert_false (evox_histogram_view_get_zoom (shown.view));
  g_assert_false (evox_histogram_view_get_outside (shown.view, NULL, NULL));
  evox_histogram_view_get_counts (shown.view, &n, &lo, &hi);
  g_assert_cmpfloat (lo, <=, 0.01);
  g_assert_cmpfloat (hi, >=, 99.9);

  evox_document_set_range (document, 40, 60);
  evox_histogram_view_set_zoom (shown.view, TRUE);
  evox_histogram_view_set_zoom (shown.view, TRUE);
  g_assert_cmpuint (zoom_notes, ==, 1);
  draw_once (shown.view);
  evox_histogram_view_get_counts (shown.view, &n, &lo, &hi);
  /* This data opens with a log mapping: the margin is a tenth of the decades between. */
  g_assert_true (evox_histogram_view_get_log_bins (shown.view));
  g_assert_cmpfloat (fabs (lo - pow (10, log10 (40) - 0.1 * log10 (60.0 / 40))), <, 1e-9);
  g_assert_cmpfloat (fabs (hi - pow (10, log10 (60) + 0.1 * log10 (60.0 / 40))), <, 1e-9);
  assert_counts_match (shown.view, volume, &box);

  evox_document_set_mapping (document, EVOX_MAPPING_LINEAR);
  evox_document_set_range (document, 40, 60);
  evox_histogram_view_get_counts (shown.view, &n, &lo, &hi);
  g_assert_false (evox_histogram_view_get_log_bins (shown.view));
  g_assert_cmpfloat (fabs (lo - 38), <, 1e-9);
  g_assert_cmpfloat (fabs (hi - 62), <, 1e-9);
  assert_counts_match (shown.view, volume, &box);

  g_assert_true (evox_histogram_view_get_outside (shown.view, &n_left, &n_right));
  brute_outside (volume, 0, lo, hi, &below, &above);
  g_assert_cmpfloat (below, >, 1000);
  g_assert_cmpfloat (fabs (n_left - below), <=, fine_slack (volume, 0));
  g_assert_cmpfloat (fabs (n_right - above), <=, fine_slack (volume, 0));

  /* Pixels to values on the zoomed axis. */
  g_assert_true (evox_histogram_view_get_colorbar_bounds (shown.view, &bar));
  g_assert_cmpfloat (fabs (evox_histogram_view_value_to_x (shown.view, 45) -
                           (bar.origin.x + (45 - lo) / (hi - lo) * bar.size.width)), <, 1e-9);
  a = add_phase (document, "Reduced", 42, 50, "#e01b24");
  flush ();
  y = band_row (shown.view);
  x = edge (shown.view, 0, TRUE);
  g_assert_cmpfloat (fabs (x - (bar.origin.x + (50 - lo) / (hi - lo) * bar.size.width)), <, 1e-9);
  g_assert_true (_evox_histogram_view_drag_begin (shown.view, x, y));
  to = x + 23.5;
  _evox_histogram_view_drag_update (shown.view, to, y);
  _evox_histogram_view_drag_end (shown.view, to, y);
  expected = lo + (to - bar.origin.x) / bar.size.width * (hi - lo);
  g_assert_cmpfloat (fabs (evox_phase_get_hi (a) - expected), <, 1e-9);
  /* 23.5 px of a plot some 450 px wide move the edge by under 24 / 450 * 23.5 + slack; the
   * unzoomed axis would have moved it over 4. */
  g_assert_cmpfloat (evox_phase_get_hi (a), <, 52);
  g_assert_cmpfloat (evox_phase_get_lo (a), ==, 42);

  /* The axis follows the colour range. */
  evox_document_set_range (document, 20, 30);
  evox_histogram_view_get_counts (shown.view, &n, &lo, &hi);
  g_assert_cmpfloat (fabs (lo - 19), <, 1e-9);
  g_assert_cmpfloat (fabs (hi - 31), <, 1e-9);
  assert_counts_match (shown.view, volume, &box);

  /* Off again: the data range. */
  evox_histogram_view_set_zoom (shown.view, FALSE);
  g_assert_cmpuint (zoom_notes, ==, 2);
  evox_histogram_view_get_counts (shown.view, &n, &lo, &hi);
  g_assert_cmpfloat (lo, <=, 0.01);
  g_assert_false (evox_histogram_view_get_outside (shown.view, &n_left, NULL));
  g_assert_cmpfloat (n_left, ==, 0);
  draw_once (shown.view);

  close_view (&shown);
  g_assert_finalize_object (document);
  g_assert_finalize_object (volume);
}

/* An edge-energy map as evox xanes makes it: two narrow peaks 2.6 eV apart (shell and core) and
 * a few stray voxels a hundred eV off, then a value map and a mask. */
static EvoxVolume *
energy_maps (void)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *maps = evox_volume_new (32, 32, 1, 3, EVOX_SAMPLE_F32, &error);
  float *energy = evox_volume_get_data_mut (maps, 0);
  float *step = evox_volume_get_data_mut (maps, 1);
  float *mask = evox_volume_get_data_mut (maps, 2);
  guint64 seed = 5;

  g_assert_no_error (error);
  for (gsize i = 0; i < 32 * 32; i++)
    {
      double u = evox_test_uniform (&seed);

      energy[i] = (float) ((i % 2 ? 8342.4 : 8345.0) + 0.4 * (u - 0.5));
      if (i % 61 == 0)
        energy[i] = i % 2 ? 8324 : 8438;
      step[i] = (float) u;
      mask[i] = 1;
    }
  evox_volume_set_channel_info (maps, 0, "edge_energy", NAN);
  evox_volume_set_channel_info (maps, 1, "edge_step", NAN);
  evox_volume_set_channel_info (maps, 2, "mask", NAN);
  evox_volume_set_channel_values (maps, 0, EVOX_SCALE_LINEAR, "energy", "eV");
  evox_volume_freeze (maps);
  return maps;
}

static EvoxVolume *
energy_stack (void)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *stack = evox_volume_new (32, 32, 1, 2, EVOX_SAMPLE_U16, &error);

  g_assert_no_error (error);
  for (guint c = 0; c < 2; c++)
    {
      guint16 *data = evox_volume_get_data_mut (stack, c);

      for (gsize i = 0; i < 32 * 32; i++)
        data[i] = (guint16) (100 * (c + 1) + i % 13);
      evox_volume_set_channel_info (stack, c, c ? "8360 eV" : "8330 eV", c ? 8360 : 8330);
    }
  evox_volume_freeze (stack);
  return stack;
}

/* Energy maps open zoomed to their display range, the two peaks then far apart on screen;
 * other maps open unzoomed, and the user's choice stays while the kind of quantity does. */
static void
test_energy_opens_zoomed (void)
{
  EvoxDocument *document = evox_document_new ();
  EvoxVolume *stack = energy_stack ();
  EvoxVolume *maps = energy_maps ();
  g_autoptr(GError) error = NULL;
  double lo, hi, range_lo, range_hi, below, above, n_left, n_right, shell, core;
  guint n;
  Shown shown;

  evox_document_set_volume (document, stack, "stack", NULL);
  shown = show_view (document);
  g_assert_false (evox_histogram_view_get_zoom (shown.view));
  g_assert_true (evox_document_add_maps (document, maps, "edge_energy", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (evox_volume_get_channel_quantity (evox_document_get_volume (document),
                                                     evox_document_get_channel (document)),
                   ==, "energy");
  g_assert_true (evox_histogram_view_get_zoom (shown.view));
  draw_once (shown.view);

  evox_document_get_range (document, &range_lo, &range_hi);
  evox_histogram_view_get_counts (shown.view, &n, &lo, &hi);
  g_assert_cmpfloat (fabs (lo - (range_lo - 0.1 * (range_hi - range_lo))), <, 1e-9);
  g_assert_cmpfloat (fabs (hi - (range_hi + 0.1 * (range_hi - range_lo))), <, 1e-9);
  /* The stray voxels are off the axis and said; the peaks are over 100 px apart (they were
   * 2.6 / 114 of the plot's width, about 10 px, unzoomed). */
  g_assert_true (evox_histogram_view_get_outside (shown.view, &n_left, &n_right));
  brute_outside (evox_document_get_volume (document), evox_document_get_channel (document), lo,
                 hi, &below, &above);
  g_assert_cmpfloat (below, ==, 8);
  g_assert_cmpfloat (above, ==, 9);
  g_assert_cmpfloat (fabs (n_left - below), <=, 1);
  g_assert_cmpfloat (fabs (n_right - above), <=, 1);
  shell = evox_histogram_view_value_to_x (shown.view, 8342.4);
  core = evox_histogram_view_value_to_x (shown.view, 8345.0);
  g_assert_cmpfloat (core - shell, >, 100);

  /* Another kind of map: unzoomed; zoomed by the user, it stays so on the mask. */
  evox_document_set_channel (document, evox_document_get_channel (document) + 1);
  g_assert_false (evox_histogram_view_get_zoom (shown.view));
  evox_histogram_view_set_zoom (shown.view, TRUE);
  evox_document_set_channel (document, evox_document_get_channel (document) + 1);
  g_assert_true (evox_histogram_view_get_zoom (shown.view));
  evox_histogram_view_set_zoom (shown.view, FALSE);
  /* Back on the energy: zoomed again. */
  evox_document_set_channel (document, evox_document_get_channel (document) - 2);
  g_assert_true (evox_histogram_view_get_zoom (shown.view));
  draw_once (shown.view);

  close_view (&shown);
  g_assert_finalize_object (document);
  g_assert_finalize_object (stack);
  g_assert_finalize_object (maps);
}

/* The axis title and the hover text write the stored ASCII unit as people do (the unit table
 * itself is test-units'). */
static void
test_unit_written (void)
{
  EvoxDocument *document = evox_document_new ();
  EvoxVolume *volume = random_volume (EVOX_SAMPLE_F32, 8, 8, 2, 0.0, 10.0, 3);
  g_autofree char *hover = NULL;
  Shown shown;

  evox_volume_set_values (volume, EVOX_SCALE_LINEAR, "areal mass", "ug/cm^2");
  evox_document_set_volume (document, volume, "areal", NULL);
  shown = show_view (document);
  g_assert_cmpstr (evox_histogram_view_get_title (shown.view), ==, "areal mass (µg/cm²)");
  hover = _evox_histogram_view_dup_bin_text (shown.view, 0);
  g_assert_nonnull (strstr (hover, " µg/cm²\n"));
  g_assert_cmpstr (evox_volume_get_channel_unit (volume, 0), ==, "ug/cm^2");

  close_view (&shown);
  g_assert_finalize_object (document);
  g_assert_finalize_object (volume);
}

int
main (int    argc,
      char **argv)
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;

  g_test_add_func ("/Evox/HistogramView/no-volume", test_no_volume);
  g_test_add_func ("/Evox/HistogramView/u8", test_u8);
  g_test_add_func ("/Evox/HistogramView/u16", test_u16);
  g_test_add_func ("/Evox/HistogramView/f32", test_f32);
  g_test_add_func ("/Evox/HistogramView/log10", test_log10);
  g_test_add_func ("/Evox/HistogramView/cluster-channel-linear", test_cluster_channel_linear);
  g_test_add_func ("/Evox/HistogramView/per-layer-small", test_per_layer_small);
  g_test_add_func ("/Evox/HistogramView/slice", test_slice);
  g_test_add_func ("/Evox/HistogramView/range-keeps-counts", test_range_keeps_counts);
  g_test_add_func ("/Evox/HistogramView/colorbar", test_colorbar);
  g_test_add_func ("/Evox/HistogramView/document-swap", test_document_swap);
  g_test_add_func ("/Evox/HistogramView/phase-bands", test_phase_bands);
  g_test_add_func ("/Evox/HistogramView/phase-drag-integer", test_phase_drag_integer);
  g_test_add_func ("/Evox/HistogramView/phase-drag-float", test_phase_drag_float);
  g_test_add_func ("/Evox/HistogramView/phase-overlap", test_phase_overlap);
  g_test_add_func ("/Evox/HistogramView/phase-document-swap", test_phase_document_swap);
  g_test_add_func ("/Evox/HistogramView/end-bars", test_end_bars);
  g_test_add_func ("/Evox/HistogramView/scan-palette-and-lines", test_scan_palette_and_lines);
  g_test_add_func ("/Evox/HistogramView/zoom", test_zoom);
  g_test_add_func ("/Evox/HistogramView/energy-opens-zoomed", test_energy_opens_zoomed);
  g_test_add_func ("/Evox/HistogramView/unit-written", test_unit_written);

  return g_test_run ();
}
