/* evox-xrm.h: Xradia .xrm (one image) and .txrm (many) files, OLE2 compound documents read with
 * libgsf, their metadata and images. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-volume.h"

G_BEGIN_DECLS

/* What ImageInfo (and friends) say. Arrays hold n_images entries each (a stream holding more
 * entries than images, as Energy often does, is cut; one holding fewer is padded with NaN);
 * NULL when the file has no such stream. Stream names are matched without regard to case. */
typedef struct
{
  guint    width;              /* ImageInfo/ImageWidth: of one image, or of the whole mosaic */
  guint    height;
  guint    n_images;           /* ImageInfo/NoOfImages (1 for a mosaic read as one image) */
  int      data_type;          /* the Xradia code: 2 i8, 3 u8, 4 i16, 5 u16, 6 i32, 7 u32,
                                * 10 f32, 11 f64 */
  double   pixel_size_um;      /* ImageInfo/PixelSize; NaN when absent or not positive */
  double  *energies_ev;        /* ImageInfo/Energy; 0 in SSRL files (the caller then uses the
                                * scan script or the file name) */
  double  *angles_deg;         /* ImageInfo/Angles */
  double  *exp_times_s;        /* ImageInfo/ExpTimes (or ExpTime) */
  double  *x_positions;        /* ImageInfo/XPosition, YPosition, ZPosition (um) */
  double  *y_positions;
  double  *z_positions;
  guint    binning;            /* ImageInfo/CameraBinning, else HorizontalBin; 0 when absent */
  guint    mosaic_rows;        /* ImageInfo/MosiacRows (sic), MosiacColumns; 0 when absent */
  guint    mosaic_columns;
  gboolean has_reference;      /* ReferenceData/Image is present */
  guint    reference_width;    /* its dims and type (ReferenceData/ImageInfo or the image's) */
  guint    reference_height;
  int      reference_data_type;
  double   reference_exp_time_s; /* ReferenceData/ExpTime; NaN when absent */
} EvoxXrmInfo;

typedef struct _EvoxXrmFile EvoxXrmFile;

/* Opens and checks the file: OLE2 structure, the ImageInfo streams, a known data type, every
 * image stream present and at least width * height * type size long, and width * height *
 * n_images not beyond what the file holds. Errors name the file and the reason
 * (EVOX_ERROR_INVALID_DATA, EVOX_ERROR_UNSUPPORTED for a data type code not listed). */
EvoxXrmFile       *evox_xrm_open              (const char      *path,
                                               GError         **error);
void               evox_xrm_close             (EvoxXrmFile     *self);
const EvoxXrmInfo *evox_xrm_get_info          (EvoxXrmFile     *self);
const char        *evox_xrm_get_path          (EvoxXrmFile     *self);
/* Image `index` (0-based) as floats, row-major height x width (y down, as the file stores it).
 * out holds width * height floats. */
gboolean           evox_xrm_read_image        (EvoxXrmFile     *self,
                                               guint            index,
                                               float           *out,
                                               GError         **error);
/* ReferenceData/Image as floats (reference_width * reference_height); FALSE with an error when
 * the file carries none. */
gboolean           evox_xrm_read_reference    (EvoxXrmFile     *self,
                                               float           *out,
                                               GError         **error);

/* The whole file as a volume, for the viewer and `evox info`: one image as one layer; several
 * images at distinct energies as a 2D spectral stack (a channel per image, one layer deep);
 * otherwise (a tilt series, repeats) one layer per image. Integer images keep u8/u16, others
 * become f32. Spacing from PixelSize, energies, angles and exposure times in the channel info
 * and metadata ("xrm_angles_deg" etc., comma-separated); the raw counts, not flat-corrected.
 * bin > 1 averages bin x bin pixels (a partial edge block is dropped). */
EvoxVolume        *evox_xrm_load              (const char      *path,
                                               guint            bin,
                                               EvoxProgress    *progress,
                                               GCancellable    *cancellable,
                                               GError         **error);

/* TRUE when the first bytes are the OLE2 signature. */
gboolean           evox_xrm_has_signature     (const guint8    *head,
                                               gsize            n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxXrmFile, evox_xrm_close)

G_END_DECLS
