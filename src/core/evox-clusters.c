/* evox-clusters.c: (being written for issue 12; see evox-clusters.h). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"
#include "evox-clusters.h"
