/* evox-register-private.h: what the registration stack shares with its kernels: FFT plans and
 * half spectra, so one image's spectrum serves several correlations. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>
#include <kiss_fft.h>

G_BEGIN_DECLS

typedef struct _EvoxRegisterPlan EvoxRegisterPlan;

/* The plan for images of dims (cached per size); release it when done. */
EvoxRegisterPlan *_evox_register_plan_get     (const gsize         dims[3]);
void              _evox_register_plan_release (EvoxRegisterPlan   *plan);
/* Complex values in a half spectrum: (nx / 2 + 1) * ny * nz. */
gsize             _evox_register_spectrum_size (EvoxRegisterPlan  *plan);
/* The half spectrum of the mean-subtracted image (non-finite pixels count as the mean), edge-
 * windowed unless window is FALSE (the benchmark's check against skimage, which has no window). */
void              _evox_register_forward      (EvoxRegisterPlan   *plan,
                                               const float        *image,
                                               kiss_fft_cpx       *spec,
                                               gboolean            window);
/* evox_register_phase_correlation on spectra made by _evox_register_forward; whiten FALSE
 * correlates the spectra as they are (plain cross-correlation, weighted by signal power, for
 * refining a shift already known to a pixel). */
double            _evox_register_phase_correlation_spectra (EvoxRegisterPlan   *plan,
                                               const kiss_fft_cpx *reference,
                                               const kiss_fft_cpx *moving,
                                               gboolean            whiten,
                                               guint               upsample,
                                               double              shift[3]);

/* Buffers the per-image steps reuse (image-sized ones would otherwise be mapped and cleared
 * afresh on every call); one per thread. */
typedef struct
{
  gsize         n;
  kiss_fft_cpx *product;  /* spectrum size */
  float        *cc;       /* n */
  float        *along;    /* n, 2n for a volume: the resampler's passes */
} EvoxRegisterScratch;

EvoxRegisterScratch *_evox_register_scratch_new  (EvoxRegisterPlan    *plan);
void              _evox_register_scratch_free (EvoxRegisterScratch *scratch);
/* evox_register_resample with the scratch's buffers (made for images of dims). */
void              _evox_register_resample_with (const float        *src,
                                               const gsize         dims[3],
                                               double              scale,
                                               const double        shift[3],
                                               float              *dst,
                                               EvoxRegisterScratch *scratch);
/* What evox_register_stack does per image to find its translation (and what the benchmark
 * times): moving scaled by scale about the centre into work, its spectrum into spec, and the
 * shift (to 1 / upsample pixel) onto the target whose windowed spectrum is target_spec: the
 * whitened correlation's peak roughly, then the plain correlation with the window moved. */
void              _evox_register_translate    (EvoxRegisterPlan   *plan,
                                               const kiss_fft_cpx *target_spec,
                                               const float        *moving,
                                               double              scale,
                                               guint               upsample,
                                               kiss_fft_cpx       *spec,
                                               float              *work,
                                               EvoxRegisterScratch *scratch,
                                               double              shift[3]);
/* _evox_register_translate's steps after the scaling: scaled is moving already scaled (and
 * scaled_spec its windowed spectrum, left as it is); spec is a buffer for the moved window's
 * spectrum (it may be scaled_spec, which is then overwritten). */
void              _evox_register_translate_scaled (EvoxRegisterPlan   *plan,
                                               const kiss_fft_cpx *target_spec,
                                               const float        *scaled,
                                               const kiss_fft_cpx *scaled_spec,
                                               guint               upsample,
                                               kiss_fft_cpx       *spec,
                                               EvoxRegisterScratch *scratch,
                                               double              shift[3]);
/* evox_register_ncc and evox_register_mutual_information (bins) of the same pair in two passes
 * over the pixels; either output may be NULL. */
void              _evox_register_similarity   (const float        *a,
                                               const float        *b,
                                               gsize               n,
                                               guint               bins,
                                               double             *ncc,
                                               double             *mi);
/* Narrows lo..hi (inclusive, per axis) to the bounding box of image's finite pixels; FALSE when
 * nothing is left. */
gboolean          _evox_register_finite_box   (const float        *image,
                                               const gsize         dims[3],
                                               gsize               lo[3],
                                               gsize               hi[3]);
/* evox_register_residual inside the box lo..hi where both images are finite. */
double            _evox_register_residual_in_box (const float     *target,
                                               const float        *moving,
                                               const gsize         dims[3],
                                               const gsize         lo[3],
                                               const gsize         hi[3]);

G_END_DECLS
