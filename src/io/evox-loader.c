/* evox-loader.c: open any supported file or folder as a volume, detecting the format. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <string.h>

#include "evox-loader.h"
#include "evox-feature-file.h"
#include "evox-hdf5.h"
#include "evox-spectral-reader.h"
#include "evox-tiff.h"
#include "evox-xrm.h"

static gboolean
has_tiff_pages (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *lower = g_ascii_strdown (name, -1);
      /* Hidden files (macOS ._img1.tif) are not pages, as the TIFF reader agrees. */
      if (name[0] == '.')
        continue;
      if (g_str_has_suffix (lower, ".tif") || g_str_has_suffix (lower, ".tiff"))
        return TRUE;
    }
  return FALSE;
}

/* Text lines up to a NUL byte: a table with a NUL in a field (a damaged export), which the table
 * reader refuses naming the line and column, rather than a binary file of no known kind. */
static gboolean
is_text_until_nul (const guint8 *head,
                   gsize         n)
{
  gboolean line_end = FALSE;

  for (gsize i = 0; i < n && head[i] != '\0'; i++)
    {
      if (head[i] == '\n' || head[i] == '\r')
        line_end = TRUE;
      else if (head[i] < 0x20 && head[i] != '\t')
        return FALSE;
    }
  return line_end;
}

/**
 * evox_detect_format:
 *
 * Decides by content, not by name: TIFF magic bytes, a folder of .tif pages, or else text that
 * must be an SSRM table. Binary files that are none of these are refused here.
 */
EvoxFormat
evox_detect_format (const char  *path,
                    GError     **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) stream = NULL;
  guint8 head[512];
  gssize n;

  g_return_val_if_fail (path != NULL, EVOX_FORMAT_UNKNOWN);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      /* Xradia images or per-energy TIFFs before plain pages: a folder of energies is a stack. */
      if (evox_spectral_detect (path) != EVOX_SPECTRAL_NONE)
        return EVOX_FORMAT_SPECTRAL;
      if (has_tiff_pages (path))
        return EVOX_FORMAT_TIFF_FOLDER;
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                   "%s: folder holds no .tif or .tiff files, no .xrm files and no scan script",
                   path);
      return EVOX_FORMAT_UNKNOWN;
    }

  file = g_file_new_for_path (path);
  stream = g_file_read (file, NULL, error);
  if (stream == NULL)
    return EVOX_FORMAT_UNKNOWN;
  n = g_input_stream_read (G_INPUT_STREAM (stream), head, sizeof head, NULL, error);
  if (n < 0)
    return EVOX_FORMAT_UNKNOWN;
  if (n == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "%s: file is empty", path);
      return EVOX_FORMAT_UNKNOWN;
    }
  if (n >= 4 && (memcmp (head, "II*\0", 4) == 0 || memcmp (head, "MM\0*", 4) == 0 ||
                 memcmp (head, "II+\0", 4) == 0 || memcmp (head, "MM\0+", 4) == 0))
    return evox_spectral_detect (path) == EVOX_SPECTRAL_TIFF_ENERGIES ? EVOX_FORMAT_SPECTRAL
                                                                      : EVOX_FORMAT_TIFF;
  if (evox_xrm_has_signature (head, (gsize) n))
    return EVOX_FORMAT_XRADIA;
  if (evox_hdf5_has_signature (head, (gsize) n))
    return EVOX_FORMAT_HDF5;
  if (memchr (head, '\0', n) == NULL || is_text_until_nul (head, (gsize) n))
    return evox_spectral_detect (path) == EVOX_SPECTRAL_SSRL_SCRIPT ? EVOX_FORMAT_SPECTRAL
                                                                    : EVOX_FORMAT_SSRM_TABLE;
  if (n >= 6 && memcmp (head, "\x93NUMPY", 6) == 0)
    g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                 "%s: a NumPy matrix: open it with its coordinates (File > Open Features, "
                 "`evox FILE.npy --coords COORDS.npy`, `evox cluster --features FILE.npy "
                 "--coords COORDS.npy`), which places its rows on a grid", path);
  else if (n >= 4 && memcmp (head, "PK\3\4", 4) == 0)
    g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                 "%s: a zip archive (an .xlsx workbook?); export the sheet as CSV", path);
  else
    g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                 "%s: not a TIFF stack or a text table", path);
  return EVOX_FORMAT_UNKNOWN;
}

/* Shares of an asynchronous load that go to reading the file, the rest being the statistics and
 * fine histograms. Timed from the page cache: reading a TIFF stack takes one to two times as long
 * as its histograms (256^3 u8, 512^3 u16 and f32; more when the disk is cold); parsing the real
 * 128 x 128 SSRM table takes twice as long as its histograms, and larger tables more. */
#define TIFF_READ_SHARE 0.6
#define SSRM_READ_SHARE 0.8

static EvoxSsrmOptions *copy_options (const EvoxSsrmOptions *options);

/* What a volume was read with, kept on it for sessions (evox_volume_get_load_options). */
typedef struct
{
  EvoxSsrmOptions *ssrm;   /* NULL for files that are no SSRM table */
  guint            bin;
} ReadWith;

static void
read_with_free (gpointer data)
{
  ReadWith *with = data;

  g_clear_pointer (&with->ssrm, evox_ssrm_options_free);
  g_free (with);
}

static EvoxVolume *
remember_options (EvoxVolume             *volume,
                  EvoxFormat              format,
                  const EvoxLoadOptions  *options)
{
  ReadWith *with;

  if (volume == NULL)
    return NULL;
  with = g_new0 (ReadWith, 1);
  with->ssrm = format == EVOX_FORMAT_SSRM_TABLE ? copy_options (options->ssrm) : NULL;
  with->bin = options->bin > 1 ? options->bin : 1;
  g_object_set_data_full (G_OBJECT (volume), "evox-read-with", with, read_with_free);
  return volume;
}

gboolean
evox_volume_get_load_options (EvoxVolume       *volume,
                              EvoxLoadOptions  *options)
{
  ReadWith *with;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), FALSE);
  g_return_val_if_fail (options != NULL, FALSE);

  with = g_object_get_data (G_OBJECT (volume), "evox-read-with");
  if (with == NULL)
    return FALSE;
  memset (options, 0, sizeof *options);
  options->ssrm = with->ssrm;
  options->bin = with->bin;
  return TRUE;
}

static EvoxVolume *
read_format_only (const char             *path,
             EvoxFormat              format,
             const EvoxLoadOptions  *options,
             EvoxProgress           *progress,
             GCancellable           *cancellable,
             GError                **error)
{
  EvoxSpectralOptions spectral = { .bin = options->bin };

  switch (format)
    {
    case EVOX_FORMAT_TIFF:
    case EVOX_FORMAT_TIFF_FOLDER:
      return evox_tiff_read_with_preview (path, options->preview, progress, cancellable, error);
    case EVOX_FORMAT_SSRM_TABLE:
      return evox_ssrm_read (path, options->ssrm, progress, cancellable, error);
    case EVOX_FORMAT_XRADIA:
      return evox_xrm_load (path, options->bin, progress, cancellable, error);
    case EVOX_FORMAT_HDF5:
      return evox_hdf5_load_with_preview (path, options->bin, options->preview, progress,
                                          cancellable, error);
    case EVOX_FORMAT_SPECTRAL:
      return evox_spectral_load (path, &spectral, progress, cancellable, error);
    case EVOX_FORMAT_UNKNOWN:
    default:
      break;
    }
  g_assert_not_reached ();
  return NULL;
}

/* A TIFF stack or HDF5 dataset refused for the memory cap opens reduced, its full resolution
 * read on demand; the cap's message stands when the file cannot be read that way (several
 * channels, a flat field, binning asked for). */
static EvoxVolume *
read_reduced_instead (const char             *path,
                      EvoxFormat              format,
                      const EvoxLoadOptions  *options,
                      EvoxProgress           *progress,
                      GCancellable           *cancellable,
                      GError                **error)
{
  g_autoptr(GError) local = NULL;
  EvoxVolume *volume = NULL;

  if (!g_error_matches (*error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE) || options->bin > 1 ||
      (format != EVOX_FORMAT_TIFF && format != EVOX_FORMAT_TIFF_FOLDER &&
       format != EVOX_FORMAT_HDF5))
    return NULL;
  if (format == EVOX_FORMAT_HDF5)
    volume = evox_hdf5_read_reduced (path, options->preview, progress, cancellable, &local);
  else
    volume = evox_tiff_read_reduced (path, options->preview, progress, cancellable, &local);
  if (volume != NULL)
    g_clear_error (error);
  else if (!g_error_matches (local, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED))
    {
      /* A damaged file or a cancelled read says so rather than the cap. */
      g_clear_error (error);
      g_propagate_error (error, g_steal_pointer (&local));
    }
  return volume;
}

static EvoxVolume *
read_format (const char             *path,
             EvoxFormat              format,
             const EvoxLoadOptions  *options,
             EvoxProgress           *progress,
             GCancellable           *cancellable,
             GError                **error)
{
  GError *local = NULL;
  EvoxVolume *volume = read_format_only (path, format, options, progress, cancellable, &local);

  if (volume == NULL)
    volume = read_reduced_instead (path, format, options, progress, cancellable, &local);
  if (volume == NULL)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  return remember_options (volume, format, options);
}

/**
 * evox_volume_load:
 * @ssrm_options: (nullable): how to read SSRM tables; NULL for the defaults
 * @progress: (nullable): where to report; the reader's stages cover all of it
 * @cancellable: (nullable): checked every page or block of rows; a cancelled load fails with
 *   %G_IO_ERROR_CANCELLED
 *
 * Opens a TIFF file, a folder of TIFF pages, or an SSRM table.
 */
EvoxVolume *
evox_volume_load (const char             *path,
                  const EvoxSsrmOptions  *ssrm_options,
                  EvoxProgress           *progress,
                  GCancellable           *cancellable,
                  GError                **error)
{
  EvoxLoadOptions options = { .ssrm = ssrm_options, .bin = 1 };

  return evox_volume_load_with (path, &options, progress, cancellable, error);
}

/**
 * evox_volume_load_with:
 * @options: (nullable): how to read; NULL for the defaults
 *
 * Opens anything evox_detect_format recognises.
 */
EvoxVolume *
evox_volume_load_with (const char             *path,
                       const EvoxLoadOptions  *options,
                       EvoxProgress           *progress,
                       GCancellable           *cancellable,
                       GError                **error)
{
  EvoxLoadOptions defaults = { .ssrm = NULL, .bin = 1 };
  EvoxFormat format;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  format = evox_detect_format (path, error);
  if (format == EVOX_FORMAT_UNKNOWN)
    return NULL;
  return read_format (path, format, options != NULL ? options : &defaults, progress,
                      cancellable, error);
}

typedef struct
{
  char              *path;
  EvoxSsrmOptions   *options;
  guint              bin;
  EvoxPreviewOptions preview;
  gboolean           has_preview;
  EvoxProgress      *progress;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_free (data->path);
  evox_ssrm_options_free (data->options);
  evox_progress_unref (data->progress);
  g_free (data);
}

static EvoxSsrmOptions *
copy_options (const EvoxSsrmOptions *options)
{
  EvoxSsrmOptions *copy = evox_ssrm_options_new ();

  if (options == NULL)
    return copy;
  copy->dz_nm = options->dz_nm;
  copy->pixel_size_nm = options->pixel_size_nm;
  copy->x_column = g_strdup (options->x_column);
  copy->y_column = g_strdup (options->y_column);
  copy->scale = options->scale;
  for (guint i = 0; options->values != NULL && i < options->values->len; i++)
    g_ptr_array_add (copy->values, g_strdup (options->values->pdata[i]));
  return copy;
}

static gpointer
load_work (gpointer       task_data,
           GCancellable  *cancellable,
           GError       **error)
{
  LoadData *data = task_data;
  EvoxLoadOptions options = { .ssrm = data->options, .bin = data->bin,
                              .preview = data->has_preview ? &data->preview : NULL };
  g_autoptr(EvoxVolume) volume = NULL;
  EvoxFormat format = evox_detect_format (data->path, error);
  double read_share = format == EVOX_FORMAT_SSRM_TABLE ? SSRM_READ_SHARE : TIFF_READ_SHARE;
  gboolean built;

  if (format == EVOX_FORMAT_UNKNOWN)
    return NULL;

  evox_progress_push (data->progress, 0.0, read_share);
  volume = read_format (data->path, format, &options, data->progress, cancellable, error);
  evox_progress_pop (data->progress);
  if (volume == NULL)
    return NULL;

  /* Statistics and fine histograms are built here, off the main thread, so the first
   * threshold drag after loading never waits for a pass over the voxels. */
  evox_progress_push (data->progress, read_share, 1.0);
  built = evox_volume_build_histograms (volume, data->progress, cancellable, error);
  evox_progress_pop (data->progress);
  return built ? g_steal_pointer (&volume) : NULL;
}

/**
 * evox_volume_load_async:
 * @progress: (nullable): where the worker reports: reading, then "Building histograms"; poll
 *   it from the main thread with evox_progress_get_fraction(), which is 1 once the volume is
 *   ready
 * @cancellable: (nullable): stops the read and the histograms; the callback then gets
 *   %G_IO_ERROR_CANCELLED
 *
 * Loads on a worker thread, and builds the statistics and fine histograms there too; the
 * callback runs in the caller's main context.
 */
void
evox_volume_load_async (const char             *path,
                        const EvoxSsrmOptions  *ssrm_options,
                        EvoxProgress           *progress,
                        GCancellable           *cancellable,
                        GAsyncReadyCallback     callback,
                        gpointer                user_data)
{
  EvoxLoadOptions options = { .ssrm = ssrm_options, .bin = 1 };

  evox_volume_load_with_async (path, &options, progress, cancellable, callback, user_data);
}

/* The callback finishes with evox_volume_load_finish. */
void
evox_volume_load_with_async (const char             *path,
                             const EvoxLoadOptions  *options,
                             EvoxProgress           *progress,
                             GCancellable           *cancellable,
                             GAsyncReadyCallback     callback,
                             gpointer                user_data)
{
  LoadData *data;

  g_return_if_fail (path != NULL);

  data = g_new0 (LoadData, 1);
  data->path = g_strdup (path);
  data->options = copy_options (options != NULL ? options->ssrm : NULL);
  data->bin = options != NULL && options->bin > 1 ? options->bin : 1;
  /* The function and its data must outlive the task; the caller sees to that. */
  data->has_preview = options != NULL && options->preview != NULL;
  if (data->has_preview)
    data->preview = *options->preview;
  data->progress = evox_progress_ref (progress);
  _evox_task_run (evox_volume_load_async, load_work, data, (GDestroyNotify) load_data_free,
                  g_object_unref, cancellable, callback, user_data);
}

EvoxVolume *
evox_volume_load_finish (GAsyncResult  *result,
                         GError       **error)
{
  return _evox_task_finish (result, evox_volume_load_async, error);
}

/* Reading a feature file is one pass over text or a matrix; the histograms of D channels take
 * about as long. */
#define FEATURE_READ_SHARE 0.5

static gboolean
is_npy (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) stream = g_file_read (file, NULL, NULL);
  guint8 head[6];

  return stream != NULL &&
         g_input_stream_read (G_INPUT_STREAM (stream), head, sizeof head, NULL, NULL) == 6 &&
         memcmp (head, "\x93NUMPY", 6) == 0;
}

/**
 * evox_feature_volume_load:
 * @coords_path: (nullable): the coordinates of a .npy matrix; NULL reads a feature CSV
 *
 * Places feature vectors on their grid as a volume of one channel per feature.
 */
EvoxVolume *
evox_feature_volume_load (const char    *features_path,
                          const char    *coords_path,
                          EvoxProgress  *progress,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_autoptr(EvoxVolume) volume = NULL;
  gboolean built;

  g_return_val_if_fail (features_path != NULL, NULL);

  /* Read as a table, a matrix gives a message about bytes; say what it lacks instead. */
  if (coords_path == NULL && is_npy (features_path))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "%s: a NumPy matrix of features needs its coordinates (a second .npy file "
                   "of x, y[, z] per row)", features_path);
      return NULL;
    }
  evox_progress_set_stage (progress, "Reading", 0.0, FEATURE_READ_SHARE);
  if (coords_path != NULL)
    volume = evox_feature_file_load_npy (features_path, coords_path, error);
  else
    volume = evox_feature_file_load_csv (features_path, error);
  if (volume == NULL)
    return NULL;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  evox_progress_push (progress, FEATURE_READ_SHARE, 1.0);
  built = evox_volume_build_histograms (volume, progress, cancellable, error);
  evox_progress_pop (progress);
  return built ? g_steal_pointer (&volume) : NULL;
}

typedef struct
{
  char         *features_path;
  char         *coords_path;
  EvoxProgress *progress;
} FeatureLoadData;

static void
feature_load_data_free (FeatureLoadData *data)
{
  g_free (data->features_path);
  g_free (data->coords_path);
  evox_progress_unref (data->progress);
  g_free (data);
}

static gpointer
feature_load_work (gpointer       task_data,
                   GCancellable  *cancellable,
                   GError       **error)
{
  FeatureLoadData *data = task_data;

  return evox_feature_volume_load (data->features_path, data->coords_path, data->progress,
                                   cancellable, error);
}

/**
 * evox_feature_volume_load_async:
 *
 * evox_feature_volume_load on a worker thread; the callback runs in the caller's main context.
 */
void
evox_feature_volume_load_async (const char          *features_path,
                                const char          *coords_path,
                                EvoxProgress        *progress,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  FeatureLoadData *data;

  g_return_if_fail (features_path != NULL);

  data = g_new0 (FeatureLoadData, 1);
  data->features_path = g_strdup (features_path);
  data->coords_path = g_strdup (coords_path);
  data->progress = evox_progress_ref (progress);
  _evox_task_run (evox_feature_volume_load_async, feature_load_work, data,
                  (GDestroyNotify) feature_load_data_free, g_object_unref, cancellable, callback,
                  user_data);
}

EvoxVolume *
evox_feature_volume_load_finish (GAsyncResult  *result,
                                 GError       **error)
{
  return _evox_task_finish (result, evox_feature_volume_load_async, error);
}
