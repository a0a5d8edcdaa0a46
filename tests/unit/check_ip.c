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

Suite *
ip_suite(void)
{
  Suite *s = suite_create("ip");
  TCase *tc = tcase_create("ttl");

  tcase_add_checked_fixture(tc, th_setup, th_teardown);
  tcase_add_test(tc, test_listen_syn_with_ttl_0_or_1_gets_synack);
  suite_add_tcase(s, tc);
  return s;
}
