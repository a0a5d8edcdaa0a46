/* Sequence-number arithmetic modulo 2^32 (RFC 9293 section 3.4, RFC 1982).
 * Every comparison of sequence or acknowledgment numbers in the stack goes
 * through these macros, never through plain < or >, so that a connection
 * keeps working when its numbers wrap past 2^32 - 1 to 0. */
#ifndef SOCKLAB_CORE_SEQ_H
#define SOCKLAB_CORE_SEQ_H

#include <stdint.h>

/* a < b when b lies within the 2^31 numbers that follow a.  The difference
 * is taken in uint32_t, where it wraps, and read back as int32_t (GCC and
 * Clang define that conversion as modulo 2^32).  Two numbers exactly 2^31
 * apart are each "less" than the other; windows are far smaller than 2^31,
 * so TCP never compares such a pair. */
#define SL_SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SL_SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SL_SEQ_GT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SL_SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

/* The later / earlier of two sequence numbers.  Arguments are evaluated
 * twice, so pass plain values, not expressions with side effects. */
#define SL_SEQ_MAX(a, b) (SL_SEQ_GT(a, b) ? (uint32_t)(a) : (uint32_t)(b))
#define SL_SEQ_MIN(a, b) (SL_SEQ_LT(a, b) ? (uint32_t)(a) : (uint32_t)(b))

#endif
