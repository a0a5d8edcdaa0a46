/* The server side of the export protocol (exporter.c): the runtime's
 * answers to netstat and the grader, and its trace callback, which feeds
 * SOCKLAB_TRACE and every netstat --watch. */
#ifndef SOCKLAB_RUNTIME_EXPORTER_H
#define SOCKLAB_RUNTIME_EXPORTER_H

#include <stdio.h>

#include "core/stack.h"

struct sl__rt;

/* Listens on SOCKDIR/PID.sock: 0, or a negative errno (netstat will not
 * see this process; nothing else changes). */
int sl__exporter_open(struct sl__rt *rt);
/* Answers the connection waiting on the socket (the runtime thread
 * calls it, with the lock held, when the socket is readable). */
void sl__exporter_serve(struct sl__rt *rt);
void sl__exporter_close(struct sl__rt *rt);
/* The answer to request for this process, written to f: 0, or -ENOENT
 * when the process has no runtime (sl__export_answer_self's provider). */
int sl__exporter_answer_self(const char *request, FILE *f);
/* The host's trace callback: the SOCKLAB_TRACE file and any watchers. */
void sl__exporter_trace(void *rt, const struct sl__event *ev);

#endif
