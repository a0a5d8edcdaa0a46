/* upload_client.c: lab04 reference solution.  Sends a file, half-closes
 * with shutdown(SHUT_WR) so the server sees end of file, prints the
 * server's reply line, then closes.  Our FIN goes first, so TIME_WAIT is
 * ours, not the server's. */
#include <socklab.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Copies the file open on file to the connection fd; 0 or -1. */
static int
send_file(int fd, int file, const char *name)
{
  char buf[16384];
  ssize_t n;

  while ((n = read(file, buf, sizeof buf)) > 0)
    if (sl_writen(fd, buf, (size_t)n) < 0) {
      fprintf(stderr, "upload_client: %s\n", sl_strerror());
      return -1;
    }
  if (n < 0) {
    fprintf(stderr, "upload_client: read %s: %s\n", name, strerror(errno));
    return -1;
  }
  return 0;
}

/* Reads the server's reply line and prints it; 0 or -1. */
static int
print_reply(int fd)
{
  struct sl_reader r;
  char line[256];
  ssize_t n;

  sl_reader_init(&r, fd);
  if ((n = sl_readline(&r, line, sizeof line)) <= 0) {
    fprintf(stderr, "upload_client: %s\n",
            n == 0 ? "the server closed without a reply" : sl_strerror());
    return -1;
  }
  printf("%s%s", line, line[n - 1] == '\n' ? "" : "\n");
  return 0;
}

int
main(int argc, char **argv)
{
  int file, fd, status = 1;

  if (argc != 4) {
    fprintf(stderr, "usage: upload_client HOST PORT FILE\n");
    return 1;
  }
  if ((file = open(argv[3], O_RDONLY)) < 0) {
    fprintf(stderr, "upload_client: open %s: %s\n", argv[3], strerror(errno));
    return 1;
  }
  if ((fd = sl_tcp_connect(argv[1], argv[2])) < 0) {
    fprintf(stderr, "upload_client: %s\n", sl_strerror());
    close(file);
    return 1;
  }
  /* shutdown(SHUT_WR) sends our FIN: "no more data", while we can still
   * read the reply (FIN_WAIT2 until the server closes too). */
  if (send_file(fd, file, argv[3]) == 0) {
    if (sl_shutdown(fd, SHUT_WR) < 0)
      fprintf(stderr, "upload_client: %s\n", sl_strerror());
    else if (print_reply(fd) == 0)
      status = 0;
  }
  sl_close(fd);
  close(file);
  return status;
}
