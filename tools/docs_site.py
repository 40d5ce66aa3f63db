"""The documentation site's generated pages, written at build time (mkdocs-gen-files).

``mkdocs build`` loads this file as a hook (``on_config`` stages the copy of the package that
mkdocstrings reads) and runs it as a gen-files script, which writes, into the build only
(nothing is committed):

- ``index.md``: the home page, from ``README.md`` (links into ``docs/`` made relative);
- ``reference/aws/<module>.md``: one page per AWS service module of the catalogue, with
  every resource type, its properties (type, required, allowed values, documentation),
  its attributes and its nested property types;
- ``reference/gcp/compute.md``: the same for every Compute resource kind and message;
- ``SUMMARY.md``: the site's navigation (mkdocs-literate-nav): the pages of ``docs/``
  in the order of ``GUIDES``, any other page after them, and the generated pages.

The data comes from the generated catalogue itself: each service module's table (format
in ``infrakit._spec``), read with ``ast.literal_eval`` so that no class is built, and the
documentation of each property from the ``.pyi`` stub beside it.

``INFRAKIT_DOCS_SERVICES=ec2,s3`` limits the AWS pages to those modules (the test suite's
quick build); unset, every service is documented.
"""

from __future__ import annotations

import ast
import functools
import html
import os
import re
import shutil
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from mkdocs.plugins import event_priority

ROOT = Path(__file__).resolve().parent.parent
AWS_DIR = ROOT / "infrakit" / "aws"
GCP_DIR = ROOT / "infrakit" / "gcp"
SERVICES_ENV = "INFRAKIT_DOCS_SERVICES"
# mkdocstrings (griffe) reads the package from here: a copy without the generated modules,
# which the catalogue pages document instead. Griffe loads every submodule of a package it is
# asked about; the 900 generated modules and stubs took 20-35 s of each build.
# INFRAKIT_DOCS_API (read by mkdocs.yml too) gives each build its own copy, so that builds
# running side by side (the test suite's) do not replace each other's.
API_SOURCE = Path(os.environ.get("INFRAKIT_DOCS_API") or ROOT / "build" / "docs-api")

_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_CODE = re.compile(r"`([^`\n]+)`")
# Sphinx roles in the package's docstrings (:func:`synth`), shown as code by mkdocstrings.
_ROLE = re.compile(r":(?:func|class|meth|data|mod|attr|exc|obj):`~?([^`]+)`")


# --------------------------------------------------------------------------- reading the catalogue


def aws_modules() -> list[str]:
    """Every AWS service module of the catalogue, sorted (``ec2``, ``lambda_``, ...)."""
    for node in ast.parse((AWS_DIR / "_types.py").read_text()).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == "MODULES":
            assert node.value is not None
            modules: dict[str, tuple[str, str]] = ast.literal_eval(node.value)
            return sorted({module for module, _cls in modules.values()})
    raise ValueError("infrakit/aws/_types.py holds no MODULES table")


def selected_aws_modules() -> list[str]:
    """The AWS modules to document: all of them, or those named in ``INFRAKIT_DOCS_SERVICES``."""
    every = aws_modules()
    wanted = os.environ.get(SERVICES_ENV, "").strip()
    if not wanted:
        return every
    names = [name.strip() for name in wanted.split(",") if name.strip()]
    unknown = sorted(set(names) - set(every))
    if unknown:
        raise SystemExit(f"{SERVICES_ENV}: unknown AWS service module(s) {', '.join(unknown)}")
    return sorted(names)


@functools.cache
def aws_table(module: str) -> dict[str, tuple[Any, ...]]:
    """A service module's table: ``{class name: (type, doc, props, attributes, nested)}``."""
    tree = ast.parse((AWS_DIR / f"{module}.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_service":
            table: dict[str, tuple[Any, ...]] = ast.literal_eval(node.args[1])
            return table
    raise ValueError(f"infrakit/aws/{module}.py holds no catalogue table")


def gcp_tables() -> tuple[dict[str, tuple[Any, ...]], dict[str, tuple[Any, ...]]]:
    """The Compute catalogue: resources ``{name: (type, scope, doc, props, attributes)}``
    and messages ``{name: (doc, props)}``."""
    tree = ast.parse((GCP_DIR / "compute.py").read_text())
    found: dict[str, Any] = {}
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        if isinstance(node, ast.Assign) and isinstance(target, ast.Name) and target.id in ("_RESOURCES", "_MESSAGES"):
            found[target.id] = ast.literal_eval(node.value)
    return found["_RESOURCES"], found["_MESSAGES"]


def stub_docs(path: Path) -> dict[str, str]:
    """Docstrings of a ``.pyi`` stub by dotted name: ``"VPC"``, ``"VPC.Tag"``, ``"VPC.Tag.key"``."""
    docs: dict[str, str] = {}

    def walk(body: list[ast.stmt], prefix: str) -> None:
        for i, node in enumerate(body):
            if isinstance(node, ast.ClassDef):
                name = prefix + node.name
                doc = ast.get_docstring(node)
                if doc:
                    docs[name] = doc
                walk(node.body, name + ".")
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and i + 1 < len(body):
                following = body[i + 1]
                if (
                    isinstance(following, ast.Expr)
                    and isinstance(following.value, ast.Constant)
                    and isinstance(following.value.value, str)
                ):
                    docs[prefix + node.target.id] = _dedent(following.value.value)

    walk(ast.parse(path.read_text()).body, "")
    return docs


def _dedent(text: str) -> str:
    lines = text.strip().splitlines()
    return "\n".join(line.strip() for line in lines)


# --------------------------------------------------------------------------- rendering


def _cell_text(text: str) -> str:
    """Schema documentation as HTML: escaped (a schema's ``<value>`` stays text), its
    ``code`` spans and Markdown links kept, line breaks kept."""
    escaped = html.escape(text, quote=False)
    coded = _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", escaped)
    linked = _LINK.sub(lambda m: f'<a href="{html.escape(m.group(2))}">{m.group(1)}</a>', coded)
    return "<br>".join(part for part in linked.split("\n") if part.strip())


def _paragraph(text: str) -> str:
    """A description as a raw HTML paragraph (Markdown leaves it as it is)."""
    return f'<p class="ik-doc">{_cell_text(text)}</p>'


def type_html(spec: Any, anchor: Mapping[str, str]) -> str:
    """A table spec as the Python type a user passes, nested types linked to their section."""
    if isinstance(spec, str):
        return {"json": "dict (JSON)", "any": "any JSON value", "int64": "int (64-bit)"}.get(spec, spec)
    kind, arg = spec
    if kind == "list":
        return f"list[{type_html(arg, anchor)}]"
    if kind == "map":
        return f"dict[str, {type_html(arg, anchor)}]"
    if kind == "enum":
        return "str"
    if kind == "obj":
        target = anchor.get(arg)
        label = html.escape(target or arg)
        return f'<a href="#{_anchor_id(target)}">{label}</a>' if target else label
    if kind == "union":
        return " | ".join(type_html(item, anchor) for item in arg)
    raise ValueError(f"unknown type spec {spec!r}")


def allowed_values(spec: Any) -> tuple[str, ...]:
    """The allowed values of an enum spec (also inside a list or map), else ``()``."""
    if isinstance(spec, tuple):
        kind, arg = spec
        if kind == "enum":
            return tuple(arg)
        if kind in ("list", "map"):
            return allowed_values(arg)
        if kind == "union":
            return tuple(v for item in arg for v in allowed_values(item))
    return ()


def _anchor_id(dotted: str) -> str:
    return dotted.replace(".", "-")


def property_table(
    props: tuple[Any, ...], docs: Mapping[str, str], doc_prefix: str, anchor: Mapping[str, str], wire_header: str
) -> str:
    """The HTML table of a resource's or nested type's properties (one row each)."""
    if not props:
        return "<p><em>No properties.</em></p>\n"
    rows = []
    for py_name, wire_name, spec, required in props:
        values = allowed_values(spec)
        allowed = ", ".join(f"<code>{html.escape(v)}</code>" for v in values)
        rows.append(
            f'<tr data-property="{py_name}"><td><code>{py_name}</code></td>'
            f"<td><code>{html.escape(wire_name)}</code></td>"
            f"<td>{type_html(spec, anchor)}</td>"
            f"<td>{'yes' if required else 'no'}</td>"
            f"<td>{allowed}</td>"
            f"<td>{_cell_text(docs.get(doc_prefix + py_name, ''))}</td></tr>"
        )
    return (
        '<table class="ik-properties" data-search-exclude>\n<thead><tr><th>Property</th>'
        f"<th>{wire_header}</th><th>Type</th><th>Required</th><th>Allowed values</th>"
        "<th>Description</th></tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody></table>\n"
    )


def attribute_table(attributes: tuple[Any, ...], expr_of: str, wire_header: str) -> str:
    """The HTML table of a resource's attributes (``resource.attrs.<name>``)."""
    if not attributes:
        return ""
    rows = [
        f"<tr><td><code>{expr_of}.attrs.{py_name}</code></td><td><code>{html.escape(wire_name)}</code></td>"
        f"<td>{type_html(spec, {})}</td></tr>"
        for py_name, wire_name, spec in attributes
    ]
    return (
        f'<table class="ik-attributes" data-search-exclude>\n<thead><tr><th>Attribute</th><th>{wire_header}</th>'
        "<th>Type</th></tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody></table>\n"
    )


def aws_namespace(table: Mapping[str, tuple[Any, ...]]) -> str:
    """``AWS::EC2`` for the ec2 module (from its first resource type)."""
    first = next(iter(table.values()))[0]
    return str(first).rsplit("::", 1)[0]


def aws_service_page(module: str) -> str:
    """The reference page of one AWS service module, as Markdown with HTML tables."""
    table = aws_table(module)
    docs = stub_docs(AWS_DIR / f"{module}.pyi")
    namespace = aws_namespace(table)
    out = [
        f"# {namespace}\n",
        f"`from infrakit.aws import {module}`: {len(table)} resource type{'s' if len(table) != 1 else ''} "
        "of the CloudFormation resource provider schemas. Each is a class: the first argument is the "
        "logical id, properties are keywords; nested property types are classes nested in their "
        "resource class. See [AWS resources](../../aws.md) for how they are used.\n",
    ]
    for name, (resource_type, doc, props, attributes, nested) in table.items():
        anchor = {nested_name: f"{name}.{nested_name}" for nested_name in nested}
        out.append(f"## {name}\n")
        out.append(f"`{module}.{name}` · `{resource_type}`\n")
        if doc:
            out.append(_paragraph(doc) + "\n")
        out.append(f"**Properties** of `{module}.{name}(logical_id, ...)`\n")
        out.append(property_table(props, docs, f"{name}.", anchor, "CloudFormation"))
        if attributes:
            out.append("**Attributes**\n")
            out.append(attribute_table(attributes, name[0].lower() + name[1:], "Fn::GetAtt"))
        for nested_name, (nested_doc, nested_props) in nested.items():
            dotted = f"{name}.{nested_name}"
            out.append(f'<h3 id="{_anchor_id(dotted)}"><code>{module}.{dotted}</code></h3>\n')
            if nested_doc:
                out.append(_paragraph(nested_doc) + "\n")
            out.append(property_table(nested_props, docs, f"{dotted}.", anchor, "CloudFormation"))
    return "\n".join(out)


def aws_index_page(modules: list[str]) -> str:
    """The AWS catalogue's index: every service module, its namespace and its resource types."""
    total = sum(len(aws_table(module)) for module in modules)
    out = [
        "# AWS services\n",
        f"{total} CloudFormation resource types in {len(modules)} service modules, one page each. "
        "A type `AWS::EC2::VPC` is the class `ec2.VPC` of `infrakit.aws.ec2`.\n",
        "| module | namespace | resource types |",
        "|---|---|---|",
    ]
    for module in modules:
        table = aws_table(module)
        out.append(f"| [`{module}`]({module}.md) | `{aws_namespace(table)}` | {len(table)} |")
    return "\n".join(out) + "\n"


def gcp_compute_page() -> str:
    """The reference page of ``infrakit.gcp.compute``: every resource kind, then every message."""
    resources, messages = gcp_tables()
    docs = stub_docs(GCP_DIR / "compute.pyi")
    anchor = {name: name for name in messages}
    out = [
        "# Google Cloud Compute\n",
        f"`from infrakit.gcp import compute`: {len(resources)} resource kinds (those whose "
        "`compute_v1` client can `insert`) and the messages their properties take. Property names "
        "are the snake_case of the API's JSON names. See [Google Cloud](../../gcp.md).\n",
        "## Resources\n",
    ]
    for name, (resource_type, scope, doc, props, attributes) in resources.items():
        out.append(f"### {name}\n")
        out.append(f"`compute.{name}` · `{resource_type}` · {scope}\n")
        if doc:
            out.append(_paragraph(doc) + "\n")
        out.append(f"**Properties** of `compute.{name}(name, ...)`\n")
        out.append(property_table(props, docs, f"{name}.", anchor, "API field"))
        if attributes:
            out.append("**Attributes** (output-only fields)\n")
            out.append(attribute_table(attributes, name[0].lower() + name[1:], "API field"))
    out.append("## Messages\n")
    for name, (doc, props) in messages.items():
        out.append(f'<h3 id="{_anchor_id(name)}"><code>compute.{name}</code></h3>\n')
        if doc:
            out.append(_paragraph(doc) + "\n")
        out.append(property_table(props, docs, f"{name}.", anchor, "API field"))
    return "\n".join(out)


# The site's navigation, in reading order. A page of docs/ that is not listed here is
# added at the end of its section under its own title, and a listed page that does not
# exist (yet) is left out, so the nav never points at a missing file nor hides a page.
GUIDES = {
    "apps.md": "Apps, wiring and the assembly",
    "aws.md": "AWS resources and templates",
    "gcp.md": "Google Cloud",
    "testing.md": "Testing components",
    "deploy.md": "Deploying",
    "import.md": "Importing templates",
    "packages.md": "Component packages",
}
API_PAGES = ("infrakit.md", "aws.md", "fn.md", "gcp.md", "testing.md", "errors.md")
DOCS = ROOT / "docs"


def page_title(path: Path) -> str:
    """A page's first ``# heading``, without Markdown code marks."""
    for line in path.read_text().splitlines():
        if line.startswith("# "):
            return line[2:].strip().replace("`", "")
    return path.stem


def _ordered(folder: Path, order: Iterable[str], exclude: tuple[str, ...] = ()) -> list[Path]:
    order = tuple(order)
    present = {p.name: p for p in folder.glob("*.md") if p.name not in exclude}
    listed = [present[name] for name in order if name in present]
    return listed + sorted(p for name, p in present.items() if name not in order)


def summary(modules: list[str]) -> str:
    """The site's navigation (mkdocs-literate-nav's ``SUMMARY.md``)."""
    lines = ["* [Home](index.md)", "* [Getting started](getting-started.md)", "* Guides"]
    lines += [
        f"    * [{GUIDES.get(p.name) or page_title(p)}]({p.name})"
        for p in _ordered(DOCS, GUIDES, exclude=("index.md", "getting-started.md", "SUMMARY.md"))
    ]
    lines.append("* API reference")
    lines += [f"    * [{page_title(p)}](api/{p.name})" for p in _ordered(DOCS / "api", API_PAGES)]
    lines += [
        "* Catalogue",
        "    * [Google Cloud Compute](reference/gcp/compute.md)",
        "    * [AWS](reference/aws/index.md)",
    ]
    lines += [f"        * [{module}](reference/aws/{module}.md)" for module in modules]
    return "\n".join(lines) + "\n"


def home_page(readme: str) -> str:
    """The site's home page: the README, its links into ``docs/`` made relative to the site."""
    return re.sub(r"\]\(docs/([^)]+)\)", r"](\1)", readme)


def pages(modules: list[str]) -> Iterator[tuple[str, str]]:
    """Every generated page as ``(path in the site, Markdown)``."""
    yield "index.md", home_page((ROOT / "README.md").read_text())
    yield "reference/gcp/compute.md", gcp_compute_page()
    yield "reference/aws/index.md", aws_index_page(modules)
    for module in modules:
        yield f"reference/aws/{module}.md", aws_service_page(module)
    yield "SUMMARY.md", summary(modules)


def _is_generated(path: Path) -> bool:
    """Generated modules and stubs (the catalogues, their tables and schemas) say so on their
    first line; the catalogue pages document them."""
    with path.open(encoding="utf-8") as f:
        return f.readline().startswith("# Generated by")


def stage_api_source(target: Path = API_SOURCE) -> None:
    """Copy the hand-written package (no generated catalogue modules) to where griffe reads it."""
    if target.exists():
        shutil.rmtree(target)
    for path in sorted((ROOT / "infrakit").rglob("*")):
        if path.suffix not in (".py", ".pyi") or "__pycache__" in path.parts or _is_generated(path):
            continue
        destination = target / path.relative_to(ROOT)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(_ROLE.sub(r"`\1`", path.read_text(encoding="utf-8")), encoding="utf-8")


@event_priority(100)  # before mkdocstrings reads its handler's paths
def on_config(config: Any) -> Any:
    """mkdocs hook (``hooks:`` in mkdocs.yml): stage the package copy mkdocstrings reads. It
    must exist when the configuration is loaded: a missing path is passed over, and griffe
    then reads the whole package, generated modules included, from the working directory."""
    stage_api_source()
    return config


def _write_with_gen_files() -> None:
    import mkdocs_gen_files

    for path, text in pages(selected_aws_modules()):
        with mkdocs_gen_files.open(path, "w") as f:
            f.write(text)


if __name__ in ("__main__", "<run_path>"):
    _write_with_gen_files()
