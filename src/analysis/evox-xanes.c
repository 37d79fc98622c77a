/* evox-xanes.c: Larch-style pre-edge line, post-edge polynomial, edge step and normalised
 * absorption per spectrum, and the per-voxel maps of a spectral stack built from them. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-xanes.h"

#include <math.h>
#include <string.h>

#include "evox-types.h"

/* Voxels gathered per tile: each channel is a contiguous plane, so a tile reads TILE
 * consecutive values of every channel instead of striding across all channels per voxel. */
#define TILE 256

void
evox_xanes_params_init (EvoxXanesParams *params)
{
  g_return_if_fail (params != NULL);

  params->e0 = NAN;
  params->pre1 = -150.0;
  params->pre2 = -30.0;
  params->norm1 = 50.0;
  params->norm2 = NAN;
  params->nnorm = -1;
  params->mask_k = 3.0;
  params->edge = NAN;
  params->with_norm = FALSE;
}

static gboolean
check_energies (const double *energy,
                guint         n,
                GError      **error)
{
  for (guint i = 0; i < n; i++)
    if (!isfinite (energy[i]))
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "XANES: energy %u is not finite", i);
        return FALSE;
      }
  for (guint i = 1; i < n; i++)
    if (!(energy[i] > energy[i - 1]))
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "XANES: energies are not strictly increasing (%g eV at %u after %g eV)",
                     energy[i], i, energy[i - 1]);
        return FALSE;
      }
  return TRUE;
}

/* Larch's find_energy_step: the mean of the 10 smallest steps after skipping the smallest 1 %
 * at both ends. Below 100 points Larch's slice [0:-0] is empty and its later clamp turns the
 * NaN into 1 eV; that is kept so E0 agrees with Larch on short spectra. */
static double
energy_step (const double *energy,
             guint         n)
{
  guint nskip = (guint) (0.01 * n);
  if (nskip == 0 || n < 2 * nskip + 2)
    return 1.0;
  guint m = n - 2 * nskip - 1;
  g_autofree double *d = g_new (double, m);
  for (guint i = 0; i < m; i++)
    d[i] = energy[nskip + i + 1] - energy[nskip + i];
  for (guint i = 1; i < m; i++)           /* insertion sort: m is small */
    for (guint j = i; j > 0 && d[j] < d[j - 1]; j--)
      {
        double t = d[j];
        d[j] = d[j - 1];
        d[j - 1] = t;
      }
  double s = 0;
  guint c = 0;
  for (guint i = nskip; i < m && c < 10; i++, c++)
    s += d[i];
  return c ? s / c : 1.0;
}

/* Larch's smooth (form lorentzian, sigma = xstep = estep): the data interpolated onto
 * linspace (xmin, xmax, npts) padded by 5 steps, mirrored at both ends, convolved with a
 * Lorentzian of half width one grid index normalised over its 2 npts points, and interpolated
 * back. Here only the grid points around each measured energy are convolved, and the window is
 * cut at SMOOTH_REACH indices (its weight beyond is 0.25 %), so a voxel costs O(n). */
#define SMOOTH_REACH 250

static void
smooth_lorentzian (const double *energy,
                   double       *dmu,
                   guint         n,
                   double        estep)
{
  double xmin = estep * (double) (gint64) ((energy[0] - 5 * estep) / estep);
  double xmax = estep * (double) (gint64) ((energy[n - 1] + 5 * estep) / estep);
  gint64 npts = MIN (1 + (gint64) (fabs (xmax - xmin + estep * 0.1) / estep), 50 * (gint64) n);
  double dx = (xmax - xmin) / (npts - 1);

  /* the interpolated grid (np.interp clamps outside the data) and the window, once */
  g_autofree double *y0 = g_new (double, npts);
  for (gint64 q = 0, j = 0; q < npts; q++)
    {
      double x = xmin + q * dx;
      while (j + 1 < n && energy[j + 1] <= x)
        j++;
      if (x <= energy[0])
        y0[q] = dmu[0];
      else if (j + 1 >= n)
        y0[q] = dmu[n - 1];
      else
        y0[q] = dmu[j] + (x - energy[j]) / (energy[j + 1] - energy[j]) * (dmu[j + 1] - dmu[j]);
    }
  double wsum = 0, w[SMOOTH_REACH + 1];
  for (gint64 d = -npts; d < npts; d++)
    wsum += 1.0 / (G_PI * (d * d + 1.0));
  for (int d = 0; d <= SMOOTH_REACH; d++)
    w[d] = 1.0 / (G_PI * (d * d + 1.0)) / wsum;

  g_autofree double *out = g_new (double, n);
  for (guint i = 0; i < n; i++)
    {
      gint64 k0 = CLAMP ((gint64) floor ((energy[i] - xmin) / dx), 0, npts - 2);
      double y2[2];
      for (int h = 0; h < 2; h++)
        {
          gint64 k = k0 + h;
          double s = 0;
          for (gint64 d = MAX (-SMOOTH_REACH, -npts); d <= MIN (SMOOTH_REACH, npts - 1); d++)
            {
              gint64 q = k - d;
              /* Larch's y1: below 0 mirrored without the end point, above npts - 1 with it */
              if (q < 0)
                q = -q;
              else if (q >= npts)
                q = 2 * npts - 1 - q;
              q = CLAMP (q, 0, npts - 1);
              s += w[ABS (d)] * y0[q];
            }
          y2[h] = s;
        }
      double x0 = xmin + k0 * dx;
      out[i] = y2[0] + (energy[i] - x0) / dx * (y2[1] - y2[0]);
    }
  memcpy (dmu, out, n * sizeof (double));
}

/* One pass of Larch's _finde0 over energy[0..n): the index of the largest (optionally smoothed)
 * derivative among points whose scaled derivative and both neighbours' exceed dhigh (0.6, or
 * 0.3 on 20 points or fewer; halved up to twice when fewer than 3 points pass, then every
 * point), ignoring max (3, 2 %) points at each end; 0 when none qualifies. -1 when there are
 * too few points to leave any after the ends. */
static int
finde0_pass (const double *energy,
             const double *mu,
             guint         n,
             double        estep,
             gboolean      use_smooth)
{
  guint nmin = MAX (3u, (guint) (n * 0.02));
  if (n <= 2 * nmin)
    return -1;
  g_autofree double *dmu = g_new (double, n);
  g_autofree gboolean *high = g_new (gboolean, n);
  /* numpy's gradient(mu) / gradient(energy): central inside, one-sided at the ends */
  for (guint i = 0; i < n; i++)
    {
      guint a = i == 0 ? 0 : i - 1, b = i == n - 1 ? n - 1 : i + 1;
      dmu[i] = (mu[b] - mu[a]) / (energy[b] - energy[a]);
    }
  if (use_smooth)
    smooth_lorentzian (energy, dmu, n, estep);
  for (guint i = 0; i < n; i++)
    if (!isfinite (dmu[i]))
      dmu[i] = -1.0;
  double lo = INFINITY, hi = -INFINITY;
  for (guint i = nmin; i < n - nmin; i++)
    {
      lo = MIN (lo, dmu[i]);
      hi = MAX (hi, dmu[i]);
    }
  double ptp = MAX (1e-10, hi - lo);
  for (guint i = 0; i < n; i++)
    dmu[i] = (dmu[i] - lo) / ptp;

  double dhigh = n > 20 ? 0.6 : 0.3;
  guint count = 0;
  for (int round = 0; round < 3; round++)
    {
      count = 0;
      for (guint i = 0; i < n; i++)
        count += high[i] = dmu[i] > dhigh;
      if (round == 2 || count > 3 || (round == 0 && count >= 3))
        break;
      dhigh *= 0.5;
    }
  if (count < 3)
    for (guint i = 0; i < n; i++)
      high[i] = TRUE;

  int best = 0;
  double best_d = 0;
  for (guint i = nmin; i <= n - nmin && i + 1 < n; i++)
    if (high[i] && dmu[i] > best_d && high[i + 1] && high[i - 1])
      {
        best = (int) i;
        best_d = dmu[i];
      }
  return best;
}

double
evox_xanes_find_e0 (const double *energy,
                    const double *mu,
                    guint         n,
                    GError      **error)
{
  g_return_val_if_fail (energy != NULL && mu != NULL, NAN);

  if (!check_energies (energy, n, error))
    return NAN;
  for (guint i = 0; i < n; i++)
    if (!isfinite (mu[i]))
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                     "XANES: absorption at %g eV is not finite", energy[i]);
        return NAN;
      }

  /* Larch: a rough E0 from the raw derivative, then the smoothed derivative over 75 points
   * either side of it (or, when the rough one sits in the first 5 %, likely a glitch, from 20
   * points below it to the end), 3 points left off at each end. */
  int ie0 = finde0_pass (energy, mu, n, 1.0, FALSE);
  if (ie0 >= 0)
    {
      double e1 = energy[ie0];
      int istart = MAX (3, ie0 - 75), istop = MIN (ie0 + 75, (int) n - 3);
      if (ie0 < 0.05 * n)
        {
          double s = 0;
          for (guint i = 0; i < n; i++)
            s += energy[i];
          e1 = s / n;
          istart = MAX (3, ie0 - 20);
          istop = (int) n - 3;
        }
      double estep = 0.5 * (CLAMP (energy_step (energy, n), 0.01, 1.0)
                            + CLAMP (e1 / 25000.0, 0.01, 1.0));
      int ix = istop > istart ? finde0_pass (energy + istart, mu + istart, istop - istart,
                                             estep, TRUE) : -1;
      if (ix >= 1)
        return energy[istart + ix];
      if (ix == 0)
        return energy[istart + 2];
    }
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
               "XANES: %u energies are too few to find E0 (Larch's search leaves 3 points off "
               "each end twice); give E0", n);
  return NAN;
}

/* Least squares polynomial of degree deg in t = (x - x0) / scale by normal equations solved with
 * partial pivoting; centring and scaling keep them well conditioned at 8 keV. Coefficients come
 * back in powers of (x - x0). */
static gboolean
polyfit (const double *x,
         const double *y,
         guint         n,
         double        x0,
         int           deg,
         double       *coefs)
{
  int m = deg + 1;
  double scale = 0;
  for (guint i = 0; i < n; i++)
    scale = MAX (scale, fabs (x[i] - x0));
  if (scale == 0)
    scale = 1;
  double a[EVOX_XANES_MAX_NNORM + 1][EVOX_XANES_MAX_NNORM + 2] = { { 0 } };
  for (guint i = 0; i < n; i++)
    {
      double t = (x[i] - x0) / scale, p[2 * EVOX_XANES_MAX_NNORM + 1];
      p[0] = 1;
      for (int k = 1; k < 2 * m - 1; k++)
        p[k] = p[k - 1] * t;
      for (int r = 0; r < m; r++)
        {
          for (int c = 0; c < m; c++)
            a[r][c] += p[r + c];
          a[r][m] += p[r] * y[i];
        }
    }
  for (int c = 0; c < m; c++)
    {
      int piv = c;
      for (int r = c + 1; r < m; r++)
        if (fabs (a[r][c]) > fabs (a[piv][c]))
          piv = r;
      if (a[piv][c] == 0)
        return FALSE;
      if (piv != c)
        for (int k = 0; k <= m; k++)
          {
            double tmp = a[c][k];
            a[c][k] = a[piv][k];
            a[piv][k] = tmp;
          }
      for (int r = c + 1; r < m; r++)
        {
          double f = a[r][c] / a[c][c];
          for (int k = c; k <= m; k++)
            a[r][k] -= f * a[c][k];
        }
    }
  for (int r = m - 1; r >= 0; r--)
    {
      double s = a[r][m];
      for (int k = r + 1; k < m; k++)
        s -= a[r][k] * coefs[k];
      coefs[r] = s / a[r][r];
    }
  double f = 1;
  for (int r = 0; r < m; r++, f *= scale)
    coefs[r] /= f;
  return TRUE;
}

static double
post_eval (const EvoxXanesResult *r,
           double                 e)
{
  double d = e - r->e0, s = 0;
  for (int j = r->nnorm; j >= 0; j--)
    s = s * d + r->post_coefs[j];
  return s;
}

gboolean
evox_xanes_normalise (const double          *energy,
                      const double          *mu,
                      guint                  n,
                      const EvoxXanesParams *params,
                      EvoxXanesResult       *result,
                      GError               **error)
{
  g_return_val_if_fail (energy != NULL && mu != NULL, FALSE);
  g_return_val_if_fail (params != NULL && result != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  double *norm_out = result->norm;
  memset (result, 0, sizeof *result);
  result->norm = norm_out;
  result->half_step_energy = result->whiteline_energy = result->whiteline_height = NAN;

  if (n < 4)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "XANES: %u energies are too few (a pre-edge line and a post-edge need 4)", n);
      return FALSE;
    }
  if (!check_energies (energy, n, error))
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (!isfinite (mu[i]))
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                     "XANES: absorption at %g eV is not finite", energy[i]);
        return FALSE;
      }

  double e0 = params->e0;
  if (isnan (e0))
    {
      e0 = evox_xanes_find_e0 (energy, mu, n, error);
      if (isnan (e0))
        return FALSE;
    }
  else if (!(e0 > energy[0] && e0 < energy[n - 1]))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "XANES: E0 %g eV is not inside the energies (%g to %g eV): the stack does "
                   "not span the edge", e0, energy[0], energy[n - 1]);
      return FALSE;
    }
  /* Larch moves E0 onto the nearest measured energy */
  guint ie0 = 0;
  for (guint i = 1; i < n; i++)
    if (fabs (energy[i] - e0) < fabs (energy[ie0] - e0))
      ie0 = i;
  e0 = result->e0 = energy[ie0];

  /* ranges clipped to the data, swapped when given the wrong way round, as Larch does */
  double pre1 = MAX (params->pre1, energy[0] - e0), pre2 = params->pre2;
  if (pre1 > pre2)
    {
      double t = pre1;
      pre1 = pre2;
      pre2 = t;
    }
  double norm2 = isnan (params->norm2) ? energy[n - 1] - e0 : MIN (params->norm2,
                                                                    energy[n - 1] - e0);
  double norm1 = params->norm1;
  if (norm1 > norm2)
    {
      double t = norm1;
      norm1 = norm2;
      norm2 = t;
    }

  /* inclusive ranges [E0 + lo, E0 + hi] */
  guint p0 = n, p1 = 0, q0 = n, q1 = 0;
  for (guint i = 0; i < n; i++)
    {
      double d = energy[i] - e0;
      if (d >= pre1 && d <= pre2)
        p0 = MIN (p0, i), p1 = i + 1;
      if (d >= norm1 && d <= norm2)
        q0 = MIN (q0, i), q1 = i + 1;
    }
  result->n_pre = p1 > p0 ? p1 - p0 : 0;
  result->n_post = q1 > q0 ? q1 - q0 : 0;
  if (result->n_pre < 2)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "XANES: %u energies in the pre-edge range E0%+g to E0%+g eV (E0 %g eV); a "
                   "line needs 2: the stack does not reach below the edge", result->n_pre, pre1,
                   pre2, e0);
      return FALSE;
    }

  int nnorm = params->nnorm;
  if (nnorm < 0)
    nnorm = norm2 - norm1 < 30 ? 0 : norm2 - norm1 < 300 ? 1 : 2;
  nnorm = MIN (nnorm, EVOX_XANES_MAX_NNORM);
  result->nnorm = nnorm;
  if (result->n_post < 2 || result->n_post < (guint) nnorm + 1)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "XANES: %u energies in the post-edge range E0%+g to E0%+g eV (E0 %g eV); "
                   "degree %d needs %d: the stack does not reach above the edge",
                   result->n_post, norm1, norm2, e0, nnorm, MAX (2, nnorm + 1));
      return FALSE;
    }

  double line[2];
  if (!polyfit (energy + p0, mu + p0, result->n_pre, e0, 1, line))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "XANES: pre-edge fit failed");
      return FALSE;
    }
  result->pre_slope = line[1];
  result->pre_offset = line[0] - line[1] * e0;

  double ss = 0;
  for (guint i = p0; i < p1; i++)
    {
      double r = mu[i] - (line[0] + line[1] * (energy[i] - e0));
      ss += r * r;
    }
  result->noise = sqrt (ss / result->n_pre);

  double sub[512];
  g_autofree double *sub_heap = result->n_post > G_N_ELEMENTS (sub)
                                ? g_new (double, result->n_post) : NULL;
  double *y = sub_heap ? sub_heap : sub;
  for (guint i = q0; i < q1; i++)
    y[i - q0] = mu[i] - (line[0] + line[1] * (energy[i] - e0));
  if (!polyfit (energy + q0, y, result->n_post, e0, nnorm, result->post_coefs))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "XANES: post-edge fit failed");
      return FALSE;
    }

  /* post (E0) - pre (E0): the polynomial was fitted to mu - pre, so its value at E0 */
  double step = result->edge_step = post_eval (result, e0);
  /* Larch takes |step|; a falling or absent step is no absorption edge, and for maps it must
   * not count as one */
  if (!(step > 0) || !isfinite (step))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "XANES: the edge step at E0 %g eV is %g: no rising absorption edge there",
                   e0, step);
      return FALSE;
    }
  result->mask = step > params->mask_k * result->noise;

  /* norm into the caller's buffer, or computed on the fly */
  #define NORM(i) ((mu[i] - (line[0] + line[1] * (energy[i] - e0))) / step)
  if (norm_out)
    for (guint i = 0; i < n; i++)
      norm_out[i] = NORM (i);

  guint imax = ie0;
  double vmax = NORM (ie0);
  for (guint i = ie0 + 1; i < n; i++)
    if (NORM (i) > vmax)
      imax = i, vmax = NORM (i);
  if (imax > 0 && imax + 1 < n)
    {
      /* vertex of the parabola through three points on an uneven grid (divided differences) */
      double x0 = energy[imax - 1], x1 = energy[imax], x2 = energy[imax + 1];
      double y0 = NORM (imax - 1), y1 = vmax, y2 = NORM (imax + 1);
      double d01 = (y1 - y0) / (x1 - x0), d12 = (y2 - y1) / (x2 - x1);
      double c2 = (d12 - d01) / (x2 - x0);
      if (c2 < 0)
        {
          double xv = 0.5 * (x0 + x1) - d01 / (2 * c2);
          result->whiteline_energy = xv;
          result->whiteline_height = y0 + d01 * (xv - x0) + c2 * (xv - x0) * (xv - x1);
        }
      else
        {
          result->whiteline_energy = x1;
          result->whiteline_height = y1;
        }
    }
  else
    {
      result->whiteline_energy = energy[imax];
      result->whiteline_height = vmax;
    }

  /* half step: walk down from the white line to the first point below 0.5, so pre-edge noise
   * crossing 0.5 far below the edge cannot be taken */
  if (vmax >= 0.5)
    for (guint i = imax; i > 0; i--)
      {
        double a = NORM (i - 1), b = NORM (i);
        if (a < 0.5 && b >= 0.5)
          {
            result->half_step_energy = energy[i - 1]
                                       + (0.5 - a) / (b - a) * (energy[i] - energy[i - 1]);
            break;
          }
      }
  #undef NORM
  return TRUE;
}

typedef struct
{
  guint  channel;
  double energy;
} ChannelEnergy;

static int
compare_energy (gconstpointer a,
                gconstpointer b)
{
  const ChannelEnergy *x = a, *y = b;
  return (x->energy > y->energy) - (x->energy < y->energy);
}

static inline double
sample (gconstpointer   data,
        EvoxSampleType  type,
        gsize           i)
{
  switch (type)
    {
    case EVOX_SAMPLE_U8:
      return ((const guint8 *) data)[i];
    case EVOX_SAMPLE_U16:
      return ((const guint16 *) data)[i];
    case EVOX_SAMPLE_F32:
    default:
      return ((const float *) data)[i];
    }
}

enum { MAP_EDGE, MAP_E0, MAP_WL_ENERGY, MAP_WL_HEIGHT, MAP_STEP, MAP_MASK, N_MAPS };
static const char *const map_names[N_MAPS] = {
  "edge_energy", "e0", "whiteline_energy", "whiteline_height", "edge_step", "mask"
};

static void
set_metadata_number (EvoxVolume *out,
                     const char *key,
                     double      value)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  evox_volume_set_metadata (out, key, g_ascii_dtostr (text, sizeof text, value));
}

/* What the whole stack was normalised with, for summaries and for the files the maps go to. */
static void
describe_maps (EvoxVolume            *out,
               const EvoxXanesParams *p,
               const EvoxXanesResult *used)
{
  set_metadata_number (out, "xanes_e0", used->e0);
  if (isfinite (p->edge))
    set_metadata_number (out, "xanes_edge", p->edge);
  set_metadata_number (out, "xanes_pre1", p->pre1);
  set_metadata_number (out, "xanes_pre2", p->pre2);
  set_metadata_number (out, "xanes_norm1", p->norm1);
  if (isfinite (p->norm2))
    set_metadata_number (out, "xanes_norm2", p->norm2);
  set_metadata_number (out, "xanes_nnorm", used->nnorm);
  set_metadata_number (out, "xanes_mask_k", p->mask_k);
}

EvoxVolume *
evox_xanes_maps (EvoxVolume            *stack,
                 const EvoxXanesParams *params,
                 EvoxProgress          *progress,
                 GCancellable          *cancellable,
                 GError               **error)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (stack), NULL);
  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  guint n = evox_volume_get_n_channels (stack);
  if (n < 4)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "XANES: the stack has %u energies; normalisation needs at least 4", n);
      return NULL;
    }
  g_autofree ChannelEnergy *order = g_new (ChannelEnergy, n);
  for (guint c = 0; c < n; c++)
    {
      order[c].channel = c;
      order[c].energy = evox_volume_get_channel_energy (stack, c);
      if (!isfinite (order[c].energy) || order[c].energy <= 0)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "XANES: channel %u (%s) carries no energy", c,
                       evox_volume_get_channel_label (stack, c));
          return NULL;
        }
    }
  qsort (order, n, sizeof *order, compare_energy);
  g_autofree double *energy = g_new (double, n);
  g_autofree gconstpointer *planes = g_new (gconstpointer, n);
  for (guint c = 0; c < n; c++)
    {
      energy[c] = order[c].energy;
      planes[c] = evox_volume_get_data (stack, order[c].channel);
    }
  if (!check_energies (energy, n, error))
    return NULL;

  EvoxSampleType type = evox_volume_get_sample_type (stack);
  gsize dims[3], nv = evox_volume_get_n_voxels (stack);
  evox_volume_get_dims (stack, dims);

  /* one E0 for the whole stack: given, or from the mean spectrum */
  EvoxXanesParams p = *params;
  if (isnan (p.e0))
    {
      g_autofree double *mean = g_new0 (double, n);
      for (guint c = 0; c < n; c++)
        {
          double s = 0;
          gsize cnt = 0;
          for (gsize v = 0; v < nv; v++)
            {
              double x = sample (planes[c], type, v);
              if (isfinite (x))
                s += x, cnt++;
            }
          mean[c] = cnt ? s / cnt : NAN;
        }
      g_autoptr(GError) local = NULL;
      p.e0 = evox_xanes_find_e0 (energy, mean, n, &local);
      if (isnan (p.e0))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "XANES: the stack's mean spectrum: %s", local->message);
          return NULL;
        }
    }
  else if (!(p.e0 > energy[0] && p.e0 < energy[n - 1]))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "XANES: E0 %g eV is not inside the stack's energies (%g to %g eV): the "
                   "stack does not span the edge", p.e0, energy[0], energy[n - 1]);
      return NULL;
    }

  /* A spectrum of constant zeros would fail; check the ranges once on a dummy ramp so a stack
   * that cannot be normalised at all is one error, not one per voxel. */
  EvoxXanesResult used = { 0 };
  {
    g_autofree double *ramp = g_new (double, n);
    for (guint c = 0; c < n; c++)
      ramp[c] = energy[c] > p.e0 ? 1 : 0;
    if (!evox_xanes_normalise (energy, ramp, n, &p, &used, error))
      return NULL;
  }

  g_autoptr(EvoxVolume) out = evox_volume_new (dims[0], dims[1], dims[2], N_MAPS,
                                               EVOX_SAMPLE_F32, error);
  if (out == NULL)
    return NULL;
  double spacing[3], origin[3];
  evox_volume_get_spacing (stack, spacing);
  evox_volume_set_spacing (out, spacing);
  evox_volume_set_spacing_known (out, evox_volume_get_spacing_known (stack));
  evox_volume_get_origin (stack, origin);
  evox_volume_set_origin (out, origin);
  float *maps[N_MAPS];
  for (guint m = 0; m < N_MAPS; m++)
    {
      evox_volume_set_channel_info (out, m, map_names[m], NAN);
      maps[m] = evox_volume_get_data_mut (out, m);
    }
  evox_volume_set_channel_values (out, MAP_EDGE, EVOX_SCALE_LINEAR, "energy", "eV");
  evox_volume_set_channel_values (out, MAP_E0, EVOX_SCALE_LINEAR, "energy", "eV");
  evox_volume_set_channel_values (out, MAP_WL_ENERGY, EVOX_SCALE_LINEAR, "energy", "eV");
  describe_maps (out, &p, &used);

  gsize n_tiles = (nv + TILE - 1) / TILE;
  int done = 0;

#pragma omp parallel
  {
    g_autofree double *buf = g_new (double, (gsize) n * TILE);
    g_autofree double *mu = g_new (double, n);

#pragma omp for schedule(dynamic, 4)
    for (gsize t = 0; t < n_tiles; t++)
      {
        if (g_cancellable_is_cancelled (cancellable))
          continue;
        gsize v0 = t * TILE, len = MIN ((gsize) TILE, nv - v0);
        for (guint c = 0; c < n; c++)
          for (gsize k = 0; k < len; k++)
            buf[k * n + c] = sample (planes[c], type, v0 + k);
        for (gsize k = 0; k < len; k++)
          {
            gsize v = v0 + k;
            memcpy (mu, buf + k * n, n * sizeof (double));
            EvoxXanesResult r = { 0 };
            gboolean ok = evox_xanes_normalise (energy, mu, n, &p, &r, NULL);
            gboolean in = ok && r.mask;
            double e0v = in ? evox_xanes_find_e0 (energy, mu, n, NULL) : NAN;
            maps[MAP_EDGE][v] = in ? r.half_step_energy : NAN;
            maps[MAP_E0][v] = e0v;
            maps[MAP_WL_ENERGY][v] = in ? r.whiteline_energy : NAN;
            maps[MAP_WL_HEIGHT][v] = in ? r.whiteline_height : NAN;
            maps[MAP_STEP][v] = ok ? r.edge_step : NAN;
            maps[MAP_MASK][v] = in ? 1.0f : 0.0f;
          }
        if (progress)
          evox_progress_update (progress, (g_atomic_int_add (&done, 1) + 1.0) / n_tiles);
      }
  }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  return g_steal_pointer (&out);
}
