"""The API tests' shared world (``support.api_env``)."""

from support.api_env import env as env  # the fixture, for every test here
