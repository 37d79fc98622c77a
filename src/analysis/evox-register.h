/* evox-register.h: registering the energies of a spectral stack onto one grid: scale from the
 * energy ratio refined by a small search, translation by upsampled phase correlation
 * (Guizar-Sicairos et al. 2008), a chain of neighbours tied to anchors, and a quality report. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-registration.h"

G_BEGIN_DECLS

typedef enum
{
  EVOX_REGISTER_SCALE_FIT,     /* the nominal scale refined by a search for the best NCC */
  EVOX_REGISTER_SCALE_ENERGY,  /* the nominal scale as it is */
  EVOX_REGISTER_SCALE_NONE,    /* no scaling: translation only */
} EvoxRegisterScale;

typedef struct
{
  double             reference_ev;  /* NaN or 0: the highest energy (its pixels are the largest) */
  const double      *exclude_ev;    /* energies left out (matched within 0.05 eV) */
  guint              n_exclude;
  EvoxRegisterScale  scale;
  double             scale_range;   /* the search spans nominal x (1 +- scale_range); 0.01 */
  guint              upsample;      /* phase correlation precision 1 / upsample pixel; 20 */
  guint              anchor_step;   /* every anchor_step-th energy of the chain is registered to
                                     * the reference directly; 0: chosen from the stack */
} EvoxRegisterOptions;

void               evox_register_options_init (EvoxRegisterOptions  *options);
/* "fit", "energy", "none" <-> the enum; FALSE for anything else. */
gboolean           evox_register_scale_from_string (const char      *text,
                                               EvoxRegisterScale    *scale);
const char        *evox_register_scale_to_string   (EvoxRegisterScale scale);

/* Registers every energy of raw (a volume with two or more channels carrying energies; 2D stacks
 * one layer deep, 3D volumes) onto the reference's grid. The registered volume is f32 with the
 * reference's pixel size as spacing, one channel per energy that is not excluded, NaN where an
 * image does not reach; channel info and value meaning copied from raw. Refuses (EVOX_ERROR_
 * ARGUMENT) a reference or an exclusion no channel has, or excluding all but one energy. */
EvoxRegistration  *evox_register_stack        (EvoxVolume                 *raw,
                                               const EvoxRegisterOptions  *options,
                                               EvoxProgress               *progress,
                                               GCancellable               *cancellable,
                                               GError                    **error);
void               evox_register_stack_async  (EvoxVolume                 *raw,
                                               const EvoxRegisterOptions  *options,
                                               EvoxProgress               *progress,
                                               GCancellable               *cancellable,
                                               GAsyncReadyCallback         callback,
                                               gpointer                    user_data);
EvoxRegistration  *evox_register_stack_finish (GAsyncResult               *result,
                                               GError                    **error);

/* Kernels, public for the tests and the benchmark. Images are f32, x fastest, dims x, y, z
 * (z = 1 for 2D). */

/* The shift (x, y, z) that, applied to moving, aligns it with reference (skimage's
 * phase_cross_correlation convention), to 1 / upsample pixel, on edge-windowed images. Returns
 * the normalised peak height (0..1) or NaN with an error. */
double             evox_register_phase_correlation (const float   *reference,
                                               const float          *moving,
                                               const gsize           dims[3],
                                               guint                 upsample,
                                               double                shift[3],
                                               GError              **error);
/* The length of the shift (pixels) that would still align moving with target: phase correlation
 * over the box where both are finite (a registered image's NaN frame would otherwise dominate the
 * whitened spectrum), refined to 1/200 pixel. NaN when that box is under 8 pixels a side. */
double             evox_register_residual     (const float                *target,
                                               const float                *moving,
                                               const gsize                 dims[3]);
/* dst (dims) = src (dims) sampled at c + (p - c - shift) / scale, the inverse of the transform
 * in evox-registration.h; NaN where the sample falls outside src. */
void               evox_register_resample     (const float                *src,
                                               const gsize                 dims[3],
                                               double                      scale,
                                               const double                shift[3],
                                               float                      *dst);
/* Over the pairs where both are finite; NaN when fewer than two or a constant image. */
double             evox_register_ncc          (const float                *a,
                                               const float                *b,
                                               gsize                       n);
/* Mutual information in nats from a bins x bins joint histogram over each image's finite range. */
double             evox_register_mutual_information (const float          *a,
                                               const float                *b,
                                               gsize                       n,
                                               guint                       bins);

G_END_DECLS
