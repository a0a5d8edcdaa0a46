/* lab02: a TCP echo server that serves one client at a time.  It echoes
 * each line it receives, and when the client closes, closes its side and
 * accepts the next client.  Build with `make`, run as ./echo_server PORT. */
#include <stdio.h>
#include <stdlib.h>

#include <socklab.h>

/* Echoes fd's lines until the client closes; 0, or -1 on an error. */
static int
serve(int fd)
{
  /* TODO(lab02): read the client's lines with a struct sl_reader
   * (sl_reader_init, then sl_readline until it returns 0 at the client's
   * end of file) and send each one back with sl_writen.  Why not one
   * sl_recv per line?  A line may arrive in several segments, and
   * several lines in one. */
  (void)fd;
  return 0;
}

int
main(int argc, char **argv)
{
  int lfd;

  if (argc != 2) {
    fprintf(stderr, "usage: %s PORT\n", argv[0]);
    return 1;
  }
  lfd = sl_tcp_listen(NULL, argv[1], 16);
  if (lfd < 0) {
    fprintf(stderr, "echo_server: %s\n", sl_strerror());
    return 1;
  }
  /* TODO(lab02): serve clients one after another, forever: accept one
   * (sl_accept), serve() it, then close its socket (sl_close) -- or it
   * stays in CLOSE_WAIT.  An error on one client must not end the
   * server. */
  fprintf(stderr,
          "echo_server: listening on port %s, but serving clients "
          "is not implemented yet\n",
          argv[1]);
  (void)serve;
  sl_close(lfd);
  return 1;
}
