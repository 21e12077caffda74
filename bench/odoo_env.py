"""What the benchmarks share: a superuser environment on the benchmark database."""

import argparse
from contextlib import contextmanager


def argument_parser(description):
    """A parser that already asks for the Odoo configuration file and the benchmark database."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration file")
    parser.add_argument("-d", "--database", required=True, help="database with customer_care_budget installed")
    return parser


@contextmanager
def superuser_env(config_path, database):
    """Yield a superuser environment on ``database``; its cursor commits when the block ends."""
    try:
        import odoo  # noqa: PLC0415
        from odoo import SUPERUSER_ID, api  # noqa: PLC0415
        from odoo.modules.registry import Registry  # noqa: PLC0415
        from odoo.tools import config  # noqa: PLC0415
    except ImportError as error:
        raise SystemExit(f"Odoo 19 is not importable ({error}): see the README") from error

    config.parse_config(["-c", config_path, "-d", database, "--log-level=warn"])
    odoo.tools.config["log_level"] = "warn"
    with Registry(database).cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})
