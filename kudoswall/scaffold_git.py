"""The git side of a new wall: a GitHub Actions workflow, a pull request template, CONTRIBUTING.md.

`kudoswall init` calls `write_git_files`; files that already exist are left alone, so running it
in an existing repository never overwrites a maintainer's own workflow or guide.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .history import git_prefix, run_git

WORKFLOW = """\
# Checks every pull request (problems appear as annotations on the changed lines) and publishes
# the wall to GitHub Pages on every push to the default branch. Written by kudoswall init.
name: kudoswall

on:
  pull_request:{paths}
  push:
    branches: [{branch}]{paths}
  workflow_dispatch:

permissions:
  contents: read

concurrency:
  group: kudoswall-${{{{ github.ref }}}}
  cancel-in-progress: true

jobs:
  check:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest{defaults}
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # the whole history: verified authors and the lock comparison need it
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install kudoswall
      - name: kudoswall check
        run: kudoswall check --format github --base "$(git merge-base HEAD "origin/${{{{ github.base_ref }}}}")"

  build:
    if: github.event_name != 'pull_request'
    runs-on: ubuntu-latest
    permissions:
      contents: write  # to commit kudoswall.lock when the build records newly published kudos{defaults}
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install kudoswall
      - run: kudoswall check --format github --base none
      - run: kudoswall build --output _site
      - name: Record newly published kudos in kudoswall.lock
        run: |
          if [ -n "$(git status --porcelain -- kudoswall.lock)" ]; then
            git config user.name "github-actions[bot]"
            git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
            git add kudoswall.lock
            git commit -m "kudoswall.lock: record newly published kudos"
            git push
          fi
      - uses: actions/configure-pages@v5
      - uses: actions/upload-pages-artifact@v3
        with:
          path: {site}

  deploy:
    needs: build
    runs-on: ubuntu-latest
    permissions:
      pages: write
      id-token: write
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v4
"""

PULL_REQUEST_TEMPLATE = """\
<!-- Thank you for writing a kudos! kudoswall check runs on this pull request. -->

- [ ] I am the writer named in `from:` and I committed this kudos myself
      (the wall may verify this from the commit's author or signature).
- [ ] It says what I saw them do, in my own words, and what it changed.
- [ ] The recipient agrees to it being public (if the wall requires consent, they approve
      in this pull request by adding the `consent:` field - see {contributing}).

To change or withdraw a published kudos, edit its file: never delete it (see {contributing}).
"""

CONTRIBUTING = """\
# Adding a kudos

Everything on this wall is a file in this repository, and every kudos keeps its link for good.

## Three steps

1. **Add yourself** if you are new: copy a file in `content/people/`, name it after your handle
   (`content/people/ada-okafor.yaml`) and fill in your name and headline. To let the wall verify
   that kudos in your name were really written by you, list the email you commit with:
   ```yaml
   identities:
     emails: [ada@example.org]
     github: ada-okafor
   ```
   (Identities are only used to check commits; they are never published on the site.)
2. **Write the kudos**: run `kudoswall new` and answer the questions, or copy a file in
   `content/kudos/` to `content/kudos/<YYYY-MM-DD>-<your-handle>-on-<their-handle>.md`. Say what
   you saw them do and what it changed. Run `kudoswall check` to see any problem.
3. **Open a pull request** from your own account. The check runs on it; problems appear as
   comments on the lines that need a change. Once merged, the wall is published automatically.

## Consent

If `kudoswall.yaml` sets `require_consent: true`, a kudos is published only once its recipient
approves it. The recipient does that in the pull request, by committing this to the kudos' front
matter (with their own handle and the date):

```yaml
consent:
  by: grace-lindqvist
  date: 2025-03-01
```

Until then the kudos is a draft: it shows only in `kudoswall serve --drafts`.

## Changing or withdrawing a kudos

Published links never break, so never delete or rename a kudos file by hand:

- **Edit** the text freely; the page shows that it was edited, and its history.
- **Rename** it with `kudoswall mv OLD-ID NEW-ID`: the old address redirects to the new one.
- **Withdraw** it (the writer): add `status: retracted` (optionally `status_reason:` and
  `status_date: YYYY-MM-DD`). The text disappears everywhere; the link shows that it was retracted.
- **Hide** it (at the recipient's request): add `status: hidden` in the same way.
- **Remove a person** at their request: add `status: removed` to their file; their profile and
  kudos become notices that keep every link working. A new handle: list the old one under
  `aliases:`.

`kudoswall.lock` records every published page; commit it and never edit it by hand.
"""


GITIGNORE_LINES = ("site/", ".site.kudoswall-*", ".kudoswall-cache/")
GITATTRIBUTES_HEADER = ("# kudoswall.lock only ever gains lines, one record each: when two branches both add records\n"
                        "# (two pull requests merged one after the other), git keeps the lines of both.\n")
GITATTRIBUTES_LINES = ("kudoswall.lock merge=union",)


def write_git_settings(root: Path) -> list[Path]:
    """.gitignore (what a build makes) and .gitattributes (the lock's merge rule): made, or the lines
    they lack appended to them; returns the files made."""
    made = []
    for name, header, lines in ((".gitignore", "# Built by kudoswall; never commit it.\n", GITIGNORE_LINES),
                                (".gitattributes", GITATTRIBUTES_HEADER, GITATTRIBUTES_LINES)):
        path = root / name
        if not path.exists():
            with open(path, "x", encoding="utf-8", newline="\n") as out:
                out.write(header + "\n".join(lines) + "\n")
            made.append(path)
            continue
        existing = path.read_text("utf-8", errors="replace")
        missing = [line for line in lines if line not in existing.splitlines()]
        if missing:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(("" if existing.endswith("\n") or not existing else "\n") + "\n".join(missing) + "\n")
    return made


def current_branch(root: Path) -> str:
    """The branch checked out at `root` (the workflow deploys pushes to it), or git's default for a
    new repository, or main."""
    for args in (("symbolic-ref", "--quiet", "--short", "HEAD"), ("config", "init.defaultBranch")):
        name = (run_git(root, *args) or "").strip()
        if name and name.replace("-", "").replace("/", "").replace("_", "").replace(".", "").isalnum():
            return name
    return "main"


def workflow_text(branch: str, wall_dir: str = "") -> str:
    """The Actions workflow; for a wall in `wall_dir` of its repository (a path relative to the
    repository's root, '' for the root), its commands run there and only its changes trigger it."""
    if not wall_dir:
        return WORKFLOW.format(branch=branch, paths="", defaults="", site="_site")
    folder = wall_dir.rstrip("/")
    return WORKFLOW.format(branch=branch, paths=f"\n    paths: [{json.dumps(folder + '/**')}]",
                           defaults=f"\n    defaults:\n      run:\n        working-directory: {json.dumps(folder)}",
                           site=json.dumps(folder + "/_site"))


GITHUB_FILES = (Path(".github/workflows/kudoswall.yml"), Path(".github/pull_request_template.md"))
"""Read by GitHub only at the root of the repository, wherever the wall is in it."""


def git_files(default_branch: str = "main", wall_dir: str = "") -> dict[Path, str]:
    """The workflow, PR template and CONTRIBUTING.md a wall's repository gets, by path: the first
    two (GITHUB_FILES) from the repository's root, CONTRIBUTING.md from the wall's folder."""
    return {
        GITHUB_FILES[0]: workflow_text(default_branch, wall_dir),
        GITHUB_FILES[1]: PULL_REQUEST_TEMPLATE.format(contributing=f"{wall_dir}CONTRIBUTING.md"),
        Path("CONTRIBUTING.md"): CONTRIBUTING,
    }


def write_git_files(root: Path, default_branch: str = "main") -> list[Path]:
    """Write the git files that do not exist yet; return those written, relative to `root` (the
    wall). In a wall below the root of its repository, GITHUB_FILES go to the repository's root."""
    wall_dir = git_prefix(root) or ""
    wall = root.resolve()
    top = wall.parents[len(Path(wall_dir).parts) - 1] if wall_dir else wall
    written = []
    for rel, text in git_files(default_branch, wall_dir).items():
        path = (top if rel in GITHUB_FILES else wall) / rel
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8", newline="\n") as out:
            out.write(text)
        written.append(Path(os.path.relpath(path, wall)))
    return written
