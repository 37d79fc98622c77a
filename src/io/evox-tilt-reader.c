/* evox-tilt-reader.c: tilt series from Data Exchange HDF5 and Xradia .txrm files, flat and dark
 * corrected into optical density and binned. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <hdf5.h>

#include "evox-hdf5-private.h"
#include "evox-spectral-reader.h"
#include "evox-spectral-reader-private.h"
#include "evox-tilt-reader.h"
#include "evox-types.h"
#include "evox-xrm.h"

/* Flat and dark fields are tens of frames; more than this is a damaged header. */
#define MAX_REFERENCE_FRAMES 65536u

/* A new series for a file, refused before anything is allocated when it would not fit the
 * memory cap (EVOX_MEMORY_LIMIT): a damaged header can claim sizes its file does not hold, and
 * HDF5 reads unwritten data as fill values, so the claim alone would fill memory. */
static EvoxTiltSeries *
new_series (const char  *path,
            guint        nx,
            guint        ny,
            guint        n_angles,
            GError     **error)
{
  g_autofree char *display = g_filename_display_name (path);
  EvoxTiltSeries *series;

  if (!evox_check_allocation ((guint64) nx * ny * n_angles, sizeof (float), "the tilt series",
                              error))
    {
      g_prefix_error (error, "%s: ", display);
      return NULL;
    }
  series = evox_tilt_series_new (nx, ny, n_angles, error);
  if (series == NULL)
    g_prefix_error (error, "%s: ", display);
  return series;
}

void
evox_tilt_read_options_init (EvoxTiltReadOptions *options)
{
  g_return_if_fail (options != NULL);

  options->flat_dark = TRUE;
  options->bin = 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Correction and binning, whatever the format                                                */

/* One projection into optical density. ratio is t_white / t_I (1 when unknown): counts grow with
 * the exposure, so a projection taken twice as long as its flat field is halved. Returns how
 * many pixels were clamped at EVOX_TILT_MIN_TRANSMISSION. */
static guint64
to_optical_density (float       *v,
                    const float *white,
                    const float *dark,
                    gsize        n,
                    double       ratio)
{
  guint64 clamped = 0;

  for (gsize i = 0; i < n; i++)
    {
      double d = dark != NULL ? dark[i] : 0;
      double den = (double) white[i] - d;
      double t = den > 0 ? ((double) v[i] - d) / den * ratio : 0;

      if (!(t > EVOX_TILT_MIN_TRANSMISSION))
        {
          t = EVOX_TILT_MIN_TRANSMISSION;
          clamped++;
        }
      v[i] = (float) -log (t);
    }
  return clamped;
}

static EvoxTiltSeries *
bin_series (EvoxTiltSeries  *in,
            guint            bin,
            const char      *path,
            GError         **error)
{
  if (bin > in->nx || bin > in->ny)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_ARGUMENT, path,
                 "binning %u x %u is larger than the %u x %u projections", bin, bin, in->nx,
                 in->ny);
      return NULL;
    }
  return evox_tilt_series_bin (in, bin, error);
}

static EvoxTiltSeries *
finish (EvoxTiltSeries            *series,
        const EvoxTiltReadOptions *options,
        const char                *path,
        GError                   **error)
{
  g_autoptr(EvoxTiltSeries) owned = series;

  if (options->bin <= 1)
    return g_steal_pointer (&owned);
  return bin_series (owned, options->bin, path, error);
}

static gboolean
check_options (const EvoxTiltReadOptions *options,
               const char                *path,
               GError                   **error)
{
  if (options->bin == 0)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_ARGUMENT, path, "binning must be 1 or more");
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Data Exchange HDF5                                                                          */

/* Reads the rank-3 (or, for references, rank-2) shape of a dataset; an error unless it holds
 * integers or floats. */
static gboolean
dataset_shape (hid_t         dataset,
               const char   *name,
               const char   *path,
               int          *rank,
               hsize_t      *shape,
               GError      **error)
{
  g_auto(EvoxH5Id) type = H5Dget_type (dataset);
  g_auto(EvoxH5Id) space = H5Dget_space (dataset);
  H5T_class_t class = type >= 0 ? H5Tget_class (type) : H5T_NO_CLASS;

  *rank = space >= 0 ? H5Sget_simple_extent_ndims (space) : -1;
  if (class != H5T_INTEGER && class != H5T_FLOAT)
    {
      H5Eclear2 (H5E_DEFAULT);
      _evox_hdf5_set_error (error, EVOX_ERROR_UNSUPPORTED, path, "%s holds no integers or floats", name);
      return FALSE;
    }
  if (*rank < 2 || *rank > 3)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_UNSUPPORTED, path,
                 "%s has rank %d; a tilt series is (angle, y, x)", name, *rank);
      return FALSE;
    }
  H5Sget_simple_extent_dims (space, shape, NULL);
  return TRUE;
}

/* Frame `frame` (an index along the first axis of a rank-3 dataset, 0 for rank 2) as floats. */
static gboolean
read_frame (hid_t          dataset,
            int            rank,
            const hsize_t *shape,
            hsize_t        frame,
            float         *out)
{
  g_auto(EvoxH5Id) file_space = H5Dget_space (dataset);
  g_auto(EvoxH5Id) mem_space = H5I_INVALID_HID;
  hsize_t plane[2] = { shape[rank - 2], shape[rank - 1] };
  hsize_t start[3] = { frame, 0, 0 }, count[3] = { 1, plane[0], plane[1] };
  gboolean ok;

  mem_space = H5Screate_simple (2, plane, NULL);
  if (rank == 2)
    {
      start[0] = 0;
      count[0] = plane[0];
      count[1] = plane[1];
    }
  ok = file_space >= 0 && mem_space >= 0 &&
       H5Sselect_hyperslab (file_space, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
       H5Dread (dataset, H5T_NATIVE_FLOAT, mem_space, file_space, H5P_DEFAULT, out) >= 0;
  H5Eclear2 (H5E_DEFAULT);
  return ok;
}

/* The mean of a reference's frames (ny x nx floats into out); *present FALSE when the file has
 * none. */
static gboolean
read_reference (hid_t        file,
                const char  *name,
                const char  *path,
                guint        nx,
                guint        ny,
                float       *out,
                gboolean    *present,
                GError     **error)
{
  g_auto(EvoxH5Id) dataset = _evox_hdf5_open_dataset (file, name);
  gsize n = (gsize) nx * ny;
  g_autofree double *sum = NULL;
  g_autofree float *frame = NULL;
  hsize_t shape[3];
  hsize_t k;
  int rank;

  *present = dataset >= 0;
  if (dataset < 0)
    return TRUE;
  if (!dataset_shape (dataset, name, path, &rank, shape, error))
    return FALSE;
  if (shape[rank - 1] != nx || shape[rank - 2] != ny)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path,
                 "%s frames are %" G_GUINT64_FORMAT " x %" G_GUINT64_FORMAT
                 ", the projections %u x %u", name, (guint64) shape[rank - 1],
                 (guint64) shape[rank - 2], nx, ny);
      return FALSE;
    }
  k = rank == 3 ? shape[0] : 1;
  if (k < 1 || k > MAX_REFERENCE_FRAMES)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path, "%s has %" G_GUINT64_FORMAT " frames",
                 name, (guint64) k);
      return FALSE;
    }
  sum = g_new0 (double, n);
  frame = g_new (float, n);
  for (hsize_t f = 0; f < k; f++)
    {
      if (!read_frame (dataset, rank, shape, f, frame))
        {
          _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path, "cannot read %s", name);
          return FALSE;
        }
      for (gsize i = 0; i < n; i++)
        sum[i] += frame[i];
    }
  for (gsize i = 0; i < n; i++)
    out[i] = (float) (sum[i] / (double) k);
  return TRUE;
}

/* One positive scalar (the first value of a vector), NaN when absent or not positive. */
static double
read_positive (hid_t        file,
               const char  *name,
               const char  *path,
               char       **units,
               GError     **error)
{
  g_autofree double *v = NULL;
  guint n;

  if (!_evox_hdf5_read_vector (file, name, path, &v, &n, units, error))
    return -1;
  return n > 0 && v[0] > 0 && isfinite (v[0]) ? v[0] : NAN;
}

EvoxTiltSeries *
evox_tilt_reader_load_hdf5 (const char                 *path,
                            const EvoxTiltReadOptions  *options,
                            GError                    **error)
{
  static const char * const deg[] = { "deg", "degree", "degrees", NULL };
  static const char * const rad[] = { "rad", "radian", "radians", NULL };
  EvoxTiltReadOptions defaults;
  g_auto(EvoxH5Id) file = H5I_INVALID_HID;
  g_auto(EvoxH5Id) data = H5I_INVALID_HID;
  g_autoptr(EvoxTiltSeries) series = NULL;
  g_autofree double *theta = NULL;
  g_autofree char *theta_units = NULL;
  g_autofree char *pixel_units = NULL;
  g_autofree char *energy_units = NULL;
  g_autofree float *white = NULL;
  g_autofree float *dark = NULL;
  hsize_t shape[3];
  guint n_theta;
  gboolean has_white = FALSE, has_dark = FALSE;
  double pixel, energy, t_data, t_white, ratio = 1;
  int rank;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    {
      evox_tilt_read_options_init (&defaults);
      options = &defaults;
    }
  if (!check_options (options, path, error))
    return NULL;
  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
  if (H5Fis_hdf5 (path) <= 0)
    {
      H5Eclear2 (H5E_DEFAULT);
      _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path, "not a readable HDF5 file");
      return NULL;
    }
  file = H5Fopen (path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0)
    {
      /* HDF5's reason says what a user can act on: "truncated file: eof = ..." for a copy that
       * stopped half way. */
      g_autofree char *reason = _evox_hdf5_dup_reason ();

      _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path, "cannot open as HDF5 (%s)",
                            reason);
      return NULL;
    }
  data = _evox_hdf5_open_dataset (file, "/exchange/data");
  if (data < 0)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path, "no /exchange/data dataset");
      return NULL;
    }
  if (!dataset_shape (data, "/exchange/data", path, &rank, shape, error))
    return NULL;
  if (rank != 3)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_UNSUPPORTED, path,
                 "/exchange/data has rank %d; a tilt series is (angle, y, x)", rank);
      return NULL;
    }
  for (int i = 0; i < 3; i++)
    if (shape[i] > G_MAXUINT)
      {
        _evox_hdf5_set_error (error, EVOX_ERROR_TOO_LARGE, path,
                   "/exchange/data axis %d has %" G_GUINT64_FORMAT " entries", i,
                   (guint64) shape[i]);
        return NULL;
      }
  if (shape[0] < 2)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path,
                 "/exchange/data holds %" G_GUINT64_FORMAT " projection; a tilt series needs "
                 "at least two", (guint64) shape[0]);
      return NULL;
    }

  if (!_evox_hdf5_read_vector (file, "/exchange/theta", path, &theta, &n_theta, &theta_units,
                               error))
    return NULL;
  if (n_theta == 0)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path, "no /exchange/theta (the angles)");
      return NULL;
    }
  if (n_theta != shape[0])
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path,
                 "/exchange/theta has %u angles for %" G_GUINT64_FORMAT " projections", n_theta,
                 (guint64) shape[0]);
      return NULL;
    }
  for (guint a = 0; a < n_theta; a++)
    if (!isfinite (theta[a]))
      {
        _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path, "/exchange/theta[%u] is not a number",
                   a);
        return NULL;
      }
  if (theta_units != NULL && theta_units[0] != '\0' &&
      !_evox_hdf5_units_are (theta_units, deg) && !_evox_hdf5_units_are (theta_units, rad))
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_UNSUPPORTED, path,
                 "/exchange/theta has units '%s'; Evox reads degrees and radians", theta_units);
      return NULL;
    }

  series = new_series (path, (guint) shape[2], (guint) shape[1], (guint) shape[0], error);
  if (series == NULL)
    return NULL;
  /* Data Exchange gives degrees; radians only when the units attribute says so. */
  for (guint a = 0; a < n_theta; a++)
    series->theta[a] = theta_units != NULL && _evox_hdf5_units_are (theta_units, rad)
                       ? theta[a] : theta[a] * G_PI / 180;

  /* Each stops at the first error, so no GError is set twice. */
  if ((pixel = read_positive (file, "/exchange/pixel_size", path, &pixel_units, error)) < 0 ||
      (energy = read_positive (file, "/exchange/energy", path, &energy_units, error)) < 0 ||
      (t_data = read_positive (file, "/measurement/instrument/detector/exposure_time", path,
                               NULL, error)) < 0 ||
      (t_white = read_positive (file, "/process/acquisition/flat_fields/flat_exposure_time",
                                path, NULL, error)) < 0)
    return NULL;
  if (isfinite (pixel))
    series->pixel_size_nm = pixel * _evox_hdf5_pixel_size_scale (pixel_units, pixel, NULL);
  /* TXM energies are 4 to 30 keV: a value below 200 without units is keV. */
  if (isfinite (energy))
    series->energy_ev = (energy_units != NULL && g_ascii_strcasecmp (energy_units, "keV") == 0) ||
                        ((energy_units == NULL || energy_units[0] == '\0') && energy < 200)
                        ? energy * 1e3 : energy;
  if (isfinite (t_data) && isfinite (t_white))
    ratio = t_white / t_data;

  if (options->flat_dark)
    {
      gsize n = (gsize) series->nx * series->ny;

      white = g_new (float, n);
      dark = g_new (float, n);
      if (!read_reference (file, "/exchange/data_white", path, series->nx, series->ny, white,
                           &has_white, error) ||
          !read_reference (file, "/exchange/data_dark", path, series->nx, series->ny, dark,
                           &has_dark, error))
        return NULL;
      if (!has_white)
        {
          _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path,
                     "no /exchange/data_white (the flat field) to correct with");
          return NULL;
        }
    }

  for (guint a = 0; a < series->n_angles; a++)
    {
      float *p = evox_tilt_series_row (series, a, 0);

      if (!read_frame (data, 3, shape, a, p))
        {
          _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path,
                     "cannot read projection %u of /exchange/data", a);
          return NULL;
        }
      if (options->flat_dark)
        series->n_clamped += to_optical_density (p, white, has_dark ? dark : NULL,
                                                 (gsize) series->nx * series->ny, ratio);
    }
  series->od = options->flat_dark;
  return finish (g_steal_pointer (&series), options, path, error);
}

/* ------------------------------------------------------------------------------------------ */
/* Xradia .txrm                                                                                */

EvoxTiltSeries *
evox_tilt_reader_load_txrm (const char                 *path,
                            const EvoxTiltReadOptions  *options,
                            GError                    **error)
{
  EvoxTiltReadOptions defaults;
  g_autoptr(EvoxXrmFile) xrm = NULL;
  g_autoptr(EvoxTiltSeries) series = NULL;
  g_autofree float *white = NULL;
  const EvoxXrmInfo *info;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    {
      evox_tilt_read_options_init (&defaults);
      options = &defaults;
    }
  if (!check_options (options, path, error))
    return NULL;
  xrm = evox_xrm_open (path, error);
  if (xrm == NULL)
    return NULL;
  info = evox_xrm_get_info (xrm);
  if (info->n_images < 2)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path,
                 "holds %u image; a tilt series needs at least two", info->n_images);
      return NULL;
    }
  if (info->angles_deg == NULL)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path,
                 "has no ImageInfo/Angles stream: the projection angles are unknown");
      return NULL;
    }
  for (guint a = 0; a < info->n_images; a++)
    if (!isfinite (info->angles_deg[a]))
      {
        _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path,
                   "ImageInfo/Angles holds no angle for image %u", a);
        return NULL;
      }
  if (options->flat_dark)
    {
      if (!info->has_reference)
        {
          _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path,
                     "carries no reference image (ReferenceData/Image) to correct with");
          return NULL;
        }
      if (info->reference_width != info->width || info->reference_height != info->height)
        {
          _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path,
                     "the reference image is %u x %u, the projections %u x %u",
                     info->reference_width, info->reference_height, info->width, info->height);
          return NULL;
        }
    }
  series = new_series (path, info->width, info->height, info->n_images, error);
  if (series == NULL)
    return NULL;
  if (options->flat_dark)
    {
      white = g_new (float, (gsize) info->width * info->height);
      if (!evox_xrm_read_reference (xrm, white, error))
        return NULL;
    }
  for (guint a = 0; a < info->n_images; a++)
    {
      float *p = evox_tilt_series_row (series, a, 0);
      double ratio = 1;

      if (!evox_xrm_read_image (xrm, a, p, error))
        return NULL;
      series->theta[a] = info->angles_deg[a] * G_PI / 180;
      if (info->exp_times_s != NULL && info->exp_times_s[a] > 0 &&
          info->reference_exp_time_s > 0)
        ratio = info->reference_exp_time_s / info->exp_times_s[a];
      if (options->flat_dark)
        series->n_clamped += to_optical_density (p, white, NULL,
                                                 (gsize) info->width * info->height, ratio);
    }
  if (isfinite (info->pixel_size_um))
    series->pixel_size_nm = info->pixel_size_um * 1e3;
  if (info->energies_ev != NULL && info->energies_ev[0] > 0)
    series->energy_ev = info->energies_ev[0];
  series->od = options->flat_dark;
  return finish (g_steal_pointer (&series), options, path, error);
}

EvoxTiltSeries *
evox_tilt_reader_load (const char                 *path,
                       const EvoxTiltReadOptions  *options,
                       GError                    **error)
{
  static const guint8 hdf5_signature[8] = { 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n' };
  guint8 head[8] = { 0 };
  gsize n = 0;
  FILE *f;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  f = fopen (path, "rb");
  if (f == NULL)
    {
      int saved = errno;

      _evox_hdf5_set_error (error, EVOX_ERROR_FAILED, path, "%s", g_strerror (saved));
      return NULL;
    }
  n = fread (head, 1, sizeof head, f);
  fclose (f);
  if (n == sizeof head && memcmp (head, hdf5_signature, sizeof head) == 0)
    return evox_tilt_reader_load_hdf5 (path, options, error);
  if (evox_xrm_has_signature (head, n))
    return evox_tilt_reader_load_txrm (path, options, error);
  _evox_hdf5_set_error (error, EVOX_ERROR_UNSUPPORTED, path,
             "is neither Data Exchange HDF5 nor an Xradia .txrm file");
  return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Sets: folders of per-angle .xrm files, multi-energy sets, folders of .txrm files              */

/* Images closer in angle than this (degrees) are one projection (repeats); the energies of a set
 * must agree on their angles within it too. */
#define ANGLE_TOLERANCE_DEG 0.01

/* One sample image of a set: where it is and at what angle. */
typedef struct
{
  double       angle_deg;
  EvoxSetFile *file;
  guint        image;
  double       exp_time;  /* seconds; NaN when the file states none */
} SetImage;

static int
compare_set_image (gconstpointer a,
                   gconstpointer b)
{
  const SetImage *ia = a, *ib = b;

  if (ia->angle_deg != ib->angle_deg)
    return ia->angle_deg < ib->angle_deg ? -1 : 1;
  return strcmp (ia->file->name, ib->file->name);
}

static int
compare_set_file (gconstpointer a,
                  gconstpointer b)
{
  const EvoxSetFile *fa = *(EvoxSetFile * const *) a;
  const EvoxSetFile *fb = *(EvoxSetFile * const *) b;

  if (fa->energy != fb->energy && isfinite (fa->energy) && isfinite (fb->energy))
    return fa->energy < fb->energy ? -1 : 1;
  return strcmp (fa->name, fb->name);
}

/* Counts per second: the exposure time divides (1 when the file states none, as the spectral
 * reader takes it). */
static double
per_second (double exp_time)
{
  return isfinite (exp_time) && exp_time > 0 ? 1.0 / exp_time : 1.0;
}

/* The mean of the reference files' images in counts per second (nx x ny into white). */
static gboolean
read_white (GPtrArray     *refs,
            guint          nx,
            guint          ny,
            float         *white,
            EvoxProgress  *progress,
            guint         *done,
            guint          total,
            GCancellable  *cancellable,
            GError       **error)
{
  gsize n = (gsize) nx * ny;
  g_autofree double *sum = g_new0 (double, n);
  g_autofree float *frame = g_new (float, n);
  guint count = 0;

  for (guint i = 0; i < refs->len; i++)
    {
      EvoxSetFile *file = refs->pdata[i];
      g_autoptr(EvoxXrmFile) xrm = NULL;
      const EvoxXrmInfo *info;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      xrm = evox_xrm_open (file->path, error);
      if (xrm == NULL)
        return FALSE;
      info = evox_xrm_get_info (xrm);
      if (info->width != nx || info->height != ny)
        {
          _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, file->path,
                                "the reference is %u x %u, the projections %u x %u",
                                info->width, info->height, nx, ny);
          return FALSE;
        }
      for (guint k = 0; k < info->n_images; k++)
        {
          double w = per_second (info->exp_times_s != NULL ? info->exp_times_s[k] : NAN);

          if (!evox_xrm_read_image (xrm, k, frame, error))
            return FALSE;
          for (gsize p = 0; p < n; p++)
            sum[p] += frame[p] * w;
          count++;
        }
      evox_progress_update (progress, (double) ++*done / total);
    }
  for (gsize p = 0; p < n; p++)
    white[p] = (float) (count > 0 ? sum[p] / count : 0);
  return TRUE;
}

/* One energy's tilt series from its sample files (angles from each file's ImageInfo/Angles,
 * repeats at one angle averaged) and references (files, or ReferenceData in each file). */
static EvoxTiltSeries *
load_energy (const char                *source,
             double                     energy,
             GPtrArray                 *samples,
             GPtrArray                 *refs,
             const EvoxTiltReadOptions *options,
             EvoxProgress              *progress,
             guint                     *done,
             guint                      total,
             GCancellable              *cancellable,
             GError                   **error)
{
  g_autoptr(GArray) images = g_array_new (FALSE, FALSE, sizeof (SetImage));
  g_autoptr(EvoxTiltSeries) series = NULL;
  g_autofree float *white = NULL;
  g_autofree float *frame = NULL;
  g_autofree double *sum = NULL;
  g_autofree guint *first = NULL;
  guint nx = 0, ny = 0, n_angles = 0;
  double pixel_um = NAN;
  gsize n;

  /* What every sample file holds, before any pixel is read. */
  for (guint i = 0; i < samples->len; i++)
    {
      EvoxSetFile *file = samples->pdata[i];
      g_autoptr(EvoxXrmFile) xrm = NULL;
      const EvoxXrmInfo *info;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      xrm = evox_xrm_open (file->path, error);
      if (xrm == NULL)
        return NULL;
      info = evox_xrm_get_info (xrm);
      if (i == 0)
        {
          nx = info->width;
          ny = info->height;
          pixel_um = info->pixel_size_um;
        }
      else if (info->width != nx || info->height != ny)
        {
          EvoxSetFile *one = samples->pdata[0];

          _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, file->path,
                                "its images are %u x %u, those of %s %u x %u", info->width,
                                info->height, one->name, nx, ny);
          return NULL;
        }
      if (options->flat_dark && refs->len == 0 && !info->has_reference)
        {
          _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, file->path,
                                "no reference to correct with: no file with `ref` as a word in "
                                "its name at this energy, and no ReferenceData inside");
          return NULL;
        }
      if (options->flat_dark && refs->len == 0
          && (info->reference_width != nx || info->reference_height != ny))
        {
          _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, file->path,
                                "the reference image is %u x %u, the projections %u x %u",
                                info->reference_width, info->reference_height, nx, ny);
          return NULL;
        }
      for (guint k = 0; k < info->n_images; k++)
        {
          SetImage image = { NAN, file, k, NAN };

          if (info->angles_deg == NULL || !isfinite (info->angles_deg[k]))
            {
              _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, file->path,
                                    "no angle for image %u (ImageInfo/Angles): the projection "
                                    "angles are unknown", k + 1);
              return NULL;
            }
          image.angle_deg = info->angles_deg[k];
          if (info->exp_times_s != NULL)
            image.exp_time = info->exp_times_s[k];
          g_array_append_val (images, image);
        }
    }
  if (images->len == 0)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, source,
                            "its sample files hold no image");
      return NULL;
    }
  g_array_sort (images, compare_set_image);
  first = g_new (guint, images->len + 1);
  for (guint i = 0; i < images->len; i++)
    if (i == 0 || g_array_index (images, SetImage, i).angle_deg
                  - g_array_index (images, SetImage, first[n_angles - 1]).angle_deg
                  > ANGLE_TOLERANCE_DEG)
      first[n_angles++] = i;
  first[n_angles] = images->len;
  if (n_angles < 2)
    {
      g_autofree char *what = energy > 0 ? g_strdup_printf ("at %.1f eV, ", energy)
                                         : g_strdup ("");

      g_autofree char *one = g_path_get_basename (g_array_index (images, SetImage, 0).file->path);

      if (images->len == 1)
        _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, source,
                              "%sthe only sample image (%s) is at %.3f deg: a tilt series "
                              "needs at least two angles", what, one,
                              g_array_index (images, SetImage, 0).angle_deg);
      else
        _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, source,
                              "%sthe %u sample images are all at %.3f deg: a tilt series needs "
                              "at least two angles", what, images->len,
                              g_array_index (images, SetImage, 0).angle_deg);
      return NULL;
    }

  series = new_series (source, nx, ny, n_angles, error);
  if (series == NULL)
    return NULL;
  n = (gsize) nx * ny;
  white = g_new (float, n);
  frame = g_new (float, n);
  sum = g_new (double, n);
  if (options->flat_dark && refs->len > 0 &&
      !read_white (refs, nx, ny, white, progress, done, total, cancellable, error))
    return NULL;

  for (guint a = 0; a < n_angles; a++)
    {
      float *out = evox_tilt_series_row (series, a, 0);
      guint m = first[a + 1] - first[a];

      memset (sum, 0, n * sizeof (double));
      for (guint i = first[a]; i < first[a + 1]; i++)
        {
          SetImage *image = &g_array_index (images, SetImage, i);
          g_autoptr(EvoxXrmFile) xrm = NULL;
          double w = options->flat_dark ? per_second (image->exp_time) : 1.0;

          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return NULL;
          xrm = evox_xrm_open (image->file->path, error);
          if (xrm == NULL || !evox_xrm_read_image (xrm, image->image, frame, error))
            return NULL;
          for (gsize p = 0; p < n; p++)
            sum[p] += frame[p] * w;
          /* The file's own reference, when the set has no reference files: each projection
           * is corrected by its file's (the repeats at one angle share a file in practice). */
          if (options->flat_dark && refs->len == 0 && i == first[a])
            {
              const EvoxXrmInfo *info = evox_xrm_get_info (xrm);

              if (!evox_xrm_read_reference (xrm, white, error))
                return NULL;
              for (gsize p = 0; p < n; p++)
                white[p] = (float) (white[p] * per_second (info->reference_exp_time_s));
            }
          if (image->image + 1 == evox_xrm_get_info (xrm)->n_images)
            evox_progress_update (progress, (double) ++*done / total);
        }
      for (gsize p = 0; p < n; p++)
        out[p] = (float) (sum[p] / m);
      if (options->flat_dark)
        series->n_clamped += to_optical_density (out, white, NULL, n, 1.0);
      series->theta[a] = g_array_index (images, SetImage, first[a]).angle_deg * G_PI / 180;
    }
  if (isfinite (pixel_um) && pixel_um > 0)
    series->pixel_size_nm = pixel_um * 1e3;
  series->energy_ev = energy > 0 ? energy : 0;
  series->od = options->flat_dark;
  return finish (g_steal_pointer (&series), options, source, error);
}

/* Every series of a set at the angles of the first, within ANGLE_TOLERANCE_DEG. */
static gboolean
check_angle_sets (GPtrArray   *set,
                  const char  *source,
                  GError     **error)
{
  const EvoxTiltSeries *r = set->pdata[0];

  for (guint e = 1; e < set->len; e++)
    {
      const EvoxTiltSeries *s = set->pdata[e];
      gboolean same = s->n_angles == r->n_angles;

      for (guint a = 0; same && a < s->n_angles; a++)
        same = fabs (s->theta[a] - r->theta[a]) * 180 / G_PI <= ANGLE_TOLERANCE_DEG;
      if (!same)
        {
          _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, source,
                                "the energies have different angle sets: %.1f eV has %u angles "
                                "(%.3f to %.3f deg), %.1f eV %u (%.3f to %.3f deg)",
                                r->energy_ev, r->n_angles, r->theta[0] * 180 / G_PI,
                                r->theta[r->n_angles - 1] * 180 / G_PI, s->energy_ev,
                                s->n_angles, s->theta[0] * 180 / G_PI,
                                s->theta[s->n_angles - 1] * 180 / G_PI);
          return FALSE;
        }
      if (s->nx != r->nx || s->ny != r->ny)
        {
          _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, source,
                                "%.1f eV has projections of %u x %u, %.1f eV of %u x %u",
                                s->energy_ev, s->nx, s->ny, r->energy_ev, r->nx, r->ny);
          return FALSE;
        }
    }
  return TRUE;
}

/* A scan script, or a folder of .xrm files: grouped by energy as the spectral reader groups
 * them (its listing, energies from the script, the file or the name; references by name at the
 * same energy); one energy when no file states one. */
static GPtrArray *
load_xrm_set (const char                *path,
              const EvoxTiltReadOptions *options,
              EvoxProgress              *progress,
              GCancellable              *cancellable,
              GError                   **error)
{
  g_autoptr(GPtrArray) set =
    g_ptr_array_new_with_free_func ((GDestroyNotify) evox_tilt_series_free);
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GPtrArray) present = g_ptr_array_new ();
  g_autofree char *source = NULL;
  EvoxSetFile *no_energy = NULL, *with_energy = NULL;
  guint done = 0;

  files = _evox_spectral_list_xrm_set (path, &source, NULL, error);
  if (files == NULL)
    return NULL;
  evox_progress_set_stage (progress, "Reading projections", 0.0, 1.0);
  for (guint i = 0; i < files->len; i++)
    {
      EvoxSetFile *file = files->pdata[i];

      if (file->path == NULL)
        continue;
      if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
          !_evox_spectral_resolve_energy (file, TRUE, error))
        return NULL;
      if (isfinite (file->energy))
        with_energy = file;
      else
        no_energy = file;
      g_ptr_array_add (present, file);
    }
  if (present->len == 0)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, source,
                            files->len > 0 ? "none of the files it names is present"
                                           : "holds no .xrm files");
      return NULL;
    }
  if (no_energy != NULL && with_energy != NULL)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, no_energy->path,
                            "no energy (the file says 0 and its name carries none), unlike %s "
                            "(%.1f eV)", with_energy->name, with_energy->energy);
      return NULL;
    }
  g_ptr_array_sort (present, compare_set_file);

  for (guint i = 0; i < present->len;)
    {
      EvoxSetFile *head = present->pdata[i];
      g_autoptr(GPtrArray) samples = g_ptr_array_new ();
      g_autoptr(GPtrArray) refs = g_ptr_array_new ();
      EvoxTiltSeries *series;
      guint j = i;

      for (; j < present->len; j++)
        {
          EvoxSetFile *file = present->pdata[j];

          if (isfinite (head->energy) &&
              fabs (file->energy - head->energy) >= EVOX_SPECTRAL_ENERGY_TOLERANCE_EV)
            break;
          g_ptr_array_add (file->is_ref ? refs : samples, file);
        }
      if (samples->len == 0)
        {
          _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, source,
                                "energy %.1f eV has reference images but no sample image (%s)",
                                head->energy, head->name);
          return NULL;
        }
      series = load_energy (source, isfinite (head->energy) ? head->energy : 0, samples, refs,
                            options, progress, &done, present->len, cancellable, error);
      if (series == NULL)
        return NULL;
      g_ptr_array_add (set, series);
      i = j;
    }
  /* One energy: energy_ev stays what the file says (0 when unknown); several: all set. */
  if (!check_angle_sets (set, source, error))
    return NULL;
  evox_progress_update (progress, 1.0);
  return g_steal_pointer (&set);
}

static gboolean
is_txrm_name (const char *name)
{
  gsize n = strlen (name);

  return name[0] != '.' && n > 5 && g_ascii_strcasecmp (name + n - 5, ".txrm") == 0;
}

static gboolean
is_xrm_name (const char *name)
{
  gsize n = strlen (name);

  return name[0] != '.' && n > 4 && g_ascii_strcasecmp (name + n - 4, ".xrm") == 0;
}

static int
compare_series_energy (gconstpointer a,
                       gconstpointer b)
{
  const EvoxTiltSeries *sa = *(EvoxTiltSeries * const *) a;
  const EvoxTiltSeries *sb = *(EvoxTiltSeries * const *) b;

  return sa->energy_ev < sb->energy_ev ? -1 : sa->energy_ev > sb->energy_ev;
}

/* A folder of .txrm tilt series, one per energy (energy from the file, else its name). */
static GPtrArray *
load_txrm_folder (const char                *folder,
                  GPtrArray                 *names,
                  const EvoxTiltReadOptions *options,
                  EvoxProgress              *progress,
                  GCancellable              *cancellable,
                  GError                   **error)
{
  g_autoptr(GPtrArray) set =
    g_ptr_array_new_with_free_func ((GDestroyNotify) evox_tilt_series_free);

  evox_progress_set_stage (progress, "Reading tilt series", 0.0, 1.0);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (folder, names->pdata[i], NULL);
      EvoxTiltSeries *series;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      series = evox_tilt_reader_load_txrm (path, options, error);
      if (series == NULL)
        return NULL;
      g_ptr_array_add (set, series);
      if (!(series->energy_ev > 0))
        {
          double e = evox_spectral_energy_from_name (names->pdata[i]);

          series->energy_ev = isfinite (e) ? e : 0;
        }
      if (names->len > 1 && !(series->energy_ev > 0))
        {
          _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path,
                                "no energy (ImageInfo/Energy is 0 and the name carries none, as "
                                "in `_8324.0_eV`): the folder holds %u tilt series, one per "
                                "energy", names->len);
          return NULL;
        }
      evox_progress_update (progress, (i + 1.0) / names->len);
    }
  g_ptr_array_sort (set, compare_series_energy);
  for (guint i = 1; i < set->len; i++)
    if (fabs (((EvoxTiltSeries *) set->pdata[i])->energy_ev
              - ((EvoxTiltSeries *) set->pdata[i - 1])->energy_ev)
        < EVOX_SPECTRAL_ENERGY_TOLERANCE_EV)
      {
        _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, folder,
                              "two tilt series are at %.1f eV",
                              ((EvoxTiltSeries *) set->pdata[i])->energy_ev);
        return NULL;
      }
  if (!check_angle_sets (set, folder, error))
    return NULL;
  return g_steal_pointer (&set);
}

GPtrArray *
evox_tilt_reader_load_set (const char                 *path,
                           const EvoxTiltReadOptions  *options,
                           EvoxProgress               *progress,
                           GCancellable               *cancellable,
                           GError                    **error)
{
  EvoxTiltReadOptions defaults;
  g_autoptr(GPtrArray) set = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    {
      evox_tilt_read_options_init (&defaults);
      options = &defaults;
    }
  if (!check_options (options, path, error))
    return NULL;
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GPtrArray) txrm = _evox_spectral_list_folder (path, is_txrm_name, error);
      g_autoptr(GPtrArray) xrm = NULL;

      if (txrm == NULL)
        return NULL;
      xrm = _evox_spectral_list_folder (path, is_xrm_name, error);
      if (xrm == NULL)
        return NULL;
      /* .txrm series carry their references inside; .xrm files beside them are not theirs. */
      if (txrm->len > 0)
        return load_txrm_folder (path, txrm, options, progress, cancellable, error);
      if (xrm->len == 0)
        {
          _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path,
                                "holds no .xrm or .txrm files");
          return NULL;
        }
      return load_xrm_set (path, options, progress, cancellable, error);
    }
  if (evox_spectral_detect (path) == EVOX_SPECTRAL_SSRL_SCRIPT)
    return load_xrm_set (path, options, progress, cancellable, error);

  set = g_ptr_array_new_with_free_func ((GDestroyNotify) evox_tilt_series_free);
  {
    EvoxTiltSeries *series = evox_tilt_reader_load (path, options, error);

    if (series == NULL)
      return NULL;
    g_ptr_array_add (set, series);
  }
  evox_progress_update (progress, 1.0);
  return g_steal_pointer (&set);
}
