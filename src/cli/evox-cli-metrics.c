/* evox-cli-metrics.c: `evox metrics`, electrode metrics of a phase as a table and CSV. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>

#include "evox-cli-maps.h"
#include "evox-cli-private.h"
#include "evox-csv.h"
#include "evox-interface-area.h"
#include "evox-labels.h"
#include "evox-methods.h"
#include "evox-metrics-csv.h"
#include "evox-metrics-record.h"
#include "evox-metrics.h"
#include "evox-tiff.h"
#include "evox-tortuosity.h"

/* auto:N names N phases that together cover the whole range, so their union would be every
 * voxel (a porosity of 1): refused, with the ranges it found so the user can pick one. */
static gboolean
check_no_auto (EvoxPhaseList  *list,
               const char     *option,
               char          **specs,
               int            *status)
{
  g_autoptr (GString) ranges = NULL;

  for (guint i = 0; specs[i] != NULL; i++)
    if (g_str_has_prefix (specs[i], "auto:"))
      {
        ranges = g_string_new (NULL);
        break;
      }
  if (ranges == NULL)
    return TRUE;
  for (guint i = 0; i < evox_phase_list_get_n_phases (list); i++)
    {
      EvoxPhase *p = evox_phase_list_get_phase (list, i);

      g_string_append_printf (ranges, "%s%s=%g:%g", i > 0 ? ", " : "", evox_phase_get_name (p),
                              evox_phase_get_lo (p), evox_phase_get_hi (p));
    }
  *status = _evox_cli_error (EVOX_EXIT_USAGE,
                             _("%s: auto:N splits the whole range, so its union is every voxel; "
                               "name the phase to measure as NAME=LO:HI (auto gives %s)"),
                             option, ranges->str);
  return FALSE;
}

/* The phases of the --phase (or --surface, --second) specs as one union: their ranges, their
 * names joined by "+"; each also as {name, range} in recorded (NULL: not asked). */
static gboolean
phase_from_specs (EvoxMetricsPhase  *phase,
                  EvoxVolume        *volume,
                  guint              channel,
                  const char        *option,
                  char             **specs,
                  JsonArray         *recorded,
                  int               *status)
{
  g_autoptr (EvoxPhaseList) list = evox_phase_list_new ();
  g_autoptr (GString) name = g_string_new (NULL);
  guint n;

  if (!_evox_cli_parse_phases (list, volume, channel, specs, FALSE, status) ||
      !check_no_auto (list, option, specs, status))
    return FALSE;
  n = evox_phase_list_get_n_phases (list);
  phase->channel = channel;
  phase->n_ranges = n;
  phase->lo = g_new (double, n);
  phase->hi = g_new (double, n);
  for (guint i = 0; i < n; i++)
    {
      EvoxPhase *p = evox_phase_list_get_phase (list, i);

      phase->lo[i] = evox_phase_get_lo (p);
      phase->hi[i] = evox_phase_get_hi (p);
      if (recorded != NULL)
        evox_metrics_record_add_phase (recorded, evox_phase_get_name (p), phase->lo[i],
                                       phase->hi[i]);
      g_string_append_printf (name, "%s%s", i > 0 ? "+" : "", evox_phase_get_name (p));
    }
  phase->name = g_strdup (name->str);
  return TRUE;
}

static void
phase_clear (EvoxMetricsPhase *phase)
{
  g_clear_pointer (&phase->name, g_free);
  g_clear_pointer (&phase->lo, g_free);
  g_clear_pointer (&phase->hi, g_free);
}

/* --tortuosity x,y,z: each axis once. */
static gboolean
parse_axes (const char *text,
            gboolean    axes[3])
{
  g_auto (GStrv) words = g_strsplit (text, ",", -1);

  if (words[0] == NULL)
    return FALSE;
  for (guint i = 0; words[i] != NULL; i++)
    {
      EvoxFlowAxis axis;

      if (!evox_flow_axis_from_string (g_strstrip (words[i]), &axis) || axes[axis])
        return FALSE;
      axes[axis] = TRUE;
    }
  return TRUE;
}

/* evox-metrics-record.h writes "version" itself: it must stay the subcommands' records'. */
G_STATIC_ASSERT (EVOX_METRICS_RECORD_VERSION == EVOX_CLI_RECORD_VERSION);

/* --surface-method crofton,mesh: each method once. */
static gboolean
parse_area_methods (const char *text,
                    guint      *methods)
{
  g_auto (GStrv) words = g_strsplit (text, ",", -1);

  *methods = 0;
  if (words[0] == NULL)
    return FALSE;
  for (guint i = 0; words[i] != NULL; i++)
    {
      const char *word = g_strstrip (words[i]);
      guint bit = g_str_equal (word, "crofton") ? EVOX_AREA_CROFTON :
                  g_str_equal (word, "mesh") ? EVOX_AREA_MESH : 0;

      if (bit == 0 || (*methods & bit))
        return FALSE;
      *methods |= bit;
    }
  return TRUE;
}

typedef struct
{
  EvoxVolume               *volume;
  const EvoxMetricsRequest *request;
  GCancellable             *cancellable;
} Job;

static gpointer
metrics_job (gpointer       data,
             EvoxProgress  *progress,
             GError       **error)
{
  Job *job = data;

  return evox_metrics_compute (job->volume, job->request, progress, job->cancellable, error);
}

int
_evox_cli_metrics (int    argc,
                   char **argv)
{
  /* First, before any thread starts: Ctrl-C then cancels the solve and nothing is written. */
  g_autoptr (GCancellable) cancellable = _evox_cli_cancel_on_signal ();
  g_auto (EvoxCliInput) input;
  g_autoptr (GOptionContext) context = g_option_context_new (_("FILE --phase NAME=LO:HI"));
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (EvoxMetrics) table = NULL;
  g_auto (GStrv) specs = NULL;
  g_auto (GStrv) surface = NULL;
  g_auto (GStrv) second = NULL;
  g_autofree char *second_d_text = NULL;
  g_autofree char *axes_text = NULL;
  g_autofree char *tolerance_text = NULL;
  g_autofree char *methods_text = NULL;
  g_autofree char *thickness = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *fields = NULL;
  g_autoptr (EvoxVolume) field_volume = NULL;
  g_autofree char *channel_name = NULL;
  g_autofree char *text = NULL;
  g_autofree char *session = NULL;
  g_autoptr (JsonObject) record = NULL;
  g_autofree char *command = evox_provenance_join_argv (argc, argv);
  g_autofree char *provenance = NULL;
  EvoxMetricsRequest request = { { NULL } };
  gboolean with_provenance = FALSE;
  gboolean force = FALSE, percolation = FALSE, sizes = FALSE, map_existed, fields_existed;
  gboolean csv_existed;
  int connectivity = 26;
  EvoxCliOutput outputs[3];
  guint n_outputs = 0;
  const char *in;
  int status, channel;
  Job job;
  const GOptionEntry entries[] = {
    { "phase", 0, 0, G_OPTION_ARG_STRING_ARRAY, &specs,
      N_("The phase measured: the voxels with LO <= value <= HI, in stored values, or auto:N "
         "(repeat for a union of phases, named NAME1+NAME2)"), N_("NAME=LO:HI") },
    { "tortuosity", 0, 0, G_OPTION_ARG_STRING, &axes_text,
      N_("Tortuosity factor and effective diffusivity along these axes (TauFactor's definition)"),
      "x,y,z" },
    { "second", 0, 0, G_OPTION_ARG_STRING_ARRAY, &second,
      N_("A second, less conductive phase in the tortuosity solves (the carbon-binder domain's "
         "own pores; repeat for a union); needs --second-diffusivity"), N_("NAME2=LO:HI") },
    { "second-diffusivity", 0, 0, G_OPTION_ARG_STRING, &second_d_text,
      N_("The second phase's diffusivity relative to the phase's, from 0 to 1"), "D2" },
    { "tolerance", 0, 0, G_OPTION_ARG_STRING, &tolerance_text,
      N_("Relative residual the diffusion solve stops at (default 1e-6; above 0, below 1)"),
      "T" },
    { "percolation", 0, 0, G_OPTION_ARG_NONE, &percolation,
      N_("Shares of the phase connected to both faces, one face, or neither, per axis"), NULL },
    { "connectivity", 0, 0, G_OPTION_ARG_INT, &connectivity,
      N_("Which neighbours connect for --percolation: 6, 18 or 26 (default 26)"), "6|18|26" },
    { "surface", 0, 0, G_OPTION_ARG_STRING_ARRAY, &surface,
      N_("Specific surface area of the interface between the phase and this one (repeat for a "
         "union)"), N_("NAME2=LO:HI") },
    { "surface-method", 0, 0, G_OPTION_ARG_STRING, &methods_text,
      N_("How --surface measures the interface: crofton (lattice line crossings, the default), "
         "mesh (the smoothed surfaces), or both as crofton,mesh"), "crofton|mesh" },
    { "thickness", 0, 0, G_OPTION_ARG_FILENAME, &thickness,
      N_("Local thickness summaries of the phase and its complement, and the phase's thickness "
         "map as an f32 TIFF (nm, or voxels without a voxel size; NaN outside the phase)"),
      "OUT.tif" },
    { "sizes", 0, 0, G_OPTION_ARG_NONE, &sizes,
      N_("Local thickness summaries without writing the map"), NULL },
    { "fields", 0, 0, G_OPTION_ARG_FILENAME, &fields,
      N_("The fields as one multi-channel f32 TIFF: the concentration and flux magnitude along "
         "the first --tortuosity axis, the --percolation classes along it (z without "
         "--tortuosity; 1 both faces, 2 one face, 3 isolated); NaN outside the phase"),
      "OUT.tif" },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv,
      N_("Write the table as CSV: metric,phase,axis,value,unit"), "OUT.csv" },
    { "channel", 0, 0, G_OPTION_ARG_STRING, &channel_name, N_("Channel label or index"), "C" },
    { "session", 0, 0, G_OPTION_ARG_FILENAME, &session,
      N_("Also save what was measured as a session (input, reading options, phases, axes, "
         "tolerance, surface, thickness), which 'evox apply' runs again"), "OUT.evox" },
    { "provenance", 0, 0, G_OPTION_ARG_NONE, &with_provenance,
      N_("Record Evox's version, the input and its SHA-256 and this command in the outputs: "
         "'# ' lines before the CSV, the TIFFs' image description"), NULL },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, N_("Replace output files that exist"), NULL },
    { NULL }
  };

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!_evox_cli_parse (context,
      _("Measure a phase as battery electrodes are measured: its volume fraction (porosity),\n"
        "tortuosity factors and effective diffusivity by steady-state diffusion, percolation,\n"
        "the specific surface area of its interface with another phase and local thickness\n"
        "summaries of it and of the rest. Prints the table; nothing is written unless\n"
        "everything succeeds; Ctrl-C cancels (status 130)."),
      entries, &input, &argc, &argv, 0, &status))
    return status;
  in = input.demo ? NULL : argv[1];

  /* Everything that does not need the volume is checked before reading it. */
  if (specs == NULL)
    return _evox_cli_usage_error (context, _("--phase NAME=LO:HI is required"));
  if (axes_text != NULL && !parse_axes (axes_text, request.tortuosity))
    return _evox_cli_usage_error (context, _("--tortuosity must list axes among x, y and z, each "
                                             "once (as x,z), not '%s'"), axes_text);
  if (tolerance_text != NULL)
    {
      if (!_evox_cli_parse_double (tolerance_text, &request.tolerance) ||
          !(request.tolerance > 0.0 && request.tolerance < 1.0))
        return _evox_cli_usage_error (context, _("--tolerance must be a number above 0 and below "
                                                 "1, not '%s'"), tolerance_text);
      if (axes_text == NULL)
        return _evox_cli_usage_error (context, _("--tolerance needs --tortuosity"));
    }
  if (second != NULL)
    {
      if (axes_text == NULL)
        return _evox_cli_usage_error (context, _("--second needs --tortuosity"));
      if (second_d_text == NULL)
        return _evox_cli_usage_error (context, _("--second needs --second-diffusivity D2"));
    }
  if (second_d_text != NULL)
    {
      if (second == NULL)
        return _evox_cli_usage_error (context, _("--second-diffusivity needs --second"));
      if (!_evox_cli_parse_double (second_d_text, &request.second_diffusivity) ||
          !(request.second_diffusivity >= 0.0 && request.second_diffusivity <= 1.0))
        return _evox_cli_usage_error (context, _("--second-diffusivity must be a number from 0 "
                                                 "to 1, not '%s'"), second_d_text);
    }
  if (!evox_connectivity_is_valid (connectivity))
    return _evox_cli_usage_error (context, _("--connectivity must be 6, 18 or 26, not %d"),
                                  connectivity);
  if (methods_text != NULL)
    {
      if (!parse_area_methods (methods_text, &request.surface_methods))
        return _evox_cli_usage_error (context, _("--surface-method must be crofton, mesh or "
                                                 "crofton,mesh, not '%s'"), methods_text);
      if (surface == NULL)
        return _evox_cli_usage_error (context, _("--surface-method needs --surface"));
    }
  if (fields != NULL && axes_text == NULL && !percolation)
    return _evox_cli_usage_error (context, _("--fields needs --tortuosity or --percolation"));
  if (thickness != NULL)
    outputs[n_outputs++] = (EvoxCliOutput) { "--thickness", thickness };
  if (fields != NULL)
    outputs[n_outputs++] = (EvoxCliOutput) { "--fields", fields };
  if (csv != NULL)
    outputs[n_outputs++] = (EvoxCliOutput) { "--csv", csv };
  if (!_evox_cli_check_outputs (outputs, n_outputs, in, force, &status) ||
      !_evox_cli_check_session_output (session, outputs, n_outputs, in, force, &status))
    return status;

  volume = _evox_cli_input_load (&input, in, &status);
  if (volume == NULL)
    return status;
  if ((channel = _evox_cli_find_channel (volume, channel_name, &status)) < 0)
    return status;
  request.two_phase = second != NULL;
  if (session != NULL)
    record = evox_metrics_record_new (&request, (guint) channel, axes_text != NULL, percolation,
                                      connectivity, surface != NULL,
                                      thickness != NULL ? "map" : sizes ? "sizes" : "none",
                                      fields != NULL);
  if (!phase_from_specs (&request.phase, volume, (guint) channel, "--phase", specs,
                         record != NULL ? json_object_get_array_member (record, "phase") : NULL,
                         &status))
    goto out;
  if (surface != NULL &&
      !phase_from_specs (&request.other, volume, (guint) channel, "--surface", surface,
                         record != NULL ? json_object_get_array_member (record, "surface")
                                        : NULL,
                         &status))
    goto out;
  if (second != NULL &&
      !phase_from_specs (&request.second, volume, (guint) channel, "--second", second,
                         record != NULL ? json_object_get_array_member (record, "second")
                                        : NULL, &status))
    goto out;
  request.percolation = percolation;
  request.connectivity = connectivity;
  request.surface = surface != NULL;
  request.thickness = thickness != NULL || sizes;
  request.keep_thickness = thickness != NULL;
  request.keep_fields = fields != NULL;

  job = (Job) { volume, &request, cancellable };
  table = _evox_cli_run_with_progress (metrics_job, &job, "evox-metrics", _("Measuring"),
                                       &error);
  if (table == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        status = _evox_cli_maps_fail (error, NULL, EVOX_EXIT_CANCELLED);
      else
        /* The options were checked above: what the metrics refuse now is the data (a phase
         * with no voxels, a volume one voxel thick along an axis asked). */
        status = _evox_cli_error (EVOX_EXIT_INPUT, "%s: %s", _evox_cli_input_name (&input, in),
                                  error->message);
      goto out;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      status = _evox_cli_maps_fail (error, NULL, EVOX_EXIT_CANCELLED);
      goto out;
    }

  /* Saved first and removed again when an output fails, as `evox segment` does. */
  if (session != NULL &&
      !_evox_cli_save_session_record (volume, in, "metrics", g_steal_pointer (&record), session,
                                      force, &status))
    goto out;
  if (with_provenance)
    provenance = _evox_cli_provenance (in, command);
  map_existed = thickness != NULL && g_file_test (thickness, G_FILE_TEST_EXISTS);
  if (thickness != NULL &&
      !evox_tiff_write_with_provenance (evox_metrics_get_map (table), 0, thickness,
                                        EVOX_TIFF_WRITE_F32 |
                                        (force ? EVOX_TIFF_WRITE_OVERWRITE : 0),
                                        provenance, &error))
    {
      status = _evox_cli_error (EVOX_EXIT_INPUT, "--thickness: %s", error->message);
      goto fail;
    }
  fields_existed = fields != NULL && g_file_test (fields, G_FILE_TEST_EXISTS);
  /* Built only now, from the little the table keeps (--tortuosity or --percolation kept some). */
  if (fields != NULL)
    field_volume = evox_metrics_dup_fields (table, &error);
  if (fields != NULL &&
      (field_volume == NULL ||
       !evox_tiff_write_with_provenance (field_volume, -1, fields,
                                         EVOX_TIFF_WRITE_F32 |
                                         (force ? EVOX_TIFF_WRITE_OVERWRITE : 0),
                                         provenance, &error)))
    {
      if (thickness != NULL && !map_existed)
        g_unlink (thickness);
      status = _evox_cli_error (EVOX_EXIT_INPUT, "--fields: %s", error->message);
      goto fail;
    }
  csv_existed = csv != NULL && g_file_test (csv, G_FILE_TEST_EXISTS);
  if (csv != NULL && (!evox_metrics_write_csv (table, csv, force, &error) ||
                      !evox_csv_add_provenance (csv, provenance, &error)))
    {
      /* A CSV written without the record it was asked with goes too. */
      if (!csv_existed)
        g_unlink (csv);
      /* Nothing half done: the maps just written go too, unless they replaced a file. */
      if (thickness != NULL && !map_existed)
        g_unlink (thickness);
      if (fields != NULL && !fields_existed)
        g_unlink (fields);
      status = _evox_cli_error (EVOX_EXIT_INPUT, "--csv: %s", error->message);
      goto fail;
    }
  text = evox_metrics_to_text (table);
  fputs (text, stdout);
  status = EVOX_EXIT_OK;
  goto out;

fail:
  if (session != NULL)
    g_unlink (session);
out:
  phase_clear (&request.phase);
  phase_clear (&request.other);
  phase_clear (&request.second);
  return status;
}
