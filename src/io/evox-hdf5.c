/* evox-hdf5.c: Data Exchange HDF5 files: /exchange/data read plane by plane (any integer or float
 * type, 2D to 4D, flat and dark corrected into optical density, binned), and written back. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <hdf5.h>
#include <glib/gstdio.h>

#include "evox-hdf5.h"
#include "evox-preview.h"
#include "evox-hdf5-private.h"
#include "evox-output.h"

static const guint8 hdf5_signature[8] = { 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n' };

/* Debian builds libhdf5 without its thread-safety option, and a file read on demand is read
 * from the slices' thread while the window may load or write another: every entry point into
 * the library here holds this lock (a whole load holds it; reads on demand wait in their
 * thread, never in a frame). */
static GMutex hdf5_lock;

/* Energies below this are in keV when the file does not say: TXM energies are 4 to 30 keV, and no
 * X-ray microscope images at 200 eV and below with hard X-ray optics. */
#define KEV_BELOW 200.0
/* Flat and dark fields are tens of frames; more than this is a damaged header. */
#define MAX_REFERENCE_FRAMES 65536u
/* A text attribute longer than this is not ours to show. */
#define MAX_TEXT (1u << 20)

/* HDF5 (1.10) closes its open files when the program exits. A file whose close failed (a write
 * that ran out of disk: the flush in H5Fclose fails) stays half torn down in its tables, and
 * that exit-time close then crashes (H5F__close_cb) after Evox has reported the error. Evox
 * closes every file it opens itself, so the library is told not to clean up at exit; this must
 * happen before anything initialises HDF5, hence at load time. */
__attribute__ ((constructor)) static void
skip_hdf5_atexit (void)
{
  H5dont_atexit ();
}

/* HDF5 prints its error stack to stderr by default. Its error state is per thread in the
 * thread-safe builds Debian ships, so every entry point that may run on a worker silences it. */
static void
quiet (void)
{
  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
}

static herr_t
first_description (unsigned                 n,
                   const H5E_error2_t      *entry,
                   void                    *data)
{
  char **out = data;

  if (*out == NULL && entry->desc != NULL && entry->desc[0] != '\0')
    *out = g_strdup (entry->desc);
  return 0;
}

/* The innermost message of HDF5's error stack (the most specific one), then the stack cleared. */
static char *
dup_hdf5_reason (void)
{
  char *reason = NULL;

  H5Ewalk2 (H5E_DEFAULT, H5E_WALK_UPWARD, first_description, &reason);
  H5Eclear2 (H5E_DEFAULT);
  return reason != NULL ? reason : g_strdup ("HDF5 library error");
}

char *
_evox_hdf5_dup_reason (void)
{
  return dup_hdf5_reason ();
}


void
_evox_hdf5_set_error (GError     **error,
                      int          code,
                      const char  *path,
                      const char  *format,
                      ...)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, EVOX_ERROR, code, "%s: %s", display, message);
}

/* What failed ("reading /exchange/data") and HDF5's own reason. */
static void
set_hdf5_error (GError     **error,
                const char  *path,
                const char  *what)
{
  g_autofree char *reason = dup_hdf5_reason ();

  _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path, "%s failed (%s)", what, reason);
}

/* libhdf5 1.10 trusts a chunked layout's chunk sizes and a compact layout's byte count and reads
 * past its own buffers when they disagree with the dataspace (./dev fuzz found it: chunks of
 * 10241 frames over a dataset of 2). HDF5 never writes chunks larger than a fixed dimension, nor
 * compact data shorter than the dataspace, so such a layout is damage. */
gboolean
_evox_hdf5_check_layout (hid_t        dataset,
                         const char  *path,
                         const char  *name,
                         GError     **error)
{
  g_auto(EvoxH5Id) plist = H5Dget_create_plist (dataset);
  g_auto(EvoxH5Id) space = H5Dget_space (dataset);
  g_auto(EvoxH5Id) type = H5Dget_type (dataset);
  hsize_t dims[H5S_MAX_RANK], max_dims[H5S_MAX_RANK], chunk[H5S_MAX_RANK];
  int rank = space >= 0 ? H5Sget_simple_extent_ndims (space) : -1;
  H5D_layout_t layout = plist >= 0 ? H5Pget_layout (plist) : H5D_LAYOUT_ERROR;

  if (rank < 0 || layout < 0 || type < 0 ||
      H5Sget_simple_extent_dims (space, dims, max_dims) < 0)
    {
      set_hdf5_error (error, path, name);
      return FALSE;
    }
  if (layout == H5D_CHUNKED)
    {
      if (H5Pget_chunk (plist, rank, chunk) != rank)
        {
          set_hdf5_error (error, path, name);
          return FALSE;
        }
      for (int i = 0; i < rank; i++)
        if (chunk[i] == 0 || (max_dims[i] != H5S_UNLIMITED && chunk[i] > max_dims[i]))
          {
            _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path,
                                  "%s has chunks of %" G_GUINT64_FORMAT " along axis %d, which "
                                  "holds %" G_GUINT64_FORMAT " (a damaged layout)", name,
                                  (guint64) chunk[i], i, (guint64) max_dims[i]);
            return FALSE;
          }
    }
  else if (layout == H5D_COMPACT)
    {
      guint64 need = H5Tget_size (type);

      for (int i = 0; i < rank; i++)
        need = dims[i] != 0 && need > G_MAXUINT64 / dims[i] ? G_MAXUINT64 : need * dims[i];
      if (H5Dget_storage_size (dataset) < need)
        {
          _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path,
                                "%s holds %" G_GUINT64_FORMAT " bytes, its shape needs %"
                                G_GUINT64_FORMAT " (a damaged layout)", name,
                                (guint64) H5Dget_storage_size (dataset), need);
          return FALSE;
        }
    }
  return TRUE;
}

/* A failed write: HDF5 says little more than that (a full disk shows as a failed flush). Its
 * file driver's message holds the system's reason ("error message = 'File too large'") among
 * the temporary file's name, a buffer address and offsets that mean nothing to a user: the
 * reason alone is said when it is there. */
static void
set_hdf5_write_error (GError     **error,
                      const char  *path)
{
  g_autofree char *reason = dup_hdf5_reason ();
  const char *start = strstr (reason, "error message = '");

  if (start != NULL)
    {
      const char *end;

      start += strlen ("error message = '");
      end = strchr (start, '\'');
      if (end != NULL && end > start)
        {
          char *system = g_strndup (start, end - start);

          g_free (reason);
          reason = system;
        }
    }

  _evox_hdf5_set_error (error, EVOX_ERROR_FAILED, path, "cannot write (%s)", reason);
}

gboolean
evox_hdf5_has_signature (const guint8 *head,
                         gsize         n)
{
  return head != NULL && n >= sizeof hdf5_signature &&
         memcmp (head, hdf5_signature, sizeof hdf5_signature) == 0;
}

void
evox_hdf5_info_free (EvoxHdf5Info *info)
{
  if (info == NULL)
    return;
  g_free (info->type_name);
  g_free (info->energies_ev);
  g_free (info->angles_deg);
  g_free (info);
}

/* ------------------------------------------------------------------------------------------ */
/* Reading small things: text attributes, vectors                                              */

char *
_evox_hdf5_dup_text_attribute (hid_t       object,
                               const char *name)
{
  g_auto(EvoxH5Id) attribute = H5I_INVALID_HID;
  g_auto(EvoxH5Id) type = H5I_INVALID_HID;
  g_auto(EvoxH5Id) space = H5I_INVALID_HID;
  g_auto(EvoxH5Id) memtype = H5I_INVALID_HID;
  char *text = NULL;

  if (H5Aexists (object, name) <= 0)
    return NULL;
  attribute = H5Aopen (object, name, H5P_DEFAULT);
  if (attribute < 0 || (type = H5Aget_type (attribute)) < 0 ||
      (space = H5Aget_space (attribute)) < 0)
    return NULL;
  if (H5Tget_class (type) != H5T_STRING || H5Sget_simple_extent_npoints (space) != 1)
    return NULL;
  /* HDF5 converts no text between character sets: read in the stored one. */
  memtype = H5Tcopy (H5T_C_S1);
  H5Tset_cset (memtype, H5Tget_cset (type));
  if (H5Tis_variable_str (type) > 0)
    {
      char *vlen = NULL;

      H5Tset_size (memtype, H5T_VARIABLE);
      if (H5Aread (attribute, memtype, &vlen) < 0 || vlen == NULL)
        return NULL;
      text = g_strndup (vlen, MAX_TEXT);
      H5free_memory (vlen);
    }
  else
    {
      size_t size = H5Tget_size (type);

      if (size == 0 || size > MAX_TEXT)
        return NULL;
      /* One more byte than stored: NULLTERM in memory keeps every stored character. */
      H5Tset_size (memtype, size + 1);
      text = g_malloc0 (size + 1);
      if (H5Aread (attribute, memtype, text) < 0)
        g_clear_pointer (&text, g_free);
    }
  if (text != NULL && !g_utf8_validate (text, -1, NULL))
    {
      char *valid = g_utf8_make_valid (text, -1);

      g_free (text);
      text = valid;
    }
  return text != NULL ? g_strstrip (text) : NULL;
}

/* Each parent is looked up first: H5Lexists fails on a missing group. */
hid_t
_evox_hdf5_open_dataset (hid_t       file,
                         const char *name)
{
  g_auto(GStrv) parts = g_strsplit (name + 1, "/", -1);
  g_autoptr(GString) prefix = g_string_new ("");
  hid_t object;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_string_append_printf (prefix, "/%s", parts[i]);
      if (H5Lexists (file, prefix->str, H5P_DEFAULT) <= 0)
        {
          H5Eclear2 (H5E_DEFAULT);
          return H5I_INVALID_HID;
        }
    }
  object = H5Oopen (file, name, H5P_DEFAULT);
  if (object < 0)
    {
      H5Eclear2 (H5E_DEFAULT);
      return H5I_INVALID_HID;
    }
  if (H5Iget_type (object) != H5I_DATASET)
    {
      H5Oclose (object);
      return H5I_INVALID_HID;
    }
  return object;
}

static gboolean
is_number_type (hid_t type)
{
  H5T_class_t class = H5Tget_class (type);

  return class == H5T_INTEGER || class == H5T_FLOAT;
}

gboolean
_evox_hdf5_read_vector (hid_t         file,
                        const char   *name,
                        const char   *path,
                        double      **values,
                        guint        *n,
                        char        **units,
                        GError      **error)
{
  g_auto(EvoxH5Id) dataset = _evox_hdf5_open_dataset (file, name);
  g_auto(EvoxH5Id) type = H5I_INVALID_HID;
  g_auto(EvoxH5Id) space = H5I_INVALID_HID;
  g_autofree double *v = NULL;
  hssize_t count;
  int rank;

  *values = NULL;
  *n = 0;
  if (units != NULL)
    *units = NULL;
  if (dataset < 0)
    return TRUE;
  type = H5Dget_type (dataset);
  space = H5Dget_space (dataset);
  if (type < 0 || space < 0)
    {
      set_hdf5_error (error, path, name);
      return FALSE;
    }
  rank = H5Sget_simple_extent_ndims (space);
  count = H5Sget_simple_extent_npoints (space);
  if (!is_number_type (type) || rank < 0 || rank > 1 || count < 1)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_UNSUPPORTED, path,
                 "%s is not a list of numbers (rank %d, %" G_GINT64_FORMAT " values)", name, rank,
                 (gint64) count);
      return FALSE;
    }
  if (count > EVOX_HDF5_MAX_VECTOR)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_TOO_LARGE, path, "%s claims %" G_GINT64_FORMAT " values", name,
                 (gint64) count);
      return FALSE;
    }
  if (!_evox_hdf5_check_layout (dataset, path, name, error))
    return FALSE;
  v = g_new (double, count);
  if (H5Dread (dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
    {
      g_autofree char *what = g_strdup_printf ("reading %s", name);

      set_hdf5_error (error, path, what);
      return FALSE;
    }
  if (units != NULL)
    *units = _evox_hdf5_dup_text_attribute (dataset, "units");
  *values = g_steal_pointer (&v);
  *n = (guint) count;
  return TRUE;
}

gboolean
_evox_hdf5_units_are (const char         *units,
                      const char * const *names)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (g_ascii_strcasecmp (units, names[i]) == 0)
      return TRUE;
  return FALSE;
}

/* Energies to eV by their units attribute; without one, values all below KEV_BELOW are keV.
 * `note` says which rule decided. */
static gboolean
energies_to_ev (double      *e,
                guint        n,
                const char  *units,
                const char  *path,
                char       **note,
                GError     **error)
{
  static const char * const ev[] = { "eV", "electronvolt", "electron volt", NULL };
  static const char * const kev[] = { "keV", "kiloelectronvolt", NULL };
  static const char * const joule[] = { "J", "joule", NULL };
  double scale = 1, max = 0;

  for (guint i = 0; i < n; i++)
    if (isfinite (e[i]))
      max = MAX (max, fabs (e[i]));
  if (units != NULL && units[0] != '\0')
    {
      if (_evox_hdf5_units_are (units, ev))
        scale = 1;
      else if (_evox_hdf5_units_are (units, kev))
        scale = 1000;
      else if (_evox_hdf5_units_are (units, joule))
        scale = 1 / 1.602176634e-19;
      else
        {
          _evox_hdf5_set_error (error, EVOX_ERROR_UNSUPPORTED, path,
                     "/exchange/energy has units '%s'; Evox reads eV, keV and J", units);
          return FALSE;
        }
      *note = g_strdup_printf ("%s (the units attribute)", units);
    }
  else if (max < KEV_BELOW)
    {
      scale = 1000;
      *note = g_strdup_printf ("none given; values below %g read as keV", KEV_BELOW);
    }
  else
    *note = g_strdup ("none given; read as eV");
  for (guint i = 0; i < n; i++)
    e[i] *= scale;
  return TRUE;
}

/* Data Exchange stores angles in degrees; radians only when the units attribute says so. */
static gboolean
angles_to_degrees (double      *a,
                   guint        n,
                   const char  *units,
                   const char  *path,
                   GError     **error)
{
  static const char * const deg[] = { "deg", "degree", "degrees", NULL };
  static const char * const rad[] = { "rad", "radian", "radians", NULL };

  if (units == NULL || units[0] == '\0' || _evox_hdf5_units_are (units, deg))
    return TRUE;
  if (!_evox_hdf5_units_are (units, rad))
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_UNSUPPORTED, path,
                 "/exchange/theta has units '%s'; Evox reads degrees and radians", units);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    a[i] *= 180 / G_PI;
  return TRUE;
}

double
_evox_hdf5_pixel_size_scale (const char *units,
                             double      value,
                             char      **note)
{
  static const struct { const char *name; double nm; } known[] = {
    { "nm", 1 }, { "nanometer", 1 }, { "nanometre", 1 }, { "nanometers", 1 },
    { "um", 1e3 }, { "µm", 1e3 }, { "micron", 1e3 }, { "microns", 1e3 }, { "micrometer", 1e3 },
    { "micrometre", 1e3 }, { "micrometers", 1e3 },
    { "mm", 1e6 }, { "cm", 1e7 }, { "m", 1e9 }, { "meter", 1e9 }, { "meters", 1e9 },
    { "metre", 1e9 },
  };

  if (units != NULL && units[0] != '\0')
    {
      for (guint i = 0; i < G_N_ELEMENTS (known); i++)
        if (g_ascii_strcasecmp (units, known[i].name) == 0 || strcmp (units, known[i].name) == 0)
          {
            if (note != NULL)
              *note = g_strdup_printf ("from %s, the units attribute", units);
            return known[i].nm;
          }
      return 0;
    }
  if (value < 1e-3)
    {
      if (note != NULL)
        *note = g_strdup ("no units given; below 1e-3 read as m");
      return 1e9;
    }
  if (value <= 100)
    {
      if (note != NULL)
        *note = g_strdup ("no units given; up to 100 read as um");
      return 1e3;
    }
  if (note != NULL)
    *note = g_strdup ("no units given; above 100 read as nm");
  return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* What the file holds                                                                         */

/* A flat or dark field: its shape and how its frames map onto the data. */
typedef struct
{
  hid_t    dataset;
  int      rank;
  hsize_t  shape[4];
  gboolean per_energy;  /* the first axis runs over the energies */
  guint64  n_frames;    /* averaged per energy (per_energy) or over all */
} Reference;

typedef struct
{
  const char   *path;
  hid_t         file;
  hid_t         data;
  EvoxHdf5Info *info;
  hsize_t       shape[4];
  H5T_class_t   class;
  size_t        size;
  H5T_sign_t    sign;
  /* layout */
  guint         n_channels;
  gsize         nx, ny, nz;
  const char   *axes;
  gboolean      energies_used;
  char         *energy_note;
  char         *pixel_note;
  double       *channel_pixel_nm;   /* one per channel when /exchange/pixel_size has them */
  double        spacing_nm[3];      /* Evox's own attribute, NaN when absent */
  Reference     white;
  Reference     dark;
} Source;

/* Nothing open: what source_clear() may meet before source_open() ran. */
#define SOURCE_INIT { .file = H5I_INVALID_HID, .data = H5I_INVALID_HID, \
                      .white = { .dataset = H5I_INVALID_HID }, \
                      .dark = { .dataset = H5I_INVALID_HID } }

static void
source_clear (Source *source)
{
  if (source->white.dataset >= 0)
    H5Dclose (source->white.dataset);
  if (source->dark.dataset >= 0)
    H5Dclose (source->dark.dataset);
  if (source->data >= 0)
    H5Dclose (source->data);
  if (source->file >= 0)
    H5Fclose (source->file);
  evox_hdf5_info_free (source->info);
  g_free (source->energy_note);
  g_free (source->pixel_note);
  g_free (source->channel_pixel_nm);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Source, source_clear)

static char *
type_name (H5T_class_t class,
           size_t      size,
           H5T_sign_t  sign)
{
  if (class == H5T_FLOAT)
    return g_strdup_printf ("float%zu", size * 8);
  return g_strdup_printf ("%sint%zu", sign == H5T_SGN_NONE ? "u" : "", size * 8);
}

static const char *
class_name (H5T_class_t class)
{
  switch (class)
    {
    case H5T_STRING: return "text";
    case H5T_BITFIELD: return "bit field";
    case H5T_OPAQUE: return "opaque";
    case H5T_COMPOUND: return "compound";
    case H5T_REFERENCE: return "reference";
    case H5T_ENUM: return "enumerated";
    case H5T_VLEN: return "variable-length";
    case H5T_ARRAY: return "array";
    default: return "unknown";
    }
}

/* HDF5 cannot tell a truncated or foreign file from a damaged superblock without reading it;
 * refusing what is plainly not HDF5 here keeps the library away from most garbage. */
static gboolean
check_signature (const char  *path,
                 GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) stream = g_file_read (file, NULL, error);
  guint8 head[sizeof hdf5_signature];
  gsize n = 0;

  if (stream == NULL)
    return FALSE;
  if (!g_input_stream_read_all (G_INPUT_STREAM (stream), head, sizeof head, &n, NULL, error))
    return FALSE;
  if (!evox_hdf5_has_signature (head, n))
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path, "not an HDF5 file (no HDF5 signature)");
      return FALSE;
    }
  return TRUE;
}

static gboolean
open_reference (Source      *source,
                const char  *name,
                Reference   *ref,
                GError     **error)
{
  g_auto(EvoxH5Id) type = H5I_INVALID_HID;
  g_auto(EvoxH5Id) space = H5I_INVALID_HID;
  int data_rank = source->info->rank;

  ref->dataset = _evox_hdf5_open_dataset (source->file, name);
  if (ref->dataset < 0)
    return TRUE;
  type = H5Dget_type (ref->dataset);
  space = H5Dget_space (ref->dataset);
  if (type < 0 || space < 0)
    {
      set_hdf5_error (error, source->path, name);
      return FALSE;
    }
  ref->rank = H5Sget_simple_extent_ndims (space);
  if (!is_number_type (type) || ref->rank < 2 || ref->rank > 4)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_UNSUPPORTED, source->path,
                 "%s is not 2 to 4 dimensional numbers", name);
      return FALSE;
    }
  H5Sget_simple_extent_dims (space, ref->shape, NULL);
  if (!_evox_hdf5_check_layout (ref->dataset, source->path, name, error))
    return FALSE;
  if (ref->shape[ref->rank - 2] != source->ny || ref->shape[ref->rank - 1] != source->nx)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, source->path,
                 "%s holds %" G_GUINT64_FORMAT " x %" G_GUINT64_FORMAT " images, the data %"
                 G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT, name, (guint64) ref->shape[ref->rank - 2],
                 (guint64) ref->shape[ref->rank - 1], source->ny, source->nx);
      return FALSE;
    }
  /* Per energy when the first axis runs over the energies and there is an axis of frames left
   * (4D), or for a 2D stack (E, y, x), whose references one per energy are the usual case. */
  ref->per_energy = source->n_channels > 1 && ref->rank >= 3 &&
                    ref->shape[0] == source->n_channels &&
                    (ref->rank == 4 || data_rank == 3);
  if (ref->rank == 4 && !ref->per_energy)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, source->path,
                 "%s is 4D but its first axis (%" G_GUINT64_FORMAT ") is not the %u energies",
                 name, (guint64) ref->shape[0], source->n_channels);
      return FALSE;
    }
  ref->n_frames = 1;
  for (int i = ref->per_energy ? 1 : 0; i < ref->rank - 2; i++)
    if (!g_uint64_checked_mul (&ref->n_frames, ref->n_frames, ref->shape[i]))
      ref->n_frames = G_MAXUINT64;
  if (ref->n_frames == 0)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, source->path, "%s holds no frames", name);
      return FALSE;
    }
  /* Every frame is read to average it: a damaged header claiming billions would never end. */
  if (ref->n_frames > MAX_REFERENCE_FRAMES)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_TOO_LARGE, source->path,
                 "%s claims %" G_GUINT64_FORMAT " frames to average (at most %u)", name,
                 ref->n_frames, MAX_REFERENCE_FRAMES);
      return FALSE;
    }
  return TRUE;
}

static gboolean
angles_vary (const EvoxHdf5Info *info)
{
  for (guint i = 1; i < info->n_angles; i++)
    if (info->angles_deg[i] != info->angles_deg[0])
      return TRUE;
  return FALSE;
}

/* Energies that can name channels: finite, positive and no two alike (as the Xradia reader
 * decides between a spectral stack and a tilt series). A series at one energy, its energy
 * repeated per frame, is layers. */
static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static gboolean
energies_distinct (const EvoxHdf5Info *info)
{
  g_autofree double *sorted = NULL;

  if (info->n_energies == 0)
    return FALSE;
  sorted = g_memdup2 (info->energies_ev, sizeof (double) * info->n_energies);
  for (guint i = 0; i < info->n_energies; i++)
    if (!isfinite (sorted[i]) || sorted[i] <= 0)
      return FALSE;
  qsort (sorted, info->n_energies, sizeof (double), compare_doubles);
  for (guint i = 1; i < info->n_energies; i++)
    if (sorted[i] == sorted[i - 1])
      return FALSE;
  return TRUE;
}

/* Opens the file and /exchange/data, reads the small datasets, decides the layout. */
static gboolean
source_open (Source      *source,
             const char  *path,
             GError     **error)
{
  g_auto(EvoxH5Id) fapl = H5I_INVALID_HID;
  g_auto(EvoxH5Id) type = H5I_INVALID_HID;
  g_auto(EvoxH5Id) space = H5I_INVALID_HID;
  g_autofree char *energy_units = NULL;
  g_autofree char *angle_units = NULL;
  g_autofree char *pixel_units = NULL;
  g_autofree double *pixel = NULL;
  EvoxHdf5Info *info;
  guint n_pixel = 0;
  int rank;

  memset (source, 0, sizeof *source);
  source->path = path;
  source->file = source->data = source->white.dataset = source->dark.dataset = H5I_INVALID_HID;
  source->info = info = g_new0 (EvoxHdf5Info, 1);
  info->pixel_size_nm = NAN;
  for (int i = 0; i < 3; i++)
    source->spacing_nm[i] = NAN;

  quiet ();
  if (!check_signature (path, error))
    return FALSE;
  fapl = H5Pcreate (H5P_FILE_ACCESS);
  /* Closing the file closes whatever is still open in it. */
  H5Pset_fclose_degree (fapl, H5F_CLOSE_STRONG);
  source->file = H5Fopen (path, H5F_ACC_RDONLY, fapl);
  if (source->file < 0)
    {
      g_autofree char *reason = dup_hdf5_reason ();

      _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path, "cannot open as HDF5 (%s)", reason);
      return FALSE;
    }

  source->data = _evox_hdf5_open_dataset (source->file, "/exchange/data");
  if (source->data < 0)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_UNSUPPORTED, path,
                 "no /exchange/data dataset (not a Data Exchange file)");
      return FALSE;
    }
  type = H5Dget_type (source->data);
  space = H5Dget_space (source->data);
  if (type < 0 || space < 0)
    {
      set_hdf5_error (error, path, "/exchange/data");
      return FALSE;
    }
  source->class = H5Tget_class (type);
  source->size = H5Tget_size (type);
  source->sign = H5Tget_sign (type);
  if (is_number_type (type) && (source->size == 0 || source->size > 8))
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_UNSUPPORTED, path,
                 "/exchange/data holds %zu-bit numbers; Evox reads up to 64-bit integers and "
                 "floats", source->size * 8);
      return FALSE;
    }
  if (!is_number_type (type))
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_UNSUPPORTED, path,
                 "/exchange/data holds %s values; Evox reads integers and floats",
                 class_name (source->class));
      return FALSE;
    }
  rank = H5Sget_simple_extent_ndims (space);
  if (rank < 2 || rank > 4)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_UNSUPPORTED, path,
                 "/exchange/data has rank %d; Evox reads 2 (y, x), 3 (z or energy, y, x) and "
                 "4 (energy, z, y, x)", rank);
      return FALSE;
    }
  info->rank = rank;
  H5Sget_simple_extent_dims (space, source->shape, NULL);
  for (int i = 0; i < rank; i++)
    {
      info->shape[i] = source->shape[i];
      if (source->shape[i] == 0 || source->shape[i] > G_MAXUINT32)
        {
          _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, path,
                     "/exchange/data axis %d has %" G_GUINT64_FORMAT " entries", i,
                     (guint64) source->shape[i]);
          return FALSE;
        }
    }
  if (!_evox_hdf5_check_layout (source->data, path, "/exchange/data", error))
    return FALSE;
  info->type_name = type_name (source->class, source->size, source->sign);

  if (!_evox_hdf5_read_vector (source->file, "/exchange/energy", path, &info->energies_ev,
                               &info->n_energies, &energy_units, error) ||
      !_evox_hdf5_read_vector (source->file, "/exchange/theta", path, &info->angles_deg,
                               &info->n_angles, &angle_units, error) ||
      !_evox_hdf5_read_vector (source->file, "/exchange/pixel_size", path, &pixel, &n_pixel,
                               &pixel_units, error))
    return FALSE;
  if (info->n_energies > 0 &&
      !energies_to_ev (info->energies_ev, info->n_energies, energy_units, path,
                       &source->energy_note, error))
    return FALSE;
  if (!angles_to_degrees (info->angles_deg, info->n_angles, angle_units, path, error))
    return FALSE;

  /* The layout: energy first for 4D, and for 3D when the energies name the first axis and no
   * rotation runs along it. */
  source->nx = source->shape[rank - 1];
  source->ny = source->shape[rank - 2];
  if (rank == 2)
    {
      source->n_channels = 1;
      source->nz = 1;
      source->axes = "(y, x)";
    }
  else if (rank == 3 && info->n_energies == source->shape[0] && !angles_vary (info) &&
           energies_distinct (info))
    {
      source->n_channels = (guint) source->shape[0];
      source->nz = 1;
      source->axes = "(energy, y, x)";
    }
  else if (rank == 3)
    {
      source->n_channels = 1;
      source->nz = source->shape[0];
      source->axes = info->n_angles == source->shape[0] ? "(theta, y, x)" : "(z, y, x)";
    }
  else
    {
      source->n_channels = (guint) source->shape[0];
      source->nz = source->shape[1];
      source->axes = info->n_angles == source->shape[1] ? "(energy, theta, y, x)"
                                                       : "(energy, z, y, x)";
    }
  source->energies_used = info->n_energies == source->n_channels;

  if (n_pixel > 0)
    {
      double scale = _evox_hdf5_pixel_size_scale (pixel_units, fabs (pixel[0]),
                                                  &source->pixel_note);

      if (scale == 0)
        {
          _evox_hdf5_set_error (error, EVOX_ERROR_UNSUPPORTED, path,
                     "/exchange/pixel_size has units '%s'; Evox reads nm, um, mm and m",
                     pixel_units);
          return FALSE;
        }
      if (isfinite (pixel[0]) && pixel[0] > 0)
        info->pixel_size_nm = pixel[0] * scale;
      if (n_pixel == source->n_channels && n_pixel > 1)
        {
          source->channel_pixel_nm = g_new (double, n_pixel);
          for (guint c = 0; c < n_pixel; c++)
            source->channel_pixel_nm[c] = pixel[c] * scale;
        }
    }
  if (H5Aexists (source->data, "evox_spacing_nm") > 0)
    {
      g_auto(EvoxH5Id) attribute = H5Aopen (source->data, "evox_spacing_nm", H5P_DEFAULT);
      g_auto(EvoxH5Id) aspace = attribute >= 0 ? H5Aget_space (attribute) : H5I_INVALID_HID;
      double s[3];

      if (aspace >= 0 && H5Sget_simple_extent_npoints (aspace) == 3 &&
          H5Aread (attribute, H5T_NATIVE_DOUBLE, s) >= 0 && isfinite (s[0] + s[1] + s[2]) &&
          s[0] > 0 && s[1] > 0 && s[2] > 0)
        memcpy (source->spacing_nm, s, sizeof s);
      H5Eclear2 (H5E_DEFAULT);
    }

  if (!open_reference (source, "/exchange/data_white", &source->white, error) ||
      !open_reference (source, "/exchange/data_dark", &source->dark, error))
    return FALSE;
  info->has_white = source->white.dataset >= 0;
  info->has_dark = source->dark.dataset >= 0;
  return TRUE;
}

EvoxHdf5Info *
evox_hdf5_read_info (const char  *path,
                     GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&hdf5_lock);
  g_auto(Source) source = SOURCE_INIT;
  EvoxHdf5Info *info;

  g_return_val_if_fail (path != NULL, NULL);

  if (!source_open (&source, path, error))
    return NULL;
  info = g_steal_pointer (&source.info);
  return info;
}

/* ------------------------------------------------------------------------------------------ */
/* Reading the planes                                                                          */

/* Reads image `frame` (the leading axes flattened, slowest first) of a dataset of `rank` and
 * `shape` into buf as memtype. */
static gboolean
read_frame (hid_t           dataset,
            int             rank,
            const hsize_t  *shape,
            guint64         frame,
            hid_t           memtype,
            gpointer        buf)
{
  g_auto(EvoxH5Id) file_space = H5Dget_space (dataset);
  g_auto(EvoxH5Id) mem_space = H5I_INVALID_HID;
  hsize_t start[4] = { 0 }, count[4];
  hsize_t plane[2] = { shape[rank - 2], shape[rank - 1] };

  for (int i = rank - 3; i >= 0; i--)
    {
      start[i] = frame % shape[i];
      frame /= shape[i];
      count[i] = 1;
    }
  count[rank - 2] = plane[0];
  count[rank - 1] = plane[1];
  mem_space = H5Screate_simple (2, plane, NULL);
  if (file_space < 0 || mem_space < 0 ||
      H5Sselect_hyperslab (file_space, H5S_SELECT_SET, start, NULL, count, NULL) < 0)
    return FALSE;
  return H5Dread (dataset, memtype, mem_space, file_space, H5P_DEFAULT, buf) >= 0;
}

/* The mean of a reference's frames for energy `channel` into out (ny * nx floats). */
static gboolean
average_reference (Source      *source,
                   Reference   *ref,
                   guint        channel,
                   const char  *name,
                   float       *out,
                   float       *scratch,
                   GError     **error)
{
  gsize n = source->nx * source->ny;
  guint64 first = ref->per_energy ? (guint64) channel * ref->n_frames : 0;
  g_autofree double *sum = g_new0 (double, n);

  for (guint64 f = 0; f < ref->n_frames; f++)
    {
      if (!read_frame (ref->dataset, ref->rank, ref->shape, first + f, H5T_NATIVE_FLOAT, scratch))
        {
          g_autofree char *what = g_strdup_printf ("reading %s", name);

          set_hdf5_error (error, source->path, what);
          return FALSE;
        }
      for (gsize i = 0; i < n; i++)
        sum[i] += scratch[i];
    }
  for (gsize i = 0; i < n; i++)
    out[i] = (float) (sum[i] / (double) ref->n_frames);
  return TRUE;
}

/* Optical density -ln((I - dark) / (white - dark)); NaN where either difference is not
 * positive, where the logarithm means nothing. Returns how many are NaN. */
static guint64
apply_optical_density (float       *v,
                       const float *white,
                       const float *dark,
                       gsize        n)
{
  guint64 n_nan = 0;

  for (gsize i = 0; i < n; i++)
    {
      double d = dark != NULL ? dark[i] : 0;
      double num = (double) v[i] - d, den = (double) white[i] - d;
      double od = num > 0 && den > 0 ? -log (num / den) : NAN;

      v[i] = isfinite (od) ? (float) od : NAN;
      n_nan += !isfinite (od);
    }
  return n_nan;
}

static char *
format_size (gsize         n_channels,
             const gsize  *dims)
{
  if (n_channels > 1)
    return g_strdup_printf ("%" G_GSIZE_FORMAT " energies of %" G_GSIZE_FORMAT " x %"
                            G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT, n_channels, dims[0], dims[1],
                            dims[2]);
  return g_strdup_printf ("%" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT,
                          dims[0], dims[1], dims[2]);
}

/* The smallest bin at which the volume fits under the memory cap, for the message; 0 if none. */
static guint
bin_that_fits (const Source *source,
               gsize         item)
{
  for (guint bin = 2; bin <= 64; bin++)
    {
      double n = (double) (source->nx / bin) * (double) (source->ny / bin) *
                 (double) (source->nz > 1 ? source->nz / bin : 1) * source->n_channels;

      if (n == 0)
        return 0;
      if (n * item <= (double) evox_memory_cap ())
        return bin;
    }
  return 0;
}

static void
set_info_metadata (EvoxVolume   *volume,
                   const Source *source,
                   guint         bin,
                   gboolean      corrected)
{
  const EvoxHdf5Info *info = source->info;
  g_autoptr(GString) layout = g_string_new (source->axes);

  g_string_append_c (layout, ' ');
  for (int i = 0; i < info->rank; i++)
    g_string_append_printf (layout, "%s%" G_GSIZE_FORMAT, i > 0 ? " x " : "", info->shape[i]);
  g_string_append_printf (layout, " %s", info->type_name);
  evox_volume_set_metadata (volume, "info.format", "Data Exchange HDF5");
  evox_volume_set_metadata (volume, "info.layout", layout->str);
  if (info->has_white || info->has_dark)
    {
      g_autofree char *flat = NULL;
      g_autofree char *white = info->has_white
        ? g_strdup_printf ("data_white %" G_GUINT64_FORMAT " frames%s", source->white.n_frames,
                           source->white.per_energy ? " per energy" : "")
        : g_strdup ("no data_white");
      g_autofree char *dark = info->has_dark
        ? g_strdup_printf ("data_dark %" G_GUINT64_FORMAT "%s", source->dark.n_frames,
                           source->dark.per_energy ? " per energy" : "")
        : g_strdup ("no data_dark");

      flat = g_strdup_printf ("%s, %s%s", white, dark,
                              corrected ? "" : " (not applied without data_white)");
      evox_volume_set_metadata (volume, "info.flat field", flat);
    }
  if (corrected)
    evox_volume_set_metadata (volume, "info.correction",
                              "optical density -ln((data - dark) / (white - dark))");
  if (info->n_energies > 0)
    {
      double lo = INFINITY, hi = -INFINITY;
      g_autofree char *text = NULL;

      for (guint i = 0; i < info->n_energies; i++)
        {
          lo = MIN (lo, info->energies_ev[i]);
          hi = MAX (hi, info->energies_ev[i]);
        }
      if (source->energies_used)
        text = g_strdup (source->energy_note);
      else
        text = g_strdup_printf ("%s; %u energies from %g to %g eV for %u channels, not used",
                                source->energy_note, info->n_energies, lo, hi,
                                source->n_channels);
      evox_volume_set_metadata (volume, "info.energy units", text);
    }
  if (info->n_angles > 0)
    {
      g_autofree char *text = g_strdup_printf ("%u from %g to %g degrees", info->n_angles,
                                               info->angles_deg[0],
                                               info->angles_deg[info->n_angles - 1]);
      evox_volume_set_metadata (volume, "info.angles", text);
    }
  if (isfinite (info->pixel_size_nm))
    {
      g_autofree char *text = g_strdup_printf ("%g nm (%s)", info->pixel_size_nm,
                                               source->pixel_note);
      evox_volume_set_metadata (volume, "info.pixel size", text);
    }
  if (bin > 1)
    {
      g_autofree char *text = source->nz > 1
        ? g_strdup_printf ("%u (mean of %u x %u x %u voxels)", bin, bin, bin, bin)
        : g_strdup_printf ("%u (mean of %u x %u pixels)", bin, bin, bin);
      evox_volume_set_metadata (volume, "info.bin", text);
    }
}

static herr_t
copy_root_metadata_cb (hid_t               location,
                       const char         *name,
                       const H5A_info_t   *ainfo,
                       void               *data)
{
  EvoxVolume *volume = data;
  g_autofree char *text = NULL;

  /* The Data Exchange version and Evox's own keys are not free metadata; warnings are the
   * current read's (files written before they were left out may hold them). */
  if (g_str_has_prefix (name, "info.") || strcmp (name, "version") == 0 ||
      strcmp (name, "spectral_warnings") == 0)
    return 0;
  text = _evox_hdf5_dup_text_attribute (location, name);
  if (text != NULL && g_utf8_validate (name, -1, NULL))
    evox_volume_set_metadata (volume, name, text);
  return 0;
}

/* evox_channel_energies as write_channel_energies wrote it, or NULL. */
static double *
read_channel_energies (const Source *source)
{
  g_auto(EvoxH5Id) attribute = H5I_INVALID_HID;
  g_auto(EvoxH5Id) space = H5I_INVALID_HID;
  g_autofree double *energies = NULL;
  hsize_t n = 0;

  if (H5Aexists (source->data, "evox_channel_energies") <= 0)
    return NULL;
  attribute = H5Aopen (source->data, "evox_channel_energies", H5P_DEFAULT);
  space = attribute >= 0 ? H5Aget_space (attribute) : H5I_INVALID_HID;
  if (space < 0 || H5Sget_simple_extent_ndims (space) != 1 ||
      H5Sget_simple_extent_dims (space, &n, NULL) < 0 || n != source->n_channels)
    return NULL;
  energies = g_new (double, n);
  if (H5Aread (attribute, H5T_NATIVE_DOUBLE, energies) < 0)
    return NULL;
  for (hsize_t c = 0; c < n; c++)
    if (!(isfinite (energies[c]) && energies[c] > 0))
      energies[c] = NAN;
  return g_steal_pointer (&energies);
}

/* Each channel's value meaning as write_channel_values wrote it; the volume-wide one stays
 * where the attribute is missing or does not have a line per channel. */
static void
restore_channel_values (EvoxVolume   *volume,
                        const Source *source)
{
  g_autofree char *text = _evox_hdf5_dup_text_attribute (source->data, "evox_channel_values");
  g_auto(GStrv) lines = NULL;

  if (text == NULL)
    return;
  lines = g_strsplit (text, "\n", -1);
  if (g_strv_length (lines) != source->n_channels)
    return;
  for (guint c = 0; c < source->n_channels; c++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[c], "\t", 3);
      const char *quantity = fields[0] != NULL ? fields[1] : NULL;
      const char *unit = quantity != NULL ? fields[2] : NULL;

      evox_volume_set_channel_values (volume, c, g_strcmp0 (fields[0], "log10") == 0
                                                 ? EVOX_SCALE_LOG10 : EVOX_SCALE_LINEAR,
                                      quantity != NULL && quantity[0] != '\0' ? quantity : NULL,
                                      unit != NULL && unit[0] != '\0' ? unit : NULL);
    }
}

/* What Evox wrote: channel labels, the value meaning, root attributes as metadata. */
static void
restore_evox_attributes (EvoxVolume   *volume,
                         const Source *source,
                         gboolean      corrected)
{
  g_autofree char *labels = _evox_hdf5_dup_text_attribute (source->data, "evox_channel_labels");
  g_autofree char *quantity = _evox_hdf5_dup_text_attribute (source->data, "description");
  g_autofree char *unit = _evox_hdf5_dup_text_attribute (source->data, "units");
  g_autofree char *scale = _evox_hdf5_dup_text_attribute (source->data, "evox_value_scale");
  g_auto(EvoxH5Id) root = H5Gopen2 (source->file, "/", H5P_DEFAULT);

  g_autofree double *energies = read_channel_energies (source);

  for (guint c = 0; energies != NULL && c < source->n_channels; c++)
    evox_volume_set_channel_info (volume, c, evox_volume_get_channel_label (volume, c),
                                  energies[c]);
  if (labels != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (labels, "\n", -1);

      if (g_strv_length (parts) == source->n_channels)
        for (guint c = 0; c < source->n_channels; c++)
          evox_volume_set_channel_info (volume, c, parts[c],
                                        evox_volume_get_channel_energy (volume, c));
    }
  if (!corrected && scale != NULL)
    evox_volume_set_values (volume,
                            strcmp (scale, "log10") == 0 ? EVOX_SCALE_LOG10 : EVOX_SCALE_LINEAR,
                            quantity != NULL && quantity[0] != '\0' ? quantity : NULL,
                            unit != NULL && unit[0] != '\0' ? unit : NULL);
  if (!corrected)
    restore_channel_values (volume, source);
  if (root >= 0)
    {
      hsize_t index = 0;

      H5Aiterate2 (root, H5_INDEX_NAME, H5_ITER_INC, &index, copy_root_metadata_cb, volume);
    }
  H5Eclear2 (H5E_DEFAULT);
}

static void
set_geometry (EvoxVolume   *volume,
              const Source *source,
              guint         bin)
{
  const EvoxHdf5Info *info = source->info;

  if (isfinite (source->spacing_nm[0]))
    {
      double s[3] = { source->spacing_nm[0] * bin, source->spacing_nm[1] * bin,
                      source->spacing_nm[2] * (source->nz > 1 ? bin : 1) };

      evox_volume_set_spacing (volume, s);
      evox_volume_set_spacing_known (volume, TRUE);
    }
  else if (isfinite (info->pixel_size_nm))
    {
      double p = info->pixel_size_nm * bin;
      double s[3] = { p, p, p };

      evox_volume_set_spacing (volume, s);
      evox_volume_set_spacing_known (volume, TRUE);
    }
  for (guint c = 0; c < source->n_channels; c++)
    {
      double energy = source->energies_used ? info->energies_ev[c] : NAN;

      /* Labels name channels on the command line (--channel): not in the user's locale. The
       * Xradia reader's form, so channels read the same from either. */
      if (isfinite (energy))
        {
          char number[G_ASCII_DTOSTR_BUF_SIZE];
          g_autofree char *label = g_strdup_printf ("%s eV", g_ascii_formatd (number,
                                                                              sizeof number,
                                                                              "%.2f", energy));

          evox_volume_set_channel_info (volume, c, label, energy);
        }
      if (source->channel_pixel_nm != NULL && source->channel_pixel_nm[c] > 0)
        evox_volume_set_channel_pixel_size (volume, c, source->channel_pixel_nm[c] * bin);
    }
}

/* HDF5 reads a chunk that was never written as the fill value, without a word: a file whose
 * writer stopped half-way would open as a volume with blocks of zeros. Refuse it by name. */
static gboolean
check_chunks (const Source  *source,
              GError       **error)
{
  g_auto(EvoxH5Id) dcpl = H5Dget_create_plist (source->data);
  g_auto(EvoxH5Id) space = H5I_INVALID_HID;
  int rank = source->info->rank;
  hsize_t chunk[4], n_chunks = 0;
  guint64 expected = 1;

  if (dcpl < 0 || H5Pget_layout (dcpl) != H5D_CHUNKED)
    return TRUE;
  if (H5Pget_chunk (dcpl, rank, chunk) != rank)
    {
      set_hdf5_error (error, source->path, "reading the chunk shape of /exchange/data");
      return FALSE;
    }
  for (int i = 0; i < rank; i++)
    expected *= chunk[i] > 0 ? (source->shape[i] + chunk[i] - 1) / chunk[i] : 0;
  /* HDF5 1.10 wants the dataspace itself, not H5S_ALL. */
  space = H5Dget_space (source->data);
  if (space < 0 || H5Dget_num_chunks (source->data, space, &n_chunks) < 0)
    {
      set_hdf5_error (error, source->path, "counting the chunks of /exchange/data");
      return FALSE;
    }
  if (n_chunks < expected)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, source->path,
                            "/exchange/data has %" G_GUINT64_FORMAT " of its %" G_GUINT64_FORMAT
                            " chunks; the others were never written (an incomplete file?)",
                            (guint64) n_chunks, expected);
      return FALSE;
    }
  return TRUE;
}

/* Row y of plane z of a (z, y, x) dataset, for the first preview (evox_preview_new_sparse). */
typedef struct
{
  const Source *source;
  hid_t         memtype;
} RowReader;

static gboolean
read_row (gpointer   user_data,
          gsize      z,
          gsize      y,
          gpointer   row,
          GError   **error)
{
  RowReader *rows = user_data;
  g_auto(EvoxH5Id) file_space = H5Dget_space (rows->source->data);
  g_auto(EvoxH5Id) mem_space = H5I_INVALID_HID;
  hsize_t start[3] = { z, y, 0 }, count[3] = { 1, 1, rows->source->shape[2] };

  mem_space = H5Screate_simple (1, &count[2], NULL);
  if (file_space < 0 || mem_space < 0 ||
      H5Sselect_hyperslab (file_space, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
      H5Dread (rows->source->data, rows->memtype, mem_space, file_space, H5P_DEFAULT, row) < 0)
    {
      set_hdf5_error (error, rows->source->path, "reading /exchange/data");
      return FALSE;
    }
  return TRUE;
}

EvoxVolume *
evox_hdf5_load (const char    *path,
                guint          bin,
                EvoxProgress  *progress,
                GCancellable  *cancellable,
                GError       **error)
{
  return evox_hdf5_load_with_preview (path, bin, NULL, progress, cancellable, error);
}

/**
 * evox_hdf5_load_with_preview:
 * @preview: (nullable): previews to publish while reading (evox-preview.h); only a volume of
 *   one channel read without binning or flat-field correction has them
 *
 * evox_hdf5_load, reading the planes of the previews first.
 */
EvoxVolume *
evox_hdf5_load_with_preview (const char                *path,
                             guint                      bin,
                             const EvoxPreviewOptions  *preview,
                             EvoxProgress              *progress,
                             GCancellable              *cancellable,
                             GError                   **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&hdf5_lock);
  g_auto(Source) source = SOURCE_INIT;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autofree float *white = NULL;
  g_autofree float *dark = NULL;
  g_autofree float *scratch = NULL;
  g_autofree double *sum = NULL;
  gboolean corrected, direct;
  EvoxSampleType type;
  gsize dims[3], plane_in, plane_out, item;
  guint bz;
  guint64 done = 0, total, n_nan = 0;
  hid_t memtype;
  g_auto(EvoxPreviewPlan) plan = { NULL };
  guint level = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  bin = MAX (bin, 1);
  if (!source_open (&source, path, error))
    return NULL;

  corrected = source.info->has_white;
  if (corrected || source.class == H5T_FLOAT || source.sign != H5T_SGN_NONE || source.size > 2)
    type = EVOX_SAMPLE_F32;
  else
    type = source.size == 1 ? EVOX_SAMPLE_U8 : EVOX_SAMPLE_U16;
  item = evox_sample_type_size (type);
  bz = source.nz > 1 ? bin : 1;
  dims[0] = source.nx / bin;
  dims[1] = source.ny / bin;
  dims[2] = source.nz / bz;
  if (dims[0] == 0 || dims[1] == 0 || dims[2] == 0)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_ARGUMENT, path,
                 "binning by %u leaves nothing of %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %"
                 G_GSIZE_FORMAT, bin, source.nx, source.ny, source.nz);
      return NULL;
    }
  {
    g_autofree char *what = format_size (source.n_channels, dims);
    g_autofree char *described = g_strdup_printf ("%s %s", what,
                                                  evox_sample_type_to_string (type));
    GError *local = NULL;
    guint64 n_voxels = 0;

    /* Each axis is below 2^32, their product need not be. */
    if (!g_uint64_checked_mul (&n_voxels, dims[0], dims[1]) ||
        !g_uint64_checked_mul (&n_voxels, n_voxels, dims[2]))
      n_voxels = G_MAXUINT64;
    if (!evox_check_allocation (n_voxels, item * source.n_channels, described, &local))
      {
        guint fits = bin_that_fits (&source, item);

        if (fits > bin)
          _evox_hdf5_set_error (error, local->code, path, "%s; try --bin %u", local->message, fits);
        else
          _evox_hdf5_set_error (error, local->code, path, "%s", local->message);
        g_error_free (local);
        return NULL;
      }
  }
  /* The images are read whole before binning: their buffers (data, white, dark as floats, the
   * frame sums as doubles) must fit too. */
  if (!evox_check_allocation ((guint64) source.nx * source.ny, 3 * sizeof (float) +
                              2 * sizeof (double), "one image's buffers", error))
    {
      g_autofree char *display = g_filename_display_name (path);

      g_prefix_error (error, "%s: ", display);
      return NULL;
    }
  /* After the size checks: a dataset too large to load is that first. */
  if (!check_chunks (&source, error))
    return NULL;
  volume = evox_volume_new (dims[0], dims[1], dims[2], source.n_channels, type, error);
  if (volume == NULL)
    {
      g_autofree char *display = g_filename_display_name (path);

      g_prefix_error (error, "%s: ", display);
      return NULL;
    }

  plane_in = source.nx * source.ny;
  plane_out = dims[0] * dims[1];
  direct = bin == 1 && !corrected;
  memtype = type == EVOX_SAMPLE_U8 ? H5T_NATIVE_UINT8 : type == EVOX_SAMPLE_U16
            ? H5T_NATIVE_UINT16 : H5T_NATIVE_FLOAT;
  if (!direct || corrected)
    scratch = g_new (float, plane_in);
  if (bin > 1)
    sum = g_new (double, plane_out);
  if (corrected)
    {
      white = g_new (float, plane_in);
      if (source.info->has_dark)
        dark = g_new (float, plane_in);
    }

  if (direct && source.n_channels == 1 && preview != NULL && preview->func != NULL)
    {
      /* The previews need the grid, which comes from the attributes alone. */
      set_geometry (volume, &source, bin);
      evox_preview_plan_init (&plan, preview, dims, item);
    }
  else
    evox_preview_plan_init (&plan, NULL, dims, item);

  /* From a cold disk the first preview's planes would take 1/s of the file, its rows 1/s^2. */
  if (plan.n_levels > 0 && source.info->rank == 3)
    {
      RowReader rows = { &source, memtype };
      g_autoptr(EvoxVolume) sparse = NULL;
      g_autoptr(GError) local = NULL;

      sparse = evox_preview_new_sparse (volume, plan.stride[0], read_row, &rows, &local);
      if (sparse != NULL)
        {
          preview->func (sparse, preview->user_data);
          level = 1;
        }
      else
        g_debug ("no sparse preview: %s", local->message);
    }

  evox_progress_set_stage (progress, "Reading HDF5", 0.0, 1.0);
  total = (guint64) source.n_channels * dims[2] * bz;
  for (guint c = 0; c < source.n_channels; c++)
    {
      guint8 *out = evox_volume_get_data_mut (volume, c);

      if (corrected && (c == 0 || source.white.per_energy) &&
          !average_reference (&source, &source.white, c, "/exchange/data_white", white, scratch,
                              error))
        return NULL;
      if (dark != NULL && (c == 0 || source.dark.per_energy) &&
          !average_reference (&source, &source.dark, c, "/exchange/data_dark", dark, scratch,
                              error))
        return NULL;

      for (gsize i = 0; i < dims[2]; i++)
        {
          /* Planes in the plan's order (in order where it has no previews). */
          gsize zo = plan.order[i];

          if (level < plan.n_levels && i == plan.level_end[level])
            evox_preview_publish (preview, volume, plan.stride[level++]);
          if (sum != NULL)
            memset (sum, 0, plane_out * sizeof *sum);
          for (guint k = 0; k < bz; k++)
            {
              guint64 frame = (guint64) c * source.nz + zo * bz + k;
              gpointer buf = direct ? (gpointer) (out + zo * plane_out * item) : (gpointer) scratch;

              if (g_cancellable_set_error_if_cancelled (cancellable, error))
                return NULL;
              if (!read_frame (source.data, source.info->rank, source.shape, frame,
                               direct ? memtype : H5T_NATIVE_FLOAT, buf))
                {
                  set_hdf5_error (error, path, "reading /exchange/data");
                  return NULL;
                }
              if (corrected)
                n_nan += apply_optical_density (scratch, white, dark, plane_in);
              if (sum != NULL)
                {
                  for (gsize y = 0; y < dims[1] * bin; y++)
                    {
                      const float *row = scratch + y * source.nx;
                      double *acc = sum + (y / bin) * dims[0];

                      for (gsize x = 0; x < dims[0] * bin; x++)
                        acc[x / bin] += row[x];
                    }
                }
              else if (!direct)
                memcpy (out + zo * plane_out * item, scratch, plane_out * item);
              evox_progress_update (progress, (double) ++done / (double) total);
            }
          if (sum != NULL)
            {
              double n = (double) bin * bin * bz;

              for (gsize i = 0; i < plane_out; i++)
                {
                  double mean = sum[i] / n;

                  /* Integer samples keep their type: the mean rounded to the nearest. */
                  if (type == EVOX_SAMPLE_U8)
                    out[zo * plane_out + i] = (guint8) CLAMP (lround (mean), 0, 255);
                  else if (type == EVOX_SAMPLE_U16)
                    ((guint16 *) out)[zo * plane_out + i] =
                      (guint16) CLAMP (lround (mean), 0, 65535);
                  else
                    ((float *) out)[zo * plane_out + i] = (float) mean;
                }
            }
        }
    }

  set_geometry (volume, &source, bin);
  if (corrected)
    evox_volume_set_values (volume, EVOX_SCALE_LINEAR, "optical density", NULL);
  restore_evox_attributes (volume, &source, corrected);
  set_info_metadata (volume, &source, bin, corrected);
  /* Said as the scan-script reader says it: a flat field at or below the dark, or data at or
   * below it, gives NaN where the user would otherwise see nothing wrong. */
  if (n_nan > 0)
    {
      g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT " pixels have data or "
                                               "white at or below the dark (or 0): their "
                                               "optical density is NaN", n_nan);

      evox_volume_set_metadata (volume, "spectral_warnings", text);
    }
  return g_steal_pointer (&volume);
}

/* ------------------------------------------------------------------------------------------ */
/* Reading on demand                                                                           */

typedef struct
{
  Source   source;
  char    *path;
  hid_t    memtype;
  guint64  size;     /* the file's bytes when it was opened */
} Hdf5Source;

static void
hdf5_source_free (gpointer data)
{
  Hdf5Source *h5 = data;

  g_mutex_lock (&hdf5_lock);
  source_clear (&h5->source);
  g_mutex_unlock (&hdf5_lock);
  g_free (h5->path);
  g_free (h5);
}

static gboolean
hdf5_source_read_box (gpointer      user_data,
                      const gsize   origin[3],
                      const gsize   size[3],
                      gpointer      dest,
                      GError      **error)
{
  Hdf5Source *h5 = user_data;
  hsize_t start[3] = { origin[2], origin[1], origin[0] };
  hsize_t count[3] = { size[2], size[1], size[0] };
  gboolean ok;
  GStatBuf st;

  /* HDF5 reads the bytes of a file cut short since it was opened as zeros, without a word. */
  if (g_stat (h5->path, &st) != 0 || (guint64) st.st_size != h5->size)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_INVALID_DATA, h5->path,
                            "the file changed while it was being read");
      return FALSE;
    }
  g_mutex_lock (&hdf5_lock);
  {
    g_auto(EvoxH5Id) file_space = H5Dget_space (h5->source.data);
    g_auto(EvoxH5Id) mem_space = H5Screate_simple (3, count, NULL);

    ok = file_space >= 0 && mem_space >= 0 &&
         H5Sselect_hyperslab (file_space, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
         H5Dread (h5->source.data, h5->memtype, mem_space, file_space, H5P_DEFAULT, dest) >= 0;
    if (!ok)
      set_hdf5_error (error, h5->path, "reading /exchange/data");
  }
  g_mutex_unlock (&hdf5_lock);
  return ok;
}

/**
 * evox_hdf5_open_source:
 *
 * Opens the (z, y, x) /exchange/data of one channel, without flat field, for boxes read on
 * demand as hyperslabs (chunked or contiguous). A chunked dataset with chunks never written is
 * refused as evox_hdf5_load refuses it.
 */
EvoxVoxelSource *
evox_hdf5_open_source (const char  *path,
                       GError     **error)
{
  Hdf5Source *h5;
  EvoxVoxelSource *source;
  EvoxSampleType type;
  gsize dims[3];
  gboolean ok;

  g_return_val_if_fail (path != NULL, NULL);

  h5 = g_new0 (Hdf5Source, 1);
  h5->source = (Source) SOURCE_INIT;
  h5->path = g_strdup (path);
  {
    GStatBuf st;

    if (g_stat (path, &st) == 0)
      h5->size = (guint64) st.st_size;
  }
  g_mutex_lock (&hdf5_lock);
  ok = source_open (&h5->source, h5->path, error) && check_chunks (&h5->source, error);
  g_mutex_unlock (&hdf5_lock);
  if (!ok)
    {
      hdf5_source_free (h5);
      return NULL;
    }
  if (h5->source.info->rank != 3 || h5->source.n_channels != 1 || h5->source.info->has_white)
    {
      _evox_hdf5_set_error (error, EVOX_ERROR_UNSUPPORTED, path,
                            "only a 3D /exchange/data of one channel without flat field can "
                            "be read on demand");
      hdf5_source_free (h5);
      return NULL;
    }
  if (h5->source.class == H5T_FLOAT || h5->source.sign != H5T_SGN_NONE || h5->source.size > 2)
    type = EVOX_SAMPLE_F32;
  else
    type = h5->source.size == 1 ? EVOX_SAMPLE_U8 : EVOX_SAMPLE_U16;
  h5->memtype = type == EVOX_SAMPLE_U8 ? H5T_NATIVE_UINT8 : type == EVOX_SAMPLE_U16
                ? H5T_NATIVE_UINT16 : H5T_NATIVE_FLOAT;
  dims[0] = h5->source.nx;
  dims[1] = h5->source.ny;
  dims[2] = h5->source.nz;
  source = evox_voxel_source_new (dims, type, path, hdf5_source_read_box, h5, hdf5_source_free);
  /* A row is a hyperslab of its own, as the first preview of a load that fits reads it. */
  evox_voxel_source_set_cheap_rows (source, TRUE);
  return source;
}

/**
 * evox_hdf5_read_reduced:
 * @preview: (nullable): previews to publish while the reduced volume fills (evox-preview.h)
 *
 * A dataset larger than the memory cap, read once into its reduced volume (evox-voxel-source.h)
 * with the file attached for reading at full resolution on demand.
 */
EvoxVolume *
evox_hdf5_read_reduced (const char                *path,
                        const EvoxPreviewOptions  *preview,
                        EvoxProgress              *progress,
                        GCancellable              *cancellable,
                        GError                   **error)
{
  g_autoptr(EvoxVoxelSource) source = evox_hdf5_open_source (path, error);
  g_autoptr(EvoxVolume) volume = NULL;
  Hdf5Source *h5;
  guint scale;

  if (source == NULL)
    return NULL;
  volume = evox_voxel_source_new_reduced (source, error);
  if (volume == NULL)
    return NULL;
  /* The previews need the grid, which comes from the attributes alone. */
  scale = evox_volume_get_reduction (volume);
  h5 = evox_voxel_source_get_user_data (source);
  g_mutex_lock (&hdf5_lock);
  set_geometry (volume, &h5->source, scale);
  restore_evox_attributes (volume, &h5->source, FALSE);
  set_info_metadata (volume, &h5->source, 1, FALSE);
  g_mutex_unlock (&hdf5_lock);
  evox_progress_set_stage (progress, "Reading HDF5 (reduced)", 0.0, 1.0);
  if (!evox_preview_fill_reduced (source, volume, preview, progress, cancellable, error))
    return NULL;
  evox_volume_freeze (volume);
  return g_steal_pointer (&volume);
}

/* ------------------------------------------------------------------------------------------ */
/* Writing                                                                                     */

/* Fixed-length UTF-8 text of exactly value's bytes. Not variable-length: those live in HDF5's
 * global heap, whose reader (1.10) crashes on a damaged heap instead of failing, and Evox must
 * read its own files back safely. h5py gives these as bytes (numpy.bytes_). */
static hid_t
text_type (const char *value)
{
  hid_t type = H5Tcopy (H5T_C_S1);

  H5Tset_size (type, MAX (strlen (value), 1));
  H5Tset_strpad (type, H5T_STR_NULLPAD);
  H5Tset_cset (type, H5T_CSET_UTF8);
  return type;
}

static gboolean
write_text_attribute (hid_t       object,
                      const char *name,
                      const char *value)
{
  g_auto(EvoxH5Id) type = text_type (value);
  g_auto(EvoxH5Id) space = H5Screate (H5S_SCALAR);
  g_auto(EvoxH5Id) attribute = H5Acreate2 (object, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  g_autofree char *padded = g_strndup (value, MAX (strlen (value), 1));

  return attribute >= 0 && H5Awrite (attribute, type, padded) >= 0;
}

static gboolean
write_doubles (hid_t         location,
               const char   *name,
               const double *values,
               hsize_t       n,
               const char   *units)
{
  g_auto(EvoxH5Id) space = n == 0 ? H5Screate (H5S_SCALAR) : H5Screate_simple (1, &n, NULL);
  g_auto(EvoxH5Id) dataset = H5Dcreate2 (location, name, H5T_IEEE_F64LE, space, H5P_DEFAULT,
                                         H5P_DEFAULT, H5P_DEFAULT);

  return dataset >= 0 &&
         H5Dwrite (dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0 &&
         (units == NULL || write_text_attribute (dataset, "units", units));
}

static gboolean
write_text_dataset (hid_t       location,
                    const char *name,
                    const char *value)
{
  g_auto(EvoxH5Id) type = text_type (value);
  g_auto(EvoxH5Id) space = H5Screate (H5S_SCALAR);
  g_auto(EvoxH5Id) dataset = H5Dcreate2 (location, name, type, space, H5P_DEFAULT, H5P_DEFAULT,
                                         H5P_DEFAULT);

  return dataset >= 0 && H5Dwrite (dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, value) >= 0;
}

/* Maps beside a normalised stack: some channels have energies and others none, which
 * /exchange/energy (one for every channel) cannot say. NaN where a channel has none. */
static gboolean
write_channel_energies (hid_t         data,
                        const double *energies,
                        hsize_t       n)
{
  g_auto(EvoxH5Id) space = H5I_INVALID_HID;
  g_auto(EvoxH5Id) attribute = H5I_INVALID_HID;
  gboolean any = FALSE;

  for (hsize_t c = 0; c < n; c++)
    any = any || (isfinite (energies[c]) && energies[c] > 0);
  if (!any)
    return TRUE;
  space = H5Screate_simple (1, &n, NULL);
  attribute = H5Acreate2 (data, "evox_channel_energies", H5T_IEEE_F64LE, space, H5P_DEFAULT,
                          H5P_DEFAULT);
  return attribute >= 0 && H5Awrite (attribute, H5T_NATIVE_DOUBLE, energies) >= 0;
}

/* Each channel's value meaning, "SCALE<tab>QUANTITY<tab>UNIT" a line, where channels differ (an
 * edge-energy map in eV beside a mask): description and units say channel 0's. A line starts
 * with its scale, so none is empty, and a reader that strips the text loses only the last
 * line's empty unit. */
static gboolean
write_channel_values (hid_t        data,
                      EvoxVolume  *volume)
{
  g_autoptr(GString) lines = g_string_new (NULL);

  for (guint c = 0; c < evox_volume_get_n_channels (volume); c++)
    {
      const char *quantity = evox_volume_get_channel_quantity (volume, c);
      const char *unit = evox_volume_get_channel_unit (volume, c);

      g_string_append_printf (lines, "%s%s\t%s\t%s", c > 0 ? "\n" : "",
                              evox_volume_get_channel_value_scale (volume, c) == EVOX_SCALE_LOG10
                              ? "log10" : "linear", quantity != NULL ? quantity : "",
                              unit != NULL ? unit : "");
    }
  return write_text_attribute (data, "evox_channel_values", lines->str);
}

/* The metadata that describes the volume, beside the data. */
static gboolean
write_description (hid_t        file,
                   hid_t        exchange,
                   hid_t        data,
                   EvoxVolume  *volume,
                   guint        scale,
                   const char  *axes)
{
  guint n_channels = evox_volume_get_n_channels (volume);
  g_auto(GStrv) keys = evox_volume_dup_metadata_keys (volume);
  g_autoptr(GString) labels = g_string_new (NULL);
  g_autofree double *energies = g_new (double, n_channels);
  g_autofree double *pixel_um = g_new (double, n_channels);
  const char *quantity = evox_volume_get_quantity (volume);
  const char *unit = evox_volume_get_unit (volume);
  gboolean have_energies = TRUE, pixel_varies = FALSE;
  double spacing[3];

  if (!write_text_dataset (file, "implements", "exchange") ||
      !write_text_attribute (file, "version", "1.0") ||
      !write_text_attribute (data, "axes", axes) ||
      /* Without units Data Exchange means counts: say nothing rather than something wrong. */
      (unit != NULL && unit[0] != '\0' && !write_text_attribute (data, "units", unit)) ||
      (quantity != NULL && !write_text_attribute (data, "description", quantity)) ||
      !write_text_attribute (data, "evox_value_scale",
                             evox_volume_get_value_scale (volume) == EVOX_SCALE_LOG10 ? "log10"
                                                                                      : "linear"))
    return FALSE;

  /* scale > 1: a volume held reduced, written at its file's voxels. */
  evox_volume_get_spacing (volume, spacing);
  for (int i = 0; i < 3; i++)
    spacing[i] /= scale;
  for (guint c = 0; c < n_channels; c++)
    {
      const char *label = evox_volume_get_channel_label (volume, c);

      energies[c] = evox_volume_get_channel_energy (volume, c);
      have_energies = have_energies && isfinite (energies[c]) && energies[c] > 0;
      pixel_um[c] = evox_volume_get_channel_pixel_size (volume, c) / scale / 1e3;
      pixel_varies = pixel_varies || pixel_um[c] != pixel_um[0];
      g_string_append_printf (labels, "%s%s", c > 0 ? "\n" : "", label != NULL ? label : "");
    }
  if (!write_text_attribute (data, "evox_channel_labels", labels->str))
    return FALSE;
  if (have_energies && !write_doubles (exchange, "energy", energies, n_channels, "eV"))
    return FALSE;
  if (!have_energies && !write_channel_energies (data, energies, n_channels))
    return FALSE;
  if (!evox_volume_channels_share_values (volume) && !write_channel_values (data, volume))
    return FALSE;
  if (evox_volume_get_spacing_known (volume))
    {
      hsize_t three = 3;
      g_auto(EvoxH5Id) space = H5Screate_simple (1, &three, NULL);
      g_auto(EvoxH5Id) attribute = H5Acreate2 (data, "evox_spacing_nm", H5T_IEEE_F64LE, space,
                                               H5P_DEFAULT, H5P_DEFAULT);

      if (attribute < 0 || H5Awrite (attribute, H5T_NATIVE_DOUBLE, spacing) < 0 ||
          !write_doubles (exchange, "pixel_size", pixel_um, pixel_varies ? n_channels : 0, "um"))
        return FALSE;
    }
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      const char *value = evox_volume_get_metadata (volume, keys[i]);

      /* info.* keys describe the file the volume was read from, not this one; the reader's
       * warnings were said when it was read and would be said again on every later read. */
      if (g_str_has_prefix (keys[i], "info.") || strcmp (keys[i], "version") == 0 ||
          strcmp (keys[i], "spectral_warnings") == 0 || value == NULL)
        continue;
      if (!write_text_attribute (file, keys[i], value))
        return FALSE;
    }
  return TRUE;
}

/* Text longer than this does not go into an attribute of the earliest format (its object
 * header messages hold 64 KiB, name, type and space included). */
#define COMPACT_ATTRIBUTE_MAX 32768

static gboolean
has_long_metadata (EvoxVolume *volume)
{
  g_auto(GStrv) keys = evox_volume_dup_metadata_keys (volume);
  gsize labels = 0;

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      const char *value = evox_volume_get_metadata (volume, keys[i]);

      if (value != NULL && strlen (value) >= COMPACT_ATTRIBUTE_MAX)
        return TRUE;
    }
  for (guint c = 0; c < evox_volume_get_n_channels (volume); c++)
    {
      const char *label = evox_volume_get_channel_label (volume, c);

      labels += (label != NULL ? strlen (label) : 0) + 1;
    }
  return labels >= COMPACT_ATTRIBUTE_MAX;
}

/* One plane of a volume held reduced, read from its file at full resolution. The source takes
 * the library's lock for its own reads, so the writer lets go of it meanwhile. */
static gboolean
read_source_plane (EvoxVoxelSource  *source,
                   const gsize       dims[3],
                   gsize             z,
                   gpointer          plane,
                   GError          **error)
{
  const gsize origin[3] = { 0, 0, z };
  const gsize size[3] = { dims[0], dims[1], 1 };
  gboolean ok;

  g_mutex_unlock (&hdf5_lock);
  ok = evox_voxel_source_read_box (source, origin, size, plane, error);
  g_mutex_lock (&hdf5_lock);
  return ok;
}

/* source: NULL, or the file of a volume held reduced, written at its full resolution. */
static gboolean
write_file (EvoxVolume       *volume,
            EvoxVoxelSource  *source,
            const char       *tmp_path,
            const char       *path,
            const char       *provenance,
            EvoxProgress     *progress,
            GCancellable     *cancellable,
            GError          **error)
{
  guint n_channels = evox_volume_get_n_channels (volume);
  EvoxSampleType type = evox_volume_get_sample_type (volume);
  gsize dims[3], item = evox_sample_type_size (type);
  gboolean have_energies = TRUE;
  hid_t file_type, memtype;
  hsize_t shape[4], chunk[4];
  int rank = 0;
  const char *axes;
  g_auto(EvoxH5Id) fapl = H5I_INVALID_HID;
  g_auto(EvoxH5Id) file = H5I_INVALID_HID;
  g_auto(EvoxH5Id) exchange = H5I_INVALID_HID;
  g_auto(EvoxH5Id) space = H5I_INVALID_HID;
  g_auto(EvoxH5Id) dcpl = H5I_INVALID_HID;
  g_auto(EvoxH5Id) data = H5I_INVALID_HID;
  guint64 done = 0, total;
  hid_t closing;
  guint scale = 1;
  g_autofree guint8 *file_plane = NULL;

  evox_volume_get_dims (volume, dims);
  if (source != NULL)
    {
      evox_voxel_source_get_dims (source, dims);
      evox_voxel_source_get_attached (volume, &scale);
      g_assert (n_channels == 1 && evox_voxel_source_get_sample_type (source) == type);
      file_plane = g_malloc (dims[0] * dims[1] * item);
    }
  for (guint c = 0; c < n_channels; c++)
    {
      double e = evox_volume_get_channel_energy (volume, c);

      have_energies = have_energies && isfinite (e);
      /* Two channels of one energy would read back as layers from (E, y, x). */
      for (guint d = 0; have_energies && d < c; d++)
        have_energies = evox_volume_get_channel_energy (volume, d) != e;
    }

  /* (E, y, x) only when the energies name the first axis, as the reader decides; channels
   * without energies keep their own axis, so a stack of features does not come back as z. */
  if (n_channels > 1 && dims[2] == 1 && have_energies)
    {
      axes = "energy:y:x";
      shape[rank++] = n_channels;
    }
  else if (n_channels > 1)
    {
      axes = "energy:z:y:x";
      shape[rank++] = n_channels;
      shape[rank++] = dims[2];
    }
  else
    {
      axes = "z:y:x";
      shape[rank++] = dims[2];
    }
  shape[rank++] = dims[1];
  shape[rank++] = dims[0];
  for (int i = 0; i < rank; i++)
    chunk[i] = i < rank - 2 ? 1 : shape[i];
  file_type = type == EVOX_SAMPLE_U8 ? H5T_STD_U8LE : type == EVOX_SAMPLE_U16 ? H5T_STD_U16LE
              : H5T_IEEE_F32LE;
  memtype = type == EVOX_SAMPLE_U8 ? H5T_NATIVE_UINT8 : type == EVOX_SAMPLE_U16
            ? H5T_NATIVE_UINT16 : H5T_NATIVE_FLOAT;

  /* The earliest format reads everywhere but holds no attribute over 64 KiB, and a scan
   * script's list of missing files is longer than that; the 1.8 format (every HDF5 since 2008,
   * h5py, TXM-Sandbox) keeps those in dense storage, so it is used when they are there. */
  if (has_long_metadata (volume))
    {
      fapl = H5Pcreate (H5P_FILE_ACCESS);
      if (fapl >= 0)
        H5Pset_libver_bounds (fapl, H5F_LIBVER_V18, H5F_LIBVER_V18);
    }
  file = H5Fcreate (tmp_path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl >= 0 ? fapl : H5P_DEFAULT);
  if (file < 0)
    {
      g_autofree char *reason = dup_hdf5_reason ();

      _evox_hdf5_set_error (error, EVOX_ERROR_FAILED, path, "cannot create an HDF5 file (%s)", reason);
      return FALSE;
    }
  exchange = H5Gcreate2 (file, "exchange", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  space = H5Screate_simple (rank, shape, NULL);
  dcpl = H5Pcreate (H5P_DATASET_CREATE);
  if (exchange < 0 || space < 0 || dcpl < 0 || H5Pset_chunk (dcpl, rank, chunk) < 0 ||
      (data = H5Dcreate2 (exchange, "data", file_type, space, H5P_DEFAULT, dcpl,
                          H5P_DEFAULT)) < 0 ||
      !write_description (file, exchange, data, volume, scale, axes) ||
      (provenance != NULL && !write_text_attribute (file, "evox_provenance", provenance)))
    {
      set_hdf5_write_error (error, path);
      return FALSE;
    }

  evox_progress_set_stage (progress, "Writing HDF5", 0.0, 1.0);
  total = (guint64) n_channels * dims[2];
  for (guint c = 0; c < n_channels; c++)
    {
      const guint8 *voxels = source == NULL ? evox_volume_get_data (volume, c) : NULL;

      for (gsize z = 0; z < dims[2]; z++)
        {
          hsize_t start[4] = { 0 }, count[4];
          hsize_t plane[2] = { dims[1], dims[0] };
          g_auto(EvoxH5Id) mem_space = H5Screate_simple (2, plane, NULL);
          g_auto(EvoxH5Id) file_space = H5Dget_space (data);
          const void *plane_data;
          int lead = 0;

          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
          if (n_channels > 1)
            start[lead++] = c;
          if (rank - lead == 3)
            start[lead++] = z;
          for (int i = 0; i < rank; i++)
            count[i] = i < rank - 2 ? 1 : shape[i];
          if (source != NULL && !read_source_plane (source, dims, z, file_plane, error))
            return FALSE;
          plane_data = source != NULL ? (const void *) file_plane
                                      : (const void *) (voxels + z * dims[0] * dims[1] * item);
          if (H5Sselect_hyperslab (file_space, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
              H5Dwrite (data, memtype, mem_space, file_space, H5P_DEFAULT, plane_data) < 0)
            {
              set_hdf5_write_error (error, path);
              return FALSE;
            }
          evox_progress_update (progress, (double) ++done / (double) total);
        }
    }
  H5Dclose (data);
  data = H5I_INVALID_HID;
  H5Pclose (dcpl);
  dcpl = H5I_INVALID_HID;
  H5Sclose (space);
  space = H5I_INVALID_HID;
  H5Gclose (exchange);
  exchange = H5I_INVALID_HID;
  /* Closing flushes: a full disk shows up here. */
  closing = file;
  file = H5I_INVALID_HID;
  if (H5Fclose (closing) < 0)
    {
      set_hdf5_write_error (error, path);
      return FALSE;
    }
  return TRUE;
}

/* What evox_hdf5_write hands to the temporary's writer. */
typedef struct
{
  EvoxVolume      *volume;
  EvoxVoxelSource *source;  /* full resolution of a volume held reduced, or NULL */
  const char      *provenance;
  EvoxProgress    *progress;
  GCancellable    *cancellable;
} WriteJob;

static gboolean
write_temporary (const char  *tmp_path,
                 const char  *path,
                 gpointer     user_data,
                 GError     **error)
{
  WriteJob *job = user_data;
  EvoxVolume *volume = job->volume;
  guint64 n_voxels = evox_volume_get_n_voxels (volume);

  if (job->source != NULL)
    {
      gsize dims[3];

      evox_voxel_source_get_dims (job->source, dims);
      n_voxels = (guint64) dims[0] * dims[1] * dims[2];
    }
  /* The voxels alone are a lower bound of the file (see _evox_output_check_space). */
  if (!_evox_output_check_space (path, n_voxels * evox_volume_get_n_channels (volume) *
                                       evox_sample_type_size (evox_volume_get_sample_type (volume)),
                                 error))
    return FALSE;
  return write_file (job->volume, job->source, tmp_path, path, job->provenance, job->progress,
                     job->cancellable, error);
}

/* The volume's voxels, or SOURCE's at full resolution when it is not NULL, written under the
 * library's lock (Debian's libhdf5 is not thread-safe). */
static gboolean
write_volume (EvoxVolume       *volume,
              EvoxVoxelSource  *source,
              const char       *path,
              gboolean          force,
              const char       *provenance,
              EvoxProgress     *progress,
              GCancellable     *cancellable,
              GError          **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&hdf5_lock);
  WriteJob job = { volume, source, provenance, progress, cancellable };

  quiet ();
  return _evox_output_write_file (path, force, write_temporary, &job, error);
}

gboolean
evox_hdf5_write (EvoxVolume    *volume,
                 const char    *path,
                 gboolean       force,
                 EvoxProgress  *progress,
                 GCancellable  *cancellable,
                 GError       **error)
{
  return evox_hdf5_write_with_provenance (volume, path, force, NULL, progress, cancellable,
                                          error);
}

gboolean
evox_hdf5_write_with_provenance (EvoxVolume    *volume,
                                 const char    *path,
                                 gboolean       force,
                                 const char    *provenance,
                                 EvoxProgress  *progress,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (volume), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return write_volume (volume, NULL, path, force, provenance, progress, cancellable, error);
}

/**
 * evox_hdf5_write_full_resolution:
 *
 * evox_hdf5_write_with_provenance, but a volume held reduced (evox-voxel-source.h) is written
 * at its file's full resolution and voxel size, read from the file a plane at a time; other
 * volumes as they are.
 */
gboolean
evox_hdf5_write_full_resolution (EvoxVolume    *volume,
                                 const char    *path,
                                 gboolean       force,
                                 const char    *provenance,
                                 EvoxProgress  *progress,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (volume), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return write_volume (volume, evox_voxel_source_get_attached (volume, NULL), path, force,
                       provenance, progress, cancellable, error);
}
