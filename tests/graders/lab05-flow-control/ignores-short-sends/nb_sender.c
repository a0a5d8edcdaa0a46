/* nb_sender.c: lab05 reference solution.  Sends BYTES bytes on a
 * non-blocking socket.  A send takes only what fits in the send buffer
 * (a short send) or nothing at all (EAGAIN); then the sender sleeps in
 * sl_poll until POLLOUT says there is room again: no busy loop. */
#include <socklab.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

/* The byte at offset off of the stream: a pattern a receiver can check,
 * so that lost or repeated bytes show. */
static void
fill(unsigned char *buf, size_t n, unsigned long long off)
{
  for (size_t i = 0; i < n; i++)
    buf[i] = (unsigned char)((off + i) % 251);
}

/* Waits until fd can take more bytes; 0, or -1 on an error. */
static int
wait_writable(int fd)
{
  struct pollfd p = {.fd = fd, .events = POLLOUT};

  return sl_poll(&p, 1, -1) < 0 ? -1 : 0;
}

/* Sends bytes bytes of the pattern on the non-blocking socket fd; the
 * count sent, or -1. */
static long long
send_all(int fd, unsigned long long bytes)
{
  unsigned char buf[16384];
  unsigned long long off = 0;

  while (off < bytes) {
    size_t want = bytes - off < sizeof buf ? bytes - off : sizeof buf;
    ssize_t n;

    fill(buf, want, off);
    n = sl_send(fd, buf, want, 0);
    if (n >= 0) {
      off += want; /* the whole chunk went out */
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (wait_writable(fd) < 0) /* the receiver's window is full */
        return -1;
    } else if (errno != EINTR) {
      return -1;
    }
  }
  return (long long)off;
}

int
main(int argc, char **argv)
{
  unsigned long long bytes;
  long long sent;
  int fd, flags;
  char *end;

  if (argc != 4 || (bytes = strtoull(argv[3], &end, 10), *end != '\0') ||
      end == argv[3] || argv[3][0] == '-') {
    fprintf(stderr, "usage: nb_sender HOST PORT BYTES\n");
    return 1;
  }
  fd = SL_TRY(sl_tcp_connect(argv[1], argv[2]));
  flags = SL_TRY(sl_fcntl(fd, F_GETFL));
  SL_TRY(sl_fcntl(fd, F_SETFL, flags | O_NONBLOCK));
  if ((sent = send_all(fd, bytes)) < 0) {
    fprintf(stderr, "nb_sender: %s\n", sl_strerror());
    sl_close(fd);
    return 1;
  }
  /* The last bytes may still be in the send buffer: close() hands them to
   * TCP, which delivers them and then its FIN. */
  SL_TRY(sl_close(fd));
  printf("sent %lld bytes\n", sent);
  return 0;
}
