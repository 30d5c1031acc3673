"""Loads the clinic's details from the YAML file clinic staff edit."""
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml

DEFAULT_CLINIC_FILE = Path(__file__).resolve().parent.parent / "clinic" / "clinic.yml"
REQUIRED_FIELDS = ("name", "phone", "email")


class ClinicFileError(ValueError):
    """The clinic file is missing or does not hold what the actions need."""


def clinic_file_path() -> Path:
    return Path(os.environ.get("CLINIC_FILE", DEFAULT_CLINIC_FILE))


@lru_cache(maxsize=None)
def load_clinic(path: Path) -> Dict[str, Any]:
    try:
        clinic = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ClinicFileError(f"clinic file not found: {path}") from None
    except yaml.YAMLError as error:
        raise ClinicFileError(f"{path}: not valid YAML ({error})") from None
    if not isinstance(clinic, dict):
        raise ClinicFileError(f"{path}: expected a mapping of clinic details")
    missing = [field for field in REQUIRED_FIELDS if not clinic.get(field)]
    if missing:
        raise ClinicFileError(f"{path}: missing {', '.join(missing)}")
    return clinic


def current_clinic() -> Dict[str, Any]:
    return load_clinic(clinic_file_path())
