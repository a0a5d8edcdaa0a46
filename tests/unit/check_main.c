/* The one Check runner: every suite of tests/unit, run in forked
 * processes.  CK_RUN_SUITE / CK_RUN_CASE pick suites and cases;
 * --tap FILE and --xml FILE write the logs `make test` keeps. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"

int
main(int argc, char **argv)
{
  SRunner *sr = srunner_create(api_suite());
  int failed;

  srunner_add_suite(sr, net_suite());
  srunner_add_suite(sr, netstat_suite());
  srunner_add_suite(sr, reader_suite());
  srunner_add_suite(sr, wire_suite());
  srunner_add_suite(sr, ip_suite());
  srunner_add_suite(sr, sim_suite());
  srunner_add_suite(sr, tcp_suite());
  srunner_add_suite(sr, tcp_rfc_suite());
  srunner_add_suite(sr, soak_suite());
  srunner_add_suite(sr, udp_suite());
  srunner_add_suite(sr, user_suite());
  srunner_add_suite(sr, grade_suite());
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--tap") == 0)
      srunner_set_tap(sr, argv[i + 1]);
    else if (strcmp(argv[i], "--xml") == 0)
      srunner_set_xml(sr, argv[i + 1]);
    else {
      fprintf(stderr, "usage: %s [--tap FILE] [--xml FILE]\n", argv[0]);
      return 2;
    }
  }
  /* SIGPIPE keeps its default action on purpose: a test that writes to a
   * closed peer dies if socklab ever lets the signal through. */
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
