/* The same socket-option calls, run through every front end socklab has
 * (the runtime's sl_ calls in check_user.c, the packetdrill adapter in
 * tests/packetdrill/driver.c) and through the kernel: one table of
 * expected answers, so the two front ends cannot drift apart again, and
 * the rows marked as_linux are Linux's own answers.  Header-only: each
 * caller supplies the three calls. */
#ifndef SOCKLAB_TESTS_SOCKOPT_CASES_H
#define SOCKLAB_TESTS_SOCKOPT_CASES_H

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define SOCKOPT_NO_GET (-12345) /* get_value: no getsockopt afterwards */

struct sockopt_case {
  const char *what;
  int type; /* SOCK_STREAM or SOCK_DGRAM */
  int level, name;
  int value;     /* the int setsockopt passes */
  socklen_t len; /* its length; 0: no setsockopt, only getsockopt */
  int set_errno; /* 0: setsockopt succeeds */
  int get_value; /* what getsockopt then reads (SOCKOPT_NO_GET: skip) */
  int get_errno; /* 0: getsockopt succeeds */
  int as_linux;  /* the kernel gives the same answers */
};

static const struct sockopt_case sockopt_cases[] = {
    {"SO_REUSEADDR on", SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, 1, 4, 0, 1, 0,
     1},
    {"SO_KEEPALIVE on (TCP)", SOCK_STREAM, SOL_SOCKET, SO_KEEPALIVE, 1, 4, 0, 1,
     0, 1},
    {"SO_KEEPALIVE on (UDP: kept, no effect)", SOCK_DGRAM, SOL_SOCKET,
     SO_KEEPALIVE, 1, 4, 0, 1, 0, 1},
    {"SO_BROADCAST on (UDP)", SOCK_DGRAM, SOL_SOCKET, SO_BROADCAST, 1, 4, 0, 1,
     0, 1},
    {"SO_TYPE read", SOCK_STREAM, SOL_SOCKET, SO_TYPE, 0, 0, 0, SOCK_STREAM, 0,
     1},
    {"SO_TYPE read (UDP)", SOCK_DGRAM, SOL_SOCKET, SO_TYPE, 0, 0, 0, SOCK_DGRAM,
     0, 1},
    {"SO_TYPE is read-only", SOCK_STREAM, SOL_SOCKET, SO_TYPE, 1, 4,
     ENOPROTOOPT, SOCKOPT_NO_GET, 0, 1},
    {"SO_PROTOCOL read", SOCK_STREAM, SOL_SOCKET, SO_PROTOCOL, 0, 0, 0,
     IPPROTO_TCP, 0, 1},
    {"SO_ERROR read, nothing pending", SOCK_STREAM, SOL_SOCKET, SO_ERROR, 0, 0,
     0, 0, 0, 1},
    {"SO_ERROR read (UDP)", SOCK_DGRAM, SOL_SOCKET, SO_ERROR, 0, 0, 0, 0, 0, 1},
    {"SO_ACCEPTCONN read, not listening", SOCK_STREAM, SOL_SOCKET,
     SO_ACCEPTCONN, 0, 0, 0, 0, 0, 1},
    {"an unknown SOL_SOCKET option", SOCK_STREAM, SOL_SOCKET, 9999, 1, 4,
     ENOPROTOOPT, SOCKOPT_NO_GET, 0, 1},
    {"a short value beats an unknown name", SOCK_STREAM, SOL_SOCKET, 9999, 1, 1,
     EINVAL, SOCKOPT_NO_GET, 0, 1},
    {"a short SO_REUSEADDR", SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, 1, 2,
     EINVAL, SOCKOPT_NO_GET, 0, 1},
    {"TCP_NODELAY on", SOCK_STREAM, IPPROTO_TCP, TCP_NODELAY, 1, 4, 0, 1, 0, 1},
    {"TCP_NODELAY on a UDP socket", SOCK_DGRAM, IPPROTO_TCP, TCP_NODELAY, 1, 4,
     ENOPROTOOPT, SOCKOPT_NO_GET, 0, 1},
    {"TCP_NODELAY read on a UDP socket", SOCK_DGRAM, IPPROTO_TCP, TCP_NODELAY,
     0, 0, 0, SOCKOPT_NO_GET, EOPNOTSUPP, 1},
    {"an unknown TCP option read", SOCK_STREAM, IPPROTO_TCP, 9999, 0, 0, 0,
     SOCKOPT_NO_GET, ENOPROTOOPT, 1},
    {"TCP_MAXSEG before connect()", SOCK_STREAM, IPPROTO_TCP, TCP_MAXSEG, 1000,
     4, 0, 1000, 0, 1},
    {"TCP_MAXSEG never set reads 536", SOCK_STREAM, IPPROTO_TCP, TCP_MAXSEG, 0,
     0, 0, 536, 0, 1},
    {"TCP_MAXSEG below 88", SOCK_STREAM, IPPROTO_TCP, TCP_MAXSEG, 50, 4, EINVAL,
     SOCKOPT_NO_GET, 0, 1},
    {"TCP_USER_TIMEOUT 5000 ms", SOCK_STREAM, IPPROTO_TCP, TCP_USER_TIMEOUT,
     5000, 4, 0, 5000, 0, 1},
    {"TCP_USER_TIMEOUT negative", SOCK_STREAM, IPPROTO_TCP, TCP_USER_TIMEOUT,
     -1, 4, EINVAL, SOCKOPT_NO_GET, 0, 1},
    {"TCP_KEEPIDLE 60 s", SOCK_STREAM, IPPROTO_TCP, TCP_KEEPIDLE, 60, 4, 0, 60,
     0, 1},
    {"TCP_KEEPIDLE 0", SOCK_STREAM, IPPROTO_TCP, TCP_KEEPIDLE, 0, 4, EINVAL,
     SOCKOPT_NO_GET, 0, 1},
    {"TCP_KEEPIDLE 40000", SOCK_STREAM, IPPROTO_TCP, TCP_KEEPIDLE, 40000, 4,
     EINVAL, SOCKOPT_NO_GET, 0, 1},
    {"TCP_KEEPINTVL 10 s", SOCK_STREAM, IPPROTO_TCP, TCP_KEEPINTVL, 10, 4, 0,
     10, 0, 1},
    {"TCP_KEEPCNT 5", SOCK_STREAM, IPPROTO_TCP, TCP_KEEPCNT, 5, 4, 0, 5, 0, 1},
    {"TCP_KEEPCNT 200", SOCK_STREAM, IPPROTO_TCP, TCP_KEEPCNT, 200, 4, EINVAL,
     SOCKOPT_NO_GET, 0, 1},
    /* Linux doubles buffer sizes for its bookkeeping; socklab reports the
     * bytes it uses (lib/README.md). */
    {"SO_SNDBUF 8192 (UDP)", SOCK_DGRAM, SOL_SOCKET, SO_SNDBUF, 8192, 4, 0,
     8192, 0, 0},
    {"SO_RCVBUF 8192 (TCP)", SOCK_STREAM, SOL_SOCKET, SO_RCVBUF, 8192, 4, 0,
     8192, 0, 0},
    {"SO_SNDBUF 8192 (TCP)", SOCK_STREAM, SOL_SOCKET, SO_SNDBUF, 8192, 4, 0,
     8192, 0, 0},
};

/* The calls of one front end: 0 / a descriptor, or -1 with errno. */
struct sockopt_calls {
  const char *name; /* "sl_ (socklab's stack)", "packetdrill adapter"... */
  void *ud;
  int (*socket)(void *ud, int type);
  int (*setsockopt)(void *ud, int fd, int level, int name, const void *val,
                    socklen_t len);
  int (*getsockopt)(void *ud, int fd, int level, int name, void *val,
                    socklen_t *len);
  int (*close)(void *ud, int fd);
  int linux_only; /* the kernel: only the as_linux rows */
};

/* Runs every case on a fresh socket each; prints a line per mismatch to
 * out and returns how many there were. */
static int
sockopt_run_cases(const struct sockopt_calls *c, FILE *out)
{
  int bad = 0;

  for (size_t i = 0; i < sizeof sockopt_cases / sizeof sockopt_cases[0]; i++) {
    const struct sockopt_case *k = &sockopt_cases[i];
    int fd, r, e, v = -1;
    socklen_t len = sizeof v;

    if (c->linux_only && !k->as_linux)
      continue;
    fd = c->socket(c->ud, k->type);
    if (fd < 0) {
      fprintf(out, "%s: %s: socket: %s\n", c->name, k->what, strerror(errno));
      bad++;
      continue;
    }
    if (k->len > 0) {
      errno = 0;
      r = c->setsockopt(c->ud, fd, k->level, k->name, &k->value, k->len);
      e = r < 0 ? errno : 0;
      if (e != k->set_errno) {
        fprintf(out, "%s: %s: setsockopt gave %s, expected %s\n", c->name,
                k->what, e ? strerror(e) : "success",
                k->set_errno ? strerror(k->set_errno) : "success");
        bad++;
      }
    }
    if (k->get_value != SOCKOPT_NO_GET || k->get_errno != 0) {
      errno = 0;
      r = c->getsockopt(c->ud, fd, k->level, k->name, &v, &len);
      e = r < 0 ? errno : 0;
      if (e != k->get_errno || (e == 0 && v != k->get_value)) {
        fprintf(out, "%s: %s: getsockopt gave %s %d, expected %s %d\n", c->name,
                k->what, e ? strerror(e) : "success", v,
                k->get_errno ? strerror(k->get_errno) : "success",
                k->get_value);
        bad++;
      }
    }
    c->close(c->ud, fd);
  }
  return bad;
}

#endif
