"""The post-generation hook: the `.env` it writes with fresh secrets, which a rebake or an
update never overwrites, and the files it prunes for the answers not chosen.

The unit tests call the hook's functions directly (tests/support.py imports it); the bake
tests run it for real through the cookiecutter CLI.
"""

import base64
import json
import os
import re
import stat
from pathlib import Path

import pytest

from tests.support import BakeOnce, post_gen
from tools.baking import TEMPLATE_DIR, Variant, bake, default_answers, dotenv

VALID_ANSWERS = default_answers()
TEMPLATED_PROJECT = TEMPLATE_DIR / "{{cookiecutter.project_slug}}"

# --- post_gen_project: .env ------------------------------------------------------------------

EXAMPLE = (
    "# Signs the JWTs.\n"
    "# SECRET_KEY=commented-out\n"
    "SECRET_KEY=change-me\n"
    "OTHER_SECRET_KEY=keep-me\n"
    "FIRST_ADMIN_EMAIL=jane@example.com\n"
    "FIRST_ADMIN_PASSWORD=change-me\n"
    "LOG_LEVEL=INFO\n"
)
NEW_VALUES = {"SECRET_KEY": "s3cret", "FIRST_ADMIN_PASSWORD": "pa55word"}


def token_bits(token: str) -> int:
    """Return how many random bits a ``secrets.token_urlsafe`` value carries."""
    return 8 * len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def test_generated_secret_key_has_at_least_256_bits() -> None:
    assert token_bits(post_gen.generate_secrets(VALID_ANSWERS)["SECRET_KEY"]) >= 256


def test_generated_admin_password_meets_password_policy() -> None:
    password = post_gen.generate_secrets(VALID_ANSWERS)["FIRST_ADMIN_PASSWORD"]

    assert 8 <= len(password) <= 128
    assert token_bits(password) >= 128


def test_generated_admin_password_is_never_letters_only(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter(["OnlyLettersHereAbcdefghi", "Mixed-with_digits0123456"])
    monkeypatch.setattr(post_gen.secrets, "token_urlsafe", lambda _: next(draws))

    assert post_gen.generate_password() == "Mixed-with_digits0123456"


def test_generated_secrets_differ_between_calls() -> None:
    first, second = post_gen.generate_secrets(VALID_ANSWERS), post_gen.generate_secrets(
        VALID_ANSWERS
    )

    assert first["SECRET_KEY"] != second["SECRET_KEY"]
    assert first["FIRST_ADMIN_PASSWORD"] != second["FIRST_ADMIN_PASSWORD"]


def test_generated_secrets_need_no_quoting_in_dotenv() -> None:
    for value in post_gen.generate_secrets(VALID_ANSWERS).values():
        assert re.fullmatch(r"[A-Za-z0-9_-]+", value)


def test_render_env_replaces_only_the_values_of_the_given_keys() -> None:
    rendered = post_gen.render_env(EXAMPLE, NEW_VALUES)

    assert rendered == (
        EXAMPLE.replace("SECRET_KEY=change-me\n", "SECRET_KEY=s3cret\n", 1).replace(
            "FIRST_ADMIN_PASSWORD=change-me", "FIRST_ADMIN_PASSWORD=pa55word"
        )
    )
    assert "# SECRET_KEY=commented-out\n" in rendered
    assert "OTHER_SECRET_KEY=keep-me\n" in rendered
    assert "FIRST_ADMIN_EMAIL=jane@example.com\n" in rendered


def test_render_env_keeps_crlf_line_endings() -> None:
    crlf_example = EXAMPLE.replace("\n", "\r\n")

    rendered = post_gen.render_env(crlf_example, NEW_VALUES)

    assert "SECRET_KEY=s3cret\r\n" in rendered
    assert rendered.count("\r\n") == crlf_example.count("\r\n")


@pytest.mark.parametrize("key", ["SECRET_KEY", "FIRST_ADMIN_PASSWORD"])
def test_render_env_fails_when_a_required_key_is_missing(key: str) -> None:
    example = re.sub(rf"^{key}=.*\n", "", EXAMPLE, flags=re.MULTILINE)

    with pytest.raises(post_gen.EnvTemplateError, match=key):
        post_gen.render_env(example, NEW_VALUES)


def test_render_env_does_not_count_a_commented_key_as_present() -> None:
    example = EXAMPLE.replace("SECRET_KEY=change-me\n", "")

    with pytest.raises(post_gen.EnvTemplateError, match="SECRET_KEY"):
        post_gen.render_env(example, NEW_VALUES)


def test_write_env_fills_secrets_into_the_template_env_example(tmp_path: Path) -> None:
    example = TEMPLATE_DIR / "{{cookiecutter.project_slug}}" / ".env.example"
    (tmp_path / ".env.example").write_bytes(example.read_bytes())

    assert post_gen.write_env(tmp_path, VALID_ANSWERS) is True

    written, original = dotenv(tmp_path / ".env"), dotenv(tmp_path / ".env.example")
    assert token_bits(written.pop("SECRET_KEY")) >= 256
    assert len(written.pop("FIRST_ADMIN_PASSWORD")) >= 8
    del original["SECRET_KEY"], original["FIRST_ADMIN_PASSWORD"]
    assert written == original


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_write_env_makes_env_readable_by_its_owner_only(tmp_path: Path) -> None:
    (tmp_path / ".env.example").write_text(EXAMPLE, encoding="utf-8")

    post_gen.write_env(tmp_path, VALID_ANSWERS)

    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600


def test_write_env_twice_gives_different_secrets(tmp_path: Path) -> None:
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / ".env.example").write_text(EXAMPLE, encoding="utf-8")
        post_gen.write_env(tmp_path / name, VALID_ANSWERS)

    one, two = dotenv(tmp_path / "one" / ".env"), dotenv(tmp_path / "two" / ".env")
    assert one["SECRET_KEY"] != two["SECRET_KEY"]
    assert one["FIRST_ADMIN_PASSWORD"] != two["FIRST_ADMIN_PASSWORD"]


def test_write_env_leaves_an_existing_env_untouched(tmp_path: Path) -> None:
    (tmp_path / ".env.example").write_text(EXAMPLE, encoding="utf-8")
    (tmp_path / ".env").write_text("SECRET_KEY=my-own-secret\n", encoding="utf-8")

    assert post_gen.write_env(tmp_path, VALID_ANSWERS) is False
    assert (tmp_path / ".env").read_text(encoding="utf-8") == "SECRET_KEY=my-own-secret\n"


def test_write_env_writes_nothing_when_a_key_is_missing(tmp_path: Path) -> None:
    (tmp_path / ".env.example").write_text("SECRET_KEY=change-me\n", encoding="utf-8")

    with pytest.raises(post_gen.EnvTemplateError):
        post_gen.write_env(tmp_path, VALID_ANSWERS)
    assert not (tmp_path / ".env").exists()


def test_no_secrets_are_generated_without_authentication() -> None:
    assert post_gen.generate_secrets({**VALID_ANSWERS, "auth": "none"}) == {}


def test_prune_removes_paths_of_other_answers_and_the_folders_left_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ci/deep").mkdir(parents=True)
    (tmp_path / "ci/deep/workflow.yml").write_text("on: push\n", encoding="utf-8")
    (tmp_path / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    monkeypatch.setattr(
        post_gen,
        "KEPT_WHEN",
        {post_gen.gitlab_ci: ("ci/deep/workflow.yml",), post_gen.docker: ("Dockerfile",)},
    )

    removed = post_gen.prune(tmp_path, VALID_ANSWERS)

    assert removed == ["ci/deep/workflow.yml"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile"]


def test_prune_keeps_a_path_whose_condition_joins_questions_only_when_it_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "test_items.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "test_items_public.py").write_text("x = 1\n", encoding="utf-8")

    def public_items(answers: post_gen.Answers) -> bool:
        return post_gen.example_resource(answers) and not post_gen.jwt(answers)

    monkeypatch.setattr(
        post_gen,
        "KEPT_WHEN",
        {post_gen.example_resource: ("test_items.py",), public_items: ("test_items_public.py",)},
    )

    post_gen.prune(tmp_path, VALID_ANSWERS)

    assert [p.name for p in tmp_path.iterdir()] == ["test_items.py"]


def test_prune_twice_changes_nothing_the_second_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    monkeypatch.setattr(post_gen, "KEPT_WHEN", {post_gen.docker: ("Dockerfile",)})
    post_gen.prune(tmp_path, {**VALID_ANSWERS, "docker": "no"})

    assert post_gen.prune(tmp_path, {**VALID_ANSWERS, "docker": "no"}) == []
    assert list(tmp_path.iterdir()) == []


def test_every_path_the_rules_name_is_in_the_template_once() -> None:
    named = [path for paths in post_gen.KEPT_WHEN.values() for path in paths]

    assert [path for path in named if not (TEMPLATED_PROJECT / path).exists()] == []
    assert len(named) == len(set(named))


def test_post_gen_main_fails_loudly_when_a_key_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".env.example").write_text("SECRET_KEY=change-me\n", encoding="utf-8")
    context = {**VALID_ANSWERS, "_template": "gh:org/repo"}
    monkeypatch.setattr(post_gen, "CONTEXT_JSON", json.dumps(context))
    monkeypatch.chdir(tmp_path)

    assert post_gen.main() == 1
    assert "has no line for FIRST_ADMIN_PASSWORD" in capsys.readouterr().err


# --- Real bakes --------------------------------------------------------------------------------


def test_two_bakes_get_different_secret_keys(bake_once: BakeOnce, tmp_path: Path) -> None:
    first, second = bake_once(), bake(tmp_path)

    first_key = dotenv(first / ".env")["SECRET_KEY"]
    second_key = dotenv(second / ".env")["SECRET_KEY"]
    assert first_key != second_key
    assert "change-me" not in (first_key, second_key)


def test_bake_keeps_placeholders_in_env_example(bake_once: BakeOnce) -> None:
    example = dotenv(bake_once(author_email="ada@example.org") / ".env.example")

    assert example["SECRET_KEY"] == "change-me"
    assert example["FIRST_ADMIN_PASSWORD"] == "change-me"
    assert example["FIRST_ADMIN_EMAIL"] == "ada@example.org"


def test_bake_env_keeps_the_first_admin_email(bake_once: BakeOnce) -> None:
    env = dotenv(bake_once(author_email="ada@example.org") / ".env")

    assert env["FIRST_ADMIN_EMAIL"] == "ada@example.org"
    assert env["FIRST_ADMIN_PASSWORD"] != "change-me"


def test_rebake_over_existing_project_keeps_its_env(tmp_path: Path) -> None:
    project = bake(tmp_path)
    env_before = (project / ".env").read_bytes()

    bake(tmp_path, "--overwrite-if-exists")

    assert (project / ".env").read_bytes() == env_before


def files_of(root: Path, relative: str = "") -> set[str]:
    """The files under `root / relative` (a file or a folder), relative to `root`."""
    path = root / relative
    if path.is_file():
        return {relative}
    return {
        str(f.relative_to(root))
        for f in path.rglob("*")
        if f.is_file() and "__pycache__" not in f.parts
    }


def test_a_bake_lacks_exactly_the_template_files_its_answers_leave_out(
    baked: Path, variant: Variant
) -> None:
    left_out = {
        name
        for keep, paths in post_gen.KEPT_WHEN.items()
        if not keep(variant)
        for path in paths
        for name in files_of(TEMPLATED_PROJECT, path)
    }

    missing = {name for name in files_of(TEMPLATED_PROJECT) if not (baked / name).exists()}

    assert missing == left_out
