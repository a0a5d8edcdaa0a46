/* Helpers: listen and connect by host and port, readn/writen, a
 * socket's addresses (formatted by addr.c), connect with a timeout.
 * Built only on the BSD mirror, so they work on both stacks; errors name
 * the call and the address. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/internal.h"
#include "socklab/net.h"

char *
sl_local_addr(int fd, char *buf, size_t len)
{
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;

  if (sl_getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
    return sl_addr_format(NULL, buf, len);
  return sl_addr_format((struct sockaddr *)&ss, buf, len);
}

char *
sl_peer_addr(int fd, char *buf, size_t len)
{
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;

  if (sl_getpeername(fd, (struct sockaddr *)&ss, &sl) < 0)
    return sl_addr_format(NULL, buf, len);
  return sl_addr_format((struct sockaddr *)&ss, buf, len);
}

int
sl_local_port(int fd)
{
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;

  if (sl_getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
    return -1;
  if (ss.ss_family == AF_INET)
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
  if (ss.ss_family == AF_INET6)
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  return sl__err_fd("getsockname", fd, EAFNOSUPPORT);
}

/* ---- trying every address ---------------------------------------------- */

/* The failures of each address tried, joined with "; ", so that "localhost"
 * failing on both ::1 and 127.0.0.1 says so. */
struct attempts {
  char text[300];
  int last_errno;
  int count;
};

static void
attempt_failed(struct attempts *a)
{
  const char *msg = sl_last_error()->msg;
  size_t used = strlen(a->text);

  a->last_errno = errno;
  if (a->count++ > 0 && used + 2 < sizeof a->text) {
    memcpy(a->text + used, "; ", 3);
    used += 2;
  }
  snprintf(a->text + used, sizeof a->text - used, "%s", msg);
}

static int
attempts_fail(const struct attempts *a)
{
  return sl__err_msg(SL_ERR_SYSTEM, a->last_errno, "%s", a->text);
}

static int
is_wildcard(const char *host)
{
  return host == NULL || host[0] == '\0' || strcmp(host, "*") == 0;
}

int
sl_getaddrinfo(const char *node, const char *service,
               const struct addrinfo *hints, struct addrinfo **res)
{
  struct addrinfo h = {0};
  char numeric[INET_ADDRSTRLEN];
  int gai;

  if (hints != NULL)
    h = *hints;
  /* On socklab's stack, the hub knows the names processes registered
   * (SOCKLAB_HOSTNAME); it answers first, the system resolver after
   * (IPv4 only, like the stack). */
  if (node != NULL && sl_default_stack() == SL_STACK_USER &&
      h.ai_family != AF_INET6 &&
      sl__user_resolve(node, numeric, sizeof numeric) == 0) {
    h.ai_flags |= AI_NUMERICHOST;
    h.ai_family = AF_INET;
    node = numeric;
  }
  gai = getaddrinfo(node, service, &h, res);
  if (gai != 0)
    sl__err_gai(gai, node, service);
  return gai;
}

static int
resolve(const char *host, const char *port, int socktype, int passive,
        struct addrinfo **res)
{
  struct addrinfo hints;

  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = socktype;
  if (passive && is_wildcard(host)) {
    /* The wildcard is 0.0.0.0: socklab's stack and the course are IPv4,
     * and netstat shows "0.0.0.0:port".  Pass "::" for IPv6. */
    hints.ai_family = AF_INET;
    hints.ai_flags = AI_PASSIVE;
    host = NULL;
  } else {
    hints.ai_family = AF_UNSPEC;
  }
  if (port == NULL)
    port = "0";
  /* On socklab's stack the hub's names first (sl_getaddrinfo). */
  return sl_getaddrinfo(host, port, &hints, res) != 0 ? -1 : 0;
}

/* Socket, options, bind and (for TCP) listen on one address. */
static int
listen_on(const struct addrinfo *ai, int backlog)
{
  int one = 1, zero = 0, e;
  int fd = sl_socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);

  if (fd < 0)
    return -1;
  if (ai->ai_socktype == SOCK_STREAM &&
      sl_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
    goto fail;
  if (ai->ai_family == AF_INET6) {
    /* "::" accepts IPv4 clients too where the system allows it. */
    (void)sl_setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  }
  if (sl_bind(fd, ai->ai_addr, ai->ai_addrlen) < 0)
    goto fail;
  if (ai->ai_socktype == SOCK_STREAM && sl_listen(fd, backlog) < 0)
    goto fail;
  return fd;
fail:
  e = errno;
  sl_close(fd);
  errno = e;
  return -1;
}

static int
bind_any(const char *host, const char *port, int socktype, int backlog)
{
  struct addrinfo *res, *ai;
  struct attempts tries = {.count = 0};
  int fd = -1;

  if (resolve(host, port, socktype, 1, &res) < 0)
    return -1;
  for (ai = res; ai != NULL; ai = ai->ai_next) {
    fd = listen_on(ai, backlog);
    if (fd >= 0)
      break;
    attempt_failed(&tries);
  }
  freeaddrinfo(res);
  return fd >= 0 ? fd : attempts_fail(&tries);
}

int
sl_tcp_listen(const char *host, const char *port, int backlog)
{
  return bind_any(host, port, SOCK_STREAM, backlog);
}

int
sl_udp_bind(const char *host, const char *port)
{
  return bind_any(host, port, SOCK_DGRAM, 0);
}

static int
connect_any(const char *host, const char *port, int socktype, int timeout_ms)
{
  struct addrinfo *res, *ai;
  struct attempts tries = {.count = 0};
  int fd = -1;

  if (resolve(host, port, socktype, 0, &res) < 0)
    return -1;
  for (ai = res; ai != NULL; ai = ai->ai_next) {
    fd = sl_socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd >= 0 &&
        sl_connect_timeout(fd, ai->ai_addr, ai->ai_addrlen, timeout_ms) == 0)
      break;
    attempt_failed(&tries);
    if (fd >= 0)
      sl_close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  return fd >= 0 ? fd : attempts_fail(&tries);
}

int
sl_tcp_connect(const char *host, const char *port)
{
  return connect_any(host, port, SOCK_STREAM, -1);
}

int
sl_tcp_connect_timeout(const char *host, const char *port, int timeout_ms)
{
  return connect_any(host, port, SOCK_STREAM, timeout_ms);
}

int
sl_udp_connect(const char *host, const char *port)
{
  return connect_any(host, port, SOCK_DGRAM, -1);
}

static long long
now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for a non-blocking connect to finish and returns its result. */
static int
finish_connect(int fd, const struct sockaddr *addr, int timeout_ms)
{
  long long deadline = now_ms() + timeout_ms;
  struct pollfd p = {.fd = fd, .events = POLLOUT};
  socklen_t len = sizeof(int);
  int err = 0, left, r;

  do {
    left = (int)(deadline - now_ms());
    r = sl_poll(&p, 1, left > 0 ? left : 0);
  } while (r < 0 && errno == EINTR);
  if (r < 0)
    return -1;
  if (r == 0)
    return sl__err_addr("connect", addr, ETIMEDOUT);
  if (sl_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
    return -1;
  if (err != 0)
    return sl__err_addr("connect", addr, err);
  return 0;
}

int
sl_connect_timeout(int fd, const struct sockaddr *addr, socklen_t len,
                   int timeout_ms)
{
  int flags, r, e;

  if (timeout_ms < 0)
    return sl_connect(fd, addr, len);
  flags = sl_fcntl(fd, F_GETFL);
  if (flags < 0)
    return -1;
  if (!(flags & O_NONBLOCK) && sl_fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
    return -1;
  r = sl_connect(fd, addr, len);
  if (r < 0 && errno == EINPROGRESS)
    r = finish_connect(fd, addr, timeout_ms);
  e = errno;
  if (!(flags & O_NONBLOCK))
    (void)sl_fcntl(fd, F_SETFL, flags);
  errno = e;
  return r;
}

/* ---- whole buffers ----------------------------------------------------- */

/* A non-blocking descriptor said EAGAIN: wait until it is ready. */
static int
wait_ready(int fd, short events)
{
  struct pollfd p = {.fd = fd, .events = events};
  int r;

  do
    r = sl_poll(&p, 1, -1);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -1 : 0;
}

ssize_t
sl_readn(int fd, void *buf, size_t n)
{
  char *p = buf;
  size_t done = 0;

  while (done < n) {
    ssize_t r = sl_read(fd, p + done, n - done);
    if (r > 0) {
      done += (size_t)r;
    } else if (r == 0) {
      break; /* end of file */
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (wait_ready(fd, POLLIN) < 0)
        return -1;
    } else if (errno != EINTR) {
      return -1;
    }
  }
  return (ssize_t)done;
}

ssize_t
sl_writen(int fd, const void *buf, size_t n)
{
  const char *p = buf;
  size_t done = 0;

  while (done < n) {
    ssize_t r = sl_write(fd, p + done, n - done);
    if (r >= 0) {
      done += (size_t)r;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (wait_ready(fd, POLLOUT) < 0)
        return -1;
    } else if (errno != EINTR) {
      return -1;
    }
  }
  return (ssize_t)done;
}
