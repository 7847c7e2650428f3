/* vdb_expr.c: the expressions of print, x, break and the rest.
 *
 *   expr    := or
 *   or      := xor { "|" xor }         xor := and { "^" and }
 *   and     := shift { "&" shift }     shift := add { ("<<" | ">>") add }
 *   add     := mul { ("+" | "-") mul } mul := unary { ("*" | "/" | "%") unary }
 *   unary   := ("-" | "~" | "!" | "+") unary | primary
 *   primary := number | 'c' | $register | $N | $ | symbol | register | "(" expr ")"
 *
 * Values are 32-bit unsigned, as the machine's; >> is a logical shift.
 * Registers are the guest's (what it believes: the VCPU under a monitor).
 * A bare name is a symbol if the image has one by that name, else a
 * register if it is one (r1, sp, pc, ptb): `p r1` as `p $r1`.
 * A value that comes from an address (a symbol, $pc, $sp, ...) stays marked
 * as one through + and -, so print shows it in hex with its symbol.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "isa_info.h"
#include "vdb.h"

#define MAX_DEPTH 100

typedef struct parser {
  vdb *d;
  vdb_target *t;
  const char *s, *p;
  char *err;
  size_t errlen;
  int depth;
  bool failed;
} parser;

/* The names of $NAME that are not the ISA's registers: vdb's own, then
 * the control registers. */
static const char *const other_names[] = {
    "pc",
    "flags",
    "tick",
#define CR_REGNAME(name, s, n, m) s,
    CR_TABLE(CR_REGNAME)
#undef CR_REGNAME
};
static const char *const reg_names[] = {
#define REG_NAME(NAME, n, s, addr, m) s,
    REG_TABLE(REG_NAME)
#undef REG_NAME
};
enum { NNAMED = sizeof reg_names / sizeof reg_names[0], NOTHER = sizeof other_names / sizeof other_names[0] };

const char *expr_reg_name(int i) {
  if (i < 0) return NULL;
  if (i < NREGS) return isa_reg_numbered((unsigned)i);
  if (i < NREGS + NNAMED) return reg_names[i - NREGS];
  if (i < NREGS + NNAMED + NOTHER) return other_names[i - NREGS - NNAMED];
  return NULL;
}

/* Does the value come from an address?  pc, the registers that hold one
 * by convention (REG_TABLE), and the control registers that do. */
static bool is_addr_reg(const char *name) {
  int r = isa_reg_number(name, false), cr = isa_cr_number(name);
  return strcmp(name, "pc") == 0 || (r >= 0 && isa_reg_addr((unsigned)r)) || cr == CR_PTB || cr == CR_TVEC ||
         cr == CR_EPC || cr == CR_BADVA;
}

int expr_reg(const vdb_target *t, const char *name, uint32_t *v) {
  vdb_regs g;
  target_regs(t, &g);
  int r = isa_reg_number(name, false);
  if (r >= 0) return *v = g.r[r], 0;
  if (strcmp(name, "pc") == 0) return *v = g.pc, 0;
  if (strcmp(name, "flags") == 0) return *v = g.flags, 0;
  if (strcmp(name, "tick") == 0) return *v = (uint32_t)target_now(t), 0;
  int cr = isa_cr_number(name);
  if (cr >= 0) return *v = g.cr[cr], 0;
  return -1;
}

static vdb_val fail(parser *ps, const char *fmt, const char *arg) {
  if (!ps->failed) snprintf(ps->err, ps->errlen, fmt, arg);
  ps->failed = true;
  return (vdb_val){0, false};
}

static void skip(parser *ps) {
  while (isspace((unsigned char)*ps->p))
    ps->p++;
}

static bool eat(parser *ps, const char *op) {
  skip(ps);
  size_t n = strlen(op);
  if (strncmp(ps->p, op, n) != 0) return false;
  /* "<" alone is not an operator here; "<<" is.  Keep "|" from "||". */
  ps->p += n;
  return true;
}

static vdb_val expr(parser *ps);

static vdb_val primary(parser *ps) {
  skip(ps);
  const char *p = ps->p;
  if (*p == '(') {
    ps->p++;
    vdb_val v = expr(ps);
    if (!eat(ps, ")")) return fail(ps, "A syntax error in expression: missing ')' in \"%s\".", ps->s);
    return v;
  }
  if (isdigit((unsigned char)*p)) {
    char *end;
    unsigned long long v = strtoull(p, &end, 0);
    if (isalnum((unsigned char)*end) || *end == '_' || v > 0xffffffffull) {
      char num[40];
      size_t n = 0;
      while (isalnum((unsigned char)p[n]) && n < sizeof num - 1)
        n++;
      snprintf(num, sizeof num, "%.*s", (int)n, p);
      return fail(ps, "Invalid number \"%s\".", num);
    }
    ps->p = end;
    return (vdb_val){(uint32_t)v, false};
  }
  if (*p == '\'') {
    uint32_t c = (unsigned char)p[1];
    size_t n = 3;
    if (p[1] == '\\') {
      static const char esc[] = "n\nt\tr\r0\0\\\\''";
      const char *e = p[2] ? strchr(esc, p[2]) : NULL;
      if (!e || (e - esc) % 2) return fail(ps, "Bad character constant in \"%s\".", ps->s);
      c = (unsigned char)e[1];
      n = 4;
    }
    if (!p[1] || p[n - 1] != '\'') return fail(ps, "Unmatched single quote in \"%s\".", ps->s);
    ps->p += n;
    return (vdb_val){c, false};
  }
  if (*p == '$') {
    p++;
    size_t n = 0;
    while (isalnum((unsigned char)p[n]) || p[n] == '_')
      n++;
    char name[32];
    if (n >= sizeof name) return fail(ps, "Register name too long in \"%s\".", ps->s);
    memcpy(name, p, n);
    name[n] = 0;
    ps->p = p + n;
    vdb *d = ps->d;
    if (n == 0) { /* $: the last value printed */
      if (!d->nvals) return fail(ps, "%s", "History is empty.");
      return (vdb_val){d->vals[d->nvals - 1], false};
    }
    if (isdigit((unsigned char)name[0])) {
      char *end;
      unsigned long k = strtoul(name, &end, 10);
      if (*end || k == 0 || k > (unsigned long)d->nvals) return fail(ps, "History has not yet reached $%s.", name);
      return (vdb_val){d->vals[k - 1], false};
    }
    uint32_t v;
    if (expr_reg(ps->t, name, &v) != 0) return fail(ps, "No register $%s (see help print).", name);
    return (vdb_val){v, is_addr_reg(name)};
  }
  if (isalpha((unsigned char)*p) || *p == '_' || *p == '.') {
    size_t n = 0;
    while (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '.')
      n++;
    char name[128];
    if (n >= sizeof name) return fail(ps, "Symbol name too long in \"%s\".", ps->s);
    memcpy(name, p, n);
    name[n] = 0;
    ps->p = p + n;
    uint32_t a;
    if (image_lookup(&ps->t->img, name, &a) == 0) return (vdb_val){a, true};
    /* Not a symbol: a register's name works without its $ (p r1, x/4x sp);
     * a symbol of the same name wins, and $ always means the register. */
    if (expr_reg(ps->t, name, &a) == 0) return (vdb_val){a, is_addr_reg(name)};
    return fail(ps, "No symbol \"%s\" in current context.", name);
  }
  if (!*p) return fail(ps, "A syntax error in expression: it ends too soon: \"%s\".", ps->s);
  return fail(ps, "A syntax error in expression, near `%s'.", p);
}

static vdb_val unary(parser *ps) {
  if (++ps->depth > MAX_DEPTH) return fail(ps, "%s", "Expression nested too deeply.");
  vdb_val v;
  skip(ps);
  char c = *ps->p;
  if (c == '-' || c == '~' || c == '!' || c == '+') {
    ps->p++;
    v = unary(ps);
    v.v = c == '-' ? 0u - v.v : c == '~' ? ~v.v : c == '!' ? !v.v : v.v;
    if (c != '+') v.addr = false;
  } else {
    v = primary(ps);
  }
  ps->depth--;
  return v;
}

static vdb_val mul(parser *ps) {
  vdb_val a = unary(ps);
  for (;;) {
    skip(ps);
    char c = *ps->p;
    if (c != '*' && c != '/' && c != '%') return a;
    ps->p++;
    vdb_val b = unary(ps);
    if (ps->failed) return a;
    if (c != '*' && b.v == 0) return fail(ps, "%s", "Division by zero");
    a.v = c == '*' ? a.v * b.v : c == '/' ? a.v / b.v : a.v % b.v;
    a.addr = false;
  }
}

static vdb_val add(parser *ps) {
  vdb_val a = mul(ps);
  for (;;) {
    skip(ps);
    char c = *ps->p;
    if (c != '+' && c != '-') return a;
    ps->p++;
    vdb_val b = mul(ps);
    a.v = c == '+' ? a.v + b.v : a.v - b.v;
    a.addr = (a.addr && !b.addr) || (c == '+' && b.addr && !a.addr);
  }
}

static vdb_val shift(parser *ps) {
  vdb_val a = add(ps);
  for (;;) {
    bool left = eat(ps, "<<");
    if (!left && !eat(ps, ">>")) return a;
    vdb_val b = add(ps);
    a.v = b.v >= 32 ? 0 : left ? a.v << b.v : a.v >> b.v;
    a.addr = false;
  }
}

static vdb_val band(parser *ps) {
  vdb_val a = shift(ps);
  while (eat(ps, "&"))
    a.v &= shift(ps).v, a.addr = false;
  return a;
}

static vdb_val bxor(parser *ps) {
  vdb_val a = band(ps);
  while (eat(ps, "^"))
    a.v ^= band(ps).v, a.addr = false;
  return a;
}

static vdb_val expr(parser *ps) {
  if (++ps->depth > MAX_DEPTH) return fail(ps, "%s", "Expression nested too deeply.");
  vdb_val a = bxor(ps);
  while (eat(ps, "|"))
    a.v |= bxor(ps).v, a.addr = false;
  ps->depth--;
  return a;
}

int expr_eval(vdb *d, vdb_target *t, const char *s, vdb_val *out, char *err, size_t len) {
  while (*s == ' ' || *s == '\t')
    s++;
  parser ps = {d, t, s, s, err, len, 0, false};
  vdb_val v = expr(&ps);
  skip(&ps);
  if (!ps.failed && *ps.p) fail(&ps, "A syntax error in expression, near `%s'.", ps.p);
  if (ps.failed) return -1;
  *out = v;
  return 0;
}

int vdb_eval(vdb *d, const char *s, uint32_t *v) {
  char err[256];
  vdb_val val;
  if (!*skip_ws(s)) return vdb_error(d, "Argument required (an expression).");
  if (expr_eval(d, vdb_cur(d), s, &val, err, sizeof err) != 0) return vdb_error(d, "%s", err);
  *v = val.v;
  return 0;
}
