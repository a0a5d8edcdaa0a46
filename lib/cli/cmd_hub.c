/* socklab hub: the virtual switch between socklab processes, run in the
 * foreground (socklab processes also start one on their own when none
 * runs; see README, "Two terminals"). */
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "hub/hub.h"
#include "hub/proto.h"

static void
hub_usage(FILE *out)
{
  char path[108];

  sl__hub_default_path(path, sizeof path);
  fprintf(out,
          "usage: socklab hub [--socket PATH] [--loss P] [--dup P] "
          "[--reorder P]\n"
          "                   [--corrupt P] [--delay MS] [--rate MBIT] "
          "[--seed N]\n"
          "                   [--pcap FILE] [--idle-exit SEC] [--quiet]\n"
          "                   [--udp [ADDR:]PORT] [--udp-timeout SEC]\n"
          "\n"
          "Forwards IPv4 packets between the socklab processes that join it\n"
          "(SOCKLAB_STACK=user), gives them addresses on 10.77.0.0/16 and\n"
          "resolves the names they register (SOCKLAB_HOSTNAME).  Faults are\n"
          "seeded and replay with the same --seed.  The default socket is\n"
          "%s.\n"
          "\n"
          "--udp [ADDR:]PORT also listens on UDP (ADDR defaults to 127.0.0.1;\n"
          "PORT 0 picks a free one), so that processes on other machines join\n"
          "with SOCKLAB_LINK=udp:HOST:PORT.  It carries socklab's own IPv4\n"
          "packets inside UDP datagrams between socklab processes, nothing\n"
          "else; anyone who can reach the port can join (there is no\n"
          "password), so open it to a lab room's network only\n"
          "(--udp 0.0.0.0:7777).  A UDP member silent for --udp-timeout\n"
          "seconds (default 10; it sends keepalives) has left.\n",
          path);
}

static int
bad(const char *opt, const char *val, const char *accepts)
{
  fprintf(stderr, "socklab hub: --%s %s: expected %s\n", opt, val, accepts);
  return 2;
}

/* --udp [ADDR:]PORT: 0, or -1 when it is not that. */
static int
parse_udp(const char *s, struct sl__hub_opts *o)
{
  const char *colon = strrchr(s, ':'), *port = colon ? colon + 1 : s;
  char ip[INET_ADDRSTRLEN] = "127.0.0.1";
  struct in_addr in;
  double v;

  if (colon != NULL &&
      snprintf(ip, sizeof ip, "%.*s", (int)(colon - s), s) >= (int)sizeof ip)
    return -1;
  if (inet_pton(AF_INET, ip, &in) != 1 ||
      cli_parse_number(port, 0, 65535, &v) < 0 || v != (int)v)
    return -1;
  o->udp = 1;
  o->udp_addr = ntohl(in.s_addr);
  o->udp_port = (uint16_t)v;
  return 0;
}

int
cli_hub(int argc, char **argv)
{
  static const struct option opts[] = {
      {"socket", required_argument, 0, 'S'},
      CLI_FAULT_OPTIONS,
      {"seed", required_argument, 0, 's'},
      {"pcap", required_argument, 0, 'p'},
      {"idle-exit", required_argument, 0, 'i'},
      {"quiet", no_argument, 0, 'q'},
      {"udp", required_argument, 0, 'u'},
      {"udp-timeout", required_argument, 0, 'T'},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  struct sl__hub_opts o = {.verbose = 1};
  int opt, have_seed = 0;
  double v;

  sl__hub_default_path(o.path, sizeof o.path);
  optind = 1;
  while ((opt = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
    int fr = cli_fault_option("hub", opt, optarg, &o.faults);
    if (fr < 0)
      return 2;
    if (fr > 0)
      continue;
    switch (opt) {
    case 'S':
      if (strlen(optarg) >= sizeof o.path)
        return bad("socket", optarg, "a path shorter than 108 bytes");
      snprintf(o.path, sizeof o.path, "%s", optarg);
      break;
    case 's':
      if (cli_parse_number(optarg, 0, 1e18, &v) < 0)
        return bad("seed", optarg, "a non-negative integer");
      o.seed = (uint64_t)v;
      have_seed = 1;
      break;
    case 'p':
      snprintf(o.pcap, sizeof o.pcap, "%s", optarg);
      break;
    case 'i':
      if (cli_parse_number(optarg, 0, 86400, &v) < 0)
        return bad("idle-exit", optarg, "seconds, 0 (never) to 86400");
      o.idle_exit_s = (int)v;
      break;
    case 'q':
      o.verbose = 0;
      break;
    case 'u':
      if (parse_udp(optarg, &o) < 0)
        return bad("udp", optarg,
                   "[ADDR:]PORT, ADDR an IPv4 address (default 127.0.0.1; "
                   "0.0.0.0 for a lab room), PORT 0 (any free one) to "
                   "65535");
      break;
    case 'T':
      if (cli_parse_number(optarg, 0.2, 3600, &v) < 0)
        return bad("udp-timeout", optarg, "seconds, 0.2 to 3600");
      o.udp_timeout_ms = (int)(v * 1000);
      break;
    case 'h':
      hub_usage(stdout);
      return 0;
    default:
      hub_usage(stderr);
      return 2;
    }
  }
  if (!have_seed)
    o.seed = (uint64_t)time(NULL) % 1000000;
  if (o.verbose) {
    printf("socklab hub on %s, seed %llu, faults: loss %g dup %g reorder %g "
           "corrupt %g delay %g ms\n",
           o.path, (unsigned long long)o.seed, o.faults.loss, o.faults.dup,
           o.faults.reorder, o.faults.corrupt, o.faults.delay_us / 1000.0);
    fflush(stdout);
  }
  signal(SIGPIPE, SIG_IGN);
  return sl__hub_run(&o);
}
