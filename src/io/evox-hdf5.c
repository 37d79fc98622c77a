/* evox-hdf5.c: Data Exchange HDF5 files. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-hdf5.h"

/* Placeholder until the reader lands: the loader links against it. */
gboolean
evox_hdf5_has_signature (const guint8 *head,
                         gsize         n)
{
  return FALSE;
}

EvoxVolume *
evox_hdf5_load (const char    *path,
                guint          bin,
                EvoxProgress  *progress,
                GCancellable  *cancellable,
                GError       **error)
{
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED, "%s: HDF5 files are not read yet", path);
  return NULL;
}

/* TEMPORARY (regcli branch): so that `evox register` links before the writer is merged. */
gboolean
evox_hdf5_write (EvoxVolume    *volume,
                 const char    *path,
                 gboolean       force,
                 EvoxProgress  *progress,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED, "%s: HDF5 files are not written yet",
               path);
  return FALSE;
}
