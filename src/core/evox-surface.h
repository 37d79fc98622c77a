/* evox-surface.h: the surfaces a document shows: what each is of, how it looks, its mesh. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib-object.h>
#include "evox-isosurface.h"
#include "evox-mesh.h"
#include "evox-object-list.h"
#include "evox-phase.h"
#include "evox-progress.h"

G_BEGIN_DECLS

typedef enum
{
  EVOX_SURFACE_STATE_STALE,     /* the spec changed; a build is due */
  EVOX_SURFACE_STATE_BUILDING,  /* a build runs; progress says how far */
  EVOX_SURFACE_STATE_READY,     /* mesh is the surface of spec */
  EVOX_SURFACE_STATE_FAILED,    /* message says why; mesh is the last good one or NULL */
} EvoxSurfaceState;

GType evox_surface_state_get_type (void) G_GNUC_CONST;
#define EVOX_TYPE_SURFACE_STATE (evox_surface_state_get_type ())

#define EVOX_TYPE_SURFACE (evox_surface_get_type ())
G_DECLARE_FINAL_TYPE (EvoxSurface, evox_surface, EVOX, SURFACE, GObject)

/* Properties (notify only on real change): name (string), color (string "#rrggbb"), opacity
 * (double in [0, 1]), visible (boolean), phase (EvoxPhase, construct-only, may be NULL), mesh
 * (EvoxMesh, read-only, may be NULL), state (EvoxSurfaceState, read-only), message (string,
 * read-only: why the last build failed, else NULL). The spec is read with get_spec and changed
 * with set_spec, which emits "notify::spec" (the property itself is not readable as a value).
 * A surface of a phase follows it: when the phase's range changes, the spec's lo and hi follow
 * and the surface goes stale. */
EvoxSurface           *evox_surface_new            (const char            *name,
                                                    const EvoxSurfaceSpec *spec,
                                                    const char            *color);
/* A RANGE surface of phase's range, named and coloured after the phase. */
EvoxSurface           *evox_surface_new_for_phase  (EvoxPhase             *phase,
                                                    guint                  channel,
                                                    gboolean               smooth,
                                                    guint64                max_triangles);
const char            *evox_surface_get_name       (EvoxSurface           *self);
void                   evox_surface_set_name       (EvoxSurface           *self,
                                                    const char            *name);
const EvoxSurfaceSpec *evox_surface_get_spec       (EvoxSurface           *self);
/* Marks the surface stale when the spec differs from the current one. */
void                   evox_surface_set_spec       (EvoxSurface           *self,
                                                    const EvoxSurfaceSpec *spec);
EvoxPhase             *evox_surface_get_phase      (EvoxSurface           *self);
const char            *evox_surface_get_color      (EvoxSurface           *self);
void                   evox_surface_set_color      (EvoxSurface           *self,
                                                    const char            *color);
/* Colour as straight RGB in 0..1 and the opacity as alpha. */
void                   evox_surface_get_rgba       (EvoxSurface           *self,
                                                    float                  rgba[4]);
double                 evox_surface_get_opacity    (EvoxSurface           *self);
void                   evox_surface_set_opacity    (EvoxSurface           *self,
                                                    double                 opacity);
gboolean               evox_surface_get_visible    (EvoxSurface           *self);
void                   evox_surface_set_visible    (EvoxSurface           *self,
                                                    gboolean               visible);
EvoxMesh              *evox_surface_get_mesh       (EvoxSurface           *self);
EvoxSurfaceState       evox_surface_get_state      (EvoxSurface           *self);
const char            *evox_surface_get_message    (EvoxSurface           *self);
/* The running build's progress (transfer none), NULL when none runs. */
EvoxProgress          *evox_surface_get_progress   (EvoxSurface           *self);

/* For the builder (the document): a build of the current spec started, finished with mesh, or
 * failed (message from error; the old mesh stays). Cancelled builds go back to stale. */
void                   _evox_surface_begin_build   (EvoxSurface           *self,
                                                    EvoxProgress          *progress);
void                   _evox_surface_end_build     (EvoxSurface           *self,
                                                    EvoxMesh              *mesh,
                                                    const GError          *error);
void                   _evox_surface_mark_stale    (EvoxSurface           *self);
/* For undo: when the surface's spec equals spec, mesh (built earlier for that spec) becomes its
 * result at once, READY, without a build; FALSE and nothing changed otherwise. */
gboolean               _evox_surface_restore_mesh  (EvoxSurface           *self,
                                                    const EvoxSurfaceSpec *spec,
                                                    EvoxMesh              *mesh);
/* For the document: a phase surface encloses the values its phase owns in `list`
 * (evox_phase_list_get_owned_range for a volume of `type`), not its whole range; called again
 * when another phase of the list changes. NULL: the whole range again. */
void                   _evox_surface_follow_phase_list (EvoxSurface       *self,
                                                        EvoxPhaseList     *list,
                                                        EvoxSampleType     type);

/* The surfaces of one document, in drawing order: a GListModel of EvoxSurface. "changed" is
 * emitted after items-changed and after any property of any surface changed (one signal per
 * change), so a view that draws every surface connects to one signal. */
#define EVOX_TYPE_SURFACE_LIST (evox_surface_list_get_type ())
G_DECLARE_FINAL_TYPE (EvoxSurfaceList, evox_surface_list, EVOX, SURFACE_LIST, EvoxObjectList)

EvoxSurfaceList       *evox_surface_list_new        (void);
guint                  evox_surface_list_get_n_surfaces (EvoxSurfaceList *self);
/* transfer none; NULL past the end. */
EvoxSurface           *evox_surface_list_get_surface (EvoxSurfaceList *self,
                                                      guint            index);
/* The list takes its own reference. */
void                   evox_surface_list_append     (EvoxSurfaceList *self,
                                                     EvoxSurface     *surface);
void                   evox_surface_list_remove     (EvoxSurfaceList *self,
                                                     guint            index);
void                   evox_surface_list_clear      (EvoxSurfaceList *self);
int                    evox_surface_list_find       (EvoxSurfaceList *self,
                                                     EvoxSurface     *surface);
/* The next colour of tab10 not yet used by the list (as evox_phase_list_next_color). */
const char            *evox_surface_list_next_color (EvoxSurfaceList *self);

G_END_DECLS
