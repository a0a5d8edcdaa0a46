/* Socket options: one table of their BSD semantics over the core, for
 * the two front ends that give the core a socket API -- the runtime
 * (lib/runtime/usock.c) and the packetdrill adapter (lib/packetdrill/).  The
 * same call gives the same answer, errno included, through either; each
 * front end adds only what is its own (TCP_INFO in the adapter). */
#ifndef SOCKLAB_CORE_SOCKOPT_H
#define SOCKLAB_CORE_SOCKOPT_H

#include <stdint.h>
#include <sys/socket.h>

#include "core/stack.h"

/* A socket's options, beside its core object.  What the core acts on
 * lives in the TCB (read back with sl__tcp_get_sockopts); this keeps the
 * rest.  A child accepted from a listener starts as a copy of the
 * listener's (sl__sockopt_inherit). */
struct sl__sockopts {
  int type;            /* SOCK_STREAM or SOCK_DGRAM */
  struct sl__tcb *tcb; /* one of the two is set */
  struct sl__udp_pcb *udp;
  const struct sl__host_config *cfg; /* defaults */
  int broadcast;                     /* SO_BROADCAST, kept, not enforced */
  int udp_reuseaddr; /* UDP keeps these itself: the core has no use */
  int udp_keepalive; /* for them on a datagram socket */
  int udp_sndbuf;    /* 0: the host's default */
  int udp_linger_on, udp_linger_s;
  uint64_t rcvtimeo_us; /* SO_RCVTIMEO / SO_SNDTIMEO: how long the */
  uint64_t sndtimeo_us; /* front end's blocking calls wait; 0 = ever */
};

/* A TCP or UDP socket's options, all at their defaults. */
void sl__sockopt_init(struct sl__sockopts *o, int type, struct sl__tcb *tcb,
                      struct sl__udp_pcb *udp,
                      const struct sl__host_config *cfg);
/* A child of listener l, on tcb (the core has copied what it keeps). */
void sl__sockopt_inherit(struct sl__sockopts *child,
                         const struct sl__sockopts *l, struct sl__tcb *tcb);

/* setsockopt and getsockopt: 0 or a negative errno, as Linux answers
 * (ENOPROTOOPT for an option socklab does not have, or one of another
 * protocol; EINVAL for a short value or one out of range; EFAULT for
 * NULL).  getsockopt truncates to *len, as Linux does. */
int sl__sockopt_set(struct sl__sockopts *o, int level, int name,
                    const void *val, socklen_t len);
int sl__sockopt_get(struct sl__sockopts *o, int level, int name, void *val,
                    socklen_t *len);

#endif
