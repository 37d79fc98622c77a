/* evox-tomo.c: parallel-beam reconstruction and the first pass of jitter alignment (contract
 * placeholder: the "fbp" and "jitter" work of issue 16 replaces this file). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-tomo.h"
