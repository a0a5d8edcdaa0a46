/* The hub: a virtual switch between socklab processes on one machine
 * and, when it also listens on UDP (--udp), on other machines of a lab
 * room.  Members join over a unix SOCK_SEQPACKET socket or UDP, get an address
 on 10.77.0.0/16
 * (or keep the one they ask for) and may register a host name; the hub
 * forwards IPv4 packets between them through a simulated link running on
 * the real clock, so the same seeded faults as `socklab sim` apply.
 *
 * Wire protocol on the socket: an IPv4 datagram as it is (its first byte
 * is 0x4N), a bundle of them, or a control message: a NUL byte, then text.
 *   member -> hub   "HELLO <addr|0> <pid> <name|-> [bundle]"   join
 *                   "RESOLVE <name>"                  ask for an address
 *                   "CLAIM tcp|udp <port> <addr>"     listen on localhost
 *                   "RELEASE tcp|udp <port> <addr>"   stop
 *                   "WHO tcp|udp <port>"              who has the port
 *                   "BYE"                             leave
                   "KEEPALIVE"                       (UDP) still here
 *   hub -> member   "WELCOME <addr>" | "ERROR <why>"  | "ADDR <addr>" |
 *                   "NOADDR" | "OK"
 * A member that says "bundle" in its HELLO is answered "WELCOME <addr>
 * bundle" by a hub that knows bundles (an older hub ignores the word and
 * says no more than "WELCOME <addr>").  From then on either side may send
 * it, in one message, the byte SL__HUB_BUNDLE followed by packets, each
 * a two-byte length (network order) and the datagram: what one pass of
 * the sender had ready, so that a window of segments costs one system
 * call and one wakeup instead of one each.  Nothing waits for a bundle to
 * fill: each side sends what it has before it sleeps.
 *
 * Over UDP each message is one datagram, between the member's socket and
 * the hub's port; a member is known by its source address and port.  A
 * bundle then holds at most SL__HUB_UDP_MAX bytes.  There is no connection
 * whose end says a member is gone, so the hub's WELCOME to a UDP member
 * ends with "keepalive <ms>": the member sends KEEPALIVE when it has sent
 * nothing for that long, and the hub takes a member silent for its
 * timeout (five keepalives) as departed.  Questions (RESOLVE, WHO, CLAIM,
 * RELEASE) are answered whoever asks; anything else from a source that
 * has not joined is counted and dropped, as is a malformed datagram.
 */
#ifndef SOCKLAB_RT_HUB_H
#define SOCKLAB_RT_HUB_H

#include <netinet/in.h>
#include <stdint.h>

#include "sim/sim.h"

#define SL__HUB_NET     0x0a4d0000u /* 10.77.0.0/16 */
#define SL__HUB_NETMASK 0xffff0000u

/* A bundle's first byte, and the most bytes either side sends in one. */
#define SL__HUB_BUNDLE     0x01
#define SL__HUB_BUNDLE_MAX (1 << 17)
/* The most one UDP datagram over IPv4 carries; and the most a bundle to
 * another machine takes, one Ethernet frame's worth (a larger datagram
 * travels in IP fragments, and one lost fragment loses all of it). */
#define SL__HUB_UDP_MAX 65507
#define SL__HUB_UDP_LAN 1472

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

/* Appends pkt to the bundle of *len bytes at b, which may grow to cap
 * bytes (*len 0 starts one).  0, or -1 when it does not fit: send b
 * first. */
int sl__hub_bundle_add(uint8_t *b, size_t *len, size_t cap, const uint8_t *pkt,
                       size_t n);

/* The most a bundle sent on the socket fd may take: the kernel refuses a
 * message larger than the socket's send buffer (less its own 32 bytes),
 * which net.core.wmem_max may make smaller than SL__HUB_BUNDLE_MAX.  On a
 * UDP socket, at most SL__HUB_UDP_MAX to 127.0.0.0/8 and SL__HUB_UDP_LAN
 * to any other address: to, or (NULL) the one fd is connected to. */
size_t sl__hub_bundle_cap(int fd, const struct sockaddr_in *to);

/* The next packet of the bundle b (len bytes) from *off (1 for the first),
 * its length in *n; NULL at the end or at a length that overruns it. */
const uint8_t *sl__hub_bundle_next(const uint8_t *b, size_t len, size_t *off,
                                   size_t *n);

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
