/* evox-units.c: one choice of length unit (nm, µm, mm or voxels) for the figures of a line. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-units.h"

#include <math.h>

/**
 * evox_units_for_length:
 * @typical_nm: the size of what the line describes (a volume's extent, a particle's diameter)
 *
 * nm below a micrometre, µm below a millimetre, mm above, so the figures stay between about 1
 * and 1000 of their unit.
 */
EvoxUnits
evox_units_for_length (double typical_nm)
{
  double size = fabs (typical_nm);

  if (!isfinite (size) || size < 1e3)
    return (EvoxUnits) { EVOX_LENGTH_NM, 1.0 };
  if (size < 1e6)
    return (EvoxUnits) { EVOX_LENGTH_UM, 1e3 };
  return (EvoxUnits) { EVOX_LENGTH_MM, 1e6 };
}

/**
 * evox_units_for_volume:
 *
 * The unit every figure about @volume uses: scaled to its widest side, so the rows of one table
 * and the quantities of one line agree; voxels while the voxel size is not known.
 */
EvoxUnits
evox_units_for_volume (EvoxVolume *volume)
{
  gsize dims[3];
  double spacing[3], widest = 0;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), ((EvoxUnits) { EVOX_LENGTH_NM, 1.0 }));

  evox_volume_get_dims (volume, dims);
  evox_volume_get_spacing (volume, spacing);
  if (!evox_volume_get_spacing_known (volume))
    return (EvoxUnits) { EVOX_LENGTH_VOXELS, cbrt (spacing[0] * spacing[1] * spacing[2]) };
  for (int i = 0; i < 3; i++)
    widest = MAX (widest, dims[i] * spacing[i]);
  return evox_units_for_length (widest);
}

/**
 * evox_units_symbol:
 * @power: 1 for lengths, 2 for areas, 3 for volumes, -3 for number densities
 */
const char *
evox_units_symbol (const EvoxUnits *units,
                   int              power,
                   EvoxUnitsStyle   style)
{
  /* Rows: voxels, nm, µm, mm; columns: powers 1, 2, 3, -3; Unicode then ASCII. */
  static const char *const symbols[2][4][4] = {
    {
      { "px", "px²", "voxels", "per voxel" },
      { "nm", "nm²", "nm³", "nm⁻³" },
      { "µm", "µm²", "µm³", "µm⁻³" },
      { "mm", "mm²", "mm³", "mm⁻³" },
    },
    {
      { "px", "px^2", "voxels", "per voxel" },
      { "nm", "nm^2", "nm^3", "nm^-3" },
      { "um", "um^2", "um^3", "um^-3" },
      { "mm", "mm^2", "mm^3", "mm^-3" },
    },
  };
  int column = power == -3 ? 3 : CLAMP (power, 1, 3) - 1;

  g_return_val_if_fail (units != NULL, "");
  g_return_val_if_fail (units->unit <= EVOX_LENGTH_MM, "");
  return symbols[style == EVOX_UNITS_ASCII][units->unit][column];
}

/**
 * evox_units_format_number:
 *
 * Four significant digits, whole numbers written out up to a billion (a voxel count reads
 * better as 6718710 than as 6.719e+06), exponents only for what is very small or very large.
 */
char *
evox_units_format_number (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  double size = fabs (value);

  if (!isfinite (value))
    return g_strdup (isnan (value) ? "nan" : value > 0 ? "inf" : "-inf");
  if (size >= 1e4 && size < 1e9)
    return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.0f", value));
  if (size == 0 || (size >= 1e-3 && size < 1e4))
    return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.4g", value));
  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.3e", value));
}

static char *
format_power (const EvoxUnits *units,
              double           value_nm,
              int              power,
              EvoxUnitsStyle   style)
{
  g_autofree char *number = NULL;

  g_return_val_if_fail (units != NULL && units->nm > 0, NULL);
  number = evox_units_format_number (value_nm / pow (units->nm, power));
  return g_strdup_printf ("%s %s", number, evox_units_symbol (units, power, style));
}

char *
evox_format_length (const EvoxUnits *units,
                    double           length_nm,
                    EvoxUnitsStyle   style)
{
  return format_power (units, length_nm, 1, style);
}

char *
evox_format_area (const EvoxUnits *units,
                  double           area_nm2,
                  EvoxUnitsStyle   style)
{
  return format_power (units, area_nm2, 2, style);
}

char *
evox_format_volume (const EvoxUnits *units,
                    double           volume_nm3,
                    EvoxUnitsStyle   style)
{
  return format_power (units, volume_nm3, 3, style);
}

char *
evox_format_density (const EvoxUnits *units,
                     double           per_nm3,
                     EvoxUnitsStyle   style)
{
  return format_power (units, per_nm3, -3, style);
}
