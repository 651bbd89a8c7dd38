"""Load a CloudFormation/SAM YAML template into plain Python data.

PyYAML's safe loader rejects CloudFormation's short tags (`!Ref`, `!GetAtt`, `!Sub`, ...); this
loader turns each into its long JSON form (`{"Ref": ...}`, `{"Fn::GetAtt": [...]}`, ...), which
is what aws-sam-translator and CloudFormation itself take. Like CloudFormation it keeps dates as
strings (`AWSTemplateFormatVersion: 2010-09-09`) and rejects a mapping with a repeated key.

Reusable outside the tests (the local run reads the tables and queues from the template):

    from tests.integration.cfn_yaml import load
    template = load("template.yaml")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["TemplateError", "load", "loads"]

# Short tags whose long form is not simply "Fn::<Tag>".
_SPECIAL = {"Ref": "Ref", "Condition": "Condition"}
# Every intrinsic function (and condition function) CloudFormation and SAM templates use.
_TAGS = (
    "Ref",
    "Condition",
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "ForEach",
    "GetAZs",
    "GetAtt",
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


class _Loader(yaml.SafeLoader):
    """SafeLoader plus CloudFormation's tags; no timestamps; no repeated keys."""


# CloudFormation reads `2010-09-09` as the string it is, not as a date.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise TemplateError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1}")
        result[key] = loader.construct_object(value_node, deep=True)
    return result


def _intrinsic(tag: str):
    name = _SPECIAL.get(tag, f"Fn::{tag}")

    def construct(loader: _Loader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag == "GetAtt":  # !GetAtt Resource.Attribute[.More]
                resource, _, attribute = str(value).partition(".")
                if not attribute:
                    raise TemplateError(
                        f"!GetAtt {value!r} needs Resource.Attribute "
                        f"(line {node.start_mark.line + 1})"
                    )
                value = [resource, attribute]
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = _mapping(loader, node)
        return {name: value}

    return construct


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
for _tag in _TAGS:
    _Loader.add_constructor(f"!{_tag}", _intrinsic(_tag))


def loads(text: str) -> dict[str, Any]:
    """A template's text as plain data, intrinsics in their long form."""
    try:
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: safe
    except yaml.YAMLError as error:
        raise TemplateError(str(error)) from error
    if not isinstance(data, dict):
        raise TemplateError("a template is a mapping at the top level")
    return data


def load(path: str | Path) -> dict[str, Any]:
    """The template at `path` as plain data, intrinsics in their long form."""
    return loads(Path(path).read_text(encoding="utf-8"))
