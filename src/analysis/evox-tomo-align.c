/* evox-tomo-align.c: the cheap first pass of jitter alignment (row-sum profiles for y, the
 * centre-of-mass sinusoid for x) and the shift that applies it. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evox-tomo.h"
#include "evox-tomo-private.h"
#include "evox-types.h"

/* Value of a profile of n samples at a fractional position, linear between samples and the end
 * samples repeated outside (the same edge rule as evox_tomo_shift). */
static double
profile_at (const double *p,
            guint         n,
            double        pos)
{
  double f;
  gint64 i;

  if (pos <= 0.0)
    return p[0];
  if (pos >= n - 1)
    return p[n - 1];
  i = (gint64) floor (pos);
  f = pos - i;
  return p[i] * (1.0 - f) + p[i + 1] * f;
}

/* The lag s (sub-pixel) at which p (y + s) best matches ref (y): the maximum of the direct
 * cross-correlation over lags up to half the length, refined by a parabola through the peak and
 * its neighbours. Profiles are not mean-subtracted: a sample inside the field of view has
 * profiles that fall to zero at both ends, so the shrinking overlap at large lags does not pull
 * the peak, while a subtracted mean would give negative tails that do. */
static double
register_profile (const double *ref,
                  const double *p,
                  guint         n)
{
  gint64 max_lag = n / 2;
  g_autofree double *c = g_new0 (double, 2 * max_lag + 1);
  gint64 best = -max_lag;

  for (gint64 s = -max_lag; s <= max_lag; s++)
    {
      gint64 y0 = MAX (0, -s);
      gint64 y1 = MIN ((gint64) n, (gint64) n - s);
      double sum = 0.0;

      for (gint64 y = y0; y < y1; y++)
        sum += ref[y] * p[y + s];
      c[s + max_lag] = sum;
      if (sum > c[best + max_lag] || (sum == c[best + max_lag] && llabs (s) < llabs (best)))
        best = s;
    }
  if (best > -max_lag && best < max_lag)
    {
      double cm = c[best + max_lag - 1];
      double c0 = c[best + max_lag];
      double cp = c[best + max_lag + 1];
      double denom = cm - 2.0 * c0 + cp;

      if (denom < 0.0)
        return best + 0.5 * (cm - cp) / denom;
    }
  return (double) best;
}

/* Mean of the profiles, each moved by its shift (profile a at y - dy[a]). */
static void
mean_profile (const double *profiles,
              guint         ny,
              guint         n_angles,
              const double *dy,
              double       *mean)
{
  memset (mean, 0, ny * sizeof (double));
  for (guint a = 0; a < n_angles; a++)
    for (guint y = 0; y < ny; y++)
      mean[y] += profile_at (profiles + (gsize) a * ny, ny, y - (dy != NULL ? dy[a] : 0.0));
  for (guint y = 0; y < ny; y++)
    mean[y] /= n_angles;
}

/* Solves the 3 x 3 system m x = r by Gaussian elimination with partial pivoting; FALSE when m
 * is singular (angles that do not span enough of a turn to separate cos, sin and 1). */
static gboolean
solve3 (double m[3][3],
        double r[3],
        double x[3])
{
  for (int k = 0; k < 3; k++)
    {
      int piv = k;

      for (int i = k + 1; i < 3; i++)
        if (fabs (m[i][k]) > fabs (m[piv][k]))
          piv = i;
      if (fabs (m[piv][k]) < 1e-9 * (fabs (m[0][0]) + fabs (m[1][1]) + fabs (m[2][2])))
        return FALSE;
      if (piv != k)
        {
          for (int j = 0; j < 3; j++)
            {
              double t = m[k][j];
              m[k][j] = m[piv][j];
              m[piv][j] = t;
            }
          double t = r[k];
          r[k] = r[piv];
          r[piv] = t;
        }
      for (int i = k + 1; i < 3; i++)
        {
          double f = m[i][k] / m[k][k];

          for (int j = k; j < 3; j++)
            m[i][j] -= f * m[k][j];
          r[i] -= f * r[k];
        }
    }
  for (int k = 2; k >= 0; k--)
    {
      double s = r[k];

      for (int j = k + 1; j < 3; j++)
        s -= m[k][j] * x[j];
      x[k] = s / m[k][k];
    }
  return TRUE;
}

gboolean
_evox_tomo_fit_sinusoid (const double   *theta,
                         const double   *v,
                         const gboolean *use,
                         guint           n,
                         double          coef[3])
{
  double m[3][3] = { { 0 } };
  double r[3] = { 0 };

  for (guint a = 0; a < n; a++)
    {
      double basis[3] = { cos (theta[a]), sin (theta[a]), 1.0 };

      if (use != NULL && !use[a])
        continue;
      for (int i = 0; i < 3; i++)
        {
          for (int j = 0; j < 3; j++)
            m[i][j] += basis[i] * basis[j];
          r[i] += basis[i] * v[a];
        }
    }
  return solve3 (m, r, coef);
}

gboolean
evox_tomo_align_fast (const EvoxTiltSeries  *series,
                      double                *dx,
                      double                *dy,
                      double                *center,
                      double                *rms,
                      GError               **error)
{
  g_autofree double *profiles = NULL;
  g_autofree double *com = NULL;
  g_autofree double *mean = NULL;
  double coef[3] = { 0 };
  double sum_r2 = 0.0;
  double mean_dy = 0.0;
  guint nx, ny, na;

  g_return_val_if_fail (series != NULL, FALSE);
  g_return_val_if_fail (dx != NULL && dy != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  nx = series->nx;
  ny = series->ny;
  na = series->n_angles;
  if (na < 3)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "jitter alignment needs at least 3 projections, the tilt series has %u", na);
      return FALSE;
    }

  /* One pass over the data gives both the row sums (y profile) and the centre of mass in x. */
  profiles = g_new0 (double, (gsize) na * ny);
  com = g_new0 (double, na);
  for (guint a = 0; a < na; a++)
    {
      double total = 0.0;
      double moment = 0.0;

      for (guint y = 0; y < ny; y++)
        {
          const float *row = evox_tilt_series_row (series, a, y);
          double row_sum = 0.0;

          for (guint x = 0; x < nx; x++)
            {
              row_sum += row[x];
              moment += (double) x * row[x];
            }
          profiles[(gsize) a * ny + y] = row_sum;
          total += row_sum;
        }
      /* A centre of mass needs positive mass; optical density of a sample is positive. */
      if (!isfinite (total) || !isfinite (moment) || total <= 0.0)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "projection %u (angle %.3g rad) has no signal to align "
                       "(its values sum to %g)", a, series->theta[a], total);
          return FALSE;
        }
      com[a] = moment / total;
    }

  /* Horizontal: least squares of com = a cos + b sin + c. */
  if (!_evox_tomo_fit_sinusoid (series->theta, com, NULL, na, coef))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "the %u angles of the tilt series do not span enough of a turn to fit the "
                   "rotation centre", na);
      return FALSE;
    }
  for (guint a = 0; a < na; a++)
    {
      double fit = coef[0] * cos (series->theta[a]) + coef[1] * sin (series->theta[a]) + coef[2];

      dx[a] = fit - com[a];
      sum_r2 += dx[a] * dx[a];
    }
  if (center != NULL)
    *center = coef[2];
  if (rms != NULL)
    *rms = sqrt (sum_r2 / na);

  /* Vertical: register to the mean profile, then once more to the mean of the aligned
   * profiles, which is sharper. A profile at lag s (p (y + s) = mean (y)) has moved down by s,
   * so the shift back is -s. */
  mean = g_new (double, ny);
  mean_profile (profiles, ny, na, NULL, mean);
  for (guint a = 0; a < na; a++)
    dy[a] = -register_profile (mean, profiles + (gsize) a * ny, ny);
  mean_profile (profiles, ny, na, dy, mean);
  for (guint a = 0; a < na; a++)
    {
      dy[a] = -register_profile (mean, profiles + (gsize) a * ny, ny);
      mean_dy += dy[a];
    }
  /* A common vertical offset of all projections is not observable: keep the shifts centred. */
  mean_dy /= na;
  for (guint a = 0; a < na; a++)
    dy[a] -= mean_dy;
  return TRUE;
}

static int
cmp_double (const void *pa,
            const void *pb)
{
  double a = *(const double *) pa;
  double b = *(const double *) pb;

  return (a > b) - (a < b);
}

/* Median of v[0..n) (n > 0); sorts v. */
static double
median_sorted (double *v,
               guint   n)
{
  qsort (v, n, sizeof (double), cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Median and 1.4826 x MAD (the standard deviation for Gaussian residuals) of the residuals of
 * the angles with use[a]; the scale is floored at 0.1 pixel: phase correlation upsampled 20
 * times gives shifts in steps of 0.05 pixel, so the MAD of nearly constant shifts is often 0,
 * and interpolation leaves errors near 0.1 pixel that are no misregistration. */
static void
robust_scale (const double   *res,
              const gboolean *use,
              guint           n,
              double         *median,
              double         *scale)
{
  g_autofree double *tmp = g_new (double, n);
  guint m = 0;

  for (guint a = 0; a < n; a++)
    if (use[a])
      tmp[m++] = res[a];
  *median = median_sorted (tmp, m);
  for (guint i = 0; i < m; i++)
    tmp[i] = fabs (tmp[i] - *median);
  *scale = MAX (1.4826 * median_sorted (tmp, m), 0.1);
}

/* The fit on the angles with use[a], and every angle's residuals against it. */
static gboolean
shift_fit_pass (const double   *theta,
                const double   *dx,
                const double   *dy,
                const gboolean *use,
                guint           n,
                EvoxShiftFit   *fit,
                double         *rx,
                double         *ry)
{
  double coef[3];
  double sum_dy = 0.0;
  guint m = 0;

  if (!_evox_tomo_fit_sinusoid (theta, dx, use, n, coef))
    return FALSE;
  for (guint a = 0; a < n; a++)
    if (use[a])
      {
        sum_dy += dy[a];
        m++;
      }
  fit->a = coef[0];
  fit->b = coef[1];
  fit->c = coef[2];
  fit->dy = sum_dy / m;
  for (guint a = 0; a < n; a++)
    {
      rx[a] = dx[a] - (coef[0] * cos (theta[a]) + coef[1] * sin (theta[a]) + coef[2]);
      ry[a] = dy[a] - fit->dy;
    }
  return TRUE;
}

/* Flags angles whose residual lies beyond k robust scales of the residuals of the angles used;
 * returns how many. */
static guint
flag_outliers (const double   *rx,
               const double   *ry,
               const gboolean *use,
               guint           n,
               double          k,
               EvoxShiftFit   *fit,
               gboolean       *flag)
{
  double mx, my;
  guint count = 0;

  robust_scale (rx, use, n, &mx, &fit->scale_x);
  robust_scale (ry, use, n, &my, &fit->scale_y);
  for (guint a = 0; a < n; a++)
    {
      flag[a] = fabs (rx[a] - mx) > k * fit->scale_x || fabs (ry[a] - my) > k * fit->scale_y;
      count += flag[a] ? 1 : 0;
    }
  return count;
}

gboolean
evox_tomo_shift_fit (const double  *theta,
                     const double  *dx,
                     const double  *dy,
                     guint          n,
                     double         k,
                     EvoxShiftFit  *fit,
                     gboolean      *outlier,
                     GError       **error)
{
  g_autofree double *rx = NULL;
  g_autofree double *ry = NULL;
  g_autofree gboolean *use = NULL;
  g_autofree gboolean *flag = NULL;
  EvoxShiftFit first = { 0 };
  double sum_r2 = 0.0;
  guint n_kept = 0;
  guint n_flagged;

  g_return_val_if_fail (theta != NULL && dx != NULL && dy != NULL, FALSE);
  g_return_val_if_fail (fit != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Three parameters for x: a fourth angle is the least that leaves a residual to judge. */
  if (n < 4)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "the shift check needs at least 4 angles, got %u", n);
      return FALSE;
    }
  for (guint a = 0; a < n; a++)
    if (!isfinite (theta[a]) || !isfinite (dx[a]) || !isfinite (dy[a]))
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "the shift at angle %u is not a finite number", a);
        return FALSE;
      }
  if (k <= 0.0)
    k = 3.0;

  rx = g_new (double, n);
  ry = g_new (double, n);
  use = g_new (gboolean, n);
  flag = g_new0 (gboolean, n);
  for (guint a = 0; a < n; a++)
    use[a] = TRUE;
  if (!shift_fit_pass (theta, dx, dy, use, n, &first, rx, ry))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "the %u angles do not span enough of a turn to fit the shifts", n);
      return FALSE;
    }
  n_flagged = flag_outliers (rx, ry, use, n, k, &first, flag);
  *fit = first;

  /* Outliers pull a least-squares fit toward them, so fit again without them and judge every
   * angle against that fit. When too few angles remain, the first fit stands. */
  if (n_flagged > 0 && n - n_flagged >= 4)
    {
      EvoxShiftFit second = { 0 };

      for (guint a = 0; a < n; a++)
        use[a] = !flag[a];
      if (shift_fit_pass (theta, dx, dy, use, n, &second, rx, ry))
        {
          n_flagged = flag_outliers (rx, ry, use, n, k, &second, flag);
          *fit = second;
        }
    }

  /* The quality figure is that of the angles kept. */
  for (guint a = 0; a < n; a++)
    if (!flag[a])
      {
        sum_r2 += rx[a] * rx[a] + ry[a] * ry[a];
        n_kept++;
      }
  fit->rms = n_kept > 0 ? sqrt (sum_r2 / n_kept) : 0.0;
  fit->n_outliers = n_flagged;
  if (outlier != NULL)
    memcpy (outlier, flag, n * sizeof (gboolean));
  return TRUE;
}

void
evox_tomo_shift (EvoxTiltSeries *series,
                 const double   *dx,
                 const double   *dy)
{
  g_autofree float *src = NULL;
  gsize n;

  g_return_if_fail (series != NULL);
  g_return_if_fail (dx != NULL && dy != NULL);

  n = (gsize) series->nx * series->ny;
  src = g_new (float, n);
  for (guint a = 0; a < series->n_angles; a++)
    {
      float *dst = series->data + n * a;

      if (dx[a] == 0.0 && dy[a] == 0.0)
        continue;
      memcpy (src, dst, n * sizeof (float));
      for (guint y = 0; y < series->ny; y++)
        {
          /* The pixel at (x, y) comes from (x - dx, y - dy), clamped to the image. */
          double sy = CLAMP (y - dy[a], 0.0, series->ny - 1.0);
          guint y0 = (guint) floor (sy);
          guint y1 = MIN (y0 + 1, series->ny - 1);
          double fy = sy - y0;

          for (guint x = 0; x < series->nx; x++)
            {
              double sx = CLAMP (x - dx[a], 0.0, series->nx - 1.0);
              guint x0 = (guint) floor (sx);
              guint x1 = MIN (x0 + 1, series->nx - 1);
              double fx = sx - x0;
              double top = src[(gsize) y0 * series->nx + x0] * (1.0 - fx)
                           + src[(gsize) y0 * series->nx + x1] * fx;
              double bottom = src[(gsize) y1 * series->nx + x0] * (1.0 - fx)
                              + src[(gsize) y1 * series->nx + x1] * fx;

              dst[(gsize) y * series->nx + x] = (float) (top * (1.0 - fy) + bottom * fy);
            }
        }
    }
}
