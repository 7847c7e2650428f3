#!/usr/bin/env python3
"""validate.py: does a grader's output meet its platform's contract?
(labs/platforms.sh runs it; the specifications are cited in
docs/instructor.md, "Platforms".)

    validate.py gradescope RESULTS.json
    validate.py prairielearn RESULTS.json
    validate.py pl-question info.json
    validate.py classroom WORKFLOW.yml RUBRIC
    validate.py agree results.json pl-results.json check.xml

Prints one line per problem and exits 1 if there is any, else prints
"ok: ..." and exits 0.  Each check follows the documented schema:
unknown keys are errors (a key the platform ignores is a key someone
thought it reads), and so are missing required keys and wrong types.
"""
import json
import sys
import xml.etree.ElementTree as ET

problems = []


def need(ok, what):
    if not ok:
        problems.append(what)
    return ok


def number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


VISIBILITY = {'visible', 'hidden', 'after_due_date', 'after_published'}


def gradescope(path):
    """Gradescope's autograder specification, "Output format": top level
    score, execution_time, output, visibility, stdout_visibility,
    extra_data, tests, leaderboard; per test score, max_score, name,
    number, output, tags, visibility, extra_data."""
    r = json.load(open(path))
    top = {'score', 'execution_time', 'output', 'visibility', 'stdout_visibility', 'extra_data', 'tests', 'leaderboard'}
    each = {'score', 'max_score', 'name', 'number', 'output', 'tags', 'visibility', 'extra_data'}
    need(isinstance(r, dict), 'results.json is not an object')
    for k in r:
        need(k in top, 'unknown top-level key %r' % k)
    tests = r.get('tests', [])
    need('score' in r or all('score' in t for t in tests), 'no score: neither top-level nor on every test')
    if 'score' in r:
        need(number(r['score']), 'score is not a number')
    for k in ('output',):
        if k in r:
            need(isinstance(r[k], str), '%s is not a string' % k)
    for k in ('visibility', 'stdout_visibility'):
        if k in r:
            need(r[k] in VISIBILITY, '%s %r is not one of %s' % (k, r[k], sorted(VISIBILITY)))
    need(isinstance(tests, list), 'tests is not a list')
    total = 0
    for i, t in enumerate(tests):
        for k in t:
            need(k in each, 'test %d: unknown key %r' % (i, k))
        need(number(t.get('score')), 'test %d: score is not a number' % i)
        if 'max_score' in t:
            need(number(t['max_score']) and 0 <= t['score'] <= t['max_score'],
                 'test %d: score %r not in [0, max_score %r]' % (i, t.get('score'), t.get('max_score')))
        for k in ('name', 'number', 'output'):
            if k in t:
                need(isinstance(t[k], str), 'test %d: %s is not a string' % (i, k))
        if 'visibility' in t:
            need(t['visibility'] in VISIBILITY, 'test %d: visibility %r' % (i, t['visibility']))
        total += t.get('score', 0) if number(t.get('score')) else 0
    if 'score' in r and tests:
        need(abs(r['score'] - total) < 1e-9, 'score %r is not the sum of the tests\' scores %r' % (r['score'], total))
    # What a student sees before the deadline: the top-level output never
    # gives the total that counts hidden tests.
    hidden = [t for t in tests if t.get('visibility', 'visible') != 'visible']
    if hidden and 'output' in r:
        with_hidden = sum(t['max_score'] for t in tests)
        need('/%d' % with_hidden not in r['output'],
             'the top-level output (always shown) gives a total over the hidden tests too (/%d)' % with_hidden)
    return 'gradescope: %d tests, score %s' % (len(tests), r.get('score'))


def prairielearn(path):
    """PrairieLearn's external grading, "Grading results": score in
    [0, 1] (needed when gradable), gradable, format_errors, message,
    output, images; per test name, description, points, max_points,
    message, output, images.  At most 1 MB."""
    import os
    need(os.path.getsize(path) <= 1 << 20, 'results.json is over 1 MB')
    r = json.load(open(path))
    top = {'gradable', 'score', 'format_errors', 'message', 'output', 'images', 'tests'}
    each = {'name', 'description', 'points', 'max_points', 'message', 'output', 'images'}
    for k in r:
        need(k in top, 'unknown top-level key %r' % k)
    gradable = r.get('gradable', True)
    need(isinstance(gradable, bool), 'gradable is not a boolean')
    if gradable:
        need(number(r.get('score')) and 0 <= r['score'] <= 1, 'score %r is not in [0, 1]' % r.get('score'))
    else:
        fe = r.get('format_errors')
        need(isinstance(fe, str) or (isinstance(fe, list) and all(isinstance(x, str) for x in fe)),
             'not gradable, and format_errors is neither a string nor a list of strings')
    for k in ('message', 'output'):
        if k in r:
            need(isinstance(r[k], str), '%s is not a string' % k)
    tests = r.get('tests', [])
    need(isinstance(tests, list), 'tests is not a list')
    got = mx = 0
    for i, t in enumerate(tests):
        for k in t:
            need(k in each, 'test %d: unknown key %r' % (i, k))
        need(isinstance(t.get('name'), str), 'test %d: no name' % i)
        need(number(t.get('points')) and number(t.get('max_points')) and 0 <= t['points'] <= t['max_points'],
             'test %d: points %r, max_points %r' % (i, t.get('points'), t.get('max_points')))
        got += t.get('points', 0)
        mx += t.get('max_points', 0)
    if gradable and mx:
        need(abs(r['score'] - got / mx) < 1e-6, 'score %r is not points/max_points %r' % (r['score'], got / mx))
    return 'prairielearn: %d tests, score %s, gradable %s' % (len(tests), r.get('score'), gradable)


def pl_question(path):
    """A question's info.json: externalGradingOptions enabled, image,
    entrypoint, serverFilesCourse, timeout (at most 600), enableNetworking,
    environment."""
    q = json.load(open(path))
    for k in ('uuid', 'title', 'topic', 'type'):
        need(isinstance(q.get(k), str), 'info.json: no %s' % k)
    need(q.get('gradingMethod') == 'External', 'info.json: gradingMethod is not External')
    o = q.get('externalGradingOptions', {})
    allowed = {'enabled', 'image', 'entrypoint', 'serverFilesCourse', 'timeout', 'enableNetworking', 'environment'}
    for k in o:
        need(k in allowed, 'externalGradingOptions: unknown key %r' % k)
    need(o.get('enabled') is True, 'externalGradingOptions: not enabled')
    need(isinstance(o.get('image'), str) and o['image'], 'externalGradingOptions: no image')
    need(isinstance(o.get('entrypoint'), (str, list)) and str(o['entrypoint']).startswith('/grade/'),
         'externalGradingOptions: the entrypoint is not an absolute path under /grade')
    need(number(o.get('timeout', 30)) and 0 < o.get('timeout', 30) <= 600, 'externalGradingOptions: timeout not in (0, 600]')
    need(all(isinstance(x, str) for x in o.get('serverFilesCourse', [])), 'serverFilesCourse is not a list of paths')
    return 'pl-question: %s' % q.get('title')


def classroom(path, rubric):
    """The workflow: strict YAML (no tab), a grade step that fails below
    full marks (no --any-score, no continue-on-error), one
    education/autograding-command-grader step per visible test with
    test-name, command, timeout and max-score (the rubric's points), run
    even after a failed grade step, and the reporter naming each."""
    import yaml
    text = open(path).read()
    need('\t' not in text, 'a tab character (strict YAML parsers reject it)')
    w = yaml.safe_load(text)
    jobs = w.get('jobs', {})
    need(len(jobs) == 1, 'not one job')
    steps = list(jobs.values())[0].get('steps', [])
    rows = {}
    for line in open(rubric):
        f = line.split()
        if f and not line.startswith('#') and f[2] == 'visible':
            rows[f[0]] = int(f[1])
    grade = [s for s in steps if 'grade.sh' in str(s.get('run', ''))]
    need(len(grade) == 1, 'no single grade step')
    if grade:
        need('--any-score' not in grade[0]['run'] and not grade[0].get('continue-on-error'),
             'the grade step does not fail below full marks')
    seen = {}
    for s in steps:
        need(isinstance(s, dict) and ('run' in s or 'uses' in s), 'a step with neither run nor uses: %r' % s)
        if str(s.get('uses', '')).startswith('education/autograding-command-grader@'):
            w_ = s.get('with', {})
            for k in ('test-name', 'command', 'timeout', 'max-score'):
                need(k in w_, 'step %s: no %s' % (s.get('id'), k))
            need(s.get('if') == 'always()', 'step %s does not run after a failed grade step' % s.get('id'))
            seen[w_.get('test-name')] = w_.get('max-score')
    need(seen == rows, 'the command-grader steps %r are not the rubric\'s visible tests %r' % (seen, rows))
    rep = [s for s in steps if str(s.get('uses', '')).startswith('education/autograding-grading-reporter@')]
    need(len(rep) == 1, 'no single reporter step')
    if rep:
        need(sorted(rep[0].get('with', {}).get('runners', '').split(',')) == sorted(rows), 'the reporter\'s runners')
        for t in rows:
            need(('%s_RESULTS' % t.upper()) in rep[0].get('env', {}), 'the reporter has no %s_RESULTS' % t.upper())
    return 'classroom: %d test steps' % len(seen)


def agree(gs_path, pl_path, xml_path):
    """check.xml, results.json and pl-results.json give every test the same
    verdict."""
    gs = {t['name']: t['score'] == t['max_score'] for t in json.load(open(gs_path))['tests']}
    pl = {t['name']: t['points'] == t['max_points'] for t in json.load(open(pl_path))['tests']}
    ns = {'c': 'http://check.sourceforge.net/ns'}
    xml = {t.find('c:id', ns).text: t.get('result') == 'success'
           for t in ET.parse(xml_path).getroot().iter('{http://check.sourceforge.net/ns}test')}
    need(gs == pl, 'results.json and pl-results.json disagree')
    need(gs == xml, 'results.json and check.xml disagree: %r' % {k for k in gs if gs[k] != xml.get(k)})
    return 'agree: %d tests, %d passed' % (len(gs), sum(gs.values()))


def main():
    a = sys.argv[1:]
    kinds = {'gradescope': (gradescope, 1), 'prairielearn': (prairielearn, 1), 'pl-question': (pl_question, 1),
             'classroom': (classroom, 2), 'agree': (agree, 3)}
    if not a or a[0] not in kinds or len(a) != kinds[a[0]][1] + 1:
        print(__doc__.split('\n\n')[1], file=sys.stderr)
        return 2
    try:
        what = kinds[a[0]][0](*a[1:])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        problems.append('%s: %s' % (type(e).__name__, e))
        what = a[0]
    for p in problems:
        print('%s: %s: %s' % (a[0], a[1], p))
    if not problems:
        print('ok: ' + what)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
