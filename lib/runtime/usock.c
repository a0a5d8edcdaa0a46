/* Sockets on socklab's stack: the BSD calls with libc's semantics on top of
 * the core's non-blocking TCP and UDP.  Blocking calls sleep on the
 * runtime's condition variable; SO_RCVTIMEO / SO_SNDTIMEO bound the sleep;
 * O_NONBLOCK and MSG_DONTWAIT turn it into EAGAIN / EINPROGRESS.
 *
 * Addresses: socklab's stack is IPv4 only (AF_INET6 gives EAFNOSUPPORT).
 * 127.0.0.0/8 means this host, as loopback does on a real one. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/sockopt.h"
#include "core/stack.h"
#include "runtime/rt.h"
#include "runtime/sock.h"

struct usock {
  struct sl__sock base;
  struct sl__rt *rt;
  int generation;           /* sockets do not survive a fork */
  int type;                 /* SOCK_STREAM or SOCK_DGRAM */
  struct sl__tcb *tcb;      /* SOCK_STREAM */
  struct sl__udp_pcb *udp;  /* SOCK_DGRAM */
  struct sl__sockopts opts; /* SO_RCVTIMEO... (core/sockopt.c's table) */
  uint16_t claimed;         /* localhost port registered with the hub */
  uint16_t lo_port;         /* the last 127.x destination looked up... */
  uint32_t lo_addr;         /* ...and the process that has it */
};

static const struct sl__sock_ops usock_ops;

static struct usock *
us(struct sl__sock *s)
{
  return (struct usock *)s;
}

/* Locks the runtime for a call on this socket; EBADF in a forked child. */
static int
enter(struct usock *u)
{
  if (u->generation != sl__rt_generation())
    return -EBADF;
  sl__rt_lock(u->rt);
  return 0;
}

static void
leave(struct usock *u)
{
  sl__rt_unlock(u->rt);
}

/* ---- addresses ---------------------------------------------------------- */

/* sockaddr_in to (addr, port).  For a destination (to_peer), 127.x is the
 * socklab process on this machine with that port (sl__rt_localhost); for
 * a bind it is this host.  Called without the runtime lock: the lookup
 * may ask the hub. */
static int
from_sockaddr(struct usock *u, const struct sockaddr *sa, socklen_t len,
              uint32_t *addr, uint16_t *port, int to_peer)
{
  const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
  uint32_t a;

  if (sa == NULL)
    return -EFAULT;
  if (len < sizeof(sa_family_t))
    return -EINVAL;
  if (sa->sa_family != AF_INET)
    return -EAFNOSUPPORT;
  if (len < sizeof *in)
    return -EINVAL;
  a = ntohl(in->sin_addr.s_addr);
  *port = ntohs(in->sin_port);
  if ((a >> 24) == 127) {
    if (!to_peer) {
      a = sl__host_addr(u->rt->host);
    } else if (u->lo_port == *port && u->lo_addr != 0) {
      a = u->lo_addr;
    } else {
      a = sl__rt_localhost(u->rt, u->type == SOCK_STREAM, *port);
      u->lo_port = *port;
      u->lo_addr = a;
    }
  }
  *addr = a;
  return 0;
}

static void
to_sockaddr(uint32_t addr, uint16_t port, struct sockaddr *sa, socklen_t *len)
{
  struct sockaddr_in in = {.sin_family = AF_INET,
                           .sin_port = htons(port),
                           .sin_addr.s_addr = htonl(addr)};

  if (sa == NULL || len == NULL)
    return;
  memcpy(sa, &in, *len < sizeof in ? *len : sizeof in);
  *len = sizeof in;
}

/* ---- waiting ------------------------------------------------------------ */

/* The runtime-clock deadline for a wait of timeo_us (0 = forever). */
static uint64_t
deadline_after(struct usock *u, uint64_t timeo_us)
{
  return timeo_us ? sl__rt_now(u->rt) + timeo_us : UINT64_MAX;
}

/* ---- creating ------------------------------------------------------------ */

int
sl__user_socket(int domain, int type, int protocol, struct sl__sock **out,
                struct sl__user_failure *why)
{
  int base_type = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  struct sl__rt *rt;
  struct usock *u;

  if (domain != AF_INET)
    return -EAFNOSUPPORT; /* socklab's stack speaks IPv4 only */
  if (base_type != SOCK_STREAM && base_type != SOCK_DGRAM)
    return -EPROTONOSUPPORT;
  if (protocol != 0 && !(base_type == SOCK_STREAM && protocol == IPPROTO_TCP) &&
      !(base_type == SOCK_DGRAM && protocol == IPPROTO_UDP))
    return -EPROTONOSUPPORT;
  rt = sl__rt_get(why);
  if (rt == NULL)
    return -(errno ? errno : EIO);
  u = calloc(1, sizeof *u);
  if (u == NULL)
    return -ENOMEM;
  u->base.ops = &usock_ops;
  atomic_store(&u->base.nonblock, (type & SOCK_NONBLOCK) != 0);
  u->rt = rt;
  u->generation = sl__rt_generation();
  u->type = base_type;
  sl__rt_lock(rt);
  if (base_type == SOCK_STREAM)
    u->tcb = sl__tcp_new(rt->host);
  else
    u->udp = sl__udp_new(rt->host);
  sl__rt_unlock(rt);
  if (u->tcb == NULL && u->udp == NULL) {
    free(u);
    return -ENOMEM;
  }
  sl__sockopt_init(&u->opts, base_type, u->tcb, u->udp,
                   sl__host_config(rt->host));
  *out = &u->base;
  return 0;
}

/* ---- the calls ----------------------------------------------------------- */

static int
u_bind(struct sl__sock *s, const struct sockaddr *sa, socklen_t len)
{
  struct usock *u = us(s);
  uint32_t addr;
  uint16_t port;
  int tcp = u->type == SOCK_STREAM;
  int r = from_sockaddr(u, sa, len, &addr, &port, 0);

  if (r < 0)
    return r;
  if (u->claimed)
    return -EINVAL; /* already bound */
  /* Processes on one machine share localhost's ports: ask the hub first,
   * so a port another socklab process has gives EADDRINUSE here, as a
   * kernel would. */
  if (port != 0 && (r = sl__rt_claim_port(u->rt, tcp, port)) < 0)
    return r;
  if ((r = enter(u)) < 0)
    return r;
  if (addr != 0 && addr != sl__host_addr(u->rt->host))
    r = -EADDRNOTAVAIL;
  else if (u->tcb)
    r = sl__tcp_bind(u->tcb, addr, port);
  else
    r = sl__udp_bind(u->udp, addr, port);
  leave(u);
  if (port != 0) {
    if (r == 0)
      u->claimed = port;
    else
      sl__rt_release_port(u->rt, tcp, port);
  }
  return r;
}

static int
u_listen(struct sl__sock *s, int backlog)
{
  struct usock *u = us(s);
  uint16_t port = 0;
  int r;

  if (u->type != SOCK_STREAM)
    return -EOPNOTSUPP;
  if ((r = enter(u)) < 0)
    return r;
  r = sl__tcp_listen(u->tcb, backlog);
  if (r == 0) {
    struct sl__tcp_info info;
    sl__tcp_get_info(u->tcb, &info);
    port = info.lport;
  }
  if (r == 0 && u->claimed == 0)
    u->claimed = port; /* bound just now, automatically */
  leave(u);
  if (r == 0 && u->claimed == port)
    (void)sl__rt_claim_port(u->rt, 1, u->claimed);
  return r;
}

/* Copies the options a child inherits, as Linux's accepted sockets do. */
static struct usock *
child_of(struct usock *l, struct sl__tcb *tcb)
{
  struct usock *c = calloc(1, sizeof *c);

  if (c == NULL)
    return NULL;
  c->base.ops = &usock_ops;
  c->rt = l->rt;
  c->generation = l->generation;
  c->type = SOCK_STREAM;
  c->tcb = tcb;
  sl__sockopt_inherit(&c->opts, &l->opts, tcb);
  return c;
}

static int
u_accept(struct sl__sock *s, struct sl__sock **out, struct sockaddr *sa,
         socklen_t *len)
{
  struct usock *u = us(s), *c;
  struct sl__tcb *t = NULL;
  uint64_t deadline;
  int r;

  if (u->type != SOCK_STREAM)
    return -EOPNOTSUPP;
  if ((r = enter(u)) < 0)
    return r;
  deadline = deadline_after(u, u->opts.rcvtimeo_us);
  while ((r = sl__tcp_accept(u->tcb, &t)) == -EAGAIN &&
         !atomic_load(&s->nonblock))
    if (sl__rt_wait(u->rt, deadline, "accept") == -ETIMEDOUT)
      break;
  if (r == 0) {
    c = child_of(u, t);
    if (c == NULL) {
      sl__tcp_abort(t);
      r = -ENOMEM;
    } else {
      struct sl__tcp_info info;
      sl__tcp_get_info(t, &info);
      to_sockaddr(info.raddr, info.rport, sa, len);
      *out = &c->base;
    }
  }
  leave(u);
  return r;
}

static int
u_connect(struct sl__sock *s, const struct sockaddr *sa, socklen_t len)
{
  struct usock *u = us(s);
  uint32_t addr;
  uint16_t port;
  uint64_t deadline;
  int r;

  if (u->type == SOCK_DGRAM && sa != NULL && len >= sizeof(sa_family_t) &&
      sa->sa_family == AF_UNSPEC) {
    addr = 0; /* dissolve the association */
    port = 0;
  } else if ((r = from_sockaddr(u, sa, len, &addr, &port, 1)) < 0) {
    return r;
  }
  if ((r = enter(u)) < 0)
    return r;
  if (u->udp) {
    r = sl__udp_connect(u->udp, addr, port);
    leave(u);
    return r;
  }
  r = sl__tcp_connect(u->tcb, addr, port);
  if (r == -EINPROGRESS && !atomic_load(&s->nonblock)) {
    /* Linux bounds a blocking connect with SO_SNDTIMEO. */
    deadline = deadline_after(u, u->opts.sndtimeo_us);
    while ((r = sl__tcp_connect_result(u->tcb)) == -EINPROGRESS)
      if (sl__rt_wait(u->rt, deadline, "connect") == -ETIMEDOUT)
        break;
    if (r == 0 || r != -EINPROGRESS)
      sl__tcp_take_error(u->tcb); /* reported here, not again */
  }
  leave(u);
  return r;
}

static ssize_t
tcp_send(struct usock *u, const uint8_t *buf, size_t len, int flags)
{
  int nonblock = atomic_load(&u->base.nonblock) || (flags & MSG_DONTWAIT);
  uint64_t deadline = deadline_after(u, u->opts.sndtimeo_us);
  size_t done = 0;

  /* A blocking send queues everything before it returns (or is cut
   * short by the timeout); a non-blocking one takes what fits. */
  while (done < len || len == 0) {
    ssize_t r = sl__tcp_send(u->tcb, buf + done, len - done);
    if (r > 0) {
      done += (size_t)r;
      continue;
    }
    if (r == 0)
      return 0;
    if (r != -EAGAIN || nonblock)
      return done > 0 ? (ssize_t)done : r;
    if (sl__rt_wait(u->rt, deadline, "send") == -ETIMEDOUT)
      return done > 0 ? (ssize_t)done : -EAGAIN;
  }
  return (ssize_t)done;
}

static ssize_t
u_sendto(struct sl__sock *s, const void *buf, size_t len, int flags,
         const struct sockaddr *to, socklen_t tolen)
{
  struct usock *u = us(s);
  uint32_t addr = 0;
  uint16_t port = 0;
  ssize_t r;

  if (flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE))
    return -EOPNOTSUPP;
  if (u->udp && to != NULL &&
      (r = from_sockaddr(u, to, tolen, &addr, &port, 1)) < 0)
    return r;
  if ((r = enter(u)) < 0)
    return r;
  if (u->tcb)
    r = tcp_send(u, buf, len, flags); /* Linux ignores TCP's address */
  else
    r = sl__udp_sendto(u->udp, buf, len, addr, port);
  leave(u);
  return r;
}

/* Would the next read on t hand out its pending error (SO_ERROR)? */
static int
error_next(const struct sl__tcb *t)
{
  struct sl__tcp_info info;

  if (!(sl__tcp_poll(t) & POLLERR))
    return 0;
  sl__tcp_get_info(t, &info);
  return info.recv_q == 0;
}

/* One TCP read: data, 0 at end of stream, or a negative errno. */
static ssize_t
tcp_recv(struct usock *u, uint8_t *buf, size_t len, int flags, int nonblock)
{
  uint64_t deadline = deadline_after(u, u->opts.rcvtimeo_us);
  size_t done = 0;
  ssize_t r;

  for (;;) {
    /* Data first; a pending error is the next call's answer, so it is
     * left where it is (the core hands it out, and clears it, only once
     * no data is queued: sl__tcp_recv). */
    if (done > 0 && error_next(u->tcb))
      break;
    r = sl__tcp_recv(u->tcb, buf + done, len - done, flags);
    if (r > 0) {
      done += (size_t)r;
      /* MSG_WAITALL: keep reading until len, end of stream or an error. */
      if ((flags & MSG_WAITALL) && !(flags & MSG_PEEK) && done < len)
        continue;
      break;
    }
    if (r != -EAGAIN || nonblock ||
        sl__rt_wait(u->rt, deadline, "recv") == -ETIMEDOUT)
      break;
  }
  return done > 0 ? (ssize_t)done : r;
}

static ssize_t
udp_recv(struct usock *u, void *buf, size_t len, int flags, int nonblock,
         struct sockaddr *from, socklen_t *fromlen)
{
  uint64_t deadline = deadline_after(u, u->opts.rcvtimeo_us);
  uint32_t a;
  uint16_t p;
  ssize_t r;

  while ((r = sl__udp_recvfrom(u->udp, buf, len, flags, &a, &p)) == -EAGAIN &&
         !nonblock && sl__rt_wait(u->rt, deadline, "recv") == 0)
    ;
  if (r >= 0)
    to_sockaddr(a, p, from, fromlen);
  return r;
}

static ssize_t
u_recvfrom(struct sl__sock *s, void *buf, size_t len, int flags,
           struct sockaddr *from, socklen_t *fromlen)
{
  struct usock *u = us(s);
  int nonblock = atomic_load(&s->nonblock) || (flags & MSG_DONTWAIT);
  ssize_t r;

  if (flags & ~(MSG_DONTWAIT | MSG_PEEK | MSG_WAITALL | MSG_TRUNC))
    return -EOPNOTSUPP;
  if ((r = enter(u)) < 0)
    return r;
  if (u->tcb)
    r = tcp_recv(u, buf, len, flags, nonblock);
  else
    r = udp_recv(u, buf, len, flags, nonblock, from, fromlen);
  leave(u);
  return r;
}

static int
u_shutdown(struct sl__sock *s, int how)
{
  struct usock *u = us(s);
  int r;

  if ((r = enter(u)) < 0)
    return r;
  if (u->tcb)
    r = sl__tcp_shutdown(u->tcb, how);
  else
    r = how < SHUT_RD || how > SHUT_RDWR ? -EINVAL : 0;
  leave(u);
  return r;
}

/* ---- options ------------------------------------------------------------
 * One table for both front ends: lib/core/sockopt.c. */

static int
u_setsockopt(struct sl__sock *s, int level, int name, const void *val,
             socklen_t len)
{
  struct usock *u = us(s);
  int r;

  if ((r = enter(u)) < 0)
    return r;
  r = sl__sockopt_set(&u->opts, level, name, val, len);
  leave(u);
  return r;
}

static int
u_getsockopt(struct sl__sock *s, int level, int name, void *val, socklen_t *len)
{
  struct usock *u = us(s);
  int r;

  if ((r = enter(u)) < 0)
    return r;
  r = sl__sockopt_get(&u->opts, level, name, val, len);
  leave(u);
  return r;
}

static int
u_getsockname(struct sl__sock *s, struct sockaddr *sa, socklen_t *len)
{
  struct usock *u = us(s);
  struct sl__tcp_info info;
  int r;

  if (sa == NULL || len == NULL)
    return -EFAULT;
  if ((r = enter(u)) < 0)
    return r;
  if (u->tcb) {
    sl__tcp_get_info(u->tcb, &info);
    to_sockaddr(info.laddr, info.lport, sa, len);
  } else {
    struct sl__udp_info ui;
    sl__udp_get_info(u->udp, &ui);
    to_sockaddr(ui.laddr, ui.lport, sa, len);
  }
  leave(u);
  return 0;
}

static int
u_getpeername(struct sl__sock *s, struct sockaddr *sa, socklen_t *len)
{
  struct usock *u = us(s);
  struct sl__tcp_info info;
  int r;

  if (sa == NULL || len == NULL)
    return -EFAULT;
  if ((r = enter(u)) < 0)
    return r;
  r = -ENOTCONN;
  if (u->tcb) {
    sl__tcp_get_info(u->tcb, &info);
    if (info.state >= SL_TCP_ESTABLISHED && info.state != SL_TCP_CLOSED) {
      to_sockaddr(info.raddr, info.rport, sa, len);
      r = 0;
    }
  } else {
    struct sl__udp_info ui;
    sl__udp_get_info(u->udp, &ui);
    if (ui.raddr != 0) {
      to_sockaddr(ui.raddr, ui.rport, sa, len);
      r = 0;
    }
  }
  leave(u);
  return r;
}

static short
u_poll(struct sl__sock *s, short events)
{
  struct usock *u = us(s);
  short ev;

  (void)events;
  if (enter(u) < 0)
    return POLLNVAL;
  ev = u->tcb ? sl__tcp_poll(u->tcb) : sl__udp_poll(u->udp);
  leave(u);
  return ev;
}

static int
u_tcp_state(struct sl__sock *s)
{
  struct usock *u = us(s);
  int r;

  if (u->tcb == NULL)
    return -ENOPROTOOPT;
  if ((r = enter(u)) < 0)
    return r;
  r = (int)sl__tcp_state(u->tcb);
  leave(u);
  return r;
}

static int
u_close(struct sl__sock *s)
{
  struct usock *u = us(s);

  if (u->generation == sl__rt_generation()) {
    if (u->claimed)
      sl__rt_release_port(u->rt, u->type == SOCK_STREAM, u->claimed);
    sl__rt_lock(u->rt);
    if (u->tcb)
      sl__tcp_close(u->tcb); /* the host finishes and frees it */
    else
      sl__udp_close(u->udp);
    sl__rt_unlock(u->rt);
  }
  free(u);
  return 0;
}

static const struct sl__sock_ops usock_ops = {
    .name = "user",
    .bind = u_bind,
    .listen = u_listen,
    .accept = u_accept,
    .connect = u_connect,
    .sendto = u_sendto,
    .recvfrom = u_recvfrom,
    .shutdown = u_shutdown,
    .setsockopt = u_setsockopt,
    .getsockopt = u_getsockopt,
    .getsockname = u_getsockname,
    .getpeername = u_getpeername,
    .poll = u_poll,
    .tcp_state = u_tcp_state,
    .close = u_close,
};
