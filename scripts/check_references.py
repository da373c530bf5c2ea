#!/usr/bin/python3
"""Checks that the repository explains itself: every document and repository path that the docs,
comments and scripts mention exists in the repository.

usage: check_references.py [REPO_ROOT]   (default: this script's repository; exit 1 on a problem)
       check_references.py --selftest    (plants one breach of each rule in a scratch repository)

Three rules, over every tracked text file (git ls-files; binary data, fixtures and the fuzz corpus
skipped):
1. A `*.md` name resolves inside the repository: relative to the mentioning file's folder (as
   Markdown links are), or a bare name in docs/ or the root (`algorithm.md` means docs/algorithm.md).
2. A path starting at a top-level folder of the repository (`core/src/...`, `tests/tools/...`,
   `docs/...`) exists (a `*` in it must match something; `tests/core/test_x` may name the test
   whose source is `tests/core/test_x.cpp`).
3. `../shared` (the shared data set beside a clone, which CI provides) is read by tests and tools
   only: documentation and the engine never point there, and nothing cites shared/docs.
"""
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
TEXT = (".md", ".cpp", ".hpp", ".h", ".py", ".sh", ".txt", ".cmake", ".json.in", ".qrc", ".ui")
SKIP_PREFIXES = ("fuzz/corpus/", "tests/fixtures/", "resources/demo/pico-llama-2L/", "docs/screenshots/")
# Where ../shared may be read: tests and the tools beside them, benchmarks, fuzz seeds, CI scripts.
SHARED_READERS = ("tests/", "bench/", "fuzz/", "scripts/")

MD = re.compile(r"(?<![\w.-])((?:\.\.?/)*(?:[\w.-]+/)*[\w-]+\.md)\b")
OUTSIDE = re.compile(r"\.\./shared\b|\bshared/docs\b")


def tracked_files():
    git = subprocess.run(["git", "-C", ROOT, "ls-files"], capture_output=True, text=True)
    if git.returncode == 0:
        names = git.stdout.splitlines()
    else:  # a copy without .git: every file but build trees
        names = [os.path.relpath(os.path.join(d, f), ROOT) for d, dirs, files in os.walk(ROOT)
                 for f in files if not os.path.relpath(d, ROOT).startswith(("build", ".git"))]
    for f in names:
        if f.endswith(TEXT) and not f.startswith(SKIP_PREFIXES) and os.path.isfile(os.path.join(ROOT, f)):
            yield f


def exists(path):
    full = os.path.normpath(os.path.join(ROOT, path))
    if "*" in path:
        return bool(glob.glob(full))
    return os.path.exists(full) or os.path.exists(full + ".cpp")  # a test named by its source


def resolve_md(name, where):
    """The repository-relative file a *.md mention names, or None."""
    here = os.path.dirname(where)
    candidates = [os.path.normpath(os.path.join(here, name))]
    if "/" not in name:
        candidates += ["docs/" + name, name]
    elif not name.startswith("."):
        candidates.append(os.path.normpath(name))  # written from the repository root
    for c in candidates:
        if not c.startswith("..") and exists(c):
            return c
    return None


def top_folders_path_pattern():
    top = [d for d in os.listdir(ROOT) if os.path.isdir(os.path.join(ROOT, d)) and d not in (".git", "build")]
    return re.compile(r"(?<![\w./-])((?:" + "|".join(re.escape(d) for d in sorted(top)) + r")/[\w./*-]*[\w*])")


def problems():
    PATH = top_folders_path_pattern()
    for f in tracked_files():
        if f == "scripts/check_references.py":
            continue
        with open(os.path.join(ROOT, f), encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
        for n, line in enumerate(lines, 1):
            at = f"{f}:{n}"
            if OUTSIDE.search(line) and (not f.startswith(SHARED_READERS) or "shared/docs" in line):
                yield at, "points outside the repository: " + OUTSIDE.search(line).group(0)
            for m in MD.finditer(line):
                name = m.group(1)
                if name.startswith("shared/") or "/shared/" in name:
                    continue  # a file of the shared data set: rule 3 decides where it may be named
                if resolve_md(name, f) is None:
                    yield at, f"{name}: no such document in the repository"
            for m in PATH.finditer(line):
                path = m.group(1).rstrip(".")
                if not exists(path):
                    yield at, f"{path}: no such file or folder"


def selftest():
    """One breach of each rule in a scratch repository: all three must be reported."""
    import tempfile
    global ROOT
    with tempfile.TemporaryDirectory() as scratch:
        os.makedirs(os.path.join(scratch, "docs"))
        with open(os.path.join(scratch, "docs", "a.md"), "w") as f:
            f.write("See algorithm.md, [b](b.md), docs/a.md and docs/missing.cpp.\nData: ../shared/models.\n")
        with open(os.path.join(scratch, "docs", "b.md"), "w") as f:
            f.write("Back to [a](a.md).\n")
        subprocess.run(["git", "-C", scratch, "init", "-q"], check=True)
        subprocess.run(["git", "-C", scratch, "add", "."], check=True)
        ROOT = scratch
        found = [what for _, what in problems()]
    expected = ["algorithm.md: no such document in the repository", "docs/missing.cpp: no such file or folder",
                "points outside the repository: ../shared"]
    ok = sorted(found) == sorted(expected)
    print(("selftest ok: " if ok else "selftest FAILED: ") + "; ".join(found))
    return 0 if ok else 1


def main():
    if sys.argv[1:] == ["--selftest"]:
        return selftest()
    global ROOT
    if sys.argv[1:]:
        ROOT = os.path.abspath(sys.argv[1])
    found = list(problems())
    for at, what in found:
        print(f"{at}: {what}")
    print(f"{len(found)} problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
