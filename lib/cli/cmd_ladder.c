/* socklab ladder: draws a connection of one or more traces as a ladder
 * diagram (the renderer is lib/obs/ladder.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"
#include "obs/ladder.h"

int
cli_ladder(int argc, char **argv)
{
  static const struct option opts[] = {{"conn", required_argument, 0, 'c'},
                                       {"absolute-seq", no_argument, 0, 'a'},
                                       {"no-color", no_argument, 0, 'n'},
                                       {"svg", required_argument, 0, 's'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  int opt, conn = 1, absolute = 0, color = isatty(1);
  const char *svg = NULL;

  optind = 1;
  while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (opt) {
    case 'c':
      conn = atoi(optarg);
      break;
    case 'a':
      absolute = 1;
      break;
    case 'n':
      color = 0;
      break;
    case 's':
      svg = optarg;
      break;
    case 'h':
      printf("usage: socklab ladder TRACE... [--conn N] [--absolute-seq] "
             "[--no-color] [--svg FILE]\n"
             "Draws connection N (default 1) of a trace as a ladder "
             "diagram:\nthe client on the left, the server on the right, "
             "each segment an\narrow (X: lost on the way), each state "
             "change beside its line.  --svg writes the same diagram as a\n"
             "self-contained SVG for a browser or slides.  Give the traces "
             "of both\nprocesses (SOCKLAB_TRACE of the client and of the "
             "server) to see both sides.\n");
      return 0;
    default:
      return 2;
    }
  }
  if (argc - optind < 1) {
    fprintf(stderr, "usage: socklab ladder TRACE... [--conn N] "
                    "[--absolute-seq] [--no-color] [--svg FILE]\n");
    return 2;
  }
  return sl__ladder_files((const char *const *)argv + optind, argc - optind,
                          conn, absolute, color, svg);
}
