/* socklab netstat as a function: the CLI's `socklab netstat` and the
 * library's sl_netstat() both call it.  Exit-status results: 0 done,
 * 1 the job failed, 2 bad usage (with a message on stderr). */
#ifndef SOCKLAB_OBS_NETSTAT_H
#define SOCKLAB_OBS_NETSTAT_H

#include <stdio.h>

/* Parses argv as `socklab netstat` does (argv[0] names the caller in
 * messages) and prints to out.  Uses getopt: not for two threads at once. */
int sl__netstat(FILE *out, int argc, char **argv);
/* netstat -s: the kernel's and/or socklab's protocol counters. */
int sl__netstat_statistics(FILE *out, int kernel, int user);

#endif
