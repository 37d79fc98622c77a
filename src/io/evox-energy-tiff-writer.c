/* evox-energy-tiff-writer.c: a spectral volume as a multi-page TIFF with its energies file, or as
 * a folder of per-energy TIFFs. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "evox-energy-tiff-writer.h"
#include "evox-csv.h"
#include "evox-output.h"
#include "evox-spectral-reader.h"
#include "evox-tiff.h"
#include "evox-tiff-private.h"
#include "evox-types.h"

char *
evox_energy_tiff_folder_file (const char *folder,
                              const char *stem,
                              double      energy_ev)
{
  g_autofree char *name = NULL;
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (folder != NULL && stem != NULL, NULL);

  g_ascii_formatd (number, sizeof number, "%.1f", energy_ev);
  name = g_strdup_printf ("%s_%seV.tif", stem, number);
  return g_build_filename (folder, name, NULL);
}

static gboolean
check_energies (EvoxVolume  *volume,
                const char  *path,
                GError     **error)
{
  guint n = evox_volume_get_n_channels (volume);

  for (guint c = 0; c < n; c++)
    if (!isfinite (evox_volume_get_channel_energy (volume, c)))
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "Cannot write %s: channel %u has no energy", path, c);
        return FALSE;
      }
  return TRUE;
}

GPtrArray *
evox_energy_tiff_folder_paths (EvoxVolume  *volume,
                               const char  *folder,
                               const char  *stem,
                               GError     **error)
{
  g_autoptr(GPtrArray) paths = NULL;
  guint n;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (folder != NULL && stem != NULL, NULL);

  if (!check_energies (volume, folder, error))
    return NULL;
  n = evox_volume_get_n_channels (volume);
  paths = g_ptr_array_new_with_free_func (g_free);
  for (guint c = 0; c < n; c++)
    {
      char *path = evox_energy_tiff_folder_file (folder, stem,
                                                 evox_volume_get_channel_energy (volume, c));

      /* One decimal is what the names carry; energies closer than that would share a file. */
      for (guint j = 0; j < paths->len; j++)
        if (g_str_equal (paths->pdata[j], path))
          {
            g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                         "Cannot write %s: channels %u and %u both have energy %.1f eV to one "
                         "decimal, which names the files", folder, j, c,
                         evox_volume_get_channel_energy (volume, c));
            g_free (path);
            return NULL;
          }
      g_ptr_array_add (paths, path);
    }
  return g_steal_pointer (&paths);
}

static gboolean
refuse_existing (const char  *path,
                 GError     **error)
{
  g_autofree char *display = g_filename_display_name (path);

  g_set_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS,
               "%s already exists; choose another name or allow overwriting", display);
  return FALSE;
}

/* A 2D stack's channels as the pages of one single-channel volume (channels are contiguous, so
 * page c is channel c), which evox_tiff_write stores as a plain stack: one page per energy, the
 * layout the spectral reader pairs with the energies file line by line. */
static EvoxVolume *
pages_volume (EvoxVolume  *volume,
              GError     **error)
{
  g_autoptr(EvoxVolume) pages = NULL;
  EvoxSampleType type = evox_volume_get_sample_type (volume);
  guint n = evox_volume_get_n_channels (volume);
  gsize dims[3], bytes;
  double spacing[3];
  guint8 *dst;

  evox_volume_get_dims (volume, dims);
  pages = evox_volume_new (dims[0], dims[1], n, 1, type, error);
  if (pages == NULL)
    return NULL;
  bytes = dims[0] * dims[1] * evox_sample_type_size (type);
  dst = evox_volume_get_data_mut (pages, 0);
  for (guint c = 0; c < n; c++)
    memcpy (dst + c * bytes, evox_volume_get_data (volume, c), bytes);
  evox_volume_get_spacing (volume, spacing);
  /* The pages are energies, not depths: a z step like the pixel keeps ImageJ's view square. */
  spacing[2] = spacing[0];
  evox_volume_set_spacing (pages, spacing);
  evox_volume_set_spacing_known (pages, evox_volume_get_spacing_known (volume));
  evox_volume_set_values (pages, evox_volume_get_channel_value_scale (volume, 0),
                          evox_volume_get_channel_quantity (volume, 0),
                          evox_volume_get_channel_unit (volume, 0));
  evox_volume_freeze (pages);
  return g_steal_pointer (&pages);
}

/* The message names the temporary; the user asked for the final name. */
static void
rename_in_message (GError     **error,
                   const char  *tmp,
                   const char  *path)
{
  g_autoptr(GString) message = NULL;

  if (error == NULL || *error == NULL)
    return;
  message = g_string_new ((*error)->message);
  g_string_replace (message, tmp, path, 0);
  g_free ((*error)->message);
  (*error)->message = g_string_free (g_steal_pointer (&message), FALSE);
}

gboolean
evox_energy_tiff_write_stack (EvoxVolume  *volume,
                              const char  *path,
                              gboolean     force,
                              GError     **error)
{
  return evox_energy_tiff_write_stack_with_provenance (volume, path, force, NULL, error);
}

gboolean
evox_energy_tiff_write_stack_with_provenance (EvoxVolume  *volume,
                                              const char  *path,
                                              gboolean     force,
                                              const char  *provenance,
                                              GError     **error)
{
  g_autofree char *energies_path = NULL;
  g_autoptr(GString) text = NULL;
  g_autoptr(EvoxVolume) pages = NULL;
  g_autofree char *energies_tmp = NULL;
  EvoxTiffWriteFlags flags = EVOX_TIFF_WRITE_F32 | (force ? EVOX_TIFF_WRITE_OVERWRITE : 0);
  gsize dims[3];
  guint n;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_energies (volume, path, error))
    return FALSE;
  energies_path = evox_spectral_energies_path (path);
  if (energies_path == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Cannot write %s: a stack with energies is a .tif or .tiff file", path);
      return FALSE;
    }
  /* Both are checked before either is written, so a refusal leaves nothing behind. */
  if (!force && g_file_test (path, G_FILE_TEST_EXISTS))
    return refuse_existing (path, error);
  if (!force && g_file_test (energies_path, G_FILE_TEST_EXISTS))
    return refuse_existing (energies_path, error);
  /* A folder under either name would fail its rename after the other was replaced. */
  for (guint i = 0; i < 2; i++)
    if (g_file_test (i == 0 ? path : energies_path, G_FILE_TEST_IS_DIR))
      {
        g_autofree char *display = g_filename_display_name (i == 0 ? path : energies_path);

        g_set_error (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY,
                     "Cannot write %s: a folder has that name", display);
        return FALSE;
      }

  evox_volume_get_dims (volume, dims);
  n = evox_volume_get_n_channels (volume);
  if (dims[2] > 1)
    {
      /* A volume per energy is no page per energy: the hyperstack carries the energies in its
       * description, and an energies file beside it would pair its lines with the wrong pages
       * (an old one is removed for that reason). */
      if (!evox_tiff_write_with_provenance (volume, -1, path, flags, provenance, error))
        return FALSE;
      g_unlink (energies_path);
      return TRUE;
    }

  text = g_string_new (NULL);
  for (guint c = 0; c < n; c++)
    {
      evox_csv_append_double (text, evox_volume_get_channel_energy (volume, c));
      g_string_append_c (text, '\n');
    }
  pages = pages_volume (volume, error);
  if (pages == NULL)
    return FALSE;
  /* The energies under a temporary name first, renamed once the stack is in place: a failure of
   * either leaves a pair that --force would replace as it was. */
  energies_tmp = _evox_output_new_temporary (energies_path, error);
  if (energies_tmp == NULL)
    return FALSE;
  if (!evox_csv_write_text (energies_tmp, text->str, text->len, TRUE, error))
    {
      rename_in_message (error, energies_tmp, energies_path);
      g_unlink (energies_tmp);
      return FALSE;
    }
  /* Each page keeps its channel's label and meaning: the energies file holds energies only. */
  if (!_evox_tiff_write_pages (pages, volume, path, flags, provenance, error))
    {
      g_unlink (energies_tmp);
      return FALSE;
    }
  if (g_rename (energies_tmp, energies_path) != 0)
    {
      int saved_errno = errno;

      /* A stack without its energies would open as a plain volume: better none. */
      _evox_output_set_write_error (error, saved_errno, energies_path);
      g_unlink (energies_tmp);
      g_unlink (path);
      return FALSE;
    }
  return TRUE;
}

/* Hidden temporaries beside their final names, removed on failure. */
typedef struct
{
  GPtrArray *temporaries;
} FolderWrite;

static void
folder_write_clear (FolderWrite *write)
{
  if (write->temporaries == NULL)
    return;
  for (guint i = 0; i < write->temporaries->len; i++)
    if (write->temporaries->pdata[i] != NULL)
      g_unlink (write->temporaries->pdata[i]);
  g_clear_pointer (&write->temporaries, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FolderWrite, folder_write_clear)

gboolean
evox_energy_tiff_write_folder (EvoxVolume  *volume,
                               const char  *folder,
                               const char  *stem,
                               gboolean     force,
                               GError     **error)
{
  return evox_energy_tiff_write_folder_with_provenance (volume, folder, stem, force, NULL, error);
}

gboolean
evox_energy_tiff_write_folder_with_provenance (EvoxVolume  *volume,
                                               const char  *folder,
                                               const char  *stem,
                                               gboolean     force,
                                               const char  *provenance,
                                               GError     **error)
{
  g_autoptr(GPtrArray) paths = NULL;
  g_auto(FolderWrite) write = { NULL };
  guint n;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), FALSE);
  g_return_val_if_fail (folder != NULL && stem != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  paths = evox_energy_tiff_folder_paths (volume, folder, stem, error);
  if (paths == NULL)
    return FALSE;
  if (!g_file_test (folder, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "Cannot write %s: not a folder",
                   folder);
      return FALSE;
    }
  for (guint c = 0; !force && c < paths->len; c++)
    if (g_file_test (paths->pdata[c], G_FILE_TEST_EXISTS))
      return refuse_existing (paths->pdata[c], error);
  /* A folder under a file's name would fail its rename after others had replaced theirs: a
   * folder of old and new energies. Refused before anything is written. */
  for (guint c = 0; c < paths->len; c++)
    if (g_file_test (paths->pdata[c], G_FILE_TEST_IS_DIR))
      {
        g_autofree char *display = g_filename_display_name (paths->pdata[c]);

        g_set_error (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY,
                     "Cannot write %s: a folder has that name", display);
        return FALSE;
      }

  n = evox_volume_get_n_channels (volume);
  write.temporaries = g_ptr_array_new_with_free_func (g_free);
  for (guint c = 0; c < n; c++)
    {
      char *tmp = _evox_output_new_temporary (paths->pdata[c], error);

      if (tmp == NULL)
        return FALSE;
      g_ptr_array_add (write.temporaries, tmp);
      if (!evox_tiff_write_with_provenance (volume, (int) c, tmp,
                                            EVOX_TIFF_WRITE_F32 | EVOX_TIFF_WRITE_OVERWRITE,
                                            provenance, error))
        {
          rename_in_message (error, tmp, paths->pdata[c]);
          return FALSE;
        }
    }
  for (guint c = 0; c < n; c++)
    {
      if (g_rename (write.temporaries->pdata[c], paths->pdata[c]) != 0)
        {
          int saved_errno = errno;

          /* The ones already in place stay: they are complete files. */
          _evox_output_set_write_error (error, saved_errno, paths->pdata[c]);
          return FALSE;
        }
      /* Renamed: nothing left to remove under that name. */
      g_clear_pointer (&write.temporaries->pdata[c], g_free);
    }
  return TRUE;
}
