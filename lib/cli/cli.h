/* The subcommands of the socklab CLI.  Each returns the exit status:
 * 0 success, 1 the job failed, 2 bad usage. */
#ifndef SOCKLAB_CLI_H
#define SOCKLAB_CLI_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "sim/sim.h"

struct cli_command {
  const char *name;
  const char *summary;
  int (*run)(int argc, char **argv); /* argv[0] is the command's name */
};

/* Option values (args.c): 0, or -1 when s is not one. */
int cli_parse_prob(const char *s, double *out); /* "0.1" or "10%" */
int cli_parse_number(const char *s, double lo, double hi, double *out);
int cli_parse_bytes(const char *s, uint64_t *out); /* "4096", "1M" */

/* The fault options both sim and hub take, by their getopt letters:
 * l loss, d dup, r reorder, c corrupt (probabilities), D delay (ms), R rate
 * (Mbit/s).  Returns 1 when opt was one of them and arg is good, -1 after
 * printing what is wrong, 0 when opt is not a fault option. */
int cli_fault_option(const char *cmd, int opt, const char *arg,
                     struct sl__sim_faults *f);
/* Their entries of a struct option table (getopt.h). */
#define CLI_FAULT_OPTIONS                                                      \
  {"loss", required_argument, 0, 'l'}, {"dup", required_argument, 0, 'd'},     \
      {"reorder", required_argument, 0, 'r'},                                  \
      {"corrupt", required_argument, 0, 'c'},                                  \
      {"delay", required_argument, 0, 'D'},                                    \
  {                                                                            \
    "rate", required_argument, 0, 'R'                                          \
  }

int cli_version(int argc, char **argv);
int cli_sim(int argc, char **argv);
int cli_hub(int argc, char **argv);
int cli_netstat(int argc, char **argv);
int cli_demo(int argc, char **argv);
int cli_ladder(int argc, char **argv);
int cli_states(int argc, char **argv);
int cli_serve(int argc, char **argv);
int cli_connect(int argc, char **argv);
int cli_grade(int argc, char **argv);

#endif
