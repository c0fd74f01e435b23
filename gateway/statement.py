"""The statement check: admit one read query against the room, refuse the rest.

Deny by default. A statement passes only if sqlglot (DuckDB dialect) reads it
as exactly one SELECT / WITH … SELECT / set operation / VALUES / FROM-first
query whose every table is a plain name in the room and whose functions stay
inside the room. Every refusal is one sentence that never echoes data.

Two statements about the room's own catalogue pass as well, exactly as written
here: ``SHOW TABLES`` and ``DESCRIBE <table>``. They name tables and columns,
never rows; the gateway answers them itself, with the engine deciding each table
(gateway.room_catalogue), and never lets DuckDB's system views run.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Literal

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import Token, TokenType

DIALECT = "duckdb"
MAX_STATEMENT_CHARS = 64 * 1024
MAX_STATEMENT_TOKENS = 10_000

_READ_STARTS = frozenset(
    {TokenType.SELECT, TokenType.WITH, TokenType.FROM, TokenType.VALUES, TokenType.L_PAREN}
)

# Why each kind of statement is refused, keyed by its first keyword.
_REFUSALS: dict[str, str] = {}
for _words, _reason in (
    (
        ("INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE", "UPSERT", "REPLACE"),
        "Statements that change data are not allowed; the gateway runs read queries only.",
    ),
    (
        ("CREATE", "DROP", "ALTER", "COMMENT", "RENAME"),
        "Statements that change the schema are not allowed; the gateway runs read queries only.",
    ),
    (
        ("ATTACH", "DETACH"),
        "ATTACH and DETACH are not allowed: a query may read only its own data room.",
    ),
    (
        ("COPY", "EXPORT", "IMPORT"),
        "COPY, EXPORT and IMPORT are not allowed: queries cannot read or write files.",
    ),
    (("SET", "RESET"), "Changing settings with SET or RESET is not allowed."),
    (("PRAGMA",), "PRAGMA statements are not allowed."),
    (("INSTALL", "LOAD", "FORCE"), "Installing or loading extensions is not allowed."),
    (("CALL", "EXECUTE", "PREPARE", "DEALLOCATE"), "CALL and prepared statements are not allowed."),
    (
        ("CHECKPOINT", "VACUUM", "ANALYZE"),
        "Maintenance statements such as CHECKPOINT are not allowed.",
    ),
    (("USE",), "USE is not allowed: queries run in their own data room."),
    (
        ("BEGIN", "START", "COMMIT", "ROLLBACK", "ABORT", "END", "SAVEPOINT", "RELEASE"),
        "Transaction statements are not allowed; each query runs on its own.",
    ),
    (
        ("DESCRIBE", "SHOW"),
        "Of the catalogue statements only SHOW TABLES and DESCRIBE <table> are allowed; "
        "write anything else as a SELECT.",
    ),
    (
        ("SUMMARIZE", "EXPLAIN", "PIVOT", "UNPIVOT"),
        "Only plain read queries are allowed; write it as a SELECT.",
    ),
):
    for _word in _words:
        _REFUSALS[_word] = _reason

_NOT_A_READ_QUERY = (
    "Only read queries (SELECT, WITH … SELECT, UNION, VALUES or FROM …) are allowed."
)

# Functions that reach outside the room or read its configuration.
_DENIED_FUNCTIONS = frozenset(
    {
        "read_csv",
        "read_csv_auto",
        "read_parquet",
        "read_json",
        "read_json_auto",
        "read_ndjson",
        "read_ndjson_auto",
        "read_text",
        "read_blob",
        "read_duckdb",
        "glob",
        "parquet_scan",
        "sqlite_scan",
        "sqlite_attach",
        "postgres_scan",
        "postgres_scan_pushdown",
        "postgres_query",
        "postgres_attach",
        "delta_scan",
        "query",
        "query_table",
        "getenv",
        "getvariable",
        "current_setting",
        "duckdb_settings",
        "duckdb_extensions",
        "duckdb_databases",
        "duckdb_secrets",
        "duckdb_temporary_files",
        "which_secret",
        "load_aws_credentials",
        "json_execute_serialized_sql",
        "copy_database",
        "import_database",
        "write_log",
        "enable_logging",
        "disable_logging",
        "truncate_duckdb_logs",
        "enable_profiling",
        "disable_profiling",
        "enable_profile",
        "disable_profile",
        "all_profiling_output",
        "enable_checkpoint_on_shutdown",
        "disable_checkpoint_on_shutdown",
        "checkpoint",
        "force_checkpoint",
        "database_list",
        "database_size",
        "show_databases",
        "extension_versions",
        "sniff_csv",
        "arrow_scan",
        "arrow_scan_dumb",
        "pandas_scan",
        "python_map_function",
    }
)
_DENIED_PREFIXES = (
    "read_",
    "mysql_",
    "ducklake_",
    "iceberg_",
    "pragma_",
    "sqlite_",
    "postgres_",
    "delta_",
    "parquet_",
    "duckdb_",
)
# Table functions a query may use in FROM: they only make rows up.
_ALLOWED_TABLE_FUNCTIONS = (exp.GenerateSeries, exp.Unnest)

# Nodes that must never appear anywhere in an admitted query.
_FORBIDDEN_NODES: tuple[type[exp.Expr], ...] = (
    exp.DML,
    exp.DDL,
    exp.Command,
    exp.Copy,
    exp.Set,
    exp.Pragma,
    exp.Use,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Attach,
    exp.Detach,
    exp.Install,
    exp.Describe,
    exp.Summarize,
    exp.Show,
    exp.Pivot,
    exp.Into,
)

# A table name that looks like a file path makes DuckDB read the file.
_PATH_LIKE = re.compile(r"[./\\:*?~]")


class _NoStatementEcho(logging.Filter):
    """sqlglot warns with the statement's text when it falls back to a Command;
    a user's statement can hold personal data, so that warning never reaches a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "contains unsupported syntax" not in record.getMessage()


_STATEMENT_ECHO_FILTER = _NoStatementEcho()
logging.getLogger("sqlglot").addFilter(_STATEMENT_ECHO_FILTER)


class StatementRefused(ValueError):
    """The statement may not run; the message says why in one sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CheckedStatement:
    """A statement that passed the check, and the room tables sqlglot sees in it.

    The gateway decides from DuckDB's plan (gateway.plan_reads), not from these:
    they serve only the checks above, which refuse early and explain why. For
    SHOW TABLES and DESCRIBE (``catalogue``), which never run as written, they are
    the one table DESCRIBE names, for the engine to decide.
    """

    sql: str
    tables: list[str]
    # SHOW TABLES or DESCRIBE <table>: answered by the gateway, not run as written.
    catalogue: Literal["show_tables", "describe"] | None = None


def check_statement(sql: str) -> CheckedStatement:
    """Admit one read query or raise StatementRefused."""
    if not isinstance(sql, str) or not sql.strip():
        raise StatementRefused("The statement is empty.")
    # Bounded before any parsing, so reading a statement never outlasts running one.
    if len(sql) > MAX_STATEMENT_CHARS:
        raise StatementRefused(
            f"The statement is longer than {MAX_STATEMENT_CHARS:,} characters; "
            "a long list of values belongs in a filter on a column, not in the query."
        )
    tokens = _tokenize(sql)
    if len(tokens) > MAX_STATEMENT_TOKENS:
        raise StatementRefused(
            f"The statement has more than {MAX_STATEMENT_TOKENS:,} words and symbols; "
            "write it shorter."
        )
    statements = _split_statements(tokens)
    if not statements:
        raise StatementRefused("The statement is empty.")
    if len(statements) > 1:
        raise StatementRefused("Only one statement may be run at a time.")
    catalogue = _catalogue_statement(statements[0], sql)
    if catalogue is not None:
        return catalogue
    first = statements[0][0]
    # Decide on the first keyword before parsing, so no other kind of statement
    # reaches sqlglot's fallback parser (which logs the statement's text).
    if first.token_type not in _READ_STARTS:
        words = [token.text.upper() for token in statements[0][:2]]
        if words == ["UPDATE", "EXTENSIONS"]:
            raise StatementRefused(_REFUSALS["INSTALL"])
        raise StatementRefused(_REFUSALS.get(first.text.upper(), _NOT_A_READ_QUERY))

    tree = _parse_one(sql, tokens)
    # Every check looks at the same nodes, in the order find_all would give them:
    # walked once, not once per check.
    nodes = list(tree.walk())
    _check_shape(tree, nodes)
    _check_functions(nodes)
    _check_table_functions(nodes)
    tables = _check_tables(nodes, sql)
    return CheckedStatement(sql=sql.strip(), tables=tables)


def _catalogue_statement(tokens: list[Token], sql: str) -> CheckedStatement | None:
    """SHOW TABLES, or DESCRIBE of one plain room table name (``main.`` allowed); None
    for anything else, which the checks below then refuse or admit as a query."""
    words = [token.text.upper() for token in tokens]
    first = tokens[0].token_type
    if (
        first == TokenType.SHOW
        and words == ["SHOW", "TABLES"]
        and tokens[1].token_type == TokenType.VAR
    ):
        return CheckedStatement(sql=sql.strip(), tables=[], catalogue="show_tables")
    if first != TokenType.DESCRIBE:
        return None
    named = tokens[1:]
    if len(named) == 3 and words[1] == "MAIN" and named[1].token_type == TokenType.DOT:
        named = named[2:]
    if len(named) != 1 or named[0].token_type not in (TokenType.VAR, TokenType.IDENTIFIER):
        return None
    # DuckDB folds an unquoted name's case; a quoted one is taken as written.
    name = named[0].text.lower() if named[0].token_type == TokenType.VAR else named[0].text
    if not name or _PATH_LIKE.search(name):
        return None
    return CheckedStatement(sql=sql.strip(), tables=[name], catalogue="describe")


def _tokenize(sql: str) -> list[Token]:
    try:
        return sqlglot.tokenize(sql, read=DIALECT)
    except Exception:  # deny by default: anything the tokenizer chokes on
        raise StatementRefused("The statement could not be read as SQL.") from None


def _split_statements(tokens: list[Token]) -> list[list[Token]]:
    statements: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            statements.append([])
        else:
            statements[-1].append(token)
    return [statement for statement in statements if statement]


def _parse_one(sql: str, tokens: list[Token]) -> exp.Expr:
    try:
        # What sqlglot.parse(sql, read=DIALECT) does, on the tokens already made.
        parsed = Dialect.get_or_raise(DIALECT).parser().parse(tokens, sql)
    except Exception:  # deny by default: any parser failure, not only ParseError
        raise StatementRefused("The statement could not be read as SQL.") from None
    trees = [tree for tree in parsed if tree is not None]
    if len(trees) != 1:
        raise StatementRefused("Only one statement may be run at a time.")
    return trees[0]


def _check_shape(tree: exp.Expr, nodes: list[exp.Expr]) -> None:
    query = tree
    while isinstance(query, exp.Subquery):
        query = query.this
    if not isinstance(query, exp.Select | exp.SetOperation | exp.Values):
        raise StatementRefused(_NOT_A_READ_QUERY)
    for node in nodes:
        if isinstance(node, _FORBIDDEN_NODES):
            if isinstance(node, exp.Into):
                raise StatementRefused(
                    "SELECT … INTO is not allowed; queries cannot create tables."
                )
            raise StatementRefused(
                "The query contains a statement that is not a read query, which is not allowed."
            )


def _check_table_functions(nodes: list[exp.Expr]) -> None:
    """Rows may come from room tables, subqueries, VALUES and a few row generators only."""
    sources = [table.this for table in nodes if isinstance(table, exp.Table)]
    sources += [lateral.this for lateral in nodes if isinstance(lateral, exp.Lateral)]
    for source in sources:
        if isinstance(source, (exp.Identifier, exp.Subquery, *_ALLOWED_TABLE_FUNCTIONS)):
            continue
        raise StatementRefused(
            "Table functions are not allowed; query the tables in your data room."
        )


def _check_tables(nodes: list[exp.Expr], sql: str) -> list[str]:
    tables: list[str] = []
    for table in (node for node in nodes if isinstance(node, exp.Table)):
        source = table.this
        if not isinstance(source, exp.Identifier):
            continue  # an allowed row generator, see _check_table_functions
        if table.args.get("catalog") is not None or (table.db and table.db.lower() != "main"):
            raise StatementRefused(
                "Only tables in your own data room may be queried "
                "(unqualified or main.<table> names)."
            )
        if _came_from_string_literal(source, sql):
            raise StatementRefused(
                "A quoted string cannot be used as a table; name a table in your data room."
            )
        name = source.name
        if not name or _PATH_LIKE.search(name):
            raise StatementRefused("A table name that looks like a file path is not allowed.")
        if not table.db and _names_a_cte(table):
            continue
        if name not in tables:
            tables.append(name)
    return tables


def _names_a_cte(table: exp.Table) -> bool:
    """Whether DuckDB binds this unqualified name to a CTE visible where it is used.

    A CTE is visible in the body of its own WITH and in the CTEs after it, not in
    its own definition (unless RECURSIVE) nor in an earlier CTE, nor outside the
    query it belongs to: there the same name reads the room's table.
    """
    name = table.name.lower()
    child: exp.Expr = table
    node = table.parent
    while node is not None:
        with_ = node.args.get("with_")
        if isinstance(with_, exp.With):
            ctes = [cte for cte in with_.expressions if isinstance(cte, exp.CTE)]
            if child is with_:
                # Used inside one of this WITH's CTEs: only the ones before it count.
                inside = next((i for i, cte in enumerate(ctes) if _contains(cte, table)), None)
                if inside is None:
                    visible: list[exp.CTE] = []
                else:
                    visible = ctes[: inside + 1] if with_.args.get("recursive") else ctes[:inside]
            else:
                visible = ctes
            if any(cte.alias_or_name.lower() == name for cte in visible):
                return True
        child = node
        node = node.parent
    return False


def _contains(ancestor: exp.Expr, node: exp.Expr) -> bool:
    current: exp.Expr | None = node
    while current is not None:
        if current is ancestor:
            return True
        current = current.parent
    return False


def typed_as_text(identifier: exp.Identifier, sql: str) -> bool:
    """Whether a name is text the user typed rather than a name: a string in FROM
    (DuckDB reads it as a file) or a quoted name that looks like a path."""
    return _came_from_string_literal(identifier, sql) or (
        identifier.quoted and bool(_PATH_LIKE.search(identifier.name))
    )


def _came_from_string_literal(identifier: exp.Identifier, sql: str) -> bool:
    """sqlglot turns FROM 'x' into a quoted identifier; DuckDB reads it as a file."""
    if not identifier.quoted:
        return False
    start = identifier.meta.get("start")
    if not isinstance(start, int) or not 0 <= start < len(sql):
        return True  # cannot tell: refuse
    return sql[start] != '"'


def _check_functions(nodes: list[exp.Expr]) -> None:
    for function in (node for node in nodes if isinstance(node, exp.Func)):
        for name in _function_names(function):
            # Echo only names we listed ourselves, never text the user made up.
            if name in _DENIED_FUNCTIONS:
                shown = name
            elif name.startswith(_DENIED_PREFIXES):
                shown = next(p for p in _DENIED_PREFIXES if name.startswith(p)) + "…"
            else:
                continue
            raise StatementRefused(
                f"The function {shown} is not allowed: it reaches outside the data room."
            )


def _function_names(function: exp.Func) -> set[str]:
    """Every name a function node may go by, lower-cased."""
    names = {function.sql_name().lower()}
    if isinstance(function, exp.Anonymous):
        names.add(function.name.lower())
    return names
