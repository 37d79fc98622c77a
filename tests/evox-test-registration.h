/* evox-test-registration.h: a hand-made registration of a small spectral stack, for the tests of
 * the document and the Registration page (header-only, as the core suites link no GTK). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <math.h>

#include "evox-registration.h"

/* The stack's energies, ascending, and which of them the hand-made registration leaves out and
 * flags. The reference is the highest. */
#define EVOX_TEST_REG_N 5
#define EVOX_TEST_REG_EXCLUDED 1
#define EVOX_TEST_REG_FLAGGED 2
static const double evox_test_reg_energies[EVOX_TEST_REG_N] = { 7700, 7712.5, 7725, 7740, 7800 };
static const double evox_test_reg_shifts[EVOX_TEST_REG_N][2] = {
  { 2.5, -1.25 }, { 0, 0 }, { 4.0, 3.0 }, { 0.5, 0.25 }, { 0, 0 },
};

/* A bright disc of radius 4 whose centre is (cx, cy) in an nx x ny image. */
static inline double
evox_test_reg_disc (gsize  x,
                    gsize  y,
                    double cx,
                    double cy)
{
  double dx = x - cx, dy = y - cy;

  return dx * dx + dy * dy <= 16 ? 1000 : 100;
}

/* raw: u16, nx x ny x nz, a channel per energy with the disc moved by minus its shift (so that the
 * shift brings it back to the centre); registered: f32, the disc at the centre in each channel
 * that is not excluded, plus `offset` so the two are told apart by value. */
static inline EvoxRegistration *
evox_test_registration_new_3d (gsize        nx,
                               gsize        ny,
                               gsize        nz,
                               float        offset,
                               EvoxVolume **raw_out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) raw = evox_volume_new (nx, ny, nz, EVOX_TEST_REG_N,
                                                EVOX_SAMPLE_U16, &error);
  g_autoptr (EvoxVolume) registered = NULL;
  EvoxRegistrationEntry entries[EVOX_TEST_REG_N] = { 0 };
  double cx = (nx - 1) / 2.0, cy = (ny - 1) / 2.0;
  int channel = 0;

  g_assert_no_error (error);
  registered = evox_volume_new (nx, ny, nz, EVOX_TEST_REG_N - 1, EVOX_SAMPLE_F32,
                                &error);
  g_assert_no_error (error);
  for (guint c = 0; c < EVOX_TEST_REG_N; c++)
    {
      guint16 *data = evox_volume_get_data_mut (raw, c);
      EvoxRegistrationEntry *e = &entries[c];
      g_autofree char *label = g_strdup_printf ("%.1f eV", evox_test_reg_energies[c]);

      for (gsize i = 0; i < nx * ny * nz; i++)
        data[i] = (guint16) evox_test_reg_disc (i % nx, (i / nx) % ny,
                                                cx - evox_test_reg_shifts[c][0],
                                                cy - evox_test_reg_shifts[c][1]);
      evox_volume_set_channel_info (raw, c, label, evox_test_reg_energies[c]);
      e->energy_ev = evox_test_reg_energies[c];
      e->raw_channel = c;
      e->excluded = c == EVOX_TEST_REG_EXCLUDED;
      e->channel = e->excluded ? -1 : channel;
      e->is_reference = c == EVOX_TEST_REG_N - 1;
      e->is_anchor = c == 0 || e->is_reference;
      e->nominal_scale = evox_test_reg_energies[c] / evox_test_reg_energies[EVOX_TEST_REG_N - 1];
      e->scale = e->nominal_scale * (1 + 0.001 * c);
      e->shift[0] = evox_test_reg_shifts[c][0];
      e->shift[1] = evox_test_reg_shifts[c][1];
      e->shift[2] = nz > 1 ? 0.5 * c : 0;
      e->ncc_before = 0.5 + 0.05 * c;
      e->ncc_after = e->is_reference ? 1 : 0.9 + 0.01 * c;
      e->mi_before = 0.2 + 0.01 * c;
      e->mi_after = 0.6 + 0.01 * c;
      e->residual_px = 0.01 * (c + 1);
      e->flagged = c == EVOX_TEST_REG_FLAGGED;
      if (e->excluded)
        {
          e->ncc_after = NAN;
          e->mi_after = NAN;
          e->residual_px = NAN;
          continue;
        }
      {
        float *out = evox_volume_get_data_mut (registered, channel);

        for (gsize i = 0; i < nx * ny * nz; i++)
          out[i] = (float) evox_test_reg_disc (i % nx, (i / nx) % ny, cx, cy) + offset;
        evox_volume_set_channel_info (registered, channel, label, evox_test_reg_energies[c]);
        channel++;
      }
    }
  evox_volume_freeze (raw);
  evox_volume_freeze (registered);
  if (raw_out != NULL)
    *raw_out = g_object_ref (raw);
  return evox_registration_new (raw, registered, entries, EVOX_TEST_REG_N, "fit");
}

/* The same, one layer deep (a 2D stack). */
static inline EvoxRegistration *
evox_test_registration_new (gsize        nx,
                            gsize        ny,
                            float        offset,
                            EvoxVolume **raw_out)
{
  return evox_test_registration_new_3d (nx, ny, 1, offset, raw_out);
}
