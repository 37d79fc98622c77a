/* evox-cli-maps.h: what `evox xanes` and `evox elements` share: the maps' outputs checked (the
 * writing is evox_maps_write_full's), Ctrl-C as cancellation, the stack's energies and
 * registration, percentiles for the summaries. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "evox-cli-private.h"
#include "evox-elements.h"
#include "evox-maps-writer.h"

G_BEGIN_DECLS

/* Exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it). */
#define EVOX_EXIT_CANCELLED 130

/* The help of xanes' and elements' --provenance. */
#define EVOX_CLI_MAPS_PROVENANCE_HELP \
  "Put Evox's version, the input and its SHA-256 and this command in the outputs: the HDF5 " \
  "root's attribute evox_provenance, evox_provenance= in each TIFF's description"

typedef enum
{
  EVOX_CLI_MAPS_HDF5,  /* OUT.h5: every channel in one Data Exchange file */
  EVOX_CLI_MAPS_TIFF,  /* PREFIX.tif: PREFIX_<label>.tif a map, PREFIX_norm.tif the energies */
} EvoxCliMapsKind;

typedef struct
{
  EvoxCliMapsKind kind;
  char           *path;    /* -o as given, what evox_maps_write_full writes */
} EvoxCliMapsOutput;

void      _evox_cli_maps_output_clear (EvoxCliMapsOutput *output);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EvoxCliMapsOutput, _evox_cli_maps_output_clear)

/* -o OUT.h5|OUT.hdf5|PREFIX.tif|PREFIX.tiff; anything else is bad usage. */
gboolean  _evox_cli_maps_output_parse (const char        *out,
                                       EvoxCliMapsOutput *output,
                                       int               *status);

/* Refuses (as _evox_cli_check_outputs does) any file evox_maps_write_full would write the maps
 * to: labels are the channels without energies, norm says some channel has an energy (the
 * normalised stack, PREFIX_norm.tif). Called before the work, so that a refusal costs nothing. */
gboolean  _evox_cli_maps_check (const EvoxCliMapsOutput *output,
                                const char * const      *labels,
                                guint                    n_labels,
                                gboolean                 norm,
                                const char              *input,
                                gboolean                 force,
                                int                     *status);

/* A cancellable that SIGINT and SIGTERM cancel from now on (they no longer end the process):
 * to call first, before any thread starts, so every thread inherits the blocked signals. */
GCancellable *_evox_cli_cancel_on_signal (void);

/* Percentiles q (0..100) of the finite values of a channel, interpolated linearly between
 * order statistics as numpy.percentile does by default; NaN when none is finite. Returns the
 * number of finite values. */
gsize     _evox_cli_maps_percentiles (EvoxVolume   *maps,
                                      guint         channel,
                                      const double *q,
                                      guint         n_q,
                                      double       *out);

/* What --values names: optical density, or linear attenuation in a unit. */
typedef struct
{
  char *quantity;  /* NULL: --values not given */
  char *unit;
} EvoxCliMapsValues;

void      _evox_cli_maps_values_clear (EvoxCliMapsValues *values);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EvoxCliMapsValues, _evox_cli_maps_values_clear)

/* --values od|attenuation[:UNIT] (UNIT 1/nm, 1/um, 1/mm, 1/cm, 1/m or 1/voxel, the default);
 * text NULL: not given. Anything else is bad usage (status 2). */
gboolean  _evox_cli_maps_values_parse (const char        *text,
                                       EvoxCliMapsValues *values,
                                       int               *status);

/* Every channel of stack takes the meaning --values gave (nothing when it gave none). A file
 * that states another quantity or unit is overridden with a note on stderr naming input; one
 * that states none ("value") silently. */
void      _evox_cli_maps_values_apply (const EvoxCliMapsValues *values,
                                       EvoxVolume              *stack,
                                       const char              *input);

/* The stack's channel energies sorted, or NULL (status set, message naming input) when a
 * channel has none or two are equal. */
double   *_evox_cli_maps_energies (EvoxVolume *stack,
                                   const char *input,
                                   int        *status);

/* The stack's pixel sizes differ between energies: each still has its own magnification, so it
 * has not been registered. */
gboolean  _evox_cli_maps_unregistered (EvoxVolume *stack);

/* The stack the maps are made of, in place of *stack: with do_register, *stack registered as
 * `evox register` does by default (said on stdout); without, *stack itself, with a note on
 * stderr when it has not been registered. FALSE with status set (and *stack kept) when the
 * registration fails or is cancelled. */
gboolean  _evox_cli_maps_prepare (EvoxVolume   **stack,
                                  const char    *input,
                                  gboolean       do_register,
                                  GCancellable  *cancellable,
                                  int           *status);

/* A maps kernel (evox_xanes_maps, evox_elements_maps) over its own parameters. */
typedef EvoxVolume *(*EvoxCliMapsFunc) (EvoxVolume     *stack,
                                        gconstpointer   params,
                                        EvoxProgress   *progress,
                                        GCancellable   *cancellable,
                                        GError        **error);

/* Runs func with the command's progress line (_evox_cli_run_with_progress) and cancellable. */
EvoxVolume *_evox_cli_maps_run (EvoxCliMapsFunc  func,
                                EvoxVolume      *stack,
                                gconstpointer    params,
                                GCancellable    *cancellable,
                                const char      *fallback,
                                GError         **error);

/* The one line for a failed or cancelled job: "cancelled; nothing written" and
 * EVOX_EXIT_CANCELLED, or the message (after "input: " unless NULL) and status; a file that
 * exists adds how to replace it. */
int       _evox_cli_maps_fail (const GError *error,
                               const char   *input,
                               int           status);

G_END_DECLS
