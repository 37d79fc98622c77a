/* evox-mesh-writer.h: meshes as binary STL, binary PLY (normals and colours) and OBJ, in nm. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-mesh.h"
#include "evox-volume.h"

G_BEGIN_DECLS

typedef enum
{
  EVOX_MESH_FORMAT_STL,  /* binary STL: facet normals, no colours */
  EVOX_MESH_FORMAT_PLY,  /* binary little-endian PLY: x y z, nx ny nz, red green blue alpha */
  EVOX_MESH_FORMAT_OBJ,  /* Wavefront OBJ: v x y z r g b, vn, f a//a b//b c//c */
} EvoxMeshFormat;

/* From the file name's extension (.stl, .ply, .obj, any case). EVOX_ERROR_ARGUMENT naming the
 * path otherwise. */
gboolean evox_mesh_format_from_path (const char      *path,
                                     EvoxMeshFormat  *format,
                                     GError         **error);
const char *evox_mesh_format_to_string (EvoxMeshFormat format);

/* Writes mesh to path in nm (the unit is named in the STL header, the PLY and the OBJ comments).
 * A mesh without colours is written in rgba (straight RGBA 0..255; NULL: light grey) in PLY and
 * OBJ. Through the safe output path: EVOX_ERROR_EXISTS when path exists and overwrite is FALSE,
 * never a half-written file. STL holds at most 2^32 - 1 triangles and PLY (whose faces are
 * "list uchar int", what MeshLab, ParaView and Blender all read) 2^31 - 1 vertices
 * (EVOX_ERROR_TOO_LARGE past that). An empty mesh writes a valid empty file. */
gboolean evox_mesh_write            (EvoxMesh        *mesh,
                                     const char      *path,
                                     EvoxMeshFormat   format,
                                     const guint8    *rgba,
                                     gboolean         overwrite,
                                     GError         **error);
/* A mesh built from volume (in nm, as every EvoxMesh): in nm when the volume's voxel size is
 * known, as evox_mesh_write; when it is not, each coordinate less the volume's origin is divided
 * by the spacing Evox assumed on its axis, so it counts voxel steps from the first voxel's centre
 * (px; voxel (i, j, k) is at (i, j, k)), and the STL header and the PLY and OBJ comments say
 * "unit px (voxel steps; voxel size not known)" instead of "unit nm". */
gboolean evox_mesh_write_for_volume (EvoxMesh        *mesh,
                                     EvoxVolume      *volume,
                                     const char      *path,
                                     EvoxMeshFormat   format,
                                     const guint8    *rgba,
                                     gboolean         overwrite,
                                     GError         **error);
/* evox_mesh_write_for_volume (volume NULL: evox_mesh_write) with provenance (may be NULL), the
 * record of evox-methods.h, one PLY "comment" or OBJ "#" line per line of it after the unit's
 * (STL's 80-byte header has no room for it). */
gboolean evox_mesh_write_with_provenance (EvoxMesh        *mesh,
                                          EvoxVolume      *volume,
                                          const char      *path,
                                          EvoxMeshFormat   format,
                                          const guint8    *rgba,
                                          const char      *provenance,
                                          gboolean         overwrite,
                                          GError         **error);

G_END_DECLS
