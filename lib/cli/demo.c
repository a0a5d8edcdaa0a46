/* socklab demo: a TCP connection on socklab's own stack, drawn and
 * explained.  A client and a server host on the simulated link (1 ms each
 * way, MSS 1460 against 1400), a small transfer, the trace written to a
 * file, the ladder diagram of it, and what it shows -- every figure in the
 * explanation is read from this run, not written in advance. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "trace.h"
#include "xfer.h"

/* What the explanation needs, gathered while the trace is written. */
struct seen {
  struct sl__trace_file *file;
  char client_open[96], client_close[96]; /* states, as netstat names */
  char server_open[96], server_close[96];
  uint16_t client_mss, server_mss;
  int client_time_wait, server_time_wait;
  uint64_t time_wait_us; /* how long the client stayed in TIME-WAIT */
  uint64_t time_wait_start;
  unsigned retransmissions;
};

/* Appends a state as the notes name it (netstat's names, but CLOSED). */
static void
append(char *buf, size_t len, enum sl_tcp_state state)
{
  size_t n = strlen(buf);

  snprintf(buf + n, len - n, "%s%s", n ? " -> " : "",
           state == SL_TCP_CLOSED ? "CLOSED" : sl_tcp_state_netstat(state));
}

static void
observe(void *arg, const struct sl__event *ev)
{
  struct seen *s = arg;
  int client = ev->host == SL__XFER_CLIENT;

  sl__trace_write(s->file, ev);
  if (ev->type == SL__EV_STATE) {
    /* The listener counts only for LISTEN; the rest is the connection.
     * States up to ESTABLISHED are the opening, the rest the closing. */
    int opening = ev->from < SL_TCP_ESTABLISHED;
    char *states = client    ? opening ? s->client_open : s->client_close
                   : opening ? s->server_open
                             : s->server_close;
    size_t len = sizeof s->client_open;
    if (ev->rport == 0 && ev->to != SL_TCP_LISTEN)
      return;
    if (states[0] == '\0')
      append(states, len, ev->from);
    append(states, len, ev->to);
    if (ev->to == SL_TCP_TIME_WAIT) {
      *(client ? &s->client_time_wait : &s->server_time_wait) = 1;
      s->time_wait_start = ev->time_us;
    }
    if (ev->from == SL_TCP_TIME_WAIT && client)
      s->time_wait_us = ev->time_us - s->time_wait_start;
  } else if (ev->type == SL__EV_SEG_OUT && ev->seg->opt.has_mss) {
    *(client ? &s->client_mss : &s->server_mss) = ev->seg->opt.mss;
  } else if (ev->type == SL__EV_SEG_OUT && ev->note != NULL &&
             strstr(ev->note, "retransmit") != NULL) {
    s->retransmissions++;
  }
}

int
cli_demo(int argc, char **argv)
{
  static const struct option opts[] = {{"trace", required_argument, 0, 't'},
                                       {"bytes", required_argument, 0, 'b'},
                                       {"loss", required_argument, 0, 'l'},
                                       {"seed", required_argument, 0, 's'},
                                       {"no-color", no_argument, 0, 'n'},
                                       {"svg", required_argument, 0, 'g'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  struct sl__host_config cfg;
  struct sl__xfer x = {.seed = 1,
                       .bytes = 3000,
                       .mss_client = 1460,
                       .mss_server = 1400,
                       .faults = {.delay_us = 1000}};
  struct seen s;
  const char *path = "socklab-demo.jsonl", *svg = NULL;
  int opt, color = isatty(1), r;
  double v;

  memset(&s, 0, sizeof s);
  optind = 1;
  while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (opt) {
    case 't':
      path = optarg;
      break;
    case 'b':
      if (cli_parse_bytes(optarg, &x.bytes) < 0 || x.bytes > (1 << 20)) {
        fprintf(stderr, "socklab demo: --bytes %s: expected up to 1M\n",
                optarg);
        return 2;
      }
      break;
    case 'l':
      if (cli_parse_prob(optarg, &v) < 0) {
        fprintf(stderr,
                "socklab demo: --loss %s: expected a probability "
                "such as 0.1 or 10%%\n",
                optarg);
        return 2;
      }
      x.faults.loss = v;
      break;
    case 's':
      if (cli_parse_bytes(optarg, &x.seed) < 0) {
        fprintf(stderr, "socklab demo: --seed %s: expected an integer\n",
                optarg);
        return 2;
      }
      break;
    case 'n':
      color = 0;
      break;
    case 'g':
      svg = optarg;
      break;
    case 'h':
      printf("usage: socklab demo [--bytes N] [--loss P] [--seed N] "
             "[--trace FILE] [--svg FILE] [--no-color]\n"
             "One TCP connection on socklab's own stack (simulated link, "
             "1 ms each way),\ndrawn as a ladder diagram and explained. "
             "The trace goes to FILE\n(default socklab-demo.jsonl).\n");
      return 0;
    default:
      return 2;
    }
  }
  s.file = sl__trace_open(path);
  if (s.file == NULL) {
    fprintf(stderr, "socklab demo: --trace %s: %s\n", path, strerror(errno));
    return 1;
  }
  /* A TIME-WAIT of 2 x 30 s would be a long wait in real time; in virtual
   * time it passes at once, and the trace shows its true length. */
  sl__host_config_default(&cfg);
  cfg.seed = x.seed;
  x.cfg = &cfg;
  x.trace = observe;
  x.trace_arg = &s;
  r = sl__xfer_run(&x);
  if (sl__trace_close(s.file) < 0 || r < 0) {
    fprintf(stderr, "socklab demo: the run failed: %s\n", strerror(-r));
    return 1;
  }

  printf("socklab demo: one TCP connection on socklab's own TCP/IP stack\n"
         "  client 10.0.0.1 (MSS %u) -> server 10.0.0.2:80 (MSS %u)\n"
         "  %llu bytes, 1 ms each way%s\n\n",
         x.mss_client, x.mss_server, (unsigned long long)x.bytes,
         x.faults.loss > 0 ? ", with loss" : "");
  if (cli_ladder_file(path, 1, 0, color, NULL) != 0)
    return 1;
  printf("\nWhat it shows (read from this run):\n");
  printf("  - The 3-way handshake.  Client: %s.\n", s.client_open);
  printf("    Server: %s.\n", s.server_open + strlen("CLOSED -> "));
  printf("  - MSS: the client announced %u in its SYN, the server %u in its "
         "SYN,ACK;\n    each side sends at most the smaller: the client's "
         "largest segment\n    carried %u bytes.\n",
         s.client_mss, s.server_mss, x.max_seg_client);
  printf("  - Sequence numbers count bytes (relative to each side's ISN): "
         "the SYN is\n    0, the data bytes are 1 to %llu, the FIN is %llu, "
         "and the ACK of the FIN\n    says %llu, the next number the server "
         "expects.\n",
         (unsigned long long)x.bytes, (unsigned long long)x.bytes + 1,
         (unsigned long long)x.bytes + 2);
  printf("  - The 4-way teardown.\n    Client: %s.\n", s.client_close);
  printf("    Server: %s.\n", s.server_close);
  printf("    The client closed first, so TIME_WAIT was on the %s side, "
         "for\n    %.0f s (2 x MSL); a server should let its clients "
         "close first.\n",
         s.client_time_wait ? "client's" : "server's",
         (double)s.time_wait_us / 1e6);
  if (s.retransmissions)
    printf("  - %u segment(s) were lost and retransmitted (X on the "
           "ladder).\n",
           s.retransmissions);
  if (svg != NULL && cli_ladder_file(path, 1, 0, 0, svg) == 0)
    printf("\nThe same ladder as an SVG (for a browser or slides): %s\n", svg);
  printf("\nThe trace (JSON lines) is in %s;\n"
         "  build/bin/socklab ladder %s   redraws it.\n"
         "Try: build/bin/socklab demo --loss 20%% --seed 3   (losses and "
         "retransmissions)\n",
         path, path);
  return 0;
}
