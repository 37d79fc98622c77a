/* evox-table-csv.h: numeric tables (cluster centres, k sweeps, domain statistics) as CSV. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One column: its header and n_rows values. Whole-number columns (counts, ids) are written
 * without a decimal point; the others as the shortest text that reads back as the same double
 * ("nan" for NaN). */
typedef struct
{
  const char   *name;
  const double *values;
  gboolean      integer;
} EvoxCsvColumn;

/* CSV text: a header row, then n_rows rows; C locale, RFC 4180 quoting of the names, '\n'. */
char     *evox_table_csv_format (const EvoxCsvColumn  *columns,
                                 guint                 n_columns,
                                 gsize                 n_rows);
/* The same as a file, through the safe-output path (temporary and rename; EVOX_ERROR_EXISTS
 * for an existing path unless overwrite). */
gboolean  evox_table_csv_write  (const char           *path,
                                 const EvoxCsvColumn  *columns,
                                 guint                 n_columns,
                                 gsize                 n_rows,
                                 gboolean              overwrite,
                                 GError              **error);

G_END_DECLS
