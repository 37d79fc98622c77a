/* evox-test-discs.c: the small XANES stack of the spectrum and maps panel tests. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>

#include "evox-test-discs.h"
#include "evox-tiff.h"

#define NX EVOX_TEST_DISCS_NX
#define NY EVOX_TEST_DISCS_NY

double
evox_test_discs_energy (guint c)
{
  return 8330 + 10.0 * c;
}

int
evox_test_discs_at (gsize x,
                    gsize y)
{
  if ((x - 10.0) * (x - 10.0) + (y - 12.0) * (y - 12.0) <= 36)
    return 1;
  if ((x - 22.0) * (x - 22.0) + (y - 20.0) * (y - 20.0) <= 25)
    return 2;
  return 0;
}

double
evox_test_discs_od (const EvoxTestDiscs *discs,
                    guint                c,
                    gsize                x,
                    gsize                y)
{
  double e = evox_test_discs_energy (c), v;

  switch (evox_test_discs_at (x, y))
    {
    case 1: v = 0.3 + 1.0 / (1 + exp (-(e - discs->edge[0]) / 5)); break;
    case 2: v = 0.2 + 0.8 / (1 + exp (-(e - discs->edge[1]) / 5)); break;
    default: v = 0.05 + 0.001 * x; break;
    }
  return (float) (v + 0.002 * ((x * 7 + y * 3) % 5));
}

char *
evox_test_discs_write (const EvoxTestDiscs *discs,
                       const char          *dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = evox_volume_new (NX, NY, 1, discs->n_energies,
                                                   EVOX_SAMPLE_F32, &error);
  char *path = g_build_filename (dir, "xanes.tiff", NULL);

  g_assert_no_error (error);
  for (guint c = 0; c < discs->n_energies; c++)
    {
      float *data = evox_volume_get_data_mut (volume, c);
      g_autofree char *label = g_strdup_printf ("E%u", c);

      for (gsize y = 0; y < NY; y++)
        for (gsize x = 0; x < NX; x++)
          data[x + NX * y] = evox_test_discs_od (discs, c, x, y);
      evox_volume_set_channel_info (volume, c, label, evox_test_discs_energy (c));
    }
  evox_volume_set_values (volume, EVOX_SCALE_LINEAR, "optical density", NULL);
  evox_volume_freeze (volume);
  g_assert_true (evox_tiff_write (volume, -1, path, 0, &error));
  g_assert_no_error (error);
  return path;
}
