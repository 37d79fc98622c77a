/* evox-demo.h: the synthetic Gr/Si anode SSRM stack Evox opens when given nothing else. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "evox-ssrm-stack.h"

G_BEGIN_DECLS

#define EVOX_DEMO_SIZE 128
#define EVOX_DEMO_N_SCANS 4

void        evox_demo_scans_new  (EvoxScanInput scans[EVOX_DEMO_N_SCANS]);
EvoxVolume *evox_demo_volume_new (double dz_nm);

G_END_DECLS
