"""`make profile`'s tables and flame graph from py-spy's raw samples (bench/flamegraph.py),
on a few hand-written stacks: no py-spy, no server."""
import xml.etree.ElementTree as ElementTree

import pytest

from bench import flamegraph, profile

pytestmark = pytest.mark.unit

# py-spy's raw format: frames root first, separated by ";", then the sample count.
RAW = """\
_run (asyncio/events.py:78);handle_message (rasa/core/agent.py:400);handle_message (rasa/core/processor.py:152);save_tracker (rasa/core/processor.py:1089);save (rasa_plugins/tracker_store.py:140) 30
_run (asyncio/events.py:78);handle_message (rasa/core/agent.py:400);handle_message (rasa/core/processor.py:152);parse_message (rasa/core/processor.py:700);process (rasa/nlu/classifiers/logistic_regression_classifier.py:141);_mul_multivector (scipy/sparse/_compressed.py:480) 50
_run (asyncio/events.py:78);receive (connectors/rest.py:140);guard_message (connectors/guard.py:212);offered_buttons (connectors/guard.py:190) 15
_run (asyncio/events.py:78);walk (mymod.py:1);walk (mymod.py:1);walk (mymod.py:1) 5

not a sample line
"""


def stacks():
    return flamegraph.parse_samples(RAW.splitlines())


def test_frames_are_read_with_their_file_and_package():
    frame = flamegraph.parse_frame("_mul_multivector (scipy/sparse/_compressed.py:480)")
    assert (frame.function, frame.file, frame.package) == (
        "_mul_multivector", "scipy/sparse/_compressed.py", "scipy")
    assert flamegraph.parse_frame("walk (mymod.py:1)").package == "mymod"
    assert sum(stacks().values()) == 100


def test_own_and_total_time_per_function():
    times = {str(t.frame): t for t in flamegraph.function_times(stacks())}
    assert times["handle_message (rasa/core/agent.py)"].total == 80
    assert times["handle_message (rasa/core/agent.py)"].own == 0
    assert times["_mul_multivector (scipy/sparse/_compressed.py)"].own == 50
    assert times["walk (mymod.py)"].total == 5  # three frames deep, one sample each time


def test_stage_shares():
    shares = {stage.label: share for stage, share in flamegraph.stage_shares(stacks())}
    assert shares["Rasa: handling the message"] == 0.80
    assert shares["logistic regression"] == 0.50
    assert shares["tracker store: save"] == 0.30
    assert shares["guard: reading the bot's latest buttons"] == 0.15
    assert shares["DIET classifier"] == 0


def test_hot_spots_skip_dispatchers_and_pass_through_functions():
    spots = [(str(t.frame), round(share, 2)) for t, share in flamegraph.hot_spots(stacks())]
    names = [name for name, _ in spots]
    assert "_run (asyncio/events.py)" not in names  # the event loop only dispatches
    # parse_message hands all of its time to the classifier, the classifier to scipy.
    assert "parse_message (rasa/core/processor.py)" not in names
    assert ("_mul_multivector (scipy/sparse/_compressed.py)", 0.5) in spots
    # Rasa's handle_message splits its time between NLU and saving: a hot spot of its own.
    assert ("handle_message (rasa/core/processor.py)", 0.8) in spots


def test_the_page_and_the_flame_graph(tmp_path):
    raw = tmp_path / "profile.txt"
    raw.write_text(RAW)
    profile.write_outputs(raw, tmp_path, ["a header line"])
    page = (tmp_path / "profile.md").read_text()
    assert "a header line" in page
    assert "| logistic regression | 50.0% |" in page.replace("&nbsp;", "")
    svg = ElementTree.fromstring((tmp_path / "profile.svg").read_text())
    titles = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}title")]
    assert "_mul_multivector (scipy/sparse/_compressed.py): 50 samples, 50.0%" in titles
