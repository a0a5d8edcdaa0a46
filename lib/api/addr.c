/* Socket addresses as text (sl_addr_format, socklab/net.h): what the
 * helpers print, and what error messages name ("connect 127.0.0.1:9:
 * ..."), so both error.c and helpers.c use it and neither the other. */
#include <arpa/inet.h>
#include <stdio.h>

#include "socklab/net.h"

char *
sl_addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
  char host[INET6_ADDRSTRLEN];

  if (sa == NULL) {
    snprintf(buf, len, "?");
  } else if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    snprintf(buf, len, "%s:%u", host, ntohs(in->sin_port));
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    snprintf(buf, len, "[%s]:%u", host, ntohs(in6->sin6_port));
  } else {
    snprintf(buf, len, "<family %d>", sa->sa_family);
  }
  return buf;
}
