/* Option values shared by the subcommands: probabilities ("0.1", "10%"),
 * bounded numbers and byte counts with K/M/G suffixes. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sim/sim.h"

int
cli_parse_prob(const char *s, double *out)
{
  char *end;
  double v = strtod(s, &end);

  if (end == s)
    return -1;
  if (*end == '%') {
    v /= 100;
    end++;
  }
  if (*end != '\0' || !(v >= 0 && v <= 1))
    return -1;
  *out = v;
  return 0;
}

int
cli_parse_number(const char *s, double lo, double hi, double *out)
{
  char *end;
  double v = strtod(s, &end);

  if (end == s || *end != '\0' || !(v >= lo && v <= hi))
    return -1;
  *out = v;
  return 0;
}

int
cli_parse_bytes(const char *s, uint64_t *out)
{
  char *end;
  double v = strtod(s, &end);
  double mult = 1;

  if (end == s || v < 0)
    return -1;
  switch (*end) {
  case 'k':
  case 'K':
    mult = 1024;
    end++;
    break;
  case 'm':
  case 'M':
    mult = 1024 * 1024;
    end++;
    break;
  case 'g':
  case 'G':
    mult = 1024.0 * 1024 * 1024;
    end++;
    break;
  default:
    break;
  }
  if (*end != '\0' || v * mult > 1e15)
    return -1;
  *out = (uint64_t)(v * mult);
  return 0;
}

int
cli_fault_option(const char *cmd, int opt, const char *arg,
                 struct sl__sim_faults *f)
{
  double v;
  double *prob = opt == 'l'   ? &f->loss
                 : opt == 'd' ? &f->dup
                 : opt == 'r' ? &f->reorder
                 : opt == 'c' ? &f->corrupt
                              : NULL;

  if (prob != NULL) {
    if (cli_parse_prob(arg, prob) == 0)
      return 1;
    fprintf(stderr,
            "socklab %s: --%s %s: expected a probability such as "
            "0.1 or 10%%\n",
            cmd,
            opt == 'l'   ? "loss"
            : opt == 'd' ? "dup"
            : opt == 'r' ? "reorder"
                         : "corrupt",
            arg);
    return -1;
  }
  if (opt == 'D') {
    if (cli_parse_number(arg, 0, 60000, &v) == 0) {
      f->delay_us = (uint32_t)llround(v * 1000);
      return 1;
    }
    fprintf(stderr,
            "socklab %s: --delay %s: expected milliseconds, 0 to "
            "60000\n",
            cmd, arg);
    return -1;
  }
  if (opt == 'R') {
    if (cli_parse_number(arg, 0.001, 1e6, &v) == 0) {
      f->rate_bps = (uint64_t)(v * 1e6);
      return 1;
    }
    fprintf(stderr,
            "socklab %s: --rate %s: expected Mbit/s, 0.001 to "
            "1000000\n",
            cmd, arg);
    return -1;
  }
  return 0;
}
