/* A byte queue for TCP's send and receive buffers.  Storage grows on
 * demand up to a limit and is released on request once the queue is empty
 * (sl__ring_trim), so an idle connection holds no buffer memory. */
#ifndef SOCKLAB_CORE_RING_H
#define SOCKLAB_CORE_RING_H

#include <stddef.h>
#include <stdint.h>

struct sl__ring {
  uint8_t *buf; /* NULL while empty */
  size_t cap;   /* bytes allocated at buf; with no buf, what to allocate
                   first (the size it had before sl__ring_trim), or 0 */
  size_t head;  /* offset of the first byte */
  size_t len;   /* bytes queued */
};

/* Appends up to n bytes, growing storage up to `limit` bytes in all;
 * returns how many were taken (fewer when the limit or memory runs out). */
size_t sl__ring_put(struct sl__ring *r, const void *src, size_t n,
                    size_t limit);
/* Copies n bytes starting `off` bytes into the queue, without removing
 * them; the caller makes sure off + n <= len. */
void sl__ring_peek(const struct sl__ring *r, size_t off, void *dst, size_t n);
/* Removes the first n bytes (n <= len). */
void sl__ring_drop(struct sl__ring *r, size_t n);
/* Copies out and removes up to n bytes; returns the count. */
size_t sl__ring_get(struct sl__ring *r, void *dst, size_t n);
/* Releases the storage of an empty queue (an idle connection should hold
 * no buffer memory), remembering its size for the next bytes; does
 * nothing while bytes are queued. */
void sl__ring_trim(struct sl__ring *r);
void sl__ring_free(struct sl__ring *r);

#endif
