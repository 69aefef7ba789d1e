"""The one-screen summary `wastewatch config check` prints."""

from collections import Counter

from wastewatch.config import Config
from wastewatch.config.channels import receives
from wastewatch.config.text import counted


def summary(config: Config) -> str:
    """Also loads the rules and standards, so that their mistakes show here too."""
    from wastewatch.alerts.rules import load_rules
    from wastewatch.alerts.standards import Standards

    rules = load_rules(config.alerts.rules_file)
    standards = Standards.load(config.alerts.standards_dir)
    grades = Counter(
        (chosen.standard.id, chosen.grade, chosen.grade_label)
        for chosen in standards.for_sites(config).values()
    )
    unverified = len(standards.unverified()) + len(rules.unverified())
    sites = config.sites
    towns = Counter(site.town for site in sites)
    per_day = sum(86400 // site.metric(m).interval_s for site in sites for m in site.metrics)
    mqtt = config.mqtt
    lines = [
        f"{config.path}: OK",
        f"  service     timezone {config.service.timezone}, locale {config.service.locale}, data in "
        f"{config.data_dir}",
        f"  mqtt        {mqtt.host}:{mqtt.port}, topic {mqtt.topic_prefix}/sites/<site>/readings, "
        f"client id {mqtt.client_id}, login {'yes' if mqtt.username else 'no'}, TLS "
        f"{'on' if mqtt.tls.enabled else 'off'}",
        f"  store       {config.store.backend} at {config.store_location}",
        "  influxdb    "
        + (
            f"every reading copied to {config.influxdb.url}, bucket {config.influxdb.bucket}, "
            f"measurement {config.influxdb.measurement}"
            if config.mirror_measurement
            else "off"
        ),
        f"  contractors {len(config.contractors)}: {', '.join(c.id for c in config.contractors) or '-'}",
        f"  sites       {len(sites)} in {counted(len(towns), 'town')} ("
        + ", ".join(f"{town} {n}" for town, n in towns.most_common())
        + ")",
        f"  capacity    <20 m³/d: {sum(s.capacity_m3d < 20 for s in sites)}, "
        f"20–100: {sum(20 <= s.capacity_m3d < 100 for s in sites)}, "
        f"100–500: {sum(100 <= s.capacity_m3d < 500 for s in sites)}, "
        f"≥500: {sum(s.capacity_m3d >= 500 for s in sites)}",
        f"  readings    {sum(len(s.metrics) for s in sites)} metrics, {per_day} expected readings a day",
        "  standards   "
        + (", ".join(f"{std} {label}: {n}" for (std, _, label), n in sorted(grades.items())) or "-"),
        f"  rules       {config.alerts.rules_file}, checked every {config.alerts.check_interval_s} s; "
        f"{unverified} provisional values (verified = false)",
        f"  smtp        {config.smtp.host}:{config.smtp.port} ({config.smtp.security}), from "
        f"{config.smtp.sender}",
        f"  bureau      {config.bureau.name}: "
        + (", ".join(config.bureau.emails) or "no address (escalations go to the site's operators only)"),
        "  channels    "
        + (
            "; ".join(
                f"{c.id} ({c.kind}, {c.per_minute}/min): "
                + (", ".join(receives(config.routes, c.id)) or "no route")
                for c in config.file.channels
            )
            or "none (email only)"
        ),
        "  pages       "
        + (
            f"on {config.web.host}:{config.web.port}, links to {config.web.url}, valid "
            f"{config.web.link_valid_h} h"
            if config.web.enabled
            else "off"
        ),
    ]
    if config.file.inventory.sites_csv:
        from_csv = sum(1 for s in sites if config.site_sources[s.id] == str(config.file.inventory.sites_csv))
        lines.append(f"  inventory   {from_csv} sites from {config.file.inventory.sites_csv}")
    return "\n".join(lines)
