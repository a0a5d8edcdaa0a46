/* Library internals shared between lib/api files: error recording and the
 * descriptor table that keeps socklab-stack sockets apart from kernel
 * descriptors.  Not installed; students never include it. */
#ifndef SOCKLAB_INTERNAL_H
#define SOCKLAB_INTERNAL_H

#include <stdarg.h>
#include <stdatomic.h>

#include "socklab/error.h"
#include "socklab/socket.h"

#define SL__ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- errors (error.c) ------------------------------------------------ */

/* Records "call fd N: strerror(err)" lazily (formatted only when read),
 * sets errno = err and returns -1.  Cheap enough for EAGAIN loops. */
int sl__err_fd(const char *call, int fd, int err);

/* Records "call ADDR: strerror(err)" for an address argument. */
int sl__err_addr(const char *call, const struct sockaddr *sa, int err);

/* Records "<formatted>: strerror(err)"; sets errno; returns -1. */
int sl__err_sys(int err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records a message with no strerror suffix, of the given kind. */
int sl__err_msg(enum sl_error_kind kind, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Forgets the thread's last error, and asks whether one was recorded
 * since with this errno: a deeper layer may record the better message
 * (sl_socket lets the runtime explain why it could not start). */
void sl__err_clear(void);
int sl__err_recorded(int err);

/* Records a getaddrinfo failure for host:port; sets errno as error.h says. */
int sl__err_gai(int gai, const char *host, const char *port);

/* ---- user-stack sockets behind real descriptor numbers (fdtab.c) ------ */

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

/* Every socket implementation embeds this first. */
struct sl__sock {
  const struct sl__sock_ops *ops;
  atomic_int nonblock; /* O_NONBLOCK, set through sl_fcntl */
  atomic_int refs;     /* table reference + calls in progress */
  int fd;              /* the reserved descriptor number */
  unsigned long ino;   /* inode of the reserved memfd, to spot misuse */
};

/* Gives sock a descriptor number of its own: a real descriptor (a memfd
 * named "socklab-socket") reserved so the kernel cannot hand the same
 * number to anything else while the socket lives.  Returns the fd or a
 * negative errno. */
int sl__fd_attach(struct sl__sock *sock);

/* The live socklab socket behind fd with a reference taken, or NULL for
 * any descriptor that is not one (kernel descriptors, closed numbers).
 * Drop the reference with sl__sock_put. */
struct sl__sock *sl__fd_get(int fd);
void sl__sock_put(struct sl__sock *sock);

/* Removes fd from the table and closes the reserved descriptor; the socket
 * is closed through ops->close when its last reference goes. */
int sl__fd_detach(int fd);

/* A kernel call just returned descriptor fd.  If the table still thinks fd
 * is a socklab socket, the program closed it with close(2) instead of
 * sl_close(); forget the stale entry (and say so on stderr) so the two can
 * never be confused. */
void sl__fd_forget_stale(int fd);

/* Socket implementations call this whenever readiness may have changed, so
 * threads blocked in sl_poll look again. */
void sl__fd_notify(void);

/* sl_poll over any mix of descriptors (fdtab.c). */
int sl__poll_mixed(struct pollfd *fds, nfds_t nfds, int timeout_ms);

/* ---- the socklab stack's entry point ----------------------------------- */

/* Creates a socklab-stack socket (socket(2)'s arguments, SOCK_NONBLOCK
 * honoured) and stores it in *out; returns 0 or a negative errno.  A build
 * without socklab's stack returns -ENOSYS. */
int sl__user_socket(int domain, int type, int protocol, struct sl__sock **out);

/* A name the hub knows (a process's SOCKLAB_HOSTNAME), as a dotted
 * quad in buf.  0, or -ENOENT when the hub does not know it (or there is
 * no hub).  Names that look like addresses are not looked up. */
int sl__user_resolve(const char *name, char *buf, size_t len);

/* Number of live socklab sockets in the table (fdtab.c). */
int sl__fd_live(void);
#endif
