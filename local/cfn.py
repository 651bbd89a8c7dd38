"""Reading `template.yaml`: CloudFormation short tags, and the few intrinsic functions the
local run needs to resolve (names, ARNs, queue URLs, parameters, conditions).

`load()` turns `!Ref X` into `{"Ref": "X"}`, `!GetAtt A.B` into `{"Fn::GetAtt": ["A", "B"]}`,
`!Sub`, `!If`, `!Join`, ... into their long forms, so the rest reads plain dictionaries.
`Resolver` evaluates those forms against what the local run created.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from local import TEMPLATE

# Short tag → long form. `!GetAtt` and `!Ref` are handled apart (their scalar forms differ).
_FUNCTIONS = (
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Length",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
    "Transform",
)


class TemplateError(ValueError):
    """The template is not valid CloudFormation YAML."""


class TemplateLoader(yaml.SafeLoader):
    """A safe YAML loader that also understands CloudFormation's short tags, reads dates as the
    strings CloudFormation sees (`2010-09-09`) and refuses a key given twice."""


TemplateLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
    loader.flatten_mapping(node)
    result: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise TemplateError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1}")
        result[key] = loader.construct_object(value_node, deep=True)
    return result


def _construct(node: yaml.Node, loader: yaml.SafeLoader) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return _mapping(loader, node)


def _function(name: str) -> Callable:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict:
        return {f"Fn::{name}": _construct(node, loader)}

    return construct


def _ref(loader: yaml.SafeLoader, node: yaml.Node) -> dict:
    return {"Ref": loader.construct_scalar(node)}


def _condition(loader: yaml.SafeLoader, node: yaml.Node) -> dict:
    return {"Condition": loader.construct_scalar(node)}


def _get_att(loader: yaml.SafeLoader, node: yaml.Node) -> dict:
    value = _construct(node, loader)
    if isinstance(value, str):
        resource, _, attribute = value.partition(".")
        value = [resource, attribute]
    return {"Fn::GetAtt": value}


for _name in _FUNCTIONS:
    TemplateLoader.add_constructor(f"!{_name}", _function(_name))
TemplateLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
TemplateLoader.add_constructor("!Ref", _ref)
TemplateLoader.add_constructor("!Condition", _condition)
TemplateLoader.add_constructor("!GetAtt", _get_att)


def loads(text: str) -> dict:
    """A template's text as plain data, intrinsics in their long form."""
    try:
        data = yaml.load(text, Loader=TemplateLoader)  # a SafeLoader subclass: safe
    except yaml.YAMLError as error:
        raise TemplateError(str(error)) from error
    if not isinstance(data, dict):
        raise TemplateError("a template is a mapping at the top level")
    return data


def load(path: Path | str = TEMPLATE) -> dict:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: the local run builds everything from it")
    return loads(path.read_text(encoding="utf-8"))


class Unresolved(ValueError):
    """An intrinsic function the local run cannot evaluate (e.g. an import from another stack)."""


PSEUDO = {
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::StackName": "otklik",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NoValue": None,
}


class Resolver:
    """Evaluates intrinsic functions of one template.

    `refs` maps a resource's logical id to what `Ref` gives (a table's name, a queue's URL);
    `attributes` maps (logical id, attribute) to what `Fn::GetAtt` gives (e.g. a queue's Arn).
    Parameters resolve to `parameters` or else their `Default`.
    """

    def __init__(
        self,
        template: Mapping,
        *,
        region: str,
        refs: Mapping[str, str] | None = None,
        attributes: Mapping[tuple[str, str], str] | None = None,
        parameters: Mapping[str, str] | None = None,
    ) -> None:
        self.template = template
        self.refs = dict(refs or {})
        self.attributes = dict(attributes or {})
        self.pseudo = {**PSEUDO, "AWS::Region": region}
        declared = template.get("Parameters") or {}
        self.parameters = {
            name: spec.get("Default") for name, spec in declared.items() if isinstance(spec, dict)
        }
        self.parameters.update(parameters or {})

    # -- the functions ---------------------------------------------------------------------------

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [v for v in (self(item) for item in value) if v is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Condition":
                return self.condition(arg)
            if key.startswith("Fn::"):
                method = getattr(self, "fn_" + key[4:].lower(), None)
                if method is None:
                    raise Unresolved(f"{key} is not supported by the local run")
                return method(arg)
        resolved = {}
        for k, v in value.items():
            item = self(v)
            if item is not _NO_VALUE:
                resolved[k] = item
        return resolved

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.refs:
            return self.refs[name]
        raise Unresolved(f"Ref {name} cannot be resolved locally")

    def fn_getatt(self, arg) -> str:
        resource, attribute = arg if isinstance(arg, list) else str(arg).split(".", 1)
        try:
            return self.attributes[(self(resource), self(attribute))]
        except KeyError:
            raise Unresolved(f"GetAtt {resource}.{attribute} cannot be resolved locally") from None

    def fn_sub(self, arg) -> str:
        if isinstance(arg, list):
            text, variables = arg[0], {k: self(v) for k, v in (arg[1] or {}).items()}
        else:
            text, variables = arg, {}

        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name:
                resource, attribute = name.split(".", 1)
                return str(self.fn_getatt([resource, attribute]))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def fn_join(self, arg) -> str:
        delimiter, items = arg
        items = self(items)
        return str(delimiter).join(str(i) for i in items)

    def fn_select(self, arg):
        index, items = arg
        return self(items)[int(self(index))]

    def fn_split(self, arg) -> list[str]:
        delimiter, text = arg
        return str(self(text)).split(delimiter)

    def fn_if(self, arg):
        name, when_true, when_false = arg
        return self(when_true) if self.condition(name) else self(when_false)

    def fn_equals(self, arg) -> bool:
        left, right = (self(a) for a in arg)
        return str(left) == str(right)

    def fn_not(self, arg) -> bool:
        return not self(arg[0] if isinstance(arg, list) else arg)

    def fn_and(self, arg) -> bool:
        return all(self(a) for a in arg)

    def fn_or(self, arg) -> bool:
        return any(self(a) for a in arg)

    def fn_findinmap(self, arg):
        name, first, second = (self(a) for a in arg)
        return self.template["Mappings"][name][first][second]

    def fn_tojsonstring(self, arg) -> str:
        import json

        return json.dumps(self(arg))

    def condition(self, name: str) -> bool:
        conditions = self.template.get("Conditions") or {}
        if name not in conditions:
            raise Unresolved(f"condition {name} is not declared")
        return bool(self(conditions[name]))

    def try_resolve(self, value: Any, default: Any = None) -> Any:
        try:
            return self(value)
        except (Unresolved, KeyError, IndexError, TypeError, ValueError):
            return default


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


_NO_VALUE = _NoValue()


def resources(template: Mapping, *types: str) -> dict[str, dict]:
    """The template's resources of the given types, by logical id."""
    return {
        logical_id: resource
        for logical_id, resource in (template.get("Resources") or {}).items()
        if isinstance(resource, dict) and (not types or resource.get("Type") in types)
    }
