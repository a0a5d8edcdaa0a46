/* hs_server PORT MSS: the lab03 reference server.  It announces MSS in
 * its SYN,ACK (TCP_MAXSEG set before listen), accepts one connection,
 * reads to end of file and prints "received N bytes".  The client closes
 * first, so the server never holds a TIME_WAIT. */
#include <socklab.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A listening socket on 0.0.0.0:port whose connections announce mss.
 * sl_tcp_listen would call listen() before we could set the option. */
static int
listen_with_mss(int port, int mss)
{
  struct sockaddr_in addr;
  int fd, one = 1;

  if ((fd = sl_socket(AF_INET, SOCK_STREAM, 0)) < 0)
    return -1;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons((unsigned short)port);
  /* The MSS option goes out in the SYN,ACK, which the listener sends:
   * set it before listen(); accepted sockets inherit it. */
  if (sl_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      sl_setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss) < 0 ||
      sl_bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
      sl_listen(fd, 1) < 0) {
    int e = errno;
    sl_close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

/* Reads until the peer's FIN (recv returns 0) and returns the byte count,
 * or -1.  TCP is a byte stream: one recv returns whatever has arrived,
 * never "one message", so only end of file says the upload is over. */
static long long
count_to_eof(int fd)
{
  char buf[16384];
  long long total = 0;
  ssize_t n;

  while ((n = sl_recv(fd, buf, sizeof buf, 0)) != 0) {
    if (n < 0 && errno != EINTR)
      return -1;
    if (n > 0)
      total += n;
  }
  return total;
}

int
main(int argc, char **argv)
{
  int lfd, cfd, port, mss;
  long long total;

  if (argc != 3 || (port = atoi(argv[1])) <= 0 || port > 65535 ||
      (mss = atoi(argv[2])) <= 0) {
    fprintf(stderr, "usage: %s PORT MSS\n", argv[0]);
    return 1;
  }
  if ((lfd = listen_with_mss(port, mss)) < 0) {
    fprintf(stderr, "hs_server: %s\n", sl_strerror());
    return 1;
  }
  cfd = sl_accept(lfd, NULL, NULL);
  sl_close(lfd); /* one connection only */
  /* We only receive: say so at once by closing our sending side. */
  if (cfd >= 0 && sl_shutdown(cfd, SHUT_WR) < 0) {
    fprintf(stderr, "hs_server: %s\n", sl_strerror());
    sl_close(cfd);
    return 1;
  }
  if (cfd < 0 || (total = count_to_eof(cfd)) < 0) {
    fprintf(stderr, "hs_server: %s\n", sl_strerror());
    if (cfd >= 0)
      sl_close(cfd);
    return 1;
  }
  printf("received %lld bytes\n", total);
  sl_close(cfd);
  return 0;
}
