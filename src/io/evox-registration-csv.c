/* evox-registration-csv.c: see evox-registration-csv.h. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-registration-csv.h"
