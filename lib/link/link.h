/* Links: what carries a host's IPv4 datagrams out of the process and
 * back -- the hub (a virtual switch between processes), TUN (the
 * kernel's TCP/IP as the peer), a raw packet socket, or the process's own
 * loopback.  The runtime owns one and moves packets between it and the
 * core; a link knows nothing of TCP. */
#ifndef SOCKLAB_LINK_LINK_H
#define SOCKLAB_LINK_LINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum sl__link_kind {
  SL__LINK_HUB, /* the hub's unix socket */
  SL__LINK_UDP, /* the hub's UDP port, from another machine */
  SL__LINK_LOOP,
  SL__LINK_TUN,
  SL__LINK_RAW
};

/* Which link, and what it needs to open (the runtime reads it from
 * SOCKLAB_LINK, SOCKLAB_ADDR and SOCKLAB_HOSTNAME). */
struct sl__link_config {
  enum sl__link_kind kind;
  char arg[256];     /* hub socket path, hub host, or interface name */
  uint16_t port;     /* the hub's UDP port (SL__LINK_UDP) */
  uint32_t addr;     /* the address asked for, host order; 0 = the hub's
                        choice */
  char hostname[64]; /* the name to register with the hub, "" = none */
};

/* Does the link go through a hub (its unix socket or its UDP port)?  Then
 * names, localhost ports and questions go to that hub. */
int sl__link_is_hub(const struct sl__link_config *cfg);

struct sl__link;
struct sl__link_ops {
  const char *name;
  /* Sends one IPv4 datagram; never blocks (a full queue drops). */
  void (*send)(struct sl__link *l, const uint8_t *pkt, size_t len);
  /* Reads one datagram if one is waiting: its length, 0 for none, or a
   * negative errno when the link is down for good. */
  ssize_t (*recv)(struct sl__link *l, uint8_t *buf, size_t cap);
  void (*close)(struct sl__link *l);
  /* Sends what send() batched, if the link batches (may be NULL).  The
   * runtime calls it before it lets go of its lock. */
  void (*flush)(struct sl__link *l);
  /* Called by the runtime thread whenever it wakes (may be NULL): a link
   * that must say something now and then (the UDP hub link's keepalive)
   * says it.  Returns the longest the thread may sleep before calling it
   * again, in milliseconds, or -1 for no limit. */
  int (*tick)(struct sl__link *l);
  /* Says goodbye at exit, while the link stays open (may be NULL): the
   * hub over UDP would otherwise hear of it only from its silence. */
  void (*leave)(struct sl__link *l);
};

struct sl__link {
  const struct sl__link_ops *ops;
  int fd;        /* polled by the runtime thread for input */
  uint32_t addr; /* the address the link gave the host (0: none) */
  int pending;   /* datagrams read from fd but not yet handed out by recv:
                    poll would not show them, so the thread must not wait */
};

/* Opens the link the configuration names.  Returns 0 or a negative errno
 * with msg explaining. */
int sl__link_open(const struct sl__link_config *cfg, struct sl__link **out,
                  char *msg, size_t msglen);

/* A loopback (link.c): what is sent on it comes back to the same process
 * through a queue, input never running inside output.  SOCKLAB_LINK=loop
 * is one; every runtime has one more for the datagrams its host sends to
 * itself (lib/runtime/rt.c). */
int sl__loop_link_open(uint32_t addr, struct sl__link **out, char *msg,
                       size_t msglen);

/* ---- the backends, which sl__link_open chooses between --------------- */

/* The hub link (link_hub.c): joins the virtual switch at cfg->arg,
 * starting a hub there first when none runs; or, SL__LINK_UDP, the hub
 * listening on UDP at cfg->arg:cfg->port (never started: it is another
 * machine's). */
int sl__hub_link_open(const struct sl__link_config *cfg, struct sl__link **out,
                      char *msg, size_t msglen);

/* The TUN link (link_tun.c): the device named cfg->arg. */
int sl__tun_link_open(const struct sl__link_config *cfg, struct sl__link **out,
                      char *msg, size_t msglen);

/* The raw link (link_raw.c): a packet socket on interface cfg->arg. */
int sl__raw_link_open(const struct sl__link_config *cfg, struct sl__link **out,
                      char *msg, size_t msglen);

#endif
