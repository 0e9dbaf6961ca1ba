#include <cblas.h>

/* A hint to fetch the cache line at p for reading (prefetcht0). Swift cannot import
   _mm_prefetch (a macro); the decode kernels (Quant/GGUFBlockDot.swift) read packed weights
   one row after another and, with this hint 1 KB ahead, one core reads them 1.4-1.6x faster. */
static inline void sft_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }
