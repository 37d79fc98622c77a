/* evox-spectral-reader.c: multi-energy stacks assembled from many files. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-spectral-reader.h"

/* Placeholder until the reader lands: the loader links against it. */
EvoxSpectralKind
evox_spectral_detect (const char *path)
{
  return EVOX_SPECTRAL_NONE;
}

EvoxVolume *
evox_spectral_load (const char                 *path,
                    const EvoxSpectralOptions  *options,
                    EvoxProgress               *progress,
                    GCancellable               *cancellable,
                    GError                    **error)
{
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED, "%s: spectral sets are not read yet", path);
  return NULL;
}

/* TEMPORARY (regcli branch): so that `evox register` links before the reader is merged. */
EvoxVolume *
evox_spectral_load_files (const char * const         *paths,
                          const EvoxSpectralOptions  *options,
                          EvoxProgress               *progress,
                          GCancellable               *cancellable,
                          GError                    **error)
{
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED, "%s: .xrm lists are not read yet",
               paths[0]);
  return NULL;
}
