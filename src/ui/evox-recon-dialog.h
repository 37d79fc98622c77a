/* evox-recon-dialog.h: tomography from projections in the window: a tilt series aligned and
 * reconstructed off the main thread, with its quality plots and a sinogram before and after. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>

#include "evox-tilt-reader.h"
#include "evox-tomo-pipeline.h"
#include "evox-volume.h"

G_BEGIN_DECLS

#define EVOX_TYPE_RECON_DIALOG (evox_recon_dialog_get_type ())
G_DECLARE_FINAL_TYPE (EvoxReconDialog, evox_recon_dialog, EVOX, RECON_DIALOG, GtkWindow)

/* The plots, in the dialog's order. */
typedef enum
{
  EVOX_RECON_PLOT_SHIFTS,    /* dx, dy (px) against the angle (degrees) */
  EVOX_RECON_PLOT_RESIDUAL,  /* reprojection residual (optical density) per iteration */
  EVOX_RECON_PLOT_CENTER,    /* the sharpness score of each centre tried, the centre marked */
  EVOX_RECON_PLOT_FSC,       /* odd/even FSC, the half-bit and 1/7 thresholds, resolution marked */
  EVOX_RECON_PLOT_ENERGIES,  /* multi-energy: RMS of each energy's shift fit (px) */
} EvoxReconPlot;

/* Emits "reconstructed" (EvoxVolume *volume, const char *name) on the main thread when a run
 * ends with a volume; the window opens it. Closing the dialog cancels a run. */
EvoxReconDialog      *evox_recon_dialog_new          (GtkWindow        *parent);
void                  evox_recon_dialog_set_path     (EvoxReconDialog  *self,
                                                      const char       *path);
const char           *evox_recon_dialog_get_path     (EvoxReconDialog  *self);
/* What the dialog's fields say; FALSE with a message when something is missing. */
gboolean              evox_recon_dialog_get_options  (EvoxReconDialog      *self,
                                                      EvoxTiltReadOptions  *read,
                                                      EvoxTomoOptions      *options,
                                                      GError              **error);
/* Reads the series and runs the pipeline in the background (the Run button). */
void                  evox_recon_dialog_run          (EvoxReconDialog  *self);
void                  evox_recon_dialog_cancel       (EvoxReconDialog  *self);
gboolean              evox_recon_dialog_is_running   (EvoxReconDialog  *self);
/* The error shown, NULL when none. */
const char           *evox_recon_dialog_get_message  (EvoxReconDialog  *self);
/* The warning of the last run (pixels at or below the dark level), NULL when none. */
const char           *evox_recon_dialog_get_warning  (EvoxReconDialog  *self);
/* The report last shown (it grows while a run goes on); NULL before any. */
const EvoxTomoReport *evox_recon_dialog_get_report   (EvoxReconDialog  *self);
/* Shows a copy of report in the plots and the summary, as a run does while it goes. */
void                  evox_recon_dialog_show_report  (EvoxReconDialog      *self,
                                                      const EvoxTomoReport *report);
GtkWidget            *evox_recon_dialog_get_plot     (EvoxReconDialog  *self,
                                                      EvoxReconPlot     plot);
/* The sinogram of the chosen row as shown, before (after FALSE) or after alignment: nx wide,
 * one row per angle; NULL before a run ended. */
GdkTexture           *evox_recon_dialog_get_sinogram (EvoxReconDialog  *self,
                                                      gboolean          after);
void                  evox_recon_dialog_set_row      (EvoxReconDialog  *self,
                                                      guint             row);
/* evox_tomo_report_write_csv of the last run's report (Save Report… asks for the path). */
gboolean              evox_recon_dialog_save_report  (EvoxReconDialog  *self,
                                                      const char       *path,
                                                      gboolean          force,
                                                      GError          **error);

G_END_DECLS
