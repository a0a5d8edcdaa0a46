/* Every Check suite of tests/unit, one per module (check_<module>.c). */
#ifndef SOCKLAB_TEST_SUITES_H
#define SOCKLAB_TEST_SUITES_H

#include <check.h>

Suite *api_suite(void);
Suite *net_suite(void);
Suite *netstat_suite(void);
Suite *reader_suite(void);
Suite *sim_suite(void);
Suite *soak_suite(void);
Suite *tcp_suite(void);
Suite *tcp_rfc_suite(void);
Suite *udp_suite(void);
Suite *user_suite(void);
Suite *grade_suite(void);
Suite *ip_suite(void);
Suite *wire_suite(void);

#endif
