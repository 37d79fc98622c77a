/* evox-phase-panel.h: the phase list of a document, with Suggest (Otsu) and presets. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>

#include "evox-document.h"
#include "evox-phase-row.h"

G_BEGIN_DECLS

#define EVOX_TYPE_PHASE_PANEL (evox_phase_panel_get_type ())
G_DECLARE_FINAL_TYPE (EvoxPhasePanel, evox_phase_panel, EVOX, PHASE_PANEL, GtkWidget)

/* Actions: phases.add, phases.suggest (Otsu into as many phases as the spin button says),
 * phases.apply-preset (s), phases.save-preset, phases.delete-preset (s). */
GtkWidget     *evox_phase_panel_new          (void);
void           evox_phase_panel_set_document (EvoxPhasePanel *self,
                                              EvoxDocument   *document);
EvoxDocument  *evox_phase_panel_get_document (EvoxPhasePanel *self);
/* The row of phase index, for tests; NULL past the end. */
EvoxPhaseRow  *evox_phase_panel_get_row      (EvoxPhasePanel *self,
                                              guint           index);

G_END_DECLS
