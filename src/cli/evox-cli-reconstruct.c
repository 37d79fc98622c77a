/* evox-cli-reconstruct.c: `evox reconstruct`, a tilt series (or one per energy) to an aligned,
 * reconstructed volume written as TIFF or HDF5, with the quality report as CSV. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "evox-cli-maps.h"
#include "evox-cli-private.h"
#include "evox-csv.h"
#include "evox-energy-tiff-writer.h"
#include "evox-hdf5.h"
#include "evox-methods.h"
#include "evox-output.h"
#include "evox-spectral-reader.h"
#include "evox-tiff.h"
#include "evox-tilt-reader.h"
#include "evox-tomo-pipeline.h"
#include "evox-tomo-report-csv.h"
#include "evox-types.h"


typedef struct
{
  char     *output;
  char     *align;
  char     *center;
  char     *algorithm;
  char     *filter;
  char     *bin;
  char     *report;
  char     *session;
  gboolean  no_fsc;
  gboolean  force;
  gboolean  provenance;
} Options;

static void
options_clear (Options *o)
{
  g_clear_pointer (&o->output, g_free);
  g_clear_pointer (&o->align, g_free);
  g_clear_pointer (&o->center, g_free);
  g_clear_pointer (&o->algorithm, g_free);
  g_clear_pointer (&o->filter, g_free);
  g_clear_pointer (&o->bin, g_free);
  g_clear_pointer (&o->report, g_free);
  g_clear_pointer (&o->session, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

/* Every option's value checked before anything is read: bad usage exits 2. */
static gboolean
parse_values (Options         *o,
              EvoxTomoOptions *options,
              guint           *bin,
              int             *status)
{
  g_autoptr(GError) error = NULL;

  evox_tomo_options_init (options);
  *bin = 1;
  if ((o->align != NULL && !evox_tomo_align_parse (o->align, options, &error)) ||
      (o->algorithm != NULL && !evox_tomo_algorithm_parse (o->algorithm, options, &error)) ||
      (o->filter != NULL && !evox_tomo_filter_parse (o->filter, &options->recon.filter, &error)))
    {
      *status = _evox_cli_usage_error (NULL, "%s", error->message);
      return FALSE;
    }
  if (o->center != NULL && !g_str_equal (o->center, "auto"))
    {
      if (!_evox_cli_parse_double (o->center, &options->center))
        {
          *status = _evox_cli_usage_error (NULL, "--center must be a detector pixel or auto, "
                                           "not '%s'", o->center);
          return FALSE;
        }
      /* A centre the user gives is used as it is. */
      options->center_search = FALSE;
    }
  if (!_evox_cli_parse_bin (o->bin, bin, status))
    return FALSE;
  options->fsc = !o->no_fsc;
  return TRUE;
}

/* -o names the kind by its suffix; every output is checked (not the input, not there without
 * --force, in a writable folder) before anything is read. */
static gboolean
check_outputs (Options    *o,
               const char *input,
               gboolean   *hdf5,
               int        *status)
{
  EvoxCliOutput outputs[2];
  guint n = 0;

  if (o->output == NULL || o->output[0] == '\0')
    {
      *status = _evox_cli_usage_error (NULL, "-o OUT is required: an .h5 or .tif file");
      return FALSE;
    }
  if (_evox_cli_has_suffix_nocase (o->output, ".h5") ||
      _evox_cli_has_suffix_nocase (o->output, ".hdf5"))
    *hdf5 = TRUE;
  else if (_evox_cli_has_suffix_nocase (o->output, ".tif") ||
           _evox_cli_has_suffix_nocase (o->output, ".tiff"))
    *hdf5 = FALSE;
  else
    {
      *status = _evox_cli_usage_error (NULL, "OUT must end in .h5, .hdf5, .tif or .tiff: '%s'",
                                       o->output);
      return FALSE;
    }
  outputs[n++] = (EvoxCliOutput) { "-o", o->output };
  if (o->report != NULL)
    outputs[n++] = (EvoxCliOutput) { "--report", o->report };
  return _evox_cli_check_outputs (outputs, n, input, o->force, status) &&
         _evox_cli_check_session_output (o->session, outputs, n, input, o->force, status);
}

/* What the pipeline would refuse, said with the input's name and the option to change. */
static gboolean
check_set (GPtrArray             *set,
           const char            *input,
           const EvoxTomoOptions *options,
           guint                  bin,
           int                   *status)
{
  for (guint i = 0; i < set->len; i++)
    {
      EvoxTiltSeries *series = set->pdata[i];

      if (series->n_angles < 2)
        {
          *status = _evox_cli_error (EVOX_EXIT_INPUT, "%s: a tilt series of %u image%s: a "
                                     "reconstruction needs projections at 2 angles or more",
                                     input, series->n_angles, series->n_angles == 1 ? "" : "s");
          return FALSE;
        }
      if (options->align != EVOX_TOMO_ALIGN_NONE && series->n_angles < 3)
        {
          *status = _evox_cli_error (EVOX_EXIT_INPUT, "%s: %u angles are too few to align "
                                     "(3 or more; use --align none)", input,
                                     series->n_angles);
          return FALSE;
        }
      if (!isnan (options->center) &&
          (options->center < 0.0 || options->center > series->nx - 1.0))
        {
          *status = _evox_cli_error (EVOX_EXIT_USAGE, "--center %g: outside the detector of %s "
                                     "(0 to %u pixels%s)", options->center, input,
                                     series->nx - 1, bin > 1 ? " after binning" : "");
          return FALSE;
        }
    }
  return TRUE;
}

/* Counts at or below the dark level read as the floor's optical density: the run goes on (a few
 * dead pixels are common), but a block of them is a damaged file or a detector that dropped out,
 * and the shifts and the volume suffer; the user hears of it. */
static void
warn_clamped (GPtrArray  *set,
              const char *input,
              guint       bin)
{
  guint64 clamped = 0, total = 0;

  for (guint i = 0; i < set->len; i++)
    {
      const EvoxTiltSeries *series = set->pdata[i];

      clamped += series->n_clamped;
      /* clamped counts the detector's pixels, before binning */
      total += (guint64) series->nx * series->ny * series->n_angles * bin * bin;
    }
  if (clamped > 0)
    g_printerr ("evox: warning: %s: %" G_GUINT64_FORMAT " pixel%s (%.3g %% of the projections) "
                "at or below the dark level, read as optical density %.4g\n", input, clamped,
                clamped == 1 ? "" : "s", 100.0 * clamped / MAX (total, 1),
                -log (EVOX_TILT_MIN_TRANSMISSION));
}

typedef struct
{
  GPtrArray             *set;
  const EvoxTomoOptions *options;
  EvoxTomoReport        *report;
  GCancellable          *cancellable;
} Job;

static gpointer
reconstruct_job (gpointer       data,
                 EvoxProgress  *progress,
                 GError       **error)
{
  Job *job = data;

  if (job->set->len == 1)
    return evox_tomo_run (job->set->pdata[0], job->options, &job->report, NULL, NULL, progress,
                          job->cancellable, error);
  return evox_tomo_run_spectral ((EvoxTiltSeries **) job->set->pdata, job->set->len,
                                 job->options, &job->report, NULL, NULL, progress,
                                 job->cancellable, error);
}

static gboolean
write_volume (EvoxVolume    *volume,
              const char    *path,
              gboolean       hdf5,
              const char    *provenance,
              gboolean       force,
              GCancellable  *cancellable,
              GError       **error)
{
  if (hdf5)
    return evox_hdf5_write_with_provenance (volume, path, force, provenance, NULL, cancellable,
                                            error);
  if (evox_volume_get_n_channels (volume) > 1)
    return evox_energy_tiff_write_stack_with_provenance (volume, path, force, provenance, error);
  return evox_tiff_write_with_provenance (volume, 0, path,
                                          EVOX_TIFF_WRITE_F32 |
                                          (force ? EVOX_TIFF_WRITE_OVERWRITE : 0),
                                          provenance, error);
}

/* The report first, under a temporary name (small, and it fails early on a bad path); it takes
 * its own name once the volume is written, so a failed run leaves neither. */
static gboolean
write_outputs (Options              *o,
               EvoxVolume           *volume,
               const EvoxTomoReport *report,
               gboolean              hdf5,
               const char           *provenance,
               GCancellable         *cancellable,
               int                  *status)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *report_tmp = NULL;

  if (o->report != NULL)
    {
      report_tmp = _evox_output_new_temporary (o->report, &error);
      if (report_tmp == NULL || !evox_tomo_report_write_csv (report, report_tmp, TRUE, &error) ||
          !evox_csv_add_provenance (report_tmp, provenance, &error))
        {
          g_autoptr(GString) message = g_string_new (error->message);

          if (report_tmp != NULL)
            {
              g_string_replace (message, report_tmp, o->report, 0);
              g_unlink (report_tmp);
            }
          *status = _evox_cli_error (EVOX_EXIT_INPUT, "%s", message->str);
          return FALSE;
        }
    }
  if (!write_volume (volume, o->output, hdf5, provenance, o->force, cancellable, &error))
    {
      if (report_tmp != NULL)
        g_unlink (report_tmp);
      *status = _evox_cli_maps_fail (error, NULL, EVOX_EXIT_INPUT);
      return FALSE;
    }
  if (report_tmp != NULL && g_rename (report_tmp, o->report) != 0)
    {
      int saved_errno = errno;

      g_unlink (report_tmp);
      *status = _evox_cli_error (EVOX_EXIT_INPUT, "Cannot write %s: %s", o->report,
                                 g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

static double
rms (const double *v,
     guint         n)
{
  double sum = 0.0;

  for (guint i = 0; i < n; i++)
    sum += v[i] * v[i];
  return n > 0 ? sqrt (sum / n) : NAN;
}

static void
print_resolution (const char *name,
                  double      value,
                  const char *unit)
{
  if (isfinite (value))
    printf ("%s: %.4g %s\n", name, value, unit);
  else
    printf ("%s: not reached (the curve stays above the threshold, or never rises above it)\n",
            name);
}

/* A few lines on stdout: what was reconstructed, the centre, the shifts, the resolution, the
 * time. */
static void
print_summary (const EvoxTiltSeries  *series,
               guint                  n_energies,
               const EvoxTomoOptions *options,
               EvoxVolume            *volume,
               const EvoxTomoReport  *report)
{
  gsize dims[3];
  double spacing[3];
  gboolean per_nm = evox_volume_get_spacing_known (volume);
  const char *unit = report->fsc_per_nm ? "nm" : "voxels";

  evox_volume_get_dims (volume, dims);
  evox_volume_get_spacing (volume, spacing);
  printf ("projections: %u angles of %u x %u pixels\n", series->n_angles, series->nx,
          series->ny);
  if (n_energies > 1)
    printf ("energies: %u\n", n_energies);
  printf ("volume: %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " voxels",
          dims[0], dims[1], dims[2]);
  if (per_nm)
    printf (" of %.4g nm, linear attenuation per nm\n", spacing[0]);
  else
    printf (" (pixel size unknown: attenuation per pixel)\n");
  printf ("alignment: %s\n", evox_volume_get_metadata (volume, "tomo_alignment"));
  if (options->align != EVOX_TOMO_ALIGN_NONE)
    printf ("shifts RMS: dx %.3f px, dy %.3f px (first-pass fit residual %.3f px)\n",
            rms (report->dx, report->n_angles), rms (report->dy, report->n_angles),
            report->fast_rms);
  if (report->iterations->len > 0)
    {
      const EvoxTomoIteration *last = &g_array_index (report->iterations, EvoxTomoIteration,
                                                      report->iterations->len - 1);

      printf ("reprojection: %u iteration%s, last residual %.4g, last update %.3f px\n",
              report->iterations->len, report->iterations->len == 1 ? "" : "s", last->residual,
              last->update_rms);
    }
  printf ("centre: %.2f px", report->center);
  if (isfinite (report->center_fit))
    printf (" (fit %.2f px%s)", report->center_fit,
            report->center_scan->len > 0 ? ", refined by the sharpness search" : "");
  printf ("\n");
  if (report->n_shells > 0)
    {
      print_resolution ("resolution (half-bit FSC)", report->resolution_half_bit, unit);
      print_resolution ("resolution (FSC 1/7)", report->resolution_fixed, unit);
    }
  printf ("time: %.2f s\n", report->seconds);
}

/* The session's "reconstruction" record: the options as the command takes them (defaults
 * written out), and in "result" the centre, the shifts and the resolution reached. */
static JsonObject *
reconstruction_record_new (const Options        *o,
                           guint                 bin,
                           gboolean              hdf5,
                           const EvoxTomoReport *report)
{
  JsonObject *record = _evox_cli_record_new ();
  JsonObject *result = json_object_new ();

  json_object_set_string_member (record, "align", o->align != NULL ? o->align : "fast");
  json_object_set_string_member (record, "center", o->center != NULL ? o->center : "auto");
  json_object_set_string_member (record, "algorithm",
                                 o->algorithm != NULL ? o->algorithm : "fbp");
  json_object_set_string_member (record, "filter", o->filter != NULL ? o->filter : "ramp");
  json_object_set_int_member (record, "bin", bin);
  json_object_set_boolean_member (record, "fsc", !o->no_fsc);
  json_object_set_boolean_member (record, "report", o->report != NULL);
  json_object_set_string_member (record, "output", hdf5 ? "hdf5" : "tiff");

  json_object_set_double_member (result, "center-px", report->center);
  json_object_set_int_member (result, "angles", report->n_angles);
  if (report->n_angles > 0)
    {
      json_object_set_double_member (result, "shift-rms-dx-px",
                                     rms (report->dx, report->n_angles));
      json_object_set_double_member (result, "shift-rms-dy-px",
                                     rms (report->dy, report->n_angles));
    }
  if (report->n_shells > 0)
    {
      json_object_set_string_member (result, "resolution-unit",
                                     report->fsc_per_nm ? "nm" : "voxels");
      /* Not reached: left out, as JSON has no infinity. */
      if (isfinite (report->resolution_half_bit))
        json_object_set_double_member (result, "resolution-half-bit",
                                       report->resolution_half_bit);
      if (isfinite (report->resolution_fixed))
        json_object_set_double_member (result, "resolution-fsc-1-7", report->resolution_fixed);
    }
  json_object_set_object_member (record, "result", result);
  return record;
}

int
_evox_cli_reconstruct (int    argc,
                       char **argv)
{
  /* First, before any thread starts: Ctrl-C then cancels the run and nothing is written. */
  g_autoptr(GCancellable) cancellable = _evox_cli_cancel_on_signal ();
  g_auto(Options) o = { NULL };
  g_autoptr(GOptionContext) context = g_option_context_new (_("IN -o OUT.tif|OUT.h5"));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) set = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxTomoReport) report = NULL;
  g_autofree char *command = evox_provenance_join_argv (argc, argv);
  g_autofree char *provenance = NULL;
  EvoxTomoOptions options;
  EvoxTiltReadOptions read_options;
  const char *input;
  gboolean hdf5 = FALSE;
  guint bin;
  int status;
  Job job;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &o.output,
      N_("The volume: one f32 TIFF with the voxel size (.tif, .tiff; a multi-energy series as a "
         "hyperstack, a frame per energy) or Data Exchange HDF5 (.h5, .hdf5)"), "OUT" },
    { "align", 0, 0, G_OPTION_ARG_STRING, &o.align,
      N_("Jitter alignment: none, fast (row-sum profiles and the centre-of-mass sinusoid, the "
         "default) or reproject (fast, then N reprojection iterations; 5 by default)"),
      "none|fast|reproject[:N]" },
    { "center", 0, 0, G_OPTION_ARG_STRING, &o.center,
      N_("Rotation axis in detector pixels after binning (0 is the first pixel's centre), or "
         "auto: the centre-of-mass fit's refined by a sharpness search (the default)"),
      "C|auto" },
    { "algorithm", 0, 0, G_OPTION_ARG_STRING, &o.algorithm,
      N_("Filtered back-projection (the default) or SIRT with N iterations (50 by default)"),
      "fbp|sirt[:N]" },
    { "filter", 0, 0, G_OPTION_ARG_STRING, &o.filter,
      N_("The FBP filter: ramp (the default), ramp with a Shepp-Logan or a Hann window"),
      "ramp|shepp-logan|hann" },
    { "bin", 0, 0, G_OPTION_ARG_STRING, &o.bin,
      N_("Average N x N detector pixels after flat and dark correction"), "N" },
    { "report", 0, 0, G_OPTION_ARG_FILENAME, &o.report,
      N_("Write the quality report (shifts per angle, iterations, centre scan, odd/even FSC) "
         "as CSV"), "QC.csv" },
    { "no-fsc", 0, 0, G_OPTION_ARG_NONE, &o.no_fsc,
      N_("Skip the odd/even reconstructions of the resolution estimate"), NULL },
    { "session", 0, 0, G_OPTION_ARG_FILENAME, &o.session,
      N_("Also save what was done as a session (input, alignment, centre, algorithm, filter, "
         "binning, the centre and resolution reached), which 'evox apply' runs again"),
      "OUT.evox" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &o.force, N_("Replace output files that exist"), NULL },
    { "provenance", 0, 0, G_OPTION_ARG_NONE, &o.provenance,
      N_("Record Evox's version, IN and its SHA-256 and this command: in the volume's TIFF "
         "description or HDF5 attribute evox_provenance, and as '# ' lines above the report"),
      NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
      _("Reconstruct a tilt series: flat and dark corrected into optical density, jitter\n"
        "aligned, the rotation centre found, then filtered back-projection or SIRT. IN is a\n"
        "Data Exchange HDF5 file (/exchange/data, data_white, data_dark, theta), an Xradia\n"
        ".txrm file or a folder of per-angle .xrm files with their references; a multi-energy\n"
        "set (an SSRL scan script or a folder of .xrm files at several energies, a folder of\n"
        ".txrm files) gives a volume with a channel per energy. Prints the centre, the shifts,\n"
        "the resolution (FSC of odd and even angles) and the time. Nothing is written unless\n"
        "everything succeeds; Ctrl-C cancels (status 130)."));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return _evox_cli_usage_error (context, "%s", error->message);
  if (argc < 2)
    return _evox_cli_usage_error (context, "expected IN");
  if (argc > 2)
    return _evox_cli_usage_error (context, "expected one IN, not %d", argc - 1);
  input = argv[1];

  if (!parse_values (&o, &options, &bin, &status) ||
      !check_outputs (&o, input, &hdf5, &status))
    return status;

  evox_tilt_read_options_init (&read_options);
  read_options.bin = bin;
  set = evox_tilt_reader_load_set (input, &read_options, NULL, cancellable, &error);
  if (set == NULL)
    return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
           ? _evox_cli_maps_fail (error, NULL, EVOX_EXIT_CANCELLED)
           : _evox_cli_input_error (error);
  if (set->len == 0)
    return _evox_cli_error (EVOX_EXIT_INPUT, "%s: no tilt series in it", input);
  if (!check_set (set, input, &options, bin, &status))
    return status;
  warn_clamped (set, input, bin);
  /* A multi-energy volume one slice deep goes to TIFF as a page per energy with an energies
   * file beside it: that file is an output too, known only now. */
  if (!hdf5 && set->len > 1 && ((EvoxTiltSeries *) set->pdata[0])->ny == 1)
    {
      g_autofree char *energies = evox_spectral_energies_path (o.output);
      EvoxCliOutput outputs[] = { { "-o", o.output }, { "-o", energies } };

      if (!_evox_cli_check_outputs (outputs, G_N_ELEMENTS (outputs), input, o.force, &status))
        return status;
    }

  job = (Job) { set, &options, NULL, cancellable };
  volume = _evox_cli_run_with_progress (reconstruct_job, &job, "evox-reconstruct",
                                        _("Reconstructing"), &error);
  report = job.report;
  if (volume == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return _evox_cli_maps_fail (error, NULL, EVOX_EXIT_CANCELLED);
      if (strstr (error->message, input) == NULL)
        g_prefix_error (&error, "%s: ", input);
      /* The options were checked above: what the pipeline refuses now is the data (a projection
       * with no signal, series that do not match). */
      return _evox_cli_error (EVOX_EXIT_INPUT, "%s", error->message);
    }
  /* A Ctrl-C during the last step stops here: the TIFF writer cannot be cancelled. */
  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    return _evox_cli_maps_fail (error, NULL, EVOX_EXIT_CANCELLED);
  /* The volume made stands for the input: a tilt series is no volume a session reads. */
  if (o.session != NULL &&
      !_evox_cli_save_session_record (volume, input, "reconstruction",
                                      reconstruction_record_new (&o, bin, hdf5, report),
                                      o.session, o.force, &status))
    return status;
  if (o.provenance)
    provenance = _evox_cli_provenance (input, command);
  if (!write_outputs (&o, volume, report, hdf5, provenance, cancellable, &status))
    {
      if (o.session != NULL)
        g_unlink (o.session);
      return status;
    }
  print_summary (set->pdata[set->len - 1], set->len, &options, volume, report);
  return EVOX_EXIT_OK;
}
