"""Queries written out in SQL, for the few that the ORM builds more slowly than the database
answers them, with Django's own conversions of what they read.

Building and compiling a query with several conditions and subqueries takes Django a
millisecond or two of CPU, which is most of what a small query costs: a page that must
run such queries on every view writes them out (a story's page: StoryPage.for_route,
.related and .neighbours) and reads them through here. Only plain SQL that SQLite and
PostgreSQL both read: double-quoted names, %s for each value.
"""

import datetime

from django.db import connections


def columns(alias, fields):
    """The SQL for these model fields' columns, on the table aliased `alias`, each with
    its field: for select() to convert what it reads."""
    return [(f'{alias}."{field.column}"', field) for field in fields]


def select_clause(selected):
    """SELECT and the columns that columns() gave."""
    return "SELECT " + ", ".join(column for column, _ in selected)


def select(db, sql, params, selected):
    """The rows that `sql` reads in the database `db`: each value converted as Django
    converts the field it was selected from (`selected`, as columns() gives them, in the
    order of the select), so that a date is a date and a moment an aware datetime on every
    database. Dates among `params` are passed as Django passes a DateField's."""
    connection = connections[db]
    params = [
        connection.ops.adapt_datefield_value(value) if type(value) is datetime.date else value
        for value in params
    ]
    readers = []
    for _, field in selected:
        column = field.get_col(field.model._meta.db_table)
        converters = [
            *connection.ops.get_db_converters(column),
            *column.get_db_converters(connection),
        ]
        readers.append((column, converters))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        [_convert(value, *reader, connection) for value, reader in zip(row, readers, strict=True)]
        for row in rows
    ]


def _convert(value, column, converters, connection):
    for converter in converters:
        value = converter(value, column, connection)
    return value


def instance(model, db, values):
    """An instance of `model` as a query that read only these fields ({attname: value})
    makes it: the others are read from the database if asked for."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db(db, names, [values[name] for name in names])
