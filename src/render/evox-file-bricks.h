/* evox-file-bricks.h: the rays' bricks finer than a volume held reduced, read from its voxel
 * source in a thread and kept within a budget (GL-free; private to src/render and its tests). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "evox-voxel-source.h"

G_BEGIN_DECLS

/* Memory the read bricks may take, unless EVOX_FILE_BRICKS_BUDGET_MB says otherwise. */
#define EVOX_FILE_BRICKS_DEFAULT_BUDGET_MB 256
/* Bricks one read in the thread brings before the view is drawn again. */
#define EVOX_FILE_BRICKS_BATCH 32

typedef struct _EvoxFileBricks EvoxFileBricks;

/* Levels 0 .. n_levels - 1 of the file (level l: the means, or modes, of its 2^l blocks, as
 * evox_voxel_source_read_reduced gives them), in bricks of brick^3 samples: brick j of level l
 * holds the level's voxels [j P - 1, (j + 1) P + 1) along each axis (P = brick - 2), clamped
 * to the level (a brick at a face repeats the face's voxels), as evox-bricks.h's ray bricks. */
EvoxFileBricks *_evox_file_bricks_new        (EvoxVoxelSource *source,
                                              guint            n_levels,
                                              gboolean         modes,
                                              guint            brick,
                                              gsize            budget);
void            _evox_file_bricks_free       (EvoxFileBricks  *self);
guint           _evox_file_bricks_get_n_levels (EvoxFileBricks *self);
/* ready: bricks read in the thread are in (draw again); failed: a read failed, with the
 * message (const char *, naming the file) as its second argument. Both on the main context. */
void            _evox_file_bricks_set_funcs  (EvoxFileBricks  *self,
                                              GFunc            ready,
                                              GFunc            failed,
                                              gpointer         data);

/* Starts a frame's requests: what frames asked for before and did not get is forgotten. */
void            _evox_file_bricks_begin      (EvoxFileBricks  *self);
/* Brick j of level, or NULL: with wait FALSE it is then asked for (read in a thread once the
 * frame calls _evox_file_bricks_commit); with wait TRUE it is read now (NULL when that fails,
 * which the failed function hears). After a read failed (a file damaged since it was opened)
 * nothing more is read: NULL for every brick not held. Valid until the next _begin. */
gconstpointer   _evox_file_bricks_lookup     (EvoxFileBricks  *self,
                                              guint            level,
                                              const gsize      j[3],
                                              gboolean         wait);
/* Reads what the frame asked for in a thread, at most EVOX_FILE_BRICKS_BATCH bricks a read;
 * asked for while a read runs, it replaces what earlier frames asked for. */
void            _evox_file_bricks_commit     (EvoxFileBricks  *self);

/* GL-free, for tests too: brick j of level read from source into dest (brick^3 samples). */
gboolean        _evox_file_bricks_read       (EvoxVoxelSource *source,
                                              guint            level,
                                              gboolean         modes,
                                              guint            brick,
                                              const gsize      j[3],
                                              gpointer         dest,
                                              GError         **error);

/* For tests: bricks read so far, bytes held, whether a read runs. */
guint           _evox_file_bricks_get_n_reads (EvoxFileBricks *self);
gsize           _evox_file_bricks_get_bytes  (EvoxFileBricks  *self);
gboolean        _evox_file_bricks_is_reading (EvoxFileBricks  *self);

G_END_DECLS
