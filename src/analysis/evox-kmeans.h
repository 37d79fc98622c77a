/* evox-kmeans.h: feature scaling, PCA, k-means++ and exact-bound Lloyd k-means, the k sweep. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-progress.h"

G_BEGIN_DECLS

/* Points are n rows of d features, row-major floats (point i is points[i * d .. i * d + d - 1]).
 * Sums, centres and distances are doubles. A point with a non-finite feature (NaN, inf: a voxel
 * outside a map's mask) is left out of everything here, as a voxel outside a clustering mask
 * is: no scaling or PCA fit sees it, k-means gives it the label EVOX_KMEANS_LEFT_OUT and counts
 * it in no size, centre or inertia, the sweep and the quality measures skip it; every result
 * is that of the finite points alone (the same seed giving the same clusters). Scaling and
 * projecting such a point give a non-finite point again. */

/* The k-means label of a point left out. */
#define EVOX_KMEANS_LEFT_OUT G_MAXUINT32

/* Per-feature scaling, fitted on the points and applied in place: x' = (x - offset) / scale.
 * ZSCORE: offset the mean, scale the population standard deviation (scikit-learn's
 * StandardScaler); MINMAX: offset the minimum, scale max - min (MinMaxScaler to [0, 1]). A
 * constant feature gets scale 1 (as scikit-learn does), so it becomes 0. */
typedef enum
{
  EVOX_FEATURE_SCALE_NONE,
  EVOX_FEATURE_SCALE_ZSCORE,
  EVOX_FEATURE_SCALE_MINMAX,
} EvoxFeatureScale;

const char *evox_feature_scale_to_string   (EvoxFeatureScale  scale);
/* "zscore", "minmax" or "none"; FALSE for anything else. */
gboolean    evox_feature_scale_from_string (const char       *text,
                                            EvoxFeatureScale *scale);

typedef struct
{
  guint   d;
  double *offset;   /* d */
  double *scale;    /* d */
} EvoxScaler;

EvoxScaler *evox_scaler_fit        (const float      *points,
                                    gsize             n,
                                    guint             d,
                                    EvoxFeatureScale  scale);
void        evox_scaler_apply      (const EvoxScaler *self,
                                    float            *points,
                                    gsize             n);
/* Back to the original units, in place: rows of d doubles (centres, mean curves). */
void        evox_scaler_invert     (const EvoxScaler *self,
                                    double           *rows,
                                    gsize             n_rows);
void        evox_scaler_free       (EvoxScaler       *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxScaler, evox_scaler_free)

/* Principal components, as scikit-learn's PCA (full SVD) finds them: the eigenvectors of the
 * covariance of the centred points, largest variance first, each signed so that its entry of
 * largest magnitude is positive (svd_flip's convention). */
typedef struct
{
  guint   d_in;
  guint   d_out;
  double *mean;                      /* d_in */
  double *components;                /* d_out rows of d_in */
  double *explained_variance;        /* d_out, with n - 1 in the denominator as scikit-learn */
  double *explained_variance_ratio;  /* d_out */
} EvoxPca;

/* Fails with EVOX_ERROR_ARGUMENT when d_out is 0 or more than min (n, d). */
EvoxPca    *evox_pca_fit           (const float      *points,
                                    gsize             n,
                                    guint             d,
                                    guint             d_out,
                                    GError          **error);
/* out: n rows of d_out (may not alias points). */
void        evox_pca_transform     (const EvoxPca    *self,
                                    const float      *points,
                                    gsize             n,
                                    float            *out);
/* Rows of d_out back to d_in (mean + row * components), for centres in the original space. */
double     *evox_pca_inverse       (const EvoxPca    *self,
                                    const double     *rows,
                                    gsize             n_rows);
void        evox_pca_free          (EvoxPca          *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxPca, evox_pca_free)

typedef struct
{
  guint    k;
  guint64  seed;          /* the same seed gives the same result on any number of threads */
  guint    restarts;      /* runs from different k-means++ starts; the lowest inertia is kept
                           * (scikit-learn's n_init); 0 means 1 */
  guint    max_iter;      /* 0 means 300 */
  double   tol;           /* relative to the mean feature variance, as scikit-learn; 0 means
                           * 1e-4; a negative value means 0 (stop only when no label changes) */
  gsize    init_sample;   /* k-means++ runs on at most this many points drawn with the seed;
                           * 0 means every point */
} EvoxKmeansParams;

/* Defaults: k 8, seed 0, restarts 4, max_iter 300, tol 1e-4, init_sample 100000. */
void evox_kmeans_params_init (EvoxKmeansParams *params);

typedef struct
{
  guint     k;
  guint     d;
  double   *centers;      /* k rows of d, in the space of the points given */
  guint32  *labels;       /* n, 0..k-1, numbered by size: 0 the largest cluster, ties by
                           * the lower index of the cluster's first point;
                           * EVOX_KMEANS_LEFT_OUT for a point with a non-finite feature */
  guint64  *sizes;        /* k */
  double    inertia;      /* sum of squared distances of the points to their centres */
  guint     n_iter;       /* Lloyd iterations of the kept run */
  guint     restart;      /* which restart was kept (0-based) */
  gboolean  converged;
  gsize     n_left_out;   /* points left out for a non-finite feature */
} EvoxKmeansResult;

/* k-means of the points. init_centers (k rows of d) start a single run from those centres (as
 * scikit-learn's KMeans(init=array, n_init=1)); NULL uses greedy k-means++ (2 + ln k trials per
 * centre) on a sample, then Lloyd iterations with Hamerly's bounds over every point on every
 * OpenMP thread. Stops when the centres move less than tol in total squared shift or no label
 * changes; labels and inertia are those of the final centres. Fails with EVOX_ERROR_ARGUMENT
 * when no point is finite or k is 0 or exceeds the finite points, G_IO_ERROR_CANCELLED when
 * cancelled. */
EvoxKmeansResult *evox_kmeans_run         (const float             *points,
                                           gsize                    n,
                                           guint                    d,
                                           const EvoxKmeansParams  *params,
                                           const double            *init_centers,
                                           EvoxProgress            *progress,
                                           GCancellable            *cancellable,
                                           GError                 **error);
void              evox_kmeans_result_free (EvoxKmeansResult        *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxKmeansResult, evox_kmeans_result_free)

/* Greedy k-means++ centres alone (k rows of d) of the finite points, for tests against
 * scikit-learn's kmeans_plusplus; NULL (with a critical) when k is 0 or more than those. */
double           *evox_kmeans_plusplus    (const float             *points,
                                           gsize                    n,
                                           guint                    d,
                                           guint                    k,
                                           guint64                  seed);

/* Quality measures of a labelling (labels 0..k-1 of n points), as scikit-learn defines them, of
 * the finite points whose label is not EVOX_KMEANS_LEFT_OUT. */
double evox_calinski_harabasz (const float   *points,
                               gsize          n,
                               guint          d,
                               const guint32 *labels,
                               guint          k);
/* Mean silhouette over the points (exact, O(n^2 d): callers pass at most 10,000 points); 0 when
 * k < 2 as a convention (scikit-learn refuses k = 1). */
double evox_silhouette        (const float   *points,
                               gsize          n,
                               guint          d,
                               const guint32 *labels,
                               guint          k);
/* The knee of a decreasing convex curve (Kneedle, Satopaa et al. 2011, as the kneed package
 * finds it with curve="convex", direction="decreasing", S = 1): the index into x, or -1 when there
 * is none. */
int    evox_kneedle           (const double  *x,
                               const double  *y,
                               guint          n);

typedef struct
{
  guint  k;
  double inertia;
  double calinski_harabasz;   /* NaN for k = 1 */
  double silhouette;          /* NaN for k = 1 */
} EvoxKmeansSweepRow;

typedef struct
{
  guint               n_rows;  /* k = 1 .. n_rows */
  EvoxKmeansSweepRow *rows;
  int                 knee_k;  /* the k at the knee of the inertia, 0 when none */
  gsize               n_sampled;  /* finite points swept */
} EvoxKmeansSweep;

/* k-means for k = 1..k_max on at most sample_size of the finite points drawn with params->seed
 * (0: all), with params' restarts; the silhouette on at most 10,000 of them. Fails with
 * EVOX_ERROR_ARGUMENT when no point is finite or k_max is 0 or more than the points swept. */
EvoxKmeansSweep  *evox_kmeans_sweep       (const float             *points,
                                           gsize                    n,
                                           guint                    d,
                                           guint                    k_max,
                                           gsize                    sample_size,
                                           const EvoxKmeansParams  *params,
                                           EvoxProgress            *progress,
                                           GCancellable            *cancellable,
                                           GError                 **error);
void              evox_kmeans_sweep_free  (EvoxKmeansSweep         *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxKmeansSweep, evox_kmeans_sweep_free)

G_END_DECLS
