/* The TUN link: socklab's stack behind a TUN device, the kernel's TCP/IP
 * on the other side (a real peer).  Opening the device needs
 * CAP_NET_ADMIN; with SOCKLAB_USER set, root is dropped right after, as
 * tcpdump -Z does. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "link/link.h"

static void
tun_send(struct sl__link *l, const uint8_t *pkt, size_t len)
{
  /* A full device queue drops the packet, as on any interface. */
  (void)!write(l->fd, pkt, len);
}

static ssize_t
tun_recv(struct sl__link *l, uint8_t *buf, size_t cap)
{
  for (;;) {
    ssize_t n = read(l->fd, buf, cap);
    if (n < 0)
      return errno == EAGAIN || errno == EINTR ? 0 : -errno;
    if (n == 0)
      return -EPIPE;
    if ((buf[0] >> 4) == 4)
      return n; /* IPv6 (router solicitations...) is not for us */
  }
}

static void
tun_close(struct sl__link *l)
{
  close(l->fd);
  free(l);
}

static const struct sl__link_ops tun_ops = {
    .name = "tun", .send = tun_send, .recv = tun_recv, .close = tun_close};

/* SOCKLAB_USER: give up root once the device is open. */
static int
drop_root(char *msg, size_t msglen)
{
  const char *user = getenv("SOCKLAB_USER");
  struct passwd *pw;

  if (user == NULL || user[0] == '\0' || geteuid() != 0)
    return 0;
  pw = getpwnam(user);
  if (pw == NULL) {
    snprintf(msg, msglen, "SOCKLAB_USER=%s: no such user", user);
    return -EINVAL;
  }
  if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 ||
      setuid(pw->pw_uid) < 0) {
    int e = errno;
    snprintf(msg, msglen, "SOCKLAB_USER=%s: dropping root: %s", user,
             strerror(e));
    return -e;
  }
  return 0;
}

int
sl__tun_link_open(const struct sl__link_config *cfg, struct sl__link **out,
                  char *msg, size_t msglen)
{
  struct ifreq ifr;
  struct sl__link *l;
  int fd, r;

  if (cfg->addr == 0) {
    snprintf(msg, msglen,
             "SOCKLAB_LINK=tun:%s needs SOCKLAB_ADDR, the "
             "address of socklab's stack on that network",
             cfg->arg);
    return -EINVAL;
  }
  fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    r = -errno;
    snprintf(msg, msglen, "SOCKLAB_LINK=tun:%s: /dev/net/tun: %s", cfg->arg,
             strerror(-r));
    return r;
  }
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  /* config.c allows at most 15 characters: IFNAMSIZ with its NUL. */
  memcpy(ifr.ifr_name, cfg->arg, strnlen(cfg->arg, IFNAMSIZ - 1));
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    r = -errno;
    snprintf(msg, msglen, "SOCKLAB_LINK=tun:%s: %s%s", cfg->arg, strerror(-r),
             r == -EPERM ? " (a TUN device needs CAP_NET_ADMIN)" : "");
    close(fd);
    return r;
  }
  if ((r = drop_root(msg, msglen)) < 0) {
    close(fd);
    return r;
  }
  l = calloc(1, sizeof *l);
  if (l == NULL) {
    close(fd);
    return -ENOMEM;
  }
  l->ops = &tun_ops;
  l->fd = fd;
  l->addr = cfg->addr;
  *out = l;
  return 0;
}
