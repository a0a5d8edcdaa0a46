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
#include "pcap.h"
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
  struct sl__xfer *x; /* for the hosts, during the run */
  struct {
    double t;
    char text[160];
  } snap[48]; /* netstat of both hosts, at each change */
  int nsnap;
};

struct snap_arg {
  char *buf;
  size_t len;
};

static void
snap_one(void *arg, const struct sl__tcb *t)
{
  struct snap_arg *a = arg;
  struct sl__tcp_info in;
  size_t n = strlen(a->buf);

  sl__tcp_get_info(t, &in);
  snprintf(a->buf + n, a->len - n, " %s",
           in.state == SL_TCP_CLOSED ? "CLOSED"
                                     : sl_tcp_state_netstat(in.state));
}

/* What `socklab netstat` would show on both hosts now, in one line. */
static void
snapshot(struct seen *s, uint64_t t)
{
  char line[160] = "", c[80] = "", v[80] = "";
  struct snap_arg ca = {c, sizeof c}, va = {v, sizeof v};

  if (s->x->client_host == NULL || s->nsnap == 48)
    return;
  sl__host_foreach_tcb(s->x->client_host, snap_one, &ca);
  sl__host_foreach_tcb(s->x->server_host, snap_one, &va);
  snprintf(line, sizeof line, "%-24s %s", c[0] ? c + 1 : "-",
           v[0] ? v + 1 : "-");
  if (s->nsnap > 0 && strcmp(s->snap[s->nsnap - 1].text, line) == 0)
    return;
  s->snap[s->nsnap].t = (double)t / 1e6;
  snprintf(s->snap[s->nsnap].text, sizeof s->snap[0].text, "%s", line);
  s->nsnap++;
}

/* Appends a state as the notes name it (netstat's names, but CLOSED). */
static void
append(char *buf, size_t len, enum sl_tcp_state state)
{
  size_t n = strlen(buf);

  snprintf(buf + n, len - n, "%s%s", n ? " -> " : "",
           state == SL_TCP_CLOSED ? "CLOSED" : sl_tcp_state_netstat(state));
}

static void
pcap_tap(void *arg, uint64_t now, uint32_t from, uint32_t to,
         const uint8_t *pkt, size_t len, int event)
{
  (void)from;
  (void)to;
  if (event == SL__SIM_SENT && pkt != NULL)
    sl__pcap_write(arg, now, pkt, len);
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
    if (ev->from == SL_TCP_TIME_WAIT)
      s->time_wait_us = ev->time_us - s->time_wait_start;
    snapshot(s, ev->time_us);
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
  static const struct option opts[] = {
      {"trace", required_argument, 0, 't'},
      {"bytes", required_argument, 0, 'b'},
      {"loss", required_argument, 0, 'l'},
      {"seed", required_argument, 0, 's'},
      {"no-color", no_argument, 0, 'n'},
      {"svg", required_argument, 0, 'g'},
      {"pcap", required_argument, 0, 'p'},
      {"server-closes-first", no_argument, 0, 'S'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  struct sl__host_config cfg;
  struct sl__xfer x = {.seed = 1,
                       .bytes = 3000,
                       .mss_client = 1460,
                       .mss_server = 1400,
                       .faults = {.delay_us = 1000}};
  struct seen s;
  const char *path = "socklab-demo.jsonl", *svg = NULL, *pcap_path = NULL;
  struct sl__pcap *pcap = NULL;
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
    case 'p':
      pcap_path = optarg;
      break;
    case 'S':
      x.server_closes_first = 1;
      break;
    case 'h':
      printf("usage: socklab demo [--bytes N] [--loss P] [--seed N] "
             "[--trace FILE] [--svg FILE] [--pcap FILE]\n"
             "                    [--server-closes-first] [--no-color]\n"
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
  s.x = &x;
  if (pcap_path != NULL) {
    pcap = sl__pcap_open(pcap_path);
    if (pcap == NULL) {
      fprintf(stderr, "socklab demo: --pcap %s: %s\n", pcap_path,
              strerror(errno));
      return 1;
    }
    x.tap = pcap_tap;
    x.tap_arg = pcap;
  }
  r = sl__xfer_run(&x);
  if (pcap != NULL && sl__pcap_close(pcap) < 0)
    fprintf(stderr, "socklab demo: --pcap %s: write failed\n", pcap_path);
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
  printf(
      "\nsocklab netstat at each change (states of the client's and the "
      "server's\nsockets, oldest first; LISTEN is the server's listener):\n");
  printf("%8s %-24s %s\n", "time", "client", "server");
  for (int i = 0; i < s.nsnap; i++)
    printf("%8.4f %s\n", s.snap[i].t, s.snap[i].text);
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
  if (s.server_time_wait)
    printf("    The server closed first, so TIME_WAIT was on the server's "
           "side, for\n    %.0f s (2 x MSL). socklab netstat --diagnose "
           "flags this: a busy server\n    with its port full of TIME_WAIT "
           "should let its clients close first.\n",
           (double)s.time_wait_us / 1e6);
  else
    printf("    The client closed first, so TIME_WAIT was on the client's "
           "side, for\n    %.0f s (2 x MSL); a server should let its "
           "clients close first.\n",
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
