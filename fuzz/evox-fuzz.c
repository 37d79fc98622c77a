/* evox-fuzz.c: the shared part of the libFuzzer harnesses (evox-fuzz.h). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"
#include "config.h"
#include "evox-fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

static char *folder;
static GHashTable *paths;

static void
remove_folder (void)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);

      g_remove (path);
    }
  g_rmdir (folder);
}

void
evox_fuzz_init (void)
{
  g_autoptr(GError) error = NULL;

  if (folder != NULL)
    return;
  /* A header may claim gigabytes; the readers must refuse them against this cap, not try. */
  g_setenv ("EVOX_MEMORY_LIMIT", "256M", FALSE);
  /* A g_return_if_fail that fires is a defect the fuzzer should stop on. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_FATAL_MASK);
  folder = g_dir_make_tmp ("evox-fuzz-XXXXXX", &error);
  if (folder == NULL)
    g_error ("evox-fuzz: %s", error->message);
  paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  atexit (remove_folder);
}

const char *
evox_fuzz_path (const char *name)
{
  char *path;

  evox_fuzz_init ();
  path = g_hash_table_lookup (paths, name);
  if (path == NULL)
    {
      path = g_build_filename (folder, name, NULL);
      g_hash_table_insert (paths, g_strdup (name), path);
    }
  return path;
}

void
evox_fuzz_write (const char   *path,
                 const guint8 *data,
                 gsize         size)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  gsize done = 0;

  if (fd < 0)
    g_error ("evox-fuzz: cannot write %s: %s", path, g_strerror (errno));
  while (done < size)
    {
      ssize_t n = write (fd, data + done, size - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("evox-fuzz: cannot write %s: %s", path, g_strerror (errno));
      done += n;
    }
  close (fd);
}

void
evox_fuzz_check_error (const GError *error,
                       const char   *path)
{
  g_autofree char *base = g_path_get_basename (path);

  if (error == NULL)
    g_error ("evox-fuzz: %s: the reader failed without an error", base);
  if (strstr (error->message, base) == NULL)
    g_error ("evox-fuzz: the error does not name %s: %s", base, error->message);
}
