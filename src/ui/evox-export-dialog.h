/* evox-export-dialog.h: Export > Image: size, background, format, then where to save. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>
#include "evox-window.h"

G_BEGIN_DECLS

#define EVOX_TYPE_EXPORT_DIALOG (evox_export_dialog_get_type ())
G_DECLARE_FINAL_TYPE (EvoxExportDialog, evox_export_dialog, EVOX, EXPORT_DIALOG, GtkWindow)

/* Sizes start at twice the canvas (view_width x view_height). */
EvoxExportDialog *evox_export_dialog_new (EvoxWindow *window,
                                          int         view_width,
                                          int         view_height);

/* "NAME.extension" for the title (the input's name) without its own extension; free it. */
char             *evox_export_dialog_suggest_name (const char *title,
                                                   const char *extension);

G_END_DECLS
