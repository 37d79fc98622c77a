/* evox-features.c: (being written for issue 12; see evox-features.h). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"
#include "evox-features.h"
