/* The hub: a virtual switch between socklab processes on one machine
 * and, when it also listens on UDP (--udp), on other machines of a lab
 * room.  Members join over a unix SOCK_SEQPACKET socket or UDP, get an
 * address on 10.77.0.0/16 (or keep the one they ask for) and may register
 * a host name; the hub forwards IPv4 packets between them through a
 * simulated link (lib/sim) running on the real clock, so the same seeded
 * faults as `socklab sim` apply.  What members and hub say to each other
 * is proto.h; the member's side is lib/link/link_hub.c. */
#ifndef SOCKLAB_HUB_HUB_H
#define SOCKLAB_HUB_HUB_H

#include <stdint.h>

#include "hub/proto.h"
#include "sim/sim.h"

struct sl__hub_opts {
  char path[108];               /* the socket */
  struct sl__sim_faults faults; /* applied to every packet */
  uint64_t seed;
  char pcap[256];     /* "" = no capture */
  int idle_exit_s;    /* exit after this long with no member;
                         0 = never */
  int verbose;        /* print joins, leaves and drops */
  int udp;            /* also listen on UDP at udp_addr:udp_port */
  uint32_t udp_addr;  /* host order; the CLI's default is 127.0.0.1 */
  uint16_t udp_port;  /* 0: any free port (the hub says which) */
  int udp_timeout_ms; /* a UDP member silent this long has left;
                         0: 10 s */
};

/* Runs a hub until it is idle for idle_exit_s (or a fatal error).
 * Returns an exit status: 0, or 1 with a message on stderr. */
int sl__hub_run(const struct sl__hub_opts *o);

/* A hub with no sockets yet (sl__hub_run opens them), and its end.  For
 * the fuzz target and tests: feeds one datagram to h as if it came over
 * UDP from addr:port (buf has room for a NUL after n; its bytes may be
 * changed), then lets advance_us of time pass for its timers. */
struct hub;
struct hub *sl__hub_new(const struct sl__hub_opts *o);
void sl__hub_free(struct hub *h);
void sl__hub_feed_udp(struct hub *h, uint32_t addr, uint16_t port, uint8_t *buf,
                      size_t n, uint64_t advance_us);

/* Starts a hub at path in a daemon process (stdio on /dev/null, its own
 * session) unless one answers there already.  0 or a negative errno. */
int sl__hub_spawn(const char *path);

#endif
