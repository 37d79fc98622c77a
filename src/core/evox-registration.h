/* evox-registration.h: the result of registering a spectral stack across energies: the raw and
 * the registered volumes and, per energy, the transform found and how good it is. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-volume.h"

G_BEGIN_DECLS

/* The transform of one energy's image onto the reference grid, in pixels, about the image
 * centre c = (n - 1) / 2 on each axis:
 *     reference position = c + scale * (raw position - c) + shift
 * so scale = raw pixel size / reference pixel size (below 1 for energies under the reference's:
 * their smaller pixels shrink onto the reference grid), and shift is in reference pixels (x, y,
 * z; z is 0 for 2D stacks). */
typedef struct
{
  double   energy_ev;
  guint    raw_channel;      /* channel of the raw volume */
  int      channel;          /* channel of the registered volume; -1 when excluded */
  gboolean excluded;         /* the user left it out: not in the registered volume */
  gboolean is_reference;
  gboolean is_anchor;        /* registered to the reference directly, tying the chain */
  double   nominal_scale;    /* from the pixel sizes, or the energy ratio E / E_ref */
  double   scale;            /* applied: nominal, refined by the search, or 1 */
  double   shift[3];
  double   ncc_before;       /* normalised cross-correlation with the reference, raw image */
  double   ncc_after;        /* ... registered image */
  double   mi_before;        /* mutual information (nats) with the reference */
  double   mi_after;
  double   residual_px;      /* |shift| when the registered image is registered again */
  gboolean flagged;          /* shift more than 3 MADs off the trend of its neighbours, or empty */
  gboolean empty;            /* no finite pixel, or a constant image: nothing to register by, so
                              * left unshifted (and flagged) */
} EvoxRegistrationEntry;

#define EVOX_TYPE_REGISTRATION (evox_registration_get_type ())
G_DECLARE_FINAL_TYPE (EvoxRegistration, evox_registration, EVOX, REGISTRATION, GObject)

/* Takes references to both volumes and copies the entries (one per raw channel, ascending
 * energy). scale_mode is "energy", "fit" or "none". */
EvoxRegistration            *evox_registration_new             (EvoxVolume                  *raw,
                                                                EvoxVolume                  *registered,
                                                                const EvoxRegistrationEntry *entries,
                                                                guint                        n_entries,
                                                                const char                  *scale_mode);
EvoxVolume                  *evox_registration_get_raw         (EvoxRegistration            *self);
EvoxVolume                  *evox_registration_get_registered  (EvoxRegistration            *self);
guint                        evox_registration_get_n_entries   (EvoxRegistration            *self);
const EvoxRegistrationEntry *evox_registration_get_entry       (EvoxRegistration            *self,
                                                                guint                        i);
/* The reference's entry (never NULL for a registration made by evox_register_stack). */
const EvoxRegistrationEntry *evox_registration_get_reference   (EvoxRegistration            *self);
const char                  *evox_registration_get_scale_mode  (EvoxRegistration            *self);
guint                        evox_registration_get_n_flagged   (EvoxRegistration            *self);

G_END_DECLS
