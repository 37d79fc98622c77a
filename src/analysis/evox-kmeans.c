/* evox-kmeans.c: (being written for issue 12; see evox-kmeans.h). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"
#include "evox-kmeans.h"
