"""The documentation site: `mkdocs build --strict` passes, the catalogue pages say what the
catalogue holds, and a real browser (headless Chromium) renders the pages.

The suite builds the site once per session with ``INFRAKIT_DOCS_SERVICES`` limited to a few
AWS services (the full catalogue takes about 25 s of CPU more; .ci/run builds it in full),
and renders every service's page in memory (``test_every_service_page_renders``).
Chromium is required: CI installs Debian's ``chromium`` (see .ci/run); run as root with
apt-get (a fresh machine running the README's test command), the tests install it when it is
missing; elsewhere they fail with the command to install it.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import typing
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import docs_site  # noqa: E402

SERVICES = "ec2,s3,lambda_,iam"
QUIET = {"NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}


# This process's builds (one after the other) stage their copy of the package here, not in
# build/docs-api, which a build run beside them may be replacing (tools/docs_site.py API_SOURCE).
_API_COPY = tempfile.TemporaryDirectory(prefix="docs-api-")


def _own_api_copy() -> dict[str, str]:
    return {"INFRAKIT_DOCS_API": str(Path(_API_COPY.name) / "src")}


def _mkdocs(*args: str, cwd: Path = ROOT, services: str | None = SERVICES) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **QUIET, **_own_api_copy()}
    env.pop(docs_site.SERVICES_ENV, None)
    if services is not None:
        env[docs_site.SERVICES_ENV] = services
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = _mkdocs("build", "--strict", "-d", str(out))
    assert result.returncode == 0, result.stderr[-4000:]
    return out


# --------------------------------------------------------------------------- the build


def test_the_strict_build_writes_every_page_of_the_nav(site: Path) -> None:
    for page in ("index.html", "getting-started/index.html", "apps/index.html", "api/infrakit/index.html"):
        assert (site / page).is_file(), page
    assert sorted(p.name for p in (site / "reference" / "aws").iterdir()) == [
        "ec2",
        "iam",
        "index.html",
        "lambda_",
        "s3",
    ]
    index = (site / "reference" / "aws" / "index.html").read_text()
    assert re.search(r'<a href="ec2/"><code>ec2</code></a></td>\s*<td><code>AWS::EC2</code></td>', index)
    assert (site / "reference" / "gcp" / "compute" / "index.html").is_file()


def test_the_nav_lists_every_page_once_and_only_pages_that_exist() -> None:
    nav = docs_site.summary(["ec2"])
    docs = ROOT / "docs"
    for page in [*docs.glob("*.md"), *docs.glob("api/*.md")]:
        assert nav.count(f"]({page.relative_to(docs)})") == 1, page.name
    for link in re.findall(r"\]\(([^)]+)\)", nav):
        generated = ("index.md", "reference/gcp/compute.md", "reference/aws/index.md", "reference/aws/ec2.md")
        assert link in generated or (docs / link).is_file()
    assert "[Getting started](getting-started.md)" in nav and "[Google Cloud](gcp.md)" in nav


def test_the_catalogue_pages_are_generated_not_committed() -> None:
    assert not (ROOT / "docs" / "reference").exists()
    assert not (ROOT / "docs" / "index.md").exists()


def test_the_home_page_is_the_readme_with_site_links(site: Path) -> None:
    page = (site / "index.html").read_text()
    assert "A VPC with one public subnet per availability zone" in page
    assert 'href="aws/"' in page  # README's docs/aws.md, relative to the site
    assert "docs/aws.md</a>" in page


def test_the_api_reference_documents_the_public_names(site: Path) -> None:
    core = (site / "api" / "infrakit" / "index.html").read_text()
    for name in ("infrakit.synth", "infrakit.App", "infrakit.Component", "infrakit._config.load_inputs"):
        assert f'id="{name}"' in core, name
    assert re.search(r"load_inputs\" class=\"doc doc-heading\">\s*infrakit.load_inputs\s", core)  # its public name
    errors = (site / "api" / "errors" / "index.html").read_text()
    assert 'id="infrakit.errors.InfrakitError"' in errors
    fn = (site / "api" / "fn" / "index.html").read_text()
    assert 'id="infrakit.aws.fn.sub"' in fn
    testing = (site / "api" / "testing" / "index.html").read_text()
    assert "assert_contract" in testing and "Capture" in testing


def _minimal_site(tmp_path: Path, page: str, api: bool = False) -> Path:
    """A one-page site with this project's strictness and link validation settings (and, with
    ``api``, its mkdocstrings handler reading a one-module package ``pkg``)."""
    loader = type("Loader", (yaml.SafeLoader,), {})
    loader.add_constructor("!ENV", lambda _loader, _node: None)  # mkdocs' own tag; unused here
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=loader)
    (tmp_path / "docs").mkdir(parents=True)
    (tmp_path / "docs" / "index.md").write_text(page)
    mini: dict[str, typing.Any] = {"site_name": "t", "strict": config["strict"], "validation": config["validation"]}
    if api:
        (tmp_path / "pkg").mkdir()
        (tmp_path / "pkg" / "__init__.py").write_text('"""A package."""\n\n\ndef present() -> None:\n    """Here."""\n')
        [handler] = [p["mkdocstrings"] for p in config["plugins"] if isinstance(p, dict) and "mkdocstrings" in p]
        handler["handlers"]["python"]["paths"] = ["."]
        mini["plugins"] = [{"mkdocstrings": handler}]
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(mini))
    return tmp_path


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    broken = _mkdocs("build", cwd=_minimal_site(tmp_path, "# Home\n\nSee [apps](apps.md).\n"), services=None)
    assert broken.returncode != 0
    assert "apps.md" in broken.stderr


def test_a_missing_api_reference_fails_the_build(tmp_path: Path) -> None:
    good = _mkdocs("build", cwd=_minimal_site(tmp_path / "good", "# API\n\n::: pkg.present\n", api=True), services=None)
    assert good.returncode == 0, good.stderr
    missing = _minimal_site(tmp_path / "missing", "# API\n\n::: pkg.absent\n", api=True)
    broken = _mkdocs("build", cwd=missing, services=None)
    assert broken.returncode != 0
    assert "pkg.absent" in broken.stderr
    cross = _minimal_site(tmp_path / "cross", "# API\n\n::: pkg.present\n\nSee [x][pkg.absent].\n", api=True)
    unresolved = _mkdocs("build", cwd=cross, services=None)
    assert unresolved.returncode != 0
    assert "pkg.absent" in unresolved.stderr


def test_a_broken_anchor_fails_the_build(tmp_path: Path) -> None:
    broken = _mkdocs("build", cwd=_minimal_site(tmp_path, "# Home\n\nSee [x](#nowhere).\n"), services=None)
    assert broken.returncode != 0
    assert "nowhere" in broken.stderr


# --------------------------------------------------------------------------- the catalogue pages


def _row(page: str, resource_anchor: str, prop: str) -> list[str]:
    """The cells of a property's row in the first table after a heading."""
    start = page.index(resource_anchor)
    row = re.search(rf'<tr data-property="{prop}">(.*?)</tr>', page[start:], re.S)
    assert row is not None, (resource_anchor, prop)
    return [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>", row.group(1), re.S)]


def test_a_service_page_lists_each_property_with_type_required_and_values() -> None:
    page = docs_site.aws_service_page("ec2")
    assert page.startswith("# AWS::EC2\n")
    subnet_vpc = _row(page, "## Subnet\n", "vpc_id")
    assert subnet_vpc[:4] == ["vpc_id", "VpcId", "str", "yes"]
    tenancy = _row(page, "## VPC\n", "instance_tenancy")
    assert tenancy[2] == "str" and tenancy[3] == "no"
    assert sorted(tenancy[4].split(", ")) == ["dedicated", "default", "host"]
    assert "instance" in tenancy[5].lower()  # the schema's description, from the stub


def test_a_service_page_links_nested_types_and_lists_attributes() -> None:
    page = docs_site.aws_service_page("s3")
    versioning = _row(page, "## Bucket\n", "versioning_configuration")
    assert versioning[2] == "Bucket.VersioningConfiguration"
    assert 'href="#Bucket-VersioningConfiguration"' in page
    assert '<h3 id="Bucket-VersioningConfiguration"><code>s3.Bucket.VersioningConfiguration</code></h3>' in page
    status = _row(page, 'id="Bucket-VersioningConfiguration"', "status")
    assert status[3:5] == ["yes", "Enabled, Suspended"]
    assert "<code>bucket.attrs.arn</code>" in page


def test_the_gcp_page_lists_resources_scopes_and_messages() -> None:
    page = docs_site.gcp_compute_page()
    zone = _row(page, "### Instance\n", "zone")
    assert zone[:4] == ["zone", "zone", "str", "yes"]
    disks = _row(page, "### Instance\n", "disks")
    assert disks[2] == "list[AttachedDisk]"
    assert "`compute.Instance` · `compute.v1.instance` · zone" in page
    assert '<h3 id="AttachedDisk"><code>compute.AttachedDisk</code></h3>' in page
    assert "<code>instance.attrs.self_link</code>" in page


def test_every_service_page_renders() -> None:
    # The full catalogue, as the default `mkdocs build` renders it (Markdown only: fast).
    modules = docs_site.aws_modules()
    assert len(modules) > 300
    resources = 0
    for module in modules:
        page = docs_site.aws_service_page(module)
        resources += page.count("\n## ")
        assert "<table" in page or "No properties" in page, module
    assert resources == sum(len(docs_site.aws_table(m)) for m in modules)


def test_descriptions_are_escaped_text() -> None:
    assert docs_site._cell_text("a <b> & [link](https://x.example/a)\nnext") == (
        'a &lt;b&gt; &amp; <a href="https://x.example/a">link</a><br>next'
    )


def test_code_spans_in_descriptions_are_code() -> None:
    assert docs_site._cell_text("Use `List<String>` here") == "Use <code>List&lt;String&gt;</code> here"
    assert docs_site._paragraph("a `b`") == '<p class="ik-doc">a <code>b</code></p>'


def test_the_api_source_has_no_generated_modules_and_no_sphinx_roles(tmp_path: Path) -> None:
    docs_site.stage_api_source(tmp_path / "api")
    package = tmp_path / "api" / "infrakit"
    assert (package / "_app.py").is_file() and (package / "aws" / "fn.py").is_file()
    assert not (package / "aws" / "ec2.py").exists() and not (package / "gcp" / "compute.pyi").exists()
    generated = [p for p in package.rglob("*.py*") if p.read_text().startswith("# Generated by")]
    assert generated == []
    core = (package / "__init__.py").read_text()
    assert ":func:`" not in core and "`synth`" in core


def test_the_services_variable_limits_the_aws_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(docs_site.SERVICES_ENV, "s3, ec2")
    assert docs_site.selected_aws_modules() == ["ec2", "s3"]
    monkeypatch.setenv(docs_site.SERVICES_ENV, "ec3")
    with pytest.raises(SystemExit, match="ec3"):
        docs_site.selected_aws_modules()
    monkeypatch.delenv(docs_site.SERVICES_ENV)
    assert docs_site.selected_aws_modules() == docs_site.aws_modules()


# --------------------------------------------------------------------------- a real browser


def _chromium() -> str:
    _install_browser()
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("headless Chromium is required for the browser tests: apt-get install chromium chromium-driver")


@functools.cache
def _install_browser() -> None:
    """Install Debian's chromium and chromium-driver when they are missing and this runs as
    root with apt-get (a fresh machine running the README's test command); anywhere else the
    tests fail with the command to run."""
    if shutil.which("chromium") and shutil.which("chromedriver"):
        return
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")):
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium", "chromium-driver"],
    ):
        subprocess.run(command, env=env, capture_output=True, check=False, timeout=900)


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _rendered_dom(url: str) -> str:
    """The DOM after the page's scripts ran, as headless Chromium has it."""
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                _chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--virtual-time-budget=5000",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _title(dom: str) -> str:
    found = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert found is not None
    return html.unescape(found.group(1)).strip()


def _search_box(dom: str) -> None:
    # Material's search: the input, and the markup its script adds once the search is set up.
    assert re.search(r'<input[^>]*class="md-search__input"[^>]*placeholder="Search"', dom), "no search box"
    assert 'data-md-component="search-result"' in dom


def test_the_browser_renders_the_home_page(served: str) -> None:
    dom = _rendered_dom(served + "/")
    assert _title(dom) == "infrakit"
    _search_box(dom)
    assert re.search(r'<h1 id="infrakit">infrakit', dom)
    assert 'class="md-nav__link' in dom and "Getting started" in dom


def test_the_browser_renders_a_guide(served: str) -> None:
    dom = _rendered_dom(served + "/apps/")
    assert _title(dom) == "Apps, wiring and the assembly - infrakit"
    _search_box(dom)
    assert re.search(r"<h2 id=\"integration-patterns\">Integration patterns", dom)


def test_the_browser_renders_a_service_reference_page(served: str) -> None:
    dom = _rendered_dom(served + "/reference/aws/ec2/")
    assert _title(dom) == "ec2 - infrakit"
    _search_box(dom)
    assert re.search(r'<h2 id="vpc">VPC', dom)
    cells = _row(dom, '<h2 id="subnet">', "vpc_id")
    assert cells[:4] == ["vpc_id", "VpcId", "str", "yes"]


# --------------------------------------------------------------------------- the README's serve command


def test_the_readme_command_serves_the_site() -> None:
    readme = (ROOT / "README.md").read_text()
    command = next(line for line in readme.splitlines() if "mkdocs serve" in line)
    assert command == ".venv/bin/pip install -q -e '.[docs]' && .venv/bin/mkdocs serve"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, **QUIET, **_own_api_copy(), docs_site.SERVICES_ENV: "ec2"}
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}", "--no-livereload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        page = ""
        for _attempt in range(240):  # the first build takes a few seconds; at most 2 minutes
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/reference/aws/ec2/", timeout=5) as response:
                    page = response.read().decode()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                time.sleep(0.5)
        assert '<h2 id="vpc">VPC' in page
    finally:
        server.terminate()
        server.wait(timeout=30)


# --------------------------------------------------------------------------- searching, through WebDriver


class _WebDriver:
    """The few W3C WebDriver calls the search test needs, sent to Debian's chromedriver."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.session = ""

    def call(self, method: str, path: str, body: object = None) -> typing.Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())["value"]
        except urllib.error.HTTPError as error:  # WebDriver says why in the body
            raise AssertionError(f"WebDriver {method} {path}: {error.read().decode()[:500]}") from None

    def find(self, css: str) -> list[str]:
        found = self.call("POST", f"/session/{self.session}/elements", {"using": "css selector", "value": css})
        return [next(iter(element.values())) for element in found]


@pytest.fixture(scope="module")
def webdriver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_WebDriver]:
    _install_browser()
    driver_path = shutil.which("chromedriver")
    if driver_path is None:
        pytest.fail("chromedriver is required for the search test: apt-get install chromium-driver")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([driver_path, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    driver = _WebDriver(port)
    try:
        for _attempt in range(100):  # ready within seconds; at most 20
            try:
                if driver.call("GET", "/status")["ready"]:
                    break
            except OSError:
                time.sleep(0.2)
        profile = tmp_path_factory.mktemp("profile")
        options = {
            "binary": _chromium(),
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--window-size=1400,1000",  # wide enough for the header's search box
            ],
        }
        created = driver.call("POST", "/session", {"capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}})
        driver.session = created["sessionId"]
        yield driver
        driver.call("DELETE", f"/session/{driver.session}")
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_searching_the_site_finds_a_resource_type(served: str, webdriver: _WebDriver) -> None:
    session = f"/session/{webdriver.session}"
    webdriver.call("POST", f"{session}/url", {"url": served + "/"})
    [box] = webdriver.find("input.md-search__input")
    webdriver.call("POST", f"{session}/element/{box}/click", {})
    webdriver.call("POST", f"{session}/element/{box}/value", {"text": "SubnetRouteTableAssociation"})
    texts: list[str] = []
    for _attempt in range(150):  # the index loads in a worker; at most 30 s
        texts = [
            webdriver.call("GET", f"{session}/element/{e}/text") for e in webdriver.find(".md-search-result__item")
        ]
        if texts:
            break
        time.sleep(0.2)
    assert any("SubnetRouteTableAssociation" in text for text in texts), texts
    links = [
        webdriver.call("GET", f"{session}/element/{e}/attribute/href")
        for e in webdriver.find(".md-search-result__item a")
    ]
    # The result leads to the resource's section of the ec2 page (?h= highlights the words).
    assert any(
        urllib.parse.urlsplit(link).path == "/reference/aws/ec2/"
        and urllib.parse.urlsplit(link).fragment == "subnetroutetableassociation"
        for link in links
    ), links
