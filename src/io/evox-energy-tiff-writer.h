/* evox-energy-tiff-writer.h: a spectral volume as TIFF files the spectral reader opens again: one
 * multi-page TIFF with an energies file beside it, or a folder with a TIFF per energy. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-volume.h"

G_BEGIN_DECLS

/* STEM_<E>eV.tif with E to one decimal (particle_8324.0eV.tif), in folder. */
char      *evox_energy_tiff_folder_file   (const char  *folder,
                                           const char  *stem,
                                           double       energy_ev);

/* The files evox_energy_tiff_write_folder writes, a path per channel in channel order; refuses
 * (EVOX_ERROR_ARGUMENT) a channel without an energy and two energies that name the same file. */
GPtrArray *evox_energy_tiff_folder_paths  (EvoxVolume  *volume,
                                           const char  *folder,
                                           const char  *stem,
                                           GError     **error);

/* A 2D stack (one layer deep) as one f32 multi-page TIFF (path ending in .tif or .tiff), a page per channel in channel order
 * (a plain ImageJ stack with the pixel size), and the energies file beside it (evox_spectral_energies_path): one energy in eV
 * a line, the shortest text that reads back as the same double; the spectral reader pairs them
 * line by line. A 3D stack as an f32 ImageJ hyperstack instead (frames = energies, channel-major
 * pages; the energies in Evox's evox_channels key, which Evox's TIFF reader reads), without an
 * energies file: a volume per energy is not a page per energy. Every channel needs an energy.
 * Neither file is replaced unless force (EVOX_ERROR_EXISTS); the energies file is written after
 * the stack, and on its failure the stack is removed. */
gboolean   evox_energy_tiff_write_stack   (EvoxVolume  *volume,
                                           const char  *path,
                                           gboolean     force,
                                           GError     **error);
/* The same with provenance (may be NULL), the record of evox-methods.h, as evox_provenance= in
 * the stack's description (not in the energies file). */
gboolean   evox_energy_tiff_write_stack_with_provenance (EvoxVolume  *volume,
                                                         const char  *path,
                                                         gboolean     force,
                                                         const char  *provenance,
                                                         GError     **error);

/* A single-channel f32 TIFF per channel, named as evox_energy_tiff_folder_paths says, in an
 * existing folder. All or nothing: every file is written under a hidden temporary name first and
 * renamed into place once all are complete; an existing file is refused (EVOX_ERROR_EXISTS)
 * before anything is written, unless force. */
gboolean   evox_energy_tiff_write_folder  (EvoxVolume  *volume,
                                           const char  *folder,
                                           const char  *stem,
                                           gboolean     force,
                                           GError     **error);
/* The same with provenance (may be NULL) as evox_provenance= in each file's description. */
gboolean   evox_energy_tiff_write_folder_with_provenance (EvoxVolume  *volume,
                                                          const char  *folder,
                                                          const char  *stem,
                                                          gboolean     force,
                                                          const char  *provenance,
                                                          GError     **error);

G_END_DECLS
