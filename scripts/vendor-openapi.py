#!/usr/bin/env python3
"""Writes the trimmed OpenAPI documents the carrier sandbox checks every request against
(src-tauri/sandbox/spec.rs) and tests/sandbox/schema.rs checks sandbox replies against.

Usage: python3 scripts/vendor-openapi.py SOURCE [OUT]

SOURCE is a folder laid out as the carriers publish their specifications: twilio/spec/json/*.json
(twilio/twilio-oai) and telnyx/spec3.yml (team-telnyx/openapi), with twilio/LICENSE beside them.
OUT defaults to src-tauri/sandbox/openapi in this repository.

The sandbox reads the `parameters` and `requestBody` of the operations listed in OPERATIONS, the
schema tests their `responses`, and both whatever those reach through `$ref`. This script keeps
exactly that, copied unchanged, so both are as strict as against the full documents while the
repository holds a few hundred kilobytes instead of six megabytes, and nothing parses the 4 MB
Telnyx YAML. After
writing, it reads every output back and checks that each kept operation and each kept component
equals its source and that every `$ref` resolves inside the output.
"""

import json
import pathlib
import re
import shutil
import sys

import yaml

# The operations the sandbox serves and the schema tests check, by document: path -> methods. A
# request to an operation not listed is a violation, and a test checking one fails with "no
# operation", until it is added here and this script is run again.
OPERATIONS = {
    "twilio_api_v2010": {
        "/2010-04-01/Accounts/{Sid}.json": ["get"],
        "/2010-04-01/Accounts/{AccountSid}/Addresses.json": ["get"],
        "/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers.json": ["get"],
        "/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}.json": ["get"],
        "/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}/Local.json": ["get"],
        "/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}/Mobile.json": [
            "get"
        ],
        "/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}/National.json": [
            "get"
        ],
        "/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}/TollFree.json": [
            "get"
        ],
        "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json": ["get", "post"],
        "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/Local.json": ["get", "post"],
        "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/Mobile.json": ["get", "post"],
        "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/TollFree.json": ["get", "post"],
        "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json": ["get", "post", "delete"],
    },
    "twilio_pricing_v1": {
        "/v1/PhoneNumbers/Countries": ["get"],
        "/v1/PhoneNumbers/Countries/{IsoCountry}": ["get"],
    },
    "twilio_routes_v2": {
        "/v2/PhoneNumbers/{PhoneNumber}": ["get", "post"],
    },
    "twilio_numbers_v2": {
        "/v2/RegulatoryCompliance/Bundles": ["get"],
        "/v2/RegulatoryCompliance/Regulations": ["get"],
    },
    "telnyx_spec3": {
        "/available_phone_numbers": ["get"],
        "/balance": ["get"],
        "/messaging_profiles": ["get"],
        "/messaging_profiles/{id}": ["get"],
        "/number_orders": ["get", "post"],
        "/number_orders/{number_order_id}": ["get"],
        "/phone_numbers": ["get"],
        "/phone_numbers/{id}": ["get", "patch", "delete"],
        "/phone_numbers/{id}/messaging": ["get", "patch"],
        "/requirement_groups": ["get"],
        "/requirements": ["get"],
        "/texml_applications": ["get"],
        "/texml_applications/{id}": ["get"],
    },
}

# Where each document comes from inside SOURCE, and where its trimmed copy goes inside OUT.
DOCUMENTS = {
    "twilio_api_v2010": ("twilio/spec/json/twilio_api_v2010.json", "twilio/twilio_api_v2010.json"),
    "twilio_pricing_v1": (
        "twilio/spec/json/twilio_pricing_v1.json",
        "twilio/twilio_pricing_v1.json",
    ),
    "twilio_routes_v2": ("twilio/spec/json/twilio_routes_v2.json", "twilio/twilio_routes_v2.json"),
    "twilio_numbers_v2": (
        "twilio/spec/json/twilio_numbers_v2.json",
        "twilio/twilio_numbers_v2.json",
    ),
    "telnyx_spec3": ("telnyx/spec3.yml", "telnyx/spec3.json"),
}


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML reads YAML 1.1, where `on`, `no` and `2024-01-01` are not strings. The Rust tests
    used to read the Telnyx YAML with a YAML 1.2 parser, so plain scalars are resolved by the 1.2
    core schema here: null, true/false, integers and floats, everything else a string."""


Yaml12Loader.yaml_implicit_resolvers = {}
for tag, pattern, first in [
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+.0123456789"),
    ),
]:
    Yaml12Loader.add_implicit_resolver(tag, re.compile(pattern), first)


def construct_int(loader, node):
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def construct_float(loader, node):
    text = loader.construct_scalar(node).lower()
    if text.endswith("inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if text.endswith("nan"):
        return float("nan")
    return float(text)


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", construct_int)
Yaml12Loader.add_constructor("tag:yaml.org,2002:float", construct_float)


def load(path):
    with open(path, encoding="utf-8") as file:
        if path.suffix in (".yml", ".yaml"):
            return yaml.load(file, Loader=Yaml12Loader)
        return json.load(file)


def escape(segment):
    return segment.replace("~", "~0").replace("/", "~1")


def unescape(segment):
    return segment.replace("~1", "/").replace("~0", "~")


def refs(value):
    """Every local `$ref` pointer below `value`."""
    if isinstance(value, dict):
        reference = value.get("$ref")
        if isinstance(reference, str):
            if not reference.startswith("#/"):
                raise SystemExit(f"non-local $ref {reference} is not supported")
            yield reference[1:]
        for child in value.values():
            yield from refs(child)
    elif isinstance(value, list):
        for child in value:
            yield from refs(child)


def lookup(root, pointer):
    value = root
    for segment in pointer.strip("/").split("/"):
        segment = unescape(segment)
        value = value[int(segment)] if isinstance(value, list) else value[segment]
    return value


def place(into, segments, value):
    for segment in segments[:-1]:
        into = into.setdefault(segment, {})
    into[segments[-1]] = value


# What is kept of each listed operation.
KEPT_PARTS = ("parameters", "requestBody", "responses")


def trim(name, root):
    """The document with only the listed operations' requests and responses and what they
    reference."""
    out = {"openapi": root["openapi"], "info": {}}
    for key in ("title", "version", "license"):
        if key in root.get("info", {}):
            out["info"][key] = root["info"][key]
    pending = []
    for path, methods in OPERATIONS[name].items():
        for method in methods:
            operation = root["paths"][path][method]
            for part in KEPT_PARTS:
                if part in operation:
                    place(out, ["paths", path, method, part], operation[part])
                    pending.extend(refs(operation[part]))
        if "parameters" in root["paths"][path]:
            place(out, ["paths", path, "parameters"], root["paths"][path]["parameters"])
            pending.extend(refs(root["paths"][path]["parameters"]))
    # Whole components are kept (`/components/<kind>/<name>`), so a `$ref` into one's insides
    # resolves too.
    kept = set()
    while pending:
        segments = [unescape(segment) for segment in pending.pop().strip("/").split("/")][:3]
        key = tuple(segments)
        if key in kept:
            continue
        kept.add(key)
        component = lookup(root, "/" + "/".join(escape(segment) for segment in segments))
        place(out, segments, component)
        pending.extend(refs(component))
    return out


def verify(name, source, trimmed):
    """Fails unless every kept part equals its source and every `$ref` resolves in the copy."""
    for path, methods in OPERATIONS[name].items():
        for method in methods:
            for part in KEPT_PARTS:
                if trimmed["paths"][path][method].get(part) != source["paths"][path][method].get(part):
                    raise SystemExit(f"{name}: {method} {path} {part} differs from its source")
    for kind, members in trimmed.get("components", {}).items():
        for member, value in members.items():
            if value != source["components"][kind][member]:
                raise SystemExit(f"{name}: component {kind}/{member} differs from its source")
    for pointer in refs(trimmed):
        try:
            lookup(trimmed, pointer)
        except (KeyError, IndexError):
            raise SystemExit(f"{name}: $ref #{pointer} does not resolve in the trimmed copy")


def main(arguments):
    if len(arguments) not in (1, 2):
        raise SystemExit(__doc__)
    source_dir = pathlib.Path(arguments[0])
    repo = pathlib.Path(__file__).resolve().parent.parent
    out_dir = pathlib.Path(arguments[1]) if len(arguments) == 2 else repo / "src-tauri/sandbox/openapi"
    for name, (source_path, out_path) in DOCUMENTS.items():
        source = load(source_dir / source_path)
        trimmed = trim(name, source)
        target = out_dir / out_path
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", encoding="utf-8") as file:
            json.dump(trimmed, file, indent=1, ensure_ascii=False, allow_nan=False)
            file.write("\n")
        verify(name, source, load(target))
        print(f"{target}: {target.stat().st_size} bytes, "
              f"{sum(len(m) for m in trimmed.get('components', {}).values())} components")
    shutil.copyfile(source_dir / "twilio/LICENSE", out_dir / "twilio/LICENSE")


if __name__ == "__main__":
    main(sys.argv[1:])
