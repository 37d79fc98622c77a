/* evox-methods.h: a session as a methods paragraph, and the short provenance record of exports. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>
#include "evox-session.h"
#include "evox-volume.h"

G_BEGIN_DECLS

/* Plain text a paper can adapt, one paragraph per topic: the data (input file, size and SHA-256,
 * how it was read; with volume also its dimensions, sample type and voxel size, and the
 * reconstruction parameters of a volume made from projections, its tomo_* metadata), the
 * interpolation, the registration, the phases with their thresholds and the fraction change for
 * a one-bin move of each threshold (from volume's fine histogram of the displayed channel; left
 * out without volume), the particle labelling (connectivity, minimum size), the surface method
 * (flying edges, smoothing, the triangle budget), the clustering (features, scaling, k, seed,
 * restarts, inertia) and the Evox version. volume: the session's input as read (may be NULL). */
char *evox_methods_format     (EvoxSession *session,
                               EvoxVolume  *volume);

/* The record exports carry in their metadata, one "key: value" line each, '\n' between them:
 *   software: Evox VERSION
 *   input: PATH            (when input is not NULL)
 *   input-sha256: HEX      (when the input can be read: evox_session_hash_path)
 *   operation: OPERATION   (when not NULL: what made the file and its parameters) */
char *evox_provenance_record  (const char  *input,
                               const char  *operation);

/* The record as CSV comment lines: each line of record behind "# ", every line ending in '\n';
 * "" for NULL. */
char *evox_provenance_comment (const char  *record);

/* A command line as one string (arguments holding spaces or quotes in single quotes), for the
 * operation of a record the command line writes. */
char *evox_provenance_join_argv (int          argc,
                                 char       **argv);

G_END_DECLS
