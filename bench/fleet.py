"""The benchmarks' config: N village sites and their contractors, in one TOML file."""

import dataclasses
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (mean, spread) of the report benchmarks' readings, normal and kept positive.
TYPICAL = {
    "flow": (2.0, 0.6),
    "cod": (35.0, 8.0),
    "nh3n": (4.0, 1.5),
    "tp": (0.8, 0.3),
    "ph": (7.2, 0.3),
    "water_temp": (16.0, 3.0),
}


class Fixed:
    """A clock stopped at `now`, which a worker process can be handed (a lambda cannot be
    pickled): the pages of a generated history read as on its last day."""

    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


# The benchmarks use the tests' real parts (the mail server, PostgreSQL databases).
sys.path.insert(0, str(ROOT))


def write_config(
    folder: Path,
    head: str,
    sites: int,
    metrics: tuple[str, ...],
    interval_s: int = 300,
    capacities: tuple[float, ...] = (50.0,),
    contractors: int = 1,
    site_extra=None,
    site_metrics=None,
) -> Path:
    """`head`: the sections before the sites. Site s is `s0000`…, its operator `o<s>@example.cn`,
    its capacity capacities[s % len] and its contractor `c` (or `c<s % contractors>`);
    site_extra(s): more TOML lines for site s; site_metrics(s): its metrics, if not `metrics`."""
    ids = ["c"] if contractors == 1 else [f"c{c}" for c in range(contractors)]
    lines = [head] + [f'[[contractors]]\nid = "{c}"\nname = "{c}"\nemail = "{c}@example.cn"\n' for c in ids]
    for s in range(sites):
        table = ", ".join(f"{m} = {interval_s}" for m in (site_metrics(s) if site_metrics else metrics))
        lines.append(
            f'[[sites]]\nid = "s{s:04d}"\nname = "site {s}"\ntown = "t"\n'
            f'capacity_m3d = {capacities[s % len(capacities)]}\nreceiving_water = "III"\n'
            f'contractor = "{ids[s % len(ids)]}"\noperators = ["o{s}@example.cn"]\n'
            f"metrics = {{ {table} }}\n" + (site_extra(s) if site_extra else "")
        )
    path = folder / "bench.toml"
    path.write_text("\n".join(lines))
    return path


@contextmanager
def state_databases(engine: str, count: int):
    """`count` state databases for a benchmark: None each for the embedded SQLite file, or
    new PostgreSQL databases on the local server (dropped after), as URLs."""
    if engine == "sqlite":
        yield [None] * count
        return
    from tests.support import postgres_database

    with ExitStack() as stack:
        yield [stack.enter_context(postgres_database()) for _ in range(count)]


def database_toml(url: str | None) -> str:
    return f'[database]\nurl = "{url}"\n' if url else ""


def with_database(config, url: str | None):
    """The config with its state database at `url` (None: the SQLite file)."""
    database = config.file.database.model_copy(update={"url": url})
    return dataclasses.replace(config, file=config.file.model_copy(update={"database": database}))


def _tree(pid: int) -> list[int]:
    """pid and every process under it, from /proc."""
    found, queue = [], [pid]
    while queue:
        p = queue.pop()
        found.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                queue += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def measured_tree(argv: list[str], every: float = 0.05) -> tuple[float, float, float, float, str]:
    """Run Python (`argv`: a script and its arguments) in a fresh process that starts processes
    of its own: seconds, the peak of the whole tree's resident memory (all its processes at
    once, sampled every `every` s), the largest the first process and any one of the others
    reached, in MB, and its stdout."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, *argv], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    tree_peak = main_peak = child_peak = 0
    while process.poll() is None:
        main, *children = [_rss_kb(p) for p in _tree(process.pid)] or [0]
        tree_peak = max(tree_peak, main + sum(children))
        main_peak, child_peak = max(main_peak, main), max(child_peak, max(children, default=0))
        time.sleep(every)
    seconds = time.perf_counter() - started
    output = process.stdout.read()
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, "measured_tree", output)
    return seconds, tree_peak / 1024, main_peak / 1024, child_peak / 1024, output


def measured(code: str) -> tuple[float, float, str]:
    """Run Python code in a fresh process: seconds, peak RSS in MB, its stdout."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the parent that forked us.
    runner = code + (
        "\nprint('PEAK', next(int(line.split()[1]) for line in open('/proc/self/status') "
        "if line.startswith('VmHWM:')))\n"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", runner], cwd=ROOT, capture_output=True, text=True, check=True
    )
    seconds = time.perf_counter() - started
    peak = next(int(line.split()[1]) for line in done.stdout.splitlines() if line.startswith("PEAK "))
    return seconds, peak / 1024, done.stdout
