"""Development sessions: ``nox -s tests lint typecheck codegen_check``."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typecheck", "codegen_check", "tests"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: formatting and lint."""
    session.install("ruff")
    session.run("ruff", "format", "--check", ".")
    session.run("ruff", "check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package; mypy --strict and pyright on the examples, as users' code."""
    session.install("-e", ".[test]", "mypy", "types-PyYAML", "pyright")
    session.run("mypy", "--strict", "-p", "infrakit")
    examples = ("examples/shop", "examples/gcp_network.py", "examples/gcp_app.py")
    session.run("mypy", "--strict", *examples, env={"MYPYPATH": "examples"})
    session.run("pyright", "--pythonversion", "3.11", *examples)


@nox.session
def codegen_check(session: nox.Session) -> None:
    """Regenerating the catalogues changes nothing."""
    session.install("-e", ".[test]")
    session.run("python", "tools/gen_aws.py", "--check")
    session.run("python", "tools/gen_aws_schema.py", "--check")
    session.run("python", "tools/gen_gcp.py", "--check")


@nox.session
def benchmarks(session: nox.Session) -> None:
    """Side-by-side performance measurements (not part of the test suite)."""
    session.install("-e", ".[dev]")
    for script in ("bench_import.py", "bench_app.py", "bench_gcp_import.py", "bench_validate.py"):
        session.run("python", f"benchmarks/{script}")
