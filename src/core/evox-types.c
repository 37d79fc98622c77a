/* evox-types.c: error domain, sample type helpers and the memory cap every reader checks. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/mman.h>
#endif
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "evox-types.h"

G_DEFINE_QUARK (evox-error-quark, evox_error)

const char *
evox_sample_type_to_string (EvoxSampleType type)
{
  switch (type)
    {
    case EVOX_SAMPLE_U8: return "u8";
    case EVOX_SAMPLE_U16: return "u16";
    case EVOX_SAMPLE_F32: return "f32";
    default: g_return_val_if_reached ("?");
    }
}

gsize
evox_sample_type_size (EvoxSampleType type)
{
  switch (type)
    {
    case EVOX_SAMPLE_U8: return 1;
    case EVOX_SAMPLE_U16: return 2;
    case EVOX_SAMPLE_F32: return 4;
    default: g_return_val_if_reached (1);
    }
}

gboolean
evox_sample_type_inner_range (EvoxSampleType  type,
                              double          lo,
                              double          hi,
                              float          *first,
                              float          *last)
{
  if (type == EVOX_SAMPLE_U8 || type == EVOX_SAMPLE_U16)
    {
      double top = type == EVOX_SAMPLE_U8 ? 255.0 : 65535.0;

      /* Whole numbers up to 2^24 are exact in floats; beyond the type they only need to stay
       * beyond it. */
      *first = (float) MAX (0.0, ceil (lo));
      *last = (float) MIN (top, floor (hi));
    }
  else
    {
      *first = (float) lo;
      *last = (float) hi;
      if ((double) *first < lo)
        *first = nextafterf (*first, INFINITY);
      if ((double) *last > hi)
        *last = nextafterf (*last, -INFINITY);
    }
  return *first <= *last;
}

const char *
evox_value_scale_to_string (EvoxValueScale scale)
{
  return scale == EVOX_SCALE_LOG10 ? "log10" : "linear";
}

int
_evox_name_index (const char * const *names,
                  guint               n_names,
                  const char         *name)
{
  for (guint i = 0; i < n_names; i++)
    if (g_ascii_strcasecmp (name, names[i]) == 0)
      return (int) i;
  return -1;
}

/* Three quarters of physical memory, asked of the system once: the surface builder checks the
 * cap for each of thousands of particles, and sysconf () costs a system call each time. */
static guint64
physical_memory_cap (void)
{
  static gsize once = 0;
  static guint64 cap;

  if (g_once_init_enter (&once))
    {
      long pages = sysconf (_SC_PHYS_PAGES);
      long page_size = sysconf (_SC_PAGESIZE);

      if (pages > 0 && page_size > 0)
        cap = (guint64) pages * (guint64) page_size / 4 * 3;
      else
        cap = G_GUINT64_CONSTANT (4) << 30;
      g_once_init_leave (&once, 1);
    }
  return cap;
}

/* The cap is EVOX_MEMORY_LIMIT bytes when set (a plain number, or with a K/M/G suffix), else three
 * quarters of physical memory: a file that claims more is refused before anything is allocated.
 * The variable is read on every call, so tests may change it. */
guint64
evox_memory_cap (void)
{
  const char *env = g_getenv ("EVOX_MEMORY_LIMIT");

  if (env != NULL && *env != '\0')
    {
      char *end = NULL;
      guint64 value = g_ascii_strtoull (env, &end, 10);

      switch (g_ascii_toupper (*end))
        {
        case 'K': value <<= 10; break;
        case 'M': value <<= 20; break;
        case 'G': value <<= 30; break;
        default: break;
        }
      if (value > 0)
        return value;
    }

  return physical_memory_cap ();
}

static char *
format_bytes (guint64 bytes)
{
  return g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
}

gboolean
evox_check_allocation (guint64      n_items,
                       gsize        item_size,
                       const char  *what,
                       GError     **error)
{
  guint64 cap = evox_memory_cap ();
  guint64 bytes;

  if (item_size != 0 && n_items > G_MAXUINT64 / item_size)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "%s would need more than 2^64 bytes", what);
      return FALSE;
    }
  bytes = n_items * item_size;
  if (bytes > cap || bytes > G_MAXSIZE / 2)
    {
      g_autofree char *need = format_bytes (bytes);
      g_autofree char *have = format_bytes (cap);

      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "%s would need %s, above the memory cap of %s (EVOX_MEMORY_LIMIT)",
                   what, need, have);
      return FALSE;
    }
  return TRUE;
}

/* Large ones are 2 MiB-aligned and asked for transparent huge pages where the kernel offers them
 * (as numpy does for large arrays): a fresh label volume's or mesh's page faults otherwise cost
 * a visible part of the time of writing it. */
gpointer
_evox_try_alloc_large (gsize bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const gsize huge = 2 << 20;

  if (bytes >= 2 * huge)
    {
      void *mem = NULL;

      if (posix_memalign (&mem, huge, bytes) != 0)
        return NULL;
      madvise (mem, bytes, MADV_HUGEPAGE);
      return mem;
    }
#endif
  return g_try_malloc (MAX (bytes, 1));
}

/* The mapping's size sits in a header before the buffer; 64 bytes keep the buffer aligned for
 * any vector type. */
#define LARGE_HEADER 64

gpointer
_evox_alloc_large (gsize bytes)
{
  gsize total;
  guint8 *base;

  if (bytes > G_MAXSIZE - LARGE_HEADER)
    return NULL;
  total = bytes + LARGE_HEADER;
#ifdef __linux__
  base = mmap (NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED)
    return NULL;
#ifdef MADV_HUGEPAGE
  if (bytes >= (4u << 20))
    madvise (base, total, MADV_HUGEPAGE);
#endif
#else
  base = g_try_malloc0 (total);
  if (base == NULL)
    return NULL;
#endif
  *(gsize *) base = total;
  return base + LARGE_HEADER;
}

void
_evox_free_large (gpointer mem)
{
  guint8 *base;

  if (mem == NULL)
    return;
  base = (guint8 *) mem - LARGE_HEADER;
#ifdef __linux__
  munmap (base, *(gsize *) base);
#else
  g_free (base);
#endif
}

/* glibc raises its mmap threshold to the size of each mapped block freed, up to 32 MiB, after
 * which layer-sized buffers (histogram counts, a table's columns) come from per-thread arenas
 * that keep them when freed: a window's memory then grows with every few files opened. A fixed
 * threshold of one 256 x 256 float layer keeps anything larger going back to the kernel. */
void
_evox_memory_init (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
#ifdef __GLIBC__
      mallopt (M_MMAP_THRESHOLD, 256 * 1024);
#endif
      g_once_init_leave (&once, 1);
    }
}
