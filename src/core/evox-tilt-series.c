/* evox-tilt-series.c: the tilt series' storage. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-tilt-series.h"

#include <string.h>
#include "evox-types.h"

/* No tilt series Evox reads comes near this (2^36 floats, 256 GiB). */
#define MAX_VALUES (G_GUINT64_CONSTANT (1) << 36)

EvoxTiltSeries *
evox_tilt_series_new (guint    nx,
                      guint    ny,
                      guint    n_angles,
                      GError **error)
{
  g_autoptr(EvoxTiltSeries) self = NULL;
  guint64 n = (guint64) nx * ny;

  if (nx == 0 || ny == 0 || n_angles == 0 || n > MAX_VALUES / n_angles)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "a tilt series of %u projections of %u x %u pixels cannot be held",
                   n_angles, nx, ny);
      return NULL;
    }
  self = g_new0 (EvoxTiltSeries, 1);
  self->nx = nx;
  self->ny = ny;
  self->n_angles = n_angles;
  self->data = g_try_new0 (float, n * n_angles);
  self->theta = g_new0 (double, n_angles);
  if (self->data == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED,
                   "not enough memory for %u projections of %u x %u pixels", n_angles, nx, ny);
      return NULL;
    }
  return g_steal_pointer (&self);
}

void
evox_tilt_series_free (EvoxTiltSeries *self)
{
  if (self == NULL)
    return;
  g_free (self->data);
  g_free (self->theta);
  g_free (self);
}

EvoxTiltSeries *
evox_tilt_series_bin (const EvoxTiltSeries  *self,
                      guint                  f,
                      GError               **error)
{
  EvoxTiltSeries *out;
  guint nx, ny;

  g_return_val_if_fail (self != NULL, NULL);
  if (f == 0 || f > self->nx || f > self->ny)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "binning %u x %u does not fit the %u x %u projections", f, f, self->nx,
                   self->ny);
      return NULL;
    }
  nx = self->nx / f;
  ny = self->ny / f;
  out = evox_tilt_series_new (nx, ny, self->n_angles, error);
  if (out == NULL)
    return NULL;
  for (guint a = 0; a < self->n_angles; a++)
    for (guint y = 0; y < ny; y++)
      {
        float *dst = evox_tilt_series_row (out, a, y);

        for (guint x = 0; x < nx; x++)
          {
            double sum = 0.0;

            for (guint j = 0; j < f; j++)
              {
                const float *src = evox_tilt_series_row (self, a, y * f + j) + (gsize) x * f;

                for (guint i = 0; i < f; i++)
                  sum += src[i];
              }
            dst[x] = (float) (sum / ((double) f * f));
          }
      }
  memcpy (out->theta, self->theta, self->n_angles * sizeof (double));
  out->pixel_size_nm = self->pixel_size_nm * f;
  out->energy_ev = self->energy_ev;
  out->od = self->od;
  out->n_clamped = self->n_clamped;
  return out;
}
