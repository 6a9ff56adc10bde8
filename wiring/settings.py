"""One Settings class, read from ``MENTORSCHAP_*`` environment variables.

Built once (``Settings()``) and passed on; nothing reads the environment elsewhere.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "development-only-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MENTORSCHAP_", extra="ignore")

    environment: str = Field("development", description="development, test or production")
    database_url: str = "sqlite:///var/mentorschap.db"

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0

    sender_address: str = "mentorschap@example.org"
    sender_name: str = "Mentorschap huisartsenkring"
    facilitator_name: str = "Procesfacilitator"
    facilitator_address: str = "facilitator@example.org"
    message_domain: str = "mentorschap.example.org"

    portal_url: str = "http://127.0.0.1:8100"
    signing_secret: SecretStr = SecretStr(DEV_SECRET)
    link_valid_days: int = 30

    # The clock: unset means the real clock. The demo sets a simulated start
    # instant, the real instant it corresponds to, and a speed factor, so every
    # process computes the same simulated "now".
    clock_start: datetime | None = None
    clock_anchor: datetime | None = None
    clock_speed: float = 1.0

    # Production: the process work pool the deployments are registered to (``mentorschap deploy``).
    work_pool: str = "mentorschap"

    sweep_interval_seconds: float = Field(300, description="how often the timer sweep runs; it recovers lost wake-ups")
    # Wall-clock seconds after which the sweep reschedules a run a kill left behind (``domain.waits.STUCK``).
    stuck_run_seconds: float = Field(180, gt=0, description="a run Pending this long lost its runner")
    lost_run_seconds: float = Field(1800, gt=0, description="a run Running this long lost its process")

    warm_start: bool = Field(False, description="flow-run processes fork from a process that already imported "
                                                "Prefect and the flows, instead of a new interpreter per run")
    retention_days: int = Field(
        730, ge=1, description="a trajectory's personal data is erased this many days after it ended "
                               "(the privacy statement promises two years)")

    language: str = "nl"
    var_dir: Path = Path("var")
    # The cohorts a facilitator declares (programme A); each gets a deployment with its Cron schedule.
    cohorts_file: Path = Field(Path(__file__).resolve().parent.parent / "cohorts.toml",
                               description="cohorts.toml: één [[cohort]]-tabel per cohort")

    @field_validator("smtp_username", "smtp_password", mode="before")
    @classmethod
    def _empty_is_no_login(cls, value: object) -> object:
        """``MENTORSCHAP_SMTP_USERNAME=`` (a relay without a login) means no login: an empty name would
        still ask the relay for AUTH, which one without it refuses, and every message would wait."""
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _no_placeholder_secret_in_production(self) -> Settings:
        if self.environment == "production":
            if self.signing_secret.get_secret_value() == DEV_SECRET:
                raise ValueError(
                    "MENTORSCHAP_SIGNING_SECRET: the development placeholder may not be "
                    "used in production; set a long random secret"
                )
            if len(self.signing_secret.get_secret_value()) < 32:
                raise ValueError("MENTORSCHAP_SIGNING_SECRET: use at least 32 characters")
        return self
