/* evox-spectral-reader-private.h: the scan-script parser and the file-name keys, for the tests. */
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

G_END_DECLS
