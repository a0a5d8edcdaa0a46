/* udp_client HOST PORT: the lab01 reference UDP echo client.  Each line of
 * stdin goes out as one datagram (without its newline); the reply, if one
 * comes within a second, is printed on a line of its own.  UDP itself
 * never retransmits: a lost datagram is simply "(no reply)". */
#include <socklab.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DATAGRAM     65536
#define REPLY_TIMEOUT_MS 1000

/* What became of one datagram. */
enum outcome { REPLIED, NO_REPLY, REFUSED, FAILED };

/* Sends one datagram.  A refusal reported by send belongs to an earlier
 * datagram (its ICMP error came after we stopped waiting); this datagram
 * was not sent, so it is sent again. */
static int
send_datagram(int fd, const char *line, size_t len)
{
  ssize_t n = sl_send(fd, line, len, 0);

  if (n < 0 && errno == ECONNREFUSED)
    n = sl_send(fd, line, len, 0);
  return n < 0 ? -1 : 0;
}

/* Waits up to REPLY_TIMEOUT_MS for the reply and prints it.  On a
 * connected UDP socket, the ICMP "port unreachable" that answers a
 * datagram to a closed port comes back as ECONNREFUSED. */
static enum outcome
await_reply(int fd, char *buf, size_t size)
{
  struct pollfd p = {.fd = fd, .events = POLLIN};
  ssize_t n;
  int r;

  do
    r = sl_poll(&p, 1, REPLY_TIMEOUT_MS);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return FAILED;
  if (r == 0)
    return NO_REPLY;
  /* One recv takes exactly one datagram, whatever its size. */
  if ((n = sl_recv(fd, buf, size, 0)) < 0)
    return errno == ECONNREFUSED ? REFUSED : FAILED;
  fwrite(buf, 1, (size_t)n, stdout);
  putchar('\n');
  return REPLIED;
}

int
main(int argc, char **argv)
{
  static char buf[MAX_DATAGRAM];
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  long sent = 0, received = 0;
  int fd, status = 0;

  if (argc != 3) {
    fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
    return 1;
  }
  if ((fd = sl_udp_connect(argv[1], argv[2])) < 0) {
    fprintf(stderr, "udp_client: %s\n", sl_strerror());
    return 1;
  }
  while ((len = getline(&line, &cap, stdin)) >= 0) {
    if (len > 0 && line[len - 1] == '\n')
      len--;
    if (send_datagram(fd, line, (size_t)len) < 0) {
      status = 1;
      break;
    }
    sent++;
    switch (await_reply(fd, buf, sizeof buf)) {
    case REPLIED:
      received++;
      break;
    case NO_REPLY:
      puts("(no reply)");
      break;
    case REFUSED:
      puts("(refused)");
      break;
    case FAILED:
      status = 1;
      break;
    }
    fflush(stdout);
    if (status != 0)
      break;
  }
  if (status != 0)
    fprintf(stderr, "udp_client: %s\n", sl_strerror());
  else
    printf("sent %ld, received %ld\n", sent, received);
  free(line);
  sl_close(fd);
  return status;
}
