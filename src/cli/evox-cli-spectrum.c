/* evox-cli-spectrum.c: `evox spectrum`, the spectrum of a voxel, a box or a phase as CSV. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <stdio.h>

#include "evox-cli-private.h"
#include "evox-csv.h"
#include "evox-methods.h"
#include "evox-spectrum.h"
#include "evox-spectrum-csv.h"

/* Within this distance an energy typed for --channel names a channel: energies are set to a
 * tenth of an eV at best, and neighbouring channels of a XANES scan are at least 1 eV apart. */
#define ENERGY_TOLERANCE_EV 0.5

/* X,Y[,Z] (n = 3, Z optional) or X,Y,Z exactly (n = 3, z_optional FALSE): voxel indices. */
static gboolean
parse_voxel (const char *text,
             gboolean    z_optional,
             gsize       voxel[3])
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  guint n = g_strv_length (parts);

  if (n != 3 && !(z_optional && n == 2))
    return FALSE;
  voxel[2] = 0;
  for (guint i = 0; i < n; i++)
    {
      gint64 value;

      g_strstrip (parts[i]);
      if (!_evox_cli_parse_int (parts[i], 0, G_MAXINT32, &value))
        return FALSE;
      voxel[i] = (gsize) value;
    }
  return TRUE;
}

static gboolean
has_energies (EvoxVolume *volume)
{
  for (guint c = 0; c < evox_volume_get_n_channels (volume); c++)
    if (!evox_volume_get_channel_derived (volume, c) &&
        isfinite (evox_volume_get_channel_energy (volume, c)))
      return TRUE;
  return FALSE;
}

/* --channel: a channel's label first (labels may look like numbers), then an energy in eV within
 * ENERGY_TOLERANCE_EV of a channel's, then an index. */
static int
find_channel (EvoxVolume *volume,
              const char *text,
              int        *status)
{
  guint n_channels = evox_volume_get_n_channels (volume);
  double energy, best_energy = NAN, best_distance = INFINITY;
  int best = -1;
  char *end;

  for (guint c = 0; c < n_channels; c++)
    if (g_strcmp0 (evox_volume_get_channel_label (volume, c), text) == 0)
      return (int) c;
  energy = g_ascii_strtod (text, &end);
  if (end != text && *end == '\0' && isfinite (energy))
    {
      for (guint c = 0; c < n_channels; c++)
        {
          double distance = fabs (evox_volume_get_channel_energy (volume, c) - energy);

          if (distance < best_distance)
            {
              best_distance = distance;
              best_energy = evox_volume_get_channel_energy (volume, c);
              best = (int) c;
            }
        }
      if (best >= 0 && best_distance <= ENERGY_TOLERANCE_EV)
        return best;
    }
  best = evox_volume_find_channel (volume, text);
  if (best >= 0)
    return best;
  if (isfinite (best_distance))
    *status = _evox_cli_usage_error (NULL, "--channel %s: no channel within %g eV of that "
                                     "energy (the nearest is at %g eV) and no channel of that "
                                     "name or index", text, ENERGY_TOLERANCE_EV, best_energy);
  else
    *status = _evox_cli_usage_error (NULL, "--channel %s: no channel of that name or index (the "
                                     "volume has %u channels%s)", text, n_channels,
                                     has_energies (volume) ? "" : " and no energies");
  return -1;
}

int
_evox_cli_spectrum (int    argc,
                    char **argv)
{
  g_auto(EvoxCliInput) input;
  g_autoptr(GOptionContext) context = g_option_context_new ("IN -o OUT.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxSpectrum) spectrum = NULL;
  g_autoptr(EvoxPhaseList) phases = NULL;
  g_autofree char *at = NULL, *box = NULL, *channel_name = NULL, *output = NULL;
  g_auto(GStrv) phase_specs = NULL;
  g_autofree char *command = evox_provenance_join_argv (argc, argv);
  g_autofree char *provenance = NULL;
  gboolean force = FALSE, with_provenance = FALSE;
  gsize voxel[3], lo[3], hi[3];
  int status, channel = 0, n_modes;
  const GOptionEntry entries[] = {
    { "at", 0, 0, G_OPTION_ARG_STRING, &at, "The spectrum of one voxel (Z defaults to 0)",
      "X,Y[,Z]" },
    { "box", 0, 0, G_OPTION_ARG_STRING, &box,
      "Mean and spread over the box between two voxels, both included", "X0,Y0,Z0:X1,Y1,Z1" },
    { "phase", 0, 0, G_OPTION_ARG_STRING_ARRAY, &phase_specs,
      "Mean and spread over the voxels whose value in --channel lies in [LO, HI]",
      "NAME=LO:HI" },
    { "channel", 0, 0, G_OPTION_ARG_STRING, &channel_name,
      "The channel --phase reads: an energy in eV (the channel within 0.5 eV), a label or an "
      "index (default the first channel)", "E" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "The CSV file to write", "OUT.csv" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace OUT if it exists", NULL },
    { "provenance", 0, 0, G_OPTION_ARG_NONE, &with_provenance,
      "Begin OUT with '# ' lines: Evox's version, the input and its SHA-256, this command",
      NULL },
    { NULL }
  };

  if (!_evox_cli_parse (context,
      "Write the spectrum of a voxel, a box or a phase as CSV: energy_ev,mean,std,voxels, a row\n"
      "per measured channel (derived channels are left out). mean and std (population) are over\n"
      "the region's finite values of each channel, voxels how many there were. A volume without\n"
      "energies works too, in channel order with energy_ev nan.",
      entries, &input, &argc, &argv, 0, &status))
    return status;

  n_modes = (at != NULL) + (box != NULL) + (phase_specs != NULL);
  if (n_modes != 1)
    return _evox_cli_usage_error (context, "give one of --at, --box and --phase");
  if (phase_specs != NULL && g_strv_length (phase_specs) > 1)
    return _evox_cli_usage_error (context, "give one --phase");
  if (channel_name != NULL && phase_specs == NULL)
    return _evox_cli_usage_error (context, "--channel picks the channel of --phase");
  if (output == NULL)
    return _evox_cli_usage_error (context, "-o OUT.csv is required");
  if (at != NULL && !parse_voxel (at, TRUE, voxel))
    return _evox_cli_usage_error (context, "--at must be X,Y or X,Y,Z in voxels, not '%s'", at);
  if (box != NULL)
    {
      g_auto(GStrv) corners = g_strsplit (box, ":", -1);

      if (g_strv_length (corners) != 2 || !parse_voxel (corners[0], FALSE, lo) ||
          !parse_voxel (corners[1], FALSE, hi))
        return _evox_cli_usage_error (context, "--box must be X0,Y0,Z0:X1,Y1,Z1 in voxels, not "
                                      "'%s'", box);
      for (int a = 0; a < 3; a++)
        if (lo[a] > hi[a])
          return _evox_cli_usage_error (context, "--box %s is empty: its first corner must not "
                                        "lie past its second", box);
    }
  {
    EvoxCliOutput outputs[] = { { "-o", output } };

    if (!_evox_cli_check_outputs (outputs, 1, input.demo ? NULL : argv[1], force, &status))
      return status;
  }

  volume = _evox_cli_input_load (&input, input.demo ? NULL : argv[1], &status);
  if (volume == NULL)
    return status;

  if (at != NULL)
    spectrum = evox_spectrum_at (volume, voxel[0], voxel[1], voxel[2], &error);
  else if (box != NULL)
    spectrum = evox_spectrum_box (volume, lo, hi, &error);
  else
    {
      EvoxPhase *phase;

      if (channel_name != NULL)
        channel = find_channel (volume, channel_name, &status);
      if (channel < 0)
        return status;
      phases = evox_phase_list_new ();
      if (!_evox_cli_parse_phases_on_basis (phases, volume, (guint) channel, EVOX_BASIS_VOLUME,
                                            phase_specs, FALSE, &status))
        return status;
      if (evox_phase_list_get_n_phases (phases) != 1)
        return _evox_cli_usage_error (context, "--phase takes one NAME=LO:HI range");
      phase = evox_phase_list_get_phase (phases, 0);
      spectrum = evox_spectrum_range (volume, (guint) channel, evox_phase_get_lo (phase),
                                      evox_phase_get_hi (phase), evox_phase_get_name (phase),
                                      &error);
      if (spectrum == NULL)
        {
          double energy = evox_volume_get_channel_energy (volume, (guint) channel);
          g_autofree char *where = isfinite (energy)
                                   ? g_strdup_printf ("channel %d (%g eV)", channel, energy)
                                   : g_strdup_printf ("channel %d", channel);

          return _evox_cli_error (_evox_cli_error_status (error), "%s: phase '%s' is empty: no "
                                  "value of %s lies in [%g, %g]",
                                  _evox_cli_input_name (&input, argv[1]),
                                  evox_phase_get_name (phase), where,
                                  evox_phase_get_lo (phase), evox_phase_get_hi (phase));
        }
    }
  if (spectrum == NULL)
    return _evox_cli_error (_evox_cli_error_status (error), "%s: %s",
                            _evox_cli_input_name (&input, argv[1]), error->message);

  if (with_provenance)
    provenance = _evox_cli_provenance (input.demo ? NULL : argv[1], command);
  if (!evox_spectrum_csv_write (&spectrum, 1, output, force, &error) ||
      !evox_csv_add_provenance (output, provenance, &error))
    return _evox_cli_input_error (error);
  printf ("%s: %u channel%s, %" G_GUINT64_FORMAT " voxel%s\n", spectrum->label,
          spectrum->n_points, spectrum->n_points == 1 ? "" : "s",
          spectrum->n_points > 0 ? spectrum->points[0].voxels : 0,
          spectrum->n_points > 0 && spectrum->points[0].voxels == 1 ? "" : "s");
  return EVOX_EXIT_OK;
}
