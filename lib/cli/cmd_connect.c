/* socklab connect HOST PORT: an nc-like client for people and for tests,
 * on whichever stack SOCKLAB_STACK selects. */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "socklab.h"

/* Copies src (stdin or a file) to the connection and the connection to
 * stdout at the same time: an echo server answers while we still send,
 * and a client that only wrote would deadlock once both windows fill. */
struct pump {
  int fd;          /* the connection */
  int src;         /* descriptor data comes from; -1 once at its end */
  char out[16384]; /* read from src, not yet sent */
  size_t out_off, out_len;
  long long got; /* bytes received */
};

static int
pump_send(struct pump *p)
{
  ssize_t n;

  if (p->out_off == p->out_len && p->src >= 0) {
    n = read(p->src, p->out, sizeof p->out);
    if (n <= 0) {
      p->src = -1;
      sl_shutdown(p->fd, SHUT_WR); /* the half-close: our side is done */
      return 0;
    }
    p->out_off = 0;
    p->out_len = (size_t)n;
  }
  if (p->out_off < p->out_len) {
    n = sl_send(p->fd, p->out + p->out_off, p->out_len - p->out_off,
                MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN)
      return -1;
    if (n > 0)
      p->out_off += (size_t)n;
  }
  return 0;
}

int
cli_connect(int argc, char **argv)
{
  static const struct option opts[] = {
      {"send-file", required_argument, 0, 'f'},
      {"expect-bytes", required_argument, 0, 'e'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *file = NULL;
  long long expect = -1;
  struct pump p = {.src = 0};
  char buf[16384];
  int opt;

  optind = 1;
  while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (opt) {
    case 'f':
      file = optarg;
      break;
    case 'e':
      expect = strtoll(optarg, NULL, 10);
      break;
    case 'h':
      printf("usage: socklab connect [--send-file FILE] [--expect-bytes N] "
             "HOST PORT\n"
             "Copies stdin (or FILE) to the connection, then shuts down "
             "writing,\nand the connection to stdout until the peer "
             "closes.  With\n--expect-bytes, exit status 0 only when exactly "
             "N bytes came back.\n");
      return 0;
    default:
      return 2;
    }
  }
  if (argc - optind != 2) {
    fprintf(stderr, "usage: socklab connect [--send-file FILE] "
                    "[--expect-bytes N] HOST PORT\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  if (file != NULL && (p.src = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
    fprintf(stderr, "socklab connect: --send-file %s: %s\n", file,
            strerror(errno));
    return 1;
  }
  p.fd = sl_tcp_connect(argv[optind], argv[optind + 1]);
  if (p.fd < 0) {
    fprintf(stderr, "socklab connect: %s\n", sl_strerror());
    return 1;
  }
  for (;;) {
    int sending = p.src >= 0 || p.out_off < p.out_len;
    int waiting_src = p.src >= 0 && p.out_off == p.out_len;
    struct pollfd pf[2] = {
        {.fd = p.fd,
         .events = (short)(POLLIN | (sending && !waiting_src ? POLLOUT : 0))},
        {.fd = waiting_src ? p.src : -1, .events = POLLIN}};
    ssize_t n;

    if (sl_poll(pf, 2, -1) < 0 && errno != EINTR)
      break;
    if ((pf[1].revents & (POLLIN | POLLHUP)) || (pf[0].revents & POLLOUT)) {
      if (pump_send(&p) < 0) {
        fprintf(stderr, "socklab connect: %s\n", sl_strerror());
        return 1;
      }
    }
    if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      n = sl_read(p.fd, buf, sizeof buf);
      if (n < 0) {
        fprintf(stderr, "socklab connect: %s\n", sl_strerror());
        return 1;
      }
      if (n == 0)
        break;
      p.got += n;
      if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
        return 1;
    }
  }
  fflush(stdout);
  sl_close(p.fd);
  if (expect >= 0 && p.got != expect) {
    fprintf(stderr, "socklab connect: expected %lld bytes, got %lld\n", expect,
            p.got);
    return 1;
  }
  return 0;
}
