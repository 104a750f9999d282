"""Fixtures: the flagc binary of this checkout, and projects built with it into real bundles."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "bindings" / "python"))


def flagc_binary() -> Path:
    explicit = os.environ.get("FLAGC_BIN")
    if explicit:
        return Path(explicit)
    for configuration in ("debug", "release"):
        candidate = REPO / ".build" / configuration / "flagc"
        if candidate.is_file():
            return candidate
    pytest.skip("no flagc binary: run `swift build --product flagc` (or set FLAGC_BIN)")


def run_flagc(*arguments, cwd, stdin=None) -> str:
    completed = subprocess.run([str(flagc_binary()), *arguments], cwd=cwd, input=stdin, capture_output=True,
                               text=True)
    if completed.returncode not in (0, 1) or (completed.returncode == 1 and not completed.stdout):
        raise AssertionError(f"flagc {' '.join(arguments)} failed ({completed.returncode}): {completed.stderr}")
    return completed.stdout


class Project:
    """A flagc project in a temporary folder: its flags YAML, one target `t`, keys, and the bundle."""

    def __init__(self, root: Path, flags_yaml: str, environment: str):
        self.root = root
        (root / "flags").mkdir()
        (root / "targets").mkdir()
        (root / "flags" / "flags.yaml").write_text(flags_yaml)
        (root / "targets" / "t.yaml").write_text(
            f"environment: {environment}\nflags: [\"*\"]\nrecipients: [keys/t.recipient.pub]\nexpiresAfter: 30d\n")
        run_flagc("keys", "init", cwd=root)
        run_flagc("keys", "recipient", "t", cwd=root)
        run_flagc("build", cwd=root)
        self.bundle = root / "out" / "t" / "flags.bundle"
        self.root_key = root / "keys" / "root.pub"
        self.recipient_key = root / "keys" / "t.recipient.key"

    def eval_lines(self, contexts, at=None):
        """`flagc eval --contexts` over `contexts` (JSON texts): one dict of flag -> result per line."""
        arguments = ["eval", str(self.bundle), "--contexts", "-", "--root-key", str(self.root_key),
                     "--key", str(self.recipient_key)]
        if at:
            arguments += ["--at", at]
        output = run_flagc(*arguments, cwd=self.root, stdin="".join(text + "\n" for text in contexts))
        rows = [json.loads(line) for line in output.splitlines()]
        assert len(rows) == len(contexts)
        return [{result["flag"]: result for result in row.get("results", [])} for row in rows]


@pytest.fixture(scope="session")
def example_project():
    """The repository's own example project, built by .ci/example into out/dev."""
    bundle = REPO / "out" / "dev" / "flags.bundle"
    if not bundle.is_file():
        subprocess.run(["bash", str(REPO / ".ci" / "example")], check=True, capture_output=True)
    return REPO
