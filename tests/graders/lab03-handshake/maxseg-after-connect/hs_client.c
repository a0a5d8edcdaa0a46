/* hs_client HOST PORT MSS BYTES: the lab03 reference client.  It
 * announces MSS in its SYN (TCP_MAXSEG set before connect), sends BYTES
 * bytes, closes first and prints "sent N bytes".  The segments it sends
 * are no larger than the smaller of the two MSS values. */
#include <socklab.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A socket connected to host:port, with its MSS set to mss. */
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
  for (ai = res; ai != NULL; ai = ai->ai_next) {
    if ((fd = sl_socket(ai->ai_family, ai->ai_socktype, 0)) < 0)
      continue;
    if (sl_connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
        sl_setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss) == 0)
      break;
    sl_close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0)
    fprintf(stderr, "hs_client: %s\n", sl_strerror());
  return fd;
}

/* Sends bytes bytes of a repeating pattern; returns 0 or -1. */
static int
send_bytes(int fd, long long bytes)
{
  char buf[16384];

  for (size_t i = 0; i < sizeof buf; i++)
    buf[i] = (char)('a' + i % 26);
  while (bytes > 0) {
    size_t chunk = bytes < (long long)sizeof buf ? (size_t)bytes : sizeof buf;
    /* sl_writen loops over short writes: TCP may take less than asked. */
    if (sl_writen(fd, buf, chunk) < 0)
      return -1;
    bytes -= (long long)chunk;
  }
  return 0;
}

/* The client closes first: its FIN goes out after the data, so the
 * TIME_WAIT stays here, with the client.  shutdown() sends that FIN; we
 * then wait for the server's FIN (recv returns 0).  A plain close() would
 * only say our data was queued: a program that exits at once can be gone
 * before the server has read it all. */
static int
close_first(int fd)
{
  char buf[512];
  ssize_t n;

  if (sl_shutdown(fd, SHUT_WR) < 0)
    return -1;
  while ((n = sl_recv(fd, buf, sizeof buf, 0)) != 0)
    if (n < 0 && errno != EINTR)
      return -1;
  return 0;
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
  if (send_bytes(fd, bytes) < 0) {
    fprintf(stderr, "hs_client: %s\n", sl_strerror());
    sl_close(fd);
    return 1;
  }
  if (close_first(fd) < 0) {
    fprintf(stderr, "hs_client: %s\n", sl_strerror());
    sl_close(fd);
    return 1;
  }
  sl_close(fd);
  printf("sent %lld bytes\n", bytes);
  return 0;
}
