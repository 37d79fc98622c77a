/* evox-types.h: enums, error domain and forward declarations shared by the core. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* How voxels are stored in memory; other file types are converted to f32 on load. */
typedef enum
{
  EVOX_SAMPLE_U8,
  EVOX_SAMPLE_U16,
  EVOX_SAMPLE_F32,
} EvoxSampleType;

/* What the stored numbers are: the quantity itself, or its base-10 logarithm. */
typedef enum
{
  EVOX_SCALE_LINEAR,
  EVOX_SCALE_LOG10,
} EvoxValueScale;

#define EVOX_ERROR (evox_error_quark ())

typedef enum
{
  EVOX_ERROR_FAILED,
  EVOX_ERROR_INVALID_DATA,  /* the file says something impossible or malformed */
  EVOX_ERROR_UNSUPPORTED,   /* well-formed, but a variant Evox does not read */
  EVOX_ERROR_TOO_LARGE,     /* would exceed the memory cap or the file size */
  EVOX_ERROR_ARGUMENT,      /* an option or parameter given by the user is wrong */
  EVOX_ERROR_EXISTS,        /* output exists and overwriting was not asked for */
} EvoxError;

typedef struct _EvoxVolume EvoxVolume;
typedef struct _EvoxFineHistogram EvoxFineHistogram;

GQuark       evox_error_quark            (void);
const char  *evox_sample_type_to_string  (EvoxSampleType type);
gsize        evox_sample_type_size       (EvoxSampleType type);
/* The stored values of `type` that lie in [lo, hi], as a closed range of floats [first, last]:
 * whole numbers no lower than 0 and no higher than 255 / 65535 for u8 / u16, the nearest floats
 * inside [lo, hi] for f32. Comparing a stored value with them in floats decides exactly what
 * lo <= v <= hi decides in doubles. FALSE (first > last, or NaN) when no value of the type lies
 * in [lo, hi]. */
gboolean     evox_sample_type_inner_range (EvoxSampleType type,
                                           double         lo,
                                           double         hi,
                                           float         *first,
                                           float         *last);
const char  *evox_value_scale_to_string  (EvoxValueScale scale);
/* The index of name (any case) in names, the command line's and the files' words for an enum's
 * values; -1 where it is none of them. */
int          _evox_name_index            (const char * const *names,
                                          guint               n_names,
                                          const char         *name);

/* Element i of a voxel array of type, as a double (exact for every type); inline for the
 * kernels' inner loops. */
static inline double
evox_sample_get (gconstpointer  data,
                 EvoxSampleType type,
                 gsize          i)
{
  switch (type)
    {
    case EVOX_SAMPLE_U8:
      return ((const guint8 *) data)[i];
    case EVOX_SAMPLE_U16:
      return ((const guint16 *) data)[i];
    case EVOX_SAMPLE_F32:
    default:
      return ((const float *) data)[i];
    }
}

guint64      evox_memory_cap             (void);
gboolean     evox_check_allocation       (guint64       n_items,
                                          gsize         item_size,
                                          const char   *what,
                                          GError      **error);

/* g_try_malloc () for big arrays a kernel fills (labels, meshes): NULL when it fails; free with
 * g_free (). */
gpointer     _evox_try_alloc_large       (gsize         bytes);

/* Volume-sized buffers (voxels, scans, labels, a table's text) straight from the kernel, zero
 * filled: freeing one gives its pages back at once, where glibc's per-thread arenas would keep
 * them for reuse and a window that reopens files would grow. NULL when it fails. Free with
 * _evox_free_large () only; NULL is ignored. */
gpointer     _evox_alloc_large           (gsize         bytes);
void         _evox_free_large            (gpointer      mem);
/* A local holding an _evox_alloc_large () buffer: g_auto (EvoxLargeBuffer) frees it with
 * _evox_free_large () unless it was stolen (g_steal_pointer), for instance by EvoxLabels. */
typedef gpointer EvoxLargeBuffer;
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (EvoxLargeBuffer, _evox_free_large, NULL)
/* Makes freed buffers of 256 KiB and more go back to the system (glibc); volumes call it. */
void         _evox_memory_init           (void);

G_END_DECLS
