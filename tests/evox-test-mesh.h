/* evox-test-mesh.h: independent readers of binary STL, binary PLY and OBJ for the mesh tests. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A mesh as a file holds it. STL has no shared vertices: vertex 3t + c is corner c of triangle t,
 * and facet_normals holds its normal per triangle. Every reader asserts that the file is well
 * formed (sizes, counts, indices in range) and fails the test otherwise. */
typedef struct
{
  gsize    n_vertices;
  float   *positions;      /* 3 a vertex */
  float   *normals;        /* 3 a vertex; NULL for STL */
  guint8  *colors;         /* 4 a vertex, straight RGBA (alpha 255 for OBJ); NULL when none */
  gsize    n_triangles;
  guint32 *triangles;      /* 3 vertex indices a triangle, 0-based */
  float   *facet_normals;  /* 3 a triangle, STL only */
  char    *comments;       /* the STL header, the PLY comment lines, the OBJ '#' lines */
} EvoxTestMesh;

EvoxTestMesh *evox_test_mesh_read_stl (const char   *path);
EvoxTestMesh *evox_test_mesh_read_ply (const char   *path);
EvoxTestMesh *evox_test_mesh_read_obj (const char   *path);
/* By the file name's extension (any case). */
EvoxTestMesh *evox_test_mesh_read     (const char   *path);
void          evox_test_mesh_free     (EvoxTestMesh *mesh);

/* Distinct vertex positions (bitwise): the vertex count of a mesh whose file repeats corners. */
gsize         evox_test_mesh_count_positions (const EvoxTestMesh *mesh);
/* Every edge is used as often in one direction as in the other: closed and consistently
 * oriented, so the enclosed volume is defined. Corners are vertices of the file, except in
 * STL, where they are joined by position. */
gboolean      evox_test_mesh_is_closed       (const EvoxTestMesh *mesh);
/* Edges not shared by exactly two triangles (0 for a closed 2-manifold). */
gsize         evox_test_mesh_count_non_manifold (const EvoxTestMesh *mesh);
/* Twice the area vector of triangle p: cross (p1 - p0, p2 - p0). */
void          evox_test_triangle_cross       (double        p[3][3],
                                              double        n[3]);
/* Sum of triangle areas and the signed enclosed volume (divergence theorem), in doubles. */
double        evox_test_mesh_area            (const EvoxTestMesh *mesh);
double        evox_test_mesh_volume          (const EvoxTestMesh *mesh);

/* Squared distance from q to the triangle abc (exact: the closest point by Voronoi regions). */
double        evox_test_point_triangle_d2    (const double  q[3],
                                              const float  *a,
                                              const float  *b,
                                              const float  *c);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxTestMesh, evox_test_mesh_free)

G_END_DECLS
