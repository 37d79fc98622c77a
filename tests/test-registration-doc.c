/* test-registration-doc.c: the document's registration: the registered stack replaces the raw one
 * keeping what the user set up, the before/after switch, Revert, a new file clearing it, a result
 * for another volume refused, and notifications only on change. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>

#include "evox-document.h"
#include "evox-test-registration.h"
#include "evox-test-util.h"

typedef struct
{
  guint volume;
  guint registration;
  guint view;
  guint channel;
  guint colormap;
  guint range;
  guint slice;
} Counts;

static void
watch (EvoxDocument *doc,
       Counts       *counts)
{
  evox_test_count_notify (doc, "volume", &counts->volume);
  evox_test_count_notify (doc, "registration", &counts->registration);
  evox_test_count_notify (doc, "registration-view", &counts->view);
  evox_test_count_notify (doc, "channel", &counts->channel);
  evox_test_count_notify (doc, "colormap", &counts->colormap);
  evox_test_count_notify (doc, "range-lo", &counts->range);
  evox_test_count_notify (doc, "range-hi", &counts->range);
  evox_test_count_notify (doc, "slice-x", &counts->slice);
  evox_test_count_notify (doc, "slice-y", &counts->slice);
  evox_test_count_notify (doc, "slice-z", &counts->slice);
}

/* A document showing the raw stack with the user's settings: channel of 7725 eV, inferno,
 * range 150..900, view Z slice, slices moved, a phase. */
static EvoxDocument *
set_up (EvoxRegistration **registration_out,
        EvoxVolume       **raw_out)
{
  EvoxDocument *doc = evox_document_new ();
  g_autoptr (EvoxPhase) phase = evox_phase_new ("disc", 500, 1200, "#ff0000");

  *registration_out = evox_test_registration_new (24, 20, 5, raw_out);
  evox_document_set_volume (doc, *raw_out, "stack", "/tmp/stack.txt");
  evox_document_set_channel (doc, 2);
  evox_document_set_colormap (doc, "inferno");
  evox_document_set_range (doc, 150, 900);
  evox_document_set_view (doc, EVOX_VIEW_SLICE_Z);
  evox_document_set_slice (doc, 0, 3);
  evox_document_set_slice (doc, 1, 17);
  evox_phase_list_append (evox_document_get_phases (doc), phase);
  return doc;
}

static void
assert_settings_kept (EvoxDocument *doc)
{
  double lo, hi;

  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "inferno");
  evox_document_get_range (doc, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 150);
  g_assert_cmpfloat (hi, ==, 900);
  g_assert_cmpint (evox_document_get_view (doc), ==, EVOX_VIEW_SLICE_Z);
  g_assert_cmpuint (evox_document_get_slice (doc, 0), ==, 3);
  g_assert_cmpuint (evox_document_get_slice (doc, 1), ==, 17);
  g_assert_cmpuint (evox_document_get_slice (doc, 2), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (evox_document_get_phases (doc))),
                    ==, 1);
  g_assert_cmpstr (evox_document_get_title (doc), ==, "stack");
  g_assert_cmpstr (evox_document_get_path (doc), ==, "/tmp/stack.txt");
}

static double
shown_energy (EvoxDocument *doc)
{
  return evox_volume_get_channel_energy (evox_document_get_volume (doc),
                                         evox_document_get_channel (doc));
}

static void
test_set (void)
{
  g_autoptr (EvoxRegistration) registration = NULL;
  g_autoptr (EvoxVolume) raw = NULL;
  g_autoptr (EvoxDocument) doc = set_up (&registration, &raw);
  Counts counts = { 0 };

  g_assert_null (evox_document_get_registration (doc));
  g_assert_cmpint (evox_document_get_registration_view (doc), ==,
                   EVOX_REGISTRATION_VIEW_REGISTERED);
  watch (doc, &counts);
  g_assert_true (evox_document_set_registration (doc, registration));
  g_assert_true (evox_document_get_registration (doc) == registration);
  g_assert_true (evox_document_get_volume (doc) == evox_registration_get_registered (registration));
  g_assert_cmpuint (counts.registration, ==, 1);
  g_assert_cmpuint (counts.volume, ==, 1);
  g_assert_cmpuint (counts.view, ==, 0);
  g_assert_cmpuint (counts.colormap, ==, 0);
  g_assert_cmpuint (counts.slice, ==, 0);
  /* 7725 eV is raw channel 2 and, 7712.5 eV being excluded, registered channel 1. */
  g_assert_cmpuint (evox_document_get_channel (doc), ==, 1);
  g_assert_cmpfloat (shown_energy (doc), ==, 7725);
  g_assert_cmpuint (counts.channel, ==, 1);
  g_assert_cmpuint (counts.range, ==, 0);
  assert_settings_kept (doc);
  /* The voxels shown are the registered ones: the disc at the centre plus the offset of 5. */
  g_assert_cmpfloat (evox_volume_get_value (evox_document_get_volume (doc), 1, 11, 9, 0), ==,
                     1005);

  /* The same registration again: nothing happens. */
  g_assert_true (evox_document_set_registration (doc, registration));
  g_assert_cmpuint (counts.registration, ==, 1);
  g_assert_cmpuint (counts.volume, ==, 1);
}

static void
test_toggle (void)
{
  g_autoptr (EvoxRegistration) registration = NULL;
  g_autoptr (EvoxVolume) raw = NULL;
  g_autoptr (EvoxDocument) doc = set_up (&registration, &raw);
  EvoxVolume *registered = evox_registration_get_registered (registration);
  Counts counts = { 0 };

  g_assert_true (evox_document_set_registration (doc, registration));
  watch (doc, &counts);

  evox_document_set_registration_view (doc, EVOX_REGISTRATION_VIEW_RAW);
  g_assert_true (evox_document_get_volume (doc) == raw);
  g_assert_cmpuint (counts.view, ==, 1);
  g_assert_cmpuint (counts.volume, ==, 1);
  g_assert_cmpuint (counts.registration, ==, 0);
  g_assert_cmpfloat (shown_energy (doc), ==, 7725);
  g_assert_cmpuint (evox_document_get_channel (doc), ==, 2);
  assert_settings_kept (doc);
  /* Switching is not recomputing: the registration object and its volumes stay the same. */
  g_assert_true (evox_document_get_registration (doc) == registration);
  g_assert_true (evox_registration_get_registered (registration) == registered);

  /* Again: no change, no notification. */
  evox_document_set_registration_view (doc, EVOX_REGISTRATION_VIEW_RAW);
  g_object_set (doc, "registration-view", EVOX_REGISTRATION_VIEW_RAW, NULL);
  g_assert_cmpuint (counts.view, ==, 1);
  g_assert_cmpuint (counts.volume, ==, 1);

  /* The excluded energy, shown raw, has no registered image: back on the reference's. */
  evox_document_set_channel (doc, EVOX_TEST_REG_EXCLUDED);
  g_object_set (doc, "registration-view", EVOX_REGISTRATION_VIEW_REGISTERED, NULL);
  g_assert_true (evox_document_get_volume (doc) == registered);
  g_assert_cmpuint (counts.view, ==, 2);
  g_assert_cmpuint (counts.volume, ==, 2);
  g_assert_cmpfloat (shown_energy (doc), ==, evox_test_reg_energies[EVOX_TEST_REG_N - 1]);
  g_assert_cmpuint (evox_document_get_channel (doc), ==, EVOX_TEST_REG_N - 2);
  g_assert_cmpstr (evox_document_get_colormap (doc), ==, "inferno");
  g_assert_cmpuint (evox_document_get_slice (doc, 1), ==, 17);
}

static void
test_revert (void)
{
  g_autoptr (EvoxRegistration) registration = NULL;
  g_autoptr (EvoxVolume) raw = NULL;
  g_autoptr (EvoxDocument) doc = set_up (&registration, &raw);
  Counts counts = { 0 };

  g_assert_true (evox_document_set_registration (doc, registration));
  evox_document_set_registration_view (doc, EVOX_REGISTRATION_VIEW_RAW);
  evox_document_set_registration_view (doc, EVOX_REGISTRATION_VIEW_REGISTERED);
  watch (doc, &counts);

  g_assert_true (evox_document_set_registration (doc, NULL));
  g_assert_null (evox_document_get_registration (doc));
  g_assert_true (evox_document_get_volume (doc) == raw);
  g_assert_cmpint (evox_document_get_registration_view (doc), ==,
                   EVOX_REGISTRATION_VIEW_REGISTERED);
  g_assert_cmpuint (counts.registration, ==, 1);
  g_assert_cmpuint (counts.volume, ==, 1);
  g_assert_cmpuint (counts.view, ==, 0);
  g_assert_cmpfloat (shown_energy (doc), ==, 7725);
  assert_settings_kept (doc);

  /* Without a registration there is nothing raw to switch to, and nothing to revert. */
  evox_document_set_registration_view (doc, EVOX_REGISTRATION_VIEW_RAW);
  g_assert_cmpint (evox_document_get_registration_view (doc), ==,
                   EVOX_REGISTRATION_VIEW_REGISTERED);
  g_assert_true (evox_document_set_registration (doc, NULL));
  g_assert_cmpuint (counts.registration, ==, 1);
  g_assert_cmpuint (counts.volume, ==, 1);
  g_assert_cmpuint (counts.view, ==, 0);

  /* Reverting while the raw stack is shown changes no volume. */
  g_assert_true (evox_document_set_registration (doc, registration));
  evox_document_set_registration_view (doc, EVOX_REGISTRATION_VIEW_RAW);
  counts = (Counts) { 0 };
  g_assert_true (evox_document_set_registration (doc, NULL));
  g_assert_true (evox_document_get_volume (doc) == raw);
  g_assert_cmpuint (counts.volume, ==, 0);
  g_assert_cmpuint (counts.registration, ==, 1);
  g_assert_cmpuint (counts.view, ==, 1);
}

static void
test_new_volume_clears (void)
{
  g_autoptr (EvoxRegistration) registration = NULL;
  g_autoptr (EvoxVolume) raw = NULL;
  g_autoptr (EvoxDocument) doc = set_up (&registration, &raw);
  g_autoptr (EvoxRegistration) other = NULL;
  g_autoptr (EvoxVolume) other_raw = NULL;
  Counts counts = { 0 };

  g_assert_true (evox_document_set_registration (doc, registration));
  evox_document_set_registration_view (doc, EVOX_REGISTRATION_VIEW_RAW);
  watch (doc, &counts);

  other = evox_test_registration_new (16, 16, 0, &other_raw);
  evox_document_set_volume (doc, other_raw, "other", NULL);
  g_assert_null (evox_document_get_registration (doc));
  g_assert_cmpint (evox_document_get_registration_view (doc), ==,
                   EVOX_REGISTRATION_VIEW_REGISTERED);
  g_assert_cmpuint (counts.registration, ==, 1);
  g_assert_cmpuint (counts.view, ==, 1);

  /* Loading the same file again starts without a registration too. */
  g_assert_true (evox_document_set_registration (doc, other));
  counts = (Counts) { 0 };
  evox_document_set_volume (doc, other_raw, "other", NULL);
  g_assert_null (evox_document_get_registration (doc));
  g_assert_cmpuint (counts.registration, ==, 1);
  g_assert_cmpuint (counts.view, ==, 0);
}

static void
test_refused (void)
{
  g_autoptr (EvoxRegistration) registration = NULL;
  g_autoptr (EvoxVolume) raw = NULL;
  g_autoptr (EvoxDocument) doc = set_up (&registration, &raw);
  g_autoptr (EvoxRegistration) stale = NULL;
  g_autoptr (EvoxVolume) stale_raw = NULL;
  g_autoptr (EvoxDocument) empty = evox_document_new ();
  Counts counts = { 0 };

  /* A result for a stack that is no longer open (or never was) changes nothing. */
  stale = evox_test_registration_new (24, 20, 0, &stale_raw);
  watch (doc, &counts);
  g_assert_false (evox_document_set_registration (doc, stale));
  g_assert_false (evox_document_set_registration (empty, stale));
  g_assert_null (evox_document_get_registration (doc));
  g_assert_true (evox_document_get_volume (doc) == raw);
  g_assert_cmpuint (counts.registration + counts.volume + counts.view + counts.channel, ==, 0);
}

static void
test_replace (void)
{
  g_autoptr (EvoxRegistration) first = NULL;
  g_autoptr (EvoxVolume) raw = NULL;
  g_autoptr (EvoxDocument) doc = set_up (&first, &raw);
  g_autoptr (EvoxRegistration) second = NULL;
  EvoxRegistrationEntry entries[EVOX_TEST_REG_N];
  Counts counts = { 0 };

  /* A second run on the raw stack of the first, the registered stack still shown, while the
   * user looks at the raw stack: the new result is shown registered. */
  for (guint i = 0; i < EVOX_TEST_REG_N; i++)
    entries[i] = *evox_registration_get_entry (first, i);
  second = evox_registration_new (raw, evox_registration_get_registered (first), entries,
                                  EVOX_TEST_REG_N, "energy");
  g_assert_true (evox_document_set_registration (doc, first));
  evox_document_set_registration_view (doc, EVOX_REGISTRATION_VIEW_RAW);
  evox_document_set_registration_view (doc, EVOX_REGISTRATION_VIEW_REGISTERED);
  evox_document_set_registration_view (doc, EVOX_REGISTRATION_VIEW_RAW);
  watch (doc, &counts);
  g_assert_true (evox_document_set_registration (doc, second));
  g_assert_true (evox_document_get_registration (doc) == second);
  g_assert_cmpint (evox_document_get_registration_view (doc), ==,
                   EVOX_REGISTRATION_VIEW_REGISTERED);
  g_assert_true (evox_document_get_volume (doc) == evox_registration_get_registered (second));
  g_assert_cmpuint (counts.registration, ==, 1);
  g_assert_cmpuint (counts.view, ==, 1);
  g_assert_cmpuint (counts.volume, ==, 1);
  g_assert_cmpfloat (shown_energy (doc), ==, 7725);
}

/* Clusters of the registered stack: two ids, split at x = 12, on the registration's grid. */
static EvoxClusters *
half_clusters (EvoxVolume *volume)
{
  g_autoptr (GError) error = NULL;
  gsize dims[3];
  guint16 *ids;
  EvoxClusters *clusters;

  evox_volume_get_dims (volume, dims);
  /* new_take frees them as the large allocation they must be. */
  ids = _evox_alloc_large (dims[0] * dims[1] * dims[2] * sizeof (guint16));
  for (gsize i = 0; i < dims[0] * dims[1] * dims[2]; i++)
    ids[i] = i % dims[0] < 12 ? 1 : 2;
  clusters = evox_clusters_new_take (dims, ids, 2, 0, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return clusters;
}

static void
test_clusters_round_trip (void)
{
  g_autoptr (EvoxRegistration) registration = NULL;
  g_autoptr (EvoxVolume) raw = NULL;
  g_autoptr (EvoxDocument) doc = set_up (&registration, &raw);
  g_autoptr (EvoxClusters) clusters = NULL;
  g_autoptr (GError) error = NULL;
  EvoxVolume *registered = evox_registration_get_registered (registration);
  EvoxVolume *derived;
  guint n_registered = evox_volume_get_n_channels (registered);
  EvoxPhase *phase;
  double lo, hi;

  g_assert_true (evox_document_set_registration (doc, registration));
  clusters = half_clusters (registered);
  g_assert_true (evox_document_set_clusters (doc, clusters));
  phase = evox_document_cluster_to_phase (doc, 2, &error);
  g_assert_no_error (error);
  g_assert_nonnull (phase);
  derived = evox_document_get_volume (doc);
  g_assert_true (derived != registered);
  g_assert_cmpuint (evox_volume_get_n_channels (derived), ==, n_registered + 1);
  g_assert_cmpuint (evox_document_get_channel (doc), ==, n_registered);
  evox_document_get_range (doc, &lo, &hi);

  /* Raw: the stack as loaded, without the registered grid's clusters. */
  evox_document_set_registration_view (doc, EVOX_REGISTRATION_VIEW_RAW);
  g_assert_true (evox_document_get_volume (doc) == raw);
  g_assert_null (evox_document_get_clusters (doc));
  g_assert_cmpuint (evox_document_get_channel (doc), <, evox_volume_get_n_channels (raw));
  /* The cluster ids' range means nothing for the raw values: the channel's data range. */
  {
    double lo2, hi2, lo3, hi3;

    evox_document_get_range (doc, &lo2, &hi2);
    g_assert_false (lo2 == lo && hi2 == hi);
    evox_document_reset_range (doc);
    evox_document_get_range (doc, &lo3, &hi3);
    g_assert_cmpfloat (lo2, ==, lo3);
    g_assert_cmpfloat (hi2, ==, hi3);
  }

  /* Back: the same derived volume, its Clusters channel shown, the clusters and the phase. */
  evox_document_set_registration_view (doc, EVOX_REGISTRATION_VIEW_REGISTERED);
  g_assert_true (evox_document_get_volume (doc) == derived);
  g_assert_true (evox_document_get_clusters (doc) == clusters);
  g_assert_cmpuint (evox_document_get_channel (doc), ==, n_registered);
  g_assert_cmpstr (evox_volume_get_channel_label (derived, n_registered), ==,
                   EVOX_DOCUMENT_CLUSTER_CHANNEL);
  {
    double lo2, hi2;

    evox_document_get_range (doc, &lo2, &hi2);
    g_assert_cmpfloat (lo2, ==, lo);
    g_assert_cmpfloat (hi2, ==, hi);
  }
  g_assert_true (evox_phase_list_find (evox_document_get_phases (doc),
                                       evox_phase_get_name (phase)) >= 0);
  /* A second Make Phase reuses the channel rather than copying the volume again. */
  g_assert_nonnull (evox_document_cluster_to_phase (doc, 1, &error));
  g_assert_no_error (error);
  g_assert_true (evox_document_get_volume (doc) == derived);

  /* Revert: the raw stack, and a new registration forgets the old derived volume. */
  g_assert_true (evox_document_set_registration (doc, NULL));
  g_assert_true (evox_document_get_volume (doc) == raw);
  g_assert_null (evox_document_get_clusters (doc));
  g_assert_true (evox_document_set_registration (doc, registration));
  g_assert_true (evox_document_get_volume (doc) == registered);
}

static void
test_voxel_size_both (void)
{
  g_autoptr (EvoxRegistration) registration = NULL;
  g_autoptr (EvoxVolume) raw = NULL;
  g_autoptr (EvoxDocument) doc = set_up (&registration, &raw);
  EvoxVolume *registered = evox_registration_get_registered (registration);
  const double raw_spacing[3] = { 10, 10, 40 };
  const double registered_spacing[3] = { 12, 12, 40 };
  const double stated[3] = { 6, 6, 20 };
  double got[3];

  /* A raw stack whose reference pixel is 12 nm against the volume's 10 (registered stacks take
   * the reference's pixel size), each energy's pixel size stated. */
  evox_volume_set_spacing (raw, raw_spacing);
  evox_volume_set_spacing (registered, registered_spacing);
  evox_volume_set_channel_pixel_size (raw, 0, 11);
  evox_volume_set_channel_pixel_size (raw, EVOX_TEST_REG_N - 1, 12);
  g_assert_true (evox_document_set_registration (doc, registration));

  /* The user says the registered voxels are 6 x 6 x 20 nm: half of what they were. */
  evox_document_set_voxel_size (doc, stated);
  evox_volume_get_spacing (registered, got);
  g_assert_cmpfloat_with_epsilon (got[0], 6, 1e-12);
  g_assert_cmpfloat_with_epsilon (got[2], 20, 1e-12);
  evox_volume_get_spacing (raw, got);
  g_assert_cmpfloat_with_epsilon (got[0], 5, 1e-12);
  g_assert_cmpfloat_with_epsilon (got[1], 5, 1e-12);
  g_assert_cmpfloat_with_epsilon (got[2], 20, 1e-12);
  g_assert_cmpfloat_with_epsilon (evox_volume_get_channel_pixel_size (raw, 0), 5.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (evox_volume_get_channel_pixel_size (raw, EVOX_TEST_REG_N - 1),
                                  6, 1e-12);

  /* Stated on the raw view, the registered one follows the same way. */
  evox_document_set_registration_view (doc, EVOX_REGISTRATION_VIEW_RAW);
  evox_document_set_voxel_size (doc, raw_spacing);
  evox_volume_get_spacing (registered, got);
  g_assert_cmpfloat_with_epsilon (got[0], 12, 1e-12);
  g_assert_cmpfloat_with_epsilon (got[2], 40, 1e-12);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/RegistrationDoc/set", test_set);
  g_test_add_func ("/Evox/RegistrationDoc/toggle", test_toggle);
  g_test_add_func ("/Evox/RegistrationDoc/revert", test_revert);
  g_test_add_func ("/Evox/RegistrationDoc/new-volume-clears", test_new_volume_clears);
  g_test_add_func ("/Evox/RegistrationDoc/refused", test_refused);
  g_test_add_func ("/Evox/RegistrationDoc/replace", test_replace);
  g_test_add_func ("/Evox/RegistrationDoc/clusters-round-trip", test_clusters_round_trip);
  g_test_add_func ("/Evox/RegistrationDoc/voxel-size-both", test_voxel_size_both);
  return g_test_run ();
}
