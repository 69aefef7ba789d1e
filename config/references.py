"""What one part of a config names in another exists and is named once: a site's contractor,
the channels, sites, towns and contractors of a route, an HJ 212 logger's MN and PW, the upper
platforms a site forwards to."""

from pathlib import Path

from .errors import ConfigError
from .schema import ConfigFile, Site


def check_references(path: Path, parsed: ConfigFile, sites: list[Site], sources: dict) -> None:
    contractor_ids = [c.id for c in parsed.contractors]
    seen = set()
    for index, contractor in enumerate(parsed.contractors):
        if contractor.id in seen:
            raise ConfigError(path, f"contractors[{index}].id", f"duplicate contractor id {contractor.id!r}")
        seen.add(contractor.id)
    channel_ids: set[str] = set()
    for index, channel in enumerate(parsed.channels):
        if channel.id in channel_ids:
            raise ConfigError(path, f"channels[{index}].id", f"duplicate channel id {channel.id!r}")
        channel_ids.add(channel.id)
    _check_routes(path, parsed, sites, channel_ids, seen)
    toml_ids: set[str] = set()
    for index, site in enumerate(parsed.sites):
        if site.id in toml_ids:
            raise ConfigError(path, f"sites[{index}].id", f"duplicate site id {site.id!r}")
        toml_ids.add(site.id)
    for index, site in enumerate(sites):
        if site.contractor not in seen:
            where = (
                f"sites[{index}].contractor" if index < len(parsed.sites) else f"site {site.id}, contractor"
            )
            known = ", ".join(contractor_ids) or "none are defined"
            raise ConfigError(
                sources[site.id], where, f"unknown contractor {site.contractor!r}; known contractors: {known}"
            )
    _check_loggers(parsed, sites, sources)
    _check_forward(path, parsed, sites, sources)


def _check_routes(
    path: Path, parsed: ConfigFile, sites: list[Site], channels: set[str], contractors: set[str]
):
    """A route names channels, sites, towns and contractors that exist: a typo would silently
    send a crew's notices nowhere."""
    site_ids, towns = {s.id for s in sites}, {s.town for s in sites}
    for index, route in enumerate(parsed.routes):
        for key, names, known in (
            ("channels", route.channels, channels),
            ("sites", route.sites, site_ids),
            ("towns", route.towns, towns),
            ("contractors", route.contractors, contractors),
        ):
            for name in names:
                if name not in known:
                    listed = ", ".join(sorted(known)) or "none are defined"
                    raise ConfigError(
                        path, f"routes[{index}].{key}", f"unknown {key[:-1]} {name!r}; known: {listed}"
                    )


def _check_loggers(parsed: ConfigFile, sites: list[Site], sources: dict) -> None:
    """An HJ 212 MN names one site, and comes with its PW: a frame must prove which site it is."""
    owners: dict[str, str] = {}
    for index, site in enumerate(sites):
        prefix = f"sites[{index}]." if index < len(parsed.sites) else f"site {site.id}, "
        if site.hj212_mn is None:
            if site.hj212_pw is not None:
                raise ConfigError(sources[site.id], prefix + "hj212_pw", "is set without hj212_mn")
            continue
        if site.hj212_pw is None:
            raise ConfigError(
                sources[site.id],
                prefix + "hj212_pw",
                "is required with hj212_mn (the logger's access password)",
            )
        if site.hj212_mn in owners:
            raise ConfigError(
                sources[site.id],
                prefix + "hj212_mn",
                f"MN {site.hj212_mn!r} is already the logger of site {owners[site.hj212_mn]!r}",
            )
        owners[site.hj212_mn] = site.id


def _check_forward(path: Path, parsed: ConfigFile, sites: list[Site], sources: dict) -> None:
    """Each upper platform is named once; a site forwards only to one that exists, and no two
    sites share an MN on one platform (it could not tell them apart)."""
    targets: set[str] = set()
    for index, platform in enumerate(parsed.forward):
        if platform.id in targets:
            raise ConfigError(path, f"forward[{index}].id", f"duplicate forward id {platform.id!r}")
        targets.add(platform.id)
    owners: dict[tuple[str, str], str] = {}
    for index, site in enumerate(sites):
        prefix = f"sites[{index}].forward" if index < len(parsed.sites) else f"site {site.id}, forward"
        for target, login in site.forward.items():
            if target not in targets:
                known = ", ".join(sorted(targets)) or "none are defined"
                raise ConfigError(
                    sources[site.id], prefix, f"unknown upper platform {target!r}; [[forward]] ids: {known}"
                )
            if (target, login.mn) in owners:
                raise ConfigError(
                    sources[site.id],
                    f"{prefix}.{target}.mn",
                    f"MN {login.mn!r} on {target!r} is already site {owners[target, login.mn]!r}'s",
                )
            owners[target, login.mn] = site.id
