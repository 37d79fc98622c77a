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

/* The TIFF layout's name for the channels with energies. */
#define NORM_STACK "norm"

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

GPtrArray *
evox_maps_dup_tiff_paths (EvoxVolume *maps,
                          const char *path)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  const char *dot = strrchr (path, '.');
  g_autofree char *prefix = dot != NULL && strchr (dot, G_DIR_SEPARATOR) == NULL
                            ? g_strndup (path, (gsize) (dot - path)) : g_strdup (path);
  gboolean stack = FALSE;

  g_return_val_if_fail (EVOX_IS_VOLUME (maps), paths);
  for (guint c = 0; c < evox_volume_get_n_channels (maps); c++)
    {
      g_autofree char *part = file_part (evox_volume_get_channel_label (maps, c));

      if (has_energy (maps, c))
        stack = TRUE;
      else
        g_ptr_array_add (paths, g_strdup_printf ("%s_%s.tif", prefix, part));
    }
  if (stack)
    g_ptr_array_add (paths, g_strdup_printf ("%s_%s.tif", prefix, NORM_STACK));
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
  double spacing[3], origin[3];

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
  evox_volume_get_spacing (maps, spacing);
  evox_volume_set_spacing (out, spacing);
  evox_volume_set_spacing_known (out, evox_volume_get_spacing_known (maps));
  evox_volume_get_origin (maps, origin);
  evox_volume_set_origin (out, origin);
  evox_volume_freeze (out);
  return g_steal_pointer (&out);
}

/* ".part-NAME" beside path: hidden, and with the extension the writers go by. */
static char *
part_path (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *name = g_strconcat (".part-", base, NULL);

  return g_build_filename (dir, name, NULL);
}

/* The layout `evox xanes -o PREFIX.tif` writes: a TIFF per map, the normalised stack as one
 * energy stack PREFIX_norm.tif (with its energies file for a 2D stack). */
static gboolean
write_tiffs (EvoxVolume  *maps,
             const char  *path,
             gboolean     overwrite,
             GError     **error)
{
  g_autoptr(GPtrArray) paths = evox_maps_dup_tiff_paths (maps, path);
  g_autoptr(GPtrArray) finals = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) temps = g_ptr_array_new_with_free_func (g_free);
  guint next = 0;
  gboolean ok = TRUE;

  for (guint i = 0; i < paths->len; i++)
    {
      g_ptr_array_add (finals, g_strdup (paths->pdata[i]));
      if (i == paths->len - 1 && g_str_has_suffix (paths->pdata[i], "_" NORM_STACK ".tif"))
        g_ptr_array_add (finals, evox_spectral_energies_path (paths->pdata[i]));
    }
  for (guint i = 0; i < finals->len; i++)
    if (!overwrite && g_file_test (finals->pdata[i], G_FILE_TEST_EXISTS))
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS, "%s exists",
                     (const char *) finals->pdata[i]);
        return FALSE;
      }
  for (guint i = 0; i < finals->len; i++)
    g_ptr_array_add (temps, part_path (finals->pdata[i]));

  /* Everything under hidden names first: nothing appears unless all of it is complete. */
  for (guint c = 0; c < evox_volume_get_n_channels (maps) && ok; c++)
    if (!has_energy (maps, c))
      ok = evox_tiff_write (maps, (int) c, temps->pdata[next++],
                            EVOX_TIFF_WRITE_F32 | EVOX_TIFF_WRITE_OVERWRITE, error);
  if (ok && next < paths->len)
    {
      g_autoptr(EvoxVolume) stack = energy_channels (maps, error);

      ok = stack != NULL && evox_energy_tiff_write_stack (stack, temps->pdata[next], TRUE, error);
    }
  for (guint i = 0; i < temps->len && ok; i++)
    if (g_file_test (temps->pdata[i], G_FILE_TEST_EXISTS) &&
        g_rename (temps->pdata[i], finals->pdata[i]) != 0)
      {
        int saved = errno;

        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s: %s",
                     (const char *) finals->pdata[i], g_strerror (saved));
        ok = FALSE;
      }
  if (!ok)
    for (guint i = 0; i < temps->len; i++)
      g_remove (temps->pdata[i]);
  return ok;
}

gboolean
evox_maps_write (EvoxVolume  *maps,
                 const char  *path,
                 gboolean     overwrite,
                 GError     **error)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (maps), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (g_str_has_suffix (path, ".h5") || g_str_has_suffix (path, ".hdf5"))
    return evox_hdf5_write (maps, path, overwrite, NULL, NULL, error);
  if (g_str_has_suffix (path, ".tif") || g_str_has_suffix (path, ".tiff"))
    return write_tiffs (maps, path, overwrite, error);
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
               "%s: name the file .h5 (one HDF5 file) or .tif (one TIFF per map)", path);
  return FALSE;
}
