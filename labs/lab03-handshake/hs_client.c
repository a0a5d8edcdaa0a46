/* hs_client HOST PORT MSS BYTES: lab03's client (starter code).  It must
 * announce MSS in its SYN, send BYTES bytes, close first and print "sent
 * N bytes".  It connects already, but with the default MSS, and sends
 * nothing yet. */
#include <socklab.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A socket connected to host:port.  sl_tcp_connect would connect before
 * we could set an option, so the calls are spelled out. */
static int
connect_with_mss(const char *host, const char *port, int mss)
{
  struct addrinfo hints, *res, *ai;
  int fd = -1, gai;

  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_INET; /* socklab's stack is IPv4 */
  hints.ai_socktype = SOCK_STREAM;
  if ((gai = getaddrinfo(host, port, &hints, &res)) != 0) {
    fprintf(stderr, "hs_client: getaddrinfo %s: %s\n", host, gai_strerror(gai));
    return -1;
  }
  /* TODO(lab03): set TCP_MAXSEG (level IPPROTO_TCP) to mss on each socket
   * before sl_connect: the SYN carries the option. */
  (void)mss;
  for (ai = res; ai != NULL; ai = ai->ai_next) {
    if ((fd = sl_socket(ai->ai_family, ai->ai_socktype, 0)) < 0)
      continue;
    if (sl_connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
      break;
    sl_close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0)
    fprintf(stderr, "hs_client: %s\n", sl_strerror());
  return fd;
}

int
main(int argc, char **argv)
{
  long long bytes;
  int fd, mss;

  if (argc != 5 || (mss = atoi(argv[3])) <= 0 || (bytes = atoll(argv[4])) < 0) {
    fprintf(stderr, "usage: %s HOST PORT MSS BYTES\n", argv[0]);
    return 1;
  }
  if ((fd = connect_with_mss(argv[1], argv[2], mss)) < 0)
    return 1;
  /* TODO(lab03): send `bytes` bytes (any content) with sl_writen, in
   * chunks of a buffer of a few KiB. */
  /* TODO(lab03): close first.  sl_shutdown(fd, SHUT_WR) sends our FIN;
   * then sl_recv until it returns 0 (the server's FIN), so the program
   * does not exit before the server has read everything; then sl_close
   * and print "sent N bytes". */
  fprintf(stderr, "hs_client: TODO(lab03): sending is not written\n");
  sl_close(fd);
  return 1;
}
