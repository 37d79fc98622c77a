/* evox-particle-panel.h: side panel that finds the particles of a phase and lists them. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>
#include "evox-document.h"

G_BEGIN_DECLS

#define EVOX_TYPE_PARTICLE_PANEL (evox_particle_panel_get_type ())
G_DECLARE_FINAL_TYPE (EvoxParticlePanel, evox_particle_panel, EVOX, PARTICLE_PANEL, GtkWidget)

/* Properties: document (EvoxDocument), connectivity (int: 6, 18 or 26, default 26),
 * min-size (uint: components with fewer voxels are dropped, default 8), split-size (double: the
 * watershed's h in the voxel spacing's unit, default 2), busy (boolean, read-only: a search or
 * split is running).
 * Actions: particles.find (labels the phase chosen in the panel's dropdown, which follows the
 * document's selected-phase, and stores the result with evox_document_set_labels),
 * particles.cancel, particles.preview-split (splits the labels with evox_watershed_split and
 * shows the pieces in the document, each in a colour of its own, with "N → M particles"),
 * particles.apply-split (keeps them), particles.discard-split (puts the labels from before back).
 * The "Colour by" dropdown follows the document's particle-colors, with a colour bar. */
GtkWidget        *evox_particle_panel_new              (void);
void              evox_particle_panel_set_document     (EvoxParticlePanel *self,
                                                        EvoxDocument      *document);
EvoxDocument     *evox_particle_panel_get_document     (EvoxParticlePanel *self);
EvoxConnectivity  evox_particle_panel_get_connectivity (EvoxParticlePanel *self);
void              evox_particle_panel_set_connectivity (EvoxParticlePanel *self,
                                                        EvoxConnectivity   connectivity);
guint             evox_particle_panel_get_min_size     (EvoxParticlePanel *self);
void              evox_particle_panel_set_min_size     (EvoxParticlePanel *self,
                                                        guint              min_size);
gboolean          evox_particle_panel_is_busy          (EvoxParticlePanel *self);

/* For tests: the table (its model is a GtkSingleSelection over a GtkSortListModel of row objects
 * with the properties "id" (uint), "voxels" (uint64), "volume", "diameter", "area",
 * "sphericity", "x", "y", "z", "mean", "std", "min", "max" (double), "bbox-x0" ... "bbox-z1"
 * (uint, voxel indices as the CSV's bbox columns) and "border" (boolean)), the summary text,
 * the error text ("" when none) and the size-distribution plot. The "columns" action group has
 * one boolean action per column, named by its property, that shows or hides it (the Columns
 * menu); the choice holds for every panel of the session. */
GtkColumnView    *evox_particle_panel_get_column_view  (EvoxParticlePanel *self);
const char       *evox_particle_panel_get_summary      (EvoxParticlePanel *self);
const char       *evox_particle_panel_get_error        (EvoxParticlePanel *self);
GtkWidget        *evox_particle_panel_get_plot         (EvoxParticlePanel *self);

G_END_DECLS
