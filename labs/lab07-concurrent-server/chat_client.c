/* chat_client HOST PORT: lines typed go to the server, lines from the
 * server go to stdout; end of stdin closes.  Lab 07 starter code: it sends
 * what is typed, but shows nothing of what others say. */
#include <socklab.h>
#include <stdio.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
  char buf[4096];
  ssize_t n;

  if (argc != 3) {
    fprintf(stderr, "usage: chat_client HOST PORT\n");
    return 1;
  }
  int fd = SL_TRY(sl_tcp_connect(argv[1], argv[2]));
  /* TODO(lab07): this loop blocks in sl_read on stdin, so lines from the
   * server wait until we type something.  Put stdin and fd in one
   * struct pollfd array, sl_poll(pfd, 2, -1), and serve whichever is
   * ready: stdin -> server (sl_writen), server -> stdout.  The server
   * closing ends the program too. */
  while ((n = sl_read(STDIN_FILENO, buf, sizeof buf)) > 0)
    SL_TRY(sl_writen(fd, buf, (size_t)n));
  sl_close(fd);
  return n < 0 ? 1 : 0;
}
