/* evox-tiff.c: TIFF stacks in and out through libtiff, sizes checked against the file first. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-tiff.h"
#include "evox-preview.h"
#include "evox-voxel-source.h"
#include "evox-tiff-private.h"
#include "evox-output.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <tiffio.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* Sample types found in files; the first three are kept as they are, the others become f32. */
typedef enum
{
  SOURCE_U8,
  SOURCE_U16,
  SOURCE_F32,
  SOURCE_I8,
  SOURCE_I16,
  SOURCE_U32,
  SOURCE_I32,
  SOURCE_F64,
} SourceType;

static const struct
{
  const char *name;
  guint       bytes;
} source_types[] = {
  [SOURCE_U8] = { "u8", 1 },
  [SOURCE_U16] = { "u16", 2 },
  [SOURCE_F32] = { "f32", 4 },
  [SOURCE_I8] = { "i8", 1 },
  [SOURCE_I16] = { "i16", 2 },
  [SOURCE_U32] = { "u32", 4 },
  [SOURCE_I32] = { "i32", 4 },
  [SOURCE_F64] = { "f64", 8 },
};

/* Strips of converted types larger than this are decoded row by row, so the scratch buffer stays
 * small next to the volume whatever the file's RowsPerStrip says. */
#define MAX_STRIP_SCRATCH (16u << 20)
/* The most bytes of a plain page read in one piece for a narrow box read on demand. */
#define PLAIN_SPAN_READ (16u << 20)

#define DESCRIPTION_MAX 4096

/* Classic TIFF offsets are 32-bit; leave room for the directories after the pixel data. */
#define CLASSIC_TIFF_DATA_MAX G_GUINT64_CONSTANT (3900000000)

/* ------------------------------------------------------------------------------------------ */
/* libtiff diagnostics                                                                          */

/* libtiff reports through callbacks; each handle collects its first error in a TiffDiag
 * (evox-tiff-private.h) instead of on stderr, and the caller turns it into the GError that names
 * file and page. */
static int
diag_on_error (TIFF       *tif,
               void       *user_data,
               const char *module,
               const char *fmt,
               va_list     ap)
{
  TiffDiag *diag = user_data;

  if (diag != NULL && diag->message == NULL)
    diag->message = g_strdup_vprintf (fmt, ap);
  return 1;  /* handled: the process-wide handler (stderr) must not run */
}

static int
diag_on_warning (TIFF       *tif,
                 void       *user_data,
                 const char *module,
                 const char *fmt,
                 va_list     ap)
{
  /* Warnings describe what libtiff worked around; real failures come back as errors. */
  return 1;
}

static void
diag_clear (TiffDiag *diag)
{
  g_clear_pointer (&diag->message, g_free);
}

/* libtiff prefixes many messages with the file name, which our own prefix already gives. */
static const char *
diag_reason (TiffDiag   *diag,
             const char *path,
             const char *fallback)
{
  const char *msg = diag->message;
  gsize len;

  if (msg == NULL || *msg == '\0')
    return fallback;
  len = strlen (path);
  if (strncmp (msg, path, len) == 0 && msg[len] == ':')
    {
      msg += len + 1;
      while (*msg == ' ')
        msg++;
    }
  return *msg != '\0' ? msg : fallback;
}

/* For writing; the descriptor stays the caller's if this fails. */
TIFF *
_evox_tiff_open_fd (int         fd,
                    const char *name,
                    const char *mode,
                    TiffDiag   *diag)
{
  TIFFOpenOptions *opts = TIFFOpenOptionsAlloc ();
  TIFF *tif;

  TIFFOpenOptionsSetErrorHandlerExtR (opts, diag_on_error, diag);
  TIFFOpenOptionsSetWarningHandlerExtR (opts, diag_on_warning, diag);
  /* A lying header must not make libtiff allocate beyond what Evox would allow for a volume. */
  TIFFOpenOptionsSetMaxSingleMemAlloc (opts, (tmsize_t) MIN (evox_memory_cap (),
                                                             (guint64) G_MAXSSIZE));
  tif = TIFFFdOpenExt (fd, name, mode, opts);
  TIFFOpenOptionsFree (opts);
  return tif;
}

/* Reading goes through these procs rather than libtiff's own: each read is one pread() (no seek
 * call before it), and small reads, which is how libtiff parses directories, come from a cache.
 * Nothing is mapped, so a file truncated while it is read cannot raise SIGBUS, and loading never
 * holds the file's pages and the volume at once. */
#define TIFF_IO_CACHE (64u << 10)

typedef struct
{
  int      fd;
  guint64  size;       /* at open time */
  guint64  position;
  guint64  cache_offset;
  gsize    cache_length;
  guint8   cache[TIFF_IO_CACHE];
} TiffIo;

static gssize
io_pread (int      fd,
          guint8  *buffer,
          gsize    size,
          guint64  offset)
{
  gsize done = 0;

  while (done < size)
    {
      ssize_t n = pread (fd, buffer + done, size - done, (off_t) (offset + done));

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      if (n == 0)
        break;
      done += (gsize) n;
    }
  return (gssize) done;
}

static tmsize_t
io_read (thandle_t  handle,
         void      *buffer,
         tmsize_t   size)
{
  TiffIo *io = (TiffIo *) handle;
  gssize n;

  if (size <= 0)
    return 0;
  if ((gsize) size >= TIFF_IO_CACHE / 2)
    n = io_pread (io->fd, buffer, (gsize) size, io->position);
  else
    {
      if (io->position < io->cache_offset ||
          io->position + (guint64) size > io->cache_offset + io->cache_length)
        {
          gssize got = io_pread (io->fd, io->cache, TIFF_IO_CACHE, io->position);

          if (got < 0)
            return -1;
          io->cache_offset = io->position;
          io->cache_length = (gsize) got;
        }
      n = (gssize) MIN ((guint64) size, io->cache_offset + io->cache_length - io->position);
      memcpy (buffer, io->cache + (io->position - io->cache_offset), (gsize) n);
    }
  if (n > 0)
    io->position += (guint64) n;
  return (tmsize_t) n;
}

static tmsize_t
io_write (thandle_t  handle,
          void      *buffer,
          tmsize_t   size)
{
  return -1;
}

static toff_t
io_seek (thandle_t handle,
         toff_t    offset,
         int       whence)
{
  TiffIo *io = (TiffIo *) handle;

  switch (whence)
    {
    case SEEK_SET: io->position = offset; break;
    case SEEK_CUR: io->position += offset; break;
    case SEEK_END: io->position = io->size + offset; break;
    default: return (toff_t) -1;
    }
  return io->position;
}

static int
io_close (thandle_t handle)
{
  TiffIo *io = (TiffIo *) handle;

  close (io->fd);
  g_free (io);
  return 0;
}

static toff_t
io_size (thandle_t handle)
{
  return ((TiffIo *) handle)->size;
}

static int
io_map (thandle_t  handle,
        void     **base,
        toff_t    *size)
{
  return 0;
}

static void
io_unmap (thandle_t  handle,
          void      *base,
          toff_t     size)
{
}

/* Takes FD over: it is closed with the handle, or here when libtiff refuses the file. */
static TIFF *
tiff_open_reader (int         fd,
                  guint64     size,
                  const char *name,
                  TiffDiag   *diag)
{
  TIFFOpenOptions *opts = TIFFOpenOptionsAlloc ();
  TiffIo *io = g_new0 (TiffIo, 1);
  TIFF *tif;

  io->fd = fd;
  io->size = size;
  TIFFOpenOptionsSetErrorHandlerExtR (opts, diag_on_error, diag);
  TIFFOpenOptionsSetWarningHandlerExtR (opts, diag_on_warning, diag);
  TIFFOpenOptionsSetMaxSingleMemAlloc (opts, (tmsize_t) MIN (evox_memory_cap (),
                                                             (guint64) G_MAXSSIZE));
  tif = TIFFClientOpenExt (name, "rm", (thandle_t) io, io_read, io_write, io_seek, io_close,
                           io_size, io_map, io_unmap, opts);
  TIFFOpenOptionsFree (opts);
  if (tif == NULL)
    io_close ((thandle_t) io);  /* libtiff only closes handles it opened successfully */
  return tif;
}

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                       */

static void set_file_error (GError     **error,
                            int          code,
                            const char  *path,
                            guint        page,
                            const char  *format,
                            ...) G_GNUC_PRINTF (5, 6);

/* Every reader error names the file and, when there is one, the 1-based page. */
static void
set_file_error (GError     **error,
                int          code,
                const char  *path,
                guint        page,
                const char  *format,
                ...)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  if (page > 0)
    g_set_error (error, EVOX_ERROR, code, "%s, page %u: %s", display, page, reason);
  else
    g_set_error (error, EVOX_ERROR, code, "%s: %s", display, reason);
}

static void
set_errno_error (GError     **error,
                 int          saved_errno,
                 const char  *what,
                 const char  *path)
{
  g_autofree char *display = g_filename_display_name (path);

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s %s: %s",
               what, display, g_strerror (saved_errno));
}

/* For errors from evox_check_allocation(), which know the size but not the file. */
static void
prefix_file_error (GError     **error,
                   const char  *path,
                   guint        page)
{
  g_autofree char *display = g_filename_display_name (path);

  if (page > 0)
    g_prefix_error (error, "%s, page %u: ", display, page);
  else
    g_prefix_error (error, "%s: ", display);
}

/* ------------------------------------------------------------------------------------------ */
/* Magic bytes                                                                                  */

static gboolean
is_tiff_magic (const guint8 *head)
{
  return memcmp (head, "II*\0", 4) == 0 || memcmp (head, "MM\0*", 4) == 0 ||
         memcmp (head, "II+\0", 4) == 0 || memcmp (head, "MM\0+", 4) == 0;
}

gboolean
evox_tiff_is_tiff (const char *path)
{
  guint8 head[4];
  ssize_t n;
  int fd;

  g_return_val_if_fail (path != NULL, FALSE);

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    return FALSE;
  do
    n = read (fd, head, sizeof head);
  while (n < 0 && errno == EINTR);
  close (fd);
  return n == (ssize_t) sizeof head && is_tiff_magic (head);
}

/* ------------------------------------------------------------------------------------------ */
/* Reading: the plan                                                                            */

typedef struct
{
  char     *path;
  guint64   size;
  gboolean  swapped;    /* byte order differs from this machine's */
} TiffFile;

typedef struct
{
  guint    file;        /* index into TiffReader.files */
  guint    number;      /* 1-based page number inside its file, for messages */
  guint64  ifd_offset;  /* where TIFFSetSubDirectory finds it again */
  guint    first_run;   /* into TiffReader.runs, for plain pages */
  guint    n_runs;      /* 0: decoded through libtiff */
} TiffPage;

/* A stretch of a plain page's pixels that lies in one piece in the file. */
typedef struct
{
  guint64 offset;
  guint64 length;
} TiffRun;

/* What a page must agree on with the first page; layout and codec may differ page to page. */
typedef struct
{
  guint32    width;
  guint32    height;
  SourceType source;
} PageFormat;

typedef struct
{
  GPtrArray      *files;
  GArray         *pages;
  GArray         *runs;
  PageFormat      format;
  gboolean        have_format;

  /* Taken from the first page. */
  char           *description;
  float           xres;
  float           yres;
  guint16         res_unit;

  EvoxSampleType  dest_type;
  gsize           dest_item;
  guint8         *dest;
  /* Pages from n_volume_pages on are Evox's measured SSRM scans (evox_scan_pages=), each decoded
   * into a buffer of its own that the volume then takes over. */
  guint           n_volume_pages;
  float         **scan_dest;
  guint           n_scan_dest;
  /* An ImageJ hyperstack's pages go to channels (hyperstack_layout): page p is channel
   * (p / (hs_c * hs_z)) * hs_c + p % hs_c, slice p / hs_c % hs_z; one channel: hs_c = 1 and
   * hs_z = the pages. */
  guint8        **channel_dest;
  guint           hs_c;
  guint           hs_z;

  EvoxProgress   *progress;
  GCancellable   *cancellable;
  gint            n_decoded;   /* atomic: pages done, for the progress */
} TiffReader;

static void
tiff_file_free (gpointer data)
{
  TiffFile *file = data;

  g_free (file->path);
  g_free (file);
}

static void
tiff_reader_clear (TiffReader *reader)
{
  g_clear_pointer (&reader->files, g_ptr_array_unref);
  g_clear_pointer (&reader->pages, g_array_unref);
  g_clear_pointer (&reader->runs, g_array_unref);
  g_clear_pointer (&reader->description, g_free);
  for (guint i = 0; reader->scan_dest != NULL && i < reader->n_scan_dest; i++)
    g_free (reader->scan_dest[i]);
  g_clear_pointer (&reader->scan_dest, g_free);
  g_clear_pointer (&reader->channel_dest, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TiffReader, tiff_reader_clear)

static gboolean
source_is_native (SourceType source)
{
  return source == SOURCE_U8 || source == SOURCE_U16 || source == SOURCE_F32;
}

static EvoxSampleType
dest_type_for (SourceType source)
{
  switch (source)
    {
    case SOURCE_U8: return EVOX_SAMPLE_U8;
    case SOURCE_U16: return EVOX_SAMPLE_U16;
    default: return EVOX_SAMPLE_F32;
    }
}

static const char *
sample_format_name (guint16 format)
{
  switch (format)
    {
    case SAMPLEFORMAT_UINT: return "unsigned integer";
    case SAMPLEFORMAT_INT: return "signed integer";
    case SAMPLEFORMAT_IEEEFP: return "floating-point";
    case SAMPLEFORMAT_VOID: return "untyped";
    case SAMPLEFORMAT_COMPLEXINT: return "complex integer";
    case SAMPLEFORMAT_COMPLEXIEEEFP: return "complex floating-point";
    default: return "unknown-format";
    }
}

static gboolean
source_type_from_tags (guint16     bits,
                       guint16     format,
                       SourceType *source)
{
  /* SampleFormat "void" means unspecified, which readers treat as unsigned. */
  if (format == SAMPLEFORMAT_UINT || format == SAMPLEFORMAT_VOID)
    {
      switch (bits)
        {
        case 8: *source = SOURCE_U8; return TRUE;
        case 16: *source = SOURCE_U16; return TRUE;
        case 32: *source = SOURCE_U32; return TRUE;
        default: return FALSE;
        }
    }
  if (format == SAMPLEFORMAT_INT)
    {
      switch (bits)
        {
        case 8: *source = SOURCE_I8; return TRUE;
        case 16: *source = SOURCE_I16; return TRUE;
        case 32: *source = SOURCE_I32; return TRUE;
        default: return FALSE;
        }
    }
  if (format == SAMPLEFORMAT_IEEEFP)
    {
      switch (bits)
        {
        case 32: *source = SOURCE_F32; return TRUE;
        case 64: *source = SOURCE_F64; return TRUE;
        default: return FALSE;
        }
    }
  return FALSE;
}

/* Reads what a page must agree on; unsupported variants become EVOX_ERROR_UNSUPPORTED. */
static gboolean
read_page_format (TIFF        *tif,
                  const char  *path,
                  guint        number,
                  PageFormat  *format,
                  GError     **error)
{
  guint32 width = 0, height = 0, depth = 1;
  guint16 spp = 1, bits = 1, sample_format = SAMPLEFORMAT_UINT;

  if (!TIFFGetField (tif, TIFFTAG_IMAGEWIDTH, &width) ||
      !TIFFGetField (tif, TIFFTAG_IMAGELENGTH, &height) || width == 0 || height == 0)
    {
      set_file_error (error, EVOX_ERROR_INVALID_DATA, path, number,
                      "the page has no width or height");
      return FALSE;
    }
  TIFFGetFieldDefaulted (tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted (tif, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted (tif, TIFFTAG_SAMPLEFORMAT, &sample_format);
  TIFFGetFieldDefaulted (tif, TIFFTAG_IMAGEDEPTH, &depth);

  if (spp != 1)
    {
      set_file_error (error, EVOX_ERROR_UNSUPPORTED, path, number,
                      "%u samples per pixel (colour or multi-channel pages) are not supported; "
                      "Evox reads grey-level pages with one sample per pixel", spp);
      return FALSE;
    }
  if (depth != 1)
    {
      set_file_error (error, EVOX_ERROR_UNSUPPORTED, path, number,
                      "volumetric pages (ImageDepth %u) are not supported", depth);
      return FALSE;
    }
  if (!source_type_from_tags (bits, sample_format, &format->source))
    {
      set_file_error (error, EVOX_ERROR_UNSUPPORTED, path, number,
                      "%u-bit %s samples are not supported (Evox reads 8, 16 and 32-bit "
                      "integers and 32 and 64-bit floats)",
                      bits, sample_format_name (sample_format));
      return FALSE;
    }
  format->width = width;
  format->height = height;
  return TRUE;
}

/* How far a codec can shrink data at best, so a header cannot claim more pixels than its bytes
 * could possibly decode to. Generous on purpose: they only stop absurd claims. */
static guint64
max_compression_ratio (guint16 compression)
{
  switch (compression)
    {
    case COMPRESSION_NONE: return 1;
    case COMPRESSION_PACKBITS: return 64;           /* 2 bytes expand to at most 128 */
    case COMPRESSION_ADOBE_DEFLATE:
    case COMPRESSION_DEFLATE: return 1100;          /* zlib's limit is about 1032:1 */
    case COMPRESSION_LZW: return 4096;              /* 9-bit codes for up to 4096 bytes: ~3641 */
    default: return 65536;                          /* zstd, lzma, ...: the memory cap decides */
    }
}

/* The strip and tile byte ranges of one file, for the bound on what they can decode to. Strips
 * may point at the same bytes (within a page or across pages), so the bound counts each byte of
 * the file once: a few KB of shared strips must not stand for gigabytes of pages. */
typedef struct
{
  GArray  *ranges;      /* TiffRun: every page's strips and tiles so far */
  guint64  min_bytes;   /* the least compressed data the pages so far can be held in */
  guint    n_pages;
} DataBound;

static int
compare_runs (gconstpointer a,
              gconstpointer b)
{
  const TiffRun *ra = a, *rb = b;

  return ra->offset < rb->offset ? -1 : ra->offset > rb->offset;
}

/* Bytes of the file that the ranges cover, each byte once; sorts the ranges. */
static guint64
distinct_bytes (GArray *ranges)
{
  guint64 sum = 0, end = 0;

  g_array_sort (ranges, compare_runs);
  for (guint i = 0; i < ranges->len; i++)
    {
      const TiffRun *run = &g_array_index (ranges, TiffRun, i);
      guint64 run_end = run->offset + run->length;  /* both were checked against the file size */
      guint64 start = MAX (run->offset, end);

      if (run_end > start)
        sum += run_end - start;
      end = MAX (end, run_end);
    }
  return sum;
}

/* Checks the page's strips or tiles against the file before anything is allocated: data must lie
 * inside the file, and its distinct bytes must be able to hold (or decode to) the whole page. */
static gboolean
check_page_data (TIFF              *tif,
                 const TiffFile    *file,
                 guint              number,
                 const PageFormat  *format,
                 DataBound         *bound,
                 GError           **error)
{
  guint16 compression = COMPRESSION_NONE;
  guint32 n_striles;
  guint64 page_bytes = (guint64) format->width * format->height;
  guint64 needed, total;
  g_autoptr(GArray) ranges = NULL;

  TIFFGetFieldDefaulted (tif, TIFFTAG_COMPRESSION, &compression);
  n_striles = TIFFIsTiled (tif) ? TIFFNumberOfTiles (tif) : TIFFNumberOfStrips (tif);
  if (!g_uint64_checked_mul (&page_bytes, page_bytes, source_types[format->source].bytes))
    page_bytes = G_MAXUINT64;

  ranges = g_array_sized_new (FALSE, FALSE, sizeof (TiffRun), n_striles);
  for (guint32 i = 0; i < n_striles; i++)
    {
      int err_offset = 0, err_count = 0;
      guint64 offset = TIFFGetStrileOffsetWithErr (tif, i, &err_offset);
      guint64 count = TIFFGetStrileByteCountWithErr (tif, i, &err_count);
      TiffRun run = { offset, count };

      if (err_offset || err_count)
        {
          set_file_error (error, EVOX_ERROR_INVALID_DATA, file->path, number,
                          "cannot read the location of strip or tile %u", i);
          return FALSE;
        }
      if (offset > file->size || count > file->size - offset)
        {
          set_file_error (error, EVOX_ERROR_INVALID_DATA, file->path, number,
                          "image data lies beyond the end of the file (%" G_GUINT64_FORMAT
                          " bytes); the file is truncated or corrupt", file->size);
          return FALSE;
        }
      g_array_append_val (ranges, run);
    }
  total = distinct_bytes (ranges);
  g_array_append_vals (bound->ranges, ranges->data, ranges->len);
  bound->n_pages++;

  if (compression == COMPRESSION_NONE)
    {
      /* Tiles cover whole tiles even at the right and bottom edges. */
      needed = TIFFIsTiled (tif) ? (guint64) n_striles * TIFFTileSize64 (tif) : page_bytes;
      if (total < needed)
        {
          set_file_error (error, EVOX_ERROR_INVALID_DATA, file->path, number,
                          "the page's strips hold %" G_GUINT64_FORMAT " bytes but a %"
                          G_GUINT32_FORMAT " x %" G_GUINT32_FORMAT " page of %s needs %"
                          G_GUINT64_FORMAT
                          "; the file is truncated or corrupt", total, format->width,
                          format->height, source_types[format->source].name, needed);
          return FALSE;
        }
    }
  else
    {
      needed = page_bytes / max_compression_ratio (compression);
      if (total == 0 || needed > total)
        {
          set_file_error (error, EVOX_ERROR_INVALID_DATA, file->path, number,
                          "%" G_GUINT64_FORMAT " distinct bytes of compressed data cannot hold "
                          "a %" G_GUINT32_FORMAT " x %" G_GUINT32_FORMAT " page of %s; the "
                          "header is corrupt", total, format->width, format->height,
                          source_types[format->source].name);
          return FALSE;
        }
    }
  if (!g_uint64_checked_add (&bound->min_bytes, bound->min_bytes, needed))
    bound->min_bytes = G_MAXUINT64;
  return TRUE;
}

/* Pages that each pass alone may still share their strips: all of them together must fit in
 * the distinct bytes of the file that their strips and tiles cover. */
static gboolean
check_file_data (const TiffFile    *file,
                 const PageFormat  *format,
                 DataBound         *bound,
                 GError           **error)
{
  guint64 distinct;

  if (bound->n_pages < 2)
    return TRUE;
  distinct = distinct_bytes (bound->ranges);
  if (bound->min_bytes <= distinct)
    return TRUE;
  set_file_error (error, EVOX_ERROR_INVALID_DATA, file->path, 0,
                  "its pages share image data: %" G_GUINT64_FORMAT " distinct bytes cannot "
                  "hold %u pages of %" G_GUINT32_FORMAT " x %" G_GUINT32_FORMAT " %s; the file "
                  "is corrupt", distinct, bound->n_pages, format->width, format->height,
                  source_types[format->source].name);
  return FALSE;
}

static gboolean
is_plain_layout (TIFF *tif)
{
  guint16 compression = COMPRESSION_NONE, fill_order = FILLORDER_MSB2LSB;

  TIFFGetFieldDefaulted (tif, TIFFTAG_COMPRESSION, &compression);
  TIFFGetFieldDefaulted (tif, TIFFTAG_FILLORDER, &fill_order);
  return compression == COMPRESSION_NONE && fill_order == FILLORDER_MSB2LSB;
}

/* Uncompressed strips of a native type lie in the file as they must lie in the volume, so the
 * scan notes where (merging adjacent strips) and decoding is a few pread() calls straight into
 * place: no second pass through the page's directory, no seek and read per strip, no libtiff. */
static void
record_plain_runs (TiffReader *reader,
                   TIFF       *tif,
                   TiffPage   *page)
{
  guint32 height = reader->format.height;
  guint64 row = (guint64) reader->format.width * source_types[reader->format.source].bytes;
  guint32 rows_per_strip = height;
  guint32 n_strips;

  page->first_run = reader->runs->len;
  page->n_runs = 0;
  if (!source_is_native (reader->format.source) || TIFFIsTiled (tif) || !is_plain_layout (tif))
    return;
  TIFFGetFieldDefaulted (tif, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
  if (rows_per_strip == 0 || rows_per_strip > height)
    rows_per_strip = height;
  n_strips = (height - 1) / rows_per_strip + 1;
  if (TIFFNumberOfStrips (tif) < n_strips)
    return;

  for (guint32 s = 0; s < n_strips; s++)
    {
      guint64 length = (guint64) MIN (rows_per_strip, height - s * rows_per_strip) * row;
      guint64 offset = TIFFGetStrileOffset (tif, s);
      TiffRun *last = page->n_runs > 0 ? &g_array_index (reader->runs, TiffRun,
                                                         reader->runs->len - 1) : NULL;

      /* A short strip is libtiff's to report. */
      if (TIFFGetStrileByteCount (tif, s) < length)
        {
          g_array_set_size (reader->runs, page->first_run);
          page->n_runs = 0;
          return;
        }
      if (last != NULL && last->offset + last->length == offset)
        last->length += length;
      else
        {
          TiffRun run = { offset, length };

          g_array_append_val (reader->runs, run);
          page->n_runs++;
        }
    }
}

static void
remember_first_page (TiffReader *reader,
                     TIFF       *tif)
{
  const char *description = NULL;

  if (TIFFGetField (tif, TIFFTAG_IMAGEDESCRIPTION, &description) && description != NULL)
    reader->description = g_strdup (description);
  if (!TIFFGetField (tif, TIFFTAG_XRESOLUTION, &reader->xres))
    reader->xres = 0;
  if (!TIFFGetField (tif, TIFFTAG_YRESOLUTION, &reader->yres))
    reader->yres = 0;
  TIFFGetFieldDefaulted (tif, TIFFTAG_RESOLUTIONUNIT, &reader->res_unit);
}

static gboolean
check_page (TiffReader  *reader,
            TIFF        *tif,
            guint        file_index,
            guint        number,
            DataBound   *bound,
            GError     **error)
{
  const TiffFile *file = g_ptr_array_index (reader->files, file_index);
  const TiffFile *first_file;
  PageFormat format;

  if (!read_page_format (tif, file->path, number, &format, error))
    return FALSE;

  if (!reader->have_format)
    {
      /* Refuse absurd pages before even looking at their data. */
      if (!evox_check_allocation ((guint64) format.width * format.height,
                                  evox_sample_type_size (dest_type_for (format.source)),
                                  "one page of the TIFF stack", error))
        {
          prefix_file_error (error, file->path, number);
          return FALSE;
        }
      reader->format = format;
      reader->have_format = TRUE;
      remember_first_page (reader, tif);
    }

  first_file = g_ptr_array_index (reader->files, 0);
  if (format.width != reader->format.width || format.height != reader->format.height)
    {
      set_file_error (error, EVOX_ERROR_INVALID_DATA, file->path, number,
                      "page is %" G_GUINT32_FORMAT " x %" G_GUINT32_FORMAT " pixels, but the "
                      "first page of %s is %" G_GUINT32_FORMAT " x %" G_GUINT32_FORMAT,
                      format.width, format.height, first_file->path, reader->format.width,
                      reader->format.height);
      return FALSE;
    }
  if (format.source != reader->format.source)
    {
      set_file_error (error, EVOX_ERROR_INVALID_DATA, file->path, number,
                      "page holds %s samples, but the first page of %s holds %s",
                      source_types[format.source].name, first_file->path,
                      source_types[reader->format.source].name);
      return FALSE;
    }

  return check_page_data (tif, file, number, &format, bound, error);
}

static gboolean
is_reduced_resolution (TIFF *tif)
{
  guint32 subfile = 0;

  return TIFFGetField (tif, TIFFTAG_SUBFILETYPE, &subfile) && (subfile & FILETYPE_REDUCEDIMAGE);
}

/* Opens FILE read-only after checking what libtiff would report less clearly: missing, empty,
 * short or not a TIFF at all. */
static TIFF *
open_for_reading (const TiffFile  *file,
                  guint64         *size,
                  TiffDiag        *diag,
                  GError         **error)
{
  GStatBuf st;
  guint8 head[8];
  ssize_t n;
  TIFF *tif;
  int fd = g_open (file->path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0)
    {
      set_errno_error (error, errno, "Cannot open", file->path);
      return NULL;
    }
  if (fstat (fd, &st) != 0)
    {
      set_errno_error (error, errno, "Cannot read", file->path);
      close (fd);
      return NULL;
    }
  *size = st.st_size;
  do
    n = pread (fd, head, sizeof head, 0);
  while (n < 0 && errno == EINTR);

  if (n < 0)
    {
      set_errno_error (error, errno, "Cannot read", file->path);
      close (fd);
      return NULL;
    }
  if (n == 0)
    {
      set_file_error (error, EVOX_ERROR_INVALID_DATA, file->path, 0, "the file is empty");
      close (fd);
      return NULL;
    }
  if (n < 4 || !is_tiff_magic (head))
    {
      set_file_error (error, EVOX_ERROR_INVALID_DATA, file->path, 0,
                      "not a TIFF file (it does not start with II*, MM*, II+ or MM+)");
      close (fd);
      return NULL;
    }

  tif = tiff_open_reader (fd, *size, file->path, diag);
  if (tif == NULL)
    {
      set_file_error (error, EVOX_ERROR_INVALID_DATA, file->path, 1, "%s",
                      diag_reason (diag, file->path, "cannot read the TIFF header"));
      diag_clear (diag);
      return NULL;
    }
  return tif;
}

/* libtiff quietly takes a next-directory offset cut off by the end of the file as "no more
 * pages", so a stack truncated there would load short without a word. */
static gboolean
directory_fits (TIFF    *tif,
                guint64  file_size)
{
  gboolean big = TIFFIsBigTIFF (tif);
  guint64 offset = TIFFCurrentDirOffset (tif);
  gsize width = big ? 8 : 2;
  guint8 bytes[8];
  guint64 count = 0, end;

  if (io_pread (((TiffIo *) TIFFClientdata (tif))->fd, bytes, width, offset) != (gssize) width)
    return FALSE;
  for (gsize i = 0; i < width; i++)
    {
      gsize k = TIFFIsBigEndian (tif) ? i : width - 1 - i;

      count = (count << 8) | bytes[k];
    }
  if (count > file_size)
    return FALSE;
  end = offset + (big ? 8 + count * 20 + 8 : 2 + count * 12 + 4);
  return end <= file_size;
}

static gboolean
scan_file (TiffReader    *reader,
           guint          file_index,
           GCancellable  *cancellable,
           GError       **error)
{
  TiffFile *file = g_ptr_array_index (reader->files, file_index);
  TiffDiag diag = { NULL };
  gboolean ok = TRUE;
  guint number = 1;
  g_autoptr(GArray) ranges = g_array_new (FALSE, FALSE, sizeof (TiffRun));
  DataBound bound = { ranges, 0, 0 };
  TIFF *tif = open_for_reading (file, &file->size, &diag, error);

  if (tif == NULL)
    return FALSE;
  file->swapped = TIFFIsByteSwapped (tif);

  for (;;)
    {
      /* Pages per file are unknown until the last one; where the directory lies in the file
       * tells how far through it the scan is, near enough for a bar. */
      double within = file->size > 0 ? (double) TIFFCurrentDirOffset (tif) / file->size : 0;

      evox_progress_update (reader->progress,
                            (file_index + MIN (within, 1.0)) / reader->files->len);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
      if (!directory_fits (tif, file->size))
        {
          set_file_error (error, EVOX_ERROR_INVALID_DATA, file->path, number,
                          "the page's directory is cut short; the file is truncated");
          ok = FALSE;
          break;
        }
      /* Thumbnails are not slices of the stack. */
      if (!is_reduced_resolution (tif))
        {
          TiffPage page = { file_index, number, TIFFCurrentDirOffset (tif) };

          if (!check_page (reader, tif, file_index, number, &bound, error))
            {
              ok = FALSE;
              break;
            }
          record_plain_runs (reader, tif, &page);
          g_array_append_val (reader->pages, page);
        }
      diag_clear (&diag);

      if (!TIFFReadDirectory (tif))
        {
          /* The last page returns 0 without a message; a broken next directory leaves one. */
          if (diag.message != NULL)
            {
              set_file_error (error, EVOX_ERROR_INVALID_DATA, file->path, number + 1,
                              "cannot read the page's directory: %s",
                              diag_reason (&diag, file->path, "corrupt directory"));
              ok = FALSE;
            }
          break;
        }
      number++;
    }

  if (ok)
    ok = check_file_data (file, &reader->format, &bound, error);
  TIFFClose (tif);
  diag_clear (&diag);
  return ok;
}

/* ------------------------------------------------------------------------------------------ */
/* Folders                                                                                      */

/* Natural order: runs of digits compare as numbers, so img2 comes before img10. */
static int
natural_compare (const char *a,
                 const char *b)
{
  const char *pa = a, *pb = b;

  while (*pa != '\0' && *pb != '\0')
    {
      if (g_ascii_isdigit (*pa) && g_ascii_isdigit (*pb))
        {
          const char *ea, *eb;
          gsize la, lb;
          int cmp;

          while (*pa == '0' && g_ascii_isdigit (pa[1]))
            pa++;
          while (*pb == '0' && g_ascii_isdigit (pb[1]))
            pb++;
          for (ea = pa; g_ascii_isdigit (*ea); ea++)
            ;
          for (eb = pb; g_ascii_isdigit (*eb); eb++)
            ;
          la = ea - pa;
          lb = eb - pb;
          if (la != lb)
            return la < lb ? -1 : 1;
          cmp = strncmp (pa, pb, la);
          if (cmp != 0)
            return cmp;
          pa = ea;
          pb = eb;
        }
      else
        {
          int ca = g_ascii_tolower (*pa), cb = g_ascii_tolower (*pb);

          if (ca != cb)
            return ca < cb ? -1 : 1;
          pa++;
          pb++;
        }
    }
  if (*pa != *pb)
    return *pa == '\0' ? -1 : 1;
  /* Equal up to case and leading zeros: any fixed order will do. */
  return strcmp (a, b);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return natural_compare (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
has_tiff_suffix (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  return g_str_has_suffix (lower, ".tif") || g_str_has_suffix (lower, ".tiff");
}

static gboolean
list_folder (TiffReader  *reader,
             const char  *folder,
             GError     **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  dir = g_dir_open (folder, 0, error);
  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;

      /* Dot files include macOS "._img1.tif" resource forks, which are not images. */
      if (name[0] == '.' || !has_tiff_suffix (name))
        continue;
      path = g_build_filename (folder, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (names, g_strdup (name));
    }
  if (names->len == 0)
    {
      set_file_error (error, EVOX_ERROR_INVALID_DATA, folder, 0,
                      "the folder holds no .tif or .tiff files");
      return FALSE;
    }
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      TiffFile *file = g_new0 (TiffFile, 1);

      file->path = g_build_filename (folder, g_ptr_array_index (names, i), NULL);
      g_ptr_array_add (reader->files, file);
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Decoding                                                                                     */

static void
convert_to_f32 (SourceType    source,
                const guint8 *src,
                float        *dst,
                gsize         n)
{
  switch (source)
    {
    case SOURCE_I8:
      for (gsize i = 0; i < n; i++)
        dst[i] = ((const gint8 *) src)[i];
      break;
    case SOURCE_I16:
      for (gsize i = 0; i < n; i++)
        dst[i] = ((const gint16 *) src)[i];
      break;
    case SOURCE_U32:
      for (gsize i = 0; i < n; i++)
        dst[i] = (float) ((const guint32 *) src)[i];
      break;
    case SOURCE_I32:
      for (gsize i = 0; i < n; i++)
        dst[i] = (float) ((const gint32 *) src)[i];
      break;
    case SOURCE_F64:
      for (gsize i = 0; i < n; i++)
        dst[i] = (float) ((const double *) src)[i];
      break;
    case SOURCE_U8:
    case SOURCE_U16:
    case SOURCE_F32:
    default:
      g_assert_not_reached ();
    }
}

/* Copies N samples from a decoded buffer into the volume, converting where needed. */
static void
store_samples (const TiffReader *reader,
               const guint8     *src,
               guint8           *dst,
               gsize             n)
{
  if (source_is_native (reader->format.source))
    memcpy (dst, src, n * reader->dest_item);
  else
    convert_to_f32 (reader->format.source, src, (float *) dst, n);
}

/* One thread's state: its own libtiff handle (handles are not shared between threads) or plain
 * descriptor, its diagnostics and its scratch buffer. */
typedef struct
{
  TiffReader *reader;
  TIFF       *tif;
  guint       file;      /* the file tif reads */
  int         fd;        /* for plain pages; -1 when closed */
  guint       fd_file;
  TiffDiag    diag;
  guint8     *scratch;
  gsize       scratch_size;
} TiffWorker;

#define TIFF_WORKER_INIT(r) { .reader = (r), .fd = -1 }

static void
worker_clear (TiffWorker *worker)
{
  g_clear_pointer (&worker->tif, TIFFClose);
  if (worker->fd >= 0)
    close (worker->fd);
  worker->fd = -1;
  g_clear_pointer (&worker->scratch, g_free);
  worker->scratch_size = 0;
  diag_clear (&worker->diag);
}

static guint8 *
worker_scratch (TiffWorker *worker,
                gsize       size)
{
  if (worker->scratch_size < size)
    {
      g_free (worker->scratch);
      worker->scratch = g_malloc (size);
      worker->scratch_size = size;
    }
  return worker->scratch;
}

static gboolean
page_failed (TiffWorker      *worker,
             const TiffPage  *page,
             const char      *fallback,
             GError         **error)
{
  const TiffFile *file = g_ptr_array_index (worker->reader->files, page->file);

  if (worker->diag.message != NULL)
    set_file_error (error, EVOX_ERROR_INVALID_DATA, file->path, page->number, "%s: %s", fallback,
                    diag_reason (&worker->diag, file->path, ""));
  else
    set_file_error (error, EVOX_ERROR_INVALID_DATA, file->path, page->number, "%s", fallback);
  diag_clear (&worker->diag);
  return FALSE;
}

static gboolean
read_strips (TiffWorker *worker,
             guint8     *dest)
{
  const TiffReader *reader = worker->reader;
  TIFF *tif = worker->tif;
  guint32 width = reader->format.width, height = reader->format.height;
  gsize src_row = (gsize) width * source_types[reader->format.source].bytes;
  gsize dst_row = (gsize) width * reader->dest_item;
  guint32 rows_per_strip = height;
  guint32 n_strips;

  TIFFGetFieldDefaulted (tif, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
  if (rows_per_strip == 0 || rows_per_strip > height)
    rows_per_strip = height;
  n_strips = (height - 1) / rows_per_strip + 1;
  if (TIFFNumberOfStrips (tif) < n_strips)
    return FALSE;

  if (!source_is_native (reader->format.source) &&
      (gsize) rows_per_strip * src_row > MAX_STRIP_SCRATCH)
    {
      guint8 *row = worker_scratch (worker, src_row);

      for (guint32 y = 0; y < height; y++)
        {
          if (y % 256 == 0 && g_cancellable_is_cancelled (reader->cancellable))
            return FALSE;
          if (TIFFReadScanline (tif, row, y, 0) < 0)
            return FALSE;
          store_samples (reader, row, dest + y * dst_row, width);
        }
      return TRUE;
    }

  for (guint32 s = 0; s < n_strips; s++)
    {
      guint32 y0 = s * rows_per_strip;
      guint32 rows = MIN (rows_per_strip, height - y0);
      tmsize_t want = (tmsize_t) (rows * src_row);
      guint8 *out = dest + y0 * dst_row;

      /* Large pages can hold many strips: do not make a cancelled load finish the page. */
      if (g_cancellable_is_cancelled (reader->cancellable))
        return FALSE;
      if (source_is_native (reader->format.source))
        {
          /* Straight into the volume: no copy of the page on the way. */
          if (TIFFReadEncodedStrip (tif, s, out, want) != want)
            return FALSE;
        }
      else
        {
          guint8 *buffer = worker_scratch (worker, (gsize) rows_per_strip * src_row);

          if (TIFFReadEncodedStrip (tif, s, buffer, want) != want)
            return FALSE;
          store_samples (reader, buffer, out, (gsize) rows * width);
        }
    }
  return TRUE;
}

/* Rows [y0, y0 + h) and columns [x0, x0 + w) of a tiled page into out (w samples a row): the
 * tiles the box touches, each decoded once. */
static gboolean
read_tile_box (TiffWorker      *worker,
               const TiffPage  *page,
               gsize            x0,
               gsize            y0,
               gsize            w,
               gsize            h,
               guint8          *out,
               GError         **error)
{
  const TiffReader *reader = worker->reader;
  const TiffFile *file = g_ptr_array_index (reader->files, page->file);
  TIFF *tif = worker->tif;
  gsize src_item = source_types[reader->format.source].bytes;
  guint32 tile_w = 0, tile_h = 0;
  guint64 tile_bytes;
  guint8 *buffer;

  if (!TIFFGetField (tif, TIFFTAG_TILEWIDTH, &tile_w) ||
      !TIFFGetField (tif, TIFFTAG_TILELENGTH, &tile_h) || tile_w == 0 || tile_h == 0)
    {
      set_file_error (error, EVOX_ERROR_INVALID_DATA, file->path, page->number,
                      "tiled page without a tile size");
      return FALSE;
    }
  tile_bytes = (guint64) tile_w * tile_h * src_item;
  if (tile_bytes != TIFFTileSize64 (tif) ||
      !evox_check_allocation (tile_bytes, 1, "one tile", error))
    {
      if (error != NULL && *error == NULL)
        set_file_error (error, EVOX_ERROR_INVALID_DATA, file->path, page->number,
                        "inconsistent tile size");
      else
        prefix_file_error (error, file->path, page->number);
      return FALSE;
    }
  buffer = worker_scratch (worker, tile_bytes);

  for (gsize ty = y0 / tile_h * tile_h; ty < y0 + h; ty += tile_h)
    for (gsize tx = x0 / tile_w * tile_w; tx < x0 + w; tx += tile_w)
      {
        guint32 tile = TIFFComputeTile (tif, (guint32) tx, (guint32) ty, 0, 0);
        gsize cx0 = MAX (tx, x0), cx1 = MIN (tx + tile_w, x0 + w);

        if (g_cancellable_is_cancelled (reader->cancellable))
          return page_failed (worker, page, "cancelled", error);
        if (TIFFReadEncodedTile (tif, tile, buffer, (tmsize_t) tile_bytes) != (tmsize_t) tile_bytes)
          return page_failed (worker, page, "cannot decode a tile", error);
        for (gsize y = MAX (ty, y0); y < MIN (ty + tile_h, y0 + h); y++)
          store_samples (reader, buffer + ((y - ty) * tile_w + (cx0 - tx)) * src_item,
                         out + ((y - y0) * w + (cx0 - x0)) * reader->dest_item, cx1 - cx0);
      }
  return TRUE;
}

static gboolean
file_changed (const TiffFile  *file,
              GError         **error)
{
  set_file_error (error, EVOX_ERROR_INVALID_DATA, file->path, 0,
                  "the file changed while it was being read");
  return FALSE;
}

static gboolean
worker_select_page (TiffWorker      *worker,
                    const TiffPage  *page,
                    GError         **error)
{
  const TiffFile *file = g_ptr_array_index (worker->reader->files, page->file);
  PageFormat format;

  if (worker->tif != NULL && worker->file != page->file)
    g_clear_pointer (&worker->tif, TIFFClose);
  if (worker->tif == NULL)
    {
      guint64 size = 0;

      worker->tif = open_for_reading (file, &size, &worker->diag, error);
      if (worker->tif == NULL)
        return FALSE;
      worker->file = page->file;
      if (size != file->size)
        return file_changed (file, error);
    }

  /* A freshly opened handle already sits on the first page. */
  if (TIFFCurrentDirOffset (worker->tif) != page->ifd_offset &&
      !TIFFSetSubDirectory (worker->tif, page->ifd_offset))
    return page_failed (worker, page, "cannot read the page's directory", error);

  /* The volume was sized from the scan; never trust that the page still agrees. */
  if (!read_page_format (worker->tif, file->path, page->number, &format, error))
    return FALSE;
  if (memcmp (&format, &worker->reader->format, sizeof format) != 0)
    return file_changed (file, error);
  return TRUE;
}

/* The worker's descriptor on page's file, checked to be the size the scan saw. */
static gboolean
worker_open_fd (TiffWorker      *worker,
                const TiffPage  *page,
                GError         **error)
{
  const TiffFile *file = g_ptr_array_index (worker->reader->files, page->file);
  GStatBuf st;

  if (worker->fd >= 0 && worker->fd_file != page->file)
    {
      close (worker->fd);
      worker->fd = -1;
    }
  if (worker->fd >= 0)
    return TRUE;
  worker->fd = g_open (file->path, O_RDONLY | O_CLOEXEC, 0);
  if (worker->fd < 0)
    {
      set_errno_error (error, errno, "Cannot open", file->path);
      return FALSE;
    }
  worker->fd_file = page->file;
  if (fstat (worker->fd, &st) != 0 || (guint64) st.st_size != file->size)
    {
      close (worker->fd);
      worker->fd = -1;
      return file_changed (file, error);
    }
  return TRUE;
}

static gboolean
read_plain_page (TiffWorker      *worker,
                 const TiffPage  *page,
                 guint8          *dest,
                 GError         **error)
{
  const TiffReader *reader = worker->reader;
  const TiffFile *file = g_ptr_array_index (reader->files, page->file);
  gsize page_bytes = (gsize) reader->format.width * reader->format.height * reader->dest_item;
  gsize done = 0;

  if (!worker_open_fd (worker, page, error))
    return FALSE;
  for (guint r = 0; r < page->n_runs; r++)
    {
      const TiffRun *run = &g_array_index (reader->runs, TiffRun, page->first_run + r);

      /* The runs were built to cover the page exactly; never write past it. */
      g_assert (run->length <= page_bytes - done);
      errno = 0;
      if (io_pread (worker->fd, dest + done, run->length, run->offset) != (gssize) run->length)
        {
          int saved_errno = errno;

          set_file_error (error, EVOX_ERROR_INVALID_DATA, file->path, page->number,
                          "cannot read the pixel data: %s",
                          saved_errno ? g_strerror (saved_errno) : "the file is shorter");
          return FALSE;
        }
      done += run->length;
    }
  g_assert (done == page_bytes);

  if (file->swapped && reader->dest_item == 2)
    TIFFSwabArrayOfShort ((guint16 *) dest, (tmsize_t) (page_bytes / 2));
  else if (file->swapped && reader->dest_item == 4)
    TIFFSwabArrayOfLong ((guint32 *) dest, (tmsize_t) (page_bytes / 4));
  return TRUE;
}

static gboolean
worker_decode (TiffWorker  *worker,
               guint        index,
               GError     **error)
{
  const TiffReader *reader = worker->reader;
  const TiffPage *page = &g_array_index (reader->pages, TiffPage, index);
  gsize page_bytes = (gsize) reader->format.width * reader->format.height * reader->dest_item;
  guint8 *dest;

  if (index >= reader->n_volume_pages)
    dest = (guint8 *) reader->scan_dest[index - reader->n_volume_pages];
  else if (reader->channel_dest != NULL)
    dest = reader->channel_dest[index / (reader->hs_c * reader->hs_z) * reader->hs_c +
                                index % reader->hs_c] +
           (gsize) (index / reader->hs_c % reader->hs_z) * page_bytes;
  else
    dest = reader->dest + (gsize) index * page_bytes;

  diag_clear (&worker->diag);
  if (page->n_runs > 0)
    return read_plain_page (worker, page, dest, error);
  if (!worker_select_page (worker, page, error))
    return FALSE;
  if (TIFFIsTiled (worker->tif))
    return read_tile_box (worker, page, 0, 0, worker->reader->format.width,
                          worker->reader->format.height, dest, error);
  if (!read_strips (worker, dest))
    return page_failed (worker, page, "cannot decode the page", error);
  return TRUE;
}

#ifdef _OPENMP
/* Even uncompressed pages gain from threads: copying from the page cache is CPU bound (about
 * 1.7x with two threads here), and decoding scales with the number of pages. */
static guint
decode_threads (const TiffReader *reader)
{
  if (reader->pages->len < 2)
    return 1;
  return (guint) MAX (1, MIN (omp_get_max_threads (), (int) reader->pages->len));
}
#endif

static void
page_decoded (TiffReader *reader)
{
  gint done = g_atomic_int_add (&reader->n_decoded, 1) + 1;

  evox_progress_update (reader->progress, (double) done / reader->pages->len);
}

/* A page stopped half-way by a cancellation fails like a broken one; report the cancellation. */
static gboolean
decode_failed (TiffReader  *reader,
               GError     **error)
{
  if (g_cancellable_is_cancelled (reader->cancellable) && error != NULL)
    g_clear_error (error);
  g_cancellable_set_error_if_cancelled (reader->cancellable, error);
  return FALSE;
}

/* Pages order[from .. to), or from .. to themselves where order is NULL. */
static gboolean
decode_sequential (TiffReader    *reader,
                   const guint   *order,
                   guint          from,
                   guint          to,
                   GCancellable  *cancellable,
                   GError       **error)
{
  TiffWorker worker = TIFF_WORKER_INIT (reader);
  gboolean ok = TRUE;

  for (guint i = from; ok && i < to; i++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        ok = FALSE;
      else if (worker_decode (&worker, order != NULL ? order[i] : i, error))
        page_decoded (reader);
      else
        ok = decode_failed (reader, error);
    }
  worker_clear (&worker);
  return ok;
}

#ifdef _OPENMP
/* Pages are independent, so each thread takes the next page with its own handle, jumping to the
 * directory offsets recorded by the scan. The error of the lowest failing page is reported. */
static gboolean
decode_parallel (TiffReader    *reader,
                 guint          n_threads,
                 const guint   *order,
                 guint          from,
                 guint          to,
                 GCancellable  *cancellable,
                 GError       **error)
{
  GError *first_error = NULL;
  gint64 first_failed = G_MAXINT64;
  int stop = 0;

#pragma omp parallel num_threads (n_threads)
  {
    TiffWorker worker = TIFF_WORKER_INIT (reader);

#pragma omp for schedule (dynamic, 1)
    for (gint64 i = from; i < (gint64) to; i++)
      {
        GError *local = NULL;
        guint page = order != NULL ? order[i] : (guint) i;

        if (g_atomic_int_get (&stop))
          continue;
        if (g_cancellable_is_cancelled (cancellable))
          {
            g_atomic_int_set (&stop, 1);
            continue;
          }
        if (worker_decode (&worker, page, &local))
          {
            page_decoded (reader);
            continue;
          }
        g_atomic_int_set (&stop, 1);
#pragma omp critical (evox_tiff_first_error)
        {
          if (page < first_failed)
            {
              first_failed = page;
              g_clear_error (&first_error);
              first_error = g_steal_pointer (&local);
            }
        }
        g_clear_error (&local);
      }
    worker_clear (&worker);
  }

  if (first_error != NULL)
    {
      g_propagate_error (error, first_error);
      return decode_failed (reader, error);
    }
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}
#endif

static gboolean
decode_range (TiffReader    *reader,
              const guint   *order,
              guint          from,
              guint          to,
              GCancellable  *cancellable,
              GError       **error)
{
#ifdef _OPENMP
  guint n_threads = decode_threads (reader);

  if (n_threads > 1)
    return decode_parallel (reader, n_threads, order, from, to, cancellable, error);
#endif
  return decode_sequential (reader, order, from, to, cancellable, error);
}

/* Where byte at of plain page's decoded pixels lies in its file; *n_left: the bytes from there
 * that lie in one piece (to the end of their run). */
static guint64
plain_offset (const TiffReader  *reader,
              const TiffPage    *page,
              guint64            at,
              guint64           *n_left)
{
  guint64 run_start = 0;

  for (guint r = 0; r < page->n_runs; r++)
    {
      const TiffRun *run = &g_array_index (reader->runs, TiffRun, page->first_run + r);

      if (at < run_start + run->length)
        {
          *n_left = run_start + run->length - at;
          return run->offset + (at - run_start);
        }
      run_start += run->length;
    }
  g_assert_not_reached ();
  return 0;
}

/* Bytes [at, at + n) of plain page's decoded pixels, through its runs, in this machine's order. */
static gboolean
read_plain_bytes (const TiffReader  *reader,
                  int                fd,
                  const TiffPage    *page,
                  guint64            at,
                  gsize              n_bytes,
                  guint8            *out,
                  GError           **error)
{
  const TiffFile *file = g_ptr_array_index (reader->files, page->file);
  gsize done = 0;

  /* The runs cover the page in order; the bytes may straddle several. */
  while (done < n_bytes)
    {
      guint64 n_left, offset = plain_offset (reader, page, at + done, &n_left);
      gsize n = (gsize) MIN (n_left, n_bytes - done);

      errno = 0;
      if (io_pread (fd, out + done, n, offset) != (gssize) n)
        {
          int saved_errno = errno;

          set_file_error (error, EVOX_ERROR_INVALID_DATA, file->path, page->number,
                          "cannot read the pixel data: %s",
                          saved_errno ? g_strerror (saved_errno) : "the file is shorter");
          return FALSE;
        }
      done += n;
    }
  if (file->swapped && reader->dest_item == 2)
    TIFFSwabArrayOfShort ((guint16 *) out, (tmsize_t) (n_bytes / 2));
  else if (file->swapped && reader->dest_item == 4)
    TIFFSwabArrayOfLong ((guint32 *) out, (tmsize_t) (n_bytes / 4));
  return TRUE;
}

/* Row y of plain page z read alone, for the first preview (evox_preview_new_sparse), which
 * reads every stride-th row of every stride-th page, page after page. */
typedef struct
{
  const TiffReader *reader;
  int               fd;
  guint             fd_file;
  guint             stride;
  gsize             advised;   /* the next page whose rows are to be asked ahead */
} TiffRowReader;

/* Pages whose preview rows are asked ahead of the one being read. */
#define TIFF_ROWS_AHEAD_PAGES 4

/* The preview's rows of the next few pages are asked from the disk (posix_fadvise WILLNEED
 * queues their reads and returns) while those of this page are read: thousands of small rows
 * read one pread after the other, from a cold disk, would each wait for the disk alone. */
static void
rows_read_ahead (TiffRowReader *rows,
                 gsize          z)
{
  const TiffReader *reader = rows->reader;
  gsize row_bytes = (gsize) reader->format.width * reader->dest_item;
  gsize until = MIN (reader->pages->len, z + (gsize) TIFF_ROWS_AHEAD_PAGES * rows->stride + 1);

  for (; rows->advised < until; rows->advised += rows->stride)
    {
      const TiffPage *page = &g_array_index (reader->pages, TiffPage, rows->advised);

      /* A folder's pages are files of their own. */
      if (page->file != rows->fd_file)
        continue;
      for (gsize y = 0; y < reader->format.height; y += rows->stride)
        {
          guint64 n_left, offset = plain_offset (reader, page, (guint64) y * row_bytes, &n_left);

          posix_fadvise (rows->fd, (off_t) offset, (off_t) MIN (n_left, row_bytes),
                         POSIX_FADV_WILLNEED);
        }
    }
}

/* rows->fd on page's file. */
static gboolean
rows_open (TiffRowReader   *rows,
           const TiffPage  *page,
           GError         **error)
{
  const TiffFile *file = g_ptr_array_index (rows->reader->files, page->file);

  if (rows->fd >= 0 && rows->fd_file != page->file)
    {
      close (rows->fd);
      rows->fd = -1;
    }
  if (rows->fd >= 0)
    return TRUE;
  rows->fd = g_open (file->path, O_RDONLY | O_CLOEXEC, 0);
  if (rows->fd < 0)
    {
      set_errno_error (error, errno, "Cannot open", file->path);
      return FALSE;
    }
  rows->fd_file = page->file;
  return TRUE;
}

static gboolean
read_plain_row (gpointer   user_data,
                gsize      z,
                gsize      y,
                gpointer   row,
                GError   **error)
{
  TiffRowReader *rows = user_data;
  const TiffReader *reader = rows->reader;
  const TiffPage *page = &g_array_index (reader->pages, TiffPage, z);
  gsize row_bytes = (gsize) reader->format.width * reader->dest_item;

  if (!rows_open (rows, page, error))
    return FALSE;
  rows_read_ahead (rows, z);
  return read_plain_bytes (reader, rows->fd, page, (guint64) y * row_bytes, row_bytes, row, error);
}

/* The preview's rows and those asked ahead leave the file cached in small pieces, a few
 * kilobytes every few kilobytes of every stride-th page; the kernel's read-ahead then reads the
 * whole file that follows in requests of about 120 KiB instead of 4 MiB (1024^3 u16: 17,000 of
 * them instead of 550; bench/RESULTS.md, "a cold read with previews"). Dropping those pieces
 * again (the 4 KiB blocks around each row, 1/32 of a file of 2 KiB rows at stride 8) gives the
 * read its large requests back. Where the file was cached already, it sits in larger pieces,
 * which the kernel keeps whole. */
static void
rows_drop_cached (TiffRowReader *rows)
{
  const TiffReader *reader = rows->reader;
  gsize row_bytes = (gsize) reader->format.width * reader->dest_item;
  const guint64 block = 4096;

  for (gsize z = 0; z < MIN (rows->advised, reader->pages->len); z += rows->stride)
    {
      const TiffPage *page = &g_array_index (reader->pages, TiffPage, z);

      if (!rows_open (rows, page, NULL))
        continue;
      for (gsize y = 0; y < reader->format.height; y += rows->stride)
        /* A row may lie in pieces of several strips. */
        for (gsize done = 0; done < row_bytes;)
          {
            guint64 n_left, offset = plain_offset (reader, page, (guint64) y * row_bytes + done,
                                                   &n_left);
            gsize n = (gsize) MIN (n_left, row_bytes - done);
            guint64 start = offset / block * block;
            guint64 end = (offset + n + block - 1) / block * block;

            posix_fadvise (rows->fd, (off_t) start, (off_t) (end - start), POSIX_FADV_DONTNEED);
            done += n;
          }
    }
}

/* The first preview from its rows alone when every page is plain (uncompressed, read with
 * pread): from a cold disk its slices would take 1/s of the file, its rows take 1/s^2. FALSE
 * when it was not made (the level's slices then make it). */
static gboolean
publish_sparse_preview (const TiffReader          *reader,
                        guint                      stride,
                        const EvoxPreviewOptions  *preview,
                        EvoxVolume                *volume)
{
  TiffRowReader rows = { reader, -1, 0, stride, 0 };
  g_autoptr(EvoxVolume) sparse = NULL;
  g_autoptr(GError) local = NULL;

  for (guint i = 0; i < reader->pages->len; i++)
    if (g_array_index (reader->pages, TiffPage, i).n_runs == 0)
      return FALSE;
  sparse = evox_preview_new_sparse (volume, stride, read_plain_row, &rows, &local);
  rows_drop_cached (&rows);
  if (rows.fd >= 0)
    close (rows.fd);
  if (sparse == NULL)
    {
      /* The whole read that follows reports what is wrong with the file. */
      g_debug ("no sparse preview: %s", local->message);
      return FALSE;
    }
  preview->func (sparse, preview->user_data);
  return TRUE;
}

/* Every page; with a plan (a one-channel stack without scan pages, whose page z is slice z), the
 * preview slices first, each preview handed over as soon as its slices are in. */
static gboolean
decode_all (TiffReader                *reader,
            const EvoxPreviewPlan     *plan,
            const EvoxPreviewOptions  *preview,
            EvoxVolume                *volume,
            GCancellable              *cancellable,
            GError                   **error)
{
  gboolean first_done;

  guint from = 0;

  if (plan == NULL || plan->n_levels == 0)
    return decode_range (reader, NULL, 0, reader->pages->len, cancellable, error);
  g_assert (reader->pages->len == evox_volume_get_n_voxels (volume) /
                                  ((gsize) reader->format.width * reader->format.height));
  first_done = publish_sparse_preview (reader, plan->stride[0], preview, volume);
  for (guint l = 0; l < plan->n_levels; l++)
    {
      if (!decode_range (reader, plan->order, from, plan->level_end[l], cancellable, error))
        return FALSE;
      from = plan->level_end[l];
      if (l > 0 || !first_done)
        evox_preview_publish (preview, volume, plan->stride[l]);
    }
  return decode_range (reader, plan->order, from, reader->pages->len, cancellable, error);
}

/* ------------------------------------------------------------------------------------------ */
/* Physical size                                                                                */

/* Nanometres per unit as ImageJ and others write it; 0 when unknown or "pixel". */
static double
unit_to_nm (const char *unit)
{
  static const struct
  {
    const char *name;
    double      nm;
  } units[] = {
    { "nm", 1 }, { "nanometer", 1 }, { "nanometre", 1 }, { "nanometers", 1 },
    { "nanometres", 1 },
    { "um", 1e3 }, { "micron", 1e3 }, { "microns", 1e3 }, { "micrometer", 1e3 },
    { "micrometre", 1e3 }, { "micrometers", 1e3 }, { "micrometres", 1e3 },
    { "\xc2\xb5m", 1e3 },      /* MICRO SIGN */
    { "\xce\xbcm", 1e3 },      /* GREEK SMALL LETTER MU */
    { "\\u00b5m", 1e3 },       /* ImageJ escapes non-ASCII units this way */
    { "\\u03bcm", 1e3 },
    { "mm", 1e6 }, { "millimeter", 1e6 }, { "millimetre", 1e6 },
    { "cm", 1e7 }, { "centimeter", 1e7 }, { "centimetre", 1e7 },
    { "m", 1e9 }, { "meter", 1e9 }, { "metre", 1e9 },
    { "a", 0.1 }, { "angstrom", 0.1 }, { "\xc3\x85", 0.1 }, { "\xe2\x84\xab", 0.1 },
    { "pm", 1e-3 }, { "picometer", 1e-3 },
    { "inch", 2.54e7 }, { "in", 2.54e7 },
  };
  g_autofree char *lower = NULL;

  if (unit == NULL)
    return 0;
  lower = g_utf8_strdown (unit, -1);
  g_strstrip (lower);
  for (gsize i = 0; i < G_N_ELEMENTS (units); i++)
    if (strcmp (lower, units[i].name) == 0)
      return units[i].nm;
  /* "Å" is lowered to "å" by g_utf8_strdown. */
  if (strcmp (lower, "\xc3\xa5") == 0)
    return 0.1;
  return 0;
}

typedef struct
{
  char   *unit;
  char   *zunit;
  double  spacing;  /* z step in units, 0 when absent */
  /* Evox's own keys (ImageJ ignores keys it does not know): what the values mean and where the
   * layers come from, so a converted SSRM stack reopens as it was. NULL when absent. */
  char   *evox_scale;
  char   *evox_quantity;
  char   *evox_unit;
  char   *evox_layers;
  char   *evox_scans;
  guint   evox_scan_pages;
  /* the hyperstack's shape (0 when absent) and Evox's channel labels and energies */
  guint   images;
  guint   channels;
  guint   slices;
  guint   frames;
  char   *evox_channels;
  char   *evox_channel_values;  /* SCALE:QUANTITY:UNIT;... per channel, since issue 12 */
  /* the same per page, where a plain stack's pages stand for channels (an energy stack) */
  char   *evox_page_channels;
  char   *evox_page_values;
} ImageJInfo;

static void
imagej_info_clear (ImageJInfo *info)
{
  g_clear_pointer (&info->unit, g_free);
  g_clear_pointer (&info->zunit, g_free);
  g_clear_pointer (&info->evox_scale, g_free);
  g_clear_pointer (&info->evox_quantity, g_free);
  g_clear_pointer (&info->evox_unit, g_free);
  g_clear_pointer (&info->evox_layers, g_free);
  g_clear_pointer (&info->evox_scans, g_free);
  g_clear_pointer (&info->evox_channels, g_free);
  g_clear_pointer (&info->evox_channel_values, g_free);
  g_clear_pointer (&info->evox_page_channels, g_free);
  g_clear_pointer (&info->evox_page_values, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ImageJInfo, imagej_info_clear)

static void
parse_imagej (const char *description,
              ImageJInfo *info)
{
  g_auto(GStrv) lines = NULL;

  if (description == NULL || !g_str_has_prefix (description, "ImageJ="))
    return;
  lines = g_strsplit (description, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *eq = strchr (lines[i], '=');
      const char *value;

      if (eq == NULL)
        continue;
      *eq = '\0';
      value = eq + 1;
      if (strcmp (lines[i], "unit") == 0)
        {
          g_free (info->unit);
          info->unit = g_strdup (value);
        }
      else if (strcmp (lines[i], "zunit") == 0)
        {
          g_free (info->zunit);
          info->zunit = g_strdup (value);
        }
      else if (strcmp (lines[i], "spacing") == 0)
        info->spacing = g_ascii_strtod (value, NULL);
      else if (strcmp (lines[i], "images") == 0 || strcmp (lines[i], "channels") == 0 ||
               strcmp (lines[i], "slices") == 0 || strcmp (lines[i], "frames") == 0)
        {
          guint *slot = lines[i][0] == 'i' ? &info->images : lines[i][0] == 'c' ? &info->channels
                      : lines[i][0] == 's' ? &info->slices : &info->frames;
          guint64 n;

          *slot = g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT32, &n, NULL) ? (guint) n : 0;
        }
      else if (g_str_has_prefix (lines[i], "evox_"))
        {
          const char *key = lines[i] + strlen ("evox_");
          char **slot = strcmp (key, "scale") == 0      ? &info->evox_scale
                      : strcmp (key, "quantity") == 0   ? &info->evox_quantity
                      : strcmp (key, "unit") == 0       ? &info->evox_unit
                      : strcmp (key, "layers") == 0     ? &info->evox_layers
                      : strcmp (key, "scans") == 0      ? &info->evox_scans
                      : strcmp (key, "channels") == 0   ? &info->evox_channels
                      : strcmp (key, "channel_values") == 0 ? &info->evox_channel_values
                      : strcmp (key, "page_channels") == 0 ? &info->evox_page_channels
                      : strcmp (key, "page_values") == 0 ? &info->evox_page_values
                      : NULL;
          guint64 n;

          if (slot != NULL)
            {
              g_free (*slot);
              *slot = g_strdup (value);
            }
          else if (strcmp (key, "scan_pages") == 0 &&
                   g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT16, &n, NULL))
            info->evox_scan_pages = (guint) n;
        }
    }
}

/* Pixel size from the resolution tags and ImageJ's description. Returns FALSE when nothing in the
 * file says how large a pixel is. */
static gboolean
physical_spacing (const TiffReader *reader,
                  double            spacing[3])
{
  ImageJInfo ij = { NULL };
  double unit_nm, per_unit = 0, z_unit;
  gboolean known = FALSE;

  parse_imagej (reader->description, &ij);
  unit_nm = unit_to_nm (ij.unit);

  switch (reader->res_unit)
    {
    case RESUNIT_INCH:
      /* 72 dpi is what many programs write when they know nothing; ImageJ ignores it too. */
      if (fabsf (reader->xres - 72.0f) > 1e-4f)
        per_unit = 2.54e7;
      break;
    case RESUNIT_CENTIMETER:
      per_unit = 1e7;
      break;
    case RESUNIT_NONE:
    default:
      per_unit = unit_nm;
      break;
    }

  if (per_unit > 0 && isfinite (reader->xres) && reader->xres > 0)
    {
      float yres = isfinite (reader->yres) && reader->yres > 0 ? reader->yres : reader->xres;

      spacing[0] = per_unit / reader->xres;
      spacing[1] = per_unit / yres;
      z_unit = ij.zunit != NULL && unit_to_nm (ij.zunit) > 0 ? unit_to_nm (ij.zunit) : unit_nm;
      /* Without a z step, assume cubic voxels as tomography reconstructions have. */
      if (ij.spacing > 0 && isfinite (ij.spacing) && z_unit > 0)
        spacing[2] = ij.spacing * z_unit;
      else
        spacing[2] = spacing[0];
      known = isfinite (spacing[0]) && isfinite (spacing[1]) && isfinite (spacing[2]) &&
              spacing[0] > 0 && spacing[1] > 0 && spacing[2] > 0;
    }
  if (!known)
    spacing[0] = spacing[1] = spacing[2] = 1.0;
  imagej_info_clear (&ij);
  return known;
}

static char *
description_for_metadata (const char *description)
{
  char *valid = g_utf8_make_valid (description, -1);
  gsize len = strlen (valid);

  if (len > DESCRIPTION_MAX)
    {
      char *end = valid + DESCRIPTION_MAX;

      /* Cut at a character boundary. */
      while (end > valid && (*end & 0xC0) == 0x80)
        end--;
      *end = '\0';
    }
  return valid;
}

static char *
unescape_field (const char *text)
{
  char *plain = g_uri_unescape_string (text, NULL);

  /* Percent-escaped NULs or invalid UTF-8 are not worth an error: keep the text as written. */
  if (plain == NULL || !g_utf8_validate (plain, -1, NULL))
    {
      g_free (plain);
      return g_utf8_make_valid (text, -1);
    }
  return plain;
}

static gboolean
parse_number (const char *text,
              double     *value)
{
  char *end = NULL;

  *value = g_ascii_strtod (text, &end);
  return end != text && *end == '\0' && isfinite (*value);
}

static gboolean
parse_index (const char *text,
             guint       n,
             int        *index)
{
  guint64 v;

  if (n == 0 || !g_ascii_string_to_unsigned (text, 10, 0, n - 1, &v, NULL))
    return FALSE;
  *index = (int) v;
  return TRUE;
}

/* evox_layers=Z:M:SCAN;Z:I:SCAN:BELOW:WEIGHT;... one entry per z slice (Z:M:-1 for a slice
 * without scans). All or nothing: a list that does not fit the stack is ignored. */
static gboolean
parse_layers (const char *text,
              gsize       nz,
              guint       n_scans,
              EvoxLayer  *layers)
{
  g_auto(GStrv) entries = g_strsplit (text, ";", -1);

  if (g_strv_length (entries) != nz)
    return FALSE;
  for (gsize z = 0; z < nz; z++)
    {
      g_auto(GStrv) f = g_strsplit (entries[z], ":", -1);
      guint n = g_strv_length (f);
      EvoxLayer *layer = &layers[z];

      *layer = (EvoxLayer) { .scan = -1, .scan_below = -1 };
      if (n < 3 || !parse_number (f[0], &layer->z_nm))
        return FALSE;
      if (n == 3 && strcmp (f[1], "M") == 0)
        {
          layer->measured = TRUE;
          if (strcmp (f[2], "-1") != 0 && !parse_index (f[2], n_scans, &layer->scan))
            return FALSE;
        }
      else if (n == 5 && strcmp (f[1], "I") == 0)
        {
          if (!parse_index (f[2], n_scans, &layer->scan) ||
              !parse_index (f[3], n_scans, &layer->scan_below) ||
              !parse_number (f[4], &layer->weight) || layer->weight < 0 || layer->weight > 1)
            return FALSE;
        }
      else
        return FALSE;
    }
  return TRUE;
}

/* An evox_scans entry is DEPTH:LABEL; the depth must be a finite number. */
static gboolean
parse_scan_depth (const char *entry,
                  double     *z_nm)
{
  const char *colon = strchr (entry, ':');
  g_autofree char *depth = g_strndup (entry, colon != NULL ? (gsize) (colon - entry)
                                                           : strlen (entry));

  return parse_number (depth, z_nm);
}

/* How many trailing pages hold measured SSRM scans: only when the description lists exactly that
 * many scans, each at a depth that parses, and the pages are f32 like the stack's; anything else
 * reads as plain pages. */
static guint
scan_page_count (const TiffReader *reader)
{
  g_auto(ImageJInfo) ij = { NULL };
  g_auto(GStrv) scans = NULL;
  g_autofree EvoxLayer *layers = NULL;

  parse_imagej (reader->description, &ij);
  if (ij.evox_scan_pages == 0 || ij.evox_scans == NULL || reader->format.source != SOURCE_F32 ||
      ij.evox_scan_pages >= reader->pages->len)
    return 0;
  scans = g_strsplit (ij.evox_scans, ";", -1);
  if (g_strv_length (scans) != ij.evox_scan_pages)
    return 0;
  for (guint i = 0; scans[i] != NULL; i++)
    {
      double z_nm;

      if (!parse_scan_depth (scans[i], &z_nm))
        return 0;
    }
  /* Pages set apart as scans must be what the layers refer to; otherwise all are the stack. */
  layers = g_new (EvoxLayer, reader->pages->len - ij.evox_scan_pages);
  if (ij.evox_layers == NULL ||
      !parse_layers (ij.evox_layers, reader->pages->len - ij.evox_scan_pages,
                     ij.evox_scan_pages, layers))
    return 0;
  return ij.evox_scan_pages;
}

/* ImageJ hyperstacks: `channels=C`, `slices=Z` and `frames=T` over C * Z * T pages in ImageJ's
 * czt order (channel fastest, then slice, then frame). Evox writes a multi-channel volume as
 * frames (channel-major pages, which Fiji shows as a time series), so every (frame, channel)
 * pair is a channel here, C * T of them. Returns how many; 1 for a plain stack, for a stack with
 * measured SSRM scan pages, or for a description that does not fit the pages. */
static guint
hyperstack_layout (TiffReader *reader)
{
  g_auto(ImageJInfo) ij = { NULL };
  guint64 c, z, t, n, product;

  reader->hs_c = 1;
  reader->hs_z = reader->n_volume_pages;
  parse_imagej (reader->description, &ij);
  c = MAX (ij.channels, 1);
  t = MAX (ij.frames, 1);
  n = reader->n_volume_pages;
  /* sizes above the page count cannot multiply to it (and their product could wrap) */
  if (c * t == 1 || n != reader->pages->len || c > n || t > n || ij.slices > n)
    return 1;
  /* ImageJ leaves slices= out when there is one */
  z = ij.slices > 0 ? ij.slices : n / (c * t);
  if (z == 0 || !g_uint64_checked_mul (&product, c, t) ||
      !g_uint64_checked_mul (&product, product, z) || product != n ||
      (ij.images != 0 && ij.images != n))
    return 1;
  reader->hs_c = (guint) c;
  reader->hs_z = (guint) z;
  return (guint) (c * t);
}

/* Each channel's value meaning from `evox_channel_values=SCALE:QUANTITY:UNIT;...` (quantity and
 * unit percent-escaped), when it has one entry per channel. A separate key rather than more
 * fields in evox_channels, so that older readers still read the energies there. Files without
 * it (or with a damaged entry) keep the volume-wide evox_scale/quantity/unit for that channel. */
/* One SCALE:QUANTITY:UNIT entry onto channel c; FALSE (and nothing set) when it is damaged. */
static gboolean
apply_values_entry (EvoxVolume *volume,
                    guint       c,
                    const char *entry)
{
  g_auto(GStrv) fields = g_strsplit (entry, ":", -1);
  g_autofree char *quantity = NULL;
  g_autofree char *unit = NULL;
  EvoxValueScale scale;

  if (g_strv_length (fields) != 3)
    return FALSE;
  if (strcmp (fields[0], "log10") == 0)
    scale = EVOX_SCALE_LOG10;
  else if (strcmp (fields[0], "linear") == 0)
    scale = EVOX_SCALE_LINEAR;
  else
    return FALSE;
  quantity = unescape_field (fields[1]);
  unit = unescape_field (fields[2]);
  evox_volume_set_channel_values (volume, c, scale, quantity[0] != '\0' ? quantity : NULL,
                                  unit);
  return TRUE;
}

static void
apply_channel_values (EvoxVolume *volume,
                      const char *text)
{
  g_auto(GStrv) entries = NULL;
  guint n = evox_volume_get_n_channels (volume);

  if (text == NULL)
    return;
  entries = g_strsplit (text, ";", -1);
  if (g_strv_length (entries) != n)
    return;
  for (guint c = 0; c < n; c++)
    apply_values_entry (volume, c, entries[c]);
}

/* The `;`-separated entries of a per-page key, NULL unless there is one per page. */
static GStrv
page_entries (const char *text,
              guint       n_pages)
{
  g_auto(GStrv) entries = NULL;

  if (text == NULL)
    return NULL;
  entries = g_strsplit (text, ";", -1);
  if (g_strv_length (entries) != n_pages)
    return NULL;
  return g_steal_pointer (&entries);
}

/* The energies of an energy stack come from its energies file, which a user may have edited:
 * a recorded label names the page's energy only when the energies still agree. */
#define PAGE_ENERGY_MATCH_EV 0.005

struct _EvoxTiffPages
{
  guint           n_pages;
  GStrv           channels;  /* LABEL:ENERGY per page, or NULL */
  GStrv           values;    /* SCALE:QUANTITY:UNIT per page, or NULL */
  /* the file's one meaning (evox_scale/quantity/unit), when it states it */
  gboolean        stated;
  EvoxValueScale  scale;
  char           *quantity;
  char           *unit;
};

EvoxTiffPages *
_evox_tiff_pages_new (const char *description,
                      guint       n_pages)
{
  g_auto(ImageJInfo) ij = { NULL };
  EvoxTiffPages *pages = g_new0 (EvoxTiffPages, 1);

  /* parsed once: a stack of many pages asks once per page */
  parse_imagej (description, &ij);
  pages->n_pages = n_pages;
  pages->channels = page_entries (ij.evox_page_channels, n_pages);
  pages->values = page_entries (ij.evox_page_values, n_pages);
  if (ij.evox_scale != NULL && (strcmp (ij.evox_scale, "log10") == 0 ||
                                strcmp (ij.evox_scale, "linear") == 0))
    {
      pages->stated = TRUE;
      pages->scale = strcmp (ij.evox_scale, "log10") == 0 ? EVOX_SCALE_LOG10 : EVOX_SCALE_LINEAR;
      pages->quantity = unescape_field (ij.evox_quantity ? ij.evox_quantity : "value");
      pages->unit = unescape_field (ij.evox_unit ? ij.evox_unit : "");
    }
  return pages;
}

void
_evox_tiff_pages_free (EvoxTiffPages *pages)
{
  if (pages == NULL)
    return;
  g_strfreev (pages->channels);
  g_strfreev (pages->values);
  g_free (pages->quantity);
  g_free (pages->unit);
  g_free (pages);
}

gboolean
_evox_tiff_pages_apply (const EvoxTiffPages *pages,
                        guint                page,
                        EvoxVolume          *volume,
                        guint                channel)
{
  gboolean stated = FALSE;

  g_return_val_if_fail (pages != NULL && page < pages->n_pages, FALSE);
  g_return_val_if_fail (EVOX_IS_VOLUME (volume), FALSE);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), FALSE);

  if (pages->values != NULL)
    stated = apply_values_entry (volume, channel, pages->values[page]);
  /* Files written before the per-page keys (and single-channel files) say it for them all. */
  if (!stated && pages->stated)
    {
      evox_volume_set_channel_values (volume, channel, pages->scale, pages->quantity,
                                      pages->unit);
      stated = TRUE;
    }

  if (pages->channels != NULL)
    {
      g_autofree char *entry = g_strdup (pages->channels[page]);
      char *colon = strchr (entry, ':');
      double energy = evox_volume_get_channel_energy (volume, channel);
      double recorded = NAN;
      g_autofree char *label = NULL;

      if (colon != NULL)
        {
          *colon = '\0';
          if (colon[1] != '\0' && !parse_number (colon + 1, &recorded))
            recorded = NAN;
        }
      label = unescape_field (entry);
      if (label[0] != '\0' &&
          (isfinite (energy) ? fabs (recorded - energy) <= PAGE_ENERGY_MATCH_EV
                             : !isfinite (recorded)))
        evox_volume_set_channel_info (volume, channel, label, energy);
    }
  return stated;
}

/* Channel labels and energies from Evox's key `evox_channels=LABEL:ENERGY;...` (labels
 * percent-escaped, an empty energy for none), when it has one entry per channel. */
static void
apply_channels (TiffReader *reader,
                EvoxVolume *volume)
{
  g_auto(ImageJInfo) ij = { NULL };
  g_auto(GStrv) entries = NULL;
  guint n = evox_volume_get_n_channels (volume);

  parse_imagej (reader->description, &ij);
  /* The meanings stand on their own: a file may give them without labels. */
  apply_channel_values (volume, ij.evox_channel_values);
  if (ij.evox_channels == NULL)
    return;
  entries = g_strsplit (ij.evox_channels, ";", -1);
  if (g_strv_length (entries) != n)
    return;
  for (guint c = 0; c < n; c++)
    {
      char *colon = strchr (entries[c], ':');
      g_autofree char *label = NULL;
      double energy = NAN;

      if (colon != NULL)
        {
          *colon = '\0';
          if (colon[1] != '\0' && !parse_number (colon + 1, &energy))
            energy = NAN;
        }
      label = unescape_field (entries[c]);
      evox_volume_set_channel_info (volume, c, label[0] != '\0' ? label : NULL, energy);
    }
}

/* What the values mean, the layers' provenance and the measured scans, from Evox's own keys. */
static void
apply_physics (TiffReader *reader,
               EvoxVolume *volume)
{
  g_auto(ImageJInfo) ij = { NULL };
  g_auto(GStrv) scans = NULL;
  g_autofree EvoxLayer *layers = NULL;
  guint n_scans = reader->pages->len - reader->n_volume_pages;
  gsize dims[3];

  evox_volume_set_values (volume, EVOX_SCALE_LINEAR, "intensity", "");
  parse_imagej (reader->description, &ij);
  if (ij.evox_scale != NULL && (strcmp (ij.evox_scale, "log10") == 0 ||
                                strcmp (ij.evox_scale, "linear") == 0))
    {
      g_autofree char *quantity = unescape_field (ij.evox_quantity ? ij.evox_quantity : "value");
      g_autofree char *unit = unescape_field (ij.evox_unit ? ij.evox_unit : "");

      evox_volume_set_values (volume, strcmp (ij.evox_scale, "log10") == 0 ? EVOX_SCALE_LOG10
                                                                           : EVOX_SCALE_LINEAR,
                              quantity, unit);
    }

  evox_volume_get_dims (volume, dims);
  layers = g_new0 (EvoxLayer, dims[2]);
  if (ij.evox_layers == NULL || !parse_layers (ij.evox_layers, dims[2], n_scans, layers))
    return;
  for (gsize z = 0; z < dims[2]; z++)
    evox_volume_set_layer (volume, z, &layers[z]);
  if (n_scans == 0)
    return;
  scans = g_strsplit (ij.evox_scans, ";", -1);
  for (guint i = 0; i < n_scans; i++)
    {
      const char *colon = strchr (scans[i], ':');
      g_autofree char *label = unescape_field (colon != NULL ? colon + 1 : "");
      double z_nm = 0;
      gboolean parsed = parse_scan_depth (scans[i], &z_nm);

      /* scan_page_count () set these pages apart only when every depth parsed. */
      g_assert (parsed);
      evox_volume_add_scan (volume, z_nm, label, g_steal_pointer (&reader->scan_dest[i]));
    }
}

static void
apply_metadata (TiffReader *reader,
                EvoxVolume *volume)
{
  double spacing[3];
  gboolean known = physical_spacing (reader, spacing);

  /* An unknown voxel size stays unset: the volume then says so, and views count in voxels. */
  if (known)
    evox_volume_set_spacing (volume, spacing);
  evox_volume_set_metadata (volume, "source_type", source_types[reader->format.source].name);
  apply_physics (reader, volume);
  apply_channels (reader, volume);
  if (reader->description != NULL && reader->description[0] != '\0')
    {
      g_autofree char *text = description_for_metadata (reader->description);

      evox_volume_set_metadata (volume, "tiff_description", text);
    }
}

/* Lists the files and scans every directory: the pages, their format and where their bytes are. */
static gboolean
scan_stack (TiffReader    *reader,
            const char    *path,
            gboolean       folder,
            GCancellable  *cancellable,
            GError       **error)
{
  reader->files = g_ptr_array_new_with_free_func (tiff_file_free);
  reader->pages = g_array_new (FALSE, FALSE, sizeof (TiffPage));
  reader->runs = g_array_new (FALSE, FALSE, sizeof (TiffRun));
  if (folder)
    {
      if (!list_folder (reader, path, error))
        return FALSE;
    }
  else
    {
      TiffFile *file = g_new0 (TiffFile, 1);

      file->path = g_strdup (path);
      g_ptr_array_add (reader->files, file);
    }

  for (guint i = 0; i < reader->files->len; i++)
    if (!scan_file (reader, i, cancellable, error))
      return FALSE;
  if (reader->pages->len == 0)
    {
      set_file_error (error, EVOX_ERROR_INVALID_DATA, path, 0, "no full-resolution pages");
      return FALSE;
    }
  reader->dest_type = dest_type_for (reader->format.source);
  reader->dest_item = evox_sample_type_size (reader->dest_type);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Reading on demand                                                                            */

/* A scanned stack kept open for boxes read on demand: one worker, used by one caller at a time
 * (the voxel source serializes them). */
typedef struct
{
  TiffReader reader;
  TiffWorker worker;
} TiffSource;

static void
tiff_source_free (gpointer data)
{
  TiffSource *source = data;

  worker_clear (&source->worker);
  tiff_reader_clear (&source->reader);
  g_free (source);
}

/* Rows [y0, y0 + h) and columns [x0, x0 + w) of a strip page decoded by libtiff into out. */
static gboolean
read_strip_box (TiffWorker  *worker,
                gsize        x0,
                gsize        y0,
                gsize        w,
                gsize        h,
                guint8      *out)
{
  const TiffReader *reader = worker->reader;
  guint32 width = reader->format.width, height = reader->format.height;
  gsize src_item = source_types[reader->format.source].bytes;
  gsize src_row = (gsize) width * src_item;
  guint32 rows_per_strip = height;
  guint8 *buffer;

  TIFFGetFieldDefaulted (worker->tif, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
  if (rows_per_strip == 0 || rows_per_strip > height)
    rows_per_strip = height;
  buffer = worker_scratch (worker, (gsize) rows_per_strip * src_row);
  for (guint32 s = (guint32) (y0 / rows_per_strip); (gsize) s * rows_per_strip < y0 + h; s++)
    {
      gsize first = (gsize) s * rows_per_strip;
      gsize rows = MIN (rows_per_strip, height - first);
      tmsize_t want = (tmsize_t) (rows * src_row);

      if (s >= TIFFNumberOfStrips (worker->tif) ||
          TIFFReadEncodedStrip (worker->tif, s, buffer, want) != want)
        return FALSE;
      for (gsize y = MAX (first, y0); y < MIN (first + rows, y0 + h); y++)
        store_samples (reader, buffer + (y - first) * src_row + x0 * src_item,
                       out + (y - y0) * w * reader->dest_item, w);
    }
  return TRUE;
}

static gboolean
tiff_source_read_box (gpointer      user_data,
                      const gsize   origin[3],
                      const gsize   size[3],
                      gpointer      dest,
                      GError      **error)
{
  TiffSource *source = user_data;
  const TiffReader *reader = &source->reader;
  TiffWorker *worker = &source->worker;
  gsize item = reader->dest_item, width = reader->format.width;
  gsize plane_bytes = size[0] * size[1] * item;

  for (gsize k = 0; k < size[2]; k++)
    {
      const TiffPage *page = &g_array_index (reader->pages, TiffPage, origin[2] + k);
      const TiffFile *file = g_ptr_array_index (reader->files, page->file);
      guint8 *out = (guint8 *) dest + k * plane_bytes;
      gsize first = (origin[1] * width + origin[0]) * item;
      gsize span = ((size[1] - 1) * width + size[0]) * item;
      GStatBuf st;

      /* The file stays open for as long as the volume is shown: a file cut short or rewritten
       * since would otherwise still answer from libtiff's buffers and our read cache. */
      if (g_stat (file->path, &st) != 0 || (guint64) st.st_size != file->size)
        return file_changed (file, error);
      diag_clear (&worker->diag);
      if (page->n_runs > 0)
        {
          if (!worker_open_fd (worker, page, error))
            return FALSE;
          /* Whole rows lie in one piece of the page's bytes: one read for all of them. */
          if (size[0] == width)
            {
              if (!read_plain_bytes (reader, worker->fd, page, first, plane_bytes, out, error))
                return FALSE;
              continue;
            }
          /* A narrow box (a column of an x or y plane) costs a syscall a row; the disk reads
           * whole pages anyway, so up to PLAIN_SPAN_READ its rows' span is one read. */
          if (span <= PLAIN_SPAN_READ)
            {
              guint8 *rows = worker_scratch (worker, span);

              if (!read_plain_bytes (reader, worker->fd, page, first, span, rows, error))
                return FALSE;
              for (gsize y = 0; y < size[1]; y++)
                memcpy (out + y * size[0] * item, rows + y * width * item, size[0] * item);
              continue;
            }
          for (gsize y = 0; y < size[1]; y++)
            if (!read_plain_bytes (reader, worker->fd, page, first + y * width * item,
                                   size[0] * item, out + y * size[0] * item, error))
              return FALSE;
          continue;
        }
      if (!worker_select_page (worker, page, error))
        return FALSE;
      if (TIFFIsTiled (worker->tif))
        {
          if (!read_tile_box (worker, page, origin[0], origin[1], size[0], size[1], out, error))
            return FALSE;
        }
      else if (!read_strip_box (worker, origin[0], origin[1], size[0], size[1], out))
        return page_failed (worker, page, "cannot decode the page", error);
    }
  return TRUE;
}

/**
 * evox_tiff_open_source:
 * @cancellable: (nullable): checked before every directory
 *
 * Scans a one-channel stack (not an ImageJ hyperstack of channels, no SSRM scan pages) and keeps
 * it open for boxes read on demand: uncompressed pages by pread() of the rows, others through
 * libtiff, strip by strip or tile by tile, only those the box touches.
 */
EvoxVoxelSource *
evox_tiff_open_source (const char    *path,
                       GCancellable  *cancellable,
                       GError       **error)
{
  TiffSource *source;
  EvoxVoxelSource *voxels;
  gboolean plain = TRUE;
  gsize dims[3];

  g_return_val_if_fail (path != NULL, NULL);

  source = g_new0 (TiffSource, 1);
  source->worker = (TiffWorker) TIFF_WORKER_INIT (&source->reader);
  if (!scan_stack (&source->reader, path, g_file_test (path, G_FILE_TEST_IS_DIR), cancellable,
                   error))
    {
      tiff_source_free (source);
      return NULL;
    }
  if (scan_page_count (&source->reader) > 0 || hyperstack_layout (&source->reader) > 1)
    {
      set_file_error (error, EVOX_ERROR_UNSUPPORTED, path, 0,
                      "only one-channel stacks can be read on demand");
      tiff_source_free (source);
      return NULL;
    }
  source->reader.n_volume_pages = source->reader.pages->len;
  dims[0] = source->reader.format.width;
  dims[1] = source->reader.format.height;
  dims[2] = source->reader.pages->len;
  voxels = evox_voxel_source_new (dims, source->reader.dest_type, path, tiff_source_read_box,
                                  source, tiff_source_free);
  /* A row of an uncompressed page is one pread of its bytes; of a compressed one, a strip or a
   * row of tiles decoded. */
  for (guint i = 0; i < source->reader.pages->len && plain; i++)
    plain = g_array_index (source->reader.pages, TiffPage, i).n_runs > 0;
  evox_voxel_source_set_cheap_rows (voxels, plain);
  return voxels;
}

/**
 * evox_tiff_read_reduced:
 * @preview: (nullable): previews to publish while the reduced volume fills (evox-preview.h)
 *
 * A stack larger than the memory cap, read once into its reduced volume (evox-voxel-source.h)
 * with the stack attached for reading at full resolution on demand.
 */
EvoxVolume *
evox_tiff_read_reduced (const char                *path,
                        const EvoxPreviewOptions  *preview,
                        EvoxProgress              *progress,
                        GCancellable              *cancellable,
                        GError                   **error)
{
  g_autoptr(EvoxVoxelSource) source = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  TiffSource *tiff;
  double spacing[3];
  guint scale;

  evox_progress_set_stage (progress, "Reading TIFF directories", 0.0, 0.03);
  source = evox_tiff_open_source (path, cancellable, error);
  if (source == NULL)
    return NULL;
  volume = evox_voxel_source_new_reduced (source, error);
  if (volume == NULL)
    return NULL;
  /* The previews need the grid and the values' meaning, which come from the tags alone. */
  scale = evox_volume_get_reduction (volume);
  tiff = evox_voxel_source_get_user_data (source);
  apply_metadata (&tiff->reader, volume);
  if (physical_spacing (&tiff->reader, spacing))
    {
      for (int i = 0; i < 3; i++)
        spacing[i] *= scale;
      evox_volume_set_spacing (volume, spacing);
    }
  evox_progress_set_stage (progress, "Reading TIFF pages (reduced)", 0.03, 1.0);
  if (!evox_preview_fill_reduced (source, volume, preview, progress, cancellable, error))
    return NULL;
  evox_volume_freeze (volume);
  return g_steal_pointer (&volume);
}

/* ------------------------------------------------------------------------------------------ */
/* evox_tiff_read                                                                               */

static gboolean
check_total_size (TiffReader  *reader,
                  const char  *path,
                  GError     **error)
{
  guint64 n_voxels = (guint64) reader->format.width * reader->format.height;

  if (!g_uint64_checked_mul (&n_voxels, n_voxels, reader->pages->len))
    {
      set_file_error (error, EVOX_ERROR_TOO_LARGE, path, 0, "the stack is too large");
      return FALSE;
    }
  if (!evox_check_allocation (n_voxels, reader->dest_item, "the TIFF stack", error))
    {
      prefix_file_error (error, path, 0);
      return FALSE;
    }
  return TRUE;
}

/**
 * evox_tiff_read:
 * @path: a TIFF file, or a folder of TIFF files read in natural name order
 * @progress: (nullable): where to report: the scan of the directories, then the pages
 * @cancellable: (nullable): checked before every directory and page, and between strips and
 *   tiles within a page
 *
 * Every page is one z slice. The whole stack is checked (sizes, types, data inside the file)
 * before the volume is allocated, then decoded straight into it.
 *
 * Returns: (transfer full): a frozen volume, or %NULL with @error set.
 */
EvoxVolume *
evox_tiff_read (const char    *path,
                EvoxProgress  *progress,
                GCancellable  *cancellable,
                GError       **error)
{
  return evox_tiff_read_with_preview (path, NULL, progress, cancellable, error);
}

/**
 * evox_tiff_read_with_preview:
 * @preview: (nullable): previews to publish while reading (evox-preview.h); only a one-channel
 *   stack without SSRM scan pages has them
 *
 * evox_tiff_read, reading the pages of the previews first: the coarsest preview comes after 1/s
 * of the pages, and the previews cost no page twice.
 */
EvoxVolume *
evox_tiff_read_with_preview (const char                *path,
                             const EvoxPreviewOptions  *preview,
                             EvoxProgress              *progress,
                             GCancellable              *cancellable,
                             GError                   **error)
{
  g_auto(TiffReader) reader = { NULL };
  EvoxPreviewPlan plan = { NULL };
  g_autoptr(EvoxVolume) volume = NULL;
  gboolean folder;
  double scan_weight;
  guint n_scans, n_channels;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Stages weighed by time: every page of a folder is a file to open, which makes its scan
   * weigh more than that of one multi-page file. */
  folder = g_file_test (path, G_FILE_TEST_IS_DIR);
  scan_weight = folder ? 0.15 : 0.03;

  reader.progress = progress;
  reader.cancellable = cancellable;

  evox_progress_set_stage (progress, "Reading TIFF directories", 0.0, scan_weight);
  if (!scan_stack (&reader, path, folder, cancellable, error) ||
      !check_total_size (&reader, path, error))
    return NULL;

  n_scans = scan_page_count (&reader);
  reader.n_volume_pages = reader.pages->len - n_scans;
  n_channels = hyperstack_layout (&reader);
  volume = evox_volume_new (reader.format.width, reader.format.height,
                            reader.n_volume_pages / n_channels, n_channels, reader.dest_type,
                            error);
  if (volume == NULL)
    return NULL;
  reader.dest = evox_volume_get_data_mut (volume, 0);
  if (n_channels > 1)
    {
      reader.channel_dest = g_new (guint8 *, n_channels);
      for (guint c = 0; c < n_channels; c++)
        reader.channel_dest[c] = evox_volume_get_data_mut (volume, c);
    }
  if (n_scans > 0)
    {
      reader.scan_dest = g_new0 (float *, n_scans);
      reader.n_scan_dest = n_scans;
      for (guint i = 0; i < n_scans; i++)
        reader.scan_dest[i] = g_malloc ((gsize) reader.format.width * reader.format.height *
                                        reader.dest_item);
    }

  evox_progress_set_stage (progress, "Reading TIFF pages", scan_weight, 1.0);
  if (n_scans == 0 && n_channels == 1 && preview != NULL && preview->func != NULL)
    {
      gsize dims[3];
      gboolean ok;

      /* The previews need the grid and the values' meaning, which come from the tags alone. */
      apply_metadata (&reader, volume);
      evox_volume_get_dims (volume, dims);
      evox_preview_plan_init (&plan, preview, dims, reader.dest_item);
      ok = decode_all (&reader, &plan, preview, volume, cancellable, error);
      evox_preview_plan_clear (&plan);
      if (!ok)
        return NULL;
    }
  else
    {
      if (!decode_all (&reader, NULL, NULL, volume, cancellable, error))
        return NULL;
      apply_metadata (&reader, volume);
    }
  evox_volume_freeze (volume);
  evox_progress_update (progress, 1.0);
  return g_steal_pointer (&volume);
}

/* ------------------------------------------------------------------------------------------ */
/* Writing                                                                                      */

typedef struct _TiffWriter TiffWriter;

/* Pixel data of page p in the output type: a pointer into the source, or scratch filled. */
typedef gconstpointer (*TiffPageFunc) (const TiffWriter *writer,
                                       guint             p,
                                       gpointer          scratch);

/* One writer for every kind of stack: the volume's own voxels, a phase mask or a label volume.
 * They differ only in where a page's pixels come from and in the sample type. */
struct _TiffWriter
{
  EvoxVolume         *volume;          /* spacing; the voxels of volume and mask pages */
  guint               first_channel;
  guint               n_channels;      /* pages: n_channels * dims[2], channel-major */
  gsize               dims[3];
  guint               bytes;           /* per sample: 1, 2 or 4 */
  gboolean            is_float;
  gboolean            deflate;
  double              min;             /* ImageJ's display range */
  double              max;
  TiffPageFunc        page;
  /* Mask pages: phase ranges in list order; a lookup table for u8/u16 voxels. */
  guint               n_ranges;
  double             *lo;
  double             *hi;
  guint8             *lut;
  /* Label pages: each EvoxLabels's ids move up by its offset. */
  EvoxLabels * const *labels;
  guint               n_labels;
  guint32            *offsets;
  gconstpointer       shared;      /* one label volume holding every id, or NULL */
  guint               shared_bytes;
  char               *description;
  double              spacing[3];
  gboolean            spacing_known;
  /* Volume pages: the values' meaning and the layers' provenance in Evox's keys, and the
   * measured SSRM scans as pages after the stack (ImageJ reads only the first `images=`). */
  gboolean            physics;
  guint               n_scan_pages;
  const char         *provenance;  /* evox-methods.h's record, or NULL */
  /* Volume pages read from the file of a volume held reduced, at full resolution: planes in
   * the file's type (converted into the scratch page for f32 output) and where a failed read
   * leaves its error. */
  EvoxVoxelSource    *source;
  gpointer            plane;
  GError            **source_error;
};

static void
tiff_writer_clear (TiffWriter *writer)
{
  g_clear_pointer (&writer->description, g_free);
  g_clear_pointer (&writer->lo, g_free);
  g_clear_pointer (&writer->hi, g_free);
  g_clear_pointer (&writer->lut, g_free);
  g_clear_pointer (&writer->offsets, g_free);
  g_clear_pointer (&writer->plane, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TiffWriter, tiff_writer_clear)

static void
append_double (GString    *s,
               const char *key,
               double      value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  /* Ten digits keep f32 values exact and write 0.1 rather than 0.10000000000000001. */
  g_string_append_printf (s, "%s=%s\n", key, g_ascii_formatd (buf, sizeof buf, "%.10g", value));
}

/* Free text in Evox's keys is percent-escaped: the description separates keys by lines and
 * entries by ';' and ':'. */
static void
append_escaped (GString    *s,
                const char *text)
{
  g_string_append_uri_escaped (s, text, NULL, TRUE);
}

/* Seventeen digits, so depths and weights read back as the same doubles. */
static void
append_exact (GString *s,
              double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.17g", value));
}

static void
append_physics (GString          *s,
                const TiffWriter *writer)
{
  EvoxVolume *volume = writer->volume;
  guint n_scans = evox_volume_get_n_scans (volume);
  guint first = writer->first_channel;

  /* The first written channel's meaning: one channel written alone (a Clusters channel) keeps
   * its own; evox_channel_values has every channel's. */
  g_string_append_printf (s, "evox_scale=%s\nevox_quantity=",
                          evox_volume_get_channel_value_scale (volume, first) == EVOX_SCALE_LOG10
                          ? "log10" : "linear");
  append_escaped (s, evox_volume_get_channel_quantity (volume, first));
  g_string_append (s, "\nevox_unit=");
  append_escaped (s, evox_volume_get_channel_unit (volume, first));
  g_string_append_c (s, '\n');
  /* The file's planes are plain layers, which a stack without the key reads as. */
  if (writer->source != NULL)
    return;
  g_string_append (s, "evox_layers=");
  for (gsize z = 0; z < writer->dims[2]; z++)
    {
      const EvoxLayer *layer = evox_volume_get_layer (volume, z);

      if (z > 0)
        g_string_append_c (s, ';');
      append_exact (s, layer->z_nm);
      if (layer->measured)
        g_string_append_printf (s, ":M:%d", layer->scan);
      else
        {
          g_string_append_printf (s, ":I:%d:%d:", layer->scan, layer->scan_below);
          append_exact (s, layer->weight);
        }
    }
  g_string_append_c (s, '\n');
  if (n_scans > 0)
    {
      g_string_append (s, "evox_scans=");
      for (guint i = 0; i < n_scans; i++)
        {
          const EvoxScan *scan = evox_volume_get_scan (volume, i);

          if (i > 0)
            g_string_append_c (s, ';');
          append_exact (s, scan->z_nm);
          g_string_append_c (s, ':');
          append_escaped (s, scan->label != NULL ? scan->label : "");
        }
      g_string_append_c (s, '\n');
    }
  if (writer->n_scan_pages > 0)
    g_string_append_printf (s, "evox_scan_pages=%u\n", writer->n_scan_pages);
}

/* Each channel's label and energy, so a multi-channel volume reopens with them:
 * evox_channels=LABEL:ENERGY;... (labels percent-escaped, the energy empty when there is none).
 * KEY is evox_page_channels where the pages of a plain stack stand for channels. */
static void
append_channels (GString    *s,
                 const char *key,
                 EvoxVolume *volume,
                 guint       first_channel,
                 guint       n_channels)
{
  g_string_append_printf (s, "%s=", key);
  for (guint c = 0; c < n_channels; c++)
    {
      const char *label = evox_volume_get_channel_label (volume, first_channel + c);
      double energy = evox_volume_get_channel_energy (volume, first_channel + c);

      if (c > 0)
        g_string_append_c (s, ';');
      append_escaped (s, label != NULL ? label : "");
      g_string_append_c (s, ':');
      if (isfinite (energy))
        append_exact (s, energy);
    }
  g_string_append_c (s, '\n');
}

/* Each written channel's value meaning: evox_channel_values=SCALE:QUANTITY:UNIT;... (quantity
 * and unit percent-escaped, so neither ':' nor ';' appears in them). */
static void
append_channel_values (GString    *s,
                       const char *key,
                       EvoxVolume *volume,
                       guint       first_channel,
                       guint       n_channels)
{
  g_string_append_printf (s, "%s=", key);
  for (guint c = 0; c < n_channels; c++)
    {
      guint channel = first_channel + c;

      if (c > 0)
        g_string_append_c (s, ';');
      g_string_append (s, evox_volume_get_channel_value_scale (volume, channel) ==
                          EVOX_SCALE_LOG10 ? "log10:" : "linear:");
      append_escaped (s, evox_volume_get_channel_quantity (volume, channel));
      g_string_append_c (s, ':');
      append_escaped (s, evox_volume_get_channel_unit (volume, channel));
    }
  g_string_append_c (s, '\n');
}

/* ImageJ's own header, so Fiji shows the stack with its voxel size and a sensible display range.
 * Channels are written channel-major, which ImageJ's czt order reads as frames. */
static char *
imagej_description (const TiffWriter *writer)
{
  GString *s = g_string_new ("ImageJ=1.11a\n");
  guint n_images = writer->n_channels * (guint) writer->dims[2];

  g_string_append_printf (s, "images=%u\n", n_images);
  if (writer->n_channels > 1)
    g_string_append_printf (s, "slices=%u\nframes=%u\nhyperstack=true\n", (guint) writer->dims[2],
                            writer->n_channels);
  else
    g_string_append_printf (s, "slices=%u\n", n_images);
  if (writer->spacing_known)
    {
      g_string_append (s, "unit=nm\n");
      append_double (s, "spacing", writer->spacing[2]);
    }
  else
    g_string_append (s, "unit=pixel\n");
  g_string_append (s, "loop=false\n");
  append_double (s, "min", writer->min);
  append_double (s, "max", writer->max);
  if (writer->physics)
    append_physics (s, writer);
  /* One channel keeps its label too (a derived map's name), unless it is an energy's: a lone
   * energy image is read as energy TIFFs are, not through this key. */
  if (writer->n_channels > 1 ||
      (evox_volume_get_channel_label (writer->volume, writer->first_channel) != NULL &&
       !isfinite (evox_volume_get_channel_energy (writer->volume, writer->first_channel))))
    append_channels (s, "evox_channels", writer->volume, writer->first_channel,
                     writer->n_channels);
  if (writer->physics && writer->n_channels > 1)
    append_channel_values (s, "evox_channel_values", writer->volume, writer->first_channel,
                           writer->n_channels);
  return g_string_free (s, FALSE);
}

static gboolean
set_page_tags (TIFF             *tif,
               const TiffWriter *writer,
               gboolean          first)
{
  double xres = writer->spacing_known ? 1.0 / writer->spacing[0] : 1.0;
  double yres = writer->spacing_known ? 1.0 / writer->spacing[1] : 1.0;

  if (!TIFFSetField (tif, TIFFTAG_IMAGEWIDTH, (guint32) writer->dims[0]) ||
      !TIFFSetField (tif, TIFFTAG_IMAGELENGTH, (guint32) writer->dims[1]) ||
      !TIFFSetField (tif, TIFFTAG_BITSPERSAMPLE, (guint16) (8 * writer->bytes)) ||
      !TIFFSetField (tif, TIFFTAG_SAMPLESPERPIXEL, (guint16) 1) ||
      /* Unsigned 32-bit samples are what ImageJ opens as "32-bit unsigned". */
      !TIFFSetField (tif, TIFFTAG_SAMPLEFORMAT,
                     (guint16) (writer->is_float ? SAMPLEFORMAT_IEEEFP : SAMPLEFORMAT_UINT)) ||
      !TIFFSetField (tif, TIFFTAG_PHOTOMETRIC, (guint16) PHOTOMETRIC_MINISBLACK) ||
      !TIFFSetField (tif, TIFFTAG_PLANARCONFIG, (guint16) PLANARCONFIG_CONTIG) ||
      !TIFFSetField (tif, TIFFTAG_COMPRESSION,
                     (guint16) (writer->deflate ? COMPRESSION_ADOBE_DEFLATE : COMPRESSION_NONE)) ||
      /* One strip per page, as ImageJ writes them. */
      !TIFFSetField (tif, TIFFTAG_ROWSPERSTRIP, (guint32) writer->dims[1]) ||
      !TIFFSetField (tif, TIFFTAG_XRESOLUTION, xres) ||
      !TIFFSetField (tif, TIFFTAG_YRESOLUTION, yres) ||
      !TIFFSetField (tif, TIFFTAG_RESOLUTIONUNIT, (guint16) RESUNIT_NONE))
    return FALSE;
  if (first)
    {
      if (!TIFFSetField (tif, TIFFTAG_IMAGEDESCRIPTION, writer->description) ||
          !TIFFSetField (tif, TIFFTAG_SOFTWARE, "Evox " PACKAGE_VERSION))
        return FALSE;
    }
  return TRUE;
}

/* Volume pages: the voxels as they are, or converted to f32 into SCRATCH when asked for. */
static gconstpointer
volume_page (const TiffWriter *writer,
             guint             p,
             gpointer          scratch)
{
  guint z = p % (guint) writer->dims[2];
  guint channel = writer->first_channel + p / (guint) writer->dims[2];
  EvoxSampleType type = evox_volume_get_sample_type (writer->volume);
  gsize n = writer->dims[0] * writer->dims[1];
  const guint8 *data;

  if (p >= writer->n_channels * (guint) writer->dims[2])
    return evox_volume_get_scan (writer->volume, p - writer->n_channels * (guint) writer->dims[2])
      ->values;
  data = evox_volume_get_data (writer->volume, channel);
  const guint8 *page = data + (gsize) z * n * evox_sample_type_size (type);
  float *out = scratch;

  if (writer->bytes == evox_sample_type_size (type))
    return page;
  for (gsize i = 0; i < n; i++)
    out[i] = type == EVOX_SAMPLE_U8 ? ((const guint8 *) page)[i] : ((const guint16 *) page)[i];
  return scratch;
}

/* Pages of a volume held reduced, read from its file at full resolution; NULL with
 * *writer->source_error set when the file cannot give one. */
static gconstpointer
source_page (const TiffWriter *writer,
             guint             p,
             gpointer          scratch)
{
  gsize n = writer->dims[0] * writer->dims[1];
  const gsize origin[3] = { 0, 0, p };
  const gsize size[3] = { writer->dims[0], writer->dims[1], 1 };
  EvoxSampleType type = evox_voxel_source_get_sample_type (writer->source);
  gpointer dest = writer->plane != NULL ? writer->plane : scratch;
  float *out = scratch;

  if (!evox_voxel_source_read_box (writer->source, origin, size, dest, writer->source_error))
    return NULL;
  if (dest == scratch)
    return scratch;
  for (gsize i = 0; i < n; i++)
    out[i] = type == EVOX_SAMPLE_U8 ? ((const guint8 *) dest)[i] : ((const guint16 *) dest)[i];
  return scratch;
}

/* ImageJ reads an uncompressed stack that it recognises by "images=" as one contiguous block
 * after the first page's offset. libtiff normally interleaves pixel data and directories, so
 * all directories are written first (with placeholder strip arrays) and the pages' data is then
 * appended one after the other, which also keeps the directories at the start of the file. */
static gboolean
write_pages (TIFF              *tif,
             const TiffWriter  *writer)
{
  static const char module[] = "evox_tiff_write";
  guint n_pages = writer->n_channels * (guint) writer->dims[2] + writer->n_scan_pages;
  gsize n = writer->dims[0] * writer->dims[1];
  tmsize_t page_bytes = (tmsize_t) (n * writer->bytes);
  g_autofree gpointer scratch = g_malloc (n * writer->bytes);

  for (guint p = 0; p < n_pages; p++)
    {
      if (!set_page_tags (tif, writer, p == 0) || !TIFFDeferStrileArrayWriting (tif) ||
          !TIFFWriteCheck (tif, 0, module) || !TIFFWriteDirectory (tif))
        return FALSE;
    }

  /* Give every directory its (zero) strip arrays before any pixel data is appended. */
  if (!TIFFSetDirectory (tif, 0))
    return FALSE;
  for (guint p = 0; p < n_pages; p++)
    if (!TIFFForceStrileArrayWriting (tif) || (p + 1 < n_pages && !TIFFReadDirectory (tif)))
      return FALSE;

  if (!TIFFSetDirectory (tif, 0))
    return FALSE;
  for (guint p = 0; p < n_pages; p++)
    {
      /* libtiff only reads the buffer: no byte swapping (native order), no predictor. */
      gpointer data = (gpointer) writer->page (writer, p, scratch);

      if (data == NULL)
        return FALSE;
      if (TIFFWriteEncodedStrip (tif, 0, data, page_bytes) != page_bytes)
        return FALSE;
      /* Rewrites this directory's strip arrays in place with the real offset and size. */
      if (!TIFFFlush (tif))
        return FALSE;
      if (p + 1 < n_pages && !TIFFReadDirectory (tif))
        return FALSE;
    }
  return TRUE;
}

/* Geometry shared by every kind of stack: dims, pages that fit TIFF, the voxel size. */
static gboolean
prepare_geometry (TiffWriter          *writer,
                  EvoxVolume          *volume,
                  const char          *path,
                  EvoxTiffWriteFlags   flags,
                  GError             **error)
{
  writer->volume = volume;
  evox_volume_get_dims (volume, writer->dims);
  if (writer->dims[0] > G_MAXUINT32 || writer->dims[1] > G_MAXUINT32 ||
      writer->dims[2] * writer->n_channels > G_MAXUINT32 / 2)
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "%s: the volume is too large for TIFF pages", display);
      return FALSE;
    }
  writer->deflate = (flags & EVOX_TIFF_WRITE_DEFLATE) != 0;
  evox_volume_get_spacing (volume, writer->spacing);
  writer->spacing_known = evox_volume_get_spacing_known (volume);
  return TRUE;
}

/* A volume held reduced and written at full resolution: the file's grid and voxel size. */
static gboolean
prepare_source (TiffWriter  *writer,
                const char  *path,
                GError     **error)
{
  guint scale = 1;
  EvoxVoxelSource *source = evox_voxel_source_get_attached (writer->volume, &scale);

  if (source == NULL)
    return TRUE;
  evox_voxel_source_get_dims (source, writer->dims);
  if (writer->dims[0] > G_MAXUINT32 || writer->dims[1] > G_MAXUINT32 ||
      writer->dims[2] > G_MAXUINT32 / 2)
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "%s: the volume is too large for TIFF pages", display);
      return FALSE;
    }
  for (int i = 0; i < 3; i++)
    writer->spacing[i] /= scale;
  writer->source = source;
  return TRUE;
}

static gboolean
prepare_writer (TiffWriter          *writer,
                EvoxVolume          *volume,
                int                  channel,
                const char          *path,
                EvoxTiffWriteFlags   flags,
                GError             **error)
{
  guint n_channels = evox_volume_get_n_channels (volume);
  EvoxSampleType out_type;

  if (channel < -1 || channel >= (int) n_channels)
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "%s: channel %d does not exist; the volume has %u", display, channel,
                   n_channels);
      return FALSE;
    }
  writer->first_channel = channel < 0 ? 0 : (guint) channel;
  writer->n_channels = channel < 0 ? n_channels : 1;
  if (!prepare_geometry (writer, volume, path, flags, error) ||
      ((flags & EVOX_TIFF_WRITE_FULL_RESOLUTION) && !prepare_source (writer, path, error)))
    return FALSE;
  out_type = (flags & EVOX_TIFF_WRITE_F32) ? EVOX_SAMPLE_F32
                                           : evox_volume_get_sample_type (volume);
  writer->bytes = evox_sample_type_size (out_type);
  writer->is_float = out_type == EVOX_SAMPLE_F32;
  writer->page = volume_page;
  if (writer->source != NULL)
    {
      guint item = evox_sample_type_size (evox_voxel_source_get_sample_type (writer->source));

      writer->page = source_page;
      if (item != writer->bytes)
        writer->plane = g_malloc (writer->dims[0] * writer->dims[1] * item);
    }
  writer->physics = TRUE;
  /* Scans are f32 like the stacks they come with; they fit only beside one such channel. */
  if (writer->n_channels == 1 && writer->is_float &&
      evox_volume_get_sample_type (volume) == EVOX_SAMPLE_F32)
    writer->n_scan_pages = evox_volume_get_n_scans (volume);

  writer->min = G_MAXDOUBLE;
  writer->max = -G_MAXDOUBLE;
  for (guint c = 0; c < writer->n_channels; c++)
    {
      const EvoxStats *stats = evox_volume_get_stats (volume, writer->first_channel + c);

      if (stats->n_finite > 0)
        {
          writer->min = MIN (writer->min, stats->min);
          writer->max = MAX (writer->max, stats->max);
        }
    }
  if (writer->min > writer->max)
    writer->min = writer->max = 0;
  writer->description = imagej_description (writer);
  return TRUE;
}

static gboolean
needs_bigtiff (const TiffWriter   *writer,
               EvoxTiffWriteFlags  flags)
{
  guint64 bytes = (guint64) writer->dims[0] * writer->dims[1] *
                  (writer->dims[2] * writer->n_channels + writer->n_scan_pages) * writer->bytes;

  return (flags & EVOX_TIFF_WRITE_BIGTIFF) || bytes > CLASSIC_TIFF_DATA_MAX;
}

static gboolean
write_to_fd (int                 fd,
             const char         *path,
             const TiffWriter   *writer,
             gboolean            bigtiff,
             GError            **error)
{
  TiffDiag diag = { NULL };
  g_autofree char *display = g_filename_display_name (path);
  gboolean ok;
  int saved_errno;
  TIFF *tif = _evox_tiff_open_fd (fd, path, bigtiff ? "w8" : "w", &diag);

  if (tif == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED, "Cannot write %s: %s", display,
                   diag_reason (&diag, path, "libtiff cannot start the file"));
      close (fd);
      diag_clear (&diag);
      return FALSE;
    }

  errno = 0;
  ok = write_pages (tif, writer);
  saved_errno = errno;
  /* A full disk can stay hidden until the data reaches it: make it show up here. */
  if (ok && fsync (TIFFFileno (tif)) != 0)
    {
      _evox_output_set_write_error (error, errno, path);
      TIFFClose (tif);
      diag_clear (&diag);
      return FALSE;
    }
  /* libtiff says only "Write error at scanline 0"; the system's reason is the useful one. */
  if (!ok && writer->source_error != NULL && *writer->source_error != NULL)
    g_propagate_error (error, g_steal_pointer (writer->source_error));
  else if (!ok && (saved_errno == EFBIG || saved_errno == ENOSPC || saved_errno == EDQUOT ||
              saved_errno == EIO))
    _evox_output_set_write_error (error, saved_errno, path);
  else if (!ok)
    g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED, "Cannot write %s: %s", display,
                 diag_reason (&diag, path, "libtiff failed"));
  TIFFClose (tif);  /* also closes fd */
  diag_clear (&diag);
  return ok;
}

typedef struct
{
  TiffWriter *writer;
  gboolean    bigtiff;
} WriteJob;

static gboolean
write_job_fd (int          fd,
              const char  *path,
              gpointer     user_data,
              GError     **error)
{
  WriteJob *job = user_data;
  const TiffWriter *writer = job->writer;
  guint64 pixels = (guint64) writer->dims[0] * writer->dims[1] * writer->dims[2];

  /* Uncompressed, the pixels alone are a lower bound of the file: a conversion the disk cannot
   * hold fails here, before gigabytes of a temporary file are written and removed. */
  if (!writer->deflate &&
      !_evox_output_check_space (path, pixels * writer->n_channels * writer->bytes, error))
    {
      close (fd);
      return FALSE;
    }
  return write_to_fd (fd, path, job->writer, job->bigtiff, error);
}

static gboolean
write_stack (TiffWriter          *writer,
             const char          *path,
             EvoxTiffWriteFlags   flags,
             GError             **error)
{
  WriteJob job = { writer, needs_bigtiff (writer, flags) };

  if (writer->provenance != NULL && writer->description != NULL)
    {
      GString *s = g_string_new (writer->description);

      g_string_append (s, "evox_provenance=");
      append_escaped (s, writer->provenance);
      g_string_append_c (s, '\n');
      g_free (writer->description);
      writer->description = g_string_free (s, FALSE);
    }
  return _evox_output_write (path, (flags & EVOX_TIFF_WRITE_OVERWRITE) != 0, write_job_fd, &job,
                             error);
}

/**
 * evox_tiff_write:
 * @channel: the channel to write, or -1 for all of them (pages channel-major)
 *
 * Writes an ImageJ-compatible stack: one page per z slice, the voxel size in nm in the
 * description and the resolution tags. The file appears under @path only when complete.
 */
gboolean
evox_tiff_write (EvoxVolume          *volume,
                 int                  channel,
                 const char          *path,
                 EvoxTiffWriteFlags   flags,
                 GError             **error)
{
  return evox_tiff_write_with_provenance (volume, channel, path, flags, NULL, error);
}

gboolean
evox_tiff_write_with_provenance (EvoxVolume          *volume,
                                 int                  channel,
                                 const char          *path,
                                 EvoxTiffWriteFlags   flags,
                                 const char          *provenance,
                                 GError             **error)
{
  g_auto(TiffWriter) writer = { NULL };
  g_autoptr(GError) source_error = NULL;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!prepare_writer (&writer, volume, channel, path, flags, error))
    return FALSE;
  writer.provenance = provenance;
  writer.source_error = &source_error;
  return write_stack (&writer, path, flags, error);
}

gboolean
_evox_tiff_write_pages (EvoxVolume          *pages,
                        EvoxVolume          *channels,
                        const char          *path,
                        EvoxTiffWriteFlags   flags,
                        const char          *provenance,
                        GError             **error)
{
  g_auto(TiffWriter) writer = { NULL };
  gsize dims[3];
  GString *s;

  g_return_val_if_fail (EVOX_IS_VOLUME (pages) && EVOX_IS_VOLUME (channels), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  evox_volume_get_dims (pages, dims);
  g_return_val_if_fail (dims[2] == evox_volume_get_n_channels (channels), FALSE);

  if (!prepare_writer (&writer, pages, 0, path, flags, error))
    return FALSE;
  /* Keys of their own, not evox_channels: the file is one channel of n pages to every reader
   * but the spectral one, which pairs the pages with energies. */
  s = g_string_new (writer.description);
  append_channels (s, "evox_page_channels", channels, 0, (guint) dims[2]);
  append_channel_values (s, "evox_page_values", channels, 0, (guint) dims[2]);
  g_free (writer.description);
  writer.description = g_string_free (s, FALSE);
  writer.provenance = provenance;
  return write_stack (&writer, path, flags, error);
}

/* ------------------------------------------------------------------------------------------ */
/* Phase masks and label volumes                                                              */

/* Mask pages: the 1-based index of the first phase (in list order) holding the voxel, 0 for
 * none and for NaN. */
static gconstpointer
mask_page (const TiffWriter *writer,
           guint             p,
           gpointer          scratch)
{
  gsize n = writer->dims[0] * writer->dims[1];
  gsize start = (gsize) p * n;
  gconstpointer data = evox_volume_get_data (writer->volume, writer->first_channel);
  guint8 *out = scratch;

  switch (evox_volume_get_sample_type (writer->volume))
    {
    case EVOX_SAMPLE_U8:
      for (gsize i = 0; i < n; i++)
        out[i] = writer->lut[((const guint8 *) data)[start + i]];
      break;
    case EVOX_SAMPLE_U16:
      for (gsize i = 0; i < n; i++)
        out[i] = writer->lut[((const guint16 *) data)[start + i]];
      break;
    case EVOX_SAMPLE_F32:
    default:
      for (gsize i = 0; i < n; i++)
        {
          double v = ((const float *) data)[start + i];

          out[i] = 0;
          for (guint k = 0; k < writer->n_ranges; k++)
            if (v >= writer->lo[k] && v <= writer->hi[k])
              {
                out[i] = (guint8) (k + 1);
                break;
              }
        }
      break;
    }
  return scratch;
}

/**
 * evox_tiff_write_mask:
 * @channel: the channel whose values the phases select
 * @phases: at most 255 phases; every phase counts, shown or hidden
 *
 * Writes a u8 stack with the voxel size of @volume where each voxel holds the 1-based index of
 * the first phase in @phases whose range holds its value, and 0 where none does (and for NaN).
 * @flags: OVERWRITE, DEFLATE and BIGTIFF apply; F32 is ignored.
 */
gboolean
evox_tiff_write_mask (const char          *path,
                      EvoxVolume          *volume,
                      guint                channel,
                      EvoxPhaseList       *phases,
                      EvoxTiffWriteFlags   flags,
                      GError             **error)
{
  return evox_tiff_write_mask_with_provenance (path, volume, channel, phases, flags, NULL, error);
}

gboolean
evox_tiff_write_mask_with_provenance (const char          *path,
                                      EvoxVolume          *volume,
                                      guint                channel,
                                      EvoxPhaseList       *phases,
                                      EvoxTiffWriteFlags   flags,
                                      const char          *provenance,
                                      GError             **error)
{
  g_auto(TiffWriter) writer = { NULL };
  guint n_phases;
  EvoxSampleType type;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (EVOX_IS_VOLUME (volume), FALSE);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), FALSE);
  g_return_val_if_fail (EVOX_IS_PHASE_LIST (phases), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  n_phases = evox_phase_list_get_n_phases (phases);
  if (n_phases > G_MAXUINT8)
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "%s: a u8 phase mask holds at most 255 phases, not %u", display, n_phases);
      return FALSE;
    }

  writer.first_channel = channel;
  writer.n_channels = 1;
  if (!prepare_geometry (&writer, volume, path, flags, error))
    return FALSE;
  writer.bytes = 1;
  writer.page = mask_page;
  writer.n_ranges = n_phases;
  writer.lo = g_new (double, MAX (n_phases, 1));
  writer.hi = g_new (double, MAX (n_phases, 1));
  for (guint k = 0; k < n_phases; k++)
    {
      EvoxPhase *phase = evox_phase_list_get_phase (phases, k);

      writer.lo[k] = evox_phase_get_lo (phase);
      writer.hi[k] = evox_phase_get_hi (phase);
    }

  /* Integer voxels take their phase from a table: one look-up per voxel whatever the phases. */
  type = evox_volume_get_sample_type (volume);
  if (type != EVOX_SAMPLE_F32)
    {
      guint n_values = type == EVOX_SAMPLE_U8 ? 256 : 65536;

      writer.lut = g_new0 (guint8, n_values);
      for (guint v = 0; v < n_values; v++)
        for (guint k = 0; k < n_phases; k++)
          if (v >= writer.lo[k] && v <= writer.hi[k])
            {
              writer.lut[v] = (guint8) (k + 1);
              break;
            }
    }

  writer.min = 0;
  writer.max = MAX (n_phases, 1);
  writer.description = imagej_description (&writer);
  writer.provenance = provenance;
  return write_stack (&writer, path, flags, error);
}

static guint64
total_particles (EvoxLabels * const *labels,
                 guint               n_labels)
{
  guint64 total = 0;

  for (guint k = 0; k < n_labels; k++)
    total += evox_labels_get_n_particles (labels[k]);
  return total;
}

/**
 * evox_tiff_label_bits:
 * @bits: 16 or 32, or 0 for the smallest of them that holds every id
 *
 * The sample size a label volume of these particles gets (ids of several EvoxLabels continue one
 * after the other), or 0 with EVOX_ERROR_ARGUMENT when they do not fit.
 */
guint
evox_tiff_label_bits (EvoxLabels * const *labels,
                      guint               n_labels,
                      guint               bits,
                      GError            **error)
{
  guint64 total;

  g_return_val_if_fail (labels != NULL || n_labels == 0, 0);
  g_return_val_if_fail (bits == 0 || bits == 16 || bits == 32, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  total = total_particles (labels, n_labels);
  if (bits == 0)
    bits = total <= G_MAXUINT16 ? 16 : 32;
  if (total > (bits == 16 ? G_MAXUINT16 : G_MAXUINT32))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "%" G_GUINT64_FORMAT " particles are more labels than fit in %u bits "
                   "(at most %u)", total, bits, bits == 16 ? G_MAXUINT16 : G_MAXUINT32);
      return 0;
    }
  return bits;
}

/* Label pages: the first non-zero label of the EvoxLabels in order, moved up by its offset. */
static gconstpointer
labels_page (const TiffWriter *writer,
             guint             p,
             gpointer          scratch)
{
  gsize n = writer->dims[0] * writer->dims[1];
  gsize start = (gsize) p * n;

  if (writer->shared != NULL)
    {
      /* Ids past the last phase written belong to phases left out. */
      guint32 total = (guint32) writer->max;

      for (gsize i = 0; i < n; i++)
        {
          guint32 v = writer->shared_bytes == 2 ? ((const guint16 *) writer->shared)[start + i]
                                                : ((const guint32 *) writer->shared)[start + i];

          v = v <= total ? v : 0;
          if (writer->bytes == 2)
            ((guint16 *) scratch)[i] = (guint16) v;
          else
            ((guint32 *) scratch)[i] = v;
        }
      return scratch;
    }
  if (writer->n_labels == 1 && writer->bytes == 4)
    return evox_labels_get_data (writer->labels[0]) + start;
  for (gsize i = 0; i < n; i++)
    {
      guint32 v = 0;

      for (guint k = 0; k < writer->n_labels; k++)
        {
          guint32 l = evox_labels_get_data (writer->labels[k])[start + i];

          if (l != 0)
            {
              v = l + writer->offsets[k];
              break;
            }
        }
      if (writer->bytes == 2)
        ((guint16 *) scratch)[i] = (guint16) v;
      else
        ((guint32 *) scratch)[i] = v;
    }
  return scratch;
}

/* A voxel in two particles would lose one of them in a single label volume. */
static gboolean
check_disjoint (EvoxLabels * const *labels,
                guint               n_labels,
                const char         *path,
                GError            **error)
{
  gsize dims[3], n;

  if (n_labels < 2)
    return TRUE;
  evox_labels_get_dims (labels[0], dims);
  n = dims[0] * dims[1] * dims[2];
  for (guint a = 0; a < n_labels; a++)
    for (guint b = a + 1; b < n_labels; b++)
      {
        const guint32 *la = evox_labels_get_data (labels[a]);
        const guint32 *lb = evox_labels_get_data (labels[b]);
        gboolean shared = FALSE;

#pragma omp parallel for reduction(||:shared) schedule(static)
        for (gsize i = 0; i < n; i++)
          shared = shared || (la[i] != 0 && lb[i] != 0);
        if (shared)
          {
            g_autofree char *display = g_filename_display_name (path);
            const char *name_a = evox_labels_get_phase_name (labels[a]);
            const char *name_b = evox_labels_get_phase_name (labels[b]);

            g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                         "%s: phases '%s' and '%s' share voxels; one label volume needs phases "
                         "that do not overlap", display, name_a ? name_a : "",
                         name_b ? name_b : "");
            return FALSE;
          }
      }
  return TRUE;
}

/**
 * evox_tiff_write_labels:
 * @labels: (array length=n_labels): particles of one volume, at least one
 * @bits: 16, 32, or 0 for 16 when every id fits and 32 otherwise
 *
 * Writes the particles as one label volume with the voxel size of their volume: 0 for
 * background, the first EvoxLabels's ids as they are and each next one's continuing after the
 * previous ones (as in evox_csv_write_particles). Fails with EVOX_ERROR_ARGUMENT, writing
 * nothing, when the ids do not fit @bits or two of @labels share a voxel.
 * @flags: OVERWRITE, DEFLATE and BIGTIFF apply; F32 is ignored.
 */
gboolean
evox_tiff_write_labels (const char          *path,
                        EvoxLabels * const  *labels,
                        guint                n_labels,
                        guint                bits,
                        EvoxTiffWriteFlags   flags,
                        GError             **error)
{
  return evox_tiff_write_labels_with_provenance (path, labels, n_labels, bits, flags, NULL,
                                                 error);
}

gboolean
evox_tiff_write_labels_with_provenance (const char          *path,
                                        EvoxLabels * const  *labels,
                                        guint                n_labels,
                                        guint                bits,
                                        EvoxTiffWriteFlags   flags,
                                        const char          *provenance,
                                        GError             **error)
{
  g_auto(TiffWriter) writer = { NULL };
  g_autoptr(GError) local_error = NULL;
  gsize dims[3];
  guint64 offset = 0;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (labels != NULL && n_labels > 0, FALSE);
  g_return_val_if_fail (bits == 0 || bits == 16 || bits == 32, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  evox_labels_get_dims (labels[0], dims);
  for (guint k = 1; k < n_labels; k++)
    {
      gsize other[3];

      evox_labels_get_dims (labels[k], other);
      if (other[0] != dims[0] || other[1] != dims[1] || other[2] != dims[2])
        {
          g_autofree char *display = g_filename_display_name (path);

          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "%s: the particles come from volumes of different sizes", display);
          return FALSE;
        }
    }
  bits = evox_tiff_label_bits (labels, n_labels, bits, &local_error);
  if (bits == 0)
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, "%s: %s", display,
                   local_error->message);
      return FALSE;
    }
  /* Phases labelled together into one shared volume are written from it as they are. */
  writer.shared = evox_labels_get_shared_data (labels[0], NULL, &writer.shared_bytes);
  for (guint k = 0; k < n_labels && writer.shared != NULL; k++)
    {
      guint32 at;

      if (evox_labels_get_shared_data (labels[k], &at, NULL) != writer.shared || at != offset)
        writer.shared = NULL;
      offset += evox_labels_get_n_particles (labels[k]);
    }
  offset = 0;
  if (writer.shared == NULL && !check_disjoint (labels, n_labels, path, error))
    return FALSE;

  writer.n_channels = 1;
  if (!prepare_geometry (&writer, evox_labels_get_volume (labels[0]), path, flags, error))
    return FALSE;
  writer.bytes = bits / 8;
  writer.page = labels_page;
  writer.labels = labels;
  writer.n_labels = n_labels;
  writer.offsets = g_new (guint32, n_labels);
  for (guint k = 0; k < n_labels; k++)
    {
      writer.offsets[k] = (guint32) offset;
      offset += evox_labels_get_n_particles (labels[k]);
    }
  writer.min = 0;
  writer.max = MAX (offset, 1);
  writer.description = imagej_description (&writer);
  writer.provenance = provenance;
  return write_stack (&writer, path, flags, error);
}
