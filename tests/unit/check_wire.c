/* Unit tests of the wire formats (lib/core/wire.c, checksum.c): IPv4 (RFC
 * 791), ICMP (RFC 792), UDP (RFC 768), TCP and its options (RFC 9293
 * section 3.1), the Internet checksum (RFC 1071) and sequence arithmetic.
 * Malformed packets carry correct checksums so each hits its own check. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/wire.h"

/* Declared in suites.h as well; repeated so this file builds on its own. */
Suite *wire_suite(void);

#define SRC 0x0a000001u /* 10.0.0.1 */
#define DST 0x0a000002u /* 10.0.0.2 */

/* ---- real packets -------------------------------------------------------- */

/* One connection from 192.168.178.27:48494 to wildebeest.gnu.org:80
 * (208.118.235.148), captured by tcpdump -xxx on a Linux host's Ethernet
 * interface and published in a tutorial; Ethernet headers cut off.  Every
 * checksum was verified with an independent RFC 1071 sum in Python before
 * being trusted here.  SYN options: mss 1460, sackOK, TS val 2663544 ecr 0,
 * nop, wscale 7. */
static const uint8_t real_syn[60] = {
    0x45, 0x10, 0x00, 0x3c, 0x1f, 0x7a, 0x40, 0x00, 0x40, 0x06, 0xec, 0x62,
    0xc0, 0xa8, 0xb2, 0x1b, 0xd0, 0x76, 0xeb, 0x94, 0xbd, 0x6e, 0x00, 0x50,
    0x1a, 0x74, 0xbb, 0x02, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0x72, 0x10,
    0x6f, 0x4a, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
    0x00, 0x28, 0xa4, 0x78, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

/* The server's answer: mss 1394, sackOK, TS val 1747284744 ecr 2663544,
 * nop, wscale 7. */
static const uint8_t real_synack[60] = {
    0x45, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x32, 0x06, 0x19, 0xed,
    0xd0, 0x76, 0xeb, 0x94, 0xc0, 0xa8, 0xb2, 0x1b, 0x00, 0x50, 0xbd, 0x6e,
    0x81, 0x36, 0xf4, 0xd5, 0x1a, 0x74, 0xbb, 0x03, 0xa0, 0x12, 0x71, 0x20,
    0x1f, 0x31, 0x00, 0x00, 0x02, 0x04, 0x05, 0x72, 0x04, 0x02, 0x08, 0x0a,
    0x68, 0x25, 0x73, 0x08, 0x00, 0x28, 0xa4, 0x78, 0x01, 0x03, 0x03, 0x07,
};

/* The third segment of the handshake: nop, nop, TS. */
static const uint8_t real_ack[52] = {
    0x45, 0x10, 0x00, 0x34, 0x1f, 0x7b, 0x40, 0x00, 0x40, 0x06, 0xec,
    0x69, 0xc0, 0xa8, 0xb2, 0x1b, 0xd0, 0x76, 0xeb, 0x94, 0xbd, 0x6e,
    0x00, 0x50, 0x1a, 0x74, 0xbb, 0x03, 0x81, 0x36, 0xf4, 0xd6, 0x80,
    0x10, 0x00, 0xe5, 0xbd, 0xd5, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a,
    0x00, 0x28, 0xa4, 0x99, 0x68, 0x25, 0x73, 0x08,
};

/* A segment with data from another published capture (tcpdump said "cksum
 * 0x0180 (correct)"): 140.113.102.165:44298 -> 192.168.2.107:46877, PSH
 * ACK, nop nop TS, 10 bytes "helloworld". */
static const uint8_t real_psh[62] = {
    0x45, 0x00, 0x00, 0x3e, 0x6b, 0x68, 0x40, 0x00, 0x3f, 0x06, 0x1a,
    0x28, 0x8c, 0x71, 0x66, 0xa5, 0xc0, 0xa8, 0x02, 0x6b, 0xad, 0x0a,
    0xb7, 0x1d, 0x61, 0x83, 0x1a, 0x2f, 0x7d, 0x66, 0x31, 0x55, 0x80,
    0x18, 0x01, 0x6d, 0x01, 0x80, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a,
    0x8c, 0x57, 0x7f, 0x5a, 0xa0, 0x44, 0x62, 0xe7, 0x68, 0x65, 0x6c,
    0x6c, 0x6f, 0x77, 0x6f, 0x72, 0x6c, 0x64,
};

/* A Linux guest's ping, from the same tutorial as real_syn: 10.0.2.20 ->
 * 192.168.178.1, echo request id 45062 seq 1, 56 bytes of data. */
static const uint8_t real_echo[84] = {
    0x45, 0x00, 0x00, 0x54, 0x14, 0xda, 0x40, 0x00, 0x40, 0x01, 0xa7, 0x11,
    0x0a, 0x00, 0x02, 0x14, 0xc0, 0xa8, 0xb2, 0x01, 0x08, 0x00, 0x47, 0x9b,
    0xb0, 0x06, 0x00, 0x01, 0x21, 0x37, 0xdf, 0x25, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* ---- helpers ------------------------------------------------------------- */

/* A heap copy of exactly n bytes, so that AddressSanitizer reports any
 * read past the length a parser was given. */
static uint8_t *
dup_exact(const void *p, size_t n)
{
  uint8_t *q = malloc(n);

  ck_assert(n == 0 || q != NULL);
  if (n > 0)
    memcpy(q, p, n);
  return q;
}

/* The textbook checksum, one big-endian 16-bit word at a time, to hold
 * the fast one against. */
static uint16_t
ref_csum(const uint8_t *p, size_t n)
{
  uint32_t sum = 0;

  for (size_t i = 0; i + 1 < n; i += 2)
    sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (n % 2)
    sum += (uint32_t)p[n - 1] << 8;
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

static void
fill_pattern(uint8_t *p, size_t n, uint32_t seed)
{
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    p[i] = (uint8_t)(seed >> 16);
  }
}

static void
fix_ip_csum(uint8_t *ip)
{
  size_t hl = (size_t)(ip[0] & 0x0f) * 4;

  sl__put16(ip + 10, 0);
  sl__put16(ip + 10, ref_csum(ip, hl));
}

static void
fix_l4_csum(uint8_t *seg, size_t len, uint8_t proto, size_t field)
{
  uint32_t sum;

  sl__put16(seg + field, 0);
  sum = sl__csum_pseudo(SRC, DST, proto, (uint16_t)len);
  sl__put16(seg + field, sl__csum_fold(sl__csum_add(sum, seg, len)));
}

static void
fix_tcp_csum(uint8_t *seg, size_t len)
{
  fix_l4_csum(seg, len, SL__IP_PROTO_TCP, 16);
}

/* A raw TCP segment in buf: ports 1000 -> 2000, seq 1, ACK, the given
 * flags, the option bytes opt (optlen a multiple of 4) and dlen bytes of
 * payload, with a correct checksum for SRC -> DST.  Returns its length. */
static size_t
raw_tcp(uint8_t *buf, uint8_t flags, const uint8_t *opt, size_t optlen,
        size_t dlen)
{
  size_t hl = 20 + optlen;

  ck_assert_uint_eq(optlen % 4, 0);
  memset(buf, 0, hl + dlen);
  sl__put16(buf, 1000);
  sl__put16(buf + 2, 2000);
  sl__put32(buf + 4, 1);
  buf[12] = (uint8_t)(hl / 4 << 4);
  buf[13] = flags;
  sl__put16(buf + 14, 8192);
  if (optlen > 0)
    memcpy(buf + 20, opt, optlen);
  fill_pattern(buf + hl, dlen, 7);
  fix_tcp_csum(buf, hl + dlen);
  return hl + dlen;
}

/* Parses raw option bytes in an otherwise valid segment. */
static int
parse_opts(const uint8_t *opt, size_t optlen, struct sl__tcp_seg *s)
{
  uint8_t buf[60];
  size_t len = raw_tcp(buf, SL__TCP_ACK, opt, optlen, 0);
  uint8_t *seg = dup_exact(buf, len);
  int r = sl__tcp_parse(seg, len, SRC, DST, s);

  free(seg);
  return r;
}

/* A valid 20-byte IPv4 header for proto with payload_len bytes after it. */
static void
raw_ip4(uint8_t *ip, uint8_t proto, size_t payload_len)
{
  struct sl__ip4_hdr h = {.total_len = (uint16_t)(20 + payload_len),
                          .id = 0x1234,
                          .frag_off = SL__IP4_DF,
                          .ttl = 64,
                          .proto = proto,
                          .src = SRC,
                          .dst = DST};

  ck_assert_uint_eq(sl__ip4_write(ip, 20, &h), 20);
}

/* ---- drop reasons -------------------------------------------------------- */

START_TEST(test_drop_names_are_snake_case_and_unique)
{
  ck_assert_int_eq(SL__DROP_NONE, 0);
  for (int i = 0; i < SL__DROP_COUNT; i++) {
    const char *n = sl__drop_name((enum sl__drop)i);

    ck_assert_ptr_nonnull(n);
    ck_assert_uint_gt(strlen(n), 0);
    ck_assert_uint_eq(strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_"),
                      strlen(n));
    for (int j = 0; j < i; j++)
      ck_assert_str_ne(n, sl__drop_name((enum sl__drop)j));
  }
}
END_TEST

START_TEST(test_drop_names_match_enum)
{
  ck_assert_str_eq(sl__drop_name(SL__DROP_NONE), "none");
  ck_assert_str_eq(sl__drop_name(SL__DROP_IP_SHORT), "ip_short");
  ck_assert_str_eq(sl__drop_name(SL__DROP_IP_FRAG), "ip_frag");
  ck_assert_str_eq(sl__drop_name(SL__DROP_IP_PROTO), "ip_proto");
  ck_assert_str_eq(sl__drop_name(SL__DROP_ICMP_CSUM), "icmp_csum");
  ck_assert_str_eq(sl__drop_name(SL__DROP_UDP_LEN), "udp_len");
  ck_assert_str_eq(sl__drop_name(SL__DROP_TCP_OPTLEN), "tcp_optlen");
  ck_assert_str_eq(sl__drop_name(SL__DROP_TCP_FLAGS), "tcp_flags");
  ck_assert_str_eq(sl__drop_name(SL__DROP_COUNT), "unknown");
  ck_assert_str_eq(sl__drop_name((enum sl__drop) - 1), "unknown");
}
END_TEST

/* ---- checksum ------------------------------------------------------------ */

START_TEST(test_checksum_rfc1071_example_matches)
{
  /* RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2. */
  static const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

  ck_assert_uint_eq(sl__inet_csum(b, sizeof b), 0x220d);
  ck_assert_uint_eq(sl__csum_fold(sl__csum_add(0, b, sizeof b)), 0x220d);
}
END_TEST

START_TEST(test_checksum_real_syn_ip_header_verifies)
{
  uint8_t ip[20];

  ck_assert_uint_eq(sl__inet_csum(real_syn, 20), 0);
  memcpy(ip, real_syn, 20);
  sl__put16(ip + 10, 0);
  ck_assert_uint_eq(sl__inet_csum(ip, 20), 0xec62);
}
END_TEST

START_TEST(test_checksum_real_syn_tcp_verifies)
{
  uint8_t seg[40];
  uint32_t src = sl__get32(real_syn + 12), dst = sl__get32(real_syn + 16);
  uint32_t sum = sl__csum_pseudo(src, dst, SL__IP_PROTO_TCP, 40);

  ck_assert_uint_eq(sl__csum_fold(sl__csum_add(sum, real_syn + 20, 40)), 0);
  memcpy(seg, real_syn + 20, 40);
  sl__put16(seg + 16, 0);
  ck_assert_uint_eq(sl__csum_fold(sl__csum_add(sum, seg, 40)), 0x6f4a);
}
END_TEST

START_TEST(test_checksum_real_echo_verifies)
{
  uint8_t msg[64];

  ck_assert_uint_eq(sl__inet_csum(real_echo + 20, 64), 0);
  memcpy(msg, real_echo + 20, 64);
  sl__put16(msg + 2, 0);
  ck_assert_uint_eq(sl__inet_csum(msg, 64), 0x479b);
}
END_TEST

START_TEST(test_checksum_odd_length_pads_right_with_zero)
{
  static const uint8_t one[] = {0xab};
  static const uint8_t three[] = {0x01, 0x02, 0x03};

  ck_assert_uint_eq(sl__inet_csum(one, 1), (uint16_t)~0xab00);
  ck_assert_uint_eq(sl__inet_csum(three, 3), (uint16_t) ~(0x0102 + 0x0300));
}
END_TEST

START_TEST(test_checksum_every_length_and_alignment_matches_reference)
{
  uint8_t buf[300 + 8];

  fill_pattern(buf, sizeof buf, 1);
  for (size_t off = 0; off < 8; off++)
    for (size_t n = 0; n <= 300; n++)
      ck_assert_uint_eq(sl__inet_csum(buf + off, n), ref_csum(buf + off, n));
}
END_TEST

START_TEST(test_checksum_all_ones_data_sums_without_overflow)
{
  /* 70000 bytes of 0xff make the 64-bit accumulator carry on almost every
   * addition; the sum of 0xffff words is 0xffff, the checksum 0. */
  size_t n = 70000;
  uint8_t *p = malloc(n);

  ck_assert_ptr_nonnull(p);
  memset(p, 0xff, n);
  ck_assert_uint_eq(sl__inet_csum(p, n), 0);
  ck_assert_uint_eq(sl__inet_csum(p, n - 1), ref_csum(p, n - 1));
  fill_pattern(p, n, 3);
  ck_assert_uint_eq(sl__inet_csum(p, n), ref_csum(p, n));
  free(p);
}
END_TEST

START_TEST(test_checksum_zero_data_gives_ffff)
{
  static const uint8_t z[6];

  ck_assert_uint_eq(sl__inet_csum(z, sizeof z), 0xffff);
  ck_assert_uint_eq(sl__inet_csum(z, 0), 0xffff);
}
END_TEST

START_TEST(test_checksum_even_chunks_chain_like_one_buffer)
{
  uint8_t buf[201];

  fill_pattern(buf, sizeof buf, 2);
  /* Split at every even offset; the last chunk is odd half the time. */
  for (size_t n = 0; n <= sizeof buf; n++)
    for (size_t cut = 0; cut <= n; cut += 2) {
      uint32_t sum = sl__csum_add(0, buf, cut);

      sum = sl__csum_add(sum, buf + cut, n - cut);
      ck_assert_uint_eq(sl__csum_fold(sum), ref_csum(buf, n));
    }
}
END_TEST

START_TEST(test_checksum_three_chunks_odd_last_chain)
{
  uint8_t buf[57];
  uint32_t sum;

  fill_pattern(buf, sizeof buf, 4);
  sum = sl__csum_add(0, buf, 10);
  sum = sl__csum_add(sum, buf + 10, 34);
  sum = sl__csum_add(sum, buf + 44, 13);
  ck_assert_uint_eq(sl__csum_fold(sum), ref_csum(buf, sizeof buf));
  /* And the documented rule is a real one: an odd chunk in the middle
   * shifts every later byte to the other half of its word. */
  sum = sl__csum_add(0, buf, 11);
  sum = sl__csum_add(sum, buf + 11, 46);
  ck_assert_uint_ne(sl__csum_fold(sum), ref_csum(buf, sizeof buf));
}
END_TEST

START_TEST(test_checksum_pseudo_matches_explicit_bytes)
{
  uint8_t ph[12 + 9];
  uint32_t src = 0xc0a80001u, dst = 0xfffefdfcu;

  sl__put32(ph, src);
  sl__put32(ph + 4, dst);
  ph[8] = 0;
  ph[9] = SL__IP_PROTO_UDP;
  sl__put16(ph + 10, 9);
  fill_pattern(ph + 12, 9, 5);
  ck_assert_uint_eq(
      sl__csum_fold(sl__csum_add(sl__csum_pseudo(src, dst, 17, 9), ph + 12, 9)),
      ref_csum(ph, sizeof ph));
}
END_TEST

START_TEST(test_checksum_fold_adds_carries_back)
{
  ck_assert_uint_eq(sl__csum_fold(0x12345678u), (uint16_t)~0x68ac);
  ck_assert_uint_eq(sl__csum_fold(0xffffffffu), 0);
  ck_assert_uint_eq(sl__csum_fold(0x0001fffeu), 0);
  ck_assert_uint_eq(sl__csum_fold(0), 0xffff);
  /* A large partial sum passed back in still chains: 0xffff + 0xfffe + 2
   * wraps twice to 0x0001, whose complement is 0xfffe. */
  ck_assert_uint_eq(sl__csum_fold(sl__csum_add(0xfffffffeu, "\x00\x02", 2)),
                    0xfffe);
}
END_TEST

/* ---- ip4 ----------------------------------------------------------------- */

START_TEST(test_ip4_real_syn_parses_fields)
{
  struct sl__ip4_hdr h;
  uint8_t *p = dup_exact(real_syn, sizeof real_syn);

  ck_assert_int_eq(sl__ip4_parse(p, sizeof real_syn, &h), 0);
  ck_assert_uint_eq(h.hdr_len, 20);
  ck_assert_uint_eq(h.tos, 0x10);
  ck_assert_uint_eq(h.total_len, 60);
  ck_assert_uint_eq(h.id, 0x1f7a);
  ck_assert_uint_eq(h.frag_off, SL__IP4_DF);
  ck_assert(sl__ip4_df(&h));
  ck_assert(!sl__ip4_mf(&h));
  ck_assert(!sl__ip4_is_frag(&h));
  ck_assert_uint_eq(h.ttl, 64);
  ck_assert_uint_eq(h.proto, SL__IP_PROTO_TCP);
  ck_assert_uint_eq(h.src, 0xc0a8b21bu); /* 192.168.178.27 */
  ck_assert_uint_eq(h.dst, 0xd076eb94u); /* 208.118.235.148 */
  ck_assert_uint_eq(sl__ip4_payload_len(&h), 40);
  free(p);
}
END_TEST

START_TEST(test_ip4_write_reproduces_real_headers)
{
  const uint8_t *pk[] = {real_syn, real_synack, real_ack, real_psh, real_echo};
  size_t len[] = {sizeof real_syn, sizeof real_synack, sizeof real_ack,
                  sizeof real_psh, sizeof real_echo};

  for (size_t i = 0; i < 5; i++) {
    struct sl__ip4_hdr h;
    uint8_t out[20];

    ck_assert_int_eq(sl__ip4_parse(pk[i], len[i], &h), 0);
    ck_assert_uint_eq(sl__ip4_write(out, sizeof out, &h), 20);
    ck_assert_mem_eq(out, pk[i], 20);
  }
}
END_TEST

START_TEST(test_ip4_round_trip_keeps_every_field)
{
  struct sl__ip4_hdr in = {.tos = 0xb8,
                           .total_len = 1500,
                           .id = 0xbeef,
                           .frag_off = 0,
                           .ttl = 1,
                           .proto = SL__IP_PROTO_UDP,
                           .src = 0x7f000001u,
                           .dst = 0xfffffffeu};
  struct sl__ip4_hdr out;
  uint8_t buf[1500] = {0};

  ck_assert_uint_eq(sl__ip4_write(buf, sizeof buf, &in), 20);
  ck_assert_uint_eq(ref_csum(buf, 20), 0);
  ck_assert_int_eq(sl__ip4_parse(buf, sizeof buf, &out), 0);
  ck_assert_uint_eq(out.hdr_len, 20);
  ck_assert_uint_eq(out.tos, in.tos);
  ck_assert_uint_eq(out.total_len, in.total_len);
  ck_assert_uint_eq(out.id, in.id);
  ck_assert_uint_eq(out.frag_off, in.frag_off);
  ck_assert_uint_eq(out.ttl, in.ttl);
  ck_assert_uint_eq(out.proto, in.proto);
  ck_assert_uint_eq(out.src, in.src);
  ck_assert_uint_eq(out.dst, in.dst);
}
END_TEST

START_TEST(test_ip4_write_small_cap_returns_zero)
{
  struct sl__ip4_hdr h = {.total_len = 20, .ttl = 64};
  uint8_t buf[20];

  memset(buf, 0xaa, sizeof buf);
  ck_assert_uint_eq(sl__ip4_write(buf, 19, &h), 0);
  ck_assert_uint_eq(buf[0], 0xaa);
  h.total_len = 19;
  ck_assert_uint_eq(sl__ip4_write(buf, sizeof buf, &h), 0);
}
END_TEST

START_TEST(test_ip4_short_every_length_rejected)
{
  for (size_t n = 0; n < 20; n++) {
    struct sl__ip4_hdr h;
    uint8_t *p = dup_exact(real_syn, n);

    ck_assert_int_eq(sl__ip4_parse(p, n, &h), SL__DROP_IP_SHORT);
    free(p);
  }
}
END_TEST

START_TEST(test_ip4_version_6_rejected)
{
  struct sl__ip4_hdr h;
  uint8_t p[60];

  memcpy(p, real_syn, sizeof p);
  p[0] = 0x65;
  fix_ip_csum(p);
  ck_assert_int_eq(sl__ip4_parse(p, sizeof p, &h), SL__DROP_IP_VERSION);
}
END_TEST

START_TEST(test_ip4_ihl_below_5_rejected)
{
  for (uint8_t ihl = 0; ihl < 5; ihl++) {
    struct sl__ip4_hdr h;
    uint8_t p[60];

    memcpy(p, real_syn, sizeof p);
    p[0] = (uint8_t)(0x40 | ihl);
    ck_assert_int_eq(sl__ip4_parse(p, sizeof p, &h), SL__DROP_IP_HDRLEN);
  }
}
END_TEST

START_TEST(test_ip4_ihl_past_buffer_rejected)
{
  struct sl__ip4_hdr h;
  uint8_t p[40] = {0};
  uint8_t *q;

  raw_ip4(p, SL__IP_PROTO_UDP, 20);
  p[0] = 0x4f; /* 60-byte header in a 40-byte packet */
  sl__put16(p + 2, 40);
  q = dup_exact(p, sizeof p);
  ck_assert_int_eq(sl__ip4_parse(q, sizeof p, &h), SL__DROP_IP_HDRLEN);
  free(q);
}
END_TEST

START_TEST(test_ip4_options_skipped_and_counted_in_hdr_len)
{
  struct sl__ip4_hdr h;
  uint8_t p[32] = {0};

  raw_ip4(p, SL__IP_PROTO_UDP, 12);
  p[0] = 0x46;          /* IHL 6: one word of options, */
  memset(p + 20, 1, 4); /* four NOP options (RFC 791 type 1) */
  sl__put16(p + 2, 32);
  fix_ip_csum(p);
  ck_assert_int_eq(sl__ip4_parse(p, sizeof p, &h), 0);
  ck_assert_uint_eq(h.hdr_len, 24);
  ck_assert_uint_eq(sl__ip4_payload_len(&h), 8);
  /* The checksum covers the options too. */
  p[21] ^= 0x10;
  ck_assert_int_eq(sl__ip4_parse(p, sizeof p, &h), SL__DROP_IP_CSUM);
}
END_TEST

/* A header of 24 bytes whose 4 bytes of options are opt. */
static int
parse_with_options(const uint8_t opt[4], struct sl__ip4_hdr *h)
{
  uint8_t p[32] = {0};

  raw_ip4(p, SL__IP_PROTO_UDP, 12);
  p[0] = 0x46;
  memcpy(p + 20, opt, 4);
  sl__put16(p + 2, 32);
  fix_ip_csum(p);
  return sl__ip4_parse(p, sizeof p, h);
}

/* RFC 791 3.1: every option but end-of-list and no-operation has a
 * length octet counting type, length and data: at least 2, and within
 * the header.  opt_err is the offset of the octet in error, for the
 * parameter problem's pointer (RFC 792). */
START_TEST(test_ip4_option_length_0_1_or_past_header_rejected)
{
  static const struct {
    uint8_t opt[4];
    uint8_t at;
  } bad[] = {
      {{0x07, 0x00, 0x00, 0x00}, 21}, /* length 0 */
      {{0x07, 0x01, 0x00, 0x00}, 21}, /* length 1 */
      {{0x07, 0x05, 0x00, 0x00}, 21}, /* 5 bytes in 4 */
      {{0x01, 0x07, 0x08, 0x00}, 22}, /* after a NOP, 8 bytes in 3 */
      {{0x01, 0x01, 0x01, 0x44}, 23}, /* the header ends before the length */
  };
  struct sl__ip4_hdr h;

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ck_assert_int_eq(parse_with_options(bad[i].opt, &h), SL__DROP_IP_OPT);
    ck_assert_uint_eq(h.opt_err, bad[i].at);
    ck_assert_uint_eq(h.src, SRC); /* filled in, for the answer */
    ck_assert_uint_eq(h.total_len, 32);
  }
}
END_TEST

/* Options the parser does not know are skipped by their length; an end of
 * list ends the area, whatever follows it. */
START_TEST(test_ip4_well_formed_options_accepted)
{
  static const uint8_t ok[][4] = {
      {0x01, 0x01, 0x01, 0x01}, /* four NOPs */
      {0x94, 0x04, 0x00, 0x00}, /* router alert (RFC 2113) */
      {0x00, 0x00, 0x00, 0x00}, /* end of list */
      {0x01, 0x00, 0x07, 0x00}, /* NOP, end of list, then padding */
      {0x07, 0x03, 0x04, 0x00}, /* record route with room for nothing */
  };
  struct sl__ip4_hdr h;

  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    ck_assert_int_eq(parse_with_options(ok[i], &h), 0);
}
END_TEST

START_TEST(test_ip4_totlen_below_header_rejected)
{
  struct sl__ip4_hdr h;
  uint8_t p[60];

  memcpy(p, real_syn, sizeof p);
  sl__put16(p + 2, 19);
  fix_ip_csum(p);
  ck_assert_int_eq(sl__ip4_parse(p, sizeof p, &h), SL__DROP_IP_TOTLEN);
  sl__put16(p + 2, 0);
  fix_ip_csum(p);
  ck_assert_int_eq(sl__ip4_parse(p, sizeof p, &h), SL__DROP_IP_TOTLEN);
}
END_TEST

START_TEST(test_ip4_totlen_past_buffer_rejected)
{
  struct sl__ip4_hdr h;
  uint8_t p[60];

  memcpy(p, real_syn, sizeof p);
  ck_assert_int_eq(sl__ip4_parse(p, 59, &h), SL__DROP_IP_TOTLEN);
  sl__put16(p + 2, 0xffff);
  fix_ip_csum(p);
  ck_assert_int_eq(sl__ip4_parse(p, sizeof p, &h), SL__DROP_IP_TOTLEN);
}
END_TEST

START_TEST(test_ip4_link_padding_ignored)
{
  /* A 40-byte datagram in a 46-byte Ethernet payload: 6 bytes padding. */
  struct sl__ip4_hdr h;
  uint8_t p[46];

  memset(p, 0, sizeof p);
  raw_ip4(p, SL__IP_PROTO_TCP, 20);
  ck_assert_int_eq(sl__ip4_parse(p, sizeof p, &h), 0);
  ck_assert_uint_eq(h.total_len, 40);
  ck_assert_uint_eq(sl__ip4_payload_len(&h), 20);
}
END_TEST

START_TEST(test_ip4_bad_csum_rejected)
{
  struct sl__ip4_hdr h;
  uint8_t p[60];

  memcpy(p, real_syn, sizeof p);
  p[11] ^= 0x01;
  ck_assert_int_eq(sl__ip4_parse(p, sizeof p, &h), SL__DROP_IP_CSUM);
}
END_TEST

START_TEST(test_ip4_any_single_bit_flip_rejected)
{
  /* Every one-bit error in the header is caught, by the checksum or by an
   * earlier check when it hit version, IHL or total length. */
  for (int bit = 0; bit < 160; bit++) {
    struct sl__ip4_hdr h;
    uint8_t p[60];

    memcpy(p, real_syn, sizeof p);
    p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    ck_assert_int_ne(sl__ip4_parse(p, sizeof p, &h), 0);
  }
}
END_TEST

/* RFC 1122 3.2.1.7: the TTL is for routers; the parser passes any. */
START_TEST(test_ip4_ttl_zero_and_one_accepted)
{
  struct sl__ip4_hdr h;
  uint8_t p[60];

  memcpy(p, real_syn, sizeof p);
  p[8] = 0;
  fix_ip_csum(p);
  ck_assert_int_eq(sl__ip4_parse(p, sizeof p, &h), 0);
  ck_assert_uint_eq(h.ttl, 0);
  p[8] = 1;
  fix_ip_csum(p);
  ck_assert_int_eq(sl__ip4_parse(p, sizeof p, &h), 0);
  ck_assert_uint_eq(h.ttl, 1);
}
END_TEST

START_TEST(test_ip4_fragment_with_mf_rejected)
{
  struct sl__ip4_hdr h;
  uint8_t p[60];

  memcpy(p, real_syn, sizeof p);
  sl__put16(p + 6, SL__IP4_MF); /* first fragment: offset 0, MF */
  fix_ip_csum(p);
  ck_assert_int_eq(sl__ip4_parse(p, sizeof p, &h), SL__DROP_IP_FRAG);
  ck_assert(sl__ip4_mf(&h));
  ck_assert_uint_eq(sl__ip4_frag_offset(&h), 0);
}
END_TEST

START_TEST(test_ip4_fragment_with_offset_rejected)
{
  struct sl__ip4_hdr h;
  uint8_t p[60];

  memcpy(p, real_syn, sizeof p);
  sl__put16(p + 6, 185); /* last fragment: offset 185 * 8, no MF */
  fix_ip_csum(p);
  ck_assert_int_eq(sl__ip4_parse(p, sizeof p, &h), SL__DROP_IP_FRAG);
  ck_assert(!sl__ip4_mf(&h));
  ck_assert(!sl__ip4_df(&h));
  ck_assert_uint_eq(sl__ip4_frag_offset(&h), 1480);
}
END_TEST

/* ---- tcp ----------------------------------------------------------------- */

START_TEST(test_tcp_real_syn_parses_fields)
{
  struct sl__tcp_seg s;
  uint8_t *p = dup_exact(real_syn + 20, 40);

  ck_assert_int_eq(sl__tcp_parse(p, 40, 0xc0a8b21bu, 0xd076eb94u, &s), 0);
  ck_assert_uint_eq(s.sport, 48494);
  ck_assert_uint_eq(s.dport, 80);
  ck_assert_uint_eq(s.seq, 443857666u);
  ck_assert_uint_eq(s.ack, 0);
  ck_assert_uint_eq(s.hdr_len, 40);
  ck_assert_uint_eq(s.flags, SL__TCP_SYN);
  ck_assert_uint_eq(s.wnd, 29200);
  ck_assert_uint_eq(s.urg, 0);
  ck_assert_uint_eq(s.opt.has_mss, 1);
  ck_assert_uint_eq(s.opt.mss, 1460);
  ck_assert_uint_eq(s.opt.sack_ok, 1);
  ck_assert_uint_eq(s.opt.has_ts, 1);
  ck_assert_uint_eq(s.opt.ts_val, 2663544u);
  ck_assert_uint_eq(s.opt.ts_ecr, 0);
  ck_assert_uint_eq(s.opt.has_wscale, 1);
  ck_assert_uint_eq(s.opt.wscale, 7);
  ck_assert_uint_eq(s.opt.n_sack, 0);
  ck_assert_uint_eq(s.len, 0);
  free(p);
}
END_TEST

START_TEST(test_tcp_real_synack_parses_fields)
{
  struct sl__tcp_seg s;

  ck_assert_int_eq(
      sl__tcp_parse(real_synack + 20, 40, 0xd076eb94u, 0xc0a8b21bu, &s), 0);
  ck_assert_uint_eq(s.flags, SL__TCP_SYN | SL__TCP_ACK);
  ck_assert_uint_eq(s.seq, 2167862485u);
  ck_assert_uint_eq(s.ack, 443857667u);
  ck_assert_uint_eq(s.opt.mss, 1394);
  ck_assert_uint_eq(s.opt.ts_val, 1747284744u);
  ck_assert_uint_eq(s.opt.ts_ecr, 2663544u);
}
END_TEST

START_TEST(test_tcp_real_psh_carries_data)
{
  struct sl__tcp_seg s;

  ck_assert_int_eq(sl__tcp_parse(real_psh + 20, 42, sl__get32(real_psh + 12),
                                 sl__get32(real_psh + 16), &s),
                   0);
  ck_assert_uint_eq(s.flags, SL__TCP_PSH | SL__TCP_ACK);
  ck_assert_uint_eq(s.hdr_len, 32);
  ck_assert_uint_eq(s.len, 10);
  ck_assert_mem_eq(s.data, "helloworld", 10);
  ck_assert_uint_eq(s.opt.has_mss, 0);
  ck_assert_uint_eq(s.opt.ts_val, 2354544474u);
}
END_TEST

START_TEST(test_tcp_write_reproduces_real_segments)
{
  /* Parsing a real datagram and writing it back gives the same bytes,
   * checksums and option layout included. */
  const uint8_t *pk[] = {real_syn, real_synack, real_ack, real_psh};
  size_t len[] = {sizeof real_syn, sizeof real_synack, sizeof real_ack,
                  sizeof real_psh};

  for (size_t i = 0; i < 4; i++) {
    struct sl__ip4_hdr h;
    struct sl__tcp_seg s;
    uint8_t out[80];
    size_t n;

    ck_assert_int_eq(sl__ip4_parse(pk[i], len[i], &h), 0);
    ck_assert_int_eq(sl__tcp_parse(pk[i] + 20, len[i] - 20, h.src, h.dst, &s),
                     0);
    n = sl__tcp_write(out + 20, sizeof out - 20, h.src, h.dst, &s);
    ck_assert_uint_eq(n, len[i] - 20);
    ck_assert_uint_eq(sl__tcp_opts_len(&s.opt), s.hdr_len - 20u);
    ck_assert_uint_eq(sl__ip4_write(out, 20, &h), 20);
    ck_assert_mem_eq(out, pk[i], len[i]);
  }
}
END_TEST

START_TEST(test_tcp_round_trip_odd_data_keeps_every_field)
{
  struct sl__tcp_seg in = {.sport = 65535,
                           .dport = 1,
                           .seq = 0xfffffff0u,
                           .ack = 0x80000000u,
                           .flags = SL__TCP_PSH | SL__TCP_ACK | SL__TCP_URG |
                                    SL__TCP_ECE | SL__TCP_CWR,
                           .wnd = 0xfedc,
                           .urg = 3,
                           .data = (const uint8_t *)"abcdefg",
                           .len = 7};
  struct sl__tcp_seg out;
  uint8_t buf[64];
  size_t n = sl__tcp_write(buf, sizeof buf, SRC, DST, &in);

  ck_assert_uint_eq(n, 27);
  ck_assert_int_eq(sl__tcp_parse(buf, n, SRC, DST, &out), 0);
  ck_assert_uint_eq(out.sport, in.sport);
  ck_assert_uint_eq(out.dport, in.dport);
  ck_assert_uint_eq(out.seq, in.seq);
  ck_assert_uint_eq(out.ack, in.ack);
  ck_assert_uint_eq(out.hdr_len, 20);
  ck_assert_uint_eq(out.flags, in.flags);
  ck_assert_uint_eq(out.wnd, in.wnd);
  ck_assert_uint_eq(out.urg, in.urg);
  ck_assert_uint_eq(out.len, 7);
  ck_assert_ptr_eq(out.data, buf + 20);
  ck_assert_mem_eq(out.data, "abcdefg", 7);
  /* The pseudo-header binds the segment to its addresses. */
  ck_assert_int_eq(sl__tcp_parse(buf, n, SRC, DST + 1, &out),
                   SL__DROP_TCP_CSUM);
}
END_TEST

START_TEST(test_tcp_write_small_cap_returns_zero)
{
  struct sl__tcp_seg s = {.flags = SL__TCP_SYN,
                          .opt = {.has_mss = 1, .mss = 1460},
                          .data = (const uint8_t *)"xy",
                          .len = 2};
  uint8_t buf[26];

  memset(buf, 0xaa, sizeof buf);
  ck_assert_uint_eq(sl__tcp_write(buf, 25, SRC, DST, &s), 0);
  ck_assert_uint_eq(buf[0], 0xaa);
  ck_assert_uint_eq(sl__tcp_write(buf, 26, SRC, DST, &s), 26);
}
END_TEST

START_TEST(test_tcp_write_too_long_for_ip4_returns_zero)
{
  static uint8_t big[65536];
  struct sl__tcp_seg s = {.data = big, .len = SL__IP4_MAX_PAYLOAD - 19};
  uint8_t *buf = malloc(sizeof big + 64);

  ck_assert_ptr_nonnull(buf);
  ck_assert_uint_eq(sl__tcp_write(buf, sizeof big + 64, SRC, DST, &s), 0);
  s.len--;
  ck_assert_uint_eq(sl__tcp_write(buf, sizeof big + 64, SRC, DST, &s),
                    SL__IP4_MAX_PAYLOAD);
  free(buf);
}
END_TEST

START_TEST(test_tcp_write_data_already_in_buffer)
{
  /* The sender may build the payload in place, right after the header. */
  struct sl__tcp_seg s = {.flags = SL__TCP_ACK}, out;
  uint8_t buf[64];
  size_t hl, n;

  s.opt.has_ts = 1;
  s.opt.ts_val = 42;
  hl = 20 + sl__tcp_opts_len(&s.opt);
  memcpy(buf + hl, "payload", 7);
  s.data = buf + hl;
  s.len = 7;
  n = sl__tcp_write(buf, sizeof buf, SRC, DST, &s);
  ck_assert_uint_eq(n, hl + 7);
  ck_assert_int_eq(sl__tcp_parse(buf, n, SRC, DST, &out), 0);
  ck_assert_mem_eq(out.data, "payload", 7);
}
END_TEST

START_TEST(test_tcp_short_every_length_rejected)
{
  for (size_t n = 0; n < 20; n++) {
    struct sl__tcp_seg s;
    uint8_t *p = dup_exact(real_syn + 20, n);

    ck_assert_int_eq(sl__tcp_parse(p, n, SRC, DST, &s), SL__DROP_TCP_SHORT);
    free(p);
  }
}
END_TEST

START_TEST(test_tcp_offset_below_5_rejected)
{
  for (uint8_t off = 0; off < 5; off++) {
    struct sl__tcp_seg s;
    uint8_t buf[40];
    size_t n = raw_tcp(buf, SL__TCP_ACK, NULL, 0, 20);

    buf[12] = (uint8_t)(off << 4);
    fix_tcp_csum(buf, n);
    ck_assert_int_eq(sl__tcp_parse(buf, n, SRC, DST, &s), SL__DROP_TCP_OFFSET);
  }
}
END_TEST

START_TEST(test_tcp_offset_past_len_rejected)
{
  struct sl__tcp_seg s;
  uint8_t buf[24];
  uint8_t *p;
  size_t n = raw_tcp(buf, SL__TCP_ACK, NULL, 0, 4);

  buf[12] = 6 << 4; /* 24-byte header: fits exactly, */
  memset(buf + 20, SL__TCPOPT_NOP, 4);
  fix_tcp_csum(buf, n);
  ck_assert_int_eq(sl__tcp_parse(buf, n, SRC, DST, &s), 0);
  ck_assert_uint_eq(s.len, 0);
  buf[12] = 7 << 4; /* 28-byte header in 24 bytes: does not */
  fix_tcp_csum(buf, n);
  p = dup_exact(buf, n);
  ck_assert_int_eq(sl__tcp_parse(p, n, SRC, DST, &s), SL__DROP_TCP_OFFSET);
  free(p);
}
END_TEST

START_TEST(test_tcp_bad_csum_rejected)
{
  struct sl__tcp_seg s;
  uint8_t buf[40];
  size_t n = raw_tcp(buf, SL__TCP_ACK, NULL, 0, 13);

  ck_assert_int_eq(sl__tcp_parse(buf, n, SRC, DST, &s), 0);
  /* One bit anywhere, payload included (its odd last byte too). */
  for (size_t bit = 0; bit < n * 8; bit++) {
    buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    ck_assert_int_eq(sl__tcp_parse(buf, n, SRC, DST, &s), SL__DROP_TCP_CSUM);
    buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
  }
}
END_TEST

/* Flags are the state machine's business: every combination parses,
 * SYN with FIN or RST and the "Christmas tree" included. */
START_TEST(test_tcp_every_flag_combination_accepted)
{
  static const uint8_t ok[] = {
      0,
      SL__TCP_SYN,
      SL__TCP_SYN | SL__TCP_ACK,
      SL__TCP_FIN | SL__TCP_ACK,
      SL__TCP_RST,
      SL__TCP_RST | SL__TCP_ACK,
      SL__TCP_FIN | SL__TCP_RST | SL__TCP_ACK,
      SL__TCP_SYN | SL__TCP_ECE | SL__TCP_CWR,
      SL__TCP_SYN | SL__TCP_FIN,
      SL__TCP_SYN | SL__TCP_FIN | SL__TCP_ACK,
      SL__TCP_SYN | SL__TCP_RST,
      0xff,
  };

  for (size_t i = 0; i < sizeof ok; i++) {
    struct sl__tcp_seg s;
    uint8_t buf[20];
    size_t n = raw_tcp(buf, ok[i], NULL, 0, 0);

    ck_assert_int_eq(sl__tcp_parse(buf, n, SRC, DST, &s), 0);
    ck_assert_uint_eq(s.flags, ok[i]);
  }
}
END_TEST

START_TEST(test_tcp_reserved_bits_ignored_and_written_zero)
{
  struct sl__tcp_seg s;
  uint8_t buf[20], out[20];
  size_t n = raw_tcp(buf, SL__TCP_ACK, NULL, 0, 0);

  buf[12] |= 0x0f;
  fix_tcp_csum(buf, n);
  ck_assert_int_eq(sl__tcp_parse(buf, n, SRC, DST, &s), 0);
  ck_assert_uint_eq(s.hdr_len, 20);
  ck_assert_uint_eq(s.flags, SL__TCP_ACK);
  ck_assert_uint_eq(sl__tcp_write(out, sizeof out, SRC, DST, &s), 20);
  ck_assert_uint_eq(out[12], 0x50);
}
END_TEST

/* ---- tcp_options --------------------------------------------------------- */

START_TEST(test_tcp_options_len_0_rejected)
{
  static const uint8_t o[] = {30, 0, 1, 1};
  struct sl__tcp_seg s;

  ck_assert_int_eq(parse_opts(o, sizeof o, &s), SL__DROP_TCP_OPTLEN);
}
END_TEST

START_TEST(test_tcp_options_len_1_rejected)
{
  static const uint8_t o[] = {1, 30, 1, 1};
  struct sl__tcp_seg s;

  ck_assert_int_eq(parse_opts(o, sizeof o, &s), SL__DROP_TCP_OPTLEN);
}
END_TEST

START_TEST(test_tcp_options_len_past_header_rejected)
{
  static const uint8_t o1[] = {1, 1, 30, 3}; /* needs 1 more byte */
  static const uint8_t o2[] = {2, 4, 5, 180, 8, 10, 0, 0}; /* TS cut short */
  static const uint8_t o3[] = {1, 1, 1, 2};   /* kind, no length byte */
  static const uint8_t fit[] = {1, 1, 30, 2}; /* exactly fits: fine */
  struct sl__tcp_seg s;

  ck_assert_int_eq(parse_opts(o1, sizeof o1, &s), SL__DROP_TCP_OPTLEN);
  ck_assert_int_eq(parse_opts(o2, sizeof o2, &s), SL__DROP_TCP_OPTLEN);
  ck_assert_int_eq(parse_opts(o3, sizeof o3, &s), SL__DROP_TCP_OPTLEN);
  ck_assert_int_eq(parse_opts(fit, sizeof fit, &s), 0);
}
END_TEST

START_TEST(test_tcp_options_option_ends_where_data_starts)
{
  /* An option running past the header must not read the payload, even
   * though the bytes are there. */
  static const uint8_t o[] = {1, 1, 2, 4};
  struct sl__tcp_seg s;
  uint8_t buf[40];
  size_t n = raw_tcp(buf, SL__TCP_SYN, o, sizeof o, 16);

  ck_assert_int_eq(sl__tcp_parse(buf, n, SRC, DST, &s), SL__DROP_TCP_OPTLEN);
}
END_TEST

START_TEST(test_tcp_options_mss_len_wrong_rejected)
{
  static const uint8_t o3[] = {2, 3, 5, 1};
  static const uint8_t o5[] = {2, 5, 5, 180, 0, 1, 1, 1};
  struct sl__tcp_seg s;

  ck_assert_int_eq(parse_opts(o3, sizeof o3, &s), SL__DROP_TCP_OPTLEN);
  ck_assert_int_eq(parse_opts(o5, sizeof o5, &s), SL__DROP_TCP_OPTLEN);
}
END_TEST

START_TEST(test_tcp_options_known_kinds_len_wrong_rejected)
{
  static const uint8_t ws[] = {3, 4, 7, 0};
  static const uint8_t sack_ok[] = {4, 3, 0, 1};
  static const uint8_t ts[] = {8, 8, 0, 0, 0, 1, 0, 0};
  static const uint8_t sack0[] = {1, 1, 5, 2};
  static const uint8_t sack9[] = {5, 9, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0};
  struct sl__tcp_seg s;

  ck_assert_int_eq(parse_opts(ws, sizeof ws, &s), SL__DROP_TCP_OPTLEN);
  ck_assert_int_eq(parse_opts(sack_ok, sizeof sack_ok, &s),
                   SL__DROP_TCP_OPTLEN);
  ck_assert_int_eq(parse_opts(ts, sizeof ts, &s), SL__DROP_TCP_OPTLEN);
  ck_assert_int_eq(parse_opts(sack0, sizeof sack0, &s), SL__DROP_TCP_OPTLEN);
  ck_assert_int_eq(parse_opts(sack9, sizeof sack9, &s), SL__DROP_TCP_OPTLEN);
}
END_TEST

START_TEST(test_tcp_options_unknown_kind_skipped)
{
  /* Kind 30 (MPTCP) with 6 bytes of its own, then an MSS. */
  static const uint8_t o[] = {30, 8, 9, 9, 9, 9, 9, 9, 2, 4, 0x05, 0xb4};
  struct sl__tcp_seg s;

  ck_assert_int_eq(parse_opts(o, sizeof o, &s), 0);
  ck_assert_uint_eq(s.opt.has_mss, 1);
  ck_assert_uint_eq(s.opt.mss, 1460);
}
END_TEST

START_TEST(test_tcp_options_eol_stops_parsing)
{
  /* After EOL comes padding, even if it looks like a broken option. */
  static const uint8_t o[] = {3, 3, 2, 0, 2, 0, 2, 9};
  struct sl__tcp_seg s;

  ck_assert_int_eq(parse_opts(o, sizeof o, &s), 0);
  ck_assert_uint_eq(s.opt.has_wscale, 1);
  ck_assert_uint_eq(s.opt.wscale, 2);
  ck_assert_uint_eq(s.opt.has_mss, 0);
}
END_TEST

START_TEST(test_tcp_options_sack_blocks_parsed)
{
  uint8_t o[36] = {1, 1, 5, 34};
  struct sl__tcp_seg s;

  for (unsigned b = 0; b < 4; b++) {
    sl__put32(o + 4 + 8 * b, 0xfffffff0u + b * 100);
    sl__put32(o + 8 + 8 * b, 0xfffffff0u + b * 100 + 50);
  }
  ck_assert_int_eq(parse_opts(o, sizeof o, &s), 0);
  ck_assert_uint_eq(s.opt.n_sack, 4);
  ck_assert_uint_eq(s.opt.sack[0][0], 0xfffffff0u);
  ck_assert_uint_eq(s.opt.sack[0][1], 0xfffffff0u + 50);
  ck_assert_uint_eq(s.opt.sack[3][0], 0xfffffff0u + 300);
  ck_assert_uint_eq(s.opt.sack[3][1], 0xfffffff0u + 350);
}
END_TEST

START_TEST(test_tcp_options_duplicate_last_wins)
{
  static const uint8_t o[] = {2, 4, 0x02, 0x18, 2, 4, 0x05, 0xb4};
  struct sl__tcp_seg s;

  ck_assert_int_eq(parse_opts(o, sizeof o, &s), 0);
  ck_assert_uint_eq(s.opt.mss, 1460);
}
END_TEST

START_TEST(test_tcp_options_every_combination_round_trips)
{
  for (unsigned mask = 0; mask < 16; mask++)
    for (unsigned n = 0; n <= 4; n++) {
      struct sl__tcp_seg in = {.sport = 1, .dport = 2, .flags = SL__TCP_ACK};
      struct sl__tcp_seg out;
      uint8_t buf[80];
      size_t olen, len, fixed;
      unsigned want;

      in.opt.has_mss = mask & 1;
      in.opt.mss = 1220;
      in.opt.has_wscale = (mask >> 1) & 1;
      in.opt.wscale = 14;
      in.opt.sack_ok = (mask >> 2) & 1;
      in.opt.has_ts = (mask >> 3) & 1;
      in.opt.ts_val = 0x01020304u;
      in.opt.ts_ecr = 0xa0b0c0d0u;
      in.opt.n_sack = (uint8_t)n;
      for (unsigned b = 0; b < 4; b++) {
        in.opt.sack[b][0] = 1000u * b;
        in.opt.sack[b][1] = 1000u * b + 500;
      }
      olen = sl__tcp_opts_len(&in.opt);
      ck_assert_uint_eq(olen % 4, 0);
      ck_assert_uint_le(olen, 40);
      len = sl__tcp_write(buf, sizeof buf, SRC, DST, &in);
      ck_assert_uint_eq(len, 20 + olen);
      ck_assert_int_eq(sl__tcp_parse(buf, len, SRC, DST, &out), 0);
      ck_assert_uint_eq(out.hdr_len, 20 + olen);
      ck_assert_uint_eq(out.opt.has_mss, in.opt.has_mss);
      ck_assert_uint_eq(out.opt.has_wscale, in.opt.has_wscale);
      ck_assert_uint_eq(out.opt.sack_ok, in.opt.sack_ok);
      ck_assert_uint_eq(out.opt.has_ts, in.opt.has_ts);
      if (in.opt.has_mss)
        ck_assert_uint_eq(out.opt.mss, 1220);
      if (in.opt.has_wscale)
        ck_assert_uint_eq(out.opt.wscale, 14);
      if (in.opt.has_ts) {
        ck_assert_uint_eq(out.opt.ts_val, in.opt.ts_val);
        ck_assert_uint_eq(out.opt.ts_ecr, in.opt.ts_ecr);
      }
      /* SACK blocks take 4 + 8n bytes of what the others leave of 40;
       * blocks that do not fit are dropped from the end. */
      fixed = (mask & 1 ? 4 : 0) + (mask & 2 ? 4 : 0) +
              (mask & 8   ? 12
               : mask & 4 ? 4
                          : 0);
      want = 40 - fixed >= 12 ? (unsigned)(40 - fixed - 4) / 8 : 0;
      if (want > n)
        want = n;
      ck_assert_uint_eq(out.opt.n_sack, want);
      ck_assert_uint_eq(olen, fixed + (want > 0 ? 4 + 8 * want : 0));
      for (unsigned b = 0; b < out.opt.n_sack; b++) {
        ck_assert_uint_eq(out.opt.sack[b][0], 1000u * b);
        ck_assert_uint_eq(out.opt.sack[b][1], 1000u * b + 500);
      }
    }
}
END_TEST

START_TEST(test_tcp_options_mss_written_first)
{
  struct sl__tcp_seg s = {.flags = SL__TCP_SYN};
  uint8_t buf[60];

  s.opt.has_mss = 1;
  s.opt.mss = 536;
  s.opt.has_wscale = 1;
  s.opt.wscale = 0;
  ck_assert_uint_eq(sl__tcp_write(buf, sizeof buf, SRC, DST, &s), 28);
  ck_assert_uint_eq(buf[20], SL__TCPOPT_MSS);
  ck_assert_uint_eq(buf[21], 4);
  ck_assert_uint_eq(sl__get16(buf + 22), 536);
  ck_assert_uint_eq(buf[24], SL__TCPOPT_NOP);
  ck_assert_uint_eq(buf[25], SL__TCPOPT_WSCALE);
}
END_TEST

START_TEST(test_tcp_options_sack_clamped_to_space)
{
  struct sl__tcp_opts o = {
      .has_mss = 1, .has_wscale = 1, .sack_ok = 1, .has_ts = 1, .n_sack = 4};

  /* 20 bytes of other options leave room for 2 blocks: 4 + 16. */
  ck_assert_uint_eq(sl__tcp_opts_len(&o), 40);
  o.has_mss = 0;
  o.has_wscale = 0;
  o.sack_ok = 0; /* TS alone: 12 bytes, room for 3 blocks */
  ck_assert_uint_eq(sl__tcp_opts_len(&o), 12 + 4 + 24);
  o.has_ts = 0;
  ck_assert_uint_eq(sl__tcp_opts_len(&o), 4 + 32);
  o.n_sack = 200; /* nonsense counts are clamped, never overrun sack[] */
  ck_assert_uint_eq(sl__tcp_opts_len(&o), 4 + 32);
}
END_TEST

/* ---- udp ----------------------------------------------------------------- */

START_TEST(test_udp_round_trip_odd_length)
{
  struct sl__udp_dgram in = {
      .sport = 5353, .dport = 53, .data = (const uint8_t *)"hello", .len = 5};
  struct sl__udp_dgram out;
  uint8_t buf[32];
  size_t n = sl__udp_write(buf, sizeof buf, SRC, DST, &in);
  uint8_t *p;

  ck_assert_uint_eq(n, 13);
  ck_assert_uint_eq(sl__get16(buf + 4), 13);
  ck_assert_uint_ne(sl__get16(buf + 6), 0);
  p = dup_exact(buf, n);
  ck_assert_int_eq(sl__udp_parse(p, n, SRC, DST, &out), 0);
  ck_assert_uint_eq(out.sport, 5353);
  ck_assert_uint_eq(out.dport, 53);
  ck_assert_uint_eq(out.len, 5);
  ck_assert_mem_eq(out.data, "hello", 5);
  free(p);
}
END_TEST

START_TEST(test_udp_empty_payload_round_trips)
{
  struct sl__udp_dgram in = {.sport = 1, .dport = 2}, out;
  uint8_t buf[8];

  ck_assert_uint_eq(sl__udp_write(buf, sizeof buf, SRC, DST, &in), 8);
  ck_assert_int_eq(sl__udp_parse(buf, 8, SRC, DST, &out), 0);
  ck_assert_uint_eq(out.len, 0);
  ck_assert_uint_eq(sl__udp_write(buf, 7, SRC, DST, &in), 0);
}
END_TEST

START_TEST(test_udp_write_too_long_for_ip4_returns_zero)
{
  static uint8_t big[65536];
  struct sl__udp_dgram u = {.data = big, .len = SL__IP4_MAX_PAYLOAD - 7};
  uint8_t *buf = malloc(sizeof big + 64);

  ck_assert_ptr_nonnull(buf);
  ck_assert_uint_eq(sl__udp_write(buf, sizeof big + 64, SRC, DST, &u), 0);
  u.len--;
  ck_assert_uint_eq(sl__udp_write(buf, sizeof big + 64, SRC, DST, &u),
                    SL__IP4_MAX_PAYLOAD);
  free(buf);
}
END_TEST

START_TEST(test_udp_computed_zero_sent_as_ffff)
{
  /* Pick the payload word that makes the one's complement sum 0xffff, so
   * the computed checksum is 0. */
  uint8_t data[2] = {0, 0}, buf[10];
  struct sl__udp_dgram in = {.sport = 7, .dport = 9, .data = data, .len = 2};
  struct sl__udp_dgram out;

  ck_assert_uint_eq(sl__udp_write(buf, sizeof buf, SRC, DST, &in), 10);
  sl__put16(data, sl__get16(buf + 6));
  ck_assert_uint_eq(sl__udp_write(buf, sizeof buf, SRC, DST, &in), 10);
  ck_assert_uint_eq(sl__get16(buf + 6), 0xffff);
  ck_assert_int_eq(sl__udp_parse(buf, 10, SRC, DST, &out), 0);
}
END_TEST

START_TEST(test_udp_short_every_length_rejected)
{
  uint8_t buf[8];
  struct sl__udp_dgram in = {.sport = 1, .dport = 2};

  ck_assert_uint_eq(sl__udp_write(buf, sizeof buf, SRC, DST, &in), 8);
  for (size_t n = 0; n < 8; n++) {
    struct sl__udp_dgram u;
    uint8_t *p = dup_exact(buf, n);

    ck_assert_int_eq(sl__udp_parse(p, n, SRC, DST, &u), SL__DROP_UDP_SHORT);
    free(p);
  }
}
END_TEST

START_TEST(test_udp_length_field_inconsistent_rejected)
{
  struct sl__udp_dgram in = {.data = (const uint8_t *)"abcd", .len = 4}, u;
  uint8_t buf[12];
  uint8_t *p;

  ck_assert_uint_eq(sl__udp_write(buf, sizeof buf, SRC, DST, &in), 12);
  sl__put16(buf + 6, 0); /* no checksum: only the length can fail */
  for (uint16_t ulen = 0; ulen < 8; ulen++) {
    sl__put16(buf + 4, ulen);
    ck_assert_int_eq(sl__udp_parse(buf, 12, SRC, DST, &u), SL__DROP_UDP_LEN);
  }
  sl__put16(buf + 4, 13);
  p = dup_exact(buf, 12);
  ck_assert_int_eq(sl__udp_parse(p, 12, SRC, DST, &u), SL__DROP_UDP_LEN);
  free(p);
  sl__put16(buf + 4, 0xffff);
  ck_assert_int_eq(sl__udp_parse(buf, 12, SRC, DST, &u), SL__DROP_UDP_LEN);
}
END_TEST

START_TEST(test_udp_bytes_past_length_ignored)
{
  struct sl__udp_dgram in = {.data = (const uint8_t *)"abc", .len = 3}, u;
  uint8_t buf[16];

  memset(buf, 0xee, sizeof buf);
  ck_assert_uint_eq(sl__udp_write(buf, sizeof buf, SRC, DST, &in), 11);
  ck_assert_int_eq(sl__udp_parse(buf, sizeof buf, SRC, DST, &u), 0);
  ck_assert_uint_eq(u.len, 3);
}
END_TEST

START_TEST(test_udp_bad_csum_rejected)
{
  struct sl__udp_dgram in = {.sport = 9, .dport = 10}, u;
  uint8_t data[9], buf[17];

  fill_pattern(data, sizeof data, 9);
  in.data = data;
  in.len = sizeof data;
  ck_assert_uint_eq(sl__udp_write(buf, sizeof buf, SRC, DST, &in), 17);
  for (size_t bit = 0; bit < sizeof buf * 8; bit++) {
    int r;

    if (bit / 8 == 4 || bit / 8 == 5)
      continue; /* the length field fails udp_len first */
    buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    r = sl__udp_parse(buf, sizeof buf, SRC, DST, &u);
    buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    ck_assert_int_eq(r, SL__DROP_UDP_CSUM);
  }
  ck_assert_int_eq(sl__udp_parse(buf, sizeof buf, DST, SRC + 2, &u),
                   SL__DROP_UDP_CSUM);
}
END_TEST

START_TEST(test_udp_csum_zero_accepted_unchecked)
{
  struct sl__udp_dgram in = {.data = (const uint8_t *)"abcd", .len = 4}, u;
  uint8_t buf[12];

  ck_assert_uint_eq(sl__udp_write(buf, sizeof buf, SRC, DST, &in), 12);
  sl__put16(buf + 6, 0);
  buf[9] ^= 0xff; /* damage that a checksum would have caught */
  ck_assert_int_eq(sl__udp_parse(buf, sizeof buf, SRC, DST, &u), 0);
  ck_assert_uint_eq(u.data[1], (uint8_t)('b' ^ 0xff));
}
END_TEST

/* ---- icmp ---------------------------------------------------------------- */

START_TEST(test_icmp_real_echo_parses_fields)
{
  struct sl__ip4_hdr h;
  struct sl__icmp_msg m;

  ck_assert_int_eq(sl__ip4_parse(real_echo, sizeof real_echo, &h), 0);
  ck_assert_uint_eq(h.proto, SL__IP_PROTO_ICMP);
  ck_assert_int_eq(sl__icmp_parse(real_echo + 20, 64, &m), 0);
  ck_assert_uint_eq(m.type, SL__ICMP_ECHO);
  ck_assert_uint_eq(m.code, 0);
  ck_assert_uint_eq(m.id, 45062);
  ck_assert_uint_eq(m.seq, 1);
  ck_assert_uint_eq(m.len, 56);
  ck_assert_ptr_eq(m.data, real_echo + 28);
}
END_TEST

START_TEST(test_icmp_echo_reply_round_trips_odd_length)
{
  /* A reply is the request with type 0 (RFC 792 "Echo or Echo Reply"). */
  struct sl__icmp_msg req, rep;
  uint8_t buf[80];
  size_t n;

  ck_assert_int_eq(sl__icmp_parse(real_echo + 20, 64, &req), 0);
  req.type = SL__ICMP_ECHO_REPLY;
  n = sl__icmp_write(buf, sizeof buf, &req);
  ck_assert_uint_eq(n, 64);
  ck_assert_uint_eq(ref_csum(buf, n), 0);
  ck_assert_int_eq(sl__icmp_parse(buf, n, &rep), 0);
  ck_assert_uint_eq(rep.type, 0);
  ck_assert_uint_eq(rep.id, 45062);
  ck_assert_uint_eq(rep.seq, 1);
  ck_assert_mem_eq(rep.data, real_echo + 28, 56);

  req.len = 5; /* odd length */
  n = sl__icmp_write(buf, sizeof buf, &req);
  ck_assert_uint_eq(n, 13);
  ck_assert_int_eq(sl__icmp_parse(buf, n, &rep), 0);
  ck_assert_uint_eq(sl__icmp_write(buf, 12, &req), 0);
}
END_TEST

START_TEST(test_icmp_write_too_long_for_ip4_returns_zero)
{
  static uint8_t big[65536];
  struct sl__icmp_msg m = {.type = 8, .data = big};
  uint8_t *buf = malloc(sizeof big + 64);

  ck_assert_ptr_nonnull(buf);
  m.len = SL__IP4_MAX_PAYLOAD - 7;
  ck_assert_uint_eq(sl__icmp_write(buf, sizeof big + 64, &m), 0);
  m.len--;
  ck_assert_uint_eq(sl__icmp_write(buf, sizeof big + 64, &m),
                    SL__IP4_MAX_PAYLOAD);
  free(buf);
}
END_TEST

START_TEST(test_icmp_short_every_length_rejected)
{
  for (size_t n = 0; n < 8; n++) {
    struct sl__icmp_msg m;
    uint8_t *p = dup_exact(real_echo + 20, n);

    ck_assert_int_eq(sl__icmp_parse(p, n, &m), SL__DROP_ICMP_SHORT);
    free(p);
  }
}
END_TEST

START_TEST(test_icmp_bad_csum_rejected)
{
  uint8_t buf[64];
  struct sl__icmp_msg m;

  memcpy(buf, real_echo + 20, sizeof buf);
  for (size_t bit = 0; bit < sizeof buf * 8; bit++) {
    buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    ck_assert_int_eq(sl__icmp_parse(buf, sizeof buf, &m), SL__DROP_ICMP_CSUM);
    buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
  }
}
END_TEST

START_TEST(test_icmp_unreach_quotes_header_and_8_bytes)
{
  /* A 100-byte UDP datagram to a closed port earns a port unreachable of
   * 8 + 20 + 8 bytes. */
  uint8_t orig[100], buf[64];
  struct sl__icmp_msg m;
  size_t n;

  memset(orig, 0x5a, sizeof orig);
  raw_ip4(orig, SL__IP_PROTO_UDP, 80);
  n = sl__icmp_unreach_write(buf, sizeof buf, SL__ICMP_UNREACH_PORT, orig,
                             sizeof orig);
  ck_assert_uint_eq(n, 36);
  ck_assert_int_eq(sl__icmp_parse(buf, n, &m), 0);
  ck_assert_uint_eq(m.type, SL__ICMP_UNREACH);
  ck_assert_uint_eq(m.code, SL__ICMP_UNREACH_PORT);
  ck_assert_uint_eq(m.id, 0); /* "unused" must be zero */
  ck_assert_uint_eq(m.seq, 0);
  ck_assert_uint_eq(m.len, 28);
  ck_assert_mem_eq(m.data, orig, 28);
  ck_assert_uint_eq(sl__icmp_unreach_write(buf, 35, 3, orig, sizeof orig), 0);
}
END_TEST

START_TEST(test_icmp_unreach_quotes_ip_options_and_short_datagrams)
{
  uint8_t orig[24 + 8 + 4], buf[64];
  struct sl__icmp_msg m;
  size_t n;

  memset(orig, 0x33, sizeof orig);
  raw_ip4(orig, 200, 0);
  orig[0] = 0x46; /* 24-byte header: the quote grows with it */
  n = sl__icmp_unreach_write(buf, sizeof buf, SL__ICMP_UNREACH_PROTO, orig,
                             sizeof orig);
  ck_assert_uint_eq(n, 8 + 24 + 8);
  /* A datagram shorter than header + 8 is quoted whole. */
  n = sl__icmp_unreach_write(buf, sizeof buf, 2, orig, 27);
  ck_assert_uint_eq(n, 8 + 27);
  ck_assert_int_eq(sl__icmp_parse(buf, n, &m), 0);
  ck_assert_mem_eq(m.data, orig, 27);
}
END_TEST

START_TEST(test_icmp_unreach_refuses_non_ip4_original)
{
  uint8_t orig[40], buf[64];

  raw_ip4(orig, SL__IP_PROTO_UDP, 20);
  ck_assert_uint_eq(sl__icmp_unreach_write(buf, sizeof buf, 3, orig, 19), 0);
  orig[0] = 0x45 ^ 0x20; /* version 6 */
  ck_assert_uint_eq(sl__icmp_unreach_write(buf, sizeof buf, 3, orig, 40), 0);
  orig[0] = 0x44; /* IHL 4 */
  ck_assert_uint_eq(sl__icmp_unreach_write(buf, sizeof buf, 3, orig, 40), 0);
  orig[0] = 0x4f; /* IHL past the datagram */
  ck_assert_uint_eq(sl__icmp_unreach_write(buf, sizeof buf, 3, orig, 40), 0);
}
END_TEST

START_TEST(test_icmp_quote_gives_inner_header_and_ports)
{
  uint8_t orig[40], buf[64];
  struct sl__udp_dgram d = {.sport = 40000, .dport = 33434};
  struct sl__icmp_msg m;
  struct sl__icmp_quote q;
  size_t n;

  raw_ip4(orig, SL__IP_PROTO_UDP, 12);
  d.data = (const uint8_t *)"ping";
  d.len = 4;
  ck_assert_uint_eq(sl__udp_write(orig + 20, 20, SRC, DST, &d), 12);
  n = sl__icmp_unreach_write(buf, sizeof buf, 3, orig, 32);
  ck_assert_int_eq(sl__icmp_parse(buf, n, &m), 0);
  ck_assert_int_eq(sl__icmp_quote_parse(&m, &q), 0);
  ck_assert_uint_eq(q.ip.src, SRC);
  ck_assert_uint_eq(q.ip.dst, DST);
  ck_assert_uint_eq(q.ip.proto, SL__IP_PROTO_UDP);
  ck_assert_uint_eq(q.ip.total_len, 32);
  ck_assert_uint_eq(q.ip.hdr_len, 20);
  ck_assert_uint_eq(q.sport, 40000);
  ck_assert_uint_eq(q.dport, 33434);
  ck_assert_uint_eq(q.l4_len, 8);
  ck_assert_ptr_eq(q.l4, m.data + 20);
}
END_TEST

/* TCP's sequence number sits in the 8 bytes RFC 792 quotes, so the
 * receiver can tell whether the error concerns a segment in flight. */
START_TEST(test_icmp_quote_gives_tcp_sequence_number)
{
  uint8_t orig[40], buf[64];
  struct sl__tcp_seg s = {.sport = 40000, .dport = 80, .seq = 0xdeadbeef};
  struct sl__icmp_msg m;
  struct sl__icmp_quote q;
  size_t n;

  raw_ip4(orig, SL__IP_PROTO_TCP, 20);
  ck_assert_uint_eq(sl__tcp_write(orig + 20, 20, SRC, DST, &s), 20);
  n = sl__icmp_unreach_write(buf, sizeof buf, 3, orig, 40);
  ck_assert_int_eq(sl__icmp_parse(buf, n, &m), 0);
  ck_assert_int_eq(sl__icmp_quote_parse(&m, &q), 0);
  ck_assert_uint_eq(q.sport, 40000);
  ck_assert_uint_eq(q.seq, 0xdeadbeef);
}
END_TEST

START_TEST(test_icmp_quote_truncated_or_not_ip4_rejected)
{
  uint8_t orig[28], buf[64];
  struct sl__icmp_msg m;
  struct sl__icmp_quote q;
  size_t n;

  memset(orig, 0, sizeof orig);
  raw_ip4(orig, SL__IP_PROTO_TCP, 8);
  /* Only 7 bytes of the TCP header quoted: the ports are there, but RFC
   * 792 promises 8, and less means a broken sender. */
  n = sl__icmp_unreach_write(buf, sizeof buf, 3, orig, 27);
  ck_assert_int_eq(sl__icmp_parse(buf, n, &m), 0);
  ck_assert_int_eq(sl__icmp_quote_parse(&m, &q), SL__DROP_ICMP_QUOTE);
  m.len = 19;
  ck_assert_int_eq(sl__icmp_quote_parse(&m, &q), SL__DROP_ICMP_QUOTE);

  n = sl__icmp_unreach_write(buf, sizeof buf, 3, orig, 28);
  ck_assert_int_eq(sl__icmp_parse(buf, n, &m), 0);
  ck_assert_int_eq(sl__icmp_quote_parse(&m, &q), 0);
  buf[8] = 0x65; /* quoted version 6 */
  ck_assert_int_eq(sl__icmp_quote_parse(&m, &q), SL__DROP_ICMP_QUOTE);
  buf[8] = 0x44; /* quoted IHL 4 */
  ck_assert_int_eq(sl__icmp_quote_parse(&m, &q), SL__DROP_ICMP_QUOTE);
  buf[8] = 0x46; /* quoted IHL 6: header + 8 no longer fit in 28 */
  ck_assert_int_eq(sl__icmp_quote_parse(&m, &q), SL__DROP_ICMP_QUOTE);
}
END_TEST

/* ---- seq ----------------------------------------------------------------- */

START_TEST(test_seq_plain_order)
{
  ck_assert(SL_SEQ_LT(1, 2));
  ck_assert(!SL_SEQ_LT(2, 1));
  ck_assert(!SL_SEQ_LT(5, 5));
  ck_assert(SL_SEQ_LEQ(5, 5));
  ck_assert(SL_SEQ_GEQ(5, 5));
  ck_assert(!SL_SEQ_GT(5, 5));
  ck_assert(SL_SEQ_GT(1000, 999));
  ck_assert(SL_SEQ_GEQ(1000, 999));
  ck_assert(!SL_SEQ_LEQ(1000, 999));
}
END_TEST

START_TEST(test_seq_across_wrap_orders_by_distance)
{
  uint32_t before = 0xfffffff0u, after = 0x00000010u;

  /* Plain comparison gets this wrong; sequence space does not. */
  ck_assert(before > after);
  ck_assert(SL_SEQ_LT(before, after));
  ck_assert(SL_SEQ_LEQ(before, after));
  ck_assert(SL_SEQ_GT(after, before));
  ck_assert(SL_SEQ_GEQ(after, before));
  ck_assert(!SL_SEQ_GT(before, after));
  ck_assert(SL_SEQ_LT(0xffffffffu, 0));
  ck_assert(SL_SEQ_GT(0, 0xffffffffu));
  ck_assert(SL_SEQ_LT(before, before + 100)); /* the sum wraps */
  ck_assert_uint_eq(SL_SEQ_MAX(before, after), after);
  ck_assert_uint_eq(SL_SEQ_MIN(before, after), before);
  ck_assert_uint_eq(SL_SEQ_MAX(after, before), after);
  ck_assert_uint_eq(SL_SEQ_MIN(after, before), before);
}
END_TEST

START_TEST(test_seq_half_space_boundary)
{
  /* Up to 2^31 - 1 ahead is "later"; exactly 2^31 is ambiguous, and the
   * macros call each number less than the other (documented in seq.h). */
  uint32_t a = 123;

  ck_assert(SL_SEQ_LT(a, a + 0x7fffffffu));
  ck_assert(SL_SEQ_GT(a, a + 0x80000001u));
  ck_assert(SL_SEQ_LT(a, a + 0x80000000u));
  ck_assert(SL_SEQ_LT(a + 0x80000000u, a));
}
END_TEST

/* ---- suite --------------------------------------------------------------- */

Suite *
wire_suite(void)
{
  Suite *s = suite_create("wire");
  TCase *tc;

  tc = tcase_create("drop");
  tcase_add_test(tc, test_drop_names_are_snake_case_and_unique);
  tcase_add_test(tc, test_drop_names_match_enum);
  suite_add_tcase(s, tc);

  tc = tcase_create("checksum");
  tcase_add_test(tc, test_checksum_rfc1071_example_matches);
  tcase_add_test(tc, test_checksum_real_syn_ip_header_verifies);
  tcase_add_test(tc, test_checksum_real_syn_tcp_verifies);
  tcase_add_test(tc, test_checksum_real_echo_verifies);
  tcase_add_test(tc, test_checksum_odd_length_pads_right_with_zero);
  tcase_add_test(tc,
                 test_checksum_every_length_and_alignment_matches_reference);
  tcase_add_test(tc, test_checksum_all_ones_data_sums_without_overflow);
  tcase_add_test(tc, test_checksum_zero_data_gives_ffff);
  tcase_add_test(tc, test_checksum_even_chunks_chain_like_one_buffer);
  tcase_add_test(tc, test_checksum_three_chunks_odd_last_chain);
  tcase_add_test(tc, test_checksum_pseudo_matches_explicit_bytes);
  tcase_add_test(tc, test_checksum_fold_adds_carries_back);
  suite_add_tcase(s, tc);

  tc = tcase_create("ip4");
  tcase_add_test(tc, test_ip4_real_syn_parses_fields);
  tcase_add_test(tc, test_ip4_write_reproduces_real_headers);
  tcase_add_test(tc, test_ip4_round_trip_keeps_every_field);
  tcase_add_test(tc, test_ip4_write_small_cap_returns_zero);
  tcase_add_test(tc, test_ip4_short_every_length_rejected);
  tcase_add_test(tc, test_ip4_version_6_rejected);
  tcase_add_test(tc, test_ip4_ihl_below_5_rejected);
  tcase_add_test(tc, test_ip4_ihl_past_buffer_rejected);
  tcase_add_test(tc, test_ip4_options_skipped_and_counted_in_hdr_len);
  tcase_add_test(tc, test_ip4_option_length_0_1_or_past_header_rejected);
  tcase_add_test(tc, test_ip4_well_formed_options_accepted);
  tcase_add_test(tc, test_ip4_totlen_below_header_rejected);
  tcase_add_test(tc, test_ip4_totlen_past_buffer_rejected);
  tcase_add_test(tc, test_ip4_link_padding_ignored);
  tcase_add_test(tc, test_ip4_bad_csum_rejected);
  tcase_add_test(tc, test_ip4_any_single_bit_flip_rejected);
  tcase_add_test(tc, test_ip4_ttl_zero_and_one_accepted);
  tcase_add_test(tc, test_ip4_fragment_with_mf_rejected);
  tcase_add_test(tc, test_ip4_fragment_with_offset_rejected);
  suite_add_tcase(s, tc);

  tc = tcase_create("tcp");
  tcase_add_test(tc, test_tcp_real_syn_parses_fields);
  tcase_add_test(tc, test_tcp_real_synack_parses_fields);
  tcase_add_test(tc, test_tcp_real_psh_carries_data);
  tcase_add_test(tc, test_tcp_write_reproduces_real_segments);
  tcase_add_test(tc, test_tcp_round_trip_odd_data_keeps_every_field);
  tcase_add_test(tc, test_tcp_write_small_cap_returns_zero);
  tcase_add_test(tc, test_tcp_write_too_long_for_ip4_returns_zero);
  tcase_add_test(tc, test_tcp_write_data_already_in_buffer);
  tcase_add_test(tc, test_tcp_short_every_length_rejected);
  tcase_add_test(tc, test_tcp_offset_below_5_rejected);
  tcase_add_test(tc, test_tcp_offset_past_len_rejected);
  tcase_add_test(tc, test_tcp_bad_csum_rejected);
  tcase_add_test(tc, test_tcp_every_flag_combination_accepted);
  tcase_add_test(tc, test_tcp_reserved_bits_ignored_and_written_zero);
  suite_add_tcase(s, tc);

  tc = tcase_create("tcp_options");
  tcase_add_test(tc, test_tcp_options_len_0_rejected);
  tcase_add_test(tc, test_tcp_options_len_1_rejected);
  tcase_add_test(tc, test_tcp_options_len_past_header_rejected);
  tcase_add_test(tc, test_tcp_options_option_ends_where_data_starts);
  tcase_add_test(tc, test_tcp_options_mss_len_wrong_rejected);
  tcase_add_test(tc, test_tcp_options_known_kinds_len_wrong_rejected);
  tcase_add_test(tc, test_tcp_options_unknown_kind_skipped);
  tcase_add_test(tc, test_tcp_options_eol_stops_parsing);
  tcase_add_test(tc, test_tcp_options_sack_blocks_parsed);
  tcase_add_test(tc, test_tcp_options_duplicate_last_wins);
  tcase_add_test(tc, test_tcp_options_every_combination_round_trips);
  tcase_add_test(tc, test_tcp_options_mss_written_first);
  tcase_add_test(tc, test_tcp_options_sack_clamped_to_space);
  suite_add_tcase(s, tc);

  tc = tcase_create("udp");
  tcase_add_test(tc, test_udp_round_trip_odd_length);
  tcase_add_test(tc, test_udp_empty_payload_round_trips);
  tcase_add_test(tc, test_udp_write_too_long_for_ip4_returns_zero);
  tcase_add_test(tc, test_udp_computed_zero_sent_as_ffff);
  tcase_add_test(tc, test_udp_short_every_length_rejected);
  tcase_add_test(tc, test_udp_length_field_inconsistent_rejected);
  tcase_add_test(tc, test_udp_bytes_past_length_ignored);
  tcase_add_test(tc, test_udp_bad_csum_rejected);
  tcase_add_test(tc, test_udp_csum_zero_accepted_unchecked);
  suite_add_tcase(s, tc);

  tc = tcase_create("icmp");
  tcase_add_test(tc, test_icmp_real_echo_parses_fields);
  tcase_add_test(tc, test_icmp_echo_reply_round_trips_odd_length);
  tcase_add_test(tc, test_icmp_write_too_long_for_ip4_returns_zero);
  tcase_add_test(tc, test_icmp_short_every_length_rejected);
  tcase_add_test(tc, test_icmp_bad_csum_rejected);
  tcase_add_test(tc, test_icmp_unreach_quotes_header_and_8_bytes);
  tcase_add_test(tc, test_icmp_unreach_quotes_ip_options_and_short_datagrams);
  tcase_add_test(tc, test_icmp_unreach_refuses_non_ip4_original);
  tcase_add_test(tc, test_icmp_quote_gives_inner_header_and_ports);
  tcase_add_test(tc, test_icmp_quote_gives_tcp_sequence_number);
  tcase_add_test(tc, test_icmp_quote_truncated_or_not_ip4_rejected);
  suite_add_tcase(s, tc);

  tc = tcase_create("seq");
  tcase_add_test(tc, test_seq_plain_order);
  tcase_add_test(tc, test_seq_across_wrap_orders_by_distance);
  tcase_add_test(tc, test_seq_half_space_boundary);
  suite_add_tcase(s, tc);

  return s;
}
