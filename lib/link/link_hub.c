/* The hub link: this process joins the hub's virtual switch (hub.h) and
 * sends and receives raw IPv4 datagrams over a unix SOCK_SEQPACKET
 * connection (when no hub answers at the path, one is started there
 * first), or over UDP to a hub's --udp port, perhaps on another machine
 * (never started: it is not ours), with keepalives when idle. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hub/hub.h"
#include "hub/proto.h"
#include "link/hub_client.h"
#include "link/link.h"

#define BATCH      64   /* packets sent with one sendmmsg */
#define BATCH_SLOT 2048 /* bytes a batched packet may have */

/* Packets go out in batches: one system call for a window's worth of
 * segments instead of one each (the runtime flushes before it lets go of
 * its lock, so nothing waits).  With a hub that takes bundles (hub.h) a
 * batch is one message; with an older hub, one sendmmsg. */
struct hub_link {
  struct sl__link base;
  int bundles;           /* the hub said yes to bundles */
  int keepalive_ms;      /* UDP: say KEEPALIVE after this long silent */
  uint64_t last_sent_ms; /* UDP: when we last sent anything */
  size_t out_len, out_cap;
  uint8_t out[SL__HUB_BUNDLE_MAX];
  size_t in_len, in_off; /* the bundle being handed out */
  uint8_t in[SL__HUB_BUNDLE_MAX];
  unsigned queued;
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  uint8_t slots[BATCH][BATCH_SLOT];
};

static void
big_buffers(int fd)
{
  int big = 1 << 20;

  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
}

/* Connects fd to the address, or closes it: fd or a negative errno. */
static int
connect_or_close(int fd, const struct sockaddr *sa, socklen_t len)
{
  int e;

  if (fd < 0)
    return -errno;
  big_buffers(fd);
  if (connect(fd, sa, len) == 0)
    return fd;
  e = errno;
  close(fd);
  return -e;
}

/* A connection to the hub at path (SOCK_SEQPACKET: messages keep their
 * boundaries, and the hub sees at once when this process is gone). */
static int
unix_socket(const char *path)
{
  struct sockaddr_un sun = {.sun_family = AF_UNIX};

  if (strlen(path) >= sizeof sun.sun_path)
    return -ENAMETOOLONG;
  strcpy(sun.sun_path, path);
  return connect_or_close(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0),
                          (struct sockaddr *)&sun, sizeof sun);
}

/* A UDP socket connected to the hub's port (so that only the hub's
 * datagrams reach it); -EHOSTUNREACH when the host name does not
 * resolve. */
static int
udp_socket(const char *host, uint16_t port)
{
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM},
                  *ai;
  struct sockaddr_in sin;

  if (getaddrinfo(host, NULL, &hints, &ai) != 0)
    return -EHOSTUNREACH;
  memcpy(&sin, ai->ai_addr, sizeof sin);
  freeaddrinfo(ai);
  sin.sin_port = htons(port);
  return connect_or_close(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0),
                          (struct sockaddr *)&sin, sizeof sin);
}

static int
hub_socket(const struct sl__link_config *cfg)
{
  return cfg->kind == SL__LINK_UDP ? udp_socket(cfg->arg, cfg->port)
                                   : unix_socket(cfg->arg);
}

/* "udp:HOST:PORT" or the socket's path, for messages. */
static void
hub_where(const struct sl__link_config *cfg, char *buf, size_t len)
{
  if (cfg->kind == SL__LINK_UDP)
    snprintf(buf, len, "udp:%s:%u", cfg->arg, cfg->port);
  else
    snprintf(buf, len, "%s", cfg->arg);
}

/* Sends a control message and waits up to a second for the answer, tries
 * times (over UDP a question or its answer may be lost; every question
 * may be asked twice). */
static int
ask(int fd, const char *q, char *answer, size_t len, int tries)
{
  char msg[256], buf[256];
  size_t n = strlen(q) < sizeof msg - 1 ? strlen(q) : sizeof msg - 1;
  struct pollfd p = {.fd = fd, .events = POLLIN};

  msg[0] = '\0';
  memcpy(msg + 1, q, n);
  for (int t = 0; t < tries; t++) {
    if (send(fd, msg, n + 1, MSG_NOSIGNAL) < 0)
      return -errno;
    while (poll(&p, 1, 1000) > 0) {
      ssize_t r = recv(fd, buf, sizeof buf - 1, 0);
      if (r < 0)
        return -errno;
      if (r > 0 && buf[0] == '\0') { /* skip any early data packet */
        buf[r] = '\0';
        size_t m = (size_t)r - 1 < len - 1 ? (size_t)r - 1 : len - 1;
        memcpy(answer, buf + 1, m);
        answer[m] = '\0';
        return 0;
      }
    }
  }
  return -ETIMEDOUT;
}

static int
tries_for(const struct sl__link_config *cfg)
{
  return cfg->kind == SL__LINK_UDP ? 3 : 1;
}

/* One question to the hub on a socket of its own (the link's socket is
 * the runtime thread's).  0 with the answer, or a negative errno. */
int
sl__hub_ask(const struct sl__link_config *cfg, const char *q, char *answer,
            size_t len)
{
  int fd = hub_socket(cfg), r;

  if (fd < 0)
    return fd;
  r = ask(fd, q, answer, len, tries_for(cfg));
  close(fd);
  return r;
}

static int
ask_addr(const struct sl__link_config *cfg, const char *q, uint32_t *addr)
{
  char a[96];
  struct in_addr in;
  int r = sl__hub_ask(cfg, q, a, sizeof a);

  if (r < 0)
    return r;
  if (strncmp(a, "ADDR ", 5) != 0 || inet_pton(AF_INET, a + 5, &in) != 1)
    return -ENOENT;
  *addr = ntohl(in.s_addr);
  return 0;
}

int
sl__hub_resolve(const struct sl__link_config *cfg, const char *name,
                uint32_t *addr)
{
  char q[96];

  snprintf(q, sizeof q, "RESOLVE %s", name);
  return ask_addr(cfg, q, addr);
}

int
sl__hub_who(const struct sl__link_config *cfg, int tcp, uint16_t port,
            uint32_t *addr)
{
  char q[64];

  snprintf(q, sizeof q, "WHO %s %u", tcp ? "tcp" : "udp", port);
  return ask_addr(cfg, q, addr);
}

static uint64_t
mono_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
hub_flush(struct sl__link *l)
{
  struct hub_link *hl = (struct hub_link *)l;

  /* A full socket buffer drops what does not fit, as a full device queue
   * would; TCP retransmits. */
  if (hl->out_len > 0)
    (void)send(l->fd, hl->out, hl->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (hl->queued > 0)
    (void)sendmmsg(l->fd, hl->msgs, hl->queued, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (hl->keepalive_ms > 0 && (hl->out_len > 0 || hl->queued > 0))
    hl->last_sent_ms = mono_ms();
  hl->out_len = 0;
  hl->queued = 0;
}

/* UDP: KEEPALIVE when nothing went out for keepalive_ms, so that the hub
 * knows this process is still there. */
static int
hub_tick(struct sl__link *l)
{
  static const char keepalive[] = "\0KEEPALIVE";
  struct hub_link *hl = (struct hub_link *)l;
  uint64_t now = mono_ms();

  if (hl->keepalive_ms <= 0)
    return -1;
  if (now - hl->last_sent_ms >= (uint64_t)hl->keepalive_ms) {
    (void)send(l->fd, keepalive, sizeof keepalive - 1,
               MSG_DONTWAIT | MSG_NOSIGNAL);
    hl->last_sent_ms = now;
  }
  return (int)(hl->last_sent_ms + (uint64_t)hl->keepalive_ms - now);
}

static void
hub_send(struct sl__link *l, const uint8_t *pkt, size_t len)
{
  struct hub_link *hl = (struct hub_link *)l;
  unsigned i;

  if (hl->bundles) {
    if (hl->queued > 0)
      hub_flush(l); /* one too big for a bundle went before: keep order */
    if (sl__hub_bundle_add(hl->out, &hl->out_len, hl->out_cap, pkt, len) == 0)
      return;
    hub_flush(l);
    if (sl__hub_bundle_add(hl->out, &hl->out_len, hl->out_cap, pkt, len) == 0)
      return;
  }
  if (hl->queued == BATCH || len > BATCH_SLOT)
    hub_flush(l);
  if (len > BATCH_SLOT) {
    (void)send(l->fd, pkt, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    return;
  }
  i = hl->queued++;
  memcpy(hl->slots[i], pkt, len);
  hl->iov[i] = (struct iovec){.iov_base = hl->slots[i], .iov_len = len};
  hl->msgs[i] =
      (struct mmsghdr){.msg_hdr = {.msg_iov = &hl->iov[i], .msg_iovlen = 1}};
}

/* The next packet: from the bundle being handed out, else from the next
 * message (a bundle, a packet, or a control message, which is not for us
 * once we have joined). */
static ssize_t
hub_recv(struct sl__link *l, uint8_t *buf, size_t cap)
{
  struct hub_link *hl = (struct hub_link *)l;
  const uint8_t *pkt;
  size_t n;

  for (;;) {
    pkt = hl->in_len > 0
              ? sl__hub_bundle_next(hl->in, hl->in_len, &hl->in_off, &n)
              : NULL;
    if (pkt != NULL) {
      l->pending = hl->in_off < hl->in_len;
      n = n < cap ? n : cap;
      memcpy(buf, pkt, n);
      return (ssize_t)n;
    }
    l->pending = 0;
    hl->in_len = 0;
    ssize_t r = recv(l->fd, hl->in, sizeof hl->in, MSG_DONTWAIT);
    if (r == 0 && l->ops->tick != NULL)
      continue; /* UDP: an empty datagram, not the end */
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
      return -EPIPE; /* the hub is gone */
    if (r < 0)
      return 0;
    if (hl->in[0] == SL__HUB_BUNDLE) {
      hl->in_len = (size_t)r;
      hl->in_off = 1;
    } else if (hl->in[0] != '\0') {
      n = (size_t)r < cap ? (size_t)r : cap;
      memcpy(buf, hl->in, n);
      return (ssize_t)n;
    }
  }
}

static void
hub_leave(struct sl__link *l)
{
  static const char bye[] = "\0BYE";

  hub_flush(l);
  (void)send(l->fd, bye, sizeof bye - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void
hub_close(struct sl__link *l)
{
  hub_leave(l);
  close(l->fd);
  free(l);
}

static const struct sl__link_ops hub_ops = {.name = "hub",
                                            .send = hub_send,
                                            .recv = hub_recv,
                                            .close = hub_close,
                                            .flush = hub_flush};
static const struct sl__link_ops udp_ops = {.name = "udp hub",
                                            .send = hub_send,
                                            .recv = hub_recv,
                                            .close = hub_close,
                                            .flush = hub_flush,
                                            .tick = hub_tick,
                                            .leave = hub_leave};

int
sl__hub_link_open(const struct sl__link_config *cfg, struct sl__link **out,
                  char *msg, size_t msglen)
{
  char q[160], a[160], where[280], want[INET_ADDRSTRLEN] = "0";
  struct in_addr in;
  struct hub_link *hl;
  uint32_t addr = 0;
  int fd, r, bundles = 0, keepalive_ms = 0, udp = cfg->kind == SL__LINK_UDP;

  hub_where(cfg, where, sizeof where);
  fd = hub_socket(cfg);
  if (!udp && (fd == -ENOENT || fd == -ECONNREFUSED)) {
    r = sl__hub_spawn(cfg->arg);
    if (r < 0) {
      snprintf(msg, msglen, "starting a hub at %s: %s", where, strerror(-r));
      return r;
    }
    fd = hub_socket(cfg);
  }
  if (fd < 0) {
    snprintf(msg, msglen, "joining the hub at %s: %s", where,
             udp && fd == -EHOSTUNREACH ? "unknown host" : strerror(-fd));
    return fd;
  }
  if (cfg->addr) {
    in.s_addr = htonl(cfg->addr);
    inet_ntop(AF_INET, &in, want, sizeof want);
  }
  snprintf(q, sizeof q, "HELLO %s %ld %s bundle", want, (long)getpid(),
           cfg->hostname[0] ? cfg->hostname : "-");
  r = ask(fd, q, a, sizeof a, tries_for(cfg));
  if (r < 0 || sl__hub_parse_welcome(a, &addr, &bundles, &keepalive_ms) < 0) {
    snprintf(msg, msglen, "joining the hub at %s: %s", where,
             r < 0 ? strerror(-r) : a);
    close(fd);
    return r < 0 ? r : -EADDRINUSE;
  }
  hl = calloc(1, sizeof *hl);
  if (hl == NULL) {
    close(fd);
    return -ENOMEM;
  }
  hl->base.ops = udp ? &udp_ops : &hub_ops;
  hl->base.fd = fd;
  hl->base.addr = addr;
  hl->bundles = bundles;
  hl->out_cap = sl__hub_bundle_cap(fd, NULL);
  if (udp)
    hl->keepalive_ms = keepalive_ms > 0 ? keepalive_ms : 2000;
  hl->last_sent_ms = mono_ms();
  *out = &hl->base;
  return 0;
}
