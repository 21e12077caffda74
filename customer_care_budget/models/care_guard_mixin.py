import math
from datetime import date

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

# Context key and value that mark writes made by the application's own steps (the approval workflow,
# Compute, posting). The value is a Python object: a client cannot send it through RPC, so it cannot
# forge a review, a state or a figure.
WORKFLOW = "care_workflow"
WORKFLOW_TOKEN = object()

# Sane input: amounts whose cents a float still holds exactly (2^53 cents is about 9 × 10^13), whole
# numbers that fit PostgreSQL's integer, dates any plan or expense can have.
MAX_AMOUNT = 10 ** 13
MAX_INTEGER = 2 ** 31 - 1
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2100, 12, 31)
# Fields the ORM manages itself.
MAGIC_FIELDS = {"id", "display_name", "create_uid", "create_date", "write_uid", "write_date"}


def workflow(records):
    """``records`` in the application's own context (see ``WORKFLOW_TOKEN``); its steps are always
    tracked, whatever context the client sent."""
    return records.with_context(**{WORKFLOW: WORKFLOW_TOKEN}, tracking_disable=False, mail_notrack=False)


def in_workflow(records):
    return records.env.context.get(WORKFLOW) is WORKFLOW_TOKEN


def record_ids(value):
    """The record ids in ``value`` as a client sent it (a list, from a context key or a Json field): the
    positive int4 integers only, so that anything else is ignored rather than sent to SQL."""
    if not isinstance(value, (list, tuple)):
        return []
    return [item for item in value if type(item) is int and 0 < item < 2**31]


def given_values(model, vals):
    """``vals`` with the defaults the context gives (``default_<field>`` keys): a client sends those too."""
    defaults = {
        key.removeprefix("default_"): value for key, value in model.env.context.items()
        if key.startswith("default_") and key.removeprefix("default_") in model._fields
    }
    return {**defaults, **vals}


class CareGuardMixin(models.AbstractModel):
    """What a client may write on a Customer Care record, by allow-list.

    A user writes only the fields that :meth:`_care_writable_fields` lists for the record's state
    (:meth:`_care_state`); every other field (stored computed and related fields, figures, the links
    and decisions the workflow sets) is refused, or dropped when the client sends it back unchanged.
    Numbers must be finite and below ``MAX_AMOUNT``, dates within ``DATE_MIN``..``DATE_MAX``. Only the
    superuser and the application's own steps (:func:`workflow`) write outside the list.
    """

    _name = "care.guard.mixin"
    _description = "Customer Care Write Guard"

    _care_positive_fields = ()  # amounts that must be above zero (refused in words before the database's CHECK)

    # ------------------------------------------------------------
    # ORM OVERRIDES
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            given = given_values(self, vals)
            self._care_check_numbers_and_dates(given)
            if not self._care_guard_bypassed():
                self._care_check_create(given)
        return super().create(vals_list)

    def write(self, vals):
        self._care_check_numbers_and_dates(vals)
        if not self._care_guard_bypassed():
            vals = self._care_check_write(vals)
        return super().write(vals)

    # ------------------------------------------------------------
    # HOOKS: what a model allows
    # ------------------------------------------------------------

    def _care_state(self):
        """The state the allow-list depends on (None: the model has none)."""
        self.ensure_one()
        return self.state if "state" in self._fields else None

    def _care_initial_state(self):
        return self._fields["state"].default(self) if "state" in self._fields else None

    def _care_writable_fields(self, state):
        """The fields a user may write in ``state``: by default the model's inputs (fields that are not
        read-only, stored and neither computed nor related, or computed with an inverse)."""
        return self._care_input_fields()

    def _care_create_fields(self):
        """The fields a user may give at creation: those writable in the initial state, and the company."""
        return self._care_writable_fields(self._care_initial_state()) | ({"company_id"} & self._fields.keys())

    @api.model
    def _care_input_fields(self):
        return {
            name for name, field in self._fields.items()
            if name not in MAGIC_FIELDS and not field.related and not field.readonly and (
                (field.store and not field.compute) or (field.compute and field.inverse)
            )
        }

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _care_guard_bypassed(self):
        return self.env.su or in_workflow(self)

    def _care_check_create(self, vals):
        # an empty value of an input is no value; a derived field is refused whatever it is given (a related
        # field would write its value through to the record it comes from)
        given = {
            fname for fname, value in vals.items()
            if value not in (False, None, [], "") or (fname in self._fields and self._fields[fname].compute)
        }
        state_field = "state" if "state" in self._fields else None
        if state_field in given and vals[state_field] == self._care_initial_state():
            given.discard(state_field)
        refused = given - self._care_create_fields()
        if refused:
            raise AccessError(self.env._(
                "%(fields)s cannot be given when creating a %(model)s: the application sets them.",
                fields=self._care_field_labels(refused), model=self._description,
            ))

    def _care_check_write(self, vals):
        """``vals`` without the values a client sent back unchanged; refuse the others it may not write."""
        allowed = {}
        for record in self:
            state = record._care_state()
            if state not in allowed:
                allowed[state] = self._care_writable_fields(state)
        refused = {
            fname for fname in vals
            if any(fname not in fnames for fnames in allowed.values())
        }
        changed = {fname for fname in refused if not self._care_unchanged(fname, vals[fname])}
        locked = {
            fname for fname in changed
            if any(fname in self._care_writable_fields(state) for state, _label in self._care_states())
        }
        if changed - locked:
            raise AccessError(self.env._(
                "%(model)s: %(fields)s cannot be typed in, the application sets them (computed, or by its actions).",
                fields=self._care_field_labels(changed - locked), model=self._description,
            ))
        if locked:
            states = dict(self._care_states())
            raise UserError(self.env._(
                "%(fields)s cannot be changed on %(records)s in the state %(state)s.",
                fields=self._care_field_labels(locked),
                records=", ".join(self.mapped("display_name")),
                state=", ".join(states.get(state, state or "") for state in allowed),
            ))
        return {fname: value for fname, value in vals.items() if fname not in refused}

    def _care_states(self):
        """(state, label) pairs of the states the allow-list depends on."""
        if "state" not in self._fields:
            return [(None, "")]
        return self._fields["state"]._description_selection(self.env)

    def _care_unchanged(self, fname, value):
        """Whether every record already holds ``value`` in ``fname`` (a client sending a form back)."""
        field = self._fields.get(fname)
        if field is None or field.type in ("one2many", "many2many", "properties"):
            return False
        for record in self:
            try:
                cached = field.convert_to_cache(value, record)
                new = field.convert_to_write(field.convert_to_record(cached, record), record)
            except (TypeError, ValueError):
                return False
            if new != field.convert_to_write(record[fname], record):
                return False
        return True

    @api.model
    def _care_check_numbers_and_dates(self, vals):
        """Refuse in words what would poison a record or crash later: NaN, infinities, absurd numbers,
        dates out of range."""
        for fname, value in vals.items():
            field = self._fields.get(fname)
            if field is None or value is False or value is None:
                continue
            label = self._care_field_labels({fname})
            if field.type in ("float", "monetary", "integer"):
                limit = MAX_INTEGER if field.type == "integer" else MAX_AMOUNT
                try:
                    number = float(value)
                except (TypeError, ValueError):
                    number = math.nan
                if not math.isfinite(number) or abs(number) > limit:
                    raise ValidationError(self.env._(
                        "%(field)s must be a number between -%(limit)s and %(limit)s.",
                        field=label, limit=f"{limit:,}",
                    ))
                if fname in self._care_positive_fields and number <= 0:
                    raise ValidationError(self.env._("%(field)s must be positive.", field=label))
            elif field.type in ("date", "datetime"):
                try:
                    day = fields.Datetime.to_datetime(value).date() if field.type == "datetime" \
                        else fields.Date.to_date(value)
                except (TypeError, ValueError):
                    day = None
                if not day or not DATE_MIN <= day <= DATE_MAX:
                    raise ValidationError(self.env._(
                        "%(field)s must be a date from %(start)s to %(end)s.",
                        field=label,
                        start=fields.Date.to_string(DATE_MIN),
                        end=fields.Date.to_string(DATE_MAX),
                    ))

    def _care_field_labels(self, fnames):
        return ", ".join(
            self._fields[fname].get_description(self.env)["string"] if fname in self._fields else fname
            for fname in sorted(fnames)
        )
