/* socklab grade LAB: builds a submission, runs the lab's tests against
 * the reference solution, and writes the results for people or for a
 * course platform (lib/grade/). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "grade/grade.h"
#include "cli/cmd_grade_batch.h"

static const struct {
  const char *name;
  enum gr_format format;
  const char *ext; /* a results file's name ending, in --batch */
} formats[] = {{"text", GR_TEXT, "txt"},
               {"gradescope", GR_GRADESCOPE, "json"},
               {"classroom", GR_CLASSROOM, "classroom.json"},
               {"prairielearn", GR_PRAIRIELEARN, "prairielearn.json"},
               {"tap", GR_TAP, "tap"},
               {"junit", GR_JUNIT, "xml"}};

/* The index of format s in formats[], or -1. */
static int
parse_format(const char *s)
{
  for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
    if (strcmp(s, formats[i].name) == 0)
      return (int)i;
  return -1;
}

/* --row FILE: one line for scripts and --batch: points, maximum, seconds,
 * seed, then each test's points in --list order, tab-separated. */
static int
write_row(const struct gr_run *run, const char *path)
{
  char tmp[4200];
  double total = 0, max = 0, seconds = 0;
  FILE *f;
  int fd;

  for (size_t i = 0; i < run->nresults; i++) {
    total += run->results[i].points;
    seconds += run->results[i].seconds;
  }
  for (size_t t = 0; t < run->lab->ntests; t++)
    max += run->lab->tests[t].points;
  snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
  if ((fd = mkstemp(tmp)) < 0 || (f = fdopen(fd, "w")) == NULL)
    return -1;
  fprintf(f, "%.4f\t%g\t%.1f\t%llu", total, max, seconds,
          (unsigned long long)run->seed);
  for (size_t t = 0; t < run->lab->ntests; t++) {
    double p = 0; /* a test not run (build failed) earned nothing */
    for (size_t i = 0; i < run->nresults; i++)
      if (run->results[i].test == &run->lab->tests[t])
        p = run->results[i].points;
    fprintf(f, "\t%.4f", p);
  }
  fprintf(f, "\n");
  if (fclose(f) != 0 || rename(tmp, path) < 0) {
    unlink(tmp);
    return -1;
  }
  return 0;
}

/* The socklab checkout: where solutions/ and build/ are.  This binary is
 * TOP/build/bin/socklab unless SOCKLAB_TOP or --top says otherwise. */
static int
find_top(const char *given, const char *self, char *top, size_t len)
{
  char probe[PATH_MAX + 32];

  if (given != NULL)
    snprintf(top, len, "%s", given);
  else if (getenv("SOCKLAB_TOP") != NULL)
    snprintf(top, len, "%s", getenv("SOCKLAB_TOP"));
  else {
    snprintf(top, len, "%s", self);
    for (int up = 0; up < 3; up++) {
      char *slash = strrchr(top, '/');
      if (slash == NULL)
        return -1;
      *slash = '\0';
    }
  }
  snprintf(probe, sizeof probe, "%s/solutions", top);
  return access(probe, R_OK) == 0 ? 0 : -1;
}

static void
list_labs(void)
{
  for (int i = 0; gr_labs[i] != NULL; i++) {
    const struct gr_lab *l = gr_labs[i];
    double points = 0;
    for (size_t t = 0; t < l->ntests; t++)
      points += l->tests[t].points;
    printf("%s  %s  (%zu tests, %g points)\n", l->id, l->dir, l->ntests,
           points);
    for (size_t t = 0; t < l->ntests; t++)
      printf("    %-30s %4g  %s%s\n", l->tests[t].id, l->tests[t].points,
             l->tests[t].name,
             l->tests[t].visibility == GR_HIDDEN ? " (hidden)" : "");
  }
}

static void
usage(FILE *f)
{
  fprintf(f, "usage: socklab grade LAB [--dir DIR] [--format FORMAT] "
             "[--out FILE] [--seed N]\n"
             "                         [--visible-only] [--test ID] "
             "[--top DIR] [--verbose]\n"
             "       socklab grade LAB --batch DIR [--jobs N] [--out-dir OUT] "
             "[--only NAME]\n"
             "       socklab grade --list\n"
             "Builds the programs in DIR (default .), runs LAB's tests "
             "(lab02 or\nlab02-tcp-echo) against the reference solution, and "
             "writes the results.\nFORMAT: text (default), gradescope, "
             "classroom, prairielearn, tap, junit.\nEvery random choice comes "
             "from the seed, which the results print; the same\nseed replays "
             "the same tests.  --test ID runs only that test (give it\nagain "
             "for more).  As root, each test runs in a network namespace of "
             "its\nown and the programs as a user of the run's own.  Exit "
             "status: 0 all\npoints, 1 some lost, 2 the grader could not "
             "run.\n"
             "--batch DIR grades every directory under DIR (one per "
             "student), N at a\ntime (default: half the CPUs), all with one "
             "seed; OUT (default\ngrades-LAB) gets each student's results, "
             "grades.csv and summary.txt.\nRun again to resume an interrupted "
             "batch; --only NAME regrades one\nstudent with the class's "
             "seed.  --row FILE writes one line of figures\nfor scripts.\n");
}

int
cli_grade(int argc, char **argv)
{
  static const struct option opts[] = {{"dir", required_argument, 0, 'd'},
                                       {"format", required_argument, 0, 'f'},
                                       {"out", required_argument, 0, 'o'},
                                       {"seed", required_argument, 0, 's'},
                                       {"visible-only", no_argument, 0, 'V'},
                                       {"test", required_argument, 0, 't'},
                                       {"top", required_argument, 0, 'T'},
                                       {"verbose", no_argument, 0, 'v'},
                                       {"list", no_argument, 0, 'l'},
                                       {"batch", required_argument, 0, 'b'},
                                       {"jobs", required_argument, 0, 'j'},
                                       {"out-dir", required_argument, 0, 'O'},
                                       {"only", required_argument, 0, 'n'},
                                       {"row", required_argument, 0, 'r'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  struct gr_run run = {.dir = ".", .format = GR_TEXT};
  char self[PATH_MAX], top[PATH_MAX], dir[PATH_MAX];
  const char *top_arg = NULL, *row_path = NULL;
  struct gr_batch batch = {.format = "text", .format_ext = "txt"};
  char out_dir[PATH_MAX];
  ssize_t n;
  int opt, status, fi;
  uint64_t seed;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);

  batch.jobs = cpus > 1 ? (int)(cpus / 2) : 1;

  run.seed = (uint64_t)time(NULL) % 100000;
  optind = 1;
  while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (opt) {
    case 'd':
      run.dir = optarg;
      break;
    case 'f':
      if ((fi = parse_format(optarg)) < 0) {
        fprintf(stderr,
                "socklab grade: --format %s: expected text, "
                "gradescope, classroom, prairielearn, tap or junit\n",
                optarg);
        return 2;
      }
      run.format = formats[fi].format;
      batch.format = formats[fi].name;
      batch.format_ext = formats[fi].ext;
      break;
    case 'b':
      batch.dir = optarg;
      break;
    case 'j':
      if (cli_parse_bytes(optarg, &seed) < 0 || seed < 1 || seed > 64) {
        fprintf(stderr, "socklab grade: --jobs %s: expected 1 to 64\n", optarg);
        return 2;
      }
      batch.jobs = (int)seed;
      break;
    case 'O':
      batch.out_dir = optarg;
      break;
    case 'n':
      batch.only = optarg;
      break;
    case 'r':
      row_path = optarg;
      break;
    case 'o':
      run.out_path = optarg;
      break;
    case 's':
      if (cli_parse_bytes(optarg, &seed) < 0) {
        fprintf(stderr, "socklab grade: --seed %s: expected an integer\n",
                optarg);
        return 2;
      }
      run.seed = seed;
      batch.seed_given = 1;
      break;
    case 'V':
      run.visible_only = 1;
      break;
    case 't':
      if (run.nonly == GR_MAX_ONLY) {
        fprintf(stderr, "socklab grade: at most %d --test\n", GR_MAX_ONLY);
        return 2;
      }
      run.only[run.nonly++] = optarg;
      break;
    case 'T':
      top_arg = optarg;
      break;
    case 'v':
      run.verbose = 1;
      break;
    case 'l':
      list_labs();
      return 0;
    case 'h':
      usage(stdout);
      return 0;
    default:
      return 2;
    }
  }
  if (optind != argc - 1) {
    usage(stderr);
    return 2;
  }
  if ((run.lab = gr_find_lab(argv[optind])) == NULL) {
    fprintf(stderr, "socklab grade: no lab %s (socklab grade --list)\n",
            argv[optind]);
    return 2;
  }
  for (int i = 0; i < run.nonly; i++)
    if (gr_find_test(run.lab, run.only[i]) == NULL) {
      fprintf(stderr,
              "socklab grade: %s has no test %s (socklab grade "
              "--list)\n",
              run.lab->id, run.only[i]);
      return 2;
    }
  if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) < 0)
    return 2;
  self[n] = '\0';
  if (find_top(top_arg, self, top, sizeof top) < 0) {
    fprintf(stderr, "socklab grade: cannot find the socklab checkout "
                    "(with solutions/): pass --top DIR or set SOCKLAB_TOP\n");
    return 2;
  }
  if (batch.dir != NULL)
    run.dir = batch.dir;
  if (realpath(run.dir, dir) == NULL) {
    fprintf(stderr, "socklab grade: %s %s: %s\n",
            batch.dir != NULL ? "--batch" : "--dir", run.dir, strerror(errno));
    return 2;
  }
  if (batch.dir != NULL) {
    batch.lab = run.lab;
    batch.dir = dir;
    if (batch.out_dir == NULL) {
      snprintf(out_dir, sizeof out_dir, "grades-%s", run.lab->id);
      batch.out_dir = out_dir;
    }
    batch.self_exe = self;
    batch.top = top;
    batch.seed = run.seed;
    return gr_batch_run(&batch);
  }
  run.dir = dir;
  run.top = top;
  run.self_exe = self;
  fprintf(stderr, "socklab grade %s: seed %llu (--seed %llu replays it)\n",
          run.lab->id, (unsigned long long)run.seed,
          (unsigned long long)run.seed);
  if ((status = gr_grade(&run)) != 0)
    return status;
  if (row_path != NULL && !run.interrupted && write_row(&run, row_path) < 0) {
    fprintf(stderr, "socklab grade: --row %s: %s\n", row_path, strerror(errno));
    return 2;
  }
  if (run.out_path != NULL) {
    int r = gr_write_results_file(&run, run.out_path);
    if (r < 0) {
      fprintf(stderr, "socklab grade: --out %s: %s\n", run.out_path,
              strerror(-r));
      return 2;
    }
  } else {
    gr_write_results(&run, stdout);
  }
  for (size_t i = 0; i < run.nresults; i++)
    if (run.results[i].points + 1e-9 < run.results[i].test->points)
      return 1;
  return run.build_failed ? 1 : 0;
}
