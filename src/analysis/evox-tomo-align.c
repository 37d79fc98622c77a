/* evox-tomo-align.c: contract placeholder (issue 16); the helper "align" replaces this file. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-tomo.h"
