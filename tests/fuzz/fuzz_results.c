/* libFuzzer target: the grader's results writers (lib/grade/results.c)
 * with hostile feedback and build logs, in every format.  Feedback is what
 * a student's program printed, so it may hold anything; each format must
 * stay valid whatever it holds: the JSON formats parse (a strict
 * validator, tests/unit/json_check.c), every format is valid UTF-8, and
 * no control character but newline and tab gets through (a terminal
 * never sees an escape sequence, TAP and XML keep their structure).
 *
 * The input: [1 byte format][1 byte flags][text], the text cut at NUL
 * bytes into the build log and the feedback of three tests.  Flag bits
 * 0-2: test i ran; bit 3: the build failed; bit 4: interrupted; bits 5-7
 * pick the points each test earned.
 *
 *   make fuzz && build/fuzz/fuzz_results -max_total_time=60 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/json_check.h"
#include "grade/grade.h"

static void
noop(struct gr_ctx *c)
{
  (void)c;
}

static const struct gr_test tests[] = {
    {"passes", "a test that passes", 2, GR_VISIBLE, 5, noop},
    {"hostile", "a test \"with\" <markup> & #hash", 3, GR_HIDDEN, 5, noop},
    {"not_run", "a test that did not run", 1, GR_VISIBLE, 5, noop},
};
static const char *const programs[] = {"prog", NULL};
static const struct gr_lab lab = {"lab99", "lab99-fuzz", programs, tests, 3};

/* The next NUL-terminated piece of data (the rest when there is no NUL),
 * as a string of its own. */
static char *
piece(const uint8_t **data, size_t *size)
{
  const uint8_t *nul = memchr(*data, 0, *size);
  size_t n = nul != NULL ? (size_t)(nul - *data) : *size;
  char *s = malloc(n + 1);

  if (s == NULL)
    abort();
  memcpy(s, *data, n);
  s[n] = '\0';
  *data += nul != NULL ? n + 1 : n;
  *size -= nul != NULL ? n + 1 : n;
  return s;
}

/* No control characters but newline and tab (and, in JSON, none at all:
 * the validator checks that).  In the formats read on a terminal (text
 * and TAP), no C1 control either (U+0080-U+009F: U+009B is CSI, an
 * escape sequence's start for xterm). */
static void
check_no_controls(const char *text, enum gr_format format)
{
  int terminal =
      format == GR_TEXT || format == GR_CLASSROOM || format == GR_TAP;

  for (const unsigned char *p = (const unsigned char *)text; *p; p++)
    if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f ||
        (terminal && p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)) {
      fprintf(stderr, "format %d: control character 0x%02x at %zu\n",
              (int)format, *p, (size_t)(p - (const unsigned char *)text));
      abort();
    }
}

/* XML: every '<' opens one of the writer's own tags and every '&' an
 * entity it writes, so feedback cannot add or close an element. */
static void
check_xml(const char *text)
{
  static const char *const tags[] = {
      "?xml ",     "testsuites>", "/testsuites>", "testsuite ", "/testsuite>",
      "testcase ", "/testcase>",  "skipped ",     "failure ",   "/failure>"};
  static const char *const entities[] = {"&lt;", "&gt;", "&amp;", "&quot;"};

  for (const char *p = text; *p; p++) {
    int ok = 0;
    if (*p == '<')
      for (size_t i = 0; i < sizeof tags / sizeof *tags; i++)
        ok |= strncmp(p + 1, tags[i], strlen(tags[i])) == 0;
    else if (*p == '&')
      for (size_t i = 0; i < sizeof entities / sizeof *entities; i++)
        ok |= strncmp(p, entities[i], strlen(entities[i])) == 0;
    else
      continue;
    if (!ok) {
      fprintf(stderr, "JUnit XML: stray '%c' at %zu: %.40s\n", *p,
              (size_t)(p - text), p);
      abort();
    }
  }
}

/* TAP: every line is one the writer makes, and feedback only ever in the
 * YAML block, indented by four, so it cannot add a test point ("ok 7")
 * or end the block early. */
static void
check_tap(const char *text)
{
  static const char *const lines[] = {"TAP version 14\n",
                                      "1..",
                                      "# ",
                                      "ok ",
                                      "not ok ",
                                      "    ",
                                      "  ---\n",
                                      "  points: ",
                                      "  max_points: ",
                                      "  message: |\n",
                                      "  ...\n"};

  for (const char *line = text; *line;) {
    const char *nl = strchr(line, '\n');
    int ok = 0;
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
      ok |= strncmp(line, lines[i], strlen(lines[i])) == 0;
    if (!ok) {
      fprintf(stderr, "TAP: a line of nobody's: %.40s\n", line);
      abort();
    }
    if (nl == NULL)
      break;
    line = nl + 1;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const double earned[][3] = {{2, 3, 1},      {0, 0, 0}, {2, 1.5, 0},
                                     {1, 3, 1},      {0, 3, 0}, {2, 0, 1},
                                     {0.5, 2.25, 1}, {2, 3, 0}};
  struct gr_result results[3];
  struct gr_run run;
  enum gr_format format;
  uint8_t flags;
  char *text = NULL;
  size_t len = 0;
  FILE *f;

  if (size < 2)
    return 0;
  format = (enum gr_format)(data[0] % (GR_JUNIT + 1));
  flags = data[1];
  data += 2;
  size -= 2;
  memset(&run, 0, sizeof run);
  run.lab = &lab;
  run.seed = 42;
  run.format = format;
  run.results = results;
  run.nresults = 3;
  run.build_failed = (flags & 8) != 0;
  run.interrupted = (flags & 16) != 0;
  run.build_log = piece(&data, &size);
  for (int i = 0; i < 3; i++) {
    results[i].test = &tests[i];
    results[i].ran = (flags >> i) & 1;
    results[i].points = results[i].ran ? earned[flags >> 5][i] : 0;
    results[i].seconds = 0.25 * i;
    results[i].feedback = piece(&data, &size);
  }

  f = open_memstream(&text, &len);
  if (f == NULL || gr_write_results(&run, f) != 0 || fclose(f) != 0)
    abort();
  if (strlen(text) != len) {
    fprintf(stderr, "format %d: a NUL byte in the output\n", (int)format);
    abort();
  }
  if (!utf8_valid(text)) {
    fprintf(stderr, "format %d: invalid UTF-8\n", (int)format);
    abort();
  }
  if ((format == GR_GRADESCOPE || format == GR_PRAIRIELEARN) &&
      !json_valid(text)) {
    fprintf(stderr, "format %d: invalid JSON:\n%s\n", (int)format, text);
    abort();
  }
  check_no_controls(text, format);
  if (format == GR_JUNIT)
    check_xml(text);
  if (format == GR_TAP)
    check_tap(text);

  free(text);
  free(run.build_log);
  for (int i = 0; i < 3; i++)
    free(results[i].feedback);
  return 0;
}
