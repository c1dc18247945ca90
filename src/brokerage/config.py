"""Settings, read from the environment and the CLI in bootstrap (never at import)."""

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

DEFAULT_DB_PATH = Path("var/brokerage.db")


def default_database_url() -> str:
    """Return the embedded default: a SQLite file under ./var."""
    return f"sqlite:///{DEFAULT_DB_PATH}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    host: str = "127.0.0.1"
    port: int = 8000
    clock: str = "simulated"  # "simulated", "real" or "manual"
    speed: float = 1.0
    start: str | None = None  # ISO start for the simulated clock; default: next regular open
    partitions: int = 1
    instant_deposit_limit_usd: Decimal = Decimal("1000")
    market_order_collar_pct: Decimal = Decimal("5")
    max_batch: int = 256  # commands per group commit
    queue_limit: int = 10_000  # commands waiting per partition before back-pressure
    liquidity_seed: int = 7
    liquidity: bool = True  # run the liquidity agents on the exchange
    exchange_journal: Path | None = None  # defaults beside a SQLite database
    var_dir: Path = Path("var")
    cache_url: str | None = None  # BROKERAGE_CACHE_URL: Redis quote cache; None keeps it in memory
    quote_stale_after_s: int = 10  # a symbol with no update for this long is served stale
    # "inprocess": the router calls the venues directly; "fix": each venue is a FIX acceptor on
    # loopback (`brokerage serve` picks "fix" unless told otherwise).
    venue_transport: str = "inprocess"
    fix_base_port: int = 9878  # exchange; MM1, MM2 on the next ports; 0: any free ports
    fix_dir: Path | None = None  # holds fix/<venue>/...; default: the SQLite file's directory
    fix_clients: tuple[str, ...] = ()  # third-party CompIDs every served venue also accepts

    @staticmethod
    def from_env(env: dict[str, str], **overrides: object) -> "Settings":
        """Build settings from BROKERAGE_* variables, then apply explicit overrides."""
        values: dict[str, object] = {}
        if env.get("BROKERAGE_DATABASE_URL"):
            values["database_url"] = env["BROKERAGE_DATABASE_URL"]
        if env.get("BROKERAGE_CLOCK"):
            values["clock"] = env["BROKERAGE_CLOCK"]
        if env.get("BROKERAGE_SPEED"):
            values["speed"] = float(env["BROKERAGE_SPEED"])
        if env.get("BROKERAGE_PARTITIONS"):
            values["partitions"] = int(env["BROKERAGE_PARTITIONS"])
        if env.get("BROKERAGE_CACHE_URL"):
            values["cache_url"] = env["BROKERAGE_CACHE_URL"]
        if env.get("BROKERAGE_VENUE_TRANSPORT"):
            values["venue_transport"] = env["BROKERAGE_VENUE_TRANSPORT"]
        if env.get("BROKERAGE_FIX_BASE_PORT"):
            values["fix_base_port"] = int(env["BROKERAGE_FIX_BASE_PORT"])
        if env.get("BROKERAGE_FIX_CLIENTS"):
            values["fix_clients"] = tuple(env["BROKERAGE_FIX_CLIENTS"].split(","))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return Settings(**values)  # type: ignore[arg-type]
