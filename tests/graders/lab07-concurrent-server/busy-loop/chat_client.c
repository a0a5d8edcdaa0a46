/* chat_client HOST PORT: one sl_poll on stdin and the connection, so what
 * others say appears while we are typing.  Lines typed go to the server;
 * lines from the server go to stdout; end of stdin closes.  Lab 07
 * reference solution. */
#include <socklab.h>
#include <stdio.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
  char buf[4096];

  if (argc != 3) {
    fprintf(stderr, "usage: chat_client HOST PORT\n");
    return 1;
  }
  int fd = SL_TRY(sl_tcp_connect(argv[1], argv[2]));
  struct pollfd pfd[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
                          {.fd = fd, .events = POLLIN}};
  for (;;) {
    if (sl_poll(pfd, 2, -1) < 0) { /* no timeout: sleep until input */
      if (errno == EINTR)
        continue;
      fprintf(stderr, "chat_client: poll: %s\n", sl_strerror());
      break;
    }
    if (pfd[0].revents) {
      /* The bytes go as they are: a line typed in pieces still reaches
       * the server whole, because the server waits for its newline. */
      ssize_t n = sl_read(STDIN_FILENO, buf, sizeof buf);
      if (n == 0) { /* end of stdin: we are done talking */
        sl_close(fd);
        return 0;
      }
      if (n < 0 || sl_writen(fd, buf, (size_t)n) < 0) {
        fprintf(stderr, "chat_client: %s\n", sl_strerror());
        break;
      }
    }
    if (pfd[1].revents) {
      ssize_t n = sl_recv(fd, buf, sizeof buf, 0);
      if (n == 0) {
        fprintf(stderr, "chat_client: the server closed the connection\n");
        sl_close(fd);
        return 0;
      }
      if (n < 0 || sl_writen(STDOUT_FILENO, buf, (size_t)n) < 0) {
        fprintf(stderr, "chat_client: %s\n", sl_strerror());
        break;
      }
    }
  }
  sl_close(fd);
  return 1;
}
