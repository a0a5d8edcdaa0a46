/* The runtime's configuration, read from SOCKLAB_* environment variables.
 * A bad value is refused with a message naming the variable and what it
 * accepts; nothing falls back silently. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub/proto.h"
#include "runtime/config.h"

static int
refuse(char *msg, size_t msglen, const char *var, const char *val,
       const char *accepts)
{
  snprintf(msg, msglen, "%s=%s: %s", var, val, accepts);
  return -EINVAL;
}

static int
parse_uint(const char *s, unsigned long long lo, unsigned long long hi,
           unsigned long long *out)
{
  char *end;
  unsigned long long v;

  if (s[0] < '0' || s[0] > '9')
    return -1;
  errno = 0;
  v = strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0' || v < lo || v > hi)
    return -1;
  *out = v;
  return 0;
}

/* "HOST:PORT" of udp:HOST:PORT, HOST a name or an IPv4 address (resolved
 * when the link opens), PORT 1 to 65535. */
static int
parse_udp_hub(const char *s, struct sl__link_config *link)
{
  const char *colon = strrchr(s, ':');
  size_t len = colon ? (size_t)(colon - s) : 0;
  unsigned long long port;

  if (len == 0 || len >= sizeof link->arg ||
      strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                "0123456789-.") != len ||
      parse_uint(colon + 1, 1, 65535, &port) < 0)
    return -1;
  link->kind = SL__LINK_UDP;
  memcpy(link->arg, s, len);
  link->arg[len] = '\0';
  link->port = (uint16_t)port;
  return 0;
}

static int
read_link(struct sl__link_config *link, char *msg, size_t msglen)
{
  const char *v = getenv("SOCKLAB_LINK");
  static const char accepts[] =
      "expected hub (the default), hub:PATH, udp:HOST:PORT (a hub's UDP "
      "port, HOST a name or IPv4 address), loop, tun:IFNAME or raw:IFNAME";

  if (v == NULL || v[0] == '\0' || strcmp(v, "hub") == 0) {
    link->kind = SL__LINK_HUB;
    sl__hub_default_path(link->arg, sizeof link->arg);
    return 0;
  }
  if (strcmp(v, "loop") == 0) {
    link->kind = SL__LINK_LOOP;
    return 0;
  }
  if (strncmp(v, "hub:", 4) == 0 && v[4] != '\0') {
    link->kind = SL__LINK_HUB;
    snprintf(link->arg, sizeof link->arg, "%s", v + 4);
    return 0;
  }
  if (strncmp(v, "udp:", 4) == 0 && parse_udp_hub(v + 4, link) == 0)
    return 0;
  if ((strncmp(v, "tun:", 4) == 0 || strncmp(v, "raw:", 4) == 0) &&
      v[4] != '\0' && strlen(v + 4) < 16) {
    link->kind = v[0] == 't' ? SL__LINK_TUN : SL__LINK_RAW;
    snprintf(link->arg, sizeof link->arg, "%s", v + 4);
    return 0;
  }
  return refuse(msg, msglen, "SOCKLAB_LINK", v, accepts);
}

int
sl__rt_config_read(struct sl__rt_config *cfg, char *msg, size_t msglen)
{
  const char *v;
  unsigned long long n;
  struct in_addr in;
  int r;

  memset(cfg, 0, sizeof *cfg);
  cfg->mtu = 1500;
  cfg->msl_us = 1000000; /* labs: TIME-WAIT of 2 s, not 60 */
  if ((r = read_link(&cfg->link, msg, msglen)) < 0)
    return r;
  if ((v = getenv("SOCKLAB_ADDR")) != NULL && v[0] != '\0') {
    if (inet_pton(AF_INET, v, &in) != 1 || in.s_addr == 0 ||
        (ntohl(in.s_addr) >> 24) == 127 || (ntohl(in.s_addr) >> 28) >= 14)
      return refuse(msg, msglen, "SOCKLAB_ADDR", v,
                    "expected a unicast IPv4 address such as 10.77.0.5 "
                    "(not 0.0.0.0, 127.x or multicast)");
    cfg->link.addr = ntohl(in.s_addr);
  }
  if ((v = getenv("SOCKLAB_HOSTNAME")) != NULL && v[0] != '\0') {
    size_t len = strlen(v);
    if (len >= sizeof cfg->link.hostname ||
        strspn(v, "abcdefghijklmnopqrstuvwxyz"
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "0123456789-.") != len)
      return refuse(msg, msglen, "SOCKLAB_HOSTNAME", v,
                    "expected a host name of letters, digits, '-' and "
                    "'.', at most 63 characters");
    memcpy(cfg->link.hostname, v, len + 1);
  }
  if ((v = getenv("SOCKLAB_MTU")) != NULL && v[0] != '\0') {
    if (parse_uint(v, 576, 65535, &n) < 0)
      return refuse(msg, msglen, "SOCKLAB_MTU", v,
                    "expected a number of bytes, 576 to 65535");
    cfg->mtu = (uint16_t)n;
  }
  if ((v = getenv("SOCKLAB_MSL_MS")) != NULL && v[0] != '\0') {
    if (parse_uint(v, 0, 600000, &n) < 0)
      return refuse(msg, msglen, "SOCKLAB_MSL_MS", v,
                    "expected milliseconds, 0 to 600000 (TIME-WAIT lasts "
                    "twice this)");
    cfg->msl_us = n * 1000;
  }
  if ((v = getenv("SOCKLAB_RTO_MIN_MS")) != NULL && v[0] != '\0') {
    if (parse_uint(v, 1, 60000, &n) < 0)
      return refuse(msg, msglen, "SOCKLAB_RTO_MIN_MS", v,
                    "expected milliseconds, 1 to 60000 (default 200)");
    cfg->rto_min_us = n * 1000;
  }
  if ((v = getenv("SOCKLAB_SEED")) != NULL && v[0] != '\0') {
    if (parse_uint(v, 0, UINT64_MAX, &n) < 0)
      return refuse(msg, msglen, "SOCKLAB_SEED", v,
                    "expected a non-negative integer");
    cfg->seed = n;
    cfg->have_seed = 1;
  }
  if ((v = getenv("SOCKLAB_PCAP")) != NULL && v[0] != '\0')
    snprintf(cfg->pcap, sizeof cfg->pcap, "%s", v);
  if ((v = getenv("SOCKLAB_TRACE")) != NULL && v[0] != '\0')
    snprintf(cfg->trace, sizeof cfg->trace, "%s", v);
  return 0;
}
