/* evox-spectrum.c: per-voxel spectra: one voxel's values across the energies, or the mean and
 * population spread of a region's finite values, channel by channel. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>

#include "evox-spectrum.h"

/* Voxels summed in one go: their values fit in L1 beside the channel being read, so a tile's
 * mean and squared deviations take two passes over cache, not over memory. */
#define TILE 4096

void
evox_spectrum_free (EvoxSpectrum *spectrum)
{
  if (spectrum == NULL)
    return;
  g_free (spectrum->label);
  g_free (spectrum->points);
  g_free (spectrum);
}

EvoxSpectrum *
evox_spectrum_copy (const EvoxSpectrum *spectrum)
{
  EvoxSpectrum *copy;

  g_return_val_if_fail (spectrum != NULL, NULL);

  copy = g_new0 (EvoxSpectrum, 1);
  copy->label = g_strdup (spectrum->label);
  copy->n_points = spectrum->n_points;
  copy->points = g_memdup2 (spectrum->points, sizeof (EvoxSpectrumPoint) * spectrum->n_points);
  return copy;
}

/* A spectrum with one point per non-derived channel, energies and channels filled in. */
static EvoxSpectrum *
spectrum_new (EvoxVolume *volume,
              char       *label)
{
  EvoxSpectrum *spectrum = g_new0 (EvoxSpectrum, 1);
  guint n_channels = evox_volume_get_n_channels (volume);

  spectrum->label = label;
  spectrum->points = g_new0 (EvoxSpectrumPoint, n_channels);
  for (guint c = 0; c < n_channels; c++)
    if (!evox_volume_get_channel_derived (volume, c))
      {
        EvoxSpectrumPoint *point = &spectrum->points[spectrum->n_points++];

        point->channel = c;
        point->energy_ev = evox_volume_get_channel_energy (volume, c);
        point->mean = NAN;
        point->std = NAN;
      }
  return spectrum;
}

/* Running count, mean and sum of squared deviations, merged tile by tile (Chan, Golub and
 * LeVeque's pairwise update), so the result is as exact as a two-pass sum while each voxel is
 * read from memory once. */
typedef struct
{
  guint64 n;
  double  mean;
  double  m2;
} Moments;

static void
moments_add_tile (Moments      *moments,
                  const double *values,
                  guint         n)
{
  double sum = 0, mean, m2 = 0, delta;
  guint64 total;

  if (n == 0)
    return;
  for (guint i = 0; i < n; i++)
    sum += values[i];
  mean = sum / n;
  for (guint i = 0; i < n; i++)
    m2 += (values[i] - mean) * (values[i] - mean);
  total = moments->n + n;
  delta = mean - moments->mean;
  moments->mean += delta * n / total;
  moments->m2 += m2 + delta * delta * ((double) moments->n * n / total);
  moments->n = total;
}

static void
moments_store (const Moments     *moments,
               EvoxSpectrumPoint *point)
{
  point->voxels = moments->n;
  point->mean = moments->n > 0 ? moments->mean : NAN;
  point->std = moments->n > 0 ? sqrt (MAX (moments->m2, 0.0) / moments->n) : NAN;
}

/* The finite values of voxels [start, start + n) (those where mask is non-zero, mask NULL: all)
 * into buffer; returns how many. */
static guint
gather (gconstpointer  data,
        EvoxSampleType type,
        const guint8  *mask,
        gsize          start,
        guint          n,
        double        *buffer)
{
  guint k = 0;

  /* Without branches on the mask: a phase's voxels are scattered, and mispredicted jumps cost
   * more than writing every value and keeping only the wanted ones. */
  if (mask != NULL)
    for (guint i = 0; i < n; i++)
      {
        double v = evox_sample_get (data, type, start + i);

        buffer[k] = v;
        k += (mask[start + i] != 0) & (isfinite (v) != 0);
      }
  else
    for (guint i = 0; i < n; i++)
      {
        double v = evox_sample_get (data, type, start + i);

        buffer[k] = v;
        k += isfinite (v) != 0;
      }
  return k;
}

static void
spectrum_over_mask (EvoxVolume   *volume,
                    EvoxSpectrum *spectrum,
                    const guint8 *mask)
{
  EvoxSampleType type = evox_volume_get_sample_type (volume);
  gsize n_voxels = evox_volume_get_n_voxels (volume);
  int n_points = spectrum->n_points;

  /* Channels are contiguous: a thread per channel reads it once, front to back. */
#pragma omp parallel for schedule(dynamic)
  for (int p = 0; p < n_points; p++)
    {
      EvoxSpectrumPoint *point = &spectrum->points[p];
      gconstpointer data = evox_volume_get_data (volume, point->channel);
      double buffer[TILE];
      Moments moments = { 0 };

      for (gsize start = 0; start < n_voxels; start += TILE)
        {
          guint n = (guint) MIN ((gsize) TILE, n_voxels - start);

          moments_add_tile (&moments, buffer, gather (data, type, mask, start, n, buffer));
        }
      moments_store (&moments, point);
    }
}

static gboolean
volume_has_points (EvoxVolume   *volume,
                   EvoxSpectrum *spectrum,
                   GError      **error)
{
  if (spectrum->n_points > 0)
    return TRUE;
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
               "the volume has no measured channels to take a spectrum of");
  return FALSE;
}

/**
 * evox_spectrum_at:
 *
 * Returns: (transfer full) (nullable): the voxel's value in every non-derived channel
 */
EvoxSpectrum *
evox_spectrum_at (EvoxVolume *volume,
                  gsize       x,
                  gsize       y,
                  gsize       z,
                  GError    **error)
{
  g_autoptr(EvoxSpectrum) spectrum = NULL;
  gsize dims[3];

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  evox_volume_get_dims (volume, dims);
  if (x >= dims[0] || y >= dims[1] || z >= dims[2])
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "voxel (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ") lies "
                   "outside the volume of %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %"
                   G_GSIZE_FORMAT " voxels", x, y, z, dims[0], dims[1], dims[2]);
      return NULL;
    }
  spectrum = spectrum_new (volume, g_strdup_printf ("voxel (%" G_GSIZE_FORMAT ", %"
                                                    G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ")",
                                                    x, y, z));
  if (!volume_has_points (volume, spectrum, error))
    return NULL;
  for (guint p = 0; p < spectrum->n_points; p++)
    {
      EvoxSpectrumPoint *point = &spectrum->points[p];
      double v = evox_volume_get_value (volume, point->channel, x, y, z);

      point->voxels = isfinite (v) ? 1 : 0;
      point->mean = isfinite (v) ? v : NAN;
      point->std = isfinite (v) ? 0.0 : NAN;
    }
  return g_steal_pointer (&spectrum);
}

/**
 * evox_spectrum_box:
 *
 * Returns: (transfer full) (nullable): mean and spread over the box, read row by row
 */
EvoxSpectrum *
evox_spectrum_box (EvoxVolume  *volume,
                   const gsize  lo[3],
                   const gsize  hi[3],
                   GError     **error)
{
  g_autoptr(EvoxSpectrum) spectrum = NULL;
  EvoxSampleType type;
  gsize dims[3], a[3], b[3];
  int n_points;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (lo != NULL && hi != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  evox_volume_get_dims (volume, dims);
  for (int i = 0; i < 3; i++)
    {
      a[i] = lo[i];
      b[i] = MIN (hi[i], dims[i] - 1);
      if (a[i] > b[i])
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "the box (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT
                       ")-(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ") holds "
                       "no voxel of the volume of %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %"
                       G_GSIZE_FORMAT, lo[0], lo[1], lo[2], hi[0], hi[1], hi[2], dims[0],
                       dims[1], dims[2]);
          return NULL;
        }
    }
  spectrum = spectrum_new (volume, g_strdup_printf ("box (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT
                                                    ", %" G_GSIZE_FORMAT ")-(%" G_GSIZE_FORMAT
                                                    ", %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ")",
                                                    a[0], a[1], a[2], b[0], b[1], b[2]));
  if (!volume_has_points (volume, spectrum, error))
    return NULL;

  type = evox_volume_get_sample_type (volume);
  n_points = spectrum->n_points;
  /* Each row of the box is contiguous: it is a tile (or several, for rows longer than one). */
#pragma omp parallel for schedule(dynamic)
  for (int p = 0; p < n_points; p++)
    {
      EvoxSpectrumPoint *point = &spectrum->points[p];
      gconstpointer data = evox_volume_get_data (volume, point->channel);
      double buffer[TILE];
      Moments moments = { 0 };

      for (gsize z = a[2]; z <= b[2]; z++)
        for (gsize y = a[1]; y <= b[1]; y++)
          {
            gsize row = (z * dims[1] + y) * dims[0];

            for (gsize x = a[0]; x <= b[0]; x += TILE)
              {
                guint n = (guint) MIN ((gsize) TILE, b[0] + 1 - x);

                moments_add_tile (&moments, buffer,
                                  gather (data, type, NULL, row + x, n, buffer));
              }
          }
      moments_store (&moments, point);
    }
  return g_steal_pointer (&spectrum);
}

static gboolean
mask_is_empty (const guint8 *mask,
               gsize         n)
{
  for (gsize i = 0; i < n; i++)
    if (mask[i] != 0)
      return FALSE;
  return TRUE;
}

/**
 * evox_spectrum_mask:
 * @label: (nullable): the region's name ("mask" when NULL)
 *
 * Returns: (transfer full) (nullable): mean and spread over the voxels of the mask; an empty mask
 *   is an EVOX_ERROR_ARGUMENT
 */
EvoxSpectrum *
evox_spectrum_mask (EvoxVolume    *volume,
                    const guint8  *mask,
                    const char    *label,
                    GError       **error)
{
  g_autoptr(EvoxSpectrum) spectrum = NULL;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (mask != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (label == NULL)
    label = "mask";
  if (mask_is_empty (mask, evox_volume_get_n_voxels (volume)))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, "%s holds no voxels", label);
      return NULL;
    }
  spectrum = spectrum_new (volume, g_strdup (label));
  if (!volume_has_points (volume, spectrum, error))
    return NULL;
  spectrum_over_mask (volume, spectrum, mask);
  return g_steal_pointer (&spectrum);
}

/**
 * evox_spectrum_range:
 * @label: (nullable): the region's name (by default "channel C in [LO, HI]")
 *
 * Returns: (transfer full) (nullable): mean and spread over the voxels whose value in @channel
 *   lies in [@lo, @hi]; no such voxel is an EVOX_ERROR_ARGUMENT
 */
EvoxSpectrum *
evox_spectrum_range (EvoxVolume  *volume,
                     guint        channel,
                     double       lo,
                     double       hi,
                     const char  *label,
                     GError     **error)
{
  g_autofree guint8 *mask = NULL;
  g_autofree char *fallback = NULL;
  EvoxSampleType type;
  gconstpointer data;
  gsize n_voxels;
  gboolean any = FALSE;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (channel >= evox_volume_get_n_channels (volume))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, "no channel %u (the volume has %u)",
                   channel, evox_volume_get_n_channels (volume));
      return NULL;
    }
  if (label == NULL)
    label = fallback = g_strdup_printf ("channel %u in [%g, %g]", channel, lo, hi);

  type = evox_volume_get_sample_type (volume);
  data = evox_volume_get_data (volume, channel);
  n_voxels = evox_volume_get_n_voxels (volume);
  mask = g_malloc (n_voxels);
  /* NaN fails both comparisons, so it is never in the range. */
#pragma omp parallel for schedule(static) reduction(|:any)
  for (gsize i = 0; i < n_voxels; i++)
    {
      double v = evox_sample_get (data, type, i);

      mask[i] = v >= lo && v <= hi;
      any |= mask[i];
    }
  if (!any)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "%s holds no voxels: no value of channel %u lies in [%g, %g]", label, channel,
                   lo, hi);
      return NULL;
    }
  return evox_spectrum_mask (volume, mask, label, error);
}
