"""One row read with SQL the ORM compiled once, for the few reads every signed-in request makes.

``Model.objects.get(...)`` builds a query, resolves its lookups and compiles it to SQL on every call. For the
reads every signed-in request makes (its session and its user) and the proposal a vote is cast on, that work
was most of each read's cost (measured on a vote: about 0.4 ms of the ORM per read, against 0.05 ms to send it
and read the answer), three times per vote.

``PreparedGet(Session, "session_key", "expire_date__gt")`` has the ORM compile
``filter(session_key=…, expire_date__gt=…)`` once per database alias, the first time it is used, and keeps the
SQL and the column converters. ``.get(key, now)`` then prepares the values as the lookups would, runs the SQL
through Django's cursor (query counting, execute wrappers and the debug log all see it) and builds the instance
with ``Model.from_db``: the same instance, with the same converted values, as ``get()`` returns.

Only plain lookups that take one value each are accepted (``field`` or ``field__exact``, ``__gt``, ``__gte``,
``__lt``, ``__lte``), on the model's own concrete fields and not booleans; the compiled parameters are checked
against the values they were compiled from, so a lookup compiled in any other way (or a manager whose queryset
adds values of its own) is refused when first used instead of read wrongly. The caller names the lookups. The SQL
is compiled once per database connection, so each thread's own connection converts what it read.

``PkGetManager`` is the one place this enters the ORM's own API: a model whose default manager mixes it in reads
``Model.objects.get(pk=…)`` this way, the call Django's authentication backends make for the signed-in user on
every request. Anything else, including ``get()`` on a queryset, a related manager or ``db_manager()``, is the
ORM's ordinary ``get()``.
"""

import weakref

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import connections, router

_ONE_VALUE = {"exact", "gt", "gte", "lt", "lte"}


class PreparedGet:
    def __init__(self, model, *lookups: str, manager=None):
        if not lookups:
            raise ImproperlyConfigured("PreparedGet needs at least one lookup")
        self.model = model
        self.manager = manager if manager is not None else model._base_manager
        self.lookups = lookups
        self.fields = [self._field(lookup) for lookup in lookups]
        self._compiled = weakref.WeakKeyDictionary()  # per connection: Django's connections are per thread

    def _field(self, lookup: str):
        name, _, kind = lookup.partition("__")
        if kind and kind not in _ONE_VALUE:
            raise ImproperlyConfigured(f"PreparedGet takes plain one-value lookups, not {lookup!r}")
        try:
            field = self.model._meta.pk if name == "pk" else self.model._meta.get_field(name)
        except FieldDoesNotExist as exc:
            raise ImproperlyConfigured(f"{self.model.__name__} has no field {name!r}") from exc
        if not field.concrete or field.is_relation:
            raise ImproperlyConfigured(f"PreparedGet reads by the model's own columns, not {lookup!r}")
        if field.get_internal_type() == "BooleanField":
            # PostgreSQL compiles ``flag=True`` to ``WHERE flag``, without a value to put in.
            raise ImproperlyConfigured(f"PreparedGet does not compare booleans ({lookup!r})")
        return field

    def _prepare(self, values, connection) -> list:
        return [
            field.get_db_prep_value(field.get_prep_value(value), connection, prepared=True)
            for field, value in zip(self.fields, values, strict=True)
        ]

    def _compile(self, alias: str, connection, values) -> tuple:
        compiler = self._filtered(alias, values).order_by().query.get_compiler(alias)
        sql, params = compiler.as_sql()
        # The ORM orders keyword lookups by name; each one must have become exactly its own prepared value.
        order = sorted(range(len(self.lookups)), key=lambda index: self.lookups[index])
        prepared = self._prepare(values, connection)
        if list(params) != [prepared[index] for index in order]:
            raise ImproperlyConfigured(f"{self.model.__name__}: {self.lookups} did not compile to one value each")
        columns = [column for column, _sql, _alias in compiler.select]
        names = [column.target.attname for column in columns]
        converters = compiler.get_converters(columns)
        compiled = (sql, order, names, compiler, converters)
        self._compiled[connection] = compiled
        return compiled

    def _filtered(self, alias: str, values):
        return self.manager.get_queryset().using(alias).filter(**dict(zip(self.lookups, values, strict=True)))

    def _orm_get(self, alias: str, values):
        try:
            return self._filtered(alias, values).get()
        except self.model.DoesNotExist:
            return None

    def get(self, *values):
        """The one row whose lookups match ``values`` (given in the order the lookups were named), or ``None``."""
        alias = router.db_for_read(self.model)
        if any(value is None for value in values):
            # The ORM turns ``= None`` into ``IS NULL``: a query of its own, left to the ORM.
            return self._orm_get(alias, values)
        connection = connections[alias]
        compiled = self._compiled.get(connection) or self._compile(alias, connection, values)
        sql, order, names, compiler, converters = compiled
        prepared = self._prepare(values, connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, [prepared[index] for index in order])
            rows = cursor.fetchmany(2)
        if not rows:
            return None
        if len(rows) > 1:
            raise self.model.MultipleObjectsReturned(f"more than one {self.model.__name__} matched {self.lookups}")
        row = rows[0]
        if converters:
            row = next(iter(compiler.apply_converters([row], converters)))
        return self.model.from_db(alias, names, row)


class PkGetManager:
    """Mix into a model's default manager (before ``models.Manager``): ``Model.objects.get(pk=…)`` reads through
    a ``PreparedGet`` of the manager's own queryset, and raises ``DoesNotExist`` as ``get()`` does. The manager's
    queryset must be the model's rows as they are (a default filter with values of its own is refused)."""

    def get(self, *args, **kwargs):
        if args or kwargs.keys() != {"pk"} or self._db is not None or not self._is_models_own():
            return super().get(*args, **kwargs)
        reader = self.__dict__.get("_pk_reader")
        if reader is None:
            reader = self.__dict__["_pk_reader"] = PreparedGet(self.model, "pk", manager=self)
        instance = reader.get(kwargs["pk"])
        if instance is None:
            raise self.model.DoesNotExist(f"{self.model._meta.object_name} matching query does not exist.")
        return instance

    def _is_models_own(self) -> bool:
        # A related manager (``author.proposals``) is built from this class with the relation's filter: it must
        # keep the ORM's get(). Only the manager the model itself holds under this name reads by key alone.
        return self.model._meta.managers_map.get(self.name) is self
