/* evox-cli-elements.c: `evox elements`, elemental maps of a spectral stack from edge-jump pairs or
 * a non-negative fit over all its energies, with a summary per element. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "evox-cli-maps.h"
#include "evox-methods.h"

typedef struct
{
  char     *elements;
  GStrv     pairs;
  char     *method;
  char     *matrix;
  char     *output;
  char     *values;
  char     *session;
  gboolean  do_register;
  gboolean  force;
  gboolean  provenance;
} Options;

static void
options_clear (Options *o)
{
  g_clear_pointer (&o->elements, g_free);
  g_clear_pointer (&o->pairs, g_strfreev);
  g_clear_pointer (&o->method, g_free);
  g_clear_pointer (&o->matrix, g_free);
  g_clear_pointer (&o->output, g_free);
  g_clear_pointer (&o->values, g_free);
  g_clear_pointer (&o->session, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EvoxElementsParams, evox_elements_params_clear)

static int
find_element (const EvoxElementsParams *params,
              int                       z)
{
  for (guint i = 0; i < params->n_elements; i++)
    if (params->edges[i].z == z)
      return (int) i;
  return -1;
}

/* An element for OPTION: a symbol (its K edge) or ELEMENT_SHELL, not a bare energy. */
static gboolean
parse_element (const char *option,
               const char *text,
               EvoxEdge   *edge,
               int        *status)
{
  g_autoptr(GError) error = NULL;

  if (!evox_edge_parse (text, edge, &error))
    {
      *status = _evox_cli_usage_error (NULL, "%s %s: %s", option, text, error->message);
      return FALSE;
    }
  if (edge->z <= 0)
    {
      *status = _evox_cli_usage_error (NULL, "%s %s: name an element (Ni, or Ni_K), not an "
                                       "energy", option, text);
      return FALSE;
    }
  return TRUE;
}

static gboolean
add_element (EvoxElementsParams *params,
             const char         *option,
             const char         *text,
             const EvoxEdge     *edge,
             int                *status)
{
  if (params->n_elements == EVOX_ELEMENTS_MAX)
    {
      *status = _evox_cli_usage_error (NULL, "%s %s: at most %d elements", option, text,
                                       EVOX_ELEMENTS_MAX);
      return FALSE;
    }
  params->edges[params->n_elements] = *edge;
  params->below[params->n_elements] = NAN;
  params->above[params->n_elements] = NAN;
  params->n_elements++;
  return TRUE;
}

static gboolean
parse_elements (const Options      *o,
                EvoxElementsParams *params,
                int                *status)
{
  g_auto(GStrv) parts = NULL;

  if (o->elements == NULL)
    return TRUE;
  parts = g_strsplit (o->elements, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      EvoxEdge edge;
      char *text = g_strstrip (parts[i]);

      if (!parse_element ("--element", text, &edge, status))
        return FALSE;
      if (find_element (params, edge.z) >= 0)
        {
          *status = _evox_cli_usage_error (NULL, "--element %s: %s is named twice", o->elements,
                                           text);
          return FALSE;
        }
      if (!add_element (params, "--element", text, &edge, status))
        return FALSE;
    }
  return TRUE;
}

/* ELEMENT=BELOW:ABOVE, energies in eV bracketing the element's edge; an element not in the list
 * joins it. */
static gboolean
parse_pair (const char         *text,
            EvoxElementsParams *params,
            int                *status)
{
  g_auto(GStrv) sides = g_strsplit (text, "=", 2);
  g_auto(GStrv) energies = NULL;
  double below, above;
  EvoxEdge edge;
  int i;

  if (g_strv_length (sides) != 2 ||
      g_strv_length (energies = g_strsplit (sides[1], ":", -1)) != 2 ||
      !_evox_cli_parse_double (energies[0], &below) ||
      !_evox_cli_parse_double (energies[1], &above))
    {
      *status = _evox_cli_usage_error (NULL, "--pair must be ELEMENT=BELOW:ABOVE in eV (e.g. "
                                       "Ni=8178:8570), not '%s'", text);
      return FALSE;
    }
  if (!parse_element ("--pair", sides[0], &edge, status))
    return FALSE;
  if (!(below < above))
    {
      *status = _evox_cli_usage_error (NULL, "--pair %s: the energies are out of order: BELOW "
                                       "comes first", text);
      return FALSE;
    }
  if (!(below < edge.energy && edge.energy < above))
    {
      g_autofree char *what = evox_edge_describe (&edge);

      *status = _evox_cli_usage_error (NULL, "--pair %s: the energies do not bracket the %s "
                                       "edge", text, what);
      return FALSE;
    }
  i = find_element (params, edge.z);
  if (i < 0)
    {
      if (!add_element (params, "--pair", text, &edge, status))
        return FALSE;
      i = (int) params->n_elements - 1;
    }
  else if (isfinite (params->below[i]))
    {
      *status = _evox_cli_usage_error (NULL, "--pair %s: %s has a pair already", text,
                                       sides[0]);
      return FALSE;
    }
  params->edges[i] = edge;
  params->below[i] = below;
  params->above[i] = above;
  return TRUE;
}

static gboolean
parse_method (const Options      *o,
              EvoxElementsParams *params,
              int                *status)
{
  g_autoptr(GError) error = NULL;

  params->method = EVOX_ELEMENTS_PAIR;
  if (o->method != NULL && g_str_equal (o->method, "fit"))
    params->method = EVOX_ELEMENTS_FIT;
  else if (o->method != NULL && !g_str_equal (o->method, "pair"))
    {
      *status = _evox_cli_usage_error (NULL, "--method must be pair or fit, not '%s'",
                                       o->method);
      return FALSE;
    }
  if (o->matrix == NULL)
    return TRUE;
  if (params->method != EVOX_ELEMENTS_FIT)
    {
      *status = _evox_cli_usage_error (NULL, "--matrix is a term of the fit: add --method fit");
      return FALSE;
    }
  if (isnan (evox_compound_mass_attenuation (o->matrix, 10000.0, &error)))
    {
      *status = _evox_cli_usage_error (NULL, "--matrix %s: %s", o->matrix,
                                       error != NULL ? error->message
                                                     : "xraylib has no cross section for it");
      return FALSE;
    }
  params->matrix = g_strdup (o->matrix);
  return TRUE;
}

/* Each given pair's energies must be the stack's. */
static gboolean
check_pairs (const EvoxElementsParams *params,
             const char               *input,
             const double             *energies,
             guint                     n,
             int                      *status)
{
  for (guint i = 0; i < params->n_elements; i++)
    for (guint side = 0; side < 2 && isfinite (params->below[i]); side++)
      {
        double e = side == 0 ? params->below[i] : params->above[i];
        gboolean found = FALSE;

        for (guint k = 0; k < n; k++)
          found = found || fabs (energies[k] - e) <= EVOX_ELEMENTS_PAIR_MATCH_EV;
        if (!found)
          {
            *status = _evox_cli_error (EVOX_EXIT_USAGE, "--pair %s=%g:%g: %s has no energy %g eV "
                                       "(its energies run from %.1f to %.1f eV)",
                                       evox_element_symbol (params->edges[i].z), params->below[i],
                                       params->above[i], input, e, energies[0], energies[n - 1]);
            return FALSE;
          }
      }
  return TRUE;
}

/* Without --element, the elements evox_elements_guess finds, after those --pair named. */
static gboolean
default_elements (EvoxElementsParams *params,
                  const char         *input,
                  const double       *energies,
                  guint               n,
                  int                *status)
{
  EvoxElementsParams guess;

  evox_elements_params_init (&guess);
  evox_elements_guess (energies, n, &guess);
  for (guint i = 0; i < guess.n_elements && params->n_elements < EVOX_ELEMENTS_MAX; i++)
    if (find_element (params, guess.edges[i].z) < 0)
      add_element (params, "--element", "", &guess.edges[i], status);
  evox_elements_params_clear (&guess);
  if (params->n_elements == 0)
    {
      *status = _evox_cli_error (EVOX_EXIT_USAGE, "%s: no K edge of K to Mo has an energy of the "
                                 "stack at most 200 eV below it and one at most 600 eV above it "
                                 "(its energies run from %.1f to %.1f eV): name the elements with "
                                 "--element", input, energies[0], energies[n - 1]);
      return FALSE;
    }
  return TRUE;
}

static EvoxVolume *
kernel (EvoxVolume     *stack,
        gconstpointer   params,
        EvoxProgress   *progress,
        GCancellable   *cancellable,
        GError        **error)
{
  return evox_elements_maps (stack, params, progress, cancellable, error);
}

/* Each element's map's median and 99th percentile (v[2 i], v[2 i + 1]; NaN without finite
 * values), for the summary and the session. */
static double *
map_percentiles (EvoxVolume               *maps,
                 const EvoxElementsParams *params)
{
  static const double q[] = { 50, 99 };
  double *v = g_new (double, 2 * MAX (params->n_elements, 1));

  for (guint i = 0; i < params->n_elements; i++)
    {
      int channel = evox_volume_find_channel (maps, evox_element_symbol (params->edges[i].z));

      v[2 * i] = v[2 * i + 1] = NAN;
      if (channel >= 0)
        _evox_cli_maps_percentiles (maps, (guint) channel, q, G_N_ELEMENTS (q), v + 2 * i);
    }
  return v;
}

/* The session's "elements" record: the options as given (null where the data chose), and in
 * "result" each element's edge, the pair of energies used and its map's median and 99th
 * percentile ("p99"; left out without finite values), per sample numbers for apply's summary. */
static JsonObject *
elements_record_new (const Options            *o,
                     const EvoxElementsParams *params,
                     EvoxCliMapsKind           kind,
                     const double             *v)
{
  JsonObject *record = _evox_cli_record_new ();
  JsonObject *result = json_object_new ();
  JsonArray *pairs = json_array_new ();
  JsonArray *elements = json_array_new ();

  if (o->elements != NULL)
    json_object_set_string_member (record, "element", o->elements);
  else
    json_object_set_null_member (record, "element");
  for (guint i = 0; o->pairs != NULL && o->pairs[i] != NULL; i++)
    json_array_add_string_element (pairs, o->pairs[i]);
  json_object_set_array_member (record, "pairs", pairs);
  json_object_set_string_member (record, "method",
                                 params->method == EVOX_ELEMENTS_FIT ? "fit" : "pair");
  if (params->matrix != NULL)
    json_object_set_string_member (record, "matrix", params->matrix);
  else
    json_object_set_null_member (record, "matrix");
  if (o->values != NULL)
    json_object_set_string_member (record, "values", o->values);
  else
    json_object_set_null_member (record, "values");
  json_object_set_boolean_member (record, "register", o->do_register);
  json_object_set_string_member (record, "output", kind == EVOX_CLI_MAPS_HDF5 ? "hdf5" : "tiff");

  for (guint i = 0; i < params->n_elements; i++)
    {
      JsonObject *entry = json_object_new ();
      g_autofree char *edge = evox_edge_describe (&params->edges[i]);

      json_object_set_string_member (entry, "element",
                                     evox_element_symbol (params->edges[i].z));
      json_object_set_string_member (entry, "edge", edge);
      json_object_set_double_member (entry, "edge-ev", params->edges[i].energy);
      if (params->method == EVOX_ELEMENTS_PAIR)
        {
          json_object_set_double_member (entry, "below-ev", params->below[i]);
          json_object_set_double_member (entry, "above-ev", params->above[i]);
        }
      if (isfinite (v[2 * i]))
        json_object_set_double_member (entry, "median", v[2 * i]);
      if (isfinite (v[2 * i + 1]))
        json_object_set_double_member (entry, "p99", v[2 * i + 1]);
      json_array_add_object_element (elements, entry);
    }
  json_object_set_array_member (result, "elements", elements);
  json_object_set_object_member (record, "result", result);
  return record;
}

static void
print_summary (EvoxVolume               *maps,
               const EvoxElementsParams *params,
               guint                     n_energies,
               const double             *v)
{
  if (params->method == EVOX_ELEMENTS_FIT)
    printf ("method: fit over %u energies%s%s\n", n_energies,
            params->matrix != NULL ? ", matrix " : "",
            params->matrix != NULL ? params->matrix : "");
  else
    printf ("method: pair\n");
  for (guint i = 0; i < params->n_elements; i++)
    {
      const char *symbol = evox_element_symbol (params->edges[i].z);
      int channel = evox_volume_find_channel (maps, symbol);
      double jump = evox_element_mass_attenuation (params->edges[i].z, params->above[i]) -
                    evox_element_mass_attenuation (params->edges[i].z, params->below[i]);
      const char *unit = channel >= 0 ? evox_volume_get_channel_unit (maps, (guint) channel)
                                      : NULL;

      /* The fit uses every energy: a pair would say nothing about it. */
      if (params->method == EVOX_ELEMENTS_FIT)
        printf ("%s: median %.6g %s, 99th percentile %.6g %s\n", symbol, v[2 * i],
                unit != NULL ? unit : "", v[2 * i + 1], unit != NULL ? unit : "");
      else
        printf ("%s: pair %.1f:%.1f eV, mu/rho jump %.4g cm^2/g, median %.6g %s, 99th "
                "percentile %.6g %s\n", symbol, params->below[i], params->above[i], jump,
                v[2 * i], unit != NULL ? unit : "", v[2 * i + 1], unit != NULL ? unit : "");
    }
}

int
_evox_cli_elements (int    argc,
                    char **argv)
{
  g_autoptr(GCancellable) cancellable = _evox_cli_cancel_on_signal ();
  g_auto(EvoxCliInput) input;
  g_auto(Options) o = { NULL };
  g_autofree char *command = evox_provenance_join_argv (argc, argv);
  g_autofree char *provenance = NULL;
  g_auto(EvoxCliMapsOutput) output = { 0 };
  g_auto(EvoxCliMapsValues) values = { NULL };
  g_auto(EvoxElementsParams) params;
  g_autoptr(GOptionContext) context = g_option_context_new ("IN -o OUT.h5|PREFIX.tif");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) stack = NULL;
  g_autoptr(EvoxVolume) maps = NULL;
  g_autoptr(EvoxVolume) loaded = NULL;
  g_autofree double *energies = NULL;
  g_autofree double *percentiles = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  const char *name;
  guint n;
  int status;
  const GOptionEntry entries[] = {
    { "element", 0, 0, G_OPTION_ARG_STRING, &o.elements,
      "The elements, comma-separated (default: each of K to Mo whose K edge has an energy of the "
      "stack at most 200 eV below it and one at most 600 eV above it)",
      "Mn,Co,Ni" },
    { "pair", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.pairs,
      "The energies below and above an element's edge, instead of the nearest ones (repeat "
      "per element)", "Ni=8178:8570" },
    { "method", 0, 0, G_OPTION_ARG_STRING, &o.method,
      "pair: optical density across each pair over the element's mu/rho jump (default); fit: "
      "non-negative least squares over all energies", "pair|fit" },
    { "matrix", 0, 0, G_OPTION_ARG_STRING, &o.matrix,
      "With --method fit: a matrix term of this formula (O, C, Li2CO3)", "FORMULA" },
    { "values", 0, 0, G_OPTION_ARG_STRING, &o.values,
      "What the stack's values are when its file does not say (a TIFF from elsewhere): optical "
      "density, or linear attenuation in UNIT (1/nm, 1/um, 1/mm, 1/cm, 1/m, 1/voxel: the "
      "default); a file that says otherwise is overridden with a note", "od|attenuation[:UNIT]" },
    { "register", 0, 0, G_OPTION_ARG_NONE, &o.do_register,
      "Register the stack first, as 'evox register IN' does by default", NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &o.output,
      "OUT.h5: every map in one HDF5 file; PREFIX.tif: PREFIX_Ni.tif per element (and "
      "PREFIX_matrix.tif, PREFIX_residual.tif for the fit)", "OUT" },
    { "session", 0, 0, G_OPTION_ARG_FILENAME, &o.session,
      "Also save what was done as a session (input, reading options, elements, pairs, method, "
      "the energies used), which 'evox apply' runs again", "OUT.evox" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &o.force, "Replace output files that exist", NULL },
    { "provenance", 0, 0, G_OPTION_ARG_NONE, &o.provenance, EVOX_CLI_MAPS_PROVENANCE_HELP, NULL },
    { NULL }
  };

  evox_elements_params_init (&params);
  if (!_evox_cli_parse (context,
      "Elemental maps of a spectral stack of optical density (2D: areal mass, ug/cm^2) or of\n"
      "linear attenuation (3D: mass density, g/cm^3), with mass attenuation coefficients from\n"
      "xraylib. Prints per element the pair of energies, the jump of mu/rho across it, and the\n"
      "map's median and 99th percentile. IN is any spectral stack Evox reads. Nothing is\n"
      "written unless everything succeeds.",
      entries, &input, &argc, &argv, 0, &status))
    return status;
  name = _evox_cli_input_name (&input, input.demo ? NULL : argv[1]);
  if (!parse_method (&o, &params, &status) || !parse_elements (&o, &params, &status))
    return status;
  for (guint i = 0; o.pairs != NULL && o.pairs[i] != NULL; i++)
    if (!parse_pair (o.pairs[i], &params, &status))
      return status;
  if (!_evox_cli_maps_output_parse (o.output, &output, &status) ||
      !_evox_cli_maps_values_parse (o.values, &values, &status))
    return status;

  stack = _evox_cli_input_load (&input, input.demo ? NULL : argv[1], &status);
  if (stack == NULL)
    return status;
  _evox_cli_maps_values_apply (&values, stack, name);
  n = evox_volume_get_n_channels (stack);
  energies = _evox_cli_maps_energies (stack, name, &status);
  if (energies == NULL)
    return status;
  if (n < 2)
    return _evox_cli_error (EVOX_EXIT_INPUT, "%s: one energy; elemental maps need at least two",
                            name);
  if ((o.elements == NULL && !default_elements (&params, name, energies, n, &status)) ||
      !check_pairs (&params, name, energies, n, &status))
    return status;
  /* the fit uses every energy, not pairs: a pair too wide to use does not stop it */
  if (params.method == EVOX_ELEMENTS_PAIR &&
      !evox_elements_find_pairs (energies, n, &params, &error))
    return _evox_cli_error (o.elements != NULL || o.pairs != NULL ? EVOX_EXIT_USAGE
                            : EVOX_EXIT_INPUT, "%s: %s", name, error->message);

  for (guint i = 0; i < params.n_elements; i++)
    g_ptr_array_add (labels, (gpointer) evox_element_symbol (params.edges[i].z));
  if (params.method == EVOX_ELEMENTS_FIT)
    {
      if (params.matrix != NULL)
        g_ptr_array_add (labels, "matrix");
      g_ptr_array_add (labels, "residual");
    }
  if (!_evox_cli_maps_check (&output, (const char * const *) labels->pdata, labels->len, FALSE,
                             input.demo ? NULL : argv[1], o.force, &status) ||
      !_evox_cli_check_session_output (o.session, &(EvoxCliOutput) { "-o", output.path }, 1,
                                       input.demo ? NULL : argv[1], o.force, &status))
    return status;

  /* The session records the stack as read, before --register replaces it. */
  loaded = g_object_ref (stack);
  if (!_evox_cli_maps_prepare (&stack, name, o.do_register, cancellable, &status))
    return status;

  maps = _evox_cli_maps_run (kernel, stack, &params, cancellable, "Elemental maps", &error);
  if (maps == NULL)
    return _evox_cli_maps_fail (error, name, _evox_cli_error_status (error));
  percentiles = map_percentiles (maps, &params);
  if (o.session != NULL &&
      !_evox_cli_save_session_record (loaded, input.demo ? NULL : argv[1], "elements",
                                      elements_record_new (&o, &params, output.kind,
                                                           percentiles),
                                      o.session, o.force, &status))
    return status;
  if (o.provenance)
    provenance = _evox_cli_provenance (input.demo ? NULL : argv[1], command);
  if (!evox_maps_write_with_provenance (maps, output.path, o.force, provenance, cancellable,
                                        &error))
    {
      if (o.session != NULL)
        g_unlink (o.session);
      return _evox_cli_maps_fail (error, NULL, _evox_cli_error_status (error));
    }
  print_summary (maps, &params, n, percentiles);
  return EVOX_EXIT_OK;
}
