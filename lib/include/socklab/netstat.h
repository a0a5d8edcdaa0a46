/* What `socklab netstat` shows, from inside a program: a lab program can
 * print its own sockets at the moment it wants to look at them. */
#ifndef SOCKLAB_NETSTAT_H
#define SOCKLAB_NETSTAT_H

#include <stdio.h>

/* Prints to out what `socklab netstat ARGS` would print, where args is
 * the options separated by spaces (no quoting), e.g.
 *
 *     sl_netstat(stdout, "-tn --self");    this process's TCP sockets
 *     sl_netstat(stdout, "-tanp");         every process's, with PIDs
 *     sl_netstat(stdout, "--diagnose");
 *
 * Kernel sockets and socklab-stack sockets appear side by side; --self
 * keeps only the caller's.  Returns 0, or -1 with errno: EINVAL for an
 * option netstat does not take (with a message on stderr), E2BIG for
 * more than 62 words.  Threads may call it at once (it keeps no state
 * between calls).  -c and --watch without a limit do not return. */
int sl_netstat(FILE *out, const char *args);

#endif
