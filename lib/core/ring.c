/* The byte queue behind TCP's buffers (ring.h). */
#include <stdlib.h>
#include <string.h>

#include "core/ring.h"

#define RING_MIN 4096

/* Moves the bytes into a new buffer of `cap` bytes, starting at 0. */
static int
ring_grow(struct sl__ring *r, size_t cap)
{
  uint8_t *nb = malloc(cap);

  if (nb == NULL)
    return -1;
  if (r->len > 0)
    sl__ring_peek(r, 0, nb, r->len);
  free(r->buf);
  r->buf = nb;
  r->cap = cap;
  r->head = 0;
  return 0;
}

size_t
sl__ring_put(struct sl__ring *r, const void *src, size_t n, size_t limit)
{
  size_t room = limit > r->len ? limit - r->len : 0;
  size_t tail, first;

  if (n > room)
    n = room;
  if (n == 0)
    return 0;
  if (r->buf == NULL || r->len + n > r->cap) {
    size_t cap = r->cap ? r->cap : RING_MIN;
    while (cap < r->len + n)
      cap *= 2;
    if (cap > limit && limit >= r->len + n)
      cap = limit;
    if (ring_grow(r, cap) < 0)
      return 0;
  }
  tail = (r->head + r->len) % r->cap;
  first = r->cap - tail < n ? r->cap - tail : n;
  memcpy(r->buf + tail, src, first);
  memcpy(r->buf, (const uint8_t *)src + first, n - first);
  r->len += n;
  return n;
}

void
sl__ring_peek(const struct sl__ring *r, size_t off, void *dst, size_t n)
{
  size_t start = (r->head + off) % (r->cap ? r->cap : 1);
  size_t first = r->cap - start < n ? r->cap - start : n;

  if (n == 0)
    return;
  memcpy(dst, r->buf + start, first);
  memcpy((uint8_t *)dst + first, r->buf, n - first);
}

void
sl__ring_drop(struct sl__ring *r, size_t n)
{
  r->len -= n;
  /* Emptied: start over at the front.  Storage is kept for the next
   * bytes; sl__ring_trim gives it back when the connection goes idle. */
  r->head = r->len == 0 ? 0 : (r->head + n) % r->cap;
}

/* The storage goes, but its size is remembered (cap with no buf): a
 * stream that drains its queue between bursts would otherwise regrow it
 * from RING_MIN by doubling, copying what it holds at every step. */
void
sl__ring_trim(struct sl__ring *r)
{
  size_t cap = r->cap;

  if (r->len > 0)
    return;
  sl__ring_free(r);
  r->cap = cap;
}

size_t
sl__ring_get(struct sl__ring *r, void *dst, size_t n)
{
  if (n > r->len)
    n = r->len;
  sl__ring_peek(r, 0, dst, n);
  if (n > 0)
    sl__ring_drop(r, n);
  return n;
}

void
sl__ring_free(struct sl__ring *r)
{
  free(r->buf);
  r->buf = NULL;
  r->cap = 0;
  r->head = 0;
  r->len = 0;
}
