/* evox-energy-order.h: the channels of a spectral stack in energy order, as every per-voxel
 * spectral kernel and the commands that call them read it. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-volume.h"

G_BEGIN_DECLS

/* The stack's channel energies ascending in *energy, the channel of each in *channel and its
 * voxels in *planes (each may be NULL; new arrays of the channel count, freed with g_free; the
 * planes are the stack's, valid while it lives). Fails with
 * EVOX_ERROR_INVALID_DATA, nothing returned, when a channel has no energy ("a spectral stack is
 * needed: channel 1 of 1 has no energy", counted from 1 as a user counts pages, with its label
 * when it has one) or two channels share one ("the energy 8320 eV is repeated (channels 4 and 5)"). */
gboolean evox_energy_order (EvoxVolume     *stack,
                            double        **energy,
                            guint         **channel,
                            gconstpointer **planes,
                            GError        **error);

G_END_DECLS
