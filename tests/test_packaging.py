"""What `pip install .` puts on a machine: one top-level name, `wastewatch`, with its data files."""

import shutil
import subprocess
import sys
import tomllib
import zipfile

from tests.support import ROOT


def source_copy(folder):
    """The checkout's files (tracked, and new ones not ignored) in a folder of their own:
    setuptools builds in the source tree, and a stale build/ there could hide a missing file."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.splitlines()
    for name in listed:
        if (ROOT / name).is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, folder / name)
    return folder


def test_the_wheel_installs_wastewatch_and_nothing_else_at_the_top(tmp_path):
    source = source_copy(tmp_path / "source")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path / "dist"),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = (tmp_path / "dist").glob("wastewatch-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"wastewatch"}
    [top_level] = [n for n in names if n.endswith("top_level.txt")]
    assert zipfile.ZipFile(wheel).read(top_level).decode().split() == ["wastewatch"]
    for data in (
        "wastewatch/config/rules.toml",
        "wastewatch/config/standards/db51-2626-2019.toml",
        "wastewatch/notify/templates/zh-CN/alert-body.txt",
        "wastewatch/web/templates/order.html",
        "wastewatch/web/help/zh-CN.md",
        "wastewatch/web/templates/console/help.html",
        "wastewatch/cli/main.py",
        "wastewatch/__main__.py",
        "wastewatch/store/migrations/env.py",
        "wastewatch/config/locale/zh_CN/LC_MESSAGES/wastewatch.po",
        "wastewatch/store/migrations/versions/0001_first_wave.py",
    ):
        assert data in names, data
    # Every module of the checkout travels: a subpackage left out of pyproject's list (as
    # maintenance/lab once was) imports from a checkout and fails only once installed.
    folders = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    for package, folder in folders.items():
        tracked = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", f"{folder}/*.py"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        for module in tracked:
            inside = package.replace(".", "/") + module[len(folder) :]
            if package == "wastewatch":
                inside = module
            assert inside in names, f"{module} is not in the wheel (pyproject [tool.setuptools] packages)"
    # Installed into a folder of its own, it imports from there (not from this checkout).
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    probe = (
        "import wastewatch.cli.main, wastewatch.alerts.rules as r, wastewatch.config.loader as c; "
        "print(wastewatch.cli.main.__file__); print(r.load_rules(c.SHIPPED / "
        "'rules.toml').quarantine.severity); "
        # The migrations travel with the package: a new state database is made from them.
        "import wastewatch.store.state as s; print(s.revision(s.connect('state.db')) == s.head())"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    where, severity, migrated = done.stdout.split()
    assert where.startswith(str(target)) and severity == "warning" and migrated == "True"


def test_setup_installs_once_and_says_nothing_while_pyproject_is_unchanged():
    """The demo and the test command run scripts/setup.sh every time: once the virtualenv holds
    this pyproject.toml's and lock's install (the stamp), it installs nothing and prints nothing (it used
    to print some 420 lines of setuptools warnings before the demo's logins on every run)."""
    if not (ROOT / ".venv" / ".installed").exists():  # a virtualenv from before the stamp
        subprocess.run(
            ["bash", "scripts/setup.sh", "test"], cwd=ROOT, check=True, capture_output=True, timeout=900
        )
    stamp = (ROOT / ".venv" / ".installed").read_text().split()
    installed = b"".join(
        path.read_bytes()
        for path in [ROOT / "pyproject.toml", *sorted((ROOT / "requirements").glob("*.txt"))]
    )
    assert stamp[0] == __import__("hashlib").sha256(installed).hexdigest()
    again = subprocess.run(
        ["bash", "scripts/setup.sh"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0 and again.stdout == "" and again.stderr == "", again.stderr[-2000:]


def pins(lock):
    """{name: (version, hashes)} from a lock file written by scripts/lock.sh."""
    from packaging.utils import canonicalize_name

    found = {}
    name = None
    for line in (ROOT / "requirements" / lock).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith((" ", "#")):
            name, _, version = line.rstrip(" \\").partition("==")
            found[canonicalize_name(name)] = (version, [])
        elif line.strip().startswith("--hash=sha256:"):
            found[canonicalize_name(name)][1].append(line.strip())
    return found


def test_the_lock_files_pin_every_dependency_within_pyproject_with_hashes():
    """The lock is what setup.sh, CI and the install guide install: a dependency added to
    pyproject.toml and not locked, or a lock the ranges no longer admit, fails here (run
    scripts/lock.sh)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    service, test = pins("service.txt"), pins("test.txt")
    wanted = {
        "service.txt": project["dependencies"] + extras["postgresql"] + extras["influxdb"],
        "test.txt": project["dependencies"] + extras["postgresql"] + extras["influxdb"] + extras["test"],
    }
    for lock, found in (("service.txt", service), ("test.txt", test)):
        for line in wanted[lock]:
            requirement = Requirement(line)
            name = canonicalize_name(requirement.name)
            assert name in found, f"{requirement.name} is not in requirements/{lock}"
            assert requirement.specifier.contains(found[name][0]), (
                f"{lock}: {name}=={found[name][0]} not {line}"
            )
        assert all(hashes for _, hashes in found.values()), f"a pin in {lock} has no hash"
    # One set of versions: the service runs with what the tests passed with.
    assert {name: pin[0] for name, pin in service.items()} == {name: test[name][0] for name in service}
