"""Async engine and session factory for SQLite (embedded) and PostgreSQL (production).

The request's session owns the transaction: `shared.deps.request_session` commits on success and
rolls back on error; services and repositories only `flush()`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator
from sqlalchemy.util import await_


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def ensure_sqlite_directory(url: str) -> None:
    """A service started alone on a fresh checkout must not fail because `./data/` is missing."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)


def create_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = 10,
    max_overflow: int | None = None,
    pool_timeout: float = 30.0,
) -> AsyncEngine:
    """An engine with the settings each backend needs to be correct under concurrency. PostgreSQL
    holds at most `pool_size + max_overflow` connections per process (default overflow: pool_size);
    a request waits `pool_timeout` seconds for one, then fails (see docs: connection budget)."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        ensure_sqlite_directory(url)
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _rec: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    overflow = pool_size if max_overflow is None else max_overflow
    own_ping = pool_size > 0 and u.get_driver_name() == "asyncpg"
    kwargs: dict[str, Any] = {
        "pool_size": pool_size,
        "max_overflow": overflow,
        "pool_timeout": pool_timeout,
        "pool_pre_ping": not own_ping,  # other drivers: SQLAlchemy's own ping
    }
    if pool_size == 0:
        kwargs = {"poolclass": NullPool}  # a new connection each time: nothing to check
    # multi-row VALUES for plain INSERTs too: asyncpg's executemany costs a round trip per row,
    # which made bulk writes 3x slower (bench/bulk.py measures both in one run)
    engine = create_async_engine(url, echo=echo, **kwargs)
    engine.dialect.use_insertmanyvalues_wo_returning = True
    if own_ping:
        event.listen(engine.sync_engine, "checkout", _ping_on_checkout)
    return engine


def _ping_on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
    """Every pooled connection is checked before a request gets it, so a connection the server
    closed (a restart, a failover, an idle timeout) is replaced instead of failing the request.
    SQLAlchemy's own `pool_pre_ping` does it in three round trips on asyncpg (BEGIN, `;`,
    ROLLBACK: a transaction so that a prepared statement cannot land on another server
    connection behind PgBouncer); asyncpg's `execute` without arguments uses the simple query
    protocol, which prepares nothing, so one round trip is as safe there. Raising
    `DisconnectionError` makes the pool discard the connection and check out another (up to
    three times)."""
    try:
        await_(record.driver_connection.execute("SELECT 1"))
    except Exception as e:
        raise DisconnectionError(str(e)) from e


# The tables whose statistics are being refreshed, per engine: one ANALYZE at a time per process.
_refreshing: set[int] = set()
log = logging.getLogger(__name__)

# The tables that grew since their last ANALYZE by more than autovacuum waits for (its defaults:
# 50 rows plus a tenth of the table). Growth, not `n_mod_since_analyze`: an ANALYZE of some
# columns does not reset that counter, but it does set `reltuples` (-1 before the first ANALYZE).
_STALE = text(
    "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
    "WHERE s.schemaname = current_schema() AND s.relname = ANY(:tables) "
    "AND s.n_live_tup > 50 + 1.1 * greatest(c.reltuples, 0) ORDER BY s.relname"
)


async def refresh_statistics(engine: AsyncEngine, tables: Mapping[str, Sequence[str]]) -> list[str]:
    """ANALYZE those of `tables` whose planner statistics are stale, now rather than at
    autovacuum's next round (up to `autovacuum_naptime`, a minute by default, later): a bulk
    upload into a table without statistics, or of a school year its statistics have not seen,
    made PostgreSQL look rows up through `ix_assessment_year_state` instead of the unique key
    (the default selectivity of `kind = 'self'`, 0.5%, looked smaller than that of 1,000 school
    codes), and each 1,000-school batch then read every row of the year: 0.6 s per batch at the
    start of a 30,000-school upload, 1.5 s at the end (docs/assessments.md).

    `tables` maps each table to the columns its queries filter on: only those are analysed
    (analysing all of `assessment`, its JSON documents included, took 0.5 s at 30,000 rows).
    Run after the writing transaction has committed (its rows are what is counted), on a
    connection of its own in autocommit, with SKIP_LOCKED so it never waits for a VACUUM or
    another ANALYZE; at most one per engine at a time. PostgreSQL only (SQLite's planner prefers
    the index with the most equality terms). Never raises: statistics are an optimisation, and
    the upload they follow has already been answered. Answers the tables analysed."""
    if engine.dialect.name != "postgresql" or id(engine) in _refreshing:
        return []
    _refreshing.add(id(engine))
    try:
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            stale = list((await conn.execute(_STALE, {"tables": list(tables)})).scalars())
            if stale:
                q = conn.dialect.identifier_preparer.quote
                what = (f"{q(t)} ({', '.join(q(c) for c in tables[t])})" for t in stale)
                await conn.execute(text(f"ANALYZE (SKIP_LOCKED) {', '.join(what)}"))
        return stale
    except Exception as e:  # see above: never fails the caller
        log.warning("statistics refresh failed: %s", e.__class__.__name__)
        return []
    finally:
        _refreshing.discard(id(engine))


def session_factory(bind: AsyncEngine | AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions on the engine's pool or, given a connection already inside a transaction, each in a
    savepoint of it (its commit releases the savepoint; the connection's owner ends the transaction)."""
    return async_sessionmaker(
        bind, expire_on_commit=False, autoflush=False, join_transaction_mode="create_savepoint"
    )


def on_postgresql(session: AsyncSession) -> bool:
    """Whether the session's statements go to PostgreSQL (where row locks, advisory locks and
    `unnest` exist); a session without a bind is taken for the embedded SQLite default."""
    return session.bind is not None and session.bind.dialect.name == "postgresql"


def insert_ignore(session: AsyncSession, model: Any) -> Any:
    """INSERT … ON CONFLICT DO NOTHING on either backend (idempotent writes)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    ins = pg_insert if dialect == "postgresql" else sqlite_insert
    return ins(model).on_conflict_do_nothing()


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on both backends (SQLite returns naive datetimes otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: always pass UTC-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
