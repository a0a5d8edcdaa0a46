/* socklab version: the version of the tool and of its library. */
#include <stdio.h>

#include "cli/cli.h"
#include "socklab.h"

int
cli_version(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  printf("socklab %s\n", sl_version());
  return 0;
}
