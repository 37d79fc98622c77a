/* evox-spectral-reader.h: multi-energy image stacks assembled from many files: SSRL scan scripts,
 * lists and folders of Xradia images with their references, per-energy TIFF files. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-volume.h"

G_BEGIN_DECLS

/* Every assembled stack is an f32 EvoxVolume with one channel per energy (ascending), each with
 * its energy (evox_volume_set_channel_info, label like "8324.0 eV") and pixel size
 * (evox_volume_set_channel_pixel_size); 2D stacks are one layer deep. Xradia sets hold optical
 * density: per energy the mean of the sample exposures and the mean of the references, each
 * divided by its exposure time, OD = -ln(I / I0) (quantity "optical density", unit ""); TIFF
 * sets hold the file's values. Metadata: "spectral_source" (what was read), "spectral_warnings"
 * (newline-separated: files the script names that are missing, energies left out), and per
 * energy the files used ("spectral_files_<E>").
 *
 * Before allocating, the need (n_energies x voxels x 4 bytes) is checked against memory; what
 * does not fit is refused with EVOX_ERROR_TOO_LARGE saying how much it needs and which --bin N
 * would fit. */
typedef struct
{
  guint    bin;         /* 0 or 1: none; N: N x N pixels averaged (partial edge blocks dropped) */
} EvoxSpectralOptions;

/* What a path is, decided by name and a look inside. */
typedef enum
{
  EVOX_SPECTRAL_NONE,
  EVOX_SPECTRAL_SSRL_SCRIPT,   /* a text file with `sete` and `collect` lines */
  EVOX_SPECTRAL_XRM_FOLDER,    /* a folder of .xrm files (with or without a script in it) */
  EVOX_SPECTRAL_TIFF_FOLDER,   /* a folder of TIFF files whose names carry energies */
  EVOX_SPECTRAL_TIFF_ENERGIES, /* one multi-page TIFF with an energies file beside it */
} EvoxSpectralKind;

EvoxSpectralKind evox_spectral_detect        (const char                 *path);

/* The energies file beside a multi-page TIFF (newly allocated path), or NULL when none. */
char            *evox_spectral_find_energies_file (const char            *tiff_path);
/* The name that file has, for writers, whether or not it exists: STACK.tif (or .tiff) gives
 * STACK.energies.txt; NULL when tiff_path does not end in .tif or .tiff. */
char            *evox_spectral_energies_path (const char                 *tiff_path);

/* Reads a script, a folder or a TIFF with energies as evox_spectral_detect classifies it. */
EvoxVolume      *evox_spectral_load          (const char                 *path,
                                              const EvoxSpectralOptions  *options,
                                              EvoxProgress               *progress,
                                              GCancellable               *cancellable,
                                              GError                    **error);
/* A plain list of .xrm files (APS users): references are those with `ref` as a word in the
 * name, paired with the samples by energy. */
EvoxVolume      *evox_spectral_load_files    (const char * const         *paths,
                                              const EvoxSpectralOptions  *options,
                                              EvoxProgress               *progress,
                                              GCancellable               *cancellable,
                                              GError                    **error);

/* The energy a file name carries (`_08324.0_eV_`, `_8341.0eV.tif`), NaN when none. */
double           evox_spectral_energy_from_name (const char              *name);

G_END_DECLS
