#!/usr/bin/env python3
"""Checks data/engine_cases.json against real jinja2, configured as transformers configures it.

The expectations in engine_cases.json are written by hand; this script is how they were checked
to be true to jinja2 (3.1.x) rather than to our own engine. Run: python3 verify_engine_cases_with_jinja2.py
"""
import json
import os
import sys
from datetime import datetime

import jinja2
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


class Generation(Extension):
    # transformers' {% generation %} marker, reduced to rendering its body.
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.Scope(body).set_lineno(lineno)


def make_environment():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return datetime.now().strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[Generation, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def main():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "engine_cases.json")
    with open(path, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    env = make_environment()
    failures = 0
    for case in cases:
        try:
            out = env.from_string(case["template"]).render(**case.get("variables", {}))
            error = None
        except Exception as e:  # noqa: BLE001 - any jinja2 failure is an expected-error case
            out, error = None, f"{type(e).__name__}: {e}"
        if "expected" in case:
            if out != case["expected"]:
                failures += 1
                print(f"FAIL {case['name']}: jinja2 gives {out!r} (error {error}), case expects {case['expected']!r}")
        else:
            if error is None:
                failures += 1
                print(f"FAIL {case['name']}: jinja2 renders {out!r}, case expects an error")
            elif case["error"] not in error:
                print(f"note {case['name']}: jinja2 says {error!r}; case checks for {case['error']!r}")
    print(f"{len(cases) - failures}/{len(cases)} cases agree with jinja2 {jinja2.__version__}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
