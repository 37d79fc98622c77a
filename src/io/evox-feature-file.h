/* evox-feature-file.h: feature vectors from NumPy .npy matrices or CSV tables, placed on a grid
 * as a multi-channel volume. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-volume.h"

G_BEGIN_DECLS

/* A 2D matrix read from a .npy file (format versions 1.0, 2.0 and 3.0; little- or big-endian
 * f4, f8, and for coordinates also integer types), as doubles. */
typedef struct
{
  gsize   rows;
  gsize   cols;
  double *data;   /* rows x cols, row-major whatever the file's order */
} EvoxNpyMatrix;

/* Fails with EVOX_ERROR_INVALID_DATA / EVOX_ERROR_UNSUPPORTED naming the file and the reason (not
 * a .npy file, not 2D, a dtype it does not read, truncated, object arrays), EVOX_ERROR_TOO_LARGE
 * past the memory cap. allow_integer: coordinates may be integers. */
EvoxNpyMatrix *evox_npy_read        (const char     *path,
                                     gboolean        allow_integer,
                                     GError        **error);
void           evox_npy_matrix_free (EvoxNpyMatrix  *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxNpyMatrix, evox_npy_matrix_free)

/* Writes a C-order f4 (or f8) 2D .npy (for exports and tests) byte for byte as numpy.save
 * does; temporary file and rename, replacing an existing file (callers check --force first). */
gboolean       evox_npy_write       (const char     *path,
                                     const double   *data,
                                     gsize           rows,
                                     gsize           cols,
                                     gboolean        f64,
                                     GError        **error);

/* Features (N x D, f32 or f64) at coordinates (N x 2 or N x 3 voxel indices, x first, whole
 * non-negative numbers) as an f32 volume of D channels on the grid 0..max per axis; voxels
 * without a vector are NaN. Refuses (EVOX_ERROR_INVALID_DATA, naming both files) row counts that
 * differ, coordinates that are not whole numbers or repeat, and grids past the memory cap. */
EvoxVolume    *evox_feature_file_load_npy (const char  *features_path,
                                           const char  *coords_path,
                                           GError     **error);
/* A CSV with columns x, y and optionally z (voxel indices, any case) and feature columns (every
 * other column; a header row names them). */
EvoxVolume    *evox_feature_file_load_csv (const char  *path,
                                           GError     **error);

G_END_DECLS
