/* The Internet checksum (RFC 1071): the 16-bit one's complement of the one's
 * complement sum of a packet's 16-bit words, and the TCP/UDP pseudo-header
 * (RFC 9293 section 3.1, RFC 768).  Runs on every packet, so it is fast. */
#include <string.h>

#include "core/wire.h"

/* One's complement addition of 64-bit words: a carry out of the top bit is
 * added back at the bottom ("end-around carry").  Because 2^16, 2^32 and
 * 2^64 are all 1 modulo 2^16 - 1, summing 8 bytes at a time and folding at
 * the end gives the same result as summing 16-bit words (RFC 1071 section
 * 2(C)), with a quarter of the additions. */
static inline uint64_t
add64(uint64_t acc, uint64_t w)
{
  uint64_t s = acc + w;

  /* s < w exactly when the addition overflowed; s + 1 cannot overflow
   * then, because s is at most 2^64 - 2. */
  return s + (s < w);
}

static int
host_is_big_endian(void)
{
  const uint16_t probe = 1;
  uint8_t first;

  memcpy(&first, &probe, 1);
  return first == 0;
}

uint32_t
sl__csum_add(uint32_t sum, const void *data, size_t len)
{
  const uint8_t *p = data;
  uint64_t acc = 0, w8;
  uint32_t w4;
  uint16_t w2;

  /* Words are loaded in the host's byte order with memcpy, which compiles
   * to plain (unaligned-safe) loads.  The sum of byte-swapped words is the
   * byte-swapped sum (RFC 1071 section 2(B)), so on a little-endian host
   * one swap at the end puts the result in network order. */
  /* The bulk: 32-bit halves into four independent 64-bit sums.  No carry
   * can be lost (each sum would need 2^32 words to overflow) and the four
   * chains run in parallel, which is what makes this fast; RFC 1071
   * section 2(C) allows summing in any word size and folding later. */
  if (len >= 32) {
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, x, y;
    while (len >= 16) {
      memcpy(&x, p, 8);
      memcpy(&y, p + 8, 8);
      a0 += x & 0xffffffffu;
      a1 += x >> 32;
      a2 += y & 0xffffffffu;
      a3 += y >> 32;
      p += 16;
      len -= 16;
    }
    acc = add64(acc, a0);
    acc = add64(acc, a1);
    acc = add64(acc, a2);
    acc = add64(acc, a3);
  }
  while (len >= 8) {
    memcpy(&w8, p, 8);
    acc = add64(acc, w8);
    p += 8;
    len -= 8;
  }
  if (len >= 4) {
    memcpy(&w4, p, 4);
    acc = add64(acc, w4);
    p += 4;
    len -= 4;
  }
  if (len >= 2) {
    memcpy(&w2, p, 2);
    acc = add64(acc, w2);
    p += 2;
    len -= 2;
  }
  if (len == 1) {
    /* An odd last byte is the high byte of a word whose low byte is 0
     * (RFC 9293 section 3.1: "padded on the right with zeros"). */
    const uint8_t last[2] = {p[0], 0};

    memcpy(&w2, last, 2);
    acc = add64(acc, w2);
  }

  /* Fold 64 -> 32 -> 16 bits, carries added back each time.  The first
   * step leaves at most 0x1fffffffe, so the second cannot carry again. */
  acc = (acc & 0xffffffffu) + (acc >> 32);
  acc = (acc & 0xffffffffu) + (acc >> 32);
  acc = (acc & 0xffffu) + (acc >> 16);
  acc = (acc & 0xffffu) + (acc >> 16);
  if (!host_is_big_endian())
    acc = ((acc >> 8) | (acc << 8)) & 0xffffu;

  /* Add to the caller's partial sum, again with end-around carry, so that
   * any 32-bit partial sum can be chained. */
  acc += sum;
  acc = (acc & 0xffffffffu) + (acc >> 32);
  return (uint32_t)acc;
}

uint16_t
sl__csum_fold(uint32_t sum)
{
  sum = (sum & 0xffffu) + (sum >> 16);
  sum = (sum & 0xffffu) + (sum >> 16);
  return (uint16_t)~sum;
}

uint32_t
sl__csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
  /* The 12-byte pseudo-header as 16-bit words: src (2), dst (2), zero and
   * protocol (1), length (1).  Six words of at most 0xffff cannot overflow
   * 32 bits. */
  return (src >> 16) + (src & 0xffffu) + (dst >> 16) + (dst & 0xffffu) + proto +
         len;
}

uint16_t
sl__inet_csum(const void *data, size_t len)
{
  return sl__csum_fold(sl__csum_add(0, data, len));
}
