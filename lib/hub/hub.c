/* The hub (hub.h): members, addresses and names, forwarding through a
 * simulated link on the real clock, resets on behalf of departed members,
 * a pcap of everything forwarded, and the daemon that starts on demand. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/wire.h"
#include "hub/hub.h"
#include "obs/pcap.h"

#define MAX_MEMBERS 1024
#define MAX_FD      4096 /* connections above this are refused */

/* Where a message came from, and where the answer goes: a unix
 * connection, or the hub's UDP socket and the sender's address. */
struct peer {
  int fd; /* the connection, or the UDP socket; -1 once gone */
  int udp;
  struct sockaddr_in sin; /* UDP: the sender */
};

struct member {
  uint32_t addr;     /* 0: free slot */
  struct peer via;   /* how it reaches the hub */
  uint64_t heard_us; /* UDP: when it last said anything */
  pid_t pid;         /* on its own machine */
  char name[64];
  int alive;    /* 0: departed; its address answers with RSTs */
  int attached; /* its address is a node of the sim */
  int bundles;  /* it takes bundles (hub.h) */
  uint8_t *out; /* the bundle for it, sent before the hub sleeps */
  size_t out_len, out_cap;
  struct hub *hub;
};

/* Who listens on a port of "localhost": socklab processes on one machine
 * share 127.0.0.1 the way kernel sockets do, so a client that connects to
 * 127.0.0.1:8080 reaches the process listening there. */
struct port_claim {
  uint32_t addr; /* the member; 0: free */
  uint8_t proto; /* SL__IP_PROTO_TCP or _UDP */
  uint16_t port;
};

#define MAX_CLAIMS 4096
#define MAX_FLOWS  4096 /* TCP connections the hub remembers; a power of 2 */

/* A TCP connection seen on the wire, so that when one end's process dies
 * the hub can reset the other end at once, as the dead process's kernel
 * would have (a peer that is only waiting to receive would otherwise wait
 * forever). */
struct flow {
  uint32_t addr[2]; /* the two ends, host order */
  uint16_t port[2];
  uint32_t next[2]; /* the sequence number each end sends next */
  int fin[2];       /* each end has sent its FIN: it closed */
  int used;
};
#define MAX_CONNS (MAX_MEMBERS + 64) /* members and short questions */

struct hub {
  const struct sl__hub_opts *o;
  struct port_claim claims[MAX_CLAIMS];
  int fd;
  int ufd; /* the UDP socket (--udp), or -1 */
  struct sl__sim *sim;
  struct sl__pcap *pcap;
  uint64_t epoch_ns;
  uint64_t wall_epoch_us; /* pcap timestamps are wall-clock time */
  struct member members[MAX_MEMBERS];
  uint32_t next_host; /* next address to try, host part */
  int n_alive;
  uint64_t idle_since_us;
  uint64_t forwarded, resets;
  struct flow flows[MAX_FLOWS];
  int conns[MAX_CONNS];             /* accepted connections, members or not */
  struct member *fd_member[MAX_FD]; /* by connection descriptor */
  int n_conns;
  struct member *udp[MAX_MEMBERS]; /* the members over UDP */
  int n_udp;
  uint64_t strangers, malformed; /* datagrams dropped */
  uint64_t reported;             /* drops said so far */
};

static uint64_t
hub_now(const struct hub *h)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec -
          h->epoch_ns) /
         1000;
}

/* fmt takes a, the address, then b. */
static void
say(const struct hub *h, const char *fmt, const char *a, uint32_t addr,
    const char *b)
{
  char ip[INET_ADDRSTRLEN];
  struct in_addr in = {.s_addr = htonl(addr)};

  if (!h->o->verbose)
    return;
  inet_ntop(AF_INET, &in, ip, sizeof ip);
  printf(fmt, a, ip, b);
  printf("\n");
  fflush(stdout);
}

static struct member *
by_addr(struct hub *h, uint32_t addr)
{
  for (int i = 0; i < MAX_MEMBERS; i++)
    if (h->members[i].addr == addr)
      return &h->members[i];
  return NULL;
}

/* The member on connection fd: a table indexed by descriptor, because
 * this runs for every packet. */
static struct member *
by_fd(struct hub *h, int fd)
{
  struct member *m = fd >= 0 && fd < MAX_FD ? h->fd_member[fd] : NULL;

  return m != NULL && m->alive && m->via.fd == fd ? m : NULL;
}

/* The member that sent from `from`, or NULL for a stranger. */
static struct member *
by_peer(struct hub *h, const struct peer *from)
{
  if (!from->udp)
    return by_fd(h, from->fd);
  for (int i = 0; i < h->n_udp; i++)
    if (h->udp[i]->via.sin.sin_addr.s_addr == from->sin.sin_addr.s_addr &&
        h->udp[i]->via.sin.sin_port == from->sin.sin_port)
      return h->udp[i];
  return NULL;
}

static struct peer
unix_peer(int fd)
{
  return (struct peer){.fd = fd};
}

static ssize_t
peer_send(const struct peer *to, const void *msg, size_t len)
{
  if (to->udp)
    return sendto(to->fd, msg, len, MSG_DONTWAIT,
                  (const struct sockaddr *)&to->sin, sizeof to->sin);
  return send(to->fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void send_reset(struct hub *h, uint32_t from, uint16_t sport,
                       uint32_t to, uint16_t dport, uint32_t seq, uint32_t ack,
                       uint8_t flags);

/* Resets the connections the departed member had not closed, as its
 * kernel would when the process died.  One it had closed (its FIN went
 * out) is left alone: a kernel would keep it in FIN-WAIT-2 or TIME-WAIT,
 * and a reset would throw away what the peer has not read yet, or the
 * peer's own TIME-WAIT.  Later segments for it are answered with a reset
 * (reset_for_departed). */
static void
reset_flows_of(struct hub *h, uint32_t dead)
{
  for (int i = 0; i < MAX_FLOWS; i++) {
    struct flow *f = &h->flows[i];
    for (int side = 0; f->used && side < 2; side++)
      if (f->addr[side] == dead) {
        if (!f->fin[side])
          send_reset(h, dead, f->port[side], f->addr[!side], f->port[!side],
                     f->next[side], 0, SL__TCP_RST);
        f->used = 0;
      }
  }
}

static void
depart(struct hub *h, struct member *m, const char *why)
{
  if (!m->alive)
    return;
  m->alive = 0;
  if (m->via.udp) {
    for (int i = 0; i < h->n_udp; i++)
      if (h->udp[i] == m)
        h->udp[i] = h->udp[--h->n_udp];
  } else if (m->via.fd >= 0 && m->via.fd < MAX_FD) {
    h->fd_member[m->via.fd] = NULL;
  }
  m->via.fd = -1;
  h->n_alive--;
  if (h->n_alive == 0)
    h->idle_since_us = hub_now(h);
  free(m->out);
  m->out = NULL;
  m->out_len = 0;
  say(h, "hub: %s left: %s (%s)", m->name[0] ? m->name : "member", m->addr,
      why);
  reset_flows_of(h, m->addr);
}

static void
reply(const struct peer *to, const char *text)
{
  char buf[256];
  size_t n = strlen(text);

  buf[0] = '\0';
  memcpy(buf + 1, text, n);
  (void)peer_send(to, buf, n + 1);
}

/* ---- forwarding ---------------------------------------------------------- */

/* Puts a reset on the wire as if `from` had sent it. */
static void
send_reset(struct hub *h, uint32_t from, uint16_t sport, uint32_t to,
           uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags)
{
  struct sl__tcp_seg out = {
      .sport = sport, .dport = dport, .seq = seq, .ack = ack, .flags = flags};
  struct sl__ip4_hdr ip = {
      .ttl = 64, .proto = SL__IP_PROTO_TCP, .src = from, .dst = to};
  uint8_t buf[60];
  size_t n = sl__tcp_write(buf + 20, sizeof buf - 20, from, to, &out);

  ip.total_len = (uint16_t)(20 + n);
  sl__ip4_write(buf, 20, &ip);
  h->resets++;
  sl__sim_send(h->sim, from, buf, 20 + n);
}

/* A member's address is gone: answer a TCP segment for it with a reset,
 * as a host whose process died (and whose kernel closed its sockets)
 * would, so that the peer does not wait for a timeout. */
static void
reset_for_departed(struct hub *h, uint32_t dead, const uint8_t *pkt, size_t len)
{
  struct sl__ip4_hdr ip;
  struct sl__tcp_seg in;

  if (sl__ip4_parse(pkt, len, &ip) != 0 || ip.proto != SL__IP_PROTO_TCP ||
      sl__tcp_parse(pkt + ip.hdr_len, sl__ip4_payload_len(&ip), ip.src, ip.dst,
                    &in) != 0 ||
      (in.flags & SL__TCP_RST))
    return;
  /* RFC 9293 3.10.7.1: take SEQ from the ACK, or ACK what arrived. */
  if (in.flags & SL__TCP_ACK)
    send_reset(h, dead, in.dport, ip.src, in.sport, in.ack, 0, SL__TCP_RST);
  else
    send_reset(h, dead, in.dport, ip.src, in.sport, 0,
               in.seq + (uint32_t)in.len + !!(in.flags & SL__TCP_SYN) +
                   !!(in.flags & SL__TCP_FIN),
               SL__TCP_RST | SL__TCP_ACK);
}

/* Remembers where a TCP connection is, from a packet a member sent.  Read
 * straight from the bytes, without verifying checksums: this runs for
 * every packet, and a wrong guess only costs a challenge ACK later. */
static void
track_flow(struct hub *h, const uint8_t *pkt, size_t len)
{
  size_t ihl = (size_t)(pkt[0] & 15) * 4, tcplen, doff;
  uint32_t src, dst, seq, hash;
  uint16_t sport, dport;
  uint8_t flags;
  struct flow *f;
  int side;

  if (len < 40 || pkt[9] != SL__IP_PROTO_TCP || ihl < 20 || ihl + 20 > len)
    return;
  src = sl__get32(pkt + 12);
  dst = sl__get32(pkt + 16);
  sport = sl__get16(pkt + ihl);
  dport = sl__get16(pkt + ihl + 2);
  seq = sl__get32(pkt + ihl + 4);
  doff = (size_t)(pkt[ihl + 12] >> 4) * 4;
  flags = pkt[ihl + 13];
  tcplen = (size_t)sl__get16(pkt + 2) - ihl;
  if (doff < 20 || tcplen < doff || (size_t)sl__get16(pkt + 2) > len)
    return;
  /* The same slot for both directions: hash the unordered pair. */
  hash =
      (src ^ dst ^ (uint32_t)(sport ^ dport) * 2654435761u) & (MAX_FLOWS - 1);
  f = &h->flows[hash];
  side = f->used && f->addr[1] == src && f->port[1] == sport;
  if (!f->used || !((f->addr[side] == src && f->port[side] == sport &&
                     f->addr[!side] == dst && f->port[!side] == dport))) {
    if (flags & SL__TCP_RST)
      return;
    *f = (struct flow){
        .used = 1, .addr = {src, dst}, .port = {sport, dport}, .next = {0, 0}};
    side = 0;
  }
  if (flags & SL__TCP_RST) {
    f->used = 0;
    return;
  }
  f->next[side] = seq + (uint32_t)(tcplen - doff) + !!(flags & SL__TCP_SYN) +
                  !!(flags & SL__TCP_FIN);
  f->fin[side] |= !!(flags & SL__TCP_FIN);
}

/* Sends a member what the hub has for it.  EAGAIN: dropped, as a full
 * device queue would. */
static void
to_member(struct hub *h, struct member *m, const uint8_t *msg, size_t len)
{
  /* Over UDP an error (an ICMP message, a full queue) says nothing
   * certain: silence does. */
  if (peer_send(&m->via, msg, len) < 0 && errno != EAGAIN && !m->via.udp)
    depart(h, m, "its connection is gone");
}

static void
flush_member(struct hub *h, struct member *m)
{
  size_t len = m->out_len;

  m->out_len = 0;
  if (len > 0)
    to_member(h, m, m->out, len);
}

/* The sim delivers a packet to a member: into its bundle when it takes
 * them (sent before the hub next sleeps), else on its own. */
static void
node_input(void *node, const uint8_t *pkt, size_t len, uint64_t now)
{
  struct member *m = node;
  struct hub *h = m->hub;

  (void)now;
  if (!m->alive) {
    reset_for_departed(h, m->addr, pkt, len);
    return;
  }
  h->forwarded++;
  if (m->bundles && m->out == NULL)
    m->out = malloc(SL__HUB_BUNDLE_MAX);
  if (m->bundles && m->out != NULL) {
    if (sl__hub_bundle_add(m->out, &m->out_len, m->out_cap, pkt, len) == 0)
      return;
    flush_member(h, m);
    if (m->alive &&
        sl__hub_bundle_add(m->out, &m->out_len, m->out_cap, pkt, len) == 0)
      return;
  }
  if (m->alive)
    to_member(h, m, pkt, len);
}

static const struct sl__sim_node_ops node_ops = {.input = node_input};

static void
pcap_tap(void *arg, uint64_t now, uint32_t from, uint32_t to,
         const uint8_t *pkt, size_t len, int event)
{
  struct hub *h = arg;

  (void)from;
  (void)to;
  if (event == SL__SIM_SENT && pkt != NULL && h->pcap != NULL)
    sl__pcap_write(h->pcap, h->wall_epoch_us + now, pkt, len);
}

/* ---- members
 * ----------------------------------------------------------------- */

static uint32_t
free_address(struct hub *h)
{
  for (uint32_t i = 0; i < 0xfffe; i++) {
    uint32_t host = (h->next_host - 1 + i) % 0xfffe + 1;
    struct member *m = by_addr(h, SL__HUB_NET | host);
    if (m == NULL || !m->alive) {
      h->next_host = host + 1;
      return SL__HUB_NET | host;
    }
  }
  return 0;
}

static struct member *
free_slot(struct hub *h, uint32_t addr)
{
  struct member *m = by_addr(h, addr);

  if (m != NULL)
    return m->alive ? NULL : m; /* a departed address may be reused */
  for (int i = 0; i < MAX_MEMBERS; i++)
    if (h->members[i].addr == 0)
      return &h->members[i];
  /* Full of departed members: reuse the first departed slot. */
  for (int i = 0; i < MAX_MEMBERS; i++)
    if (!h->members[i].alive)
      return &h->members[i];
  return NULL;
}

/* The UDP members' keepalive: five of them in the timeout. */
static int
udp_timeout_ms(const struct hub *h)
{
  return h->o->udp_timeout_ms > 0 ? h->o->udp_timeout_ms : 10000;
}

/* Is the name another live member's?  A UDP member on the same machine
 * that has missed two keepalives is taken for dead (a program stopped
 * with Ctrl-C says no BYE) and gives the name up to its restart. */
static int
name_taken(struct hub *h, const char *name, const struct peer *from)
{
  uint64_t silent_us = (uint64_t)udp_timeout_ms(h) * 2000 / 5;

  for (int i = 0; i < MAX_MEMBERS; i++) {
    struct member *m = &h->members[i];
    if (!m->alive || strcmp(m->name, name) != 0)
      continue;
    if (!from->udp || !m->via.udp ||
        m->via.sin.sin_addr.s_addr != from->sin.sin_addr.s_addr ||
        hub_now(h) < m->heard_us + silent_us)
      return 1;
    depart(h, m, "restarted");
  }
  return 0;
}

static void
welcome(struct hub *h, const struct member *m, const struct peer *to)
{
  char text[128], ip[INET_ADDRSTRLEN], alive[32] = "";
  struct in_addr in = {.s_addr = htonl(m->addr)};

  inet_ntop(AF_INET, &in, ip, sizeof ip);
  if (to->udp)
    snprintf(alive, sizeof alive, " keepalive %d", udp_timeout_ms(h) / 5);
  snprintf(text, sizeof text, "WELCOME %s%s%s", ip, m->bundles ? " bundle" : "",
           alive);
  reply(to, text);
}

static void
hello(struct hub *h, const char *args, const struct peer *from)
{
  char want[32] = "0", name[64] = "-", flag[16] = "", text[128], via[64] = "";
  long pid = 0;
  struct in_addr in;
  struct member *m = by_peer(h, from);
  uint32_t addr;

  if (sscanf(args, "%31s %ld %63s %15s", want, &pid, name, flag) < 2) {
    reply(from, "ERROR malformed HELLO");
    return;
  }
  if (m != NULL && m->pid == (pid_t)pid) {
    welcome(h, m, from); /* asked again: the WELCOME was lost */
    return;
  }
  if (m != NULL)
    depart(h, m, "joined again");
  if (strcmp(name, "-") != 0 && name_taken(h, name, from)) {
    snprintf(text, sizeof text, "ERROR the name %s is taken", name);
    reply(from, text);
    return;
  }
  if (strcmp(want, "0") == 0) {
    addr = free_address(h);
  } else if (inet_pton(AF_INET, want, &in) == 1) {
    addr = ntohl(in.s_addr);
  } else {
    reply(from, "ERROR malformed address");
    return;
  }
  m = addr ? free_slot(h, addr) : NULL;
  if (m == NULL) {
    snprintf(text, sizeof text,
             "ERROR address %s is in use (or the hub "
             "is full)",
             want);
    reply(from, text);
    return;
  }
  if (m->addr != addr) {
    memset(m, 0, sizeof *m);
    m->addr = addr;
  }
  m->hub = h;
  m->via = *from;
  m->heard_us = hub_now(h);
  if (from->udp)
    h->udp[h->n_udp++] = m;
  else if (from->fd >= 0 && from->fd < MAX_FD)
    h->fd_member[from->fd] = m;
  m->pid = (pid_t)pid;
  snprintf(m->name, sizeof m->name, "%s", strcmp(name, "-") ? name : "");
  m->alive = 1;
  m->bundles = strcmp(flag, "bundle") == 0;
  m->out_len = 0;
  m->out_cap = sl__hub_bundle_cap(from->fd, from->udp ? &from->sin : NULL);
  h->n_alive++;
  if (!m->attached && sl__sim_attach(h->sim, addr, &node_ops, m) == 0)
    m->attached = 1;
  welcome(h, m, from);
  if (from->udp) {
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &from->sin.sin_addr, ip, sizeof ip);
    snprintf(via, sizeof via, " over udp from %s:%u", ip,
             ntohs(from->sin.sin_port));
  }
  say(h, "hub: %s joined as %s%s", m->name[0] ? m->name : "member", addr, via);
}

static void
resolve(struct hub *h, const char *name, const struct peer *from)
{
  char text[64], ip[INET_ADDRSTRLEN];

  for (int i = 0; i < MAX_MEMBERS; i++) {
    struct member *m = &h->members[i];
    if (m->alive && m->name[0] && strcmp(m->name, name) == 0) {
      struct in_addr in = {.s_addr = htonl(m->addr)};
      inet_ntop(AF_INET, &in, ip, sizeof ip);
      snprintf(text, sizeof text, "ADDR %s", ip);
      reply(from, text);
      return;
    }
  }
  reply(from, "NOADDR");
}

static struct port_claim *
find_claim(struct hub *h, int proto, unsigned port)
{
  for (int i = 0; i < MAX_CLAIMS; i++) {
    struct port_claim *c = &h->claims[i];
    if (c->addr && c->proto == proto && c->port == port) {
      struct member *m = by_addr(h, c->addr);
      if (m != NULL && m->alive)
        return c;
      c->addr = 0; /* its owner left */
    }
  }
  return NULL;
}

/* "CLAIM tcp|udp PORT ADDR" -> OK | ERROR, "RELEASE tcp|udp PORT ADDR"
 * -> OK, "WHO tcp|udp PORT" -> ADDR | NOADDR. */
static void
ports(struct hub *h, const char *verb, const char *args,
      const struct peer *from)
{
  char proto[8], ip[INET_ADDRSTRLEN] = "0", text[64];
  unsigned port;
  int p;
  struct in_addr in;
  struct port_claim *c;

  if (sscanf(args, "%7s %u %15s", proto, &port, ip) < 2 || port > 65535) {
    reply(from, "ERROR malformed");
    return;
  }
  p = strcmp(proto, "udp") == 0 ? SL__IP_PROTO_UDP : SL__IP_PROTO_TCP;
  c = find_claim(h, p, port);
  if (strcmp(verb, "WHO") == 0) {
    if (c == NULL) {
      reply(from, "NOADDR");
      return;
    }
    in.s_addr = htonl(c->addr);
    inet_ntop(AF_INET, &in, ip, sizeof ip);
    snprintf(text, sizeof text, "ADDR %s", ip);
    reply(from, text);
    return;
  }
  if (inet_pton(AF_INET, ip, &in) != 1) {
    reply(from, "ERROR malformed");
    return;
  }
  if (strcmp(verb, "RELEASE") == 0) {
    if (c != NULL && c->addr == ntohl(in.s_addr))
      c->addr = 0;
    reply(from, "OK");
    return;
  }
  if (c != NULL && c->addr != ntohl(in.s_addr)) {
    reply(from, "ERROR in use");
    return;
  }
  for (int i = 0; c == NULL && i < MAX_CLAIMS; i++)
    if (h->claims[i].addr == 0)
      c = &h->claims[i];
  if (c == NULL) {
    reply(from, "ERROR full");
    return;
  }
  *c = (struct port_claim){
      .addr = ntohl(in.s_addr), .proto = (uint8_t)p, .port = (uint16_t)port};
  reply(from, "OK");
}

/* A control message: 0, or -1 when it is none the hub knows (or one
 * only a member may send, from a stranger). */
static int
control(struct hub *h, char *msg, const struct peer *from)
{
  struct member *m;

  if (strncmp(msg, "CLAIM ", 6) == 0) {
    ports(h, "CLAIM", msg + 6, from);
  } else if (strncmp(msg, "RELEASE ", 8) == 0) {
    ports(h, "RELEASE", msg + 8, from);
  } else if (strncmp(msg, "WHO ", 4) == 0) {
    ports(h, "WHO", msg + 4, from);
  } else if (strncmp(msg, "HELLO ", 6) == 0) {
    hello(h, msg + 6, from);
  } else if (strncmp(msg, "RESOLVE ", 8) == 0) {
    resolve(h, msg + 8, from);
  } else if ((m = by_peer(h, from)) == NULL) {
    return -1;
  } else if (strcmp(msg, "BYE") == 0) {
    depart(h, m, "said goodbye");
  } else if (strcmp(msg, "KEEPALIVE") != 0) {
    return -1;
  }
  return 0;
}

/* Members whose process is gone leave, even if they never said so. */
static void
check_alive(struct hub *h)
{
  for (int i = 0; i < MAX_MEMBERS; i++) {
    struct member *m = &h->members[i];
    if (m->alive && !m->via.udp && m->pid > 0 && kill(m->pid, 0) < 0 &&
        errno == ESRCH)
      depart(h, m, "its process exited");
  }
}

/* UDP members leave when silent for the timeout: nothing else says so. */
static void
check_silent(struct hub *h)
{
  uint64_t limit = (uint64_t)udp_timeout_ms(h) * 1000, now = hub_now(h);

  for (int i = h->n_udp - 1; i >= 0; i--)
    if (now > h->udp[i]->heard_us + limit)
      depart(h, h->udp[i], "went silent");
}

static void
report_drops(struct hub *h)
{
  uint64_t n = h->strangers + h->malformed;

  if (n == h->reported || !h->o->verbose)
    return;
  h->reported = n;
  printf("hub: dropped %llu datagrams so far: %llu from strangers (not a "
         "member), %llu malformed\n",
         (unsigned long long)n, (unsigned long long)h->strangers,
         (unsigned long long)h->malformed);
  fflush(stdout);
}

/* ---- the loop ------------------------------------------------------------ */

/* Does nobody answer at sun?  Then it is a socket a killed hub left. */
static int
stale_socket(const struct sockaddr_un *sun)
{
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), stale;

  if (fd < 0)
    return 0;
  stale = connect(fd, (const struct sockaddr *)sun, sizeof *sun) < 0 &&
          errno == ECONNREFUSED;
  close(fd);
  return stale;
}

/* Binds the hub's socket, replacing one that a hub killed by a signal
 * left behind (a running hub's is never taken over). */
static int
bind_hub(int fd, const struct sockaddr_un *sun)
{
  if (bind(fd, (const struct sockaddr *)sun, sizeof *sun) == 0)
    return 0;
  if (errno != EADDRINUSE || !stale_socket(sun))
    return -1;
  unlink(sun->sun_path);
  return bind(fd, (const struct sockaddr *)sun, sizeof *sun);
}

static int
hub_open(struct hub *h, const char *path)
{
  struct sockaddr_un sun = {.sun_family = AF_UNIX};
  int big = 4 << 20;
  mode_t old;

  if (strlen(path) >= sizeof sun.sun_path) {
    fprintf(stderr, "socklab hub: socket path too long: %s\n", path);
    return -1;
  }
  strcpy(sun.sun_path, path);
  /* SOCK_SEQPACKET: a connection per member keeps datagram boundaries,
   * is not limited to a few queued messages the way a shared datagram
   * socket is (net.unix.max_dgram_qlen), and says at once when a member's
   * process is gone. */
  h->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (h->fd < 0) {
    perror("socklab hub: socket");
    return -1;
  }
  (void)big;
  old = umask(077); /* the hub is the user's own */
  if (bind_hub(h->fd, &sun) < 0) {
    int e = errno;
    umask(old);
    fprintf(stderr, "socklab hub: bind %s: %s\n", path, strerror(e));
    close(h->fd);
    return -1;
  }
  umask(old);
  if (listen(h->fd, 128) < 0) {
    perror("socklab hub: listen");
    close(h->fd);
    return -1;
  }
  return 0;
}

/* The UDP port (--udp), said on stdout even with --quiet: it lets anyone
 * who can reach it join. */
static int
udp_open(struct hub *h)
{
  struct sockaddr_in sin = {.sin_family = AF_INET,
                            .sin_port = htons(h->o->udp_port),
                            .sin_addr.s_addr = htonl(h->o->udp_addr)};
  socklen_t len = sizeof sin;
  char ip[INET_ADDRSTRLEN];
  int big = 4 << 20;

  h->ufd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (h->ufd < 0 || bind(h->ufd, (struct sockaddr *)&sin, sizeof sin) < 0 ||
      getsockname(h->ufd, (struct sockaddr *)&sin, &len) < 0) {
    int e = errno;
    inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof ip);
    fprintf(stderr, "socklab hub: --udp %s:%u: %s\n", ip, h->o->udp_port,
            strerror(e));
    if (h->ufd >= 0)
      close(h->ufd);
    return -1;
  }
  setsockopt(h->ufd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  setsockopt(h->ufd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof ip);
  printf("socklab hub: also on udp %s:%u (SOCKLAB_LINK=udp:HOST:%u); anyone "
         "who can reach it may join, without a password\n",
         ip, ntohs(sin.sin_port), ntohs(sin.sin_port));
  fflush(stdout);
  return 0;
}

static void
accept_conn(struct hub *h)
{
  int fd = accept4(h->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  int big = 1 << 20;

  if (fd < 0)
    return;
  if (h->n_conns == MAX_CONNS || fd >= MAX_FD) {
    struct peer to = unix_peer(fd);
    reply(&to, "ERROR the hub is full");
    close(fd);
    return;
  }
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  h->conns[h->n_conns++] = fd;
}

/* A member put pkt on the wire. */
static void
forward(struct hub *h, struct member *m, const uint8_t *pkt, size_t len)
{
  track_flow(h, pkt, len);
  sl__sim_send(h->sim, m->addr, pkt, len);
}

/* What a member sent that is not a control message: a bundle or a
 * packet, for the wire.  -1 when (some of) it is not an IPv4 packet or a
 * well-formed bundle of them; what is, still goes. */
static int
member_input(struct hub *h, struct member *m, const uint8_t *msg, size_t n)
{
  size_t off = 1, len;
  const uint8_t *pkt;
  int bad = 0;

  if (msg[0] != SL__HUB_BUNDLE) {
    if (n < 20 || (msg[0] >> 4) != 4)
      return -1;
    forward(h, m, msg, n);
    return 0;
  }
  while ((pkt = sl__hub_bundle_next(msg, n, &off, &len)) != NULL)
    if (len < 20 || (pkt[0] >> 4) != 4)
      bad = 1;
    else
      forward(h, m, pkt, len);
  return bad || off != n ? -1 : 0;
}

/* Reads what connection i has: control messages, or a member's packets
 * for the wire.  End of file: the process left (or crashed). */
static void
read_conn(struct hub *h, int i, uint8_t *buf, size_t cap)
{
  int fd = h->conns[i];
  struct peer from = unix_peer(fd);
  struct member *m;

  for (int k = 0; k < 256; k++) {
    ssize_t n = recv(fd, buf, cap - 1, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
      return;
    if (n <= 0) {
      if ((m = by_fd(h, fd)) != NULL)
        depart(h, m, "its connection closed");
      close(fd);
      h->conns[i] = h->conns[--h->n_conns];
      return;
    }
    if (buf[0] == '\0') {
      buf[n] = '\0';
      (void)control(h, (char *)buf + 1, &from);
    } else if ((m = by_fd(h, fd)) != NULL &&
               member_input(h, m, buf, (size_t)n) < 0) {
      h->malformed++;
    }
  }
}

/* Reads the UDP socket's datagrams: as read_conn, with the member known
 * by the sender's address and port, and every datagram proof that it is
 * still there. */
/* One datagram that came over UDP: buf has room for a NUL after n. */
static void
udp_datagram(struct hub *h, const struct peer *from, uint8_t *buf, size_t n)
{
  struct member *m = by_peer(h, from);

  if (m != NULL)
    m->heard_us = hub_now(h);
  if (n > 0 && buf[0] == '\0') {
    buf[n] = '\0';
    if (control(h, (char *)buf + 1, from) < 0)
      *(m != NULL ? &h->malformed : &h->strangers) += 1;
  } else if (m == NULL) {
    h->strangers++;
  } else if (n == 0 || member_input(h, m, buf, n) < 0) {
    h->malformed++;
  }
}

static void
read_udp(struct hub *h, uint8_t *buf, size_t cap)
{
  for (int k = 0; k < 256; k++) {
    struct peer from = {.fd = h->ufd, .udp = 1};
    socklen_t slen = sizeof from.sin;
    ssize_t n = recvfrom(h->ufd, buf, cap - 1, MSG_DONTWAIT,
                         (struct sockaddr *)&from.sin, &slen);
    if (n < 0)
      return; /* EAGAIN, or an error that says nothing about anyone */
    udp_datagram(h, &from, buf, (size_t)n);
  }
}

static uint64_t
wall_us(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* ---- stopping ------------------------------------------------------------ */

static volatile sig_atomic_t stop_requested;

static void
on_stop(int sig)
{
  (void)sig;
  stop_requested = 1;
}

/* SIGTERM and SIGINT (Ctrl-C) end the loop, not the process: the hub then
 * writes out its capture and removes its socket.  Killed at once, its
 * pcap lost what stdio still held (at first, all of it). */
static void
catch_stop_signals(void)
{
  struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: poll
                                                    returns EINTR */

  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
}

struct hub *
sl__hub_new(const struct sl__hub_opts *o)
{
  struct hub *h = calloc(1, sizeof *h);
  struct timespec ts;

  if (h == NULL)
    return NULL;
  h->o = o;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  h->epoch_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
  h->wall_epoch_us = wall_us();
  h->next_host = 1;
  h->fd = -1;
  h->ufd = -1;
  h->sim = sl__sim_new(o->seed);
  if (h->sim == NULL || sl__sim_set_faults(h->sim, &o->faults) < 0) {
    sl__hub_free(h);
    return NULL;
  }
  return h;
}

void
sl__hub_free(struct hub *h)
{
  if (h == NULL)
    return;
  for (int i = 0; i < h->n_conns; i++)
    close(h->conns[i]);
  for (int i = 0; i < MAX_MEMBERS; i++)
    free(h->members[i].out);
  if (h->fd >= 0)
    close(h->fd);
  if (h->ufd >= 0)
    close(h->ufd);
  if (h->pcap != NULL)
    sl__pcap_close(h->pcap);
  sl__sim_free(h->sim);
  free(h);
}

void
sl__hub_feed_udp(struct hub *h, uint32_t addr, uint16_t port, uint8_t *buf,
                 size_t n, uint64_t advance_us)
{
  struct peer from = {.fd = h->ufd, .udp = 1};

  from.sin.sin_family = AF_INET;
  from.sin.sin_addr.s_addr = htonl(addr);
  from.sin.sin_port = htons(port);
  udp_datagram(h, &from, buf, n);
  if (advance_us * 1000 < h->epoch_ns)
    h->epoch_ns -= advance_us * 1000; /* time passes: timers, silences */
  sl__sim_run_until(h->sim, hub_now(h));
  for (int i = 0; i < h->n_udp; i++)
    flush_member(h, h->udp[i]);
  check_silent(h);
}

int
sl__hub_run(const struct sl__hub_opts *o)
{
  static uint8_t buf[SL__HUB_BUNDLE_MAX + 1];
  struct hub *h = sl__hub_new(o);
  uint64_t last_check = 0;
  int status = 0;

  if (h == NULL)
    return 1;
  /* Whoever reads what the hub says may go away (`socklab hub | head`,
   * a benchmark that read the port line): the hub must not die of it. */
  signal(SIGPIPE, SIG_IGN);
  stop_requested = 0;
  catch_stop_signals();
  if (hub_open(h, o->path) < 0) {
    sl__hub_free(h);
    return 1;
  }
  if (o->udp && udp_open(h) < 0) {
    unlink(o->path);
    sl__hub_free(h);
    return 1;
  }
  if (o->pcap[0] != '\0') {
    h->pcap = sl__pcap_open(o->pcap);
    if (h->pcap == NULL)
      fprintf(stderr, "socklab hub: --pcap %s: %s\n", o->pcap, strerror(errno));
    else
      sl__sim_set_tap(h->sim, pcap_tap, h);
  }
  for (;;) {
    struct pollfd p[2 + MAX_CONNS];
    uint64_t now = hub_now(h), next = sl__sim_next_event(h->sim);
    int timeout = 1000, n = 2;

    if (next != SL__TIME_NEVER)
      timeout = next <= now ? 0 : (int)((next - now + 999) / 1000);
    if (timeout > 1000)
      timeout = 1000;
    p[0] = (struct pollfd){.fd = h->fd, .events = POLLIN};
    p[1] = (struct pollfd){.fd = h->ufd, .events = POLLIN}; /* -1: none */
    for (int i = 0; i < h->n_conns; i++)
      p[n++] = (struct pollfd){.fd = h->conns[i], .events = POLLIN};
    if ((poll(p, (nfds_t)n, timeout) < 0 && errno != EINTR) || stop_requested)
      break;
    now = hub_now(h);
    sl__sim_run_until(h->sim, now);
    if (p[0].revents & POLLIN)
      accept_conn(h);
    if (p[1].revents & POLLIN)
      read_udp(h, buf, sizeof buf);
    /* Newest first, so closing one does not disturb the indices left. */
    for (int i = n - 1; i >= 2; i--)
      if (p[i].revents & (POLLIN | POLLHUP | POLLERR))
        read_conn(h, i - 2, buf, sizeof buf);
    sl__sim_run_until(h->sim, hub_now(h));
    for (int i = 0; i < h->n_conns; i++) {
      struct member *m = by_fd(h, h->conns[i]);
      if (m != NULL)
        flush_member(h, m);
    }
    for (int i = 0; i < h->n_udp; i++)
      flush_member(h, h->udp[i]);
    check_silent(h);
    if (now - last_check >= 1000000) {
      check_alive(h);
      report_drops(h);
      last_check = now;
    }
    if (o->idle_exit_s > 0 && h->n_alive == 0 &&
        now - h->idle_since_us >= (uint64_t)o->idle_exit_s * 1000000)
      break;
  }
  unlink(o->path);
  if (h->pcap && sl__pcap_close(h->pcap) < 0)
    status = 1;
  h->pcap = NULL;
  sl__hub_free(h);
  return status;
}

/* ---- starting one on demand -------------------------------------------- */

static int
hub_answers(const char *path)
{
  struct sockaddr_un sun = {.sun_family = AF_UNIX};
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  int ok;

  snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
  ok = fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0;
  if (fd >= 0)
    close(fd);
  return ok;
}

int
sl__hub_spawn(const char *path)
{
  char lock[128];
  int lfd, r = 0;
  pid_t pid;

  snprintf(lock, sizeof lock, "%s.lock", path);
  lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lfd < 0)
    return -errno;
  flock(lfd, LOCK_EX); /* one starter at a time */
  if (hub_answers(path))
    goto out;
  unlink(path); /* a hub that died left its socket behind */
  pid = fork();
  if (pid < 0) {
    r = -errno;
    goto out;
  }
  if (pid == 0) {
    /* The daemon: its own session, stdio on /dev/null (so whoever
     * started us -- a terminal, a CI pipe -- is not held open), every
     * inherited descriptor closed. */
    struct sl__hub_opts o = {.idle_exit_s = 10};
    const char *idle = getenv("SOCKLAB_HUB_IDLE_S");
    int devnull;

    if (idle != NULL && atoi(idle) > 0)
      o.idle_exit_s = atoi(idle);

    setsid();
    if (fork() != 0)
      _exit(0);
    prctl(PR_SET_NAME, "socklab-hub"); /* what ps and top show */
    devnull = open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3; fd++)
      dup2(devnull, fd);
    for (int fd = 3; fd < 1024; fd++)
      close(fd);
    snprintf(o.path, sizeof o.path, "%s", path);
    _exit(sl__hub_run(&o));
  }
  waitpid(pid, NULL, 0);
  for (int i = 0; i < 200 && !hub_answers(path); i++)
    usleep(10000);
  if (!hub_answers(path))
    r = -ECONNREFUSED;
out:
  flock(lfd, LOCK_UN);
  close(lfd);
  return r;
}
