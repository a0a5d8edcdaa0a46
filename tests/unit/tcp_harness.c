/* The stack core's test harness (tcp_harness.h). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_harness.h"
#include "sim/xfer.h"
#include "testutil.h"

void
th_config(struct sl__host_config *cfg)
{
  sl__host_config_default(cfg);
  cfg->msl_us = 1000000; /* TIME-WAIT: 2 s of virtual time */
  cfg->seed = 42;
}

static void
capture(void *arg, const uint8_t *pkt, size_t len)
{
  struct th *th = arg;
  struct th_pkt *p;

  ck_assert_int_lt(th->nout, TH_MAXOUT);
  ck_assert_uint_le(len, sizeof p->bytes);
  p = &th->out[th->nout++];
  memcpy(p->bytes, pkt, len);
  p->len = len;
  ck_assert_int_eq(sl__ip4_parse(p->bytes, len, &p->ip), 0);
  ck_assert_uint_eq(p->ip.src, TH_HOST);
  if (p->ip.proto == SL__IP_PROTO_TCP)
    ck_assert_int_eq(sl__tcp_parse(p->bytes + p->ip.hdr_len,
                                   sl__ip4_payload_len(&p->ip), p->ip.src,
                                   p->ip.dst, &p->seg),
                     0);
}

void
th_init(struct th *th, const struct sl__host_config *cfg)
{
  memset(th, 0, sizeof *th);
  if (cfg)
    th->cfg = *cfg;
  else
    th_config(&th->cfg);
  th->h = sl__host_new(TH_HOST, &th->cfg, capture, th);
  ck_assert_ptr_nonnull(th->h);
  th->now = 1000000; /* start at 1 s, so ISNs are not all at time 0 */
  sl__host_poll(th->h, th->now);
  th->pseq = 0x10000000u;
  th->pwnd = 65535;
  th->pmss = 1460;
  th->pport = TH_PPORT;
}

void
th_free(struct th *th)
{
  /* No test may ever take an edge that is not in the RFC diagram. */
  ck_assert_uint_eq(sl__host_stats(th->h)->tcp.bad_transitions, 0);
  sl__host_free(th->h);
}

struct th th_fixture;

void
th_setup(void)
{
  th_init(&th_fixture, NULL);
}

void
th_teardown(void)
{
  th_free(&th_fixture);
}

void
th_reinit(struct th *th, void (*change)(struct sl__host_config *))
{
  struct sl__host_config cfg;

  th_free(th);
  th_config(&cfg);
  change(&cfg);
  th_init(th, &cfg);
}

const struct sl__tcp_stats *
th_tcp_stats(const struct th *th)
{
  return &sl__host_stats(th->h)->tcp;
}

void
th_advance(struct th *th, uint64_t us)
{
  th->now += us;
  sl__host_poll(th->h, th->now);
}

void
th_send_raw(struct th *th, const uint8_t *pkt, size_t len)
{
  sl__host_input(th->h, pkt, len, th->now);
}

void
th_send_full(struct th *th, uint8_t flags, uint32_t seq, uint32_t ack,
             uint16_t wnd, uint16_t mss, const void *data, size_t len)
{
  static uint8_t pkt[70000];
  struct sl__tcp_seg seg = {.sport = th->pport,
                            .dport = TH_PORT,
                            .seq = seq,
                            .ack = ack,
                            .flags = flags,
                            .wnd = wnd,
                            .data = data,
                            .len = len};
  struct sl__ip4_hdr ip = {
      .ttl = 64, .proto = SL__IP_PROTO_TCP, .src = TH_PEER, .dst = TH_HOST};
  size_t n;

  if (mss) {
    seg.opt.has_mss = 1;
    seg.opt.mss = mss;
  }
  n = sl__tcp_write(pkt + 20, sizeof pkt - 20, TH_PEER, TH_HOST, &seg);
  ck_assert_uint_gt(n, 0);
  ip.total_len = (uint16_t)(20 + n);
  sl__ip4_write(pkt, 20, &ip);
  th_send_raw(th, pkt, 20 + n);
}

void
th_send(struct th *th, uint8_t flags, uint32_t seq, uint32_t ack,
        const void *data, size_t len)
{
  th_send_full(th, flags, seq, ack, th->pwnd,
               (flags & SL__TCP_SYN) ? th->pmss : 0, data, len);
}

void
th_send_data(struct th *th, const void *data, size_t len)
{
  th_send(th, SL__TCP_ACK | SL__TCP_PSH, th->pseq, th->pack, data, len);
  th->pseq += (uint32_t)len;
}

int
th_pending(const struct th *th)
{
  return th->nout - th->next;
}

const struct th_pkt *
th_pop(struct th *th)
{
  ck_assert_msg(th->next < th->nout, "the host sent no segment");
  return &th->out[th->next++];
}

void
th_expect_nothing(struct th *th)
{
  if (th->next < th->nout) {
    const struct th_pkt *p = &th->out[th->next];
    ck_abort_msg("unexpected segment: flags 0x%02x seq %u ack %u len %zu",
                 p->seg.flags, p->seg.seq, p->seg.ack, p->seg.len);
  }
}

const struct th_pkt *
th_expect(struct th *th, uint8_t flags, uint32_t seq, uint32_t ack)
{
  const struct th_pkt *p = th_pop(th);

  ck_assert_uint_eq(p->ip.proto, SL__IP_PROTO_TCP);
  ck_assert_msg(p->seg.flags == flags, "flags 0x%02x, expected 0x%02x",
                p->seg.flags, flags);
  ck_assert_uint_eq(p->seg.seq, seq);
  if (flags & SL__TCP_ACK)
    ck_assert_uint_eq(p->seg.ack, ack);
  return p;
}

struct sl__tcb *
th_find(struct th *th)
{
  return sl__tcb_lookup(th->h, TH_HOST, TH_PORT, TH_PEER, TH_PPORT);
}

/* ---- builders: passive side -------------------------------------------- */

struct sl__tcb *
th_listen(struct th *th)
{
  th->l = sl__tcp_new(th->h);
  ck_assert_int_eq(sl__tcp_bind(th->l, 0, TH_PORT), 0);
  ck_assert_int_eq(sl__tcp_listen(th->l, 8), 0);
  ck_assert_int_eq(sl__tcp_state(th->l), SL_TCP_LISTEN);
  return th->l;
}

struct sl__tcb *
th_syn_received(struct th *th)
{
  const struct th_pkt *p;

  th_listen(th);
  th_send(th, SL__TCP_SYN, th->pseq, 0, NULL, 0);
  th->pseq++;
  p = th_pop(th);
  ck_assert_uint_eq(p->seg.flags, SL__TCP_SYN | SL__TCP_ACK);
  ck_assert_uint_eq(p->seg.ack, th->pseq);
  ck_assert(p->seg.opt.has_mss);
  th->pack = p->seg.seq + 1;
  th->t = sl__tcb_lookup(th->h, TH_HOST, TH_PORT, TH_PEER, TH_PPORT);
  ck_assert_ptr_nonnull(th->t);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_SYN_RECEIVED);
  return th->t;
}

struct sl__tcb *
th_established_passive(struct th *th)
{
  struct sl__tcb *c = NULL;

  th_syn_received(th);
  th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  ck_assert_int_eq(sl__tcp_accept(th->l, &c), 0);
  ck_assert_ptr_eq(c, th->t);
  th_expect_nothing(th);
  return th->t;
}

/* ---- builders: active side ---------------------------------------------- */

struct sl__tcb *
th_syn_sent(struct th *th)
{
  const struct th_pkt *p;

  th->t = sl__tcp_new(th->h);
  ck_assert_int_eq(sl__tcp_bind(th->t, 0, TH_PORT), 0);
  ck_assert_int_eq(sl__tcp_connect(th->t, TH_PEER, TH_PPORT), -EINPROGRESS);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_SYN_SENT);
  p = th_pop(th);
  ck_assert_uint_eq(p->seg.flags, SL__TCP_SYN);
  ck_assert_uint_eq(p->seg.dport, TH_PPORT);
  ck_assert(p->seg.opt.has_mss);
  ck_assert_uint_eq(p->seg.opt.mss, 1460);
  th->pack = p->seg.seq + 1;
  return th->t;
}

struct sl__tcb *
th_established(struct th *th)
{
  th_syn_sent(th);
  th_send(th, SL__TCP_SYN | SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  th->pseq++;
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  ck_assert_int_eq(sl__tcp_connect_result(th->t), 0);
  return th->t;
}

struct sl__tcb *
th_fin_wait_1(struct th *th)
{
  th_established(th);
  sl__tcp_close(th->t);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_FIN_WAIT_1);
  th_expect(th, SL__TCP_FIN | SL__TCP_ACK, th->pack, th->pseq);
  th->pack++; /* the FIN */
  return th->t;
}

struct sl__tcb *
th_fin_wait_2(struct th *th)
{
  th_fin_wait_1(th);
  th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_FIN_WAIT_2);
  th_expect_nothing(th);
  return th->t;
}

struct sl__tcb *
th_closing(struct th *th)
{
  th_fin_wait_1(th);
  /* The peer's FIN crosses ours: it does not acknowledge our FIN. */
  th_send(th, SL__TCP_FIN | SL__TCP_ACK, th->pseq, th->pack - 1, NULL, 0);
  th->pseq++;
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_CLOSING);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  return th->t;
}

struct sl__tcb *
th_time_wait(struct th *th)
{
  th_fin_wait_2(th);
  th_send(th, SL__TCP_FIN | SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  th->pseq++;
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_TIME_WAIT);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  return th->t;
}

struct sl__tcb *
th_close_wait(struct th *th)
{
  th_established(th);
  th_send(th, SL__TCP_FIN | SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  th->pseq++;
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_CLOSE_WAIT);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  return th->t;
}

struct sl__tcb *
th_last_ack(struct th *th)
{
  th_close_wait(th);
  sl__tcp_close(th->t);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_LAST_ACK);
  th_expect(th, SL__TCP_FIN | SL__TCP_ACK, th->pack, th->pseq);
  th->pack++;
  return th->t;
}

/* ---- two hosts over the sim ------------------------------------------- */

void
pair_init(struct pair *p, uint64_t seed, const struct sl__host_config *cfg_a,
          const struct sl__host_config *cfg_b)
{
  struct sl__host_config ca, cb;

  th_config(&ca);
  th_config(&cb);
  if (cfg_a)
    ca = *cfg_a;
  if (cfg_b)
    cb = *cfg_b;
  ca.seed = seed;
  cb.seed = seed + 1;
  p->sim = sl__sim_new(seed);
  ck_assert_ptr_nonnull(p->sim);
  p->a = sl__host_new(PAIR_A, &ca, sl__sim_output, p->sim);
  p->b = sl__host_new(PAIR_B, &cb, sl__sim_output, p->sim);
  ck_assert_int_eq(sl__sim_attach(p->sim, PAIR_A, &sl__sim_host_ops, p->a), 0);
  ck_assert_int_eq(sl__sim_attach(p->sim, PAIR_B, &sl__sim_host_ops, p->b), 0);
}

void
pair_free(struct pair *p)
{
  ck_assert_uint_eq(sl__host_stats(p->a)->tcp.bad_transitions, 0);
  ck_assert_uint_eq(sl__host_stats(p->b)->tcp.bad_transitions, 0);
  sl__sim_free(p->sim);
  sl__host_free(p->a);
  sl__host_free(p->b);
}

void
pair_sync(struct pair *p)
{
  uint64_t now = sl__sim_now(p->sim);

  sl__host_poll(p->a, now);
  sl__host_poll(p->b, now);
}
