import re
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..models.care_guard_mixin import workflow
from ..tools import format_period, split_amount


class CareBudgetNext(models.TransientModel):
    """Plan the next period from an evaluation (分析历史数据, 持续改进).

    Each line of the previous plan becomes a line of a new draft plan, its dates shifted to the new
    period. An evaluated line's amount = what it spent in the (confirmed) evaluation, brought to its
    whole period at the pace of its evaluated days, × (1 + the factor of its recommendation); spent is
    actual plus the committed money whose bills are not posted yet (leaving it out would cut a line for
    late paperwork). Lines to stop, and lines that spent nothing, are left out; lines outside the
    evaluated period keep their revised amount. With
    re-allocation, the tier lines of one activity and period share their total again by tier weight ×
    customers now in the tier (as Allocate by Tier does), cents conserved. The KPI targets come along
    with their baselines set from what the evaluation achieved; the reserve keeps its share of the lines.
    """

    _name = "care.budget.next"
    _description = "Plan the Next Customer Care Budget"

    evaluation_id = fields.Many2one(
        "care.evaluation", required=True, domain="[('state', '=', 'confirmed')]",
        help="The confirmed evaluation whose spending and recommendations the new plan starts from.",
    )
    budget_id = fields.Many2one(related="evaluation_id.budget_id", string="Previous Plan")
    currency_id = fields.Many2one(related="budget_id.currency_id")
    name = fields.Char(compute="_compute_name", store=True, readonly=False, required=True, precompute=True)
    date_from = fields.Date(
        string="Start Date", compute="_compute_date_from", store=True, readonly=False, required=True,
        precompute=True, help="The new plan keeps the length of the previous one; its lines move along.",
    )
    date_to = fields.Date(string="End Date", compute="_compute_date_to")
    factor_increase_pct = fields.Float(
        string="Increase (%)", compute="_compute_factors", store=True, readonly=False, precompute=True,
        help="Change applied to what lines recommended for an increase spent (actual + committed).",
    )
    factor_keep_pct = fields.Float(
        string="Keep (%)", compute="_compute_factors", store=True, readonly=False, precompute=True,
        help="Change applied to what lines recommended to keep spent.",
    )
    factor_reduce_pct = fields.Float(
        string="Reduce (%)", compute="_compute_factors", store=True, readonly=False, precompute=True,
        help="Change applied to what lines recommended to reduce spent; lines to stop are left out.",
    )
    reallocate = fields.Boolean(
        string="Re-allocate across Tiers",
        help="Share the total of the tier lines of each activity and period again, by tier weight × customers "
        "now in the tier.",
    )
    pace_note = fields.Char(
        string="Pace", compute="_compute_pace_note",
        help="The period the spending was measured on, which sets the pace of every evaluated line.",
    )
    amount_total = fields.Monetary(string="New Lines", compute="_compute_preview")
    preview = fields.Html(compute="_compute_preview", sanitize=False)

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains("factor_increase_pct", "factor_keep_pct", "factor_reduce_pct")
    def _check_factor_order(self):
        for wizard in self:
            self._check_factors(wizard.factor_increase_pct, wizard.factor_keep_pct, wizard.factor_reduce_pct)

    @api.model
    def _check_factors(self, increase, keep, reduce):
        if reduce <= -100 or not reduce <= keep <= increase:
            raise ValidationError(self.env._(
                "The next-plan factors must rise from reduce (%(reduce)s%%, above -100%%) to keep (%(keep)s%%) "
                "to increase (%(increase)s%%); lines to stop are left out anyway.",
                reduce=reduce, keep=keep, increase=increase,
            ))

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    @api.depends("evaluation_id")
    def _compute_name(self):
        """The previous plan's name with its first year moved on ("Care 2026" → "Care 2027"), else with
        the new period after it."""
        for wizard in self:
            old = wizard.budget_id
            if not (old and wizard.date_from):
                wizard.name = False
                continue
            old_year, new_year = str(old.date_from.year), str(wizard.date_from.year)
            year = re.compile(rf"\b{old_year}\b")
            if old_year != new_year and year.search(old.name):
                wizard.name = year.sub(new_year, old.name, count=1)
            else:
                wizard.name = self.env._(
                    "%(budget)s, %(period)s", budget=old.name,
                    period=format_period(self.env, wizard.date_from, wizard.date_to),
                )

    @api.depends("evaluation_id")
    def _compute_date_from(self):
        for wizard in self:
            wizard.date_from = wizard.budget_id.date_to and wizard.budget_id.date_to + timedelta(days=1)

    @api.depends("date_from", "evaluation_id")
    def _compute_date_to(self):
        for wizard in self:
            wizard.date_to = wizard.date_from and wizard._shift(wizard.budget_id.date_to)

    @api.depends("evaluation_id")
    def _compute_factors(self):
        for wizard in self:
            company = wizard.budget_id.company_id or self.env.company
            wizard.factor_increase_pct = company.care_factor_increase_pct
            wizard.factor_keep_pct = company.care_factor_keep_pct
            wizard.factor_reduce_pct = company.care_factor_reduce_pct

    @api.depends("evaluation_id")
    @api.depends_context("lang")
    def _compute_pace_note(self):
        for wizard in self:
            evaluation = wizard.evaluation_id
            wizard.pace_note = self.env._(
                "Spending measured over %(period)s (%(days)s days, the evaluated period): each evaluated line is "
                "brought to its whole period at that pace, spent × the line's days ÷ its evaluated days "
                "(the Pace column).",
                period=format_period(self.env, evaluation.date_from, evaluation.date_to),
                days=(evaluation.date_to - evaluation.date_from).days + 1,
            ) if evaluation else False

    @api.depends("evaluation_id", "date_from", "factor_increase_pct", "factor_keep_pct", "factor_reduce_pct",
                 "reallocate")
    def _compute_preview(self):
        for wizard in self:
            proposal = wizard._proposal() if wizard.evaluation_id and wizard.date_from else []
            wizard.amount_total = sum(row["amount"] for row in proposal)
            wizard.preview = wizard._preview_table(proposal)

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_create(self):
        budget = self._create_budget()
        return {
            "type": "ir.actions.act_window",
            "res_model": "care.budget",
            "res_id": budget.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _shift(self, day):
        """``day`` of the previous plan moved to the new period: by whole months when the new plan starts
        on the same day of the month (a month's last day stays the last day), else by days."""
        old_start = self.budget_id.date_from
        if self.date_from.day == old_start.day:
            months = (self.date_from.year - old_start.year) * 12 + self.date_from.month - old_start.month
            month_end = day + relativedelta(day=31) == day
            return day + relativedelta(months=months, **({"day": 31} if month_end else {}))
        return day + (self.date_from - old_start)

    def _proposal(self):
        """[{result, line, factor, amount, date_from, date_to, note}] for every line of the previous plan;
        ``amount`` is 0 for the lines left out, and ``note`` says why."""
        self.ensure_one()
        factors = {"increase": self.factor_increase_pct, "keep": self.factor_keep_pct,
                   "reduce": self.factor_reduce_pct}
        results = {result.budget_line_id: result for result in self.evaluation_id.line_result_ids}
        proposal = []
        for line in self.budget_id.line_ids:  # in the plan's order
            result = results.get(line)
            row = {"line": line, "result": result, "factor": None, "note": "",
                   "date_from": self._shift(line.date_from), "date_to": self._shift(line.date_to)}
            if not result:
                row.update(amount=line.amount_planned, note=self.env._("not evaluated: revised amount kept"))
            elif result.recommendation == "stop":
                row.update(amount=0.0, note=self.env._("to stop"))
            else:
                row["factor"] = factors[result.recommendation]
                amount = self.currency_id.round(self._run_rate(line, result.spend) * (1 + row["factor"] / 100))
                row["amount"] = max(amount, 0.0)
                if not row["amount"]:
                    row["note"] = self.env._("nothing spent")
            proposal.append(row)
        if self.reallocate:
            self._reallocate(proposal)
        return proposal

    def _pace(self, line):
        """(days of ``line``, of them evaluated): the line's spending is brought to its whole period at
        the pace of its evaluated days."""
        evaluation = self.evaluation_id
        evaluated = (min(line.date_to, evaluation.date_to) - max(line.date_from, evaluation.date_from)).days + 1
        return (line.date_to - line.date_from).days + 1, evaluated

    def _run_rate(self, line, spend):
        """What ``line`` would have spent over its whole period (the same amount when the evaluation
        covers the line)."""
        days, evaluated = self._pace(line)
        return spend * days / evaluated

    def _pace_label(self, line):
        days, evaluated = self._pace(line)
        return self.env._("× %(ratio)s (%(days)s ÷ %(evaluated)s days)", ratio=f"{days / evaluated:.2f}", days=days,
                          evaluated=evaluated)

    def _reallocate(self, proposal):
        """Share again the total of the kept tier lines of each activity and period (see the class)."""
        groups = {}
        for row in proposal:
            line = row["line"]
            if row["amount"] and line.tier_id and not line.partner_id:
                groups.setdefault((line.activity_type_id, line.date_from, line.date_to), []).append(row)
        tiers = self.env["care.tier"].union(*(row["line"].tier_id for rows in groups.values() for row in rows))
        sizes = tiers._customer_totals(self.budget_id.company_id)
        for rows in groups.values():
            weights = [row["line"].tier_id.allocation_weight * sizes.get(row["line"].tier_id, (0, 0.0))[0]
                       for row in rows]
            if sum(weights) <= 0:
                continue
            amounts = split_amount(sum(row["amount"] for row in rows), weights, self.currency_id)
            for row, amount in zip(rows, amounts):
                row["amount"] = amount
                if not amount:
                    row["note"] = self.env._("no customers or weight in the tier")

    def _preview_table(self, proposal):
        labels = dict(self.env["care.evaluation.result"]._fields["recommendation"]._description_selection(self.env))
        currency = self.currency_id
        cell = Markup("<td class='text-end'>%s</td>")
        rows = Markup("").join(
            Markup("<tr class='%s'><td>%s</td><td>%s</td>%s%s%s%s%s<td>%s</td></tr>") % (
                "" if row["amount"] else "text-muted",
                row["line"].display_name,
                labels.get(row["result"].recommendation, "") if row["result"] else "",
                cell % currency.format(row["line"].amount_planned),
                cell % (currency.format(row["result"].spend) if row["result"] else ""),
                cell % (self._pace_label(row["line"]) if row["factor"] is not None else ""),
                cell % ("" if row["factor"] is None else f"{row['factor']:+g} %"),
                cell % currency.format(row["amount"]),
                row["note"] if not row["amount"] else format_period(self.env, row["date_from"], row["date_to"])
                + (f" ({row['note']})" if row["note"] else ""),
            )
            for row in proposal
        )
        headers = Markup("").join(
            Markup("<th class='%s'>%s</th>") % ("text-end" if numeric else "", label)
            for label, numeric in [
                (self.env._("Line"), False), (self.env._("Recommendation"), False), (self.env._("Revised"), True),
                (self.env._("Spent"), True), (self.env._("Pace"), True),
                (self.env._("Factor"), True), (self.env._("New Amount"), True),
                (self.env._("New Period / Left Out"), False),
            ]
        )
        return Markup("<table class='table table-sm'><thead><tr>%s</tr></thead><tbody>%s</tbody></table>") % (
            headers, rows,
        )

    def _create_budget(self):
        self.ensure_one()
        old = self.budget_id
        if self.evaluation_id.state != "confirmed":
            raise UserError(self.env._(
                "Confirm the evaluation before planning from it: its figures could still change.",
            ))
        kept = [row for row in self._proposal() if row["amount"]]
        if not kept:
            raise UserError(self.env._(
                "Nothing to plan: every line of %(budget)s is to stop or spent nothing.", budget=old.name,
            ))
        achieved = {result.objective_id: result.achieved for result in self.evaluation_id.objective_result_ids}
        reserve_share = old.reserve_amount / sum(old.line_ids.mapped("amount_original"))
        total = sum(row["amount"] for row in kept)
        budget = self.env["care.budget"].create({
            "name": self.name,
            "company_id": old.company_id.id,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "user_id": old.user_id.id,
            "description": old.description,
            "reserve_amount": self.currency_id.round(total * reserve_share),
            "objective_ids": [
                Command.create({
                    "sequence": objective.sequence,
                    "kpi": objective.kpi,
                    "unit": objective.unit,
                    "target": objective.target,
                    "baseline": achieved.get(objective, objective.baseline),
                })
                for objective in old.objective_ids
            ],
            "line_ids": [
                Command.create({
                    "activity_type_id": row["line"].activity_type_id.id,
                    "tier_id": row["line"].tier_id.id,
                    "partner_id": row["line"].partner_id.id,
                    "date_from": row["date_from"],
                    "date_to": row["date_to"],
                    "amount_original": row["amount"],
                    "warning_threshold": row["line"].warning_threshold,
                    "notes": row["result"].recommendation_reason if row["result"] else row["note"],
                })
                for row in kept
            ],
        })
        workflow(budget).write({"source_evaluation_id": self.evaluation_id.id})  # the link is the wizard's to set
        budget.message_post(body=self.env._(
            "Planned from the evaluation %(evaluation)s of %(budget)s.", evaluation=self.evaluation_id.name,
            budget=old.name,
        ))
        # the to-do Confirm gave the plan's responsible is done
        self.evaluation_id.activity_feedback(
            ["mail.mail_activity_data_todo"], feedback=self.env._("Planned: %(budget)s", budget=budget.name),
        )
        return budget
