/* evox-bench-surface.c: a phase surface within a triangle budget against the full surface
 * (time, VmHWM, area, volume, sampled Hausdorff distance) and PLY writing against a plain
 * write; run by bench/surface_scale.py. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "evox-isosurface.h"
#include "evox-mesh-writer.h"
#include "evox-test-mesh.h"
#include "evox-tiff.h"

/* A mesh as plain arrays, from an EvoxMesh, a PLY or the raw file surface_scale.py writes. */
typedef struct
{
  gsize          n_vertices;
  const float   *p;
  gsize          n_triangles;
  const guint32 *t;
} Arrays;

static gint64
status_kib (const char *key)
{
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &text, NULL, NULL))
    return -1;
  line = strstr (text, key);
  return line == NULL ? -1 : g_ascii_strtoll (line + strlen (key) + 1, NULL, 10);
}

/* Triangles binned by their bounding boxes into cubic cells. */
typedef struct
{
  const Arrays *m;
  double        lo[3];
  double        cell;
  gssize        n[3];
  guint64      *start;
  guint32      *items;
} Grid;

static gssize
cell_of (const Grid *g,
         double      v,
         guint       k)
{
  gssize c = (gssize) floor ((v - g->lo[k]) / g->cell);

  return CLAMP (c, 0, g->n[k] - 1);
}

static void
grid_build (Grid         *g,
            const Arrays *m)
{
  double lo[3] = { INFINITY, INFINITY, INFINITY }, hi[3] = { -INFINITY, -INFINITY, -INFINITY };
  double volume = 1.0;
  gsize n_cells;

  g->m = m;
  for (gsize v = 0; v < m->n_vertices; v++)
    for (guint k = 0; k < 3; k++)
      {
        lo[k] = MIN (lo[k], m->p[3 * v + k]);
        hi[k] = MAX (hi[k], m->p[3 * v + k]);
      }
  for (guint k = 0; k < 3; k++)
    volume *= MAX (hi[k] - lo[k], 1e-6);
  /* About four triangles a cell. */
  g->cell = cbrt (volume / MAX (m->n_triangles / 4.0, 1.0));
  for (guint k = 0; k < 3; k++)
    {
      g->lo[k] = lo[k] - g->cell;
      g->n[k] = (gssize) ceil ((hi[k] - lo[k]) / g->cell) + 2;
    }
  n_cells = (gsize) (g->n[0] * g->n[1] * g->n[2]);
  g->start = g_new0 (guint64, n_cells + 1);
  for (int pass = 0; pass < 2; pass++)
    {
      for (gsize t = 0; t < m->n_triangles; t++)
        {
          gssize c0[3], c1[3];

          for (guint k = 0; k < 3; k++)
            {
              double a = m->p[3 * m->t[3 * t] + k], b = m->p[3 * m->t[3 * t + 1] + k];
              double c = m->p[3 * m->t[3 * t + 2] + k];

              c0[k] = cell_of (g, MIN (a, MIN (b, c)), k);
              c1[k] = cell_of (g, MAX (a, MAX (b, c)), k);
            }
          for (gssize z = c0[2]; z <= c1[2]; z++)
            for (gssize y = c0[1]; y <= c1[1]; y++)
              for (gssize x = c0[0]; x <= c1[0]; x++)
                {
                  gsize i = (gsize) ((z * g->n[1] + y) * g->n[0] + x);

                  if (pass == 0)
                    g->start[i + 1]++;
                  else
                    g->items[g->start[i]++] = (guint32) t;
                }
        }
      if (pass == 0)
        {
          for (gsize i = 0; i < n_cells; i++)
            g->start[i + 1] += g->start[i];
          g->items = g_new (guint32, g->start[n_cells]);
        }
      else
        {
          /* start[i] now holds the end of cell i: shift back. */
          memmove (g->start + 1, g->start, n_cells * sizeof (guint64));
          g->start[0] = 0;
        }
    }
}

static void
grid_clear (Grid *g)
{
  g_clear_pointer (&g->start, g_free);
  g_clear_pointer (&g->items, g_free);
}

/* Exact distance from q to the grid's mesh: rings of cells until no closer cell can be left. */
static double
grid_distance (const Grid   *g,
               const double  q[3])
{
  gssize c[3];
  double best = INFINITY;
  gssize max_r = MAX (g->n[0], MAX (g->n[1], g->n[2]));

  for (guint k = 0; k < 3; k++)
    c[k] = cell_of (g, q[k], k);
  for (gssize r = 0; r <= max_r; r++)
    {
      for (gssize z = c[2] - r; z <= c[2] + r; z++)
        for (gssize y = c[1] - r; y <= c[1] + r; y++)
          for (gssize x = c[0] - r; x <= c[0] + r; x++)
            {
              gsize i;

              if (MAX (ABS (z - c[2]), MAX (ABS (y - c[1]), ABS (x - c[0]))) != r)
                continue;
              if (x < 0 || y < 0 || z < 0 || x >= g->n[0] || y >= g->n[1] || z >= g->n[2])
                continue;
              i = (gsize) ((z * g->n[1] + y) * g->n[0] + x);
              for (guint64 s = g->start[i]; s < g->start[i + 1]; s++)
                {
                  const guint32 *t = g->m->t + 3 * (gsize) g->items[s];
                  double d2 = evox_test_point_triangle_d2 (q, g->m->p + 3 * (gsize) t[0],
                                                 g->m->p + 3 * (gsize) t[1],
                                                 g->m->p + 3 * (gsize) t[2]);

                  best = MIN (best, d2);
                }
            }
      if (best <= (double) r * g->cell * (double) r * g->cell)
        break;
    }
  return sqrt (best);
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* n points uniform by area on from, each one's distance to to: max, 99th percentile, mean. */
static void
sampled_distance (const Arrays *from,
                  const Arrays *to,
                  gsize         n,
                  double        out[3])
{
  g_autofree double *cumulative = g_new (double, from->n_triangles);
  g_autofree double *d = g_new (double, n);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261206);
  g_autofree double *u = g_new (double, 3 * n);
  Grid grid = { 0 };
  double total = 0.0, sum = 0.0;

  for (gsize t = 0; t < from->n_triangles; t++)
    {
      double p[3][3], x[3];

      for (guint c = 0; c < 3; c++)
        for (guint k = 0; k < 3; k++)
          p[c][k] = from->p[3 * (gsize) from->t[3 * t + c] + k];
      evox_test_triangle_cross (p, x);
      total += 0.5 * sqrt (x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
      cumulative[t] = total;
    }
  for (gsize i = 0; i < 3 * n; i++)
    u[i] = g_rand_double (rand);
  grid_build (&grid, to);
#pragma omp parallel for schedule(dynamic, 256)
  for (gsize i = 0; i < n; i++)
    {
      double target = u[3 * i] * total, a = u[3 * i + 1], b = u[3 * i + 2], q[3];
      gsize lo = 0, hi = from->n_triangles - 1;
      const guint32 *t;

      while (lo < hi)
        {
          gsize mid = (lo + hi) / 2;

          if (cumulative[mid] < target)
            lo = mid + 1;
          else
            hi = mid;
        }
      if (a + b > 1.0)
        {
          a = 1.0 - a;
          b = 1.0 - b;
        }
      t = from->t + 3 * lo;
      for (guint k = 0; k < 3; k++)
        {
          double p0 = from->p[3 * (gsize) t[0] + k], p1 = from->p[3 * (gsize) t[1] + k];
          double p2 = from->p[3 * (gsize) t[2] + k];

          q[k] = p0 + a * (p1 - p0) + b * (p2 - p0);
        }
      d[i] = grid_distance (&grid, q);
    }
  grid_clear (&grid);
  for (gsize i = 0; i < n; i++)
    sum += d[i];
  qsort (d, n, sizeof (double), compare_doubles);
  out[0] = d[n - 1];
  out[1] = d[(gsize) floor (0.99 * (double) (n - 1))];
  out[2] = sum / (double) n;
}

static void
arrays_of_mesh (Arrays   *a,
                EvoxMesh *mesh)
{
  a->n_vertices = evox_mesh_get_n_vertices (mesh);
  a->p = evox_mesh_get_positions (mesh);
  a->n_triangles = evox_mesh_get_n_triangles (mesh);
  a->t = evox_mesh_get_triangles (mesh);
}

static double
arrays_area (const Arrays *m,
             double       *volume)
{
  double area = 0.0, vol = 0.0;

  for (gsize t = 0; t < m->n_triangles; t++)
    {
      double p[3][3], x[3];

      for (guint c = 0; c < 3; c++)
        for (guint k = 0; k < 3; k++)
          p[c][k] = m->p[3 * (gsize) m->t[3 * t + c] + k];
      evox_test_triangle_cross (p, x);
      area += 0.5 * sqrt (x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
      vol += (p[0][0] * x[0] + p[0][1] * x[1] + p[0][2] * x[2]) / 6.0;
    }
  *volume = vol;
  return area;
}

/* Errors of other against full, printed as key=value. */
static void
print_errors (const char   *name,
              const Arrays *full,
              const Arrays *other,
              gsize         n_points)
{
  double full_volume, other_volume, full_area = arrays_area (full, &full_volume);
  double other_area = arrays_area (other, &other_volume), to_full[3], from_full[3];

  sampled_distance (other, full, n_points, to_full);
  sampled_distance (full, other, n_points, from_full);
  printf ("%s triangles=%zu full_triangles=%zu area=%.6f full_area=%.6f area_error=%.6f "
          "volume=%.6f full_volume=%.6f volume_error=%.6f hausdorff=%.4f "
          "to_full_max=%.4f to_full_p99=%.4f to_full_mean=%.4f "
          "from_full_max=%.4f from_full_p99=%.4f from_full_mean=%.4f points=%zu\n",
          name, other->n_triangles, full->n_triangles, other_area, full_area,
          other_area / full_area - 1.0, other_volume, full_volume,
          other_volume / full_volume - 1.0, MAX (to_full[0], from_full[0]), to_full[0],
          to_full[1], to_full[2], from_full[0], from_full[1], from_full[2], n_points);
}

/* The raw mesh surface_scale.py writes: u64 vertices, u64 triangles, f32 xyz, u32 indices. */
static gboolean
read_raw (const char *path,
          Arrays     *a,
          char      **contents)
{
  gsize length;
  guint64 head[2];

  if (!g_file_get_contents (path, contents, &length, NULL) || length < 16)
    return FALSE;
  memcpy (head, *contents, 16);
  if (length != 16 + 12 * head[0] + 12 * head[1])
    return FALSE;
  a->n_vertices = head[0];
  a->n_triangles = head[1];
  a->p = (const float *) (*contents + 16);
  a->t = (const guint32 *) (*contents + 16 + 12 * head[0]);
  return TRUE;
}

static double
seconds_since (gint64 start)
{
  return (double) (g_get_monotonic_time () - start) / 1e6;
}

/* The same byte count from one buffer, in the writer's 8 MiB calls, then fsync: the `dd` line. */
static double
plain_write (const char *path,
             gsize       bytes)
{
  const gsize chunk = 8 << 20;
  g_autofree guint8 *buffer = g_malloc (chunk);
  gint64 start;
  int fd;

  memset (buffer, 0x5a, chunk);
  start = g_get_monotonic_time ();
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    return NAN;
  for (gsize done = 0; done < bytes;)
    {
      gssize n = write (fd, buffer, MIN (chunk, bytes - done));

      if (n <= 0)
        {
          close (fd);
          return NAN;
        }
      done += (gsize) n;
    }
  fsync (fd);
  close (fd);
  return seconds_since (start);
}

/* kind RANGE: the phase LO..HI; LEVEL: the level surface at LO (HI unused). */
static int
run_surface (char            **argv,
             EvoxSurfaceKind   kind,
             gboolean          smooth)
{
  const char *path = argv[0];
  double lo = g_ascii_strtod (argv[1], NULL), hi = g_ascii_strtod (argv[2], NULL);
  guint64 budget = g_ascii_strtoull (argv[3], NULL, 10);
  const char *full_path = argv[4], *simple_path = argv[5], *dd_path = argv[6];
  gsize n_points = g_ascii_strtoull (argv[7], NULL, 10);
  EvoxSurfaceSpec spec = { .kind = kind, .level = lo, .lo = lo, .hi = hi, .smooth = smooth,
                           .max_triangles = budget };
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_tiff_read (path, NULL, NULL, &error);
  g_autoptr(EvoxMesh) simple = NULL;
  g_autoptr(EvoxMesh) full = NULL;
  gint64 rss_before, hwm_after, start;
  double build_s, full_s, write_s, dd_s;
  gsize source_triangles;
  double source_area, source_volume;
  GStatBuf st;
  Arrays a_full, a_simple;

  if (volume == NULL)
    {
      fprintf (stderr, "evox-bench-surface: %s\n", error->message);
      return 1;
    }
  rss_before = status_kib ("VmRSS:");
  start = g_get_monotonic_time ();
  simple = evox_isosurface_build (volume, NULL, &spec, NULL, NULL, &error);
  build_s = seconds_since (start);
  hwm_after = status_kib ("VmHWM:");
  if (simple == NULL)
    {
      fprintf (stderr, "evox-bench-surface: %s\n", error->message);
      return 1;
    }
  evox_mesh_get_source_measures (simple, &source_triangles, &source_area, &source_volume);
  printf ("build seconds=%.3f triangles=%zu vertices=%zu rss_before_kib=%" G_GINT64_FORMAT
          " hwm_after_kib=%" G_GINT64_FORMAT " extra_mib=%.1f volume_mib=%.1f "
          "source_triangles=%zu source_area=%.6f source_volume=%.6f threads=%d\n",
          build_s, evox_mesh_get_n_triangles (simple), evox_mesh_get_n_vertices (simple),
          rss_before, hwm_after, (double) (hwm_after - rss_before) / 1024.0,
          (double) evox_volume_get_n_voxels (volume) / 1048576.0,
          source_triangles, source_area, source_volume, g_get_num_processors ());
  if (!evox_mesh_write (simple, simple_path, EVOX_MESH_FORMAT_PLY, NULL, TRUE, &error))
    {
      fprintf (stderr, "evox-bench-surface: %s\n", error->message);
      return 1;
    }

  spec.max_triangles = 0;
  start = g_get_monotonic_time ();
  full = evox_isosurface_build (volume, NULL, &spec, NULL, NULL, &error);
  full_s = seconds_since (start);
  if (full == NULL)
    {
      fprintf (stderr, "evox-bench-surface: %s\n", error->message);
      return 1;
    }
  g_clear_object (&volume);
  /* Disks and page caches vary: three rounds, taking turns, best of each. */
  write_s = dd_s = INFINITY;
  for (guint round = 0; round < 3; round++)
    {
      start = g_get_monotonic_time ();
      if (!evox_mesh_write (full, full_path, EVOX_MESH_FORMAT_PLY, NULL, TRUE, &error))
        {
          fprintf (stderr, "evox-bench-surface: %s\n", error->message);
          return 1;
        }
      write_s = MIN (write_s, seconds_since (start));
      g_stat (full_path, &st);
      dd_s = MIN (dd_s, plain_write (dd_path, (gsize) st.st_size));
      g_unlink (dd_path);
    }
  printf ("full seconds=%.3f triangles=%zu vertices=%zu\n", full_s,
          evox_mesh_get_n_triangles (full), evox_mesh_get_n_vertices (full));
  printf ("ply bytes=%" G_GINT64_FORMAT " seconds=%.3f mb_s=%.1f dd_seconds=%.3f dd_mb_s=%.1f\n",
          (gint64) st.st_size, write_s, (double) st.st_size / write_s / 1e6, dd_s,
          (double) st.st_size / dd_s / 1e6);
  fflush (stdout);

  arrays_of_mesh (&a_full, full);
  arrays_of_mesh (&a_simple, simple);
  print_errors ("evox", &a_full, &a_simple, n_points);
  return 0;
}

static int
run_distance (char **argv)
{
  g_autoptr(EvoxTestMesh) full = evox_test_mesh_read_ply (argv[0]);
  g_autofree char *contents = NULL;
  gsize n_points = g_ascii_strtoull (argv[2], NULL, 10);
  Arrays a_full = { full->n_vertices, full->positions, full->n_triangles, full->triangles };
  Arrays a_other;

  if (!read_raw (argv[1], &a_other, &contents))
    {
      fprintf (stderr, "evox-bench-surface: %s is not a raw mesh\n", argv[1]);
      return 1;
    }
  print_errors ("other", &a_full, &a_other, n_points);
  return 0;
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 10 && g_str_equal (argv[1], "surface"))
    return run_surface (argv + 2, EVOX_SURFACE_RANGE, FALSE);
  /* Smoothed as the window's surfaces are by default. */
  if (argc == 10 && g_str_equal (argv[1], "surface-smooth"))
    return run_surface (argv + 2, EVOX_SURFACE_RANGE, TRUE);
  if (argc == 10 && g_str_equal (argv[1], "level"))
    return run_surface (argv + 2, EVOX_SURFACE_LEVEL, FALSE);
  if (argc == 10 && g_str_equal (argv[1], "level-smooth"))
    return run_surface (argv + 2, EVOX_SURFACE_LEVEL, TRUE);
  if (argc == 5 && g_str_equal (argv[1], "distance"))
    return run_distance (argv + 2);
  fprintf (stderr, "usage: evox-bench-surface surface|surface-smooth VOLUME LO HI BUDGET FULL.ply "
                   "SIMPLE.ply DD_FILE POINTS\n"
                   "       evox-bench-surface level|level-smooth VOLUME LEVEL - BUDGET FULL.ply "
                   "SIMPLE.ply DD_FILE POINTS\n"
                   "       evox-bench-surface distance FULL.ply OTHER.raw POINTS\n");
  return 2;
}
