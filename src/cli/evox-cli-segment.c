/* evox-cli-segment.c: `evox segment`, phase fractions, particles, masks and label volumes. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "evox-cli-private.h"
#include "evox-csv.h"
#include "evox-labels.h"
#include "evox-methods.h"
#include "evox-watershed.h"
#include "evox-phase.h"
#include "evox-tiff.h"

#define DEFAULT_CONNECTIVITY 26

/**
 * _evox_cli_parse_phases:
 * @specs: --phase values: NAME=LO:HI (with_color: optionally :#rrggbb or :#rrggbb:OPACITY
 *   after it, OPACITY from 0 to 1, 1 drawing the colour alone) or auto:N
 * @status: (out): the exit status when this fails (the message is printed)
 *
 * Appends one phase per spec to list (N for auto:N, named "Phase 1"... as still free), each
 * coloured from the palette unless given. Names must be unique.
 */
gboolean
_evox_cli_parse_phases (EvoxPhaseList  *list,
                        EvoxVolume     *volume,
                        guint           channel,
                        char          **specs,
                        gboolean        with_color,
                        int            *status)
{
  return _evox_cli_parse_phases_on_basis (list, volume, channel, EVOX_BASIS_MEASURED, specs,
                                          with_color, status);
}

gboolean
_evox_cli_parse_phases_on_basis (EvoxPhaseList  *list,
                                 EvoxVolume     *volume,
                                 guint           channel,
                                 EvoxBasis       basis,
                                 char          **specs,
                                 gboolean        with_color,
                                 int            *status)
{
  g_autoptr(GError) error = NULL;

  if (!evox_phase_list_append_channel_specs (list, (const char * const *) specs, volume, channel,
                                             evox_basis_get_histogram (volume, channel, basis),
                                             with_color, &error))
    {
      *status = _evox_cli_error (_evox_cli_error_status (error), "--phase: %s", error->message);
      return FALSE;
    }
  return TRUE;
}

/* A label volume gives each voxel one id: phases that share values cannot both have theirs
 * (a shared edge is the earlier phase's, see compute_labels). */
static gboolean
check_disjoint_phases (EvoxPhaseList  *phases,
                       EvoxSampleType  type,
                       int            *status)
{
  guint n = evox_phase_list_get_n_phases (phases);

  for (guint a = 0; a < n; a++)
    for (guint b = a + 1; b < n; b++)
      {
        EvoxPhase *pa = evox_phase_list_get_phase (phases, a);
        EvoxPhase *pb = evox_phase_list_get_phase (phases, b);

        if (evox_phase_overlaps (pa, pb, type))
          {
            *status = _evox_cli_error (EVOX_EXIT_USAGE,
                                       _("--labels: phases '%s' and '%s' overlap, so their "
                                         "particles would share voxels; give ranges that do not "
                                         "overlap (or only --particles)"),
                                       evox_phase_get_name (pa), evox_phase_get_name (pb));
            return FALSE;
          }
      }
  return TRUE;
}

/* Every phase labelled one after the other into one shared label volume, so the peak is the
 * volume and one label volume however many phases there are; with split > 0 each phase is
 * labelled and split on its own, keeping only the pieces. */
static GPtrArray *
compute_labels (EvoxVolume       *volume,
                guint             channel,
                EvoxPhaseList    *phases,
                EvoxConnectivity  connectivity,
                guint64           min_size,
                double            split,
                int              *status)
{
  guint n = evox_phase_list_get_n_phases (phases);
  g_autofree const char **names = g_new0 (const char *, n);
  g_autofree double *lo = g_new (double, n);
  g_autofree double *hi = g_new (double, n);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < n; i++)
    {
      EvoxPhase *phase = evox_phase_list_get_phase (phases, i);
      float first, last;

      /* Each phase's own values: a voxel on an edge shared with an earlier phase is that
       * phase's, as in the mask and the fractions. */
      if (!evox_phase_list_get_owned_range (phases, i, evox_volume_get_sample_type (volume),
                                            &first, &last))
        {
          first = evox_phase_get_lo (phase);
          last = evox_phase_get_hi (phase);
        }
      names[i] = evox_phase_get_name (phase);
      lo[i] = first;
      hi[i] = last;
    }
  if (split <= 0.0)
    {
      /* Its errors name the phase. */
      all = evox_labels_compute_phases (volume, channel, n, names, lo, hi, connectivity,
                                        min_size, NULL, NULL, &error);
      if (all == NULL)
        *status = _evox_cli_error (_evox_cli_error_status (error), "%s", error->message);
      return g_steal_pointer (&all);
    }

  all = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(EvoxLabels) labels = NULL;
      EvoxLabels *pieces;

      labels = evox_labels_compute (volume, channel, names[i], lo[i], hi[i], connectivity,
                                    min_size, NULL, NULL, &error);
      if (labels == NULL)
        {
          *status = _evox_cli_error (_evox_cli_error_status (error), _("phase '%s': %s"),
                                     names[i], error->message);
          return NULL;
        }
      pieces = evox_watershed_split (labels, split, NULL, NULL, &error);
      if (pieces == NULL)
        {
          *status = _evox_cli_error (_evox_cli_error_status (error), _("--split: %s"),
                                     error->message);
          return NULL;
        }
      g_ptr_array_add (all, pieces);
    }
  return g_steal_pointer (&all);
}

/* For people: an edge that is a float (f32 data) in at most 9 digits, which still tells
 * neighbouring floats apart; the CSV keeps every digit of the double. */
static char *
format_double (double value)
{
  GString *s = g_string_new (NULL);

  if (fabs (value) <= G_MAXFLOAT && (double) (float) value == value)
    evox_csv_append_float (s, (float) value);
  else
    evox_csv_append_double (s, value);
  return g_string_free (s, FALSE);
}

static void
print_row (GPtrArray  *cells,
           guint       n_columns,
           const int  *widths,
           guint       row)
{
  for (guint c = 0; c < n_columns; c++)
    {
      const char *text = g_ptr_array_index (cells, row * n_columns + c);
      int pad = widths[c] - (int) g_utf8_strlen (text, -1);

      /* Names to the left, numbers to the right. */
      if (c == 0)
        printf ("%s%*s", text, c + 1 < n_columns ? pad + 2 : 0, "");
      else
        printf ("%*s%s%s", pad, "", text, c + 1 < n_columns ? "  " : "");
    }
  printf ("\n");
}

/* The aligned summary on stdout: one row per phase, particle counts when they were computed. */
static void
print_summary (const char              *title,
               EvoxVolume              *volume,
               guint                    channel,
               const EvoxFractionTable *table,
               GPtrArray               *labels)
{
  g_autofree char *basis = evox_basis_dup_label (volume, channel, table->basis);
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  guint n_columns = labels != NULL ? 8 : 6;
  g_autofree int *widths = g_new0 (int, n_columns);
  g_autofree char *delta = format_double (table->delta);
  const char *header[] = { _("phase"), _("lo"), _("hi"), _("voxels"), _("fraction"),
                           _("basis"), _("particles"), _("dropped") };

  for (guint c = 0; c < n_columns; c++)
    g_ptr_array_add (cells, g_strdup (header[c]));
  for (guint i = 0; i < table->n_rows; i++)
    {
      const EvoxFractionRow *row = &table->rows[i];
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      g_ptr_array_add (cells, g_strdup (row->name));
      g_ptr_array_add (cells, format_double (row->lo));
      g_ptr_array_add (cells, format_double (row->hi));
      g_ptr_array_add (cells, g_strdup_printf ("%" G_GUINT64_FORMAT, row->voxels));
      g_ptr_array_add (cells, g_strdup (g_ascii_formatd (buf, sizeof buf, "%.6f",
                                                         evox_fraction_table_get_fraction
                                                           (table, i, -1))));
      g_ptr_array_add (cells, g_strdup (evox_basis_to_string (table->basis)));
      if (labels != NULL)
        {
          EvoxLabels *l = g_ptr_array_index (labels, i);

          g_ptr_array_add (cells, g_strdup_printf ("%u", evox_labels_get_n_particles (l)));
          g_ptr_array_add (cells, g_strdup_printf ("%u", evox_labels_get_n_dropped (l)));
        }
    }
  for (guint k = 0; k < cells->len; k++)
    widths[k % n_columns] = MAX (widths[k % n_columns],
                                 (int) g_utf8_strlen (g_ptr_array_index (cells, k), -1));

  /* The basis word is the CSV's; particles are always of the volume, so say it with them. */
  /* TRANSLATORS: the second %s is "of the 4 measured scans" or "of the interpolated volume" */
  printf (_("%s: %llu finite voxels %s; sensitivity delta %s (see --fractions)%s\n"), title,
          (unsigned long long) table->n_finite, basis, delta,
          labels != NULL && evox_basis_has_choice (volume, channel)
          ? _("; particles of the interpolated volume") : "");
  for (guint r = 0; r < cells->len / n_columns; r++)
    print_row (cells, n_columns, widths, r);
}

/* Every file is written whole or not at all; when one fails, the ones before it go too. */
static gboolean
write_outputs (const EvoxCliOutput     *outputs,
               guint                    n_outputs,
               EvoxVolume              *volume,
               guint                    channel,
               EvoxPhaseList           *phases,
               const EvoxFractionTable *table,
               GPtrArray               *labels,
               guint                    label_bits,
               const char              *provenance,
               gboolean                 force,
               int                     *status)
{
  EvoxTiffWriteFlags flags = force ? EVOX_TIFF_WRITE_OVERWRITE : EVOX_TIFF_WRITE_NONE;

  for (guint i = 0; i < n_outputs; i++)
    {
      g_autoptr(GError) error = NULL;
      const char *option = outputs[i].option;
      const char *path = outputs[i].path;
      gboolean ok;

      if (provenance != NULL && (g_str_equal (option, "--fractions") ||
                                 g_str_equal (option, "--particles")))
        {
          /* --provenance: the record as comment lines above the header. */
          g_autofree char *csv = g_str_equal (option, "--fractions")
            ? evox_csv_format_fractions (table)
            : evox_csv_format_particles ((EvoxLabels * const *) labels->pdata, labels->len);
          ok = evox_csv_write_text_with_provenance (path, csv, provenance, force, &error);
        }
      else if (g_str_equal (option, "--fractions"))
        ok = evox_csv_write_fraction_table (path, table, force, &error);
      else if (g_str_equal (option, "--particles"))
        ok = evox_csv_write_particles (path, (EvoxLabels * const *) labels->pdata, labels->len,
                                       force, &error);
      else if (g_str_equal (option, "--mask"))
        ok = evox_tiff_write_mask_with_provenance (path, volume, channel, phases, flags,
                                                   provenance, &error);
      else
        ok = evox_tiff_write_labels_with_provenance (path, (EvoxLabels * const *) labels->pdata,
                                                     labels->len, label_bits, flags, provenance,
                                                     &error);
      if (!ok)
        {
          for (guint j = 0; j < i; j++)
            g_unlink (outputs[j].path);
          *status = _evox_cli_error (EVOX_EXIT_INPUT, "%s", error->message);
          return FALSE;
        }
    }
  return TRUE;
}

int
_evox_cli_segment (int    argc,
                   char **argv)
{
  g_auto(EvoxCliInput) input;
  g_autoptr(GOptionContext) context = g_option_context_new (_("FILE --phase NAME=LO:HI..."));
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxPhaseList) phases = evox_phase_list_new ();
  g_autoptr(EvoxFractionTable) table = NULL;
  g_autoptr(GPtrArray) labels = NULL;
  g_auto(GStrv) specs = NULL;
  g_autofree char *fractions = NULL;
  g_autofree char *particles = NULL;
  g_autofree char *labels_path = NULL;
  g_autofree char *mask = NULL;
  g_autofree char *label_bits_text = NULL;
  g_autofree char *channel_name = NULL;
  g_autofree char *basis_text = NULL;
  g_autofree char *title = NULL;
  g_autofree char *session = NULL;
  g_autofree char *command = evox_provenance_join_argv (argc, argv);
  g_autofree char *provenance = NULL;
  gboolean with_provenance = FALSE;
  EvoxBasis basis = EVOX_BASIS_MEASURED;
  gint64 min_size = 0;
  double split = 0.0;
  int connectivity = DEFAULT_CONNECTIVITY;
  gboolean force = FALSE, count = FALSE;
  guint label_bits = 0;
  EvoxCliOutput outputs[4];
  guint n_outputs = 0;
  const char *in;
  int status, channel;
  const GOptionEntry entries[] = {
    { "phase", 0, 0, G_OPTION_ARG_STRING_ARRAY, &specs,
      N_("A phase: the voxels with LO <= value <= HI, in stored values (log10 numbers for "
         "log10 data; 3.2e-5 is a quantity); or auto:N for N phases from multi-level Otsu "
         "(repeat); a colour and opacity after it as in evox render are accepted"),
      N_("NAME=LO:HI[:#rrggbb[:OPACITY]]|auto:N") },
    { "connectivity", 0, 0, G_OPTION_ARG_INT, &connectivity,
      N_("Which neighbours join particles: 6 faces, 18 and edges, 26 and corners (default 26)"),
      "6|18|26" },
    { "min-size", 0, 0, G_OPTION_ARG_INT64, &min_size,
      N_("Drop particles of fewer voxels (default 0: keep all)"), "N" },
    { "split", 0, 0, G_OPTION_ARG_DOUBLE, &split,
      N_("Split touching particles by a watershed of the distance map; peaks less than H (in "
         "the voxel spacing's unit) above the neck between them stay one particle"), "H" },
    { "fractions", 0, 0, G_OPTION_ARG_FILENAME, &fractions,
      N_("Write the volume fractions (exact counts, with the sensitivity) as CSV"), "OUT.csv" },
    { "particles", 0, 0, G_OPTION_ARG_FILENAME, &particles,
      N_("Write the particles of every phase and their statistics as CSV"), "OUT.csv" },
    { "labels", 0, 0, G_OPTION_ARG_FILENAME, &labels_path,
      N_("Write the particles as a label volume (u16 or u32 TIFF, ids as in --particles)"),
      "OUT.tif" },
    { "mask", 0, 0, G_OPTION_ARG_FILENAME, &mask,
      N_("Write the phase mask (u8 TIFF: 1-based phase index, first phase wins, 0 for none)"),
      "OUT.tif" },
    { "label-bits", 0, 0, G_OPTION_ARG_STRING, &label_bits_text,
      N_("Sample size of --labels (default: 16 when the ids fit, else 32)"), "16|32" },
    { "channel", 0, 0, G_OPTION_ARG_STRING, &channel_name, N_("Channel label or index"), "C" },
    { "basis", 0, 0, G_OPTION_ARG_STRING, &basis_text,
      N_("What the fractions count in an SSRM stack: its measured scans as they are (default) or "
         "the interpolated volume; other volumes count the volume either way. Particles, "
         "--count and --labels always use the volume"), "measured|volume" },
    { "count", 0, 0, G_OPTION_ARG_NONE, &count,
      N_("Also label the particles and print their number per phase"), NULL },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, N_("Replace output files that exist"), NULL },
    { "session", 0, 0, G_OPTION_ARG_FILENAME, &session,
      N_("Also save what was done as a session (input, reading options, phases; the particles "
         "when there is one phase and no --split) for the window and evox apply"), "OUT.evox" },
    { "provenance", 0, 0, G_OPTION_ARG_NONE, &with_provenance,
      N_("Begin the CSV files with '# ' lines: Evox's version, the input and its SHA-256, this "
         "command; the TIFF files get them as evox_provenance= in their description"), NULL },
    { NULL }
  };

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!_evox_cli_parse (context,
      _("Split a volume into phases by value ranges and measure them: volume fractions (exact\n"
        "counts, and how they move when an edge moves), particles (connected components of\n"
        "each phase) with their statistics, a phase mask and a label volume. Without output\n"
        "options it prints the fractions. Nothing is written unless everything succeeds."),
      entries, &input, &argc, &argv, 0, &status))
    return status;
  in = input.demo ? NULL : argv[1];

  /* Everything that does not need the volume is checked before reading it. */
  if (specs == NULL)
    return _evox_cli_usage_error (context, _("at least one --phase NAME=LO:HI or --phase auto:N "
                                             "is required"));
  if (!evox_connectivity_is_valid (connectivity))
    return _evox_cli_usage_error (context, _("--connectivity must be 6, 18 or 26, not %d"),
                                  connectivity);
  if (min_size < 0)
    return _evox_cli_usage_error (context, _("--min-size must be 0 or more, not %lld"),
                                  (long long) min_size);
  if (basis_text != NULL && !evox_basis_from_string (basis_text, &basis))
    return _evox_cli_usage_error (context, _("--basis must be measured or volume, not '%s'"),
                                  basis_text);
  if (label_bits_text != NULL)
    {
      if (g_str_equal (label_bits_text, "16"))
        label_bits = 16;
      else if (g_str_equal (label_bits_text, "32"))
        label_bits = 32;
      else
        return _evox_cli_usage_error (context, _("--label-bits must be 16 or 32, not '%s'"),
                                      label_bits_text);
    }
  if (!(split >= 0.0) || isinf (split))
    return _evox_cli_usage_error (context,
                                  _("--split must be a length of 0 (no split) or more, not %g"),
                                  split);
  if (fractions != NULL)
    outputs[n_outputs++] = (EvoxCliOutput) { "--fractions", fractions };
  if (particles != NULL)
    outputs[n_outputs++] = (EvoxCliOutput) { "--particles", particles };
  if (mask != NULL)
    outputs[n_outputs++] = (EvoxCliOutput) { "--mask", mask };
  if (labels_path != NULL)
    outputs[n_outputs++] = (EvoxCliOutput) { "--labels", labels_path };
  if (!_evox_cli_check_outputs (outputs, n_outputs, in, force, &status))
    return status;
  if (session != NULL &&
      (!_evox_cli_check_outputs (&(EvoxCliOutput) { "--session", session }, 1, in, force,
                                 &status) ||
       !_evox_cli_check_outputs (outputs, n_outputs, session, force, &status)))
    return status;

  volume = _evox_cli_input_load (&input, in, &status);
  if (volume == NULL)
    return status;
  if ((channel = _evox_cli_find_channel (volume, channel_name, &status)) < 0)
    return status;
  if (!_evox_cli_parse_phases_on_basis (phases, volume, (guint) channel, basis, specs, TRUE,
                                        &status))
    return status;
  if (mask != NULL && evox_phase_list_get_n_phases (phases) > G_MAXUINT8)
    return _evox_cli_error (EVOX_EXIT_USAGE,
                            _("--mask: a u8 mask holds at most 255 phases, not %u"),
                            evox_phase_list_get_n_phases (phases));
  if (labels_path != NULL &&
      !check_disjoint_phases (phases, evox_volume_get_sample_type (volume), &status))
    return status;

  /* Everything is computed before the first file is written. */
  table = evox_fraction_table_new (volume, (guint) channel, basis, phases, NULL, &error);
  if (table == NULL)
    return _evox_cli_input_error (error);
  if (particles != NULL || labels_path != NULL || count || split > 0.0)
    {
      labels = compute_labels (volume, (guint) channel, phases, (EvoxConnectivity) connectivity,
                               (guint64) min_size, split, &status);
      if (labels == NULL)
        return status;
    }
  if (labels_path != NULL)
    {
      label_bits = evox_tiff_label_bits ((EvoxLabels * const *) labels->pdata, labels->len,
                                         label_bits, &error);
      if (label_bits == 0)
        return _evox_cli_error (EVOX_EXIT_USAGE, "--labels %s: %s", labels_path, error->message);
    }

  if (session != NULL)
    {
      g_autoptr(EvoxDocument) document = evox_document_new ();
      g_autofree char *name = in != NULL ? g_path_get_basename (in) : NULL;

      evox_document_set_volume (document, volume, name, in);
      evox_document_set_channel (document, (guint) channel);
      evox_document_set_basis (document, basis);
      evox_phase_list_assign (evox_document_get_phases (document), phases);
      /* A session holds the particles of one phase; split pieces it cannot make again. */
      if (labels != NULL && labels->len == 1 && split <= 0.0)
        evox_document_set_labels (document, g_ptr_array_index (labels, 0));
      if (!_evox_cli_save_session (document, session, force, &status))
        return status;
    }
  if (with_provenance)
    {
      g_autofree char *operation = g_strconcat ("evox ", command, NULL);

      provenance = evox_provenance_record (in, operation);
    }
  if (!write_outputs (outputs, n_outputs, volume, (guint) channel, phases, table, labels,
                      label_bits, provenance, force, &status))
    {
      if (session != NULL)
        g_unlink (session);
      return status;
    }
  if (n_outputs == 0 || count)
    {
      title = in != NULL ? g_path_get_basename (in) : g_strdup ("Demo");
      print_summary (title, volume, (guint) channel, table, labels);
    }
  return EVOX_EXIT_OK;
}
