/* netstat's printing: the table as net-tools prints it (with a Stack
 * column), and socklab's TCP sockets as /proc/net/tcp (--proc-format). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>

#include "obs/netstat_priv.h"

/* ---- printing ------------------------------------------------------------ */

void
sl__netstat_program(int pid, char *out, size_t len)
{
  char path[64], comm[32] = "";
  FILE *f;

  if (pid <= 0) {
    snprintf(out, len, "-");
    return;
  }
  snprintf(path, sizeof path, "/proc/%d/comm", pid);
  if ((f = fopen(path, "r")) != NULL) {
    if (fgets(comm, sizeof comm, f) != NULL)
      comm[strcspn(comm, "\n")] = '\0';
    fclose(f);
  }
  snprintf(out, len, "%d/%s", pid, comm);
}

/* netstat -e: the owner (a name unless -n) and the socket's inode.  A
 * socklab socket has no kernel socket inode: "-". */
static void
print_owner(FILE *out, const struct row *r, int numeric)
{
  char user[16], inode[24] = "-", pwbuf[1024];
  struct passwd pwd, *pw = NULL;

  /* getpwuid_r: getpwuid's answer lives in a buffer of its own, which two
   * threads in sl_netstat would share. */
  if (!numeric)
    getpwuid_r(r->uid, &pwd, pwbuf, sizeof pwbuf, &pw);
  if (pw != NULL)
    snprintf(user, sizeof user, "%.10s", pw->pw_name);
  else
    snprintf(user, sizeof user, "%u", r->uid);
  if (r->inode != 0)
    snprintf(inode, sizeof inode, "%lu", r->inode);
  fprintf(out, " %-10s %-10s", user, inode);
}

void
sl__netstat_print_rows(const struct opts *o, const struct row *rows, int n)
{
  FILE *out = o->out;

  fprintf(out, "Active Internet connections (%s)\n",
          o->all         ? "servers and established"
          : o->listening ? "only servers"
                         : "w/o servers");
  fprintf(out,
          "Proto Recv-Q Send-Q Local Address           Foreign Address      "
          "   State       Stack %s%s%s\n",
          o->extend ? " User       Inode     " : "",
          o->pids ? " PID/Program name   " : "", o->timers ? " Timer" : "");
  for (int i = 0; i < n; i++) {
    const struct row *r = &rows[i];
    char prog[48];

    if ((!o->all && o->listening != r->listening) ||
        (r->proto[0] == 't' && !o->tcp) || (r->proto[0] == 'u' && !o->udp))
      continue;
    fprintf(out, "%-5s %6u %6u %-23s %-23s %-11s %-6s", r->proto, r->recvq,
            r->sendq, r->local, r->remote, r->state, r->stack);
    if (o->extend)
      print_owner(out, r, o->numeric);
    if (o->pids) {
      sl__netstat_program(r->pid, prog, sizeof prog);
      fprintf(out, " %-19s", prog);
    }
    if (o->timers)
      fprintf(out, " %s", r->timer);
    fprintf(out, "\n");
    if (o->info && r->info[0] != '\0')
      fprintf(out, "\t %s\n", r->info);
  }
}

unsigned
sl__netstat_port_of(const char *addr)
{
  const char *colon = strrchr(addr, ':');

  return colon && colon[1] != '*' ? (unsigned)atoi(colon + 1) : 0;
}

/* "10.0.0.1:80" as /proc/net/tcp writes it: "0100000A:0050" (the address
 * as a 32-bit number in the host's byte order, the port in hex). */
static void
proc_hex(const char *addr, char *out, size_t len)
{
  char ip[64];
  const char *colon = strrchr(addr, ':');
  struct in_addr in = {0};
  size_t iplen = colon ? (size_t)(colon - addr) : strlen(addr);

  snprintf(ip, sizeof ip, "%.*s", (int)iplen, addr);
  inet_pton(AF_INET, ip, &in);
  snprintf(out, len, "%08X:%04X", in.s_addr, sl__netstat_port_of(addr));
}

/* --proc-format: socklab's TCP sockets as the kernel writes
 * /proc/net/tcp, so tools that read that file (PROC_NET_TCP=FILE ss -tan)
 * show them too.  Times are in USER_HZ (1/100 s) as there. */
void
sl__netstat_print_proc(FILE *out, const struct row *rows, int n)
{
  int sl = 0;

  fprintf(out, "  sl  local_address rem_address   st tx_queue rx_queue tr "
               "tm->when retrnsmt   uid  timeout inode\n");
  for (int i = 0; i < n; i++) {
    const struct row *r = &rows[i];
    char local[16], remote[16];
    unsigned st;
    if (strcmp(r->proto, "tcp") != 0)
      continue;
    st = sl__netstat_kernel_state_code(r->state);
    proc_hex(r->local, local, sizeof local);
    proc_hex(r->remote, remote, sizeof remote);
    fprintf(out,
            "%4d: %s %s %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d "
            "%016x %u %u %u %u %d\n",
            sl++, local, remote, st, r->sendq, r->recvq, r->timer_code,
            r->when_ms / 10, r->backoff, r->uid, 0, 0ul, 1, 0, r->rto_ms / 10,
            4u, 0u, r->cwnd, r->ssthresh ? (int)r->ssthresh : -1);
  }
}
