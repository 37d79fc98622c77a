/* evox-mesh.h: an immutable indexed triangle mesh in nm, with normals and optional colours. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Vertices are in nm of the volume's frame (voxel centre (i, j, k) is at origin + spacing *
 * (i, j, k)). Triangles are counter-clockwise seen from outside, so cross (b - a, c - a) points
 * out of the enclosed region, and normals are unit vectors pointing out (for an isosurface, out
 * is towards values below the level, or out of the mask). A mesh is closed when every edge is
 * shared by exactly two triangles; its builder says so, and only then is the enclosed volume
 * meaningful. Refcounted and immutable: threads may read one mesh at once. */
typedef struct _EvoxMesh EvoxMesh;

#define EVOX_TYPE_MESH (evox_mesh_get_type ())
GType           evox_mesh_get_type          (void) G_GNUC_CONST;

/* Takes ownership of g_malloc'd arrays: positions and normals hold 3 floats a vertex, colors
 * (may be NULL) 4 bytes a vertex (straight RGBA), triangles 3 vertex indices a triangle. NULL
 * normals are computed from the triangles (area-weighted). Area and enclosed volume are computed
 * here once, in doubles. n_vertices or n_triangles 0 gives an empty mesh (arrays may be NULL). */
EvoxMesh       *evox_mesh_new_take          (float         *positions,
                                             float         *normals,
                                             guint8        *colors,
                                             gsize          n_vertices,
                                             guint32       *triangles,
                                             gsize          n_triangles,
                                             gboolean       closed);
EvoxMesh       *evox_mesh_new_empty         (void);
EvoxMesh       *evox_mesh_ref               (EvoxMesh      *self);
void            evox_mesh_unref             (EvoxMesh      *self);

gsize           evox_mesh_get_n_vertices    (EvoxMesh      *self);
gsize           evox_mesh_get_n_triangles   (EvoxMesh      *self);
const float    *evox_mesh_get_positions     (EvoxMesh      *self);
const float    *evox_mesh_get_normals       (EvoxMesh      *self);
/* NULL when the mesh has one colour given by whoever draws it. */
const guint8   *evox_mesh_get_colors        (EvoxMesh      *self);
const guint32  *evox_mesh_get_triangles     (EvoxMesh      *self);
gboolean        evox_mesh_is_closed         (EvoxMesh      *self);
gboolean        evox_mesh_is_empty          (EvoxMesh      *self);
/* Sum of triangle areas in nm^2. */
double          evox_mesh_get_area          (EvoxMesh      *self);
/* Signed volume enclosed, in nm^3, from the divergence theorem: positive for a closed mesh
 * oriented as above. Meaningful only when the mesh is closed. */
double          evox_mesh_get_volume        (EvoxMesh      *self);
/* Axis-aligned bounds of the vertices; FALSE (and zeros) for an empty mesh. */
gboolean        evox_mesh_get_bounds        (EvoxMesh      *self,
                                             double         min[3],
                                             double         max[3]);
/* For a mesh made by evox_mesh_decimate (): the triangle count, area and enclosed volume of the
 * full mesh it simplifies, which measurements should quote (simplifying smooths away voxel steps:
 * about 7% less area on a segmented tomogram). FALSE, and this mesh's own figures, otherwise. */
gboolean        evox_mesh_get_source_measures (EvoxMesh    *self,
                                               gsize       *n_triangles,
                                               double      *area,
                                               double      *volume);
/* For evox_mesh_decimate (), on a mesh nobody else holds yet: source's full figures. */
void            _evox_mesh_set_source       (EvoxMesh      *self,
                                             EvoxMesh      *source);
/* The same from figures measured without building the full mesh (the budgeted phase surface,
 * which measures it slab by slab). */
void            _evox_mesh_set_source_measures (EvoxMesh   *self,
                                                gsize       n_triangles,
                                                double      area,
                                                double      volume);
/* Bytes held by the arrays. */
gsize           evox_mesh_get_memory_size   (EvoxMesh      *self);

/* One mesh of n meshes, vertices renumbered. When any mesh has colours or rgba is given, the
 * result has colours: a mesh's own, else rgba[i] (4 bytes a mesh), else opaque white. Closed
 * when every part is. NULL meshes are skipped. */
EvoxMesh       *evox_mesh_merge             (EvoxMesh     **meshes,
                                             const guint8  *rgba,
                                             guint          n);

/* A colour for particle id of a palette of distinct, fairly light colours (the same id always
 * gets the same colour), straight RGBA with alpha 255. */
void            evox_mesh_particle_color    (guint32        id,
                                             guint8         rgba[4]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxMesh, evox_mesh_unref)

G_END_DECLS
