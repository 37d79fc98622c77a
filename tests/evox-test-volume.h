/* evox-test-volume.h: reading a voxel by its flat index, for the brute-force oracles of the core
 * tests (header-only: the test util is also linked where the core is not). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "evox-volume.h"

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
