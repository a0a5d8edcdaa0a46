/* TCP input: RFC 9293 section 3.10.7, "SEGMENT ARRIVES", step by step,
 * hardened per RFC 5961 (RST, SYN and ACK checks with challenge ACKs),
 * with out-of-order reassembly, delayed ACKs (RFC 1122 4.2.3.2), RTT
 * sampling (RFC 6298), and NewReno fast retransmit and recovery (RFC 5681
 * section 3.2, RFC 6582). */

/* SND.NXT and SND.MAX.  A retransmission timeout pulls SND.NXT back to
 * SND.UNA to send again from the first hole (RFC 6298 5.4), while what
 * was sent beyond it may still be in flight and acknowledged.  So the
 * TCB keeps SND.MAX, the highest sequence number sent plus one, beside
 * SND.NXT.  Where the RFC's SND.NXT means "what we have sent" (is an ACK
 * acceptable?) the code below tests SND.MAX; where it means "what we
 * send next", SND.NXT.  Before any timeout the two are equal. */
#include <stdlib.h>
#include <string.h>

#include "core/priv.h"

/* What one arriving segment carries, once parsed. */
struct arrival {
  const struct sl__ip4_hdr *ip;
  struct sl__tcp_seg seg;
};

static uint32_t
seg_len(const struct sl__tcp_seg *s)
{
  /* SEG.LEN counts SYN and FIN (RFC 9293 3.4). */
  return (uint32_t)s->len + !!(s->flags & SL__TCP_SYN) +
         !!(s->flags & SL__TCP_FIN);
}

static void ooo_insert(struct sl__tcb *t, uint32_t seq, const uint8_t *data,
                       uint32_t len);
static void ooo_drain(struct sl__tcb *t);
static void trim_to_window(const struct sl__tcb *t, struct sl__tcp_seg *s);
static int text_and_fin(struct sl__tcb *t, struct sl__tcp_seg *s);

static void
trace_in(struct sl__host *h, struct sl__tcb *t, const struct arrival *a)
{
  struct sl__event ev = {.type = SL__EV_SEG_IN, .tcb = t, .seg = &a->seg};

  /* A listener is not the connection: name the segment's own 4-tuple. */
  if (t != NULL && t->state == SL_TCP_LISTEN)
    ev.tcb = t = NULL;
  if (t == NULL) {
    ev.laddr = a->ip->dst;
    ev.raddr = a->ip->src;
    ev.lport = a->seg.dport;
    ev.rport = a->seg.sport;
  }
  sl__trace(h, &ev);
}

static void
take_window(struct sl__tcb *t, const struct sl__tcp_seg *s)
{
  t->snd_wnd = s->wnd;
  t->snd_wl1 = s->seq;
  t->snd_wl2 = s->ack;
  if (t->snd_wnd > t->max_snd_wnd)
    t->max_snd_wnd = t->snd_wnd;
}

/* ---- CLOSED and LISTEN ------------------------------------------------ */

/* A SYN found the listener's SYN queue full.  RFC 4987 3.4, "Recycling
 * the Oldest Half-Open TCB": the connection that has waited longest in
 * SYN-RECEIVED goes, silently (its peer may be a forged address), and the
 * new SYN takes its place.  A flood of forged SYNs then holds at most
 * sl__syn_queue_limit() connections, and a real client whose ACK comes
 * back within
 * the time the flood takes to fill the queue still gets in.  (SYN cookies,
 * RFC 4987 3.6, would keep no state at all; lib/README.md says why socklab
 * does this instead.) */
static void
evict_oldest_child(struct sl__tcb *l)
{
  struct sl__tcb *oldest = l->syn_q;

  /* New children go to the head of the list: the oldest is at its tail. */
  while (oldest->child_next != NULL)
    oldest = oldest->child_next;
  l->host->stats.tcp.syn_evictions++;
  sl__tcp_drop(oldest, 0, "SYN queue full"); /* frees it */
}

/* RFC 9293 3.10.7.2, LISTEN: a SYN creates a child in SYN-RECEIVED. */
static void
listen_input(struct sl__tcb *l, const struct arrival *a)
{
  struct sl__host *h = l->host;
  const struct sl__tcp_seg *s = &a->seg;
  struct sl__tcb *c;

  /* first, check for a RST: an incoming RST should be ignored */
  if (s->flags & SL__TCP_RST)
    return;
  /* second, check for an ACK: <SEQ=SEG.ACK><CTL=RST> */
  if (s->flags & SL__TCP_ACK) {
    sl__tcp_reset_reply(h, a->ip, s);
    return;
  }
  /* third, check for a SYN */
  if (!(s->flags & SL__TCP_SYN)) {
    sl__drop(h, SL__DROP_TCP_STATE, "LISTEN: no SYN");
    return;
  }
  /* RFC 9293 3.10.7.2 would queue a FIN that comes with the SYN "for
   * processing later"; no client opens a connection that way, scanners do
   * (to tell operating systems apart), so it is dropped, as Linux and
   * FreeBSD's drop_synfin do (lib/README.md). */
  if (s->flags & SL__TCP_FIN) {
    sl__drop(h, SL__DROP_TCP_FLAGS, "LISTEN: SYN with FIN");
    return;
  }
  /* Connections that finished their handshake are never sacrificed: with
   * the accept queue full the SYN is dropped (the client tries again). */
  if (l->accept_q_len >= l->backlog) {
    h->stats.tcp.listen_overflows++;
    sl__drop(h, SL__DROP_TCP_BACKLOG, NULL);
    return;
  }
  /* A full SYN queue makes room (RFC 4987 3.4): see evict_oldest_child. */
  while (l->syn_q_len >= sl__syn_queue_limit(l) && l->syn_q != NULL)
    evict_oldest_child(l);
  c = sl__tcb_alloc(h);
  if (c == NULL)
    return;
  c->passive = 1;
  c->laddr = a->ip->dst;
  c->lport = l->lport;
  c->raddr = a->ip->src;
  c->rport = s->sport;
  h->tcp_port_refs[c->lport]++;
  c->nodelay = l->nodelay;
  c->sndbuf = l->sndbuf;
  c->rcvbuf = l->rcvbuf;
  c->mss_user = l->mss_user;
  c->linger_on = l->linger_on;
  c->linger_s = l->linger_s;
  c->reuseaddr = l->reuseaddr;
  c->keepalive = l->keepalive;
  c->keepidle_us = l->keepidle_us;
  c->keepintvl_us = l->keepintvl_us;
  c->keepcnt = l->keepcnt;
  c->user_timeout_us = l->user_timeout_us;
  c->listener = l;
  c->child_next = l->syn_q;
  l->syn_q = c;
  l->syn_q_len++;
  sl__tcb_hash_insert(c);
  /* Set RCV.NXT to SEG.SEQ+1, IRS is set to SEG.SEQ; select an ISS. */
  c->irs = s->seq;
  c->rcv_nxt = s->seq + 1;
  c->rcv_adv = c->rcv_nxt;
  c->iss = sl__isn(h, c->laddr, c->lport, c->raddr, c->rport);
  c->snd_una = c->snd_nxt = c->snd_max = c->iss;
  sl__tcp_set_peer_mss(c, s->opt.has_mss, s->opt.mss);
  take_window(c, s);
  sl__tcp_set_state(c, SL_TCP_SYN_RECEIVED, "rcv SYN");
  /* "any other control or text should be queued for processing later":
   * data on the SYN waits out of order until the handshake completes. */
  if (s->len > 0)
    ooo_insert(c, c->rcv_nxt, s->data, (uint32_t)s->len);
  /* <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> */
  sl__tcp_send_segment(c, c->iss, SL__TCP_SYN | SL__TCP_ACK, 0, NULL);
  c->snd_nxt = c->snd_max = c->iss + 1;
  c->rtt_timing = 1;
  c->rtt_seq = c->snd_nxt;
  c->rtt_start = h->now;
  sl__tcp_set_timer(c, SL__TIMER_REXMT, sl__tcp_rto(c));
}

/* ---- SYN-SENT (RFC 9293 3.10.7.3) ------------------------------------ */

static void
enter_established(struct sl__tcb *t, const struct sl__tcp_seg *s,
                  const char *cause)
{
  t->snd_una = t->iss + 1; /* our SYN is acknowledged */
  t->recover = t->snd_una;
  take_window(t, s);
  t->synced = 1;
  t->retries = 0;
  sl__tcp_stop_timer(t, SL__TIMER_REXMT);
  if (t->rtt_timing && SL_SEQ_GEQ(s->ack, t->rtt_seq)) {
    sl__tcp_rtt_sample(t, t->host->now - t->rtt_start);
    t->rtt_timing = 0;
    t->backoff = 0;
  } else if (!t->have_rtt && t->backoff > 0) {
    /* RFC 6298 5.7: the SYN timed out and no RTT is known, so data
     * starts with an RTO of 3 seconds. */
    t->backoff = 0;
    if (t->rto_us < 3000000)
      t->rto_us = 3000000;
  }
  sl__tcp_set_state(t, SL_TCP_ESTABLISHED, cause);
  t->last_rcv_us = t->host->now;
  sl__tcp_user_timer(t, 1);
  sl__tcp_keepalive_timer(t);
  if (t->ooo != NULL) { /* data that came with the SYN */
    ooo_drain(t);
    sl__notify_tcb(t);
    t->ack_now = 1; /* step 7: delivered text "must also" be acknowledged */
  }
  if (t->passive)
    sl__tcp_child_established(t);
}

static void
syn_sent_input(struct sl__tcb *t, const struct arrival *a)
{
  const struct sl__tcp_seg *s = &a->seg;
  uint32_t wnd;
  int ack_ok = 0;

  /* first, check the ACK bit */
  if (s->flags & SL__TCP_ACK) {
    /* If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset (unless the
     * RST bit is set) and discard the segment. */
    if (SL_SEQ_LEQ(s->ack, t->iss) || SL_SEQ_GT(s->ack, t->snd_nxt)) {
      sl__drop(t->host, SL__DROP_TCP_ACK, "SYN-SENT: bad ACK");
      sl__tcp_reset_reply(t->host, a->ip, s);
      return;
    }
    ack_ok = 1;
  }
  /* second, check the RST bit: only with an acceptable ACK (RFC 5961
   * 3.2 for SYN-SENT); the connection was refused. */
  if (s->flags & SL__TCP_RST) {
    if (ack_ok)
      sl__tcp_drop(t, -ECONNREFUSED, "rcv RST");
    else
      sl__drop(t->host, SL__DROP_TCP_RST, "SYN-SENT: RST without ACK");
    return;
  }
  /* third, check the security: socklab's segments carry no security
   * compartment, so there is nothing to check. */
  /* fourth, check the SYN bit */
  if (!(s->flags & SL__TCP_SYN)) {
    sl__drop(t->host, SL__DROP_TCP_STATE, "SYN-SENT: no SYN");
    return;
  }
  /* A FIN with the SYN is dropped, as in LISTEN (lib/README.md); RFC
   * 9293 3.10.7.3 would continue at the sixth step and close at once. */
  if (s->flags & SL__TCP_FIN) {
    sl__drop(t->host, SL__DROP_TCP_FLAGS, "SYN-SENT: SYN with FIN");
    return;
  }
  t->irs = s->seq;
  t->rcv_nxt = s->seq + 1;
  /* Our SYN offered a window; it counts from RCV.NXT on.  Nothing has
   * been advertised beyond RCV.NXT yet, so the right edge starts there
   * and the window is computed afresh from the buffer. */
  t->rcv_adv = t->rcv_nxt;
  wnd = sl__tcp_rcv_window(t);
  t->rcv_adv = t->rcv_nxt + wnd;
  sl__tcp_set_peer_mss(t, s->opt.has_mss, s->opt.mss);
  if (ack_ok) {
    /* Our SYN has been ACKed: ESTABLISHED, and
     * <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.  "If there are other controls
     * or text in the segment, then continue processing at the sixth
     * step". */
    struct sl__tcp_seg rest = *s;

    rest.seq++;
    rest.flags &= (uint8_t)~SL__TCP_SYN;
    enter_established(t, s, "rcv SYN,ACK");
    t->ack_now = 1;
    trim_to_window(t, &rest);
    if (text_and_fin(t, &rest) < 0)
      return;
    sl__tcp_output(t); /* the ACK, and data queued while connecting */
    return;
  }
  /* Simultaneous open: SYN-RECEIVED, <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>. */
  take_window(t, s);
  sl__tcp_set_state(t, SL_TCP_SYN_RECEIVED, "rcv SYN");
  sl__tcp_send_segment(t, t->iss, SL__TCP_SYN | SL__TCP_ACK, 0, NULL);
}

/* ---- synchronized states: the eight steps ---------------------------- */

/* Step one's test (RFC 9293 3.10.7.4, the table of four cases) against
 * the window we advertised. */
static int
seq_acceptable(const struct sl__tcb *t, uint32_t seq, uint32_t len)
{
  uint32_t wnd =
      SL_SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
  uint32_t end = t->rcv_nxt + wnd;

  if (len == 0) {
    /* RCV.WND = 0: SEG.SEQ = RCV.NXT; otherwise RCV.NXT =< SEG.SEQ <
     * RCV.NXT+RCV.WND.  Linux (tcp_sequence) also takes an empty segment
     * at the right edge; socklab follows the RFC (lib/README.md): such
     * a segment is answered with an ACK, which tells the peer RCV.NXT. */
    if (wnd == 0)
      return seq == t->rcv_nxt;
    return SL_SEQ_LEQ(t->rcv_nxt, seq) && SL_SEQ_LT(seq, end);
  }
  if (wnd == 0)
    return 0;
  return (SL_SEQ_LEQ(t->rcv_nxt, seq) && SL_SEQ_LT(seq, end)) ||
         (SL_SEQ_LEQ(t->rcv_nxt, seq + len - 1) &&
          SL_SEQ_LT(seq + len - 1, end));
}

/* Cuts what lies before RCV.NXT or beyond the window off the segment
 * (RFC 9293 3.10.7.4: "segments with higher beginning sequence numbers
 * may be held ... trimmed to the window"). */
static void
trim_to_window(const struct sl__tcb *t, struct sl__tcp_seg *s)
{
  uint32_t wnd =
      SL_SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
  uint32_t end = t->rcv_nxt + wnd;

  if (SL_SEQ_LT(s->seq, t->rcv_nxt)) {
    uint32_t cut = t->rcv_nxt - s->seq;
    if (s->flags & SL__TCP_SYN) {
      s->flags &= (uint8_t)~SL__TCP_SYN;
      s->seq++;
      cut--;
    }
    if (cut > s->len) { /* the FIN, too, is old */
      cut = (uint32_t)s->len;
      s->flags &= (uint8_t)~SL__TCP_FIN;
    }
    s->data += cut;
    s->len -= cut;
    s->seq += cut;
  }
  if (SL_SEQ_GT(s->seq + (uint32_t)s->len, end)) {
    uint32_t over = s->seq + (uint32_t)s->len - end;
    s->len = over > s->len ? 0 : s->len - over;
    s->flags &= (uint8_t)~SL__TCP_FIN; /* the FIN lies beyond, too */
  }
}

/* Keeps a segment that arrived ahead of a gap.  Stored segments never
 * overlap: the new one is trimmed against its neighbours, and ones it
 * covers entirely are replaced. */
static void
ooo_insert(struct sl__tcb *t, uint32_t seq, const uint8_t *data, uint32_t len)
{
  struct sl__ooo **pp = &t->ooo, *o;
  uint32_t end = seq + len;

  while (*pp != NULL && SL_SEQ_LEQ((*pp)->seq + (*pp)->len, seq))
    pp = &(*pp)->next;
  if (*pp != NULL && SL_SEQ_LEQ((*pp)->seq, seq)) {
    uint32_t have = (*pp)->seq + (*pp)->len;
    if (SL_SEQ_GEQ(have, end))
      return; /* nothing new */
    data += have - seq;
    seq = have;
    pp = &(*pp)->next;
  }
  while (*pp != NULL && SL_SEQ_LEQ((*pp)->seq + (*pp)->len, end)) {
    struct sl__ooo *gone = *pp;
    *pp = gone->next;
    t->ooo_bytes -= gone->len;
    free(gone);
  }
  if (*pp != NULL && SL_SEQ_LT((*pp)->seq, end))
    end = (*pp)->seq;
  len = end - seq;
  if (len == 0)
    return;
  o = malloc(sizeof *o + len);
  if (o == NULL)
    return; /* the peer will send it again */
  o->seq = seq;
  o->len = len;
  o->fin = 0;
  memcpy(o->data, data, len);
  o->next = *pp;
  *pp = o;
  t->ooo_bytes += len;
  t->host->stats.tcp.ooo_segs++;
}

/* Moves queued segments that now follow RCV.NXT into the receive queue. */
static void
ooo_drain(struct sl__tcb *t)
{
  while (t->ooo != NULL && SL_SEQ_LEQ(t->ooo->seq, t->rcv_nxt)) {
    struct sl__ooo *o = t->ooo;
    uint32_t skip = t->rcv_nxt - o->seq;

    if (skip < o->len) {
      uint32_t n = o->len - skip;
      sl__ring_put(&t->rcvq, o->data + skip, n, SIZE_MAX);
      t->rcv_nxt += n;
    }
    t->ooo = o->next;
    t->ooo_bytes -= o->len;
    free(o);
  }
}

/* Step seven: the segment's text.  Returns 1 when the ACK must go now. */
static int
process_text(struct sl__tcb *t, const struct sl__tcp_seg *s)
{
  int had_ooo = t->ooo != NULL;

  if (s->len == 0)
    return 0;
  if (s->seq != t->rcv_nxt) {
    /* Out of order: keep it, and send a duplicate ACK at once (RFC 5681
     * 4.2) so the sender's fast retransmit can start. */
    ooo_insert(t, s->seq, s->data, (uint32_t)s->len);
    return 1;
  }
  sl__ring_put(&t->rcvq, s->data, s->len, SIZE_MAX);
  t->rcv_nxt += (uint32_t)s->len;
  ooo_drain(t);
  sl__notify_tcb(t);
  if (had_ooo)
    return 1; /* filling a gap: ACK at once (RFC 5681 4.2) */
  /* Delayed ACK: at least every second full-sized segment (RFC 5681 4.2,
   * RFC 1122 4.2.3.2), otherwise within delack_us.  Full-sized is what
   * the peer sends at most: the smaller of the two MSS announced, as
   * this side's own sends (a peer that announced 536 sends 536, not the
   * 1460 this side announced, and would wait a delayed ACK each flight). */
  if (t->host->cfg.delack_us == 0 ||
      t->rcv_nxt - t->last_ack_sent >= 2u * t->snd_mss)
    return 1;
  if (t->timer[SL__TIMER_DELACK] == SL__TIME_NEVER)
    sl__tcp_set_timer(t, SL__TIMER_DELACK, t->host->cfg.delack_us);
  return 0;
}

static void
enter_time_wait(struct sl__tcb *t, const char *cause)
{
  for (int i = 0; i < SL__TIMER_COUNT; i++)
    t->timer[i] = SL__TIME_NEVER;
  sl__tcp_set_state(t, SL_TCP_TIME_WAIT, cause);
  sl__tcp_set_timer(t, SL__TIMER_2MSL, 2 * t->host->cfg.msl_us);
}

/* Step eight: the peer's FIN, once everything before it has arrived. */
static void
process_fin(struct sl__tcb *t)
{
  int fin_acked = t->fin_sent && SL_SEQ_GT(t->snd_una, t->fin_seq);

  t->rcv_nxt++; /* advance RCV.NXT over the FIN */
  t->fin_rcvd = 1;
  t->ooo_fin = 0;
  t->ack_now = 1;
  sl__notify_tcb(t);
  switch (t->state) {
  case SL_TCP_SYN_RECEIVED:
  case SL_TCP_ESTABLISHED:
    sl__tcp_set_state(t, SL_TCP_CLOSE_WAIT, "rcv FIN");
    break;
  case SL_TCP_FIN_WAIT_1:
    /* If our FIN has been ACKed, TIME-WAIT; otherwise CLOSING. */
    if (fin_acked)
      enter_time_wait(t, "rcv FIN");
    else
      sl__tcp_set_state(t, SL_TCP_CLOSING, "rcv FIN");
    break;
  case SL_TCP_FIN_WAIT_2:
    enter_time_wait(t, "rcv FIN");
    break;
  default:
    break; /* CLOSE-WAIT, CLOSING, LAST-ACK: remain */
  }
}

/* Bytes of data at SND.UNA that were sent and not acknowledged, up to one
 * SMSS: what a fast retransmit may resend (never new data). */
static uint32_t
sent_unacked(const struct sl__tcb *t)
{
  uint32_t len = t->snd_max - t->snd_una;

  if (len > t->sndq.len)
    len = (uint32_t)t->sndq.len; /* the FIN is not data */
  return len < t->snd_mss ? len : t->snd_mss;
}

/* Step five for a new ACK: SND.UNA < SEG.ACK =< SND.NXT, which is
 * SND.UNA < SEG.ACK =< SND.MAX here (the top of this file says why). */
static void
ack_advances(struct sl__tcb *t, const struct sl__tcp_seg *s)
{
  uint32_t acked = s->ack - t->snd_una;
  uint32_t data = acked;

  if (t->snd_una == t->iss && t->state != SL_TCP_SYN_SENT)
    data--; /* the SYN took a sequence number */
  if (t->fin_sent && SL_SEQ_GT(s->ack, t->fin_seq))
    data--; /* so did our FIN */
  if (data > t->sndq.len)
    data = (uint32_t)t->sndq.len;
  sl__ring_drop(&t->sndq, data);
  t->snd_una = s->ack;
  if (SL_SEQ_LT(t->snd_nxt, t->snd_una))
    t->snd_nxt = t->snd_una;
  t->retries = 0; /* progress: the give-up count starts over */
  t->cwnd_bonus = 0;
  if (t->rtt_timing && SL_SEQ_GEQ(s->ack, t->rtt_seq)) {
    /* Karn: a clean sample; only now may the backed-off RTO go. */
    sl__tcp_rtt_sample(t, t->host->now - t->rtt_start);
    t->rtt_timing = 0;
    t->backoff = 0;
  }
  if (t->in_recovery) {
    if (SL_SEQ_GEQ(s->ack, t->recover)) {
      /* RFC 6582 3.2 step 3: a full ACK ends recovery, with cwnd
       * min(ssthresh, max(FlightSize, SMSS) + SMSS). */
      uint32_t flight = t->snd_max - t->snd_una;
      uint32_t c = (flight > t->snd_mss ? flight : t->snd_mss) + t->snd_mss;
      t->cwnd = c < t->ssthresh ? c : t->ssthresh;
      t->in_recovery = 0;
    } else {
      /* Step 5, a partial ACK: resend the next hole; deflate by what was
       * acked, adding SMSS back if at least SMSS was. */
      uint32_t len = sent_unacked(t);
      if (len > 0)
        sl__tcp_send_segment(t, t->snd_una, SL__TCP_ACK, len, "retransmit");
      t->cwnd = t->cwnd > acked ? t->cwnd - acked : 0;
      if (acked >= t->snd_mss)
        t->cwnd += t->snd_mss;
      if (t->cwnd < t->snd_mss)
        t->cwnd = t->snd_mss;
    }
  } else if (t->cwnd < t->ssthresh) {
    /* Slow start (RFC 5681 3.1, with appropriate byte counting). */
    t->cwnd += acked < t->snd_mss ? acked : t->snd_mss;
  } else {
    /* Congestion avoidance: about one SMSS per round trip. */
    uint32_t inc = t->snd_mss * t->snd_mss / (t->cwnd ? t->cwnd : 1);
    t->cwnd += inc ? inc : 1;
  }
  t->dupacks = 0;
  sl__tcp_user_timer(t, 1); /* progress: the user timeout starts again */
  /* RFC 6298 5.2 and 5.3: stop the timer when all is acked, else restart */
  if (t->snd_una == t->snd_max) {
    sl__tcp_stop_timer(t, SL__TIMER_REXMT);
    sl__ring_trim(&t->sndq); /* all acknowledged: keep no buffer */
  } else
    sl__tcp_set_timer(t, SL__TIMER_REXMT, sl__tcp_rto(t));
  /* Room in the send buffer: wake writers once a third of it is free, not
   * for every ACK (Linux's low-water mark), or when it is all sent. */
  {
    size_t low = t->sndbuf - t->sndbuf / 3; /* queued bytes at 1/3 free */
    if ((t->sndq.len + data > low && t->sndq.len <= low) || t->sndq.len == 0)
      sl__notify_tcb(t);
  }
}

/* Step five for SEG.ACK = SND.UNA: maybe a duplicate ACK (RFC 5681 2). */
static void
ack_duplicate(struct sl__tcb *t, const struct sl__tcp_seg *s, int wnd_changed)
{
  uint32_t flight = t->snd_max - t->snd_una;

  /* An ACK answering a window probe is no sign of loss (and fast
   * retransmit must never push data into a closed window). */
  if (s->len != 0 || (s->flags & (SL__TCP_SYN | SL__TCP_FIN)) || wnd_changed ||
      flight == 0 || t->snd_wnd == 0) {
    t->dupacks = 0;
    t->cwnd_bonus = 0;
    return;
  }
  t->dupacks++;
  if (t->dupacks <= 2 && !t->in_recovery) {
    /* Limited Transmit (RFC 3042, RFC 5681 3.2 step 1): one new segment
     * per early duplicate ACK, so a small window still gets three. */
    t->cwnd_bonus = t->dupacks * t->snd_mss;
    return;
  }
  /* RFC 6582 3.2 step 2: only if the ACK covers "recover", so one window
   * of losses is one recovery (recover is one past the highest sent). */
  if (t->dupacks == 3 && !t->in_recovery &&
      SL_SEQ_GEQ(t->snd_una, t->recover)) {
    /* Fast retransmit (RFC 5681 3.2 steps 2-4, RFC 6582 3.2 step 2). */
    uint32_t half = flight / 2;
    uint32_t len = sent_unacked(t);
    t->cwnd_bonus = 0;
    t->ssthresh = half > 2u * t->snd_mss ? half : 2u * t->snd_mss;
    t->recover = t->snd_max;
    t->in_recovery = 1;
    t->host->stats.tcp.fast_retrans++;
    if (len > 0)
      sl__tcp_send_segment(t, t->snd_una, SL__TCP_ACK, len, "fast retransmit");
    else if (t->fin_sent)
      sl__tcp_send_segment(t, t->snd_una, SL__TCP_ACK | SL__TCP_FIN, 0,
                           "fast retransmit");
    t->cwnd = t->ssthresh + 3u * t->snd_mss;
  } else if (t->in_recovery) {
    t->cwnd += t->snd_mss; /* each further duplicate: one more left */
  }
}

/* A window of zero with data outstanding: stop retransmitting into it and
 * probe instead (RFC 9293 3.8.6.1). */
static void
zero_window(struct sl__tcb *t)
{
  if (t->snd_wnd != 0 || t->sndq.len == 0)
    return;
  t->snd_nxt = t->snd_una;
  sl__tcp_stop_timer(t, SL__TIMER_REXMT);
}

/* Step five.  Returns 0 when the segment is to be dropped, -1 when the
 * connection is gone. */
static int
process_ack(struct sl__tcb *t, const struct arrival *a)
{
  const struct sl__tcp_seg *s = &a->seg;
  uint32_t old_wnd = t->snd_wnd;
  int fin_acked, advanced;

  /* if the ACK bit is off, drop the segment and return */
  if (!(s->flags & SL__TCP_ACK)) {
    sl__drop(t->host, SL__DROP_TCP_STATE, "no ACK");
    return 0;
  }
  /* RFC 5961 5.2, which RFC 9293 puts before the per-state rules: an
   * ACK too old (before SND.UNA - MAX.SND.WND) or acknowledging what we
   * never sent (beyond SND.NXT; SND.MAX here, the top of this file says
   * why) is discarded and answered with an ACK, in SYN-RECEIVED too
   * (where Linux resets). */
  if (SL_SEQ_GT(s->ack, t->snd_max) ||
      SL_SEQ_LT(s->ack, t->snd_una - t->max_snd_wnd)) {
    sl__drop(t->host, SL__DROP_TCP_ACK, "ACK outside what was sent");
    sl__tcp_challenge_ack(t);
    return 0;
  }
  if (t->state == SL_TCP_SYN_RECEIVED) {
    /* If SND.UNA < SEG.ACK =< SND.NXT, enter ESTABLISHED; otherwise
     * <SEQ=SEG.ACK><CTL=RST>.  (The upper bound, as SND.MAX, was
     * checked just above.) */
    if (SL_SEQ_LT(t->snd_una, s->ack)) {
      enter_established(t, s, "rcv ACK of SYN");
    } else {
      sl__drop(t->host, SL__DROP_TCP_ACK, "SYN-RECEIVED: bad ACK");
      sl__tcp_reset_reply(t->host, a->ip, s);
      return 0;
    }
  }
  advanced = SL_SEQ_GT(s->ack, t->snd_una);
  if (advanced)
    ack_advances(t, s);
  t->probes = 0; /* the peer answers */
  /* "If SND.UNA =< SEG.ACK =< SND.NXT, the send window should be
   * updated" -- when the segment is newer (SND.WL1, SND.WL2).  The upper
   * bound, as SND.MAX, was checked at the top. */
  if (SL_SEQ_GEQ(s->ack, t->snd_una) &&
      (SL_SEQ_LT(t->snd_wl1, s->seq) ||
       (t->snd_wl1 == s->seq && SL_SEQ_LEQ(t->snd_wl2, s->ack)))) {
    take_window(t, s);
    if (old_wnd == 0 && t->snd_wnd > 0) {
      /* The window opens.  A probe byte this ACK does not cover was not
       * taken (or is lost): send it again with the rest, now, rather
       * than let Nagle hold the rest behind it (RFC 9293 3.8.6.1). */
      sl__tcp_stop_timer(t, SL__TIMER_PERSIST);
      t->persist_backoff = 0;
      t->snd_nxt = t->snd_una;
    }
  }
  if (!advanced && s->ack == t->snd_una)
    ack_duplicate(t, s, t->snd_wnd != old_wnd);
  zero_window(t);

  fin_acked = t->fin_sent && SL_SEQ_GT(t->snd_una, t->fin_seq);
  switch (t->state) {
  case SL_TCP_FIN_WAIT_1:
    /* if our FIN is now acknowledged, enter FIN-WAIT-2 */
    if (fin_acked) {
      sl__tcp_set_state(t, SL_TCP_FIN_WAIT_2, "rcv ACK of FIN");
      if (t->orphan)
        sl__tcp_set_timer(t, SL__TIMER_FIN_WAIT_2, t->host->cfg.fin_wait2_us);
    }
    break;
  case SL_TCP_CLOSING:
    if (fin_acked)
      enter_time_wait(t, "rcv ACK of FIN");
    break;
  case SL_TCP_LAST_ACK:
    if (fin_acked) {
      sl__tcp_set_state(t, SL_TCP_CLOSED, "rcv ACK of FIN");
      sl__tcb_closed(t);
      return -1;
    }
    break;
  default:
    break;
  }
  return 1;
}

/* The RST in step two (RFC 5961 3.2): exactly RCV.NXT resets, anything
 * else in the window earns a challenge ACK. */
static void
process_rst(struct sl__tcb *t, const struct sl__tcp_seg *s)
{
  if (s->seq != t->rcv_nxt) {
    sl__drop(t->host, SL__DROP_TCP_RST, "RST not at RCV.NXT");
    sl__tcp_challenge_ack(t);
    return;
  }
  switch (t->state) {
  case SL_TCP_SYN_RECEIVED:
    /* Passive: the child just disappears.  Active: connection refused. */
    sl__tcp_drop(t, t->passive ? -ECONNRESET : -ECONNREFUSED, "rcv RST");
    break;
  case SL_TCP_ESTABLISHED:
  case SL_TCP_FIN_WAIT_1:
  case SL_TCP_FIN_WAIT_2:
  case SL_TCP_CLOSE_WAIT:
    sl__tcp_drop(t, -ECONNRESET, "rcv RST");
    break;
  default: /* CLOSING, LAST-ACK, TIME-WAIT */
    sl__tcp_drop(t, 0, "rcv RST");
    break;
  }
}

/* The eight steps of RFC 9293 3.10.7.4, for SYN-RECEIVED and every
 * synchronized state (SYN-RECEIVED and TIME-WAIT first take the one
 * segment each handles before them: syn_received_input,
 * time_wait_input). */
static void
synchronized_input(struct sl__tcb *t, struct arrival *a)
{
  struct sl__tcp_seg *s = &a->seg;
  int r, zero_window_ack = 0;

  /* first, check sequence number */
  if (!seq_acceptable(t, s->seq, seg_len(s))) {
    /* "If the RCV.WND is zero, no segments will be acceptable, but
     * special allowance should be made to accept valid ACKs, URGs, and
     * RSTs": keep the controls, drop the text, and ACK. */
    if (t->rcv_adv == t->rcv_nxt && s->seq == t->rcv_nxt &&
        !(s->flags & SL__TCP_SYN)) {
      s->len = 0;
      s->flags &= (uint8_t)~SL__TCP_FIN;
      zero_window_ack = 1;
    } else {
      sl__drop(t->host, SL__DROP_TCP_SEQ, NULL);
      /* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, SEQ being SND.MAX here
       * (sl__tcp_send_ack says why). */
      if (!(s->flags & SL__TCP_RST))
        sl__tcp_send_ack(t);
      return;
    }
  }
  /* The peer is alive: keep-alives wait for a new silence. */
  t->last_rcv_us = t->host->now;
  if (t->keep_probes > 0) {
    t->keep_probes = 0;
    sl__tcp_keepalive_timer(t); /* from the probe interval back to idle */
  }
  /* second, check the RST bit */
  if (s->flags & SL__TCP_RST) {
    process_rst(t, s);
    return;
  }
  /* third, check the security: socklab's segments carry no security
   * compartment, so there is nothing to check. */
  /* fourth, check the SYN bit.  "If the connection was initiated with a
   * passive OPEN, then return this connection to the LISTEN state": the
   * child goes away and the listener stays. */
  if ((s->flags & SL__TCP_SYN) && t->state == SL_TCP_SYN_RECEIVED &&
      t->passive) {
    sl__tcp_drop(t, 0, "rcv SYN");
    return;
  }
  /* Otherwise RFC 5961 4.2: always a challenge ACK. */
  if (s->flags & SL__TCP_SYN) {
    sl__drop(t->host, SL__DROP_TCP_SYN, "SYN in a synchronized state");
    sl__tcp_challenge_ack(t);
    return;
  }
  trim_to_window(t, s);
  /* fifth, check the ACK field */
  r = process_ack(t, a);
  if (r <= 0)
    return;
  if (zero_window_ack)
    t->ack_now = 1;
  /* sixth, the URG bit: urgent data is not supported and is read as
   * ordinary data (lib/README.md). */

  if (text_and_fin(t, s) < 0)
    return;
  sl__tcp_output(t);
}

/* SYN-RECEIVED: the peer's SYN again means our SYN,ACK was lost, and it
 * goes again.  That SYN lies at IRS, below RCV.NXT, where step one would
 * only ACK it, so it is taken before the steps; any other segment goes
 * through them. */
static void
syn_received_input(struct sl__tcb *t, struct arrival *a)
{
  const struct sl__tcp_seg *s = &a->seg;

  if (s->seq == t->irs && (s->flags & (SL__TCP_SYN | SL__TCP_ACK | SL__TCP_RST |
                                       SL__TCP_FIN)) == SL__TCP_SYN) {
    sl__tcp_send_segment(t, t->iss, SL__TCP_SYN | SL__TCP_ACK, 0, NULL);
    return;
  }
  synchronized_input(t, a);
}

/* TIME-WAIT, in a function of its own as lwIP's tcp_timewait_input: the
 * peer's FIN again means our ACK of it was lost, and it is ACKed again
 * and restarts the 2 MSL timeout (RFC 9293 3.6, and 3.10.7.4's eighth
 * step: "Remain in the TIME-WAIT state.  Restart the 2 MSL time-wait
 * timeout.").  That FIN lies below RCV.NXT, where step one would only
 * ACK it, so it is taken before the steps.  Any other segment goes
 * through them: step one ACKs what is old, step two takes a RST, step
 * four answers a SYN (a new SYN that may take the connection over was
 * handled before: sl__tcp_input). */
static void
time_wait_input(struct sl__tcb *t, struct arrival *a)
{
  const struct sl__tcp_seg *s = &a->seg;

  if ((s->flags & SL__TCP_FIN) && !(s->flags & (SL__TCP_SYN | SL__TCP_RST)) &&
      s->seq + seg_len(s) == t->rcv_nxt) {
    sl__tcp_send_ack(t);
    sl__tcp_set_timer(t, SL__TIMER_2MSL, 2 * t->host->cfg.msl_us);
    return;
  }
  synchronized_input(t, a);
}

/* Steps seven and eight: the segment's text and its FIN.  Sets ack_now
 * when the ACK must go at once.  Returns -1 when the connection is gone. */
static int
text_and_fin(struct sl__tcb *t, struct sl__tcp_seg *s)
{
  int ack_now = 0;

  /* seventh, process the segment text */
  switch (t->state) {
  case SL_TCP_ESTABLISHED:
  case SL_TCP_FIN_WAIT_1:
  case SL_TCP_FIN_WAIT_2:
    if (s->len > 0 && t->orphan && !t->fin_rcvd) {
      /* Data for a socket the application closed cannot be delivered:
       * reset, as Linux does (RFC 9293 3.10.4 permits it). */
      sl__tcp_send_rst(t);
      sl__tcp_drop(t, 0, "data after close()");
      return -1;
    }
    ack_now = process_text(t, s);
    break;
  default:
    break; /* the peer already sent its FIN: ignore text */
  }
  /* eighth, check the FIN bit */
  if ((s->flags & SL__TCP_FIN) && t->state == SL_TCP_TIME_WAIT) {
    /* TIME-WAIT: "Remain in the TIME-WAIT state.  Restart the 2 MSL
     * time-wait timeout", and acknowledge the FIN. */
    sl__tcp_set_timer(t, SL__TIMER_2MSL, 2 * t->host->cfg.msl_us);
    ack_now = 1;
  } else if ((s->flags & SL__TCP_FIN) && !t->fin_rcvd) {
    uint32_t fin_at = s->seq + (uint32_t)s->len;
    if (fin_at == t->rcv_nxt) {
      process_fin(t);
    } else {
      t->ooo_fin = 1; /* arrives in order once the gap fills */
      t->ooo_fin_seq = fin_at;
      ack_now = 1;
    }
  } else if (t->ooo_fin && t->ooo_fin_seq == t->rcv_nxt && !t->fin_rcvd) {
    process_fin(t);
  }
  if (ack_now)
    t->ack_now = 1;
  return 0;
}

/* ---- entry points ---------------------------------------------------- */

void
sl__tcp_input(struct sl__host *h, const struct sl__ip4_hdr *ip,
              const uint8_t *l4, size_t len)
{
  struct arrival a = {.ip = ip};
  struct sl__tcb *t;
  int r;

  h->stats.tcp.in_segs++;
  r = sl__tcp_parse(l4, len, ip->src, ip->dst, &a.seg);
  if (r != 0) {
    h->stats.tcp.in_errs++;
    if (r == SL__DROP_TCP_CSUM)
      h->stats.tcp.in_csum_errors++;
    sl__drop(h, r, NULL);
    return;
  }
  t = sl__tcb_lookup(h, ip->dst, a.seg.dport, ip->src, a.seg.sport);
  /* A new SYN may take over a TIME-WAIT connection when it starts beyond
   * everything the old one saw (as RFC 6191 and Linux allow). */
  if (t != NULL && t->state == SL_TCP_TIME_WAIT &&
      (a.seg.flags & (SL__TCP_SYN | SL__TCP_ACK | SL__TCP_RST | SL__TCP_FIN)) ==
          SL__TCP_SYN &&
      SL_SEQ_GT(a.seg.seq, t->rcv_nxt) &&
      sl__tcb_listener(h, ip->dst, a.seg.dport) != NULL) {
    sl__tcp_set_state(t, SL_TCP_CLOSED, "new SYN in TIME-WAIT");
    sl__tcb_closed(t);
    t = NULL;
  }
  if (t == NULL) {
    struct sl__tcb *l = sl__tcb_listener(h, ip->dst, a.seg.dport);
    trace_in(h, l, &a);
    if (l != NULL) {
      listen_input(l, &a);
    } else {
      /* CLOSED (RFC 9293 3.10.7.1): no connection, answer with a reset */
      sl__drop(h, SL__DROP_TCP_NO_SOCKET, NULL);
      sl__tcp_reset_reply(h, ip, &a.seg);
    }
    return;
  }
  trace_in(h, t, &a);
  switch (t->state) {
  case SL_TCP_SYN_SENT:
    syn_sent_input(t, &a);
    break;
  case SL_TCP_SYN_RECEIVED:
    syn_received_input(t, &a);
    break;
  case SL_TCP_TIME_WAIT:
    time_wait_input(t, &a);
    break;
  default:
    synchronized_input(t, &a);
    break;
  }
}

void
sl__tcp_icmp_error(struct sl__host *h, const struct sl__icmp_quote *q, int err)
{
  struct sl__tcb *t =
      sl__tcb_lookup(h, q->ip.src, q->sport, q->ip.dst, q->dport);

  if (t == NULL)
    return;
  /* RFC 5927 4.1: act only on a quote of a segment in flight, SND.UNA =<
   * SEG.SEQ < SND.NXT; anyone can forge an ICMP error, but only who sees
   * the connection knows its numbers.  SND.MAX stands for SND.NXT, which
   * goes back after a timeout while what was sent beyond it still is. */
  if (SL_SEQ_LT(q->seq, t->snd_una) || SL_SEQ_GEQ(q->seq, t->snd_max)) {
    h->stats.tcp.icmp_seq_ignored++;
    sl__drop(h, SL__DROP_ICMP_SEQ, NULL);
    return;
  }
  /* RFC 1122 4.2.3.9: a hard error aborts only a connection not yet
   * established; otherwise it is remembered (Linux: ECONNREFUSED during
   * SYN-SENT). */
  if (t->state == SL_TCP_SYN_SENT && err == -ECONNREFUSED)
    sl__tcp_drop(t, err, "ICMP port unreachable");
}
