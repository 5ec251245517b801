#!/usr/bin/env python3
"""Collects GraphResults runs that ran as separate processes: per-run lines from their logs -> mean ± std tables (with
how flat each run's validation curve was at its end), and the learning-curve CSVs -> one CSV per task (then
`GraphResults plot <curves-out-dir>` draws the PNGs).

usage: python3 benchmarks/GraphResults/collect_runs.py <results-file to append to> <curves-out-dir> <cap epochs> <log>... -- <curves dir>...

"last-20 % gain" is, per run, how much the best validation metric improved over the last fifth of the epochs run,
relative to the best before them (median over the cell's runs): near 0 means the validation curve had flattened."""
import collections, csv, glob, os, re, statistics as st, sys

args = sys.argv[1:]
out, curves_out, cap = args[0], args[1], int(args[2])
sep = args.index('--')
logs, curve_dirs = args[3:sep], args[sep + 1:]
rows = []  # (task, pe, init, seed, metrics[list], epochs, best)
line_re = re.compile(r'^\s+(\w+) (\w+)\s+(\w+)\s+seed (\d+)(?: split (\d+))?: (.*?); (\d+) epochs, best (\d+)')
body = []
for log in logs:
    for line in open(log):
        m = line_re.match(line)
        if not m:
            continue
        body.append(line.rstrip())
        task, pe, init, seed, split, what, epochs, best = m.groups()
        nums = [float(x) for x in re.findall(r'\d+\.\d+', what)]
        rows.append((task, pe, init, int(seed), nums, int(epochs), int(best)))

# curves: one CSV per task from every process's folder; per run, the last-20 % gain of the validation metric
os.makedirs(curves_out, exist_ok=True)
gain = collections.defaultdict(list)
for task in ['cycles', 'zinc', 'esol', 'nci109', 'sizegen']:
    parts = sorted(p for d in curve_dirs for p in glob.glob(f'{d}/{task}.csv'))
    if not parts:
        continue
    lines, header = [], None
    for p in parts:
        ls = open(p).read().splitlines()
        first = ls[0] if ls[0].startswith('#') else None
        data = [l for l in ls if not l.startswith('#')]
        header = header or (first, data[0])
        lines += data[1:]
    higher = header[0] is not None and 'accuracy' in header[0].lower()
    runs = collections.defaultdict(list)
    for r in csv.reader(lines):
        runs[tuple(r[:5])].append((int(r[5]), float(r[7])))
    for k, v in runs.items():
        v.sort()
        cut = max(1, int(len(v) * 0.8))
        best = max if higher else min
        before, end = best(x for _, x in v[:cut]), best(x for _, x in v)
        gain[(k[0], k[1], k[2])].append(abs(end - before) / abs(before) if before else 0.0)
    with open(f'{curves_out}/{task}.csv', 'w') as f:
        f.write((header[0] + '\n' if header[0] else '') + header[1] + '\n' + '\n'.join(lines) + '\n')

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
    text.append('| PE | init | ' + ' | '.join(['C3', 'C4', 'C5', 'C6'] if ncols == 4 else ['score']) + f' | n | epochs run (mean, max) | best epoch (mean, max) | runs at the {cap}-epoch cap | last-20 % gain (median) |')
    text.append('|' + '---|' * (ncols + 7))
    for pe in pes:
        for init in inits:
            rr = [r for r in tr if r[1] == pe and r[2] == init]
            if not rr:
                continue
            cols = [cell([r[4][c] for r in rr]) for c in range(ncols)]
            eps, bests = [r[5] for r in rr], [r[6] for r in rr]
            g = gain.get((task, pe, init))
            flat = f'{st.median(g):.2%}' if g else '–'
            text.append(f'| {pe} | {init} | ' + ' | '.join(cols) + f' | {len(rr)} | {st.mean(eps):.0f}, {max(eps)} | {st.mean(bests):.0f}, {max(bests)} | {sum(1 for e in eps if e == cap)} | {flat} |')
    text.append('')
with open(out, 'a') as f:
    f.write('\n'.join(text) + '\n## every finished run (log lines)\n' + '\n'.join(body) + '\n')
print('\n'.join(text))
