/* evox-spectrum-csv.c: see evox-spectrum-csv.h. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-spectrum-csv.h"
