/* test-spectrum.c: per-voxel spectra (voxel, box, value range, mask) against brute force, and
 * their CSV read back. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>

#include "evox-spectrum.h"
#include "evox-spectrum-csv.h"
#include "evox-test-util.h"

#define NX 9
#define NY 7
#define NZ 3
#define NC 6

/* An f32 spectral volume: channel c at 8000 + 10 c eV (channel 3 has no energy), values
 * 0.5 + c / 10 + noise, with NaN and inf sprinkled in (NaN everywhere at voxel (1, 2, 0)). */
static EvoxVolume *
spectral_volume_new (EvoxSampleType type)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (NX, NY, NZ, NC, type, &error);
  guint64 state = 7;

  g_assert_no_error (error);
  for (guint c = 0; c < NC; c++)
    {
      gpointer data = evox_volume_get_data_mut (volume, c);
      g_autofree char *label = g_strdup_printf ("E%u", c);

      evox_volume_set_channel_info (volume, c, label, c == 3 ? NAN : 8000 + 10.0 * c);
      for (gsize i = 0; i < NX * NY * NZ; i++)
        {
          double u = evox_test_uniform (&state);

          if (type == EVOX_SAMPLE_F32)
            {
              float v = 0.5f + c / 10.0f + (float) u;

              if (i == 1 + 2 * NX)
                v = NAN;
              else if (i % 17 == c)
                v = NAN;
              else if (i % 23 == c)
                v = INFINITY;
              ((float *) data)[i] = v;
            }
          else if (type == EVOX_SAMPLE_U16)
            ((guint16 *) data)[i] = (guint16) (u * 60000);
          else
            ((guint8 *) data)[i] = (guint8) (u * 255);
        }
    }
  evox_volume_freeze (volume);
  return volume;
}

static double
value (EvoxVolume *volume,
       guint       c,
       gsize       i)
{
  gconstpointer data = evox_volume_get_data (volume, c);

  switch (evox_volume_get_sample_type (volume))
    {
    case EVOX_SAMPLE_U8: return ((const guint8 *) data)[i];
    case EVOX_SAMPLE_U16: return ((const guint16 *) data)[i];
    default: return ((const float *) data)[i];
    }
}

/* Two-pass mean and population std in long double over the finite values where in[i]. */
static void
brute_force (EvoxVolume     *volume,
             guint           c,
             const gboolean *in,
             double         *mean,
             double         *std,
             guint64        *n)
{
  gsize n_voxels = evox_volume_get_n_voxels (volume);
  long double sum = 0, ss = 0;

  *n = 0;
  for (gsize i = 0; i < n_voxels; i++)
    if (in[i] && isfinite (value (volume, c, i)))
      {
        sum += value (volume, c, i);
        (*n)++;
      }
  *mean = *n > 0 ? (double) (sum / *n) : NAN;
  for (gsize i = 0; i < n_voxels; i++)
    if (in[i] && isfinite (value (volume, c, i)))
      ss += (value (volume, c, i) - (long double) *mean) * (value (volume, c, i) - *mean);
  *std = *n > 0 ? sqrt ((double) (ss / *n)) : NAN;
}

static void
assert_spectrum (EvoxVolume         *volume,
                 const EvoxSpectrum *spectrum,
                 const gboolean     *in)
{
  guint n_measured = 0;

  for (guint c = 0; c < evox_volume_get_n_channels (volume); c++)
    if (!evox_volume_get_channel_derived (volume, c))
      n_measured++;
  g_assert_cmpuint (spectrum->n_points, ==, n_measured);
  for (guint p = 0; p < spectrum->n_points; p++)
    {
      const EvoxSpectrumPoint *point = &spectrum->points[p];
      double mean, std, energy = evox_volume_get_channel_energy (volume, point->channel);
      guint64 n;

      g_assert_false (evox_volume_get_channel_derived (volume, point->channel));
      if (p > 0)
        g_assert_cmpuint (point->channel, >, spectrum->points[p - 1].channel);
      if (isnan (energy))
        g_assert_true (isnan (point->energy_ev));
      else
        g_assert_cmpfloat (point->energy_ev, ==, energy);
      brute_force (volume, point->channel, in, &mean, &std, &n);
      g_assert_cmpuint (point->voxels, ==, n);
      if (n == 0)
        {
          g_assert_true (isnan (point->mean));
          continue;
        }
      g_assert_cmpfloat_with_epsilon (point->mean, mean, 1e-12 * MAX (1, fabs (mean)));
      g_assert_cmpfloat_with_epsilon (point->std, std, 1e-11 * MAX (1, std));
    }
}

static void
test_voxel (void)
{
  g_autoptr(EvoxVolume) volume = spectral_volume_new (EVOX_SAMPLE_F32);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxSpectrum) spectrum = evox_spectrum_at (volume, 4, 5, 2, &error);
  g_autoptr(EvoxSpectrum) nan_voxel = NULL;
  g_autoptr(EvoxSpectrum) outside = NULL;
  g_autoptr(EvoxSpectrum) copy = NULL;
  g_autofree gboolean *in = g_new0 (gboolean, NX * NY * NZ);

  g_assert_no_error (error);
  g_assert_cmpstr (spectrum->label, ==, "voxel (4, 5, 2)");
  g_assert_cmpuint (spectrum->n_points, ==, NC);
  in[4 + 5 * NX + 2 * NX * NY] = TRUE;
  assert_spectrum (volume, spectrum, in);
  for (guint p = 0; p < NC; p++)
    {
      float v = ((const float *) evox_volume_get_data (volume, p))[4 + 5 * NX + 2 * NX * NY];

      if (isfinite (v))
        {
          g_assert_cmpfloat (spectrum->points[p].mean, ==, v);
          g_assert_cmpfloat (spectrum->points[p].std, ==, 0);
        }
    }

  /* A NaN voxel: counted as no value, not as a value. */
  nan_voxel = evox_spectrum_at (volume, 1, 2, 0, &error);
  g_assert_no_error (error);
  for (guint p = 0; p < NC; p++)
    {
      g_assert_cmpuint (nan_voxel->points[p].voxels, ==, 0);
      g_assert_true (isnan (nan_voxel->points[p].mean));
    }

  outside = evox_spectrum_at (volume, NX, 0, 0, &error);
  g_assert_null (outside);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "outside"));

  copy = evox_spectrum_copy (spectrum);
  g_assert_cmpstr (copy->label, ==, spectrum->label);
  g_assert_true (copy->points != spectrum->points);
  g_assert_cmpmem (copy->points, sizeof (EvoxSpectrumPoint) * NC, spectrum->points,
                   sizeof (EvoxSpectrumPoint) * NC);
}

static void
box_in (gboolean    *in,
        const gsize  lo[3],
        const gsize  hi[3])
{
  for (gsize z = 0; z < NZ; z++)
    for (gsize y = 0; y < NY; y++)
      for (gsize x = 0; x < NX; x++)
        in[(z * NY + y) * NX + x] = x >= lo[0] && x <= hi[0] && y >= lo[1] && y <= hi[1] &&
                                    z >= lo[2] && z <= hi[2];
}

static void
test_box (gconstpointer data)
{
  EvoxSampleType type = GPOINTER_TO_INT (data);
  g_autoptr(EvoxVolume) volume = spectral_volume_new (type);
  g_autoptr(GError) error = NULL;
  g_autofree gboolean *in = g_new0 (gboolean, NX * NY * NZ);
  const gsize lo[3] = { 1, 2, 0 }, hi[3] = { 6, 5, 1 };
  const gsize clip_lo[3] = { 3, 0, 1 }, clip_hi[3] = { 100, 100, 100 };
  const gsize clipped_hi[3] = { NX - 1, NY - 1, NZ - 1 };
  const gsize out_lo[3] = { NX, 0, 0 }, out_hi[3] = { NX + 3, 2, 2 };
  const gsize inverted_lo[3] = { 4, 0, 0 }, inverted_hi[3] = { 3, 2, 2 };
  g_autoptr(EvoxSpectrum) spectrum = evox_spectrum_box (volume, lo, hi, &error);
  g_autoptr(EvoxSpectrum) clipped = NULL;
  g_autoptr(EvoxSpectrum) outside = NULL;
  g_autoptr(EvoxSpectrum) inverted = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (spectrum->label, ==, "box (1, 2, 0)-(6, 5, 1)");
  box_in (in, lo, hi);
  assert_spectrum (volume, spectrum, in);

  /* Clipped to the volume, and the label says what was used. */
  clipped = evox_spectrum_box (volume, clip_lo, clip_hi, &error);
  g_assert_no_error (error);
  box_in (in, clip_lo, clipped_hi);
  assert_spectrum (volume, clipped, in);
  g_assert_cmpstr (clipped->label, ==, "box (3, 0, 1)-(8, 6, 2)");

  outside = evox_spectrum_box (volume, out_lo, out_hi, &error);
  g_assert_null (outside);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  inverted = evox_spectrum_box (volume, inverted_lo, inverted_hi, &error);
  g_assert_null (inverted);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
}

/* Rows longer than one tile are summed in pieces and merged: the same numbers as two passes.
 * Values far from zero with a small spread would lose digits to a naive sum of squares. */
static void
test_long_rows (void)
{
  const gsize nx = 10000;
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (nx, 2, 1, 2, EVOX_SAMPLE_F32, &error);
  g_autofree gboolean *in = g_new (gboolean, nx * 2);
  const gsize lo[3] = { 0, 0, 0 }, hi[3] = { nx - 1, 1, 0 };
  g_autoptr(EvoxSpectrum) spectrum = NULL;
  guint64 state = 3;

  g_assert_no_error (error);
  for (guint c = 0; c < 2; c++)
    {
      float *data = evox_volume_get_data_mut (volume, c);

      evox_volume_set_channel_info (volume, c, NULL, 7000 + c);
      for (gsize i = 0; i < nx * 2; i++)
        data[i] = 1e4f + (float) evox_test_uniform (&state) * 1e-2f;
    }
  evox_volume_freeze (volume);
  for (gsize i = 0; i < nx * 2; i++)
    in[i] = TRUE;
  spectrum = evox_spectrum_box (volume, lo, hi, &error);
  g_assert_no_error (error);
  assert_spectrum (volume, spectrum, in);
}

static void
test_range (void)
{
  g_autoptr(EvoxVolume) volume = spectral_volume_new (EVOX_SAMPLE_F32);
  g_autoptr(GError) error = NULL;
  g_autofree gboolean *in = g_new0 (gboolean, NX * NY * NZ);
  g_autoptr(EvoxSpectrum) spectrum = evox_spectrum_range (volume, 2, 0.9, 1.3, "Ni-rich",
                                                          &error);
  g_autoptr(EvoxSpectrum) unnamed = NULL;
  g_autoptr(EvoxSpectrum) empty = NULL;
  guint n_in = 0;

  g_assert_no_error (error);
  g_assert_cmpstr (spectrum->label, ==, "Ni-rich");
  /* The range is closed and NaN or inf never lies in it. */
  for (gsize i = 0; i < NX * NY * NZ; i++)
    {
      double v = value (volume, 2, i);

      in[i] = isfinite (v) && v >= 0.9 && v <= 1.3;
      n_in += in[i];
    }
  g_assert_cmpuint (n_in, >, 10);
  g_assert_cmpuint (n_in, <, NX * NY * NZ / 2);
  assert_spectrum (volume, spectrum, in);
  g_assert_cmpuint (spectrum->points[2].voxels, ==, n_in);

  unnamed = evox_spectrum_range (volume, 2, 0.9, 1.3, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (unnamed->label, ==, "channel 2 in [0.9, 1.3]");

  empty = evox_spectrum_range (volume, 2, 10, 20, "nothing", &error);
  g_assert_null (empty);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "nothing holds no voxels"));
}

static void
test_mask (void)
{
  g_autoptr(EvoxVolume) volume = spectral_volume_new (EVOX_SAMPLE_U16);
  g_autoptr(GError) error = NULL;
  g_autofree gboolean *in = g_new0 (gboolean, NX * NY * NZ);
  g_autofree guint8 *mask = g_new0 (guint8, NX * NY * NZ);
  g_autoptr(EvoxSpectrum) spectrum = NULL;
  g_autoptr(EvoxSpectrum) empty = NULL;
  guint64 state = 11;

  for (gsize i = 0; i < NX * NY * NZ; i++)
    {
      /* Any non-zero byte is in the mask. */
      mask[i] = evox_test_uniform (&state) < 0.3 ? (guint8) (1 + i % 200) : 0;
      in[i] = mask[i] != 0;
    }
  spectrum = evox_spectrum_mask (volume, mask, "particle 3", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (spectrum->label, ==, "particle 3");
  assert_spectrum (volume, spectrum, in);

  memset (mask, 0, NX * NY * NZ);
  empty = evox_spectrum_mask (volume, mask, "particle 4", &error);
  g_assert_null (empty);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
}

/* A derived channel (a map computed from the spectra) is no energy of the spectrum. */
static void
test_derived (void)
{
  g_autoptr(EvoxVolume) base = spectral_volume_new (EVOX_SAMPLE_U8);
  g_autoptr(GError) error = NULL;
  guint8 *map = _evox_alloc_large (NX * NY * NZ);
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxSpectrum) spectrum = NULL;
  g_autofree gboolean *in = g_new0 (gboolean, NX * NY * NZ);
  const gsize lo[3] = { 0, 0, 0 }, hi[3] = { 2, 2, 2 };

  memset (map, 9, NX * NY * NZ);
  volume = _evox_volume_new_with_channel (base, "edge energy", map, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, NC + 1);
  g_assert_true (evox_volume_get_channel_derived (volume, NC));
  spectrum = evox_spectrum_box (volume, lo, hi, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (spectrum->n_points, ==, NC);
  box_in (in, lo, hi);
  assert_spectrum (volume, spectrum, in);
}

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  return text;
}

static void
test_csv (void)
{
  g_autoptr(EvoxVolume) volume = spectral_volume_new (EVOX_SAMPLE_F32);
  g_autoptr(GError) error = NULL;
  char *dir = evox_test_tmpdir_new ();
  g_autofree char *one = g_build_filename (dir, "one.csv", NULL);
  g_autofree char *several = g_build_filename (dir, "several.csv", NULL);
  const gsize lo[3] = { 0, 0, 0 }, hi[3] = { 3, 3, 0 };
  g_autoptr(EvoxSpectrum) box = evox_spectrum_box (volume, lo, hi, &error);
  g_autoptr(EvoxSpectrum) phase = evox_spectrum_range (volume, 0, 0.5, 1.0, "phase A", &error);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) rows2 = NULL;
  g_autofree char *text = NULL;
  EvoxSpectrum *pair[2];

  g_assert_no_error (error);
  g_assert_true (evox_spectrum_csv_write (&box, 1, one, FALSE, &error));
  g_assert_no_error (error);
  rows = evox_test_csv_read (one);
  evox_test_csv_assert_header (rows, "energy_ev,mean,std,voxels");
  g_assert_cmpuint (rows->len, ==, 1 + NC);
  /* Every number reads back as the same double; the channel without an energy is nan. */
  for (guint p = 0; p < NC; p++)
    {
      const EvoxSpectrumPoint *point = &box->points[p];

      if (isnan (point->energy_ev))
        g_assert_true (isnan (evox_test_csv_double (rows, p + 1, 0)));
      else
        g_assert_cmpfloat (evox_test_csv_double (rows, p + 1, 0), ==, point->energy_ev);
      g_assert_cmpfloat (evox_test_csv_double (rows, p + 1, 1), ==, point->mean);
      g_assert_cmpfloat (evox_test_csv_double (rows, p + 1, 2), ==, point->std);
      g_assert_cmpfloat (evox_test_csv_double (rows, p + 1, 3), ==, point->voxels);
    }

  /* An existing file stays unless forced; nothing else is left in the folder. */
  g_assert_false (evox_spectrum_csv_write (&phase, 1, one, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);

  /* Several: a first column with each label, quoted when it holds a comma. */
  pair[0] = phase;
  pair[1] = box;
  g_assert_true (evox_spectrum_csv_write (pair, 2, several, FALSE, &error));
  g_assert_no_error (error);
  text = read_text (several);
  g_assert_true (g_str_has_prefix (text, "spectrum,energy_ev,mean,std,voxels\nphase A,8000,"));
  g_assert_nonnull (strstr (text, "\n\"box (0, 0, 0)-(3, 3, 0)\",8000,"));
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 2);

  /* --force replaces. */
  g_assert_true (evox_spectrum_csv_write (pair, 1, one, TRUE, &error));
  g_assert_no_error (error);
  rows2 = evox_test_csv_read (one);
  g_assert_cmpfloat (evox_test_csv_double (rows2, 1, 1), ==, phase->points[0].mean);
  g_assert_cmpfloat (evox_test_csv_double (rows2, 1, 3), ==, phase->points[0].voxels);

  evox_test_tmpdir_free (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Spectrum/voxel", test_voxel);
  g_test_add_data_func ("/Evox/Spectrum/box/f32", GINT_TO_POINTER (EVOX_SAMPLE_F32), test_box);
  g_test_add_data_func ("/Evox/Spectrum/box/u16", GINT_TO_POINTER (EVOX_SAMPLE_U16), test_box);
  g_test_add_data_func ("/Evox/Spectrum/box/u8", GINT_TO_POINTER (EVOX_SAMPLE_U8), test_box);
  g_test_add_func ("/Evox/Spectrum/long-rows", test_long_rows);
  g_test_add_func ("/Evox/Spectrum/range", test_range);
  g_test_add_func ("/Evox/Spectrum/mask", test_mask);
  g_test_add_func ("/Evox/Spectrum/derived", test_derived);
  g_test_add_func ("/Evox/Spectrum/csv", test_csv);
  return g_test_run ();
}
