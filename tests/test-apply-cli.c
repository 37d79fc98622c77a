/* test-apply-cli.c: `evox apply` and `--session` run as a user would: a session made by a
 * command, applied to copies of its input, gives the command's own numbers and files, checked
 * again against brute force done here. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "evox-loader.h"
#include "evox-percolation.h"
#include "evox-tiff.h"
#include "evox-test-util.h"

typedef EvoxTestRun Run;
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, evox_test_run_clear)

#define NX 24
#define NY 20
#define NZ 10

#define evox(...) evox_test_run_evox (__VA_ARGS__)

#define assert_ok(run) evox_test_assert_ok (run)

/* A u8 volume: background 0..90, five balls of 200 and two single voxels of 130, so phase
 * 101:255 has particles that touch, and some that stand alone. */
static void
make_values (guint8 *values)
{
  static const int balls[][4] = { { 5, 5, 3, 3 }, { 10, 6, 4, 2 }, { 18, 14, 6, 3 },
                                  { 4, 15, 7, 2 }, { 20, 3, 2, 1 } };
  guint64 state = 19;

  for (gsize z = 0, i = 0; z < NZ; z++)
    for (gsize y = 0; y < NY; y++)
      for (gsize x = 0; x < NX; x++, i++)
        {
          values[i] = (guint8) (evox_test_random (&state) % 91);
          for (guint b = 0; b < G_N_ELEMENTS (balls); b++)
            {
              int dx = (int) x - balls[b][0], dy = (int) y - balls[b][1],
                  dz = (int) z - balls[b][2], r = balls[b][3];

              if (dx * dx + dy * dy + dz * dz <= r * r)
                values[i] = 200;
            }
        }
  values[(2 * NY + 17) * NX + 12] = 130;
  values[(8 * NY + 1) * NX + 1] = 130;
}

static char *
write_sample (const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = evox_volume_new (NX, NY, NZ, 1, EVOX_SAMPLE_U8, &error);
  char *path = g_build_filename (dir, "sample.tif", NULL);

  g_assert_no_error (error);
  make_values (evox_volume_get_data_mut (volume, 0));
  evox_volume_freeze (volume);
  g_assert_true (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  return path;
}

/* Copies of src named name1.tif, name2.tif... in dir; the paths, NULL-terminated. */
static GStrv
copy_sample (const char *src,
             const char *dir,
             guint       n)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  GStrv paths = g_new0 (char *, n + 1);
  gsize length;

  g_assert_true (g_file_get_contents (src, &contents, &length, &error));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("copy%u.tif", i + 1);

      paths[i] = g_build_filename (dir, name, NULL);
      g_assert_true (g_file_set_contents (paths[i], contents, (gssize) length, &error));
      g_assert_no_error (error);
    }
  return paths;
}

/* Field c of row r of evox_test_csv_parse's rows. */
static const char *
cell (GPtrArray *rows,
      guint      r,
      guint      c)
{
  char **row = rows->pdata[r];

  g_assert_cmpuint (c, <, g_strv_length (row));
  return row[c];
}

static char *
out_file (const char *outdir,
          const char *sample,
          const char *name)
{
  return g_build_filename (outdir, sample, name, NULL);
}

/* Brute force: 26-connected components of the voxels in [lo, hi], by flood fill. */
static guint
count_particles (const guint8 *values,
                 guint8        lo,
                 guint8        hi)
{
  gsize n = (gsize) NX * NY * NZ;
  g_autofree guint8 *seen = g_new0 (guint8, n);
  g_autofree gsize *stack = g_new (gsize, n);
  guint count = 0;

  for (gsize start = 0; start < n; start++)
    {
      gsize top = 0;

      if (seen[start] || values[start] < lo || values[start] > hi)
        continue;
      count++;
      seen[start] = 1;
      stack[top++] = start;
      while (top > 0)
        {
          gsize i = stack[--top];
          int x = (int) (i % NX), y = (int) (i / NX % NY), z = (int) (i / NX / NY);

          for (int dz = -1; dz <= 1; dz++)
            for (int dy = -1; dy <= 1; dy++)
              for (int dx = -1; dx <= 1; dx++)
                {
                  int xx = x + dx, yy = y + dy, zz = z + dz;
                  gsize j;

                  if (xx < 0 || yy < 0 || zz < 0 || xx >= NX || yy >= NY || zz >= NZ)
                    continue;
                  j = ((gsize) zz * NY + yy) * NX + xx;
                  if (!seen[j] && values[j] >= lo && values[j] <= hi)
                    {
                      seen[j] = 1;
                      stack[top++] = j;
                    }
                }
        }
    }
  return count;
}

/* Phases and particles: every copy gets exactly the direct command's files, and the summary the
 * fractions and particle count that brute force gives. */
static void
test_segment (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *sample = write_sample (dir);
  g_autofree char *fractions = g_build_filename (dir, "f.csv", NULL);
  g_autofree char *particles = g_build_filename (dir, "p.csv", NULL);
  g_autofree char *session = g_build_filename (dir, "s.evox", NULL);
  g_autofree char *outdir = g_build_filename (dir, "out", NULL);
  g_autofree char *summary_path = g_build_filename (outdir, "summary.csv", NULL);
  g_autofree guint8 *values = g_new (guint8, NX * NY * NZ);
  g_autoptr (GPtrArray) rows = NULL;
  g_auto (GStrv) copies = NULL;
  guint64 bright = 0;

  {
    g_auto (Run) run = evox ("segment", sample, "--phase", "Solid=101:255", "--fractions",
                             fractions, "--particles", particles, "--session", session, NULL);
    assert_ok (&run);
  }
  copies = copy_sample (sample, dir, 3);
  {
    g_auto (Run) run = evox ("apply", session, copies[0], copies[1], copies[2], "--outdir",
                             outdir, NULL);
    assert_ok (&run);
  }
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("copy%u", i + 1);
      g_autofree char *f = out_file (outdir, name, "fractions.csv");
      g_autofree char *p = out_file (outdir, name, "particles.csv");

      evox_test_assert_same_file (f, fractions);
      evox_test_assert_same_file (p, particles);
    }

  make_values (values);
  for (gsize i = 0; i < NX * NY * NZ; i++)
    bright += values[i] > 100;
  rows = evox_test_csv_read (summary_path);
  evox_test_csv_assert_header (rows, "file,sample,status,message,fraction Solid,particles");
  g_assert_cmpuint (rows->len, ==, 4);
  for (guint r = 1; r <= 3; r++)
    {
      char **row = rows->pdata[r];
      g_autofree char *name = g_strdup_printf ("copy%u", r);

      g_assert_cmpstr (row[0], ==, copies[r - 1]);
      g_assert_cmpstr (row[1], ==, name);
      g_assert_cmpstr (row[2], ==, "ok");
      g_assert_cmpstr (row[3], ==, "");
      evox_test_assert_shortest (row[4], (double) bright / (NX * NY * NZ));
      g_assert_cmpfloat (evox_test_csv_double (rows, r, 5), ==,
                         count_particles (values, 101, 255));
    }
  /* Five balls (two of them touching at a corner or not: brute force decides) and two single
   * voxels: more than one particle, so the count says something. */
  g_assert_cmpuint (count_particles (values, 101, 255), >, 2);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A missing and a broken file fail with their reason in the summary and on stderr; the other
 * samples are written; exit 1; the failed ones leave no folder. */
static void
test_failing_sample (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *sample = write_sample (dir);
  g_autofree char *fractions = g_build_filename (dir, "f.csv", NULL);
  g_autofree char *session = g_build_filename (dir, "s.evox", NULL);
  g_autofree char *outdir = g_build_filename (dir, "out", NULL);
  g_autofree char *summary_path = g_build_filename (outdir, "summary.csv", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.tif", NULL);
  g_autofree char *broken = g_build_filename (dir, "broken.tif", NULL);
  g_autofree char *f1 = NULL, *f2 = NULL, *broken_dir = NULL, *missing_dir = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_auto (GStrv) copies = NULL;
  g_auto (GStrv) lines = NULL;

  {
    g_auto (Run) run = evox ("segment", sample, "--phase", "Pore=0:90", "--phase",
                             "Rest=91:255", "--fractions", fractions, "--session", session,
                             NULL);
    assert_ok (&run);
  }
  copies = copy_sample (sample, dir, 2);
  /* A TIFF header and then nothing a reader can use. */
  g_assert_true (g_file_set_contents (broken, "II*\0\x08\0\0\0garbage", 16, NULL));
  {
    g_auto (Run) run = evox ("apply", session, copies[0], missing, broken, copies[1],
                             "--outdir", outdir, "--jobs", "2", NULL);

    g_assert_cmpint (run.status, ==, 1);
    lines = g_strsplit (run.err, "\n", -1);
    /* One line each, naming the file. */
    g_assert_cmpuint (g_strv_length (lines), ==, 3);
    g_assert_nonnull (strstr (lines[0], "missing.tif"));
    g_assert_nonnull (strstr (lines[1], "broken.tif"));
    g_assert_cmpstr (lines[2], ==, "");
  }
  f1 = out_file (outdir, "copy1", "fractions.csv");
  f2 = out_file (outdir, "copy2", "fractions.csv");
  evox_test_assert_same_file (f1, fractions);
  evox_test_assert_same_file (f2, fractions);
  missing_dir = g_build_filename (outdir, "missing", NULL);
  broken_dir = g_build_filename (outdir, "broken", NULL);
  g_assert_false (g_file_test (missing_dir, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (broken_dir, G_FILE_TEST_EXISTS));

  rows = evox_test_csv_read (summary_path);
  g_assert_cmpuint (rows->len, ==, 5);
  g_assert_cmpstr (cell (rows, 1, 2), ==, "ok");
  g_assert_cmpstr (cell (rows, 2, 2), ==, "failed");
  g_assert_nonnull (strstr (cell (rows, 2, 3), "missing.tif"));
  /* A failed row leaves its numbers empty. */
  g_assert_cmpstr (cell (rows, 2, 4), ==, "");
  g_assert_cmpstr (cell (rows, 3, 2), ==, "failed");
  g_assert_cmpstr (cell (rows, 3, 3), !=, "");
  g_assert_cmpstr (cell (rows, 4, 2), ==, "ok");
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Ctrl-C: status 130, one line saying so, no summary (it would name samples that never ran)
 * and no sample folder that is not whole; here the signal is there from the start, so none. */
static void
test_interrupted (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *sample = write_sample (dir);
  g_autofree char *session = g_build_filename (dir, "s.evox", NULL);
  g_autofree char *outdir = g_build_filename (dir, "out", NULL);
  g_auto (GStrv) copies = NULL;

  {
    g_auto (Run) run = evox ("segment", sample, "--phase", "Pore=0:90", "--count",
                             "--session", session, NULL);
    assert_ok (&run);
  }
  copies = copy_sample (sample, dir, 2);
  {
    const char *argv[] = { g_getenv ("EVOX"), "apply", session, copies[0], copies[1],
                           "--outdir", outdir, "--jobs", "2", NULL };
    g_auto (Run) run = evox_test_spawn (argv, NULL, evox_test_press_ctrl_c);

    evox_test_assert_refused (&run, 130, "interrupted");
  }
  g_assert_cmpuint (evox_test_count_entries (outdir), ==, 0);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A session with phases, particles, a surface and clusters, put together from the sessions
 * of three commands: --jobs 2 writes exactly what --jobs 1 does, and each file is the direct
 * command's. */
static void
test_jobs (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *sample = write_sample (dir);
  g_autofree char *seg = g_build_filename (dir, "seg.evox", NULL);
  g_autofree char *iso = g_build_filename (dir, "iso.evox", NULL);
  g_autofree char *clu = g_build_filename (dir, "clu.evox", NULL);
  g_autofree char *all = g_build_filename (dir, "all.evox", NULL);
  g_autofree char *ply = g_build_filename (dir, "iso.ply", NULL);
  g_autofree char *particles = g_build_filename (dir, "p.csv", NULL);
  g_autofree char *labels = g_build_filename (dir, "labels.tif", NULL);
  g_autofree char *out1 = g_build_filename (dir, "out1", NULL);
  g_autofree char *out2 = g_build_filename (dir, "out2", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (JsonParser) other = json_parser_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) cluster_labels = NULL;
  g_auto (GStrv) copies = NULL;
  const char *names[] = { "summary.csv", "copy1/fractions.csv", "copy1/particles.csv",
                          "copy1/surface-1.ply", "copy1/clusters.csv", "copy2/clusters.csv",
                          "copy3/surface-1.ply", "copy3/particles.csv" };
  guint64 sizes[4] = { 0 };
  JsonObject *root;

  {
    g_auto (Run) run = evox ("segment", sample, "--phase", "Solid=101:255", "--particles",
                             particles, "--session", seg, NULL);
    assert_ok (&run);
  }
  {
    g_auto (Run) run = evox ("isosurface", sample, "--phase", "101:255", "--color", "#ff8000",
                             "-o", ply, "--session", iso, NULL);
    assert_ok (&run);
  }
  {
    g_auto (Run) run = evox ("cluster", sample, "--features", "local", "--k", "3", "--seed",
                             "5", "--labels", labels, "--session", clu, NULL);
    assert_ok (&run);
  }
  g_assert_true (json_parser_load_from_file (parser, seg, &error));
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (json_parser_load_from_file (other, iso, &error));
  json_object_set_member (root, "surfaces",
                          json_node_copy (json_object_get_member
                                            (json_node_get_object (json_parser_get_root (other)),
                                             "surfaces")));
  json_object_set_member (root, "display",
                          json_node_copy (json_object_get_member
                                            (json_node_get_object (json_parser_get_root (other)),
                                             "display")));
  g_assert_true (json_parser_load_from_file (other, clu, &error));
  json_object_set_member (root, "clusters",
                          json_node_copy (json_object_get_member
                                            (json_node_get_object (json_parser_get_root (other)),
                                             "clusters")));
  json_generator_set_root (generator, json_parser_get_root (parser));
  g_assert_true (json_generator_to_file (generator, all, &error));
  g_assert_no_error (error);

  copies = copy_sample (sample, dir, 3);
  {
    g_auto (Run) run = evox ("apply", all, copies[0], copies[1], copies[2], "--outdir", out1,
                             NULL);
    assert_ok (&run);
  }
  {
    g_auto (Run) run = evox ("apply", all, copies[0], copies[1], copies[2], "--outdir", out2,
                             "--jobs", "2", NULL);
    assert_ok (&run);
  }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *a = g_build_filename (out1, names[i], NULL);
      g_autofree char *b = g_build_filename (out2, names[i], NULL);

      evox_test_assert_same_file (a, b);
    }
  {
    g_autofree char *p = out_file (out2, "copy2", "particles.csv");
    g_autofree char *s = out_file (out2, "copy2", "surface-1.ply");

    evox_test_assert_same_file (p, particles);
    /* The window's surface of the phase, in the phase's colour as evox isosurface --color
     * wrote it. */
    evox_test_assert_same_file (s, ply);
  }

  /* Cluster sizes: those of the direct command's label volume, counted here. */
  cluster_labels = evox_volume_load (labels, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  {
    const guint8 *data = evox_volume_get_data (cluster_labels, 0);
    g_autofree char *path = out_file (out2, "copy3", "clusters.csv");
    g_autoptr (GPtrArray) rows = evox_test_csv_read (path);

    for (gsize i = 0; i < NX * NY * NZ; i++)
      {
        g_assert_cmpuint (data[i], <=, 3);
        sizes[data[i]]++;
      }
    evox_test_csv_assert_header (rows, "cluster,name,voxels,fraction");
    g_assert_cmpuint (rows->len, ==, 4);
    for (guint id = 1; id <= 3; id++)
      {
        g_assert_cmpfloat (evox_test_csv_double (rows, id, 0), ==, id);
        g_assert_cmpfloat (evox_test_csv_double (rows, id, 2), ==, sizes[id]);
        /* Every voxel has a cluster here: fractions of all of them, written shortest. */
        evox_test_assert_shortest (cell (rows, id, 3),
                                   (double) sizes[id] / (sizes[1] + sizes[2] + sizes[3]));
      }
  }
  {
    g_autofree char *path = g_build_filename (out1, "summary.csv", NULL);
    g_autoptr (GPtrArray) rows = evox_test_csv_read (path);

    evox_test_csv_assert_header (rows, "file,sample,status,message,fraction Solid,particles,"
                                       "cluster 1 voxels,cluster 2 voxels,cluster 3 voxels");
    for (guint id = 1; id <= 3; id++)
      g_assert_cmpfloat (evox_test_csv_double (rows, 2, 5 + id), ==, sizes[id]);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A session holding the Metrics page's percolation overlay (clusters whose info says
 * source = percolation, with the phase's channel, ranges, axis and connectivity, as the window
 * saves it): apply makes the three classes again by a labelling, and clusters.csv counts the
 * voxels of each class as evox_percolation_compute finds them on the same mask (the library's
 * classes are checked against a flood fill in test-metrics-thickness). */
static void
test_percolation_overlay (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *sample = write_sample (dir);
  g_autofree char *session = g_build_filename (dir, "s.evox", NULL);
  g_autofree char *outdir = g_build_filename (dir, "out", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (EvoxPercolation) percolation = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) copies = NULL;
  g_autofree guint8 *mask = g_new (guint8, NX * NY * NZ);
  g_autofree guint8 *values = g_new (guint8, NX * NY * NZ);
  JsonObject *root, *clusters, *info;

  {
    g_auto (Run) run = evox ("segment", sample, "--phase", "Solid=101:255", "--session",
                             session, NULL);
    assert_ok (&run);
  }
  g_assert_true (json_parser_load_from_file (parser, session, &error));
  root = json_node_get_object (json_parser_get_root (parser));
  clusters = json_object_new ();
  info = json_object_new ();
  json_object_set_string_member (info, "source", "percolation");
  json_object_set_string_member (info, "percolation.axis", "x");
  json_object_set_string_member (info, "percolation.channel", "0");
  json_object_set_string_member (info, "percolation.ranges", "101:255");
  json_object_set_string_member (info, "percolation.connectivity", "6");
  json_object_set_int_member (clusters, "k", 3);
  json_object_set_object_member (clusters, "info", info);
  json_object_set_array_member (clusters, "clusters", json_array_new ());
  json_object_set_object_member (root, "clusters", clusters);
  json_generator_set_root (generator, json_parser_get_root (parser));
  g_assert_true (json_generator_to_file (generator, session, &error));

  copies = copy_sample (sample, dir, 1);
  {
    g_auto (Run) run = evox ("apply", session, copies[0], "--outdir", outdir, NULL);
    assert_ok (&run);
  }
  make_values (values);
  for (gsize i = 0; i < NX * NY * NZ; i++)
    mask[i] = values[i] >= 101;
  percolation = evox_percolation_compute (mask, (const gsize[3]) { NX, NY, NZ },
                                          EVOX_CONNECTIVITY_6, NULL, NULL, &error);
  g_assert_no_error (error);
  {
    g_autofree char *path = out_file (outdir, "copy1", "clusters.csv");
    g_autoptr (GPtrArray) rows = evox_test_csv_read (path);

    evox_test_csv_assert_header (rows, "cluster,name,voxels,fraction");
    g_assert_cmpuint (rows->len, ==, 4);
    g_assert_cmpstr (((GStrv) rows->pdata[1])[1], ==, "Connected to both faces (x)");
    for (guint id = 1; id <= 3; id++)
      g_assert_cmpfloat (evox_test_csv_double (rows, id, 2), ==, percolation->voxels[0][id]);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Existing outputs are refused before anything runs, and replaced with --force. */
static void
test_force (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *sample = write_sample (dir);
  g_autofree char *session = g_build_filename (dir, "s.evox", NULL);
  g_autofree char *outdir = g_build_filename (dir, "out", NULL);
  g_autofree char *fractions = NULL;
  g_autofree char *summary = g_build_filename (outdir, "summary.csv", NULL);
  g_autofree char *before = NULL;
  g_auto (GStrv) copies = NULL;

  {
    g_auto (Run) run = evox ("segment", sample, "--phase", "A=0:120", "--session", session,
                             NULL);
    assert_ok (&run);
  }
  copies = copy_sample (sample, dir, 1);
  {
    g_auto (Run) run = evox ("apply", session, copies[0], "--outdir", outdir, NULL);
    assert_ok (&run);
  }
  /* The summary is there: refused, and a planted file stays as it was. */
  fractions = out_file (outdir, "copy1", "fractions.csv");
  g_assert_true (g_file_set_contents (fractions, "mine\n", -1, NULL));
  {
    g_auto (Run) run = evox ("apply", session, copies[0], "--outdir", outdir, NULL);

    evox_test_assert_refused (&run, 1, "exists already");
  }
  /* Only a sample's file is there: refused too. */
  g_assert_cmpint (g_unlink (summary), ==, 0);
  {
    g_auto (Run) run = evox ("apply", session, copies[0], "--outdir", outdir, NULL);

    evox_test_assert_refused (&run, 1, "fractions.csv");
  }
  before = evox_test_read_text (fractions);
  g_assert_cmpstr (before, ==, "mine\n");
  g_assert_false (g_file_test (summary, G_FILE_TEST_EXISTS));
  {
    g_auto (Run) run = evox ("apply", session, copies[0], "--outdir", outdir, "--force", NULL);
    g_autofree char *after = NULL;

    assert_ok (&run);
    after = evox_test_read_text (fractions);
    g_assert_true (g_str_has_prefix (after, "phase,lo,hi,voxels,fraction"));
  }
  /* --session itself is an output: refused when it exists. */
  {
    g_auto (Run) run = evox ("segment", sample, "--phase", "A=0:120", "--session", session,
                             NULL);

    evox_test_assert_refused (&run, 1, "exists already");
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Bad usage is status 2, a session that is none status 1, one line each. */
static void
test_usage (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *sample = write_sample (dir);
  g_autofree char *bad = g_build_filename (dir, "bad.evox", NULL);
  g_autofree char *session = g_build_filename (dir, "s.evox", NULL);

  g_assert_true (g_file_set_contents (bad, "{\"evox-session\": 1, \"inp", -1, NULL));
  {
    g_auto (Run) run = evox ("apply", bad, NULL);

    evox_test_assert_refused (&run, 2, "expected SESSION.evox and at least one FILE");
  }
  {
    g_auto (Run) run = evox ("apply", bad, sample, "--jobs", "0", NULL);

    evox_test_assert_refused (&run, 2, "--jobs");
  }
  {
    g_auto (Run) run = evox ("apply", bad, sample, NULL);

    evox_test_assert_refused (&run, 1, "bad.evox");
  }
  {
    g_auto (Run) run = evox ("isosurface", sample, "--label", "all", "-o", "x.ply",
                             "--session", session, NULL);

    evox_test_assert_refused (&run, 2, "--session");
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The real electrode: a session of its three phases and the particles of its active material,
 * applied to two copies with two jobs, gives the direct command's files byte for byte; the
 * fractions are those of the labels counted here. */
static void
test_electrode (void)
{
  g_autofree char *source = evox_test_data_path ("tomo/electrode.tiff");
  g_autofree char *dir = NULL, *session = NULL, *fractions = NULL;
  g_autofree char *outdir = NULL, *summary = NULL;
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_auto (GStrv) copies = NULL;
  guint64 counts[3] = { 0 };
  gsize dims[3], n;
  const guint8 *data;

  if (source == NULL)
    return;
  dir = evox_test_tmpdir_new ();
  session = g_build_filename (dir, "s.evox", NULL);
  fractions = g_build_filename (dir, "f.csv", NULL);
  outdir = g_build_filename (dir, "out", NULL);
  summary = g_build_filename (outdir, "summary.csv", NULL);
  {
    g_auto (Run) run = evox ("segment", source, "--phase", "Pore=0:0", "--phase",
                             "Active=85:85", "--phase", "Binder=170:170", "--fractions",
                             fractions, "--session", session, NULL);
    assert_ok (&run);
  }
  copies = copy_sample (source, dir, 2);
  {
    g_auto (Run) run = evox ("apply", session, copies[0], copies[1], "--outdir", outdir,
                             "--jobs", "2", NULL);
    assert_ok (&run);
  }
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("copy%u", i + 1);
      g_autofree char *f = out_file (outdir, name, "fractions.csv");

      evox_test_assert_same_file (f, fractions);
    }
  volume = evox_volume_load (source, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  n = dims[0] * dims[1] * dims[2];
  data = evox_volume_get_data (volume, 0);
  for (gsize i = 0; i < n; i++)
    if (data[i] % 85 == 0 && data[i] <= 170)
      counts[data[i] / 85]++;
  rows = evox_test_csv_read (summary);
  evox_test_csv_assert_header (rows, "file,sample,status,message,fraction Pore,fraction Active,"
                                     "fraction Binder");
  for (guint r = 1; r <= 2; r++)
    for (guint p = 0; p < 3; p++)
      g_assert_cmpfloat (g_ascii_strtod (cell (rows, r, 4 + p), NULL),
                         ==, (double) counts[p] / n);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The real SSRM table: the session's reading options (a 20 nm step, not the default 10) are
 * what apply reads a copy with; counted over the interpolated volume, the step changes the
 * fractions (0.759957 at 20 nm, 0.768973 at 10 nm, from `evox segment --basis volume`), so a
 * copy read with the defaults would differ. */
static void
test_ssrm (void)
{
  g_autofree char *source = evox_test_data_path ("ssrm/A19_GrSi_Anode_1x1.csv");
  g_autofree char *dir = NULL, *session = NULL, *fractions = NULL, *copy = NULL;
  g_autofree char *outdir = NULL, *applied = NULL, *contents = NULL;
  gsize length;

  if (source == NULL)
    return;
  dir = evox_test_tmpdir_new ();
  session = g_build_filename (dir, "s.evox", NULL);
  fractions = g_build_filename (dir, "f.csv", NULL);
  copy = g_build_filename (dir, "other.csv", NULL);
  outdir = g_build_filename (dir, "out", NULL);
  {
    g_auto (Run) run = evox ("segment", source, "--dz", "20", "--pixel-size", "50", "--basis",
                             "volume", "--phase", "graphite=-7:-3.5", "--fractions", fractions,
                             "--session", session, NULL);
    assert_ok (&run);
  }
  g_assert_true (g_file_get_contents (source, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (copy, contents, (gssize) length, NULL));
  {
    g_auto (Run) run = evox ("apply", session, copy, "--outdir", outdir, NULL);
    assert_ok (&run);
  }
  applied = out_file (outdir, "other", "fractions.csv");
  evox_test_assert_same_file (applied, fractions);
  {
    g_autoptr (GPtrArray) rows = evox_test_csv_read (applied);

    /* 87158 of the 20 nm stack's voxels, as evox segment printed. */
    g_assert_cmpfloat (evox_test_csv_double (rows, 1, 3), ==, 87158);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Files of the same name in different folders get folders of their own (name, name-2), and a
 * file named like the summary does not take its place. */
static void
test_same_name (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *sample = write_sample (dir);
  g_autofree char *fractions = g_build_filename (dir, "f.csv", NULL);
  g_autofree char *session = g_build_filename (dir, "s.evox", NULL);
  g_autofree char *outdir = g_build_filename (dir, "out", NULL);
  g_autofree char *a = g_build_filename (dir, "a", NULL);
  g_autofree char *b = g_build_filename (dir, "b", NULL);
  g_autofree char *summary_like = g_build_filename (dir, "summary.csv.tif", NULL);
  g_autofree char *summary = g_build_filename (outdir, "summary.csv", NULL);
  const char *folders[] = { "copy1", "copy1-2", "summary.csv-2" };
  g_auto (GStrv) in_a = NULL;
  g_auto (GStrv) in_b = NULL;
  g_auto (GStrv) in_c = NULL;
  g_autoptr (GPtrArray) rows = NULL;

  {
    g_auto (Run) run = evox ("segment", sample, "--phase", "A=0:120", "--fractions", fractions,
                             "--session", session, NULL);
    assert_ok (&run);
  }
  g_assert_cmpint (g_mkdir (a, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (b, 0700), ==, 0);
  in_a = copy_sample (sample, a, 1);
  in_b = copy_sample (sample, b, 1);
  in_c = copy_sample (sample, dir, 1);
  g_assert_cmpint (g_rename (in_c[0], summary_like), ==, 0);
  {
    g_auto (Run) run = evox ("apply", session, in_a[0], in_b[0], summary_like, "--outdir",
                             outdir, NULL);
    assert_ok (&run);
  }
  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      g_autofree char *f = out_file (outdir, folders[i], "fractions.csv");

      evox_test_assert_same_file (f, fractions);
    }
  g_assert_true (g_file_test (summary, G_FILE_TEST_IS_REGULAR));
  rows = evox_test_csv_read (summary);
  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    g_assert_cmpstr (cell (rows, i + 1, 1), ==, folders[i]);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* evox render --session: the display it drew (colour map, range, view, slice) and its phase are
 * in the session, and apply gives the fractions evox segment gives for that phase. */
static void
test_render (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *sample = write_sample (dir);
  g_autofree char *png = g_build_filename (dir, "r.png", NULL);
  g_autofree char *session = g_build_filename (dir, "r.evox", NULL);
  g_autofree char *fractions = g_build_filename (dir, "f.csv", NULL);
  g_autofree char *outdir = g_build_filename (dir, "out", NULL);
  g_autofree char *applied = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) copies = NULL;
  JsonObject *root, *display;
  JsonArray *range;

  {
    g_auto (Run) run = evox ("render", sample, "-o", png, "--phase", "Solid=101:255",
                             "--colormap", "magma", "--range", "10:200", "--view", "z",
                             "--slice", "3,4,5", "--session", session, NULL);
    assert_ok (&run);
  }
  g_assert_true (json_parser_load_from_file (parser, session, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  display = json_object_get_object_member (root, "display");
  g_assert_cmpstr (json_object_get_string_member (display, "colormap"), ==, "magma");
  g_assert_cmpstr (json_object_get_string_member (display, "view"), ==, "z");
  g_assert_cmpint (json_object_get_int_member (display, "slice-z"), ==, 5);
  range = json_object_get_array_member (display, "range");
  g_assert_cmpfloat (json_array_get_double_element (range, 0), ==, 10);
  g_assert_cmpfloat (json_array_get_double_element (range, 1), ==, 200);
  {
    g_auto (Run) run = evox ("segment", sample, "--phase", "Solid=101:255", "--fractions",
                             fractions, NULL);
    assert_ok (&run);
  }
  copies = copy_sample (sample, dir, 1);
  {
    g_auto (Run) run = evox ("apply", session, copies[0], "--outdir", outdir, NULL);
    assert_ok (&run);
  }
  applied = out_file (outdir, "copy1", "fractions.csv");
  evox_test_assert_same_file (applied, fractions);
  /* Clusters read from a label file cannot be made again: refused with --session. */
  {
    g_auto (Run) run = evox ("render", sample, "-o", png, "--clusters", sample, "--session",
                             session, "--force", NULL);

    evox_test_assert_refused (&run, 2, "--session");
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/ApplyCli/segment", test_segment);
  g_test_add_func ("/Evox/ApplyCli/failing-sample", test_failing_sample);
  g_test_add_func ("/Evox/ApplyCli/interrupted", test_interrupted);
  g_test_add_func ("/Evox/ApplyCli/jobs", test_jobs);
  g_test_add_func ("/Evox/ApplyCli/force", test_force);
  g_test_add_func ("/Evox/ApplyCli/same-name", test_same_name);
  g_test_add_func ("/Evox/ApplyCli/usage", test_usage);
  g_test_add_func ("/Evox/ApplyCli/render", test_render);
  g_test_add_func ("/Evox/ApplyCli/electrode", test_electrode);
  g_test_add_func ("/Evox/ApplyCli/ssrm", test_ssrm);
  g_test_add_func ("/Evox/ApplyCli/percolation-overlay", test_percolation_overlay);
  return g_test_run ();
}
