/* Opening the link SOCKLAB_LINK names, and the in-process loopback link:
 * a host alone, whose packets to itself come back through a queue (so
 * that input never runs inside output). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "link/link.h"

struct loop_pkt {
  struct loop_pkt *next;
  size_t len;
  uint8_t data[];
};

struct loop_link {
  struct sl__link base;
  struct loop_pkt *head, *tail;
  size_t queued; /* packets; bounded like a device queue */
};

static void
loop_send(struct sl__link *l, const uint8_t *pkt, size_t len)
{
  struct loop_link *ll = (struct loop_link *)l;
  struct loop_pkt *p;
  uint64_t one = 1;

  if (len < 20 || ll->queued >= 4096)
    return; /* a full queue drops, like a device's */
  p = malloc(sizeof *p + len);
  if (p == NULL)
    return;
  p->next = NULL;
  p->len = len;
  memcpy(p->data, pkt, len);
  if (ll->tail)
    ll->tail->next = p;
  else
    ll->head = p;
  ll->tail = p;
  ll->queued++;
  if (write(l->fd, &one, sizeof one) < 0 && errno != EAGAIN)
    perror("socklab: loop link");
}

static ssize_t
loop_recv(struct sl__link *l, uint8_t *buf, size_t cap)
{
  struct loop_link *ll = (struct loop_link *)l;
  struct loop_pkt *p = ll->head;
  uint64_t drain;
  size_t n;

  if (p == NULL) {
    while (read(l->fd, &drain, sizeof drain) > 0)
      ;
    return 0;
  }
  ll->head = p->next;
  if (ll->head == NULL)
    ll->tail = NULL;
  ll->queued--;
  n = p->len < cap ? p->len : cap;
  memcpy(buf, p->data, n);
  free(p);
  return (ssize_t)n;
}

static void
loop_close(struct sl__link *l)
{
  struct loop_link *ll = (struct loop_link *)l;

  while (ll->head != NULL) {
    struct loop_pkt *p = ll->head;
    ll->head = p->next;
    free(p);
  }
  close(l->fd);
  free(ll);
}

static const struct sl__link_ops loop_ops = {
    .name = "loop", .send = loop_send, .recv = loop_recv, .close = loop_close};

int
sl__loop_link_open(uint32_t addr, struct sl__link **out, char *msg,
                   size_t msglen)
{
  struct loop_link *ll = calloc(1, sizeof *ll);

  if (ll == NULL)
    return -ENOMEM;
  ll->base.ops = &loop_ops;
  ll->base.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (ll->base.fd < 0) {
    int e = errno;
    snprintf(msg, msglen, "loopback: eventfd: %s", strerror(e));
    free(ll);
    return -e;
  }
  ll->base.addr = addr;
  *out = &ll->base;
  return 0;
}

int
sl__link_is_hub(const struct sl__link_config *cfg)
{
  return cfg->kind == SL__LINK_HUB || cfg->kind == SL__LINK_UDP;
}

int
sl__link_open(const struct sl__link_config *cfg, struct sl__link **out,
              char *msg, size_t msglen)
{
  switch (cfg->kind) {
  case SL__LINK_LOOP: /* a host alone: 10.77.0.1 unless SOCKLAB_ADDR says */
    return sl__loop_link_open(cfg->addr ? cfg->addr : 0x0a4d0001u, out, msg,
                              msglen);
  case SL__LINK_HUB:
  case SL__LINK_UDP:
    return sl__hub_link_open(cfg, out, msg, msglen);
  case SL__LINK_TUN:
    return sl__tun_link_open(cfg, out, msg, msglen);
  case SL__LINK_RAW:
    return sl__raw_link_open(cfg, out, msg, msglen);
  default:
    snprintf(msg, msglen, "SOCKLAB_LINK: unknown link");
    return -EINVAL;
  }
}
