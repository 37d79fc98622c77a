/* evox-clustering.c: (being written for issue 12; see evox-clustering.h). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"
#include "evox-clustering.h"
