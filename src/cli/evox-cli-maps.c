/* evox-cli-maps.c: the outputs, cancellation, edges and percentiles `evox xanes` and `evox
 * elements` share. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evox-cli-maps.h"
#include "evox-energy-order.h"
#include "evox-energy-tiff-writer.h"
#include "evox-hdf5.h"
#include "evox-spectral-reader.h"
#include "evox-tiff.h"

/* Pixel sizes closer than this (relative) are one grid. */
#define SAME_PIXEL 1e-6

void
_evox_cli_maps_output_clear (EvoxCliMapsOutput *output)
{
  g_clear_pointer (&output->path, g_free);
  g_clear_pointer (&output->prefix, g_free);
}

gboolean
_evox_cli_maps_output_parse (const char        *out,
                             EvoxCliMapsOutput *output,
                             int               *status)
{
  static const char *const tiffs[] = { ".tif", ".tiff" };

  if (out == NULL || out[0] == '\0')
    {
      *status = _evox_cli_usage_error (NULL, "-o OUT.h5 or -o PREFIX.tif is required");
      return FALSE;
    }
  output->path = g_strdup (out);
  if (_evox_cli_has_suffix_nocase (out, ".h5") || _evox_cli_has_suffix_nocase (out, ".hdf5"))
    {
      output->kind = EVOX_CLI_MAPS_HDF5;
      return TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (tiffs); i++)
    if (_evox_cli_has_suffix_nocase (out, tiffs[i]))
      {
        output->kind = EVOX_CLI_MAPS_TIFF;
        output->prefix = g_strndup (out, strlen (out) - strlen (tiffs[i]));
        return TRUE;
      }
  *status = _evox_cli_usage_error (NULL, "-o %s: OUT must end in .h5 or .hdf5 (one file) or "
                                   ".tif or .tiff (PREFIX.tif: a TIFF per map)", out);
  return FALSE;
}

gboolean
_evox_cli_maps_parse_number (const char *text,
                             double     *value)
{
  char *end = NULL;

  *value = g_ascii_strtod (text, &end);
  return end != text && *end == '\0' && isfinite (*value);
}

/* A label as a file name's part: what a shell or a file system might take otherwise becomes
 * '_'. */
static char *
file_part (const char *label)
{
  char *part = g_strdup (label != NULL && label[0] != '\0' ? label : "map");

  for (char *p = part; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      *p = '_';
  return part;
}

static char *
tiff_file (const char *prefix,
           const char *label)
{
  g_autofree char *part = file_part (label);

  return g_strdup_printf ("%s_%s.tif", prefix, part);
}

gboolean
_evox_cli_maps_check (const EvoxCliMapsOutput *output,
                      const char * const      *labels,
                      guint                    n_labels,
                      const char              *stack,
                      const char              *input,
                      gboolean                 force,
                      int                     *status)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) outputs = g_array_new (FALSE, FALSE, sizeof (EvoxCliOutput));

  if (output->kind == EVOX_CLI_MAPS_HDF5)
    g_ptr_array_add (paths, g_strdup (output->path));
  else
    {
      for (guint i = 0; i < n_labels; i++)
        g_ptr_array_add (paths, tiff_file (output->prefix, labels[i]));
      if (stack != NULL)
        {
          char *path = tiff_file (output->prefix, stack);

          g_ptr_array_add (paths, path);
          g_ptr_array_add (paths, evox_spectral_energies_path (path));
        }
    }
  for (guint i = 0; i < paths->len; i++)
    {
      EvoxCliOutput o = { "-o", paths->pdata[i] };

      g_array_append_val (outputs, o);
    }
  return _evox_cli_check_outputs ((EvoxCliOutput *) outputs->data, outputs->len, input, force,
                                  status);
}

/* The channels with energies, as a volume of their own for the energy-stack writer. */
static EvoxVolume *
energy_channels (EvoxVolume  *maps,
                 GError     **error)
{
  g_autoptr(GArray) channels = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(EvoxVolume) out = NULL;
  gsize dims[3], bytes;
  double spacing[3], origin[3];

  for (guint c = 0; c < evox_volume_get_n_channels (maps); c++)
    if (isfinite (evox_volume_get_channel_energy (maps, c)))
      g_array_append_val (channels, c);
  if (channels->len == 0)
    return NULL;
  evox_volume_get_dims (maps, dims);
  out = evox_volume_new (dims[0], dims[1], dims[2], channels->len, EVOX_SAMPLE_F32, error);
  if (out == NULL)
    return NULL;
  bytes = evox_volume_get_n_voxels (maps) * sizeof (float);
  for (guint i = 0; i < channels->len; i++)
    {
      guint c = g_array_index (channels, guint, i);

      memcpy (evox_volume_get_data_mut (out, i), evox_volume_get_data (maps, c), bytes);
      evox_volume_set_channel_info (out, i, evox_volume_get_channel_label (maps, c),
                                    evox_volume_get_channel_energy (maps, c));
      evox_volume_set_channel_values (out, i, evox_volume_get_channel_value_scale (maps, c),
                                      evox_volume_get_channel_quantity (maps, c),
                                      evox_volume_get_channel_unit (maps, c));
    }
  evox_volume_get_spacing (maps, spacing);
  evox_volume_set_spacing (out, spacing);
  evox_volume_set_spacing_known (out, evox_volume_get_spacing_known (maps));
  evox_volume_get_origin (maps, origin);
  evox_volume_set_origin (out, origin);
  evox_volume_freeze (out);
  return g_steal_pointer (&out);
}

/* The staging folder's files, written but not yet in place; removed with it unless moved. */
typedef struct
{
  char *folder;
} Stage;

static void
stage_clear (Stage *stage)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (stage->folder == NULL)
    return;
  dir = g_dir_open (stage->folder, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (stage->folder, name, NULL);

      g_unlink (path);
    }
  g_rmdir (stage->folder);
  g_clear_pointer (&stage->folder, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Stage, stage_clear)

/* Messages name the staged file; the user asked for the one beside it. */
static void
unstage_message (GError     **error,
                 const char  *stage,
                 const char  *folder)
{
  g_autoptr(GString) message = NULL;

  if (error == NULL || *error == NULL)
    return;
  message = g_string_new ((*error)->message);
  g_string_replace (message, stage, folder, 0);
  g_free ((*error)->message);
  (*error)->message = g_string_free (g_steal_pointer (&message), FALSE);
}

static gboolean
write_staged (EvoxVolume              *maps,
              const EvoxCliMapsOutput *output,
              const char              *stack,
              const char              *staged,
              GCancellable            *cancellable,
              GError                 **error)
{
  g_autofree char *base = NULL;
  g_autoptr(EvoxVolume) energies = NULL;

  if (output->kind == EVOX_CLI_MAPS_HDF5)
    {
      base = g_path_get_basename (output->path);
      g_autofree char *path = g_build_filename (staged, base, NULL);

      return evox_hdf5_write (maps, path, TRUE, NULL, cancellable, error);
    }
  base = g_path_get_basename (output->prefix);
  for (guint c = 0; c < evox_volume_get_n_channels (maps); c++)
    {
      g_autofree char *name = NULL;
      g_autofree char *path = NULL;

      if (isfinite (evox_volume_get_channel_energy (maps, c)))
        continue;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      name = tiff_file (base, evox_volume_get_channel_label (maps, c));
      path = g_build_filename (staged, name, NULL);
      if (!evox_tiff_write (maps, (int) c, path, EVOX_TIFF_WRITE_F32, error))
        return FALSE;
    }
  if (stack != NULL)
    {
      g_autofree char *name = tiff_file (base, stack);
      g_autofree char *path = g_build_filename (staged, name, NULL);
      g_autoptr(GError) local = NULL;

      energies = energy_channels (maps, &local);
      if (energies == NULL && local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      if (energies != NULL && !evox_energy_tiff_write_stack (energies, path, TRUE, error))
        return FALSE;
    }
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

gboolean
_evox_cli_maps_write (EvoxVolume              *maps,
                      const EvoxCliMapsOutput *output,
                      const char              *stack,
                      gboolean                 force,
                      GCancellable            *cancellable,
                      GError                 **error)
{
  g_autofree char *folder = g_path_get_dirname (output->path);
  g_autofree char *tmpl = g_build_filename (folder, ".evox-maps-XXXXXX", NULL);
  g_auto(Stage) stage = { NULL };
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_return_val_if_fail (EVOX_IS_VOLUME (maps), FALSE);

  if (g_mkdtemp (tmpl) == NULL)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot write %s: %s", output->path, g_strerror (saved_errno));
      return FALSE;
    }
  stage.folder = g_strdup (tmpl);
  if (!write_staged (maps, output, stack, stage.folder, cancellable, error))
    {
      unstage_message (error, stage.folder, folder);
      return FALSE;
    }

  dir = g_dir_open (stage.folder, 0, error);
  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  /* Every file was checked before the work (the caller's _evox_cli_maps_check); one that has
   * appeared since is not replaced without --force. */
  for (guint i = 0; !force && i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (folder, names->pdata[i], NULL);

      if (g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS,
                       "%s: exists already (use --force to replace it)", path);
          return FALSE;
        }
    }
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *from = g_build_filename (stage.folder, names->pdata[i], NULL);
      g_autofree char *to = g_build_filename (folder, names->pdata[i], NULL);

      if (g_rename (from, to) != 0)
        {
          int saved_errno = errno;

          /* Those moved already are complete files; the rest go with the folder. */
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       "Cannot write %s: %s", to, g_strerror (saved_errno));
          return FALSE;
        }
    }
  /* A 3D energy stack is a hyperstack without an energies file: an old one beside it would pair
   * its lines with the wrong pages. */
  if (output->kind == EVOX_CLI_MAPS_TIFF && stack != NULL)
    {
      g_autofree char *stack_path = tiff_file (output->prefix, stack);
      g_autofree char *energies = evox_spectral_energies_path (stack_path);
      g_autofree char *energies_base = g_path_get_basename (energies);
      gboolean written = FALSE;

      for (guint i = 0; i < names->len; i++)
        written = written || g_str_equal (names->pdata[i], energies_base);
      if (!written && g_file_test (stack_path, G_FILE_TEST_EXISTS))
        g_unlink (energies);
    }
  return TRUE;
}

static gpointer
signal_thread (gpointer data)
{
  GCancellable *cancellable = data;
  sigset_t set;
  int signal_number;

  sigemptyset (&set);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGTERM);
  if (sigwait (&set, &signal_number) == 0)
    g_cancellable_cancel (cancellable);
  return NULL;
}

GCancellable *
_evox_cli_cancel_on_signal (void)
{
  static GCancellable *cancellable;
  sigset_t set, pending;

  if (cancellable != NULL)
    return g_object_ref (cancellable);
  cancellable = g_cancellable_new ();
  /* Blocked here, the signals wait for the thread's sigwait: a handler could not cancel safely
   * (GCancellable takes locks), and threads started later inherit the mask. */
  sigemptyset (&set);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGTERM);
  pthread_sigmask (SIG_BLOCK, &set, NULL);
  /* A Ctrl-C that came before the mask waits as pending: it cancels now, not whenever the
   * thread first runs. */
  if (sigpending (&pending) == 0 && (sigismember (&pending, SIGINT) == 1 ||
                                     sigismember (&pending, SIGTERM) == 1))
    g_cancellable_cancel (cancellable);
  g_thread_unref (g_thread_new ("evox-signals", signal_thread, g_object_ref (cancellable)));
  return g_object_ref (cancellable);
}

static int
compare_floats (const void *a,
                const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;

  return (x > y) - (x < y);
}

gsize
_evox_cli_maps_percentiles (EvoxVolume   *maps,
                            guint         channel,
                            const double *q,
                            guint         n_q,
                            double       *out)
{
  const float *data = evox_volume_get_data (maps, channel);
  gsize n = evox_volume_get_n_voxels (maps), m = 0;
  g_autofree float *finite = g_new (float, MAX (n, 1));

  g_return_val_if_fail (evox_volume_get_sample_type (maps) == EVOX_SAMPLE_F32, 0);

  for (gsize i = 0; i < n; i++)
    if (isfinite (data[i]))
      finite[m++] = data[i];
  qsort (finite, m, sizeof (float), compare_floats);
  for (guint k = 0; k < n_q; k++)
    {
      double position = m > 0 ? q[k] / 100.0 * (double) (m - 1) : 0;
      gsize lo = (gsize) floor (position);
      gsize hi = MIN (lo + 1, m - 1);

      out[k] = m > 0 ? finite[lo] + (position - (double) lo) * (finite[hi] - finite[lo]) : NAN;
    }
  return m;
}

double *
_evox_cli_maps_energies (EvoxVolume *stack,
                         const char *input,
                         int        *status)
{
  g_autoptr(GError) error = NULL;
  double *energies = NULL;

  if (!evox_energy_order (stack, &energies, NULL, NULL, &error))
    {
      *status = _evox_cli_error (EVOX_EXIT_INPUT, "%s: %s", input, error->message);
      return NULL;
    }
  return energies;
}

void
_evox_cli_maps_values_clear (EvoxCliMapsValues *values)
{
  g_clear_pointer (&values->quantity, g_free);
  g_clear_pointer (&values->unit, g_free);
}

gboolean
_evox_cli_maps_values_parse (const char        *text,
                             EvoxCliMapsValues *values,
                             int               *status)
{
  /* the units evox_elements_maps converts; a typo is caught here, before any file is read */
  static const char *const units[] = { "1/nm", "1/um", "1/µm", "1/mm", "1/cm", "1/m",
                                       "1/voxel" };
  const char *colon;

  if (text == NULL)
    return TRUE;
  colon = strchr (text, ':');
  if (g_str_equal (text, "od"))
    {
      values->quantity = g_strdup ("optical density");
      values->unit = g_strdup ("");
      return TRUE;
    }
  if (g_str_equal (text, "attenuation") || g_str_has_prefix (text, "attenuation:"))
    {
      /* a reconstruction's values are per voxel unless it says otherwise (tomopy, ASTRA) */
      const char *unit = colon != NULL ? colon + 1 : "1/voxel";

      for (guint i = 0; i < G_N_ELEMENTS (units); i++)
        if (g_str_equal (unit, units[i]))
          {
            values->quantity = g_strdup ("linear attenuation");
            values->unit = g_strdup (unit);
            return TRUE;
          }
      *status = _evox_cli_usage_error (NULL, "--values %s: the unit of linear attenuation must "
                                       "be 1/nm, 1/um, 1/mm, 1/cm, 1/m or 1/voxel", text);
      return FALSE;
    }
  *status = _evox_cli_usage_error (NULL, "--values must be od (optical density) or "
                                   "attenuation[:UNIT] (linear attenuation), not '%s'", text);
  return FALSE;
}

void
_evox_cli_maps_values_apply (const EvoxCliMapsValues *values,
                             EvoxVolume              *stack,
                             const char              *input)
{
  guint n = evox_volume_get_n_channels (stack);

  if (values->quantity == NULL)
    return;
  for (guint c = 0; c < n; c++)
    {
      const char *quantity = evox_volume_get_channel_quantity (stack, c);
      const char *unit = evox_volume_get_channel_unit (stack, c);

      /* "value" is what a volume says when its file says nothing */
      if (g_strcmp0 (quantity, "value") != 0 &&
          (g_strcmp0 (quantity, values->quantity) != 0 || g_strcmp0 (unit, values->unit) != 0))
        {
          fprintf (stderr, "evox: note: %s: its file says it holds %s%s%s%s; --values takes it "
                   "as %s%s%s%s\n", input, quantity, unit != NULL && *unit ? " (" : "",
                   unit != NULL ? unit : "", unit != NULL && *unit ? ")" : "", values->quantity,
                   *values->unit ? " (" : "", values->unit, *values->unit ? ")" : "");
          break;
        }
    }
  for (guint c = 0; c < n; c++)
    evox_volume_set_channel_values (stack, c, EVOX_SCALE_LINEAR, values->quantity,
                                    values->unit);
}

gboolean
_evox_cli_maps_unregistered (EvoxVolume *stack)
{
  guint n = evox_volume_get_n_channels (stack);
  double first = evox_volume_get_channel_pixel_size (stack, 0);

  for (guint c = 1; c < n; c++)
    if (fabs (evox_volume_get_channel_pixel_size (stack, c) - first) > SAME_PIXEL * first)
      return TRUE;
  return FALSE;
}

EvoxVolume *
_evox_cli_maps_prepare (EvoxVolume   *stack,
                        const char   *input,
                        gboolean      do_register,
                        GCancellable *cancellable,
                        int          *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxRegistration) registration = NULL;
  const EvoxRegistrationEntry *reference;
  guint flagged = 0, n;

  if (!do_register)
    {
      if (_evox_cli_maps_unregistered (stack))
        fprintf (stderr, "evox: note: %s: its energies have different pixel sizes, so it has "
                 "not been registered; --register (or 'evox register') puts them on one grid "
                 "first\n", input);
      return g_object_ref (stack);
    }
  registration = _evox_cli_register_default (stack, cancellable, &error);
  if (registration == NULL)
    {
      g_prefix_error (&error, "registering: ");
      *status = _evox_cli_maps_fail (error, input, _evox_cli_error_status (error));
      return NULL;
    }
  n = evox_registration_get_n_entries (registration);
  for (guint i = 0; i < n; i++)
    flagged += evox_registration_get_entry (registration, i)->flagged;
  reference = evox_registration_get_reference (registration);
  printf ("registered: %u energies onto %.1f eV as 'evox register' does by default, %u "
          "flagged\n", n, reference != NULL ? reference->energy_ev : NAN, flagged);
  return g_object_ref (evox_registration_get_registered (registration));
}

typedef struct
{
  EvoxCliMapsFunc  func;
  EvoxVolume      *stack;
  gconstpointer    params;
  GCancellable    *cancellable;
} Job;

static gpointer
maps_job (gpointer       data,
          EvoxProgress  *progress,
          GError       **error)
{
  Job *job = data;

  return job->func (job->stack, job->params, progress, job->cancellable, error);
}

EvoxVolume *
_evox_cli_maps_run (EvoxCliMapsFunc  func,
                    EvoxVolume      *stack,
                    gconstpointer    params,
                    GCancellable    *cancellable,
                    const char      *fallback,
                    GError         **error)
{
  Job job = { func, stack, params, cancellable };

  return _evox_cli_run_with_progress (maps_job, &job, "evox-maps", fallback, error);
}

int
_evox_cli_maps_fail (const GError *error,
                     const char   *input,
                     int           status)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return _evox_cli_error (EVOX_EXIT_CANCELLED, "cancelled; nothing written");
  if (input != NULL && strstr (error->message, input) == NULL)
    return _evox_cli_error (status, "%s: %s", input, error->message);
  return _evox_cli_error (status, "%s", error->message);
}
