/* evox-units.c: one choice of length unit (nm, µm, mm or voxels) for the figures of a line. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-units.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

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

EvoxUnits
evox_units_for_segment (EvoxVolume   *volume,
                        const double  a_nm[3],
                        const double  b_nm[3])
{
  double spacing[3], nm2 = 0, steps2 = 0;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), ((EvoxUnits) { EVOX_LENGTH_NM, 1.0 }));

  if (evox_volume_get_spacing_known (volume))
    return evox_units_for_volume (volume);
  evox_volume_get_spacing (volume, spacing);
  for (guint a = 0; a < 3; a++)
    {
      double d = b_nm[a] - a_nm[a];

      nm2 += d * d;
      steps2 += (d / spacing[a]) * (d / spacing[a]);
    }
  /* A point has no direction: count it in steps along x. */
  if (!(steps2 > 0))
    return (EvoxUnits) { EVOX_LENGTH_VOXELS, spacing[0] };
  return (EvoxUnits) { EVOX_LENGTH_VOXELS, sqrt (nm2 / steps2) };
}

char *
evox_format_segment_length (EvoxVolume   *volume,
                            const double  a_nm[3],
                            const double  b_nm[3])
{
  EvoxUnits units = evox_units_for_segment (volume, a_nm, b_nm);
  double length_nm = 0;

  for (guint a = 0; a < 3; a++)
    length_nm += (b_nm[a] - a_nm[a]) * (b_nm[a] - a_nm[a]);
  return evox_format_length (&units, sqrt (length_nm), EVOX_UNITS_UNICODE);
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

/* The lengths (a voxel size, a scale bar) a user may type, in nm: 1 pm to 1 m. */
#define LENGTH_MIN_NM 1e-3
#define LENGTH_MAX_NM 1e9

/* Whether a 'u' at unit[i] is the micro prefix: it starts a symbol of one of the units Evox
 * meets (um, ug, us, uL, umol) and is not the first letter of a word ("unit", "us" alone is
 * microseconds). */
static gboolean
is_micro (const char *unit,
          gsize       i)
{
  static const char *const symbols[] = { "m", "g", "s", "L", "mol" };

  if (unit[i] != 'u' || (i > 0 && g_ascii_isalpha (unit[i - 1])))
    return FALSE;
  for (guint k = 0; k < G_N_ELEMENTS (symbols); k++)
    {
      gsize n = strlen (symbols[k]);

      if (strncmp (unit + i + 1, symbols[k], n) == 0 && !g_ascii_isalpha (unit[i + 1 + n]))
        return TRUE;
    }
  return FALSE;
}

static void
append_superscript (GString    *out,
                    const char *digits,
                    gsize       n)
{
  static const char *const figures[] = { "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹" };

  for (gsize k = 0; k < n; k++)
    {
      if (digits[k] == '-')
        g_string_append (out, "⁻");
      else
        g_string_append (out, figures[digits[k] - '0']);
    }
}

/**
 * evox_units_dup_display:
 * @unit: (nullable): a unit as stored, in ASCII
 *
 * Micro prefixes become µ, powers ^2, ^-3 superscripts, and a reciprocal 1/X of a plain unit
 * X⁻¹; anything else is kept as it is, so units Evox does not know still read as written.
 */
char *
evox_units_dup_display (const char *unit)
{
  GString *out;
  const char *p;
  gboolean reciprocal;

  if (unit == NULL)
    return NULL;

  /* "1/um" but not "1/(cm s)" nor "1/cm^2": those read as they are. */
  reciprocal = g_str_has_prefix (unit, "1/") && unit[2] != '\0' &&
               strpbrk (unit + 2, "/^ ()*") == NULL;
  p = reciprocal ? unit + 2 : unit;
  out = g_string_new (NULL);
  for (gsize i = 0; p[i] != '\0'; i++)
    {
      if (is_micro (p, i))
        g_string_append (out, "µ");
      else if (p[i] == '^' && (g_ascii_isdigit (p[i + 1]) ||
                               (p[i + 1] == '-' && g_ascii_isdigit (p[i + 2]))))
        {
          gsize n = p[i + 1] == '-' ? 1 : 0;

          while (g_ascii_isdigit (p[i + 1 + n]))
            n++;
          append_superscript (out, p + i + 1, n);
          i += n;
        }
      else
        g_string_append_c (out, p[i]);
    }
  if (reciprocal)
    g_string_append (out, "⁻¹");
  return g_string_free (out, FALSE);
}

/* nm per unit for the units a length may be typed in; 0 for anything else. */
static double
length_unit_nm (const char *unit)
{
  if (*unit == '\0' || g_str_equal (unit, "nm"))
    return 1.0;
  /* um, the micro sign (U+00B5) and the Greek mu (U+03BC) all mean micrometres. */
  if (g_str_equal (unit, "um") || g_str_equal (unit, "\xc2\xb5m") ||
      g_str_equal (unit, "\xce\xbcm"))
    return 1e3;
  if (g_str_equal (unit, "mm"))
    return 1e6;
  return 0;
}

/* Cuts the unit off the end of copy (what follows the last digit or dot) and gives its nm;
 * FALSE with "WHAT 'TEXT': unknown unit" for one Evox does not take. */
static gboolean
take_unit (char        *copy,
           double      *scale,
           const char  *what,
           const char  *text,
           GError     **error)
{
  char *end = copy + strlen (copy);
  const char *unit;

  while (end > copy && !g_ascii_isdigit (end[-1]) && end[-1] != '.')
    end--;
  unit = end;
  while (*unit == ' ')
    unit++;
  *scale = length_unit_nm (unit);
  if (*scale == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "%s '%s': unknown unit '%s' (nm, um, µm or mm)", what, text, unit);
      return FALSE;
    }
  *end = '\0';
  return TRUE;
}

/* One number of scale nm each, between a picometre and a metre. */
static gboolean
take_length (const char  *part,
             double       scale,
             const char  *what,
             const char  *text,
             double      *nm,
             GError     **error)
{
  char *stop = NULL;
  double value = g_ascii_strtod (part, &stop);

  if (*part == '\0' || *stop != '\0' || !isfinite (value) || value <= 0 ||
      !isfinite (value * scale))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "%s '%s': '%s' is not a positive number", what, text, part);
      return FALSE;
    }
  /* Outside 1 pm to 1 m the number is a typo, and its lengths and volumes would overflow or
   * vanish in the arithmetic that follows. */
  if (value * scale < LENGTH_MIN_NM || value * scale > LENGTH_MAX_NM)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "%s '%s': '%s' is outside 1 pm to 1 m (1e-3 to 1e9 nm)", what, text, part);
      return FALSE;
    }
  *nm = value * scale;
  return TRUE;
}

/**
 * evox_units_parse_length:
 * @text: a number with nm, um (µm) or mm after it, or none for nm ("500nm", "2.5 µm", "800")
 * @nm: (out): the length in nm
 *
 * Returns: FALSE with EVOX_ERROR_ARGUMENT saying what is wrong, also for a length outside 1 pm
 *   to 1 m
 */
gboolean
evox_units_parse_length (const char  *text,
                         double      *nm,
                         GError     **error)
{
  g_autofree char *copy = NULL;
  double scale;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (nm != NULL, FALSE);

  copy = g_strstrip (g_strdup (text));
  if (!take_unit (copy, &scale, "length", text, error))
    return FALSE;
  return take_length (g_strstrip (copy), scale, "length", text, nm, error);
}

/**
 * evox_units_parse_voxel_size:
 * @text: `X[,Y,Z][unit]`: one number for cubic voxels or three, in nm, um (µm) or mm (default nm)
 * @spacing_nm: (out): the voxel size in nm
 *
 * Returns: FALSE with EVOX_ERROR_ARGUMENT saying what is wrong, also for a size outside
 *   1 pm to 1 m
 */
gboolean
evox_units_parse_voxel_size (const char  *text,
                             double       spacing_nm[3],
                             GError     **error)
{
  g_autofree char *copy = NULL;
  g_auto(GStrv) parts = NULL;
  double scale;
  guint n;

  g_return_val_if_fail (text != NULL, FALSE);

  copy = g_strstrip (g_strdup (text));
  if (!take_unit (copy, &scale, "voxel size", text, error))
    return FALSE;
  parts = g_strsplit (copy, ",", -1);
  n = g_strv_length (parts);
  if (n != 1 && n != 3)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "voxel size '%s': give one size or three (X,Y,Z)", text);
      return FALSE;
    }
  for (guint i = 0; i < 3; i++)
    if (!take_length (g_strstrip (parts[MIN (i, n - 1)]), scale, "voxel size", text,
                      &spacing_nm[i], error))
      return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Voxel sizes the user set, remembered per file                                                */

static char *
voxel_sizes_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "evox", "voxel-sizes.ini", NULL);
}

/* The group for a file: its canonical path, with its size and modification time beside it so
 * a file replaced under the same name does not inherit the size. */
static gboolean
file_identity (const char  *path,
               char       **group,
               guint64     *size,
               gint64      *mtime)
{
  GStatBuf st;
  g_autofree char *canonical = g_canonicalize_filename (path, NULL);

  if (g_stat (canonical, &st) != 0)
    return FALSE;
  *group = g_steal_pointer (&canonical);
  *size = (guint64) st.st_size;
  *mtime = (gint64) st.st_mtime;
  return TRUE;
}

/**
 * evox_voxel_size_lookup:
 * @spacing_nm: (out): the size the user set for @path
 *
 * Returns: whether a size was remembered for this file as it is now
 */
gboolean
evox_voxel_size_lookup (const char *path,
                        double      spacing_nm[3])
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *config = voxel_sizes_path ();
  g_autofree char *group = NULL;
  g_autofree double *values = NULL;
  guint64 size;
  gint64 mtime;
  gsize n = 0;

  g_return_val_if_fail (path != NULL, FALSE);

  if (!file_identity (path, &group, &size, &mtime) ||
      !g_key_file_load_from_file (file, config, G_KEY_FILE_NONE, NULL) ||
      g_key_file_get_uint64 (file, group, "size", NULL) != size ||
      g_key_file_get_int64 (file, group, "mtime", NULL) != mtime)
    return FALSE;
  values = g_key_file_get_double_list (file, group, "spacing_nm", &n, NULL);
  if (values == NULL || n != 3)
    return FALSE;
  for (int i = 0; i < 3; i++)
    if (!(isfinite (values[i]) && values[i] > 0))
      return FALSE;
  memcpy (spacing_nm, values, 3 * sizeof (double));
  return TRUE;
}

/**
 * evox_voxel_size_remember:
 *
 * Keeps @spacing_nm for @path in $XDG_CONFIG_HOME/evox/voxel-sizes.ini, written whole under a
 * temporary name and renamed, so a crash leaves the old list. %NULL forgets the size of @path (a
 * size set and then undone).
 */
gboolean
evox_voxel_size_remember (const char    *path,
                          const double   spacing_nm[3],
                          GError       **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *config = voxel_sizes_path ();
  g_autofree char *dir = g_path_get_dirname (config);
  g_autofree char *group = NULL;
  g_autofree char *text = NULL;
  guint64 size;
  gint64 mtime;
  gsize length;

  g_return_val_if_fail (path != NULL, FALSE);

  if (!file_identity (path, &group, &size, &mtime))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED, "%s: cannot read the file's size and "
                   "date to remember its voxel size", path);
      return FALSE;
    }
  /* A list that cannot be read is started again: it only holds conveniences. */
  g_key_file_load_from_file (file, config, G_KEY_FILE_KEEP_COMMENTS, NULL);
  if (spacing_nm == NULL)
    g_key_file_remove_group (file, group, NULL);
  else
    {
      g_key_file_set_uint64 (file, group, "size", size);
      g_key_file_set_int64 (file, group, "mtime", mtime);
      g_key_file_set_double_list (file, group, "spacing_nm", (double *) spacing_nm, 3);
    }
  text = g_key_file_to_data (file, &length, NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: %s", dir,
                   g_strerror (saved));
      return FALSE;
    }
  return g_file_set_contents (config, text, (gssize) length, error);
}
