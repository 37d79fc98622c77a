/* evox-registration-csv.h: the registration quality report as CSV, a row per energy. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-registration.h"

G_BEGIN_DECLS

/* Columns: energy_ev,channel,reference,anchor,excluded,nominal_scale,scale,shift_x,shift_y,
 * shift_z,ncc_before,ncc_after,mi_before,mi_after,residual_px,flagged. Temporary file and
 * rename; an existing file is refused unless force. */
gboolean evox_registration_csv_write (EvoxRegistration  *registration,
                                      const char        *path,
                                      gboolean           force,
                                      GError           **error);

G_END_DECLS
