/* evox-cli.c: dispatch of the headless subcommands and what they share. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evox-cli-private.h"
#include "evox-methods.h"
#include "evox-demo.h"
#include "evox-units.h"
#include "evox-xanes-phantom.h"

typedef struct
{
  const char *name;
  int       (*run) (int argc, char **argv);
  const char *summary;
} Subcommand;

static const Subcommand subcommands[] = {
  { "info", _evox_cli_info, "dimensions, spacing, value range and layers of a volume" },
  { "histogram", _evox_cli_histogram, "histogram as CSV, with numpy.histogram's bins" },
  { "convert", _evox_cli_convert, "write a volume as a TIFF stack or Data Exchange HDF5" },
  { "render", _evox_cli_render, "draw a volume as the viewer shows it into a PNG or TIFF figure" },
  { "segment", _evox_cli_segment, "phase fractions, particles, phase mask and label volume" },
  { "isosurface", _evox_cli_isosurface, "surface of a level, phase or particles as a mesh" },
  { "cluster", _evox_cli_cluster, "k-means clusters of voxel features, centres and k sweep" },
  { "register", _evox_cli_register, "register a spectral stack's energies, with a quality report" },
  { "spectrum", _evox_cli_spectrum, "spectrum of a voxel, box or phase across energies as CSV" },
  { "xanes", _evox_cli_xanes, "XANES maps: edge energy, E0, white line, step, normalised stack" },
  { "elements", _evox_cli_elements, "elemental maps by edge-jump pairs or a fit over energies" },
  { "reconstruct", _evox_cli_reconstruct, "align and reconstruct a tilt series, with a quality "
    "report" },
  { "metrics", _evox_cli_metrics, "porosity, tortuosity, percolation, surface area and thickness "
    "of a phase" },
  { "apply", _evox_cli_apply, "run a session's analysis on many files: a folder each, a summary" },
  { "methods", _evox_cli_methods, "a session's methods paragraph: data, phases, labels, surfaces" },
};

gboolean
evox_cli_is_subcommand (const char *name)
{
  if (name == NULL)
    return FALSE;
  if (g_str_equal (name, "help") || g_str_equal (name, "--help") || g_str_equal (name, "-h") ||
      g_str_equal (name, "--version"))
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    if (g_str_equal (name, subcommands[i].name))
      return TRUE;
  return FALSE;
}

static void
print_help (FILE *out)
{
  fprintf (out, "Usage: evox [--dz NM] [--pixel-size NM] [--value VALUE:DEPTH]...\n"
                "            [--voxel-size X[,Y,Z][UNIT]]\n"
                "            [--phase NAME=LO:HI[:#rrggbb[:OPACITY]]|auto:N...\n"
                "            | --preset NAME] [--surfaces] [--view xyz|x|y|z|stack|quad|volume]\n"
                "            [--ruler X0,Y0,Z0:X1,Y1,Z1]... [FILE...]\n"
                "       evox COMMAND [OPTION...] FILE\n\n"
                "Evox, the electrode volume explorer. Without a command it opens the viewer: each\n"
                "FILE (SSRM table, TIFF stack, folder of TIFFs) in a window, or the demo volume.\n"
                "SSRM tables open without asking when --dz, --pixel-size or --value is given.\n"
                "--voxel-size sets the voxel size, over the one the file states (SSRM: x, y).\n"
                "--phase and --preset start each window with those phases, --surfaces adds their\n"
                "surfaces, --view picks the view (quad: four views; volume: volume rendering)\n"
                "and --ruler draws a ruler between two voxels of one slice. 'evox --help-all'\n"
                "lists every option.\n\n"
                "Commands run headless:\n");
  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    fprintf (out, "  %-11s  %s\n", subcommands[i].name, subcommands[i].summary);
  fprintf (out, "\nRun 'evox COMMAND --help' for the options of one command.\n");
}

/* Optimal string alignment distance: edits with adjacent transpositions, so "segmnet" is one
 * step from "segment". */
static guint
edit_distance (const char *a,
               const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  g_autofree guint *d = g_new (guint, (la + 1) * (lb + 1));

#define D(i, j) d[(i) * (lb + 1) + (j)]
  for (gsize i = 0; i <= la; i++)
    D (i, 0) = i;
  for (gsize j = 0; j <= lb; j++)
    D (0, j) = j;
  for (gsize i = 1; i <= la; i++)
    for (gsize j = 1; j <= lb; j++)
      {
        guint cost = g_ascii_tolower (a[i - 1]) != g_ascii_tolower (b[j - 1]);
        guint best = MIN (MIN (D (i - 1, j) + 1, D (i, j - 1) + 1), D (i - 1, j - 1) + cost);

        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          best = MIN (best, D (i - 2, j - 2) + 1);
        D (i, j) = best;
      }
  return D (la, lb);
#undef D
}

/**
 * _evox_cli_suggest_command:
 *
 * Returns: (nullable): the subcommand within two edits of @name (and closer than half its
 * length, so short words do not match everything), or NULL
 */
const char *
_evox_cli_suggest_command (const char *name)
{
  const char *best = NULL;
  guint best_distance = G_MAXUINT;

  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    {
      guint distance = edit_distance (name, subcommands[i].name);

      if (distance < best_distance)
        {
          best = subcommands[i].name;
          best_distance = distance;
        }
    }
  if (best_distance <= 2 && 2 * best_distance < strlen (best))
    return best;
  return NULL;
}

static int
unknown_command (const char *name)
{
  const char *suggestion = _evox_cli_suggest_command (name);

  if (suggestion != NULL)
    return _evox_cli_error (EVOX_EXIT_USAGE, _("unknown command '%s'; did you mean '%s'? (see "
                                               "'evox --help')"), name, suggestion);
  return _evox_cli_error (EVOX_EXIT_USAGE, _("unknown command '%s' (see 'evox --help')"), name);
}

/**
 * evox_cli_run:
 * @argv: the program's arguments; argv[1] is the subcommand
 *
 * Returns: the exit status
 */
int
evox_cli_run (int    argc,
              char **argv)
{
  const char *name = argc > 1 ? argv[1] : NULL;

  if (name == NULL || g_str_equal (name, "help") || g_str_equal (name, "--help") ||
      g_str_equal (name, "-h"))
    {
      print_help (stdout);
      return EVOX_EXIT_OK;
    }
  if (g_str_equal (name, "--version"))
    {
      printf ("evox %s\n", PACKAGE_VERSION);
      return EVOX_EXIT_OK;
    }
  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    if (g_str_equal (name, subcommands[i].name))
      {
        g_autofree char *prgname = g_strdup_printf ("evox %s", name);
        g_set_prgname (prgname);
        return subcommands[i].run (argc - 1, argv + 1);
      }
  return unknown_command (name);
}

/* A first argument that is no subcommand, no option and no existing file opens no window: a
 * mistyped command or a missing file is told on stderr, without needing a display. */
gboolean
evox_cli_check_first_argument (const char *arg,
                               int        *status)
{
  const char *base;

  g_return_val_if_fail (status != NULL, FALSE);

  if (arg == NULL || arg[0] == '-' || evox_cli_is_subcommand (arg))
    return FALSE;
  /* GApplication opens URIs as well as paths; their existence is the window's business. */
  if (g_uri_peek_scheme (arg) != NULL || g_file_test (arg, G_FILE_TEST_EXISTS))
    return FALSE;
  base = strrchr (arg, G_DIR_SEPARATOR);
  base = base != NULL ? base + 1 : arg;
  if (base != arg || strchr (base + 1, '.') != NULL)
    *status = _evox_cli_error (EVOX_EXIT_INPUT, _("%s: No such file or directory"), arg);
  else
    *status = unknown_command (arg);
  return TRUE;
}

void
_evox_cli_input_init (EvoxCliInput *input)
{
  *input = (EvoxCliInput) { NULL };
}

void
_evox_cli_input_clear (EvoxCliInput *input)
{
  g_clear_pointer (&input->dz, g_free);
  g_clear_pointer (&input->pixel_size, g_free);
  g_clear_pointer (&input->x_column, g_free);
  g_clear_pointer (&input->y_column, g_free);
  g_clear_pointer (&input->values, g_strfreev);
  g_clear_pointer (&input->scale, g_free);
  g_clear_pointer (&input->voxel_size, g_free);
  g_clear_pointer (&input->bin, g_free);
}

/* The reading options, which a session records apart (its "inputs"), by long name. */
static const char *const reading_options[] = {
  "voxel-size", "dz", "pixel-size", "x", "y", "value", "scale", "bin", "demo", "demo-xanes",
  NULL
};

/* The entry of a long (name) or short (letter) option among entries, or NULL. */
static const GOptionEntry *
find_entry (const GOptionEntry *entries,
            const char         *name,
            char                letter)
{
  for (guint i = 0; entries[i].long_name != NULL; i++)
    if ((name != NULL && g_str_equal (entries[i].long_name, name)) ||
        (name == NULL && entries[i].short_name == letter))
      return &entries[i];
  return NULL;
}

static gboolean
takes_value (const GOptionEntry *entry)
{
  return entry != NULL && entry->arg != G_OPTION_ARG_NONE &&
         !(entry->flags & G_OPTION_FLAG_OPTIONAL_ARG);
}

/**
 * _evox_cli_typed_options:
 * @argv: (array length=argc): the subcommand's arguments before parsing, its name first
 * @entries: the subcommand's own options
 * @drop: (array zero-terminated=1): long names of options left out (outputs, --session,
 *   --force), with their values
 *
 * The options as typed, without the positional arguments (the input), the reading options and
 * those in drop, for a session record a later run appends its own input and outputs to.
 */
GPtrArray *
_evox_cli_typed_options (int                 argc,
                         char              **argv,
                         const GOptionEntry *entries,
                         const char * const *drop)
{
  GPtrArray *kept = g_ptr_array_new_with_free_func (g_free);
  gboolean options_end = FALSE;

  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];
      g_autofree char *name = NULL;
      const GOptionEntry *entry = NULL;
      gboolean inline_value = FALSE, reading = FALSE, value_next;

      if (options_end || arg[0] != '-' || arg[1] == '\0')
        continue;
      if (g_str_equal (arg, "--"))
        {
          options_end = TRUE;
          continue;
        }
      if (arg[1] == '-')
        {
          const char *equals = strchr (arg, '=');

          name = equals != NULL ? g_strndup (arg + 2, equals - arg - 2) : g_strdup (arg + 2);
          inline_value = equals != NULL;
          entry = find_entry (entries, name, 0);
          reading = g_strv_contains (reading_options, name);
          /* A reading option takes a value unless it is one of the two flags. */
          value_next = !inline_value && (entry != NULL ? takes_value (entry)
                                         : reading && !g_str_has_prefix (name, "demo"));
        }
      else
        {
          entry = find_entry (entries, NULL, arg[1]);
          if (entry != NULL)
            name = g_strdup (entry->long_name);
          inline_value = arg[2] != '\0';
          value_next = !inline_value && takes_value (entry);
        }
      if (!reading && (name == NULL || !g_strv_contains (drop, name)))
        {
          g_ptr_array_add (kept, g_strdup (arg));
          if (value_next && i + 1 < argc)
            g_ptr_array_add (kept, g_strdup (argv[i + 1]));
        }
      if (value_next)
        i++;
    }
  return kept;
}

/* The reading options join the command's own, so `--help` shows them. */
void
_evox_cli_input_add_options (EvoxCliInput   *input,
                             GOptionContext *context)
{
  const GOptionEntry entries[] = {
    { "voxel-size", 0, 0, G_OPTION_ARG_STRING, &input->voxel_size,
      "Voxel size, one number for cubic voxels or X,Y,Z, in nm, um or mm (default nm); for SSRM "
      "tables the lateral pixel size", "X[,Y,Z][UNIT]" },
    { "dz", 0, 0, G_OPTION_ARG_STRING, &input->dz,
      "SSRM layer step in nm (default 10)", "NM" },
    { "pixel-size", 0, 0, G_OPTION_ARG_STRING, &input->pixel_size,
      "SSRM lateral pixel size in nm (without it, lengths are in pixels)", "NM" },
    { "x", 0, 0, G_OPTION_ARG_STRING, &input->x_column,
      "SSRM column of the pixel X index (default X)", "COLUMN" },
    { "y", 0, 0, G_OPTION_ARG_STRING, &input->y_column,
      "SSRM column of the pixel Y index (default Y)", "COLUMN" },
    { "value", 0, 0, G_OPTION_ARG_STRING_ARRAY, &input->values,
      "SSRM scan: value column and depth column or depth in nm (repeat; default every Ri:Zi)",
      "VALUE:DEPTH" },
    { "scale", 0, 0, G_OPTION_ARG_STRING, &input->scale,
      "SSRM values are log10 (default) or linear", "log10|linear" },
    { "bin", 0, 0, G_OPTION_ARG_STRING, &input->bin,
      "Average N x N pixels of each image as it is read (Xradia, HDF5, spectral sets)", "N" },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &input->demo,
      "Use the generated demo SSRM stack instead of a file", NULL },
    { "demo-xanes", 0, 0, G_OPTION_ARG_NONE, &input->demo_xanes,
      "Use the synthetic XANES stack of an NMC cathode (Mn, Co pairs, Ni edge) instead of a "
      "file", NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
}

gboolean
_evox_cli_input_check_demo (EvoxCliInput *input,
                            int          *status)
{
  if (input->demo_xanes && input->demo)
    {
      *status = _evox_cli_usage_error (NULL, "give one of --demo and --demo-xanes");
      return FALSE;
    }
  input->demo = input->demo || input->demo_xanes;
  return TRUE;
}

const char *
_evox_cli_input_name (const EvoxCliInput *input,
                      const char         *path)
{
  if (input->demo_xanes)
    return "the XANES demo";
  return input->demo ? "the demo volume" : path;
}

/**
 * _evox_cli_parse:
 * @n_outputs: positional arguments after the input FILE (which --demo replaces)
 * @status: (out): the exit status when this returns FALSE
 *
 * Sets up and parses the options of a reading subcommand, then checks the positional arguments.
 */
gboolean
_evox_cli_parse (GOptionContext      *context,
                 const char          *summary,
                 const GOptionEntry  *entries,
                 EvoxCliInput        *input,
                 int                 *argc,
                 char              ***argv,
                 int                  n_outputs,
                 int                 *status)
{
  g_autoptr(GError) error = NULL;

  _evox_cli_input_init (input);
  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  _evox_cli_input_add_options (input, context);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      /* GOption's conversion message names no option: name the argument that failed. */
      for (int i = 1; error->domain == G_CONVERT_ERROR && i < *argc; i++)
        {
          g_autofree char *converted = g_locale_to_utf8 ((*argv)[i], -1, NULL, NULL, NULL);
          g_autofree char *shown = NULL;
          const char *charset;

          if (converted != NULL)
            continue;
          g_get_charset (&charset);
          shown = g_utf8_make_valid ((*argv)[i], -1);
          *status = _evox_cli_usage_error (context, "'%s' is not text in this locale's character "
                                           "set (%s): %s", shown, charset, error->message);
          return FALSE;
        }
      *status = _evox_cli_usage_error (context, "%s", error->message);
      return FALSE;
    }
  if (!_evox_cli_input_check_demo (input, status))
    return FALSE;
  if (*argc != (input->demo ? 1 : 2) + n_outputs)
    {
      const char *demo = input->demo_xanes ? "--demo-xanes" : "--demo";
      const char *expected = input->demo ? (n_outputs ? "OUT (and no FILE with %s)"
                                                      : "no FILE with %s")
                                         : (n_outputs ? "FILE and OUT" : "FILE");
      g_autofree char *text = g_strdup_printf (expected, demo);

      *status = _evox_cli_usage_error (context, "expected %s", text);
      return FALSE;
    }
  return TRUE;
}

/* context: (nullable): unused; the message names the command through the program name, which
 * is "evox COMMAND" while a command runs, so errors found after parsing may pass NULL. */
int
_evox_cli_usage_error (GOptionContext *context,
                       const char     *format,
                       ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "%s: %s (see '%s --help')\n", g_get_prgname (), message, g_get_prgname ());
  return EVOX_EXIT_USAGE;
}

typedef struct
{
  EvoxProgress *progress;
  const char   *fallback;
} ProgressLine;

static void
progress_line_free (gpointer data)
{
  ProgressLine *line = data;

  evox_progress_unref (line->progress);
  g_free (line);
}

static gboolean
show_progress_line (gpointer data)
{
  ProgressLine *line = data;
  g_autofree char *stage = evox_progress_dup_stage (line->progress);

  /* \r and erase-line redraw the line in place. */
  fprintf (stderr, "\r\033[K%s %3.0f%%", stage != NULL ? stage : line->fallback,
           100.0 * evox_progress_get_fraction (line->progress));
  fflush (stderr);
  return G_SOURCE_CONTINUE;
}

guint
_evox_cli_progress_start (EvoxProgress *progress,
                          const char   *fallback)
{
  ProgressLine *line = g_new (ProgressLine, 1);

  line->progress = evox_progress_ref (progress);
  line->fallback = fallback;
  return g_timeout_add_full (G_PRIORITY_DEFAULT, 200, show_progress_line, line,
                             progress_line_free);
}

void
_evox_cli_progress_stop (guint source)
{
  g_source_remove (source);
  fprintf (stderr, "\r\033[K");
  fflush (stderr);
}

typedef struct
{
  EvoxCliWorkFunc  work;
  gpointer         data;
  EvoxProgress    *progress;
  GMainLoop       *loop;
  gpointer         result;
  GError          *error;
} Worker;

static gboolean
worker_done (gpointer user_data)
{
  Worker *worker = user_data;

  g_main_loop_quit (worker->loop);
  return G_SOURCE_REMOVE;
}

static gpointer
worker_thread (gpointer user_data)
{
  Worker *worker = user_data;

  worker->result = worker->work (worker->data, worker->progress, &worker->error);
  g_idle_add (worker_done, worker);
  return NULL;
}

gpointer
_evox_cli_run_with_progress (EvoxCliWorkFunc   work,
                             gpointer          data,
                             const char       *thread_name,
                             const char       *fallback,
                             GError          **error)
{
  g_autoptr(EvoxProgress) progress = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  GThread *thread;
  Worker worker;
  guint timer;

  /* Off a terminal stderr stays for errors. */
  if (!isatty (STDERR_FILENO))
    return work (data, NULL, error);

  progress = evox_progress_new ();
  loop = g_main_loop_new (NULL, FALSE);
  worker = (Worker) { work, data, progress, loop, NULL, NULL };
  thread = g_thread_new (thread_name, worker_thread, &worker);
  timer = _evox_cli_progress_start (progress, fallback);
  g_main_loop_run (loop);
  g_thread_join (thread);
  _evox_cli_progress_stop (timer);
  if (worker.result == NULL)
    g_propagate_error (error, worker.error);
  return worker.result;
}

int
_evox_cli_error (int         status,
                 const char *format,
                 ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_strdelimit (message, "\n\r", ' ');
  fprintf (stderr, "evox: %s\n", message);
  return status;
}

char *
_evox_cli_provenance (const char *input,
                      const char *command)
{
  g_autofree char *operation = g_strconcat ("evox ", command, NULL);

  return evox_provenance_record (input, operation);
}

gboolean
_evox_cli_check_outputs (const EvoxCliOutput *outputs,
                         guint                n_outputs,
                         const char          *input,
                         gboolean             force,
                         int                 *status)
{
  g_autofree char *input_abs = input != NULL ? g_canonicalize_filename (input, NULL) : NULL;

  for (guint i = 0; i < n_outputs; i++)
    {
      const char *path = outputs[i].path;
      g_autofree char *abs = g_canonicalize_filename (path, NULL);
      g_autofree char *dir = g_path_get_dirname (abs);

      if (input_abs != NULL && g_str_equal (abs, input_abs))
        {
          *status = _evox_cli_error (EVOX_EXIT_USAGE, _("%s %s: that is the input file"),
                                     outputs[i].option, path);
          return FALSE;
        }
      for (guint j = 0; j < i; j++)
        {
          g_autofree char *other = g_canonicalize_filename (outputs[j].path, NULL);

          if (g_str_equal (abs, other))
            {
              *status = _evox_cli_error (EVOX_EXIT_USAGE, _("%s and %s name the same file %s"),
                                         outputs[j].option, outputs[i].option, path);
              return FALSE;
            }
        }
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          *status = _evox_cli_error (EVOX_EXIT_INPUT, _("%s %s: is a folder"), outputs[i].option,
                                     path);
          return FALSE;
        }
      /* The writers write a temporary file and rename it over the output, which would replace a
       * FIFO or a device (say /dev/full) with a plain file: --force is for files only. */
      if (g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          *status = _evox_cli_error (EVOX_EXIT_INPUT, _("%s %s: is not a regular file"),
                                     outputs[i].option, path);
          return FALSE;
        }
      if (!force && g_file_test (path, G_FILE_TEST_EXISTS))
        {
          *status = _evox_cli_error (EVOX_EXIT_INPUT, _("%s: exists already (use --force to "
                                                        "replace it)"), path);
          return FALSE;
        }
      if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
        {
          *status = g_file_test (dir, G_FILE_TEST_EXISTS)
                    ? _evox_cli_error (EVOX_EXIT_INPUT, _("cannot write %s: %s is a file, not a "
                                                          "folder"), path, dir)
                    : _evox_cli_error (EVOX_EXIT_INPUT, _("cannot write %s: the folder %s does "
                                                          "not exist"), path, dir);
          return FALSE;
        }
      if (g_access (dir, W_OK) != 0)
        {
          *status = _evox_cli_error (EVOX_EXIT_INPUT, _("cannot write %s: the folder %s is "
                                                        "not writable"), path, dir);
          return FALSE;
        }
    }
  return TRUE;
}

int
_evox_cli_error_status (const GError *error)
{
  return error->domain == EVOX_ERROR && error->code == EVOX_ERROR_ARGUMENT ? EVOX_EXIT_USAGE
                                                                           : EVOX_EXIT_INPUT;
}

int
_evox_cli_input_error (const GError *error)
{
  return _evox_cli_error (_evox_cli_error_status (error), "%s", error->message);
}

gboolean
_evox_cli_has_suffix_nocase (const char *path,
                             const char *suffix)
{
  gsize lp = strlen (path), ls = strlen (suffix);

  return lp > ls && g_ascii_strcasecmp (path + lp - ls, suffix) == 0;
}

gboolean
_evox_cli_parse_int (const char *text,
                     gint64      min,
                     gint64      max,
                     gint64     *value)
{
  char *end = NULL;

  if (text == NULL || !g_ascii_isdigit (*text))
    return FALSE;
  *value = g_ascii_strtoll (text, &end, 10);
  return *end == '\0' && *value >= min && *value <= max;
}

gboolean
_evox_cli_parse_bin (const char *text,
                     guint      *bin,
                     int        *status)
{
  gint64 value;

  if (text == NULL)
    return TRUE;
  if (!_evox_cli_parse_int (text, 1, 4096, &value))
    {
      *status = _evox_cli_usage_error (NULL, "--bin must be a whole number from 1 to 4096, not "
                                       "'%s'", text);
      return FALSE;
    }
  *bin = (guint) value;
  return TRUE;
}

gboolean
_evox_cli_parse_double (const char *text,
                        double     *value)
{
  char *end = NULL;

  *value = g_ascii_strtod (text, &end);
  return end != text && *end == '\0' && isfinite (*value);
}

/* A positive number of nm typed for OPTION, or the default when it was left out. */
static gboolean
parse_nm (const char *text,
          const char *option,
          double      fallback,
          double     *nm,
          int        *status)
{
  *nm = fallback;
  if (text == NULL)
    return TRUE;
  if (!_evox_cli_parse_double (text, nm) || !(*nm > 0))
    {
      *status = _evox_cli_error (EVOX_EXIT_USAGE, "%s must be a positive number of nm, not '%s'",
                                 option, text);
      return FALSE;
    }
  return TRUE;
}

/* The first SSRM-only option given, for the message that refuses it for other volumes. */
static const char *
first_ssrm_option (const EvoxCliInput *input,
                   gboolean            demo)
{
  /* The demo is an SSRM stack built in memory: its layer step and pixel size may be chosen. */
  if (!demo && input->dz != NULL)
    return "--dz";
  if (!demo && input->pixel_size != NULL)
    return "--pixel-size";
  if (input->x_column != NULL)
    return "--x";
  if (input->y_column != NULL)
    return "--y";
  if (input->values != NULL)
    return "--value";
  if (input->scale != NULL)
    return "--scale";
  return NULL;
}

void
_evox_cli_print_load_warnings (EvoxVolume *volume)
{
  const char *warnings = evox_volume_get_metadata (volume, "spectral_warnings");
  g_auto(GStrv) lines = NULL;

  if (warnings == NULL)
    return;
  lines = g_strsplit (warnings, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      fprintf (stderr, "evox: warning: %s\n", lines[i]);
}

/**
 * _evox_cli_input_load:
 * @path: (nullable): the file, or NULL with --demo
 * @status: (out): the exit status when this fails
 *
 * Options that the input does not use are refused (status 2) rather than ignored: --pixel-size
 * on a TIFF would otherwise leave a user believing the voxel size was set.
 */
EvoxVolume *
_evox_cli_input_load (EvoxCliInput *input,
                      const char   *path,
                      int          *status)
{
  g_autoptr(EvoxSsrmOptions) options = evox_ssrm_options_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  double voxel_size[3];
  gboolean ssrm, lateral_known;
  const char *unused;
  EvoxFormat format = EVOX_FORMAT_UNKNOWN;
  guint bin = 1;

  if (!parse_nm (input->dz, "--dz", EVOX_SSRM_DEFAULT_DZ_NM, &options->dz_nm, status) ||
      !parse_nm (input->pixel_size, "--pixel-size", 0, &options->pixel_size_nm, status))
    return NULL;
  if (input->voxel_size != NULL &&
      !evox_units_parse_voxel_size (input->voxel_size, voxel_size, &error))
    {
      *status = _evox_cli_usage_error (NULL, "--voxel-size: %s", error->message);
      return NULL;
    }
  if (input->scale != NULL)
    {
      if (g_str_equal (input->scale, "log10"))
        options->scale = EVOX_SCALE_LOG10;
      else if (g_str_equal (input->scale, "linear"))
        options->scale = EVOX_SCALE_LINEAR;
      else
        {
          *status = _evox_cli_error (EVOX_EXIT_USAGE, "--scale must be log10 or linear, not '%s'",
                                     input->scale);
          return NULL;
        }
    }

  if (!_evox_cli_parse_bin (input->bin, &bin, status))
    return NULL;

  ssrm = input->demo && !input->demo_xanes;
  if (!input->demo)
    {
      format = evox_detect_format (path, &error);

      if (format == EVOX_FORMAT_UNKNOWN)
        {
          *status = _evox_cli_input_error (error);
          return NULL;
        }
      ssrm = format == EVOX_FORMAT_SSRM_TABLE;
    }
  /* Only the image-stack readers bin; elsewhere --bin would be silently ignored. */
  if (bin > 1 && format != EVOX_FORMAT_XRADIA && format != EVOX_FORMAT_HDF5 &&
      format != EVOX_FORMAT_SPECTRAL)
    {
      *status = _evox_cli_error (EVOX_EXIT_USAGE, "--bin applies to Xradia, HDF5 and spectral "
                                 "sets, not to %s", _evox_cli_input_name (input, path));
      return NULL;
    }
  unused = ssrm && !input->demo ? NULL : first_ssrm_option (input, ssrm);
  if (unused != NULL)
    {
      *status = _evox_cli_error (EVOX_EXIT_USAGE, "%s reads SSRM tables and does not apply to "
                                 "%s%s", unused, _evox_cli_input_name (input, path),
                                 g_str_equal (unused, "--pixel-size")
                                   ? " (set its voxel size with --voxel-size)" : "");
      return NULL;
    }
  if (ssrm && input->voxel_size != NULL && input->pixel_size != NULL)
    {
      *status = _evox_cli_usage_error (NULL, "--voxel-size and --pixel-size both set the "
                                       "pixel size of an SSRM table: give one");
      return NULL;
    }

  if (ssrm && input->voxel_size != NULL && strchr (input->voxel_size, ',') != NULL &&
      fabs (voxel_size[2] - options->dz_nm) > 1e-9 * options->dz_nm)
    {
      *status = _evox_cli_usage_error (NULL, "--voxel-size: the z size of an SSRM stack is "
                                       "its layer step, --dz (%g nm)", options->dz_nm);
      return NULL;
    }

  options->x_column = g_strdup (input->x_column);
  options->y_column = g_strdup (input->y_column);
  for (guint i = 0; input->values != NULL && input->values[i] != NULL; i++)
    g_ptr_array_add (options->values, g_strdup (input->values[i]));

  if (input->demo_xanes)
    {
      EvoxXanesPhantomParams phantom;

      evox_xanes_phantom_params_init (&phantom);
      volume = evox_xanes_phantom_new (&phantom, NULL, &error);
    }
  else if (input->demo)
    volume = evox_demo_volume_new (options->dz_nm);
  else
    {
      EvoxLoadOptions load = { .ssrm = options, .bin = bin };

      volume = evox_volume_load_with (path, &load, NULL, NULL, &error);
    }
  if (volume == NULL)
    {
      *status = error != NULL ? _evox_cli_input_error (error) : EVOX_EXIT_INPUT;
      return NULL;
    }
  _evox_cli_print_load_warnings (volume);
  if (!input->reads_reduced)
    _evox_cli_warn_reduced (volume, _evox_cli_input_name (input, path), NULL);

  if (ssrm)
    {
      double spacing[3];

      /* The depths of an SSRM table are nm in the file; only the lateral size can be missing. The
       * layer step stays --dz: --voxel-size gives the pixel's x and y. */
      evox_volume_get_spacing (volume, spacing);
      lateral_known = input->demo || input->pixel_size != NULL;
      if (input->demo && input->pixel_size != NULL)
        {
          /* The demo is built with 1 nm pixels; a pixel size given for it replaces that. */
          spacing[0] = spacing[1] = options->pixel_size_nm;
          evox_volume_set_spacing (volume, spacing);
        }
      if (input->voxel_size != NULL)
        {
          spacing[0] = voxel_size[0];
          spacing[1] = voxel_size[1];
          evox_volume_set_spacing (volume, spacing);
          lateral_known = TRUE;
        }
      evox_volume_set_spacing_known (volume, lateral_known);
    }
  else if (input->voxel_size != NULL)
    {
      /* --voxel-size is the file's; a volume held at 1:S has voxels S of them a side. */
      for (int i = 0; i < 3; i++)
        voxel_size[i] *= evox_volume_get_reduction (volume);
      evox_volume_set_spacing (volume, voxel_size);
    }

  *status = EVOX_EXIT_OK;
  return g_steal_pointer (&volume);
}

/**
 * _evox_cli_warn_reduced:
 * @name: the file as the user named it
 * @what: (nullable): what is of the reduced volume, after "and "; NULL: "what follows is
 *   computed at 1:S"
 *
 * For a volume held at 1:S, the line on stderr that says so; nothing for a volume held whole.
 * One write, so samples run at the same time do not mix it.
 */
void
_evox_cli_warn_reduced (EvoxVolume *volume,
                        const char *name,
                        const char *what)
{
  guint s = evox_volume_get_reduction (volume);
  g_autofree char *cap = NULL;
  g_autofree char *follows = NULL;

  if (s <= 1)
    return;
  cap = g_format_size_full (evox_memory_cap (), G_FORMAT_SIZE_IEC_UNITS);
  if (what == NULL)
    what = follows = g_strdup_printf ("what follows is computed at 1:%u", s);
  /* Nothing else on the terminal would say that the numbers are of block means. */
  fprintf (stderr, "evox: warning: %s is larger than the memory cap (%s, EVOX_MEMORY_LIMIT): "
           "it is held at 1:%u (the %s of %u x %u x %u blocks), and %s\n", name, cap, s,
           evox_volume_get_reduction_kind (volume), s, s, s, what);
}

/**
 * _evox_cli_format_number:
 * @single: the value is a float: print the shortest text that reads back as the same float
 *
 * Shortest round-trip text, so numbers compare equal after parsing and stay readable.
 */
char *
_evox_cli_format_number (double   value,
                         gboolean single)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (value))
    return g_strdup ("nan");
  if (isinf (value))
    return g_strdup (value > 0 ? "inf" : "-inf");
  for (int digits = single ? 6 : 15; digits <= 17; digits++)
    {
      double back;
      char format[8];
      g_snprintf (format, sizeof format, "%%.%dg", digits);
      g_ascii_formatd (buffer, sizeof buffer, format, value);
      back = g_ascii_strtod (buffer, NULL);
      if (single ? (float) back == (float) value : back == value)
        break;
      if (single && digits == 9)
        break;
    }
  return g_strdup (buffer);
}

int
_evox_cli_find_channel (EvoxVolume *volume,
                        const char *channel,
                        int        *status)
{
  int c = channel != NULL ? evox_volume_find_channel (volume, channel) : 0;

  if (c < 0)
    {
      fprintf (stderr, "%s: no channel '%s' (the volume has %u)\n", g_get_prgname (), channel,
               evox_volume_get_n_channels (volume));
      *status = EVOX_EXIT_USAGE;
    }
  return c;
}
