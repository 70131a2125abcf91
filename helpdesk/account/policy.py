"""Settings an admin changes in the console about everyone's accounts (table app_setting)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from helpdesk.audit import record_audit
from helpdesk.auth.sessions import TWO_FACTOR_REQUIRED
from helpdesk.models import AppSetting, utcnow

__all__ = ["TWO_FACTOR_REQUIRED", "require_two_factor", "two_factor_required"]


def two_factor_required(session: Session) -> bool:
    """Whether every staff member must sign in with a second factor."""
    setting = session.get(AppSetting, TWO_FACTOR_REQUIRED)
    return setting is not None and setting.value == "1"


def require_two_factor(session: Session, actor_id: int, required: bool) -> None:
    """Turn the requirement on or off (audited); users without a second factor are sent to
    set one up on their next page."""
    if required == two_factor_required(session):
        return
    setting = session.get(AppSetting, TWO_FACTOR_REQUIRED)
    if setting is None:
        setting = AppSetting(key=TWO_FACTOR_REQUIRED, value="0")
        session.add(setting)
    setting.value, setting.updated_at = ("1" if required else "0"), utcnow()
    record_audit(
        session,
        actor_id,
        "setting.two_factor_required",
        "setting",
        TWO_FACTOR_REQUIRED,
        required=required,
    )
