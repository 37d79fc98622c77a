/* evox-cli-maps.c: the outputs' names and checks, cancellation, edges and percentiles `evox xanes` and `evox
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
#include "evox-spectral-reader.h"

/* Pixel sizes closer than this (relative) are one grid. */
#define SAME_PIXEL 1e-6

void
_evox_cli_maps_output_clear (EvoxCliMapsOutput *output)
{
  g_clear_pointer (&output->path, g_free);
}

gboolean
_evox_cli_maps_output_parse (const char        *out,
                             EvoxCliMapsOutput *output,
                             int               *status)
{
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
  if (_evox_cli_has_suffix_nocase (out, ".tif") || _evox_cli_has_suffix_nocase (out, ".tiff"))
    {
      output->kind = EVOX_CLI_MAPS_TIFF;
      return TRUE;
    }
  *status = _evox_cli_usage_error (NULL, "-o %s: OUT must end in .h5 or .hdf5 (one file) or "
                                   ".tif or .tiff (PREFIX.tif: a TIFF per map)", out);
  return FALSE;
}

gboolean
_evox_cli_maps_check (const EvoxCliMapsOutput *output,
                      const char * const      *labels,
                      guint                    n_labels,
                      gboolean                 norm,
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
        g_ptr_array_add (paths, evox_maps_tiff_path (output->path, labels[i]));
      if (norm)
        {
          char *path = evox_maps_tiff_path (output->path, EVOX_MAPS_NORM_STACK);

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

gboolean
_evox_cli_maps_prepare (EvoxVolume   **stack,
                        const char    *input,
                        gboolean       do_register,
                        GCancellable  *cancellable,
                        int           *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxRegistration) registration = NULL;
  const EvoxRegistrationEntry *reference;
  guint flagged = 0, n;

  if (!do_register)
    {
      if (_evox_cli_maps_unregistered (*stack))
        fprintf (stderr, "evox: note: %s: its energies have different pixel sizes, so it has "
                 "not been registered; --register (or 'evox register') puts them on one grid "
                 "first\n", input);
      return TRUE;
    }
  registration = _evox_cli_register_default (*stack, cancellable, &error);
  if (registration == NULL)
    {
      g_prefix_error (&error, "registering: ");
      *status = _evox_cli_maps_fail (error, input, _evox_cli_error_status (error));
      return FALSE;
    }
  n = evox_registration_get_n_entries (registration);
  for (guint i = 0; i < n; i++)
    flagged += evox_registration_get_entry (registration, i)->flagged;
  reference = evox_registration_get_reference (registration);
  printf ("registered: %u energies onto %.1f eV as 'evox register' does by default, %u "
          "flagged\n", n, reference != NULL ? reference->energy_ev : NAN, flagged);
  g_set_object (stack, evox_registration_get_registered (registration));
  return TRUE;
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
  /* A file that appeared after _evox_cli_maps_check, refused by evox_maps_write_full. */
  if (g_error_matches (error, EVOX_ERROR, EVOX_ERROR_EXISTS))
    return _evox_cli_error (status, "%s (use --force to replace it)", error->message);
  if (input != NULL && strstr (error->message, input) == NULL)
    return _evox_cli_error (status, "%s: %s", input, error->message);
  return _evox_cli_error (status, "%s", error->message);
}
