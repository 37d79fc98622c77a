/* evox-demo.c: a synthetic Gr/Si anode SSRM stack, so Evox always has something real-looking. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>

#include "evox-demo.h"
#include "evox-rng.h"

/* How the demo is made: four scans of 128 x 128 pixels at 0, 43, 87 and 130 nm, like the real
 * A19 table. A graphite matrix holds ellipsoidal silicon particles, small carbon-additive grains
 * and binder patches, each with a wobbly outline and a depth extent of 40-120 nm, so the regions
 * change shape from scan to scan. Each pixel's log10 R is its component's level plus Gaussian
 * noise, a gentle lateral drift and a slight rise with depth: graphite about -4.5 and silicon about
 * 0.3 give the two main modes; carbon additive (-5.6) and binder (-1.8) are the small ones. The
 * generator is seeded, so every run gives the same numbers. */

typedef enum { GRAPHITE, SILICON, CARBON, BINDER, N_COMPONENTS } Component;

static const double levels[N_COMPONENTS] = { -4.5, 0.3, -5.6, -1.8 };
static const double spreads[N_COMPONENTS] = { 0.35, 0.4, 0.3, 0.5 };
static const double scan_depths[EVOX_DEMO_N_SCANS] = { 0.0, 43.0, 87.0, 130.0 };

typedef struct
{
  Component kind;
  double    x, y, z;     /* centre: pixels, pixels, nm */
  double    rx, ry, rz;  /* radii */
  double    phase, wobble;
} Blob;

static double
rng_range (EvoxRng *rng,
           double   lo,
           double   hi)
{
  return lo + (hi - lo) * evox_rng_uniform (rng);
}

static double
rng_gauss (EvoxRng *rng)
{
  double u = MAX (evox_rng_uniform (rng), 1e-300);
  double v = evox_rng_uniform (rng);
  return sqrt (-2.0 * log (u)) * cos (2.0 * G_PI * v);
}

static guint
make_blobs (EvoxRng *rng,
            Blob    *blobs)
{
  const struct { Component kind; guint n; double r_lo, r_hi; } recipe[] = {
    { SILICON, 14, 7.0, 16.0 },
    { BINDER, 12, 4.0, 9.0 },
    { CARBON, 30, 2.0, 4.5 },
  };
  guint n = 0;

  for (guint r = 0; r < G_N_ELEMENTS (recipe); r++)
    for (guint i = 0; i < recipe[r].n; i++)
      {
        double radius = rng_range (rng, recipe[r].r_lo, recipe[r].r_hi);
        blobs[n++] = (Blob) {
          .kind = recipe[r].kind,
          .x = rng_range (rng, 0, EVOX_DEMO_SIZE),
          .y = rng_range (rng, 0, EVOX_DEMO_SIZE),
          .z = rng_range (rng, -20, 150),
          .rx = radius * rng_range (rng, 0.7, 1.3),
          .ry = radius * rng_range (rng, 0.7, 1.3),
          .rz = rng_range (rng, 40, 120),
          .phase = rng_range (rng, 0, 2 * G_PI),
          .wobble = rng_range (rng, 0.05, 0.25),
        };
      }
  return n;
}

/* Later blobs win where they overlap, so small grains sit on top of particles. */
static Component
component_at (const Blob *blobs,
              guint       n_blobs,
              double      x,
              double      y,
              double      z)
{
  Component kind = GRAPHITE;

  for (guint i = 0; i < n_blobs; i++)
    {
      const Blob *b = &blobs[i];
      double dx = (x - b->x) / b->rx, dy = (y - b->y) / b->ry, dz = (z - b->z) / b->rz;
      double angle = atan2 (dy, dx);
      double edge = 1.0 + b->wobble * sin (3.0 * angle + b->phase + 0.02 * z);

      if (dx * dx + dy * dy + dz * dz < edge * edge)
        kind = b->kind;
    }
  return kind;
}

/**
 * evox_demo_scans_new:
 * @scans: (out caller-allocates): filled with newly allocated scans, for evox_ssrm_stack_new()
 */
void
evox_demo_scans_new (EvoxScanInput scans[EVOX_DEMO_N_SCANS])
{
  EvoxRng rng = { G_GUINT64_CONSTANT (20260101) };
  Blob blobs[64];
  guint n_blobs = make_blobs (&rng, blobs);
  const gsize n = EVOX_DEMO_SIZE;

  for (guint s = 0; s < EVOX_DEMO_N_SCANS; s++)
    {
      double z = scan_depths[s];
      float *values = g_new (float, n * n);

      for (gsize y = 0; y < n; y++)
        for (gsize x = 0; x < n; x++)
          {
            Component kind = component_at (blobs, n_blobs, x, y, z);
            double drift = 0.15 * sin (x / 23.0) * cos (y / 31.0) + 0.0015 * z;
            values[y * n + x] = (float) (levels[kind] + drift + spreads[kind] * rng_gauss (&rng));
          }
      scans[s] = (EvoxScanInput) {
        .z_nm = z,
        .label = g_strdup_printf ("R%u", s),
        .values = values,
      };
    }
}

/**
 * evox_demo_volume_new:
 * @dz_nm: layer step, usually EVOX_SSRM_DEFAULT_DZ_NM (10)
 *
 * Returns: (transfer full): the demo stack, interpolated like a real table.
 */
EvoxVolume *
evox_demo_volume_new (double dz_nm)
{
  EvoxScanInput scans[EVOX_DEMO_N_SCANS];
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume;

  evox_demo_scans_new (scans);
  volume = evox_ssrm_stack_new (EVOX_DEMO_SIZE, EVOX_DEMO_SIZE, scans, EVOX_DEMO_N_SCANS,
                                dz_nm, 1.0, EVOX_SCALE_LOG10, &error);
  if (volume == NULL)
    {
      g_warning ("demo volume: %s", error->message);
      return NULL;
    }
  evox_volume_set_metadata (volume, "source", "Evox demo: synthetic Gr/Si anode SSRM stack");
  return volume;
}
