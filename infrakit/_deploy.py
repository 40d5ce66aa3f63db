"""Delivering an assembly: the provider-neutral deploy seam.

The deployer follows ``manifest.json`` and never re-runs user code. This module holds what
every provider's deployer shares: the result types that ``ik.plan`` / ``ik.deploy`` /
``ik.destroy`` return, the :class:`Target` handed to a provider for one instance, and the
:class:`Deployer` protocol a provider implements (AWS: CloudFormation change sets through
boto3; GCP: infrakit as the engine through google-cloud-compute). The orchestration (order
from ``depends_on``, concurrency, wired parameters, skipping dependents of a failure) lives
here too and knows no provider.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Literal, Protocol, TypeVar

import attrs

from infrakit._manifest import AssetEntry, InstanceEntry, Manifest, read_manifest
from infrakit._provider import provider_named
from infrakit.errors import DeployError, InfrakitError, did_you_mean

__all__ = [
    "PARAM_ENV_PREFIX",
    "Confirm",
    "DeployResult",
    "DeploySettings",
    "Deployer",
    "InstancePlan",
    "InstanceResult",
    "ResourceChange",
    "Status",
    "Target",
    "deploy",
    "destroy",
    "format_plan",
    "outputs",
    "parameter_env_name",
    "plan",
]

#: What happened to one instance in a deploy or destroy.
Status = Literal["created", "updated", "unchanged", "failed", "skipped", "deleted"]
PlanAction = Literal["create", "update", "unchanged", "delete"]


@attrs.frozen
class ResourceChange:
    """One resource's change in a plan (CloudFormation's change-set vocabulary)."""

    logical_id: str
    type: str
    action: Literal["Add", "Modify", "Remove"]
    replacement: Literal["True", "False", "Conditional"] = "False"
    #: Names of the changed properties (in the template's spelling), where known.
    properties: tuple[str, ...] = ()
    #: The API methods that make an in-place change, where the provider chooses them
    #: (GCP: ``("set_labels", "patch")``).
    methods: tuple[str, ...] = ()


@attrs.frozen
class InstancePlan:
    """What deploying (or destroying) one instance would do."""

    name: str
    #: The provider-side name of the deployment (AWS: the stack name ``<app>-<instance>``).
    stack: str
    action: PlanAction
    changes: tuple[ResourceChange, ...] = ()

    @property
    def destructive(self) -> bool:
        """Whether the plan removes or replaces a resource (needs ``allow_replace``)."""
        return any(c.action == "Remove" or c.replacement in ("True", "Conditional") for c in self.changes)


@attrs.frozen
class InstanceResult:
    """What happened to one instance."""

    name: str
    status: Status
    outputs: Mapping[str, str] = attrs.Factory(dict)
    #: Why it failed or was skipped (never holds a secret value).
    message: str = ""


@attrs.frozen
class DeployResult:
    """The result of ``ik.deploy`` / ``ik.destroy``: every selected instance's result."""

    instances: Mapping[str, InstanceResult]

    @property
    def outputs(self) -> dict[str, Mapping[str, str]]:
        """Each instance's outputs as a dict, by instance name."""
        return {name: result.outputs for name, result in self.instances.items()}

    @property
    def ok(self) -> bool:
        """Whether every instance ended created, updated, unchanged or deleted."""
        return all(_succeeded(r) for r in self.instances.values())


@attrs.frozen(kw_only=True)
class DeploySettings:
    """Where and how to deploy: everything a provider's deployer may need to connect.

    Every field is optional: each provider falls back to its standard chain (boto3's for
    AWS: profiles, environment, ``AWS_ENDPOINT_URL``; Google's auth chain and
    ``GOOGLE_CLOUD_PROJECT`` / ``INFRAKIT_COMPUTE_ENDPOINT`` for GCP).
    """

    region: str | None = None
    project: str | None = None
    gcp_endpoint: str | None = None


@attrs.frozen(kw_only=True)
class Target:
    """One instance of an assembly, handed to its provider's deployer."""

    app: str
    name: str
    entry: InstanceEntry
    #: The assembly directory.
    directory: Path
    #: Every template parameter's value for this deploy (wired values already read from the
    #: producers). Secret values are here too: never print, log or write them.
    parameters: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    #: The manifest's entries of the assets the instance uses (``entry.assets``), by id.
    assets: Mapping[str, AssetEntry] = attrs.field(factory=dict)

    @property
    def template_path(self) -> Path:
        return self.directory / self.entry.template

    @property
    def secrets(self) -> frozenset[str]:
        """Names of the parameters whose values must never be shown."""
        return frozenset(k for k, p in self.entry.parameters.items() if p.secret)


#: Receives a progress line (an event of a deployment) to show the user; the orchestration
#: prefixes each line with the instance's name and masks secret values.
Report = Callable[[str], None]


class Deployer(Protocol):
    """What a provider implements to deliver its instances; one object per deploy run,
    shared by the worker threads (so its methods must be safe to call concurrently for
    different instances)."""

    def plan(self, target: Target) -> InstancePlan:
        """What :meth:`deploy` would do to ``target``, changing nothing."""
        ...

    def deploy(
        self, target: Target, *, allow_replace: bool, report: Report, approved: InstancePlan | None = None
    ) -> InstanceResult:
        """Create or update ``target``'s deployment and wait until it settles. Refuses (status
        ``failed``, nothing changed) a plan that removes or replaces a resource unless
        ``allow_replace``, and, given the plan the user ``approved``, any other plan
        (:func:`not_as_approved`: the deployment changed since it was planned)."""
        ...

    def outputs(self, app: str, name: str) -> dict[str, str] | None:
        """The deployed outputs of instance ``name`` (``None`` when it is not deployed)."""
        ...

    def destroy(self, target: Target, *, report: Report) -> InstanceResult:
        """Delete ``target``'s deployment and everything it owns; status ``deleted``
        (or ``unchanged`` when there was nothing to delete)."""
        ...


# --- the orchestration ----------------------------------------------------------------

#: Prefix of the environment variables that give parameter values:
#: ``INFRAKIT_PARAM_<INSTANCE>__<Name>`` (see :func:`parameter_env_name`).
PARAM_ENV_PREFIX = "INFRAKIT_PARAM_"

#: Asks the user whether to go ahead with one instance's plan; ``True`` to execute it.
Confirm = Callable[[InstancePlan], bool]


def not_as_approved(approved: InstancePlan | None, planned: InstancePlan) -> str | None:
    """Why ``planned``, what a deployer is about to carry out, is not the plan the user
    ``approved`` (``None``: it is, or nothing was asked): another action, or, for an update,
    other resource changes (ids, types, actions, replacements, changed properties). A plan to
    create is not compared resource by resource: it was read from the template, not from the
    provider."""
    if approved is None:
        return None

    def shape(plan: InstancePlan) -> list[tuple[str, str, str, str, tuple[str, ...]]]:
        return sorted(
            (c.logical_id, c.type, c.action, c.replacement, tuple(sorted(c.properties))) for c in plan.changes
        )

    if approved.action == planned.action and (planned.action != "update" or shape(approved) == shape(planned)):
        return None
    return (
        f"{planned.stack} changed after you confirmed its plan ({approved.action}, {len(approved.changes)} "
        f"change(s); now {planned.action}, {len(planned.changes)}): nothing was done; deploy again to see the "
        "new plan"
    )


def parameter_env_name(instance: str, name: str) -> str:
    """The environment variable that gives parameter ``name`` of ``instance`` a value:
    ``INFRAKIT_PARAM_`` + the instance name upper-cased with every character other than a
    letter or digit as ``_``, then ``__`` and the parameter name exactly as in the template
    (``service-prod``, ``DbPassword`` -> ``INFRAKIT_PARAM_SERVICE_PROD__DbPassword``)."""
    return PARAM_ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", instance).upper() + "__" + name


def deploy(
    directory: str | os.PathLike[str],
    *,
    only: Sequence[str] | None = None,
    changed_since: str | os.PathLike[str] | None = None,
    yes: bool = False,
    jobs: int = 4,
    parameters: Mapping[str, object] | None = None,
    parameters_file: str | os.PathLike[str] | None = None,
    allow_replace: bool = False,
    settings: DeploySettings | None = None,
    report: Report | None = None,
    confirm: Confirm | None = None,
) -> DeployResult:
    """Deploy the assembly in ``directory``: every instance (or those ``only`` names, or those
    ``infrakit diff changed_since directory`` names), producers before their consumers,
    independent instances ``jobs`` at a time.

    Parameter values come from ``parameters`` (``{"instance.Name": value}``), then
    ``parameters_file`` (JSON, the same shape or ``{"instance": {"Name": value}}``), then the
    environment (:func:`parameter_env_name`), then the template's default; a wired parameter
    is read from its producer's outputs. Every missing value is reported (a
    :class:`~infrakit.errors.DeployError`) before anything is changed.

    ``yes=False`` asks ``confirm`` (or the user, on a terminal) before changing each
    instance; with neither, it refuses to start. A plan that removes or replaces a
    resource fails its instance unless ``allow_replace``. A failed instance's dependents are
    ``skipped``; the others carry on. ``report`` receives progress lines.
    """
    run = _Run.open(directory, settings, report, jobs)
    names = run.select(only, changed_since)
    if not yes and confirm is None:
        if not _interactive():
            raise DeployError(
                "deploying changes stacks and there is no terminal to ask on: pass --yes (yes=True) to deploy "
                "without asking, or run `infrakit plan` first to see what would change"
            )
        confirm = _ask_on_terminal
    run.prefetch(run.with_producers(names))
    values = run.resolve(names, parameters, parameters_file, strict=True)
    selected = set(names)

    def work(name: str, done: Mapping[str, InstanceResult]) -> InstanceResult:
        entry = run.manifest.instances[name]
        params = dict(values[name])
        for key, p in entry.parameters.items():
            if key in params or p.source is None or p.integration not in (None, "parameters"):
                continue
            if p.source.instance in selected:
                produced = done[p.source.instance].outputs
                if p.source.output not in produced:
                    return InstanceResult(
                        name,
                        "failed",
                        message=f"parameter {key}: producer {p.source.instance!r} has no output "
                        f"{p.source.output!r} after deploying (its outputs: {', '.join(sorted(produced)) or 'none'})",
                    )
                params[key] = produced[p.source.output]
        target = run.target(name, params)
        deployer = run.deployer(name)
        line = run.reporter(name)
        if confirm is not None:
            planned = deployer.plan(target)
            if planned.action == "unchanged":
                return InstanceResult(name, "unchanged", outputs=deployer.outputs(run.manifest.app, name) or {})
            if planned.destructive and not allow_replace:
                return InstanceResult(name, "failed", message=_refusal(planned))
            with _PROMPT_LOCK:
                if not confirm(planned):
                    return InstanceResult(name, "skipped", message="not confirmed")
            # What is carried out must be what was confirmed: the deployer plans again and
            # refuses another plan (the deployment may have changed while the user read).
            return deployer.deploy(target, allow_replace=allow_replace, report=line, approved=planned)
        return deployer.deploy(target, allow_replace=allow_replace, report=line)

    results = run.schedule(names, {n: run.manifest.instances[n].depends_on for n in names}, work)
    return DeployResult(instances=results)


def plan(
    directory: str | os.PathLike[str],
    *,
    only: Sequence[str] | None = None,
    changed_since: str | os.PathLike[str] | None = None,
    parameters: Mapping[str, object] | None = None,
    parameters_file: str | os.PathLike[str] | None = None,
    jobs: int = 4,
    settings: DeploySettings | None = None,
) -> list[InstancePlan]:
    """What :func:`deploy` would do to each selected instance, in deploy order, changing
    nothing. A wired parameter is read from its producer's deployed outputs (a producer
    that is itself about to change may give its consumer other values at deploy time);
    a value not known yet keeps the deployed stack's previous one."""
    run = _Run.open(directory, settings, None, jobs)
    names = run.select(only, changed_since)
    run.prefetch(run.with_producers(names))
    values = run.resolve(names, parameters, parameters_file, strict=False)

    def one(name: str) -> InstancePlan:
        with run.errors_of(name, "planning"):
            return run.deployer(name).plan(run.target(name, values[name]))

    return run.map(one, names)


def destroy(
    directory: str | os.PathLike[str],
    *,
    only: Sequence[str] | None = None,
    yes: bool = False,
    jobs: int = 4,
    settings: DeploySettings | None = None,
    report: Report | None = None,
) -> DeployResult:
    """Delete the deployments of the selected instances (all by default), consumers before
    their producers. Refuses (a :class:`~infrakit.errors.DeployError`, nothing deleted) to
    delete a producer whose outputs a deployed instance that is not being deleted consumes,
    and to start without ``yes=True`` (unless the user confirms on a terminal)."""
    run = _Run.open(directory, settings, report, jobs)
    names = run.select(only, None)
    selected = set(names)
    consumers = run.manifest.consumers()
    held: list[str] = []
    for name in names:
        for consumer in consumers.get(name, []):
            if consumer not in selected and run.deployer(consumer).outputs(run.manifest.app, consumer) is not None:
                held.append(f"{name} (consumed by {consumer})")
    if held:
        raise DeployError(
            "refusing to destroy producers whose outputs deployed instances still consume: "
            + ", ".join(held)
            + "; destroy the consumers too (add them to --only) or first"
        )
    if not yes:
        question = f"Delete the deployments of {', '.join(names)}?"
        if not _interactive():
            raise DeployError("destroy deletes deployments: pass --yes (yes=True) to confirm")
        if not _ask(question):
            return DeployResult(instances={n: InstanceResult(n, "skipped", message="not confirmed") for n in names})

    def work(name: str, _done: Mapping[str, InstanceResult]) -> InstanceResult:
        return run.deployer(name).destroy(run.target(name, {}), report=run.reporter(name))

    # Reverse order: an instance waits for its selected consumers.
    waits = {n: [c for c in consumers.get(n, []) if c in selected] for n in names}
    return DeployResult(instances=run.schedule(names, waits, work))


def outputs(
    directory: str | os.PathLike[str], *, settings: DeploySettings | None = None, jobs: int = 4
) -> dict[str, dict[str, str]]:
    """The deployed outputs of every instance of the assembly that is deployed, by name."""
    run = _Run.open(directory, settings, None, jobs)
    names = sorted(run.manifest.instances)
    run.prefetch(names)

    def one(name: str) -> dict[str, str] | None:
        with run.errors_of(name, "reading the outputs of"):
            return run.deployer(name).outputs(run.manifest.app, name)

    found = run.map(one, names)
    return {n: dict(o) for n, o in zip(names, found, strict=True) if o is not None}


# --- internals ------------------------------------------------------------------------

_PROMPT_LOCK = threading.Lock()


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _ask(question: str) -> bool:
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def _ask_on_terminal(planned: InstancePlan) -> bool:
    print(format_plan([planned]), end="")
    return _ask(f"Deploy {planned.name} ({planned.stack})?")


def _refusal(planned: InstancePlan) -> str:
    risky = [
        f"{c.logical_id} ({c.type}): {'removed' if c.action == 'Remove' else 'replaced'}"
        for c in planned.changes
        if c.action == "Remove" or c.replacement in ("True", "Conditional")
    ]
    return (
        "the change would remove or replace resources: "
        + "; ".join(risky)
        + "; deploy with --allow-replace (allow_replace=True) if that is intended"
    )


def format_plan(plans: Sequence[InstancePlan]) -> str:
    """A plan as text: one block per instance, one line per resource change."""
    lines: list[str] = []
    for p in plans:
        lines.append(f"{p.name} ({p.stack}): {p.action}")
        for c in p.changes:
            replacement = {"True": ", replaced", "Conditional": ", may be replaced"}.get(c.replacement, "")
            props = f" [{', '.join(c.properties)}]" if c.properties else ""
            lines.append(f"  {c.action:<6} {c.logical_id} ({c.type}){replacement}{props}")
    return "".join(line + "\n" for line in lines)


def _text(value: object) -> str:
    """A parameter value as CloudFormation and the Compute API take it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(_text(v) for v in value)
    return str(value)


@attrs.define
class _Run:
    """One deploy, plan, destroy or outputs run over an assembly."""

    directory: Path
    manifest: Manifest
    settings: DeploySettings
    report: Report | None
    jobs: int
    secrets: list[str] = attrs.Factory(list)
    _deployers: dict[str, Deployer] = attrs.Factory(dict)
    _lock: threading.Lock = attrs.Factory(threading.Lock)

    @classmethod
    def open(
        cls, directory: str | os.PathLike[str], settings: DeploySettings | None, report: Report | None, jobs: int
    ) -> _Run:
        if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
            raise DeployError(f"jobs must be a whole number of concurrent deployments, at least 1; got {jobs!r}")
        manifest = read_manifest(directory)
        return cls(Path(directory), manifest, settings or DeploySettings(), report, jobs)

    def select(self, only: Sequence[str] | None, changed_since: str | os.PathLike[str] | None) -> list[str]:
        """The selected instance names in dependency order (producers first)."""
        known = self.manifest.instances
        if isinstance(only, str):
            only = [only]
        chosen = set(known)
        if only is not None:
            unknown = [n for n in only if n not in known]
            if unknown:
                raise DeployError(
                    "; ".join(
                        f"no instance {n!r} in the assembly {self.directory}{did_you_mean(n, known)}" for n in unknown
                    )
                )
            chosen = set(only)
        if changed_since is not None:
            from infrakit._diff import diff_assemblies

            diff = diff_assemblies(changed_since, self.directory)
            chosen &= set(diff.changed) | set(diff.affected)
        return _ordered(chosen, {n: known[n].depends_on for n in known})

    def prefetch(self, names: Sequence[str]) -> None:
        """Let each provider's deployer look the instances up at once, if it can (an optional
        ``prefetch(app, names)`` method: AWS lists the stacks in one call)."""
        by_provider: dict[str, list[str]] = {}
        for name in names:
            by_provider.setdefault(self.manifest.instances[name].provider, []).append(name)
        for group in by_provider.values():
            hook = getattr(self.deployer(group[0]), "prefetch", None)
            if hook is not None:
                hook(self.manifest.app, group)

    def deployer(self, name: str) -> Deployer:
        provider_name = self.manifest.instances[name].provider
        with self._lock:
            found = self._deployers.get(provider_name)
            if found is None:
                provider = provider_named(provider_name)
                if provider is None or not hasattr(provider, "deployer"):
                    raise DeployError(
                        f"instance {name!r}: provider {provider_name!r} is not installed or cannot deploy"
                    )
                found = self._deployers[provider_name] = provider.deployer(self.settings)
            return found

    def target(self, name: str, parameters: Mapping[str, str]) -> Target:
        return Target(
            app=self.manifest.app,
            name=name,
            entry=self.manifest.instances[name],
            directory=self.directory,
            parameters=parameters,
            assets={
                a: self.manifest.assets[a] for a in self.manifest.instances[name].assets if a in self.manifest.assets
            },
        )

    def with_producers(self, names: Sequence[str]) -> list[str]:
        """``names`` and the instances they read wired values from."""
        result = dict.fromkeys(names)
        for name in names:
            for p in self.manifest.instances[name].parameters.values():
                if p.source is not None and p.source.instance in self.manifest.instances:
                    result.setdefault(p.source.instance)
        return list(result)

    @contextlib.contextmanager
    def errors_of(self, name: str, doing: str) -> Iterator[None]:
        """A provider's unexpected exception while ``doing`` instance ``name``, as a
        DeployError, never a raw traceback; secret values masked in every error."""
        try:
            yield
        except InfrakitError as exc:
            # A provider's own error may quote its engine's message, which may quote a value.
            masked = self.redact(str(exc))
            if masked != str(exc):
                raise DeployError(masked) from None
            raise
        except Exception as exc:
            raise DeployError(self.redact(f"{doing} {name}: {type(exc).__name__}: {exc}")) from None

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "****")
        return text

    def reporter(self, name: str) -> Report:
        report = self.report

        def line(text: str) -> None:
            if report is not None:
                report(f"{name}: {self.redact(text)}")

        return line

    def resolve(
        self,
        names: Sequence[str],
        given: Mapping[str, object] | None,
        given_file: str | os.PathLike[str] | None,
        *,
        strict: bool,
    ) -> dict[str, dict[str, str]]:
        """Every selected instance's parameter values known before deploying: given ones,
        the environment's, and wired values of producers that are not selected (read from
        their deployed outputs). Raises a DeployError listing every missing value (when
        ``strict``) and every given value that names no parameter."""
        instances = self.manifest.instances
        explicit: dict[str, object] = {}
        if given_file is not None:
            explicit.update(_read_parameters_file(given_file))
        explicit.update(given or {})
        problems: list[str] = []
        for key in explicit:
            inst, _, pname = key.partition(".")
            if inst not in instances:
                problems.append(f"parameter {key!r}: no instance {inst!r}{did_you_mean(inst, instances)}")
            elif pname not in instances[inst].parameters:
                problems.append(
                    f"parameter {key!r}: instance {inst!r} has no parameter {pname!r}"
                    f"{did_you_mean(pname, instances[inst].parameters)} "
                    f"(its parameters: {', '.join(instances[inst].parameters) or 'none'})"
                )
        selected = set(names)
        values: dict[str, dict[str, str]] = {}
        produced: dict[str, dict[str, str] | None] = {}

        def deployed_outputs(producer: str) -> dict[str, str] | None:
            if producer not in produced:
                found = instances.get(producer) and self.deployer(producer).outputs(self.manifest.app, producer)
                produced[producer] = found if isinstance(found, dict) else None
            return produced[producer]

        for name in names:
            entry = instances[name]
            mine = values[name] = {}
            if strict:
                # registry / exports wires: the engine reads the value, which exists only once
                # the producer is deployed.
                engine_read = [
                    (key, p.source, p.integration)
                    for key, p in entry.parameters.items()
                    if p.source is not None and p.integration not in (None, "parameters")
                ] + [(key, p.source, "exports") for key, p in entry.imports.items() if p.source is not None]
                for key, source, via in engine_read:
                    if source.instance not in selected and deployed_outputs(source.instance) is None:
                        problems.append(
                            f"{name}.{key}: read from {source.instance}.{source.output} through {via}, but "
                            f"{source.instance} is not deployed; deploy {source.instance} first, or select it too"
                        )
            for key, p in entry.parameters.items():
                env = parameter_env_name(name, key)
                value: object = explicit.get(f"{name}.{key}", os.environ.get(env))
                if isinstance(value, (dict, list, tuple)) and (
                    isinstance(value, dict) or any(isinstance(v, (dict, list, tuple)) for v in value)
                ):
                    # (the value itself is not shown: it may be a secret)
                    problems.append(
                        f"{name}.{key}: a parameter value is a string, number, boolean or a list of those "
                        "(passed comma-joined), not an object or a nested list"
                    )
                    continue
                if value is not None:
                    mine[key] = _text(value)
                    if p.secret:
                        self.secrets.append(mine[key])
                    continue
                if p.source is not None:
                    if p.integration not in (None, "parameters") or p.source.instance in selected:
                        continue  # resolved by the engine, or from the producer's deploy
                    producer = p.source.instance
                    outs = deployed_outputs(producer)
                    if outs is not None and p.source.output in outs:
                        mine[key] = outs[p.source.output]
                    elif strict:
                        why = "is not deployed" if outs is None else f"has no output {p.source.output!r}"
                        problems.append(
                            f"{name}.{key}: wired from {producer}.{p.source.output}, but {producer} {why}; deploy "
                            f"{producer} first (or select it too), or give a value with --parameter {name}.{key}=VALUE"
                        )
                    continue
                if p.default is not None or not strict:
                    continue
                kind = "secret parameter" if p.secret else "parameter"
                problems.append(
                    f"{name}.{key}: the {kind} has no value; give one with --parameter {name}.{key}=VALUE, "
                    f"the environment variable {env}, or a parameters file"
                )
        if problems:
            raise DeployError(
                f"cannot deploy {self.manifest.app!r}: {len(problems)} problem(s), nothing was changed:\n  "
                + "\n  ".join(problems)
            )
        return values

    def map(self, function: Callable[[str], _T], names: Sequence[str]) -> list[_T]:
        if self.jobs == 1 or len(names) < 2:
            return [function(n) for n in names]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            return list(pool.map(function, names))

    def schedule(
        self,
        names: Sequence[str],
        waits: Mapping[str, Sequence[str]],
        work: Callable[[str, Mapping[str, InstanceResult]], InstanceResult],
    ) -> dict[str, InstanceResult]:
        """Run ``work`` for every name once all of the (selected) names it waits for
        succeeded, ``jobs`` at a time; a name whose wait failed or was skipped is skipped."""
        from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

        selected = set(names)
        pending = {n: [w for w in waits.get(n, ()) if w in selected] for n in names}
        done: dict[str, InstanceResult] = {}
        running: dict[Future[InstanceResult], str] = {}

        def guarded(name: str) -> InstanceResult:
            try:
                result = work(name, done)
            except InfrakitError as exc:
                result = InstanceResult(name, "failed", message=str(exc))
            except Exception as exc:  # one instance's unexpected failure must not stop the others
                result = InstanceResult(name, "failed", message=f"{type(exc).__name__}: {exc}")
            return attrs.evolve(result, message=self.redact(result.message))

        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            while len(done) < len(names):
                for name in names:
                    if name in done or name in running.values():
                        continue
                    blockers = [w for w in pending[name] if w in done and not _succeeded(done[w])]
                    if blockers:
                        done[name] = InstanceResult(
                            name, "skipped", message=f"{blockers[0]} {done[blockers[0]].status}"
                        )
                        self.reporter(name)(f"skipped ({blockers[0]} {done[blockers[0]].status})")
                    elif all(w in done for w in pending[name]):
                        running[pool.submit(guarded, name)] = name
                if not running:
                    continue
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in finished:
                    done[running.pop(future)] = future.result()
        return {n: done[n] for n in names}


_T = TypeVar("_T")


def _succeeded(result: InstanceResult) -> bool:
    return result.status in ("created", "updated", "unchanged", "deleted")


def _ordered(names: set[str], depends_on: Mapping[str, Sequence[str]]) -> list[str]:
    """``names`` sorted so that every instance comes after the ones it depends on (the
    dependencies through unselected instances included), ties by name."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in seen:
            return
        if name in path:
            raise DeployError(f"the manifest's depends_on has a cycle: {' -> '.join((*path, name))}")
        for dep in sorted(depends_on.get(name, ())):
            visit(dep, (*path, name))
        seen.add(name)
        order.append(name)

    for name in sorted(depends_on):
        visit(name, ())
    return [n for n in order if n in names]


def _read_parameters_file(path: str | os.PathLike[str]) -> dict[str, object]:
    """``{"instance.Name": value}`` or ``{"instance": {"Name": value}}`` from a JSON file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DeployError(f"{path}: cannot read the parameters file: {exc}") from None
    if not isinstance(data, dict):
        raise DeployError(f'{path}: a parameters file is a JSON object: {{"instance.Name": "value", ...}}')
    flat: dict[str, object] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            flat[key] = value
    return flat
