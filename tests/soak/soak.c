/* make soak: socklab's stack under load on the simulated link, at full
 * size, with figures (check_soak.c runs the same code reduced inside make
 * test).
 *
 *   soak    100 seeds of a 4 MiB transfer through 10% loss, 5% reordering,
 *           2% duplication, 1% corruption: every byte identical, no
 *           connection left on either host
 *   churn   100,000 connect / 1000 bytes each way / close cycles: the heap
 *           (mallinfo2) stays flat after warm-up
 *   flood   10,000 forged SYNs a second for 10 s of virtual time at a
 *           listener with backlog 128, from random addresses and ports,
 *           while a real client connects every 50 ms: every real client
 *           gets through, memory stays bounded
 *
 * soak [--seed N] [--seeds N] [--bytes N] [--cycles N] [--flood-s N]
 * Exits 1 when any of them fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "soaklib.h"

static double
now_s(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
kib(size_t b)
{
  return (double)b / 1024.0;
}

int
main(int argc, char **argv)
{
  uint64_t seed = 1;
  unsigned seeds = 100, cycles = 100000, flood_s = 10;
  uint64_t bytes = 4 << 20;
  int failed = 0;
  double t;

  for (int i = 1; i < argc; i++) {
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (v != NULL && strcmp(argv[i], "--seed") == 0)
      seed = strtoull(v, NULL, 0);
    else if (v != NULL && strcmp(argv[i], "--seeds") == 0)
      seeds = (unsigned)strtoul(v, NULL, 0);
    else if (v != NULL && strcmp(argv[i], "--bytes") == 0)
      bytes = strtoull(v, NULL, 0);
    else if (v != NULL && strcmp(argv[i], "--cycles") == 0)
      cycles = (unsigned)strtoul(v, NULL, 0);
    else if (v != NULL && strcmp(argv[i], "--flood-s") == 0)
      flood_s = (unsigned)strtoul(v, NULL, 0);
    else {
      fprintf(stderr,
              "usage: soak [--seed N] [--seeds N] [--bytes N] [--cycles N] "
              "[--flood-s N]\n");
      return 2;
    }
    i++;
  }
  printf("soak: seed %llu; peak RSS at start %.0f KiB\n",
         (unsigned long long)seed, kib(soak_peak_rss()));

  {
    struct soak_lossy s = {.first_seed = seed, .seeds = seeds, .bytes = bytes};
    t = now_s();
    failed |= soak_lossy_run(&s) != 0;
    t = now_s() - t;
    printf("%s - soak: %u of %u seeds (%llu..%llu) x %llu bytes through 10%% "
           "loss, 5%% reorder, 2%% dup, 1%% corrupt: %llu bytes verified, "
           "no connection left; wire: %llu lost, %llu reordered, %llu "
           "duplicated, %llu corrupted; longest run %.1f s virtual; "
           "%.2f s wall\n",
           s.passed == s.seeds ? "ok" : "not ok", s.passed, s.seeds,
           (unsigned long long)seed, (unsigned long long)(seed + seeds - 1),
           (unsigned long long)bytes, (unsigned long long)s.bytes_verified,
           (unsigned long long)s.lost, (unsigned long long)s.reordered,
           (unsigned long long)s.duplicated, (unsigned long long)s.corrupted,
           (double)s.max_virtual_us / 1e6, t);
    if (s.passed != s.seeds)
      printf("#   first failure: seed %llu: %s\n",
             (unsigned long long)s.failed_seed, strerror(-s.failed_error));
    printf("#   peak RSS %.0f KiB\n", kib(soak_peak_rss()));
  }

  {
    struct soak_churn c = {
        .seed = seed, .cycles = cycles, .heap_bound = 64 * 1024};
    size_t rss0 = soak_peak_rss();
    int r;
    t = now_s();
    r = soak_churn_run(&c);
    t = now_s() - t;
    failed |= r != 0;
    printf(
        "%s - churn: %u of %u connect/transfer/close cycles (seed %llu), "
        "%llu bytes verified, at most %u TCBs left between cycles; heap after "
        "warm-up %.1f KiB, largest later %.1f KiB (bound +%.0f KiB); "
        "peak RSS %.0f KiB before, %.0f KiB after; %.2f s wall\n",
        r == 0 ? "ok" : "not ok", c.completed, c.cycles,
        (unsigned long long)seed, (unsigned long long)c.bytes_verified,
        c.max_tcbs, kib(c.heap_warm), kib(c.heap_max), kib(c.heap_bound),
        kib(rss0), kib(soak_peak_rss()), t);
    printf("#   heap in use every %u cycles (KiB):", c.cycles / SOAK_SAMPLES);
    for (int i = 0; i < SOAK_SAMPLES; i++)
      printf(" %.1f", kib(c.heap[i]));
    printf("\n");
    if (r != 0)
      printf("#   %s\n", c.why);
  }

  {
    struct soak_flood f = {.seed = seed,
                           .seconds = flood_s,
                           .per_s = 10000,
                           .backlog = 128,
                           .legit_interval_ms = 50,
                           .heap_bound = 256 * 1024};
    size_t rss0 = soak_peak_rss();
    int r;
    t = now_s();
    r = soak_flood_run(&f);
    t = now_s() - t;
    failed |= r != 0;
    printf("%s - flood: %llu forged SYNs (%u/s for %u s virtual, seed %llu) "
           "at backlog %u: %u of %u legitimate clients got through (%llu "
           "bytes verified); %llu SYN-RECEIVED evicted, %llu dropped on a "
           "full accept queue; server held at most %u TCBs; heap %.1f KiB "
           "before, at most %.1f KiB (bound +%.0f KiB); peak RSS %.0f KiB "
           "before, %.0f KiB after; %.2f s wall\n",
           r == 0 ? "ok" : "not ok", (unsigned long long)f.syns_sent, f.per_s,
           f.seconds, (unsigned long long)seed, f.backlog, f.legit_completed,
           f.legit_started, (unsigned long long)f.bytes_verified,
           (unsigned long long)f.syn_evictions,
           (unsigned long long)f.listen_overflows, f.max_server_tcbs,
           kib(f.heap_before), kib(f.heap_max), kib(f.heap_bound), kib(rss0),
           kib(soak_peak_rss()), t);
    if (r != 0)
      printf("#   %s\n", f.why);
  }
  return failed ? 1 : 0;
}
