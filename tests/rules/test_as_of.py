"""rules.as_of: a historic flag seen from an earlier day (trial item 12: ``report --today
2015-08-30`` called a flag of 2015-08-29, first raised 2026-12-07, "historic")."""

from __future__ import annotations

from datetime import date

from loadwatch.rules.as_of import status_as_of

RAISED = date(2026, 12, 7)  # the day the 2015 archive was imported


def test_a_day_old_flag_is_news_as_of_the_day_after_it() -> None:
    assert status_as_of("historic", date(2015, 8, 29), date(2015, 8, 30)) == "open"
    # 14 days after: still news then; 15 days after: history even as of that day.
    assert status_as_of("historic", date(2015, 8, 16), date(2015, 8, 30)) == "open"
    assert status_as_of("historic", date(2015, 8, 15), date(2015, 8, 30)) == "historic"


def test_as_of_the_day_it_was_raised_or_later_the_stored_status_holds() -> None:
    assert status_as_of("historic", date(2015, 8, 29), RAISED) == "historic"
    assert status_as_of("historic", date(2015, 8, 29), date(2015, 8, 28)) == "historic"
    assert status_as_of("acknowledged", date(2015, 8, 29), date(2015, 8, 30)) == ("acknowledged")
    assert status_as_of("open", date(2026, 12, 1), date(2026, 12, 2)) == "open"
