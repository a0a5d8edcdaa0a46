/* The grader's results in the formats course platforms read: text for
 * people (and GitHub Classroom, which reads its "Points X/Y" line and the
 * exit status), Gradescope's results.json, PrairieLearn's results.json,
 * TAP 14 and JUnit XML.  Feedback comes from programs students wrote, so
 * every writer escapes what its format cannot hold: control characters,
 * invalid UTF-8, "]]>" -- and a file is replaced atomically. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grade/grade.h"

struct totals {
  double earned, possible;
  int passed, failed, not_run;
};

/* Did r earn all its points?  (A sum of fractions may miss them by a
 * rounding error, never by more.) */
static int
full(const struct gr_result *r)
{
  return r->points + 1e-9 >= r->test->points;
}

/* The points r shows, in every format: all of them, or what it earned cut
 * down to hundredths, so that a loss is never rounded away (1.97 or
 * 1.999 of 2 shows as 1.97 or 1.99, never 2.0). */
static double
shown(const struct gr_result *r)
{
  if (full(r))
    return r->test->points;
  return (double)(long long)(r->points * 100 + 1e-6) / 100;
}

static void
sum(const struct gr_run *run, struct totals *t)
{
  memset(t, 0, sizeof *t);
  for (size_t i = 0; i < run->nresults; i++) {
    const struct gr_result *r = &run->results[i];
    t->possible += r->test->points;
    t->earned += shown(r);
    if (!r->ran)
      t->not_run++;
    else if (full(r))
      t->passed++;
    else
      t->failed++;
  }
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
  size_t len;
  unsigned cp;

  if (s[0] < 0x80)
    return 1;
  if ((s[0] & 0xe0) == 0xc0)
    len = 2, cp = s[0] & 0x1f;
  else if ((s[0] & 0xf0) == 0xe0)
    len = 3, cp = s[0] & 0x0f;
  else if ((s[0] & 0xf8) == 0xf0)
    len = 4, cp = s[0] & 0x07;
  else
    return 0;
  if (len > n)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = cp << 6 | (s[i] & 0x3f);
  }
  /* Overlong forms, surrogates and beyond U+10FFFF are not UTF-8. */
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
      (len == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) ||
      cp > 0x10ffff)
    return 0;
  return len;
}

/* A JSON string, with invalid UTF-8 replaced by U+FFFD. */
static void
json_str(FILE *f, const char *s)
{
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t n = strlen((const char *)p);

  fputc('"', f);
  while (n > 0) {
    size_t len = utf8_len(p, n);
    if (len == 0) {
      fputs("\\ufffd", f);
      p++, n--;
      continue;
    }
    if (*p == '"' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else if (*p == '\n')
      fputs("\\n", f);
    else if (*p == '\t')
      fputs("\\t", f);
    else if (*p < 0x20 || *p == 0x7f)
      fprintf(f, "\\u%04x", *p);
    else
      fwrite(p, 1, len, f);
    p += len;
    n -= len;
  }
  fputc('"', f);
}

void
gr_xml_str(FILE *f, const char *s)
{
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t n = strlen((const char *)p);

  while (n > 0) {
    size_t len = utf8_len(p, n);
    if (len == 0 || (*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f) {
      fputs(len == 0 ? "\xef\xbf\xbd" : "?", f);
      p += len ? len : 1;
      n -= len ? len : 1;
      continue;
    }
    if (*p == '<')
      fputs("&lt;", f);
    else if (*p == '>')
      fputs("&gt;", f);
    else if (*p == '&')
      fputs("&amp;", f);
    else if (*p == '"')
      fputs("&quot;", f);
    else
      fwrite(p, 1, len, f);
    p += len;
    n -= len;
  }
}

/* Plain text for a terminal: control characters other than newline and
 * tab shown as '?', so a program's output cannot move the cursor -- the
 * C1 controls too (U+0080-U+009F: U+009B is CSI, which starts an escape
 * sequence in xterm), and invalid UTF-8 as '?', so TAP stays UTF-8. */
static void
text_str(FILE *f, const char *s, const char *indent)
{
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t n = strlen((const char *)p);

  fputs(indent, f);
  while (n > 0) {
    size_t len = utf8_len(p, n);
    if (len == 0 || (len == 2 && p[0] == 0xc2 && p[1] < 0xa0)) {
      fputc('?', f); /* not UTF-8, or a C1 control */
      len = len ? len : 1;
    } else if (*p == '\n') {
      if (n > 1) {
        fputc('\n', f);
        fputs(indent, f);
      }
    } else if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
      fputc('?', f);
    } else {
      fwrite(p, 1, len, f);
    }
    p += len;
    n -= len;
  }
  fputc('\n', f);
}

static const char *
feedback_of(const struct gr_result *r)
{
  return r->feedback && r->feedback[0] ? r->feedback : "";
}

static void
write_text(const struct gr_run *run, FILE *f)
{
  struct totals t;

  sum(run, &t);
  fprintf(f, "socklab grade %s (%s), seed %llu\n", run->lab->id, run->lab->dir,
          (unsigned long long)run->seed);
  if (run->build_failed) {
    fprintf(f, "\nYour programs did not build. make said:\n");
    text_str(f, run->build_log, "  | ");
  }
  fprintf(f, "\n");
  for (size_t i = 0; i < run->nresults; i++) {
    const struct gr_result *r = &run->results[i];
    const char *mark = !r->ran         ? "--"
                       : full(r)       ? "ok"
                       : r->points > 0 ? "~~"
                                       : "XX";
    fprintf(f, "%s %5.2f/%-5.2f %s%s\n", mark, shown(r), r->test->points,
            r->test->name, r->test->visibility == GR_HIDDEN ? " (hidden)" : "");
    if (feedback_of(r)[0] && (!full(r) || !r->ran))
      text_str(f, feedback_of(r), "     ");
  }
  fprintf(f, "\n%d passed, %d lost points, %d not run.\n", t.passed, t.failed,
          t.not_run);
  /* GitHub Classroom's autograder reads this line. */
  fprintf(f, "Points %g/%g\n", t.earned, t.possible);
}

/* Markdown that shows text as it is, monospaced: a fenced block whose
 * fence has more backticks than any run in the text, so that nothing in
 * it (a compiler's message, a program's output) can close it.  NULL when
 * out of memory. */
static char *
md_fenced(const char *text)
{
  size_t run = 0, longest = 0;
  char fence[64], *s;

  for (const char *p = text; *p; p++) {
    run = *p == '`' ? run + 1 : 0;
    longest = run > longest ? run : longest;
  }
  longest = longest < 3 ? 3 : longest + 1;
  if (longest >= sizeof fence)
    longest = sizeof fence - 1; /* 63 backticks in a row: not from make */
  memset(fence, '`', longest);
  fence[longest] = '\0';
  return asprintf(&s, "%s\n%s\n%s\n", fence, text, fence) < 0 ? NULL : s;
}

/* Gradescope's results.json (its autograder specification).  Before the
 * due date a student must not learn that a hidden test lost points: the
 * top-level output, which is always shown, says nothing of the tests
 * (their own entries do, each when its visibility allows), and there is
 * no top-level score, which would override the tests' total that
 * Gradescope keeps from students while some tests are hidden.  Test
 * output is "text", which Gradescope puts in a <pre> block, so ladders
 * and netstat lines keep their columns; the top-level output is Markdown
 * with the text in a fenced block, monospaced too, where the default
 * ("simple_format", HTML) would eat a compiler's "<stdio.h>". */
static void
write_gradescope(const struct gr_run *run, FILE *f)
{
  char *head = NULL, *out;
  int n;

  if (run->build_failed)
    n = asprintf(&head, "Your programs did not build. make said:\n%s",
                 run->build_log ? run->build_log : "");
  else
    n = asprintf(&head,
                 "socklab grade %s, seed %llu%s: each test below says what "
                 "it expected and what happened.",
                 run->lab->id, (unsigned long long)run->seed,
                 run->interrupted ? " (the grader was interrupted)" : "");
  if (n < 0)
    head = NULL; /* asprintf leaves it undefined */
  out = head == NULL ? NULL : md_fenced(head);
  fprintf(f, "{\"output\": ");
  json_str(f, out ? out : "socklab grade: out of memory");
  fprintf(f, ",\n \"output_format\": \"md\",\n"
             " \"test_output_format\": \"text\",\n"
             " \"test_name_format\": \"text\",\n"
             " \"visibility\": \"visible\",\n"
             " \"stdout_visibility\": \"hidden\",\n"
             " \"tests\": [");
  free(head);
  free(out);
  for (size_t i = 0; i < run->nresults; i++) {
    const struct gr_result *r = &run->results[i];
    fprintf(f, "%s\n  {\"number\": \"%zu\", \"name\": ", i ? "," : "", i + 1);
    json_str(f, r->test->name);
    fprintf(f,
            ", \"score\": %.4f, \"max_score\": %.4f, \"visibility\": \"%s\","
            " \"output_format\": \"text\", \"output\": ",
            shown(r), r->test->points,
            r->test->visibility == GR_HIDDEN ? "after_due_date" : "visible");
    json_str(f, feedback_of(r));
    fprintf(f, "}");
  }
  fprintf(f, "\n ]\n}\n");
}

static void
write_prairielearn(const struct gr_run *run, FILE *f)
{
  struct totals t;

  sum(run, &t);
  fprintf(f, "{\"gradable\": %s,\n \"score\": %.6f,\n \"message\": ",
          run->build_failed ? "false" : "true",
          t.possible > 0 ? t.earned / t.possible : 0.0);
  json_str(f, run->build_failed ? "Your programs did not build." : "");
  fprintf(f, ",\n \"output\": ");
  json_str(f, run->build_failed ? run->build_log : "");
  fprintf(f, ",\n \"tests\": [");
  for (size_t i = 0; i < run->nresults; i++) {
    const struct gr_result *r = &run->results[i];
    fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
    json_str(f, r->test->name);
    fprintf(f, ", \"description\": ");
    json_str(f, r->test->id);
    fprintf(f,
            ", \"points\": %.4f, \"max_points\": %.4f, \"output\": ", shown(r),
            r->test->points);
    json_str(f, feedback_of(r));
    fprintf(f, "}");
  }
  fprintf(f, "\n ]\n}\n");
}

/* TAP 14: one point per test, with a YAML block of what happened. */
static void
write_tap(const struct gr_run *run, FILE *f)
{
  fprintf(f, "TAP version 14\n1..%zu\n", run->nresults);
  if (run->build_failed) {
    fprintf(f, "# your programs did not build:\n");
    text_str(f, run->build_log, "# ");
  }
  for (size_t i = 0; i < run->nresults; i++) {
    const struct gr_result *r = &run->results[i];
    int ok = r->ran && full(r);
    fprintf(f, "%s %zu - %s: ", ok ? "ok" : "not ok", i + 1, r->test->id);
    /* The description is one line: newlines and '#' would change it. */
    for (const char *p = r->test->name; *p; p++)
      fputc(*p == '#' || *p == '\n' ? ' ' : *p, f);
    if (!r->ran)
      fprintf(f, " # SKIP not run");
    fprintf(f, "\n  ---\n  points: %g\n  max_points: %g\n", shown(r),
            r->test->points);
    if (feedback_of(r)[0]) {
      fprintf(f, "  message: |\n");
      text_str(f, feedback_of(r), "    ");
    }
    fprintf(f, "  ...\n");
  }
}

static void
write_junit(const struct gr_run *run, FILE *f)
{
  struct totals t;

  sum(run, &t);
  fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  fprintf(f, "<testsuites>\n<testsuite name=\"");
  gr_xml_str(f, run->lab->dir);
  fprintf(f, "\" tests=\"%zu\" failures=\"%d\" skipped=\"%d\">\n",
          run->nresults, t.failed, t.not_run);
  for (size_t i = 0; i < run->nresults; i++) {
    const struct gr_result *r = &run->results[i];
    fprintf(f, "  <testcase classname=\"%s\" name=\"", run->lab->id);
    gr_xml_str(f, r->test->id);
    fprintf(f, "\" time=\"%.3f\">\n", r->seconds);
    if (!r->ran) {
      fprintf(f, "    <skipped message=\"");
      gr_xml_str(f, feedback_of(r));
      fprintf(f, "\"/>\n");
    } else if (!full(r)) {
      fprintf(f, "    <failure message=\"%g of %g points\">", shown(r),
              r->test->points);
      gr_xml_str(f, feedback_of(r));
      fprintf(f, "</failure>\n");
    }
    fprintf(f, "  </testcase>\n");
  }
  fprintf(f, "</testsuite>\n</testsuites>\n");
}

int
gr_write_results(const struct gr_run *run, FILE *f)
{
  switch (run->format) {
  case GR_GRADESCOPE:
    write_gradescope(run, f);
    break;
  case GR_PRAIRIELEARN:
    write_prairielearn(run, f);
    break;
  case GR_TAP:
    write_tap(run, f);
    break;
  case GR_JUNIT:
    write_junit(run, f);
    break;
  case GR_TEXT:
  case GR_CLASSROOM:
  default:
    write_text(run, f);
    break;
  }
  return ferror(f) ? -EIO : 0;
}

int
gr_write_results_file(const struct gr_run *run, const char *path)
{
  char tmp[4200];
  FILE *f;
  int fd, r;

  /* A name of our own, made here (O_EXCL): a predictable one in a
   * directory students can write (/tmp) could be a symbolic link they
   * planted, and root would write wherever it points. */
  snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
  if ((fd = mkstemp(tmp)) < 0)
    return -errno;
  if (fchmod(fd, 0644) < 0 || (f = fdopen(fd, "w")) == NULL) {
    r = -errno;
    close(fd);
    unlink(tmp);
    return r;
  }
  r = gr_write_results(run, f);
  if (fclose(f) != 0 && r == 0)
    r = -errno;
  if (r == 0 && rename(tmp, path) < 0)
    r = -errno;
  if (r < 0)
    unlink(tmp);
  return r;
}
