/* evox-window.h: a window showing one document: canvas, side panel, loading and export. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>
#include "evox-application.h"
#include "evox-document.h"
#include "evox-ssrm-reader.h"

G_BEGIN_DECLS

/* The numbers File > Export writes besides images. */
typedef enum
{
  EVOX_EXPORT_FRACTIONS,  /* CSV: each phase's range, exact voxel count, fraction, sensitivity */
  EVOX_EXPORT_MASK,       /* u8 TIFF: the phase owning each voxel (1..N), 0 for none */
  EVOX_EXPORT_PARTICLES,  /* CSV: the particle table */
  EVOX_EXPORT_LABELS,     /* u16/u32 TIFF: the particle label of each voxel */
  EVOX_EXPORT_SURFACES,   /* STL, PLY or OBJ by extension: every shown, built surface as one
                           * mesh in nm, each in its colour (PLY, OBJ) */
} EvoxExportKind;

#define EVOX_TYPE_WINDOW (evox_window_get_type ())
G_DECLARE_FINAL_TYPE (EvoxWindow, evox_window, EVOX, WINDOW, GtkApplicationWindow)

EvoxWindow   *evox_window_new            (EvoxApplication       *app);
EvoxDocument *evox_window_get_document   (EvoxWindow            *self);
GtkWidget    *evox_window_get_canvas     (EvoxWindow            *self);
GtkWidget    *evox_window_get_histogram  (EvoxWindow            *self);
void          evox_window_open_demo      (EvoxWindow            *self);
/* The synthetic XANES stack of an NMC cathode (evox-xanes-phantom.h), on its last energy, above
 * the Ni edge, unless --channel named another. */
void          evox_window_open_xanes_demo (EvoxWindow           *self);
/* What File > Open, drops and recent files call. SSRM tables without options ask for them in a
 * dialog first. Loads run in the background; on failure the banner names the file and the
 * reason, and the volume shown stays. */
void          evox_window_open_file      (EvoxWindow            *self,
                                          GFile                 *file,
                                          const EvoxSsrmOptions *ssrm_options);
/* File > Open Features: feature vectors placed on their grid, one channel per feature; a .npy
 * matrix with its coordinates (.npy), or with coords NULL a feature CSV (x, y[, z] columns). In
 * the background like any load; errors go to the banner and the volume shown stays. */
void          evox_window_open_features  (EvoxWindow            *self,
                                          GFile                 *features,
                                          GFile                 *coords);
/* A session file (evox-session.h): reads its input again off the main thread and restores the
 * analysis; a missing input is asked for with a file chooser, a changed one is named in the
 * banner. What was shown stays when the session or its input cannot be read. `evox FILE.evox`
 * and evox_window_open_file () of a .evox file come here. */
void          evox_window_open_session   (EvoxWindow            *self,
                                          GFile                 *file);
/* File > Save Session…: the document as a session at path (keys of the session the window came
 * from that this Evox does not know are kept). */
gboolean      evox_window_save_session   (EvoxWindow            *self,
                                          const char            *path,
                                          gboolean               overwrite,
                                          GError               **error);
gboolean      evox_window_is_loading     (EvoxWindow            *self);
void          evox_window_cancel_load    (EvoxWindow            *self);
/* The banner's text, NULL when none is shown. */
const char   *evox_window_get_error      (EvoxWindow            *self);
void          evox_window_show_error     (EvoxWindow            *self,
                                          const char            *message);
/* The toast that says where an export went ("Saved a19.png", Open Folder); NULL hides it. */
void          evox_window_show_saved     (EvoxWindow            *self,
                                          const char            *path);
/* The file the toast names, NULL when none is shown. */
const char   *evox_window_get_saved_path (EvoxWindow            *self);
/* The non-blocking note that the volume states no voxel size, with Set… (Image Properties);
 * shows only while the size is not known. get: its text, NULL when hidden. */
void          evox_window_show_voxel_banner (EvoxWindow         *self,
                                             gboolean            show);
const char   *evox_window_get_voxel_banner  (EvoxWindow         *self);
/* Render the canvas offscreen and write it (PNG or TIFF by extension), as Export > Image does. */
gboolean      evox_window_export_image   (EvoxWindow            *self,
                                          const char            *path,
                                          int                    width,
                                          int                    height,
                                          gboolean               transparent,
                                          GError               **error);
/* The same, with the document's cluster curves (evox_curve_figure_new_from_clusters ()) beside
 * the canvas image when curves is TRUE and there are curves to draw: the file is then wider by
 * evox_curve_figure_panel_size (height). */
gboolean      evox_window_export_figure  (EvoxWindow            *self,
                                          const char            *path,
                                          int                    width,
                                          int                    height,
                                          gboolean               transparent,
                                          gboolean               curves,
                                          GError               **error);
/* The same; with legend FALSE the RGB composite's legend, drawn into the image while the
 * composite is on (scaled as the image is from the canvas), is left out. */
gboolean      evox_window_export_figure_full (EvoxWindow        *self,
                                              const char        *path,
                                              int                width,
                                              int                height,
                                              gboolean           transparent,
                                              gboolean           curves,
                                              gboolean           legend,
                                              GError           **error);
/* The same; overlays TRUE draws the document's shown overlays (evox-overlays.h) into the image
 * as the canvas shows them, scaled by width / the canvas's width (PNG and TIFF rasterised; the
 * format from the extension). .svg and .pdf files always hold the overlays, as vector text and
 * lines over the image, and leave the cluster curves out. While the overlays' legend is drawn it
 * is the only legend (it lists the composite's channels). */
gboolean      evox_window_export_figure_overlays (EvoxWindow    *self,
                                                  const char    *path,
                                                  int            width,
                                                  int            height,
                                                  gboolean       transparent,
                                                  gboolean       curves,
                                                  gboolean       legend,
                                                  gboolean       overlays,
                                                  GError       **error);
/* The same, cropped to the data: in the 2D slice views only the slice's rectangle
 * (evox_renderer_get_slice_footprint) at scale image pixels per canvas pixel, with the overlays
 * laid out in that picture as evox render lays them out in a picture the slice fills; in other
 * views the whole canvas at that scale. */
/* The slice's footprint in the canvas, width and height in canvas pixels: FALSE outside the 2D
 * slice views (an export cropped to the data is then the whole canvas). */
gboolean      evox_window_get_crop_size  (EvoxWindow            *self,
                                          double                 size[2]);
gboolean      evox_window_export_figure_cropped (EvoxWindow     *self,
                                                 const char     *path,
                                                 double          scale,
                                                 gboolean        transparent,
                                                 gboolean        curves,
                                                 gboolean        legend,
                                                 gboolean        overlays,
                                                 GError        **error);
/* Phases to start with: specs as `evox segment --phase` takes them (NAME=LO:HI), or a preset's
 * name. Applied once, to the volume shown now or to the next one that loads. */
void          evox_window_set_startup_phases (EvoxWindow         *self,
                                              const char * const *specs,
                                              const char         *preset);
/* A voxel size in nm for the next volume to arrive (--voxel-size), over the size its file states
 * or one remembered for it; an SSRM stack takes x and y only, z staying its layer step. Applied
 * once and not remembered; NULL drops it. */
void          evox_window_set_startup_voxel_size (EvoxWindow     *self,
                                                  const double    spacing_nm[3]);
/* The channel to show (a label or a 0-based index, as --channel takes it) on the next volume to
 * arrive, before the startup phases; once. A channel that volume lacks shows in the banner. */
void          evox_window_set_startup_channel (EvoxWindow        *self,
                                               const char        *channel);
/* N x N pixel means (--bin) for the next file loaded, an Xradia, HDF5 or spectral set; once.
 * 0 or 1: none. */
void          evox_window_set_startup_bin (EvoxWindow            *self,
                                           guint                  bin);
/* Whether the startup phases each get a surface too (call before set_startup_phases). */
void          evox_window_set_startup_surfaces (EvoxWindow       *self,
                                                gboolean          surfaces);
/* What the File > Export data items write once a file is chosen. */
gboolean      evox_window_export_data    (EvoxWindow            *self,
                                          EvoxExportKind         kind,
                                          const char            *path,
                                          gboolean               overwrite,
                                          GError               **error);
/* One surface (index in the document's list) as a mesh file, as the row's Export Mesh does. */
gboolean      evox_window_export_surface (EvoxWindow            *self,
                                          guint                  index,
                                          const char            *path,
                                          gboolean               overwrite,
                                          GError               **error);
/* The side panel's pages: "display", "phases", "particles", "surfaces", "measure". */
GtkWidget    *evox_window_get_phase_panel (EvoxWindow           *self);
GtkWidget    *evox_window_get_particle_panel (EvoxWindow        *self);
GtkWidget    *evox_window_get_cluster_panel (EvoxWindow         *self);
GtkWidget    *evox_window_get_surface_panel (EvoxWindow         *self);
/* The Measure page: rulers and the line profile. */
GtkWidget    *evox_window_get_measure_panel (EvoxWindow         *self);
/* The Registration page ("registration"), and the canvas's Raw/Registered switch. */
GtkWidget    *evox_window_get_registration_panel (EvoxWindow    *self);
GtkToggleButton *evox_window_get_registration_toggle (EvoxWindow *self,
                                                      gboolean    raw);
GtkWidget    *evox_window_get_spectrum_panel (EvoxWindow        *self);
/* The XANES page ("xanes"): edge-energy and elemental maps. */
GtkWidget    *evox_window_get_xanes_panel (EvoxWindow           *self);
void          evox_window_show_page      (EvoxWindow            *self,
                                          const char            *page);
const char   *evox_window_get_page       (EvoxWindow            *self);

G_END_DECLS
