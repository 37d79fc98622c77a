/* evox-fuzz-targets.c: what each fuzzed reader does with one input (evox-fuzz-targets.h). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"
#include "config.h"
#include "evox-fuzz-targets.h"

#include <string.h>

#include "evox-demo.h"
#include "evox-document.h"
#include "evox-feature-file.h"
#include "evox-fuzz.h"
#include "evox-hdf5.h"
#include "evox-loader.h"
#include "evox-session.h"
#include "evox-spectral-reader.h"
#include "evox-ssrm-reader.h"
#include "evox-tiff.h"
#include "evox-tilt-reader.h"
#include "evox-xrm.h"
#include "evox-test-xrm.h"

static volatile double sink;

/* Whatever loaded must be usable: statistics and fine histograms of every channel, and every
 * voxel readable (ASan checks the reads). */
static void
use_volume (EvoxVolume *volume)
{
  gsize n = evox_volume_get_n_voxels (volume)
            * evox_sample_type_size (evox_volume_get_sample_type (volume));

  /* Statistics are built on first use. */
  for (guint c = 0; c < evox_volume_get_n_channels (volume); c++)
    {
      const guint8 *bytes = evox_volume_get_data (volume, c);

      if (evox_volume_get_stats (volume, c) == NULL ||
          evox_volume_get_fine_histogram (volume, c) == NULL)
        g_error ("evox-fuzz: a loaded volume without statistics");
      if (n > 0)
        sink += bytes[0] + bytes[n - 1];
    }
}

/* A volume through the loader, as the window and the command line open the file. */
static void
load_volume (const char   *name,
             const guint8 *data,
             gsize         size)
{
  const char *path = evox_fuzz_path (name);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;

  evox_fuzz_write (path, data, size);
  volume = evox_volume_load (path, NULL, NULL, NULL, &error);
  if (volume == NULL)
    evox_fuzz_check_error (error, path);
  else
    use_volume (volume);
}

/* SSRM tables: parsed from memory (not NUL-terminated, as libFuzzer passes them), and sniffed
 * from a file as the open dialog does. */
static void
fuzz_ssrm (const guint8 *data,
           gsize         size)
{
  const char *path = evox_fuzz_path ("table.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxSsrmLayout) layout = NULL;

  volume = evox_ssrm_parse ("table.csv", (const char *) data, size, NULL, NULL, NULL, &error);
  if (volume == NULL)
    evox_fuzz_check_error (error, path);
  else
    {
      use_volume (volume);
    }
  g_clear_error (&error);
  evox_fuzz_write (path, data, size);
  layout = evox_ssrm_sniff (path, &error);
  if (layout == NULL)
    evox_fuzz_check_error (error, path);
}

static void
fuzz_tiff (const guint8 *data,
           gsize         size)
{
  load_volume ("stack.tif", data, size);
}

static void
fuzz_xrm (const guint8 *data,
          gsize         size)
{
  load_volume ("scan.txrm", data, size);
}

/* Evox's Data Exchange reader: the summary `evox info` prints, then the volume. */
static void
fuzz_hdf5 (const guint8 *data,
           gsize         size)
{
  const char *path = evox_fuzz_path ("data.h5");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxHdf5Info) info = NULL;

  evox_fuzz_write (path, data, size);
  info = evox_hdf5_read_info (path, &error);
  if (info == NULL)
    evox_fuzz_check_error (error, path);
  load_volume ("data.h5", data, size);
}

/* A matrix whose every value was in the file. */
static void
check_npy (const char   *path,
           gboolean      allow_integer,
           gsize         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxNpyMatrix) m = evox_npy_read (path, allow_integer, &error);

  if (m == NULL)
    evox_fuzz_check_error (error, path);
  else
    {
      if (m->rows * m->cols > size)
        g_error ("evox-fuzz: %zu x %zu values from %zu bytes", m->rows, m->cols, size);
      if (m->rows * m->cols > 0)
        sink += m->data[0] + m->data[m->rows * m->cols - 1];
    }
}

/* Four rows of three features at (0,0) (1,0) (0,1) (1,1), the partners of a fuzzed coordinate
 * or feature file. */
static void
write_npy_partners (const char *features,
                    const char *coords)
{
  static const double f[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
  static const double xy[8] = { 0, 0, 1, 0, 0, 1, 1, 1 };
  g_autoptr(GError) error = NULL;

  if (!evox_npy_write (features, f, 4, 3, FALSE, &error) ||
      !evox_npy_write (coords, xy, 4, 2, TRUE, &error))
    g_error ("evox-fuzz: %s", error->message);
}

/* NumPy matrices: read as features and as coordinates, then placed on a grid with a valid
 * partner on the other side. */
static void
fuzz_npy (const guint8 *data,
          gsize         size)
{
  const char *path = evox_fuzz_path ("matrix.npy");
  const char *features = evox_fuzz_path ("features.npy");
  const char *coords = evox_fuzz_path ("coords.npy");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) a = NULL;
  g_autoptr(EvoxVolume) b = NULL;

  if (!g_file_test (coords, G_FILE_TEST_EXISTS))
    write_npy_partners (features, coords);
  evox_fuzz_write (path, data, size);
  check_npy (path, FALSE, size);
  check_npy (path, TRUE, size);
  a = evox_feature_file_load_npy (path, coords, &error);
  if (a == NULL)
    evox_fuzz_check_error (error, path);
  g_clear_error (&error);
  b = evox_feature_file_load_npy (features, path, &error);
  if (b == NULL)
    evox_fuzz_check_error (error, path);
}

static void
fuzz_features_csv (const guint8 *data,
                   gsize         size)
{
  const char *path = evox_fuzz_path ("features.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;

  evox_fuzz_write (path, data, size);
  volume = evox_feature_file_load_csv (path, &error);
  if (volume == NULL)
    evox_fuzz_check_error (error, path);
}

/* The images a fuzzed scan script may collect (the seeds name them): at 8324 and 8354 eV a
 * sample and a reference each, 8 x 6 u16, the Energy stream 0 as in SSRL's files. */
static void
write_script_images (void)
{
  static const float no_energy[1] = { 0 };
  static const char *const names[] = {
    "rep01_000001_ref_fuzz_08324.0_eV_001of001.xrm", "rep01_fuzz_08324.0_eV_001of001.xrm",
    "rep01_000002_ref_fuzz_08354.0_eV_001of001.xrm", "rep01_fuzz_08354.0_eV_001of001.xrm",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      EvoxTestXrm spec = { .width = 8, .height = 6, .n_images = 1, .data_type = 5,
                           .energies = no_energy, .n_energies = 1, .image_offset = i };

      evox_test_xrm_write (evox_fuzz_path (names[i]), &spec);
    }
}

/* SSRL scan scripts, beside the images they name. */
static void
fuzz_spectral_script (const guint8 *data,
                      gsize         size)
{
  const char *path = evox_fuzz_path ("scan_XANES.txt");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  static gboolean images;

  if (!images)
    {
      write_script_images ();
      images = TRUE;
    }
  evox_fuzz_write (path, data, size);
  volume = evox_spectral_load (path, NULL, NULL, NULL, &error);
  if (volume == NULL)
    evox_fuzz_check_error (error, path);
  else
    use_volume (volume);
}

/* The energies file beside a three-page TIFF (the TIFF stays whole). */
static void
fuzz_spectral_energies (const guint8 *data,
                        gsize         size)
{
  const char *tiff = evox_fuzz_path ("stack.tif");
  const char *path = evox_fuzz_path ("stack.energies.txt");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;

  if (!g_file_test (tiff, G_FILE_TEST_EXISTS))
    {
      g_autoptr(EvoxVolume) pages = evox_volume_new (5, 4, 3, 1, EVOX_SAMPLE_U16, &error);
      guint16 *v = evox_volume_get_data_mut (pages, 0);

      for (int i = 0; i < 5 * 4 * 3; i++)
        v[i] = (guint16) (100 + i * 7);
      if (!evox_tiff_write (pages, 0, tiff, EVOX_TIFF_WRITE_NONE, &error))
        g_error ("evox-fuzz: %s", error->message);
    }
  evox_fuzz_write (path, data, size);
  volume = evox_spectral_load (tiff, NULL, NULL, NULL, &error);
  if (volume == NULL)
    {
      /* The error may name either file. */
      if (error == NULL || (strstr (error->message, "stack.energies.txt") == NULL &&
                            strstr (error->message, "stack.tif") == NULL))
        g_error ("evox-fuzz: an error that names neither file: %s",
                 error != NULL ? error->message : "(none)");
    }
  else
    use_volume (volume);
}

/* Tilt series (Data Exchange HDF5 or .txrm, by signature): every value readable. */
static void
fuzz_tilt (const guint8 *data,
           gsize         size)
{
  const char *path = evox_fuzz_path ("tilt.h5");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxTiltSeries) series = NULL;

  evox_fuzz_write (path, data, size);
  series = evox_tilt_reader_load (path, NULL, &error);
  if (series == NULL)
    {
      evox_fuzz_check_error (error, path);
      return;
    }
  if (series->n_angles < 2 || series->nx == 0 || series->ny == 0)
    g_error ("evox-fuzz: a tilt series of %u angles, %u x %u", series->n_angles, series->nx,
             series->ny);
  for (guint a = 0; a < series->n_angles; a++)
    for (guint y = 0; y < series->ny; y++)
      {
        const float *row = evox_tilt_series_row (series, a, y);

        sink += row[0] + row[series->nx - 1];
      }
}

/* Session files: loaded, their reading options asked for, then applied to a document showing
 * the SSRM demo stack whatever input they name (reading a named input could reach any file on
 * the machine). Surfaces stay specs, as in test-session: building hundreds would take minutes. */
static void
fuzz_session (const guint8 *data,
              gsize         size)
{
  const char *path = evox_fuzz_path ("saved.evox");
  static EvoxVolume *demo;
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxSession) session = NULL;
  g_autoptr(EvoxDocument) document = NULL;
  g_autoptr(EvoxSsrmOptions) ssrm = NULL;
  guint bin = 0;

  evox_fuzz_write (path, data, size);
  session = evox_session_load (path, &error);
  if (session == NULL)
    {
      evox_fuzz_check_error (error, path);
      return;
    }
  sink += evox_session_get_input_is_demo (session) + evox_session_get_input_is_folder (session);
  sink += evox_session_get_input (session) != NULL;
  evox_session_get_load_options (session, &ssrm, &bin);
  if (demo == NULL)
    demo = evox_demo_volume_new (EVOX_SSRM_DEFAULT_DZ_NM);
  document = evox_document_new ();
  _evox_document_set_surface_delay (document, 600000);
  if (!evox_session_apply (session, document, demo, &error) && error == NULL)
    g_error ("evox-fuzz: a session failed to apply without an error");
}

const EvoxFuzzReader evox_fuzz_readers[] = {
  { "ssrm", fuzz_ssrm },
  { "tiff", fuzz_tiff },
  { "xrm", fuzz_xrm },
  { "hdf5", fuzz_hdf5 },
  { "npy", fuzz_npy },
  { "features-csv", fuzz_features_csv },
  { "spectral-script", fuzz_spectral_script },
  { "spectral-energies", fuzz_spectral_energies },
  { "tilt", fuzz_tilt },
  { "session", fuzz_session },
  { NULL, NULL },
};

EvoxFuzzTarget
evox_fuzz_find_target (const char *name)
{
  for (guint i = 0; evox_fuzz_readers[i].name != NULL; i++)
    if (g_strcmp0 (evox_fuzz_readers[i].name, name) == 0)
      return evox_fuzz_readers[i].run;
  return NULL;
}
