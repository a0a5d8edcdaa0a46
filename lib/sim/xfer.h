/* A bulk transfer between two hosts on the simulated link: the experiment
 * behind `socklab sim`, the benchmarks and the property tests.  A client
 * host connects to a server host, sends `bytes` of a seeded pattern and
 * closes; the server reads everything, checks every byte, and closes after
 * the client.  Pure, like the core it drives: virtual time only, through
 * the core's API (core/stack.h). */
#ifndef SOCKLAB_SIM_XFER_H
#define SOCKLAB_SIM_XFER_H

#include "core/stack.h"
#include "sim/sim.h"

#define SL__XFER_CLIENT 0x0a000001u /* 10.0.0.1 */
#define SL__XFER_SERVER 0x0a000002u /* 10.0.0.2 */
#define SL__XFER_PORT   80

struct sl__xfer {
  /* What to run. */
  uint64_t seed;       /* the sim's faults, ISNs and the data derive from it */
  uint64_t bytes;      /* client -> server */
  uint16_t mss_client; /* TCP_MAXSEG on each side; 0 = from the MTU */
  uint16_t mss_server;
  struct sl__sim_faults faults;
  uint64_t max_us;                   /* virtual time limit; 0 = one hour */
  const struct sl__host_config *cfg; /* NULL = defaults */
  sl__sim_tap_fn *tap;               /* sees every packet on the wire (pcap) */
  void *tap_arg;
  sl__trace_fn *trace; /* sees both hosts' events */
  void *trace_arg;
  int no_verify;           /* benchmarks: send zeros, do not compare */
  int server_closes_first; /* the server closes once it has everything;
                              the client waits for that, then closes */
  int echo;                /* the server echoes; the client checks the echo and
                              closes after the server (both directions carry data,
                              as in the labs' echo) */

  /* A receiver that stops reading (flow control, RFC 9293 3.8.6). */
  uint32_t server_rcvbuf;   /* SO_RCVBUF of the server's socket; 0 = cfg's */
  uint64_t server_sleep_us; /* the server application reads nothing before
                               this virtual time: its buffer fills, its
                               window closes, the client probes it */

  /* What happened. */
  uint64_t received;            /* bytes the server read */
  uint64_t echoed;              /* echo: bytes the client read back */
  struct sl__host *client_host; /* during the run (for trace callbacks) */
  struct sl__host *server_host;
  int identical;     /* every one of them as sent */
  int server_eof;    /* the server saw end of stream */
  int client_closed; /* both hosts ended with no connection left */
  int server_closed;
  int client_error; /* negative errno that ended a side, or 0 */
  int server_error;
  uint64_t duration_us;    /* virtual time from connect to all closed */
  uint64_t closed_us;      /* ... to both closed but for TIME-WAIT */
  uint32_t max_seg_client; /* largest TCP payload each side sent */
  uint32_t max_seg_server;
  struct sl__stats client_stats, server_stats;
  struct sl__sim_counters wire;
};

/* Hosts as nodes of a sim.  sl__sim_output is the output callback of a
 * host whose output argument is the sim (the packet's source address says
 * who sends); sl__sim_host_ops attach the host itself as the node. */
void sl__sim_output(void *sim, const uint8_t *pkt, size_t len);
extern const struct sl__sim_node_ops sl__sim_host_ops;

/* Runs the transfer.  Returns 0 when the data arrived identical and both
 * sides closed cleanly, -ETIMEDOUT when max_us passed first, -EIO when
 * the data differ, -ENOMEM, or the error that ended a side. */
int sl__xfer_run(struct sl__xfer *x);

/* Byte i of the pattern for seed (what the client sends). */
uint8_t sl__xfer_byte(uint64_t seed, uint64_t i);

/* Datagrams instead of a stream, on the same two hosts: the client sends
 * `count` datagrams, "datagram 1", "datagram 2"..., one every interval_us,
 * from an unconnected UDP socket to the server's (a discard server, RFC
 * 863); the server reads what arrives.  No connection, no state, and
 * nothing in UDP notices a loss or sends anything again. */
#define SL__XFER_UDP_PORT 9
#define SL__XFER_UDP_MAX  64

struct sl__xfer_udp {
  /* What to run. */
  uint64_t seed;  /* the sim's faults and the ephemeral port derive from it */
  unsigned count; /* datagrams, 1 to SL__XFER_UDP_MAX */
  uint64_t interval_us; /* between two sends */
  struct sl__sim_faults faults;
  const struct sl__host_config *cfg; /* NULL = defaults */
  sl__sim_tap_fn *tap;               /* sees every packet on the wire */
  void *tap_arg;
  sl__trace_fn *trace; /* sees both hosts' events */
  void *trace_arg;

  /* What happened. */
  unsigned sent;        /* sendto() calls that succeeded */
  unsigned received;    /* datagrams the server read */
  uint16_t client_port; /* the port the client's first sendto() bound */
  uint64_t sent_us[SL__XFER_UDP_MAX]; /* when datagram i + 1 was sent */
  uint64_t read_us[SL__XFER_UDP_MAX]; /* when the server read it first, or
                                         SL__TIME_NEVER */
  struct sl__host *client_host;       /* during the run (for trace callbacks) */
  struct sl__host *server_host;
  struct sl__stats client_stats, server_stats;
  struct sl__sim_counters wire;
};

/* Runs it until the last datagram has arrived or been lost.  Returns 0,
 * -EINVAL for a count out of range, -ENOMEM, or the error of a socket
 * call. */
int sl__xfer_udp_run(struct sl__xfer_udp *x);

#endif
