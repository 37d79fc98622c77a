/* evox-output.h: how every writer creates a file: never over an existing one unless asked, and
 * never half-written (a hidden temporary beside it, renamed into place when complete). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Writes the whole file into fd (the callee closes fd, or not: the caller never uses it again);
 * path is for messages. */
typedef gboolean (*EvoxOutputWriteFunc) (int          fd,
                                         const char  *path,
                                         gpointer     user_data,
                                         GError     **error);

/* EVOX_ERROR_EXISTS when path exists and overwrite is FALSE; otherwise write() into a temporary
 * file in path's folder, then rename it to path. On any failure the temporary is removed and path
 * is left as it was. */
gboolean _evox_output_write (const char           *path,
                             gboolean              overwrite,
                             EvoxOutputWriteFunc   write,
                             gpointer              user_data,
                             GError              **error);

/* Writes the whole file by its name, tmp_path: an empty file made for it, to be opened and
 * written or replaced; path is for messages. */
typedef gboolean (*EvoxOutputWriteFileFunc) (const char  *tmp_path,
                                             const char  *path,
                                             gpointer     user_data,
                                             GError     **error);

/* The same as _evox_output_write() for a library that opens its files by name (HDF5). */
gboolean _evox_output_write_file (const char               *path,
                                  gboolean                  overwrite,
                                  EvoxOutputWriteFileFunc   write,
                                  gpointer                  user_data,
                                  GError                  **error);

/* An empty hidden temporary made beside path (same folder, so a rename into place is atomic), for
 * a writer that renames several files into place together; returns its name, or NULL with
 * "Cannot write PATH: reason". */
char    *_evox_output_new_temporary (const char  *path,
                                     GError     **error);

/* For an EvoxOutputWriteFunc that made its file in memory: writes all of data into fd, syncs it
 * and closes fd; FALSE with "Cannot write PATH: reason". */
gboolean _evox_output_write_bytes (int           fd,
                                   const void   *data,
                                   gsize         length,
                                   const char   *path,
                                   GError      **error);

/* G_IO_ERROR_NO_SPACE ("Cannot write PATH: it needs X and the disk has Y free") when path's
 * folder has less than bytes free, so a big file is refused before it is half-written; TRUE when
 * the free space cannot be known (the write then says what went wrong). */
gboolean _evox_output_check_space (const char  *path,
                                   guint64      bytes,
                                   GError     **error);

/* "Cannot write PATH: reason" in G_IO_ERROR, for errno after a failed write, fsync or close. */
void     _evox_output_set_write_error (GError     **error,
                                       int          saved_errno,
                                       const char  *path);

G_END_DECLS
