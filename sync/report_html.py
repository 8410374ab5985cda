"""The portfolio as one self-contained HTML file: inline CSS, an inline SVG heatmap and a few lines
of inline JavaScript for sorting; a Content-Security-Policy forbids every network request. The
page is a Jinja2 template shipped with the package (``sync/templates/report.html.j2``), autoescaped:
every name, subject and reason from the CRM is escaped."""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from sponsorsync.sync.model import TIER_ORDER
from sponsorsync.sync.portfolio import Portfolio

HEALTH_RANK = {"red": 0, "amber": 1, "green": 2}
# Heatmap shades, from no touch to many (the last is for the busiest month of the portfolio).
SHADES = ("#eef1f5", "#c8e6c9", "#81c784", "#43a047", "#1b5e20")


@dataclass(frozen=True)
class HeatmapGeometry:
    left: int  # room for the alliance names
    top: int  # room for the month labels
    cell: int
    row: int
    width: int
    height: int


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("sponsorsync.sync", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{share:.0%}"


def _money(amount: float) -> str:
    return f"{amount:,.0f}"


def render_html(portfolio: Portfolio, *, crm: str | None = None) -> str:
    busiest = max((n for a in portfolio.alliances for n in a.months), default=0)

    def shade(count: int) -> str:
        if count <= 0 or busiest <= 0:
            return SHADES[0]
        # 1 .. busiest spread over the four darker shades
        return SHADES[1 + min(3, (count - 1) * 4 // busiest)]

    cell, row = 40, 20
    geometry = HeatmapGeometry(
        left=230,
        top=22,
        cell=cell,
        row=row,
        width=230 + cell * len(portfolio.months) + 8,
        height=22 + row * len(portfolio.alliances) + 4,
    )
    template = _environment().get_template("report.html.j2")
    return template.render(
        p=portfolio,
        crm=crm,
        hm=geometry,
        shade=shade,
        pct=_pct,
        money=_money,
        tier_rank={tier: TIER_ORDER.get(tier, 9) for tier in {a.tier for a in portfolio.alliances}},
        health_rank=HEALTH_RANK,
    )
