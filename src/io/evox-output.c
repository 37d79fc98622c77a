/* evox-output.c: files are created beside their final name and renamed into place when whole. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "evox-output.h"
#include "evox-types.h"

void
_evox_output_set_write_error (GError     **error,
                              int          saved_errno,
                              const char  *path)
{
  g_autofree char *display = g_filename_display_name (path);

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "Cannot write %s: %s",
               display, g_strerror (saved_errno));
}

gboolean
_evox_output_check_space (const char  *path,
                          guint64      bytes,
                          GError     **error)
{
  g_autofree char *folder = g_path_get_dirname (path);
  g_autoptr(GFile) file = g_file_new_for_path (folder);
  g_autoptr(GFileInfo) info = NULL;
  guint64 free_bytes;

  info = g_file_query_filesystem_info (file, G_FILE_ATTRIBUTE_FILESYSTEM_FREE, NULL, NULL);
  if (info == NULL || !g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE))
    return TRUE;
  free_bytes = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
  if (free_bytes < bytes)
    {
      g_autofree char *display = g_filename_display_name (path);
      g_autofree char *need = g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
      g_autofree char *have = g_format_size_full (free_bytes, G_FORMAT_SIZE_IEC_UNITS);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   "Cannot write %s: it needs %s and the disk has %s free", display, need, have);
      return FALSE;
    }
  return TRUE;
}

gboolean
_evox_output_write_bytes (int            fd,
                          const void    *data,
                          gsize          length,
                          const char    *path,
                          GError       **error)
{
  const guint8 *next = data;
  int saved_errno = 0;

  while (length > 0 && saved_errno == 0)
    {
      gssize n = write (fd, next, length);

      if (n < 0 && errno != EINTR)
        saved_errno = errno;
      else if (n > 0)
        {
          next += n;
          length -= (gsize) n;
        }
    }
  /* A full disk can stay hidden until the data reaches it: make it show before the rename. */
  if (saved_errno == 0 && fsync (fd) != 0 && errno != EINVAL)
    saved_errno = errno;
  if (close (fd) != 0 && saved_errno == 0)
    saved_errno = errno;
  if (saved_errno != 0)
    {
      _evox_output_set_write_error (error, saved_errno, path);
      return FALSE;
    }
  return TRUE;
}

/* The temporary goes in path's folder, so the rename stays on one file system and is atomic. */
static int
open_temporary (const char  *path,
                char       **tmp_path,
                GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *name = g_strdup_printf (".%s.XXXXXX", base);
  g_autofree char *tmpl = g_build_filename (dir, name, NULL);
  int fd = g_mkstemp_full (tmpl, O_RDWR | O_CLOEXEC, 0666);

  if (fd < 0)
    {
      _evox_output_set_write_error (error, errno, path);
      return -1;
    }
  *tmp_path = g_steal_pointer (&tmpl);
  return fd;
}

char *
_evox_output_new_temporary (const char  *path,
                            GError     **error)
{
  char *tmp_path = NULL;
  int fd = open_temporary (path, &tmp_path, error);

  if (fd < 0)
    return NULL;
  close (fd);
  return tmp_path;
}

/* One of write_fd and write_file writes the temporary: through its fd, or by its name once the
 * fd is closed. */
static gboolean
write_through_temporary (const char               *path,
                         gboolean                  overwrite,
                         EvoxOutputWriteFunc       write_fd,
                         EvoxOutputWriteFileFunc   write_file,
                         gpointer                  user_data,
                         GError                  **error)
{
  g_autofree char *tmp_path = NULL;
  gboolean written;
  int fd;

  if (!overwrite && g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS,
                   "%s already exists; choose another name or allow overwriting", display);
      return FALSE;
    }

  fd = open_temporary (path, &tmp_path, error);
  if (fd < 0)
    return FALSE;
  if (write_fd != NULL)
    written = write_fd (fd, path, user_data, error);
  else
    {
      close (fd);
      written = write_file (tmp_path, path, user_data, error);
    }
  if (!written)
    {
      g_unlink (tmp_path);
      return FALSE;
    }
  if (g_rename (tmp_path, path) != 0)
    {
      int saved_errno = errno;

      g_unlink (tmp_path);
      _evox_output_set_write_error (error, saved_errno, path);
      return FALSE;
    }
  return TRUE;
}

gboolean
_evox_output_write (const char           *path,
                    gboolean              overwrite,
                    EvoxOutputWriteFunc   write,
                    gpointer              user_data,
                    GError              **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (write != NULL, FALSE);

  return write_through_temporary (path, overwrite, write, NULL, user_data, error);
}

gboolean
_evox_output_write_file (const char               *path,
                         gboolean                  overwrite,
                         EvoxOutputWriteFileFunc   write,
                         gpointer                  user_data,
                         GError                  **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (write != NULL, FALSE);

  return write_through_temporary (path, overwrite, NULL, write, user_data, error);
}
