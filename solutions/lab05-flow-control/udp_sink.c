/* udp_sink.c: lab05 helper, the UDP twin of slow_receiver.  Binds PORT
 * with a 4096-byte receive buffer, reads nothing for DELAY_MS
 * milliseconds, then counts the datagrams that are still there.  UDP has
 * no window: what did not fit in the buffer was dropped on arrival. */
#include <socklab.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int
main(int argc, char **argv)
{
  struct timespec ts;
  struct pollfd p = {.events = POLLIN};
  char buf[65536];
  long delay, count = 0;
  long long bytes = 0;
  int rcvbuf = 4096;
  ssize_t n;
  char *end;

  if (argc != 3 || (delay = strtol(argv[2], &end, 10)) < 0 || *end != '\0') {
    fprintf(stderr, "usage: udp_sink PORT DELAY_MS\n");
    return 1;
  }
  p.fd = SL_TRY(sl_udp_bind(NULL, argv[1]));
  SL_TRY(sl_setsockopt(p.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf));
  ts.tv_sec = delay / 1000;
  ts.tv_nsec = (delay % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
  /* UDP has no end of file: the sender is done when a second passes
   * without a datagram. */
  while (SL_TRY(sl_poll(&p, 1, 1000)) > 0) {
    n = SL_TRY(sl_recv(p.fd, buf, sizeof buf, 0));
    count++;
    bytes += n;
  }
  printf("received %ld datagrams (%lld bytes)\n", count, bytes);
  sl_close(p.fd);
  return 0;
}
