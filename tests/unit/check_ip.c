/* IPv4 input at the host (lib/core/host.c, RFC 791 and RFC 1122 section
 * 3.2): which datagrams reach TCP, UDP and ICMP, which are dropped and
 * counted, and when an ICMP error goes back.  Each test sends the host
 * one hand-made datagram (addresses, TTL, IP options as the test wants)
 * and checks what the host sends and counts. */
#include <check.h>
#include <string.h>

#include "suites.h"
#include "tcp_harness.h"

static struct th *th = &th_fixture;

/* Sends the host one datagram: a header with optlen bytes of IP options
 * (a multiple of 4) from src to dst with ttl, then the payload. */
static void
send_ip(uint32_t src, uint32_t dst, uint8_t ttl, uint8_t proto,
        const uint8_t *opt, size_t optlen, const uint8_t *payload, size_t len)
{
  static uint8_t pkt[2048];
  struct sl__ip4_hdr ip = {.ttl = ttl, .proto = proto, .src = src, .dst = dst};
  size_t hl = SL__IP4_HDR_LEN + optlen;

  ck_assert_uint_eq(optlen % 4, 0);
  ck_assert_uint_le(hl + len, sizeof pkt);
  ip.total_len = (uint16_t)(hl + len);
  sl__ip4_write(pkt, SL__IP4_HDR_LEN, &ip);
  if (optlen > 0)
    memcpy(pkt + SL__IP4_HDR_LEN, opt, optlen);
  if (len > 0)
    memcpy(pkt + hl, payload, len);
  pkt[0] = (uint8_t)(4 << 4 | hl / 4);
  sl__put16(pkt + 10, 0);
  sl__put16(pkt + 10, sl__inet_csum(pkt, hl));
  th_send_raw(th, pkt, hl + len);
}

/* Sends a TCP segment without data or ACK from src:sport to dst:TH_PORT;
 * its checksum covers those addresses, as a real sender's would. */
static void
send_tcp(uint32_t src, uint32_t dst, uint8_t ttl, uint16_t sport, uint8_t flags,
         uint32_t seq)
{
  uint8_t seg[SL__TCP_HDR_LEN];
  struct sl__tcp_seg s = {.sport = sport,
                          .dport = TH_PORT,
                          .seq = seq,
                          .flags = flags,
                          .wnd = 65535};
  size_t n = sl__tcp_write(seg, sizeof seg, src, dst, &s);

  ck_assert_uint_gt(n, 0);
  send_ip(src, dst, ttl, SL__IP_PROTO_TCP, NULL, 0, seg, n);
}

/* ---- TTL ------------------------------------------------------------- */

/* RFC 1122 3.2.1.7: the TTL concerns routers; a host takes a datagram
 * addressed to it whatever its TTL, 0 and 1 included. */
START_TEST(test_listen_syn_with_ttl_0_or_1_gets_synack)
{
  th_listen(th);
  send_tcp(TH_PEER, TH_HOST, 0, TH_PPORT, SL__TCP_SYN, 1000);
  th_expect(th, SL__TCP_SYN | SL__TCP_ACK, th->out[0].seg.seq, 1001);
  send_tcp(TH_PEER, TH_HOST, 1, TH_PPORT + 1, SL__TCP_SYN, 2000);
  th_expect(th, SL__TCP_SYN | SL__TCP_ACK, th->out[1].seg.seq, 2001);
  ck_assert_uint_eq(th->l->syn_q_len, 2);
  ck_assert_uint_eq(sl__host_stats(th->h)->ip.in_hdr_errors, 0);
}
END_TEST

/* ---- impossible addresses (RFC 1122 3.2.1.3) --------------------------- */

/* Sources no datagram from the link can have: limited broadcast,
 * multicast, class E, "this network" (0/8), loopback (127/8) and the
 * host's own address, which only its own loopback carries. */
static const uint32_t martians[] = {
    0xffffffffu, /* 255.255.255.255 */
    0xe0000001u, /* 224.0.0.1 */
    0xeffffffau, /* 239.255.255.250 */
    0xf0000001u, /* 240.0.0.1 */
    0x00000000u, /* 0.0.0.0 */
    0x00010203u, /* 0.1.2.3 */
    0x7f000001u, /* 127.0.0.1 */
    0x7f0a0b0cu, /* 127.10.11.12 */
    TH_HOST,
};
enum { N_MARTIANS = sizeof martians / sizeof martians[0] };

/* One datagram came from each of them: all were counted and dropped
 * before TCP, UDP or ICMP saw them, and nothing went back. */
static void
expect_martians_dropped(void)
{
  const struct sl__ip_stats *ip = &sl__host_stats(th->h)->ip;

  th_expect_nothing(th);
  ck_assert_uint_eq(ip->in_martian_srcs, N_MARTIANS);
  ck_assert_uint_eq(ip->drops[SL__DROP_IP_SRC], N_MARTIANS);
  ck_assert_uint_eq(ip->in_delivers, 0);
}

/* A SYN from such a source takes no half-open slot and gets no SYN,ACK:
 * it could only flood someone else with the answers. */
START_TEST(test_listen_syn_from_bad_source_is_dropped)
{
  th_listen(th);
  for (int i = 0; i < N_MARTIANS; i++)
    send_tcp(martians[i], TH_HOST, 64, TH_PPORT, SL__TCP_SYN, 1000);
  expect_martians_dropped();
  ck_assert_uint_eq(th->l->syn_q_len, 0);
}
END_TEST

START_TEST(test_closed_port_syn_from_bad_source_gets_no_reset)
{
  for (int i = 0; i < N_MARTIANS; i++)
    send_tcp(martians[i], TH_HOST, 64, TH_PPORT, SL__TCP_SYN, 1000);
  expect_martians_dropped();
  ck_assert_uint_eq(th_tcp_stats(th)->out_rsts, 0);
}
END_TEST

/* RFC 1122 3.2.2: never an ICMP error about a datagram whose source is not
 * one host, and never an echo reply to a broadcast. */
START_TEST(test_closed_udp_port_from_bad_source_gets_no_icmp)
{
  uint8_t d[SL__UDP_HDR_LEN + 4];
  struct sl__udp_dgram u = {
      .sport = 53, .dport = 9999, .data = (const uint8_t *)"ping", .len = 4};

  for (int i = 0; i < N_MARTIANS; i++) {
    size_t n = sl__udp_write(d, sizeof d, martians[i], TH_HOST, &u);
    send_ip(martians[i], TH_HOST, 64, SL__IP_PROTO_UDP, NULL, 0, d, n);
  }
  expect_martians_dropped();
}
END_TEST

START_TEST(test_icmp_echo_from_bad_source_gets_no_reply)
{
  uint8_t msg[SL__ICMP_HDR_LEN + 4];
  struct sl__icmp_msg m = {.type = SL__ICMP_ECHO,
                           .id = 7,
                           .seq = 1,
                           .data = (const uint8_t *)"ping",
                           .len = 4};
  size_t n = sl__icmp_write(msg, sizeof msg, &m);

  for (int i = 0; i < N_MARTIANS; i++)
    send_ip(martians[i], TH_HOST, 64, SL__IP_PROTO_ICMP, NULL, 0, msg, n);
  expect_martians_dropped();
}
END_TEST

/* RFC 1122 4.2.3.10 and 3.2.2: a segment to a broadcast or multicast
 * address gets neither a reset nor an ICMP error; it is not for us. */
START_TEST(test_closed_port_syn_to_broadcast_gets_nothing)
{
  th_listen(th);
  send_tcp(TH_PEER, 0xffffffffu, 64, TH_PPORT, SL__TCP_SYN, 1000);
  send_tcp(TH_PEER, 0xe0000001u, 64, TH_PPORT, SL__TCP_SYN, 1000);
  th_expect_nothing(th);
  ck_assert_uint_eq(th->l->syn_q_len, 0);
  ck_assert_uint_eq(sl__host_stats(th->h)->ip.in_addr_errors, 2);
}
END_TEST

/* The host's own address is a valid source on its loopback, where the
 * datagrams it sends itself come back (a program connecting to itself). */
START_TEST(test_listen_syn_from_own_address_on_loopback_gets_synack)
{
  uint8_t pkt[SL__IP4_HDR_LEN + SL__TCP_HDR_LEN];
  struct sl__tcp_seg s = {
      .sport = TH_PPORT, .dport = TH_PORT, .seq = 1000, .flags = SL__TCP_SYN};
  struct sl__ip4_hdr ip = {.ttl = 64,
                           .proto = SL__IP_PROTO_TCP,
                           .src = TH_HOST,
                           .dst = TH_HOST,
                           .total_len = sizeof pkt};

  th_listen(th);
  sl__ip4_write(pkt, SL__IP4_HDR_LEN, &ip);
  sl__tcp_write(pkt + SL__IP4_HDR_LEN, SL__TCP_HDR_LEN, TH_HOST, TH_HOST, &s);
  sl__host_input_loopback(th->h, pkt, sizeof pkt, th->now);
  ck_assert_uint_eq(th_pop(th)->ip.dst, TH_HOST);
  ck_assert_uint_eq(th->l->syn_q_len, 1);
  ck_assert_uint_eq(sl__host_stats(th->h)->ip.in_martian_srcs, 0);
}
END_TEST

/* ---- IP options (RFC 791 3.1, RFC 1122 3.2.1.8 and 3.2.2.5) ----------- */

/* Options areas with one malformed option each, and the offset in the
 * header of the octet that is wrong: the length octet, or the option's
 * type octet when the header ends before its length. */
static const struct {
  uint8_t opt[4];
  uint8_t pointer;
} bad_options[] = {
    {{0x07, 0x00, 0x00, 0x00}, 21}, /* record route, length 0 */
    {{0x07, 0x01, 0x00, 0x00}, 21}, /* length 1 */
    {{0x01, 0x07, 0x08, 0x00}, 22}, /* NOP, then 8 bytes in the 3 left */
    {{0x01, 0x01, 0x01, 0x44}, 23}, /* timestamp with no room for a length */
};
enum { N_BAD_OPTIONS = sizeof bad_options / sizeof bad_options[0] };

static void
send_syn_with_options(uint32_t src, uint32_t dst, const uint8_t *opt)
{
  uint8_t seg[SL__TCP_HDR_LEN];
  struct sl__tcp_seg s = {
      .sport = TH_PPORT, .dport = TH_PORT, .seq = 1000, .flags = SL__TCP_SYN};
  size_t n = sl__tcp_write(seg, sizeof seg, src, dst, &s);

  send_ip(src, dst, 64, SL__IP_PROTO_TCP, opt, 4, seg, n);
}

/* RFC 1122 3.2.2.5: a host SHOULD send a parameter problem, whose pointer
 * names the octet in error (RFC 792), and the datagram goes no further:
 * no SYN,ACK, no reset. */
START_TEST(test_listen_syn_with_bad_ip_option_gets_parameter_problem)
{
  const struct sl__stats *st = sl__host_stats(th->h);

  th_listen(th);
  for (int i = 0; i < N_BAD_OPTIONS; i++) {
    const struct th_pkt *p;
    struct sl__icmp_msg m;

    send_syn_with_options(TH_PEER, TH_HOST, bad_options[i].opt);
    p = th_pop(th);
    ck_assert_uint_eq(p->ip.proto, SL__IP_PROTO_ICMP);
    ck_assert_uint_eq(p->ip.dst, TH_PEER);
    ck_assert_int_eq(sl__icmp_parse(p->bytes + p->ip.hdr_len,
                                    sl__ip4_payload_len(&p->ip), &m),
                     0);
    ck_assert_uint_eq(m.type, SL__ICMP_PARAM_PROBLEM);
    ck_assert_uint_eq(m.code, 0);
    ck_assert_uint_eq(m.id >> 8, bad_options[i].pointer);
    /* The quote: the whole header, options included, and 8 bytes. */
    ck_assert_uint_eq(m.len, 24 + 8);
    ck_assert_int_eq(memcmp(m.data + 20, bad_options[i].opt, 4), 0);
  }
  th_expect_nothing(th);
  ck_assert_uint_eq(th->l->syn_q_len, 0);
  ck_assert_uint_eq(st->icmp.out_parm_probs, N_BAD_OPTIONS);
  ck_assert_uint_eq(st->ip.in_hdr_errors, N_BAD_OPTIONS);
  ck_assert_uint_eq(st->ip.drops[SL__DROP_IP_OPT], N_BAD_OPTIONS);
}
END_TEST

/* Never an ICMP error about a datagram from or to an address that names
 * no host (RFC 1122 3.2.2), malformed or not. */
START_TEST(test_listen_bad_ip_option_from_bad_source_gets_nothing)
{
  th_listen(th);
  send_syn_with_options(0xffffffffu, TH_HOST, bad_options[0].opt);
  send_syn_with_options(0xe0000001u, TH_HOST, bad_options[0].opt);
  send_syn_with_options(TH_PEER, 0xffffffffu, bad_options[0].opt);
  send_syn_with_options(TH_HOST, TH_HOST, bad_options[0].opt);
  th_expect_nothing(th);
  ck_assert_uint_eq(sl__host_stats(th->h)->ip.drops[SL__DROP_IP_OPT], 4);
}
END_TEST

/* Well-formed options the host does not know are skipped (RFC 1122
 * 3.2.1.8): NOPs, an end of list, a router alert (RFC 2113). */
START_TEST(test_listen_syn_with_unknown_ip_options_gets_synack)
{
  static const uint8_t nops[4] = {0x01, 0x01, 0x01, 0x00};
  static const uint8_t alert[4] = {0x94, 0x04, 0x00, 0x00};

  th_listen(th);
  send_syn_with_options(TH_PEER, TH_HOST, nops);
  th_expect(th, SL__TCP_SYN | SL__TCP_ACK, th->out[0].seg.seq, 1001);
  /* The same SYN again: SYN-RECEIVED sends its SYN,ACK again. */
  send_syn_with_options(TH_PEER, TH_HOST, alert);
  th_expect(th, SL__TCP_SYN | SL__TCP_ACK, th->out[0].seg.seq, 1001);
  ck_assert_uint_eq(sl__host_stats(th->h)->ip.in_hdr_errors, 0);
}
END_TEST

Suite *
ip_suite(void)
{
  Suite *s = suite_create("ip");
  TCase *tc = tcase_create("ttl");

  tcase_add_checked_fixture(tc, th_setup, th_teardown);
  tcase_add_test(tc, test_listen_syn_with_ttl_0_or_1_gets_synack);
  suite_add_tcase(s, tc);

  tc = tcase_create("addresses");
  tcase_add_checked_fixture(tc, th_setup, th_teardown);
  tcase_add_test(tc, test_listen_syn_from_bad_source_is_dropped);
  tcase_add_test(tc, test_closed_port_syn_from_bad_source_gets_no_reset);
  tcase_add_test(tc, test_closed_udp_port_from_bad_source_gets_no_icmp);
  tcase_add_test(tc, test_icmp_echo_from_bad_source_gets_no_reply);
  tcase_add_test(tc, test_closed_port_syn_to_broadcast_gets_nothing);
  tcase_add_test(tc, test_listen_syn_from_own_address_on_loopback_gets_synack);
  suite_add_tcase(s, tc);

  tc = tcase_create("options");
  tcase_add_checked_fixture(tc, th_setup, th_teardown);
  tcase_add_test(tc, test_listen_syn_with_bad_ip_option_gets_parameter_problem);
  tcase_add_test(tc, test_listen_bad_ip_option_from_bad_source_gets_nothing);
  tcase_add_test(tc, test_listen_syn_with_unknown_ip_options_gets_synack);
  suite_add_tcase(s, tc);
  return s;
}
