/* evox-maps-writer.h: maps derived from a spectral stack (XANES, elements, the normalised stack)
 * written as one HDF5 file or as TIFFs under a prefix, all or nothing. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-volume.h"

G_BEGIN_DECLS

/* The TIFF layout's label for the channels with energies (PREFIX_norm.tif). */
#define EVOX_MAPS_NORM_STACK "norm"

/* Writes maps (f32) in the layouts of `evox xanes -o`: a path ending in .h5 or .hdf5 gets the
 * HDF5 writer's file (evox_hdf5_write); .tif or .tiff gets PREFIX_<label>.tif for each channel
 * without an energy (PREFIX: the path without its extension; characters other than letters,
 * digits, '-', '_' and '.' in a label become '_') and the channels with energies (the normalised
 * stack) as one energy stack PREFIX_norm.tif (evox_energy_tiff_write_stack, with its energies
 * file for a 2D stack; an old energies file beside a 3D stack is removed). The extensions match
 * in any case. Every file is written into a hidden folder ".evox-maps-XXXXXX" beside path and
 * moved into place once all are complete; on a failure none is left. Existing files are refused
 * (EVOX_ERROR_EXISTS) before anything is written and again before the move, unless overwrite;
 * another extension is EVOX_ERROR_ARGUMENT. */
gboolean   evox_maps_write          (EvoxVolume    *maps,
                                     const char    *path,
                                     gboolean       overwrite,
                                     GError       **error);
/* evox_maps_write that stops with G_IO_ERROR_CANCELLED, leaving nothing, once cancellable is
 * cancelled (the command line's Ctrl-C). */
gboolean   evox_maps_write_full     (EvoxVolume    *maps,
                                     const char    *path,
                                     gboolean       overwrite,
                                     GCancellable  *cancellable,
                                     GError       **error);
/* The same with provenance (may be NULL), the record of evox-methods.h: the HDF5 root's
 * attribute evox_provenance, evox_provenance= in each TIFF's description. */
gboolean   evox_maps_write_with_provenance (EvoxVolume    *maps,
                                            const char    *path,
                                            gboolean       overwrite,
                                            const char    *provenance,
                                            GCancellable  *cancellable,
                                            GError       **error);
/* The TIFF a .tif path gets for a channel labelled label: PREFIX_<label>.tif (see above). */
char      *evox_maps_tiff_path      (const char    *path,
                                     const char    *label);
/* The TIFFs a .tif path gets: the channels without energies in channel order, then
 * PREFIX_norm.tif when some channel has an energy. */
GPtrArray *evox_maps_dup_tiff_paths (EvoxVolume    *maps,
                                     const char    *path);

G_END_DECLS
