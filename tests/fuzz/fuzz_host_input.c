/* libFuzzer target: arbitrary packets into a host with a TCP listener
 * (port 80), a TCP connection it opened (to 10.0.0.2:80) and a UDP
 * socket (port 53).  Whatever arrives, the host must not crash, leak or
 * read out of bounds: a malformed packet is counted and dropped.
 *
 * The input is a sequence of packets, each [1 byte flags][2 bytes length]
 * [bytes].  Flag bit 0 set: the harness writes correct IPv4, TCP and UDP
 * checksums first, so the fuzzer gets past them into the state machines;
 * bit 1: virtual time moves 250 ms before the packet, running timers;
 * bit 2: the bytes are a TCP segment from 10.0.0.2, which the harness
 * puts in a correct IPv4 header (checksums fixed), with bit 3 aimed at
 * the opening connection's ports (else at the listener, port 80), and
 * bit 4 with its ACK at the connection's SND.NXT and, once synchronized,
 * its SEQ at RCV.NXT: numbers the fuzzer could not guess, which take it
 * through the handshake into ESTABLISHED and the closing states; bit 5:
 * the packet comes through the host's loopback, where its own address
 * and 127.x are valid sources (sl__host_input_loopback).
 *
 *   make fuzz && build/fuzz/fuzz_host_input -max_total_time=60 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/priv.h"

#define HOST 0x0a000001u
#define PEER 0x0a000002u

static void
discard(void *arg, const uint8_t *pkt, size_t len)
{
  (void)arg;
  (void)pkt;
  (void)len;
}

/* Correct checksums for a packet whose header claims to be IPv4. */
static void
fix_checksums(uint8_t *p, size_t len)
{
  size_t hl, total;
  uint32_t src, dst;
  uint8_t proto;
  size_t at = 0;

  if (len < 20 || (p[0] >> 4) != 4)
    return;
  hl = (size_t)(p[0] & 15) * 4;
  total = sl__get16(p + 2);
  if (hl < 20 || hl > len || total < hl || total > len)
    return;
  sl__put16(p + 10, 0);
  sl__put16(p + 10, sl__inet_csum(p, hl));
  proto = p[9];
  src = sl__get32(p + 12);
  dst = sl__get32(p + 16);
  if (proto == SL__IP_PROTO_TCP && total - hl >= 20)
    at = hl + 16;
  else if (proto == SL__IP_PROTO_UDP && total - hl >= 8)
    at = hl + 6;
  else
    return;
  sl__put16(p + at, 0);
  uint32_t sum = sl__csum_pseudo(src, dst, proto, (uint16_t)(total - hl));
  sum = sl__csum_add(sum, p + hl, total - hl);
  sl__put16(p + at, sl__csum_fold(sum));
}

/* An IPv4 header from the peer to the host around seg (len bytes, at
 * most 65515); ports aimed at connection c, or at port 80 when c is NULL.
 * Returns the packet's length. */
static size_t
wrap_tcp(uint8_t *pkt, const uint8_t *seg, size_t len, const struct sl__tcb *c)
{
  if (len > 65535 - 20)
    len = 65535 - 20;
  memset(pkt, 0, 20);
  pkt[0] = 0x45;
  sl__put16(pkt + 2, (uint16_t)(20 + len));
  pkt[8] = 64;
  pkt[9] = SL__IP_PROTO_TCP;
  sl__put32(pkt + 12, PEER);
  sl__put32(pkt + 16, HOST);
  memcpy(pkt + 20, seg, len);
  if (len >= 4) {
    sl__put16(pkt + 20, c != NULL ? c->rport : 40000);
    sl__put16(pkt + 22, c != NULL ? c->lport : 80);
  }
  return 20 + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static uint8_t pkt[65536];
  struct sl__host_config cfg;
  struct sl__host *h;
  struct sl__tcb *l, *c;
  struct sl__udp_pcb *u;
  uint64_t now = 1000;

  sl__host_config_default(&cfg);
  cfg.seed = 1;
  h = sl__host_new(HOST, &cfg, discard, NULL);
  if (h == NULL)
    return 0;
  l = sl__tcp_new(h);
  if (l != NULL && sl__tcp_bind(l, 0, 80) == 0)
    sl__tcp_listen(l, 4);
  c = sl__tcp_new(h);
  if (c != NULL)
    sl__tcp_connect(c, PEER, 80);
  u = sl__udp_new(h);
  if (u != NULL)
    sl__udp_bind(u, 0, 53);

  while (size >= 3) {
    uint8_t flags = data[0];
    size_t len = sl__get16(data + 1);
    data += 3;
    size -= 3;
    if (len > size)
      len = size;
    if (flags & 4) {
      len = wrap_tcp(pkt, data, len, (flags & 8) ? c : NULL);
      if ((flags & 16) && c != NULL && len >= 20 + 12) {
        sl__put32(pkt + 28, c->snd_nxt);
        if (c->rcv_nxt != 0)
          sl__put32(pkt + 24, c->rcv_nxt);
      }
      data += len - 20;
      size -= len - 20;
    } else {
      memcpy(pkt, data, len);
      data += len;
      size -= len;
    }
    if (flags & 5)
      fix_checksums(pkt, len);
    if (flags & 2) {
      now += 250000;
      sl__host_poll(h, now);
    }
    if (flags & 32)
      sl__host_input_loopback(h, pkt, len, now);
    else
      sl__host_input(h, pkt, len, now);
    if (c != NULL) {
      char buf[512];
      sl__tcp_recv(c, buf, sizeof buf, 0); /* keep the window open */
      sl__tcp_send(c, "fuzz", 4);
    }
  }
  sl__host_free(h);
  return 0;
}
