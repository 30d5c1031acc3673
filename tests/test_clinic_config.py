"""The clinic file: validated on load, with errors that name the field."""
import copy
import subprocess

import pytest
import yaml

from clinic import config as clinic_config
from clinic.config import ClinicFileError, parse_clinic
from common.paths import ROOT
from common import yaml_files
from local_services.processes import base_env, free_port
from tests.servers import action_server_command

pytestmark = pytest.mark.unit

SAMPLE = yaml_files.safe_load(clinic_config.DEFAULT_CLINIC_FILE.read_text())


def broken(change) -> dict:
    content = copy.deepcopy(SAMPLE)
    change(content)
    return content


def test_shipped_sample_clinic_is_valid_and_has_two_locations():
    clinic = parse_clinic(SAMPLE)
    assert len(clinic.locations) >= 2
    assert clinic.booking.min_lead_hours >= 0
    assert all(location.treats for location in clinic.locations)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: c["locations"][1]["hours"].update(tuesday="9am-25pm"),
         "locations[1].hours.tuesday: '9am-25pm' is not a time range"),
        (lambda c: c["locations"][0]["hours"].update(monday="17:00-09:00"),
         "locations[0].hours.monday: '17:00-09:00' closes before it opens"),
        (lambda c: c["locations"][0].update(timezone="Mars/Olympus"),
         "locations[0].timezone: 'Mars/Olympus' is not a known time zone"),
        (lambda c: c["locations"][0].update(email="not-an-email"),
         "locations[0].email: value is not a valid email address"),
        (lambda c: c.pop("booking"), "booking: is missing"),
        (lambda c: c["practitioners"][0].update(treats=["acne"]),
         "practitioners[0].treats: unknown condition(s) ['acne']"),
        (lambda c: c["practitioners"][0].update(locations=["nowhere"]),
         "practitioners[0].locations: unknown ['nowhere']"),
        (lambda c: c["locations"][0].update(phnoe="+1 555"),
         "locations[0].phnoe: extra fields not permitted"),
        (lambda c: c.update(consultation_fee={"amount": -5, "currency": "USD"}),
         "consultation_fee.amount: ensure this value is greater than 0"),
        (lambda c: c["locations"][0].update(parking={"fr": "Parking payant"}),
         "locations[0].parking: unknown language ['fr']: use en, es"),
        (lambda c: c.update(insurance_note={"es": "Depende de su plan."}),
         "insurance_note: needs an 'en' text, used for any language without its own"),
    ],
)
def test_invalid_clinic_file_names_the_field_and_the_problem(change, message):
    with pytest.raises(ClinicFileError) as error:
        parse_clinic(broken(change))
    assert message in str(error.value)


def test_several_problems_are_reported_together():
    def two_problems(c):
        c["locations"][0]["timezone"] = "Nowhere/Land"
        c["locations"][1]["hours"]["friday"] = "nine to five"
    with pytest.raises(ClinicFileError) as error:
        parse_clinic(broken(two_problems))
    assert "locations[0].timezone" in str(error.value)
    assert "locations[1].hours.friday" in str(error.value)


def test_missing_file_and_bad_yaml_are_clear_errors(monkeypatch, tmp_path):
    clinic_config.load_clinic.cache_clear()
    monkeypatch.setenv("CLINIC_FILE", str(tmp_path / "nope.yml"))
    with pytest.raises(ClinicFileError, match="clinic file not found"):
        clinic_config.current_clinic()
    (tmp_path / "bad.yml").write_text("name: [unclosed")
    monkeypatch.setenv("CLINIC_FILE", str(tmp_path / "bad.yml"))
    with pytest.raises(ClinicFileError, match="not valid YAML"):
        clinic_config.current_clinic()
    clinic_config.load_clinic.cache_clear()


def test_hours_with_a_lunch_break_and_closed_days():
    clinic = parse_clinic(SAMPLE)
    cambridge = clinic.location("cambridge")
    assert len(cambridge.hours.thursday) == 2
    assert cambridge.hours.wednesday == []


def test_find_location_by_name_or_id():
    clinic = parse_clinic(SAMPLE)
    assert clinic.find_location("the Back Bay office").id == "back_bay"
    assert clinic.find_location("CAMBRIDGE").id == "cambridge"
    assert clinic.find_location("Springfield") is None


@pytest.mark.system
def test_action_server_refuses_to_start_with_an_invalid_clinic_file(tmp_path):
    bad = tmp_path / "clinic.yml"
    bad.write_text(yaml.safe_dump(broken(lambda c: c["locations"][1]["hours"].update(tuesday="9am-25pm"))))
    result = subprocess.run(
        action_server_command(free_port()),
        cwd=ROOT, env=base_env({"CLINIC_FILE": str(bad), "SANIC_HOST": "127.0.0.1"}),
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "locations[1].hours.tuesday: '9am-25pm' is not a time range" in result.stdout + result.stderr
