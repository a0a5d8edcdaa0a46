/* slow_receiver.c: lab05 starter.  Should be a receiver with a 4096-byte
 * buffer that reads nothing for DELAY_MS milliseconds, then reads to end
 * of file and prints "received N bytes".  It only accepts so far. */
#include <socklab.h>
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
  int lfd, fd;
  long delay;
  char *end;

  if (argc != 3 || (delay = strtol(argv[2], &end, 10)) < 0 || *end != '\0') {
    fprintf(stderr, "usage: slow_receiver PORT DELAY_MS\n");
    return 1;
  }
  /* TODO(lab05): set SO_RCVBUF to 4096 on the listening socket BEFORE
   * listen() (tcp(7) says why): sl_tcp_listen() calls listen() for you,
   * so build the socket yourself: sl_socket, SO_REUSEADDR, SO_RCVBUF,
   * sl_bind, sl_listen. */
  lfd = SL_TRY(sl_tcp_listen(NULL, argv[1], 1));
  fd = SL_TRY(sl_accept(lfd, NULL, NULL));
  sl_close(lfd);

  /* TODO(lab05): sleep DELAY_MS milliseconds without reading (nanosleep;
   * retry on EINTR), then sl_recv until end of file, counting the bytes,
   * and print "received N bytes". */
  (void)delay;

  fprintf(stderr, "slow_receiver: not implemented yet (TODO(lab05))\n");
  sl_close(fd);
  return 1;
}
