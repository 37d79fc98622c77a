/* evox-cli-apply-steps.c: `evox apply` running a session's subcommand records (registration,
 * XANES and elemental maps, reconstruction, metrics) as the subcommands that made them. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "evox-cli-apply-steps.h"
#include "evox-csv.h"
#include "evox-json.h"
#include "evox-xanes.h"

/* Where one run of a record writes: the sample's folder, the name of its outputs there, and
 * whether it reads the stack the registration step wrote (a window's maps of the registered
 * stack), which --register must then not register again. */
typedef struct
{
  const char *folder;
  const char *stem;
  gboolean    registered;
} StepOut;

/* The command line of one record: the subcommand's options and its outputs in the sample's
 * folder (args), and whether it reads with the common reading options (EvoxCliInput). */
typedef gboolean (*StepArgsFunc) (JsonObject     *record,
                                  const StepOut  *out,
                                  GPtrArray      *args,
                                  GError        **error);

typedef struct
{
  const char   *key;        /* the session's record, and the name of the files it writes */
  const char   *command;
  const char   *own;        /* the record the subcommand's own session holds */
  const char   *stem;       /* its outputs' name; NULL: the run's name (key, key-2...) */
  gboolean      reading;    /* takes --voxel-size, SSRM options and --bin */
  gboolean      window;     /* the window's maps: of the stack shown, registered or raw */
  StepArgsFunc  args;
} Step;

/* Numbers as the shortest text that reads back as the same double, so the subcommand gets
 * exactly the recorded value. */
static char *
format_number (double value)
{
  GString *text = g_string_new (NULL);

  evox_csv_append_double (text, value);
  return g_string_free (text, FALSE);
}

static void
add_arg (GPtrArray  *args,
         const char *option,
         char       *value)
{
  g_ptr_array_add (args, g_strdup (option));
  if (value != NULL)
    g_ptr_array_add (args, value);
}

/* --KEY VALUE for each of keys (NULL-terminated) that the record holds as a string: the
 * options recorded as typed. */
static void
add_words (JsonObject         *record,
           const char * const *keys,
           GPtrArray          *args)
{
  for (guint i = 0; keys[i] != NULL; i++)
    if (evox_json_get_string (record, keys[i]) != NULL)
      {
        g_ptr_array_add (args, g_strconcat ("--", keys[i], NULL));
        g_ptr_array_add (args, g_strdup (evox_json_get_string (record, keys[i])));
      }
}

static gboolean
invalid (GError    **error,
         const char *key,
         const char *what)
{
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
               _("the session's “%s” record has no valid “%s”"), key, what);
  return FALSE;
}

/* The output's name for a recorded "output" kind: NAME.h5, NAME.tif, or the folder NAME/. */
static char *
output_path (JsonObject    *record,
             const StepOut *out)
{
  const char *kind = evox_json_get_string (record, "output");
  g_autofree char *file = NULL;

  if (g_strcmp0 (kind, "folder") == 0)
    return g_strconcat (out->folder, G_DIR_SEPARATOR_S, out->stem, G_DIR_SEPARATOR_S, NULL);
  file = g_strconcat (out->stem, g_strcmp0 (kind, "tiff") == 0 ? ".tif" : ".h5", NULL);
  return g_build_filename (out->folder, file, NULL);
}

/* --phase/--surface NAME=LO:HI of each recorded {name, range}. */
static gboolean
add_phases (JsonArray  *phases,
            const char *option,
            GPtrArray  *args,
            GError    **error)
{
  for (guint i = 0; phases != NULL && i < json_array_get_length (phases); i++)
    {
      JsonNode *node = json_array_get_element (phases, i);
      JsonObject *phase = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonArray *range = evox_json_get_array (phase, "range");
      const char *name = evox_json_get_string (phase, "name");
      g_autofree char *lo = NULL, *hi = NULL;

      if (name == NULL || range == NULL || json_array_get_length (range) != 2)
        return invalid (error, "metrics", option + 2);
      lo = format_number (json_array_get_double_element (range, 0));
      hi = format_number (json_array_get_double_element (range, 1));
      add_arg (args, option, g_strdup_printf ("%s=%s:%s", name, lo, hi));
    }
  return TRUE;
}

/* option WORD,WORD,... of an array of strings (nothing for an empty or missing one). */
static gboolean
add_list (JsonArray   *words,
          const char  *option,
          GPtrArray   *args,
          GError     **error)
{
  g_autoptr (GString) list = g_string_new (NULL);

  for (guint i = 0; words != NULL && i < json_array_get_length (words); i++)
    {
      const char *word = json_array_get_string_element (words, i);

      if (word == NULL)
        return invalid (error, "metrics", option + 2);
      g_string_append_printf (list, "%s%s", i > 0 ? "," : "", word);
    }
  if (list->len > 0)
    add_arg (args, option, g_strdup (list->str));
  return TRUE;
}

static gboolean
registration_args (JsonObject     *record,
                   const StepOut  *out,
                   GPtrArray      *args,
                   GError        **error)
{
  JsonArray *exclude = evox_json_get_array (record, "exclude-ev");
  const char *scale = evox_json_get_string (record, "scale");
  double reference;

  if (evox_json_get_number (record, "reference-ev", &reference))
    add_arg (args, "--reference", format_number (reference));
  if (scale != NULL)
    add_arg (args, "--scale", g_strdup (scale));
  if (exclude != NULL && json_array_get_length (exclude) > 0)
    {
      GString *list = g_string_new (NULL);

      for (guint i = 0; i < json_array_get_length (exclude); i++)
        {
          g_autofree char *energy = format_number (json_array_get_double_element (exclude, i));

          g_string_append_printf (list, "%s%s", i > 0 ? "," : "", energy);
        }
      add_arg (args, "--exclude", g_string_free (list, FALSE));
    }
  /* Always: its rows give the summary's quality columns through the sample's session. */
  add_arg (args, "--report", g_build_filename (out->folder, "registration.csv", NULL));
  add_arg (args, "-o", output_path (record, out));
  return TRUE;
}

/* option LO:HI, or LO:end for a range to the last energy (hi NaN). */
static void
add_range (GPtrArray  *args,
           const char *option,
           double      lo,
           double      hi)
{
  g_autofree char *lo_text = format_number (lo);
  g_autofree char *hi_text = isfinite (hi) ? format_number (hi) : g_strdup ("end");

  add_arg (args, option, g_strdup_printf ("%s:%s", lo_text, hi_text));
}

/* --nnorm (a number; "auto" is no number), --step-sigma and --no-norm of a XANES record's
 * keys (norm, the normalised stack, norm_default when not said), then -o. */
static void
add_xanes_end (JsonObject    *record,
               const char    *nnorm_key,
               const char    *sigma_key,
               gboolean       norm_default,
               const StepOut *out,
               GPtrArray     *args)
{
  double value;

  if (evox_json_get_number (record, nnorm_key, &value))
    add_arg (args, "--nnorm", g_strdup_printf ("%d", (int) value));
  if (evox_json_get_number (record, sigma_key, &value))
    add_arg (args, "--step-sigma", format_number (value));
  if (!evox_json_get_boolean (record, "norm", norm_default))
    add_arg (args, "--no-norm", NULL);
  add_arg (args, "-o", output_path (record, out));
}

static gboolean
xanes_args (JsonObject     *record,
            const StepOut  *out,
            GPtrArray      *args,
            GError        **error)
{
  static const char *const ranges[][2] = { { "pre-ev", "--pre" }, { "post-ev", "--post" } };
  const char *edge = evox_json_get_string (record, "edge");
  double value;

  if (edge != NULL)
    add_arg (args, "--edge", g_strdup (edge));
  if (evox_json_get_number (record, "e0-ev", &value))
    add_arg (args, "--e0", format_number (value));
  for (guint r = 0; r < G_N_ELEMENTS (ranges); r++)
    {
      JsonArray *range = evox_json_get_array (record, ranges[r][0]);
      guint n = range != NULL ? json_array_get_length (range) : 0;

      if (range == NULL)
        continue;
      /* One number: a post-edge to the last energy. */
      if (n != 2 && !(n == 1 && r == 1))
        return invalid (error, "xanes", ranges[r][0]);
      add_range (args, ranges[r][1], json_array_get_double_element (range, 0),
                 n == 2 ? json_array_get_double_element (range, 1) : NAN);
    }
  if (evox_json_get_boolean (record, "register", FALSE))
    add_arg (args, "--register", NULL);
  add_xanes_end (record, "nnorm", "step-sigma", TRUE, out, args);
  return TRUE;
}

/* The window's "xanes-maps" record, what evox_xanes_maps wrote in the maps' metadata (e0 on its
 * energy, edge, pre1, pre2, norm1, norm2 unless to the last energy, nnorm as used, mask_k) and
 * norm, as `evox xanes` options: the numbers the window computes its maps again with, E0 given
 * so it is not searched for again. What the record lacks is the kernel's default, as in the
 * window. */
static gboolean
xanes_maps_args (JsonObject     *record,
                 const StepOut  *out,
                 GPtrArray      *args,
                 GError        **error)
{
  EvoxXanesParams params;
  double value;

  evox_xanes_params_init (&params);
  if (evox_json_get_number (record, "e0", &value))
    add_arg (args, "--e0", format_number (value));
  if (evox_json_get_number (record, "edge", &value))
    add_arg (args, "--edge", format_number (value));
  evox_json_get_number (record, "pre1", &params.pre1);
  evox_json_get_number (record, "pre2", &params.pre2);
  evox_json_get_number (record, "norm1", &params.norm1);
  evox_json_get_number (record, "norm2", &params.norm2);
  add_range (args, "--pre", params.pre1, params.pre2);
  add_range (args, "--post", params.norm1, params.norm2);
  add_xanes_end (record, "nnorm", "mask_k", FALSE, out, args);
  return TRUE;
}

static gboolean
elements_args (JsonObject     *record,
               const StepOut  *out,
               GPtrArray      *args,
               GError        **error)
{
  static const char *const words[] = { "element", "method", "matrix", "values", NULL };
  JsonArray *pairs = evox_json_get_array (record, "pairs");

  add_words (record, words, args);
  for (guint i = 0; pairs != NULL && i < json_array_get_length (pairs); i++)
    {
      const char *pair = json_array_get_string_element (pairs, i);

      if (pair == NULL)
        return invalid (error, "elements", "pairs");
      add_arg (args, "--pair", g_strdup (pair));
    }
  if (evox_json_get_boolean (record, "register", FALSE) && !out->registered)
    add_arg (args, "--register", NULL);
  add_arg (args, "-o", output_path (record, out));
  return TRUE;
}

static gboolean
reconstruction_args (JsonObject     *record,
                     const StepOut  *out,
                     GPtrArray      *args,
                     GError        **error)
{
  static const char *const words[] = { "align", "center", "algorithm", "filter", NULL };
  double bin;

  add_words (record, words, args);
  if (evox_json_get_number (record, "bin", &bin))
    add_arg (args, "--bin", g_strdup_printf ("%.0f", bin));
  if (!evox_json_get_boolean (record, "fsc", TRUE))
    add_arg (args, "--no-fsc", NULL);
  if (evox_json_get_boolean (record, "report", FALSE))
    add_arg (args, "--report", g_build_filename (out->folder, "reconstruction.csv", NULL));
  add_arg (args, "-o", output_path (record, out));
  return TRUE;
}

static gboolean
metrics_args (JsonObject     *record,
              const StepOut  *out,
              GPtrArray      *args,
              GError        **error)
{
  JsonArray *axes = evox_json_get_array (record, "tortuosity");
  JsonArray *phase = evox_json_get_array (record, "phase");
  const char *thickness = evox_json_get_string (record, "thickness");
  double value;

  if (phase == NULL || json_array_get_length (phase) == 0)
    return invalid (error, "metrics", "phase");
  if (!add_phases (phase, "--phase", args, error) ||
      !add_phases (evox_json_get_array (record, "surface"), "--surface", args, error))
    return FALSE;
  if (evox_json_get_array (record, "surface") != NULL &&
      json_array_get_length (evox_json_get_array (record, "surface")) > 0 &&
      !add_list (evox_json_get_array (record, "surface-method"), "--surface-method", args,
                 error))
    return FALSE;
  if (evox_json_get_number (record, "channel", &value))
    add_arg (args, "--channel", g_strdup_printf ("%.0f", value));
  if (axes != NULL && json_array_get_length (axes) > 0)
    {
      if (!add_list (axes, "--tortuosity", args, error))
        return FALSE;
      if (evox_json_get_number (record, "tolerance", &value))
        add_arg (args, "--tolerance", format_number (value));
      if (evox_json_get_array (record, "second") != NULL)
        {
          if (!evox_json_get_number (record, "second-diffusivity", &value))
            return invalid (error, "metrics", "second-diffusivity");
          if (!add_phases (evox_json_get_array (record, "second"), "--second", args, error))
            return FALSE;
          add_arg (args, "--second-diffusivity", format_number (value));
        }
    }
  if (evox_json_get_boolean (record, "percolation", FALSE))
    {
      add_arg (args, "--percolation", NULL);
      if (evox_json_get_number (record, "connectivity", &value))
        add_arg (args, "--connectivity", g_strdup_printf ("%.0f", value));
    }
  if (g_strcmp0 (thickness, "map") == 0)
    add_arg (args, "--thickness", g_build_filename (out->folder, "thickness.tif", NULL));
  else if (g_strcmp0 (thickness, "sizes") == 0)
    add_arg (args, "--sizes", NULL);
  if (evox_json_get_boolean (record, "fields", FALSE))
    add_arg (args, "--fields", g_build_filename (out->folder, "fields.tif", NULL));
  add_arg (args, "--csv", g_build_filename (out->folder, "metrics.csv", NULL));
  return TRUE;
}

static gboolean
figure_args (JsonObject     *record,
             const StepOut  *out,
             GPtrArray      *args,
             GError        **error)
{
  JsonArray *options = evox_json_get_array (record, "options");
  const char *format = evox_json_get_string (record, "format");
  g_autofree char *name = NULL;

  if (format == NULL || strpbrk (format, "/\\.") != NULL)
    return invalid (error, "figure", "format");
  for (guint i = 0; options != NULL && i < json_array_get_length (options); i++)
    {
      const char *option = json_array_get_string_element (options, i);

      if (option == NULL)
        return invalid (error, "figure", "options");
      g_ptr_array_add (args, g_strdup (option));
    }
  /* Its --slice and --ruler count the file's voxels, whatever scale the sample is held at. */
  if (g_strcmp0 (evox_json_get_string (record, "voxel-indices"), "file") == 0)
    add_arg (args, "--file-indices", NULL);
  name = g_strconcat ("figure.", format, NULL);
  add_arg (args, "-o", g_build_filename (out->folder, name, NULL));
  return TRUE;
}

#define FOLDER_MARK "\x01"

/* The window's XANES and elemental maps ("xanes-maps", "elements-maps") run as `evox xanes`
 * and `evox elements` with the settings they record, after the subcommands' own records. */
static const Step steps[] = {
  { "registration", "register", "registration", "registered", FALSE, FALSE, registration_args },
  { "xanes", "xanes", "xanes", "xanes", TRUE, FALSE, xanes_args },
  { "elements", "elements", "elements", "elements", TRUE, FALSE, elements_args },
  { "xanes-maps", "xanes", "xanes", NULL, TRUE, TRUE, xanes_maps_args },
  { "elements-maps", "elements", "elements", NULL, TRUE, TRUE, elements_args },
  { "reconstruction", "reconstruct", "reconstruction", "reconstruction", FALSE, FALSE,
    reconstruction_args },
  { "metrics", "metrics", "metrics", "metrics", TRUE, FALSE, metrics_args },
  { "figure", "render", "figure", "figure", TRUE, FALSE, figure_args },
};

static JsonObject *
record_of (JsonObject *root,
           const Step *step)
{
  JsonNode *node = json_object_get_member (root, step->key);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* A record's run's name: the key, or key-1, key-2... for the runs of "elements-maps" (each
 * Compute Elements whose maps the window held, evox_session_elements_runs). */
static char *
run_name (const Step *step,
          guint       run,
          guint       n_runs)
{
  return n_runs == 1 ? g_strdup (step->key) : g_strdup_printf ("%s-%u", step->key, run + 1);
}

/* Whether the window's maps were of the registered stack: the session registers (the
 * registration step writes it into the sample's folder) and showed the registered stack, and
 * the record says so where it can ("register" of "elements-maps"). */
static gboolean
of_registered (JsonObject *root,
               const Step *step,
               JsonObject *record)
{
  JsonObject *registration = evox_json_get_object (root, "registration");

  return step->window && registration != NULL &&
         g_strcmp0 (evox_json_get_string (registration, "view"), "raw") != 0 &&
         evox_json_get_boolean (record, "register", TRUE);
}

gboolean
_evox_cli_steps_any (JsonObject *root)
{
  for (guint s = 0; s < G_N_ELEMENTS (steps); s++)
    if (record_of (root, &steps[s]) != NULL)
      return TRUE;
  return FALSE;
}

void
_evox_cli_steps_add_outputs (JsonObject *root,
                             GPtrArray  *names)
{
  for (guint s = 0; s < G_N_ELEMENTS (steps); s++)
    {
      JsonObject *record = record_of (root, &steps[s]);
      g_autoptr (GPtrArray) runs = NULL;

      if (record == NULL)
        continue;
      runs = evox_session_elements_runs (record);
      for (guint r = 0; r < runs->len; r++)
        {
          g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
          g_autofree char *name = run_name (&steps[s], r, runs->len);
          StepOut out = { FOLDER_MARK, steps[s].stem != NULL ? steps[s].stem : name,
                          of_registered (root, &steps[s], record) };

          g_ptr_array_add (names, g_strconcat (name, ".evox", NULL));
          g_ptr_array_add (names, g_strconcat (name, ".txt", NULL));
          /* The files named on its command line, in a folder named by a byte no path has. */
          if (!steps[s].args (runs->pdata[r], &out, args, NULL))
            continue;
          for (guint i = 0; i < args->len; i++)
            if (g_str_has_prefix (args->pdata[i], FOLDER_MARK G_DIR_SEPARATOR_S))
              g_ptr_array_add (names, g_strdup ((const char *) args->pdata[i] +
                                                strlen (FOLDER_MARK G_DIR_SEPARATOR_S)));
        }
    }
}

/* The reading options the session recorded, as the subcommands take them. */
static void
add_reading (EvoxSession *session,
             gboolean     common,
             GPtrArray   *args)
{
  g_autoptr (EvoxSsrmOptions) ssrm = NULL;
  JsonArray *size = evox_json_get_array (evox_session_get_root (session), "voxel-size-nm");
  guint bin = 1;

  evox_session_get_load_options (session, &ssrm, &bin);
  if (bin > 1)
    add_arg (args, "--bin", g_strdup_printf ("%u", bin));
  if (!common)
    return;
  /* An SSRM table's voxel size is its pixel size and layer step, given below. */
  if (ssrm == NULL && size != NULL && json_array_get_length (size) == 3)
    {
      g_autofree char *x = format_number (json_array_get_double_element (size, 0));
      g_autofree char *y = format_number (json_array_get_double_element (size, 1));
      g_autofree char *z = format_number (json_array_get_double_element (size, 2));

      add_arg (args, "--voxel-size", g_strdup_printf ("%s,%s,%snm", x, y, z));
    }
  if (ssrm == NULL)
    return;
  add_arg (args, "--dz", format_number (ssrm->dz_nm));
  if (ssrm->pixel_size_nm > 0.0)
    add_arg (args, "--pixel-size", format_number (ssrm->pixel_size_nm));
  if (ssrm->x_column != NULL)
    add_arg (args, "--x", g_strdup (ssrm->x_column));
  if (ssrm->y_column != NULL)
    add_arg (args, "--y", g_strdup (ssrm->y_column));
  for (guint i = 0; ssrm->values != NULL && i < ssrm->values->len; i++)
    add_arg (args, "--value", g_strdup (ssrm->values->pdata[i]));
  add_arg (args, "--scale", g_strdup (ssrm->scale == EVOX_SCALE_LOG10 ? "log10" : "linear"));
}

/* The subcommand's one line on stderr, without "evox: " or "evox COMMAND: ", as the sample's
 * reason. */
static char *
last_line (const char *text,
           const char *command)
{
  g_autofree char *own = g_strdup_printf ("evox %s: ", command);

  g_auto (GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);

  for (int i = (int) g_strv_length (lines) - 1; i >= 0; i--)
    {
      const char *line = g_strstrip (lines[i]);

      if (g_str_has_prefix (line, "evox: "))
        line += strlen ("evox: ");
      else if (g_str_has_prefix (line, own))
        line += strlen (own);
      if (*line != '\0')
        return g_strdup (line);
    }
  return g_strdup (_("failed without a message"));
}

/* What a subcommand that succeeded said on stderr (what its reader left out, a residual
 * shift), on apply's stderr as "evox: FILE: evox COMMAND: ..." lines, in one write so samples
 * run at the same time do not mix within a line. */
static void
forward_warnings (const char *text,
                  const char *file,
                  const char *command)
{
  g_auto (GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  g_autoptr (GString) said = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strstrip (lines[i]);

      if (g_str_has_prefix (line, "evox: "))
        line += strlen ("evox: ");
      if (*line != '\0')
        g_string_append_printf (said, "evox: %s: evox %s: %s\n", file, command, line);
    }
  if (said->len > 0)
    fputs (said->str, stderr);
}

/* Each number of object as a "PREFIX NAME" column. */
static void
add_number_columns (JsonObject *object,
                    const char *prefix,
                    GPtrArray  *columns,
                    GPtrArray  *values)
{
  g_autoptr (GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    {
      double value;

      if (!evox_json_get_number (object, l->data, &value))
        continue;
      g_ptr_array_add (columns, g_strdup_printf ("%s %s", prefix, (const char *) l->data));
      g_ptr_array_add (values, format_number (value));
    }
}

/* The numbers of the record own's "result" in the sample's session, as "NAME KEY" columns (NAME
 * the run's), and those of its "elements" one per element, "NAME ELEMENT KEY". */
static void
add_result_columns (const char *path,
                    const char *own,
                    const char *name,
                    GPtrArray  *columns,
                    GPtrArray  *values)
{
  g_autoptr (EvoxSession) session = evox_session_load (path, NULL);
  JsonObject *result;
  JsonArray *elements;

  if (session == NULL)
    return;
  result = evox_json_get_object (evox_json_get_object (evox_session_get_root (session), own),
                                 "result");
  if (result == NULL)
    return;
  add_number_columns (result, name, columns, values);
  elements = evox_json_get_array (result, "elements");
  for (guint i = 0; elements != NULL && i < json_array_get_length (elements); i++)
    {
      JsonNode *node = json_array_get_element (elements, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      g_autofree char *prefix = NULL;

      if (evox_json_get_string (entry, "element") == NULL)
        continue;
      prefix = g_strdup_printf ("%s %s", name, evox_json_get_string (entry, "element"));
      add_number_columns (entry, prefix, columns, values);
    }
}

/* metrics.csv (metric,phase,axis,value,unit) as "metrics METRIC PHASE[ AXIS]" columns, the
 * values as the file has them. */
static gboolean
add_metrics_columns (const char *path,
                     GPtrArray  *columns,
                     GPtrArray  *values,
                     GError    **error)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents (path, &text, NULL, error))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto (GStrv) fields = g_strsplit (lines[i], ",", -1);

      if (g_strv_length (fields) != 5)
        continue;
      g_ptr_array_add (columns, g_strdup_printf ("metrics %s %s%s%s", fields[0], fields[1],
                                                 *fields[2] != '\0' ? " " : "", fields[2]));
      g_ptr_array_add (values, g_strdup (fields[3]));
    }
  return TRUE;
}

/* NUL-terminated, "" for no bytes (g_strndup gives NULL for an empty GBytes' NULL data). */
static char *
bytes_to_text (GBytes *bytes)
{
  gsize size = 0;
  const char *data = bytes != NULL ? g_bytes_get_data (bytes, &size) : NULL;

  return size > 0 ? g_strndup (data, size) : g_strdup ("");
}

static char *
own_executable (GError **error)
{
  char *path = g_file_read_link ("/proc/self/exe", error);

  if (path == NULL)
    g_prefix_error (error, _("cannot run the subcommands again: "));
  return path;
}

/* One run of a record: the subcommand that made it, as a process of this evox (self), on file
 * or, for the window's maps of the registered stack, on what the registration step wrote. */
static gboolean
run_step (EvoxSession  *session,
          const Step   *step,
          JsonObject   *record,
          JsonObject   *run,
          guint         index,
          guint         n_runs,
          const char   *self,
          const char   *file,
          const char   *folder,
          gboolean      force,
          GPtrArray    *columns,
          GPtrArray    *values,
          GCancellable *cancellable,
          GError      **error)
{
  JsonObject *root = evox_session_get_root (session);
  g_autofree char *run_id = run_name (step, index, n_runs);
  g_autofree char *name = g_strconcat (run_id, ".evox", NULL);
  g_autofree char *own_session = g_build_filename (folder, name, NULL);
  g_autofree char *out = NULL, *err = NULL, *reason = NULL, *log = NULL;
  g_autofree char *log_name = g_strconcat (run_id, ".txt", NULL);
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GBytes) out_bytes = NULL, err_bytes = NULL;
  StepOut where = { folder, step->stem != NULL ? step->stem : run_id,
                    of_registered (root, step, record) };

  g_ptr_array_add (args, g_strdup (self));
  g_ptr_array_add (args, g_strdup (step->command));
  if (where.registered)
    {
      /* Read as `evox register` wrote it: binned and with its voxel size already. */
      StepOut registered = { folder, "registered", FALSE };

      g_ptr_array_add (args, output_path (evox_json_get_object (root, "registration"),
                                          &registered));
    }
  else
    {
      g_ptr_array_add (args, g_strdup (file));
      add_reading (session, step->reading, args);
    }
  if (!step->args (run, &where, args, error))
    return FALSE;
  add_arg (args, "--session", g_strdup (own_session));
  if (force)
    add_arg (args, "--force", NULL);
  g_ptr_array_add (args, NULL);
  process = g_subprocess_newv ((const char * const *) args->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
  if (process == NULL)
    return FALSE;
  /* Bytes, not _utf8: a file name the subcommand prints need not be UTF-8. */
  if (!g_subprocess_communicate (process, NULL, cancellable, &out_bytes, &err_bytes, error))
    {
      /* Interrupted: the subcommand goes before the caller removes what it wrote. */
      g_subprocess_force_exit (process);
      g_subprocess_wait (process, NULL, NULL);
      return FALSE;
    }
  out = bytes_to_text (out_bytes);
  err = bytes_to_text (err_bytes);
  if (!g_spawn_check_wait_status (g_subprocess_get_status (process), NULL))
    {
      reason = last_line (err, step->command);
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "evox %s: %s", step->command,
                   reason);
      return FALSE;
    }
  forward_warnings (err, file, step->command);
  log = g_build_filename (folder, log_name, NULL);
  if (*out != '\0' && !evox_csv_write_text (log, out, strlen (out), force, error))
    return FALSE;
  add_result_columns (own_session, step->own, run_id, columns, values);
  if (g_str_equal (step->key, "metrics"))
    {
      g_autofree char *csv = g_build_filename (folder, "metrics.csv", NULL);

      if (!add_metrics_columns (csv, columns, values, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
_evox_cli_steps_run (EvoxSession *session,
                     const char  *file,
                     const char  *folder,
                     gboolean     force,
                     GPtrArray   *columns,
                     GPtrArray   *values,
                     GCancellable *cancellable,
                     GError     **error)
{
  JsonObject *root = evox_session_get_root (session);
  g_autofree char *self = NULL;

  if (!_evox_cli_steps_any (root))
    return TRUE;
  self = own_executable (error);
  if (self == NULL)
    return FALSE;
  for (guint s = 0; s < G_N_ELEMENTS (steps); s++)
    {
      JsonObject *record = record_of (root, &steps[s]);
      g_autoptr (GPtrArray) runs = NULL;

      if (record == NULL)
        continue;
      runs = evox_session_elements_runs (record);
      for (guint r = 0; r < runs->len; r++)
        if (!run_step (session, &steps[s], record, runs->pdata[r], r, runs->len, self, file,
                       folder, force, columns, values, cancellable, error))
          return FALSE;
    }
  return TRUE;
}
