/* test-measure.c: rulers (lengths in the voxel size's unit) and line profiles (values, CSV). */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "evox-document.h"
#include "evox-loader.h"
#include "evox-measurement.h"
#include "evox-profile.h"
#include "evox-profile-csv.h"
#include "evox-test-util.h"
#include "evox-units.h"

/* An f32 volume of random values with the given spacing and origin. */
static EvoxVolume *
random_volume (gsize         nx,
               gsize         ny,
               gsize         nz,
               const double  spacing[3],
               const double  origin[3],
               guint64       seed)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (nx, ny, nz, 1, EVOX_SAMPLE_F32, &error);
  float *data;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize i = 0; i < nx * ny * nz; i++)
    data[i] = (float) (evox_test_uniform (&seed) * 100.0 - 20.0);
  evox_volume_set_spacing (volume, spacing);
  evox_volume_set_origin (volume, origin);
  evox_volume_freeze (volume);
  return volume;
}

static void
voxel_centre (const double spacing[3],
              const double origin[3],
              double       i,
              double       j,
              double       k,
              double       point[3])
{
  point[0] = origin[0] + spacing[0] * i;
  point[1] = origin[1] + spacing[1] * j;
  point[2] = origin[2] + spacing[2] * k;
}

/* The ruler's length is the spacing-scaled distance, and reads in the voxel size's unit. */
static void
test_length (void)
{
  const double spacing[3] = { 2.0, 3.0, 5.0 }, origin[3] = { 10.0, -4.0, 7.0 };
  g_autoptr(EvoxVolume) volume = random_volume (8, 9, 6, spacing, origin, 1);
  g_autoptr(EvoxMeasurement) ruler = NULL;
  g_autoptr(EvoxMeasurementList) list = evox_measurement_list_new ();
  double a[3], b[3], expected;
  g_autofree char *text = NULL;
  guint notified = 0;

  /* From voxel (1, 2, 3) to (4, 6, 3) on z slice 3: 3 voxels of 2 nm by 4 of 3 nm. */
  voxel_centre (spacing, origin, 1, 2, 3, a);
  voxel_centre (spacing, origin, 4, 2, 3, b);
  ruler = evox_measurement_new (2, 3, a, b);
  g_assert_cmpfloat_with_epsilon (evox_measurement_get_length_nm (ruler), 6.0, 1e-12);
  g_signal_connect_swapped (ruler, "notify::length-nm", G_CALLBACK (g_atomic_int_inc), &notified);
  voxel_centre (spacing, origin, 4, 6, 3, b);
  evox_measurement_set_end (ruler, b);
  evox_measurement_set_end (ruler, b);
  g_assert_cmpuint (notified, ==, 1);
  expected = sqrt (6.0 * 6.0 + 12.0 * 12.0);
  g_assert_cmpfloat_with_epsilon (evox_measurement_get_length_nm (ruler), expected, 1e-12);
  g_assert_cmpuint (evox_measurement_get_axis (ruler), ==, 2);
  g_assert_cmpuint (evox_measurement_get_slice (ruler), ==, 3);

  text = evox_format_segment_length (volume, a, b);
  g_assert_cmpstr (text, ==, "13.42 nm");
  g_clear_pointer (&text, g_free);
  /* One unit for every length of this volume (its widest side is under a micrometre), so a long
   * ruler stays in nm like the rest of its figures. */
  {
    double far[3] = { a[0] + 4250.0, a[1], a[2] };

    text = evox_format_segment_length (volume, a, far);
    g_assert_cmpstr (text, ==, "4250 nm");
    g_clear_pointer (&text, g_free);
  }

  /* Unknown voxel size: voxel steps, never nm, each axis counted in its own assumed spacing
   * (2 x 3 x 5 nm here): 3 steps along x and 4 along y are 5 px, not 13.42 nm over some
   * average voxel edge. */
  evox_volume_set_spacing_known (volume, FALSE);
  text = evox_format_segment_length (volume, a, b);
  g_assert_cmpstr (text, ==, "5 px");
  g_clear_pointer (&text, g_free);
  {
    /* Ten steps along z alone (5 nm each) are 10 px. */
    double deep[3] = { a[0], a[1], a[2] + 10 * spacing[2] };

    text = evox_format_segment_length (volume, a, deep);
    g_assert_cmpstr (text, ==, "10 px");
  }

  evox_measurement_list_append (list, ruler);
  g_assert_cmpuint (evox_measurement_list_get_n_measurements (list), ==, 1);
  g_assert_true (evox_measurement_list_get_measurement (list, 0) == ruler);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
  evox_measurement_list_remove (list, 0);
  g_assert_cmpuint (evox_measurement_list_get_n_measurements (list), ==, 0);
}

/* A line along x through voxel centres samples every voxel of the row, exactly. */
static void
test_profile_row (void)
{
  const double spacing[3] = { 0.5, 2.0, 3.0 }, origin[3] = { 1.0, 2.0, 3.0 };
  g_autoptr(EvoxVolume) volume = random_volume (17, 5, 4, spacing, origin, 2);
  g_autoptr(EvoxProfile) profile = NULL;
  double a[3], b[3];

  voxel_centre (spacing, origin, 0, 3, 2, a);
  voxel_centre (spacing, origin, 16, 3, 2, b);
  profile = evox_profile_sample (volume, 0, a, b);
  g_assert_cmpuint (profile->n, ==, 17);
  for (guint i = 0; i < profile->n; i++)
    {
      g_assert_cmpfloat_with_epsilon (profile->distance_nm[i], 0.5 * i, 1e-12);
      g_assert_cmpfloat_with_epsilon (profile->value[i], evox_volume_get_value (volume, 0, i, 3, 2),
                                      1e-9);
      g_assert_cmpfloat_with_epsilon (profile->position_nm[3 * i], origin[0] + 0.5 * i, 1e-12);
    }
}

/* Bilinear in the slice, computed here from the four voxels around each point. */
static void
test_profile_oblique (void)
{
  const double spacing[3] = { 1.0, 2.0, 4.0 }, origin[3] = { 0.0, 0.0, 0.0 };
  g_autoptr(EvoxVolume) volume = random_volume (12, 10, 3, spacing, origin, 3);
  g_autoptr(EvoxProfile) profile = NULL;
  double a[3], b[3];

  /* On z slice 1, from (0.5, 0.25) to (10.25, 8.75) in voxel units. */
  voxel_centre (spacing, origin, 0.5, 0.25, 1, a);
  voxel_centre (spacing, origin, 10.25, 8.75, 1, b);
  profile = evox_profile_sample (volume, 0, a, b);
  /* sqrt(9.75^2 + 8.5^2) = 12.935 voxel steps: 13 steps, 14 samples. */
  g_assert_cmpuint (profile->n, ==, 14);
  for (guint s = 0; s < profile->n; s++)
    {
      double t = s / 13.0;
      double u = 0.5 + t * 9.75, v = 0.25 + t * 8.5;
      int i = (int) u, j = (int) v;
      double fu = u - i, fv = v - j;
      double expected =
        (1 - fu) * (1 - fv) * evox_volume_get_value (volume, 0, i, j, 1) +
        fu * (1 - fv) * evox_volume_get_value (volume, 0, MIN (i + 1, 11), j, 1) +
        (1 - fu) * fv * evox_volume_get_value (volume, 0, i, MIN (j + 1, 9), 1) +
        fu * fv * evox_volume_get_value (volume, 0, MIN (i + 1, 11), MIN (j + 1, 9), 1);

      g_assert_cmpfloat_with_epsilon (profile->value[s], expected, 1e-9);
      g_assert_cmpfloat_with_epsilon (profile->distance_nm[s],
                                      t * sqrt (9.75 * 9.75 + 17.0 * 17.0), 1e-9);
    }

  /* Outside the box (half a voxel beyond the outer centres): NaN, not a clamped voxel. */
  voxel_centre (spacing, origin, -3, 1, 1, a);
  voxel_centre (spacing, origin, 2, 1, 1, b);
  g_clear_pointer (&profile, evox_profile_free);
  profile = evox_profile_sample (volume, 0, a, b);
  g_assert_cmpuint (profile->n, ==, 6);
  g_assert_true (isnan (profile->value[0]));
  g_assert_true (isnan (profile->value[2]));
  g_assert_cmpfloat (profile->value[3], ==, evox_volume_get_value (volume, 0, 0, 1, 1));
}

/* The real segmented tomogram: a profile along y is the column of voxels, read one by one. */
static void
test_profile_electrode (void)
{
  g_autofree char *path = evox_test_data_path ("tomo/electrode.tiff");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxProfile) profile = NULL;
  double spacing[3], origin[3], a[3], b[3];
  gsize dims[3];
  guint labels[3] = { 0, 0, 0 };

  if (path == NULL)
    return;
  volume = evox_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  evox_volume_get_spacing (volume, spacing);
  evox_volume_get_origin (volume, origin);
  voxel_centre (spacing, origin, 100, 0, 128, a);
  voxel_centre (spacing, origin, 100, dims[1] - 1, 128, b);
  profile = evox_profile_sample (volume, 0, a, b);
  g_assert_cmpuint (profile->n, ==, dims[1]);
  for (guint j = 0; j < profile->n; j++)
    {
      const guint8 *data = evox_volume_get_data (volume, 0);
      guint8 voxel = data[((gsize) 128 * dims[1] + j) * dims[0] + 100];

      g_assert_cmpfloat (profile->value[j], ==, voxel);
      labels[voxel / 85]++;
    }
  /* The line crosses pores, active material and carbon-binder. */
  g_assert_cmpuint (labels[0] + labels[1] + labels[2], ==, dims[1]);
  g_assert_cmpuint (labels[1], >, 0);
}

/* A u8 volume of labels 0, 85 and 170 in blocks, or of `n_values` distinct values. */
static EvoxVolume *
label_volume (const double spacing[3],
              const double origin[3],
              guint        n_values)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (14, 11, 5, 1, EVOX_SAMPLE_U8, &error);
  guint8 *data;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 0; z < 5; z++)
    for (gsize y = 0; y < 11; y++)
      for (gsize x = 0; x < 14; x++)
        {
          gsize i = (z * 11 + y) * 14 + x;

          data[i] = n_values == 3 ? (guint8) (((x / 3 + y / 2 + z) % 3) * 85)
                                  : (guint8) (i % n_values);
        }
  evox_volume_set_spacing (volume, spacing);
  evox_volume_set_origin (volume, origin);
  evox_volume_freeze (volume);
  return volume;
}

/* Nearest reads the voxel under each point (labels stay 0, 85 or 170); trilinear mixes the
 * eight around it (values between the labels). Both checked against the voxels read directly
 * from the data, the trilinear weights computed here. Label volumes default to nearest. */
static void
test_profile_sampling (void)
{
  const double spacing[3] = { 2.0, 3.0, 5.0 }, origin[3] = { -7.0, 4.0, 11.0 };
  g_autoptr(EvoxVolume) volume = label_volume (spacing, origin, 3);
  g_autoptr(EvoxVolume) grey = label_volume (spacing, origin, 200);
  g_autoptr(EvoxVolume) floats = random_volume (4, 4, 4, spacing, origin, 9);
  g_autoptr(EvoxProfile) nearest = NULL;
  g_autoptr(EvoxProfile) trilinear = NULL;
  const guint8 *data = evox_volume_get_data (volume, 0);
  guint between = 0;
  double a[3], b[3];

  g_assert_cmpint (evox_profile_default_sampling (volume, 0), ==, EVOX_PROFILE_NEAREST);
  g_assert_cmpint (evox_profile_default_sampling (grey, 0), ==, EVOX_PROFILE_TRILINEAR);
  g_assert_cmpint (evox_profile_default_sampling (floats, 0), ==, EVOX_PROFILE_TRILINEAR);
  g_assert_cmpstr (evox_profile_sampling_to_string (EVOX_PROFILE_NEAREST), ==, "nearest");

  /* On z slice 2, from voxel (0.3, 0.6) to (12.8, 9.1): sqrt(12.5^2 + 8.5^2) = 15.1 steps, so
   * 16 steps and 17 samples. */
  voxel_centre (spacing, origin, 0.3, 0.6, 2, a);
  voxel_centre (spacing, origin, 12.8, 9.1, 2, b);
  nearest = evox_profile_sample_with (volume, 0, a, b, EVOX_PROFILE_NEAREST);
  trilinear = evox_profile_sample_with (volume, 0, a, b, EVOX_PROFILE_TRILINEAR);
  g_assert_cmpint (nearest->sampling, ==, EVOX_PROFILE_NEAREST);
  g_assert_cmpint (trilinear->sampling, ==, EVOX_PROFILE_TRILINEAR);
  g_assert_cmpuint (nearest->n, ==, 17);
  g_assert_cmpuint (trilinear->n, ==, nearest->n);
  for (guint s = 0; s < nearest->n; s++)
    {
      double t = s / (double) (nearest->n - 1);
      double u = 0.3 + t * 12.5, v = 0.6 + t * 8.5;
      int i = (int) floor (u), j = (int) floor (v);
      double fu = u - i, fv = v - j;
      guint8 under = data[((gsize) 2 * 11 + (gsize) lround (v)) * 14 + (gsize) lround (u)];
      double mixed =
        (1 - fu) * (1 - fv) * data[(2 * 11 + j) * 14 + i] +
        fu * (1 - fv) * data[(2 * 11 + j) * 14 + MIN (i + 1, 13)] +
        (1 - fu) * fv * data[(2 * 11 + MIN (j + 1, 10)) * 14 + i] +
        fu * fv * data[(2 * 11 + MIN (j + 1, 10)) * 14 + MIN (i + 1, 13)];

      g_assert_cmpfloat (nearest->value[s], ==, under);
      g_assert_true (nearest->value[s] == 0 || nearest->value[s] == 85 ||
                     nearest->value[s] == 170);
      g_assert_cmpfloat_with_epsilon (trilinear->value[s], mixed, 1e-9);
      g_assert_cmpfloat (nearest->distance_nm[s], ==, trilinear->distance_nm[s]);
      if (fmod (trilinear->value[s], 85.0) > 1e-6)
        between++;
    }
  /* The trouble nearest avoids: trilinear samples that are no label at all. */
  g_test_message ("%u of %u trilinear samples fall between labels", between, trilinear->n);
  g_assert_cmpuint (between, >, 0);

  /* At the box's faces nearest clamps to the outer voxel; beyond them it is NaN. */
  voxel_centre (spacing, origin, -0.5, 0, 0, a);
  g_assert_cmpfloat (evox_volume_sample_nearest (volume, 0, a), ==, data[0]);
  voxel_centre (spacing, origin, 13.5, 10.5, 4.5, a);
  g_assert_cmpfloat (evox_volume_sample_nearest (volume, 0, a), ==, data[14 * 11 * 5 - 1]);
  voxel_centre (spacing, origin, -0.6, 0, 0, a);
  g_assert_true (isnan (evox_volume_sample_nearest (volume, 0, a)));
}

/* The command line's rulers: X0,Y0,Z0:X1,Y1,Z1 in voxels, on the slice the ends share. */
static void
test_from_voxels (void)
{
  const double spacing[3] = { 2.0, 3.0, 5.0 }, origin[3] = { -7.0, 4.0, 11.0 };
  g_autoptr(EvoxVolume) volume = label_volume (spacing, origin, 3);
  static const char *bad_specs[] = { "", "1,2,3", "1,2,3:4,5", "1,2,3:4,5,x", "-1,2,3:4,5,6",
                                     "1,2,3;4,5,6", "1,2,3:4,5,6:7,8,9" };
  g_autoptr(EvoxMeasurement) ruler = NULL;
  g_autoptr(GError) error = NULL;
  guint start[3], end[3];
  double a[3], b[3];

  g_assert_true (evox_ruler_spec_parse ("1,2,4: 13, 9 ,4", start, end, &error));
  g_assert_no_error (error);
  ruler = evox_measurement_new_from_voxels (volume, start, end, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_measurement_get_axis (ruler), ==, 2);
  g_assert_cmpuint (evox_measurement_get_slice (ruler), ==, 4);
  evox_measurement_get_points (ruler, a, b);
  g_assert_cmpfloat (a[0], ==, -5.0);
  g_assert_cmpfloat (a[1], ==, 10.0);
  g_assert_cmpfloat (a[2], ==, 31.0);
  g_assert_cmpfloat (b[0], ==, 19.0);
  g_assert_cmpfloat (b[1], ==, 31.0);
  g_assert_cmpfloat_with_epsilon (evox_measurement_get_length_nm (ruler),
                                  sqrt (24.0 * 24.0 + 21.0 * 21.0), 1e-12);
  g_clear_object (&ruler);

  /* Sharing x only: an x slice. */
  ruler = evox_measurement_new_from_voxels (volume, (guint[3]) { 6, 0, 0 },
                                            (guint[3]) { 6, 10, 4 }, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_measurement_get_axis (ruler), ==, 0);
  g_assert_cmpuint (evox_measurement_get_slice (ruler), ==, 6);
  g_clear_object (&ruler);

  for (guint i = 0; i < G_N_ELEMENTS (bad_specs); i++)
    {
      g_assert_false (evox_ruler_spec_parse (bad_specs[i], start, end, &error));
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
      g_clear_error (&error);
    }
  /* Outside the volume, in no common slice, or no length at all. */
  g_assert_null (evox_measurement_new_from_voxels (volume, (guint[3]) { 14, 0, 0 },
                                                   (guint[3]) { 0, 0, 0 }, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "0..13"));
  g_clear_error (&error);
  g_assert_null (evox_measurement_new_from_voxels (volume, (guint[3]) { 1, 2, 3 },
                                                   (guint[3]) { 2, 3, 4 }, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (evox_measurement_new_from_voxels (volume, (guint[3]) { 1, 2, 3 },
                                                   (guint[3]) { 1, 2, 3 }, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
}

/* CSV: the header with units, every sample back as the same double, written safely. */
static void
test_profile_csv (void)
{
  const double spacing[3] = { 2.0, 2.0, 2.0 }, origin[3] = { 0.0, 0.0, 0.0 };
  g_autoptr(EvoxVolume) volume = random_volume (6, 6, 6, spacing, origin, 4);
  g_autoptr(EvoxProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "profile.csv", NULL);
  g_auto(GStrv) lines = NULL;
  double a[3] = { 0.0, 1.0, 4.0 }, b[3] = { 9.0, 7.0, 4.0 };

  evox_volume_set_values (volume, EVOX_SCALE_LOG10, "resistance", "ohm");
  profile = evox_profile_sample (volume, 0, a, b);
  g_assert_true (evox_profile_csv_write (path, profile, volume, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "distance_nm,x_nm,y_nm,z_nm,value_log10_ohm,sampling");
  g_assert_cmpuint (g_strv_length (lines), ==, profile->n + 2);
  g_assert_cmpstr (lines[profile->n + 1], ==, "");
  for (guint i = 0; i < profile->n; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i + 1], ",", -1);

      g_assert_cmpuint (g_strv_length (fields), ==, 6);
      g_assert_cmpfloat (g_ascii_strtod (fields[0], NULL), ==, profile->distance_nm[i]);
      for (guint c = 0; c < 3; c++)
        g_assert_cmpfloat (g_ascii_strtod (fields[1 + c], NULL), ==,
                           profile->position_nm[3 * i + c]);
      g_assert_cmpfloat (g_ascii_strtod (fields[4], NULL), ==, profile->value[i]);
      g_assert_cmpstr (fields[5], ==, "trilinear");
    }

  /* An existing file stays as it was, and nothing is left beside it. */
  g_assert_false (evox_profile_csv_write (path, profile, volume, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
  g_clear_error (&error);

  /* An unknown voxel size gives lengths in px. */
  evox_volume_set_spacing_known (volume, FALSE);
  g_clear_pointer (&text, g_free);
  text = evox_profile_csv_format (profile, volume);
  g_assert_true (g_str_has_prefix (text, "distance_px,x_px,y_px,z_px,value_log10_ohm,sampling\n0,0,0.5,2,"));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* With the voxel size unknown, the CSV counts voxels along each axis: a stack whose layer step
 * alone is known (an SSRM table without a pixel size: 1 nm stands in laterally, 10 nm a layer)
 * gives a ruler from voxel (1, 2, 0) to voxel (4, 2, 4) sqrt (3^2 + 4^2) = 5 px, not its
 * length in nm, and positions are voxel indices from the origin. */
static void
test_profile_csv_px (void)
{
  const double spacing[3] = { 1.0, 1.0, 10.0 }, origin[3] = { 5.0, -3.0, 20.0 };
  g_autoptr(EvoxVolume) volume = random_volume (6, 6, 6, spacing, origin, 7);
  g_autoptr(EvoxProfile) profile = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) first = NULL;
  g_auto(GStrv) last = NULL;
  double a[3] = { 6.0, -1.0, 20.0 }, b[3] = { 9.0, -1.0, 60.0 };

  evox_volume_set_spacing_known (volume, FALSE);
  profile = evox_profile_sample (volume, 0, a, b);
  text = evox_profile_csv_format (profile, volume);
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "distance_px,x_px,y_px,z_px,value,sampling");
  first = g_strsplit (lines[1], ",", -1);
  last = g_strsplit (lines[profile->n], ",", -1);
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (first[0], NULL), 0.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (first[1], NULL), 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (first[2], NULL), 2.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (first[3], NULL), 0.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (last[0], NULL), 5.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (last[1], NULL), 4.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (last[3], NULL), 4.0, 1e-12);
}

/* The document keeps the rulers and drops them with the volume they were drawn on. */
static void
test_document (void)
{
  const double spacing[3] = { 1.0, 1.0, 1.0 }, origin[3] = { 0.0, 0.0, 0.0 };
  g_autoptr(EvoxVolume) volume = random_volume (4, 4, 4, spacing, origin, 5);
  g_autoptr(EvoxDocument) document = evox_document_new ();
  g_autoptr(EvoxMeasurement) ruler = NULL;
  EvoxMeasurementList *list = evox_document_get_measurements (document);
  double a[3] = { 0, 0, 1 }, b[3] = { 3, 3, 1 };

  evox_document_set_volume (document, volume, "a", NULL);
  ruler = evox_measurement_new (2, 1, a, b);
  evox_measurement_list_append (list, ruler);
  g_assert_true (evox_document_get_measurements (document) == list);
  g_assert_cmpuint (evox_measurement_list_get_n_measurements (list), ==, 1);
  evox_document_set_view (document, EVOX_VIEW_QUAD);
  g_assert_cmpint (evox_document_get_view (document), ==, EVOX_VIEW_QUAD);
  evox_document_set_volume (document, volume, "b", NULL);
  g_assert_cmpuint (evox_measurement_list_get_n_measurements (list), ==, 0);
}

/* The value column is named in the sampled channel's unit: a linear map in eV beside log10
 * resistance gives value_eV, not value_log10_ohm. */
static void
test_profile_csv_channel_unit (void)
{
  const double spacing[3] = { 2.0, 2.0, 2.0 }, origin[3] = { 0.0, 0.0, 0.0 };
  g_autoptr(EvoxVolume) base = random_volume (6, 6, 6, spacing, origin, 4);
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxProfile) on_map = NULL;
  g_autoptr(EvoxProfile) on_base = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *map_text = NULL;
  g_autofree char *base_text = NULL;
  double a[3] = { 0.0, 1.0, 4.0 }, b[3] = { 9.0, 7.0, 4.0 };
  float *map = _evox_alloc_large (6 * 6 * 6 * sizeof (float));

  for (guint i = 0; i < 6 * 6 * 6; i++)
    map[i] = 8000.0f + (float) i;
  evox_volume_set_values (base, EVOX_SCALE_LOG10, "resistance", "ohm");
  volume = _evox_volume_new_with_channel (base, "edge", map, &error);
  g_assert_no_error (error);
  evox_volume_set_channel_values (volume, 1, EVOX_SCALE_LINEAR, "edge energy", "eV");
  on_map = evox_profile_sample (volume, 1, a, b);
  on_base = evox_profile_sample (volume, 0, a, b);
  g_assert_cmpuint (on_map->channel, ==, 1);
  map_text = evox_profile_csv_format (on_map, volume);
  base_text = evox_profile_csv_format (on_base, volume);
  g_assert_true (g_str_has_prefix (map_text, "distance_nm,x_nm,y_nm,z_nm,value_eV,sampling\n"));
  g_assert_true (g_str_has_prefix (base_text,
                                   "distance_nm,x_nm,y_nm,z_nm,value_log10_ohm,sampling\n"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Measurement/length", test_length);
  g_test_add_func ("/Evox/Measurement/document", test_document);
  g_test_add_func ("/Evox/Profile/row", test_profile_row);
  g_test_add_func ("/Evox/Profile/oblique", test_profile_oblique);
  g_test_add_func ("/Evox/Profile/electrode", test_profile_electrode);
  g_test_add_func ("/Evox/Profile/csv", test_profile_csv);
  g_test_add_func ("/Evox/Profile/csv-px", test_profile_csv_px);
  g_test_add_func ("/Evox/Profile/csv-channel-unit", test_profile_csv_channel_unit);
  g_test_add_func ("/Evox/Profile/sampling", test_profile_sampling);
  g_test_add_func ("/Evox/Measurement/from-voxels", test_from_voxels);
  return g_test_run ();
}
