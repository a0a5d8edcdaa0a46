/* The simulated link: routes raw IPv4 datagrams between nodes by
 * destination address, through one transmit queue per directed pair, and
 * delivers them from a binary heap ordered by (virtual time, send order).
 * Faults are drawn from one seeded generator, so a seed replays a run. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "sim/sim.h"

#define NS_PER_US       UINT64_C(1000)
#define NS_PER_S        UINT64_C(1000000000)
#define REORDER_MIN_US  1000 /* hold-back when there is no delay to scale */
#define RING_FIRST_CAP  16
#define TABLE_FIRST_CAP 16 /* slots of an address map; a power of two */
#define HEAP_FIRST_CAP  64

struct sl__sim_node {
  uint32_t addr;
  const struct sl__sim_node_ops *ops;
  void *node;
  uint64_t deadline_us; /* effective deadline, as sl__sim_next_event saw it */
  uint64_t polled_us;   /* time of the last poll, or SL__TIME_NEVER */
  int input_since_poll; /* input arrived after that poll */
};

/* One direction between two addresses: its own faults (if overridden), its
 * counters and its transmitter.  The transmit queue only needs the times at
 * which queued packets finish serialising, kept in a ring in FIFO order. */
struct sl__sim_pair {
  uint32_t from, to;
  int has_faults; /* faults below override the sim's */
  struct sl__sim_faults faults;
  struct sl__sim_counters stats;
  uint64_t busy_until_ns;   /* when the transmitter falls idle */
  uint64_t last_arrival_us; /* latest in-order arrival so far */
  uint64_t *fin_ns;         /* ring of finish times of queued packets */
  uint32_t fin_cap, fin_head, fin_len;
};

/* A packet in flight, allocated with its bytes in one block. */
struct sl__sim_pkt {
  uint32_t node; /* destination, index into sim->nodes */
  uint32_t pair; /* index into sim->pairs */
  size_t len;
  uint8_t data[];
};

/* A heap entry; seq breaks ties in send order so runs are reproducible. */
struct sl__sim_ev {
  uint64_t at_us;
  uint64_t seq;
  struct sl__sim_pkt *pkt;
};

/* Open-addressing map from a 64-bit key to an array index.  Entries are
 * never removed, so linear probing needs no tombstones. */
struct sl__sim_map {
  uint64_t *keys;
  uint32_t *vals; /* index + 1; 0 marks an empty slot */
  uint32_t cap, len;
};

struct sl__sim {
  uint64_t seed;
  uint64_t now_us;
  uint64_t next_seq; /* sequence number of the next scheduled delivery */
  struct sl__rng rng;
  struct sl__sim_faults faults; /* for pairs without their own */
  struct sl__sim_counters stats;
  struct sl__sim_node *nodes; /* in attach order */
  uint32_t n_nodes, cap_nodes;
  struct sl__sim_pair *pairs;
  uint32_t n_pairs, cap_pairs;
  struct sl__sim_map node_map; /* addr -> nodes[] */
  struct sl__sim_map pair_map; /* from << 32 | to -> pairs[] */
  struct sl__sim_ev *heap;
  size_t heap_len, heap_cap;
  sl__sim_tap_fn *tap;
  void *tap_arg;
  int in_callback; /* a node callback is running */
};

static const char *const event_names[SL__SIM_EVENT_COUNT] = {
    [SL__SIM_SENT] = "sent",
    [SL__SIM_DELIVERED] = "delivered",
    [SL__SIM_DROP_SHORT] = "drop-short",
    [SL__SIM_DROP_NO_ROUTE] = "drop-no-route",
    [SL__SIM_DROP_MTU] = "drop-mtu",
    [SL__SIM_DROP_QUEUE] = "drop-queue",
    [SL__SIM_DROP_LOSS] = "drop-loss",
    [SL__SIM_DUPLICATED] = "duplicated",
    [SL__SIM_REORDERED] = "reordered",
    [SL__SIM_CORRUPTED] = "corrupted",
};

/* ---- small helpers --------------------------------------------------- */

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t
us_to_ns(uint64_t us)
{
  return us > UINT64_MAX / NS_PER_US ? UINT64_MAX : us * NS_PER_US;
}

/* Rounds up: a packet has not arrived until its last bit has. */
static uint64_t
ns_to_us_ceil(uint64_t ns)
{
  return ns / NS_PER_US + (ns % NS_PER_US != 0);
}

static uint32_t
load_be32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         (uint32_t)p[3];
}

/* Written so that NaN fails too. */
static int
is_probability(double p)
{
  return p >= 0.0 && p <= 1.0;
}

static int
faults_valid(const struct sl__sim_faults *f)
{
  return is_probability(f->loss) && is_probability(f->dup) &&
         is_probability(f->reorder) && is_probability(f->corrupt);
}

/* A uniform integer in [0, n), from one draw u in [0, 1) already taken.
 * u * n can round up to n itself when u is within 2^-53 of 1, hence the
 * clamp. */
static uint64_t
scale_draw(double u, uint64_t n)
{
  uint64_t x = (uint64_t)(u * (double)n);

  return x < n ? x : n - 1;
}

/* ---- address maps ---------------------------------------------------- */

/* The splitmix64 finaliser spreads neighbouring addresses (10.0.0.1,
 * 10.0.0.2, ...) over the whole table. */
static uint32_t
map_slot(const struct sl__sim_map *m, uint64_t key)
{
  key = (key ^ (key >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  key = (key ^ (key >> 27)) * UINT64_C(0x94d049bb133111eb);
  return (uint32_t)(key ^ (key >> 31)) & (m->cap - 1);
}

/* The index stored for key, or -1. */
static long
map_get(const struct sl__sim_map *m, uint64_t key)
{
  if (m->cap == 0)
    return -1;
  for (uint32_t i = map_slot(m, key);; i = (i + 1) & (m->cap - 1)) {
    if (m->vals[i] == 0)
      return -1;
    if (m->keys[i] == key)
      return (long)m->vals[i] - 1;
  }
}

static void
map_store(struct sl__sim_map *m, uint64_t key, uint32_t index)
{
  uint32_t i = map_slot(m, key);

  while (m->vals[i] != 0)
    i = (i + 1) & (m->cap - 1);
  m->keys[i] = key;
  m->vals[i] = index + 1;
  m->len++;
}

/* Adds a key known to be absent.  Returns 0 or -ENOMEM. */
static int
map_put(struct sl__sim_map *m, uint64_t key, uint32_t index)
{
  /* Growing at half full keeps probe sequences short. */
  if (2 * (m->len + 1) > m->cap) {
    struct sl__sim_map bigger = {0};

    bigger.cap = m->cap ? 2 * m->cap : TABLE_FIRST_CAP;
    bigger.keys = malloc(bigger.cap * sizeof *bigger.keys);
    bigger.vals = calloc(bigger.cap, sizeof *bigger.vals);
    if (bigger.keys == NULL || bigger.vals == NULL) {
      free(bigger.keys);
      free(bigger.vals);
      return -ENOMEM;
    }
    for (uint32_t i = 0; i < m->cap; i++)
      if (m->vals[i] != 0)
        map_store(&bigger, m->keys[i], m->vals[i] - 1);
    free(m->keys);
    free(m->vals);
    *m = bigger;
  }
  map_store(m, key, index);
  return 0;
}

static void
map_free(struct sl__sim_map *m)
{
  free(m->keys);
  free(m->vals);
}

/* ---- the delivery heap ----------------------------------------------- */

static int
ev_before(const struct sl__sim_ev *a, const struct sl__sim_ev *b)
{
  return a->at_us < b->at_us || (a->at_us == b->at_us && a->seq < b->seq);
}

static int
heap_reserve(struct sl__sim *sim)
{
  struct sl__sim_ev *h;
  size_t cap;

  if (sim->heap_len < sim->heap_cap)
    return 0;
  cap = sim->heap_cap ? 2 * sim->heap_cap : HEAP_FIRST_CAP;
  h = realloc(sim->heap, cap * sizeof *h);
  if (h == NULL)
    return -ENOMEM;
  sim->heap = h;
  sim->heap_cap = cap;
  return 0;
}

/* Needs heap_reserve() to have succeeded. */
static void
heap_push(struct sl__sim *sim, uint64_t at_us, struct sl__sim_pkt *pkt)
{
  struct sl__sim_ev ev = {at_us, sim->next_seq++, pkt};
  size_t i = sim->heap_len++;

  while (i > 0 && ev_before(&ev, &sim->heap[(i - 1) / 2])) {
    sim->heap[i] = sim->heap[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  sim->heap[i] = ev;
}

static struct sl__sim_ev
heap_pop(struct sl__sim *sim)
{
  struct sl__sim_ev top = sim->heap[0];
  struct sl__sim_ev last = sim->heap[--sim->heap_len];
  size_t n = sim->heap_len, i = 0;

  /* Sift the last entry down from the root into the hole. */
  for (;;) {
    size_t c = 2 * i + 1;

    if (c >= n)
      break;
    if (c + 1 < n && ev_before(&sim->heap[c + 1], &sim->heap[c]))
      c++;
    if (!ev_before(&sim->heap[c], &last))
      break;
    sim->heap[i] = sim->heap[c];
    i = c;
  }
  if (n > 0)
    sim->heap[i] = last;
  return top;
}

/* ---- counting and the tap -------------------------------------------- */

static uint64_t *
counter_for(struct sl__sim_counters *c, int event)
{
  switch (event) {
  case SL__SIM_DROP_SHORT:
    return &c->drop_short;
  case SL__SIM_DROP_NO_ROUTE:
    return &c->drop_no_route;
  case SL__SIM_DROP_MTU:
    return &c->drop_mtu;
  case SL__SIM_DROP_QUEUE:
    return &c->drop_queue_full;
  case SL__SIM_DROP_LOSS:
    return &c->drop_loss;
  case SL__SIM_DUPLICATED:
    return &c->duplicated;
  case SL__SIM_REORDERED:
    return &c->reordered;
  case SL__SIM_CORRUPTED:
    return &c->corrupted;
  case SL__SIM_DELIVERED:
    return &c->delivered;
  default:
    return NULL; /* SENT is counted by sl__sim_send itself */
  }
}

/* Counts a drop or alteration for the sim and the pair (if there is one)
 * and shows it to the tap: every such event goes through here. */
static void
note(struct sl__sim *sim, struct sl__sim_pair *pair, int event, uint32_t from,
     uint32_t to, const uint8_t *pkt, size_t len)
{
  uint64_t *c = counter_for(&sim->stats, event);

  if (c != NULL)
    (*c)++;
  c = pair != NULL ? counter_for(&pair->stats, event) : NULL;
  if (c != NULL)
    (*c)++;
  if (sim->tap != NULL)
    sim->tap(sim->tap_arg, sim->now_us, from, to, pkt, len, event);
}

/* ---- pairs and their transmit queues --------------------------------- */

static uint64_t
pair_key(uint32_t from, uint32_t to)
{
  return (uint64_t)from << 32 | to;
}

static struct sl__sim_pair *
pair_find(const struct sl__sim *sim, uint32_t from, uint32_t to)
{
  long i = map_get(&sim->pair_map, pair_key(from, to));

  return i < 0 ? NULL : &sim->pairs[i];
}

/* The pair from -> to, created on first use; NULL when out of memory. */
static struct sl__sim_pair *
pair_get(struct sl__sim *sim, uint32_t from, uint32_t to)
{
  struct sl__sim_pair *pair = pair_find(sim, from, to);

  if (pair != NULL)
    return pair;
  if (sim->n_pairs == sim->cap_pairs) {
    uint32_t cap = sim->cap_pairs ? 2 * sim->cap_pairs : 8;
    struct sl__sim_pair *p = realloc(sim->pairs, cap * sizeof *p);

    if (p == NULL)
      return NULL;
    sim->pairs = p;
    sim->cap_pairs = cap;
  }
  if (map_put(&sim->pair_map, pair_key(from, to), sim->n_pairs) < 0)
    return NULL;
  pair = &sim->pairs[sim->n_pairs++];
  memset(pair, 0, sizeof *pair);
  pair->from = from;
  pair->to = to;
  return pair;
}

static const struct sl__sim_faults *
faults_of(const struct sl__sim *sim, const struct sl__sim_pair *pair)
{
  return pair != NULL && pair->has_faults ? &pair->faults : &sim->faults;
}

/* Forgets the packets that finished serialising by now_ns. */
static void
queue_drain(struct sl__sim_pair *pair, uint64_t now_ns)
{
  while (pair->fin_len > 0 && pair->fin_ns[pair->fin_head] <= now_ns) {
    pair->fin_head = (pair->fin_head + 1) % pair->fin_cap;
    pair->fin_len--;
  }
}

static int
queue_push(struct sl__sim_pair *pair, uint64_t fin_ns)
{
  if (pair->fin_len == pair->fin_cap) {
    uint32_t cap = pair->fin_cap ? 2 * pair->fin_cap : RING_FIRST_CAP;
    uint64_t *ring = malloc(cap * sizeof *ring);

    if (ring == NULL)
      return -ENOMEM;
    /* Unwrap the old ring so that it starts at index 0. */
    for (uint32_t i = 0; i < pair->fin_len; i++)
      ring[i] = pair->fin_ns[(pair->fin_head + i) % pair->fin_cap];
    free(pair->fin_ns);
    pair->fin_ns = ring;
    pair->fin_cap = cap;
    pair->fin_head = 0;
  }
  pair->fin_ns[(pair->fin_head + pair->fin_len) % pair->fin_cap] = fin_ns;
  pair->fin_len++;
  return 0;
}

/* Queues len bytes behind the pair's earlier packets and returns, in
 * *ready_us, when the last bit has left.  Time is kept in nanoseconds so
 * that 1.2 us packets at 10 Gbit/s do not each round up to 2 us.  Returns
 * 0, or -ENOBUFS when the queue is full (the caller drops: drop-tail). */
static int
transmit(struct sl__sim *sim, struct sl__sim_pair *pair,
         const struct sl__sim_faults *f, size_t len, uint64_t *ready_us)
{
  uint64_t now_ns = us_to_ns(sim->now_us), start_ns, fin_ns, bits_ns;
  uint32_t limit = f->queue_limit ? f->queue_limit : SL__SIM_QUEUE_DEFAULT;

  if (f->rate_bps == 0) {
    *ready_us = sim->now_us;
    return 0;
  }
  queue_drain(pair, now_ns);
  if (pair->fin_len >= limit)
    return -ENOBUFS;
  start_ns = pair->busy_until_ns > now_ns ? pair->busy_until_ns : now_ns;
  /* len <= SL__SIM_MAX_PKT, so len * 8e9 cannot overflow. */
  bits_ns = ((uint64_t)len * 8 * NS_PER_S + f->rate_bps - 1) / f->rate_bps;
  fin_ns = sat_add(start_ns, bits_ns);
  if (queue_push(pair, fin_ns) < 0)
    return -ENOBUFS;
  pair->busy_until_ns = fin_ns;
  *ready_us = ns_to_us_ceil(fin_ns);
  return 0;
}

/* ---- sending --------------------------------------------------------- */

static struct sl__sim_pkt *
pkt_new(uint32_t node, uint32_t pair, const uint8_t *data, size_t len)
{
  struct sl__sim_pkt *p = malloc(sizeof *p + len);

  if (p == NULL)
    return NULL;
  p->node = node;
  p->pair = pair;
  p->len = len;
  memcpy(p->data, data, len);
  return p;
}

void
sl__sim_send(struct sl__sim *sim, uint32_t from_addr, const uint8_t *pkt,
             size_t len)
{
  const struct sl__sim_faults *f;
  struct sl__sim_pair *pair;
  struct sl__sim_pkt *p, *copy;
  double u_loss, u_dup, u_reorder, u_corrupt, u_bit, u_jitter, u_dup_jitter;
  uint64_t ready_us, at_us;
  uint32_t to, pair_i, mtu;
  long node_i;

  sim->stats.sent++;
  sim->stats.bytes_sent += len;
  if (pkt == NULL || len < SL__SIM_MIN_PKT) {
    if (pkt == NULL)
      len = 0;
    if (sim->tap != NULL)
      sim->tap(sim->tap_arg, sim->now_us, from_addr, 0, pkt, len, SL__SIM_SENT);
    note(sim, NULL, SL__SIM_DROP_SHORT, from_addr, 0, pkt, len);
    return;
  }
  to = load_be32(pkt + 16); /* the IPv4 destination address */
  if (sim->tap != NULL)
    sim->tap(sim->tap_arg, sim->now_us, from_addr, to, pkt, len, SL__SIM_SENT);
  node_i = map_get(&sim->node_map, to);
  if (node_i < 0) {
    note(sim, NULL, SL__SIM_DROP_NO_ROUTE, from_addr, to, pkt, len);
    return;
  }
  pair = pair_get(sim, from_addr, to);
  if (pair == NULL) {
    /* No memory for the pair: as a router out of buffers would, drop. */
    note(sim, NULL, SL__SIM_DROP_QUEUE, from_addr, to, pkt, len);
    return;
  }
  pair_i = (uint32_t)(pair - sim->pairs);
  pair->stats.sent++;
  pair->stats.bytes_sent += len;
  f = faults_of(sim, pair);
  mtu = f->mtu != 0 && f->mtu < SL__SIM_MAX_PKT ? f->mtu : SL__SIM_MAX_PKT;
  if (len > mtu) {
    note(sim, pair, SL__SIM_DROP_MTU, from_addr, to, pkt, len);
    return;
  }

  /* Always the same seven draws in the same order, whatever the
   * probabilities: a run is then a function of the seed and the packets
   * alone, and raising the loss rate does not change which packets get
   * corrupted. */
  u_loss = sl__rng_unit(&sim->rng);
  u_dup = sl__rng_unit(&sim->rng);
  u_reorder = sl__rng_unit(&sim->rng);
  u_corrupt = sl__rng_unit(&sim->rng);
  u_bit = sl__rng_unit(&sim->rng);
  u_jitter = sl__rng_unit(&sim->rng);
  u_dup_jitter = sl__rng_unit(&sim->rng);

  /* A packet that is later lost still occupied the transmitter, so the
   * queue comes before the loss decision. */
  if (heap_reserve(sim) < 0 || transmit(sim, pair, f, len, &ready_us) < 0) {
    note(sim, pair, SL__SIM_DROP_QUEUE, from_addr, to, pkt, len);
    return;
  }
  if (u_loss < f->loss) {
    note(sim, pair, SL__SIM_DROP_LOSS, from_addr, to, pkt, len);
    return;
  }
  p = pkt_new((uint32_t)node_i, pair_i, pkt, len);
  if (p == NULL) {
    note(sim, pair, SL__SIM_DROP_QUEUE, from_addr, to, pkt, len);
    return;
  }
  if (u_corrupt < f->corrupt) {
    uint64_t bit = scale_draw(u_bit, (uint64_t)len * 8);

    p->data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    note(sim, pair, SL__SIM_CORRUPTED, from_addr, to, p->data, len);
  }
  at_us = sat_add(ready_us, f->delay_us);
  at_us = sat_add(at_us, scale_draw(u_jitter, (uint64_t)f->jitter_us + 1));
  if (u_reorder < f->reorder) {
    uint64_t hold = f->reorder_delay_us;

    if (hold == 0)
      hold = f->delay_us ? 3 * (uint64_t)f->delay_us : REORDER_MIN_US;
    at_us = sat_add(at_us, hold);
    note(sim, pair, SL__SIM_REORDERED, from_addr, to, p->data, len);
  } else {
    /* Jitter alone must not reorder: one wire delivers in order, and
     * reordering is its own, counted, fault. */
    if (at_us < pair->last_arrival_us)
      at_us = pair->last_arrival_us;
    pair->last_arrival_us = at_us;
  }
  heap_push(sim, at_us, p);

  if (u_dup < f->dup) {
    copy =
        heap_reserve(sim) == 0 ? pkt_new(p->node, pair_i, p->data, len) : NULL;
    if (copy == NULL)
      return; /* a duplicate is a fault anyway; losing it harms nobody */
    at_us = sat_add(at_us,
                    1 + scale_draw(u_dup_jitter, (uint64_t)f->jitter_us + 1));
    heap_push(sim, at_us, copy);
    note(sim, pair, SL__SIM_DUPLICATED, from_addr, to, copy->data, len);
  }
}

/* ---- time and events ------------------------------------------------- */

/* The node's deadline as the loop sees it: never in the past, and not at
 * the very time it was last polled unless input has arrived since. */
static uint64_t
node_deadline(struct sl__sim *sim, uint32_t i)
{
  /* Copied out first: nodes[] may move if the callback attaches a node. */
  struct sl__sim_node n = sim->nodes[i];
  uint64_t d;
  int was = sim->in_callback;

  if (n.ops->next_deadline == NULL)
    return SL__TIME_NEVER;
  sim->in_callback = 1;
  d = n.ops->next_deadline(n.node);
  sim->in_callback = was;
  if (d == SL__TIME_NEVER)
    return d;
  if (!n.input_since_poll && n.polled_us != SL__TIME_NEVER && d <= n.polled_us)
    d = sat_add(n.polled_us, 1);
  return d < sim->now_us ? sim->now_us : d;
}

uint64_t
sl__sim_next_event(struct sl__sim *sim)
{
  uint64_t t = sim->heap_len ? sim->heap[0].at_us : SL__TIME_NEVER;

  /* O(nodes) per step, unavoidable: a node's deadline can change between
   * steps without the sim knowing (the application called into it). */
  for (uint32_t i = 0; i < sim->n_nodes; i++) {
    uint64_t d = node_deadline(sim, i);

    sim->nodes[i].deadline_us = d;
    if (d < t)
      t = d;
  }
  return t;
}

static void
deliver(struct sl__sim *sim)
{
  struct sl__sim_ev ev = heap_pop(sim);
  struct sl__sim_pkt *p = ev.pkt;
  struct sl__sim_pair *pair = &sim->pairs[p->pair];
  struct sl__sim_node *n = &sim->nodes[p->node];

  sim->now_us = ev.at_us;
  sim->stats.bytes_delivered += p->len;
  pair->stats.bytes_delivered += p->len;
  note(sim, pair, SL__SIM_DELIVERED, pair->from, pair->to, p->data, p->len);
  n->input_since_poll = 1;
  sim->in_callback = 1;
  n->ops->input(n->node, p->data, p->len, sim->now_us);
  sim->in_callback = 0;
  free(p);
}

/* Polls, in attach order, every node whose deadline (as computed by the
 * last sl__sim_next_event) is due at t_us. */
static void
poll_due(struct sl__sim *sim, uint64_t t_us)
{
  sim->now_us = t_us;
  /* Re-read n_nodes and nodes[] each time: a callback may attach. */
  for (uint32_t i = 0; i < sim->n_nodes; i++) {
    struct sl__sim_node *n = &sim->nodes[i];

    if (n->deadline_us > t_us)
      continue;
    n->deadline_us = SL__TIME_NEVER;
    n->polled_us = t_us;
    n->input_since_poll = 0;
    sim->in_callback = 1;
    n->ops->poll(n->node, t_us);
    sim->in_callback = 0;
  }
}

/* Performs the event sl__sim_next_event just found at t_us. */
static void
perform(struct sl__sim *sim, uint64_t t_us)
{
  if (sim->heap_len > 0 && sim->heap[0].at_us <= t_us)
    deliver(sim);
  else
    poll_due(sim, t_us);
}

int
sl__sim_step(struct sl__sim *sim)
{
  uint64_t t;

  if (sim->in_callback)
    return -EBUSY;
  t = sl__sim_next_event(sim);
  if (t == SL__TIME_NEVER)
    return 0;
  perform(sim, t);
  return 1;
}

int
sl__sim_run_until(struct sl__sim *sim, uint64_t t_us)
{
  int steps = 0;

  if (sim->in_callback)
    return -EBUSY;
  if (t_us < sim->now_us || t_us == SL__TIME_NEVER)
    return -EINVAL;
  for (;;) {
    uint64_t t = sl__sim_next_event(sim);

    if (t > t_us)
      break;
    perform(sim, t);
    if (steps < INT_MAX)
      steps++;
  }
  sim->now_us = t_us;
  return steps;
}

int
sl__sim_run(struct sl__sim *sim, int (*done)(void *arg), void *arg,
            uint64_t max_us)
{
  uint64_t limit_us;

  if (sim->in_callback)
    return -EBUSY;
  limit_us = sat_add(sim->now_us, max_us);
  if (done != NULL && done(arg))
    return 1;
  for (;;) {
    uint64_t t = sl__sim_next_event(sim);

    if (t == SL__TIME_NEVER)
      return 0;
    if (t > limit_us) {
      sim->now_us = limit_us;
      return 0;
    }
    perform(sim, t);
    if (done != NULL && done(arg))
      return 1;
  }
}

/* ---- setup and inspection -------------------------------------------- */

struct sl__sim *
sl__sim_new(uint64_t seed)
{
  struct sl__sim *sim = calloc(1, sizeof *sim);

  if (sim == NULL)
    return NULL;
  sim->seed = seed;
  sl__rng_seed(&sim->rng, seed);
  return sim;
}

void
sl__sim_free(struct sl__sim *sim)
{
  if (sim == NULL)
    return;
  for (size_t i = 0; i < sim->heap_len; i++)
    free(sim->heap[i].pkt);
  for (uint32_t i = 0; i < sim->n_pairs; i++)
    free(sim->pairs[i].fin_ns);
  free(sim->heap);
  free(sim->pairs);
  free(sim->nodes);
  map_free(&sim->node_map);
  map_free(&sim->pair_map);
  free(sim);
}

uint64_t
sl__sim_seed(const struct sl__sim *sim)
{
  return sim->seed;
}

uint64_t
sl__sim_now(const struct sl__sim *sim)
{
  return sim->now_us;
}

size_t
sl__sim_pending(const struct sl__sim *sim)
{
  return sim->heap_len;
}

int
sl__sim_attach(struct sl__sim *sim, uint32_t addr,
               const struct sl__sim_node_ops *ops, void *node)
{
  struct sl__sim_node *n;

  /* A deadline without a poll to run it would be polled forever. */
  if (ops == NULL || ops->input == NULL ||
      (ops->next_deadline != NULL && ops->poll == NULL))
    return -EINVAL;
  if (map_get(&sim->node_map, addr) >= 0)
    return -EEXIST;
  if (sim->n_nodes == sim->cap_nodes) {
    uint32_t cap = sim->cap_nodes ? 2 * sim->cap_nodes : 4;

    n = realloc(sim->nodes, cap * sizeof *n);
    if (n == NULL)
      return -ENOMEM;
    sim->nodes = n;
    sim->cap_nodes = cap;
  }
  if (map_put(&sim->node_map, addr, sim->n_nodes) < 0)
    return -ENOMEM;
  n = &sim->nodes[sim->n_nodes++];
  n->addr = addr;
  n->ops = ops;
  n->node = node;
  n->deadline_us = SL__TIME_NEVER;
  n->polled_us = SL__TIME_NEVER;
  n->input_since_poll = 0;
  return 0;
}

int
sl__sim_set_faults(struct sl__sim *sim, const struct sl__sim_faults *f)
{
  if (f == NULL || !faults_valid(f))
    return -EINVAL;
  sim->faults = *f;
  return 0;
}

int
sl__sim_set_pair_faults(struct sl__sim *sim, uint32_t from, uint32_t to,
                        const struct sl__sim_faults *f)
{
  struct sl__sim_pair *pair;

  if (f == NULL) {
    pair = pair_find(sim, from, to);
    if (pair != NULL)
      pair->has_faults = 0;
    return 0;
  }
  if (!faults_valid(f))
    return -EINVAL;
  pair = pair_get(sim, from, to);
  if (pair == NULL)
    return -ENOMEM;
  pair->faults = *f;
  pair->has_faults = 1;
  return 0;
}

void
sl__sim_get_faults(const struct sl__sim *sim, uint32_t from, uint32_t to,
                   struct sl__sim_faults *out)
{
  *out = *faults_of(sim, pair_find(sim, from, to));
}

void
sl__sim_set_tap(struct sl__sim *sim, sl__sim_tap_fn *tap, void *arg)
{
  sim->tap = tap;
  sim->tap_arg = arg;
}

const char *
sl__sim_event_name(int event)
{
  if (event < 0 || event >= SL__SIM_EVENT_COUNT)
    return "?";
  return event_names[event];
}

void
sl__sim_stats(const struct sl__sim *sim, struct sl__sim_counters *out)
{
  *out = sim->stats;
}

int
sl__sim_pair_stats(const struct sl__sim *sim, uint32_t from, uint32_t to,
                   struct sl__sim_counters *out)
{
  const struct sl__sim_pair *pair = pair_find(sim, from, to);

  if (pair == NULL) {
    memset(out, 0, sizeof *out);
    return -ENOENT;
  }
  *out = pair->stats;
  return 0;
}
