#!/usr/bin/env python3
"""How well course plans close the gap, over the story occupations of docs/MATCHING.md.

For each story occupation, its top safer transitions (`reskill transitions`), and for each move
the course plan (`reskill plan --pairs`), this prints and sums up:

- the share of the missing essential skills that real courses cover (mean over moves),
- the same share once the programme types a plan names are counted,
- total weeks of study,
- gap skills covered per course.

Run it against a database holding the real bundle (`reskill demo --real-data ../shared/data`);
the reskill binary and its settings (RESKILL_DATA_DIR, RESKILL_MODEL_DIR, …) come from the
environment:

    scripts/plan_quality.py [--reskill target/release/reskill] [--top 3] [--json OUT]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

STORIES = [
    "customer service representative",
    "call centre agent",
    "translator",
    "marketing assistant",
    "data entry clerk",
    "bookkeeper",
    "telemarketer",
    "receptionist",
]


def run(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reskill", default=os.environ.get("RESKILL_BIN", "reskill"))
    parser.add_argument("--top", type=int, default=3, help="safer transitions per story")
    parser.add_argument("--json", help="also write the per-move figures here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        stories = os.path.join(tmp, "stories.txt")
        with open(stories, "w") as f:
            f.write("\n".join(STORIES) + "\n")
        lines = run([args.reskill, "transitions", "--from-file", stories, "--top", str(args.top)])
        moves = []
        for line in lines:
            report = line.get("report")
            if not report:
                print(f"{line['input']}: {line.get('error')}", file=sys.stderr)
                continue
            for t in report["transitions"]:
                moves.append((report["from"], t))
        pairs = os.path.join(tmp, "pairs.tsv")
        with open(pairs, "w") as f:
            for origin, t in moves:
                f.write(f"{origin['uri']}\t{t['occupation']['uri']}\n")
        plans = run([args.reskill, "plan", "--pairs", pairs]) if moves else []

    rows = []
    for (origin, t), line in zip(moves, plans):
        plan = line.get("plan")
        if plan is None:
            print(f"{origin['label']} → {t['occupation']['label']}: {line.get('error')}",
                  file=sys.stderr)
            continue
        essential = {s["skill"]["uri"] for s in t["gap"]["essential"]}
        covers = [{s["uri"] for s in step["covers"]} for step in plan["steps"]]
        by_courses = set().union(*covers) & essential if covers else set()
        by_programmes = set()
        for p in plan.get("programmes", []):
            by_programmes |= {s["uri"] for s in p["covers"]}
        rows.append({
            "from": origin["label"],
            "to": t["occupation"]["label"],
            "essential_missing": len(essential),
            "covered_by_courses": len(by_courses),
            "covered_with_programmes": len((by_courses | by_programmes) & essential),
            "courses": len(plan["steps"]),
            "weeks": plan["total_weeks"],
            "gap_skills_per_course": [len(c) for c in covers],
            "programmes": [f"{p['code']} {p['title']}" for p in plan.get("programmes", [])],
        })

    def share(row, key):
        n = row["essential_missing"]
        return row[key] / n if n else 1.0

    print(f"{'from':<32} {'to':<38} {'ess':>4} {'crs%':>5} {'+prg%':>6} {'n':>3} {'weeks':>6}")
    for r in rows:
        print(f"{r['from'][:32]:<32} {r['to'][:38]:<38} {r['essential_missing']:>4} "
              f"{100 * share(r, 'covered_by_courses'):>5.0f} "
              f"{100 * share(r, 'covered_with_programmes'):>6.0f} {r['courses']:>3} "
              f"{r['weeks']:>6.1f}")
    if not rows:
        sys.exit("no move had a plan")
    per_course = [n for r in rows for n in r["gap_skills_per_course"]]
    print()
    print(f"moves: {len(rows)} (from {len({r['from'] for r in rows})} of {len(STORIES)} stories)")
    print(f"essential gap covered by courses: "
          f"{100 * sum(share(r, 'covered_by_courses') for r in rows) / len(rows):.1f} % (mean over moves)")
    print(f"with programme types: "
          f"{100 * sum(share(r, 'covered_with_programmes') for r in rows) / len(rows):.1f} %")
    print(f"mean weeks: {sum(r['weeks'] for r in rows) / len(rows):.1f}")
    print(f"gap skills per course: "
          f"{sum(per_course) / len(per_course) if per_course else 0:.2f} over {len(per_course)} courses")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
