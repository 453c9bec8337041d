"""`python -m kubectl_rollback.sim`: run the simulated cluster in the foreground."""

from __future__ import annotations

import argparse
import sys

from .running import serve_forever


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kubectl_rollback.sim",
        description="Run the simulated Kubernetes cluster on 127.0.0.1.",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port to listen on (0 picks a free one)"
    )
    parser.add_argument("--scenario", default="demo", help="scenario to load (empty, demo, ...)")
    parser.add_argument(
        "--write-kubeconfig", metavar="PATH", help="write a kubeconfig for the cluster here"
    )
    parser.add_argument(
        "--time-scale", type=float, default=1.0, help="simulated seconds per real second"
    )
    args = parser.parse_args(argv)
    serve_forever(
        port=args.port,
        scenario=args.scenario,
        kubeconfig_path=args.write_kubeconfig,
        time_scale=args.time_scale,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
