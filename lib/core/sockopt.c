/* Socket options (sockopt.h): one table, a row per option, with the
 * value's shape, the sockets it is for, and how it is set and read.  The
 * answers are Linux's (checked against it), except where lib/README.md
 * says otherwise: buffer sizes are not doubled. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/time.h>

#include "core/sockopt.h"

/* An option's value, once decoded from the caller's bytes. */
union optval {
  int i;
  uint64_t us; /* a struct timeval, in microseconds */
  struct linger lg;
};

enum shape { SHAPE_INT, SHAPE_TIMEVAL, SHAPE_LINGER };

#define FOR_TCP  1u /* stream sockets only; others get ENOPROTOOPT */
#define GET_ONLY 2u /* setsockopt gets ENOPROTOOPT, as Linux's does */

struct opt {
  int level, name;
  enum shape shape;
  unsigned flags;
  int (*set)(struct sl__sockopts *o, const union optval *v);
  void (*get)(struct sl__sockopts *o, union optval *v);
};

static int
is_tcp(const struct sl__sockopts *o)
{
  return o->tcb != NULL;
}

static struct sl__tcp_sockopts
tcp_opts(const struct sl__sockopts *o)
{
  struct sl__tcp_sockopts t;

  sl__tcp_get_sockopts(o->tcb, &t);
  return t;
}

/* ---- SOL_SOCKET ------------------------------------------------------- */

static void
get_type(struct sl__sockopts *o, union optval *v)
{
  v->i = o->type;
}

static void
get_protocol(struct sl__sockopts *o, union optval *v)
{
  v->i = is_tcp(o) ? IPPROTO_TCP : IPPROTO_UDP;
}

static void
get_domain(struct sl__sockopts *o, union optval *v)
{
  (void)o;
  v->i = AF_INET;
}

/* The pending error, cleared by reading it. */
static void
get_error(struct sl__sockopts *o, union optval *v)
{
  v->i = -(is_tcp(o) ? sl__tcp_take_error(o->tcb) : sl__udp_take_error(o->udp));
}

static void
get_acceptconn(struct sl__sockopts *o, union optval *v)
{
  v->i = is_tcp(o) && sl__tcp_state(o->tcb) == SL_TCP_LISTEN;
}

static int
set_reuseaddr(struct sl__sockopts *o, const union optval *v)
{
  if (is_tcp(o))
    return sl__tcp_set_reuseaddr(o->tcb, v->i);
  o->udp_reuseaddr = v->i != 0; /* UDP ports stay exclusive in the core */
  return 0;
}

static void
get_reuseaddr(struct sl__sockopts *o, union optval *v)
{
  v->i = is_tcp(o) ? tcp_opts(o).reuseaddr : o->udp_reuseaddr;
}

static int
set_keepalive(struct sl__sockopts *o, const union optval *v)
{
  if (is_tcp(o))
    return sl__tcp_set_keepalive(o->tcb, v->i);
  o->udp_keepalive = v->i != 0; /* Linux keeps the flag, and does nothing */
  return 0;
}

static void
get_keepalive(struct sl__sockopts *o, union optval *v)
{
  v->i = is_tcp(o) ? tcp_opts(o).keepalive : o->udp_keepalive;
}

static int
set_broadcast(struct sl__sockopts *o, const union optval *v)
{
  o->broadcast = v->i != 0;
  return 0;
}

static void
get_broadcast(struct sl__sockopts *o, union optval *v)
{
  v->i = o->broadcast;
}

/* A negative size is taken as 0, which the core raises to its floor. */
static uint32_t
size_of(const union optval *v)
{
  return v->i < 0 ? 0 : (uint32_t)v->i;
}

static int
set_rcvbuf(struct sl__sockopts *o, const union optval *v)
{
  return is_tcp(o) ? sl__tcp_set_rcvbuf(o->tcb, size_of(v))
                   : sl__udp_set_rcvbuf(o->udp, size_of(v));
}

static void
get_rcvbuf(struct sl__sockopts *o, union optval *v)
{
  struct sl__udp_info u;

  if (is_tcp(o)) {
    v->i = (int)tcp_opts(o).rcvbuf;
    return;
  }
  sl__udp_get_info(o->udp, &u);
  v->i = (int)u.rcvbuf;
}

/* UDP sends each datagram at once: the size is kept for getsockopt. */
static int
set_sndbuf(struct sl__sockopts *o, const union optval *v)
{
  if (is_tcp(o))
    return sl__tcp_set_sndbuf(o->tcb, size_of(v));
  o->udp_sndbuf = (int)size_of(v);
  return 0;
}

static void
get_sndbuf(struct sl__sockopts *o, union optval *v)
{
  if (is_tcp(o))
    v->i = (int)tcp_opts(o).sndbuf;
  else
    v->i = o->udp_sndbuf ? o->udp_sndbuf : (int)o->cfg->sndbuf;
}

static int
set_linger(struct sl__sockopts *o, const union optval *v)
{
  if (is_tcp(o))
    return sl__tcp_set_linger(o->tcb, v->lg.l_onoff, v->lg.l_linger);
  o->udp_linger_on = v->lg.l_onoff != 0;
  o->udp_linger_s = v->lg.l_linger < 0 ? 0 : v->lg.l_linger;
  return 0;
}

static void
get_linger(struct sl__sockopts *o, union optval *v)
{
  if (is_tcp(o)) {
    struct sl__tcp_sockopts t = tcp_opts(o);
    v->lg.l_onoff = t.linger_on;
    v->lg.l_linger = t.linger_s;
  } else {
    v->lg.l_onoff = o->udp_linger_on;
    v->lg.l_linger = o->udp_linger_s;
  }
}

static int
set_rcvtimeo(struct sl__sockopts *o, const union optval *v)
{
  o->rcvtimeo_us = v->us;
  return 0;
}

static void
get_rcvtimeo(struct sl__sockopts *o, union optval *v)
{
  v->us = o->rcvtimeo_us;
}

static int
set_sndtimeo(struct sl__sockopts *o, const union optval *v)
{
  o->sndtimeo_us = v->us;
  return 0;
}

static void
get_sndtimeo(struct sl__sockopts *o, union optval *v)
{
  v->us = o->sndtimeo_us;
}

/* ---- IPPROTO_TCP ------------------------------------------------------ */

static int
set_nodelay(struct sl__sockopts *o, const union optval *v)
{
  return sl__tcp_set_nodelay(o->tcb, v->i);
}

static void
get_nodelay(struct sl__sockopts *o, union optval *v)
{
  v->i = tcp_opts(o).nodelay;
}

static int
set_maxseg(struct sl__sockopts *o, const union optval *v)
{
  return v->i < 0 ? -EINVAL : sl__tcp_set_mss(o->tcb, (unsigned)v->i);
}

/* Linux: the MSS in use once connected, else what was asked for, else
 * the 536 of RFC 9293 3.7.1. */
static void
get_maxseg(struct sl__sockopts *o, union optval *v)
{
  struct sl__tcp_info in;
  unsigned asked = tcp_opts(o).mss_user;

  sl__tcp_get_info(o->tcb, &in);
  v->i = in.snd_mss ? in.snd_mss : asked ? (int)asked : 536;
}

static int
set_user_timeout(struct sl__sockopts *o, const union optval *v)
{
  return sl__tcp_set_user_timeout(o->tcb, v->i);
}

static void
get_user_timeout(struct sl__sockopts *o, union optval *v)
{
  v->i = tcp_opts(o).user_timeout_ms;
}

static int
set_keepidle(struct sl__sockopts *o, const union optval *v)
{
  return sl__tcp_set_keepidle(o->tcb, v->i);
}

static void
get_keepidle(struct sl__sockopts *o, union optval *v)
{
  v->i = tcp_opts(o).keepidle_s;
}

static int
set_keepintvl(struct sl__sockopts *o, const union optval *v)
{
  return sl__tcp_set_keepintvl(o->tcb, v->i);
}

static void
get_keepintvl(struct sl__sockopts *o, union optval *v)
{
  v->i = tcp_opts(o).keepintvl_s;
}

static int
set_keepcnt(struct sl__sockopts *o, const union optval *v)
{
  return sl__tcp_set_keepcnt(o->tcb, v->i);
}

static void
get_keepcnt(struct sl__sockopts *o, union optval *v)
{
  v->i = tcp_opts(o).keepcnt;
}

/* ---- the table -------------------------------------------------------- */

static const struct opt table[] = {
    {SOL_SOCKET, SO_TYPE, SHAPE_INT, GET_ONLY, NULL, get_type},
    {SOL_SOCKET, SO_PROTOCOL, SHAPE_INT, GET_ONLY, NULL, get_protocol},
    {SOL_SOCKET, SO_DOMAIN, SHAPE_INT, GET_ONLY, NULL, get_domain},
    {SOL_SOCKET, SO_ERROR, SHAPE_INT, GET_ONLY, NULL, get_error},
    {SOL_SOCKET, SO_ACCEPTCONN, SHAPE_INT, GET_ONLY, NULL, get_acceptconn},
    {SOL_SOCKET, SO_REUSEADDR, SHAPE_INT, 0, set_reuseaddr, get_reuseaddr},
    {SOL_SOCKET, SO_KEEPALIVE, SHAPE_INT, 0, set_keepalive, get_keepalive},
    {SOL_SOCKET, SO_BROADCAST, SHAPE_INT, 0, set_broadcast, get_broadcast},
    {SOL_SOCKET, SO_RCVBUF, SHAPE_INT, 0, set_rcvbuf, get_rcvbuf},
    {SOL_SOCKET, SO_SNDBUF, SHAPE_INT, 0, set_sndbuf, get_sndbuf},
    {SOL_SOCKET, SO_LINGER, SHAPE_LINGER, 0, set_linger, get_linger},
    {SOL_SOCKET, SO_RCVTIMEO, SHAPE_TIMEVAL, 0, set_rcvtimeo, get_rcvtimeo},
    {SOL_SOCKET, SO_SNDTIMEO, SHAPE_TIMEVAL, 0, set_sndtimeo, get_sndtimeo},
    {IPPROTO_TCP, TCP_NODELAY, SHAPE_INT, FOR_TCP, set_nodelay, get_nodelay},
    {IPPROTO_TCP, TCP_MAXSEG, SHAPE_INT, FOR_TCP, set_maxseg, get_maxseg},
    {IPPROTO_TCP, TCP_USER_TIMEOUT, SHAPE_INT, FOR_TCP, set_user_timeout,
     get_user_timeout},
    {IPPROTO_TCP, TCP_KEEPIDLE, SHAPE_INT, FOR_TCP, set_keepidle, get_keepidle},
    {IPPROTO_TCP, TCP_KEEPINTVL, SHAPE_INT, FOR_TCP, set_keepintvl,
     get_keepintvl},
    {IPPROTO_TCP, TCP_KEEPCNT, SHAPE_INT, FOR_TCP, set_keepcnt, get_keepcnt},
};

/* The row for (level, name) on this socket, or NULL: ENOPROTOOPT. */
static const struct opt *
find(const struct sl__sockopts *o, int level, int name)
{
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    const struct opt *r = &table[i];
    if (r->level == level && r->name == name)
      return (r->flags & FOR_TCP) && !is_tcp(o) ? NULL : r;
  }
  return NULL;
}

static int
decode(enum shape shape, const void *val, socklen_t len, union optval *v)
{
  struct timeval tv;

  switch (shape) {
  case SHAPE_INT:
    if (len < sizeof v->i)
      return -EINVAL;
    memcpy(&v->i, val, sizeof v->i);
    return 0;
  case SHAPE_LINGER:
    if (len < sizeof v->lg)
      return -EINVAL;
    memcpy(&v->lg, val, sizeof v->lg);
    return 0;
  case SHAPE_TIMEVAL:
    if (len < sizeof tv)
      return -EINVAL;
    memcpy(&tv, val, sizeof tv);
    if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
      return -EDOM; /* what Linux says */
    v->us = (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
    return 0;
  }
  return -EINVAL;
}

/* Writes v in the row's shape, truncated to *len as Linux does. */
static void
encode(enum shape shape, const union optval *v, void *val, socklen_t *len)
{
  struct timeval tv;
  const void *src = &v->i;
  socklen_t n = sizeof v->i;

  if (shape == SHAPE_LINGER) {
    src = &v->lg;
    n = sizeof v->lg;
  } else if (shape == SHAPE_TIMEVAL) {
    tv.tv_sec = (time_t)(v->us / 1000000);
    tv.tv_usec = (suseconds_t)(v->us % 1000000);
    src = &tv;
    n = sizeof tv;
  }
  if (*len > n)
    *len = n;
  memcpy(val, src, *len);
}

int
sl__sockopt_set(struct sl__sockopts *o, int level, int name, const void *val,
                socklen_t len)
{
  const struct opt *r = find(o, level, name);
  union optval v;
  int e;

  /* Linux reads an int before it looks at the name, at the two levels a
   * socket handles itself: a short value or NULL fails first. */
  if (level == SOL_SOCKET || (level == IPPROTO_TCP && is_tcp(o))) {
    if (len < sizeof(int))
      return -EINVAL;
    if (val == NULL)
      return -EFAULT;
  }
  if (r == NULL || (r->flags & GET_ONLY))
    return -ENOPROTOOPT;
  if ((e = decode(r->shape, val, len, &v)) < 0)
    return e;
  return r->set(o, &v);
}

int
sl__sockopt_get(struct sl__sockopts *o, int level, int name, void *val,
                socklen_t *len)
{
  const struct opt *r = find(o, level, name);
  union optval v;

  /* A level the socket does not handle goes to IP, which knows only its
   * own: Linux's ip_getsockopt says EOPNOTSUPP there (its setsockopt,
   * ENOPROTOOPT). */
  if (r == NULL && level != SOL_SOCKET && level != IPPROTO_IP &&
      !(level == IPPROTO_TCP && is_tcp(o)))
    return -EOPNOTSUPP;
  if (r == NULL)
    return -ENOPROTOOPT;
  if (val == NULL || len == NULL)
    return -EFAULT;
  if ((int)*len < 0)
    return -EINVAL;
  memset(&v, 0, sizeof v);
  r->get(o, &v);
  encode(r->shape, &v, val, len);
  return 0;
}

void
sl__sockopt_init(struct sl__sockopts *o, int type, struct sl__tcb *tcb,
                 struct sl__udp_pcb *udp, const struct sl__host_config *cfg)
{
  memset(o, 0, sizeof *o);
  o->type = type;
  o->tcb = tcb;
  o->udp = udp;
  o->cfg = cfg;
}

void
sl__sockopt_inherit(struct sl__sockopts *child, const struct sl__sockopts *l,
                    struct sl__tcb *tcb)
{
  *child = *l;
  child->tcb = tcb;
  child->udp = NULL;
}
