/* evox-xanes-phantom.h: a synthetic XANES stack of an NMC cathode whose chemistry is known, for
 * users trying the XANES page, the tests of the maps and the benchmarks. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>

#include "evox-volume.h"

G_BEGIN_DECLS

/* Edge energies of the phantom's Ni (eV): particle cores are Ni3+, the reduced surface shells and
 * the one wholly reduced particle Ni2+. */
#define EVOX_XANES_PHANTOM_E0_NI3 8345.0
#define EVOX_XANES_PHANTOM_E0_NI2 8342.5

typedef struct
{
  guint   nx, ny, nz;     /* nz 1: a projection (optical density); more: a reconstruction */
  guint64 seed;           /* particles' places and sizes, and the noise */
  double  voxel_size_nm;  /* 0: 50 nm in 2D, 100 nm in 3D */
  double  noise;          /* Gaussian noise, relative to the Ni edge jump of a typical particle */
  guint   n_ni;           /* energies across the Ni K edge (0: none, else 16 to 1000); 61 */
  gboolean mn_pair;       /* 6534 and 6558 eV, around the Mn K edge */
  gboolean co_pair;       /* 7704 and 7728 eV, around the Co K edge */
} EvoxXanesPhantomParams;

/* 256 x 256 x 1, seed 1, noise 0.01, 61 Ni energies, both pairs. */
void        evox_xanes_phantom_params_init (EvoxXanesPhantomParams *params);

/* Energies of the stack params asks for, ascending: the pairs, then the Ni scan. */
double     *evox_xanes_phantom_energies    (const EvoxXanesPhantomParams *params,
                                            guint                        *n_energies);

/* The stack: an f32 volume with a channel per energy ("8345.0 eV"), of optical density (nz 1,
 * unit "") or of linear attenuation (nz > 1, unit "1/um"), spacing voxel_size_nm, metadata
 * "spectral_source" saying it is synthetic. truth (optional) receives an f32 volume of the same
 * dims with channels "Mn", "Co", "Ni", "O" (areal mass in ug/cm^2, or mass density in g/cm^3)
 * and "e0" (eV, NaN outside the particles). EVOX_ERROR_ARGUMENT for sizes out of range (each
 * 8 to 2048, at most 2^28 values in the stack), noise negative or not finite, a Ni scan of
 * 1 to 15 energies, or no energies at all. */
EvoxVolume *evox_xanes_phantom_new         (const EvoxXanesPhantomParams *params,
                                            EvoxVolume                  **truth,
                                            GError                      **error);

G_END_DECLS
