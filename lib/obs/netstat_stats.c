/* `socklab netstat -s`: protocol counters of the kernel and of socklab's
 * stack side by side, under the kernel's own names (RFC 1213's MIB as
 * /proc/net/snmp spells it, TcpExt as /proc/net/netstat does), each with
 * a line that says what it counts.  socklab's numbers are the sum over
 * every running socklab process, which answers "STATS" on its export
 * socket (obs/EXPORT.md); then come socklab's drops by reason, since
 * every malformed or unwanted packet is counted there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs/export.h"
#include "obs/netstat_priv.h"

enum { MAX_DROPS = 64 };

struct totals {
  long long kernel[SL__NCOUNTERS]; /* -1: the kernel has no such counter */
  unsigned long long user[SL__NCOUNTERS];
  char drop_name[MAX_DROPS][32];
  unsigned long long drop[MAX_DROPS];
  int ndrops;
  int processes;
};

static int
counter_index(const char *group, const char *name)
{
  for (size_t i = 0; i < SL__NCOUNTERS; i++)
    if (strcmp(sl__counters[i].group, group) == 0 &&
        strcmp(sl__counters[i].name, name) == 0)
      return (int)i;
  return -1;
}

/* /proc/net/snmp and /proc/net/netstat come in pairs of lines, "Tcp:
 * Name Name ..." then "Tcp: value value ...". */
static void
read_kernel_file(const char *path, struct totals *t)
{
  /* Buffers of this call's own: sl_netstat may run in two threads. */
  char names[4096], values[4096];
  FILE *f = fopen(path, "r");

  if (f == NULL)
    return;
  while (fgets(names, sizeof names, f) != NULL &&
         fgets(values, sizeof values, f) != NULL) {
    char *sn, *sv;
    char *n = strtok_r(names, " \n", &sn);
    char *v = strtok_r(values, " \n", &sv);
    if (n == NULL || v == NULL || strcmp(n, v) != 0)
      continue;
    n[strlen(n) - 1] = '\0'; /* the colon */
    const char *group = n;
    while ((n = strtok_r(NULL, " \n", &sn)) != NULL &&
           (v = strtok_r(NULL, " \n", &sv)) != NULL) {
      int i = counter_index(group, n);
      if (i >= 0)
        t->kernel[i] = atoll(v);
    }
  }
  fclose(f);
}

static void
add_drop(struct totals *t, const char *name, unsigned long long v)
{
  int i;

  for (i = 0; i < t->ndrops; i++)
    if (strcmp(t->drop_name[i], name) == 0)
      break;
  if (i == t->ndrops) {
    if (t->ndrops == MAX_DROPS)
      return;
    snprintf(t->drop_name[i], sizeof t->drop_name[i], "%.31s", name);
    t->ndrops++;
  }
  t->drop[i] += v;
}

static void
add_answer(void *arg, int pid, FILE *f)
{
  struct totals *t = arg;
  char line[160], group[32], name[64];
  unsigned long long v;

  (void)pid;
  while (fgets(line, sizeof line, f) != NULL) {
    if (!sl__stats_parse(line, group, name, &v))
      continue;
    if (strcmp(group, "Drop") == 0) {
      add_drop(t, name, v);
      continue;
    }
    int i = counter_index(group, name);
    if (i >= 0)
      t->user[i] += v;
  }
}

static void
print_totals(FILE *out, const struct totals *t, int kernel, int user)
{
  const char *group = "";

  fprintf(out, "Protocol counters:%s%s%s\n", kernel ? " the kernel's" : "",
          kernel && user ? " and" : "", user ? " socklab's stack" : "");
  if (user)
    fprintf(out, "(socklab: the sum over %d running process%s)\n", t->processes,
            t->processes == 1 ? "" : "es");
  for (size_t i = 0; i < SL__NCOUNTERS; i++) {
    if (strcmp(group, sl__counters[i].group) != 0) {
      group = sl__counters[i].group;
      fprintf(out, "\n%-20s%s%s\n", group, kernel ? "       kernel" : "",
              user ? "      socklab" : "");
    }
    fprintf(out, "  %-18s", sl__counters[i].name);
    if (kernel) {
      if (t->kernel[i] < 0)
        fprintf(out, " %12s", "-");
      else
        fprintf(out, " %12lld", t->kernel[i]);
    }
    if (user)
      fprintf(out, " %12llu", t->user[i]);
    fprintf(out, "  %s\n", sl__counters[i].meaning);
  }
  if (!user)
    return;
  fprintf(out,
          "\nsocklab drops, by reason (every dropped packet is counted):\n");
  int any = 0;
  for (int i = 0; i < t->ndrops; i++)
    if (t->drop[i] > 0) {
      fprintf(out, "  %-18s %12llu\n", t->drop_name[i], t->drop[i]);
      any = 1;
    }
  if (!any)
    fprintf(out, "  none\n");
}

int
sl__netstat_statistics(FILE *out, int kernel, int user)
{
  struct totals *t = calloc(1, sizeof *t);

  if (t == NULL)
    return 1;
  for (size_t i = 0; i < SL__NCOUNTERS; i++)
    t->kernel[i] = -1;
  if (kernel) {
    read_kernel_file("/proc/net/snmp", t);
    read_kernel_file("/proc/net/netstat", t);
  }
  if (user)
    t->processes = sl__export_ask("STATS\n", add_answer, t);
  print_totals(out, t, kernel, user);
  free(t);
  return 0;
}
