/* evox-cli-register.c: `evox register`, the energies of a spectral stack onto one grid, written as
 * HDF5 or TIFF, with the quality report as CSV. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "evox-cli-private.h"
#include "evox-csv.h"
#include "evox-energy-tiff-writer.h"
#include "evox-hdf5.h"
#include "evox-loader.h"
#include "evox-methods.h"
#include "evox-output.h"
#include "evox-register.h"
#include "evox-registration-csv.h"
#include "evox-spectral-reader.h"

/* Energies match a channel within this, as evox_register_stack matches them. */
#define ENERGY_TOLERANCE_EV 0.05

typedef enum
{
  OUTPUT_HDF5,
  OUTPUT_TIFF_STACK,   /* OUT.tif + OUT.energies.txt */
  OUTPUT_TIFF_FOLDER,  /* OUTDIR/STEM_<E>eV.tif */
} OutputKind;

typedef struct
{
  char     *output;
  char     *reference;
  char     *exclude;
  char     *scale;
  char     *report;
  char     *bin;
  char     *session;
  gboolean  force;
  gboolean  provenance;
} Options;

static void
options_clear (Options *o)
{
  g_clear_pointer (&o->output, g_free);
  g_clear_pointer (&o->reference, g_free);
  g_clear_pointer (&o->exclude, g_free);
  g_clear_pointer (&o->scale, g_free);
  g_clear_pointer (&o->report, g_free);
  g_clear_pointer (&o->bin, g_free);
  g_clear_pointer (&o->session, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

/* What the command line asked for, checked before anything is read. */
typedef struct
{
  const char * const  *inputs;
  guint                n_inputs;
  OutputKind           kind;
  char                *folder;        /* OUTPUT_TIFF_FOLDER, without the trailing separator */
  char                *stem;          /* OUTPUT_TIFF_FOLDER: the files' common start */
  char                *energies;      /* OUTPUT_TIFF_STACK: the energies file */
  gboolean             make_folder;   /* the folder does not exist yet */
  EvoxRegisterOptions  options;
  GArray              *exclude;       /* double, eV */
  guint                bin;
} Request;

static void
request_clear (Request *request)
{
  g_clear_pointer (&request->folder, g_free);
  g_clear_pointer (&request->stem, g_free);
  g_clear_pointer (&request->energies, g_free);
  g_clear_pointer (&request->exclude, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Request, request_clear)

/* A positive energy in eV as typed: plain decimal, no unit; spaces around it (after a comma of
 * --exclude) are dropped in place. */
static gboolean
parse_energy (char   *text,
              double *energy)
{
  char *end = NULL;

  g_strstrip (text);
  if (text[0] == '\0')
    return FALSE;
  *energy = g_ascii_strtod (text, &end);
  return end != text && *end == '\0' && isfinite (*energy) && *energy > 0;
}

/* The input's file name without its folder and extension: the start of the folder output's
 * names. Several .xrm files share no one name, so theirs is "registered". */
static char *
output_stem (const Request *request)
{
  g_autofree char *base = NULL;
  char *dot;

  if (request->n_inputs != 1)
    return g_strdup ("registered");
  base = g_path_get_basename (request->inputs[0]);
  dot = strrchr (base, '.');
  if (dot != NULL && dot != base)
    *dot = '\0';
  return g_steal_pointer (&base);
}

/* Options whose values are words or numbers. */
static gboolean
parse_values (Options  *o,
              Request  *request,
              int      *status)
{
  evox_register_options_init (&request->options);
  request->exclude = g_array_new (FALSE, FALSE, sizeof (double));
  request->bin = 1;

  if (o->scale != NULL && !evox_register_scale_from_string (o->scale, &request->options.scale))
    {
      *status = _evox_cli_usage_error (NULL, "--scale must be energy, fit or none, not '%s'",
                                       o->scale);
      return FALSE;
    }
  if (o->reference != NULL &&
      !parse_energy (o->reference, &request->options.reference_ev))
    {
      *status = _evox_cli_usage_error (NULL, "--reference must be an energy in eV, not '%s'",
                                       o->reference);
      return FALSE;
    }
  if (o->exclude != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (o->exclude, ",", -1);

      for (guint i = 0; parts[i] != NULL; i++)
        {
          double energy;

          if (!parse_energy (parts[i], &energy))
            {
              *status = _evox_cli_usage_error (NULL, "--exclude takes energies in eV separated "
                                               "by commas, not '%s'", o->exclude);
              return FALSE;
            }
          g_array_append_val (request->exclude, energy);
        }
      request->options.exclude_ev = (const double *) request->exclude->data;
      request->options.n_exclude = request->exclude->len;
    }
  if (!_evox_cli_parse_bin (o->bin, &request->bin, status))
    return FALSE;
  return TRUE;
}

/* What the common output check cannot see: the folder output being the input folder (its new
 * files would join the raw ones), and the stack's energies file being the one the input TIFF
 * pairs with. */
static gboolean
check_not_input (const Request *request,
                 int           *status)
{
  for (guint i = 0; i < request->n_inputs; i++)
    {
      g_autofree char *input = g_canonicalize_filename (request->inputs[i], NULL);

      if (request->kind == OUTPUT_TIFF_FOLDER)
        {
          g_autofree char *folder = g_canonicalize_filename (request->folder, NULL);

          if (g_str_equal (folder, input))
            {
              *status = _evox_cli_error (EVOX_EXIT_USAGE, "-o %s: that is the input folder",
                                         request->folder);
              return FALSE;
            }
        }
      else if (request->kind == OUTPUT_TIFF_STACK)
        {
          g_autofree char *ours = g_canonicalize_filename (request->energies, NULL);
          g_autofree char *theirs_rel = evox_spectral_energies_path (request->inputs[i]);
          g_autofree char *theirs = theirs_rel != NULL ? g_canonicalize_filename (theirs_rel, NULL)
                                                       : NULL;

          if (g_strcmp0 (ours, theirs) == 0 || g_str_equal (ours, input))
            {
              *status = _evox_cli_error (EVOX_EXIT_USAGE, "-o: the energies file %s belongs to "
                                         "the input %s", request->energies, request->inputs[i]);
              return FALSE;
            }
        }
    }
  return TRUE;
}

/* -o decides the output's kind by its name; the rest of it is checked as every command checks
 * its outputs, before anything is read. */
static gboolean
parse_output (Options  *o,
              Request  *request,
              int      *status)
{
  const char *out = o->output;
  g_autoptr(GArray) outputs = g_array_new (FALSE, FALSE, sizeof (EvoxCliOutput));
  EvoxCliOutput output;

  if (out == NULL || out[0] == '\0')
    {
      *status = _evox_cli_usage_error (NULL, "-o OUT is required: an .h5 or .tif file, or a "
                                       "folder ending in /");
      return FALSE;
    }
  if (g_str_has_suffix (out, G_DIR_SEPARATOR_S) || g_file_test (out, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *parent = NULL;

      request->kind = OUTPUT_TIFF_FOLDER;
      request->folder = g_strdup (out);
      while (strlen (request->folder) > 1 && g_str_has_suffix (request->folder, G_DIR_SEPARATOR_S))
        request->folder[strlen (request->folder) - 1] = '\0';
      request->stem = output_stem (request);
      request->make_folder = !g_file_test (request->folder, G_FILE_TEST_EXISTS);
      if (!request->make_folder && !g_file_test (request->folder, G_FILE_TEST_IS_DIR))
        {
          *status = _evox_cli_error (EVOX_EXIT_INPUT, "-o %s: is a file, not a folder", out);
          return FALSE;
        }
      /* A folder is made when missing, but only one level: a mistyped path should not grow a
       * tree of folders. */
      parent = g_path_get_dirname (request->folder);
      if (request->make_folder && !g_file_test (parent, G_FILE_TEST_IS_DIR))
        {
          *status = _evox_cli_error (EVOX_EXIT_INPUT, "cannot write %s: the folder %s does not "
                                     "exist", out, parent);
          return FALSE;
        }
      if (g_access (request->make_folder ? parent : request->folder, W_OK) != 0)
        {
          *status = _evox_cli_error (EVOX_EXIT_INPUT, "cannot write %s: the folder %s is not "
                                     "writable", out,
                                     request->make_folder ? parent : request->folder);
          return FALSE;
        }
    }
  else if (_evox_cli_has_suffix_nocase (out, ".h5") || _evox_cli_has_suffix_nocase (out, ".hdf5"))
    {
      request->kind = OUTPUT_HDF5;
      output = (EvoxCliOutput) { "-o", out };
      g_array_append_val (outputs, output);
    }
  else if (_evox_cli_has_suffix_nocase (out, ".tif") || _evox_cli_has_suffix_nocase (out, ".tiff"))
    {
      request->kind = OUTPUT_TIFF_STACK;
      request->energies = evox_spectral_energies_path (out);
      output = (EvoxCliOutput) { "-o", out };
      g_array_append_val (outputs, output);
      output = (EvoxCliOutput) { "-o", request->energies };
      g_array_append_val (outputs, output);
    }
  else
    {
      *status = _evox_cli_usage_error (NULL, "OUT must end in .h5, .hdf5, .tif or .tiff, or "
                                       "name a folder (ending in /): '%s'", out);
      return FALSE;
    }
  if (o->report != NULL)
    {
      output = (EvoxCliOutput) { "--report", o->report };
      g_array_append_val (outputs, output);
    }
  for (guint i = 0; outputs->len > 0 && i < request->n_inputs; i++)
    if (!_evox_cli_check_outputs ((EvoxCliOutput *) outputs->data, outputs->len,
                                  request->inputs[i], o->force, status))
      return FALSE;
  if (o->session != NULL && request->n_inputs > 1)
    {
      /* A session reads one input again; a list of files is none. */
      *status = _evox_cli_usage_error (NULL, "--session needs one IN (a folder, a scan script or "
                                       "a stack), not a list of .xrm files");
      return FALSE;
    }
  if (!_evox_cli_check_session_output (o->session, (EvoxCliOutput *) outputs->data, outputs->len,
                                       request->inputs[0], o->force, status))
    return FALSE;
  return check_not_input (request, status);
}

/* Several inputs are the .xrm files of one stack (a plain list, as APS users have them). */
static gboolean
check_inputs (Request *request,
              int     *status)
{
  EvoxFormat format;
  g_autoptr(GError) error = NULL;

  if (request->n_inputs > 1)
    {
      for (guint i = 0; i < request->n_inputs; i++)
        if (!_evox_cli_has_suffix_nocase (request->inputs[i], ".xrm"))
          {
            *status = _evox_cli_usage_error (NULL, "several IN must be .xrm files of one stack "
                                             "(give any other stack as one file or folder): "
                                             "'%s'", request->inputs[i]);
            return FALSE;
          }
      return TRUE;
    }
  format = evox_detect_format (request->inputs[0], &error);
  if (format == EVOX_FORMAT_UNKNOWN)
    {
      *status = _evox_cli_input_error (error);
      return FALSE;
    }
  if (request->bin > 1 && format != EVOX_FORMAT_XRADIA && format != EVOX_FORMAT_HDF5 &&
      format != EVOX_FORMAT_SPECTRAL)
    {
      *status = _evox_cli_usage_error (NULL, "--bin applies to Xradia, HDF5 and spectral sets, "
                                       "not to %s", request->inputs[0]);
      return FALSE;
    }
  return TRUE;
}

static EvoxVolume *
load_input (Request  *request,
            int      *status)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume;

  if (request->n_inputs > 1)
    {
      EvoxSpectralOptions options = { request->bin };

      volume = evox_spectral_load_files (request->inputs, &options, NULL, NULL, &error);
    }
  else
    {
      EvoxLoadOptions options = { NULL, request->bin };

      volume = evox_volume_load_with (request->inputs[0], &options, NULL, NULL, &error);
    }
  if (volume == NULL)
    *status = _evox_cli_input_error (error);
  return volume;
}

/* The session's "registration" record: the options, how the stack was written, and the
 * quality the registration reached ("result"). */
static JsonObject *
registration_record_new (const Request    *request,
                         const Options    *o,
                         EvoxRegistration *registration)
{
  static const char *const kinds[] = { "hdf5", "tiff", "folder" };
  JsonObject *record = _evox_cli_record_new ();
  JsonObject *result = json_object_new ();
  const EvoxRegistrationEntry *reference = evox_registration_get_reference (registration);
  guint n = evox_registration_get_n_entries (registration), n_registered = 0, n_flagged = 0;
  guint n_residual = 0;
  double sum_sq = 0.0, max_residual = 0.0, min_ncc = INFINITY;

  if (o->reference != NULL)
    json_object_set_double_member (record, "reference-ev", request->options.reference_ev);
  else
    json_object_set_null_member (record, "reference-ev");
  json_object_set_string_member (record, "scale",
                                 evox_register_scale_to_string (request->options.scale));
  json_object_set_array_member (record, "exclude-ev",
                                _evox_cli_json_numbers ((const double *) request->exclude->data,
                                                        request->exclude->len));
  json_object_set_string_member (record, "output", kinds[request->kind]);
  json_object_set_boolean_member (record, "report", o->report != NULL);

  for (guint i = 0; i < n; i++)
    {
      const EvoxRegistrationEntry *e = evox_registration_get_entry (registration, i);

      if (e->excluded)
        continue;
      n_registered++;
      n_flagged += e->flagged;
      if (!e->is_reference && isfinite (e->residual_px))
        {
          sum_sq += e->residual_px * e->residual_px;
          max_residual = MAX (max_residual, e->residual_px);
          n_residual++;
        }
      if (!e->is_reference && isfinite (e->ncc_after))
        min_ncc = MIN (min_ncc, e->ncc_after);
    }
  json_object_set_double_member (result, "reference-ev",
                                 reference != NULL ? reference->energy_ev : 0.0);
  json_object_set_int_member (result, "energies", n_registered);
  json_object_set_int_member (result, "flagged", n_flagged);
  /* Over the energies other than the reference: the length of the shift left when each
   * registered image is registered again. */
  if (n_residual > 0)
    {
      json_object_set_double_member (result, "rms-residual-px", sqrt (sum_sq / n_residual));
      json_object_set_double_member (result, "max-residual-px", max_residual);
    }
  if (isfinite (min_ncc))
    json_object_set_double_member (result, "min-ncc-after", min_ncc);
  json_object_set_object_member (record, "result", result);
  return record;
}

static const char *
input_name (const Request *request)
{
  return request->n_inputs == 1 ? request->inputs[0] : "the .xrm files";
}

static int
find_energy (EvoxVolume *volume,
             double      energy)
{
  guint n = evox_volume_get_n_channels (volume);

  for (guint c = 0; c < n; c++)
    if (fabs (evox_volume_get_channel_energy (volume, c) - energy) <= ENERGY_TOLERANCE_EV)
      return (int) c;
  return -1;
}

/* "8250 to 8570 eV": what the user could have typed. */
static char *
energy_range (EvoxVolume *volume)
{
  double lo = INFINITY, hi = -INFINITY;
  guint n = evox_volume_get_n_channels (volume);

  for (guint c = 0; c < n; c++)
    {
      double e = evox_volume_get_channel_energy (volume, c);

      lo = MIN (lo, e);
      hi = MAX (hi, e);
    }
  return g_strdup_printf ("%u energies from %.1f to %.1f eV", n, lo, hi);
}

/* The stack must be one to register, and the energies named on the command line in it: said
 * here with the input's name rather than as the registration's argument error. */
static gboolean
check_volume (Request    *request,
              EvoxVolume *volume,
              int        *status)
{
  guint n = evox_volume_get_n_channels (volume);
  g_autofree char *range = NULL;

  if (n < 2)
    {
      *status = _evox_cli_error (EVOX_EXIT_INPUT, "%s: one image or volume, no stack of energies "
                                 "to register", input_name (request));
      return FALSE;
    }
  for (guint c = 0; c < n; c++)
    if (!isfinite (evox_volume_get_channel_energy (volume, c)))
      {
        *status = _evox_cli_error (EVOX_EXIT_INPUT, "%s: channel %u has no energy; registration "
                                   "needs the energy of every channel", input_name (request), c);
        return FALSE;
      }
  range = energy_range (volume);
  if (isfinite (request->options.reference_ev) && request->options.reference_ev > 0 &&
      find_energy (volume, request->options.reference_ev) < 0)
    {
      *status = _evox_cli_error (EVOX_EXIT_USAGE, "--reference %g: %s has no such energy (it "
                                 "has %s)", request->options.reference_ev, input_name (request),
                                 range);
      return FALSE;
    }
  for (guint i = 0; i < request->exclude->len; i++)
    {
      double e = g_array_index (request->exclude, double, i);

      if (find_energy (volume, e) < 0)
        {
          *status = _evox_cli_error (EVOX_EXIT_USAGE, "--exclude %g: %s has no such energy (it "
                                     "has %s)", e, input_name (request), range);
          return FALSE;
        }
      if (isfinite (request->options.reference_ev) && request->options.reference_ev > 0 &&
          fabs (e - request->options.reference_ev) <= ENERGY_TOLERANCE_EV)
        {
          *status = _evox_cli_error (EVOX_EXIT_USAGE, "--exclude %g: that is the reference "
                                     "energy", e);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
is_excluded (const Request *request,
             double         energy)
{
  for (guint i = 0; i < request->exclude->len; i++)
    if (fabs (g_array_index (request->exclude, double, i) - energy) <= ENERGY_TOLERANCE_EV)
      return TRUE;
  return FALSE;
}

/* The folder's files are known once the energies are: refused now, before the registration's
 * work, rather than after it. */
static gboolean
check_folder_files (Request    *request,
                    EvoxVolume *volume,
                    gboolean    force,
                    int        *status)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  guint n = evox_volume_get_n_channels (volume);

  for (guint c = 0; c < n; c++)
    {
      double energy = evox_volume_get_channel_energy (volume, c);
      char *path;

      if (is_excluded (request, energy))
        continue;
      path = evox_energy_tiff_folder_file (request->folder, request->stem, energy);
      g_ptr_array_add (paths, path);
      for (guint j = 0; j + 1 < paths->len; j++)
        if (g_str_equal (paths->pdata[j], path))
          {
            *status = _evox_cli_error (EVOX_EXIT_INPUT, "-o %s: two energies round to %.1f eV, "
                                       "which names one file for both (write .h5 or .tif "
                                       "instead)", request->folder, energy);
            return FALSE;
          }
      if (!force && g_file_test (path, G_FILE_TEST_EXISTS))
        {
          *status = _evox_cli_error (EVOX_EXIT_INPUT, "%s: exists already (use --force to "
                                     "replace it)", path);
          return FALSE;
        }
    }
  return TRUE;
}

typedef struct
{
  EvoxVolume                *volume;
  const EvoxRegisterOptions *options;
  GCancellable              *cancellable;
} Job;

static gpointer
register_job (gpointer       data,
              EvoxProgress  *progress,
              GError       **error)
{
  Job *job = data;

  return evox_register_stack (job->volume, job->options, progress, job->cancellable, error);
}

/* On a terminal the stages show on stderr while the registration runs. */
static EvoxRegistration *
run_registration (EvoxVolume                *volume,
                  const EvoxRegisterOptions *options,
                  GCancellable              *cancellable,
                  GError                   **error)
{
  Job job = { volume, options, cancellable };

  return _evox_cli_run_with_progress (register_job, &job, "evox-register", _("Registering"),
                                      error);
}

/* `evox xanes --register` and `evox elements --register`: the stack registered as `evox register
 * IN` registers it by default, before their maps; the registration (for its summary) or NULL. */
EvoxRegistration *
_evox_cli_register_default (EvoxVolume    *volume,
                            GCancellable  *cancellable,
                            GError       **error)
{
  EvoxRegisterOptions options;

  evox_register_options_init (&options);
  return run_registration (volume, &options, cancellable, error);
}

static gboolean
write_volume (Request     *request,
              const char  *out,
              EvoxVolume  *registered,
              const char  *provenance,
              gboolean     force,
              GError     **error)
{
  switch (request->kind)
    {
    case OUTPUT_HDF5:
      return evox_hdf5_write_with_provenance (registered, out, force, provenance, NULL, NULL,
                                              error);
    case OUTPUT_TIFF_STACK:
      return evox_energy_tiff_write_stack_with_provenance (registered, out, force, provenance,
                                                           error);
    case OUTPUT_TIFF_FOLDER:
    default:
      if (request->make_folder && g_mkdir (request->folder, 0777) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       "Cannot make the folder %s: %s", request->folder,
                       g_strerror (saved_errno));
          return FALSE;
        }
      if (!evox_energy_tiff_write_folder_with_provenance (registered, request->folder,
                                                          request->stem, force, provenance,
                                                          error))
        {
          if (request->make_folder)
            g_rmdir (request->folder);
          return FALSE;
        }
      return TRUE;
    }
}

/* The report first, under a temporary name: it is small and fails early on a bad path. It takes
 * its own name only once the volume is written, so a failed run leaves neither, and a report
 * that --force would replace stays as it was. */
static gboolean
write_outputs (Request          *request,
               Options          *o,
               EvoxRegistration *registration,
               const char       *provenance,
               int              *status)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *report_tmp = NULL;
  EvoxVolume *registered = evox_registration_get_registered (registration);

  if (o->report != NULL)
    {
      report_tmp = _evox_output_new_temporary (o->report, &error);
      if (report_tmp == NULL ||
          !evox_registration_csv_write (registration, report_tmp, TRUE, &error) ||
          !evox_csv_add_provenance (report_tmp, provenance, &error))
        {
          g_autoptr(GString) message = g_string_new (error->message);

          /* The message names the temporary; the user asked for the report's name. */
          if (report_tmp != NULL)
            {
              g_string_replace (message, report_tmp, o->report, 0);
              g_unlink (report_tmp);
            }
          *status = _evox_cli_error (EVOX_EXIT_INPUT, "%s", message->str);
          return FALSE;
        }
    }
  if (!write_volume (request, o->output, registered, provenance, o->force, &error))
    {
      if (report_tmp != NULL)
        g_unlink (report_tmp);
      *status = _evox_cli_error (EVOX_EXIT_INPUT, "%s", error->message);
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

/* A table on stdout, a line per energy, then the reference and the count of flagged energies;
 * warnings for what the report says went wrong go to stderr. */
static void
print_summary (EvoxRegistration *registration,
               gboolean          three_d)
{
  guint n = evox_registration_get_n_entries (registration);
  guint n_flagged = 0, n_registered = 0;
  const EvoxRegistrationEntry *reference = evox_registration_get_reference (registration);

  printf ("energy_ev    shift_x   shift_y%s     scale  ncc_after  note\n",
          three_d ? "   shift_z" : "");
  for (guint i = 0; i < n; i++)
    {
      const EvoxRegistrationEntry *e = evox_registration_get_entry (registration, i);

      if (e->excluded)
        {
          printf ("%9.1f  %s\n", e->energy_ev, "excluded");
          continue;
        }
      n_registered++;
      printf ("%9.1f  %8.3f  %8.3f", e->energy_ev, e->shift[0], e->shift[1]);
      if (three_d)
        printf ("  %8.3f", e->shift[2]);
      printf ("  %8.5f  %9.4f  %s%s\n", e->scale, e->ncc_after,
              e->is_reference ? "reference" : e->is_anchor ? "anchor" : "",
              e->empty ? "flagged, empty"
              : e->flagged ? (e->is_reference || e->is_anchor ? ", flagged" : "flagged") : "");
      if (e->flagged)
        n_flagged++;
      if (e->empty)
        fprintf (stderr, "evox: warning: %.1f eV: the image is empty (no finite pixel, or one "
                 "value): left unshifted (flagged in the report)\n", e->energy_ev);
      else if (e->flagged)
        fprintf (stderr, "evox: warning: %.1f eV: its shift breaks the trend of its "
                 "neighbours (flagged in the report)\n", e->energy_ev);
      if (!e->is_reference && isfinite (e->residual_px) && e->residual_px >= 0.1)
        fprintf (stderr, "evox: warning: %.1f eV: %.3f px of shift remain after registration\n",
                 e->energy_ev, e->residual_px);
      /* A constant or all-NaN image has no correlation to measure: its shift and scale mean
       * nothing, though nothing else in the table says so. */
      if (!isfinite (e->ncc_after) && !e->empty)
        fprintf (stderr, "evox: warning: %.1f eV: no correlation with the reference could be "
                 "measured (a constant image, or no finite values): its shift means nothing\n",
                 e->energy_ev);
    }
  printf ("reference: %.1f eV\n", reference != NULL ? reference->energy_ev : NAN);
  printf ("flagged: %u of %u\n", n_flagged, n_registered);
}

int
_evox_cli_register (int    argc,
                    char **argv)
{
  g_auto(Options) o = { NULL };
  g_auto(Request) request = { NULL };
  g_autoptr(GOptionContext) context = g_option_context_new (_("IN... -o OUT.h5|OUT.tif|OUTDIR/"));
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxRegistration) registration = NULL;
  g_autofree char *command = evox_provenance_join_argv (argc, argv);
  g_autofree char *provenance = NULL;
  gsize dims[3];
  int status;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &o.output,
      N_("The registered stack: Data Exchange HDF5 (.h5, .hdf5), one f32 multi-page TIFF with "
         "OUT.energies.txt beside it (.tif, .tiff), or a folder (ending in /, made when "
         "missing) with STEM_<E>eV.tif per energy"), "OUT" },
    { "reference", 0, 0, G_OPTION_ARG_STRING, &o.reference,
      N_("The energy whose grid and pixel size the stack takes (default the highest)"), "E" },
    { "exclude", 0, 0, G_OPTION_ARG_STRING, &o.exclude,
      N_("Energies left out of the registered stack, comma-separated"), "E,E,..." },
    { "scale", 0, 0, G_OPTION_ARG_STRING, &o.scale,
      N_("Scale from the pixel sizes or the energy ratio refined by a search for the best "
         "correlation (fit, the default), as it is (energy), or none: translation only"),
      "fit|energy|none" },
    { "report", 0, 0, G_OPTION_ARG_FILENAME, &o.report,
      N_("Write the quality report (a row per energy) as CSV"), "QC.csv" },
    { "bin", 0, 0, G_OPTION_ARG_STRING, &o.bin,
      N_("Average N x N pixels (N^3 voxels) while reading Xradia, HDF5 and spectral sets"), "N" },
    { "session", 0, 0, G_OPTION_ARG_FILENAME, &o.session,
      N_("Also save what was done as a session (input, reading options, reference, scale, "
         "exclusions, the quality reached), which 'evox apply' runs again"), "OUT.evox" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &o.force, N_("Replace output files that exist"), NULL },
    { "provenance", 0, 0, G_OPTION_ARG_NONE, &o.provenance,
      N_("Put Evox's version, the first input and its SHA-256 and this command in the outputs: "
         "'# ' lines before the report's header, the HDF5 root's attribute evox_provenance, "
         "evox_provenance= in each TIFF's description"), NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
      _("Register the energies of a spectral stack onto the reference energy's grid: scale from\n"
        "the energy ratio refined by a search, translation by upsampled phase correlation, a\n"
        "chain of neighbours tied to anchors. IN is a stack with energies (a scan script, a\n"
        "folder, a TIFF with its energies file, an HDF5 or .txrm file) or several .xrm files.\n"
        "Prints each energy's shift (reference pixels), scale and correlation after, and the\n"
        "energies flagged as off the trend of their neighbours. Nothing is written unless\n"
        "everything succeeds."));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return _evox_cli_usage_error (context, "%s", error->message);
  if (argc < 2)
    return _evox_cli_usage_error (context, "expected IN");
  request.inputs = (const char * const *) argv + 1;
  request.n_inputs = (guint) argc - 1;

  if (!parse_values (&o, &request, &status) ||
      !parse_output (&o, &request, &status) ||
      !check_inputs (&request, &status))
    return status;

  volume = load_input (&request, &status);
  if (volume == NULL)
    return status;
  if (!check_volume (&request, volume, &status))
    return status;
  if (request.kind == OUTPUT_TIFF_FOLDER &&
      !check_folder_files (&request, volume, o.force, &status))
    return status;
  /* What the readers left out (missing files, energies without images) is said before the
   * work, so a user can stop a run on the wrong data. */
  _evox_cli_print_load_warnings (volume);

  registration = run_registration (volume, &request.options, NULL, &error);
  if (registration == NULL)
    {
      if (request.n_inputs == 1 && strstr (error->message, request.inputs[0]) == NULL)
        g_prefix_error (&error, "%s: ", request.inputs[0]);
      return _evox_cli_input_error (error);
    }
  if (o.session != NULL &&
      !_evox_cli_save_session_record (volume, request.inputs[0], "registration",
                                      registration_record_new (&request, &o, registration),
                                      o.session, o.force, &status))
    return status;
  if (o.provenance)
    provenance = _evox_cli_provenance (request.inputs[0], command);
  if (!write_outputs (&request, &o, registration, provenance, &status))
    {
      if (o.session != NULL)
        g_unlink (o.session);
      return status;
    }
  evox_volume_get_dims (volume, dims);
  print_summary (registration, dims[2] > 1);
  return EVOX_EXIT_OK;
}
