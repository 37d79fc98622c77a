/* evox-test-util.h: helpers shared by the test suites (test data, temp folders, random, CSV,
 * running the command line). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Path of FILE under EVOX_TEST_DATA, or NULL after g_test_skip() when the data is absent. */
char *evox_test_data_path (const char *relative);
/* A fresh temporary folder, removed with its contents by evox_test_tmpdir_free(). */
char *evox_test_tmpdir_new (void);
void  evox_test_tmpdir_free (char *dir);

/* Adds one to *count at each notification of object's property (notify::property): the tests
 * that a property is notified only when it changes. */
void  evox_test_count_notify (gpointer    object,
                              const char *property,
                              guint      *count);

/* qsort () order of doubles, ascending. */
int    evox_test_compare_doubles (const void   *a,
                                  const void   *b);
/* numpy.percentile's default (linear) at q (0..1) of n sorted values. */
double evox_test_percentile      (const double *sorted,
                                  gsize         n,
                                  double        q);

/* How many entries a folder holds (hidden temporaries included): nothing left behind. */
guint evox_test_count_entries (const char *dir);

/* SplitMix64: the next 64 random bits of the stream `state` (any seed). */
guint64 evox_test_random  (guint64 *state);
/* Uniform in [0, 1), from the same stream. */
double  evox_test_uniform (guint64 *state);

/* Brute-force three-class Otsu over 256 equal bins of [min, max] of the finite values of
 * n_arrays arrays: t[k] is where class k + 1 starts, bin_width the width of a bin. */
void  evox_test_otsu3     (const float * const *arrays,
                           const gsize         *lengths,
                           guint                n_arrays,
                           double               t[2],
                           double              *bin_width);

/* A finished run of a program: its exit status and everything it wrote. */
typedef struct
{
  int   status;
  char *out;
  char *err;
} EvoxTestRun;

void        evox_test_run_clear (EvoxTestRun *run);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EvoxTestRun, evox_test_run_clear)

/* Runs argv (the binary first, NULL-terminated) with envp (NULL: this environment) to its
 * end; setup runs in the child before exec. Asserts that it started and exited normally. */
EvoxTestRun evox_test_spawn     (const char * const   *argv,
                                 char                **envp,
                                 GSpawnChildSetupFunc  setup);
/* Runs $EVOX (the program under test, asserted to be set) with `command` (a subcommand; NULL:
 * none) and the arguments from first on (NULL-terminated), envp and setup as for
 * evox_test_spawn(); a run that fails says its status and stderr in the test log. */
EvoxTestRun evox_test_run_evox_va (char                **envp,
                                   GSpawnChildSetupFunc  setup,
                                   const char           *command,
                                   const char           *first,
                                   va_list               ap);
/* evox_test_run_evox_va with this environment and no setup. */
EvoxTestRun evox_test_run_evox  (const char           *command,
                                 const char           *first,
                                 ...) G_GNUC_NULL_TERMINATED;
/* A run that succeeded: status 0, nothing on stderr. */
void        evox_test_assert_ok (const EvoxTestRun    *run);
/* A setup for evox_test_spawn: files the child writes are limited to 100 kB (ulimit -f). SIGXFSZ
 * keeps its default, so the child must ignore it itself for a write past the limit to fail with
 * EFBIG instead of the signal ending it. */
void        evox_test_limit_file_size (gpointer user_data);
/* A setup for evox_test_spawn: a SIGINT pending in the child, as a terminal's Ctrl-C, which evox
 * takes when its handler unblocks it (a signal sent after a delay would race a fast run). */
void        evox_test_press_ctrl_c    (gpointer user_data);
/* A refusal: the exit status, nothing on stdout, one line on stderr holding `text`. */
void        evox_test_assert_refused  (const EvoxTestRun *run,
                                       int                status,
                                       const char        *text);

/* The whole file as text, asserted readable. */
char       *evox_test_read_text         (const char *path);
/* path holds '# ' provenance lines naming operation, then exactly the text of plain_path. */
void        evox_test_assert_csv_with_provenance (const char *path,
                                                  const char *plain_path,
                                                  const char *operation);
/* The two files hold the same bytes. */
void        evox_test_assert_same_file  (const char *a,
                                         const char *b);

/* Lines of a CSV text (blank ones skipped), each split at commas: the Evox writers quote
 * nothing in what the tests give them. The text must end with '\n', as every writer's does. */
GPtrArray *evox_test_csv_parse (const char *text);
/* The same for the file at `path`. */
GPtrArray *evox_test_csv_read  (const char *path);
/* Field `column` of row `row`, asserted to be one whole number. */
double     evox_test_csv_double (GPtrArray *rows,
                                 guint      row,
                                 guint      column);
/* Asserts that text reads back as exactly `expected` and is its shortest such form (%.Ng with
 * the fewest digits N), as the README promises of Evox's CSV numbers. */
void       evox_test_assert_shortest (const char *text,
                                      double      expected);
/* Asserts that the first row joined with commas is `header`. */
void       evox_test_csv_assert_header (GPtrArray  *rows,
                                        const char *header);

/* A gate a test's reading thread waits at while it is shut (evox_test_gate_pass), so the test
 * sees what happens meanwhile: `EvoxTestGate gate = { .open = TRUE };` (GLib's locks need no
 * initialisation when zeroed), evox_test_gate_clear when done. */
typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean open;
} EvoxTestGate;

void        evox_test_gate_clear (EvoxTestGate *gate);
void        evox_test_gate_set   (EvoxTestGate *gate,
                                  gboolean      open);
/* Returns once the gate is open. */
void        evox_test_gate_pass  (EvoxTestGate *gate);

G_END_DECLS
