/* socklab hub: the virtual switch between socklab processes, run in the
 * foreground (socklab processes also start one on their own when none
 * runs; see README, "Two terminals"). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "hub.h"
#include "rt.h"

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
          "\n"
          "Forwards IPv4 packets between the socklab processes that join it\n"
          "(SOCKLAB_STACK=user), gives them addresses on 10.77.0.0/16 and\n"
          "resolves the names they register (SOCKLAB_HOSTNAME).  Faults are\n"
          "seeded and replay with the same --seed.  The default socket is\n"
          "%s.\n",
          path);
}

static int
bad(const char *opt, const char *val, const char *accepts)
{
  fprintf(stderr, "socklab hub: --%s %s: expected %s\n", opt, val, accepts);
  return 2;
}

int
cli_hub(int argc, char **argv)
{
  static const struct option opts[] = {{"socket", required_argument, 0, 'S'},
                                       {"loss", required_argument, 0, 'l'},
                                       {"dup", required_argument, 0, 'd'},
                                       {"reorder", required_argument, 0, 'r'},
                                       {"corrupt", required_argument, 0, 'c'},
                                       {"delay", required_argument, 0, 'D'},
                                       {"rate", required_argument, 0, 'R'},
                                       {"seed", required_argument, 0, 's'},
                                       {"pcap", required_argument, 0, 'p'},
                                       {"idle-exit", required_argument, 0, 'i'},
                                       {"quiet", no_argument, 0, 'q'},
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
