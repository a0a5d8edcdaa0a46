/* The "shared object" interface of Google's packetdrill, written down for
 * socklab: packetdrill dlopen()s a library, calls its
 * packetdrill_interface_init() and from then on drives the stack only
 * through the function pointers below.  Layout and signatures follow
 * gtests/net/packetdrill/packetdrill.h upstream; keep the order. */
#ifndef SOCKLAB_PACKETDRILL_IF_H
#define SOCKLAB_PACKETDRILL_IF_H

/* loff_t and useconds_t need _GNU_SOURCE (or _DEFAULT_SOURCE). */
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

struct epoll_event; /* <sys/epoll.h>; only pointers to it appear here */

/* Every call gets the userdata the init function stored, and answers like
 * the libc call of the same name: a result, or -1 with errno set.  The
 * packet calls carry raw IPv4 datagrams without a link-layer header. */
struct packetdrill_interface {
  void *userdata;               /* the stack instance; set by init */
  void (*free)(void *userdata); /* the end of the test: release it all */
  int (*socket)(void *userdata, int domain, int type, int protocol);
  int (*bind)(void *userdata, int sockfd, const struct sockaddr *addr,
              socklen_t addrlen);
  int (*listen)(void *userdata, int sockfd, int backlog);
  int (*accept)(void *userdata, int sockfd, struct sockaddr *addr,
                socklen_t *addrlen);
  int (*connect)(void *userdata, int sockfd, const struct sockaddr *addr,
                 socklen_t addrlen);
  ssize_t (*read)(void *userdata, int fd, void *buf, size_t count);
  ssize_t (*readv)(void *userdata, int fd, const struct iovec *iov, int iovcnt);
  ssize_t (*recv)(void *userdata, int sockfd, void *buf, size_t len, int flags);
  ssize_t (*recvfrom)(void *userdata, int sockfd, void *buf, size_t len,
                      int flags, struct sockaddr *src_addr, socklen_t *addrlen);
  ssize_t (*recvmsg)(void *userdata, int sockfd, struct msghdr *msg, int flags);
  ssize_t (*write)(void *userdata, int fd, const void *buf, size_t count);
  ssize_t (*writev)(void *userdata, int fd, const struct iovec *iov,
                    int iovcnt);
  ssize_t (*send)(void *userdata, int sockfd, const void *buf, size_t len,
                  int flags);
  ssize_t (*sendto)(void *userdata, int sockfd, const void *buf, size_t len,
                    int flags, const struct sockaddr *dest_addr,
                    socklen_t addrlen);
  ssize_t (*sendmsg)(void *userdata, int sockfd, const struct msghdr *msg,
                     int flags);
  int (*fcntl)(void *userdata, int fd, int cmd, ...);
  int (*ioctl)(void *userdata, int fd, unsigned long request, ...);
  int (*close)(void *userdata, int fd);
  int (*shutdown)(void *userdata, int sockfd, int how);
  int (*getsockopt)(void *userdata, int sockfd, int level, int optname,
                    void *optval, socklen_t *optlen);
  int (*setsockopt)(void *userdata, int sockfd, int level, int optname,
                    const void *optval, socklen_t optlen);
  int (*poll)(void *userdata, struct pollfd *fds, nfds_t nfds, int timeout);
  /* Peer -> stack: packetdrill injects the count bytes at buf into the
   * stack.  0, or -1 with errno. */
  int (*netdev_send)(void *userdata, const void *buf, size_t count);
  /* Stack -> peer: the next packet the stack sent.  *count holds the size
   * of buf on entry and the packet's length on return; *time_usecs gets
   * the time it was sent, on the clock gettimeofday reads.  0; 0 with
   * *count 0 when nothing was received (packetdrill's parser then fails
   * the script on an empty packet); or -1 with errno, and packetdrill
   * asks again, without end. */
  int (*netdev_receive)(void *userdata, void *buf, size_t *count,
                        long long *time_usecs);
  int (*usleep)(void *userdata, useconds_t usec);
  int (*gettimeofday)(void *userdata, struct timeval *tv, struct timezone *tz);
  int (*epoll_create)(void *userdata, int size);
  int (*epoll_ctl)(void *userdata, int epfd, int op, int fd,
                   struct epoll_event *event);
  int (*epoll_wait)(void *userdata, int epfd, struct epoll_event *events,
                    int maxevents, int timeout);
  int (*pipe)(void *userdata, int pipefd[2]);
  int (*splice)(void *userdata, int fd_in, loff_t *off_in, int fd_out,
                loff_t *off_out, size_t len, unsigned int flags);
};

/* What packetdrill looks up with dlsym().  flags is the --so_flags string
 * (may be NULL); see lib/packetdrill/pd.h for the flags socklab reads. */
typedef void (*packetdrill_interface_init_t)(const char *flags,
                                             struct packetdrill_interface *);

void packetdrill_interface_init(const char *flags,
                                struct packetdrill_interface *ifc);

#endif
