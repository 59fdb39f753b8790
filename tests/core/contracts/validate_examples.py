#!/usr/bin/python3
"""Validates docs/contracts against its own JSON Schema with a real validator.

Usage: /usr/bin/python3 validate_examples.py <docs/contracts dir>

Checks, and exits 1 on the first broken promise (printing every failure first):
  * event-envelope.schema.json is a valid draft-07 schema;
  * examples/ holds exactly one file per event_type of the schema's enum, named
    <event_type>.json, each valid and of its own type;
  * every valid/*.json is accepted;
  * every invalid/<field>--<reason>.json is REJECTED, and at least one error names <field>
    (in its path or its message; "body" accepts any error).
The C++ test tests/adapters/json/envelope_codec_test.cc reads the same three folders, so the
schema and the decoder cannot disagree on any of these files.

Needs Debian's python3-jsonschema (4.10 on bookworm), hence /usr/bin/python3. That version ships
no checker for the "date-time" and "uuid" formats without optional packages, so this script
registers strict ones; the schema's patterns stand on their own either way.
"""
import datetime
import json
import pathlib
import re
import sys
import uuid

from jsonschema import Draft7Validator, FormatChecker

UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
DATE_TIME_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def make_format_checker():
    checker = FormatChecker()

    @checker.checks("uuid", raises=ValueError)
    def is_uuid(value):
        if not isinstance(value, str):
            return True
        if not UUID_RE.fullmatch(value):
            return False
        uuid.UUID(value)
        return True

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(value):
        # RFC 3339 section 5.6; calendar-checked (February 30 fails). Leap seconds are refused,
        # as SecPlat never writes them.
        if not isinstance(value, str):
            return True
        m = DATE_TIME_RE.fullmatch(value)
        if not m:
            return False
        y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
        datetime.datetime(y, mo, d, h, mi, s)  # ValueError when out of range (incl. year 0)
        return True

    return checker


def errors_of(validator, doc):
    return sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))


def names_field(error, field):
    if field == "body":
        return True
    if field in [str(p) for p in error.absolute_path]:
        return True
    return "'%s'" % field in error.message


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    root = pathlib.Path(argv[1])
    schema = json.loads((root / "event-envelope.schema.json").read_text())
    Draft7Validator.check_schema(schema)
    validator = Draft7Validator(schema, format_checker=make_format_checker())
    failures = []
    checked = 0

    event_types = schema["properties"]["event_type"]["enum"]
    example_names = sorted(p.stem for p in (root / "examples").glob("*.json"))
    if example_names != sorted(event_types):
        failures.append("examples/: want exactly %s, have %s" % (sorted(event_types), example_names))
    for path in sorted((root / "examples").glob("*.json")):
        doc = json.loads(path.read_text())
        checked += 1
        for e in errors_of(validator, doc):
            failures.append("%s: %s at %s" % (path.name, e.message, list(e.absolute_path)))
        if isinstance(doc, dict) and doc.get("event_type") != path.stem:
            failures.append("%s: event_type is %r" % (path.name, doc.get("event_type")))

    valid = sorted((root / "valid").glob("*.json"))
    for path in valid:
        checked += 1
        for e in errors_of(validator, json.loads(path.read_text())):
            failures.append("valid/%s: %s at %s" % (path.name, e.message, list(e.absolute_path)))

    invalid = sorted((root / "invalid").glob("*.json"))
    if len(invalid) < 10:
        failures.append("invalid/: expected at least 10 cases, found %d" % len(invalid))
    for path in invalid:
        checked += 1
        if "--" not in path.stem:
            failures.append("invalid/%s: name must be <field>--<reason>.json" % path.name)
            continue
        field = path.stem.split("--", 1)[0]
        errs = errors_of(validator, json.loads(path.read_text()))
        if not errs:
            failures.append("invalid/%s: accepted by the schema, must be rejected" % path.name)
        elif not any(names_field(e, field) for e in errs):
            failures.append("invalid/%s: rejected, but no error names %r: %s"
                            % (path.name, field, [e.message for e in errs]))

    for f in failures:
        print("FAIL", f)
    print("%d files checked, %d failures (%d examples, %d valid, %d invalid)"
          % (checked, len(failures), len(example_names), len(valid), len(invalid)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
