/* Sockets on socklab's stack, as lib/api hands them out (usock.c): what
 * a socket implementation provides, the call that makes one, and how the
 * runtime tells the layer above that readiness may have changed.  The
 * runtime defines this interface and lib/api uses it, so no call goes
 * from the runtime up into lib/api by name. */
#ifndef SOCKLAB_RUNTIME_SOCK_H
#define SOCKLAB_RUNTIME_SOCK_H

#include <poll.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

struct sl__sock;

/* What a socket implementation provides.  Each call has the BSD mirror's
 * contract but returns 0 / a count or a negative errno, never -1/errno:
 * the dispatch layer turns the result into libc's convention and records
 * the message. */
struct sl__sock_ops {
  const char *name; /* "user" */
  int (*bind)(struct sl__sock *, const struct sockaddr *, socklen_t);
  int (*listen)(struct sl__sock *, int backlog);
  /* On success stores a new socket in *out; the dispatcher gives it an fd. */
  int (*accept)(struct sl__sock *, struct sl__sock **out, struct sockaddr *,
                socklen_t *);
  int (*connect)(struct sl__sock *, const struct sockaddr *, socklen_t);
  ssize_t (*sendto)(struct sl__sock *, const void *, size_t, int flags,
                    const struct sockaddr *, socklen_t);
  ssize_t (*recvfrom)(struct sl__sock *, void *, size_t, int flags,
                      struct sockaddr *, socklen_t *);
  int (*shutdown)(struct sl__sock *, int how);
  int (*setsockopt)(struct sl__sock *, int level, int name, const void *,
                    socklen_t);
  int (*getsockopt)(struct sl__sock *, int level, int name, void *,
                    socklen_t *);
  int (*getsockname)(struct sl__sock *, struct sockaddr *, socklen_t *);
  int (*getpeername)(struct sl__sock *, struct sockaddr *, socklen_t *);
  /* Readiness now: the subset of POLLIN/POLLOUT/POLLERR/POLLHUP/POLLRDHUP
   * that holds.  Must not block. */
  short (*poll)(struct sl__sock *, short events);
  /* The TCP state (enum sl_tcp_state), or -ENOPROTOOPT for UDP. */
  int (*tcp_state)(struct sl__sock *);
  /* Releases the socket; the descriptor is already out of the table. */
  int (*close)(struct sl__sock *);
};

/* Every socket implementation embeds this first.  nonblock is the
 * socket's; refs, fd and ino belong to the descriptor table that holds
 * it (lib/api/fdtab.c). */
struct sl__sock {
  const struct sl__sock_ops *ops;
  atomic_int nonblock; /* O_NONBLOCK, set through sl_fcntl */
  atomic_int refs;     /* table reference + calls in progress */
  int fd;              /* the reserved descriptor number */
  unsigned long ino;   /* inode of the reserved memfd, to spot misuse */
};

/* Why socklab's stack could not start: the whole message for the
 * caller's sl_last_error ("socket: SOCKLAB_MTU=abc: expected ..."). */
struct sl__user_failure {
  int usage;     /* 1: the configuration is wrong; 0: the system refused */
  char msg[320]; /* "" when there is nothing to add to the errno */
};

/* Creates a socklab-stack socket (socket(2)'s arguments, SOCK_NONBLOCK
 * honoured), starting the process's runtime on first use, and stores it
 * in *out; returns 0 or a negative errno, with *why explaining a runtime
 * that could not start. */
int sl__user_socket(int domain, int type, int protocol, struct sl__sock **out,
                    struct sl__user_failure *why);

/* A name the hub knows (a process's SOCKLAB_HOSTNAME), as a dotted
 * quad in buf.  0, or -ENOENT when the hub does not know it (or there is
 * no hub).  Names that look like addresses are not looked up. */
int sl__user_resolve(const char *name, char *buf, size_t len);

/* The layer above learns here that some socket's readiness may have
 * changed (threads in sl_poll look again): fn is called with the
 * runtime's lock held, and must not call back into the runtime. */
void sl__user_set_notify(void (*fn)(void));

#endif
