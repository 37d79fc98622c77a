/* evox-spectral-reader.c: multi-energy stacks assembled from many files: SSRL scan scripts,
 * lists and folders of Xradia images with their references, per-energy TIFF files. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "evox-spectral-reader.h"
#include "evox-binning.h"
#include "evox-spectral-reader-private.h"
#include "evox-tiff.h"
#include "evox-tiff-private.h"
#include "evox-xrm.h"

#define ENERGY_TOLERANCE_EV EVOX_SPECTRAL_ENERGY_TOLERANCE_EV
/* How many names (long: SSRL names run to 80 characters) and energies one warning lists before
 * "and N more"; the whole list of missing files is in "spectral_missing_files". */
#define WARNING_MAX_NAMES 3
#define WARNING_MAX_ENERGIES 10
/* How much of a text file detection reads to decide whether it is a scan script. */
#define SCRIPT_SNIFF_BYTES (64u << 10)

/* ------------------------------------------------------------------------------------------ */
/* Names                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static gboolean
is_digits (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}

/**
 * evox_spectral_energy_from_name:
 *
 * The number right before "eV" (with at most one '_' or ' ' between), where "eV" ends the name
 * or is followed by something other than a letter: `_08324.0_eV_`, `_8341.0eV.tif`.
 */
double
evox_spectral_energy_from_name (const char *name)
{
  g_autofree char *base = NULL;
  gsize n;

  g_return_val_if_fail (name != NULL, NAN);

  base = g_path_get_basename (name);
  n = strlen (base);
  for (gsize i = 1; i + 2 <= n; i++)
    {
      gsize end = i, start;
      double value;
      char *stop = NULL;
      g_autofree char *number = NULL;

      if (g_ascii_tolower (base[i]) != 'e' || g_ascii_tolower (base[i + 1]) != 'v')
        continue;
      if (i + 2 < n && g_ascii_isalpha (base[i + 2]))
        continue;
      if (base[end - 1] == '_' || base[end - 1] == ' ')
        end--;
      start = end;
      while (start > 0 && (g_ascii_isdigit (base[start - 1]) || base[start - 1] == '.'))
        start--;
      if (start == end || !g_ascii_isdigit (base[end - 1]))
        continue;
      number = g_strndup (base + start, end - start);
      value = g_ascii_strtod (number, &stop);
      if (stop != NULL && *stop == '\0' && isfinite (value) && value > 0)
        return value;
    }
  return NAN;
}

static char *
strip_extension (const char *name)
{
  g_autofree char *base = g_path_get_basename (name);
  char *dot = strrchr (base, '.');

  if (dot != NULL && dot != base)
    *dot = '\0';
  return g_steal_pointer (&base);
}

char *
_evox_spectral_name_key (const char *name)
{
  g_autofree char *stem = strip_extension (name);
  g_auto(GStrv) tokens = g_strsplit (stem, "_", -1);
  double energy = evox_spectral_energy_from_name (name);
  const char *serial = "";
  int rep = -1, index = -1, count = -1;
  gboolean ref = FALSE;

  if (!isfinite (energy))
    return NULL;
  for (guint i = 0; tokens[i] != NULL; i++)
    {
      const char *t = tokens[i];
      const char *of;

      if (g_ascii_strncasecmp (t, "rep", 3) == 0 && is_digits (t + 3))
        rep = atoi (t + 3);
      else if (g_ascii_strcasecmp (t, "ref") == 0)
        {
          ref = TRUE;
          if (i > 0 && is_digits (tokens[i - 1]))
            serial = tokens[i - 1];
        }
      else if ((of = strstr (t, "of")) != NULL && of > t)
        {
          g_autofree char *left = g_strndup (t, of - t);

          if (is_digits (left) && is_digits (of + 2))
            {
              index = atoi (left);
              count = atoi (of + 2);
            }
        }
    }
  return g_strdup_printf ("%d|%d|%s|%.2f|%d|%d", rep, ref, serial, energy, index, count);
}

gboolean
_evox_spectral_is_reference_name (const char *name)
{
  g_autofree char *base = g_path_get_basename (name);
  gsize n = strlen (base);

  for (gsize i = 0; i + 3 <= n; i++)
    {
      gboolean starts, ends;

      if (g_ascii_strncasecmp (base + i, "ref", 3) != 0)
        continue;
      /* A word: not inside letters ("prefix", "refine"), or a capitalised "Ref" that starts a
       * word of a camel-case name ("sampleRef"). */
      starts = i == 0 || !g_ascii_isalpha (base[i - 1]) ||
               (base[i] == 'R' && g_ascii_islower (base[i - 1]));
      ends = i + 3 == n || !g_ascii_isalpha (base[i + 3]) || g_ascii_isupper (base[i + 3]) ||
             (g_ascii_strncasecmp (base + i + 3, "s", 1) == 0 &&
              (i + 4 == n || !g_ascii_isalpha (base[i + 4])));
      if (starts && ends)
        return TRUE;
    }
  return FALSE;
}

static gboolean
has_suffix_ci (const char *name,
               const char *suffix)
{
  gsize n = strlen (name), m = strlen (suffix);

  return n > m && g_ascii_strcasecmp (name + n - m, suffix) == 0;
}

static gboolean
is_tiff_name (const char *name)
{
  return has_suffix_ci (name, ".tif") || has_suffix_ci (name, ".tiff");
}

static gboolean
is_xrm_name (const char *name)
{
  return has_suffix_ci (name, ".xrm");
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

GPtrArray *
_evox_spectral_list_folder (const char  *folder,
                            gboolean   (*keep) (const char *name),
                            GError     **error)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return NULL;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;

      /* Hidden files (macOS ._img.tif) are not images, as the TIFF reader agrees. */
      if (name[0] == '.' || !keep (name))
        continue;
      path = g_build_filename (folder, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_names);
  return g_steal_pointer (&names);
}

static char *
energy_label (double energy)
{
  return g_strdup_printf ("%.1f eV", energy);
}

/* Up to WARNING_MAX_NAMES of names, comma-separated, then how many more. */
static char *
join_names (GPtrArray *names)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < names->len && i < WARNING_MAX_NAMES; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? ", " : "", (char *) names->pdata[i]);
  if (names->len > WARNING_MAX_NAMES)
    g_string_append_printf (text, " and %u more", names->len - WARNING_MAX_NAMES);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* ------------------------------------------------------------------------------------------ */
/* Scan scripts                                                                               */
/* ------------------------------------------------------------------------------------------ */

static void
script_image_free (EvoxScriptImage *image)
{
  g_free (image->name);
  g_free (image);
}

/* The command word of a script line and where its argument starts; NULL for blank lines and
 * `;` comments. */
static char *
script_command (char  *line,
                char **argument)
{
  char *p = g_strstrip (line);
  char *end;

  if (*p == '\0' || *p == ';')
    return NULL;
  end = p;
  while (*end != '\0' && !g_ascii_isspace (*end))
    end++;
  *argument = end;
  if (*end != '\0')
    {
      *end = '\0';
      *argument = g_strstrip (end + 1);
    }
  return p;
}

/* The whole of a text file; a failure to read it, or a NUL byte in it (`not_text` says what the
 * file is not), is EVOX_ERROR_INVALID_DATA. */
static char *
read_text (const char  *path,
           const char  *not_text,
           GError     **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local = NULL;
  gsize length;

  if (!g_file_get_contents (path, &text, &length, &local))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "%s", local->message);
      return NULL;
    }
  if (memchr (text, '\0', length) != NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "%s: %s", path, not_text);
      return NULL;
    }
  return g_steal_pointer (&text);
}

GPtrArray *
_evox_spectral_parse_script (const char  *path,
                             GError     **error)
{
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func ((GDestroyNotify) script_image_free);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  double energy = NAN;

  text = read_text (path, "not a scan script (a NUL byte in the text)", error);
  if (text == NULL)
    return NULL;
  lines = g_strsplit_set (text, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *argument = NULL;
      char *command = script_command (lines[i], &argument);

      if (command == NULL)
        continue;
      if (g_ascii_strcasecmp (command, "sete") == 0)
        {
          char *stop = NULL;

          energy = g_ascii_strtod (argument, &stop);
          if (stop == argument || *g_strstrip (stop) != '\0' || !isfinite (energy) ||
              energy <= 0)
            {
              g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                           "%s: line %u: `sete %s` is not an energy in eV", path, i + 1,
                           argument);
              return NULL;
            }
        }
      else if (g_ascii_strcasecmp (command, "collect") == 0 && *argument != '\0')
        {
          EvoxScriptImage *image = g_new0 (EvoxScriptImage, 1);
          g_autofree char *base = g_path_get_basename (argument);

          image->name = g_strdup (argument);
          image->energy = energy;
          image->is_ref = _evox_spectral_is_reference_name (base);
          g_ptr_array_add (images, image);
        }
      /* moveto, setexp, setbinning and the rest move the microscope; nothing to read. */
    }
  return g_steal_pointer (&images);
}

/* A text file with `sete` or `collect` commands in its first part (SSM tables have neither). */
static gboolean
looks_like_script (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) stream = g_file_read (file, NULL, NULL);
  g_autofree char *head = g_malloc (SCRIPT_SNIFF_BYTES + 1);
  g_auto(GStrv) lines = NULL;
  gsize n = 0;

  if (stream == NULL ||
      !g_input_stream_read_all (G_INPUT_STREAM (stream), head, SCRIPT_SNIFF_BYTES, &n, NULL,
                                NULL) || n == 0 || memchr (head, '\0', n) != NULL)
    return FALSE;
  head[n] = '\0';
  lines = g_strsplit_set (head, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *argument = NULL;
      char *command = script_command (lines[i], &argument);

      if (command != NULL && (g_ascii_strcasecmp (command, "sete") == 0 ||
                              g_ascii_strcasecmp (command, "collect") == 0))
        return TRUE;
    }
  return FALSE;
}

/* ------------------------------------------------------------------------------------------ */
/* Detection                                                                                  */
/* ------------------------------------------------------------------------------------------ */

static gboolean
has_tiff_magic (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) stream = g_file_read (file, NULL, NULL);
  guint8 head[4];
  gsize n = 0;

  return stream != NULL &&
         g_input_stream_read_all (G_INPUT_STREAM (stream), head, 4, &n, NULL, NULL) && n == 4 &&
         (memcmp (head, "II*\0", 4) == 0 || memcmp (head, "MM\0*", 4) == 0 ||
          memcmp (head, "II+\0", 4) == 0 || memcmp (head, "MM\0+", 4) == 0);
}

char *
evox_spectral_energies_path (const char *tiff_path)
{
  g_autofree char *stem = NULL;

  g_return_val_if_fail (tiff_path != NULL, NULL);

  if (!is_tiff_name (tiff_path))
    return NULL;
  stem = g_strndup (tiff_path, strrchr (tiff_path, '.') - tiff_path);
  return g_strconcat (stem, ".energies.txt", NULL);
}

char *
evox_spectral_find_energies_file (const char *tiff_path)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (tiff_path != NULL, NULL);

  path = evox_spectral_energies_path (tiff_path);
  return path != NULL && g_file_test (path, G_FILE_TEST_IS_REGULAR) ? g_steal_pointer (&path)
                                                                    : NULL;
}

/* The scan script in a folder of Xradia images, NULL when none. */
static char *
find_script (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;

      if (name[0] == '.' || !has_suffix_ci (name, ".txt"))
        continue;
      path = g_build_filename (folder, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR) && looks_like_script (path))
        return g_steal_pointer (&path);
    }
  return NULL;
}

EvoxSpectralKind
evox_spectral_detect (const char *path)
{
  g_return_val_if_fail (path != NULL, EVOX_SPECTRAL_NONE);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GPtrArray) xrm = _evox_spectral_list_folder (path, is_xrm_name, NULL);
      g_autoptr(GPtrArray) tiffs = NULL;

      if (xrm != NULL && xrm->len > 0)
        return EVOX_SPECTRAL_XRM_FOLDER;
      /* Every TIFF must carry an energy: a folder of plain pages stays a folder of pages. */
      tiffs = _evox_spectral_list_folder (path, is_tiff_name, NULL);
      if (tiffs == NULL || tiffs->len == 0)
        return EVOX_SPECTRAL_NONE;
      for (guint i = 0; i < tiffs->len; i++)
        if (!isfinite (evox_spectral_energy_from_name (tiffs->pdata[i])))
          return EVOX_SPECTRAL_NONE;
      return EVOX_SPECTRAL_TIFF_FOLDER;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return EVOX_SPECTRAL_NONE;
  if (has_tiff_magic (path))
    {
      g_autofree char *energies = evox_spectral_find_energies_file (path);

      return energies != NULL ? EVOX_SPECTRAL_TIFF_ENERGIES : EVOX_SPECTRAL_NONE;
    }
  return looks_like_script (path) ? EVOX_SPECTRAL_SSRL_SCRIPT : EVOX_SPECTRAL_NONE;
}

/* ------------------------------------------------------------------------------------------ */
/* Memory and binning                                                                         */
/* ------------------------------------------------------------------------------------------ */

/* MemAvailable from /proc/meminfo in bytes, 0 when unknown. */
static guint64
memory_available (void)
{
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/meminfo", &text, NULL, NULL))
    return 0;
  line = strstr (text, "MemAvailable:");
  if (line == NULL)
    return 0;
  return g_ascii_strtoull (line + strlen ("MemAvailable:"), NULL, 10) << 10;
}

/* n_channels x (width / bin) x (height / bin) x depth floats must fit both the memory cap and
 * the memory the system has free now; else the smallest bin that would fit is named. */
static gboolean
check_memory (const char  *path,
              guint        n_channels,
              guint        width,
              guint        height,
              guint        depth,
              guint        bin,
              GError     **error)
{
  guint64 limit = evox_memory_cap ();
  guint64 available = memory_available ();
  guint64 need;
  g_autofree char *need_text = NULL;
  g_autofree char *limit_text = NULL;

  if (available > 0)
    limit = MIN (limit, available);
  need = (guint64) n_channels * (width / bin) * (height / bin) * depth * sizeof (float);
  if (need <= limit)
    return TRUE;
  need_text = g_format_size_full (need, G_FORMAT_SIZE_IEC_UNITS);
  limit_text = g_format_size_full (limit, G_FORMAT_SIZE_IEC_UNITS);
  for (guint b = bin + 1; b <= MIN (width, height); b++)
    {
      guint64 binned = (guint64) n_channels * (width / b) * (height / b) * depth * sizeof (float);

      if (binned <= limit)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                       "%s: %u energies of %u x %u x %u would need %s, more than the %s "
                       "available; open it with --bin %u", path, n_channels, width / bin,
                       height / bin, depth, need_text, limit_text, b);
          return FALSE;
        }
    }
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
               "%s: %u energies of %u x %u x %u would need %s, more than the %s available, and "
               "no binning makes it fit", path, n_channels, width / bin, height / bin, depth,
               need_text, limit_text);
  return FALSE;
}

/* ------------------------------------------------------------------------------------------ */
/* Xradia sets                                                                                */
/* ------------------------------------------------------------------------------------------ */

typedef EvoxSetFile SetFile;

void
_evox_set_file_free (SetFile *file)
{
  g_free (file->name);
  g_free (file->path);
  g_free (file);
}

static int
compare_energy (gconstpointer a,
                gconstpointer b)
{
  const SetFile *fa = *(SetFile * const *) a;
  const SetFile *fb = *(SetFile * const *) b;

  /* Missing files with no energy anywhere go last; they only feed the warning. */
  if (isnan (fa->energy) != isnan (fb->energy))
    return isnan (fa->energy) ? 1 : -1;
  if (fa->energy != fb->energy && !isnan (fa->energy))
    return fa->energy < fb->energy ? -1 : 1;
  return strcmp (fa->name, fb->name);
}

/* What the assembly reads per energy. */
typedef struct
{
  double     energy;
  GPtrArray *samples;   /* SetFile, borrowed */
  GPtrArray *refs;
} EnergyGroup;

static void
energy_group_free (EnergyGroup *group)
{
  g_ptr_array_unref (group->samples);
  g_ptr_array_unref (group->refs);
  g_free (group);
}

/* Files the source names that are missing, and energies none of whose files is present: one
 * warning. */
static void
warn_missing (GPtrArray  *files,
              GPtrArray  *warnings,
              const char *what)
{
  g_autoptr(GPtrArray) missing = g_ptr_array_new ();
  g_autoptr(GString) dropped = g_string_new (NULL);
  g_autofree char *list = NULL;
  guint n_dropped = 0;

  for (guint i = 0; i < files->len; i++)
    {
      SetFile *file = files->pdata[i];

      if (file->path == NULL)
        g_ptr_array_add (missing, file->name);
    }
  if (missing->len == 0)
    return;
  /* Files are sorted by energy: an energy is dropped when none of its run is present. */
  for (guint i = 0; i < files->len;)
    {
      SetFile *first = files->pdata[i];
      gboolean any = FALSE;
      guint j = i;

      for (; j < files->len && fabs (((SetFile *) files->pdata[j])->energy - first->energy) <
           ENERGY_TOLERANCE_EV; j++)
        any |= ((SetFile *) files->pdata[j])->path != NULL;
      if (!any && isfinite (first->energy))
        {
          if (n_dropped < WARNING_MAX_ENERGIES)
            g_string_append_printf (dropped, "%s%.1f", n_dropped > 0 ? ", " : "",
                                    first->energy);
          n_dropped++;
        }
      i = j;
    }
  if (n_dropped > WARNING_MAX_ENERGIES)
    g_string_append_printf (dropped, " and %u more", n_dropped - WARNING_MAX_ENERGIES);
  list = join_names (missing);
  if (n_dropped > 0)
    g_ptr_array_add (warnings,
                     g_strdup_printf ("%u of the %u files %s are missing and were left out (%s); "
                                      "%u energies had no file present and were left out (%s eV)",
                                      missing->len, files->len, what, list, n_dropped,
                                      dropped->str));
  else
    g_ptr_array_add (warnings,
                     g_strdup_printf ("%u of the %u files %s are missing and were left out (%s)",
                                      missing->len, files->len, what, list));
}

/* Groups present files by energy; an energy with samples but no reference, or references but
 * no sample, is refused, named by source (the script or folder) or, for a plain list (source
 * NULL), by the file's own path. */
static GPtrArray *
group_by_energy (const char  *source,
                 GPtrArray   *files,
                 GError     **error)
{
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify) energy_group_free);

  for (guint i = 0; i < files->len; i++)
    {
      SetFile *file = files->pdata[i];
      EnergyGroup *group = groups->len > 0 ? groups->pdata[groups->len - 1] : NULL;

      if (file->path == NULL)
        continue;
      if (group == NULL || fabs (group->energy - file->energy) >= ENERGY_TOLERANCE_EV)
        {
          group = g_new0 (EnergyGroup, 1);
          group->energy = file->energy;
          group->samples = g_ptr_array_new ();
          group->refs = g_ptr_array_new ();
          g_ptr_array_add (groups, group);
        }
      g_ptr_array_add (file->is_ref ? group->refs : group->samples, file);
    }
  for (guint i = 0; i < groups->len; i++)
    {
      EnergyGroup *group = groups->pdata[i];

      if (group->refs->len == 0 || group->samples->len == 0)
        {
          SetFile *one = group->refs->len > 0 ? group->refs->pdata[0] : group->samples->pdata[0];

          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "%s: energy %.1f eV has %s but no %s (%s)",
                       source != NULL ? source : one->path, group->energy,
                       group->refs->len > 0 ? "reference images" : "sample images",
                       group->refs->len > 0 ? "sample image" : "reference (a file with `ref` "
                       "as a word in its name)", one->name);
          return NULL;
        }
    }
  if (groups->len == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: none of the %u files it names is present",
                   source != NULL ? source : "the list", files->len);
      return NULL;
    }
  return g_steal_pointer (&groups);
}

/* What was found in the files while checking them, for the metadata and `evox info`. */
typedef struct
{
  guint     width;
  guint     height;
  char     *first;          /* the file that set the size */
  GArray   *angles;         /* of the sample images */
  guint     n_no_exptime;
} SetSurvey;

static void
set_survey_clear (SetSurvey *survey)
{
  g_clear_pointer (&survey->first, g_free);
  g_clear_pointer (&survey->angles, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SetSurvey, set_survey_clear)

/* The script's energy wins; the file's, then the name's, stand in where it set none. */
gboolean
_evox_spectral_resolve_energy (SetFile   *file,
                               gboolean   allow_none,
                               GError   **error)
{
  g_autoptr(EvoxXrmFile) xrm = NULL;
  const EvoxXrmInfo *info;

  if (isfinite (file->energy))
    return TRUE;
  xrm = evox_xrm_open (file->path, error);
  if (xrm == NULL)
    return FALSE;
  info = evox_xrm_get_info (xrm);
  if (info->n_images > 0 && info->energies_ev != NULL && isfinite (info->energies_ev[0]) &&
      info->energies_ev[0] > 0)
    file->energy = info->energies_ev[0];
  else
    file->energy = evox_spectral_energy_from_name (file->name);
  if (!isfinite (file->energy) && !allow_none)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: no energy (the file says 0 and its name carries none, as in "
                   "`_8324.0_eV_`)", file->path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
survey_file (SetSurvey   *survey,
             SetFile     *file,
             GError     **error)
{
  g_autoptr(EvoxXrmFile) xrm = evox_xrm_open (file->path, error);
  const EvoxXrmInfo *info;

  if (xrm == NULL)
    return FALSE;
  info = evox_xrm_get_info (xrm);
  if (info->n_images == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "%s: holds no image", file->path);
      return FALSE;
    }
  if (survey->first == NULL)
    {
      survey->width = info->width;
      survey->height = info->height;
      survey->first = g_strdup (file->path);
    }
  else if (info->width != survey->width || info->height != survey->height)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "mixed image sizes: %s is %u x %u, %s is %u x %u", survey->first,
                   survey->width, survey->height, file->path, info->width, info->height);
      return FALSE;
    }
  for (guint k = 0; !file->is_ref && info->angles_deg != NULL && k < info->n_images; k++)
    if (isfinite (info->angles_deg[k]))
      g_array_append_val (survey->angles, info->angles_deg[k]);
  return TRUE;
}

/* Adds every image of the file, divided by its exposure time and binned, to sum; counts them. */
static gboolean
accumulate_file (SetFile      *file,
                 guint         bin,
                 float        *scratch,
                 double       *sum,
                 guint        *n_images,
                 guint        *n_no_exptime,
                 GError      **error)
{
  g_autoptr(EvoxXrmFile) xrm = evox_xrm_open (file->path, error);
  const EvoxXrmInfo *info;

  if (xrm == NULL)
    return FALSE;
  info = evox_xrm_get_info (xrm);
  for (guint k = 0; k < info->n_images; k++)
    {
      double t = info->exp_times_s != NULL ? info->exp_times_s[k] : NAN;

      if (!evox_xrm_read_image (xrm, k, scratch, error))
        return FALSE;
      /* Without a time, counts are taken as they are (and said so). */
      if (!isfinite (t) || t <= 0)
        {
          t = 1.0;
          (*n_no_exptime)++;
        }
      _evox_bin_add (scratch, info->width, info->height, bin, 1.0 / t, sum);
      (*n_images)++;
    }
  return TRUE;
}

static char *
format_angles (GArray *angles)
{
  double lo = INFINITY, hi = -INFINITY;

  for (guint i = 0; i < angles->len; i++)
    {
      lo = MIN (lo, g_array_index (angles, double, i));
      hi = MAX (hi, g_array_index (angles, double, i));
    }
  if (angles->len == 0)
    return NULL;
  if (lo == hi)
    return g_strdup_printf ("%g deg", lo);
  return g_strdup_printf ("%g to %g deg (%u images)", lo, hi, angles->len);
}

/* Builds the optical-density stack from files sorted by energy (missing ones have no path). */
static EvoxVolume *
assemble_xrm (const char          *source,
              gboolean             is_list,
              const char          *source_text,
              const char          *description,
              GPtrArray           *files,
              GPtrArray           *warnings,
              guint                bin,
              EvoxProgress        *progress,
              GCancellable        *cancellable,
              GError             **error)
{
  g_auto(SetSurvey) survey = { 0 };
  g_autoptr(GPtrArray) groups = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autofree float *scratch = NULL;
  g_autofree double *sample = NULL;
  g_autofree double *reference = NULL;
  g_autoptr(GString) joined = g_string_new (NULL);
  g_autofree char *angles = NULL;
  guint nx, ny, n_present = 0, n_done = 0, n_refs = 0;
  guint64 n_nan = 0;
  double spacing[3];
  double first_pixel = NAN;

  survey.angles = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint i = 0; i < files->len; i++)
    {
      SetFile *file = files->pdata[i];

      if (file->path == NULL)
        continue;
      if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
          !_evox_spectral_resolve_energy (file, FALSE, error))
        return NULL;
      n_present++;
    }
  /* Pairing is decided before any image is checked: a missing reference is the likelier
   * mistake, and says more than the first odd file would. */
  g_ptr_array_sort (files, compare_energy);
  groups = group_by_energy (is_list ? NULL : source, files, error);
  if (groups == NULL)
    return NULL;
  warn_missing (files, warnings, source_text);
  for (guint i = 0; i < files->len; i++)
    {
      SetFile *file = files->pdata[i];

      if (file->path == NULL)
        continue;
      if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
          !survey_file (&survey, file, error))
        return NULL;
    }
  if (!_evox_bin_check (source, survey.width, survey.height, bin, error) ||
      !check_memory (source, groups->len, survey.width, survey.height, 1, bin, error))
    return NULL;

  nx = survey.width / bin;
  ny = survey.height / bin;
  volume = evox_volume_new (nx, ny, 1, groups->len, EVOX_SAMPLE_F32, error);
  if (volume == NULL)
    return NULL;
  scratch = g_try_new (float, (gsize) survey.width * survey.height);
  sample = g_try_new (double, (gsize) nx * ny);
  reference = g_try_new (double, (gsize) nx * ny);
  if (scratch == NULL || sample == NULL || reference == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "%s: no memory for images of %u x %u", source, survey.width, survey.height);
      return NULL;
    }

  evox_progress_set_stage (progress, "Reading images", 0.0, 1.0);
  for (guint g = 0; g < groups->len; g++)
    {
      EnergyGroup *group = groups->pdata[g];
      float *out = evox_volume_get_data_mut (volume, g);
      g_autofree char *label = energy_label (group->energy);
      g_autofree char *key = g_strdup_printf ("spectral_files_%.1f", group->energy);
      g_autoptr(GString) used = g_string_new (NULL);
      guint n_samples = 0, n_references = 0;
      double pixel_um = NAN;

      memset (sample, 0, sizeof (double) * nx * ny);
      memset (reference, 0, sizeof (double) * nx * ny);
      for (guint pass = 0; pass < 2; pass++)
        {
          GPtrArray *list = pass == 0 ? group->samples : group->refs;

          for (guint i = 0; i < list->len; i++)
            {
              SetFile *file = list->pdata[i];

              if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
                  !accumulate_file (file, bin, scratch, pass == 0 ? sample : reference,
                                    pass == 0 ? &n_samples : &n_references,
                                    &survey.n_no_exptime, error))
                return NULL;
              if (pass == 0 && !isfinite (pixel_um))
                {
                  g_autoptr(EvoxXrmFile) xrm = evox_xrm_open (file->path, NULL);

                  if (xrm != NULL)
                    pixel_um = evox_xrm_get_info (xrm)->pixel_size_um;
                }
              g_string_append_printf (used, "%s%s", used->len > 0 ? "\n" : "", file->name);
              evox_progress_update (progress, (double) ++n_done / n_present);
            }
        }
      n_refs += group->refs->len;
      /* OD = -ln (I / I0), each the mean of its exposures per second. */
      for (gsize v = 0; v < (gsize) nx * ny; v++)
        {
          double i = sample[v] / n_samples, i0 = reference[v] / n_references;

          if (i > 0 && i0 > 0)
            out[v] = (float) -log (i / i0);
          else
            {
              out[v] = NAN;
              n_nan++;
            }
        }
      evox_volume_set_channel_info (volume, g, label, group->energy);
      if (isfinite (pixel_um) && pixel_um > 0)
        {
          evox_volume_set_channel_pixel_size (volume, g, pixel_um * 1000.0 * bin);
          if (!isfinite (first_pixel))
            first_pixel = pixel_um * 1000.0 * bin;
        }
      evox_volume_set_metadata (volume, key, used->str);
    }

  {
    g_autoptr(GString) missing = g_string_new (NULL);

    for (guint i = 0; i < files->len; i++)
      if (((SetFile *) files->pdata[i])->path == NULL)
        g_string_append_printf (missing, "%s%s", missing->len > 0 ? "\n" : "",
                                ((SetFile *) files->pdata[i])->name);
    if (missing->len > 0)
      evox_volume_set_metadata (volume, "spectral_missing_files", missing->str);
  }

  if (isfinite (first_pixel))
    {
      spacing[0] = spacing[1] = spacing[2] = first_pixel;
      evox_volume_set_spacing (volume, spacing);
      evox_volume_set_spacing_known (volume, TRUE);
    }
  else
    evox_volume_set_spacing_known (volume, FALSE);
  evox_volume_set_values (volume, EVOX_SCALE_LINEAR, "optical density", "");

  if (n_nan > 0)
    g_ptr_array_add (warnings,
                     g_strdup_printf ("%" G_GUINT64_FORMAT " pixels have a sample or reference "
                                      "mean of 0 or less: their optical density is NaN", n_nan));
  if (survey.n_no_exptime > 0)
    g_ptr_array_add (warnings,
                     g_strdup_printf ("%u images state no exposure time: their counts were used "
                                      "as they are", survey.n_no_exptime));
  for (guint i = 0; i < warnings->len; i++)
    g_string_append_printf (joined, "%s%s", i > 0 ? "\n" : "", (char *) warnings->pdata[i]);
  evox_volume_set_metadata (volume, "spectral_source", description);
  if (joined->len > 0)
    evox_volume_set_metadata (volume, "spectral_warnings", joined->str);
  {
    g_autofree char *refs = g_strdup_printf ("%u reference images at %u energies (%u sample "
                                             "images)", n_refs, groups->len, n_present - n_refs);
    evox_volume_set_metadata (volume, "info.references", refs);
  }
  angles = format_angles (survey.angles);
  if (angles != NULL)
    evox_volume_set_metadata (volume, "info.angles", angles);
  if (bin > 1)
    {
      g_autofree char *text = g_strdup_printf ("%u x %u pixels averaged", bin, bin);
      evox_volume_set_metadata (volume, "info.binning", text);
    }
  evox_progress_update (progress, 1.0);
  return g_steal_pointer (&volume);
}

/* The script's files found in its folder: by name, or else by their key (the sample part of
 * SSRL names is often renamed after the scan). */
static gboolean
resolve_script_files (const char  *script,
                      GPtrArray   *images,
                      GPtrArray   *files,
                      GPtrArray   *warnings,
                      GError     **error)
{
  g_autofree char *folder = g_path_get_dirname (script);
  g_autoptr(GPtrArray) present = _evox_spectral_list_folder (folder, is_xrm_name, error);
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n_by_key = 0;

  if (present == NULL)
    return FALSE;
  for (guint i = 0; i < present->len; i++)
    {
      char *key = _evox_spectral_name_key (present->pdata[i]);

      g_hash_table_add (names, present->pdata[i]);
      if (key == NULL)
        continue;
      /* Two files with one key match neither by key. */
      if (g_hash_table_contains (keys, key))
        g_hash_table_replace (keys, key, NULL);
      else
        g_hash_table_insert (keys, key, present->pdata[i]);
    }
  for (guint i = 0; i < images->len; i++)
    {
      EvoxScriptImage *image = images->pdata[i];
      SetFile *file = g_new0 (SetFile, 1);
      g_autofree char *base = g_path_get_basename (image->name);
      const char *found = NULL;

      file->name = g_strdup (base);
      file->energy = image->energy;
      file->is_ref = image->is_ref;
      if (g_hash_table_contains (names, base))
        found = base;
      else
        {
          g_autofree char *key = _evox_spectral_name_key (base);

          found = key != NULL ? g_hash_table_lookup (keys, key) : NULL;
          n_by_key += found != NULL;
        }
      if (found != NULL)
        file->path = g_build_filename (folder, found, NULL);
      if (!isfinite (file->energy))
        file->energy = evox_spectral_energy_from_name (base);
      g_ptr_array_add (files, file);
    }
  if (n_by_key > 0)
    g_ptr_array_add (warnings,
                     g_strdup_printf ("%u files were matched by repeat, reference, energy and "
                                      "exposure, not by name: the sample part of their names "
                                      "differs from the script's", n_by_key));
  return TRUE;
}

/* The files a script names (SetFile into files), found in its folder. */
static gboolean
script_files (const char  *path,
              GPtrArray   *files,
              GPtrArray   *warnings,
              GError     **error)
{
  g_autoptr(GPtrArray) images = _evox_spectral_parse_script (path, error);

  if (images == NULL)
    return FALSE;
  if (images->len == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: the scan script names no images (no `collect` lines)", path);
      return FALSE;
    }
  return resolve_script_files (path, images, files, warnings, error);
}

/* Listed paths as SetFile into files: energy unknown, references by name. */
static void
listed_files (const char * const *paths,
              GPtrArray          *files)
{
  for (guint i = 0; paths[i] != NULL; i++)
    {
      SetFile *file = g_new0 (SetFile, 1);

      file->name = g_path_get_basename (paths[i]);
      file->path = g_strdup (paths[i]);
      file->energy = NAN;
      file->is_ref = _evox_spectral_is_reference_name (file->name);
      g_ptr_array_add (files, file);
    }
}

static EvoxVolume *
load_script (const char    *path,
             guint          bin,
             EvoxProgress  *progress,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autoptr(GPtrArray) files =
    g_ptr_array_new_with_free_func ((GDestroyNotify) _evox_set_file_free);
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *source = NULL;

  if (!script_files (path, files, warnings, error))
    return NULL;
  source = g_strdup_printf ("SSRL scan script %s", base);
  return assemble_xrm (path, FALSE, "the script names", source, files, warnings, bin, progress,
                       cancellable, error);
}

/* The .xrm files of a folder (folder set: errors name it) or of a plain list (folder NULL: errors
 * name the first file, or the file at fault). */
static EvoxVolume *
load_xrm_list (const char * const  *paths,
               const char          *folder,
               guint                bin,
               EvoxProgress        *progress,
               GCancellable        *cancellable,
               GError             **error)
{
  g_autoptr(GPtrArray) files =
    g_ptr_array_new_with_free_func ((GDestroyNotify) _evox_set_file_free);
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *source = NULL;

  if (paths[0] == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, "no Xradia files given");
      return NULL;
    }
  listed_files (paths, files);
  source = g_strdup_printf ("%u Xradia files", files->len);
  return assemble_xrm (folder != NULL ? folder : paths[0], folder == NULL, "listed", source, files,
                       warnings, bin, progress, cancellable, error);
}

EvoxVolume *
evox_spectral_load_files (const char * const         *paths,
                          const EvoxSpectralOptions  *options,
                          EvoxProgress               *progress,
                          GCancellable               *cancellable,
                          GError                    **error)
{
  g_return_val_if_fail (paths != NULL, NULL);

  return load_xrm_list (paths, NULL, options != NULL && options->bin > 1 ? options->bin : 1,
                        progress, cancellable, error);
}

/* The .xrm files of a folder, as full paths, NULL-terminated. */
static GPtrArray *
folder_xrm_paths (const char  *folder,
                  GError     **error)
{
  g_autoptr(GPtrArray) names = _evox_spectral_list_folder (folder, is_xrm_name, error);
  g_autoptr(GPtrArray) paths = NULL;

  if (names == NULL)
    return NULL;
  paths = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < names->len; i++)
    g_ptr_array_add (paths, g_build_filename (folder, names->pdata[i], NULL));
  g_ptr_array_add (paths, NULL);
  return g_steal_pointer (&paths);
}

GPtrArray *
_evox_spectral_list_xrm_set (const char  *path,
                             char       **source,
                             GPtrArray   *warnings,
                             GError     **error)
{
  g_autoptr(GPtrArray) files =
    g_ptr_array_new_with_free_func ((GDestroyNotify) _evox_set_file_free);
  g_autoptr(GPtrArray) own_warnings = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *script = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    script = find_script (path);
  else
    script = g_strdup (path);
  if (script != NULL)
    {
      if (!script_files (script, files, warnings != NULL ? warnings : own_warnings, error))
        return NULL;
    }
  else
    {
      g_autoptr(GPtrArray) paths = folder_xrm_paths (path, error);

      if (paths == NULL)
        return NULL;
      listed_files ((const char * const *) paths->pdata, files);
    }
  if (source != NULL)
    *source = g_strdup (script != NULL ? script : path);
  return g_steal_pointer (&files);
}

static EvoxVolume *
load_xrm_folder (const char    *path,
                 guint          bin,
                 EvoxProgress  *progress,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autofree char *script = find_script (path);
  g_autoptr(GPtrArray) paths = NULL;

  if (script != NULL)
    return load_script (script, bin, progress, cancellable, error);
  paths = folder_xrm_paths (path, error);
  if (paths == NULL)
    return NULL;
  return load_xrm_list ((const char * const *) paths->pdata, path, bin, progress, cancellable,
                        error);
}

/* ------------------------------------------------------------------------------------------ */
/* TIFF sets                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* Width, height and page count of a TIFF, from its directories, without reading pixels, and
 * its first ImageDescription (NULL when none): what Evox's writers record about the pages. */
static gboolean
probe_tiff (const char  *path,
            guint       *width,
            guint       *height,
            guint       *pages,
            char       **description,
            GError     **error)
{
  const char *text = NULL;

  TiffDiag diag = { NULL };
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  TIFF *tif;
  guint32 w = 0, h = 0;

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s: %s", path,
                   g_strerror (saved));
      return FALSE;
    }
  tif = _evox_tiff_open_fd (fd, path, "r", &diag);
  if (tif == NULL)
    {
      close (fd);
      /* libtiff's messages name the file already. */
      if (diag.message != NULL && g_str_has_prefix (diag.message, path))
        g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, diag.message);
      else
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "%s: %s", path,
                     diag.message != NULL ? diag.message : "cannot read the TIFF header");
      g_free (diag.message);
      return FALSE;
    }
  TIFFGetField (tif, TIFFTAG_IMAGEWIDTH, &w);
  TIFFGetField (tif, TIFFTAG_IMAGELENGTH, &h);
  if (TIFFGetField (tif, TIFFTAG_IMAGEDESCRIPTION, &text) && text != NULL)
    *description = g_strdup (text);
  *pages = TIFFNumberOfDirectories (tif);
  TIFFClose (tif);
  g_free (diag.message);
  *width = w;
  *height = h;
  if (w == 0 || h == 0 || *pages == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "%s: no image in the TIFF", path);
      return FALSE;
    }
  return TRUE;
}

/* Layer z of channel 0 of a volume as floats. */
static void
layer_to_float (EvoxVolume *volume,
                gsize       z,
                float      *out)
{
  gsize dims[3], n;
  gconstpointer data = evox_volume_get_data (volume, 0);

  evox_volume_get_dims (volume, dims);
  n = dims[0] * dims[1];
  switch (evox_volume_get_sample_type (volume))
    {
    case EVOX_SAMPLE_U8:
      for (gsize i = 0; i < n; i++)
        out[i] = ((const guint8 *) data)[z * n + i];
      break;
    case EVOX_SAMPLE_U16:
      for (gsize i = 0; i < n; i++)
        out[i] = ((const guint16 *) data)[z * n + i];
      break;
    case EVOX_SAMPLE_F32:
    default:
      memcpy (out, (const float *) data + z * n, n * sizeof (float));
      break;
    }
}

/* Bins layer z of source into dst (nx x ny floats). */
static void
bin_layer (EvoxVolume *source,
           gsize       z,
           guint       bin,
           float      *scratch,
           double     *sum,
           float      *dst)
{
  gsize dims[3];
  gsize n;

  evox_volume_get_dims (source, dims);
  n = (dims[0] / bin) * (dims[1] / bin);
  layer_to_float (source, z, scratch);
  if (bin == 1)
    {
      memcpy (dst, scratch, n * sizeof (float));
      return;
    }
  memset (sum, 0, n * sizeof (double));
  _evox_bin_add (scratch, dims[0], dims[1], bin, 1.0, sum);
  for (gsize i = 0; i < n; i++)
    dst[i] = (float) sum[i];
}

/* The channel's pixel size from the TIFF's own, times the binning; NaN when it states none. */
static double
tiff_pixel_size (EvoxVolume *source,
                 guint       bin)
{
  double spacing[3];

  if (!evox_volume_get_spacing_known (source))
    return NAN;
  evox_volume_get_spacing (source, spacing);
  return spacing[0] * bin;
}

typedef struct
{
  char   *path;
  double  energy;
  char   *description;
} EnergyFile;

static int
compare_energy_file (gconstpointer a,
                     gconstpointer b)
{
  const EnergyFile *fa = a, *fb = b;

  return fa->energy < fb->energy ? -1 : fa->energy > fb->energy;
}

static void
energy_file_clear (EnergyFile *file)
{
  g_free (file->path);
  g_free (file->description);
}

static void
finish_tiff_set (EvoxVolume *volume,
                 const char *source,
                 double      pixel_nm,
                 guint       bin)
{
  double spacing[3];

  if (isfinite (pixel_nm))
    {
      spacing[0] = spacing[1] = spacing[2] = pixel_nm;
      evox_volume_set_spacing (volume, spacing);
      evox_volume_set_spacing_known (volume, TRUE);
    }
  else
    evox_volume_set_spacing_known (volume, FALSE);
  evox_volume_set_metadata (volume, "spectral_source", source);
  if (bin > 1)
    {
      g_autofree char *text = g_strdup_printf ("%u x %u pixels averaged", bin, bin);
      evox_volume_set_metadata (volume, "info.binning", text);
    }
}

static EvoxVolume *
load_tiff_folder (const char    *path,
                  guint          bin,
                  EvoxProgress  *progress,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GPtrArray) names = _evox_spectral_list_folder (path, is_tiff_name, error);
  g_autoptr(GArray) files = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autofree float *scratch = NULL;
  g_autofree double *sum = NULL;
  g_autofree char *source = NULL;
  guint width = 0, height = 0, depth = 0;
  double first_pixel = NAN;

  if (names == NULL)
    return NULL;
  files = g_array_new (FALSE, FALSE, sizeof (EnergyFile));
  g_array_set_clear_func (files, (GDestroyNotify) energy_file_clear);
  for (guint i = 0; i < names->len; i++)
    {
      EnergyFile file = { g_build_filename (path, names->pdata[i], NULL),
                          evox_spectral_energy_from_name (names->pdata[i]), NULL };

      g_array_append_val (files, file);
      if (!isfinite (file.energy))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "%s: its name carries no energy (as in `_8341.0eV.tif`), unlike the "
                       "other TIFF files of the folder", file.path);
          return NULL;
        }
    }
  if (files->len == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "%s: no TIFF files", path);
      return NULL;
    }
  g_array_sort (files, compare_energy_file);
  for (guint i = 0; i < files->len; i++)
    {
      EnergyFile *file = &g_array_index (files, EnergyFile, i);
      guint w, h, pages;

      if (i > 0 && fabs (file->energy - file[-1].energy) < ENERGY_TOLERANCE_EV)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "%s and %s carry one energy, %.1f eV", file[-1].path, file->path,
                       file->energy);
          return NULL;
        }
      if (!probe_tiff (file->path, &w, &h, &pages, &file->description, error))
        return NULL;
      if (i == 0)
        {
          width = w;
          height = h;
          depth = pages;
        }
      else if (w != width || h != height || pages != depth)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "mixed image sizes: %s is %u x %u x %u, %s is %u x %u x %u",
                       g_array_index (files, EnergyFile, 0).path, width, height, depth,
                       file->path, w, h, pages);
          return NULL;
        }
    }
  if (!_evox_bin_check (path, width, height, bin, error) ||
      !check_memory (path, files->len, width, height, depth, bin, error))
    return NULL;
  volume = evox_volume_new (width / bin, height / bin, depth, files->len, EVOX_SAMPLE_F32, error);
  if (volume == NULL)
    return NULL;
  scratch = g_try_new (float, (gsize) width * height);
  sum = g_try_new (double, (gsize) (width / bin) * (height / bin));
  if (scratch == NULL || sum == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE, "%s: no memory for images of %u x %u",
                   path, width, height);
      return NULL;
    }
  evox_progress_set_stage (progress, "Reading images", 0.0, 1.0);
  for (guint c = 0; c < files->len; c++)
    {
      EnergyFile *file = &g_array_index (files, EnergyFile, c);
      g_autoptr(EvoxVolume) one = NULL;
      g_autofree char *label = energy_label (file->energy);
      g_autofree char *key = g_strdup_printf ("spectral_files_%.1f", file->energy);
      g_autofree char *base = g_path_get_basename (file->path);
      float *out = evox_volume_get_data_mut (volume, c);
      gsize dims[3];
      double pixel;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      one = evox_tiff_read (file->path, NULL, cancellable, error);
      if (one == NULL)
        return NULL;
      evox_volume_get_dims (one, dims);
      /* The probe saw the first directory; the reader may read a page set differently. */
      if (dims[0] != width || dims[1] != height || dims[2] != depth)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "mixed image sizes: %s is %u x %u x %u, %s is %" G_GSIZE_FORMAT " x %"
                       G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT, g_array_index (files, EnergyFile,
                       0).path, width, height, depth, file->path, dims[0], dims[1], dims[2]);
          return NULL;
        }
      for (gsize z = 0; z < depth; z++)
        bin_layer (one, z, bin, scratch, sum,
                   out + z * (gsize) (width / bin) * (height / bin));
      evox_volume_set_channel_info (volume, c, label, file->energy);
      /* a file Evox wrote says what its values are (a third-party one stays "value") */
      {
        g_autoptr(EvoxTiffPages) recorded = _evox_tiff_pages_new (file->description, 1);

        _evox_tiff_pages_apply (recorded, 0, volume, c);
      }
      pixel = tiff_pixel_size (one, bin);
      if (isfinite (pixel))
        {
          evox_volume_set_channel_pixel_size (volume, c, pixel);
          if (!isfinite (first_pixel))
            first_pixel = pixel;
        }
      evox_volume_set_metadata (volume, key, base);
      evox_progress_update (progress, (double) (c + 1) / files->len);
    }
  source = g_strdup_printf ("%u per-energy TIFF files", files->len);
  finish_tiff_set (volume, source, first_pixel, bin);
  return g_steal_pointer (&volume);
}

/* Below this every energy of an energies file is in keV (the HDF5 reader's rule). */
#define KEV_BELOW 200.0

/* One energy a line; blank lines and `#` comments are skipped. */
static GArray *
read_energies_file (const char  *path,
                    GError     **error)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GArray) energies = g_array_new (FALSE, FALSE, sizeof (double));

  text = read_text (path, "not a text file of energies (a NUL byte)", error);
  if (text == NULL)
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *hash = strchr (lines[i], '#');
      char *line, *stop = NULL;
      double value;

      if (hash != NULL)
        *hash = '\0';
      line = g_strstrip (lines[i]);
      if (*line == '\0')
        continue;
      value = g_ascii_strtod (line, &stop);
      if (stop == line || *stop != '\0' || !isfinite (value) || value <= 0)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "%s: line %u: '%s' is not an energy in eV", path, i + 1, line);
          return NULL;
        }
      g_array_append_val (energies, value);
    }
  /* Energies all below 200 are keV, as the HDF5 reader takes /exchange/energy without units: no
   * hard X-ray microscope images at 200 eV or below, and read as eV they would give spectra a
   * thousand times off while registration (which uses ratios) hid it. */
  for (guint i = 0; i < energies->len; i++)
    if (g_array_index (energies, double, i) >= KEV_BELOW)
      return g_steal_pointer (&energies);
  for (guint i = 0; i < energies->len; i++)
    g_array_index (energies, double, i) *= 1000.0;
  return g_steal_pointer (&energies);
}

typedef struct
{
  double energy;
  guint  page;
} PageEnergy;

static int
compare_page_energy (gconstpointer a,
                     gconstpointer b)
{
  const PageEnergy *pa = a, *pb = b;

  return pa->energy < pb->energy ? -1 : pa->energy > pb->energy;
}

static EvoxVolume *
load_tiff_energies (const char    *path,
                    guint          bin,
                    EvoxProgress  *progress,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autofree char *energies_path = evox_spectral_find_energies_file (path);
  g_autoptr(GArray) energies = NULL;
  g_autoptr(EvoxVolume) source = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autofree PageEnergy *order = NULL;
  g_autofree float *scratch = NULL;
  g_autofree double *sum = NULL;
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *text = NULL;
  g_autofree char *description = NULL;
  g_autoptr(EvoxTiffPages) recorded = NULL;
  guint width, height, pages;
  double pixel;

  if (energies_path == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: no energies file beside it (STACK.energies.txt)", path);
      return NULL;
    }
  energies = read_energies_file (energies_path, error);
  if (energies == NULL || !probe_tiff (path, &width, &height, &pages, &description, error))
    return NULL;
  if (energies->len != pages)
    {
      /* Fewer pages than energies is most often a stack cut short in copying. */
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "%s: %u %s, but %s holds %u %s%s", energies_path, energies->len,
                   energies->len == 1 ? "energy" : "energies", path, pages,
                   pages == 1 ? "page" : "pages",
                   pages < energies->len ? " (is it truncated?)" : "");
      return NULL;
    }
  order = g_new (PageEnergy, pages);
  for (guint i = 0; i < pages; i++)
    order[i] = (PageEnergy) { g_array_index (energies, double, i), i };
  qsort (order, pages, sizeof *order, compare_page_energy);
  for (guint i = 1; i < pages; i++)
    if (fabs (order[i].energy - order[i - 1].energy) < ENERGY_TOLERANCE_EV)
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                     "%s: pages %u and %u have one energy, %.1f eV", energies_path,
                     MIN (order[i].page, order[i - 1].page) + 1,
                     MAX (order[i].page, order[i - 1].page) + 1, order[i].energy);
        return NULL;
      }
  if (!_evox_bin_check (path, width, height, bin, error) ||
      !check_memory (path, pages, width, height, 1, bin, error))
    return NULL;

  /* The pages are read as one stack, then binned; each then becomes a channel. */
  evox_progress_set_stage (progress, "Reading pages", 0.0, 0.8);
  source = evox_tiff_read (path, NULL, cancellable, error);
  if (source == NULL)
    return NULL;
  {
    gsize dims[3];

    evox_volume_get_dims (source, dims);
    if (dims[0] != width || dims[1] != height || dims[2] != pages)
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                     "%s: mixed page sizes (the first page is %u x %u)", path, width, height);
        return NULL;
      }
  }
  volume = evox_volume_new (width / bin, height / bin, 1, pages, EVOX_SAMPLE_F32, error);
  if (volume == NULL)
    return NULL;
  scratch = g_new (float, (gsize) width * height);
  sum = g_new (double, (gsize) (width / bin) * (height / bin));
  pixel = tiff_pixel_size (source, bin);
  recorded = _evox_tiff_pages_new (description, pages);
  evox_progress_set_stage (progress, "Binning pages", 0.8, 1.0);
  for (guint c = 0; c < pages; c++)
    {
      g_autofree char *label = energy_label (order[c].energy);

      bin_layer (source, order[c].page, bin, scratch, sum, evox_volume_get_data_mut (volume, c));
      evox_volume_set_channel_info (volume, c, label, order[c].energy);
      /* the label and meaning Evox's writer recorded for the page, if it did */
      _evox_tiff_pages_apply (recorded, order[c].page, volume, c);
      if (isfinite (pixel))
        evox_volume_set_channel_pixel_size (volume, c, pixel);
      evox_progress_update (progress, (double) (c + 1) / pages);
    }
  text = g_strdup_printf ("multi-page TIFF %s with its energies file", base);
  finish_tiff_set (volume, text, pixel, bin);
  {
    g_autofree char *energies_base = g_path_get_basename (energies_path);
    evox_volume_set_metadata (volume, "info.energies_file", energies_base);
  }
  return g_steal_pointer (&volume);
}

/* ------------------------------------------------------------------------------------------ */
/* Entry point                                                                                */
/* ------------------------------------------------------------------------------------------ */

EvoxVolume *
evox_spectral_load (const char                 *path,
                    const EvoxSpectralOptions  *options,
                    EvoxProgress               *progress,
                    GCancellable               *cancellable,
                    GError                    **error)
{
  guint bin = options != NULL && options->bin > 1 ? options->bin : 1;

  g_return_val_if_fail (path != NULL, NULL);

  switch (evox_spectral_detect (path))
    {
    case EVOX_SPECTRAL_SSRL_SCRIPT:
      return load_script (path, bin, progress, cancellable, error);
    case EVOX_SPECTRAL_XRM_FOLDER:
      return load_xrm_folder (path, bin, progress, cancellable, error);
    case EVOX_SPECTRAL_TIFF_FOLDER:
      return load_tiff_folder (path, bin, progress, cancellable, error);
    case EVOX_SPECTRAL_TIFF_ENERGIES:
      return load_tiff_energies (path, bin, progress, cancellable, error);
    case EVOX_SPECTRAL_NONE:
    default:
      break;
    }
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
               "%s: not a scan script, a folder of Xradia images or per-energy TIFFs, or a TIFF "
               "with an energies file", path);
  return NULL;
}
