/* evox-cli-apply-steps.h: the subcommand records of a session (registration, XANES and
 * elemental maps, reconstruction, metrics) run again by `evox apply`. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "evox-cli-private.h"
#include "evox-session.h"

G_BEGIN_DECLS

/* Whether the session holds a record `evox apply` runs as a subcommand. */
gboolean  _evox_cli_steps_any         (JsonObject *root);
/* Appends the names of the files the records write into a sample's folder, where they are
 * known before the run (the TIFF maps of `elements` are named by the elements found). */
void      _evox_cli_steps_add_outputs (JsonObject *root,
                                       GPtrArray  *names);
/* Runs each record of session on file, in the order registration, xanes, elements,
 * reconstruction, metrics: the subcommand that made it, as a process of this evox, with the
 * session's reading options and voxel size, its outputs into folder under fixed names, its
 * own session as KEY.evox and its standard output (when any) as KEY.txt. Appends the
 * summary's columns and values (the numbers of each record's "result", the rows of
 * metrics.csv). Fails with the subcommand's message; cancelled, the running subcommand is
 * killed and waited for, and it fails with G_IO_ERROR_CANCELLED. */
gboolean  _evox_cli_steps_run         (EvoxSession *session,
                                       const char  *file,
                                       const char  *folder,
                                       gboolean     force,
                                       GPtrArray   *columns,
                                       GPtrArray   *values,
                                       GCancellable *cancellable,
                                       GError     **error);

G_END_DECLS
