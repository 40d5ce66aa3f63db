"""The ``infrakit`` command line: synth, ls, graph and diff.

``TARGET`` is ``path/to/file.py`` or ``package.module``, optionally followed by
``:NAME`` for a variable other than ``app``. A user's mistake exits with status 1 and
a message on stderr (``--verbose`` adds the traceback); success exits 0.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import re
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from infrakit._app import App
from infrakit.errors import InfrakitError

__all__ = ["main"]


class UserError(Exception):
    """A mistake in how the command was called or in the user's code."""


def _import_file(path: Path) -> Any:
    """Import a Python file the way pytest does: as a module of its package, if it is in one."""
    path = path.resolve()
    root, parts = path.parent, [path.stem]
    while (root / "__init__.py").exists():
        parts.insert(0, root.name)
        root = root.parent
    sys.path.insert(0, str(root))
    name = ".".join(parts)
    if len(parts) > 1:
        return importlib.import_module(name)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise UserError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_target(target: str) -> App:
    """The app named by a CLI target: ``file.py``, ``package.module``, either with ``:NAME``."""
    location, variable, value = _load_variable(target)
    if not isinstance(value, App):
        raise UserError(f"{location}:{variable} is a {type(value).__name__}, not an ik.App")
    return value


def _load_variable(target: str) -> tuple[str, str, Any]:
    """``(location, variable, value)`` of a CLI target (``app`` when no ``:NAME`` is given)."""
    location, _, variable = target.partition(":")
    variable = variable or "app"
    try:
        if location.endswith(".py") or os.sep in location or "/" in location:
            path = Path(location)
            if path.is_dir():
                raise UserError(
                    f"{location}: is a directory; give the Python file that defines the app (path/to/app.py) "
                    "or its module (package.module)"
                )
            if not path.is_file():
                raise UserError(f"{location}: no such file")
            module = _import_file(path)
        else:
            if not location or location.startswith("."):
                raise UserError(f"{target!r} names no module or file; give path/to/file.py or package.module")
            sys.path.insert(0, os.getcwd())
            module = importlib.import_module(location)
    except (UserError, InfrakitError):
        raise
    except ModuleNotFoundError as exc:
        raise UserError(f"cannot import {location}: {exc}") from exc
    except Exception as exc:
        raise UserError(f"loading {location} failed: {type(exc).__name__}: {exc}") from exc
    try:
        value = getattr(module, variable)
    except AttributeError:
        raise UserError(f"{location} has no variable {variable!r} (name another one with {location}:NAME)") from None
    return location, variable, value


def _progress(done: int, total: int) -> None:
    end = "\n" if done == total else ""
    print(f"\rsynthesizing {done}/{total}", end=end, file=sys.stderr, flush=True)


def cmd_synth(args: argparse.Namespace) -> int:
    app = load_target(args.target)
    progress = _progress if sys.stderr.isatty() and not args.quiet else None
    cached: dict[str, bool] = {}
    try:
        manifest = app.synth(
            args.output,
            only=args.only,
            format=args.format,
            jobs=args.jobs,
            cache=not args.no_cache,
            progress=progress,
            force=args.force,
            report=cached.__setitem__,
        )
    except InfrakitError:
        raise
    except Exception as exc:  # raised by a component's own build code
        notes = "; ".join(getattr(exc, "__notes__", ()))  # which instance and component (infrakit adds it)
        where = f" {notes}" if notes else ""
        raise UserError(
            f"synth failed{where}: {type(exc).__name__}: {exc} (run with --verbose for the traceback)"
        ) from exc
    if not args.quiet:
        count = len(set(args.only)) if args.only else len(manifest["instances"])
        print(f"{args.output}: {count} template(s) and manifest.json")
        selected = set(args.only) if args.only else set(cached)
        for label, from_cache in (("rendered", False), ("from the cache", True)):
            names = [name for name in sorted(selected) if cached.get(name) is from_cache]
            if names:
                print(f"{label}: {_names(names)}")
    return 0


def _names(names: list[str], shown: int = 10) -> str:
    """``a, b, c``; a long list is cut after ``shown`` names, with the count."""
    if len(names) <= shown + 2:
        return ", ".join(names)
    return f"{', '.join(names[:shown])}, ... ({len(names)} in all)"


def cmd_ls(args: argparse.Namespace) -> int:
    app = load_target(args.target)
    rows = [
        {
            "name": i.name,
            "component": f"{i.component.__module__}:{i.component.__qualname__}",
            "depends_on": i.depends_on(),
        }
        for i in app.instances.values()
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            deps = f"  <- {', '.join(row['depends_on'])}" if row["depends_on"] else ""
            print(f"{row['name']}  {row['component']}{deps}")
    return 0


def _edges(app: App) -> list[tuple[str, str, list[str]]]:
    edges: dict[tuple[str, str], list[str]] = {}
    for instance in app.instances.values():
        for field, ref in instance.wires():
            edges.setdefault((ref.instance.name, instance.name), []).append(field)
    return [(a, b, fields) for (a, b), fields in edges.items()]


def graph_dot(app: App) -> str:
    """The app's instances and wires in Graphviz DOT."""
    lines = [f'digraph "{app.name}" {{', "  rankdir=LR;", "  node [shape=box];"]
    for i in app.instances.values():
        lines.append(f'  "{i.name}" [label="{i.name}\\n{i.component.__qualname__}"];')
    for producer, consumer, fields in _edges(app):
        lines.append(f'  "{producer}" -> "{consumer}" [label="{", ".join(fields)}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def graph_mermaid(app: App) -> str:
    """The app's instances and wires as a Mermaid flowchart."""

    def node(name: str) -> str:
        return name.replace("-", "_")

    lines = ["graph LR"]
    for i in app.instances.values():
        lines.append(f'  {node(i.name)}["{i.name}<br/>{i.component.__qualname__}"]')
    for producer, consumer, fields in _edges(app):
        lines.append(f"  {node(producer)} -->|{', '.join(fields)}| {node(consumer)}")
    return "\n".join(lines) + "\n"


def cmd_graph(args: argparse.Namespace) -> int:
    app = load_target(args.target)
    sys.stdout.write(graph_mermaid(app) if args.format == "mermaid" else graph_dot(app))
    return 0


def cmd_describe(args: argparse.Namespace) -> int:
    from infrakit._component import Component
    from infrakit._describe import describe_component, format_description, installed_components

    components: list[type] = []
    if args.installed:
        components.extend(installed_components().values())
    if args.target:
        location, variable, value = _load_variable(args.target)
        if isinstance(value, App):
            components.extend(i.component for i in value.instances.values())
        elif isinstance(value, type) and issubclass(value, Component):
            components.append(value)
        else:
            raise UserError(f"{location}:{variable} is a {type(value).__name__}, not an ik.App or ik.Component")
    if not args.target and not args.installed:
        raise UserError("describe needs a TARGET (an app or a component) or --installed")
    described = [describe_component(c) for c in dict.fromkeys(components)]
    if args.json:
        print(json.dumps(described, indent=2))
    else:
        sys.stdout.write("\n".join(format_description(d) for d in described))
    return 0


def diff_assemblies(old_dir: str, new_dir: str) -> dict[str, Any]:
    """Which instances changed between two assemblies, and which consume a changed one
    (``infrakit._diff.diff_assemblies`` as JSON data)."""
    from infrakit._diff import diff_assemblies as diff

    return diff(old_dir, new_dir).to_dict()


def cmd_diff(args: argparse.Namespace) -> int:
    from infrakit._diff import diff_assemblies as diff

    result = diff(args.old, args.new)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        data = result.to_dict()
        for key in ("changed", "affected", "removed"):
            print(f"{key}: {', '.join(data[key]) or '-'}")
        for change in result.contract:
            label = "BREAKING" if change.breaking else "compatible"
            detail = f" ({change.detail})" if change.detail else ""
            hits = f"; consumers: {', '.join(change.consumers)}" if change.consumers else ""
            print(f"contract: {change.instance}: {change.kind} `{change.name}`{detail}: {label}{hits}")
    if args.fail_on_breaking and result.breaking:
        print(f"infrakit: {len(result.breaking)} breaking contract change(s); see above", file=sys.stderr)
        return 1
    return 0


class _Version(argparse.Action):
    """``--version``: infrakit's version and its AWS catalogue's source (read only when asked)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        import platform

        from infrakit import __version__
        from infrakit.aws._types import SCHEMA_SOURCE

        print(f"infrakit {__version__} (AWS catalogue: {SCHEMA_SOURCE}; Python {platform.python_version()})")
        parser.exit()


def cmd_import(args: argparse.Namespace) -> int:
    from infrakit.aws._import import import_file

    return import_file(args.template, output=args.output, name=args.name)


class _Parser(argparse.ArgumentParser):
    """argparse, with the values of the arguments it refuses kept out of its messages: a
    mistyped ``--parameter svc.DbPassword=...`` is echoed by argparse ("unrecognized
    arguments", "ambiguous option"), and its value may be a secret."""

    def error(self, message: str) -> NoReturn:
        super().error(_mask_argument_values(message))


def _mask_argument_values(message: str) -> str:
    """``message`` with every ``-option=VALUE``'s value, and every unrecognized argument that
    is not an option's name, shown as ``****``."""
    head, unrecognized, rest = message.partition("unrecognized arguments: ")
    if unrecognized:
        shown = [
            t.partition("=")[0] + ("=****" if "=" in t else "") if t.startswith("-") else "****"
            for t in rest.split(" ")
        ]
        rest = " ".join(shown) + " (values are not shown: one may be a secret)"
    return re.sub(r"(?<![^\s'\"])(-[^\s='\"]+=)[^\s'\"]*", r"\1****", head + unrecognized + rest)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="infrakit", description="Synthesize and inspect infrakit apps.")
    parser.add_argument("--version", action=_Version, help="print infrakit's version and exit")
    parser.add_argument("--verbose", "-v", action="store_true", help="show tracebacks of errors")
    commands = parser.add_subparsers(dest="command", required=True)

    synth = commands.add_parser("synth", help="synthesize an app into an assembly directory")
    synth.add_argument("target", help="path/to/file.py or package.module, with :NAME for a variable other than app")
    synth.add_argument("-o", "--output", default="infrakit.out", help="assembly directory (default: infrakit.out)")
    synth.add_argument("--only", nargs="+", metavar="NAME", help="synthesize only these instances")
    synth.add_argument("--format", choices=("json", "yaml"), default="json", help="template format")
    synth.add_argument("--jobs", "-j", type=int, default=1, help="processes to synthesize with (default 1)")
    synth.add_argument("--no-cache", action="store_true", help="re-render every instance")
    synth.add_argument(
        "--force", action="store_true", help="replace an assembly of another app in the output directory"
    )
    synth.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    synth.set_defaults(run=cmd_synth)

    ls = commands.add_parser("ls", help="list an app's instances")
    ls.add_argument("target")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(run=cmd_ls)

    graph = commands.add_parser("graph", help="print an app's wiring graph")
    graph.add_argument("target")
    graph.add_argument("--format", choices=("dot", "mermaid"), default="dot")
    graph.set_defaults(run=cmd_graph)

    describe = commands.add_parser("describe", help="print components' contracts: inputs, outputs, package version")
    describe.add_argument(
        "target", nargs="?", help="an app (its components) or a component: file.py or package.module, with :NAME"
    )
    describe.add_argument(
        "--installed", action="store_true", help="components that installed packages list (entry points)"
    )
    describe.add_argument("--json", action="store_true")
    describe.set_defaults(run=cmd_describe)

    diff = commands.add_parser("diff", help="which instances changed between two assemblies")
    diff.add_argument("old", metavar="OLD_DIR")
    diff.add_argument("new", metavar="NEW_DIR")
    diff.add_argument("--json", action="store_true")
    diff.add_argument(
        "--fail-on-breaking", action="store_true", help="exit 1 when an instance's contract changed in a breaking way"
    )
    diff.set_defaults(run=cmd_diff)

    imported = commands.add_parser("import", help="turn a CloudFormation template into a component module")
    imported.add_argument("template", help="the template file (JSON, or YAML with short-form tags)")
    imported.add_argument("-o", "--output", help="the Python module to write (default: standard output)")
    imported.add_argument("--name", help="the component class name (default: from the template's file name)")
    imported.set_defaults(run=cmd_import)

    from infrakit._deploy_cli import add_commands  # bootstrap, plan, deploy, destroy, outputs

    add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        status: int = args.run(args)
        return status
    except (InfrakitError, UserError) as exc:
        if args.verbose:
            traceback.print_exc()
        print(f"infrakit: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("infrakit: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
