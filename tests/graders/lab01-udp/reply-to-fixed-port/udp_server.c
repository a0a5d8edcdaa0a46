/* udp_server PORT: the lab01 reference UDP echo server.  Every datagram
 * goes back to the address it came from, byte for byte: one recvfrom, one
 * sendto.  There is no connection and no state kept between datagrams. */
#include <socklab.h>
#include <stdio.h>

/* The largest UDP payload over IPv4 (65535 - 20 - 8) fits with room to
 * spare, so no datagram is ever cut short. */
#define MAX_DATAGRAM 65536

/* Sends one datagram back to the address it came from.  Returns 0, or -1
 * for an error that should stop the server. */
static int
echo_one(int fd, char *buf, size_t size)
{
  static struct sockaddr_storage client; /* whom we talk to */
  static socklen_t clientlen;
  struct sockaddr_storage from;
  socklen_t fromlen = sizeof from;
  char who[SL_ADDRSTRLEN];
  ssize_t n;

  n = sl_recvfrom(fd, buf, size, 0, (struct sockaddr *)&from, &fromlen);
  if (n < 0)
    /* An ICMP error about an earlier reply (that client is gone) may be
     * reported here on some systems: it concerns no one still talking. */
    return errno == ECONNREFUSED || errno == EINTR ? 0 : -1;
  /* Reply to this datagram's sender, whoever it is: each datagram stands
   * alone, and many clients share this one socket. */
  if (clientlen == 0) {
    client = from;
    clientlen = fromlen;
  }
  if (sl_sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&client, clientlen) <
      0)
    return -1;
  printf("%zd bytes from %s\n", n,
         sl_addr_format((struct sockaddr *)&from, who, sizeof who));
  fflush(stdout);
  return 0;
}

int
main(int argc, char **argv)
{
  static char buf[MAX_DATAGRAM]; /* too big for the stack of a thread */
  int fd;

  if (argc != 2) {
    fprintf(stderr, "usage: %s PORT\n", argv[0]);
    return 1;
  }
  if ((fd = sl_udp_bind(NULL, argv[1])) < 0) {
    fprintf(stderr, "udp_server: %s\n", sl_strerror());
    return 1;
  }
  for (;;) {
    if (echo_one(fd, buf, sizeof buf) < 0) {
      fprintf(stderr, "udp_server: %s\n", sl_strerror());
      sl_close(fd);
      return 1;
    }
  }
}
