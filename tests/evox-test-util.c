/* evox-test-util.c: helpers shared by the test suites. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <glib/gstdio.h>

#include <math.h>
#include <signal.h>
#include <unistd.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "evox-test-util.h"

char *
evox_test_data_path (const char *relative)
{
  const char *root = g_getenv ("EVOX_TEST_DATA");
  g_autofree char *path = NULL;

  if (root == NULL || *root == '\0')
    root = g_getenv ("EVOX_TEST_DATA_DEFAULT");
  if (root == NULL || *root == '\0')
    {
      g_test_skip ("EVOX_TEST_DATA is not set: real data not available");
      return NULL;
    }
  path = g_build_filename (root, relative, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *msg = g_strdup_printf ("test data %s not found", path);
      g_test_skip (msg);
      return NULL;
    }
  return g_steal_pointer (&path);
}

char *
evox_test_tmpdir_new (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("evox-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

void
evox_test_tmpdir_free (char *dir)
{
  if (dir == NULL)
    return;
  remove_tree (dir);
  g_free (dir);
}

guint
evox_test_count_entries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

guint64
evox_test_random (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

double
evox_test_uniform (guint64 *state)
{
  return (evox_test_random (state) >> 11) * (1.0 / 9007199254740992.0);
}

/* Brute-force Otsu for the tests: every pair of thresholds over 256 equal bins of [min, max] of
 * the given values (bin index as the value, as evox_otsu_bins), between-class variance as
 * sum w_k mu_k^2 (the total mean is fixed). t[k]: the value where class k + 1 starts. */
void
evox_test_otsu3 (const float * const *arrays,
                 const gsize         *lengths,
                 guint                n_arrays,
                 double               t[2],
                 double              *bin_width)
{
  double counts[256] = { 0 }, sum_w[257] = { 0 }, sum_m[257] = { 0 };
  double min = INFINITY, max = -INFINITY, best = -1;
  guint best_a = 0, best_b = 0;

  for (guint a = 0; a < n_arrays; a++)
    for (gsize i = 0; i < lengths[a]; i++)
      if (isfinite (arrays[a][i]))
        {
          min = MIN (min, arrays[a][i]);
          max = MAX (max, arrays[a][i]);
        }
  for (guint a = 0; a < n_arrays; a++)
    for (gsize i = 0; i < lengths[a]; i++)
      if (isfinite (arrays[a][i]))
        counts[MIN (255, (guint) ((arrays[a][i] - min) / (max - min) * 256))] += 1;
  for (guint b = 0; b < 256; b++)
    {
      sum_w[b + 1] = sum_w[b] + counts[b];
      sum_m[b + 1] = sum_m[b] + counts[b] * b;
    }
  for (guint a = 1; a < 256; a++)
    for (guint b = a + 1; b < 256; b++)
      {
        double w0 = sum_w[a], w1 = sum_w[b] - sum_w[a], w2 = sum_w[256] - sum_w[b];
        double m0 = sum_m[a], m1 = sum_m[b] - sum_m[a], m2 = sum_m[256] - sum_m[b];
        double v;

        if (w0 == 0 || w1 == 0 || w2 == 0)
          continue;
        v = m0 * m0 / w0 + m1 * m1 / w1 + m2 * m2 / w2;
        if (v > best)
          {
            best = v;
            best_a = a;
            best_b = b;
          }
      }
  *bin_width = (max - min) / 256;
  t[0] = min + best_a * *bin_width;
  t[1] = min + best_b * *bin_width;
}

GPtrArray *
evox_test_csv_parse (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  g_assert_true (g_str_has_suffix (text, "\n"));
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      g_ptr_array_add (rows, g_strsplit (lines[i], ",", -1));
  return rows;
}

GPtrArray *
evox_test_csv_read (const char *path)
{
  g_autofree char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return evox_test_csv_parse (text);
}

double
evox_test_csv_double (GPtrArray *rows,
                      guint      row,
                      guint      column)
{
  char **fields;
  char *end = NULL;
  double value;

  g_assert_cmpuint (row, <, rows->len);
  fields = g_ptr_array_index (rows, row);
  g_assert_cmpuint (column, <, g_strv_length (fields));
  value = g_ascii_strtod (fields[column], &end);
  g_assert_true (end != fields[column] && *end == '\0');
  return value;
}

void
evox_test_assert_shortest (const char *text,
                           double      expected)
{
  char *end = NULL;
  double value;

  g_assert_nonnull (text);
  value = g_ascii_strtod (text, &end);
  g_assert_true (end != text && *end == '\0');
  g_assert_cmpfloat (value, ==, expected);
  /* Brute force from one digit up: the first precision that reads back is the shortest. */
  for (int digits = 1; digits <= 17; digits++)
    {
      char format[8], buffer[G_ASCII_DTOSTR_BUF_SIZE];

      g_snprintf (format, sizeof format, "%%.%dg", digits);
      g_ascii_formatd (buffer, sizeof buffer, format, expected);
      if (g_ascii_strtod (buffer, NULL) == expected)
        {
          g_assert_cmpstr (text, ==, buffer);
          return;
        }
    }
  g_assert_not_reached ();
}

void
evox_test_csv_assert_header (GPtrArray  *rows,
                             const char *header)
{
  g_autofree char *joined = NULL;

  g_assert_cmpuint (rows->len, >, 0);
  joined = g_strjoinv (",", g_ptr_array_index (rows, 0));
  g_assert_cmpstr (joined, ==, header);
}

void
evox_test_run_clear (EvoxTestRun *run)
{
  g_free (run->out);
  g_free (run->err);
}

EvoxTestRun
evox_test_spawn (const char * const   *argv,
                 char                **envp,
                 GSpawnChildSetupFunc  setup)
{
  g_autoptr(GError) error = NULL;
  EvoxTestRun run = { 0 };
  int wait_status;

  g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_DEFAULT, setup, NULL, &run.out, &run.err,
                &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  run.status = WEXITSTATUS (wait_status);
  return run;
}

EvoxTestRun
evox_test_run_evox_va (char                **envp,
                       GSpawnChildSetupFunc  setup,
                       const char           *command,
                       const char           *first,
                       va_list               ap)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *binary = g_getenv ("EVOX");
  EvoxTestRun run;

  g_assert_nonnull (binary);
  g_ptr_array_add (args, (char *) binary);
  if (command != NULL)
    g_ptr_array_add (args, (char *) command);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) a);
  g_ptr_array_add (args, NULL);
  run = evox_test_spawn ((const char * const *) args->pdata, envp, setup);
  if (run.status != 0)
    g_test_message ("evox %s: status %d: %s", command != NULL ? command : first != NULL ? first : "",
                    run.status, run.err);
  return run;
}

EvoxTestRun
evox_test_run_evox (const char *command,
                    const char *first,
                    ...)
{
  va_list ap;
  EvoxTestRun run;

  va_start (ap, first);
  run = evox_test_run_evox_va (NULL, NULL, command, first, ap);
  va_end (ap);
  return run;
}

void
evox_test_assert_ok (const EvoxTestRun *run)
{
  g_assert_cmpstr (run->err, ==, "");
  g_assert_cmpint (run->status, ==, 0);
}

void
evox_test_limit_file_size (gpointer user_data)
{
  struct rlimit limit = { 100000, 100000 };

  /* SIGXFSZ left as the shell leaves it: evox itself must turn it into a failed write. */
  signal (SIGXFSZ, SIG_DFL);
  setrlimit (RLIMIT_FSIZE, &limit);
}

void
evox_test_assert_refused (const EvoxTestRun *run,
                          int                status,
                          const char        *text)
{
  g_assert_cmpint (run->status, ==, status);
  g_assert_cmpstr (run->out, ==, "");
  if (strstr (run->err, text) == NULL)
    g_error ("stderr '%s' does not say '%s'", run->err, text);
  g_assert_cmpint (strchr (run->err, '\n') - run->err, ==, strlen (run->err) - 1);
}

static void
count_one (GObject    *object,
           GParamSpec *pspec,
           guint      *count)
{
  (*count)++;
}

void
evox_test_count_notify (gpointer    object,
                        const char *property,
                        guint      *count)
{
  g_autofree char *signal = g_strconcat ("notify::", property, NULL);

  g_signal_connect (object, signal, G_CALLBACK (count_one), count);
}

int
evox_test_compare_doubles (const void *a,
                           const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

double
evox_test_percentile (const double *sorted,
                      gsize         n,
                      double        q)
{
  double pos = q * (n - 1);
  gsize k = (gsize) floor (pos);

  if (k + 1 >= n)
    return sorted[n - 1];
  return sorted[k] + (pos - k) * (sorted[k + 1] - sorted[k]);
}

void
evox_test_press_ctrl_c (gpointer user_data)
{
  sigset_t set;

  sigemptyset (&set);
  sigaddset (&set, SIGINT);
  sigprocmask (SIG_BLOCK, &set, NULL);
  /* to the process, as a terminal sends it (raise() would aim at this one thread) */
  kill (getpid (), SIGINT);
}

char *
evox_test_read_text (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  return text;
}

void
evox_test_assert_csv_with_provenance (const char *path,
                                      const char *plain_path,
                                      const char *operation)
{
  g_autofree char *with = evox_test_read_text (path);
  g_autofree char *plain = evox_test_read_text (plain_path);
  const char *rest = with;

  g_assert_true (g_str_has_prefix (with, "# "));
  while (g_str_has_prefix (rest, "#"))
    {
      g_assert_nonnull (strchr (rest, '\n'));
      rest = strchr (rest, '\n') + 1;
    }
  g_assert_nonnull (g_strstr_len (with, rest - with, operation));
  g_assert_cmpstr (rest, ==, plain);
  g_assert_null (strchr (plain, '#'));
}

void
evox_test_assert_same_file (const char *a,
                            const char *b)
{
  g_autofree char *ta = NULL, *tb = NULL;
  gsize la, lb;

  g_assert_true (g_file_get_contents (a, &ta, &la, NULL));
  g_assert_true (g_file_get_contents (b, &tb, &lb, NULL));
  g_assert_cmpmem (ta, la, tb, lb);
}

void
evox_test_gate_clear (EvoxTestGate *gate)
{
  g_mutex_clear (&gate->lock);
  g_cond_clear (&gate->cond);
}

void
evox_test_gate_set (EvoxTestGate *gate,
                    gboolean      open)
{
  g_mutex_lock (&gate->lock);
  gate->open = open;
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->lock);
}

void
evox_test_gate_pass (EvoxTestGate *gate)
{
  g_mutex_lock (&gate->lock);
  while (!gate->open)
    g_cond_wait (&gate->cond, &gate->lock);
  g_mutex_unlock (&gate->lock);
}
