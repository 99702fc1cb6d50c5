"""Departments (a tree) and the people who log in."""

from pydantic import NaiveDatetime
from sqlmodel import Field, SQLModel

from models.common import DepartmentKind, Role, local_now, versioned


class DepartmentBase(SQLModel):
    name: str = Field(min_length=1, max_length=100, index=True, unique=True)
    short_name: str | None = Field(default=None, max_length=40)
    kind: DepartmentKind = Field(default=DepartmentKind.city_department, max_length=20)
    parent_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    sort_order: int = 0


class Department(DepartmentBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    active: bool = True
    created_at: NaiveDatetime = Field(default_factory=local_now)
    version: int = 1

    __mapper_args__ = versioned()


class DepartmentCreate(DepartmentBase):
    pass


class AppUserBase(SQLModel):
    username: str = Field(
        min_length=2, max_length=40, regex=r"^[a-z0-9_.-]+$", index=True, unique=True
    )
    display_name: str = Field(min_length=1, max_length=40)
    role: Role = Field(max_length=20)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    email: str | None = Field(default=None, max_length=120)


class AppUser(AppUserBase, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    password_hash: str = Field(max_length=100)
    active: bool = True
    # Whether password_hash is the demo password (None: not checked yet). Production refuses
    # to start while an active account has it; the check fills unknown rows once.
    password_is_demo: bool | None = None
    last_login_at: NaiveDatetime | None = None
    created_at: NaiveDatetime = Field(default_factory=local_now)
    version: int = 1

    __mapper_args__ = versioned()


class AppUserCreate(AppUserBase):
    password: str


class UserPreference(SQLModel, table=True):
    """How one user likes the console laid out (their own choices, set from the sidebar).

    compact_view: 简洁视图 (the phone layout) on or off; None until the user chooses, when
    the layout follows the device (a phone's browser says so in its User-Agent)."""

    __tablename__ = "user_preference"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    compact_view: bool | None = None
    updated_at: NaiveDatetime = Field(default_factory=local_now)
    version: int = 1

    __mapper_args__ = versioned()
