/* nb_sender.c: lab05 starter.  Should send BYTES bytes on a non-blocking
 * socket, waiting in sl_poll for POLLOUT whenever a send returns EAGAIN,
 * then close and print "sent N bytes".  It only connects so far. */
#include <socklab.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

/* The byte at offset off of the stream: a pattern a receiver can check,
 * so that lost or repeated bytes show. */
static void
fill(unsigned char *buf, size_t n, unsigned long long off)
{
  for (size_t i = 0; i < n; i++)
    buf[i] = (unsigned char)((off + i) % 251);
}

int
main(int argc, char **argv)
{
  unsigned char buf[16384];
  unsigned long long bytes;
  int fd;
  char *end;

  if (argc != 4 || (bytes = strtoull(argv[3], &end, 10), *end != '\0') ||
      end == argv[3] || argv[3][0] == '-') {
    fprintf(stderr, "usage: nb_sender HOST PORT BYTES\n");
    return 1;
  }
  fd = SL_TRY(sl_tcp_connect(argv[1], argv[2]));

  /* TODO(lab05): make fd non-blocking: sl_fcntl F_GETFL, then F_SETFL
   * with O_NONBLOCK added. */

  /* TODO(lab05): send `bytes` bytes of the pattern, chunk by chunk
   * (fill(buf, n, offset)).  sl_send may take fewer bytes than asked (a
   * short send: advance by what it returned) or none (-1, errno EAGAIN:
   * sleep in sl_poll for POLLOUT, never retry at once in a loop). */
  fill(buf, sizeof buf, 0);
  (void)bytes;

  fprintf(stderr, "nb_sender: not implemented yet (TODO(lab05))\n");
  sl_close(fd);
  return 1;
}
