/* test-metrics.c: evox_metrics_compute on small made volumes against brute force, analytic
 * values and the library calls it gathers; the table as text and as CSV read back. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "evox-interface-area.h"
#include "evox-local-thickness.h"
#include "evox-metrics-csv.h"
#include "evox-metrics.h"
#include "evox-percolation.h"
#include "evox-test-util.h"
#include "evox-tortuosity.h"
#include "evox-types.h"

/* A u8 volume whose voxels fill calls: value 1 where inside (x, y, z) says, else 0. */
typedef gboolean (*InsideFunc) (gsize x, gsize y, gsize z);

static EvoxVolume *
make_volume (gsize       nx,
             gsize       ny,
             gsize       nz,
             InsideFunc  inside,
             double      spacing_nm)
{
  g_autoptr (GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (nx, ny, nz, 1, EVOX_SAMPLE_U8, &error);
  guint8 *v;

  g_assert_no_error (error);
  v = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 0; z < nz; z++)
    for (gsize y = 0; y < ny; y++)
      for (gsize x = 0; x < nx; x++)
        v[(z * ny + y) * nx + x] = inside (x, y, z) ? 1 : 0;
  if (spacing_nm > 0)
    {
      double spacing[3] = { spacing_nm, spacing_nm, spacing_nm };

      evox_volume_set_spacing (volume, spacing);
    }
  evox_volume_freeze (volume);
  return volume;
}

static double one_lo = 1, one_hi = 1, zero_lo = 0, zero_hi = 0;

static void
request_init (EvoxMetricsRequest *request)
{
  memset (request, 0, sizeof *request);
  request->phase = (EvoxMetricsPhase) { (char *) "pore", 0, 1, &one_lo, &one_hi };
}

/* The row's value, asserting there is exactly one such row. */
static const EvoxMetricsRow *
find_row (EvoxMetrics *table,
          const char  *metric,
          const char  *phase,
          const char  *axis)
{
  const EvoxMetricsRow *found = NULL;

  for (guint i = 0; i < evox_metrics_get_n_rows (table); i++)
    {
      const EvoxMetricsRow *row = evox_metrics_get_row (table, i);

      if (g_str_equal (row->metric, metric) && g_str_equal (row->phase, phase) &&
          g_str_equal (row->axis, axis))
        {
          g_assert_null (found);
          found = row;
        }
    }
  if (found == NULL)
    g_error ("no row %s %s %s", metric, phase, axis);
  return found;
}

static double
value_of (EvoxMetrics *table,
          const char  *metric,
          const char  *phase,
          const char  *axis)
{
  return find_row (table, metric, phase, axis)->value;
}

/* A 2 x 3 channel straight along z through 8 x 8 x 10 voxels. */
static gboolean
channel (gsize x,
         gsize y,
         gsize z)
{
  return x >= 3 && x < 5 && y >= 2 && y < 5;
}

/* TauFactor's tau of a straight channel is 1 exactly (D_eff / D is then the porosity); the
 * channel does not reach the x and y faces, so there it does not percolate. */
static void
test_channel (void)
{
  g_autoptr (EvoxVolume) volume = make_volume (8, 8, 10, channel, 0);
  g_autoptr (EvoxMetrics) table = NULL;
  g_autoptr (GError) error = NULL;
  EvoxMetricsRequest request;
  double porosity = 6.0 / 64.0;

  request_init (&request);
  request.tortuosity[0] = request.tortuosity[2] = TRUE;
  request.tolerance = 1e-10;
  table = evox_metrics_compute (volume, &request, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (value_of (table, "porosity", "pore", ""), porosity, 1e-15);
  g_assert_cmpfloat_with_epsilon (value_of (table, "tortuosity_factor", "pore", "z"), 1.0, 1e-8);
  g_assert_cmpfloat_with_epsilon (value_of (table, "effective_diffusivity", "pore", "z"),
                                  porosity, 1e-9);
  g_assert_nonnull (strstr (find_row (table, "tortuosity_factor", "pore", "z")->note,
                            "iterations"));
  /* Not an error: infinity, the reason, D_eff 0. */
  g_assert_true (isinf (value_of (table, "tortuosity_factor", "pore", "x")));
  g_assert_nonnull (strstr (find_row (table, "tortuosity_factor", "pore", "x")->note,
                            "not percolating"));
  g_assert_cmpfloat (value_of (table, "effective_diffusivity", "pore", "x"), ==, 0.0);
  /* Only what was asked: no y rows, no percolation. */
  g_assert_cmpuint (evox_metrics_get_n_rows (table), ==, 5);
}

/* Plates z = 0, 2, 4, 6, 8 of 7 x 6 x 10 voxels: across z nothing connects; along x and y every
 * plate does. */
static gboolean
plates (gsize x,
        gsize y,
        gsize z)
{
  return z % 2 == 0;
}

static void
test_plates (void)
{
  g_autoptr (EvoxVolume) volume = make_volume (7, 6, 10, plates, 0);
  g_autoptr (EvoxMetrics) table = NULL;
  g_autoptr (GError) error = NULL;
  EvoxMetricsRequest request;

  request_init (&request);
  request.tortuosity[0] = request.tortuosity[1] = request.tortuosity[2] = TRUE;
  request.percolation = TRUE;
  request.connectivity = 26;
  table = evox_metrics_compute (volume, &request, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (isinf (value_of (table, "tortuosity_factor", "pore", "z")));
  g_assert_false (isnan (value_of (table, "tortuosity_factor", "pore", "z")));
  g_assert_cmpfloat (value_of (table, "effective_diffusivity", "pore", "z"), ==, 0.0);
  g_assert_nonnull (strstr (find_row (table, "effective_diffusivity", "pore", "z")->note,
                            "not percolating"));
  g_assert_cmpfloat_with_epsilon (value_of (table, "tortuosity_factor", "pore", "x"), 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (value_of (table, "tortuosity_factor", "pore", "y"), 1.0, 1e-6);

  /* By hand: along z the plate at z = 0 touches the low face only (z = 9 is empty), the other
   * four touch neither; along x and y every plate touches both. */
  g_assert_cmpfloat (value_of (table, "percolating_fraction", "pore", "z"), ==, 0.0);
  g_assert_cmpfloat_with_epsilon (value_of (table, "one_face_fraction", "pore", "z"), 0.2, 1e-15);
  g_assert_cmpfloat_with_epsilon (value_of (table, "isolated_fraction", "pore", "z"), 0.8, 1e-15);
  for (guint axis = 0; axis < 2; axis++)
    {
      const char *name = axis == 0 ? "x" : "y";

      g_assert_cmpfloat (value_of (table, "percolating_fraction", "pore", name), ==, 1.0);
      g_assert_cmpfloat (value_of (table, "one_face_fraction", "pore", name), ==, 0.0);
      g_assert_cmpfloat (value_of (table, "isolated_fraction", "pore", name), ==, 0.0);
    }
}

/* A random phase: the table's tortuosity and percolation rows are the library's on the same
 * mask, and the porosity a count by hand. */
static guint8 random_mask[12 * 10 * 9];

static gboolean
random_inside (gsize x,
               gsize y,
               gsize z)
{
  return random_mask[(z * 10 + y) * 12 + x];
}

static void
test_random_against_library (void)
{
  const gsize dims[3] = { 12, 10, 9 };
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (EvoxMetrics) table = NULL;
  g_autoptr (EvoxPercolation) percolation = NULL;
  g_autoptr (GError) error = NULL;
  EvoxMetricsRequest request;
  guint64 state = 18, count = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (random_mask); i++)
    {
      random_mask[i] = evox_test_uniform (&state) < 0.6;
      count += random_mask[i];
    }
  volume = make_volume (dims[0], dims[1], dims[2], random_inside, 0);
  request_init (&request);
  request.tortuosity[1] = TRUE;
  request.tolerance = 1e-8;
  request.percolation = TRUE;
  request.connectivity = 6;
  table = evox_metrics_compute (volume, &request, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (value_of (table, "porosity", "pore", ""), ==,
                     (double) count / G_N_ELEMENTS (random_mask));
  {
    g_autoptr (EvoxTortuosity) tau = NULL;
    EvoxTortuosityParams params;

    evox_tortuosity_params_init (&params);
    params.axis = EVOX_FLOW_AXIS_Y;
    params.tolerance = 1e-8;
    tau = evox_tortuosity_compute_mask (random_mask, dims, &params, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (evox_tortuosity_get_percolating (tau));
    g_assert_cmpfloat (value_of (table, "tortuosity_factor", "pore", "y"), ==,
                       evox_tortuosity_get_tau (tau));
    g_assert_cmpfloat (value_of (table, "effective_diffusivity", "pore", "y"), ==,
                       evox_tortuosity_get_effective_diffusivity (tau));
  }
  percolation = evox_percolation_compute (random_mask, dims, EVOX_CONNECTIVITY_6, NULL, NULL,
                                          &error);
  g_assert_no_error (error);
  for (guint axis = 0; axis < 3; axis++)
    {
      const char *name = (const char *[]) { "x", "y", "z" }[axis];

      g_assert_cmpfloat (value_of (table, "percolating_fraction", "pore", name), ==,
                         evox_percolation_get_fraction (percolation, axis,
                                                        EVOX_PERCOLATION_BOTH));
      g_assert_cmpfloat (value_of (table, "one_face_fraction", "pore", name), ==,
                         evox_percolation_get_fraction (percolation, axis,
                                                       EVOX_PERCOLATION_ONE_FACE));
      g_assert_cmpfloat (value_of (table, "isolated_fraction", "pore", name), ==,
                         evox_percolation_get_fraction (percolation, axis,
                                                       EVOX_PERCOLATION_ISOLATED));
    }
}

/* Two voxels are the same: equal, or both NaN. */
static void
assert_same_floats (const float *a,
                    const float *b,
                    gsize        n)
{
  for (gsize i = 0; i < n; i++)
    if (!(isnan (a[i]) && isnan (b[i])))
      g_assert_cmpfloat (a[i], ==, b[i]);
}

/* Fields of a phase that does not join the faces along the first axis asked (the plates along
 * z; the table once crashed building them): no concentration anywhere, flux 0 on the plates and
 * NaN off them, and the classes by hand: 2 for the plate at z = 0 (the low face only), 3 for the
 * others. */
static void
test_plates_fields (void)
{
  g_autoptr (EvoxVolume) volume = make_volume (7, 6, 10, plates, 0);
  g_autoptr (EvoxMetrics) table = NULL;
  g_autoptr (EvoxVolume) fields = NULL;
  g_autoptr (GError) error = NULL;
  EvoxMetricsRequest request;
  const float *c, *f, *k;

  request_init (&request);
  request.tortuosity[2] = TRUE;
  request.percolation = TRUE;
  request.keep_fields = TRUE;
  table = evox_metrics_compute (volume, &request, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (isinf (value_of (table, "tortuosity_factor", "pore", "z")));
  fields = evox_metrics_dup_fields (table, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fields);
  g_assert_cmpuint (evox_volume_get_n_channels (fields), ==, 3);
  g_assert_cmpstr (evox_volume_get_channel_label (fields, 1), ==, "Flux magnitude (z)");
  c = evox_volume_get_data (fields, 0);
  f = evox_volume_get_data (fields, 1);
  k = evox_volume_get_data (fields, 2);
  for (gsize z = 0; z < 10; z++)
    for (gsize i = z * 42; i < (z + 1) * 42; i++)
      {
        g_assert_true (isnan (c[i]));
        if (plates (0, 0, z))
          {
            g_assert_cmpfloat (f[i], ==, 0.0f);
            g_assert_cmpfloat (k[i], ==, z == 0 ? 2.0f : 3.0f);
          }
        else
          g_assert_true (isnan (f[i]) && isnan (k[i]));
      }
}

/* The flux rebuilt from a kept concentration is the solve's own, bit for bit, on a random
 * two-phase mask (1 the phase, 2 the second phase, 0 the rest), one phase, D2 = 0.3 and D2 = 0
 * (the second phase then conducts nothing: flux NaN on it). The solve's own flux is checked
 * against the analytic channel (test_channel_fields) and in test-tortuosity. */
static void
test_flux_from_concentration (void)
{
  const gsize dims[3] = { 11, 9, 8 };
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autofree guint8 *mask = g_new (guint8, n);
  g_autofree float *flux = g_new (float, n);
  const double d2s[] = { NAN, 0.3, 0.0 };
  guint64 state = 7;

  for (gsize i = 0; i < n; i++)
    {
      double u = evox_test_uniform (&state);

      mask[i] = u < 0.45 ? 1 : u < 0.75 ? EVOX_TORTUOSITY_SECOND_PHASE : 0;
    }
  for (guint t = 0; t < G_N_ELEMENTS (d2s); t++)
    for (guint axis = 0; axis < 3; axis++)
      {
        g_autoptr (EvoxTortuosity) tau = NULL;
        g_autoptr (GError) error = NULL;
        EvoxTortuosityParams params;

        evox_tortuosity_params_init (&params);
        params.axis = (EvoxFlowAxis) axis;
        params.tolerance = 1e-8;
        params.second_phase = !isnan (d2s[t]);
        params.second_diffusivity = params.second_phase ? d2s[t] : 0.0;
        params.keep_concentration = params.keep_flux = TRUE;
        tau = evox_tortuosity_compute_mask (mask, dims, &params, NULL, NULL, &error);
        g_assert_no_error (error);
        g_assert_true (evox_tortuosity_get_percolating (tau));
        evox_tortuosity_flux_from_concentration (
          evox_volume_get_data (evox_tortuosity_get_concentration (tau), 0), mask, dims,
          &params, flux);
        assert_same_floats (flux,
                            evox_volume_get_data (evox_tortuosity_get_flux_magnitude (tau), 0),
                            n);
      }
}

/* The straight channel's fields along z against the analytic solution: the concentration drops
 * linearly from 1 on the face before layer 0 to 0 after layer 9 (half a voxel to each face), so
 * c = 1 - (z + 0.5) / 10 and every face carries the flux 1 / 10; the whole channel touches both
 * faces (class 1); NaN outside the phase in every channel. Without keep_fields: no fields. */
static void
test_channel_fields (void)
{
  g_autoptr (EvoxVolume) volume = make_volume (8, 8, 10, channel, 0);
  g_autoptr (EvoxMetrics) table = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) fields = NULL;
  EvoxMetricsRequest request;
  const float *c, *f, *k;

  request_init (&request);
  request.tortuosity[2] = TRUE;
  request.percolation = TRUE;
  request.tolerance = 1e-10;
  table = evox_metrics_compute (volume, &request, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (evox_metrics_has_fields (table));
  g_assert_null (evox_metrics_dup_fields (table, &error));
  g_assert_no_error (error);
  g_clear_pointer (&table, evox_metrics_free);

  request.keep_fields = TRUE;
  table = evox_metrics_compute (volume, &request, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (evox_metrics_has_fields (table));
  fields = evox_metrics_dup_fields (table, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fields);
  g_assert_cmpuint (evox_volume_get_n_channels (fields), ==, 3);
  g_assert_cmpint (evox_volume_get_sample_type (fields), ==, EVOX_SAMPLE_F32);
  g_assert_cmpstr (evox_volume_get_channel_label (fields, 0), ==, "Concentration (z)");
  g_assert_cmpstr (evox_volume_get_channel_label (fields, 1), ==, "Flux magnitude (z)");
  g_assert_cmpstr (evox_volume_get_channel_label (fields, 2), ==,
                   "Percolation (z): 1 both faces, 2 one face, 3 isolated");
  c = evox_volume_get_data (fields, 0);
  f = evox_volume_get_data (fields, 1);
  k = evox_volume_get_data (fields, 2);
  for (gsize z = 0; z < 10; z++)
    for (gsize y = 0; y < 8; y++)
      for (gsize x = 0; x < 8; x++)
        {
          gsize i = (z * 8 + y) * 8 + x;

          if (channel (x, y, z))
            {
              g_assert_cmpfloat_with_epsilon (c[i], 1.0 - (z + 0.5) / 10.0, 1e-6);
              g_assert_cmpfloat_with_epsilon (f[i], 0.1, 1e-6);
              g_assert_cmpfloat (k[i], ==, 1.0f);
            }
          else
            {
              g_assert_true (isnan (c[i]));
              g_assert_true (isnan (f[i]));
              g_assert_true (isnan (k[i]));
            }
        }
}

/* The random phase's fields along y (the first axis asked of y and z) are, voxel for voxel, the
 * library's: evox_tortuosity_compute_mask's kept concentration and flux magnitude, and
 * evox_percolation_get_classes (0 as NaN). Percolation alone keeps the classes along z, and
 * the classes along every axis (evox_metrics_get_percolation) only with keep_fields. */
static void
test_random_fields (void)
{
  const gsize dims[3] = { 12, 10, 9 };
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (EvoxMetrics) table = NULL;
  g_autoptr (EvoxTortuosity) tau = NULL;
  g_autoptr (EvoxPercolation) percolation = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *classes = g_new (guint8, n);
  g_autofree float *expected = g_new (float, n);
  g_autoptr (EvoxVolume) fields = NULL;
  EvoxTortuosityParams params;
  EvoxMetricsRequest request;
  guint64 state = 18;

  for (gsize i = 0; i < G_N_ELEMENTS (random_mask); i++)
    random_mask[i] = evox_test_uniform (&state) < 0.6;
  volume = make_volume (dims[0], dims[1], dims[2], random_inside, 0);
  request_init (&request);
  request.tortuosity[1] = request.tortuosity[2] = TRUE;
  request.tolerance = 1e-8;
  request.percolation = TRUE;
  request.connectivity = 6;
  request.keep_fields = TRUE;
  table = evox_metrics_compute (volume, &request, NULL, NULL, &error);
  g_assert_no_error (error);
  fields = evox_metrics_dup_fields (table, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fields);
  g_assert_cmpuint (evox_volume_get_n_channels (fields), ==, 3);
  g_assert_cmpstr (evox_volume_get_channel_label (fields, 0), ==, "Concentration (y)");

  evox_tortuosity_params_init (&params);
  params.axis = EVOX_FLOW_AXIS_Y;
  params.tolerance = 1e-8;
  params.keep_concentration = params.keep_flux = TRUE;
  tau = evox_tortuosity_compute_mask (random_mask, dims, &params, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_same_floats (evox_volume_get_data (fields, 0),
                      evox_volume_get_data (evox_tortuosity_get_concentration (tau), 0), n);
  assert_same_floats (evox_volume_get_data (fields, 1),
                      evox_volume_get_data (evox_tortuosity_get_flux_magnitude (tau), 0), n);

  percolation = evox_percolation_compute (random_mask, dims, EVOX_CONNECTIVITY_6, NULL, NULL,
                                          &error);
  g_assert_no_error (error);
  evox_percolation_get_classes (percolation, 1, classes);
  for (gsize i = 0; i < n; i++)
    expected[i] = classes[i] == 0 ? NAN : classes[i];
  assert_same_floats (evox_volume_get_data (fields, 2), expected, n);

  /* Percolation alone: the classes along z, one channel. */
  g_clear_pointer (&table, evox_metrics_free);
  request.tortuosity[1] = request.tortuosity[2] = FALSE;
  table = evox_metrics_compute (volume, &request, NULL, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&fields);
  fields = evox_metrics_dup_fields (table, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_channels (fields), ==, 1);
  g_assert_cmpstr (evox_volume_get_channel_label (fields, 0), ==,
                   "Percolation (z): 1 both faces, 2 one face, 3 isolated");
  evox_percolation_get_classes (percolation, 2, classes);
  for (gsize i = 0; i < n; i++)
    expected[i] = classes[i] == 0 ? NAN : classes[i];
  assert_same_floats (evox_volume_get_data (fields, 0), expected, n);

  /* The classes along every axis, kept for the page's overlay: the library's byte for byte. */
  g_assert_nonnull (evox_metrics_get_percolation (table));
  for (guint axis = 0; axis < 3; axis++)
    {
      g_autofree char *label = g_strdup_printf ("Percolation (%c)", "xyz"[axis]);

      evox_percolation_get_classes (percolation, axis, classes);
      g_assert_cmpmem (evox_volume_get_data (evox_metrics_get_percolation (table), axis), n,
                       classes, n);
      g_assert_cmpstr (evox_volume_get_channel_label (evox_metrics_get_percolation (table),
                                                      axis), ==, label);
    }
  /* Nothing kept without keep_fields. */
  g_clear_pointer (&table, evox_metrics_free);
  request.keep_fields = FALSE;
  table = evox_metrics_compute (volume, &request, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (evox_metrics_get_percolation (table));
}

/* A ball of radius 10 voxels centred in 32^3 voxels of 1 um (1000 nm). */
#define BALL_R 10.0

static gboolean
ball (gsize x,
      gsize y,
      gsize z)
{
  double dx = x - 15.5, dy = y - 15.5, dz = z - 15.5;

  return dx * dx + dy * dy + dz * dz <= BALL_R * BALL_R;
}

/* The ball (value 1) against the rest (value 0): 4 pi r^2 per sample volume and per ball volume
 * in 1/um within 4 % (the Crofton estimate on a digital ball), and the library's numbers
 * exactly (converted from 1/nm). */
static void
test_ball_surface (void)
{
  const gsize dims[3] = { 32, 32, 32 };
  const double spacing[3] = { 1000, 1000, 1000 };
  g_autoptr (EvoxVolume) volume = make_volume (32, 32, 32, ball, 1000);
  g_autoptr (EvoxMetrics) table = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *phases = g_new (guint8, 32 * 32 * 32);
  EvoxInterfaceArea area;
  EvoxMetricsRequest request;
  const EvoxMetricsRow *row;
  double analytic = 4 * G_PI * BALL_R * BALL_R;
  guint64 n_ball = 0;

  request_init (&request);
  request.phase.name = (char *) "AM";
  request.surface = TRUE;
  request.other = (EvoxMetricsPhase) { (char *) "pore", 0, 1, &zero_lo, &zero_hi };
  table = evox_metrics_compute (volume, &request, NULL, NULL, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < 32 * 32 * 32; i++)
    {
      gsize x = i % 32, y = (i / 32) % 32, z = i / (32 * 32);

      phases[i] = ball (x, y, z) ? 1 : 2;
      n_ball += phases[i] == 1;
    }
  row = find_row (table, "specific_surface_area", "AM", "");
  g_assert_cmpstr (row->unit, ==, "1/um");
  g_assert_nonnull (strstr (row->note, "pore"));
  g_assert_cmpfloat_with_epsilon (row->value / (analytic / (32.0 * 32 * 32)), 1.0, 0.04);
  row = find_row (table, "specific_surface_area_phase", "AM", "");
  g_assert_cmpstr (row->unit, ==, "1/um");
  g_assert_cmpfloat_with_epsilon (row->value / (analytic / n_ball), 1.0, 0.04);

  g_assert_true (evox_interface_area (phases, dims, spacing, 1, 2, &area, NULL, NULL, &error));
  g_assert_cmpfloat_with_epsilon (value_of (table, "specific_surface_area", "AM", ""),
                                  area.per_volume * 1000, 1e-12);
  g_assert_cmpfloat_with_epsilon (value_of (table, "specific_surface_area_phase", "AM", ""),
                                  area.per_volume_a * 1000, 1e-12);
}

/* A slab 6 voxels thick along y (y = 2..7) in 9 x 12 x 8 voxels. */
static gboolean
slab (gsize x,
      gsize y,
      gsize z)
{
  return y >= 2 && y < 8;
}

/* Local thickness of the slab is 6 voxels everywhere (no spacing: lengths in voxels); of the
 * rest, the library's summary of the complement; the kept map is the library's map. */
static void
test_slab_thickness (void)
{
  const gsize dims[3] = { 9, 12, 8 };
  const double unit[3] = { 1, 1, 1 };
  gsize n = dims[0] * dims[1] * dims[2];
  g_autoptr (EvoxVolume) volume = make_volume (9, 12, 8, slab, 0);
  g_autoptr (EvoxMetrics) table = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *complement = g_new (guint8, n);
  g_autofree float *expected = g_new (float, n);
  const float *map;
  EvoxSizeSummary summary;
  EvoxMetricsRequest request;
  const char *names[] = { "thickness_mean", "thickness_median", "thickness_d10",
                          "thickness_d50", "thickness_d90" };

  request_init (&request);
  request.thickness = TRUE;
  request.keep_thickness = TRUE;
  table = evox_metrics_compute (volume, &request, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const EvoxMetricsRow *row = find_row (table, names[i], "pore", "");

      g_assert_cmpstr (row->unit, ==, "voxels");
      g_assert_cmpfloat_with_epsilon (row->value, 6.0, 1e-6);
    }

  g_assert_nonnull (evox_metrics_get_map (table));
  map = evox_volume_get_data (evox_metrics_get_map (table), 0);
  for (gsize i = 0; i < n; i++)
    {
      gsize y = (i / dims[0]) % dims[1];

      if (y >= 2 && y < 8)
        g_assert_cmpfloat_with_epsilon (map[i], 6.0, 1e-6);
      else
        g_assert_true (isnan (map[i]));
      complement[i] = !(y >= 2 && y < 8);
    }

  g_assert_true (evox_local_thickness (complement, dims, unit, expected, NULL, NULL, &error));
  g_assert_true (evox_size_summary_compute (expected, n, &summary));
  g_assert_cmpfloat (value_of (table, "thickness_mean", "not pore", ""), ==, summary.mean);
  g_assert_cmpfloat (value_of (table, "thickness_median", "not pore", ""), ==, summary.median);
  g_assert_cmpfloat (value_of (table, "thickness_d10", "not pore", ""), ==, summary.d10);
  g_assert_cmpfloat (value_of (table, "thickness_d90", "not pore", ""), ==, summary.d90);
}

static gboolean
nothing (gsize x,
         gsize y,
         gsize z)
{
  return FALSE;
}

/* No voxels, a volume one voxel thick along the axis asked, a tolerance out of (0, 1), a
 * surface phase with no voxels, a cancelled job: errors that say which. */
static void
test_refusals (void)
{
  g_autoptr (EvoxVolume) empty = make_volume (4, 4, 4, nothing, 0);
  g_autoptr (EvoxVolume) thin = make_volume (5, 4, 1, plates, 0);
  g_autoptr (EvoxVolume) volume = make_volume (8, 8, 10, channel, 0);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  EvoxMetricsRequest request;
  EvoxMetrics *table;
  GError *error = NULL;

  request_init (&request);
  table = evox_metrics_compute (empty, &request, NULL, NULL, &error);
  g_assert_null (table);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'pore'"));
  g_assert_nonnull (strstr (error->message, "no voxels"));
  g_clear_error (&error);

  request.tortuosity[2] = TRUE;
  table = evox_metrics_compute (thin, &request, NULL, NULL, &error);
  g_assert_null (table);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "one voxel thick"));
  g_clear_error (&error);
  /* Along x the same volume is fine. */
  request.tortuosity[2] = FALSE;
  request.tortuosity[0] = TRUE;
  table = evox_metrics_compute (thin, &request, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_metrics_free (table);

  for (guint i = 0; i < 3; i++)
    {
      request.tolerance = (double[]) { -1e-6, 1.0, NAN }[i];
      table = evox_metrics_compute (volume, &request, NULL, NULL, &error);
      g_assert_null (table);
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "tolerance"));
      g_clear_error (&error);
    }

  request_init (&request);
  request.surface = TRUE;
  request.other = (EvoxMetricsPhase) { (char *) "other", 0, 1, &one_lo, &one_hi };
  table = evox_metrics_compute (volume, &request, NULL, NULL, &error);
  g_assert_null (table);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'other'"));
  g_clear_error (&error);

  request_init (&request);
  request.tortuosity[2] = TRUE;
  g_cancellable_cancel (cancellable);
  table = evox_metrics_compute (volume, &request, NULL, cancellable, &error);
  g_assert_null (table);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
}

/* Progress covers the parts and ends at the whole. */
static void
test_progress (void)
{
  g_autoptr (EvoxVolume) volume = make_volume (7, 6, 10, plates, 0);
  g_autoptr (EvoxProgress) progress = evox_progress_new ();
  g_autoptr (EvoxMetrics) table = NULL;
  g_autoptr (GError) error = NULL;
  EvoxMetricsRequest request;

  request_init (&request);
  request.tortuosity[0] = TRUE;
  request.percolation = TRUE;
  request.thickness = TRUE;
  table = evox_metrics_compute (volume, &request, progress, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (evox_progress_get_fraction (progress), 1.0, 1e-9);
}

/* A second phase: slabs normal to z in the order 1 2 2 1 1 2 1 1 (value 1 the pores, 2 the
 * carbon-binder domain with D2 = 1/4) over x >= 1 of 6 x 5 x 8 voxels, x = 0 solid. Along z the
 * slabs are in series: D_eff / D = (25 / 30) 8 / (5 + 3 x 4) and tau = D_mean / D_eff with
 * D_mean = (25 / 30) (5 + 3 / 4) / 8, so tau = 0.71875 x 17 / 8; along y they are in parallel
 * (tau 1); x = 0 holds neither phase (not percolating). The rows are named "pore|cbd@0.25";
 * one mean_diffusivity row; porosity stays the first phase's. */
static void
test_two_phase (void)
{
  const gsize dims[3] = { 6, 5, 8 };
  const guint8 slab[8] = { 1, 2, 2, 1, 1, 2, 1, 1 };
  static double two_lo = 2, two_hi = 2;
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = evox_volume_new (dims[0], dims[1], dims[2], 1, EVOX_SAMPLE_U8,
                                                   &error);
  g_autoptr (EvoxMetrics) table = NULL;
  EvoxMetricsRequest request;
  const double share = 25.0 / 30.0;
  guint8 *v;

  g_assert_no_error (error);
  v = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 0; z < dims[2]; z++)
    for (gsize y = 0; y < dims[1]; y++)
      for (gsize x = 0; x < dims[0]; x++)
        v[(z * dims[1] + y) * dims[0] + x] = x == 0 ? 0 : slab[z];
  evox_volume_freeze (volume);

  request_init (&request);
  request.tortuosity[0] = request.tortuosity[1] = request.tortuosity[2] = TRUE;
  request.tolerance = 1e-11;
  request.two_phase = TRUE;
  request.second = (EvoxMetricsPhase) { (char *) "cbd", 0, 1, &two_lo, &two_hi };
  request.second_diffusivity = 0.25;
  table = evox_metrics_compute (volume, &request, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (value_of (table, "porosity", "pore", ""), share * 5.0 / 8.0,
                                  1e-15);
  g_assert_cmpfloat_with_epsilon (value_of (table, "mean_diffusivity", "pore|cbd@0.25", ""),
                                  share * 0.71875, 1e-15);
  g_assert_cmpfloat_with_epsilon (value_of (table, "effective_diffusivity", "pore|cbd@0.25",
                                            "z"), share * 8.0 / 17.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (value_of (table, "tortuosity_factor", "pore|cbd@0.25", "z"),
                                  0.71875 * 17.0 / 8.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (value_of (table, "tortuosity_factor", "pore|cbd@0.25", "y"),
                                  1.0, 1e-9);
  g_assert_true (isinf (value_of (table, "tortuosity_factor", "pore|cbd@0.25", "x")));
  g_clear_pointer (&table, evox_metrics_free);

  /* Refused: D2 outside [0, 1]; a second phase with no voxel outside the first. */
  request.second_diffusivity = 1.5;
  table = evox_metrics_compute (volume, &request, NULL, NULL, &error);
  g_assert_null (table);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "cbd"));
  g_clear_error (&error);
  request.second_diffusivity = 0.5;
  request.second = (EvoxMetricsPhase) { (char *) "cbd", 0, 1, &one_lo, &one_hi };
  table = evox_metrics_compute (volume, &request, NULL, NULL, &error);
  g_assert_null (table);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "no voxels"));
}

/* Every row as CSV (%.9g, inf) read back, and as aligned text; an existing file refused unless
 * force. */
static void
test_csv_and_text (void)
{
  g_autoptr (EvoxMetrics) table = evox_metrics_new ();
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "metrics.csv", NULL);
  g_autofree char *text = NULL;
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  const char *value_column;
  gsize offset;
  const double values[] = { 0.123456789012, INFINITY, 0.0, 1.5e-7, 42.0 };

  evox_metrics_add (table, "porosity", "pore", "", values[0], "", "volume fraction");
  evox_metrics_add (table, "tortuosity_factor", "pore", "z", values[1], "",
                    "not percolating: no path");
  evox_metrics_add (table, "effective_diffusivity", "pore", "z", values[2], "", NULL);
  evox_metrics_add (table, "specific_surface_area", "AM+CBD", "", values[3], "1/um", NULL);
  evox_metrics_add (table, "thickness_d50", "not pore", "", values[4], "um", NULL);

  g_assert_true (evox_metrics_write_csv (table, path, FALSE, &error));
  g_assert_no_error (error);
  rows = evox_test_csv_read (path);
  evox_test_csv_assert_header (rows, "metric,phase,axis,value,unit");
  g_assert_cmpuint (rows->len, ==, 6);
  for (guint i = 0; i < 5; i++)
    {
      GStrv row = rows->pdata[i + 1];
      const EvoxMetricsRow *expected = evox_metrics_get_row (table, i);
      char buffer[64];

      g_assert_cmpuint (g_strv_length (row), ==, 5);
      g_assert_cmpstr (row[0], ==, expected->metric);
      g_assert_cmpstr (row[1], ==, expected->phase);
      g_assert_cmpstr (row[2], ==, expected->axis);
      g_assert_cmpstr (row[4], ==, expected->unit);
      if (isinf (values[i]))
        g_assert_cmpstr (row[3], ==, "inf");
      else
        {
          g_snprintf (buffer, sizeof buffer, "%.9g", values[i]);
          g_assert_cmpstr (row[3], ==, buffer);
          g_assert_cmpfloat_with_epsilon (g_ascii_strtod (row[3], NULL), values[i],
                                          1e-8 * fabs (values[i]) + 1e-300);
        }
    }

  /* Refused without force, the file untouched; replaced with it. */
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  evox_metrics_add (table, "porosity", "AM", "", 0.5, "", NULL);
  g_assert_false (evox_metrics_write_csv (table, path, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_clear_error (&error);
  {
    g_autofree char *again = NULL;

    g_assert_true (g_file_get_contents (path, &again, NULL, NULL));
    g_assert_cmpstr (again, ==, contents);
  }
  g_assert_true (evox_metrics_write_csv (table, path, TRUE, &error));
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = evox_test_csv_read (path);
  g_assert_cmpuint (rows->len, ==, 7);
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);

  /* Text: a header and a line per row, the value column at the same place on every line. */
  text = evox_metrics_to_text (table);
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 8);
  g_assert_cmpstr (lines[7], ==, "");
  g_assert_true (g_str_has_prefix (lines[0], "metric"));
  value_column = strstr (lines[0], "value");
  g_assert_nonnull (value_column);
  offset = value_column - lines[0];
  g_assert_true (g_str_has_prefix (lines[2] + offset, "inf "));
  g_assert_true (g_str_has_prefix (lines[1] + offset, "0.123457 "));
  g_assert_true (g_str_has_prefix (lines[5] + offset, "42 "));
  g_assert_nonnull (strstr (lines[2], "not percolating: no path"));
  g_assert_nonnull (strstr (lines[5], "not pore"));
  for (guint i = 0; lines[i] != NULL; i++)
    g_assert_false (g_str_has_suffix (lines[i], " "));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Anisotropic voxels (10 x 10 x 30 nm) reach the solves: the table's tau and D_eff along y are
 * evox_tortuosity_compute_mask's with that spacing (not the cubes'), the note names the voxels,
 * and the fields' flux is the library's with the spacing. A volume without a voxel size is
 * solved with cubes and the note says so. */
static void
test_anisotropic (void)
{
  const gsize dims[3] = { 12, 10, 9 };
  const gsize n = dims[0] * dims[1] * dims[2];
  const double spacing[3] = { 10.0, 10.0, 30.0 };
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (EvoxVolume) plain = NULL;
  g_autoptr (EvoxMetrics) table = NULL;
  g_autoptr (EvoxMetrics) cubic = NULL;
  g_autoptr (EvoxTortuosity) tau = NULL;
  g_autoptr (EvoxTortuosity) cubes = NULL;
  g_autoptr (EvoxVolume) fields = NULL;
  g_autoptr (GError) error = NULL;
  EvoxTortuosityParams params;
  EvoxMetricsRequest request;
  guint64 state = 30;

  for (gsize i = 0; i < G_N_ELEMENTS (random_mask); i++)
    random_mask[i] = evox_test_uniform (&state) < 0.6;
  plain = make_volume (dims[0], dims[1], dims[2], random_inside, 0);
  volume = evox_volume_new (dims[0], dims[1], dims[2], 1, EVOX_SAMPLE_U8, &error);
  g_assert_no_error (error);
  memcpy (evox_volume_get_data_mut (volume, 0), evox_volume_get_data (plain, 0), n);
  evox_volume_set_spacing (volume, spacing);
  evox_volume_freeze (volume);
  request_init (&request);
  request.tortuosity[1] = TRUE;
  request.tolerance = 1e-10;
  request.keep_fields = TRUE;
  table = evox_metrics_compute (volume, &request, NULL, NULL, &error);
  g_assert_no_error (error);
  cubic = evox_metrics_compute (plain, &request, NULL, NULL, &error);
  g_assert_no_error (error);

  evox_tortuosity_params_init (&params);
  params.axis = EVOX_FLOW_AXIS_Y;
  params.tolerance = 1e-10;
  params.keep_flux = TRUE;
  cubes = evox_tortuosity_compute_mask (random_mask, dims, &params, NULL, NULL, &error);
  g_assert_no_error (error);
  memcpy (params.spacing, spacing, sizeof spacing);
  tau = evox_tortuosity_compute_mask (random_mask, dims, &params, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (value_of (table, "tortuosity_factor", "pore", "y"), ==,
                     evox_tortuosity_get_tau (tau));
  g_assert_cmpfloat (value_of (table, "effective_diffusivity", "pore", "y"), ==,
                     evox_tortuosity_get_effective_diffusivity (tau));
  g_assert_cmpfloat (value_of (cubic, "tortuosity_factor", "pore", "y"), ==,
                     evox_tortuosity_get_tau (cubes));
  g_assert_cmpfloat (fabs (evox_tortuosity_get_tau (tau) / evox_tortuosity_get_tau (cubes) - 1),
                     >, 0.01);
  g_assert_cmpstr (find_row (table, "effective_diffusivity", "pore", "y")->note, ==,
                   "D_eff / D; voxels 10 x 10 x 30 nm");
  g_assert_cmpstr (find_row (cubic, "effective_diffusivity", "pore", "y")->note, ==,
                   "D_eff / D; cubic voxels (the voxel size is not known)");

  fields = evox_metrics_dup_fields (table, &error);
  g_assert_no_error (error);
  assert_same_floats (evox_volume_get_data (fields, 1),
                      evox_volume_get_data (evox_tortuosity_get_flux_magnitude (tau), 0), n);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Metrics/channel", test_channel);
  g_test_add_func ("/Evox/Metrics/plates", test_plates);
  g_test_add_func ("/Evox/Metrics/random-against-library", test_random_against_library);
  g_test_add_func ("/Evox/Metrics/channel-fields", test_channel_fields);
  g_test_add_func ("/Evox/Metrics/random-fields", test_random_fields);
  g_test_add_func ("/Evox/Metrics/plates-fields", test_plates_fields);
  g_test_add_func ("/Evox/Metrics/flux-from-concentration", test_flux_from_concentration);
  g_test_add_func ("/Evox/Metrics/ball-surface", test_ball_surface);
  g_test_add_func ("/Evox/Metrics/slab-thickness", test_slab_thickness);
  g_test_add_func ("/Evox/Metrics/refusals", test_refusals);
  g_test_add_func ("/Evox/Metrics/two-phase", test_two_phase);
  g_test_add_func ("/Evox/Metrics/progress", test_progress);
  g_test_add_func ("/Evox/Metrics/csv-and-text", test_csv_and_text);
  g_test_add_func ("/Evox/Metrics/anisotropic", test_anisotropic);
  return g_test_run ();
}
