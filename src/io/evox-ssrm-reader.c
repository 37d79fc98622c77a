/* evox-ssrm-reader.c: SSRM resistance tables (delimited text, one row per pixel) to volumes. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "evox-ssrm-reader.h"
#include "evox-ssrm-stack.h"
#include "evox-text-table.h"

EvoxSsrmOptions *
evox_ssrm_options_new (void)
{
  EvoxSsrmOptions *options = g_new0 (EvoxSsrmOptions, 1);

  options->dz_nm = EVOX_SSRM_DEFAULT_DZ_NM;
  options->pixel_size_nm = 0;
  options->values = g_ptr_array_new_with_free_func (g_free);
  options->scale = EVOX_SCALE_LOG10;
  return options;
}

void
evox_ssrm_options_free (EvoxSsrmOptions *options)
{
  if (options == NULL)
    return;
  g_free (options->x_column);
  g_free (options->y_column);
  g_clear_pointer (&options->values, g_ptr_array_unref);
  g_free (options);
}

void
evox_ssrm_layout_free (EvoxSsrmLayout *layout)
{
  if (layout == NULL)
    return;
  g_strfreev (layout->columns);
  g_free (layout->x_column);
  g_free (layout->y_column);
  g_clear_pointer (&layout->values, g_ptr_array_unref);
  g_free (layout);
}

/* Lines. */

typedef struct
{
  const char *name;
  const char *p, *end;
  gsize       number;     /* 1-based number of the line last returned */
} LineReader;

/* A byte-order mark goes before everything, a first # comment included, so it is skipped
 * before any line is read. An empty text may come as NULL, which gets no arithmetic. */
static void
line_reader_init (LineReader *reader,
                  const char *name,
                  const char *text,
                  gsize       length)
{
  if (text == NULL || length == 0)
    text = "", length = 0;
  evox_text_table_skip_bom (&text, &length);
  *reader = (LineReader) { name, text, text + length, 0 };
}

/* The next line that is neither blank nor a # comment, without its line break. */
static gboolean
next_line (LineReader  *reader,
           const char **start,
           gsize       *length)
{
  return evox_text_table_next_line (&reader->p, reader->end, &reader->number, start, length);
}

/* Splits a line into at most max_fields fields (pointers into the line, not terminated) and
 * returns how many there were, which may exceed max_fields. */
static gsize
split_fields (const char  *line,
              gsize        length,
              char         delimiter,
              const char **starts,
              gsize       *lengths,
              gsize        max_fields)
{
  const char *p = line, *end = line + length;
  gsize n = 0;

  if (delimiter == ' ')
    {
      while (p < end)
        {
          const char *s;
          while (p < end && (*p == ' ' || *p == '\t'))
            p++;
          if (p == end)
            break;
          s = p;
          while (p < end && *p != ' ' && *p != '\t')
            p++;
          if (n < max_fields)
            {
              starts[n] = s;
              lengths[n] = p - s;
            }
          n++;
        }
      return n;
    }

  for (;;)
    {
      const char *e = memchr (p, delimiter, end - p);
      if (e == NULL)
        e = end;
      if (n < max_fields)
        {
          starts[n] = p;
          lengths[n] = e - p;
        }
      n++;
      if (e == end)
        return n;
      p = e + 1;
    }
}

typedef enum { FIELD_NUMBER, FIELD_MISSING, FIELD_BAD, FIELD_NUL } FieldKind;

static FieldKind
parse_number (const char *s,
              gsize       length,
              double     *value)
{
  char buffer[64];
  char *end;

  while (length > 0 && (g_ascii_isspace (*s) || *s == '"'))
    s++, length--;
  while (length > 0 && (g_ascii_isspace (s[length - 1]) || s[length - 1] == '"'))
    length--;
  if (length == 0)
    {
      *value = NAN;
      return FIELD_MISSING;
    }
  if (length >= sizeof buffer)
    return FIELD_BAD;
  /* strtod would stop at a NUL and read "1\0002" as 1. */
  if (memchr (s, '\0', length) != NULL)
    return FIELD_NUL;
  memcpy (buffer, s, length);
  buffer[length] = '\0';
  if (g_ascii_strcasecmp (buffer, "nan") == 0 || g_ascii_strcasecmp (buffer, "na") == 0)
    {
      *value = NAN;
      return FIELD_MISSING;
    }
  *value = g_ascii_strtod (buffer, &end);
  if (end == buffer || *end != '\0')
    return FIELD_BAD;
  return isnan (*value) ? FIELD_MISSING : FIELD_NUMBER;
}

/* Header and layout. */

typedef struct
{
  char       delimiter;
  GStrv      columns;
  guint      n_columns;
} Header;

static void
header_clear (Header *header)
{
  g_clear_pointer (&header->columns, g_strfreev);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Header, header_clear)

static gboolean
read_header (LineReader  *reader,
             Header      *header,
             GError     **error)
{
  const char *line;
  gsize length, n;
  g_autofree const char **starts = NULL;
  g_autofree gsize *lengths = NULL;
  GPtrArray *columns;

  if (!next_line (reader, &line, &length))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: no header row (the file is empty or only comments)", reader->name);
      return FALSE;
    }

  header->delimiter = evox_text_table_delimiter (line, length);
  n = split_fields (line, length, header->delimiter, NULL, NULL, 0);
  if (n > 10000)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: line %" G_GSIZE_FORMAT ": %" G_GSIZE_FORMAT " columns is not a header row",
                   reader->name, reader->number, n);
      return FALSE;
    }
  starts = g_new (const char *, n);
  lengths = g_new (gsize, n);
  split_fields (line, length, header->delimiter, starts, lengths, n);

  columns = g_ptr_array_new ();
  for (gsize i = 0; i < n; i++)
    {
      double dummy;
      char *name = evox_text_table_field_dup (starts[i], lengths[i]);

      if (parse_number (starts[i], lengths[i], &dummy) == FIELD_NUMBER)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "%s: line %" G_GSIZE_FORMAT ": the first row must name the columns, but "
                       "'%s' is a number", reader->name, reader->number, name);
          g_free (name);
          g_ptr_array_add (columns, NULL);
          g_strfreev ((GStrv) g_ptr_array_free (columns, FALSE));
          return FALSE;
        }
      g_ptr_array_add (columns, name);
    }
  g_ptr_array_add (columns, NULL);
  header->columns = (GStrv) g_ptr_array_free (columns, FALSE);
  header->n_columns = n;
  return TRUE;
}

/* A text file with a header but no rows of numbers (notes, a README) is not a table: say so
 * before anyone is asked which of its words are the X column. Needs two numbers, X and Y, in
 * the first row; the rest of that row is checked as every other row is. */
static gboolean
check_first_row (const LineReader *reader,
                 const Header     *header,
                 GError          **error)
{
  LineReader ahead = *reader;
  const char *line;
  gsize length, n, n_numbers = 0;
  g_autofree const char **starts = g_new (const char *, header->n_columns);
  g_autofree gsize *lengths = g_new (gsize, header->n_columns);

  if (!next_line (&ahead, &line, &length))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: the header is followed by no data rows", reader->name);
      return FALSE;
    }
  n = split_fields (line, length, header->delimiter, starts, lengths, header->n_columns);
  for (gsize i = 0; i < MIN (n, header->n_columns); i++)
    {
      double dummy;
      n_numbers += parse_number (starts[i], lengths[i], &dummy) == FIELD_NUMBER;
    }
  if (n_numbers < 2)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: line %" G_GSIZE_FORMAT ": %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                   " fields are numbers; not an SSRM table (a header row naming the columns, "
                   "then one row of numbers per pixel)", reader->name, ahead.number, n_numbers,
                   n);
      return FALSE;
    }
  return TRUE;
}

static int
find_column (const Header *header,
             const char   *name)
{
  for (guint i = 0; i < header->n_columns; i++)
    if (g_ascii_strcasecmp (header->columns[i], name) == 0)
      return (int) i;
  return -1;
}

/* Every Rk column with a matching Zk, ordered by k. */
static GPtrArray *
detect_value_pairs (const Header *header)
{
  GPtrArray *pairs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) numbers = g_array_new (FALSE, FALSE, sizeof (guint64));

  for (guint i = 0; i < header->n_columns; i++)
    {
      const char *name = header->columns[i];
      g_autofree char *z_name = NULL;
      guint64 k;

      if ((name[0] != 'R' && name[0] != 'r') ||
          !g_ascii_string_to_unsigned (name + 1, 10, 0, 9999, &k, NULL))
        continue;
      z_name = g_strdup_printf ("%c%s", name[0] == 'R' ? 'Z' : 'z', name + 1);
      if (find_column (header, z_name) < 0)
        continue;
      g_array_append_val (numbers, k);
      g_ptr_array_add (pairs, g_strdup_printf ("%s:%s", name, header->columns[find_column (header, z_name)]));
    }
  /* Insertion sort by scan number: tables have a handful of scans. */
  for (guint i = 1; i < pairs->len; i++)
    for (guint j = i; j > 0 && g_array_index (numbers, guint64, j - 1) > g_array_index (numbers, guint64, j); j--)
      {
        guint64 t = g_array_index (numbers, guint64, j);
        gpointer p = pairs->pdata[j];
        g_array_index (numbers, guint64, j) = g_array_index (numbers, guint64, j - 1);
        g_array_index (numbers, guint64, j - 1) = t;
        pairs->pdata[j] = pairs->pdata[j - 1];
        pairs->pdata[j - 1] = p;
      }
  return pairs;
}

/* A value column and where its depth comes from: a column, or a fixed number of nm. */
typedef struct
{
  char   *label;
  int     value_column;
  int     depth_column;
  double  depth_nm;
} ScanSpec;

static gboolean
resolve_scan (const char   *name,
              const Header *header,
              const char   *spec,
              ScanSpec     *scan,
              GError      **error)
{
  g_auto(GStrv) parts = g_strsplit (spec, ":", 2);
  char *end;

  if (parts[0] == NULL || parts[1] == NULL || *parts[0] == '\0' || *parts[1] == '\0')
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "value '%s' must be VALUE:DEPTH (a column, then a column or a depth in nm)",
                   spec);
      return FALSE;
    }
  scan->label = g_strdup (parts[0]);
  scan->value_column = find_column (header, parts[0]);
  if (scan->value_column < 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "%s: no column named '%s' in the header", name, parts[0]);
      return FALSE;
    }
  scan->depth_column = find_column (header, parts[1]);
  scan->depth_nm = NAN;
  if (scan->depth_column < 0)
    {
      scan->depth_nm = g_ascii_strtod (parts[1], &end);
      if (*end != '\0' || !isfinite (scan->depth_nm))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "%s: '%s' is neither a column of the header nor a depth in nm",
                       name, parts[1]);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
resolve_xy (const char   *name,
            const Header *header,
            const char   *wanted,
            const char   *fallback,
            int          *column,
            GError      **error)
{
  const char *col = wanted != NULL ? wanted : fallback;

  *column = find_column (header, col);
  if (*column < 0)
    {
      g_set_error (error, EVOX_ERROR, wanted ? EVOX_ERROR_ARGUMENT : EVOX_ERROR_INVALID_DATA,
                   "%s: no column named '%s' in the header%s", name, col,
                   wanted ? "" : " (name the pixel columns with --x and --y)");
      return FALSE;
    }
  return TRUE;
}

/* Reading files. Tables are read into memory, not mapped: a mapped file that shrinks while it
 * is parsed kills the process with SIGBUS, where a read only comes up short. */

#define READ_BLOCK (4u << 20)

/* The first LIMIT bytes of PATH (all of it when LIMIT is 0), NUL-terminated. A file that
 * ends before the size it had when opened has shrunk: an error, as a half table would be. */
static char *
read_table_file (const char     *path,
                 gsize           limit,
                 EvoxProgress   *progress,
                 GCancellable   *cancellable,
                 gsize          *length,
                 GError        **error)
{
  char *buffer;
  struct stat st;
  gsize size, done = 0;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED, "%s: %s", path, g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED, "%s: not a regular file", path);
      close (fd);
      return NULL;
    }
  size = (gsize) st.st_size;
  if (limit > 0)
    size = MIN (size, limit);
  if (!evox_check_allocation (size, 1, "the table's text", error))
    {
      g_prefix_error (error, "%s: ", path);
      close (fd);
      return NULL;
    }
  buffer = _evox_alloc_large (size + 1);
  if (buffer == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE, "%s: out of memory for its text",
                   path);
      close (fd);
      return NULL;
    }
  while (done < size)
    {
      gssize n;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          close (fd);
          _evox_free_large (buffer);
          return NULL;
        }
      evox_progress_update (progress, (double) done / (double) size);
      n = read (fd, buffer + done, MIN (READ_BLOCK, size - done));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int saved = errno;
          if (n < 0)
            g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED, "%s: %s", path,
                         g_strerror (saved));
          else
            g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                         "%s: the file shrank while it was read (%" G_GSIZE_FORMAT " of %"
                         G_GSIZE_FORMAT " bytes)", path, done, size);
          close (fd);
          _evox_free_large (buffer);
          return NULL;
        }
      done += (gsize) n;
    }
  close (fd);
  buffer[size] = '\0';
  *length = size;
  return buffer;
}

/* Enough for a header of 10,000 columns and the first rows. */
#define SNIFF_BYTES (1u << 20)

EvoxSsrmLayout *
evox_ssrm_sniff (const char  *path,
                 GError     **error)
{
  char *text;
  g_auto(Header) header = { 0 };
  g_autoptr(EvoxSsrmLayout) layout = g_new0 (EvoxSsrmLayout, 1);
  LineReader reader;
  gsize length = 0;
  gboolean table;
  int x, y;

  g_return_val_if_fail (path != NULL, NULL);

  text = read_table_file (path, SNIFF_BYTES, NULL, NULL, &length, error);
  if (text == NULL)
    return NULL;
  line_reader_init (&reader, path, text, length);
  table = read_header (&reader, &header, error) && check_first_row (&reader, &header, error);
  _evox_free_large (text);
  if (!table)
    return NULL;
  layout->delimiter = header.delimiter;
  layout->columns = g_strdupv (header.columns);
  if ((x = find_column (&header, "X")) >= 0)
    layout->x_column = g_strdup (header.columns[x]);
  if ((y = find_column (&header, "Y")) >= 0)
    layout->y_column = g_strdup (header.columns[y]);
  layout->values = detect_value_pairs (&header);
  return g_steal_pointer (&layout);
}

/* Rows to the grid. */

typedef struct
{
  gsize    n_rows;
  guint    n_scans;
  double  *x, *y;      /* n_rows */
  float   *values;     /* n_rows * n_scans, scan-major within a row */
  double  *depth_sum;  /* per scan */
  double  *depth_min, *depth_max;
  gsize   *depth_n;
  gsize   *line_of_row;
} Table;

static void
table_clear (Table *t)
{
  _evox_free_large (t->x);
  _evox_free_large (t->y);
  _evox_free_large (t->values);
  g_free (t->depth_sum);
  g_free (t->depth_min);
  g_free (t->depth_max);
  g_free (t->depth_n);
  _evox_free_large (t->line_of_row);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Table, table_clear)

/* Rows between two looks at the cancellable and the progress while parsing. */
#define ROW_BLOCK 4096

/* Bytes between two looks while counting lines; the first touch of a mapped file that is not
 * in the page cache is here, so a large table on a slow disk can take a while. */
#define COUNT_BLOCK (8u << 20)

/* Share of the parse stage given to counting lines: far less than this from the page cache, more
 * when counting is what reads a cold file from the disk. */
#define COUNT_SHARE 0.1

static gboolean
count_lines (const char    *text,
             gsize          length,
             EvoxProgress  *progress,
             GCancellable  *cancellable,
             gsize         *n_lines,
             GError       **error)
{
  gsize n = 1;

  for (gsize block = 0; block < length; block += COUNT_BLOCK)
    {
      const char *p = text + block;
      const char *end = text + MIN (length, block + COUNT_BLOCK);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      evox_progress_update (progress, COUNT_SHARE * (double) block / (double) length);
      for (; (p = memchr (p, '\n', end - p)) != NULL; p++)
        n++;
      /* A CR ends a line too unless a LF follows it (the block's last CR may be a CRLF split
       * across blocks: counting it once more only overestimates). */
      for (p = text + block; (p = memchr (p, '\r', end - p)) != NULL; p++)
        n += p + 1 == end || p[1] != '\n';
    }
  *n_lines = n;
  return TRUE;
}

static gboolean
read_number (const LineReader *reader,
             const Header     *header,
             int               col,
             const char       *start,
             gsize             length,
             gboolean          allow_missing,
             double           *value,
             GError          **error)
{
  FieldKind kind = parse_number (start, length, value);
  g_autofree char *text = NULL;

  if (kind == FIELD_NUMBER || (kind == FIELD_MISSING && allow_missing))
    return TRUE;
  if (kind == FIELD_MISSING)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: line %" G_GSIZE_FORMAT ", column %s: the pixel position is missing",
                   reader->name, reader->number, header->columns[col]);
      return FALSE;
    }
  if (kind == FIELD_NUL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: line %" G_GSIZE_FORMAT ", column %s: a NUL byte inside a number",
                   reader->name, reader->number, header->columns[col]);
      return FALSE;
    }
  text = evox_text_table_field_dup (start, MIN (length, 40));
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
               "%s: line %" G_GSIZE_FORMAT ", column %s: '%s' is not a number",
               reader->name, reader->number, header->columns[col], text);
  return FALSE;
}

static gboolean
read_rows (LineReader         *reader,
           const Header       *header,
           int                 x_col,
           int                 y_col,
           const ScanSpec     *scans,
           guint               n_scans,
           Table              *table,
           EvoxProgress       *progress,
           GCancellable       *cancellable,
           GError            **error)
{
  const char *first = reader->p;
  double span = MAX (1.0, (double) (reader->end - reader->p));
  g_autofree const char **starts = g_new (const char *, header->n_columns);
  g_autofree gsize *lengths = g_new (gsize, header->n_columns);
  const char *line;
  gsize length, capacity;

  if (!count_lines (reader->p, reader->end - reader->p, progress, cancellable, &capacity, error))
    return FALSE;
  if (!evox_check_allocation (capacity, (2 + n_scans) * sizeof (double) + sizeof (gsize),
                              "the table", error))
    {
      g_prefix_error (error, "%s: ", reader->name);
      return FALSE;
    }
  table->n_scans = n_scans;
  table->x = _evox_alloc_large (capacity * sizeof (double));
  table->y = _evox_alloc_large (capacity * sizeof (double));
  table->values = _evox_alloc_large (capacity * n_scans * sizeof (float));
  table->line_of_row = _evox_alloc_large (capacity * sizeof (gsize));
  if (table->x == NULL || table->y == NULL || table->values == NULL ||
      table->line_of_row == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE, "%s: out of memory for the table",
                   reader->name);
      return FALSE;
    }
  table->depth_sum = g_new0 (double, n_scans);
  table->depth_n = g_new0 (gsize, n_scans);
  table->depth_min = g_new (double, n_scans);
  table->depth_max = g_new (double, n_scans);
  for (guint s = 0; s < n_scans; s++)
    {
      table->depth_min[s] = INFINITY;
      table->depth_max[s] = -INFINITY;
    }

  while (next_line (reader, &line, &length))
    {
      gsize row = table->n_rows;
      gsize n = split_fields (line, length, header->delimiter, starts, lengths, header->n_columns);
      double v;

      if (row % ROW_BLOCK == 0)
        {
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
          evox_progress_update (progress, COUNT_SHARE + (1.0 - COUNT_SHARE) *
                                          (double) (line - first) / span);
        }
      if (n != header->n_columns)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "%s: line %" G_GSIZE_FORMAT ": %" G_GSIZE_FORMAT " fields, but the header "
                       "has %u columns", reader->name, reader->number, n, header->n_columns);
          return FALSE;
        }
      g_assert (row < capacity);

#define NUMBER_OR_FAIL(col, allow_missing)                                                     \
      do {                                                                                     \
        if (!read_number (reader, header, col, starts[col], lengths[col], allow_missing, &v,   \
                          error))                                                              \
          return FALSE;                                                                        \
      } while (0)

      NUMBER_OR_FAIL (x_col, FALSE);
      table->x[row] = v;
      NUMBER_OR_FAIL (y_col, FALSE);
      table->y[row] = v;
      for (guint s = 0; s < n_scans; s++)
        {
          NUMBER_OR_FAIL (scans[s].value_column, TRUE);
          table->values[row * n_scans + s] = (float) v;
          if (scans[s].depth_column >= 0)
            {
              NUMBER_OR_FAIL (scans[s].depth_column, TRUE);
              if (isfinite (v))
                {
                  table->depth_sum[s] += v;
                  table->depth_n[s]++;
                  table->depth_min[s] = MIN (table->depth_min[s], v);
                  table->depth_max[s] = MAX (table->depth_max[s], v);
                }
            }
        }
#undef NUMBER_OR_FAIL
      table->line_of_row[row] = reader->number;
      table->n_rows++;
    }

  if (table->n_rows == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: the header is followed by no data rows", reader->name);
      return FALSE;
    }
  return TRUE;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double da = *(const double *) a, db = *(const double *) b;
  return (da > db) - (da < db);
}

static double *
unique_sorted (const double *v,
               gsize         n,
               gsize        *n_unique)
{
  double *u = g_memdup2 (v, n * sizeof (double));
  gsize k = 0;

  qsort (u, n, sizeof (double), compare_double);
  for (gsize i = 0; i < n; i++)
    if (k == 0 || u[i] != u[k - 1])
      u[k++] = u[i];
  *n_unique = k;
  return u;
}

static gsize
index_of (const double *sorted,
          gsize         n,
          double        v)
{
  gsize lo = 0, hi = n;

  while (hi - lo > 1)
    {
      gsize mid = (lo + hi) / 2;
      if (sorted[mid] <= v)
        lo = mid;
      else
        hi = mid;
    }
  return lo;
}

/* Places every row at its (X, Y) rank; a cell given twice is an error, a cell never given is
 * missing (NaN), and a table with more holes than values is not a grid at all. */
static gboolean
grid_scans (const char     *name,
            const Table    *table,
            const ScanSpec *specs,
            EvoxScanInput  *scans,
            gsize          *nx_out,
            gsize          *ny_out,
            gsize          *n_missing,
            EvoxProgress   *progress,
            GCancellable   *cancellable,
            GError        **error)
{
  gsize nx, ny, n_cells;
  g_autofree double *xs = NULL;
  g_autofree double *ys = NULL;
  g_autofree gsize *owner = NULL;

  /* Sorting the coordinates is about half of this stage, placing the rows the other half. */
  xs = unique_sorted (table->x, table->n_rows, &nx);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  evox_progress_update (progress, 0.25);
  ys = unique_sorted (table->y, table->n_rows, &ny);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  evox_progress_update (progress, 0.5);

  if (!g_size_checked_mul (&n_cells, nx, ny) ||
      !evox_check_allocation (n_cells, sizeof (gsize) + table->n_scans * sizeof (float),
                              "the pixel grid", error))
    {
      g_clear_error (error);
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "%s: %" G_GSIZE_FORMAT " distinct X by %" G_GSIZE_FORMAT " distinct Y values "
                   "is too large a grid", name, nx, ny);
      return FALSE;
    }
  if (table->n_rows * 2 < n_cells)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: X and Y do not form a rectangular grid: %" G_GSIZE_FORMAT " rows for %"
                   G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " pixels", name, table->n_rows, nx, ny);
      return FALSE;
    }

  owner = g_new0 (gsize, n_cells);
  for (guint s = 0; s < table->n_scans; s++)
    {
      scans[s].values = g_new (float, n_cells);
      for (gsize i = 0; i < n_cells; i++)
        scans[s].values[i] = NAN;
    }
  for (gsize row = 0; row < table->n_rows; row++)
    {
      gsize cell = index_of (ys, ny, table->y[row]) * nx + index_of (xs, nx, table->x[row]);

      if (row % ROW_BLOCK == 0)
        {
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
          evox_progress_update (progress, 0.5 + 0.5 * (double) row / (double) table->n_rows);
        }
      if (owner[cell] != 0)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "%s: line %" G_GSIZE_FORMAT ": pixel X=%g, Y=%g was already given on line %"
                       G_GSIZE_FORMAT, name, table->line_of_row[row], table->x[row],
                       table->y[row], table->line_of_row[owner[cell] - 1]);
          return FALSE;
        }
      owner[cell] = row + 1;
      for (guint s = 0; s < table->n_scans; s++)
        scans[s].values[cell] = table->values[row * table->n_scans + s];
    }

  for (guint s = 0; s < table->n_scans; s++)
    {
      scans[s].label = g_strdup (specs[s].label);
      scans[s].z_nm = specs[s].depth_nm;
      if (specs[s].depth_column >= 0)
        {
          if (table->depth_n[s] == 0)
            {
              g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                           "%s: scan %s has no depth: its depth column is empty", name,
                           specs[s].label);
              return FALSE;
            }
          scans[s].z_nm = table->depth_sum[s] / (double) table->depth_n[s];
        }
    }
  *nx_out = nx;
  *ny_out = ny;
  *n_missing = n_cells - table->n_rows;
  return TRUE;
}

static void
free_scan_inputs (EvoxScanInput *scans,
                  guint          n)
{
  for (guint i = 0; i < n; i++)
    {
      g_free (scans[i].values);
      g_free (scans[i].label);
    }
  g_free (scans);
}

static void
free_specs (ScanSpec *specs,
            guint     n)
{
  for (guint i = 0; i < n; i++)
    g_free (specs[i].label);
  g_free (specs);
}

/**
 * evox_ssrm_parse:
 * @name: what to call the text in messages (the file name)
 * @progress: (nullable): where to report: parsing, gridding and interpolation as three stages
 * @cancellable: (nullable): checked every few thousand rows and every layer
 *
 * Reads a table already in memory. The header row names the columns; the delimiter (comma, tab,
 * semicolon, or runs of whitespace) is the one the header uses most.
 */
EvoxVolume *
evox_ssrm_parse (const char             *name,
                 const char             *text,
                 gsize                   length,
                 const EvoxSsrmOptions  *options,
                 EvoxProgress           *progress,
                 GCancellable           *cancellable,
                 GError                **error)
{
  g_autoptr(EvoxSsrmOptions) defaults = NULL;
  g_auto(Header) header = { 0 };
  g_auto(Table) table = { 0 };
  g_autoptr(GPtrArray) pairs = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  LineReader reader;
  ScanSpec *specs = NULL;
  EvoxScanInput *scans = NULL;
  guint n_scans = 0;
  int x_col, y_col;
  gsize nx, ny, n_missing;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  if (options == NULL)
    options = defaults = evox_ssrm_options_new ();
  line_reader_init (&reader, name, text, length);

  if (!read_header (&reader, &header, error) ||
      !check_first_row (&reader, &header, error) ||
      !resolve_xy (name, &header, options->x_column, "X", &x_col, error) ||
      !resolve_xy (name, &header, options->y_column, "Y", &y_col, error))
    return NULL;

  if (options->values != NULL && options->values->len > 0)
    pairs = g_ptr_array_ref (options->values);
  else
    pairs = detect_value_pairs (&header);
  if (pairs->len == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: no value columns: the header has no R0,Z0-style pairs (name them with "
                   "--value VALUE:DEPTH)", name);
      return NULL;
    }

  n_scans = pairs->len;
  specs = g_new0 (ScanSpec, n_scans);
  for (guint s = 0; s < n_scans; s++)
    if (!resolve_scan (name, &header, pairs->pdata[s], &specs[s], error))
      goto out;

  /* Weighed by time on the real table: parsing the text is nearly all of it. */
  evox_progress_set_stage (progress, "Reading the SSRM table", 0.0, 0.9);
  if (!read_rows (&reader, &header, x_col, y_col, specs, n_scans, &table, progress, cancellable,
                  error))
    goto out;

  evox_progress_set_stage (progress, "Placing SSRM pixels on the grid", 0.9, 0.95);
  scans = g_new0 (EvoxScanInput, n_scans);
  if (!grid_scans (name, &table, specs, scans, &nx, &ny, &n_missing, progress, cancellable,
                   error))
    goto out;

  evox_progress_push (progress, 0.95, 1.0);
  volume = evox_ssrm_stack_new_with_progress (nx, ny, scans, n_scans, options->dz_nm,
                                              options->pixel_size_nm == 0
                                                ? 1.0 : options->pixel_size_nm,
                                              options->scale, progress, cancellable, error);
  evox_progress_pop (progress);
  if (volume == NULL)
    {
      g_prefix_error (error, "%s: ", name);
      goto out;
    }
  {
    g_autofree char *missing = g_strdup_printf ("%" G_GSIZE_FORMAT, n_missing);
    char delimiter[2] = { header.delimiter, 0 };

    evox_volume_set_metadata (volume, "source_file", name);
    evox_volume_set_metadata (volume, "ssrm_delimiter",
                              header.delimiter == '\t' ? "tab" :
                              header.delimiter == ' ' ? "whitespace" : delimiter);
    evox_volume_set_metadata (volume, "missing_pixels", missing);
  }
  /* A table holds depths in nm but no pixel size: unless one was given, lengths across the scan
   * are not known (the window asks, the command line counts voxels). */
  evox_volume_set_spacing_known (volume, options->pixel_size_nm > 0);
  for (guint s = 0; s < n_scans; s++)
    if (specs[s].depth_column >= 0 && table.depth_max[s] - table.depth_min[s] > 1.0)
      {
        g_autofree char *warning = g_strdup_printf ("depth of scan %s varies from %g to %g nm; "
                                                    "its mean is used", specs[s].label,
                                                    table.depth_min[s], table.depth_max[s]);
        evox_volume_set_metadata (volume, "warning", warning);
      }

out:
  if (scans != NULL)
    free_scan_inputs (scans, n_scans);
  free_specs (specs, n_scans);
  return g_steal_pointer (&volume);
}

/**
 * evox_ssrm_read:
 * @progress: (nullable): where to report, as for evox_ssrm_parse()
 * @cancellable: (nullable): checked every few thousand rows and every layer
 */
EvoxVolume *
evox_ssrm_read (const char             *path,
                const EvoxSsrmOptions  *options,
                EvoxProgress           *progress,
                GCancellable           *cancellable,
                GError                **error)
{
  EvoxVolume *volume;
  char *text;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);

  /* Reading the file is a small share next to parsing it. */
  evox_progress_set_stage (progress, "Reading the SSRM table", 0.0, 0.05);
  text = read_table_file (path, 0, progress, cancellable, &length, error);
  if (text == NULL)
    return NULL;
  evox_progress_push (progress, 0.05, 1.0);
  volume = evox_ssrm_parse (path, text, length, options, progress, cancellable, error);
  evox_progress_pop (progress);
  _evox_free_large (text);
  return volume;
}
