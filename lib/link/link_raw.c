/* The raw link: socklab's stack on a packet socket bound to one Ethernet
 * interface (typically one end of a veth pair whose other end, in another
 * network namespace, belongs to the kernel's TCP/IP).  socklab answers ARP
 * for its own address and resolves its peers' addresses itself.
 *
 * Keeping the kernel out of the way: give the interface no IPv4 address.
 * The kernel then delivers nothing locally (the packets are not for any of
 * its addresses), answers no ARP for socklab's address, and sends no
 * resets; only this packet socket sees the traffic.  Needs CAP_NET_RAW. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "link/link.h"
#include "core/wire.h"

#define ARP_CACHE   64
#define ARP_PENDING 64 /* packets waiting for an answer, all peers */

struct arp_entry {
  uint32_t ip;
  uint8_t mac[6];
  int valid;         /* mac is known */
  uint64_t asked_ms; /* when we last asked */
};

struct pending {
  uint32_t ip;
  size_t len;
  uint8_t *pkt;
};

struct raw_link {
  struct sl__link base;
  int ifindex;
  uint8_t mac[6];
  struct arp_entry cache[ARP_CACHE];
  struct pending queue[ARP_PENDING];
};

static uint64_t
now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
frame_out(struct raw_link *rl, uint16_t proto, const uint8_t *mac,
          const void *data, size_t len)
{
  struct sockaddr_ll to = {.sll_family = AF_PACKET,
                           .sll_protocol = htons(proto),
                           .sll_ifindex = rl->ifindex,
                           .sll_halen = 6};

  memcpy(to.sll_addr, mac, 6);
  (void)sendto(rl->base.fd, data, len, MSG_DONTWAIT, (struct sockaddr *)&to,
               sizeof to);
}

/* RFC 826: an Ethernet/IPv4 ARP message. */
static void
arp_out(struct raw_link *rl, uint16_t op, const uint8_t *tha, uint32_t tpa,
        const uint8_t *dst)
{
  uint8_t m[28];

  sl__put16(m, 1); /* hardware: Ethernet */
  sl__put16(m + 2, ETHERTYPE_IP);
  m[4] = 6;
  m[5] = 4;
  sl__put16(m + 6, op); /* 1 request, 2 reply */
  memcpy(m + 8, rl->mac, 6);
  sl__put32(m + 14, rl->base.addr);
  memcpy(m + 18, tha, 6);
  sl__put32(m + 24, tpa);
  frame_out(rl, ETHERTYPE_ARP, dst, m, sizeof m);
}

static struct arp_entry *
arp_find(struct raw_link *rl, uint32_t ip, int create)
{
  struct arp_entry *e = &rl->cache[ip % ARP_CACHE];

  if (e->ip == ip || create) {
    if (e->ip != ip)
      *e = (struct arp_entry){.ip = ip};
    return e;
  }
  return NULL;
}

static void
flush_pending(struct raw_link *rl, const struct arp_entry *e)
{
  for (int i = 0; i < ARP_PENDING; i++) {
    struct pending *p = &rl->queue[i];
    if (p->pkt != NULL && p->ip == e->ip) {
      frame_out(rl, ETHERTYPE_IP, e->mac, p->pkt, p->len);
      free(p->pkt);
      p->pkt = NULL;
    }
  }
}

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* A broadcast or multicast destination has an Ethernet address of its
 * own, never one to ask ARP for: the broadcast address for
 * 255.255.255.255 (RFC 1122 3.3.6), 01:00:5e and the group's low 23 bits
 * for a multicast group (RFC 1112 6.4).  Returns 0 for any other. */
static int
group_mac(uint32_t dst, uint8_t mac[6])
{
  if (dst == 0xffffffffu) {
    memcpy(mac, bcast, 6);
    return 1;
  }
  if ((dst >> 28) != 0xe)
    return 0;
  mac[0] = 0x01;
  mac[1] = 0x00;
  mac[2] = 0x5e;
  mac[3] = (uint8_t)(dst >> 16 & 0x7f);
  mac[4] = (uint8_t)(dst >> 8);
  mac[5] = (uint8_t)dst;
  return 1;
}

static void
raw_send(struct sl__link *l, const uint8_t *pkt, size_t len)
{
  struct raw_link *rl = (struct raw_link *)l;
  static const uint8_t zero[6] = {0};
  uint32_t dst = sl__get32(pkt + 16);
  struct arp_entry *e;
  uint8_t mac[6];
  uint64_t now = now_ms();

  if (group_mac(dst, mac)) {
    frame_out(rl, ETHERTYPE_IP, mac, pkt, len);
    return;
  }
  e = arp_find(rl, dst, 1);
  if (e->valid) {
    frame_out(rl, ETHERTYPE_IP, e->mac, pkt, len);
    return;
  }
  /* Unknown peer: keep the packet (a bounded queue; TCP resends what is
   * lost) and ask, at most every 100 ms. */
  for (int i = 0; i < ARP_PENDING; i++) {
    struct pending *p = &rl->queue[i];
    if (p->pkt == NULL && (p->pkt = malloc(len)) != NULL) {
      memcpy(p->pkt, pkt, len);
      p->len = len;
      p->ip = dst;
      break;
    }
  }
  if (e->asked_ms == 0 || now - e->asked_ms >= 100) {
    e->asked_ms = now;
    arp_out(rl, 1, zero, dst, bcast);
  }
}

static void
arp_in(struct raw_link *rl, const uint8_t *m, size_t len)
{
  uint32_t spa, tpa;
  struct arp_entry *e;

  if (len < 28 || sl__get16(m) != 1 || sl__get16(m + 2) != ETHERTYPE_IP ||
      m[4] != 6 || m[5] != 4)
    return;
  spa = sl__get32(m + 14);
  tpa = sl__get32(m + 24);
  /* Learn the sender (RFC 826's merge), then answer if it asks for us. */
  if ((e = arp_find(rl, spa, tpa == rl->base.addr)) != NULL) {
    memcpy(e->mac, m + 8, 6);
    e->valid = 1;
    flush_pending(rl, e);
  }
  if (sl__get16(m + 6) == 1 && tpa == rl->base.addr)
    arp_out(rl, 2, m + 8, spa, m + 8);
}

/* A frame from a local sender (veth) may carry a TCP or UDP checksum that
 * was left for the hardware to finish (TP_STATUS_CSUMNOTREADY): finish it
 * here, so the stack's checks see what a wire would carry. */
static void
finish_checksum(uint8_t *pkt, size_t len)
{
  size_t ihl = (size_t)(pkt[0] & 15) * 4, l4len, off;
  uint32_t sum;

  if (len < 20 || ihl < 20 || (size_t)sl__get16(pkt + 2) > len)
    return;
  l4len = (size_t)sl__get16(pkt + 2) - ihl;
  if (pkt[9] == SL__IP_PROTO_TCP && l4len >= 20)
    off = 16;
  else if (pkt[9] == SL__IP_PROTO_UDP && l4len >= 8)
    off = 6;
  else
    return;
  sl__put16(pkt + ihl + off, 0);
  sum = sl__csum_pseudo(sl__get32(pkt + 12), sl__get32(pkt + 16), pkt[9],
                        (uint16_t)l4len);
  sum = sl__csum_add(sum, pkt + ihl, l4len);
  sl__put16(pkt + ihl + off, sl__csum_fold(sum));
}

static ssize_t
raw_recv(struct sl__link *l, uint8_t *buf, size_t cap)
{
  struct raw_link *rl = (struct raw_link *)l;

  for (;;) {
    struct sockaddr_ll from;
    union {
      struct cmsghdr align;
      char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
    } ctl;
    struct iovec iov = {.iov_base = buf, .iov_len = cap};
    struct msghdr mh = {.msg_name = &from,
                        .msg_namelen = sizeof from,
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = ctl.buf,
                        .msg_controllen = sizeof ctl.buf};
    int partial = 0;
    ssize_t n = recvmsg(l->fd, &mh, MSG_DONTWAIT);

    if (n < 0)
      return errno == EAGAIN || errno == EINTR ? 0 : -errno;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
      if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
        struct tpacket_auxdata aux;
        memcpy(&aux, CMSG_DATA(c), sizeof aux);
        partial = (aux.tp_status & TP_STATUS_CSUMNOTREADY) != 0;
      }
    if (from.sll_pkttype == PACKET_OUTGOING)
      continue; /* our own frames, looped back to packet sockets */
    if (ntohs(from.sll_protocol) == ETHERTYPE_ARP)
      arp_in(rl, buf, (size_t)n);
    else if (ntohs(from.sll_protocol) == ETHERTYPE_IP && n >= 20 &&
             sl__get32(buf + 16) == l->addr) {
      if (partial)
        finish_checksum(buf, (size_t)n);
      return n;
    }
  }
}

static void
raw_close(struct sl__link *l)
{
  struct raw_link *rl = (struct raw_link *)l;

  for (int i = 0; i < ARP_PENDING; i++)
    free(rl->queue[i].pkt);
  close(l->fd);
  free(rl);
}

static const struct sl__link_ops raw_ops = {
    .name = "raw", .send = raw_send, .recv = raw_recv, .close = raw_close};

int
sl__raw_link_open(const struct sl__link_config *cfg, struct sl__link **out,
                  char *msg, size_t msglen)
{
  struct sockaddr_ll sll = {.sll_family = AF_PACKET,
                            .sll_protocol = htons(ETH_P_ALL)};
  struct ifreq ifr;
  struct raw_link *rl;
  int fd, r, one = 1;

  if (cfg->addr == 0) {
    snprintf(msg, msglen,
             "SOCKLAB_LINK=raw:%s needs SOCKLAB_ADDR, the "
             "address of socklab's stack on that network",
             cfg->arg);
    return -EINVAL;
  }
  fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
              htons(ETH_P_ALL));
  if (fd < 0) {
    r = -errno;
    snprintf(msg, msglen, "SOCKLAB_LINK=raw:%s: packet socket: %s%s", cfg->arg,
             strerror(-r), r == -EPERM ? " (raw links need CAP_NET_RAW)" : "");
    return r;
  }
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, cfg->arg, strnlen(cfg->arg, IFNAMSIZ - 1));
  sll.sll_ifindex = (int)if_nametoindex(cfg->arg);
  if (sll.sll_ifindex == 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0 ||
      bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
    r = -errno;
    snprintf(msg, msglen, "SOCKLAB_LINK=raw:%s: %s", cfg->arg, strerror(-r));
    close(fd);
    return r;
  }
  /* Tells which frames carry a checksum still to be finished. */
  (void)setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one);
  rl = calloc(1, sizeof *rl);
  if (rl == NULL) {
    close(fd);
    return -ENOMEM;
  }
  rl->base.ops = &raw_ops;
  rl->base.fd = fd;
  rl->base.addr = cfg->addr;
  rl->ifindex = sll.sll_ifindex;
  memcpy(rl->mac, ifr.ifr_hwaddr.sa_data, 6);
  *out = &rl->base;
  return 0;
}
