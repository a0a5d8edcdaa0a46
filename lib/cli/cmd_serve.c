/* socklab serve echo|discard|chargen|daytime PORT: small servers for
 * people and for tests, on whichever stack SOCKLAB_STACK selects. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "socklab.h"

/* One client at a time, as the course's first servers do. */
static int
serve_one(int c, const char *service)
{
  char buf[16384];
  ssize_t n;

  if (strcmp(service, "daytime") == 0) {
    /* RFC 867: one line, then the server closes -- first, so the
     * TIME_WAIT lands on the server (what --diagnose warns about). */
    time_t now = time(NULL);
    int len = snprintf(buf, sizeof buf, "%s", ctime(&now));
    sl_writen(c, buf, (size_t)len);
    return 0;
  }
  if (strcmp(service, "chargen") == 0) {
    for (size_t i = 0; i < sizeof buf; i++)
      buf[i] = (char)(' ' + i % 95);
    while (sl_writen(c, buf, sizeof buf) == (ssize_t)sizeof buf)
      ;
    return 0;
  }
  while ((n = sl_read(c, buf, sizeof buf)) > 0)
    if (strcmp(service, "echo") == 0 && sl_writen(c, buf, (size_t)n) != n)
      break;
  return 0;
}

int
cli_serve(int argc, char **argv)
{
  const char *service, *port;
  long count = -1;
  int lfd;

  if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
    printf("usage: socklab serve echo|discard|chargen|daytime PORT [COUNT]\n"
           "Serves clients one after another (COUNT of them, default "
           "forever),\non the stack SOCKLAB_STACK selects.  PORT 0 picks one "
           "and prints it.\n");
    return 0;
  }
  if (argc < 3 || (strcmp(argv[1], "echo") && strcmp(argv[1], "discard") &&
                   strcmp(argv[1], "chargen") && strcmp(argv[1], "daytime"))) {
    fprintf(stderr, "usage: socklab serve echo|discard|chargen|daytime PORT "
                    "[COUNT]\n");
    return 2;
  }
  service = argv[1];
  port = argv[2];
  if (argc > 3)
    count = strtol(argv[3], NULL, 10);
  lfd = sl_tcp_listen(NULL, port, 16);
  if (lfd < 0) {
    fprintf(stderr, "socklab serve: %s\n", sl_strerror());
    return 1;
  }
  printf("socklab serve %s: listening on port %d (%s stack)\n", service,
         sl_local_port(lfd), sl_stack_name(sl_stack_of(lfd)));
  fflush(stdout);
  while (count != 0) {
    int c = sl_accept(lfd, NULL, NULL);
    if (c < 0) {
      if (errno == EINTR)
        continue;
      fprintf(stderr, "socklab serve: %s\n", sl_strerror());
      return 1;
    }
    serve_one(c, service);
    sl_close(c);
    if (count > 0)
      count--;
  }
  sl_close(lfd);
  return 0;
}
