/* evox-maps-writer.c: maps derived from a spectral stack (XANES, elements, the normalised stack)
 * written as one HDF5 file or as TIFFs under a prefix, all or nothing. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "evox-maps-writer.h"
#include "evox-energy-tiff-writer.h"
#include "evox-hdf5.h"
#include "evox-spectral-reader.h"
#include "evox-tiff.h"

/* A label as a file name's part, as `evox xanes` writes it: what a shell or a file system might
 * take otherwise becomes '_'. */
static char *
file_part (const char *label)
{
  char *part = g_strdup (label != NULL && *label != '\0' ? label : "map");

  for (char *p = part; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      *p = '_';
  return part;
}

static gboolean
has_energy (EvoxVolume *maps,
            guint       channel)
{
  return isfinite (evox_volume_get_channel_energy (maps, channel));
}

static gboolean
has_suffix_nocase (const char *path,
                   const char *suffix)
{
  gsize lp = strlen (path), ls = strlen (suffix);

  return lp > ls && g_ascii_strcasecmp (path + lp - ls, suffix) == 0;
}

char *
evox_maps_tiff_path (const char *path,
                     const char *label)
{
  const char *dot;
  g_autofree char *prefix = NULL;
  g_autofree char *part = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  dot = strrchr (path, '.');
  prefix = dot != NULL && strchr (dot, G_DIR_SEPARATOR) == NULL
           ? g_strndup (path, (gsize) (dot - path)) : g_strdup (path);
  part = file_part (label);
  return g_strdup_printf ("%s_%s.tif", prefix, part);
}

GPtrArray *
evox_maps_dup_tiff_paths (EvoxVolume *maps,
                          const char *path)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  gboolean stack = FALSE;

  g_return_val_if_fail (EVOX_IS_VOLUME (maps), paths);
  for (guint c = 0; c < evox_volume_get_n_channels (maps); c++)
    {
      if (has_energy (maps, c))
        stack = TRUE;
      else
        g_ptr_array_add (paths, evox_maps_tiff_path (path,
                                                     evox_volume_get_channel_label (maps, c)));
    }
  if (stack)
    g_ptr_array_add (paths, evox_maps_tiff_path (path, EVOX_MAPS_NORM_STACK));
  return paths;
}

/* The channels with energies (the normalised stack) as a volume of their own, sharing nothing
 * with maps, for the energy-stack writer. */
static EvoxVolume *
energy_channels (EvoxVolume  *maps,
                 GError     **error)
{
  g_autoptr(GArray) channels = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(EvoxVolume) out = NULL;
  gsize dims[3];

  for (guint c = 0; c < evox_volume_get_n_channels (maps); c++)
    if (has_energy (maps, c))
      g_array_append_val (channels, c);
  evox_volume_get_dims (maps, dims);
  out = evox_volume_new (dims[0], dims[1], dims[2], channels->len, EVOX_SAMPLE_F32, error);
  if (out == NULL)
    return NULL;
  for (guint i = 0; i < channels->len; i++)
    {
      guint c = g_array_index (channels, guint, i);

      memcpy (evox_volume_get_data_mut (out, i), evox_volume_get_data (maps, c),
              evox_volume_get_n_voxels (maps) * sizeof (float));
      evox_volume_set_channel_info (out, i, evox_volume_get_channel_label (maps, c),
                                    evox_volume_get_channel_energy (maps, c));
      evox_volume_set_channel_values (out, i, evox_volume_get_channel_value_scale (maps, c),
                                      evox_volume_get_channel_quantity (maps, c),
                                      evox_volume_get_channel_unit (maps, c));
    }
  evox_volume_copy_grid (out, maps);
  evox_volume_freeze (out);
  return g_steal_pointer (&out);
}

/* The staging folder and what has been written into it; removed with it unless moved. */
typedef struct
{
  char *folder;
} Stage;

static void
stage_clear (Stage *stage)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (stage->folder == NULL)
    return;
  dir = g_dir_open (stage->folder, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (stage->folder, name, NULL);

      g_unlink (path);
    }
  g_rmdir (stage->folder);
  g_clear_pointer (&stage->folder, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Stage, stage_clear)

/* Messages name the staged file; the user asked for the one beside it. */
static void
unstage_message (GError     **error,
                 const char  *stage,
                 const char  *folder)
{
  g_autoptr(GString) message = NULL;

  if (error == NULL || *error == NULL)
    return;
  message = g_string_new ((*error)->message);
  g_string_replace (message, stage, folder, 0);
  g_free ((*error)->message);
  (*error)->message = g_string_free (g_steal_pointer (&message), FALSE);
}

static gboolean
exists_error (const char  *path,
              GError     **error)
{
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS, "%s: exists already", path);
  return FALSE;
}

/* The layout of a .tif path, written under the staging folder with the final names: a TIFF per
 * map, the normalised stack as one energy stack PREFIX_norm.tif (with its energies file for a
 * 2D stack). */
static gboolean
write_tiffs (EvoxVolume    *maps,
             const char    *path,
             const char    *staged,
             const char    *provenance,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GPtrArray) paths = evox_maps_dup_tiff_paths (maps, path);
  guint next = 0;

  for (guint c = 0; c < evox_volume_get_n_channels (maps); c++)
    {
      g_autofree char *name = NULL;
      g_autofree char *temp = NULL;

      if (has_energy (maps, c))
        continue;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      name = g_path_get_basename (paths->pdata[next++]);
      temp = g_build_filename (staged, name, NULL);
      if (!evox_tiff_write_with_provenance (maps, (int) c, temp, EVOX_TIFF_WRITE_F32,
                                            provenance, error))
        return FALSE;
    }
  if (next < paths->len)
    {
      g_autofree char *name = g_path_get_basename (paths->pdata[next]);
      g_autofree char *temp = g_build_filename (staged, name, NULL);
      g_autoptr(EvoxVolume) stack = energy_channels (maps, error);

      if (stack == NULL ||
          !evox_energy_tiff_write_stack_with_provenance (stack, temp, TRUE, provenance, error))
        return FALSE;
    }
  return TRUE;
}

/* Every file a path gets, for the refusal before anything is written: the .h5 itself, or the
 * TIFFs and the normalised stack's energies file (which a 3D stack has not, but an old one
 * would be paired with its pages), also given as energies (NULL: no stack). */
static GPtrArray *
dup_outputs (EvoxVolume  *maps,
             const char  *path,
             gboolean     hdf5,
             char       **energies)
{
  GPtrArray *paths = NULL;

  *energies = NULL;
  if (hdf5)
    {
      paths = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (paths, g_strdup (path));
      return paths;
    }
  paths = evox_maps_dup_tiff_paths (maps, path);
  for (guint c = 0; c < evox_volume_get_n_channels (maps) && *energies == NULL; c++)
    if (has_energy (maps, c))
      *energies = evox_spectral_energies_path (paths->pdata[paths->len - 1]);
  if (*energies != NULL)
    g_ptr_array_add (paths, g_strdup (*energies));
  return paths;
}

/* Moves every staged file beside the folder, refusing (unless overwrite) one that has appeared
 * since the check before the work. */
static gboolean
unstage (Stage       *stage,
         const char  *folder,
         gboolean     overwrite,
         GError     **error)
{
  g_autoptr(GDir) dir = g_dir_open (stage->folder, 0, error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  for (guint i = 0; !overwrite && i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (folder, names->pdata[i], NULL);

      if (g_file_test (path, G_FILE_TEST_EXISTS))
        return exists_error (path, error);
    }
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *from = g_build_filename (stage->folder, names->pdata[i], NULL);
      g_autofree char *to = g_build_filename (folder, names->pdata[i], NULL);

      if (g_rename (from, to) != 0)
        {
          int saved_errno = errno;

          /* Those moved already are complete files; the rest go with the folder. */
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       "Cannot write %s: %s", to, g_strerror (saved_errno));
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
evox_maps_write (EvoxVolume  *maps,
                 const char  *path,
                 gboolean     overwrite,
                 GError     **error)
{
  return evox_maps_write_full (maps, path, overwrite, NULL, error);
}

gboolean
evox_maps_write_full (EvoxVolume    *maps,
                      const char    *path,
                      gboolean       overwrite,
                      GCancellable  *cancellable,
                      GError       **error)
{
  return evox_maps_write_with_provenance (maps, path, overwrite, NULL, cancellable, error);
}

gboolean
evox_maps_write_with_provenance (EvoxVolume    *maps,
                                 const char    *path,
                                 gboolean       overwrite,
                                 const char    *provenance,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  gboolean hdf5, ok;
  g_autofree char *folder = NULL;
  g_autofree char *tmpl = NULL;
  g_autoptr(GPtrArray) outputs = NULL;
  g_autofree char *energies = NULL;
  gboolean stale = FALSE;
  g_auto(Stage) stage = { NULL };

  g_return_val_if_fail (EVOX_IS_VOLUME (maps), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  hdf5 = has_suffix_nocase (path, ".h5") || has_suffix_nocase (path, ".hdf5");
  if (!hdf5 && !has_suffix_nocase (path, ".tif") && !has_suffix_nocase (path, ".tiff"))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "%s: name the file .h5 (one HDF5 file) or .tif (one TIFF per map)", path);
      return FALSE;
    }
  outputs = dup_outputs (maps, path, hdf5, &energies);
  for (guint i = 0; !overwrite && i < outputs->len; i++)
    if (g_file_test (outputs->pdata[i], G_FILE_TEST_EXISTS))
      return exists_error (outputs->pdata[i], error);

  /* Everything into a hidden folder beside the output first, moved into place once complete:
   * a failure or a cancellation leaves nothing, and no half-written file under its name. */
  folder = g_path_get_dirname (path);
  tmpl = g_build_filename (folder, ".evox-maps-XXXXXX", NULL);
  if (g_mkdtemp (tmpl) == NULL)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot write %s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }
  stage.folder = g_strdup (tmpl);
  if (hdf5)
    {
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *temp = g_build_filename (stage.folder, base, NULL);

      ok = evox_hdf5_write_with_provenance (maps, temp, TRUE, provenance, NULL, cancellable,
                                            error);
    }
  else
    ok = write_tiffs (maps, path, stage.folder, provenance, cancellable, error);
  if (!ok || g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      unstage_message (error, stage.folder, folder);
      return FALSE;
    }
  if (energies != NULL)
    {
      g_autofree char *base = g_path_get_basename (energies);
      g_autofree char *temp = g_build_filename (stage.folder, base, NULL);

      stale = !g_file_test (temp, G_FILE_TEST_EXISTS);
    }
  if (!unstage (&stage, folder, overwrite, error))
    return FALSE;
  /* A 3D energy stack is a hyperstack without an energies file: an old one beside it (replaced
   * with overwrite) would pair its lines with the wrong pages. */
  if (stale)
    g_unlink (energies);
  return TRUE;
}
