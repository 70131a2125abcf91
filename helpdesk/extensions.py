"""Flask extensions, created unbound and initialised in `create_app`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from helpdesk.models.base import Base

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    class _Database(SQLAlchemy):
        """For the type checker only: `db.session` is a scoped_session, a proxy that forwards
        every call to the request's Session, so it is typed as that Session and passes to the
        services, which take an explicit `Session`."""

        session: Session  # type: ignore[assignment]

else:
    _Database = SQLAlchemy

db = _Database(metadata=Base.metadata)
migrate = Migrate()
login_manager = LoginManager()
mail = Mail()
csrf = CSRFProtect()
# Storage comes from RATELIMIT_STORAGE_URI (memory:// by default; redis:// shares
# the counts between processes and hosts).
limiter = Limiter(key_func=get_remote_address)
