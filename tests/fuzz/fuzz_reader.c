/* libFuzzer target: the line reader (lib/api/reader.c) over a socketpair
 * (or a pipe) fed arbitrary chunks, read with arbitrary maximum lengths.
 * Whatever arrives, the reader must keep its promises (socklab/reader.h):
 * every byte written comes out once and in order, no line is longer than
 * max - 1 bytes, a line ends in '\n' unless end of file cut it, and
 * EMSGSIZE consumes nothing (the bytes come out next through
 * sl_reader_read).
 *
 * The input is a sequence of steps, each [1 byte op][2 bytes n]:
 *   op bit 0 clear: write the next n bytes of the input (at most 4096);
 *   op bit 0 set:   sl_readline with max = n % 9000 + 1 (so up to past
 *                   SL_READER_BUFSIZE), or, with bit 1 set, sl_reader_read
 *                   of n % 300 + 1 bytes.
 * Bit 7 of the first op picks a pipe instead of a socketpair.  The read
 * end is non-blocking, so a read with nothing buffered says EAGAIN; once
 * the steps are done the write end closes and the rest is drained.
 *
 *   make fuzz && build/fuzz/fuzz_reader -max_total_time=60 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "socklab/reader.h"

#define MAXLINE 9000

static uint8_t written[1 << 20], got[1 << 20];
static size_t nwritten, ngot;

static void
fail(const char *what)
{
  fprintf(stderr, "fuzz_reader: %s (written %zu, read %zu)\n", what, nwritten,
          ngot);
  abort();
}

/* The bytes read must be exactly a prefix of those written. */
static void
check_prefix(void)
{
  if (ngot > nwritten || memcmp(got, written, ngot) != 0)
    fail("bytes out are not the bytes in");
}

/* One sl_readline with max bytes; returns its result. */
static ssize_t
readline(struct sl_reader *r, size_t max)
{
  static char line[MAXLINE + 1];
  size_t before = sl_reader_buffered(r);
  ssize_t n;

  memset(line, 0xaa, max);
  n = sl_readline(r, line, max);
  if (n > 0) {
    if ((size_t)n > max - 1)
      fail("a line longer than max - 1");
    if (line[n] != '\0' || strlen(line) > (size_t)n)
      fail("a line not NUL-terminated at its length");
    if (memchr(line, '\n', (size_t)n - 1) != NULL)
      fail("two lines in one");
    if (line[n - 1] != '\n' && !r->eof)
      fail("a line without '\\n' before end of file");
    if (ngot + (size_t)n > sizeof got)
      fail("more bytes read than written");
    memcpy(got + ngot, line, (size_t)n);
    ngot += (size_t)n;
    check_prefix();
  } else if (n < 0 && errno == EMSGSIZE) {
    if (sl_reader_buffered(r) < before)
      fail("EMSGSIZE consumed bytes");
  } else if (n < 0 && errno != EAGAIN) {
    fail("an error other than EMSGSIZE or EAGAIN");
  }
  return n;
}

/* sl_reader_read of at most n bytes; returns its result. */
static ssize_t
read_bytes(struct sl_reader *r, size_t n)
{
  ssize_t k;

  if (ngot + n > sizeof got)
    n = sizeof got - ngot;
  k = sl_reader_read(r, got + ngot, n);
  if (k > 0) {
    ngot += (size_t)k;
    check_prefix();
  } else if (k < 0 && errno != EAGAIN) {
    fail("sl_reader_read failed");
  }
  return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static struct sl_reader r;
  int fds[2], use_pipe = size > 0 && (data[0] & 128);

  nwritten = ngot = 0;
  if ((use_pipe ? pipe(fds) : socketpair(AF_UNIX, SOCK_STREAM, 0, fds)) < 0)
    return 0;
  /* Both ends non-blocking: a write into a full buffer writes less (what
   * was written is what counts), a read with nothing there says EAGAIN. */
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  fcntl(fds[1], F_SETFL, O_NONBLOCK);
  sl_reader_init(&r, fds[0]);

  while (size >= 3) {
    uint8_t op = data[0];
    size_t n = (size_t)data[1] << 8 | data[2];
    data += 3;
    size -= 3;
    if (!(op & 1)) {
      ssize_t w;
      if (n > size)
        n = size;
      if (n > 4096)
        n = 4096;
      if (nwritten + n > sizeof written)
        break;
      w = write(fds[1], data, n);
      if (w > 0) {
        memcpy(written + nwritten, data, (size_t)w);
        nwritten += (size_t)w;
      }
      data += n;
      size -= n;
    } else if (op & 2) {
      read_bytes(&r, n % 300 + 1);
    } else {
      readline(&r, n % MAXLINE + 1);
    }
  }

  /* The end: close the write end and drain, with lines where they fit
   * and bytes where they do not. */
  close(fds[1]);
  for (int rounds = 0;; rounds++) {
    ssize_t n = readline(&r, rounds % 2 ? 100 : SL_READER_BUFSIZE + 1);
    if (n < 0 && errno == EMSGSIZE)
      n = read_bytes(&r, 4096);
    if (n == 0)
      break;
    if (rounds > 1000000)
      fail("the reader never reached end of file");
  }
  if (ngot != nwritten)
    fail("bytes lost at end of file");
  if (sl_readline(&r, (char[2]){0}, 2) != 0)
    fail("no 0 after end of file");
  close(fds[0]);
  return 0;
}
