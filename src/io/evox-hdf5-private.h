/* evox-hdf5-private.h: the small HDF5 helpers that evox-hdf5.c and evox-tilt-reader.c share
 * (dataset lookup, numeric vectors with their units, the pixel-size unit rule); not installed. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>
#include <hdf5.h>

G_BEGIN_DECLS

/* Every HDF5 object is closed the same way when its local goes out of scope. */
typedef hid_t EvoxH5Id;

static inline void
_evox_hdf5_close_id (hid_t id)
{
  H5Idec_ref (id);
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (EvoxH5Id, _evox_hdf5_close_id, H5I_INVALID_HID)

/* A vector (energies, angles) longer than this is not metadata. */
#define EVOX_HDF5_MAX_VECTOR (1u << 20)

/* The dataset at `name` (absolute), or H5I_INVALID_HID when there is nothing of that name, or
 * it is no dataset. */
hid_t    _evox_hdf5_open_dataset      (hid_t               file,
                                       const char         *name);
/* A scalar text attribute (fixed or variable length), or NULL when absent or not text. */
char    *_evox_hdf5_dup_text_attribute (hid_t              object,
                                       const char         *name);
/* A numeric vector (or scalar) as doubles: *n = 0 when absent; an error naming `path` when
 * present but not numbers, of rank above 1, or too long. units (may be NULL) receives the
 * dataset's "units" attribute. */
gboolean _evox_hdf5_read_vector       (hid_t               file,
                                       const char         *name,
                                       const char         *path,
                                       double            **values,
                                       guint              *n,
                                       char              **units,
                                       GError            **error);
/* FALSE with an error naming `path` and `name` when the dataset's chunked or compact layout
 * disagrees with its dataspace (damage libhdf5 would read past its buffers on). */
gboolean _evox_hdf5_check_layout      (hid_t               dataset,
                                       const char         *path,
                                       const char         *name,
                                       GError            **error);
/* Whether units equals one of the NULL-terminated names, ignoring ASCII case. */
gboolean _evox_hdf5_units_are         (const char         *units,
                                       const char * const *names);
/* Nanometres per unit of a pixel size; 0 when the units are not a length Evox knows. Without
 * units, Data Exchange means metres, but TXM writers put micrometres there unlabelled: a value
 * below 1e-3 is metres, up to 100 micrometres, above that nanometres. note (may be NULL)
 * receives which rule decided. */
double   _evox_hdf5_pixel_size_scale  (const char         *units,
                                       double              value,
                                       char              **note);

/* The innermost message of HDF5's error stack ("truncated file: eof = ..."), then the stack
 * cleared: the reason to give after what failed. */
char *_evox_hdf5_dup_reason (void);

/* An EVOX_ERROR `code` whose message is the file's display name, a colon and the formatted
 * reason: how the HDF5 and tilt-series readers word their errors. */
void _evox_hdf5_set_error (GError     **error,
                           int          code,
                           const char  *path,
                           const char  *format,
                           ...) G_GNUC_PRINTF (4, 5);

G_END_DECLS
