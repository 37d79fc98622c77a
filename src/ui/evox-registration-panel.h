/* evox-registration-panel.h: the Registration page: registering a spectral stack across
 * energies (reference, exclusions, scale mode, Run/Cancel) and its quality report (shift and NCC
 * plots against energy with the flagged energies marked, the table, CSV, Revert). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>
#include "evox-document.h"
#include "evox-register.h"

G_BEGIN_DECLS

#define EVOX_TYPE_REGISTRATION_PANEL (evox_registration_panel_get_type ())
G_DECLARE_FINAL_TYPE (EvoxRegistrationPanel, evox_registration_panel, EVOX, REGISTRATION_PANEL,
                      GtkWidget)

/* Properties: document (EvoxDocument), reference-ev (double, 0 for the highest energy, the
 * default), scale (int, EvoxRegisterScale, default FIT), busy (boolean, read-only: a run is
 * going), excluded (string: the energies left out in eV, ascending, comma-separated, each
 * written to read back exactly; what the window's undo history records and puts back).
 * The page works on the document's raw stack (the registration's raw volume when there is one)
 * and is sensitive only when that has two or more channels, each with an energy. A run goes off
 * the main thread (evox_register_stack_async) with progress and Cancel; its result goes to the
 * document with evox_document_set_registration. A run is dropped when another stack is opened
 * meanwhile; disposing the page (closing the window) cancels it.
 * Actions: registration.run, registration.cancel, registration.save-report (a file chooser, then
 * evox_registration_panel_save_report), registration.revert (evox_document_set_registration
 * NULL). */
GtkWidget    *evox_registration_panel_new          (void);
void          evox_registration_panel_set_document (EvoxRegistrationPanel *self,
                                                    EvoxDocument          *document);
EvoxDocument *evox_registration_panel_get_document (EvoxRegistrationPanel *self);
gboolean      evox_registration_panel_is_busy      (EvoxRegistrationPanel *self);
/* Leaves the energy out of the next run (matched within 0.05 eV), or puts it back. */
void          evox_registration_panel_set_excluded (EvoxRegistrationPanel *self,
                                                    double                 energy_ev,
                                                    gboolean               excluded);
gboolean      evox_registration_panel_get_excluded (EvoxRegistrationPanel *self,
                                                    double                 energy_ev);
/* The document's registration report as CSV (evox_registration_csv_write). EVOX_ERROR_ARGUMENT
 * when there is no registration. */
gboolean      evox_registration_panel_save_report  (EvoxRegistrationPanel *self,
                                                    const char            *path,
                                                    gboolean               overwrite,
                                                    GError               **error);

/* For tests: the table (a row per energy), the two plots, the exclusion list (a GtkCheckButton
 * per energy), the error and summary texts, and the progress of the last run when it ended
 * (NaN before one ended). */
GtkColumnView *evox_registration_panel_get_table      (EvoxRegistrationPanel *self);
GtkWidget     *evox_registration_panel_get_shift_plot (EvoxRegistrationPanel *self);
GtkWidget     *evox_registration_panel_get_ncc_plot   (EvoxRegistrationPanel *self);
GtkListBox    *evox_registration_panel_get_exclude_list (EvoxRegistrationPanel *self);
const char    *evox_registration_panel_get_error      (EvoxRegistrationPanel *self);
const char    *evox_registration_panel_get_summary    (EvoxRegistrationPanel *self);
double         evox_registration_panel_get_last_fraction (EvoxRegistrationPanel *self);
/* The text of cell (row, column) of the table as shown. */
char          *evox_registration_panel_dup_cell       (EvoxRegistrationPanel *self,
                                                       guint                  row,
                                                       guint                  column);

/* For tests: what a run calls instead of evox_register_stack_async / _finish. */
typedef void               (*EvoxRegisterAsyncFunc)  (EvoxVolume                *raw,
                                                      const EvoxRegisterOptions *options,
                                                      EvoxProgress              *progress,
                                                      GCancellable              *cancellable,
                                                      GAsyncReadyCallback        callback,
                                                      gpointer                   user_data);
typedef EvoxRegistration  *(*EvoxRegisterFinishFunc) (GAsyncResult              *result,
                                                      GError                   **error);
void          _evox_registration_panel_set_runner  (EvoxRegistrationPanel *self,
                                                    EvoxRegisterAsyncFunc  run,
                                                    EvoxRegisterFinishFunc finish);

G_END_DECLS
