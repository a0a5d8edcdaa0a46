/* The hub link: this process joins the hub's virtual switch (hub.h) and
 * sends and receives raw IPv4 datagrams over a unix datagram socket.  When
 * no hub answers at the path, one is started there first. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "hub.h"
#include "rt.h"

#define BATCH      64   /* packets sent with one sendmmsg */
#define BATCH_SLOT 2048 /* bytes a batched packet may have */

/* Packets go out in batches: one system call for a window's worth of
 * segments instead of one each (the runtime flushes before it lets go of
 * its lock, so nothing waits).  With a hub that takes bundles (hub.h) a
 * batch is one message; with an older hub, one sendmmsg. */
struct hub_link {
  struct sl__link base;
  int bundles; /* the hub said yes to bundles */
  size_t out_len, out_cap;
  uint8_t out[SL__HUB_BUNDLE_MAX];
  size_t in_len, in_off; /* the bundle being handed out */
  uint8_t in[SL__HUB_BUNDLE_MAX];
  unsigned queued;
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  uint8_t slots[BATCH][BATCH_SLOT];
};

/* A connection to the hub at path (SOCK_SEQPACKET: messages keep their
 * boundaries, and the hub sees at once when this process is gone). */
static int
hub_socket(const char *path)
{
  struct sockaddr_un sun = {.sun_family = AF_UNIX};
  int fd, big = 1 << 20;

  if (strlen(path) >= sizeof sun.sun_path)
    return -ENAMETOOLONG;
  strcpy(sun.sun_path, path);
  fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  if (connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

/* Sends a control message and waits up to a second for the answer. */
static int
ask(int fd, const char *q, char *answer, size_t len)
{
  char buf[256];
  size_t n = strlen(q);
  struct pollfd p = {.fd = fd, .events = POLLIN};

  buf[0] = '\0';
  memcpy(buf + 1, q, n);
  if (send(fd, buf, n + 1, MSG_NOSIGNAL) < 0)
    return -errno;
  for (;;) {
    ssize_t r;
    if (poll(&p, 1, 1000) <= 0)
      return -ETIMEDOUT;
    r = recv(fd, buf, sizeof buf - 1, 0);
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

/* One question to the hub on a socket of its own (the link's socket is
 * the runtime thread's).  0 with the answer, or a negative errno. */
int
sl__hub_ask(const char *path, const char *q, char *answer, size_t len)
{
  int fd = hub_socket(path), r;

  if (fd < 0)
    return fd;
  r = ask(fd, q, answer, len);
  close(fd);
  return r;
}

static int
ask_addr(const char *path, const char *q, uint32_t *addr)
{
  char a[96];
  struct in_addr in;
  int r = sl__hub_ask(path, q, a, sizeof a);

  if (r < 0)
    return r;
  if (strncmp(a, "ADDR ", 5) != 0 || inet_pton(AF_INET, a + 5, &in) != 1)
    return -ENOENT;
  *addr = ntohl(in.s_addr);
  return 0;
}

int
sl__hub_resolve(const char *path, const char *name, uint32_t *addr)
{
  char q[96];

  snprintf(q, sizeof q, "RESOLVE %s", name);
  return ask_addr(path, q, addr);
}

int
sl__hub_who(const char *path, int tcp, uint16_t port, uint32_t *addr)
{
  char q[64];

  snprintf(q, sizeof q, "WHO %s %u", tcp ? "tcp" : "udp", port);
  return ask_addr(path, q, addr);
}

static void
hub_flush(struct sl__link *l)
{
  struct hub_link *hl = (struct hub_link *)l;

  /* A full socket buffer drops what does not fit, as a full device queue
   * would; TCP retransmits. */
  if (hl->out_len > 0)
    (void)send(l->fd, hl->out, hl->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);
  hl->out_len = 0;
  if (hl->queued > 0)
    (void)sendmmsg(l->fd, hl->msgs, hl->queued, MSG_DONTWAIT | MSG_NOSIGNAL);
  hl->queued = 0;
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
hub_close(struct sl__link *l)
{
  hub_flush(l);
  static const char bye[] = "\0BYE";

  (void)send(l->fd, bye, sizeof bye - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
  close(l->fd);
  free(l);
}

static const struct sl__link_ops hub_ops = {.name = "hub",
                                            .send = hub_send,
                                            .recv = hub_recv,
                                            .close = hub_close,
                                            .flush = hub_flush};

int
sl__hub_link_open(const struct sl__rt_config *cfg, struct sl__link **out,
                  char *msg, size_t msglen)
{
  const char *path = cfg->link_arg;
  char q[160], a[160], want[INET_ADDRSTRLEN] = "0", *sp;
  struct in_addr in;
  struct hub_link *hl;
  int fd, r, bundles;

  fd = hub_socket(path);
  if (fd == -ENOENT || fd == -ECONNREFUSED) {
    r = sl__hub_spawn(path);
    if (r < 0) {
      snprintf(msg, msglen, "starting a hub at %s: %s", path, strerror(-r));
      return r;
    }
    fd = hub_socket(path);
  }
  if (fd < 0) {
    snprintf(msg, msglen, "joining the hub at %s: %s", path, strerror(-fd));
    return fd;
  }
  if (cfg->addr) {
    in.s_addr = htonl(cfg->addr);
    inet_ntop(AF_INET, &in, want, sizeof want);
  }
  snprintf(q, sizeof q, "HELLO %s %ld %s bundle", want, (long)getpid(),
           cfg->hostname[0] ? cfg->hostname : "-");
  r = ask(fd, q, a, sizeof a);
  bundles = r == 0 && (sp = strchr(a, ' ')) != NULL &&
            (sp = strchr(sp + 1, ' ')) != NULL && strcmp(sp, " bundle") == 0;
  if (bundles)
    *sp = '\0'; /* "WELCOME <addr> bundle" */
  if (r < 0 || strncmp(a, "WELCOME ", 8) != 0 ||
      inet_pton(AF_INET, a + 8, &in) != 1) {
    snprintf(msg, msglen, "joining the hub at %s: %s", path,
             r < 0 ? strerror(-r) : a);
    close(fd);
    return r < 0 ? r : -EADDRINUSE;
  }
  hl = calloc(1, sizeof *hl);
  if (hl == NULL) {
    close(fd);
    return -ENOMEM;
  }
  hl->base.ops = &hub_ops;
  hl->base.fd = fd;
  hl->base.addr = ntohl(in.s_addr);
  hl->bundles = bundles;
  hl->out_cap = sl__hub_bundle_cap(fd);
  *out = &hl->base;
  return 0;
}
