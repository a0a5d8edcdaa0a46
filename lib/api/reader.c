/* The per-descriptor line reader.  Bytes come in through sl_read (so it
 * works on both stacks); lines go out whole, or with a clear error, and
 * nothing that arrived is ever dropped. */
#include <errno.h>
#include <string.h>

#include "api/internal.h"
#include "socklab/reader.h"

void
sl_reader_init(struct sl_reader *r, int fd)
{
  r->fd = fd;
  r->start = 0;
  r->end = 0;
  r->eof = 0;
}

size_t
sl_reader_buffered(const struct sl_reader *r)
{
  return r->end - r->start;
}

/* Hands the first len buffered bytes to the caller as a C string. */
static ssize_t
take(struct sl_reader *r, char *buf, size_t len)
{
  memcpy(buf, r->buf + r->start, len);
  buf[len] = '\0';
  r->start += len;
  return (ssize_t)len;
}

static ssize_t
too_long(const struct sl_reader *r, size_t max)
{
  size_t limit = max - 1 < SL_READER_BUFSIZE ? max - 1 : SL_READER_BUFSIZE;

  return sl__err_msg(SL_ERR_PROTOCOL, EMSGSIZE,
                     "readline fd %d: line longer than %zu bytes "
                     "(nothing was consumed)",
                     r->fd, limit);
}

/* Reads more bytes at the end of the buffer, after moving the unread ones
 * to its front.  Returns the count, 0 at end of file, or -1. */
static ssize_t
refill(struct sl_reader *r)
{
  ssize_t n;

  if (r->start > 0) {
    memmove(r->buf, r->buf + r->start, r->end - r->start);
    r->end -= r->start;
    r->start = 0;
  }
  do
    n = sl_read(r->fd, r->buf + r->end, SL_READER_BUFSIZE - r->end);
  while (n < 0 && errno == EINTR);
  if (n == 0)
    r->eof = 1;
  else if (n > 0)
    r->end += (size_t)n;
  return n;
}

ssize_t
sl_readline(struct sl_reader *r, char *buf, size_t max)
{
  size_t scanned = 0; /* buffered bytes already known to hold no '\n' */

  if (buf == NULL || max == 0)
    return sl__err_msg(SL_ERR_USAGE, EINVAL,
                       "readline fd %d: no room for even the NUL byte", r->fd);
  for (;;) {
    size_t pending = r->end - r->start;
    char *nl = memchr(r->buf + r->start + scanned, '\n', pending - scanned);

    if (nl != NULL) {
      size_t len = (size_t)(nl - (r->buf + r->start)) + 1;
      return len > max - 1 ? too_long(r, max) : take(r, buf, len);
    }
    scanned = pending;
    if (r->eof && pending <= max - 1)
      return take(r, buf, pending); /* the last line had no '\n' (or 0) */
    if (r->eof || pending > max - 1 || pending == SL_READER_BUFSIZE)
      return too_long(r, max);
    if (refill(r) < 0)
      return -1;
  }
}

ssize_t
sl_reader_read(struct sl_reader *r, void *buf, size_t n)
{
  size_t pending = r->end - r->start;

  if (pending == 0)
    return r->eof ? 0 : sl_read(r->fd, buf, n);
  if (n > pending)
    n = pending;
  memcpy(buf, r->buf + r->start, n);
  r->start += n;
  return (ssize_t)n;
}
