/* evox-cli-info.c: `evox info`, what a volume is, as text or JSON. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evox-cli-private.h"

/* Statistics over all channels together, merged from each channel's. */
static EvoxStats
volume_stats (EvoxVolume *volume)
{
  EvoxStats total = { NAN, NAN, NAN, NAN, 0, 0 };
  double m2 = 0.0;

  for (guint c = 0; c < evox_volume_get_n_channels (volume); c++)
    {
      const EvoxStats *s = evox_volume_get_stats (volume, c);
      guint64 n = total.n_finite + s->n_finite;

      total.n_nonfinite += s->n_nonfinite;
      if (s->n_finite == 0)
        continue;
      if (total.n_finite == 0)
        {
          total = *s;
          m2 = s->std * s->std * (double) s->n_finite;
          continue;
        }
      {
        double delta = s->mean - total.mean;
        m2 += s->std * s->std * (double) s->n_finite +
              delta * delta * (double) total.n_finite * (double) s->n_finite / (double) n;
        total.mean += delta * (double) s->n_finite / (double) n;
        total.min = MIN (total.min, s->min);
        total.max = MAX (total.max, s->max);
        total.n_finite = n;
      }
    }
  if (total.n_finite > 0)
    total.std = sqrt (m2 / (double) total.n_finite);
  return total;
}

static void
add_number (JsonBuilder *builder,
            const char  *key,
            double       value)
{
  if (key != NULL)
    json_builder_set_member_name (builder, key);
  if (isfinite (value))
    json_builder_add_double_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_triple (JsonBuilder  *builder,
            const char   *key,
            const double  v[3])
{
  json_builder_set_member_name (builder, key);
  json_builder_begin_array (builder);
  for (int i = 0; i < 3; i++)
    add_number (builder, NULL, v[i]);
  json_builder_end_array (builder);
}

static void
add_stats (JsonBuilder     *builder,
           const EvoxStats *s)
{
  add_number (builder, "min", s->min);
  add_number (builder, "max", s->max);
  add_number (builder, "mean", s->mean);
  add_number (builder, "std", s->std);
  json_builder_set_member_name (builder, "nan_count");
  json_builder_add_int_value (builder, (gint64) s->n_nonfinite);
}

static void
add_layers (JsonBuilder *builder,
            EvoxVolume  *volume)
{
  gsize dims[3];

  evox_volume_get_dims (volume, dims);
  json_builder_set_member_name (builder, "layers");
  json_builder_begin_array (builder);
  for (gsize z = 0; z < dims[2]; z++)
    {
      const EvoxLayer *layer = evox_volume_get_layer (volume, z);

      json_builder_begin_object (builder);
      add_number (builder, "z_nm", layer->z_nm);
      json_builder_set_member_name (builder, "measured");
      json_builder_add_boolean_value (builder, layer->measured);
      if (layer->scan >= 0)
        {
          json_builder_set_member_name (builder, "scan");
          json_builder_add_int_value (builder, layer->scan);
        }
      if (!layer->measured && layer->scan_below >= 0)
        {
          json_builder_set_member_name (builder, "scan_below");
          json_builder_add_int_value (builder, layer->scan_below);
          add_number (builder, "weight", layer->weight);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static void
add_scans (JsonBuilder *builder,
           EvoxVolume  *volume)
{
  json_builder_set_member_name (builder, "scans");
  json_builder_begin_array (builder);
  for (guint i = 0; i < evox_volume_get_n_scans (volume); i++)
    {
      const EvoxScan *scan = evox_volume_get_scan (volume, i);

      json_builder_begin_object (builder);
      add_number (builder, "z_nm", scan->z_nm);
      json_builder_set_member_name (builder, "label");
      json_builder_add_string_value (builder, scan->label);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static int
compare_strings (const void *a,
                 const void *b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* Channels that carry an energy: a spectral stack. */
static guint
count_energies (EvoxVolume *volume)
{
  guint n = 0;

  for (guint c = 0; c < evox_volume_get_n_channels (volume); c++)
    n += isfinite (evox_volume_get_channel_energy (volume, c));
  return n;
}

/* Lines of "spectral_warnings", without empty ones. */
static GStrv
dup_warnings (EvoxVolume *volume)
{
  const char *text = evox_volume_get_metadata (volume, "spectral_warnings");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) lines = text != NULL ? g_strsplit (text, "\n", -1) : NULL;

  for (guint i = 0; lines != NULL && lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      g_strv_builder_add (builder, lines[i]);
  return g_strv_builder_end (builder);
}

/* "info.<name>" metadata, which the Xradia and HDF5 readers set for this command, by name. */
static GStrv
dup_info_keys (EvoxVolume *volume)
{
  g_auto(GStrv) keys = evox_volume_dup_metadata_keys (volume);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GStrv sorted;

  for (guint i = 0; keys[i] != NULL; i++)
    if (g_str_has_prefix (keys[i], "info.") && keys[i][5] != '\0')
      g_strv_builder_add (builder, keys[i]);
  sorted = g_strv_builder_end (builder);
  qsort (sorted, g_strv_length (sorted), sizeof (char *), compare_strings);
  return sorted;
}

static void
add_spectral (JsonBuilder *builder,
              EvoxVolume  *volume)
{
  g_auto(GStrv) warnings = dup_warnings (volume);
  g_auto(GStrv) info_keys = dup_info_keys (volume);
  const char *source = evox_volume_get_metadata (volume, "spectral_source");

  if (count_energies (volume) > 0)
    {
      json_builder_set_member_name (builder, "energies_ev");
      json_builder_begin_array (builder);
      for (guint c = 0; c < evox_volume_get_n_channels (volume); c++)
        add_number (builder, NULL, evox_volume_get_channel_energy (volume, c));
      json_builder_end_array (builder);
    }
  if (source != NULL)
    {
      json_builder_set_member_name (builder, "source");
      json_builder_add_string_value (builder, source);
    }
  json_builder_set_member_name (builder, "info");
  json_builder_begin_object (builder);
  for (guint i = 0; info_keys[i] != NULL; i++)
    {
      json_builder_set_member_name (builder, info_keys[i] + 5);
      json_builder_add_string_value (builder, evox_volume_get_metadata (volume, info_keys[i]));
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "warnings");
  json_builder_begin_array (builder);
  for (guint i = 0; warnings[i] != NULL; i++)
    json_builder_add_string_value (builder, warnings[i]);
  json_builder_end_array (builder);
}

static char *
info_json (EvoxVolume *volume,
           const char *path)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_auto(GStrv) keys = evox_volume_dup_metadata_keys (volume);
  EvoxStats stats = volume_stats (volume);
  gsize dims[3];
  double v[3];

  evox_volume_get_dims (volume, dims);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "file");
  json_builder_add_string_value (builder, path);

  json_builder_set_member_name (builder, "dims");
  json_builder_begin_array (builder);
  for (int i = 0; i < 3; i++)
    json_builder_add_int_value (builder, (gint64) dims[i]);
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "channels");
  json_builder_add_int_value (builder, evox_volume_get_n_channels (volume));
  json_builder_set_member_name (builder, "channel_info");
  json_builder_begin_array (builder);
  for (guint c = 0; c < evox_volume_get_n_channels (volume); c++)
    {
      const char *label = evox_volume_get_channel_label (volume, c);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "label");
      if (label != NULL)
        json_builder_add_string_value (builder, label);
      else
        json_builder_add_null_value (builder);
      add_number (builder, "energy_ev", evox_volume_get_channel_energy (volume, c));
      add_number (builder, "pixel_size_nm", evox_volume_get_spacing_known (volume)
                                            ? evox_volume_get_channel_pixel_size (volume, c)
                                            : NAN);
      json_builder_set_member_name (builder, "value_scale");
      json_builder_add_string_value (
        builder, evox_value_scale_to_string (evox_volume_get_channel_value_scale (volume, c)));
      json_builder_set_member_name (builder, "quantity");
      json_builder_add_string_value (builder, evox_volume_get_channel_quantity (volume, c));
      json_builder_set_member_name (builder, "unit");
      json_builder_add_string_value (builder, evox_volume_get_channel_unit (volume, c));
      add_stats (builder, evox_volume_get_stats (volume, c));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  evox_volume_get_spacing (volume, v);
  add_triple (builder, "spacing_nm", v);
  json_builder_set_member_name (builder, "spacing_known");
  json_builder_add_boolean_value (builder, evox_volume_get_spacing_known (volume));
  evox_volume_get_origin (volume, v);
  add_triple (builder, "origin_nm", v);

  json_builder_set_member_name (builder, "sample_type");
  json_builder_add_string_value (builder,
                                 evox_sample_type_to_string (evox_volume_get_sample_type (volume)));
  /* The volume-wide meaning is channel 0's; channel_info has each channel's. */
  json_builder_set_member_name (builder, "value_scale");
  json_builder_add_string_value (builder,
                                 evox_value_scale_to_string (evox_volume_get_value_scale (volume)));
  json_builder_set_member_name (builder, "quantity");
  json_builder_add_string_value (builder, evox_volume_get_quantity (volume));
  json_builder_set_member_name (builder, "unit");
  json_builder_add_string_value (builder, evox_volume_get_unit (volume));
  add_stats (builder, &stats);

  add_layers (builder, volume);
  if (evox_volume_get_n_scans (volume) > 0)
    {
      add_scans (builder, volume);
      json_builder_set_member_name (builder, "measured_stats");
      json_builder_begin_object (builder);
      add_stats (builder, evox_volume_get_measured_stats (volume));
      json_builder_end_object (builder);
    }

  add_spectral (builder, volume);

  json_builder_set_member_name (builder, "metadata");
  json_builder_begin_object (builder);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      json_builder_set_member_name (builder, keys[i]);
      json_builder_add_string_value (builder, evox_volume_get_metadata (volume, keys[i]));
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, NULL);
}

/* "log10 of resistance in ohm", "cluster". */
static char *
describe_values (EvoxVolume *volume,
                 guint       channel)
{
  const char *unit = evox_volume_get_channel_unit (volume, channel);

  return g_strdup_printf ("%s%s%s%s",
                          evox_volume_get_channel_value_scale (volume, channel) == EVOX_SCALE_LOG10
                          ? "log10 of " : "",
                          evox_volume_get_channel_quantity (volume, channel),
                          *unit ? " in " : "", unit);
}

static void
print_stats_line (const char      *title,
                  const EvoxStats *s,
                  gboolean         single)
{
  g_autofree char *min = _evox_cli_format_number (s->min, single);
  g_autofree char *max = _evox_cli_format_number (s->max, single);

  printf ("%-12s min %s, max %s, mean %.6g, std %.6g", title, min, max, s->mean, s->std);
  if (s->n_nonfinite > 0)
    printf (", %" G_GUINT64_FORMAT " NaN or infinite", s->n_nonfinite);
  printf ("\n");
}

/* At most this many energies are listed on the energies line; the channel table has them all. */
#define ENERGIES_LISTED 12

/* Energies, pixel sizes per energy, where the stack came from, what the reader says about it
 * ("info.<name>" metadata) and its warnings. */
static void
print_spectral (EvoxVolume *volume)
{
  guint n_channels = evox_volume_get_n_channels (volume);
  guint n_energies = count_energies (volume);
  g_auto(GStrv) warnings = dup_warnings (volume);
  g_auto(GStrv) info_keys = dup_info_keys (volume);
  const char *source = evox_volume_get_metadata (volume, "spectral_source");

  if (source != NULL)
    printf ("%-12s %s\n", "source", source);
  if (n_energies > 0)
    {
      double lo = INFINITY, hi = -INFINITY;
      g_autoptr(GString) list = g_string_new (NULL);

      for (guint c = 0; c < n_channels; c++)
        {
          double e = evox_volume_get_channel_energy (volume, c);

          if (!isfinite (e))
            continue;
          lo = MIN (lo, e);
          hi = MAX (hi, e);
          g_string_append_printf (list, "%s%.1f", list->len > 0 ? ", " : "", e);
        }
      if (n_energies == 1)
        printf ("%-12s 1, %.1f eV\n", "energies", lo);
      else if (n_energies <= ENERGIES_LISTED)
        printf ("%-12s %u, %.1f to %.1f eV: %s\n", "energies", n_energies, lo, hi, list->str);
      else
        printf ("%-12s %u, %.1f to %.1f eV\n", "energies", n_energies, lo, hi);
      printf ("%-12s %-8s %12s %14s\n", "channels", "index", "energy (eV)", "pixel (nm)");
      for (guint c = 0; c < n_channels; c++)
        {
          double e = evox_volume_get_channel_energy (volume, c);
          /* Unknown spacing falls back to 1: no size to show. */
          double pixel = evox_volume_get_spacing_known (volume)
                         ? evox_volume_get_channel_pixel_size (volume, c) : NAN;
          g_autofree char *e_text = isfinite (e) ? g_strdup_printf ("%.2f", e) : g_strdup ("-");
          g_autofree char *p_text = isfinite (pixel) ? g_strdup_printf ("%.4g", pixel)
                                                     : g_strdup ("-");

          printf ("%-12s %-8u %12s %14s\n", "", c, e_text, p_text);
        }
    }
  for (guint i = 0; info_keys[i] != NULL; i++)
    printf ("%-12s %s\n", info_keys[i] + 5, evox_volume_get_metadata (volume, info_keys[i]));
  for (guint i = 0; warnings[i] != NULL; i++)
    printf ("%-12s %s\n", "warning", warnings[i]);
}

static void
print_text (EvoxVolume *volume,
            const char *path)
{
  gsize dims[3];
  double spacing[3], origin[3];
  gboolean single = evox_volume_get_sample_type (volume) == EVOX_SAMPLE_F32;
  EvoxStats stats = volume_stats (volume);
  guint n_channels = evox_volume_get_n_channels (volume);
  guint n_measured = 0;

  evox_volume_get_dims (volume, dims);
  evox_volume_get_spacing (volume, spacing);
  evox_volume_get_origin (volume, origin);

  printf ("%-12s %s\n", "file", path);
  printf ("%-12s %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " voxels, "
          "%u channel%s\n", "dims", dims[0], dims[1], dims[2], n_channels,
          n_channels == 1 ? "" : "s");
  if (evox_volume_get_spacing_known (volume))
    printf ("%-12s %g x %g x %g nm, origin %g, %g, %g nm\n", "spacing", spacing[0], spacing[1],
            spacing[2], origin[0], origin[1], origin[2]);
  else if (evox_volume_get_n_scans (volume) > 0)
    printf ("%-12s pixel size not known (lengths in voxels; give --pixel-size or --voxel-size), "
            "layer step %g nm\n", "spacing", spacing[2]);
  else
    printf ("%-12s not known (lengths in voxels; give --voxel-size)\n", "spacing");
  {
    g_autofree char *meaning = describe_values (volume, 0);

    /* Channels of different meaning (a derived Clusters channel) are listed one by one. */
    printf ("%-12s %s, %s\n", "values",
            evox_sample_type_to_string (evox_volume_get_sample_type (volume)),
            evox_volume_channels_share_values (volume) ? meaning : "per channel:");
    for (guint c = 0; !evox_volume_channels_share_values (volume) && c < n_channels; c++)
      {
        g_autofree char *each = describe_values (volume, c);
        const char *label = evox_volume_get_channel_label (volume, c);

        printf ("  %-10s %s\n", label != NULL ? label : "", each);
      }
  }
  print_spectral (volume);
  print_stats_line ("statistics", &stats, single);
  for (guint c = 0; n_channels > 1 && c < n_channels; c++)
    {
      g_autofree char *title = g_strdup_printf ("  %s", evox_volume_get_channel_label (volume, c)
                                                ? evox_volume_get_channel_label (volume, c) : "");
      print_stats_line (title, evox_volume_get_stats (volume, c), single);
    }
  if (evox_volume_get_n_scans (volume) > 0)
    print_stats_line ("measured", evox_volume_get_measured_stats (volume), TRUE);

  for (gsize z = 0; z < dims[2]; z++)
    n_measured += evox_volume_get_layer (volume, z)->measured;
  printf ("%-12s %" G_GSIZE_FORMAT " (%u measured, %" G_GSIZE_FORMAT " interpolated)\n",
          "layers", dims[2], n_measured, dims[2] - n_measured);
  if (evox_volume_get_n_scans (volume) == 0)
    return;
  for (gsize z = 0; z < dims[2]; z++)
    {
      const EvoxLayer *layer = evox_volume_get_layer (volume, z);

      if (layer->measured)
        printf ("  %8g nm  measured      %s\n", layer->z_nm,
                evox_volume_get_scan (volume, layer->scan)->label);
      else
        printf ("  %8g nm  interpolated  %.3g %s + %.3g %s\n", layer->z_nm, 1.0 - layer->weight,
                evox_volume_get_scan (volume, layer->scan)->label, layer->weight,
                evox_volume_get_scan (volume, layer->scan_below)->label);
    }
  printf ("%-12s %u\n", "scans", evox_volume_get_n_scans (volume));
  for (guint i = 0; i < evox_volume_get_n_scans (volume); i++)
    {
      const EvoxScan *scan = evox_volume_get_scan (volume, i);
      printf ("  %8g nm  %s\n", scan->z_nm, scan->label);
    }
}

int
_evox_cli_info (int    argc,
                char **argv)
{
  g_auto(EvoxCliInput) input;
  g_autoptr(GOptionContext) context = g_option_context_new ("FILE");
  g_autoptr(EvoxVolume) volume = NULL;
  gboolean json = FALSE;
  const char *path;
  int status;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { NULL }
  };

  if (!_evox_cli_parse (context, "Print what a volume is: dimensions, channels, spacing, "
                        "sample type, value range and its layers.", entries, &input, &argc, &argv,
                        0, &status))
    return status;
  path = input.demo_xanes ? "demo-xanes" : input.demo ? "demo" : argv[1];

  input.reads_reduced = TRUE;
  volume = _evox_cli_input_load (&input, input.demo ? NULL : path, &status);
  if (volume == NULL)
    return status;

  if (json)
    {
      g_autofree char *text = info_json (volume, path);
      printf ("%s\n", text);
    }
  else
    print_text (volume, path);
  return EVOX_EXIT_OK;
}
