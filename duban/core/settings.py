"""Typed application settings from the environment, `.env` and `.streamlit/secrets.toml`."""

import collections
import itertools
import logging
import math
import os
import secrets
import tomllib
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from duban.core.errors import SettingsError

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER_COOKIE_KEY = "change-me-to-32-random-bytes-or-more"
KEY_HINT = '生成方法：python -c "import secrets; print(secrets.token_urlsafe(48))"'
MIN_KEY_BITS = 128

log = logging.getLogger(__name__)


def _shannon_bits(symbols: Sequence) -> float:
    n = len(symbols)
    return -sum(c / n * math.log2(c / n) for c in collections.Counter(symbols).values()) * n


def _period(key: str) -> str:
    """The shortest piece the key repeats ("password" of 'password'*4; the key itself if it
    repeats nothing)."""
    for p in range(1, len(key) // 2 + 1):
        if all(key[i] == key[i % p] for i in range(len(key))):
            return key[:p]
    return key


def key_strength_bits(key: str) -> float:
    """A cautious estimate of a key's entropy, the least of three readings: the Shannon entropy
    of its characters times its length ('a'*32 and 32 spaces score 0), the same over the steps
    between neighbouring characters (a run like "abcdefgh…" or "0123456789abcdef" scores
    near 0) and the same over the shortest piece it repeats ('password'*4 scores 24). A
    token_urlsafe(48) scores well above 128; short random keys are under-rated, which is the
    safe side."""
    if not key:
        return 0.0
    steps = [ord(b) - ord(a) for a, b in itertools.pairwise(key)]
    piece = _period(key)
    readings = [_shannon_bits(key), _shannon_bits(piece)]
    if steps:
        readings.append(_shannon_bits(steps))
    return min(readings)


def _check_production_key(key: str) -> None:
    if not key or key == PLACEHOLDER_COOKIE_KEY:
        raise SettingsError(f"生产模式下必须设置 COOKIE_KEY，不能为空或使用示例占位值。{KEY_HINT}")
    if len(key) < 32:
        raise SettingsError(f"生产模式下 COOKIE_KEY 至少需要 32 个字符的随机字符串。{KEY_HINT}")
    if key_strength_bits(key) < MIN_KEY_BITS:
        raise SettingsError(
            "生产模式下 COOKIE_KEY 过于简单（重复或可猜测的字符，估计熵不足 "
            f"{MIN_KEY_BITS} 位），任何人都可能伪造登录。{KEY_HINT}"
        )


def installation_key(path: Path) -> str:
    """The demo installation's own cookie key: read from `path`, or made once (random, mode
    0600). Written to a temporary file and linked into place, so two processes starting at
    once agree on one key and nobody reads a half-written file."""
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{secrets.token_hex(8)}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(secrets.token_urlsafe(48))
            try:
                os.link(tmp, path)
                log.info("generated a cookie key for this installation in %s", path)
            except FileExistsError:
                pass  # another process made it first: use theirs
            finally:
                tmp.unlink()
        key = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(
            f"无法读取或生成本机的 Cookie 密钥文件 {path}：{exc}。请设置 COOKIE_KEY。{KEY_HINT}"
        ) from exc
    if key_strength_bits(key) < MIN_KEY_BITS:
        raise SettingsError(f"Cookie 密钥文件 {path} 的内容不是随机密钥：请删除该文件后重启。")
    return key


def _secrets_file_values(path: Path) -> dict:
    """Read the top-level keys of `.streamlit/secrets.toml` that Settings knows."""
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"配置文件 {path} 不是合法的 TOML：{exc}") from exc
    return {k.lower(): v for k, v in data.items() if k.lower() in Settings.model_fields}


class Settings(BaseSettings):
    """Everything Duban reads from its environment. Defaults run the demo on SQLite."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str = Field(
        default=f"sqlite:///{ROOT / 'data' / 'duban.db'}",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user:pw@host/db.",
    )
    duban_mode: Literal["demo", "production"] = Field(
        default="demo",
        description="demo: demo accounts and seed data allowed; production: refuses weak secrets.",
    )
    cookie_name: str = Field(default="duban_auth", description="Name of the login cookie.")
    cookie_key: str = Field(
        default="",
        description="Secret that signs the login cookie (JWT HS256): 32+ random characters. "
        "Demo mode without one (or with the placeholder) uses a random key kept in "
        "COOKIE_KEY_FILE; production refuses empty, short and low-entropy keys.",
    )
    cookie_key_file: Path = Field(
        default=ROOT / "data" / ".cookie_key",
        description="Demo mode only: where the installation's generated cookie key is kept.",
    )
    cookie_expiry_days: float = Field(
        default=0.5,
        gt=0,
        le=30,
        description="Longest life of a login session (checked on the server) and of its cookie.",
    )
    cookie_secure: bool = Field(
        default=False,
        description="Send the login cookie over HTTPS only (set true behind a TLS proxy).",
    )
    session_idle_minutes: int = Field(
        default=120,
        ge=5,
        le=24 * 60,
        description="A login session unused this long ends (checked on the server).",
    )
    upload_dir: Path = Field(
        default=ROOT / "data" / "uploads", description="Where evidence files are stored."
    )
    max_upload_mb: int = Field(default=20, gt=0, description="Largest evidence file, in MB.")
    # Evidence quotas (issue 11): checked by duban.core.uploads.check_quota before a file is
    # written; one file past a quota refuses the whole submission.
    max_files_per_submission: int = Field(
        default=10,
        ge=1,
        le=100,
        description="每次提交（一份进展填报、一次整改反馈或一条检查记录）最多附带的佐证材料个数。",
    )
    max_task_upload_mb: int = Field(
        default=500,
        ge=1,
        le=100_000,
        description="每项任务的佐证材料合计上限（MB）：各单位的进展填报和整改反馈的附件。",
    )
    max_unit_upload_mb: int = Field(
        default=5000,
        ge=1,
        le=1_000_000,
        description="每个单位的佐证材料合计上限（MB）：该单位所有进展填报和整改反馈的附件。",
    )
    bcrypt_rounds: int = Field(default=12, ge=4, le=15, description="bcrypt cost factor.")
    timezone: str = Field(
        default="Asia/Shanghai", description="Local time zone (IANA name) for dates and times."
    )
    lockout_attempts: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Failed logins of one username from one address before it must wait "
        "(1, 2, 4 … minutes, up to LOCKOUT_MINUTES). Other addresses are not affected.",
    )
    lockout_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="Longest wait after repeated failures."
    )
    login_source_attempts: int = Field(
        default=30,
        ge=5,
        le=10_000,
        description="Failed logins from one address within an hour, over all usernames, "
        "before that address must wait (guessing many accounts).",
    )
    trusted_proxy_hops: int = Field(
        default=0,
        ge=0,
        le=5,
        description="0: the client address is the connection's. N: Duban sits behind N "
        "reverse proxies that append to X-Forwarded-For; the Nth address from the right is used.",
    )
    public_url: str = Field(
        default="",
        description="The address users open Duban at (e.g. https://duban.example.gov.cn), so "
        "that links in e-mails and robot messages are absolute. Empty: messages carry the "
        "page path only.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Level of Duban's own log messages (written to stderr)."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SettingsError(f"时区名称无效：{name!r}（例如 Asia/Shanghai）") from exc
        return name

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        url = url.strip().rstrip("/")
        if url and not url.startswith(("http://", "https://")):
            raise SettingsError(f"PUBLIC_URL 须以 http:// 或 https:// 开头：{url!r}")
        return url

    @field_validator("cookie_key_file")
    @classmethod
    def _under_root(cls, path: Path) -> Path:
        return path if path.is_absolute() else ROOT / path

    @model_validator(mode="after")
    def _enforce_secrets(self) -> "Settings":
        url = self.database_url.strip()
        if not url or "://" not in url:
            raise SettingsError(
                f"DATABASE_URL 格式不正确：{url!r}。示例：sqlite:///data/duban.db 或 "
                "postgresql+psycopg://用户:密码@主机:5432/库名"
            )
        if not url.startswith(("sqlite", "postgresql")):
            raise SettingsError(f"DATABASE_URL 只支持 SQLite 或 PostgreSQL：{url.split('://')[0]}")
        if self.duban_mode == "production":
            _check_production_key(self.cookie_key)
        elif self.cookie_key in ("", PLACEHOLDER_COOKIE_KEY):
            # The placeholder is public: a cookie signed with it would be a forged login.
            self.cookie_key = installation_key(self.cookie_key_file)
        return self

    @property
    def is_demo(self) -> bool:
        return self.duban_mode == "demo"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(secrets_path: Path | None = None, **overrides) -> Settings:
    """Settings from secrets.toml, overridden by the environment, overridden by `overrides`."""
    file_values = _secrets_file_values(secrets_path or ROOT / ".streamlit" / "secrets.toml")
    # The environment wins over the secrets file: drop file values the environment sets.
    file_values = {k: v for k, v in file_values.items() if k.upper() not in os.environ}
    from pydantic import ValidationError

    try:
        return Settings(**{**file_values, **overrides})
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            msg = str(err.get("msg", "")).removeprefix("Value error, ")
            field = ".".join(str(x) for x in err.get("loc", ())).upper()
            parts.append(f"{field}：{msg}" if field else msg)
        raise SettingsError("；".join(parts)) from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached)."""
    return load_settings()
