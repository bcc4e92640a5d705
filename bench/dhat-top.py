#!/usr/bin/env python3
"""The largest allocation sites live at the heap's peak, from a DHAT profile.

    valgrind --tool=dhat --dhat-out-file=dhat.json target/debug/lyre   # then load it, stop it
    bench/dhat-top.py dhat.json [N]
"""
import json
import sys

SKIP = ("alloc::", "__rust", "vg_replace", "core::ptr", "<alloc", "hashbrown::raw", "malloc", "memalign")


def main() -> None:
    profile = json.load(open(sys.argv[1]))
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    frames = profile["ftbl"]
    sites = sorted(profile["pps"], key=lambda p: -p.get("gb", 0))
    print(f"heap at its peak: {sum(p.get('gb', 0) for p in sites)} bytes")
    for site in sites[:count]:
        named = [frames[i] for i in site["fs"] if not any(s in frames[i] for s in SKIP)][:3]
        print(f"{site.get('gb', 0):>10} bytes in {site.get('gbk', 0):>6} blocks")
        for frame in named:
            print("    " + frame[:160])


if __name__ == "__main__":
    main()
