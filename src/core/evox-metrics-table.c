/* evox-metrics-table.c: the electrode metrics table. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-metrics-table.h"

#include <math.h>


struct _EvoxMetrics
{
  GArray     *rows;
  EvoxVolume *map;
  EvoxVolume *percolation;
  /* The fields' sources (see _evox_metrics_set_fields). */
  gboolean    has_fields;
  guint       field_axis;
  EvoxVolume *concentration;
  EvoxVolume *solve_mask;
  double      second_diffusivity;
};

static void
row_clear (gpointer data)
{
  EvoxMetricsRow *row = data;

  g_free (row->metric);
  g_free (row->phase);
  g_free (row->axis);
  g_free (row->unit);
  g_free (row->note);
}

EvoxMetrics *
evox_metrics_new (void)
{
  EvoxMetrics *self = g_new0 (EvoxMetrics, 1);

  self->rows = g_array_new (FALSE, TRUE, sizeof (EvoxMetricsRow));
  g_array_set_clear_func (self->rows, row_clear);
  return self;
}

void
evox_metrics_free (EvoxMetrics *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->rows);
  g_clear_object (&self->map);
  g_clear_object (&self->percolation);
  g_clear_object (&self->concentration);
  g_clear_object (&self->solve_mask);
  g_free (self);
}

void
evox_metrics_add (EvoxMetrics *self,
                  const char  *metric,
                  const char  *phase,
                  const char  *axis,
                  double       value,
                  const char  *unit,
                  const char  *note)
{
  EvoxMetricsRow row = {
    g_strdup (metric), g_strdup (phase ? phase : ""), g_strdup (axis ? axis : ""), value,
    g_strdup (unit ? unit : ""), g_strdup (note ? note : ""),
  };

  g_array_append_val (self->rows, row);
}

guint
evox_metrics_get_n_rows (EvoxMetrics *self)
{
  return self->rows->len;
}

const EvoxMetricsRow *
evox_metrics_get_row (EvoxMetrics *self,
                      guint        i)
{
  g_return_val_if_fail (i < self->rows->len, NULL);
  return &g_array_index (self->rows, EvoxMetricsRow, i);
}

EvoxVolume *
evox_metrics_get_map (EvoxMetrics *self)
{
  return self->map;
}

void
_evox_metrics_set_map (EvoxMetrics *self,
                       EvoxVolume  *map)
{
  g_set_object (&self->map, map);
}

gboolean
evox_metrics_has_fields (EvoxMetrics *self)
{
  return self->has_fields && (self->solve_mask != NULL || self->percolation != NULL);
}

void
_evox_metrics_set_fields (EvoxMetrics *self,
                          guint        axis,
                          EvoxVolume  *concentration,
                          EvoxVolume  *mask,
                          double       second_diffusivity)
{
  g_return_if_fail (axis < 3);
  g_return_if_fail (concentration == NULL || mask != NULL);

  self->has_fields = TRUE;
  self->field_axis = axis;
  g_set_object (&self->concentration, concentration);
  g_set_object (&self->solve_mask, mask);
  self->second_diffusivity = second_diffusivity;
}

gboolean
_evox_metrics_get_fields (EvoxMetrics  *self,
                          guint        *axis,
                          EvoxVolume  **concentration,
                          EvoxVolume  **mask,
                          double       *second_diffusivity)
{
  *axis = self->field_axis;
  *concentration = self->concentration;
  *mask = self->solve_mask;
  *second_diffusivity = self->second_diffusivity;
  return evox_metrics_has_fields (self);
}

EvoxVolume *
evox_metrics_get_percolation (EvoxMetrics *self)
{
  return self->percolation;
}

void
_evox_metrics_set_percolation (EvoxMetrics *self,
                               EvoxVolume  *classes)
{
  g_set_object (&self->percolation, classes);
}

/* The C locale's digits whatever the user's locale, so the CSV reads back everywhere. */
static char *
format_number (double      value,
               const char *format)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (value))
    return g_strdup ("nan");
  if (isinf (value))
    return g_strdup (value > 0 ? "inf" : "-inf");
  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, format, value));
}

char *
evox_metrics_format_value (double value)
{
  return format_number (value, "%.9g");
}

static void
append_padded (GString    *text,
               const char *cell,
               guint       width)
{
  glong len = g_utf8_strlen (cell, -1);

  g_string_append (text, cell);
  for (glong i = len; i < (glong) width + 2; i++)
    g_string_append_c (text, ' ');
}

char *
evox_metrics_to_text (EvoxMetrics *self)
{
  enum { N_COLUMNS = 6 };
  const char *header[N_COLUMNS] = { "metric", "phase", "axis", "value", "unit", "note" };
  g_autoptr (GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  guint width[N_COLUMNS] = { 0 };
  GString *text = g_string_new (NULL);

  g_return_val_if_fail (self != NULL, NULL);

  for (guint c = 0; c < N_COLUMNS; c++)
    g_ptr_array_add (cells, g_strdup (header[c]));
  for (guint i = 0; i < self->rows->len; i++)
    {
      const EvoxMetricsRow *row = &g_array_index (self->rows, EvoxMetricsRow, i);

      g_ptr_array_add (cells, g_strdup (row->metric));
      g_ptr_array_add (cells, g_strdup (row->phase));
      g_ptr_array_add (cells, g_strdup (row->axis));
      g_ptr_array_add (cells, format_number (row->value, "%.6g"));
      g_ptr_array_add (cells, g_strdup (row->unit));
      g_ptr_array_add (cells, g_strdup (row->note));
    }
  for (guint i = 0; i < cells->len; i++)
    width[i % N_COLUMNS] = MAX (width[i % N_COLUMNS],
                                (guint) g_utf8_strlen (cells->pdata[i], -1));
  for (guint i = 0; i < cells->len; i++)
    {
      guint c = i % N_COLUMNS;

      if (c == N_COLUMNS - 1)
        {
          g_string_append (text, cells->pdata[i]);
          /* No trailing spaces when the note is empty. */
          while (text->len > 0 && text->str[text->len - 1] == ' ')
            g_string_truncate (text, text->len - 1);
          g_string_append_c (text, '\n');
        }
      else
        append_padded (text, cells->pdata[i], width[c]);
    }
  return g_string_free (text, FALSE);
}
