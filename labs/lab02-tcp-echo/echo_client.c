/* lab02: a TCP echo client.  Sends each line of stdin to the server and
 * prints the line that comes back; at the end of stdin it closes its
 * sending side first, prints what the server still sends back, then
 * closes.  Run as ./echo_client HOST PORT. */
#include <stdio.h>
#include <string.h>

#include <socklab.h>

int
main(int argc, char **argv)
{
  char line[SL_READER_BUFSIZE];
  int fd;

  if (argc != 3) {
    fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
    return 1;
  }
  fd = sl_tcp_connect(argv[1], argv[2]);
  if (fd < 0) {
    /* sl_strerror() says which call failed and why, e.g.
     * "connect 127.0.0.1:7: Connection refused". */
    fprintf(stderr, "echo_client: %s\n", sl_strerror());
    return 1;
  }
  while (fgets(line, sizeof line, stdin) != NULL) {
    /* TODO(lab02): send the line (sl_writen sends all of it).  If it
     * ends with '\n', read the server's echo with a struct sl_reader and
     * sl_readline (set it up once, before the loop) and print it; a read
     * of 0 means the server closed: say so and exit with 1.  A line
     * without '\n' is the last of the input, and the server echoes it
     * only at our end of file: do not wait for it here, or the client
     * and the server wait for each other for ever. */
  }
  /* TODO(lab02): the end of the input.  sl_shutdown(fd, SHUT_WR) sends
   * our FIN, and the server's reader sees the end of file; then print
   * what the server still sends back (a last line without '\n') until
   * sl_readline returns 0, the server's close.  Our FIN went first:
   * TIME_WAIT will be on this side. */
  sl_close(fd);
  return 0;
}
