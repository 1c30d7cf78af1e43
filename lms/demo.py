"""Demo accounts (and, in later steps, demo cohorts and activity) for the runnable site.

Idempotent: users are created once; an existing account's password is left as its owner set it.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

TRAINERS_GROUP = "Trainers"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    email: str
    first_name: str
    last_name: str
    role: str
    is_staff: bool = False
    is_superuser: bool = False


DEMO_ACCOUNTS = [
    DemoAccount("participant", "learn-micro-2026", "participant@example.com", "Pat", "Okafor", "participant"),
    DemoAccount("trainer", "coach-micro-2026", "trainer@example.com", "Tess", "Rahman", "trainer"),
    DemoAccount("admin", "admin-micro-2026", "admin@example.com", "Ada", "Admin", "admin", True, True),
]


def ensure_trainers_group() -> Group:
    group, _ = Group.objects.get_or_create(name=TRAINERS_GROUP)
    return group


def ensure_demo_accounts() -> list[tuple[DemoAccount, bool]]:
    """Create the demo accounts that are missing. Returns (account, created) pairs."""
    User = get_user_model()
    trainers = ensure_trainers_group()
    results = []
    for account in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "email": account.email,
                "first_name": account.first_name,
                "last_name": account.last_name,
                "is_staff": account.is_staff,
                "is_superuser": account.is_superuser,
            },
        )
        if created:
            user.set_password(account.password)
            user.save(update_fields=["password"])
        if account.role == "trainer":
            user.groups.add(trainers)
        results.append((account, created))
    return results
