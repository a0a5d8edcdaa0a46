/* upload_server.c: lab04 reference solution.  Serves uploads one after
 * another: reads to the client's end of file (its shutdown(SHUT_WR)),
 * replies "OK N\n" and closes.  The client's FIN came first, so this close
 * is the passive one and TIME_WAIT stays with the client. */
#include <socklab.h>
#include <stdio.h>

/* Reads the upload to end of file; returns its size in bytes, or -1 when
 * the connection fails (a reset, for example). */
static long long
read_upload(int fd)
{
  char buf[16384];
  long long total = 0;
  ssize_t n;

  while ((n = sl_recv(fd, buf, sizeof buf, 0)) > 0)
    total += n;
  return n < 0 ? -1 : total;
}

/* Serves one upload on fd and says how it went on stdout or stderr.  It
 * never closes fd: the caller does, on every path, so no connection is
 * left in CLOSE_WAIT. */
static void
serve_upload(int fd)
{
  char peer[SL_ADDRSTRLEN], reply[32];
  long long total;
  int len;

  sl_peer_addr(fd, peer, sizeof peer);
  /* End of file here is the client's FIN: it will send nothing more, so
   * once it has our reply the connection can end with our close. */
  if ((total = read_upload(fd)) < 0) {
    fprintf(stderr, "upload_server: %s: %s\n", peer, sl_strerror());
    return;
  }
  len = snprintf(reply, sizeof reply, "OK %lld\n", total);
  if (sl_writen(fd, reply, (size_t)len) < 0) {
    fprintf(stderr, "upload_server: %s: %s\n", peer, sl_strerror());
    return;
  }
  printf("%s: %lld bytes\n", peer, total);
  fflush(stdout);
}

int
main(int argc, char **argv)
{
  int lfd, fd;

  if (argc != 2) {
    fprintf(stderr, "usage: upload_server PORT\n");
    return 1;
  }
  lfd = SL_TRY(sl_tcp_listen(NULL, argv[1], 16));
  for (;;) {
    if ((fd = sl_accept(lfd, NULL, NULL)) < 0) {
      /* A client that gave up before accept() is not our failure. */
      if (errno == ECONNABORTED || errno == EINTR)
        continue;
      fprintf(stderr, "upload_server: %s\n", sl_strerror());
      sl_close(lfd);
      return 1;
    }
    serve_upload(fd);
    sl_close(fd);
  }
}
