/* evox-test-tomo.c: analytic phantoms, tilt series and jitter for the tomography suites. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include "evox-test-tomo.h"
#include "evox-test-util.h"

#include <math.h>
#include <string.h>

double
evox_test_balls_projection (const EvoxTestBall *balls,
                            guint               n,
                            double              axis,
                            double              theta,
                            double              u,
                            double              v)
{
  double sum = 0.0;

  for (guint b = 0; b < n; b++)
    {
      double du = u - (axis + balls[b][0] * cos (theta) + balls[b][1] * sin (theta));
      double dv = v - balls[b][2];
      double d2 = du * du + dv * dv, r2 = balls[b][3] * balls[b][3];

      if (d2 < r2)
        sum += balls[b][4] * 2.0 * sqrt (r2 - d2);
    }
  return sum;
}

EvoxTiltSeries *
evox_test_tilt_series_new (guint                  nx,
                           guint                  ny,
                           guint                  n_angles,
                           EvoxTestProjectionFunc projection,
                           gpointer               user_data,
                           const double          *jx,
                           const double          *jy)
{
  g_autoptr(GError) error = NULL;
  EvoxTiltSeries *series = evox_tilt_series_new (nx, ny, n_angles, &error);

  g_assert_no_error (error);
  for (guint a = 0; a < n_angles; a++)
    {
      series->theta[a] = G_PI * a / n_angles;
      for (guint y = 0; y < ny; y++)
        {
          float *row = evox_tilt_series_row (series, a, y);

          for (guint x = 0; x < nx; x++)
            row[x] = (float) projection (series->theta[a], x - (jx != NULL ? jx[a] : 0.0),
                                         y - (jy != NULL ? jy[a] : 0.0), user_data);
        }
    }
  series->od = TRUE;
  return series;
}

static double
det3 (double m[3][3])
{
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
         - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
         + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

void
evox_test_remove_sinusoid (const double *theta,
                           double       *v,
                           guint         n)
{
  double m[3][3] = { { 0 } }, r[3] = { 0 }, c[3];
  double det;

  for (guint a = 0; a < n; a++)
    {
      double f[3] = { cos (theta[a]), sin (theta[a]), 1.0 };

      for (guint i = 0; i < 3; i++)
        {
          r[i] += f[i] * v[a];
          for (guint j = 0; j < 3; j++)
            m[i][j] += f[i] * f[j];
        }
    }
  det = det3 (m);
  for (guint k = 0; k < 3; k++)
    {
      double mk[3][3];

      memcpy (mk, m, sizeof mk);
      for (guint i = 0; i < 3; i++)
        mk[i][k] = r[i];
      c[k] = det3 (mk) / det;
    }
  for (guint a = 0; a < n; a++)
    v[a] -= c[0] * cos (theta[a]) + c[1] * sin (theta[a]) + c[2];
}

void
evox_test_remove_mean (double *v,
                       guint   n)
{
  double mean = 0.0;

  for (guint a = 0; a < n; a++)
    mean += v[a] / n;
  for (guint a = 0; a < n; a++)
    v[a] -= mean;
}

void
evox_test_make_jitter (guint64  seed,
                       double   max_x,
                       double   max_y,
                       guint    n,
                       double  *jx,
                       double  *jy)
{
  g_autofree double *theta = g_new (double, n);
  guint64 state = seed;

  for (guint a = 0; a < n; a++)
    {
      theta[a] = G_PI * a / n;
      jx[a] = 2.0 * max_x * evox_test_uniform (&state) - max_x;
      jy[a] = 2.0 * max_y * evox_test_uniform (&state) - max_y;
    }
  evox_test_remove_sinusoid (theta, jx, n);
  evox_test_remove_mean (jy, n);
}
