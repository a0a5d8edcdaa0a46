/* The autograder behind `socklab grade`: labs are tables of tests; each
 * test runs in a process of its own (its own process group, and when root
 * its own network namespace), starts the student's and the reference
 * programs, and scores what it sees with feedback that teaches.  The
 * writers turn the results into text, Gradescope, GitHub Classroom,
 * PrairieLearn, TAP 14 or JUnit. */
#ifndef SOCKLAB_GRADE_H
#define SOCKLAB_GRADE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>

/* ---- labs and tests ------------------------------------------------------ */

enum gr_visibility {
  GR_VISIBLE, /* shown to students, and run by `make grade` */
  GR_HIDDEN,  /* run by instructors; Gradescope shows it after the due date */
};

struct gr_ctx;

struct gr_test {
  const char *id;   /* "server_with_ref_client": names in TAP and JUnit */
  const char *name; /* what it checks, one line, for people */
  double points;
  enum gr_visibility visibility;
  int timeout_s; /* the whole test, programs included */
  void (*run)(struct gr_ctx *c);
};

struct gr_lab {
  const char *id;              /* "lab02" */
  const char *dir;             /* "lab02-tcp-echo": labs/ and solutions/ */
  const char *const *programs; /* what the build must produce, NULL-ended */
  const struct gr_test *tests;
  size_t ntests;
};

/* Each lab's tests (labNN.c). */
extern const struct gr_lab gr_lab01;
extern const struct gr_lab gr_lab02;
extern const struct gr_lab gr_lab03;
extern const struct gr_lab gr_lab04;
extern const struct gr_lab gr_lab05;
extern const struct gr_lab gr_lab06;
extern const struct gr_lab gr_lab07;

/* "lab02" or "lab02-tcp-echo"; NULL when there is no such lab. */
const struct gr_lab *gr_find_lab(const char *name);
/* lab's test id; NULL when it has none. */
const struct gr_test *gr_find_test(const struct gr_lab *lab, const char *id);
/* Every lab, NULL-terminated. */
extern const struct gr_lab *const gr_labs[];

/* ---- growing text -------------------------------------------------------- */

struct gr_buf {
  char *s; /* always NUL-terminated once anything was added */
  size_t len, cap;
};

void gr_buf_add(struct gr_buf *b, const char *s, size_t n);
void gr_buf_printf(struct gr_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void gr_buf_free(struct gr_buf *b);

/* ---- what a test sees ---------------------------------------------------- */

enum gr_stack { GR_KERNEL, GR_USER };
enum gr_who { GR_STUDENT, GR_REF };

struct gr_proc {
  pid_t pid;
  char label[96];     /* "your echo_server", "the reference echo_client" */
  char out_path[320]; /* its stdout and stderr, in the test's directory */
  char err_path[320];
  char trace_path[320]; /* socklab's stack: its trace (SOCKLAB_TRACE) */
  int stdin_fd;         /* the write end of its stdin; -1 once closed */
  int done, status;     /* after it was reaped: wait status */
  struct rusage usage;  /* after it was reaped */
};

enum { GR_MAX_PROCS = 96 };

/* The control group the student's programs run in (cgroup.c): made by
 * the grader as root, entered by each program before it drops root. */
struct gr_cgroup {
  char dir[3][300]; /* v2: one; v1: pids, cpu, memory (those there are) */
  int ndirs;        /* 0: none could be made */
  int v2;
};
/* Makes the group NAME with its limits; -1 when none could be made. */
int gr_cgroup_make(struct gr_cgroup *g, const char *name);
/* Moves the calling process into the group. */
int gr_cgroup_enter(const struct gr_cgroup *g);
/* How many processes are in it now; -1 when there is no group. */
int gr_cgroup_count(const struct gr_cgroup *g);
/* Kills every process in the group. */
void gr_cgroup_kill(const struct gr_cgroup *g);
/* Kills them and removes the group. */
void gr_cgroup_remove(struct gr_cgroup *g);

struct gr_ctx {
  const struct gr_lab *lab;
  const struct gr_test *test;
  const char *student;  /* the student's built programs */
  const char *ref;      /* the reference programs */
  const char *self_exe; /* this socklab binary (for the hub, the ladder) */
  const char *top;      /* the socklab checkout */
  const char *root;     /* the run's work directory (the tests' are in it) */
  char work[256];       /* this test's own directory */
  uint64_t seed;        /* every random choice of the test comes from it (and
                          the hub takes it: below 10^12) */
  int64_t deadline_ms;  /* CLOCK_MONOTONIC; the test must end before */
  int isolated;         /* root: own netns, programs as run_uid */
  uid_t run_uid;
  gid_t run_gid;
  const struct gr_cgroup *cgroup; /* the student's programs go in it */
  enum gr_stack stack;            /* the network programs use (gr_use_stack) */
  char link[300];                 /* SOCKLAB_LINK of the test's private hub */
  pid_t hub_pid;
  uint64_t hub_seed; /* the seed the hub was given, for feedback */
  struct gr_proc procs[GR_MAX_PROCS];
  int nprocs;
  double load_seen; /* the busiest gr_patience() found the machine */
  double score;     /* 0..1, set by the test (gr_score) */
  int scored;
  struct gr_buf feedback;
  uint64_t rng;
};

/* Feedback: what was expected, what happened, where to look. */
void gr_say(struct gr_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The test's score as a fraction of its points (0..1); the last call
 * counts.  A test that never calls it scores 0. */
void gr_score(struct gr_ctx *c, double fraction);
/* Ends the test now with the score given so far (0 unless set). */
void gr_end(struct gr_ctx *c) __attribute__((noreturn));
/* A number from the test's seeded generator, in [0, n). */
uint64_t gr_rand(struct gr_ctx *c, uint64_t n);
/* Milliseconds left before the test's deadline. */
int64_t gr_left_ms(const struct gr_ctx *c);
/* How late this process wakes on the machine as it is loaded now: the
 * most that five sleeps of 10 ms overslept, in ms.  A test whose own
 * delays must fit inside a time the handout fixes (lab01's 1 s for a
 * reply) shortens them by it, so a loaded machine does not fail a right
 * program. */
int gr_lag_ms(void);

/* How busy the machine is now: how many times longer than on an idle
 * machine a program takes to get its CPU time, at least 1. */
double gr_load(void);
/* What a deadline is multiplied by on a machine this busy: gr_load(), at
 * most GR_MAX_STRETCH.  A test's time limit is stretched when it starts. */
#define GR_MAX_STRETCH 4.0
double gr_stretch(void);
/* How long to wait for what takes at most seconds on an idle machine:
 * seconds times gr_stretch() now, never past the test's deadline.  A
 * wait that ends early when what it waits for comes costs nothing more
 * when the machine is idle; a fixed one made slow machines cost points. */
double gr_patience(struct gr_ctx *c, double seconds);
/* After a loss because something did not come within waited seconds (a
 * gr_patience() of idle seconds): says that it was a wait, how long, and
 * when the machine was busy or the test's time ran out, that the machine
 * may be the cause, not the program. */
void gr_say_waited(struct gr_ctx *c, double waited, double idle);

/* The programs of this test run on socklab's stack, on a hub of their own
 * with these faults (hub options such as "--loss 10% --reorder 5%", or
 * ""), or on the kernel's (the default).  Call before starting any; a
 * test may go on to socklab's stack after a part on the kernel's (its
 * programs stopped), but its own connections keep the stack of the first
 * it made (SOCKLAB_STACK is read once). */
void gr_use_stack(struct gr_ctx *c, enum gr_stack stack, const char *faults);

/* Starts prog of who with argv (after the program name; NULL-ended) in
 * the test's process group, stdout and stderr to files, stdin a pipe.
 * Ends the test with a message if it cannot. */
struct gr_proc *gr_start(struct gr_ctx *c, enum gr_who who, const char *prog,
                         const char *const *argv);
/* In a child about to run code of the student's as the run's user (the
 * build, a program), a mount namespace of its own (sandbox.c):
 * - top's solutions/, lib/grade/ (the hidden tests) and tests/ are empty,
 *   so that what it prints -- feedback, a build log -- cannot show them;
 * - /tmp, /var/tmp, /dev/shm and /run/lock are small tmpfs of its own
 *   (top and root, the run's work directory, are kept where they are).
 * 0, or -1 when the namespace could not be made (not root). */
int gr_confine_files(const char *top, const char *root);
/* The largest file a program may write (RLIMIT_FSIZE), and the most the
 * grader reads back of one. */
#define GR_MAX_FILE ((size_t)64 << 20)
/* The run's work directory is a tmpfs of this size: every test's files,
 * the builds, what the programs write. */
#define GR_WORK_SIZE "256m"
int gr_mount_work(const char *root);
void gr_unmount_work(const char *root);
/* Extra environment for the next gr_start ("NAME=value"), then cleared. */
void gr_setenv_next(struct gr_ctx *c, const char *assignment);
/* Writes to p's stdin (all of it, unless p stopped reading); 0 or -1. */
int gr_feed(struct gr_proc *p, const void *data, size_t len);
void gr_close_stdin(struct gr_proc *p);
/* Waits up to seconds (never past the deadline) for p to exit: 1 exited,
 * 0 still running. */
int gr_wait(struct gr_ctx *c, struct gr_proc *p, double seconds);
/* Waits for p to exit; when it does not within seconds, says where it was
 * stuck ("still in accept() after 5 s"), stops it, and returns 0. */
int gr_expect_exit(struct gr_ctx *c, struct gr_proc *p, double seconds);
/* Stops p (SIGTERM, then SIGKILL) and reaps it. */
void gr_stop(struct gr_proc *p);
/* Is p still running? */
int gr_running(struct gr_proc *p);
/* "exited with status 0", "was killed by signal 11 (Segmentation fault:
 * a bad pointer; try valgrind)". */
void gr_exit_text(const struct gr_proc *p, char *buf, size_t len);
/* Exited normally with status 0? */
int gr_exited_ok(const struct gr_proc *p);
/* Where p is blocked now: "accept()", "read()", "poll()", or "" when it
 * runs (or cannot be told). */
void gr_where(struct gr_proc *p, char *buf, size_t len);
/* CPU seconds p has used (user + system), running or reaped. */
double gr_cpu_seconds(struct gr_proc *p);
/* Watches p for seconds and returns the fraction of the time it was
 * runnable (some thread in state R) rather than blocked: near 0 for a
 * program that waits in poll() or recv(), near 1 for a busy loop, even
 * on a loaded machine where a busy loop gets little CPU time. */
double gr_busy_fraction(struct gr_ctx *c, struct gr_proc *p, double seconds);
/* p's open descriptors now (from /proc); -1 when it cannot be told. */
int gr_open_fds(struct gr_proc *p);
/* The whole file, NUL-terminated (len without it); NULL when missing. */
char *gr_slurp(const char *path, size_t *len);
/* Adds p's stderr to the feedback (its last lines), when it wrote any. */
void gr_show_stderr(struct gr_ctx *c, struct gr_proc *p);

/* ---- the network --------------------------------------------------------- */

/* A port for a server of this test: free on the kernel's stack, any on a
 * private hub. */
int gr_port(struct gr_ctx *c);
/* Waits until something listens on TCP (or binds UDP) port; 1 yes, 0 when
 * p exited first or the time ran out (said in the feedback). */
int gr_wait_listen(struct gr_ctx *c, struct gr_proc *p, int port, int udp,
                   double seconds);
/* The host name programs of this test use for the server. */
const char *gr_host(const struct gr_ctx *c);
/* A connection from the test itself to port (on the test's stack); ends
 * the test when it cannot. */
int gr_connect(struct gr_ctx *c, int port);
/* Receives until len bytes, EOF, or seconds pass; returns the count. */
size_t gr_recv_all(struct gr_ctx *c, int fd, void *buf, size_t len,
                   double seconds);
/* Receives one line (to its newline, at most len - 1 bytes, the end of
 * file, or seconds) into buf, NUL-terminated; returns its length. */
size_t gr_recv_line(struct gr_ctx *c, int fd, char *buf, size_t len,
                    double seconds);
/* Counts TCP sockets in state (netstat spelling, "CLOSE_WAIT") on the
 * test's stack: p's (every process's when p is NULL; TIME_WAIT sockets
 * belong to no process), with local port port (any when 0). */
/* Connections waiting in the listen backlog of p's socket on port (its
 * Recv-Q in netstat): they completed the handshake, p has not accepted
 * them.  On socklab's stack they are ESTABLISHED in p's own stack before
 * any accept, so gr_count_state counts them; on the kernel's, no process
 * holds them yet. */
int gr_backlog(struct gr_ctx *c, struct gr_proc *p, int port);
int gr_count_state(struct gr_ctx *c, struct gr_proc *p, const char *state,
                   int port);
/* What `socklab netstat -tan` shows now on the test's stack, for
 * feedback (the lines that mention port, or all when port is 0). */
void gr_netstat_excerpt(struct gr_ctx *c, int port);

/* ---- traces of socklab's stack ------------------------------------------ */

/* A state as netstat spells it ("TIME_WAIT"), from a trace's RFC spelling
 * ("TIME-WAIT"); a name it does not know, as it is. */
const char *gr_netstat_name(const char *rfc);

struct gr_trace {
  int syn_mss;            /* MSS announced in this process's SYN, or 0 */
  unsigned max_payload;   /* largest segment it sent, bytes */
  unsigned data_segments; /* segments with data it sent */
  unsigned retransmits;
  unsigned zero_windows; /* segments it sent advertising win=0 */
  unsigned probes;       /* persist (zero-window) probes it sent */
  char visited[512];     /* states in order, "LISTEN SYN_RECV ..." */
  int time_wait;         /* entered TIME_WAIT at least once */
};

/* Reads p's trace; 0, or -1 when p wrote none. */
int gr_trace_read(const struct gr_proc *p, struct gr_trace *t);
/* Adds the ladder of the first connection in the traces of a and b (b
 * may be NULL) to the feedback: at most max_lines lines, 0 for all. */
void gr_ladder_excerpt(struct gr_ctx *c, const struct gr_proc *a,
                       const struct gr_proc *b, int max_lines);

/* ---- the kit lab tests are written with (kit.c) ------------------------- */

/* Starts who's prog with "PORT" and more (NULL-ended, may be NULL), and
 * waits until it listens on port (TCP) or is bound (udp).  When it does
 * not, says why and ends the test with 0. */
struct gr_proc *gr_server(struct gr_ctx *c, enum gr_who who, const char *prog,
                          int port, const char *const *more, int udp);
/* Starts who's client prog with "HOST PORT" and more, feeds it input,
 * closes its stdin, and waits up to seconds for it to exit: 1 it exited,
 * 0 it did not (said, and stopped). */
int gr_client(struct gr_ctx *c, enum gr_who who, const char *prog, int port,
              const char *const *more, const char *input, size_t len,
              double seconds, struct gr_proc **out);
/* A client's exit status counts: when cl did not exit with 0, says so
 * (with its stderr) and halves the score. */
void gr_want_exit_0(struct gr_ctx *c, struct gr_proc *cl);
/* n lines of seeded printable text (each up to max_len bytes, newline
 * ended), in a buffer the caller frees. */
char *gr_lines(struct gr_ctx *c, int n, size_t max_len);
/* Compares the lines of got with want: the fraction that match, and in
 * the feedback the first difference and how many differ.  what names
 * the output ("the lines your echo_client printed"). */
double gr_compare_lines(struct gr_ctx *c, const char *want, const char *got,
                        const char *what);
/* How points are weighed (labs/README.md): the data a test checks is
 * all or nothing.  fraction is the share that came through right; 1 when
 * all of it did, else 0, and the feedback says why the rest earns
 * nothing. */
double gr_data_score(struct gr_ctx *c, double fraction);
/* Bytes for people, into out: in quotes, with newlines, '\0' and other
 * bytes that are not printable ASCII escaped (a, newline, b: "a\nb"), cut
 * after max bytes ("..." says so). */
const char *gr_quote(const void *data, size_t n, size_t max, char *out,
                     size_t len);
/* What a program printed, for feedback: "nothing" when it printed
 * nothing, else gr_quote of its first 100 bytes ("printed nothing", never
 * "printed "). */
const char *gr_show_output(const char *printed, char *out, size_t len);
/* "PORT" into buf. */
const char *gr_itoa(int v, char *buf, size_t len);

/* ---- running a lab ------------------------------------------------------- */

enum gr_format {
  GR_TEXT,
  GR_GRADESCOPE,
  GR_CLASSROOM,
  GR_PRAIRIELEARN,
  GR_TAP,
  GR_JUNIT,
};

struct gr_result {
  const struct gr_test *test;
  double points; /* earned */
  int ran;       /* 0: not run (build failed, interrupted, filtered) */
  double seconds;
  char *feedback;
};

enum { GR_MAX_ONLY = 16 };

struct gr_run {
  const struct gr_lab *lab;
  const char *dir; /* the submission */
  const char *top; /* the socklab checkout (solutions/, build/) */
  const char *self_exe;
  uint64_t seed;
  int visible_only;
  const char *only[GR_MAX_ONLY]; /* --test: run these tests alone */
  int nonly;
  int verbose;
  enum gr_format format;
  const char *out_path; /* NULL: stdout */
  char *build_log;      /* set when the build failed */
  int build_failed;
  struct gr_result *results;
  size_t nresults;
  int interrupted;
};

/* Builds the submission and the reference, runs the tests, writes the
 * results.  Returns the exit status of `socklab grade`: 0 every test
 * passed, 1 some lost points, 2 bad usage or the grader could not run. */
int gr_grade(struct gr_run *run);
/* Text for XML and SVG (results.c): escaped, control characters as '?',
 * invalid UTF-8 as U+FFFD. */
void gr_xml_str(FILE *f, const char *s);
/* Writes the results in run->format to f (results.c). */
int gr_write_results(const struct gr_run *run, FILE *f);
/* Writes them to path atomically (a temporary file, then rename). */
int gr_write_results_file(const struct gr_run *run, const char *path);

#endif
