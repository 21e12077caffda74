from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import CareTestCommon


@tagged("post_install", "-at_install")
class TestRecomputePerformance(CareTestCommon):
    """The recompute runs a fixed number of queries, whatever the number of customers (set-based)."""

    def _customers_with_invoices(self, count):
        customers = self.env["res.partner"].create([
            {"name": f"Customer {index}", "is_company": True, "customer_rank": 1} for index in range(count)
        ])
        moves = self.env["account.move"].create([
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": self.today - timedelta(days=10),  # same shape of changes for all
                "invoice_line_ids": [self._prepare_invoice_line(price_unit=100.0 + index, tax_ids=[])],
            }
            for index, customer in enumerate(customers)
        ])
        moves.action_post()

    def _queries(self, on_date):
        """Queries of the recompute itself, then of the chatter tracking its commit writes."""
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        with freeze_time(on_date):
            self.env["res.partner"]._care_recompute_company(self.company)
            self.env.flush_all()
            recompute = self.env.cr.sql_log_count - start
            self.env.cr.precommit.run()
        return recompute, self.env.cr.sql_log_count - start - recompute

    def _measure(self, count):
        """A first classification, a change of every customer's stage, an unchanged run."""
        self.env.cr.execute("SAVEPOINT care_performance")
        self._customers_with_invoices(count)
        first = self._queries(self.today)
        changed = self._queries(self.today + timedelta(days=800))  # every customer is lost by then
        unchanged = self._queries(self.today + timedelta(days=800))
        self.env.cr.execute("ROLLBACK TO SAVEPOINT care_performance")
        self.env.invalidate_all()
        return first, changed, unchanged

    def test_query_count_does_not_grow_with_customers(self):
        self._measure(1)  # warm the registry caches (access rules, defaults)
        large_first, large_changed, large_unchanged = self._measure(200)
        small_first, small_changed, small_unchanged = self._measure(10)

        # one UPDATE and one history INSERT, however many customers changed
        self.assertEqual(large_first, small_first, "first classification")
        self.assertEqual(large_changed, small_changed, "every stage changed")
        self.assertEqual(large_unchanged, small_unchanged, "nothing changed")
        self.assertEqual(large_changed[1], 0, "nothing per customer at commit: no chatter tracking")
        # a change adds the UPDATE, the history INSERT and the search of the users of those partners (their
        # related segment fields follow); on a new day the value model is fitted again: its read of every
        # customer's purchases and its note on the company (six statements through the ORM)
        self.assertEqual(small_changed[0] - small_unchanged[0], 3 + 6, "a change adds three statements, a refit six")
        self.assertLessEqual(small_unchanged[0], 8, "an unchanged recompute only reads (a handful of queries)")
