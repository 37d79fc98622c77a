/* evox-methods.c: a session as a methods paragraph, and the short provenance record of exports. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-methods.h"
#include "evox-voxel-source.h"

#include <math.h>
#include <string.h>

#include "evox-histogram.h"
#include "evox-types.h"

/* The session is read leniently, as evox_session_apply reads it: a missing key or one of the
 * wrong type leaves its sentence out rather than failing. */

static JsonNode *
member (JsonObject *object,
        const char *key)
{
  return object != NULL && json_object_has_member (object, key) ?
         json_object_get_member (object, key) : NULL;
}

static JsonObject *
get_object (JsonObject *object,
            const char *key)
{
  JsonNode *node = member (object, key);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
get_array (JsonObject *object,
           const char *key)
{
  JsonNode *node = member (object, key);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static gboolean
node_number (JsonNode *node,
             double   *value)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_DOUBLE)
    *value = json_node_get_double (node);
  else if (type == G_TYPE_INT64)
    *value = (double) json_node_get_int (node);
  else
    return FALSE;
  return isfinite (*value);
}

static gboolean
get_number (JsonObject *object,
            const char *key,
            double     *value)
{
  return node_number (member (object, key), value);
}

static const char *
get_string (JsonObject *object,
            const char *key)
{
  JsonNode *node = member (object, key);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
get_boolean (JsonObject *object,
             const char *key,
             gboolean    fallback)
{
  JsonNode *node = member (object, key);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fallback;
  return json_node_get_boolean (node);
}

static gboolean
get_range (JsonObject *object,
           double      range[2])
{
  JsonArray *array = get_array (object, "range");

  return array != NULL && json_array_get_length (array) == 2 &&
         node_number (json_array_get_element (array, 0), &range[0]) &&
         node_number (json_array_get_element (array, 1), &range[1]);
}

/* Numbers in the C locale, as short as reads back. */
static void
append_number (GString *text,
               double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (buffer, sizeof buffer, "%.6g", value);
  g_string_append (text, buffer);
}

static void
append_data (GString     *text,
             EvoxSession *session,
             EvoxVolume  *volume)
{
  JsonObject *root = evox_session_get_root (session);
  JsonArray *inputs = get_array (root, "inputs");
  JsonObject *input = NULL;
  JsonObject *reading, *ssrm;
  double number;

  if (inputs != NULL && json_array_get_length (inputs) > 0 &&
      JSON_NODE_HOLDS_OBJECT (json_array_get_element (inputs, 0)))
    input = json_array_get_object_element (inputs, 0);

  g_string_append (text, "Data. ");
  if (evox_session_get_input_is_demo (session))
    g_string_append (text, "The synthetic SSRM demonstration stack of Evox was analysed");
  else
    {
      const char *path = get_string (input, "path");
      const char *sha = get_string (input, "sha256");

      g_string_append_printf (text, "The %s \"%s\" was analysed",
                              evox_session_get_input_is_folder (session) ? "folder" : "file",
                              path != NULL ? path : "(not named)");
      if (get_number (input, "size", &number))
        g_string_append_printf (text, " (%" G_GUINT64_FORMAT " bytes", (guint64) number);
      if (sha != NULL)
        g_string_append_printf (text, "%sSHA-256 %s", get_number (input, "size", &number) ?
                                "; " : " (", sha);
      if (get_number (input, "size", &number) || sha != NULL)
        g_string_append (text, ")");
    }
  g_string_append (text, ".");

  reading = get_object (input, "reading");
  ssrm = get_object (reading, "ssrm");
  if (ssrm != NULL)
    {
      const char *scale = get_string (ssrm, "scale");

      g_string_append (text, " It was read as an SSRM table");
      if (scale != NULL)
        g_string_append_printf (text, " of %s values", scale);
      if (get_number (ssrm, "pixel-size-nm", &number))
        {
          g_string_append (text, ", pixel size ");
          append_number (text, number);
          g_string_append (text, " nm");
        }
      if (get_number (ssrm, "dz-nm", &number))
        {
          g_string_append (text, ", layers every ");
          append_number (text, number);
          g_string_append (text, " nm");
        }
      g_string_append (text, ".");
    }
  if (get_number (reading, "bin", &number) && number > 1)
    g_string_append_printf (text, " It was binned %u x %u x %u on reading.",
                            (guint) number, (guint) number, (guint) number);
  if (volume != NULL && evox_volume_get_reduction (volume) > 1)
    {
      guint s = evox_volume_get_reduction (volume);

      g_string_append_printf (text, " It was larger than memory: it was held at 1:%u (the means "
                              "of %u x %u x %u blocks), and what follows was computed at 1:%u.",
                              s, s, s, s, s);
    }

  if (volume != NULL)
    {
      gsize dims[3];
      double spacing[3];

      evox_volume_get_dims (volume, dims);
      evox_volume_get_spacing (volume, spacing);
      g_string_append_printf (text, " The volume has %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                              " x %" G_GSIZE_FORMAT " voxels (x, y, z) of type %s",
                              dims[0], dims[1], dims[2],
                              evox_sample_type_to_string (evox_volume_get_sample_type (volume)));
      if (evox_volume_get_n_channels (volume) > 1)
        g_string_append_printf (text, " in %u channels", evox_volume_get_n_channels (volume));
      if (evox_volume_get_value_scale (volume) == EVOX_SCALE_LOG10)
        g_string_append (text, ", values stored as log10");
      g_string_append (text, "; voxel size ");
      if (evox_volume_get_spacing_known (volume))
        {
          append_number (text, spacing[0]);
          g_string_append (text, " x ");
          append_number (text, spacing[1]);
          g_string_append (text, " x ");
          append_number (text, spacing[2]);
          g_string_append (text, " nm.");
        }
      else
        g_string_append (text, "not known (lengths are in voxels).");
    }
  else
    {
      double spacing[3];
      JsonArray *array = get_array (root, "voxel-size-nm");

      if (array != NULL && json_array_get_length (array) == 3 &&
          node_number (json_array_get_element (array, 0), &spacing[0]) &&
          node_number (json_array_get_element (array, 1), &spacing[1]) &&
          node_number (json_array_get_element (array, 2), &spacing[2]))
        {
          g_string_append (text, " Voxel size ");
          append_number (text, spacing[0]);
          g_string_append (text, " x ");
          append_number (text, spacing[1]);
          g_string_append (text, " x ");
          append_number (text, spacing[2]);
          g_string_append (text, " nm.");
        }
    }
  g_string_append (text, "\n\n");
}

/* A volume made from projections carries its reconstruction's parameters as tomo_* metadata. */
static void
append_reconstruction (GString    *text,
                       EvoxVolume *volume)
{
  g_auto (GStrv) keys = NULL;
  gboolean any = FALSE;

  if (volume == NULL)
    return;
  keys = evox_volume_dup_metadata_keys (volume);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      if (!g_str_has_prefix (keys[i], "tomo_"))
        continue;
      g_string_append (text, any ? ", " : "Reconstruction. The volume was reconstructed from "
                       "projections in Evox with ");
      g_string_append_printf (text, "%s = %s", keys[i] + strlen ("tomo_"),
                              evox_volume_get_metadata (volume, keys[i]));
      any = TRUE;
    }
  if (any)
    g_string_append (text, ".\n\n");
}

static void
append_interpolation (GString     *text,
                      EvoxSession *session)
{
  JsonObject *root = evox_session_get_root (session);
  JsonArray *inputs = get_array (root, "inputs");
  gboolean ssrm = evox_session_get_input_is_demo (session);

  if (inputs != NULL && json_array_get_length (inputs) > 0 &&
      JSON_NODE_HOLDS_OBJECT (json_array_get_element (inputs, 0)))
    ssrm |= get_object (get_object (json_array_get_object_element (inputs, 0), "reading"),
                        "ssrm") != NULL;

  g_string_append (text, "Interpolation. ");
  if (ssrm)
    g_string_append (text, "Layers between the measured SSRM scans were interpolated linearly "
                     "per pixel; fractions are of the measured scans unless stated otherwise. ");
  g_string_append (text, "Displayed slices and volume renderings sample the values trilinearly "
                   "for the colour map and the nearest voxel for phases and cluster labels; no "
                   "resampling was applied to the analysed voxels.\n\n");
}

static void
append_registration (GString     *text,
                     EvoxSession *session)
{
  JsonObject *root = evox_session_get_root (session);

  if (!get_boolean (root, "registered", FALSE))
    return;
  g_string_append (text, "Registration. The channels were registered to one another in Evox "
                   "before analysis (the session records that a registration was applied; its "
                   "reference channel and quality are in the registration CSV export).\n\n");
}

/* The fraction change of a phase when one edge moves by one fine-histogram bin. */
static void
append_sensitivity (GString           *text,
                    EvoxFineHistogram *histogram,
                    double             lo,
                    double             hi)
{
  double w = evox_fine_histogram_get_bin_width (histogram);
  double n = (double) evox_fine_histogram_get_n_finite (histogram);
  double f, moved[4];
  const double edges[4][2] = { { lo - w, hi }, { lo + w, hi }, { lo, hi - w }, { lo, hi + w } };

  if (n <= 0 || !(w > 0))
    return;
  f = (double) evox_fine_histogram_range_count (histogram, lo, hi) / n;
  for (guint i = 0; i < 4; i++)
    moved[i] = edges[i][0] <= edges[i][1] ?
      (double) evox_fine_histogram_range_count (histogram, edges[i][0], edges[i][1]) / n : 0;
  g_string_append_printf (text, ", volume fraction %.2f %%; moving the lower threshold by -1/+1 "
                          "bin (", 100 * f);
  append_number (text, w);
  g_string_append_printf (text, ") changes it by %+.2f/%+.2f percentage points, the upper "
                          "threshold by %+.2f/%+.2f",
                          100 * (moved[0] - f), 100 * (moved[1] - f),
                          100 * (moved[2] - f), 100 * (moved[3] - f));
}

static void
append_phases (GString     *text,
               EvoxSession *session,
               EvoxVolume  *volume)
{
  JsonObject *root = evox_session_get_root (session);
  JsonArray *phases = get_array (root, "phases");
  EvoxFineHistogram *histogram = NULL;
  double channel = 0;
  guint n = phases != NULL ? json_array_get_length (phases) : 0;

  if (n == 0)
    return;
  get_number (get_object (root, "display"), "channel", &channel);
  if (volume != NULL && channel >= 0 && channel < evox_volume_get_n_channels (volume))
    histogram = evox_volume_get_fine_histogram (volume, (guint) channel);

  g_string_append_printf (text, "Phases. %u phase%s %s defined by thresholds on the stored "
                          "values (a voxel of value v belongs to a phase when lo <= v <= hi; "
                          "where phases overlap the first listed owns the voxel): ",
                          n, n == 1 ? "" : "s", n == 1 ? "was" : "were");
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (phases, i);
      JsonObject *phase = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *name = get_string (phase, "name");
      double range[2];

      if (i > 0)
        g_string_append (text, "; ");
      g_string_append_printf (text, "\"%s\"", name != NULL ? name : "(unnamed)");
      if (get_range (phase, range))
        {
          g_string_append (text, " [");
          append_number (text, range[0]);
          g_string_append (text, ", ");
          append_number (text, range[1]);
          g_string_append (text, "]");
          if (histogram != NULL)
            append_sensitivity (text, histogram, range[0], range[1]);
        }
    }
  g_string_append (text, ".\n\n");
}

static void
append_particles (GString     *text,
                  EvoxSession *session)
{
  JsonObject *particles = get_object (evox_session_get_root (session), "particles");
  const char *phase = get_string (particles, "phase");
  double connectivity, min_size, range[2];

  if (particles == NULL)
    return;
  g_string_append (text, "Particles. Connected components");
  if (phase != NULL)
    g_string_append_printf (text, " of phase \"%s\"", phase);
  if (get_range (particles, range))
    {
      g_string_append (text, " (values ");
      append_number (text, range[0]);
      g_string_append (text, " to ");
      append_number (text, range[1]);
      g_string_append (text, ")");
    }
  g_string_append (text, " were labelled");
  if (get_number (particles, "connectivity", &connectivity))
    g_string_append_printf (text, " with %d-connectivity", (int) connectivity);
  if (get_number (particles, "min-size", &min_size))
    g_string_append_printf (text, ", components smaller than %" G_GUINT64_FORMAT " voxels "
                            "discarded (minimum size)", (guint64) min_size);
  g_string_append (text, ".\n\n");
}

static void
append_surfaces (GString     *text,
                 EvoxSession *session)
{
  JsonObject *root = evox_session_get_root (session);
  JsonObject *display = get_object (root, "display");
  JsonArray *surfaces = get_array (root, "surfaces");
  guint n = surfaces != NULL ? json_array_get_length (surfaces) : 0;
  double budget = 2000000;

  if (n == 0)
    return;
  get_number (display, "triangle-budget", &budget);
  g_string_append_printf (text, "Surfaces. %u surface%s (", n, n == 1 ? "" : "s");
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (surfaces, i);
      JsonObject *surface = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *name = get_string (surface, "name");

      g_string_append_printf (text, "%s\"%s\"", i > 0 ? ", " : "", name != NULL ? name : "?");
    }
  g_string_append_printf (text, ") %s extracted with flying edges (Schroeder, Maynard and "
                          "Geveci 2015) half way between inside and outside voxel centres",
                          n == 1 ? "was" : "were");
  if (get_boolean (display, "smooth-surfaces", TRUE))
    g_string_append (text, ", the mask first smoothed by a Gaussian of one voxel and contoured "
                     "at the level that keeps its voxel count");
  if (budget > 0)
    g_string_append_printf (text, "; surfaces over the triangle budget of %" G_GUINT64_FORMAT
                            " triangles were contoured on a coarser grid (coarsened by "
                            "sqrt(triangles / budget), adjusted until within the budget), "
                            "with areas and volumes quoted from the full-resolution surface",
                            (guint64) budget);
  else
    g_string_append (text, "; no triangle budget was applied");
  g_string_append (text, ".\n\n");
}

static void
append_clusters (GString     *text,
                 EvoxSession *session)
{
  JsonObject *clusters = get_object (evox_session_get_root (session), "clusters");
  JsonObject *info = get_object (clusters, "info");
  const char *features = get_string (info, "features");
  const char *scale = get_string (info, "scale");
  const char *pca = get_string (info, "pca");
  const char *seed = get_string (info, "seed");
  const char *restarts = get_string (info, "restarts");
  const char *inertia = get_string (info, "inertia");
  double k;

  if (clusters == NULL)
    return;
  g_string_append (text, "Clustering. Voxels were clustered by k-means (k-means++ "
                   "initialisation)");
  if (get_number (clusters, "k", &k))
    g_string_append_printf (text, " with k = %d", (int) k);
  if (features != NULL)
    g_string_append_printf (text, " on the features %s", features);
  if (scale != NULL)
    g_string_append_printf (text, ", scaled by %s", scale);
  if (pca != NULL)
    g_string_append_printf (text, ", PCA %s", pca);
  if (seed != NULL)
    g_string_append_printf (text, ", random seed %s", seed);
  if (restarts != NULL)
    g_string_append_printf (text, ", %s restarts (the lowest inertia kept)", restarts);
  if (inertia != NULL)
    g_string_append_printf (text, "; final inertia %s", inertia);
  g_string_append (text, ".\n\n");
}

char *
evox_methods_format (EvoxSession *session,
                     EvoxVolume  *volume)
{
  GString *text = g_string_new (NULL);
  const char *by;

  g_return_val_if_fail (EVOX_IS_SESSION (session), NULL);
  g_return_val_if_fail (volume == NULL || EVOX_IS_VOLUME (volume), NULL);

  append_data (text, session, volume);
  append_reconstruction (text, volume);
  append_interpolation (text, session);
  append_registration (text, session);
  append_phases (text, session, volume);
  append_particles (text, session);
  append_surfaces (text, session);
  append_clusters (text, session);
  by = get_string (evox_session_get_root (session), "evox-version");
  g_string_append_printf (text, "Software. The analysis was made with Evox %s",
                          by != NULL ? by : PACKAGE_VERSION);
  if (by != NULL && strcmp (by, PACKAGE_VERSION) != 0)
    g_string_append_printf (text, " (this text by Evox %s)", PACKAGE_VERSION);
  g_string_append (text, ".\n");
  return g_string_free (text, FALSE);
}

char *
evox_provenance_record (const char *input,
                        const char *operation)
{
  GString *text = g_string_new ("software: Evox " PACKAGE_VERSION);

  if (input != NULL)
    {
      g_autofree char *hash = evox_session_hash_path (input, NULL, NULL);

      g_string_append_printf (text, "\ninput: %s", input);
      if (hash != NULL)
        g_string_append_printf (text, "\ninput-sha256: %s", hash);
    }
  if (operation != NULL)
    g_string_append_printf (text, "\noperation: %s", operation);
  return g_string_free (text, FALSE);
}

char *
evox_provenance_comment (const char *record)
{
  GString *text = g_string_new (NULL);
  g_auto (GStrv) lines = NULL;

  if (record == NULL)
    return g_string_free (text, FALSE);
  lines = g_strsplit (record, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    g_string_append_printf (text, "# %s\n", lines[i]);
  return g_string_free (text, FALSE);
}

char *
evox_provenance_join_argv (int    argc,
                           char **argv)
{
  GString *text = g_string_new (NULL);

  for (int i = 0; i < argc; i++)
    {
      g_autofree char *quoted = NULL;

      if (i > 0)
        g_string_append_c (text, ' ');
      if (argv[i][0] != '\0' && strpbrk (argv[i], " \t\n'\"\\") == NULL)
        g_string_append (text, argv[i]);
      else
        {
          quoted = g_shell_quote (argv[i]);
          g_string_append (text, quoted);
        }
    }
  return g_string_free (text, FALSE);
}
