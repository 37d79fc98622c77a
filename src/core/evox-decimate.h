/* evox-decimate.h: fewer triangles for the same shape (quadric error edge collapse). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-mesh.h"
#include "evox-progress.h"

G_BEGIN_DECLS

/* A new mesh with at most max_triangles triangles (a new reference to mesh when it has no more
 * than that already), by collapsing the edges whose collapse moves the surface least (Garland
 * and Heckbert's quadric error metric). A closed mesh stays closed and manifold; orientation is
 * kept; colours of kept vertices are kept; normals are recomputed from the surviving triangles.
 * When no collapse is left that keeps the surface whole before the budget is met (every closed
 * part needs 4 triangles, a thin tube 3 a ring, a torus 14), the result is the smallest mesh
 * reached, with more than max_triangles triangles (mesh itself when nothing could collapse).
 * Fails with EVOX_ERROR_ARGUMENT when max_triangles is below 4, G_IO_ERROR_CANCELLED when
 * cancelled, EVOX_ERROR_TOO_LARGE when the work space does not fit the memory cap. */
EvoxMesh *evox_mesh_decimate (EvoxMesh      *mesh,
                              guint64        max_triangles,
                              EvoxProgress  *progress,
                              GCancellable  *cancellable,
                              GError       **error);

G_END_DECLS
