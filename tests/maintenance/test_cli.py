"""`wastewatch maintenance add|list|end`: operators register planned stops and windows."""

from tests.support import wastewatch


def test_an_operator_registers_lists_and_ends_a_maintenance_window(write_config):
    path = write_config()

    def run(*args):
        return wastewatch(*args, "--config", path)

    added = run(
        "maintenance",
        "add",
        "--site",
        "helin",
        "--kind",
        "planned_stop",
        "--from",
        "2026-10-12T08:00",
        "--reason",
        "更换鼓风机",
        "--by",
        "王科长",
    )
    assert added.stdout == "maintenance window 1: helin planned_stop from 2026-10-12 08:00 until ended\n"
    listed = run("maintenance", "list", "--site", "helin").stdout
    assert listed.startswith("1 maintenance window\n") and "open by 王科长: 更换鼓风机" in listed
    assert "1 maintenance window" in run("maintenance", "list", "--active").stdout
    assert run("maintenance", "end", "1", "--by", "王科长").stdout.startswith(
        "maintenance window 1 ended at "
    )
    assert run("maintenance", "list", "--active").stdout == "0 maintenance windows\n"
    assert (
        run("maintenance", "end", "1", "--by", "王科长").stderr
        == "wastewatch: maintenance window 1 already ended\n"
    )
    assert run("maintenance", "add", "--site", "nowhere", "--reason", "x", "--by", "王科长").stderr == (
        "wastewatch: unknown site 'nowhere'; the config has: helin\n"
    )
    backwards = run(
        "maintenance",
        "add",
        "--site",
        "helin",
        "--from",
        "2026-10-12T08:00",
        "--until",
        "2026-10-12T07:00",
        "--reason",
        "x",
        "--by",
        "王科长",
    )
    assert backwards.stderr == "wastewatch: a window must end after it starts\n"
