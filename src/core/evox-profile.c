/* evox-profile.c: the values of a volume along a straight line, about one voxel step apart. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>

#include "evox-profile.h"
#include "evox-histogram.h"

/* The position in voxel coordinates (voxel centres at whole numbers), or FALSE outside the
 * box, which reaches half a voxel beyond the outer centres as the views draw it. */
static gboolean
position_to_voxels (EvoxVolume   *volume,
                    const double  position_nm[3],
                    double        f[3],
                    gsize         dims[3])
{
  double origin[3], spacing[3];

  evox_volume_get_dims (volume, dims);
  evox_volume_get_origin (volume, origin);
  evox_volume_get_spacing (volume, spacing);
  for (guint a = 0; a < 3; a++)
    {
      f[a] = (position_nm[a] - origin[a]) / spacing[a];
      if (!(f[a] >= -0.5 && f[a] <= (double) dims[a] - 0.5))
        return FALSE;
    }
  return TRUE;
}

double
evox_volume_sample_trilinear (EvoxVolume   *volume,
                              guint         channel,
                              const double  position_nm[3])
{
  double f[3], frac[3], sum = 0.0;
  gsize dims[3], lo[3], hi[3];

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NAN);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), NAN);

  if (!position_to_voxels (volume, position_nm, f, dims))
    return NAN;
  for (guint a = 0; a < 3; a++)
    {
      double c = CLAMP (f[a], 0.0, (double) dims[a] - 1);

      lo[a] = (gsize) floor (c);
      hi[a] = MIN (lo[a] + 1, dims[a] - 1);
      frac[a] = c - (double) lo[a];
    }

  for (guint corner = 0; corner < 8; corner++)
    {
      double weight = 1.0;
      gsize index[3];

      for (guint a = 0; a < 3; a++)
        {
          gboolean upper = (corner >> a) & 1;

          weight *= upper ? frac[a] : 1.0 - frac[a];
          index[a] = upper ? hi[a] : lo[a];
        }
      /* A corner without weight adds nothing, not even a neighbouring hole's NaN. */
      if (weight == 0.0)
        continue;
      sum += weight * evox_volume_get_value (volume, channel, index[0], index[1], index[2]);
    }
  return sum;
}

double
evox_volume_sample_nearest (EvoxVolume   *volume,
                            guint         channel,
                            const double  position_nm[3])
{
  double f[3];
  gsize dims[3], index[3];

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NAN);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), NAN);

  if (!position_to_voxels (volume, position_nm, f, dims))
    return NAN;
  /* The box's outer face rounds onto the last voxel. */
  for (guint a = 0; a < 3; a++)
    index[a] = (gsize) MIN (floor (MAX (f[a], 0.0) + 0.5), (double) dims[a] - 1);
  return evox_volume_get_value (volume, channel, index[0], index[1], index[2]);
}

EvoxProfileSampling
evox_profile_default_sampling (EvoxVolume *volume,
                               guint       channel)
{
  EvoxSampleType type;
  EvoxFineHistogram *fine;
  const guint64 *counts;
  guint n_bins, distinct = 0;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), EVOX_PROFILE_TRILINEAR);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), EVOX_PROFILE_TRILINEAR);

  type = evox_volume_get_sample_type (volume);
  if (type != EVOX_SAMPLE_U8 && type != EVOX_SAMPLE_U16)
    return EVOX_PROFILE_TRILINEAR;
  /* Integer channels' fine histograms count each value exactly (built once at load). */
  fine = evox_volume_get_fine_histogram (volume, channel);
  if (fine == NULL || !evox_fine_histogram_is_exact (fine))
    return EVOX_PROFILE_TRILINEAR;
  counts = evox_fine_histogram_get_counts (fine);
  n_bins = evox_fine_histogram_get_n_bins (fine);
  for (guint i = 0; i < n_bins && distinct <= EVOX_PROFILE_MAX_LABELS; i++)
    if (counts[i] != 0)
      distinct++;
  return distinct <= EVOX_PROFILE_MAX_LABELS ? EVOX_PROFILE_NEAREST : EVOX_PROFILE_TRILINEAR;
}

const char *
evox_profile_sampling_to_string (EvoxProfileSampling sampling)
{
  return sampling == EVOX_PROFILE_NEAREST ? "nearest" : "trilinear";
}

EvoxProfile *
evox_profile_sample (EvoxVolume   *volume,
                     guint         channel,
                     const double  start_nm[3],
                     const double  end_nm[3])
{
  return evox_profile_sample_with (volume, channel, start_nm, end_nm, EVOX_PROFILE_TRILINEAR);
}

EvoxProfile *
evox_profile_sample_with (EvoxVolume          *volume,
                          guint                channel,
                          const double         start_nm[3],
                          const double         end_nm[3],
                          EvoxProfileSampling  sampling)
{
  double spacing[3], steps = 0.0, length = 0.0;
  EvoxProfile *profile;
  guint n;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), NULL);
  g_return_val_if_fail (start_nm != NULL && end_nm != NULL, NULL);

  evox_volume_get_spacing (volume, spacing);
  for (guint a = 0; a < 3; a++)
    {
      double d = end_nm[a] - start_nm[a];

      steps += (d / spacing[a]) * (d / spacing[a]);
      length += d * d;
    }
  steps = sqrt (steps);
  length = sqrt (length);
  /* A line across the whole of the largest volume Evox opens has some 10^5 steps. */
  n = (guint) MIN (ceil (steps - 1e-9), 1e7) + 1;
  n = MAX (n, 2);

  profile = g_new0 (EvoxProfile, 1);
  profile->channel = channel;
  profile->sampling = sampling;
  profile->n = n;
  profile->distance_nm = g_new (double, n);
  profile->position_nm = g_new (double, 3 * (gsize) n);
  profile->value = g_new (double, n);
  for (guint i = 0; i < n; i++)
    {
      double t = (double) i / (double) (n - 1);
      double *p = profile->position_nm + 3 * (gsize) i;

      for (guint a = 0; a < 3; a++)
        p[a] = start_nm[a] + t * (end_nm[a] - start_nm[a]);
      profile->distance_nm[i] = t * length;
      profile->value[i] = sampling == EVOX_PROFILE_NEAREST ?
                          evox_volume_sample_nearest (volume, channel, p) :
                          evox_volume_sample_trilinear (volume, channel, p);
    }
  return profile;
}

void
evox_profile_free (EvoxProfile *profile)
{
  if (profile == NULL)
    return;
  g_free (profile->distance_nm);
  g_free (profile->position_nm);
  g_free (profile->value);
  g_free (profile);
}
