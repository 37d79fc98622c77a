/* evox-energy-order.c: the channels of a spectral stack in energy order. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-energy-order.h"

#include <math.h>
#include <stdlib.h>

#include "evox-types.h"

typedef struct
{
  guint  channel;
  double energy;
} ChannelEnergy;

static int
compare_energy (const void *a,
                const void *b)
{
  const ChannelEnergy *x = a, *y = b;

  return (x->energy > y->energy) - (x->energy < y->energy);
}

gboolean
evox_energy_order (EvoxVolume     *stack,
                   double        **energy,
                   guint         **channel,
                   gconstpointer **planes,
                   GError        **error)
{
  guint n;
  g_autofree ChannelEnergy *order = NULL;

  g_return_val_if_fail (EVOX_IS_VOLUME (stack), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  n = evox_volume_get_n_channels (stack);
  order = g_new (ChannelEnergy, MAX (n, 1));
  for (guint c = 0; c < n; c++)
    {
      order[c].channel = c;
      order[c].energy = evox_volume_get_channel_energy (stack, c);
      if (!isfinite (order[c].energy) || order[c].energy <= 0)
        {
          const char *label = evox_volume_get_channel_label (stack, c);
          g_autofree char *what = label != NULL && label[0] != '\0'
                                  ? g_strdup_printf (" (%s)", label) : g_strdup ("");

          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "a spectral stack is needed: "
                       "channel %u of %u%s has no energy", c + 1, n, what);
          return FALSE;
        }
    }
  qsort (order, n, sizeof *order, compare_energy);
  for (guint k = 1; k < n; k++)
    if (order[k].energy == order[k - 1].energy)
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                     "the energy %g eV is repeated (channels %u and %u)", order[k].energy,
                     MIN (order[k - 1].channel, order[k].channel) + 1,
                     MAX (order[k - 1].channel, order[k].channel) + 1);
        return FALSE;
      }
  if (energy != NULL)
    {
      *energy = g_new (double, MAX (n, 1));
      for (guint k = 0; k < n; k++)
        (*energy)[k] = order[k].energy;
    }
  if (channel != NULL)
    {
      *channel = g_new (guint, MAX (n, 1));
      for (guint k = 0; k < n; k++)
        (*channel)[k] = order[k].channel;
    }
  if (planes != NULL)
    {
      *planes = g_new (gconstpointer, MAX (n, 1));
      for (guint k = 0; k < n; k++)
        (*planes)[k] = evox_volume_get_data (stack, order[k].channel);
    }
  return TRUE;
}
