/* evox-fsc.c: Fourier shell (ring) correlation of two volumes on kissfft, and its resolution. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-fsc.h"

#include <math.h>

#include <kiss_fft.h>
#include <kiss_fftnd.h>

#include "evox-types.h"

/* The full complex spectrum of one channel; the voxels are checked to be finite here, because a
 * NaN would spread through the whole transform. */
static kiss_fft_cpx *
volume_spectrum (EvoxVolume   *volume,
                 const char   *name,
                 guint         channel,
                 kiss_fftnd_cfg cfg,
                 GError      **error)
{
  gsize dims[3];
  gconstpointer data = evox_volume_get_data (volume, channel);
  EvoxSampleType type = evox_volume_get_sample_type (volume);
  gsize n;
  g_autofree kiss_fft_cpx *in = NULL;
  g_autofree kiss_fft_cpx *out = NULL;

  evox_volume_get_dims (volume, dims);
  n = dims[0] * dims[1] * dims[2];
  in = g_new (kiss_fft_cpx, n);
  out = g_new (kiss_fft_cpx, n);
  for (gsize i = 0; i < n; i++)
    {
      double v = evox_sample_get (data, type, i);

      if (!isfinite (v))
        {
          gsize x = i % dims[0], y = (i / dims[0]) % dims[1], z = i / (dims[0] * dims[1]);

          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "Fourier shell correlation: volume %s has a non-finite value at voxel "
                       "(%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ")",
                       name, x, y, z);
          return NULL;
        }
      in[i].r = (kiss_fft_scalar) v;
      in[i].i = 0;
    }
  kiss_fftnd (cfg, in, out);
  return g_steal_pointer (&out);
}

/* Signed frequency of FFT index k of n samples at spacing s. */
static inline double
axis_frequency (gsize  k,
                gsize  n,
                double s)
{
  double kk = k <= n / 2 ? (double) k : (double) k - (double) n;

  return kk / ((double) n * s);
}

gboolean
evox_fsc (EvoxVolume  *a,
          EvoxVolume  *b,
          guint        channel,
          guint        n_shells,
          double      *frequency,
          double      *fsc,
          guint       *n_voxels,
          GError     **error)
{
  gsize da[3], db[3];
  double spacing[3] = { 1.0, 1.0, 1.0 };
  gboolean is_2d;
  gsize min_side;
  double smax, nyquist, width;
  int fft_dims[3];
  kiss_fftnd_cfg cfg;
  g_autofree kiss_fft_cpx *fa = NULL;
  g_autofree kiss_fft_cpx *fb = NULL;
  g_autofree double *cross = NULL;
  g_autofree double *pa = NULL;
  g_autofree double *pb = NULL;
  g_autofree guint *count = NULL;

  g_return_val_if_fail (EVOX_IS_VOLUME (a), FALSE);
  g_return_val_if_fail (EVOX_IS_VOLUME (b), FALSE);
  g_return_val_if_fail (n_shells > 0, FALSE);
  g_return_val_if_fail (fsc != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  evox_volume_get_dims (a, da);
  evox_volume_get_dims (b, db);
  if (da[0] != db[0] || da[1] != db[1] || da[2] != db[2])
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Fourier shell correlation: the volumes differ in size (%" G_GSIZE_FORMAT
                   " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " and %" G_GSIZE_FORMAT " x %"
                   G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT ")",
                   da[0], da[1], da[2], db[0], db[1], db[2]);
      return FALSE;
    }
  if (channel >= evox_volume_get_n_channels (a) || channel >= evox_volume_get_n_channels (b))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Fourier shell correlation: no channel %u in both volumes", channel);
      return FALSE;
    }
  is_2d = da[2] == 1;
  min_side = MIN (da[0], da[1]);
  if (!is_2d)
    min_side = MIN (min_side, da[2]);
  if (min_side < 4 || n_shells > min_side / 2
      || da[0] > G_MAXINT || da[1] > G_MAXINT || da[2] > G_MAXINT)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Fourier shell correlation: %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %"
                   G_GSIZE_FORMAT " is too small for %u shells (each side needs at least 4 "
                   "voxels and twice the shell count)", da[0], da[1], da[2], n_shells);
      return FALSE;
    }

  if (evox_volume_get_spacing_known (a) && evox_volume_get_spacing_known (b))
    evox_volume_get_spacing (a, spacing);
  smax = MAX (spacing[0], spacing[1]);
  if (!is_2d)
    smax = MAX (smax, spacing[2]);
  nyquist = 0.5 / smax;
  width = nyquist / n_shells;

  /* kissfft's n-d transform is row-major with the last dimension fastest: (z, y, x). */
  fft_dims[0] = (int) da[2];
  fft_dims[1] = (int) da[1];
  fft_dims[2] = (int) da[0];
  if (is_2d)
    cfg = kiss_fftnd_alloc (fft_dims + 1, 2, 0, NULL, NULL);
  else
    cfg = kiss_fftnd_alloc (fft_dims, 3, 0, NULL, NULL);
  fa = volume_spectrum (a, "a", channel, cfg, error);
  if (fa != NULL)
    fb = volume_spectrum (b, "b", channel, cfg, error);
  kiss_fft_free (cfg);
  if (fb == NULL)
    return FALSE;

  cross = g_new0 (double, n_shells);
  pa = g_new0 (double, n_shells);
  pb = g_new0 (double, n_shells);
  count = g_new0 (guint, n_shells);
  for (gsize z = 0; z < da[2]; z++)
    {
      double fz = is_2d ? 0.0 : axis_frequency (z, da[2], spacing[2]);

      for (gsize y = 0; y < da[1]; y++)
        {
          double fy = axis_frequency (y, da[1], spacing[1]);

          for (gsize x = 0; x < da[0]; x++)
            {
              double fx = axis_frequency (x, da[0], spacing[0]);
              double r = sqrt (fx * fx + fy * fy + fz * fz);
              gsize i = (z * da[1] + y) * da[0] + x;
              double s = floor (r / width);
              guint shell;

              /* Nyquist itself closes the last shell; the corners beyond it are left out. */
              if (s >= n_shells)
                {
                  if (r > nyquist)
                    continue;
                  s = n_shells - 1;
                }
              shell = (guint) s;
              cross[shell] += (double) fa[i].r * fb[i].r + (double) fa[i].i * fb[i].i;
              pa[shell] += (double) fa[i].r * fa[i].r + (double) fa[i].i * fa[i].i;
              pb[shell] += (double) fb[i].r * fb[i].r + (double) fb[i].i * fb[i].i;
              count[shell]++;
            }
        }
    }

  for (guint s = 0; s < n_shells; s++)
    {
      fsc[s] = count[s] > 0 && pa[s] > 0 && pb[s] > 0 ? cross[s] / sqrt (pa[s] * pb[s]) : NAN;
      if (frequency != NULL)
        frequency[s] = (s + 0.5) * width;
      if (n_voxels != NULL)
        n_voxels[s] = count[s];
    }
  return TRUE;
}

double
evox_fsc_threshold (EvoxFscThreshold threshold,
                    guint            n)
{
  double sq;

  if (threshold == EVOX_FSC_THRESHOLD_FIXED)
    return 1.0 / 7.0;
  /* The half-bit curve of M. van Heel and M. Schatz, "Fourier shell correlation threshold
   * criteria", J. Struct. Biol. 151 (2005) 250-262, eq. 17, with n the number of voxels in the
   * shell: T = (0.2071 + 1.9102 / sqrt n) / (1.2071 + 0.9102 / sqrt n). */
  if (n == 0)
    return 1.0;
  sq = sqrt ((double) n);
  return (0.2071 + 1.9102 / sq) / (1.2071 + 0.9102 / sq);
}

gboolean
evox_fsc_resolution (const double    *frequency,
                     const double    *fsc,
                     const guint     *n_voxels,
                     guint            n,
                     EvoxFscThreshold threshold,
                     double          *crossing,
                     double          *resolution)
{
  double prev_f = NAN, prev_d = NAN;

  g_return_val_if_fail (frequency != NULL && fsc != NULL, FALSE);
  g_return_val_if_fail (threshold == EVOX_FSC_THRESHOLD_FIXED || n_voxels != NULL, FALSE);

  for (guint i = 0; i < n; i++)
    {
      double d, f;

      if (isnan (fsc[i]))
        continue;
      d = fsc[i] - evox_fsc_threshold (threshold, n_voxels != NULL ? n_voxels[i] : 0);
      /* A crossing needs the curve above the threshold first: the half-bit curve is 1 for the
       * one-voxel shell at the origin, which any FSC below 1 would otherwise "cross". */
      if (d < 0 && !isnan (prev_d))
        {
          f = prev_f + (frequency[i] - prev_f) * prev_d / (prev_d - d);
          if (crossing != NULL)
            *crossing = f;
          if (resolution != NULL)
            *resolution = 1.0 / f;
          return TRUE;
        }
      if (d >= 0)
        {
          prev_f = frequency[i];
          prev_d = d;
        }
    }
  return FALSE;
}
