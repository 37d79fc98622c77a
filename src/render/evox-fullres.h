/* evox-fullres.h: full-resolution planes of a reduced volume, read from its voxel source in a
 * thread and kept as textures within a budget, for slices zoomed in past the reduced voxels
 * (private to src/render and its tests). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <epoxy/gl.h>

#include "evox-voxel-source.h"

G_BEGIN_DECLS

/* Memory the planes may take on the CPU and on the GPU each, unless EVOX_FULLRES_BUDGET_MB. */
#define EVOX_FULLRES_DEFAULT_BUDGET_MB 256
/* The largest side of one plane read (a texture side every GL 3.3 GPU takes). */
#define EVOX_FULLRES_MAX_SIDE 2048

/* A box of one full-resolution plane: size[axis] is 1. */
typedef struct
{
  guint   axis;
  gsize   origin[3];
  gsize   size[3];
  GLuint  texture;       /* 0 until first drawn */
  gpointer data;         /* the voxels (kept after the upload, for the value readout) */
  gsize   bytes;
  guint64 used;
  guint64 frame;         /* the last frame that drew it */
} EvoxFullResPlane;

typedef struct _EvoxFullRes EvoxFullRes;

EvoxFullRes      *_evox_fullres_new          (EvoxVoxelSource *source,
                                              gsize            budget);
void              _evox_fullres_free         (EvoxFullRes     *self);
/* Deletes the textures; with the context current. */
void              _evox_fullres_unrealize    (EvoxFullRes     *self);
void              _evox_fullres_set_ready_func (EvoxFullRes   *self,
                                              GFunc            ready,
                                              gpointer         data);
/* Called with (data, message) on the main context when a read fails (the file damaged since it
 * was opened); data is the ready function's. Nothing more is read after a failure: the planes
 * held stay, the rest is drawn reduced. */
void              _evox_fullres_set_failed_func (EvoxFullRes  *self,
                                              GFunc            failed);
/* The plane that holds the box [lo, hi) of plane lo[axis] (hi[axis] = lo[axis] + 1), on the GPU,
 * or NULL while it is read: the read starts now in a thread (a margin around the box, so a
 * small pan needs no new read), the ready function says when it is in, and a newer request
 * replaces one not started yet. wait TRUE reads now (exports, tests). frame counts the
 * renderer's frames: planes drawn in the current one are never dropped for the budget (the 3D
 * view and the 2x2 draw several in one frame, which would otherwise read each other out). */
const EvoxFullResPlane *_evox_fullres_lookup (EvoxFullRes     *self,
                                              guint            axis,
                                              const gsize      lo[3],
                                              const gsize      hi[3],
                                              guint64          frame,
                                              gboolean         wait);
/* The file's voxel at `voxel` when a plane held has it (no read: the value readout must not
 * wait for the disk); FALSE otherwise. */
gboolean          _evox_fullres_get_value    (EvoxFullRes     *self,
                                              const gsize      voxel[3],
                                              double          *value);
/* For tests: reads finished so far, whether one is running, and whether one failed. */
guint             _evox_fullres_get_n_reads  (EvoxFullRes     *self);
gboolean          _evox_fullres_is_reading   (EvoxFullRes     *self);
gboolean          _evox_fullres_has_failed   (EvoxFullRes     *self);

G_END_DECLS
