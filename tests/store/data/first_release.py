"""How first-release.db was made: a village site's week under the first release (git 8e67131,
before the state database had migrations), with alerts, a work order acknowledged and done,
a maintenance window, a digest and emails still in the outbox (no mail server).

Run it with that release installed, not this one:
    git worktree add /tmp/first 8e67131
    pip install --no-deps --target /tmp/first-lib /tmp/first
    PYTHONPATH=/tmp/first-lib python tests/store/data/first_release.py tests/store/data/first-release.db
"""

import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from wastewatch.alerts import windows
from wastewatch.alerts.context import Context
from wastewatch.config import load_config
from wastewatch.jobs.cycles import DayClose, Evaluation
from wastewatch.maintenance import work_orders
from wastewatch.maintenance.sla import Sweep
from wastewatch.store.base import Reading

T0 = int(datetime(2026, 10, 12, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp())
HOUR, DAY = 3600, 86400
CONFIG = """
[service]
data_dir = "data"
[smtp]
port = 1
sender = "wastewatch@tqhb.example.cn"
[bureau]
name = "天全县生态环境局"
emails = ["jianguan@tqhb.example.cn"]
[[contractors]]
id = "qingyuan"
name = "天全县清源环保运维有限公司"
email = "dispatch@qingyuan.example.cn"
[[sites]]
id = "helin"
name = "城厢镇禾林村污水处理站"
town = "城厢镇"
village = "禾林村"
capacity_m3d = 60.0
receiving_water = "III"
key_control_area = true
contractor = "qingyuan"
operators = ["operator@tqhb.example.cn"]
metrics = { flow = 300, cod = 3600, nh3n = 3600, ph = 300, pump_state = 300, water_temp = 300 }
"""


def main(target: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "wastewatch.toml"
        path.write_text(CONFIG, encoding="utf-8")
        config = load_config(path)
        now = T0
        ctx = Context.open(config, lambda: now)
        points = [Reading("helin", "flow", T0 + m * 300, 2.5) for m in range(12 * 24 * 3)]
        points += [Reading("helin", "cod", T0 + h * HOUR, 95.0 if 20 <= h < 26 else 40.0) for h in range(72)]
        points += [Reading("helin", "pump_state", T0 + 30 * HOUR, 4.0)]
        ctx.store.write(points)
        for hour in range(1, 73):
            now = T0 + hour * HOUR + 60
            Evaluation(ctx).run(now)
            if hour % 24 == 1:
                DayClose(ctx).run(now)
        windows.add(
            ctx.db, "helin", "maintenance", T0 + 2 * DAY, T0 + 2 * DAY + 4 * HOUR, "换膜", "王工", now
        )
        order = work_orders.listing(ctx.db, now)[0]
        work_orders.acknowledge(ctx, order["id"], "qingyuan/张三", "已出发", now)
        work_orders.done(ctx, order["id"], "qingyuan/张三", "已更换水泵", now + HOUR)
        now = T0 + 3 * DAY + 9 * HOUR
        Sweep(ctx).run(now)
        ctx.close()
        shutil.copy(config.database_path, target)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
