"""One row read, or written, with SQL the ORM compiled once, for the few rows every signed-in request reads and
the one row a vote adds beside its own.

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

``PreparedInsert(DBTaskResult).insert(row)`` is ``row.save(force_insert=True)`` (what ``objects.create()`` does)
with the INSERT compiled once per connection: the same ``pre_save`` and ``post_save`` signals, the fields' own
``pre_save`` (``auto_now_add``) and ``get_db_prep_save``, the same statement. It takes models whose rows are one
table with no relations and nothing the database returns on insert (a UUID key set in Python, no database
defaults), and values that are not expressions (those go to the ORM).
"""

import weakref

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import connections, router, transaction
from django.db.models import signals
from django.db.models.sql import InsertQuery

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


class PreparedInsert:
    def __init__(self, model):
        meta = model._meta
        if meta.parents or meta.proxy or not meta.managed:
            raise ImproperlyConfigured(f"PreparedInsert writes one table of its own, not {model.__name__}'s")
        if any(field.is_relation for field in meta.local_concrete_fields):
            raise ImproperlyConfigured(f"PreparedInsert writes rows without relations, not {model.__name__}'s")
        self.model = model
        self.fields = list(meta.local_concrete_fields)
        self._compiled = weakref.WeakKeyDictionary()  # per connection, as PreparedGet

    def _compile(self, alias: str, connection, instance) -> str:
        if self.model._meta.db_returning_fields:
            # Values the database makes (an auto-increment key, a database default) would have to be read back.
            raise ImproperlyConfigured(f"{self.model.__name__} has columns the database fills in on insert")
        query = InsertQuery(self.model)
        query.insert_values(self.fields, [instance], raw=True)  # raw: the fields' pre_save has run already
        [(sql, params)] = query.get_compiler(alias).as_sql()
        # Each field must be one plain placeholder, in the fields' order: the values put in are exactly the params.
        placeholders = "VALUES (" + ", ".join(["%s"] * len(self.fields)) + ")"
        if len(params) != len(self.fields) or not sql.endswith(placeholders):
            raise ImproperlyConfigured(f"{self.model.__name__}'s INSERT did not compile to one value per column")
        self._compiled[connection] = sql
        return sql

    def insert(self, instance, using: str | None = None):
        """Insert ``instance`` as a new row, as ``instance.save(force_insert=True, using=using)`` does."""
        cls = type(instance)
        if cls is not self.model:
            raise TypeError(f"PreparedInsert({self.model.__name__}) cannot insert a {cls.__name__}")
        alias = using or router.db_for_write(cls, instance=instance)
        if any(hasattr(getattr(instance, field.attname), "resolve_expression") for field in self.fields):
            instance.save(force_insert=True, using=alias)  # expressions are compiled with the query: the ORM's
            return instance
        signals.pre_save.send(sender=cls, instance=instance, raw=False, using=alias, update_fields=None)
        meta = cls._meta
        if getattr(instance, meta.pk.attname) is None:
            setattr(instance, meta.pk.attname, meta.pk.get_pk_value_on_save(instance))
        connection = connections[alias]
        values = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in self.fields]
        sql = self._compiled.get(connection) or self._compile(alias, connection, instance)
        with transaction.mark_for_rollback_on_error(using=alias), connection.cursor() as cursor:
            cursor.execute(sql, values)
        instance._state.adding = False
        instance._state.db = alias
        signals.post_save.send(sender=cls, instance=instance, created=True, update_fields=None, raw=False, using=alias)
        return instance
