/* evox-tortuosity-private.h: the diffusion system shared by the solver and its multigrid preconditioner. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EVOX_TORTUOSITY_NONE G_MAXUINT32
/* Loops over fewer cells run on one thread: the solve makes many short passes (coarse levels,
 * small volumes), where waking the team costs more than the work, above all on a busy machine. */
#define EVOX_TORTUOSITY_PARALLEL_MIN 65536

typedef struct _EvoxMgLevel EvoxMgLevel;

/* The linear system on the grid: idx numbers the unknowns in raster order (NONE elsewhere), so
 * a voxel's neighbours are found through the grid and the vectors hold unknowns only. With one
 * phase and cubic voxels every face conducts 1 and diag is the number of phase neighbours plus
 * 2 per fixed face. Otherwise (a second phase, anisotropic voxels or both) cls gives each
 * unknown's class (0: D = 1, 1: D = D2), face[d][] the conductance of a face normal to axis d by
 * the sum of its two voxels' classes (the harmonic mean of their D times (h_a / h_d)^2),
 * fixed[] the conductance 2 D to a fixed face by class, and wdiag the diagonal (diag unused). */
typedef struct
{
  gsize         dims[3];
  int           axis;
  gsize         n;
  guint32      *idx;
  guint8       *diag;
  guint8       *cls;
  double        face[3][3];
  double        fixed[2];
  double       *wdiag;
  double       *x;
  double       *r;
  double       *p;
  double       *q;
  double       *z;          /* the preconditioned residual (multigrid only) */
  EvoxMgLevel  *levels;     /* coarse levels 1.. (multigrid only) */
  guint         n_levels;
} EvoxTortuositySystem;

/* The conductance of the face between unknowns i and j, neighbours along axis d. */
static inline double
_evox_tortuosity_face (const EvoxTortuositySystem *s,
                       int                         d,
                       guint32                     i,
                       guint32                     j)
{
  return s->cls == NULL ? 1.0 : s->face[d][s->cls[i] + s->cls[j]];
}

/* Row i's diagonal: the sum of its faces' conductances, fixed faces included. */
static inline double
_evox_tortuosity_diag (const EvoxTortuositySystem *s,
                       guint32                     i)
{
  return s->cls == NULL ? (double) s->diag[i] : s->wdiag[i];
}

/* Builds the coarse levels by aggregating 2 x 2 x 2 blocks of voxels until a level has at most
 * a few thousand cells, the last one factorised densely. FALSE when they do not fit in memory. */
gboolean _evox_tortuosity_mg_build (EvoxTortuositySystem *s,
                                    GError              **error);
/* z = B r, one symmetric V-cycle from z = 0: B is symmetric positive definite. */
void     _evox_tortuosity_mg_apply (EvoxTortuositySystem *s,
                                    const double         *r,
                                    double               *z);
void     _evox_tortuosity_mg_clear (EvoxTortuositySystem *s);

G_END_DECLS
