/* The TCP core checked rule by rule against the RFC text: RFC 9293 3.7-3.10
 * (segment arrives, window management, user calls), RFC 5961, RFC 6298,
 * RFC 5681, RFC 6582 and RFC 6528.  Each test cites the clause it checks,
 * and all of them pass: where socklab chooses otherwise than the RFC, the
 * test checks socklab's choice and lib/README.md lists it. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcp_harness.h"
#include "testutil.h"

#include "suites.h"

static struct th th_;
static struct th *th = &th_;

static void
setup(void)
{
  th_init(th, NULL);
}

static void
teardown(void)
{
  th_free(th);
}

/* Runs virtual time up to the host's next timer deadline. */
static void
advance_to_next_timer(void)
{
  uint64_t d = sl__host_next_deadline(th->h);

  ck_assert_msg(d != SL__TIME_NEVER, "no timer is armed");
  ck_assert_uint_ge(d, th->now);
  th_advance(th, d - th->now);
}

/* Forgets every segment the host sent so far. */
static void
discard_output(void)
{
  th->next = th->nout;
}

static void
small_rcvbuf(struct sl__host_config *cfg)
{
  cfg->rcvbuf = 2000;
}

static void
rcvbuf_4000(struct sl__host_config *cfg)
{
  cfg->rcvbuf = 4000;
}

/* TIME-WAIT long enough to outlast a second of forged segments. */
static void
long_msl(struct sl__host_config *cfg)
{
  cfg->msl_us = 30 * 1000000ull;
}

static void
three_data_retries(struct sl__host_config *cfg)
{
  cfg->data_retries = 3;
}

/* ---- LISTEN and SYN-RECEIVED ------------------------------------------ */

/* RFC 9293 3.7.1 (MUST-15): without an MSS option the send MSS is 536. */
START_TEST(test_listen_syn_without_mss_uses_536)
{
  struct sl__tcp_info info;

  th_listen(th);
  th_send_full(th, SL__TCP_SYN, th->pseq, 0, 65535, 0, NULL, 0);
  th_pop(th);
  ck_assert_ptr_nonnull(th_find(th));
  sl__tcp_get_info(th_find(th), &info);
  ck_assert_uint_eq(info.peer_mss, 536);
  ck_assert_uint_eq(info.snd_mss, 536);
}
END_TEST

/* RFC 9293 3.10.7.2: text on a SYN "should be queued for processing later". */
START_TEST(test_listen_syn_with_data_is_queued_for_later)
{
  struct sl__tcb *c = NULL;
  char buf[16];

  th_listen(th);
  th_send(th, SL__TCP_SYN, th->pseq, 0, "hello", 5);
  th->pack = th_pop(th)->seg.seq + 1;
  th->pseq += 1 + 5; /* the peer counts its SYN and its 5 bytes */
  th->t = th_find(th);
  th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  ck_assert_int_eq(sl__tcp_accept(th->l, &c), 0);
  ck_assert_int_eq(sl__tcp_recv(c, buf, sizeof buf, 0), 5);
  ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
}
END_TEST

/* RFC 9293 3.10.7.4 step 7: text delivered "must also acknowledge" it,
 * within 0.5 s (MUST-40): the SYN's queued data too, once ESTABLISHED. */
START_TEST(test_syn_received_ack_delivers_syn_data_and_acks_it)
{
  th_listen(th);
  th_send(th, SL__TCP_SYN, th->pseq, 0, "hello", 5);
  th->pack = th_pop(th)->seg.seq + 1;
  th->t = th_find(th);
  th_send(th, SL__TCP_ACK, th->pseq + 1, th->pack, NULL, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  th->pseq += 1 + 5;
  th_advance(th, th->cfg.delack_us);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
}
END_TEST

/* RFC 9293 3.10.7.4 step 8: a FIN in SYN-RECEIVED enters CLOSE-WAIT. */
START_TEST(test_syn_received_fin_enters_close_wait)
{
  struct sl__tcb *c = NULL;
  char buf[8];

  th_syn_received(th);
  th_send(th, SL__TCP_FIN | SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  th->pseq++;
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_CLOSE_WAIT);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  ck_assert_int_eq(sl__tcp_accept(th->l, &c), 0);
  ck_assert_int_eq(sl__tcp_recv(c, buf, sizeof buf, 0), 0);
}
END_TEST

/* RFC 9293 3.10.7.4 step 4: SYN in passive SYN-RECEIVED returns to LISTEN. */
START_TEST(test_syn_received_in_window_syn_returns_to_listen)
{
  th_syn_received(th);
  th_send(th, SL__TCP_SYN, th->pseq + 10, 0, NULL, 0);
  ck_assert_ptr_null(th_find(th));
  ck_assert_uint_eq(th->l->syn_q_len, 0);
  ck_assert_int_eq(sl__tcp_state(th->l), SL_TCP_LISTEN);
}
END_TEST

/* RFC 9293 3.10.7.4 step 2: RST in active SYN-RECEIVED: "connection refused".
 */
START_TEST(test_syn_received_active_rst_is_refused)
{
  th_syn_sent(th);
  th_send(th, SL__TCP_SYN, th->pseq, 0, NULL, 0);
  th->pseq++;
  th_expect(th, SL__TCP_SYN | SL__TCP_ACK, th->pack - 1, th->pseq);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_SYN_RECEIVED);
  th_send(th, SL__TCP_RST, th->pseq, 0, NULL, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_CLOSED);
  ck_assert_int_eq(sl__tcp_connect_result(th->t), -ECONNREFUSED);
  sl__tcp_close(th->t);
}
END_TEST

/* RFC 9293 3.10.4: CLOSE in SYN-RECEIVED never replaces the SYN with a FIN. */
START_TEST(test_syn_received_close_then_timeout_resends_synack)
{
  uint32_t iss;
  const struct th_pkt *p;
  int saw_syn = 0;

  th_syn_sent(th);
  iss = th->pack - 1;
  th_send(th, SL__TCP_SYN, th->pseq, 0, NULL, 0); /* simultaneous open */
  th->pseq++;
  th_expect(th, SL__TCP_SYN | SL__TCP_ACK, iss, th->pseq);
  sl__tcp_close(th->t);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_FIN_WAIT_1);
  /* Our SYN,ACK is lost: the timeout must send it again; a FIN, if any,
   * goes after it (SEQ=ISS+1), never at the SYN's number. */
  advance_to_next_timer();
  while (th_pending(th) > 0) {
    p = th_pop(th);
    ck_assert_msg(!((p->seg.flags & SL__TCP_FIN) && p->seg.seq == iss),
                  "FIN sent at ISS, the sequence number of the SYN");
    if ((p->seg.flags & SL__TCP_SYN) && p->seg.seq == iss)
      saw_syn = 1;
  }
  ck_assert_msg(saw_syn, "the SYN,ACK was not retransmitted");
}
END_TEST

/* RFC 9293 3.10.4, CLOSE in SYN-RECEIVED: "If no SENDs have been issued
 * and there is no pending data to send, then form a FIN segment and send
 * it, and enter FIN-WAIT-1 state": the FIN goes at once, at ISS+1. */
START_TEST(test_syn_received_close_with_nothing_queued_sends_fin)
{
  uint32_t iss;

  th_syn_sent(th);
  iss = th->pack - 1;
  th_send(th, SL__TCP_SYN, th->pseq, 0, NULL, 0); /* simultaneous open */
  th->pseq++;
  th_expect(th, SL__TCP_SYN | SL__TCP_ACK, iss, th->pseq);
  ck_assert_int_eq(sl__tcp_shutdown(th->t, SHUT_WR), 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_FIN_WAIT_1);
  th_expect(th, SL__TCP_FIN | SL__TCP_ACK, iss + 1, th->pseq);
  /* The peer acknowledges the SYN and the FIN together. */
  th_send(th, SL__TCP_ACK, th->pseq, iss + 2, NULL, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_FIN_WAIT_2);
}
END_TEST

/* ---- SYN-SENT ---------------------------------------------------------- */

/* RFC 9293 3.7.1 (MUST-15): a SYN,ACK without MSS option means SMSS 536. */
START_TEST(test_syn_sent_synack_without_mss_uses_536)
{
  static char data[2000];
  const struct th_pkt *p;

  th_syn_sent(th);
  th_send_full(th, SL__TCP_SYN | SL__TCP_ACK, th->pseq, th->pack, 65535, 0,
               NULL, 0);
  th->pseq++;
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  sl__tcp_set_nodelay(th->t, 1);
  ck_assert_int_eq(sl__tcp_send(th->t, data, sizeof data), 2000);
  p = th_pop(th);
  ck_assert_uint_eq(p->seg.len, 536);
  while (th_pending(th) > 0)
    ck_assert_uint_le(th_pop(th)->seg.len, 536);
}
END_TEST

/* RFC 9293 3.10.7.3 step 4: text on a SYN,ACK is processed from step 6 on. */
START_TEST(test_syn_sent_synack_with_data_is_delivered)
{
  char buf[8];

  th_syn_sent(th);
  th_send(th, SL__TCP_SYN | SL__TCP_ACK, th->pseq, th->pack, "hi", 2);
  th->pseq += 1 + 2;
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 2);
  ck_assert_int_eq(memcmp(buf, "hi", 2), 0);
  ck_assert_uint_eq(th->t->rcv_nxt, th->pseq);
}
END_TEST

/* ---- ESTABLISHED: sequence check, RST, SYN, URG ----------------------- */

/* RFC 9293 3.10.7.4 step 1: a retransmitted SYN,ACK (our ACK was lost) is
 * unacceptable and gets <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. */
START_TEST(test_established_synack_retransmission_is_reacked)
{
  th_established(th);
  th_send(th, SL__TCP_SYN | SL__TCP_ACK, th->pseq - 1, th->pack, NULL, 0);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  th_expect_nothing(th);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  ck_assert_uint_eq(th_tcp_stats(th)->challenge_acks, 0);
}
END_TEST

/* RFC 9293 3.5.3 (SHLD-2): a RST carrying data is honoured like any RST. */
START_TEST(test_established_rst_with_data_resets)
{
  char buf[8];

  th_established(th);
  th_send(th, SL__TCP_RST | SL__TCP_ACK, th->pseq, th->pack, "diag", 4);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_CLOSED);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), -ECONNRESET);
  th_expect_nothing(th);
  sl__tcp_close(th->t);
}
END_TEST

/* RFC 9293 3.10.7.4 step 6: URG is not supported; the data stays inline. */
START_TEST(test_established_urg_data_is_read_inline)
{
  char buf[8];

  th_established(th);
  th_send(th, SL__TCP_URG | SL__TCP_ACK | SL__TCP_PSH, th->pseq, th->pack, "u!",
          2);
  th->pseq += 2;
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 2);
  ck_assert_int_eq(memcmp(buf, "u!", 2), 0);
  ck_assert_uint_eq(th->t->rcv_nxt, th->pseq);
}
END_TEST

/* RFC 9293 3.10.7.4 step 8: data and FIN in one segment: data, then EOF. */
START_TEST(test_established_fin_with_data_delivers_data_then_eof)
{
  char buf[8];

  th_established(th);
  th_send(th, SL__TCP_FIN | SL__TCP_ACK | SL__TCP_PSH, th->pseq, th->pack,
          "bye", 3);
  th->pseq += 3 + 1;
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_CLOSE_WAIT);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq); /* one ACK for both */
  th_expect_nothing(th);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 3);
  ck_assert_int_eq(memcmp(buf, "bye", 3), 0);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 0);
}
END_TEST

/* RFC 5961 5.2: SEG.ACK < SND.UNA - MAX.SND.WND: challenge ACK, drop text. */
START_TEST(test_established_too_old_ack_gets_challenge_ack_and_is_dropped)
{
  char buf[8];

  th_established(th);
  th_send(th, SL__TCP_ACK, th->pseq, th->pack - 70000, "evil", 4);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq); /* text not accepted */
  ck_assert_uint_eq(th_tcp_stats(th)->challenge_acks, 1);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), -EAGAIN);
}
END_TEST

/* RFC 9293 3.10.7.4 step 1: "If the RCV.WND is zero, ... special allowance
 * should be made to accept valid ACKs". */
START_TEST(test_established_zero_rcv_window_still_processes_ack)
{
  static char data[2000];
  const struct th_pkt *p = NULL;

  th_reinit(th, small_rcvbuf);
  th_established(th);
  ck_assert_int_eq(sl__tcp_send(th->t, "0123456789", 10), 10);
  th_pop(th);
  th_send_data(th, data, 1460); /* fills our 2000-byte window */
  th_send_data(th, data, 540);
  th_advance(th, th->cfg.delack_us);
  ck_assert_int_gt(th_pending(th), 0);
  while (th_pending(th) > 0)
    p = th_pop(th);
  ck_assert_ptr_nonnull(p);
  ck_assert_uint_eq(p->seg.wnd, 0);
  /* The peer probes our zero window and acknowledges our 10 bytes. */
  th_send(th, SL__TCP_ACK, th->pseq, th->pack + 10, "z", 1);
  p = th_expect(th, SL__TCP_ACK, th->pack + 10, th->pseq);
  ck_assert_uint_eq(p->seg.wnd, 0);
  ck_assert_uint_eq(th->t->snd_una, th->pack + 10);
  ck_assert_uint_eq(th->t->sndq.len, 0);
}
END_TEST

/* RFC 9293 3.10.7.4 step 1: an empty segment is acceptable only when
 * "RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND".  At the right edge it is not:
 * it is answered with an ACK and dropped, its ACK field unread.  (Linux's
 * tcp_sequence accepts it; socklab follows the RFC, lib/README.md.) */
START_TEST(test_established_empty_ack_at_window_right_edge_is_answered)
{
  th_reinit(th, small_rcvbuf);
  th_established(th);
  ck_assert_int_eq(sl__tcp_send(th->t, "0123456789", 10), 10);
  th_pop(th);
  uint32_t edge = th->t->rcv_adv;
  ck_assert_uint_gt(edge, th->pseq);
  th_send(th, SL__TCP_ACK, edge, th->pack + 10, NULL, 0);
  th_expect(th, SL__TCP_ACK, th->pack + 10, th->pseq);
  ck_assert_uint_eq(th->t->snd_una, th->pack); /* the ACK field unread */
  th_expect_nothing(th);
}
END_TEST

/* RFC 5961 3.2: "If the RST bit is set and the sequence number is outside
 * the current receive window, silently drop the segment" -- the right edge
 * is outside: no challenge ACK, and the connection stays. */
START_TEST(test_established_rst_at_window_right_edge_is_dropped_silently)
{
  uint32_t edge;

  th_established(th);
  edge = th->t->rcv_adv;
  ck_assert_uint_gt(edge, th->pseq);
  th_send(th, SL__TCP_RST, edge, 0, NULL, 0);
  th_expect_nothing(th);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  ck_assert_uint_eq(th_tcp_stats(th)->challenge_acks, 0);
}
END_TEST

/* The other half (Linux's tcp_acceptable_seq): when the peer's window
 * shrank below what we already sent, our ACKs carry SND.UNA+SND.WND, a
 * number the peer accepts, rather than SND.MAX beyond its window. */
START_TEST(test_established_ack_seq_stays_inside_shrunk_peer_window)
{
  static char data[100];

  th_established(th);
  sl__tcp_set_nodelay(th->t, 1);
  ck_assert_int_eq(sl__tcp_send(th->t, data, sizeof data), 100);
  th_pop(th);
  th->pwnd = 0; /* the peer takes back its window, acknowledging nothing */
  th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  th_send_data(th, "x", 1);
  th_advance(th, th->cfg.delack_us);
  const struct th_pkt *p = th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  ck_assert_uint_eq(p->seg.len, 0);
}
END_TEST

/* ---- ESTABLISHED: send window updates (SND.WL1, SND.WL2) -------------- */

/* RFC 9293 3.10.7.4 step 5: "If SND.UNA =< SEG.ACK =< SND.NXT, the send
 * window should be updated": an old ACK (below SND.UNA) must not. */
START_TEST(test_established_old_ack_does_not_update_window)
{
  static char data[100];

  th_established(th);
  sl__tcp_set_nodelay(th->t, 1);
  ck_assert_int_eq(sl__tcp_send(th->t, data, sizeof data), 100);
  th_pop(th);
  th_send(th, SL__TCP_ACK, th->pseq, th->pack + 100, NULL, 0);
  th_send(th, SL__TCP_ACK | SL__TCP_PSH, th->pseq, th->pack + 100, "ab", 2);
  th->pseq += 2;
  ck_assert_uint_eq(th->t->snd_wnd, 65535);
  /* Newer text, but an ACK older than SND.UNA (reordered), window 0. */
  th_send_full(th, SL__TCP_ACK | SL__TCP_PSH, th->pseq, th->pack + 50, 0, 0,
               "c", 1);
  th->pseq++;
  ck_assert_uint_eq(th->t->snd_una, th->pack + 100);
  ck_assert_uint_eq(th->t->snd_wnd, 65535);
}
END_TEST

/* RFC 9293 3.10.7.4 step 5: SND.WL1 > SEG.SEQ: the segment is older than the
 * last window update, so its window is ignored. */
START_TEST(test_established_segment_older_than_wl1_keeps_window)
{
  th_established(th);
  /* Out-of-order text at RCV.NXT+100 updates the window (WL1 = its seq). */
  th_send_full(th, SL__TCP_ACK, th->pseq + 100, th->pack, 20000, 0, "zz", 2);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq); /* duplicate ACK */
  ck_assert_uint_eq(th->t->snd_wnd, 20000);
  ck_assert_uint_eq(th->t->snd_wl1, th->pseq + 100);
  /* A pure ACK with a smaller SEG.SEQ is older: its window is not taken. */
  th_send_full(th, SL__TCP_ACK, th->pseq, th->pack, 40000, 0, NULL, 0);
  ck_assert_uint_eq(th->t->snd_wnd, 20000);
  /* A later segment (SEG.SEQ > SND.WL1) updates it again. */
  th_send_full(th, SL__TCP_ACK, th->pseq + 102, th->pack, 50000, 0, NULL, 0);
  ck_assert_uint_eq(th->t->snd_wnd, 50000);
}
END_TEST

/* RFC 9293 3.10.7.4 step 5: SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK: a pure
 * window update with the same numbers is taken. */
START_TEST(test_established_same_seq_and_ack_window_update_is_taken)
{
  th_established(th);
  ck_assert_int_eq(sl__tcp_send(th->t, "abc", 3), 3);
  th_pop(th);
  th_send_full(th, SL__TCP_ACK, th->pseq, th->pack + 3, 30000, 0, NULL, 0);
  ck_assert_uint_eq(th->t->snd_wnd, 30000);
  th_send_full(th, SL__TCP_ACK, th->pseq, th->pack + 3, 50000, 0, NULL, 0);
  ck_assert_uint_eq(th->t->snd_wnd, 50000);
  ck_assert_uint_eq(th->t->snd_wl1, th->pseq);
  ck_assert_uint_eq(th->t->snd_wl2, th->pack + 3);
}
END_TEST

/* ---- ESTABLISHED: sending (Nagle, sender SWS) ------------------------- */

/* RFC 9293 3.7.4: with unacknowledged data the sender buffers user data
 * until it is acknowledged or a full-sized segment can go. */
START_TEST(test_established_nagle_holds_sub_mss_segment_in_small_window)
{
  static char data[1000];

  th->pwnd = 2000; /* MAX(SND.WND) = 2000: half of it is below the MSS */
  th_established(th);
  ck_assert_int_eq(sl__tcp_send(th->t, "x", 1), 1);
  th_expect(th, SL__TCP_ACK | SL__TCP_PSH, th->pack, th->pseq);
  ck_assert_int_eq(sl__tcp_send(th->t, data, sizeof data), 1000);
  th_expect_nothing(th); /* 1 byte in flight, 1000 < Eff.snd.MSS */
  th_send(th, SL__TCP_ACK, th->pseq, th->pack + 1, NULL, 0);
  ck_assert_uint_eq(th_pop(th)->seg.len, 1000);
}
END_TEST

/* RFC 9293 3.8.6.2.1 rule (4): a timeout overrides sender SWS avoidance,
 * so data does not wait forever behind a window smaller than the MSS. */
START_TEST(test_established_sws_override_timeout_sends_into_small_window)
{
  static char data[5000];
  const struct th_pkt *p;

  th_established(th);
  th_send_full(th, SL__TCP_ACK, th->pseq, th->pack, 1000, 0, NULL, 0);
  ck_assert_int_eq(sl__tcp_send(th->t, data, sizeof data), 5000);
  th_advance(th, 1000000); /* the override timeout is 0.1 - 1.0 s */
  p = th_pop(th);
  ck_assert_uint_eq(p->seg.seq, th->pack);
  ck_assert_uint_eq(p->seg.len, 1000);
}
END_TEST

/* ---- receive window ---------------------------------------------------- */

/* RFC 9293 3.8.6 (SHLD-14): the receiver does not shrink its window, even
 * when the application shrinks its buffer. */
START_TEST(test_established_receive_window_never_shrinks)
{
  static char data[1000];
  const struct th_pkt *p;
  uint32_t edge1, edge2;

  th_established(th);
  th_send_data(th, data, sizeof data);
  th_advance(th, th->cfg.delack_us);
  p = th_pop(th);
  edge1 = p->seg.ack + p->seg.wnd;
  ck_assert_int_eq(sl__tcp_set_rcvbuf(th->t, 256), 0);
  th_send_data(th, data, 100);
  th_advance(th, th->cfg.delack_us);
  p = th_pop(th);
  edge2 = p->seg.ack + p->seg.wnd;
  ck_assert_msg(SL_SEQ_GEQ(edge2, edge1), "right edge moved back: %u < %u",
                edge2, edge1);
}
END_TEST

/* RFC 9293 3.8.6.2.2: the right edge moves once the reduction reaches
 * min(Fr * RCV.BUFF, Eff.snd.MSS); "the receiver must use its own
 * Eff.snd.MSS" (536 here, not the 1460 we announced). */
START_TEST(test_established_receiver_sws_uses_effective_send_mss)
{
  static char data[4000], buf[600];

  th_reinit(th, rcvbuf_4000);
  th->pmss = 536;
  th_established(th);
  ck_assert_uint_eq(th->t->snd_mss, 536);
  for (int i = 0; i < 7; i++)
    th_send_data(th, data, 536);
  th_send_data(th, data, 4000 - 7 * 536);
  th_advance(th, th->cfg.delack_us);
  discard_output();
  ck_assert_uint_eq(sl__tcp_rcv_window(th->t), 0);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 600);
  /* RCV.BUFF - RCV.USER - RCV.WND = 600 >= min(2000, 536): offer 600. */
  ck_assert_uint_eq(sl__tcp_rcv_window(th->t), 600);
}
END_TEST

/* ---- closing states ---------------------------------------------------- */

/* RFC 9293 3.10.7.4 step 5, TIME-WAIT: an ACK is not a FIN: it is neither
 * answered nor does it restart the 2 MSL timer. */
START_TEST(test_time_wait_ack_is_ignored_and_timer_not_restarted)
{
  th_time_wait(th);
  th_advance(th, th->cfg.msl_us);
  th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  th_expect_nothing(th);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_TIME_WAIT);
  th_advance(th, th->cfg.msl_us);
  ck_assert_ptr_null(th_find(th));
}
END_TEST

/* RFC 9293 3.10.7.4 step 1 in TIME-WAIT: an empty segment at the right
 * edge is not acceptable, and "an acknowledgment should be sent in reply".
 * It is no FIN: the 2 MSL timer goes on. */
START_TEST(test_time_wait_ack_at_window_right_edge_is_answered)
{
  uint32_t edge;

  th_time_wait(th);
  edge = th->t->rcv_adv;
  ck_assert_uint_gt(edge, th->pseq);
  th_advance(th, th->cfg.msl_us);
  th_send(th, SL__TCP_ACK, edge, th->pack, NULL, 0);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  th_advance(th, th->cfg.msl_us);
  ck_assert_ptr_null(th_find(th));
}
END_TEST

/* RFC 9293 3.10.7.4 step 8, TIME-WAIT: "Remain in the TIME-WAIT state.
 * Restart the 2 MSL time-wait timeout" -- for any acceptable FIN, not
 * only an exact copy of the first one: here a FIN at RCV.NXT. */
START_TEST(test_time_wait_fin_in_window_is_acked_and_restarts_2msl)
{
  th_time_wait(th);
  th_advance(th, th->cfg.msl_us);
  th_send(th, SL__TCP_FIN | SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  th_advance(th, 2 * th->cfg.msl_us - 1);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_TIME_WAIT);
  th_advance(th, 1);
  ck_assert_ptr_null(th_find(th));
}
END_TEST

/* The same with text before the FIN: the text is ignored ("This should
 * not occur since a FIN has been received"), the FIN restarts the timer. */
START_TEST(test_time_wait_fin_with_data_in_window_restarts_2msl)
{
  th_time_wait(th);
  th_advance(th, th->cfg.msl_us);
  th_send(th, SL__TCP_FIN | SL__TCP_ACK, th->pseq, th->pack, "late", 4);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  th_advance(th, 2 * th->cfg.msl_us - 1);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_TIME_WAIT);
}
END_TEST

/* ---- retransmission timer (RFC 6298) ---------------------------------- */

/* RFC 6298 2.4: "if it is less than 1 second, then the RTO SHOULD be
 * rounded up to 1 second".  socklab's default floor is Linux's 200 ms (so
 * the user stack and the kernel time out alike in the labs, a documented
 * deviation); with rto_min_us at 1 s the RFC's rounding applies. */
static void
rto_min_1s(struct sl__host_config *cfg)
{
  cfg->rto_min_us = 1000000;
}

START_TEST(test_rto_computed_below_1s_is_rounded_up)
{
  struct sl__host_config cfg;

  th_free(th);
  th_config(&cfg);
  rto_min_1s(&cfg);
  th_init(th, &cfg);
  th_established(th);
  sl__tcp_send(th->t, "data", 4);
  th_pop(th);
  th_advance(th, 100000);
  th_send(th, SL__TCP_ACK, th->pseq, th->pack + 4, NULL, 0);
  ck_assert_uint_eq(sl__tcp_rto(th->t), 1000000);
}
END_TEST

/* RFC 9293 3.8.2 / RFC 6298 5: the backed-off RTO is kept "until a
 * subsequent segment with new data has been sent and acknowledged without
 * retransmission". */
START_TEST(test_rto_backoff_kept_until_unretransmitted_data_is_acked)
{
  uint64_t rto;

  th_established(th);
  rto = sl__tcp_rto(th->t);
  sl__tcp_send(th->t, "a", 1);
  th_pop(th);
  th_advance(th, rto);
  th_pop(th); /* retransmission: RTO doubles */
  th_send(th, SL__TCP_ACK, th->pseq, th->pack + 1, NULL, 0); /* ambiguous */
  sl__tcp_send(th->t, "b", 1);
  th_pop(th);
  th_advance(th, rto);
  th_expect_nothing(th); /* still the backed-off 2 * RTO */
  th_advance(th, rto);
  th_expect(th, SL__TCP_ACK | SL__TCP_PSH, th->pack + 1, th->pseq);
}
END_TEST

/* RFC 6298 5.7: after a SYN timeout with RTO < 3 s, "the RTO MUST be
 * re-initialized to 3 seconds when data transmission begins". */
START_TEST(test_syn_sent_timeout_sets_data_rto_to_3s)
{
  th_syn_sent(th);
  th_advance(th, th->cfg.rto_initial_us);
  th_expect(th, SL__TCP_SYN, th->pack - 1, 0);
  th_send(th, SL__TCP_SYN | SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  th->pseq++;
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  sl__tcp_send(th->t, "x", 1);
  th_expect(th, SL__TCP_ACK | SL__TCP_PSH, th->pack, th->pseq);
  th_advance(th, 3000000 - 1);
  th_expect_nothing(th);
  th_advance(th, 1);
  th_expect(th, SL__TCP_ACK | SL__TCP_PSH, th->pack, th->pseq);
}
END_TEST

/* ---- congestion control (RFC 5681, RFC 6582) -------------------------- */

/* RFC 5681 3.1: slow start adds min(N, SMSS) per ACK of new data. */
START_TEST(test_slow_start_cwnd_grows_by_acked_bytes_up_to_smss)
{
  static char data[3 * 1460];
  uint32_t cwnd;

  th_established(th);
  sl__tcp_set_nodelay(th->t, 1);
  cwnd = th->t->cwnd;
  ck_assert_uint_eq(cwnd, 3 * 1460); /* RFC 5681 3.1: IW for SMSS 1460 */
  ck_assert_int_eq(sl__tcp_send(th->t, data, sizeof data), sizeof data);
  discard_output();
  th_send(th, SL__TCP_ACK, th->pseq, th->pack + 1460, NULL, 0);
  ck_assert_uint_eq(th->t->cwnd, cwnd + 1460);
  th_send(th, SL__TCP_ACK, th->pseq, th->pack + 1560, NULL, 0);
  ck_assert_uint_eq(th->t->cwnd, cwnd + 1460 + 100);
  th_send(th, SL__TCP_ACK, th->pseq, th->pack + 4380, NULL, 0);
  ck_assert_uint_eq(th->t->cwnd, cwnd + 2 * 1460 + 100); /* at most SMSS */
}
END_TEST

/* RFC 5681 3.1 equation 3: in congestion avoidance cwnd += SMSS*SMSS/cwnd. */
START_TEST(test_congestion_avoidance_cwnd_grows_by_smss_squared_over_cwnd)
{
  static char data[3 * 1460];

  th_established(th);
  sl__tcp_set_nodelay(th->t, 1);
  th->t->ssthresh = th->t->cwnd; /* 4380: leave slow start */
  ck_assert_int_eq(sl__tcp_send(th->t, data, sizeof data), sizeof data);
  discard_output();
  th_send(th, SL__TCP_ACK, th->pseq, th->pack + 1460, NULL, 0);
  ck_assert_uint_eq(th->t->cwnd, 4380 + 1460 * 1460 / 4380);
}
END_TEST

/* RFC 5681 4.1: after an idle period longer than the RTO, cwnd is cut to
 * the restart window RW = min(IW, cwnd) before sending again. */
START_TEST(test_idle_longer_than_rto_restarts_from_initial_window)
{
  static char data[20 * 1460];

  th_established(th);
  sl__tcp_set_nodelay(th->t, 1);
  ck_assert_int_eq(sl__tcp_send(th->t, data, 3 * 1460), 3 * 1460);
  discard_output();
  for (uint32_t i = 1; i <= 3; i++)
    th_send(th, SL__TCP_ACK, th->pseq, th->pack + i * 1460, NULL, 0);
  th->pack += 3 * 1460;
  ck_assert_uint_gt(th->t->cwnd, 3 * 1460); /* it grew in slow start */
  discard_output();
  th_advance(th, 2 * sl__tcp_rto(th->t));
  ck_assert_int_eq(sl__tcp_send(th->t, data, sizeof data), sizeof data);
  ck_assert_int_le(th_pending(th), 3); /* RW = IW = 3 segments */
}
END_TEST

/* Five segments in flight, the second lost, three duplicate ACKs: the
 * connection is in NewReno fast recovery.  Returns SND.UNA before. */
static uint32_t
enter_fast_recovery(void)
{
  static char data[5 * 1460];
  uint32_t una;

  th_established(th);
  sl__tcp_set_nodelay(th->t, 1);
  una = th->pack;
  ck_assert_int_eq(sl__tcp_send(th->t, data, sizeof data), sizeof data);
  th_send(th, SL__TCP_ACK, th->pseq, una + 1460, NULL, 0);
  discard_output();
  ck_assert_uint_eq(th->t->snd_max, una + 5 * 1460);
  for (int i = 0; i < 3; i++)
    th_send(th, SL__TCP_ACK, th->pseq, una + 1460, NULL, 0);
  ck_assert_uint_eq(th_pop(th)->seg.seq, una + 1460);
  ck_assert(th->t->in_recovery);
  /* FlightSize 4 * 1460: ssthresh = 2920, cwnd = ssthresh + 3 * SMSS */
  ck_assert_uint_eq(th->t->ssthresh, 2 * 1460);
  ck_assert_uint_eq(th->t->cwnd, 5 * 1460);
  return una;
}

/* RFC 5681 3.2 step 1 (RFC 3042): the first and second duplicate ACKs
 * SHOULD each send one segment of previously unsent data. */
START_TEST(test_limited_transmit_sends_new_data_on_first_dupack)
{
  static char data[10 * 1460];
  uint32_t una;

  th_established(th);
  sl__tcp_set_nodelay(th->t, 1);
  una = th->pack;
  ck_assert_int_eq(sl__tcp_send(th->t, data, sizeof data), sizeof data);
  ck_assert_int_eq(th_pending(th), 3);
  discard_output();
  th_send(th, SL__TCP_ACK, th->pseq, una, NULL, 0); /* first duplicate */
  ck_assert_int_eq(th_pending(th), 1);
  ck_assert_uint_eq(th_pop(th)->seg.seq, una + 3 * 1460);
}
END_TEST

/* RFC 6582 3.2 step 5: a partial ACK retransmits the next hole and stays in
 * fast recovery; cwnd deflates by the amount acked, plus SMSS back. */
START_TEST(test_fast_recovery_partial_ack_retransmits_next_hole)
{
  uint32_t una = enter_fast_recovery();
  const struct th_pkt *p;

  th_send(th, SL__TCP_ACK, th->pseq, una + 2 * 1460, NULL, 0);
  p = th_pop(th);
  ck_assert_uint_eq(p->seg.seq, una + 2 * 1460);
  ck_assert_uint_eq(p->seg.len, 1460);
  ck_assert(th->t->in_recovery);
  ck_assert_uint_eq(th->t->cwnd, 5 * 1460 - 1460 + 1460);
}
END_TEST

/* RFC 6582 3.2 step 5: "If the partial ACK acknowledges at least one SMSS
 * of new data, then add back SMSS bytes" - and only then. */
START_TEST(test_fast_recovery_small_partial_ack_adds_no_smss_back)
{
  uint32_t una = enter_fast_recovery();

  th_send(th, SL__TCP_ACK, th->pseq, una + 1460 + 100, NULL, 0);
  ck_assert(th->t->in_recovery);
  ck_assert_uint_eq(th->t->cwnd, 5 * 1460 - 100);
}
END_TEST

/* RFC 6582 3.2 step 3: a full ACK sets cwnd to
 * min(ssthresh, max(FlightSize, SMSS) + SMSS) (or to ssthresh). */
START_TEST(test_fast_recovery_full_ack_sets_cwnd_per_rfc6582)
{
  uint32_t una = enter_fast_recovery();

  th_send(th, SL__TCP_ACK, th->pseq, una + 5 * 1460, NULL, 0);
  ck_assert(!th->t->in_recovery);
  /* FlightSize is 0: min(2920, max(0, 1460) + 1460) = 2920 = ssthresh */
  ck_assert_uint_eq(th->t->cwnd, 2 * 1460);
}
END_TEST

/* ---- zero window and persist (RFC 9293 3.8.6.1) ---------------------- */

/* The peer closes its window, 10 bytes wait: returns after the window 0. */
static void
zero_window_with_data(void)
{
  th_established(th);
  th->pwnd = 0;
  th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  ck_assert_int_eq(sl__tcp_send(th->t, "0123456789", 10), 10);
  th_expect_nothing(th);
}

/* RFC 9293 3.8.6.1 (MUST-37): "As long as the receiving TCP peer continues
 * to send acknowledgments in response to the probe segments, the sending
 * TCP peer MUST allow the connection to stay open." */
START_TEST(test_zero_window_persist_never_gives_up_while_acked)
{
  th_reinit(th, three_data_retries);
  zero_window_with_data();
  for (int i = 0; i < 12; i++) {
    advance_to_next_timer();
    ck_assert_int_gt(th_pending(th), 0);
    discard_output();
    th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0); /* still 0 */
    ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  }
  ck_assert_int_eq(sl__tcp_take_error(th->t), 0);
  ck_assert_uint_ge(th_tcp_stats(th)->persist_probes, 12);
}
END_TEST

/* RFC 9293 3.8.6 / 3.8.6.1: into a zero window only one-octet probes go;
 * duplicate ACKs answering probes must not trigger a fast retransmit of
 * never-sent data into the closed window. */
START_TEST(test_zero_window_only_one_byte_probes_are_sent)
{
  const struct th_pkt *p;

  zero_window_with_data();
  for (int i = 0; i < 5; i++) {
    advance_to_next_timer();
    while (th_pending(th) > 0) {
      p = th_pop(th);
      ck_assert_uint_eq(p->seg.seq, th->pack);
      ck_assert_msg(p->seg.len <= 1, "%zu bytes sent into a zero window",
                    p->seg.len);
    }
    th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  }
  ck_assert_uint_eq(th_tcp_stats(th)->fast_retrans, 0);
}
END_TEST

/* RFC 9293 3.8.6 (SHLD-17) and 3.8.6.1 (MUST-37): one lost probe ACK among
 * answered probes does not time the connection out. */
START_TEST(test_zero_window_one_lost_probe_ack_does_not_time_out)
{
  th_reinit(th, three_data_retries);
  zero_window_with_data();
  for (int i = 0; i < 5; i++) { /* more answered probes than data_retries */
    advance_to_next_timer();
    discard_output();
    th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  }
  advance_to_next_timer(); /* a probe whose ACK is lost */
  discard_output();
  advance_to_next_timer(); /* the next probe or retransmission */
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  ck_assert_int_gt(th_pending(th), 0);
  discard_output();
  th->pwnd = 65535;
  th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
}
END_TEST

/* RFC 9293 3.8.6.1 and RFC 1122 4.2.2.17: the probe's ACK is lost, then
 * the peer opens its window with an ACK that does not cover the probe
 * byte.  The byte was not taken, so it goes again with the rest at once:
 * Nagle must not hold the rest behind a byte nothing will ever resend. */
START_TEST(test_zero_window_probe_ack_lost_window_opens_sends_the_rest)
{
  const struct th_pkt *p;

  zero_window_with_data();
  advance_to_next_timer(); /* the first probe; its ACK is lost */
  p = th_pop(th);
  ck_assert_uint_eq(p->seg.len, 1);
  th_expect_nothing(th);
  th->pwnd = 65535;
  th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0); /* it opens */
  p = th_pop(th);
  ck_assert_uint_eq(p->seg.seq, th->pack);
  ck_assert_uint_eq(p->seg.len, 10);
}
END_TEST

/* RFC 1122 4.2.2.17 / RFC 6298 5.1: data in flight is always covered by a
 * timer.  The probe byte is in flight when the window opens; if what is
 * then sent is lost too, the retransmission timer resends it. */
START_TEST(test_zero_window_probe_ack_lost_window_opens_data_lost_resent)
{
  const struct th_pkt *p;

  zero_window_with_data();
  advance_to_next_timer(); /* the probe; its ACK is lost */
  discard_output();
  th->pwnd = 65535;
  th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0); /* it opens */
  discard_output();                                      /* what went is lost */
  for (int i = 0; i < 3 && th_pending(th) == 0; i++)
    advance_to_next_timer();
  p = th_pop(th);
  ck_assert_uint_eq(p->seg.seq, th->pack);
  ck_assert_uint_eq(p->seg.len, 10);
  th->pack += 10;
  th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  ck_assert_uint_eq(th->t->snd_una, th->t->snd_max); /* all acknowledged */
}
END_TEST

/* RFC 9293 3.8.3 (MUST-23): "R2 for a SYN segment MUST be set large
 * enough to provide retransmission of the segment for at least 3
 * minutes."  With the default configuration an unanswered SYN is still
 * being retransmitted at 3 minutes (Linux's 6 retries give up at 127 s). */
START_TEST(test_syn_sent_unanswered_syn_retried_for_3_minutes)
{
  struct sl__tcb *t = sl__tcp_new(th->h);
  uint64_t start = th->now, last = th->now;

  th->t = t;
  ck_assert_int_eq(sl__tcp_connect(t, TH_PEER, TH_PPORT), -EINPROGRESS);
  while (sl__tcp_state(t) == SL_TCP_SYN_SENT) {
    advance_to_next_timer();
    if (th_pending(th) > 0)
      last = th->now;
    discard_output();
  }
  ck_assert_uint_ge(last - start, 120 * 1000000ull); /* still resent then */
  ck_assert_uint_ge(th->now - start, 180 * 1000000ull);
  ck_assert_int_eq(sl__tcp_connect_result(t), -ETIMEDOUT);
  sl__tcp_close(t);
}
END_TEST

/* The same for the SYN,ACK of a passive open: it too is a SYN segment. */
START_TEST(test_syn_received_unanswered_synack_retried_for_3_minutes)
{
  uint64_t start;

  th_syn_received(th);
  start = th->now;
  while (th_find(th) != NULL)
    advance_to_next_timer();
  ck_assert_uint_ge(th->now - start, 180 * 1000000ull);
}
END_TEST

/* ---- the user timeout (RFC 9293 3.8.3 and 3.10.8, RFC 5482) ----------- */

/* RFC 9293 3.10.8: "For any state if the user timeout expires, flush all
 * queues, signal the user 'error: connection aborted due to user timeout'
 * ..., delete the TCB, enter the CLOSED state".  TCP_USER_TIMEOUT (ms, as
 * Linux's) sets it: data left unacknowledged that long ends the
 * connection, long before the data_retries RTOs would. */
START_TEST(test_established_user_timeout_aborts_unacked_data)
{
  th_established(th);
  ck_assert_int_eq(sl__tcp_set_user_timeout(th->t, 3000), 0);
  ck_assert_int_eq(sl__tcp_send(th->t, "lost", 4), 4);
  th_advance(th, 3000000 - 1);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  discard_output();
  th_advance(th, 1);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_CLOSED);
  ck_assert_int_eq(sl__tcp_take_error(th->t), -ETIMEDOUT);
  while (th_pending(th) > 0) /* no RST: the RFC says none, nor does Linux */
    ck_assert(!(th_pop(th)->seg.flags & SL__TCP_RST));
  sl__tcp_close(th->t);
}
END_TEST

/* The timeout counts from the last progress: an ACK of part of the data
 * starts it again (RFC 5482 3: "how long transmitted data may remain
 * unacknowledged"). */
START_TEST(test_established_user_timeout_restarts_on_ack_progress)
{
  static char data[3000];

  th_established(th);
  sl__tcp_set_nodelay(th->t, 1);
  ck_assert_int_eq(sl__tcp_set_user_timeout(th->t, 3000), 0);
  ck_assert_int_eq(sl__tcp_send(th->t, data, sizeof data), 3000);
  th_advance(th, 2000000);
  th->pack += 1460; /* the first segment arrives, late */
  th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  th_advance(th, 2999999);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  th_advance(th, 1);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_CLOSED);
  sl__tcp_close(th->t);
}
END_TEST

/* Nothing unacknowledged, nothing to time out: an idle connection with a
 * user timeout lives on. */
START_TEST(test_established_user_timeout_idle_connection_stays)
{
  th_established(th);
  ck_assert_int_eq(sl__tcp_set_user_timeout(th->t, 1000), 0);
  th_advance(th, 10 * 1000000ull);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  th_expect_nothing(th);
}
END_TEST

/* The same in SYN-SENT: an unanswered SYN gives up at the user timeout,
 * not after syn_retries backoffs (Linux does the same). */
START_TEST(test_syn_sent_user_timeout_aborts_connect)
{
  struct sl__tcb *t = sl__tcp_new(th->h);

  th->t = t;
  ck_assert_int_eq(sl__tcp_set_user_timeout(t, 2500), 0);
  ck_assert_int_eq(sl__tcp_connect(t, TH_PEER, TH_PPORT), -EINPROGRESS);
  th_advance(th, 2500000 - 1);
  ck_assert_int_eq(sl__tcp_state(t), SL_TCP_SYN_SENT);
  th_advance(th, 1);
  ck_assert_int_eq(sl__tcp_state(t), SL_TCP_CLOSED);
  ck_assert_int_eq(sl__tcp_connect_result(t), -ETIMEDOUT);
  sl__tcp_close(t);
}
END_TEST

/* Behind a zero window the user timeout applies too, answered probes or
 * not: RFC 9293 3.10.8 names "any state", and the application asked for
 * it (Linux: the same since 4.19).  Without one, MUST-37 keeps the
 * connection open (test_zero_window_persist_never_gives_up_while_acked). */
START_TEST(test_zero_window_user_timeout_aborts_while_probes_answered)
{
  zero_window_with_data();
  ck_assert_int_eq(sl__tcp_set_user_timeout(th->t, 20000), 0);
  for (int i = 0; i < 50 && sl__tcp_state(th->t) == SL_TCP_ESTABLISHED; i++) {
    advance_to_next_timer();
    discard_output();
    if (sl__tcp_state(th->t) == SL_TCP_ESTABLISHED)
      th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0); /* still 0 */
  }
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_CLOSED);
  ck_assert_int_eq(sl__tcp_take_error(th->t), -ETIMEDOUT);
  sl__tcp_close(th->t);
}
END_TEST

/* ---- keepalive (RFC 1122 4.2.3.6) -------------------------------------- */

/* "This interval MUST be configurable and MUST default to no less than two
 * hours", and keep-alives "MUST default to off". */
START_TEST(test_established_keepalive_off_by_default)
{
  th_established(th);
  th_advance(th, 3 * 3600 * 1000000ull);
  th_expect_nothing(th);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
}
END_TEST

/* On, after TCP_KEEPIDLE of silence: a probe "<SEQ=SND.NXT-1>" with no
 * data, which the peer must answer with an ACK; an answer starts the idle
 * time again. */
START_TEST(test_established_keepalive_probe_after_idle_answered)
{
  const struct th_pkt *p;

  th_established(th);
  ck_assert_int_eq(sl__tcp_set_keepalive(th->t, 1), 0);
  ck_assert_int_eq(sl__tcp_set_keepidle(th->t, 10), 0);
  th_advance(th, 10 * 1000000ull - 1);
  th_expect_nothing(th);
  th_advance(th, 1);
  p = th_expect(th, SL__TCP_ACK, th->pack - 1, th->pseq);
  ck_assert_uint_eq(p->seg.len, 0);
  th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  th_advance(th, 10 * 1000000ull - 1);
  th_expect_nothing(th);
  th_advance(th, 1);
  th_expect(th, SL__TCP_ACK, th->pack - 1, th->pseq);
}
END_TEST

/* Unanswered: TCP_KEEPCNT probes TCP_KEEPINTVL apart, then the
 * connection is dead (ETIMEDOUT, as Linux). */
START_TEST(test_established_keepalive_unanswered_probes_abort)
{
  th_established(th);
  ck_assert_int_eq(sl__tcp_set_keepalive(th->t, 1), 0);
  ck_assert_int_eq(sl__tcp_set_keepidle(th->t, 10), 0);
  ck_assert_int_eq(sl__tcp_set_keepintvl(th->t, 2), 0);
  ck_assert_int_eq(sl__tcp_set_keepcnt(th->t, 3), 0);
  th_advance(th, 10 * 1000000ull);
  for (int i = 0; i < 3; i++) {
    th_expect(th, SL__TCP_ACK, th->pack - 1, th->pseq);
    th_expect_nothing(th);
    th_advance(th, 2 * 1000000ull);
  }
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_CLOSED);
  ck_assert_int_eq(sl__tcp_take_error(th->t), -ETIMEDOUT);
  sl__tcp_close(th->t);
}
END_TEST

/* Linux's ranges: TCP_KEEPIDLE and TCP_KEEPINTVL 1 to 32767 s, TCP_KEEPCNT
 * 1 to 127; TCP_USER_TIMEOUT not negative. */
START_TEST(test_closed_keepalive_and_user_timeout_values_checked)
{
  struct sl__tcb *t = sl__tcp_new(th->h);

  ck_assert_int_eq(sl__tcp_set_keepidle(t, 0), -EINVAL);
  ck_assert_int_eq(sl__tcp_set_keepidle(t, 32768), -EINVAL);
  ck_assert_int_eq(sl__tcp_set_keepintvl(t, 0), -EINVAL);
  ck_assert_int_eq(sl__tcp_set_keepcnt(t, 128), -EINVAL);
  ck_assert_int_eq(sl__tcp_set_user_timeout(t, -1), -EINVAL);
  ck_assert_int_eq(sl__tcp_set_keepidle(t, 32767), 0);
  sl__tcp_close(t);
}
END_TEST

/* ---- blind injection (RFC 5961) ---------------------------------------- */

/* A blind attacker knows the 4-tuple but not RCV.NXT or SND.UNA, so it
 * sprays guesses: each test below sends SPRAY forged segments within one
 * second of virtual time, at sequence numbers drawn (seed SPRAY_SEED)
 * from inside the receive window but never RCV.NXT itself.  The
 * connection must survive, and the challenge ACKs it sends must stay
 * within the budget of RFC 5961 section 7 (challenge_acks_per_s). */
#define SPRAY      5000
#define SPRAY_SEED 5961

/* A sequence number in (RCV.NXT, RCV.NXT + RCV.WND). */
static uint32_t
in_window_guess(struct sl__rng *rng)
{
  uint32_t wnd = th->t->rcv_adv - th->t->rcv_nxt;

  return th->t->rcv_nxt + 1 + sl__rng_below(rng, wnd - 1);
}

/* Sends SPRAY forged segments with flags and len bytes of text, counts the
 * host's answers (every one must be a challenge ACK carrying
 * <SEQ=SND.NXT><ACK=RCV.NXT>), and checks the budget. */
static void
spray(uint8_t flags, uint32_t ack, size_t len)
{
  struct sl__rng rng;
  uint64_t acks0 = th_tcp_stats(th)->challenge_acks;
  uint64_t limited0 = th_tcp_stats(th)->challenge_limited;
  uint32_t budget = th->cfg.challenge_acks_per_s;
  int answers = 0;

  th_advance(th, 1000000); /* a fresh second: a full budget */
  sl__rng_seed(&rng, SPRAY_SEED);
  for (int i = 0; i < SPRAY; i++) {
    th_send(th, flags, in_window_guess(&rng), ack, "forged", len);
    th_advance(th, 1000000 / SPRAY - 1); /* all within one second */
    while (th_pending(th) > 0) {
      const struct th_pkt *p = th_pop(th);
      ck_assert_msg(p->seg.flags == SL__TCP_ACK && p->seg.len == 0 &&
                        p->seg.ack == th->pseq,
                    "seed %d, guess %d: not a challenge ACK", SPRAY_SEED, i);
      answers++;
    }
    th->nout = th->next = 0;
    ck_assert_msg(th_find(th) == th->t && sl__tcp_state(th->t) != SL_TCP_CLOSED,
                  "seed %d: guess %d killed the connection", SPRAY_SEED, i);
  }
  ck_assert_int_eq(answers, (int)budget);
  ck_assert_uint_eq(th_tcp_stats(th)->challenge_acks - acks0, budget);
  ck_assert_uint_eq(th_tcp_stats(th)->challenge_limited - limited0,
                    SPRAY - budget);
  ck_assert_uint_eq(th_tcp_stats(th)->bad_transitions, 0);
}

/* The connection still carries data both ways after the attack. */
static void
still_works(void)
{
  char buf[8];

  th_send_data(th, "after", 5);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 5);
  ck_assert_int_eq(memcmp(buf, "after", 5), 0);
  ck_assert_int_eq(sl__tcp_send(th->t, "ok", 2), 2);
}

/* RFC 5961 3.2: a RST in the window but not at RCV.NXT only earns a
 * challenge ACK. */
START_TEST(test_established_blind_rst_spray_survives_rate_limited)
{
  th_established(th);
  spray(SL__TCP_RST, 0, 0);
  spray(SL__TCP_RST | SL__TCP_ACK, th->pack, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  ck_assert_uint_eq(th_tcp_stats(th)->estab_resets, 0);
  still_works();
}
END_TEST

/* RFC 5961 4.2: a SYN in a synchronized state, wherever it falls in the
 * window, only earns a challenge ACK. */
START_TEST(test_established_blind_syn_spray_survives_rate_limited)
{
  th_established(th);
  spray(SL__TCP_SYN, 0, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  still_works();
}
END_TEST

/* RFC 5961 5.2: data whose ACK is older than SND.UNA - MAX.SND.WND is
 * dropped with a challenge ACK: a blind attacker who guessed the sequence
 * number still needs an acceptable ACK to inject data. */
START_TEST(test_established_blind_data_with_old_ack_is_never_delivered)
{
  char buf[8];

  th_established(th);
  spray(SL__TCP_ACK | SL__TCP_PSH, th->pack - 70000, 6);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), -EAGAIN);
  ck_assert_uint_eq(th->t->rcv_nxt, th->pseq);
  still_works();
}
END_TEST

/* RFC 5961 5.2: "(SND.UNA - MAX.SND.WND) =< SEG.ACK =< SND.NXT" is
 * acceptable: an ACK a little older than SND.UNA (a reordered segment)
 * still carries its data. */
START_TEST(test_established_data_with_ack_within_max_snd_wnd_is_accepted)
{
  char buf[8];

  th_established(th);
  th_send(th, SL__TCP_ACK | SL__TCP_PSH, th->pseq, th->pack - 1000, "late", 4);
  th->pseq += 4;
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 4);
  ck_assert_uint_eq(th_tcp_stats(th)->challenge_acks, 0);
}
END_TEST

/* RFC 5961 applies to every synchronized state, not only ESTABLISHED. */
START_TEST(test_close_wait_blind_rst_spray_survives_rate_limited)
{
  th_close_wait(th);
  spray(SL__TCP_RST, 0, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_CLOSE_WAIT);
}
END_TEST

START_TEST(test_fin_wait_2_blind_rst_spray_survives_rate_limited)
{
  th_fin_wait_2(th);
  spray(SL__TCP_RST, 0, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_FIN_WAIT_2);
}
END_TEST

/* TIME-WAIT: a forged RST cannot cut the 2 MSL wait short (RFC 1337's
 * hazard H1) unless it hits RCV.NXT exactly. */
START_TEST(test_time_wait_blind_rst_spray_survives_rate_limited)
{
  th_reinit(th, long_msl);
  th_time_wait(th);
  spray(SL__TCP_RST, 0, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_TIME_WAIT);
}
END_TEST

/* ---- initial sequence numbers (RFC 6528) ------------------------------ */

/* RFC 6528 3: ISN = M + F(localip, localport, remoteip, remoteport,
 * secretkey), M a timer that ticks every 4 microseconds. */
START_TEST(test_isn_follows_4us_clock_and_differs_per_tuple)
{
  uint32_t iss1, iss2, iss3;
  struct sl__tcb *t;

  th_syn_sent(th);
  iss1 = th->pack - 1;
  sl__tcp_close(th->t); /* SYN-SENT: the TCB is deleted */
  th_advance(th, 4000);
  th_syn_sent(th);
  iss2 = th->pack - 1;
  ck_assert_uint_eq(iss2 - iss1, 1000);
  t = sl__tcp_new(th->h);
  ck_assert_int_eq(sl__tcp_bind(t, 0, TH_PORT + 1), 0);
  ck_assert_int_eq(sl__tcp_connect(t, TH_PEER, TH_PPORT), -EINPROGRESS);
  iss3 = th_pop(th)->seg.seq;
  ck_assert_uint_ne(iss3, iss2); /* F() depends on the 4-tuple */
  sl__tcp_close(t);
}
END_TEST

/* RFC 6528 3: a new incarnation of the same 4-tuple after TIME-WAIT gets
 * an ISN that differs from the old one by exactly the clock (F() is the
 * same), and so starts beyond every sequence number the old one used. */
START_TEST(test_isn_same_tuple_after_time_wait_differs_by_clock)
{
  uint64_t t1, t2;
  uint32_t iss1, old_snd_max, iss2;

  t1 = th->now;
  th_time_wait(th);
  iss1 = th->t->iss;
  old_snd_max = th->t->snd_max;
  th_advance(th, 2 * th->cfg.msl_us);
  ck_assert_ptr_null(th_find(th)); /* TIME-WAIT is over */
  th_advance(th, 12345 * 4);
  t2 = th->now;
  th_syn_sent(th); /* same local port, same peer: the same 4-tuple */
  iss2 = th->t->iss;
  ck_assert_uint_eq(iss2 - iss1, (uint32_t)(t2 / 4 - t1 / 4));
  ck_assert(SL_SEQ_GT(iss2, old_snd_max));
}
END_TEST

static int
cmp_u32(const void *a, const void *b)
{
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

  return x < y ? -1 : x > y;
}

/* RFC 6528 3: across 4-tuples the ISNs look random: F() is a keyed hash,
 * so an attacker who opens connections of its own learns nothing about
 * the ISN of a tuple it does not own.  4096 tuples at the same instant:
 * no repeats, every bit set about half the time, and the ISNs of
 * neighbouring ports (and their differences) just as scattered. */
START_TEST(test_isn_across_tuples_look_random)
{
  enum { N = 4096 };
  static uint32_t isn[N];
  unsigned ones[32] = {0}, xor_ones[32] = {0};

  for (int i = 0; i < N; i++)
    isn[i] = sl__isn(th->h, TH_HOST, TH_PORT, TH_PEER, (uint16_t)(1024 + i));
  for (int i = 0; i < N; i++) {
    for (int b = 0; b < 32; b++) {
      ones[b] += isn[i] >> b & 1;
      if (i > 0)
        xor_ones[b] += (isn[i] ^ isn[i - 1]) >> b & 1;
    }
  }
  qsort(isn, N, sizeof isn[0], cmp_u32);
  for (int i = 1; i < N; i++)
    if (isn[i] == isn[i - 1])
      ck_abort_msg("two tuples got the same ISN %u", (unsigned)isn[i]);
  /* 45-55%: more than six standard deviations from 50% each way. */
  for (int b = 0; b < 32; b++) {
    ck_assert_msg(ones[b] > N * 45 / 100 && ones[b] < N * 55 / 100,
                  "bit %d set in %u of %d ISNs", b, ones[b], N);
    ck_assert_msg(xor_ones[b] > N * 45 / 100 && xor_ones[b] < N * 55 / 100,
                  "bit %d differs in %u of %d neighbours", b, xor_ones[b], N);
  }
  /* Other addresses too: the remote address is part of F()'s input. */
  ck_assert_uint_ne(sl__isn(th->h, TH_HOST, TH_PORT, TH_PEER + 1, 1024),
                    sl__isn(th->h, TH_HOST, TH_PORT, TH_PEER, 1024));
}
END_TEST

/* The ISN a fresh host keyed by seed gives the tuple at time 0. */
static uint32_t
isn_of_host_with_seed(uint64_t seed)
{
  struct sl__host_config cfg;
  struct sl__host *h;
  uint32_t isn;

  th_config(&cfg);
  cfg.seed = seed;
  h = sl__host_new(TH_HOST, &cfg, NULL, NULL);
  ck_assert_ptr_nonnull(h);
  isn = sl__isn(h, TH_HOST, TH_PORT, TH_PEER, TH_PPORT);
  sl__host_free(h);
  return isn;
}

/* RFC 6528 3: the key is secret and per host: the same tuple at the same
 * time gets an unrelated ISN on a host with another key, and the same ISN
 * on a host with the same key (simulated runs replay). */
START_TEST(test_isn_depends_on_host_secret)
{
  ck_assert_uint_ne(isn_of_host_with_seed(42), isn_of_host_with_seed(43));
  ck_assert_uint_eq(isn_of_host_with_seed(42), isn_of_host_with_seed(42));
}
END_TEST

static TCase *
tcase(Suite *s, const char *name)
{
  TCase *tc = tcase_create(name);

  tcase_add_checked_fixture(tc, setup, teardown);
  suite_add_tcase(s, tc);
  return tc;
}

Suite *
tcp_rfc_suite(void)
{
  Suite *s = suite_create("tcp_rfc");
  TCase *tc;

  tc = tcase(s, "LISTEN");
  tcase_add_test(tc, test_listen_syn_without_mss_uses_536);
  tcase_add_test(tc, test_listen_syn_with_data_is_queued_for_later);
  tcase_add_test(tc, test_syn_received_ack_delivers_syn_data_and_acks_it);

  tc = tcase(s, "SYN_RECEIVED");
  tcase_add_test(tc, test_syn_received_fin_enters_close_wait);
  tcase_add_test(tc, test_syn_received_in_window_syn_returns_to_listen);
  tcase_add_test(tc, test_syn_received_active_rst_is_refused);
  tcase_add_test(tc, test_syn_received_close_then_timeout_resends_synack);
  tcase_add_test(tc, test_syn_received_close_with_nothing_queued_sends_fin);

  tc = tcase(s, "SYN_SENT");
  tcase_add_test(tc, test_syn_sent_synack_without_mss_uses_536);
  tcase_add_test(tc, test_syn_sent_synack_with_data_is_delivered);

  tc = tcase(s, "ESTABLISHED");
  tcase_add_test(tc, test_established_synack_retransmission_is_reacked);
  tcase_add_test(tc, test_established_rst_with_data_resets);
  tcase_add_test(tc, test_established_urg_data_is_read_inline);
  tcase_add_test(tc, test_established_fin_with_data_delivers_data_then_eof);
  tcase_add_test(
      tc, test_established_too_old_ack_gets_challenge_ack_and_is_dropped);
  tcase_add_test(tc, test_established_zero_rcv_window_still_processes_ack);

  tc = tcase(s, "blind_injection");
  tcase_add_test(tc, test_established_blind_rst_spray_survives_rate_limited);
  tcase_add_test(tc, test_established_blind_syn_spray_survives_rate_limited);
  tcase_add_test(tc,
                 test_established_blind_data_with_old_ack_is_never_delivered);
  tcase_add_test(tc,
                 test_established_data_with_ack_within_max_snd_wnd_is_accepted);
  tcase_add_test(tc, test_close_wait_blind_rst_spray_survives_rate_limited);
  tcase_add_test(tc, test_fin_wait_2_blind_rst_spray_survives_rate_limited);
  tcase_add_test(tc, test_time_wait_blind_rst_spray_survives_rate_limited);

  tc = tcase(s, "window_update");
  tcase_add_test(tc,
                 test_established_empty_ack_at_window_right_edge_is_answered);
  tcase_add_test(tc,
                 test_established_rst_at_window_right_edge_is_dropped_silently);
  tcase_add_test(tc, test_established_ack_seq_stays_inside_shrunk_peer_window);
  tcase_add_test(tc, test_established_old_ack_does_not_update_window);
  tcase_add_test(tc, test_established_segment_older_than_wl1_keeps_window);
  tcase_add_test(tc, test_established_same_seq_and_ack_window_update_is_taken);

  tc = tcase(s, "sending");
  tcase_add_test(tc,
                 test_established_nagle_holds_sub_mss_segment_in_small_window);
  tcase_add_test(tc,
                 test_established_sws_override_timeout_sends_into_small_window);

  tc = tcase(s, "receive_window");
  tcase_add_test(tc, test_established_receive_window_never_shrinks);
  tcase_add_test(tc, test_established_receiver_sws_uses_effective_send_mss);

  tc = tcase(s, "TIME_WAIT");
  tcase_add_test(tc, test_time_wait_ack_is_ignored_and_timer_not_restarted);
  tcase_add_test(tc, test_time_wait_ack_at_window_right_edge_is_answered);
  tcase_add_test(tc, test_time_wait_fin_in_window_is_acked_and_restarts_2msl);
  tcase_add_test(tc, test_time_wait_fin_with_data_in_window_restarts_2msl);

  tc = tcase(s, "retransmission");
  tcase_add_test(tc, test_rto_computed_below_1s_is_rounded_up);
  tcase_add_test(tc, test_rto_backoff_kept_until_unretransmitted_data_is_acked);
  tcase_add_test(tc, test_syn_sent_timeout_sets_data_rto_to_3s);

  tc = tcase(s, "congestion");
  tcase_add_test(tc, test_slow_start_cwnd_grows_by_acked_bytes_up_to_smss);
  tcase_add_test(
      tc, test_congestion_avoidance_cwnd_grows_by_smss_squared_over_cwnd);
  tcase_add_test(tc, test_idle_longer_than_rto_restarts_from_initial_window);
  tcase_add_test(tc, test_limited_transmit_sends_new_data_on_first_dupack);
  tcase_add_test(tc, test_fast_recovery_partial_ack_retransmits_next_hole);
  tcase_add_test(tc, test_fast_recovery_small_partial_ack_adds_no_smss_back);
  tcase_add_test(tc, test_fast_recovery_full_ack_sets_cwnd_per_rfc6582);

  tc = tcase(s, "syn_timeout");
  tcase_add_test(tc, test_syn_sent_unanswered_syn_retried_for_3_minutes);
  tcase_add_test(tc, test_syn_received_unanswered_synack_retried_for_3_minutes);

  tc = tcase(s, "user_timeout");
  tcase_add_test(tc, test_established_user_timeout_aborts_unacked_data);
  tcase_add_test(tc, test_established_user_timeout_restarts_on_ack_progress);
  tcase_add_test(tc, test_established_user_timeout_idle_connection_stays);
  tcase_add_test(tc, test_syn_sent_user_timeout_aborts_connect);
  tcase_add_test(tc,
                 test_zero_window_user_timeout_aborts_while_probes_answered);

  tc = tcase(s, "keepalive");
  tcase_add_test(tc, test_established_keepalive_off_by_default);
  tcase_add_test(tc, test_established_keepalive_probe_after_idle_answered);
  tcase_add_test(tc, test_established_keepalive_unanswered_probes_abort);
  tcase_add_test(tc, test_closed_keepalive_and_user_timeout_values_checked);

  tc = tcase(s, "persist");
  tcase_add_test(tc, test_zero_window_persist_never_gives_up_while_acked);
  tcase_add_test(tc, test_zero_window_only_one_byte_probes_are_sent);
  tcase_add_test(tc,
                 test_zero_window_probe_ack_lost_window_opens_sends_the_rest);
  tcase_add_test(tc,
                 test_zero_window_probe_ack_lost_window_opens_data_lost_resent);
  tcase_add_test(tc, test_zero_window_one_lost_probe_ack_does_not_time_out);

  tc = tcase(s, "isn");
  tcase_add_test(tc, test_isn_follows_4us_clock_and_differs_per_tuple);
  tcase_add_test(tc, test_isn_same_tuple_after_time_wait_differs_by_clock);
  tcase_add_test(tc, test_isn_across_tuples_look_random);
  tcase_add_test(tc, test_isn_depends_on_host_secret);
  return s;
}
