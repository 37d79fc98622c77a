/* evox-csv.c: fractions and particle tables as CSV, written through the safe-output path. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-csv.h"
#include "evox-methods.h"
#include "evox-output.h"
#include "evox-units.h"

#include <math.h>
#include <string.h>

static const char fractions_header[] =
  "phase,lo,hi,voxels,fraction,delta,fraction_lo_minus,fraction_lo_plus,fraction_hi_minus,"
  "fraction_hi_plus,basis\n";

static const char particles_header[] =
  "phase,id,voxels,volume_nm3,diameter_nm,area_nm2,sphericity,centroid_x_nm,centroid_y_nm,"
  "centroid_z_nm,bbox_x0,bbox_y0,bbox_z0,bbox_x1,bbox_y1,bbox_z1,mean,std,min,max,"
  "touches_border,basis\n";

/* While the voxel size is not known, lengths are voxel edges: a column must not say nm. */
static const char particles_header_voxels[] =
  "phase,id,voxels,volume_voxels,diameter_px,area_px2,sphericity,centroid_x_px,centroid_y_px,"
  "centroid_z_px,bbox_x0,bbox_y0,bbox_z0,bbox_x1,bbox_y1,bbox_z1,mean,std,min,max,"
  "touches_border,basis\n";

/* How the particle figures leave the file: nm, or voxels when the voxel size is not known (the
 * centroid then as a voxel index along each axis, from origin and spacing). */
typedef struct
{
  double length;      /* nm per unit length */
  double origin[3];
  double spacing[3];  /* per axis, for centroids; 1 when in nm */
} ParticleUnits;

void
evox_csv_append_field (GString    *line,
                       const char *text)
{
  g_return_if_fail (line != NULL);

  if (text == NULL)
    return;
  if (strpbrk (text, ",\"\r\n") == NULL)
    {
      g_string_append (line, text);
      return;
    }
  g_string_append_c (line, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (line, '"');
      g_string_append_c (line, *p);
    }
  g_string_append_c (line, '"');
}

static void
append_shortest (GString  *line,
                 double    value,
                 gboolean  single)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (value))
    {
      g_string_append (line, "nan");
      return;
    }
  if (isinf (value))
    {
      g_string_append (line, value > 0 ? "inf" : "-inf");
      return;
    }
  for (int digits = single ? 6 : 15; digits <= 17; digits++)
    {
      char format[8];
      double back;

      g_snprintf (format, sizeof format, "%%.%dg", digits);
      g_ascii_formatd (buffer, sizeof buffer, format, value);
      back = g_ascii_strtod (buffer, NULL);
      if (single ? (float) back == (float) value : back == value)
        break;
    }
  g_string_append (line, buffer);
}

/* Numbers that leave the program read back as the same double, so counts, edges and fractions
 * compare equal after parsing. */
void
evox_csv_append_double (GString *line,
                        double   value)
{
  g_return_if_fail (line != NULL);

  append_shortest (line, value, FALSE);
}

/* Voxel values are floats at most: at most 9 digits name them exactly. */
void
evox_csv_append_float (GString *line,
                       float    value)
{
  g_return_if_fail (line != NULL);

  append_shortest (line, value, TRUE);
}

static void
append_uint (GString *line,
             guint64  value)
{
  g_string_append_printf (line, "%" G_GUINT64_FORMAT, value);
}

/* ------------------------------------------------------------------------------------------ */
/* Fractions                                                                                    */

void
evox_fraction_table_free (EvoxFractionTable *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->n_rows; i++)
    g_free (self->rows[i].name);
  g_free (self->rows);
  g_free (self);
}

/* The range of row's phase with one edge moved; FALSE when the moved edge passes the other. */
static gboolean
shifted_range (double  lo,
               double  hi,
               double  delta,
               int     shift,
               double *out_lo,
               double *out_hi)
{
  *out_lo = lo;
  *out_hi = hi;
  switch (shift)
    {
    case EVOX_FRACTION_LO_MINUS: *out_lo = lo - delta; break;
    case EVOX_FRACTION_LO_PLUS: *out_lo = lo + delta; break;
    case EVOX_FRACTION_HI_MINUS: *out_hi = hi - delta; break;
    case EVOX_FRACTION_HI_PLUS: *out_hi = hi + delta; break;
    default: g_assert_not_reached ();
    }
  return *out_lo <= *out_hi;
}

EvoxFractionTable *
evox_fraction_table_new (EvoxVolume     *volume,
                         guint           channel,
                         EvoxBasis       basis,
                         EvoxPhaseList  *phases,
                         GCancellable   *cancellable,
                         GError        **error)
{
  g_autoptr(EvoxFractionTable) table = NULL;
  g_autofree double *lo = NULL;
  g_autofree double *hi = NULL;
  g_autofree guint64 *counts = NULL;
  g_autofree guint *slot = NULL;
  guint n_ranges = 0;
  guint n_phases;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), NULL);
  g_return_val_if_fail (EVOX_IS_PHASE_LIST (phases), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  n_phases = evox_phase_list_get_n_phases (phases);
  basis = evox_basis_resolve (volume, channel, basis);
  table = g_new0 (EvoxFractionTable, 1);
  table->basis = basis;
  table->n_finite = basis == EVOX_BASIS_MEASURED
                    ? evox_volume_get_measured_stats (volume)->n_finite
                    : evox_volume_get_stats (volume, channel)->n_finite;
  table->delta = evox_sensitivity_delta (volume, channel);
  table->n_rows = n_phases;
  table->rows = g_new0 (EvoxFractionRow, MAX (n_phases, 1));

  /* Every range of every row in one call, so f32 voxels are read once. */
  lo = g_new (double, (gsize) MAX (n_phases, 1) * (1 + EVOX_FRACTION_N_SHIFTS));
  hi = g_new (double, (gsize) MAX (n_phases, 1) * (1 + EVOX_FRACTION_N_SHIFTS));
  slot = g_new (guint, (gsize) MAX (n_phases, 1) * (1 + EVOX_FRACTION_N_SHIFTS));
  for (guint i = 0; i < n_phases; i++)
    {
      EvoxPhase *phase = evox_phase_list_get_phase (phases, i);
      EvoxFractionRow *row = &table->rows[i];

      float first, last;

      row->name = g_strdup (evox_phase_get_name (phase));
      row->lo = evox_phase_get_lo (phase);
      row->hi = evox_phase_get_hi (phase);
      /* A voxel on an edge shared with an earlier phase is that phase's. */
      if (evox_phase_list_get_owned_range (phases, i, evox_volume_get_sample_type (volume),
                                           &first, &last))
        {
          lo[n_ranges] = first;
          hi[n_ranges] = last;
          slot[n_ranges++] = i * (1 + EVOX_FRACTION_N_SHIFTS);
        }
      for (int s = 0; s < EVOX_FRACTION_N_SHIFTS; s++)
        if (shifted_range (row->lo, row->hi, table->delta, s, &lo[n_ranges], &hi[n_ranges]))
          slot[n_ranges++] = i * (1 + EVOX_FRACTION_N_SHIFTS) + 1 + (guint) s;
    }

  counts = g_new0 (guint64, MAX (n_ranges, 1));
  if (n_ranges > 0 &&
      !evox_count_ranges_exact_basis (volume, channel, basis, n_ranges, lo, hi, counts,
                                      cancellable, error))
    return NULL;
  for (guint r = 0; r < n_ranges; r++)
    {
      EvoxFractionRow *row = &table->rows[slot[r] / (1 + EVOX_FRACTION_N_SHIFTS)];
      guint k = slot[r] % (1 + EVOX_FRACTION_N_SHIFTS);

      if (k == 0)
        row->voxels = counts[r];
      else
        row->shifted[k - 1] = counts[r];
    }
  return g_steal_pointer (&table);
}

/**
 * evox_fraction_table_get_fraction:
 * @shift: an EvoxFractionShift, or -1 for the phase's own range
 *
 * Returns: voxels over finite voxels, 0 when the channel has none
 */
double
evox_fraction_table_get_fraction (const EvoxFractionTable *self,
                                  guint                    row,
                                  int                      shift)
{
  guint64 count;

  g_return_val_if_fail (self != NULL, 0.0);
  g_return_val_if_fail (row < self->n_rows, 0.0);
  g_return_val_if_fail (shift >= -1 && shift < EVOX_FRACTION_N_SHIFTS, 0.0);

  count = shift < 0 ? self->rows[row].voxels : self->rows[row].shifted[shift];
  return self->n_finite > 0 ? (double) count / (double) self->n_finite : 0.0;
}

char *
evox_csv_format_fractions (const EvoxFractionTable *table)
{
  GString *s;

  g_return_val_if_fail (table != NULL, NULL);

  s = g_string_new (fractions_header);
  for (guint i = 0; i < table->n_rows; i++)
    {
      const EvoxFractionRow *row = &table->rows[i];

      evox_csv_append_field (s, row->name);
      g_string_append_c (s, ',');
      evox_csv_append_double (s, row->lo);
      g_string_append_c (s, ',');
      evox_csv_append_double (s, row->hi);
      g_string_append_c (s, ',');
      append_uint (s, row->voxels);
      g_string_append_c (s, ',');
      evox_csv_append_double (s, evox_fraction_table_get_fraction (table, i, -1));
      g_string_append_c (s, ',');
      evox_csv_append_double (s, table->delta);
      for (int k = 0; k < EVOX_FRACTION_N_SHIFTS; k++)
        {
          g_string_append_c (s, ',');
          evox_csv_append_double (s, evox_fraction_table_get_fraction (table, i, k));
        }
      g_string_append_c (s, ',');
      g_string_append (s, evox_basis_to_string (table->basis));
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

/* ------------------------------------------------------------------------------------------ */
/* Particles                                                                                    */

static void
append_particle (GString             *s,
                 const char          *phase,
                 guint64              id,
                 const EvoxParticle  *p,
                 const ParticleUnits *u)
{
  evox_csv_append_field (s, phase);
  g_string_append_c (s, ',');
  append_uint (s, id);
  g_string_append_c (s, ',');
  append_uint (s, p->voxels);
  g_string_append_c (s, ',');
  evox_csv_append_double (s, p->volume_nm3 / (u->length * u->length * u->length));
  g_string_append_c (s, ',');
  evox_csv_append_double (s, p->diameter_nm / u->length);
  g_string_append_c (s, ',');
  evox_csv_append_double (s, p->area_nm2 / (u->length * u->length));
  g_string_append_c (s, ',');
  evox_csv_append_double (s, p->sphericity);
  for (guint a = 0; a < 3; a++)
    {
      g_string_append_c (s, ',');
      evox_csv_append_double (s, (p->centroid_nm[a] - u->origin[a]) / u->spacing[a]);
    }
  for (guint a = 0; a < 3; a++)
    {
      g_string_append_c (s, ',');
      append_uint (s, p->bbox_min[a]);
    }
  for (guint a = 0; a < 3; a++)
    {
      g_string_append_c (s, ',');
      append_uint (s, p->bbox_max[a]);
    }
  g_string_append_c (s, ',');
  evox_csv_append_double (s, p->mean);
  g_string_append_c (s, ',');
  evox_csv_append_double (s, p->std);
  g_string_append_c (s, ',');
  evox_csv_append_float (s, (float) p->min);
  g_string_append_c (s, ',');
  evox_csv_append_float (s, (float) p->max);
  /* Particles join in 3D, so they are always of the volume (interpolated, for an SSRM stack);
   * the column says so as the fractions' says theirs. */
  g_string_append (s, p->touches_border ? ",true,volume\n" : ",false,volume\n");
}

char *
evox_csv_format_particles (EvoxLabels * const *labels,
                           guint               n_labels)
{
  GString *s;
  guint64 offset = 0;

  g_return_val_if_fail (labels != NULL || n_labels == 0, NULL);

  s = g_string_new (particles_header);
  for (guint k = 0; k < n_labels; k++)
    {
      const char *phase = evox_labels_get_phase_name (labels[k]);
      guint n = evox_labels_get_n_particles (labels[k]);
      EvoxVolume *volume = evox_labels_get_volume (labels[k]);
      EvoxUnits units = evox_units_for_volume (volume);
      ParticleUnits u = { 1.0, { 0, 0, 0 }, { 1, 1, 1 } };

      /* The labels of one file share their volume, so the first decides the header. */
      if (units.unit == EVOX_LENGTH_VOXELS)
        {
          if (k == 0)
            g_string_assign (s, particles_header_voxels);
          u.length = units.nm;
          evox_volume_get_spacing (volume, u.spacing);
          evox_volume_get_origin (volume, u.origin);
        }
      for (guint32 id = 1; id <= n; id++)
        append_particle (s, phase, offset + id, evox_labels_get_particle (labels[k], id), &u);
      offset += n;
    }
  return g_string_free (s, FALSE);
}

/* ------------------------------------------------------------------------------------------ */
/* Files                                                                                        */

typedef struct
{
  const char *text;
  gsize       length;
} TextJob;

static gboolean
write_text_fd (int          fd,
               const char  *path,
               gpointer     user_data,
               GError     **error)
{
  TextJob *job = user_data;

  return _evox_output_write_bytes (fd, job->text, job->length, path, error);
}

gboolean
evox_csv_write_text (const char  *path,
                     const char  *text,
                     gsize        length,
                     gboolean     overwrite,
                     GError     **error)
{
  TextJob job = { text, length };

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (text != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return _evox_output_write (path, overwrite, write_text_fd, &job, error);
}

gboolean
evox_csv_write_text_with_provenance (const char  *path,
                                     const char  *text,
                                     const char  *provenance,
                                     gboolean     overwrite,
                                     GError     **error)
{
  g_autofree char *comment = evox_provenance_comment (provenance);
  g_autofree char *joined = NULL;

  g_return_val_if_fail (text != NULL, FALSE);

  joined = g_strconcat (comment, text, NULL);
  return evox_csv_write_text (path, joined, strlen (joined), overwrite, error);
}

gboolean
evox_csv_add_provenance (const char  *path,
                         const char  *provenance,
                         GError     **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (path != NULL, FALSE);

  if (provenance == NULL)
    return TRUE;
  if (!g_file_get_contents (path, &text, NULL, error))
    return FALSE;
  return evox_csv_write_text_with_provenance (path, text, provenance, TRUE, error);
}

gboolean
evox_csv_write_fraction_table (const char              *path,
                               const EvoxFractionTable *table,
                               gboolean                 overwrite,
                               GError                 **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (table != NULL, FALSE);

  text = evox_csv_format_fractions (table);
  return evox_csv_write_text (path, text, strlen (text), overwrite, error);
}

/**
 * evox_csv_write_fractions:
 *
 * Writes the fractions CSV of every phase in @phases (exact counts) to @path.
 */
gboolean
evox_csv_write_fractions (const char     *path,
                          EvoxVolume     *volume,
                          guint           channel,
                          EvoxBasis       basis,
                          EvoxPhaseList  *phases,
                          gboolean        overwrite,
                          GCancellable   *cancellable,
                          GError        **error)
{
  g_autoptr(EvoxFractionTable) table = NULL;

  g_return_val_if_fail (path != NULL, FALSE);

  table = evox_fraction_table_new (volume, channel, basis, phases, cancellable, error);
  if (table == NULL)
    return FALSE;
  return evox_csv_write_fraction_table (path, table, overwrite, error);
}

/**
 * evox_csv_write_particles:
 * @labels: (array length=n_labels): particles, one EvoxLabels per phase
 *
 * Writes the particles CSV; ids of later EvoxLabels continue after earlier ones'.
 */
gboolean
evox_csv_write_particles (const char          *path,
                          EvoxLabels * const  *labels,
                          guint                n_labels,
                          gboolean             overwrite,
                          GError             **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (labels != NULL || n_labels == 0, FALSE);

  text = evox_csv_format_particles (labels, n_labels);
  return evox_csv_write_text (path, text, strlen (text), overwrite, error);
}
