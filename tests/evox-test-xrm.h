/* evox-test-xrm.h: synthetic Xradia .xrm/.txrm files written with libgsf's own OLE2 writer, for
 * the reader's tests and the fuzzer. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint         width;           /* of one image, or of one tile when mosaic_tiled */
  guint         height;
  guint         n_images;        /* image streams written */
  guint         no_of_images;    /* what ImageInfo/NoOfImages says; 0: n_images */
  int           data_type;       /* Xradia code; 0 writes no DataType stream */
  gboolean      lower_case;      /* every storage and stream name in lower case */
  guint         mosaic_rows;     /* MosiacRows / MosiacColumns (sic) when both are > 0 */
  guint         mosaic_columns;
  const float  *energies;        /* ImageInfo/Energy, n_energies entries; NULL: none */
  guint         n_energies;
  guint         images_taken;    /* > 0: ImageInfo/ImagesTaken (an aborted scan) */
  gboolean      exp_time;        /* exposures in ImageInfo/ExpTime rather than ExpTimes */
  gboolean      reference;       /* ReferenceData/Image (u16) and ExpTime 0.3 */
  guint         reference_width; /* its size; 0: the image's */
  guint         reference_height;
  gboolean      reference_info;  /* its size also in ReferenceData/ImageInfo/ImageWidth, ... */
  guint         short_image;     /* > 0: image k = short_image is one sample short */
  gboolean      no_image_info;   /* an OLE2 file with only a "Workbook" stream (an old .xls) */
  gboolean      no_angles;       /* no ImageInfo/Angles stream */
  const float  *angles;          /* n_images angles (degrees); NULL: -30 + 15 k */
  guint         image_offset;    /* image k holds evox_test_xrm_value (type, k + image_offset) */
} EvoxTestXrm;

/* The sample the writer puts at (x, y) of image k (1-based), as a double: values that only the
 * type can hold (above 32767 for u16, negative for signed types, fractions for floats). */
double evox_test_xrm_value           (int                data_type,
                                      guint              k,
                                      guint              x,
                                      guint              y);
/* The reference's sample at (x, y). */
double evox_test_xrm_reference_value (guint              x,
                                      guint              y);
/* Writes the file; asserts that libgsf could. */
void   evox_test_xrm_write           (const char        *path,
                                      const EvoxTestXrm *spec);

G_END_DECLS
