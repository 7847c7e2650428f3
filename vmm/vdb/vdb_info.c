/* vdb_info.c: registers, the VCPU, counters and recent traps; print and
 * display.
 *
 * Under a monitor there are two CPUs to look at: the one the guest believes
 * it runs on (the VCPU, in the VM struct) and the real one (struct cpu).
 * info registers puts them side by side, because the differences (mode,
 * interrupt flag, page-table base) are the whole trick of trap-and-emulate.
 */
#include <stdlib.h>
#include <string.h>

#include "isa_info.h"
#include "vdb.h"

/* The registers that hold an address by convention go by their name (fp,
 * sp, lr), the others by number: r0, not zero, beside r1. */
const char *vdb_reg_label(unsigned r) { return isa_reg_addr(r) ? isa_reg_name(r) : isa_reg_numbered(r); }

int cmd_info_registers(vdb *d, const char *args) {
  vdb_target *t = vdb_cur(d);
  vdb_regs g;
  target_regs(t, &g);
  char w[32];
  if (next_word(&args, w, sizeof w)) { /* info registers NAME... */
    do {
      uint32_t v;
      const char *name = w[0] == '$' ? w + 1 : w;
      if (expr_reg(t, name, &v) != 0) return vdb_error(d, "Invalid register `%s'.", name);
      vdb_printf(d, "%-8s0x%08x  %u\n", name, v, v);
    } while (next_word(&args, w, sizeof w));
    return 0;
  }
  for (unsigned i = 0; i < NREGS; i++) vdb_printf(d, "%-4s0x%08x%s", vdb_reg_label(i), g.r[i], i % 4 == 3 ? "\n" : "  ");
  char sym[80], fg[32], fr[32];
  target_symbolize(t, g.pc, sym, sizeof sym);
  vm_show_flags(g.flags, fg, sizeof fg);
  if (!mode_is_monitor(t->mode)) {
    vdb_printf(d, "pc      0x%08x%s\n", g.pc, sym);
    vdb_printf(d, "flags   0x%08x [%s]  %s mode, interrupts %s\n", g.flags, fg, g.flags & FLAG_KM ? "kernel" : "user",
               g.flags & FLAG_IE ? "on" : "off");
    vdb_printf(d, "ptb     0x%08x  paging %s\n", g.cr[CR_PTB], g.cr[CR_PAGING] & 1 ? "on" : "off");
    vdb_printf(d, "(%s mode: the guest runs on the real CPU, there is no VCPU)\n", t->mode->name);
    return 0;
  }
  const cpu *c = t->c;
  vm_show_flags(c->flags, fr, sizeof fr);
  char a[160], b[160];
  vdb_printf(d, "(r0-lr: the guest's; the real CPU holds the same values while the guest runs)\n");
  vdb_printf(d, "%-12s %-30s %s\n", "", "guest believes (VCPU)", "real CPU");
  snprintf(a, sizeof a, "0x%08x%s", g.pc, sym);
  vdb_printf(d, "%-12s %-30s 0x%08x\n", "pc", a, c->pc);
  snprintf(a, sizeof a, "0x%08x [%s]", g.flags, fg);
  snprintf(b, sizeof b, "0x%08x [%s]", c->flags, fr);
  vdb_printf(d, "%-12s %-30s %s\n", "flags", a, b);
  vdb_printf(d, "%-12s %-30s %s\n", "mode", g.flags & FLAG_KM ? "kernel" : "user",
             c->flags & FLAG_KM ? "kernel" : "user");
  vdb_printf(d, "%-12s %-30s %s\n", "interrupts", g.flags & FLAG_IE ? "on" : "off", c->flags & FLAG_IE ? "on" : "off");
  snprintf(a, sizeof a, "0x%08x", g.cr[CR_PTB]);
  snprintf(b, sizeof b, "0x%08x", c->cr[CR_PTB]);
  if (t->mode->shadow_roots) {
    vdb_root roots[4];
    int n = t->mode->shadow_roots(&t->g, roots, 4);
    for (int i = 0; i < n; i++)
      if (roots[i].pd && roots[i].pd == c->cr[CR_PTB])
        snprintf(b, sizeof b, "0x%08x (shadow, %s root)", c->cr[CR_PTB], roots[i].name);
  }
  vdb_printf(d, "%-12s %-30s %s\n", "ptb", a, b);
  vdb_printf(d, "%-12s %-30s %s\n", "paging", g.cr[CR_PAGING] & 1 ? "on" : "off", c->cr[CR_PAGING] & 1 ? "on" : "off");
  return 0;
}

int cmd_info_creg(vdb *d, const char *args) {
  (void)args;
  vdb_target *t = vdb_cur(d);
  vdb_regs g;
  target_regs(t, &g);
  static const char *const meaning[NCR] = {
#define CR_MEANING(name, s, n, m) [n] = m,
      CR_TABLE(CR_MEANING)
#undef CR_MEANING
  };
  bool two = mode_is_monitor(t->mode);
  vdb_printf(d, "%-8s %-10s %s%s\n", "name", two ? "guest" : "value", two ? "real       " : "", "meaning");
  for (uint32_t i = 0; i < NCR; i++) {
    uint32_t v = i == CR_TIMER ? g.timer_left : g.cr[i]; /* what mfc timer would read */
    vdb_printf(d, "%-8s 0x%08x ", isa_cr_name(i), g.cr[i]);
    if (two) vdb_printf(d, "0x%08x ", t->c->cr[i]);
    vdb_printf(d, "%s", meaning[i]);
    if (i == CR_TIMER && g.cr[i]) vdb_printf(d, " (%u left)", v);
    if (i == CR_CAUSE) vdb_printf(d, " [%s]", cpu_cause_name(g.cr[i]));
    vdb_printf(d, "\n");
  }
  if (two) vdb_printf(d, "(the real CPU's registers belong to the monitor: the guest never sees them)\n");
  return 0;
}

/* ---- print and display ---- */

static int fmt_letter(vdb *d, const char **args, char *letter) {
  const char *p = skip_ws(*args);
  *letter = 0;
  if (*p != '/') return 0;
  p++;
  if (!strchr("xduotca", *p) || !*p) return vdb_error(d, "Bad print format '/%c' (x d u o t c a).", *p ? *p : ' ');
  *letter = *p++;
  if (*p && *p != ' ' && *p != '\t') return vdb_error(d, "Bad print format: one letter after /.");
  *args = p;
  return 0;
}

static void show_value(vdb *d, const vdb_target *t, char letter, vdb_val v) {
  char sym[80];
  switch (letter ? letter : v.addr ? 'a' : 'u') {
  case 'x': vdb_printf(d, "0x%x", v.v); break;
  case 'd': vdb_printf(d, "%d", (int32_t)v.v); break;
  case 'o': vdb_printf(d, "0%o", v.v); break;
  case 't':
    for (int i = 31; i >= 0; i--)
      if (v.v >> i || i == 0) vdb_printf(d, "%u", (v.v >> i) & 1);
    break;
  case 'c': {
    uint32_t c = v.v & 0xff;
    vdb_printf(d, c >= 32 && c < 127 ? "%u '%c'" : "%u '\\x%02x'", c, c);
    break;
  }
  case 'a':
    target_symbolize(t, v.v, sym, sizeof sym);
    vdb_printf(d, "0x%08x%s", v.v, sym);
    break;
  default: vdb_printf(d, "%u", v.v); break;
  }
}

int cmd_print(vdb *d, const char *args) {
  char letter, err[256];
  if (fmt_letter(d, &args, &letter) != 0) return -1;
  if (!*skip_ws(args)) return vdb_error(d, "Argument required (an expression).");
  vdb_target *t = vdb_cur(d);
  vdb_val v;
  if (expr_eval(d, t, args, &v, err, sizeof err) != 0) return vdb_error(d, "%s", err);
  if (d->nvals == d->valcap) {
    int cap = d->valcap ? 2 * d->valcap : 16;
    uint32_t *p = realloc(d->vals, sizeof *p * (size_t)cap);
    if (!p) cpu_panic("vdb: out of host memory");
    d->vals = p;
    d->valcap = cap;
  }
  d->vals[d->nvals++] = v.v;
  vdb_printf(d, "$%d = ", d->nvals);
  show_value(d, t, letter, v);
  vdb_printf(d, "\n");
  return 0;
}

static void show_display(vdb *d, const vdb_display *x) {
  vdb_target *t = vdb_cur(d);
  char err[256];
  if (x->fmt[0] && strpbrk(x->fmt, "is")) { /* a memory display: x/FMT EXPR */
    char line[300];
    vdb_printf(d, "%d: x%s %s\n", x->num, x->fmt, x->expr);
    snprintf(line, sizeof line, "%s %s", x->fmt, x->expr);
    uint32_t save_next = d->x_next;
    int save_space = d->x_space;
    vdb_fmt save_fmt = d->x_fmt;
    char *save_last = d->last ? strdup(d->last) : NULL;
    cmd_x(d, line);
    d->x_next = save_next, d->x_space = save_space, d->x_fmt = save_fmt;
    free(d->last);
    d->last = save_last;
    return;
  }
  vdb_val v;
  vdb_printf(d, "%d: %s%s%s = ", x->num, x->fmt, x->fmt[0] ? " " : "", x->expr);
  if (expr_eval(d, t, x->expr, &v, err, sizeof err) != 0) {
    vdb_printf(d, "<%s>\n", err);
    return;
  }
  show_value(d, t, x->fmt[0] ? x->fmt[1] : 0, v);
  vdb_printf(d, "\n");
}

void info_show_displays(vdb *d) {
  for (int i = 0; i < d->ndisp; i++)
    show_display(d, &d->disp[i]);
}

int cmd_display(vdb *d, const char *args) {
  const char *p = skip_ws(args);
  if (!*p) {
    info_show_displays(d);
    return 0;
  }
  char fmt[16] = "";
  if (*p == '/') {
    const char *f = p;
    vdb_fmt xf = d->x_fmt;
    if (mem_parse_fmt(&p, &xf) < 0 || (size_t)(p - f) >= sizeof fmt) return vdb_error(d, "Bad display format '%s'.", f);
    memcpy(fmt, f, (size_t)(p - f));
    fmt[p - f] = 0;
    if (!strpbrk(fmt, "is") && (strlen(fmt) != 2 || !strchr("xduotca", fmt[1])))
      return vdb_error(d, "Bad display format '%s' (one of x d u o t c a, or an x format with i or s).", fmt);
    p = skip_ws(p);
  }
  if (!*p) return vdb_error(d, "Argument required (an expression).");
  char err[256];
  vdb_val v;
  if (expr_eval(d, vdb_cur(d), p, &v, err, sizeof err) != 0) return vdb_error(d, "%s", err);
  if (d->ndisp == d->dispcap) {
    int cap = d->dispcap ? 2 * d->dispcap : 8;
    vdb_display *q = realloc(d->disp, sizeof *q * (size_t)cap);
    if (!q) cpu_panic("vdb: out of host memory");
    d->disp = q;
    d->dispcap = cap;
  }
  vdb_display *x = &d->disp[d->ndisp++];
  *x = (vdb_display){.num = ++d->next_disp, .expr = strdup(p)};
  memcpy(x->fmt, fmt, sizeof fmt);
  if (!x->expr) cpu_panic("vdb: out of host memory");
  show_display(d, x);
  return 0;
}

int cmd_undisplay(vdb *d, const char *args) {
  char w[32];
  if (!next_word(&args, w, sizeof w)) {
    for (int i = 0; i < d->ndisp; i++)
      free(d->disp[i].expr);
    d->ndisp = 0;
    return 0;
  }
  do {
    uint64_t n;
    int i = 0;
    if (!parse_u64(w, &n)) return vdb_error(d, "Bad display number '%s'.", w);
    while (i < d->ndisp && (uint64_t)d->disp[i].num != n)
      i++;
    if (i == d->ndisp) return vdb_error(d, "No display number %s.", w);
    free(d->disp[i].expr);
    memmove(&d->disp[i], &d->disp[i + 1], sizeof *d->disp * (size_t)(d->ndisp - i - 1));
    d->ndisp--;
  } while (next_word(&args, w, sizeof w));
  return 0;
}

int cmd_info_display(vdb *d, const char *args) {
  (void)args;
  if (!d->ndisp) {
    vdb_printf(d, "There are no auto-display expressions now.\n");
    return 0;
  }
  vdb_printf(d, "Auto-display expressions now in effect:\nNum Expression\n");
  for (int i = 0; i < d->ndisp; i++)
    vdb_printf(d, "%-3d %s%s%s\n", d->disp[i].num, d->disp[i].fmt, d->disp[i].fmt[0] ? " " : "", d->disp[i].expr);
  return 0;
}

/* ---- the monitor's side ---- */

int cmd_info_vcpu(vdb *d, const char *args) {
  (void)args;
  vdb_target *t = vdb_cur(d);
  if (!t->mode->vcpu_info) {
    vdb_printf(d, "%s\n", t->mode->no_vcpu);
    return 0;
  }
  t->mode->vcpu_info(&t->g, t->id, d->out);
  return 0;
}

int cmd_info_tc(vdb *d, const char *args) {
  vdb_target *t = vdb_cur(d);
  if (!t->mode->tc_info) {
    vdb_printf(d, "%s\n", t->mode->no_tc);
    return 0;
  }
  char addr[16] = ""; /* an expression, as everywhere: the row takes a number */
  uint32_t a;
  if (*skip_ws(args)) {
    if (vdb_eval(d, args, &a) != 0) return -1;
    snprintf(addr, sizeof addr, "0x%x", a);
  }
  t->mode->tc_info(&t->g, d->out, addr);
  return 0;
}

int cmd_info_traps(vdb *d, const char *args) {
  (void)args;
  vdb_target *t = vdb_cur(d);
  if (!t->nring) {
    vdb_printf(d, "No traps or exits yet.\n");
    return 0;
  }
  uint64_t first = t->nring > VDB_RING ? t->nring - VDB_RING : 0;
  vdb_printf(d, "Recent traps%s of vm %d, oldest first (%llu in all so far):\n", mode_is_monitor(t->mode) ? " and exits" : "",
             t->id, (unsigned long long)t->nring);
  vdb_printf(d, "%10s  %-5s %-9s %-10s  %s\n", "tick", "event", "cause", "pc", "value");
  for (uint64_t k = first; k < t->nring; k++) {
    const vdb_event *e = &t->ring[k % VDB_RING];
    const char *kind = e->kind == EV_TRAP ? "trap" : e->kind == EV_EXIT ? "exit" : "xlate";
    vdb_printf(d, "%10llu  %-5s %-9s 0x%08x  0x%08x%s%s", (unsigned long long)e->tick, kind,
               e->kind == EV_TRANSLATE ? "-"
               : e->kind == EV_EXIT    ? t->mode->exit_name(e->t.cause)
                                       : cpu_cause_name(e->t.cause),
               e->t.pc, e->t.value, e->how[0] ? "  " : "", e->how);
    if (e->count > 1) vdb_printf(d, "  (the last of %llu)", (unsigned long long)e->count);
    vdb_printf(d, "\n");
  }
  return 0;
}

int cmd_info_stats(vdb *d, const char *args) {
  (void)args;
  vdb_target *t = vdb_cur(d);
  vm_report r;
  target_report(t, &r);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) return vdb_error(d, "out of host memory");
  report_table(f, &r); /* bin/vmm --stats, the same counters */
  fclose(f);
  /* ... less the host times (the run's, bt's translation time), which
   * would make transcripts differ. */
  for (char *line = buf, *nl; line && *line; line = nl) {
    nl = strchr(line, '\n');
    if (nl) *nl++ = 0;
    if (strncmp(line, "host seconds", 12) != 0 && !strstr(line, " s, ")) vdb_printf(d, "%s\n", line);
  }
  free(buf);
  vdb_printf(d, "%-22s %14llu\n", "guest ticks", (unsigned long long)target_now(t));
  return 0;
}
