/* evox-xrm.c: Xradia .xrm/.txrm files read with libgsf. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-xrm.h"

/* Placeholder until the reader lands: the loader links against it. */
gboolean
evox_xrm_has_signature (const guint8 *head,
                        gsize         n)
{
  return FALSE;
}

EvoxVolume *
evox_xrm_load (const char    *path,
               guint          bin,
               EvoxProgress  *progress,
               GCancellable  *cancellable,
               GError       **error)
{
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED, "%s: Xradia files are not read yet", path);
  return NULL;
}
