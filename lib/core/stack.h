/* socklab's own TCP/UDP/IPv4 stack: the core's API.  A host is one stack
 * instance with one IPv4 address.  The core is pure: packets come in with
 * the current time (sl__host_input), timers run when asked (sl__host_poll),
 * packets leave through the host's output callback, and nothing here reads
 * a clock, sleeps, locks or does I/O.  The runtime (threads, real time) and
 * the simulated link (virtual time) both drive it through this header. */
#ifndef SOCKLAB_CORE_STACK_H
#define SOCKLAB_CORE_STACK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/wire.h"

#ifndef SL__TIME_NEVER
#define SL__TIME_NEVER UINT64_MAX
#endif

struct sl__host;
struct sl__tcb;
struct sl__udp_pcb;

/* TCP states and their names are public: socklab/tcp.h. */
#include "socklab/tcp.h"

/* Is from -> to an edge of the RFC 9293 state diagram (plus the
 * connection-ending edges every state has: reset, abort, timeout)? */
int sl__tcp_transition_ok(enum sl_tcp_state from, enum sl_tcp_state to);

/* ---- configuration --------------------------------------------------- */

struct sl__host_config {
  uint16_t mtu;            /* link MTU; the default MSS is mtu - 40 */
  uint64_t msl_us;         /* TIME-WAIT lasts 2 * msl_us */
  uint64_t rto_initial_us; /* RTO before any RTT sample (RFC 6298: 1 s) */
  uint64_t rto_min_us;     /* lower bound of the RTO */
  uint64_t rto_max_us;     /* upper bound of the RTO and its backoff */
  unsigned syn_retries;    /* SYN retransmissions before ETIMEDOUT */
  unsigned synack_retries; /* SYN,ACK retransmissions before giving up */
  unsigned data_retries;   /* RTO expiries in a row before ETIMEDOUT */
  uint64_t delack_us;      /* delayed-ACK timeout; 0 = ACK every segment */
  uint64_t persist_max_us; /* longest interval between window probes */
  uint64_t fin_wait2_us;   /* how long a closed socket waits in FIN-WAIT-2 */
  uint64_t keepidle_us;    /* SO_KEEPALIVE: silence before the first probe */
  uint64_t keepintvl_us;   /* between unanswered probes */
  unsigned keepcnt;        /* unanswered probes before ETIMEDOUT */
  uint32_t challenge_acks_per_s; /* RFC 5961 section 7 rate limit */
  uint32_t sndbuf;               /* default SO_SNDBUF, bytes */
  uint32_t rcvbuf;      /* default SO_RCVBUF, bytes (window <= 65535) */
  unsigned max_backlog; /* cap on listen()'s backlog */
  uint64_t seed;        /* ISN secret and ephemeral ports derive from it */
};

/* Linux-like defaults: MTU 1500, MSL 30 s (TIME-WAIT 60 s), RTO 1 s
 * initial and 200 ms minimum, 40 ms delayed ACKs. */
void sl__host_config_default(struct sl__host_config *cfg);

/* ---- counters, in the spirit of /proc/net/snmp ----------------------- */

struct sl__ip_stats {
  uint64_t in_receives;           /* InReceives: datagrams from the link */
  uint64_t in_hdr_errors;         /* InHdrErrors: bad header of any kind */
  uint64_t in_addr_errors;        /* InAddrErrors: not addressed to this host */
  uint64_t in_unknown_protos;     /* InUnknownProtos */
  uint64_t in_delivers;           /* InDelivers: handed to ICMP, UDP or TCP */
  uint64_t out_requests;          /* OutRequests: datagrams sent */
  uint64_t frag_drops;            /* fragments received and dropped (we do not
                                     reassemble) */
  uint64_t in_martian_srcs;       /* dropped: a source no host can have
                                     (RFC 1122 3.2.1.3) */
  uint64_t drops[SL__DROP_COUNT]; /* every drop, by reason */
};

struct sl__icmp_stats {
  uint64_t in_msgs, in_errors, in_dest_unreachs, in_echos, in_echo_reps;
  uint64_t out_msgs, out_dest_unreachs, out_echo_reps;
  uint64_t out_parm_probs; /* parameter problems sent (bad IP options) */
};

struct sl__udp_stats {
  uint64_t in_datagrams;   /* InDatagrams: delivered to a socket */
  uint64_t no_ports;       /* NoPorts: no socket on the port */
  uint64_t in_errors;      /* InErrors: malformed or no room */
  uint64_t out_datagrams;  /* OutDatagrams */
  uint64_t rcvbuf_errors;  /* RcvbufErrors: receive queue full, dropped */
  uint64_t in_csum_errors; /* InCsumErrors */
};

struct sl__tcp_stats {
  uint64_t active_opens;   /* ActiveOpens: CLOSED -> SYN-SENT */
  uint64_t passive_opens;  /* PassiveOpens: LISTEN -> SYN-RECEIVED */
  uint64_t attempt_fails;  /* AttemptFails: SYN-* -> CLOSED or LISTEN */
  uint64_t estab_resets;   /* EstabResets: ESTABLISHED/CLOSE-WAIT -> CLOSED */
  uint64_t in_segs;        /* InSegs: segments received, errors included */
  uint64_t out_segs;       /* OutSegs: segments sent, minus retransmissions */
  uint64_t retrans_segs;   /* RetransSegs */
  uint64_t in_errs;        /* InErrs: malformed segments */
  uint64_t in_csum_errors; /* InCsumErrors */
  uint64_t out_rsts;       /* OutRsts */
  /* Beyond RFC 1213, named as Linux's TcpExt counters are. */
  uint64_t listen_overflows;  /* SYNs dropped: listener's accept queue full */
  uint64_t syn_evictions;     /* half-open connections evicted to make room
                                 in a full SYN queue (RFC 4987 3.4) */
  uint64_t challenge_acks;    /* RFC 5961 challenge ACKs sent */
  uint64_t challenge_limited; /* challenge ACKs suppressed by the limit */
  uint64_t fast_retrans;      /* fast retransmits (3 duplicate ACKs) */
  uint64_t timeouts;          /* RTO expiries */
  uint64_t persist_probes;    /* zero-window probes sent */
  uint64_t delayed_acks;      /* ACKs sent by the delayed-ACK timer */
  uint64_t ooo_segs;          /* segments queued out of order */
  uint64_t icmp_seq_ignored;  /* ICMP errors ignored: the sequence number
                                 they quote is not in flight (RFC 5927) */
  uint64_t bad_transitions;   /* bugs: transitions not in the diagram */
};

struct sl__stats {
  struct sl__ip_stats ip;
  struct sl__icmp_stats icmp;
  struct sl__udp_stats udp;
  struct sl__tcp_stats tcp;
};

/* ---- trace events ---------------------------------------------------- */

enum sl__ev_type {
  SL__EV_SEG_IN,  /* a TCP segment arrived (after parsing) */
  SL__EV_SEG_OUT, /* a TCP segment left */
  SL__EV_STATE,   /* a TCP connection changed state */
  SL__EV_TIMER,   /* a TCP timer fired */
  SL__EV_DROP,    /* a packet was dropped */
  SL__EV_UDP_IN,  /* a UDP datagram arrived for a socket */
  SL__EV_UDP_OUT  /* a UDP datagram left */
};

enum sl__timer {
  SL__TIMER_REXMT,      /* retransmission (RTO), SYN and SYN,ACK included */
  SL__TIMER_PERSIST,    /* zero-window probe */
  SL__TIMER_DELACK,     /* delayed ACK */
  SL__TIMER_2MSL,       /* TIME-WAIT expiry */
  SL__TIMER_FIN_WAIT_2, /* orphaned FIN-WAIT-2 gives up */
  SL__TIMER_USER,       /* user timeout: unacknowledged for too long */
  SL__TIMER_KEEPALIVE,  /* keep-alive probe due (SO_KEEPALIVE) */
  SL__TIMER_COUNT
};
const char *sl__timer_name(enum sl__timer t);

/* One event, handed to the host's trace callback; pointers inside are
 * valid only during the call.  Connection fields are host order. */
struct sl__event {
  enum sl__ev_type type;
  uint64_t time_us;
  uint32_t host;             /* the host that saw it (its address) */
  const struct sl__tcb *tcb; /* the connection, or NULL */
  uint32_t iss, irs;         /* the connection's initial sequence numbers,
                                for relative numbers (irs 0: not known) */
  uint32_t laddr, raddr;     /* the 4-tuple (zero when unknown) */
  uint16_t lport, rport;
  const struct sl__tcp_seg *seg; /* SEG_IN, SEG_OUT */
  const char *note; /* SEG_OUT: "retransmit", "probe"...; DROP: detail */
  enum sl_tcp_state from, to; /* STATE */
  const char *cause;          /* STATE: what caused it ("rcv SYN,ACK") */
  enum sl__timer timer;       /* TIMER */
  unsigned backoff;           /* TIMER: consecutive expiries */
  enum sl__drop drop;         /* DROP */
  size_t len;                 /* UDP_IN, UDP_OUT: payload bytes */
};

/* ---- the host ------------------------------------------------------ */

/* Where packets leave: one whole IPv4 datagram, valid during the call. */
typedef void sl__output_fn(void *arg, const uint8_t *pkt, size_t len);
typedef void sl__trace_fn(void *arg, const struct sl__event *ev);
/* Something about a socket changed that a waiting thread may care about
 * (data, room, a state, an error).  tcb or pcb is NULL. */
typedef void sl__notify_fn(void *arg, struct sl__tcb *tcb,
                           struct sl__udp_pcb *pcb);

/* A new host with address addr (host order).  cfg NULL = defaults. */
struct sl__host *sl__host_new(uint32_t addr, const struct sl__host_config *cfg,
                              sl__output_fn *output, void *output_arg);
/* Frees the host and every socket it still has, without sending. */
void sl__host_free(struct sl__host *h);

void sl__host_set_trace(struct sl__host *h, sl__trace_fn *fn, void *arg);
void sl__host_set_notify(struct sl__host *h, sl__notify_fn *fn, void *arg);

uint32_t sl__host_addr(const struct sl__host *h);
const struct sl__host_config *sl__host_config(const struct sl__host *h);
const struct sl__stats *sl__host_stats(const struct sl__host *h);

/* A datagram arrived from the link at time now_us. */
void sl__host_input(struct sl__host *h, const uint8_t *pkt, size_t len,
                    uint64_t now_us);
/* A datagram the host sent to itself came back through its loopback (the
 * runtime keeps such datagrams off the link, as a kernel keeps them on
 * lo).  Only here are 127.x and the host's own address valid sources. */
void sl__host_input_loopback(struct sl__host *h, const uint8_t *pkt, size_t len,
                             uint64_t now_us);
/* Runs every timer due at now_us (time never goes backwards). */
void sl__host_poll(struct sl__host *h, uint64_t now_us);
/* The earliest timer deadline, or SL__TIME_NEVER. */
uint64_t sl__host_next_deadline(struct sl__host *h);
/* The host's idea of now: the time of the last input or poll.  Socket
 * calls happen at this time, so drivers poll before calling them. */
uint64_t sl__host_now(const struct sl__host *h);

/* Every TCP connection of the host, for netstat-like views: calls fn for
 * each (listeners and their pending children included). */
void sl__host_foreach_tcb(struct sl__host *h,
                          void (*fn)(void *arg, const struct sl__tcb *tcb),
                          void *arg);
/* The same for every UDP socket of the host. */
void sl__host_foreach_udp(struct sl__host *h,
                          void (*fn)(void *arg, const struct sl__udp_pcb *u),
                          void *arg);

/* ---- TCP sockets ----------------------------------------------------- */

/* All calls return 0 / a count or a negative errno, with Linux's errno
 * for each situation.  None blocks: "would block" is -EAGAIN (or
 * -EINPROGRESS from connect), and the runtime waits for a notify. */

struct sl__tcb *sl__tcp_new(struct sl__host *h);
int sl__tcp_bind(struct sl__tcb *t, uint32_t addr, uint16_t port);
int sl__tcp_listen(struct sl__tcb *t, int backlog);
/* Starts the handshake: -EINPROGRESS on success (the answer comes later;
 * sl__tcp_connect_result tells it). */
int sl__tcp_connect(struct sl__tcb *t, uint32_t addr, uint16_t port);
/* 0 when established, -EINPROGRESS while the handshake runs, or the
 * error that ended it (-ECONNREFUSED, -ETIMEDOUT...). */
int sl__tcp_connect_result(struct sl__tcb *t);
/* A connection that finished its handshake, or -EAGAIN / -EINVAL. */
int sl__tcp_accept(struct sl__tcb *listener, struct sl__tcb **child);
ssize_t sl__tcp_send(struct sl__tcb *t, const void *buf, size_t len);
/* Bytes read, 0 at end of stream, or -EAGAIN.  MSG_PEEK is honoured. */
ssize_t sl__tcp_recv(struct sl__tcb *t, void *buf, size_t len, int flags);
int sl__tcp_shutdown(struct sl__tcb *t, int how); /* SHUT_RD/WR/RDWR */
/* The application lets go of the socket.  The connection finishes on its
 * own (FIN, TIME-WAIT...) and the host frees it; with SO_LINGER {1, 0},
 * or unread data, it is reset instead (RFC 2525 section 2.17). */
void sl__tcp_close(struct sl__tcb *t);
/* Resets the connection now (RST) and releases it like close. */
void sl__tcp_abort(struct sl__tcb *t);

/* POLLIN, POLLOUT, POLLERR, POLLHUP, POLLRDHUP as poll(2) would say. */
short sl__tcp_poll(const struct sl__tcb *t);
/* The pending error (SO_ERROR), cleared by reading it. */
int sl__tcp_take_error(struct sl__tcb *t);

/* Socket options.  Buffer sizes apply to new data; the MSS to announce is
 * taken at connect/listen time (TCP_MAXSEG). */
int sl__tcp_set_nodelay(struct sl__tcb *t, int on);
int sl__tcp_set_mss(struct sl__tcb *t, unsigned mss);
int sl__tcp_set_sndbuf(struct sl__tcb *t, uint32_t bytes);
int sl__tcp_set_rcvbuf(struct sl__tcb *t, uint32_t bytes);
int sl__tcp_set_linger(struct sl__tcb *t, int on, int seconds);
int sl__tcp_set_reuseaddr(struct sl__tcb *t, int on);
/* TCP_USER_TIMEOUT (RFC 9293 3.8.3 and 3.10.8, RFC 5482): data (or a
 * SYN, or a FIN) left unacknowledged this many milliseconds ends the
 * connection with ETIMEDOUT, in any state; 0 = off, the retransmission
 * limits alone decide.  -EINVAL when negative. */
int sl__tcp_set_user_timeout(struct sl__tcb *t, int ms);
/* SO_KEEPALIVE and its parameters (RFC 1122 4.2.3.6, Linux's options and
 * ranges): idle and interval in seconds, 1 to 32767; count 1 to 127. */
int sl__tcp_set_keepalive(struct sl__tcb *t, int on);
int sl__tcp_set_keepidle(struct sl__tcb *t, int seconds);
int sl__tcp_set_keepintvl(struct sl__tcb *t, int seconds);
int sl__tcp_set_keepcnt(struct sl__tcb *t, int count);

/* The options a TCB holds, as getsockopt reads them back. */
struct sl__tcp_sockopts {
  int nodelay, reuseaddr, keepalive;
  int linger_on, linger_s;
  unsigned mss_user;       /* TCP_MAXSEG asked for, 0 = none */
  uint32_t sndbuf, rcvbuf; /* what the core uses */
  int user_timeout_ms;     /* 0 = off */
  int keepidle_s, keepintvl_s, keepcnt;
};
void sl__tcp_get_sockopts(const struct sl__tcb *t, struct sl__tcp_sockopts *o);

/* What netstat -i / ss -i show, and what tests inspect. */
struct sl__tcp_info {
  enum sl_tcp_state state;
  uint32_t laddr, raddr;
  uint16_t lport, rport;
  uint32_t iss, irs; /* initial sequence numbers */
  uint32_t snd_una, snd_nxt, snd_wnd, rcv_nxt, rcv_wnd;
  uint16_t snd_mss;        /* largest segment we send */
  uint16_t rcv_mss;        /* MSS we announced */
  uint16_t peer_mss;       /* MSS the peer announced */
  uint32_t cwnd, ssthresh; /* bytes */
  uint64_t srtt_us, rttvar_us, rto_us;
  unsigned backoff;           /* RTO/persist doublings in a row */
  unsigned retries;           /* RTO expiries since SND.UNA last moved */
  uint64_t retransmits;       /* segments retransmitted */
  uint32_t send_q, recv_q;    /* bytes queued (netstat Send-Q/Recv-Q) */
  uint32_t ooo_bytes;         /* bytes held out of order */
  uint64_t timer_deadline_us; /* earliest armed timer, or SL__TIME_NEVER */
  enum sl__timer timer;       /* which one */
  int orphan;                 /* the application has closed it */
  unsigned backlog, syn_queue, accept_queue; /* listeners */
};
void sl__tcp_get_info(const struct sl__tcb *t, struct sl__tcp_info *info);
enum sl_tcp_state sl__tcp_state(const struct sl__tcb *t);

/* ---- UDP sockets ----------------------------------------------------- */

struct sl__udp_pcb *sl__udp_new(struct sl__host *h);
int sl__udp_bind(struct sl__udp_pcb *u, uint32_t addr, uint16_t port);
/* addr 0 disconnects (AF_UNSPEC). */
int sl__udp_connect(struct sl__udp_pcb *u, uint32_t addr, uint16_t port);
/* addr 0: to the connected peer (-EDESTADDRREQ if none). */
ssize_t sl__udp_sendto(struct sl__udp_pcb *u, const void *buf, size_t len,
                       uint32_t addr, uint16_t port);
/* One datagram, truncated to len (the rest is discarded, as in libc);
 * -EAGAIN when none; -ECONNREFUSED once after an ICMP port unreachable.
 * *from_addr / *from_port may be NULL. */
ssize_t sl__udp_recvfrom(struct sl__udp_pcb *u, void *buf, size_t len,
                         int flags, uint32_t *from_addr, uint16_t *from_port);
short sl__udp_poll(const struct sl__udp_pcb *u);
int sl__udp_set_rcvbuf(struct sl__udp_pcb *u, uint32_t bytes);
/* The pending error (SO_ERROR: ECONNREFUSED after an ICMP port
 * unreachable on a connected socket), cleared by reading it. */
int sl__udp_take_error(struct sl__udp_pcb *u);
void sl__udp_close(struct sl__udp_pcb *u);

/* What netstat shows of a UDP socket.  UDP keeps no state: a socket has
 * addresses and a queue, nothing more. */
struct sl__udp_info {
  uint32_t laddr, raddr; /* laddr 0: any; raddr 0: not connected */
  uint16_t lport, rport;
  uint32_t recv_q; /* bytes of datagrams waiting to be read */
  uint32_t rcvbuf; /* SO_RCVBUF: bytes the queue may hold */
};
void sl__udp_get_info(const struct sl__udp_pcb *u, struct sl__udp_info *info);

#endif
