/* evox-cli-xanes.c: `evox xanes`, the per-voxel XANES maps (edge energy, E0, white line, edge
 * step, mask) and the normalised stack of a spectral stack, with a summary. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "evox-cli-maps.h"
#include "evox-methods.h"
#include "evox-xanes.h"

/* The maps evox_xanes_maps returns, in its channel order. */
static const char *const map_labels[] = {
  "edge_energy", "e0", "whiteline_energy", "whiteline_height", "edge_step", "mask",
};

typedef struct
{
  char    *edge;
  char    *pre;
  char    *post;
  char    *nnorm;
  char    *e0;
  char    *step_sigma;
  char    *output;
  char    *session;
  gboolean do_register;
  gboolean no_norm;
  gboolean force;
  gboolean provenance;
} Options;

static void
options_clear (Options *o)
{
  g_clear_pointer (&o->edge, g_free);
  g_clear_pointer (&o->pre, g_free);
  g_clear_pointer (&o->post, g_free);
  g_clear_pointer (&o->nnorm, g_free);
  g_clear_pointer (&o->e0, g_free);
  g_clear_pointer (&o->step_sigma, g_free);
  g_clear_pointer (&o->output, g_free);
  g_clear_pointer (&o->session, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

/* LO:HI in eV relative to E0, LO below HI; with open_end, LO:end or LO: runs to the last
 * energy (HI NaN, as the XANES page's field and the kernel take it). */
static gboolean
parse_range (const char *option,
             const char *text,
             gboolean    open_end,
             double      range[2],
             int        *status)
{
  g_auto(GStrv) parts = g_strsplit (text, ":", -1);
  gboolean to_end = open_end && g_strv_length (parts) == 2 &&
                    (g_str_equal (g_strstrip (parts[1]), "") || g_str_equal (parts[1], "end"));

  if (to_end)
    range[1] = NAN;
  if (g_strv_length (parts) != 2 || !_evox_cli_parse_double (g_strstrip (parts[0]), &range[0]) ||
      (!to_end && !_evox_cli_parse_double (g_strstrip (parts[1]), &range[1])))
    {
      *status = _evox_cli_usage_error (NULL, "%s must be LO:HI in eV relative to E0 (e.g. "
                                       "-150:-30), not '%s'", option, text);
      return FALSE;
    }
  if (!to_end && !(range[0] < range[1]))
    {
      *status = _evox_cli_usage_error (NULL, "%s %s: LO must be below HI", option, text);
      return FALSE;
    }
  return TRUE;
}

/* Options as parameters; edge->z is -1 when --edge was not given. */
static gboolean
parse_params (const Options   *o,
              EvoxXanesParams *params,
              EvoxEdge        *edge,
              int             *status)
{
  g_autoptr(GError) error = NULL;
  double range[2];

  evox_xanes_params_init (params);
  params->with_norm = !o->no_norm;
  edge->z = -1;
  edge->energy = NAN;
  if (o->edge != NULL && !evox_edge_parse (o->edge, edge, &error))
    {
      *status = _evox_cli_usage_error (NULL, "--edge %s: %s", o->edge, error->message);
      return FALSE;
    }
  if (o->pre != NULL)
    {
      if (!parse_range ("--pre", o->pre, FALSE, range, status))
        return FALSE;
      params->pre1 = range[0];
      params->pre2 = range[1];
    }
  if (o->post != NULL)
    {
      if (!parse_range ("--post", o->post, TRUE, range, status))
        return FALSE;
      params->norm1 = range[0];
      params->norm2 = range[1];
    }
  if (o->nnorm != NULL && !g_str_equal (o->nnorm, "auto"))
    {
      gint64 value;

      if (!_evox_cli_parse_int (o->nnorm, 0, EVOX_XANES_MAX_NNORM, &value))
        {
          *status = _evox_cli_usage_error (NULL, "--nnorm must be auto, 0, 1 or 2, not '%s'",
                                           o->nnorm);
          return FALSE;
        }
      params->nnorm = (int) value;
    }
  if (o->e0 != NULL && !(_evox_cli_parse_double (o->e0, &params->e0) && params->e0 > 0))
    {
      *status = _evox_cli_usage_error (NULL, "--e0 must be an energy in eV, not '%s'", o->e0);
      return FALSE;
    }
  if (o->step_sigma != NULL &&
      !(_evox_cli_parse_double (o->step_sigma, &params->mask_k) && params->mask_k >= 0))
    {
      *status = _evox_cli_usage_error (NULL, "--step-sigma must be a number >= 0, not '%s'",
                                       o->step_sigma);
      return FALSE;
    }
  return TRUE;
}

/* The edge to normalise at: --edge (which the energies must span), or the one
 * evox_edge_guess finds (the K edge within the energies with the most energies near it); none
 * needed with --e0 alone. */
static gboolean
choose_edge (const Options   *o,
             const char      *input,
             const double    *energies,
             guint            n,
             EvoxEdge        *edge,
             EvoxXanesParams *params,
             int             *status)
{
  if (edge->z >= 0)
    {
      if (!(edge->energy > energies[0] && edge->energy < energies[n - 1]))
        {
          g_autofree char *what = evox_edge_describe (edge);

          *status = _evox_cli_error (EVOX_EXIT_USAGE, "--edge %s: %s does not span %s: its "
                                     "energies run from %.1f to %.1f eV", o->edge, input, what,
                                     energies[0], energies[n - 1]);
          return FALSE;
        }
      params->edge = edge->energy;
      return TRUE;
    }
  if (isfinite (params->e0))
    return TRUE;
  if (!evox_edge_guess (energies, n, edge))
    {
      *status = _evox_cli_error (EVOX_EXIT_USAGE, "%s: no K edge of K to Mo lies within its "
                                 "energies (%.1f to %.1f eV) with an energy within 50 eV of it: "
                                 "give --edge (an element, ELEMENT_SHELL or eV) or --e0", input,
                                 energies[0], energies[n - 1]);
      return FALSE;
    }
  params->edge = edge->energy;
  return TRUE;
}

static EvoxVolume *
kernel (EvoxVolume     *stack,
        gconstpointer   params,
        EvoxProgress   *progress,
        GCancellable   *cancellable,
        GError        **error)
{
  return evox_xanes_maps (stack, params, progress, cancellable, error);
}

static double
metadata_number (EvoxVolume *maps,
                 const char *key)
{
  const char *text = evox_volume_get_metadata (maps, key);

  return text != NULL ? g_ascii_strtod (text, NULL) : NAN;
}

/* "E0-150 to E0-30 eV, 12 energies (8183.0 to 8303.0 eV)". */
static char *
describe_range (const double *energies,
                guint         n,
                double        e0,
                double        lo,
                double        hi)
{
  double first = NAN, last = NAN;
  guint k = 0;

  for (guint i = 0; i < n; i++)
    if (energies[i] - e0 >= lo && energies[i] - e0 <= hi)
      {
        if (k++ == 0)
          first = energies[i];
        last = energies[i];
      }
  if (isfinite (hi))
    return g_strdup_printf ("E0%+g to E0%+g eV, %u energies (%.1f to %.1f eV)", lo, hi, k,
                            first, last);
  return g_strdup_printf ("E0%+g eV to the last energy, %u energies (%.1f to %.1f eV)", lo, k,
                          first, last);
}

/* What the summary says of the maps, counted once for the printed lines and the session. */
typedef struct
{
  gsize  n_voxels;
  gsize  in_mask;
  gsize  n_edge;       /* finite edge energies */
  gsize  n_wl;
  double edge_q[5];    /* percentiles 50, 25, 75, 5, 95 */
  double wl_q[1];      /* median */
} Summary;

static void
summarise (EvoxVolume *maps,
           Summary    *sum)
{
  static const double q[] = { 50, 25, 75, 5, 95 };
  const float *mask = evox_volume_get_data (maps, evox_volume_find_channel (maps, "mask"));

  sum->n_voxels = evox_volume_get_n_voxels (maps);
  sum->in_mask = 0;
  for (gsize i = 0; i < sum->n_voxels; i++)
    sum->in_mask += mask[i] > 0.5f;
  sum->n_edge = _evox_cli_maps_percentiles (maps, evox_volume_find_channel (maps, "edge_energy"),
                                            q, G_N_ELEMENTS (q), sum->edge_q);
  sum->n_wl = _evox_cli_maps_percentiles (maps,
                                          evox_volume_find_channel (maps, "whiteline_energy"),
                                          q, 1, sum->wl_q);
}

/* A number member, or null when none was given (text NULL). */
static void
set_given (JsonObject *record,
           const char *key,
           const char *text,
           double      value)
{
  if (text != NULL)
    json_object_set_double_member (record, key, value);
  else
    json_object_set_null_member (record, key);
}

/* The session's "xanes" record: the options as given (null where the default or the data
 * chose), and in "result" what the maps were computed with and what they hold. */
static JsonObject *
xanes_record_new (const Options         *o,
                  const EvoxXanesParams *params,
                  const EvoxEdge        *edge,
                  EvoxCliMapsKind        kind,
                  EvoxVolume            *maps,
                  const Summary         *sum)
{
  JsonObject *record = _evox_cli_record_new ();
  JsonObject *result = json_object_new ();
  double pre[2] = { params->pre1, params->pre2 }, post[2] = { params->norm1, params->norm2 };
  double used_pre[2] = { metadata_number (maps, "xanes_pre1"),
                         metadata_number (maps, "xanes_pre2") };
  double used_post[2] = { metadata_number (maps, "xanes_norm1"),
                          metadata_number (maps, "xanes_norm2") };
  g_autofree char *what = edge->z >= 0 || isfinite (edge->energy) ? evox_edge_describe (edge)
                                                                    : NULL;

  if (o->edge != NULL)
    json_object_set_string_member (record, "edge", o->edge);
  else
    json_object_set_null_member (record, "edge");
  set_given (record, "e0-ev", o->e0, params->e0);
  if (o->pre != NULL)
    json_object_set_array_member (record, "pre-ev", _evox_cli_json_numbers (pre, 2));
  else
    json_object_set_null_member (record, "pre-ev");
  /* One number for a post-edge to the last energy, as in "result". */
  if (o->post != NULL)
    json_object_set_array_member (record, "post-ev",
                                  _evox_cli_json_numbers (post, isfinite (post[1]) ? 2 : 1));
  else
    json_object_set_null_member (record, "post-ev");
  if (o->nnorm != NULL && !g_str_equal (o->nnorm, "auto"))
    json_object_set_int_member (record, "nnorm", params->nnorm);
  else
    json_object_set_string_member (record, "nnorm", "auto");
  json_object_set_double_member (record, "step-sigma", params->mask_k);
  json_object_set_boolean_member (record, "register", o->do_register);
  json_object_set_boolean_member (record, "norm", !o->no_norm);
  json_object_set_string_member (record, "output", kind == EVOX_CLI_MAPS_HDF5 ? "hdf5" : "tiff");

  if (what != NULL)
    json_object_set_string_member (result, "edge", what);
  json_object_set_double_member (result, "e0-ev", metadata_number (maps, "xanes_e0"));
  json_object_set_array_member (result, "pre-ev", _evox_cli_json_numbers (used_pre, 2));
  /* No upper end: the post-edge runs to the last energy. */
  json_object_set_array_member (result, "post-ev",
                                _evox_cli_json_numbers (used_post, isfinite (used_post[1]) ? 2
                                                                                          : 1));
  json_object_set_int_member (result, "nnorm", (gint64) metadata_number (maps, "xanes_nnorm"));
  json_object_set_int_member (result, "mask-voxels", (gint64) sum->in_mask);
  json_object_set_int_member (result, "voxels", (gint64) sum->n_voxels);
  if (sum->n_edge > 0)
    json_object_set_double_member (result, "edge-energy-median-ev", sum->edge_q[0]);
  if (sum->n_wl > 0)
    json_object_set_double_member (result, "whiteline-energy-median-ev", sum->wl_q[0]);
  json_object_set_object_member (record, "result", result);
  return record;
}

static void
print_summary (EvoxVolume      *maps,
               const Summary   *sum,
               const EvoxEdge  *edge,
               const Options   *o,
               const double    *energies,
               guint            n)
{
  double e0 = metadata_number (maps, "xanes_e0");
  double norm2 = metadata_number (maps, "xanes_norm2");
  double nnorm = metadata_number (maps, "xanes_nnorm");
  gsize n_voxels = sum->n_voxels, in_mask = sum->in_mask;
  const double *edge_q = sum->edge_q, *wl_q = sum->wl_q;
  g_autofree char *what = edge->z >= 0 || isfinite (edge->energy) ? evox_edge_describe (edge)
                                                                    : NULL;
  g_autofree char *pre = describe_range (energies, n, e0, metadata_number (maps, "xanes_pre1"),
                                         metadata_number (maps, "xanes_pre2"));
  g_autofree char *post = describe_range (energies, n, e0,
                                          metadata_number (maps, "xanes_norm1"),
                                          isfinite (norm2) ? norm2 : INFINITY);

  printf ("edge: %s\n", what != NULL ? what : "none (E0 given)");
  printf ("e0: %.2f eV (%s)\n", e0, o->e0 != NULL ? "given, on its nearest energy"
                                                  : "the mean spectrum's, on its nearest energy");
  printf ("pre-edge: %s\n", pre);
  printf ("post-edge: %s\n", post);
  printf ("nnorm: %.0f (%s)\n", nnorm, o->nnorm == NULL || g_str_equal (o->nnorm, "auto")
                                       ? "auto, by the post-edge span" : "given");
  printf ("mask: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " voxels (%.2f %%) with edge step > "
          "%g x its noise\n", in_mask, n_voxels, 100.0 * in_mask / MAX (n_voxels, 1),
          metadata_number (maps, "xanes_mask_k"));
  /* an empty mask leaves every map NaN: said in words, not as "median nan eV" */
  if (sum->n_edge == 0)
    printf ("edge_energy: none (no voxel in the mask)\n");
  else
    printf ("edge_energy: median %.3f eV, IQR %.3f to %.3f eV (%.3f eV), 5th-95th percentile "
            "%.3f to %.3f eV\n", edge_q[0], edge_q[1], edge_q[2], edge_q[2] - edge_q[1],
            edge_q[3], edge_q[4]);
  if (sum->n_wl == 0)
    printf ("whiteline_energy: none\n");
  else
    printf ("whiteline_energy: median %.3f eV\n", wl_q[0]);
}

int
_evox_cli_xanes (int    argc,
                 char **argv)
{
  g_autoptr(GCancellable) cancellable = _evox_cli_cancel_on_signal ();
  g_auto(EvoxCliInput) input;
  g_auto(Options) o = { NULL };
  g_autofree char *command = evox_provenance_join_argv (argc, argv);
  g_autofree char *provenance = NULL;
  g_auto(EvoxCliMapsOutput) output = { 0 };
  g_autoptr(GOptionContext) context = g_option_context_new ("IN -o OUT.h5|PREFIX.tif");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) stack = NULL;
  g_autoptr(EvoxVolume) maps = NULL;
  g_autoptr(EvoxVolume) loaded = NULL;
  g_autofree double *energies = NULL;
  EvoxXanesParams params;
  Summary sum;
  EvoxEdge edge;
  const char *name;
  guint n;
  int status;
  const GOptionEntry entries[] = {
    { "edge", 0, 0, G_OPTION_ARG_STRING, &o.edge,
      "The edge: an element (its K edge), ELEMENT_SHELL (Ni_K, Mn_L3) or an energy in eV "
      "(default: the K edge of K to Mo within the energies with the most energies within 50 eV "
      "of it)", "Ni|Ni_K|8333" },
    { "pre", 0, 0, G_OPTION_ARG_STRING, &o.pre,
      "Pre-edge range in eV relative to E0 (default -150:-30, clipped to the data)", "LO:HI" },
    { "post", 0, 0, G_OPTION_ARG_STRING, &o.post,
      "Post-edge range in eV relative to E0, HI end or empty for the last energy (default "
      "50:end)", "LO:HI" },
    { "nnorm", 0, 0, G_OPTION_ARG_STRING, &o.nnorm,
      "Degree of the post-edge polynomial (auto: 0 below 30 eV of span, 1 below 300, else 2)",
      "auto|0|1|2" },
    { "e0", 0, 0, G_OPTION_ARG_STRING, &o.e0,
      "E0 of the whole stack in eV (default: found on the mean spectrum near the edge)", "E" },
    { "step-sigma", 0, 0, G_OPTION_ARG_STRING, &o.step_sigma,
      "A voxel is in the mask when its edge step exceeds K times the step's noise as the XANES "
      "normalisation estimates it (default 3)",
      "K" },
    { "register", 0, 0, G_OPTION_ARG_NONE, &o.do_register,
      "Register the stack first, as 'evox register IN' does by default", NULL },
    { "no-norm", 0, 0, G_OPTION_ARG_NONE, &o.no_norm,
      "Write the maps only, not the normalised stack", NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &o.output,
      "OUT.h5: every map and the normalised stack in one HDF5 file; PREFIX.tif: "
      "PREFIX_edge_energy.tif, PREFIX_e0.tif, ... and PREFIX_norm.tif (an energy stack)",
      "OUT" },
    { "session", 0, 0, G_OPTION_ARG_FILENAME, &o.session,
      "Also save what was done as a session (input, reading options, edge, ranges, degree, "
      "mask, what E0 and ranges were used), which 'evox apply' runs again", "OUT.evox" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &o.force, "Replace output files that exist", NULL },
    { "provenance", 0, 0, G_OPTION_ARG_NONE, &o.provenance, EVOX_CLI_MAPS_PROVENANCE_HELP, NULL },
    { NULL }
  };

  if (!_evox_cli_parse (context,
      "Per-voxel XANES maps of a spectral stack, normalised as Larch's pre_edge does: a line\n"
      "over the pre-edge range, a polynomial over the post-edge range, the edge step at E0.\n"
      "Writes edge_energy (where the normalised spectrum crosses 0.5), e0 (each voxel's\n"
      "maximum of the smoothed derivative), whiteline_energy, whiteline_height, edge_step,\n"
      "mask (0/1; outside it all but edge_step are NaN) and the normalised\n"
      "stack, and prints a summary. IN is any spectral stack Evox reads (what 'evox register'\n"
      "writes, .txrm, a scan script, a folder, HDF5). Nothing is written unless everything\n"
      "succeeds.",
      entries, &input, &argc, &argv, 0, &status))
    return status;
  name = _evox_cli_input_name (&input, input.demo ? NULL : argv[1]);
  if (!parse_params (&o, &params, &edge, &status) ||
      !_evox_cli_maps_output_parse (o.output, &output, &status) ||
      !_evox_cli_maps_check (&output, map_labels, G_N_ELEMENTS (map_labels),
                             !o.no_norm, input.demo ? NULL : argv[1], o.force,
                             &status) ||
      !_evox_cli_check_session_output (o.session, &(EvoxCliOutput) { "-o", output.path }, 1,
                                       input.demo ? NULL : argv[1], o.force, &status))
    return status;

  stack = _evox_cli_input_load (&input, input.demo ? NULL : argv[1], &status);
  if (stack == NULL)
    return status;
  n = evox_volume_get_n_channels (stack);
  energies = _evox_cli_maps_energies (stack, name, &status);
  if (energies == NULL)
    return status;
  if (n < 4)
    return _evox_cli_error (EVOX_EXIT_INPUT, "%s: %u energ%s; XANES maps need at least 4 (a "
                            "pre-edge line and a post-edge fit of 2 each)", name, n,
                            n == 1 ? "y" : "ies");
  if (!choose_edge (&o, name, energies, n, &edge, &params, &status))
    return status;

  /* The session records the stack as read, before --register replaces it. */
  loaded = g_object_ref (stack);
  if (!_evox_cli_maps_prepare (&stack, name, o.do_register, cancellable, &status))
    return status;

  maps = _evox_cli_maps_run (kernel, stack, &params, cancellable, "XANES maps", &error);
  if (maps == NULL)
    {
      /* Ranges, E0 and edges are the options' fault only when the user gave them. */
      gboolean chosen = o.pre != NULL || o.post != NULL || o.e0 != NULL || o.edge != NULL ||
                        o.nnorm != NULL;

      return _evox_cli_maps_fail (error, name, chosen ? _evox_cli_error_status (error)
                                                      : EVOX_EXIT_INPUT);
    }
  summarise (maps, &sum);
  if (o.session != NULL &&
      !_evox_cli_save_session_record (loaded, input.demo ? NULL : argv[1], "xanes",
                                      xanes_record_new (&o, &params, &edge, output.kind, maps,
                                                        &sum),
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
  print_summary (maps, &sum, &edge, &o, energies, n);
  return EVOX_EXIT_OK;
}
