/* evox-spectrum-csv.h: spectra as CSV: energy_ev,mean,std,voxels, one block per spectrum. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-spectrum.h"

G_BEGIN_DECLS

/* One spectrum: the header `energy_ev,mean,std,voxels` and a row per point. Several: a first
 * column `spectrum` with each one's label. Written through a temporary file and a rename; an
 * existing file is refused unless force. */
gboolean evox_spectrum_csv_write (EvoxSpectrum * const *spectra,
                                  guint                 n_spectra,
                                  const char           *path,
                                  gboolean              force,
                                  GError              **error);

G_END_DECLS
