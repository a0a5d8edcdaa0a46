/* Test harness for the stack core.
 *
 * `struct th` puts one host under test (10.0.0.1) in front of a scripted
 * peer (10.0.0.2): the test writes the peer's segments by hand and reads
 * back every segment the host sends, so each RFC rule can be checked one
 * segment at a time.  Chained builders put a connection in any state in
 * one line (th_fin_wait_2 starts from th_fin_wait_1, as in smoltcp).
 *
 * `struct pair` connects two real hosts through the simulated link, for
 * end-to-end runs with faults. */
#ifndef SOCKLAB_TCP_HARNESS_H
#define SOCKLAB_TCP_HARNESS_H

#include "core/priv.h"
#include "sim/sim.h"

#define TH_HOST   0x0a000001u /* 10.0.0.1, the host under test */
#define TH_PEER   0x0a000002u /* 10.0.0.2, the scripted peer */
#define TH_PORT   80          /* the host's listening port */
#define TH_PPORT  40000       /* the peer's port */
#define TH_MAXOUT 256

struct th_pkt {
  uint8_t bytes[2048];
  size_t len;
  struct sl__ip4_hdr ip;
  struct sl__tcp_seg seg; /* valid when ip.proto is TCP */
};

struct th {
  struct sl__host *h;
  struct sl__host_config cfg;
  uint64_t now;
  struct th_pkt out[TH_MAXOUT]; /* what the host sent, oldest first */
  int nout, next;               /* captured, and read so far */
  struct sl__tcb *t;            /* the connection under test */
  struct sl__tcb *l;            /* the listener, for passive builders */
  uint32_t pseq;                /* the peer's next sequence number */
  uint32_t pack;                /* what the peer acknowledges */
  uint16_t pwnd;                /* the window the peer advertises */
  uint16_t pmss;                /* the MSS the peer announces */
  uint16_t pport;               /* the peer's port (TH_PPORT) */
};

/* A checked fixture for test cases that need one fresh th and nothing
 * else: th_setup initialises th_fixture with th_config, th_teardown frees
 * it. */
extern struct th th_fixture;
void th_setup(void);
void th_teardown(void);

/* Configuration tests start from: MSS 1460, MSL 1 s, delayed ACKs on. */
void th_config(struct sl__host_config *cfg);
void th_init(struct th *th, const struct sl__host_config *cfg);
void th_free(struct th *th);
/* Starts th over with th_config's configuration changed by change. */
void th_reinit(struct th *th, void (*change)(struct sl__host_config *));
/* The host's TCP counters. */
const struct sl__tcp_stats *th_tcp_stats(const struct th *th);

/* Advances virtual time and runs the host's timers. */
void th_advance(struct th *th, uint64_t us);

/* The peer sends a segment. */
void th_send(struct th *th, uint8_t flags, uint32_t seq, uint32_t ack,
             const void *data, size_t len);
/* ... with an explicit window and, for SYNs, the MSS option (0 = none). */
void th_send_full(struct th *th, uint8_t flags, uint32_t seq, uint32_t ack,
                  uint16_t wnd, uint16_t mss, const void *data, size_t len);
/* The peer sends data at pseq with ACK=pack, advancing pseq. */
void th_send_data(struct th *th, const void *data, size_t len);
/* The peer sends a raw IPv4 datagram. */
void th_send_raw(struct th *th, const uint8_t *pkt, size_t len);

/* The next segment the host sent; fails the test when there is none. */
const struct th_pkt *th_pop(struct th *th);
/* How many sent segments are unread. */
int th_pending(const struct th *th);
/* Fails the test when the host sent anything not yet read. */
void th_expect_nothing(struct th *th);
/* Pops a segment and checks its flags (exactly) and seq / ack. */
const struct th_pkt *th_expect(struct th *th, uint8_t flags, uint32_t seq,
                               uint32_t ack);

/* Builders.  Each returns the connection in the named state, with every
 * segment up to it checked and consumed. */
struct sl__tcb *th_listen(struct th *th);
struct sl__tcb *th_syn_received(struct th *th);
struct sl__tcb *th_established_passive(struct th *th);
struct sl__tcb *th_syn_sent(struct th *th);
struct sl__tcb *th_established(struct th *th); /* active */
struct sl__tcb *th_fin_wait_1(struct th *th);
struct sl__tcb *th_fin_wait_2(struct th *th);
struct sl__tcb *th_closing(struct th *th);
struct sl__tcb *th_time_wait(struct th *th);
struct sl__tcb *th_close_wait(struct th *th);
struct sl__tcb *th_last_ack(struct th *th);

/* The host's connection to the peer, or NULL once it is gone. */
struct sl__tcb *th_find(struct th *th);

/* ---- two hosts over the simulated link -------------------------------- */

#define PAIR_A 0x0a000001u /* client */
#define PAIR_B 0x0a000002u /* server */

struct pair {
  struct sl__sim *sim;
  struct sl__host *a, *b;
};

void pair_init(struct pair *p, uint64_t seed,
               const struct sl__host_config *cfg_a,
               const struct sl__host_config *cfg_b);
void pair_free(struct pair *p);
/* Brings both hosts' clocks to the sim's time (before socket calls). */
void pair_sync(struct pair *p);

#endif
