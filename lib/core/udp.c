/* UDP (RFC 768, RFC 1122 section 4.1): demultiplexing by port, datagram
 * boundaries kept, a bounded receive queue that drops (and counts) what
 * does not fit, and ICMP port unreachable in both directions. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/priv.h"

struct sl__udp_pcb *
sl__udp_new(struct sl__host *h)
{
  struct sl__udp_pcb *u = calloc(1, sizeof *u);

  if (u == NULL)
    return NULL;
  u->host = h;
  u->rcvbuf = h->cfg.rcvbuf;
  u->next = h->udps;
  h->udps = u;
  return u;
}

static void
notify(struct sl__udp_pcb *u)
{
  struct sl__host *h = u->host;

  if (h->notify != NULL)
    h->notify(h->notify_arg, NULL, u);
}

int
sl__udp_bind(struct sl__udp_pcb *u, uint32_t addr, uint16_t port)
{
  struct sl__host *h = u->host;

  if (u->lport != 0)
    return -EINVAL;
  if (addr != 0 && addr != h->addr)
    return -EADDRNOTAVAIL;
  if (port == 0) {
    port = sl__ephemeral_port(h, 0);
    if (port == 0)
      return -EADDRINUSE;
  } else if (h->udp_port_used[port]) {
    return -EADDRINUSE;
  }
  h->udp_port_used[port] = 1;
  u->laddr = addr;
  u->lport = port;
  return 0;
}

int
sl__udp_connect(struct sl__udp_pcb *u, uint32_t addr, uint16_t port)
{
  int r;

  if (addr == 0) { /* AF_UNSPEC: dissolve the association */
    u->raddr = 0;
    u->rport = 0;
    return 0;
  }
  if (port == 0)
    return -ECONNREFUSED; /* Linux refuses port 0 at send time */
  if (u->lport == 0 && (r = sl__udp_bind(u, 0, 0)) < 0)
    return r;
  u->raddr = addr;
  u->rport = port;
  u->error = 0;
  return 0;
}

ssize_t
sl__udp_sendto(struct sl__udp_pcb *u, const void *buf, size_t len,
               uint32_t addr, uint16_t port)
{
  struct sl__host *h = u->host;
  struct sl__udp_dgram d;
  struct sl__event ev = {.type = SL__EV_UDP_OUT};
  size_t n;
  int r;

  if (addr == 0) {
    if (u->raddr == 0)
      return -EDESTADDRREQ;
    addr = u->raddr;
    port = u->rport;
  }
  if (u->error != 0) { /* a refused earlier datagram is reported once */
    r = u->error;
    u->error = 0;
    return r;
  }
  if (len > (size_t)h->cfg.mtu - SL__IP4_HDR_LEN - SL__UDP_HDR_LEN)
    return -EMSGSIZE; /* we never fragment */
  if (u->lport == 0 && (r = sl__udp_bind(u, 0, 0)) < 0)
    return r;
  d.sport = u->lport;
  d.dport = port;
  d.data = buf;
  d.len = len;
  n = sl__udp_write(h->pkt + SL__IP4_HDR_LEN, sizeof h->pkt - SL__IP4_HDR_LEN,
                    h->addr, addr, &d);
  if (n == 0)
    return -EMSGSIZE;
  h->stats.udp.out_datagrams++;
  ev.laddr = h->addr;
  ev.lport = u->lport;
  ev.raddr = addr;
  ev.rport = port;
  ev.len = len;
  sl__trace(h, &ev);
  sl__ip_output(h, addr, SL__IP_PROTO_UDP, n);
  return (ssize_t)len;
}

ssize_t
sl__udp_recvfrom(struct sl__udp_pcb *u, void *buf, size_t len, int flags,
                 uint32_t *from_addr, uint16_t *from_port)
{
  struct sl__dgram *d = u->head;
  size_t n, real;

  if (u->error != 0) {
    int r = u->error;
    u->error = 0;
    return r;
  }
  if (d == NULL)
    return -EAGAIN;
  real = d->len;
  n = real < len ? real : len;
  memcpy(buf, d->data, n);
  if (from_addr)
    *from_addr = d->from_addr;
  if (from_port)
    *from_port = d->from_port;
  if (!(flags & MSG_PEEK)) {
    u->head = d->next;
    if (u->head == NULL)
      u->tail = NULL;
    u->queued -= d->len;
    free(d);
  }
  /* MSG_TRUNC asks for the real length, as Linux gives it. */
  return (ssize_t)((flags & MSG_TRUNC) ? real : n);
}

short
sl__udp_poll(const struct sl__udp_pcb *u)
{
  short ev = POLLOUT;

  if (u->head != NULL)
    ev |= POLLIN;
  if (u->error != 0)
    ev |= POLLERR;
  return ev;
}

int
sl__udp_set_rcvbuf(struct sl__udp_pcb *u, uint32_t bytes)
{
  u->rcvbuf = bytes;
  return 0;
}

void
sl__udp_get_info(const struct sl__udp_pcb *u, struct sl__udp_info *info)
{
  info->laddr = u->laddr;
  info->raddr = u->raddr;
  info->lport = u->lport;
  info->rport = u->rport;
  info->recv_q = (uint32_t)u->queued;
  info->rcvbuf = u->rcvbuf;
}

int
sl__udp_take_error(struct sl__udp_pcb *u)
{
  int e = u->error;

  u->error = 0;
  return e;
}

void
sl__udp_close(struct sl__udp_pcb *u)
{
  struct sl__host *h = u->host;
  struct sl__udp_pcb **pp;

  for (pp = &h->udps; *pp != NULL; pp = &(*pp)->next)
    if (*pp == u) {
      *pp = u->next;
      break;
    }
  if (u->lport != 0)
    h->udp_port_used[u->lport] = 0;
  while (u->head != NULL) {
    struct sl__dgram *d = u->head;
    u->head = d->next;
    free(d);
  }
  free(u);
}

/* The socket for a datagram to dport from src:sport: a connected socket
 * must match its peer; an unconnected one takes any. */
static struct sl__udp_pcb *
udp_lookup(struct sl__host *h, uint16_t dport, uint32_t src, uint16_t sport)
{
  for (struct sl__udp_pcb *u = h->udps; u != NULL; u = u->next) {
    if (u->lport != dport)
      continue;
    if (u->raddr != 0 && (u->raddr != src || u->rport != sport))
      continue;
    return u;
  }
  return NULL;
}

void
sl__udp_input(struct sl__host *h, const struct sl__ip4_hdr *ip,
              const uint8_t *l4, size_t len, const uint8_t *dgram)
{
  struct sl__udp_dgram d;
  struct sl__udp_pcb *u;
  struct sl__dgram *q;
  struct sl__event ev = {.type = SL__EV_UDP_IN};
  int r = sl__udp_parse(l4, len, ip->src, ip->dst, &d);

  if (r != 0) {
    h->stats.udp.in_errors++;
    if (r == SL__DROP_UDP_CSUM)
      h->stats.udp.in_csum_errors++;
    sl__drop(h, r, NULL);
    return;
  }
  u = udp_lookup(h, d.dport, ip->src, d.sport);
  if (u == NULL) {
    h->stats.udp.no_ports++;
    sl__drop(h, SL__DROP_UDP_NO_PORT, NULL);
    sl__udp_send_unreach(h, ip, dgram);
    return;
  }
  /* UDP does not care about the receiver: a full queue just drops. */
  if (u->queued + d.len > u->rcvbuf ||
      (q = malloc(sizeof *q + d.len)) == NULL) {
    h->stats.udp.rcvbuf_errors++;
    h->stats.udp.in_errors++;
    sl__drop(h, SL__DROP_UDP_RCVBUF, NULL);
    return;
  }
  q->next = NULL;
  q->from_addr = ip->src;
  q->from_port = d.sport;
  q->len = d.len;
  memcpy(q->data, d.data, d.len);
  if (u->tail)
    u->tail->next = q;
  else
    u->head = q;
  u->tail = q;
  u->queued += d.len;
  h->stats.udp.in_datagrams++;
  ev.laddr = ip->dst;
  ev.lport = d.dport;
  ev.raddr = ip->src;
  ev.rport = d.sport;
  ev.len = d.len;
  sl__trace(h, &ev);
  notify(u);
}

void
sl__udp_icmp_error(struct sl__host *h, const struct sl__icmp_quote *q, int err)
{
  /* Only a connected socket hears about errors (RFC 1122 4.1.3.3 leaves
   * it to the application; Linux reports them to connected sockets). */
  for (struct sl__udp_pcb *u = h->udps; u != NULL; u = u->next)
    if (u->lport == q->sport && u->raddr == q->ip.dst && u->rport == q->dport) {
      u->error = err;
      notify(u);
      return;
    }
}
