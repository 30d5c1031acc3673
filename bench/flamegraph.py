"""Reading py-spy's samples: the tables of `make profile` and a flame graph (SVG).

py-spy writes "raw" samples as collapsed stacks, one line per distinct stack:
`outer (pkg/mod.py:12);inner (pkg/mod.py:40) 17` (17 samples of that stack,
root first). From those lines this module computes:

- per function, its *own* time (samples where it is the innermost frame) and its
  *total* time (samples where it is anywhere on the stack, counted once);
- per stage of a message (tracker store read, NLU components, policies, ...),
  the share of samples spent inside it (STAGES);
- a flame graph: one box per function on a path, as wide as its total time.

Pure functions, no py-spy needed (tests/test_profile.py).
"""
import html
import re
from collections import Counter
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


@dataclass(frozen=True)
class Frame:
    function: str
    file: str  # as py-spy shortens it: "rasa/core/processor.py", "connectors/guard.py"

    @property
    def package(self) -> str:
        """The top-level package ("rasa", "sqlalchemy", "connectors"), or the file."""
        first = self.file.split("/", 1)[0]
        return first[:-3] if first.endswith(".py") else first

    def __str__(self) -> str:
        return f"{self.function} ({self.file})"


def parse_frame(text: str) -> Frame:
    match = _FRAME.match(text.strip())
    if not match:
        return Frame(text.strip(), "")
    return Frame(match["function"], match["file"])


Stack = Tuple[Frame, ...]


def parse_samples(lines: Iterable[str]) -> Counter:
    """Counter of stacks (root first) from py-spy's raw output."""
    stacks: Counter = Counter()
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            continue
        frames, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        stacks[tuple(parse_frame(f) for f in frames.split(";"))] += int(count)
    return stacks


@dataclass
class FunctionTime:
    frame: Frame
    own: int
    total: int


def function_times(stacks: Counter) -> List[FunctionTime]:
    """Own and total samples per function, the largest total first."""
    own: Counter = Counter()
    total: Counter = Counter()
    for stack, count in stacks.items():
        if not stack:
            continue
        own[stack[-1]] += count
        for frame in set(stack):  # a recursive function counts once per sample
            total[frame] += count
    times = [FunctionTime(frame, own[frame], total[frame]) for frame in total]
    return sorted(times, key=lambda t: (-t.total, -t.own, str(t.frame)))


# The stages of one message, each recognised by a function (and the end of its
# file's path) somewhere on the stack. Shares are of all busy samples; the
# nested ones (indented) are parts of the stage above them.
@dataclass(frozen=True)
class Stage:
    label: str
    matches: Tuple[Tuple[str, str], ...]  # (function, file ending)
    depth: int = 0

    def found_in(self, stack: Stack) -> bool:
        return any(frame.function == function and frame.file.endswith(ending)
                   for frame in stack for function, ending in self.matches)


STAGES: Sequence[Stage] = (
    Stage("REST channel: the request, before Rasa", (("receive", "connectors/rest.py"),)),
    Stage("input guard", (("guard_message", "connectors/guard.py"),), 1),
    Stage("guard: reading the bot's latest buttons", (("offered_buttons", "connectors/guard.py"),), 2),
    Stage("rate limits", (("allow", "connectors/guard.py"),), 1),
    Stage("Rasa: handling the message", (("handle_message", "rasa/core/agent.py"),)),
    Stage("lock store", (("lock", "rasa/core/lock_store.py"),), 1),
    Stage("tracker store: read", (("retrieve", "tracker_store.py"),
                                  ("_retrieve", "tracker_store.py"),
                                  ("get_or_create_tracker", "tracker_store.py")), 1),
    Stage("NLU (parse_message)", (("parse_message", "rasa/core/processor.py"),), 1),
    Stage("spaCy pipeline", (("process", "rasa/nlu/utils/spacy_utils.py"),), 2),
    Stage("count-vector featurizers",
          (("process", "rasa/nlu/featurizers/sparse_featurizer/count_vectors_featurizer.py"),), 2),
    Stage("logistic regression", (("process", "rasa/nlu/classifiers/logistic_regression_classifier.py"),), 2),
    Stage("DIET classifier", (("process", "rasa/nlu/classifiers/diet_classifier.py"),), 2),
    Stage("red-flag guard", (("process", "nlu_components/red_flags.py"),), 2),
    Stage("slot extraction (action_extract_slots)", (("run_action_extract_slots", "rasa/core/processor.py"),), 1),
    Stage("policies (predicting the next action)",
          (("_predict_next_with_tracker", "rasa/core/processor.py"),), 1),
    Stage("RulePolicy", (("predict_action_probabilities", "rasa/core/policies/rule_policy.py"),), 2),
    Stage("MemoizationPolicy", (("predict_action_probabilities", "rasa/core/policies/memoization.py"),), 2),
    Stage("running actions", (("_run_action", "rasa/core/processor.py"),), 1),
    Stage("custom actions: the HTTP call to the action server", (("request", "rasa/utils/endpoints.py"),), 2),
    Stage("custom actions: validating the response", (("_validate_action_result", "action.py"),
                                                      ("_validate_action_result_once_built", "server_patches.py")), 2),
    Stage("responses: filling in the domain's templates", (("generate", "rasa/core/nlg/response.py"),), 2),
    Stage("sending the answer (sources, layout)", (("send_response", "connectors/rest.py"),), 2),
    Stage("tracker store: save", (("save_tracker", "rasa/core/processor.py"),), 1),
)


def stage_shares(stacks: Counter) -> List[Tuple[Stage, float]]:
    total = sum(stacks.values()) or 1
    return [(stage, sum(c for s, c in stacks.items() if stage.found_in(s)) / total)
            for stage in STAGES]


# The frames that only dispatch (the event loop, Sanic, Rasa's message handling,
# Dask's graph runner) are not "hot spots" themselves; a hot spot is a function
# with its own cost, in a dependency or the project, measured with what it calls.
DISPATCH_PACKAGES = {"asyncio", "sanic", "sanic_routing", "runpy", "threading", "dask",
                     "<frozen importlib._bootstrap>", "contextlib", "uvloop"}


def hot_spots(stacks: Counter, frames_below: Optional[str] = None,
              limit: int = 15) -> List[Tuple[FunctionTime, float]]:
    """The functions with the largest total share that are not dispatchers: a function
    is listed only if no single function it calls takes almost all of its time
    (then that callee is the hot spot), so each row is a place where time is spent."""
    total = sum(stacks.values()) or 1
    times = function_times(stacks)
    by_frame = {t.frame: t for t in times}
    callees: Dict[Frame, Counter] = {}
    for stack, count in stacks.items():
        for caller, callee in zip(stack, stack[1:]):
            if caller != callee:
                callees.setdefault(caller, Counter())[callee] += count
    out = []
    for t in times:
        if t.frame.package in DISPATCH_PACKAGES:
            continue
        biggest = max(callees.get(t.frame, Counter()).values(), default=0)
        if biggest > 0.8 * t.total:  # it passes the time on: its callee is the spot
            continue
        out.append((t, t.total / total))
        if len(out) >= limit:
            break
    return out


def own_time_by_package(stacks: Counter) -> List[Tuple[str, float]]:
    total = sum(stacks.values()) or 1
    packages: Counter = Counter()
    for stack, count in stacks.items():
        if stack:
            packages[stack[-1].package] += count
    return [(p, c / total) for p, c in packages.most_common()]


# ---------------------------------------------------------------------------
# The flame graph
# ---------------------------------------------------------------------------
_WIDTH, _ROW, _FONT = 1200, 17, 11


def _tree(stacks: Counter) -> Dict:
    root: Dict = {"count": 0, "children": {}}
    for stack, count in stacks.items():
        root["count"] += count
        node = root
        for frame in stack:
            node = node["children"].setdefault(frame, {"count": 0, "children": {}})
            node["count"] += count
    return root


def _colour(frame: Frame) -> str:
    """Warm colours for dependencies, cool ones for the project's own code."""
    project = {"connectors", "rasa_plugins", "nlu_components", "actions", "clinic", "deploy",
               "common"}
    seed = sum(map(ord, frame.function)) % 60
    if frame.package in project:
        return f"rgb({60 + seed},{140 + seed},{200})"
    if frame.package == "rasa":
        return f"rgb({230},{120 + seed},{50})"
    return f"rgb({220},{70 + seed},{60 + seed // 2})"


def flame_graph_svg(stacks: Counter, title: str) -> str:
    """A flame graph (root at the bottom). Hover a box for its function, file and share."""
    root = _tree(stacks)
    total = root["count"] or 1

    def depth(node: Dict) -> int:
        return 1 + max((depth(c) for c in node["children"].values()), default=0)

    rows = depth(root) - 1
    height = (rows + 3) * _ROW
    scale = (_WIDTH - 20) / total
    boxes: List[str] = []

    def draw(node: Dict, x: float, level: int) -> None:
        for frame, child in sorted(node["children"].items(), key=lambda kv: str(kv[0])):
            width = child["count"] * scale
            if width >= 0.3:  # narrower boxes are invisible anyway
                y = height - (level + 2) * _ROW
                share = 100 * child["count"] / total
                label = html.escape(str(frame))
                text = ""
                chars = int(width / (_FONT * 0.6))
                if chars >= 4:
                    shown = str(frame) if len(str(frame)) <= chars else str(frame)[:chars - 2] + ".."
                    text = (f'<text x="{x + 3:.1f}" y="{y + _ROW - 5}">'
                            f"{html.escape(shown)}</text>")
                boxes.append(f'<g><title>{label}: {child["count"]} samples, {share:.1f}%</title>'
                             f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{_ROW - 1}" '
                             f'fill="{_colour(frame)}" rx="2"/>{text}</g>')
                draw(child, x, level + 1)
            x += width

    draw(root, 10.0, 0)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
            f'font-family="monospace" font-size="{_FONT}">'
            f'<rect width="100%" height="100%" fill="#fafafa"/>'
            f'<text x="10" y="{_ROW}" font-size="{_FONT + 2}">{html.escape(title)}</text>'
            + "".join(boxes) + "</svg>\n")
