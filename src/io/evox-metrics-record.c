/* evox-metrics-record.c: the session's "metrics" record, shared by the command line and the
 * window so that `evox apply` measures a window session as `evox metrics` would. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-metrics-record.h"

#include "evox-interface-area.h"
#include "evox-tortuosity.h"

/* evox_flow_axis_to_string's names: io includes analysis's headers but does not link it. */
static const char * const axis_names[] = { "x", "y", "z" };

JsonObject *
evox_metrics_record_new (const EvoxMetricsRequest *request,
                         guint                     channel,
                         gboolean                  tortuosity,
                         gboolean                  percolation,
                         int                       connectivity,
                         gboolean                  surface,
                         const char               *thickness,
                         gboolean                  fields)
{
  JsonObject *record;
  JsonArray *axes;

  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (thickness != NULL, NULL);

  record = json_object_new ();
  axes = json_array_new ();
  json_object_set_int_member (record, "version", EVOX_METRICS_RECORD_VERSION);
  json_object_set_int_member (record, "channel", channel);
  json_object_set_array_member (record, "phase", json_array_new ());
  for (guint a = 0; a < 3; a++)
    if (request->tortuosity[a])
      json_array_add_string_element (axes, axis_names[a]);
  json_object_set_array_member (record, "tortuosity", axes);
  if (tortuosity)
    {
      json_object_set_double_member (record, "tolerance",
                                     request->tolerance > 0.0 ? request->tolerance
                                                              : EVOX_TORTUOSITY_DEFAULT_TOLERANCE);
      /* The solve evox_metrics_compute runs (evox_tortuosity_params_init's default). */
      json_object_set_string_member (record, "solver", "cg-multigrid");
      if (request->two_phase)
        {
          json_object_set_array_member (record, "second", json_array_new ());
          json_object_set_double_member (record, "second-diffusivity",
                                         request->second_diffusivity);
        }
    }
  json_object_set_boolean_member (record, "percolation", percolation);
  json_object_set_int_member (record, "connectivity", connectivity != 0 ? connectivity : 26);
  json_object_set_array_member (record, "surface", json_array_new ());
  if (surface)
    {
      guint methods = request->surface_methods != 0 ? request->surface_methods
                                                    : EVOX_AREA_CROFTON;
      JsonArray *names = json_array_new ();

      if (methods & EVOX_AREA_CROFTON)
        json_array_add_string_element (names, "crofton");
      if (methods & EVOX_AREA_MESH)
        json_array_add_string_element (names, "mesh");
      json_object_set_array_member (record, "surface-method", names);
    }
  json_object_set_string_member (record, "thickness", thickness);
  json_object_set_boolean_member (record, "fields", fields);
  return record;
}

void
evox_metrics_record_add_phase (JsonArray  *phases,
                               const char *name,
                               double      lo,
                               double      hi)
{
  JsonObject *entry;
  JsonArray *range;

  g_return_if_fail (phases != NULL);
  g_return_if_fail (name != NULL);

  entry = json_object_new ();
  range = json_array_sized_new (2);
  json_array_add_double_element (range, lo);
  json_array_add_double_element (range, hi);
  json_object_set_string_member (entry, "name", name);
  json_object_set_array_member (entry, "range", range);
  json_array_add_object_element (phases, entry);
}
