"""The kring's report as one self-contained HTML file (``mentorschap report COHORT``).

Inline SVG charts and inline style: the file opens offline, in a mail attachment or a board
pack, without JavaScript or anything fetched from elsewhere.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from adapters.rendering import Renderer
from domain.charts import funnel_chart, timeline_chart
from domain.clock import local_date
from domain.report import CohortReport, euros
from tasks.report import read_report
from wiring.bootstrap import TEMPLATES

if TYPE_CHECKING:
    from wiring.bootstrap import Services


def render_report(report: CohortReport, made_at: datetime) -> str:
    env = Renderer(TEMPLATES).env
    env.filters["euros"] = euros
    return env.get_template("report/kringrapport.html.j2").render(
        r=report, funnel=funnel_chart(report.funnel), timeline=timeline_chart(report.pairs, report.span),
        made_on=local_date(made_at), language="nl",
    )


def cohort_report_html(svc: Services, cohort: str) -> str:
    """The cohort's report as an HTML document, read from the database now."""
    return render_report(read_report(svc, cohort), svc.clock.now())
