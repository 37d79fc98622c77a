/* evox-elements.c: X-ray edges and mass attenuation from xraylib; elemental maps (placeholder
 * until the elements helper's branch lands). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-elements.h"
