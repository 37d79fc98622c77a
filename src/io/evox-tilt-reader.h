/* evox-tilt-reader.h: tilt series from Data Exchange HDF5 and Xradia .txrm files, flat and dark
 * corrected into optical density and binned. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>
#include <gio/gio.h>
#include "evox-progress.h"
#include "evox-tilt-series.h"

G_BEGIN_DECLS

/* Transmissions (I - dark) / (white - dark) at or below zero (and those where white - dark is not
 * positive) are set to this before the logarithm: their optical density is -ln (1e-6) = 13.8. */
#define EVOX_TILT_MIN_TRANSMISSION 1e-6

typedef struct
{
  gboolean flat_dark;  /* TRUE: optical density -ln ((I - dark) / (white - dark) * t_white / t_I);
                        * FALSE: the raw counts as floats */
  guint    bin;        /* N x N mean after correction (1: none); a partial edge block is dropped */
} EvoxTiltReadOptions;

/* flat_dark TRUE, bin 1. */
void            evox_tilt_read_options_init (EvoxTiltReadOptions        *options);

/* Data Exchange: /exchange/data (n_angles x ny x nx, any integer or float type), /exchange/theta
 * (degrees unless its units attribute says radians; stored in radians), /exchange/data_white
 * (required when flat_dark) and /exchange/data_dark (optional, zero when absent), each k x ny x nx
 * or ny x nx, averaged over k; /exchange/pixel_size and /exchange/energy when present. Exposure
 * times from /measurement/instrument/detector/exposure_time and
 * /process/acquisition/flat_fields/flat_exposure_time, used only when both are there. */
EvoxTiltSeries *evox_tilt_reader_load_hdf5  (const char                 *path,
                                             const EvoxTiltReadOptions  *options,
                                             GError                    **error);
/* Xradia .txrm: the images with ImageInfo/Angles (refused when the file has none), the reference
 * image as white (no dark: zero), ExpTimes and ReferenceData/ExpTime for the exposure ratio. */
EvoxTiltSeries *evox_tilt_reader_load_txrm  (const char                 *path,
                                             const EvoxTiltReadOptions  *options,
                                             GError                    **error);
/* Either, chosen by the file's signature. options NULL: the defaults. */
EvoxTiltSeries *evox_tilt_reader_load       (const char                 *path,
                                             const EvoxTiltReadOptions  *options,
                                             GError                    **error);

/* What the window and `evox reconstruct` open: a tilt series file as above (one element), a folder
 * of per-angle .xrm files with their references (one energy), or a multi-energy set (a folder or
 * SSRL script whose .xrm files carry energies and angles, grouped by energy as the spectral
 * reader groups them), or a folder of .txrm files (one per energy). An array of EvoxTiltSeries
 * (freeing them), ascending energy, each with energy_ev set when there are several. In .xrm sets
 * references are the files with `ref` as a word in the name (their images' mean per second is
 * the flat field), else each file's ReferenceData; angles from each file's ImageInfo/Angles,
 * sorted, images within 0.01 degree averaged as repeats. Cancellable; progress per file. Errors
 * name the file or folder: no files, angles missing, references of another size, one angle,
 * energies with different angle sets. */
GPtrArray      *evox_tilt_reader_load_set   (const char                 *path,
                                             const EvoxTiltReadOptions  *options,
                                             EvoxProgress               *progress,
                                             GCancellable               *cancellable,
                                             GError                    **error);

G_END_DECLS
