/* evox-phase-row.h: one row of the phase panel: visibility, colour, name, range, fraction. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>

#include "evox-document.h"

G_BEGIN_DECLS

#define EVOX_TYPE_PHASE_ROW (evox_phase_row_get_type ())
G_DECLARE_FINAL_TYPE (EvoxPhaseRow, evox_phase_row, EVOX, PHASE_ROW, GtkWidget)

/* A row editing phase, which must belong to document's phase list. */
GtkWidget  *evox_phase_row_new                 (EvoxDocument *document,
                                                EvoxPhase    *phase);
EvoxPhase  *evox_phase_row_get_phase           (EvoxPhaseRow *self);
/* What the row shows, for tests: the live fraction ("31.2 %") and the overlap flag. */
const char *evox_phase_row_get_fraction_text   (EvoxPhaseRow *self);
gboolean    evox_phase_row_get_overlap_flagged (EvoxPhaseRow *self);

/* The text an edge is shown with in its entry. */
char       *_evox_phase_format_edge            (EvoxVolume   *volume,
                                                guint         channel,
                                                double        stored);

G_END_DECLS
