/* The hub's wire protocol, spoken by the hub (hub.c) and by its members
 * (lib/link/link_hub.c): what travels on the socket, bundles of packets,
 * the WELCOME a member is answered, and where the hub listens by default.
 *
 * Wire protocol on the socket: an IPv4 datagram as it is (its first byte
 * is 0x4N), a bundle of them, or a control message: a NUL byte, then text.
 *   member -> hub   "HELLO <addr|0> <pid> <name|-> [bundle]"   join
 *                   "RESOLVE <name>"                  ask for an address
 *                   "CLAIM tcp|udp <port> <addr>"     listen on localhost
 *                   "RELEASE tcp|udp <port> <addr>"   stop
 *                   "WHO tcp|udp <port>"              who has the port
 *                   "BYE"                             leave
 *                   "KEEPALIVE"                       (UDP) still here
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
#ifndef SOCKLAB_HUB_PROTO_H
#define SOCKLAB_HUB_PROTO_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

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

/* The hub's default socket: $XDG_RUNTIME_DIR/socklab-hub.sock, else
 * /tmp/socklab-hub-UID.sock. */
void sl__hub_default_path(char *buf, size_t len);

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

/* Reads the hub's answer to HELLO, "WELCOME <addr> [bundle] [keepalive
 * <ms>]": 0 with *addr, *bundles and *keepalive_ms (0 when the hub asks
 * for none), or -1 when it is not a WELCOME. */
int sl__hub_parse_welcome(const char *a, uint32_t *addr, int *bundles,
                          int *keepalive_ms);

#endif
