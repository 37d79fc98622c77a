/* evox-ssrm-reader.h: SSRM resistance tables (delimited text, one row per pixel) to volumes. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-volume.h"

G_BEGIN_DECLS

typedef struct
{
  double          dz_nm;          /* grid step between layers, > 0 */
  double          pixel_size_nm;  /* lateral pixel size, > 0; 0 (the default): nobody stated
                                   * it, so the stack is built with 1 nm pixels and its voxel
                                   * size is not known (the layer step still is) */
  char           *x_column;       /* NULL: "X" */
  char           *y_column;       /* NULL: "Y" */
  GPtrArray      *values;         /* "VALUE:DEPTH" strings; DEPTH is a column or a number in nm;
                                   * empty: every Ri/Zi pair of the header */
  EvoxValueScale  scale;          /* what the value columns hold (log10 unless told) */
} EvoxSsrmOptions;

#define EVOX_SSRM_DEFAULT_DZ_NM 10.0

EvoxSsrmOptions *evox_ssrm_options_new   (void);
void             evox_ssrm_options_free  (EvoxSsrmOptions  *options);

/* What a quick look at a table finds, to fill in a dialog before the real read. */
typedef struct
{
  char       delimiter;   /* ',', '\t', ';' or ' ' for runs of whitespace */
  GStrv      columns;
  char      *x_column;
  char      *y_column;
  GPtrArray *values;      /* detected "VALUE:DEPTH" pairs */
} EvoxSsrmLayout;

EvoxSsrmLayout  *evox_ssrm_sniff         (const char       *path,
                                          GError          **error);
void             evox_ssrm_layout_free   (EvoxSsrmLayout   *layout);

EvoxVolume      *evox_ssrm_read          (const char             *path,
                                          const EvoxSsrmOptions  *options,
                                          EvoxProgress           *progress,
                                          GCancellable           *cancellable,
                                          GError                **error);
EvoxVolume      *evox_ssrm_parse         (const char             *name,
                                          const char             *text,
                                          gsize                   length,
                                          const EvoxSsrmOptions  *options,
                                          EvoxProgress           *progress,
                                          GCancellable           *cancellable,
                                          GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxSsrmOptions, evox_ssrm_options_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxSsrmLayout, evox_ssrm_layout_free)

G_END_DECLS
