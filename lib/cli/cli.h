/* The subcommands of the socklab CLI.  Each returns the exit status:
 * 0 success, 1 the job failed, 2 bad usage. */
#ifndef SOCKLAB_CLI_H
#define SOCKLAB_CLI_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "sim.h"

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

/* Fields of one trace line (args.c): the raw text after "key":, a string
 * value (empty when absent), a number (-1 when absent).  Only for the
 * trace's own flat objects. */
const char *cli_json_raw(const char *line, const char *key);
void cli_json_str(const char *line, const char *key, char *out, size_t len);
long long cli_json_num(const char *line, const char *key);

/* Sends request ("DUMP\n", "STATS\n") to every running socklab process
 * (lib/rt/export.c) and hands each answer to answer; removes the entries
 * of processes that are gone.  Returns how many answered. */
int cli_ask_processes(const char *request,
                      void (*answer)(void *arg, int pid, FILE *f), void *arg);

int cli_version(int argc, char **argv);
int cli_sim(int argc, char **argv);
int cli_hub(int argc, char **argv);
int cli_netstat(int argc, char **argv);
/* netstat -s: the kernel's and/or socklab's protocol counters. */
int cli_netstat_statistics(int kernel, int user);
int cli_demo(int argc, char **argv);
int cli_ladder(int argc, char **argv);
/* Draws connection conn_no (from 1) of the trace at path. */
int cli_ladder_file(const char *path, int conn_no, int absolute, int color,
                    const char *svg); /* svg: write SVG there, NULL: text */
/* The text ladder's pieces, for a diagram no TCP trace gives (the demo's
 * datagrams): the two heading lines, an arrow from one time line to the
 * other (stopped short with an X when lost), a note beside one line. */
void cli_ladder_heading(int color, const char *client, const char *server);
void cli_ladder_arrow(int color, double t, const char *label, int from_client,
                      int lost);
void cli_ladder_note(int color, double t, int client_side, const char *text);
int cli_serve(int argc, char **argv);
int cli_connect(int argc, char **argv);

#endif
