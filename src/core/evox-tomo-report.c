/* evox-tomo-report.c: the reconstruction quality report, a plain record with copies. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "evox-tomo-report.h"

#include <math.h>
#include <string.h>

static double *
nan_array (guint n)
{
  double *a = g_new (double, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    a[i] = NAN;
  return a;
}

EvoxTomoReport *
evox_tomo_report_new (guint         n_angles,
                      const double *theta)
{
  EvoxTomoReport *self = g_new0 (EvoxTomoReport, 1);

  self->n_angles = n_angles;
  self->theta = g_new0 (double, MAX (n_angles, 1));
  if (theta != NULL)
    memcpy (self->theta, theta, n_angles * sizeof (double));
  self->dx = g_new0 (double, MAX (n_angles, 1));
  self->dy = g_new0 (double, MAX (n_angles, 1));
  self->fast_dx = nan_array (n_angles);
  self->fast_dy = nan_array (n_angles);
  self->fast_rms = NAN;
  self->center = NAN;
  self->center_fit = NAN;
  self->iterations = g_array_new (FALSE, FALSE, sizeof (EvoxTomoIteration));
  self->center_scan = g_array_new (FALSE, FALSE, sizeof (double));
  self->resolution_half_bit = NAN;
  self->resolution_fixed = NAN;
  self->reference_ev = NAN;
  self->seconds = NAN;
  return self;
}

static void
clear_energies (EvoxTomoReport *self)
{
  for (guint e = 0; e < self->n_energies; e++)
    {
      g_free (self->energies[e].dx);
      g_free (self->energies[e].dy);
      g_free (self->energies[e].outlier);
    }
  g_clear_pointer (&self->energies, g_free);
  self->n_energies = 0;
}

void
evox_tomo_report_set_energies (EvoxTomoReport *self,
                               guint           n)
{
  guint na = MAX (self->n_angles, 1);

  clear_energies (self);
  self->n_energies = n;
  self->energies = g_new0 (EvoxTomoEnergyShifts, MAX (n, 1));
  for (guint e = 0; e < n; e++)
    {
      EvoxTomoEnergyShifts *s = &self->energies[e];

      s->energy_ev = NAN;
      s->scale = 1.0;
      s->dx = g_new0 (double, na);
      s->dy = g_new0 (double, na);
      s->outlier = g_new0 (gboolean, na);
      s->fit_a = s->fit_b = s->fit_c = s->fit_dy = s->fit_rms = NAN;
    }
}

void
evox_tomo_report_set_fsc (EvoxTomoReport *self,
                          guint           n,
                          const double   *frequency,
                          const double   *fsc,
                          const guint    *n_voxels,
                          gboolean        per_nm)
{
  g_free (self->fsc_frequency);
  g_free (self->fsc);
  g_free (self->fsc_n_voxels);
  self->n_shells = n;
  self->fsc_frequency = g_memdup2 (frequency, MAX (n, 1) * sizeof (double));
  self->fsc = g_memdup2 (fsc, MAX (n, 1) * sizeof (double));
  self->fsc_n_voxels = n_voxels != NULL ? g_memdup2 (n_voxels, MAX (n, 1) * sizeof (guint))
                                        : g_new0 (guint, MAX (n, 1));
  self->fsc_per_nm = per_nm;
}

EvoxTomoReport *
evox_tomo_report_copy (const EvoxTomoReport *self)
{
  EvoxTomoReport *copy = evox_tomo_report_new (self->n_angles, self->theta);
  gsize bytes = MAX (self->n_angles, 1) * sizeof (double);

  memcpy (copy->dx, self->dx, bytes);
  memcpy (copy->dy, self->dy, bytes);
  memcpy (copy->fast_dx, self->fast_dx, bytes);
  memcpy (copy->fast_dy, self->fast_dy, bytes);
  copy->fast_rms = self->fast_rms;
  copy->center = self->center;
  copy->center_fit = self->center_fit;
  g_array_append_vals (copy->iterations, self->iterations->data, self->iterations->len);
  g_array_append_vals (copy->center_scan, self->center_scan->data, self->center_scan->len);
  if (self->n_shells > 0)
    evox_tomo_report_set_fsc (copy, self->n_shells, self->fsc_frequency, self->fsc,
                              self->fsc_n_voxels, self->fsc_per_nm);
  copy->resolution_half_bit = self->resolution_half_bit;
  copy->resolution_fixed = self->resolution_fixed;
  copy->reference_ev = self->reference_ev;
  if (self->n_energies > 0)
    {
      evox_tomo_report_set_energies (copy, self->n_energies);
      for (guint e = 0; e < self->n_energies; e++)
        {
          const EvoxTomoEnergyShifts *s = &self->energies[e];
          EvoxTomoEnergyShifts *d = &copy->energies[e];
          double *dx = d->dx, *dy = d->dy;
          gboolean *outlier = d->outlier;

          *d = *s;
          d->dx = dx;
          d->dy = dy;
          d->outlier = outlier;
          memcpy (d->dx, s->dx, bytes);
          memcpy (d->dy, s->dy, bytes);
          memcpy (d->outlier, s->outlier, MAX (self->n_angles, 1) * sizeof (gboolean));
        }
    }
  copy->seconds = self->seconds;
  return copy;
}

void
evox_tomo_report_free (EvoxTomoReport *self)
{
  if (self == NULL)
    return;
  clear_energies (self);
  g_free (self->theta);
  g_free (self->dx);
  g_free (self->dy);
  g_free (self->fast_dx);
  g_free (self->fast_dy);
  g_array_unref (self->iterations);
  g_array_unref (self->center_scan);
  g_free (self->fsc_frequency);
  g_free (self->fsc);
  g_free (self->fsc_n_voxels);
  g_free (self);
}
