"""The deploy commands of the ``infrakit`` CLI: bootstrap, plan, deploy, destroy, outputs.

``infrakit.cli`` registers them with :func:`add_commands`; the work is done by
:mod:`infrakit._deploy` (``ik.plan`` / ``ik.deploy`` / ``ik.destroy``). Progress goes to
stderr as plain lines, results and plans to stdout. Exit status 0 only when every selected
instance ended created, updated, unchanged (or deleted, for destroy).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from infrakit.errors import DeployError

__all__ = ["LiveBlock", "add_commands"]


def _settings(args: argparse.Namespace) -> Any:
    from infrakit._deploy import DeploySettings

    return DeploySettings(
        region=getattr(args, "region", None),
        project=getattr(args, "project", None),
        gcp_endpoint=getattr(args, "gcp_endpoint", None),
    )


def _parameters(pairs: Sequence[str] | None) -> dict[str, str]:
    values: dict[str, str] = {}
    for number, pair in enumerate(pairs or (), start=1):
        key, sep, value = pair.partition("=")
        if not sep or "." not in key:
            # Never echo any of it: without the name and `=`, all of it may be a secret value.
            raise DeployError(
                f"--parameter number {number} (not shown: it may hold a secret): expected INSTANCE.Name=VALUE "
                "(e.g. --parameter service-prod.DbPassword=...)"
            )
        values[key] = value
    return values


class LiveBlock:
    """The progress display on a terminal: one line per instance, its latest event, redrawn in
    place (ANSI cursor movement) as events arrive from the worker threads."""

    def __init__(self, stream: Any, width: int = 120) -> None:
        self.stream = stream
        self.width = width
        self.rows: dict[str, str] = {}
        self.drawn = 0
        self.start = time.monotonic()
        self._lock = threading.Lock()

    def __call__(self, line: str) -> None:
        name, _, text = line.partition(": ")
        with self._lock:
            self.rows[name] = f"[{time.monotonic() - self.start:6.1f}s] {text}"
            out = [f"\x1b[{self.drawn}F"] if self.drawn else []  # back to the block's first line
            out += [f"\x1b[2K{n}: {t}"[: self.width + 4] + "\n" for n, t in self.rows.items()]
            self.stream.write("".join(out))
            self.stream.flush()
            self.drawn = len(self.rows)


def _reporter(live: bool = True) -> Any:
    """Progress on stderr: a live block on a terminal, plain lines otherwise (or when the
    user is asked questions between them)."""
    if live and sys.stderr.isatty():
        import shutil

        return LiveBlock(sys.stderr, shutil.get_terminal_size().columns - 8)
    lock = threading.Lock()

    def report(line: str) -> None:
        with lock:
            print(line, file=sys.stderr, flush=True)

    return report


def _summary(result: Any) -> str:
    rows = [(name, r.status, r.message) for name, r in result.instances.items()]
    width = max([len("instance"), *(len(n) for n, _s, _m in rows)])
    lines = [f"{'instance':<{width}}  {'status':<9}  detail"]
    lines += [f"{name:<{width}}  {status:<9}  {message}".rstrip() for name, status, message in rows]
    return "\n".join(lines) + "\n"


def cmd_bootstrap(args: argparse.Namespace) -> int:
    from infrakit.aws._deploy import BOOTSTRAP_STACK, bootstrap

    result = bootstrap(_settings(args), report=_reporter())
    if result.status == "failed":
        print(f"infrakit: bootstrap failed: {result.message}", file=sys.stderr)
        return 1
    bucket = result.outputs.get("AssetBucket", "?")
    print(f"{BOOTSTRAP_STACK}: {result.status}; asset bucket {bucket}")
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    from infrakit._deploy import format_plan, plan

    plans = plan(
        args.directory,
        only=args.only,
        changed_since=args.changed_since,
        parameters=_parameters(args.parameter),
        parameters_file=args.parameters_file,
        jobs=args.jobs,
        settings=_settings(args),
    )
    if args.json:
        data = {
            "instances": [
                {
                    "name": p.name,
                    "stack": p.stack,
                    "action": p.action,
                    "changes": [
                        {
                            "logical_id": c.logical_id,
                            "type": c.type,
                            "action": c.action,
                            "replacement": c.replacement,
                        }
                        for c in p.changes
                    ],
                }
                for p in plans
            ]
        }
        print(json.dumps(data, indent=2))
    else:
        sys.stdout.write(format_plan(plans) or "nothing selected\n")
    return 0


def cmd_deploy(args: argparse.Namespace) -> int:
    from infrakit._deploy import deploy

    result = deploy(
        args.directory,
        only=args.only,
        changed_since=args.changed_since,
        yes=args.yes,
        jobs=args.jobs,
        parameters=_parameters(args.parameter),
        parameters_file=args.parameters_file,
        allow_replace=args.allow_replace,
        settings=_settings(args),
        report=_reporter(live=args.yes),  # questions on the terminal come between plain lines
    )
    sys.stdout.write(_summary(result))
    return 0 if result.ok else 1


def cmd_destroy(args: argparse.Namespace) -> int:
    from infrakit._deploy import destroy

    result = destroy(
        args.directory, only=args.only, yes=args.yes, jobs=args.jobs, settings=_settings(args), report=_reporter()
    )
    sys.stdout.write(_summary(result))
    return 0 if result.ok else 1


def cmd_outputs(args: argparse.Namespace) -> int:
    from infrakit._deploy import outputs

    found = outputs(args.directory, settings=_settings(args), jobs=args.jobs)
    if args.json:
        print(json.dumps(found, indent=2, sort_keys=True))
    else:
        for name, values in found.items():
            print(name)
            for key, value in values.items():
                print(f"  {key} = {value}")
    return 0


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def _common(parser: argparse.ArgumentParser, *, select: bool = True) -> None:
    parser.add_argument("directory", metavar="DIR", help="the assembly directory (written by infrakit synth)")
    if select:
        parser.add_argument("--only", nargs="+", metavar="NAME", help="only these instances")
    parser.add_argument("--jobs", "-j", type=_jobs, default=4, help="instances handled at once (default 4)")
    parser.add_argument("--region", help="AWS region (default: boto3's chain, e.g. AWS_REGION)")
    parser.add_argument("--project", help="Google Cloud project (default: the Google auth chain)")
    parser.add_argument("--gcp-endpoint", help="Compute API endpoint (default: INFRAKIT_COMPUTE_ENDPOINT or Google's)")


def _values(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--changed-since",
        metavar="OLD_DIR",
        help="only the instances `infrakit diff OLD_DIR DIR` names (changed and affected)",
    )
    parser.add_argument(
        "--parameter",
        "-p",
        action="append",
        metavar="INSTANCE.Name=VALUE",
        help="a parameter value (repeatable); also INFRAKIT_PARAM_<INSTANCE>__<Name> or --parameters-file",
    )
    parser.add_argument("--parameters-file", metavar="FILE", help='JSON: {"instance.Name": "value", ...}')


def add_commands(commands: Any) -> None:
    """Register bootstrap, plan, deploy, destroy and outputs on the CLI's subparsers."""
    bootstrap = commands.add_parser("bootstrap", help="create the asset bucket (once per AWS account and region)")
    bootstrap.add_argument("--region", help="AWS region (default: boto3's chain)")
    bootstrap.set_defaults(run=cmd_bootstrap)

    plan = commands.add_parser("plan", help="show what deploy would change, changing nothing")
    _common(plan)
    _values(plan)
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")
    plan.set_defaults(run=cmd_plan)

    deploy = commands.add_parser("deploy", help="deploy an assembly's instances, producers first")
    _common(deploy)
    _values(deploy)
    deploy.add_argument("--yes", "-y", action="store_true", help="deploy without asking")
    deploy.add_argument("--allow-replace", action="store_true", help="allow changes that remove or replace resources")
    deploy.set_defaults(run=cmd_deploy)

    destroy = commands.add_parser("destroy", help="delete an assembly's deployments, consumers first")
    _common(destroy)
    destroy.add_argument("--yes", "-y", action="store_true", help="required: confirm the deletion")
    destroy.set_defaults(run=cmd_destroy)

    outputs = commands.add_parser("outputs", help="print the deployed outputs of an assembly's instances")
    _common(outputs, select=False)
    outputs.add_argument("--json", action="store_true", help='print {"<instance>": {"<Output>": "<value>"}}')
    outputs.set_defaults(run=cmd_outputs)
