"""Typed application settings from the environment, `.env` and `.streamlit/secrets.toml`."""

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from duban.core.errors import SettingsError

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER_COOKIE_KEY = "change-me-to-32-random-bytes-or-more"


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
        default=PLACEHOLDER_COOKIE_KEY,
        description="Secret that signs the login cookie (JWT HS256); at least 32 random bytes.",
    )
    cookie_expiry_days: float = Field(
        default=0.5, gt=0, le=30, description="Login cookie lifetime in days; keep it short."
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
    lockout_attempts: int = Field(default=5, ge=1, description="Failed logins before a lock.")
    lockout_minutes: int = Field(default=15, ge=1, description="How long a lock lasts.")
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
            if self.cookie_key == PLACEHOLDER_COOKIE_KEY:
                raise SettingsError("生产模式下必须设置 COOKIE_KEY，不能使用示例占位值。")
            if len(self.cookie_key.encode()) < 32:
                raise SettingsError("生产模式下 COOKIE_KEY 至少需要 32 字节的随机字符串。")
        return self

    @property
    def is_demo(self) -> bool:
        return self.duban_mode == "demo"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(secrets_path: Path | None = None, **overrides) -> Settings:
    """Settings from secrets.toml, overridden by the environment, overridden by `overrides`."""
    import os

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
