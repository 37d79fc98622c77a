/* evox-simd-private.h: the AVX2 clones that core's hot loops share. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* Where the compiler and the machine can, the hot loops also get an AVX2 build picked at load
 * time; everything else runs the baseline build. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__ELF__)
#define EVOX_TARGET_CLONES __attribute__ ((target_clones ("avx2", "default")))
#else
#define EVOX_TARGET_CLONES
#endif
