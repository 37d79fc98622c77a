/* evox-history.h: undo and redo of a document's edits, as snapshots of its light models. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib-object.h>
#include "evox-document.h"

G_BEGIN_DECLS

/* The history watches one document. When the document, its phases, surfaces or clusters change,
 * it compares the document's state with the state after the last step (on the next idle, or at
 * evox_history_flush) and, when something recorded differs, pushes a step named after what
 * changed ("Move Phase Edge", "Change Colour Map"...). A step keeps the state before and after:
 * the light models by value (display settings, phase and surface properties, cluster names and
 * colours) and the heavy results (phase and surface objects with their meshes, labels, clusters)
 * by reference, so undo puts the same objects back and recomputes nothing.
 * Repeated changes of the same thing within EVOX_HISTORY_COALESCE_MS of each other, with nothing
 * to redo, extend the top step (a slider's drag is one step); begin_group/end_group make
 * everything between them one step of the group's name. Changes made while undoing or redoing
 * record nothing. A new volume (set_volume with another title or path, or a volume of other
 * dims) clears the history once its settings are in (so does evox_history_clear, which the
 * window calls after applying a session). At most max-steps steps are kept
 * (default 100), holding at most max-bytes of heavy results (default 512 MiB); the oldest go
 * first.
 * Recorded: the registration (run, reverted, raw or registered view) and the maps (added,
 * cleared, shown or hidden), restored first with the same objects (nothing registered or mapped
 * again; each side's phases come back as the document kept them), the voxel size (the spacing,
 * whether it is known and the channels' pixel sizes of every volume of the sample, restored
 * exactly with what evox_document_set_voxel_size does besides), display (channel, colour
 * map, mapping, range, view, z-exaggeration, stack opacity, phase and cluster display switches,
 * surface smoothing, clipping and budget, basis), phases
 * (added, removed, reordered, renamed, recoloured, opacity, visibility, edges), the selected
 * phase (restored, but not a step of its own), particles (labels), surfaces (added, removed,
 * renamed, recoloured, opacity, visibility), clusters (new, merged, renamed, recoloured, shown;
 * the Metrics page's percolation classes shown over them, "source" "percolation" in their info),
 * the figure's overlays (each item shown or hidden and moved, font size, scale-bar length, free
 * labels added, edited, moved, removed), rulers (added, moved, removed: the same objects come
 * back), the RGB composite (switch, phase colours, each slot's channel and range), the Volume
 * view's style (its properties, the opacity curve's points, the clip box), the histogram's
 * switches, layers and scans shown or hidden, and the properties given to
 * evox_history_watch_property (a panel's settings).
 * Properties (notify on change): can-undo, can-redo (boolean), undo-name, redo-name (string,
 * NULL when there is no step). */
#define EVOX_TYPE_HISTORY (evox_history_get_type ())
G_DECLARE_FINAL_TYPE (EvoxHistory, evox_history, EVOX, HISTORY, GObject)

#define EVOX_HISTORY_COALESCE_MS 1000
#define EVOX_HISTORY_DEFAULT_MAX_BYTES (G_GUINT64_CONSTANT (512) << 20)

/* The history holds a weak reference on document. */
EvoxHistory *evox_history_new            (EvoxDocument *document);
gboolean     evox_history_get_can_undo   (EvoxHistory  *self);
gboolean     evox_history_get_can_redo   (EvoxHistory  *self);
/* The step undo (redo) would take back (do again), NULL when none. */
const char  *evox_history_get_undo_name  (EvoxHistory  *self);
const char  *evox_history_get_redo_name  (EvoxHistory  *self);
guint        evox_history_get_n_undo     (EvoxHistory  *self);
guint        evox_history_get_n_redo     (EvoxHistory  *self);
/* Records a pending change now (undo and redo do this first). */
void         evox_history_flush          (EvoxHistory  *self);
/* TRUE when a step was undone (redone). */
gboolean     evox_history_undo           (EvoxHistory  *self);
gboolean     evox_history_redo           (EvoxHistory  *self);
/* Everything changed until the matching end_group is one step called name, or when name is NULL,
 * named after what changed (groups nest; the outermost name wins). */
void         evox_history_begin_group    (EvoxHistory  *self,
                                          const char   *name);
void         evox_history_end_group      (EvoxHistory  *self);
/* Records `property` of `object` (held weakly) as part of the document's state from now on: a
 * change of it is a step called `step`, undone by setting the property back (repeated changes
 * within the coalescing window fold into one step). Values are compared exactly. For settings a
 * panel keeps that belong to the document's edits (the registration's reference and exclusions). */
void         evox_history_watch_property (EvoxHistory  *self,
                                          GObject      *object,
                                          const char   *property,
                                          const char   *step);
/* Forgets every step; the document's current state becomes the starting point. */
void         evox_history_clear          (EvoxHistory  *self);
void         evox_history_set_max_steps  (EvoxHistory  *self,
                                          guint         max_steps);
/* The heavy results (labels, clusters, meshes) that only the history keeps alive may take at most
 * max_bytes (estimated from their sizes); the oldest steps go first, the newest always stays. */
void         evox_history_set_max_bytes  (EvoxHistory  *self,
                                          guint64       max_bytes);
/* For tests: the bytes of heavy results only the history keeps alive. */
guint64      _evox_history_get_bytes     (EvoxHistory  *self);
/* For tests: whether a change is noticed but not yet recorded (it will be at the next idle). */
gboolean     _evox_history_get_pending   (EvoxHistory  *self);
/* For tests: coalescing window in ms (0: every change is its own step). */
void         _evox_history_set_coalesce_ms (EvoxHistory *self,
                                            guint        ms);

G_END_DECLS
