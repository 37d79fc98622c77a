/* evox-tiff-private.h: libtiff handles whose diagnostics come back as text, for io's writers; an
 * energy stack's pages and what they record, for the energy-TIFF writer and the spectral reader. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>
#include <tiffio.h>
#include "evox-tiff.h"

G_BEGIN_DECLS

/* The first error libtiff reported on a handle; nothing reaches stderr. */
typedef struct
{
  char *message;
} TiffDiag;

/* Opens fd with diag collecting errors and allocations capped as for volumes; NULL on failure,
 * and then fd stays the caller's. */
TIFF *_evox_tiff_open_fd (int         fd,
                          const char *name,
                          const char *mode,
                          TiffDiag   *diag);

/* An energy stack (evox_energy_tiff_write_stack) as a plain stack of pages: pages, one channel
 * of n layers, written as evox_tiff_write writes it, with each page's label, energy and value
 * meaning taken from channel i of channels (n channels) in Evox's evox_page_channels and
 * evox_page_values keys, which evox_tiff_read leaves alone: to it the file is one channel. */
gboolean _evox_tiff_write_pages (EvoxVolume          *pages,
                                 EvoxVolume          *channels,
                                 const char          *path,
                                 EvoxTiffWriteFlags   flags,
                                 const char          *provenance,
                                 GError             **error);

/* What description (a TIFF's ImageDescription, NULL for none) records about its n_pages pages,
 * parsed once. */
typedef struct _EvoxTiffPages EvoxTiffPages;

EvoxTiffPages *_evox_tiff_pages_new   (const char          *description,
                                       guint                n_pages);
void           _evox_tiff_pages_free  (EvoxTiffPages       *pages);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxTiffPages, _evox_tiff_pages_free)

/* Sets on channel `channel` of volume what the file records about page `page`: the values'
 * meaning (the page's evox_page_values entry, else the file's evox_scale/quantity/unit) and the
 * label (evox_page_channels), the label only when its recorded energy is the channel's. Returns
 * whether the file stated the meaning; when not, the channel's is left as it was. */
gboolean       _evox_tiff_pages_apply (const EvoxTiffPages *pages,
                                       guint                page,
                                       EvoxVolume          *volume,
                                       guint                channel);

G_END_DECLS
