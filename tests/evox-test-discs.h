/* evox-test-discs.h: the small XANES stack of the spectrum and maps panel tests: two discs whose
 * optical density rises across an edge, on a faint sloping background. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "evox-volume.h"

G_BEGIN_DECLS

/* 32 x 32 x 1 voxels. */
#define EVOX_TEST_DISCS_NX 32
#define EVOX_TEST_DISCS_NY 32

/* A stack of n_energies energies 8330, 8340, ... eV whose discs 1 and 2 have their edges at
 * edge[0] and edge[1] eV. */
typedef struct
{
  guint  n_energies;
  double edge[2];
} EvoxTestDiscs;

/* Energy c of the stack in eV: 8330 + 10 c. */
double  evox_test_discs_energy (guint                c);
/* 1 in the disc of radius 6 about (10, 12), 2 in the one of radius 5 about (22, 20), else 0. */
int     evox_test_discs_at     (gsize                x,
                                gsize                y);
/* The optical density at energy c, as stored (rounded to f32): a logistic step of width 5 eV
 * at the disc's edge (0.3 + 1 / (1 + exp (-(E - edge) / 5)) in disc 1, 0.2 + 0.8 / (...) in
 * disc 2), 0.05 + 0.001 x outside, plus 0.002 ((7 x + 3 y) mod 5) everywhere so that regions
 * have a spread. */
double  evox_test_discs_od     (const EvoxTestDiscs *discs,
                                guint                c,
                                gsize                x,
                                gsize                y);
/* The stack as DIR/xanes.tiff (f32, channels "E0", "E1", ... with their energies, values
 * "optical density"); returns its path. */
char   *evox_test_discs_write  (const EvoxTestDiscs *discs,
                                const char          *dir);

G_END_DECLS
