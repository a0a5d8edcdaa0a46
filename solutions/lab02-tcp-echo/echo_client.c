/* lab02 reference: a TCP echo client.  Sends each line of stdin to the
 * server and prints the line that comes back.  At the end of stdin it
 * closes its sending side first (a half-close), prints what the server
 * still sends back, then closes: TIME_WAIT is on the client's side. */
#include <stdio.h>
#include <string.h>

#include <socklab.h>

/* Prints a line the server sent back, on a line of its own (the echo of
 * a last line without a newline has none). */
static void
print_echo(const char *back, size_t n)
{
  fwrite(back, 1, n, stdout);
  if (back[n - 1] != '\n')
    putchar('\n');
  fflush(stdout);
}

int
main(int argc, char **argv)
{
  struct sl_reader r;
  char line[SL_READER_BUFSIZE], back[SL_READER_BUFSIZE];
  ssize_t n;
  int fd;

  if (argc != 3) {
    fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
    return 1;
  }
  fd = sl_tcp_connect(argv[1], argv[2]);
  if (fd < 0) {
    fprintf(stderr, "echo_client: %s\n", sl_strerror());
    return 1;
  }
  sl_reader_init(&r, fd);
  while (fgets(line, sizeof line, stdin) != NULL) {
    size_t len = strlen(line);
    if (len == 0)
      continue; /* a '\0' first: text has none */
    /* fgets stops short of the newline only at the end of the input, or
     * when the line does not fit: longer than the handout allows. */
    if (line[len - 1] != '\n' && !feof(stdin)) {
      fprintf(stderr, "echo_client: a line longer than %zu bytes\n",
              sizeof line - 1);
      return 1;
    }
    if (sl_writen(fd, line, len) < 0) {
      fprintf(stderr, "echo_client: %s\n", sl_strerror());
      return 1;
    }
    /* A last line without a newline is not over until our end of file:
     * the server echoes it only then (below).  Waiting for it here would
     * wait for ever, and so would the server. */
    if (line[len - 1] != '\n')
      break;
    /* One line out, one line back: the reader gathers it whatever the
     * segments it arrives in. */
    n = sl_readline(&r, back, sizeof back);
    if (n <= 0) {
      fprintf(stderr, "echo_client: %s\n",
              n == 0 ? "the server closed the connection" : sl_strerror());
      return 1;
    }
    print_echo(back, (size_t)n);
  }
  /* The end of the input: our FIN says so (the server's sl_readline
   * returns what is left, then 0), and we can still read what it sends
   * back, up to its own FIN. */
  if (sl_shutdown(fd, SHUT_WR) < 0) {
    fprintf(stderr, "echo_client: %s\n", sl_strerror());
    return 1;
  }
  while ((n = sl_readline(&r, back, sizeof back)) > 0)
    print_echo(back, (size_t)n);
  if (n < 0) {
    fprintf(stderr, "echo_client: %s\n", sl_strerror());
    return 1;
  }
  sl_close(fd);
  return 0;
}
