/* upload_server.c: lab04 starter, a provided upload server with a bug.
 * It reads each upload to the client's end of file, replies "OK N\n" and
 * closes, but some connections are never closed and pile up in
 * CLOSE_WAIT.  Find them with `socklab netstat -tanp --diagnose`. */
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

int
main(int argc, char **argv)
{
  char reply[32];
  long long total;
  int lfd, fd, len;

  if (argc != 2) {
    fprintf(stderr, "usage: upload_server PORT\n");
    return 1;
  }
  lfd = SL_TRY(sl_tcp_listen(NULL, argv[1], 16));
  for (;;) {
    fd = SL_TRY(sl_accept(lfd, NULL, NULL));
    /* TODO(lab04): this loop leaks connections in CLOSE_WAIT.  Upload an
     * empty file (upload_client HOST PORT /dev/null), then run
     * `socklab netstat -tanp --diagnose`: which path below never reaches
     * sl_close()?  Make every path close the connection, and let an
     * error on one connection end only that connection, not the server. */
    total = read_upload(fd);
    if (total <= 0)
      continue; /* nothing was uploaded: nothing to acknowledge */
    len = snprintf(reply, sizeof reply, "OK %lld\n", total);
    SL_TRY(sl_writen(fd, reply, (size_t)len));
    sl_close(fd);
  }
}
