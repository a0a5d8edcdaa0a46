/* The grader's results writers on hostile test output: feedback that a
 * student's program printed may hold control characters, terminal escape
 * sequences, invalid UTF-8, quotes, "]]>" and megabytes.  Every format
 * must stay valid (JSON parses, XML and TAP keep their structure) and a
 * terminal must never see an escape sequence. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grade.h"
#include "suites.h"

/* ---- a strict JSON validator (RFC 8259), enough to check the writers -- */

static const char *json_value(const char *p);

static const char *
ws(const char *p)
{
  while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
    p++;
  return p;
}

/* Valid UTF-8, no raw control characters, valid escapes. */
static const char *
json_string(const char *p)
{
  const unsigned char *s = (const unsigned char *)p;

  if (*s++ != '"')
    return NULL;
  while (*s != '"') {
    if (*s < 0x20)
      return NULL;
    if (*s == '\\') {
      s++;
      if (*s == 'u') {
        for (int i = 1; i <= 4; i++)
          if (!strchr("0123456789abcdefABCDEF", s[i]) || s[i] == 0)
            return NULL;
        s += 5;
      } else if (*s && strchr("\"\\/bfnrt", *s)) {
        s++;
      } else {
        return NULL;
      }
    } else if (*s < 0x80) {
      s++;
    } else {
      int n = (*s & 0xe0) == 0xc0   ? 1
              : (*s & 0xf0) == 0xe0 ? 2
              : (*s & 0xf8) == 0xf0 ? 3
                                    : -1;
      if (n < 0)
        return NULL;
      for (int i = 1; i <= n; i++)
        if ((s[i] & 0xc0) != 0x80)
          return NULL;
      s += n + 1;
    }
  }
  return (const char *)s + 1;
}

static const char *
json_number(const char *p)
{
  const char *start = p;

  if (*p == '-')
    p++;
  while ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' ||
         *p == '+' || *p == '-')
    p++;
  return p > start ? p : NULL;
}

static const char *
json_container(const char *p, char open, char close, int object)
{
  if (*p++ != open)
    return NULL;
  p = ws(p);
  if (*p == close)
    return p + 1;
  for (;;) {
    if (object) {
      if ((p = json_string(ws(p))) == NULL)
        return NULL;
      p = ws(p);
      if (*p++ != ':')
        return NULL;
    }
    if ((p = json_value(ws(p))) == NULL)
      return NULL;
    p = ws(p);
    if (*p == close)
      return p + 1;
    if (*p++ != ',')
      return NULL;
  }
}

static const char *
json_value(const char *p)
{
  p = ws(p);
  if (*p == '"')
    return json_string(p);
  if (*p == '{')
    return json_container(p, '{', '}', 1);
  if (*p == '[')
    return json_container(p, '[', ']', 0);
  if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0)
    return p + 4;
  if (strncmp(p, "false", 5) == 0)
    return p + 5;
  return json_number(p);
}

/* Is text all valid UTF-8 (no overlong forms or surrogates needed
 * here: the writers drop anything doubtful)? */
static int
utf8_valid(const char *text)
{
  for (const unsigned char *s = (const unsigned char *)text; *s;) {
    int n = *s < 0x80             ? 0
            : (*s & 0xe0) == 0xc0 ? 1
            : (*s & 0xf0) == 0xe0 ? 2
            : (*s & 0xf8) == 0xf0 ? 3
                                  : -1;
    if (n < 0)
      return 0;
    for (int i = 1; i <= n; i++)
      if ((s[i] & 0xc0) != 0x80)
        return 0;
    s += n + 1;
  }
  return 1;
}

static int
json_valid(const char *text)
{
  const char *end = json_value(text);

  return end != NULL && *ws(end) == '\0';
}

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
      "fine: caf\xc3\xa9 \xe2\x9c\x93 ]]> </failure> <![CDATA[ & \t tab\n";
  char *s = malloc(sizeof nasty + extra);

  memcpy(s, nasty, sizeof nasty - 1);
  memset(s + sizeof nasty - 1, 'x', extra);
  s[sizeof nasty - 1 + extra] = '\0';
  return s;
}

static char *
write_format(enum gr_format format, size_t extra, int build_failed)
{
  struct gr_result results[3] = {
      {&tests[0], 2, 1, 0.5, strdup("")},
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

START_TEST(test_grade_gradescope_json_valid_on_hostile_output)
{
  char *text = write_format(GR_GRADESCOPE, 1 << 20, 0);

  ck_assert_msg(json_valid(text), "invalid JSON:\n%.600s", text);
  ck_assert_ptr_nonnull(strstr(text, "\"score\": 3.5000"));
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
  tcase_add_test(tc, test_grade_prairielearn_json_valid_on_hostile_output);
  tcase_add_test(tc, test_grade_junit_keeps_its_structure_on_hostile_output);
  tcase_add_test(tc, test_grade_tap_and_text_never_pass_escapes_to_a_terminal);
  suite_add_tcase(s, tc);
  return s;
}
