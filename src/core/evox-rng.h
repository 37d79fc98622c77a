/* evox-rng.h: SplitMix64, the seeded generator the synthetic volumes draw from, so one seed
 * makes one volume on every platform and in every release. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 state;
} EvoxRng;

static inline guint64
evox_rng_next (EvoxRng *rng)
{
  guint64 z = (rng->state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* Uniform in [0, 1): the top 53 bits. */
static inline double
evox_rng_uniform (EvoxRng *rng)
{
  return (evox_rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
}

G_END_DECLS
