/* The labs the grader knows, by name.  Each lab's tests are in labNN.c;
 * they are compiled into socklab rather than shipped beside the handouts,
 * so that hidden tests stay hidden from the students who get labs/. */
#include <string.h>

#include "grade/grade.h"

const struct gr_lab *const gr_labs[] = {&gr_lab01, &gr_lab02, &gr_lab03,
                                        &gr_lab04, &gr_lab05, &gr_lab06,
                                        &gr_lab07, NULL};

const struct gr_lab *
gr_find_lab(const char *name)
{
  for (int i = 0; gr_labs[i] != NULL; i++)
    if (strcmp(name, gr_labs[i]->id) == 0 || strcmp(name, gr_labs[i]->dir) == 0)
      return gr_labs[i];
  return NULL;
}

const struct gr_test *
gr_find_test(const struct gr_lab *lab, const char *id)
{
  for (size_t i = 0; i < lab->ntests; i++)
    if (strcmp(id, lab->tests[i].id) == 0)
      return &lab->tests[i];
  return NULL;
}
