/* TCP output and timers: what to send and when (RFC 9293 3.8.6 window
 * management, Nagle's algorithm from RFC 896 / RFC 1122 4.2.3.4, sender
 * silly window avoidance), retransmission (RFC 6298), congestion control
 * (RFC 5681), zero-window probes (RFC 9293 3.8.6.1), delayed ACKs (RFC
 * 1122 4.2.3.2), and the RFC 5961 challenge ACK. */
#include <string.h>

#include "core/priv.h"

static const char *const timer_names[SL__TIMER_COUNT] = {
    [SL__TIMER_REXMT] = "rexmt",           [SL__TIMER_PERSIST] = "persist",
    [SL__TIMER_DELACK] = "delack",         [SL__TIMER_2MSL] = "2msl",
    [SL__TIMER_FIN_WAIT_2] = "fin_wait_2", [SL__TIMER_USER] = "user",
    [SL__TIMER_KEEPALIVE] = "keepalive",
};

const char *
sl__timer_name(enum sl__timer t)
{
  return (unsigned)t < SL__TIMER_COUNT ? timer_names[t] : "unknown";
}

/* ---- timers ---------------------------------------------------------- */

void
sl__tcp_set_timer(struct sl__tcb *t, enum sl__timer which, uint64_t after)
{
  t->timer[which] = t->host->now + after;
  sl__deadline_hint(t->host, t->timer[which]);
}

void
sl__tcp_stop_timer(struct sl__tcb *t, enum sl__timer which)
{
  t->timer[which] = SL__TIME_NEVER;
}

void
sl__tcp_user_timer(struct sl__tcb *t, int restart)
{
  if (t->user_timeout_us == 0 || t->snd_una == t->snd_max ||
      t->state == SL_TCP_TIME_WAIT || t->state == SL_TCP_CLOSED) {
    sl__tcp_stop_timer(t, SL__TIMER_USER);
    return;
  }
  if (restart || t->timer[SL__TIMER_USER] == SL__TIME_NEVER)
    sl__tcp_set_timer(t, SL__TIMER_USER, t->user_timeout_us);
}

/* Keep-alives probe a connection both sides keep open: ESTABLISHED, and
 * the half-closed CLOSE-WAIT and FIN-WAIT-2 (RFC 1122 4.2.3.6). */
static int
keepalive_state(const struct sl__tcb *t)
{
  return t->state == SL_TCP_ESTABLISHED || t->state == SL_TCP_CLOSE_WAIT ||
         t->state == SL_TCP_FIN_WAIT_2;
}

void
sl__tcp_keepalive_timer(struct sl__tcb *t)
{
  if (!t->keepalive || !keepalive_state(t)) {
    sl__tcp_stop_timer(t, SL__TIMER_KEEPALIVE);
    return;
  }
  t->timer[SL__TIMER_KEEPALIVE] = t->last_rcv_us + t->keepidle_us;
  if (t->timer[SL__TIMER_KEEPALIVE] < t->host->now)
    t->timer[SL__TIMER_KEEPALIVE] = t->host->now;
  sl__deadline_hint(t->host, t->timer[SL__TIMER_KEEPALIVE]);
}

uint64_t
sl__tcp_rto(const struct sl__tcb *t)
{
  const struct sl__host_config *cfg = &t->host->cfg;
  uint64_t rto = t->rto_us;

  /* RFC 6298 5.5: back off by doubling, up to the maximum. */
  for (unsigned i = 0; i < t->backoff && rto < cfg->rto_max_us; i++)
    rto *= 2;
  return rto < cfg->rto_max_us ? rto : cfg->rto_max_us;
}

void
sl__tcp_rtt_sample(struct sl__tcb *t, uint64_t r)
{
  const struct sl__host_config *cfg = &t->host->cfg;
  const uint64_t granularity = 1000; /* G: 1 ms */
  uint64_t k_var;

  if (!t->have_rtt) {
    /* RFC 6298 2.2: the first measurement. */
    t->srtt_us = r;
    t->rttvar_us = r / 2;
    t->have_rtt = 1;
  } else {
    /* RFC 6298 2.3, alpha = 1/8, beta = 1/4. */
    uint64_t diff = t->srtt_us > r ? t->srtt_us - r : r - t->srtt_us;
    t->rttvar_us = (3 * t->rttvar_us + diff) / 4;
    t->srtt_us = (7 * t->srtt_us + r) / 8;
  }
  k_var = 4 * t->rttvar_us;
  t->rto_us = t->srtt_us + (k_var > granularity ? k_var : granularity);
  if (t->rto_us < cfg->rto_min_us)
    t->rto_us = cfg->rto_min_us;
  if (t->rto_us > cfg->rto_max_us)
    t->rto_us = cfg->rto_max_us;
}

/* ---- windows ---------------------------------------------------------- */

uint32_t
sl__tcp_rcv_window(struct sl__tcb *t)
{
  uint32_t cur =
      SL_SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
  uint32_t room =
      t->rcvbuf > t->rcvq.len ? t->rcvbuf - (uint32_t)t->rcvq.len : 0;
  /* RFC 9293 3.8.6.2.2: min(Fr * RCV.BUFF, Eff.snd.MSS), Fr = 1/2. */
  uint32_t step = t->rcvbuf / 2 < t->snd_mss ? t->rcvbuf / 2 : t->snd_mss;

  if (room > SL__TCP_MAX_WND)
    room = SL__TCP_MAX_WND;
  /* RFC 9293 3.8.6.2.2: never move the right edge back... */
  if (room <= cur)
    return cur;
  /* ...and only move it forward by a useful amount (receiver SWS). */
  if (room - cur < step && room < t->rcvbuf)
    return cur;
  return room;
}

/* ---- sending one segment --------------------------------------------- */

/* Our SYN has been acknowledged: SND.UNA moved past ISS.  (Not the state:
 * a close() in SYN-RECEIVED enters FIN-WAIT-1 with the SYN unacked.) */
static int
syn_acked(const struct sl__tcb *t)
{
  return t->snd_una != t->iss;
}

/* Sequence number of the first data byte in the send queue. */
static uint32_t
data_start(const struct sl__tcb *t)
{
  return syn_acked(t) ? t->snd_una : t->snd_una + 1;
}

void
sl__tcp_send_segment(struct sl__tcb *t, uint32_t seq, uint8_t flags,
                     uint32_t len, const char *note)
{
  struct sl__host *h = t->host;
  struct sl__tcp_seg seg = {
      .sport = t->lport, .dport = t->rport, .seq = seq, .flags = flags};
  struct sl__event ev = {.type = SL__EV_SEG_OUT, .tcb = t, .note = note};
  uint8_t *l4 = h->pkt + SL__IP4_HDR_LEN;
  size_t n, hdr;
  uint32_t wnd;

  if (flags & SL__TCP_SYN) {
    seg.opt.has_mss = 1;
    seg.opt.mss = t->mss_local;
  }
  if (flags & SL__TCP_ACK)
    seg.ack = t->rcv_nxt;
  wnd = (flags & SL__TCP_RST) ? 0 : sl__tcp_rcv_window(t);
  seg.wnd = (uint16_t)wnd;
  hdr = SL__TCP_HDR_LEN + sl__tcp_opts_len(&seg.opt);
  if (len > 0) {
    /* Copy the payload straight into the packet: no staging buffer. */
    sl__ring_peek(&t->sndq, seq - data_start(t), l4 + hdr, len);
    seg.data = l4 + hdr;
    seg.len = len;
  }
  n = sl__tcp_write(l4, sizeof h->pkt - SL__IP4_HDR_LEN, t->laddr, t->raddr,
                    &seg);
  if (n == 0)
    return;
  if ((len > 0 || (flags & (SL__TCP_SYN | SL__TCP_FIN))) &&
      t->user_timeout_us != 0 && t->timer[SL__TIMER_USER] == SL__TIME_NEVER)
    sl__tcp_set_timer(t, SL__TIMER_USER, t->user_timeout_us);
  if (SL_SEQ_LT(seq, t->snd_max) &&
      (len > 0 || (flags & (SL__TCP_SYN | SL__TCP_FIN)))) {
    h->stats.tcp.retrans_segs++;
    t->retransmits++;
    t->rtt_timing = 0; /* Karn: never time a retransmitted segment */
    if (note == NULL)
      ev.note = "retransmit";
  } else {
    h->stats.tcp.out_segs++;
  }
  if (flags & SL__TCP_RST)
    h->stats.tcp.out_rsts++;
  if (flags & SL__TCP_ACK) {
    t->ack_now = 0;
    t->last_ack_sent = t->rcv_nxt;
    sl__tcp_stop_timer(t, SL__TIMER_DELACK);
  }
  if (!(flags & SL__TCP_RST) && SL_SEQ_GT(t->rcv_nxt + wnd, t->rcv_adv))
    t->rcv_adv = t->rcv_nxt + wnd;
  ev.seg = &seg;
  sl__trace(h, &ev);
  sl__ip_output(h, t->raddr, SL__IP_PROTO_TCP, n);
}

/* The sequence number of a segment without data: SND.MAX, the highest
 * sent, not SND.NXT -- after a timeout pulls SND.NXT back to resend, an
 * ACK with the old number would be unacceptable to the peer, which would
 * answer with an ACK of its own, and two such peers would ACK each other
 * forever.  But never beyond the peer's window (SND.UNA+SND.WND), where
 * a peer that shrank its window would drop the ACK; Linux's
 * tcp_acceptable_seq makes the same choice. */
static uint32_t
empty_segment_seq(const struct sl__tcb *t)
{
  uint32_t wnd_end = t->snd_una + t->snd_wnd;

  return SL_SEQ_GT(t->snd_max, wnd_end) ? wnd_end : t->snd_max;
}

void
sl__tcp_send_ack(struct sl__tcb *t)
{
  sl__tcp_send_segment(t, empty_segment_seq(t), SL__TCP_ACK, 0, NULL);
}

void
sl__tcp_challenge_ack(struct sl__tcb *t)
{
  struct sl__host *h = t->host;

  /* RFC 5961 7: a global budget per second keeps challenge ACKs from
   * becoming a reflection weapon. */
  if (h->now - h->challenge_window_start >= 1000000) {
    h->challenge_window_start = h->now;
    h->challenge_count = 0;
  }
  if (h->challenge_count >= h->cfg.challenge_acks_per_s) {
    h->stats.tcp.challenge_limited++;
    return;
  }
  h->challenge_count++;
  h->stats.tcp.challenge_acks++;
  sl__tcp_send_segment(t, empty_segment_seq(t), SL__TCP_ACK, 0,
                       "challenge ack");
}

void
sl__tcp_reset_reply(struct sl__host *h, const struct sl__ip4_hdr *ip,
                    const struct sl__tcp_seg *in)
{
  struct sl__tcp_seg seg = {.sport = in->dport, .dport = in->sport};
  struct sl__event ev = {.type = SL__EV_SEG_OUT, .note = "reset"};
  size_t n;

  if (in->flags & SL__TCP_RST)
    return; /* never answer a reset with a reset */
  /* RFC 9293 3.10.7.1: take SEQ from the ACK, or ACK what arrived. */
  if (in->flags & SL__TCP_ACK) {
    seg.seq = in->ack;
    seg.flags = SL__TCP_RST;
  } else {
    seg.ack = in->seq + (uint32_t)in->len + !!(in->flags & SL__TCP_SYN) +
              !!(in->flags & SL__TCP_FIN);
    seg.flags = SL__TCP_RST | SL__TCP_ACK;
  }
  n = sl__tcp_write(h->pkt + SL__IP4_HDR_LEN, sizeof h->pkt - SL__IP4_HDR_LEN,
                    ip->dst, ip->src, &seg);
  if (n == 0)
    return;
  h->stats.tcp.out_segs++;
  h->stats.tcp.out_rsts++;
  ev.laddr = ip->dst;
  ev.raddr = ip->src;
  ev.lport = in->dport;
  ev.rport = in->sport;
  ev.seg = &seg;
  sl__trace(h, &ev);
  sl__ip_output(h, ip->src, SL__IP_PROTO_TCP, n);
}

/* ---- deciding what to send --------------------------------------------- */

/* Should a segment of len bytes go now?  unsent is all data not yet sent,
 * in_flight the bytes sent and not acknowledged. */
static int
worth_sending(const struct sl__tcb *t, uint32_t len, uint32_t unsent,
              uint32_t in_flight)
{
  if (len == 0)
    return 0;
  if (len >= t->snd_mss)
    return 1; /* a full segment */
  /* Nagle (RFC 1122 4.2.3.4): a small segment only when nothing is in
   * flight, unless TCP_NODELAY; the last bytes before a FIN go at once. */
  if (len == unsent && (t->nodelay || in_flight == 0 || t->fin_queued))
    return 1;
  /* Sender SWS avoidance (RFC 9293 3.8.6.2.1) rule 3: half the largest
   * window, "[SND.NXT = SND.UNA and]" -- the bracket is Nagle's. */
  if (t->max_snd_wnd > 0 && len >= t->max_snd_wnd / 2 &&
      (in_flight == 0 || t->nodelay))
    return 1;
  return 0;
}

/* The persist timer's interval: the RTO, doubled per unanswered probe,
 * at most persist_max_us. */
static uint64_t
persist_interval(const struct sl__tcb *t)
{
  uint64_t p = t->rto_us, max = t->host->cfg.persist_max_us;

  for (unsigned i = 0; i < t->persist_backoff && p < max; i++)
    p *= 2;
  return p < max ? p : max;
}

/* RFC 1122 4.2.2.17 and RFC 6298 5.1: whatever was sent and is not yet
 * acknowledged is covered by a timer, the retransmission timer or, behind
 * a closed window, the persist timer.  Without one, a lost segment (a
 * window probe whose ACK was lost, say) would never be sent again. */
static void
cover_flight(struct sl__tcb *t)
{
  if (t->snd_una != t->snd_max && t->timer[SL__TIMER_REXMT] == SL__TIME_NEVER &&
      t->timer[SL__TIMER_PERSIST] == SL__TIME_NEVER)
    sl__tcp_set_timer(t, SL__TIMER_REXMT, sl__tcp_rto(t));
}

/* RFC 5681 4.1: after an idle period longer than the RTO, start again
 * from the initial window. */
static void
restart_after_idle(struct sl__tcb *t, uint64_t now)
{
  if (t->snd_una == t->snd_max && t->last_send_us != 0 &&
      now - t->last_send_us > t->rto_us && t->cwnd > sl__tcp_initial_window(t))
    t->cwnd = sl__tcp_initial_window(t);
}

/* Before our SYN is acknowledged nothing but the SYN may go, and a FIN
 * after it when CLOSE came in SYN-RECEIVED with nothing queued: "form a
 * FIN segment and send it" (RFC 9293 3.10.4), at ISS+1.  Returns 1 when
 * it went. */
static int
fin_before_syn_acked(struct sl__tcb *t)
{
  if (!t->fin_queued || t->fin_sent || t->sndq.len != 0 ||
      t->snd_max != t->iss + 1)
    return 0;
  sl__tcp_send_segment(t, t->iss + 1, SL__TCP_FIN | SL__TCP_ACK, 0, NULL);
  t->fin_sent = 1;
  t->fin_seq = t->iss + 1;
  t->snd_nxt = t->snd_max = t->iss + 2;
  return 1;
}

/* The segment the send rules allow next, at SND.NXT. */
struct next_seg {
  uint32_t len;  /* data bytes */
  uint8_t flags; /* ACK, with FIN and PSH when they go */
  int fin;       /* it carries our FIN */
  int probe;     /* the persist timer forced it: a window probe, or the
                    SWS override into a small window */
  int held;      /* none may go, yet data waits to be sent */
};

/* What may go at SND.NXT now (RFC 9293 3.8.6): data up to the MSS and
 * the usable window -- the peer's window and cwnd, less what is in
 * flight -- when Nagle and sender SWS avoidance let it; our FIN after
 * the last data byte; one byte forced by the persist timer.  Returns 1
 * with *s the segment, or 0 when nothing may go (s->held says whether
 * data waits). */
static int
next_segment(struct sl__tcb *t, struct next_seg *s)
{
  uint32_t data_end = t->snd_una + (uint32_t)t->sndq.len;
  uint32_t in_flight = t->snd_nxt - t->snd_una;
  uint32_t unsent = SL_SEQ_LT(t->snd_nxt, data_end) ? data_end - t->snd_nxt : 0;
  uint32_t cwnd = t->cwnd + t->cwnd_bonus;
  uint32_t wnd = t->snd_wnd < cwnd ? t->snd_wnd : cwnd;
  uint32_t room = wnd > in_flight ? wnd - in_flight : 0;

  *s = (struct next_seg){.len = unsent < t->snd_mss ? unsent : t->snd_mss,
                         .flags = SL__TCP_ACK};
  if (s->len > room)
    s->len = room;
  if (t->force_probe && unsent > 0) {
    /* The persist timer fired: a zero-window probe carries one new
     * byte; into a small window, the SWS override timeout (RFC 9293
     * 3.8.6.2.1) sends what fits. */
    if (s->len == 0)
      s->len = 1;
    s->probe = 1;
  }
  t->force_probe = 0;
  /* Our FIN goes after the last data byte (RFC 9293 3.10.4), and again
   * after a timeout pulled snd_nxt back to it. */
  s->fin = t->fin_queued && t->snd_nxt + s->len == data_end &&
           (!t->fin_sent || t->snd_nxt == t->fin_seq);
  if (!s->probe && !worth_sending(t, s->len, unsent, in_flight) &&
      !(s->fin && s->len == unsent)) {
    s->held = unsent > 0;
    return 0;
  }
  if (s->fin)
    s->flags |= SL__TCP_FIN;
  if (s->len > 0 && s->len == unsent)
    s->flags |= SL__TCP_PSH;
  return 1;
}

/* Sends the segment next_segment chose, timing it for an RTT sample when
 * nothing is being timed and it is new (Karn), and moves SND.NXT, and
 * SND.MAX with it, past it. */
static void
send_next(struct sl__tcb *t, const struct next_seg *s, uint64_t now)
{
  if (!t->rtt_timing && SL_SEQ_GEQ(t->snd_nxt, t->snd_max)) {
    t->rtt_timing = 1;
    t->rtt_seq = t->snd_nxt + s->len + (uint32_t)s->fin;
    t->rtt_start = now;
  }
  sl__tcp_send_segment(t, t->snd_nxt, s->flags, s->len,
                       s->probe && t->snd_wnd == 0 ? "window probe" : NULL);
  t->last_send_us = now;
  if (s->fin) {
    t->fin_sent = 1;
    t->fin_seq = t->snd_nxt + s->len;
  }
  t->snd_nxt += s->len + (uint32_t)s->fin;
  if (SL_SEQ_GT(t->snd_nxt, t->snd_max))
    t->snd_max = t->snd_nxt;
}

/* The timer that covers a segment just sent.  A probe into a zero window
 * is not retransmitted on the RTO: the persist timer repeats it, for as
 * long as the peer keeps answering (RFC 9293 3.8.6.1), and nothing more
 * goes until then.  Anything else is covered by the retransmission timer
 * (RFC 6298 5.1), and a persist timer has nothing left to do.  Returns 1
 * after a probe: sending stops. */
static int
timer_after_send(struct sl__tcb *t, const struct next_seg *s)
{
  if (s->probe && t->snd_wnd == 0) {
    sl__tcp_set_timer(t, SL__TIMER_PERSIST, persist_interval(t));
    return 1;
  }
  if (t->timer[SL__TIMER_REXMT] == SL__TIME_NEVER)
    sl__tcp_set_timer(t, SL__TIMER_REXMT, sl__tcp_rto(t));
  sl__tcp_stop_timer(t, SL__TIMER_PERSIST);
  return 0;
}

/* The persist decision.  Data waits (held) with nothing in flight --
 * behind a zero window, or a window too small to be worth it -- and no
 * ACK will come to restart things: the persist timer probes or
 * overrides (RFC 9293 3.8.6.1 and 3.8.6.2.1). */
static void
persist_when_stalled(struct sl__tcb *t, int held)
{
  if (held && t->snd_nxt == t->snd_una &&
      t->timer[SL__TIMER_PERSIST] == SL__TIME_NEVER) {
    sl__tcp_stop_timer(t, SL__TIMER_REXMT);
    sl__tcp_set_timer(t, SL__TIMER_PERSIST, persist_interval(t));
  }
}

/* Sends what the send rules allow, segment after segment, then starts the
 * persist timer if data is stuck, and sends an ACK that is owed when no
 * segment carried it. */
void
sl__tcp_output(struct sl__tcb *t)
{
  const uint64_t now = t->host->now;
  struct next_seg s = {0};
  int sent = 0;

  if (t->state < SL_TCP_ESTABLISHED && t->state != SL_TCP_SYN_RECEIVED)
    return;
  if (!syn_acked(t)) {
    sent = fin_before_syn_acked(t);
  } else {
    restart_after_idle(t, now);
    while (next_segment(t, &s)) {
      send_next(t, &s, now);
      sent = 1;
      if (timer_after_send(t, &s) || s.fin)
        break; /* a probe waits for its answer; nothing follows a FIN */
    }
    persist_when_stalled(t, s.held);
    cover_flight(t);
  }
  if (!sent && t->ack_now)
    sl__tcp_send_ack(t);
}

/* ---- timers firing ----------------------------------------------------- */

static void
trace_timer(struct sl__tcb *t, enum sl__timer which)
{
  struct sl__event ev = {
      .type = SL__EV_TIMER, .tcb = t, .timer = which, .backoff = t->backoff};

  sl__trace(t->host, &ev);
}

/* RFC 5681 3.1 and RFC 6298 5.5-5.7: after a timeout, one segment in
 * flight, the rest again from snd_una.  Returns 1 when the connection
 * gave up (t may be freed). */
static int
rexmt_timeout(struct sl__tcb *t)
{
  const struct sl__host_config *cfg = &t->host->cfg;
  uint32_t flight = t->snd_max - t->snd_una;
  uint32_t half = flight / 2;

  t->host->stats.tcp.timeouts++;
  t->backoff++;
  t->retries++;
  trace_timer(t, SL__TIMER_REXMT);
  if (!syn_acked(t)) {
    /* Our SYN (or SYN,ACK) is what is missing: send it again. */
    unsigned limit =
        t->state == SL_TCP_SYN_SENT ? cfg->syn_retries : cfg->synack_retries;
    if (t->retries > limit) {
      sl__tcp_drop(t, -ETIMEDOUT, "SYN retransmission limit");
      return 1;
    }
    sl__tcp_send_segment(
        t, t->iss,
        t->state == SL_TCP_SYN_SENT ? SL__TCP_SYN : SL__TCP_SYN | SL__TCP_ACK,
        0, NULL);
    sl__tcp_set_timer(t, SL__TIMER_REXMT, sl__tcp_rto(t));
    return 0;
  }
  if (t->retries > cfg->data_retries) {
    sl__tcp_drop(t, -ETIMEDOUT, "retransmission limit");
    return 1;
  }
  t->ssthresh = half > 2u * t->snd_mss ? half : 2u * t->snd_mss;
  t->cwnd = t->snd_mss;
  t->cwnd_bonus = 0;
  t->in_recovery = 0;
  t->dupacks = 0;
  t->recover = t->snd_max;
  t->snd_nxt = t->snd_una; /* go back: resend from the first hole */
  sl__tcp_output(t);
  return 0;
}

/* Returns 1 when the peer stopped answering altogether (t may be gone). */
static int
persist_timeout(struct sl__tcb *t)
{
  t->host->stats.tcp.persist_probes++;
  trace_timer(t, SL__TIMER_PERSIST);
  /* RFC 9293 3.8.6.1: stay open as long as probes are answered; only
   * when they go unanswered as often as data would, give up. */
  if (t->snd_wnd == 0 && ++t->probes > t->host->cfg.data_retries) {
    sl__tcp_drop(t, -ETIMEDOUT, "window probes unanswered");
    return 1;
  }
  if (t->snd_wnd == 0)
    t->persist_backoff++;
  t->snd_nxt = t->snd_una; /* probe the same byte again if need be */
  t->force_probe = 1;
  sl__tcp_output(t);
  return 0;
}

/* RFC 1122 4.2.3.6: after keepidle of silence, a probe that the peer
 * must answer, "<SEQ=SND.NXT-1>" with no data (SND.UNA-1 here, as Linux:
 * the same when nothing is in flight); keepcnt probes unanswered, keep-
 * intvl apart, and the peer is gone.  Returns 1 when t was dropped. */
static int
keepalive_timeout(struct sl__tcb *t)
{
  uint64_t now = t->host->now;

  /* Data in flight or waiting has timers of its own, and a peer that
   * spoke recently is alive: look again later. */
  if (t->snd_una != t->snd_max || t->sndq.len > 0 ||
      now - t->last_rcv_us < t->keepidle_us) {
    t->keep_probes = 0;
    sl__tcp_keepalive_timer(t);
    return 0;
  }
  if (t->keep_probes >= t->keepcnt) {
    sl__tcp_drop(t, -ETIMEDOUT, "keepalive unanswered");
    return 1;
  }
  trace_timer(t, SL__TIMER_KEEPALIVE);
  t->keep_probes++;
  sl__tcp_send_segment(t, t->snd_una - 1, SL__TCP_ACK, 0, "keepalive");
  sl__tcp_set_timer(t, SL__TIMER_KEEPALIVE, t->keepintvl_us);
  return 0;
}

void
sl__tcp_timers(struct sl__tcb *t, uint64_t now)
{
  for (int i = 0; i < SL__TIMER_COUNT; i++) {
    if (t->timer[i] > now)
      continue;
    t->timer[i] = SL__TIME_NEVER;
    switch ((enum sl__timer)i) {
    case SL__TIMER_DELACK:
      t->host->stats.tcp.delayed_acks++;
      trace_timer(t, SL__TIMER_DELACK);
      sl__tcp_send_ack(t);
      break;
    case SL__TIMER_REXMT:
      if (rexmt_timeout(t))
        return; /* t may be gone */
      break;
    case SL__TIMER_PERSIST:
      if (persist_timeout(t))
        return;
      break;
    case SL__TIMER_2MSL:
      trace_timer(t, SL__TIMER_2MSL);
      sl__tcp_set_state(t, SL_TCP_CLOSED, "2MSL timeout");
      sl__tcb_closed(t);
      return; /* t may be gone */
    case SL__TIMER_FIN_WAIT_2:
      trace_timer(t, SL__TIMER_FIN_WAIT_2);
      sl__tcp_set_state(t, SL_TCP_CLOSED, "FIN-WAIT-2 timeout");
      sl__tcb_closed(t);
      return;
    case SL__TIMER_USER:
      /* RFC 9293 3.10.8: "connection aborted due to user timeout". */
      trace_timer(t, SL__TIMER_USER);
      sl__tcp_drop(t, -ETIMEDOUT, "user timeout");
      return;
    case SL__TIMER_KEEPALIVE:
      if (keepalive_timeout(t))
        return;
      break;
    default:
      break;
    }
  }
}
