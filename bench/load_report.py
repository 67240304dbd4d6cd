"""Prints bench/load's figures for one database from locust's CSV output and the RSS
samples, as a Markdown table (pasted into docs/BENCHMARKS.md). Exits 1 if any request
failed.

usage: load_report.py NAME STATS.csv FAILURES.csv RSS_SAMPLES PEAK_KB SECS MEMBERS
"""
import csv
import sys

name, stats_path, failures_path, rss_path, peak_kb, secs, members = sys.argv[1:8]
rows = list(csv.DictReader(open(stats_path)))
rss = [int(l) for l in open(rss_path) if l.strip().isdigit()]
print(f"\n### {name}: {members} members, {secs} s\n")
print("| request | count | req/s | p50 ms | p95 ms | p99 ms | errors |")
print("|---|---:|---:|---:|---:|---:|---:|")
failed = 0
for r in rows:
    label = "**all**" if r["Name"] == "Aggregated" else r["Name"]
    print(
        f"| {label} | {r['Request Count']} | {float(r['Requests/s']):.1f} | {r['50%']} | {r['95%']} | {r['99%']} | {r['Failure Count']} |"
    )
    if r["Name"] == "Aggregated":
        failed = int(r["Failure Count"])
print()
if rss:
    print(f"server RSS: {max(rss) / 1024:.1f} MB at most (sampled each second), {rss[-1] / 1024:.1f} MB at the end; peak (VmHWM) {int(peak_kb) / 1024:.1f} MB")
try:
    failures = list(csv.DictReader(open(failures_path)))
except FileNotFoundError:
    failures = []
for f in failures[:15]:
    print(f"  error: {f['Method']} {f['Name']}: {f['Error'][:200]} x{f['Occurrences']}")
sys.exit(1 if failed else 0)
