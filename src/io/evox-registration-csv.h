/* evox-registration-csv.h: the registration quality report as CSV, a row per energy. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-registration.h"

G_BEGIN_DECLS

/* The CSV text: a header line, then a row per entry (ascending energy). channel is the
 * registered volume's channel, empty for an excluded energy; reference, anchor, excluded,
 * flagged and empty are 0 or 1; every number is the shortest text that reads back as the same double
 * ("nan" where a measure is undefined). */
char    *evox_registration_csv_format (EvoxRegistration  *registration);

/* Columns: energy_ev,channel,reference,anchor,excluded,nominal_scale,scale,shift_x,shift_y,
 * shift_z,ncc_before,ncc_after,mi_before,mi_after,residual_px,flagged,empty. Temporary file and
 * rename; an existing file is refused unless force. */
gboolean evox_registration_csv_write (EvoxRegistration  *registration,
                                      const char        *path,
                                      gboolean           force,
                                      GError           **error);

G_END_DECLS
