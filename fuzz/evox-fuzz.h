/* evox-fuzz.h: what every libFuzzer harness shares: a private folder for the inputs the readers
 * need as files, the memory cap, and the checks on a failure's message. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Once per process: EVOX_MEMORY_LIMIT (256M unless set), fatal criticals, a temporary folder
 * removed at exit. */
void        evox_fuzz_init        (void);
/* folder/name inside that folder (owned by the folder; valid until exit). */
const char *evox_fuzz_path        (const char    *name);
/* Writes data to path in place (no temporary file: speed matters more than atomicity here). */
void        evox_fuzz_write       (const char    *path,
                                   const guint8  *data,
                                   gsize          size);
/* A reader that returned nothing must have said why, naming the file (its base name). */
void        evox_fuzz_check_error (const GError  *error,
                                   const char    *path);

G_END_DECLS
