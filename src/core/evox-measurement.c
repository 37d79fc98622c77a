/* evox-measurement.c: rulers drawn on a 2D slice (endpoints in nm) and how their lengths read. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-measurement.h"

struct _EvoxMeasurement
{
  GObject parent_instance;

  guint   axis;
  guint   slice;
  double  start[3];
  double  end[3];
};

G_DEFINE_FINAL_TYPE (EvoxMeasurement, evox_measurement, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_AXIS,
  PROP_SLICE,
  PROP_LENGTH_NM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
evox_measurement_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  EvoxMeasurement *self = EVOX_MEASUREMENT (object);

  switch (prop_id)
    {
    case PROP_AXIS:
      g_value_set_uint (value, self->axis);
      break;
    case PROP_SLICE:
      g_value_set_uint (value, self->slice);
      break;
    case PROP_LENGTH_NM:
      g_value_set_double (value, evox_measurement_get_length_nm (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_measurement_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  EvoxMeasurement *self = EVOX_MEASUREMENT (object);

  switch (prop_id)
    {
    case PROP_AXIS:
      self->axis = g_value_get_uint (value);
      break;
    case PROP_SLICE:
      self->slice = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_measurement_class_init (EvoxMeasurementClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = evox_measurement_get_property;
  object_class->set_property = evox_measurement_set_property;

  properties[PROP_AXIS] = g_param_spec_uint ("axis", NULL, NULL, 0, 2, 2,
                                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                             G_PARAM_STATIC_STRINGS);
  properties[PROP_SLICE] = g_param_spec_uint ("slice", NULL, NULL, 0, G_MAXUINT, 0,
                                              G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                              G_PARAM_STATIC_STRINGS);
  properties[PROP_LENGTH_NM] = g_param_spec_double ("length-nm", NULL, NULL, 0, G_MAXDOUBLE, 0,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
evox_measurement_init (EvoxMeasurement *self)
{
}

EvoxMeasurement *
evox_measurement_new (guint         axis,
                      guint         slice,
                      const double  start_nm[3],
                      const double  end_nm[3])
{
  EvoxMeasurement *self;

  g_return_val_if_fail (axis < 3, NULL);
  g_return_val_if_fail (start_nm != NULL && end_nm != NULL, NULL);

  self = g_object_new (EVOX_TYPE_MEASUREMENT, "axis", axis, "slice", slice, NULL);
  memcpy (self->start, start_nm, sizeof self->start);
  memcpy (self->end, end_nm, sizeof self->end);
  return self;
}

guint
evox_measurement_get_axis (EvoxMeasurement *self)
{
  g_return_val_if_fail (EVOX_IS_MEASUREMENT (self), 0);
  return self->axis;
}

guint
evox_measurement_get_slice (EvoxMeasurement *self)
{
  g_return_val_if_fail (EVOX_IS_MEASUREMENT (self), 0);
  return self->slice;
}

void
evox_measurement_get_points (EvoxMeasurement *self,
                             double           start_nm[3],
                             double           end_nm[3])
{
  g_return_if_fail (EVOX_IS_MEASUREMENT (self));

  if (start_nm != NULL)
    memcpy (start_nm, self->start, sizeof self->start);
  if (end_nm != NULL)
    memcpy (end_nm, self->end, sizeof self->end);
}

void
evox_measurement_set_end (EvoxMeasurement *self,
                          const double     end_nm[3])
{
  g_return_if_fail (EVOX_IS_MEASUREMENT (self));
  g_return_if_fail (end_nm != NULL);

  if (memcmp (self->end, end_nm, sizeof self->end) == 0)
    return;
  memcpy (self->end, end_nm, sizeof self->end);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LENGTH_NM]);
}

void
evox_measurement_set_start (EvoxMeasurement *self,
                            const double     start_nm[3])
{
  g_return_if_fail (EVOX_IS_MEASUREMENT (self));
  g_return_if_fail (start_nm != NULL);

  if (memcmp (self->start, start_nm, sizeof self->start) == 0)
    return;
  memcpy (self->start, start_nm, sizeof self->start);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LENGTH_NM]);
}

double
evox_measurement_get_length_nm (EvoxMeasurement *self)
{
  g_return_val_if_fail (EVOX_IS_MEASUREMENT (self), 0.0);

  return sqrt ((self->end[0] - self->start[0]) * (self->end[0] - self->start[0]) +
               (self->end[1] - self->start[1]) * (self->end[1] - self->start[1]) +
               (self->end[2] - self->start[2]) * (self->end[2] - self->start[2]));
}

gboolean
evox_voxel_index_parse (const char *text,
                        guint       index[3])
{
  g_auto(GStrv) parts = NULL;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (index != NULL, FALSE);

  parts = g_strsplit (text, ",", -1);

  if (g_strv_length (parts) != 3)
    return FALSE;
  for (guint a = 0; a < 3; a++)
    {
      guint64 value;

      if (!g_ascii_string_to_unsigned (g_strstrip (parts[a]), 10, 0, G_MAXUINT, &value, NULL))
        return FALSE;
      index[a] = (guint) value;
    }
  return TRUE;
}

gboolean
evox_ruler_spec_parse (const char  *spec,
                       guint        start[3],
                       guint        end[3],
                       GError     **error)
{
  g_auto(GStrv) ends = NULL;

  g_return_val_if_fail (spec != NULL, FALSE);
  g_return_val_if_fail (start != NULL && end != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ends = g_strsplit (spec, ":", -1);
  if (g_strv_length (ends) != 2 || !evox_voxel_index_parse (ends[0], start) ||
      !evox_voxel_index_parse (ends[1], end))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "a ruler is X0,Y0,Z0:X1,Y1,Z1 (voxel indices of its ends), not '%s'", spec);
      return FALSE;
    }
  return TRUE;
}

EvoxMeasurement *
evox_measurement_new_from_voxels (EvoxVolume   *volume,
                                  const guint   start[3],
                                  const guint   end[3],
                                  GError      **error)
{
  double origin[3], spacing[3], a[3], b[3];
  gsize dims[3];
  int axis = -1;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (start != NULL && end != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  evox_volume_get_dims (volume, dims);
  for (guint i = 0; i < 3; i++)
    if (start[i] >= dims[i] || end[i] >= dims[i])
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "ruler %u,%u,%u:%u,%u,%u: the %c index must be within 0..%zu",
                     start[0], start[1], start[2], end[0], end[1], end[2], "xyz"[i],
                     dims[i] - 1);
        return NULL;
      }
  if (memcmp (start, end, 3 * sizeof (guint)) == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "ruler %u,%u,%u:%u,%u,%u: its two ends are the same voxel",
                   start[0], start[1], start[2], end[0], end[1], end[2]);
      return NULL;
    }
  /* Rulers are drawn on a slice: the z slices first, as the 2D views' first choice. */
  for (int i = 2; i >= 0 && axis < 0; i--)
    if (start[i] == end[i])
      axis = i;
  if (axis < 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "ruler %u,%u,%u:%u,%u,%u: its ends must lie in one slice (share their x, y "
                   "or z index)", start[0], start[1], start[2], end[0], end[1], end[2]);
      return NULL;
    }
  evox_volume_get_origin (volume, origin);
  evox_volume_get_spacing (volume, spacing);
  for (guint i = 0; i < 3; i++)
    {
      a[i] = origin[i] + spacing[i] * start[i];
      b[i] = origin[i] + spacing[i] * end[i];
    }
  return evox_measurement_new ((guint) axis, start[axis], a, b);
}

/* EvoxMeasurementList */

struct _EvoxMeasurementList
{
  EvoxObjectList parent_instance;
};

G_DEFINE_FINAL_TYPE (EvoxMeasurementList, evox_measurement_list, EVOX_TYPE_OBJECT_LIST)

static void
evox_measurement_list_class_init (EvoxMeasurementListClass *klass)
{
  EVOX_OBJECT_LIST_CLASS (klass)->item_type = EVOX_TYPE_MEASUREMENT;
}

static void
evox_measurement_list_init (EvoxMeasurementList *self)
{
}

EvoxMeasurementList *
evox_measurement_list_new (void)
{
  return g_object_new (EVOX_TYPE_MEASUREMENT_LIST, NULL);
}

guint
evox_measurement_list_get_n_measurements (EvoxMeasurementList *self)
{
  g_return_val_if_fail (EVOX_IS_MEASUREMENT_LIST (self), 0);
  return _evox_object_list_get_n (EVOX_OBJECT_LIST (self));
}

EvoxMeasurement *
evox_measurement_list_get_measurement (EvoxMeasurementList *self,
                                       guint                index)
{
  g_return_val_if_fail (EVOX_IS_MEASUREMENT_LIST (self), NULL);
  return _evox_object_list_get (EVOX_OBJECT_LIST (self), index);
}

void
evox_measurement_list_append (EvoxMeasurementList *self,
                              EvoxMeasurement     *measurement)
{
  g_return_if_fail (EVOX_IS_MEASUREMENT_LIST (self));
  g_return_if_fail (EVOX_IS_MEASUREMENT (measurement));
  _evox_object_list_append (EVOX_OBJECT_LIST (self), measurement);
}

void
evox_measurement_list_remove (EvoxMeasurementList *self,
                              guint                index)
{
  g_return_if_fail (EVOX_IS_MEASUREMENT_LIST (self));
  g_return_if_fail (index < _evox_object_list_get_n (EVOX_OBJECT_LIST (self)));
  _evox_object_list_remove (EVOX_OBJECT_LIST (self), index);
}

void
evox_measurement_list_clear (EvoxMeasurementList *self)
{
  g_return_if_fail (EVOX_IS_MEASUREMENT_LIST (self));
  _evox_object_list_clear (EVOX_OBJECT_LIST (self));
}

