"""The benchmarks' config: N identical village sites and one contractor, in one TOML file."""

from pathlib import Path


def write_config(folder: Path, head: str, sites: int, metrics: tuple[str, ...], interval_s: int = 300) -> Path:
    """`head`: the sections before the sites. Site s is `s0000`…, its operator `o<s>@example.cn`."""
    lines = [head, '[[contractors]]\nid = "c"\nname = "c"\nemail = "c@example.cn"\n']
    table = ", ".join(f"{m} = {interval_s}" for m in metrics)
    for s in range(sites):
        lines.append(f'[[sites]]\nid = "s{s:04d}"\nname = "site {s}"\ntown = "t"\ncapacity_m3d = 50.0\n'
                     f'receiving_water = "III"\ncontractor = "c"\noperators = ["o{s}@example.cn"]\n'
                     f"metrics = {{ {table} }}\n")
    path = folder / "bench.toml"
    path.write_text("\n".join(lines))
    return path
