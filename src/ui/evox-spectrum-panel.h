/* evox-spectrum-panel.h: the Spectra page: the hovered voxel's spectrum and pinned spectra of
 * voxels, phases, particles and drawn rectangles, exported as CSV. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>

#include "evox-canvas.h"
#include "evox-document.h"
#include "evox-spectrum.h"
#include "evox-xanes.h"

G_BEGIN_DECLS

#define EVOX_TYPE_SPECTRUM_PANEL (evox_spectrum_panel_get_type ())
G_DECLARE_FINAL_TYPE (EvoxSpectrumPanel, evox_spectrum_panel, EVOX, SPECTRUM_PANEL, GtkWidget)

/* Properties: spectral (boolean, read-only: the document's volume has several measured channels
 * with energies; the window shows the page only then).
 * Actions: spectrum.pin-phase (the document's selected phase, over its range of the channel
 * shown), spectrum.pin-particle (the selected particle of the document's labels),
 * spectrum.remove (u: pinned index), spectrum.clear, spectrum.export (asks where, then writes
 * the pinned spectra as CSV). Regions are computed off the main thread; each pinned spectrum
 * has its own colour (a phase's own colour for a phase) and is drawn as its mean with a band of
 * +- one std. */
GtkWidget          *evox_spectrum_panel_new          (void);
void                evox_spectrum_panel_set_document (EvoxSpectrumPanel *self,
                                                      EvoxDocument      *document);
/* Follows the canvas's hover (the spectrum drawn), clicks (pinned) and Region rectangles
 * (pinned). */
void                evox_spectrum_panel_set_canvas   (EvoxSpectrumPanel *self,
                                                      EvoxCanvas        *canvas);
gboolean            evox_spectrum_panel_get_spectral (EvoxSpectrumPanel *self);
/* The parameters the Normalised view and the raw view's pre- and post-edge fit lines use (the
 * XANES page's); NULL: none parse, so nothing is normalised. */
void                evox_spectrum_panel_set_xanes_params (EvoxSpectrumPanel     *self,
                                                          const EvoxXanesParams *params);

/* What the canvas's events do, for tests and the window: the voxel's spectrum as the hovered
 * one (NULL voxel: none), pinned; a box or a mask pinned (computed off the main thread). */
void                evox_spectrum_panel_hover        (EvoxSpectrumPanel *self,
                                                      const gsize       *voxel);
void                evox_spectrum_panel_pin_voxel    (EvoxSpectrumPanel *self,
                                                      gsize              x,
                                                      gsize              y,
                                                      gsize              z);
void                evox_spectrum_panel_pin_box      (EvoxSpectrumPanel *self,
                                                      const gsize        lo[3],
                                                      const gsize        hi[3]);
/* The hovered spectrum (NULL for none), and the pinned ones in order. */
const EvoxSpectrum *evox_spectrum_panel_get_hovered  (EvoxSpectrumPanel *self);
guint               evox_spectrum_panel_get_n_pinned (EvoxSpectrumPanel *self);
const EvoxSpectrum *evox_spectrum_panel_get_pinned   (EvoxSpectrumPanel *self,
                                                      guint              index);
/* Regions still being computed. */
guint               evox_spectrum_panel_get_n_pending (EvoxSpectrumPanel *self);
/* Writes the pinned spectra as the export action does once a path is chosen. */
gboolean            evox_spectrum_panel_export       (EvoxSpectrumPanel *self,
                                                      const char        *path,
                                                      gboolean           overwrite,
                                                      GError           **error);
/* The plot, for tests. */
GtkWidget          *_evox_spectrum_panel_get_plot    (EvoxSpectrumPanel *self);

G_END_DECLS
