/* socklab: the command-line tool.  One binary, one subcommand per job;
 * each subcommand lives in its own file, cmd_NAME.c, and registers in
 * `commands`. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "socklab.h"

static const struct cli_command commands[] = {
    {"connect", "an nc-like client on either stack", cli_connect},
    {"demo", "a connection on socklab's stack, drawn and explained", cli_demo},
    {"grade", "run a lab's tests on a submission (the autograder)", cli_grade},
    {"hub", "the virtual switch between socklab processes", cli_hub},
    {"ladder", "draw a connection of a trace as a ladder diagram", cli_ladder},
    {"netstat", "kernel and socklab sockets side by side", cli_netstat},
    {"serve", "echo, discard or chargen server on either stack", cli_serve},
    {"sim", "a transfer over the simulated link, with faults", cli_sim},
    {"states", "the RFC 9293 state diagram with what a trace visited",
     cli_states},
    {"version", "print the version", cli_version},
};

static void
usage(FILE *out)
{
  fprintf(out,
          "usage: socklab [--help] [--version] COMMAND [ARGS...]\n"
          "\n"
          "socklab: sockets you can see into (version %s).\n"
          "\n"
          "commands:\n",
          sl_version());
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n'socklab COMMAND --help' describes a command.\n");
}

int
main(int argc, char **argv)
{
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(argv[1], "--version") == 0)
    return cli_version(argc - 1, argv + 1);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(argv[1], commands[i].name) == 0)
      return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "socklab: '%s' is not a command; see 'socklab --help'\n",
          argv[1]);
  return 2;
}
