"""YAML reading with libyaml's C parser, which PyYAML ships in its wheels.

yaml.safe_load uses the pure-Python parser: the test suite reads domain.yml, the
content files and the data sets hundreds of times, and that took over 10 s of every
test run. The C parser builds the same Python values with the same safe constructor.
"""
from typing import Any, IO, Union

import yaml

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(stream: Union[str, bytes, IO]) -> Any:
    """yaml.safe_load, faster."""
    return yaml.load(stream, Loader=SAFE_LOADER)
