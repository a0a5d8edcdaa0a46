/* socklab's packetdrill adapter: the BSD socket calls of packetdrill's
 * shared-object interface, each a thin layer over the core's sl__tcp_* and
 * sl__udp_* calls.  The core never blocks; here a blocking call sleeps on
 * the instance's condition variable until the stack changes, and the
 * core's negative errno becomes libc's -1 and errno. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "packetdrill/pd.h"

/* A poll() with a timeout that nobody else moves the clock for (it runs
 * on packetdrill's main thread) moves it itself after this much real
 * time. */
#define POLL_IDLE_MS 20

static int
fail(int neg_errno)
{
  errno = -neg_errno;
  return -1;
}

/* The socket behind fd with the mutex held, or NULL (mutex released,
 * errno EBADF). */
static struct sl__pd_sock *
enter(struct sl__pd *pd, int fd)
{
  struct sl__pd_sock *s;

  sl__pd_lock(pd);
  s = sl__pd_sock_get(pd, fd);
  if (s == NULL) {
    sl__pd_unlock(pd);
    errno = EBADF;
  }
  return s;
}

/* Drops the mutex and turns r (a result or a negative errno) into
 * libc's convention. */
static ssize_t
leave(struct sl__pd *pd, ssize_t r)
{
  sl__pd_unlock(pd);
  if (r < 0) {
    errno = (int)-r;
    return -1;
  }
  return r;
}

/* ---- addresses ------------------------------------------------------- */

/* An AF_INET address from the caller, host order.  1 for AF_UNSPEC when
 * allowed (connect's "dissolve the association"), 0, or a negative errno. */
static int
get_sin(const struct sockaddr *sa, socklen_t len, int unspec_ok, uint32_t *addr,
        uint16_t *port)
{
  struct sockaddr_in sin;

  if (sa == NULL)
    return -EFAULT;
  if (len >= sizeof(sa_family_t) && sa->sa_family == AF_UNSPEC && unspec_ok) {
    *addr = 0;
    *port = 0;
    return 1;
  }
  if (len < sizeof sin)
    return -EINVAL;
  memcpy(&sin, sa, sizeof sin);
  if (sin.sin_family != AF_INET)
    return -EAFNOSUPPORT;
  *addr = ntohl(sin.sin_addr.s_addr);
  *port = ntohs(sin.sin_port);
  return 0;
}

/* Hands an address back the way libc does: truncated to *len, and *len
 * set to the full size. */
static void
put_sin(struct sockaddr *sa, socklen_t *len, uint32_t addr, uint16_t port)
{
  struct sockaddr_in sin;

  if (sa == NULL || len == NULL)
    return;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(addr);
  sin.sin_port = htons(port);
  memcpy(sa, &sin, *len < sizeof sin ? *len : sizeof sin);
  *len = sizeof sin;
}

/* ---- socket, bind, listen, accept, connect --------------------------- */

static int
pd_socket(void *ud, int domain, int type, int protocol)
{
  struct sl__pd *pd = ud;
  int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  struct sl__pd_sock *s;
  int err = 0, fd;

  if (domain != AF_INET)
    return fail(-EAFNOSUPPORT); /* IPv4 only */
  if (base == SOCK_STREAM) {
    if (protocol != 0 && protocol != IPPROTO_TCP)
      return fail(-EPROTONOSUPPORT);
  } else if (base == SOCK_DGRAM) {
    if (protocol != 0 && protocol != IPPROTO_UDP)
      return fail(-EPROTONOSUPPORT);
  } else {
    return fail(-ESOCKTNOSUPPORT);
  }
  sl__pd_lock(pd);
  s = sl__pd_sock_new(pd, base, &err);
  if (s == NULL)
    return (int)leave(pd, err);
  if (base == SOCK_STREAM)
    s->tcb = sl__tcp_new(pd->host);
  else
    s->udp = sl__udp_new(pd->host);
  if (s->tcb == NULL && s->udp == NULL) {
    sl__pd_sock_release(pd, s);
    return (int)leave(pd, -ENOMEM);
  }
  sl__sockopt_init(&s->opts, base, s->tcb, s->udp, sl__host_config(pd->host));
  s->nonblock = (type & SOCK_NONBLOCK) != 0;
  fd = s->fd;
  return (int)leave(pd, fd);
}

static int
pd_bind(void *ud, int fd, const struct sockaddr *sa, socklen_t len)
{
  struct sl__pd *pd = ud;
  struct sl__pd_sock *s;
  uint32_t addr;
  uint16_t port;
  int r;

  if ((s = enter(pd, fd)) == NULL)
    return -1;
  r = get_sin(sa, len, 0, &addr, &port);
  /* INADDR_ANY is 0 for the core too; any other address must be the one
   * configured with local_ip (EADDRNOTAVAIL otherwise, as in Linux). */
  if (r == 0)
    r = s->tcb ? sl__tcp_bind(s->tcb, addr, port)
               : sl__udp_bind(s->udp, addr, port);
  return (int)leave(pd, r);
}

static int
pd_listen(void *ud, int fd, int backlog)
{
  struct sl__pd *pd = ud;
  struct sl__pd_sock *s;

  if ((s = enter(pd, fd)) == NULL)
    return -1;
  if (s->tcb == NULL)
    return (int)leave(pd, -EOPNOTSUPP);
  return (int)leave(pd, sl__tcp_listen(s->tcb, backlog));
}

static int
pd_accept(void *ud, int fd, struct sockaddr *sa, socklen_t *len)
{
  struct sl__pd *pd = ud;
  struct sl__pd_sock *s, *ns;
  struct sl__tcb *child = NULL;
  struct sl__tcp_info info;
  int r;

  if ((s = enter(pd, fd)) == NULL)
    return -1;
  if (s->tcb == NULL)
    return (int)leave(pd, -EOPNOTSUPP);
  /* Blocking: sleep until the listener's accept queue has a connection. */
  while ((r = sl__tcp_accept(s->tcb, &child)) == -EAGAIN && !s->nonblock)
    if ((r = sl__pd_wait(pd, s, 0)) < 0)
      return (int)leave(pd, r); /* s is gone: closed or freed */
  if (r < 0)
    return (int)leave(pd, r);
  ns = sl__pd_sock_new(pd, SOCK_STREAM, &r);
  if (ns == NULL) {
    sl__tcp_abort(child); /* nobody would ever own it */
    return (int)leave(pd, r);
  }
  /* The core copied the listener's options into the child; so do we. */
  ns->tcb = child;
  sl__sockopt_inherit(&ns->opts, &s->opts, child);
  sl__tcp_get_info(child, &info);
  put_sin(sa, len, info.raddr, info.rport);
  return (int)leave(pd, ns->fd);
}

static int
pd_connect(void *ud, int fd, const struct sockaddr *sa, socklen_t len)
{
  struct sl__pd *pd = ud;
  struct sl__pd_sock *s;
  uint32_t addr;
  uint16_t port;
  int r;

  if ((s = enter(pd, fd)) == NULL)
    return -1;
  r = get_sin(sa, len, s->udp != NULL, &addr, &port);
  if (r < 0)
    return (int)leave(pd, r);
  if (s->udp != NULL)
    return (int)leave(pd, sl__udp_connect(s->udp, addr, port));
  r = sl__tcp_connect(s->tcb, addr, port);
  if (r != -EINPROGRESS || s->nonblock)
    return (int)leave(pd, r);
  /* Blocking connect: sleep until the handshake ends, one way or the
   * other. */
  while ((r = sl__tcp_connect_result(s->tcb)) == -EINPROGRESS)
    if ((r = sl__pd_wait(pd, s, 0)) < 0)
      return (int)leave(pd, r);
  if (r < 0)
    sl__tcp_take_error(s->tcb); /* connect() reported it: SO_ERROR is 0 */
  return (int)leave(pd, r);
}

/* ---- receiving ------------------------------------------------------- */

#define RECV_FLAGS (MSG_PEEK | MSG_DONTWAIT | MSG_WAITALL | MSG_TRUNC)

/* The heart of read/recv/recvfrom/recvmsg/readv, with the mutex held.
 * For UDP, *from and *port get the sender and *trunc says whether the
 * datagram was longer than len.  A count or a negative errno. */
static ssize_t
do_recv(struct sl__pd *pd, struct sl__pd_sock *s, void *buf, size_t len,
        int flags, uint32_t *from, uint16_t *port, int *trunc)
{
  int nonblock = s->nonblock || (flags & MSG_DONTWAIT);
  size_t done = 0;
  ssize_t r;
  int w;

  if (flags & ~RECV_FLAGS)
    return -EOPNOTSUPP; /* MSG_OOB and friends: no urgent data here */
  if (buf == NULL && len > 0)
    return -EFAULT;
  if (s->udp != NULL) {
    /* MSG_TRUNC tells the datagram's real length, so truncation shows. */
    while ((r = sl__udp_recvfrom(s->udp, buf, len,
                                 (flags & MSG_PEEK) | MSG_TRUNC, from, port)) ==
               -EAGAIN &&
           !nonblock)
      if ((w = sl__pd_wait(pd, s, 0)) < 0)
        return w;
    if (r < 0)
      return r;
    *trunc = (size_t)r > len;
    return (flags & MSG_TRUNC) || (size_t)r <= len ? r : (ssize_t)len;
  }
  for (;;) {
    r = sl__tcp_recv(s->tcb, (char *)buf + done, len - done, flags & MSG_PEEK);
    if (r > 0) {
      done += (size_t)r;
      /* MSG_WAITALL: keep going until len bytes, end of stream or error. */
      if (!(flags & MSG_WAITALL) || (flags & MSG_PEEK) || done == len)
        break;
      continue;
    }
    if (r != -EAGAIN || nonblock)
      break;
    if ((w = sl__pd_wait(pd, s, 0)) < 0)
      return done > 0 ? (ssize_t)done : w;
  }
  return done > 0 ? (ssize_t)done : r;
}

static ssize_t
pd_recvfrom(void *ud, int fd, void *buf, size_t len, int flags,
            struct sockaddr *sa, socklen_t *salen)
{
  struct sl__pd *pd = ud;
  struct sl__pd_sock *s;
  uint32_t from = 0;
  uint16_t port = 0;
  int trunc = 0, udp;
  ssize_t r;

  if ((s = enter(pd, fd)) == NULL)
    return -1;
  udp = s->udp != NULL;
  r = do_recv(pd, s, buf, len, flags, &from, &port, &trunc);
  if (r >= 0 && udp)
    put_sin(sa, salen, from, port);
  else if (r >= 0 && salen != NULL)
    *salen = 0; /* TCP gives no address, as in Linux */
  return leave(pd, r);
}

static ssize_t
pd_recv(void *ud, int fd, void *buf, size_t len, int flags)
{
  return pd_recvfrom(ud, fd, buf, len, flags, NULL, NULL);
}

static ssize_t
pd_read(void *ud, int fd, void *buf, size_t count)
{
  return pd_recvfrom(ud, fd, buf, count, 0, NULL, NULL);
}

/* Bytes an iovec array holds, or a negative errno. */
static ssize_t
iov_total(const struct iovec *iov, int iovcnt)
{
  size_t total = 0;

  if (iovcnt < 0 || iovcnt > IOV_MAX)
    return -EINVAL;
  if (iovcnt > 0 && iov == NULL)
    return -EFAULT;
  for (int i = 0; i < iovcnt; i++) {
    if (iov[i].iov_len > (size_t)SSIZE_MAX - total)
      return -EINVAL;
    total += iov[i].iov_len;
  }
  return (ssize_t)total;
}

/* recvmsg and readv: receive into one buffer, then scatter it. */
static ssize_t
recv_iov(struct sl__pd *pd, int fd, struct msghdr *msg, int flags)
{
  struct sl__pd_sock *s;
  ssize_t total = iov_total(msg->msg_iov, (int)msg->msg_iovlen);
  uint32_t from = 0;
  uint16_t port = 0;
  int trunc = 0, udp;
  char *tmp;
  ssize_t r;
  size_t off = 0, n;

  if (total < 0)
    return fail((int)total);
  tmp = malloc(total > 0 ? (size_t)total : 1);
  if (tmp == NULL)
    return fail(-ENOMEM);
  if ((s = enter(pd, fd)) == NULL) {
    free(tmp);
    return -1;
  }
  udp = s->udp != NULL;
  r = do_recv(pd, s, tmp, (size_t)total, flags, &from, &port, &trunc);
  if (r >= 0) {
    n = (size_t)r < (size_t)total ? (size_t)r : (size_t)total;
    for (size_t i = 0; i < msg->msg_iovlen && off < n; i++) {
      size_t c =
          msg->msg_iov[i].iov_len < n - off ? msg->msg_iov[i].iov_len : n - off;
      if (c > 0)
        memcpy(msg->msg_iov[i].iov_base, tmp + off, c);
      off += c;
    }
    if (udp)
      put_sin(msg->msg_name, &msg->msg_namelen, from, port);
    else
      msg->msg_namelen = 0;
    msg->msg_controllen = 0; /* no ancillary data */
    msg->msg_flags = trunc ? MSG_TRUNC : 0;
  }
  free(tmp);
  return leave(pd, r);
}

static ssize_t
pd_recvmsg(void *ud, int fd, struct msghdr *msg, int flags)
{
  if (msg == NULL)
    return fail(-EFAULT);
  return recv_iov(ud, fd, msg, flags);
}

static ssize_t
pd_readv(void *ud, int fd, const struct iovec *iov, int iovcnt)
{
  struct msghdr msg;

  if (iovcnt < 0)
    return fail(-EINVAL);
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = (struct iovec *)iov; /* only the buffers are written */
  msg.msg_iovlen = (size_t)iovcnt;
  return recv_iov(ud, fd, &msg, 0);
}

/* ---- sending --------------------------------------------------------- */

/* MSG_NOSIGNAL is accepted and changes nothing: the adapter never raises
 * SIGPIPE (it would kill packetdrill), it only returns EPIPE. */
#define SEND_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL)

/* The heart of write/send/sendto/sendmsg/writev, with the mutex held. */
static ssize_t
do_send(struct sl__pd *pd, struct sl__pd_sock *s, const void *buf, size_t len,
        int flags, const struct sockaddr *to, socklen_t tolen)
{
  int nonblock = s->nonblock || (flags & MSG_DONTWAIT);
  uint32_t addr = 0;
  uint16_t port = 0;
  size_t done = 0;
  ssize_t r;
  int w;

  if (flags & ~SEND_FLAGS)
    return -EOPNOTSUPP; /* MSG_MORE, MSG_OOB...: not supported */
  if (buf == NULL && len > 0)
    return -EFAULT;
  if (s->udp != NULL) {
    if (to != NULL && (r = get_sin(to, tolen, 0, &addr, &port)) < 0)
      return r;
    if (to != NULL && addr == 0)
      addr = sl__host_addr(pd->host); /* Linux: INADDR_ANY is this host */
    return sl__udp_sendto(s->udp, buf, len, addr, port);
  }
  /* TCP ignores the destination, as Linux does without Fast Open.  A
   * blocking send returns when all of buf is queued (or on error). */
  for (;;) {
    r = sl__tcp_send(s->tcb, (const char *)buf + done, len - done);
    if (r > 0) {
      done += (size_t)r;
      if (done == len)
        break;
      continue;
    }
    if (r != -EAGAIN || nonblock)
      break;
    if ((w = sl__pd_wait(pd, s, 0)) < 0)
      return done > 0 ? (ssize_t)done : w;
  }
  return done > 0 ? (ssize_t)done : r;
}

static ssize_t
pd_sendto(void *ud, int fd, const void *buf, size_t len, int flags,
          const struct sockaddr *to, socklen_t tolen)
{
  struct sl__pd *pd = ud;
  struct sl__pd_sock *s;

  if ((s = enter(pd, fd)) == NULL)
    return -1;
  return leave(pd, do_send(pd, s, buf, len, flags, to, tolen));
}

static ssize_t
pd_send(void *ud, int fd, const void *buf, size_t len, int flags)
{
  return pd_sendto(ud, fd, buf, len, flags, NULL, 0);
}

static ssize_t
pd_write(void *ud, int fd, const void *buf, size_t count)
{
  return pd_sendto(ud, fd, buf, count, 0, NULL, 0);
}

/* sendmsg and writev: gather into one buffer, then send it. */
static ssize_t
send_iov(struct sl__pd *pd, int fd, const struct msghdr *msg, int flags)
{
  struct sl__pd_sock *s;
  ssize_t total = iov_total(msg->msg_iov, (int)msg->msg_iovlen);
  size_t off = 0;
  char *tmp;
  ssize_t r;

  if (total < 0)
    return fail((int)total);
  if (msg->msg_controllen > 0)
    return fail(-EOPNOTSUPP); /* no ancillary data */
  tmp = malloc(total > 0 ? (size_t)total : 1);
  if (tmp == NULL)
    return fail(-ENOMEM);
  for (size_t i = 0; i < msg->msg_iovlen; i++) {
    if (msg->msg_iov[i].iov_len > 0)
      memcpy(tmp + off, msg->msg_iov[i].iov_base, msg->msg_iov[i].iov_len);
    off += msg->msg_iov[i].iov_len;
  }
  if ((s = enter(pd, fd)) == NULL) {
    free(tmp);
    return -1;
  }
  r = do_send(pd, s, tmp, (size_t)total, flags, msg->msg_name,
              msg->msg_namelen);
  free(tmp);
  return leave(pd, r);
}

static ssize_t
pd_sendmsg(void *ud, int fd, const struct msghdr *msg, int flags)
{
  if (msg == NULL)
    return fail(-EFAULT);
  return send_iov(ud, fd, msg, flags);
}

static ssize_t
pd_writev(void *ud, int fd, const struct iovec *iov, int iovcnt)
{
  struct msghdr msg;

  if (iovcnt < 0)
    return fail(-EINVAL);
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = (struct iovec *)iov; /* only read */
  msg.msg_iovlen = (size_t)iovcnt;
  return send_iov(ud, fd, &msg, 0);
}

/* ---- fcntl, ioctl, close, shutdown ----------------------------------- */

static int
pd_fcntl(void *ud, int fd, int cmd, ...)
{
  struct sl__pd *pd = ud;
  struct sl__pd_sock *s;
  va_list ap;
  int arg = 0, r;

  if (cmd == F_SETFL || cmd == F_SETFD) {
    va_start(ap, cmd);
    arg = va_arg(ap, int);
    va_end(ap);
  }
  if ((s = enter(pd, fd)) == NULL)
    return -1;
  switch (cmd) {
  case F_GETFL:
    r = O_RDWR | (s->nonblock ? O_NONBLOCK : 0);
    break;
  case F_SETFL:
    s->nonblock = (arg & O_NONBLOCK) != 0;
    r = 0;
    break;
  case F_GETFD: /* close-on-exec lives on the real descriptor */
    r = fcntl(fd, F_GETFD);
    if (r < 0)
      r = -errno;
    break;
  case F_SETFD:
    r = fcntl(fd, F_SETFD, arg) < 0 ? -errno : 0;
    break;
  default:
    r = -EINVAL;
    break;
  }
  return (int)leave(pd, r);
}

/* Bytes waiting to be read: the receive queue (TCP) or the size of the
 * next datagram (UDP), as Linux's FIONREAD answers. */
static int
bytes_readable(struct sl__pd_sock *s)
{
  struct sl__tcp_info info;
  uint32_t from;
  uint16_t port;
  char c;
  ssize_t r;

  if (s->udp != NULL) {
    r = sl__udp_recvfrom(s->udp, &c, 0, MSG_PEEK | MSG_TRUNC, &from, &port);
    return r == -EAGAIN ? 0 : (int)r;
  }
  sl__tcp_get_info(s->tcb, &info);
  if (info.state == SL_TCP_LISTEN)
    return -EINVAL;
  return (int)info.recv_q;
}

static int
pd_ioctl(void *ud, int fd, unsigned long request, ...)
{
  struct sl__pd *pd = ud;
  struct sl__pd_sock *s;
  struct sl__tcp_info info;
  int *argp, r;
  va_list ap;

  va_start(ap, request);
  argp = va_arg(ap, int *);
  va_end(ap);
  if ((s = enter(pd, fd)) == NULL)
    return -1;
  if (argp == NULL) {
    r = -EFAULT;
  } else if (request == FIONBIO) {
    s->nonblock = *argp != 0;
    r = 0;
  } else if (request == FIONREAD) { /* also SIOCINQ */
    r = bytes_readable(s);
    if (r >= 0) {
      *argp = r;
      r = 0;
    }
  } else if (request == SIOCOUTQ && s->tcb != NULL) {
    sl__tcp_get_info(s->tcb, &info);
    *argp = (int)info.send_q;
    r = 0;
  } else {
    r = -ENOTTY; /* what libc says for a request the device lacks */
  }
  return (int)leave(pd, r);
}

static int
pd_close(void *ud, int fd)
{
  struct sl__pd *pd = ud;
  struct sl__pd_sock *s;

  if ((s = enter(pd, fd)) == NULL)
    return -1;
  /* The core finishes the connection on its own (FIN, TIME-WAIT) and
   * frees it; s->tcb must not be touched after this. */
  if (s->tcb != NULL)
    sl__tcp_close(s->tcb);
  else
    sl__udp_close(s->udp);
  sl__pd_sock_release(pd, s);
  pd->changed = 1;
  return (int)leave(pd, 0);
}

static int
pd_shutdown(void *ud, int fd, int how)
{
  struct sl__pd *pd = ud;
  struct sl__pd_sock *s;

  if ((s = enter(pd, fd)) == NULL)
    return -1;
  if (s->tcb == NULL)
    return (int)leave(pd, -EOPNOTSUPP); /* UDP: not supported */
  return (int)leave(pd, sl__tcp_shutdown(s->tcb, how));
}

/* ---- socket options -------------------------------------------------- */

/* Linux's numbers for the states, as TCP_INFO's tcpi_state gives them. */
static const unsigned char linux_state[SL_TCP_NSTATES] = {
    [SL_TCP_CLOSED] = TCP_CLOSE,
    [SL_TCP_LISTEN] = TCP_LISTEN,
    [SL_TCP_SYN_SENT] = TCP_SYN_SENT,
    [SL_TCP_SYN_RECEIVED] = TCP_SYN_RECV,
    [SL_TCP_ESTABLISHED] = TCP_ESTABLISHED,
    [SL_TCP_FIN_WAIT_1] = TCP_FIN_WAIT1,
    [SL_TCP_FIN_WAIT_2] = TCP_FIN_WAIT2,
    [SL_TCP_CLOSE_WAIT] = TCP_CLOSE_WAIT,
    [SL_TCP_CLOSING] = TCP_CLOSING,
    [SL_TCP_LAST_ACK] = TCP_LAST_ACK,
    [SL_TCP_TIME_WAIT] = TCP_TIME_WAIT};

static int
get_tcp_info(struct sl__pd_sock *s, void *val, socklen_t *len)
{
  struct sl__tcp_info in;
  struct tcp_info ti;
  uint32_t mss;

  sl__tcp_get_info(s->tcb, &in);
  mss = in.snd_mss ? in.snd_mss : 1;
  memset(&ti, 0, sizeof ti);
  ti.tcpi_state = linux_state[in.state];
  /* Linux's meanings: timeouts since SND.UNA last moved, and doublings
   * of the RTO not yet undone by a clean RTT sample (Karn). */
  ti.tcpi_retransmits = (uint8_t)(in.retries > 255 ? 255 : in.retries);
  ti.tcpi_backoff = (uint8_t)(in.backoff > 255 ? 255 : in.backoff);
  ti.tcpi_rto = (uint32_t)in.rto_us;
  ti.tcpi_snd_mss = in.snd_mss;
  ti.tcpi_rcv_mss = in.rcv_mss;
  ti.tcpi_unacked = (in.snd_nxt - in.snd_una + mss - 1) / mss;
  ti.tcpi_rtt = (uint32_t)in.srtt_us;
  ti.tcpi_rttvar = (uint32_t)in.rttvar_us;
  ti.tcpi_snd_cwnd = in.cwnd / mss; /* Linux counts segments */
  ti.tcpi_snd_ssthresh = in.ssthresh / mss;
  ti.tcpi_total_retrans = (uint32_t)in.retransmits;
  ti.tcpi_advmss = in.rcv_mss;
  if (*len > sizeof ti)
    *len = sizeof ti;
  memcpy(val, &ti, *len);
  return 0;
}

/* Options: the table the runtime uses too (lib/core/sockopt.c), and
 * TCP_INFO, which only packetdrill's scripts read here. */
static int
pd_getsockopt(void *ud, int fd, int level, int name, void *val, socklen_t *len)
{
  struct sl__pd *pd = ud;
  struct sl__pd_sock *s;

  if ((s = enter(pd, fd)) == NULL)
    return -1;
  if (level == IPPROTO_TCP && name == TCP_INFO && s->tcb != NULL) {
    if (val == NULL || len == NULL)
      return (int)leave(pd, -EFAULT);
    return (int)leave(pd, get_tcp_info(s, val, len));
  }
  return (int)leave(pd, sl__sockopt_get(&s->opts, level, name, val, len));
}

static int
pd_setsockopt(void *ud, int fd, int level, int name, const void *val,
              socklen_t len)
{
  struct sl__pd *pd = ud;
  struct sl__pd_sock *s;

  if ((s = enter(pd, fd)) == NULL)
    return -1;
  return (int)leave(pd, sl__sockopt_set(&s->opts, level, name, val, len));
}

/* ---- poll ------------------------------------------------------------ */

/* Fills every revents; the number of entries with something to report. */
static int
poll_scan(struct sl__pd *pd, struct pollfd *fds, nfds_t nfds)
{
  int n = 0;

  for (nfds_t i = 0; i < nfds; i++) {
    struct sl__pd_sock *s;
    short ev;

    fds[i].revents = 0;
    if (fds[i].fd < 0)
      continue;
    s = sl__pd_sock_get(pd, fds[i].fd);
    if (s == NULL)
      ev = POLLNVAL;
    else
      ev = s->tcb ? sl__tcp_poll(s->tcb) : sl__udp_poll(s->udp);
    /* POLLERR, POLLHUP and POLLNVAL are reported whether asked or not. */
    fds[i].revents =
        (short)(ev & (fds[i].events | POLLERR | POLLHUP | POLLNVAL));
    if (fds[i].revents != 0)
      n++;
  }
  return n;
}

static int
pd_poll(void *ud, struct pollfd *fds, nfds_t nfds, int timeout)
{
  struct sl__pd *pd = ud;
  uint64_t deadline, before, d;
  int n, w;

  if (nfds > SL__PD_MAX_FD)
    return fail(-EINVAL);
  if (fds == NULL && nfds > 0)
    return fail(-EFAULT);
  sl__pd_lock(pd);
  /* The timeout runs in virtual time. */
  deadline =
      timeout < 0 ? SL__TIME_NEVER : pd->now_us + (uint64_t)timeout * 1000u;
  while ((n = poll_scan(pd, fds, nfds)) == 0 && pd->now_us < deadline) {
    if (deadline < pd->wake_at_us)
      pd->wake_at_us = deadline; /* sl__pd_advance wakes us then */
    before = pd->now_us;
    d = sl__host_next_deadline(pd->host);
    w = sl__pd_wait(
        pd, NULL,
        deadline == SL__TIME_NEVER && d == SL__TIME_NEVER ? 0 : POLL_IDLE_MS);
    if (w == -EINTR)
      return (int)leave(pd, w);
    if (w == -ETIMEDOUT && pd->now_us == before) {
      /* Nobody else moves the clock: move it to the stack's next timer or
       * our own deadline, whichever comes first. */
      d = sl__host_next_deadline(pd->host);
      d = d < deadline ? d : deadline;
      sl__pd_advance(pd, d > pd->now_us ? d : pd->now_us + 1);
    }
  }
  return (int)leave(pd, n);
}

/* ---- what makes no sense here ---------------------------------------- */

static int
pd_epoll_create(void *ud, int size)
{
  (void)ud;
  (void)size;
  return fail(-ENOSYS);
}

static int
pd_epoll_ctl(void *ud, int epfd, int op, int fd, struct epoll_event *event)
{
  (void)ud;
  (void)epfd;
  (void)op;
  (void)fd;
  (void)event;
  return fail(-ENOSYS);
}

static int
pd_epoll_wait(void *ud, int epfd, struct epoll_event *events, int maxevents,
              int timeout)
{
  (void)ud;
  (void)epfd;
  (void)events;
  (void)maxevents;
  (void)timeout;
  return fail(-ENOSYS);
}

static int
pd_pipe(void *ud, int pipefd[2])
{
  (void)ud;
  (void)pipefd;
  return fail(-ENOSYS);
}

static int
pd_splice(void *ud, int fd_in, loff_t *off_in, int fd_out, loff_t *off_out,
          size_t len, unsigned int flags)
{
  (void)ud;
  (void)fd_in;
  (void)off_in;
  (void)fd_out;
  (void)off_out;
  (void)len;
  (void)flags;
  return fail(-ENOSYS);
}

void
sl__pd_socket_ops(struct packetdrill_interface *ifc)
{
  ifc->socket = pd_socket;
  ifc->bind = pd_bind;
  ifc->listen = pd_listen;
  ifc->accept = pd_accept;
  ifc->connect = pd_connect;
  ifc->read = pd_read;
  ifc->readv = pd_readv;
  ifc->recv = pd_recv;
  ifc->recvfrom = pd_recvfrom;
  ifc->recvmsg = pd_recvmsg;
  ifc->write = pd_write;
  ifc->writev = pd_writev;
  ifc->send = pd_send;
  ifc->sendto = pd_sendto;
  ifc->sendmsg = pd_sendmsg;
  ifc->fcntl = pd_fcntl;
  ifc->ioctl = pd_ioctl;
  ifc->close = pd_close;
  ifc->shutdown = pd_shutdown;
  ifc->getsockopt = pd_getsockopt;
  ifc->setsockopt = pd_setsockopt;
  ifc->poll = pd_poll;
  ifc->epoll_create = pd_epoll_create;
  ifc->epoll_ctl = pd_epoll_ctl;
  ifc->epoll_wait = pd_epoll_wait;
  ifc->pipe = pd_pipe;
  ifc->splice = pd_splice;
}
