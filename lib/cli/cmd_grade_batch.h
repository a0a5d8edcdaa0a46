/* socklab grade LAB --batch DIR: every submission under DIR, graded in
 * parallel, summed up per class (grade_batch.c). */
#ifndef SOCKLAB_CLI_GRADE_BATCH_H
#define SOCKLAB_CLI_GRADE_BATCH_H

#include <stdint.h>

#include "grade/grade.h"

struct gr_batch {
  const struct gr_lab *lab;
  const char *dir;        /* one directory per student under it */
  const char *out_dir;    /* NAME.row, NAME.log, NAME.<format>, grades.csv */
  const char *format;     /* each student's results file: --format's word */
  const char *format_ext; /* and its file name's ending */
  const char *only;       /* NULL, or the one student to (re)grade */
  const char *self_exe;   /* this socklab, run once per student */
  const char *top;        /* the socklab checkout */
  int jobs;               /* graders at once */
  uint64_t seed;          /* the class's: every student gets the same */
  int seed_given;         /* --seed was given */
};

/* Grades the class; 0 when every submission was graded, 2 otherwise. */
int gr_batch_run(struct gr_batch *b);

#endif
