"""The README tells the truth: every `$ iris-nn ...` example in it, and in the pages of `docs/`, runs
and prints what it shows.

The examples run in the order of `PAGES` (the README first, then each page of `docs/`), in one
scratch directory holding `configs/` and `examples/` (as a user's checkout does), so each sees the
runs the ones before it made. Run names, dates and timings are normalised; progress lines on stderr
are left out, `Error:` and `Warning:` lines kept. A block preceded by
`<!-- not run by the README test: REASON -->` is skipped (the reason is read).
"""

import importlib.util
import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from iris_nn.cli import cli

ROOT = Path(__file__).parents[1]
SKIP = re.compile(r"<!-- not run by the README test: (?P<why>[^>]+) -->\n$")
BLOCK = re.compile(r"^```[a-z]*\n(.*?)^```", re.S | re.M)
# The README, then the reference pages it links to, in an order in which every page's examples
# find the runs they use (a page's own runs are made on that page; none uses another page's).
PAGES = (
    "README.md",
    "docs/other-data.md",
    "docs/cross-validation.md",
    "docs/errors.md",
    "docs/code.md",
    "docs/performance.md",
    "docs/large-data.md",
    "docs/development.md",
)


def examples() -> list[tuple[str, str]]:
    """Return ``(command, expected output)`` of every ``$ `` line in the code blocks of ``PAGES``."""
    return [found for page in PAGES for found in page_examples((ROOT / page).read_text())]


def page_examples(text: str) -> list[tuple[str, str]]:
    """Return ``(command, expected output)`` of every ``$ `` line in ``text``'s code blocks."""
    found = []
    for block in BLOCK.finditer(text):
        before = text[: block.start()].rsplit("\n\n", 1)[-1]
        if SKIP.search(before):
            continue
        command, output = None, []
        for line in block.group(1).splitlines():
            if line.startswith("$ "):
                if command is not None:
                    found.append((command, "\n".join(output).strip("\n")))
                command, output = line[2:], []
            elif command is not None:
                output.append(line)
        if command is not None:
            found.append((command, "\n".join(output).strip("\n")))
    return found


def normalise(text: str) -> str:
    """Return ``text`` with run names, dates, timings and the last float digits made alike."""
    text = re.sub(r"\b([A-Za-z0-9][\w.-]*?)-\d{8}-\d{6}(-\d+)?\b", r"\1-<time>", text)
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "<date>", text)
    text = re.sub(r"\bin \d+(\.\d+)? s\b", "in <t> s", text)
    text = re.sub(r"\(\d+(\.\d+)? s in all\)", "(<t> s in all)", text)
    # compare's table has a row of timings
    text = re.sub(
        r"^train time \(s\)[ \d.-]*", lambda m: re.sub(r" +[\d.-]+", " <t>", m[0]), text, flags=re.M
    )
    # full-precision floats differ in the last digits between BLAS kernels: compare 10 of them
    text = re.sub(r"-?\d+\.\d{9,}(e[-+]\d+)?", lambda m: f"{float(m.group()):.10g}", text)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


def shown(result) -> str:
    """Return what the README shows of a command: stdout, then its Error and Warning lines."""
    notes = [
        line
        for line in result.stderr.splitlines()
        if line.startswith(("Error:", "Warning:", "Note:"))
    ]
    return "\n".join([result.stdout.rstrip("\n"), *notes]).strip("\n")


EXAMPLES = examples()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """Return the output of every example, run in order in one scratch checkout."""
    home = tmp_path_factory.mktemp("readme")
    for folder in ("configs", "examples"):
        shutil.copytree(ROOT / folder, home / folder)
    results = []
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(home)
        for command, _ in EXAMPLES:
            words = shlex.split(command)
            if words[0] == "cat":
                results.append((home / words[1]).read_text())
            else:
                assert words[0] == "iris-nn", command
                results.append(shown(CliRunner().invoke(cli, words[1:])))
    return results


def test_the_readme_has_examples():
    assert len(EXAMPLES) >= 10
    # the lesson comes first: its commands use the run this one makes
    assert EXAMPLES[0][0] == "iris-nn train -c configs/lesson.toml --name lesson"


def test_the_lesson_comes_first():
    """A newcomer meets the lesson's numbers (SoftMax 0.684 of the lesson's flower) within the
    first 150 lines, after the set-up commands and the table of contents."""
    lines = (ROOT / "README.md").read_text().splitlines()
    first = next(i for i, line in enumerate(lines) if "0.684" in line)
    assert first < 150
    headings = [line for line in lines if line.startswith("## ")]
    assert headings[:3] == ["## Set up", "## Contents", "## The lesson by hand"]


def test_every_page_of_docs_is_tested_and_linked():
    """Every ``docs/*.md`` is in ``PAGES`` (so its examples run) and linked from the README; every
    link between the pages leads to a page that exists, and every ``#anchor`` to a heading."""
    pages = {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")}
    assert pages == set(PAGES[1:])
    readme = (ROOT / "README.md").read_text()
    for page in pages:
        assert f"]({page})" in readme, page
    for page in PAGES:
        text = (ROOT / page).read_text()
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target) or target.endswith((".png", ".gif")):
                continue
            path, _, anchor = target.partition("#")
            linked = (ROOT / page).parent / path if path else ROOT / page
            assert linked.is_file(), (page, target)
            if anchor:
                assert anchor in anchors(linked.read_text()), (page, target)


def anchors(text: str) -> set[str]:
    """Return the ``#anchor`` of every heading of a Markdown page, as GitHub makes them."""
    headings = re.findall(r"^#+ (.+)$", re.sub(BLOCK, "", text), re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


@pytest.mark.slow  # every example in turn: a minute of training and drawing on a busy machine
@pytest.mark.parametrize(("index", "command"), [(i, c) for i, (c, _) in enumerate(EXAMPLES)])
def test_readme_example(outputs, index, command):
    expected = EXAMPLES[index][1]
    assert normalise(outputs[index]) == normalise(expected), command


@pytest.mark.slow  # trains and draws the README's runs, as the examples above do
def test_the_python_section_runs_as_doctests(tmp_path, monkeypatch):
    """The README's "Python" section: its `>>>` examples run in order in a scratch checkout."""
    import doctest

    section = (ROOT / "README.md").read_text().split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    section = re.sub(r"^```.*$", "", section, flags=re.M)  # a fence ends an example's output
    for name in ("train", "load", "predict_proba", "explain", "figure", "evaluate", "save"):
        assert f".{name}(" in section, name
    for folder in ("configs", "examples"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    test = doctest.DocTestParser().get_doctest(section, {}, "README: Python", "README.md", 0)
    assert len(test.examples) >= 15
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    assert runner.run(test, out=report.append).failed == 0, "".join(report)
    assert (tmp_path / "outputs" / "py" / "report.html").is_file()


def pictures_shown() -> set[str]:
    """Return the name of every picture the README and the pages of ``docs/`` show."""
    shown = set(re.findall(r"!\[[^\]]*\]\(docs/([^)]+)\)", (ROOT / "README.md").read_text()))
    for page in PAGES[1:]:
        shown |= set(re.findall(r"!\[[^\]]*\]\(([^)/]+)\)", (ROOT / page).read_text()))
    return shown


@pytest.mark.slow  # trains the default run three times and draws every figure and the GIF
def test_make_figures_makes_every_picture_the_readme_shows(tmp_path):
    """``docs/make_figures.py`` remakes each ``docs/`` picture the README and the pages of ``docs/``
    show, at the committed picture's size (pixels differ between machines; names and sizes do not).
    """
    from PIL import Image

    spec = importlib.util.spec_from_file_location("make_figures", ROOT / "docs" / "make_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made = {p.name for p in module.main(tmp_path)}
    shown = {name for name in pictures_shown() if not name.startswith("playground-")}
    assert shown and shown <= made
    for name in shown:
        with Image.open(tmp_path / name) as new, Image.open(ROOT / "docs" / name) as old:
            assert new.size == old.size, name


def test_the_readme_gives_the_default_animation_one_frame_count():
    """Every "N frames" the README and its pages say of the default run is the GIF's own count."""
    from PIL import Image

    text = "\n".join((ROOT / page).read_text() for page in PAGES)
    found = re.findall(
        r"GIF has (\d+) frames|\| [\d.]+ s \((\d+) frames\), peak \d+ MB \|$", text, re.M
    )
    said = {int(a or b) for a, b in found}
    # the animation section, and the default run's column of docs/large-data.md's timings
    assert len(found) == 2
    with Image.open(ROOT / "docs" / "training.gif") as gif:
        assert said == {gif.n_frames}


@pytest.mark.slow
def test_make_screenshots_makes_every_playground_picture_the_readme_shows(tmp_path):
    """``docs/make_screenshots.py`` takes each ``docs/playground-*.png`` the README shows, at the
    committed picture's size."""
    import os

    from PIL import Image

    chromium = os.environ.get("IRIS_NN_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists() and not os.environ.get("CI"):
        pytest.skip(f"no Chromium at {chromium}: the screenshots skip outside CI")
    path = ROOT / "docs" / "make_screenshots.py"
    spec = importlib.util.spec_from_file_location("make_screenshots", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made = {p.name for p in module.main(tmp_path)}
    readme = (ROOT / "README.md").read_text()
    shown = set(re.findall(r"!\[[^\]]*\]\(docs/(playground-[^)]+)\)", readme))
    assert len(shown) == 4 and shown <= made
    for name in shown:
        with Image.open(tmp_path / name) as new, Image.open(ROOT / "docs" / name) as old:
            assert new.size == old.size, name
