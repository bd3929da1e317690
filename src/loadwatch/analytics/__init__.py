"""Analytics: pure polars from activities to daily and weekly load series."""
