/* udp_server PORT: lab01's UDP echo server (starter code).  It must send
 * every datagram back to its sender unchanged, forever.  It binds the
 * port already; the echo loop is yours to write. */
#include <socklab.h>
#include <stdio.h>

/* The largest UDP payload over IPv4 (65535 - 20 - 8) fits with room to
 * spare, so no datagram is ever cut short. */
#define MAX_DATAGRAM 65536

int
main(int argc, char **argv)
{
  static char buf[MAX_DATAGRAM];
  int fd;

  if (argc != 2) {
    fprintf(stderr, "usage: %s PORT\n", argv[0]);
    return 1;
  }
  if ((fd = sl_udp_bind(NULL, argv[1])) < 0) {
    fprintf(stderr, "udp_server: %s\n", sl_strerror());
    return 1;
  }
  (void)buf;
  /* TODO(lab01): forever: receive one datagram with sl_recvfrom (it also
   * tells you who sent it), then send exactly those n bytes back to that
   * address with sl_sendto.  Do not treat the bytes as a C string: a
   * datagram may be empty or contain '\0'.  Print "N bytes from ADDR"
   * (sl_addr_format) so you can watch who talks to you. */
  fprintf(stderr, "udp_server: TODO(lab01): the echo loop is not written\n");
  sl_close(fd);
  return 1;
}
