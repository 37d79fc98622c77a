/* evox-registration.c: the result of registering a spectral stack across energies. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-registration.h"

struct _EvoxRegistration
{
  GObject                parent_instance;

  EvoxVolume            *raw;
  EvoxVolume            *registered;
  EvoxRegistrationEntry *entries;
  guint                  n_entries;
  char                  *scale_mode;
};

G_DEFINE_FINAL_TYPE (EvoxRegistration, evox_registration, G_TYPE_OBJECT)

static void
evox_registration_finalize (GObject *object)
{
  EvoxRegistration *self = EVOX_REGISTRATION (object);

  g_clear_object (&self->raw);
  g_clear_object (&self->registered);
  g_clear_pointer (&self->entries, g_free);
  g_clear_pointer (&self->scale_mode, g_free);
  G_OBJECT_CLASS (evox_registration_parent_class)->finalize (object);
}

static void
evox_registration_class_init (EvoxRegistrationClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = evox_registration_finalize;
}

static void
evox_registration_init (EvoxRegistration *self)
{
}

EvoxRegistration *
evox_registration_new (EvoxVolume                  *raw,
                       EvoxVolume                  *registered,
                       const EvoxRegistrationEntry *entries,
                       guint                        n_entries,
                       const char                  *scale_mode)
{
  EvoxRegistration *self;

  g_return_val_if_fail (EVOX_IS_VOLUME (raw), NULL);
  g_return_val_if_fail (EVOX_IS_VOLUME (registered), NULL);
  g_return_val_if_fail (entries != NULL || n_entries == 0, NULL);

  self = g_object_new (EVOX_TYPE_REGISTRATION, NULL);
  self->raw = g_object_ref (raw);
  self->registered = g_object_ref (registered);
  self->entries = g_memdup2 (entries, sizeof *entries * n_entries);
  self->n_entries = n_entries;
  self->scale_mode = g_strdup (scale_mode != NULL ? scale_mode : "fit");
  return self;
}

EvoxVolume *
evox_registration_get_raw (EvoxRegistration *self)
{
  g_return_val_if_fail (EVOX_IS_REGISTRATION (self), NULL);
  return self->raw;
}

EvoxVolume *
evox_registration_get_registered (EvoxRegistration *self)
{
  g_return_val_if_fail (EVOX_IS_REGISTRATION (self), NULL);
  return self->registered;
}

guint
evox_registration_get_n_entries (EvoxRegistration *self)
{
  g_return_val_if_fail (EVOX_IS_REGISTRATION (self), 0);
  return self->n_entries;
}

const EvoxRegistrationEntry *
evox_registration_get_entry (EvoxRegistration *self,
                             guint             i)
{
  g_return_val_if_fail (EVOX_IS_REGISTRATION (self), NULL);
  g_return_val_if_fail (i < self->n_entries, NULL);
  return &self->entries[i];
}

const EvoxRegistrationEntry *
evox_registration_get_reference (EvoxRegistration *self)
{
  g_return_val_if_fail (EVOX_IS_REGISTRATION (self), NULL);
  for (guint i = 0; i < self->n_entries; i++)
    if (self->entries[i].is_reference)
      return &self->entries[i];
  return NULL;
}

const char *
evox_registration_get_scale_mode (EvoxRegistration *self)
{
  g_return_val_if_fail (EVOX_IS_REGISTRATION (self), NULL);
  return self->scale_mode;
}

guint
evox_registration_get_n_flagged (EvoxRegistration *self)
{
  guint n = 0;

  g_return_val_if_fail (EVOX_IS_REGISTRATION (self), 0);
  for (guint i = 0; i < self->n_entries; i++)
    n += self->entries[i].flagged ? 1 : 0;
  return n;
}
