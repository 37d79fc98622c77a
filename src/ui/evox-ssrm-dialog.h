/* evox-ssrm-dialog.h: asks how to read an SSRM table (dz, pixel size, columns), layout prefilled. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>
#include "evox-ssrm-reader.h"

G_BEGIN_DECLS

#define EVOX_TYPE_SSRM_DIALOG (evox_ssrm_dialog_get_type ())
G_DECLARE_FINAL_TYPE (EvoxSsrmDialog, evox_ssrm_dialog, EVOX, SSRM_DIALOG, GtkWindow)

/* Sniffs the table first; NULL with an error naming the file when it cannot be read.
 * Emits "done" once, with the options (Open) or NULL (Cancel, closed). */
EvoxSsrmDialog  *evox_ssrm_dialog_new         (GtkWindow       *parent,
                                               const char      *path,
                                               GError         **error);
const char      *evox_ssrm_dialog_get_path    (EvoxSsrmDialog  *self);
/* The options as the dialog now shows them; NULL with a message when they are incomplete. */
EvoxSsrmOptions *evox_ssrm_dialog_dup_options (EvoxSsrmDialog  *self,
                                               GError         **error);

G_END_DECLS
