/* evox-session.h: a window's analysis as a versioned JSON `.evox` file, and back. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "evox-document.h"
#include "evox-loader.h"

G_BEGIN_DECLS

/* The format version this Evox writes; sessions of a higher one are refused. */
#define EVOX_SESSION_FORMAT_VERSION 1

/* A session: the input (path relative to the session's folder when it can be, its size and
 * SHA-256), how it was read, and what the document held (display, phases, particles, surfaces,
 * clusters, volume style, overlays). Keys this Evox does not know are kept and written back. */
#define EVOX_TYPE_SESSION (evox_session_get_type ())
G_DECLARE_FINAL_TYPE (EvoxSession, evox_session, EVOX, SESSION, GObject)

/* The document's state; its volume must come from a file that evox_volume_load* read (the SSRM
 * demo too). Reads the input once for its hash. previous (may be NULL): the session the document
 * was opened from, whose keys unknown to this Evox are carried over. Fails with
 * EVOX_ERROR_ARGUMENT without a volume or for a volume that no file holds, or as reading the
 * input fails. */
EvoxSession *evox_session_capture          (EvoxDocument   *document,
                                            EvoxSession    *previous,
                                            GError        **error);
/* Writes the session atomically (evox-output.h); EVOX_ERROR_EXISTS when path exists and
 * overwrite is FALSE. The input's path is written relative to path's folder when it lies in
 * it or below, absolute otherwise (both are kept: "path" and "absolute-path"). */
gboolean     evox_session_save             (EvoxSession    *self,
                                            const char     *path,
                                            gboolean        overwrite,
                                            GError        **error);
/* Fails naming the file: EVOX_ERROR_INVALID_DATA for what is no session (malformed or cut
 * JSON, no version, no input), EVOX_ERROR_UNSUPPORTED for a newer format version. */
EvoxSession *evox_session_load             (const char     *path,
                                            GError        **error);
/* Where the session was loaded from or last saved (NULL for a captured one). */
const char  *evox_session_get_path         (EvoxSession    *self);
/* The whole JSON object, unknown keys included (transfer none). */
JsonObject  *evox_session_get_root         (EvoxSession    *self);

/* The input file or folder as found: the relative path from the session's folder when it
 * exists, else the absolute path (NULL for the SSRM demo). */
const char  *evox_session_get_input        (EvoxSession    *self);
/* The SSRM demo stack, not a file. */
gboolean     evox_session_get_input_is_demo (EvoxSession   *self);
/* The input is a folder (of slices or spectra). */
gboolean     evox_session_get_input_is_folder (EvoxSession *self);
/* Points the session at a moved input (what the user chose for a missing one). */
void         evox_session_set_input        (EvoxSession    *self,
                                            const char     *path);
/* FALSE with G_IO_ERROR_NOT_FOUND naming the input and the session when the input is missing.
 * TRUE otherwise; *warning (may be NULL) gets a message naming the input when its size or
 * SHA-256 differs from the recorded ones, else NULL. Reads the whole input. */
gboolean     evox_session_check_input      (EvoxSession    *self,
                                            char          **warning,
                                            GError        **error);
/* The reading options (SSRM columns, steps and scale; binning) for evox_volume_load_with:
 * *ssrm (freed by the caller) is NULL when the input is no SSRM table. */
void         evox_session_get_load_options (EvoxSession      *self,
                                            EvoxSsrmOptions **ssrm,
                                            guint            *bin);
/* Reads the input as the window does (evox_volume_load_with and the fine histograms; the
 * demo made again), with the session's voxel size stated. */
EvoxVolume  *evox_session_load_input       (EvoxSession    *self,
                                            EvoxProgress   *progress,
                                            GCancellable   *cancellable,
                                            GError        **error);
/* The heavy part of evox_session_apply for a worker thread: states the session's voxel size on
 * volume and labels its particles, kept for the apply of the same volume. */
gboolean     evox_session_prepare          (EvoxSession    *self,
                                            EvoxVolume     *volume,
                                            GCancellable   *cancellable,
                                            GError        **error);
/* The "registration" record's options (`evox register --session` writes it, and the window when
 * a registration is shown): reference_ev (0 for the highest), the scale mode as written (NULL
 * when it is no string; evox_register_scale_from_string reads it), the energies left out (a new
 * GArray of double; non-numbers skipped) and whether the raw stack was shown. FALSE, nothing
 * set, without a record. */
gboolean     evox_session_get_registration_options (EvoxSession  *self,
                                                    double       *reference_ev,
                                                    const char  **scale,
                                                    GArray      **exclude_ev,
                                                    gboolean     *raw_view);
/* The registration the window made again from that record (analysis, which io does not link) of
 * the input read again: apply shows it (and the raw view when recorded) before the display,
 * phases and particles, which then hold for the registered stack. */
void         evox_session_set_registration (EvoxSession      *self,
                                            EvoxRegistration *registration);
/* The XANES maps the window computed again from the "xanes-maps" record (e0, edge, pre1, pre2,
 * norm1, norm2, nnorm, mask_k as evox_xanes_maps' metadata says, norm, shown) on the stack apply
 * shows: apply adds them after the registration, shown when they were. */
void         evox_session_set_maps         (EvoxSession      *self,
                                            EvoxVolume       *maps);
/* The elemental maps the window computed again from the "elements-maps" record (element: the
 * edges as "Mn_K,Ni_K"; pairs: "Ni=8178:8570" each, for the pair method; method; matrix; values,
 * null; register; shown; channels: the labels of all the maps in order; runs: when several
 * Compute Elements left maps, each one's element, pairs, method and matrix in order) on the same
 * stack: apply merges them with the XANES maps in the recorded channel order, a later run's
 * map replacing an earlier one's of the same label. set gives the one run (NULL: none), add
 * appends the next run. */
void         evox_session_set_elements_maps (EvoxSession     *self,
                                             EvoxVolume      *maps);
void         evox_session_add_elements_maps (EvoxSession     *self,
                                             EvoxVolume      *maps);
/* The runs of an "elements-maps" record (or of any record with "runs"): the objects of its
 * "runs", or the record itself when it has none; borrowed from record. */
GPtrArray   *evox_session_elements_runs     (JsonObject      *record);
/* The labels prepare made (NULL when the session has no particles or none were prepared), and
 * labels to use instead (the window's watershed splits of them: io does not link analysis). The
 * apply of the same volume shows them. */
EvoxLabels  *evox_session_get_prepared_labels (EvoxSession  *self);
void         evox_session_set_prepared_labels (EvoxSession  *self,
                                               EvoxLabels   *labels);
/* The recorded watershed splits of the particles ("particles": {"split-h": [h, ...]}, in the
 * volume's spacing unit, in order; see evox_labels_get_split_h), NULL and 0 when none or when
 * the list holds anything but numbers. */
double      *evox_session_dup_particle_splits (EvoxSession  *self,
                                               guint        *n_splits);
/* Shows volume (the session's input, read again) in document and re-applies everything:
 * voxel size, display, phases, particles (labelled again), surfaces (built again), volume
 * style, overlays. Missing keys keep the document's defaults; values of the wrong type are
 * ignored. Fails (document showing the volume, later settings not applied) when labelling
 * fails. */
gboolean     evox_session_apply            (EvoxSession    *self,
                                            EvoxDocument   *document,
                                            EvoxVolume     *volume,
                                            GError        **error);

/* The records of what the analysing subcommands did (`--session` of register, xanes, elements,
 * reconstruct, metrics and render: root keys "registration", "xanes", "elements",
 * "reconstruction", "metrics", "figure", each with its "version"), which a window keeps but
 * does not compute again: one sentence naming those the session holds, or NULL when it holds
 * none ("metrics" is not named: the Metrics page computes it again). */
char        *evox_session_dup_records_note (EvoxSession *self);

/* The SHA-256 of a file, streamed; of a folder, over its regular files in byte order of their
 * names: for each, the name, a NUL, the size in decimal, a NUL and the content. *size: the
 * file's size or the sum of the folder's files. */
char        *evox_session_hash_path        (const char     *path,
                                            guint64        *size,
                                            GError        **error);

G_END_DECLS
