"""Summarise py-spy collapsed stacks (``py-spy record --format raw``): the share of samples per
function, self and inclusive, so a profile can be written down as numbers.

    .venv/bin/python bench/profile_summary.py var/profile/sensors-1.txt [--top 30] [--grep sensors]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<func>[^ ]+) \((?P<file>[^:]+)(?::\d+)?\)$")


def short(frame: str) -> str:
    m = FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    path = m.group("file")
    for marker in ("site-packages/", "/perf/", "/klimaby/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{m.group('func')} ({path})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--grep", default=None, help="inclusive table only for frames matching")
    args = parser.parse_args()
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    idle = 0
    for file in args.files:
        for line in file.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack:
                continue
            n = int(count)
            frames = [short(f) for f in stack.split(";") if f.strip()]
            total += n
            if frames and frames[-1].startswith(("select (", "poll (", "run_once (")):
                idle += n
            own[frames[-1]] += n
            for f in set(frames):
                inclusive[f] += n
    print(f"{total} samples ({idle} in the event loop's select/poll, i.e. idle)")
    print(f"\nself time, top {args.top}:")
    for f, n in own.most_common(args.top):
        print(f"  {n / total:6.1%}  {f}")
    print(f"\ninclusive, top {args.top}" + (f" matching {args.grep!r}" if args.grep else "") + ":")
    shown = 0
    for f, n in inclusive.most_common():
        if args.grep and args.grep not in f:
            continue
        print(f"  {n / total:6.1%}  {f}")
        shown += 1
        if shown >= args.top:
            break


if __name__ == "__main__":
    main()
