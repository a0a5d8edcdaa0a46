/* udp_client HOST PORT: lab01's UDP echo client (starter code).  Each
 * line of stdin must go out as one datagram (without its newline), and the
 * reply be printed on a line of its own, or "(no reply)" after 1 second,
 * or "(refused)" when nothing listens on the port. */
#include <socklab.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_DATAGRAM     65536
#define REPLY_TIMEOUT_MS 1000

int
main(int argc, char **argv)
{
  static char buf[MAX_DATAGRAM];
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  long sent = 0, received = 0;
  int fd;

  if (argc != 3) {
    fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
    return 1;
  }
  /* A connected UDP socket: sl_send and sl_recv need no address, only
   * datagrams from HOST:PORT are received, and an ICMP "port unreachable"
   * for a datagram we sent is reported as ECONNREFUSED. */
  if ((fd = sl_udp_connect(argv[1], argv[2])) < 0) {
    fprintf(stderr, "udp_client: %s\n", sl_strerror());
    return 1;
  }
  (void)buf;
  while ((len = getline(&line, &cap, stdin)) >= 0) {
    /* TODO(lab01): strip the newline and send the line as ONE datagram
     * (sl_send); count it in `sent`.  If sl_send fails with ECONNREFUSED,
     * that is an earlier datagram's refusal and this one was not sent:
     * send it again. */
    /* TODO(lab01): wait at most REPLY_TIMEOUT_MS for the reply: sl_poll
     * with POLLIN and a timeout (a plain sl_recv would block forever if
     * the datagram or its reply is lost; a shorter wait misses replies
     * that take a few hundred milliseconds).  Then one sl_recv gets exactly
     * one datagram: print its n bytes and a newline (fwrite, not printf
     * "%s") and count it in `received`.  Print "(no reply)" on timeout,
     * "(refused)" when sl_recv fails with ECONNREFUSED. */
    fprintf(stderr, "udp_client: TODO(lab01): sending is not written\n");
    free(line);
    sl_close(fd);
    return 1;
  }
  printf("sent %ld, received %ld\n", sent, received);
  free(line);
  sl_close(fd);
  return 0;
}
