/* fuzz-main.c: libFuzzer's entry points for the reader named by EVOX_FUZZ_READER at compile
 * time (one executable per reader, fuzz/meson.build). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "evox-fuzz.h"
#include "evox-fuzz-targets.h"

static EvoxFuzzTarget target;

int LLVMFuzzerInitialize (int    *argc,
                          char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  /* Each execution writes its input to a file: keep that in memory when /dev/shm exists. */
  if (g_getenv ("TMPDIR") == NULL && g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR))
    g_setenv ("TMPDIR", "/dev/shm", TRUE);
  evox_fuzz_init ();
  target = evox_fuzz_find_target (EVOX_FUZZ_READER);
  if (target == NULL)
    g_error ("evox-fuzz: no reader %s", EVOX_FUZZ_READER);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  target (data, size);
  return 0;
}
