/* test-hdf5.c: Data Exchange HDF5 files the test writes with the HDF5 C library, read back and
 * checked value by value against the numbers it wrote; Evox's writer read back the same way. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>
#include <hdf5.h>
#include <glib/gstdio.h>

#include "evox-hdf5.h"
#include "evox-loader.h"
#include "evox-test-util.h"

/* ------------------------------------------------------------------------------------------ */
/* Writing test files with the library itself                                                  */

static hid_t
create_file (const char *path)
{
  hid_t file = H5Fcreate (path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);

  g_assert_cmpint (file, >=, 0);
  return file;
}

/* A dataset at name (groups created as needed) holding doubles converted to file_type. */
static hid_t
put_doubles (hid_t          file,
             const char    *name,
             hid_t          file_type,
             int            rank,
             const hsize_t *dims,
             const double  *values)
{
  hid_t lcpl = H5Pcreate (H5P_LINK_CREATE);
  hid_t space = rank == 0 ? H5Screate (H5S_SCALAR) : H5Screate_simple (rank, dims, NULL);
  hid_t dataset;

  H5Pset_create_intermediate_group (lcpl, 1);
  dataset = H5Dcreate2 (file, name, file_type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  g_assert_cmpint (dataset, >=, 0);
  g_assert_cmpint (H5Dwrite (dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values),
                   >=, 0);
  H5Sclose (space);
  H5Pclose (lcpl);
  return dataset;
}

static void
put_vector (hid_t         file,
            const char   *name,
            const double *values,
            hsize_t       n,
            const char   *units)
{
  hid_t dataset = put_doubles (file, name, H5T_IEEE_F64LE, 1, &n, values);

  if (units != NULL)
    {
      /* A fixed-length string, as many writers (and h5py's np.bytes_) store it. */
      hid_t type = H5Tcopy (H5T_C_S1);
      hid_t space = H5Screate (H5S_SCALAR);
      hid_t attribute;

      H5Tset_size (type, strlen (units));
      attribute = H5Acreate2 (dataset, "units", type, space, H5P_DEFAULT, H5P_DEFAULT);
      g_assert_cmpint (H5Awrite (attribute, type, units), >=, 0);
      H5Aclose (attribute);
      H5Sclose (space);
      H5Tclose (type);
    }
  H5Dclose (dataset);
}

/* Values of a test image: distinct, some negative when the type allows it. */
static double
pattern (guint64 i,
         gboolean signed_type,
         gboolean fractional)
{
  double v = (double) ((i * 37) % 251);

  if (signed_type)
    v -= 100;
  if (fractional)
    v = v * 1.25 + 0.125;
  return v;
}

static char *
tmp_file (const char *dir,
          const char *name)
{
  return g_build_filename (dir, name, NULL);
}

static EvoxVolume *
load_ok (const char *path,
         guint       bin)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_hdf5_load (path, bin, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (volume);
  return volume;
}

/* ------------------------------------------------------------------------------------------ */

static void
test_signature (void)
{
  static const guint8 good[] = { 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n', 0 };
  static const guint8 bad[] = { 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, 'x', 0 };

  g_assert_true (evox_hdf5_has_signature (good, sizeof good));
  g_assert_false (evox_hdf5_has_signature (good, 7));
  g_assert_false (evox_hdf5_has_signature (bad, sizeof bad));
}

/* Each stored type, little- and big-endian, as (z, y, x): u8 and u16 stay, the rest are f32
 * holding the stored value (as a float). */
static void
test_types (void)
{
  static const struct { const char *name; hid_t *type; gboolean is_signed, frac;
                        EvoxSampleType expect; } types[] = {
    { "u8", &H5T_STD_U8LE_g, FALSE, FALSE, EVOX_SAMPLE_U8 },
    { "i16", &H5T_STD_I16LE_g, TRUE, FALSE, EVOX_SAMPLE_F32 },
    { "i16be", &H5T_STD_I16BE_g, TRUE, FALSE, EVOX_SAMPLE_F32 },
    { "u16", &H5T_STD_U16LE_g, FALSE, FALSE, EVOX_SAMPLE_U16 },
    { "u16be", &H5T_STD_U16BE_g, FALSE, FALSE, EVOX_SAMPLE_U16 },
    { "i32", &H5T_STD_I32LE_g, TRUE, FALSE, EVOX_SAMPLE_F32 },
    { "f32", &H5T_IEEE_F32LE_g, TRUE, TRUE, EVOX_SAMPLE_F32 },
    { "f64", &H5T_IEEE_F64BE_g, TRUE, TRUE, EVOX_SAMPLE_F32 },
  };
  g_autofree char *dir = evox_test_tmpdir_new ();
  const hsize_t dims[3] = { 3, 4, 5 };
  double values[60];

  H5open ();
  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    {
      g_autofree char *name = g_strdup_printf ("%s.h5", types[t].name);
      g_autofree char *path = tmp_file (dir, name);
      g_autoptr(EvoxVolume) volume = NULL;
      hid_t file = create_file (path);
      gsize d[3];

      for (guint i = 0; i < 60; i++)
        values[i] = pattern (i, types[t].is_signed, types[t].frac);
      H5Dclose (put_doubles (file, "/exchange/data", *types[t].type, 3, dims, values));
      H5Fclose (file);

      volume = load_ok (path, 1);
      evox_volume_get_dims (volume, d);
      g_assert_cmpuint (d[0], ==, 5);
      g_assert_cmpuint (d[1], ==, 4);
      g_assert_cmpuint (d[2], ==, 3);
      g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 1);
      g_assert_cmpint (evox_volume_get_sample_type (volume), ==, types[t].expect);
      for (guint i = 0; i < 60; i++)
        g_assert_cmpfloat (evox_volume_get_value (volume, 0, i % 5, (i / 5) % 4, i / 20), ==,
                           (float) values[i]);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* 2D, 3D with and without energies (and theta), 4D: channels and layers as the layout says. */
static void
test_layouts (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = tmp_file (dir, "layout.h5");
  double values[2 * 3 * 4 * 5], energies[3] = { 8300, 8350, 8400 };
  double angles[3] = { 0, 90, 180 }, same[3] = { 12, 12, 12 };
  /* A series at one energy with its energy per frame: layers, as the Xradia reader reads a tilt
   * series, not three channels of one energy. */
  double one_energy[3] = { 8333, 8333, 8333 };
  struct { int rank; hsize_t dims[4]; const double *energy; const double *theta;
           guint channels; gsize nz; } cases[] = {
    { 2, { 4, 5 }, NULL, NULL, 1, 1 },
    { 3, { 3, 4, 5 }, energies, NULL, 3, 1 },
    { 3, { 3, 4, 5 }, energies, angles, 1, 3 },
    { 3, { 3, 4, 5 }, energies, same, 3, 1 },
    { 3, { 3, 4, 5 }, one_energy, NULL, 1, 3 },
    { 3, { 3, 4, 5 }, NULL, NULL, 1, 3 },
    { 4, { 2, 3, 4, 5 }, NULL, NULL, 2, 3 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    values[i] = pattern (i, FALSE, TRUE);
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr(EvoxVolume) volume = NULL;
      hid_t file = create_file (path);
      gsize d[3];

      H5Dclose (put_doubles (file, "/exchange/data", H5T_IEEE_F32LE, cases[k].rank,
                             cases[k].dims, values));
      if (cases[k].energy != NULL)
        put_vector (file, "/exchange/energy", cases[k].energy, 3, "eV");
      if (cases[k].theta != NULL)
        put_vector (file, "/exchange/theta", cases[k].theta, 3, NULL);
      H5Fclose (file);

      volume = load_ok (path, 1);
      evox_volume_get_dims (volume, d);
      g_assert_cmpuint (d[0], ==, 5);
      g_assert_cmpuint (d[1], ==, 4);
      g_assert_cmpuint (d[2], ==, cases[k].nz);
      g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, cases[k].channels);
      /* Voxel (x, y, z) of channel c is element ((c * nz + z) * 4 + y) * 5 + x, energy first. */
      for (guint c = 0; c < cases[k].channels; c++)
        for (gsize z = 0; z < cases[k].nz; z++)
          for (gsize y = 0; y < 4; y++)
            for (gsize x = 0; x < 5; x++)
              g_assert_cmpfloat (evox_volume_get_value (volume, c, x, y, z), ==,
                                 (float) values[((c * cases[k].nz + z) * 4 + y) * 5 + x]);
      if (cases[k].channels == 3)
        for (guint c = 0; c < 3; c++)
          g_assert_cmpfloat (evox_volume_get_channel_energy (volume, c), ==, energies[c]);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* -ln((I - dark) / (white - dark)) with frames averaged, computed here in doubles. */
static double
od (double i,
    double white,
    double dark)
{
  double num = i - dark, den = white - dark;

  return num > 0 && den > 0 ? -log (num / den) : NAN;
}

static void
assert_od (EvoxVolume *volume,
           guint       c,
           gsize       x,
           gsize       y,
           gsize       z,
           double      expect)
{
  double got = evox_volume_get_value (volume, c, x, y, z);

  if (isnan (expect))
    g_assert_true (isnan (got));
  else
    g_assert_cmpfloat_with_epsilon (got, expect, 1e-5);
}

/* Projections (theta, y, x) u16 with two white and two dark frames; a 2D stack with one white
 * per energy and no dark; a 4D stack with (E, frames, y, x) whites. */
static void
test_flat_dark (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = tmp_file (dir, "flat.h5");
  const hsize_t dims[3] = { 3, 2, 4 }, ref_dims[3] = { 2, 2, 4 };
  double data[24], white[24], dark[16];
  g_autoptr(EvoxVolume) volume = NULL;
  hid_t file;

  for (guint i = 0; i < 24; i++)
    data[i] = 100 + 13 * i;
  data[5] = 3;  /* at or below the dark: no density */
  for (guint i = 0; i < 24; i++)
    white[i] = 900 + 7 * i;
  for (guint i = 0; i < 16; i++)
    dark[i] = 4 + (i % 3);
  file = create_file (path);
  H5Dclose (put_doubles (file, "/exchange/data", H5T_STD_U16LE, 3, dims, data));
  H5Dclose (put_doubles (file, "/exchange/data_white", H5T_STD_U16LE, 3, ref_dims, white));
  H5Dclose (put_doubles (file, "/exchange/data_dark", H5T_STD_I32LE, 3, ref_dims, dark));
  H5Fclose (file);

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxHdf5Info) info = evox_hdf5_read_info (path, &error);

    g_assert_no_error (error);
    g_assert_true (info->has_white);
    g_assert_true (info->has_dark);
    g_assert_cmpuint (info->shape[0], ==, 3);
    g_assert_cmpuint (info->n_energies, ==, 0);
    g_assert_true (isnan (info->pixel_size_nm));
  }
  volume = load_ok (path, 1);
  g_assert_cmpint (evox_volume_get_sample_type (volume), ==, EVOX_SAMPLE_F32);
  g_assert_cmpstr (evox_volume_get_quantity (volume), ==, "optical density");
  g_assert_cmpstr (evox_volume_get_metadata (volume, "info.flat field"), ==,
                   "data_white 2 frames, data_dark 2");
  g_assert_cmpstr (evox_volume_get_metadata (volume, "info.layout"), ==,
                   "(z, y, x) 3 x 2 x 4 uint16");
  for (guint z = 0; z < 3; z++)
    for (guint p = 0; p < 8; p++)
      assert_od (volume, 0, p % 4, p / 4, z,
                 od (data[z * 8 + p], (white[p] + white[8 + p]) / 2, (dark[p] + dark[8 + p]) / 2));
  g_assert_true (isnan (evox_volume_get_value (volume, 0, 1, 1, 0)));
  /* The NaN pixels are said, as the scan-script reader says them; counted here by brute force. */
  {
    guint n_nan = 0;
    g_autofree char *expected = NULL;

    for (guint z = 0; z < 3; z++)
      for (guint p = 0; p < 8; p++)
        n_nan += isnan (od (data[z * 8 + p], (white[p] + white[8 + p]) / 2,
                            (dark[p] + dark[8 + p]) / 2));
    g_assert_cmpuint (n_nan, ==, 1);
    expected = g_strdup_printf ("%u pixels have data or white at or below the dark (or 0): "
                                "their optical density is NaN", n_nan);
    g_assert_cmpstr (evox_volume_get_metadata (volume, "spectral_warnings"), ==, expected);
  }
  g_clear_object (&volume);

  /* (E, y, x) with a white per energy, no dark. */
  {
    double energies[3] = { 7.7, 7.75, 7.8 };  /* keV, unlabelled */

    file = create_file (path);
    H5Dclose (put_doubles (file, "/exchange/data", H5T_IEEE_F32LE, 3, dims, data));
    H5Dclose (put_doubles (file, "/exchange/data_white", H5T_IEEE_F64LE, 3, dims, white));
    put_vector (file, "/exchange/energy", energies, 3, NULL);
    H5Fclose (file);
    volume = load_ok (path, 1);
    g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 3);
    g_assert_cmpfloat_with_epsilon (evox_volume_get_channel_energy (volume, 1), 7750, 1e-9);
    for (guint c = 0; c < 3; c++)
      for (guint p = 0; p < 8; p++)
        assert_od (volume, c, p % 4, p / 4, 0, od (data[c * 8 + p], white[c * 8 + p], 0));
    g_assert_cmpstr (evox_volume_get_metadata (volume, "info.flat field"), ==,
                     "data_white 1 frames per energy, no data_dark");
    g_assert_null (evox_volume_get_metadata (volume, "spectral_warnings"));
    g_clear_object (&volume);
  }

  /* (E, z, y, x) = (2, 1, 2, 4) with whites (E, 2 frames, y, x). */
  {
    const hsize_t d4[4] = { 2, 1, 2, 4 }, w4[4] = { 2, 2, 2, 4 };
    double w[32];

    for (guint i = 0; i < 32; i++)
      w[i] = 500 + 11 * i;
    file = create_file (path);
    H5Dclose (put_doubles (file, "/exchange/data", H5T_STD_U16LE, 4, d4, data));
    H5Dclose (put_doubles (file, "/exchange/data_white", H5T_STD_U16LE, 4, w4, w));
    H5Fclose (file);
    volume = load_ok (path, 1);
    g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 2);
    for (guint c = 0; c < 2; c++)
      for (guint p = 0; p < 8; p++)
        assert_od (volume, c, p % 4, p / 4, 0,
                   od (data[c * 8 + p], (w[c * 16 + p] + w[c * 16 + 8 + p]) / 2, 0));
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Units attributes and the rules without them. */
static void
test_units (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = tmp_file (dir, "units.h5");
  const hsize_t dims[3] = { 2, 2, 2 };
  double data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  struct { double energy; const char *eunits; double angle; const char *aunits;
           double pixel; const char *punits; double e_ev, a_deg, p_nm; } cases[] = {
    { 8.333, "keV", 1.5, "rad", 30, "nm", 8333, 1.5 * 180 / G_PI, 30 },
    { 8333, "eV", 45, "deg", 0.03, "um", 8333, 45, 30 },
    { 8.333, NULL, 45, NULL, 3e-8, NULL, 8333, 45, 30 },
    { 8333, NULL, 45, NULL, 0.03, NULL, 8333, 45, 30 },
    { 1.3350e-15, "J", 45, "degrees", 3e-8, "m", 1.3350e-15 / 1.602176634e-19, 45, 30 },
  };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr(EvoxHdf5Info) info = NULL;
      g_autoptr(EvoxVolume) volume = NULL;
      g_autoptr(GError) error = NULL;
      double spacing[3];
      hid_t file = create_file (path);

      H5Dclose (put_doubles (file, "/exchange/data", H5T_STD_U8LE, 3, dims, data));
      put_vector (file, "/exchange/energy", &cases[k].energy, 1, cases[k].eunits);
      put_vector (file, "/exchange/theta", &cases[k].angle, 1, cases[k].aunits);
      put_vector (file, "/exchange/pixel_size", &cases[k].pixel, 1, cases[k].punits);
      H5Fclose (file);

      info = evox_hdf5_read_info (path, &error);
      g_assert_no_error (error);
      g_assert_cmpint (info->rank, ==, 3);
      g_assert_cmpstr (info->type_name, ==, "uint8");
      g_assert_cmpuint (info->n_energies, ==, 1);
      g_assert_cmpfloat_with_epsilon (info->energies_ev[0], cases[k].e_ev, 1e-6);
      g_assert_cmpuint (info->n_angles, ==, 1);
      g_assert_cmpfloat_with_epsilon (info->angles_deg[0], cases[k].a_deg, 1e-9);
      g_assert_cmpfloat_with_epsilon (info->pixel_size_nm, cases[k].p_nm, 1e-9);
      g_assert_false (info->has_white);

      volume = load_ok (path, 1);
      evox_volume_get_spacing (volume, spacing);
      g_assert_true (evox_volume_get_spacing_known (volume));
      g_assert_cmpfloat_with_epsilon (spacing[0], cases[k].p_nm, 1e-9);
      g_assert_cmpfloat_with_epsilon (spacing[2], cases[k].p_nm, 1e-9);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* bin 2: means of 2^3 voxels (f32, 3D), of 2^2 pixels rounded (u16 2D stack, odd sizes). */
static void
test_bin (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = tmp_file (dir, "bin.h5");
  const hsize_t d3[3] = { 4, 5, 6 }, ds[3] = { 2, 5, 5 };
  double v[120], e[2] = { 8000, 8100 }, pixel = 10;
  g_autoptr(EvoxVolume) volume = NULL;
  double spacing[3];
  gsize d[3];
  hid_t file;

  for (guint i = 0; i < 120; i++)
    v[i] = pattern (i, TRUE, TRUE);
  file = create_file (path);
  H5Dclose (put_doubles (file, "/exchange/data", H5T_IEEE_F32LE, 3, d3, v));
  put_vector (file, "/exchange/pixel_size", &pixel, 1, "nm");
  H5Fclose (file);
  volume = load_ok (path, 2);
  evox_volume_get_dims (volume, d);
  g_assert_cmpuint (d[0], ==, 3);
  g_assert_cmpuint (d[1], ==, 2);
  g_assert_cmpuint (d[2], ==, 2);
  evox_volume_get_spacing (volume, spacing);
  g_assert_cmpfloat (spacing[0], ==, 20);
  for (gsize z = 0; z < 2; z++)
    for (gsize y = 0; y < 2; y++)
      for (gsize x = 0; x < 3; x++)
        {
          double sum = 0;

          for (guint k = 0; k < 8; k++)
            sum += (float) v[((2 * z + k / 4) * 5 + 2 * y + (k / 2) % 2) * 6 + 2 * x + k % 2];
          g_assert_cmpfloat_with_epsilon (evox_volume_get_value (volume, 0, x, y, z), sum / 8,
                                          1e-4);
        }
  g_clear_object (&volume);

  for (guint i = 0; i < 50; i++)
    v[i] = (i * 263) % 1000;
  file = create_file (path);
  H5Dclose (put_doubles (file, "/exchange/data", H5T_STD_U16LE, 3, ds, v));
  put_vector (file, "/exchange/energy", e, 2, "eV");
  H5Fclose (file);
  volume = load_ok (path, 2);
  evox_volume_get_dims (volume, d);
  g_assert_cmpuint (d[0], ==, 2);
  g_assert_cmpuint (d[1], ==, 2);
  g_assert_cmpuint (d[2], ==, 1);
  g_assert_cmpint (evox_volume_get_sample_type (volume), ==, EVOX_SAMPLE_U16);
  for (guint c = 0; c < 2; c++)
    for (gsize y = 0; y < 2; y++)
      for (gsize x = 0; x < 2; x++)
        {
          double sum = 0;

          for (guint k = 0; k < 4; k++)
            sum += v[c * 25 + (2 * y + k / 2) * 5 + 2 * x + k % 2];
          g_assert_cmpfloat (evox_volume_get_value (volume, c, x, y, 0), ==, round (sum / 4));
        }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Evox writes, Evox reads: values, energies, labels, pixel sizes, value meaning, metadata; an
 * existing file needs force; nothing but the file is left in the folder.
 *
 * Checked by hand with h5py 3.7 (/usr/bin/python3) on a file this test writes: the keys are
 * ['exchange', 'implements'], f['implements'][()] is b'exchange' (h5py gives bytes for a scalar
 * string dataset read with [()]; .asstr()[()] gives 'exchange'), f['exchange/data'] has shape
 * (3, 4, 5) and dtype uint16 with chunks (1, 4, 5), attrs axes='energy:y:x', units='counts',
 * f['exchange/energy'][:] is [8300., 8333., 8400.] with units 'eV', f['exchange/pixel_size']
 * is [0.03, 0.031, 0.032] with units 'um', and f.attrs['sample'] == 'NMC 811'. */
static void
test_round_trip (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = tmp_file (dir, "out.h5");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (5, 4, 1, 3, EVOX_SAMPLE_U16, &error);
  g_autoptr(EvoxVolume) back = NULL;
  double spacing[3] = { 30, 30, 30 }, got[3];
  const double energies[3] = { 8300, 8333, 8400 };

  for (guint c = 0; c < 3; c++)
    {
      guint16 *v = evox_volume_get_data_mut (volume, c);
      g_autofree char *label = g_strdup_printf ("E%u", c);

      for (guint i = 0; i < 20; i++)
        v[i] = (guint16) (i * 1000 + c * 7);
      evox_volume_set_channel_info (volume, c, label, energies[c]);
      evox_volume_set_channel_pixel_size (volume, c, 30 + c);
    }
  evox_volume_set_spacing (volume, spacing);
  evox_volume_set_spacing_known (volume, TRUE);
  evox_volume_set_metadata (volume, "sample", "NMC 811");
  evox_volume_set_metadata (volume, "info.layout", "from elsewhere");
  evox_volume_set_metadata (volume, "spectral_warnings", "3 files were missing");
  g_assert_true (evox_hdf5_write (volume, path, FALSE, NULL, NULL, &error));
  g_assert_no_error (error);

  /* Through the loader: the signature is detected. */
  back = evox_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_channels (back), ==, 3);
  g_assert_cmpint (evox_volume_get_sample_type (back), ==, EVOX_SAMPLE_U16);
  for (guint c = 0; c < 3; c++)
    {
      g_assert_cmpmem (evox_volume_get_data (back, c), 40, evox_volume_get_data (volume, c), 40);
      g_assert_cmpfloat (evox_volume_get_channel_energy (back, c), ==, energies[c]);
      g_assert_cmpfloat_with_epsilon (evox_volume_get_channel_pixel_size (back, c), 30 + c, 1e-9);
    }
  g_assert_cmpstr (evox_volume_get_channel_label (back, 1), ==, "E1");
  evox_volume_get_spacing (back, got);
  g_assert_cmpfloat_with_epsilon (got[0], 30, 1e-9);
  g_assert_true (evox_volume_get_spacing_known (back));
  g_assert_cmpstr (evox_volume_get_metadata (back, "sample"), ==, "NMC 811");
  g_assert_cmpstr (evox_volume_get_metadata (back, "info.layout"), ==,
                   "(energy, y, x) 3 x 4 x 5 uint16");
  /* The source's load warnings were said when it was read, not again for this file. */
  g_assert_null (evox_volume_get_metadata (back, "spectral_warnings"));
  g_clear_object (&back);

  /* The file exists: refused without force, replaced with it. */
  g_assert_false (evox_hdf5_write (volume, path, FALSE, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (evox_hdf5_write (volume, path, TRUE, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
  {
    g_autofree char *nowhere = g_build_filename (dir, "missing", "out.h5", NULL);

    g_assert_false (evox_hdf5_write (volume, nowhere, FALSE, NULL, NULL, &error));
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, "out.h5"));
    g_clear_error (&error);
  }
  g_clear_object (&volume);

  /* Two f32 channels without energies, 3 layers, log10 values: (E, z, y, x). */
  volume = evox_volume_new (3, 2, 3, 2, EVOX_SAMPLE_F32, &error);
  for (guint c = 0; c < 2; c++)
    {
      float *v = evox_volume_get_data_mut (volume, c);

      for (guint i = 0; i < 18; i++)
        v[i] = i == 4 ? NAN : (float) pattern (i + 18 * c, TRUE, TRUE);
    }
  evox_volume_set_values (volume, EVOX_SCALE_LOG10, "resistance", "ohm");
  g_assert_true (evox_hdf5_write (volume, path, TRUE, NULL, NULL, &error));
  g_assert_no_error (error);
  back = load_ok (path, 1);
  g_assert_cmpuint (evox_volume_get_n_channels (back), ==, 2);
  g_assert_false (evox_volume_get_spacing_known (back));
  for (guint c = 0; c < 2; c++)
    g_assert_cmpmem (evox_volume_get_data (back, c), 72, evox_volume_get_data (volume, c), 72);
  g_assert_cmpint (evox_volume_get_value_scale (back), ==, EVOX_SCALE_LOG10);
  g_assert_cmpstr (evox_volume_get_quantity (back), ==, "resistance");
  g_assert_cmpstr (evox_volume_get_unit (back), ==, "ohm");
  g_clear_object (&back);
  g_clear_object (&volume);

  /* One u8 channel, 2 layers: (z, y, x). */
  volume = evox_volume_new (2, 2, 2, 1, EVOX_SAMPLE_U8, &error);
  memcpy (evox_volume_get_data_mut (volume, 0), "\1\2\3\4\5\6\7\10", 8);
  g_assert_true (evox_hdf5_write (volume, path, TRUE, NULL, NULL, &error));
  back = load_ok (path, 1);
  g_assert_cmpint (evox_volume_get_sample_type (back), ==, EVOX_SAMPLE_U8);
  g_assert_cmpmem (evox_volume_get_data (back, 0), 8, "\1\2\3\4\5\6\7\10", 8);
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
assert_refused (const char *path,
                const char *name,
                int         code,
                const char *reason)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_hdf5_load (path, 1, NULL, NULL, &error);

  g_assert_null (volume);
  g_assert_error (error, EVOX_ERROR, code);
  g_assert_nonnull (strstr (error->message, name));
  g_assert_nonnull (strstr (error->message, reason));
}

static void
test_bad_input (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  const hsize_t d1 = 4, d5[5] = { 1, 1, 1, 2, 2 };
  double values[8] = { 0 };
  gsize length;
  hid_t file;

  /* Not HDF5 at all. */
  path = tmp_file (dir, "text.h5");
  g_assert_true (g_file_set_contents (path, "hello, world\n", -1, NULL));
  assert_refused (path, "text.h5", EVOX_ERROR_INVALID_DATA, "not an HDF5 file");
  g_free (path);

  /* The signature, then garbage: HDF5's own refusal, named. */
  path = tmp_file (dir, "garbage.h5");
  {
    guint8 head[600];

    for (guint i = 0; i < sizeof head; i++)
      head[i] = (guint8) (i * 131 + 7);
    memcpy (head, "\x89HDF\r\n\x1a\n", 8);
    g_assert_true (g_file_set_contents (path, (const char *) head, sizeof head, NULL));
    assert_refused (path, "garbage.h5", EVOX_ERROR_INVALID_DATA, "cannot open as HDF5");
  }
  g_free (path);

  /* HDF5 without /exchange/data. */
  path = tmp_file (dir, "other.h5");
  file = create_file (path);
  H5Dclose (put_doubles (file, "/entry/data", H5T_IEEE_F32LE, 1, &d1, values));
  H5Fclose (file);
  assert_refused (path, "other.h5", EVOX_ERROR_UNSUPPORTED, "no /exchange/data");
  g_free (path);

  /* A compound dataset. */
  path = tmp_file (dir, "compound.h5");
  file = create_file (path);
  {
    hid_t type = H5Tcreate (H5T_COMPOUND, 2 * sizeof (double));
    hid_t lcpl = H5Pcreate (H5P_LINK_CREATE);
    hid_t space = H5Screate_simple (1, &d1, NULL);

    H5Tinsert (type, "a", 0, H5T_NATIVE_DOUBLE);
    H5Tinsert (type, "b", sizeof (double), H5T_NATIVE_DOUBLE);
    H5Pset_create_intermediate_group (lcpl, 1);
    H5Dclose (H5Dcreate2 (file, "/exchange/data", type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT));
    H5Sclose (space);
    H5Pclose (lcpl);
    H5Tclose (type);
  }
  H5Fclose (file);
  assert_refused (path, "compound.h5", EVOX_ERROR_UNSUPPORTED, "compound");
  g_free (path);

  /* Rank 5 and rank 1. */
  path = tmp_file (dir, "rank5.h5");
  file = create_file (path);
  H5Dclose (put_doubles (file, "/exchange/data", H5T_IEEE_F32LE, 5, d5, values));
  H5Fclose (file);
  assert_refused (path, "rank5.h5", EVOX_ERROR_UNSUPPORTED, "rank 5");
  g_free (path);
  path = tmp_file (dir, "rank1.h5");
  file = create_file (path);
  H5Dclose (put_doubles (file, "/exchange/data", H5T_IEEE_F32LE, 1, &d1, values));
  H5Fclose (file);
  assert_refused (path, "rank1.h5", EVOX_ERROR_UNSUPPORTED, "rank 1");

  /* Energies in units Evox does not know; a white of another image size. */
  g_free (path);
  path = tmp_file (dir, "units.h5");
  file = create_file (path);
  {
    const hsize_t d3[3] = { 1, 2, 2 }, w3[3] = { 1, 2, 3 };
    double e = 8333;

    H5Dclose (put_doubles (file, "/exchange/data", H5T_IEEE_F32LE, 3, d3, values));
    put_vector (file, "/exchange/energy", &e, 1, "furlongs");
    H5Fclose (file);
    assert_refused (path, "units.h5", EVOX_ERROR_UNSUPPORTED, "units 'furlongs'");
    g_free (path);
    path = tmp_file (dir, "white.h5");
    file = create_file (path);
    H5Dclose (put_doubles (file, "/exchange/data", H5T_IEEE_F32LE, 3, d3, values));
    H5Dclose (put_doubles (file, "/exchange/data_white", H5T_IEEE_F32LE, 3, w3, values));
    H5Fclose (file);
    assert_refused (path, "white.h5", EVOX_ERROR_INVALID_DATA, "2 x 3 images, the data 2 x 2");
  }

  /* Truncated: half of a valid file. */
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_free (path);
  path = tmp_file (dir, "truncated.h5");
  g_assert_true (g_file_set_contents (path, contents, length / 2, NULL));
  assert_refused (path, "truncated.h5", EVOX_ERROR_INVALID_DATA, "cannot open as HDF5");
  g_free (path);

  /* A chunked dataset claiming 2^16 x 2^16 x 100 f32 voxels (chunks never written) in a few kB:
   * refused before allocating, with what it needs and a bin that would fit. */
  path = tmp_file (dir, "huge.h5");
  file = create_file (path);
  {
    const hsize_t dims[3] = { 100, 1 << 16, 1 << 16 }, chunk[3] = { 1, 64, 64 };
    hid_t space = H5Screate_simple (3, dims, NULL);
    hid_t dcpl = H5Pcreate (H5P_DATASET_CREATE);
    hid_t lcpl = H5Pcreate (H5P_LINK_CREATE);

    H5Pset_chunk (dcpl, 3, chunk);
    H5Pset_create_intermediate_group (lcpl, 1);
    H5Dclose (H5Dcreate2 (file, "/exchange/data", H5T_IEEE_F32LE, space, lcpl, dcpl,
                          H5P_DEFAULT));
    H5Pclose (lcpl);
    H5Pclose (dcpl);
    H5Sclose (space);
  }
  H5Fclose (file);
  g_setenv ("EVOX_MEMORY_LIMIT", "256M", TRUE);
  assert_refused (path, "huge.h5", EVOX_ERROR_TOO_LARGE, "memory cap");
  assert_refused (path, "huge.h5", EVOX_ERROR_TOO_LARGE, "try --bin ");
  g_unsetenv ("EVOX_MEMORY_LIMIT");
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Chunks larger than the dataset (./dev fuzz: a chunk dimension of 1 turned into 10241 made
 * libhdf5 read past its buffer): refused as a damaged layout, for the data and for a vector.
 * HDF5 will not write such a file, so the chunk dimensions in the layout message of a valid
 * one are patched (the v3 message stores them as 32-bit words, then the element size). */
static void
test_damaged_chunks (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  const struct
  {
    const char *dataset;
    int         rank;
    hsize_t     dims[3];
    hsize_t     chunk[3];
    const char *name;
  } cases[] = {
    { "/exchange/data", 3, { 2, 5, 6 }, { 1, 5, 6 }, "chunks.h5" },
    { "/exchange/energy", 1, { 2 }, { 1 }, "energy-chunks.h5" },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *path = tmp_file (dir, cases[c].name);
      g_autofree char *contents = NULL;
      guint32 pattern[4] = { 0 }, patched = 10241;
      double values[60];
      gsize length, found = 0, at = 0;
      hid_t file = create_file (path);
      hid_t space, dcpl, lcpl;

      for (guint i = 0; i < 60; i++)
        values[i] = 100 + i;
      if (c == 1)
        {
          /* a valid image beside the damaged vector */
          const hsize_t image[2] = { 5, 6 };
          hid_t s2 = H5Screate_simple (2, image, NULL);
          hid_t l2 = H5Pcreate (H5P_LINK_CREATE);
          hid_t d2;

          H5Pset_create_intermediate_group (l2, 1);
          d2 = H5Dcreate2 (file, "/exchange/data", H5T_STD_U16LE, s2, l2, H5P_DEFAULT,
                           H5P_DEFAULT);
          H5Dwrite (d2, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
          H5Dclose (d2);
          H5Pclose (l2);
          H5Sclose (s2);
        }
      space = H5Screate_simple (cases[c].rank, cases[c].dims, NULL);
      dcpl = H5Pcreate (H5P_DATASET_CREATE);
      lcpl = H5Pcreate (H5P_LINK_CREATE);
      H5Pset_chunk (dcpl, cases[c].rank, cases[c].chunk);
      H5Pset_create_intermediate_group (lcpl, 1);
      {
        hid_t d = H5Dcreate2 (file, cases[c].dataset, c == 0 ? H5T_STD_U16LE : H5T_IEEE_F64LE,
                              space, lcpl, dcpl, H5P_DEFAULT);

        g_assert_cmpint (d, >=, 0);
        g_assert_cmpint (H5Dwrite (d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values),
                         >=, 0);
        H5Dclose (d);
      }
      H5Pclose (lcpl);
      H5Pclose (dcpl);
      H5Sclose (space);
      H5Fclose (file);

      /* the file loads as written */
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(EvoxVolume) volume = evox_volume_load (path, NULL, NULL, NULL, &error);

        g_assert_no_error (error);
        g_assert_nonnull (volume);
      }
      for (int i = 0; i < cases[c].rank; i++)
        pattern[i] = GUINT32_TO_LE ((guint32) cases[c].chunk[i]);
      pattern[cases[c].rank] = GUINT32_TO_LE (c == 0 ? 2 : 8);
      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      for (gsize i = 0; i + 4 * (cases[c].rank + 1) <= length; i++)
        if (memcmp (contents + i, pattern, 4 * (cases[c].rank + 1)) == 0)
          {
            found++;
            at = i;
          }
      g_assert_cmpuint (found, ==, 1);
      patched = GUINT32_TO_LE (patched);
      memcpy (contents + at, &patched, 4);
      g_assert_true (g_file_set_contents (path, contents, length, NULL));
      assert_refused (path, cases[c].name, EVOX_ERROR_INVALID_DATA, "(a damaged layout)");
      assert_refused (path, cases[c].dataset, EVOX_ERROR_INVALID_DATA, "10241");
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_cancel_progress (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = tmp_file (dir, "c.h5");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(EvoxProgress) progress = evox_progress_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  const hsize_t dims[3] = { 3, 2, 2 };
  double v[12] = { 0 };
  hid_t file = create_file (path);

  H5Dclose (put_doubles (file, "/exchange/data", H5T_STD_U8LE, 3, dims, v));
  H5Fclose (file);
  volume = evox_hdf5_load (path, 1, progress, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (evox_progress_get_fraction (progress), ==, 1.0);
  g_cancellable_cancel (cancellable);
  {
    g_autofree char *out = tmp_file (dir, "out.h5");

    /* A cancelled write leaves nothing, not even its temporary. */
    g_assert_false (evox_hdf5_write (volume, out, FALSE, NULL, cancellable, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
    g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
  }
  g_clear_object (&volume);
  volume = evox_hdf5_load (path, 1, NULL, cancellable, &error);
  g_assert_null (volume);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* `evox convert IN -o OUT.h5`: the flat-field corrected stack written and read back; refusals
 * with one line and nothing left behind. */
static void
test_cli_convert (void)
{
  const char *evox = g_getenv ("EVOX");
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = tmp_file (dir, "in.h5");
  g_autofree char *out = tmp_file (dir, "out.hdf5");
  g_autofree char *text = tmp_file (dir, "text.h5");
  g_autofree char *never = tmp_file (dir, "never.h5");
  g_autoptr(EvoxVolume) source = NULL;
  g_autoptr(EvoxVolume) back = NULL;
  const hsize_t dims[3] = { 2, 3, 4 };
  double data[24], white[24], energies[2] = { 8333, 8400 };
  hid_t file;

  if (evox == NULL)
    {
      g_test_skip ("EVOX is not set (run under meson test)");
      return;
    }
  for (guint i = 0; i < 24; i++)
    {
      data[i] = 100 + 17 * i;
      white[i] = 1000 + 3 * i;
    }
  file = create_file (in);
  H5Dclose (put_doubles (file, "/exchange/data", H5T_STD_U16LE, 3, dims, data));
  H5Dclose (put_doubles (file, "/exchange/data_white", H5T_STD_U16LE, 3, dims, white));
  put_vector (file, "/exchange/energy", energies, 2, "eV");
  H5Fclose (file);
  g_assert_true (g_file_set_contents (text, "not hdf5\n", -1, NULL));

  {
    const char *argv[] = { evox, "convert", in, "-o", out, NULL };
    g_auto(EvoxTestRun) run = evox_test_spawn (argv, NULL, NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.err, ==, "");
  }
  source = load_ok (in, 1);
  back = load_ok (out, 1);
  g_assert_cmpuint (evox_volume_get_n_channels (back), ==, 2);
  for (guint c = 0; c < 2; c++)
    {
      g_assert_cmpmem (evox_volume_get_data (back, c), 12 * sizeof (float),
                       evox_volume_get_data (source, c), 12 * sizeof (float));
      g_assert_cmpfloat (evox_volume_get_channel_energy (back, c), ==, energies[c]);
    }
  g_assert_cmpstr (evox_volume_get_quantity (back), ==, "optical density");
  {
    const char *argv[] = { evox, "convert", in, "-o", out, NULL };
    g_auto(EvoxTestRun) run = evox_test_spawn (argv, NULL, NULL);

    evox_test_assert_refused (&run, 1, "exists already");
  }
  {
    const char *argv[] = { evox, "convert", "--force", in, out, NULL };
    g_auto(EvoxTestRun) run = evox_test_spawn (argv, NULL, NULL);

    g_assert_cmpint (run.status, ==, 0);
  }
  /* OUT is IN: refused as bad usage, as register and spectrum refuse it, even with --force;
   * a missing folder is refused before the input is read. */
  {
    const char *argv[] = { evox, "convert", "--force", in, "-o", in, NULL };
    g_auto(EvoxTestRun) run = evox_test_spawn (argv, NULL, NULL);
    g_autoptr(EvoxVolume) again = NULL;

    evox_test_assert_refused (&run, 2, "that is the input file");
    again = load_ok (in, 1);
    g_assert_cmpmem (evox_volume_get_data (again, 0), 12 * sizeof (float),
                     evox_volume_get_data (source, 0), 12 * sizeof (float));
  }
  {
    g_autofree char *nowhere = g_build_filename (dir, "no", "such.h5", NULL);
    const char *argv[] = { evox, "convert", text, "-o", nowhere, NULL };
    g_auto(EvoxTestRun) run = evox_test_spawn (argv, NULL, NULL);

    /* text.h5 is no HDF5 file: the output's folder is what is refused */
    evox_test_assert_refused (&run, 1, "does not exist");
  }
  {
    const char *argv[] = { evox, "convert", "--f32", in, never, NULL };
    g_auto(EvoxTestRun) run = evox_test_spawn (argv, NULL, NULL);

    evox_test_assert_refused (&run, 2, "for TIFF output");
  }
  {
    const char *argv[] = { evox, "convert", text, "-o", never, NULL };
    g_auto(EvoxTestRun) run = evox_test_spawn (argv, NULL, NULL);

    evox_test_assert_refused (&run, 1, "text.h5");
  }
  /* A full disk (files limited to 100 kB) while writing 160 kB: refused, nothing left. */
  {
    g_autofree char *big = tmp_file (dir, "big.h5");
    const hsize_t big_dims[2] = { 200, 400 };
    g_autofree double *zeros = g_new0 (double, 200 * 400);
    const char *argv[] = { evox, "convert", big, "-o", never, NULL };
    g_auto(EvoxTestRun) run = { 0 };

    file = create_file (big);
    H5Dclose (put_doubles (file, "/exchange/data", H5T_STD_U16LE, 2, big_dims, zeros));
    H5Fclose (file);
    run = evox_test_spawn (argv, NULL, evox_test_limit_file_size);
    evox_test_assert_refused (&run, 1, "never.h5");
    /* the system's reason alone, not HDF5's dump of the temporary file's name and buffer */
    g_assert_nonnull (strstr (run.err, "cannot write (File too large)"));
    g_assert_null (strstr (run.err, "buf ="));
    g_unlink (big);
  }
  /* in.h5, out.hdf5, text.h5: no never.h5, no temporaries. */
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 3);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  EvoxVolume **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = evox_volume_load_finish (result, &error);
  g_assert_no_error (error);
}

/* Loading on the loader's worker thread (HDF5's error state is per thread; the reader sets it up
 * on whichever thread runs it) gives the same volume, with its histograms. */
static void
test_async (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = tmp_file (dir, "a.h5");
  g_autoptr(EvoxVolume) volume = NULL;
  const hsize_t dims[2] = { 3, 4 };
  double v[12];
  hid_t file = create_file (path);

  for (guint i = 0; i < 12; i++)
    v[i] = i * 1.5;
  H5Dclose (put_doubles (file, "/exchange/data", H5T_IEEE_F64LE, 2, dims, v));
  H5Fclose (file);
  evox_volume_load_async (path, NULL, NULL, NULL, loaded_cb, &volume);
  while (volume == NULL)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; i < 12; i++)
    g_assert_cmpfloat (evox_volume_get_value (volume, 0, i % 4, i / 4, 0), ==, v[i]);
  g_assert_nonnull (evox_volume_get_fine_histogram (volume, 0));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* What a reader says about the files it read ("spectral_warnings": script files that were
 * missing) is about that source; the written file must not repeat it as its own on every load.
 * Free metadata of any length goes along: a scan script's list of missing files runs past the
 * 64 KiB an HDF5 attribute holds in the object header. */
static void
test_metadata (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = tmp_file (dir, "meta.h5");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (3, 2, 1, 2, EVOX_SAMPLE_F32, &error);
  g_autoptr(EvoxVolume) back = NULL;
  g_autoptr(GString) missing = g_string_new (NULL);

  for (guint i = 0; missing->len < 200000; i++)
    g_string_append_printf (missing, "%srep01_%06u_ref_some_sample_XANES_08250.0_eV_001of010.xrm",
                            i > 0 ? "\n" : "", i);
  for (guint c = 0; c < 2; c++)
    evox_volume_set_channel_info (volume, c, NULL, 8300 + 50 * c);
  evox_volume_set_metadata (volume, "spectral_warnings", "802 of the 806 files are missing");
  evox_volume_set_metadata (volume, "spectral_missing_files", missing->str);
  g_assert_true (evox_hdf5_write (volume, path, FALSE, NULL, NULL, &error));
  g_assert_no_error (error);
  back = load_ok (path, 1);
  g_assert_null (evox_volume_get_metadata (back, "spectral_warnings"));
  g_assert_cmpstr (evox_volume_get_metadata (back, "spectral_missing_files"), ==, missing->str);
  g_clear_object (&back);

  /* A file an older Evox wrote, with the warnings as a root attribute: not repeated either. */
  {
    const double v[6] = { 1, 2, 3, 4, 5, 6 };
    const hsize_t dims[2] = { 2, 3 };
    hid_t file = create_file (path);
    hid_t type = H5Tcopy (H5T_C_S1);
    hid_t space = H5Screate (H5S_SCALAR);
    hid_t attribute;
    const char *text = "802 of the 806 files are missing";

    H5Tset_size (type, strlen (text) + 1);
    attribute = H5Acreate2 (file, "spectral_warnings", type, space, H5P_DEFAULT, H5P_DEFAULT);
    g_assert_cmpint (H5Awrite (attribute, type, text), >=, 0);
    H5Aclose (attribute);
    attribute = H5Acreate2 (file, "sample", type, space, H5P_DEFAULT, H5P_DEFAULT);
    g_assert_cmpint (H5Awrite (attribute, type, text), >=, 0);
    H5Aclose (attribute);
    H5Sclose (space);
    H5Tclose (type);
    H5Dclose (put_doubles (file, "/exchange/data", H5T_IEEE_F64LE, 2, dims, v));
    H5Fclose (file);
  }
  back = load_ok (path, 1);
  g_assert_null (evox_volume_get_metadata (back, "spectral_warnings"));
  g_assert_cmpstr (evox_volume_get_metadata (back, "sample"), ==,
                   "802 of the 806 files are missing");
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Two channels of one energy (a 4D file's repeated energy, say) round-trip as two channels:
 * written (E, z, y, x), since (E, y, x) with one energy twice reads back as layers. */
static void
test_same_energy (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = tmp_file (dir, "same.h5");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (3, 2, 1, 2, EVOX_SAMPLE_F32, &error);
  g_autoptr(EvoxVolume) back = NULL;
  gsize dims[3];

  for (guint c = 0; c < 2; c++)
    {
      float *v = evox_volume_get_data_mut (volume, c);

      for (guint i = 0; i < 6; i++)
        v[i] = (float) (10 * c + i);
      evox_volume_set_channel_info (volume, c, NULL, 8333);
    }
  g_assert_true (evox_hdf5_write (volume, path, FALSE, NULL, NULL, &error));
  g_assert_no_error (error);
  back = load_ok (path, 1);
  evox_volume_get_dims (back, dims);
  g_assert_cmpuint (evox_volume_get_n_channels (back), ==, 2);
  g_assert_cmpuint (dims[2], ==, 1);
  for (guint c = 0; c < 2; c++)
    g_assert_cmpmem (evox_volume_get_data (back, c), 6 * sizeof (float),
                     evox_volume_get_data (volume, c), 6 * sizeof (float));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Maps beside a normalised stack: channels without energies next to channels with them, each of
 * its own meaning (an energy map in eV, a log10 one, a mask without unit, normalised absorption
 * last so its empty unit ends the list): every label, energy, scale, quantity and unit reads
 * back as it was. */
static void
test_channel_meanings (void)
{
  static const struct
  {
    const char    *label;
    double         energy;
    EvoxValueScale scale;
    const char    *quantity;
    const char    *unit;
  } channels[] = {
    { "edge_energy", NAN, EVOX_SCALE_LINEAR, "energy", "eV" },
    { "resistance", NAN, EVOX_SCALE_LOG10, "resistance", "ohm" },
    { "mask", NAN, EVOX_SCALE_LINEAR, "mask", NULL },
    { "norm 8333 eV", 8333, EVOX_SCALE_LINEAR, "normalised absorption", NULL },
    { "norm 8350 eV", 8350, EVOX_SCALE_LINEAR, "normalised absorption", NULL },
  };
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = tmp_file (dir, "maps.h5");
  g_autoptr(GError) error = NULL;
  guint n = G_N_ELEMENTS (channels);
  g_autoptr(EvoxVolume) volume = evox_volume_new (4, 3, 1, n, EVOX_SAMPLE_F32, &error);
  g_autoptr(EvoxVolume) back = NULL;

  g_assert_no_error (error);
  for (guint c = 0; c < n; c++)
    {
      float *v = evox_volume_get_data_mut (volume, c);

      for (guint i = 0; i < 12; i++)
        v[i] = (float) (100 * c + i);
      evox_volume_set_channel_info (volume, c, channels[c].label, channels[c].energy);
      evox_volume_set_channel_values (volume, c, channels[c].scale, channels[c].quantity,
                                      channels[c].unit);
    }
  g_assert_true (evox_hdf5_write (volume, path, FALSE, NULL, NULL, &error));
  g_assert_no_error (error);
  back = load_ok (path, 1);
  g_assert_cmpuint (evox_volume_get_n_channels (back), ==, n);
  for (guint c = 0; c < n; c++)
    {
      g_assert_cmpstr (evox_volume_get_channel_label (back, c), ==, channels[c].label);
      if (isnan (channels[c].energy))
        g_assert_true (isnan (evox_volume_get_channel_energy (back, c)));
      else
        g_assert_cmpfloat (evox_volume_get_channel_energy (back, c), ==, channels[c].energy);
      g_assert_cmpint (evox_volume_get_channel_value_scale (back, c), ==, channels[c].scale);
      g_assert_cmpstr (evox_volume_get_channel_quantity (back, c), ==, channels[c].quantity);
      g_assert_cmpstr (evox_volume_get_channel_unit (back, c), ==,
                       channels[c].unit != NULL ? channels[c].unit : "");
      g_assert_cmpmem (evox_volume_get_data (back, c), 12 * sizeof (float),
                       evox_volume_get_data (volume, c), 12 * sizeof (float));
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  H5open ();
  g_test_add_func ("/Evox/Hdf5/signature", test_signature);
  g_test_add_func ("/Evox/Hdf5/types", test_types);
  g_test_add_func ("/Evox/Hdf5/layouts", test_layouts);
  g_test_add_func ("/Evox/Hdf5/flat-dark", test_flat_dark);
  g_test_add_func ("/Evox/Hdf5/units", test_units);
  g_test_add_func ("/Evox/Hdf5/bin", test_bin);
  g_test_add_func ("/Evox/Hdf5/round-trip", test_round_trip);
  g_test_add_func ("/Evox/Hdf5/metadata", test_metadata);
  g_test_add_func ("/Evox/Hdf5/same-energy", test_same_energy);
  g_test_add_func ("/Evox/Hdf5/channel-meanings", test_channel_meanings);
  g_test_add_func ("/Evox/Hdf5/bad-input", test_bad_input);
  g_test_add_func ("/Evox/Hdf5/damaged-chunks", test_damaged_chunks);
  g_test_add_func ("/Evox/Hdf5/cancel-progress", test_cancel_progress);
  g_test_add_func ("/Evox/Hdf5/async", test_async);
  g_test_add_func ("/Evox/Hdf5/cli-convert", test_cli_convert);
  return g_test_run ();
}
