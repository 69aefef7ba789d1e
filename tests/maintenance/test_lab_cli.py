"""`wastewatch lab | review`: an operator imports a laboratory's XLSX, enters and corrects a spot
check's results, and marks a span invalid, each mistake said in one sentence."""

from pathlib import Path

from tests.support import wastewatch

SHEETS = Path(__file__).parent / "data" / "lab"


def test_an_operator_imports_enters_corrects_and_reviews_from_the_command_line(write_config):
    path = write_config()

    def run(*args):
        return wastewatch(*args, "--config", path, "--by", "王科长")

    imported = run("lab", "import", str(SHEETS / "rongcheng-2026-10.xlsx"))
    assert imported.stdout == (
        "rongcheng-2026-10.xlsx: 4 results stored for 1 sample, 0 already recorded, 1 row rejected\n"
        "  row 8: the sampling time is not a real date and time\n"
    )
    assert run("lab", "import", str(SHEETS / "rongcheng-2026-10.xlsx")).stdout.startswith(
        "rongcheng-2026-10.xlsx: already imported at "
    )
    listed = wastewatch("lab", "list", "--config", path).stdout
    assert listed.startswith("1 sample\n") and "tn=not detected (detection limit 0.05)" in listed

    spot = run("lab", "sample", "--site", "helin", "--at", "2026-10-14T09:30")
    assert spot.stdout.startswith("sample 2: helin spot_check at 2026-10-14 09:30;")
    assert run("lab", "enter", "2", "cod=85", "nh3n=<0.025", "--report-no", "TQJC-0412").stdout == (
        "sample 2: 2 results recorded\n"
    )
    assert run("lab", "enter", "2", "cod=58").stderr == (
        "wastewatch: cod of sample 2 already has a result: a correction needs a reason\n"
    )
    assert run("lab", "enter", "2", "cod=58", "--reason", "实验室更正报告").returncode == 0
    shown = wastewatch("lab", "show", "2", "--config", path).stdout
    assert "  cod: 58 mg/L → meets (limit 60 DB51/2626-2019 grade 1)" in shown
    assert "  cod v1: 85 mg/L by 王科长" in shown and "because 实验室更正报告" in shown
    assert run("lab", "enter", "2", "cod=lots").stderr == (
        "wastewatch: result 'lots' is neither a number nor a below-detection mark (ND, 未检出, <4, 4L)\n"
    )
    assert run("lab", "enter", "2", "colour=5").stderr == (
        "wastewatch: 'colour' is not an item a laboratory reports\n"
    )
    assert run("lab", "import", str(SHEETS / "missing.csv")).stderr.startswith("wastewatch: cannot read ")

    added = run(
        "review", "add", "--site", "helin", "--metric", "cod", "--from", "2026-10-13T08:00",
        "--until", "2026-10-13T10:00", "--reason", "calibration", "--note", "标液校准",
    )  # fmt: skip
    assert added.stdout.startswith("review 1: helin cod 2026-10-13 08:00 → 2026-10-13 10:00 invalid")
    assert "accepted  helin" in wastewatch("review", "list", "--config", path).stdout
    assert run("review", "restore", "1", "--note", "").stderr == (
        "wastewatch: restoring a review needs a note saying why\n"
    )
    assert run("review", "restore", "1", "--note", "记录有误").stdout == (
        "review 1 restored: its readings count again\n"
    )
    assert run("review", "accept", "1").stderr == "wastewatch: review 1 is not waiting for a decision\n"
    assert run(
        "review", "add", "--site", "helin", "--metric", "cod", "--from", "2026-10-13T10:00",
        "--until", "2026-10-13T08:00", "--reason", "outlier",
    ).stderr == "wastewatch: a review's span must end after it starts\n"  # fmt: skip
