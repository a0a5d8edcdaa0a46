/* The hub's wire protocol (proto.h): bundles of packets, the WELCOME a
 * member is answered, and the hub's default socket.  Both ends use it:
 * the hub (hub.c) and its members' link (lib/link/link_hub.c). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/wire.h"
#include "hub/proto.h"

void
sl__hub_default_path(char *buf, size_t len)
{
  const char *dir = getenv("XDG_RUNTIME_DIR");

  if (dir != NULL && dir[0] == '/')
    snprintf(buf, len, "%s/socklab-hub.sock", dir);
  else
    snprintf(buf, len, "/tmp/socklab-hub-%u.sock", (unsigned)getuid());
}

int
sl__hub_bundle_add(uint8_t *b, size_t *len, size_t cap, const uint8_t *pkt,
                   size_t n)
{
  size_t at = *len ? *len : 1;

  if (n > 65535 || at + 2 + n > cap)
    return -1;
  b[0] = SL__HUB_BUNDLE;
  sl__put16(b + at, (uint16_t)n);
  memcpy(b + at + 2, pkt, n);
  *len = at + 2 + n;
  return 0;
}

size_t
sl__hub_bundle_cap(int fd, const struct sockaddr_in *to)
{
  int sndbuf = 0, type = 0;
  socklen_t len = sizeof sndbuf, tlen = sizeof type, plen = sizeof(*to);
  struct sockaddr_in peer = {0};
  size_t most = SL__HUB_BUNDLE_MAX;

  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == 0 &&
      type == SOCK_DGRAM) {
    if (to == NULL && getpeername(fd, (struct sockaddr *)&peer, &plen) == 0)
      to = &peer;
    most = to != NULL && ntohl(to->sin_addr.s_addr) >> 24 == 127
               ? SL__HUB_UDP_MAX
               : SL__HUB_UDP_LAN;
  }
  if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) < 0 ||
      (size_t)sndbuf >= most + 64)
    return most;
  return sndbuf > 64 ? (size_t)sndbuf - 64 : 0;
}

const uint8_t *
sl__hub_bundle_next(const uint8_t *b, size_t len, size_t *off, size_t *n)
{
  size_t at = *off;

  if (at + 2 > len || at + 2 + sl__get16(b + at) > len)
    return NULL;
  *n = sl__get16(b + at);
  *off = at + 2 + *n;
  return b + at + 2;
}

int
sl__hub_parse_welcome(const char *a, uint32_t *addr, int *bundles,
                      int *keepalive_ms)
{
  char buf[160], *save = NULL, *w;
  struct in_addr in;

  if (strncmp(a, "WELCOME ", 8) != 0)
    return -1;
  snprintf(buf, sizeof buf, "%s", a + 8);
  w = strtok_r(buf, " ", &save);
  if (w == NULL || inet_pton(AF_INET, w, &in) != 1)
    return -1;
  *addr = ntohl(in.s_addr);
  *bundles = 0;
  *keepalive_ms = 0;
  while ((w = strtok_r(NULL, " ", &save)) != NULL) {
    if (strcmp(w, "bundle") == 0)
      *bundles = 1;
    else if (strcmp(w, "keepalive") == 0 &&
             (w = strtok_r(NULL, " ", &save)) != NULL)
      *keepalive_ms = atoi(w) > 0 ? atoi(w) : 0;
  }
  return 0;
}
