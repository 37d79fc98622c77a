/* evox-interface-area.h: specific surface area of the interface between two phases. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-progress.h"

G_BEGIN_DECLS

/* How an interface's area is measured (bits of EvoxMetricsRequest's surface_methods). */
typedef enum
{
  EVOX_AREA_CROFTON = 1 << 0,   /* evox_interface_area: crossings of lattice lines */
  EVOX_AREA_MESH    = 1 << 1,   /* evox_interface_area_mesh: the smoothed surfaces */
} EvoxAreaMethod;

/* The area of the interface between the voxels of phase a and those of phase b, by the Crofton
 * estimate the particles use (evox-labels.c): along each of the 13 lattice directions d the
 * crossings N_d are the neighbour pairs (p, p + d) inside the volume with one voxel in a and the
 * other in b, and area = sum_d 2 w_d V / |d| N_d. The faces of the volume are no interface.
 * Areas in nm^2 and volumes in nm^3 from the spacing (nm); specific areas in 1/nm. */
typedef struct
{
  guint64 crossings[13];
  guint64 voxels_a;
  guint64 voxels_b;
  double  area_nm2;
  double  volume_nm3;        /* the whole volume (the sample) */
  double  per_volume;        /* area / volume_nm3, 1/nm */
  double  per_volume_a;      /* area / volume of phase a, 1/nm (NAN when a is empty) */
  double  per_volume_b;      /* area / volume of phase b, 1/nm (NAN when b is empty) */
} EvoxInterfaceArea;

/* phases holds a phase number per voxel (x fastest); a != b. Fails with EVOX_ERROR_ARGUMENT when
 * a == b or the spacing is not positive, G_IO_ERROR_CANCELLED when cancelled. */
gboolean evox_interface_area (const guint8       *phases,
                              const gsize         dims[3],
                              const double        spacing[3],
                              guint8              a,
                              guint8              b,
                              EvoxInterfaceArea  *result,
                              EvoxProgress       *progress,
                              GCancellable       *cancellable,
                              GError            **error);

/* The same interface measured on smoothed surfaces instead (crossings stay 0): the surface of a
 * set of phases is the one the Surfaces page draws for a phase (the mask smoothed with a Gaussian
 * of EVOX_SURFACE_SMOOTH_SIGMA voxels, contoured by flying edges at the level that keeps its
 * voxel count), with the mask mirrored at the volume's faces instead of closed there and the
 * surface cut at the volume's box (half a voxel beyond the outer voxel centres): faces are no
 * interface. The a/b area is (S(a) + S(b) - S(a or b)) / 2 with S the area of such a surface,
 * since every piece of a's surface borders b or a third phase. Fails as evox_interface_area ()
 * does, and with EVOX_ERROR_TOO_LARGE past the memory cap. */
gboolean evox_interface_area_mesh (const guint8       *phases,
                                   const gsize         dims[3],
                                   const double        spacing[3],
                                   guint8              a,
                                   guint8              b,
                                   EvoxInterfaceArea  *result,
                                   EvoxProgress       *progress,
                                   GCancellable       *cancellable,
                                   GError            **error);

G_END_DECLS
