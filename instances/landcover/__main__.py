"""``python -m landalloc.instances.landcover NAME --out DIR [--resolution M] [--force]``: build a named instance."""

from __future__ import annotations

import argparse
import sys
import time

from landalloc.instances.landcover.presets import PRESETS, build_preset
from landalloc.models.errors import LandallocError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m landalloc.instances.landcover", description=__doc__)
    parser.add_argument("name", choices=sorted(PRESETS))
    parser.add_argument("--out", required=True, help="instance folder to write")
    parser.add_argument("--resolution", default=None,
                        help="metres of a regular equal-area grid, or 'native' for the source cells "
                             "(default: the instance's own choice)")
    parser.add_argument("--no-check", action="store_true", help="skip the compile-and-evaluate check")
    parser.add_argument("--force", action="store_true", help="replace an existing folder")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    overrides = {}
    if args.resolution is not None:
        try:
            overrides["resolution"] = None if args.resolution == "native" else float(args.resolution)
        except ValueError:
            parser.error(f"--resolution: give metres (e.g. 2500) or 'native', not {args.resolution!r}")
    try:
        built = build_preset(args.name, out=args.out, force=args.force, check=not args.no_check, **overrides)
    except LandallocError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"wrote {args.out}: {built!r} in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
