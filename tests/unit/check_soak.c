/* The soak, churn and SYN-flood runs of tests/soak at reduced size, so
 * that make test keeps them honest: 10 seeds of a lossy 4 MiB transfer,
 * 5,000 connection cycles, 2 s of SYN flood.  `make soak` runs them at
 * full size and prints the figures. */
#include <check.h>
#include <string.h>

#include "../soak/soaklib.h"
#include "suites.h"

/* Every byte identical through loss, reordering, duplication and
 * corruption, and no TCB left on either host (TIME-WAIT included). */
START_TEST(test_soak_lossy_4mib_identical_over_10_seeds)
{
  struct soak_lossy s = {.first_seed = 1001, .seeds = 10, .bytes = 4 << 20};
  int r = soak_lossy_run(&s);

  ck_assert_msg(r == 0, "seed %llu: %s (%u of %u seeds passed)",
                (unsigned long long)s.failed_seed, strerror(-s.failed_error),
                s.passed, s.seeds);
  ck_assert_uint_eq(s.bytes_verified, 10ull * (4 << 20));
  ck_assert(s.lost > 0 && s.reordered > 0 && s.duplicated > 0 &&
            s.corrupted > 0);
}
END_TEST

/* Connections come and go; the heap does not grow after warm-up. */
START_TEST(test_soak_churn_5000_cycles_heap_stays_flat)
{
  struct soak_churn c = {.seed = 7, .cycles = 5000, .heap_bound = 64 * 1024};
  int r = soak_churn_run(&c);

  ck_assert_msg(r == 0, "seed %llu: %s after %u cycles (heap %zu -> %zu)",
                (unsigned long long)c.seed, c.why, c.completed, c.heap_warm,
                c.heap_max);
  ck_assert_uint_eq(c.completed, 5000);
}
END_TEST

/* 10,000 forged SYNs a second at backlog 128: the SYN queue recycles its
 * oldest entries, real clients get through, memory stays bounded. */
START_TEST(test_soak_syn_flood_2s_legitimate_clients_connect)
{
  struct soak_flood f = {.seed = 4987,
                         .seconds = 2,
                         .per_s = 10000,
                         .backlog = 128,
                         .legit_interval_ms = 50,
                         .heap_bound = 256 * 1024};
  int r = soak_flood_run(&f);

  ck_assert_msg(r == 0, "seed %llu: %s (%u of %u clients, %u TCBs)",
                (unsigned long long)f.seed, f.why, f.legit_completed,
                f.legit_started, f.max_server_tcbs);
  ck_assert_uint_eq(f.syns_sent, 20000);
  ck_assert_uint_eq(f.legit_started, 40);
  ck_assert_uint_gt(f.syn_evictions, 19000);
  ck_assert_uint_le(f.max_server_tcbs, 128 + 1 + 8);
}
END_TEST

Suite *
soak_suite(void)
{
  Suite *s = suite_create("soak");
  TCase *tc;

  tc = tcase_create("lossy");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_soak_lossy_4mib_identical_over_10_seeds);
  suite_add_tcase(s, tc);
  tc = tcase_create("churn");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_soak_churn_5000_cycles_heap_stays_flat);
  suite_add_tcase(s, tc);
  tc = tcase_create("flood");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_soak_syn_flood_2s_legitimate_clients_connect);
  suite_add_tcase(s, tc);
  return s;
}
