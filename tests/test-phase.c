/* test-phase.c: phases, their lists, typed values, exact counts, Otsu and presets against brute force. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "evox-demo.h"
#include "evox-phase.h"
#include "evox-test-util.h"
#include "evox-test-volume.h"

/* XDG_CONFIG_HOME of the run: a temporary folder, so presets never touch the user's. */
static char *config_home;

/* Volumes */

static EvoxVolume *
volume_new (EvoxSampleType type,
            gsize          nx,
            gsize          ny,
            gsize          nz)
{
  g_autoptr (GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (nx, ny, nz, 1, type, &error);

  g_assert_no_error (error);
  return volume;
}

/* Random values: u8 over 0..255 (plus clumps at 0, 85, 170), u16 over a part of its range,
 * f32 over [-6, 2) with NaN and infinities and values repeated exactly. */
static EvoxVolume *
random_volume (EvoxSampleType type,
               gsize          n,
               guint32        seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  EvoxVolume *volume = volume_new (type, n, 1, 1);
  gpointer data = evox_volume_get_data_mut (volume, 0);

  for (gsize i = 0; i < n; i++)
    switch (type)
      {
      case EVOX_SAMPLE_U8:
        ((guint8 *) data)[i] = g_rand_boolean (rand) ? 85 * g_rand_int_range (rand, 0, 3)
                                                     : g_rand_int_range (rand, 0, 256);
        break;
      case EVOX_SAMPLE_U16:
        ((guint16 *) data)[i] = g_rand_int_range (rand, 0, 8) == 0
                                ? 60000 : g_rand_int_range (rand, 300, 9000);
        break;
      case EVOX_SAMPLE_F32:
        {
          double r = g_rand_double (rand);
          float v = (float) g_rand_double_range (rand, -6.0, 2.0);

          if (r < 0.02)
            v = NAN;
          else if (r < 0.03)
            v = r < 0.025 ? INFINITY : -INFINITY;
          else if (r < 0.2 && i > 0)
            v = ((float *) data)[g_rand_int_range (rand, 0, i)];
          ((float *) data)[i] = v;
        }
        break;
      }
  evox_volume_freeze (volume);
  return volume;
}

static guint64
brute_count (EvoxVolume *volume,
             double      lo,
             double      hi)
{
  gsize n = evox_volume_get_n_voxels (volume);
  guint64 count = 0;

  for (gsize i = 0; i < n; i++)
    {
      double v = evox_test_value_at (volume, i);
      count += isfinite (v) && v >= lo && v <= hi;
    }
  return count;
}

static guint64
brute_finite (EvoxVolume *volume)
{
  gsize n = evox_volume_get_n_voxels (volume);
  guint64 count = 0;

  for (gsize i = 0; i < n; i++)
    count += isfinite (evox_test_value_at (volume, i));
  return count;
}

/* A random voxel's finite value. */
static double
some_value (EvoxVolume *volume,
            GRand      *rand)
{
  gsize n = evox_volume_get_n_voxels (volume);

  for (;;)
    {
      double v = evox_test_value_at (volume, g_rand_int_range (rand, 0, n));
      if (isfinite (v))
        return v;
    }
}

/* Otsu */

static double
class_term (const double *counts,
            guint         a,
            guint         b)
{
  double w = 0, s = 0;

  for (guint i = a; i < b; i++)
    {
      w += counts[i];
      s += counts[i] * i;
    }
  return w > 0 ? s * s / w : 0.0;
}

/* Every tuple 1 <= t0 < t1 < ... <= n_bins - 1 in lexicographic order; the first with the
 * largest sum of class terms (added from the lowest class) wins. */
static void
brute_otsu (const double *counts,
            guint         n_bins,
            guint         n_classes,
            guint        *best)
{
  guint t[8];
  guint m = n_classes - 1;
  double best_value = -1;

  for (guint k = 0; k < m; k++)
    t[k] = k + 1;
  for (;;)
    {
      double value = 0;
      int k;

      for (guint c = 0; c < n_classes; c++)
        value += class_term (counts, c == 0 ? 0 : t[c - 1], c == m ? n_bins : t[c]);
      if (value > best_value)
        {
          best_value = value;
          for (guint k = 0; k < m; k++)
            best[k] = t[k];
        }
      /* Next tuple: the last position that can still grow, the ones after it packed behind. */
      for (k = m - 1; k >= 0 && t[k] == n_bins - m + k; k--)
        ;
      if (k < 0)
        break;
      t[k]++;
      for (guint j = k + 1; j < m; j++)
        t[j] = t[j - 1] + 1;
    }
}

static void
test_otsu_brute_force (void)
{
  guint n_runs = 0;

  for (guint32 seed = 1; seed <= 400; seed++)
    {
      g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
      guint n_bins = g_rand_int_range (rand, 6, 41);
      guint n_classes = g_rand_int_range (rand, 2, 5);
      double counts[40];
      guint got[8], expected[8];
      guint n_nonempty = 0;
      double p_empty = g_rand_double_range (rand, 0, 0.6);

      for (guint b = 0; b < n_bins; b++)
        {
          /* Integer counts keep every class sum exact, so ties are true ties; small ranges of
           * counts make ties common. */
          counts[b] = g_rand_double (rand) < p_empty ? 0
                      : g_rand_int_range (rand, 1, seed % 3 == 0 ? 4 : 1000);
          n_nonempty += counts[b] > 0;
        }
      if (n_nonempty < n_classes)
        {
          g_assert_false (evox_otsu_bins (counts, n_bins, n_classes, got));
          continue;
        }
      g_assert_true (evox_otsu_bins (counts, n_bins, n_classes, got));
      brute_otsu (counts, n_bins, n_classes, expected);
      for (guint k = 0; k + 1 < n_classes; k++)
        {
          if (got[k] != expected[k])
            g_error ("seed %u, %u bins, %u classes: threshold %u is %u, brute force %u", seed,
                     n_bins, n_classes, k, got[k], expected[k]);
        }
      n_runs++;
    }
  g_assert_cmpuint (n_runs, >, 300);

  /* Ties: a symmetric histogram with an empty middle splits at the lowest threshold. */
  {
    const double counts[] = { 5, 0, 0, 0, 5 };
    guint t[1];

    g_assert_true (evox_otsu_bins (counts, 5, 2, t));
    g_assert_cmpuint (t[0], ==, 1);
  }
  {
    const double counts[] = { 0, 3, 0, 3, 0, 0 };
    guint t[2];

    g_assert_false (evox_otsu_bins (counts, 6, 3, t));
  }
}

static void
test_otsu_suggest (void)
{
  g_autoptr (EvoxVolume) volume = volume_new (EVOX_SAMPLE_U8, 30, 20, 10);
  g_autoptr (EvoxVolume) two = volume_new (EVOX_SAMPLE_U8, 10, 10, 1);
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  g_autoptr (GError) error = NULL;
  guint8 *data = evox_volume_get_data_mut (volume, 0);
  guint8 *data2 = evox_volume_get_data_mut (two, 0);
  EvoxFineHistogram *fine;
  double t[7];
  gint64 start;

  /* Clusters 15..35, 110..130, 200..230 of different sizes. */
  for (gsize i = 0; i < 6000; i++)
    {
      int c = g_rand_int_range (rand, 0, 6);
      data[i] = c < 3 ? g_rand_int_range (rand, 15, 36)
              : c < 5 ? g_rand_int_range (rand, 110, 131) : g_rand_int_range (rand, 200, 231);
    }
  evox_volume_freeze (volume);
  fine = evox_volume_get_fine_histogram (volume, 0);
  start = g_get_monotonic_time ();
  g_assert_true (evox_otsu_suggest (fine, 3, t, &error));
  g_test_message ("3-class Otsu on 256 bins: %.2f ms", (g_get_monotonic_time () - start) / 1e3);
  g_assert_no_error (error);
  g_assert_cmpfloat (t[0], >, 35);
  g_assert_cmpfloat (t[0], <=, 110);
  g_assert_cmpfloat (t[1], >, 130);
  g_assert_cmpfloat (t[1], <=, 200);
  g_assert_cmpfloat (t[0], ==, round (t[0]));
  g_assert_cmpfloat (t[1], ==, round (t[1]));

  for (gsize i = 0; i < 100; i++)
    data2[i] = i % 2 ? 40 : 90;
  evox_volume_freeze (two);
  g_assert_false (evox_otsu_suggest (evox_volume_get_fine_histogram (two, 0), 3, t, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "2 distinct values"));
  g_clear_error (&error);
  g_assert_true (evox_otsu_suggest (evox_volume_get_fine_histogram (two, 0), 2, t, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (t[0], >, 40);
  g_assert_cmpfloat (t[0], <=, 90);
  g_assert_false (evox_otsu_suggest (evox_volume_get_fine_histogram (two, 0), 9, t, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
}

/* Fractions and exact counts */

static void
check_integer_fractions (EvoxSampleType type)
{
  g_autoptr (EvoxVolume) volume = random_volume (type, 20000, 11 + type);
  g_autoptr (GRand) rand = g_rand_new_with_seed (5);
  EvoxFineHistogram *fine = evox_volume_get_fine_histogram (volume, 0);
  double top = type == EVOX_SAMPLE_U8 ? 255 : 65535;
  guint64 n = brute_finite (volume);
  double lo[64], hi[64];
  guint64 counts[64];
  g_autoptr (GError) error = NULL;

  for (guint r = 0; r < G_N_ELEMENTS (lo); r++)
    {
      switch (r % 4)
        {
        case 0:   /* anywhere, edges not whole */
          lo[r] = g_rand_double_range (rand, -20, top + 20);
          hi[r] = lo[r] + g_rand_double_range (rand, 0, top / 2);
          break;
        case 1:   /* past both ends of the data */
          lo[r] = -g_rand_double_range (rand, 0, 1000);
          hi[r] = top + g_rand_double_range (rand, 0, 1000);
          break;
        case 2:   /* one value present in the data */
          lo[r] = hi[r] = some_value (volume, rand);
          break;
        default:  /* edges on present values */
          lo[r] = some_value (volume, rand);
          hi[r] = some_value (volume, rand);
          if (lo[r] > hi[r])
            {
              double s = lo[r];
              lo[r] = hi[r];
              hi[r] = s;
            }
        }
    }
  for (guint r = 0; r < G_N_ELEMENTS (lo); r++)
    {
      g_autoptr (EvoxPhase) phase = evox_phase_new ("p", lo[r], hi[r], NULL);
      guint64 expected = brute_count (volume, lo[r], hi[r]);

      g_assert_cmpfloat (evox_phase_fraction (phase, fine), ==, (double) expected / n);
      if (r % 4 == 2)
        g_assert_cmpuint (expected, >, 0);
    }
  g_assert_true (evox_count_ranges_exact (volume, 0, G_N_ELEMENTS (lo), lo, hi, counts, NULL,
                                          &error));
  g_assert_no_error (error);
  for (guint r = 0; r < G_N_ELEMENTS (lo); r++)
    g_assert_cmpuint (counts[r], ==, brute_count (volume, lo[r], hi[r]));
}

static void
test_fractions_u8 (void)
{
  check_integer_fractions (EVOX_SAMPLE_U8);
}

static void
test_fractions_u16 (void)
{
  check_integer_fractions (EVOX_SAMPLE_U16);
}

static void
test_counts_f32 (void)
{
  /* Large enough for many blocks on every thread. */
  g_autoptr (EvoxVolume) volume = random_volume (EVOX_SAMPLE_F32, 300000, 3);
  g_autoptr (GRand) rand = g_rand_new_with_seed (9);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  double lo[40], hi[40];
  guint64 counts[40];

  for (guint r = 0; r < G_N_ELEMENTS (lo); r++)
    {
      switch (r % 4)
        {
        case 0:
          lo[r] = g_rand_double_range (rand, -7, 3);
          hi[r] = lo[r] + g_rand_double_range (rand, 0, 4);
          break;
        case 1:   /* both edges exactly on voxel values */
          lo[r] = some_value (volume, rand);
          hi[r] = some_value (volume, rand);
          if (lo[r] > hi[r])
            {
              double s = lo[r];
              lo[r] = hi[r];
              hi[r] = s;
            }
          break;
        case 2:   /* a single value */
          lo[r] = hi[r] = some_value (volume, rand);
          break;
        default:  /* one ulp of double inside a voxel value: that value is out */
          lo[r] = nextafter (some_value (volume, rand), INFINITY);
          hi[r] = lo[r] + 1;
        }
    }
  lo[3] = -G_MAXDOUBLE;
  hi[3] = G_MAXDOUBLE;
  g_assert_true (evox_count_ranges_exact (volume, 0, G_N_ELEMENTS (lo), lo, hi, counts,
                                          cancellable, &error));
  g_assert_no_error (error);
  for (guint r = 0; r < G_N_ELEMENTS (lo); r++)
    g_assert_cmpuint (counts[r], ==, brute_count (volume, lo[r], hi[r]));
  g_assert_cmpuint (counts[3], ==, brute_finite (volume));
  g_assert_cmpuint (counts[3], <, evox_volume_get_n_voxels (volume));

  g_cancellable_cancel (cancellable);
  g_assert_false (evox_count_ranges_exact (volume, 0, G_N_ELEMENTS (lo), lo, hi, counts,
                                           cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Suggested phases */

static void
check_suggest_covers (EvoxSampleType type,
                      guint32        seed)
{
  g_autoptr (EvoxVolume) volume = random_volume (type, 50000, seed);
  g_autoptr (EvoxPhaseList) list = evox_phase_list_new ();
  EvoxFineHistogram *fine = evox_volume_get_fine_histogram (volume, 0);
  guint64 n_finite = brute_finite (volume);
  const char * const names[] = { "low", "middle", NULL };

  for (guint n = 2; n <= 5; n++)
    {
      g_autoptr (GError) error = NULL;
      double lo[5], hi[5];
      guint64 counts[5], sum = 0;
      gsize n_voxels = evox_volume_get_n_voxels (volume);

      g_assert_true (evox_phase_list_suggest (list, fine, n, names, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (evox_phase_list_get_n_phases (list), ==, n);
      g_assert_cmpstr (evox_phase_get_name (evox_phase_list_get_phase (list, 0)), ==, "low");
      g_assert_cmpstr (evox_phase_get_name (evox_phase_list_get_phase (list, 1)), ==, "middle");
      if (n > 2)
        g_assert_cmpstr (evox_phase_get_name (evox_phase_list_get_phase (list, 2)), ==,
                         "Phase 3");
      for (guint k = 0; k < n; k++)
        {
          EvoxPhase *phase = evox_phase_list_get_phase (list, k);

          lo[k] = evox_phase_get_lo (phase);
          hi[k] = evox_phase_get_hi (phase);
          g_assert_false (evox_phase_list_overlaps (list, k,
                                                    evox_volume_get_sample_type (volume)));
          if (k > 0)
            {
              g_assert_cmpfloat (lo[k], >, hi[k - 1]);
              /* Nothing the sample type can hold lies between two phases. */
              if (type == EVOX_SAMPLE_F32)
                g_assert_cmpfloat (nextafterf ((float) hi[k - 1], INFINITY), ==, lo[k]);
              else
                g_assert_cmpfloat (lo[k], ==, hi[k - 1] + 1);
            }
        }
      g_assert_true (evox_count_ranges_exact (volume, 0, n, lo, hi, counts, NULL, &error));
      for (guint k = 0; k < n; k++)
        sum += counts[k];
      g_assert_cmpuint (sum, ==, n_finite);
      /* And voxel by voxel: every finite one in exactly one phase. */
      for (gsize i = 0; i < n_voxels; i++)
        {
          double v = evox_test_value_at (volume, i);
          guint owners = 0;

          for (guint k = 0; k < n; k++)
            owners += v >= lo[k] && v <= hi[k];
          g_assert_cmpuint (owners, ==, isfinite (v) ? 1 : 0);
        }
    }
}

static void
test_suggest_covers (void)
{
  check_suggest_covers (EVOX_SAMPLE_U8, 21);
  check_suggest_covers (EVOX_SAMPLE_U16, 22);
  check_suggest_covers (EVOX_SAMPLE_F32, 23);
  check_suggest_covers (EVOX_SAMPLE_F32, 24);
}

/* Values typed by users */

static void
check_value (const char     *text,
             EvoxValueScale  scale,
             double          expected)
{
  g_autoptr (GError) error = NULL;
  double v = NAN;

  g_assert_true (evox_phase_parse_value (text, scale, "ohm", &v, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (v, ==, expected);
}

static void
check_bad_value (const char     *text,
                 EvoxValueScale  scale)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *quoted = g_strdup_printf ("“%s”", text);
  double v = 12345;

  g_assert_false (evox_phase_parse_value (text, scale, "ohm", &v, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, quoted));
  g_assert_cmpfloat (v, ==, 12345);
}

static void
test_parse_value (void)
{
  const char *bad[] = { "", "abc", "1.2.3", "nan", "NaN", "inf", "-inf", "1e999", "0x10",
                        "4.5 kohm", "4.5 ohm ohm", "1-2", "e5", "--1", "1e" };

  check_value ("-4.5", EVOX_SCALE_LOG10, -4.5);
  check_value ("  -4.5  ", EVOX_SCALE_LOG10, -4.5);
  check_value ("0", EVOX_SCALE_LOG10, 0);
  check_value ("3.2e-5", EVOX_SCALE_LOG10, log10 (3.2e-5));
  check_value ("3.2E-5", EVOX_SCALE_LOG10, log10 (3.2e-5));
  check_value ("3.2e-5 ohm", EVOX_SCALE_LOG10, log10 (3.2e-5));
  check_value ("3.2e-5ohm", EVOX_SCALE_LOG10, log10 (3.2e-5));
  check_value ("1e5", EVOX_SCALE_LOG10, 5);
  check_value ("250 Ohm", EVOX_SCALE_LOG10, log10 (250));
  check_value ("-4.5", EVOX_SCALE_LINEAR, -4.5);
  check_value ("3.2e-5", EVOX_SCALE_LINEAR, 3.2e-5);
  check_value ("+12 ohm", EVOX_SCALE_LINEAR, 12);
  check_value ("-1e3", EVOX_SCALE_LINEAR, -1000);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      check_bad_value (bad[i], EVOX_SCALE_LOG10);
      check_bad_value (bad[i], EVOX_SCALE_LINEAR);
    }
  /* Quantities of log10 data must be positive. */
  check_bad_value ("-3e-5", EVOX_SCALE_LOG10);
  check_bad_value ("0 ohm", EVOX_SCALE_LOG10);
  check_bad_value ("0e0", EVOX_SCALE_LOG10);
  check_value ("-3e-5", EVOX_SCALE_LINEAR, -3e-5);

  /* No unit given: a trailing word is junk. */
  {
    g_autoptr (GError) error = NULL;
    double v;

    g_assert_false (evox_phase_parse_value ("5 ohm", EVOX_SCALE_LINEAR, NULL, &v, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  }
}

static void
check_spec (const char *spec,
            EvoxVolume *volume,
            const char *name,
            double      lo,
            double      hi)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxPhase) phase = evox_phase_parse_spec (spec, volume, &error);

  g_assert_no_error (error);
  g_assert_nonnull (phase);
  g_assert_cmpstr (evox_phase_get_name (phase), ==, name);
  g_assert_cmpfloat (evox_phase_get_lo (phase), ==, lo);
  g_assert_cmpfloat (evox_phase_get_hi (phase), ==, hi);
  g_assert_cmpint (strlen (evox_phase_get_color (phase)), ==, 7);
}

static void
check_bad_spec (const char *spec,
                EvoxVolume *volume,
                const char *reason)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *quoted = g_strdup_printf ("“%s”", spec);
  g_autoptr (EvoxPhase) phase = evox_phase_parse_spec (spec, volume, &error);

  g_assert_null (phase);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  if (strstr (error->message, quoted) == NULL || strstr (error->message, reason) == NULL)
    g_error ("“%s”: message “%s” lacks the spec or “%s”", spec, error->message, reason);
}

static void
test_parse_spec (void)
{
  g_autoptr (EvoxVolume) ssrm = volume_new (EVOX_SAMPLE_F32, 2, 2, 1);
  g_autoptr (EvoxVolume) u8 = volume_new (EVOX_SAMPLE_U8, 2, 2, 1);
  g_autoptr (EvoxVolume) u16 = volume_new (EVOX_SAMPLE_U16, 2, 2, 1);
  g_autoptr (GError) error = NULL;

  evox_volume_set_values (ssrm, EVOX_SCALE_LOG10, "resistance", "ohm");
  check_spec ("a=-6:-4.5", ssrm, "a", -6, -4.5);
  check_spec ("a=1e-7:3.2e-5", ssrm, "a", log10 (1e-7), log10 (3.2e-5));
  check_spec ("Silicon = -4 : 2e-1 ohm", ssrm, "Silicon", -4, log10 (0.2));
  check_spec ("a:b=-1:1", ssrm, "a:b", -1, 1);
  check_spec ("pore=0:42", u8, "pore", 0, 42);
  check_spec ("edge=-3:0.5", u8, "edge", -3, 0.5);
  check_spec ("big=60000:1e9", u16, "big", 60000, 1e9);
  check_spec ("f=-1e3:5", NULL, "f", -1000, 5);

  check_bad_spec ("a=5:2", u8, "lo 5 is above hi 2");
  check_bad_spec ("a=-4:-6", ssrm, "lo -4 is above hi -6");
  check_bad_spec ("x=0.2:0.7", u8, "no whole number between 0.2 and 0.7");
  check_bad_spec ("x=300:400", u8, "outside 0 to 255");
  check_bad_spec ("x=-9:-1", u16, "outside 0 to 65535");
  check_bad_spec ("=1:2", u8, "empty name");
  check_bad_spec ("  =1:2", u8, "empty name");
  check_bad_spec ("a", u8, "expected NAME=LO:HI");
  check_bad_spec ("a=1", u8, "expected NAME=LO:HI");
  check_bad_spec ("a=1:2:3", u8, "expected NAME=LO:HI");
  check_bad_spec ("a1:2", u8, "expected NAME=LO:HI");
  check_bad_spec ("a=:2", u8, "missing lo");
  check_bad_spec ("a=1:", u8, "missing hi");
  check_bad_spec ("a=x:2", u8, "“x” is not a number");
  check_bad_spec ("a=1:nan", ssrm, "“nan” is not a number");
  check_bad_spec ("a=-1e-5:1", ssrm, "not positive");
  check_bad_spec ("x=y=1:2", u8, "not a number");

  g_assert_true (evox_phase_check_range ("Binder", -1, 1, EVOX_SAMPLE_F32, &error));
  g_assert_true (evox_phase_check_range ("Binder", 3, 3, EVOX_SAMPLE_U8, &error));
  g_assert_no_error (error);
  g_assert_false (evox_phase_check_range ("Binder", 3.1, 3.9, EVOX_SAMPLE_U16, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "“Binder”"));
  g_assert_nonnull (strstr (error->message, "no whole number"));
  g_clear_error (&error);
  g_assert_false (evox_phase_check_range ("Pore", 2, 1, EVOX_SAMPLE_F32, &error));
  g_assert_nonnull (strstr (error->message, "“Pore”: lo 2 is above hi 1"));
  g_clear_error (&error);
  g_assert_false (evox_phase_check_range ("Pore", NAN, 1, EVOX_SAMPLE_F32, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
}

/* Phases and lists */

typedef struct
{
  guint  n_changed;
  guint  n_items_changed;
  guint  position, removed, added;
  guint  changed_at_items;   /* n_changed when items-changed was last heard */
} Recorder;

static void
on_changed (EvoxPhaseList *list,
            Recorder      *r)
{
  r->n_changed++;
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Recorder   *r)
{
  r->n_items_changed++;
  r->position = position;
  r->removed = removed;
  r->added = added;
  r->changed_at_items = r->n_changed;
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

#define ASSERT_ITEMS(r, n, pos, rem, add) G_STMT_START { \
    g_assert_cmpuint ((r).n_items_changed, ==, (n)); \
    g_assert_cmpuint ((r).position, ==, (pos)); \
    g_assert_cmpuint ((r).removed, ==, (rem)); \
    g_assert_cmpuint ((r).added, ==, (add)); \
  } G_STMT_END

static void
test_phase_properties (void)
{
  g_autoptr (EvoxPhase) phase = evox_phase_new ("Silicon", -4, -1, "#FF7F0E");
  g_autofree char *name = NULL;
  guint notified = 0;
  double lo, hi;
  float rgba[4];

  g_signal_connect (phase, "notify", G_CALLBACK (count_notify), &notified);
  g_assert_cmpstr (evox_phase_get_color (phase), ==, "#ff7f0e");
  g_assert_true (evox_phase_get_visible (phase));
  evox_phase_set_name (phase, "Silicon");
  evox_phase_set_range (phase, -4, -1);
  evox_phase_set_color (phase, "#ff7f0e");
  evox_phase_set_visible (phase, TRUE);
  evox_phase_set_opacity (phase, evox_phase_get_opacity (phase));
  g_assert_cmpuint (notified, ==, 0);

  evox_phase_set_name (phase, "Si");
  g_assert_cmpuint (notified, ==, 1);
  evox_phase_set_range (phase, -5, -1);
  g_assert_cmpuint (notified, ==, 2);
  evox_phase_set_range (phase, -6, 0);
  g_assert_cmpuint (notified, ==, 4);
  evox_phase_set_opacity (phase, 3);
  g_assert_cmpfloat (evox_phase_get_opacity (phase), ==, 1);
  g_assert_cmpuint (notified, ==, 5);
  evox_phase_set_visible (phase, FALSE);
  evox_phase_set_color (phase, "#336699");
  g_assert_cmpuint (notified, ==, 7);

  evox_phase_get_rgba (phase, rgba);
  g_assert_cmpfloat_with_epsilon (rgba[0], 0x33 / 255.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (rgba[1], 0x66 / 255.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (rgba[2], 0x99 / 255.0, 1e-6);
  g_assert_cmpfloat (rgba[3], ==, 1);

  /* One edge set through a property pushes the other along. */
  g_object_set (phase, "lo", 2.0, NULL);
  g_object_get (phase, "lo", &lo, "hi", &hi, "name", &name, NULL);
  g_assert_cmpfloat (lo, ==, 2);
  g_assert_cmpfloat (hi, ==, 2);
  g_assert_cmpstr (name, ==, "Si");
  g_object_set (phase, "hi", -3.0, NULL);
  g_assert_cmpfloat (evox_phase_get_lo (phase), ==, -3);
  g_assert_cmpfloat (evox_phase_get_hi (phase), ==, -3);

  g_assert_true (evox_phase_contains (phase, -3));
  g_assert_false (evox_phase_contains (phase, NAN));
  g_assert_false (evox_phase_contains (phase, nextafter (-3, 0)));
}

static void
test_list_signals (void)
{
  g_autoptr (EvoxPhaseList) list = evox_phase_list_new ();
  g_autoptr (EvoxPhaseList) other = evox_phase_list_new ();
  g_autoptr (EvoxPhase) a = evox_phase_new ("a", 0, 1, NULL);
  g_autoptr (EvoxPhase) b = evox_phase_new ("b", 2, 3, NULL);
  g_autoptr (EvoxPhase) c = evox_phase_new ("c", 4, 5, NULL);
  Recorder r = { 0 };

  g_signal_connect (list, "changed", G_CALLBACK (on_changed), &r);
  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed), &r);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (list)) == EVOX_TYPE_PHASE);

  evox_phase_list_append (list, a);
  ASSERT_ITEMS (r, 1, 0, 0, 1);
  evox_phase_list_append (list, b);
  ASSERT_ITEMS (r, 2, 1, 0, 1);
  evox_phase_list_append (list, c);
  ASSERT_ITEMS (r, 3, 2, 0, 1);
  g_assert_cmpuint (r.n_changed, ==, 3);
  /* "changed" comes after items-changed. */
  g_assert_cmpuint (r.changed_at_items, ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 3);
  {
    g_autoptr (EvoxPhase) item = g_list_model_get_item (G_LIST_MODEL (list), 1);
    g_assert_true (item == b);
  }
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), 3));
  g_assert_null (evox_phase_list_get_phase (list, 3));

  /* One "changed" per property change of a phase in the list, none for non-changes. */
  r.n_changed = 0;
  evox_phase_set_name (b, "bee");
  g_assert_cmpuint (r.n_changed, ==, 1);
  evox_phase_set_name (b, "bee");
  evox_phase_set_range (b, 2, 3);
  g_assert_cmpuint (r.n_changed, ==, 1);
  evox_phase_set_range (b, 2, 3.5);
  g_assert_cmpuint (r.n_changed, ==, 2);
  evox_phase_set_color (a, "#000000");
  evox_phase_set_opacity (c, 0.25);
  evox_phase_set_visible (c, FALSE);
  g_assert_cmpuint (r.n_changed, ==, 5);
  g_assert_cmpuint (r.n_items_changed, ==, 3);

  g_assert_cmpint (evox_phase_list_find (list, "bee"), ==, 1);
  g_assert_cmpint (evox_phase_list_find (list, "b"), ==, -1);

  /* Move: the span between the two positions changed. */
  r.n_changed = 0;
  evox_phase_list_move (list, 0, 2);
  ASSERT_ITEMS (r, 4, 0, 3, 3);
  g_assert_cmpuint (r.n_changed, ==, 1);
  g_assert_true (evox_phase_list_get_phase (list, 0) == b);
  g_assert_true (evox_phase_list_get_phase (list, 1) == c);
  g_assert_true (evox_phase_list_get_phase (list, 2) == a);
  evox_phase_list_move (list, 2, 1);
  ASSERT_ITEMS (r, 5, 1, 2, 2);
  g_assert_true (evox_phase_list_get_phase (list, 1) == a);
  g_assert_true (evox_phase_list_get_phase (list, 2) == c);
  evox_phase_list_move (list, 1, 1);
  g_assert_cmpuint (r.n_items_changed, ==, 5);
  /* Moved phases still report their changes, once. */
  r.n_changed = 0;
  evox_phase_set_name (a, "A");
  g_assert_cmpuint (r.n_changed, ==, 1);

  /* Removed phases no longer do. */
  evox_phase_list_remove (list, 1);
  ASSERT_ITEMS (r, 6, 1, 1, 0);
  g_assert_cmpuint (r.n_changed, ==, 2);
  evox_phase_set_name (a, "gone");
  evox_phase_set_range (a, -1, 0);
  g_assert_cmpuint (r.n_changed, ==, 2);
  g_assert_cmpuint (evox_phase_list_get_n_phases (list), ==, 2);

  /* Assign: copies of the other's phases, one items-changed. */
  evox_phase_list_append (other, a);
  evox_phase_list_append (other, b);   /* b is in both lists */
  evox_phase_list_append (other, c);
  r.n_changed = 0;
  evox_phase_list_assign (list, other);
  ASSERT_ITEMS (r, 7, 0, 2, 3);
  g_assert_cmpuint (r.n_changed, ==, 1);
  for (guint i = 0; i < 3; i++)
    {
      EvoxPhase *mine = evox_phase_list_get_phase (list, i);
      EvoxPhase *theirs = evox_phase_list_get_phase (other, i);

      g_assert_true (mine != theirs);
      g_assert_cmpstr (evox_phase_get_name (mine), ==, evox_phase_get_name (theirs));
      g_assert_cmpfloat (evox_phase_get_lo (mine), ==, evox_phase_get_lo (theirs));
      g_assert_cmpfloat (evox_phase_get_hi (mine), ==, evox_phase_get_hi (theirs));
      g_assert_cmpstr (evox_phase_get_color (mine), ==, evox_phase_get_color (theirs));
      g_assert_cmpfloat (evox_phase_get_opacity (mine), ==, evox_phase_get_opacity (theirs));
      g_assert_cmpint (evox_phase_get_visible (mine), ==, evox_phase_get_visible (theirs));
    }
  /* The old b (removed by assign) and the other list's phases are not ours. */
  evox_phase_set_name (b, "b2");
  evox_phase_set_name (c, "c2");
  g_assert_cmpuint (r.n_changed, ==, 1);
  evox_phase_set_name (evox_phase_list_get_phase (list, 2), "c3");
  g_assert_cmpuint (r.n_changed, ==, 2);

  evox_phase_list_clear (list);
  ASSERT_ITEMS (r, 8, 0, 3, 0);
  g_assert_cmpuint (r.n_changed, ==, 3);
  evox_phase_list_clear (list);
  g_assert_cmpuint (r.n_items_changed, ==, 8);
  g_assert_cmpuint (r.n_changed, ==, 3);

  g_assert_finalize_object (g_steal_pointer (&list));
}

static void
test_list_queries (void)
{
  g_autoptr (EvoxPhaseList) list = evox_phase_list_new ();
  const char *colors[12];
  char *name;

  name = evox_phase_list_dup_unique_name (list);
  g_assert_cmpstr (name, ==, "Phase 1");
  g_free (name);

  /* Colours: distinct while the palette lasts, then round again. */
  for (guint i = 0; i < 12; i++)
    {
      g_autoptr (EvoxPhase) phase = NULL;
      g_autofree char *unique = evox_phase_list_dup_unique_name (list);

      colors[i] = evox_phase_list_next_color (list);
      for (guint j = 0; j < i && i < 10; j++)
        g_assert_cmpstr (colors[i], !=, colors[j]);
      phase = evox_phase_new (unique, 10 * i, 10 * i + 5, colors[i]);
      evox_phase_list_append (list, phase);
    }
  g_assert_cmpstr (colors[10], ==, colors[0]);
  g_assert_cmpstr (colors[11], ==, colors[1]);
  g_assert_cmpstr (evox_phase_get_name (evox_phase_list_get_phase (list, 11)), ==, "Phase 12");

  evox_phase_list_remove (list, 3);   /* "Phase 4" and its colour are free again */
  name = evox_phase_list_dup_unique_name (list);
  g_assert_cmpstr (name, ==, "Phase 4");
  g_free (name);
  g_assert_cmpstr (evox_phase_list_next_color (list), ==, colors[3]);

  /* Owners: the first visible phase in list order. */
  evox_phase_list_clear (list);
  {
    g_autoptr (EvoxPhase) p0 = evox_phase_new ("p0", 0, 10, NULL);
    g_autoptr (EvoxPhase) p1 = evox_phase_new ("p1", 5, 20, NULL);
    g_autoptr (EvoxPhase) p2 = evox_phase_new ("p2", 30, 40, NULL);

    evox_phase_list_append (list, p0);
    evox_phase_list_append (list, p1);
    evox_phase_list_append (list, p2);
    g_assert_cmpint (evox_phase_list_find_owner (list, 7), ==, 0);
    g_assert_cmpint (evox_phase_list_find_owner (list, 10), ==, 0);
    g_assert_cmpint (evox_phase_list_find_owner (list, 10.5), ==, 1);
    g_assert_cmpint (evox_phase_list_find_owner (list, 25), ==, -1);
    g_assert_cmpint (evox_phase_list_find_owner (list, 40), ==, 2);
    g_assert_cmpint (evox_phase_list_find_owner (list, NAN), ==, -1);
    evox_phase_list_move (list, 1, 0);
    g_assert_cmpint (evox_phase_list_find_owner (list, 7), ==, 0);   /* now p1 */
    g_assert_true (evox_phase_list_get_phase (list, 0) == p1);
    evox_phase_set_visible (p1, FALSE);
    g_assert_cmpint (evox_phase_list_find_owner (list, 7), ==, 1);
    g_assert_cmpint (evox_phase_list_find_owner (list, 15), ==, -1);

    g_assert_true (evox_phase_list_overlaps (list, 0, EVOX_SAMPLE_F32));
    g_assert_true (evox_phase_list_overlaps (list, 1, EVOX_SAMPLE_F32));
    g_assert_false (evox_phase_list_overlaps (list, 2, EVOX_SAMPLE_F32));
    /* Meeting at one shared edge is no overlap: the first in the list owns that value. */
    evox_phase_set_range (p2, 20, 40);
    g_assert_false (evox_phase_list_overlaps (list, 2, EVOX_SAMPLE_F32));
    g_assert_false (evox_phase_overlaps (p2, p1, EVOX_SAMPLE_U8));
    evox_phase_set_range (p2, 19.5, 40);   /* two floats in common; one whole number */
    g_assert_true (evox_phase_overlaps (p2, p1, EVOX_SAMPLE_F32));
    g_assert_false (evox_phase_overlaps (p2, p1, EVOX_SAMPLE_U8));
    g_assert_false (evox_phase_overlaps (p2, p0, EVOX_SAMPLE_F32));
    evox_phase_set_range (p2, 20, 20);   /* all of it on the edge: owned by p1, an overlap */
    g_assert_true (evox_phase_overlaps (p2, p1, EVOX_SAMPLE_F32));
    evox_phase_set_range (p2, nextafter (20, 21), 40);
    g_assert_false (evox_phase_list_overlaps (list, 2, EVOX_SAMPLE_F32));
  }
}

/* Sensitivity */

static void
test_sensitivity (void)
{
  g_autoptr (EvoxVolume) volume = random_volume (EVOX_SAMPLE_U16, 20000, 31);
  g_autoptr (EvoxVolume) f32 = random_volume (EVOX_SAMPLE_F32, 20000, 32);
  g_autoptr (EvoxVolume) empty = volume_new (EVOX_SAMPLE_F32, 4, 1, 1);
  EvoxFineHistogram *fine = evox_volume_get_fine_histogram (volume, 0);
  EvoxFineHistogram *ffine = evox_volume_get_fine_histogram (f32, 0);
  g_autoptr (EvoxPhase) phase = evox_phase_new ("p", 1000, 3000, NULL);
  g_autoptr (EvoxPhase) narrow = evox_phase_new ("n", -1, -0.9, NULL);
  g_autoptr (EvoxSensitivity) s = NULL;
  g_autoptr (EvoxSensitivity) t = NULL;
  double mn = G_MAXDOUBLE, mx = -G_MAXDOUBLE, delta;
  guint64 n = brute_finite (volume);
  float *e = evox_volume_get_data_mut (empty, 0);

  for (gsize i = 0; i < evox_volume_get_n_voxels (volume); i++)
    {
      mn = MIN (mn, evox_test_value_at (volume, i));
      mx = MAX (mx, evox_test_value_at (volume, i));
    }
  delta = evox_sensitivity_delta (volume, 0);
  g_assert_cmpfloat_with_epsilon (delta, 0.05 * (mx - mn), 1e-9);

  /* Shifts of 500 from -2500 to 2500: the far ends move an edge past the other. */
  s = evox_phase_sensitivity (phase, fine, 2500, 11);
  g_assert_cmpuint (s->n_steps, ==, 11);
  g_assert_cmpfloat (s->delta, ==, 2500);
  g_assert_cmpfloat (s->shift[0], ==, -2500);
  g_assert_cmpfloat (s->shift[5], ==, 0);
  g_assert_cmpfloat (s->shift[10], ==, 2500);
  for (guint k = 0; k < 11; k++)
    {
      double lo = 1000 + s->shift[k], hi = 3000 + s->shift[k];
      g_autoptr (EvoxPhase) moved_lo = NULL;
      g_autoptr (EvoxPhase) moved_hi = NULL;

      if (k > 0)
        g_assert_cmpfloat_with_epsilon (s->shift[k] - s->shift[k - 1], 500, 1e-9);
      if (hi < 1000)
        g_assert_cmpfloat (s->fraction_hi[k], ==, 0);
      else
        {
          moved_hi = evox_phase_new ("h", 1000, hi, NULL);
          g_assert_cmpfloat (s->fraction_hi[k], ==, evox_phase_fraction (moved_hi, fine));
          g_assert_cmpfloat (s->fraction_hi[k], ==, (double) brute_count (volume, 1000, hi) / n);
        }
      if (lo > 3000)
        g_assert_cmpfloat (s->fraction_lo[k], ==, 0);
      else
        {
          moved_lo = evox_phase_new ("l", lo, 3000, NULL);
          g_assert_cmpfloat (s->fraction_lo[k], ==, evox_phase_fraction (moved_lo, fine));
          g_assert_cmpfloat (s->fraction_lo[k], ==, (double) brute_count (volume, lo, 3000) / n);
        }
    }
  g_assert_cmpfloat (s->fraction_lo[10], ==, 0);
  g_assert_cmpfloat (s->fraction_hi[0], ==, 0);
  g_assert_cmpfloat (s->fraction_lo[5], ==, s->fraction_hi[5]);
  g_assert_cmpfloat (s->fraction_lo[5], >, 0);

  /* Edges that cross give 0 on float data too. */
  t = evox_phase_sensitivity (narrow, ffine, 0.5, 5);
  for (guint k = 0; k < 5; k++)
    {
      double lo = -1 + t->shift[k], hi = -0.9 + t->shift[k];

      if (lo > -0.9)
        g_assert_cmpfloat (t->fraction_lo[k], ==, 0);
      else
        {
          g_autoptr (EvoxPhase) p = evox_phase_new ("l", lo, -0.9, NULL);
          g_assert_cmpfloat (t->fraction_lo[k], ==, evox_phase_fraction (p, ffine));
        }
      if (hi < -1)
        g_assert_cmpfloat (t->fraction_hi[k], ==, 0);
      else
        {
          g_autoptr (EvoxPhase) p = evox_phase_new ("h", -1, hi, NULL);
          g_assert_cmpfloat (t->fraction_hi[k], ==, evox_phase_fraction (p, ffine));
        }
    }
  g_assert_cmpfloat (t->fraction_lo[4], ==, 0);
  g_assert_cmpfloat (t->fraction_hi[0], ==, 0);
  g_assert_cmpfloat (t->fraction_lo[2], >, 0);

  evox_volume_set_values (f32, EVOX_SCALE_LOG10, "resistance", "ohm");
  g_assert_cmpfloat (evox_sensitivity_delta (f32, 0), ==, 0.5);
  for (guint i = 0; i < 4; i++)
    e[i] = i < 2 ? NAN : 3.0f;
  evox_volume_freeze (empty);
  g_assert_cmpfloat (evox_sensitivity_delta (empty, 0), ==, 0);
}

/* Presets */

/* Each preset test starts without a user presets file. */
static void
reset_user_presets (void)
{
  g_autofree char *path = g_build_filename (config_home, "evox", "phase-presets.ini", NULL);
  g_autofree char *aside = g_strconcat (path, ".corrupt", NULL);

  g_assert_cmpstr (g_get_user_config_dir (), ==, config_home);
  g_unlink (path);
  g_unlink (aside);
}

static EvoxPhasePreset *
find_preset (GPtrArray  *presets,
             const char *name,
             guint      *index)
{
  for (guint i = 0; i < presets->len; i++)
    if (strcmp (evox_phase_preset_get_name (presets->pdata[i]), name) == 0)
      {
        if (index != NULL)
          *index = i;
        return presets->pdata[i];
      }
  return NULL;
}

static EvoxVolume *
three_label_volume (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);
  EvoxVolume *volume = volume_new (EVOX_SAMPLE_U8, 16, 16, 8);
  guint8 *data = evox_volume_get_data_mut (volume, 0);

  for (gsize i = 0; i < 16 * 16 * 8; i++)
    data[i] = 85 * g_rand_int_range (rand, 0, 3);
  data[0] = 0;
  data[1] = 85;
  data[2] = 170;
  evox_volume_freeze (volume);
  return volume;
}

static void
test_presets_builtin (void)
{
  g_autoptr (GPtrArray) presets = NULL;
  g_autoptr (EvoxVolume) volume = three_label_volume ();
  g_autoptr (EvoxPhaseList) list = evox_phase_list_new ();
  g_autoptr (GError) error = NULL;
  EvoxPhasePreset *ssrm, *tomo;
  const char *tomo_names[] = { "Pore", "Active material", "Carbon-binder" };
  const char *ssrm_names[] = { "Graphite + carbon", "Silicon", "Binder" };
  guint i_ssrm = 99, i_tomo = 99;
  double lo[3], hi[3];
  guint64 counts[3];

  reset_user_presets ();
  g_clear_pointer (&presets, g_ptr_array_unref);
  presets = evox_phase_presets_list ();
  ssrm = find_preset (presets, "Gr/Si anode (SSRM)", &i_ssrm);
  tomo = find_preset (presets, "Three-phase tomogram", &i_tomo);
  g_assert_nonnull (ssrm);
  g_assert_nonnull (tomo);
  g_assert_cmpuint (i_ssrm, ==, 0);
  g_assert_cmpuint (i_tomo, ==, 1);
  g_assert_cmpuint (presets->len, ==, 2);
  g_assert_true (evox_phase_preset_is_builtin (ssrm));
  g_assert_true (evox_phase_preset_is_builtin (tomo));

  /* The SSRM preset has its own ranges: low to high resistance, adjacent, no overlap. */
  g_assert_true (evox_phase_preset_apply (ssrm, list, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (evox_phase_list_get_n_phases (list), ==, 3);
  for (guint k = 0; k < 3; k++)
    {
      EvoxPhase *phase = evox_phase_list_get_phase (list, k);

      g_assert_cmpstr (evox_phase_get_name (phase), ==, ssrm_names[k]);
      g_assert_false (evox_phase_list_overlaps (list, k, EVOX_SAMPLE_F32));
      /* Edges as users see and type them; neighbours share theirs. */
      if (k > 0)
        g_assert_cmpfloat (evox_phase_get_hi (evox_phase_list_get_phase (list, k - 1)), ==,
                           evox_phase_get_lo (phase));
    }
  /* The real table spans -6.92 to 1.69 decades. */
  g_assert_cmpfloat (evox_phase_get_lo (evox_phase_list_get_phase (list, 0)), <=, -6.92);
  g_assert_cmpfloat (evox_phase_get_hi (evox_phase_list_get_phase (list, 2)), >=, 1.69);

  /* The tomogram preset takes Otsu's ranges, lowest values first. */
  g_assert_false (evox_phase_preset_apply (tomo, list, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpstr (evox_phase_get_name (evox_phase_list_get_phase (list, 0)), ==, ssrm_names[0]);
  g_assert_true (evox_phase_preset_apply (tomo, list, evox_volume_get_fine_histogram (volume, 0),
                                          &error));
  g_assert_no_error (error);
  g_assert_cmpuint (evox_phase_list_get_n_phases (list), ==, 3);
  for (guint k = 0; k < 3; k++)
    {
      EvoxPhase *phase = evox_phase_list_get_phase (list, k);

      g_assert_cmpstr (evox_phase_get_name (phase), ==, tomo_names[k]);
      lo[k] = evox_phase_get_lo (phase);
      hi[k] = evox_phase_get_hi (phase);
      for (guint v = 0; v < 3; v++)
        g_assert_cmpint (evox_phase_contains (phase, 85 * v), ==, v == k);
    }
  g_assert_cmpfloat (lo[0], ==, 0);
  g_assert_cmpfloat (hi[2], ==, 170);
  g_assert_cmpfloat (lo[1], ==, hi[0] + 1);
  g_assert_cmpfloat (lo[2], ==, hi[1] + 1);
  g_assert_true (evox_count_ranges_exact (volume, 0, 3, lo, hi, counts, NULL, &error));
  for (guint k = 0; k < 3; k++)
    g_assert_cmpuint (counts[k], ==, brute_count (volume, 85 * k, 85 * k));
}

static void
test_presets_user (void)
{
  g_autoptr (EvoxPhaseList) list = evox_phase_list_new ();
  g_autoptr (EvoxPhaseList) back = evox_phase_list_new ();
  g_autoptr (GPtrArray) presets = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxPhase) p0 = evox_phase_new ("Pore space", -1.25, 0.1, "#123456");
  g_autoptr (EvoxPhase) p1 = evox_phase_new ("Solid; \"quoted\" = x", 0.1 + 1e-15, 1e10,
                                             "#abcdef");
  EvoxPhasePreset *preset;
  guint index = 99;

  reset_user_presets ();
  evox_phase_set_opacity (p1, 0.123456789);
  evox_phase_list_append (list, p0);
  evox_phase_list_append (list, p1);

  g_assert_true (evox_phase_preset_save ("Mine", list, &error));
  g_assert_no_error (error);
  g_assert_true (evox_phase_preset_save ("Another one", list, &error));
  presets = evox_phase_presets_list ();
  g_assert_cmpuint (presets->len, ==, 4);
  /* Built-ins first, then the user's by name. */
  g_assert_cmpstr (evox_phase_preset_get_name (presets->pdata[2]), ==, "Another one");
  g_assert_cmpstr (evox_phase_preset_get_name (presets->pdata[3]), ==, "Mine");
  preset = find_preset (presets, "Mine", NULL);
  g_assert_false (evox_phase_preset_is_builtin (preset));
  g_assert_true (evox_phase_preset_apply (preset, back, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (evox_phase_list_get_n_phases (back), ==, 2);
  for (guint k = 0; k < 2; k++)
    {
      EvoxPhase *a = evox_phase_list_get_phase (list, k);
      EvoxPhase *b = evox_phase_list_get_phase (back, k);

      g_assert_cmpstr (evox_phase_get_name (b), ==, evox_phase_get_name (a));
      g_assert_cmpfloat (evox_phase_get_lo (b), ==, evox_phase_get_lo (a));
      g_assert_cmpfloat (evox_phase_get_hi (b), ==, evox_phase_get_hi (a));
      g_assert_cmpstr (evox_phase_get_color (b), ==, evox_phase_get_color (a));
      g_assert_cmpfloat (evox_phase_get_opacity (b), ==, evox_phase_get_opacity (a));
    }
  g_clear_pointer (&presets, g_ptr_array_unref);

  /* Saving under a built-in's name replaces it in its place; deleting brings it back. */
  g_assert_true (evox_phase_preset_save ("Three-phase tomogram", list, &error));
  g_assert_no_error (error);
  presets = evox_phase_presets_list ();
  g_assert_cmpuint (presets->len, ==, 4);
  preset = find_preset (presets, "Three-phase tomogram", &index);
  g_assert_cmpuint (index, ==, 1);
  g_assert_false (evox_phase_preset_is_builtin (preset));
  g_assert_true (evox_phase_preset_apply (preset, back, NULL, &error));
  g_assert_cmpstr (evox_phase_get_name (evox_phase_list_get_phase (back, 0)), ==, "Pore space");
  g_clear_pointer (&presets, g_ptr_array_unref);

  g_assert_true (evox_phase_preset_delete ("Three-phase tomogram", &error));
  g_assert_no_error (error);
  presets = evox_phase_presets_list ();
  preset = find_preset (presets, "Three-phase tomogram", &index);
  g_assert_cmpuint (index, ==, 1);
  g_assert_true (evox_phase_preset_is_builtin (preset));
  g_clear_pointer (&presets, g_ptr_array_unref);

  g_assert_false (evox_phase_preset_delete ("Three-phase tomogram", &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "built in"));
  g_clear_error (&error);
  g_assert_false (evox_phase_preset_delete ("Nobody's", &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (evox_phase_preset_delete ("Mine", &error));
  g_assert_true (evox_phase_preset_delete ("Another one", &error));
  g_assert_no_error (error);
  presets = evox_phase_presets_list ();
  g_assert_cmpuint (presets->len, ==, 2);
  g_clear_pointer (&presets, g_ptr_array_unref);

  /* Names the file cannot hold, and empty lists. */
  g_assert_false (evox_phase_preset_save ("a[b]", list, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (evox_phase_preset_save ("", list, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  evox_phase_list_clear (back);
  g_assert_false (evox_phase_preset_save ("Empty", back, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
}

static void
test_presets_corrupt (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "evox", NULL);
  g_autofree char *path = g_build_filename (dir, "phase-presets.ini", NULL);
  g_autofree char *aside = g_strconcat (path, ".corrupt", NULL);
  g_autoptr (GPtrArray) presets = NULL;
  g_autoptr (EvoxPhaseList) list = evox_phase_list_new ();
  g_autoptr (EvoxPhase) phase = evox_phase_new ("x", 0, 1, NULL);
  g_autoptr (GError) error = NULL;
  const char *mixed =
    "[Good]\nphase0-name=a\nphase0-color=#102030\nphase0-lo=1\nphase0-hi=2\n"
    "[Bad colour]\nphase0-name=a\nphase0-color=red\n"
    "[Bad range]\nphase0-name=a\nphase0-color=#102030\nphase0-lo=3\nphase0-hi=2\n"
    "[Half range]\nphase0-name=a\nphase0-color=#102030\nphase0-lo=3\n"
    "[No phases]\nname=x\n";

  reset_user_presets ();
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "[Broken\nthis is = not \x01 an ini file\n", -1,
                                      NULL));
  g_test_expect_message ("evox", G_LOG_LEVEL_WARNING, "*phase-presets.ini*");
  presets = evox_phase_presets_list ();
  g_test_assert_expected_messages ();
  g_assert_cmpuint (presets->len, ==, 2);
  g_clear_pointer (&presets, g_ptr_array_unref);
  /* Reported once: a second warning would abort the test. */
  presets = evox_phase_presets_list ();
  g_assert_cmpuint (presets->len, ==, 2);
  g_clear_pointer (&presets, g_ptr_array_unref);

  /* Saving moves the unreadable file aside. */
  evox_phase_list_append (list, phase);
  g_assert_true (evox_phase_preset_save ("Fresh", list, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (aside, G_FILE_TEST_EXISTS));
  presets = evox_phase_presets_list ();
  g_assert_nonnull (find_preset (presets, "Fresh", NULL));
  g_clear_pointer (&presets, g_ptr_array_unref);

  /* Bad groups are skipped one by one, the good one kept. */
  g_assert_true (g_file_set_contents (path, mixed, -1, NULL));
  for (guint i = 0; i < 4; i++)
    g_test_expect_message ("evox", G_LOG_LEVEL_WARNING, "*skipped*");
  presets = evox_phase_presets_list ();
  g_test_assert_expected_messages ();
  g_assert_cmpuint (presets->len, ==, 3);
  g_assert_nonnull (find_preset (presets, "Good", NULL));
}

/* The first phase in list order containing v (hidden ones too), -1 for none: the oracle of
 * who owns a voxel on a shared edge. */
static int
brute_owner (EvoxPhaseList *list,
             double         v)
{
  for (guint i = 0; i < evox_phase_list_get_n_phases (list); i++)
    if (isfinite (v) && evox_phase_contains (evox_phase_list_get_phase (list, i), v))
      return (int) i;
  return -1;
}

/* The issue: the Gr/Si preset stored its upper phases' edges nudged (-3.499999761581421), so
 * typing back the -3.500 shown raised a false overlap. Edges are now stored as shown, a shared
 * edge is no overlap, and its voxels count once, for the first phase of the list. On the old
 * code the stored edges were not -3.5 and -0.5, and -3.5 typed back flagged an overlap. */
static void
test_shared_edges (void)
{
  g_autoptr (EvoxVolume) volume = volume_new (EVOX_SAMPLE_F32, 12, 10, 8);
  g_autoptr (EvoxPhaseList) list = evox_phase_list_new ();
  g_autoptr (GPtrArray) presets = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);
  g_autoptr (GError) error = NULL;
  g_autofree char *shown = NULL;
  float *data = evox_volume_get_data_mut (volume, 0);
  gsize n = evox_volume_get_n_voxels (volume);
  EvoxFineHistogram *fine;
  double typed, lo[3], hi[3];
  guint64 counts[3], owned[3] = { 0 }, sum = 0, fine_sum = 0;
  float first, last;

  reset_user_presets ();
  for (gsize i = 0; i < n; i++)
    {
      int kind = g_rand_int_range (rand, 0, 8);

      data[i] = kind == 0 ? -3.5f : kind == 1 ? -0.5f : kind == 2 ? NAN
                : (float) g_rand_double_range (rand, -7, 2);
    }
  evox_volume_set_values (volume, EVOX_SCALE_LOG10, "R", "ohm");
  evox_volume_freeze (volume);
  fine = evox_volume_get_fine_histogram (volume, 0);

  presets = evox_phase_presets_list ();
  g_assert_true (evox_phase_preset_apply (find_preset (presets, "Gr/Si anode (SSRM)", NULL), list,
                                          NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (evox_phase_get_hi (evox_phase_list_get_phase (list, 0)), ==, -3.5);
  g_assert_cmpfloat (evox_phase_get_lo (evox_phase_list_get_phase (list, 1)), ==, -3.5);
  g_assert_cmpfloat (evox_phase_get_hi (evox_phase_list_get_phase (list, 1)), ==, -0.5);
  g_assert_cmpfloat (evox_phase_get_lo (evox_phase_list_get_phase (list, 2)), ==, -0.5);
  for (guint k = 0; k < 3; k++)
    g_assert_false (evox_phase_list_overlaps (list, k, EVOX_SAMPLE_F32));

  /* Typing the edge back as the row shows it ("-3.500") changes nothing and flags nothing. */
  shown = g_strdup_printf ("%.3f", evox_phase_get_lo (evox_phase_list_get_phase (list, 1)));
  g_assert_cmpstr (shown, ==, "-3.500");
  g_assert_true (evox_phase_parse_value (shown, EVOX_SCALE_LOG10, "ohm", &typed, &error));
  g_assert_no_error (error);
  evox_phase_set_range (evox_phase_list_get_phase (list, 1), typed, -0.5);
  g_assert_false (evox_phase_list_overlaps (list, 1, EVOX_SAMPLE_F32));

  /* Owned ranges: the shared value is the earlier phase's. */
  g_assert_true (evox_phase_list_get_owned_range (list, 0, EVOX_SAMPLE_F32, &first, &last));
  g_assert_cmpfloat (first, ==, -7.0f);
  g_assert_cmpfloat (last, ==, -3.5f);
  g_assert_true (evox_phase_list_get_owned_range (list, 1, EVOX_SAMPLE_F32, &first, &last));
  g_assert_cmpfloat (first, ==, nextafterf (-3.5f, INFINITY));
  g_assert_cmpfloat (last, ==, -0.5f);

  /* Each voxel counts once, for its first phase: exact counts and fine-histogram fractions. */
  for (gsize i = 0; i < n; i++)
    {
      int owner = brute_owner (list, data[i]);
      if (owner >= 0)
        owned[owner]++;
    }
  for (guint k = 0; k < 3; k++)
    {
      g_assert_true (evox_phase_list_get_owned_range (list, k, EVOX_SAMPLE_F32, &first, &last));
      lo[k] = first;
      hi[k] = last;
    }
  g_assert_true (evox_count_ranges_exact (volume, 0, 3, lo, hi, counts, NULL, &error));
  g_assert_no_error (error);
  for (guint k = 0; k < 3; k++)
    {
      g_test_message ("phase %u: %" G_GUINT64_FORMAT " owned", k, owned[k]);
      g_assert_cmpuint (counts[k], ==, owned[k]);
      sum += owned[k];
      fine_sum += evox_phase_list_count (list, k, EVOX_SAMPLE_F32, fine);
    }
  g_assert_cmpuint (sum, ==, brute_count (volume, -7, 2));
  /* f32 fine bins are shared out within a bin, so only the total is exact (to the rounding of
   * three counts): the spikes on -3.5 and -0.5 (an eighth of the voxels each) count once. */
  g_assert_cmpint (ABS ((gint64) fine_sum - (gint64) sum), <=, 2);
  g_assert_cmpuint (brute_count (volume, -3.5, -3.5), >, 0);

  /* List order decides: moved first, silicon owns -3.5. */
  evox_phase_list_move (list, 1, 0);
  g_assert_true (evox_phase_list_get_owned_range (list, 0, EVOX_SAMPLE_F32, &first, &last));
  g_assert_cmpfloat (first, ==, -3.5f);
  g_assert_true (evox_phase_list_get_owned_range (list, 1, EVOX_SAMPLE_F32, &first, &last));
  g_assert_cmpfloat (last, ==, nextafterf (-3.5f, -INFINITY));
  lo[1] = first;
  hi[1] = last;
  g_assert_true (evox_count_ranges_exact (volume, 0, 3, lo, hi, counts, NULL, &error));
  g_assert_cmpuint (counts[1], ==, owned[0] - brute_count (volume, -3.5, -3.5));

  /* Integer data: [0, 43] and [43, 127] share 43, which the first owns; a single value on the
   * edge is all owned by the other phase, so that is an overlap. */
  {
    g_autoptr (EvoxPhaseList) ints = evox_phase_list_new ();
    g_autoptr (EvoxPhase) a = evox_phase_new ("a", 0, 43, NULL);
    g_autoptr (EvoxPhase) b = evox_phase_new ("b", 42.5, 127, NULL);

    evox_phase_list_append (ints, a);
    evox_phase_list_append (ints, b);
    g_assert_false (evox_phase_list_overlaps (ints, 1, EVOX_SAMPLE_U8));
    g_assert_true (evox_phase_list_overlaps (ints, 1, EVOX_SAMPLE_F32));
    g_assert_true (evox_phase_list_get_owned_range (ints, 1, EVOX_SAMPLE_U8, &first, &last));
    g_assert_cmpfloat (first, ==, 44);
    g_assert_cmpfloat (last, ==, 127);
    evox_phase_set_range (b, 43, 43);
    g_assert_true (evox_phase_list_overlaps (ints, 1, EVOX_SAMPLE_U8));
    /* An overlap, flagged as such, counts in both phases, as overlaps always have. */
    g_assert_true (evox_phase_list_get_owned_range (ints, 1, EVOX_SAMPLE_U8, &first, &last));
    g_assert_cmpfloat (first, ==, 43);
    g_assert_cmpfloat (last, ==, 43);
  }
}

/* Counts of a phase list on a basis, as the phase rows show them: exact (brute force over the
 * scan values here) on the measured scans, from the fine histogram (not exact) on the f32
 * interpolated volume, and shared edges owned by the first phase in both. */
static void
test_count_basis (void)
{
  g_autoptr(EvoxVolume) volume = evox_demo_volume_new (10);
  g_autoptr(EvoxPhaseList) list = evox_phase_list_new ();
  g_autoptr(EvoxPhase) a = evox_phase_new ("a", -6, -3.5, "#1f77b4");
  g_autoptr(EvoxPhase) b = evox_phase_new ("b", -3.5, 0.25, "#ff7f0e");
  gsize dims[3];

  evox_phase_list_append (list, a);
  evox_phase_list_append (list, b);
  evox_volume_get_dims (volume, dims);
  for (guint k = 0; k < 2; k++)
    {
      guint64 brute = 0, finite = 0, count = 0, n_finite = 0;

      for (guint s = 0; s < evox_volume_get_n_scans (volume); s++)
        for (gsize i = 0; i < dims[0] * dims[1]; i++)
          {
            float v = evox_volume_get_scan (volume, s)->values[i];

            finite += isfinite (v);
            brute += k == 0 ? v >= -6 && v <= -3.5 : v > -3.5 && v <= 0.25;
          }
      g_assert_true (evox_phase_list_count_basis (list, k, volume, 0, EVOX_BASIS_MEASURED,
                                                  &count, &n_finite));
      g_assert_cmpuint (count, ==, brute);
      g_assert_cmpuint (n_finite, ==, finite);
      g_assert_false (evox_phase_list_count_basis (list, k, volume, 0, EVOX_BASIS_VOLUME,
                                                   &count, &n_finite));
      g_assert_cmpuint (n_finite, ==, evox_volume_get_n_voxels (volume));
      g_assert_cmpuint (count, ==, evox_phase_list_count (list, k, EVOX_SAMPLE_F32,
                                                          evox_volume_get_fine_histogram (volume,
                                                                                          0)));
    }
}

/* What the viewer checks of --phase before the volume is read: the shape, the style and N, but
 * not the values' scale (a log10 volume's "3.2e-5 ohm" and "1e3:5" are good there). */
static void
test_spec_syntax (void)
{
  const char *good[] = { "a=1:2", " b c =-7:-3.5", "q=3.2e-5 ohm:1e-4 ohm", "r=1e3:5",
                         "s=1:2:#E07020", "t=1:2:#e07020:0.5", "auto:2", "auto:8" };
  const char *bad[] = { "a", "=1:2", "a=1", "a=1:2:3", "a=x:2", "a=1:", "a=:2",
                        "a=1:2:#12345", "a=1:2:#123456:2", "a=1:2:#123456:0.5:1", "auto:1",
                        "auto:9", "auto:", "auto:3x", "auto:-3" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;

      g_test_message ("%s", good[i]);
      g_assert_true (evox_phase_check_spec_syntax (good[i], &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;

      g_test_message ("%s", bad[i]);
      g_assert_false (evox_phase_check_spec_syntax (bad[i], &error));
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
      g_assert_nonnull (strstr (error->message, bad[i]));
    }
}

/* The one spec-list function: ranges keep their colours or take the palette's next, auto:N
 * names its phases after the names already taken, a name given twice fails. The auto:N
 * thresholds are checked against brute force in test-cli and test-ui. */
static void
test_append_specs (void)
{
  g_autoptr (EvoxVolume) volume = evox_demo_volume_new (10);
  EvoxFineHistogram *fine = evox_basis_get_histogram (volume, 0, EVOX_BASIS_MEASURED);
  g_autoptr (EvoxPhaseList) list = evox_phase_list_new ();
  g_autoptr (GError) error = NULL;
  const char *specs[] = { "Phase 2=-9:-8:#123456:1", "auto:3", "last=-2:-1", NULL };
  const char *twice[] = { "x=-2:-1", "x=-3:-2", NULL };
  const char *names[] = { "Phase 2", "Phase 1", "Phase 3", "Phase 4", "last" };

  g_assert_true (evox_phase_list_append_specs (list, specs, volume, fine, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (evox_phase_list_get_n_phases (list), ==, 5);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpstr (evox_phase_get_name (evox_phase_list_get_phase (list, i)), ==, names[i]);
  g_assert_cmpstr (evox_phase_get_color (evox_phase_list_get_phase (list, 0)), ==, "#123456");
  g_assert_cmpfloat (evox_phase_get_opacity (evox_phase_list_get_phase (list, 0)), ==, 1);
  for (guint i = 1; i < 5; i++)
    for (guint j = 0; j < i; j++)
      g_assert_cmpstr (evox_phase_get_color (evox_phase_list_get_phase (list, i)), !=,
                       evox_phase_get_color (evox_phase_list_get_phase (list, j)));

  g_assert_false (evox_phase_list_append_specs (list, twice, volume, fine, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "twice"));
  g_clear_error (&error);
  /* Without styled, a colour is no part of the range. */
  {
    const char *styled[] = { "y=-2:-1:#123456", NULL };

    g_assert_false (evox_phase_list_append_specs (list, styled, volume, fine, FALSE, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  }
}

/* Phases of a channel read their values in that channel's meaning: "3e-5" is a quantity stored
 * as its log10 on log10 resistance, and plainly 3e-5 on a linear channel of the same volume. */
static void
test_append_channel_specs (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = evox_volume_new (4, 4, 2, 2, EVOX_SAMPLE_F32, &error);
  g_autoptr (EvoxPhaseList) on_log = evox_phase_list_new ();
  g_autoptr (EvoxPhaseList) on_linear = evox_phase_list_new ();
  const char *specs[] = { "p=3e-5:1e-3:#123456", NULL };

  g_assert_no_error (error);
  evox_volume_set_channel_values (volume, 0, EVOX_SCALE_LOG10, "resistance", "ohm");
  evox_volume_set_channel_values (volume, 1, EVOX_SCALE_LINEAR, "cluster", NULL);
  evox_volume_freeze (volume);

  g_assert_true (evox_phase_list_append_channel_specs (on_log, specs, volume, 0,
                                                       evox_volume_get_fine_histogram (volume, 0),
                                                       TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (evox_phase_get_lo (evox_phase_list_get_phase (on_log, 0)),
                                  log10 (3e-5), 1e-12);
  g_assert_cmpfloat_with_epsilon (evox_phase_get_hi (evox_phase_list_get_phase (on_log, 0)),
                                  -3, 1e-12);

  g_assert_true (evox_phase_list_append_channel_specs (on_linear, specs, volume, 1,
                                                       evox_volume_get_fine_histogram (volume, 1),
                                                       TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (evox_phase_get_lo (evox_phase_list_get_phase (on_linear, 0)), ==, 3e-5);
  g_assert_cmpfloat (evox_phase_get_hi (evox_phase_list_get_phase (on_linear, 0)), ==, 1e-3);
  g_assert_cmpstr (evox_phase_get_color (evox_phase_list_get_phase (on_linear, 0)), ==,
                   "#123456");
  /* The sensitivity step follows the channel too: half a decade only on log10 data. */
  g_assert_cmpfloat (evox_sensitivity_delta (volume, 0), ==, 0.5);
  g_assert_cmpfloat (evox_sensitivity_delta (volume, 1), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  int status;

  /* Not G_TEST_OPTION_ISOLATE_DIRS: GLib 2.74 leaks its per-test folder names, which fails the
   * sanitizer run's leak check. */
  g_test_init (&argc, &argv, NULL);
  config_home = evox_test_tmpdir_new ();
  g_setenv ("XDG_CONFIG_HOME", config_home, TRUE);
  g_test_add_func ("/Evox/Phase/otsu-brute-force", test_otsu_brute_force);
  g_test_add_func ("/Evox/Phase/otsu-suggest", test_otsu_suggest);
  g_test_add_func ("/Evox/Phase/fractions-u8", test_fractions_u8);
  g_test_add_func ("/Evox/Phase/fractions-u16", test_fractions_u16);
  g_test_add_func ("/Evox/Phase/counts-f32", test_counts_f32);
  g_test_add_func ("/Evox/Phase/suggest-covers", test_suggest_covers);
  g_test_add_func ("/Evox/Phase/parse-value", test_parse_value);
  g_test_add_func ("/Evox/Phase/parse-spec", test_parse_spec);
  g_test_add_func ("/Evox/Phase/properties", test_phase_properties);
  g_test_add_func ("/Evox/Phase/list-signals", test_list_signals);
  g_test_add_func ("/Evox/Phase/list-queries", test_list_queries);
  g_test_add_func ("/Evox/Phase/sensitivity", test_sensitivity);
  g_test_add_func ("/Evox/Phase/presets-builtin", test_presets_builtin);
  g_test_add_func ("/Evox/Phase/presets-user", test_presets_user);
  g_test_add_func ("/Evox/Phase/presets-corrupt", test_presets_corrupt);
  g_test_add_func ("/Evox/Phase/shared-edges", test_shared_edges);
  g_test_add_func ("/Evox/Phase/count-basis", test_count_basis);
  g_test_add_func ("/Evox/Phase/spec-syntax", test_spec_syntax);
  g_test_add_func ("/Evox/Phase/append-specs", test_append_specs);
  g_test_add_func ("/Evox/Phase/append-channel-specs", test_append_channel_specs);
  status = g_test_run ();
  evox_test_tmpdir_free (config_home);
  return status;
}
