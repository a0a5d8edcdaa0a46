/* socklab netstat as a function: the CLI's `socklab netstat` and the
 * library's sl_netstat() both call it.  Exit-status results: 0 done,
 * 1 the job failed, 2 bad usage (with a message on stderr). */
#ifndef SOCKLAB_OBS_NETSTAT_H
#define SOCKLAB_OBS_NETSTAT_H

#include <stdio.h>

/* Parses argv as `socklab netstat` does (argv[0] names the caller in
 * messages) and prints to out.  Uses getopt: not for two threads at once. */
int sl__netstat(FILE *out, int argc, char **argv);
/* netstat -s: the kernel's and/or socklab's protocol counters. */
int sl__netstat_statistics(FILE *out, int kernel, int user);

/* What netstat makes of one buffer, for tests and fuzz targets (the
 * buffers come from the kernel and from other processes: whatever they
 * hold must not crash netstat).  Each parses len bytes at text or buf as
 * netstat reads them, then prints the rows it found to out as -aeo -i,
 * --diagnose and --proc-format would.  Returns the count of rows (at most
 * 256), or a negative errno.
 *  - proc: the text of /proc/net/PROTO (header line first), where proto
 *    is tcp, tcp6, udp or udp6;
 *  - netlink: one recv(2) of NETLINK_SOCK_DIAG answers (inet_diag_msg,
 *    with INET_DIAG_INFO attributes), family AF_INET or AF_INET6,
 *    protocol IPPROTO_TCP or IPPROTO_UDP;
 *  - dump: a socklab process's answer to DUMP (lib/rt/export.c), from
 *    process pid. */
int sl__netstat_parse_proc(FILE *out, const char *proto, const char *text,
                           size_t len);
int sl__netstat_parse_netlink(FILE *out, int family, int protocol,
                              const void *buf, size_t len);
int sl__netstat_parse_dump(FILE *out, int pid, const char *text, size_t len);

#endif
