/* test-document-maps.c: the document's maps beside the stack: merge by label, the stack / maps
 * switch keeping each side's state, per-map display defaults (checked against brute force),
 * NaN-free fractions and particle means on a map, maps dropped on a new file or registration,
 * refusals, and notifications only on change. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evox-document.h"
#include "evox-measurement.h"
#include "evox-test-registration.h"
#include "evox-test-util.h"

#define NX 16
#define NY 12
#define NZ 4
#define NV (NX * NY * NZ)

typedef struct
{
  guint volume;
  guint maps;
  guint show_maps;
  guint channel;
  guint colormap;
  guint slice;
  guint view;
} Counts;

static void
watch (EvoxDocument *doc,
       Counts       *counts)
{
  evox_test_count_notify (doc, "volume", &counts->volume);
  evox_test_count_notify (doc, "maps", &counts->maps);
  evox_test_count_notify (doc, "show-maps", &counts->show_maps);
  evox_test_count_notify (doc, "channel", &counts->channel);
  evox_test_count_notify (doc, "colormap", &counts->colormap);
  evox_test_count_notify (doc, "slice-x", &counts->slice);
  evox_test_count_notify (doc, "slice-y", &counts->slice);
  evox_test_count_notify (doc, "slice-z", &counts->slice);
  evox_test_count_notify (doc, "view", &counts->view);
}

/* A u16 spectral stack of three energies around the Ni K-edge, spacing 10 x 20 x 30 nm. */
static EvoxVolume *
make_stack (void)
{
  static const double energies[] = { 8330, 8345, 8360 };
  g_autoptr (GError) error = NULL;
  EvoxVolume *stack = evox_volume_new (NX, NY, NZ, 3, EVOX_SAMPLE_U16, &error);
  const double spacing[3] = { 10, 20, 30 };
  const double origin[3] = { 5, 6, 7 };

  g_assert_no_error (error);
  for (guint c = 0; c < 3; c++)
    {
      guint16 *data = evox_volume_get_data_mut (stack, c);
      g_autofree char *label = g_strdup_printf ("%.0f eV", energies[c]);

      for (gsize i = 0; i < NV; i++)
        data[i] = (guint16) (100 * (c + 1) + i % 97);
      evox_volume_set_channel_info (stack, c, label, energies[c]);
    }
  evox_volume_set_spacing (stack, spacing);
  evox_volume_set_origin (stack, origin);
  evox_volume_freeze (stack);
  return stack;
}

/* Edge energies around 8340 eV with a spread, NaN outside a mask (every 5th voxel): values
 * from a fixed pseudo-random sequence so the median is not a round number. */
static float
edge_value (gsize i)
{
  guint32 h = (guint32) i * 2654435761u;

  if (i % 5 == 0)
    return NAN;
  return 8335.0f + (float) (h % 10007) / 10007.0f * 8.0f + (float) (i % 3);
}

/* Maps of `n` channels labelled labels[c], f32, of the given dims (spacing 1, as a maker that did
 * not set it). Channel c holds base + c + a voxel pattern; an "edge_energy" channel holds
 * edge_value, a "mask" channel whether edge_value is finite. */
static EvoxVolume *
make_maps (gsize              nx,
           const char * const *labels,
           guint              n,
           float              base)
{
  g_autoptr (GError) error = NULL;
  EvoxVolume *maps = evox_volume_new (nx, NY, NZ, n, EVOX_SAMPLE_F32, &error);

  g_assert_no_error (error);
  for (guint c = 0; c < n; c++)
    {
      float *data = evox_volume_get_data_mut (maps, c);

      evox_volume_set_channel_info (maps, c, labels[c], NAN);
      for (gsize i = 0; i < nx * NY * NZ; i++)
        {
          if (g_str_equal (labels[c], "edge_energy"))
            data[i] = edge_value (i) + base;
          else if (g_str_equal (labels[c], "mask"))
            data[i] = isnan (edge_value (i)) ? 0 : 1;
          else
            data[i] = base + c + (float) (i % 7);
        }
      if (g_str_equal (labels[c], "edge_energy"))
        evox_volume_set_channel_values (maps, c, EVOX_SCALE_LINEAR, "energy", "eV");
      else if (g_str_equal (labels[c], "Ni"))
        evox_volume_set_channel_values (maps, c, EVOX_SCALE_LINEAR, "areal mass", "ug/cm^2");
    }
  evox_volume_freeze (maps);
  return maps;
}

/* How far the fine histogram's quantile may lie from numpy's: the gap between the values around
 * it plus two fine bins. */
static double
quantile_slack (const double *sorted,
                gsize         n,
                double        q,
                double        bin)
{
  gsize k = (gsize) floor (q * (n - 1));

  return (k + 1 < n ? sorted[k + 1] - sorted[MAX (k, 1) - 1] : 0) + 2 * bin;
}

static void
test_merge_by_label (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) stack = make_stack ();
  const char *first_labels[] = { "edge_energy", "mask", "whiteline_height" };
  const char *second_labels[] = { "Ni", "edge_energy" };
  g_autoptr (EvoxVolume) first = make_maps (NX, first_labels, 3, 0);
  g_autoptr (EvoxVolume) second = make_maps (NX, second_labels, 2, 100);
  g_autoptr (GError) error = NULL;
  EvoxVolume *maps;
  double spacing[3], origin[3];

  evox_document_set_volume (doc, stack, "stack", NULL);
  g_assert_null (evox_document_get_maps (doc));
  g_assert_true (evox_document_get_stack (doc) == stack);

  g_assert_true (evox_document_add_maps (doc, first, "mask", &error));
  g_assert_no_error (error);
  maps = evox_document_get_maps (doc);
  /* A copy of the caller's maps on the stack's grid, frozen. */
  g_assert_nonnull (maps);
  g_assert_true (maps != first);
  g_assert_true (evox_volume_is_frozen (maps));
  g_assert_true (evox_document_get_show_maps (doc));
  g_assert_true (evox_document_get_volume (doc) == maps);
  g_assert_true (evox_document_get_stack (doc) == stack);
  g_assert_cmpuint (evox_document_get_channel (doc), ==, 1);
  evox_volume_get_spacing (maps, spacing);
  evox_volume_get_origin (maps, origin);
  g_assert_cmpfloat (spacing[0], ==, 10);
  g_assert_cmpfloat (spacing[1], ==, 20);
  g_assert_cmpfloat (spacing[2], ==, 30);
  g_assert_cmpfloat (origin[2], ==, 7);
  g_assert_cmpuint (evox_volume_get_n_channels (maps), ==, 3);
  g_assert_cmpstr (evox_volume_get_channel_quantity (maps, 0), ==, "energy");
  g_assert_cmpstr (evox_volume_get_channel_unit (maps, 0), ==, "eV");
  for (gsize i = 0; i < NV; i++)
    for (guint c = 0; c < 3; c++)
      {
        const float *a = evox_volume_get_data (maps, c), *b = evox_volume_get_data (first, c);
        g_assert_true (a[i] == b[i] || (isnan (a[i]) && isnan (b[i])));
      }

  /* "edge_energy" replaced in place, "Ni" appended; shown: the first of the new maps. */
  g_assert_true (evox_document_add_maps (doc, second, NULL, &error));
  g_assert_no_error (error);
  maps = evox_document_get_maps (doc);
  g_assert_cmpuint (evox_volume_get_n_channels (maps), ==, 4);
  g_assert_cmpstr (evox_volume_get_channel_label (maps, 0), ==, "edge_energy");
  g_assert_cmpstr (evox_volume_get_channel_label (maps, 1), ==, "mask");
  g_assert_cmpstr (evox_volume_get_channel_label (maps, 2), ==, "whiteline_height");
  g_assert_cmpstr (evox_volume_get_channel_label (maps, 3), ==, "Ni");
  g_assert_cmpstr (evox_volume_get_channel_quantity (maps, 3), ==, "areal mass");
  g_assert_cmpstr (evox_volume_get_channel_unit (maps, 3), ==, "ug/cm^2");
  g_assert_cmpuint (evox_document_get_channel (doc), ==, 3);
  g_assert_true (evox_document_get_volume (doc) == maps);
  g_assert_cmpfloat (evox_volume_get_value (maps, 0, 1, 0, 0), ==, edge_value (1) + 100);
  g_assert_cmpfloat (evox_volume_get_value (maps, 2, 1, 0, 0), ==, 2 + 1);
  g_assert_cmpfloat (evox_volume_get_value (maps, 3, 1, 0, 0), ==, 100 + 1);
  g_assert_true (evox_document_get_stack (doc) == stack);

  /* A normalised energy keeps its energy. */
  {
    g_autoptr (EvoxVolume) norm = evox_volume_new (NX, NY, NZ, 1, EVOX_SAMPLE_F32, &error);

    g_assert_no_error (error);
    memset (evox_volume_get_data_mut (norm, 0), 0, NV * sizeof (float));
    evox_volume_set_channel_info (norm, 0, "norm 8345 eV", 8345);
    g_assert_true (evox_document_add_maps (doc, norm, NULL, &error));
    g_assert_cmpfloat (evox_volume_get_channel_energy (evox_document_get_maps (doc), 4), ==,
                       8345);
  }

  evox_document_clear_maps (doc);
  g_assert_null (evox_document_get_maps (doc));
  g_assert_false (evox_document_get_show_maps (doc));
  g_assert_true (evox_document_get_volume (doc) == stack);
}

static void
test_refused (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxDocument) empty = evox_document_new ();
  g_autoptr (EvoxVolume) stack = make_stack ();
  const char *labels[] = { "edge_energy", "mask" };
  g_autoptr (EvoxVolume) good = make_maps (NX, labels, 2, 0);
  g_autoptr (EvoxVolume) wide = make_maps (NX + 1, labels, 2, 0);
  g_autoptr (EvoxVolume) other = make_maps (NX, labels, 2, 50);
  g_autoptr (GError) error = NULL;
  Counts counts = { 0 };
  EvoxVolume *maps;

  /* No stack. */
  g_assert_false (evox_document_add_maps (empty, good, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (evox_document_get_maps (empty));

  evox_document_set_volume (doc, stack, "stack", NULL);
  g_assert_true (evox_document_add_maps (doc, good, NULL, &error));
  maps = evox_document_get_maps (doc);
  evox_document_set_show_maps (doc, FALSE);
  watch (doc, &counts);

  /* Other dims, another sample type (the stack itself), a map that is not there. */
  g_assert_false (evox_document_add_maps (doc, wide, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "17 x 12 x 4"));
  g_clear_error (&error);
  g_assert_false (evox_document_add_maps (doc, stack, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (evox_document_add_maps (doc, other, "white_line", &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "white_line"));
  g_clear_error (&error);

  g_assert_true (evox_document_get_maps (doc) == maps);
  g_assert_false (evox_document_get_show_maps (doc));
  g_assert_true (evox_document_get_volume (doc) == stack);
  g_assert_cmpfloat (evox_volume_get_value (maps, 0, 1, 0, 0), ==, edge_value (1));
  g_assert_cmpuint (counts.volume + counts.maps + counts.show_maps + counts.channel +
                    counts.colormap, ==, 0);
}

/* The stack side as a user leaves it: channel 2, inferno on a log mapping, a range, a phase with
 * its surface, a z slice view, slices moved, a ruler. */
static void
set_up_stack_side (EvoxDocument *doc,
                   EvoxPhase    *phase)
{
  const double a[3] = { 5, 26, 7 }, b[3] = { 95, 86, 7 };
  g_autoptr (EvoxMeasurement) ruler = evox_measurement_new (2, 0, a, b);

  evox_document_set_channel (doc, 2);
  evox_document_set_colormap (doc, "inferno");
  evox_document_set_mapping (doc, EVOX_MAPPING_LOG);
  evox_document_set_range (doc, 320, 390);
  evox_phase_list_append (evox_document_get_phases (doc), phase);
  evox_document_set_selected_phase (doc, 0);
  evox_document_add_phase_surface (doc, phase);
  evox_document_set_view (doc, EVOX_VIEW_SLICE_Z);
  evox_document_set_slice (doc, 0, 3);
  evox_document_set_slice (doc, 1, 9);
  evox_measurement_list_append (evox_document_get_measurements (doc), ruler);
}

static void
assert_stack_side (EvoxDocument *doc,
                   EvoxVolume   *stack,
                   EvoxPhase    *phase)
{
  EvoxSurfaceList *surfaces = evox_document_get_surfaces (doc);
  double lo, hi;

  g_assert_false (evox_document_get_show_maps (doc));
  g_assert_true (evox_document_get_volume (doc) == stack);
  g_assert_cmpuint (evox_document_get_channel (doc), ==, 2);
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "inferno");
  g_assert_cmpint (evox_document_get_mapping (doc), ==, EVOX_MAPPING_LOG);
  evox_document_get_range (doc, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 320);
  g_assert_cmpfloat (hi, ==, 390);
  g_assert_cmpuint (evox_phase_list_get_n_phases (evox_document_get_phases (doc)), ==, 1);
  g_assert_true (evox_phase_list_get_phase (evox_document_get_phases (doc), 0) == phase);
  g_assert_cmpint (evox_document_get_selected_phase (doc), ==, 0);
  g_assert_cmpuint (evox_surface_list_get_n_surfaces (surfaces), ==, 1);
  g_assert_true (evox_surface_get_phase (evox_surface_list_get_surface (surfaces, 0)) == phase);
  g_assert_cmpuint (evox_surface_get_spec (evox_surface_list_get_surface (surfaces, 0))->channel,
                    ==, 2);
}

static void
assert_kept_across (EvoxDocument *doc)
{
  g_assert_cmpint (evox_document_get_view (doc), ==, EVOX_VIEW_SLICE_Z);
  g_assert_cmpuint (evox_document_get_slice (doc, 0), ==, 3);
  g_assert_cmpuint (evox_document_get_slice (doc, 1), ==, 9);
  g_assert_cmpuint (evox_document_get_slice (doc, 2), ==, NZ / 2);
  g_assert_cmpuint (evox_measurement_list_get_n_measurements (evox_document_get_measurements (doc)),
                    ==, 1);
  g_assert_cmpstr (evox_document_get_title (doc), ==, "stack");
}

static void
test_switch_keeps_sides (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) stack = make_stack ();
  g_autoptr (EvoxPhase) bright = evox_phase_new ("bright", 330, 380, "#ff0000");
  g_autoptr (EvoxPhase) reduced = NULL;
  const char *labels[] = { "edge_energy", "mask", "whiteline_height" };
  g_autoptr (EvoxVolume) first = make_maps (NX, labels, 3, 0);
  g_autoptr (EvoxLabels) particles = NULL;
  g_autoptr (GError) error = NULL;
  EvoxSurfaceList *surfaces = evox_document_get_surfaces (doc);
  Counts counts = { 0 };
  double lo, hi;

  _evox_document_set_surface_delay (doc, 1000000);
  evox_document_set_volume (doc, stack, "stack", NULL);
  set_up_stack_side (doc, bright);
  assert_stack_side (doc, stack, bright);
  particles = evox_labels_compute (stack, 2, "bright", 330, 380, EVOX_CONNECTIVITY_6, 0,
                                   NULL, NULL, &error);
  g_assert_no_error (error);
  evox_document_set_labels (doc, particles);
  evox_document_add_particle_surface (doc, 0);
  g_assert_cmpuint (evox_surface_list_get_n_surfaces (surfaces), ==, 2);
  g_clear_object (&particles);
  watch (doc, &counts);

  /* To the maps: their own (empty) phases and surfaces, the edge channel's display; particles
   * dropped with their surface. */
  g_assert_true (evox_document_add_maps (doc, first, "edge_energy", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counts.volume, ==, 1);
  g_assert_cmpuint (counts.show_maps, ==, 1);
  g_assert_cmpuint (counts.maps, ==, 1);
  g_assert_cmpuint (counts.channel, ==, 1);
  g_assert_cmpuint (counts.slice + counts.view, ==, 0);
  g_assert_null (evox_document_get_labels (doc));
  g_assert_cmpuint (evox_document_get_channel (doc), ==, 0);
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "coolwarm");
  g_assert_cmpint (evox_document_get_mapping (doc), ==, EVOX_MAPPING_LINEAR);
  g_assert_cmpuint (evox_phase_list_get_n_phases (evox_document_get_phases (doc)), ==, 0);
  g_assert_cmpint (evox_document_get_selected_phase (doc), ==, -1);
  g_assert_cmpuint (evox_surface_list_get_n_surfaces (surfaces), ==, 0);
  assert_kept_across (doc);

  /* The user's work on the maps: a phase on the edge energy with a surface, a colour map. */
  reduced = evox_phase_new ("reduced Ni", 8330, 8338, "#0000ff");
  evox_phase_list_append (evox_document_get_phases (doc), reduced);
  evox_document_add_phase_surface (doc, reduced);
  evox_document_set_colormap (doc, "magma");
  evox_document_set_range (doc, 8334, 8346);

  /* Back to the stack: all of it as it was, the maps' phase gone with its surface. */
  counts = (Counts) { 0 };
  evox_document_set_show_maps (doc, FALSE);
  g_assert_cmpuint (counts.volume, ==, 1);
  g_assert_cmpuint (counts.show_maps, ==, 1);
  g_assert_cmpuint (counts.maps, ==, 0);
  g_assert_cmpuint (counts.slice + counts.view, ==, 0);
  assert_stack_side (doc, stack, bright);
  assert_kept_across (doc);
  g_assert_true (evox_document_get_stack (doc) == stack);
  g_assert_nonnull (evox_document_get_maps (doc));

  /* Again: nothing. */
  evox_document_set_show_maps (doc, FALSE);
  g_object_set (doc, "show-maps", FALSE, NULL);
  g_assert_cmpuint (counts.volume + counts.show_maps, ==, 2);

  /* And to the maps once more: their phase, surface and display come back. */
  counts = (Counts) { 0 };
  g_object_set (doc, "show-maps", TRUE, NULL);
  g_assert_cmpuint (counts.volume, ==, 1);
  g_assert_cmpuint (counts.show_maps, ==, 1);
  g_assert_true (evox_document_get_volume (doc) == evox_document_get_maps (doc));
  g_assert_true (evox_document_get_stack (doc) == stack);
  g_assert_cmpuint (evox_phase_list_get_n_phases (evox_document_get_phases (doc)), ==, 1);
  g_assert_true (evox_phase_list_get_phase (evox_document_get_phases (doc), 0) == reduced);
  g_assert_cmpuint (evox_surface_list_get_n_surfaces (surfaces), ==, 1);
  g_assert_true (evox_surface_get_phase (evox_surface_list_get_surface (surfaces, 0)) ==
                 reduced);
  g_assert_cmpuint (evox_document_get_channel (doc), ==, 0);
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "magma");
  evox_document_get_range (doc, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 8334);
  g_assert_cmpfloat (hi, ==, 8346);
  assert_kept_across (doc);

  /* A new XANES run replaces the maps in place: the maps' phase stays. */
  counts = (Counts) { 0 };
  g_assert_true (evox_document_add_maps (doc, first, "edge_energy", &error));
  g_assert_cmpuint (counts.volume, ==, 1);
  g_assert_cmpuint (counts.maps, ==, 1);
  g_assert_cmpuint (counts.show_maps + counts.channel, ==, 0);
  g_assert_cmpuint (evox_phase_list_get_n_phases (evox_document_get_phases (doc)), ==, 1);

  /* Clearing the maps goes back to the stack. */
  counts = (Counts) { 0 };
  evox_document_clear_maps (doc);
  g_assert_cmpuint (counts.volume, ==, 1);
  g_assert_cmpuint (counts.maps, ==, 1);
  g_assert_cmpuint (counts.show_maps, ==, 1);
  assert_stack_side (doc, stack, bright);
  evox_document_clear_maps (doc);
  evox_document_set_show_maps (doc, TRUE);
  g_assert_cmpuint (counts.volume + counts.maps + counts.show_maps, ==, 3);
  g_assert_false (evox_document_get_show_maps (doc));
}

/* Maps opened as a file (no stack beside them) show their energy map and mask as the maps do
 * beside a stack: the same colour map and range as a document that added them as maps (checked
 * against display-defaults' brute force above), grey 0..1 for the mask; another map gets the
 * colour map shown before and its data range, and so does the next file. Before, a reopened
 * edge-energy map came up in viridis over its data range. */
static void
test_file_of_maps (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxDocument) beside = evox_document_new ();
  g_autoptr (EvoxVolume) stack = make_stack ();
  const char *labels[] = { "edge_energy", "mask", "whiteline_height" };
  g_autoptr (EvoxVolume) maps = make_maps (NX, labels, 3, 0);
  g_autoptr (GError) error = NULL;
  double lo, hi, want_lo, want_hi;

  evox_document_set_volume (beside, stack, "stack", NULL);
  g_assert_true (evox_document_add_maps (beside, maps, "edge_energy", &error));
  g_assert_no_error (error);
  evox_document_get_range (beside, &want_lo, &want_hi);
  g_assert_cmpstr (evox_document_get_colormap (beside), ==, "coolwarm");

  evox_document_set_colormap (doc, "inferno");
  evox_document_set_volume (doc, maps, "maps.h5", NULL);
  g_assert_false (evox_document_get_show_maps (doc));
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "coolwarm");
  evox_document_get_range (doc, &lo, &hi);
  g_assert_cmpfloat (lo, ==, want_lo);
  g_assert_cmpfloat (hi, ==, want_hi);

  evox_document_set_channel (doc, 1);
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "grey");
  evox_document_get_range (doc, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 0);
  g_assert_cmpfloat (hi, ==, 1);

  evox_document_set_channel (doc, 2);
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "inferno");
  evox_document_get_range (doc, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 2);
  g_assert_cmpfloat (hi, ==, 2 + 6);

  evox_document_set_channel (doc, 0);
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "coolwarm");
  evox_document_set_volume (doc, stack, "stack", NULL);
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "inferno");
}

static void
test_display_defaults (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) stack = make_stack ();
  const char *labels[] = { "edge_energy", "mask", "whiteline_height" };
  g_autoptr (EvoxVolume) first = make_maps (NX, labels, 3, 0);
  g_autoptr (EvoxVolume) shifted = make_maps (NX, labels, 1, 500);
  g_autoptr (GError) error = NULL;
  g_autofree double *sorted = g_new (double, NV);
  EvoxFineHistogram *hist;
  gsize n = 0;
  double lo, hi, median, p5, p95, half, bin;

  evox_document_set_volume (doc, stack, "stack", NULL);
  g_assert_true (evox_document_add_maps (doc, first, NULL, &error));
  g_assert_no_error (error);

  /* Brute force: numpy.percentile of the finite edge energies. */
  for (gsize i = 0; i < NV; i++)
    if (!isnan (edge_value (i)))
      sorted[n++] = edge_value (i);
  qsort (sorted, n, sizeof (double), evox_test_compare_doubles);
  median = evox_test_percentile (sorted, n, 0.5);
  p5 = evox_test_percentile (sorted, n, 0.05);
  p95 = evox_test_percentile (sorted, n, 0.95);
  half = MAX (median - p5, p95 - median);
  hist = evox_volume_get_fine_histogram (evox_document_get_maps (doc), 0);
  bin = evox_fine_histogram_get_bin_width (hist);
  g_assert_cmpuint (evox_fine_histogram_get_n_nonfinite (hist), ==, NV - n);

  g_assert_cmpuint (evox_document_get_channel (doc), ==, 0);
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "coolwarm");
  evox_document_get_range (doc, &lo, &hi);
  g_assert_cmpfloat_with_epsilon ((lo + hi) / 2, median, quantile_slack (sorted, n, 0.5, bin));
  g_assert_cmpfloat_with_epsilon ((hi - lo) / 2, half,
                                  quantile_slack (sorted, n, 0.5, bin) +
                                  MAX (quantile_slack (sorted, n, 0.05, bin),
                                       quantile_slack (sorted, n, 0.95, bin)));
  /* The spread is skewed (the i % 3 steps): a range of the data's ends would not be centred. */
  g_assert_cmpfloat (fabs (median - (sorted[0] + sorted[n - 1]) / 2), >, 0.05);

  /* The mask grey over 0..1; another map viridis over its data. */
  evox_document_set_channel (doc, 1);
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "grey");
  evox_document_get_range (doc, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 0);
  g_assert_cmpfloat (hi, ==, 1);
  evox_document_set_channel (doc, 2);
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "viridis");
  evox_document_get_range (doc, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 2);
  g_assert_cmpfloat (hi, ==, 2 + 6);

  /* What the user picks on a map stays with that map: a colour map alone, ... */
  evox_document_set_colormap (doc, "inferno");
  evox_document_set_channel (doc, 0);
  evox_document_set_channel (doc, 2);
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "inferno");
  evox_document_get_range (doc, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 2);
  /* ... or with a range. */
  evox_document_set_channel (doc, 0);
  evox_document_set_colormap (doc, "plasma");
  evox_document_set_range (doc, 8336, 8344);
  evox_document_set_channel (doc, 1);
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "grey");
  evox_document_set_show_maps (doc, FALSE);
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "viridis");
  evox_document_set_channel (doc, 1);
  evox_document_set_colormap (doc, "cividis");
  evox_document_set_show_maps (doc, TRUE);
  evox_document_set_channel (doc, 0);
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "plasma");
  evox_document_get_range (doc, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 8336);
  g_assert_cmpfloat (hi, ==, 8344);
  /* ... also through a new run of the same map, while the document lives ... */
  g_assert_true (evox_document_add_maps (doc, first, "mask", &error));
  g_assert_true (evox_document_add_maps (doc, first, "edge_energy", &error));
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "plasma");
  evox_document_get_range (doc, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 8336);
  g_assert_cmpfloat (hi, ==, 8344);
  /* ... but a range that misses every value of the new map gives way to its default. */
  g_assert_true (evox_document_add_maps (doc, shifted, "edge_energy", &error));
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "plasma");
  evox_document_get_range (doc, &lo, &hi);
  g_assert_cmpfloat_with_epsilon ((lo + hi) / 2, median + 500,
                                  quantile_slack (sorted, n, 0.5, bin) + 0.01);
  /* The stack kept its own colour map and channel. */
  evox_document_set_show_maps (doc, FALSE);
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "cividis");
  g_assert_cmpuint (evox_document_get_channel (doc), ==, 1);
}

static void
test_nan_fractions_and_particles (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) stack = make_stack ();
  const char *labels[] = { "edge_energy", "mask" };
  g_autoptr (EvoxVolume) first = make_maps (NX, labels, 2, 0);
  g_autoptr (EvoxPhase) reduced = evox_phase_new ("reduced", 8336, 8340.5, "#0000ff");
  g_autoptr (EvoxLabels) particles = NULL;
  g_autoptr (GError) error = NULL;
  EvoxVolume *maps;
  const guint32 *ids;
  guint64 finite = 0, inside = 0;
  double fraction;

  evox_document_set_volume (doc, stack, "stack", NULL);
  g_assert_true (evox_document_add_maps (doc, first, "edge_energy", &error));
  maps = evox_document_get_volume (doc);
  evox_phase_list_append (evox_document_get_phases (doc), reduced);

  /* The phase's fraction is of the voxels with a value (NaN is outside the mask). */
  for (gsize i = 0; i < NV; i++)
    {
      double v = edge_value (i);

      finite += !isnan (v);
      inside += v >= 8336 && v <= 8340.5;
    }
  fraction = evox_phase_fraction (reduced, evox_document_get_histogram (doc));
  g_assert_cmpfloat (inside, <, finite);
  g_assert_cmpfloat (finite, <, NV);
  /* Within one fine bin's count per edge; the bins are narrow enough that none holds 2. */
  g_assert_cmpfloat_with_epsilon (fraction, (double) inside / finite, 2.5 / finite);
  g_assert_cmpfloat (fabs (fraction - (double) inside / NV), >, 0.05);

  /* Particles of the phase: no NaN voxel in any, and each particle's mean edge energy that of
   * its voxels. */
  particles = evox_labels_compute (maps, 0, "reduced", 8336, 8340.5, EVOX_CONNECTIVITY_6, 0,
                                   NULL, NULL, &error);
  g_assert_no_error (error);
  evox_document_set_labels (doc, particles);
  ids = evox_labels_get_data (particles);
  g_assert_cmpuint (evox_labels_get_n_particles (particles), >, 3);
  for (guint id = 1; id <= evox_labels_get_n_particles (particles); id++)
    {
      const EvoxParticle *p = evox_labels_get_particle (particles, id);
      double sum = 0;
      guint64 count = 0;

      for (gsize i = 0; i < NV; i++)
        if (ids[i] == id)
          {
            g_assert_false (isnan (edge_value (i)));
            sum += edge_value (i);
            count++;
          }
      g_assert_cmpuint (p->voxels, ==, count);
      g_assert_cmpfloat_with_epsilon (p->mean, sum / count, 1e-6);
    }
  for (gsize i = 0; i < NV; i++)
    if (isnan (edge_value (i)))
      g_assert_cmpuint (ids[i], ==, 0);
}

static void
test_dropped_on_new_file (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) stack = make_stack ();
  g_autoptr (EvoxVolume) next = make_stack ();
  g_autoptr (EvoxPhase) bright = evox_phase_new ("bright", 330, 380, "#ff0000");
  g_autoptr (EvoxPhase) reduced = evox_phase_new ("reduced", 8330, 8338, "#0000ff");
  const char *labels[] = { "edge_energy" };
  g_autoptr (EvoxVolume) first = make_maps (NX, labels, 1, 0);
  g_autoptr (GError) error = NULL;
  Counts counts = { 0 };

  evox_document_set_volume (doc, stack, "stack", NULL);
  evox_phase_list_append (evox_document_get_phases (doc), bright);
  g_assert_true (evox_document_add_maps (doc, first, NULL, &error));
  evox_phase_list_append (evox_document_get_phases (doc), reduced);
  watch (doc, &counts);

  /* Another file: the maps go; the stack's phases, not the maps', carry over. */
  evox_document_set_volume (doc, next, "next", NULL);
  g_assert_null (evox_document_get_maps (doc));
  g_assert_false (evox_document_get_show_maps (doc));
  g_assert_true (evox_document_get_volume (doc) == next);
  g_assert_true (evox_document_get_stack (doc) == next);
  g_assert_cmpuint (counts.volume, ==, 1);
  g_assert_cmpuint (counts.maps, ==, 1);
  g_assert_cmpuint (counts.show_maps, ==, 1);
  g_assert_cmpuint (evox_phase_list_get_n_phases (evox_document_get_phases (doc)), ==, 1);
  g_assert_true (evox_phase_list_get_phase (evox_document_get_phases (doc), 0) == bright);
  evox_document_set_show_maps (doc, TRUE);
  g_assert_false (evox_document_get_show_maps (doc));

  /* Maps kept on the stack side are dropped too. */
  g_assert_true (evox_document_add_maps (doc, first, NULL, &error));
  evox_document_set_show_maps (doc, FALSE);
  evox_document_set_volume (doc, NULL, NULL, NULL);
  g_assert_null (evox_document_get_maps (doc));
  g_assert_null (evox_document_get_stack (doc));
}

static void
test_registration (void)
{
  g_autoptr (EvoxDocument) doc = evox_document_new ();
  g_autoptr (EvoxVolume) raw = NULL;
  g_autoptr (EvoxRegistration) registration = evox_test_registration_new (24, 20, 5, &raw);
  g_autoptr (EvoxRegistration) second = NULL;
  EvoxVolume *registered = evox_registration_get_registered (registration);
  EvoxRegistrationEntry entries[EVOX_TEST_REG_N];
  g_autoptr (EvoxVolume) maps = NULL;
  g_autoptr (GError) error = NULL;
  Counts counts = { 0 };
  const double spacing[3] = { 7, 7, 3 };
  double got[3];

  evox_document_set_volume (doc, raw, "stack", NULL);
  g_assert_true (evox_document_set_registration (doc, registration));
  maps = evox_volume_new (24, 20, 1, 1, EVOX_SAMPLE_F32, &error);
  g_assert_no_error (error);
  memset (evox_volume_get_data_mut (maps, 0), 0, 24 * 20 * sizeof (float));
  evox_volume_set_channel_info (maps, 0, "edge_energy", NAN);
  evox_volume_freeze (maps);

  /* The stack behind the maps is the registered one, and the one the view says. */
  g_assert_true (evox_document_add_maps (doc, maps, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (evox_document_get_stack (doc) == registered);
  evox_document_set_registration_view (doc, EVOX_REGISTRATION_VIEW_RAW);
  g_assert_false (evox_document_get_show_maps (doc));
  g_assert_true (evox_document_get_volume (doc) == raw);
  g_assert_true (evox_document_get_stack (doc) == raw);
  g_assert_nonnull (evox_document_get_maps (doc));
  evox_document_set_show_maps (doc, TRUE);
  g_assert_true (evox_document_get_stack (doc) == raw);

  /* A voxel size stated on the maps is the stack's too (one sample). */
  evox_document_set_voxel_size (doc, spacing);
  evox_volume_get_spacing (raw, got);
  g_assert_cmpfloat (got[0], ==, 7);
  evox_volume_get_spacing (registered, got);
  g_assert_cmpfloat (got[0], ==, 7);
  g_assert_cmpfloat (got[2], ==, 3);
  evox_volume_get_spacing (evox_document_get_maps (doc), got);
  g_assert_cmpfloat (got[1], ==, 7);

  /* A new registration of the same raw stack, asked for while the maps are shown: maps gone. */
  for (guint i = 0; i < EVOX_TEST_REG_N; i++)
    entries[i] = *evox_registration_get_entry (registration, i);
  second = evox_registration_new (raw, registered, entries, EVOX_TEST_REG_N, "energy");
  watch (doc, &counts);
  g_assert_true (evox_document_set_registration (doc, second));
  g_assert_null (evox_document_get_maps (doc));
  g_assert_false (evox_document_get_show_maps (doc));
  g_assert_true (evox_document_get_volume (doc) == registered);
  g_assert_cmpuint (counts.maps, ==, 1);
  g_assert_cmpuint (counts.show_maps, ==, 1);
  g_assert_cmpuint (counts.volume, ==, 1);

  /* Revert drops them too. */
  g_assert_true (evox_document_add_maps (doc, maps, NULL, &error));
  g_assert_true (evox_document_set_registration (doc, NULL));
  g_assert_null (evox_document_get_maps (doc));
  g_assert_true (evox_document_get_volume (doc) == raw);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/DocumentMaps/merge-by-label", test_merge_by_label);
  g_test_add_func ("/Evox/DocumentMaps/refused", test_refused);
  g_test_add_func ("/Evox/DocumentMaps/switch-keeps-sides", test_switch_keeps_sides);
  g_test_add_func ("/Evox/DocumentMaps/display-defaults", test_display_defaults);
  g_test_add_func ("/Evox/DocumentMaps/file-of-maps", test_file_of_maps);
  g_test_add_func ("/Evox/DocumentMaps/nan-fractions-and-particles",
                   test_nan_fractions_and_particles);
  g_test_add_func ("/Evox/DocumentMaps/dropped-on-new-file", test_dropped_on_new_file);
  g_test_add_func ("/Evox/DocumentMaps/registration", test_registration);
  return g_test_run ();
}
