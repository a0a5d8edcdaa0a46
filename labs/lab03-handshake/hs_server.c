/* hs_server PORT MSS: lab03's server (starter code).  It must announce
 * MSS in its SYN,ACK, accept one connection, read to end of file, print
 * "received N bytes" and close.  It listens already, but with the default
 * MSS, and reads nothing yet. */
#include <socklab.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A listening socket on 0.0.0.0:port.  sl_tcp_listen would call listen()
 * before we could set an option, so the calls are spelled out. */
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
  /* TODO(lab03): set TCP_MAXSEG (level IPPROTO_TCP) to mss here, before
   * listen(): the listener sends the SYN,ACK that carries the option. */
  (void)mss;
  if (sl_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      sl_bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 ||
      sl_listen(fd, 1) < 0) {
    int e = errno;
    sl_close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

int
main(int argc, char **argv)
{
  int lfd, cfd, port, mss;

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
  if (cfd < 0) {
    fprintf(stderr, "hs_server: %s\n", sl_strerror());
    return 1;
  }
  /* TODO(lab03): read until sl_recv returns 0 (the client's FIN), adding
   * up the bytes.  One recv is not one message: it returns whatever has
   * arrived.  Then print "received N bytes" and close. */
  fprintf(stderr, "hs_server: TODO(lab03): reading is not written\n");
  sl_close(cfd);
  return 1;
}
