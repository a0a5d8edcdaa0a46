/* The hub: a virtual switch between socklab processes on one machine.
 * Members join over a unix datagram socket, get an address on 10.77.0.0/16
 * (or keep the one they ask for) and may register a host name; the hub
 * forwards IPv4 packets between them through a simulated link running on
 * the real clock, so the same seeded faults as `socklab sim` apply.
 *
 * Wire protocol on the socket: an IPv4 datagram as it is (its first byte
 * is 0x4N), or a control message: a NUL byte, then text.
 *   member -> hub   "HELLO <addr|0> <pid> <name|->"   join
 *                   "RESOLVE <name>"                  ask for an address
 *                   "CLAIM tcp|udp <port> <addr>"     listen on localhost
 *                   "RELEASE tcp|udp <port> <addr>"   stop
 *                   "WHO tcp|udp <port>"              who has the port
 *                   "BYE"                             leave
 *   hub -> member   "WELCOME <addr>" | "ERROR <why>"  | "ADDR <addr>" |
 *                   "NOADDR" | "OK"
 */
#ifndef SOCKLAB_RT_HUB_H
#define SOCKLAB_RT_HUB_H

#include <stdint.h>

#include "sim.h"

#define SL__HUB_NET     0x0a4d0000u /* 10.77.0.0/16 */
#define SL__HUB_NETMASK 0xffff0000u

struct sl__hub_opts {
  char path[108];               /* the socket */
  struct sl__sim_faults faults; /* applied to every packet */
  uint64_t seed;
  char pcap[256];  /* "" = no capture */
  int idle_exit_s; /* exit after this long with no member;
                      0 = never */
  int verbose;     /* print joins, leaves and drops */
};

/* Runs a hub until it is idle for idle_exit_s (or a fatal error).
 * Returns an exit status: 0, or 1 with a message on stderr. */
int sl__hub_run(const struct sl__hub_opts *o);

/* Starts a hub at path in a daemon process (stdio on /dev/null, its own
 * session) unless one answers there already.  0 or a negative errno. */
int sl__hub_spawn(const char *path);

#endif
