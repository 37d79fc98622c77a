/* evox-feature-file.c: NumPy .npy matrices (read and write) and feature CSV tables, placed on
 * a voxel grid as a multi-channel volume. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "evox-feature-file.h"
#include "evox-output.h"
#include "evox-text-table.h"
#include "evox-types.h"

/* The .npy format (numpy.lib.format): the magic "\x93NUMPY", a major and minor version byte, the
 * header's length (2 bytes little-endian in version 1, 4 bytes in 2 and 3), then the header, a
 * Python dict literal {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), } padded with
 * spaces to a multiple of 64 bytes and ending in '\n', then the data. Version 3 only allows
 * UTF-8 in field names, which a 2D matrix has none of. */

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LENGTH 6
/* numpy itself refuses headers over 10,000 bytes unless told otherwise; a matrix's header is
 * under 200, so anything near this is not a matrix */
#define NPY_MAX_HEADER (1 << 20)

typedef struct
{
  char      kind;       /* 'f', 'i' or 'u' */
  guint     size;       /* bytes */
  gboolean  swap;       /* stored in the other byte order than this machine's */
} NpyType;

typedef struct
{
  char     *descr;
  gboolean  have_descr;
  gboolean  fortran;
  gboolean  have_fortran;
  guint64   shape[4];
  guint     n_dims;
  gboolean  have_shape;
} NpyHeader;

/* A tiny reader of the one dict literal numpy writes: string keys; string, True/False and
 * tuple-of-integers values. */
typedef struct
{
  const char *p;
  const char *end;
} Scanner;

static void
skip_space (Scanner *s)
{
  while (s->p < s->end && g_ascii_isspace (*s->p))
    s->p++;
}

static gboolean
accept (Scanner *s,
        char     c)
{
  skip_space (s);
  if (s->p < s->end && *s->p == c)
    {
      s->p++;
      return TRUE;
    }
  return FALSE;
}

static char *
scan_string (Scanner *s)
{
  char quote;
  const char *start;

  skip_space (s);
  if (s->p >= s->end || (*s->p != '\'' && *s->p != '"'))
    return NULL;
  quote = *s->p++;
  start = s->p;
  while (s->p < s->end && *s->p != quote)
    {
      if (*s->p == '\\' || *s->p == '\0')
        return NULL;
      s->p++;
    }
  if (s->p >= s->end)
    return NULL;
  s->p++;
  return g_strndup (start, s->p - 1 - start);
}

static gboolean
scan_word (Scanner    *s,
           const char *word)
{
  gsize n = strlen (word);

  skip_space (s);
  if ((gsize) (s->end - s->p) >= n && memcmp (s->p, word, n) == 0)
    {
      s->p += n;
      return TRUE;
    }
  return FALSE;
}

/* A tuple of non-negative integers, "(3, 4)", "(5,)" or "()"; FALSE for anything else,
 * including numbers past 2^63. */
static gboolean
scan_shape (Scanner *s,
            guint64  shape[4],
            guint   *n_dims)
{
  *n_dims = 0;
  if (!accept (s, '('))
    return FALSE;
  for (;;)
    {
      guint64 value = 0;
      gboolean digits = FALSE;

      if (accept (s, ')'))
        return TRUE;
      skip_space (s);
      while (s->p < s->end && g_ascii_isdigit (*s->p))
        {
          if (value > (G_MAXINT64 - 9) / 10)
            return FALSE;
          value = value * 10 + (*s->p++ - '0');
          digits = TRUE;
        }
      /* numpy 1.x wrote shapes of Python 2 longs as "3L" */
      if (digits && s->p < s->end && *s->p == 'L')
        s->p++;
      if (!digits)
        return FALSE;
      if (*n_dims < 4)
        shape[*n_dims] = value;
      (*n_dims)++;
      if (accept (s, ')'))
        return TRUE;
      if (!accept (s, ','))
        return FALSE;
    }
}

static gboolean
parse_header (const char  *text,
              gsize        length,
              NpyHeader   *h,
              const char **problem)
{
  Scanner s = { text, text + length };

  if (!accept (&s, '{'))
    {
      *problem = "the header is not a dict";
      return FALSE;
    }
  for (;;)
    {
      g_autofree char *key = NULL;

      if (accept (&s, '}'))
        break;
      key = scan_string (&s);
      if (key == NULL || !accept (&s, ':'))
        {
          *problem = "the header is not a dict of named entries";
          return FALSE;
        }
      if (strcmp (key, "descr") == 0)
        {
          skip_space (&s);
          if (s.p < s.end && *s.p == '[')
            {
              *problem = "a structured array (named fields) is not a matrix";
              return FALSE;
            }
          g_free (h->descr);
          h->descr = scan_string (&s);
          if (h->descr == NULL)
            {
              *problem = "the header's 'descr' is not a type string";
              return FALSE;
            }
          h->have_descr = TRUE;
        }
      else if (strcmp (key, "fortran_order") == 0)
        {
          if (scan_word (&s, "True"))
            h->fortran = TRUE;
          else if (scan_word (&s, "False"))
            h->fortran = FALSE;
          else
            {
              *problem = "the header's 'fortran_order' is not True or False";
              return FALSE;
            }
          h->have_fortran = TRUE;
        }
      else if (strcmp (key, "shape") == 0)
        {
          if (!scan_shape (&s, h->shape, &h->n_dims))
            {
              *problem = "the header's 'shape' is not a tuple of sizes";
              return FALSE;
            }
          h->have_shape = TRUE;
        }
      else
        {
          *problem = "the header has an entry other than 'descr', 'fortran_order' and 'shape'";
          return FALSE;
        }
      if (accept (&s, '}'))
        break;
      if (!accept (&s, ','))
        {
          *problem = "the header's entries are not separated by commas";
          return FALSE;
        }
    }
  skip_space (&s);
  if (s.p != s.end)
    {
      *problem = "the header has text after its dict";
      return FALSE;
    }
  if (!h->have_descr || !h->have_fortran || !h->have_shape)
    {
      *problem = "the header lacks 'descr', 'fortran_order' or 'shape'";
      return FALSE;
    }
  return TRUE;
}

/* '<f8', '>f4', '|u1', '=i2'... and what this reader makes of it. */
static gboolean
parse_descr (const char *descr,
             gboolean    allow_integer,
             NpyType    *type)
{
  gboolean little = G_BYTE_ORDER == G_LITTLE_ENDIAN;
  gboolean file_little;
  char order, kind;
  char *end;
  guint64 size;

  if (strlen (descr) < 3)
    return FALSE;
  order = descr[0];
  kind = descr[1];
  size = g_ascii_strtoull (descr + 2, &end, 10);
  if (*end != '\0' || end == descr + 2)
    return FALSE;
  switch (order)
    {
    case '<': file_little = TRUE; break;
    case '>': file_little = FALSE; break;
    case '=': file_little = little; break;
    case '|':
      if (size != 1)
        return FALSE;
      file_little = little;
      break;
    default:
      return FALSE;
    }
  if (kind == 'f')
    {
      if (size != 4 && size != 8)
        return FALSE;
    }
  else if (kind == 'i' || kind == 'u')
    {
      if (!allow_integer || (size != 1 && size != 2 && size != 4 && size != 8))
        return FALSE;
    }
  else
    return FALSE;
  type->kind = kind;
  type->size = size;
  type->swap = size > 1 && file_little != little;
  return TRUE;
}

static double
npy_value (const guint8  *p,
           const NpyType *t)
{
  guint8 b[8];

  memcpy (b, p, t->size);
  if (t->swap)
    for (guint i = 0; i < t->size / 2; i++)
      {
        guint8 tmp = b[i];

        b[i] = b[t->size - 1 - i];
        b[t->size - 1 - i] = tmp;
      }
  switch (t->kind)
    {
    case 'f':
      if (t->size == 4)
        {
          float f;

          memcpy (&f, b, 4);
          return f;
        }
      else
        {
          double d;

          memcpy (&d, b, 8);
          return d;
        }
    case 'i':
      switch (t->size)
        {
        case 1: return (gint8) b[0];
        case 2: { gint16 v; memcpy (&v, b, 2); return v; }
        case 4: { gint32 v; memcpy (&v, b, 4); return v; }
        default: { gint64 v; memcpy (&v, b, 8); return (double) v; }
        }
    default:
      switch (t->size)
        {
        case 1: return b[0];
        case 2: { guint16 v; memcpy (&v, b, 2); return v; }
        case 4: { guint32 v; memcpy (&v, b, 4); return v; }
        default: { guint64 v; memcpy (&v, b, 8); return (double) v; }
        }
    }
}

void
evox_npy_matrix_free (EvoxNpyMatrix *self)
{
  if (self == NULL)
    return;
  g_free (self->data);
  g_free (self);
}

static void
npy_header_clear (NpyHeader *h)
{
  g_clear_pointer (&h->descr, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (NpyHeader, npy_header_clear)

static void
close_file (FILE *f)
{
  if (f != NULL)
    fclose (f);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FILE, close_file)

static gboolean
read_exact (FILE   *f,
            void   *buffer,
            gsize   n)
{
  return fread (buffer, 1, n, f) == n;
}

EvoxNpyMatrix *
evox_npy_read (const char  *path,
               gboolean     allow_integer,
               GError     **error)
{
  g_autoptr (FILE) f = NULL;
  g_autoptr (EvoxNpyMatrix) m = NULL;
  g_auto (NpyHeader) h = { 0 };
  g_autofree char *header = NULL;
  g_autofree guint8 *chunk = NULL;
  const char *problem = NULL;
  guint8 preamble[12];
  guint8 version;
  guint64 header_length, data_offset, n_values, chunk_values;
  GStatBuf st;
  NpyType type;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  f = g_fopen (path, "rb");
  if (f == NULL || fstat (fileno (f), &st) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s: %s", path,
                   g_strerror (saved));
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "%s: not a regular file", path);
      return NULL;
    }
  if (!read_exact (f, preamble, 8) || memcmp (preamble, NPY_MAGIC, NPY_MAGIC_LENGTH) != 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: not a NumPy .npy file (no \\x93NUMPY at its start)", path);
      return NULL;
    }
  version = preamble[6];
  if (version == 1)
    {
      if (!read_exact (f, preamble + 8, 2))
        goto truncated;
      header_length = preamble[8] | (guint) preamble[9] << 8;
      data_offset = 10;
    }
  else if (version == 2 || version == 3)
    {
      if (!read_exact (f, preamble + 8, 4))
        goto truncated;
      header_length = preamble[8] | (guint32) preamble[9] << 8 | (guint32) preamble[10] << 16 |
                      (guint32) preamble[11] << 24;
      data_offset = 12;
    }
  else
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                   "%s: .npy format version %u.%u, which Evox does not read (1.0, 2.0 and 3.0)",
                   path, preamble[6], preamble[7]);
      return NULL;
    }
  if (header_length > NPY_MAX_HEADER)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: a .npy header of %" G_GUINT64_FORMAT " bytes is not a matrix's", path,
                   header_length);
      return NULL;
    }
  if (data_offset + header_length > (guint64) st.st_size)
    goto truncated;
  header = g_malloc (header_length + 1);
  if (!read_exact (f, header, header_length))
    goto truncated;
  header[header_length] = '\0';
  data_offset += header_length;
  if (memchr (header, '\0', header_length) != NULL)
    problem = "the header holds a NUL byte";
  else
    parse_header (header, header_length, &h, &problem);
  if (problem != NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "%s: %s", path, problem);
      return NULL;
    }
  if (strchr (h.descr, 'O') != NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                   "%s: an array of Python objects ('%s'), not a matrix of numbers", path,
                   h.descr);
      return NULL;
    }
  if (!parse_descr (h.descr, allow_integer, &type))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                   "%s: element type '%s' is not a %s", path, h.descr,
                   allow_integer ? "float (f4, f8) or integer type"
                                 : "float type (f4 or f8: a 2D float matrix is needed)");
      return NULL;
    }
  if (h.n_dims != 2)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: a %u-dimensional array, not a 2D matrix (rows x columns)", path,
                   h.n_dims);
      return NULL;
    }
  if (h.shape[0] == 0 || h.shape[1] == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: an empty matrix (%" G_GUINT64_FORMAT " x %" G_GUINT64_FORMAT ")", path,
                   h.shape[0], h.shape[1]);
      return NULL;
    }
  /* the file must hold what the shape says before anything that size is allocated */
  if (h.shape[0] > G_MAXUINT64 / h.shape[1] ||
      h.shape[0] * h.shape[1] > G_MAXUINT64 / type.size ||
      h.shape[0] * h.shape[1] * type.size > (guint64) st.st_size - data_offset)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: truncated: a %" G_GUINT64_FORMAT " x %" G_GUINT64_FORMAT " matrix of "
                   "'%s' does not fit in the %" G_GUINT64_FORMAT " bytes after the header", path,
                   h.shape[0], h.shape[1], h.descr, (guint64) st.st_size - data_offset);
      return NULL;
    }
  n_values = h.shape[0] * h.shape[1];
  {
    g_autofree char *what = g_strdup_printf ("%s (%" G_GUINT64_FORMAT " x %" G_GUINT64_FORMAT
                                             " values)", path, h.shape[0], h.shape[1]);

    if (!evox_check_allocation (n_values, sizeof (double), what, error))
      return NULL;
  }
  m = g_new0 (EvoxNpyMatrix, 1);
  m->rows = h.shape[0];
  m->cols = h.shape[1];
  m->data = g_try_new (double, n_values);
  if (m->data == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "%s: %" G_GUINT64_FORMAT " values do not fit in memory", path, n_values);
      return NULL;
    }

  /* the data in chunks, each value to its row-major place whatever the file's order */
  chunk_values = MAX (65536 / type.size, 1);
  chunk = g_malloc (chunk_values * type.size);
  for (guint64 done = 0; done < n_values;)
    {
      guint64 n = MIN (chunk_values, n_values - done);

      if (!read_exact (f, chunk, n * type.size))
        goto truncated;
      for (guint64 k = 0; k < n; k++)
        {
          guint64 at = done + k;
          guint64 dest = h.fortran ? (at % m->rows) * m->cols + at / m->rows : at;

          m->data[dest] = npy_value (chunk + k * type.size, &type);
        }
      done += n;
    }
  return g_steal_pointer (&m);

truncated:
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "%s: truncated .npy file", path);
  return NULL;
}

typedef struct
{
  const double *data;
  gsize         rows;
  gsize         cols;
  gboolean      f64;
} NpyWrite;

static gboolean
write_npy_fd (int          fd,
              const char  *path,
              gpointer     user_data,
              GError     **error)
{
  const NpyWrite *w = user_data;
  g_autoptr (GString) head = g_string_new (NULL);
  g_autofree guint8 *buffer = NULL;
  const gsize item = w->f64 ? 8 : 4, chunk = 8192;
  gsize dict_start;
  FILE *f = fdopen (fd, "wb");

  if (f == NULL)
    {
      _evox_output_set_write_error (error, errno, path);
      close (fd);
      return FALSE;
    }
  g_string_append_len (head, NPY_MAGIC "\x01\x00", NPY_MAGIC_LENGTH + 2);
  g_string_append_len (head, "\0\0", 2);
  dict_start = head->len;
  g_string_append_printf (head, "{'descr': '<f%u', 'fortran_order': False, 'shape': (%"
                          G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT "), }", (guint) item, w->rows,
                          w->cols);
  /* as numpy.lib.format writes it: room for the row count to grow to 21 digits, then spaces
   * up to the next multiple of 64 bytes (64 when already there) with the '\n' */
  {
    g_autofree char *rows = g_strdup_printf ("%" G_GSIZE_FORMAT, w->rows);
    gsize pad;

    for (gsize k = strlen (rows); k < 21; k++)
      g_string_append_c (head, ' ');
    pad = 64 - (head->len + 1) % 64;
    for (gsize k = 0; k < pad; k++)
      g_string_append_c (head, ' ');
  }
  g_string_append_c (head, '\n');
  head->str[8] = (head->len - dict_start) & 0xff;
  head->str[9] = (head->len - dict_start) >> 8;
  if (fwrite (head->str, 1, head->len, f) != head->len)
    goto failed;

  buffer = g_malloc (chunk * item);
  for (gsize done = 0, total = w->rows * w->cols; done < total;)
    {
      gsize n = MIN (chunk, total - done);

      for (gsize k = 0; k < n; k++)
        {
          if (w->f64)
            {
              guint64 bits;

              memcpy (&bits, &w->data[done + k], 8);
              bits = GUINT64_TO_LE (bits);
              memcpy (buffer + k * 8, &bits, 8);
            }
          else
            {
              float v = w->data[done + k];
              guint32 bits;

              memcpy (&bits, &v, 4);
              bits = GUINT32_TO_LE (bits);
              memcpy (buffer + k * 4, &bits, 4);
            }
        }
      if (fwrite (buffer, item, n, f) != n)
        goto failed;
      done += n;
    }
  if (fflush (f) != 0 || fsync (fileno (f)) != 0)
    goto failed;
  if (fclose (f) != 0)
    {
      _evox_output_set_write_error (error, errno, path);
      return FALSE;
    }
  return TRUE;

failed:
  {
    int saved = errno;

    fclose (f);
    _evox_output_set_write_error (error, saved, path);
    return FALSE;
  }
}

gboolean
evox_npy_write (const char    *path,
                const double  *data,
                gsize          rows,
                gsize          cols,
                gboolean       f64,
                GError       **error)
{
  NpyWrite w = { data, rows, cols, f64 };

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (data != NULL || rows * cols == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return _evox_output_write (path, TRUE, write_npy_fd, &w, error);
}

/* Placing. Coordinates must be whole non-negative numbers below this, so the grid's sizes and
 * their product are checked in exact integers before the memory cap is asked. */
#define MAX_COORDINATE ((double) (1u << 30))

/* features: rows x d (row-major); coords: rows x n_coords (x first). what names the file(s) in
 * messages. */
static EvoxVolume *
place_features (const char   *what,
                const double *features,
                const double *coords,
                gsize         rows,
                guint         d,
                guint         n_coords,
                char * const *names,
                GError      **error)
{
  g_autoptr (EvoxVolume) volume = NULL;
  g_autofree guint8 *seen = NULL;
  gsize dims[3] = { 1, 1, 1 }, n_voxels;

  for (gsize r = 0; r < rows; r++)
    for (guint a = 0; a < n_coords; a++)
      {
        double c = coords[r * n_coords + a];
        const char *problem = NULL;

        if (isnan (c))
          problem = "is NaN";
        else if (c < 0)
          problem = "is negative";
        else if (c != floor (c))
          problem = "is not a whole number";
        else if (c >= MAX_COORDINATE)
          problem = "is too large for a voxel index";
        if (problem != NULL)
          {
            g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                         "%s: row %" G_GSIZE_FORMAT ": coordinate %c = %g %s", what, r + 1,
                         "xyz"[a], c, problem);
            return NULL;
          }
        dims[a] = MAX (dims[a], (gsize) c + 1);
      }
  if (!g_size_checked_mul (&n_voxels, dims[0], dims[1]) ||
      !g_size_checked_mul (&n_voxels, n_voxels, dims[2]))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "%s: a %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                   " grid is too large", what, dims[0], dims[1], dims[2]);
      return NULL;
    }
  {
    g_autofree char *grid = g_strdup_printf ("%s: a %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                                             " x %" G_GSIZE_FORMAT " grid of %u features",
                                             what, dims[0], dims[1], dims[2], d);

    if (!evox_check_allocation (n_voxels, (gsize) d * sizeof (float) + 1, grid, error))
      return NULL;
  }
  volume = evox_volume_new (dims[0], dims[1], dims[2], d, EVOX_SAMPLE_F32, error);
  if (volume == NULL)
    {
      g_prefix_error (error, "%s: ", what);
      return NULL;
    }
  seen = g_try_malloc0 (n_voxels);
  if (seen == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE, "%s: the grid does not fit in memory",
                   what);
      return NULL;
    }
  for (guint c = 0; c < d; c++)
    {
      float *data = evox_volume_get_data_mut (volume, c);

      for (gsize i = 0; i < n_voxels; i++)
        data[i] = NAN;
      evox_volume_set_channel_info (volume, c, names[c], NAN);
    }
  for (gsize r = 0; r < rows; r++)
    {
      gsize at[3] = { 0, 0, 0 }, i;

      for (guint a = 0; a < n_coords; a++)
        at[a] = (gsize) coords[r * n_coords + a];
      i = (at[2] * dims[1] + at[1]) * dims[0] + at[0];
      if (seen[i])
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "%s: row %" G_GSIZE_FORMAT " repeats the coordinates (%" G_GSIZE_FORMAT
                       ", %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ") of an earlier row", what,
                       r + 1, at[0], at[1], at[2]);
          return NULL;
        }
      seen[i] = 1;
      for (guint c = 0; c < d; c++)
        ((float *) evox_volume_get_data_mut (volume, c))[i] = features[r * d + c];
    }
  evox_volume_set_values (volume, EVOX_SCALE_LINEAR, "feature", NULL);
  evox_volume_freeze (volume);
  return g_steal_pointer (&volume);
}

EvoxVolume *
evox_feature_file_load_npy (const char  *features_path,
                            const char  *coords_path,
                            GError     **error)
{
  g_autoptr (EvoxNpyMatrix) features = NULL;
  g_autoptr (EvoxNpyMatrix) coords = NULL;
  g_autofree char *what = NULL;
  g_auto (GStrv) names = NULL;

  g_return_val_if_fail (features_path != NULL && coords_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  features = evox_npy_read (features_path, FALSE, error);
  if (features == NULL)
    return NULL;
  coords = evox_npy_read (coords_path, TRUE, error);
  if (coords == NULL)
    return NULL;
  what = g_strdup_printf ("%s, %s", features_path, coords_path);
  if (coords->cols != 2 && coords->cols != 3)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: coordinates need 2 or 3 columns (x, y[, z]), not %" G_GSIZE_FORMAT,
                   coords_path, coords->cols);
      return NULL;
    }
  if (coords->rows != features->rows)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: %" G_GSIZE_FORMAT " feature rows but %" G_GSIZE_FORMAT " coordinate "
                   "rows", what, features->rows, coords->rows);
      return NULL;
    }
  if (features->cols > 65535)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: %" G_GSIZE_FORMAT " features per row is more than Evox takes (65535)",
                   features_path, features->cols);
      return NULL;
    }
  names = g_new0 (char *, features->cols + 1);
  for (gsize c = 0; c < features->cols; c++)
    names[c] = g_strdup_printf ("f%" G_GSIZE_FORMAT, c);
  return place_features (what, features->data, coords->data, features->rows, features->cols,
                         coords->cols, names, error);
}

/* Feature CSV tables: a header row naming the columns, then rows of numbers; comma, tab,
 * semicolon or whitespace delimited (whichever the header has most of), '#' comments and blank
 * lines skipped, LF, CRLF or CR line ends, a byte-order mark: the rules of evox-text-table.h,
 * which the SSRM reader follows too. Fields here may be quoted (RFC 4180). */

/* A field in double quotes (RFC 4180, as Evox's CSV writers quote names): delimiters inside it
 * are text and "" is one quote. p is at the opening quote; returns past the closing one. */
static const char *
quoted_field (const char *p,
              const char *end,
              GString    *out)
{
  for (p++; p < end; p++)
    {
      if (*p != '"')
        g_string_append_c (out, *p);
      else if (p + 1 < end && p[1] == '"')
        g_string_append_c (out, *p++);
      else
        return p + 1;
    }
  return p;
}

/* The fields of a line, trimmed, quotes around a field removed. */
static GPtrArray *
csv_fields (const char *line,
            gsize       length,
            char        delimiter)
{
  GPtrArray *fields = g_ptr_array_new_with_free_func (g_free);
  const char *p = line, *end = line + length;

  for (;;)
    {
      const char *s, *e;

      if (delimiter == ' ')
        {
          while (p < end && (*p == ' ' || *p == '\t'))
            p++;
          if (p == end)
            break;
          s = p;
          while (p < end && *p != ' ' && *p != '\t')
            p++;
          e = p;
        }
      else
        {
          s = p;
          /* blanks before the field, but not the delimiter itself when it is a tab */
          while (s < end && *s != delimiter && (*s == ' ' || *s == '\t'))
            s++;
          if (s < end && *s == '"')
            {
              GString *text = g_string_new (NULL);

              /* anything between the closing quote and the delimiter is dropped */
              p = quoted_field (s, end, text);
              e = memchr (p, delimiter, end - p);
              p = e != NULL ? e : end;
              g_ptr_array_add (fields, g_string_free (text, FALSE));
              if (p == end)
                break;
              p++;
              continue;
            }
          e = memchr (p, delimiter, end - p);
          if (e == NULL)
            e = end;
          p = e;
        }
      g_ptr_array_add (fields, evox_text_table_field_dup (s, e - s));
      if (delimiter != ' ')
        {
          /* after the last delimiter comes one more field, empty or not */
          if (p == end)
            break;
          p++;
        }
    }
  return fields;
}

/* A number, or NaN for an empty field, "nan" or "NA"; FALSE for anything else. */
static gboolean
csv_number (const char *text,
            double     *value)
{
  char *end;

  if (*text == '\0' || g_ascii_strcasecmp (text, "nan") == 0 ||
      g_ascii_strcasecmp (text, "na") == 0)
    {
      *value = NAN;
      return TRUE;
    }
  *value = g_ascii_strtod (text, &end);
  return end != text && *end == '\0';
}

EvoxVolume *
evox_feature_file_load_csv (const char  *path,
                            GError     **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GPtrArray) header = NULL;
  g_autoptr (GArray) features = NULL;
  g_autoptr (GArray) coords = NULL;
  g_auto (GStrv) names = NULL;
  const char *p, *end, *line;
  gsize length, text_length, number = 0, rows = 0;
  int axis_column[3] = { -1, -1, -1 };
  guint n_coords, d = 0;
  char delimiter;
  GStatBuf st;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* the text, and its numbers as doubles: at most 8 bytes for every 2 characters ("1,") */
  if (g_stat (path, &st) == 0 &&
      !evox_check_allocation ((guint64) st.st_size, 5, path, error))
    return NULL;
  if (!g_file_get_contents (path, &text, &text_length, error))
    return NULL;
  p = text;
  end = text + text_length;
  evox_text_table_skip_bom (&p, &text_length);
  if (memchr (p, '\0', end - p) != NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: holds a NUL byte; not a text table", path);
      return NULL;
    }
  if (!evox_text_table_next_line (&p, end, &number, &line, &length))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: no header row (the file is empty or only comments)", path);
      return NULL;
    }
  delimiter = evox_text_table_delimiter (line, length);
  header = csv_fields (line, length, delimiter);
  if (header->len > 65535 + 3)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: %u columns is more than Evox takes", path, header->len);
      return NULL;
    }
  for (guint i = 0; i < header->len; i++)
    {
      const char *name = header->pdata[i];
      double dummy;
      int a = -1;

      if (*name != '\0' && csv_number (name, &dummy) && !isnan (dummy))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "%s: line %" G_GSIZE_FORMAT ": the first row must name the columns, but "
                       "'%s' is a number", path, number, name);
          return NULL;
        }
      if (g_ascii_strcasecmp (name, "x") == 0)
        a = 0;
      else if (g_ascii_strcasecmp (name, "y") == 0)
        a = 1;
      else if (g_ascii_strcasecmp (name, "z") == 0)
        a = 2;
      if (a >= 0)
        {
          if (axis_column[a] >= 0)
            {
              g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                           "%s: two columns are named %c", path, "xyz"[a]);
              return NULL;
            }
          axis_column[a] = i;
        }
    }
  if (axis_column[0] < 0 || axis_column[1] < 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: no x and y columns (voxel indices); the header names %u columns", path,
                   header->len);
      return NULL;
    }
  n_coords = axis_column[2] >= 0 ? 3 : 2;
  d = header->len - n_coords;
  if (d == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: no feature columns besides x, y%s", path, n_coords == 3 ? " and z" : "");
      return NULL;
    }
  names = g_new0 (char *, d + 1);
  for (guint i = 0, c = 0; i < header->len; i++)
    if ((int) i != axis_column[0] && (int) i != axis_column[1] && (int) i != axis_column[2])
      {
        const char *name = header->pdata[i];

        names[c] = *name != '\0' ? g_strdup (name) : g_strdup_printf ("column %u", i + 1);
        c++;
      }

  features = g_array_new (FALSE, FALSE, sizeof (double));
  coords = g_array_new (FALSE, FALSE, sizeof (double));
  while (evox_text_table_next_line (&p, end, &number, &line, &length))
    {
      g_autoptr (GPtrArray) fields = csv_fields (line, length, delimiter);

      if (fields->len != header->len)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "%s: line %" G_GSIZE_FORMAT ": %u fields, but the header names %u "
                       "columns", path, number, fields->len, header->len);
          return NULL;
        }
      for (guint a = 0; a < n_coords; a++)
        {
          double v;

          if (!csv_number (fields->pdata[axis_column[a]], &v))
            {
              g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                           "%s: line %" G_GSIZE_FORMAT ": %c '%s' is not a number", path,
                           number, "xyz"[a], (char *) fields->pdata[axis_column[a]]);
              return NULL;
            }
          if (isnan (v))
            {
              g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                           "%s: line %" G_GSIZE_FORMAT ": coordinate %c is missing or NaN",
                           path, number, "xyz"[a]);
              return NULL;
            }
          g_array_append_val (coords, v);
        }
      for (guint i = 0; i < header->len; i++)
        {
          double v;

          if ((int) i == axis_column[0] || (int) i == axis_column[1] ||
              (int) i == axis_column[2])
            continue;
          if (!csv_number (fields->pdata[i], &v))
            {
              g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                           "%s: line %" G_GSIZE_FORMAT ": '%s' in column %s is not a number",
                           path, number, (char *) fields->pdata[i], (char *) header->pdata[i]);
              return NULL;
            }
          g_array_append_val (features, v);
        }
      rows++;
    }
  if (rows == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: the header is followed by no data rows", path);
      return NULL;
    }
  return place_features (path, (const double *) features->data, (const double *) coords->data,
                         rows, d, n_coords, names, error);
}
