/* evox-xrm.c: Xradia .xrm/.txrm files read with libgsf, sizes checked against the file first. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-xrm.h"

#include <math.h>
#include <string.h>

#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-stdio.h>
#include <gsf/gsf-input.h>

#include "evox-binning.h"

/* libgsf 1.14 declares no autoptr cleanups of its own. */
typedef GsfInput  EvoxGsfInput;
typedef GsfInfile EvoxGsfInfile;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxGsfInput, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxGsfInfile, g_object_unref)

static const guint8 ole2_magic[8] = { 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1 };

/* Xradia stores each image in its own stream, grouped a hundred to a storage. */
#define IMAGES_PER_STORAGE 100

/* Streams are read this many bytes at a time, so a corrupt sector chain fails early and no read
 * asks libgsf for one huge buffer. */
#define READ_CHUNK (1u << 20)

/* Metadata streams hold a few values per image; more than this is not metadata. */
#define METADATA_STREAM_MAX (64u << 20)

struct _EvoxXrmFile
{
  char        *path;
  GsfInput    *source;
  GsfInfile   *ole;
  EvoxXrmInfo  info;
  guint        type_size;
  /* A mosaic stored as rows x columns tiles of tile_width x tile_height (Image1 top left, a row of
   * tiles after another); tiles == 0 when each image stream is one whole image. */
  guint        tiles;
  guint        tile_width;
  guint        tile_height;
  GPtrArray   *images;         /* GsfInput per image (or tile) stream, in order */
  GsfInput    *reference;
  guint        reference_type_size;
};

static const struct
{
  int         code;
  const char *name;
  guint       size;
} data_types[] = {
  { 2, "i8", 1 },
  { 3, "u8", 1 },
  { 4, "i16", 2 },
  { 5, "u16", 2 },
  { 6, "i32", 4 },
  { 7, "u32", 4 },
  { 10, "f32", 4 },
  { 11, "f64", 8 },
};

static guint
data_type_size (int code)
{
  for (guint i = 0; i < G_N_ELEMENTS (data_types); i++)
    if (data_types[i].code == code)
      return data_types[i].size;
  return 0;
}

static const char *
data_type_name (int code)
{
  for (guint i = 0; i < G_N_ELEMENTS (data_types); i++)
    if (data_types[i].code == code)
      return data_types[i].name;
  return "?";
}

gboolean
evox_xrm_has_signature (const guint8 *head,
                        gsize         n)
{
  return head != NULL && n >= sizeof ole2_magic && memcmp (head, ole2_magic, sizeof ole2_magic) == 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Streams by name                                                                              */

/* libgsf's OLE2 reader makes streams GsfInfiles too; only storages have children (-1 for a
 * stream). */
static gboolean
is_storage (GsfInput *input)
{
  return GSF_IS_INFILE (input) && gsf_infile_num_children (GSF_INFILE (input)) >= 0;
}

/* libgsf matches names exactly, and files in the field spell the same stream in different
 * cases (ImageInfo/PixelSize, imageinfo/pixelsize). */
static GsfInput *
child_nocase (GsfInput   *node,
              const char *name)
{
  GsfInfile *dir;
  int n;

  if (!is_storage (node))
    return NULL;
  dir = GSF_INFILE (node);
  n = gsf_infile_num_children (dir);
  for (int i = 0; i < n; i++)
    {
      const char *child = gsf_infile_name_by_index (dir, i);

      if (child != NULL && g_ascii_strcasecmp (child, name) == 0)
        return gsf_infile_child_by_index (dir, i);
    }
  return NULL;
}

/* The stream or storage at a '/'-separated path under node, or NULL. */
static GsfInput *
lookup (GsfInput   *node,
        const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  g_autoptr(EvoxGsfInput) current = g_object_ref (node);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      GsfInput *next = child_nocase (current, parts[i]);

      g_clear_object (&current);
      if (next == NULL)
        return NULL;
      current = next;
    }
  return g_steal_pointer (&current);
}

static gboolean
read_exact (EvoxXrmFile  *self,
            GsfInput     *input,
            gsize         bytes,
            guint8       *dst,
            const char   *what,
            GError      **error)
{
  gsize done = 0;

  if (gsf_input_seek (input, 0, G_SEEK_SET))  /* TRUE on error */
    goto failed;
  while (done < bytes)
    {
      gsize n = MIN (bytes - done, READ_CHUNK);

      if (gsf_input_read (input, n, dst + done) == NULL)
        goto failed;
      done += n;
    }
  return TRUE;

failed:
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
               "%s: %s could not be read (the file is truncated or corrupt)", self->path, what);
  return FALSE;
}

/* The first max_bytes of the stream at path (all of it when shorter), or NULL when the file has
 * no such stream. A stream that is there but unreadable is an error. */
static GBytes *
read_stream (EvoxXrmFile  *self,
             GsfInput     *node,
             const char   *path,
             gsize         max_bytes,
             GError      **error)
{
  g_autoptr(EvoxGsfInput) input = lookup (node, path);
  gsf_off_t size;
  gsize n;
  g_autofree guint8 *data = NULL;

  if (input == NULL || is_storage (input))
    return NULL;
  size = gsf_input_size (input);
  n = size < 0 ? 0 : (gsize) MIN ((guint64) size, (guint64) max_bytes);
  data = g_malloc (MAX (n, 1));
  if (n > 0 && !read_exact (self, input, n, data, path, error))
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&data), n);
}

/* The first little-endian 32-bit word of a stream; FALSE when absent or shorter. */
static gboolean
read_u32 (EvoxXrmFile  *self,
          GsfInput     *node,
          const char   *path,
          guint32      *value,
          gboolean     *ok,
          GError      **error)
{
  GError *local = NULL;
  g_autoptr(GBytes) bytes = read_stream (self, node, path, 4, &local);
  guint32 word;

  *ok = local == NULL;
  if (local != NULL)
    g_propagate_error (error, local);
  if (bytes == NULL)
    return FALSE;
  if (g_bytes_get_size (bytes) < 4)
    return FALSE;
  memcpy (&word, g_bytes_get_data (bytes, NULL), 4);
  *value = GUINT32_FROM_LE (word);
  return TRUE;
}

static float
f32_from_le (const guint8 *p)
{
  guint32 word;
  float value;

  memcpy (&word, p, 4);
  word = GUINT32_FROM_LE (word);
  memcpy (&value, &word, 4);
  return value;
}

/* n f32 entries of a stream as doubles: cut when it holds more, NaN-padded when it holds fewer;
 * NULL when the file has no such stream (or on error, then set). */
static double *
read_f32_array (EvoxXrmFile  *self,
                const char   *path,
                guint         n,
                GError      **error)
{
  g_autoptr(GBytes) bytes = read_stream (self, GSF_INPUT (self->ole), path,
                                         MIN ((gsize) n * 4, METADATA_STREAM_MAX), error);
  const guint8 *data;
  gsize size;
  double *values;

  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &size);
  values = g_new (double, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    values[i] = (gsize) i * 4 + 4 <= size ? f32_from_le (data + (gsize) i * 4) : NAN;
  return values;
}

/* ------------------------------------------------------------------------------------------ */
/* The OLE2 structure, checked before libgsf reads it                                           */

/* libgsf reads a well-formed compound document safely, but on a damaged one it logs criticals and
 * warnings (fatal where G_DEBUG asks), recurses once per directory entry and sizes a stack
 * buffer from the header. So the structure is walked here first the way libgsf will walk it
 * (MS-CFB, and libgsf's gsf-infile-msole.c for what it accepts), and anything it would complain
 * about becomes one error naming the file. */

#define OLE_HEADER_SIZE     512
#define OLE_HEADER_DIFAT    109
#define OLE_FREE            0xffffffffu
#define OLE_END_OF_CHAIN    0xfffffffeu
#define OLE_SPECIAL         0xfffffffcu   /* FAT and DIFAT sector marks and above */
#define OLE_NO_ENTRY        0xffffffffu
#define DIRENT_SIZE         128
#define DIRENT_STORAGE      1
#define DIRENT_STREAM       2
#define DIRENT_ROOT         5
/* libgsf parses the directory tree recursively; real files are balanced trees a few levels
 * deep, so a deeper one is damage (and would exhaust a worker thread's stack). */
#define DIRENT_MAX_DEPTH    1024

typedef struct
{
  const char *path;
  GsfInput   *input;
  guint64     file_size;
  guint       shift;
  gsize       sector;
  guint64     max_block;      /* libgsf's bound: sectors at or past it are never read */
  guint32    *fat;
  guint32     n_fat;
  guint32    *minifat;
  guint32     n_minifat;
  guint32     threshold;      /* streams shorter than this live in the mini stream */
  guint8     *dir;
  guint32     n_entries;
  guint8     *seen;
} OleCheck;

static void
ole_check_clear (OleCheck *c)
{
  g_free (c->fat);
  g_free (c->minifat);
  g_free (c->dir);
  g_free (c->seen);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (OleCheck, ole_check_clear)

static gboolean
ole_fail (OleCheck    *c,
          GError     **error,
          const char  *reason)
{
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
               "%s: corrupt or truncated OLE2 compound document (%s)", c->path, reason);
  return FALSE;
}

static guint32
le32 (const guint8 *p)
{
  guint32 v;

  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

static guint16
le16 (const guint8 *p)
{
  guint16 v;

  memcpy (&v, p, 2);
  return GUINT16_FROM_LE (v);
}

static gboolean
ole_read_sector (OleCheck *c,
                 guint32   block,
                 guint8   *buffer)
{
  guint64 offset = MAX (OLE_HEADER_SIZE, c->sector) + ((guint64) block << c->shift);

  return block < c->max_block && offset + c->sector <= c->file_size &&
         !gsf_input_seek (c->input, (gsf_off_t) offset, G_SEEK_SET) &&
         gsf_input_read (c->input, c->sector, buffer) != NULL;
}

/* The entries of a FAT (or mini FAT) sector: each a next sector inside the table or a mark. */
static gboolean
ole_take_table_sector (OleCheck      *c,
                       const guint8  *data,
                       guint32       *dst,
                       guint32        table_size,
                       GError       **error)
{
  for (gsize i = 0; i < c->sector / 4; i++)
    {
      dst[i] = le32 (data + 4 * i);
      if (dst[i] < OLE_SPECIAL && dst[i] >= table_size)
        return ole_fail (c, error, "an allocation table points outside itself");
    }
  return TRUE;
}

/* Reads the FAT through the header's and the DIFAT's sector lists, as libgsf does. */
static gboolean
ole_read_fat (OleCheck      *c,
              const guint8  *header,
              GError       **error)
{
  guint32 num_bat = le32 (header + 0x2c);
  guint32 num_metabat = le32 (header + 0x48);
  guint32 metabat_block = le32 (header + 0x44);
  guint32 per_sector = (guint32) (c->sector / 4);
  g_autofree guint32 *list = NULL;
  g_autofree guint8 *buffer = g_malloc (c->sector);
  guint32 n_list = 0, last, remaining;

  /* Tables larger than the file needs are damage, and libgsf sizes a stack buffer by them. */
  if (num_bat == 0 || num_bat >= c->max_block ||
      num_bat > c->max_block / per_sector + 2 || (guint64) num_bat * per_sector >= G_MAXINT)
    return ole_fail (c, error, "the sector allocation table does not fit the file");
  c->n_fat = num_bat * per_sector;
  c->fat = g_new0 (guint32, c->n_fat);
  list = g_new (guint32, num_bat);

  last = MIN (num_bat, OLE_HEADER_DIFAT);
  for (guint32 i = 0; i < last; i++)
    list[n_list++] = le32 (header + 0x4c + 4 * i);
  remaining = num_bat - last;
  last = per_sector - 1;
  while (num_metabat-- > 0)
    {
      guint32 take = last;

      if (!ole_read_sector (c, metabat_block, buffer))
        return ole_fail (c, error, "a DIFAT sector lies beyond the end of the file");
      if (num_metabat == 0)
        {
          if (last < remaining)
            return ole_fail (c, error, "the DIFAT is shorter than the FAT");
          take = remaining;
        }
      else
        {
          metabat_block = le32 (buffer + 4 * last);
          if (remaining < last)
            return ole_fail (c, error, "the DIFAT is longer than the FAT");
          remaining -= last;
        }
      for (guint32 i = 0; i < take && n_list < num_bat; i++)
        list[n_list++] = le32 (buffer + 4 * i);
    }

  for (guint32 s = 0; s < n_list; s++)
    {
      guint32 *dst = c->fat + (gsize) s * per_sector;

      if (list[s] == OLE_FREE)
        {
          for (guint32 i = 0; i < per_sector; i++)
            dst[i] = OLE_FREE;
          continue;
        }
      if (!ole_read_sector (c, list[s], buffer))
        return ole_fail (c, error, "a FAT sector lies beyond the end of the file");
      if (!ole_take_table_sector (c, buffer, dst, c->n_fat, error))
        return FALSE;
    }
  /* Every link must name a sector the file holds: a cut file fails here, not in a read. */
  for (guint32 i = 0; i < c->n_fat; i++)
    if (c->fat[i] < OLE_SPECIAL && c->fat[i] >= c->max_block)
      return ole_fail (c, error, "sectors lie beyond the end of the file");
  return TRUE;
}

/* The sectors of the chain starting at block, in table: FALSE unless it ends as a chain should
 * (libgsf warns otherwise). */
static gboolean
ole_chain (const guint32 *table,
           guint32        n_table,
           guint32        block,
           GArray        *out)
{
  guint64 steps = 0;

  while (block < n_table)
    {
      if (++steps > n_table)
        return FALSE;  /* a cycle */
      if (out != NULL)
        g_array_append_val (out, block);
      block = table[block];
    }
  return block == OLE_END_OF_CHAIN;
}

static guint64
ole_chain_length (const guint32 *table,
                  guint32        n_table,
                  guint32        block)
{
  guint64 steps = 0;

  while (block < n_table && steps <= n_table)
    {
      steps++;
      block = table[block];
    }
  return steps;
}

/* The mini FAT and the mini stream's size, when a small stream needs them. */
static gboolean
ole_read_minifat (OleCheck      *c,
                  const guint8  *header,
                  GError       **error)
{
  g_autoptr(GArray) sectors = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree guint8 *buffer = NULL;
  guint32 per_sector = (guint32) (c->sector / 4);

  if (c->minifat != NULL)
    return TRUE;
  if (!ole_chain (c->fat, c->n_fat, le32 (header + 0x3c), sectors))
    return ole_fail (c, error, "the mini FAT's chain is broken");
  if ((guint64) sectors->len * per_sector >= G_MAXINT)
    return ole_fail (c, error, "the mini FAT does not fit the file");
  c->n_minifat = sectors->len * per_sector;
  c->minifat = g_new0 (guint32, MAX (c->n_minifat, 1));
  buffer = g_malloc (c->sector);
  for (guint i = 0; i < sectors->len; i++)
    {
      if (!ole_read_sector (c, g_array_index (sectors, guint32, i), buffer))
        return ole_fail (c, error, "a mini FAT sector lies beyond the end of the file");
      if (!ole_take_table_sector (c, buffer, c->minifat + (gsize) i * per_sector, c->n_minifat,
                                  error))
        return FALSE;
    }
  return TRUE;
}

typedef struct
{
  guint32 entry;
  guint32 parent;   /* OLE_NO_ENTRY for the root */
  guint   depth;
} OleVisit;

/* Walks the directory tree from the root as libgsf's ole_dirent_new () does, with a stack of
 * its own, checking every entry libgsf would parse and every stream's chain. */
static gboolean
ole_check_directory (OleCheck      *c,
                     const guint8  *header,
                     GError       **error)
{
  g_autoptr(GArray) stack = g_array_new (FALSE, FALSE, sizeof (OleVisit));
  const guint8 *root = NULL;
  gboolean root_checked = FALSE;
  guint64 root_size = 0;
  OleVisit start = { 0, OLE_NO_ENTRY, 1 };

  g_array_append_val (stack, start);
  while (stack->len > 0)
    {
      OleVisit v = g_array_index (stack, OleVisit, stack->len - 1);
      const guint8 *d;
      guint8 type;
      guint32 size, first, links[3];

      g_array_set_size (stack, stack->len - 1);
      if (v.entry == OLE_NO_ENTRY)
        continue;
      if (v.entry >= c->n_entries)
        return ole_fail (c, error, "a directory entry lies outside the directory");
      if (c->seen[v.entry])
        return ole_fail (c, error, "the directory tree has a cycle");
      if (v.depth > DIRENT_MAX_DEPTH)
        return ole_fail (c, error, "the directory tree is too deep");
      c->seen[v.entry] = TRUE;
      d = c->dir + (gsize) v.entry * DIRENT_SIZE;
      type = d[0x42];
      if (type != DIRENT_STORAGE && type != DIRENT_STREAM && type != DIRENT_ROOT)
        return ole_fail (c, error, "a directory entry of an unknown type");
      if ((v.parent == OLE_NO_ENTRY) != (type == DIRENT_ROOT))
        return ole_fail (c, error, "the root entry is not where it belongs");
      size = le32 (d + 0x78);
      first = le32 (d + 0x74);
      links[0] = le32 (d + 0x44);
      links[1] = le32 (d + 0x48);
      links[2] = le32 (d + 0x4c);
      if (type == DIRENT_ROOT)
        {
          root = d;
          root_size = size;
        }
      if (type == DIRENT_STREAM)
        {
          if (size > c->file_size)
            return ole_fail (c, error, "a stream is larger than the file");
          if (links[2] != OLE_NO_ENTRY)
            return ole_fail (c, error, "a stream has children");
          if (size < c->threshold)
            {
              /* In the mini stream: 64-byte sectors inside the root entry's big chain. */
              g_autoptr(GArray) chain = g_array_new (FALSE, FALSE, sizeof (guint32));
              guint64 remaining = size;

              if (!ole_read_minifat (c, header, error))
                return FALSE;
              if (!root_checked)
                {
                  g_assert (root != NULL);
                  if (!ole_chain (c->fat, c->n_fat, le32 (root + 0x74), NULL) ||
                      ole_chain_length (c->fat, c->n_fat, le32 (root + 0x74)) * c->sector <
                        root_size)
                    return ole_fail (c, error, "the mini stream's chain is broken");
                  root_checked = TRUE;
                }
              if (!ole_chain (c->minifat, c->n_minifat, first, chain))
                return ole_fail (c, error, "a small stream's chain is broken");
              for (guint i = 0; i < chain->len && remaining > 0; i++)
                {
                  guint64 n = MIN (remaining, (guint64) 1 << le16 (header + 0x20));

                  if (((guint64) g_array_index (chain, guint32, i) << le16 (header + 0x20)) + n >
                      root_size)
                    return ole_fail (c, error, "a small stream lies beyond the mini stream");
                  remaining -= n;
                }
              if (remaining > 0)
                return ole_fail (c, error, "a small stream is shorter than its size");
            }
          else if (!ole_chain (c->fat, c->n_fat, first, NULL))
            return ole_fail (c, error, "a stream's chain is broken");
        }
      /* Children are parsed after both siblings, as in libgsf; the order does not matter to
       * what is checked, only that each entry is reached once. */
      for (guint k = 0; k < 3; k++)
        {
          OleVisit next = { links[k], k < 2 ? v.parent : v.entry, v.depth + 1 };

          if (k == 2 && type == DIRENT_STREAM)
            continue;
          g_array_append_val (stack, next);
        }
    }
  return TRUE;
}

static gboolean
ole_check (const char  *path,
           GsfInput    *input,
           GError     **error)
{
  g_auto(OleCheck) c = { .path = path, .input = input };
  guint8 header[OLE_HEADER_SIZE];
  guint sb_shift;
  guint32 num_sbat, sbat_start;
  g_autoptr(GArray) dir_sectors = g_array_new (FALSE, FALSE, sizeof (guint32));

  c.file_size = (guint64) MAX (gsf_input_size (input), 0);
  if (c.file_size < OLE_HEADER_SIZE || gsf_input_seek (input, 0, G_SEEK_SET) ||
      gsf_input_read (input, OLE_HEADER_SIZE, header) == NULL)
    return ole_fail (&c, error, "the file ends inside its header");
  c.shift = le16 (header + 0x1e);
  sb_shift = le16 (header + 0x20);
  if (c.shift < 7 || c.shift > 20 || sb_shift < 2 || sb_shift > c.shift)
    return ole_fail (&c, error, "unreasonable sector sizes");
  c.sector = (gsize) 1 << c.shift;
  if (c.file_size < MAX (OLE_HEADER_SIZE, c.sector) + c.sector)
    return ole_fail (&c, error, "the file ends after its header");
  c.max_block = (c.file_size - OLE_HEADER_SIZE + c.sector - 1) / c.sector;
  c.threshold = le32 (header + 0x38);
  num_sbat = le32 (header + 0x40);
  sbat_start = le32 (header + 0x3c);
  if (num_sbat == 0 && sbat_start != OLE_END_OF_CHAIN && sbat_start != OLE_FREE)
    return ole_fail (&c, error, "a mini FAT without sectors");
  if (num_sbat >= c.max_block)
    return ole_fail (&c, error, "the mini FAT does not fit the file");

  if (!ole_read_fat (&c, header, error))
    return FALSE;

  if (!ole_chain (c.fat, c.n_fat, le32 (header + 0x30), dir_sectors) || dir_sectors->len == 0)
    return ole_fail (&c, error, "the directory's chain is broken");
  if ((guint64) dir_sectors->len * c.sector > c.file_size)
    return ole_fail (&c, error, "the directory is larger than the file");
  c.n_entries = (guint32) (dir_sectors->len * (c.sector / DIRENT_SIZE));
  c.dir = g_malloc ((gsize) dir_sectors->len * c.sector);
  c.seen = g_malloc0 (c.n_entries);
  for (guint i = 0; i < dir_sectors->len; i++)
    if (!ole_read_sector (&c, g_array_index (dir_sectors, guint32, i), c.dir + i * c.sector))
      return ole_fail (&c, error, "a directory sector lies beyond the end of the file");
  return ole_check_directory (&c, header, error);
}

/* ------------------------------------------------------------------------------------------ */
/* Opening                                                                                      */

void
evox_xrm_close (EvoxXrmFile *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->images, g_ptr_array_unref);
  g_clear_object (&self->reference);
  g_clear_object (&self->ole);
  g_clear_object (&self->source);
  g_free (self->info.energies_ev);
  g_free (self->info.angles_deg);
  g_free (self->info.exp_times_s);
  g_free (self->info.x_positions);
  g_free (self->info.y_positions);
  g_free (self->info.z_positions);
  g_free (self->path);
  g_free (self);
}

static char *
image_stream_name (guint k)
{
  return g_strdup_printf ("ImageData%u/Image%u", (k + IMAGES_PER_STORAGE - 1) / IMAGES_PER_STORAGE,
                          k);
}

/* Image streams 1..n, each at least `bytes` long. */
static gboolean
find_images (EvoxXrmFile  *self,
             guint         n,
             guint64       bytes,
             GError      **error)
{
  self->images = g_ptr_array_new_full (n, g_object_unref);
  for (guint k = 1; k <= n; k++)
    {
      g_autofree char *name = image_stream_name (k);
      g_autoptr(EvoxGsfInput) input = lookup (GSF_INPUT (self->ole), name);
      gsf_off_t size;

      if (input == NULL || is_storage (input))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "%s: image %u of %u (%s) is missing", self->path, k, n, name);
          return FALSE;
        }
      size = gsf_input_size (input);
      if (size < 0 || (guint64) size < bytes)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "%s: %s holds %" G_GUINT64_FORMAT " bytes, shorter than its image (%"
                       G_GUINT64_FORMAT " bytes)",
                       self->path, name, (guint64) MAX (size, 0), bytes);
          return FALSE;
        }
      g_ptr_array_add (self->images, g_steal_pointer (&input));
    }
  return TRUE;
}

/* ReferenceData/Image: its own type and size when the file gives them, else the images'; a
 * stitched mosaic's reference may be one tile. */
static gboolean
find_reference (EvoxXrmFile  *self,
                GError      **error)
{
  EvoxXrmInfo *info = &self->info;
  GsfInput *root = GSF_INPUT (self->ole);
  g_autoptr(EvoxGsfInput) input = lookup (root, "ReferenceData/Image");
  g_autoptr(GBytes) exposure = NULL;
  GError *local = NULL;
  guint32 value = 0, w = 0, h = 0;
  gboolean ok;
  guint64 size, need;

  info->reference_exp_time_s = NAN;
  if (input == NULL || is_storage (input))
    return TRUE;
  size = (guint64) MAX (gsf_input_size (input), 0);

  info->reference_data_type = info->data_type;
  if (read_u32 (self, root, "ReferenceData/DataType", &value, &ok, error) ||
      (ok && read_u32 (self, root, "ReferenceData/ImageInfo/DataType", &value, &ok, error)))
    info->reference_data_type = (int) value;
  if (!ok)
    return FALSE;
  self->reference_type_size = data_type_size (info->reference_data_type);
  if (self->reference_type_size == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                   "%s: the reference's data type code %d is not one Evox reads (2 i8, 3 u8, "
                   "4 i16, 5 u16, 6 i32, 7 u32, 10 f32, 11 f64)",
                   self->path, info->reference_data_type);
      return FALSE;
    }

  if (read_u32 (self, root, "ReferenceData/ImageInfo/ImageWidth", &w, &ok, error) && ok &&
      read_u32 (self, root, "ReferenceData/ImageInfo/ImageHeight", &h, &ok, error) && ok)
    {
      info->reference_width = w;
      info->reference_height = h;
    }
  else if (!ok)
    return FALSE;
  else
    {
      info->reference_width = info->width;
      info->reference_height = info->height;
      if (info->mosaic_rows > 0 && info->mosaic_columns > 0 && self->tiles == 0 &&
          size < (guint64) info->width * info->height * self->reference_type_size)
        {
          info->reference_width = info->width / info->mosaic_columns;
          info->reference_height = info->height / info->mosaic_rows;
        }
    }
  if (info->reference_width == 0 || info->reference_height == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: the reference image is %u x %u pixels", self->path,
                   info->reference_width, info->reference_height);
      return FALSE;
    }
  need = (guint64) info->reference_width * info->reference_height * self->reference_type_size;
  if (size < need)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: ReferenceData/Image holds %" G_GUINT64_FORMAT " bytes, shorter than its "
                   "%u x %u %s image (%" G_GUINT64_FORMAT " bytes)",
                   self->path, size, info->reference_width, info->reference_height,
                   data_type_name (info->reference_data_type), need);
      return FALSE;
    }
  exposure = read_stream (self, root, "ReferenceData/ExpTime", 4, &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  if (exposure != NULL && g_bytes_get_size (exposure) >= 4)
    info->reference_exp_time_s = f32_from_le (g_bytes_get_data (exposure, NULL));
  info->has_reference = TRUE;
  self->reference = g_steal_pointer (&input);
  return TRUE;
}

static gboolean
read_metadata_arrays (EvoxXrmFile  *self,
                      guint         n_entries,
                      GError      **error)
{
  EvoxXrmInfo *info = &self->info;
  GError *local = NULL;
  g_autofree double *pixel = NULL;

#define READ_ARRAY(field, name)                                  \
  G_STMT_START {                                                 \
    info->field = read_f32_array (self, name, n_entries, &local); \
    if (local != NULL)                                           \
      {                                                          \
        g_propagate_error (error, local);                        \
        return FALSE;                                            \
      }                                                          \
  } G_STMT_END

  READ_ARRAY (energies_ev, "ImageInfo/Energy");
  READ_ARRAY (angles_deg, "ImageInfo/Angles");
  READ_ARRAY (exp_times_s, "ImageInfo/ExpTimes");
  if (info->exp_times_s == NULL)
    READ_ARRAY (exp_times_s, "ImageInfo/ExpTime");
  READ_ARRAY (x_positions, "ImageInfo/XPosition");
  READ_ARRAY (y_positions, "ImageInfo/YPosition");
  READ_ARRAY (z_positions, "ImageInfo/ZPosition");
#undef READ_ARRAY

  pixel = read_f32_array (self, "ImageInfo/PixelSize", 1, &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  info->pixel_size_um = pixel != NULL && isfinite (pixel[0]) && pixel[0] > 0 ? pixel[0] : NAN;
  return TRUE;
}

static char *
format_size (guint64 bytes)
{
  return g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
}

static gboolean
read_layout (EvoxXrmFile  *self,
             GError      **error)
{
  EvoxXrmInfo *info = &self->info;
  GsfInput *root = GSF_INPUT (self->ole);
  g_autoptr(EvoxGsfInput) image_info = lookup (root, "ImageInfo");
  guint32 width = 0, height = 0, count = 1, taken = 0, type = 0, rows = 0, columns = 0, bin = 0;
  gboolean ok = TRUE, have_type;
  guint64 image_bytes, total;
  gsf_off_t file_size;

  if (image_info == NULL || !is_storage (image_info))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                   "%s: not an Xradia file: no ImageInfo", self->path);
      return FALSE;
    }
  if (!read_u32 (self, root, "ImageInfo/ImageWidth", &width, &ok, error) ||
      !read_u32 (self, root, "ImageInfo/ImageHeight", &height, &ok, error))
    {
      if (ok)
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                     "%s: ImageInfo/ImageWidth or ImageHeight is missing", self->path);
      return FALSE;
    }
  if (width == 0 || height == 0 || width > G_MAXINT32 || height > G_MAXINT32)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: images of %u x %u pixels", self->path, width, height);
      return FALSE;
    }
  /* An aborted acquisition plans NoOfImages and writes ImagesTaken. */
  if (!read_u32 (self, root, "ImageInfo/NoOfImages", &count, &ok, error))
    {
      if (!ok)
        return FALSE;
      count = 1;
    }
  if (read_u32 (self, root, "ImageInfo/ImagesTaken", &taken, &ok, error) && taken > 0 &&
      taken < count)
    count = taken;
  if (!ok)
    return FALSE;
  if (count == 0 || count > G_MAXINT32)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: ImageInfo/NoOfImages says %u images", self->path, count);
      return FALSE;
    }

  have_type = read_u32 (self, root, "ImageInfo/DataType", &type, &ok, error);
  if (!ok)
    return FALSE;
  if (!have_type)
    {
      /* Old files leave the type out; the first image's size then tells 8, 16, 32 or 64 bits. */
      g_autoptr(EvoxGsfInput) first = lookup (root, "ImageData1/Image1");
      guint64 size = first != NULL ? (guint64) MAX (gsf_input_size (first), 0) : 0;
      guint64 pixels = (guint64) width * height;
      static const int by_size[] = { 0, 3, 5, 0, 10, 0, 0, 0, 11 };

      type = size % pixels == 0 && size / pixels <= 8 ? (guint32) by_size[size / pixels] : 0;
      if (type == 0)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "%s: ImageInfo/DataType is missing and the first image's size does not "
                       "tell it", self->path);
          return FALSE;
        }
    }
  info->data_type = (int) type;
  self->type_size = data_type_size (info->data_type);
  if (self->type_size == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                   "%s: data type code %d is not one Evox reads (2 i8, 3 u8, 4 i16, 5 u16, "
                   "6 i32, 7 u32, 10 f32, 11 f64)", self->path, info->data_type);
      return FALSE;
    }

  if ((read_u32 (self, root, "ImageInfo/CameraBinning", &bin, &ok, error) ||
       (ok && read_u32 (self, root, "ImageInfo/HorizontalBin", &bin, &ok, error))) &&
      bin < 1024)
    info->binning = bin;
  if (ok && read_u32 (self, root, "ImageInfo/MosiacRows", &rows, &ok, error) &&
      read_u32 (self, root, "ImageInfo/MosiacColumns", &columns, &ok, error) &&
      rows > 0 && columns > 0 && rows < 65536 && columns < 65536)
    {
      info->mosaic_rows = rows;
      info->mosaic_columns = columns;
    }
  if (!ok)
    return FALSE;

  info->width = width;
  info->height = height;
  info->n_images = count;
  self->tile_width = width;
  self->tile_height = height;
  if ((guint64) rows * columns > 1 && info->mosaic_rows > 0)
    {
      /* Most mosaics are stored stitched, as one image the size ImageInfo gives; some keep the
       * tiles, one stream each, and then Image2 is there. */
      g_autoptr(EvoxGsfInput) second = lookup (root, "ImageData1/Image2");

      info->n_images = 1;
      if (second != NULL)
        {
          self->tiles = rows * columns;
          if ((guint64) width * columns > G_MAXINT32 || (guint64) height * rows > G_MAXINT32)
            {
              g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                           "%s: a mosaic of %u x %u tiles of %u x %u pixels", self->path,
                           rows, columns, width, height);
              return FALSE;
            }
          info->width = width * columns;
          info->height = height * rows;
        }
    }

  /* Before anything is read: the images must fit in the file. */
  image_bytes = (guint64) self->tile_width * self->tile_height * self->type_size;
  total = image_bytes * (self->tiles > 0 ? self->tiles : info->n_images);
  file_size = gsf_input_size (self->source);
  if (file_size >= 0 && total > (guint64) file_size)
    {
      g_autofree char *need = format_size (total);
      g_autofree char *have = format_size ((guint64) file_size);

      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: %u images of %u x %u %s would need %s, more than the file's %s",
                   self->path, self->tiles > 0 ? self->tiles : info->n_images, self->tile_width,
                   self->tile_height, data_type_name (info->data_type), need, have);
      return FALSE;
    }
  if (!find_images (self, self->tiles > 0 ? self->tiles : info->n_images, image_bytes, error))
    return FALSE;
  if (!read_metadata_arrays (self, info->n_images, error))
    return FALSE;
  return find_reference (self, error);
}

EvoxXrmFile *
evox_xrm_open (const char  *path,
               GError     **error)
{
  g_autoptr(EvoxXrmFile) self = NULL;
  g_autoptr(GError) local = NULL;
  guint8 head[sizeof ole2_magic];
  const guint8 *got;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_new0 (EvoxXrmFile, 1);
  self->path = g_strdup (path);
  self->source = gsf_input_stdio_new (path, &local);
  if (self->source == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED, "%s: cannot open: %s", path,
                   local != NULL ? local->message : "unknown error");
      return NULL;
    }
  got = gsf_input_size (self->source) >= (gsf_off_t) sizeof head
          ? gsf_input_read (self->source, sizeof head, head) : NULL;
  if (got == NULL || !evox_xrm_has_signature (head, sizeof head))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                   "%s: not an Xradia file: no OLE2 signature", path);
      return NULL;
    }
  if (!ole_check (path, self->source, error))
    return NULL;
  gsf_input_seek (self->source, 0, G_SEEK_SET);
  self->ole = gsf_infile_msole_new (self->source, &local);
  if (self->ole == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: corrupt or truncated OLE2 compound document (%s)", path,
                   local != NULL ? local->message : "libgsf could not read it");
      return NULL;
    }
  if (!read_layout (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

const EvoxXrmInfo *
evox_xrm_get_info (EvoxXrmFile *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return &self->info;
}

const char *
evox_xrm_get_path (EvoxXrmFile *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->path;
}

/* ------------------------------------------------------------------------------------------ */
/* Pixels                                                                                       */

/* Little-endian samples in place to host order (a no-op on little-endian machines). */
static void
samples_from_le (guint8 *data,
                 gsize   n,
                 guint   size)
{
#if G_BYTE_ORDER == G_BIG_ENDIAN
  for (gsize i = 0; i < n; i++)
    {
      guint8 *p = data + i * size;

      for (guint a = 0, b = size - 1; a < b; a++, b--)
        {
          guint8 t = p[a];
          p[a] = p[b];
          p[b] = t;
        }
    }
#endif
}

static void
samples_to_float (int           type,
                  const guint8 *src,
                  float        *dst,
                  gsize         n)
{
  switch (type)
    {
    case 2:
      for (gsize i = 0; i < n; i++)
        dst[i] = ((const gint8 *) src)[i];
      break;
    case 3:
      for (gsize i = 0; i < n; i++)
        dst[i] = src[i];
      break;
    case 4:
      for (gsize i = 0; i < n; i++)
        dst[i] = ((const gint16 *) src)[i];
      break;
    case 5:
      for (gsize i = 0; i < n; i++)
        dst[i] = ((const guint16 *) src)[i];
      break;
    case 6:
      for (gsize i = 0; i < n; i++)
        dst[i] = (float) ((const gint32 *) src)[i];
      break;
    case 7:
      for (gsize i = 0; i < n; i++)
        dst[i] = (float) ((const guint32 *) src)[i];
      break;
    case 10:
      memcpy (dst, src, n * sizeof (float));
      break;
    case 11:
      for (gsize i = 0; i < n; i++)
        dst[i] = (float) ((const double *) src)[i];
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Image `index` in its own sample type, host order, row-major height x width: the stream itself,
 * or a tiled mosaic's tiles put in their places. dst holds width * height samples. */
static gboolean
read_raw_image (EvoxXrmFile  *self,
                guint         index,
                guint8       *dst,
                GError      **error)
{
  EvoxXrmInfo *info = &self->info;
  gsize ts = self->type_size;

  if (self->tiles == 0)
    {
      g_autofree char *name = image_stream_name (index + 1);
      gsize n = (gsize) info->width * info->height;

      if (!read_exact (self, g_ptr_array_index (self->images, index), n * ts, dst, name, error))
        return FALSE;
      samples_from_le (dst, n, ts);
      return TRUE;
    }

  for (guint t = 0; t < self->tiles; t++)
    {
      g_autofree char *name = image_stream_name (t + 1);
      GsfInput *input = g_ptr_array_index (self->images, t);
      gsize row_bytes = (gsize) self->tile_width * ts;
      gsize x0 = (gsize) (t % info->mosaic_columns) * self->tile_width;
      gsize y0 = (gsize) (t / info->mosaic_columns) * self->tile_height;

      if (gsf_input_seek (input, 0, G_SEEK_SET))  /* TRUE on error */
        goto failed;
      for (guint y = 0; y < self->tile_height; y++)
        {
          guint8 *row = dst + ((y0 + y) * info->width + x0) * ts;

          if (gsf_input_read (input, row_bytes, row) == NULL)
            goto failed;
          samples_from_le (row, self->tile_width, ts);
        }
      continue;
failed:
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: %s could not be read (the file is truncated or corrupt)", self->path,
                   name);
      return FALSE;
    }
  return TRUE;
}

gboolean
evox_xrm_read_image (EvoxXrmFile  *self,
                     guint         index,
                     float        *out,
                     GError      **error)
{
  gsize n;
  g_autofree guint8 *raw = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (index >= self->info.n_images)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, "%s: no image %u (it holds %u)",
                   self->path, index + 1, self->info.n_images);
      return FALSE;
    }
  n = (gsize) self->info.width * self->info.height;
  if (self->info.data_type == 10)
    return read_raw_image (self, index, (guint8 *) out, error);
  if (!evox_check_allocation (n, self->type_size, "an Xradia image", error))
    return FALSE;
  raw = g_try_malloc (n * self->type_size);
  if (raw == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE, "%s: out of memory for an image",
                   self->path);
      return FALSE;
    }
  if (!read_raw_image (self, index, raw, error))
    return FALSE;
  samples_to_float (self->info.data_type, raw, out, n);
  return TRUE;
}

gboolean
evox_xrm_read_reference (EvoxXrmFile  *self,
                         float        *out,
                         GError      **error)
{
  const EvoxXrmInfo *info;
  gsize n;
  g_autofree guint8 *raw = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  info = &self->info;
  if (!info->has_reference)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: the file carries no reference image (ReferenceData/Image)", self->path);
      return FALSE;
    }
  n = (gsize) info->reference_width * info->reference_height;
  if (!evox_check_allocation (n, self->reference_type_size, "an Xradia reference image", error))
    return FALSE;
  raw = g_try_malloc (n * self->reference_type_size);
  if (raw == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "%s: out of memory for the reference image", self->path);
      return FALSE;
    }
  if (!read_exact (self, self->reference, n * self->reference_type_size, raw,
                   "ReferenceData/Image", error))
    return FALSE;
  samples_from_le (raw, n, self->reference_type_size);
  samples_to_float (info->reference_data_type, raw, out, n);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* The whole file as a volume                                                                   */

/* Several images, each at its own positive energy: a spectral stack, not a tilt series. */
static gboolean
is_spectral (const EvoxXrmInfo *info)
{
  g_autofree double *sorted = NULL;

  if (info->n_images < 2 || info->energies_ev == NULL)
    return FALSE;
  sorted = g_memdup2 (info->energies_ev, sizeof (double) * info->n_images);
  for (guint i = 0; i < info->n_images; i++)
    if (!isfinite (sorted[i]) || sorted[i] <= 0)
      return FALSE;
  for (guint i = 1; i < info->n_images; i++)
    for (guint j = i; j > 0 && sorted[j - 1] > sorted[j]; j--)
      {
        double t = sorted[j];
        sorted[j] = sorted[j - 1];
        sorted[j - 1] = t;
      }
  for (guint i = 1; i < info->n_images; i++)
    if (sorted[i] == sorted[i - 1])
      return FALSE;
  return TRUE;
}

/* bin x bin blocks of a w x h float image averaged into an ow x oh image of the volume's type
 * (integers rounded to the nearest). */
static void
bin_image (const float    *src,
           guint           w,
           guint           h,
           guint           bin,
           EvoxSampleType  type,
           gpointer        dst)
{
  gsize n = (gsize) (w / bin) * (h / bin);
  g_autofree double *mean = g_new0 (double, n);

  _evox_bin_add (src, w, h, bin, 1.0, mean);
  for (gsize i = 0; i < n; i++)
    switch (type)
      {
      case EVOX_SAMPLE_U8:
        ((guint8 *) dst)[i] = (guint8) CLAMP (lround (mean[i]), 0, 255);
        break;
      case EVOX_SAMPLE_U16:
        ((guint16 *) dst)[i] = (guint16) CLAMP (lround (mean[i]), 0, 65535);
        break;
      case EVOX_SAMPLE_F32:
      default:
        ((float *) dst)[i] = (float) mean[i];
        break;
      }
}

static void
append_number (GString *s,
               double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  /* f32 values: seven digits say them exactly enough, in any locale. */
  g_string_append (s, g_ascii_formatd (buffer, sizeof buffer, "%.7g", value));
}

static char *
join_numbers (const double *values,
              guint         n)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (s, ',');
      append_number (s, values[i]);
    }
  return g_string_free (s, FALSE);
}

/* "A .. B UNIT (n)" over the finite values, "A UNIT" when they are one, NULL when there are
 * none. */
static char *
describe_range (const double *values,
                guint         n,
                const char   *format,
                const char   *unit,
                gboolean      skip_zero)
{
  double lo = INFINITY, hi = -INFINITY;
  guint count = 0;
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];

  for (guint i = 0; values != NULL && i < n; i++)
    if (isfinite (values[i]) && !(skip_zero && values[i] == 0))
      {
        lo = MIN (lo, values[i]);
        hi = MAX (hi, values[i]);
        count++;
      }
  if (count == 0)
    return NULL;
  g_ascii_formatd (a, sizeof a, format, lo);
  if (lo == hi)
    return g_strdup_printf ("%s %s", a, unit);
  g_ascii_formatd (b, sizeof b, format, hi);
  return g_strdup_printf ("%s .. %s %s (%u)", a, b, unit, count);
}

static void
set_info_metadata (EvoxVolume        *volume,
                   EvoxXrmFile       *self,
                   gboolean           spectral,
                   guint              bin)
{
  const EvoxXrmInfo *info = &self->info;
  g_autofree char *base = g_path_get_basename (self->path);
  const char *dot = strrchr (base, '.');
  g_autofree char *ext = g_ascii_strdown (dot != NULL ? dot : ".xrm", -1);
  g_autofree char *instrument = NULL;
  g_autofree char *image = NULL;
  g_autofree char *energy = describe_range (info->energies_ev, info->n_images, "%.2f", "eV", TRUE);
  g_autofree char *angles = describe_range (info->angles_deg, info->n_images, "%.4g", "deg", FALSE);
  g_autofree char *exposure = describe_range (info->exp_times_s, info->n_images, "%.4g", "s",
                                              FALSE);

  instrument = g_strdup_printf ("Xradia %s, %u image%s%s",
                                strcmp (ext, ".xrm") == 0 || strcmp (ext, ".txrm") == 0
                                  ? ext : info->n_images > 1 ? ".txrm" : ".xrm",
                                info->n_images,
                                info->n_images == 1 ? "" : "s",
                                spectral ? " at distinct energies (a channel each)"
                                : info->n_images > 1 ? " (a layer each)" : "");
  evox_volume_set_metadata (volume, "info.instrument", instrument);
  image = g_strdup_printf ("%u x %u %s", info->width, info->height,
                           data_type_name (info->data_type));
  evox_volume_set_metadata (volume, "info.image", image);
  if (info->mosaic_rows > 0 && info->mosaic_columns > 0 &&
      (guint64) info->mosaic_rows * info->mosaic_columns > 1)
    {
      g_autofree char *mosaic = g_strdup_printf ("%u rows x %u columns of tiles%s",
                                                 info->mosaic_rows, info->mosaic_columns,
                                                 self->tiles > 0 ? " (stitched on load)" : "");
      evox_volume_set_metadata (volume, "info.mosaic", mosaic);
    }
  evox_volume_set_metadata (volume, "info.energy",
                            energy != NULL ? energy : "not recorded (0 in the file)");
  if (isfinite (info->pixel_size_um))
    {
      char number[G_ASCII_DTOSTR_BUF_SIZE];
      g_autofree char *text = g_strdup_printf ("%s um",
                                               g_ascii_formatd (number, sizeof number, "%.5g",
                                                                info->pixel_size_um));
      evox_volume_set_metadata (volume, "info.pixel_size", text);
    }
  if (angles != NULL)
    evox_volume_set_metadata (volume, "info.angles", angles);
  if (exposure != NULL)
    evox_volume_set_metadata (volume, "info.exposure", exposure);
  if (info->has_reference)
    {
      g_autofree char *ref = NULL;

      if (isfinite (info->reference_exp_time_s))
        {
          char number[G_ASCII_DTOSTR_BUF_SIZE];

          ref = g_strdup_printf ("%u x %u %s, exposure %s s", info->reference_width,
                                 info->reference_height,
                                 data_type_name (info->reference_data_type),
                                 g_ascii_formatd (number, sizeof number, "%.4g",
                                                  info->reference_exp_time_s));
        }
      else
        ref = g_strdup_printf ("%u x %u %s", info->reference_width, info->reference_height,
                               data_type_name (info->reference_data_type));
      evox_volume_set_metadata (volume, "info.reference", ref);
    }
  else
    evox_volume_set_metadata (volume, "info.reference", "none in the file");
  if (info->binning > 0 || bin > 1)
    {
      g_autoptr(GString) text = g_string_new (NULL);

      if (info->binning > 0)
        g_string_append_printf (text, "camera %u x %u", info->binning, info->binning);
      if (bin > 1)
        g_string_append_printf (text, "%sloaded with --bin %u", text->len > 0 ? ", " : "", bin);
      evox_volume_set_metadata (volume, "info.binning", text->str);
    }

  if (info->angles_deg != NULL)
    {
      g_autofree char *list = join_numbers (info->angles_deg, info->n_images);
      evox_volume_set_metadata (volume, "xrm_angles_deg", list);
    }
  if (info->exp_times_s != NULL)
    {
      g_autofree char *list = join_numbers (info->exp_times_s, info->n_images);
      evox_volume_set_metadata (volume, "xrm_exp_times_s", list);
    }
  if (info->energies_ev != NULL)
    {
      g_autofree char *list = join_numbers (info->energies_ev, info->n_images);
      evox_volume_set_metadata (volume, "xrm_energies_ev", list);
    }
  evox_volume_set_metadata (volume, "source_type", data_type_name (info->data_type));
}

EvoxVolume *
evox_xrm_load (const char    *path,
               guint          bin,
               EvoxProgress  *progress,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr(EvoxXrmFile) self = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autofree float *scratch = NULL;
  const EvoxXrmInfo *info;
  EvoxSampleType type;
  gboolean spectral;
  gsize ow, oh, plane;
  guint n_channels, nz;
  double pixel_nm;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  bin = MAX (bin, 1);
  self = evox_xrm_open (path, error);
  if (self == NULL)
    return NULL;
  info = &self->info;
  if (!_evox_bin_check (path, info->width, info->height, bin, error))
    return NULL;
  ow = info->width / bin;
  oh = info->height / bin;
  plane = ow * oh;
  spectral = is_spectral (info);
  n_channels = spectral ? info->n_images : 1;
  nz = spectral ? 1 : info->n_images;
  type = info->data_type == 3 ? EVOX_SAMPLE_U8
         : info->data_type == 5 ? EVOX_SAMPLE_U16 : EVOX_SAMPLE_F32;

  /* The float image read before binning or converting, checked like the volume. */
  if ((bin > 1 || type == EVOX_SAMPLE_F32) &&
      !evox_check_allocation ((guint64) info->width * info->height, sizeof (float),
                              "an Xradia image", error))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  volume = evox_volume_new (ow, oh, nz, n_channels, type, error);
  if (volume == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  if (bin > 1)
    scratch = g_try_new (float, (gsize) info->width * info->height);

  evox_progress_set_stage (progress, "Reading Xradia images", 0.0, 1.0);
  for (guint i = 0; i < info->n_images; i++)
    {
      gpointer dst = spectral
                       ? evox_volume_get_data_mut (volume, i)
                       : (guint8 *) evox_volume_get_data_mut (volume, 0)
                           + (gsize) i * plane * evox_sample_type_size (type);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      if (bin > 1)
        {
          if (scratch == NULL)
            {
              g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                           "%s: out of memory for an image", path);
              return NULL;
            }
          if (!evox_xrm_read_image (self, i, scratch, error))
            return NULL;
          bin_image (scratch, info->width, info->height, bin, type, dst);
        }
      else if (type == EVOX_SAMPLE_F32)
        {
          if (!evox_xrm_read_image (self, i, dst, error))
            return NULL;
        }
      else if (!read_raw_image (self, i, dst, error))
        return NULL;
      evox_progress_update (progress, (double) (i + 1) / info->n_images);
    }

  pixel_nm = info->pixel_size_um * 1000.0 * bin;
  if (isfinite (pixel_nm))
    {
      double spacing[3] = { pixel_nm, pixel_nm, pixel_nm };

      evox_volume_set_spacing (volume, spacing);
      evox_volume_set_spacing_known (volume, TRUE);
    }
  evox_volume_set_values (volume, EVOX_SCALE_LINEAR, "intensity", "counts");
  for (guint c = 0; c < n_channels; c++)
    {
      double energy = info->energies_ev != NULL ? info->energies_ev[c] : NAN;

      if (!(isfinite (energy) && energy > 0))
        energy = NAN;
      if (spectral)
        {
          char number[G_ASCII_DTOSTR_BUF_SIZE];
          g_autofree char *label = g_strdup_printf ("%s eV", g_ascii_formatd (number,
                                                                              sizeof number,
                                                                              "%.2f", energy));
          evox_volume_set_channel_info (volume, c, label, energy);
        }
      else
        evox_volume_set_channel_info (volume, c, NULL, energy);
      if (isfinite (pixel_nm))
        evox_volume_set_channel_pixel_size (volume, c, pixel_nm);
    }
  set_info_metadata (volume, self, spectral, bin);
  evox_volume_freeze (volume);
  return g_steal_pointer (&volume);
}
