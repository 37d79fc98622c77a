/* evox-cli-histogram.c: `evox histogram`, exact counts as CSV with numpy.histogram's bins. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <stdio.h>

#include "evox-cli-private.h"
#include "evox-histogram.h"
#include "evox-methods.h"

#define MAX_BINS 10000000

/* One column of counts: a grid layer, a measured scan, or everything selected. */
typedef struct
{
  char          *name;
  gconstpointer  data;
  gsize          n;
  EvoxSampleType type;
  gssize         fine_layer;  /* layer of the fine histogram with the same voxels, or -2 */
} Column;

static void
column_clear (Column *column)
{
  g_free (column->name);
}

static gboolean
parse_range (const char *text,
             double     *lo,
             double     *hi)
{
  g_auto(GStrv) parts = g_strsplit (text, ":", 2);
  char *end;

  if (parts[0] == NULL || parts[1] == NULL)
    return FALSE;
  *lo = g_ascii_strtod (parts[0], &end);
  if (end == parts[0] || *end != '\0')
    return FALSE;
  *hi = g_ascii_strtod (parts[1], &end);
  if (end == parts[1] || *end != '\0')
    return FALSE;
  return isfinite (*lo) && isfinite (*hi) && *lo < *hi;
}

static char *
depth_name (double z_nm)
{
  return g_strdup_printf ("z=%gnm", z_nm);
}

/* The voxels asked for, as columns; a single column when not per layer. */
static GArray *
select_columns (EvoxVolume *volume,
                guint       channel,
                gboolean    measured,
                gboolean    per_layer)
{
  GArray *columns = g_array_new (FALSE, TRUE, sizeof (Column));
  gsize dims[3];
  gsize layer_size;
  EvoxSampleType type = evox_volume_get_sample_type (volume);
  gsize item = evox_sample_type_size (type);

  g_array_set_clear_func (columns, (GDestroyNotify) column_clear);
  evox_volume_get_dims (volume, dims);
  layer_size = dims[0] * dims[1];

  if (measured && evox_volume_get_n_scans (volume) > 0)
    for (guint i = 0; i < evox_volume_get_n_scans (volume); i++)
      {
        const EvoxScan *scan = evox_volume_get_scan (volume, i);
        Column column = { depth_name (scan->z_nm), scan->values, layer_size, EVOX_SAMPLE_F32, -2 };
        g_array_append_val (columns, column);
      }
  else if (per_layer)
    for (gsize z = 0; z < dims[2]; z++)
      {
        const guint8 *data = evox_volume_get_data (volume, channel);
        Column column = { depth_name (evox_volume_get_layer (volume, z)->z_nm),
                          data + z * layer_size * item, layer_size, type, (gssize) z };
        g_array_append_val (columns, column);
      }
  else
    {
      Column column = { g_strdup ("count"), evox_volume_get_data (volume, channel),
                        evox_volume_get_n_voxels (volume), type, -1 };
      g_array_append_val (columns, column);
    }
  return columns;
}

static void
count_column (const EvoxBinning *binning,
              EvoxVolume        *volume,
              guint              channel,
              const Column      *column,
              guint64           *counts)
{
  if (column->type != EVOX_SAMPLE_F32 && column->fine_layer >= -1)
    {
      EvoxFineHistogram *fine = evox_volume_get_fine_histogram (volume, channel);

      if (column->fine_layer == -1 ||
          evox_fine_histogram_get_layer_counts (fine, column->fine_layer) != NULL)
        {
          evox_binning_count_fine (binning, fine, column->fine_layer, counts);
          return;
        }
    }
  evox_binning_count (binning, column->type, column->data, column->n, counts);
}

/* Histograms of everything selected are summed from the columns when per layer, so a scan of
 * the whole selection happens once. provenance (may be NULL) goes first as '# ' lines. */
static int
write_histogram (EvoxVolume *volume,
                 guint       channel,
                 guint       n_bins,
                 gboolean    have_range,
                 double      lo,
                 double      hi,
                 gboolean    measured,
                 gboolean    per_layer,
                 const char *basis,
                 const char *provenance)
{
  g_autoptr(GArray) columns = select_columns (volume, channel, measured, per_layer);
  gboolean single = !evox_volume_source_is_integer (volume) ||
                    (measured && evox_volume_get_n_scans (volume) > 0);
  g_autoptr(EvoxBinning) binning = NULL;
  g_autofree guint64 *counts = NULL;
  g_autofree char *comment = evox_provenance_comment (provenance);
  g_autoptr(GString) out = g_string_new (comment);

  if (!have_range)
    {
      const EvoxStats *stats = measured ? evox_volume_get_measured_stats (volume)
                                        : evox_volume_get_stats (volume, channel);
      if (stats->n_finite == 0)
        {
          fprintf (stderr, "evox: the volume has no finite values to take a range from\n");
          return EVOX_EXIT_INPUT;
        }
      lo = stats->min;
      hi = stats->max;
      /* numpy widens an empty range by half a unit each way. */
      if (lo == hi)
        {
          lo -= 0.5;
          hi += 0.5;
        }
    }

  binning = evox_binning_new (n_bins, lo, hi, single);
  counts = g_new0 (guint64, (gsize) n_bins * columns->len);
  for (guint c = 0; c < columns->len; c++)
    count_column (binning, volume, channel, &g_array_index (columns, Column, c),
                  counts + (gsize) c * n_bins);

  /* The measured scans are separate arrays: one histogram of all of them is their sum. */
  if (!per_layer && columns->len > 1)
    {
      for (guint c = 1; c < columns->len; c++)
        for (guint b = 0; b < n_bins; b++)
          counts[b] += counts[(gsize) c * n_bins + b];
      g_array_set_size (columns, 1);
      g_free (g_array_index (columns, Column, 0).name);
      g_array_index (columns, Column, 0).name = g_strdup ("count");
    }

  g_string_append (out, "lo,hi");
  for (guint c = 0; c < columns->len; c++)
    g_string_append_printf (out, ",%s", g_array_index (columns, Column, c).name);
  g_string_append (out, ",basis\n");
  for (guint b = 0; b < n_bins; b++)
    {
      g_autofree char *a = _evox_cli_format_number (binning->edges[b], single);
      g_autofree char *e = _evox_cli_format_number (binning->edges[b + 1], single);

      g_string_append_printf (out, "%s,%s", a, e);
      for (guint c = 0; c < columns->len; c++)
        g_string_append_printf (out, ",%" G_GUINT64_FORMAT, counts[(gsize) c * n_bins + b]);
      g_string_append_printf (out, ",%s\n", basis);
    }
  fwrite (out->str, 1, out->len, stdout);
  return fflush (stdout) == 0 ? EVOX_EXIT_OK : EVOX_EXIT_INPUT;
}

int
_evox_cli_histogram (int    argc,
                     char **argv)
{
  g_auto(EvoxCliInput) input;
  g_autoptr(GOptionContext) context = g_option_context_new ("FILE");
  g_autoptr(EvoxVolume) volume = NULL;
  g_autofree char *range = NULL;
  g_autofree char *layers = NULL;
  g_autofree char *basis = NULL;
  g_autofree char *channel_name = NULL;
  g_autofree char *command = evox_provenance_join_argv (argc, argv);
  g_autofree char *provenance = NULL;
  gboolean with_provenance = FALSE;
  gboolean per_layer = FALSE;
  gboolean measured = FALSE, chosen = FALSE;
  int n_bins = 10;
  double lo = 0, hi = 0;
  int status, channel;
  const GOptionEntry entries[] = {
    { "bins", 0, 0, G_OPTION_ARG_INT, &n_bins, "Number of equal bins (default 10)", "N" },
    { "range", 0, 0, G_OPTION_ARG_STRING, &range,
      "Lower and upper edge (default: min and max of the data)", "LO:HI" },
    { "basis", 0, 0, G_OPTION_ARG_STRING, &basis,
      "SSRM stacks: the measured scans (default) or the interpolated volume", "measured|volume" },
    { "layers", 0, 0, G_OPTION_ARG_STRING, &layers,
      "the same as --basis: measured, or all (the volume's grid layers)", "all|measured" },
    { "per-layer", 0, 0, G_OPTION_ARG_NONE, &per_layer, "One count column per layer", NULL },
    { "channel", 0, 0, G_OPTION_ARG_STRING, &channel_name, "Channel label or index", "C" },
    { "provenance", 0, 0, G_OPTION_ARG_NONE, &with_provenance,
      "Begin the CSV with '# ' lines: Evox's version, the input and its SHA-256, this command",
      NULL },
    { NULL }
  };

  if (!_evox_cli_parse (context,
      "Print a histogram as CSV (lo,hi,count). Bins, edges and the edge rule are numpy.histogram's:\n"
      "equal bins from linspace(LO, HI, N + 1), each holding lo <= v < hi, the last one closed.\n"
      "Counts are exact, counted from the voxels; NaN is left out.",
      entries, &input, &argc, &argv, 0, &status))
    return status;
  if (n_bins < 1 || n_bins > MAX_BINS)
    return _evox_cli_usage_error (context, "--bins must be between 1 and %d", MAX_BINS);
  if (range != NULL && !parse_range (range, &lo, &hi))
    return _evox_cli_usage_error (context, "--range must be LO:HI with finite LO < HI, not '%s'",
                                  range);
  if (layers != NULL)
    {
      if (g_str_equal (layers, "measured"))
        measured = TRUE;
      else if (!g_str_equal (layers, "all"))
        return _evox_cli_usage_error (context, "--layers must be all or measured, not '%s'",
                                      layers);
      chosen = TRUE;
    }
  if (basis != NULL)
    {
      EvoxBasis parsed;
      gboolean want;

      if (!evox_basis_from_string (basis, &parsed))
        return _evox_cli_usage_error (context, "--basis must be measured or volume, not '%s'",
                                      basis);
      want = parsed == EVOX_BASIS_MEASURED;
      if (chosen && want != measured)
        return _evox_cli_usage_error (context, "--basis %s and --layers %s disagree", basis,
                                      layers);
      measured = want;
      chosen = TRUE;
    }

  volume = _evox_cli_input_load (&input, input.demo ? NULL : argv[1], &status);
  if (volume == NULL)
    return status;
  channel = _evox_cli_find_channel (volume, channel_name, &status);
  if (channel < 0)
    return status;
  /* As the window's histogram and evox segment's fractions: an SSRM stack's measured scans are
   * the data, unless the interpolated volume is asked for. */
  if (!chosen)
    measured = evox_basis_has_choice (volume, (guint) channel);
  if (measured && channel != 0)
    return _evox_cli_usage_error (context, "--basis measured has only the scans' one channel");
  if (with_provenance)
    provenance = _evox_cli_provenance (input.demo ? NULL : argv[1], command);

  return write_histogram (volume, channel, n_bins, range != NULL, lo, hi, measured, per_layer,
                          evox_basis_to_string (evox_basis_resolve (
                            volume, (guint) channel,
                            measured ? EVOX_BASIS_MEASURED : EVOX_BASIS_VOLUME)),
                          provenance);
}
