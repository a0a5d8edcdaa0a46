/* Soak, churn and flood runs of socklab's stack on the simulated link:
 * what `make soak` runs at full size (tests/soak/soak.c) and check_soak.c
 * runs reduced inside `make test`.  Every run is bounded in count and in
 * virtual time, takes a seed, and reports figures; none prints. */
#ifndef SOCKLAB_TEST_SOAKLIB_H
#define SOCKLAB_TEST_SOAKLIB_H

#include <stddef.h>
#include <stdint.h>

/* ---- lossy bulk transfers ------------------------------------------- */

struct soak_lossy {
  uint64_t first_seed; /* seeds first_seed .. first_seed + seeds - 1 */
  unsigned seeds;
  uint64_t bytes; /* per transfer */
  /* What happened. */
  unsigned passed;         /* identical, both sides closed, nothing left */
  uint64_t bytes_verified; /* bytes the server compared with the pattern */
  uint64_t failed_seed;    /* the first seed that failed, if any */
  int failed_error;        /* its error (negative errno) */
  uint64_t lost, reordered, duplicated, corrupted; /* on the wire, summed */
  uint64_t max_virtual_us; /* the longest run, TIME-WAIT included */
};

/* 10% loss, 5% reordering, 2% duplication, 1% corruption, 1 ms delay. */
int soak_lossy_run(struct soak_lossy *s);

/* ---- connection churn ------------------------------------------------ */

#define SOAK_SAMPLES 20

struct soak_churn {
  uint64_t seed;
  unsigned cycles;   /* connect, BYTES each way, close */
  size_t heap_bound; /* growth allowed after warm-up (10% of cycles) */
  /* What happened. */
  unsigned completed;
  uint64_t bytes_verified;
  size_t heap[SOAK_SAMPLES]; /* heap in use after each 1/SOAK_SAMPLES */
  size_t heap_warm;          /* after warm-up */
  size_t heap_max;           /* largest sample after warm-up */
  unsigned max_tcbs;         /* most connections both hosts held at once */
  const char *why;           /* NULL, or what failed */
};

int soak_churn_run(struct soak_churn *c);

/* ---- SYN flood ------------------------------------------------------- */

struct soak_flood {
  uint64_t seed;
  unsigned seconds;           /* of flood, in virtual time */
  unsigned per_s;             /* forged SYNs a second */
  unsigned backlog;           /* the listener's */
  unsigned legit_interval_ms; /* a real client connects this often */
  size_t heap_bound;          /* heap growth allowed over the whole flood */
  /* What happened. */
  uint64_t syns_sent;
  unsigned legit_started, legit_completed;
  uint64_t bytes_verified;
  unsigned max_server_tcbs;
  size_t heap_before, heap_max;
  uint64_t syn_evictions, listen_overflows;
  const char *why;
};

int soak_flood_run(struct soak_flood *f);

/* Heap in use now (mallinfo2: allocated and mmapped chunks), and the peak
 * resident set (VmHWM), in bytes. */
size_t soak_heap_in_use(void);
size_t soak_peak_rss(void);

#endif
