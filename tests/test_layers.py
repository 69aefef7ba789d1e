"""The interfaces hold no SQL: each state table has one owner module, which they call."""

import ast
import re

import pytest

from tests.support import ROOT

# A statement: a verb with something after it (a lone "create" is a subcommand's name), or a
# transaction's own word.
SQL = re.compile(
    r"^\s*(?:(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER)\s+\S|(BEGIN|COMMIT|ROLLBACK)\b)", re.I
)
INTERFACES = sorted(p.relative_to(ROOT) for folder in ("cli", "web") for p in (ROOT / folder).rglob("*.py"))


def sql_in(path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf-8"))):  # ROOT / absolute = absolute
        if isinstance(node, ast.Attribute) and node.attr in ("execute", "executemany", "executescript"):
            found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value):
            found.append(f"line {node.lineno}: {node.value[:40]!r}")
    return found


@pytest.mark.parametrize("path", INTERFACES, ids=str)
def test_an_interface_module_executes_no_sql(path):
    assert sql_in(path) == []


def test_the_check_would_see_sql_if_there_were_some(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('def f(db):\n    return db.execute("SELECT 1")\n', encoding="utf-8")
    assert len(sql_in(sample)) == 2


PACKAGES = sorted(
    p.relative_to(ROOT)
    for folder in ("alerts", "maintenance", "notify", "jobs", "web", "cli", "wastewatch")
    for p in (ROOT / folder).rglob("*.py")
)


def calls_to(path, names: set[str]) -> list[str]:
    """Calls of functions named `names` (as f() or module.f()) in a module."""
    found = []
    for node in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name in names:
                found.append(f"{path}:{node.lineno} {name}()")
    return found


NOTIFY = ROOT / "notify" / "__init__.py"


def test_every_email_is_queued_through_the_one_notify_path():
    # Rendering and queueing anywhere else would skip the recipient clean-up and threading.
    # A chat message too (enqueue_chat): the routing of notices to channels belongs in notify().
    queuing = {"make_message", "enqueue", "enqueue_chat"}
    queued = [c for p in PACKAGES if p != NOTIFY.relative_to(ROOT) for c in calls_to(p, queuing)]
    # Save one: the outbox folds messages already routed into a digest for the same channel.
    folds = [c for c in queued if c.startswith("notify/outbox.py:") and c.endswith(" enqueue_chat()")]
    assert len(folds) == 1 and [c for c in queued if c not in folds] == []
    assert len(calls_to(NOTIFY, {"make_message", "enqueue"})) == 2


def test_windows_mute_and_people_are_told_in_the_one_reaction_step():
    """The lifecycles only change state; what a change causes is maintenance/reaction.py's:
    muting by a window, the work-order policy, the notices (the sweep also asks whether an
    unplanned stop is covered by a window, before reporting it to the bureau)."""
    reaction = ROOT / "maintenance" / "reaction.py"
    covering = sorted({c.split(":")[0] for p in PACKAGES for c in calls_to(p, {"covering"})})
    assert covering == ["maintenance/reaction.py", "maintenance/sla.py"]
    told = {"mute", "notified", "for_alert", "attach_alert", "alert", "order", "update", "chase", "reminder"}
    lifecycles = [ROOT / "alerts" / "lifecycle.py", *(ROOT / "maintenance" / "work_orders").glob("*.py")]
    notices = {"alert", "order", "chase", "reminder", "escalation", "notify", "mute", "notified", "covering"}
    assert [c for p in lifecycles for c in calls_to(p, notices)] == []
    assert {c.split()[-1] for c in calls_to(reaction, told)} == {f"{name}()" for name in told}


def imports_by_package(root) -> dict[str, set[str]]:
    """{package: the packages it imports}, from the source: a package is a top-level folder
    (`alerts/` is wastewatch.alerts, and so on), or a module of the root (`wastewatch/app.py`)."""
    graph: dict[str, set[str]] = {}
    folders = [p for p in root.iterdir() if p.is_dir() and (p / "__init__.py").exists() and p.name != "tests"]
    for folder in folders:
        for path in folder.rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            package = path.stem if folder.name == "wastewatch" else folder.name
            if package == "__init__":
                continue
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 1 and folder.name == "wastewatch":
                    names = [f"wastewatch.{node.module or node.names[0].name}"]  # `from .service import`
                for name in names:
                    parts = name.split(".")
                    if parts[0] == "wastewatch" and len(parts) > 1 and parts[1] != package:
                        graph.setdefault(package, set()).add(parts[1])
    return graph


def cycle_in(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of `graph` ([a, b, a]), or [] when it has none."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str]:
        if node in path:
            return path[path.index(node) :] + [node]
        if node in done:
            return []
        for target in sorted(graph.get(node, ())):
            found = visit(target, path + [node])
            if found:
                return found
        done.add(node)
        return []

    for node in sorted(graph):
        found = visit(node, [])
        if found:
            return found
    return []


def test_no_package_imports_one_that_imports_it_back():
    graph = imports_by_package(ROOT)
    assert {"alerts", "maintenance", "notify", "jobs", "store", "config"} <= graph.keys() | {"config"}
    assert cycle_in(graph) == []


def test_the_cycle_check_finds_a_cycle_through_three_packages(tmp_path):
    for name, imports in (("alerts", "maintenance"), ("maintenance", "notify"), ("notify", "alerts")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
        (tmp_path / name / "a.py").write_text(f"from wastewatch.{imports} import x\n")
    assert cycle_in(imports_by_package(tmp_path)) == ["alerts", "maintenance", "notify", "alerts"]
