/* test-document.c: EvoxDocument: defaults chosen from the data, notifications only on change,
 * clamping, layer visibility, slice histograms against brute force, value readouts, the phase
 * and particle selection. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-demo.h"
#include "evox-document.h"
#include "evox-measurement.h"

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static EvoxVolume *
gradient_u8 (gsize n)
{
  g_autoptr (GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (n, n, n, 1, EVOX_SAMPLE_U8, &error);
  guint8 *data;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 0; z < n; z++)
    for (gsize y = 0; y < n; y++)
      for (gsize x = 0; x < n; x++)
        data[(z * n + y) * n + x] = (guint8) ((x * 3 + y * 5 + z * 7) % 256);
  evox_volume_freeze (volume);
  return volume;
}

static void
test_defaults (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) demo = evox_demo_volume_new (10);
  g_autoptr (EvoxVolume) labels = gradient_u8 (16);
  const EvoxStats *stats;
  double lo, hi;

  evox_document_set_volume (doc, demo, "demo", NULL);
  g_assert_cmpint (evox_document_get_view (doc), ==, EVOX_VIEW_STACK);
  g_assert_cmpint (evox_document_get_mapping (doc), ==, EVOX_MAPPING_LOG);
  g_assert_cmpint (evox_document_get_transfer (doc), ==, EVOX_TRANSFER_IDENTITY);
  g_assert_true (evox_document_get_histogram_per_layer (doc));
  stats = evox_volume_get_stats (demo, 0);
  evox_document_get_range (doc, &lo, &hi);
  g_assert_cmpfloat (lo, ==, stats->min);
  g_assert_cmpfloat (hi, ==, stats->max);
  g_assert_cmpuint (evox_document_get_slice (doc, 0), ==, 64);

  evox_document_set_volume (doc, labels, "labels", "/tmp/labels.tif");
  g_assert_cmpint (evox_document_get_view (doc), ==, EVOX_VIEW_SLICES);
  g_assert_cmpint (evox_document_get_mapping (doc), ==, EVOX_MAPPING_LINEAR);
  g_assert_false (evox_document_get_histogram_per_layer (doc));
  g_assert_cmpstr (evox_document_get_path (doc), ==, "/tmp/labels.tif");
  g_assert_cmpfloat (evox_document_get_z_exaggeration (doc), ==, 1);
  evox_document_get_range (doc, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 0);
  g_assert_cmpfloat (hi, ==, 15 * 15);  /* (3 + 5 + 7) * 15 */
}

static void
test_thin_stack_exaggeration (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) demo = evox_demo_volume_new (10);
  double spacing[3];

  /* 128 pixels of 20 nm against 14 layers of 10 nm: 2560 nm wide, 140 nm deep; a quarter of
   * the width needs 4.57x, rounded up to 5. */
  evox_volume_get_spacing (demo, spacing);
  spacing[0] = spacing[1] = 20;
  evox_volume_set_spacing (demo, spacing);
  evox_document_set_volume (doc, demo, "demo", NULL);
  g_assert_cmpfloat (evox_document_get_z_exaggeration (doc), ==, 5);
}

static void
test_notify_on_change_only (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) volume = gradient_u8 (8);
  guint colormap = 0, range = 0, slice = 0;

  evox_document_set_volume (doc, volume, "v", NULL);
  g_signal_connect (doc, "notify::colormap", G_CALLBACK (count_notify), &colormap);
  g_signal_connect (doc, "notify::range-lo", G_CALLBACK (count_notify), &range);
  g_signal_connect (doc, "notify::slice-z", G_CALLBACK (count_notify), &slice);

  evox_document_set_colormap (doc, "magma");
  evox_document_set_colormap (doc, "magma");
  evox_document_set_colormap (doc, "no-such-map");
  g_assert_cmpuint (colormap, ==, 1);
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "magma");

  evox_document_set_range (doc, 10, 100);
  evox_document_set_range (doc, 10, 100);
  evox_document_set_range (doc, 10, 120);
  evox_document_set_range (doc, NAN, 5);
  g_assert_cmpuint (range, ==, 1);

  /* Clamped to the volume. */
  evox_document_set_slice (doc, 2, 1000);
  g_assert_cmpuint (evox_document_get_slice (doc, 2), ==, 7);
  evox_document_set_slice (doc, 2, 7);
  g_assert_cmpuint (slice, ==, 1);

  /* lo > hi are swapped. */
  evox_document_set_range (doc, 50, 20);
  {
    double lo, hi;
    evox_document_get_range (doc, &lo, &hi);
    g_assert_cmpfloat (lo, ==, 20);
    g_assert_cmpfloat (hi, ==, 50);
  }
}

static void
test_log_mapping_keeps_range_positive (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) volume = gradient_u8 (8);
  double lo, hi;

  evox_document_set_volume (doc, volume, "v", NULL);
  evox_document_set_mapping (doc, EVOX_MAPPING_LOG);
  g_assert_cmpint (evox_document_get_transfer (doc), ==, EVOX_TRANSFER_LOG10);
  evox_document_get_range (doc, &lo, &hi);
  /* Smallest positive value of the data (exact u8 histogram): 3, at x = 1. */
  g_assert_cmpfloat (lo, ==, 3);
  g_assert_cmpfloat (hi, ==, 15 * 7);
  evox_document_set_range (doc, -5, 100);
  evox_document_get_range (doc, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 3);
}

static void
count_layers (EvoxDocument *doc,
              guint        *count)
{
  (*count)++;
}

static void
test_layer_visibility (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) demo = evox_demo_volume_new (10);
  guint changes = 0;

  evox_document_set_volume (doc, demo, "demo", NULL);
  g_signal_connect (doc, "layers-changed", G_CALLBACK (count_layers), &changes);
  g_assert_true (evox_document_get_layer_visible (doc, 3));
  evox_document_set_layer_visible (doc, 3, FALSE);
  evox_document_set_layer_visible (doc, 3, FALSE);
  g_assert_false (evox_document_get_layer_visible (doc, 3));
  g_assert_cmpuint (changes, ==, 1);
  g_assert_false (evox_document_get_layer_visible (doc, 1000));
  /* A new volume shows every layer again. */
  evox_document_set_volume (doc, demo, "demo", NULL);
  g_assert_true (evox_document_get_layer_visible (doc, 3));
}

/* Slice histograms along every axis equal a direct count over the slice. */
static void
test_slice_histogram (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) volume = gradient_u8 (20);
  const guint n_bins = 16;
  double counts[16], expect[16];

  evox_document_set_volume (doc, volume, "v", NULL);
  for (guint axis = 0; axis < 3; axis++)
    for (guint index = 0; index < 20; index += 7)
      {
        memset (expect, 0, sizeof expect);
        for (gsize b = 0; b < 20; b++)
          for (gsize a = 0; a < 20; a++)
            {
              gsize at[3];
              double v, u;
              int bin;

              at[axis] = index;
              at[axis == 0 ? 1 : 0] = a;
              at[axis == 2 ? 1 : 2] = b;
              v = evox_volume_get_value (volume, 0, at[0], at[1], at[2]);
              u = (v - 0) / 255.0 * n_bins;
              bin = MIN ((int) u, (int) n_bins - 1);
              expect[bin] += 1;
            }
        g_assert_true (evox_document_slice_histogram (doc, axis, index, n_bins, 0, 255, FALSE,
                                                      counts));
        for (guint b = 0; b < n_bins; b++)
          g_assert_cmpfloat (counts[b], ==, expect[b]);
      }
  g_assert_false (evox_document_slice_histogram (doc, 2, 20, n_bins, 0, 255, FALSE, counts));
}

static void
test_format_value (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) demo = evox_demo_volume_new (10);
  g_autofree char *text = NULL;
  g_autofree char *none = NULL;

  evox_document_set_volume (doc, demo, "demo", NULL);
  text = evox_document_format_value (doc, -4.53);
  g_assert_cmpstr (text, ==, "log10 R = -4.53 (R = 2.95e-05 ohm)");
  none = evox_document_format_value (doc, NAN);
  g_assert_cmpstr (none, ==, "no value");
}

/* selected-phase follows its phase as the list changes, and is dropped with it. */
static void
test_selected_phase (void)
{
  g_autoptr (EvoxDocument) document = evox_document_new ();
  EvoxPhaseList *phases = evox_document_get_phases (document);
  const char *names[] = { "a", "b", "c" };
  guint notifies = 0;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (EvoxPhase) phase = evox_phase_new (names[i], i, i + 0.5, NULL);
      evox_phase_list_append (phases, phase);
    }
  g_assert_cmpint (evox_document_get_selected_phase (document), ==, -1);
  evox_document_set_selected_phase (document, 7);
  g_assert_cmpint (evox_document_get_selected_phase (document), ==, -1);
  evox_document_set_selected_phase (document, 1);
  g_signal_connect (document, "notify::selected-phase", G_CALLBACK (count_notify), &notifies);
  evox_document_set_selected_phase (document, 1);
  g_assert_cmpuint (notifies, ==, 0);

  evox_phase_list_remove (phases, 0);           /* "b" moves up to 0 */
  g_assert_cmpint (evox_document_get_selected_phase (document), ==, 0);
  g_assert_cmpstr (evox_phase_get_name (evox_phase_list_get_phase (phases, 0)), ==, "b");
  evox_phase_list_remove (phases, 0);           /* "b" itself goes */
  g_assert_cmpint (evox_document_get_selected_phase (document), ==, -1);
  g_assert_cmpuint (notifies, ==, 2);
}

static void
count_focus (EvoxDocument *document,
             guint         id,
             guint        *count)
{
  (*count)++;
}

/* Particles belong to one volume: a new volume drops them; focusing a particle selects it and
 * puts every slice through one of its voxels, even for a ring whose centroid is outside it. */
static void
test_labels_and_focus (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxDocument) document = evox_document_new ();
  g_autoptr (EvoxVolume) volume = evox_volume_new (32, 32, 8, 1, EVOX_SAMPLE_U8, &error);
  g_autoptr (EvoxVolume) other = gradient_u8 (8);
  g_autoptr (EvoxLabels) labels = NULL;
  const EvoxParticle *particle;
  guint8 *data;
  guint focused = 0, id;
  gsize x, y, z;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  /* A square ring of value 1 around (16, 16) in layers 2..5, and a lone voxel elsewhere. */
  for (z = 2; z < 6; z++)
    for (y = 8; y < 24; y++)
      for (x = 8; x < 24; x++)
        if (x < 10 || x > 21 || y < 10 || y > 21)
          data[(z * 32 + y) * 32 + x] = 1;
  data[(0 * 32 + 0) * 32 + 30] = 1;
  evox_volume_freeze (volume);
  evox_document_set_volume (document, volume, "ring", NULL);
  labels = evox_labels_compute (volume, 0, "ring", 1, 1, EVOX_CONNECTIVITY_6, 0, NULL, NULL,
                                &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_particles (labels), ==, 2);
  evox_document_set_labels (document, labels);
  g_assert_true (evox_document_get_labels (document) == labels);

  /* The ring is the particle whose first voxel comes later in raster order: id 2. */
  id = evox_labels_get_label (labels, 8, 8, 2);
  g_assert_cmpuint (id, ==, 2);
  evox_document_set_selected_particle (document, 99);
  g_assert_cmpuint (evox_document_get_selected_particle (document), ==, 0);
  g_signal_connect (document, "focus-particle", G_CALLBACK (count_focus), &focused);
  evox_document_focus_particle (document, id);
  g_assert_cmpuint (focused, ==, 1);
  g_assert_cmpuint (evox_document_get_selected_particle (document), ==, id);
  particle = evox_labels_get_particle (labels, id);
  /* The centroid (15.5, 15.5) is in the hole; the slices go through a voxel of the ring. */
  g_assert_cmpfloat (fabs (particle->centroid_nm[0] - 15.5), <, 1e-9);
  g_assert_cmpuint (evox_labels_get_label (labels, evox_document_get_slice (document, 0),
                                           evox_document_get_slice (document, 1),
                                           evox_document_get_slice (document, 2)), ==, id);

  /* Particles are of one channel's values: another channel drops them. */
  {
    g_autoptr (EvoxVolume) two = evox_volume_new (4, 4, 4, 2, EVOX_SAMPLE_U8, &error);
    g_autoptr (EvoxLabels) first = NULL;

    g_assert_no_error (error);
    memset (evox_volume_get_data_mut (two, 1), 1, 64);
    evox_volume_freeze (two);
    evox_document_set_volume (document, two, "two", NULL);
    first = evox_labels_compute (two, 0, NULL, 0, 0, EVOX_CONNECTIVITY_6, 0, NULL, NULL, &error);
    g_assert_no_error (error);
    evox_document_set_labels (document, first);
    evox_document_set_channel (document, 1);
    g_assert_null (evox_document_get_labels (document));
  }

  evox_document_set_volume (document, other, "other", NULL);
  g_assert_null (evox_document_get_labels (document));
  g_assert_cmpuint (evox_document_get_selected_particle (document), ==, 0);
}

/* Phases carry over to a volume of the same kind, not to log10 data after linear data. */
static void
test_phases_follow_scale (void)
{
  g_autoptr (EvoxDocument) document = evox_document_new ();
  g_autoptr (EvoxVolume) a = gradient_u8 (8);
  g_autoptr (EvoxVolume) b = gradient_u8 (6);
  g_autoptr (EvoxVolume) demo = evox_demo_volume_new (10);
  g_autoptr (EvoxPhase) phase = evox_phase_new ("p", 10, 20, NULL);

  evox_document_set_volume (document, a, "a", NULL);
  evox_phase_list_append (evox_document_get_phases (document), phase);
  evox_document_set_volume (document, b, "b", NULL);
  g_assert_cmpuint (evox_phase_list_get_n_phases (evox_document_get_phases (document)), ==, 1);
  evox_document_set_volume (document, demo, "demo", NULL);
  g_assert_cmpuint (evox_phase_list_get_n_phases (evox_document_get_phases (document)), ==, 0);
}

/* The basis: measured by default, notified only on change, kept across volumes; its histogram is
 * the measured scans' for an SSRM stack and the channel's otherwise. */
static void
test_basis (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) demo = evox_demo_volume_new (10.0);
  g_autoptr (EvoxVolume) plain = gradient_u8 (8);
  guint notifies = 0;

  g_signal_connect (doc, "notify::basis", G_CALLBACK (count_notify), &notifies);
  g_assert_cmpint (evox_document_get_basis (doc), ==, EVOX_BASIS_MEASURED);
  g_assert_null (evox_document_get_basis_histogram (doc));
  g_assert_cmpint (evox_document_get_effective_basis (doc), ==, EVOX_BASIS_VOLUME);

  evox_document_set_volume (doc, demo, "demo", NULL);
  g_assert_cmpint (evox_document_get_effective_basis (doc), ==, EVOX_BASIS_MEASURED);
  g_assert_true (evox_document_get_basis_histogram (doc) ==
                 evox_volume_get_measured_fine_histogram (demo));
  evox_document_set_basis (doc, EVOX_BASIS_MEASURED);
  g_assert_cmpuint (notifies, ==, 0);
  g_object_set (doc, "basis", EVOX_BASIS_VOLUME, NULL);
  g_assert_cmpuint (notifies, ==, 1);
  evox_document_set_basis (doc, EVOX_BASIS_VOLUME);
  g_assert_cmpuint (notifies, ==, 1);
  g_assert_true (evox_document_get_basis_histogram (doc) ==
                 evox_volume_get_fine_histogram (demo, 0));

  /* A tomogram has one basis whatever the document says, and the choice stays for the next
   * stack. */
  evox_document_set_basis (doc, EVOX_BASIS_MEASURED);
  evox_document_set_volume (doc, plain, "plain", NULL);
  g_assert_cmpuint (notifies, ==, 2);
  g_assert_cmpint (evox_document_get_basis (doc), ==, EVOX_BASIS_MEASURED);
  g_assert_cmpint (evox_document_get_effective_basis (doc), ==, EVOX_BASIS_VOLUME);
  g_assert_true (evox_document_get_basis_histogram (doc) ==
                 evox_volume_get_fine_histogram (plain, 0));
}

/* Setting the voxel size keeps the rulers on the voxels they were drawn between: a ruler drawn
 * in voxels and then given a size does not shrink onto a corner of the old frame. */
static void
test_voxel_size_keeps_rulers (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) volume = gradient_u8 (8);
  g_autoptr (EvoxMeasurement) ruler = NULL;
  EvoxMeasurementList *rulers = evox_document_get_measurements (doc);
  const double origin[3] = { 100, -50, 7 };
  const double size[3] = { 2, 3, 4 };
  double start[3], end[3];

  evox_volume_set_origin (volume, origin);
  evox_document_set_volume (doc, volume, "gradient", NULL);
  /* From the centre of voxel (1, 2, 3) to that of (6, 6, 3), on z = 3. */
  ruler = evox_measurement_new_from_voxels (volume, (guint[3]) { 1, 2, 3 },
                                            (guint[3]) { 6, 6, 3 }, &error);
  g_assert_no_error (error);
  evox_measurement_list_append (rulers, ruler);

  evox_document_set_voxel_size (doc, size);
  g_assert_cmpuint (evox_measurement_list_get_n_measurements (rulers), ==, 1);
  evox_measurement_get_points (ruler, start, end);
  /* Voxel i's centre is at origin + i * size, worked out by hand. */
  g_assert_cmpfloat_with_epsilon (start[0], 102, 1e-9);
  g_assert_cmpfloat_with_epsilon (start[1], -44, 1e-9);
  g_assert_cmpfloat_with_epsilon (start[2], 19, 1e-9);
  g_assert_cmpfloat_with_epsilon (end[0], 112, 1e-9);
  g_assert_cmpfloat_with_epsilon (end[1], -32, 1e-9);
  g_assert_cmpfloat_with_epsilon (end[2], 19, 1e-9);
  /* hypot (5 * 2, 4 * 3) */
  g_assert_cmpfloat_with_epsilon (evox_measurement_get_length_nm (ruler), sqrt (244.0), 1e-9);
  g_assert_cmpuint (evox_measurement_get_slice (ruler), ==, 3);
}


/* Cluster ids for an n^3 volume: 1 in two corner boxes of 4^3 (two particles apart), 2 in the
 * rest of the half x < n / 2, 0 (outside the mask) elsewhere; or, with many, i % 257 (k 256). */
static EvoxClusters *
corner_clusters (gsize    n,
                 gboolean many)
{
  g_autoptr (GError) error = NULL;
  const gsize dims[3] = { n, n, n };
  guint16 *ids = _evox_alloc_large (n * n * n * sizeof (guint16));
  EvoxClusters *clusters;

  for (gsize z = 0; z < n; z++)
    for (gsize y = 0; y < n; y++)
      for (gsize x = 0; x < n; x++)
        {
          gsize i = (z * n + y) * n + x;
          gboolean box = (x < 4 && y < 4 && z < 4) || (x < 4 && y >= n - 4 && z >= n - 4);

          ids[i] = many ? (guint16) (i % 257) : box ? 1 : x < n / 2 ? 2 : 0;
        }
  clusters = evox_clusters_new_take (dims, ids, many ? 256 : 2, 0, NULL, NULL, NULL, NULL, NULL,
                                     &error);
  g_assert_no_error (error);
  return clusters;
}

static void
test_cluster_properties (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) volume = gradient_u8 (16);
  g_autoptr (EvoxVolume) same = gradient_u8 (16);
  g_autoptr (EvoxVolume) other = gradient_u8 (8);
  g_autoptr (EvoxClusters) clusters = corner_clusters (16, FALSE);
  guint opacity = 0, outlines = 0, show = 0, selected = 0, set = 0;

  g_assert_null (evox_document_get_clusters (doc));
  g_assert_true (evox_document_get_show_clusters (doc));
  g_assert_cmpfloat (evox_document_get_cluster_opacity (doc), ==, 0.6);
  g_assert_false (evox_document_get_cluster_outlines (doc));
  g_assert_cmpuint (evox_document_get_selected_cluster (doc), ==, 0);

  evox_document_set_volume (doc, volume, "v", NULL);
  g_signal_connect (doc, "notify::cluster-opacity", G_CALLBACK (count_notify), &opacity);
  g_signal_connect (doc, "notify::cluster-outlines", G_CALLBACK (count_notify), &outlines);
  g_signal_connect (doc, "notify::show-clusters", G_CALLBACK (count_notify), &show);
  g_signal_connect (doc, "notify::selected-cluster", G_CALLBACK (count_notify), &selected);
  g_signal_connect (doc, "notify::clusters", G_CALLBACK (count_notify), &set);

  evox_document_set_cluster_opacity (doc, 0.25);
  evox_document_set_cluster_opacity (doc, 0.25);
  evox_document_set_cluster_opacity (doc, NAN);
  evox_document_set_cluster_opacity (doc, 7);
  g_assert_cmpfloat (evox_document_get_cluster_opacity (doc), ==, 1);
  g_assert_cmpuint (opacity, ==, 2);
  g_object_set (doc, "cluster-outlines", TRUE, "show-clusters", FALSE, NULL);
  g_object_set (doc, "cluster-outlines", TRUE, "show-clusters", FALSE, NULL);
  g_assert_cmpuint (outlines, ==, 1);
  g_assert_cmpuint (show, ==, 1);

  /* No clusters, no selection. */
  evox_document_set_selected_cluster (doc, 1);
  g_assert_cmpuint (selected, ==, 0);
  evox_document_set_clusters (doc, clusters);
  evox_document_set_clusters (doc, clusters);
  g_assert_cmpuint (set, ==, 1);
  evox_document_set_selected_cluster (doc, 2);
  evox_document_set_selected_cluster (doc, 2);
  g_assert_cmpuint (selected, ==, 1);
  evox_document_set_selected_cluster (doc, 3);
  g_assert_cmpuint (evox_document_get_selected_cluster (doc), ==, 0);

  /* A volume of the same dims keeps them; other dims clear them. */
  evox_document_set_volume (doc, same, "same", NULL);
  g_assert_true (evox_document_get_clusters (doc) == clusters);
  evox_document_set_volume (doc, other, "other", NULL);
  g_assert_null (evox_document_get_clusters (doc));
  g_assert_cmpuint (set, ==, 2);
  /* A late result for the old volume is refused. */
  g_assert_false (evox_document_set_clusters (doc, clusters));
  g_assert_null (evox_document_get_clusters (doc));
  g_assert_cmpuint (set, ==, 2);
}

static void
test_cluster_to_phase (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) volume = gradient_u8 (16);
  g_autoptr (EvoxClusters) clusters = corner_clusters (16, FALSE);
  g_autoptr (EvoxClusters) many = corner_clusters (16, TRUE);
  g_autoptr (EvoxPhase) kept = evox_phase_new ("Kept", 10, 20, "#ffffff");
  g_autoptr (EvoxMeasurement) ruler = NULL;
  g_autoptr (EvoxLabels) particles = NULL;
  EvoxVolume *derived;
  EvoxPhase *phase, *second;
  guint64 voxels;

  evox_document_set_volume (doc, volume, "v", NULL);
  evox_document_set_colormap (doc, "magma");
  evox_document_set_slice (doc, 2, 3);
  evox_phase_list_append (evox_document_get_phases (doc), kept);
  ruler = evox_measurement_new_from_voxels (volume, (guint[3]) { 1, 2, 3 },
                                            (guint[3]) { 6, 6, 3 }, &error);
  g_assert_no_error (error);
  evox_measurement_list_append (evox_document_get_measurements (doc), ruler);

  g_assert_null (evox_document_cluster_to_phase (doc, 1, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);

  /* An 8-bit volume holds no id above 255. */
  evox_document_set_clusters (doc, many);
  g_assert_null (evox_document_cluster_to_phase (doc, 1, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_assert_true (evox_document_get_volume (doc) == volume);

  evox_document_set_clusters (doc, clusters);
  evox_clusters_set_name (clusters, 2, "Matrix");
  g_assert_null (evox_document_cluster_to_phase (doc, 3, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);

  phase = evox_document_cluster_to_phase (doc, 1, &error);
  g_assert_no_error (error);
  derived = evox_document_get_volume (doc);
  g_assert_true (derived != volume);
  /* The loaded channel is shared, not copied; the ids follow in the same sample type. */
  g_assert_cmpuint (evox_volume_get_n_channels (derived), ==, 2);
  g_assert_true (evox_volume_get_data (derived, 0) == evox_volume_get_data (volume, 0));
  g_assert_cmpint (evox_volume_get_sample_type (derived), ==, EVOX_SAMPLE_U8);
  g_assert_cmpstr (evox_volume_get_channel_label (derived, 1), ==, "Clusters");
  g_assert_cmpfloat (evox_volume_get_value (derived, 1, 0, 0, 0), ==, 1);
  g_assert_cmpfloat (evox_volume_get_value (derived, 1, 5, 5, 5), ==, 2);
  g_assert_cmpfloat (evox_volume_get_value (derived, 1, 12, 5, 5), ==, 0);
  g_assert_cmpuint (evox_document_get_channel (doc), ==, 1);
  /* What the user had set up stays. */
  g_assert_true (evox_document_get_clusters (doc) == clusters);
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "magma");
  g_assert_cmpuint (evox_document_get_slice (doc, 2), ==, 3);
  g_assert_cmpuint (evox_measurement_list_get_n_measurements (evox_document_get_measurements (doc)),
                    ==, 1);
  g_assert_cmpuint (evox_phase_list_get_n_phases (evox_document_get_phases (doc)), ==, 2);
  g_assert_true (evox_phase_list_get_phase (evox_document_get_phases (doc), 0) == kept);

  g_assert_cmpstr (evox_phase_get_name (phase), ==, "Cluster 1");
  g_assert_cmpstr (evox_phase_get_color (phase), ==, evox_clusters_get_color (clusters, 1));
  g_assert_cmpfloat (evox_phase_get_lo (phase), ==, 1);
  g_assert_cmpfloat (evox_phase_get_hi (phase), ==, 1);
  /* Its volume fraction is the cluster's share of all voxels: 2 boxes of 4^3 in 16^3. */
  voxels = evox_clusters_get_voxels (clusters, 1);
  g_assert_cmpuint (voxels, ==, 128);
  g_assert_cmpfloat_with_epsilon (evox_phase_fraction (phase,
                                                       evox_document_get_basis_histogram (doc)),
                                  (double) voxels / 4096, 1e-12);
  /* Labelling the phase finds the two boxes as particles. */
  particles = evox_labels_compute (derived, 1, evox_phase_get_name (phase),
                                   evox_phase_get_lo (phase), evox_phase_get_hi (phase),
                                   EVOX_CONNECTIVITY_6, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_particles (particles), ==, 2);
  evox_document_set_labels (doc, particles);
  g_assert_true (evox_document_get_labels (doc) == particles);

  /* The second cluster reuses the channel: same volume, a phase under the user's name. */
  second = evox_document_cluster_to_phase (doc, 2, &error);
  g_assert_no_error (error);
  g_assert_true (evox_document_get_volume (doc) == derived);
  g_assert_cmpstr (evox_phase_get_name (second), ==, "Matrix");
  g_assert_cmpfloat_with_epsilon (evox_phase_fraction (second,
                                                       evox_document_get_basis_histogram (doc)),
                                  (double) evox_clusters_get_voxels (clusters, 2) / 4096, 1e-12);
  g_assert_cmpuint (evox_phase_list_get_n_phases (evox_document_get_phases (doc)), ==, 3);

  /* New clusters make a new Clusters channel in place of the old one, still over the loaded
   * voxels; the old derived volume goes once nothing holds it. */
  {
    g_autoptr (EvoxClusters) again = corner_clusters (16, FALSE);
    EvoxVolume *third;

    g_object_add_weak_pointer (G_OBJECT (derived), (gpointer *) &derived);
    evox_document_set_clusters (doc, again);
    evox_document_set_labels (doc, NULL);
    g_assert_nonnull (evox_document_cluster_to_phase (doc, 1, &error));
    g_assert_no_error (error);
    third = evox_document_get_volume (doc);
    g_assert_cmpuint (evox_volume_get_n_channels (third), ==, 2);
    g_assert_true (evox_volume_get_data (third, 0) == evox_volume_get_data (volume, 0));
    g_assert_cmpstr (evox_volume_get_channel_label (third, 1), ==, "Clusters");
    g_clear_object (&particles);
    g_assert_null (derived);
  }
}

static void
test_cluster_to_phase_float (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) volume = evox_volume_new (16, 16, 16, 1, EVOX_SAMPLE_F32, &error);
  g_autoptr (EvoxClusters) clusters = corner_clusters (16, FALSE);
  EvoxVolume *derived;
  EvoxPhase *phase;
  guint64 n_two = 0;

  g_assert_no_error (error);
  evox_volume_freeze (volume);
  evox_document_set_volume (doc, volume, "f", NULL);
  evox_document_set_clusters (doc, clusters);
  g_assert_nonnull (evox_document_cluster_to_phase (doc, 2, &error));
  g_assert_no_error (error);
  derived = evox_document_get_volume (doc);
  g_assert_cmpint (evox_volume_get_sample_type (derived), ==, EVOX_SAMPLE_F32);
  g_assert_cmpfloat (evox_volume_get_value (derived, 1, 5, 5, 5), ==, 2.0);
  g_assert_cmpfloat (evox_volume_get_value (derived, 1, 0, 0, 0), ==, 1.0);

  /* Float channels are counted from the fine histogram, where [2, 2] held no voxels (the
   * Phases page said 0.0 %): the phase spans half a step either side of the id and holds
   * exactly the cluster's voxels, counted here from the labels. */
  phase = evox_phase_list_get_phase (evox_document_get_phases (doc), 0);
  g_assert_cmpfloat (evox_phase_get_lo (phase), ==, 1.5);
  g_assert_cmpfloat (evox_phase_get_hi (phase), ==, 2.5);
  for (gsize i = 0; i < 16 * 16 * 16; i++)
    n_two += evox_clusters_get_data (clusters)[i] == 2;
  g_assert_cmpuint (n_two, ==, evox_clusters_get_voxels (clusters, 2));
  g_assert_cmpfloat_with_epsilon (
    evox_fine_histogram_range_fraction (evox_volume_get_fine_histogram (derived, 1), 1.5, 2.5),
    (double) n_two, 1e-9);
}

/* Make Phase on log10 resistance (an SSRM stack's meaning): the Clusters channel holds ids, a
 * linear "cluster" count with no unit, so the hover reads "cluster = 2", not R = 100 ohm, and
 * the mapping is linear; the loaded channel keeps its log10 meaning. */
static void
test_cluster_to_phase_log10 (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) volume = evox_volume_new (16, 16, 16, 1, EVOX_SAMPLE_F32, &error);
  g_autoptr (EvoxClusters) clusters = corner_clusters (16, FALSE);
  float *values;
  EvoxVolume *derived;
  char *text;

  g_assert_no_error (error);
  values = evox_volume_get_data_mut (volume, 0);
  for (gsize i = 0; i < 16 * 16 * 16; i++)
    values[i] = -6.0f + (float) (i % 16) * 0.25f;
  evox_volume_set_values (volume, EVOX_SCALE_LOG10, "resistance", "ohm");
  evox_volume_freeze (volume);
  evox_document_set_volume (doc, volume, "ssrm", NULL);
  g_assert_cmpint (evox_document_get_mapping (doc), ==, EVOX_MAPPING_LOG);
  evox_document_set_clusters (doc, clusters);
  g_assert_nonnull (evox_document_cluster_to_phase (doc, 2, &error));
  g_assert_no_error (error);

  derived = evox_document_get_volume (doc);
  g_assert_cmpuint (evox_document_get_channel (doc), ==, 1);
  g_assert_cmpint (evox_volume_get_channel_value_scale (derived, 1), ==, EVOX_SCALE_LINEAR);
  g_assert_cmpstr (evox_volume_get_channel_quantity (derived, 1), ==, "cluster");
  g_assert_cmpstr (evox_volume_get_channel_unit (derived, 1), ==, "");
  g_assert_cmpint (evox_volume_get_channel_value_scale (derived, 0), ==, EVOX_SCALE_LOG10);
  g_assert_cmpstr (evox_volume_get_channel_quantity (derived, 0), ==, "resistance");
  g_assert_cmpstr (evox_volume_get_channel_unit (derived, 0), ==, "ohm");
  g_assert_false (evox_volume_channels_share_values (derived));
  /* The loaded volume is not changed by the derived one's meaning. */
  g_assert_cmpint (evox_volume_get_channel_value_scale (volume, 0), ==, EVOX_SCALE_LOG10);

  text = evox_document_format_value (doc, evox_volume_get_value (derived, 1, 5, 5, 5));
  g_assert_cmpstr (text, ==, "cluster = 2");
  g_free (text);
  g_assert_cmpint (evox_document_get_mapping (doc), ==, EVOX_MAPPING_LINEAR);
  g_assert_cmpint (evox_document_get_transfer (doc), ==, EVOX_TRANSFER_IDENTITY);

  /* Back on the resistance channel: its own meaning and a log mapping again. */
  evox_document_set_channel (doc, 0);
  text = evox_document_format_value (doc, 2.0);
  g_assert_cmpstr (text, ==, "log10 R = 2.00 (R = 100 ohm)");
  g_free (text);
  g_assert_cmpint (evox_document_get_mapping (doc), ==, EVOX_MAPPING_LOG);
  g_assert_cmpint (evox_document_get_transfer (doc), ==, EVOX_TRANSFER_IDENTITY);
  /* The id channel through a log mapping would have shown 10^id: now it maps linearly. */
  evox_document_set_channel (doc, 1);
  g_assert_cmpint (evox_document_get_transfer (doc), ==, EVOX_TRANSFER_IDENTITY);
}

/* A loaded channel that happens to be called "Clusters" is data, not the channel Make Phase
 * adds: it stays when a cluster becomes a phase, and when a new result replaces the derived
 * channel. */
static void
test_cluster_to_phase_loaded_label (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) volume = evox_volume_new (16, 16, 16, 2, EVOX_SAMPLE_U8, &error);
  g_autoptr (EvoxClusters) clusters = corner_clusters (16, FALSE);
  g_autoptr (EvoxClusters) again = corner_clusters (16, FALSE);
  EvoxVolume *derived;

  g_assert_no_error (error);
  memset (evox_volume_get_data_mut (volume, 1), 7, 16 * 16 * 16);
  evox_volume_set_channel_info (volume, 1, EVOX_DOCUMENT_CLUSTER_CHANNEL, NAN);
  evox_volume_freeze (volume);
  evox_document_set_volume (doc, volume, "two", NULL);
  evox_document_set_clusters (doc, clusters);
  g_assert_nonnull (evox_document_cluster_to_phase (doc, 2, &error));
  g_assert_no_error (error);
  derived = evox_document_get_volume (doc);
  g_assert_cmpuint (evox_volume_get_n_channels (derived), ==, 3);
  g_assert_false (evox_volume_get_channel_derived (derived, 1));
  g_assert_cmpfloat (evox_volume_get_value (derived, 1, 5, 5, 5), ==, 7.0);
  g_assert_true (evox_volume_get_channel_derived (derived, 2));
  g_assert_cmpuint (evox_document_get_channel (doc), ==, 2);

  /* A new result: the derived channel is replaced, the loaded one kept. */
  evox_document_set_clusters (doc, again);
  g_assert_nonnull (evox_document_cluster_to_phase (doc, 1, &error));
  g_assert_no_error (error);
  derived = evox_document_get_volume (doc);
  g_assert_cmpuint (evox_volume_get_n_channels (derived), ==, 3);
  g_assert_cmpfloat (evox_volume_get_value (derived, 1, 5, 5, 5), ==, 7.0);
  g_assert_cmpfloat (evox_volume_get_value (derived, 2, 0, 0, 0), ==, 1.0);
}

/* A 2D map (one layer, no scans) opens in the z slice, a volume in the three slices. */
static void
test_flat_map_view (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) map = evox_volume_new (32, 24, 1, 3, EVOX_SAMPLE_F32, &error);
  g_autoptr (EvoxVolume) volume = gradient_u8 (8);

  g_assert_no_error (error);
  evox_volume_freeze (map);
  evox_document_set_volume (doc, map, "map", NULL);
  g_assert_cmpint (evox_document_get_view (doc), ==, EVOX_VIEW_SLICE_Z);
  evox_document_set_volume (doc, volume, "volume", NULL);
  g_assert_cmpint (evox_document_get_view (doc), ==, EVOX_VIEW_SLICES);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Evox/Document/defaults", test_defaults);
  g_test_add_func ("/Evox/Document/flat-map-view", test_flat_map_view);
  g_test_add_func ("/Evox/Document/cluster-to-phase-loaded-label",
                   test_cluster_to_phase_loaded_label);
  g_test_add_func ("/Evox/Document/thin-stack-exaggeration", test_thin_stack_exaggeration);
  g_test_add_func ("/Evox/Document/notify-on-change-only", test_notify_on_change_only);
  g_test_add_func ("/Evox/Document/log-mapping-range", test_log_mapping_keeps_range_positive);
  g_test_add_func ("/Evox/Document/layer-visibility", test_layer_visibility);
  g_test_add_func ("/Evox/Document/slice-histogram", test_slice_histogram);
  g_test_add_func ("/Evox/Document/format-value", test_format_value);
  g_test_add_func ("/Evox/Document/selected-phase", test_selected_phase);
  g_test_add_func ("/Evox/Document/labels-and-focus", test_labels_and_focus);
  g_test_add_func ("/Evox/Document/phases-follow-scale", test_phases_follow_scale);
  g_test_add_func ("/Evox/Document/basis", test_basis);
  g_test_add_func ("/Evox/Document/voxel-size-keeps-rulers", test_voxel_size_keeps_rulers);
  g_test_add_func ("/Evox/Document/cluster-properties", test_cluster_properties);
  g_test_add_func ("/Evox/Document/cluster-to-phase", test_cluster_to_phase);
  g_test_add_func ("/Evox/Document/cluster-to-phase-log10", test_cluster_to_phase_log10);
  g_test_add_func ("/Evox/Document/cluster-to-phase-float", test_cluster_to_phase_float);
  return g_test_run ();
}
