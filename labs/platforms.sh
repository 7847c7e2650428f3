#!/bin/sh
# platforms.sh: every platform's contract and the known attacks, checked
# (`make platforms-check`, run by `make check`; labs/README.md,
# docs/instructor.md "Platforms", docs/grading-security.md).
#
# Gradescope    the autograder folder (labs/autograder/package.sh) as
#               /autograder/source in a simulated /autograder, the
#               submission as students make them (the handout's tarball,
#               a folder, the bare files, a repository, `make handin`'s
#               zip), run_autograder run, results.json checked against
#               Gradescope's specification (validate.py) and scored
# PrairieLearn  the example course (make prairielearn), /grade simulated,
#               pl-grade run, results.json checked against PrairieLearn's
#               schema; the question's info.json too
# Classroom     the workflow (classroom-yml.sh) parsed as strict YAML and
#               checked step by step; its grade step and test commands run
#               in a handout
# agreement     check.xml, results.json and pl-results.json give every test
#               the same verdict
# attacks       a correct lab 2 with an attack added, graded as on
#               Gradescope: each attack scores 0 where it aims
#
# Everything goes to build/platforms/.  Prints one line per check and
# "platforms-check: N passed, M failed"; exit status 1 if any failed.
set -u
cd "$(dirname "$0")/.." || exit 1
TOP=$PWD
if ! grep -rqE '^[[:space:]]*#[[:space:]]*if[[:space:]]+LAB_SOLUTION[[:space:]]*>=' --include='*.[chs]' cpu vmm labs 2>/dev/null; then
  echo "platforms-check: no lab markers in this tree (a handout?): skipped"
  exit 0
fi
P=$TOP/build/platforms
rm -rf "$P" && mkdir -p "$P"
export GRADE_CACHE=$TOP/build/grade/cache # (the trusted cache: reused, never written from the sandbox)
npass=0 nfail=0 nskip=0
start=$(date +%s)
ok() { echo "platforms-check: ok: $1"; npass=$((npass + 1)); }
bad() { echo "platforms-check: FAIL: $1"; nfail=$((nfail + 1)); }
check() { # check WHAT COMMAND...: passes if COMMAND succeeds
  w_=$1
  shift
  if "$@" > "$P/last.log" 2>&1; then ok "$w_"; else bad "$w_"; sed 's/^/    /' "$P/last.log"; fi
}
json() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
ROOT=0
[ "$(id -u)" = 0 ] && ROOT=1

# ---- Gradescope ----
# gradescope N NAME: grade $P/gs-N/submission-NAME as Gradescope would.
gradescope() {
  d=$P/gs-$1
  rm -rf "$d/submission" "$d/results" && mv "$d/submission-$2" "$d/submission" &&
    AUTOGRADER_ROOT=$d "$d/source/run_autograder" > "$d/$2.log" 2>&1
  cp "$d/results/results.json" "$d/$2.json"
}
labs/autograder/package.sh 1 "$P/gs-1/source" > /dev/null && labs/autograder/package.sh 2 "$P/gs-2/source" > /dev/null ||
  { echo "platforms-check: cannot package the autograder"; exit 1; }
labs/cut.sh 1 "$P/lab1" > /dev/null
# A correct lab 1, as a student would have it: the handout with every
# region of lab 1 done.
regions=$(for f in labs/lab1/kernel.s labs/lab1/user.s; do
  n=$(grep -cE '^[[:space:]]*#[[:space:]]*if[[:space:]]+LAB_SOLUTION[[:space:]]*>=[[:space:]]*1([^0-9]|$)' "$f")
  k=1; while [ $k -le "$n" ]; do echo "-f $f:$k"; k=$((k + 1)); done
done)
# shellcheck disable=SC2086
labs/cut.sh $regions 1 "$P/solved1/lab1" > /dev/null
S1=$P/solved1/lab1
# the handout's own tarball (one top folder), the folder, the bare files,
# a repository, make handin's zip; and the bare handout
mkdir -p "$P/gs-1/submission-tarball" "$P/gs-1/submission-folder/lab1" "$P/gs-1/submission-bare" \
  "$P/gs-1/submission-repo" "$P/gs-1/submission-handin" "$P/gs-1/submission-handout"
tar -czf "$P/gs-1/submission-tarball/lab1.tar.gz" -C "$P/solved1" lab1
cp -r "$S1/." "$P/gs-1/submission-folder/lab1/"
cp "$S1/labs/lab1/kernel.s" "$S1/labs/lab1/user.s" "$P/gs-1/submission-bare/"
cp -r "$S1/." "$P/gs-1/submission-repo/" && (cd "$P/gs-1/submission-repo" && git init -q . && git add -A &&
  git -c user.name=s -c user.email=s@example.com commit -qm lab1) > /dev/null 2>&1
(cd "$S1" && make -s handin LAB=1 > /dev/null) && cp "$S1/build/handin/lab1.zip" "$P/gs-1/submission-handin/"
tar -czf "$P/gs-1/submission-handout/lab1.tar.gz" -C "$P" lab1
for form in tarball folder bare repo handin handout; do
  gradescope 1 $form
  check "gradescope lab 1, $form: results.json meets the specification" labs/autograder/validate.py gradescope "$P/gs-1/$form.json"
done
for form in tarball folder bare repo handin; do
  check "gradescope lab 1, a correct lab 1 as a $form scores 100" [ "$(json "$P/gs-1/$form.json" "r['score']")" = 100 ]
  check "gradescope lab 1, $form: the student sees which files were graded" \
    json "$P/gs-1/$form.json" "'Graded, from your submission:\n  labs/lab1/kernel.s' in r['output'] or exit(1)"
done
check "gradescope lab 1, the bare handout scores at most 5" [ "$(json "$P/gs-1/handout.json" "r['score']")" -le 5 ]
check "gradescope lab 1, the tarball: the student sees what was ignored" \
  json "$P/gs-1/tarball.json" "'Ignored: ' in r['output'] or exit(1)"
check "gradescope lab 1, before the deadline the output gives the visible tests' score only" \
  json "$P/gs-1/handout.json" "'Visible tests: ' in r['output'] and '/100' not in r['output'] or exit(1)"
check "gradescope lab 1, a failed test shows every line of its failure" \
  json "$P/gs-1/handout.json" "len([t for t in r['tests'] if t['name'] == 'hello'][0]['output'].split(chr(10))) > 4 or exit(1)"
# A kernel whose write puts a NUL before each byte: the failure shows every
# byte of the output, the ones after a NUL too.
mkdir -p "$P/gs-1/submission-nul"
sed 's/^\(        lbu r5, 0(r4)\)$/\1\n        out PORT_CONS_DATA, zero/' "$S1/labs/lab1/kernel.s" > "$P/gs-1/submission-nul/kernel.s"
cp "$S1/labs/lab1/user.s" "$P/gs-1/submission-nul/"
# (Seed 67: the test's probe writes one byte, then one: two NULs, the
# fewest any seed gives; a random seed gave it one run in about 300.)
GRADE_SEED=67 gradescope 1 nul
check "gradescope lab 1, a NUL in the output: the failure shows the bytes after it" \
  json "$P/gs-1/nul.json" "(lambda o: o.count('\\\\0') >= 2 and 'kernel: exit' in o[o.rindex('\\\\0'):])([t for t in r['tests'] if t['name'] == 'syscall_results'][0]['output']) or exit(1)"
# lab 2: the reference's trap.c, bare; hidden tests carry Gradescope's
# visibility
labs/cut.sh 3 "$P/solved2" > /dev/null
mkdir -p "$P/gs-2/submission-bare" && cp "$P/solved2/vmm/core/trap.c" "$P/gs-2/submission-bare/"
gradescope 2 bare
check "gradescope lab 2: results.json meets the specification" labs/autograder/validate.py gradescope "$P/gs-2/bare.json"
check "gradescope lab 2: a correct trap.c scores 100" [ "$(json "$P/gs-2/bare.json" "r['score']")" = 100 ]
check "gradescope lab 2: the hidden tests are after_due_date" \
  json "$P/gs-2/bare.json" "sorted(t['name'] for t in r['tests'] if t['visibility'] == 'after_due_date') == ['dead_machines', 'emulate_everything', 'lab1_guest_under_trap'] or exit(1)"
# Graders side by side (a class graded in parallel): each run has a sandbox
# user of its own, so the end of one never kills another's build or tests
# (with one user for every run, correct submissions graded at once scored
# 0, "does not build": the first run to end had killed the others').
for i in 1 2 3 4; do
  cp -r "$P/solved2" "$P/side-$i" && echo "/* submission $i */" >> "$P/side-$i/vmm/core/trap.c"
  labs/grade/grade.sh --any-score 2 "$P/side-$i" "$P/side-$i.out" > "$P/side-$i.log" 2>&1 &
  sleep 1
done
wait
sides_score_100() {
  for i in 1 2 3 4; do grep -q '^Total: 100/100' "$P/side-$i.log" || { tail -n 30 "$P/side-$i.log"; return 1; }; done
}
check "graders side by side: four correct trap.c graded at once each score 100" sides_score_100
# The same, without depending on timing: another run holds every sandbox
# user, and a process of the first one runs.  A grading then stops, saying
# so, and leaves that process alone; given one user back, it grades there.
if [ $ROOT = 1 ]; then
  cc -O2 -std=c11 -D_DEFAULT_SOURCE -o "$P/sandbox" labs/grade/sandbox.c
  sleep 600 &
  holder=$!
  taken=""
  while u=$("$P/sandbox" claim $holder 2> /dev/null); do taken="$taken $u"; done
  setpriv --reuid=64123 --regid=64123 --clear-groups sleep 600 &
  victim=$!
  labs/grade/grade.sh --any-score 2 "$P/side-1" "$P/busy.out" > "$P/busy.log" 2>&1
  st=$?
  alive() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat")" != Z ]; } # (not a zombie)
  stopped_saying_why() { [ $st = 2 ] && grep -q 'no sandbox user free' "$P/busy.log"; }
  check "graders side by side: with every sandbox user taken, grading stops with status 2 and says why" stopped_saying_why
  check "graders side by side: ... and leaves the other run's processes alone" alive $victim
  "$P/sandbox" release 64200
  labs/grade/grade.sh --any-score 2 "$P/side-1" "$P/busy.out" > "$P/busy.log" 2>&1
  check "graders side by side: given one user back, it grades there (100)" grep -q '^Total: 100/100' "$P/busy.log"
  check "graders side by side: ... and the other run's processes live on" alive $victim
  kill $victim $holder 2> /dev/null
  for u in $taken; do "$P/sandbox" release "$u"; done
else
  echo "platforms-check: skipped: graders side by side without timing (needs root: the sandbox changes user only as root)"
  nskip=$((nskip + 4))
fi

check "gradescope: the validator rejects a results.json off the specification" \
  sh -c "sed 's/\"max_score\"/\"status\": \"passed\", \"max_score\"/' '$P/gs-2/bare.json' > '$P/doctored.json' &&
         ! labs/autograder/validate.py gradescope '$P/doctored.json'"

# ---- PrairieLearn ----
labs/autograder/prairielearn/course.sh 2 "$P/pl" > /dev/null
check "prairielearn: the question's info.json" labs/autograder/validate.py pl-question "$P/pl/course/questions/vkit-lab2/info.json"
check "prairielearn: the Dockerfile installs what the grader needs" \
  grep -q 'build-essential check pkg-config unzip' "$P/pl/Dockerfile"
# plgrade NAME FILE: /grade with FILE as the student's upload
plgrade() {
  g=$P/pl-$1
  mkdir -p "$g/student" && cp "$2" "$g/student/trap.c" &&
    PL_GRADE_ROOT=$g "$P/pl/course/serverFilesCourse/vkit-lab2/pl-grade" 2 > "$g.log" 2>&1
}
plgrade right "$P/solved2/vmm/core/trap.c"
plgrade stub "$P/gs-2/source/kit/vmm/core/trap.c"
sed 's/^static void emu_cli/static void emu_cli(/' "$P/solved2/vmm/core/trap.c" > "$P/broken-trap.c"
plgrade broken "$P/broken-trap.c"
for v in right stub broken; do
  check "prairielearn, $v: results.json meets PrairieLearn's schema" labs/autograder/validate.py prairielearn "$P/pl-$v/results/results.json"
done
check "prairielearn: a correct trap.c scores 1" [ "$(json "$P/pl-right/results/results.json" "r['score']")" = 1.0 ]
check "prairielearn: the handout's trap.c scores 0" [ "$(json "$P/pl-stub/results/results.json" "r['score']")" = 0.0 ]
check "prairielearn: a trap.c that does not compile is not gradable, with the compiler's error" \
  json "$P/pl-broken/results/results.json" "r['gradable'] is False and 'error' in r['format_errors'][0] or exit(1)"
check "prairielearn: a hidden test shows its points, not its details" \
  json "$P/pl-stub/results/results.json" "[t['output'] for t in r['tests'] if t['name'] == 'dead_machines'] == [''] or exit(1)"

# ---- GitHub Classroom ----
labs/autograder/classroom-yml.sh 2 > "$P/classroom.yml"
check "classroom: the workflow parses as strict YAML and has every step" \
  labs/autograder/validate.py classroom "$P/classroom.yml" labs/lab2/grade/rubric
check "classroom: the example in labs/autograder is the generator's output" \
  cmp "$P/classroom.yml" labs/autograder/github-classroom-lab2.example.yml
check "classroom: the validator rejects a tab (as PyYAML does)" \
  sh -c "sed 's/^      - name: Checkout code/\t- name: Checkout code/' '$P/classroom.yml' > '$P/tab.yml' &&
         ! labs/autograder/validate.py classroom '$P/tab.yml' labs/lab2/grade/rubric"
# The workflow's grade step and test commands, in a handout (the
# reference's runs recorded), bare and with a correct trap.c.
make -s handout LAB=2 > /dev/null 2>&1 && rm -rf "$P/cl-bare" "$P/cl-right" &&
  cp -r build/handout/lab2 "$P/cl-bare" && cp -r build/handout/lab2 "$P/cl-right" &&
  cp "$P/solved2/vmm/core/trap.c" "$P/cl-right/vmm/core/trap.c"
steps() { # the grade step's command, then each test's (sudo dropped: we are root or not)
  python3 -c "
import yaml, sys
for s in list(yaml.safe_load(open(sys.argv[1]))['jobs'].values())[0]['steps']:
    c = s.get('run') if 'grade.sh' in str(s.get('run', '')) else s.get('with', {}).get('command')
    if c: print(c.replace('sudo ', ''))" "$P/classroom.yml"
}
for v in bare right; do
  (cd "$P/cl-$v" && steps | while read -r c; do
     sh -c "$c" > /dev/null 2>&1
     echo $?
   done) > "$P/cl-$v.rc"
done
check "classroom: the grade step fails at the handout's score" [ "$(head -n 1 "$P/cl-bare.rc")" = 1 ]
check "classroom: the grade step passes with a correct trap.c" [ "$(head -n 1 "$P/cl-right.rc")" = 0 ]
check "classroom: every test step passes with a correct trap.c" [ "$(tail -n +2 "$P/cl-right.rc" | sort -u)" = 0 ]
check "classroom: the test steps fail on the handout" [ "$(tail -n +2 "$P/cl-bare.rc" | sort -u)" = 1 ]

# ---- the three outputs agree ----
GRADE_SEED=7 labs/grade/grade.sh --any-score 2 "$P/gs-2/source/kit" "$P/agree-stub" > /dev/null 2>&1
labs/cut.sh -f vmm/core/trap.c:5 2 "$P/part2" > /dev/null
GRADE_SEED=7 labs/grade/grade.sh --any-score 2 "$P/part2" "$P/agree-part" > /dev/null 2>&1
for v in stub part; do
  check "check.xml, results.json and pl-results.json agree ($v)" \
    labs/autograder/validate.py agree "$P/agree-$v/results.json" "$P/agree-$v/pl-results.json" "$P/agree-$v/check.xml"
done

# ---- attacks: each added to a correct (or the handout's) trap.c ----
# attack NAME BASE: BASE (right or stub) with $P/attack-NAME.c appended,
# graded as on Gradescope; its score in $P/gs-2/NAME.json
attack() {
  mkdir -p "$P/gs-2/submission-$1"
  cat "$2" "$P/attack-$1.c" > "$P/gs-2/submission-$1/trap.c"
  gradescope 2 "$1"
}
AGS=$P/gs-2
cat > "$P/attack-self.c" <<EOF
/* self-reporting: claim every test passed, run nothing */
#include <stdio.h>
#include <stdlib.h>
__attribute__((constructor)) static void attack(void) {
  static const char *const where[] = {"$AGS/results/results.json", "$AGS/results/results.tsv", "/tmp/results.json",
                                      "results.json", "../results.json", "../../results.json"};
  for (unsigned i = 0; i < sizeof where / sizeof where[0]; i++) {
    FILE *f = fopen(where[i], "w");
    if (f) fprintf(f, "{\"score\": 100, \"tests\": []}\n"), fclose(f);
  }
  printf("total 100/100\nmfc_reads_vcpu\tpass\t\n");
  exit(0);
}
EOF
cat > "$P/attack-include.c" <<EOF
/* reading the reference's solution at compile time */
#include "$AGS/source/ref/vmm/core/trap.c"
EOF
cat > "$P/attack-read.c" <<EOF
/* reading the rubric, the hidden tests and the reference's outputs, to
 * show them in the feedback and replay what it finds */
#include <dirent.h>
#include <stdio.h>
static void attack_show(const char *path) {
  FILE *f = fopen(path, "r");
  char buf[4096];
  size_t n;
  fprintf(stderr, "attack: %s: %s\n", path, f ? "read" : "cannot read");
  while (f && (n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout), fwrite(buf, 1, n, stderr);
  if (f) fclose(f);
}
__attribute__((constructor)) static void attack(void) {
  attack_show("$AGS/source/ref/labs/lab2/grade/rubric");
  attack_show("$AGS/source/ref/labs/lab2/grade/hidden.c");
  attack_show("$AGS/source/ref/vmm/core/trap.c");
  DIR *d = opendir("/tmp");
  for (struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d)) { /* the grader's scratch: its reference runs */
    char p[1024];
    snprintf(p, sizeof p, "/tmp/%s/out/priv", e->d_name);
    DIR *x = opendir(p);
    fprintf(stderr, "attack: %s: %s\n", p, x ? "open" : "cannot open");
    if (x) closedir(x);
  }
  if (d) closedir(d);
}
EOF
# canned output: the handout's recorded run of mfc_reads_vcpu (seed 1)
# replayed for every guest, counters written as a flat JSON object
CANNED=build/handout/lab2/labs/lab2/grade/expected/mfc_reads_vcpu.0
{
  cat <<'EOF_C'
/* canned output: the recorded reference run of mfc_reads_vcpu at the handout's seed */
#include <stdio.h>
#include <stdlib.h>
EOF_C
  printf 'static const unsigned char attack_out[] = {'; od -An -tu1 -v "$CANNED.out" | tr -s ' \n' ',,' | sed 's/^,//'; printf '0};\n'
  printf 'static const char attack_stats[] =\n'
  sed 's/\\/\\\\/g; s/"/\\"/g; s/^\([^ ]*\) = \(.*\)$/"\\"\1\\": \2,\\n"/' "$CANNED.stats"
  printf '%s\n' ';'
  printf 'static const int attack_status = %s;\n' "$(cat "$CANNED.status")"
  cat <<'EOF_C'
__attribute__((constructor)) static void attack(void) {
  FILE *f = fopen("stats.json", "w");
  if (f) fprintf(f, "{\n%s}\n", attack_stats), fclose(f);
  fwrite(attack_out, 1, sizeof attack_out - 1, stdout);
  exit(attack_status);
}
EOF_C
} > "$P/attack-canned.c"
cat > "$P/attack-delegate.c" <<EOF
/* delegating a mode: --mode trap runs the guest natively instead */
#include <string.h>
#include <unistd.h>
__attribute__((constructor)) static void attack(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "--mode") == 0 && strcmp(argv[i + 1], "trap") == 0) {
      argv[i + 1] = "native";
      execv("/proc/self/exe", argv);
    }
}
EOF
STUB=$P/gs-2/source/kit/vmm/core/trap.c RIGHT=$P/solved2/vmm/core/trap.c
printf '\n' > "$P/attack-none.c"
attack none "$RIGHT"
check "attacks: a correct trap.c scores 100 (the baseline)" [ "$(json "$AGS/none.json" "r['score']")" = 100 ]
attack self "$STUB"
check "attacks: self-reporting scores 0" [ "$(json "$AGS/self.json" "r['score']")" = 0 ]
attack delegate "$RIGHT"
check "attacks: delegating trap mode to native scores 0" [ "$(json "$AGS/delegate.json" "r['score']")" = 0 ]
attack canned "$STUB"
check "attacks: canned output scores 0 (every run has new guests and prices)" [ "$(json "$AGS/canned.json" "r['score']")" = 0 ]
# the canned attack is real: at the recorded seed, in the handout, it
# passes the test it replays
mkdir -p "$P/cl-canned" && cp -r build/handout/lab2/. "$P/cl-canned/" && cp "$AGS/submission/trap.c" "$P/cl-canned/vmm/core/trap.c"
"$P/cl-canned/labs/grade/grade.sh" --any-score 2 "$P/cl-canned" "$P/canned-handout" > "$P/canned-handout.txt" 2>&1
check "attacks: the canned attack does pass mfc_reads_vcpu at the handout's recorded seed (so the 0 above is the seed's doing)" \
  grep -qE '^  mfc_reads_vcpu +5/5 +pass' "$P/canned-handout.txt"
if [ $ROOT = 1 ]; then
  attack include "/dev/null"
  check "attacks: #include of the reference's trap.c (compiled in the sandbox) scores 0" \
    [ "$(json "$AGS/include.json" "r['score']")" = 0 ]
  attack read "$STUB"
  check "attacks: reading the rubric, hidden tests and reference outputs scores 0" \
    [ "$(json "$AGS/read.json" "r['score']")" = 0 ]
  check "attacks: no byte of the rubric or the hidden tests reaches the results" \
    python3 -c "
import json, sys
out = open(sys.argv[1]).read()
for f in sys.argv[2:]:
    for line in open(f):
        line = line.strip()
        if len(line) > 30 and (line in out or json.dumps(line)[1:-1] in out):
            sys.exit('leaked: ' + line)" "$AGS/read.json" labs/lab2/grade/hidden.c
  check "attacks: every read was refused (the attack's own messages, in the failure details)" \
    sh -c "grep -q 'rubric: cannot read' '$AGS/read.json' && ! grep -q ': read\\\\n' '$AGS/read.json'"
else
  echo "platforms-check: skipped: the file-isolation attacks need root (the sandbox changes user only as root)"
  nskip=$((nskip + 3))
fi

echo "platforms-check: $(($(date +%s) - start)) s"
echo "platforms-check: $npass passed, $nfail failed$( [ $nskip = 0 ] || echo ", $nskip skipped")"
[ $nfail -eq 0 ]
