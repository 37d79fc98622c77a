/* evox-measurement.h: rulers drawn on a 2D slice (endpoints in nm) and how their lengths read. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib-object.h>
#include "evox-object-list.h"
#include "evox-volume.h"

G_BEGIN_DECLS

#define EVOX_TYPE_MEASUREMENT (evox_measurement_get_type ())
G_DECLARE_FINAL_TYPE (EvoxMeasurement, evox_measurement, EVOX, MEASUREMENT, GObject)

/* A straight line between two points in nm of the volume's frame, drawn on the slice `slice`
 * along `axis` (0, 1, 2 for x, y, z): both points lie in that plane.
 * Properties: axis, slice (uint, construct-only), length-nm (double, read-only; notified when an
 * end moves). */
EvoxMeasurement *evox_measurement_new            (guint            axis,
                                                  guint            slice,
                                                  const double     start_nm[3],
                                                  const double     end_nm[3]);
guint            evox_measurement_get_axis       (EvoxMeasurement *self);
guint            evox_measurement_get_slice      (EvoxMeasurement *self);
void             evox_measurement_get_points     (EvoxMeasurement *self,
                                                  double           start_nm[3],
                                                  double           end_nm[3]);
/* Moves the end (while the ruler is dragged out). */
void             evox_measurement_set_end        (EvoxMeasurement *self,
                                                  const double     end_nm[3]);
double           evox_measurement_get_length_nm  (EvoxMeasurement *self);

#define EVOX_TYPE_MEASUREMENT_LIST (evox_measurement_list_get_type ())
G_DECLARE_FINAL_TYPE (EvoxMeasurementList, evox_measurement_list, EVOX, MEASUREMENT_LIST,
                      EvoxObjectList)

/* A GListModel of EvoxMeasurement; "changed" after every change (see EvoxObjectList). */
EvoxMeasurementList *evox_measurement_list_new         (void);
guint            evox_measurement_list_get_n_measurements (EvoxMeasurementList *self);
EvoxMeasurement *evox_measurement_list_get_measurement    (EvoxMeasurementList *self,
                                                           guint                index);
void             evox_measurement_list_append      (EvoxMeasurementList *self,
                                                    EvoxMeasurement     *measurement);
void             evox_measurement_list_remove      (EvoxMeasurementList *self,
                                                    guint                index);
void             evox_measurement_list_clear       (EvoxMeasurementList *self);

G_END_DECLS
