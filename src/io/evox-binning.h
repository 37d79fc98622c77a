/* evox-binning.h: the readers' --bin: bin x bin pixel blocks of an image averaged into one. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Adds scale times the bin x bin means of src (width x height, row-major) to dst
 * ((width / bin) x (height / bin)); a partial block at the right or bottom edge is dropped. */
void _evox_bin_add (const float *src,
                    guint        width,
                    guint        height,
                    guint        bin,
                    double       scale,
                    double      *dst);

/* EVOX_ERROR_ARGUMENT, naming path, when bin x bin blocks do not fit the width x height images. */
gboolean _evox_bin_check (const char  *path,
                          guint        width,
                          guint        height,
                          guint        bin,
                          GError     **error);

G_END_DECLS
