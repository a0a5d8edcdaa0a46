/* A stack instance: IPv4 input and output (RFC 791, RFC 1122 section 3),
 * ICMP echo and destination unreachable (RFC 792), timers, ephemeral
 * ports (RFC 6056) and initial sequence numbers (RFC 6528). */
#include <stdlib.h>
#include <string.h>

#include "core/priv.h"

void
sl__host_config_default(struct sl__host_config *cfg)
{
  memset(cfg, 0, sizeof *cfg);
  cfg->mtu = 1500;
  cfg->msl_us = 30 * 1000000ull;
  cfg->rto_initial_us = 1000000;
  cfg->rto_min_us = 200000;
  cfg->rto_max_us = 60 * 1000000ull;
  /* RFC 9293 3.8.3 (MUST-23): a SYN is retransmitted for at least 3
   * minutes.  From a 1 s RTO doubling to the 60 s maximum, the 7th
   * retransmission goes at 123 s and the attempt ends at 183 s (Linux's
   * 6 and 5 end at 127 s and 63 s). */
  cfg->syn_retries = 7;
  cfg->synack_retries = 7;
  cfg->data_retries = 15;
  cfg->delack_us = 40000;
  cfg->persist_max_us = 60 * 1000000ull;
  cfg->fin_wait2_us = 60 * 1000000ull;
  cfg->keepidle_us = 7200 * 1000000ull; /* RFC 1122: at least two hours */
  cfg->keepintvl_us = 75 * 1000000ull;  /* Linux's defaults */
  cfg->keepcnt = 9;
  cfg->challenge_acks_per_s = 1000;
  cfg->sndbuf = 65536;
  cfg->rcvbuf = 65535;
  cfg->max_backlog = 4096;
  cfg->seed = 1;
}

struct sl__host *
sl__host_new(uint32_t addr, const struct sl__host_config *cfg,
             sl__output_fn *output, void *output_arg)
{
  struct sl__host *h = calloc(1, sizeof *h);

  if (h == NULL)
    return NULL;
  h->addr = addr;
  if (cfg != NULL)
    h->cfg = *cfg;
  else
    sl__host_config_default(&h->cfg);
  if (h->cfg.mtu < 68)
    h->cfg.mtu = 68; /* RFC 791: every host must accept 68 */
  h->output = output;
  h->output_arg = output_arg;
  h->next_deadline = SL__TIME_NEVER;
  /* Everything random derives from the seed, so runs replay exactly. */
  sl__rng_seed(&h->rng, h->cfg.seed ^ ((uint64_t)addr << 32));
  h->isn_key[0] = sl__rng_next(&h->rng);
  h->isn_key[1] = sl__rng_next(&h->rng);
  h->ip_id = (uint16_t)sl__rng_next(&h->rng);
  h->next_port = (uint16_t)(SL__EPHEMERAL_LO +
                            sl__rng_below(&h->rng, SL__EPHEMERAL_HI -
                                                       SL__EPHEMERAL_LO + 1));
  return h;
}

void
sl__host_free(struct sl__host *h)
{
  if (h == NULL)
    return;
  while (h->all_tcbs != NULL)
    sl__tcb_free(h->all_tcbs);
  while (h->udps != NULL) {
    struct sl__udp_pcb *u = h->udps;
    sl__udp_close(u);
  }
  free(h);
}

void
sl__host_set_trace(struct sl__host *h, sl__trace_fn *fn, void *arg)
{
  h->trace = fn;
  h->trace_arg = arg;
}

void
sl__host_set_notify(struct sl__host *h, sl__notify_fn *fn, void *arg)
{
  h->notify = fn;
  h->notify_arg = arg;
}

uint32_t
sl__host_addr(const struct sl__host *h)
{
  return h->addr;
}

const struct sl__host_config *
sl__host_config(const struct sl__host *h)
{
  return &h->cfg;
}

const struct sl__stats *
sl__host_stats(const struct sl__host *h)
{
  return &h->stats;
}

uint64_t
sl__host_now(const struct sl__host *h)
{
  return h->now;
}

void
sl__trace(struct sl__host *h, struct sl__event *ev)
{
  if (h->trace == NULL)
    return;
  ev->time_us = h->now;
  ev->host = h->addr;
  if (ev->tcb != NULL) {
    ev->laddr = ev->tcb->laddr;
    ev->raddr = ev->tcb->raddr;
    ev->lport = ev->tcb->lport;
    ev->rport = ev->tcb->rport;
    ev->iss = ev->tcb->iss;
    ev->irs = ev->tcb->state >= SL_TCP_SYN_RECEIVED || ev->tcb->synced
                  ? ev->tcb->irs
                  : 0;
  }
  h->trace(h->trace_arg, ev);
}

void
sl__drop(struct sl__host *h, enum sl__drop why, const char *note)
{
  struct sl__event ev = {.type = SL__EV_DROP, .drop = why, .note = note};

  if ((unsigned)why < SL__DROP_COUNT)
    h->stats.ip.drops[why]++;
  sl__trace(h, &ev);
}

void
sl__notify_tcb(struct sl__tcb *t)
{
  struct sl__host *h = t->host;

  if (h->notify != NULL)
    h->notify(h->notify_arg, t, NULL);
}

/* ---- time ---------------------------------------------------------- */

void
sl__deadline_hint(struct sl__host *h, uint64_t when)
{
  if (when < h->next_deadline)
    h->next_deadline = when;
}

uint64_t
sl__host_next_deadline(struct sl__host *h)
{
  return h->next_deadline;
}

static uint64_t
tcb_deadline(const struct sl__tcb *t)
{
  uint64_t d = SL__TIME_NEVER;

  for (int i = 0; i < SL__TIMER_COUNT; i++)
    if (t->timer[i] < d)
      d = t->timer[i];
  return d;
}

void
sl__host_poll(struct sl__host *h, uint64_t now)
{
  struct sl__tcb *t, *next;
  uint64_t deadline = SL__TIME_NEVER;

  if (now > h->now)
    h->now = now;
  if (h->now < h->next_deadline)
    return;
  /* The cached deadline has come: run what is due and find the next one.
   * A linear walk; timers are few and polls happen only at deadlines. */
  for (t = h->all_tcbs; t != NULL; t = next) {
    next = t->next_all;
    if (tcb_deadline(t) <= h->now)
      sl__tcp_timers(t, h->now); /* may free t */
  }
  for (t = h->all_tcbs; t != NULL; t = t->next_all) {
    uint64_t d = tcb_deadline(t);
    if (d < deadline)
      deadline = d;
  }
  h->next_deadline = deadline;
}

/* ---- ports and sequence numbers ------------------------------------ */

uint16_t
sl__ephemeral_port(struct sl__host *h, int tcp)
{
  const unsigned range = SL__EPHEMERAL_HI - SL__EPHEMERAL_LO + 1;

  for (unsigned i = 0; i < range; i++) {
    uint16_t p = h->next_port;
    int used = tcp ? h->tcp_port_refs[p] != 0 : h->udp_port_used[p] != 0;

    h->next_port = p == SL__EPHEMERAL_HI ? SL__EPHEMERAL_LO : p + 1;
    if (!used)
      return p;
  }
  return 0;
}

uint16_t
sl__shared_port(struct sl__host *h, uint32_t raddr, uint16_t rport)
{
  const unsigned range = SL__EPHEMERAL_HI - SL__EPHEMERAL_LO + 1;

  for (unsigned i = 0; i < range; i++) {
    uint16_t p = h->next_port;

    h->next_port = p == SL__EPHEMERAL_HI ? SL__EPHEMERAL_LO : p + 1;
    if (sl__port_by_connect(h, p) && h->tcp_port_refs[p] < UINT16_MAX &&
        sl__tcb_lookup(h, h->addr, p, raddr, rport) == NULL)
      return p;
  }
  return 0;
}

/* SipHash-2-4 (Aumasson and Bernstein, 2012) of 12 bytes: the keyed
 * pseudo-random function F() of RFC 6528. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                               \
  do {                                                                         \
    v0 += v1;                                                                  \
    v1 = ROTL(v1, 13);                                                         \
    v1 ^= v0;                                                                  \
    v0 = ROTL(v0, 32);                                                         \
    v2 += v3;                                                                  \
    v3 = ROTL(v3, 16);                                                         \
    v3 ^= v2;                                                                  \
    v0 += v3;                                                                  \
    v3 = ROTL(v3, 21);                                                         \
    v3 ^= v0;                                                                  \
    v2 += v1;                                                                  \
    v1 = ROTL(v1, 17);                                                         \
    v1 ^= v2;                                                                  \
    v2 = ROTL(v2, 32);                                                         \
  } while (0)

static uint64_t
siphash_tuple(const uint64_t key[2], uint64_t m0, uint64_t m1_and_len)
{
  uint64_t v0 = 0x736f6d6570736575ull ^ key[0];
  uint64_t v1 = 0x646f72616e646f6dull ^ key[1];
  uint64_t v2 = 0x6c7967656e657261ull ^ key[0];
  uint64_t v3 = 0x7465646279746573ull ^ key[1];
  uint64_t m[2] = {m0, m1_and_len};

  for (int i = 0; i < 2; i++) {
    v3 ^= m[i];
    SIPROUND;
    SIPROUND;
    v0 ^= m[i];
  }
  v2 ^= 0xff;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  return v0 ^ v1 ^ v2 ^ v3;
}

uint32_t
sl__isn(struct sl__host *h, uint32_t laddr, uint16_t lport, uint32_t raddr,
        uint16_t rport)
{
  /* RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport,
   * secretkey), M a 4-microsecond timer.  The last word carries the
   * message length (12 bytes) in its top byte, as SipHash pads. */
  uint64_t m0 = (uint64_t)laddr << 32 | raddr;
  uint64_t m1 = (uint64_t)lport << 16 | rport | (uint64_t)12 << 56;

  return (uint32_t)siphash_tuple(h->isn_key, m0, m1) + (uint32_t)(h->now / 4);
}

/* ---- IPv4 and ICMP ------------------------------------------------- */

void
sl__ip_output(struct sl__host *h, uint32_t dst, uint8_t proto, size_t l4_len)
{
  struct sl__ip4_hdr ip = {
      .total_len = (uint16_t)(SL__IP4_HDR_LEN + l4_len),
      .id = h->ip_id++,
      .frag_off = SL__IP4_DF, /* we never fragment: MSS and MTU see to it */
      .ttl = 64,
      .proto = proto,
      .src = h->addr,
      .dst = dst,
  };

  sl__ip4_write(h->pkt, SL__IP4_HDR_LEN, &ip);
  h->stats.ip.out_requests++;
  if (h->output != NULL)
    h->output(h->output_arg, h->pkt, ip.total_len);
}

/* ---- addresses (RFC 1122 3.2.1.3) ----------------------------------- */

/* Does address a name no single host (RFC 1122 3.2.2's list)?  "This
 * network" (0/8), which only a host that does not know its address yet
 * may use; multicast (224/4, class D); the reserved class E (240/4), with
 * the limited broadcast 255.255.255.255 at its end.  The host knows no
 * netmask, so a subnet's broadcast address is not among them
 * (lib/README.md). */
static int
names_no_host(uint32_t a)
{
  return (a >> 24) == 0 || (a >> 28) >= 0xe;
}

/* Can a datagram have come from src?  Never from an address that names no
 * host.  From loopback (127/8, which "MUST NOT appear outside a host") and
 * from the host's own address only when it came back through the host's
 * own loopback (loopback != 0), not through the link. */
static int
valid_source(const struct sl__host *h, uint32_t src, int loopback)
{
  if (names_no_host(src))
    return 0;
  if ((src >> 24) == 127 || src == h->addr)
    return loopback;
  return 1;
}

/* RFC 1122 3.2.2: never an ICMP error about an ICMP error, a datagram to
 * a broadcast or multicast address, one whose source is not one host, or
 * a fragment other than the first. */
static int
may_send_icmp_error(const struct sl__ip4_hdr *ip, const uint8_t *l4, size_t len)
{
  if (names_no_host(ip->dst) || names_no_host(ip->src) ||
      (ip->frag_off & SL__IP4_OFFMASK) != 0)
    return 0;
  if (ip->proto == SL__IP_PROTO_ICMP && len >= 1 && l4[0] != SL__ICMP_ECHO &&
      l4[0] != SL__ICMP_ECHO_REPLY)
    return 0;
  return 1;
}

/* Sends an ICMP error of type and code (and pointer, for a parameter
 * problem) about the datagram dgram, if one may be sent. */
static void
icmp_error(struct sl__host *h, const struct sl__ip4_hdr *ip,
           const uint8_t *dgram, uint8_t type, uint8_t code, uint8_t pointer)
{
  size_t n;

  if (!may_send_icmp_error(ip, dgram + ip->hdr_len, sl__ip4_payload_len(ip)))
    return;
  n = sl__icmp_error_write(h->pkt + SL__IP4_HDR_LEN,
                           sizeof h->pkt - SL__IP4_HDR_LEN, type, code, pointer,
                           dgram, ip->total_len);
  if (n == 0)
    return;
  h->stats.icmp.out_msgs++;
  if (type == SL__ICMP_PARAM_PROBLEM)
    h->stats.icmp.out_parm_probs++;
  else
    h->stats.icmp.out_dest_unreachs++;
  sl__ip_output(h, ip->src, SL__IP_PROTO_ICMP, n);
}

void
sl__udp_send_unreach(struct sl__host *h, const struct sl__ip4_hdr *ip,
                     const uint8_t *dgram)
{
  icmp_error(h, ip, dgram, SL__ICMP_UNREACH, SL__ICMP_UNREACH_PORT, 0);
}

/* A malformed IP option.  RFC 1122 3.2.2.5: a host SHOULD say so with a
 * parameter problem whose pointer names the octet in error -- to a source
 * that can be answered, about a datagram that was for this host. */
static void
ip_option_error(struct sl__host *h, const struct sl__ip4_hdr *ip,
                const uint8_t *dgram, int loopback)
{
  if (ip->dst == h->addr && valid_source(h, ip->src, loopback))
    icmp_error(h, ip, dgram, SL__ICMP_PARAM_PROBLEM, 0, ip->opt_err);
}

static void
icmp_input(struct sl__host *h, const struct sl__ip4_hdr *ip, const uint8_t *l4,
           size_t len)
{
  struct sl__icmp_msg m;
  struct sl__icmp_quote q;
  int r = sl__icmp_parse(l4, len, &m);

  h->stats.icmp.in_msgs++;
  if (r != 0) {
    h->stats.icmp.in_errors++;
    sl__drop(h, r, NULL);
    return;
  }
  switch (m.type) {
  case SL__ICMP_ECHO: {
    /* The reply echoes identifier, sequence number and data. */
    struct sl__icmp_msg reply = m;
    size_t n;

    h->stats.icmp.in_echos++;
    reply.type = SL__ICMP_ECHO_REPLY;
    reply.code = 0;
    n = sl__icmp_write(h->pkt + SL__IP4_HDR_LEN,
                       sizeof h->pkt - SL__IP4_HDR_LEN, &reply);
    if (n > 0) {
      h->stats.icmp.out_msgs++;
      h->stats.icmp.out_echo_reps++;
      sl__ip_output(h, ip->src, SL__IP_PROTO_ICMP, n);
    }
    break;
  }
  case SL__ICMP_ECHO_REPLY:
    h->stats.icmp.in_echo_reps++;
    break;
  case SL__ICMP_UNREACH:
    h->stats.icmp.in_dest_unreachs++;
    if (sl__icmp_quote_parse(&m, &q) != 0 || q.ip.src != h->addr) {
      sl__drop(h, SL__DROP_ICMP_QUOTE, NULL);
      break;
    }
    /* RFC 1122 4.1.3.3 and 4.2.3.9: port (and protocol) unreachable are
     * hard errors; the others are soft and only remembered. */
    r = m.code == SL__ICMP_UNREACH_PORT || m.code == SL__ICMP_UNREACH_PROTO
            ? -ECONNREFUSED
        : m.code == SL__ICMP_UNREACH_NET ? -ENETUNREACH
                                         : -EHOSTUNREACH;
    if (q.ip.proto == SL__IP_PROTO_UDP)
      sl__udp_icmp_error(h, &q, r);
    else if (q.ip.proto == SL__IP_PROTO_TCP)
      sl__tcp_icmp_error(h, &q, r);
    break;
  default:
    break; /* other types are counted, not acted on */
  }
}

/* IPv4 input, from the link or (loopback) from the host itself. */
static void
ip_input(struct sl__host *h, const uint8_t *pkt, size_t len, uint64_t now,
         int loopback)
{
  struct sl__ip4_hdr ip;
  const uint8_t *l4;
  size_t l4_len;
  int r;

  if (now > h->now)
    h->now = now;
  h->stats.ip.in_receives++;
  r = sl__ip4_parse(pkt, len, &ip);
  if (r != 0) {
    if (r == SL__DROP_IP_FRAG)
      h->stats.ip.frag_drops++; /* no reassembly: see lib/README.md */
    else
      h->stats.ip.in_hdr_errors++;
    sl__drop(h, r, NULL);
    if (r == SL__DROP_IP_OPT)
      ip_option_error(h, &ip, pkt, loopback);
    return;
  }
  /* RFC 1122 3.2.1.3: only what is addressed to this host; a broadcast
   * or multicast destination never reaches TCP or UDP, so it draws no
   * reset (4.2.3.10) and no ICMP error (3.2.2). */
  if (ip.dst != h->addr) {
    h->stats.ip.in_addr_errors++;
    sl__drop(h, SL__DROP_IP_ADDR, NULL);
    return;
  }
  /* RFC 1122 3.2.1.3: "silently discard" a datagram whose source no host
   * can have: every answer to it would go to the wrong place. */
  if (!valid_source(h, ip.src, loopback)) {
    h->stats.ip.in_martian_srcs++;
    sl__drop(h, SL__DROP_IP_SRC, NULL);
    return;
  }
  l4 = pkt + ip.hdr_len;
  l4_len = sl__ip4_payload_len(&ip);
  switch (ip.proto) {
  case SL__IP_PROTO_TCP:
    h->stats.ip.in_delivers++;
    sl__tcp_input(h, &ip, l4, l4_len);
    break;
  case SL__IP_PROTO_UDP:
    h->stats.ip.in_delivers++;
    sl__udp_input(h, &ip, l4, l4_len, pkt);
    break;
  case SL__IP_PROTO_ICMP:
    h->stats.ip.in_delivers++;
    icmp_input(h, &ip, l4, l4_len);
    break;
  default:
    h->stats.ip.in_unknown_protos++;
    sl__drop(h, SL__DROP_IP_PROTO, NULL);
    icmp_error(h, &ip, pkt, SL__ICMP_UNREACH, SL__ICMP_UNREACH_PROTO, 0);
    break;
  }
}

void
sl__host_input(struct sl__host *h, const uint8_t *pkt, size_t len, uint64_t now)
{
  ip_input(h, pkt, len, now, 0);
}

void
sl__host_input_loopback(struct sl__host *h, const uint8_t *pkt, size_t len,
                        uint64_t now)
{
  ip_input(h, pkt, len, now, 1);
}

void
sl__host_foreach_tcb(struct sl__host *h,
                     void (*fn)(void *arg, const struct sl__tcb *tcb),
                     void *arg)
{
  for (struct sl__tcb *t = h->all_tcbs; t != NULL; t = t->next_all)
    fn(arg, t);
}

void
sl__host_foreach_udp(struct sl__host *h,
                     void (*fn)(void *arg, const struct sl__udp_pcb *u),
                     void *arg)
{
  for (struct sl__udp_pcb *u = h->udps; u != NULL; u = u->next)
    fn(arg, u);
}
