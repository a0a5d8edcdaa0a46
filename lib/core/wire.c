/* Parsing and writing the headers of IPv4 (RFC 791 section 3.1), ICMP (RFC
 * 792), UDP (RFC 768) and TCP with its options (RFC 9293 section 3.1, RFC
 * 7323, RFC 2018).  Every length is checked before a byte is read: input
 * comes from the network and is never trusted. */
#include <string.h>

#include "core/wire.h"

static const char *const drop_names[] = {
#define SL__DROP_NAME(name, str) str,
    SL__DROP_REASONS(SL__DROP_NAME)
#undef SL__DROP_NAME
};

const char *
sl__drop_name(enum sl__drop reason)
{
  if ((unsigned)reason >= sizeof drop_names / sizeof drop_names[0])
    return "unknown";
  return drop_names[reason];
}

/* ---- IPv4 ---------------------------------------------------------------- */

/* Checks the options area of a header of hl bytes (RFC 791 section 3.1).
 * Returns 0, or 1 with *at the offset of the octet in error: the length
 * octet, or the type octet when the header ends before the length. */
static int
ip4_bad_option(const uint8_t *pkt, size_t hl, uint8_t *at)
{
  size_t i = SL__IP4_HDR_LEN;

  while (i < hl && pkt[i] != SL__IPOPT_EOL) {
    if (pkt[i] == SL__IPOPT_NOP) {
      i++;
      continue;
    }
    /* RFC 1122 section 3.2.1.8 leaves the contents of options a host does
     * not know alone, but not a length that cannot be. */
    if (i + 1 >= hl) {
      *at = (uint8_t)i;
      return 1;
    }
    if (pkt[i + 1] < 2 || pkt[i + 1] > hl - i) {
      *at = (uint8_t)(i + 1);
      return 1;
    }
    i += pkt[i + 1];
  }
  return 0;
}

int
sl__ip4_parse(const uint8_t *pkt, size_t len, struct sl__ip4_hdr *h)
{
  size_t hl;

  if (len < SL__IP4_HDR_LEN)
    return SL__DROP_IP_SHORT;
  if (pkt[0] >> 4 != 4)
    return SL__DROP_IP_VERSION;
  /* RFC 791: "the minimum value for a correct header is 5" (words). */
  hl = (size_t)(pkt[0] & 0x0f) * 4;
  if (hl < SL__IP4_HDR_LEN || hl > len)
    return SL__DROP_IP_HDRLEN;
  h->hdr_len = (uint8_t)hl;
  h->total_len = sl__get16(pkt + 2);
  if (h->total_len < hl || h->total_len > len)
    return SL__DROP_IP_TOTLEN;
  /* The checksum covers the header only, options included. */
  if (sl__inet_csum(pkt, hl) != 0)
    return SL__DROP_IP_CSUM;

  h->tos = pkt[1];
  h->id = sl__get16(pkt + 4);
  h->frag_off = sl__get16(pkt + 6);
  h->ttl = pkt[8];
  h->proto = pkt[9];
  h->src = sl__get32(pkt + 12);
  h->dst = sl__get32(pkt + 16);
  h->opt_err = 0;
  if (ip4_bad_option(pkt, hl, &h->opt_err))
    return SL__DROP_IP_OPT;

  /* The TTL is not checked: it limits how far a datagram travels through
   * routers, and one that arrives here has travelled far enough.  RFC 1122
   * section 3.2.1.7 forbids only sending TTL 0; a host delivers what is
   * addressed to it whatever its TTL, as Linux does. */
  /* The stack does not reassemble (RFC 791 section 3.2 describes how);
   * fragments get their own reason so that they are counted apart. */
  if (sl__ip4_is_frag(h))
    return SL__DROP_IP_FRAG;
  return SL__DROP_NONE;
}

size_t
sl__ip4_write(uint8_t *buf, size_t cap, const struct sl__ip4_hdr *h)
{
  if (cap < SL__IP4_HDR_LEN || h->total_len < SL__IP4_HDR_LEN)
    return 0;
  buf[0] = 4 << 4 | SL__IP4_HDR_LEN / 4; /* version 4, IHL 5 */
  buf[1] = h->tos;
  sl__put16(buf + 2, h->total_len);
  sl__put16(buf + 4, h->id);
  sl__put16(buf + 6, h->frag_off);
  buf[8] = h->ttl;
  buf[9] = h->proto;
  sl__put16(buf + 10, 0); /* computed with the field zero */
  sl__put32(buf + 12, h->src);
  sl__put32(buf + 16, h->dst);
  sl__put16(buf + 10, sl__inet_csum(buf, SL__IP4_HDR_LEN));
  return SL__IP4_HDR_LEN;
}

/* ---- ICMP ---------------------------------------------------------------- */

int
sl__icmp_parse(const uint8_t *msg, size_t len, struct sl__icmp_msg *m)
{
  if (len < SL__ICMP_HDR_LEN)
    return SL__DROP_ICMP_SHORT;
  /* RFC 792: the checksum covers the whole ICMP message. */
  if (sl__inet_csum(msg, len) != 0)
    return SL__DROP_ICMP_CSUM;
  m->type = msg[0];
  m->code = msg[1];
  m->id = sl__get16(msg + 4);
  m->seq = sl__get16(msg + 6);
  m->data = msg + SL__ICMP_HDR_LEN;
  m->len = len - SL__ICMP_HDR_LEN;
  return SL__DROP_NONE;
}

size_t
sl__icmp_write(uint8_t *buf, size_t cap, const struct sl__icmp_msg *m)
{
  size_t total = SL__ICMP_HDR_LEN + m->len;

  if (m->len > SL__IP4_MAX_PAYLOAD - SL__ICMP_HDR_LEN || total > cap)
    return 0;
  /* The payload first: it may already lie in buf, even overlapping the
   * header, and memmove copies it before the header overwrites it. */
  if (m->len > 0)
    memmove(buf + SL__ICMP_HDR_LEN, m->data, m->len);
  buf[0] = m->type;
  buf[1] = m->code;
  sl__put16(buf + 2, 0);
  sl__put16(buf + 4, m->id);
  sl__put16(buf + 6, m->seq);
  sl__put16(buf + 2, sl__inet_csum(buf, total));
  return total;
}

size_t
sl__icmp_error_write(uint8_t *buf, size_t cap, uint8_t type, uint8_t code,
                     uint8_t pointer, const uint8_t *orig, size_t orig_len)
{
  struct sl__icmp_msg m = {
      .type = type, .code = code, .id = (uint16_t)(pointer << 8)};
  size_t hl;

  if (orig_len < SL__IP4_HDR_LEN || orig[0] >> 4 != 4)
    return 0;
  hl = (size_t)(orig[0] & 0x0f) * 4;
  if (hl < SL__IP4_HDR_LEN || hl > orig_len)
    return 0;
  /* RFC 792: "Internet Header + 64 bits of Original Data Datagram", which
   * holds the ports of TCP and UDP, so the sender can find the socket. */
  m.data = orig;
  m.len = orig_len < hl + 8 ? orig_len : hl + 8;
  return sl__icmp_write(buf, cap, &m);
}

size_t
sl__icmp_unreach_write(uint8_t *buf, size_t cap, uint8_t code,
                       const uint8_t *orig, size_t orig_len)
{
  return sl__icmp_error_write(buf, cap, SL__ICMP_UNREACH, code, 0, orig,
                              orig_len);
}

int
sl__icmp_quote_parse(const struct sl__icmp_msg *m, struct sl__icmp_quote *q)
{
  const uint8_t *p = m->data;
  size_t hl;

  if (m->len < SL__IP4_HDR_LEN || p[0] >> 4 != 4)
    return SL__DROP_ICMP_QUOTE;
  hl = (size_t)(p[0] & 0x0f) * 4;
  if (hl < SL__IP4_HDR_LEN || m->len < hl + 8)
    return SL__DROP_ICMP_QUOTE;
  q->ip.hdr_len = (uint8_t)hl;
  q->ip.tos = p[1];
  q->ip.total_len = sl__get16(p + 2);
  q->ip.id = sl__get16(p + 4);
  q->ip.frag_off = sl__get16(p + 6);
  q->ip.ttl = p[8];
  q->ip.proto = p[9];
  q->ip.src = sl__get32(p + 12);
  q->ip.dst = sl__get32(p + 16);
  q->l4 = p + hl;
  q->l4_len = m->len - hl;
  q->sport = sl__get16(q->l4);
  q->dport = sl__get16(q->l4 + 2);
  q->seq = sl__get32(q->l4 + 4);
  return SL__DROP_NONE;
}

/* ---- UDP ----------------------------------------------------------------- */

int
sl__udp_parse(const uint8_t *d, size_t len, uint32_t src, uint32_t dst,
              struct sl__udp_dgram *u)
{
  uint16_t ulen;

  if (len < SL__UDP_HDR_LEN)
    return SL__DROP_UDP_SHORT;
  ulen = sl__get16(d + 4);
  if (ulen < SL__UDP_HDR_LEN || ulen > len)
    return SL__DROP_UDP_LEN;
  /* RFC 768: "An all zero transmitted checksum value means that the
   * transmitter generated no checksum". */
  if (sl__get16(d + 6) != 0) {
    uint32_t sum = sl__csum_pseudo(src, dst, SL__IP_PROTO_UDP, ulen);

    if (sl__csum_fold(sl__csum_add(sum, d, ulen)) != 0)
      return SL__DROP_UDP_CSUM;
  }
  u->sport = sl__get16(d);
  u->dport = sl__get16(d + 2);
  u->data = d + SL__UDP_HDR_LEN;
  u->len = ulen - SL__UDP_HDR_LEN;
  return SL__DROP_NONE;
}

size_t
sl__udp_write(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst,
              const struct sl__udp_dgram *u)
{
  size_t total = SL__UDP_HDR_LEN + u->len;
  uint32_t sum;
  uint16_t csum;

  if (u->len > SL__IP4_MAX_PAYLOAD - SL__UDP_HDR_LEN || total > cap)
    return 0;
  if (u->len > 0)
    memmove(buf + SL__UDP_HDR_LEN, u->data, u->len);
  sl__put16(buf, u->sport);
  sl__put16(buf + 2, u->dport);
  sl__put16(buf + 4, (uint16_t)total);
  sl__put16(buf + 6, 0);
  sum = sl__csum_pseudo(src, dst, SL__IP_PROTO_UDP, (uint16_t)total);
  csum = sl__csum_fold(sl__csum_add(sum, buf, total));
  /* RFC 768: "If the computed checksum is zero, it is transmitted as all
   * ones"; 0xffff is the other zero of one's complement arithmetic. */
  sl__put16(buf + 6, csum == 0 ? 0xffff : csum);
  return total;
}

/* ---- TCP ----------------------------------------------------------------- */

/* Parses the options area (RFC 9293 section 3.2) into o, zeroed first. */
static int
tcp_parse_opts(const uint8_t *p, size_t len, struct sl__tcp_opts *o)
{
  size_t i = 0;

  memset(o, 0, sizeof *o);
  while (i < len) {
    uint8_t kind = p[i], olen;

    if (kind == SL__TCPOPT_EOL)
      break; /* the rest of the area is padding */
    if (kind == SL__TCPOPT_NOP) {
      i++;
      continue;
    }
    /* RFC 9293 section 3.1: every other option has a length byte that
     * counts kind and length, so it is at least 2.  "A TCP implementation
     * MUST be prepared to handle an illegal option length (e.g., zero)". */
    if (i + 1 >= len)
      return SL__DROP_TCP_OPTLEN;
    olen = p[i + 1];
    if (olen < 2 || olen > len - i)
      return SL__DROP_TCP_OPTLEN;

    switch (kind) {
    case SL__TCPOPT_MSS:
      if (olen != 4)
        return SL__DROP_TCP_OPTLEN;
      o->has_mss = 1;
      o->mss = sl__get16(p + i + 2);
      break;
    case SL__TCPOPT_WSCALE:
      if (olen != 3)
        return SL__DROP_TCP_OPTLEN;
      o->has_wscale = 1;
      o->wscale = p[i + 2];
      break;
    case SL__TCPOPT_SACK_OK:
      if (olen != 2)
        return SL__DROP_TCP_OPTLEN;
      o->sack_ok = 1;
      break;
    case SL__TCPOPT_SACK:
      /* RFC 2018 section 3: 8 bytes per block, at least one block.  At
       * most 4 fit in the 40-byte area, so sack[] cannot overflow. */
      if (olen < 10 || (olen - 2) % 8 != 0)
        return SL__DROP_TCP_OPTLEN;
      o->n_sack = (uint8_t)((olen - 2) / 8);
      for (unsigned b = 0; b < o->n_sack; b++) {
        o->sack[b][0] = sl__get32(p + i + 2 + 8 * b);
        o->sack[b][1] = sl__get32(p + i + 6 + 8 * b);
      }
      break;
    case SL__TCPOPT_TS:
      if (olen != 10)
        return SL__DROP_TCP_OPTLEN;
      o->has_ts = 1;
      o->ts_val = sl__get32(p + i + 2);
      o->ts_ecr = sl__get32(p + i + 6);
      break;
    default:
      break; /* unknown kinds are skipped by their length */
    }
    i += olen;
  }
  return SL__DROP_NONE;
}

int
sl__tcp_parse(const uint8_t *seg, size_t len, uint32_t src, uint32_t dst,
              struct sl__tcp_seg *s)
{
  uint32_t sum;
  size_t hl;
  int err;

  if (len < SL__TCP_HDR_LEN)
    return SL__DROP_TCP_SHORT;
  sum = sl__csum_pseudo(src, dst, SL__IP_PROTO_TCP, (uint16_t)len);
  if (sl__csum_fold(sl__csum_add(sum, seg, len)) != 0)
    return SL__DROP_TCP_CSUM;
  /* Data offset: "the number of 32-bit words in the TCP header", at least
   * 5 because the fixed header alone is 20 bytes. */
  hl = (size_t)(seg[12] >> 4) * 4;
  if (hl < SL__TCP_HDR_LEN || hl > len)
    return SL__DROP_TCP_OFFSET;
  err = tcp_parse_opts(seg + SL__TCP_HDR_LEN, hl - SL__TCP_HDR_LEN, &s->opt);
  if (err != SL__DROP_NONE)
    return err;

  s->sport = sl__get16(seg);
  s->dport = sl__get16(seg + 2);
  s->seq = sl__get32(seg + 4);
  s->ack = sl__get32(seg + 8);
  s->hdr_len = (uint8_t)hl;
  /* The low 4 bits of byte 12 are reserved: "must be ignored in received
   * segments" (RFC 9293 section 3.1), so only byte 13 is read. */
  s->flags = seg[13];
  s->wnd = sl__get16(seg + 14);
  s->urg = sl__get16(seg + 18);
  s->data = seg + hl;
  s->len = len - hl;
  /* Any combination of flags is well formed: what SYN with FIN or RST
   * means depends on the connection's state (tcp_in.c), not on bytes. */
  return SL__DROP_NONE;
}

/* How many of o's SACK blocks fit in the option space left by the others. */
static unsigned
tcp_sack_fit(const struct sl__tcp_opts *o, size_t others)
{
  unsigned n = o->n_sack < SL__TCP_SACK_MAX ? o->n_sack : SL__TCP_SACK_MAX;
  size_t room = SL__TCP_OPT_MAX - others;
  /* Two NOPs, kind and length take 4 bytes; each block takes 8. */
  size_t fit = room >= 4 ? (room - 4) / 8 : 0;

  return n < fit ? n : (unsigned)fit;
}

/* Bytes of every option but SACK blocks, each group padded to 4 bytes. */
static size_t
tcp_opts_len_fixed(const struct sl__tcp_opts *o)
{
  size_t n = 0;

  if (o->has_mss)
    n += 4;
  if (o->has_ts)
    n += 12; /* SACK_OK TS, or NOP NOP TS */
  else if (o->sack_ok)
    n += 4; /* NOP NOP SACK_OK */
  if (o->has_wscale)
    n += 4; /* NOP WS */
  return n;
}

size_t
sl__tcp_opts_len(const struct sl__tcp_opts *o)
{
  size_t fixed = tcp_opts_len_fixed(o);
  unsigned n = tcp_sack_fit(o, fixed);

  return fixed + (n > 0 ? 4 + 8 * (size_t)n : 0);
}

/* Writes the options sl__tcp_opts_len() counts; returns bytes written. */
static size_t
tcp_write_opts(uint8_t *p, const struct sl__tcp_opts *o)
{
  size_t i = 0;
  unsigned n;

  if (o->has_mss) {
    p[i++] = SL__TCPOPT_MSS;
    p[i++] = 4;
    sl__put16(p + i, o->mss);
    i += 2;
  }
  if (o->has_ts) {
    /* RFC 7323 Appendix A puts two NOPs before the timestamps so their
     * values are 4-byte aligned; SACK-permitted, 2 bytes long as well,
     * can take the NOPs' place (Linux does the same on its SYNs). */
    if (o->sack_ok) {
      p[i++] = SL__TCPOPT_SACK_OK;
      p[i++] = 2;
    } else {
      p[i++] = SL__TCPOPT_NOP;
      p[i++] = SL__TCPOPT_NOP;
    }
    p[i++] = SL__TCPOPT_TS;
    p[i++] = 10;
    sl__put32(p + i, o->ts_val);
    sl__put32(p + i + 4, o->ts_ecr);
    i += 8;
  } else if (o->sack_ok) {
    p[i++] = SL__TCPOPT_NOP;
    p[i++] = SL__TCPOPT_NOP;
    p[i++] = SL__TCPOPT_SACK_OK;
    p[i++] = 2;
  }
  if (o->has_wscale) {
    p[i++] = SL__TCPOPT_NOP;
    p[i++] = SL__TCPOPT_WSCALE;
    p[i++] = 3;
    p[i++] = o->wscale;
  }
  n = tcp_sack_fit(o, i);
  if (n > 0) {
    p[i++] = SL__TCPOPT_NOP;
    p[i++] = SL__TCPOPT_NOP;
    p[i++] = SL__TCPOPT_SACK;
    p[i++] = (uint8_t)(2 + 8 * n);
    for (unsigned b = 0; b < n; b++) {
      sl__put32(p + i, o->sack[b][0]);
      sl__put32(p + i + 4, o->sack[b][1]);
      i += 8;
    }
  }
  return i;
}

size_t
sl__tcp_write(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst,
              const struct sl__tcp_seg *s)
{
  size_t hl = SL__TCP_HDR_LEN + sl__tcp_opts_len(&s->opt);
  size_t total = hl + s->len;
  uint32_t sum;

  if (s->len > SL__IP4_MAX_PAYLOAD - hl || total > cap)
    return 0;
  /* The payload first: it may already lie in buf, even where the header
   * goes, and memmove copies it before the header overwrites it. */
  if (s->len > 0)
    memmove(buf + hl, s->data, s->len);
  sl__put16(buf, s->sport);
  sl__put16(buf + 2, s->dport);
  sl__put32(buf + 4, s->seq);
  sl__put32(buf + 8, s->ack);
  buf[12] = (uint8_t)(hl / 4 << 4); /* data offset; reserved bits zero */
  buf[13] = s->flags;
  sl__put16(buf + 14, s->wnd);
  sl__put16(buf + 16, 0); /* computed with the field zero */
  sl__put16(buf + 18, s->urg);
  tcp_write_opts(buf + SL__TCP_HDR_LEN, &s->opt);
  sum = sl__csum_pseudo(src, dst, SL__IP_PROTO_TCP, (uint16_t)total);
  sl__put16(buf + 16, sl__csum_fold(sl__csum_add(sum, buf, total)));
  return total;
}
