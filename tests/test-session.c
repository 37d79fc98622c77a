/* test-session.c: session files: capture, save, load and apply round trips, hand-made files
 * (missing, extra and newer keys, cut short), moved, missing and changed inputs. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "evox-demo.h"
#include "evox-document.h"
#include "evox-loader.h"
#include "evox-session.h"
#include "evox-test-util.h"
#include "evox-test-volume.h"
#include "evox-tiff.h"
#include "evox-types.h"

/* The document properties a session restores, checked one by one (the list evox-session.c
 * keeps, written out again here so a property dropped there fails here). */
static const char * const restored[] = {
  "channel", "colormap", "mapping", "range-lo", "range-hi", "view", "slice-x", "slice-y",
  "slice-z", "active-axis", "z-exaggeration", "stack-opacity", "histogram-source",
  "histogram-log-counts", "histogram-per-layer", "basis", "show-phases", "hide-outside-phases",
  "particle-colors", "selected-phase", "selected-particle", "clip-surfaces", "smooth-surfaces",
  "triangle-budget", "show-clusters", "cluster-opacity", "cluster-outlines",
};

static gboolean
wait_for_surfaces (EvoxDocument *document)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      if (!evox_document_get_surfaces_busy (document))
        return TRUE;
      g_usleep (1000);
    }
  return FALSE;
}

static EvoxDocument *
new_document (void)
{
  EvoxDocument *document = evox_document_new ();

  _evox_document_set_surface_delay (document, 0);
  return document;
}

static void
assert_same_property (GObject    *a,
                      GObject    *b,
                      const char *name)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (a), name);
  g_auto (GValue) va = G_VALUE_INIT;
  g_auto (GValue) vb = G_VALUE_INIT;

  g_assert_nonnull (pspec);
  g_value_init (&va, pspec->value_type);
  g_value_init (&vb, pspec->value_type);
  g_object_get_property (a, name, &va);
  g_object_get_property (b, name, &vb);
  if (g_param_values_cmp (pspec, &va, &vb) != 0)
    {
      g_autofree char *ta = g_strdup_value_contents (&va);
      g_autofree char *tb = g_strdup_value_contents (&vb);

      g_error ("property %s differs: %s != %s", name, ta, tb);
    }
}

/* Every restored setting equal, and the numbers a user exports identical: phase fractions from
 * the basis histogram, the particle table. */
static void
assert_same_documents (EvoxDocument *a,
                       EvoxDocument *b)
{
  EvoxPhaseList *pa = evox_document_get_phases (a), *pb = evox_document_get_phases (b);
  EvoxSurfaceList *sa = evox_document_get_surfaces (a), *sb = evox_document_get_surfaces (b);
  EvoxVolumeStyle *ya = evox_document_get_volume_style (a);
  EvoxVolumeStyle *yb = evox_document_get_volume_style (b);
  EvoxOverlays *oa = evox_document_get_overlays (a), *ob = evox_document_get_overlays (b);
  EvoxLabels *la = evox_document_get_labels (a), *lb = evox_document_get_labels (b);
  EvoxSampleType type = evox_volume_get_sample_type (evox_document_get_volume (a));
  double sa_spacing[3], sb_spacing[3], clip_a[2][3], clip_b[2][3];

  for (guint i = 0; i < G_N_ELEMENTS (restored); i++)
    assert_same_property (G_OBJECT (a), G_OBJECT (b), restored[i]);
  evox_volume_get_spacing (evox_document_get_volume (a), sa_spacing);
  evox_volume_get_spacing (evox_document_get_volume (b), sb_spacing);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpfloat (sa_spacing[i], ==, sb_spacing[i]);
  g_assert_cmpint (evox_volume_get_spacing_known (evox_document_get_volume (a)), ==,
                   evox_volume_get_spacing_known (evox_document_get_volume (b)));
  {
    gsize dims[3];

    evox_volume_get_dims (evox_document_get_volume (a), dims);
    for (guint k = 0; k < dims[2]; k++)
      g_assert_cmpint (evox_document_get_layer_visible (a, k), ==,
                       evox_document_get_layer_visible (b, k));
  }

  g_assert_cmpuint (evox_phase_list_get_n_phases (pa), ==, evox_phase_list_get_n_phases (pb));
  for (guint i = 0; i < evox_phase_list_get_n_phases (pa); i++)
    {
      EvoxPhase *x = evox_phase_list_get_phase (pa, i), *y = evox_phase_list_get_phase (pb, i);
      const char *props[] = { "name", "lo", "hi", "color", "opacity", "visible" };

      for (guint p = 0; p < G_N_ELEMENTS (props); p++)
        assert_same_property (G_OBJECT (x), G_OBJECT (y), props[p]);
      g_assert_cmpfloat (evox_phase_list_fraction (pa, i, type,
                                                   evox_document_get_basis_histogram (a)), ==,
                         evox_phase_list_fraction (pb, i, type,
                                                   evox_document_get_basis_histogram (b)));
    }

  g_assert_cmpint (la == NULL, ==, lb == NULL);
  if (la != NULL)
    {
      double lo_a, hi_a, lo_b, hi_b;

      g_assert_cmpstr (evox_labels_get_phase_name (la), ==, evox_labels_get_phase_name (lb));
      evox_labels_get_range (la, &lo_a, &hi_a);
      evox_labels_get_range (lb, &lo_b, &hi_b);
      g_assert_cmpfloat (lo_a, ==, lo_b);
      g_assert_cmpfloat (hi_a, ==, hi_b);
      g_assert_cmpint (evox_labels_get_connectivity (la), ==, evox_labels_get_connectivity (lb));
      g_assert_cmpuint (evox_labels_get_min_size (la), ==, evox_labels_get_min_size (lb));
      g_assert_cmpuint (evox_labels_get_n_particles (la), ==, evox_labels_get_n_particles (lb));
      for (guint id = 1; id <= evox_labels_get_n_particles (la); id++)
        {
          const EvoxParticle *x = evox_labels_get_particle (la, id);
          const EvoxParticle *y = evox_labels_get_particle (lb, id);

          g_assert_cmpuint (x->voxels, ==, y->voxels);
          g_assert_cmpfloat (x->volume_nm3, ==, y->volume_nm3);
        }
    }

  g_assert_cmpuint (evox_surface_list_get_n_surfaces (sa), ==,
                    evox_surface_list_get_n_surfaces (sb));
  for (guint i = 0; i < evox_surface_list_get_n_surfaces (sa); i++)
    {
      EvoxSurface *x = evox_surface_list_get_surface (sa, i);
      EvoxSurface *y = evox_surface_list_get_surface (sb, i);
      const EvoxSurfaceSpec *spec_x = evox_surface_get_spec (x);
      const EvoxSurfaceSpec *spec_y = evox_surface_get_spec (y);
      const char *props[] = { "name", "color", "opacity", "visible", "state" };

      for (guint p = 0; p < G_N_ELEMENTS (props); p++)
        assert_same_property (G_OBJECT (x), G_OBJECT (y), props[p]);
      g_assert_cmpint (spec_x->kind, ==, spec_y->kind);
      g_assert_cmpfloat (spec_x->level, ==, spec_y->level);
      g_assert_cmpfloat (spec_x->lo, ==, spec_y->lo);
      g_assert_cmpfloat (spec_x->hi, ==, spec_y->hi);
      g_assert_cmpuint (spec_x->particle, ==, spec_y->particle);
      g_assert_cmpuint (evox_mesh_get_n_triangles (evox_surface_get_mesh (x)), ==,
                        evox_mesh_get_n_triangles (evox_surface_get_mesh (y)));
    }

  {
    const char *props[] = { "mode", "source", "iso-level", "opacity-scale", "show-slices",
                            "mark-layers" };

    for (guint p = 0; p < G_N_ELEMENTS (props); p++)
      assert_same_property (G_OBJECT (ya), G_OBJECT (yb), props[p]);
    g_assert_cmpuint (evox_volume_style_get_n_points (ya), ==,
                      evox_volume_style_get_n_points (yb));
    for (guint i = 0; i < evox_volume_style_get_n_points (ya); i++)
      {
        double va, oa_, vb, ob_;

        evox_volume_style_get_point (ya, i, &va, &oa_);
        evox_volume_style_get_point (yb, i, &vb, &ob_);
        g_assert_cmpfloat (va, ==, vb);
        g_assert_cmpfloat (oa_, ==, ob_);
      }
    evox_volume_style_get_clip (ya, clip_a[0], clip_a[1]);
    evox_volume_style_get_clip (yb, clip_b[0], clip_b[1]);
    g_assert_cmpmem (clip_a, sizeof clip_a, clip_b, sizeof clip_b);
  }

  {
    EvoxMeasurementList *ma = evox_document_get_measurements (a);
    EvoxMeasurementList *mb = evox_document_get_measurements (b);

    g_assert_cmpuint (evox_measurement_list_get_n_measurements (ma), ==,
                      evox_measurement_list_get_n_measurements (mb));
    for (guint i = 0; i < evox_measurement_list_get_n_measurements (ma); i++)
      {
        EvoxMeasurement *x = evox_measurement_list_get_measurement (ma, i);
        EvoxMeasurement *y = evox_measurement_list_get_measurement (mb, i);
        double xs[3], xe[3], ys[3], ye[3];

        g_assert_cmpuint (evox_measurement_get_axis (x), ==, evox_measurement_get_axis (y));
        g_assert_cmpuint (evox_measurement_get_slice (x), ==, evox_measurement_get_slice (y));
        evox_measurement_get_points (x, xs, xe);
        evox_measurement_get_points (y, ys, ye);
        g_assert_cmpmem (xs, sizeof xs, ys, sizeof ys);
        g_assert_cmpmem (xe, sizeof xe, ye, sizeof ye);
        g_assert_cmpfloat (evox_measurement_get_length_nm (x), ==,
                           evox_measurement_get_length_nm (y));
      }
    g_assert_cmpint (evox_document_get_composite (a), ==, evox_document_get_composite (b));
    g_assert_cmpint (evox_document_get_composite_phases (a), ==,
                     evox_document_get_composite_phases (b));
    for (guint slot = 0; slot < 3; slot++)
      {
        int ca, cb;
        double la, ha, lb, hb;

        evox_document_get_composite_slot (a, slot, &ca, &la, &ha);
        evox_document_get_composite_slot (b, slot, &cb, &lb, &hb);
        g_assert_cmpint (ca, ==, cb);
        if (ca >= 0)
          {
            g_assert_cmpfloat (la, ==, lb);
            g_assert_cmpfloat (ha, ==, hb);
          }
      }
  }

  for (guint i = 0; i < EVOX_N_OVERLAY_ITEMS; i++)
    {
      double ax, ay, bx, by;

      g_assert_cmpint (evox_overlays_get_visible (oa, i), ==, evox_overlays_get_visible (ob, i));
      evox_overlays_get_position (oa, i, &ax, &ay);
      evox_overlays_get_position (ob, i, &bx, &by);
      g_assert_cmpfloat (ax, ==, bx);
      g_assert_cmpfloat (ay, ==, by);
    }
  g_assert_cmpfloat (evox_overlays_get_font_size (oa), ==, evox_overlays_get_font_size (ob));
  g_assert_cmpfloat (evox_overlays_get_scale_bar_length (oa), ==,
                     evox_overlays_get_scale_bar_length (ob));
  g_assert_cmpuint (evox_overlays_get_n_labels (oa), ==, evox_overlays_get_n_labels (ob));
  for (guint i = 0; i < evox_overlays_get_n_labels (oa); i++)
    {
      double ax, ay, bx, by;

      g_assert_cmpstr (evox_overlays_get_label (oa, i, &ax, &ay), ==,
                       evox_overlays_get_label (ob, i, &bx, &by));
      g_assert_cmpfloat (ax, ==, bx);
      g_assert_cmpfloat (ay, ==, by);
    }
}

/* A document changed away from every default a session keeps. */
static void
edit_document (EvoxDocument *document)
{
  EvoxPhaseList *phases = evox_document_get_phases (document);
  EvoxVolumeStyle *style = evox_document_get_volume_style (document);
  EvoxOverlays *overlays = evox_document_get_overlays (document);
  EvoxVolume *volume = evox_document_get_volume (document);
  g_autoptr (EvoxPhase) a = NULL;
  g_autoptr (EvoxPhase) b = NULL;
  g_autoptr (EvoxLabels) labels = NULL;
  g_autoptr (GError) error = NULL;
  const double values[] = { -5.0, -3.25, -1.0 }, opacities[] = { 0.0, 0.4, 0.05 };
  const double clip_lo[3] = { 0.1, 0, 0.2 }, clip_hi[3] = { 0.9, 0.75, 1 };
  double lo, hi;

  evox_document_get_data_range (document, &lo, &hi);
  evox_document_set_colormap (document, "magma");
  evox_document_set_range (document, lo + 0.125 * (hi - lo), hi - 0.0625 * (hi - lo));
  evox_document_set_view (document, EVOX_VIEW_QUAD);
  evox_document_set_slice (document, 0, 17);
  evox_document_set_slice (document, 1, 90);
  evox_document_set_slice (document, 2, 3);
  evox_document_set_active_axis (document, 1);
  evox_document_set_z_exaggeration (document, 7.5);
  evox_document_set_stack_opacity (document, 0.625);
  evox_document_set_histogram_source (document, EVOX_HISTOGRAM_SLICE);
  evox_document_set_histogram_log_counts (document, TRUE);
  evox_document_set_histogram_per_layer (document, TRUE);
  evox_document_set_basis (document, EVOX_BASIS_VOLUME);
  evox_document_set_hide_outside_phases (document, TRUE);
  evox_document_set_particle_colors (document, EVOX_PARTICLE_COLOR_VOXELS);
  evox_document_set_layer_visible (document, 1, FALSE);
  evox_document_set_smooth_surfaces (document, FALSE);
  evox_document_set_triangle_budget (document, 5000);
  evox_document_set_cluster_opacity (document, 0.3);
  evox_document_set_cluster_outlines (document, TRUE);

  a = evox_phase_new ("Low", lo, lo + 0.4 * (hi - lo), "#1f77b4");
  b = evox_phase_new ("High", lo + 0.6 * (hi - lo), hi, "#d62728");
  evox_phase_set_opacity (b, 0.375);
  evox_phase_set_visible (a, FALSE);
  evox_phase_list_append (phases, a);
  evox_phase_list_append (phases, b);
  evox_document_set_selected_phase (document, 1);

  labels = evox_labels_compute (volume, 0, "High", evox_phase_get_lo (b), evox_phase_get_hi (b),
                                EVOX_CONNECTIVITY_6, 3, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_particles (labels), >, 1);
  evox_document_set_labels (document, labels);
  evox_document_set_selected_particle (document, 2);

  evox_document_add_phase_surface (document, evox_phase_list_get_phase (phases, 1));
  evox_surface_set_color (evox_document_add_level_surface (document, lo + 0.5 * (hi - lo)),
                          "#abcdef");
  evox_surface_set_opacity (evox_document_add_particle_surface (document, 1), 0.5);

  evox_volume_style_set_mode (style, EVOX_RAY_MIP);
  evox_volume_style_set_opacity_scale (style, 2.5);
  evox_volume_style_set_points (style, values, opacities, 3);
  evox_volume_style_set_clip (style, clip_lo, clip_hi);

  evox_overlays_set_visible (overlays, EVOX_OVERLAY_SCALE_BAR, TRUE);
  evox_overlays_set_visible (overlays, EVOX_OVERLAY_LEGEND, TRUE);
  evox_overlays_set_position (overlays, EVOX_OVERLAY_LEGEND, 0.25, 0.75);
  evox_overlays_set_font_size (overlays, 20);
  evox_overlays_set_scale_bar_length (overlays, 500);
  evox_overlays_add_label (overlays, "Sample “A”, 1 µm", 0.5, 0.125);

  {
    const guint start[3] = { 10, 20, 3 }, end[3] = { 90, 70, 3 };
    g_autoptr (EvoxMeasurement) ruler = evox_measurement_new_from_voxels (volume, start, end,
                                                                         &error);

    g_assert_no_error (error);
    evox_measurement_list_append (evox_document_get_measurements (document), ruler);
  }
  evox_document_set_composite_slot (document, 1, 0, lo + 0.25 * (hi - lo), hi);
  evox_document_set_composite_phases (document, TRUE);
}

static EvoxSession *
round_trip (EvoxDocument *document,
            const char   *path,
            EvoxDocument *restored_document)
{
  g_autoptr (EvoxSession) saved = NULL;
  g_autoptr (EvoxSession) loaded = NULL;
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (GError) error = NULL;

  saved = evox_session_capture (document, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (evox_session_save (saved, path, FALSE, &error));
  g_assert_no_error (error);
  loaded = evox_session_load (path, &error);
  g_assert_no_error (error);
  volume = evox_session_load_input (loaded, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (evox_session_apply (loaded, restored_document, volume, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&loaded);
}

/* Maps frozen and added to the document, as a computation hands them over. */
static void
add_frozen_maps (EvoxDocument *document,
                 EvoxVolume   *maps)
{
  g_autoptr (GError) error = NULL;

  evox_volume_freeze (maps);
  g_assert_true (evox_document_add_maps (document, maps, NULL, &error));
  g_assert_no_error (error);
}

/* The document's session, as File > Save Session captures it. */
static EvoxSession *
capture (EvoxDocument *document)
{
  g_autoptr (GError) error = NULL;
  EvoxSession *session = evox_session_capture (document, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (session);
  return session;
}

static void
test_round_trip_demo (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "demo.evox", NULL);
  g_autoptr (EvoxDocument) document = new_document ();
  g_autoptr (EvoxDocument) restored_document = new_document ();
  g_autoptr (EvoxVolume) volume = evox_demo_volume_new (20.0);
  g_autoptr (EvoxSession) loaded = NULL;

  evox_document_set_volume (document, volume, "Demo", NULL);
  edit_document (document);
  g_assert_true (wait_for_surfaces (document));
  loaded = round_trip (document, path, restored_document);
  g_assert_true (evox_session_get_input_is_demo (loaded));
  g_assert_true (wait_for_surfaces (restored_document));
  assert_same_documents (document, restored_document);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A u8 TIFF of nx x ny x nz random labels 0, step, 2 step, ... (n_labels of them). */
static void
write_random_labels (const char *path,
                     gsize       nx,
                     gsize       ny,
                     gsize       nz,
                     guint       n_labels,
                     guint       step,
                     guint64     seed)
{
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (GError) error = NULL;
  guint64 state = seed;
  guint8 *data;

  volume = evox_volume_new (nx, ny, nz, 1, EVOX_SAMPLE_U8, &error);
  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize i = 0; i < nx * ny * nz; i++)
    data[i] = (guint8) (evox_test_random (&state) % n_labels * step);
  g_assert_true (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_OVERWRITE, &error));
  g_assert_no_error (error);
}

/* A small u8 volume of four labels, written as a TIFF. */
static void
write_blobs (const char *path,
             guint       seed)
{
  write_random_labels (path, 24, 20, 12, 4, 85, seed);
}

static void
open_into (EvoxDocument *document,
           const char   *path)
{
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (GError) error = NULL;
  EvoxLoadOptions options = { NULL, 1 };

  volume = evox_volume_load_with (path, &options, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_document_set_volume (document, volume, "blobs", path);
}

/* The recorded hash is SHA-256 of the file's bytes (computed here in one piece, not streamed),
 * the path relative to the session's folder, and the session still finds its input when both
 * move together. */
static void
test_round_trip_file (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *first = g_build_filename (dir, "first", NULL);
  g_autofree char *moved = g_build_filename (dir, "moved", NULL);
  g_autofree char *data_dir = g_build_filename (first, "data", NULL);
  g_autofree char *tiff = g_build_filename (data_dir, "blobs.tif", NULL);
  g_autofree char *path = g_build_filename (first, "s.evox", NULL);
  g_autofree char *moved_path = g_build_filename (moved, "s.evox", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *warning = NULL;
  g_autoptr (EvoxDocument) document = new_document ();
  g_autoptr (EvoxDocument) restored_document = new_document ();
  g_autoptr (EvoxDocument) again = new_document ();
  g_autoptr (EvoxSession) loaded = NULL;
  g_autoptr (EvoxSession) moved_session = NULL;
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxPhase) phase = NULL;
  g_autoptr (EvoxLabels) labels = NULL;
  JsonObject *input;
  gsize length;

  g_assert_cmpint (g_mkdir_with_parents (data_dir, 0755), ==, 0);
  write_blobs (tiff, 7);
  open_into (document, tiff);
  phase = evox_phase_new ("Solid", 170, 255, "#ff7f0e");
  evox_phase_list_append (evox_document_get_phases (document), phase);
  labels = evox_labels_compute (evox_document_get_volume (document), 0, "Solid", 170, 255,
                                EVOX_CONNECTIVITY_26, 2, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_document_set_labels (document, labels);
  evox_document_add_phase_surface (document, phase);
  g_assert_true (wait_for_surfaces (document));

  {
    const double split_h[] = { 1.5, 0.25 };

    /* As evox_watershed_split records them (analysis, which this suite does not link). */
    _evox_labels_set_split_h (labels, split_h, G_N_ELEMENTS (split_h));
  }
  loaded = round_trip (document, path, restored_document);
  g_assert_true (wait_for_surfaces (restored_document));
  assert_same_documents (document, restored_document);
  /* The splits read back exactly, for the window to split again. */
  {
    guint n_splits;
    g_autofree double *split_h = evox_session_dup_particle_splits (loaded, &n_splits);

    g_assert_cmpuint (n_splits, ==, 2);
    g_assert_cmpfloat (split_h[0], ==, 1.5);
    g_assert_cmpfloat (split_h[1], ==, 0.25);
  }

  g_assert_true (g_file_get_contents (tiff, &contents, &length, NULL));
  expected = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
  input = json_array_get_object_element (
            json_object_get_array_member (evox_session_get_root (loaded), "inputs"), 0);
  g_assert_cmpstr (json_object_get_string_member (input, "sha256"), ==, expected);
  g_assert_cmpint (json_object_get_int_member (input, "size"), ==, length);
  g_assert_cmpstr (json_object_get_string_member (input, "path"), ==, "data/blobs.tif");
  g_assert_true (evox_session_check_input (loaded, &warning, &error));
  g_assert_no_error (error);
  g_assert_null (warning);

  /* Moved together: found by the relative path, though the absolute one is gone. */
  g_assert_cmpint (g_rename (first, moved), ==, 0);
  moved_session = evox_session_load (moved_path, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (evox_session_get_input (moved_session), moved));
  volume = evox_session_load_input (moved_session, NULL, NULL, &error);
  g_assert_no_error (error);
  /* The window's way: the particles labelled first (off the main thread), then applied. */
  g_assert_true (evox_session_prepare (moved_session, volume, NULL, &error));
  g_assert_no_error (error);
  /* Labels put in place of the prepared ones (the window's split ones) are what apply shows. */
  {
    g_autoptr (EvoxLabels) replacement = NULL;

    g_assert_nonnull (evox_session_get_prepared_labels (moved_session));
    replacement = evox_labels_compute (volume, 0, "Solid", 170, 255, EVOX_CONNECTIVITY_6, 0,
                                       NULL, NULL, &error);
    g_assert_no_error (error);
    evox_session_set_prepared_labels (moved_session, replacement);
    g_assert_true (evox_session_apply (moved_session, again, volume, &error));
    g_assert_no_error (error);
    g_assert_true (evox_document_get_labels (again) == replacement);
  }
  g_assert_true (evox_session_prepare (moved_session, volume, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (evox_session_apply (moved_session, again, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_particles (evox_document_get_labels (again)), ==,
                    evox_labels_get_n_particles (labels));
  g_assert_true (wait_for_surfaces (again));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A missing input fails naming it (and the session); a chosen replacement is used; an input
 * whose content changed is named in a warning. */
static void
test_missing_and_changed (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "blobs.tif", NULL);
  g_autofree char *other = g_build_filename (dir, "elsewhere.tif", NULL);
  g_autofree char *path = g_build_filename (dir, "s.evox", NULL);
  g_autofree char *warning = NULL;
  g_autoptr (EvoxDocument) document = new_document ();
  g_autoptr (EvoxSession) session = NULL;
  g_autoptr (EvoxSession) loaded = NULL;
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (GError) error = NULL;

  write_blobs (tiff, 11);
  open_into (document, tiff);
  session = capture (document);
  g_assert_true (evox_session_save (session, path, FALSE, &error));
  g_assert_no_error (error);

  g_assert_cmpint (g_rename (tiff, other), ==, 0);
  loaded = evox_session_load (path, &error);
  g_assert_no_error (error);
  g_assert_false (evox_session_check_input (loaded, &warning, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "blobs.tif"));
  g_assert_nonnull (strstr (error->message, "s.evox"));
  g_clear_error (&error);
  volume = evox_session_load_input (loaded, NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_null (volume);
  g_clear_error (&error);

  /* The user points at where it went: same content, no warning. */
  evox_session_set_input (loaded, other);
  g_assert_true (evox_session_check_input (loaded, &warning, &error));
  g_assert_no_error (error);
  g_assert_null (warning);

  /* Same size, other content: a warning naming it. */
  write_blobs (other, 12);
  g_assert_true (evox_session_check_input (loaded, &warning, &error));
  g_assert_no_error (error);
  g_assert_nonnull (warning);
  g_assert_nonnull (strstr (warning, "elsewhere.tif"));
  g_assert_nonnull (strstr (warning, "changed"));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A folder's hash, built here by hand as the header says: sorted names, each name NUL size NUL
 * content. */
static void
test_folder_hash (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  const char *names[] = { "b.tif", "a.tif", "c" };
  const char *contents[] = { "second", "first file", "" };
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *hash = NULL;
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_autoptr (GError) error = NULL;
  guint64 size = 0;
  const guint order[] = { 1, 0, 2 };

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *file = g_build_filename (dir, names[i], NULL);

      g_assert_true (g_file_set_contents (file, contents[i], -1, NULL));
    }
  /* Folders inside are not part of it. */
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  for (guint j = 0; j < 3; j++)
    {
      guint i = order[j];
      g_autofree char *len = g_strdup_printf ("%zu", strlen (contents[i]));

      g_checksum_update (checksum, (const guchar *) names[i], strlen (names[i]) + 1);
      g_checksum_update (checksum, (const guchar *) len, strlen (len) + 1);
      g_checksum_update (checksum, (const guchar *) contents[i], strlen (contents[i]));
    }
  hash = evox_session_hash_path (dir, &size, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hash, ==, g_checksum_get_string (checksum));
  g_assert_cmpuint (size, ==, strlen ("second") + strlen ("first file"));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
write_text (const char *path,
            const char *text)
{
  /* No fsync: the test writes hundreds of these. */
  g_assert_true (g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_NONE, 0644, NULL));
}

/* Missing keys keep the defaults: a session of the input alone restores what opening it does. */
static void
test_missing_keys (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "min.evox", NULL);
  g_autoptr (EvoxDocument) opened = new_document ();
  g_autoptr (EvoxDocument) restored_document = new_document ();
  g_autoptr (EvoxVolume) fresh = evox_demo_volume_new (EVOX_SSRM_DEFAULT_DZ_NM);
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (EvoxSession) session = NULL;
  g_autoptr (GError) error = NULL;

  write_text (path, "{ \"evox-session\": 1, \"inputs\": [ { \"kind\": \"demo-ssrm\" } ],\n"
              "  \"display\": { \"colormap\": 42, \"mapping\": \"no-such-mapping\" },\n"
              "  \"phases\": [ { \"name\": \"No range\" } ] }\n");
  session = evox_session_load (path, &error);
  g_assert_no_error (error);
  volume = evox_session_load_input (session, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (evox_session_apply (session, restored_document, volume, &error));
  g_assert_no_error (error);
  evox_document_set_volume (opened, fresh, "Demo", NULL);
  assert_same_documents (opened, restored_document);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Keys this Evox does not know survive a load and save, and a capture over the loaded session. */
static void
test_extra_keys (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "extra.evox", NULL);
  g_autofree char *again = g_build_filename (dir, "again.evox", NULL);
  g_autofree char *captured_path = g_build_filename (dir, "captured.evox", NULL);
  g_autoptr (EvoxDocument) document = new_document ();
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (EvoxSession) session = NULL;
  g_autoptr (EvoxSession) reloaded = NULL;
  g_autoptr (EvoxSession) captured = NULL;
  g_autoptr (EvoxSession) captured_loaded = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *root, *display;

  write_text (path, "{ \"evox-session\": 1, \"evox-version\": \"0.1.0\",\n"
              "  \"inputs\": [ { \"kind\": \"demo-ssrm\", \"dz-nm\": 10, \"camera\": [1, 2] } ],\n"
              "  \"future\": { \"thing\": [1, \"two\", null] },\n"
              "  \"display\": { \"colormap\": \"inferno\", \"glow\": 3.5 } }\n");
  session = evox_session_load (path, &error);
  g_assert_no_error (error);
  g_assert_true (evox_session_save (session, again, FALSE, &error));
  g_assert_no_error (error);
  reloaded = evox_session_load (again, &error);
  g_assert_no_error (error);
  root = evox_session_get_root (reloaded);
  g_assert_true (json_object_has_member (root, "future"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_object_get_object_member (root, "future"), "thing")), ==, 3);
  g_assert_cmpfloat (json_object_get_double_member (
                       json_object_get_object_member (root, "display"), "glow"), ==, 3.5);

  volume = evox_session_load_input (session, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (evox_session_apply (session, document, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (evox_document_get_colormap (document), ==, "inferno");
  captured = evox_session_capture (document, session, &error);
  g_assert_no_error (error);
  g_assert_true (evox_session_save (captured, captured_path, FALSE, &error));
  g_assert_no_error (error);
  captured_loaded = evox_session_load (captured_path, &error);
  g_assert_no_error (error);
  root = evox_session_get_root (captured_loaded);
  display = json_object_get_object_member (root, "display");
  g_assert_true (json_object_has_member (root, "future"));
  g_assert_cmpfloat (json_object_get_double_member (display, "glow"), ==, 3.5);
  g_assert_cmpstr (json_object_get_string_member (display, "colormap"), ==, "inferno");
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Numbers json-glib 1.6 writes in exponent form ("1e-08.0") read back as the same doubles, a
 * string that looks like one is kept as it is; the subcommands' records are named once. */
static void
test_records (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "records.evox", NULL);
  g_autofree char *again = g_build_filename (dir, "again.evox", NULL);
  g_autofree char *plain_path = g_build_filename (dir, "plain.evox", NULL);
  g_autofree char *note = NULL;
  g_autoptr (EvoxSession) session = NULL;
  g_autoptr (EvoxSession) reloaded = NULL;
  g_autoptr (EvoxSession) plain = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *metrics;

  write_text (path, "{ \"evox-session\": 1, \"inputs\": [ { \"kind\": \"demo-ssrm\" } ],\n"
              "  \"registration\": { \"version\": 1, \"scale\": \"fit\" },\n"
              "  \"metrics\": { \"version\": 1, \"tolerance\": 1e-8, \"big\": 2.5e21,\n"
              "               \"small\": -3.25E-300, \"label\": \"1e-08.0 \\\"q\\\" 2e5.0\" },\n"
              "  \"figure\": { \"version\": 1, \"options\": [] } }\n");
  session = evox_session_load (path, &error);
  g_assert_no_error (error);
  g_assert_true (evox_session_save (session, again, FALSE, &error));
  g_assert_no_error (error);
  reloaded = evox_session_load (again, &error);
  g_assert_no_error (error);
  metrics = json_object_get_object_member (evox_session_get_root (reloaded), "metrics");
  g_assert_cmpfloat (json_object_get_double_member (metrics, "tolerance"), ==, 1e-8);
  g_assert_cmpfloat (json_object_get_double_member (metrics, "big"), ==, 2.5e21);
  g_assert_cmpfloat (json_object_get_double_member (metrics, "small"), ==, -3.25e-300);
  g_assert_cmpstr (json_object_get_string_member (metrics, "label"), ==,
                   "1e-08.0 \"q\" 2e5.0");

  note = evox_session_dup_records_note (reloaded);
  g_assert_cmpstr (note, ==, "The session also records a registration and the options of an "
                   "`evox render` figure, which the window does not compute again yet: kept in "
                   "the session (evox apply runs them)");
  write_text (plain_path, "{ \"evox-session\": 1, \"inputs\": [ { \"kind\": \"demo-ssrm\" } ],\n"
              "  \"xanes\": 3, \"registered\": true }\n");
  plain = evox_session_load (plain_path, &error);
  g_assert_no_error (error);
  g_assert_null (evox_session_dup_records_note (plain));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_newer_version (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "new.evox", NULL);
  g_autoptr (EvoxSession) session = NULL;
  g_autoptr (GError) error = NULL;

  write_text (path, "{ \"evox-session\": 2, \"evox-version\": \"9.0\", \"inputs\": [] }");
  session = evox_session_load (path, &error);
  g_assert_null (session);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "new.evox"));
  g_assert_nonnull (strstr (error->message, "format 2"));
  g_assert_nonnull (strstr (error->message, "Evox 9.0"));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Cut in half, not JSON, JSON that is no session, a session without input: each an error
 * naming the file. */
static void
test_malformed (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "cut.evox", NULL);
  g_autoptr (EvoxDocument) document = new_document ();
  g_autoptr (EvoxVolume) volume = evox_demo_volume_new (EVOX_SSRM_DEFAULT_DZ_NM);
  g_autoptr (EvoxSession) session = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  gsize length;
  const char *bad[] = { "", "not json", "[1, 2]", "{ \"inputs\": [] }",
                        "{ \"evox-session\": \"one\" }", "{ \"evox-session\": 1 }",
                        "{ \"evox-session\": 1, \"inputs\": [ { \"kind\": \"file\" } ] }" };

  evox_document_set_volume (document, volume, "Demo", NULL);
  edit_document (document);
  session = capture (document);
  g_assert_true (evox_session_save (session, path, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &text, &length, NULL));
  g_assert_true (g_file_set_contents (path, text, (gssize) (length / 2), NULL));
  g_clear_object (&session);
  session = evox_session_load (path, &error);
  g_assert_null (session);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "cut.evox"));
  g_clear_error (&error);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      write_text (path, bad[i]);
      session = evox_session_load (path, &error);
      g_assert_null (session);
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
      g_assert_nonnull (strstr (error->message, "cut.evox"));
      g_clear_error (&error);
    }
  g_assert_true (wait_for_surfaces (document));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Saving never replaces a file unasked, and leaves nothing behind. */
static void
test_save_exists (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "s.evox", NULL);
  g_autofree char *text = NULL;
  g_autoptr (EvoxDocument) document = new_document ();
  g_autoptr (EvoxVolume) volume = evox_demo_volume_new (EVOX_SSRM_DEFAULT_DZ_NM);
  g_autoptr (EvoxSession) session = NULL;
  g_autoptr (GError) error = NULL;

  evox_document_set_volume (document, volume, "Demo", NULL);
  session = capture (document);
  write_text (path, "keep me");
  g_assert_false (evox_session_save (session, path, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "keep me");
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
  g_assert_true (evox_session_save (session, path, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);

  /* Nothing to save: no volume. */
  g_clear_object (&session);
  {
    g_autoptr (EvoxDocument) empty = new_document ();

    session = evox_session_capture (empty, NULL, &error);
    g_assert_null (session);
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* An SSRM table read with options of its own (step, pixel size, a subset of scans, columns) is
 * read again with the same options: the same stack, voxel for voxel. */
static void
test_ssrm_options (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *table = g_build_filename (dir, "t.csv", NULL);
  g_autofree char *path = g_build_filename (dir, "t.evox", NULL);
  g_autoptr (GString) text = g_string_new ("Rb,Zb,col,row,Ra,Za,Rc,Zc\n");
  g_autoptr (EvoxSsrmOptions) options = evox_ssrm_options_new ();
  g_autoptr (EvoxSsrmOptions) back = NULL;
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (EvoxVolume) again = NULL;
  g_autoptr (EvoxDocument) document = new_document ();
  g_autoptr (EvoxSession) session = NULL;
  g_autoptr (EvoxSession) loaded = NULL;
  g_autoptr (GError) error = NULL;
  EvoxLoadOptions load = { options, 1 };
  guint bin = 0;
  gsize dims[3], dims_again[3];

  for (guint y = 0; y < 5; y++)
    for (guint x = 0; x < 6; x++)
      g_string_append_printf (text, "%g,30,%u,%u,%g,0,%g,75\n", -3.0 - 0.1 * x, x, y,
                              -4.0 + 0.05 * y, -2.0 - 0.01 * (x + y));
  write_text (table, text->str);
  options->dz_nm = 7.5;
  options->pixel_size_nm = 3.25;
  options->x_column = g_strdup ("col");
  options->y_column = g_strdup ("row");
  g_ptr_array_add (options->values, g_strdup ("Ra:Za"));
  g_ptr_array_add (options->values, g_strdup ("Rc:Zc"));
  volume = evox_volume_load_with (table, &load, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_document_set_volume (document, volume, "t.csv", table);
  session = capture (document);
  g_assert_true (evox_session_save (session, path, FALSE, &error));
  g_assert_no_error (error);
  loaded = evox_session_load (path, &error);
  g_assert_no_error (error);
  evox_session_get_load_options (loaded, &back, &bin);
  g_assert_nonnull (back);
  g_assert_cmpuint (bin, ==, 1);
  g_assert_cmpfloat (back->dz_nm, ==, 7.5);
  g_assert_cmpfloat (back->pixel_size_nm, ==, 3.25);
  g_assert_cmpstr (back->x_column, ==, "col");
  g_assert_cmpstr (back->y_column, ==, "row");
  g_assert_cmpuint (back->values->len, ==, 2);
  g_assert_cmpstr (back->values->pdata[1], ==, "Rc:Zc");
  g_assert_cmpint (back->scale, ==, EVOX_SCALE_LOG10);

  again = evox_session_load_input (loaded, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  evox_volume_get_dims (again, dims_again);
  g_assert_cmpmem (dims, sizeof dims, dims_again, sizeof dims_again);
  g_assert_cmpuint (evox_volume_get_n_scans (again), ==, 2);
  g_assert_cmpmem (evox_volume_get_data (volume, 0),
                   evox_volume_get_n_voxels (volume) * sizeof (float),
                   evox_volume_get_data (again, 0),
                   evox_volume_get_n_voxels (again) * sizeof (float));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
write_small (const char *path)
{
  write_random_labels (path, 10, 8, 6, 3, 100, 9);
}

static void
edit_small (EvoxDocument *document)
{
  EvoxPhaseList *phases = evox_document_get_phases (document);
  EvoxVolume *volume = evox_document_get_volume (document);
  g_autoptr (EvoxPhase) phase = evox_phase_new ("Solid", 150, 255, "#d62728");
  g_autoptr (EvoxLabels) labels = NULL;
  g_autoptr (GError) error = NULL;
  const guint start[3] = { 1, 1, 2 }, end[3] = { 8, 6, 2 };
  g_autoptr (EvoxMeasurement) ruler = evox_measurement_new_from_voxels (volume, start, end,
                                                                       &error);
  const double values[] = { 0, 100, 200 }, opacities[] = { 0, 0.5, 0.1 };

  g_assert_no_error (error);
  evox_document_set_view (document, EVOX_VIEW_QUAD);
  evox_document_set_layer_visible (document, 1, FALSE);
  evox_phase_list_append (phases, phase);
  evox_document_set_selected_phase (document, 0);
  labels = evox_labels_compute (volume, 0, "Solid", 150, 255, EVOX_CONNECTIVITY_6, 1, NULL,
                                NULL, &error);
  g_assert_no_error (error);
  {
    const double split_h[] = { 2, 0.5 };

    _evox_labels_set_split_h (labels, split_h, G_N_ELEMENTS (split_h));
  }
  evox_document_set_labels (document, labels);
  evox_document_set_selected_particle (document, 1);
  evox_document_add_phase_surface (document, phase);
  evox_document_add_level_surface (document, 50);
  evox_document_add_particle_surface (document, 1);
  evox_volume_style_set_points (evox_document_get_volume_style (document), values, opacities, 3);
  evox_overlays_set_visible (evox_document_get_overlays (document), EVOX_OVERLAY_AXES, TRUE);
  evox_overlays_add_label (evox_document_get_overlays (document), "label", 0.5, 0.5);
  evox_measurement_list_append (evox_document_get_measurements (document), ruler);
  evox_document_set_composite_slot (document, 0, 0, 10, 200);
}

/* Hand-edited files: every value of a saved session replaced by a value of another type or out of
 * range, one at a time, and random bytes changed; loading and applying never crash or warn
 * (criticals are fatal here): a value that cannot be used keeps the default. */
static void
replace_values (JsonNode  *node,
                JsonNode  *root,
                JsonNode **replacements,
                guint      n_replacements,
                const char *dir,
                guint     *count);

static void
try_session_text (const char *dir,
                  const char *text)
{
  g_autofree char *path = g_build_filename (dir, "edited.evox", NULL);
  g_autoptr (EvoxSession) session = NULL;
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (EvoxDocument) document = NULL;
  g_autoptr (GError) error = NULL;

  write_text (path, text);
  session = evox_session_load (path, &error);
  if (session == NULL)
    return;
  /* The splits the window reads: numbers or nothing, whatever the file holds. */
  {
    guint n_splits = 7;
    g_autofree double *split_h = evox_session_dup_particle_splits (session, &n_splits);

    g_assert_true ((split_h == NULL) == (n_splits == 0));
  }
  volume = evox_session_load_input (session, NULL, NULL, &error);
  if (volume == NULL)
    return;
  /* Surfaces are only specs here: building hundreds of them would take minutes. */
  document = evox_document_new ();
  _evox_document_set_surface_delay (document, 600000);
  if (!evox_session_apply (session, document, volume, &error))
    g_assert_nonnull (error);
}

static void
try_root (const char *dir,
          JsonNode   *root)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  try_session_text (dir, text);
}

static void
replace_values (JsonNode  *node,
                JsonNode  *root,
                JsonNode **replacements,
                guint      n_replacements,
                const char *dir,
                guint     *count)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr (GList) members = json_object_get_members (object);
      g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);

      /* Setting a member frees its old key: walk copies. */
      for (GList *l = members; l != NULL; l = l->next)
        g_ptr_array_add (keys, g_strdup (l->data));
      for (guint k = 0; k < keys->len; k++)
        {
          const char *key = keys->pdata[k];
          JsonNode *child = json_object_get_member (object, key);
          g_autoptr (JsonNode) saved = json_node_copy (child);

          /* The version and the input are checked elsewhere; here, what is applied. */
          if (node == root && (g_strcmp0 (key, "evox-session") == 0 ||
                               g_strcmp0 (key, "inputs") == 0))
            continue;
          for (guint r = 0; r < n_replacements; r++)
            {
              json_object_set_member (object, key, json_node_copy (replacements[r]));
              try_root (dir, root);
              (*count)++;
            }
          json_object_set_member (object, key, json_node_copy (saved));
          replace_values (json_object_get_member (object, key), root, replacements,
                          n_replacements, dir, count);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        replace_values (json_array_get_element (array, i), root, replacements, n_replacements,
                        dir, count);
    }
}

static void
test_edited_values (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "s.evox", NULL);
  g_autofree char *tiff = g_build_filename (dir, "small.tif", NULL);
  g_autoptr (EvoxDocument) document = new_document ();
  g_autoptr (EvoxSession) session = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  const char *values[] = { "null", "\"text\"", "-1", "-0.5", "1e300", "4294967296", "true",
                           "[]", "{}", "[1e308, -1e308]", "99" };
  JsonNode *replacements[G_N_ELEMENTS (values)];
  guint count = 0;
  guint64 state = 5;
  gsize length;

  /* Small, so that the hundreds of applies stay quick; every section of the file filled. */
  write_small (tiff);
  open_into (document, tiff);
  edit_small (document);
  session = capture (document);
  g_assert_true (evox_session_save (session, path, FALSE, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    replacements[i] = json_from_string (values[i], &error);
  g_assert_no_error (error);

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  g_assert_no_error (error);
  replace_values (json_parser_get_root (parser), json_parser_get_root (parser), replacements,
                  G_N_ELEMENTS (values), dir, &count);
  g_assert_cmpuint (count, >, 1000);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    json_node_unref (replacements[i]);

  /* Random bytes: most no longer parse, the others apply what they can. */
  g_assert_true (g_file_get_contents (path, &text, &length, NULL));
  for (guint round = 0; round < 300; round++)
    {
      g_autofree char *copy = g_strndup (text, length);

      for (guint k = 0; k < 3; k++)
        copy[evox_test_random (&state) % length] = (char) (32 + evox_test_random (&state) % 95);
      try_session_text (dir, copy);
    }
  g_assert_true (wait_for_surfaces (document));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Maps with the metadata evox_xanes_maps writes: the session records those numbers (as numbers;
 * a metadata value that is no number is left out), whether the maps were shown, and apply adds
 * maps the window computed again (evox_session_set_maps) before the display, so the display's
 * channel is the map's. */
static void
test_xanes_maps_record (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "small.tif", NULL);
  g_autoptr (EvoxDocument) document = new_document ();
  g_autoptr (EvoxDocument) restored_document = new_document ();
  g_autoptr (EvoxVolume) maps = evox_test_volume_new (10, 8, 6, EVOX_SAMPLE_F32);
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (EvoxSession) session = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *record;

  write_small (tiff);
  open_into (document, tiff);
  evox_volume_set_channel_info (maps, 0, "edge_energy", NAN);
  evox_volume_set_metadata (maps, "xanes_e0", "8345.5");
  evox_volume_set_metadata (maps, "xanes_pre1", "-150");
  evox_volume_set_metadata (maps, "xanes_nnorm", "1");
  evox_volume_set_metadata (maps, "xanes_mask_k", "not a number");
  add_frozen_maps (document, maps);
  session = capture (document);
  record = json_object_get_object_member (evox_session_get_root (session), "xanes-maps");
  g_assert_nonnull (record);
  g_assert_cmpfloat (json_object_get_double_member (record, "e0"), ==, 8345.5);
  g_assert_cmpfloat (json_object_get_double_member (record, "pre1"), ==, -150);
  g_assert_cmpfloat (json_object_get_double_member (record, "nnorm"), ==, 1);
  g_assert_false (json_object_has_member (record, "mask_k"));
  g_assert_false (json_object_has_member (record, "pre2"));
  g_assert_false (json_object_get_boolean_member (record, "norm"));
  g_assert_true (json_object_get_boolean_member (record, "shown"));

  /* The maps given back are shown, at the recorded channel of theirs. */
  volume = evox_session_load_input (session, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_session_set_maps (session, maps);
  g_assert_true (evox_session_apply (session, restored_document, volume, &error));
  g_assert_no_error (error);
  g_assert_true (evox_document_get_show_maps (restored_document));
  g_assert_cmpmem (evox_volume_get_data (evox_document_get_maps (restored_document), 0),
                   10 * 8 * 6 * 4, evox_volume_get_data (maps, 0), 10 * 8 * 6 * 4);

  /* Without maps, no record. */
  evox_document_clear_maps (document);
  g_clear_object (&session);
  session = capture (document);
  g_assert_false (json_object_has_member (evox_session_get_root (session), "xanes-maps"));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A 10 x 8 x 6 f32 maps volume with the given channel labels, channel c filled with base + c. */
static EvoxVolume *
labelled_maps (const char * const *labels,
               guint               n,
               float               base)
{
  EvoxVolume *maps = evox_volume_new (10, 8, 6, n, EVOX_SAMPLE_F32, NULL);

  for (guint c = 0; c < n; c++)
    {
      float *data = evox_volume_get_data_mut (maps, c);

      evox_volume_set_channel_info (maps, c, labels[c], NAN);
      for (gsize i = 0; i < 10 * 8 * 6; i++)
        data[i] = base + (float) c;
    }
  return maps;
}

/* Elemental maps with the metadata evox_elements_maps writes: the session records the edges, the
 * pairs of the pair method (none for the fit, whose stale pair keys are left out), the matrix,
 * the channel order and whether they were shown; apply merges the XANES and elemental maps given
 * back in that order (a fit's matrix and residual after the XANES maps). */
static void
test_elements_maps_record (void)
{
  static const char * const pair_labels[] = { "Mn", "Ni" };
  static const char * const xanes_labels[] = { "edge_energy" };
  static const char * const fit_labels[] = { "Mn", "Ni", "residual" };
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "small.tif", NULL);
  g_autoptr (EvoxDocument) document = new_document ();
  g_autoptr (EvoxDocument) restored_document = new_document ();
  g_autoptr (EvoxVolume) pair = labelled_maps (pair_labels, 2, 1);
  g_autoptr (EvoxVolume) xanes = labelled_maps (xanes_labels, 1, 10);
  g_autoptr (EvoxVolume) fit = labelled_maps (fit_labels, 3, 20);
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (EvoxSession) session = NULL;
  g_autoptr (GError) error = NULL;
  EvoxVolume *restored;
  JsonObject *record;
  JsonArray *array;

  write_small (tiff);
  open_into (document, tiff);
  evox_volume_set_metadata (pair, "elements_method", "pair");
  evox_volume_set_metadata (pair, "elements_edges", "Mn_K,Ni_K");
  evox_volume_set_metadata (pair, "elements_pair_Mn", "6534:6558");
  evox_volume_set_metadata (pair, "elements_pair_Ni", "8178:8570");
  add_frozen_maps (document, pair);
  session = capture (document);
  record = json_object_get_object_member (evox_session_get_root (session), "elements-maps");
  g_assert_nonnull (record);
  g_assert_cmpstr (json_object_get_string_member (record, "element"), ==, "Mn_K,Ni_K");
  g_assert_cmpstr (json_object_get_string_member (record, "method"), ==, "pair");
  array = json_object_get_array_member (record, "pairs");
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (array, 0), ==, "Mn=6534:6558");
  g_assert_cmpstr (json_array_get_string_element (array, 1), ==, "Ni=8178:8570");
  g_assert_true (json_object_get_null_member (record, "matrix"));
  g_assert_true (json_object_get_null_member (record, "values"));
  g_assert_false (json_object_get_boolean_member (record, "register"));
  g_assert_true (json_object_get_boolean_member (record, "shown"));

  /* XANES maps, then the fit with a matrix: its new channel goes after them. */
  add_frozen_maps (document, xanes);
  evox_volume_set_metadata (fit, "elements_method", "fit");
  evox_volume_set_metadata (fit, "elements_edges", "Mn_K,Ni_K");
  evox_volume_set_metadata (fit, "elements_matrix", "O");
  add_frozen_maps (document, fit);
  evox_document_set_show_maps (document, FALSE);
  g_clear_object (&session);
  session = capture (document);
  record = json_object_get_object_member (evox_session_get_root (session), "elements-maps");
  g_assert_cmpstr (json_object_get_string_member (record, "method"), ==, "fit");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (record, "pairs")), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (record, "matrix"), ==, "O");
  /* The fit replaced every map of the pair run: one run left, no "runs". */
  g_assert_false (json_object_has_member (record, "runs"));
  g_assert_false (json_object_get_boolean_member (record, "shown"));
  array = json_object_get_array_member (record, "channels");
  g_assert_cmpuint (json_array_get_length (array), ==, 4);
  g_assert_cmpstr (json_array_get_string_element (array, 2), ==, "edge_energy");
  g_assert_cmpstr (json_array_get_string_element (array, 3), ==, "residual");

  volume = evox_session_load_input (session, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_session_set_maps (session, xanes);
  evox_session_set_elements_maps (session, fit);
  g_assert_true (evox_session_apply (session, restored_document, volume, &error));
  g_assert_no_error (error);
  g_assert_false (evox_document_get_show_maps (restored_document));
  restored = evox_document_get_maps (restored_document);
  g_assert_cmpuint (evox_volume_get_n_channels (restored), ==, 4);
  for (guint c = 0; c < 4; c++)
    {
      const char *label = json_array_get_string_element (array, c);
      EvoxVolume *from = c == 2 ? xanes : fit;

      g_assert_cmpstr (evox_volume_get_channel_label (restored, c), ==, label);
      g_assert_cmpmem (evox_volume_get_data (restored, c), 10 * 8 * 6 * 4,
                       evox_volume_get_data (from, evox_volume_find_channel (from, label)),
                       10 * 8 * 6 * 4);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Three Compute Elements runs, XANES maps between the first two: the pair run of Mn and Ni, the
 * fit of Co with an O matrix, a pair run of Ni alone (its Ni replacing the first run's in
 * place). The session records the three runs in order (the first keeps its Mn), with their
 * elements, pairs, methods and matrices; the same maps given back run by run (as the window
 * computes them again) are applied in the recorded channel order, each channel the map of the
 * last run that made it, voxel for voxel; saved again, the restored document records the same
 * runs. */
static void
test_elements_runs (void)
{
  static const char * const first_labels[] = { "Mn", "Ni" };
  static const char * const xanes_labels[] = { "edge_energy" };
  static const char * const fit_labels[] = { "Co", "matrix", "residual" };
  static const char * const last_labels[] = { "Ni" };
  static const char * const order[] = { "Mn", "Ni", "edge_energy", "Co", "matrix", "residual" };
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "small.tif", NULL);
  g_autofree char *path = g_build_filename (dir, "runs.evox", NULL);
  g_autoptr (EvoxDocument) document = new_document ();
  g_autoptr (EvoxDocument) restored_document = new_document ();
  g_autoptr (EvoxVolume) first = labelled_maps (first_labels, 2, 1);
  g_autoptr (EvoxVolume) xanes = labelled_maps (xanes_labels, 1, 10);
  g_autoptr (EvoxVolume) fit = labelled_maps (fit_labels, 3, 20);
  g_autoptr (EvoxVolume) last = labelled_maps (last_labels, 1, 30);
  EvoxVolume *runs_made[] = { first, fit, last };
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (EvoxSession) session = NULL, loaded = NULL, again = NULL;
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) runs_node = NULL, again_node = NULL;
  g_autofree char *runs_text = NULL, *again_text = NULL;
  g_autoptr (GPtrArray) listed = NULL;
  g_autoptr (GError) error = NULL;
  EvoxVolume *original, *restored;
  JsonObject *record, *run;
  JsonArray *runs;

  write_small (tiff);
  open_into (document, tiff);
  evox_volume_set_metadata (first, "elements_method", "pair");
  evox_volume_set_metadata (first, "elements_edges", "Mn_K,Ni_K");
  evox_volume_set_metadata (first, "elements_pair_Mn", "6534:6558");
  evox_volume_set_metadata (first, "elements_pair_Ni", "8178:8570");
  evox_volume_set_metadata (fit, "elements_method", "fit");
  evox_volume_set_metadata (fit, "elements_edges", "Co_K");
  evox_volume_set_metadata (fit, "elements_matrix", "O");
  evox_volume_set_metadata (last, "elements_method", "pair");
  evox_volume_set_metadata (last, "elements_edges", "Ni_K");
  evox_volume_set_metadata (last, "elements_pair_Ni", "8324:8354");
  g_assert_true (evox_document_add_maps (document, first, NULL, &error));
  g_assert_true (evox_document_add_maps (document, xanes, NULL, &error));
  g_assert_true (evox_document_add_maps (document, fit, NULL, &error));
  g_assert_true (evox_document_add_maps (document, last, NULL, &error));
  g_assert_no_error (error);
  original = evox_document_get_maps (document);
  g_assert_cmpuint (evox_volume_get_n_channels (original), ==, G_N_ELEMENTS (order));

  session = capture (document);
  g_assert_true (evox_session_save (session, path, FALSE, &error));
  g_assert_no_error (error);
  loaded = evox_session_load (path, &error);
  g_assert_no_error (error);
  record = json_object_get_object_member (evox_session_get_root (loaded), "elements-maps");
  /* The last run is the record's own keys, as before runs were recorded. */
  g_assert_cmpstr (json_object_get_string_member (record, "element"), ==, "Ni_K");
  runs = json_object_get_array_member (record, "runs");
  g_assert_cmpuint (json_array_get_length (runs), ==, 3);
  run = json_array_get_object_element (runs, 0);
  g_assert_cmpstr (json_object_get_string_member (run, "element"), ==, "Mn_K,Ni_K");
  g_assert_cmpstr (json_object_get_string_member (run, "method"), ==, "pair");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (run, "pairs")), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (run, "pairs"),
                                                  1), ==, "Ni=8178:8570");
  g_assert_true (json_object_get_null_member (run, "matrix"));
  run = json_array_get_object_element (runs, 1);
  g_assert_cmpstr (json_object_get_string_member (run, "element"), ==, "Co_K");
  g_assert_cmpstr (json_object_get_string_member (run, "method"), ==, "fit");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (run, "pairs")), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (run, "matrix"), ==, "O");
  run = json_array_get_object_element (runs, 2);
  g_assert_cmpstr (json_object_get_string_member (run, "element"), ==, "Ni_K");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (run, "pairs"),
                                                  0), ==, "Ni=8324:8354");
  listed = evox_session_elements_runs (record);
  g_assert_cmpuint (listed->len, ==, 3);
  g_assert_true (listed->pdata[1] == json_array_get_object_element (runs, 1));

  /* The window computes each run again and gives it back, in order. */
  volume = evox_session_load_input (loaded, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_session_set_maps (loaded, xanes);
  for (guint r = 0; r < G_N_ELEMENTS (runs_made); r++)
    evox_session_add_elements_maps (loaded, runs_made[r]);
  g_assert_true (evox_session_apply (loaded, restored_document, volume, &error));
  g_assert_no_error (error);
  restored = evox_document_get_maps (restored_document);
  g_assert_cmpuint (evox_volume_get_n_channels (restored), ==, G_N_ELEMENTS (order));
  for (guint c = 0; c < G_N_ELEMENTS (order); c++)
    {
      g_assert_cmpstr (evox_volume_get_channel_label (original, c), ==, order[c]);
      g_assert_cmpstr (evox_volume_get_channel_label (restored, c), ==, order[c]);
      g_assert_cmpmem (evox_volume_get_data (restored, c), 10 * 8 * 6 * 4,
                       evox_volume_get_data (original, c), 10 * 8 * 6 * 4);
    }
  /* Ni is the last run's (30), not the first's (1 + 1). */
  g_assert_cmpfloat (((const float *) evox_volume_get_data (restored, 1))[0], ==, 30.0f);

  again = evox_session_capture (restored_document, NULL, &error);
  g_assert_no_error (error);
  runs_node = json_node_init_array (json_node_alloc (), runs);
  again_node = json_node_init_array (json_node_alloc (),
                                     json_object_get_array_member (
                                       json_object_get_object_member (
                                         evox_session_get_root (again), "elements-maps"),
                                       "runs"));
  json_generator_set_root (generator, runs_node);
  runs_text = json_generator_to_data (generator, NULL);
  json_generator_set_root (generator, again_node);
  again_text = json_generator_to_data (generator, NULL);
  g_assert_cmpstr (again_text, ==, runs_text);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Evox/Session/round-trip-demo", test_round_trip_demo);
  g_test_add_func ("/Evox/Session/round-trip-file", test_round_trip_file);
  g_test_add_func ("/Evox/Session/missing-and-changed", test_missing_and_changed);
  g_test_add_func ("/Evox/Session/folder-hash", test_folder_hash);
  g_test_add_func ("/Evox/Session/missing-keys", test_missing_keys);
  g_test_add_func ("/Evox/Session/extra-keys", test_extra_keys);
  g_test_add_func ("/Evox/Session/records", test_records);
  g_test_add_func ("/Evox/Session/newer-version", test_newer_version);
  g_test_add_func ("/Evox/Session/malformed", test_malformed);
  g_test_add_func ("/Evox/Session/save-exists", test_save_exists);
  g_test_add_func ("/Evox/Session/ssrm-options", test_ssrm_options);
  g_test_add_func ("/Evox/Session/edited-values", test_edited_values);
  g_test_add_func ("/Evox/Session/xanes-maps-record", test_xanes_maps_record);
  g_test_add_func ("/Evox/Session/elements-maps-record", test_elements_maps_record);
  g_test_add_func ("/Evox/Session/elements-runs", test_elements_runs);
  return g_test_run ();
}
