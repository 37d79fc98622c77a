/* evox-tomo.h: parallel-beam tomography: filtered back-projection, SIRT, the projector and its
 * adjoint (evox-tomo-recon.c); jitter alignment, the cheap first pass and shifting
 * (evox-tomo-align.c) and the reprojection iterations and the rotation centre's sharpness search
 * (evox-tomo-reproject.c); the fit of shifts against angle to the rigid-sample sinusoid that
 * checks multi-energy registration (evox-tomo-align.c). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>

#include "evox-progress.h"
#include "evox-tilt-series.h"
#include "evox-volume.h"

G_BEGIN_DECLS

/* Geometry (the one skimage.transform.radon/iradon and tomopy use): a slice is an n x n grid of
 * pixels of the projections' pixel size, its centre at ((n - 1) / 2, (n - 1) / 2); the ray of
 * detector pixel x at angle theta is the set of points p with
 *   (p_x - cx) cos theta + (p_y - cy) sin theta = x - center,
 * center the detector position of the rotation axis (in pixels, (nx - 1) / 2 when the axis is in
 * the middle). The projection of a slice f is the line integral of f along each ray, in pixel
 * lengths. */

typedef enum
{
  EVOX_RECON_FILTER_RAMP,         /* |w|, cut at Nyquist */
  EVOX_RECON_FILTER_SHEPP_LOGAN,  /* |w| sinc (w / (2 w_N)) */
  EVOX_RECON_FILTER_HANN,         /* |w| (1 + cos (pi w / w_N)) / 2 */
} EvoxReconFilter;

typedef struct
{
  EvoxReconFilter filter;
  double          center;          /* detector pixel of the rotation axis; NAN: (nx - 1) / 2 */
  guint           sirt_iterations; /* 0: filtered back-projection; else SIRT with this many */
} EvoxReconParams;

/* Filtered back-projection of one sinogram (n_angles rows of nx, row a at angle theta[a]) into an
 * nx x nx slice (row-major, y down). The filter is applied in Fourier space (kissfft) to each
 * row zero-padded to at least twice its length (a power of two); the result is scaled so a
 * slice's values are line integrals per pixel length (pi / n_angles, as skimage's iradon, which
 * holds for angles spread evenly over a half turn). */
void        evox_tomo_fbp_slice  (const float          *sinogram,
                                  guint                 nx,
                                  guint                 n_angles,
                                  const double         *theta,
                                  double                center,
                                  EvoxReconFilter       filter,
                                  float                *slice);
/* The projector: the sinogram of an nx x nx slice (rows as above), each ray's integral by
 * Joseph's method (one sample per pixel row crossed, linear interpolation along the row, times
 * 1 / |cos theta|; per column, times 1 / |sin theta|, for rays closer to the x axis; pixels
 * outside the grid zero); and its exact adjoint (unfiltered back-projection, added to slice).
 * Both run over angles in parallel (OpenMP) when not already inside a parallel region. SIRT and
 * the reprojection alignment use both. */
void        evox_tomo_project_slice (const float       *slice,
                                     guint              nx,
                                     guint              n_angles,
                                     const double      *theta,
                                     double             center,
                                     float             *sinogram);
void        evox_tomo_backproject_slice (const float   *sinogram,
                                         guint          nx,
                                         guint          n_angles,
                                         const double  *theta,
                                         double         center,
                                         float         *slice);

/* Every row y of the series' projections reconstructed into slice z = y of an nx x nx x ny volume
 * (f32), slices in parallel (OpenMP); values are linear attenuation per nm (line integrals per
 * pixel divided by the pixel size) when the series is optical density with a known pixel size,
 * per pixel otherwise; spacing = the pixel size. Cancellable; progress per slice. Errors:
 * EVOX_ERROR_ARGUMENT for a centre outside the detector, fewer than 2 angles, or a series whose
 * volume cannot be held. */
EvoxVolume *evox_tomo_reconstruct (const EvoxTiltSeries  *series,
                                   const EvoxReconParams *params,
                                   EvoxProgress          *progress,
                                   GCancellable          *cancellable,
                                   GError               **error);

/* The cheap first pass of jitter alignment. Vertical: each projection's row-sum profile
 * registered to the mean profile (a sample inside the field of view keeps the same profile at
 * every angle). Horizontal: each projection's centre of mass x_c(theta) fitted by
 * a cos theta + b sin theta + c by least squares; c is the rotation centre, the residuals are
 * the jitter. Shifts are what must be added to move each projection back (dx[a], dy[a] in
 * pixels); rms is the RMS of the fit's residuals before correction. Errors for fewer than 3
 * angles or projections with no signal. */
gboolean    evox_tomo_align_fast  (const EvoxTiltSeries  *series,
                                   double                *dx,
                                   double                *dy,
                                   double                *center,
                                   double                *rms,
                                   GError               **error);
/* Moves every projection by (dx[a], dy[a]) pixels (linear interpolation, edge pixels repeated). */
void        evox_tomo_shift       (EvoxTiltSeries        *series,
                                   const double          *dx,
                                   const double          *dy);

/* Reprojection alignment (as tomopy's align_joint does, but coarse to fine): reconstruct the
 * shifted series, reproject it, register each projection to its reprojection by upsampled phase
 * correlation, add the shifts found, and repeat until the RMS update falls under the tolerance or
 * the iterations are spent. Levels run on the series binned 2^(levels-1) .. 1 (shifts scaled
 * between levels); a level stops early on the tolerance too. */
typedef struct
{
  guint           iterations;       /* at most this many at the finest level; 5 */
  double          tolerance;        /* pixels of the finest level; 0.05 */
  guint           levels;           /* 0: chosen from the size (binned sides >= 64 pixels) */
  guint           upsample;         /* phase correlation to 1 / upsample pixel; 20 */
  guint           sirt_iterations;  /* 0: FBP inside the loop; else SIRT with this many */
  EvoxReconFilter filter;           /* of the FBP inside the loop; Shepp-Logan */
} EvoxTomoReprojectOptions;

void        evox_tomo_reproject_options_init (EvoxTomoReprojectOptions *options);

/* Called on the worker thread after each iteration (level 0 is the coarsest): the RMS difference
 * between the shifted projections and their reprojections (optical density units), the RMS shift
 * update of that iteration and the shifts so far (finest-level pixels, n_angles each). Copy what
 * is kept; the arrays live only for the call. */
typedef void (*EvoxTomoIterationFunc) (guint          level,
                                       guint          iteration,
                                       double         residual,
                                       double         update_rms,
                                       const double  *dx,
                                       const double  *dy,
                                       gpointer       user_data);

/* dx, dy (n_angles each): in, the starting shifts (from evox_tomo_align_fast, or zeros); out, the
 * aligned ones, in the convention of evox_tomo_align_fast. center is the rotation axis used for
 * every reconstruction (finest-level pixels). The series itself is not changed. Cancellable;
 * FALSE with an error (G_IO_ERROR_CANCELLED when cancelled, dx and dy then unchanged). */
gboolean    evox_tomo_align_reproject (const EvoxTiltSeries            *series,
                                       const EvoxTomoReprojectOptions  *options,
                                       double                           center,
                                       double                          *dx,
                                       double                          *dy,
                                       EvoxTomoIterationFunc            func,
                                       gpointer                         user_data,
                                       EvoxProgress                    *progress,
                                       GCancellable                    *cancellable,
                                       GError                         **error);

/* The rotation centre refined by a sharpness search: n_slices rows spread over the middle half of
 * the (aligned) series reconstructed by FBP for centres guess - radius .. guess + radius, first in
 * whole pixels then in quarter pixels around the best; the score of a centre is the sharpness of
 * its slices (the documented measure in the implementation). scan_center/scan_score (may be NULL)
 * receive every centre tried and its score, as doubles, in the order tried. Errors for a radius
 * that leaves the detector, or a series with fewer than 3 angles. */
gboolean    evox_tomo_center_search   (const EvoxTiltSeries  *series,
                                       double                 guess,
                                       double                 radius,
                                       guint                  n_slices,
                                       double                *center,
                                       GArray                *scan_center,
                                       GArray                *scan_score,
                                       GCancellable          *cancellable,
                                       GError               **error);

/* The geometry check of multi-energy registration. For a rigid sample the shifts between two
 * energies follow dx(theta) = a cos theta + b sin theta + c and a constant dy. */
typedef struct
{
  double a, b, c;     /* dx fit, pixels */
  double dy;          /* the constant dy (mean over the angles kept), pixels */
  double rms;         /* sqrt (mean over the angles kept of rx^2 + ry^2): the RMS length of the
                       * 2D residual vector, pixels */
  double scale_x;     /* robust scales of the residuals: 1.4826 x MAD, floored at 0.1 pixel */
  double scale_y;
  guint  n_outliers;
} EvoxShiftFit;

/* Fits the model to n per-angle shifts by least squares, flags outlying angles and fits again
 * without them: angle a is an outlier when |rx - median rx| > k scale_x or
 * |ry - median ry| > k scale_y (k <= 0 means 3). When any are flagged and at least 4 angles
 * remain, the reported fit and scales are those of the second fit (angles judged again against
 * it); rms is over the angles finally not flagged. outlier (may be NULL) receives the flags.
 * Errors:
 * EVOX_ERROR_ARGUMENT for fewer than 4 angles, non-finite values, or angles that do not
 * separate cos, sin and 1. */
gboolean    evox_tomo_shift_fit   (const double          *theta,
                                   const double          *dx,
                                   const double          *dy,
                                   guint                  n,
                                   double                 k,
                                   EvoxShiftFit          *fit,
                                   gboolean              *outlier,
                                   GError               **error);

G_END_DECLS
