/* evox-test-volume.h: a new test volume, reading a voxel by its flat index, for the brute-force oracles of the core
 * tests, f32 channels compared, and a ball volume (header-only: the test util is also linked where the core is not). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <math.h>

#include "evox-volume.h"

/* A new volume of n_channels (zeros), asserting that it could be made. */
static inline EvoxVolume *
evox_test_volume_new_channels (gsize          nx,
                               gsize          ny,
                               gsize          nz,
                               guint          n_channels,
                               EvoxSampleType type)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (nx, ny, nz, n_channels, type, &error);

  g_assert_no_error (error);
  return volume;
}

/* A new one-channel volume (zeros), asserting that it could be made. */
static inline EvoxVolume *
evox_test_volume_new (gsize          nx,
                      gsize          ny,
                      gsize          nz,
                      EvoxSampleType type)
{
  return evox_test_volume_new_channels (nx, ny, nz, 1, type);
}

/* The stored value of voxel i (x fastest) of channel 0, read straight from the data. */
static inline double
evox_test_value_at (EvoxVolume *volume,
                    gsize       i)
{
  gconstpointer data = evox_volume_get_data (volume, 0);

  switch (evox_volume_get_sample_type (volume))
    {
    case EVOX_SAMPLE_U8: return ((const guint8 *) data)[i];
    case EVOX_SAMPLE_U16: return ((const guint16 *) data)[i];
    default: return ((const float *) data)[i];
    }
}

/* Channel ca of a and channel cb of b (both f32) hold equal values, NaN where the other has
 * NaN. */
static inline void
evox_test_assert_same_channel (EvoxVolume *a,
                               guint       ca,
                               EvoxVolume *b,
                               guint       cb)
{
  const float *x = evox_volume_get_data (a, ca);
  const float *y = evox_volume_get_data (b, cb);

  g_assert_cmpuint (evox_volume_get_n_voxels (a), ==, evox_volume_get_n_voxels (b));
  for (gsize i = 0; i < evox_volume_get_n_voxels (a); i++)
    if (isnan (x[i]) || isnan (y[i]))
      g_assert_true (isnan (x[i]) && isnan (y[i]));
    else
      g_assert_cmpfloat (x[i], ==, y[i]);
}

/* A frozen u8 volume of n^3 voxels: `inside` within distance r of the centre ((n - 1) / 2 on
 * every axis), `outside` elsewhere. */
static inline EvoxVolume *
evox_test_ball_new (gsize  n,
                    double r,
                    guint8 inside,
                    guint8 outside)
{
  g_autoptr (GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (n, n, n, 1, EVOX_SAMPLE_U8, &error);
  double c = (n - 1) / 2.0;
  guint8 *data;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 0; z < n; z++)
    for (gsize y = 0; y < n; y++)
      for (gsize x = 0; x < n; x++)
        {
          double dx = x - c, dy = y - c, dz = z - c;

          data[(z * n + y) * n + x] = sqrt (dx * dx + dy * dy + dz * dz) <= r ? inside : outside;
        }
  evox_volume_freeze (volume);
  return volume;
}
