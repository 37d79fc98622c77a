/* evox-feature-file.c: (being written for issue 12; see evox-feature-file.h). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"
#include "evox-feature-file.h"
