/* evox-fuzz-targets.h: one function per reader that reads one input from memory, shared by the
 * libFuzzer harnesses (fuzz-main.c) and the replay of saved crashes in tests/test-fuzz.c. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Reads data with one reader; aborts (g_error, or a sanitizer) on anything but a result or an
 * error that names the file. */
typedef void (*EvoxFuzzTarget) (const guint8 *data,
                                gsize         size);

typedef struct
{
  const char     *name;     /* as in `./dev fuzz NAME` and tests/data/fuzz-regressions/NAME */
  EvoxFuzzTarget  run;
} EvoxFuzzReader;

/* Every reader, ending with { NULL, NULL }. */
extern const EvoxFuzzReader evox_fuzz_readers[];

EvoxFuzzTarget evox_fuzz_find_target (const char *name);

G_END_DECLS
