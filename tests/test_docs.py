"""The repository cites its own rules page, docs/rules.md, and every anchor it cites exists.

The business rules were first written in a brief kept outside the repository; nothing
in the repository may cite that brief, as a fresh clone cannot follow the reference.
"""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "docs" / "rules.md"
# Spelled in two parts so that this file does not match itself.
BRIEF = re.compile(r"\bDOMAIN" + r"(?:\.md\b|\s+(?:section\s+)?\d)")
CITATION = re.compile(r"docs/rules\.md#([A-Za-z0-9_-]+)")
LOCAL_LINK = re.compile(r"\]\(#([A-Za-z0-9_-]+)\)")
EXCLUDED = ("tests/histories/", ".venv/")


def _files() -> list[Path]:
    """Tracked .py and .md files, plus new ones not yet added (not ignored)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):  # not a git checkout
        out = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*")]
    names = sorted({n for n in out if n.endswith((".py", ".md")) and not n.startswith(EXCLUDED)})
    return [ROOT / n for n in names if (ROOT / n).is_file()]


def github_slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"<[^>]+>", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """Every anchor a Markdown page offers: heading slugs and explicit ids."""
    found = set(re.findall(r"<a\s+(?:id|name)=\"([^\"]+)\"", markdown))
    seen: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", markdown, re.MULTILINE):
        slug = github_slug(heading)
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        found.add(slug if n == 0 else f"{slug}-{n}")
    return found


def test_github_slug_matches_github() -> None:
    assert github_slug("1.4 Third party deductions for rent arrears") == (
        "14-third-party-deductions-for-rent-arrears"
    )
    assert github_slug("2. Managed migration") == "2-managed-migration"
    assert anchors('<a id="apa"></a>\n### 1.3 Alternative Payment Arrangements\n') == {
        "apa",
        "13-alternative-payment-arrangements",
    }


def test_the_files_are_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in _files()}
    assert {"README.md", "docs/rules.md", "domain/rates.py", "tests/test_docs.py"} <= names
    assert not any(n.startswith("tests/histories/") for n in names)


def test_the_pattern_catches_a_citation_of_the_brief() -> None:
    brief = "DOMAIN" + ".md"
    assert BRIEF.search(f"limits ({brief} 1.4)")
    assert BRIEF.search("UC47 (DOMAIN" + " 1.5)")
    assert not BRIEF.search('META_DOMAIN = "casework-domain"')
    assert not BRIEF.search("for d in DOMAINS:")


def test_nothing_cites_the_brief_outside_the_repository() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BRIEF.search(line)
    ]
    assert offenders == [], "cite docs/rules.md#<anchor> instead:\n" + "\n".join(offenders)


def test_the_rules_page_has_the_stable_anchors() -> None:
    offered = anchors(RULES.read_text(encoding="utf-8"))
    stable = {
        "assessment-periods",
        "apa",
        "third-party-deductions",
        "forms",
        "kpis",
        "managed-migration",
        "transitional-protection",
        "ipr",
        "ipr-publication",
        "safeguards",
        "personal-data",
    }
    assert stable <= offered, sorted(stable - offered)


def test_every_cited_anchor_exists() -> None:
    text = RULES.read_text(encoding="utf-8")
    offered = anchors(text)
    cited = [f"docs/rules.md (link): #{a}" for a in LOCAL_LINK.findall(text) if a not in offered]
    cited_anywhere = 0
    for path in _files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for anchor in CITATION.findall(line):
                cited_anywhere += 1
                if anchor not in offered:
                    cited.append(f"{path.relative_to(ROOT)}:{number}: #{anchor}")
    assert cited == [], "no such anchor in docs/rules.md:\n" + "\n".join(cited)
    assert cited_anywhere >= 50  # the code does cite the page
