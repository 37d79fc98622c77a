/* float-stats-variants.c: single-thread CPU time of ways to lay out the f32 extent, moments and binning passes. */
/* SPDX-License-Identifier: BSD-3-Clause */

/* Issue 17 asked whether the f32 statistics (min/max, mean and spread) and the fine binning
 * could share passes. This scratch program times the layouts on one core, in CPU time (so a busy
 * shared machine still gives comparable figures), with kernels written like those of
 * src/core/evox-volume.c and src/core/evox-histogram.c as they were on 2026-12-06's evening (same
 * vectors, same AVX2 clones; since then the library's binning prefetches its voxels and its
 * min/max loop selects in two vectors: time the library itself with
 * `OMP_NUM_THREADS=1 build/bench/evox-bench hist`):
 *
 *   today:  pass 1 = per 64 KiB chunk a min/max loop, then a moments loop over the same chunk
 *           (from cache); pass 2 = binning into two alternating u32 tables;
 *   fused:  pass 1 = min/max only; pass 2 = binning with the moments of each 1024-value block
 *           in a loop beside the index loop;
 *   fused1: pass 2's moments inside the index loop itself (omp simd reductions);
 *   extent1: pass 1 as one loop doing min/max and moments together;
 *   before: pass 2 as src/core/evox-histogram.c bound it before its index loop converted to a
 *           signed integer and got an AVX2 clone (the baseline build only, unsigned conversion).
 *
 * Not built by meson. From the source root:
 *   gcc -O2 -fopenmp bench/float-stats-variants.c -o /tmp/float-stats-variants -lm -ltiff
 *   /tmp/float-stats-variants bench/data/vol-f32.tif 512
 * The TIFF must be uncompressed and contiguous (run-bench.py writes it so): the voxels are read
 * from the first strip on, which is checked to run to the end of the last page's last strip.
 * (Before, the last size^3 floats of the file were taken, but tifffile writes its page
 * directories after the voxels: those figures were of misaligned bytes.) */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tiffio.h>

typedef float   V4F __attribute__ ((vector_size (16)));
typedef int32_t V4I __attribute__ ((vector_size (16)));
typedef double  V4D __attribute__ ((vector_size (32)));
typedef int64_t V4L __attribute__ ((vector_size (32)));

#define CLONES __attribute__ ((target_clones ("avx2", "default")))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define N_BINS 65536
#define BLOCK 1024
#define CHUNK 16384

typedef struct
{
  double s1, s2;
  size_t n;
} Moments;

static double
cpu_s (void)
{
  struct timespec t;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

CLONES static void
minmax (const float *x, size_t len, float *plo, float *phi)
{
  float lo = *plo, hi = *phi;

#pragma omp simd reduction(min:lo) reduction(max:hi)
  for (size_t i = 0; i < len; i++)
    {
      int finite = (x[i] - x[i]) == 0.0f;
      lo = finite && x[i] < lo ? x[i] : lo;
      hi = finite && x[i] > hi ? x[i] : hi;
    }
  *plo = lo;
  *phi = hi;
}

CLONES static void
moments (const float *x, size_t len, double centre, Moments *m)
{
  V4D s1 = { 0 }, s2 = { 0 }, shift = { centre, centre, centre, centre };
  V4I count = { 0 };
  size_t i = 0;

  for (; i + 4 <= len; i += 4)
    {
      V4F v;
      V4I finite;
      V4D d;

      memcpy (&v, x + i, sizeof v);
      finite = (v - v) == (V4F) { 0 };
      d = __builtin_convertvector (v, V4D) - shift;
      d = (V4D) ((V4L) d & __builtin_convertvector (finite, V4L));
      s1 += d;
      s2 += d * d;
      count -= finite;
    }
  m->s1 += s1[0] + s1[1] + s1[2] + s1[3];
  m->s2 += s2[0] + s2[1] + s2[2] + s2[3];
  m->n += (size_t) count[0] + count[1] + count[2] + count[3];
  for (; i < len; i++)
    if (isfinite (x[i]))
      {
        double d = x[i] - centre;
        m->s1 += d;
        m->s2 += d * d;
        m->n++;
      }
}

CLONES static void
extent_one_loop (const float *x, size_t len, double centre, float *plo, float *phi, Moments *m)
{
  const V4F inf = { INFINITY, INFINITY, INFINITY, INFINITY };
  V4D s1 = { 0 }, s2 = { 0 }, shift = { centre, centre, centre, centre };
  V4I count = { 0 };
  V4F vlo = inf, vhi = -inf;
  float lo = *plo, hi = *phi;
  size_t i = 0;

  for (; i + 4 <= len; i += 4)
    {
      V4F v, a, b;
      V4I finite;
      V4D d;

      memcpy (&v, x + i, sizeof v);
      finite = (v - v) == (V4F) { 0 };
      a = (V4F) (((V4I) v & finite) | ((V4I) inf & ~finite));
      b = (V4F) (((V4I) v & finite) | ((V4I) -inf & ~finite));
      vlo = __builtin_ia32_minps (vlo, a);
      vhi = __builtin_ia32_maxps (vhi, b);
      d = __builtin_convertvector (v, V4D) - shift;
      d = (V4D) ((V4L) d & __builtin_convertvector (finite, V4L));
      s1 += d;
      s2 += d * d;
      count -= finite;
    }
  for (int k = 0; k < 4; k++)
    {
      lo = MIN (lo, vlo[k]);
      hi = MAX (hi, vhi[k]);
    }
  m->s1 += s1[0] + s1[1] + s1[2] + s1[3];
  m->s2 += s2[0] + s2[1] + s2[2] + s2[3];
  m->n += (size_t) count[0] + count[1] + count[2] + count[3];
  for (; i < len; i++)
    if (isfinite (x[i]))
      {
        double d = x[i] - centre;
        m->s1 += d;
        m->s2 += d * d;
        m->n++;
        lo = MIN (lo, x[i]);
        hi = MAX (hi, x[i]);
      }
  *plo = lo;
  *phi = hi;
}

#define INDEX_LOOP_AS(type)                                             \
  for (size_t k = 0; k < len; k++)                                      \
    {                                                                   \
      float t = (x[k] - lo) * scale;                                    \
      int finite = (x[k] - x[k]) == 0.0f;                               \
      t = t > 0.0f ? t : 0.0f;                                          \
      t = t < top ? t : top;                                            \
      index[k] = finite ? (uint32_t) (type) t : N_BINS;                 \
    }
#define INDEX_LOOP INDEX_LOOP_AS (int32_t)

#define SCATTER                                                         \
  for (; i + 2 <= len; i += 2)                                          \
    {                                                                   \
      out[index[i]]++;                                                  \
      spare[index[i + 1]]++;                                            \
    }                                                                   \
  for (; i < len; i++)                                                  \
    out[index[i]]++;

#define BIN_BODY(type)                                                  \
  const float top = N_BINS - 1;                                         \
  uint32_t index[BLOCK];                                                \
                                                                        \
  for (size_t s = 0; s < n; s += BLOCK)                                 \
    {                                                                   \
      size_t len = MIN (BLOCK, n - s), i = 0;                           \
      const float *x = v + s;                                           \
                                                                        \
      _Pragma ("omp simd")                                              \
      INDEX_LOOP_AS (type)                                              \
      SCATTER                                                           \
    }

CLONES static void
bin (const float *v, size_t n, float lo, float scale, uint32_t *out, uint32_t *spare)
{
  BIN_BODY (int32_t)
}

static void
bin_before (const float *v, size_t n, float lo, float scale, uint32_t *out, uint32_t *spare)
{
  BIN_BODY (uint32_t)
}

CLONES static void
bin_with_moments (const float *v, size_t n, float lo, float scale, uint32_t *out,
                  uint32_t *spare, Moments *m)
{
  const float top = N_BINS - 1;
  uint32_t index[BLOCK];

  for (size_t s = 0; s < n; s += BLOCK)
    {
      size_t len = MIN (BLOCK, n - s), i = 0;
      const float *x = v + s;

#pragma omp simd
      INDEX_LOOP
      moments (x, len, x[0], m);
      SCATTER
    }
}

CLONES static void
bin_with_moments_in_loop (const float *v, size_t n, float lo, float scale, uint32_t *out,
                          uint32_t *spare, double centre, Moments *m)
{
  const float top = N_BINS - 1;
  uint32_t index[BLOCK];
  double s1 = 0, s2 = 0;
  size_t count = 0;

  for (size_t s = 0; s < n; s += BLOCK)
    {
      size_t len = MIN (BLOCK, n - s), i = 0;
      const float *x = v + s;

#pragma omp simd reduction(+:s1, s2, count)
      for (size_t k = 0; k < len; k++)
        {
          float t = (x[k] - lo) * scale;
          int finite = (x[k] - x[k]) == 0.0f;
          double d = finite ? (double) x[k] - centre : 0.0;

          t = t > 0.0f ? t : 0.0f;
          t = t < top ? t : top;
          index[k] = finite ? (uint32_t) t : N_BINS;
          s1 += d;
          s2 += d * d;
          count += finite;
        }
      SCATTER
    }
  m->s1 += s1;
  m->s2 += s2;
  m->n += count;
}

/* The offset of the first voxel, when the size^3 f32 voxels lie in one run from there. */
static long
voxels_offset (const char *path,
               size_t      size)
{
  TIFF *tif = TIFFOpen (path, "r");
  uint64_t *offsets, *counts, first;
  uint32_t width = 0, n_strips;
  uint16_t bits = 0, format = 0;
  long result = -1;

  if (tif == NULL)
    return -1;
  TIFFGetField (tif, TIFFTAG_IMAGEWIDTH, &width);
  TIFFGetField (tif, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetField (tif, TIFFTAG_SAMPLEFORMAT, &format);
  if (width == size && bits == 32 && format == SAMPLEFORMAT_IEEEFP &&
      TIFFNumberOfDirectories (tif) == size &&
      TIFFGetField (tif, TIFFTAG_STRIPOFFSETS, &offsets))
    {
      first = offsets[0];
      if (TIFFSetDirectory (tif, (tdir_t) (size - 1)) &&
          TIFFGetField (tif, TIFFTAG_STRIPOFFSETS, &offsets) &&
          TIFFGetField (tif, TIFFTAG_STRIPBYTECOUNTS, &counts))
        {
          n_strips = TIFFNumberOfStrips (tif);
          if (offsets[n_strips - 1] + counts[n_strips - 1] == first + size * size * size * 4)
            result = (long) first;
        }
    }
  TIFFClose (tif);
  return result;
}

int
main (int    argc,
      char **argv)
{
  size_t size = argc > 2 ? strtoul (argv[2], NULL, 10) : 256;
  size_t n = size * size * size;
  float *v = aligned_alloc (64, n * sizeof (float));
  uint32_t *out = calloc (N_BINS + 1, 4), *spare = calloc (N_BINS + 1, 4);
  double best[8] = { 1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9, 1e9 };
  long offset = argc > 1 ? voxels_offset (argv[1], size) : -1;
  FILE *f;

  if (offset < 0 || (f = fopen (argv[1], "rb")) == NULL || fseek (f, offset, SEEK_SET) != 0 ||
      fread (v, 4, n, f) != n)
    {
      fprintf (stderr, "usage: float-stats-variants VOL-F32.tif [SIZE] (an uncompressed, "
               "contiguous SIZE^3 f32 TIFF)\n");
      return 2;
    }
  fclose (f);

  for (int r = 0; r < 5; r++)
    {
      float lo = INFINITY, hi = -INFINITY, scale;
      Moments m = { 0 };
      double t[9];

      t[0] = cpu_s ();
      for (size_t c = 0; c < n; c += CHUNK)
        minmax (v + c, MIN (CHUNK, n - c), &lo, &hi);
      t[1] = cpu_s ();
      for (size_t c = 0; c < n; c += CHUNK)
        {
          float l = INFINITY, h = -INFINITY;

          minmax (v + c, MIN (CHUNK, n - c), &l, &h);
          moments (v + c, MIN (CHUNK, n - c), v[c], &m);
        }
      t[2] = cpu_s ();
      for (size_t c = 0; c < n; c += CHUNK)
        {
          float l = INFINITY, h = -INFINITY;

          extent_one_loop (v + c, MIN (CHUNK, n - c), v[c], &l, &h, &m);
        }
      t[3] = cpu_s ();
      scale = N_BINS / (hi - lo);
      bin (v, n, lo, scale, out, spare);
      t[4] = cpu_s ();
      bin_with_moments (v, n, lo, scale, out, spare, &m);
      t[5] = cpu_s ();
      for (size_t c = 0; c < n; c += CHUNK)
        bin_with_moments_in_loop (v + c, MIN (CHUNK, n - c), lo, scale, out, spare, v[c], &m);
      t[6] = cpu_s ();
      bin_before (v, n, lo, scale, out, spare);
      t[7] = cpu_s ();
      for (int k = 0; k < 7; k++)
        best[k] = MIN (best[k], t[k + 1] - t[k]);
      if (m.n == 0)
        return 1;
    }
  printf ("%zu^3 f32, one thread, CPU ms, best of 5\n", size);
  printf ("pass 1: min/max %.1f; min/max + moments (two loops per chunk) %.1f; "
          "one loop %.1f\n", best[0] * 1e3, best[1] * 1e3, best[2] * 1e3);
  printf ("pass 2: binning %.1f (before: %.1f); binning + moments (beside) %.1f; (inside the "
          "index loop) %.1f\n", best[3] * 1e3, best[6] * 1e3, best[4] * 1e3, best[5] * 1e3);
  printf ("today (extent with moments, then binning) %.1f; fused (min/max, then binning with "
          "moments) %.1f\n", (best[1] + best[3]) * 1e3, (best[0] + best[4]) * 1e3);
  return 0;
}
