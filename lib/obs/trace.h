/* The trace: every segment, state change, timer and drop of socklab's
 * stack as one JSON object per line (schema in lib/obs/TRACE.md, version
 * 1).  The ladder diagrams, the grader and the slides read it. */
#ifndef SOCKLAB_OBS_TRACE_H
#define SOCKLAB_OBS_TRACE_H

#include <stdio.h>

#include "core/stack.h"

#define SL__TRACE_VERSION 1

struct sl__trace_file;

/* Creates path ("-" is stdout); NULL with errno on failure. */
struct sl__trace_file *sl__trace_open(const char *path);
/* Writes each line as it comes (a process may be killed at any time),
 * not when a buffer fills. */
void sl__trace_line_buffered(struct sl__trace_file *t);
/* The host trace callback: arg is the sl__trace_file. */
void sl__trace_write(void *arg, const struct sl__event *ev);
/* Formats one event as a JSON line (with its '\n') into buf; returns the
 * length, or what it would have been when it does not fit, as snprintf. */
int sl__trace_format(char *buf, size_t len, const struct sl__event *ev);
/* Flushes and closes; 0 or a negative errno. */
int sl__trace_close(struct sl__trace_file *t);

/* Fields of one trace line, for the readers (ladder, netstat --watch, the
 * grader): the raw text after "key":, a string value (empty when absent),
 * a number (-1 when absent).  Only for the trace's own flat objects. */
const char *sl__trace_field_raw(const char *line, const char *key);
void sl__trace_field_str(const char *line, const char *key, char *out,
                         size_t len);
long long sl__trace_field_num(const char *line, const char *key);

#endif
