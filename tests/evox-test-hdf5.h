/* evox-test-hdf5.h: writing small HDF5 test files with the library itself (header-only, like
 * evox-test-volume.h, so only the suites that link libhdf5 see it). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <string.h>

#include <glib.h>
#include <hdf5.h>

/* A dataset at name (groups created as needed) holding doubles stored as file_type, with a
 * "units" string attribute when units is not NULL. */
static inline void
evox_test_h5_put (hid_t          file,
                  const char    *name,
                  hid_t          file_type,
                  int            rank,
                  const hsize_t *dims,
                  const double  *values,
                  const char    *units)
{
  hid_t lcpl = H5Pcreate (H5P_LINK_CREATE);
  hid_t space = H5Screate_simple (rank, dims, NULL);
  hid_t dataset;

  H5Pset_create_intermediate_group (lcpl, 1);
  dataset = H5Dcreate2 (file, name, file_type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  g_assert_cmpint (dataset, >=, 0);
  g_assert_cmpint (H5Dwrite (dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values),
                   >=, 0);
  if (units != NULL)
    {
      hid_t type = H5Tcopy (H5T_C_S1);
      hid_t scalar = H5Screate (H5S_SCALAR);
      hid_t attribute;

      H5Tset_size (type, strlen (units));
      attribute = H5Acreate2 (dataset, "units", type, scalar, H5P_DEFAULT, H5P_DEFAULT);
      g_assert_cmpint (H5Awrite (attribute, type, units), >=, 0);
      H5Aclose (attribute);
      H5Sclose (scalar);
      H5Tclose (type);
    }
  H5Dclose (dataset);
  H5Sclose (space);
  H5Pclose (lcpl);
}

/* The text attribute name of the file's root (fixed-length text, as Evox writes), or NULL when
 * there is none. */
static inline char *
evox_test_h5_get_root_text (const char *path,
                            const char *name)
{
  hid_t file = H5Fopen (path, H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t attribute, type;
  char *text = NULL;

  g_assert_cmpint (file, >=, 0);
  if (H5Aexists (file, name) > 0)
    {
      attribute = H5Aopen (file, name, H5P_DEFAULT);
      type = H5Aget_type (attribute);
      g_assert_false (H5Tis_variable_str (type));
      text = g_malloc0 (H5Tget_size (type) + 1);
      g_assert_cmpint (H5Aread (attribute, type, text), >=, 0);
      H5Tclose (type);
      H5Aclose (attribute);
    }
  H5Fclose (file);
  return text;
}
