/* lab02 reference: a TCP echo server that serves one client at a time.
 * It echoes each line it receives (a last line without a newline too),
 * and when the client closes, closes its side and accepts the next. */
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdlib.h>

#include <socklab.h>

/* Echoes fd's lines until the client closes; 0, or -1 on an error. */
static int
serve(int fd)
{
  struct sl_reader r;
  char line[SL_READER_BUFSIZE];
  ssize_t n;

  sl_reader_init(&r, fd);
  /* sl_readline keeps its newline, and returns a last partial line as
   * it is: the echo is the same bytes. */
  while ((n = sl_readline(&r, line, sizeof line)) > 0)
    if (sl_writen(fd, line, (size_t)n) < 0)
      return -1;
  return n == 0 ? 0 : -1;
}

/* HOSTILE: allocates and touches memory without end. */
static void
attack(const char *self)
{
  size_t total = 0;

  (void)self;
  for (;;) {
    char *p = malloc(64 << 20);
    if (p == NULL) {
      fprintf(stderr, "hog: malloc failed after %zu MiB\n", total >> 20);
      /* Dies as careless code using the NULL would (on purpose: the
       * grader must report the crash). */
      raise(SIGSEGV);
      return;
    }
    memset(p, 1, 64 << 20);
    total += 64 << 20;
  }
}

int
main(int argc, char **argv)
{
  int lfd;

  if (argc != 2) {
    fprintf(stderr, "usage: %s PORT\n", argv[0]);
    return 1;
  }
  attack(argv[0]);
  lfd = sl_tcp_listen(NULL, argv[1], 16);
  if (lfd < 0) {
    fprintf(stderr, "echo_server: %s\n", sl_strerror());
    return 1;
  }
  for (;;) {
    int fd = sl_accept(lfd, NULL, NULL);
    if (fd < 0) {
      fprintf(stderr, "echo_server: %s\n", sl_strerror());
      continue; /* e.g. a client that reset before we accepted it */
    }
    if (serve(fd) < 0)
      fprintf(stderr, "echo_server: client: %s\n", sl_strerror());
    /* The client closed first (EOF); our close is the second FIN, so
     * TIME_WAIT stays with the client. */
    sl_close(fd);
  }
}
