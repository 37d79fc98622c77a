/* evox-binning.c: bin x bin pixel blocks averaged, as the Xradia and spectral-set readers bin. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-binning.h"
#include "evox-types.h"

void
_evox_bin_add (const float *src,
               guint        width,
               guint        height,
               guint        bin,
               double       scale,
               double      *dst)
{
  guint nx = width / bin, ny = height / bin;
  double weight = scale / ((double) bin * bin);

  for (guint y = 0; y < ny; y++)
    for (guint x = 0; x < nx; x++)
      {
        double sum = 0;

        for (guint dy = 0; dy < bin; dy++)
          {
            const float *row = src + (gsize) (y * bin + dy) * width + (gsize) x * bin;

            for (guint dx = 0; dx < bin; dx++)
              sum += row[dx];
          }
        dst[(gsize) y * nx + x] += sum * weight;
      }
}

gboolean
_evox_bin_check (const char  *path,
                 guint        width,
                 guint        height,
                 guint        bin,
                 GError     **error)
{
  if (bin <= width && bin <= height)
    return TRUE;
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
               "%s: --bin %u is larger than its %u x %u images", path, bin, width, height);
  return FALSE;
}
