"""Builders and worlds the tests share: never imported from a test module."""
