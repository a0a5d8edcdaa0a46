/* Wire formats of the stack core: IPv4 (RFC 791 section 3.1), ICMP (RFC
 * 792), UDP (RFC 768) and TCP (RFC 9293 section 3.1, options from RFC 7323
 * and RFC 2018) headers parsed into host-order structs and written back,
 * and the Internet checksum (RFC 1071).  Bytes only: no protocol logic. */
#ifndef SOCKLAB_CORE_WIRE_H
#define SOCKLAB_CORE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "core/seq.h"

/* ---- why a packet was dropped --------------------------------------- */

/* One table gives each reason its enum constant and the short snake_case
 * name that traces and drop counters print.  Parsers return 0
 * (SL__DROP_NONE) for a good packet and a positive reason otherwise.
 * Reasons the protocol layers find go at the end of the list. */
#define SL__DROP_REASONS(X)                                                    \
  X(NONE, "none")             /* not dropped */                                \
  X(IP_SHORT, "ip_short")     /* fewer bytes than an IPv4 header */            \
  X(IP_VERSION, "ip_version") /* version field is not 4 */                     \
  X(IP_HDRLEN, "ip_hdrlen")   /* IHL < 5, or header longer than the packet */  \
  X(IP_TOTLEN, "ip_totlen")   /* total length < header or > packet */          \
  X(IP_CSUM, "ip_csum")       /* header checksum wrong */                      \
  X(IP_OPT, "ip_opt")         /* an IP option's length impossible */           \
  X(IP_FRAG, "ip_frag")       /* a fragment; we do not reassemble */           \
  X(IP_PROTO, "ip_proto")     /* protocol not spoken (caller decides) */       \
  X(ICMP_SHORT, "icmp_short") /* fewer bytes than an ICMP header */            \
  X(ICMP_CSUM, "icmp_csum")   /* ICMP checksum wrong */                        \
  X(ICMP_QUOTE, "icmp_quote") /* error quotes no usable IPv4 header */         \
  X(UDP_SHORT, "udp_short")   /* fewer bytes than a UDP header */              \
  X(UDP_LEN, "udp_len")       /* length field < 8 or > the datagram */         \
  X(UDP_CSUM, "udp_csum")     /* UDP checksum present and wrong */             \
  X(TCP_SHORT, "tcp_short")   /* fewer bytes than a TCP header */              \
  X(TCP_OFFSET, "tcp_offset") /* data offset < 5 or past the segment */        \
  X(TCP_CSUM, "tcp_csum")     /* TCP checksum wrong */                         \
  X(TCP_OPTLEN, "tcp_optlen") /* option length impossible or wrong */          \
  /* Reasons found by the protocol layers, not by the parsers: */              \
  X(IP_ADDR, "ip_addr")             /* destination is not one of ours */       \
  X(IP_SRC, "ip_src")               /* source no host can have */              \
  X(UDP_NO_PORT, "udp_no_port")     /* no socket bound to the port */          \
  X(UDP_RCVBUF, "udp_rcvbuf")       /* receive buffer of the socket full */    \
  X(TCP_NO_SOCKET, "tcp_no_socket") /* no connection or listener */            \
  X(TCP_BACKLOG, "tcp_backlog")     /* listener's queues full */               \
  X(TCP_STATE, "tcp_state")         /* flags make no sense in this state */    \
  X(TCP_SEQ, "tcp_seq")             /* outside the receive window */           \
  X(TCP_ACK, "tcp_ack")             /* ACK not acceptable here */              \
  X(TCP_RST, "tcp_rst")             /* RST failing its checks (RFC 5961) */    \
  X(TCP_SYN, "tcp_syn")             /* SYN in a synchronized state */          \
  X(TCP_FLAGS, "tcp_flags")         /* SYN+FIN in LISTEN or SYN-SENT */        \
  X(ICMP_SEQ, "icmp_seq")           /* quoted seq not in flight (RFC 5927) */

/* clang-format cannot tell that the macro expands to enumerators. */
/* clang-format off */
enum sl__drop {
#define SL__DROP_ENUM(name, str) SL__DROP_##name,
  SL__DROP_REASONS(SL__DROP_ENUM)
#undef SL__DROP_ENUM
  SL__DROP_COUNT /* number of reasons, for sizing counter arrays */
};
/* clang-format on */

/* The reason's snake_case name ("ip_frag"); "unknown" when out of range. */
const char *sl__drop_name(enum sl__drop reason);

/* ---- big-endian fields ---------------------------------------------- */

/* Network byte order is big-endian (RFC 791 Appendix B).  These read and
 * write one field at any alignment, whatever the host's byte order. */
static inline uint16_t
sl__get16(const uint8_t *p)
{
  return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
sl__get32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static inline void
sl__put16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static inline void
sl__put32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* ---- Internet checksum (RFC 1071; checksum.c) ----------------------- */

/* The checksum is computed in three steps so that one sum can run over
 * pieces that are not contiguous, such as a pseudo-header and a segment:
 *
 *     sum = sl__csum_pseudo(src, dst, SL__IP_PROTO_TCP, seg_len);
 *     sum = sl__csum_add(sum, hdr, hdr_len);
 *     sum = sl__csum_add(sum, data, data_len);
 *     sl__put16(hdr + 16, sl__csum_fold(sum));
 *
 * Chaining rule: every piece except the last must have an even length.
 * Each call reads its first byte as the high byte of a 16-bit word; after
 * an odd-length piece the next one would start in the middle of a word.
 * Only the last piece may be odd: its final byte is padded with a zero
 * byte on the right, as RFC 9293 section 3.1 prescribes.
 *
 * To check a received packet, run the same sum over it with its checksum
 * field left in place: the fold is 0 when the packet is intact. */

/* Adds len bytes at data (any alignment) to the partial sum `sum` and
 * returns the new partial sum.  Start a sum with 0 or with
 * sl__csum_pseudo().  Partial sums are opaque 32-bit values meant only
 * for sl__csum_add() and sl__csum_fold(). */
uint32_t sl__csum_add(uint32_t sum, const void *data, size_t len);

/* Folds a partial sum to 16 bits and complements it: the value for the
 * checksum field, in host order (store it with sl__put16). */
uint16_t sl__csum_fold(uint32_t sum);

/* Partial sum of the TCP/UDP pseudo-header (RFC 9293 section 3.1, RFC 768):
 * source and destination address, zero, protocol, and the length of the
 * TCP segment or UDP datagram, header included.  All in host order. */
uint32_t sl__csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto,
                         uint16_t len);

/* The checksum of one contiguous buffer, ready for the checksum field. */
uint16_t sl__inet_csum(const void *data, size_t len);

/* ---- IPv4 (RFC 791 section 3.1) -------------------------------------- */

#define SL__IP4_HDR_LEN     20    /* header without options */
#define SL__IP4_MAX_PAYLOAD 65515 /* 65535 (total length) - 20 */

#define SL__IPOPT_EOL 0 /* option type: end of option list, 1 octet */
#define SL__IPOPT_NOP 1 /* option type: no operation, 1 octet */

#define SL__IP4_DF      0x4000 /* frag_off: don't fragment */
#define SL__IP4_MF      0x2000 /* frag_off: more fragments */
#define SL__IP4_OFFMASK 0x1fff /* frag_off: offset, in 8-byte units */

#define SL__IP_PROTO_ICMP 1
#define SL__IP_PROTO_TCP  6
#define SL__IP_PROTO_UDP  17

struct sl__ip4_hdr {
  uint8_t hdr_len;    /* bytes, 20..60; options are skipped, not kept */
  uint8_t tos;        /* DSCP and ECN bits, as received */
  uint16_t total_len; /* header + payload, bytes */
  uint16_t id;        /* identification */
  uint16_t frag_off;  /* flags and fragment offset, raw (SL__IP4_DF...) */
  uint8_t ttl;        /* time to live */
  uint8_t proto;      /* SL__IP_PROTO_TCP, ... */
  uint32_t src, dst;  /* addresses, host order */
  uint8_t opt_err;    /* ip_opt: offset in the header of the octet in
                         error, the parameter problem's pointer */
};

/* Don't Fragment / More Fragments set. */
static inline int
sl__ip4_df(const struct sl__ip4_hdr *h)
{
  return (h->frag_off & SL__IP4_DF) != 0;
}

static inline int
sl__ip4_mf(const struct sl__ip4_hdr *h)
{
  return (h->frag_off & SL__IP4_MF) != 0;
}

/* Where this fragment's data starts in the original payload, in bytes. */
static inline unsigned
sl__ip4_frag_offset(const struct sl__ip4_hdr *h)
{
  return (unsigned)(h->frag_off & SL__IP4_OFFMASK) * 8u;
}

/* A fragment is any piece but a whole datagram: MF set or offset non-zero.
 * The first fragment has offset 0 and MF; the last has an offset, no MF. */
static inline int
sl__ip4_is_frag(const struct sl__ip4_hdr *h)
{
  return (h->frag_off & (SL__IP4_MF | SL__IP4_OFFMASK)) != 0;
}

/* Bytes of payload after the header (the TCP segment, UDP datagram...). */
static inline size_t
sl__ip4_payload_len(const struct sl__ip4_hdr *h)
{
  return (size_t)h->total_len - h->hdr_len;
}

/* Parses and validates the IPv4 header at pkt (len bytes as received from
 * the link).  Checks, in order: at least 20 bytes (ip_short); version 4
 * (ip_version); IHL >= 5 and IHL*4 <= len (ip_hdrlen); IHL*4 <= total
 * length <= len (ip_totlen); header checksum (ip_csum); options well
 * formed (ip_opt, with h->opt_err); not a fragment (ip_frag).  Options:
 * end of list (type 0) ends the area, no-operation (1) is one octet,
 * every other has a length octet of at least 2 that stays within the
 * header (RFC 791 section 3.1); their contents are not read.  The TTL is
 * not checked (RFC 1122 section 3.2.1.7: any TTL reaches the host it is
 * addressed to).  Bytes after total_len are link padding (Ethernet pads
 * short frames to 60 bytes) and are ignored: the payload is pkt +
 * h->hdr_len, sl__ip4_payload_len(h) bytes.  Returns 0 or the reason.
 * *h is filled in when the result is 0, SL__DROP_IP_OPT or
 * SL__DROP_IP_FRAG, so those can be traced and answered; otherwise its
 * contents are unspecified. */
int sl__ip4_parse(const uint8_t *pkt, size_t len, struct sl__ip4_hdr *h);

/* Writes a 20-byte header (no options) from h, with version 4 and the
 * checksum computed; h->hdr_len is ignored.  The caller sets total_len to
 * 20 + payload length.  Returns 20, or 0 if cap < 20 or total_len < 20. */
size_t sl__ip4_write(uint8_t *buf, size_t cap, const struct sl__ip4_hdr *h);

/* ---- ICMP (RFC 792) -------------------------------------------------- */

#define SL__ICMP_HDR_LEN 8

#define SL__ICMP_ECHO_REPLY    0
#define SL__ICMP_UNREACH       3
#define SL__ICMP_ECHO          8
#define SL__ICMP_TIME_EXCEEDED 11
#define SL__ICMP_PARAM_PROBLEM 12

/* Codes of SL__ICMP_UNREACH.  In NEEDFRAG, seq is the next-hop MTU (RFC
 * 1191). */
#define SL__ICMP_UNREACH_NET      0
#define SL__ICMP_UNREACH_HOST     1
#define SL__ICMP_UNREACH_PROTO    2
#define SL__ICMP_UNREACH_PORT     3
#define SL__ICMP_UNREACH_NEEDFRAG 4

struct sl__icmp_msg {
  uint8_t type, code;
  /* Bytes 4-7 of the message.  Echo and echo reply: identifier and
   * sequence number.  Other types: the raw "unused" word, whose low half
   * is the next-hop MTU in a fragmentation-needed message. */
  uint16_t id, seq;
  const uint8_t *data; /* after the 8-byte header; the quote in errors */
  size_t len;          /* bytes at data */
};

/* Parses the ICMP message at msg (the IPv4 payload, len bytes): at least 8
 * bytes (icmp_short) and a checksum over the whole message that verifies
 * (icmp_csum).  Returns 0 or the reason; *m is valid only on 0. */
int sl__icmp_parse(const uint8_t *msg, size_t len, struct sl__icmp_msg *m);

/* Writes the 8-byte header and m->len bytes of m->data (which may lie in
 * buf) with the checksum computed.  Returns the message length, or 0 if
 * it does not fit in cap or in an IPv4 datagram. */
size_t sl__icmp_write(uint8_t *buf, size_t cap, const struct sl__icmp_msg *m);

/* Writes an ICMP error message of the given type and code, quoting the
 * original datagram's IP header and the first 8 bytes of its payload (RFC
 * 792), or fewer if the datagram is shorter.  pointer goes in the first
 * octet after the checksum: a parameter problem's pointer (type 12), 0
 * for the other types.  orig is the datagram as received, without link
 * padding (its total_len bytes).  Whether an error may be sent at all
 * (never about an ICMP error, a broadcast or a non-initial fragment: RFC
 * 1122 section 3.2.2) is the caller's decision.  Returns the message
 * length, or 0 if orig is no IPv4 header or the message does not fit in
 * cap. */
size_t sl__icmp_error_write(uint8_t *buf, size_t cap, uint8_t type,
                            uint8_t code, uint8_t pointer, const uint8_t *orig,
                            size_t orig_len);

/* A destination unreachable (type 3) with the given code: the above. */
size_t sl__icmp_unreach_write(uint8_t *buf, size_t cap, uint8_t code,
                              const uint8_t *orig, size_t orig_len);

/* What an ICMP error message says about one of our own datagrams. */
struct sl__icmp_quote {
  struct sl__ip4_hdr ip; /* the quoted header: ip.src is us */
  uint16_t sport, dport; /* first 4 bytes of the quoted payload: the ports
                            for TCP and UDP */
  uint32_t seq;          /* bytes 4-7: TCP's sequence number (RFC 5927) */
  const uint8_t *l4;     /* the quoted payload: the first 8 bytes or more */
  size_t l4_len;         /* >= 8 */
};

/* Extracts the quoted datagram from an error message (unreachable, time
 * exceeded, parameter problem) that sl__icmp_parse() accepted.  Needs a
 * version-4 header with IHL >= 5 followed by at least 8 bytes (RFC 792);
 * otherwise returns SL__DROP_ICMP_QUOTE.  The quoted total length and
 * checksum are not checked: the quote is truncated by design, and the
 * header only serves to find the connection it concerns. */
int sl__icmp_quote_parse(const struct sl__icmp_msg *m,
                         struct sl__icmp_quote *q);

/* ---- UDP (RFC 768) --------------------------------------------------- */

#define SL__UDP_HDR_LEN 8

struct sl__udp_dgram {
  uint16_t sport, dport;
  const uint8_t *data; /* payload */
  size_t len;          /* payload bytes */
};

/* Parses the UDP datagram at d (the IPv4 payload, len bytes) sent from src
 * to dst (host order, for the pseudo-header).  Checks: at least 8 bytes
 * (udp_short); length field >= 8 and <= len (udp_len); checksum, unless
 * the field is 0, which RFC 768 defines as "no checksum" (udp_csum).
 * Bytes past the length field are ignored, as Linux and the BSDs do.
 * Returns 0 or the reason; *u is valid only on 0. */
int sl__udp_parse(const uint8_t *d, size_t len, uint32_t src, uint32_t dst,
                  struct sl__udp_dgram *u);

/* Writes header and payload (u->data may lie in buf) with the checksum
 * always computed; a computed 0 is sent as 0xFFFF, because 0 would mean
 * "no checksum" (RFC 768).  Returns 8 + u->len, or 0 if that does not fit
 * in cap or in an IPv4 datagram. */
size_t sl__udp_write(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst,
                     const struct sl__udp_dgram *u);

/* ---- TCP (RFC 9293 section 3.1) -------------------------------------- */

#define SL__TCP_HDR_LEN  20 /* header without options */
#define SL__TCP_OPT_MAX  40 /* data offset 15 words = 60 bytes, minus 20 */
#define SL__TCP_SACK_MAX 4  /* SACK blocks that fit in 40 bytes */

#define SL__TCP_FIN 0x01
#define SL__TCP_SYN 0x02
#define SL__TCP_RST 0x04
#define SL__TCP_PSH 0x08
#define SL__TCP_ACK 0x10
#define SL__TCP_URG 0x20
#define SL__TCP_ECE 0x40
#define SL__TCP_CWR 0x80

/* Option kinds (IANA "TCP Option Kind Numbers"). */
#define SL__TCPOPT_EOL     0 /* end of option list, 1 byte */
#define SL__TCPOPT_NOP     1 /* padding, 1 byte */
#define SL__TCPOPT_MSS     2 /* maximum segment size, 4 bytes (RFC 9293) */
#define SL__TCPOPT_WSCALE  3 /* window scale, 3 bytes (RFC 7323) */
#define SL__TCPOPT_SACK_OK 4 /* SACK permitted, 2 bytes (RFC 2018) */
#define SL__TCPOPT_SACK    5 /* SACK blocks, 2 + 8n bytes (RFC 2018) */
#define SL__TCPOPT_TS      8 /* timestamps, 10 bytes (RFC 7323) */

/* The options socklab understands, as found on the wire.  Values are not
 * judged here: whether an MSS outside a SYN counts, or a window scale
 * above 14 is clamped (RFC 7323 section 2.3), is the protocol's call. */
struct sl__tcp_opts {
  uint16_t mss;        /* maximum segment size, if has_mss */
  uint8_t has_mss;     /* an MSS option was present / is to be sent */
  uint8_t has_wscale;  /* a window-scale option ... */
  uint8_t wscale;      /* shift count, raw */
  uint8_t sack_ok;     /* SACK-permitted option present */
  uint8_t has_ts;      /* timestamps option present */
  uint32_t ts_val;     /* TSval */
  uint32_t ts_ecr;     /* TSecr */
  uint8_t n_sack;      /* SACK blocks in sack[], 0..4 */
  uint32_t sack[4][2]; /* [i][0] left edge, [i][1] right edge */
};

struct sl__tcp_seg {
  uint16_t sport, dport;
  uint32_t seq, ack;
  uint8_t hdr_len; /* bytes, 20..60 (parse only; write computes it) */
  uint8_t flags;   /* SL__TCP_FIN | ... */
  uint16_t wnd;    /* window field, not yet scaled */
  uint16_t urg;    /* urgent pointer */
  struct sl__tcp_opts opt;
  const uint8_t *data; /* payload */
  size_t len;          /* payload bytes */
};

/* Parses the TCP segment at seg (the IPv4 payload, len <= 65515 bytes)
 * sent from src to dst (host order, for the pseudo-header).  Checks, in
 * order: at least 20 bytes (tcp_short); the checksum (tcp_csum) before any
 * field is believed, so a corrupted segment counts as corrupted whatever
 * field the damage hit; data offset >= 5 words and within len
 * (tcp_offset); options well formed (tcp_optlen).  Flags are not judged:
 * SYN with FIN or RST is for the state machine to answer.  Options: EOL ends
 * the list; NOP is skipped; MSS must have length 4, window scale 3,
 * SACK-permitted 2, SACK 2 + 8n with n >= 1, timestamps 10; other kinds are
 * skipped by their length; a length below 2 or running past the header is
 * tcp_optlen.  When an option appears twice the last one counts.  Returns 0 or
 * the reason; *s is valid only on 0. */
int sl__tcp_parse(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst,
                  struct sl__tcp_seg *s);

/* Bytes of options sl__tcp_write() emits for o: a multiple of 4, at most
 * 40.  Layout, as Linux sends it: MSS; SACK-permitted and timestamps (each
 * preceded by two NOPs when alone); NOP + window scale; two NOPs + SACK
 * blocks.  SACK blocks that do not fit in the 40 bytes are left out, last
 * ones first (RFC 2018: the first block is the most recent). */
size_t sl__tcp_opts_len(const struct sl__tcp_opts *o);

/* Writes the header from s (s->hdr_len is ignored and computed), the
 * options whose has_* / sack_ok / n_sack say so, and s->len bytes of
 * s->data (which may already lie in buf), then the checksum over the
 * pseudo-header for src and dst.  Reserved bits are written as zero.
 * Returns the segment length, or 0 if it does not fit in cap or in an
 * IPv4 datagram. */
size_t sl__tcp_write(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst,
                     const struct sl__tcp_seg *s);

#endif
