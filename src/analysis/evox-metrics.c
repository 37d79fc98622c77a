/* evox-metrics.c: the electrode metrics of a phase computed into one table. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-metrics.h"

#include <math.h>
#include <string.h>

#include "evox-interface-area.h"
#include "evox-local-thickness.h"
#include "evox-percolation.h"
#include "evox-tortuosity.h"
#include "evox-types.h"

static const char *const axis_names[3] = { "x", "y", "z" };

/* The union of the phase's ranges as a 0/1 mask; its voxel count in n_voxels. */
static guint8 *
phase_mask (EvoxVolume              *volume,
            const EvoxMetricsPhase  *phase,
            guint64                 *n_voxels,
            GError                 **error)
{
  g_auto (EvoxLargeBuffer) mask = NULL;
  gsize dims[3], n;
  guint64 count = 0;

  if (phase->n_ranges == 0 || phase->lo == NULL || phase->hi == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, "phase '%s': no value range",
                   phase->name ? phase->name : "");
      return NULL;
    }
  if (phase->channel >= evox_volume_get_n_channels (volume))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, "phase '%s': no channel %u",
                   phase->name ? phase->name : "", phase->channel);
      return NULL;
    }
  evox_volume_get_dims (volume, dims);
  n = dims[0] * dims[1] * dims[2];
  for (guint r = 0; r < phase->n_ranges; r++)
    {
      g_auto (EvoxLargeBuffer) more = NULL;
      guint8 *m;

      more = _evox_range_mask (volume, phase->channel, phase->lo[r], phase->hi[r], error);
      if (more == NULL)
        {
          g_prefix_error (error, "phase '%s': ", phase->name ? phase->name : "");
          return NULL;
        }
      if (mask == NULL)
        {
          mask = g_steal_pointer (&more);
          continue;
        }
      m = mask;
      for (gsize i = 0; i < n; i++)
        m[i] |= ((guint8 *) more)[i];
    }
  for (gsize i = 0; i < n; i++)
    count += ((guint8 *) mask)[i] != 0;
  *n_voxels = count;
  return g_steal_pointer (&mask);
}

/* The ranges as people read them, for error messages: "LO..HI" joined by ", ". */
static char *
ranges_text (const EvoxMetricsPhase *phase)
{
  GString *text = g_string_new (NULL);

  for (guint r = 0; r < phase->n_ranges; r++)
    g_string_append_printf (text, "%s%g..%g", r > 0 ? ", " : "", phase->lo[r], phase->hi[r]);
  return g_string_free (text, FALSE);
}

/* Weights of the parts for the progress: a solve costs far more than a labelling pass. */
enum { WEIGHT_MASK = 1, WEIGHT_TORTUOSITY = 6, WEIGHT_PERCOLATION = 2, WEIGHT_SURFACE = 1,
       WEIGHT_THICKNESS = 3 };

typedef struct
{
  EvoxProgress *progress;
  double        total;
  double        done;
} Parts;

static void
parts_begin (Parts  *parts,
             double  weight)
{
  evox_progress_push (parts->progress, parts->done / parts->total,
                      (parts->done + weight) / parts->total);
  parts->done += weight;
}

static void
parts_end (Parts *parts)
{
  evox_progress_pop (parts->progress);
}

/* The tortuosity solves' spacing: the volume's voxel size when known (anisotropic voxels change
 * the conductances across the flow), cubes otherwise; NULL or the voxels' shape for the notes. */
static char *
tortuosity_voxels (EvoxVolume *grid,
                   double      spacing[3])
{
  memset (spacing, 0, 3 * sizeof (double));
  if (!evox_volume_get_spacing_known (grid))
    return g_strdup ("cubic voxels (the voxel size is not known)");
  evox_volume_get_spacing (grid, spacing);
  if (spacing[0] == spacing[1] && spacing[1] == spacing[2])
    return NULL;
  return g_strdup_printf ("voxels %g x %g x %g nm", spacing[0], spacing[1], spacing[2]);
}

/* mask holds EVOX_TORTUOSITY_SECOND_PHASE for the second phase when d2 is not NaN; the
 * mean_diffusivity row goes in with the first axis solved. */
static gboolean
add_tortuosity (EvoxMetrics                *table,
                const guint8               *mask,
                const gsize                 dims[3],
                EvoxVolume                 *volume,
                const char                 *name,
                double                      d2,
                gboolean                    first_axis,
                guint                       axis,
                double                      tolerance,
                EvoxTortuosity            **kept,
                Parts                      *parts,
                GCancellable               *cancellable,
                GError                    **error)
{
  g_autoptr (EvoxTortuosity) result = NULL;
  g_autofree char *note = NULL;
  g_autofree char *d_note = NULL;
  g_autofree char *voxels = NULL;
  EvoxTortuosityParams params;

  evox_tortuosity_params_init (&params);
  voxels = tortuosity_voxels (volume, params.spacing);
  params.axis = (EvoxFlowAxis) axis;
  params.tolerance = tolerance;
  params.second_phase = !isnan (d2);
  params.second_diffusivity = params.second_phase ? d2 : 0.0;
  /* The flux is computed again from the concentration when the fields are asked for. */
  params.keep_concentration = kept != NULL;
  parts_begin (parts, WEIGHT_TORTUOSITY);
  result = evox_tortuosity_compute_mask (mask, dims, &params, parts->progress, cancellable, error);
  parts_end (parts);
  if (result == NULL)
    {
      g_prefix_error (error, "phase '%s', tortuosity along %s: ", name, axis_names[axis]);
      return FALSE;
    }
  if (evox_tortuosity_get_percolating (result))
    note = g_strdup_printf ("%u iterations, relative residual %.3g (tolerance %.3g)",
                            evox_tortuosity_get_n_iterations (result),
                            evox_tortuosity_get_residual (result), tolerance);
  else
    note = g_strdup_printf ("not percolating: %s", evox_tortuosity_get_reason (result));
  evox_metrics_add (table, "tortuosity_factor", name, axis_names[axis],
                    evox_tortuosity_get_tau (result), "", note);
  d_note = g_strdup_printf ("D_eff / D%s%s", voxels != NULL ? "; " : "",
                            voxels != NULL ? voxels : "");
  evox_metrics_add (table, "effective_diffusivity", name, axis_names[axis],
                    evox_tortuosity_get_effective_diffusivity (result), "",
                    evox_tortuosity_get_percolating (result) ? d_note : note);
  if (params.second_phase && first_axis)
    {
      g_autofree char *mean_note =
        g_strdup_printf ("porosity %.6g + %.6g x volume fraction %.6g of the second phase",
                         evox_tortuosity_get_porosity (result), d2,
                         evox_tortuosity_get_second_fraction (result));

      evox_metrics_add (table, "mean_diffusivity", name, "",
                        evox_tortuosity_get_mean_diffusivity (result), "", mean_note);
    }
  if (kept != NULL)
    *kept = g_steal_pointer (&result);
  return TRUE;
}

/* The classes of the two-phase solves: 1 in mask, EVOX_TORTUOSITY_SECOND_PHASE in the second
 * phase outside it (a voxel in both is the first phase's), 0 elsewhere. */
static guint8 *
two_phase_mask (EvoxVolume                *volume,
                const EvoxMetricsRequest  *request,
                const guint8              *mask,
                GError                   **error)
{
  g_auto (EvoxLargeBuffer) classes = NULL;
  const char *second = request->second.name ? request->second.name : "";
  gsize dims[3], n;
  guint64 n_second = 0;
  guint8 *c;

  classes = phase_mask (volume, &request->second, &n_second, error);
  if (classes == NULL)
    return NULL;
  evox_volume_get_dims (volume, dims);
  n = dims[0] * dims[1] * dims[2];
  c = classes;
  n_second = 0;
  for (gsize i = 0; i < n; i++)
    {
      c[i] = mask[i] ? 1 : c[i] ? EVOX_TORTUOSITY_SECOND_PHASE : 0;
      n_second += c[i] == EVOX_TORTUOSITY_SECOND_PHASE;
    }
  if (n_second == 0)
    {
      g_autofree char *ranges = ranges_text (&request->second);

      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "phase '%s': no voxels in %s outside phase '%s'", second, ranges,
                   request->phase.name ? request->phase.name : "");
      return NULL;
    }
  return g_steal_pointer (&classes);
}

/* The classes along x, y and z as one u8 volume of three channels
 * (evox_metrics_get_percolation). */
static EvoxVolume *
percolation_volume_new (EvoxVolume       *volume,
                        EvoxPercolation  *result,
                        GError          **error)
{
  g_autoptr (EvoxVolume) classes = NULL;
  gsize dims[3];

  evox_volume_get_dims (volume, dims);
  classes = evox_volume_new (dims[0], dims[1], dims[2], 3, EVOX_SAMPLE_U8, error);
  if (classes == NULL)
    return NULL;
  evox_volume_copy_grid (classes, volume);
  for (guint axis = 0; axis < 3; axis++)
    {
      g_autofree char *label = g_strdup_printf ("Percolation (%s)", axis_names[axis]);

      evox_percolation_get_classes (result, axis, evox_volume_get_data_mut (classes, axis));
      evox_volume_set_channel_info (classes, axis, label, NAN);
      evox_volume_set_channel_values (classes, axis, EVOX_SCALE_LINEAR,
                                      EVOX_PERCOLATION_CLASS_QUANTITY, "");
    }
  evox_volume_freeze (classes);
  return g_steal_pointer (&classes);
}

/* With keep, the classes along every axis are kept in the table. */
static gboolean
add_percolation (EvoxMetrics   *table,
                 EvoxVolume    *volume,
                 const guint8  *mask,
                 const gsize    dims[3],
                 const char    *name,
                 int            connectivity,
                 gboolean       keep,
                 Parts         *parts,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr (EvoxPercolation) result = NULL;
  g_autofree char *note = g_strdup_printf ("%d-connected, share of the phase's voxels",
                                           connectivity);

  parts_begin (parts, WEIGHT_PERCOLATION);
  result = evox_percolation_compute (mask, dims, (EvoxConnectivity) connectivity,
                                     parts->progress, cancellable, error);
  parts_end (parts);
  if (result == NULL)
    {
      g_prefix_error (error, "phase '%s', percolation: ", name);
      return FALSE;
    }
  for (guint axis = 0; axis < 3; axis++)
    {
      evox_metrics_add (table, "percolating_fraction", name, axis_names[axis],
                        evox_percolation_get_fraction (result, axis, EVOX_PERCOLATION_BOTH),
                        "", note);
      evox_metrics_add (table, "one_face_fraction", name, axis_names[axis],
                        evox_percolation_get_fraction (result, axis, EVOX_PERCOLATION_ONE_FACE),
                        "", note);
      evox_metrics_add (table, "isolated_fraction", name, axis_names[axis],
                        evox_percolation_get_fraction (result, axis, EVOX_PERCOLATION_ISOLATED),
                        "", note);
    }
  if (keep)
    {
      g_autoptr (EvoxVolume) classes = percolation_volume_new (volume, result, error);

      if (classes == NULL)
        return FALSE;
      _evox_metrics_set_percolation (table, classes);
    }
  return TRUE;
}

/* Lengths go out in um when the voxel size is known (spacing in nm; electrode papers quote um
 * and 1/um), in voxels when it is not. */
typedef struct
{
  double      spacing[3];   /* what the libraries get: nm, or 1 per voxel */
  double      length_scale; /* spacing units to the reported unit */
  const char *length_unit;
  const char *inverse_unit;
} Units;

static void
units_init (Units      *units,
            EvoxVolume *volume)
{
  if (evox_volume_get_spacing_known (volume))
    {
      evox_volume_get_spacing (volume, units->spacing);
      units->length_scale = 1e-3;
      units->length_unit = "um";
      units->inverse_unit = "1/um";
    }
  else
    {
      for (guint i = 0; i < 3; i++)
        units->spacing[i] = 1.0;
      units->length_scale = 1.0;
      units->length_unit = "voxels";
      units->inverse_unit = "1/voxel";
    }
}

static gboolean
add_surface (EvoxMetrics             *table,
             EvoxVolume              *volume,
             const char              *name,
             const guint8            *mask,
             const gsize              dims[3],
             const EvoxMetricsPhase  *other,
             guint                    asked_methods,
             const Units             *units,
             Parts                   *parts,
             GCancellable            *cancellable,
             GError                 **error)
{
  g_auto (EvoxLargeBuffer) phases = NULL;
  guint methods = asked_methods != 0 ? asked_methods : EVOX_AREA_CROFTON;
  const char *other_name = other->name ? other->name : "";
  guint64 n_other = 0;
  gsize n = dims[0] * dims[1] * dims[2];
  guint8 *p;

  parts_begin (parts, WEIGHT_SURFACE);
  phases = phase_mask (volume, other, &n_other, error);
  if (phases == NULL)
    {
      parts_end (parts);
      return FALSE;
    }
  /* A voxel in both is the measured phase's: the interface lies between disjoint sets. */
  p = phases;
  n_other = 0;
  for (gsize i = 0; i < n; i++)
    {
      p[i] = mask[i] ? 1 : (p[i] ? 2 : 0);
      n_other += p[i] == 2;
    }
  if (n_other == 0)
    {
      g_autofree char *ranges = ranges_text (other);

      parts_end (parts);
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "phase '%s': no voxels in %s outside phase '%s'", other_name, ranges, name);
      return FALSE;
    }
  for (guint bit = EVOX_AREA_CROFTON; bit <= EVOX_AREA_MESH; bit <<= 1)
    {
      gboolean mesh = bit == EVOX_AREA_MESH;
      g_autofree char *note = NULL;
      g_autofree char *note_phase = NULL;
      const char *method = mesh ? "smoothed surface, sigma 1 voxel" : "Crofton, 13 directions";
      EvoxInterfaceArea area;
      gboolean ok;

      if (!(methods & bit))
        continue;
      /* Crofton is one pass over the voxels, the mesh method three surfaces. */
      evox_progress_push (parts->progress, mesh && (methods & EVOX_AREA_CROFTON) ? 0.1 : 0.0,
                          !mesh && (methods & EVOX_AREA_MESH) ? 0.1 : 1.0);
      ok = (mesh ? evox_interface_area_mesh : evox_interface_area)
             (phases, dims, units->spacing, 1, 2, &area, parts->progress, cancellable, error);
      evox_progress_pop (parts->progress);
      if (!ok)
        {
          parts_end (parts);
          g_prefix_error (error, "interface of '%s' and '%s': ", name, other_name);
          return FALSE;
        }
      /* The metric's name says the method; Crofton's rows keep the names the issue gave them. */
      note = g_strdup_printf ("interface with '%s' per sample volume (%s)", other_name, method);
      note_phase = g_strdup_printf ("interface with '%s' per volume of '%s' (%s)", other_name,
                                    name, method);
      evox_metrics_add (table, mesh ? "specific_surface_area_mesh" : "specific_surface_area",
                        name, "", area.per_volume / units->length_scale, units->inverse_unit,
                        note);
      evox_metrics_add (table, mesh ? "specific_surface_area_phase_mesh" :
                        "specific_surface_area_phase", name, "",
                        area.per_volume_a / units->length_scale, units->inverse_unit, note_phase);
    }
  parts_end (parts);
  return TRUE;
}

static void
add_summary (EvoxMetrics           *table,
             const char            *name,
             const EvoxSizeSummary *summary,
             const Units           *units)
{
  const char *note = "local thickness, volume-weighted";

  evox_metrics_add (table, "thickness_mean", name, "", summary->mean * units->length_scale,
                    units->length_unit, note);
  evox_metrics_add (table, "thickness_median", name, "", summary->median * units->length_scale,
                    units->length_unit, note);
  evox_metrics_add (table, "thickness_d10", name, "", summary->d10 * units->length_scale,
                    units->length_unit, note);
  evox_metrics_add (table, "thickness_d50", name, "", summary->d50 * units->length_scale,
                    units->length_unit, note);
  evox_metrics_add (table, "thickness_d90", name, "", summary->d90 * units->length_scale,
                    units->length_unit, note);
}

/* The local thickness of mask (and of its complement), summarised into the table; the phase's
 * map kept in the table when asked. */
static gboolean
add_thickness (EvoxMetrics   *table,
               EvoxVolume    *volume,
               guint8        *mask,
               const gsize    dims[3],
               const char    *name,
               gboolean       keep,
               const Units   *units,
               Parts         *parts,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr (EvoxVolume) map = NULL;
  g_autofree char *not_name = g_strdup_printf ("not %s", name);
  gsize n = dims[0] * dims[1] * dims[2];
  EvoxSizeSummary summary;
  float *out;

  map = evox_volume_new (dims[0], dims[1], dims[2], 1, EVOX_SAMPLE_F32, error);
  if (map == NULL)
    return FALSE;
  evox_volume_copy_grid (map, volume);
  evox_volume_set_values (map, EVOX_SCALE_LINEAR, "Local thickness",
                          evox_volume_get_spacing_known (volume) ? "nm" : "voxels");
  out = evox_volume_get_data_mut (map, 0);

  for (guint pass = 0; pass < 2; pass++)
    {
      gboolean ok;

      parts_begin (parts, WEIGHT_THICKNESS);
      ok = evox_local_thickness (mask, dims, units->spacing, out, parts->progress, cancellable,
                                 error);
      parts_end (parts);
      if (!ok)
        {
          g_prefix_error (error, "phase '%s', local thickness: ", pass == 0 ? name : not_name);
          return FALSE;
        }
      evox_size_summary_compute (out, n, &summary);
      add_summary (table, pass == 0 ? name : not_name, &summary, units);
      if (pass == 0)
        {
          if (keep)
            {
              evox_volume_freeze (map);
              _evox_metrics_set_map (table, map);
              g_clear_object (&map);
              map = evox_volume_new (dims[0], dims[1], dims[2], 1, EVOX_SAMPLE_F32, error);
              if (map == NULL)
                return FALSE;
              out = evox_volume_get_data_mut (map, 0);
            }
          /* The complement, in place: the mask is ours and used last here. */
          for (gsize i = 0; i < n; i++)
            mask[i] = !mask[i];
        }
    }
  for (gsize i = 0; i < n; i++)
    mask[i] = !mask[i];
  return TRUE;
}

/* The solve's mask kept for the flux: a u8 volume of volume's grid. */
static EvoxVolume *
solve_mask_new (EvoxVolume    *volume,
                const guint8  *mask,
                GError       **error)
{
  g_autoptr (EvoxVolume) kept = NULL;
  gsize dims[3];

  evox_volume_get_dims (volume, dims);
  kept = evox_volume_new (dims[0], dims[1], dims[2], 1, EVOX_SAMPLE_U8, error);
  if (kept == NULL)
    return NULL;
  evox_volume_copy_grid (kept, volume);
  memcpy (evox_volume_get_data_mut (kept, 0), mask, dims[0] * dims[1] * dims[2]);
  evox_volume_freeze (kept);
  return g_steal_pointer (&kept);
}

EvoxVolume *
evox_metrics_dup_fields (EvoxMetrics  *table,
                         GError      **error)
{
  g_autoptr (EvoxVolume) fields = NULL;
  EvoxVolume *concentration, *mask, *classes, *grid;
  double d2;
  gsize dims[3], n;
  guint axis, c = 0;

  g_return_val_if_fail (table != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_evox_metrics_get_fields (table, &axis, &concentration, &mask, &d2))
    return NULL;
  classes = evox_metrics_get_percolation (table);
  grid = mask != NULL ? mask : classes;
  evox_volume_get_dims (grid, dims);
  n = dims[0] * dims[1] * dims[2];
  fields = evox_volume_new (dims[0], dims[1], dims[2], (mask != NULL ? 2 : 0) +
                            (classes != NULL ? 1 : 0), EVOX_SAMPLE_F32, error);
  if (fields == NULL)
    return NULL;
  evox_volume_copy_grid (fields, grid);
  if (mask != NULL)
    {
      g_autofree char *label = g_strdup_printf ("Concentration (%s)", axis_names[axis]);
      g_autofree char *flux_label = g_strdup_printf ("Flux magnitude (%s)", axis_names[axis]);
      float *conc = evox_volume_get_data_mut (fields, c);
      EvoxTortuosityParams params;

      /* Without a concentration the phase does not join the faces: none anywhere, no flux. */
      if (concentration != NULL)
        memcpy (conc, evox_volume_get_data (concentration, 0), n * sizeof (float));
      else
        for (gsize i = 0; i < n; i++)
          conc[i] = NAN;
      evox_volume_set_channel_info (fields, c, label, NAN);
      evox_volume_set_channel_values (fields, c, EVOX_SCALE_LINEAR, "Concentration", "");
      c++;
      /* Straight into its channel: nothing but the solve's numbering on top of the fields. */
      evox_tortuosity_params_init (&params);
      g_free (tortuosity_voxels (mask, params.spacing));
      params.axis = (EvoxFlowAxis) axis;
      params.second_phase = !isnan (d2);
      params.second_diffusivity = params.second_phase ? d2 : 0.0;
      evox_tortuosity_flux_from_concentration (conc, evox_volume_get_data (mask, 0), dims,
                                               &params, evox_volume_get_data_mut (fields, c));
      evox_volume_set_channel_info (fields, c, flux_label, NAN);
      /* TauFactor's units: the diffusivity times the concentration drop, per voxel edge (along
       * the flow, for anisotropic voxels). */
      evox_volume_set_channel_values (fields, c, EVOX_SCALE_LINEAR, EVOX_FLUX_MAGNITUDE_QUANTITY,
                                      "D dC / voxel");
      c++;
    }
  if (classes != NULL)
    {
      g_autofree char *label = g_strdup_printf ("Percolation (%s): 1 both faces, 2 one face, "
                                                "3 isolated", axis_names[axis]);
      const guint8 *k = evox_volume_get_data (classes, axis);
      float *out = evox_volume_get_data_mut (fields, c);

      /* NaN outside the phase, as every map marks voxels without a value. */
      for (gsize i = 0; i < n; i++)
        out[i] = k[i] == EVOX_PERCOLATION_OUTSIDE ? NAN : (float) k[i];
      evox_volume_set_channel_info (fields, c, label, NAN);
      evox_volume_set_channel_values (fields, c, EVOX_SCALE_LINEAR,
                                      EVOX_PERCOLATION_CLASS_QUANTITY, "");
    }
  evox_volume_freeze (fields);
  return g_steal_pointer (&fields);
}

EvoxMetrics *
evox_metrics_compute (EvoxVolume                *volume,
                      const EvoxMetricsRequest  *request,
                      EvoxProgress              *progress,
                      GCancellable              *cancellable,
                      GError                   **error)
{
  g_autoptr (EvoxMetrics) table = NULL;
  g_auto (EvoxLargeBuffer) mask = NULL;
  g_auto (EvoxLargeBuffer) two_phase = NULL;
  g_autoptr (EvoxTortuosity) kept = NULL;
  g_autofree char *tau_name = NULL;
  gboolean any_tortuosity = FALSE;
  double d2 = NAN;
  const char *name;
  gsize dims[3];
  guint64 n_voxels = 0;
  double tolerance;
  int connectivity;
  guint field_axis = EVOX_FLOW_AXIS_Z;
  Parts parts = { progress, WEIGHT_MASK, 0.0 };
  Units units;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  name = request->phase.name != NULL ? request->phase.name : "";
  tolerance = request->tolerance == 0.0 ? EVOX_TORTUOSITY_DEFAULT_TOLERANCE : request->tolerance;
  if (!(tolerance > 0.0 && tolerance < 1.0))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "tolerance must be above 0 and below 1, not %g", request->tolerance);
      return NULL;
    }
  connectivity = request->connectivity == 0 ? 26 : request->connectivity;
  if (request->percolation && !evox_connectivity_is_valid (connectivity))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "connectivity must be 6, 18 or 26, not %d", request->connectivity);
      return NULL;
    }
  if (request->two_phase &&
      !(request->second_diffusivity >= 0.0 && request->second_diffusivity <= 1.0))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "phase '%s': the relative diffusivity must be in [0, 1] (the phase '%s' has "
                   "D = 1), not %g", request->second.name ? request->second.name : "", name,
                   request->second_diffusivity);
      return NULL;
    }
  evox_volume_get_dims (volume, dims);
  for (guint axis = 0; axis < 3; axis++)
    any_tortuosity |= request->tortuosity[axis];
  for (guint axis = 0; axis < 3; axis++)
    if (request->tortuosity[axis] && dims[axis] < 2)
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "tortuosity along %s: the volume is one voxel thick along %s (it needs "
                     "two faces at least two voxels apart)", axis_names[axis], axis_names[axis]);
        return NULL;
      }

  for (guint axis = 0; axis < 3; axis++)
    parts.total += request->tortuosity[axis] ? WEIGHT_TORTUOSITY : 0;
  parts.total += request->percolation ? WEIGHT_PERCOLATION : 0;
  parts.total += request->surface ? WEIGHT_SURFACE : 0;
  parts.total += request->thickness ? 2 * WEIGHT_THICKNESS : 0;

  evox_progress_set_stage (progress, "Phase mask", 0.0, WEIGHT_MASK / parts.total);
  mask = phase_mask (volume, &request->phase, &n_voxels, error);
  if (mask == NULL)
    return NULL;
  parts.done = WEIGHT_MASK;
  if (n_voxels == 0)
    {
      g_autofree char *ranges = ranges_text (&request->phase);

      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, "phase '%s': no voxels in %s", name,
                   ranges);
      return NULL;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  units_init (&units, volume);

  table = evox_metrics_new ();
  evox_metrics_add (table, "porosity", name, "",
                    (double) n_voxels / ((double) dims[0] * dims[1] * dims[2]), "",
                    "volume fraction of the phase");
  for (guint axis = 3; axis-- > 0;)
    if (request->tortuosity[axis])
      field_axis = axis;
  if (request->two_phase && any_tortuosity)
    {
      two_phase = two_phase_mask (volume, request, mask, error);
      if (two_phase == NULL)
        return NULL;
      d2 = request->second_diffusivity;
      tau_name = g_strdup_printf ("%s|%s@%g", name,
                                  request->second.name ? request->second.name : "", d2);
    }
  for (guint axis = 0; axis < 3; axis++)
    if (request->tortuosity[axis] &&
        !add_tortuosity (table, two_phase != NULL ? two_phase : mask, dims, volume,
                         tau_name != NULL ? tau_name : name, d2, axis == field_axis, axis,
                         tolerance,
                         request->keep_fields && axis == field_axis ? &kept : NULL, &parts,
                         cancellable, error))
      return NULL;
  /* A phase that does not join the faces has no concentration (kept as none at all). */
  if (kept != NULL)
    {
      EvoxVolume *concentration = evox_tortuosity_get_concentration (kept);
      g_autoptr (EvoxVolume) solve_mask =
        solve_mask_new (volume, two_phase != NULL ? two_phase : mask, error);

      if (solve_mask == NULL)
        return NULL;
      if (concentration != NULL)
        evox_volume_copy_grid (concentration, volume);
      _evox_metrics_set_fields (table, field_axis, concentration, solve_mask, d2);
    }
  g_clear_object (&kept);
  g_clear_pointer (&two_phase, _evox_free_large);
  if (request->percolation &&
      !add_percolation (table, volume, mask, dims, name, connectivity, request->keep_fields,
                        &parts, cancellable, error))
    return NULL;
  if (request->keep_fields && evox_metrics_get_percolation (table) != NULL &&
      !evox_metrics_has_fields (table))
    _evox_metrics_set_fields (table, field_axis, NULL, NULL, NAN);
  if (request->surface &&
      !add_surface (table, volume, name, mask, dims, &request->other, request->surface_methods,
                    &units, &parts, cancellable, error))
    return NULL;
  if (request->thickness &&
      !add_thickness (table, volume, mask, dims, name, request->keep_thickness, &units, &parts,
                      cancellable, error))
    return NULL;
  return g_steal_pointer (&table);
}
