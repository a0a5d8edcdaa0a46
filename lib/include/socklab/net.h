/* Helpers on top of the BSD mirror, in the spirit of Stevens' unp.h and
 * CS:APP's csapp.c, but they never exit and never share static buffers.
 * Each returns a descriptor or a count, or -1 with errno set and a message
 * in sl_last_error() that names the call and the cause:
 *
 *     connect 127.0.0.1:9: Connection refused
 *     getaddrinfo nosuch.invalid: Name or service not known
 *
 * They go through sl_socket() and friends, so they work on both stacks. */
#ifndef SOCKLAB_NET_H
#define SOCKLAB_NET_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Enough for "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535". */
#define SL_ADDRSTRLEN 64

/* A listening TCP socket on host:port.  host NULL (or "" or "*") means
 * every local address; IPv6 wildcard sockets also accept IPv4 where the
 * system allows it.  port may be a number or a service name, "0" picks a
 * free port (read it back with sl_local_port).  SO_REUSEADDR is set, so
 * a restarted server does not fail on its old connections in TIME_WAIT. */
int sl_tcp_listen(const char *host, const char *port, int backlog);

/* A TCP connection to host:port.  Every address getaddrinfo returns is
 * tried in order; the message names each failure. */
int sl_tcp_connect(const char *host, const char *port);

/* Like sl_tcp_connect, but each attempt gives up after timeout_ms
 * milliseconds with ETIMEDOUT.  timeout_ms < 0 waits forever. */
int sl_tcp_connect_timeout(const char *host, const char *port, int timeout_ms);

/* connect(2) with a time limit, on a blocking or non-blocking socket; the
 * socket's O_NONBLOCK flag is unchanged afterwards.  -1/ETIMEDOUT when
 * timeout_ms passes first. */
int sl_connect_timeout(int fd, const struct sockaddr *addr, socklen_t len,
                       int timeout_ms);

/* A UDP socket bound to host:port (host NULL for every address). */
int sl_udp_bind(const char *host, const char *port);

/* A UDP socket connected to host:port: plain send/recv work on it, and a
 * datagram refused by the peer reports ECONNREFUSED on a later call. */
int sl_udp_connect(const char *host, const char *port);

/* Reads exactly n bytes unless end of file comes first; returns the count
 * read (< n only at end of file) or -1.  EINTR is retried.  On a
 * non-blocking descriptor it waits with poll instead of failing with
 * EAGAIN. */
ssize_t sl_readn(int fd, void *buf, size_t n);

/* Writes all n bytes; returns n or -1.  EINTR and short writes are
 * retried; on a non-blocking descriptor it waits with poll for room.
 * A closed peer gives -1/EPIPE, never SIGPIPE. */
ssize_t sl_writen(int fd, const void *buf, size_t n);

/* Formats an IPv4 or IPv6 address and port as "127.0.0.1:8080" or
 * "[::1]:8080" into buf (SL_ADDRSTRLEN bytes suffice) and returns buf.
 * Other families give "<family N>". */
char *sl_addr_format(const struct sockaddr *sa, char *buf, size_t len);

/* The local / peer address of fd, formatted as above; "?" on failure. */
char *sl_local_addr(int fd, char *buf, size_t len);
char *sl_peer_addr(int fd, char *buf, size_t len);

/* The local port of fd in host byte order, or -1. */
int sl_local_port(int fd);

#endif
