/* A buffered line reader, one per descriptor.  The buffer lives in the
 * struct, so two readers never share state (unlike the static buffer of
 * Stevens' readline), and nothing is ever silently dropped:
 *
 *     struct sl_reader r;
 *     char line[512];
 *     sl_reader_init(&r, fd);
 *     while ((n = sl_readline(&r, line, sizeof line)) > 0)
 *       handle(line);           // line ends in '\n' unless EOF cut it
 *
 * A reader is not locked: one thread uses a reader at a time. */
#ifndef SOCKLAB_READER_H
#define SOCKLAB_READER_H

#include <stddef.h>
#include <sys/types.h>

/* The longest line a reader holds, newline included.  A bound protects a
 * server from a client that never sends a newline. */
#define SL_READER_BUFSIZE 8192

struct sl_reader {
  int fd;                      /* where bytes come from */
  size_t start;                /* first unread byte in buf */
  size_t end;                  /* one past the last byte read into buf */
  int eof;                     /* the descriptor reported end of file */
  char buf[SL_READER_BUFSIZE]; /* bytes read but not yet returned */
};

void sl_reader_init(struct sl_reader *r, int fd);

/* Reads one line into buf, including its '\n', and NUL-terminates it.
 * Returns the line's length in bytes (not counting the NUL), 0 at end of
 * file, or -1 with errno:
 *  - EMSGSIZE: the line does not fit in max - 1 bytes (or is longer than
 *    SL_READER_BUFSIZE).  Nothing is consumed: call again with a bigger
 *    buffer, or take the bytes with sl_reader_read().
 *  - EAGAIN: on a non-blocking descriptor, no complete line yet; the
 *    partial line stays buffered for the next call.
 *  - anything recv(2)/read(2) reports.  Buffered bytes stay buffered.
 * When end of file comes in the middle of a line, that partial line (with
 * no '\n') is returned first and 0 on the next call.  EINTR is retried. */
ssize_t sl_readline(struct sl_reader *r, char *buf, size_t max);

/* Reads up to n bytes: buffered bytes first, otherwise one read(2).  Use
 * it to mix line-oriented and binary data on one descriptor. */
ssize_t sl_reader_read(struct sl_reader *r, void *buf, size_t n);

/* Bytes buffered and not yet returned.  A poll-based server must drain a
 * reader before it polls again: poll(2) knows nothing of this buffer. */
size_t sl_reader_buffered(const struct sl_reader *r);

#endif
