/* cost.c: the cost profiles of cost.h and the reader of cost files. */
#include "cost.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const keys[NCOSTS] = {
#define COST_KEY(name, key, modern, early, m) key,
    COST_TABLE(COST_KEY)
#undef COST_KEY
};
static const uint32_t modern[NCOSTS] = {
#define COST_MODERN(name, key, m_, early, m) m_,
    COST_TABLE(COST_MODERN)
#undef COST_MODERN
};
static const uint32_t early[NCOSTS] = {
#define COST_EARLY(name, key, m_, e, m) e,
    COST_TABLE(COST_EARLY)
#undef COST_EARLY
};

const char *cost_key(int event) { return event >= 0 && event < NCOSTS ? keys[event] : "?"; }

int cost_profile(cost_model *m, const char *name) {
  const uint32_t *src;
  if (strcmp(name, "modern") == 0) {
    src = modern;
    m->name = "modern";
    m->vpid = true;
  } else if (strcmp(name, "early-vtx") == 0) {
    src = early;
    m->name = "early-vtx";
    m->vpid = false;
  } else {
    return -1;
  }
  memcpy(m->c, src, sizeof m->c);
  return 0;
}

int cost_load(cost_model *m, const char *path, char *err, int errlen) {
  char *text;
  size_t len;
  int status = cli_read_file(path, COST_FILE_MAX, &text, &len, err, (size_t)errlen);
  if (status) return status;
  if (strlen(text) != len) {
    snprintf(err, (size_t)errlen, "%s: not a text file", path);
    free(text);
    return CLI_EX_DATAERR;
  }
  cost_profile(m, "modern");
  m->name = "file";
  int lineno = 0, rc = 0;
  for (char *line = text, *next; rc == 0 && *line; line = next) {
    next = line + strcspn(line, "\n");
    if (*next) *next++ = 0;
    lineno++;
    char *hash = strchr(line, '#');
    if (hash) *hash = 0;
    char key[64];
    unsigned long v;
    char extra;
    if (sscanf(line, " %63[a-z_-] = %lu %c", key, &v, &extra) == 2 && v <= 1000000) {
      int i = 0;
      while (i < NCOSTS && strcmp(keys[i], key) != 0) i++;
      if (i == NCOSTS) {
        snprintf(err, (size_t)errlen, "%s:%d: unknown cost '%s'", path, lineno, key);
        rc = CLI_EX_DATAERR;
      } else {
        m->c[i] = (uint32_t)v;
      }
    } else if (strspn(line, " \t\r") != strlen(line)) {
      snprintf(err, (size_t)errlen, "%s:%d: expected 'key = cycles' (0..1000000)", path, lineno);
      rc = CLI_EX_DATAERR;
    }
  }
  free(text);
  return rc;
}
