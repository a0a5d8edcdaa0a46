/* The BSD socket mirror.  Each sl_<name> has exactly the signature and the
 * errno semantics of the libc call <name>: -1 and errno on failure.  A lab
 * program moves to plain sockets by deleting the "sl_" prefix.
 *
 * What socklab adds:
 *  - Dispatch.  SOCKLAB_STACK=kernel (the default) uses the operating
 *    system's TCP/IP; SOCKLAB_STACK=user uses socklab's own stack inside
 *    the process.  The choice is made by sl_socket(); every later call on
 *    the descriptor goes to the stack that made it.
 *  - No SIGPIPE.  Sending on a connection the peer has closed returns -1
 *    with errno EPIPE instead of killing the program.
 *  - A message.  On failure, sl_last_error() says which call failed, on
 *    what, and why ("connect 127.0.0.1:9: Connection refused").
 */
#ifndef SOCKLAB_SOCKET_H
#define SOCKLAB_SOCKET_H

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>

/* The two stacks a descriptor can belong to. */
enum sl_stack {
  SL_STACK_NONE = -1, /* not a descriptor socklab knows to be open */
  SL_STACK_KERNEL = 0,
  SL_STACK_USER = 1
};

int sl_socket(int domain, int type, int protocol);
int sl_bind(int fd, const struct sockaddr *addr, socklen_t len);
int sl_listen(int fd, int backlog);
int sl_accept(int fd, struct sockaddr *addr, socklen_t *len);
int sl_connect(int fd, const struct sockaddr *addr, socklen_t len);
ssize_t sl_send(int fd, const void *buf, size_t n, int flags);
ssize_t sl_recv(int fd, void *buf, size_t n, int flags);
ssize_t sl_sendto(int fd, const void *buf, size_t n, int flags,
                  const struct sockaddr *to, socklen_t tolen);
ssize_t sl_recvfrom(int fd, void *buf, size_t n, int flags,
                    struct sockaddr *from, socklen_t *fromlen);
/* sl_read and sl_write also work on descriptors that are not sockets
 * (files, pipes, the terminal), like read(2) and write(2). */
ssize_t sl_read(int fd, void *buf, size_t n);
ssize_t sl_write(int fd, const void *buf, size_t n);
int sl_close(int fd);
int sl_shutdown(int fd, int how);
int sl_setsockopt(int fd, int level, int name, const void *val, socklen_t len);
int sl_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
int sl_getsockname(int fd, struct sockaddr *addr, socklen_t *len);
int sl_getpeername(int fd, struct sockaddr *addr, socklen_t *len);
/* sl_poll accepts any mix of kernel descriptors (stdin, kernel sockets)
 * and socklab-stack sockets in one array. */
int sl_poll(struct pollfd *fds, nfds_t nfds, int timeout_ms);
/* Supports F_GETFL, F_SETFL (O_NONBLOCK), F_GETFD and F_SETFD on every
 * descriptor; other commands go to fcntl(2) for kernel descriptors and fail
 * with EINVAL on socklab-stack sockets. */
int sl_fcntl(int fd, int cmd, ...);
/* getaddrinfo(3), and on socklab's stack the hub's names first (a process
 * named with SOCKLAB_HOSTNAME=server): for a program that sets options
 * before sl_connect, where sl_tcp_connect cannot be used.  Returns 0 or an
 * EAI_* code, as getaddrinfo does (and sl_strerror() says it in words);
 * free the list with freeaddrinfo(). */
struct addrinfo; /* <netdb.h>, which hides it under plain -std=c11 */
int sl_getaddrinfo(const char *node, const char *service,
                   const struct addrinfo *hints, struct addrinfo **res);

/* Which stack sl_socket() uses in this process: SOCKLAB_STACK, read once.
 * An invalid value makes sl_socket() fail with EINVAL and a message naming
 * the variable and the values it accepts. */
enum sl_stack sl_default_stack(void);

/* Which stack owns fd: SL_STACK_USER for a live socklab-stack socket,
 * SL_STACK_KERNEL for any other open descriptor, SL_STACK_NONE (errno
 * EBADF) when fd is not open. */
enum sl_stack sl_stack_of(int fd);

/* "kernel" or "user". */
const char *sl_stack_name(enum sl_stack stack);

#endif
