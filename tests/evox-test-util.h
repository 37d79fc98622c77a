/* evox-test-util.h: helpers shared by the test suites (test data location, temp folders). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Path of FILE under EVOX_TEST_DATA, or NULL after g_test_skip() when the data is absent. */
char *evox_test_data_path (const char *relative);
/* A fresh temporary folder, removed with its contents by evox_test_tmpdir_free(). */
char *evox_test_tmpdir_new (void);
void  evox_test_tmpdir_free (char *dir);

/* How many entries a folder holds (hidden temporaries included): nothing left behind. */
guint evox_test_count_entries (const char *dir);

G_END_DECLS
