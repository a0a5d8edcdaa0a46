/* socklab netstat: the kernel's and socklab's sockets side by side. */
#include <stdio.h>

#include "cli/cli.h"
#include "obs/netstat_priv.h"

/* The netstat clone lives in the library (lib/obs/netstat.c), so that
 * programs can call it as sl_netstat(). */
int
cli_netstat(int argc, char **argv)
{
  return sl__netstat(stdout, argc, argv);
}
