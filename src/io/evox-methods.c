/* evox-methods.c: a session as a methods paragraph, and the short provenance record of exports. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-methods.h"
#include "evox-voxel-source.h"

#include <math.h>
#include <string.h>

#include "evox-csv.h"
#include "evox-histogram.h"
#include "evox-json.h"
#include "evox-phase.h"
#include "evox-types.h"

/* The session is read leniently, as evox_session_apply reads it: a missing key or one of the
 * wrong type leaves its sentence out rather than failing. */

static gboolean
get_range (JsonObject *object,
           double      range[2])
{
  JsonArray *array = evox_json_get_array (object, "range");

  return array != NULL && json_array_get_length (array) == 2 &&
         evox_json_node_number (json_array_get_element (array, 0), &range[0]) &&
         evox_json_node_number (json_array_get_element (array, 1), &range[1]);
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
  JsonArray *inputs = evox_json_get_array (root, "inputs");
  JsonObject *input = NULL;
  JsonObject *reading, *ssrm;
  double number;
  gsize shape[3] = { 0, 0, 0 };

  if (inputs != NULL && json_array_get_length (inputs) > 0 &&
      JSON_NODE_HOLDS_OBJECT (json_array_get_element (inputs, 0)))
    input = json_array_get_object_element (inputs, 0);

  g_string_append (text, "Data. ");
  if (evox_session_get_input_is_demo (session))
    g_string_append (text, "The synthetic SSRM demonstration stack of Evox was analysed");
  else
    {
      const char *path = evox_json_get_string (input, "path");
      const char *sha = evox_json_get_string (input, "sha256");

      g_string_append_printf (text, "The %s \"%s\" was analysed",
                              evox_session_get_input_is_folder (session) ? "folder" : "file",
                              path != NULL ? path : "(not named)");
      if (evox_json_get_number (input, "size", &number))
        g_string_append_printf (text, " (%" G_GUINT64_FORMAT " bytes", (guint64) number);
      if (sha != NULL)
        g_string_append_printf (text, "%sSHA-256 %s",
                                evox_json_get_number (input, "size", &number) ? "; " : " (",
                                sha);
      if (evox_json_get_number (input, "size", &number) || sha != NULL)
        g_string_append (text, ")");
    }
  g_string_append (text, ".");

  reading = evox_json_get_object (input, "reading");
  ssrm = evox_json_get_object (reading, "ssrm");
  if (ssrm != NULL)
    {
      const char *scale = evox_json_get_string (ssrm, "scale");

      g_string_append (text, " It was read as an SSRM table");
      if (scale != NULL)
        g_string_append_printf (text, " of %s values", scale);
      if (evox_json_get_number (ssrm, "pixel-size-nm", &number))
        {
          g_string_append (text, ", pixel size ");
          append_number (text, number);
          g_string_append (text, " nm");
        }
      if (evox_json_get_number (ssrm, "dz-nm", &number))
        {
          g_string_append (text, ", layers every ");
          append_number (text, number);
          g_string_append (text, " nm");
        }
      g_string_append (text, ".");
    }
  /* Images (one layer: spectral sets, single HDF5 or Xradia images) are binned in x and y
   * only; volumes in z too (evox-hdf5.c). */
  if (volume != NULL)
    evox_volume_get_dims (volume, shape);
  if (evox_json_get_number (reading, "bin", &number) && number > 1 &&
      volume != NULL && shape[2] == 1)
    g_string_append_printf (text, " It was binned %u x %u pixels on reading.",
                            (guint) number, (guint) number);
  else if (evox_json_get_number (reading, "bin", &number) && number > 1)
    g_string_append_printf (text, " It was binned %u x %u x %u on reading.",
                            (guint) number, (guint) number, (guint) number);
  if (volume != NULL && evox_volume_get_reduction (volume) > 1)
    {
      guint s = evox_volume_get_reduction (volume);

      g_string_append_printf (text, " It was larger than memory: it was held at 1:%u (the %s "
                              "of %u x %u x %u blocks), and what follows was computed at 1:%u.",
                              s, evox_volume_get_reduction_kind (volume), s, s, s, s);
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
      JsonArray *array = evox_json_get_array (root, "voxel-size-nm");

      if (array != NULL && json_array_get_length (array) == 3 &&
          evox_json_node_number (json_array_get_element (array, 0), &spacing[0]) &&
          evox_json_node_number (json_array_get_element (array, 1), &spacing[1]) &&
          evox_json_node_number (json_array_get_element (array, 2), &spacing[2]))
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
  JsonArray *inputs = evox_json_get_array (root, "inputs");
  gboolean ssrm = evox_session_get_input_is_demo (session);

  if (inputs != NULL && json_array_get_length (inputs) > 0 &&
      JSON_NODE_HOLDS_OBJECT (json_array_get_element (inputs, 0)))
    ssrm |= evox_json_get_object (evox_json_get_object (json_array_get_object_element (inputs, 0),
                                                        "reading"), "ssrm") != NULL;

  g_string_append (text, "Interpolation. ");
  if (ssrm)
    g_string_append (text, "Layers between the measured SSRM scans were interpolated linearly "
                     "per pixel; fractions are of the measured scans unless stated otherwise. ");
  g_string_append (text, "Displayed slices and volume renderings sample the values trilinearly "
                   "for the colour map and the nearest voxel for phases and cluster labels; no "
                   "resampling was applied to the analysed voxels.\n\n");
}

/* " name NUMBER unit" when the member is a number. */
static gboolean
append_member (GString    *text,
               JsonObject *object,
               const char *key,
               const char *before,
               const char *after)
{
  double value;

  if (!evox_json_get_number (object, key, &value))
    return FALSE;
  g_string_append (text, before);
  append_number (text, value);
  g_string_append (text, after);
  return TRUE;
}

/* "E1, E2 and E3" of an array of numbers. */
static void
append_numbers (GString   *text,
                JsonArray *array)
{
  guint n = array != NULL ? json_array_get_length (array) : 0;

  for (guint i = 0; i < n; i++)
    {
      double value;

      if (i > 0)
        g_string_append (text, i + 1 == n ? " and " : ", ");
      if (evox_json_node_number (json_array_get_element (array, i), &value))
        append_number (text, value);
    }
}

static void
append_registration (GString     *text,
                     EvoxSession *session)
{
  JsonObject *root = evox_session_get_root (session);
  JsonObject *record = evox_json_get_object (root, "registration");
  JsonObject *result = evox_json_get_object (record, "result");
  JsonArray *exclude = evox_json_get_array (record, "exclude-ev");
  const char *scale = evox_json_get_string (record, "scale");
  double value;

  if (record == NULL)
    {
      if (!evox_json_get_boolean (root, "registered", FALSE))
        return;
      g_string_append (text, "Registration. The channels were registered to one another in "
                       "Evox before analysis (the session records that a registration was "
                       "applied; its reference channel and quality are in the registration CSV "
                       "export).\n\n");
      return;
    }
  g_string_append (text, "Registration. Every energy was registered onto the grid of the "
                   "reference energy");
  if (evox_json_get_number (result, "reference-ev", &value) ||
      evox_json_get_number (record, "reference-ev", &value))
    {
      g_string_append (text, ", ");
      append_number (text, value);
      g_string_append (text, " eV");
    }
  g_string_append (text, evox_json_get_number (record, "reference-ev", &value)
                         ? " (given)" : " (the highest energy, whose pixels are the largest)");
  if (g_strcmp0 (scale, "none") == 0)
    g_string_append (text, ", by translation only (scale none)");
  else if (g_strcmp0 (scale, "energy") == 0)
    g_string_append (text, ", by translation and the nominal scale (scale energy: the ratio "
                     "of the pixel sizes, or E / E_ref)");
  else
    g_string_append (text, ", by translation and scale (scale fit: the nominal scale refined "
                     "by a search for the best correlation)");
  if (exclude != NULL && json_array_get_length (exclude) > 0)
    {
      g_string_append (text, ", leaving out ");
      append_numbers (text, exclude);
      g_string_append (text, " eV");
    }
  g_string_append (text, ". Quality:");
  append_member (text, result, "energies", " ", " energies registered");
  append_member (text, result, "flagged", ", ", " flagged (shift more than 3 median absolute "
                 "deviations off the trend of their neighbours)");
  append_member (text, result, "rms-residual-px", "; residual shift when registered again "
                 "RMS ", " px");
  append_member (text, result, "max-residual-px", " (largest ", " px)");
  append_member (text, result, "min-ncc-after", "; lowest normalised cross-correlation with "
                 "the reference after registration ", "");
  g_string_append (text, ".\n\n");
}

static void
append_xanes (GString     *text,
              EvoxSession *session)
{
  JsonObject *record = evox_json_get_object (evox_session_get_root (session), "xanes");
  JsonObject *result = evox_json_get_object (record, "result");
  JsonArray *pre = evox_json_get_array (result, "pre-ev");
  JsonArray *post = evox_json_get_array (result, "post-ev");
  const char *edge = evox_json_get_string (result, "edge");
  double value;

  if (record == NULL)
    return;
  g_string_append (text, "XANES normalisation. ");
  if (evox_json_get_boolean (record, "register", FALSE))
    g_string_append (text, "The stack was first registered as evox register does by default. ");
  g_string_append (text, "Each voxel's spectrum was normalised as Larch's pre_edge does, with "
                   "one E0 for the whole stack");
  if (edge != NULL)
    g_string_append_printf (text, " at the %s edge (%s)", edge,
                            evox_json_get_string (record, "edge") != NULL
                            ? "given" : "found from the energies");
  if (append_member (text, result, "e0-ev", ": E0 ", " eV"))
    g_string_append (text, evox_json_get_number (record, "e0-ev", &value)
                     ? " (given, on its nearest energy)"
                     : " (the mean spectrum's, on its nearest energy)");
  if (pre != NULL && json_array_get_length (pre) == 2)
    {
      g_string_append (text, ", the pre-edge line fitted from E0");
      evox_json_node_number (json_array_get_element (pre, 0), &value);
      g_string_append (text, value < 0 ? "" : "+");
      append_number (text, value);
      g_string_append (text, " to E0");
      evox_json_node_number (json_array_get_element (pre, 1), &value);
      g_string_append (text, value < 0 ? "" : "+");
      append_number (text, value);
      g_string_append (text, " eV");
    }
  if (post != NULL && json_array_get_length (post) >= 1)
    {
      g_string_append (text, ", the post-edge polynomial");
      append_member (text, result, "nnorm", " of degree ", "");
      g_string_append (text, evox_json_get_string (record, "nnorm") != NULL
                       ? " (by Larch's rule on the post-edge span)" : " (given)");
      g_string_append (text, " fitted from E0+");
      evox_json_node_number (json_array_get_element (post, 0), &value);
      append_number (text, value);
      if (json_array_get_length (post) == 2 &&
          evox_json_node_number (json_array_get_element (post, 1), &value))
        {
          g_string_append (text, " to E0+");
          append_number (text, value);
          g_string_append (text, " eV");
        }
      else
        g_string_append (text, " eV to the last energy");
    }
  append_member (text, record, "step-sigma", "; a voxel is kept when its edge step exceeds ",
                 " times its noise");
  append_member (text, result, "mask-voxels", " (", "");
  append_member (text, result, "voxels", " of ", " voxels)");
  append_member (text, result, "edge-energy-median-ev", "; median edge energy ", " eV");
  g_string_append (text, ".\n\n");
}

static void
append_elements (GString     *text,
                 EvoxSession *session)
{
  JsonObject *record = evox_json_get_object (evox_session_get_root (session), "elements");
  JsonArray *elements = evox_json_get_array (evox_json_get_object (record, "result"), "elements");
  const char *matrix = evox_json_get_string (record, "matrix");
  gboolean fit = g_strcmp0 (evox_json_get_string (record, "method"), "fit") == 0;

  if (record == NULL)
    return;
  g_string_append (text, "Elemental maps. ");
  if (evox_json_get_boolean (record, "register", FALSE))
    g_string_append (text, "The stack was first registered as evox register does by default. ");
  if (fit)
    g_string_append (text, "Areal densities were fitted per voxel by least squares to the "
                     "mass attenuation coefficients (xraylib) of ");
  else
    g_string_append (text, "Areal densities were computed per voxel from the jump in optical "
                     "density across each edge, divided by the jump in mass attenuation "
                     "(xraylib), for ");
  for (guint i = 0; elements != NULL && i < json_array_get_length (elements); i++)
    {
      JsonNode *node = json_array_get_element (elements, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *edge = evox_json_get_string (entry, "edge");

      if (i > 0)
        g_string_append (text, i + 1 == json_array_get_length (elements) ? " and " : ", ");
      g_string_append (text, edge != NULL ? edge : "?");
      if (!fit && append_member (text, entry, "below-ev", " (energies ", ""))
        append_member (text, entry, "above-ev", " and ", " eV)");
    }
  if (fit && matrix != NULL)
    g_string_append_printf (text, " and a matrix term of %s", matrix);
  g_string_append (text, ".\n\n");
}

/* E0 plus or minus a relative energy, "E0-150" or "E0+40". */
static void
append_relative_ev (GString    *text,
                    JsonObject *record,
                    const char *key)
{
  double value;

  if (!evox_json_get_number (record, key, &value))
    return;
  g_string_append (text, value < 0 ? "E0" : "E0+");
  append_number (text, value);
}

/* The maps the window made and records itself ("xanes-maps", "elements-maps"; its keys are the
 * maps' metadata, see evox-session.c), computed again when the session is opened. */
static void
append_window_maps (GString     *text,
                    EvoxSession *session)
{
  JsonObject *root = evox_session_get_root (session);
  JsonObject *xanes = evox_json_get_object (root, "xanes-maps");
  JsonObject *elements = evox_json_get_object (root, "elements-maps");

  if (xanes != NULL)
    {
      g_string_append (text, "XANES maps. Each voxel's spectrum was normalised as Larch's "
                       "pre_edge does, with one E0 for the whole stack");
      append_member (text, xanes, "e0", " of ", " eV");
      append_member (text, xanes, "edge", " (edge ", " eV)");
      if (json_object_has_member (xanes, "pre1") && json_object_has_member (xanes, "pre2"))
        {
          g_string_append (text, ", the pre-edge line fitted from ");
          append_relative_ev (text, xanes, "pre1");
          g_string_append (text, " to ");
          append_relative_ev (text, xanes, "pre2");
          g_string_append (text, " eV");
        }
      if (json_object_has_member (xanes, "norm1") && json_object_has_member (xanes, "norm2"))
        {
          g_string_append (text, ", the post-edge polynomial");
          append_member (text, xanes, "nnorm", " of degree ", "");
          g_string_append (text, " fitted from ");
          append_relative_ev (text, xanes, "norm1");
          g_string_append (text, " to ");
          append_relative_ev (text, xanes, "norm2");
          g_string_append (text, " eV");
        }
      append_member (text, xanes, "mask_k", "; a voxel is kept when its edge step exceeds ",
                     " times its noise");
      g_string_append (text, ".\n\n");
    }
  if (elements != NULL)
    {
      const char *edges = evox_json_get_string (elements, "element");
      const char *matrix = evox_json_get_string (elements, "matrix");
      JsonArray *pairs = evox_json_get_array (elements, "pairs");
      gboolean fit = g_strcmp0 (evox_json_get_string (elements, "method"), "fit") == 0;

      g_string_append (text, "Elemental maps. ");
      if (evox_json_get_boolean (elements, "register", FALSE))
        g_string_append (text, "They were computed on the registered stack. ");
      g_string_append (text, fit ? "Areal densities were fitted per voxel by least squares to "
                                   "the mass attenuation coefficients (xraylib) of the edges "
                                 : "Areal densities were computed per voxel from the jump in "
                                   "optical density across each edge, divided by the jump in "
                                   "mass attenuation (xraylib), for the edges ");
      g_string_append (text, edges != NULL ? edges : "?");
      if (!fit && pairs != NULL && json_array_get_length (pairs) > 0)
        {
          g_string_append (text, " (energies below:above each edge in eV: ");
          for (guint i = 0; i < json_array_get_length (pairs); i++)
            {
              const char *pair = json_array_get_string_element (pairs, i);

              g_string_append_printf (text, "%s%s", i > 0 ? ", " : "", pair != NULL ? pair : "?");
            }
          g_string_append (text, ")");
        }
      if (fit && matrix != NULL)
        g_string_append_printf (text, " and a matrix term of %s", matrix);
      g_string_append (text, ".\n\n");
    }
}

static void
append_reconstruction_record (GString     *text,
                              EvoxSession *session)
{
  JsonObject *record = evox_json_get_object (evox_session_get_root (session), "reconstruction");
  JsonObject *result = evox_json_get_object (record, "result");
  const char *align = evox_json_get_string (record, "align");
  const char *center = evox_json_get_string (record, "center");
  const char *algorithm = evox_json_get_string (record, "algorithm");
  const char *filter = evox_json_get_string (record, "filter");
  const char *unit = evox_json_get_string (result, "resolution-unit");
  double bin;

  if (record == NULL)
    return;
  g_string_append (text, "Reconstruction. The projections were flat- and dark-corrected into "
                   "optical density");
  if (evox_json_get_number (record, "bin", &bin) && bin > 1)
    {
      g_string_append (text, ", binned ");
      append_number (text, bin);
      g_string_append (text, " x ");
      append_number (text, bin);
    }
  if (align != NULL)
    g_string_append_printf (text, ", aligned for jitter (%s)", align);
  if (center != NULL)
    g_string_append_printf (text, ", the rotation centre %s", g_str_equal (center, "auto") ?
                            "from the centre-of-mass fit refined by a sharpness search" :
                            "given");
  append_member (text, result, "center-px", " (", " px)");
  if (algorithm != NULL)
    g_string_append_printf (text, ", and reconstructed by %s",
                            g_str_has_prefix (algorithm, "sirt") ? "SIRT" :
                            "filtered back-projection");
  if (algorithm != NULL && g_str_has_prefix (algorithm, "sirt:"))
    g_string_append_printf (text, " (%s iterations)", algorithm + strlen ("sirt:"));
  if (filter != NULL && (algorithm == NULL || !g_str_has_prefix (algorithm, "sirt")))
    g_string_append_printf (text, " with the %s filter", filter);
  append_member (text, result, "shift-rms-dx-px", "; shifts RMS dx ", " px");
  append_member (text, result, "shift-rms-dy-px", ", dy ", " px");
  if (unit != NULL && !evox_json_get_number (result, "resolution-half-bit", &bin) &&
      !evox_json_get_number (result, "resolution-fsc-1-7", &bin))
    g_string_append (text, "; the resolution (FSC of odd and even angles) was not reached (the "
                     "curve stays above its thresholds, or never rises above them)");
  else if (unit != NULL)
    {
      g_string_append (text, "; resolution (FSC of odd and even angles)");
      append_member (text, result, "resolution-half-bit", ": half-bit ", "");
      append_member (text, result, "resolution-fsc-1-7", ", FSC 1/7 ", "");
      g_string_append_printf (text, " (%s)", unit);
    }
  g_string_append (text, ".\n\n");
}

/* " [LO, HI]". */
static void
append_range (GString      *text,
              const double  range[2])
{
  g_string_append (text, " [");
  append_number (text, range[0]);
  g_string_append (text, ", ");
  append_number (text, range[1]);
  g_string_append (text, "]");
}

/* "NAME [LO, HI]" of each recorded {name, range}. */
static void
append_phase_ranges (GString   *text,
                     JsonArray *phases)
{
  for (guint i = 0; phases != NULL && i < json_array_get_length (phases); i++)
    {
      JsonNode *node = json_array_get_element (phases, i);
      JsonObject *phase = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *name = evox_json_get_string (phase, "name");
      double range[2];

      if (i > 0)
        g_string_append (text, " and ");
      g_string_append_printf (text, "\"%s\"", name != NULL ? name : "?");
      if (get_range (phase, range))
        append_range (text, range);
    }
}

static void
append_metrics (GString     *text,
                EvoxSession *session)
{
  JsonObject *record = evox_json_get_object (evox_session_get_root (session), "metrics");
  JsonArray *axes = evox_json_get_array (record, "tortuosity");
  JsonArray *surface = evox_json_get_array (record, "surface");
  const char *thickness = evox_json_get_string (record, "thickness");

  if (record == NULL)
    return;
  g_string_append (text, "Electrode metrics. The phase ");
  append_phase_ranges (text, evox_json_get_array (record, "phase"));
  append_member (text, record, "channel", " (stored values of channel ", ")");
  g_string_append (text, " was measured: its porosity as its share of the voxels");
  if (axes != NULL && json_array_get_length (axes) > 0)
    {
      g_string_append (text, "; the tortuosity factor (TauFactor's tau = porosity / (D_eff / "
                       "D)) along ");
      for (guint i = 0; i < json_array_get_length (axes); i++)
        g_string_append_printf (text, "%s%s", i > 0 ? ", " : "",
                                json_array_get_string_element (axes, i) != NULL ?
                                json_array_get_string_element (axes, i) : "?");
      g_string_append (text, " by steady-state diffusion");
      if (g_strcmp0 (evox_json_get_string (record, "solver"), "cg-multigrid") == 0)
        g_string_append (text, ", solved by conjugate gradients preconditioned with a multigrid "
                         "V-cycle");
      append_member (text, record, "tolerance", " to a relative residual of ", "");
      if (evox_json_get_array (record, "second") != NULL)
        {
          g_string_append (text, ", with the second phase ");
          append_phase_ranges (text, evox_json_get_array (record, "second"));
          append_member (text, record, "second-diffusivity", " conducting with a relative "
                         "diffusivity of ", " (face conductance the harmonic mean of the two "
                         "voxels'; tau = D_mean / D_eff, D_mean the volume-weighted diffusivity, "
                         "as TauFactor's multi-phase solver)");
        }
    }
  if (evox_json_get_boolean (record, "percolation", FALSE))
    append_member (text, record, "connectivity", "; percolation (shares connected to both "
                   "faces, one or neither) with ", "-connectivity");
  if (surface != NULL && json_array_get_length (surface) > 0)
    {
      JsonArray *methods = evox_json_get_array (record, "surface-method");
      gboolean mesh = FALSE, crofton = methods == NULL;

      for (guint i = 0; methods != NULL && i < json_array_get_length (methods); i++)
        {
          mesh |= g_strcmp0 (json_array_get_string_element (methods, i), "mesh") == 0;
          crofton |= g_strcmp0 (json_array_get_string_element (methods, i), "crofton") == 0;
        }
      g_string_append (text, "; the specific surface area of its interface with ");
      append_phase_ranges (text, surface);
      g_string_append_printf (text, " (%s%s%s)", crofton ? "Crofton estimate, 13 directions" : "",
                              crofton && mesh ? "; and " : "",
                              mesh ? "the area of the smoothed phase surfaces" : "");
    }
  if (g_strcmp0 (thickness, "map") == 0 || g_strcmp0 (thickness, "sizes") == 0)
    g_string_append (text, "; volume-weighted local thickness of it and of its complement "
                     "(mean, median, d10, d50, d90)");
  g_string_append (text, ".\n\n");
}

/* The fraction change of a phase when one edge moves by one fine-histogram bin. */
static void
append_sensitivity (GString           *text,
                    EvoxFineHistogram *histogram,
                    double             lo,
                    double             hi,
                    double             exact)
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
                          "bin (", 100 * (isnan (exact) ? f : exact));
  append_number (text, w);
  g_string_append_printf (text, ") changes it by %+.2f/%+.2f percentage points, the upper "
                          "threshold by %+.2f/%+.2f",
                          100 * (moved[0] - f), 100 * (moved[1] - f),
                          100 * (moved[2] - f), 100 * (moved[3] - f));
}

/* The fractions exactly as the fractions CSV counts them (each phase over the range it owns, on
 * the basis), so the paragraph quotes the exported numbers; rows[i] is phase i's row, -1 for a
 * phase without a usable range. NULL when they cannot be counted (the fine histogram's then). */
static EvoxFractionTable *
fraction_table (JsonArray  *phases,
                EvoxVolume *volume,
                guint       channel,
                EvoxBasis   basis,
                int        *rows)
{
  g_autoptr (EvoxPhaseList) list = evox_phase_list_new ();
  int n_rows = 0;

  for (guint i = 0; i < json_array_get_length (phases); i++)
    {
      JsonNode *node = json_array_get_element (phases, i);
      JsonObject *phase = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *name = evox_json_get_string (phase, "name");
      double range[2];

      rows[i] = -1;
      if (get_range (phase, range) && isfinite (range[0]) && isfinite (range[1]) &&
          range[0] <= range[1])
        {
          g_autoptr (EvoxPhase) made = evox_phase_new (name != NULL ? name : "?", range[0],
                                                       range[1], "#000000");

          evox_phase_list_append (list, made);
          rows[i] = n_rows++;
        }
    }
  return evox_fraction_table_new (volume, channel, basis, list, NULL, NULL);
}

static void
append_phases (GString     *text,
               EvoxSession *session,
               EvoxVolume  *volume)
{
  JsonObject *root = evox_session_get_root (session);
  JsonArray *phases = evox_json_get_array (root, "phases");
  JsonObject *display = evox_json_get_object (root, "display");
  EvoxFineHistogram *histogram = NULL;
  g_autoptr (EvoxFractionTable) table = NULL;
  g_autofree int *rows = NULL;
  g_autofree char *of = NULL;
  EvoxBasis basis = EVOX_BASIS_MEASURED;
  double channel = 0;
  guint n = phases != NULL ? json_array_get_length (phases) : 0;

  if (n == 0)
    return;
  rows = g_new (int, n);
  evox_json_get_number (display, "channel", &channel);
  /* The fractions are counted on the basis the session's fractions export counts on (the
   * measured scans of an SSRM stack unless the session says volume), so the paragraph and the
   * CSV give the same numbers. */
  evox_basis_from_string (evox_json_get_string (display, "basis"), &basis);
  if (volume != NULL && channel >= 0 && channel < evox_volume_get_n_channels (volume))
    {
      basis = evox_basis_resolve (volume, (guint) channel, basis);
      histogram = evox_basis_get_histogram (volume, (guint) channel, basis);
      of = evox_basis_dup_label (volume, (guint) channel, basis);
      table = fraction_table (phases, volume, (guint) channel, basis, rows);
    }

  g_string_append_printf (text, "Phases. %u phase%s %s defined by thresholds on the stored "
                          "values (a voxel of value v belongs to a phase when lo <= v <= hi; "
                          "where phases overlap the first listed owns the voxel)",
                          n, n == 1 ? "" : "s", n == 1 ? "was" : "were");
  if (of != NULL && histogram != NULL)
    g_string_append_printf (text, ", with fractions %s", of);
  g_string_append (text, ": ");
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (phases, i);
      JsonObject *phase = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *name = evox_json_get_string (phase, "name");
      double range[2];

      if (i > 0)
        g_string_append (text, "; ");
      g_string_append_printf (text, "\"%s\"", name != NULL ? name : "(unnamed)");
      if (get_range (phase, range))
        {
          append_range (text, range);
          if (histogram != NULL)
            append_sensitivity (text, histogram, range[0], range[1],
                                table != NULL && rows[i] >= 0
                                  ? evox_fraction_table_get_fraction (table, rows[i], -1) : NAN);
        }
    }
  g_string_append (text, ".\n\n");
}

static void
append_particles (GString     *text,
                  EvoxSession *session)
{
  JsonObject *particles = evox_json_get_object (evox_session_get_root (session), "particles");
  const char *phase = evox_json_get_string (particles, "phase");
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
  if (evox_json_get_number (particles, "connectivity", &connectivity))
    g_string_append_printf (text, " with %d-connectivity", (int) connectivity);
  /* Components of min-size voxels or more are kept, so 0 and 1 (the defaults) drop none. */
  if (evox_json_get_number (particles, "min-size", &min_size) && min_size > 1)
    g_string_append_printf (text, ", components smaller than %" G_GUINT64_FORMAT " voxels "
                            "discarded (minimum size)", (guint64) min_size);
  else if (evox_json_get_number (particles, "min-size", &min_size))
    g_string_append (text, ", every component kept (no minimum size)");
  g_string_append (text, ".\n\n");
}

static void
append_surfaces (GString     *text,
                 EvoxSession *session)
{
  JsonObject *root = evox_session_get_root (session);
  JsonObject *display = evox_json_get_object (root, "display");
  JsonArray *surfaces = evox_json_get_array (root, "surfaces");
  guint n = surfaces != NULL ? json_array_get_length (surfaces) : 0;
  guint levels = 0;
  gboolean smooth;
  double budget = 2000000;

  if (n == 0)
    return;
  evox_json_get_number (display, "triangle-budget", &budget);
  smooth = evox_json_get_boolean (display, "smooth-surfaces", TRUE);
  g_string_append_printf (text, "Surfaces. %u surface%s (", n, n == 1 ? "" : "s");
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (surfaces, i);
      JsonObject *surface = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *name = evox_json_get_string (surface, "name");

      g_string_append_printf (text, "%s\"%s\"", i > 0 ? ", " : "", name != NULL ? name : "?");
      if (g_strcmp0 (evox_json_get_string (surface, "kind"), "level") == 0)
        {
          append_member (text, surface, "level", " at level ", "");
          levels++;
        }
    }
  g_string_append_printf (text, ") %s extracted with flying edges (Schroeder, Maynard and "
                          "Geveci 2015)", n == 1 ? "was" : "were");
  /* A phase or particle is contoured as its mask, a level where the values cross it: the
   * two need different sentences (evox-isosurface.h). */
  if (levels < n)
    {
      g_string_append (text, levels > 0 ? "; phases and particles" : ": phases and particles");
      if (smooth)
        g_string_append (text, " as their masks smoothed by a Gaussian of one voxel (sigma), "
                         "each contoured at the level that keeps its voxel count");
      else
        g_string_append (text, " as their masks, half way between inside and outside voxel "
                         "centres");
    }
  if (levels > 0)
    {
      g_string_append (text, levels < n ? "; levels" : ": levels");
      g_string_append (text, " where the values, interpolated linearly between voxel centres, "
                       "cross the level");
      if (smooth)
        g_string_append (text, ", the values first smoothed by a Gaussian of one voxel (sigma)");
    }
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

/* The features as the clustering's run parameters (run.*) name them, so a reader knows what
 * each voxel's vector held; FALSE when the session has no run parameters (saved before they
 * were recorded, or written by hand). */
static gboolean
append_cluster_features (GString    *text,
                         JsonObject *info)
{
  const char *kind = evox_json_get_string (info, "run.features");
  const char *channel = evox_json_get_string (info, "run.channel");
  const char *window = evox_json_get_string (info, "run.window");
  const char *channels = evox_json_get_string (info, "run.channels");

  if (g_strcmp0 (kind, "local") == 0 && channel != NULL && window != NULL)
    g_string_append_printf (text, " on four features per voxel: the value, the local mean, the "
                            "local standard deviation and the gradient magnitude of channel %s "
                            "in a %s x %s x %s window", channel, window, window, window);
  else if (g_strcmp0 (kind, "channels") == 0 && channels != NULL && channels[0] != '\0')
    g_string_append_printf (text, " on the values of channels %s per voxel", channels);
  else if (g_strcmp0 (kind, "channels") == 0 && channels != NULL)
    g_string_append (text, " on the values of every channel per voxel");
  else
    return FALSE;
  return TRUE;
}

static void
append_cluster_mask (GString    *text,
                     JsonObject *info)
{
  const char *channel = evox_json_get_string (info, "run.mask-channel");
  const char *lo = evox_json_get_string (info, "run.mask-lo");
  const char *hi = evox_json_get_string (info, "run.mask-hi");

  if (channel != NULL && channel[0] != '-' && lo != NULL && hi != NULL)
    g_string_append_printf (text, ", of the voxels whose value in channel %s lies in [%s, %s]",
                            channel, lo, hi);
  g_string_append (text, " (a voxel with a feature that is not finite was left out)");
}

static void
append_cluster_scaling (GString    *text,
                        const char *scale,
                        const char *pca)
{
  if (g_strcmp0 (scale, "zscore") == 0)
    g_string_append (text, "; each feature was standardised to zero mean and unit variance "
                     "(z-score)");
  else if (g_strcmp0 (scale, "minmax") == 0)
    g_string_append (text, "; each feature was scaled to [0, 1] by its minimum and maximum");
  else if (g_strcmp0 (scale, "none") == 0)
    g_string_append (text, "; the features were not scaled");
  else if (scale != NULL)
    g_string_append_printf (text, ", scaled by %s", scale);
  if (g_strcmp0 (pca, "none") == 0 || g_strcmp0 (pca, "0") == 0)
    g_string_append (text, ", without PCA");
  else if (pca != NULL && g_ascii_isdigit (pca[0]))
    g_string_append_printf (text, ", then reduced to %s principal components (PCA)", pca);
  else if (pca != NULL)
    g_string_append_printf (text, ", PCA %s", pca);
}

/* The Metrics page's percolation overlay is saved as the document's clusters (info "source" =
 * "percolation"), but it is a labelling of the phase's components, not a k-means run: what it
 * was made from, as evox_percolation_clusters_set_source records it ("LO:HI;LO:HI" ranges). */
static void
append_percolation_overlay (GString    *text,
                            JsonObject *info)
{
  const char *ranges = evox_json_get_string (info, "percolation.ranges");
  const char *channel = evox_json_get_string (info, "percolation.channel");
  const char *connectivity = evox_json_get_string (info, "percolation.connectivity");
  const char *axis = evox_json_get_string (info, "percolation.axis");
  g_auto (GStrv) parts = ranges != NULL ? g_strsplit (ranges, ";", -1) : NULL;

  g_string_append (text, "Percolation. The voxels of the phase");
  for (guint i = 0; parts != NULL && parts[i] != NULL; i++)
    {
      g_auto (GStrv) ends = g_strsplit (parts[i], ":", 2);

      g_string_append_printf (text, "%s [%s, %s]", i > 0 ? " and" : "", ends[0],
                              ends[1] != NULL ? ends[1] : ends[0]);
    }
  if (channel != NULL)
    g_string_append_printf (text, " (stored values of channel %s)", channel);
  g_string_append (text, " were shown in three classes by how their");
  if (connectivity != NULL)
    g_string_append_printf (text, " %s-connected", connectivity);
  g_string_append (text, " components reach the two faces of the volume");
  if (axis != NULL)
    g_string_append_printf (text, " normal to %s", axis);
  g_string_append (text, ": joined to both faces, to one face only, or to neither (a labelling "
                   "of the phase, not a clustering).\n\n");
}

static void
append_clusters (GString     *text,
                 EvoxSession *session)
{
  JsonObject *clusters = evox_json_get_object (evox_session_get_root (session), "clusters");
  JsonObject *info = evox_json_get_object (clusters, "info");
  const char *features = evox_json_get_string (info, "features");
  const char *seed = evox_json_get_string (info, "seed");
  const char *restarts = evox_json_get_string (info, "restarts");
  const char *inertia = evox_json_get_string (info, "inertia");
  const char *sample = evox_json_get_string (info, "run.init-sample");
  const char *max_iter = evox_json_get_string (info, "run.max-iter");
  const char *tol = evox_json_get_string (info, "run.tol");
  double k;

  if (clusters == NULL)
    return;
  if (g_strcmp0 (evox_json_get_string (info, "source"), "percolation") == 0)
    {
      append_percolation_overlay (text, info);
      return;
    }
  g_string_append (text, "Clustering. Voxels were clustered by k-means");
  if (evox_json_get_number (clusters, "k", &k))
    g_string_append_printf (text, " with k = %d", (int) k);
  if (append_cluster_features (text, info))
    append_cluster_mask (text, info);
  else if (features != NULL)
    g_string_append_printf (text, " on the features %s", features);
  append_cluster_scaling (text, evox_json_get_string (info, "scale"),
                          evox_json_get_string (info, "pca"));
  g_string_append (text, ". The initial centres were chosen by greedy k-means++");
  if (sample != NULL && g_strcmp0 (sample, "0") != 0)
    g_string_append_printf (text, " among at most %s voxels drawn at random", sample);
  if (seed != NULL)
    g_string_append_printf (text, " (random seed %s)", seed);
  if (restarts != NULL)
    g_string_append_printf (text, "; %s restarts were run and the one of lowest inertia kept",
                            restarts);
  if (max_iter != NULL && tol != NULL)
    g_string_append_printf (text, "; each run stopped after %s iterations at most, when no "
                            "label changed, or once the centres' total squared shift fell below "
                            "%s times the mean feature variance (scikit-learn's tol)",
                            max_iter, tol);
  if (inertia != NULL)
    g_string_append_printf (text, "; final inertia %s (in the scaled feature space)", inertia);
  g_string_append (text, ".\n\n");
}

/* A figure record (evox render --session): the options drawn with, as typed, so the figure can
 * be made again by hand as well as by evox apply. */
static void
append_figure (GString     *text,
               EvoxSession *session)
{
  JsonObject *record = evox_json_get_object (evox_session_get_root (session), "figure");
  JsonArray *options = evox_json_get_array (record, "options");
  const char *format = evox_json_get_string (record, "format");
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autofree char *joined = NULL;

  if (record == NULL)
    return;
  for (guint i = 0; options != NULL && i < json_array_get_length (options); i++)
    {
      JsonNode *node = json_array_get_element (options, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        g_ptr_array_add (args, (char *) json_node_get_string (node));
    }
  g_string_append (text, "Figure. The figure");
  if (format != NULL)
    {
      g_autofree char *upper = g_ascii_strup (format, -1);

      g_string_append_printf (text, " (%s)", upper);
    }
  g_string_append (text, " was drawn by evox render");
  if (args->len > 0)
    {
      joined = evox_provenance_join_argv ((int) args->len, (char **) args->pdata);
      g_string_append_printf (text, " with the options %s", joined);
    }
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
  append_reconstruction_record (text, session);
  append_interpolation (text, session);
  append_registration (text, session);
  append_xanes (text, session);
  append_elements (text, session);
  append_window_maps (text, session);
  append_phases (text, session, volume);
  append_particles (text, session);
  append_surfaces (text, session);
  append_clusters (text, session);
  append_metrics (text, session);
  append_figure (text, session);
  by = evox_json_get_string (evox_session_get_root (session), "evox-version");
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
