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
/* Moves the start (an end grabbed and dragged after the ruler was drawn). */
void             evox_measurement_set_start      (EvoxMeasurement *self,
                                                  const double     start_nm[3]);
double           evox_measurement_get_length_nm  (EvoxMeasurement *self);

/* "X,Y,Z": three voxel indices, unsigned decimal numbers (spaces around each allowed). */
gboolean         evox_voxel_index_parse          (const char      *text,
                                                  guint            index[3]);
/* "X0,Y0,Z0:X1,Y1,Z1": voxel indices of a ruler's two ends (the command line's --ruler).
 * FALSE with an EVOX_ERROR_ARGUMENT error that says what is wrong. */
gboolean         evox_ruler_spec_parse           (const char      *spec,
                                                  guint            start[3],
                                                  guint            end[3],
                                                  GError         **error);
/* The ruler from the centre of voxel `start` to that of voxel `end` of `volume`, on the slice
 * both ends share (along z when they share z, else y, else x). NULL with an
 * EVOX_ERROR_ARGUMENT error when an index is outside the volume, the ends share no slice or
 * they are the same voxel. */
EvoxMeasurement *evox_measurement_new_from_voxels (EvoxVolume     *volume,
                                                  const guint      start[3],
                                                  const guint      end[3],
                                                  GError         **error);

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
