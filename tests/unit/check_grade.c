/* The grader's results writers on hostile test output: feedback that a
 * student's program printed may hold control characters, terminal escape
 * sequences, invalid UTF-8, quotes, "]]>" and megabytes.  Every format
 * must stay valid (JSON parses, XML and TAP keep their structure) and a
 * terminal must never see an escape sequence. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grade/grade.h"
#include "json_check.h"
#include "suites.h"

/* ---- a run with hostile feedback ---------------------------------------- */

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
static const struct gr_lab lab = {"lab99", "lab99-hostile", programs, tests, 3};

static char *
hostile(size_t extra)
{
  static const char nasty[] =
      "expected \"hi\\n\", got:\n\x1b[31mRED\x1b[0m \x01\x02\x7f "
      "bad utf8 \xff\xfe \xc3\x28 overlong \xc0\xaf surrogate \xed\xa0\x80 "
      "fine: caf\xc3\xa9 \xe2\x9c\x93 ]]> </failure> <![CDATA[ & \t tab\n"
      "C1 CSI: \xc2\x9b"
      "31m\n";
  char *s = malloc(sizeof nasty + extra);

  memcpy(s, nasty, sizeof nasty - 1);
  memset(s + sizeof nasty - 1, 'x', extra);
  s[sizeof nasty - 1 + extra] = '\0';
  return s;
}

/* The run in format: "passes" earned first (of 2), "hostile" 1.5 of 3
 * with hostile feedback (extra bytes more of it), "not_run" did not. */
static char *
write_run(enum gr_format format, size_t extra, int build_failed, double first)
{
  struct gr_result results[3] = {
      {&tests[0], first, 1, 0.5, strdup("")},
      {&tests[1], 1.5, 1, 1.25, hostile(extra)},
      {&tests[2], 0, 0, 0, strdup("not run: the grader was interrupted")},
  };
  struct gr_run run = {.lab = &lab,
                       .seed = 42,
                       .format = format,
                       .results = results,
                       .nresults = 3,
                       .build_failed = build_failed,
                       .build_log = build_failed ? hostile(0) : NULL};
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);

  ck_assert_int_eq(gr_write_results(&run, f), 0);
  fclose(f);
  for (int i = 0; i < 3; i++)
    free(results[i].feedback);
  free(run.build_log);
  return text;
}

static char *
write_format(enum gr_format format, size_t extra, int build_failed)
{
  return write_run(format, extra, build_failed, 2);
}

START_TEST(test_grade_gradescope_json_valid_on_hostile_output)
{
  char *text = write_format(GR_GRADESCOPE, 1 << 20, 0);

  ck_assert_msg(json_valid(text), "invalid JSON:\n%.600s", text);
  ck_assert_ptr_nonnull(strstr(text, "\"score\": 1.5000"));
  ck_assert_ptr_nonnull(strstr(text, "\"after_due_date\""));
  ck_assert_ptr_nonnull(strstr(text, "caf\xc3\xa9 \xe2\x9c\x93"));
  ck_assert(utf8_valid(text));
  ck_assert_ptr_null(strchr(text, '\x1b'));
  free(text);
  text = write_format(GR_GRADESCOPE, 0, 1);
  ck_assert_msg(json_valid(text), "invalid JSON:\n%.600s", text);
  ck_assert_ptr_nonnull(strstr(text, "did not build"));
  free(text);
}
END_TEST

/* What students see before the due date is the top-level output and the
 * visible tests: nothing there may count the hidden one, which lost
 * points, and no top-level score may stand in for the tests' total that
 * Gradescope hides.  Its text is in a fenced block that the build log,
 * backticks and all, cannot close. */
START_TEST(test_grade_gradescope_hides_hidden_tests_before_the_due_date)
{
  char *text = write_format(GR_GRADESCOPE, 0, 0), *output, *end;

  ck_assert_ptr_null(strstr(text, "{\"score\""));
  ck_assert_ptr_null(strstr(text, "\n \"score\""));
  output = strstr(text, "\"output\": ");
  ck_assert_ptr_nonnull(output);
  end = strstr(output, "\",\n");
  ck_assert_ptr_nonnull(end);
  *end = '\0';
  ck_assert_ptr_null(strstr(output, "passed"));
  ck_assert_ptr_null(strstr(output, "lost"));
  ck_assert_ptr_nonnull(strstr(output, "\"output\": \"```\\n"));
  *end = '"';
  ck_assert_ptr_nonnull(strstr(text, "\"output_format\": \"md\""));
  ck_assert_ptr_nonnull(strstr(text, "\"test_output_format\": \"text\""));
  ck_assert_ptr_nonnull(strstr(text, "\"stdout_visibility\": \"hidden\""));
  free(text);
}
END_TEST

/* A test that lost 0.03 points, or 0.001, must not show as full anywhere. */
START_TEST(test_grade_a_loss_is_never_rounded_away)
{
  static const struct {
    enum gr_format format;
    const char *want;
  } shows[] = {{GR_TEXT, "~~  1.97/2.00  a test that passes"},
               {GR_TAP, "  points: 1.97\n  max_points: 2\n"},
               {GR_JUNIT, "<failure message=\"1.97 of 2 points\">"},
               {GR_GRADESCOPE, "\"score\": 1.9700, \"max_score\": 2.0000"},
               {GR_PRAIRIELEARN, "\"points\": 1.9700, \"max_points\": 2.0000"}};

  for (size_t i = 0; i < sizeof shows / sizeof *shows; i++) {
    char *text = write_run(shows[i].format, 0, 0, 1.97);
    ck_assert_msg(strstr(text, shows[i].want) != NULL,
                  "format %d: no %s in\n%s", (int)shows[i].format,
                  shows[i].want, text);
    free(text);
    text = write_run(shows[i].format, 0, 0, 2 - 0.001);
    ck_assert_msg(strstr(text, "2.00/") == NULL &&
                      strstr(text, "\"score\": 2.0000") == NULL &&
                      strstr(text, "\"points\": 2.0000") == NULL &&
                      strstr(text, "  points: 2\n") == NULL,
                  "format %d shows 1.999 as 2:\n%s", (int)shows[i].format,
                  text);
    free(text);
  }
}
END_TEST

START_TEST(test_grade_prairielearn_json_valid_on_hostile_output)
{
  char *text = write_format(GR_PRAIRIELEARN, 1000, 0);

  ck_assert_msg(json_valid(text), "invalid JSON:\n%.600s", text);
  ck_assert_ptr_nonnull(strstr(text, "\"gradable\": true"));
  free(text);
  text = write_format(GR_PRAIRIELEARN, 0, 1);
  ck_assert_msg(json_valid(text), "invalid JSON:\n%.600s", text);
  ck_assert_ptr_nonnull(strstr(text, "\"gradable\": false"));
  free(text);
}
END_TEST

START_TEST(test_grade_junit_keeps_its_structure_on_hostile_output)
{
  char *text = write_format(GR_JUNIT, 1000, 0);
  int failures = 0;

  for (const char *p = text; (p = strstr(p, "</failure>")) != NULL; p++)
    failures++;
  ck_assert_int_eq(failures, 1); /* the feedback's own was escaped */
  ck_assert_ptr_null(strstr(text, "<![CDATA["));
  ck_assert_ptr_nonnull(strstr(text, "<skipped"));
  for (const unsigned char *p = (const unsigned char *)text; *p; p++)
    ck_assert_msg(*p >= 0x20 || *p == '\n' || *p == '\t',
                  "control character %#x in the XML", *p);
  ck_assert_msg(utf8_valid(text), "invalid UTF-8 in the XML");
  free(text);
}
END_TEST

START_TEST(test_grade_tap_and_text_never_pass_escapes_to_a_terminal)
{
  char *tap = write_format(GR_TAP, 100, 0);
  char *txt = write_format(GR_TEXT, 100, 1);

  ck_assert_ptr_nonnull(strstr(tap, "TAP version 14\n1..3\n"));
  ck_assert_ptr_nonnull(strstr(tap, "not ok 2 - hostile: a test \"with\" "
                                    "<markup> &  hash\n"));
  ck_assert_ptr_nonnull(strstr(tap, "ok 3 - not_run: a test that did not run "
                                    "# SKIP not run\n"));
  ck_assert_ptr_null(strchr(tap, '\x1b'));
  ck_assert_ptr_null(strchr(txt, '\x1b'));
  ck_assert_ptr_null(strstr(tap, "\xc2\x9b")); /* CSI as a C1 control */
  ck_assert_ptr_null(strstr(txt, "\xc2\x9b"));
  ck_assert_msg(utf8_valid(tap), "invalid UTF-8 in TAP");
  ck_assert_msg(utf8_valid(txt), "invalid UTF-8 in the text");
  ck_assert_ptr_nonnull(strstr(txt, "Points 3.5/6\n"));
  free(tap);
  free(txt);
}
END_TEST

Suite *
grade_suite(void)
{
  Suite *s = suite_create("grade");
  TCase *tc = tcase_create("results");

  tcase_add_test(tc, test_grade_gradescope_json_valid_on_hostile_output);
  tcase_add_test(tc,
                 test_grade_gradescope_hides_hidden_tests_before_the_due_date);
  tcase_add_test(tc, test_grade_a_loss_is_never_rounded_away);
  tcase_add_test(tc, test_grade_prairielearn_json_valid_on_hostile_output);
  tcase_add_test(tc, test_grade_junit_keeps_its_structure_on_hostile_output);
  tcase_add_test(tc, test_grade_tap_and_text_never_pass_escapes_to_a_terminal);
  suite_add_tcase(s, tc);
  return s;
}
