"""Staff test stories (tests/stories/<language>/<topic>.yml): reading them and checking their form.

A story file is Rasa's test story format. Each user step has the citizen's words (`user`) and the
intent the bot must recognise (`intent`); each `action` step is what the bot must do next. Entities
are not annotated: the answer checks verify what the bot says about a named observer or country.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, List, Optional, Set, Tuple

from quality import yamlfile
from quality.common import LANGUAGES, MIN_STORIES_PER_TOPIC_AND_LANGUAGE, STORIES_DIR, TOPICS, relative
from quality.problems import Problem


@dataclass
class Step:
    kind: str          # "intent" (a user step) or "action"
    name: str          # the expected intent or action
    line: int
    turn: int          # 1-based number of the user turn this step belongs to
    text: str = ""     # what the user said (user steps only)


@dataclass
class Story:
    name: str
    path: str          # relative to the repository
    line: int
    language: str
    topic: str
    steps: List[Step] = field(default_factory=list)

    @property
    def key(self) -> Tuple[str, str]:
        return (self.path, self.name)

    def user_turns(self) -> List[Step]:
        return [s for s in self.steps if s.kind == "intent"]

    def intents(self) -> Set[str]:
        return {s.name for s in self.steps if s.kind == "intent"}


def story_files(directory: Path = STORIES_DIR) -> List[Path]:
    return sorted(p for p in Path(directory).rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())


def _language_and_topic(path: Path, directory: Path) -> Tuple[Optional[str], str]:
    parts = path.resolve().relative_to(Path(directory).resolve()).parts
    language = parts[0] if len(parts) == 2 and parts[0] in LANGUAGES else None
    return language, path.stem


def load_file(path: Path, directory: Path = STORIES_DIR,
              staff_layout: bool = True) -> Tuple[List[Story], List[Problem]]:
    """The stories of one file and the problems of its form (each naming its line).

    staff_layout=False reads a file outside tests/stories/ (the core suite tests/test_stories.yml,
    trilingual in one file) without the language-folder and topic-name rules.
    """
    problems: List[Problem] = []
    where = str(path)
    language, topic = _language_and_topic(path, directory) if staff_layout else ("mixed", path.stem)
    if language is None:
        problems.append(Problem(where, None, "a story file must be in a language folder: "
                                f"{relative(directory)}/es/, /pt/ or /en/ (found {relative(path)})"))
        return [], problems
    if staff_layout and topic not in TOPICS:
        problems.append(Problem(where, None, f"unknown topic '{topic}': name the file after one of "
                                f"{', '.join(TOPICS)}"))
    try:
        document = yamlfile.load(path)
    except yamlfile.YamlError as error:
        return [], [Problem(where, error.line, error.message)]
    if not isinstance(document, dict) or not isinstance(document.get("stories"), list):
        return [], [Problem(where, getattr(document, "line", 1), "the file needs a 'stories:' list")]
    stories: List[Story] = []
    seen = {}
    for raw in document["stories"]:
        if not isinstance(raw, dict) or not isinstance(raw.get("story"), str):
            problems.append(Problem(where, getattr(raw, "line", None), "each item needs 'story: <name>'"))
            continue
        story = Story(raw["story"], relative(path), raw.line, language, topic)
        if story.name in seen:
            problems.append(Problem(where, raw.line, f"story '{story.name}' has the same name as the story "
                                    f"at line {seen[story.name]} (names must be unique in a file)"))
        seen[story.name] = raw.line
        problems.extend(_read_steps(raw, story, where))
        stories.append(story)
    return stories, problems


def _read_steps(raw: yamlfile.LineDict, story: Story, where: str) -> List[Problem]:
    problems = []
    steps = raw.get("steps")
    if not isinstance(steps, list) or not steps:
        return [Problem(where, raw.line, f"story '{story.name}': 'steps:' is missing or empty")]
    turn = 0
    for step in steps:
        line = getattr(step, "line", raw.line)
        if not isinstance(step, dict):
            problems.append(Problem(where, line,
                                    f"story '{story.name}': a step must be 'user:'+'intent:' or 'action:'"))
            continue
        if "user" in step or "intent" in step:
            turn += 1
            text, intent = step.get("user"), step.get("intent")
            if not isinstance(text, str) or not text.strip():
                problems.append(Problem(where, line, f"story '{story.name}': step with intent '{intent}' "
                                        "needs 'user:' with what the citizen writes"))
            if not isinstance(intent, str) or not intent.strip():
                problems.append(Problem(where, line, f"story '{story.name}': the user step "
                                        f"{str(text).strip()!r} needs 'intent:'"))
                continue
            story.steps.append(Step("intent", intent.strip(), line, turn, str(text or "").strip()))
        elif "action" in step:
            if turn == 0:
                problems.append(Problem(where, line, f"story '{story.name}': it must start with a user step"))
            story.steps.append(Step("action", str(step["action"]).strip(), line, max(turn, 1)))
        else:
            problems.append(Problem(where, line, f"story '{story.name}': unsupported step "
                                    f"{sorted(step)} (use 'user:' + 'intent:', or 'action:')"))
    if story.steps and story.steps[-1].kind != "action":
        problems.append(Problem(where, story.steps[-1].line, f"story '{story.name}': the last user step "
                                "needs the 'action:' the bot must take"))
    return problems


def load_all(directory: Path = STORIES_DIR) -> Tuple[List[Story], List[Problem]]:
    stories, problems = [], []
    for path in story_files(directory):
        found, issues = load_file(path, directory)
        stories.extend(found)
        problems.extend(issues)
    return stories, problems


def check_against_domain(stories: Iterable[Story], intents: Set[str], actions: Set[str]) -> List[Problem]:
    problems = []
    for story in stories:
        for step in story.steps:
            known = intents if step.kind == "intent" else actions
            if step.name not in known:
                problems.append(Problem(story.path, step.line, f"story '{story.name}': unknown {step.kind} "
                                        f"'{step.name}' (not in domain.yml)"))
    return problems


def check_coverage(stories: List[Story], directory: Path = STORIES_DIR,
                   minimum: int = MIN_STORIES_PER_TOPIC_AND_LANGUAGE) -> List[Problem]:
    """Every topic has at least `minimum` stories per language, each about the topic of its file."""
    problems = []
    for story in stories:
        topic_intents = set(TOPICS.get(story.topic, ("", "", []))[2])
        if topic_intents and not story.intents() & topic_intents:
            problems.append(Problem(story.path, story.line, f"story '{story.name}' has no intent of the "
                                    f"topic '{story.topic}' ({', '.join(sorted(topic_intents))})"))
    for topic in TOPICS:
        for language in LANGUAGES:
            count = sum(1 for s in stories if s.topic == topic and s.language == language)
            if count < minimum:
                path = Path(directory) / language / f"{topic}.yml"
                problems.append(Problem(str(path), None, f"topic '{topic}' has {count} stories in {language}; "
                                        f"at least {minimum} are needed"))
    return problems
