/* evox-spectral-reader-private.h: the scan-script parser, the file-name keys and the listing of
 * Xradia sets, for the tests and the tilt-series reader. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One `collect` line of a scan script: the file it names and the energy the last `sete` before
 * it set (NaN when none did). */
typedef struct
{
  char     *name;
  double    energy;
  gboolean  is_ref;
} EvoxScriptImage;

/* The `collect` lines of a script, in order (EvoxScriptImage, freed with the array). A script
 * whose `sete` value is not a number is refused naming the line; one with no `collect` line
 * gives an empty array (the caller refuses it). */
GPtrArray *_evox_spectral_parse_script (const char  *path,
                                        GError     **error);

/* What identifies an SSRL file apart from its sample part: "rep|ref|serial|energy|NNN|MMM";
 * NULL when the name carries no energy. */
char      *_evox_spectral_name_key     (const char  *name);

/* `ref` as a word in the name (`ref`, `_ref_`, `-ref.`, `Ref`): a reference (flat field). */
gboolean   _evox_spectral_is_reference_name (const char *name);

/* The regular, visible files of a folder whose names pass keep, sorted by name (strcmp). Shared
 * with the tilt-series reader's folder of .txrm or .xrm files. */
GPtrArray *_evox_spectral_list_folder  (const char  *folder,
                                        gboolean   (*keep) (const char *name),
                                        GError     **error);

/* Energies closer than this are one energy (scripts print 0.01 eV at most). */
#define EVOX_SPECTRAL_ENERGY_TOLERANCE_EV 0.005

/* One file of an Xradia set: what names it, where it is, what it holds. */
typedef struct
{
  char     *name;       /* as the script or the list names it */
  char     *path;       /* NULL when missing */
  double    energy;     /* NaN until known */
  gboolean  is_ref;
} EvoxSetFile;

void       _evox_set_file_free          (EvoxSetFile *file);

/* The file's energy when the script set none: the file's ImageInfo/Energy, else its name's.
 * Without one, an error naming the file, or with allow_none TRUE the energy stays NaN. */
gboolean   _evox_spectral_resolve_energy (EvoxSetFile  *file,
                                          gboolean      allow_none,
                                          GError      **error);

/* The .xrm files of a scan script, or of a folder (its script when it holds one, else every
 * .xrm file in it, by name), as the spectral reader reads them: EvoxSetFile (freed with the
 * array), in the script's or the name order, energies from the script only (NaN otherwise:
 * _evox_spectral_resolve_energy), references by name, files the script names but the folder
 * lacks with path NULL. *source (may be NULL) receives the script or folder errors should name.
 * warnings (may be NULL) receives what the listing noticed (files matched by key). */
GPtrArray *_evox_spectral_list_xrm_set  (const char   *path,
                                         char        **source,
                                         GPtrArray    *warnings,
                                         GError      **error);

G_END_DECLS
