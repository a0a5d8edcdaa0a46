/* Soak, churn and flood runs on the simulated link (soaklib.h).  The
 * hosts are driven as tests/bench/bench.c drives them: a sim, two hosts,
 * socket calls between runs of virtual time. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/priv.h"
#include "core/rng.h"
#include "sim/sim.h"
#include "soaklib.h"
#include "sim/xfer.h"

size_t
soak_heap_in_use(void)
{
  struct mallinfo2 m = mallinfo2();

  return m.uordblks + m.hblkhd; /* allocated chunks, and mmapped ones */
}

size_t
soak_peak_rss(void)
{
  char line[256];
  size_t kb = 0;
  FILE *f = fopen("/proc/self/status", "r");

  if (f == NULL)
    return 0;
  while (fgets(line, sizeof line, f) != NULL)
    if (sscanf(line, "VmHWM: %zu kB", &kb) == 1)
      break;
  fclose(f);
  return kb * 1024;
}

/* ---- lossy bulk transfers ------------------------------------------- */

int
soak_lossy_run(struct soak_lossy *s)
{
  s->passed = 0;
  s->bytes_verified = 0;
  s->failed_error = 0;
  for (unsigned i = 0; i < s->seeds; i++) {
    struct sl__xfer x = {.seed = s->first_seed + i,
                         .bytes = s->bytes,
                         .faults = {.loss = 0.10,
                                    .reorder = 0.05,
                                    .dup = 0.02,
                                    .corrupt = 0.01,
                                    .delay_us = 1000}};
    int r = sl__xfer_run(&x);

    /* 0 means: every byte identical, and both hosts ended with no TCB at
     * all (TIME-WAIT ran out too). */
    if (r == 0 && (!x.client_closed || !x.server_closed ||
                   x.client_stats.tcp.bad_transitions != 0 ||
                   x.server_stats.tcp.bad_transitions != 0))
      r = -EPROTO;
    if (r == 0 && x.identical)
      s->bytes_verified += x.received;
    s->lost += x.wire.drop_loss;
    s->reordered += x.wire.reordered;
    s->duplicated += x.wire.duplicated;
    s->corrupted += x.wire.corrupted;
    if (x.duration_us > s->max_virtual_us)
      s->max_virtual_us = x.duration_us;
    if (r != 0) {
      if (s->failed_error == 0) {
        s->failed_seed = x.seed;
        s->failed_error = r;
      }
      continue;
    }
    s->passed++;
  }
  return s->passed == s->seeds ? 0 : -1;
}

/* ---- two hosts on a sim ---------------------------------------------- */

struct duo {
  struct sl__sim *sim;
  struct sl__host *c, *s;
};

static int
duo_init(struct duo *d, uint64_t seed, uint64_t msl_us, uint32_t delay_us)
{
  struct sl__host_config cfg;

  sl__host_config_default(&cfg);
  cfg.msl_us = msl_us;
  cfg.seed = seed;
  d->sim = sl__sim_new(seed);
  d->c = sl__host_new(SL__XFER_CLIENT, &cfg, sl__sim_output, d->sim);
  cfg.seed = seed + 1;
  d->s = sl__host_new(SL__XFER_SERVER, &cfg, sl__sim_output, d->sim);
  if (d->sim == NULL || d->c == NULL || d->s == NULL)
    return -ENOMEM;
  if (sl__sim_attach(d->sim, SL__XFER_CLIENT, &sl__sim_host_ops, d->c) < 0 ||
      sl__sim_attach(d->sim, SL__XFER_SERVER, &sl__sim_host_ops, d->s) < 0)
    return -ENOMEM;
  return sl__sim_set_faults(d->sim,
                            &(struct sl__sim_faults){.delay_us = delay_us});
}

static void
duo_free(struct duo *d)
{
  if (d->sim != NULL)
    sl__sim_free(d->sim);
  sl__host_free(d->c);
  sl__host_free(d->s);
}

/* Runs the sim until it is idle, then brings both hosts to its time. */
static void
duo_run(struct duo *d)
{
  sl__sim_run(d->sim, NULL, NULL, 10000000);
  sl__host_poll(d->c, sl__sim_now(d->sim));
  sl__host_poll(d->s, sl__sim_now(d->sim));
}

/* ---- connection churn ------------------------------------------------ */

#define CHURN_BYTES 1000

static void
pattern(uint64_t seed, uint8_t *buf, size_t n)
{
  for (size_t i = 0; i < n; i++)
    buf[i] = sl__xfer_byte(seed, i);
}

/* One connection's life: connect, CHURN_BYTES each way, the client
 * closes first (TIME-WAIT stays with it), the server closes.  NULL, or
 * what went wrong. */
static const char *
churn_one(struct duo *d, struct sl__tcb *l, uint64_t seed)
{
  uint8_t want[CHURN_BYTES], got[CHURN_BYTES];
  struct sl__tcb *c = sl__tcp_new(d->c), *s = NULL;
  size_t n = 0;
  ssize_t r;

  if (c == NULL)
    return "sl__tcp_new: out of memory";
  pattern(seed, want, sizeof want);
  if (sl__tcp_connect(c, SL__XFER_SERVER, SL__XFER_PORT) != -EINPROGRESS)
    return "connect failed";
  sl__tcp_set_nodelay(c, 1);
  duo_run(d);
  if (sl__tcp_accept(l, &s) != 0)
    return "accept: no connection";
  if (sl__tcp_send(c, want, sizeof want) != (ssize_t)sizeof want)
    return "client send";
  duo_run(d);
  while (n < sizeof got &&
         (r = sl__tcp_recv(s, got + n, sizeof got - n, 0)) > 0)
    n += (size_t)r;
  if (n != sizeof got || memcmp(got, want, n) != 0)
    return "server received other bytes";
  if (sl__tcp_send(s, got, n) != (ssize_t)n)
    return "server send";
  duo_run(d);
  n = 0;
  while (n < sizeof got &&
         (r = sl__tcp_recv(c, got + n, sizeof got - n, 0)) > 0)
    n += (size_t)r;
  if (n != sizeof got || memcmp(got, want, n) != 0)
    return "client received other bytes";
  sl__tcp_close(c);
  duo_run(d);
  if (sl__tcp_recv(s, got, 1, 0) != 0)
    return "server saw no end of stream";
  sl__tcp_close(s);
  duo_run(d); /* LAST-ACK done; the client's TIME-WAIT (2 us) too */
  return NULL;
}

int
soak_churn_run(struct soak_churn *c)
{
  struct duo d = {0};
  struct sl__tcb *l;
  unsigned every = c->cycles / SOAK_SAMPLES ? c->cycles / SOAK_SAMPLES : 1;
  unsigned warm = c->cycles / 10;

  c->completed = 0;
  c->bytes_verified = 0;
  c->heap_warm = c->heap_max = 0;
  c->max_tcbs = 0;
  c->why = NULL;
  memset(c->heap, 0, sizeof c->heap);
  /* MSL 1 us: TIME-WAIT must not hold ports for virtual minutes when a
   * whole connection takes virtual microseconds (as in make bench). */
  if (duo_init(&d, c->seed, 1, 5) < 0 || (l = sl__tcp_new(d.s)) == NULL ||
      sl__tcp_bind(l, 0, SL__XFER_PORT) < 0 || sl__tcp_listen(l, 128) < 0) {
    c->why = "setting up the hosts failed";
    duo_free(&d);
    return -1;
  }
  for (unsigned i = 0; i < c->cycles && c->why == NULL; i++) {
    c->why = churn_one(&d, l, c->seed + i);
    if (c->why != NULL)
      break;
    c->completed++;
    c->bytes_verified += 2 * CHURN_BYTES;
    if (d.c->n_tcbs + d.s->n_tcbs > c->max_tcbs)
      c->max_tcbs = d.c->n_tcbs + d.s->n_tcbs;
    if (d.c->n_tcbs != 0 || d.s->n_tcbs != 1)
      c->why = "a connection was left behind";
    if (i + 1 == warm || (warm == 0 && i == 0))
      c->heap_warm = soak_heap_in_use();
    if ((i + 1) % every == 0 && (i + 1) / every <= SOAK_SAMPLES) {
      size_t h = soak_heap_in_use();
      c->heap[(i + 1) / every - 1] = h;
      if (i + 1 > warm && h > c->heap_max)
        c->heap_max = h;
    }
  }
  if (c->why == NULL && c->heap_max > c->heap_warm + c->heap_bound)
    c->why = "the heap grew after warm-up";
  sl__tcp_close(l);
  duo_free(&d);
  return c->why == NULL ? 0 : -1;
}

/* ---- SYN flood ------------------------------------------------------- */

#define FLOOD_NET   0xc6120000u /* 198.18.0.0/15 (RFC 2544): no such node */
#define FLOOD_LINK  0xc6130001u /* the attacker's own link */
#define LEGIT_BYTES 64
#define LEGIT_MAX   2048

/* A forged SYN from a random address and port of 198.18.0.0/15, sent by
 * one attacker on one link (the sim keeps counters per link, not per
 * forged address).  The SYN,ACKs go to addresses no node has and are
 * dropped by the sim. */
static void
forged_syn(struct sl__sim *sim, struct sl__rng *rng)
{
  uint8_t pkt[64];
  uint32_t src = FLOOD_NET | sl__rng_below(rng, 1u << 17);
  struct sl__tcp_seg seg = {
      .sport = (uint16_t)(1024 + sl__rng_below(rng, 65536 - 1024)),
      .dport = SL__XFER_PORT,
      .seq = (uint32_t)sl__rng_next(rng),
      .flags = SL__TCP_SYN,
      .wnd = 65535,
      .opt = {.has_mss = 1, .mss = 1460}};
  struct sl__ip4_hdr ip = {
      .ttl = 64, .proto = SL__IP_PROTO_TCP, .src = src, .dst = SL__XFER_SERVER};
  size_t n =
      sl__tcp_write(pkt + 20, sizeof pkt - 20, src, SL__XFER_SERVER, &seg);

  ip.total_len = (uint16_t)(20 + n);
  sl__ip4_write(pkt, 20, &ip);
  sl__sim_send(sim, FLOOD_LINK, pkt, 20 + n);
}

/* A real client's connection, both ends. */
struct legit {
  struct sl__tcb *c; /* the client's socket, until it closes */
  struct sl__tcb *s; /* the server's, once accepted */
  uint16_t port;     /* the client's port: how the server knows it */
  size_t got;        /* bytes the server read and checked */
  int sent, done, failed;
};

struct flood_run {
  struct soak_flood *f;
  struct duo d;
  struct sl__tcb *l;
  struct legit legit[LEGIT_MAX];
  unsigned n;
};

static void
legit_client(struct flood_run *r, struct legit *g, unsigned i)
{
  uint8_t data[LEGIT_BYTES];
  int res;

  if (g->c == NULL || g->sent)
    return;
  res = sl__tcp_connect_result(g->c);
  if (res == -EINPROGRESS)
    return;
  if (res < 0) {
    g->failed = 1;
    sl__tcp_close(g->c);
    g->c = NULL;
    return;
  }
  pattern(r->f->seed + i, data, sizeof data);
  if (sl__tcp_send(g->c, data, sizeof data) != (ssize_t)sizeof data)
    g->failed = 1;
  g->sent = 1;
  sl__tcp_close(g->c); /* FIN after the data; the host finishes it */
  g->c = NULL;
}

/* The server accepts every connection, finds which client it is (by its
 * port), reads and checks its bytes, and closes at end of stream. */
static void
legit_server(struct flood_run *r)
{
  struct sl__tcb *s;
  uint8_t buf[LEGIT_BYTES], want[LEGIT_BYTES];

  while (sl__tcp_accept(r->l, &s) == 0) {
    struct sl__tcp_info info;
    sl__tcp_get_info(s, &info);
    for (unsigned i = 0; i < r->n; i++) {
      if (r->legit[i].s != NULL || r->legit[i].done || r->legit[i].failed ||
          r->legit[i].port != info.rport)
        continue;
      {
        r->legit[i].s = s;
        s = NULL;
        break;
      }
    }
    if (s != NULL)
      sl__tcp_abort(s); /* a connection nobody made: a bug */
  }
  for (unsigned i = 0; i < r->n; i++) {
    struct legit *g = &r->legit[i];
    ssize_t n;
    if (g->s == NULL)
      continue;
    while ((n = sl__tcp_recv(g->s, buf, sizeof buf, 0)) > 0) {
      pattern(r->f->seed + i, want, sizeof want);
      if (g->got + (size_t)n > LEGIT_BYTES ||
          memcmp(buf, want + g->got, (size_t)n) != 0)
        g->failed = 1;
      g->got += (size_t)n;
    }
    if (n == 0 || (n < 0 && n != -EAGAIN)) {
      if (n == 0 && g->got == LEGIT_BYTES && !g->failed) {
        g->done = 1;
        r->f->legit_completed++;
        r->f->bytes_verified += LEGIT_BYTES;
      } else {
        g->failed = 1;
      }
      sl__tcp_close(g->s);
      g->s = NULL;
    }
  }
}

/* Brings the sim to t, then lets the hosts and the applications run. */
static void
flood_tick(struct flood_run *r, uint64_t t)
{
  size_t heap;

  sl__sim_run_until(r->d.sim, t);
  sl__host_poll(r->d.c, t);
  sl__host_poll(r->d.s, t);
  for (unsigned i = 0; i < r->n; i++)
    legit_client(r, &r->legit[i], i);
  legit_server(r);
  if (r->d.s->n_tcbs > r->f->max_server_tcbs)
    r->f->max_server_tcbs = r->d.s->n_tcbs;
  heap = soak_heap_in_use();
  if (heap > r->f->heap_max)
    r->f->heap_max = heap;
}

int
soak_flood_run(struct soak_flood *f)
{
  struct flood_run *r = calloc(1, sizeof *r);
  struct sl__rng rng;
  uint64_t tick = 1000000 / (f->per_s ? f->per_s : 1);
  uint64_t end = (uint64_t)f->seconds * 1000000;
  uint64_t legit_every = (uint64_t)f->legit_interval_ms * 1000;
  uint64_t t, next_legit = legit_every / 2;

  f->syns_sent = 0;
  f->legit_started = f->legit_completed = 0;
  f->bytes_verified = 0;
  f->max_server_tcbs = 0;
  f->why = NULL;
  if (r == NULL) {
    f->why = "out of memory";
    return -1;
  }
  r->f = f;
  sl__rng_seed(&rng, f->seed);
  /* MSL 1 s, 1 ms each way: a client's ACK returns 2 ms after the SYN. */
  if (duo_init(&r->d, f->seed, 1000000, 1000) < 0 ||
      (r->l = sl__tcp_new(r->d.s)) == NULL ||
      sl__tcp_bind(r->l, 0, SL__XFER_PORT) < 0 ||
      sl__tcp_listen(r->l, (int)f->backlog) < 0) {
    f->why = "setting up the hosts failed";
    goto out;
  }
  f->heap_before = f->heap_max = soak_heap_in_use();
  for (t = tick; t <= end; t += tick) {
    flood_tick(r, t);
    forged_syn(r->d.sim, &rng);
    f->syns_sent++;
    if (t >= next_legit && r->n < LEGIT_MAX) {
      struct legit *g = &r->legit[r->n++];
      sl__host_poll(r->d.c, t);
      g->c = sl__tcp_new(r->d.c);
      if (g->c == NULL ||
          sl__tcp_connect(g->c, SL__XFER_SERVER, SL__XFER_PORT) != -EINPROGRESS)
        g->failed = 1;
      else {
        struct sl__tcp_info ci;
        sl__tcp_get_info(g->c, &ci);
        g->port = ci.lport;
      }
      f->legit_started++;
      next_legit += legit_every;
    }
  }
  /* The flood is over: give the last clients time to finish. */
  for (; t <= end + 5000000; t += 1000)
    flood_tick(r, t);
  f->syn_evictions = r->d.s->stats.tcp.syn_evictions;
  f->listen_overflows = r->d.s->stats.tcp.listen_overflows;
  if (f->legit_completed != f->legit_started)
    f->why = "a legitimate client did not get through";
  else if (f->max_server_tcbs > f->backlog + 1 + 8)
    f->why = "the server held more connections than its backlog";
  else if (f->heap_max > f->heap_before + f->heap_bound)
    f->why = "the heap grew beyond its bound";
  else if (r->d.s->stats.tcp.bad_transitions ||
           r->d.c->stats.tcp.bad_transitions)
    f->why = "a transition outside the RFC 9293 diagram";
out:
  if (r->l != NULL)
    sl__tcp_close(r->l);
  duo_free(&r->d);
  free(r);
  return f->why == NULL ? 0 : -1;
}
