"""Settings, read from the environment and the CLI in bootstrap (never at import)."""

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

DEFAULT_DB_PATH = Path("var/brokerage.db")


def default_database_url() -> str:
    """Return the embedded default: a SQLite file under ./var."""
    return f"sqlite:///{DEFAULT_DB_PATH}"


# Settings taken from the environment as they are: (variable, field).
_TEXT_SETTINGS = (("BROKERAGE_DATABASE_URL", "database_url"), ("BROKERAGE_CLOCK", "clock"),
                  ("BROKERAGE_CACHE_URL", "cache_url"), ("BROKERAGE_CACHE_PREFIX", "cache_prefix"),
                  ("BROKERAGE_VENUE_TRANSPORT", "venue_transport"))


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
    cache_prefix: str = "brokerage:"  # BROKERAGE_CACHE_PREFIX: Redis keys and pub/sub channels
    quote_stale_after_s: int = 10  # a symbol with no update for this long is served stale
    # "inprocess": the router calls the venues directly; "fix": each venue is a FIX acceptor on
    # loopback (`brokerage serve` picks "fix" unless told otherwise).
    venue_transport: str = "inprocess"
    fix_base_port: int = 9878  # exchange; MM1, MM2 on the next ports; 0: any free ports
    fix_dir: Path | None = None  # holds fix/<venue>/...; default: the SQLite file's directory
    fix_clients: tuple[str, ...] = ()  # third-party CompIDs every served venue also accepts
    # Symbols the simulated exchange lists (None: every instrument); the synthetic
    # consolidated feed (venue code SYN) quotes and prints the others.
    exchange_symbols: tuple[str, ...] | None = None
    synthetic_seed: int = 5

    @staticmethod
    def from_env(env: dict[str, str], **overrides: object) -> "Settings":
        """Build settings from BROKERAGE_* variables, then apply explicit overrides."""
        values: dict[str, object] = {name: env[var] for var, name in _TEXT_SETTINGS
                                     if env.get(var)}
        if env.get("BROKERAGE_SPEED"):
            values["speed"] = float(env["BROKERAGE_SPEED"])
        if env.get("BROKERAGE_PARTITIONS"):
            values["partitions"] = int(env["BROKERAGE_PARTITIONS"])
        if env.get("BROKERAGE_FIX_BASE_PORT"):
            values["fix_base_port"] = int(env["BROKERAGE_FIX_BASE_PORT"])
        if env.get("BROKERAGE_FIX_CLIENTS"):
            values["fix_clients"] = tuple(env["BROKERAGE_FIX_CLIENTS"].split(","))
        if env.get("BROKERAGE_EXCHANGE_SYMBOLS"):
            values["exchange_symbols"] = tuple(
                s.strip() for s in env["BROKERAGE_EXCHANGE_SYMBOLS"].split(",") if s.strip())
        values.update({k: v for k, v in overrides.items() if v is not None})
        return Settings(**values)  # type: ignore[arg-type]
