/* The simulated bulk transfer (xfer.h).  The data is a function of the
 * seed and the byte's position, so neither side keeps a copy: a transfer
 * of any size runs in constant memory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/ring.h"
#include "core/stack.h"
#include "sim/xfer.h"

/* The pattern: a block of PERIOD bytes derived from the seed, repeated,
 * with the repetition count added to every byte.  PERIOD is prime, so a
 * byte delivered at the wrong offset (by any amount) shows. */
#define PERIOD 65521

static uint8_t
block_byte(uint64_t seed, uint64_t j)
{
  uint64_t z = seed * 0x9e3779b97f4a7c15ull + (j >> 3) + 1;

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return (uint8_t)(z >> ((j & 7) * 8));
}

uint8_t
sl__xfer_byte(uint64_t seed, uint64_t i)
{
  return (uint8_t)(block_byte(seed, i % PERIOD) + (uint8_t)(i / PERIOD));
}

struct pattern {
  uint64_t seed;
  uint8_t block[PERIOD];
};

static void
pattern_init(struct pattern *p, uint64_t seed)
{
  p->seed = seed;
  for (uint64_t j = 0; j < PERIOD; j++)
    p->block[j] = block_byte(seed, j);
}

/* Bytes off .. off+n-1 of the pattern. */
static void
fill(const struct pattern *p, uint64_t off, uint8_t *buf, size_t n)
{
  while (n > 0) {
    size_t j = (size_t)(off % PERIOD);
    size_t run = PERIOD - j < n ? PERIOD - j : n;
    uint8_t add = (uint8_t)(off / PERIOD);
    const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full, hi = 0x8080808080808080ull;
    uint64_t a = add * 0x0101010101010101ull;
    size_t i = 0;

    /* Eight byte-wise additions at once, carries kept inside each byte. */
    for (; i + 8 <= run; i += 8) {
      uint64_t v, r;
      memcpy(&v, p->block + j + i, 8);
      r = ((v & lo7) + (a & lo7)) ^ ((v ^ a) & hi);
      memcpy(buf + i, &r, 8);
    }
    for (; i < run; i++)
      buf[i] = (uint8_t)(p->block[j + i] + add);
    buf += run;
    off += run;
    n -= run;
  }
}

#define CHUNK 65536

/* Two hosts on a sim: what both experiments run on. */
struct net {
  struct sl__sim *sim;
  struct sl__host *client, *server;
};

struct run {
  struct sl__xfer *x;
  struct net net;
  struct sl__tcb *listener, *client, *server;
  uint64_t sent; /* bytes the client's TCP accepted */
  struct pattern pat;
  uint8_t chunk[CHUNK];   /* pattern bytes generated ahead of sending */
  size_t chunk_off;       /* first unsent byte in chunk */
  size_t chunk_len;       /* valid bytes in chunk */
  uint8_t expect[CHUNK];  /* scratch for the comparisons */
  struct sl__ring echo_q; /* echo: read by the server, not yet sent back */
  int client_shut;        /* echo: the client shut down writing */
  int client_closing, server_closing;
  int failed;
};

void
sl__sim_output(void *sim, const uint8_t *pkt, size_t len)
{
  sl__sim_send(sim, sl__get32(pkt + 12), pkt, len);
}

static void
node_input(void *node, const uint8_t *pkt, size_t len, uint64_t now)
{
  sl__host_input(node, pkt, len, now);
}

static void
node_poll(void *node, uint64_t now)
{
  sl__host_poll(node, now);
}

static uint64_t
node_deadline(void *node)
{
  return sl__host_next_deadline(node);
}

const struct sl__sim_node_ops sl__sim_host_ops = {
    .input = node_input, .poll = node_poll, .next_deadline = node_deadline};

/* Watches the wire for the largest payload, then passes packets on. */
static void
tap(void *arg, uint64_t now, uint32_t from, uint32_t to, const uint8_t *pkt,
    size_t len, int event)
{
  struct run *r = arg;
  struct sl__xfer *x = r->x;
  struct sl__ip4_hdr ip;

  if (event == SL__SIM_SENT && sl__ip4_parse(pkt, len, &ip) == 0 &&
      ip.proto == SL__IP_PROTO_TCP && sl__ip4_payload_len(&ip) >= 20) {
    size_t hl = (size_t)(pkt[ip.hdr_len + 12] >> 4) * 4;
    size_t payload = sl__ip4_payload_len(&ip) - hl;
    uint32_t *max =
        from == SL__XFER_CLIENT ? &x->max_seg_client : &x->max_seg_server;
    if (hl <= sl__ip4_payload_len(&ip) && payload > *max)
      *max = (uint32_t)payload;
  }
  if (x->tap != NULL)
    x->tap(x->tap_arg, now, from, to, pkt, len, event);
}

/* Echo mode, while still sending: read (and check) what came back. */
static void
echo_drain(struct run *r)
{
  struct sl__xfer *x = r->x;
  uint8_t buf[16384];
  ssize_t n;

  while ((n = sl__tcp_recv(r->client, buf, sizeof buf, 0)) > 0) {
    fill(&r->pat, x->echoed, r->expect, (size_t)n);
    if (memcmp(buf, r->expect, (size_t)n) != 0)
      x->identical = 0;
    x->echoed += (uint64_t)n;
  }
}

/* Echo mode: the client half-closes once everything is sent, checks
 * what comes back, and closes when the server has closed. */
static void
client_read_echo(struct run *r)
{
  struct sl__xfer *x = r->x;
  uint8_t buf[16384];
  ssize_t n;

  if (!r->client_shut) {
    sl__tcp_shutdown(r->client, SHUT_WR);
    r->client_shut = 1;
  }
  while ((n = sl__tcp_recv(r->client, buf, sizeof buf, 0)) != -EAGAIN) {
    if (n < 0) {
      x->client_error = (int)n;
      r->failed = 1;
      return;
    }
    if (n == 0) {
      sl__tcp_close(r->client);
      r->client = NULL;
      r->client_closing = 1;
      return;
    }
    fill(&r->pat, x->echoed, r->expect, (size_t)n);
    if (x->echoed + (uint64_t)n > x->bytes ||
        memcmp(buf, r->expect, (size_t)n) != 0)
      x->identical = 0;
    x->echoed += (uint64_t)n;
  }
}

static void
client_side(struct run *r)
{
  struct sl__xfer *x = r->x;
  int res;

  if (r->client == NULL)
    return;
  res = sl__tcp_connect_result(r->client);
  if (res == -EINPROGRESS)
    return;
  if (res < 0) {
    x->client_error = res;
    r->failed = 1;
    return;
  }
  while (r->sent < x->bytes) {
    ssize_t w;
    if (r->chunk_off == r->chunk_len) {
      uint64_t left = x->bytes - r->sent;
      r->chunk_off = 0;
      r->chunk_len = left < CHUNK ? (size_t)left : CHUNK;
      if (!x->no_verify)
        fill(&r->pat, r->sent, r->chunk, r->chunk_len);
    }
    w = sl__tcp_send(r->client, r->chunk + r->chunk_off,
                     r->chunk_len - r->chunk_off);
    if (w == -EAGAIN) {
      /* Reading the echo while sending keeps both windows open. */
      if (x->echo && r->sent < x->bytes)
        echo_drain(r);
      return;
    }
    if (w < 0) {
      x->client_error = (int)w;
      r->failed = 1;
      return;
    }
    r->sent += (uint64_t)w;
    r->chunk_off += (size_t)w;
  }
  if (x->echo) {
    client_read_echo(r);
    return;
  }
  if (x->server_closes_first) {
    /* Wait for the server's FIN (end of stream), then close. */
    uint8_t b[512];
    ssize_t n;
    while ((n = sl__tcp_recv(r->client, b, sizeof b, 0)) > 0)
      ;
    if (n == -EAGAIN)
      return;
  }
  sl__tcp_close(r->client); /* the host frees it when it is done */
  r->client = NULL;
  r->client_closing = 1;
}

/* Echo mode: sends what the server has read and not yet echoed. */
static int
echo_flush(struct run *r)
{
  uint8_t buf[16384];

  while (r->echo_q.len > 0) {
    size_t n = r->echo_q.len < sizeof buf ? r->echo_q.len : sizeof buf;
    ssize_t w;
    sl__ring_peek(&r->echo_q, 0, buf, n);
    w = sl__tcp_send(r->server, buf, n);
    if (w == -EAGAIN)
      return 0;
    if (w < 0) {
      r->x->server_error = (int)w;
      r->failed = 1;
      return -1;
    }
    sl__ring_drop(&r->echo_q, (size_t)w);
  }
  return 0;
}

static void
server_side(struct run *r)
{
  struct sl__xfer *x = r->x;
  uint8_t buf[16384];
  ssize_t n;

  if (r->server == NULL && r->listener != NULL &&
      sl__tcp_accept(r->listener, &r->server) == 0) {
    sl__tcp_close(r->listener); /* one connection is all it serves */
    r->listener = NULL;
  }
  if (r->server != NULL && x->echo && echo_flush(r) < 0)
    return;
  if (sl__sim_now(r->net.sim) < x->server_sleep_us)
    return; /* asleep: what arrives waits in the receive buffer */
  while (r->server != NULL && (!x->echo || r->echo_q.len < CHUNK) &&
         !x->server_eof &&
         (n = sl__tcp_recv(r->server, buf, sizeof buf, 0)) != -EAGAIN) {
    if (n < 0) {
      x->server_error = (int)n;
      r->failed = 1;
      return;
    }
    if (n == 0) {
      x->server_eof = 1;
      break;
    }
    if (x->echo) {
      sl__ring_put(&r->echo_q, buf, (size_t)n, 4 * CHUNK);
      if (echo_flush(r) < 0)
        return;
    }
    if (!x->no_verify) {
      fill(&r->pat, x->received, r->expect, (size_t)n);
      if (memcmp(buf, r->expect, (size_t)n) != 0)
        x->identical = 0;
    }
    x->received += (uint64_t)n;
  }
  /* Close after end of stream, once everything is echoed -- or, when the
   * server closes first, as soon as everything has arrived. */
  if (r->server != NULL &&
      ((x->server_eof && r->echo_q.len == 0) ||
       (x->server_closes_first && x->received == x->bytes))) {
    sl__tcp_close(r->server);
    r->server = NULL;
    r->server_closing = 1;
  }
}

/* Counts a host's connections, and those not in TIME-WAIT. */
struct census {
  unsigned all, not_time_wait;
};

static void
count_tcb(void *arg, const struct sl__tcb *t)
{
  struct census *c = arg;

  c->all++;
  c->not_time_wait += sl__tcp_state(t) != SL_TCP_TIME_WAIT;
}

static struct census
census(struct sl__host *h)
{
  struct census c = {0, 0};

  sl__host_foreach_tcb(h, count_tcb, &c);
  return c;
}

/* Whether every connection left on h waits in TIME-WAIT (or none is). */
static int
only_time_wait(struct sl__host *h)
{
  return census(h).not_time_wait == 0;
}

/* Whether h has no connection left at all. */
static int
no_connection(struct sl__host *h)
{
  return census(h).all == 0;
}

/* After every step of the sim: the two applications take their turn. */
static int
step(void *arg)
{
  struct run *r = arg;
  uint64_t now = sl__sim_now(r->net.sim);

  sl__host_poll(r->net.client, now);
  sl__host_poll(r->net.server, now);
  client_side(r);
  server_side(r);
  if (r->x->closed_us == 0 && r->client_closing && r->server_closing &&
      only_time_wait(r->net.client) && only_time_wait(r->net.server))
    r->x->closed_us = now;
  return r->failed ||
         (r->client_closing && r->server_closing &&
          no_connection(r->net.client) && no_connection(r->net.server));
}

/* The sim and both hosts on it, each host seeded apart (their ISNs and
 * ports differ) and traced when trace is set. */
static int
net_new(struct net *n, uint64_t seed, const struct sl__host_config *c,
        const struct sl__sim_faults *faults, sl__trace_fn *trace,
        void *trace_arg)
{
  struct sl__host_config cfg;
  int e;

  if (c)
    cfg = *c;
  else
    sl__host_config_default(&cfg);
  n->sim = sl__sim_new(seed);
  cfg.seed = seed;
  n->client = sl__host_new(SL__XFER_CLIENT, &cfg, sl__sim_output, n->sim);
  cfg.seed = seed + 1;
  n->server = sl__host_new(SL__XFER_SERVER, &cfg, sl__sim_output, n->sim);
  if (!n->sim || !n->client || !n->server)
    return -ENOMEM;
  if ((e = sl__sim_set_faults(n->sim, faults)) < 0 ||
      (e = sl__sim_attach(n->sim, SL__XFER_CLIENT, &sl__sim_host_ops,
                          n->client)) < 0 ||
      (e = sl__sim_attach(n->sim, SL__XFER_SERVER, &sl__sim_host_ops,
                          n->server)) < 0)
    return e;
  if (trace) {
    sl__host_set_trace(n->client, trace, trace_arg);
    sl__host_set_trace(n->server, trace, trace_arg);
  }
  return 0;
}

static void
net_free(struct net *n)
{
  if (n->sim)
    sl__sim_free(n->sim);
  sl__host_free(n->client);
  sl__host_free(n->server);
}

static int
setup(struct run *r)
{
  struct sl__xfer *x = r->x;
  int e = net_new(&r->net, x->seed, x->cfg, &x->faults, x->trace, x->trace_arg);

  x->client_host = r->net.client;
  x->server_host = r->net.server;
  if (e < 0)
    return e;
  sl__sim_set_tap(r->net.sim, tap, r);
  r->listener = sl__tcp_new(r->net.server);
  r->client = sl__tcp_new(r->net.client);
  if (!r->listener || !r->client)
    return -ENOMEM;
  /* The connection takes the listener's buffer sizes, as on Linux. */
  if (x->server_rcvbuf)
    sl__tcp_set_rcvbuf(r->listener, x->server_rcvbuf);
  if ((x->mss_server && (e = sl__tcp_set_mss(r->listener, x->mss_server))) ||
      (x->mss_client && (e = sl__tcp_set_mss(r->client, x->mss_client))))
    return e;
  if ((e = sl__tcp_bind(r->listener, 0, SL__XFER_PORT)) < 0 ||
      (e = sl__tcp_listen(r->listener, 4)) < 0)
    return e;
  e = sl__tcp_connect(r->client, SL__XFER_SERVER, SL__XFER_PORT);
  return e == -EINPROGRESS ? 0 : e;
}

/* Steps the sim until the run is done or limit_us has passed.  Nothing
 * on the wire wakes a sleeping server at the end of its sleep, so the sim
 * stops there once; sl__sim_run gives the applications their turn before
 * its first step. */
static int
run_sim(struct run *r, uint64_t limit_us)
{
  uint64_t wake = r->x->server_sleep_us;
  int done;

  if (wake > 0 && wake < limit_us) {
    done = sl__sim_run(r->net.sim, step, r, wake);
    if (done != 0)
      return done;
    if (sl__sim_now(r->net.sim) < wake) /* idle before it: move the clock */
      sl__sim_run_until(r->net.sim, wake);
    limit_us -= wake;
  }
  return sl__sim_run(r->net.sim, step, r, limit_us);
}

int
sl__xfer_run(struct sl__xfer *x)
{
  struct run *r = calloc(1, sizeof *r); /* big: pattern and buffers */
  int e, done;

  if (r == NULL)
    return -ENOMEM;
  r->x = x;
  pattern_init(&r->pat, x->seed);
  x->received = 0;
  x->echoed = 0;
  x->identical = 1;
  x->server_eof = x->client_closed = x->server_closed = 0;
  x->closed_us = 0;
  x->client_error = x->server_error = 0;
  x->max_seg_client = x->max_seg_server = 0;
  e = setup(r);
  if (e == 0) {
    done = run_sim(r, x->max_us ? x->max_us : 3600ull * 1000000);
    x->duration_us = sl__sim_now(r->net.sim);
    x->client_closed = no_connection(r->net.client);
    x->server_closed = no_connection(r->net.server);
    x->client_stats = *sl__host_stats(r->net.client);
    x->server_stats = *sl__host_stats(r->net.server);
    sl__sim_stats(r->net.sim, &x->wire);
    if (x->client_error)
      e = x->client_error;
    else if (x->server_error)
      e = x->server_error;
    else if (!x->identical || x->received != x->bytes ||
             (x->echo && x->echoed != x->bytes))
      e = done == 1 ? -EIO : -ETIMEDOUT;
    else if (done != 1)
      e = -ETIMEDOUT;
  }
  sl__ring_free(&r->echo_q);
  net_free(&r->net);
  x->client_host = x->server_host = NULL;
  free(r);
  return e;
}

/* ---- datagrams --------------------------------------------------------- */

struct udp_run {
  struct sl__xfer_udp *x;
  struct net net;
  struct sl__udp_pcb *client, *server;
};

/* After every step of the sim: the server reads what has arrived, and
 * notes when each numbered datagram did. */
static int
udp_step(void *arg)
{
  struct udp_run *r = arg;
  struct sl__xfer_udp *x = r->x;
  uint64_t now = sl__sim_now(r->net.sim);
  char buf[64];
  ssize_t n;
  unsigned i;

  sl__host_poll(r->net.server, now);
  while ((n = sl__udp_recvfrom(r->server, buf, sizeof buf - 1, 0, NULL,
                               NULL)) >= 0) {
    buf[n] = '\0';
    x->received++;
    if (sscanf(buf, "datagram %u", &i) == 1 && i >= 1 && i <= x->count &&
        x->read_us[i - 1] == SL__TIME_NEVER)
      x->read_us[i - 1] = now;
  }
  return 0; /* the run ends when the sim has nothing left to do */
}

static int
udp_send(struct udp_run *r, unsigned i)
{
  struct sl__xfer_udp *x = r->x;
  uint64_t now = sl__sim_now(r->net.sim);
  struct sl__udp_info info;
  char msg[32];
  int len = snprintf(msg, sizeof msg, "datagram %u", i + 1);
  ssize_t w;

  sl__host_poll(r->net.client, now);
  w = sl__udp_sendto(r->client, msg, (size_t)len, SL__XFER_SERVER,
                     SL__XFER_UDP_PORT);
  if (w < 0)
    return (int)w;
  sl__udp_get_info(r->client, &info);
  x->client_port = info.lport;
  x->sent_us[i] = now;
  x->sent++;
  return 0;
}

static int
udp_setup(struct udp_run *r)
{
  struct sl__xfer_udp *x = r->x;
  int e = net_new(&r->net, x->seed, x->cfg, &x->faults, x->trace, x->trace_arg);

  x->client_host = r->net.client;
  x->server_host = r->net.server;
  if (e < 0)
    return e;
  if (x->tap)
    sl__sim_set_tap(r->net.sim, x->tap, x->tap_arg);
  r->server = sl__udp_new(r->net.server);
  r->client = sl__udp_new(r->net.client);
  if (!r->server || !r->client)
    return -ENOMEM;
  return sl__udp_bind(r->server, 0, SL__XFER_UDP_PORT);
}

int
sl__xfer_udp_run(struct sl__xfer_udp *x)
{
  struct udp_run r = {.x = x};
  int e;

  if (x->count == 0 || x->count > SL__XFER_UDP_MAX)
    return -EINVAL;
  x->sent = x->received = 0;
  x->client_port = 0;
  for (unsigned i = 0; i < SL__XFER_UDP_MAX; i++) {
    x->sent_us[i] = 0;
    x->read_us[i] = SL__TIME_NEVER;
  }
  e = udp_setup(&r);
  /* Each send waits for its time; what arrives meanwhile is read. */
  for (unsigned i = 0; e == 0 && i < x->count; i++) {
    uint64_t at = i * x->interval_us;
    sl__sim_run(r.net.sim, udp_step, &r, at - sl__sim_now(r.net.sim));
    sl__sim_run_until(r.net.sim, at);
    e = udp_send(&r, i);
  }
  if (e == 0) {
    sl__sim_run(r.net.sim, udp_step, &r, 3600ull * 1000000);
    x->client_stats = *sl__host_stats(r.net.client);
    x->server_stats = *sl__host_stats(r.net.server);
    sl__sim_stats(r.net.sim, &x->wire);
  }
  net_free(&r.net); /* and the sockets with the hosts */
  x->client_host = x->server_host = NULL;
  return e;
}
