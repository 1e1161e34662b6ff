#!/usr/bin/env python3
"""Reads logs/ written by run-interleaved.sh and prints the RESULTS.md tables (markdown)."""
import json, re, sys, glob, os
logs = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), 'logs')

def read(p):
    return open(p).read() if os.path.exists(p) else ''

def meta(txt):
    start = re.search(r'^## start (\S+)', txt, re.M); end = re.search(r'^## end (\S+)', txt, re.M)
    rss = re.search(r'Maximum resident set size \(kbytes\): (\d+)', txt)
    wall = re.search(r'Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)', txt)
    other = re.search(r'other processes CPU during step: ([\d.]+) s over ([\d.]+) s wall \(([\d.]+) cores', txt)
    quiet = re.search(r'^## ((?:NOT )?quiet.*)$', txt, re.M)
    return dict(start=start and start.group(1), end=end and end.group(1),
                rss_gib=rss and int(rss.group(1)) / 2**20, wall=wall and wall.group(1),
                other_cores=other and float(other.group(3)), quiet=quiet and quiet.group(1))

rows, pairs = [], {}
for i in sorted({int(m) for m in re.findall(r'run(\d+)-', ' '.join(os.listdir(logs)))}):
    lt = read(f'{logs}/run{i}-1-project-loadtime.log'); pb = read(f'{logs}/run{i}-2-project-bench.log'); tj = read(f'{logs}/run{i}-3-transformersjs.log')
    load = re.search(r'"load_s":([\d.]+)', lt); load = float(load.group(1)) if load else None
    mp, mt, ml = meta(pb), meta(tj), meta(lt)
    for m in re.finditer(r'^\s*java-loop\s+(\d+)\s+[\d.]+\s+([\d.]+)\s+([\d.]+)', pb, re.M):
        b, tps = int(m.group(1)), float(m.group(2))
        rows.append((i, 'project (gptjt bench engine, java-loop)', b, tps, load, mp, ml)); pairs.setdefault(i, {}).setdefault(b, {})['p'] = tps
    tload = None
    for line in tj.splitlines():
        if line.startswith('{') and '"event":"result"' in line:
            r = json.loads(line); tload = r['load_s']
            rows.append((i, 'transformers.js 3.8.1', r['batch'], r['new_tok_per_s'], r['load_s'], mt, None))
            pairs.setdefault(i, {}).setdefault(r['batch'], {})['t'] = r['new_tok_per_s']
            pairs[i][r['batch']]['tokens'] = (r['generated_row0'], r['generated_row1'])

print('| pair | tool | batch | new tok/s | load s | process peak RSS GiB | step start–end (UTC) | other procs\' CPU during step (cores avg) |')
print('|---|---|---|---|---|---|---|---|')
for i, tool, b, tps, load, m, ml in rows:
    other = f"{m['other_cores']:.2f}" if m['other_cores'] is not None else '?'
    if ml: other += f" (load-time step: {ml['other_cores']:.2f})"
    print(f"| {i} | {tool} | {b} | {tps:.2f} | {load:.1f} | {m['rss_gib']:.2f} | {m['start'][11:19]}–{m['end'][11:19]} | {other} |")
print()
print('| pair | batch | transformers.js / project |')
print('|---|---|---|')
for i in sorted(pairs):
    for b in sorted(pairs[i]):
        d = pairs[i][b]
        if 'p' in d and 't' in d: print(f"| {i} | {b} | {d['t'] / d['p']:.2f} |")
print()
for i in sorted(pairs):
    for b in sorted(pairs[i]):
        if 'tokens' in pairs[i][b]: print(f"pair {i} b{b} transformers.js generated rows 0/1: {pairs[i][b]['tokens']}")
