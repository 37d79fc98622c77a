/* evox-measure-panel.h: the rulers drawn on slices, and the line profile of the selected one. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>

#include "evox-document.h"
#include "evox-profile.h"

G_BEGIN_DECLS

#define EVOX_TYPE_MEASURE_PANEL (evox_measure_panel_get_type ())
G_DECLARE_FINAL_TYPE (EvoxMeasurePanel, evox_measure_panel, EVOX, MEASURE_PANEL, GtkWidget)

/* Properties: measure-tool (boolean: the Measure toggle; the window binds it to the canvas's),
 * region-tool (boolean: the Region toggle, bound the same way), region-available (boolean, default
 * TRUE: the Region toggle is shown),
 * sampling (uint, an EvoxProfileSampling: how profiles read the volume; each volume that arrives
 * sets its default, nearest for label volumes).
 * Actions: measure.clear (remove every ruler), measure.remove (u: ruler index),
 * measure.export-profile (asks where, then writes the CSV). A new ruler is selected; the
 * selected ruler's profile is plotted (values against the distance along it). */
GtkWidget         *evox_measure_panel_new            (void);
void               evox_measure_panel_set_document   (EvoxMeasurePanel *self,
                                                      EvoxDocument     *document);
/* The profile now plotted (NULL when no ruler is selected). */
const EvoxProfile *evox_measure_panel_get_profile    (EvoxMeasurePanel *self);
EvoxProfileSampling evox_measure_panel_get_sampling (EvoxMeasurePanel   *self);
void               evox_measure_panel_set_sampling   (EvoxMeasurePanel    *self,
                                                      EvoxProfileSampling  sampling);
/* Index of the selected ruler, -1 for none. */
int                evox_measure_panel_get_selected   (EvoxMeasurePanel *self);
void               evox_measure_panel_select         (EvoxMeasurePanel *self,
                                                      int               index);
/* Writes the plotted profile as the export action does once a path is chosen. */
gboolean           evox_measure_panel_export_profile (EvoxMeasurePanel *self,
                                                      const char       *path,
                                                      gboolean          overwrite,
                                                      GError          **error);
/* The line under the plot ("45 samples over 12.4 µm, trilinear between voxel centres"). */
const char        *_evox_measure_panel_get_caption   (EvoxMeasurePanel *self);
/* How many times a profile has been sampled, for tests that count them. */
guint              _evox_measure_panel_get_n_profiles (EvoxMeasurePanel *self);
/* The text of ruler row index ("1  12.4 µm  z = 128"), for tests; NULL past the end. */
const char        *_evox_measure_panel_get_row_text  (EvoxMeasurePanel *self,
                                                      guint             index);

G_END_DECLS
