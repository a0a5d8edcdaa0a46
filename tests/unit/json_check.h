/* A strict JSON validator (RFC 8259) and a UTF-8 check for the tests of
 * the grader's results writers (json_check.c). */
#ifndef SOCKLAB_JSON_CHECK_H
#define SOCKLAB_JSON_CHECK_H

/* Is text exactly one JSON value (whitespace around it allowed), with
 * valid UTF-8 and escapes in its strings? */
int json_valid(const char *text);
/* Is text all valid UTF-8 (lead and continuation bytes; overlong forms
 * and surrogates are not looked for)? */
int utf8_valid(const char *text);

#endif
