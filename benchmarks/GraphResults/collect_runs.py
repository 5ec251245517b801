#!/usr/bin/env python3
"""Collects the converged-budget runs of s9-spe: per-run lines from the GraphResults logs -> mean ± std tables,
and the learning-curve CSVs of the separate processes -> one CSV per task (then `GraphResults plot` draws the PNGs).
usage: python3 benchmarks/GraphResults/collect_runs.py <results-file to append to> <curves-out-dir> [runs-dir=/tmp/wt9-spe-runs]"""
import re, sys, glob, os, statistics as st
runs = sys.argv[3] if len(sys.argv) > 3 else '/tmp/wt9-spe-runs'
logs = [f'{runs}/{n}' for n in ['a-cycles-zinc-nonspe.txt', 'c-cycles-spe.txt', 'd-zinc-spe-s1s3.txt', 'e-zinc-spe-s2.txt', 'f-sizegen-s1s3.txt', 'g-sizegen-s2.txt']]  # b (sizegen seed 1, stopped) is superseded by f
out, curves_out = sys.argv[1], sys.argv[2]
rows = []  # (task, pe, init, seed, metrics[list], epochs, best)
line_re = re.compile(r'^\s+(\w+) (\w+)\s+(\w+)\s+seed (\d+)(?: split (\d+))?: (.*?); (\d+) epochs, best (\d+)')
body = []
for log in logs:
    if not os.path.exists(log):
        continue
    for line in open(log):
        m = line_re.match(line)
        if not m:
            continue
        body.append(line.rstrip())
        task, pe, init, seed, split, what, epochs, best = m.groups()
        nums = [float(x) for x in re.findall(r'\d+\.\d+', what)]
        rows.append((task, pe, init, int(seed), nums, int(epochs), int(best)))
def cell(xs):
    return f'{st.mean(xs):.4f} ± {st.stdev(xs):.4f}' if len(xs) > 1 else f'{xs[0]:.4f}'
pes, inits = ['none', 'lap', 'rwse', 'spe'], ['xavier', 'virgo']
text = []
for task in ['cycles', 'zinc', 'esol', 'nci109', 'sizegen']:
    tr = [r for r in rows if r[0] == task]
    if not tr:
        continue
    metric = {'cycles': 'test MAE C3 | C4 | C5 | C6 (targets / train std)', 'zinc': 'test MAE', 'esol': 'test RMSE'}.get(task, 'test accuracy')
    text.append(f'### {task}: {metric}; mean ± std over seeds (n = seeds finished)')
    ncols = 4 if task == 'cycles' else 1
    text.append('| PE | init | ' + ' | '.join(['C3', 'C4', 'C5', 'C6'] if ncols == 4 else ['score']) + ' | n | epochs run (mean, max) | best epoch (mean, max) | runs at the 100-epoch cap |')
    text.append('|' + '---|' * (ncols + 6))
    for pe in pes:
        for init in inits:
            rr = [r for r in tr if r[1] == pe and r[2] == init]
            if not rr:
                continue
            cols = [cell([r[4][c] for r in rr]) for c in range(ncols)]
            eps, bests = [r[5] for r in rr], [r[6] for r in rr]
            text.append(f'| {pe} | {init} | ' + ' | '.join(cols) + f' | {len(rr)} | {st.mean(eps):.0f}, {max(eps)} | {st.mean(bests):.0f}, {max(bests)} | {sum(1 for e in eps if e == 100)} |')
    text.append('')
with open(out, 'a') as f:
    f.write('\n'.join(text) + '\n## every finished run (log lines)\n' + '\n'.join(body) + '\n')
# curves: one CSV per task from every process's folder
os.makedirs(curves_out, exist_ok=True)
for task in ['cycles', 'zinc', 'sizegen']:
    parts = sorted(glob.glob(f'{runs}/curves-[ac-g]/{task}.csv'))
    if not parts:
        continue
    lines, header = [], None
    for p in parts:
        ls = open(p).read().splitlines()
        first = ls[0] if ls[0].startswith('#') else None
        data = [l for l in ls if not l.startswith('#')]
        header = header or (first, data[0])
        lines += data[1:]
    with open(f'{curves_out}/{task}.csv', 'w') as f:
        f.write((header[0] + '\n' if header[0] else '') + header[1] + '\n' + '\n'.join(lines) + '\n')
print('\n'.join(text))
