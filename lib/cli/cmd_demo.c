/* socklab demo: a TCP connection on socklab's own stack, drawn and
 * explained.  A client and a server host on the simulated link (1 ms each
 * way, MSS 1460 against 1400), a small transfer, the trace written to a
 * file, the ladder diagram of it, and what it shows -- every figure in the
 * explanation is read from this run, not written in advance.  Variants:
 * the server closes first, loss, a receiver that stops reading, and
 * datagrams instead of a connection (--udp, in demo_udp.c). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd_demo.h"
#include "obs/ladder.h"
#include "sim/xfer.h"

/* --zero-window: a receive buffer of three segments, filled at once, and
 * a server that sleeps for 1.5 s: long enough for the persist timer to
 * probe three times. */
#define ZW_RCVBUF 4200
#define ZW_SLEEP  1500000
#define ZW_BYTES  8400

/* --udp without --loss or --seed: a loss rate and a seed under which two
 * of the ten datagrams are lost (seed 1 happens to lose none). */
#define UDP_LOSS 0.2
#define UDP_SEED 3

/* The server's advertised window falling to 0 and opening again. */
struct window_seen {
  uint32_t wnd[5]; /* its windows as they changed, until the first 0 */
  int nwnd;
  double zero_t;       /* when it first advertised 0; < 0: never */
  uint32_t zero_recvq; /* bytes waiting unread in its buffer then */
  uint32_t zero_ack;   /* the ACK that said so, relative */
  double reopen_t;     /* its first window > 0 after that; < 0: never */
  uint32_t reopen_wnd;
  unsigned zeros;  /* segments it sent with win=0 */
  unsigned probes; /* the client's window probes */
  double probe_t[3];
  uint32_t probe_seq; /* the byte they carry, relative */
  int probe_resent;   /* that byte went again once the window opened */
};

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
  struct window_seen win;
  int queues;         /* snapshots show Recv-Q and Send-Q (--zero-window) */
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
  int queues;
};

static void
snap_one(void *arg, const struct sl__tcb *t)
{
  struct snap_arg *a = arg;
  struct sl__tcp_info in;
  size_t n = strlen(a->buf);

  sl__tcp_get_info(t, &in);
  n += (size_t)snprintf(
      a->buf + n, a->len - n, " %s",
      in.state == SL_TCP_CLOSED ? "CLOSED" : sl_tcp_state_netstat(in.state));
  if (in.state == SL_TCP_LISTEN)
    return; /* netstat shows no queues for a listener */
  if (a->queues && in.recv_q > 0 && n < a->len)
    n += (size_t)snprintf(a->buf + n, a->len - n, " Recv-Q %u", in.recv_q);
  if (a->queues && in.send_q > 0 && n < a->len)
    snprintf(a->buf + n, a->len - n, " Send-Q %u", in.send_q);
}

/* What `socklab netstat` would show on both hosts now, in one line. */
static void
snapshot(struct seen *s, uint64_t t)
{
  char line[160] = "", c[80] = "", v[80] = "";
  struct snap_arg ca = {c, sizeof c, s->queues}, va = {v, sizeof v, s->queues};

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
state_change(struct seen *s, const struct sl__event *ev)
{
  int client = ev->host == SL__XFER_CLIENT;
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
}

/* The server's advertised window: how it fell to 0 and when it reopened,
 * with a netstat snapshot at both moments (the queues are the story). */
static void
server_window(struct seen *s, const struct sl__event *ev)
{
  struct window_seen *w = &s->win;
  uint32_t wnd = ev->seg->wnd;
  struct sl__tcp_info in;

  if (wnd == 0)
    w->zeros++;
  if (w->zero_t < 0) {
    if (w->nwnd == 5)
      w->nwnd--; /* keep the last, which may be the 0 */
    if (w->nwnd == 0 || w->wnd[w->nwnd - 1] != wnd)
      w->wnd[w->nwnd++] = wnd;
    if (wnd > 0)
      return;
    sl__tcp_get_info(ev->tcb, &in);
    w->zero_t = (double)ev->time_us / 1e6;
    w->zero_recvq = in.recv_q;
    w->zero_ack = ev->seg->ack - ev->irs;
    snapshot(s, ev->time_us);
  } else if (wnd > 0 && w->reopen_t < 0) {
    w->reopen_t = (double)ev->time_us / 1e6;
    w->reopen_wnd = wnd;
    snapshot(s, ev->time_us);
  }
}

static void
segment_out(struct seen *s, const struct sl__event *ev)
{
  int client = ev->host == SL__XFER_CLIENT;
  struct window_seen *w = &s->win;
  uint32_t seq = ev->seg->seq - ev->iss;

  if (ev->seg->opt.has_mss)
    *(client ? &s->client_mss : &s->server_mss) = ev->seg->opt.mss;
  if (client && ev->note != NULL && strcmp(ev->note, "window probe") == 0) {
    if (w->probes < 3)
      w->probe_t[w->probes] = (double)ev->time_us / 1e6;
    w->probes++;
    w->probe_seq = seq;
  } else if (ev->note != NULL && strstr(ev->note, "retransmit") != NULL) {
    /* The probed byte, sent again once the window opens, is no loss. */
    if (client && w->probes > 0 && seq == w->probe_seq && !w->probe_resent)
      w->probe_resent = 1;
    else
      s->retransmissions++;
  }
  if (!client)
    server_window(s, ev);
}

static void
observe(void *arg, const struct sl__event *ev)
{
  struct seen *s = arg;

  sl__trace_write(s->file, ev);
  if (ev->type == SL__EV_STATE)
    state_change(s, ev);
  else if (ev->type == SL__EV_SEG_OUT)
    segment_out(s, ev);
}

static void
usage(void)
{
  printf("usage: socklab demo [--bytes N] [--loss P] [--seed N] [--no-color]\n"
         "                    [--trace FILE] [--svg FILE] [--pcap FILE]\n"
         "                    [--server-closes-first] [--zero-window] "
         "[--udp] [--step]\n"
         "One TCP connection on socklab's own stack (simulated link, 1 ms "
         "each way),\ndrawn as a ladder diagram and explained from the "
         "run's own figures.  The\ntrace goes to FILE (default "
         "socklab-demo.jsonl).\n"
         "  --server-closes-first  TIME_WAIT on the server's side\n"
         "  --loss P --seed N      lost segments and their "
         "retransmissions\n"
         "  --zero-window          the server reads nothing for 1.5 s "
         "behind a\n"
         "                         4200-byte buffer: its window falls to "
         "0, the\n"
         "                         client probes it\n"
         "  --udp                  ten datagrams instead, at 20%% loss "
         "(seed 3) unless\n"
         "                         --loss or --seed say otherwise: no "
         "connection, no\n"
         "                         state, and nobody notices a loss\n"
         "  --step                 pause between the phases (press Enter), "
         "for a lecture\n");
}

/* Returns -1 to go on, or the exit status. */
static int
parse(int argc, char **argv, struct cli_demo_opts *o, struct sl__xfer *x)
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
      {"zero-window", no_argument, 0, 'z'},
      {"udp", no_argument, 0, 'u'},
      {"step", no_argument, 0, 'P'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  int opt;
  double v;

  optind = 1;
  while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (opt) {
    case 't':
      o->trace = optarg;
      break;
    case 'b':
      if (cli_parse_bytes(optarg, &x->bytes) < 0 || x->bytes > (1 << 20)) {
        fprintf(stderr, "socklab demo: --bytes %s: expected up to 1M\n",
                optarg);
        return 2;
      }
      o->bytes_set = 1;
      break;
    case 'l':
      if (cli_parse_prob(optarg, &v) < 0) {
        fprintf(stderr,
                "socklab demo: --loss %s: expected a probability "
                "such as 0.1 or 10%%\n",
                optarg);
        return 2;
      }
      x->faults.loss = v;
      o->loss_set = 1;
      break;
    case 's':
      if (cli_parse_bytes(optarg, &x->seed) < 0) {
        fprintf(stderr, "socklab demo: --seed %s: expected an integer\n",
                optarg);
        return 2;
      }
      o->seed_set = 1;
      break;
    case 'n':
      o->color = 0;
      break;
    case 'g':
      o->svg = optarg;
      break;
    case 'p':
      o->pcap = optarg;
      break;
    case 'S':
      x->server_closes_first = 1;
      break;
    case 'z':
      o->zero_window = 1;
      break;
    case 'u':
      o->udp = 1;
      break;
    case 'P':
      o->step = 1;
      break;
    case 'h':
      usage();
      return 0;
    default:
      return 2;
    }
  }
  if (o->udp && (o->bytes_set || o->zero_window || x->server_closes_first ||
                 o->svg != NULL)) {
    fprintf(stderr, "socklab demo: --udp sends datagrams, with no "
                    "connection: --bytes, --zero-window,\n"
                    "--server-closes-first and --svg are for TCP\n");
    return 2;
  }
  if (o->zero_window) {
    x->server_rcvbuf = ZW_RCVBUF;
    x->server_sleep_us = ZW_SLEEP;
    if (!o->bytes_set)
      x->bytes = ZW_BYTES; /* twice what the buffer holds */
  }
  return -1;
}

void
cli_demo_pause(const struct cli_demo_opts *o)
{
  char c;
  ssize_t n;

  if (!o->step)
    return;
  printf("\n-- press Enter --");
  fflush(stdout);
  /* One byte at a time: the rest of the input is for the next pauses,
   * not for stdio's buffer. */
  do
    n = read(0, &c, 1);
  while ((n == 1 && c != '\n') || (n < 0 && errno == EINTR));
  if (!isatty(0))
    putchar('\n'); /* no terminal echoed the Enter */
}

void
cli_demo_pcap_tap(void *arg, uint64_t now, uint32_t from, uint32_t to,
                  const uint8_t *pkt, size_t len, int event)
{
  (void)from;
  (void)to;
  if (event == SL__SIM_SENT && pkt != NULL)
    sl__pcap_write(arg, now, pkt, len);
}

int
cli_demo_open(const struct cli_demo_opts *o, struct sl__trace_file **trace,
              struct sl__pcap **pcap)
{
  *trace = sl__trace_open(o->trace);
  if (*trace == NULL) {
    fprintf(stderr, "socklab demo: --trace %s: %s\n", o->trace,
            strerror(errno));
    return 1;
  }
  if (o->pcap == NULL)
    return 0;
  *pcap = sl__pcap_open(o->pcap);
  if (*pcap == NULL) {
    fprintf(stderr, "socklab demo: --pcap %s: %s\n", o->pcap, strerror(errno));
    sl__trace_close(*trace);
    return 1;
  }
  return 0;
}

int
cli_demo_close(const struct cli_demo_opts *o, struct sl__trace_file *trace,
               struct sl__pcap *pcap, int r)
{
  int failed = r < 0;

  if (pcap != NULL && sl__pcap_close(pcap) < 0)
    fprintf(stderr, "socklab demo: --pcap %s: write failed\n", o->pcap);
  if (sl__trace_close(trace) < 0) {
    fprintf(stderr, "socklab demo: --trace %s: write failed\n", o->trace);
    failed = 1;
  }
  if (r < 0)
    fprintf(stderr, "socklab demo: the run failed: %s\n", strerror(-r));
  return failed;
}

static int
run(const struct cli_demo_opts *o, struct sl__xfer *x, struct seen *s)
{
  struct sl__host_config cfg;
  struct sl__pcap *pcap = NULL;
  int r;

  if (cli_demo_open(o, &s->file, &pcap) != 0)
    return 1;
  /* A TIME-WAIT of 2 x 30 s would be a long wait in real time; in virtual
   * time it passes at once, and the trace shows its true length. */
  sl__host_config_default(&cfg);
  cfg.seed = x->seed;
  x->cfg = &cfg;
  x->trace = observe;
  x->trace_arg = s;
  s->x = x;
  s->queues = o->zero_window;
  s->win.zero_t = s->win.reopen_t = -1;
  if (pcap != NULL) {
    x->tap = cli_demo_pcap_tap;
    x->tap_arg = pcap;
  }
  r = sl__xfer_run(x);
  x->cfg = NULL;
  return cli_demo_close(o, s->file, pcap, r);
}

static int
print_ladder(const struct cli_demo_opts *o, const struct sl__xfer *x)
{
  printf("socklab demo: one TCP connection on socklab's own TCP/IP stack\n"
         "  client 10.0.0.1 (MSS %u) -> server 10.0.0.2:80 (MSS %u)\n"
         "  %llu bytes, 1 ms each way",
         x->mss_client, x->mss_server, (unsigned long long)x->bytes);
  if (x->faults.loss > 0)
    printf(", loss %g%% (seed %llu)", x->faults.loss * 100,
           (unsigned long long)x->seed);
  if (x->server_sleep_us > 0)
    printf(";\n  the server's receive buffer holds %u bytes, and it reads "
           "nothing for %g s",
           x->server_rcvbuf, (double)x->server_sleep_us / 1e6);
  printf("\n\n");
  return sl__ladder_file(o->trace, 1, 0, o->color, NULL);
}

static void
print_netstat(const struct seen *s)
{
  printf("\nsocklab netstat at each change (states of the client's and the "
         "server's\nsockets, oldest first; LISTEN is the server's listener)");
  if (s->queues)
    printf(";\nRecv-Q: bytes arrived and not read yet, Send-Q: bytes written "
           "and not yet\nacknowledged, sent or still queued");
  printf(":\n%8s %-24s %s\n", "time", "client", "server");
  for (int i = 0; i < s->nsnap; i++)
    printf("%8.4f %s\n", s->snap[i].t, s->snap[i].text);
}

static void
explain_handshake(const struct sl__xfer *x, const struct seen *s)
{
  printf("\nWhat it shows (read from this run):\n");
  printf("  - The 3-way handshake.  Client: %s.\n", s->client_open);
  printf("    Server: %s.\n", s->server_open + strlen("CLOSED -> "));
  printf("  - MSS: the client announced %u in its SYN, the server %u in its "
         "SYN,ACK;\n    each side sends at most the smaller: the client's "
         "largest segment\n    carried %u bytes.\n",
         s->client_mss, s->server_mss, x->max_seg_client);
}

/* "0.2040, 0.6040 and 1.4040 s" */
static void
print_times(const double *t, unsigned n, unsigned shown)
{
  for (unsigned i = 0; i < shown; i++)
    printf("%s%.4f", i == 0 ? "" : i + 1 == n ? " and " : ", ", t[i]);
  printf("%s s", n > shown ? ", ..." : "");
}

static void
explain_zero_window(const struct sl__xfer *x, const struct seen *s)
{
  const struct window_seen *w = &s->win;

  printf("  - Flow control: the server's receive buffer holds %u bytes, "
         "and its\n    application read nothing until %g s.\n",
         x->server_rcvbuf, (double)x->server_sleep_us / 1e6);
  if (w->zero_t < 0) {
    printf("    Its window never fell to 0: the %llu bytes fit (try a "
           "larger --bytes).\n",
           (unsigned long long)x->bytes);
    return;
  }
  printf("    The window it advertised fell");
  for (int i = 0; i < w->nwnd; i++)
    printf("%s%u", i == 0 ? " " : " -> ", w->wnd[i]);
  printf(":\n    at %.4f s its ACK said ack=%u win=0; %u bytes were "
         "waiting unread.\n",
         w->zero_t, w->zero_ack, w->zero_recvq);
  printf("    The client stopped sending; each time its persist timer "
         "fired it sent a\n    window probe (one byte): %u probe%s, at ",
         w->probes, w->probes == 1 ? "" : "s");
  print_times(w->probe_t, w->probes, w->probes < 3 ? w->probes : 3);
  printf(".\n    The interval doubles while the window stays 0; the server "
         "sent %u\n    segments with win=0 in all.\n",
         w->zeros);
  if (w->reopen_t < 0)
    return;
  printf("    At %.4f s, the application reading again, the server's "
         "window update\n    (win=%u) reopened the window.",
         w->reopen_t, w->reopen_wnd);
  if (w->probe_resent)
    printf("  The probed byte (%u) went again at\n    the head of the "
           "next segment: the trace notes that as a retransmission.",
           w->probe_seq);
  printf("\n    All %llu bytes arrived, identical.\n",
         (unsigned long long)x->received);
}

static void
explain_data(const struct sl__xfer *x, const struct seen *s)
{
  printf("  - Sequence numbers count bytes (relative to each side's ISN): "
         "the SYN is\n    0, the data bytes are 1 to %llu, the FIN is %llu, "
         "and the ACK of the FIN\n    says %llu, the next number the server "
         "expects.\n",
         (unsigned long long)x->bytes, (unsigned long long)x->bytes + 1,
         (unsigned long long)x->bytes + 2);
  if (x->wire.drop_loss > 0 || s->retransmissions > 0)
    printf("  - %llu segment(s) were lost (X on the ladder), %u "
           "retransmitted.\n",
           (unsigned long long)x->wire.drop_loss, s->retransmissions);
  if (x->server_sleep_us > 0)
    explain_zero_window(x, s);
}

static void
explain_teardown(const struct seen *s)
{
  printf("  - The 4-way teardown.\n    Client: %s.\n", s->client_close);
  printf("    Server: %s.\n", s->server_close);
  if (s->server_time_wait)
    printf("    The server closed first, so TIME_WAIT was on the server's "
           "side, for\n    %.0f s (2 x MSL). socklab netstat --diagnose "
           "flags this: a busy server\n    with its port full of TIME_WAIT "
           "should let its clients close first.\n",
           (double)s->time_wait_us / 1e6);
  else
    printf("    The client closed first, so TIME_WAIT was on the client's "
           "side, for\n    %.0f s (2 x MSL); a server should let its "
           "clients close first.\n",
           (double)s->time_wait_us / 1e6);
}

int
cli_demo(int argc, char **argv)
{
  struct cli_demo_opts o = {.trace = "socklab-demo.jsonl", .color = isatty(1)};
  struct sl__xfer x = {.seed = 1,
                       .bytes = 3000,
                       .mss_client = 1460,
                       .mss_server = 1400,
                       .faults = {.delay_us = 1000}};
  struct seen s;
  int r = parse(argc, argv, &o, &x);

  if (r >= 0)
    return r;
  if (o.udp)
    return cli_demo_udp(&o, o.seed_set ? x.seed : UDP_SEED,
                        o.loss_set ? x.faults.loss : UDP_LOSS);
  memset(&s, 0, sizeof s);
  if (run(&o, &x, &s) != 0 || print_ladder(&o, &x) != 0)
    return 1;
  cli_demo_pause(&o);
  print_netstat(&s);
  cli_demo_pause(&o);
  explain_handshake(&x, &s);
  cli_demo_pause(&o);
  explain_data(&x, &s);
  cli_demo_pause(&o);
  explain_teardown(&s);
  if (o.svg != NULL && sl__ladder_file(o.trace, 1, 0, 0, o.svg) == 0)
    printf("\nThe same ladder as an SVG (for a browser or slides): %s\n",
           o.svg);
  printf("\nThe trace (JSON lines) is in %s;\n"
         "  build/bin/socklab ladder %s   redraws it.\n"
         "Try: build/bin/socklab demo --loss 20%% --seed 3   (losses and "
         "retransmissions);\n"
         "     --server-closes-first, --zero-window, --udp; --step pauses "
         "for a lecture.\n",
         o.trace, o.trace);
  return 0;
}
