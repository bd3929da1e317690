"""A flag's status as a view of an earlier day sees it.  Pure.

``historic`` is judged when a flag is first stored: raised more than ``HISTORIC_DAYS`` after
its date, it is history (an old archive imported now), not news (``episodes.classify``).  A
report asked for an earlier day (``report --today 2015-08-30``) shows the world as of that day,
when a flag raised today was not raised yet: as of that day, it is judged against that day.
"""

from __future__ import annotations

from datetime import date

from loadwatch.rules.episodes import HISTORIC_DAYS, classify
from loadwatch.vocabulary import HISTORIC, FlagStatus


def status_as_of(
    status: FlagStatus, flag_date: date, today: date, historic_days: int = HISTORIC_DAYS
) -> FlagStatus:
    """``status`` as of ``today``: a historic flag within ``historic_days`` of ``today`` is
    news as of then (a day-old flag on the day after it); any other as stored.  Such a view
    is always of a day before the flag was raised: a historic flag was raised more than
    ``historic_days`` after its date."""
    if status != HISTORIC or flag_date > today:
        return status
    return classify(flag_date, today, historic_days)
