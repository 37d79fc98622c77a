/* evox-spectrum.c: see evox-spectrum.h. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-spectrum.h"
