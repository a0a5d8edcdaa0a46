/* Internals of the stack core shared by host.c, udp.c and tcp_*.c: the
 * host, the TCP control block (RFC 9293 section 3.3.1's variables, named as
 * the RFC names them), the UDP socket, and the functions one file calls in
 * another.  Nothing else in lib/ includes this: the other layers use
 * stack.h, and their include paths do not reach it (lib/README.md).  The
 * white-box tests in tests/ do, to force a connection into any state. */
#ifndef SOCKLAB_CORE_PRIV_H
#define SOCKLAB_CORE_PRIV_H

#include <errno.h>

#include "core/ring.h"
#include "core/rng.h"
#include "core/stack.h"

#define SL__TCB_HASH_SIZE   16384 /* buckets; a power of two */
#define SL__EPHEMERAL_LO    49152 /* RFC 6335 dynamic ports */
#define SL__EPHEMERAL_HI    65535
#define SL__TCP_DEFAULT_MSS 536   /* RFC 9293 3.7.1: when no MSS option */
#define SL__TCP_MAX_WND     65535 /* no window scaling: 16-bit windows */
/* Half-open connections a listener keeps: its backlog, but never fewer
 * than this.  Linux answers a small listen() backlog's extra SYNs with
 * cookies, so a lab server with listen(fd, 1) serves clients that arrive
 * together; evicting them (tcp_in.c) would reset real clients instead. */
#define SL__SYN_QUEUE_MIN 128

#define SL__IN_HASH      1
#define SL__IN_LISTENERS 2

/* A segment that arrived out of order, waiting for the gap before it. */
struct sl__ooo {
  struct sl__ooo *next; /* sorted by seq */
  uint32_t seq;         /* first byte */
  uint32_t len;         /* data bytes */
  int fin;              /* a FIN follows the data */
  uint8_t data[];
};

struct sl__tcb {
  struct sl__host *host;
  enum sl_tcp_state state;
  uint32_t laddr, raddr; /* host order; laddr 0 = any, until connected */
  uint16_t lport, rport;
  struct sl__tcb *hnext;    /* hash chain (connections) or listener list */
  struct sl__tcb *next_all; /* every TCB of the host */
  struct sl__tcb **prev_all;
  int in_hash; /* 0, SL__IN_HASH or SL__IN_LISTENERS: where hnext links */

  /* Send sequence variables (RFC 9293 3.3.1). */
  uint32_t iss;         /* initial send sequence number */
  uint32_t snd_una;     /* oldest unacknowledged */
  uint32_t snd_nxt;     /* next to send */
  uint32_t snd_max;     /* highest sent + 1: below it, a send is a resend */
  uint32_t snd_wnd;     /* peer's window */
  uint32_t snd_wl1;     /* seq of the segment that last updated snd_wnd */
  uint32_t snd_wl2;     /* ack of that segment */
  uint32_t max_snd_wnd; /* largest window the peer offered (RFC 5961) */
  /* Receive sequence variables. */
  uint32_t irs;     /* initial receive sequence number */
  uint32_t rcv_nxt; /* next expected */
  uint32_t rcv_adv; /* right edge of the window we advertised */

  /* MSS (RFC 9293 3.7.1, RFC 6691). */
  uint16_t mss_user;  /* TCP_MAXSEG, 0 = from the MTU */
  uint16_t mss_local; /* what we announce */
  uint16_t mss_peer;  /* what the peer announced */
  uint16_t snd_mss;   /* min of the two: our segments' largest payload */

  /* Data. */
  struct sl__ring sndq; /* bytes from snd_una on: unacked, then unsent */
  struct sl__ring rcvq; /* in-order bytes the application has not read */
  struct sl__ooo *ooo;  /* out-of-order segments, sorted */
  uint32_t ooo_bytes;
  uint32_t sndbuf, rcvbuf; /* SO_SNDBUF, SO_RCVBUF */
  unsigned fin_queued : 1; /* the application shut down writing */
  unsigned fin_sent : 1;   /* our FIN has gone out; fin_seq is valid */
  unsigned fin_rcvd : 1;   /* the peer's FIN arrived: end of stream */
  unsigned rd_shut : 1;    /* shutdown(SHUT_RD) */
  unsigned nodelay : 1;    /* TCP_NODELAY: Nagle off */
  unsigned linger_on : 1;  /* SO_LINGER enabled */
  unsigned reuseaddr : 1;
  unsigned orphan : 1;      /* the application has closed the socket */
  unsigned passive : 1;     /* born from a listener (SYN-RECEIVED child) */
  unsigned ack_now : 1;     /* an ACK must go out at the next output */
  unsigned in_recovery : 1; /* NewReno fast recovery (RFC 6582) */
  unsigned rtt_timing : 1;  /* rtt_seq is being timed */
  unsigned force_probe : 1; /* send one byte into a zero window */
  unsigned in_accept_q : 1; /* established child waiting in accept() */
  int linger_s;
  uint32_t fin_seq;  /* sequence number of our FIN */
  int error;         /* pending error for the application, negative */
  int connect_error; /* what ended a connect(), negative */

  /* Timers: absolute deadlines, SL__TIME_NEVER when off. */
  uint64_t timer[SL__TIMER_COUNT];
  unsigned backoff;         /* RTO doublings, kept until a clean RTT sample */
  unsigned retries;         /* RTO expiries since the last progress (give-up) */
  unsigned persist_backoff; /* zero-window probe interval doublings */
  unsigned probes;          /* probes sent since the peer last answered */
  uint64_t last_send_us;    /* when data last went out (idle restart) */
  uint64_t last_rcv_us;     /* when the peer last sent an acceptable segment */
  uint64_t user_timeout_us; /* TCP_USER_TIMEOUT, 0 = off */
  uint64_t keepidle_us, keepintvl_us; /* SO_KEEPALIVE's, from the host */
  unsigned keepcnt;
  unsigned keep_probes;   /* keep-alive probes unanswered so far */
  unsigned keepalive : 1; /* SO_KEEPALIVE */

  /* RTT and RTO (RFC 6298). */
  uint64_t srtt_us, rttvar_us, rto_us;
  int have_rtt;
  uint32_t rtt_seq; /* a sample ends when this is acknowledged */
  uint64_t rtt_start;

  /* Congestion control (RFC 5681, RFC 6582). */
  uint32_t cwnd, ssthresh;
  uint32_t cwnd_bonus; /* Limited Transmit (RFC 3042): room past cwnd */
  unsigned dupacks;
  uint32_t recover;       /* snd_max when recovery began */
  uint32_t last_ack_sent; /* ACK field of our last segment */
  uint32_t ooo_fin_seq;   /* where the peer's FIN is, if ooo_fin */
  unsigned ooo_fin : 1;   /* a FIN arrived before the data ahead of it */
  unsigned synced : 1;    /* reached ESTABLISHED once */

  uint64_t retransmits;

  /* Listeners. */
  struct sl__tcb *listener;   /* a child's listener */
  struct sl__tcb *child_next; /* sibling in the listener's lists */
  struct sl__tcb *syn_q;      /* children in SYN-RECEIVED */
  struct sl__tcb *accept_q;   /* established children, oldest first */
  unsigned backlog, syn_q_len, accept_q_len;
};

struct sl__dgram {
  struct sl__dgram *next;
  uint32_t from_addr;
  uint16_t from_port;
  size_t len;
  uint8_t data[];
};

struct sl__udp_pcb {
  struct sl__host *host;
  struct sl__udp_pcb *next;
  uint32_t laddr, raddr;
  uint16_t lport, rport;
  struct sl__dgram *head, *tail; /* receive queue */
  size_t queued;                 /* bytes in the queue */
  uint32_t rcvbuf;
  int error; /* pending ECONNREFUSED, negative */
};

struct sl__host {
  uint32_t addr;
  struct sl__host_config cfg;
  uint64_t now;
  sl__output_fn *output;
  void *output_arg;
  sl__trace_fn *trace;
  void *trace_arg;
  sl__notify_fn *notify;
  void *notify_arg;
  struct sl__stats stats;
  struct sl__rng rng;
  uint64_t isn_key[2]; /* SipHash key for RFC 6528 ISNs */
  uint16_t ip_id;
  uint16_t next_port;                  /* ephemeral port search starts here */
  uint16_t tcp_port_refs[65536];       /* TCBs holding each local port */
  uint8_t tcp_port_connect[65536 / 8]; /* bit set: every holder of the port
                                          took it in connect(), which may
                                          share it (sl__shared_port) */
  uint8_t udp_port_used[65536];        /* a UDP socket is bound to the port */

  struct sl__tcb *tcb_hash[SL__TCB_HASH_SIZE]; /* by 4-tuple */
  struct sl__tcb *listeners;
  struct sl__tcb *all_tcbs; /* every TCB, for timers and netstat */
  unsigned n_tcbs;
  uint64_t next_deadline; /* cached; may be early, never late */
  struct sl__udp_pcb *udps;

  /* RFC 5961 challenge ACK budget for the current second. */
  uint64_t challenge_window_start;
  uint32_t challenge_count;

  uint8_t pkt[65536]; /* where outgoing datagrams are built */
};

/* ---- host.c ---------------------------------------------------------- */

/* Wraps an L4 payload already written at h->pkt + 20 in an IPv4 header and
 * hands the datagram to the link. */
void sl__ip_output(struct sl__host *h, uint32_t dst, uint8_t proto,
                   size_t l4_len);
void sl__trace(struct sl__host *h, struct sl__event *ev);
void sl__drop(struct sl__host *h, enum sl__drop why, const char *note);
void sl__notify_tcb(struct sl__tcb *t);
/* A free local port for (addr, proto), or 0 when all are taken. */
uint16_t sl__ephemeral_port(struct sl__host *h, int tcp);
/* An ephemeral TCP port that only connect()s hold and that has no
 * connection to raddr:rport yet, or 0: one local port serves many remote
 * endpoints, since a connection is its 4-tuple. */
uint16_t sl__shared_port(struct sl__host *h, uint32_t raddr, uint16_t rport);

static inline int
sl__port_by_connect(const struct sl__host *h, uint16_t port)
{
  return (h->tcp_port_connect[port / 8] >> (port % 8)) & 1;
}

static inline void
sl__port_set_by_connect(struct sl__host *h, uint16_t port, int on)
{
  uint8_t bit = (uint8_t)(1u << (port % 8));

  if (on)
    h->tcp_port_connect[port / 8] |= bit;
  else
    h->tcp_port_connect[port / 8] &= (uint8_t)~bit;
}
uint32_t sl__isn(struct sl__host *h, uint32_t laddr, uint16_t lport,
                 uint32_t raddr, uint16_t rport);
/* A timer was armed at `when`: keeps the cached deadline correct. */
void sl__deadline_hint(struct sl__host *h, uint64_t when);
/* ICMP port unreachable about a datagram no socket wanted. */
void sl__udp_send_unreach(struct sl__host *h, const struct sl__ip4_hdr *ip,
                          const uint8_t *dgram);

/* ---- udp.c ----------------------------------------------------------- */

/* A UDP datagram arrived (l4: its UDP header and data, len bytes; dgram:
 * the whole IPv4 datagram, for an ICMP error that quotes it). */
void sl__udp_input(struct sl__host *h, const struct sl__ip4_hdr *ip,
                   const uint8_t *l4, size_t len, const uint8_t *dgram);
/* An ICMP port unreachable about a datagram we sent. */
void sl__udp_icmp_error(struct sl__host *h, const struct sl__icmp_quote *q,
                        int err);

/* ---- tcp_state.c ----------------------------------------------------- */

/* The one place a connection changes state (RFC 9293 figure 5): checks
 * the edge, keeps the counters, and emits a trace event with the cause. */
void sl__tcp_set_state(struct sl__tcb *t, enum sl_tcp_state to,
                       const char *cause);

/* ---- tcp_in.c -------------------------------------------------------- */

/* How many connections listener l keeps in SYN-RECEIVED. */
static inline unsigned
sl__syn_queue_limit(const struct sl__tcb *l)
{
  return l->backlog > SL__SYN_QUEUE_MIN ? l->backlog : SL__SYN_QUEUE_MIN;
}

void sl__tcp_input(struct sl__host *h, const struct sl__ip4_hdr *ip,
                   const uint8_t *l4, size_t len);
void sl__tcp_icmp_error(struct sl__host *h, const struct sl__icmp_quote *q,
                        int err);

/* ---- tcp_out.c ------------------------------------------------------- */

/* Sends whatever the state, windows, Nagle and pending ACKs allow. */
void sl__tcp_output(struct sl__tcb *t);
/* Sends one segment with the given flags and payload from the send queue
 * at seq; no window checks.  note names it in the trace. */
void sl__tcp_send_segment(struct sl__tcb *t, uint32_t seq, uint8_t flags,
                          uint32_t len, const char *note);
/* An ACK right now: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, except that its
 * SEQ is SND.MAX (or the peer's right edge, if that is lower): after a
 * timeout SND.NXT goes back, and an ACK with it would be unacceptable to
 * the peer (tcp_out.c, empty_segment_seq). */
void sl__tcp_send_ack(struct sl__tcb *t);
/* RFC 5961 challenge ACK, rate limited. */
void sl__tcp_challenge_ack(struct sl__tcb *t);
/* A reset for a segment that has no connection (RFC 9293 3.10.7.1). */
void sl__tcp_reset_reply(struct sl__host *h, const struct sl__ip4_hdr *ip,
                         const struct sl__tcp_seg *seg);
void sl__tcp_set_timer(struct sl__tcb *t, enum sl__timer which,
                       uint64_t after_us);
void sl__tcp_stop_timer(struct sl__tcb *t, enum sl__timer which);
void sl__tcp_timers(struct sl__tcb *t, uint64_t now);
/* The user timeout's timer (TCP_USER_TIMEOUT): runs while something is
 * unacknowledged, from the last progress; restart = 1 starts it again
 * from now (an ACK advanced SND.UNA, or the value changed). */
void sl__tcp_user_timer(struct sl__tcb *t, int restart);
/* Arms, or stops, the keep-alive timer for the connection's state. */
void sl__tcp_keepalive_timer(struct sl__tcb *t);
/* An ACK advanced snd_una by `acked` bytes of sequence space. */
void sl__tcp_rtt_sample(struct sl__tcb *t, uint64_t rtt_us);
uint64_t sl__tcp_rto(const struct sl__tcb *t);
/* The window to advertise now (receiver SWS avoidance, never shrinking). */
uint32_t sl__tcp_rcv_window(struct sl__tcb *t);

/* ---- tcp_user.c ------------------------------------------------------ */

/* Hash-table membership and lifetime. */
void sl__tcb_hash_insert(struct sl__tcb *t);
void sl__tcb_hash_remove(struct sl__tcb *t);
struct sl__tcb *sl__tcb_lookup(struct sl__host *h, uint32_t laddr,
                               uint16_t lport, uint32_t raddr, uint16_t rport);
struct sl__tcb *sl__tcb_listener(struct sl__host *h, uint32_t laddr,
                                 uint16_t lport);
struct sl__tcb *sl__tcb_alloc(struct sl__host *h);
/* The connection reached CLOSED: free it if the application let go,
 * detach it from its listener, stop its timers. */
void sl__tcb_closed(struct sl__tcb *t);
void sl__tcb_free(struct sl__tcb *t);
/* Ends a connection with an error for the application (ECONNRESET,
 * ETIMEDOUT, ECONNREFUSED) and enters CLOSED. */
void sl__tcp_drop(struct sl__tcb *t, int err, const char *cause);
/* A reset on a connection: <SEQ=SND.MAX><ACK=RCV.NXT><CTL=RST,ACK>.
 * SND.MAX, the highest number sent, where RFC 9293 3.10.5 writes SND.NXT:
 * after a timeout SND.NXT lies below what the peer may have received, and
 * the peer takes a reset only at its RCV.NXT (RFC 5961 3.2), which may be
 * as high as SND.MAX. */
void sl__tcp_send_rst(struct sl__tcb *t);
/* A child finished its handshake: move it to the accept queue. */
void sl__tcp_child_established(struct sl__tcb *t);
/* Effective MSS values once the peer's option is known. */
void sl__tcp_set_peer_mss(struct sl__tcb *t, int has_mss, uint16_t mss);
uint16_t sl__tcp_local_mss(const struct sl__tcb *t);
/* RFC 5681 3.1: the initial window for the connection's SMSS. */
uint32_t sl__tcp_initial_window(const struct sl__tcb *t);

#endif
