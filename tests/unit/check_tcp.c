/* The TCP state machine, one RFC 9293 rule at a time.  Test cases are
 * named after states (CK_RUN_CASE=SYN_SENT) and topics; each test puts a
 * connection in its state with a builder and checks, segment by segment,
 * what the host does with one event. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>

#include "suites.h"
#include "tcp_harness.h"
#include "testutil.h"
#include "sim/xfer.h"

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

/* ---- LISTEN --------------------------------------------------------- */

START_TEST(test_listen_syn_sends_synack_with_mss)
{
  th_syn_received(th);
  ck_assert_uint_eq(th_tcp_stats(th)->passive_opens, 1);
  ck_assert_uint_eq(th->out[0].seg.opt.mss, 1460);
  ck_assert_uint_gt(th->out[0].seg.wnd, 0);
  ck_assert_int_eq(sl__tcp_state(th->l), SL_TCP_LISTEN);
}
END_TEST

START_TEST(test_listen_ack_gets_reset_from_ack_field)
{
  th_listen(th);
  th_send(th, SL__TCP_ACK, 1000, 123456, NULL, 0);
  /* <SEQ=SEG.ACK><CTL=RST> */
  th_expect(th, SL__TCP_RST, 123456, 0);
  ck_assert_uint_eq(th_tcp_stats(th)->out_rsts, 1);
}
END_TEST

START_TEST(test_listen_rst_is_ignored)
{
  th_listen(th);
  th_send(th, SL__TCP_RST, 1000, 0, NULL, 0);
  th_expect_nothing(th);
  ck_assert_int_eq(sl__tcp_state(th->l), SL_TCP_LISTEN);
}
END_TEST

/* A listener with backlog n in front of SYNs from ports TH_PPORT + i. */
static void
listen_backlog(int n)
{
  th->l = sl__tcp_new(th->h);
  ck_assert_int_eq(sl__tcp_bind(th->l, 0, TH_PORT), 0);
  ck_assert_int_eq(sl__tcp_listen(th->l, n), 0);
}

static void
syn_from_port(int i)
{
  th->pport = (uint16_t)(TH_PPORT + i);
  th_send(th, SL__TCP_SYN, th->pseq, 0, NULL, 0);
}

static struct sl__tcb *
child_of_port(int i)
{
  return sl__tcb_lookup(th->h, TH_HOST, TH_PORT, TH_PEER,
                        (uint16_t)(TH_PPORT + i));
}

/* RFC 4987 3.4: a full SYN queue recycles its oldest half-open
 * connection, so a flood of SYNs cannot lock legitimate clients out. */
START_TEST(test_listen_syn_flood_evicts_oldest_syn_received)
{
  int limit = SL__SYN_QUEUE_MIN;

  listen_backlog(2);
  for (int i = 0; i <= limit; i++) {
    syn_from_port(i);
    ck_assert_int_eq(th_pending(th), 1); /* every SYN was answered */
    th->nout = th->next = 0;
  }
  ck_assert_ptr_null(child_of_port(0)); /* the oldest made room */
  ck_assert_ptr_nonnull(child_of_port(1));
  ck_assert_ptr_nonnull(child_of_port(limit));
  ck_assert_uint_eq(th->l->syn_q_len, (unsigned)limit);
  ck_assert_uint_eq(th_tcp_stats(th)->syn_evictions, 1);
  ck_assert_uint_eq(th_tcp_stats(th)->listen_overflows, 0);
  ck_assert_uint_eq(th->h->n_tcbs, (unsigned)limit + 1);
  ck_assert_uint_eq(th_tcp_stats(th)->bad_transitions, 0);
}
END_TEST

/* listen(fd, 1) and clients that arrive together: each gets its
 * handshake (Linux would answer the extra SYNs with cookies); none is
 * evicted. */
START_TEST(test_listen_small_backlog_admits_concurrent_handshakes)
{
  listen_backlog(1);
  for (int i = 0; i < 5; i++)
    syn_from_port(i);
  ck_assert_int_eq(th_pending(th), 5);
  for (int i = 0; i < 5; i++)
    ck_assert_ptr_nonnull(child_of_port(i));
  ck_assert_uint_eq(th_tcp_stats(th)->syn_evictions, 0);
}
END_TEST

/* The evicted connection is gone without a word (its peer may be a
 * spoofed address); if the peer was real, its ACK meets the listener,
 * which answers with a reset (RFC 9293 3.10.7.2, second check). */
START_TEST(test_listen_evicted_syn_received_ack_gets_reset)
{
  uint32_t iss0;

  listen_backlog(1);
  syn_from_port(0);
  iss0 = th_pop(th)->seg.seq;
  for (int i = 1; i < SL__SYN_QUEUE_MIN; i++) {
    syn_from_port(i);
    th->nout = th->next = 0;
  }
  syn_from_port(SL__SYN_QUEUE_MIN); /* the queue is full: port 0 goes */
  ck_assert_uint_eq(th_pop(th)->seg.flags, SL__TCP_SYN | SL__TCP_ACK);
  th_expect_nothing(th); /* no reset towards the evicted peer */
  th->pport = TH_PPORT;
  th_send(th, SL__TCP_ACK, th->pseq + 1, iss0 + 1, NULL, 0);
  th_expect(th, SL__TCP_RST, iss0 + 1, 0);
  ck_assert_ptr_null(child_of_port(0));
  ck_assert_ptr_nonnull(child_of_port(SL__SYN_QUEUE_MIN));
}
END_TEST

/* Established children waiting in accept() are never evicted: with the
 * accept queue full, a new SYN is dropped and counted (ListenOverflows),
 * as Linux does. */
START_TEST(test_listen_full_accept_queue_drops_syn)
{
  th_syn_received(th);
  ck_assert_int_eq(sl__tcp_listen(th->l, 1), 0); /* a new backlog: 1 */
  th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  ck_assert_uint_eq(th->l->accept_q_len, 1);
  syn_from_port(1);
  th_expect_nothing(th);
  ck_assert_uint_eq(th_tcp_stats(th)->listen_overflows, 1);
  ck_assert_uint_eq(th_tcp_stats(th)->syn_evictions, 0);
  ck_assert_ptr_eq(child_of_port(0), th->t);
  ck_assert_ptr_null(child_of_port(1));
}
END_TEST

/* A flood of a thousand SYNs from different ports leaves at most
 * max(backlog, SL__SYN_QUEUE_MIN) half-open connections, the newest. */
START_TEST(test_listen_syn_flood_keeps_syn_queue_at_backlog)
{
  enum { N = 1000, Q = 200 };

  listen_backlog(Q);
  for (int i = 0; i < N; i++) {
    syn_from_port(i);
    ck_assert_int_eq(th_pending(th), 1); /* a SYN,ACK, never a reset */
    th->nout = th->next = 0;
  }
  ck_assert_uint_eq(th->l->syn_q_len, Q);
  ck_assert_uint_eq(th->h->n_tcbs, Q + 1);
  ck_assert_uint_eq(th_tcp_stats(th)->syn_evictions, N - Q);
  for (int i = N - Q; i < N; i++)
    ck_assert_ptr_nonnull(child_of_port(i));
  ck_assert_ptr_null(child_of_port(N - Q - 1));
}
END_TEST

START_TEST(test_closed_port_segment_gets_reset)
{
  th_send(th, SL__TCP_SYN, 5000, 0, NULL, 0);
  /* no ACK in the segment: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
  th_expect(th, SL__TCP_RST | SL__TCP_ACK, 0, 5001);
  th_send(th, SL__TCP_RST, 5000, 0, NULL, 0);
  th_expect_nothing(th); /* never a reset for a reset */
}
END_TEST

/* RFC 9293 3.10.7.1: in CLOSED every segment without RST gets a reset,
 * whatever else it carries; SEG.LEN counts both SYN and FIN. */
START_TEST(test_closed_port_syn_fin_gets_reset)
{
  th_send(th, SL__TCP_SYN | SL__TCP_FIN, 5000, 0, NULL, 0);
  th_expect(th, SL__TCP_RST | SL__TCP_ACK, 0, 5002);
  th_send(th, SL__TCP_SYN | SL__TCP_RST, 5000, 0, NULL, 0);
  th_expect_nothing(th); /* never a reset for a reset */
}
END_TEST

/* LISTEN may drop SYN+FIN (socklab does, as Linux does: lib/README.md);
 * SYN+RST is a RST, which LISTEN ignores (RFC 9293 3.10.7.2, first). */
START_TEST(test_listen_syn_fin_and_syn_rst_are_dropped)
{
  th_listen(th);
  th_send(th, SL__TCP_SYN | SL__TCP_FIN, 5000, 0, NULL, 0);
  th_send(th, SL__TCP_SYN | SL__TCP_RST, 6000, 0, NULL, 0);
  th_expect_nothing(th);
  ck_assert_uint_eq(th->l->syn_q_len, 0);
  ck_assert_uint_eq(sl__host_stats(th->h)->ip.drops[SL__DROP_TCP_FLAGS], 1);
}
END_TEST

/* ---- SYN-RECEIVED --------------------------------------------------- */

START_TEST(test_syn_received_ack_establishes_and_accepts)
{
  th_established_passive(th);
  ck_assert_uint_eq(th->l->accept_q_len, 0);
}
END_TEST

START_TEST(test_syn_received_ack_with_data_is_delivered)
{
  char buf[16];

  th_syn_received(th);
  th_send(th, SL__TCP_ACK | SL__TCP_PSH, th->pseq, th->pack, "hello", 5);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 5);
  ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
}
END_TEST

START_TEST(test_syn_received_rst_removes_child)
{
  struct sl__tcb *c;

  th_syn_received(th);
  th_send(th, SL__TCP_RST, th->pseq, 0, NULL, 0);
  ck_assert_ptr_null(th_find(th));
  ck_assert_int_eq(sl__tcp_accept(th->l, &c), -EAGAIN);
  ck_assert_uint_eq(th->l->syn_q_len, 0);
  ck_assert_uint_eq(th_tcp_stats(th)->attempt_fails, 1);
}
END_TEST

START_TEST(test_syn_received_duplicate_syn_resends_synack)
{
  th_syn_received(th);
  th_send(th, SL__TCP_SYN, th->pseq - 1, 0, NULL, 0);
  th_expect(th, SL__TCP_SYN | SL__TCP_ACK, th->pack - 1, th->pseq);
}
END_TEST

/* Only the peer's SYN again resends the SYN,ACK: a SYN+RST at IRS is an
 * old RST (step 1 drops it), not a retransmitted SYN. */
START_TEST(test_syn_received_old_syn_rst_is_dropped)
{
  th_syn_received(th);
  th_send(th, SL__TCP_SYN | SL__TCP_RST, th->pseq - 1, 0, NULL, 0);
  th_expect_nothing(th);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_SYN_RECEIVED);
}
END_TEST

/* RFC 9293 3.10.7.4 step 5: with RFC 5961, an ACK beyond SND.NXT is
 * "discarded and an ACK sent back", before the SYN-RECEIVED rule that
 * would reset (Linux resets; socklab follows the RFC). */
START_TEST(test_syn_received_ack_beyond_snd_nxt_gets_ack)
{
  th_syn_received(th);
  th_send(th, SL__TCP_ACK, th->pseq, th->pack + 100, NULL, 0);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  th_expect_nothing(th);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_SYN_RECEIVED);
}
END_TEST

/* An ACK in RFC 5961's range that does not acknowledge our SYN (SEG.ACK =
 * ISS): "If the segment acknowledgment is not acceptable, form a reset
 * segment <SEQ=SEG.ACK><CTL=RST>". */
START_TEST(test_syn_received_ack_of_iss_gets_reset)
{
  th_syn_received(th);
  th_send(th, SL__TCP_ACK, th->pseq, th->pack - 1, NULL, 0);
  th_expect(th, SL__TCP_RST, th->pack - 1, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_SYN_RECEIVED);
}
END_TEST

START_TEST(test_syn_received_timeout_backs_off_then_gives_up)
{
  uint64_t wait = 1000000; /* initial RTO: 1 s */

  th_syn_received(th);
  for (unsigned i = 0; i < th->cfg.synack_retries; i++) {
    th_advance(th, wait - 1);
    th_expect_nothing(th);
    th_advance(th, 1);
    th_expect(th, SL__TCP_SYN | SL__TCP_ACK, th->pack - 1, th->pseq);
    wait = 2 * wait < th->cfg.rto_max_us ? 2 * wait : th->cfg.rto_max_us;
  }
  th_advance(th, wait);
  ck_assert_ptr_null(th_find(th));
  ck_assert_uint_eq(th->l->syn_q_len, 0);
}
END_TEST

/* ---- SYN-SENT ------------------------------------------------------- */

START_TEST(test_syn_sent_synack_establishes)
{
  th_established(th);
  ck_assert_uint_eq(th_tcp_stats(th)->active_opens, 1);
}
END_TEST

START_TEST(test_syn_sent_rst_with_ack_is_refused)
{
  th_syn_sent(th);
  th_send(th, SL__TCP_RST | SL__TCP_ACK, 0, th->pack, NULL, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_CLOSED);
  ck_assert_int_eq(sl__tcp_connect_result(th->t), -ECONNREFUSED);
  ck_assert_uint_eq(th_tcp_stats(th)->attempt_fails, 1);
  sl__tcp_close(th->t);
}
END_TEST

START_TEST(test_syn_sent_rst_without_ack_is_ignored)
{
  th_syn_sent(th);
  th_send(th, SL__TCP_RST, th->pseq, 0, NULL, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_SYN_SENT);
}
END_TEST

/* RFC 9293 3.10.7.3: the RST bit is checked before the SYN bit, so a
 * SYN+RST with an acceptable ACK refuses the connection. */
START_TEST(test_syn_sent_syn_rst_with_ack_is_refused)
{
  th_syn_sent(th);
  th_send(th, SL__TCP_SYN | SL__TCP_RST | SL__TCP_ACK, th->pseq, th->pack, NULL,
          0);
  th_expect_nothing(th);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_CLOSED);
  ck_assert_int_eq(sl__tcp_connect_result(th->t), -ECONNREFUSED);
}
END_TEST

/* SYN-SENT may drop SYN+FIN (lib/README.md): the connection waits for a
 * SYN,ACK without the FIN. */
START_TEST(test_syn_sent_syn_fin_ack_is_dropped)
{
  th_syn_sent(th);
  th_send(th, SL__TCP_SYN | SL__TCP_FIN | SL__TCP_ACK, th->pseq, th->pack, NULL,
          0);
  th_expect_nothing(th);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_SYN_SENT);
  ck_assert_uint_eq(sl__host_stats(th->h)->ip.drops[SL__DROP_TCP_FLAGS], 1);
}
END_TEST

START_TEST(test_syn_sent_bad_ack_gets_reset)
{
  th_syn_sent(th);
  th_send(th, SL__TCP_SYN | SL__TCP_ACK, th->pseq, th->pack + 5, NULL, 0);
  th_expect(th, SL__TCP_RST, th->pack + 5, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_SYN_SENT);
}
END_TEST

START_TEST(test_syn_sent_syn_is_simultaneous_open)
{
  th_syn_sent(th);
  th_send(th, SL__TCP_SYN, th->pseq, 0, NULL, 0);
  th->pseq++;
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_SYN_RECEIVED);
  th_expect(th, SL__TCP_SYN | SL__TCP_ACK, th->pack - 1, th->pseq);
  th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  ck_assert_int_eq(sl__tcp_connect_result(th->t), 0);
}
END_TEST

static void
three_syn_retries(struct sl__host_config *cfg)
{
  cfg->syn_retries = 3;
}

START_TEST(test_syn_sent_timeout_backs_off_then_etimedout)
{
  uint64_t wait = 1000000;

  th_reinit(th, three_syn_retries);
  th_syn_sent(th);
  for (int i = 0; i < 3; i++) {
    th_advance(th, wait - 1);
    th_expect_nothing(th);
    th_advance(th, 1);
    th_expect(th, SL__TCP_SYN, th->pack - 1, 0);
    wait *= 2;
  }
  th_advance(th, wait);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_CLOSED);
  ck_assert_int_eq(sl__tcp_connect_result(th->t), -ETIMEDOUT);
  th_expect_nothing(th);
  sl__tcp_close(th->t);
}
END_TEST

/* A router (or someone off the path) says port unreachable about a
 * segment of ours that carried seq: the quote is the host's first segment
 * (the SYN) with its sequence number replaced. */
static void
send_port_unreachable(uint32_t seq)
{
  uint8_t orig[SL__IP4_HDR_LEN + 8], pkt[128];
  struct sl__ip4_hdr ip = {
      .ttl = 64, .proto = SL__IP_PROTO_ICMP, .src = TH_PEER, .dst = TH_HOST};
  size_t n;

  memcpy(orig, th->out[0].bytes, sizeof orig);
  sl__put32(orig + SL__IP4_HDR_LEN + 4, seq);
  n = sl__icmp_unreach_write(pkt + 20, sizeof pkt - 20, SL__ICMP_UNREACH_PORT,
                             orig, sizeof orig);
  ck_assert_uint_gt(n, 0);
  ip.total_len = (uint16_t)(20 + n);
  sl__ip4_write(pkt, 20, &ip);
  th_send_raw(th, pkt, 20 + n);
}

/* RFC 5927 4.1: an ICMP error must quote a sequence number in flight,
 * SND.UNA =< SEG.SEQ < SND.NXT; any other is ignored and counted. */
START_TEST(test_syn_sent_icmp_quoting_another_seq_is_ignored)
{
  th_syn_sent(th);
  send_port_unreachable(th->pack + 1000);
  send_port_unreachable(th->pack - 2);
  send_port_unreachable(th->pack); /* SND.NXT itself was never sent */
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_SYN_SENT);
  ck_assert_int_eq(sl__tcp_connect_result(th->t), -EINPROGRESS);
  ck_assert_uint_eq(th_tcp_stats(th)->icmp_seq_ignored, 3);
  th_expect_nothing(th);
}
END_TEST

/* The one that quotes our SYN refuses the connection, as Linux does. */
START_TEST(test_syn_sent_icmp_quoting_the_syn_is_refused)
{
  th_syn_sent(th);
  send_port_unreachable(th->pack - 1);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_CLOSED);
  ck_assert_int_eq(sl__tcp_connect_result(th->t), -ECONNREFUSED);
  ck_assert_uint_eq(th_tcp_stats(th)->icmp_seq_ignored, 0);
  sl__tcp_close(th->t);
}
END_TEST

/* ---- ESTABLISHED ---------------------------------------------------- */

START_TEST(test_established_data_in_is_delivered_and_ack_delayed)
{
  char buf[200], data[100];

  tu_pattern(data, sizeof data, 1);
  th_established(th);
  th_send_data(th, data, sizeof data);
  th_expect_nothing(th); /* one small segment: the ACK waits */
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 100);
  ck_assert_int_eq(memcmp(buf, data, 100), 0);
  th_advance(th, th->cfg.delack_us - 1);
  th_expect_nothing(th);
  th_advance(th, 1);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  ck_assert_uint_eq(th_tcp_stats(th)->delayed_acks, 1);
}
END_TEST

/* The peer sends two segments of size: the second is ACKed at once. */
static void
two_segments_acked_at_once(size_t size)
{
  static char data[1460];

  th_established(th);
  th_send_data(th, data, size);
  th_expect_nothing(th);
  th_send_data(th, data, size);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
}

START_TEST(test_established_two_full_segments_ack_at_once)
{
  two_segments_acked_at_once(1460);
}
END_TEST

/* A peer that announced MSS 536 sends segments of 536 at most: two of
 * them are two full-sized segments, though this host announced 1460. */
START_TEST(test_established_two_full_segments_of_peer_mss_ack_at_once)
{
  th->pmss = 536;
  two_segments_acked_at_once(536);
}
END_TEST

static void
no_delack(struct sl__host_config *cfg)
{
  cfg->delack_us = 0;
}

START_TEST(test_established_delayed_ack_off_acks_every_segment)
{
  th_reinit(th, no_delack);
  th_established(th);
  th_send_data(th, "a", 1);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  th_send_data(th, "b", 1);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
}
END_TEST

START_TEST(test_established_fin_enters_close_wait_and_eof)
{
  char buf[8];

  th_close_wait(th);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 0);
  ck_assert(sl__tcp_poll(th->t) & POLLRDHUP);
}
END_TEST

START_TEST(test_established_rst_at_rcv_nxt_resets)
{
  char buf[8];

  th_established(th);
  th_send(th, SL__TCP_RST, th->pseq, 0, NULL, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_CLOSED);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), -ECONNRESET);
  ck_assert_int_eq(sl__tcp_send(th->t, "x", 1), -EPIPE);
  ck_assert_uint_eq(th_tcp_stats(th)->estab_resets, 1);
  sl__tcp_close(th->t);
}
END_TEST

START_TEST(test_established_rst_in_window_gets_challenge_ack)
{
  th_established(th);
  th_send(th, SL__TCP_RST, th->pseq + 100, 0, NULL, 0);
  /* RFC 5961 3.2: not exactly RCV.NXT, so <SEQ=SND.NXT><ACK=RCV.NXT> */
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  ck_assert_uint_eq(th_tcp_stats(th)->challenge_acks, 1);
}
END_TEST

START_TEST(test_established_rst_outside_window_is_ignored)
{
  th_established(th);
  th_send(th, SL__TCP_RST, th->pseq + 100000, 0, NULL, 0);
  th_expect_nothing(th);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
}
END_TEST

START_TEST(test_established_syn_gets_challenge_ack)
{
  th_established(th);
  th_send(th, SL__TCP_SYN, th->pseq, 0, NULL, 0);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  ck_assert_uint_eq(th_tcp_stats(th)->challenge_acks, 1);
}
END_TEST

/* The peer sends a segment with flags at seq; the connection answers
 * with one challenge ACK and nothing else, and keeps its state. */
static void
expect_challenge_ack(uint8_t flags, uint32_t seq)
{
  enum sl_tcp_state state = sl__tcp_state(th->t);

  th_send(th, flags, seq, 0, NULL, 0);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  th_expect_nothing(th);
  ck_assert_int_eq(sl__tcp_state(th->t), state);
  ck_assert_uint_eq(th_tcp_stats(th)->challenge_acks, 1);
}

/* RFC 9293 3.10.7.4 step 4, RFC 5961 4.2: a SYN gets a challenge ACK
 * whatever else is set; the FIN is not processed. */
START_TEST(test_established_syn_fin_gets_challenge_ack)
{
  th_established(th);
  expect_challenge_ack(SL__TCP_SYN | SL__TCP_FIN, th->pseq);
}
END_TEST

/* RFC 9293 3.10.7.4: step 2 (RST) comes before step 4 (SYN), so a
 * SYN+RST at RCV.NXT resets the connection (RFC 5961 3.2)... */
START_TEST(test_established_syn_rst_at_rcv_nxt_resets)
{
  char buf[8];

  th_established(th);
  th_send(th, SL__TCP_SYN | SL__TCP_RST, th->pseq, 0, NULL, 0);
  th_expect_nothing(th);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_CLOSED);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), -ECONNRESET);
  sl__tcp_close(th->t);
}
END_TEST

/* ... and one elsewhere in the window gets the RST's challenge ACK. */
START_TEST(test_established_syn_rst_in_window_gets_challenge_ack)
{
  th_established(th);
  expect_challenge_ack(SL__TCP_SYN | SL__TCP_RST, th->pseq + 100);
}
END_TEST

static void
two_challenges_per_s(struct sl__host_config *cfg)
{
  cfg->challenge_acks_per_s = 2;
}

START_TEST(test_established_challenge_acks_are_rate_limited)
{
  th_reinit(th, two_challenges_per_s);
  th_established(th);
  for (int i = 0; i < 5; i++)
    th_send(th, SL__TCP_RST, th->pseq + 10 + (uint32_t)i, 0, NULL, 0);
  ck_assert_int_eq(th_pending(th), 2);
  ck_assert_uint_eq(th_tcp_stats(th)->challenge_limited, 3);
  th->next = th->nout;
  th_advance(th, 1000000);
  th_send(th, SL__TCP_RST, th->pseq + 10, 0, NULL, 0);
  ck_assert_int_eq(th_pending(th), 1); /* a new second, a new budget */
}
END_TEST

/* The check holds in every state: with nothing in flight, no quote is in
 * the window at all. */
START_TEST(test_established_icmp_with_nothing_in_flight_is_ignored)
{
  th_established(th);
  send_port_unreachable(th->pack - 1);
  send_port_unreachable(th->pack);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  ck_assert_uint_eq(th_tcp_stats(th)->icmp_seq_ignored, 2);
}
END_TEST

START_TEST(test_established_data_beyond_window_is_acked_and_dropped)
{
  char buf[8];

  th_established(th);
  th_send(th, SL__TCP_ACK, th->pseq + 70000, th->pack, "far", 3);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), -EAGAIN);
}
END_TEST

START_TEST(test_established_ack_of_unsent_data_gets_challenge_ack)
{
  th_established(th);
  th_send(th, SL__TCP_ACK, th->pseq, th->pack + 1000, NULL, 0);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
}
END_TEST

START_TEST(test_established_nagle_holds_small_tail_until_ack)
{
  static char data[3000];

  th_established(th);
  ck_assert_int_eq(sl__tcp_send(th->t, data, sizeof data), 3000);
  ck_assert_uint_eq(th_pop(th)->seg.len, 1460);
  ck_assert_uint_eq(th_pop(th)->seg.len, 1460);
  th_expect_nothing(th); /* 80 bytes wait: data is in flight */
  th_send(th, SL__TCP_ACK, th->pseq, th->pack + 2920, NULL, 0);
  ck_assert_uint_eq(th_pop(th)->seg.len, 80);
}
END_TEST

START_TEST(test_established_nodelay_sends_small_tail_at_once)
{
  static char data[3000];

  th_established(th);
  sl__tcp_set_nodelay(th->t, 1);
  ck_assert_int_eq(sl__tcp_send(th->t, data, sizeof data), 3000);
  ck_assert_uint_eq(th_pop(th)->seg.len, 1460);
  ck_assert_uint_eq(th_pop(th)->seg.len, 1460);
  ck_assert_uint_eq(th_pop(th)->seg.len, 80);
}
END_TEST

START_TEST(test_established_peer_mss_limits_segments)
{
  static char data[2000];
  const struct th_pkt *p;

  th->pmss = 536;
  th_established(th);
  sl__tcp_set_nodelay(th->t, 1);
  ck_assert_int_eq(sl__tcp_send(th->t, data, sizeof data), 2000);
  while (th_pending(th) > 0) {
    p = th_pop(th);
    ck_assert_uint_le(p->seg.len, 536);
  }
}
END_TEST

START_TEST(test_established_shutdown_wr_is_half_close)
{
  char buf[8];

  th_established(th);
  ck_assert_int_eq(sl__tcp_shutdown(th->t, SHUT_WR), 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_FIN_WAIT_1);
  th_expect(th, SL__TCP_FIN | SL__TCP_ACK, th->pack, th->pseq);
  th->pack++;
  th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_FIN_WAIT_2);
  /* The other direction still works. */
  th_send_data(th, "reply", 5);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 5);
  ck_assert_int_eq(sl__tcp_send(th->t, "x", 1), -EPIPE);
  th_send(th, SL__TCP_FIN | SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  th->pseq++;
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_TIME_WAIT);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 0);
  sl__tcp_close(th->t);
}
END_TEST

/* The trace names the call that sent the FIN, as it was made: a student
 * who called shutdown(SHUT_RDWR) must not read that SHUT_WR did it. */
static char last_cause[48];

static void
keep_cause(void *arg, const struct sl__event *ev)
{
  (void)arg;
  if (ev->type == SL__EV_STATE)
    snprintf(last_cause, sizeof last_cause, "%s", ev->cause);
}

START_TEST(test_established_shutdown_cause_names_the_call)
{
  static const struct {
    int how;
    const char *cause;
  } calls[] = {{SHUT_WR, "shutdown(SHUT_WR)"},
               {SHUT_RDWR, "shutdown(SHUT_RDWR)"}};

  for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
    if (i > 0) {
      th_free(th);
      th_init(th, NULL);
    }
    th_established(th);
    sl__host_set_trace(th->h, keep_cause, NULL);
    ck_assert_int_eq(sl__tcp_shutdown(th->t, calls[i].how), 0);
    ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_FIN_WAIT_1);
    ck_assert_str_eq(last_cause, calls[i].cause);
  }
}
END_TEST

/* shutdown(SHUT_RD), as Linux does it (lib/README.md): what is queued and
 * what arrives later stays readable, and a read that finds nothing
 * returns end of file at once instead of blocking. */
START_TEST(test_established_shutdown_rd_then_data_is_still_readable)
{
  char buf[16];

  th_established(th);
  th_send_data(th, "before", 6);
  ck_assert_int_eq(sl__tcp_shutdown(th->t, SHUT_RD), 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  ck_assert(sl__tcp_poll(th->t) & POLLRDHUP);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 6);
  ck_assert_int_eq(memcmp(buf, "before", 6), 0);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 0);
  th_send_data(th, "after", 5);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 5);
  ck_assert_int_eq(memcmp(buf, "after", 5), 0);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 0);
}
END_TEST

/* With everything read, close() after shutdown(SHUT_RD) is an orderly
 * close: a FIN, no RST. */
START_TEST(test_established_shutdown_rd_data_read_close_sends_fin)
{
  char buf[16];

  th_established(th);
  ck_assert_int_eq(sl__tcp_shutdown(th->t, SHUT_RD), 0);
  th_send_data(th, "after", 5);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 5);
  th_advance(th, th->cfg.delack_us);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  sl__tcp_close(th->t);
  th_expect(th, SL__TCP_FIN | SL__TCP_ACK, th->pack, th->pseq);
}
END_TEST

START_TEST(test_established_linger_zero_close_sends_rst)
{
  th_established(th);
  sl__tcp_set_linger(th->t, 1, 0);
  sl__tcp_close(th->t);
  th_expect(th, SL__TCP_RST | SL__TCP_ACK, th->pack, th->pseq);
  ck_assert_ptr_null(th_find(th));
}
END_TEST

START_TEST(test_established_close_with_unread_data_sends_rst)
{
  th_established(th);
  th_send_data(th, "unread", 6);
  sl__tcp_close(th->t);
  th_expect(th, SL__TCP_RST | SL__TCP_ACK, th->pack, th->pseq);
  ck_assert_ptr_null(th_find(th));
}
END_TEST

/* ---- closing states ------------------------------------------------- */

START_TEST(test_fin_wait_1_ack_of_fin_enters_fin_wait_2)
{
  th_fin_wait_2(th);
}
END_TEST

START_TEST(test_fin_wait_1_fin_enters_closing)
{
  th_closing(th);
}
END_TEST

START_TEST(test_fin_wait_1_fin_with_ack_of_fin_enters_time_wait)
{
  th_fin_wait_1(th);
  th_send(th, SL__TCP_FIN | SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  th->pseq++;
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_TIME_WAIT);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
}
END_TEST

START_TEST(test_fin_wait_1_fin_is_retransmitted)
{
  th_fin_wait_1(th);
  th_advance(th, sl__tcp_rto(th->t));
  th_expect(th, SL__TCP_FIN | SL__TCP_ACK, th->pack - 1, th->pseq);
  ck_assert_uint_eq(th_tcp_stats(th)->retrans_segs, 1);
}
END_TEST

START_TEST(test_fin_wait_1_rst_closes)
{
  th_fin_wait_1(th);
  th_send(th, SL__TCP_RST, th->pseq, 0, NULL, 0);
  ck_assert_ptr_null(th_find(th));
}
END_TEST

START_TEST(test_fin_wait_2_fin_enters_time_wait)
{
  th_time_wait(th);
}
END_TEST

START_TEST(test_fin_wait_2_orphan_times_out)
{
  th_fin_wait_2(th);
  th_advance(th, th->cfg.fin_wait2_us);
  ck_assert_ptr_null(th_find(th));
}
END_TEST

START_TEST(test_fin_wait_2_data_after_close_gets_reset)
{
  th_fin_wait_2(th);
  th_send_data(th, "late", 4);
  th_expect(th, SL__TCP_RST | SL__TCP_ACK, th->pack, th->pseq - 4);
  ck_assert_ptr_null(th_find(th));
}
END_TEST

START_TEST(test_close_wait_close_enters_last_ack)
{
  th_last_ack(th);
}
END_TEST

START_TEST(test_close_wait_data_is_ignored)
{
  char buf[8];

  th_close_wait(th);
  th_send(th, SL__TCP_ACK, th->pseq, th->pack, "more", 4);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 0);
}
END_TEST

START_TEST(test_closing_ack_of_fin_enters_time_wait)
{
  th_closing(th);
  th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_TIME_WAIT);
}
END_TEST

START_TEST(test_last_ack_ack_of_fin_closes)
{
  th_last_ack(th);
  sl__tcp_close(th->t); /* already closed by the application: no-op */
  th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  ck_assert_ptr_null(th_find(th));
}
END_TEST

START_TEST(test_last_ack_fin_is_retransmitted)
{
  th_last_ack(th);
  th_advance(th, sl__tcp_rto(th->t));
  th_expect(th, SL__TCP_FIN | SL__TCP_ACK, th->pack - 1, th->pseq);
}
END_TEST

START_TEST(test_time_wait_lasts_exactly_2msl)
{
  th_time_wait(th);
  th_advance(th, 2 * th->cfg.msl_us - 1);
  ck_assert_ptr_nonnull(th_find(th));
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_TIME_WAIT);
  th_advance(th, 1);
  ck_assert_ptr_null(th_find(th));
}
END_TEST

START_TEST(test_time_wait_retransmitted_fin_reacked_and_restarts)
{
  th_time_wait(th);
  th_advance(th, 1500000);
  th_send(th, SL__TCP_FIN | SL__TCP_ACK, th->pseq - 1, th->pack, NULL, 0);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  th_advance(th, 2 * th->cfg.msl_us - 1);
  ck_assert_ptr_nonnull(th_find(th)); /* the timer started over */
  th_advance(th, 1);
  ck_assert_ptr_null(th_find(th));
}
END_TEST

START_TEST(test_time_wait_rst_closes)
{
  th_time_wait(th);
  th_send(th, SL__TCP_RST, th->pseq, 0, NULL, 0);
  ck_assert_ptr_null(th_find(th));
}
END_TEST

/* A SYN+FIN that ends at RCV.NXT is no retransmitted FIN: it is old (step
 * 1 answers it with an ACK) and the 2 MSL timer is not restarted. */
START_TEST(test_time_wait_old_syn_fin_does_not_restart_2msl)
{
  th_time_wait(th);
  th_advance(th, 1500000);
  th_send(th, SL__TCP_SYN | SL__TCP_FIN, th->pseq - 2, 0, NULL, 0);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  th_advance(th, 2 * th->cfg.msl_us - 1500000);
  ck_assert_ptr_null(th_find(th));
}
END_TEST

/* In the window, a SYN+FIN gets a challenge ACK (RFC 5961 4.2). */
START_TEST(test_time_wait_syn_fin_gets_challenge_ack)
{
  th_time_wait(th);
  expect_challenge_ack(SL__TCP_SYN | SL__TCP_FIN, th->pseq);
}
END_TEST

/* Only a new connection's SYN may take over a TIME-WAIT connection (RFC
 * 6191); a SYN+FIN, which the listener would drop, leaves it alone. */
START_TEST(test_time_wait_syn_fin_above_rcv_nxt_does_not_take_over)
{
  th_established_passive(th);
  sl__tcp_close(th->t);
  th_expect(th, SL__TCP_FIN | SL__TCP_ACK, th->pack, th->pseq);
  th->pack++;
  th_send(th, SL__TCP_FIN | SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  th->pseq++;
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_TIME_WAIT);
  th_send(th, SL__TCP_SYN | SL__TCP_FIN, th->pseq + 100000, 0, NULL, 0);
  ck_assert_ptr_eq(th_find(th), th->t);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_TIME_WAIT);
}
END_TEST

START_TEST(test_fin_wait_2_rst_closes)
{
  th_fin_wait_2(th);
  th_send(th, SL__TCP_RST, th->pseq, 0, NULL, 0);
  ck_assert_ptr_null(th_find(th));
}
END_TEST

START_TEST(test_close_wait_rst_resets)
{
  char buf[4];

  th_close_wait(th);
  th_send(th, SL__TCP_RST, th->pseq, 0, NULL, 0);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_CLOSED);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), -ECONNRESET);
  ck_assert_uint_eq(th_tcp_stats(th)->estab_resets, 1);
  sl__tcp_close(th->t);
}
END_TEST

START_TEST(test_closing_rst_closes)
{
  th_closing(th);
  th_send(th, SL__TCP_RST, th->pseq, 0, NULL, 0);
  ck_assert_ptr_null(th_find(th));
}
END_TEST

START_TEST(test_last_ack_rst_closes)
{
  th_last_ack(th);
  th_send(th, SL__TCP_RST, th->pseq, 0, NULL, 0);
  ck_assert_ptr_null(th_find(th));
}
END_TEST

START_TEST(test_established_syn_outside_window_gets_ack)
{
  th_established(th);
  th_send(th, SL__TCP_SYN, th->pseq + 100000, 0, NULL, 0);
  /* unacceptable: step one answers with an ACK, nothing else changes */
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
}
END_TEST

START_TEST(test_established_old_duplicate_data_is_reacked)
{
  char buf[8];

  th_established(th);
  th_send_data(th, "abc", 3);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 3);
  th->next = th->nout;
  th_send(th, SL__TCP_ACK, th->pseq - 3, th->pack, "abc", 3);
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), -EAGAIN);
}
END_TEST

START_TEST(test_listen_close_resets_unaccepted_children)
{
  th_established_passive(th);
  th->pport = TH_PPORT + 1;
  th_send(th, SL__TCP_SYN, 777, 0, NULL, 0);
  th_pop(th); /* SYN,ACK of the second, never accepted */
  sl__tcp_close(th->l);
  th_expect(th, SL__TCP_RST | SL__TCP_ACK, th->out[th->next].seg.seq, 778);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED); /* accepted */
  sl__tcp_abort(th->t);
}
END_TEST

/* ---- retransmission and congestion --------------------------------- */

static void
three_data_retries(struct sl__host_config *cfg)
{
  cfg->data_retries = 3;
}

START_TEST(test_rto_backs_off_and_gives_up_with_etimedout)
{
  uint64_t rto;

  th_reinit(th, three_data_retries);
  th_established(th);
  rto = sl__tcp_rto(th->t);
  ck_assert_uint_eq(rto, th->cfg.rto_min_us); /* a 0 us handshake RTT */
  ck_assert_int_eq(sl__tcp_send(th->t, "data", 4), 4);
  th_expect(th, SL__TCP_ACK | SL__TCP_PSH, th->pack, th->pseq);
  for (int i = 0; i < 3; i++) {
    th_advance(th, rto - 1);
    th_expect_nothing(th);
    th_advance(th, 1);
    th_expect(th, SL__TCP_ACK | SL__TCP_PSH, th->pack, th->pseq);
    rto *= 2;
  }
  th_advance(th, rto);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_CLOSED);
  ck_assert_int_eq(sl__tcp_send(th->t, "x", 1), -ETIMEDOUT);
  ck_assert_uint_eq(th_tcp_stats(th)->timeouts, 4);
  sl__tcp_close(th->t);
}
END_TEST

START_TEST(test_rto_karn_no_sample_from_retransmission)
{
  uint64_t srtt;

  th_established(th);
  srtt = th->t->srtt_us;
  sl__tcp_send(th->t, "data", 4);
  th_pop(th);
  th_advance(th, sl__tcp_rto(th->t));
  th_pop(th); /* the retransmission */
  th_advance(th, 50000);
  th_send(th, SL__TCP_ACK, th->pseq, th->pack + 4, NULL, 0);
  ck_assert_uint_eq(th->t->srtt_us, srtt); /* ambiguous: not measured */
  ck_assert_uint_eq(th->t->backoff, 1);    /* kept until a clean sample */
}
END_TEST

START_TEST(test_rtt_sample_sets_rto)
{
  th_established(th);
  sl__tcp_send(th->t, "data", 4);
  th_pop(th);
  th_advance(th, 100000);
  th_send(th, SL__TCP_ACK, th->pseq, th->pack + 4, NULL, 0);
  /* srtt = 7/8 * 0 + 1/8 * 100 ms; rttvar = 3/4 * 0 + 1/4 * 100 ms */
  ck_assert_uint_eq(th->t->srtt_us, 12500);
  ck_assert_uint_eq(th->t->rttvar_us, 25000);
  ck_assert_uint_eq(sl__tcp_rto(th->t), 200000); /* 112.5 ms < minimum */
}
END_TEST

START_TEST(test_three_duplicate_acks_trigger_fast_retransmit)
{
  static char data[5 * 1460];
  uint32_t una = 0;

  th_established(th);
  sl__tcp_set_nodelay(th->t, 1);
  una = th->pack;
  ck_assert_int_eq(sl__tcp_send(th->t, data, sizeof data), sizeof data);
  ck_assert_int_eq(th_pending(th), 3); /* initial window: 3 segments */
  th->next = th->nout;
  /* Segment 1 arrives, segment 2 is lost, 3 (and later ones) arrive. */
  th_send(th, SL__TCP_ACK, th->pseq, una + 1460, NULL, 0);
  th->next = th->nout; /* cwnd grew: more segments went out */
  th_send(th, SL__TCP_ACK, th->pseq, una + 1460, NULL, 0);
  th_send(th, SL__TCP_ACK, th->pseq, una + 1460, NULL, 0);
  th_expect_nothing(th);
  th_send(th, SL__TCP_ACK, th->pseq, una + 1460, NULL, 0);
  ck_assert_uint_eq(th_pop(th)->seg.seq, una + 1460);
  ck_assert_uint_eq(th_tcp_stats(th)->fast_retrans, 1);
  ck_assert(th->t->in_recovery);
  /* A full ACK ends recovery. */
  th_send(th, SL__TCP_ACK, th->pseq, th->t->snd_max, NULL, 0);
  ck_assert(!th->t->in_recovery);
}
END_TEST

/* Found on the hub with 10% loss in both directions: after a timeout
 * pulled SND.NXT back, pure ACKs carried the old number, each side found
 * the other's ACK unacceptable and answered it: an endless ACK war. */
START_TEST(test_rto_pure_ack_after_go_back_carries_snd_max)
{
  static char data[3000];
  const struct th_pkt *p;
  uint32_t max;

  th_established(th);
  sl__tcp_set_nodelay(th->t, 1);
  sl__tcp_send(th->t, data, sizeof data);
  th->next = th->nout;
  max = th->t->snd_max;
  th_advance(th, sl__tcp_rto(th->t)); /* go back: resend the first */
  th->next = th->nout;
  ck_assert_uint_lt(th->t->snd_nxt, max);
  th_send_data(th, "x", 1); /* the peer's data wants an ACK */
  th_advance(th, th->cfg.delack_us);
  p = th_pop(th);
  ck_assert_uint_eq(p->seg.len, 0);
  ck_assert_uint_eq(p->seg.seq, max);
}
END_TEST

/* ---- ephemeral ports -------------------------------------------------- */

#define N_EPHEMERAL (SL__EPHEMERAL_HI - SL__EPHEMERAL_LO + 1)

static void
discard(void *arg, const uint8_t *pkt, size_t len)
{
  (void)arg;
  (void)pkt;
  (void)len;
}

/* A bare host whose packets go nowhere: connect() only sends a SYN. */
static struct sl__host *
quiet_host(void)
{
  struct sl__host_config cfg;
  struct sl__host *h;

  th_config(&cfg);
  h = sl__host_new(TH_HOST, &cfg, discard, NULL);
  ck_assert_ptr_nonnull(h);
  sl__host_poll(h, 1000000);
  return h;
}

/* Connects a new socket to TH_PEER:rport; returns its local port, or the
 * negative errno of connect(). */
static int
connect_to(struct sl__host *h, uint16_t rport)
{
  struct sl__tcb *t = sl__tcp_new(h);
  struct sl__tcp_info info;
  int r;

  ck_assert_ptr_nonnull(t);
  r = sl__tcp_connect(t, TH_PEER, rport);
  if (r != -EINPROGRESS) {
    sl__tcp_close(t);
    return r;
  }
  sl__tcp_get_info(t, &info);
  return info.lport;
}

/* Like Linux, a connection is its 4-tuple: once every ephemeral port
 * has a connection to one server, connections to another server reuse
 * them, and only when a port is left for no remote endpoint does
 * connect() fail, with EADDRNOTAVAIL (Linux's errno). */
/* Connects to TH_PEER:rport until the ports run out: every ephemeral
 * port once, never twice, then EADDRNOTAVAIL. */
static void
every_port_once(struct sl__host *h, uint16_t rport)
{
  static unsigned char seen[65536];
  int p;

  memset(seen, 0, sizeof seen);
  for (int i = 0; i < N_EPHEMERAL; i++) {
    p = connect_to(h, rport);
    ck_assert_int_ge(p, SL__EPHEMERAL_LO);
    ck_assert_msg(!seen[p], "port %d given twice to one remote endpoint", p);
    seen[p] = 1;
  }
  ck_assert_int_eq(connect_to(h, rport), -EADDRNOTAVAIL);
}

START_TEST(test_closed_connect_shares_ephemeral_ports_across_remote_endpoints)
{
  struct sl__host *h = quiet_host();

  every_port_once(h, 80);
  every_port_once(h, 81);
  sl__host_free(h);
}
END_TEST

/* A port a socket bound or listens on is its own: connect() never shares
 * it, and bind() to port 0 finds no free port once connections hold them
 * all (EADDRINUSE, as Linux). */
START_TEST(test_closed_connect_never_shares_a_bound_port)
{
  struct sl__host *h = quiet_host();
  struct sl__tcb *l = sl__tcp_new(h), *b = sl__tcp_new(h);

  ck_assert_int_eq(sl__tcp_bind(l, 0, SL__EPHEMERAL_LO), 0);
  ck_assert_int_eq(sl__tcp_listen(l, 5), 0);
  for (int i = 0; i < N_EPHEMERAL - 1; i++)
    ck_assert_int_ne(connect_to(h, 80), SL__EPHEMERAL_LO);
  for (int i = 0; i < N_EPHEMERAL - 1; i++)
    ck_assert_int_ne(connect_to(h, 81), SL__EPHEMERAL_LO);
  ck_assert_int_eq(connect_to(h, 81), -EADDRNOTAVAIL);
  ck_assert_int_eq(sl__tcp_bind(b, 0, 0), -EADDRINUSE);
  sl__tcp_close(b);
  sl__host_free(h);
}
END_TEST

/* ---- flow control --------------------------------------------------- */

START_TEST(test_zero_window_persist_probes_back_off_until_open)
{
  uint64_t wait;
  const struct th_pkt *p;

  th_established(th);
  th->pwnd = 0;
  th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0); /* window 0 */
  ck_assert_int_eq(sl__tcp_send(th->t, "0123456789", 10), 10);
  th_expect_nothing(th); /* the considerate sender waits */
  wait = sl__tcp_rto(th->t);
  for (int i = 0; i < 3; i++) {
    th_advance(th, wait - 1);
    th_expect_nothing(th);
    th_advance(th, 1);
    p = th_pop(th); /* a probe: one byte into the closed window */
    ck_assert_uint_eq(p->seg.seq, th->pack);
    ck_assert_uint_eq(p->seg.len, 1);
    th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0); /* still 0 */
    wait *= 2;
  }
  ck_assert_uint_eq(th_tcp_stats(th)->persist_probes, 3);
  th->pwnd = 65535;
  th_send(th, SL__TCP_ACK, th->pseq, th->pack, NULL, 0); /* it opens */
  p = th_pop(th);
  ck_assert_uint_eq(p->seg.seq, th->pack);
  ck_assert_uint_eq(p->seg.len, 10);
}
END_TEST

START_TEST(test_receiver_window_shrinks_to_zero_then_updates)
{
  static char data[1460], buf[65536];
  const struct th_pkt *p = NULL;
  int segs = 0;

  th_established(th);
  /* The application does not read: the window falls segment by segment. */
  while (segs < 100) {
    th_send_data(th, data, sizeof data);
    segs++;
    while (th_pending(th) > 0)
      p = th_pop(th);
    if (p != NULL && p->seg.wnd < 1460)
      break;
  }
  ck_assert_ptr_nonnull(p);
  ck_assert_uint_lt(p->seg.wnd, 1460);
  /* Reading makes room and a window update goes out by itself. */
  ck_assert_int_gt(sl__tcp_recv(th->t, buf, sizeof buf, 0), 0);
  p = th_pop(th);
  ck_assert_uint_gt(p->seg.wnd, 2 * 1460);
}
END_TEST

/* ---- reassembly and sequence wrap ----------------------------------- */

START_TEST(test_reassembly_of_reordered_overlapping_segments)
{
  char data[300], buf[400];
  uint32_t base;

  tu_pattern(data, sizeof data, 9);
  th_established(th);
  base = th->pseq;
  th_send(th, SL__TCP_ACK, base + 200, th->pack, data + 200, 100);
  th_expect(th, SL__TCP_ACK, th->pack, base); /* duplicate ACK at once */
  th_send(th, SL__TCP_ACK, base + 50, th->pack, data + 50, 200);
  th_expect(th, SL__TCP_ACK, th->pack, base);
  th_send(th, SL__TCP_ACK, base + 250, th->pack, data + 250, 10); /* dup */
  th_expect(th, SL__TCP_ACK, th->pack, base);
  th_send(th, SL__TCP_ACK, base, th->pack, data, 100); /* fills the gap */
  th_expect(th, SL__TCP_ACK, th->pack, base + 300);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 300);
  ck_assert_int_eq(memcmp(buf, data, 300), 0);
  ck_assert_uint_eq(th->t->ooo_bytes, 0);
}
END_TEST

START_TEST(test_out_of_order_fin_waits_for_the_gap)
{
  char buf[16];
  uint32_t base;

  th_established(th);
  base = th->pseq;
  th_send(th, SL__TCP_ACK | SL__TCP_FIN, base + 5, th->pack, "world", 5);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_ESTABLISHED);
  th_send(th, SL__TCP_ACK, base, th->pack, "hello", 5);
  ck_assert_int_eq(sl__tcp_state(th->t), SL_TCP_CLOSE_WAIT);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 10);
  ck_assert_int_eq(memcmp(buf, "helloworld", 10), 0);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 0);
}
END_TEST

START_TEST(test_sequence_wrap_on_receive)
{
  char data[3000], buf[4000];
  uint32_t base;

  tu_pattern(data, sizeof data, 5);
  th->pseq = 0xfffffa00u; /* the peer's numbers wrap after 1536 bytes */
  th_established(th);
  base = th->pseq;
  th_send(th, SL__TCP_ACK, base + 1460, th->pack, data + 1460, 1460);
  th_send(th, SL__TCP_ACK, base, th->pack, data, 1460);
  th_send(th, SL__TCP_ACK, base + 2920, th->pack, data + 2920, 80);
  ck_assert_int_eq(sl__tcp_recv(th->t, buf, sizeof buf, 0), 3000);
  ck_assert_int_eq(memcmp(buf, data, 3000), 0);
  ck_assert_uint_eq(th->t->rcv_nxt, base + 3000);
  ck_assert_uint_lt(th->t->rcv_nxt, 0x1000u); /* it did wrap */
}
END_TEST

START_TEST(test_sequence_wrap_on_send)
{
  static char data[4000];
  uint32_t iss = 0xfffff800u;

  th_syn_sent(th);
  /* Move our numbers close to 2^32 before the handshake completes. */
  th->t->iss = iss;
  th->t->snd_una = iss;
  th->t->snd_nxt = th->t->snd_max = iss + 1;
  th->t->rtt_timing = 0;
  th->pack = iss + 1;
  th_send(th, SL__TCP_SYN | SL__TCP_ACK, th->pseq, th->pack, NULL, 0);
  th->pseq++;
  th_expect(th, SL__TCP_ACK, th->pack, th->pseq);
  sl__tcp_set_nodelay(th->t, 1);
  ck_assert_int_eq(sl__tcp_send(th->t, data, sizeof data), 4000);
  ck_assert_uint_eq(th_pop(th)->seg.seq, iss + 1);
  ck_assert_uint_eq(th_pop(th)->seg.seq, iss + 1 + 1460);
  th_send(th, SL__TCP_ACK, th->pseq, iss + 1 + 2920, NULL, 0);
  th->next = th->nout;
  th_send(th, SL__TCP_ACK, th->pseq, iss + 1 + 4000, NULL, 0);
  ck_assert_uint_eq(th->t->snd_una, iss + 1 + 4000);
  ck_assert_uint_eq(th->t->sndq.len, 0);
  ck_assert_uint_eq(th->t->timer[SL__TIMER_REXMT], SL__TIME_NEVER);
}
END_TEST

/* ---- malformed input ------------------------------------------------ */

START_TEST(test_malformed_packets_are_counted_and_dropped)
{
  uint8_t pkt[80];
  const struct sl__stats *st = sl__host_stats(th->h);
  struct sl__ip4_hdr ip = {.ttl = 64,
                           .proto = SL__IP_PROTO_TCP,
                           .src = TH_PEER,
                           .dst = TH_HOST,
                           .total_len = 40};
  struct sl__tcp_seg seg = {.sport = 1, .dport = TH_PORT, .flags = SL__TCP_SYN};

  th_listen(th);
  /* short, wrong version, bad header checksum */
  th_send_raw(th, pkt, 10);
  memset(pkt, 0, sizeof pkt);
  sl__ip4_write(pkt, 20, &ip);
  sl__tcp_write(pkt + 20, 60, TH_PEER, TH_HOST, &seg);
  pkt[0] = 0x65;
  th_send_raw(th, pkt, 40);
  pkt[0] = 0x45;
  pkt[10] ^= 1;
  th_send_raw(th, pkt, 40);
  pkt[10] ^= 1;
  /* TCP: a bad checksum is malformed; a SYN+FIN is well formed, and the
   * listener drops it (counted apart, not as an error) */
  pkt[20 + 16] ^= 1;
  th_send_raw(th, pkt, 40);
  pkt[20 + 16] ^= 1;
  seg.flags = SL__TCP_SYN | SL__TCP_FIN;
  sl__tcp_write(pkt + 20, 60, TH_PEER, TH_HOST, &seg);
  th_send_raw(th, pkt, 40);
  th_expect_nothing(th);
  ck_assert_uint_eq(st->ip.drops[SL__DROP_IP_SHORT], 1);
  ck_assert_uint_eq(st->ip.drops[SL__DROP_IP_VERSION], 1);
  ck_assert_uint_eq(st->ip.drops[SL__DROP_IP_CSUM], 1);
  ck_assert_uint_eq(st->ip.in_hdr_errors, 3);
  ck_assert_uint_eq(st->tcp.in_csum_errors, 1);
  ck_assert_uint_eq(st->ip.drops[SL__DROP_TCP_FLAGS], 1);
  ck_assert_uint_eq(st->tcp.in_errs, 1);
  ck_assert_uint_eq(th->l->syn_q_len, 0);
}
END_TEST

/* ---- two hosts over the simulated link ------------------------------ */

static struct pair pair_;

START_TEST(test_sim_mss_1460_vs_1400_client_segments_at_most_1400)
{
  struct sl__xfer x = {
      .seed = 7, .bytes = 100000, .mss_client = 1460, .mss_server = 1400};

  ck_assert_int_eq(sl__xfer_run(&x), 0);
  ck_assert_uint_eq(x.max_seg_client, 1400);
  ck_assert(x.client_closed && x.server_closed && x.server_eof);
}
END_TEST

START_TEST(test_sim_clean_transfer_closes_cleanly)
{
  struct sl__xfer x = {.seed = 3, .bytes = 1 << 20};

  ck_assert_int_eq(sl__xfer_run(&x), 0);
  ck_assert_uint_eq(x.received, 1 << 20);
  ck_assert_uint_eq(x.client_stats.tcp.retrans_segs, 0);
  ck_assert_uint_eq(x.client_stats.tcp.active_opens, 1);
  ck_assert_uint_eq(x.server_stats.tcp.passive_opens, 1);
  ck_assert_uint_eq(x.client_stats.tcp.bad_transitions, 0);
  ck_assert_uint_eq(x.server_stats.tcp.bad_transitions, 0);
}
END_TEST

/* The property: whatever the wire does, the bytes arrive identical. */
START_TEST(test_sim_lossy_transfer_identical_over_50_seeds)
{
  for (uint64_t seed = 1; seed <= 50; seed++) {
    struct sl__xfer x = {.seed = seed,
                         .bytes = 1 << 20,
                         .faults = {.loss = 0.10,
                                    .reorder = 0.05,
                                    .dup = 0.01,
                                    .corrupt = 0.01,
                                    .delay_us = 1000}};
    int r = sl__xfer_run(&x);

    ck_assert_msg(r == 0, "seed %llu: %s; %llu of %llu bytes, identical %d",
                  (unsigned long long)seed, strerror(-r),
                  (unsigned long long)x.received, (unsigned long long)x.bytes,
                  x.identical);
    ck_assert(x.wire.drop_loss > 0 && x.wire.corrupted > 0);
    ck_assert_uint_eq(x.client_stats.tcp.bad_transitions, 0);
    ck_assert_uint_eq(x.server_stats.tcp.bad_transitions, 0);
  }
}
END_TEST

/* Both directions at once (an echo), both lossy: what found the ACK war
 * that one-way transfers cannot show. */
START_TEST(test_sim_lossy_echo_identical_over_20_seeds)
{
  for (uint64_t seed = 1; seed <= 20; seed++) {
    struct sl__xfer x = {.seed = seed,
                         .bytes = 256 << 10,
                         .echo = 1,
                         .faults = {.loss = 0.10,
                                    .reorder = 0.05,
                                    .dup = 0.01,
                                    .corrupt = 0.01,
                                    .delay_us = 1000}};
    int r = sl__xfer_run(&x);

    ck_assert_msg(r == 0, "seed %llu: %s; %llu sent, %llu echoed",
                  (unsigned long long)seed, strerror(-r),
                  (unsigned long long)x.received, (unsigned long long)x.echoed);
    ck_assert_uint_eq(x.client_stats.tcp.bad_transitions, 0);
    ck_assert_uint_eq(x.server_stats.tcp.bad_transitions, 0);
  }
}
END_TEST

/* A server that reads nothing for 1.5 s behind a 4 KB buffer: its window
 * closes, the client probes it instead of giving up, and once the server
 * reads again every byte arrives. */
START_TEST(test_sim_sleeping_server_is_probed_then_gets_everything)
{
  struct sl__xfer x = {.seed = 5,
                       .bytes = 20000,
                       .server_rcvbuf = 4096,
                       .server_sleep_us = 1500000,
                       .faults = {.delay_us = 1000}};

  ck_assert_int_eq(sl__xfer_run(&x), 0);
  ck_assert_uint_eq(x.received, 20000);
  ck_assert_uint_ge(x.client_stats.tcp.persist_probes, 2);
  ck_assert_uint_eq(x.client_stats.tcp.timeouts, 0);
  /* Woken at the end of its sleep, not by the next probe (near 3 s). */
  ck_assert_uint_gt(x.closed_us, 1500000);
  ck_assert_uint_lt(x.closed_us, 1600000);
}
END_TEST

START_TEST(test_sim_same_seed_same_run)
{
  uint64_t dur[2], segs[2];

  for (int i = 0; i < 2; i++) {
    struct sl__xfer x = {
        .seed = 99,
        .bytes = 200000,
        .faults = {.loss = 0.05, .reorder = 0.05, .delay_us = 500}};
    ck_assert_int_eq(sl__xfer_run(&x), 0);
    dur[i] = x.duration_us;
    segs[i] = x.client_stats.tcp.out_segs + x.client_stats.tcp.retrans_segs;
  }
  ck_assert_uint_eq(dur[0], dur[1]);
  ck_assert_uint_eq(segs[0], segs[1]);
}
END_TEST

static void
close_both(struct pair *p, struct sl__tcb *a, struct sl__tcb *b)
{
  pair_sync(p);
  sl__tcp_close(a);
  sl__tcp_close(b);
  sl__sim_run(p->sim, NULL, NULL, 100000);
}

START_TEST(test_sim_simultaneous_close_goes_through_closing)
{
  struct sl__tcb *l, *c, *s = NULL;

  pair_init(&pair_, 11, NULL, NULL);
  sl__sim_set_faults(pair_.sim, &(struct sl__sim_faults){.delay_us = 1000});
  l = sl__tcp_new(pair_.b);
  sl__tcp_bind(l, 0, 80);
  sl__tcp_listen(l, 1);
  c = sl__tcp_new(pair_.a);
  sl__tcp_connect(c, PAIR_B, 80);
  sl__sim_run(pair_.sim, NULL, NULL, 50000);
  pair_sync(&pair_);
  ck_assert_int_eq(sl__tcp_accept(l, &s), 0);
  /* Both FINs are on the wire before either arrives. */
  pair_sync(&pair_);
  ck_assert_int_eq(sl__tcp_shutdown(c, SHUT_WR), 0);
  ck_assert_int_eq(sl__tcp_shutdown(s, SHUT_WR), 0);
  sl__sim_run(pair_.sim, NULL, NULL, 1500);
  ck_assert_int_eq(sl__tcp_state(c), SL_TCP_CLOSING);
  ck_assert_int_eq(sl__tcp_state(s), SL_TCP_CLOSING);
  sl__sim_run(pair_.sim, NULL, NULL, 10000);
  ck_assert_int_eq(sl__tcp_state(c), SL_TCP_TIME_WAIT);
  ck_assert_int_eq(sl__tcp_state(s), SL_TCP_TIME_WAIT);
  close_both(&pair_, c, s);
  sl__tcp_close(l);
  pair_free(&pair_);
}
END_TEST

START_TEST(test_sim_simultaneous_open_establishes_both)
{
  struct sl__tcb *a, *b;

  pair_init(&pair_, 13, NULL, NULL);
  sl__sim_set_faults(pair_.sim, &(struct sl__sim_faults){.delay_us = 1000});
  a = sl__tcp_new(pair_.a);
  b = sl__tcp_new(pair_.b);
  ck_assert_int_eq(sl__tcp_bind(a, 0, 5000), 0);
  ck_assert_int_eq(sl__tcp_bind(b, 0, 6000), 0);
  ck_assert_int_eq(sl__tcp_connect(a, PAIR_B, 6000), -EINPROGRESS);
  ck_assert_int_eq(sl__tcp_connect(b, PAIR_A, 5000), -EINPROGRESS);
  sl__sim_run(pair_.sim, NULL, NULL, 1500);
  ck_assert_int_eq(sl__tcp_state(a), SL_TCP_SYN_RECEIVED);
  ck_assert_int_eq(sl__tcp_state(b), SL_TCP_SYN_RECEIVED);
  sl__sim_run(pair_.sim, NULL, NULL, 10000);
  ck_assert_int_eq(sl__tcp_state(a), SL_TCP_ESTABLISHED);
  ck_assert_int_eq(sl__tcp_state(b), SL_TCP_ESTABLISHED);
  ck_assert_int_eq(sl__tcp_connect_result(a), 0);
  ck_assert_int_eq(sl__tcp_connect_result(b), 0);
  close_both(&pair_, a, b);
  pair_free(&pair_);
}
END_TEST

/* ---- state names ---------------------------------------------------- */

START_TEST(test_state_names_in_three_spellings)
{
  ck_assert_str_eq(sl_tcp_state_rfc(SL_TCP_SYN_RECEIVED), "SYN-RECEIVED");
  ck_assert_str_eq(sl_tcp_state_netstat(SL_TCP_SYN_RECEIVED), "SYN_RECV");
  ck_assert_str_eq(sl_tcp_state_ss(SL_TCP_SYN_RECEIVED), "SYN-RECV");
  ck_assert_str_eq(sl_tcp_state_netstat(SL_TCP_FIN_WAIT_1), "FIN_WAIT1");
  /* Any spelling reads back, BSD's (the lecture notes') included. */
  ck_assert_int_eq(sl_tcp_state_from_name("SYN-RECEIVED"), SL_TCP_SYN_RECEIVED);
  ck_assert_int_eq(sl_tcp_state_from_name("SYN_RECV"), SL_TCP_SYN_RECEIVED);
  ck_assert_int_eq(sl_tcp_state_from_name("SYN_RCVD"), SL_TCP_SYN_RECEIVED);
  ck_assert_int_eq(sl_tcp_state_from_name("FIN_WAIT_2"), SL_TCP_FIN_WAIT_2);
  ck_assert_int_eq(sl_tcp_state_from_name("SYN_RECEIVED"), -1);
  ck_assert_ptr_null(sl_tcp_state_rfc(SL_TCP_NSTATES));
  ck_assert(sl__tcp_transition_ok(SL_TCP_FIN_WAIT_1, SL_TCP_CLOSING));
  ck_assert(!sl__tcp_transition_ok(SL_TCP_LISTEN, SL_TCP_ESTABLISHED));
  ck_assert(!sl__tcp_transition_ok(SL_TCP_TIME_WAIT, SL_TCP_ESTABLISHED));
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
tcp_suite(void)
{
  Suite *s = suite_create("tcp");
  TCase *tc;

  tc = tcase(s, "LISTEN");
  tcase_add_test(tc, test_listen_syn_sends_synack_with_mss);
  tcase_add_test(tc, test_listen_ack_gets_reset_from_ack_field);
  tcase_add_test(tc, test_listen_rst_is_ignored);
  tcase_add_test(tc, test_listen_syn_flood_evicts_oldest_syn_received);
  tcase_add_test(tc, test_listen_evicted_syn_received_ack_gets_reset);
  tcase_add_test(tc, test_listen_full_accept_queue_drops_syn);
  tcase_add_test(tc, test_listen_syn_flood_keeps_syn_queue_at_backlog);
  tcase_add_test(tc, test_listen_small_backlog_admits_concurrent_handshakes);
  tcase_add_test(tc, test_closed_port_segment_gets_reset);
  tcase_add_test(tc, test_closed_port_syn_fin_gets_reset);
  tcase_add_test(tc, test_listen_syn_fin_and_syn_rst_are_dropped);
  tcase_add_test(tc, test_listen_close_resets_unaccepted_children);

  tc = tcase(s, "SYN_RECEIVED");
  tcase_add_test(tc, test_syn_received_ack_establishes_and_accepts);
  tcase_add_test(tc, test_syn_received_ack_with_data_is_delivered);
  tcase_add_test(tc, test_syn_received_rst_removes_child);
  tcase_add_test(tc, test_syn_received_duplicate_syn_resends_synack);
  tcase_add_test(tc, test_syn_received_old_syn_rst_is_dropped);
  tcase_add_test(tc, test_syn_received_ack_beyond_snd_nxt_gets_ack);
  tcase_add_test(tc, test_syn_received_ack_of_iss_gets_reset);
  tcase_add_test(tc, test_syn_received_timeout_backs_off_then_gives_up);

  tc = tcase(s, "SYN_SENT");
  tcase_add_test(tc, test_syn_sent_synack_establishes);
  tcase_add_test(tc, test_syn_sent_rst_with_ack_is_refused);
  tcase_add_test(tc, test_syn_sent_rst_without_ack_is_ignored);
  tcase_add_test(tc, test_syn_sent_syn_rst_with_ack_is_refused);
  tcase_add_test(tc, test_syn_sent_syn_fin_ack_is_dropped);
  tcase_add_test(tc, test_syn_sent_bad_ack_gets_reset);
  tcase_add_test(tc, test_syn_sent_syn_is_simultaneous_open);
  tcase_add_test(tc, test_syn_sent_timeout_backs_off_then_etimedout);
  tcase_add_test(tc, test_syn_sent_icmp_quoting_another_seq_is_ignored);
  tcase_add_test(tc, test_syn_sent_icmp_quoting_the_syn_is_refused);

  tc = tcase(s, "ESTABLISHED");
  tcase_add_test(tc, test_established_data_in_is_delivered_and_ack_delayed);
  tcase_add_test(tc, test_established_two_full_segments_ack_at_once);
  tcase_add_test(tc,
                 test_established_two_full_segments_of_peer_mss_ack_at_once);
  tcase_add_test(tc, test_established_delayed_ack_off_acks_every_segment);
  tcase_add_test(tc, test_established_fin_enters_close_wait_and_eof);
  tcase_add_test(tc, test_established_rst_at_rcv_nxt_resets);
  tcase_add_test(tc, test_established_rst_in_window_gets_challenge_ack);
  tcase_add_test(tc, test_established_rst_outside_window_is_ignored);
  tcase_add_test(tc, test_established_syn_gets_challenge_ack);
  tcase_add_test(tc, test_established_syn_fin_gets_challenge_ack);
  tcase_add_test(tc, test_established_syn_rst_at_rcv_nxt_resets);
  tcase_add_test(tc, test_established_syn_rst_in_window_gets_challenge_ack);
  tcase_add_test(tc, test_established_icmp_with_nothing_in_flight_is_ignored);
  tcase_add_test(tc, test_established_challenge_acks_are_rate_limited);
  tcase_add_test(tc, test_established_data_beyond_window_is_acked_and_dropped);
  tcase_add_test(tc, test_established_ack_of_unsent_data_gets_challenge_ack);
  tcase_add_test(tc, test_established_nagle_holds_small_tail_until_ack);
  tcase_add_test(tc, test_established_nodelay_sends_small_tail_at_once);
  tcase_add_test(tc, test_established_peer_mss_limits_segments);
  tcase_add_test(tc, test_established_shutdown_wr_is_half_close);
  tcase_add_test(tc, test_established_shutdown_cause_names_the_call);
  tcase_add_test(tc, test_established_shutdown_rd_then_data_is_still_readable);
  tcase_add_test(tc, test_established_shutdown_rd_data_read_close_sends_fin);
  tcase_add_test(tc, test_established_linger_zero_close_sends_rst);
  tcase_add_test(tc, test_established_close_with_unread_data_sends_rst);
  tcase_add_test(tc, test_established_syn_outside_window_gets_ack);
  tcase_add_test(tc, test_established_old_duplicate_data_is_reacked);

  tc = tcase(s, "FIN_WAIT_1");
  tcase_add_test(tc, test_fin_wait_1_ack_of_fin_enters_fin_wait_2);
  tcase_add_test(tc, test_fin_wait_1_fin_enters_closing);
  tcase_add_test(tc, test_fin_wait_1_fin_with_ack_of_fin_enters_time_wait);
  tcase_add_test(tc, test_fin_wait_1_fin_is_retransmitted);
  tcase_add_test(tc, test_fin_wait_1_rst_closes);

  tc = tcase(s, "FIN_WAIT_2");
  tcase_add_test(tc, test_fin_wait_2_fin_enters_time_wait);
  tcase_add_test(tc, test_fin_wait_2_orphan_times_out);
  tcase_add_test(tc, test_fin_wait_2_data_after_close_gets_reset);
  tcase_add_test(tc, test_fin_wait_2_rst_closes);

  tc = tcase(s, "CLOSE_WAIT");
  tcase_add_test(tc, test_close_wait_close_enters_last_ack);
  tcase_add_test(tc, test_close_wait_data_is_ignored);
  tcase_add_test(tc, test_close_wait_rst_resets);

  tc = tcase(s, "CLOSING");
  tcase_add_test(tc, test_closing_ack_of_fin_enters_time_wait);
  tcase_add_test(tc, test_closing_rst_closes);

  tc = tcase(s, "LAST_ACK");
  tcase_add_test(tc, test_last_ack_ack_of_fin_closes);
  tcase_add_test(tc, test_last_ack_fin_is_retransmitted);
  tcase_add_test(tc, test_last_ack_rst_closes);

  tc = tcase(s, "TIME_WAIT");
  tcase_add_test(tc, test_time_wait_lasts_exactly_2msl);
  tcase_add_test(tc, test_time_wait_retransmitted_fin_reacked_and_restarts);
  tcase_add_test(tc, test_time_wait_rst_closes);
  tcase_add_test(tc, test_time_wait_old_syn_fin_does_not_restart_2msl);
  tcase_add_test(tc, test_time_wait_syn_fin_gets_challenge_ack);
  tcase_add_test(tc, test_time_wait_syn_fin_above_rcv_nxt_does_not_take_over);

  tc = tcase(s, "retransmission");
  tcase_add_test(tc, test_rto_backs_off_and_gives_up_with_etimedout);
  tcase_add_test(tc, test_rto_karn_no_sample_from_retransmission);
  tcase_add_test(tc, test_rtt_sample_sets_rto);
  tcase_add_test(tc, test_three_duplicate_acks_trigger_fast_retransmit);
  tcase_add_test(tc, test_rto_pure_ack_after_go_back_carries_snd_max);

  tc = tcase(s, "ports");
  tcase_set_timeout(tc, 120);
  tcase_add_test(
      tc, test_closed_connect_shares_ephemeral_ports_across_remote_endpoints);
  tcase_add_test(tc, test_closed_connect_never_shares_a_bound_port);

  tc = tcase(s, "flow_control");
  tcase_add_test(tc, test_zero_window_persist_probes_back_off_until_open);
  tcase_add_test(tc, test_receiver_window_shrinks_to_zero_then_updates);

  tc = tcase(s, "reassembly");
  tcase_add_test(tc, test_reassembly_of_reordered_overlapping_segments);
  tcase_add_test(tc, test_out_of_order_fin_waits_for_the_gap);
  tcase_add_test(tc, test_sequence_wrap_on_receive);
  tcase_add_test(tc, test_sequence_wrap_on_send);

  tc = tcase(s, "malformed");
  tcase_add_test(tc, test_malformed_packets_are_counted_and_dropped);

  tc = tcase(s, "sim");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_sim_mss_1460_vs_1400_client_segments_at_most_1400);
  tcase_add_test(tc, test_sim_clean_transfer_closes_cleanly);
  tcase_add_test(tc, test_sim_lossy_transfer_identical_over_50_seeds);
  tcase_add_test(tc, test_sim_lossy_echo_identical_over_20_seeds);
  tcase_add_test(tc, test_sim_same_seed_same_run);
  tcase_add_test(tc, test_sim_sleeping_server_is_probed_then_gets_everything);
  tcase_add_test(tc, test_sim_simultaneous_close_goes_through_closing);
  tcase_add_test(tc, test_sim_simultaneous_open_establishes_both);

  tc = tcase(s, "names");
  tcase_add_test(tc, test_state_names_in_three_spellings);
  return s;
}
