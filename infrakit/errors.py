"""Every error infrakit raises for a user's mistake.

The hierarchy::

    InfrakitError                     base of everything below
    ├── DefinitionError               a resource, inputs or outputs class used wrongly
    │   ├── UnknownPropertyError      (also TypeError)   keyword the resource does not have
    │   ├── PropertyTypeError         (also TypeError)   value of the wrong type or enum value
    │   ├── PropertyValueError        (also ValueError)  value its resource schema refuses (pattern, length, range)
    │   ├── InputValueError           (also ValueError)  an inputs value its class's validators refuse
    │   └── UnknownAttributeError     (also AttributeError)  ``.attrs.x`` / get_att that does not exist
    ├── SynthError                    found while synthesizing one component
    │   ├── TemplateValidationError   (also ValueError) a rendered template its provider's schema refuses
    │   ├── MissingPropertyError      required property left out
    │   ├── SchemaError               rendered properties that break their resource schema (groups, values)
    │   ├── DanglingReferenceError    reference to a resource, parameter or condition not in the component
    │   ├── LogicalIdError            invalid or duplicate logical id / resource name
    │   ├── UnboundOutputError        ``build`` left a declared output unbound
    │   ├── UnusedParameterError      a deploy-time parameter nothing uses
    │   ├── UnusedConditionError      a condition nothing uses
    │   ├── ProviderMixError          AWS and GCP resources in one component
    │   └── QuotaError                a provider limit (resources, outputs, size, ...) exceeded
    ├── WiringError                   an app's instances wired wrongly (type mismatch, cycle, ...)
    ├── ConfigError                   a configuration file that does not load into an inputs class
    ├── AssemblyError                 an assembly directory that cannot be written or read
    ├── DeployError                   a deploy that cannot start (missing parameter values, ...)
    └── StrategyError                 ``infrakit.testing`` cannot derive a hypothesis strategy for a field

    DeprecatedOutputWarning           (a DeprecationWarning) a wire through an output's former name

Messages name the component, the resource and the property involved, say what was
expected and what was given, and suggest a fix where one exists.

Every error also carries its context as fields, for tools that filter or group errors
without parsing text: ``component`` (the component class being built), ``instance`` (the app
instance), ``resource`` (a resource's logical id) and ``property`` (a property or option
name), each ``None`` where it does not apply. A raise site sets what it knows
(``PropertyTypeError(msg, resource="Vpc", property="cidr_block")``); :func:`error_context`
fills in the rest as the error passes through synthesis (the same exception object, its
class, cause and traceback kept), and prefixes ``instance 'name': `` to its message, which
the code raising it could not know.
"""

from __future__ import annotations

import builtins
import contextlib
from collections.abc import Iterable, Iterator

__all__ = [
    "CONTEXT_FIELDS",
    "AssemblyError",
    "ConfigError",
    "DanglingReferenceError",
    "DeployError",
    "DefinitionError",
    "DeprecatedOutputWarning",
    "InfrakitError",
    "InputValueError",
    "LogicalIdError",
    "MissingPropertyError",
    "PropertyTypeError",
    "PropertyValueError",
    "ProviderMixError",
    "QuotaError",
    "SchemaError",
    "StrategyError",
    "SynthError",
    "TemplateValidationError",
    "UnboundOutputError",
    "UnknownAttributeError",
    "UnknownPropertyError",
    "UnusedConditionError",
    "UnusedParameterError",
    "WiringError",
    "add_context",
    "error_context",
]


#: The context fields every :class:`InfrakitError` carries.
CONTEXT_FIELDS = ("component", "instance", "resource", "property")


class InfrakitError(Exception):
    """Base class of every error raised for a user's mistake.

    ``component``, ``instance``, ``resource`` and ``property`` say where it happened
    (``None``: not known or not applicable); ``message`` is the text without the context
    prefix that :func:`error_context` adds.
    """

    component: str | None = None
    instance: str | None = None
    resource: str | None = None
    property: str | None = None
    _prefix: str = ""

    def __init__(
        self,
        *args: object,
        component: str | None = None,
        instance: str | None = None,
        resource: str | None = None,
        property: str | None = None,
    ) -> None:
        super().__init__(*args)
        for name, value in zip(CONTEXT_FIELDS, (component, instance, resource, property), strict=True):
            if value is not None:
                setattr(self, name, value)

    # (``builtins.property``: the class's own ``property`` field shadows the name here)
    @builtins.property
    def message(self) -> str:
        """The message as raised, without the context prefix."""
        return super().__str__()

    @builtins.property
    def context(self) -> dict[str, str]:
        """The context fields that are set, by name."""
        return {name: value for name in CONTEXT_FIELDS if (value := getattr(self, name)) is not None}

    def __str__(self) -> str:
        return self._prefix + self.message


class DeprecatedOutputWarning(DeprecationWarning):
    """An instance's output wired through a former name (``ik.out(aliases=...)``)."""


class DefinitionError(InfrakitError):
    """A resource, inputs or outputs class was used wrongly."""


class UnknownPropertyError(DefinitionError, TypeError):
    """A keyword that the resource or property type does not have."""


class PropertyTypeError(DefinitionError, TypeError):
    """A value of the wrong type, or not one of an enum's values."""


class PropertyValueError(DefinitionError, ValueError):
    """A property value its CloudFormation resource schema refuses: a pattern it does not
    match, a string or array too long or too short, a number out of range (``infrakit.aws._schema``)."""


class InputValueError(DefinitionError, ValueError):
    """A value that an inputs class's own validators (``attrs.validators.ge``, ...) refuse.

    ``args`` are ``(message, attribute, ...)`` as attrs' validators give them.
    """

    @builtins.property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownAttributeError(DefinitionError, AttributeError):
    """An attribute (``Fn::GetAtt``) that the resource type does not have."""


class SynthError(InfrakitError):
    """A problem found while synthesizing one component."""


class MissingPropertyError(SynthError):
    """A required property was left out."""


class SchemaError(SynthError):
    """A resource's rendered properties break its resource schema: a property needed with
    another one, one of a group of alternatives, a value known only once rendered."""


class DanglingReferenceError(SynthError):
    """A reference to something that is not part of the component."""


class LogicalIdError(SynthError):
    """An invalid or duplicate logical id."""


class UnboundOutputError(SynthError):
    """A declared output that ``build`` did not bind."""


class UnusedParameterError(SynthError):
    """A deploy-time parameter that nothing in the template uses."""


class UnusedConditionError(SynthError):
    """A condition that no resource, output, ``fn.if_`` or other condition uses."""


class ProviderMixError(SynthError):
    """Resources of two providers in one component."""


class QuotaError(SynthError):
    """A provider limit exceeded."""


class WiringError(InfrakitError):
    """Instances of an app wired wrongly."""


class ConfigError(InfrakitError):
    """A configuration file that does not load into its inputs class."""


class AssemblyError(InfrakitError):
    """An assembly directory that cannot be written or read."""


class DeployError(InfrakitError):
    """A deploy, plan or destroy that cannot go ahead: missing parameter values, an unknown
    instance, a producer still consumed, no credentials, ... Nothing was changed."""


class TemplateValidationError(SynthError, ValueError):
    """A rendered template that its provider's own schema refuses (a compute template whose
    properties do not parse into their ``compute_v1`` messages)."""


class StrategyError(InfrakitError):
    """``infrakit.testing.strategies`` cannot derive valid values for a field: pass an override."""


def add_context(exc: InfrakitError, **fields: str | None) -> InfrakitError:
    """Fill the context fields of ``exc`` that are not set yet (the innermost context, nearest
    the mistake, wins) and return it. A new ``instance`` also prefixes the message with
    ``instance 'name': ``, as the message's author could not know it."""
    for name, value in fields.items():
        if name not in CONTEXT_FIELDS:
            raise TypeError(f"unknown error context field {name!r}; use one of {', '.join(CONTEXT_FIELDS)}")
        if value is not None and getattr(exc, name) is None:
            setattr(exc, name, value)
            if name == "instance":
                exc._prefix = f"instance {value!r}: " + exc._prefix
    return exc


@contextlib.contextmanager
def error_context(**fields: str | None) -> Iterator[None]:
    """Annotate every :class:`InfrakitError` raised inside the block with context fields
    (:func:`add_context`) and re-raise the same exception, keeping its class, cause and
    traceback::

        with error_context(instance="service-prod"):
            synthesize(...)
    """
    try:
        yield
    except InfrakitError as exc:
        add_context(exc, **fields)
        raise


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """Return ``" (did you mean `x`?)"`` for the closest candidate, or ``""``."""
    import difflib  # only on the error path

    names = list(candidates)
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    if not close:
        # A word the user shortened: `cidr` for `cidr_block`, `subnet` for `subnet_ids`.
        parts = [n for n in names if word and (n.startswith(word + "_") or word in n.split("_"))]
        close = sorted(parts, key=lambda n: (len(n), n))[:1]
    return f" (did you mean `{close[0]}`?)" if close else ""
