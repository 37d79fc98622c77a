/* evox-register.c: see evox-register.h. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-register.h"

/* TEMPORARY (regcli branch): stand-ins so that `evox register` links and its plumbing can be
 * tested before the register helper's implementation is merged; they copy the channels without
 * moving them. The merge of main replaces this whole file. */
#include <math.h>
#include <string.h>

void
evox_register_options_init (EvoxRegisterOptions *options)
{
  *options = (EvoxRegisterOptions) { NAN, NULL, 0, EVOX_REGISTER_SCALE_FIT, 0.01, 20, 0 };
}

gboolean
evox_register_scale_from_string (const char        *text,
                                 EvoxRegisterScale *scale)
{
  if (g_strcmp0 (text, "fit") == 0)
    *scale = EVOX_REGISTER_SCALE_FIT;
  else if (g_strcmp0 (text, "energy") == 0)
    *scale = EVOX_REGISTER_SCALE_ENERGY;
  else if (g_strcmp0 (text, "none") == 0)
    *scale = EVOX_REGISTER_SCALE_NONE;
  else
    return FALSE;
  return TRUE;
}

EvoxRegistration *
evox_register_stack (EvoxVolume                *raw,
                     const EvoxRegisterOptions *options,
                     EvoxProgress              *progress,
                     GCancellable              *cancellable,
                     GError                   **error)
{
  guint n = evox_volume_get_n_channels (raw), n_out = 0, ref = 0;
  g_autofree EvoxRegistrationEntry *entries = g_new0 (EvoxRegistrationEntry, n);
  g_autoptr(EvoxVolume) out = NULL;
  gsize dims[3], nvox;
  double spacing[3];

  evox_volume_get_dims (raw, dims);
  nvox = dims[0] * dims[1] * dims[2];
  for (guint c = 0; c < n; c++)
    {
      double e = evox_volume_get_channel_energy (raw, c);
      gboolean ex = FALSE;

      for (guint k = 0; k < options->n_exclude; k++)
        ex |= fabs (options->exclude_ev[k] - e) <= 0.05;
      entries[c].energy_ev = e;
      entries[c].raw_channel = c;
      entries[c].excluded = ex;
      entries[c].channel = ex ? -1 : (int) n_out++;
      if (!ex && (isfinite (options->reference_ev) && options->reference_ev > 0
                  ? fabs (options->reference_ev - e) <= 0.05
                  : e >= entries[ref].energy_ev || entries[ref].excluded))
        ref = c;
    }
  if (n_out < 2)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, "not enough energies");
      return NULL;
    }
  entries[ref].is_reference = TRUE;
  out = evox_volume_new (dims[0], dims[1], dims[2], n_out, EVOX_SAMPLE_F32, error);
  if (out == NULL)
    return NULL;
  evox_volume_get_spacing (raw, spacing);
  evox_volume_set_spacing (out, spacing);
  evox_volume_set_spacing_known (out, evox_volume_get_spacing_known (raw));
  for (guint c = 0; c < n; c++)
    {
      float *dst;

      entries[c].nominal_scale = entries[c].energy_ev / entries[ref].energy_ev;
      entries[c].scale = entries[c].nominal_scale;
      entries[c].ncc_before = entries[c].ncc_after = NAN;
      entries[c].mi_before = entries[c].mi_after = NAN;
      entries[c].residual_px = NAN;
      if (entries[c].excluded)
        continue;
      dst = evox_volume_get_data_mut (out, (guint) entries[c].channel);
      for (gsize i = 0; i < nvox; i++)
        dst[i] = (float) evox_volume_get_value (raw, c, i % dims[0], i / dims[0] % dims[1],
                                                i / (dims[0] * dims[1]));
      evox_volume_set_channel_info (out, (guint) entries[c].channel,
                                    evox_volume_get_channel_label (raw, c), entries[c].energy_ev);
    }
  return evox_registration_new (raw, out, entries, n, evox_register_scale_to_string (options->scale));
}

const char *
evox_register_scale_to_string (EvoxRegisterScale scale)
{
  return scale == EVOX_REGISTER_SCALE_FIT ? "fit" : scale == EVOX_REGISTER_SCALE_ENERGY ? "energy"
                                                                                       : "none";
}
