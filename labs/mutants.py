#!/usr/bin/env python3
"""mutants.py: are lab N's tests strong enough to catch a wrong solution?
(`make mutants LAB=N`, labs/README.md "Mutants".)

    labs/mutants.py N [--jobs J] [--list] [--only SUBSTRING]

Makes small wrong versions ("mutants") of lab N's solution regions (the
lines between `#if LAB_SOLUTION >= N` and its `#else`), one change each:

  relational  each relational operator replaced by its neighbours
              (< by <= and !=, <= by < and ==, > by >= and !=, >= by > and
              ==, == by <= and >=, != by < and >); in assembly each branch
              by its neighbours (blt/ble, bgt/bge, bltu/bleu, bgtu/bgeu)
  constant    each integer constant moved by one, up and down
  bound       the right side of each <, <=, >, >= moved by one (x < y+1,
              x < y-1), whatever it is: a constant, a macro, m->size
  delete      each statement (a line ending in `;`; an instruction) deleted
  negate      each if/while condition negated; in assembly each branch
              replaced by its opposite (beq/bne, blt/bge, ble/bgt, ...)

and grades each one as a submission would be graded (labs/grade/grade.sh,
with this tree's tests and the reference, --first-failure: one failed test
kills it; cheapest tests first).  A mutant that does not compile is
stillborn and not counted.  A mutant that scores full marks survives:
either the tests miss a bug, or the mutant is equivalent (no input can
tell it from the reference); each equivalent one is listed, with a one-line
reason, in labs/labN/equivalent-mutants as

    FILE: ORIGINAL LINE => MUTATED LINE  # why no guest can tell

Prints every survivor and the kill rate: killed / (mutants - stillborn -
listed as equivalent).  Exit status 0 when no mutant survives unexplained
and the rate is at least 95%, else 1; 2 on a usage error.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARK = re.compile(r'^\s*#\s*if\s+LAB_SOLUTION\s*>=\s*(\d+)')
END = re.compile(r'^\s*#\s*(else|endif)\b')
C_REL = {'<': ['<=', '!='], '<=': ['<', '=='], '>': ['>=', '!='], '>=': ['>', '=='],
         '==': ['<=', '>='], '!=': ['<', '>']}
ASM_NEIGHBOUR = {'blt': 'ble', 'ble': 'blt', 'bgt': 'bge', 'bge': 'bgt',
                 'bltu': 'bleu', 'bleu': 'bltu', 'bgtu': 'bgeu', 'bgeu': 'bgtu'}
ASM_OPPOSITE = {'beq': 'bne', 'bne': 'beq', 'blt': 'bge', 'bge': 'blt', 'ble': 'bgt', 'bgt': 'ble',
                'bltu': 'bgeu', 'bgeu': 'bltu', 'bleu': 'bgtu', 'bgtu': 'bleu'}
# C tokens: strings and chars (kept whole), comments, numbers, operators.
C_TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|/\*.*?\*/|//.*$'
                     r'|0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*'
                     r'|<<=|>>=|->|<<|>>|<=|>=|==|!=|&&|\|\||[<>]|\w+|\S')


def regions(path, lab):
    """The line numbers (0-based) of lab's solution regions in path."""
    lines, inside, out = open(path).read().split('\n'), False, []
    for i, line in enumerate(lines):
        m = MARK.match(line)
        if m:
            inside = int(m.group(1)) == lab
            continue
        if inside and END.match(line):
            inside = False
        elif inside:
            out.append(i)
    return lines, out


def c_mutations(line):
    """(kind, mutated line) for one line of C."""
    toks = [(m.start(), m.end(), m.group()) for m in C_TOKEN.finditer(line)]
    out = []

    def repl(a, b, text):
        return line[:a] + text + line[b:]
    for k, (a, b, t) in enumerate(toks):
        if t in C_REL:
            for r in C_REL[t]:
                out.append(('relational', repl(a, b, r)))
            if t in ('<', '<=', '>', '>='):
                for d in ('1 + ', '-1 + '):
                    out.append(('bound', repl(b, b, ' ' + d)))
        elif re.fullmatch(r'0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*', t):
            digits = re.match(r'0[xX][0-9a-fA-F]+|\d+', t).group()
            suffix = t[len(digits):]
            v = int(digits, 0)
            fmt = (lambda x: hex(x)) if digits.lower().startswith('0x') else str
            for nv in (v + 1, v - 1):
                if nv >= 0:
                    out.append(('constant', repl(a, b, fmt(nv) + suffix)))
                else:
                    out.append(('constant', repl(a, b, '(-1)')))
    stripped = line.strip()
    if (stripped.endswith(';') and not stripped.startswith(('case ', 'default', '}'))
            and not re.match(r'(const\s+)?\w+(\s*\*)*\s+\**\w+(\[[^]]*\])?\s*(=|;|,)', stripped)
            and not re.match(r'\(void\)', stripped)):
        out.append(('delete', line[:len(line) - len(line.lstrip())] + ';'))
    m = re.search(r'\b(if|while)\s*\(', line)
    if m:
        depth, j = 0, m.end() - 1
        while j < len(line):
            depth += {'(': 1, ')': -1}.get(line[j], 0)
            if depth == 0:
                break
            j += 1
        if j < len(line):
            out.append(('negate', line[:m.end()] + '!(' + line[m.end():j] + ')' + line[j:]))
    return out


def asm_mutations(line):
    """(kind, mutated line) for one line of the kit's assembly."""
    code = line.split(';', 1)[0]
    out = []
    m = re.match(r'^(\s*(?:[\w.]+:\s*)?)(\w+)\b(.*)$', code)
    if not m or m.group(2).startswith('.') or not m.group(2):
        return out
    head, op, rest = m.groups()
    tail = line[len(code):]
    if op in ASM_NEIGHBOUR:
        out.append(('relational', head + ASM_NEIGHBOUR[op] + rest + tail))
    if op in ASM_OPPOSITE:
        out.append(('negate', head + ASM_OPPOSITE[op] + rest + tail))
    for n in re.finditer(r'(?<![\w.])(-?)(0[xX][0-9a-fA-F]+|\d+)\b', rest):
        v = int(n.group(2), 0) * (-1 if n.group(1) else 1)
        for nv in (v + 1, v - 1):
            text = hex(nv) if n.group(2).lower().startswith('0x') and nv >= 0 else str(nv)
            out.append(('constant', head + op + rest[:n.start()] + text + rest[n.end():] + tail))
    label = re.match(r'^\s*[\w.]+:', code)
    if code[len(label.group()) if label else 0:].strip():  # an instruction, not a label alone
        out.append(('delete', (label.group() if label else '') + (' ' * 8 if label else '') + tail))
    return out


def mutants(lab):
    """Every mutant: (file, line number, kind, original line, mutated line)."""
    files = subprocess.run(['grep', '-rlE', r'^\s*#\s*if\s+LAB_SOLUTION\s*>=\s*' + str(lab) + r'\b',
                            '--include=*.c', '--include=*.h', '--include=*.s', '--include=*.inc',
                            'cpu', 'assembler', 'vmm', 'labs'], cwd=TOP, capture_output=True, text=True).stdout.split()
    out = []
    for f in sorted(files):
        lines, idx = regions(os.path.join(TOP, f), lab)
        asm = f.endswith(('.s', '.inc'))
        for i in idx:
            if not lines[i].strip() or lines[i].strip().startswith(('/*', '*', '//', ';')):
                continue
            seen = set()
            for kind, new in (asm_mutations if asm else c_mutations)(lines[i]):
                if new != lines[i] and new not in seen:
                    seen.add(new)
                    out.append((f, i, kind, lines[i], new))
    return out


def key(m):
    return '%s: %s => %s' % (m[0], m[3].strip(), m[4].strip())


def equivalents(lab):
    path = os.path.join(TOP, 'labs', 'lab%d' % lab, 'equivalent-mutants')
    out = {}
    if os.path.exists(path):
        for line in open(path):
            line = line.rstrip('\n')
            if line and not line.startswith('#'):
                k, _, why = line.partition('  # ')
                out[k.strip()] = why.strip()
    return out


def grade(lab, m, worker, retried=False):
    """'killed', 'survived' or 'stillborn' (with the reason): one mutant."""
    tree = os.path.join(worker, 'tree')
    f, i, kind, old, new = m
    path = os.path.join(tree, f)
    original = open(os.path.join(TOP, f)).read().split('\n')
    original[i] = new
    open(path, 'w').write('\n'.join(original))
    # (each grading claims a sandbox user of its own: workers side by side never share one)
    env = dict(os.environ, GRADE_TRUSTED_SRC='1', GRADE_SEED=os.environ.get('MUTANTS_SEED', '1'))
    env.pop('GRADE_SANDBOX_UID', None)
    r = subprocess.run([os.path.join(TOP, 'labs/grade/grade.sh'), '--first-failure', str(lab), tree,
                        os.path.join(worker, 'out')], env=env, capture_output=True, text=True)
    shutil.copy(os.path.join(TOP, f), path)
    if r.returncode == 2:
        return 'error', r.stderr.strip().split('\n')[-1]
    report = r.stdout
    if 'does not build' in report or 'does not assemble' in report:
        return 'stillborn', ''
    if r.returncode == 0:
        return 'survived', ''
    first = re.search(r'^  (\w+)\s+0/\d+\s+FAIL  (.*)$', report, re.M)
    if first and first.group(2).startswith('hung') and not retried:
        return grade(lab, m, worker, True)  # out of time on a busy machine, or a real hang: once more
    return 'killed', (first.group(1) + ': ' + first.group(2)[:100]) if first else ''


def main():
    args = sys.argv[1:]
    if not args or not args[0].isdigit():
        print(__doc__.split('\n\n')[1], file=sys.stderr)
        return 2
    lab, jobs, only, listing = int(args[0]), os.cpu_count() or 2, None, False
    rest = args[1:]
    while rest:
        a = rest.pop(0)
        if a == '--jobs' and rest:
            jobs = int(rest.pop(0))
        elif a == '--only' and rest:
            only = rest.pop(0)
        elif a == '--list':
            listing = True
        else:
            print('mutants: unknown option %s' % a, file=sys.stderr)
            return 2
    all_m = mutants(lab)
    if only:
        all_m = [m for m in all_m if only in key(m)]
    if listing:
        for m in all_m:
            print('%-10s %s:%d: %s' % (m[2], m[0], m[1] + 1, key(m).split(': ', 1)[1]))
        print('mutants: lab %d: %d mutants' % (lab, len(all_m)))
        return 0
    start = time.time()
    scratch = tempfile.mkdtemp(prefix='vkit-mutants.')
    workers = []
    for w in range(jobs):
        d = os.path.join(scratch, str(w))
        for sub in ('cli', 'cpu', 'assembler', 'vmm', 'labs/lab1'):
            shutil.copytree(os.path.join(TOP, sub), os.path.join(d, 'tree', sub))
        workers.append(d)
    free = list(workers)

    def one(m):
        w = free.pop()
        try:
            return m, grade(lab, m, w)
        finally:
            free.append(w)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(one, all_m))
    shutil.rmtree(scratch, ignore_errors=True)
    eq = equivalents(lab)
    count = {'killed': 0, 'survived': 0, 'stillborn': 0, 'equivalent': 0, 'error': 0}
    survivors = []
    for m, (verdict, why) in results:
        if verdict == 'survived' and key(m) in eq:
            verdict = 'equivalent'
        count[verdict] += 1
        if verdict in ('survived', 'error'):
            survivors.append((m, verdict, why))
    for m, verdict, why in survivors:
        print('mutants: lab %d: %s %s:%d (%s): %s => %s %s' % (lab, 'SURVIVED' if verdict == 'survived' else 'ERROR',
              m[0], m[1] + 1, m[2], m[3].strip(), m[4].strip(), why))
    used = set(key(m) for m in all_m)
    for k in eq:
        if k not in used and not only:
            print('mutants: lab %d: labs/lab%d/equivalent-mutants lists a mutant that no longer exists: %s' % (lab, lab, k))
    counted = count['killed'] + count['survived'] + count['error']
    rate = 100.0 * count['killed'] / counted if counted else 100.0
    print('mutants: lab %d: %d mutants: %d killed, %d survived, %d equivalent (listed), %d stillborn (do not build); '
          'kill rate %.1f%%; %d s, %d jobs' % (lab, len(all_m), count['killed'], count['survived'] + count['error'],
                                               count['equivalent'], count['stillborn'], rate, time.time() - start, jobs))
    return 0 if not survivors and rate >= 95.0 else 1


if __name__ == '__main__':
    sys.exit(main())
