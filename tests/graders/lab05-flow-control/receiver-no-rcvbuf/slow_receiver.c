/* slow_receiver.c: lab05 reference solution.  A receiver with a small
 * buffer that reads nothing for DELAY_MS milliseconds: its window falls to
 * zero and the sender's TCP stops and probes (RFC 9293 3.8.6.1).  Then it
 * reads to end of file and says how much arrived. */
#include <socklab.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Sleeps ms milliseconds, even when signals interrupt it. */
static void
sleep_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
}

/* A listening socket on every IPv4 address at port.  Returns the socket,
 * or -1 with a message in sl_strerror(). */
static int
listen_small(const char *port)
{
  struct sockaddr_in sin = {.sin_family = AF_INET};
  int fd, one = 1;
  char *end;
  long p = strtol(port, &end, 10);

  if (p < 0 || p > 65535 || *end != '\0' || end == port) {
    errno = EINVAL;
    return -1;
  }
  sin.sin_port = htons((uint16_t)p);
  sin.sin_addr.s_addr = htonl(INADDR_ANY);
  if ((fd = sl_socket(AF_INET, SOCK_STREAM, 0)) < 0)
    return -1;
  if (sl_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      sl_bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 ||
      sl_listen(fd, 1) < 0) {
    int saved = errno;
    sl_close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

/* Reads fd to end of file; the byte count, or -1. */
static long long
drain(int fd)
{
  char buf[4096];
  long long total = 0;
  ssize_t n;

  while ((n = sl_recv(fd, buf, sizeof buf, 0)) > 0)
    total += n;
  return n < 0 ? -1 : total;
}

int
main(int argc, char **argv)
{
  int lfd, fd;
  long delay;
  long long total;
  char *end;

  if (argc != 3 || (delay = strtol(argv[2], &end, 10)) < 0 || *end != '\0') {
    fprintf(stderr, "usage: slow_receiver PORT DELAY_MS\n");
    return 1;
  }
  /* A small buffer fills fast: the window reaches zero after a few KB. */
  lfd = SL_TRY(listen_small(argv[1]));
  fd = SL_TRY(sl_accept(lfd, NULL, NULL));
  sl_close(lfd);
  sleep_ms(delay); /* the application is busy: nothing is read */
  if ((total = drain(fd)) < 0) {
    fprintf(stderr, "slow_receiver: %s\n", sl_strerror());
    sl_close(fd);
    return 1;
  }
  printf("received %lld bytes\n", total);
  sl_close(fd);
  return 0;
}
