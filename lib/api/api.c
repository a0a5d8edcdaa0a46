/* The BSD mirror: each sl_<call> sends a descriptor to the stack that owns
 * it.  Socklab-stack sockets are found in the descriptor table (fdtab.c);
 * every other descriptor goes to libc unchanged, except that sends never
 * raise SIGPIPE.  Failures keep libc's -1/errno and record a message. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "api/internal.h"
#include "socklab/tcp.h"

/* ---- which stack: SOCKLAB_STACK, read once ----------------------------- */

static enum sl_stack default_stack = SL_STACK_KERNEL;
static const char *bad_stack_value; /* SOCKLAB_STACK when it is invalid */
static pthread_once_t stack_once = PTHREAD_ONCE_INIT;

static void
read_stack_env(void)
{
  const char *v = getenv("SOCKLAB_STACK");

  if (v == NULL || v[0] == '\0' || strcmp(v, "kernel") == 0)
    default_stack = SL_STACK_KERNEL;
  else if (strcmp(v, "user") == 0)
    default_stack = SL_STACK_USER;
  else {
    bad_stack_value = v;
    fprintf(stderr,
            "socklab: SOCKLAB_STACK=%s is not a stack; "
            "it accepts 'kernel' (the default) or 'user'\n",
            v);
  }
}

enum sl_stack
sl_default_stack(void)
{
  pthread_once(&stack_once, read_stack_env);
  return default_stack;
}

const char *
sl_stack_name(enum sl_stack stack)
{
  switch (stack) {
  case SL_STACK_KERNEL:
    return "kernel";
  case SL_STACK_USER:
    return "user";
  default:
    return "none";
  }
}

enum sl_stack
sl_stack_of(int fd)
{
  struct sl__sock *sock = sl__fd_get(fd);

  if (sock != NULL) {
    sl__sock_put(sock);
    return SL_STACK_USER;
  }
  if (fcntl(fd, F_GETFD) < 0) {
    errno = EBADF;
    return SL_STACK_NONE;
  }
  return SL_STACK_KERNEL;
}

/* ---- creating sockets -------------------------------------------------- */

static void
listen_to_runtime(void)
{
  sl__user_set_notify(sl__fd_notify);
}

static int
user_socket(int domain, int type, int protocol)
{
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  struct sl__user_failure why = {0};
  struct sl__sock *sock;
  int r;

  /* Before the first socklab socket: the runtime says when readiness may
   * have changed, and sl_poll's waiters look again. */
  pthread_once(&once, listen_to_runtime);
  r = sl__user_socket(domain, type, protocol, &sock, &why);
  /* The runtime may have said why it could not start (configuration,
   * link): its message is the better one. */
  if (r < 0 && why.msg[0] != '\0')
    return sl__err_msg(why.usage ? SL_ERR_USAGE : SL_ERR_SYSTEM, -r, "%s",
                       why.msg);
  if (r < 0)
    return sl__err_fd("socket", -1, -r);
  r = sl__fd_attach(sock);
  if (r < 0) {
    sock->ops->close(sock);
    return sl__err_fd("socket", -1, -r);
  }
  return r;
}

int
sl_socket(int domain, int type, int protocol)
{
  int fd;

  switch (sl_default_stack()) {
  case SL_STACK_USER:
    if (bad_stack_value == NULL)
      return user_socket(domain, type, protocol);
    break;
  default:
    break;
  }
  if (bad_stack_value != NULL)
    return sl__err_msg(SL_ERR_USAGE, EINVAL,
                       "socket: SOCKLAB_STACK=%s is not a stack; it "
                       "accepts 'kernel' (the default) or 'user'",
                       bad_stack_value);
  fd = socket(domain, type, protocol);
  if (fd < 0)
    return sl__err_fd("socket", -1, errno);
  sl__fd_forget_stale(fd);
  return fd;
}

/* ---- the calls --------------------------------------------------------- */

/* The pattern of every mirror function below: when fd is a socklab
 * socket, evaluate expr with `sock` bound to it, store the result, release
 * the socket and jump to the function's user_done label; otherwise fall
 * through to the kernel path. */
#define WITH_USER_SOCK(fd, result, expr)                                       \
  do {                                                                         \
    struct sl__sock *sock = sl__fd_get(fd);                                    \
    if (sock != NULL) {                                                        \
      result = (expr);                                                         \
      sl__sock_put(sock);                                                      \
      goto user_done;                                                          \
    }                                                                          \
  } while (0)

int
sl_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
  int r;

  WITH_USER_SOCK(fd, r, sock->ops->bind(sock, addr, len));
  if (bind(fd, addr, len) < 0)
    return sl__err_addr("bind", addr, errno);
  return 0;
user_done:
  return r < 0 ? sl__err_addr("bind", addr, -r) : 0;
}

int
sl_listen(int fd, int backlog)
{
  int r;

  WITH_USER_SOCK(fd, r, sock->ops->listen(sock, backlog));
  if (listen(fd, backlog) < 0)
    return sl__err_fd("listen", fd, errno);
  return 0;
user_done:
  return r < 0 ? sl__err_fd("listen", fd, -r) : 0;
}

static int
user_accept(struct sl__sock *sock, struct sockaddr *addr, socklen_t *len)
{
  struct sl__sock *child;
  int r = sock->ops->accept(sock, &child, addr, len);

  if (r < 0)
    return r;
  r = sl__fd_attach(child);
  if (r < 0)
    child->ops->close(child);
  return r;
}

int
sl_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
  int r;

  WITH_USER_SOCK(fd, r, user_accept(sock, addr, len));
  r = accept(fd, addr, len);
  if (r < 0)
    return sl__err_fd("accept", fd, errno);
  sl__fd_forget_stale(r);
  return r;
user_done:
  return r < 0 ? sl__err_fd("accept", fd, -r) : r;
}

int
sl_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
  int r;

  WITH_USER_SOCK(fd, r, sock->ops->connect(sock, addr, len));
  if (connect(fd, addr, len) < 0)
    return sl__err_addr("connect", addr, errno);
  return 0;
user_done:
  return r < 0 ? sl__err_addr("connect", addr, -r) : 0;
}

ssize_t
sl_sendto(int fd, const void *buf, size_t n, int flags,
          const struct sockaddr *to, socklen_t tolen)
{
  ssize_t r;

  WITH_USER_SOCK(fd, r, sock->ops->sendto(sock, buf, n, flags, to, tolen));
  /* MSG_NOSIGNAL: a closed peer gives EPIPE, not a dead program. */
  r = sendto(fd, buf, n, flags | MSG_NOSIGNAL, to, tolen);
  if (r < 0)
    return to ? sl__err_addr("sendto", to, errno)
              : sl__err_fd("send", fd, errno);
  return r;
user_done:
  if (r < 0)
    return to ? sl__err_addr("sendto", to, (int)-r)
              : sl__err_fd("send", fd, (int)-r);
  return r;
}

ssize_t
sl_send(int fd, const void *buf, size_t n, int flags)
{
  return sl_sendto(fd, buf, n, flags, NULL, 0);
}

ssize_t
sl_recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from,
            socklen_t *fromlen)
{
  ssize_t r;

  WITH_USER_SOCK(fd, r,
                 sock->ops->recvfrom(sock, buf, n, flags, from, fromlen));
  r = recvfrom(fd, buf, n, flags, from, fromlen);
  if (r < 0)
    return sl__err_fd("recv", fd, errno);
  return r;
user_done:
  return r < 0 ? sl__err_fd("recv", fd, (int)-r) : r;
}

ssize_t
sl_recv(int fd, void *buf, size_t n, int flags)
{
  return sl_recvfrom(fd, buf, n, flags, NULL, NULL);
}

ssize_t
sl_read(int fd, void *buf, size_t n)
{
  ssize_t r;

  WITH_USER_SOCK(fd, r, sock->ops->recvfrom(sock, buf, n, 0, NULL, NULL));
  r = read(fd, buf, n);
  if (r < 0)
    return sl__err_fd("read", fd, errno);
  return r;
user_done:
  return r < 0 ? sl__err_fd("read", fd, (int)-r) : r;
}

ssize_t
sl_write(int fd, const void *buf, size_t n)
{
  ssize_t r;

  WITH_USER_SOCK(fd, r, sock->ops->sendto(sock, buf, n, 0, NULL, 0));
  r = send(fd, buf, n, MSG_NOSIGNAL);
  if (r < 0 && errno == ENOTSOCK)
    r = write(fd, buf, n); /* a file, a pipe or a terminal */
  if (r < 0)
    return sl__err_fd("write", fd, errno);
  return r;
user_done:
  return r < 0 ? sl__err_fd("write", fd, (int)-r) : r;
}

int
sl_close(int fd)
{
  int r = sl__fd_detach(fd);

  if (r == 0)
    return 0;
  if (close(fd) < 0)
    return sl__err_fd("close", fd, errno);
  return 0;
}

int
sl_shutdown(int fd, int how)
{
  int r;

  WITH_USER_SOCK(fd, r, sock->ops->shutdown(sock, how));
  if (shutdown(fd, how) < 0)
    return sl__err_fd("shutdown", fd, errno);
  return 0;
user_done:
  return r < 0 ? sl__err_fd("shutdown", fd, -r) : 0;
}

int
sl_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
  int r;

  WITH_USER_SOCK(fd, r, sock->ops->setsockopt(sock, level, name, val, len));
  if (setsockopt(fd, level, name, val, len) < 0)
    return sl__err_fd("setsockopt", fd, errno);
  return 0;
user_done:
  return r < 0 ? sl__err_fd("setsockopt", fd, -r) : 0;
}

int
sl_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
  int r;

  WITH_USER_SOCK(fd, r, sock->ops->getsockopt(sock, level, name, val, len));
  if (getsockopt(fd, level, name, val, len) < 0)
    return sl__err_fd("getsockopt", fd, errno);
  return 0;
user_done:
  return r < 0 ? sl__err_fd("getsockopt", fd, -r) : 0;
}

int
sl_getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
  int r;

  WITH_USER_SOCK(fd, r, sock->ops->getsockname(sock, addr, len));
  if (getsockname(fd, addr, len) < 0)
    return sl__err_fd("getsockname", fd, errno);
  return 0;
user_done:
  return r < 0 ? sl__err_fd("getsockname", fd, -r) : 0;
}

int
sl_getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
  int r;

  WITH_USER_SOCK(fd, r, sock->ops->getpeername(sock, addr, len));
  if (getpeername(fd, addr, len) < 0)
    return sl__err_fd("getpeername", fd, errno);
  return 0;
user_done:
  return r < 0 ? sl__err_fd("getpeername", fd, -r) : 0;
}

int
sl_poll(struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
  int r;

  if (sl__fd_live() == 0)
    r = poll(fds, nfds, timeout_ms);
  else
    r = sl__poll_mixed(fds, nfds, timeout_ms);
  if (r < 0)
    return sl__err_fd("poll", -1, errno);
  return r;
}

/* fcntl commands whose third argument is a pointer, not an int. */
static int
fcntl_takes_pointer(int cmd)
{
  switch (cmd) {
  case F_GETLK:
  case F_SETLK:
  case F_SETLKW:
  case F_OFD_GETLK:
  case F_OFD_SETLK:
  case F_OFD_SETLKW:
  case F_GETOWN_EX:
  case F_SETOWN_EX:
    return 1;
  default:
    return 0;
  }
}

static int
user_fcntl(struct sl__sock *sock, int cmd, int arg)
{
  int r;

  switch (cmd) {
  case F_GETFL:
    return O_RDWR | (atomic_load(&sock->nonblock) ? O_NONBLOCK : 0);
  case F_SETFL:
    atomic_store(&sock->nonblock, (arg & O_NONBLOCK) != 0);
    sl__fd_notify();
    return 0;
  case F_GETFD:
  case F_SETFD:
    /* Close-on-exec lives on the reserved descriptor itself. */
    r = fcntl(sock->fd, cmd, arg);
    return r < 0 ? -errno : r;
  default:
    return -EINVAL;
  }
}

int
sl_fcntl(int fd, int cmd, ...)
{
  va_list ap;
  void *ptr = NULL;
  int arg = 0;
  int r;

  va_start(ap, cmd);
  if (fcntl_takes_pointer(cmd))
    ptr = va_arg(ap, void *);
  else
    arg = va_arg(ap, int);
  va_end(ap);

  WITH_USER_SOCK(fd, r, user_fcntl(sock, cmd, arg));
  r = fcntl_takes_pointer(cmd) ? fcntl(fd, cmd, ptr) : fcntl(fd, cmd, arg);
  if (r < 0)
    return sl__err_fd("fcntl", fd, errno);
  return r;
user_done:
  return r < 0 ? sl__err_fd("fcntl", fd, -r) : r;
}

/* Linux's TCP_ESTABLISHED = 1 ... TCP_CLOSING = 11 (include/net/tcp_states.h)
 * to RFC order. */
static const int linux_states[] = {
    -1,
    SL_TCP_ESTABLISHED,
    SL_TCP_SYN_SENT,
    SL_TCP_SYN_RECEIVED,
    SL_TCP_FIN_WAIT_1,
    SL_TCP_FIN_WAIT_2,
    SL_TCP_TIME_WAIT,
    SL_TCP_CLOSED,
    SL_TCP_CLOSE_WAIT,
    SL_TCP_LAST_ACK,
    SL_TCP_LISTEN,
    SL_TCP_CLOSING,
};

int
sl_tcp_state_of(int fd)
{
  struct tcp_info ti;
  socklen_t len = sizeof ti;
  int r, type;
  socklen_t tlen = sizeof type;

  WITH_USER_SOCK(
      fd, r, sock->ops->tcp_state ? sock->ops->tcp_state(sock) : -ENOPROTOOPT);
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0)
    return sl__err_fd("tcp_state", fd, errno);
  if (type != SOCK_STREAM)
    return sl__err_fd("tcp_state", fd, ENOPROTOOPT);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
    return sl__err_fd("tcp_state", fd, errno);
  if (ti.tcpi_state >= sizeof linux_states / sizeof *linux_states ||
      linux_states[ti.tcpi_state] < 0)
    return sl__err_fd("tcp_state", fd, EPROTO);
  return linux_states[ti.tcpi_state];
user_done:
  return r < 0 ? sl__err_fd("tcp_state", fd, -r) : r;
}
