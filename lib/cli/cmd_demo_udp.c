/* socklab demo --udp: the same two hosts and the same lossy link, but
 * datagrams instead of a connection (RFC 768).  Ten numbered datagrams
 * drawn as a ladder, what netstat shows of the sockets, and what the run
 * shows: no handshake, no state, and a loss that nobody notices. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_demo.h"
#include "obs/ladder.h"
#include "sim/xfer.h"

#define COUNT       10
#define INTERVAL_US 10000 /* one datagram every 10 ms */
#define LINE        96    /* a netstat line */

/* netstat of both hosts, taken when the first datagram is sent and again
 * when the first one arrives; and what was sent. */
struct udp_seen {
  struct sl__trace_file *file;
  struct sl__xfer_udp *x; /* for the hosts, during the run */
  double snap_t;          /* when the snapshot was taken */
  int snap_arrived;       /* at the first arrival (not the first send) */
  char snap[2][LINE];     /* the client's socket, the server's */
  size_t len[COUNT];      /* payload bytes of each datagram sent */
  unsigned nout;
};

static void
addr(char *buf, size_t len, uint32_t a, uint16_t port)
{
  if (port == 0)
    snprintf(buf, len, "%u.%u.%u.%u:*", a >> 24, (a >> 16) & 255,
             (a >> 8) & 255, a & 255);
  else
    snprintf(buf, len, "%u.%u.%u.%u:%u", a >> 24, (a >> 16) & 255,
             (a >> 8) & 255, a & 255, port);
}

/* One line as netstat prints a UDP socket: the State column is empty, so
 * the line ends with the Foreign Address.  Each host has one socket. */
static void
netstat_line(void *arg, const struct sl__udp_pcb *u)
{
  char *line = arg, local[24], remote[24];
  struct sl__udp_info in;

  sl__udp_get_info(u, &in);
  addr(local, sizeof local, in.laddr, in.lport);
  addr(remote, sizeof remote, in.raddr, in.rport);
  snprintf(line, LINE, "%-5s %6u %6u %-23s %s", "udp", in.recv_q, 0u, local,
           remote);
}

static void
observe(void *arg, const struct sl__event *ev)
{
  struct udp_seen *s = arg;
  int first_out, first_in;

  sl__trace_write(s->file, ev);
  if (ev->type == SL__EV_UDP_OUT && s->nout < COUNT)
    s->len[s->nout++] = ev->len;
  /* netstat at the first send, which binds the client's socket, and at
   * the first arrival, waiting in the server's Recv-Q; what comes after
   * shows nothing new. */
  first_out = ev->type == SL__EV_UDP_OUT && s->nout == 1;
  first_in = ev->type == SL__EV_UDP_IN && !s->snap_arrived;
  if (!first_out && !first_in)
    return;
  s->snap_arrived = ev->type == SL__EV_UDP_IN;
  s->snap_t = (double)ev->time_us / 1e6;
  sl__host_foreach_udp(s->x->client_host, netstat_line, s->snap[0]);
  sl__host_foreach_udp(s->x->server_host, netstat_line, s->snap[1]);
}

static int
run(const struct cli_demo_opts *o, struct sl__xfer_udp *x, struct udp_seen *s)
{
  struct sl__pcap *pcap = NULL;
  int r;

  if (cli_demo_open(o, &s->file, &pcap) != 0)
    return 1;
  x->trace = observe;
  x->trace_arg = s;
  s->x = x;
  if (pcap != NULL) {
    x->tap = cli_demo_pcap_tap;
    x->tap_arg = pcap;
  }
  r = sl__xfer_udp_run(x);
  return cli_demo_close(o, s->file, pcap, r);
}

static void
print_ladder(const struct cli_demo_opts *o, const struct sl__xfer_udp *x,
             const struct udp_seen *s)
{
  char client[24], server[24], label[40];

  printf("socklab demo --udp: datagrams on socklab's own stack, no "
         "connection\n  client 10.0.0.1 -> server 10.0.0.2:%d (discard), "
         "%u datagrams, one every\n  %g ms, 1 ms each way, loss %g%% "
         "(seed %llu)\n\n",
         SL__XFER_UDP_PORT, x->count, (double)x->interval_us / 1000,
         x->faults.loss * 100, (unsigned long long)x->seed);
  addr(client, sizeof client, SL__XFER_CLIENT, x->client_port);
  addr(server, sizeof server, SL__XFER_SERVER, SL__XFER_UDP_PORT);
  sl__ladder_heading(o->color, client, server);
  for (unsigned i = 0; i < x->sent; i++) {
    snprintf(label, sizeof label, "datagram %u len=%zu", i + 1, s->len[i]);
    sl__ladder_arrow(o->color, (double)x->sent_us[i] / 1e6, label, 1,
                     x->read_us[i] == SL__TIME_NEVER);
  }
}

static void
print_netstat(const struct udp_seen *s)
{
  static const char *const host[2] = {"client, 10.0.0.1", "server, 10.0.0.2"};

  printf("\nsocklab netstat -ua on each host at %.4f s, once the first "
         "datagram had\n%s (UDP sockets have no state: the State column "
         "stays empty):\n",
         s->snap_t, s->snap_arrived ? "arrived" : "been sent");
  for (int i = 0; i < 2; i++)
    printf("  on the %s:\nProto Recv-Q Send-Q Local Address           "
           "Foreign Address         State\n%s\n",
           host[i], s->snap[i]);
}

/* "2, 5 and 7" */
static void
print_lost(const struct sl__xfer_udp *x)
{
  unsigned n = 0, k = 0;

  for (unsigned i = 0; i < x->sent; i++)
    n += x->read_us[i] == SL__TIME_NEVER;
  for (unsigned i = 0; i < x->sent; i++) {
    if (x->read_us[i] != SL__TIME_NEVER)
      continue;
    k++;
    printf("%s%u", k == 1 ? "" : k == n ? " and " : ", ", i + 1);
  }
}

static void
explain(const struct sl__xfer_udp *x)
{
  printf("\nWhat it shows (read from this run):\n"
         "  - No handshake and no teardown: the client's first packet "
         "already carried\n    data, and the server sent back %llu "
         "packets (its IP OutRequests).\n",
         (unsigned long long)x->server_stats.ip.out_requests);
  printf("  - %u datagrams sent (the client's Udp OutDatagrams: %llu), %u "
         "arrived (the\n    server's Udp InDatagrams: %llu).  The wire "
         "lost %llu",
         x->sent, (unsigned long long)x->client_stats.udp.out_datagrams,
         x->received, (unsigned long long)x->server_stats.udp.in_datagrams,
         (unsigned long long)x->wire.drop_loss);
  if (x->received < x->sent) {
    printf(":\n    datagram%s ", x->sent - x->received == 1 ? "" : "s");
    print_lost(x);
    printf(" (X on the ladder)");
  }
  printf(".\n");
  if (x->received == x->sent)
    printf("  - Nothing was lost this time; had a datagram been, nobody "
           "would have\n    noticed (try another --seed, or a higher "
           "--loss).\n");
  else
    printf("  - Nothing was retransmitted and nobody noticed: the wire "
           "carried %llu\n    packets%s; every sendto() succeeded and the\n"
           "    client received %llu packets: no acknowledgment, no error.  "
           "Only an\n    application that numbers its datagrams, as this "
           "one does, can see a gap.\n",
           (unsigned long long)x->wire.sent,
           x->wire.sent == x->sent ? ", the datagrams and nothing else" : "",
           (unsigned long long)x->client_stats.ip.in_receives);
  printf("  - netstat shows no state: a UDP socket has none to show (no "
         "SYN_SENT, no\n    ESTABLISHED, no TIME_WAIT), only its "
         "addresses and its receive queue.\n");
}

int
cli_demo_udp(const struct cli_demo_opts *o, uint64_t seed, double loss)
{
  struct sl__xfer_udp x = {.seed = seed,
                           .count = COUNT,
                           .interval_us = INTERVAL_US,
                           .faults = {.loss = loss, .delay_us = 1000}};
  struct udp_seen s;

  memset(&s, 0, sizeof s);
  if (run(o, &x, &s) != 0)
    return 1;
  print_ladder(o, &x, &s);
  cli_demo_pause(o);
  print_netstat(&s);
  cli_demo_pause(o);
  explain(&x);
  printf("\nThe trace (JSON lines, \"ev\":\"udp\") is in %s.\n", o->trace);
  return 0;
}
