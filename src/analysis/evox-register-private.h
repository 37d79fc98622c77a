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

G_END_DECLS
