/* evox-cli-private.h: what the subcommand files share: common options, loading, number output. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <json-glib/json-glib.h>

#include "evox-cli.h"
#include "evox-document.h"
#include "evox-phase.h"
#include "evox-progress.h"
#include "evox-registration.h"

G_BEGIN_DECLS

/* Options every reading subcommand takes. */
typedef struct
{
  /* Kept as typed, so a reader can tell an option left out from one given with its default. */
  char    *dz;
  char    *pixel_size;
  char    *x_column;
  char    *y_column;
  GStrv    values;
  char    *scale;
  char    *voxel_size;
  char    *bin;
  gboolean demo;       /* also set by demo_xanes: no FILE */
  gboolean demo_xanes; /* the synthetic XANES stack (evox-xanes-phantom.h) */
  /* Set by commands that say themselves how they use a volume held reduced (info prints the
   * scale, convert and render read the file's full resolution); the others warn. */
  gboolean reads_reduced;
} EvoxCliInput;

void         _evox_cli_input_init     (EvoxCliInput   *input);
void         _evox_cli_input_clear    (EvoxCliInput   *input);
void         _evox_cli_input_add_options (EvoxCliInput   *input,
                                          GOptionContext *context);
/* After parsing: --demo-xanes stands for --demo (no FILE) and excludes it; prints why and sets
 * status when both are given. */
gboolean     _evox_cli_input_check_demo (EvoxCliInput *input,
                                         int          *status);
/* What messages call the input: path, or "the XANES demo" / "the demo volume". */
const char  *_evox_cli_input_name     (const EvoxCliInput *input,
                                       const char         *path);
EvoxVolume  *_evox_cli_input_load     (EvoxCliInput   *input,
                                       const char     *path,
                                       int            *status);

gboolean     _evox_cli_parse          (GOptionContext      *context,
                                       const char          *summary,
                                       const GOptionEntry  *entries,
                                       EvoxCliInput        *input,
                                       int                 *argc,
                                       char              ***argv,
                                       int                  n_outputs,
                                       int                 *status);
int          _evox_cli_usage_error    (GOptionContext *context,
                                       const char     *format,
                                       ...) G_GNUC_PRINTF (2, 3);
/* One line on stderr, "evox: " and the message with its line breaks as spaces; returns status. */
int          _evox_cli_error          (int             status,
                                       const char     *format,
                                       ...) G_GNUC_PRINTF (2, 3);
/* The exit status for an error: bad usage for EVOX_ERROR_ARGUMENT, else bad input. */
int          _evox_cli_error_status   (const GError   *error);
/* _evox_cli_error() of the error's message with its status. */
int          _evox_cli_input_error    (const GError   *error);
/* What a reader left out or guessed ("spectral_warnings"), one line each on stderr, so batch
 * logs keep them beside the command's output. */
void         _evox_cli_print_load_warnings (EvoxVolume *volume);
/* For a volume held at 1:S, "evox: warning: NAME is larger than the memory cap ..., and WHAT"
 * on stderr (WHAT NULL: "what follows is computed at 1:S"). */
void         _evox_cli_warn_reduced   (EvoxVolume     *volume,
                                       const char     *name,
                                       const char     *what);
/* Whether path ends in suffix (ASCII case ignored) after at least one other character. */
gboolean     _evox_cli_has_suffix_nocase (const char *path,
                                          const char *suffix);
/* A plain decimal (digits only, no sign or spaces) from min to max. */
/* --bin N (text NULL: *bin untouched): a whole number from 1 to 4096; FALSE with *status set to
 * the usage error otherwise. */
gboolean     _evox_cli_parse_bin      (const char     *text,
                                       guint          *bin,
                                       int            *status);
gboolean     _evox_cli_parse_int      (const char     *text,
                                       gint64          min,
                                       gint64          max,
                                       gint64         *value);
/* The whole of text is one finite number. */
gboolean     _evox_cli_parse_double   (const char     *text,
                                       double         *value);
char        *_evox_cli_format_number  (double          value,
                                       gboolean        single);
int          _evox_cli_find_channel   (EvoxVolume     *volume,
                                       const char     *channel,
                                       int            *status);

/* A file a subcommand writes, named by the option that asked for it ("-o", "--mask"). */
typedef struct
{
  const char *option;
  const char *path;
} EvoxCliOutput;

/* Refuses outputs that are the input, name one file twice, are folders, would replace files
 * (without force), or lie in a folder that is missing or not writable: prints why and sets
 * status. Called before anything is read or written. */
gboolean     _evox_cli_check_outputs  (const EvoxCliOutput *outputs,
                                       guint                n_outputs,
                                       const char          *input,
                                       gboolean             force,
                                       int                 *status);

/* On a terminal, a line on stderr showing progress's stage (or `fallback`, a static string,
 * before the first) and percentage, redrawn every 200 ms while the main loop runs; returns the
 * source for _evox_cli_progress_stop(), which removes it and clears the line. */
guint        _evox_cli_progress_start (EvoxProgress   *progress,
                                       const char     *fallback);
void         _evox_cli_progress_stop  (guint           source);

/* A job for _evox_cli_run_with_progress(): the result (NULL with error set on failure) of data,
 * reporting to progress (NULL when nothing shows it). */
typedef gpointer (*EvoxCliWorkFunc) (gpointer       data,
                                     EvoxProgress  *progress,
                                     GError       **error);
/* Runs work (data): on a terminal in a worker thread named thread_name while this one shows its
 * progress line (fallback as for _evox_cli_progress_start); elsewhere right here, without
 * progress. Returns what work returned. */
gpointer     _evox_cli_run_with_progress (EvoxCliWorkFunc   work,
                                          gpointer          data,
                                          const char       *thread_name,
                                          const char       *fallback,
                                          GError          **error);

const char  *_evox_cli_suggest_command (const char *name);

/* The record of evox-methods.h for an output of the command line: input (may be NULL) and
 * "evox COMMAND", command being evox_provenance_join_argv of the arguments before parsing. */
char        *_evox_cli_provenance     (const char     *input,
                                       const char     *command);

int          _evox_cli_info           (int argc, char **argv);
int          _evox_cli_histogram      (int argc, char **argv);
int          _evox_cli_convert        (int argc, char **argv);
int          _evox_cli_render         (int argc, char **argv);
int          _evox_cli_segment        (int argc, char **argv);
int          _evox_cli_isosurface     (int argc, char **argv);
int          _evox_cli_cluster        (int argc, char **argv);
int          _evox_cli_register       (int argc, char **argv);
int          _evox_cli_spectrum       (int argc, char **argv);
int          _evox_cli_xanes          (int argc, char **argv);
int          _evox_cli_elements       (int argc, char **argv);
int          _evox_cli_reconstruct    (int argc, char **argv);
int          _evox_cli_metrics        (int argc, char **argv);
int          _evox_cli_apply          (int argc, char **argv);

/* --session OUT.evox of the analysing subcommands: document captured (evox_session_capture)
 * and saved atomically; prints why and sets status on failure. */
gboolean     _evox_cli_save_session   (EvoxDocument   *document,
                                       const char     *path,
                                       gboolean        force,
                                       int            *status);
/* The same with record (taken; NULL: none) as the root's key. */
gboolean     _evox_cli_save_session_with (EvoxDocument *document,
                                          const char   *key,
                                          JsonObject   *record,
                                          const char   *path,
                                          gboolean      force,
                                          int          *status);
/* The version of the subcommands' session records ("registration", "xanes", "elements",
 * "reconstruction", "metrics"): each record's "version" member. */
#define EVOX_CLI_RECORD_VERSION 1
/* --session OUT.evox of a subcommand whose result a document does not hold: the input (volume,
 * read from in) as a session records it, plus record (taken) as the root's key.
 * Prints why and sets status on failure. */
gboolean     _evox_cli_save_session_record (EvoxVolume *volume,
                                            const char *in,
                                            const char *key,
                                            JsonObject *record,
                                            const char *path,
                                            gboolean    force,
                                            int        *status);
/* --session OUT checked as the command's other outputs are, and they against it. */
gboolean     _evox_cli_check_session_output (const char          *session,
                                             const EvoxCliOutput *outputs,
                                             guint                n_outputs,
                                             const char          *input,
                                             gboolean             force,
                                             int                 *status);
/* An empty record of EVOX_CLI_RECORD_VERSION (its "version" member first). */
JsonObject  *_evox_cli_record_new     (void);
/* The options as typed (argv before parsing, the subcommand first), without positional
 * arguments, reading options and the long options named in drop (NULL-terminated) with their
 * values: what a session record keeps for `evox apply` to pass again. */
GPtrArray   *_evox_cli_typed_options  (int                 argc,
                                       char              **argv,
                                       const GOptionEntry *entries,
                                       const char * const *drop);
/* A JSON array of n doubles. */
JsonArray   *_evox_cli_json_numbers   (const double *values,
                                       guint         n);
int          _evox_cli_methods        (int argc, char **argv);

/* The registration `evox register IN` makes by default, run with its progress line. */
EvoxRegistration *_evox_cli_register_default (EvoxVolume    *volume,
                                              GCancellable  *cancellable,
                                              GError       **error);

/* --phase NAME=LO:HI (with_color: also NAME=LO:HI:#rrggbb) or auto:N, appended to list; prints
 * the message and sets status on failure. */
gboolean     _evox_cli_parse_phases   (EvoxPhaseList  *list,
                                       EvoxVolume     *volume,
                                       guint           channel,
                                       char          **specs,
                                       gboolean        with_color,
                                       int            *status);
/* The same, with auto:N split by Otsu on the histogram of the basis (_evox_cli_parse_phases
 * takes the measured scans, the default basis of the window and of `evox segment`). */
gboolean     _evox_cli_parse_phases_on_basis (EvoxPhaseList  *list,
                                              EvoxVolume     *volume,
                                              guint           channel,
                                              EvoxBasis       basis,
                                              char          **specs,
                                              gboolean        with_color,
                                              int            *status);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EvoxCliInput, _evox_cli_input_clear)

G_END_DECLS
