/* socklab sim: one bulk transfer between two hosts on the simulated link,
 * with seeded faults; prints what arrived and how the stack coped. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "obs/pcap.h"
#include "obs/trace.h"
#include "sim/xfer.h"

static void
sim_usage(FILE *out)
{
  fprintf(out,
          "usage: socklab sim [--bytes N] [--loss P] [--dup P] [--reorder P]\n"
          "                   [--corrupt P] [--delay MS] [--rate MBIT] "
          "[--mss N[,M]]\n"
          "                   [--seed N] [--trace FILE] [--pcap FILE]\n"
          "\n"
          "Transfers N bytes (default 1M; K, M and G suffixes) from a client\n"
          "host (10.0.0.1) to a server host (10.0.0.2) over the simulated\n"
          "link, closes, and reports.  P is a probability (0.1 or 10%%).\n"
          "Exit status 0 only when the data arrived identical and both\n"
          "sides closed cleanly.  The same --seed replays the same run.\n"
          "--mss N sets TCP_MAXSEG on both sides; --mss N,M sets the\n"
          "client's to N and the server's to M.\n");
}

static int
bad_value(const char *opt, const char *val, const char *accepts)
{
  fprintf(stderr, "socklab sim: --%s %s: expected %s\n", opt, val, accepts);
  return 2;
}

struct pcap_tap {
  struct sl__pcap *pcap;
};

/* The capture point is the sender's side of the wire: every packet as it
 * was sent, the lost ones included. */
static void
pcap_tap(void *arg, uint64_t now, uint32_t from, uint32_t to,
         const uint8_t *pkt, size_t len, int event)
{
  struct pcap_tap *t = arg;

  (void)from;
  (void)to;
  if (event == SL__SIM_SENT && pkt != NULL)
    sl__pcap_write(t->pcap, now, pkt, len);
}

/* "N" (both sides) or "N,M" (client, server); each 88 to 1460. */
static int
parse_mss_pair(const char *arg, uint16_t *client, uint16_t *server)
{
  char first[32];
  const char *comma = strchr(arg, ',');
  uint64_t c, s;

  if (comma == NULL) {
    if (cli_parse_bytes(arg, &c) < 0)
      return -1;
    s = c;
  } else {
    if ((size_t)(comma - arg) >= sizeof first)
      return -1;
    memcpy(first, arg, (size_t)(comma - arg));
    first[comma - arg] = '\0';
    if (cli_parse_bytes(first, &c) < 0 || cli_parse_bytes(comma + 1, &s) < 0)
      return -1;
  }
  if (c < 88 || c > 1460 || s < 88 || s > 1460)
    return -1;
  *client = (uint16_t)c;
  *server = (uint16_t)s;
  return 0;
}

static double
wall_seconds(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
report(const struct sl__xfer *x, double wall, int result)
{
  const struct sl__tcp_stats *c = &x->client_stats.tcp;
  const struct sl__tcp_stats *s = &x->server_stats.tcp;

  printf("delivered:     %llu of %llu bytes, %s\n",
         (unsigned long long)x->received, (unsigned long long)x->bytes,
         x->identical && x->received == x->bytes ? "identical"
                                                 : "NOT identical");
  printf("closed:        client %s, server %s\n",
         x->client_closed ? "cleanly" : "NOT closed",
         x->server_closed ? "cleanly" : "NOT closed");
  if (x->closed_us > 0 && x->closed_us < x->duration_us)
    printf("virtual time:  %.6f s to deliver and close, %.6f s in all "
           "(TIME-WAIT)\n",
           (double)x->closed_us / 1e6, (double)x->duration_us / 1e6);
  else
    printf("virtual time:  %.6f s\n", (double)x->duration_us / 1e6);
  printf("segments:      client sent %llu (+%llu retransmitted), "
         "server sent %llu (+%llu)\n",
         (unsigned long long)c->out_segs, (unsigned long long)c->retrans_segs,
         (unsigned long long)s->out_segs, (unsigned long long)s->retrans_segs);
  printf("recovery:      %llu timeouts, %llu fast retransmits, "
         "%llu out-of-order segments held\n",
         (unsigned long long)(c->timeouts + s->timeouts),
         (unsigned long long)(c->fast_retrans + s->fast_retrans),
         (unsigned long long)(s->ooo_segs + c->ooo_segs));
  printf("largest seg:   client %u bytes, server %u bytes\n", x->max_seg_client,
         x->max_seg_server);
  printf("wire:          %llu packets, %llu lost, %llu duplicated, "
         "%llu reordered, %llu corrupted (%llu caught by checksums)\n",
         (unsigned long long)x->wire.sent,
         (unsigned long long)x->wire.drop_loss,
         (unsigned long long)x->wire.duplicated,
         (unsigned long long)x->wire.reordered,
         (unsigned long long)x->wire.corrupted,
         (unsigned long long)(x->client_stats.ip.in_hdr_errors +
                              x->server_stats.ip.in_hdr_errors +
                              c->in_csum_errors + s->in_csum_errors));
  printf("wall clock:    %.3f s, %.1f Mbit/s\n", wall,
         wall > 0 ? (double)x->received * 8 / wall / 1e6 : 0.0);
  if (result != 0)
    printf("result:        FAILED: %s\n", strerror(-result));
}

int
cli_sim(int argc, char **argv)
{
  static const struct option opts[] = {
      {"bytes", required_argument, 0, 'b'}, CLI_FAULT_OPTIONS, /* args.c */
      {"mss", required_argument, 0, 'm'},   {"seed", required_argument, 0, 's'},
      {"trace", required_argument, 0, 't'}, {"pcap", required_argument, 0, 'p'},
      {"help", no_argument, 0, 'h'},        {0, 0, 0, 0}};
  struct sl__xfer x = {.bytes = 1 << 20};
  struct pcap_tap ptap = {0};
  const char *pcap_path = NULL, *trace_path = NULL;
  struct sl__trace_file *trace = NULL;
  int have_seed = 0, opt, result;
  double wall;

  optind = 1;
  while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    int fr = cli_fault_option("sim", opt, optarg, &x.faults);
    if (fr < 0)
      return 2;
    if (fr > 0)
      continue;
    switch (opt) {
    case 'b':
      if (cli_parse_bytes(optarg, &x.bytes) < 0)
        return bad_value("bytes", optarg, "a byte count such as 4096 or 1M");
      break;
    case 'm':
      if (parse_mss_pair(optarg, &x.mss_client, &x.mss_server) < 0)
        return bad_value("mss", optarg,
                         "a segment size, 88 to 1460, or two (CLIENT,SERVER)");
      break;
    case 's':
      if (cli_parse_bytes(optarg, &x.seed) < 0)
        return bad_value("seed", optarg, "a non-negative integer");
      have_seed = 1;
      break;
    case 't':
      trace_path = optarg;
      break;
    case 'p':
      pcap_path = optarg;
      break;
    case 'h':
      sim_usage(stdout);
      return 0;
    default:
      sim_usage(stderr);
      return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "socklab sim: unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  if (!have_seed)
    x.seed = (uint64_t)time(NULL) % 1000000;
  if (pcap_path != NULL) {
    ptap.pcap = sl__pcap_open(pcap_path);
    if (ptap.pcap == NULL) {
      fprintf(stderr, "socklab sim: --pcap %s: %s\n", pcap_path,
              strerror(errno));
      return 1;
    }
    x.tap = pcap_tap;
    x.tap_arg = &ptap;
  }
  if (trace_path != NULL) {
    trace = sl__trace_open(trace_path);
    if (trace == NULL) {
      fprintf(stderr, "socklab sim: --trace %s: %s\n", trace_path,
              strerror(errno));
      return 1;
    }
    x.trace = sl__trace_write;
    x.trace_arg = trace;
  }
  printf("socklab sim: %llu bytes, 10.0.0.1 -> 10.0.0.2:80, seed %llu\n",
         (unsigned long long)x.bytes, (unsigned long long)x.seed);
  printf("faults:        loss %g, dup %g, reorder %g, corrupt %g, "
         "delay %g ms, rate %s\n",
         x.faults.loss, x.faults.dup, x.faults.reorder, x.faults.corrupt,
         x.faults.delay_us / 1000.0,
         x.faults.rate_bps ? "limited" : "unlimited");
  wall = wall_seconds();
  result = sl__xfer_run(&x);
  wall = wall_seconds() - wall;
  report(&x, wall, result);
  if (ptap.pcap != NULL) {
    int e = sl__pcap_close(ptap.pcap);
    if (e < 0) {
      fprintf(stderr, "socklab sim: --pcap %s: %s\n", pcap_path, strerror(-e));
      return 1;
    }
    printf("pcap:          %s (tcpdump -r %s)\n", pcap_path, pcap_path);
  }
  if (trace != NULL) {
    int e = sl__trace_close(trace);
    if (e < 0) {
      fprintf(stderr, "socklab sim: --trace %s: %s\n", trace_path,
              strerror(-e));
      return 1;
    }
    printf("trace:         %s (JSON lines, lib/obs/TRACE.md)\n", trace_path);
  }
  printf("replay:        socklab sim --seed %llu", (unsigned long long)x.seed);
  for (int i = 1; i < argc; i++)
    if (strncmp(argv[i], "--seed", 6) != 0 &&
        (i == 1 || strcmp(argv[i - 1], "--seed") != 0))
      printf(" %s", argv[i]);
  printf("\n");
  return result == 0 ? 0 : 1;
}
