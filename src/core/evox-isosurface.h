/* evox-isosurface.h: surfaces of a level, a phase or particles, by multi-threaded flying edges. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-labels.h"
#include "evox-mesh.h"
#include "evox-progress.h"
#include "evox-volume.h"

G_BEGIN_DECLS

/* A scalar grid as the kernel reads it: x fastest, then y, then z. */
typedef struct
{
  gconstpointer   data;
  EvoxSampleType  type;
  gsize           dims[3];
  double          spacing[3];   /* nm between voxel centres */
  double          origin[3];    /* nm of voxel (0, 0, 0) */
} EvoxField;

typedef enum
{
  EVOX_FLYING_EDGES_DEFAULT = 0,
  /* Treat every point outside the grid as below the level, so surfaces that reach the border
   * are closed there (the mesh is then closed): the caps lie in the planes through the outer
   * voxel centres, where the data ends, with the outward axis as normal. Without it the output
   * has vtkFlyingEdges3D's triangle count, cube for cube. */
  EVOX_FLYING_EDGES_CLOSE_BORDERS = 1 << 0,
  /* Run on the calling thread only (for many small grids processed in parallel). */
  EVOX_FLYING_EDGES_SERIAL = 1 << 1,
} EvoxFlyingEdgesFlags;

/* The isosurface of field at level by flying edges (Schroeder, Maynard and Geveci, 2015): a pass
 * over x-rows classifies edges, then per-row counts, prefix sums and a generation pass, so every
 * vertex is computed once and shared by its triangles. A point is inside when v >= level; NaN
 * is outside (a crossing next to NaN lies half way; next to an infinity, at the finite end, so
 * every vertex is finite). Triangles are oriented and normals point out as EvoxMesh says; normals are the
 * negated, normalised gradient (central differences, one-sided at the border) interpolated
 * along the edge. On a face whose inside corners are diagonally opposite, the surface keeps them
 * apart, so neighbouring cubes agree and there are no holes. Multi-threaded over slices and
 * rows with OpenMP. The mesh is closed when CLOSE_BORDERS is given. Fails with
 * G_IO_ERROR_CANCELLED when cancelled, EVOX_ERROR_TOO_LARGE when the output would not fit the
 * memory cap or 2^32 vertices, EVOX_ERROR_ARGUMENT on a NaN level, no data or a 0 dimension. */
EvoxMesh *evox_flying_edges (const EvoxField       *field,
                             double                 level,
                             EvoxFlyingEdgesFlags   flags,
                             EvoxProgress          *progress,
                             GCancellable          *cancellable,
                             GError               **error);

/* What a surface is the surface of. */
typedef enum
{
  EVOX_SURFACE_LEVEL,      /* voxels with v >= level */
  EVOX_SURFACE_RANGE,      /* a phase: the boundary of the mask lo <= v <= hi */
  EVOX_SURFACE_PARTICLE,   /* one particle of an EvoxLabels */
  EVOX_SURFACE_PARTICLES,  /* every particle of an EvoxLabels, each its own colour */
} EvoxSurfaceKind;

/* Phases and particles are contoured as masks: the indicator (1 inside, 0 outside) at 0.5, so
 * the surface encloses exactly the voxels counted in the phase's fraction, with vertices half
 * way between inside and outside voxel centres. The enclosed volume is that of the voxels less
 * the corners the surface cuts: -0.3% for electrode.tiff's active material, -10% for its
 * carbon-binder, whose strands are 1 to 2 voxels thick. smooth convolves the indicator (or,
 * for LEVEL, the values, leaving NaN out) with a Gaussian of sigma 1 voxel along each axis
 * before contouring: no voxel steps. A smoothed mask (the phase, or each particle on its own)
 * is contoured at the level that keeps its voxel count, not at 0.5, where thin features vanish
 * (a single voxel peaks at 0.06; more than half of that carbon-binder went) and a particle of
 * radius R voxels loses about 3 / R^2 of its volume. So a single voxel stays, as a small
 * surface around its centre, and electrode.tiff's phases enclose their voxels' volume within
 * 4% (the binder: -4%, still thinner than the surface can follow). LEVEL surfaces are
 * contoured at level, smoothed or not. Every surface is closed at the border of the volume:
 * masks half a voxel out (smoothed ones may reach further), levels on the border voxels'
 * centres. Above max_triangles (0: no limit) a surface is contoured on a coarser grid instead,
 * its mask resampled with a tent filter to a step of f voxels chosen so the surface fits the
 * budget (closed and manifold like any flying-edges surface; evox-isosurface.c says how f and
 * the level are chosen), and the mesh quotes the full surface's triangles, area and volume
 * (evox_mesh_get_source_measures ()), measured cube by cube without building it. The mask is
 * the phase's, each particle's, or for LEVEL that of the voxels at or above the level (the
 * values, smoothed or not, decide the full surface's measures). PARTICLES share the budget in
 * proportion to their full surfaces' triangles, each at least 8 (a particle smaller than the
 * step keeps a small surface), so many tiny particles can take it over the budget; so can a
 * surface whose coarse grid cannot get under it in six tries. */
typedef struct
{
  EvoxSurfaceKind kind;
  guint           channel;
  double          level;          /* LEVEL, in stored values */
  double          lo;             /* RANGE, in stored values */
  double          hi;
  guint32         particle;       /* PARTICLE: the label id */
  gboolean        smooth;
  guint64         max_triangles;
} EvoxSurfaceSpec;

#define EVOX_SURFACE_SMOOTH_SIGMA 1.0

/* The mesh of spec in nm of volume's frame. PARTICLE and PARTICLES take their labels from labels
 * (made from volume: the same dims) or, when labels is NULL, from the channel's own values: a
 * label volume such as `evox segment --labels` writes (whole numbers, 0 is background; f32 data
 * must hold whole numbers below 2^24). PARTICLES has per-vertex colours from
 * evox_mesh_particle_color (label). An empty
 * mesh (nothing inside) is a result, not an error. Fails with EVOX_ERROR_ARGUMENT on a bad spec
 * (channel out of range, NaN level, lo > hi, no labels or an unknown particle), and as
 * evox_flying_edges () fails. */
EvoxMesh *evox_isosurface_build        (EvoxVolume            *volume,
                                        EvoxLabels            *labels,
                                        const EvoxSurfaceSpec *spec,
                                        EvoxProgress          *progress,
                                        GCancellable          *cancellable,
                                        GError               **error);
void      evox_isosurface_build_async  (EvoxVolume            *volume,
                                        EvoxLabels            *labels,
                                        const EvoxSurfaceSpec *spec,
                                        EvoxProgress          *progress,
                                        GCancellable          *cancellable,
                                        GAsyncReadyCallback    callback,
                                        gpointer               user_data);
EvoxMesh *evox_isosurface_build_finish (GAsyncResult          *result,
                                        GError               **error);

/* The triangle count, area and enclosed volume (to ref, in nm) of evox_flying_edges (field,
 * level, DEFAULT), or of CLOSE_BORDERS when close, without building it; midpoints (not with
 * close): every crossing lies half way along its edge (a two-valued mask contoured half way), so
 * each cube's share comes from its case alone. For the budgeted surfaces. */
gboolean  _evox_flying_edges_measure (const EvoxField  *field,
                                      double            level,
                                      gboolean          midpoints,
                                      gboolean          close,
                                      const double      ref[3],
                                      guint64          *n_triangles,
                                      double           *area,
                                      double           *volume,
                                      EvoxWorkMonitor  *monitor,
                                      GError          **error);

/* The smoothing of a phase's surface (EVOX_SURFACE_SMOOTH_SIGMA, taps up to
 * _EVOX_SMOOTH_RADIUS voxels away, in place on a 0/255 mask, points past the border counting as
 * 0) and its count-keeping level k + 0.5 from a histogram of the smoothed bytes, for measuring
 * the same surface elsewhere. FALSE when the monitor stopped. */
#define _EVOX_SMOOTH_RADIUS 3
gboolean  _evox_smooth_mask             (guint8           *mask,
                                         const gsize       dims[3],
                                         EvoxWorkMonitor  *monitor);
double    _evox_volume_preserving_level (const guint64     hist[256],
                                         guint64           n_inside);

/* How many coarse grids budgeted builds have contoured in this process, for tests that check
 * which path a surface took. */
guint     _evox_isosurface_get_n_coarse_grids (void);

G_END_DECLS
