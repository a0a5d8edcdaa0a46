/* TCP user calls (RFC 9293 section 3.10.1-3.10.6: OPEN, SEND, RECEIVE,
 * CLOSE, ABORT, STATUS), with the errno Linux gives for each misuse, and
 * the lifetime of control blocks: allocation, the connection hash, ports,
 * listeners' queues, and freeing. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/priv.h"

/* ---- control blocks ------------------------------------------------ */

struct sl__tcb *
sl__tcb_alloc(struct sl__host *h)
{
  struct sl__tcb *t = calloc(1, sizeof *t);

  if (t == NULL)
    return NULL;
  t->host = h;
  t->state = SL_TCP_CLOSED;
  for (int i = 0; i < SL__TIMER_COUNT; i++)
    t->timer[i] = SL__TIME_NEVER;
  t->sndbuf = h->cfg.sndbuf;
  t->rcvbuf = h->cfg.rcvbuf;
  t->rto_us = h->cfg.rto_initial_us;
  /* A configuration not made by sl__host_config_default (all zero) still
   * gets RFC 1122's two hours of idle before a keep-alive. */
  t->keepidle_us = h->cfg.keepidle_us ? h->cfg.keepidle_us : 7200000000ull;
  t->keepintvl_us = h->cfg.keepintvl_us ? h->cfg.keepintvl_us : 75000000ull;
  t->keepcnt = h->cfg.keepcnt ? h->cfg.keepcnt : 9;
  t->mss_peer = SL__TCP_DEFAULT_MSS;
  t->ssthresh = UINT32_MAX / 2; /* RFC 5681 3.1: arbitrarily high */
  t->next_all = h->all_tcbs;
  if (h->all_tcbs != NULL)
    h->all_tcbs->prev_all = &t->next_all;
  t->prev_all = &h->all_tcbs;
  h->all_tcbs = t;
  h->n_tcbs++;
  return t;
}

static unsigned
tuple_hash(uint16_t lport, uint32_t raddr, uint16_t rport)
{
  uint32_t x = raddr ^ ((uint32_t)lport << 16 | rport);

  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x & (SL__TCB_HASH_SIZE - 1);
}

void
sl__tcb_hash_insert(struct sl__tcb *t)
{
  struct sl__tcb **b =
      &t->host->tcb_hash[tuple_hash(t->lport, t->raddr, t->rport)];

  t->hnext = *b;
  *b = t;
  t->in_hash = SL__IN_HASH;
}

static void
list_remove(struct sl__tcb **head, struct sl__tcb *t, int child_link)
{
  for (struct sl__tcb **pp = head; *pp != NULL;
       pp = child_link ? &(*pp)->child_next : &(*pp)->hnext)
    if (*pp == t) {
      *pp = child_link ? t->child_next : t->hnext;
      return;
    }
}

void
sl__tcb_hash_remove(struct sl__tcb *t)
{
  struct sl__host *h = t->host;

  if (t->in_hash == SL__IN_LISTENERS)
    list_remove(&h->listeners, t, 0);
  else if (t->in_hash == SL__IN_HASH)
    list_remove(&h->tcb_hash[tuple_hash(t->lport, t->raddr, t->rport)], t, 0);
  t->in_hash = 0;
  t->hnext = NULL;
}

struct sl__tcb *
sl__tcb_lookup(struct sl__host *h, uint32_t laddr, uint16_t lport,
               uint32_t raddr, uint16_t rport)
{
  struct sl__tcb *t = h->tcb_hash[tuple_hash(lport, raddr, rport)];

  for (; t != NULL; t = t->hnext)
    if (t->lport == lport && t->raddr == raddr && t->rport == rport &&
        (t->laddr == laddr || t->laddr == 0))
      return t;
  return NULL;
}

struct sl__tcb *
sl__tcb_listener(struct sl__host *h, uint32_t laddr, uint16_t lport)
{
  for (struct sl__tcb *t = h->listeners; t != NULL; t = t->hnext)
    if (t->lport == lport && (t->laddr == 0 || t->laddr == laddr))
      return t;
  return NULL;
}

static void
free_ooo(struct sl__tcb *t)
{
  while (t->ooo != NULL) {
    struct sl__ooo *o = t->ooo;
    t->ooo = o->next;
    free(o);
  }
  t->ooo_bytes = 0;
}

/* Takes a child off its listener's SYN or accept queue. */
static void
unlink_child(struct sl__tcb *t)
{
  struct sl__tcb *l = t->listener;

  if (l == NULL)
    return;
  if (t->in_accept_q) {
    list_remove(&l->accept_q, t, 1);
    l->accept_q_len--;
  } else {
    list_remove(&l->syn_q, t, 1);
    l->syn_q_len--;
  }
  t->listener = NULL;
  t->in_accept_q = 0;
}

void
sl__tcb_free(struct sl__tcb *t)
{
  struct sl__host *h = t->host;

  /* Children nobody accepted die with their listener. */
  while (t->syn_q != NULL)
    sl__tcb_free(t->syn_q);
  while (t->accept_q != NULL)
    sl__tcb_free(t->accept_q);
  unlink_child(t);
  sl__tcb_hash_remove(t);
  if (t->lport != 0 && h->tcp_port_refs[t->lport] > 0 &&
      --h->tcp_port_refs[t->lport] == 0)
    sl__port_set_by_connect(h, t->lport, 0);
  *t->prev_all = t->next_all;
  if (t->next_all != NULL)
    t->next_all->prev_all = t->prev_all;
  h->n_tcbs--;
  sl__ring_free(&t->sndq);
  sl__ring_free(&t->rcvq);
  free_ooo(t);
  free(t);
}

void
sl__tcb_closed(struct sl__tcb *t)
{
  for (int i = 0; i < SL__TIMER_COUNT; i++)
    t->timer[i] = SL__TIME_NEVER;
  sl__ring_free(&t->sndq);
  free_ooo(t);
  sl__tcb_hash_remove(t);
  /* A child still in the SYN queue was never seen by the application. */
  if (t->listener != NULL && !t->in_accept_q)
    t->orphan = 1;
  if (t->orphan)
    sl__tcb_free(t);
}

void
sl__tcp_drop(struct sl__tcb *t, int err, const char *cause)
{
  if (t->state == SL_TCP_SYN_SENT ||
      (t->state == SL_TCP_SYN_RECEIVED && !t->passive))
    t->connect_error = err;
  t->error = err;
  sl__tcp_set_state(t, SL_TCP_CLOSED, cause);
  sl__tcb_closed(t);
}

/* ---- MSS ------------------------------------------------------------- */

uint16_t
sl__tcp_local_mss(const struct sl__tcb *t)
{
  unsigned mtu_mss = t->host->cfg.mtu - SL__IP4_HDR_LEN - SL__TCP_HDR_LEN;

  if (t->mss_user != 0 && t->mss_user < mtu_mss)
    return t->mss_user;
  return (uint16_t)mtu_mss;
}

void
sl__tcp_set_peer_mss(struct sl__tcb *t, int has_mss, uint16_t mss)
{
  /* RFC 9293 3.7.1: without the option, assume 536.  A tiny announced
   * MSS is raised to 64 so a peer cannot make us send 1-byte segments. */
  t->mss_peer = has_mss ? mss : SL__TCP_DEFAULT_MSS;
  if (t->mss_peer < 64)
    t->mss_peer = 64;
  t->mss_local = sl__tcp_local_mss(t);
  /* DESIGN: each side sends no more than the smaller of the two MSS. */
  t->snd_mss = t->mss_peer < t->mss_local ? t->mss_peer : t->mss_local;
  t->cwnd = sl__tcp_initial_window(t);
}

uint32_t
sl__tcp_initial_window(const struct sl__tcb *t)
{
  /* RFC 5681 3.1: IW by SMSS. */
  if (t->snd_mss > 2190)
    return 2u * t->snd_mss;
  if (t->snd_mss > 1095)
    return 3u * t->snd_mss;
  return 4u * t->snd_mss;
}

/* ---- OPEN ------------------------------------------------------------ */

struct sl__tcb *
sl__tcp_new(struct sl__host *h)
{
  return sl__tcb_alloc(h);
}

/* Linux's rules for binding a port someone holds: without SO_REUSEADDR
 * never; with it, unless a listener (or another plain bound socket) has
 * the port.  Connections, TIME-WAIT ones included, do not block it. */
static int
port_conflict(struct sl__host *h, const struct sl__tcb *self, uint16_t port)
{
  if (h->tcp_port_refs[port] == 0)
    return 0;
  if (!self->reuseaddr)
    return 1;
  for (struct sl__tcb *t = h->all_tcbs; t != NULL; t = t->next_all) {
    if (t == self || t->lport != port)
      continue;
    if (t->state == SL_TCP_LISTEN || !t->reuseaddr ||
        (t->state == SL_TCP_CLOSED && t->raddr == 0))
      return 1;
  }
  return 0;
}

int
sl__tcp_bind(struct sl__tcb *t, uint32_t addr, uint16_t port)
{
  struct sl__host *h = t->host;

  if (t->state != SL_TCP_CLOSED || t->lport != 0)
    return -EINVAL;
  if (addr != 0 && addr != h->addr)
    return -EADDRNOTAVAIL;
  if (port == 0) {
    port = sl__ephemeral_port(h, 1);
    if (port == 0)
      return -EADDRINUSE;
  } else if (port_conflict(h, t, port)) {
    return -EADDRINUSE;
  }
  h->tcp_port_refs[port]++;
  sl__port_set_by_connect(h, port, 0); /* bound: never shared by connect */
  t->laddr = addr;
  t->lport = port;
  return 0;
}

/* connect() on an unbound socket: a free ephemeral port, or else one that
 * only other connect()s hold, as long as the 4-tuple is new.  A
 * connection is its 4-tuple, as in Linux (__inet_hash_connect): one
 * client can hold more connections than there are ephemeral ports, TIME-
 * WAIT ones included, as long as they go to different servers.  With no
 * port left for this server: EADDRNOTAVAIL, Linux's errno. */
static int
connect_bind(struct sl__tcb *t, uint32_t raddr, uint16_t rport)
{
  struct sl__host *h = t->host;
  uint16_t port = sl__ephemeral_port(h, 1);

  if (port == 0)
    port = sl__shared_port(h, raddr, rport);
  if (port == 0)
    return -EADDRNOTAVAIL;
  if (h->tcp_port_refs[port]++ == 0)
    sl__port_set_by_connect(h, port, 1);
  t->lport = port;
  return 0;
}

int
sl__tcp_listen(struct sl__tcb *t, int backlog)
{
  struct sl__host *h = t->host;
  int r;

  if (backlog < 1)
    backlog = 1; /* Linux lets one connection wait even with 0 */
  if ((unsigned)backlog > h->cfg.max_backlog)
    backlog = (int)h->cfg.max_backlog;
  if (t->state == SL_TCP_LISTEN) { /* listen() again changes the backlog */
    t->backlog = (unsigned)backlog;
    return 0;
  }
  if (t->state != SL_TCP_CLOSED || t->synced)
    return -EINVAL;
  if (t->lport == 0 && (r = sl__tcp_bind(t, 0, 0)) < 0)
    return r;
  if (sl__tcb_listener(h, t->laddr ? t->laddr : h->addr, t->lport) != NULL)
    return -EADDRINUSE;
  t->backlog = (unsigned)backlog;
  t->mss_local = sl__tcp_local_mss(t);
  t->hnext = h->listeners;
  h->listeners = t;
  t->in_hash = SL__IN_LISTENERS;
  sl__tcp_set_state(t, SL_TCP_LISTEN, "listen()");
  return 0;
}

int
sl__tcp_connect(struct sl__tcb *t, uint32_t addr, uint16_t port)
{
  struct sl__host *h = t->host;
  int r;

  switch (t->state) {
  case SL_TCP_CLOSED:
    break;
  case SL_TCP_SYN_SENT:
  case SL_TCP_SYN_RECEIVED:
    return -EALREADY;
  default:
    return -EISCONN;
  }
  if (t->synced || t->connect_error)
    return t->synced ? -EISCONN : -EINVAL; /* a used socket stays used */
  if (addr == 0)
    addr = h->addr; /* Linux: INADDR_ANY means this host */
  if (t->lport == 0 && (r = connect_bind(t, addr, port)) < 0)
    return r;
  if (sl__tcb_lookup(h, h->addr, t->lport, addr, port) != NULL)
    return -EADDRNOTAVAIL;
  t->laddr = h->addr;
  t->raddr = addr;
  t->rport = port;
  sl__tcb_hash_insert(t);
  t->iss = sl__isn(h, t->laddr, t->lport, addr, port);
  t->snd_una = t->snd_nxt = t->snd_max = t->iss;
  t->mss_local = sl__tcp_local_mss(t);
  t->backoff = 0;
  sl__tcp_set_state(t, SL_TCP_SYN_SENT, "connect()");
  sl__tcp_send_segment(t, t->iss, SL__TCP_SYN, 0, NULL);
  t->snd_nxt = t->snd_max = t->iss + 1;
  t->rtt_timing = 1;
  t->rtt_seq = t->snd_nxt;
  t->rtt_start = h->now;
  sl__tcp_set_timer(t, SL__TIMER_REXMT, sl__tcp_rto(t));
  return -EINPROGRESS;
}

int
sl__tcp_connect_result(struct sl__tcb *t)
{
  if (t->state == SL_TCP_SYN_SENT ||
      (t->state == SL_TCP_SYN_RECEIVED && !t->passive))
    return -EINPROGRESS;
  if (t->synced)
    return 0;
  return t->connect_error ? t->connect_error : -ENOTCONN;
}

void
sl__tcp_child_established(struct sl__tcb *t)
{
  struct sl__tcb *l = t->listener, **pp;

  if (l == NULL || t->in_accept_q)
    return;
  list_remove(&l->syn_q, t, 1);
  l->syn_q_len--;
  for (pp = &l->accept_q; *pp != NULL; pp = &(*pp)->child_next)
    ;
  *pp = t;
  t->child_next = NULL;
  t->in_accept_q = 1;
  l->accept_q_len++;
  sl__notify_tcb(l);
}

int
sl__tcp_accept(struct sl__tcb *l, struct sl__tcb **child)
{
  struct sl__tcb *c;

  if (l->state != SL_TCP_LISTEN)
    return -EINVAL;
  c = l->accept_q;
  if (c == NULL)
    return -EAGAIN;
  l->accept_q = c->child_next;
  l->accept_q_len--;
  c->child_next = NULL;
  c->listener = NULL;
  c->in_accept_q = 0;
  *child = c;
  return 0;
}

/* ---- SEND and RECEIVE ---------------------------------------------- */

ssize_t
sl__tcp_send(struct sl__tcb *t, const void *buf, size_t len)
{
  size_t n;

  if (t->error != 0) {
    int e = t->error;
    t->error = 0;
    return e;
  }
  switch (t->state) {
  case SL_TCP_ESTABLISHED:
  case SL_TCP_CLOSE_WAIT:
    break;
  case SL_TCP_SYN_SENT:
  case SL_TCP_SYN_RECEIVED:
    return -EAGAIN; /* Linux waits for the handshake */
  case SL_TCP_LISTEN:
  case SL_TCP_CLOSED:
    /* Linux (sk_stream_wait_connect) says EPIPE for a socket that is not
     * connected, never ENOTCONN. */
    return -EPIPE;
  default:
    return -EPIPE; /* we have sent (or queued) our FIN */
  }
  if (t->fin_queued)
    return -EPIPE;
  if (len == 0)
    return 0;
  n = sl__ring_put(&t->sndq, buf, len, t->sndbuf);
  if (n == 0)
    return -EAGAIN;
  sl__tcp_output(t);
  return (ssize_t)n;
}

/* After the application read: tell the peer about the room it made, if
 * the advertised window grows enough to be worth a segment (RFC 1122
 * 4.2.3.3: receiver-side silly window syndrome avoidance). */
static void
window_update(struct sl__tcb *t)
{
  uint32_t old =
      SL_SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
  uint32_t now = sl__tcp_rcv_window(t);

  if (t->state < SL_TCP_ESTABLISHED || t->fin_rcvd)
    return;
  if (now > old && (old == 0 || now - old >= 2u * t->mss_local ||
                    now - old >= t->rcvbuf / 2))
    sl__tcp_send_ack(t);
}

ssize_t
sl__tcp_recv(struct sl__tcb *t, void *buf, size_t len, int flags)
{
  size_t n;

  /* After shutdown(SHUT_RD) data is still delivered, queued or arriving
   * later, and an empty queue reads as end of file: Linux's behaviour
   * (lib/README.md says why socklab follows it). */
  if (t->rcvq.len > 0 && len > 0) {
    n = t->rcvq.len < len ? t->rcvq.len : len;
    sl__ring_peek(&t->rcvq, 0, buf, n);
    if (!(flags & MSG_PEEK)) {
      sl__ring_drop(&t->rcvq, n);
      window_update(t);
      /* Drained, and the peer has been told: the connection may sit idle
       * now, so give the buffer back.  (Mid-stream, more data is usually
       * on its way and the storage is kept.) */
      if (t->rcvq.len == 0 && t->last_ack_sent == t->rcv_nxt)
        sl__ring_trim(&t->rcvq);
    }
    return (ssize_t)n;
  }
  if (t->error != 0) {
    int e = t->error;
    t->error = 0;
    return e;
  }
  if (t->fin_rcvd || t->rd_shut)
    return 0;
  switch (t->state) {
  case SL_TCP_LISTEN:
    return -ENOTCONN;
  case SL_TCP_CLOSED:
    return t->synced ? 0 : -ENOTCONN;
  default:
    return len == 0 ? 0 : -EAGAIN;
  }
}

/* ---- CLOSE, SHUTDOWN and ABORT ------------------------------------- */

/* Queues our FIN and moves to the closing state the diagram names. */
static void
queue_fin(struct sl__tcb *t, const char *cause)
{
  switch (t->state) {
  case SL_TCP_SYN_RECEIVED:
  case SL_TCP_ESTABLISHED:
    t->fin_queued = 1;
    sl__tcp_set_state(t, SL_TCP_FIN_WAIT_1, cause);
    break;
  case SL_TCP_CLOSE_WAIT:
    t->fin_queued = 1;
    sl__tcp_set_state(t, SL_TCP_LAST_ACK, cause);
    break;
  default:
    return;
  }
  sl__tcp_output(t);
}

int
sl__tcp_shutdown(struct sl__tcb *t, int how)
{
  if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
    return -EINVAL;
  if (t->state == SL_TCP_CLOSED || t->state == SL_TCP_LISTEN ||
      t->state == SL_TCP_SYN_SENT)
    return t->state == SL_TCP_LISTEN && how != SHUT_WR ? 0 : -ENOTCONN;
  if (how != SHUT_WR) {
    t->rd_shut = 1;
    sl__notify_tcb(t);
  }
  /* The trace names the call as it was made: a program that called
   * SHUT_RDWR must not read that SHUT_WR sent its FIN. */
  if (how != SHUT_RD)
    queue_fin(t, how == SHUT_WR ? "shutdown(SHUT_WR)" : "shutdown(SHUT_RDWR)");
  return 0;
}

void
sl__tcp_send_rst(struct sl__tcb *t)
{
  sl__tcp_send_segment(t, t->snd_max, SL__TCP_RST | SL__TCP_ACK, 0, NULL);
}

void
sl__tcp_abort(struct sl__tcb *t)
{
  t->orphan = 1;
  switch (t->state) {
  case SL_TCP_SYN_RECEIVED:
  case SL_TCP_ESTABLISHED:
  case SL_TCP_FIN_WAIT_1:
  case SL_TCP_FIN_WAIT_2:
  case SL_TCP_CLOSE_WAIT:
    /* RFC 9293 3.10.5: send a reset, flush everything, CLOSED. */
    sl__tcp_send_rst(t);
    break;
  default:
    break;
  }
  t->error = 0;
  if (t->state == SL_TCP_CLOSED) {
    sl__tcb_closed(t);
    return;
  }
  sl__tcp_set_state(t, SL_TCP_CLOSED, "abort()");
  sl__tcb_closed(t);
}

/* Closing a listener resets the connections nobody accepted. */
static void
close_listener(struct sl__tcb *l)
{
  while (l->accept_q != NULL)
    sl__tcp_abort(l->accept_q);
  while (l->syn_q != NULL)
    sl__tcp_abort(l->syn_q);
}

void
sl__tcp_close(struct sl__tcb *t)
{
  t->orphan = 1;
  switch (t->state) {
  case SL_TCP_CLOSED:
    sl__tcb_closed(t);
    return;
  case SL_TCP_LISTEN:
    close_listener(t);
    sl__tcp_set_state(t, SL_TCP_CLOSED, "close()");
    sl__tcb_closed(t);
    return;
  case SL_TCP_SYN_SENT:
    sl__tcp_set_state(t, SL_TCP_CLOSED, "close()");
    sl__tcb_closed(t);
    return;
  default:
    break;
  }
  /* SO_LINGER {on, 0 s}, or data the application never read: reset
   * (RFC 9293 3.10.4 leaves it open; RFC 2525 2.17 and Linux do this). */
  if ((t->linger_on && t->linger_s == 0) || t->rcvq.len > 0) {
    sl__tcp_abort(t);
    return;
  }
  queue_fin(t, "close()");
  if (t->state == SL_TCP_FIN_WAIT_2)
    sl__tcp_set_timer(t, SL__TIMER_FIN_WAIT_2, t->host->cfg.fin_wait2_us);
}

/* ---- STATUS and options -------------------------------------------- */

short
sl__tcp_poll(const struct sl__tcb *t)
{
  short ev = 0;

  if (t->error != 0)
    ev |= POLLERR;
  switch (t->state) {
  case SL_TCP_LISTEN:
    return t->accept_q != NULL ? POLLIN : 0;
  case SL_TCP_CLOSED:
    /* Never connected: Linux reports POLLOUT | POLLHUP. */
    return (short)(ev | POLLOUT | POLLHUP |
                   (t->synced || t->connect_error ? POLLIN : 0));
  case SL_TCP_SYN_SENT:
  case SL_TCP_SYN_RECEIVED:
    return ev;
  default:
    break;
  }
  if (t->rcvq.len > 0 || t->fin_rcvd || t->rd_shut)
    ev |= POLLIN;
  if (t->fin_rcvd || t->rd_shut)
    ev |= POLLRDHUP; /* Linux: shutdown(SHUT_RD) reports it too */
  if (t->fin_queued) {
    if (t->fin_rcvd)
      ev |= POLLHUP;
  } else if (t->sndq.len < t->sndbuf && (t->state == SL_TCP_ESTABLISHED ||
                                         t->state == SL_TCP_CLOSE_WAIT)) {
    ev |= POLLOUT;
  }
  return ev;
}

int
sl__tcp_take_error(struct sl__tcb *t)
{
  int e = t->error;

  t->error = 0;
  return e;
}

int
sl__tcp_set_nodelay(struct sl__tcb *t, int on)
{
  t->nodelay = on != 0;
  if (on && t->state >= SL_TCP_ESTABLISHED)
    sl__tcp_output(t); /* what Nagle held back may go now */
  return 0;
}

int
sl__tcp_set_mss(struct sl__tcb *t, unsigned mss)
{
  /* Linux's range (TCP_MIN_MSS to MAX_TCP_WINDOW); 0 goes back to the
   * MSS the MTU allows. */
  if (mss != 0 && (mss < 88 || mss > 32767))
    return -EINVAL;
  if (t->state != SL_TCP_CLOSED && t->state != SL_TCP_LISTEN)
    return 0; /* too late to announce; ignored like Linux */
  t->mss_user = (uint16_t)mss;
  t->mss_local = sl__tcp_local_mss(t);
  return 0;
}

int
sl__tcp_set_sndbuf(struct sl__tcb *t, uint32_t bytes)
{
  t->sndbuf = bytes < 1024 ? 1024 : bytes;
  return 0;
}

int
sl__tcp_set_rcvbuf(struct sl__tcb *t, uint32_t bytes)
{
  /* The window field has 16 bits and we do not scale it. */
  if (bytes > SL__TCP_MAX_WND)
    bytes = SL__TCP_MAX_WND;
  t->rcvbuf = bytes < 256 ? 256 : bytes;
  return 0;
}

int
sl__tcp_set_linger(struct sl__tcb *t, int on, int seconds)
{
  t->linger_on = on != 0;
  t->linger_s = seconds < 0 ? 0 : seconds;
  return 0;
}

int
sl__tcp_set_reuseaddr(struct sl__tcb *t, int on)
{
  t->reuseaddr = on != 0;
  return 0;
}

int
sl__tcp_set_user_timeout(struct sl__tcb *t, int ms)
{
  if (ms < 0)
    return -EINVAL; /* Linux's answer */
  t->user_timeout_us = (uint64_t)ms * 1000;
  sl__tcp_user_timer(t, 1);
  return 0;
}

int
sl__tcp_set_keepalive(struct sl__tcb *t, int on)
{
  t->keepalive = on != 0;
  sl__tcp_keepalive_timer(t);
  return 0;
}

/* Linux's limits: MAX_TCP_KEEPIDLE and MAX_TCP_KEEPINTVL, 32767 s. */
int
sl__tcp_set_keepidle(struct sl__tcb *t, int seconds)
{
  if (seconds < 1 || seconds > 32767)
    return -EINVAL;
  t->keepidle_us = (uint64_t)seconds * 1000000;
  sl__tcp_keepalive_timer(t);
  return 0;
}

int
sl__tcp_set_keepintvl(struct sl__tcb *t, int seconds)
{
  if (seconds < 1 || seconds > 32767)
    return -EINVAL;
  t->keepintvl_us = (uint64_t)seconds * 1000000;
  return 0;
}

int
sl__tcp_set_keepcnt(struct sl__tcb *t, int count)
{
  if (count < 1 || count > 127) /* MAX_TCP_KEEPCNT */
    return -EINVAL;
  t->keepcnt = (unsigned)count;
  return 0;
}

void
sl__tcp_get_sockopts(const struct sl__tcb *t, struct sl__tcp_sockopts *o)
{
  o->nodelay = t->nodelay;
  o->reuseaddr = t->reuseaddr;
  o->keepalive = t->keepalive;
  o->linger_on = t->linger_on;
  o->linger_s = t->linger_s;
  o->mss_user = t->mss_user;
  o->sndbuf = t->sndbuf;
  o->rcvbuf = t->rcvbuf;
  o->user_timeout_ms = (int)(t->user_timeout_us / 1000);
  o->keepidle_s = (int)(t->keepidle_us / 1000000);
  o->keepintvl_s = (int)(t->keepintvl_us / 1000000);
  o->keepcnt = (int)t->keepcnt;
}

enum sl_tcp_state
sl__tcp_state(const struct sl__tcb *t)
{
  return t->state;
}

void
sl__tcp_get_info(const struct sl__tcb *t, struct sl__tcp_info *in)
{
  memset(in, 0, sizeof *in);
  in->state = t->state;
  in->laddr = t->laddr;
  in->raddr = t->raddr;
  in->lport = t->lport;
  in->rport = t->rport;
  in->iss = t->iss;
  in->irs = t->irs;
  in->snd_una = t->snd_una;
  in->snd_nxt = t->snd_nxt;
  in->snd_wnd = t->snd_wnd;
  in->rcv_nxt = t->rcv_nxt;
  in->rcv_wnd = SL_SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
  in->snd_mss = t->snd_mss;
  in->rcv_mss = t->mss_local;
  in->peer_mss = t->mss_peer;
  in->cwnd = t->cwnd;
  in->ssthresh = t->ssthresh;
  in->srtt_us = t->srtt_us;
  in->rttvar_us = t->rttvar_us;
  in->rto_us = sl__tcp_rto(t);
  in->backoff = t->backoff;
  in->retries = t->retries;
  in->retransmits = t->retransmits;
  in->send_q = (uint32_t)t->sndq.len;
  in->recv_q = (uint32_t)t->rcvq.len;
  in->ooo_bytes = t->ooo_bytes;
  in->timer_deadline_us = SL__TIME_NEVER;
  for (int i = 0; i < SL__TIMER_COUNT; i++)
    if (t->timer[i] < in->timer_deadline_us) {
      in->timer_deadline_us = t->timer[i];
      in->timer = (enum sl__timer)i;
    }
  in->orphan = t->orphan;
  in->backlog = t->backlog;
  in->syn_queue = t->syn_q_len;
  in->accept_queue = t->accept_q_len;
  if (t->state == SL_TCP_LISTEN) { /* netstat: Recv-Q of a listener */
    in->recv_q = t->accept_q_len;
    in->send_q = t->backlog;
  }
}
