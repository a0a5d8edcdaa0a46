/* The subcommands of the socklab CLI.  Each returns the exit status:
 * 0 success, 1 the job failed, 2 bad usage. */
#ifndef SOCKLAB_CLI_H
#define SOCKLAB_CLI_H

struct cli_command {
  const char *name;
  const char *summary;
  int (*run)(int argc, char **argv); /* argv[0] is the command's name */
};

int cli_version(int argc, char **argv);
int cli_sim(int argc, char **argv);
int cli_hub(int argc, char **argv);
int cli_serve(int argc, char **argv);
int cli_connect(int argc, char **argv);

#endif
