"""Read the Terraform stack's scaling settings, so the plan and the infrastructure agree.

A small parser for the literal subset of HCL that ``.tfvars`` files use (strings, numbers,
booleans, null, lists, maps, comments, heredocs) and for the ``default`` of the ``variable``
blocks in ``variables.tf``. Anything that is not a literal (a function call, a reference) is
skipped in ``.tf`` files and refused in ``.tfvars`` files. No dependency on ``python-hcl2``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scribe.errors import ConfigError

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r]+)
  | (?P<comment>\#[^\n]*|//[^\n]*|/\*.*?\*/)
  | (?P<newline>\n)
  | (?P<heredoc><<-?(?P<marker>[A-Za-z_][A-Za-z0-9_]*)[ \t]*\n)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_\-]*(?:\.[A-Za-z_][A-Za-z0-9_\-]*)*)
  | (?P<punct>[=:,{}\[\]()])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}

_OPEN = {"{": "}", "[": "]", "(": ")"}


class _Skip(Exception):
    """The value is not a literal."""


def _unquote(raw: str) -> str:
    out, i = [], 1
    while i < len(raw) - 1:
        ch = raw[i]
        if ch == "\\":
            nxt = raw[i + 1]
            if nxt == "u":
                out.append(chr(int(raw[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _tokenize(text: str, source: str) -> list[tuple[str, Any, int]]:
    tokens: list[tuple[str, Any, int]] = []
    pos, line = 0, 1
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:  # pragma: no cover - the pattern matches any character
            raise ConfigError(f"{source}:{line}: cannot read HCL")
        kind = m.lastgroup or "other"
        pos = m.end()
        if kind == "heredoc":
            marker = m.group("marker")
            end = re.compile(rf"^[ \t]*{marker}[ \t]*$", re.MULTILINE).search(text, pos)
            if end is None:
                raise ConfigError(f"{source}:{line}: heredoc <<{marker} is not closed")
            body = text[pos : end.start()]
            tokens.append(("string", body, line))
            line += m.group(0).count("\n") + body.count("\n")
            pos = end.end()
            continue
        value = m.group(kind)
        if kind == "string":
            tokens.append((kind, _unquote(value), line))
        elif kind == "number":
            number = float(value)
            tokens.append(
                (kind, int(number) if number.is_integer() and "." not in value else number, line)
            )
        elif kind in ("ident", "punct", "newline", "other"):
            tokens.append((kind, value, line))
        line += value.count("\n")
    tokens.append(("eof", None, line))
    return tokens


class _Parser:
    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.tokens = _tokenize(text, source)
        self.pos = 0

    def peek(self) -> tuple[str, Any, int]:
        return self.tokens[self.pos]

    def take(self) -> tuple[str, Any, int]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def skip_newlines(self) -> None:
        while self.peek()[0] == "newline":
            self.pos += 1

    def error(self, message: str) -> ConfigError:
        return ConfigError(f"{self.source}:{self.peek()[2]}: {message}")

    def value(self) -> Any:
        """A literal value; raises _Skip at anything else."""
        self.skip_newlines()
        kind, val, _ = self.take()
        if kind in ("string", "number"):
            return val
        if kind == "ident":
            if val in ("true", "false"):
                return val == "true"
            if val == "null":
                return None
            raise _Skip
        if (kind, val) == ("punct", "["):
            items: list[Any] = []
            while True:
                self.skip_newlines()
                if self.peek()[1] == "]":
                    self.take()
                    return items
                items.append(self.value())
                self.skip_newlines()
                if self.peek()[1] == ",":
                    self.take()
        if (kind, val) == ("punct", "{"):
            obj: dict[str, Any] = {}
            while True:
                self.skip_newlines()
                kind, key, _ = self.take()
                if key == "}" and kind == "punct":
                    return obj
                if kind not in ("ident", "string") or self.take()[1] not in ("=", ":"):
                    raise _Skip
                obj[str(key)] = self.value()
                self.skip_newlines()
                if self.peek()[1] == ",":
                    self.take()
        raise _Skip

    def skip_expression(self) -> None:
        """Move past one expression: to the end of its line, brackets balanced."""
        depth = 0
        while True:
            kind, val, _ = self.peek()
            if kind == "eof" or (kind == "newline" and depth == 0):
                return
            if kind == "punct" and val in _OPEN:
                depth += 1
            elif kind == "punct" and val in ("}", "]", ")"):
                if depth == 0:
                    return
                depth -= 1
            self.pos += 1

    def body(self, *, strict: bool, until_close: bool = False) -> dict[str, Any]:
        """Attributes and blocks to EOF (or ``}``); blocks are listed under ``"@blocks"``."""
        attrs: dict[str, Any] = {"@blocks": []}
        while True:
            self.skip_newlines()
            kind, val, _ = self.peek()
            if kind == "eof" or (until_close and (kind, val) == ("punct", "}")):
                if until_close:
                    if kind == "eof":
                        raise self.error("a block is not closed")
                    self.take()
                return attrs
            if kind != "ident":
                raise self.error(f"expected a name, found {val!r}")
            name = self.take()[1]
            if self.peek()[1] in ("=", ":") and self.peek()[0] == "punct":
                self.take()
                start = self.pos
                try:
                    attrs[name] = self.value()
                except _Skip:
                    if strict:
                        self.pos = start
                        raise self.error(f"{name}: only literal values are supported") from None
                    self.pos = start
                    self.skip_expression()
                continue
            labels: list[str] = []
            while self.peek()[0] in ("string", "ident"):
                labels.append(str(self.take()[1]))
            if self.take()[1] != "{":
                raise self.error(f"expected '=' or a block after {name!r}")
            block = self.body(strict=False, until_close=True)
            attrs["@blocks"].append((name, labels, block))


def parse_hcl(text: str, *, source: str = "<hcl>") -> dict[str, Any]:
    """The top-level attributes of a ``.tfvars`` text as Python values."""
    attrs = _Parser(text, source).body(strict=True)
    if attrs.pop("@blocks"):
        raise ConfigError(f"{source}: a .tfvars file holds only 'name = value' lines")
    return attrs


def variable_defaults(text: str, *, source: str = "<variables.tf>") -> dict[str, Any]:
    """The literal ``default`` of every ``variable`` block of a ``.tf`` text."""
    attrs = _Parser(text, source).body(strict=False)
    return {
        labels[0]: block["default"]
        for kind, labels, block in attrs["@blocks"]
        if kind == "variable" and labels and "default" in block
    }


def load_terraform_values(paths: Iterable[Path]) -> dict[str, Any]:
    """Variable values from ``.tf`` defaults, ``.tfvars`` and ``.tfvars.json`` files; later wins."""
    values: dict[str, Any] = {}
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
        if path.name.endswith(".json"):
            try:
                loaded = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ConfigError(
                    f"{path}: not valid JSON: {exc.msg} (line {exc.lineno})"
                ) from None
            if not isinstance(loaded, dict):
                raise ConfigError(f"{path}: expected a JSON object of variables")
            values.update(loaded)
        elif path.suffix == ".tf":
            values.update(variable_defaults(text, source=str(path)))
        else:
            values.update(parse_hcl(text, source=str(path)))
    return values


#: Terraform variables that map one to one onto a field of :class:`~scribe.capacity.model.Policy`.
POLICY_VARIABLES = (
    "transcribe_backlog_per_task_target",
    "scale_out_cooldown_seconds",
    "scale_in_cooldown_seconds",
    "gpu_instance_warmup_seconds",
    "scale_from_zero_evaluation_minutes",
    "gpu_max_instances",
    "gpu_spot_percentage",
    "gpu_on_demand_base_capacity",
    "gpu_warm_pool_enabled",
    "gpu_warm_pool_min_size",
    "gpu_warm_instance_type",
)

#: Terraform variables named differently from their Policy field.
POLICY_RENAMED = {
    "transcribe_accumulation_messages": "accumulation_messages",
    "transcribe_accumulation_max_wait_seconds": "accumulation_max_wait_seconds",
}


def inputs_from_terraform(values: dict[str, Any]) -> dict[str, Any]:
    """The part of the nested plan inputs that the Terraform variables determine."""
    policy: dict[str, Any] = {k: values[k] for k in POLICY_VARIABLES if values.get(k) is not None}
    transcribe = (values.get("services") or {}).get("transcribe")
    if isinstance(transcribe, dict):
        for field, key in (("min_tasks", "min_capacity"), ("max_tasks", "max_capacity")):
            if transcribe.get(key) is not None:
                policy[field] = transcribe[key]
    for variable, name in POLICY_RENAMED.items():
        if values.get(variable) is not None:
            policy[name] = values[variable]
    inputs: dict[str, Any] = {"policy": policy}
    fleet: dict[str, Any] = {}
    types = values.get("gpu_instance_types")
    if isinstance(types, list) and types:
        fleet["instance_type"] = types[0]
    if values.get("transcribe_files_per_batch") is not None:
        fleet["files_per_batch"] = values["transcribe_files_per_batch"]
    if fleet:
        inputs["fleet"] = fleet
    if values.get("gpu_root_volume_gib") is not None:
        inputs["prices"] = {"gpu_root_volume_gib": values["gpu_root_volume_gib"]}
    return inputs
