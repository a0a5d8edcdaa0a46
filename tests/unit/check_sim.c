/* Tests of the simulated link (lib/sim/sim.c) and the seeded generator
 * (lib/core/rng.c): routing, each fault with times computed by hand,
 * virtual time and node deadlines, and seed-for-seed reproducibility.
 * The nodes are fakes that log what reaches them. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "sim/sim.h"

Suite *sim_suite(void);

#define ADDR_A 0x0a000001u /* 10.0.0.1 */
#define ADDR_B 0x0a000002u /* 10.0.0.2 */
#define ADDR_C 0x0a000003u /* 10.0.0.3 */
#define ADDR_X 0x0a000063u /* 10.0.0.99, attached to nothing */

#define LOG_MAX  256  /* deliveries a fake keeps in full */
#define COPY_MAX 128  /* bytes of each it keeps */
#define BUF_MAX  2048 /* largest packet the helpers build */
#define TAG_OFF  20   /* where a test packet carries its number */
#define MBIT     UINT64_C(1000000)

/* ---- fake nodes -------------------------------------------------------- */

struct rx {
  uint64_t at_us;
  size_t len;
  uint8_t data[COPY_MAX];
};

struct fake {
  struct sl__sim *sim;
  uint32_t addr;
  uint32_t n_rx;         /* deliveries, all of them */
  struct rx rx[LOG_MAX]; /* the first LOG_MAX */
  uint64_t hash;         /* FNV-1a over (time, length, bytes) of all */
  uint64_t deadline_us;  /* what next_deadline() answers */
  uint64_t period_us;    /* poll() re-arms the deadline this far ahead */
  int sticky;            /* poll() leaves the deadline alone (a bug) */
  uint32_t n_poll;
  uint64_t poll_at[LOG_MAX];
  uint64_t last_us;  /* time of the latest callback */
  int went_back;     /* a callback saw time earlier than the one before */
  int echo;          /* input() sends the packet back to its source */
  uint32_t send_to;  /* poll() sends a packet here when non-zero */
  uint32_t n_sent;   /* packets sent by poll() so far */
  uint32_t send_max; /* poll() stops sending after this many */
  int in_input;      /* inside input() right now */
  int recursed;      /* input() was entered while already inside */
  const struct fake *watch; /* a node whose input() must not be running */
  int overlapped;           /* input() ran while watch was inside its input() */
  int probe_busy;           /* input() tries to re-enter the sim */
  int probe_step, probe_run_until, probe_run;
};

static void
store_be32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static uint32_t
load_be32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         (uint32_t)p[3];
}

static uint64_t
fnv(uint64_t h, const void *data, size_t len)
{
  const uint8_t *p = data;

  for (size_t i = 0; i < len; i++)
    h = (h ^ p[i]) * UINT64_C(0x100000001b3);
  return h;
}

/* An IPv4-shaped packet: only the addresses matter to the sim; the tag
 * lets a test tell packets apart. */
static void
make_pkt(uint8_t *buf, size_t len, uint32_t src, uint32_t dst, uint32_t tag)
{
  memset(buf, 0, len);
  buf[0] = 0x45;
  store_be32(buf + 12, src);
  store_be32(buf + 16, dst);
  if (len >= TAG_OFF + 4)
    store_be32(buf + TAG_OFF, tag);
}

static void
send_tagged(struct sl__sim *net, uint32_t src, uint32_t dst, size_t len,
            uint32_t tag)
{
  uint8_t buf[BUF_MAX];

  ck_assert_uint_le(len, sizeof buf);
  make_pkt(buf, len, src, dst, tag);
  sl__sim_send(net, src, buf, len);
}

static uint32_t
tag_of(const struct rx *r)
{
  return load_be32(r->data + TAG_OFF);
}

static void
note_time(struct fake *f, uint64_t now_us)
{
  if (now_us < f->last_us)
    f->went_back = 1;
  f->last_us = now_us;
}

static void
fake_input(void *node, const uint8_t *pkt, size_t len, uint64_t now_us)
{
  struct fake *f = node;

  note_time(f, now_us);
  if (f->in_input)
    f->recursed = 1;
  if (f->watch != NULL && f->watch->in_input)
    f->overlapped = 1;
  f->in_input = 1;
  if (f->n_rx < LOG_MAX) {
    struct rx *r = &f->rx[f->n_rx];

    r->at_us = now_us;
    r->len = len;
    memcpy(r->data, pkt, len < COPY_MAX ? len : COPY_MAX);
  }
  f->n_rx++;
  f->hash = fnv(f->hash, &now_us, sizeof now_us);
  f->hash = fnv(f->hash, &len, sizeof len);
  f->hash = fnv(f->hash, pkt, len);
  if (f->probe_busy) {
    f->probe_step = sl__sim_step(f->sim);
    f->probe_run_until = sl__sim_run_until(f->sim, now_us + 10);
    f->probe_run = sl__sim_run(f->sim, NULL, NULL, 10);
  }
  if (f->echo && len <= BUF_MAX && len >= SL__SIM_MIN_PKT) {
    uint8_t buf[BUF_MAX];

    memcpy(buf, pkt, len);
    memcpy(buf + 16, pkt + 12, 4);
    memcpy(buf + 12, pkt + 16, 4);
    sl__sim_send(f->sim, f->addr, buf, len);
  }
  f->in_input = 0;
}

static void
fake_poll(void *node, uint64_t now_us)
{
  struct fake *f = node;

  note_time(f, now_us);
  if (f->n_poll < LOG_MAX)
    f->poll_at[f->n_poll] = now_us;
  f->n_poll++;
  if (f->send_to != 0 && f->n_sent < f->send_max) {
    /* Lengths vary so that the rate limit has something to do. */
    send_tagged(f->sim, f->addr, f->send_to, 40 + (f->n_sent * 37) % 1400,
                f->n_sent);
    f->n_sent++;
  }
  if (f->sticky)
    return;
  f->deadline_us = f->period_us ? now_us + f->period_us : SL__TIME_NEVER;
}

static uint64_t
fake_deadline(void *node)
{
  const struct fake *f = node;

  return f->deadline_us;
}

static const struct sl__sim_node_ops fake_ops = {
    .input = fake_input,
    .poll = fake_poll,
    .next_deadline = fake_deadline,
};

static void
fake_init(struct fake *f, struct sl__sim *net, uint32_t addr)
{
  memset(f, 0, sizeof *f);
  f->sim = net;
  f->addr = addr;
  f->hash = UINT64_C(0xcbf29ce484222325);
  f->deadline_us = SL__TIME_NEVER;
  ck_assert_int_eq(sl__sim_attach(net, addr, &fake_ops, f), 0);
}

/* ---- the fixture: a sim with three nodes A, B, C ------------------------ */

static struct sl__sim *sim;
static struct fake a, b, c;

static void
setup(void)
{
  sim = sl__sim_new(1);
  ck_assert_ptr_nonnull(sim);
  fake_init(&a, sim, ADDR_A);
  fake_init(&b, sim, ADDR_B);
  fake_init(&c, sim, ADDR_C);
}

/* Freeing with packets still in flight is part of every test: under
 * ASan, anything left behind is reported as a leak. */
static void
teardown(void)
{
  sl__sim_free(sim);
  sim = NULL;
}

static void
set_faults(const struct sl__sim_faults *f)
{
  ck_assert_int_eq(sl__sim_set_faults(sim, f), 0);
}

static struct sl__sim_counters
stats(void)
{
  struct sl__sim_counters st;

  sl__sim_stats(sim, &st);
  return st;
}

static void
drain(void)
{
  int guard = 0;

  while (sl__sim_step(sim) == 1)
    ck_assert_int_lt(++guard, 10000000);
}

/* A tap that writes the events down. */
struct tap_log {
  int n;
  int event[64];
  uint32_t from[64], to[64];
  uint64_t at_us[64];
  size_t len[64];
};

static void
tap_record(void *arg, uint64_t now_us, uint32_t from, uint32_t to,
           const uint8_t *pkt, size_t len, int event)
{
  struct tap_log *log = arg;

  (void)pkt;
  if (log->n < 64) {
    log->event[log->n] = event;
    log->from[log->n] = from;
    log->to[log->n] = to;
    log->at_us[log->n] = now_us;
    log->len[log->n] = len;
    log->n++;
  }
}

/* ---- delivery ----------------------------------------------------------- */

START_TEST(test_delivery_destination_reaches_only_that_node)
{
  uint8_t pkt[60];

  make_pkt(pkt, sizeof pkt, ADDR_A, ADDR_C, 7);
  sl__sim_send(sim, ADDR_A, pkt, sizeof pkt);
  ck_assert_uint_eq(sl__sim_pending(sim), 1);
  ck_assert_int_eq(sl__sim_step(sim), 1);
  ck_assert_uint_eq(c.n_rx, 1);
  ck_assert_uint_eq(b.n_rx, 0);
  ck_assert_uint_eq(a.n_rx, 0);
  ck_assert_uint_eq(c.rx[0].len, sizeof pkt);
  ck_assert_mem_eq(c.rx[0].data, pkt, sizeof pkt);
  ck_assert_uint_eq(c.rx[0].at_us, 0);
  ck_assert_int_eq(sl__sim_step(sim), 0);
  ck_assert_uint_eq(stats().sent, 1);
  ck_assert_uint_eq(stats().delivered, 1);
  ck_assert_uint_eq(stats().bytes_delivered, sizeof pkt);
}
END_TEST

START_TEST(test_delivery_unknown_destination_dropped_no_route)
{
  send_tagged(sim, ADDR_A, ADDR_X, 40, 1);
  ck_assert_uint_eq(sl__sim_pending(sim), 0);
  ck_assert_int_eq(sl__sim_step(sim), 0);
  ck_assert_uint_eq(a.n_rx + b.n_rx + c.n_rx, 0);
  ck_assert_uint_eq(stats().drop_no_route, 1);
  ck_assert_uint_eq(stats().delivered, 0);
}
END_TEST

START_TEST(test_delivery_short_packet_dropped_short)
{
  uint8_t pkt[SL__SIM_MIN_PKT];

  make_pkt(pkt, sizeof pkt, ADDR_A, ADDR_B, 0);
  sl__sim_send(sim, ADDR_A, NULL, 0);
  sl__sim_send(sim, ADDR_A, NULL, 100); /* garbage: no bytes at all */
  sl__sim_send(sim, ADDR_A, pkt, sizeof pkt - 1);
  ck_assert_uint_eq(stats().drop_short, 3);
  ck_assert_uint_eq(sl__sim_pending(sim), 0);
  /* Exactly a header's worth is routable. */
  sl__sim_send(sim, ADDR_A, pkt, sizeof pkt);
  drain();
  ck_assert_uint_eq(b.n_rx, 1);
  ck_assert_uint_eq(stats().drop_short, 3);
}
END_TEST

START_TEST(test_delivery_send_from_input_queued_not_recursive)
{
  b.echo = 1;
  a.watch = &b;
  send_tagged(sim, ADDR_A, ADDR_B, 40, 5);
  ck_assert_int_eq(sl__sim_step(sim), 1);
  /* B answered inside input(); the answer must wait for the next step. */
  ck_assert_uint_eq(b.n_rx, 1);
  ck_assert_uint_eq(a.n_rx, 0);
  ck_assert_uint_eq(sl__sim_pending(sim), 1);
  ck_assert_int_eq(sl__sim_step(sim), 1);
  ck_assert_uint_eq(a.n_rx, 1);
  ck_assert_int_eq(a.overlapped, 0);
  ck_assert_int_eq(b.recursed, 0);
  ck_assert_uint_eq(load_be32(a.rx[0].data + 16), ADDR_A);
  ck_assert_uint_eq(tag_of(&a.rx[0]), 5);
}
END_TEST

START_TEST(test_delivery_packet_copied_at_send)
{
  uint8_t pkt[40];

  make_pkt(pkt, sizeof pkt, ADDR_A, ADDR_B, 1);
  sl__sim_send(sim, ADDR_A, pkt, sizeof pkt);
  memset(pkt + TAG_OFF, 0xff, 4);
  drain();
  ck_assert_uint_eq(b.n_rx, 1);
  ck_assert_uint_eq(tag_of(&b.rx[0]), 1);
}
END_TEST

START_TEST(test_delivery_attach_bad_arguments_rejected)
{
  struct fake d;
  static const struct sl__sim_node_ops no_input = {.poll = fake_poll};
  static const struct sl__sim_node_ops deadline_no_poll = {
      .input = fake_input, .next_deadline = fake_deadline};
  static const struct sl__sim_node_ops input_only = {.input = fake_input};

  ck_assert_int_eq(sl__sim_attach(sim, ADDR_A, &fake_ops, &d), -EEXIST);
  ck_assert_int_eq(sl__sim_attach(sim, ADDR_X, NULL, &d), -EINVAL);
  ck_assert_int_eq(sl__sim_attach(sim, ADDR_X, &no_input, &d), -EINVAL);
  ck_assert_int_eq(sl__sim_attach(sim, ADDR_X, &deadline_no_poll, &d), -EINVAL);
  /* A node without timers needs only input(). */
  memset(&d, 0, sizeof d);
  ck_assert_int_eq(sl__sim_attach(sim, ADDR_X, &input_only, &d), 0);
  send_tagged(sim, ADDR_A, ADDR_X, 40, 3);
  drain();
  ck_assert_uint_eq(d.n_rx, 1);
}
END_TEST

START_TEST(test_delivery_tap_reports_each_event)
{
  struct tap_log log = {0};
  struct sl__sim_faults f = {.delay_us = 10};

  set_faults(&f);
  sl__sim_set_tap(sim, tap_record, &log);
  send_tagged(sim, ADDR_A, ADDR_B, 44, 1);
  send_tagged(sim, ADDR_A, ADDR_X, 44, 2);
  drain();
  ck_assert_int_eq(log.n, 4);
  ck_assert_int_eq(log.event[0], SL__SIM_SENT);
  ck_assert_int_eq(log.event[1], SL__SIM_SENT);
  ck_assert_int_eq(log.event[2], SL__SIM_DROP_NO_ROUTE);
  ck_assert_uint_eq(log.to[2], ADDR_X);
  ck_assert_int_eq(log.event[3], SL__SIM_DELIVERED);
  ck_assert_uint_eq(log.from[3], ADDR_A);
  ck_assert_uint_eq(log.to[3], ADDR_B);
  ck_assert_uint_eq(log.at_us[3], 10);
  ck_assert_uint_eq(log.len[3], 44);
  ck_assert_str_eq(sl__sim_event_name(SL__SIM_DROP_NO_ROUTE), "drop-no-route");
  ck_assert_str_eq(sl__sim_event_name(SL__SIM_EVENT_COUNT), "?");
  for (int e = 0; e < SL__SIM_EVENT_COUNT; e++)
    ck_assert_str_ne(sl__sim_event_name(e), "?");
  /* Removing the tap stops the reports. */
  sl__sim_set_tap(sim, NULL, NULL);
  send_tagged(sim, ADDR_A, ADDR_B, 44, 3);
  drain();
  ck_assert_int_eq(log.n, 4);
}
END_TEST

START_TEST(test_delivery_pair_stats_count_each_direction)
{
  struct sl__sim_counters ab, ba, ca;

  for (uint32_t i = 0; i < 3; i++)
    send_tagged(sim, ADDR_A, ADDR_B, 100, i);
  send_tagged(sim, ADDR_B, ADDR_A, 50, 9);
  drain();
  ck_assert_int_eq(sl__sim_pair_stats(sim, ADDR_A, ADDR_B, &ab), 0);
  ck_assert_int_eq(sl__sim_pair_stats(sim, ADDR_B, ADDR_A, &ba), 0);
  ck_assert_uint_eq(ab.sent, 3);
  ck_assert_uint_eq(ab.delivered, 3);
  ck_assert_uint_eq(ab.bytes_delivered, 300);
  ck_assert_uint_eq(ba.delivered, 1);
  ck_assert_uint_eq(ba.bytes_sent, 50);
  ca.sent = 77;
  ck_assert_int_eq(sl__sim_pair_stats(sim, ADDR_C, ADDR_A, &ca), -ENOENT);
  ck_assert_uint_eq(ca.sent, 0);
}
END_TEST

START_TEST(test_delivery_many_nodes_each_gets_its_own)
{
  enum { N = 300 };
  struct fake *many = calloc(N, sizeof *many);

  ck_assert_ptr_nonnull(many);
  for (uint32_t i = 0; i < N; i++)
    fake_init(&many[i], sim, 0xc0a80000u + i); /* 192.168.0.0 + i */
  for (uint32_t i = 0; i < N; i++)
    send_tagged(sim, ADDR_A, 0xc0a80000u + i, 40, i);
  drain();
  for (uint32_t i = 0; i < N; i++) {
    ck_assert_uint_eq(many[i].n_rx, 1);
    ck_assert_uint_eq(tag_of(&many[i].rx[0]), i);
  }
  free(many);
}
END_TEST

/* ---- faults ------------------------------------------------------------- */

START_TEST(test_faults_delay_delivers_at_exact_time)
{
  struct sl__sim_faults f = {.delay_us = 5000};

  set_faults(&f);
  send_tagged(sim, ADDR_A, ADDR_B, 40, 1);
  ck_assert_int_eq(sl__sim_run_until(sim, 4999), 0);
  ck_assert_uint_eq(b.n_rx, 0);
  ck_assert_int_eq(sl__sim_step(sim), 1);
  ck_assert_uint_eq(sl__sim_now(sim), 5000);
  ck_assert_uint_eq(b.rx[0].at_us, 5000);
  ck_assert_int_eq(sl__sim_run_until(sim, 7000), 0);
  send_tagged(sim, ADDR_A, ADDR_B, 40, 2);
  drain();
  ck_assert_uint_eq(b.rx[1].at_us, 12000);
}
END_TEST

/* 8 Mbit/s is one byte per microsecond, so 1000 bytes take 1000 us. */
START_TEST(test_faults_rate_serialises_back_to_back)
{
  struct sl__sim_faults f = {.delay_us = 100, .rate_bps = 8 * MBIT};

  set_faults(&f);
  for (uint32_t i = 0; i < 3; i++)
    send_tagged(sim, ADDR_A, ADDR_B, 1000, i);
  drain();
  ck_assert_uint_eq(b.n_rx, 3);
  ck_assert_uint_eq(b.rx[0].at_us, 1100);
  ck_assert_uint_eq(b.rx[1].at_us, 2100);
  ck_assert_uint_eq(b.rx[2].at_us, 3100);
  /* An idle transmitter starts at once. */
  ck_assert_int_ge(sl__sim_run_until(sim, 10000), 0);
  send_tagged(sim, ADDR_A, ADDR_B, 500, 3);
  drain();
  ck_assert_uint_eq(b.rx[3].at_us, 10600);
  /* Each direction has its own transmitter. */
  send_tagged(sim, ADDR_A, ADDR_B, 1000, 4);
  send_tagged(sim, ADDR_B, ADDR_A, 1000, 5);
  drain();
  ck_assert_uint_eq(b.rx[4].at_us, 11700);
  ck_assert_uint_eq(a.rx[0].at_us, 11700);
}
END_TEST

/* 1500 bytes at 10 Gbit/s take 1.2 us: the k-th packet's last bit leaves
 * at 1.2k us and arrives at the next whole microsecond.  Rounding each
 * packet up on its own would give 2k us instead. */
START_TEST(test_faults_rate_keeps_sub_microsecond_time)
{
  static const uint64_t want[10] = {2, 3, 4, 5, 6, 8, 9, 10, 11, 12};
  struct sl__sim_faults f = {.rate_bps = 10000 * MBIT};

  set_faults(&f);
  for (uint32_t i = 0; i < 10; i++)
    send_tagged(sim, ADDR_A, ADDR_B, 1500, i);
  drain();
  ck_assert_uint_eq(b.n_rx, 10);
  for (int i = 0; i < 10; i++)
    ck_assert_uint_eq(b.rx[i].at_us, want[i]);
}
END_TEST

START_TEST(test_faults_loss_one_drops_everything)
{
  struct sl__sim_faults f = {.loss = 1.0};

  set_faults(&f);
  for (uint32_t i = 0; i < 1000; i++)
    send_tagged(sim, ADDR_A, ADDR_B, 40, i);
  drain();
  ck_assert_uint_eq(b.n_rx, 0);
  ck_assert_uint_eq(stats().drop_loss, 1000);
}
END_TEST

START_TEST(test_faults_loss_zero_drops_nothing)
{
  struct sl__sim_faults f = {.loss = 0.0, .delay_us = 3};

  set_faults(&f);
  for (uint32_t i = 0; i < 1000; i++)
    send_tagged(sim, ADDR_A, ADDR_B, 40, i);
  drain();
  ck_assert_uint_eq(b.n_rx, 1000);
  ck_assert_uint_eq(stats().drop_loss, 0);
}
END_TEST

/* Binomial(10000, 0.1): mean 1000, standard deviation 30.  The band is
 * six deviations wide each side; a correct sim leaves it with probability
 * about 2e-9, a sim that ignores or doubles the rate never enters it. */
START_TEST(test_faults_loss_tenth_within_band)
{
  struct sl__sim_faults f = {.loss = 0.1};

  set_faults(&f);
  for (uint32_t i = 0; i < 10000; i++)
    send_tagged(sim, ADDR_A, ADDR_B, 40, i);
  drain();
  ck_assert_uint_ge(stats().drop_loss, 820);
  ck_assert_uint_le(stats().drop_loss, 1180);
  ck_assert_uint_eq(b.n_rx + stats().drop_loss, 10000);
}
END_TEST

START_TEST(test_faults_dup_delivers_two_identical_copies)
{
  struct sl__sim_faults f = {.dup = 1.0, .delay_us = 50};
  uint8_t pkt[64];

  set_faults(&f);
  make_pkt(pkt, sizeof pkt, ADDR_A, ADDR_B, 11);
  sl__sim_send(sim, ADDR_A, pkt, sizeof pkt);
  drain();
  ck_assert_uint_eq(b.n_rx, 2);
  ck_assert_mem_eq(b.rx[0].data, pkt, sizeof pkt);
  ck_assert_mem_eq(b.rx[1].data, pkt, sizeof pkt);
  ck_assert_uint_eq(b.rx[0].at_us, 50);
  ck_assert_uint_eq(b.rx[1].at_us, 51);
  ck_assert_uint_eq(stats().duplicated, 1);
  ck_assert_uint_eq(stats().delivered, 2);
}
END_TEST

START_TEST(test_faults_corrupt_flips_exactly_one_bit)
{
  enum { N = 200, LEN = 100 };
  struct sl__sim_faults f = {.corrupt = 1.0};
  uint8_t pkt[LEN];
  static uint8_t seen[LEN * 8];
  int distinct = 0;

  set_faults(&f);
  make_pkt(pkt, sizeof pkt, ADDR_A, ADDR_B, 0);
  for (int i = 0; i < N; i++)
    sl__sim_send(sim, ADDR_A, pkt, sizeof pkt);
  drain();
  ck_assert_uint_eq(b.n_rx, N);
  ck_assert_uint_eq(stats().corrupted, N);
  for (int i = 0; i < N; i++) {
    int flipped = 0, where = -1;

    for (int j = 0; j < LEN; j++) {
      uint8_t x = b.rx[i].data[j] ^ pkt[j];

      for (int k = 0; k < 8; k++)
        if (x & (1u << k)) {
          flipped++;
          where = j * 8 + k;
        }
    }
    ck_assert_int_eq(flipped, 1);
    if (where >= 0 && !seen[where]++)
      distinct++;
  }
  /* 200 draws from 800 bits hit about 177 different ones. */
  ck_assert_int_ge(distinct, 100);
}
END_TEST

START_TEST(test_faults_reorder_later_packet_overtakes)
{
  struct sl__sim_faults held = {.reorder = 1.0, .delay_us = 100};
  struct sl__sim_faults plain = {.delay_us = 100};

  ck_assert_int_eq(sl__sim_set_pair_faults(sim, ADDR_A, ADDR_B, &held), 0);
  send_tagged(sim, ADDR_A, ADDR_B, 40, 1);
  ck_assert_int_eq(sl__sim_set_pair_faults(sim, ADDR_A, ADDR_B, &plain), 0);
  send_tagged(sim, ADDR_A, ADDR_B, 40, 2);
  drain();
  ck_assert_uint_eq(b.n_rx, 2);
  ck_assert_uint_eq(tag_of(&b.rx[0]), 2);
  ck_assert_uint_eq(b.rx[0].at_us, 100);
  ck_assert_uint_eq(tag_of(&b.rx[1]), 1);
  ck_assert_uint_eq(b.rx[1].at_us, 400); /* held 3 * delay by default */
  ck_assert_uint_eq(stats().reordered, 1);
}
END_TEST

START_TEST(test_faults_reorder_hold_time_configurable)
{
  struct sl__sim_faults no_delay = {.reorder = 1.0};
  struct sl__sim_faults chosen = {.reorder = 1.0, .reorder_delay_us = 250};

  set_faults(&no_delay);
  send_tagged(sim, ADDR_A, ADDR_B, 40, 1);
  drain();
  ck_assert_uint_eq(b.rx[0].at_us, 1000);
  set_faults(&chosen);
  send_tagged(sim, ADDR_A, ADDR_B, 40, 2);
  drain();
  ck_assert_uint_eq(b.rx[1].at_us, 1250);
}
END_TEST

START_TEST(test_faults_mtu_drops_oversize)
{
  struct sl__sim_faults f = {.mtu = 576};
  uint8_t *big = calloc(1, SL__SIM_MAX_PKT + 1);

  ck_assert_ptr_nonnull(big);
  set_faults(&f);
  send_tagged(sim, ADDR_A, ADDR_B, 577, 1);
  send_tagged(sim, ADDR_A, ADDR_B, 576, 2);
  drain();
  ck_assert_uint_eq(b.n_rx, 1);
  ck_assert_uint_eq(tag_of(&b.rx[0]), 2);
  ck_assert_uint_eq(stats().drop_mtu, 1);
  /* With no MTU set, IPv4's own limit still holds. */
  f.mtu = 0;
  set_faults(&f);
  make_pkt(big, SL__SIM_MAX_PKT + 1, ADDR_A, ADDR_B, 3);
  sl__sim_send(sim, ADDR_A, big, SL__SIM_MAX_PKT + 1);
  sl__sim_send(sim, ADDR_A, big, SL__SIM_MAX_PKT);
  drain();
  ck_assert_uint_eq(b.n_rx, 2);
  ck_assert_uint_eq(b.rx[1].len, SL__SIM_MAX_PKT);
  ck_assert_uint_eq(stats().drop_mtu, 2);
  free(big);
}
END_TEST

/* One byte per microsecond, room for four packets in the queue. */
START_TEST(test_faults_queue_full_drops_tail)
{
  struct sl__sim_faults f = {.rate_bps = 8 * MBIT, .queue_limit = 4};

  set_faults(&f);
  for (uint32_t i = 1; i <= 6; i++)
    send_tagged(sim, ADDR_A, ADDR_B, 1000, i);
  ck_assert_uint_eq(stats().drop_queue_full, 2);
  /* At 1000 us the first packet has left, making room for one. */
  ck_assert_int_ge(sl__sim_run_until(sim, 1000), 0);
  send_tagged(sim, ADDR_A, ADDR_B, 1000, 7);
  send_tagged(sim, ADDR_A, ADDR_B, 1000, 8);
  ck_assert_uint_eq(stats().drop_queue_full, 3);
  drain();
  ck_assert_uint_eq(b.n_rx, 5);
  for (uint32_t i = 0; i < 4; i++)
    ck_assert_uint_eq(tag_of(&b.rx[i]), i + 1);
  ck_assert_uint_eq(tag_of(&b.rx[4]), 7);
  ck_assert_uint_eq(b.rx[4].at_us, 5000);
}
END_TEST

START_TEST(test_faults_queue_default_limit_applies)
{
  struct sl__sim_faults f = {.rate_bps = 8 * MBIT};

  set_faults(&f);
  for (uint32_t i = 0; i < SL__SIM_QUEUE_DEFAULT + 5; i++)
    send_tagged(sim, ADDR_A, ADDR_B, 40, i);
  ck_assert_uint_eq(stats().drop_queue_full, 5);
  drain();
  ck_assert_uint_eq(b.n_rx, SL__SIM_QUEUE_DEFAULT);
}
END_TEST

/* A packet lost on the wire was transmitted first: it still delays the
 * packet queued behind it. */
START_TEST(test_faults_lost_packet_still_uses_the_wire)
{
  struct sl__sim_faults lossy = {.loss = 1.0, .rate_bps = 8 * MBIT};
  struct sl__sim_faults clean = {.rate_bps = 8 * MBIT};

  ck_assert_int_eq(sl__sim_set_pair_faults(sim, ADDR_A, ADDR_B, &lossy), 0);
  send_tagged(sim, ADDR_A, ADDR_B, 1000, 1);
  ck_assert_int_eq(sl__sim_set_pair_faults(sim, ADDR_A, ADDR_B, &clean), 0);
  send_tagged(sim, ADDR_A, ADDR_B, 1000, 2);
  drain();
  ck_assert_uint_eq(b.n_rx, 1);
  ck_assert_uint_eq(b.rx[0].at_us, 2000);
}
END_TEST

START_TEST(test_faults_pair_override_one_direction_only)
{
  struct sl__sim_faults dead = {.loss = 1.0};
  struct sl__sim_faults got;

  ck_assert_int_eq(sl__sim_set_pair_faults(sim, ADDR_A, ADDR_B, &dead), 0);
  sl__sim_get_faults(sim, ADDR_A, ADDR_B, &got);
  ck_assert(got.loss == 1.0);
  sl__sim_get_faults(sim, ADDR_B, ADDR_A, &got);
  ck_assert(got.loss == 0.0);
  send_tagged(sim, ADDR_A, ADDR_B, 40, 1);
  send_tagged(sim, ADDR_B, ADDR_A, 40, 2);
  send_tagged(sim, ADDR_A, ADDR_C, 40, 3);
  drain();
  ck_assert_uint_eq(b.n_rx, 0);
  ck_assert_uint_eq(a.n_rx, 1);
  ck_assert_uint_eq(c.n_rx, 1);
  /* Removing the override brings back the sim-wide faults. */
  ck_assert_int_eq(sl__sim_set_pair_faults(sim, ADDR_A, ADDR_B, NULL), 0);
  send_tagged(sim, ADDR_A, ADDR_B, 40, 4);
  drain();
  ck_assert_uint_eq(b.n_rx, 1);
}
END_TEST

START_TEST(test_faults_jitter_bounded_and_in_order)
{
  struct sl__sim_faults f = {.delay_us = 1000, .jitter_us = 500};
  static uint8_t seen[501];
  int distinct = 0;

  set_faults(&f);
  /* Spaced out: each packet sees delay plus its own jitter. */
  for (uint32_t i = 0; i < 100; i++) {
    uint64_t sent_us = sl__sim_now(sim);
    uint64_t d;

    send_tagged(sim, ADDR_A, ADDR_B, 40, i);
    drain();
    ck_assert_uint_eq(b.n_rx, i + 1);
    d = b.rx[i].at_us - sent_us;
    ck_assert_uint_ge(d, 1000);
    ck_assert_uint_le(d, 1500);
    if (!seen[d - 1000]++)
      distinct++;
    ck_assert_int_ge(sl__sim_run_until(sim, sent_us + 2000), 0);
  }
  ck_assert_int_ge(distinct, 50);
  /* A burst: jitter must not let a later packet overtake. */
  b.n_rx = 0;
  for (uint32_t i = 0; i < 100; i++)
    send_tagged(sim, ADDR_A, ADDR_B, 40, i);
  drain();
  ck_assert_uint_eq(b.n_rx, 100);
  for (uint32_t i = 0; i < 100; i++)
    ck_assert_uint_eq(tag_of(&b.rx[i]), i);
  ck_assert_uint_eq(stats().reordered, 0);
}
END_TEST

START_TEST(test_faults_invalid_probability_rejected)
{
  struct sl__sim_faults good = {.loss = 0.25};
  struct sl__sim_faults bad[] = {
      {.loss = 1.5},  {.loss = -0.1},  {.dup = NAN},
      {.corrupt = 2}, {.reorder = -1},
  };
  struct sl__sim_faults got;

  set_faults(&good);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ck_assert_int_eq(sl__sim_set_faults(sim, &bad[i]), -EINVAL);
    ck_assert_int_eq(sl__sim_set_pair_faults(sim, ADDR_A, ADDR_B, &bad[i]),
                     -EINVAL);
  }
  ck_assert_int_eq(sl__sim_set_faults(sim, NULL), -EINVAL);
  sl__sim_get_faults(sim, ADDR_A, ADDR_B, &got);
  ck_assert(got.loss == 0.25);
}
END_TEST

/* ---- time --------------------------------------------------------------- */

START_TEST(test_time_deadline_polled_at_exact_time)
{
  a.deadline_us = 2500;
  ck_assert_uint_eq(sl__sim_next_event(sim), 2500);
  ck_assert_int_eq(sl__sim_step(sim), 1);
  ck_assert_uint_eq(sl__sim_now(sim), 2500);
  ck_assert_uint_eq(a.n_poll, 1);
  ck_assert_uint_eq(a.poll_at[0], 2500);
  ck_assert_uint_eq(b.n_poll, 0);
  ck_assert_int_eq(sl__sim_step(sim), 0);
}
END_TEST

START_TEST(test_time_only_due_nodes_polled)
{
  a.deadline_us = 100;
  b.deadline_us = 200;
  c.deadline_us = 100;
  ck_assert_int_eq(sl__sim_step(sim), 1);
  ck_assert_uint_eq(a.n_poll, 1);
  ck_assert_uint_eq(b.n_poll, 0);
  ck_assert_uint_eq(c.n_poll, 1);
  ck_assert_int_eq(sl__sim_step(sim), 1);
  ck_assert_uint_eq(b.n_poll, 1);
  ck_assert_uint_eq(b.poll_at[0], 200);
  ck_assert_uint_eq(a.n_poll, 1);
}
END_TEST

START_TEST(test_time_past_deadline_runs_now_not_backwards)
{
  ck_assert_int_eq(sl__sim_run_until(sim, 1000), 0);
  a.deadline_us = 10;
  ck_assert_int_eq(sl__sim_step(sim), 1);
  ck_assert_uint_eq(a.poll_at[0], 1000);
  ck_assert_uint_eq(sl__sim_now(sim), 1000);
}
END_TEST

/* A node that never clears its deadline must not hang the loop: it is
 * polled once per virtual microsecond. */
START_TEST(test_time_stuck_deadline_advances_each_us)
{
  a.deadline_us = 0;
  a.sticky = 1;
  ck_assert_int_eq(sl__sim_run(sim, NULL, NULL, 10), 0);
  ck_assert_uint_eq(sl__sim_now(sim), 10);
  ck_assert_uint_eq(a.n_poll, 11);
  for (uint32_t i = 0; i < 11; i++)
    ck_assert_uint_eq(a.poll_at[i], i);
}
END_TEST

START_TEST(test_time_delivery_before_timer_on_tie)
{
  struct sl__sim_faults f = {.delay_us = 100};

  set_faults(&f);
  send_tagged(sim, ADDR_A, ADDR_B, 40, 1);
  b.deadline_us = 100;
  ck_assert_int_eq(sl__sim_step(sim), 1);
  ck_assert_uint_eq(b.n_rx, 1);
  ck_assert_uint_eq(b.n_poll, 0);
  ck_assert_int_eq(sl__sim_step(sim), 1);
  ck_assert_uint_eq(b.n_poll, 1);
  ck_assert_uint_eq(b.poll_at[0], 100);
}
END_TEST

START_TEST(test_time_never_goes_backwards)
{
  struct sl__sim_faults f = {
      .delay_us = 30, .jitter_us = 20, .reorder = 0.2, .dup = 0.2};
  uint64_t last = 0;
  int steps = 0;

  set_faults(&f);
  a.deadline_us = 0;
  a.period_us = 70;
  a.send_to = ADDR_B;
  a.send_max = 100;
  b.echo = 1;
  c.deadline_us = 35;
  c.period_us = 45;
  while (sl__sim_now(sim) < 10000) {
    ck_assert_int_eq(sl__sim_step(sim), 1);
    ck_assert_uint_ge(sl__sim_now(sim), last);
    last = sl__sim_now(sim);
    steps++;
  }
  ck_assert_int_gt(steps, 400);
  ck_assert_uint_gt(b.n_rx, 50);
  ck_assert_int_eq(a.went_back, 0);
  ck_assert_int_eq(b.went_back, 0);
  ck_assert_int_eq(c.went_back, 0);
}
END_TEST

START_TEST(test_time_run_until_runs_due_events_and_sets_now)
{
  struct sl__sim_faults f = {.delay_us = 100};

  set_faults(&f);
  send_tagged(sim, ADDR_A, ADDR_B, 40, 1); /* due at 100 */
  ck_assert_int_eq(sl__sim_run_until(sim, 50), 0);
  ck_assert_uint_eq(sl__sim_now(sim), 50);
  send_tagged(sim, ADDR_A, ADDR_B, 40, 2); /* due at 150 */
  ck_assert_int_eq(sl__sim_run_until(sim, 100), 1);
  ck_assert_uint_eq(b.n_rx, 1);
  ck_assert_uint_eq(sl__sim_now(sim), 100);
  ck_assert_int_eq(sl__sim_run_until(sim, 149), 0);
  ck_assert_uint_eq(b.n_rx, 1);
  ck_assert_int_eq(sl__sim_run_until(sim, 150), 1);
  ck_assert_uint_eq(b.n_rx, 2);
  ck_assert_int_eq(sl__sim_run_until(sim, 120), -EINVAL);
  ck_assert_int_eq(sl__sim_run_until(sim, SL__TIME_NEVER), -EINVAL);
  ck_assert_uint_eq(sl__sim_now(sim), 150);
}
END_TEST

static int
b_got_three(void *arg)
{
  const struct fake *f = arg;

  return f->n_rx >= 3;
}

static int
never(void *arg)
{
  (void)arg;
  return 0;
}

START_TEST(test_time_run_stops_when_done)
{
  struct sl__sim_faults f = {.delay_us = 100};

  set_faults(&f);
  a.echo = 1;
  b.echo = 1; /* ping-pong forever */
  send_tagged(sim, ADDR_A, ADDR_B, 40, 1);
  ck_assert_int_eq(sl__sim_run(sim, b_got_three, &b, 1000000), 1);
  ck_assert_uint_eq(b.n_rx, 3);
  ck_assert_uint_eq(sl__sim_now(sim), 500); /* arrivals at 100, 300, 500 */
  /* Already done: no step at all. */
  ck_assert_int_eq(sl__sim_run(sim, b_got_three, &b, 1000000), 1);
  ck_assert_uint_eq(sl__sim_now(sim), 500);
  ck_assert_uint_eq(a.n_rx, 2);
}
END_TEST

START_TEST(test_time_run_stops_when_idle)
{
  struct sl__sim_faults f = {.delay_us = 100};

  set_faults(&f);
  send_tagged(sim, ADDR_A, ADDR_B, 40, 1);
  ck_assert_int_eq(sl__sim_run(sim, never, NULL, 1000000), 0);
  ck_assert_uint_eq(b.n_rx, 1);
  ck_assert_uint_eq(sl__sim_now(sim), 100); /* idle: time stays put */
  ck_assert_uint_eq(sl__sim_next_event(sim), SL__TIME_NEVER);
}
END_TEST

START_TEST(test_time_run_stops_at_max_time)
{
  a.deadline_us = 100;
  a.period_us = 100;
  ck_assert_int_eq(sl__sim_run(sim, never, NULL, 1050), 0);
  ck_assert_uint_eq(sl__sim_now(sim), 1050);
  ck_assert_uint_eq(a.n_poll, 10);
  ck_assert_uint_eq(a.poll_at[9], 1000);
  /* The limit is relative to the time of the call. */
  ck_assert_int_eq(sl__sim_run(sim, NULL, NULL, 100), 0);
  ck_assert_uint_eq(sl__sim_now(sim), 1150);
  ck_assert_uint_eq(a.n_poll, 11);
}
END_TEST

START_TEST(test_time_step_idle_returns_zero)
{
  ck_assert_int_eq(sl__sim_step(sim), 0);
  ck_assert_uint_eq(sl__sim_now(sim), 0);
  ck_assert_uint_eq(sl__sim_next_event(sim), SL__TIME_NEVER);
}
END_TEST

START_TEST(test_time_reentering_from_callback_refused)
{
  struct sl__sim_faults f = {.delay_us = 1};

  set_faults(&f);
  a.deadline_us = 5; /* something the nested calls could have run */
  b.probe_busy = 1;
  send_tagged(sim, ADDR_A, ADDR_B, 40, 1);
  ck_assert_int_eq(sl__sim_step(sim), 1);
  ck_assert_uint_eq(b.n_rx, 1);
  ck_assert_int_eq(b.probe_step, -EBUSY);
  ck_assert_int_eq(b.probe_run_until, -EBUSY);
  ck_assert_int_eq(b.probe_run, -EBUSY);
  ck_assert_uint_eq(a.n_poll, 0);
  ck_assert_uint_eq(sl__sim_now(sim), 1);
}
END_TEST

/* ---- determinism -------------------------------------------------------- */

struct outcome {
  uint64_t hash;
  struct sl__sim_counters st;
};

/* A sends 400 packets of varied sizes, one every 50 us; B echoes each one
 * back; every fault is on. */
static struct outcome
scenario(uint64_t seed)
{
  struct sl__sim_faults f = {.loss = 0.1,
                             .dup = 0.1,
                             .reorder = 0.1,
                             .corrupt = 0.1,
                             .delay_us = 200,
                             .jitter_us = 100,
                             .rate_bps = 100 * MBIT,
                             .queue_limit = 8};
  struct sl__sim *net = sl__sim_new(seed);
  struct fake *x = calloc(2, sizeof *x);
  struct outcome out;

  ck_assert_ptr_nonnull(net);
  ck_assert_ptr_nonnull(x);
  ck_assert_int_eq(sl__sim_set_faults(net, &f), 0);
  fake_init(&x[0], net, ADDR_A);
  fake_init(&x[1], net, ADDR_B);
  x[0].deadline_us = 0;
  x[0].period_us = 50;
  x[0].send_to = ADDR_B;
  x[0].send_max = 400;
  x[1].echo = 1;
  ck_assert_int_eq(sl__sim_run(net, NULL, NULL, 1000000), 0);
  ck_assert_uint_eq(x[0].n_sent, 400);
  out.hash = fnv(x[0].hash, &x[1].hash, sizeof x[1].hash);
  sl__sim_stats(net, &out.st);
  ck_assert_uint_eq(sl__sim_seed(net), seed);
  sl__sim_free(net);
  free(x);
  return out;
}

START_TEST(test_determinism_same_seed_same_log)
{
  struct outcome one = scenario(7), two = scenario(7);

  ck_assert_uint_eq(one.hash, two.hash);
  ck_assert_mem_eq(&one.st, &two.st, sizeof one.st);
}
END_TEST

START_TEST(test_determinism_different_seed_different_log)
{
  struct outcome one = scenario(7), two = scenario(8);

  ck_assert_uint_ne(one.hash, two.hash);
}
END_TEST

START_TEST(test_determinism_counters_balance_when_idle)
{
  struct outcome o = scenario(99);
  const struct sl__sim_counters *s = &o.st;

  /* The scenario exercises every fault ... */
  ck_assert_uint_gt(s->drop_loss, 0);
  ck_assert_uint_gt(s->drop_queue_full, 0);
  ck_assert_uint_gt(s->duplicated, 0);
  ck_assert_uint_gt(s->reordered, 0);
  ck_assert_uint_gt(s->corrupted, 0);
  /* ... and every packet is accounted for. */
  ck_assert_uint_eq(s->sent + s->duplicated,
                    s->delivered + s->drop_loss + s->drop_queue_full +
                        s->drop_mtu + s->drop_no_route + s->drop_short);
}
END_TEST

/* Sends packets 0..n-1 from A to B, each naming itself twice so that a
 * flipped bit cannot hide which packet it was. */
static void
send_numbered(uint32_t n)
{
  uint8_t pkt[40];

  for (uint32_t i = 0; i < n; i++) {
    make_pkt(pkt, sizeof pkt, ADDR_A, ADDR_B, i);
    store_be32(pkt + TAG_OFF + 4, i);
    sl__sim_send(sim, ADDR_A, pkt, sizeof pkt);
  }
}

/* Every routed packet takes the same draws whatever the probabilities, so
 * turning loss on changes nothing about the packets that still arrive:
 * each one is damaged in exactly the same bit as without loss. */
START_TEST(test_determinism_loss_leaves_other_draws_alone)
{
  enum { N = 200, LEN = 40 };
  struct sl__sim_faults clean = {.corrupt = 0.5};
  struct sl__sim_faults lossy = {.corrupt = 0.5, .loss = 0.5};
  static uint8_t first[N][LEN];
  int damaged = 0;

  set_faults(&clean);
  send_numbered(N);
  drain();
  ck_assert_uint_eq(b.n_rx, N);
  for (uint32_t i = 0; i < N; i++)
    memcpy(first[i], b.rx[i].data, LEN);

  sl__sim_free(sim);
  setup();
  set_faults(&lossy);
  send_numbered(N);
  drain();
  ck_assert_uint_gt(b.n_rx, N / 4);
  ck_assert_uint_lt(b.n_rx, 3 * N / 4);
  for (uint32_t i = 0; i < b.n_rx; i++) {
    uint32_t t1 = load_be32(b.rx[i].data + TAG_OFF);
    uint32_t t2 = load_be32(b.rx[i].data + TAG_OFF + 4);
    int same = (t1 < N && memcmp(b.rx[i].data, first[t1], LEN) == 0) ||
               (t2 < N && memcmp(b.rx[i].data, first[t2], LEN) == 0);

    ck_assert_msg(same, "delivery %u differs from the run without loss", i);
    damaged += t1 != t2;
  }
  ck_assert_int_gt(damaged, 0);
}
END_TEST

/* ---- rng ---------------------------------------------------------------- */

/* Reference values from an independent implementation of splitmix64
 * seeding xoshiro256** (https://prng.di.unimi.it/). */
START_TEST(test_rng_matches_reference_sequence)
{
  static const uint64_t seed0[4] = {
      UINT64_C(0x99ec5f36cb75f2b4), UINT64_C(0xbf6e1f784956452a),
      UINT64_C(0x1a5f849d4933e6e0), UINT64_C(0x6aa594f1262d2d2c)};
  static const uint64_t seed42[4] = {
      UINT64_C(0x15780b2e0c2ec716), UINT64_C(0x6104d9866d113a7e),
      UINT64_C(0xae17533239e499a1), UINT64_C(0xecb8ad4703b360a1)};
  struct sl__rng r;

  sl__rng_seed(&r, 0);
  for (int i = 0; i < 4; i++)
    ck_assert_uint_eq(sl__rng_next(&r), seed0[i]);
  sl__rng_seed(&r, 42);
  for (int i = 0; i < 4; i++)
    ck_assert_uint_eq(sl__rng_next(&r), seed42[i]);
}
END_TEST

START_TEST(test_rng_unit_in_range_with_mean_half)
{
  struct sl__rng r;
  double sum = 0;

  sl__rng_seed(&r, 3);
  for (int i = 0; i < 100000; i++) {
    double u = sl__rng_unit(&r);

    ck_assert(u >= 0.0 && u < 1.0);
    sum += u;
  }
  /* Standard deviation of the mean: 0.29 / sqrt(1e5) = 0.0009. */
  ck_assert(sum / 100000 > 0.494 && sum / 100000 < 0.506);
}
END_TEST

START_TEST(test_rng_below_in_range_and_uniform)
{
  struct sl__rng r;
  uint32_t count[6] = {0};

  sl__rng_seed(&r, 5);
  for (int i = 0; i < 60000; i++) {
    uint32_t x = sl__rng_below(&r, 6);

    ck_assert_uint_lt(x, 6);
    count[x]++;
  }
  /* Each bucket: mean 10000, standard deviation 91. */
  for (int i = 0; i < 6; i++) {
    ck_assert_uint_gt(count[i], 9450);
    ck_assert_uint_lt(count[i], 10550);
  }
  ck_assert_uint_eq(sl__rng_below(&r, 0), 0);
  ck_assert_uint_eq(sl__rng_below(&r, 1), 0);
  for (int i = 0; i < 1000; i++)
    ck_assert_uint_lt(sl__rng_below(&r, 0xffffffffu), 0xffffffffu);
  /* n = 3 * 2^30 rejects a quarter of all draws: the top quarter must
   * still come out. */
  {
    int high = 0;

    for (int i = 0; i < 4000; i++) {
      uint32_t x = sl__rng_below(&r, 0xc0000000u);

      ck_assert_uint_lt(x, 0xc0000000u);
      high += x >= 0x80000000u;
    }
    ck_assert_int_gt(high, 1100); /* a third of 4000, give or take */
    ck_assert_int_lt(high, 1570);
  }
}
END_TEST

START_TEST(test_rng_seed_picks_the_sequence)
{
  struct sl__rng r1, r2, r3;
  int same = 1, differ = 0;

  sl__rng_seed(&r1, 1234);
  sl__rng_seed(&r2, 1234);
  sl__rng_seed(&r3, 1235);
  for (int i = 0; i < 100; i++) {
    uint64_t x = sl__rng_next(&r1);

    same &= x == sl__rng_next(&r2);
    differ += x != sl__rng_next(&r3);
  }
  ck_assert_int_eq(same, 1);
  ck_assert_int_eq(differ, 100);
}
END_TEST

Suite *
sim_suite(void)
{
  Suite *s = suite_create("sim");
  TCase *tc;

  tc = tcase_create("delivery");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_delivery_destination_reaches_only_that_node);
  tcase_add_test(tc, test_delivery_unknown_destination_dropped_no_route);
  tcase_add_test(tc, test_delivery_short_packet_dropped_short);
  tcase_add_test(tc, test_delivery_send_from_input_queued_not_recursive);
  tcase_add_test(tc, test_delivery_packet_copied_at_send);
  tcase_add_test(tc, test_delivery_attach_bad_arguments_rejected);
  tcase_add_test(tc, test_delivery_tap_reports_each_event);
  tcase_add_test(tc, test_delivery_pair_stats_count_each_direction);
  tcase_add_test(tc, test_delivery_many_nodes_each_gets_its_own);
  suite_add_tcase(s, tc);

  tc = tcase_create("faults");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_faults_delay_delivers_at_exact_time);
  tcase_add_test(tc, test_faults_rate_serialises_back_to_back);
  tcase_add_test(tc, test_faults_rate_keeps_sub_microsecond_time);
  tcase_add_test(tc, test_faults_loss_one_drops_everything);
  tcase_add_test(tc, test_faults_loss_zero_drops_nothing);
  tcase_add_test(tc, test_faults_loss_tenth_within_band);
  tcase_add_test(tc, test_faults_dup_delivers_two_identical_copies);
  tcase_add_test(tc, test_faults_corrupt_flips_exactly_one_bit);
  tcase_add_test(tc, test_faults_reorder_later_packet_overtakes);
  tcase_add_test(tc, test_faults_reorder_hold_time_configurable);
  tcase_add_test(tc, test_faults_mtu_drops_oversize);
  tcase_add_test(tc, test_faults_queue_full_drops_tail);
  tcase_add_test(tc, test_faults_queue_default_limit_applies);
  tcase_add_test(tc, test_faults_lost_packet_still_uses_the_wire);
  tcase_add_test(tc, test_faults_pair_override_one_direction_only);
  tcase_add_test(tc, test_faults_jitter_bounded_and_in_order);
  tcase_add_test(tc, test_faults_invalid_probability_rejected);
  suite_add_tcase(s, tc);

  tc = tcase_create("time");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_time_deadline_polled_at_exact_time);
  tcase_add_test(tc, test_time_only_due_nodes_polled);
  tcase_add_test(tc, test_time_past_deadline_runs_now_not_backwards);
  tcase_add_test(tc, test_time_stuck_deadline_advances_each_us);
  tcase_add_test(tc, test_time_delivery_before_timer_on_tie);
  tcase_add_test(tc, test_time_never_goes_backwards);
  tcase_add_test(tc, test_time_run_until_runs_due_events_and_sets_now);
  tcase_add_test(tc, test_time_run_stops_when_done);
  tcase_add_test(tc, test_time_run_stops_when_idle);
  tcase_add_test(tc, test_time_run_stops_at_max_time);
  tcase_add_test(tc, test_time_step_idle_returns_zero);
  tcase_add_test(tc, test_time_reentering_from_callback_refused);
  suite_add_tcase(s, tc);

  tc = tcase_create("determinism");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_determinism_same_seed_same_log);
  tcase_add_test(tc, test_determinism_different_seed_different_log);
  tcase_add_test(tc, test_determinism_counters_balance_when_idle);
  tcase_add_test(tc, test_determinism_loss_leaves_other_draws_alone);
  suite_add_tcase(s, tc);

  tc = tcase_create("rng");
  tcase_add_test(tc, test_rng_matches_reference_sequence);
  tcase_add_test(tc, test_rng_unit_in_range_with_mean_half);
  tcase_add_test(tc, test_rng_below_in_range_and_uniform);
  tcase_add_test(tc, test_rng_seed_picks_the_sequence);
  suite_add_tcase(s, tc);
  return s;
}
