/* evox-units.h: one choice of length unit (nm, µm, mm or voxels) for the figures of a line. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

#include "evox-volume.h"

G_BEGIN_DECLS

typedef enum
{
  EVOX_LENGTH_VOXELS,  /* the voxel size is not known: count voxels */
  EVOX_LENGTH_NM,
  EVOX_LENGTH_UM,
  EVOX_LENGTH_MM,
} EvoxLengthUnit;

/* How unit symbols are written: µm² for people, um^2 for files and terminals that want ASCII. */
typedef enum
{
  EVOX_UNITS_UNICODE,
  EVOX_UNITS_ASCII,
} EvoxUnitsStyle;

/* A length unit and how many nm one of it is. For voxels that is the edge of a cube as large as
 * one voxel, so volumes come out as voxel counts whatever the spacing Evox assumed. */
typedef struct
{
  EvoxLengthUnit unit;
  double         nm;
} EvoxUnits;

EvoxUnits   evox_units_for_length     (double          typical_nm);
EvoxUnits   evox_units_for_volume     (EvoxVolume     *volume);

const char *evox_units_symbol         (const EvoxUnits *units,
                                       int              power,
                                       EvoxUnitsStyle   style);
char       *evox_units_format_number  (double           value);

char       *evox_format_length        (const EvoxUnits *units,
                                       double           length_nm,
                                       EvoxUnitsStyle   style);
/* The units of a length measured along the segment from a_nm to b_nm (nm of @volume's frame):
 * those of the volume's figures (evox_units_for_volume) while its voxel size is known; while it
 * is not, voxel steps along this segment, each axis counted in its own assumed spacing, so a
 * ruler across ten pixels reads 10 px even where the assumed voxels are not cubes. */
EvoxUnits   evox_units_for_segment    (EvoxVolume      *volume,
                                       const double     a_nm[3],
                                       const double     b_nm[3]);
/* The segment's length in those units: the one place a ruler or profile length becomes text. */
char       *evox_format_segment_length (EvoxVolume     *volume,
                                        const double    a_nm[3],
                                        const double    b_nm[3]);
char       *evox_format_area          (const EvoxUnits *units,
                                       double           area_nm2,
                                       EvoxUnitsStyle   style);
char       *evox_format_volume        (const EvoxUnits *units,
                                       double           volume_nm3,
                                       EvoxUnitsStyle   style);
char       *evox_format_density       (const EvoxUnits *units,
                                       double           per_nm3,
                                       EvoxUnitsStyle   style);

/* A channel's unit, stored in ASCII ("ug/cm^2", "g/cm^3", "1/um"), as a scientist writes it in
 * what people read ("µg/cm²", "g/cm³", "µm⁻¹"); NULL for NULL. Files keep the ASCII. */
char       *evox_units_dup_display    (const char      *unit);

gboolean    evox_units_parse_length   (const char      *text,
                                       double          *nm,
                                       GError         **error);
gboolean    evox_units_parse_voxel_size (const char  *text,
                                         double       spacing_nm[3],
                                         GError     **error);

/* Voxel sizes the user set in the window, per file ($XDG_CONFIG_HOME/evox/voxel-sizes.ini);
 * remember with spacing_nm NULL forgets the file's. */
gboolean    evox_voxel_size_lookup      (const char    *path,
                                         double         spacing_nm[3]);
gboolean    evox_voxel_size_remember    (const char    *path,
                                         const double   spacing_nm[3],
                                         GError       **error);

G_END_DECLS
