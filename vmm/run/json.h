/* json.h: a small streaming JSON writer for --stats-json: objects, arrays,
 * numbers and strings, with commas and indentation handled here. */
#ifndef JSON_H
#define JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

typedef struct json {
  FILE *f;
  int depth;
  bool first[JSON_MAX_DEPTH]; /* nothing written yet at this depth */
  char close[JSON_MAX_DEPTH]; /* '}' or ']' */
} json;

void json_init(json *j, FILE *f);
/* key is NULL at the top level and inside arrays. */
void json_object(json *j, const char *key);
void json_array(json *j, const char *key);
void json_end(json *j); /* closes the innermost object or array */
void json_u64(json *j, const char *key, uint64_t v);
void json_double(json *j, const char *key, double v);
void json_str(json *j, const char *key, const char *s);
void json_bool(json *j, const char *key, bool v);

#endif
