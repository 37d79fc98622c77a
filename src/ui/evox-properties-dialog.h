/* evox-properties-dialog.h: Image Properties: the voxel size (x, y, z and unit) of the volume. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>
#include "evox-window.h"

G_BEGIN_DECLS

#define EVOX_TYPE_PROPERTIES_DIALOG (evox_properties_dialog_get_type ())
G_DECLARE_FINAL_TYPE (EvoxPropertiesDialog, evox_properties_dialog, EVOX, PROPERTIES_DIALOG,
                      GtkWindow)

/* Starts at the volume's voxel size (1 nm per voxel when it is not known). */
EvoxPropertiesDialog *evox_properties_dialog_new        (EvoxWindow           *window);
/* What the fields hold, as a user would type it; unit: "nm", "µm" or "mm". For tests. */
void                  evox_properties_dialog_set_values (EvoxPropertiesDialog *self,
                                                         double                x,
                                                         double                y,
                                                         double                z,
                                                         const char           *unit);

G_END_DECLS
