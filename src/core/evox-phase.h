/* evox-phase.h: phases (named value ranges with a colour), their volume fractions, Otsu, presets. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-histogram.h"
#include "evox-object-list.h"
#include "evox-volume.h"

G_BEGIN_DECLS

/* Colours as users and files write them: "#rrggbb". */
gboolean       evox_color_is_valid       (const char     *color);
/* Straight RGB in 0..1 of a valid colour. */
void           evox_color_get_rgb        (const char     *color,
                                          float           rgb[3]);
/* Stores a valid colour in lower case into stored (8 bytes, "#rrggbb" and NUL); TRUE when it
 * changed. */
gboolean       _evox_color_assign        (char            stored[8],
                                          const char     *color);
/* The first colour of a fixed palette of distinct colours (matplotlib's tab10) that the n colours
 * given use least often. */
const char    *evox_palette_least_used   (const char * const *colors,
                                          guint           n);

/* A phase is every voxel whose stored value v has lo <= v <= hi (log10 numbers for log10 data).
 * Phases may overlap; where they do, the first one in list order owns the voxel in masks and in
 * the canvas. */
#define EVOX_TYPE_PHASE (evox_phase_get_type ())
G_DECLARE_FINAL_TYPE (EvoxPhase, evox_phase, EVOX, PHASE, GObject)

/* Properties (notify only on real change): name (string), lo, hi (double, lo <= hi always),
 * color (string "#rrggbb"), opacity (double in [0, 1], how strongly the colour covers the
 * colour map in the canvas), visible (boolean). */
EvoxPhase     *evox_phase_new            (const char     *name,
                                          double          lo,
                                          double          hi,
                                          const char     *color);
const char    *evox_phase_get_name       (EvoxPhase      *self);
void           evox_phase_set_name       (EvoxPhase      *self,
                                          const char     *name);
double         evox_phase_get_lo         (EvoxPhase      *self);
double         evox_phase_get_hi         (EvoxPhase      *self);
/* Both edges at once (lo <= hi, both finite); one notify per edge that changed. */
void           evox_phase_set_range      (EvoxPhase      *self,
                                          double          lo,
                                          double          hi);
const char    *evox_phase_get_color      (EvoxPhase      *self);
/* "#rrggbb"; anything else is ignored with a critical. */
void           evox_phase_set_color      (EvoxPhase      *self,
                                          const char     *color);
/* Colour as straight RGB in 0..1 and the opacity as alpha. */
void           evox_phase_get_rgba       (EvoxPhase      *self,
                                          float           rgba[4]);
double         evox_phase_get_opacity    (EvoxPhase      *self);
void           evox_phase_set_opacity    (EvoxPhase      *self,
                                          double          opacity);
gboolean       evox_phase_get_visible    (EvoxPhase      *self);
void           evox_phase_set_visible    (EvoxPhase      *self,
                                          gboolean        visible);
gboolean       evox_phase_contains       (EvoxPhase      *self,
                                          double          value);
/* Some stored value of `type` lies in both ranges (as evox_sample_type_inner_range rounds them),
 * other than one shared edge: when the ranges only meet at a single value that is the top of one
 * and the bottom of the other (and neither holds only that value), the phase first in the list
 * owns it and the two do not overlap. */
gboolean       evox_phase_overlaps       (EvoxPhase      *self,
                                          EvoxPhase      *other,
                                          EvoxSampleType  type);

/* The phases of one document, in order: a GListModel of EvoxPhase. "changed" is emitted after
 * items-changed and after any property of any phase in it changed (one signal per change), so a
 * view that draws every phase connects to one signal. */
#define EVOX_TYPE_PHASE_LIST (evox_phase_list_get_type ())
G_DECLARE_FINAL_TYPE (EvoxPhaseList, evox_phase_list, EVOX, PHASE_LIST, EvoxObjectList)

EvoxPhaseList *evox_phase_list_new               (void);
guint          evox_phase_list_get_n_phases      (EvoxPhaseList  *self);
/* transfer none; NULL past the end. */
EvoxPhase     *evox_phase_list_get_phase         (EvoxPhaseList  *self,
                                                  guint           index);
int            evox_phase_list_find              (EvoxPhaseList  *self,
                                                  const char     *name);
/* The list takes its own reference (transfer none, as g_list_store_append). */
void           evox_phase_list_append            (EvoxPhaseList  *self,
                                                  EvoxPhase      *phase);
void           evox_phase_list_remove            (EvoxPhaseList  *self,
                                                  guint           index);
/* Moves phase `from` to position `to` (both < n). */
void           evox_phase_list_move              (EvoxPhaseList  *self,
                                                  guint           from,
                                                  guint           to);
/* Replaces every phase with copies of other's (one items-changed). */
void           evox_phase_list_assign            (EvoxPhaseList  *self,
                                                  EvoxPhaseList  *other);
void           evox_phase_list_clear             (EvoxPhaseList  *self);
/* "Phase N" with the smallest N not in use. */
char          *evox_phase_list_dup_unique_name   (EvoxPhaseList  *self);
/* The next colour of a fixed palette of distinct colours (matplotlib's tab10) not yet used by
 * the list; when all are used, the first of the least used. */
const char    *evox_phase_list_next_color        (EvoxPhaseList  *self);
/* Index of the first visible phase containing value, -1 when none does. */
int            evox_phase_list_find_owner        (EvoxPhaseList  *self,
                                                  double          value);
/* Phase `index` overlaps at least one other phase of the list (evox_phase_overlaps). */
gboolean       evox_phase_list_overlaps          (EvoxPhaseList  *self,
                                                  guint           index,
                                                  EvoxSampleType  type);
/* The stored values of `type` that phase `index` counts as its own, as a closed range of floats:
 * its inner range less a shared edge (see evox_phase_overlaps) that a phase before it in the list
 * owns, shown or hidden. Fractions, counts and label volumes use it, so a voxel on a shared edge
 * counts once. FALSE when no value is left. */
gboolean       evox_phase_list_get_owned_range   (EvoxPhaseList  *self,
                                                  guint           index,
                                                  EvoxSampleType  type,
                                                  float          *first,
                                                  float          *last);

/* Values typed by users. In log10 data a plain number is the stored log10 value ("-4.5") and a
 * number with an exponent or the unit ("3.2e-5", "3.2e-5 ohm") is the quantity itself, stored as
 * its log10; in linear data every number is the value. Fails on text that is no number, on NaN
 * and infinities, and on quantities <= 0 in log10 data. */
gboolean       evox_phase_parse_value            (const char     *text,
                                                  EvoxValueScale  scale,
                                                  const char     *unit,
                                                  double         *stored,
                                                  GError        **error);
/* "NAME=LO:HI" as on the command line (values as above). Fails with EVOX_ERROR_ARGUMENT naming
 * the spec on a missing name, a missing ':' or '=', lo > hi, or a range that holds no value of
 * the sample type (no integer between lo and hi, or outside 0..255 / 0..65535 for u8 / u16). */
EvoxPhase     *evox_phase_parse_spec             (const char     *spec,
                                                  EvoxVolume     *volume,
                                                  GError        **error);
/* "NAME=LO:HI[:#rrggbb[:OPACITY]]": a colour and an opacity from 0 to 1 (1 draws the colour
 * alone, over nothing of the colour map) may follow the range. has_color says whether one was
 * given (otherwise the phase has the first palette colour). */
EvoxPhase     *evox_phase_parse_styled_spec      (const char     *spec,
                                                  EvoxVolume     *volume,
                                                  gboolean       *has_color,
                                                  GError        **error);
/* What can be checked of a --phase value (NAME=LO:HI[:#rrggbb[:OPACITY]] or auto:N) before the
 * volume is read: the shape, the style, N from 2 to 8, values that start with numbers. */
gboolean       evox_phase_check_spec_syntax      (const char     *spec,
                                                  GError        **error);
/* --phase values into phases for a volume, as segment, render and the window take them: NAME=LO:HI
 * (styled: optionally :#rrggbb[:OPACITY]) or auto:N, N phases from multi-level Otsu on
 * basis_histogram, named "Phase 1"... as free. Uncoloured phases get the palette's next colour;
 * a name given twice fails. On failure the phases of the earlier specs stay appended. */
gboolean       evox_phase_list_append_specs      (EvoxPhaseList       *self,
                                                  const char * const  *specs,
                                                  EvoxVolume          *volume,
                                                  EvoxFineHistogram   *basis_histogram,
                                                  gboolean             styled,
                                                  GError             **error);
/* The same for phases of `channel`: its value scale and unit read the values (the call above
 * reads them as channel 0's, and evox_phase_parse_spec too). */
gboolean       evox_phase_list_append_channel_specs (EvoxPhaseList    *self,
                                                  const char * const  *specs,
                                                  EvoxVolume          *volume,
                                                  guint                channel,
                                                  EvoxFineHistogram   *basis_histogram,
                                                  gboolean             styled,
                                                  GError             **error);
/* Same checks for a range typed in a dialog; names the phase in the message. */
gboolean       evox_phase_check_range            (const char     *name,
                                                  double          lo,
                                                  double          hi,
                                                  EvoxSampleType  type,
                                                  GError        **error);

/* What fractions, counts and histograms of an SSRM stack count: its measured scans as they were
 * measured (the data, and the default) or the interpolated volume, whose layers between scans are
 * blends of two scans (what 3D connectivity, particles and surfaces always use). A volume without
 * scans, or a channel other than the first, has one basis, the volume, whichever is asked. */
typedef enum
{
  EVOX_BASIS_MEASURED,
  EVOX_BASIS_VOLUME,
} EvoxBasis;

GType              evox_basis_get_type           (void) G_GNUC_CONST;
#define EVOX_TYPE_BASIS (evox_basis_get_type ())

/* "measured", "volume": the words of `--basis` and of the CSV column. */
const char        *evox_basis_to_string          (EvoxBasis          basis);
gboolean           evox_basis_from_string        (const char        *text,
                                                  EvoxBasis         *basis);
/* The volume has measured scans for this channel, so the two bases differ. */
gboolean           evox_basis_has_choice         (EvoxVolume        *volume,
                                                  guint              channel);
/* The basis that is counted: basis when there is a choice, else EVOX_BASIS_VOLUME. */
EvoxBasis          evox_basis_resolve            (EvoxVolume        *volume,
                                                  guint              channel,
                                                  EvoxBasis          basis);
/* transfer none: the fine histogram of the basis (the measured scans', one layer per scan, or
 * the channel's). */
EvoxFineHistogram *evox_basis_get_histogram      (EvoxVolume        *volume,
                                                  guint              channel,
                                                  EvoxBasis          basis);
/* What numbers of the basis are "of", for labels: "of the 4 measured scans", "of the interpolated
 * volume" (SSRM stacks), "of the volume". */
char              *evox_basis_dup_label          (EvoxVolume        *volume,
                                                  guint              channel,
                                                  EvoxBasis          basis);

/* Volume fractions. The fine histogram gives them in O(1) (exact for u8/u16, within one fine bin
 * per edge for f32); fractions are of the finite voxels. */
double         evox_phase_fraction               (EvoxPhase         *self,
                                                  EvoxFineHistogram *histogram);
/* Exact counts of voxels with lo[i] <= v <= hi[i] for n ranges in one pass over the channel
 * (OpenMP); what CSV files report. For u8/u16 it reads the fine histogram instead. */
gboolean       evox_count_ranges_exact           (EvoxVolume        *volume,
                                                  guint              channel,
                                                  guint              n,
                                                  const double      *lo,
                                                  const double      *hi,
                                                  guint64           *counts,
                                                  GCancellable      *cancellable,
                                                  GError           **error);

/* Fraction of phase `index` over its owned range (evox_phase_list_get_owned_range), so the
 * fractions of phases that share edges add up as the voxels do. type: the stored values' type. */
double         evox_phase_list_fraction          (EvoxPhaseList     *self,
                                                  guint              index,
                                                  EvoxSampleType     type,
                                                  EvoxFineHistogram *histogram);
/* Its count in the fine histogram (the same range). */
guint64        evox_phase_list_count             (EvoxPhaseList     *self,
                                                  guint              index,
                                                  EvoxSampleType     type,
                                                  EvoxFineHistogram *histogram);
/* evox_count_ranges_exact over the basis: for EVOX_BASIS_MEASURED of a volume with scans, the
 * values of the scans (one pass over them); otherwise the channel. */
gboolean       evox_count_ranges_exact_basis     (EvoxVolume        *volume,
                                                  guint              channel,
                                                  EvoxBasis          basis,
                                                  guint              n,
                                                  const double      *lo,
                                                  const double      *hi,
                                                  guint64           *counts,
                                                  GCancellable      *cancellable,
                                                  GError           **error);

/* Count of phase `index` over its owned range on the basis, with the finite values it is of.
 * Exact (TRUE) when counting is cheap: the measured scans of an SSRM stack are read value by
 * value (nx * ny per scan, well under a millisecond for a few scans) and integer data have one
 * fine bin per value. The interpolated volume of f32 data is too big to read on every edge move,
 * so its count comes from the fine histogram, within one fine bin per edge (FALSE). */
gboolean       evox_phase_list_count_basis       (EvoxPhaseList     *self,
                                                  guint              index,
                                                  EvoxVolume        *volume,
                                                  guint              channel,
                                                  EvoxBasis          basis,
                                                  guint64           *count,
                                                  guint64           *n_finite);

/* How much a fraction depends on where the edges are: the fraction with lo moved by shift[k]
 * (hi fixed) and with hi moved by shift[k] (lo fixed), for n_steps shifts evenly over
 * [-delta, +delta]. delta is 0.5 (half a decade) for log10 data and 5% of the data range for
 * linear data. A moved edge that passes the other gives fraction 0. */
typedef struct
{
  double  delta;
  guint   n_steps;
  double *shift;
  double *fraction_lo;
  double *fraction_hi;
} EvoxSensitivity;

double           evox_sensitivity_delta          (EvoxVolume        *volume,
                                                  guint              channel);
EvoxSensitivity *evox_phase_sensitivity          (EvoxPhase         *self,
                                                  EvoxFineHistogram *histogram,
                                                  double             delta,
                                                  guint              n_steps);
void             evox_sensitivity_free           (EvoxSensitivity   *self);

/* Multi-level Otsu: the n_classes - 1 thresholds that maximise the between-class variance of
 * counts[0..n_bins) with bin b at value b, found exactly by dynamic programming in
 * O(n_classes * n_bins^2). thresholds[k] is the first bin of class k + 1 (strictly increasing,
 * every class holds at least one bin). Ties go to the lowest thresholds (lexicographically
 * smallest tuple). FALSE when fewer than n_classes bins are non-empty. */
gboolean       evox_otsu_bins                    (const double      *counts,
                                                  guint              n_bins,
                                                  guint              n_classes,
                                                  guint             *thresholds);
/* Otsu on a fine histogram, coarsened to at most 256 bins over the finite data range (exact for
 * u8): n_classes - 1 threshold values in stored units; class k + 1 starts at thresholds[k].
 * n_classes in 2..8 (else EVOX_ERROR_ARGUMENT). A threshold in a run of empty bins goes to its
 * middle (labels 0, 85, 170 split at 43 and 128). Fails when the data hold fewer distinct values
 * than classes. */
gboolean       evox_otsu_suggest                 (EvoxFineHistogram *histogram,
                                                  guint              n_classes,
                                                  double            *thresholds,
                                                  GError           **error);
/* Replaces the list with n_classes adjacent phases from the Otsu thresholds, covering the data
 * range without overlap (integer data: [t_k, t_k+1 - 1]; f32: the next float above a shared
 * edge), named "Phase 1".. unless names is given, coloured from the palette. */
gboolean       evox_phase_list_suggest           (EvoxPhaseList     *self,
                                                  EvoxFineHistogram *histogram,
                                                  guint              n_classes,
                                                  const char * const *names,
                                                  GError           **error);

/* Presets: named phase lists that are starting points. Built in: "Gr/Si anode (SSRM)" and
 * "Three-phase tomogram". A preset phase without a range takes its range from Otsu when applied.
 * User presets live in $XDG_CONFIG_HOME/evox/phase-presets.ini; saving one under a built-in's
 * name replaces it for that user, deleting it brings the built-in back. */
typedef struct _EvoxPhasePreset EvoxPhasePreset;

#define EVOX_TYPE_PHASE_PRESET (evox_phase_preset_get_type ())
GType            evox_phase_preset_get_type      (void) G_GNUC_CONST;
void             evox_phase_preset_free          (EvoxPhasePreset   *self);
const char      *evox_phase_preset_get_name      (EvoxPhasePreset   *self);
gboolean         evox_phase_preset_is_builtin    (EvoxPhasePreset   *self);
/* Built-ins (unless replaced) then the user's, by name. Unreadable user files are reported
 * once with g_warning and skipped. */
GPtrArray       *evox_phase_presets_list         (void);
/* Fills list from the preset (one items-changed); a phase without a range takes the range of the
 * Otsu class at its position (as many classes as phases); histogram may be NULL when every phase
 * has a range. */
gboolean         evox_phase_preset_apply         (EvoxPhasePreset   *self,
                                                  EvoxPhaseList     *list,
                                                  EvoxFineHistogram *histogram,
                                                  GError           **error);
/* Saves list as the user's preset `name` (atomic write of the whole file). */
gboolean         evox_phase_preset_save          (const char        *name,
                                                  EvoxPhaseList     *list,
                                                  GError           **error);
gboolean         evox_phase_preset_delete        (const char        *name,
                                                  GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxSensitivity, evox_sensitivity_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxPhasePreset, evox_phase_preset_free)

G_END_DECLS
