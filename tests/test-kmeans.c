/* test-kmeans.c: scaling, PCA, k-means, CH, silhouette, Kneedle and the sweep against scikit-learn and brute force. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>
#ifdef HAVE_OPENMP
#include <omp.h>
#endif

#include "evox-kmeans.h"
#include "evox-test-util.h"
#include "evox-types.h"

/* Points of nb blobs (point i in blob i % nb): centres uniform in [-spread, spread]^d, then
 * centre + sigma * (sum of four uniforms - 2) * sqrt (3), rounded to float. The same IEEE double
 * steps in tests/kmeans-sklearn.py give the same floats there. */
static float *
blobs (guint64 seed,
       gsize   n,
       guint   d,
       guint   nb,
       double  spread,
       double  sigma)
{
  g_autofree double *centres = g_new (double, (gsize) nb * d);
  float *x = g_new (float, n * d);
  guint64 state = seed;

  for (guint i = 0; i < nb * d; i++)
    centres[i] = (evox_test_uniform (&state) * 2.0 - 1.0) * spread;
  for (gsize i = 0; i < n; i++)
    for (guint f = 0; f < d; f++)
      {
        double u1 = evox_test_uniform (&state);
        double u2 = evox_test_uniform (&state);
        double u3 = evox_test_uniform (&state);
        double u4 = evox_test_uniform (&state);
        double g = (u1 + u2 + u3 + u4 - 2.0) * 1.7320508075688772;

        x[i * d + f] = (float) (centres[(i % nb) * d + f] + sigma * g);
      }
  return x;
}

static gboolean
close_rel (double a,
           double b,
           double rel)
{
  return fabs (a - b) <= rel * MAX (fabs (a), fabs (b)) + 1e-300;
}

/* TRUE when the labellings are the same up to renaming the clusters. */
static gboolean
same_partition (const guint32 *ours,
                const char    *theirs,
                gsize          n,
                guint          k)
{
  g_autofree int *fwd = g_new (int, k);
  g_autofree int *back = g_new (int, 16);

  for (guint j = 0; j < k; j++)
    fwd[j] = -1;
  for (guint j = 0; j < 16; j++)
    back[j] = -1;
  for (gsize i = 0; i < n; i++)
    {
      int t = theirs[i] - '0';

      if (fwd[ours[i]] < 0 && back[t] < 0)
        {
          fwd[ours[i]] = t;
          back[t] = ours[i];
        }
      if (fwd[ours[i]] != t || back[t] != (int) ours[i])
        return FALSE;
    }
  return TRUE;
}

static double
choose2 (double v)
{
  return v * (v - 1.0) / 2.0;
}

/* The adjusted Rand index (Hubert and Arabie), from the contingency table by brute force. */
static double
adjusted_rand (const guint32 *a,
               const guint32 *b,
               gsize          n,
               guint          k)
{
  g_autofree double *table = g_new0 (double, (gsize) k * k);
  g_autofree double *ra = g_new0 (double, k), *rb = g_new0 (double, k);
  double index = 0.0, sa = 0.0, sb = 0.0, expected, max;

  for (gsize i = 0; i < n; i++)
    {
      table[a[i] * k + b[i]] += 1;
      ra[a[i]] += 1;
      rb[b[i]] += 1;
    }
  for (guint i = 0; i < k * k; i++)
    index += choose2 (table[i]);
  for (guint i = 0; i < k; i++)
    {
      sa += choose2 (ra[i]);
      sb += choose2 (rb[i]);
    }
  expected = sa * sb / choose2 ((double) n);
  max = 0.5 * (sa + sb);
  return (index - expected) / (max - expected);
}

/* Numbers printed by tests/kmeans-sklearn.py (scikit-learn 1.2.1, numpy 1.24, on float64 copies
 * of the same float points). */
static const char fixed_labels[] =
  "11233023033201230123112101230123022311230123331303230122132311230012012211231123"
  "01230121133303230001012201233122122101220123021211210022012200311322032330231133"
  "01221302032311310122312303230123002203210323012331230120132201230123012312230122"
  "112313230123133312330322012202230322112301220123132101331323"
  ;
static const char empty_labels[] =
  "11233023033201230123112101230123022311230123331303230122132311230012012211231123"
  "01230121133303230001012201233122122101220123021211210022012200311322032300231133"
  "01221302032311310122312303230123002203210323012331231120132201230123012312230122"
  "112313230123133312330322012202230322112301220123132101031323"
  ;
static const char wide_labels[] =
  "01232312343123401432212240134201234110344023401032012344203401030040344124441432"
  "01034010340103121231010320101241034012320123404234014240123214214012344103101032"
  "01334412340123101334010344123032032010340143341030014320023441234014024023241234"
  "310024433041034012344124401234013340123401434011324123411031"
  ;
static const double zscore_mean[] = {
  -0.37263616378506415, 0.56642732738517221, 7, -0.92172016812488433,
  0.37670775101752951,
};
static const double zscore_scale[] = {
  0.97325762943028937, 1.7437385518365098, 1, 1.9538334142570384,
  1.5305478110442059,
};
static const double zscore_row7[] = {
  0.010457871208245435, 0.016975971642445086, 0, -0.022336126039512173,
  0.70364988030317255,
};
static const double minmax_row7[] = {
  0.50874619656111064, 0.52890675967434175, 0, 0.4929933218713014,
  0.65338496922706657,
};
static const double pca_components[] = {
  0.37502573826504282, -0.44501151377915404, 0, 0.76814642270250322,
  0.26696726678020577, 0.24078329159953291, 0.66267886474547399, 1.1102230246251565e-16,
  0.45530609136065697, -0.54366946932490612, 0.0062558787991020826, 0.60233350691962795,
  -2.9004576518332215e-15, 0.069531844610399351, 0.79518584809302828,
};
static const double pca_variance[] = {
  5.358906693494415, 3.2014417468256022, 1.622795470216738,
};
static const double pca_ratio[] = {
  0.52544015768379537, 0.31390097877793605, 0.15911490095439937,
};
static const double pca_row7[] = {
  0.24463695853933071, -0.58331850256243989, 0.87125043003409397,
};

static void
check_labels_by_size (const EvoxKmeansResult *r,
                      gsize                   n)
{
  g_autofree guint64 *sizes = g_new0 (guint64, r->k);

  for (gsize i = 0; i < n; i++)
    {
      g_assert_cmpuint (r->labels[i], <, r->k);
      sizes[r->labels[i]]++;
    }
  for (guint j = 0; j < r->k; j++)
    {
      g_assert_cmpuint (sizes[j], ==, r->sizes[j]);
      if (j > 0)
        g_assert_cmpuint (r->sizes[j - 1], >=, r->sizes[j]);
    }
}

/* Brute-force inertia of the result's labels and centres. */
static double
brute_inertia (const float            *x,
               gsize                   n,
               guint                   d,
               const EvoxKmeansResult *r)
{
  double s = 0.0;

  for (gsize i = 0; i < n; i++)
    for (guint f = 0; f < d; f++)
      {
        double t = x[i * d + f] - r->centers[r->labels[i] * d + f];
        s += t * t;
      }
  return s;
}

/* The first n values of x, as doubles: the rows scikit-learn's init=x[:k] starts from. */
static double *
first_values (const float *x,
              guint        n)
{
  double *init = g_new (double, n);

  for (guint i = 0; i < n; i++)
    init[i] = x[i];
  return init;
}

/* Lloyd's iterations from the start centres `init` (k x d), like KMeans(k, init=init,
 * n_init=1). */
static EvoxKmeansResult *
run_from (const float  *x,
          gsize         n,
          guint         d,
          guint         k,
          const double *init)
{
  g_autoptr (GError) error = NULL;
  EvoxKmeansResult *r;
  EvoxKmeansParams p;

  evox_kmeans_params_init (&p);
  p.k = k;
  r = evox_kmeans_run (x, n, d, &p, init, NULL, NULL, &error);
  g_assert_no_error (error);
  return r;
}

/* KMeans(4, init=x[:4], n_init=1, algorithm="lloyd") gives inertia 1506.0208925224092 in 12
 * iterations and fixed_labels. */
static void
test_fixed_init (void)
{
  g_autofree float *x = blobs (1, 300, 3, 4, 3.0, 1.5);
  g_autofree double *init = first_values (x, 12);
  g_autoptr (EvoxKmeansResult) r = run_from (x, 300, 3, 4, init);

  g_assert_true (same_partition (r->labels, fixed_labels, 300, 4));
  g_assert_true (close_rel (r->inertia, 1506.0208925224092, 1e-6));
  g_assert_true (close_rel (r->inertia, brute_inertia (x, 300, 3, r), 1e-12));
  g_assert_cmpuint (r->n_iter, ==, 12);
  g_assert_true (r->converged);
  check_labels_by_size (r, 300);
}

/* 40 features take the centre-by-centre distance loop: KMeans(5, init=x[:5]) gives inertia
 * 11801.912204586122 in 27 iterations and wide_labels. */
static void
test_fixed_init_wide (void)
{
  g_autofree float *x = blobs (9, 300, 40, 5, 0.6, 1.0);
  g_autofree double *init = first_values (x, 200);
  g_autoptr (EvoxKmeansResult) r = run_from (x, 300, 40, 5, init);

  g_assert_true (same_partition (r->labels, wide_labels, 300, 5));
  g_assert_true (close_rel (r->inertia, 11801.912204586122, 1e-6));
  g_assert_cmpuint (r->n_iter, ==, 27);
}

/* The start centre at (100, 100, 100) gets no point: scikit-learn moves it to the point
 * farthest from its centre; inertia 1505.6153351362805 after 14 iterations, empty_labels. */
static void
test_empty_cluster (void)
{
  g_autofree float *x = blobs (1, 300, 3, 4, 3.0, 1.5);
  g_autofree double *init = first_values (x, 12);
  g_autoptr (EvoxKmeansResult) r = NULL;

  init[9] = init[10] = init[11] = 100.0;
  r = run_from (x, 300, 3, 4, init);
  g_assert_true (same_partition (r->labels, empty_labels, 300, 4));
  g_assert_true (close_rel (r->inertia, 1505.6153351362805, 1e-6));
  g_assert_cmpuint (r->n_iter, ==, 14);
  for (guint j = 0; j < 4; j++)
    g_assert_cmpuint (r->sizes[j], >, 0);
}

/* KMeans(6, n_init=10) over random_state 0..19 finds best inertias 2522.3792269201463 to
 * 2524.31322711332: ten restarts of Evox must be within 0.1% of the lowest. */
static void
test_plusplus_restarts (void)
{
  g_autofree float *x = blobs (2, 500, 4, 6, 4.0, 1.2);
  g_autoptr (GError) error = NULL;
  EvoxKmeansParams p;

  evox_kmeans_params_init (&p);
  p.k = 6;
  p.restarts = 10;
  for (guint64 seed = 0; seed < 5; seed++)
    {
      g_autoptr (EvoxKmeansResult) r = NULL;

      p.seed = seed;
      r = evox_kmeans_run (x, 500, 4, &p, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpfloat (r->inertia, <=, 2522.3792269201463 * 1.001);
      g_assert_cmpuint (r->restart, <, 10);
      check_labels_by_size (r, 500);
    }
}

/* The k-means++ centres are points of the data, distinct for distinct points, and a single
 * greedy start is already far better than k random points (brute-force potentials). */
static void
test_plusplus_centres (void)
{
  g_autofree float *x = blobs (3, 400, 2, 5, 50.0, 0.5);
  g_autofree double *c = evox_kmeans_plusplus (x, 400, 2, 5, 7);
  gboolean blob_hit[5] = { FALSE };

  for (guint j = 0; j < 5; j++)
    {
      gboolean found = FALSE;

      for (gsize i = 0; i < 400 && !found; i++)
        if (x[i * 2] == c[j * 2] && x[i * 2 + 1] == c[j * 2 + 1])
          {
            found = TRUE;
            blob_hit[i % 5] = TRUE;
          }
      g_assert_true (found);
    }
  /* with blobs 100 times farther apart than wide, D^2 sampling puts one centre in each */
  for (guint b = 0; b < 5; b++)
    g_assert_true (blob_hit[b]);
}

/* Clearly separated blobs come back exactly: adjusted Rand index 1 against the truth. */
static void
test_blobs_ari (void)
{
  g_autofree float *x = blobs (3, 400, 2, 5, 50.0, 0.5);
  g_autofree guint32 *truth = g_new (guint32, 400);
  g_autoptr (EvoxKmeansResult) r = NULL;
  g_autoptr (GError) error = NULL;
  EvoxKmeansParams p;

  for (gsize i = 0; i < 400; i++)
    truth[i] = i % 5;
  evox_kmeans_params_init (&p);
  p.k = 5;
  p.seed = 3;
  r = evox_kmeans_run (x, 400, 2, &p, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (adjusted_rand (r->labels, truth, 400, 5), ==, 1.0);
  /* equal sizes: numbered by the first point of each cluster, which is point j of blob j */
  for (guint j = 0; j < 5; j++)
    g_assert_cmpuint (r->labels[j], ==, j);
}

/* calinski_harabasz_score and silhouette_score of two labellings of the sweep's points: the
 * blobs, and a mixed one with a singleton cluster (4 at point 0). */
static void
test_quality (void)
{
  g_autofree float *x = blobs (6, 1000, 3, 5, 10.0, 0.8);
  g_autofree guint32 *lab = g_new (guint32, 1000);
  g_autofree guint32 *lab2 = g_new (guint32, 1000);

  for (gsize i = 0; i < 1000; i++)
    {
      lab[i] = i % 5;
      lab2[i] = (i * 7 / 3) % 4;
    }
  lab2[0] = 4;
  g_assert_true (close_rel (evox_calinski_harabasz (x, 1000, 3, lab, 5), 13478.27515426637, 1e-9));
  g_assert_true (close_rel (evox_calinski_harabasz (x, 1000, 3, lab2, 5), 0.27164848489373622, 1e-9));
  g_assert_true (close_rel (evox_silhouette (x, 1000, 3, lab, 5), 0.83977549932218831, 1e-9));
  g_assert_true (close_rel (evox_silhouette (x, 1000, 3, lab2, 5), -0.19981675616429811, 1e-9));
  memset (lab, 0, sizeof (guint32) * 1000);
  g_assert_cmpfloat (evox_silhouette (x, 1000, 3, lab, 1), ==, 0.0);
  g_assert_true (isnan (evox_calinski_harabasz (x, 1000, 3, lab, 1)));
}

/* The 5-blob sweep: the knee of the inertia is at k = 5, CH is highest there, and the
 * silhouette of k = 5 is the blobs' own (the labels are the blobs). */
static void
test_sweep (void)
{
  g_autofree float *x = blobs (6, 1000, 3, 5, 10.0, 0.8);
  g_autoptr (EvoxKmeansSweep) s = NULL;
  g_autoptr (GError) error = NULL;
  EvoxKmeansParams p;
  guint best_ch = 0;

  evox_kmeans_params_init (&p);
  p.seed = 11;
  s = evox_kmeans_sweep (x, 1000, 3, 10, 0, &p, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (s->n_rows, ==, 10);
  g_assert_cmpuint (s->n_sampled, ==, 1000);
  g_assert_cmpint (s->knee_k, ==, 5);
  g_assert_true (isnan (s->rows[0].calinski_harabasz));
  g_assert_true (isnan (s->rows[0].silhouette));
  for (guint k = 2; k <= 10; k++)
    {
      g_assert_cmpuint (s->rows[k - 1].k, ==, k);
      g_assert_cmpfloat (s->rows[k - 1].inertia, <=, s->rows[k - 2].inertia * (1 + 1e-12));
      if (best_ch == 0 || s->rows[k - 1].calinski_harabasz > s->rows[best_ch - 1].calinski_harabasz)
        best_ch = k;
    }
  g_assert_cmpuint (best_ch, ==, 5);
  g_assert_true (close_rel (s->rows[4].silhouette, 0.83977549932218831, 1e-9));
  g_assert_true (close_rel (s->rows[4].calinski_harabasz, 13478.27515426637, 1e-9));

  /* each row is what evox_kmeans_run gives for its k, whichever thread ran it */
  for (guint k = 1; k <= 10; k += 3)
    {
      g_autoptr (EvoxKmeansResult) r = NULL;
      EvoxKmeansParams pk = p;

      pk.k = k;
      r = evox_kmeans_run (x, 1000, 3, &pk, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpfloat (r->inertia, ==, s->rows[k - 1].inertia);
    }

  /* on a sample of 300, CH still peaks at 5 (Kneedle, normalising the whole curve, is more
   * sensitive to the sample) */
  g_clear_pointer (&s, evox_kmeans_sweep_free);
  s = evox_kmeans_sweep (x, 1000, 3, 10, 300, &p, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (s->n_sampled, ==, 300);
  best_ch = 2;
  for (guint k = 3; k <= 10; k++)
    if (s->rows[k - 1].calinski_harabasz > s->rows[best_ch - 1].calinski_harabasz)
      best_ch = k;
  g_assert_cmpuint (best_ch, ==, 5);
}

/* kneed's test_convex_decreasing: x = 0..9, y = 100 40 20 15 10 5 4 3 2 1, knee 2. */
static void
test_kneedle (void)
{
  const double x[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
  const double y[] = { 100, 40, 20, 15, 10, 5, 4, 3, 2, 1 };
  const double line[] = { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 };

  g_assert_cmpint (evox_kneedle (x, y, 10), ==, 2);
  /* a straight line has no knee; neither do two points */
  g_assert_cmpint (evox_kneedle (x, line, 10), ==, -1);
  g_assert_cmpint (evox_kneedle (x, y, 2), ==, -1);
}

/* StandardScaler and MinMaxScaler; feature 2 is constant (scale 1, becomes 0). */
static void
test_scaler (void)
{
  g_autofree float *x = blobs (5, 200, 5, 3, 2.0, 1.0);
  g_autofree float *z = NULL, *m = NULL;
  g_autoptr (EvoxScaler) zs = NULL;
  g_autoptr (EvoxScaler) ms = NULL;
  g_autoptr (EvoxScaler) none = NULL;
  double back[5];
  EvoxFeatureScale scale;

  for (gsize i = 0; i < 200; i++)
    {
      x[i * 5 + 2] = 7.0f;
      x[i * 5 + 3] = (float) ((double) x[i * 5] * 2.0 + (double) x[i * 5 + 3] * 0.25);
    }
  z = g_memdup2 (x, sizeof (float) * 1000);
  m = g_memdup2 (x, sizeof (float) * 1000);
  zs = evox_scaler_fit (x, 200, 5, EVOX_FEATURE_SCALE_ZSCORE);
  ms = evox_scaler_fit (x, 200, 5, EVOX_FEATURE_SCALE_MINMAX);
  none = evox_scaler_fit (x, 200, 5, EVOX_FEATURE_SCALE_NONE);
  evox_scaler_apply (zs, z, 200);
  evox_scaler_apply (ms, m, 200);
  for (guint f = 0; f < 5; f++)
    {
      g_assert_true (close_rel (zs->offset[f], zscore_mean[f], 1e-12));
      g_assert_true (close_rel (zs->scale[f], zscore_scale[f], 1e-12));
      g_assert_cmpfloat (fabs (z[7 * 5 + f] - zscore_row7[f]), <, 1e-6);
      g_assert_cmpfloat (fabs (m[7 * 5 + f] - minmax_row7[f]), <, 1e-6);
      g_assert_cmpfloat (none->offset[f], ==, 0.0);
      g_assert_cmpfloat (none->scale[f], ==, 1.0);
      back[f] = z[7 * 5 + f];
    }
  evox_scaler_invert (zs, back, 1);
  for (guint f = 0; f < 5; f++)
    g_assert_cmpfloat (fabs (back[f] - x[7 * 5 + f]), <, 1e-5);

  g_assert_true (evox_feature_scale_from_string ("minmax", &scale));
  g_assert_cmpint (scale, ==, EVOX_FEATURE_SCALE_MINMAX);
  g_assert_cmpstr (evox_feature_scale_to_string (EVOX_FEATURE_SCALE_ZSCORE), ==, "zscore");
  g_assert_false (evox_feature_scale_from_string ("z-score", &scale));
}

/* PCA(3, svd_solver="full") on the scaler's points, components signed as the header says. */
static void
test_pca (void)
{
  g_autofree float *x = blobs (5, 200, 5, 3, 2.0, 1.0);
  g_autofree float *t = g_new (float, 600);
  g_autofree double *back = NULL;
  g_autoptr (EvoxPca) pca = NULL;
  g_autoptr (GError) error = NULL;

  for (gsize i = 0; i < 200; i++)
    {
      x[i * 5 + 2] = 7.0f;
      x[i * 5 + 3] = (float) ((double) x[i * 5] * 2.0 + (double) x[i * 5 + 3] * 0.25);
    }
  pca = evox_pca_fit (x, 200, 5, 3, &error);
  g_assert_no_error (error);
  for (guint c = 0; c < 3; c++)
    {
      g_assert_true (close_rel (pca->explained_variance[c], pca_variance[c], 1e-9));
      g_assert_true (close_rel (pca->explained_variance_ratio[c], pca_ratio[c], 1e-9));
      for (guint f = 0; f < 5; f++)
        g_assert_cmpfloat (fabs (pca->components[c * 5 + f] - pca_components[c * 5 + f]), <, 1e-9);
    }
  evox_pca_transform (pca, x, 200, t);
  for (guint c = 0; c < 3; c++)
    g_assert_cmpfloat (fabs (t[7 * 3 + c] - pca_row7[c]), <, 1e-5);

  /* all 5 components: the inverse gives the point back */
  g_clear_pointer (&pca, evox_pca_free);
  pca = evox_pca_fit (x, 200, 5, 5, &error);
  g_assert_no_error (error);
  {
    double row[5];
    float t5[5];

    evox_pca_transform (pca, x + 7 * 5, 1, t5);
    for (guint c = 0; c < 5; c++)
      row[c] = t5[c];
    back = evox_pca_inverse (pca, row, 1);
    for (guint f = 0; f < 5; f++)
      g_assert_cmpfloat (fabs (back[f] - x[7 * 5 + f]), <, 1e-5);
  }

  g_clear_pointer (&pca, evox_pca_free);
  g_assert_null (evox_pca_fit (x, 200, 5, 6, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (evox_pca_fit (x, 200, 5, 0, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
}

/* The eigen-decomposition at a larger d against its definition: the brute-force covariance C
 * satisfies C v = lambda v for every component, the components are orthonormal, the variances
 * decrease and sum (with the rest) to the trace. */
static void
test_pca_eigen (void)
{
  const gsize n = 150;
  const guint d = 64;
  g_autofree float *x = blobs (6, n, d, 7, 3.0, 1.0);
  g_autofree double *mean = g_new0 (double, d);
  g_autofree double *cov = g_new0 (double, d * d);
  g_autoptr (EvoxPca) pca = NULL;
  g_autoptr (GError) error = NULL;
  double trace = 0.0, sum = 0.0;

  /* some rank deficiency: feature 5 copies feature 4 */
  for (gsize i = 0; i < n; i++)
    x[i * d + 5] = x[i * d + 4];
  for (gsize i = 0; i < n; i++)
    for (guint f = 0; f < d; f++)
      mean[f] += x[i * d + f] / (double) n;
  for (gsize i = 0; i < n; i++)
    for (guint f = 0; f < d; f++)
      for (guint g = 0; g < d; g++)
        cov[f * d + g] += (x[i * d + f] - mean[f]) * (x[i * d + g] - mean[g]) / (double) (n - 1);
  for (guint f = 0; f < d; f++)
    trace += cov[f * d + f];

  pca = evox_pca_fit (x, n, d, d, &error);
  g_assert_no_error (error);
  for (guint c = 0; c < d; c++)
    {
      const double *v = pca->components + c * d;
      double lambda = pca->explained_variance[c], big = 0.0;

      for (guint f = 0; f < d; f++)
        {
          double cv = 0.0;

          for (guint g = 0; g < d; g++)
            cv += cov[f * d + g] * v[g];
          g_assert_cmpfloat (fabs (cv - lambda * v[f]), <, 1e-9 * trace);
          if (fabs (v[f]) > fabs (big))
            big = v[f];
        }
      g_assert_cmpfloat (big, >, 0.0);
      for (guint c2 = 0; c2 <= c; c2++)
        {
          double dot = 0.0;

          for (guint f = 0; f < d; f++)
            dot += v[f] * pca->components[c2 * d + f];
          g_assert_cmpfloat (fabs (dot - (c2 == c ? 1.0 : 0.0)), <, 1e-10);
        }
      if (c > 0)
        g_assert_cmpfloat (lambda, <=, pca->explained_variance[c - 1]);
      sum += lambda;
    }
  g_assert_true (close_rel (sum, trace, 1e-10));
}

/* The same seed gives bit-identical results on 1 and 2 threads (several chunks of points). */
static void
test_threads (void)
{
#ifdef HAVE_OPENMP
  const gsize n = 20000;
  g_autofree float *x = blobs (7, n, 4, 6, 3.0, 1.0);
  g_autoptr (EvoxKmeansResult) r1 = NULL;
  g_autoptr (EvoxKmeansResult) r2 = NULL;
  g_autoptr (GError) error = NULL;
  int before = omp_get_max_threads ();
  EvoxKmeansParams p;

  evox_kmeans_params_init (&p);
  p.k = 6;
  p.seed = 42;
  p.restarts = 2;
  p.init_sample = 5000;
  omp_set_num_threads (1);
  r1 = evox_kmeans_run (x, n, 4, &p, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  omp_set_num_threads (2);
  r2 = evox_kmeans_run (x, n, 4, &p, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  omp_set_num_threads (before);
  g_assert_cmpmem (r1->labels, n * sizeof (guint32), r2->labels, n * sizeof (guint32));
  g_assert_cmpmem (r1->centers, 24 * sizeof (double), r2->centers, 24 * sizeof (double));
  g_assert_cmpfloat (r1->inertia, ==, r2->inertia);
  g_assert_cmpuint (r1->n_iter, ==, r2->n_iter);
  g_assert_true (close_rel (r1->inertia, brute_inertia (x, n, 4, r1), 1e-10));
  check_labels_by_size (r1, n);
#else
  g_test_skip ("built without OpenMP");
#endif
}

/* k = 0 and k > n are refused with both numbers in the message; a cancelled job stops. */
static void
test_errors (void)
{
  g_autofree float *x = blobs (1, 50, 2, 2, 3.0, 1.0);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (EvoxKmeansResult) r = NULL;
  g_autoptr (EvoxKmeansSweep) s = NULL;
  g_autoptr (GError) error = NULL;
  EvoxKmeansParams p;

  evox_kmeans_params_init (&p);
  p.k = 0;
  r = evox_kmeans_run (x, 50, 2, &p, NULL, NULL, NULL, &error);
  g_assert_null (r);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "k = 0"));
  g_clear_error (&error);

  p.k = 51;
  r = evox_kmeans_run (x, 50, 2, &p, NULL, NULL, NULL, &error);
  g_assert_null (r);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "k = 51"));
  g_assert_nonnull (strstr (error->message, "50 points"));
  g_clear_error (&error);

  s = evox_kmeans_sweep (x, 50, 2, 12, 10, &p, NULL, NULL, &error);
  g_assert_null (s);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);

  p.k = 2;
  g_cancellable_cancel (cancellable);
  r = evox_kmeans_run (x, 50, 2, &p, NULL, NULL, cancellable, &error);
  g_assert_null (r);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  s = evox_kmeans_sweep (x, 50, 2, 4, 0, &p, NULL, cancellable, &error);
  g_assert_null (s);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
}

/* Degenerate input finishes without crashing: identical points (every potential 0, clusters
 * emptied and relocated every iteration), one point, one feature. */
static void
test_degenerate (void)
{
  g_autofree float *same = g_new (float, 300);
  g_autoptr (EvoxKmeansResult) r = NULL;
  g_autoptr (EvoxKmeansSweep) s = NULL;
  g_autoptr (EvoxPca) pca = NULL;
  g_autoptr (GError) error = NULL;
  const float one[] = { 2.5f };
  EvoxKmeansParams p;

  for (guint i = 0; i < 300; i++)
    same[i] = 1.5f;
  evox_kmeans_params_init (&p);
  p.k = 3;
  r = evox_kmeans_run (same, 100, 3, &p, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (r->inertia, ==, 0.0);
  g_assert_cmpuint (r->sizes[0] + r->sizes[1] + r->sizes[2], ==, 100);
  check_labels_by_size (r, 100);
  g_clear_pointer (&r, evox_kmeans_result_free);

  s = evox_kmeans_sweep (same, 100, 3, 4, 0, &p, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (s->knee_k, ==, 0);
  g_assert_true (isnan (s->rows[2].calinski_harabasz));

  p.k = 1;
  r = evox_kmeans_run (one, 1, 1, &p, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (r->centers[0], ==, 2.5);
  g_assert_cmpuint (r->labels[0], ==, 0);
  g_assert_true (r->converged);

  pca = evox_pca_fit (one, 1, 1, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (pca->explained_variance[0], ==, 0.0);
  g_assert_cmpfloat (pca->components[0], ==, 1.0);
}

/* Lloyd written out, from init (k x d) until no label changes (the lower index on a tie), on the
 * rows whose features are all finite; others get EVOX_KMEANS_LEFT_OUT. */
static double
brute_lloyd (const float *x,
             gsize        n,
             guint        d,
             guint        k,
             double      *centres,
             guint32     *labels)
{
  gboolean changed = TRUE;
  double inertia = 0.0;

  for (gsize i = 0; i < n; i++)
    {
      gboolean finite = TRUE;

      for (guint f = 0; f < d; f++)
        finite = finite && isfinite (x[i * d + f]);
      labels[i] = finite ? k : EVOX_KMEANS_LEFT_OUT;
    }
  while (changed)
    {
      g_autofree double *sums = g_new0 (double, (gsize) k * d);
      g_autofree gsize *counts = g_new0 (gsize, k);

      changed = FALSE;
      for (gsize i = 0; i < n; i++)
        {
          guint best = 0;
          double best_d = INFINITY;

          if (labels[i] == EVOX_KMEANS_LEFT_OUT)
            continue;
          for (guint j = 0; j < k; j++)
            {
              double dist = 0.0;

              for (guint f = 0; f < d; f++)
                dist += (x[i * d + f] - centres[j * d + f]) * (x[i * d + f] - centres[j * d + f]);
              if (dist < best_d)
                best_d = dist, best = j;
            }
          changed = changed || labels[i] != best;
          labels[i] = best;
          counts[best]++;
          for (guint f = 0; f < d; f++)
            sums[best * d + f] += x[i * d + f];
        }
      for (guint j = 0; j < k; j++)
        {
          g_assert_cmpuint (counts[j], >, 0);
          for (guint f = 0; f < d; f++)
            centres[j * d + f] = sums[j * d + f] / counts[j];
        }
    }
  for (gsize i = 0; i < n; i++)
    for (guint f = 0; f < d && labels[i] != EVOX_KMEANS_LEFT_OUT; f++)
      inertia += (x[i * d + f] - centres[labels[i] * d + f]) *
                 (x[i * d + f] - centres[labels[i] * d + f]);
  return inertia;
}

/* Points with a NaN or infinite feature (a map's voxels outside its mask) are left out of
 * k-means, as points outside a mask are: labels EVOX_KMEANS_LEFT_OUT exactly there, and the
 * centres and inertia of Lloyd run here on the finite points alone from the same start; the
 * k-means++ run, the scaling, PCA, sweep and quality measures equal those of the finite points
 * copied out. */
static void
test_non_finite (void)
{
  const gsize n = 300;
  const guint d = 3, k = 4;
  g_autofree float *x = blobs (11, n, d, k, 3.0, 1.0);
  g_autofree float *finite = g_new (float, n * d);
  g_autofree guint32 *brute_labels = g_new (guint32, n);
  g_autofree guint32 *finite_labels = NULL;
  g_autofree double *init = g_new (double, k * d);
  g_autofree double *brute_centres = NULL;
  g_autofree int *match = g_new (int, k);
  g_autofree float *all_nan = g_new (float, 10 * d);
  g_autoptr (EvoxKmeansResult) r = NULL;
  g_autoptr (EvoxKmeansResult) rf = NULL;
  g_autoptr (EvoxKmeansSweep) s = NULL;
  g_autoptr (EvoxKmeansSweep) sf = NULL;
  g_autoptr (EvoxScaler) sc = NULL;
  g_autoptr (EvoxPca) pca = NULL;
  g_autoptr (EvoxPca) pcaf = NULL;
  g_autoptr (GError) error = NULL;
  double brute;
  gsize m = 0;
  EvoxKmeansParams p;

  /* every 7th point loses one feature, a few others get infinities */
  for (gsize i = 0; i < n; i += 7)
    x[i * d + i % d] = NAN;
  x[10 * d + 1] = INFINITY;
  x[11 * d + 2] = -INFINITY;
  for (gsize i = 0; i < n; i++)
    if (isfinite (x[i * d]) && isfinite (x[i * d + 1]) && isfinite (x[i * d + 2]))
      memcpy (finite + d * m++, x + i * d, d * sizeof (float));
  g_assert_cmpuint (m, ==, n - 43 - 2);
  /* the start: the first four finite points (points 1..4, one per blob) */
  for (guint j = 0; j < k * d; j++)
    init[j] = finite[j];
  brute_centres = g_memdup2 (init, k * d * sizeof (double));
  brute = brute_lloyd (x, n, d, k, brute_centres, brute_labels);

  evox_kmeans_params_init (&p);
  p.k = k;
  p.tol = -1;
  r = evox_kmeans_run (x, n, d, &p, init, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->n_left_out, ==, n - m);
  g_assert_cmpuint (r->sizes[0] + r->sizes[1] + r->sizes[2] + r->sizes[3], ==, m);
  for (guint j = 0; j < k; j++)
    match[j] = -1;
  for (gsize i = 0; i < n; i++)
    {
      if (brute_labels[i] == EVOX_KMEANS_LEFT_OUT)
        {
          g_assert_cmpuint (r->labels[i], ==, EVOX_KMEANS_LEFT_OUT);
          continue;
        }
      g_assert_cmpuint (r->labels[i], <, k);
      if (match[r->labels[i]] < 0)
        match[r->labels[i]] = brute_labels[i];
      g_assert_cmpint (match[r->labels[i]], ==, brute_labels[i]);
    }
  for (guint j = 0; j < k; j++)
    for (guint f = 0; f < d; f++)
      g_assert_true (close_rel (r->centers[j * d + f], brute_centres[match[j] * d + f], 1e-12));
  g_assert_true (close_rel (r->inertia, brute, 1e-12));

  /* k-means++ and restarts: the finite points copied out give the same run */
  g_clear_pointer (&r, evox_kmeans_result_free);
  evox_kmeans_params_init (&p);
  p.k = k;
  r = evox_kmeans_run (x, n, d, &p, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  rf = evox_kmeans_run (finite, m, d, &p, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (r->inertia, ==, rf->inertia);
  g_assert_cmpmem (r->centers, k * d * sizeof (double), rf->centers, k * d * sizeof (double));
  g_assert_cmpuint (rf->n_left_out, ==, 0);
  finite_labels = g_new (guint32, m);
  for (gsize i = 0, j = 0; i < n; i++)
    if (r->labels[i] != EVOX_KMEANS_LEFT_OUT)
      finite_labels[j++] = r->labels[i];
  g_assert_cmpmem (finite_labels, m * sizeof (guint32), rf->labels, m * sizeof (guint32));

  /* the quality measures skip the points left out */
  g_assert_cmpfloat (evox_calinski_harabasz (x, n, d, r->labels, k), ==,
                     evox_calinski_harabasz (finite, m, d, rf->labels, k));
  g_assert_cmpfloat (evox_silhouette (x, n, d, r->labels, k), ==,
                     evox_silhouette (finite, m, d, rf->labels, k));

  /* the scaling is fitted on the finite points: their mean and population std, summed here */
  sc = evox_scaler_fit (x, n, d, EVOX_FEATURE_SCALE_ZSCORE);
  for (guint f = 0; f < d; f++)
    {
      double sum = 0.0, sq = 0.0, mean;

      for (gsize i = 0; i < m; i++)
        sum += finite[i * d + f];
      mean = sum / m;
      for (gsize i = 0; i < m; i++)
        sq += (finite[i * d + f] - mean) * (finite[i * d + f] - mean);
      g_assert_true (close_rel (sc->offset[f], mean, 1e-12));
      g_assert_true (close_rel (sc->scale[f], sqrt (sq / m), 1e-12));
    }
  pca = evox_pca_fit (x, n, d, 2, &error);
  g_assert_no_error (error);
  pcaf = evox_pca_fit (finite, m, d, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (pca->components, 2 * d * sizeof (double), pcaf->components,
                   2 * d * sizeof (double));

  /* the sweep: the same rows as for the finite points alone */
  s = evox_kmeans_sweep (x, n, d, 6, 0, &p, NULL, NULL, &error);
  g_assert_no_error (error);
  sf = evox_kmeans_sweep (finite, m, d, 6, 0, &p, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (s->n_sampled, ==, m);
  g_assert_cmpint (s->knee_k, ==, sf->knee_k);
  for (guint j = 0; j < 6; j++)
    {
      g_assert_cmpfloat (s->rows[j].inertia, ==, sf->rows[j].inertia);
      if (j > 0)
        g_assert_cmpfloat (s->rows[j].silhouette, ==, sf->rows[j].silhouette);
    }

  /* nothing finite: refused, by name */
  for (guint i = 0; i < 10 * d; i++)
    all_nan[i] = i % 2 ? NAN : 1.0f;
  g_clear_pointer (&r, evox_kmeans_result_free);
  p.k = 1;
  r = evox_kmeans_run (all_nan, 10, d, &p, NULL, NULL, NULL, &error);
  g_assert_null (r);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "none of the 10 points has finite features"));
  g_clear_error (&error);
  g_clear_pointer (&s, evox_kmeans_sweep_free);
  s = evox_kmeans_sweep (all_nan, 10, d, 2, 0, &p, NULL, NULL, &error);
  g_assert_null (s);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  /* k past the finite points */
  all_nan[0] = all_nan[2] = 1.0f;
  all_nan[1] = 2.0f;
  p.k = 2;
  r = evox_kmeans_run (all_nan, 10, d, &p, NULL, NULL, NULL, &error);
  g_assert_null (r);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "the 1 points with finite features"));
}

/* Cancels as soon as the job's bar has moved, as a user's Cancel would, and notes where the bar
 * stood just after: whenever the cancellation lands, the job may move the bar only by the work it
 * was in the middle of from there on. */
typedef struct
{
  EvoxProgress *progress;
  GCancellable *cancellable;
  double        after;
} Canceller;

static gpointer
cancel_when_moving (gpointer data)
{
  Canceller *c = data;

  while (evox_progress_get_fraction (c->progress) <= 0.0)
    g_usleep (100);
  g_cancellable_cancel (c->cancellable);
  c->after = evox_progress_get_fraction (c->progress);
  return NULL;
}

/* A job cancelled while it runs stops within the restart it is in, wherever the cancellation
 * lands: no clock is read, so a loaded machine cannot make it fail. Runs repeat until one is
 * cancelled, in case a run ends before the canceller thread is scheduled. */
static void
test_cancel_running (void)
{
  const gsize n = 100000;
  g_autofree float *x = blobs (8, n, 8, 20, 3.0, 1.0);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxProgress) progress = evox_progress_new ();
  Canceller c = { progress, cancellable, 0.0 };
  GThread *thread;
  EvoxKmeansParams p;

  evox_kmeans_params_init (&p);
  p.k = 20;
  p.restarts = 50;
  p.init_sample = 0;
  thread = g_thread_new ("cancel", cancel_when_moving, &c);
  for (;;)
    {
      g_autoptr (EvoxKmeansResult) r = evox_kmeans_run (x, n, 8, &p, NULL, progress, cancellable,
                                                        &error);
      if (r == NULL)
        break;
    }
  g_thread_join (thread);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* At most the rest of the restart it was in, and the start of the next one. */
  g_assert_cmpfloat (evox_progress_get_fraction (progress), <=, c.after + 2.0 / p.restarts);
  g_clear_error (&error);

  /* The sweep stops once cancelled and says so (its runs go in parallel, so how much of the bar
   * they still fill depends on the number of threads). */
  g_cancellable_reset (cancellable);
  g_clear_pointer (&progress, evox_progress_unref);
  progress = evox_progress_new ();
  c.progress = progress;
  p.restarts = 4;
  thread = g_thread_new ("cancel", cancel_when_moving, &c);
  for (;;)
    {
      g_autoptr (EvoxKmeansSweep) s = evox_kmeans_sweep (x, n, 8, 30, 0, &p, progress,
                                                         cancellable, &error);
      if (s == NULL)
        break;
    }
  g_thread_join (thread);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Kmeans/fixed-init", test_fixed_init);
  g_test_add_func ("/Evox/Kmeans/fixed-init-wide", test_fixed_init_wide);
  g_test_add_func ("/Evox/Kmeans/empty-cluster", test_empty_cluster);
  g_test_add_func ("/Evox/Kmeans/plusplus-restarts", test_plusplus_restarts);
  g_test_add_func ("/Evox/Kmeans/plusplus-centres", test_plusplus_centres);
  g_test_add_func ("/Evox/Kmeans/blobs-ari", test_blobs_ari);
  g_test_add_func ("/Evox/Kmeans/quality", test_quality);
  g_test_add_func ("/Evox/Kmeans/sweep", test_sweep);
  g_test_add_func ("/Evox/Kmeans/kneedle", test_kneedle);
  g_test_add_func ("/Evox/Kmeans/scaler", test_scaler);
  g_test_add_func ("/Evox/Kmeans/pca", test_pca);
  g_test_add_func ("/Evox/Kmeans/pca-eigen", test_pca_eigen);
  g_test_add_func ("/Evox/Kmeans/threads", test_threads);
  g_test_add_func ("/Evox/Kmeans/errors", test_errors);
  g_test_add_func ("/Evox/Kmeans/degenerate", test_degenerate);
  g_test_add_func ("/Evox/Kmeans/cancel-running", test_cancel_running);
  g_test_add_func ("/Evox/Kmeans/non-finite", test_non_finite);
  return g_test_run ();
}
